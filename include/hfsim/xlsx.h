/*
 * xlsx.h - an Excel workbook beside the CSV files (libxlsxwriter).
 *
 * CSV numbers are written with '.' decimals; a spreadsheet set to a
 * comma-decimal locale (German, French, ...) misreads them on import
 * (0.975 becomes 975). The workbook stores numbers as numbers, so every
 * locale shows the same values. One sheet per CSV file of the output
 * folder (named as the file, without .csv), text cells as text, empty
 * cells empty; the header row is bold and frozen, columns are sized to
 * their content, and each header cell carries a note with the column's
 * meaning and unit from the data dictionary (hfs_write_dictionary) or,
 * for a parameter's column, from the parameter table.
 *
 * Numbers keep 16 significant digits (libxlsxwriter writes "%.16G"); the
 * CSVs keep the full 17. patients.csv (one row per patient, often over the
 * 1,048,576 rows a sheet holds) is not included.
 */
#ifndef HFSIM_XLSX_H
#define HFSIM_XLSX_H

#include "hfsim/diag.h"
#include "hfsim/model.h"
#include "hfsim/output.h"
#include "hfsim/params.h"

/* Add workbook NAME to O, with a sheet for each CSV file added to O so
 * far. CLS: the model class, whose data dictionary gives the header notes
 * (may be NULL); PARAMS: the parameter table, for parameter columns (may
 * be NULL). The workbook is committed with the other files (all or
 * nothing). */
hfs_status hfs_xlsx_add_workbook(hfs_output_set *o, const char *name,
                                 const hfs_model_class *cls,
                                 const hfs_param_table *params, hfs_diag *d);

#endif
