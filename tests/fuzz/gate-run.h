/*
 * gate-run.h: what the gate's fuzz targets share: one gate over the
 * built-in providers, and a run of it over a buffer in chunks of a size.
 */
#ifndef CONSENT_FUZZ_GATE_RUN_H
#define CONSENT_FUZZ_GATE_RUN_H

#include <stdint.h>
#include <stdlib.h>

#include "consent.h"
#include "rewriter.h"

#define FUZZ_NOW 1764374400 /* a fixed clock: consent ages alike */

static struct consent_gate gate;
static struct consent_registry reg;

static int
collect(const char *buf, size_t len, void *ud)
{
  return consent__buf_append(ud, buf, len) != 0;
}

/* Sets the gate up on the first call; a small bound reaches the limits. */
static void
gate_setup(size_t max_buffer)
{
  static int ready;

  if (ready)
    return;
  consent__registry_init(&reg);
  if (consent__gate_init(&gate) != 0 ||
      consent__registry_builtin(&reg) != 0)
    abort();
  gate.reg = &reg;
  gate.max_buffer = max_buffer;
  ready = 1;
}

/* Gates n bytes in chunks of `chunk` (0: at once) into out, for the
 * visitor st (NULL: nothing allowed), the input and output encoded with
 * enc (0: plain); returns the first status that is not 0. */
static int
gate_run(const struct consent_state *st, int enc, const uint8_t *d,
         size_t n, size_t chunk, struct consent__buf *out)
{
  struct consent_rewriter rw;
  size_t off = 0, step;
  int status = 0;

  consent__rewriter_init(&rw, &gate, collect, out);
  rw.state = st;
  rw.now = FUZZ_NOW;
  if (enc != 0 && consent__rewriter_set_encoding(&rw, enc, enc) != 0)
    abort();
  while (status == 0 && off < n) {
    step = chunk == 0 || chunk > n - off ? n - off : chunk;
    status = consent__rewriter_write(&rw, (const char *)d + off, step);
    off += step;
  }
  if (status == 0)
    status = consent__rewriter_end(&rw);
  consent__rewriter_free(&rw);
  return status;
}

#endif
