/*
 * numfmt.c - shortest round-trip formatting of doubles (see numfmt.h).
 *
 * The program never calls setlocale(), so printf and strtod stay in the
 * "C" locale and write '.' as the decimal point whatever the user's locale;
 * a defensive replacement of ',' guards against a library changing it.
 */
#include "hfsim/numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

char *hfs_format_double(char *buf, size_t size, double x)
{
  if (isnan(x) || isinf(x)) {
    buf[0] = '\0';
    return buf;
  }
  if (x == 0.0) {
    snprintf(buf, size, "0");
    return buf;
  }
  for (int prec = 15; prec <= 17; prec++) {
    int n = snprintf(buf, size, "%.*g", prec, x);
    if (n < 0 || (size_t)n >= size || strtod(buf, NULL) == x)
      break; /* (a buffer of 32 always holds %.17g) */
  }
  for (char *p = buf; *p; p++)
    if (*p == ',')
      *p = '.';
  return buf;
}
