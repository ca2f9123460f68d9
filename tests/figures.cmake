# Figures and report.html (issue 9): each figure from a small fixed data set
# (tests/data/figures, made by the commands in its README), bad input, a
# missing or failing gnuplot, and report.html in headless Chromium (label
# "browser"; the plain `ctest` runs it too).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(_fig_py ${CMAKE_CURRENT_SOURCE_DIR}/figures_test.py)
set(_fig_data ${CMAKE_CURRENT_SOURCE_DIR}/data/figures)
set(_fig_work ${CMAKE_CURRENT_BINARY_DIR}/figures_work)

function(hfs_figures_test kind figs labels)
  add_test(NAME figures_${kind}
    COMMAND ${Python3_EXECUTABLE} ${_fig_py} report $<TARGET_FILE:hfsim>
      ${_fig_data}/${kind} ${_fig_work}/${kind} ${figs} ${labels})
  set_tests_properties(figures_${kind} PROPERTIES LABELS figures)
endfunction()

hfs_figures_test(run "ce_plane,trace,symptom_free,convergence_run"
  "Natural history only (reference)|Cost per patient (USD, discounted)|QALYs per patient (discounted)|Efficient frontier|Share symptom-free (among patients followed)|spasm_grade_4|Years since the treatment decision|Patients simulated (log scale)")
hfs_figures_test(psa "psa_cloud,convergence_psa,ceac,evpi,evppi"
  "Incremental cost per patient (USD)|Willingness to pay (USD per QALY)|Acceptability frontier (CEAF)|EVPI per patient (USD)|EVPI (all parameters)|PSA iterations|Oral drugs in sequence, then untreated")
hfs_figures_test(owsa "tornado_decision,tornado_nmb_no_treatment,tornado_nmb_medication,tornado_nmb_botox,tornado_nmb_mvd,tornado_nmb_stepped"
  "Decision tornado: mvd minus stepped|utility_cured (0.85 to 0.95)|Parameter at its low value|Base case|USD per patient")
hfs_figures_test(twsa "twsa_map" "cost_mvd|utility_cured|Surgery first if the MRI shows compression")
hfs_figures_test(scenarios "scenarios"
  "uk_discounting|ten_year_horizon|Incremental net monetary benefit vs")

hfs_figures_test(calibrate "calibration_fit,posterior_pairs"
  "Target, 95% interval|Posterior 95% interval|ss_cycles_sicker: cycles_sicker (no_treatment)|p_s1s2|posterior correlation|Posterior pairs (100 draws")

# `hfsim calibrate` draws its figures (a small Sick-Sicker calibration, a
# few seconds): the data fed to gnuplot checked against its CSV files.
add_test(NAME figures_calibrate_command
  COMMAND ${Python3_EXECUTABLE} ${_fig_py} calibrate $<TARGET_FILE:hfsim>
    ${CMAKE_SOURCE_DIR} ${_fig_work}/calibrate_command)
set_tests_properties(figures_calibrate_command PROPERTIES LABELS figures
  ENVIRONMENT "OMP_NUM_THREADS=2")

foreach(case malformed_csv field_count missing_csv not_a_results_folder
        no_gnuplot gnuplot_fails after_run too_many_strategies)
  add_test(NAME figures_${case}
    COMMAND ${Python3_EXECUTABLE} ${_fig_py} case ${case} $<TARGET_FILE:hfsim>
      ${_fig_data}/run ${_fig_work}/case_${case})
  set_tests_properties(figures_${case} PROPERTIES LABELS figures)
endforeach()

add_test(NAME figures_psa_without_evppi
  COMMAND ${Python3_EXECUTABLE} ${_fig_py} case psa_without_evppi
    $<TARGET_FILE:hfsim> ${_fig_data}/psa ${_fig_work}/case_psa_without_evppi)
set_tests_properties(figures_psa_without_evppi PROPERTIES LABELS figures)

add_test(NAME figures_browser_chromium
  COMMAND ${Python3_EXECUTABLE} ${_fig_py} browser $<TARGET_FILE:hfsim>
    ${_fig_data}/run ${_fig_data}/psa ${_fig_work}/browser
    ${_fig_data}/calibrate)
set_tests_properties(figures_browser_chromium PROPERTIES LABELS browser
  TIMEOUT 300)
