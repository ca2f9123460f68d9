# robustness.cmake - verification and robustness tests (included from
# tests/CMakeLists.txt, after inputs.cmake). tests/ROBUSTNESS.md says what
# each test does, how long it takes and what it found.
#
#   sanitizers_build    a second build of this source tree with
#                       -fsanitize=address,undefined (gcc, Debug) in
#                       <build>/sanitize; sanitizers_1..4 run its whole
#                       test suite, a quarter each
#   valgrind_memcheck   valgrind memcheck on small runs and error paths
#   test_output         unit tests of output.c: output folders as
#                       transactions, the lock, the manifest's file list,
#                       verify-folder, and CSV text escaping
#   robust_folder_*     (slow) strace fault injection, random SIGKILLs,
#                       30 concurrent pairs, planted links, every command
#                       re-run into its folder (folder_transaction.sh)
#   robust_inputs       (slow) inputs that once hung, overflowed or fooled
#                       the simulator (robust_inputs.sh)
#   robust_interrupt_*  SIGINT / SIGTERM during run, psa, verify and
#                       report; psa --resume
#   robust_disk_full, robust_file_too_large   writes that fail
#   robust_spreadsheet_cells                  no CSV cell starts a formula
#   robust_*            (CLI) unreadable inputs, unwritable outputs, names
#                       that would start a formula
#
# This file is also the script of the sanitizers and valgrind_memcheck
# tests: `cmake -DHFS_ROBUST_STEP=sanitizers_build|sanitizers|valgrind ...
# -P robustness.cmake`
# (see the end of the file).

if(NOT CMAKE_SCRIPT_MODE_FILE)

# ---- unit tests of output.c -------------------------------------------------
# (test_output is registered, with the label robustness, in
# tests/CMakeLists.txt. Its former --pending group, the bugs found here,
# is now part of its one group: ROBUSTNESS.md, "Found".)

# ---- the driver: signals, full disks, CSV cells -----------------------------
add_executable(interrupt_driver interrupt_driver.c)
target_link_libraries(interrupt_driver PRIVATE hfs_core hfs_warnings)

# hfs_robust_test(NAME MODE CONFIG [ARG...] [PENDING])
#   interrupt_driver MODE hfsim CONFIG <build>/tests/robust/NAME ARG...
#   exit 77 = skipped (e.g. no tmpfs can be mounted).
function(hfs_robust_test name mode config)
  cmake_parse_arguments(T "PENDING" "" "" ${ARGN})
  add_test(NAME ${name}
    COMMAND interrupt_driver ${mode} $<TARGET_FILE:hfsim> ${config}
            ${CMAKE_CURRENT_BINARY_DIR}/robust/${name} ${T_UNPARSED_ARGUMENTS})
  set_tests_properties(${name} PROPERTIES
    LABELS robustness TIMEOUT 900 SKIP_RETURN_CODE 77
    ENVIRONMENT "OMP_NUM_THREADS=2")
  if(T_PENDING)
    set_tests_properties(${name} PROPERTIES DISABLED TRUE)
  endif()
endfunction()

set(_hfs_default_ini ${CMAKE_SOURCE_DIR}/configs/default.ini)
hfs_robust_test(robust_interrupt_run_sigint run ${_hfs_default_ini} INT)
hfs_robust_test(robust_interrupt_run_sigterm run ${_hfs_default_ini} TERM)
hfs_robust_test(robust_interrupt_patients_csv run ${_hfs_default_ini} INT
  --patients-csv)
# Patients per PSA iteration: the PSA must still be running when the
# signal comes (a second or so), and the sanitizer build is ~5x slower.
if(HFS_SANITIZE)
  set(_hfs_psa_patients 500)
else()
  set(_hfs_psa_patients 2000)
endif()
hfs_robust_test(robust_interrupt_psa_resume psa ${_hfs_default_ini}
  ${_hfs_psa_patients})
hfs_robust_test(robust_disk_full disk-full ${_hfs_default_ini})
hfs_robust_test(robust_file_too_large file-too-large ${_hfs_default_ini})
hfs_robust_test(robust_spreadsheet_cells cells
  ${CMAKE_CURRENT_SOURCE_DIR}/data/robust_formula.ini
  ${CMAKE_SOURCE_DIR}/configs)
# Pending (bugs in ROBUSTNESS.md, "Found"): `hfsim verify` ignores Ctrl-C;
# after a PSA failed on a full disk, --resume refuses its empty checkpoint.
hfs_robust_test(robust_interrupt_verify verify ${_hfs_default_ini})
# `hfsim report` ignored the signal and committed figures half drawn.
hfs_robust_test(robust_interrupt_report_sigint report ${_hfs_default_ini}
  INT group)
hfs_robust_test(robust_interrupt_report_sigterm report ${_hfs_default_ini}
  TERM parent)
hfs_robust_test(robust_disk_full_psa_resume disk-full ${_hfs_default_ini}
  resume)

# ---- output folders as transactions (tests/folder_transaction.sh) ----------
# strace fault injection and random SIGKILLs, 30 concurrent pairs into one
# folder, planted links. Label "slow" (about 15 s together); the plain
# `ctest` still runs them. The sanitizer build (which runs the whole suite
# again) runs the quick two only (rerun's code paths are in the input_*
# and figures_report_* tests there).
set(_hfs_folder_cases faults planted)
if(NOT HFS_INNER_SANITIZE_BUILD)
  list(APPEND _hfs_folder_cases kills concurrent rerun)
endif()
foreach(c ${_hfs_folder_cases})
  add_test(NAME robust_folder_${c}
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/folder_transaction.sh ${c}
            $<TARGET_FILE:hfsim> ${_hfs_default_ini}
            ${CMAKE_CURRENT_BINARY_DIR}/robust/folder_${c})
  set_tests_properties(robust_folder_${c} PROPERTIES
    LABELS "robustness;slow" TIMEOUT 600 ENVIRONMENT "OMP_NUM_THREADS=1")
endforeach()

# Inputs that once hung, overflowed or fooled the simulator
# (robust_inputs.sh). Not in the sanitizer build: it limits the address
# space (ulimit -v), which AddressSanitizer's shadow memory exceeds.
if(NOT HFS_INNER_SANITIZE_BUILD)
  add_test(NAME robust_inputs
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/robust_inputs.sh
            $<TARGET_FILE:hfsim> ${CMAKE_SOURCE_DIR}/configs
            ${CMAKE_CURRENT_BINARY_DIR}/robust/inputs)
  set_tests_properties(robust_inputs PROPERTIES
    LABELS "robustness;slow" TIMEOUT 600 ENVIRONMENT "OMP_NUM_THREADS=1")
endif()

# ---- command-line tests (exact standard error, exit code, nothing written) --
if(COMMAND hfs_cli_test)
  # Unreadable inputs: root reads any file, so "unreadable" is a folder
  # given where a file is expected (exit 4).
  hfs_cli_test(robust_scenario_is_folder EXIT 4 OUT @TMP@/out
    ARGS run --config @DATA@ --out @TMP@/out)
  hfs_cli_test(robust_parameters_is_folder EXIT 4 OUT @TMP@/out
    ARGS run --config @DATA@/good.ini --out @TMP@/out
         --set inputs.parameters=@DATA@)
  hfs_cli_test(robust_life_table_is_folder EXIT 4 OUT @TMP@/out
    ARGS run --config @DATA@/good.ini --out @TMP@/out
         --set inputs.life_table=@DATA@)
  hfs_cli_test(robust_psa_missing_scenario EXIT 4 OUT @TMP@/out
    ARGS psa --config @DATA@/no_such_scenario.ini --out @TMP@/out)
  # Unwritable output folders: a regular file, or a path under one.
  hfs_cli_test(robust_output_is_a_file EXIT 4
    ARGS run --config @DATA@/good.ini --out @DATA@/good.ini)
  hfs_cli_test(robust_psa_unwritable_output EXIT 4
    ARGS psa --config @DATA@/good.ini --iterations 2 --patients 10
         --out @DATA@/good.ini/sub)
  # Pending: owsa, twsa and scenarios simulate everything before they find
  # that the output folder cannot be made (ROBUSTNESS.md, "Found").
  hfs_cli_test(robust_owsa_unwritable_output EXIT 4
    ARGS owsa --config @DATA@/good.ini --patients 10
         --out @DATA@/good.ini/sub)

  # Spreadsheet safety: names reach every CSV, so a name that a spreadsheet
  # would read as a formula (=, +, -, @) is rejected (exit 3); parameter
  # names in the table and free texts (labels) are checked by
  # robust_spreadsheet_cells.
  hfs_cli_test(robust_formula_strategy_names EXIT 3 OUT @TMP@/out
    ARGS run --config @DATA@/robust_formula_names.ini --out @TMP@/out)
  hfs_cli_test(robust_formula_set EXIT 3 OUT @TMP@/out
    ARGS run --config @DATA@/good.ini --out @TMP@/out
         --set strategy.@botox.lines=botox
         --set strategy.-botox.label=x
         --set cost_mvd==1+1)
  hfs_cli_test(robust_formula_twsa_param EXIT 3 OUT @TMP@/out
    ARGS twsa --config @DATA@/good.ini --out @TMP@/out
         --param @cost_mvd --param +cost_botox_administration)
  hfs_cli_test(robust_formula_evppi EXIT 3 OUT @TMP@/out
    ARGS psa --config @DATA@/good.ini --out @TMP@/out --iterations 12
         --set psa.evppi=-cost_mvd)
  foreach(t robust_scenario_is_folder robust_parameters_is_folder
      robust_life_table_is_folder robust_psa_missing_scenario
      robust_output_is_a_file robust_psa_unwritable_output
      robust_owsa_unwritable_output
      robust_formula_strategy_names robust_formula_set
      robust_formula_twsa_param
      robust_formula_evppi)
    set_tests_properties(${t} PROPERTIES LABELS "robustness;cli")
  endforeach()
endif()

# ---- sanitizers and valgrind (not inside the sanitizer build itself) --------
if(NOT HFS_INNER_SANITIZE_BUILD)
  # Split so that ctest shows progress: sanitizers_build configures and
  # builds <build>/sanitize (a fixture), then sanitizers_1..4 each run a
  # quarter of its suite (ctest -I K,,4: every 4th test from the K-th), so
  # every inner test runs exactly once, whatever their number.
  add_test(NAME sanitizers_build COMMAND ${CMAKE_COMMAND}
    -DHFS_ROBUST_STEP=sanitizers_build
    -DSOURCE=${CMAKE_SOURCE_DIR}
    -DBINARY=${CMAKE_BINARY_DIR}/sanitize
    "-DGENERATOR=${CMAKE_GENERATOR}"
    "-DMAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}"
    -P ${CMAKE_CURRENT_LIST_FILE})
  set_tests_properties(sanitizers_build PROPERTIES
    LABELS "robustness;slow" TIMEOUT 1800 RUN_SERIAL TRUE
    FIXTURES_SETUP sanitize_build SKIP_REGULAR_EXPRESSION "SKIPPED:")
  foreach(k 1 2 3 4)
    add_test(NAME sanitizers_${k} COMMAND ${CMAKE_COMMAND}
      -DHFS_ROBUST_STEP=sanitizers
      -DSHARD=${k}
      -DBINARY=${CMAKE_BINARY_DIR}/sanitize
      -P ${CMAKE_CURRENT_LIST_FILE})
    # Alone on the machine: each runs its part of the suite on 2 cores.
    set_tests_properties(sanitizers_${k} PROPERTIES
      LABELS "robustness;slow" TIMEOUT 1800 RUN_SERIAL TRUE
      FIXTURES_REQUIRED sanitize_build SKIP_REGULAR_EXPRESSION "SKIPPED:")
  endforeach()

  add_test(NAME valgrind_memcheck COMMAND ${CMAKE_COMMAND}
    -DHFS_ROBUST_STEP=valgrind
    -DHFSIM=$<TARGET_FILE:hfsim>
    -DSOURCE=${CMAKE_SOURCE_DIR}
    -DWORK=${CMAKE_CURRENT_BINARY_DIR}/robust/valgrind_memcheck
    -P ${CMAKE_CURRENT_LIST_FILE})
  set_tests_properties(valgrind_memcheck PROPERTIES
    LABELS "robustness;slow" TIMEOUT 900 SKIP_REGULAR_EXPRESSION "SKIPPED:")
endif()

return()
endif()

# =============================================================================
# Script mode: the steps of the sanitizers and valgrind_memcheck tests.
# =============================================================================
cmake_minimum_required(VERSION 3.20)

function(elapsed since out)
  string(TIMESTAMP t "%s")
  math(EXPR d "${t} - ${since}")
  set(${out} ${d} PARENT_SCOPE)
endfunction()

if(HFS_ROBUST_STEP STREQUAL "sanitizers_build")
  # gcc brings libasan and libubsan (Debian: libgcc-12-dev depends on
  # libasan8 and libubsan1).
  find_program(GCC gcc)
  if(NOT GCC)
    message("SKIPPED: no gcc for the sanitizer build")
    return()
  endif()
  string(TIMESTAMP t0 "%s")
  set(generator "")
  if(GENERATOR)
    set(generator -G "${GENERATOR}")
    if(MAKE_PROGRAM)
      list(APPEND generator "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
    endif()
  endif()
  message(STATUS "configuring ${BINARY} (-fsanitize=address,undefined)")
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${BINARY}
      ${generator}
      -DCMAKE_C_COMPILER=${GCC}
      -DCMAKE_BUILD_TYPE=Debug
      -DHFS_SANITIZE=ON
      -DHFS_INNER_SANITIZE_BUILD=ON
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuring the sanitizer build failed:\n${out}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY} --parallel 2
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "building with sanitizers failed:\n${out}")
  endif()
  elapsed(${t0} build_s)
  message(STATUS "sanitizer build: ${build_s} s")

elseif(HFS_ROBUST_STEP STREQUAL "sanitizers")
  if(NOT EXISTS ${BINARY}/CTestTestfile.cmake)
    message("SKIPPED: no sanitizer build (sanitizers_build skipped)")
    return()
  endif()

  # Any report fails: ASan and UBSan stop at the first error (the code is
  # built with -fno-sanitize-recover=all), LeakSanitizer (on by default with
  # gcc on x86-64 Linux) fails the exit code at the end, and every test
  # checks exit codes. detect_leaks is not forced here: that would override
  # tests/check_csv.c's own __asan_default_options (a checking tool that
  # never frees its tables). Left out because they make the suite far
  # slower: strict_string_checks (strtod over a whole CSV buffer becomes
  # quadratic: test_model > 15 min instead of 40 s) and
  # detect_stack_use_after_return (test_model > 15 min).
  set(ENV{ASAN_OPTIONS}
    "halt_on_error=1:abort_on_error=0:check_initialization_order=1")
  set(ENV{UBSAN_OPTIONS} "halt_on_error=1:print_stacktrace=1")
  string(TIMESTAMP t1 "%s")
  execute_process(COMMAND ${CMAKE_CTEST_COMMAND} --test-dir ${BINARY}
      --output-on-failure --parallel 2 --timeout 900 -I ${SHARD},,4
      -E "^(sanitizers.*|valgrind_memcheck)$"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  elapsed(${t1} test_s)
  message("${out}")
  message(STATUS "sanitizer test suite, part ${SHARD} of 4: ${test_s} s")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the test suite fails under AddressSanitizer and "
      "UndefinedBehaviorSanitizer (see above; the build is ${BINARY})")
  endif()

elseif(HFS_ROBUST_STEP STREQUAL "valgrind")
  find_program(VALGRIND valgrind)
  if(NOT VALGRIND)
    message("SKIPPED: valgrind is not installed (add valgrind to "
            ".ci/install-deps)")
    return()
  endif()
  file(REMOVE_RECURSE "${WORK}")
  file(MAKE_DIRECTORY "${WORK}")
  set(cfg ${SOURCE}/configs/default.ini)
  set(data ${SOURCE}/tests/data)
  # NAME|EXIT|ARG^ARG^... : each run under memcheck must exit as expected
  # and report no error and no definite leak.
  set(runs
    "run|0|run^--config^${cfg}^--patients^300^--threads^2^--out^${WORK}/run"
    "run_patients_csv|0|run^-q^--config^${data}/good.ini^--patients^300^--threads^2^--patients-csv^--out^${WORK}/run_csv"
    "psa|0|psa^-q^--config^${cfg}^--iterations^12^--patients^50^--threads^2^--out^${WORK}/psa"
    "check|0|check^--config^${cfg}"
    "calibrate|0|calibrate^-q^--config^${SOURCE}/configs/sick_sicker.ini^--patients^100^--set^calibration.evaluations=10^--set^calibration.sir_draws=20^--threads^2^--out^${WORK}/calibrate"
    "bad_calibration|3|calibrate^--config^${data}/bad_calibration.ini^--out^${WORK}/bad"
    "bad_scenario|3|run^--config^${data}/bad_many_errors.ini^--out^${WORK}/bad"
    "bad_parameter|3|run^--config^${data}/good.ini^--set^cost_mvd=cheap^--out^${WORK}/bad"
    "missing_scenario|4|run^--config^${data}/no_such_scenario.ini^--out^${WORK}/bad"
    "unwritable_output|4|run^--config^${data}/good.ini^--patients^50^--out^${data}/good.ini/sub")
  set(problems "")
  foreach(r IN LISTS runs)
    string(REPLACE "|" ";" parts "${r}")
    list(GET parts 0 name)
    list(GET parts 1 want)
    list(GET parts 2 args)
    string(REPLACE "^" ";" args "${args}")
    set(log ${WORK}/${name}.valgrind.log)
    string(TIMESTAMP t0 "%s")
    execute_process(COMMAND ${VALGRIND} --tool=memcheck --error-exitcode=1
        --leak-check=full --errors-for-leak-kinds=definite
        --show-leak-kinds=definite --log-file=${log}
        ${HFSIM} ${args}
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    elapsed(${t0} secs)
    file(READ ${log} vlog)
    if(NOT rc EQUAL want OR NOT vlog MATCHES "ERROR SUMMARY: 0 errors")
      string(REPLACE ";" " " shown "${args}")
      string(APPEND problems "hfsim ${shown}\n  exit ${rc}, expected ${want}"
        " (1 = valgrind found errors)\n${err}\n${vlog}\n")
      message(STATUS "${name}: FAILED (${secs} s)")
    else()
      message(STATUS "${name}: exit ${rc}, no memcheck errors, no definite "
                     "leaks (${secs} s)")
    endif()
  endforeach()
  if(NOT problems STREQUAL "")
    message(NOTICE "${problems}")
    message(FATAL_ERROR "valgrind memcheck found problems (see above)")
  endif()
else()
  message(FATAL_ERROR "robustness.cmake: unknown HFS_ROBUST_STEP "
                      "'${HFS_ROBUST_STEP}'")
endif()
