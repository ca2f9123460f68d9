# inputs.cmake - tests of input validation (included from tests/CMakeLists.txt).
#
# Unit tests of the readers (cmocka), then command-line tests: each runs
# hfsim on a bad input and checks the exact standard error
# (tests/data/NAME.expected), the exit code (2 bad command line, 3 invalid
# input, 4 file cannot be read or written) and that the output folder holds
# no file afterwards. README.md, "Bad input", lists them by kind of bad
# input.

# (the unit tests test_params, test_lifetable and test_scenario are
# registered in tests/CMakeLists.txt)


# hfs_cli_test(NAME EXIT CODE ARGS ARG... [OUT DIR] [WORKDIR DIR] [ROWS]
#              [FIRST_ARGS ARG...] [PLANT ITEM...] [PENDING])
#   runs `hfsim ARG...` (in WORKDIR, default a scratch folder) and compares
#   its standard error with tests/data/NAME.expected.
#   OUT      a folder that must hold no file afterwards
#   ROWS     the run reads a parameter table made from configs/parameters.csv
#            with the edits of tests/data/NAME.rows (pass
#            --set inputs.parameters=@TMP@/parameters.csv in ARGS)
#   FIRST_ARGS  a good run into OUT first; OUT must then stay as it was
#   PLANT    then the user's own changes to OUT: NAME (a file of theirs),
#            NAME<SOURCE (a copy of SOURCE), -NAME (removed); see
#            cli/run_cli.cmake
#   PENDING  the expected file holds the message hfsim should print; the
#            test is disabled until the program does
# ARGS, OUT and the expected file may use @DATA@ (tests/data), @SOURCE@,
# @TMP@ (the scratch folder) and @LINE:NAME@ (see cli/run_cli.cmake).
set(HFS_CLI_DATA ${CMAKE_CURRENT_SOURCE_DIR}/data)
function(hfs_cli_test name)
  cmake_parse_arguments(T "ROWS;PENDING" "EXIT;OUT;WORKDIR"
    "ARGS;FIRST_ARGS;PLANT" ${ARGN})
  string(JOIN "|" args ${T_ARGS})
  string(JOIN "|" plant ${T_PLANT})
  string(JOIN "|" first ${T_FIRST_ARGS})
  set(rows "")
  if(T_ROWS)
    set(rows ${HFS_CLI_DATA}/${name}.rows)
  endif()
  add_test(NAME ${name} COMMAND ${CMAKE_COMMAND}
    -DHFSIM=$<TARGET_FILE:hfsim>
    "-DARGS=${args}"
    "-DFIRST_ARGS=${first}"
    "-DPLANT=${plant}"
    -DEXPECTED=${HFS_CLI_DATA}/${name}.expected
    -DEXIT=${T_EXIT}
    -DDATA=${HFS_CLI_DATA}
    -DSOURCE=${CMAKE_SOURCE_DIR}
    -DTMP=${CMAKE_CURRENT_BINARY_DIR}/cli/${name}
    "-DOUT=${T_OUT}"
    "-DWORKDIR=${T_WORKDIR}"
    "-DPARAM_ROWS=${rows}"
    -P ${CMAKE_CURRENT_SOURCE_DIR}/cli/run_cli.cmake)
  set_tests_properties(${name} PROPERTIES LABELS "inputs;cli" TIMEOUT 120)
  if(T_PENDING)
    set_tests_properties(${name} PROPERTIES DISABLED TRUE)
  endif()
endfunction()

# A `hfsim run` of tests/data/FILE.ini into the scratch folder's out/, which
# must stay empty.
macro(hfs_run_test name exit_code file)
  hfs_cli_test(${name} EXIT ${exit_code} OUT @TMP@/out
    ARGS run --config @DATA@/${file} --out @TMP@/out ${ARGN})
endmacro()

# A run of the good scenario with a parameter table made from
# configs/parameters.csv and tests/data/NAME.rows.
macro(hfs_table_test name)
  hfs_cli_test(${name} EXIT 3 OUT @TMP@/out ROWS
    ARGS run --config @DATA@/good.ini --out @TMP@/out
         --set inputs.parameters=@TMP@/parameters.csv ${ARGN})
endmacro()

# ---- the command line (exit 2) ---------------------------------------------
hfs_cli_test(cli_unknown_command EXIT 2 ARGS rnu)
hfs_cli_test(cli_unknown_command_no_suggestion EXIT 2 ARGS frobnicate)
hfs_cli_test(cli_unknown_option EXIT 2 OUT @TMP@/out
  ARGS run --config @DATA@/good.ini --out @TMP@/out --patient 5)
hfs_cli_test(cli_option_not_for_command EXIT 2 ARGS check --out @TMP@/out
  OUT @TMP@/out)
hfs_cli_test(cli_option_needs_value EXIT 2 ARGS run --config)
hfs_cli_test(cli_unexpected_argument EXIT 2 OUT @TMP@/out
  ARGS run --config @DATA@/good.ini --out @TMP@/out extra)
hfs_cli_test(cli_set_without_value EXIT 2 OUT @TMP@/out
  ARGS run --config @DATA@/good.ini --out @TMP@/out --set cost_mvd)
hfs_cli_test(cli_bad_patients EXIT 2 OUT @TMP@/out
  ARGS run --config @DATA@/good.ini --out @TMP@/out --patients -5)
# a bad value of --threads, --seed or --patients (out of the setting's
# range) is a bad command line, exit 2; it was 3
hfs_cli_test(cli_bad_threads_seed EXIT 2 OUT @TMP@/out
  ARGS run --config @DATA@/good.ini --out @TMP@/out --threads -1 --seed abc
       --patients 10000000000000)
# --max-patients alone was accepted without effect
hfs_cli_test(cli_max_patients_without_target_se EXIT 2 OUT @TMP@/out
  ARGS run --config @DATA@/good.ini --out @TMP@/out --max-patients 500)
# 'hfsim help CMD' printed the general help (manpage_and_help_current
# checks that it prints CMD's)
hfs_cli_test(cli_help_unknown_command EXIT 2 ARGS help frob)

# ---- files that cannot be read or written (exit 4) -------------------------
hfs_cli_test(input_missing_scenario EXIT 4 OUT @TMP@/out
  ARGS run --config @DATA@/no_such_scenario.ini --out @TMP@/out)
hfs_cli_test(input_missing_default_scenario EXIT 4 ARGS check)
hfs_run_test(input_missing_parameters 4 bad_missing_parameters.ini)
hfs_run_test(input_missing_life_table 4 good.ini
  --set inputs.life_table=@DATA@/no_such_life_table.csv)
# Under a regular file no folder can be made, whoever runs the tests (root
# ignores permissions).
hfs_cli_test(input_unwritable_output EXIT 4 OUT @DATA@/good.ini/sub
  ARGS run --config @DATA@/good.ini --out @DATA@/good.ini/sub)
# A mount point (here /proc, on every Linux) cannot be replaced by a
# rename: refused before simulating (it failed after the whole run with
# "cannot move the results into place: Device or resource busy").
hfs_cli_test(input_output_mount_point EXIT 4
  ARGS run --config @DATA@/good.ini --out /proc --patients 200)
# A failed run leaves the results of an earlier run exactly as they were.
hfs_cli_test(input_failed_run_keeps_results EXIT 3 OUT @TMP@/out
  FIRST_ARGS run -q --config @DATA@/good.ini --out @TMP@/out --patients 200
  ARGS run --config @DATA@/good.ini --out @TMP@/out --patients 200
       --set botox_p_primary_respons=0.9)
# Results replace a folder whole: a file or folder that its manifest.txt
# does not list is the user's, and the command is refused (exit 4) instead
# of deleting it; the folder stays as it was.
hfs_cli_test(input_output_unlisted_file EXIT 4 OUT @TMP@/out
  FIRST_ARGS run -q --config @DATA@/good.ini --out @TMP@/out --patients 200
  PLANT notes.txt
  ARGS run --config @DATA@/good.ini --out @TMP@/out --patients 200)
hfs_cli_test(input_output_unlisted_folder EXIT 4 OUT @TMP@/out
  FIRST_ARGS run -q --config @DATA@/good.ini --out @TMP@/out --patients 200
  PLANT mydata/a.csv
  ARGS run --config @DATA@/good.ini --out @TMP@/out --patients 200)
hfs_cli_test(input_output_copied_manifest EXIT 4 OUT @TMP@/mine
  FIRST_ARGS run -q --config @DATA@/good.ini --out @TMP@/run --patients 200
  PLANT thesis.txt manifest.txt<@TMP@/run/manifest.txt
  ARGS run --config @DATA@/good.ini --out @TMP@/mine --patients 200)
# `hfsim report` keeps only results as their command wrote them
# (figures_report_* check a changed file and more).
hfs_cli_test(input_report_unlisted_folder EXIT 4 OUT @TMP@/out
  FIRST_ARGS run -q --config @DATA@/good.ini --out @TMP@/out --patients 200
  PLANT analysis/a.csv
  ARGS report @TMP@/out)
hfs_cli_test(input_report_missing_file EXIT 5 OUT @TMP@/out
  FIRST_ARGS run -q --config @DATA@/good.ini --out @TMP@/out --patients 200
  PLANT -trace.csv
  ARGS report @TMP@/out)

# ---- the scenario file (exit 3) --------------------------------------------
hfs_run_test(input_no_equals 3 bad_no_equals.ini)
hfs_run_test(input_unknown_section 3 bad_unknown_section.ini)
hfs_run_test(input_unknown_key 3 bad_unknown_key.ini)
# owsa, twsa and scenarios check [dsa] before simulating: owsa used to
# print the error, run anyway and exit 0.
# [dsa] patients, which --patients sets for owsa, twsa and scenarios, has
# [run] patients' range (--patients 99999999999999 started a run; 1e30
# overflowed a cast and exited 3 without a message)
hfs_cli_test(input_dsa_patients_range EXIT 3 OUT @TMP@/out
  ARGS twsa --config @DATA@/good.ini --out @TMP@/out --param cost_mvd
       --param utility_cured --set dsa.patients=1e30)
hfs_cli_test(input_dsa_patients_option EXIT 3 OUT @TMP@/out
  ARGS twsa --config @DATA@/good.ini --out @TMP@/out --param cost_mvd
       --param utility_cured --patients 99999999999999)
hfs_cli_test(input_dsa_unknown_key_owsa EXIT 3 OUT @TMP@/out
  ARGS owsa --config @DATA@/bad_dsa_unknown_key.ini --out @TMP@/out)
hfs_cli_test(input_dsa_unknown_key_twsa EXIT 3 OUT @TMP@/out
  ARGS twsa --param cost_mvd --param utility_cured --steps 2
       --config @DATA@/bad_dsa_unknown_key.ini --out @TMP@/out)
hfs_cli_test(input_dsa_unknown_key_scenarios EXIT 3 OUT @TMP@/out
  ARGS scenarios --config @DATA@/bad_dsa_unknown_key.ini --out @TMP@/out)
# twsa refuses a Dirichlet share (it suggested NAME=LOW:HIGH, which then
# failed with a misleading sum error blamed on the parameter table).
hfs_cli_test(input_twsa_dirichlet EXIT 3 OUT @TMP@/out
  ARGS twsa --param mvd_p_immediate_cure=0.5:0.8 --param cost_mvd --steps 2
       --config @DATA@/good.ini --out @TMP@/out)
# twsa checks the LOW and HIGH the user typed with the table's rules and
# blames --param (a bound outside the range was found at a grid point and
# blamed on the parameter table's line, quoting a value never typed).
hfs_cli_test(input_twsa_bound_outside EXIT 3 OUT @TMP@/out
  ARGS twsa --param cost_mvd=-5:10 --param utility_cured=0.5:1.5 --steps 2
       --config @DATA@/good.ini --out @TMP@/out)
# every grid point's model is built before any is simulated: a point that
# breaks a rule between parameters stopped the grid halfway, blamed on
# the table alone
hfs_cli_test(input_twsa_grid_point_refused EXIT 3 OUT @TMP@/out
  ARGS twsa --param onset_age_min=40:70 --param cost_mvd --steps 2
       --config @DATA@/good.ini --out @TMP@/out)
# scenarios checks every [scenario NAME] section before simulating any (a
# bad one used to be found after all the others had been simulated).
hfs_cli_test(input_scenarios_bad_section EXIT 3 OUT @TMP@/out
  ARGS scenarios --config @DATA@/bad_scenario_value.ini --out @TMP@/out)
# A [scenario NAME] line that changes the patients, the run or the output
# is refused by scenarios, which simulates every scenario on the same
# patients (run.seed simulated other patients silently; run.patients was
# ignored); check warns; run --scenario NAME applies it.
hfs_cli_test(input_scenarios_run_settings EXIT 3 OUT @TMP@/out
  ARGS scenarios --config @DATA@/bad_scenario_fixed.ini --out @TMP@/out)
hfs_cli_test(input_check_scenario_run_settings EXIT 0
  ARGS check --config @DATA@/bad_scenario_fixed.ini)
hfs_run_test(input_duplicate_key 3 bad_duplicate_key.ini)
hfs_run_test(input_missing_key 3 bad_missing_key.ini)
hfs_run_test(input_run_values 3 bad_run_values.ini)
hfs_run_test(input_economics_values 3 bad_economics_values.ini)
hfs_run_test(input_unknown_model 3 bad_unknown_model.ini)
hfs_run_test(input_unknown_treatment 3 bad_unknown_treatment.ini)
hfs_run_test(input_line_not_in_strategy 3 bad_line_not_in_strategy.ini)
hfs_run_test(input_strategy_values 3 bad_strategy_values.ini)
hfs_run_test(input_many_errors 3 bad_many_errors.ini)
hfs_cli_test(input_check_unknown_key EXIT 3
  ARGS check --config @DATA@/bad_unknown_key.ini)
hfs_cli_test(input_check_unknown_treatment EXIT 3
  ARGS check --config @DATA@/bad_unknown_treatment.ini)

# ---- command-line overrides (exit 3) ---------------------------------------
hfs_run_test(input_set_unknown_parameter 3 good.ini
  --set botox_p_primary_respons=0.9)
hfs_run_test(input_set_not_a_number 3 good.ini --set cost_mvd=cheap)
hfs_run_test(input_set_unknown_setting 3 good.ini --set run.patinets=500)
# (exit 2 since the review that found it exiting 3, which is for invalid
# input files and --set: a bad option value is a bad command line)
hfs_run_test(input_set_bad_setting 2 good.ini --seed -1 --threads many)
hfs_run_test(input_set_new_strategy 3 good.ini
  --set strategy.surgery_only.lines=surgery)
hfs_run_test(input_set_strategy_line_key 3 good.ini
  --set strategy.botox.mvd.redo_max=2)

# ---- the parameter table (exit 3) ------------------------------------------
hfs_table_test(input_param_unterminated_quote)
hfs_table_test(input_param_field_count)
hfs_table_test(input_param_duplicate)
hfs_table_test(input_param_unknown_distribution)
hfs_table_test(input_param_not_a_number)
hfs_table_test(input_param_syntax_many)
hfs_table_test(input_param_unknown_name)
hfs_table_test(input_param_probability)
hfs_table_test(input_param_negative_cost)
hfs_table_test(input_param_negative_duration)
hfs_table_test(input_param_beta_alpha)
hfs_table_test(input_param_beta_mean_sd)
hfs_table_test(input_param_gamma_probability)
hfs_table_test(input_param_dirichlet_sum)
hfs_table_test(input_param_dirichlet_single)
hfs_table_test(input_param_unit)
hfs_table_test(input_param_currency)
hfs_table_test(input_param_low_above_value)
hfs_table_test(input_param_many)
hfs_cli_test(input_check_param_probability EXIT 3 ROWS
  ARGS check --config @DATA@/good.ini
       --set inputs.parameters=@TMP@/parameters.csv)

# A table saved with another separator (a German or French spreadsheet's
# ';', or tabs): one error naming it, from the CSV reader every table
# shares; it was one "missing column" error per column, without a hint.
hfs_run_test(input_param_semicolon 3 good.ini
  --set inputs.parameters=@DATA@/bad_params_semicolon.csv)
hfs_run_test(input_life_table_tabs 3 good.ini
  --set inputs.life_table=@DATA@/bad_lt_tabs.csv)

# ---- the life table (exit 3) -----------------------------------------------
# a life table that ends below the age limit is legal but extrapolated:
# a warning (it was silent)
hfs_cli_test(input_life_table_short EXIT 0
  ARGS check --config @DATA@/good.ini
       --set inputs.life_table=@DATA@/life_table_to_98.csv)
hfs_run_test(input_life_table_gap 3 good.ini
  --set inputs.life_table=@DATA@/bad_lt_gap.csv)
hfs_run_test(input_life_table_duplicate 3 good.ini
  --set inputs.life_table=@DATA@/bad_lt_duplicate.csv)

# ---- once pending, now fixed: each comment says what was wrong; the test
# checks the file and line hfsim now names --------------------------------

# Keys under a rejected section header are filed under the section before.
hfs_run_test(input_duplicate_strategy 3 bad_duplicate_strategy.ini)
hfs_run_test(input_strategy_name 3 bad_strategy_name.ini)
# An invalid currency makes every cost row fail its unit check.
hfs_run_test(input_currency 3 bad_currency.ini)
# The message quotes the whole list, not the repeated value.
hfs_run_test(input_wtp_duplicate 3 bad_wtp_duplicate.ini)
# An empty item in a list ('50000,,100000', 'botox,') was skipped
# silently; each kind of list now names it (calibration's lists:
# input_list_empty_item_calibration).
hfs_run_test(input_list_empty_item 3 bad_list_empty_item.ini)
hfs_cli_test(input_list_empty_item_evppi EXIT 3 OUT @TMP@/out
  ARGS psa --config @DATA@/good.ini --out @TMP@/out
       --set psa.evppi=cost_mvd,,utility_cured)
# A parameter set with --set is blamed on the table file, without a line.
hfs_run_test(input_set_probability 3 good.ini
  --set botox_p_primary_response=1.5)
hfs_run_test(input_set_negative_cost 3 good.ini --set cost_mvd=-100)
# the value as given, not %g's 6 digits ("got 1", which seemed within [0, 1])
hfs_run_test(input_set_probability_exact 3 good.ini --set p_female=1.0000001)
# a rule between two parameters broken by an override names the override
# (it named the parameter table, without a line)
hfs_run_test(input_set_cross_parameter 3 good.ini
  --set onset_age_min=59 --set onset_age_max=45)
# A misspelt strategy name in --set silently defines a new strategy; the
# error then blames the scenario file, without a line or a suggestion.
hfs_run_test(input_set_unknown_strategy 3 good.ini
  --set strategy.botxo.label=X)
# Strategies are not read when the parameter table has errors, so their
# errors are not reported with the table's.
hfs_cli_test(input_errors_across_files EXIT 3 OUT @TMP@/out ROWS
  ARGS run --config @DATA@/bad_unknown_treatment.ini --out @TMP@/out
       --set inputs.parameters=@TMP@/parameters.csv)
# libcsv's own text: does not say what is wrong or how to write it.
hfs_table_test(input_param_malformed)
# A row rejected for its sex or qx is also reported as a gap.
hfs_run_test(input_life_table_sex 3 good.ini
  --set inputs.life_table=@DATA@/bad_lt_sex.csv)
hfs_run_test(input_life_table_qx 3 good.ini
  --set inputs.life_table=@DATA@/bad_lt_qx.csv)
hfs_run_test(input_life_table_many 3 good.ini
  --set inputs.life_table=@DATA@/bad_lt_many.csv)

# ---- model v2 settings (exit 3) --------------------------------------------
# [model] options, re-entry reasons, and a pathway that can loop forever.
hfs_run_test(input_model_options 3 bad_model_options.ini)
hfs_cli_test(input_check_model_options EXIT 3
  ARGS check --config @DATA@/bad_model_options.ini)
# A population-norms table with a utility above 1, a gap between age bands
# and an unknown sex: each reported at its line.
hfs_run_test(input_utility_norms 3 good.ini
  --set model.utility_norms=@DATA@/bad_utility_norms.csv)
hfs_run_test(input_utility_norms_missing 4 good.ini
  --set model.utility_norms=@DATA@/no_such_norms.csv)
# Price-year conversion: a bad [model] price_year, then bad price-year and
# price-index tables, each reported at its line.
hfs_run_test(input_price_year 3 good.ini
  --set model.price_year=soon)
hfs_run_test(input_price_year_needs_tables 3 good.ini
  --set model.price_year=2024)
hfs_run_test(input_cost_price_years 3 good.ini
  --set model.price_year=2024
  --set model.price_index=@SOURCE@/configs/cpi_medical_care_us.csv
  --set model.cost_price_years=@DATA@/bad_cost_price_years.csv)
hfs_run_test(input_price_index 3 good.ini
  --set model.price_year=2024
  --set model.price_index=@DATA@/bad_price_index.csv
  --set model.cost_price_years=@SOURCE@/configs/cost_price_years.csv)
hfs_table_test(input_param_v2_values)
