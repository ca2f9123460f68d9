# calibrate.cmake - `hfsim calibrate` and `hfsim psa --posterior` (included
# from tests/CMakeLists.txt).
#
# test_calibrate (in HFS_UNIT_TESTS, tests/CMakeLists.txt): the sampler
# against closed-form posteriors, Nelder-Mead on a closed-form problem,
# recovery of known Sick-Sicker parameters, threads and resume, bad
# settings (see the comment at the top of the file).
set_tests_properties(test_calibrate PROPERTIES LABELS "analyses" TIMEOUT 300)

# Bad [calibration] settings, each error with its file and line: `hfsim
# check` reports them (exit 3) and `hfsim calibrate` writes nothing.
hfs_cli_test(input_calibration_check EXIT 3
  ARGS check --config @DATA@/bad_calibration.ini)
hfs_cli_test(input_calibration_run EXIT 3 OUT @TMP@/out
  ARGS calibrate --config @DATA@/bad_calibration.ini --out @TMP@/out)
# An empty item in its lists was skipped silently; the named parameters'
# bounds are still read (not reported as unknown keys).
hfs_cli_test(input_list_empty_item_calibration EXIT 3 OUT @TMP@/out
  ARGS calibrate --config @SOURCE@/configs/default.ini --out @TMP@/out
       --set calibration.parameters=mvd_p_accept_redo,,botox_interval_max_weeks
       --set calibration.targets=,redo_share_of_operated
       --set calibration.bounds.mvd_p_accept_redo=0.1,0.9,)

# Command-line tests (tests/cli/check_calibrate.cmake, CASE=NAME):
#   calibrate_threads     1 and 2 threads give the same bytes; the files'
#                         shapes; the fit recovers the tutorial's values
#                         from the synthetic targets within the posterior's
#                         95% interval
#   calibrate_resume      --resume after a real SIGINT: identical files; a
#                         checkpoint of another calibration is refused
#   calibrate_posterior   psa --posterior: calibrated columns come from
#                         posterior.csv rows, the others are the prior PSA's
#                         draws; interrupted and resumed, the same files;
#                         a bad posterior file is refused at its line
function(hfs_calibrate_test name)
  add_test(NAME ${name} COMMAND ${CMAKE_COMMAND}
    -DCASE=${name}
    -DHFSIM=$<TARGET_FILE:hfsim>
    -DCHECK=$<TARGET_FILE:check_csv>
    -DSOURCE=${CMAKE_SOURCE_DIR}
    -DTMP=${CMAKE_CURRENT_BINARY_DIR}/calibrate/${name}
    -P ${CMAKE_CURRENT_SOURCE_DIR}/cli/check_calibrate.cmake)
  set_tests_properties(${name} PROPERTIES
    LABELS "analyses;cli" TIMEOUT 300 ENVIRONMENT "OMP_NUM_THREADS=2")
endfunction()
hfs_calibrate_test(calibrate_threads)
hfs_calibrate_test(calibrate_resume)
hfs_calibrate_test(calibrate_posterior)
