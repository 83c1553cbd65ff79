/*
 * fuzz-gzip.c: libFuzzer target for the compressed path: the input is a
 * gzip (or deflate) stream given to the gate, in random chunks.  Corrupt
 * and truncated streams must give CONSENT_E_ENCODING, never a crash, and
 * the result must not depend on the chunking.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "consent.h"
#include "rewriter.h"

static struct consent__gate gate;
static struct consent__registry reg;

static int
collect(const char *buf, size_t len, void *ud)
{
  return consent__buf_append(ud, buf, len) != 0;
}

static int
run(const uint8_t *d, size_t n, int enc, size_t chunk,
    struct consent__buf *out)
{
  struct consent__rewriter rw;
  size_t off = 0, step;
  int st = 0;

  consent__rewriter_init(&rw, &gate, collect, out);
  if (consent__rewriter_set_encoding(&rw, enc, enc) != 0)
    abort();
  while (st == 0 && off < n) {
    step = chunk == 0 || chunk > n - off ? n - off : chunk;
    st = consent__rewriter_write(&rw, (const char *)d + off, step);
    off += step;
  }
  if (st == 0)
    st = consent__rewriter_end(&rw);
  consent__rewriter_free(&rw);
  return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  struct consent__buf a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
  int enc, sa, sb;
  size_t chunk;

  if (!ready) {
    consent__registry_init(&reg);
    if (consent__gate_init(&gate) != 0 ||
        consent__registry_builtin(&reg) != 0)
      abort();
    gate.reg = &reg;
    gate.max_buffer = 8192;
    ready = 1;
  }
  if (size < 1)
    return 0;
  enc = 1 + (data[0] & 1);
  chunk = 1 + (data[0] >> 1) % 64;
  data++;
  size--;
  sa = run(data, size, enc, 0, &a);
  sb = run(data, size, enc, chunk, &b);
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
