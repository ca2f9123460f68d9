/*
 * numfmt.h - numbers as text for CSV: shortest form that reads back to the
 * same double, '.' as decimal point in every locale.
 */
#ifndef HFSIM_NUMFMT_H
#define HFSIM_NUMFMT_H

#include <stddef.h>

/* Write X into BUF (at least 32 bytes): the shortest of %.15g..%.17g that
 * round-trips; "" for NaN (an empty CSV cell = not available), "inf"/"-inf"
 * never occur in outputs (callers write NaN instead). Returns BUF. */
char *hfs_format_double(char *buf, size_t size, double x);

#endif
