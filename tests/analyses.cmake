# analyses.cmake - library-level tests of the economic evaluation and its
# uncertainty (included from tests/CMakeLists.txt): PSA thread invariance
# and reproducibility from the seed, PSA resume bit for bit, sampled
# parameter means, continuation of a run (--target-se), subgroup sums and
# paired standard errors. The command-line checks are in analyses_cli.cmake.

hfs_add_test(test_analyses)
set_tests_properties(test_analyses PROPERTIES LABELS "analyses" TIMEOUT 120)
