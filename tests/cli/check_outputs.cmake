cmake_minimum_required(VERSION 3.20)
# check_outputs.cmake - run hfsim's analyses and check their files.
#
#   cmake -DCASE=... -DHFSIM=... -DCHECK=... -DSOURCE=... -DTMP=...
#         -P check_outputs.cmake
#
#   CASE    which test (see tests/analyses_cli.cmake)
#   HFSIM   the program
#   CHECK   tests/check_csv (built from check_csv.c)
#   SOURCE  the source tree (configs/ is read from there)
#   TMP     a scratch folder for this test; emptied first
#
# hfsim runs with --threads 1 (results are identical for any thread count,
# and the machine running the tests is shared) except where threads are
# the point.

foreach(v CASE HFSIM CHECK SOURCE TMP)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_outputs.cmake: -D${v}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${TMP}")
file(MAKE_DIRECTORY "${TMP}")
set(CONFIG "${SOURCE}/configs/default.ini")
set(TABLE "${SOURCE}/configs/parameters.csv")
set(LIFE "${SOURCE}/configs/life_table_us_ssa_2020.csv")

# hfsim(ARG... [EXIT CODE] [STDERR VAR]): run hfsim in TMP; fail unless it
# exits with CODE (default 0); its standard error into VAR.
function(hfsim)
  cmake_parse_arguments(H "" "EXIT;STDERR" "" ${ARGN})
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
endfunction()

# check(ARG...): run check_csv; fail with its messages unless it passes.
function(check)
  execute_process(COMMAND "${CHECK}" ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(STRIP "${out}" out)
  message(STATUS "${out}")
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " shown "${ARGN}")
    message(FATAL_ERROR "check_csv ${shown}: exit ${rc}\n${err}")
  endif()
endfunction()

# same_files(DIR_A DIR_B FILE...): the files are byte-identical.
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
  string(REPLACE ";" " " shown "${ARGN}")
  message(STATUS "identical: ${shown}")
endfunction()

# expect_in(TEXT WHAT MESSAGE): TEXT holds WHAT.
function(expect_in text what why)
  string(FIND "${text}" "${what}" at)
  if(at LESS 0)
    message(FATAL_ERROR "${why}: expected '${what}' in:\n${text}")
  endif()
endfunction()

# A scenario file of its own, with the given strategy sections, reading the
# project's tables.
function(write_scenario path strategies)
  file(WRITE "${path}" "[run]
model = hfs
patients = 1000
seed = 20261126
threads = 1
horizon_years = lifetime
output = out
patients_csv = no

[economics]
discount_rate_costs = 0.03
discount_rate_qalys = 0.03
currency = USD
wtp = 50000, 100000, 150000

[inputs]
parameters = ${TABLE}
life_table = ${LIFE}

[cohort]
onset_age_distribution = uniform

${strategies}")
endfunction()

set(PSA_FILES psa.csv psa_summary.csv psa_parameters.csv ceac.csv evpi.csv
    evppi.csv)
# The default scenario's [psa] section: population 33000.
set(POPULATION 33000)

# ---- hfsim run ---------------------------------------------------------------

if(CASE STREQUAL "cea_default")
  hfsim(run -q --config ${CONFIG} --patients 2000 --threads 1
        --patients-csv --out ${TMP}/run)
  check(cea ${TMP}/run no_treatment=frontier medication=frontier:no_treatment
        botox=extendedly_dominated:medication
        stepped=extendedly_dominated:medication mvd=frontier:medication)
  check(summary ${TMP}/run)

elseif(CASE STREQUAL "cea_cost_tie")
  hfsim(run -q --config ${CONFIG} --patients 500 --threads 1 --patients-csv
        --set cost_drug_per_month=0
        --set cost_management_spasm_per_year=0
        --set cost_management_controlled_per_year=0 --out ${TMP}/run)
  check(cea ${TMP}/run medication=frontier no_treatment=dominated:medication)

elseif(CASE STREQUAL "cea_identical_strategies")
  hfsim(run -q --config ${CONFIG} --patients 500 --threads 1 --patients-csv
        --set strategy.botox_copy.lines=botox
        --set strategy.botox_copy.botox.schedule=fixed_interval
        --set strategy.botox_copy.botox.on_discontinuation=untreated
        --out ${TMP}/run)
  check(cea ${TMP}/run botox=extendedly_dominated:medication
        botox_copy=dominated:botox)

elseif(CASE STREQUAL "cea_cost_saving_dominant")
  write_scenario(${TMP}/two.ini "[strategy botox]
lines = botox
botox.schedule = fixed_interval
botox.on_discontinuation = untreated

[strategy mvd]
lines = mvd, botox
mvd.redo_max = 1
mvd.on_ineligible = next
mvd.on_failure = next
")
  hfsim(run -q --config ${TMP}/two.ini --patients 500 --patients-csv
        --set cost_botox_per_unit=60 --out ${TMP}/run)
  check(cea ${TMP}/run mvd=frontier botox=dominated:mvd)

elseif(CASE STREQUAL "cea_one_strategy")
  write_scenario(${TMP}/one.ini "[strategy botox]
lines = botox
")
  hfsim(run -q --config ${TMP}/one.ini --patients 300 --patients-csv
        --out ${TMP}/run)
  check(cea ${TMP}/run botox=frontier)
  check(summary ${TMP}/run)
  hfsim(run -q --config ${TMP}/one.ini --patients 300 --target-se 5
        --out ${TMP}/target EXIT 3 STDERR err)
  expect_in("${err}" "--target-se needs at least two strategies"
            "--target-se with one strategy")
  # PSA of one strategy: always cost-effective, EVPI 0
  hfsim(psa -q --config ${TMP}/one.ini --iterations 12 --patients 100
        --out ${TMP}/psa)
  check(psa ${TMP}/psa ${TABLE} 12 1)

elseif(CASE STREQUAL "target_se")
  # 2048 patients: se about 2800; 4096: about 2000. Cohorts of whole
  # blocks of 256, so every round continues the last bit for bit.
  hfsim(run --config ${CONFIG} --patients 2048 --threads 1 --patients-csv
        --target-se 2100 --out ${TMP}/run STDERR err)
  expect_in("${err}" "hfsim: 4096 patients: incremental NMB"
            "the rule reports each round")
  check(target-se ${TMP}/run 2100 2048 100000000 100000)
  check(cea ${TMP}/run)
  check(summary ${TMP}/run)
  # the continued run is one run of 4096 patients, bit for bit
  hfsim(run -q --config ${CONFIG} --patients 4096 --threads 2
        --out ${TMP}/plain)
  same_files(${TMP}/run ${TMP}/plain summary.csv summary_subgroups.csv
             trace.csv cea.csv)
  # a target out of reach: stops at --max-patients with a warning
  hfsim(run -q --config ${CONFIG} --patients 1024 --threads 1 --patients-csv
        --target-se 1 --max-patients 3000 --out ${TMP}/max STDERR err)
  expect_in("${err}" "warning: stopped at --max-patients 3000"
            "--max-patients reached")
  check(target-se ${TMP}/max 1 1024 3000 100000)

# ---- hfsim psa -------------------------------------------------------------

elseif(CASE STREQUAL "psa_threads")
  hfsim(psa -q --config ${CONFIG} --iterations 40 --patients 300
        --threads 1 --out ${TMP}/t1)
  check(psa ${TMP}/t1 ${TABLE} 40 ${POPULATION})
  hfsim(psa -q --config ${CONFIG} --iterations 40 --patients 300
        --threads 2 --out ${TMP}/t2)
  same_files(${TMP}/t1 ${TMP}/t2 ${PSA_FILES})
  # another seed, other draws
  hfsim(psa -q --config ${CONFIG} --iterations 40 --patients 300
        --threads 1 --seed 1 --out ${TMP}/seed1)
  file(SHA256 ${TMP}/t1/psa_parameters.csv h1)
  file(SHA256 ${TMP}/seed1/psa_parameters.csv h2)
  if(h1 STREQUAL h2)
    message(FATAL_ERROR "--seed 1 drew the same parameters")
  endif()

elseif(CASE STREQUAL "psa_resume")
  set(args psa --config ${CONFIG} --iterations 40 --patients 300 --threads 1)
  hfsim(${args} -q --out ${TMP}/plain)
  # --resume with no checkpoint: a plain run
  hfsim(${args} --resume --out ${TMP}/fresh STDERR err)
  string(FIND "${err}" "resuming" at)
  if(at GREATER_EQUAL 0)
    message(FATAL_ERROR "--resume without a checkpoint claims to resume:\n${err}")
  endif()
  same_files(${TMP}/plain ${TMP}/fresh ${PSA_FILES})
  if(EXISTS ${TMP}/.fresh.psa-checkpoint)
    message(FATAL_ERROR "a completed PSA left its checkpoint")
  endif()
  # again after completion: reruns cleanly
  hfsim(${args} -q --resume --out ${TMP}/fresh)
  same_files(${TMP}/plain ${TMP}/fresh ${PSA_FILES})
  # interrupted by SIGINT after 3 iterations: exit 130, no results (the
  # checkpoint is kept beside the folder, .NAME.psa-checkpoint)
  file(MAKE_DIRECTORY ${TMP}/cut)
  check(interrupt ${TMP}/.cut.psa-checkpoint 3 ${HFSIM} ${args} -q
        --out ${TMP}/cut)
  file(GLOB left RELATIVE ${TMP}/cut ${TMP}/cut/*)
  if(left)
    message(FATAL_ERROR "the interrupted PSA left files: ${left}")
  endif()
  file(READ ${TMP}/.cut.psa-checkpoint ckpt)
  # another PSA (another seed) does not take this checkpoint
  hfsim(${args} --seed 99 --resume --out ${TMP}/cut EXIT 3 STDERR err)
  expect_in("${err}" "belongs to a different PSA" "a foreign checkpoint")
  file(READ ${TMP}/.cut.psa-checkpoint ckpt2)
  if(NOT ckpt STREQUAL ckpt2)
    message(FATAL_ERROR "a refused --resume changed the checkpoint")
  endif()
  # nor one whose model tables changed in place (the utility norms: the
  # resumed PSA mixed iterations of two models before the fingerprint
  # covered the model's own files)
  file(COPY ${SOURCE}/configs/ DESTINATION ${TMP}/cfg)
  set(args2 psa --config ${TMP}/cfg/default.ini --iterations 40
      --patients 300 --threads 1)
  file(MAKE_DIRECTORY ${TMP}/cut2)
  check(interrupt ${TMP}/.cut2.psa-checkpoint 3 ${HFSIM} ${args2} -q
        --out ${TMP}/cut2)
  file(READ ${TMP}/cfg/utility_norms_us_fryback2007.csv norms)
  string(REPLACE "35,44,male,0.89," "35,44,male,0.5," norms "${norms}")
  file(WRITE ${TMP}/cfg/utility_norms_us_fryback2007.csv "${norms}")
  hfsim(${args2} --resume --out ${TMP}/cut2 EXIT 3 STDERR err)
  expect_in("${err}" "belongs to a different PSA" "changed utility norms")
  # without --resume the checkpoint is replaced, with a warning (even -q)
  hfsim(${args2} -q --out ${TMP}/cut2 STDERR err)
  expect_in("${err}" "the checkpoint of an interrupted run is replaced"
            "a PSA started afresh over a checkpoint")
  # the same command with --resume: bit-identical results
  hfsim(${args} --resume --out ${TMP}/cut STDERR err)
  expect_in("${err}" "hfsim: resuming after iteration " "the resumed PSA")
  same_files(${TMP}/plain ${TMP}/cut ${PSA_FILES})
  if(EXISTS ${TMP}/.cut.psa-checkpoint)
    message(FATAL_ERROR "the resumed PSA left its checkpoint")
  endif()

# ---- owsa, twsa, scenarios ---------------------------------------------------

elseif(CASE STREQUAL "owsa")
  hfsim(owsa -q --config ${CONFIG} --patients 300 --threads 1
        --out ${TMP}/owsa)
  # three variants as plain runs of the same patients
  hfsim(run -q --config ${CONFIG} --patients 300 --threads 1
        --out ${TMP}/base)
  hfsim(run -q --config ${CONFIG} --patients 300 --threads 1
        --set cost_mvd=20000 --out ${TMP}/cost_mvd_low)
  hfsim(run -q --config ${CONFIG} --patients 300 --threads 1
        --set utility_cured=0.95 --out ${TMP}/utility_cured_high)
  check(owsa ${TMP}/owsa ${TABLE}
        --run base cost_mvd ${TMP}/base
        --run low cost_mvd ${TMP}/cost_mvd_low
        --run high utility_cured ${TMP}/utility_cured_high)

elseif(CASE STREQUAL "twsa")
  hfsim(twsa -q --config ${CONFIG} --param cost_mvd --param utility_cured
        --steps 3 --patients 300 --threads 1 --out ${TMP}/twsa)
  # no_treatment, medication and botox never operate: cost_mvd cannot
  # change them
  check(twsa ${TMP}/twsa ${TABLE} cost_mvd utility_cured 3
        --invariant no_treatment,medication,botox)

elseif(CASE STREQUAL "scenarios")
  hfsim(scenarios -q --config ${CONFIG} --patients 300 --threads 1
        --out ${TMP}/scenarios)
  hfsim(run -q --config ${CONFIG} --patients 300 --threads 1
        --out ${TMP}/base)
  check(scenarios ${TMP}/scenarios base uk_discounting ten_year_horizon
        injections_when_worn_off v1_natural_history real_world
        no_utility_norms discontinuation_5pct --same-as-run base ${TMP}/base)

elseif(CASE STREQUAL "scenario_run_settings")
  # run --scenario NAME applies a section's run.seed and run.patients (that
  # hfsim scenarios refuses), even over --seed and --patients: the section
  # comes after the command line
  set(DATA "${SOURCE}/tests/data")
  set(args run -q --config ${DATA}/bad_scenario_fixed.ini --threads 1)
  hfsim(${args} --scenario other_seed --seed 9 --out ${TMP}/other_seed)
  hfsim(${args} --seed 5 --out ${TMP}/seed5)
  same_files(${TMP}/other_seed ${TMP}/seed5 summary.csv cea.csv trace.csv)
  hfsim(${args} --scenario fewer --patients 100 --out ${TMP}/fewer)
  hfsim(${args} --patients 50 --out ${TMP}/patients50)
  same_files(${TMP}/fewer ${TMP}/patients50 summary.csv cea.csv trace.csv)

elseif(CASE STREQUAL "strategy_wildcard")
  # strategy.*.botox.schedule sets the schedule of every strategy with a
  # botox line (botox, mvd, stepped): the same results as three --set
  set(args run -q --config ${CONFIG} --patients 300 --threads 1)
  hfsim(${args} --set strategy.*.botox.schedule=when_worn_off
        --out ${TMP}/wildcard)
  hfsim(${args} --set strategy.botox.botox.schedule=when_worn_off
        --set strategy.mvd.botox.schedule=when_worn_off
        --set strategy.stepped.botox.schedule=when_worn_off
        --out ${TMP}/each)
  same_files(${TMP}/wildcard ${TMP}/each summary.csv cea.csv trace.csv)
  hfsim(${args} --out ${TMP}/plain)
  file(SHA256 ${TMP}/plain/summary.csv h1)
  file(SHA256 ${TMP}/wildcard/summary.csv h2)
  if(h1 STREQUAL h2)
    message(FATAL_ERROR "strategy.*.botox.schedule changed nothing")
  endif()
  # a treatment no strategy has: refused, naming it
  hfsim(${args} --set strategy.*.surgery.redo_max=1 --out ${TMP}/bad
        EXIT 3 STDERR err)
  expect_in("${err}" "no strategy has a 'surgery' line" "the message")

# ---- pending ---------------------------------------------------------------

elseif(CASE STREQUAL "twsa_manifest")
  hfsim(twsa -q --config ${CONFIG} --param cost_mvd --param utility_cured
        --steps 3 --patients 300 --threads 1 --out ${TMP}/twsa)
  file(STRINGS ${TMP}/twsa/manifest.txt command REGEX "^command:")
  expect_in("${command}" "--param cost_mvd --param utility_cured --steps 3"
            "the command line in manifest.txt")

elseif(CASE STREQUAL "manifest_patients_threads")
  # The manifest of psa and the DSA commands recorded [run] patients (not
  # the patients simulated), 'threads: 0' for all cores, and --patients as
  # 'override: run.patients=N', which does not rerun the analysis.
  hfsim(twsa -q --config ${CONFIG} --param cost_mvd --param utility_cured
        --steps 2 --set dsa.patients=300 --set run.threads=0
        --out ${TMP}/twsa)
  file(STRINGS ${TMP}/twsa/manifest.txt man REGEX "^(patients|threads):")
  expect_in("${man}" "patients: 300" "twsa's manifest.txt")
  if(man MATCHES "threads: 0")
    message(FATAL_ERROR "manifest.txt says 'threads: 0': ${man}")
  endif()
  # --scenario NAME is recorded (and shown in report.html)
  hfsim(run -q --config ${CONFIG} --patients 50 --scenario uk_discounting
        --out ${TMP}/run_scenario)
  file(STRINGS ${TMP}/run_scenario/manifest.txt man REGEX "^scenario_section:")
  expect_in("${man}" "scenario_section: uk_discounting" "run's manifest.txt")
  file(READ ${TMP}/run_scenario/report.html html)
  expect_in("${html}" "Scenario section (--scenario)" "report.html")
  # numbers in the CSVs' shortest form (%.17g wrote 0.029999999999999999)
  file(STRINGS ${TMP}/twsa/manifest.txt man REGEX "^discount_rate_costs:")
  expect_in("${man}" "discount_rate_costs: 0.03" "twsa's manifest.txt")
  hfsim(psa -q --config ${CONFIG} --iterations 6 --patients 40
        --set psa.evppi= --out ${TMP}/psa)
  file(STRINGS ${TMP}/psa/manifest.txt man
       REGEX "^(patients|override|psa_patients_per_iteration):")
  expect_in("${man}" "patients: 40" "psa's manifest.txt")
  expect_in("${man}" "override: psa.patients=40" "psa's manifest.txt")
  # the override line reruns it
  hfsim(psa -q --config ${CONFIG} --iterations 6 --set psa.patients=40
        --set psa.evppi= --out ${TMP}/psa2)
  file(SHA256 ${TMP}/psa/psa.csv h1)
  file(SHA256 ${TMP}/psa2/psa.csv h2)
  if(NOT h1 STREQUAL h2)
    message(FATAL_ERROR "psa --set psa.patients=40 differs from --patients 40")
  endif()

elseif(CASE STREQUAL "resume_without_checkpoint")
  # --resume with no checkpoint started afresh without a word
  hfsim(psa -q --config ${CONFIG} --iterations 4 --patients 20
        --set psa.evppi= --resume --out ${TMP}/psa STDERR err)
  expect_in("${err}" "warning: --resume: no checkpoint at" "the warning")
  expect_in("${err}" "starting from the first iteration" "the warning")
  # with one (a finished PSA leaves none: interrupted runs are the
  # psa_resume test's), no such warning
  file(WRITE ${TMP}/.psa2.psa-checkpoint "not a checkpoint\n")
  hfsim(psa -q --config ${CONFIG} --iterations 4 --patients 20
        --set psa.evppi= --resume --out ${TMP}/psa2 EXIT 3 STDERR err)
  if(err MATCHES "no checkpoint at")
    message(FATAL_ERROR "warned of no checkpoint where one is: ${err}")
  endif()

elseif(CASE STREQUAL "ceac_grid_reaches_max")
  # a step that does not divide the maximum stopped the grid short of it
  hfsim(psa -q --config ${CONFIG} --iterations 6 --patients 20
        --set psa.evppi= --set psa.ceac_wtp_step=7000
        --set psa.ceac_wtp_max=50000 --out ${TMP}/psa)
  foreach(f ceac evpi)
    file(STRINGS ${TMP}/psa/${f}.csv lines)
    list(GET lines -1 last)
    if(NOT last MATCHES "^50000,")
      message(FATAL_ERROR "${f}.csv ends at '${last}', not at 50000")
    endif()
  endforeach()
  file(STRINGS ${TMP}/psa/evpi.csv lines)
  list(LENGTH lines n)
  if(NOT n EQUAL 10) # header, 0 ... 49000 by 7000, 50000
    message(FATAL_ERROR "evpi.csv has ${n} lines, expected 10")
  endif()
  # the limit counts the maximum only when it is a point of its own: a
  # grid of exactly 100000 points (0 to 99999 by 1) is allowed (it was
  # refused as 100001)
  hfsim(check --config ${CONFIG} --set psa.ceac_wtp_max=99999
        --set psa.ceac_wtp_step=1)
  hfsim(check --config ${CONFIG} --set psa.ceac_wtp_max=100000
        --set psa.ceac_wtp_step=1 EXIT 3 STDERR err)
  expect_in("${err}" "has 100001 points" "the grid limit's message")

elseif(CASE STREQUAL "owsa_standard_errors")
  hfsim(owsa -q --config ${CONFIG} --patients 300 --threads 1
        --out ${TMP}/owsa)
  check(se-columns ${TMP}/owsa/owsa.csv nmb_base nmb_low nmb_high swing
        cost_low cost_high qaly_low qaly_high)

elseif(CASE STREQUAL "twsa_standard_errors")
  hfsim(twsa -q --config ${CONFIG} --param cost_mvd --param utility_cured
        --steps 3 --patients 300 --threads 1 --out ${TMP}/twsa)
  check(se-columns ${TMP}/twsa/twsa.csv cost qaly nmb)

elseif(CASE STREQUAL "psa_summary_standard_errors")
  hfsim(psa -q --config ${CONFIG} --iterations 12 --patients 100
        --threads 1 --out ${TMP}/psa)
  check(se-columns ${TMP}/psa/psa_summary.csv cost_mean
        nmb_mean_at_wtp_100000 incremental_nmb_mean_at_wtp_100000)

elseif(CASE STREQUAL "psa_evppi_checked_first")
  # a group of 3 parameters needs more than 10 iterations: refused before
  # anything is simulated (no checkpoint), naming the group
  hfsim(psa --config ${CONFIG} --iterations 10 --patients 100 --threads 1
        --out ${TMP}/psa EXIT 3 STDERR err)
  expect_in("${err}" "mvd_p_immediate_cure" "the message")
  if(EXISTS ${TMP}/.psa.psa-checkpoint)
    message(FATAL_ERROR "the PSA ran before refusing its evppi groups")
  endif()

else()
  message(FATAL_ERROR "check_outputs.cmake: unknown CASE '${CASE}'")
endif()
