/*
 * mathx.h - double-typed infinity and NaN, and the normal quantile of 95%
 * intervals.
 *
 * C's INFINITY and NAN are float constants; in a double context they trip
 * -Wdouble-promotion under clang. These are the double versions.
 */
#ifndef HFSIM_MATHX_H
#define HFSIM_MATHX_H

#include <math.h>

#define HFS_INF ((double)INFINITY)
#define HFS_NAN ((double)NAN)

/* The 97.5th percentile of the standard normal (gsl_cdf_ugaussian_Pinv
 * (0.975)): every 95% interval is mean +- HFS_Z95 se, in the CSVs, the
 * figures and calibration's target standard errors alike. */
#define HFS_Z95 1.959963984540054

#endif
