# The Sick-Sicker model (src/models/sick_sicker/model.c): cohort calculation,
# microsimulation against it, and rejected inputs.
hfs_add_test(test_sick_sicker)
