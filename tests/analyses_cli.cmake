# analyses_cli.cmake - command-line tests of the economic evaluation and its
# uncertainty (included from tests/CMakeLists.txt): `hfsim run` (cea.csv,
# summary_subgroups.csv, --target-se), `psa` (threads, --resume after a real
# Ctrl-C), `owsa`, `twsa` and `scenarios`.
#
# Each test runs tests/cli/check_outputs.cmake with CASE=NAME: the script
# runs hfsim into a scratch folder under the build tree
# (build/tests/analyses/NAME) and checks the files with check_csv, a small
# C program that recomputes from the CSV files (and patients.csv, psa.csv,
# configs/parameters.csv) what can be recomputed without hfsim's code: see
# the comment at the top of tests/check_csv.c. Cohorts are small (a few
# hundred to a few thousand patients, 40 PSA iterations); each test takes
# a second or two.
#
# PENDING tests check what hfsim should do and does not yet (see the
# comments); they are disabled until it does.

add_executable(check_csv check_csv.c)
target_link_libraries(check_csv PRIVATE m hfs_warnings)

# hfs_analysis_test(CASE [PENDING]) adds the test analyses_CASE.
function(hfs_analysis_test name)
  cmake_parse_arguments(T "PENDING" "" "" ${ARGN})
  add_test(NAME analyses_${name} COMMAND ${CMAKE_COMMAND}
    -DCASE=${name}
    -DHFSIM=$<TARGET_FILE:hfsim>
    -DCHECK=$<TARGET_FILE:check_csv>
    -DSOURCE=${CMAKE_SOURCE_DIR}
    -DTMP=${CMAKE_CURRENT_BINARY_DIR}/analyses/${name}
    -P ${CMAKE_CURRENT_SOURCE_DIR}/cli/check_outputs.cmake)
  set_tests_properties(analyses_${name} PROPERTIES
    LABELS "analyses;cli" TIMEOUT 300 ENVIRONMENT "OMP_NUM_THREADS=2")
  if(T_PENDING)
    set_tests_properties(analyses_${name} PROPERTIES DISABLED TRUE)
  endif()
endfunction()

# ---- hfsim run: cea.csv, summary.csv, summary_subgroups.csv -----------------
# The default scenario: botox and stepped both extendedly dominated in a
# row; standard errors against patients.csv; subgroups add up.
hfs_analysis_test(cea_default)
# Equal costs (drugs made free): no_treatment is dominated by medication.
hfs_analysis_test(cea_cost_tie)
# A copy of a strategy: the copy is dominated by the original.
hfs_analysis_test(cea_identical_strategies)
# Injections made dear: surgery costs less and gives more (dominant).
hfs_analysis_test(cea_cost_saving_dominant)
# A scenario with a single strategy (cea.csv, psa; --target-se refused).
hfs_analysis_test(cea_one_strategy)
# The precision rule: stops at the first doubling with se <= X, or at
# --max-patients; continued from 2048 patients it equals one run of 4096
# bit for bit.
hfs_analysis_test(target_se)

# ---- hfsim psa -----------------------------------------------------------
# Invariants of every file; 1 and 2 threads give the same bytes.
hfs_analysis_test(psa_threads)
# --resume without a checkpoint, twice after completion, and after a real
# SIGINT; a checkpoint of another PSA is refused.
hfs_analysis_test(psa_resume)

# --set NAME=V (or a [scenario NAME] line) fixes NAME at V in every draw;
# every other draw is unchanged (tests/cli/psa_overrides.py).
add_test(NAME psa_set_fixes_parameter COMMAND ${HFS_PYTHON3}
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/psa_overrides.py $<TARGET_FILE:hfsim>
  ${CMAKE_SOURCE_DIR}/configs/default.ini
  ${CMAKE_CURRENT_BINARY_DIR}/analyses/psa_set_fixes_parameter)
set_tests_properties(psa_set_fixes_parameter PROPERTIES
  LABELS "analyses;cli" TIMEOUT 300 ENVIRONMENT "OMP_NUM_THREADS=2")

# ---- owsa, twsa, scenarios --------------------------------------------------
hfs_analysis_test(owsa)
hfs_analysis_test(twsa)
hfs_analysis_test(scenarios)
# run --scenario NAME applies run.seed and run.patients (scenarios refuses
# them: input_scenarios_run_settings)
hfs_analysis_test(scenario_run_settings)
# strategy.*.TREATMENT.KEY: every strategy with that line
hfs_analysis_test(strategy_wildcard)

# ---- pending ----------------------------------------------------------------
# manifest.txt of twsa records the command without --param and --steps,
# so the run cannot be repeated from it.
hfs_analysis_test(twsa_manifest)
# The manifest's patients and threads are those simulated and used, and its
# override lines rerun the analysis (psa --patients is psa.patients).
hfs_analysis_test(manifest_patients_threads)
# psa --resume with no checkpoint to continue says so
hfs_analysis_test(resume_without_checkpoint)
# the CEAC/EVPI grid ends at ceac_wtp_max whatever the step
hfs_analysis_test(ceac_grid_reaches_max)
# "Every reported mean has its Monte Carlo standard error": owsa.csv has
# none; twsa.csv has none for cost and QALYs; psa_summary.csv none for the
# NMB means.
hfs_analysis_test(owsa_standard_errors)
hfs_analysis_test(twsa_standard_errors)
hfs_analysis_test(psa_summary_standard_errors)
# Too few iterations for an [psa] evppi group is found only after every
# iteration has run, and then no file at all is written.
hfs_analysis_test(psa_evppi_checked_first)
