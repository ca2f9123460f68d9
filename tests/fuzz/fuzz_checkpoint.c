/*
 * fuzz_checkpoint.c - libFuzzer target for the two checkpoint readers
 * (hfsim psa --resume, hfsim calibrate --resume).
 *
 * A checkpoint lives beside the output folder, where anyone can edit it,
 * so its reader must refuse what it did not write without ever reading or
 * writing out of bounds (a hand-made PSA line with iteration 200 wrote past
 * the result arrays; a line starting with a NUL byte read line[-1]; both
 * are in crashes/checkpoint).
 *
 * The first byte selects the reader (even: PSA, odd: calibration); the rest
 * is the file, written to checkpoint in the harness's private folder.
 *   PSA: read into a 4-iteration result of configs/default.ini with the
 *     fingerprint "fp" (the header line is then "hfsim-psa-checkpoint fp");
 *     every line but the header gets its checksum recomputed first, as a
 *     hand editor can, so that the fuzzer reaches the parser behind it.
 *     Lines holding a NUL byte are left as they are.
 *   calibration: read for 2 parameters and 2 targets, fingerprint "fp".
 * Nothing is printed; everything is freed.
 */
#include "fuzz_util.h"

#include <stdlib.h>
#include <string.h>

#include "hfsim/calibrate.h"
#include "hfsim/psa.h"
#include "hfsim/sha256.h"
#include "hfsim/study.h"

/* IN with every line after the first ending in ",#" and the first 16 hex
 * digits of the SHA-256 of what precedes it (an existing ",#..." tail is
 * replaced). Returns a new buffer of *OUT_N bytes. */
static uint8_t *with_checksums(const uint8_t *in, size_t n, size_t *out_n)
{
  uint8_t *out = malloc(n + 18 * (n + 1) + 1);
  if (out == NULL)
    abort();
  size_t o = 0;
  for (size_t i = 0, line = 0; i < n; line++) {
    size_t j = i;
    while (j < n && in[j] != '\n')
      j++;
    size_t len = j - i, body = len;
    int newline = j < n;
    if (line == 0 || !newline || memchr(in + i, 0, len) != NULL) {
      memcpy(out + o, in + i, len);
      o += len;
    } else {
      for (size_t k = 0; k + 1 < len; k++)
        if (in[i + k] == ',' && in[i + k + 1] == '#')
          body = k;
      memcpy(out + o, in + i, body);
      o += body;
      hfs_sha256 c;
      char hex[65];
      hfs_sha256_init(&c);
      hfs_sha256_update(&c, in + i, body);
      hfs_sha256_final_hex(&c, hex);
      out[o++] = ',';
      out[o++] = '#';
      memcpy(out + o, hex, 16);
      o += 16;
    }
    if (newline)
      out[o++] = '\n';
    i = j + 1;
  }
  *out_n = o;
  return out;
}

static hfs_study base;
static int base_loaded;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  if (!base_loaded) {
    hfs_diag d;
    hfs_diag_init(&d);
    hfs_study_init(&base);
    if (hfs_study_load(&base, hfs_fuzz_config("default.ini"), NULL, 0, &d) !=
        HFS_OK)
      abort(); /* the harness's own setup */
    hfs_diag_free(&d);
    base_loaded = 1;
  }
  hfs_diag d;
  hfs_diag_init(&d);
  if (data[0] % 2 == 0) {
    size_t n;
    uint8_t *text = with_checksums(data + 1, size - 1, &n);
    const char *path = hfs_fuzz_write("checkpoint", text, n);
    free(text);
    hfs_psa_result r;
    if (hfs_psa_result_init(&r, &base, 4) == HFS_OK) {
      if (hfs_psa_checkpoint_read(path, "fp", &r, &d) == HFS_OK &&
          (r.done > r.iterations))
        abort(); /* the contract: never more than the PSA's iterations */
      hfs_psa_result_free(&r);
    }
  } else {
    const char *path = hfs_fuzz_write("checkpoint", data + 1, size - 1);
    hfs_calib_settings cs;
    memset(&cs, 0, sizeof cs);
    cs.n_params = 2;
    cs.n_targets = 2;
    hfs_calib_result r;
    memset(&r, 0, sizeof r);
    (void)hfs_calib_checkpoint_read(path, "fp", &cs, &r, &d);
    hfs_calib_result_free(&r);
  }
  hfs_diag_free(&d);
  return 0;
}
