/*
 * sha256.h - SHA-256 (FIPS 180-4) of files, for the run manifest.
 *
 * The manifest records the hash of every input so a published result can be
 * matched to the exact files that produced it (`sha256sum FILE` agrees).
 */
#ifndef HFSIM_SHA256_H
#define HFSIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct hfs_sha256 {
  uint32_t h[8];
  uint64_t length_bytes;
  unsigned char block[64];
  size_t used;
} hfs_sha256;

void hfs_sha256_init(hfs_sha256 *c);
void hfs_sha256_update(hfs_sha256 *c, const void *data, size_t n);
/* Writes 64 lowercase hex digits and a NUL into HEX[65]. */
void hfs_sha256_final_hex(hfs_sha256 *c, char hex[65]);
/* Hash of the file at PATH into HEX; returns 0, or -1 if unreadable. */
int hfs_sha256_file(const char *path, char hex[65]);

#endif
