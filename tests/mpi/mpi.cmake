# hfsim under MPI (label `mpi`): the same bytes for any number of ranks and
# threads, resume with another rank count, SIGTERM, a failing rank; the
# same for calibrate, and its bad settings reported once. Only
# registered when hfsim is built with MPI (HFS_MPI); the plain build has
# nothing of MPI to test. Open MPI needs --oversubscribe to start more
# ranks than cores, and (as root, e.g. in CI containers) the
# OMPI_ALLOW_RUN_AS_ROOT variables, set here for the tests only.
if(NOT HFS_MPI)
  message(STATUS "hfsim: built without MPI: the mpi tests are not registered")
  return()
endif()
execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version
  OUTPUT_VARIABLE _hfs_mpiexec_version ERROR_QUIET)
set(_hfs_mpi_flags ${MPIEXEC_PREFLAGS})
if(_hfs_mpiexec_version MATCHES "Open MPI|OpenRTE")
  list(APPEND _hfs_mpi_flags --oversubscribe)
endif()
# (containers often forbid the cross-memory attach of Open MPI's shared
# memory transport: plain copies are used instead, which changes nothing
# in the results)
set(_hfs_mpi_env
  "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_btl_vader_single_copy_mechanism=none")
if(HFS_SANITIZE)
  # Open MPI does not free what MPI_Init allocates (LeakSanitizer reports
  # ~120 kB in libmpi and its plugins at exit): leak checking is off for
  # these tests only; every other AddressSanitizer check stays on.
  string(APPEND _hfs_mpi_env
    ";ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=0")
endif()
foreach(case run psa resume sigterm dsa fail calibrate calibrate_resume
    calibrate_input)
  add_test(NAME mpi_${case}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/mpi/mpi_test.sh ${case}
      $<TARGET_FILE:hfsim> ${CMAKE_SOURCE_DIR}/configs/default.ini
      ${CMAKE_CURRENT_BINARY_DIR}/mpi_work/${case}
      ${MPIEXEC_EXECUTABLE} ${_hfs_mpi_flags})
  set_tests_properties(mpi_${case} PROPERTIES
    LABELS mpi TIMEOUT 600
    ENVIRONMENT "${_hfs_mpi_env}")
endforeach()
