/*
 * fuzz-gzip.c: libFuzzer target for the compressed path: the input is a
 * gzip, deflate, br or zstd stream given to the gate, in random chunks.  Corrupt
 * and truncated streams must give CONSENT_E_ENCODING, never a crash, and
 * the result must not depend on the chunking.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gate-run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct consent__buf a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
  int enc, sa, sb;
  size_t chunk;

  gate_setup(8192);
  if (size < 1)
    return 0;
  enc = 1 + (data[0] & 3);           /* gzip, deflate, br, zstd */
  chunk = 1 + (data[0] >> 2) % 64;
  data++;
  size--;
  sa = gate_run(NULL, enc, data, size, 0, &a);
  sb = gate_run(NULL, enc, data, size, chunk, &b);
  if (sa != 0 && sa != CONSENT_E_ENCODING)
    abort();
  if (sa != sb)
    abort(); /* the verdict depends on the chunking */
  if (sa == 0 && (a.len != b.len || memcmp(a.data, b.data, a.len) != 0))
    abort();
  consent__buf_free(&a);
  consent__buf_free(&b);
  return 0;
}
