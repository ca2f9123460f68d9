/*
 * fuzz_util.h - shared by the libFuzzer targets of tests/fuzz/ and by
 * replay_main.c (see README.md in this folder).
 *
 * The readers under test take file paths, so each process gets a private
 * temporary folder (created on first use, removed at exit) holding one file
 * per target that is rewritten in place for every input.
 */
#ifndef HFSIM_FUZZ_UTIL_H
#define HFSIM_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The entry point each fuzz_*.c defines (libFuzzer's interface). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replace the contents of file NAME in the private folder by DATA[0..size)
 * and return its absolute path (valid until exit). Aborts on I/O errors:
 * those are the harness's problems, not findings. */
const char *hfs_fuzz_write(const char *name, const uint8_t *data, size_t size);

/* Create, in the private folder, a symbolic link NAME to
 * HFS_SOURCE_DIR/configs/NAME (once), and return the folder. */
const char *hfs_fuzz_link_config(const char *name);

/* The names of the files in HFS_SOURCE_DIR/configs ending in SUFFIX
 * (".ini", ".csv"), sorted, at most MAX; returns how many. */
size_t hfs_fuzz_list_configs(const char *suffix, char names[][64], size_t max);

/* Absolute path of HFS_SOURCE_DIR/configs/NAME in a static buffer. */
const char *hfs_fuzz_config(const char *name);

/* Whether PATH names a regular file of at most 1 MiB: fuzzed inputs may
 * name any path (/dev/zero, a FIFO, /dev/stdin), which would make a reader
 * block or grow without bound; such inputs are skipped, not findings. */
int hfs_fuzz_small_regular_file(const char *path);

/* Split DATA[0..size) at '\n' into NUL-terminated strings (bytes after an
 * embedded NUL are dropped from that piece, as a C string would). Returns
 * an array of *N strings, freed with hfs_fuzz_free_lines; aborts on OOM. */
char **hfs_fuzz_split_lines(const uint8_t *data, size_t size, size_t *n);
void hfs_fuzz_free_lines(char **lines, size_t n);

/* Run the model's describe() (the text of `hfsim check`) on a loaded
 * study, writing to /dev/null. */
struct hfs_study;
void hfs_fuzz_describe(const struct hfs_study *st);

#endif
