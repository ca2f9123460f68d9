# Fuzz targets of the input readers (see tests/fuzz/README.md).
#
# Always: replay_TARGET (any compiler) and the CTest test
# fuzz_replay_TARGET, which runs every input of corpus/TARGET and
# crashes/TARGET through the target once -- the corpus and every crash ever
# found are regression tests. Configure with -DHFS_SANITIZE=ON to replay
# them under AddressSanitizer and UndefinedBehaviorSanitizer.
#
# With -DHFS_FUZZ=ON (clang only): fuzz_TARGET, libFuzzer executables. The
# library must then be instrumented too; use a separate build folder:
#
#   CC=clang cmake -S . -B build-fuzz -DHFS_FUZZ=ON \
#     -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#     -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

option(HFS_FUZZ "Build libFuzzer targets (clang)" OFF)

set(HFS_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(HFS_FUZZ_TARGETS scenario params lifetable set checkpoint)

if(HFS_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "HFS_FUZZ=ON needs clang (libFuzzer): configure a "
      "separate build folder with CC=clang")
  endif()
  if(NOT CMAKE_C_FLAGS MATCHES "fuzzer-no-link")
    message(WARNING "HFS_FUZZ=ON without -fsanitize=fuzzer-no-link,address,"
      "undefined in CMAKE_C_FLAGS: the library is not instrumented, so the "
      "fuzzers are blind to its code and its bugs (see tests/fuzz/README.md)")
  endif()
endif()

foreach(t IN LISTS HFS_FUZZ_TARGETS)
  set(srcs ${HFS_FUZZ_DIR}/fuzz_${t}.c ${HFS_FUZZ_DIR}/fuzz_util.c)

  add_executable(replay_${t} ${srcs} ${HFS_FUZZ_DIR}/replay_main.c)
  target_link_libraries(replay_${t} PRIVATE hfs_core hfs_warnings)
  target_include_directories(replay_${t} PRIVATE
    ${CMAKE_SOURCE_DIR}/src ${HFS_FUZZ_DIR})
  target_compile_definitions(replay_${t} PRIVATE
    HFS_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_test(NAME fuzz_replay_${t}
    COMMAND replay_${t} ${HFS_FUZZ_DIR}/corpus/${t} ${HFS_FUZZ_DIR}/crashes/${t})
  set_tests_properties(fuzz_replay_${t} PROPERTIES
    ENVIRONMENT "OMP_NUM_THREADS=2"
    # an empty corpus is a mistake; sanitizers built in recover mode report
    # without failing the exit code
    FAIL_REGULAR_EXPRESSION "replayed 0 inputs;runtime error;ERROR: [A-Za-z]*Sanitizer")

  if(HFS_FUZZ)
    add_executable(fuzz_${t} ${srcs})
    target_link_libraries(fuzz_${t} PRIVATE hfs_core hfs_warnings)
    target_include_directories(fuzz_${t} PRIVATE
      ${CMAKE_SOURCE_DIR}/src ${HFS_FUZZ_DIR})
    target_compile_definitions(fuzz_${t} PRIVATE
      HFS_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
    target_compile_options(fuzz_${t} PRIVATE
      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
    target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer,address,undefined)
  endif()
endforeach()
