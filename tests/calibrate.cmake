# calibrate.cmake - `hfsim calibrate` and `hfsim psa --posterior` (included
# from tests/CMakeLists.txt).
#
# test_calibrate: the sampler against closed-form posteriors, Nelder-Mead on
# a closed-form problem, recovery of known Sick-Sicker parameters, threads
# and resume, bad settings (see the comment at the top of the file).
hfs_add_test(test_calibrate)
