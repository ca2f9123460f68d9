cmake_minimum_required(VERSION 3.20)
# results/README.md must be exactly what `hfsim dictionary` prints, so the
# data dictionary cannot drift from the program.
#   -DPROG=hfsim -DREADME=results/README.md -DCONFIG=configs/default.ini
execute_process(COMMAND ${PROG} dictionary --config ${CONFIG}
  OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "hfsim dictionary failed (${rc})")
endif()
file(READ ${README} committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "results/README.md is out of date: regenerate it with\n"
    "  build/hfsim dictionary > results/README.md\nand review the diff.")
endif()
# A word twice in a row ("mean mean weeks": a column's "mean" before an
# outcome described as a mean) reads as a typo to every analyst.
foreach(w mean the of a an per to and or in is)
  if(generated MATCHES "[^A-Za-z]${w} ${w}[^A-Za-z]")
    message(FATAL_ERROR "results/README.md: '${w} ${w}' (a doubled word)")
  endif()
endforeach()
