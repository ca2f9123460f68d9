cmake_minimum_required(VERSION 3.20)
# run_cli.cmake - run hfsim once and check what a user would see.
#
#   cmake -DHFSIM=... -DARGS=... -DEXPECTED=... -DEXIT=... -DDATA=...
#         -DSOURCE=... -DTMP=... [-DOUT=...] [-DWORKDIR=...]
#         [-DPARAM_ROWS=...] [-DFIRST_ARGS=...] [-DPLANT=...]
#         -P run_cli.cmake
#
#   HFSIM       the program
#   ARGS        its arguments, separated by '|'
#   EXPECTED    file holding the exact expected standard error
#   EXIT        expected exit code
#   DATA        tests/data (the folder of the test scenarios and tables)
#   SOURCE      the source tree (configs/ is read from there)
#   TMP         a scratch folder for this test; emptied first
#   WORKDIR     working folder of the run (default TMP)
#   OUT         an output folder that must hold no file afterwards: a failed
#               run writes nothing, not even temporary .NAME.tmp-PID files
#   PARAM_ROWS  a file of edits "NAME => ROW": TMP/parameters.csv is made
#               from SOURCE/configs/parameters.csv with the row of parameter
#               NAME replaced by ROW (empty ROW: row removed; "\n" in ROW
#               starts another row), so a bad table stays complete and in
#               step with the real one
#   FIRST_ARGS  arguments of a run that must succeed before the one under
#               test; then OUT must be left exactly as that run wrote it
#               (same files, same SHA-256) instead of empty
#   PLANT       changes to OUT after FIRST_ARGS, before the run under test
#               ('|'-separated): NAME writes a file of the user's there
#               (folders made as needed), NAME<SOURCE copies SOURCE there,
#               -NAME removes it; OUT must then stay as they left it
#
# Placeholders, in ARGS and in the expected file: @DATA@, @SOURCE@, @TMP@,
# and @LINE:NAME@ = the line of parameter NAME in the table the run reads
# (TMP/parameters.csv when PARAM_ROWS is given, else configs/parameters.csv);
# @LINE:NAME#2@ = the line of the second row named NAME.

foreach(v HFSIM ARGS EXPECTED EXIT DATA SOURCE TMP)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_cli.cmake: -D${v}=... is required")
  endif()
endforeach()

set(table "${SOURCE}/configs/parameters.csv")

# ---- scratch folder and generated table ------------------------------------

file(REMOVE_RECURSE "${TMP}")
file(MAKE_DIRECTORY "${TMP}")

# Position of the row of parameter NAME in TEXT ("" if absent): the index
# of its first character.
function(find_row text name out)
  set(pos -1)
  string(LENGTH "${name}," nlen)
  string(SUBSTRING "${text}" 0 ${nlen} head)
  if(head STREQUAL "${name},")
    set(pos 0)
  else()
    string(FIND "${text}" "\n${name}," at)
    if(at GREATER_EQUAL 0)
      math(EXPR pos "${at} + 1")
    endif()
  endif()
  set(${out} ${pos} PARENT_SCOPE)
endfunction()

if(DEFINED PARAM_ROWS AND NOT PARAM_ROWS STREQUAL "")
  file(READ "${table}" text)
  file(READ "${PARAM_ROWS}" edits)
  # One edit per line; '#' lines are comments. No list() calls: the table's
  # text holds semicolons, which CMake would take as list separators.
  while(NOT edits STREQUAL "")
    string(FIND "${edits}" "\n" nl)
    if(nl LESS 0)
      set(line "${edits}")
      set(edits "")
    else()
      string(SUBSTRING "${edits}" 0 ${nl} line)
      math(EXPR rest "${nl} + 1")
      string(SUBSTRING "${edits}" ${rest} -1 edits)
    endif()
    string(STRIP "${line}" line)
    if(line STREQUAL "" OR line MATCHES "^#")
      continue()
    endif()
    string(FIND "${line}" " => " arrow)
    if(arrow LESS 0)
      string(FIND "${line}" " =>" arrow)
      if(arrow LESS 0)
        message(FATAL_ERROR "${PARAM_ROWS}: expected 'NAME => ROW', got '${line}'")
      endif()
      set(row "")
    else()
      math(EXPR r "${arrow} + 4")
      string(SUBSTRING "${line}" ${r} -1 row)
    endif()
    string(SUBSTRING "${line}" 0 ${arrow} name)
    string(REPLACE "\\n" "\n" row "${row}")
    find_row("${text}" "${name}" pos)
    if(pos LESS 0)
      message(FATAL_ERROR "${PARAM_ROWS}: no row '${name}' in ${table}")
    endif()
    string(SUBSTRING "${text}" 0 ${pos} before)
    string(SUBSTRING "${text}" ${pos} -1 after)
    string(FIND "${after}" "\n" eol)
    if(eol LESS 0)
      set(after "")
    else()
      string(SUBSTRING "${after}" ${eol} -1 after) # keeps the newline
    endif()
    if(row STREQUAL "")
      # drop the row and its newline
      string(LENGTH "${after}" alen)
      if(alen GREATER 0)
        string(SUBSTRING "${after}" 1 -1 after)
      endif()
      set(text "${before}${after}")
    else()
      set(text "${before}${row}${after}")
    endif()
  endwhile()
  set(table "${TMP}/parameters.csv")
  file(WRITE "${table}" "${text}")
endif()

# ---- placeholders ---------------------------------------------------------

function(expand in out)
  set(s "${in}")
  string(REPLACE "@DATA@" "${DATA}" s "${s}")
  string(REPLACE "@SOURCE@" "${SOURCE}" s "${s}")
  string(REPLACE "@TMP@" "${TMP}" s "${s}")
  string(REGEX MATCHALL "@LINE:[A-Za-z0-9_]+(#2)?@" refs "${s}")
  if(refs)
    file(READ "${table}" ttext)
    foreach(ref IN LISTS refs)
      string(REGEX REPLACE "^@LINE:([A-Za-z0-9_]+).*@$" "\\1" name "${ref}")
      find_row("${ttext}" "${name}" pos)
      if(pos GREATER_EQUAL 0 AND ref MATCHES "#2@$")
        # the second row of that name: search on after the first
        math(EXPR from "${pos} + 1")
        string(SUBSTRING "${ttext}" ${from} -1 tail)
        string(FIND "${tail}" "\n${name}," at)
        if(at LESS 0)
          set(pos -1)
        else()
          math(EXPR pos "${from} + ${at} + 1")
        endif()
      endif()
      if(pos LESS 0)
        message(FATAL_ERROR "${ref}: no such row in ${table}")
      endif()
      string(SUBSTRING "${ttext}" 0 ${pos} before)
      string(REGEX MATCHALL "\n" nls "${before}")
      list(LENGTH nls n)
      math(EXPR n "${n} + 1")
      string(REPLACE "${ref}" "${n}" s "${s}")
    endforeach()
  endif()
  set(${out} "${s}" PARENT_SCOPE)
endfunction()

function(split_args in out)
  expand("${in}" s)
  string(REPLACE "|" ";" s "${s}")
  set(${out} "${s}" PARENT_SCOPE)
endfunction()

if(NOT DEFINED WORKDIR OR WORKDIR STREQUAL "")
  set(WORKDIR "${TMP}")
else()
  expand("${WORKDIR}" WORKDIR)
endif()
if(DEFINED OUT AND NOT OUT STREQUAL "")
  expand("${OUT}" OUT)
else()
  set(OUT "")
endif()

# Every file under DIR with its SHA-256, as "name=hash" lines.
function(snapshot dir out)
  set(lines "")
  if(IS_DIRECTORY "${dir}")
    file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${dir}"
         "${dir}/*")
    list(SORT files)
    foreach(f IN LISTS files)
      file(SHA256 "${dir}/${f}" h)
      string(APPEND lines "  ${f} ${h}\n")
    endforeach()
  endif()
  set(${out} "${lines}" PARENT_SCOPE)
endfunction()

# ---- an earlier good run ---------------------------------------------------

set(before "")
if(DEFINED FIRST_ARGS AND NOT FIRST_ARGS STREQUAL "")
  split_args("${FIRST_ARGS}" first)
  execute_process(COMMAND "${HFSIM}" ${first}
    WORKING_DIRECTORY "${WORKDIR}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the first run failed (exit ${rc}):\n${e}")
  endif()
  snapshot("${OUT}" before)
  if(NOT before MATCHES "(^|\n)  summary.csv " AND
     (NOT DEFINED PLANT OR PLANT STREQUAL ""))
    message(FATAL_ERROR "the first run wrote no summary.csv in ${OUT}:\n"
            "${before}")
  endif()
endif()

# ---- the user's own changes to OUT -----------------------------------------

if(DEFINED PLANT AND NOT PLANT STREQUAL "")
  split_args("${PLANT}" plants)
  foreach(p IN LISTS plants)
    if(p MATCHES "^-(.*)$")
      file(REMOVE "${OUT}/${CMAKE_MATCH_1}")
    elseif(p MATCHES "^([^<]*)<(.*)$")
      file(READ "${CMAKE_MATCH_2}" text)
      file(WRITE "${OUT}/${CMAKE_MATCH_1}" "${text}")
    else()
      file(WRITE "${OUT}/${p}" "a file of the user's\n")
    endif()
  endforeach()
  snapshot("${OUT}" before)
endif()

# ---- the run under test ----------------------------------------------------

split_args("${ARGS}" args)
execute_process(COMMAND "${HFSIM}" ${args}
  WORKING_DIRECTORY "${WORKDIR}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)

# HFS_CLI_UPDATE=1 in the environment writes the actual standard error
# into EXPECTED (paths turned back into placeholders) instead of comparing:
# for a new test, whose output must then be read line by line before it is
# committed. @LINE:NAME@ placeholders have to be put back by hand.
if(DEFINED ENV{HFS_CLI_UPDATE} AND NOT "$ENV{HFS_CLI_UPDATE}" STREQUAL "")
  set(s "${stderr}")
  string(REPLACE "${TMP}" "@TMP@" s "${s}")
  string(REPLACE "${DATA}" "@DATA@" s "${s}")
  string(REPLACE "${SOURCE}" "@SOURCE@" s "${s}")
  file(WRITE "${EXPECTED}" "${s}")
  message(STATUS "wrote ${EXPECTED} (exit ${rc})")
endif()

file(READ "${EXPECTED}" want)
expand("${want}" want)

set(problems "")
if(NOT stderr STREQUAL want)
  string(APPEND problems
    "standard error differs from ${EXPECTED}\n"
    "--- expected ---\n${want}--- actual ---\n${stderr}--- end ---\n")
endif()
if(NOT "${rc}" STREQUAL "${EXIT}")
  string(APPEND problems "exit code ${rc}, expected ${EXIT}\n")
endif()
if(NOT OUT STREQUAL "")
  snapshot("${OUT}" after)
  if(NOT after STREQUAL before)
    if(before STREQUAL "")
      string(APPEND problems
        "the failed run left files in ${OUT}:\n${after}")
    else()
      string(APPEND problems
        "the failed run changed ${OUT}\nbefore:\n${before}after:\n${after}")
    endif()
  endif()
endif()
if(NOT problems STREQUAL "")
  # NOTICE prints the text as it is (FATAL_ERROR would re-wrap it).
  string(REPLACE ";" " " shown "${args}")
  message(NOTICE "hfsim ${shown}\n${problems}")
  message(FATAL_ERROR "${EXPECTED}: failed (see above)")
endif()
message(STATUS "ok: exit ${rc}, standard error as expected")
