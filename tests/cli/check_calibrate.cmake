cmake_minimum_required(VERSION 3.20)
# check_calibrate.cmake - command-line tests of `hfsim calibrate` and
# `hfsim psa --posterior` on the Sick-Sicker demonstration
# (configs/sick_sicker.ini [calibration]; see tests/calibrate.cmake).
#
#   cmake -DCASE=... -DHFSIM=... -DCHECK=... -DSOURCE=... -DTMP=...
#         -P check_calibrate.cmake

foreach(v CASE HFSIM CHECK SOURCE TMP)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_calibrate.cmake: -D${v}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${TMP}")
file(MAKE_DIRECTORY "${TMP}")
set(CONFIG "${SOURCE}/configs/sick_sicker.ini")
set(FILES calibration.csv calibration_targets.csv calibrated_parameters.csv
    posterior.csv posterior_correlations.csv)

# hfsim(ARG... [EXIT CODE] [STDERR VAR] [STDOUT VAR])
function(hfsim)
  cmake_parse_arguments(H "" "EXIT;STDERR;STDOUT" "" ${ARGN})
  if(NOT DEFINED H_EXIT)
    set(H_EXIT 0)
  endif()
  execute_process(COMMAND "${HFSIM}" ${H_UNPARSED_ARGUMENTS}
    WORKING_DIRECTORY "${TMP}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REPLACE ";" " " shown "${H_UNPARSED_ARGUMENTS}")
  message(STATUS "hfsim ${shown}: exit ${rc}")
  if(NOT "${rc}" STREQUAL "${H_EXIT}")
    message(FATAL_ERROR "hfsim ${shown}\nexit code ${rc}, expected ${H_EXIT}\n"
                        "--- stdout ---\n${out}--- stderr ---\n${err}")
  endif()
  if(H_STDERR)
    set(${H_STDERR} "${err}" PARENT_SCOPE)
  endif()
  if(H_STDOUT)
    set(${H_STDOUT} "${out}" PARENT_SCOPE)
  endif()
endfunction()

function(same_files a b)
  foreach(f IN LISTS ARGN)
    foreach(d "${a}" "${b}")
      if(NOT EXISTS "${d}/${f}")
        message(FATAL_ERROR "${d}/${f} was not written")
      endif()
    endforeach()
    file(SHA256 "${a}/${f}" ha)
    file(SHA256 "${b}/${f}" hb)
    if(NOT ha STREQUAL hb)
      message(FATAL_ERROR "${f} differs between ${a} and ${b}")
    endif()
  endforeach()
  message(STATUS "identical: ${ARGN}")
endfunction()

function(expect_in text what message)
  string(FIND "${text}" "${what}" at)
  if(at LESS 0)
    message(FATAL_ERROR "${message}: expected '${what}' in:\n${text}")
  endif()
endfunction()

# column(LINE INDEX VAR): field INDEX (from 0) of a CSV line without quotes
function(column line index var)
  string(REPLACE "," ";" fields "${line}")
  list(GET fields ${index} v)
  set(${var} "${v}" PARENT_SCOPE)
endfunction()

# index_of(HEADER NAME VAR): position of column NAME
function(index_of header name var)
  string(REPLACE "," ";" fields "${header}")
  list(FIND fields "${name}" i)
  if(i LESS 0)
    message(FATAL_ERROR "no column ${name} in ${header}")
  endif()
  set(${var} ${i} PARENT_SCOPE)
endfunction()

# Smaller than the scenario's demonstration (tests also run under the
# sanitizers): 1,000 patients per evaluation, 300 SIR draws.
set(small --patients 1000 --set calibration.sir_draws=300
    --set calibration.posterior_size=300)
set(args calibrate --config ${CONFIG} --threads 1)

if(CASE STREQUAL "calibrate_threads")
  hfsim(${args} ${small} --out ${TMP}/t1 STDOUT out)
  expect_in("${out}" "effective sample size" "the fit table")
  hfsim(calibrate -q --config ${CONFIG} ${small} --threads 2 --out ${TMP}/t2)
  same_files(${TMP}/t1 ${TMP}/t2 ${FILES})
  # shapes: 300 posterior draws, 3 parameters, 3 pairs, 3 targets
  file(STRINGS ${TMP}/t1/posterior.csv post)
  list(LENGTH post n)
  if(NOT n EQUAL 301)
    message(FATAL_ERROR "posterior.csv has ${n} lines, expected 301")
  endif()
  file(STRINGS ${TMP}/t1/posterior_correlations.csv corr)
  list(LENGTH corr n)
  if(NOT n EQUAL 4)
    message(FATAL_ERROR "posterior_correlations.csv has ${n} lines")
  endif()
  file(STRINGS ${TMP}/t1/calibration_targets.csv tg)
  list(LENGTH tg n)
  if(NOT n EQUAL 4)
    message(FATAL_ERROR "calibration_targets.csv has ${n} lines")
  endif()
  # the synthetic targets come from the tutorial's values: each lies in
  # its parameter's posterior 95% interval
  file(STRINGS ${TMP}/t1/calibrated_parameters.csv cal)
  list(GET cal 0 header)
  index_of("${header}" posterior_p2_5 lo)
  index_of("${header}" posterior_p97_5 hi)
  index_of("${header}" table_value tv)
  list(REMOVE_AT cal 0)
  list(LENGTH cal n)
  if(NOT n EQUAL 3)
    message(FATAL_ERROR "calibrated_parameters.csv has ${n} rows")
  endif()
  foreach(row IN LISTS cal)
    column("${row}" 0 name)
    column("${row}" ${tv} v)
    column("${row}" ${lo} a)
    column("${row}" ${hi} b)
    if(a GREATER v OR b LESS v)
      message(FATAL_ERROR "${name}: ${v} outside the posterior 95% "
                          "interval [${a}, ${b}]")
    endif()
    message(STATUS "${name}: ${v} in [${a}, ${b}]")
  endforeach()
  # another seed: other starts, other draws
  hfsim(${args} -q --seed 7 --set calibration.sir_draws=0
        --set calibration.evaluations=10 --out ${TMP}/seed7)
  file(STRINGS ${TMP}/t1/calibration.csv e1 LIMIT_COUNT 2)
  file(STRINGS ${TMP}/seed7/calibration.csv e2 LIMIT_COUNT 2)
  list(GET e1 1 first1)
  list(GET e2 1 first2)
  if(first1 STREQUAL first2)
    message(FATAL_ERROR "--seed 7 started from the same point")
  endif()

elseif(CASE STREQUAL "calibrate_resume")
  list(APPEND args --patients 400 --set calibration.sir_draws=150
       --set calibration.posterior_size=150)
  hfsim(${args} -q --out ${TMP}/plain)
  if(EXISTS ${TMP}/.plain.calibration-checkpoint)
    message(FATAL_ERROR "a completed calibration left its checkpoint")
  endif()
  # --resume without a checkpoint: a plain run
  hfsim(${args} --resume --out ${TMP}/fresh STDERR err)
  string(FIND "${err}" "resuming" at)
  if(at GREATER_EQUAL 0)
    message(FATAL_ERROR "--resume without a checkpoint claims to resume")
  endif()
  same_files(${TMP}/plain ${TMP}/fresh ${FILES})
  # SIGINT after 150 evaluations: exit 130, no results (the checkpoint is
  # kept beside the folder, .NAME.calibration-checkpoint)
  file(MAKE_DIRECTORY ${TMP}/cut)
  execute_process(COMMAND ${CHECK} interrupt ${TMP}/.cut.calibration-checkpoint
    150 ${HFSIM} ${args} -q --out ${TMP}/cut RESULT_VARIABLE rc
    OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "check_csv interrupt: ${rc}\n${out}\n${err}")
  endif()
  file(GLOB left RELATIVE ${TMP}/cut ${TMP}/cut/*)
  if(left)
    message(FATAL_ERROR "the interrupted calibration left files: ${left}")
  endif()
  file(READ ${TMP}/.cut.calibration-checkpoint ckpt)
  # another calibration (another seed) does not take this checkpoint
  hfsim(${args} --seed 99 --resume --out ${TMP}/cut EXIT 3 STDERR err)
  expect_in("${err}" "belongs to a different calibration" "a foreign "
            "checkpoint")
  file(READ ${TMP}/.cut.calibration-checkpoint ckpt2)
  if(NOT ckpt STREQUAL ckpt2)
    message(FATAL_ERROR "a refused --resume changed the checkpoint")
  endif()
  hfsim(${args} --resume --out ${TMP}/cut STDERR err)
  expect_in("${err}" "hfsim: resuming after evaluation " "the resumed run")
  same_files(${TMP}/plain ${TMP}/cut ${FILES})
  if(EXISTS ${TMP}/.cut.calibration-checkpoint)
    message(FATAL_ERROR "the resumed calibration left its checkpoint")
  endif()

elseif(CASE STREQUAL "calibrate_posterior")
  hfsim(${args} -q --patients 300 --set calibration.evaluations=20
        --set calibration.sir_draws=100 --set calibration.posterior_size=100
        --out ${TMP}/cal)
  set(psa psa -q --config ${CONFIG} --iterations 60 --patients 200
      --threads 1)
  hfsim(${psa} --out ${TMP}/prior)
  hfsim(${psa} --posterior ${TMP}/cal/posterior.csv --out ${TMP}/post)
  file(STRINGS ${TMP}/cal/posterior.csv post)
  file(STRINGS ${TMP}/prior/psa_parameters.csv prior)
  file(STRINGS ${TMP}/post/psa_parameters.csv drawn)
  list(GET post 0 ph)
  list(GET prior 0 h0)
  list(GET drawn 0 h1)
  if(NOT h0 STREQUAL h1)
    message(FATAL_ERROR "psa_parameters.csv columns differ: ${h0} / ${h1}")
  endif()
  foreach(p p_hs1 p_s1h p_s1s2 p_hd)
    index_of("${h0}" ${p} i_${p})
  endforeach()
  foreach(p p_hs1 p_s1h p_s1s2)
    index_of("${ph}" ${p} j_${p})
  endforeach()
  # the rows of posterior.csv as "p_hs1,p_s1h,p_s1s2" tuples
  set(tuples "")
  list(REMOVE_AT post 0)
  foreach(row IN LISTS post)
    column("${row}" ${j_p_hs1} a)
    column("${row}" ${j_p_s1h} b)
    column("${row}" ${j_p_s1s2} c)
    list(APPEND tuples "${a}/${b}/${c}")
  endforeach()
  list(LENGTH prior n)
  math(EXPR last "${n} - 1")
  set(changed 0)
  foreach(k RANGE 1 ${last})
    list(GET prior ${k} r0)
    list(GET drawn ${k} r1)
    column("${r0}" ${i_p_hd} d0)
    column("${r1}" ${i_p_hd} d1)
    if(NOT d0 STREQUAL d1)
      message(FATAL_ERROR "iteration ${k}: p_hd ${d1} with --posterior, "
                          "${d0} without (not calibrated: the same draw)")
    endif()
    column("${r1}" ${i_p_hs1} a)
    column("${r1}" ${i_p_s1h} b)
    column("${r1}" ${i_p_s1s2} c)
    list(FIND tuples "${a}/${b}/${c}" at)
    if(at LESS 0)
      message(FATAL_ERROR "iteration ${k}: (${a}, ${b}, ${c}) is not a row "
                          "of posterior.csv")
    endif()
    column("${r0}" ${i_p_hs1} a0)
    if(NOT a0 STREQUAL a)
      math(EXPR changed "${changed} + 1")
    endif()
  endforeach()
  if(changed LESS 50)
    message(FATAL_ERROR "only ${changed} of 60 iterations changed p_hs1")
  endif()
  # an override fixes a calibrated parameter as any other: no column, and
  # every other column as without the override (the posterior rows are
  # drawn all the same); psa.csv differs, so the override is used
  hfsim(${psa} --posterior ${TMP}/cal/posterior.csv --set p_hs1=0.2
        --out ${TMP}/fixed)
  file(STRINGS ${TMP}/fixed/psa_parameters.csv fixed)
  list(GET drawn 0 h2)
  string(REPLACE ",p_hs1" "" h2 "${h2}")
  list(GET fixed 0 h3)
  if(NOT h2 STREQUAL h3)
    message(FATAL_ERROR "with --set p_hs1: columns ${h3}, expected ${h2}")
  endif()
  index_of("${h3}" p_s1h f_p_s1h)
  foreach(k RANGE 1 ${last})
    list(GET drawn ${k} r1)
    list(GET fixed ${k} r2)
    column("${r1}" ${i_p_s1h} b1)
    column("${r2}" ${f_p_s1h} b2)
    if(NOT b1 STREQUAL b2)
      message(FATAL_ERROR "iteration ${k}: p_s1h ${b2} with --set p_hs1, "
                          "${b1} without")
    endif()
  endforeach()
  file(READ ${TMP}/post/psa.csv psa_post)
  file(READ ${TMP}/fixed/psa.csv psa_fixed)
  if(psa_post STREQUAL psa_fixed)
    message(FATAL_ERROR "--set p_hs1=0.2 did not change psa.csv")
  endif()
  file(STRINGS ${TMP}/fixed/manifest.txt man REGEX "^psa_fixed_by_override")
  expect_in("${man}" "p_hs1" "manifest.txt")
  # interrupted and resumed with the posterior: the same files
  file(MAKE_DIRECTORY ${TMP}/cut)
  execute_process(COMMAND ${CHECK} interrupt ${TMP}/.cut.psa-checkpoint 5
    ${HFSIM} ${psa} --posterior ${TMP}/cal/posterior.csv --out ${TMP}/cut
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "check_csv interrupt: ${rc}\n${out}\n${err}")
  endif()
  hfsim(${psa} --posterior ${TMP}/cal/posterior.csv --resume --out ${TMP}/cut)
  same_files(${TMP}/post ${TMP}/cut psa_parameters.csv psa.csv
             psa_summary.csv ceac.csv evpi.csv)
  file(STRINGS ${TMP}/post/manifest.txt man REGEX "^posterior")
  expect_in("${man}" "posterior_draws: 100" "manifest.txt")
  # a posterior with an unknown column is refused at its line; nothing
  # written
  file(WRITE ${TMP}/bad.csv "sample,evaluation,p_hs1,p_xyz,log_likelihood\n"
             "1,1,0.1,0.2,-1\n")
  hfsim(${psa} --posterior ${TMP}/bad.csv --out ${TMP}/bad EXIT 3
        STDERR err)
  expect_in("${err}" "bad.csv:1: error: column 'p_xyz' is not a parameter"
            "an unknown column")
  file(GLOB left ${TMP}/bad/*)
  if(left)
    message(FATAL_ERROR "a refused PSA wrote ${left}")
  endif()
  # a row that is not a valid parameter set is refused at its line before
  # anything runs (it failed only in the iteration that drew it, blamed on
  # the parameter table)
  file(STRINGS ${TMP}/cal/posterior.csv rows)
  list(GET rows 0 h)
  list(GET rows 1 r1)
  list(GET rows 2 r2)
  index_of("${h}" p_hs1 j)
  string(REPLACE "," ";" f2 "${r2}")
  list(REMOVE_AT f2 ${j})
  list(INSERT f2 ${j} 5)
  string(REPLACE ";" "," r2 "${f2}")
  file(WRITE ${TMP}/badrow.csv "${h}\n${r1}\n${r2}\n")
  hfsim(${psa} --posterior ${TMP}/badrow.csv --out ${TMP}/bad EXIT 3
        STDERR err)
  expect_in("${err}" "badrow.csv:3: error: this draw is not a valid parameter "
            "a bad posterior row")
  file(GLOB left ${TMP}/bad/*)
  if(left)
    message(FATAL_ERROR "a refused PSA wrote ${left}")
  endif()
  hfsim(${psa} --posterior ${TMP}/missing.csv --out ${TMP}/bad EXIT 4)
  hfsim(${psa} --posterior EXIT 2)
  # calibrate refuses to fit a parameter an override fixes (it used to fit
  # it and drop the override silently); nothing is written
  hfsim(${args} -q --set p_hs1=0.15 --out ${TMP}/calfixed EXIT 3
        STDERR err)
  expect_in("${err}" "hfsim: --set p_hs1=0.15: error: p_hs1 is one of the "
            "the refused override")
  if(EXISTS ${TMP}/calfixed)
    message(FATAL_ERROR "a refused calibration made ${TMP}/calfixed")
  endif()
else()
  message(FATAL_ERROR "unknown CASE ${CASE}")
endif()
