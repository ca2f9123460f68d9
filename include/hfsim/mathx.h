/*
 * mathx.h - double-typed infinity and NaN.
 *
 * C's INFINITY and NAN are float constants; in a double context they trip
 * -Wdouble-promotion under clang. These are the double versions.
 */
#ifndef HFSIM_MATHX_H
#define HFSIM_MATHX_H

#include <math.h>

#define HFS_INF ((double)INFINITY)
#define HFS_NAN ((double)NAN)

#endif
