cmake_minimum_required(VERSION 3.20)
# Every column of every CSV file that hfsim writes is described in
# results/README.md (as `name`). Columns named per willingness-to-pay value
# (..._at_wtp_50000) are matched as ..._at_wtp_W; psa_parameters.csv has a
# column per parameter, checked only for its first column.
#   -DPROG=hfsim -DREADME=results/README.md -DCONFIG=configs/default.ini
#   -DWORK=scratch folder
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(runs
  "run|--patients|300|--patients-csv|--out|${WORK}/run"
  "psa|--iterations|30|--patients|100|--out|${WORK}/psa"
  "owsa|--patients|60|--out|${WORK}/owsa"
  "twsa|--param|cost_mvd|--param|utility_cured|--steps|2|--patients|60|--out|${WORK}/twsa"
  "scenarios|--patients|60|--out|${WORK}/scenarios"
  "verify|--patients|2000|--out|${WORK}/verify"
  "calibrate|--patients|100|--set|calibration.evaluations=8|--set|calibration.sir_draws=10|--out|${WORK}/calibrate")
foreach(spec IN LISTS runs)
  string(REPLACE "|" ";" args "${spec}")
  string(REPLACE "|" " " shown "${spec}")
  execute_process(COMMAND ${PROG} ${args} --config ${CONFIG} --quiet
    RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "hfsim ${shown} failed (${rc}):\n${err}")
  endif()
endforeach()
file(READ ${README} readme)
# the calibrated parameters (columns of calibration.csv and posterior.csv)
file(STRINGS ${WORK}/calibrate/calibrated_parameters.csv cal)
list(REMOVE_AT cal 0)
set(calibrated "")
foreach(row IN LISTS cal)
  string(REGEX REPLACE ",.*" "" p "${row}")
  list(APPEND calibrated ${p})
endforeach()
file(GLOB_RECURSE csvs ${WORK}/*.csv)
set(missing "")
foreach(csv IN LISTS csvs)
  file(STRINGS ${csv} header LIMIT_COUNT 1)
  string(REPLACE "," ";" columns "${header}")
  get_filename_component(name ${csv} NAME)
  if(name STREQUAL "psa_parameters.csv")
    list(GET columns 0 first)
    set(columns ${first})
  endif()
  foreach(col IN LISTS columns)
    string(REGEX REPLACE "_at_wtp_[0-9.e+]+$" "_at_wtp_W" key "${col}")
    # calibrate: a column per parameter and per target
    if(name MATCHES "^(calibration|posterior)[.]csv$")
      string(REGEX REPLACE "^(model|mcse)_.*$" "\\1_METRIC" key "${key}")
      string(FIND ";${calibrated};" ";${col};" is_param)
      if(is_param GREATER_EQUAL 0)
        set(key NAME)
      endif()
    endif()
    string(FIND "${readme}" "`${key}`" pos)
    if(pos EQUAL -1)
      list(APPEND missing "${name}: ${col}")
    endif()
  endforeach()
endforeach()
list(LENGTH csvs n)
if(n LESS 15)
  message(FATAL_ERROR "expected at least 15 CSV files, found ${n}")
endif()
if(missing)
  string(REPLACE ";" "\n  " text "${missing}")
  message(FATAL_ERROR "columns not described in results/README.md:\n  ${text}")
endif()
message(STATUS "${n} files: every column is in the data dictionary")
