/*
 * fuzz-gate.c: libFuzzer target for the whole gate (tokenizer, matcher,
 * rewriter).  The first two bytes pick the categories the visitor allowed
 * and the chunk size; the rest is the page.  It checks that the output
 * does not depend on the chunking, that gating the output again changes
 * nothing, and that no start tag of the output loads a provider the
 * visitor has not allowed (the markup a placeholder keeps is an attribute
 * value, which the tokenizer does not read as tags).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gate-run.h"

struct leak_check {
  const struct consent_state *st;
  int leaked;
};

static int
want(void *ud, unsigned tag, const char *name, size_t len, int end_tag)
{
  (void)ud;
  return !end_tag && consent__match_wants(&reg, tag, name, len);
}

static int
state_allows(const void *ud, long prov)
{
  return consent__state_allows(ud, (size_t)prov, FUZZ_NOW);
}

static int
check_token(void *ud, const struct consent__token *t)
{
  struct leak_check *c = ud;
  struct consent__match m;
  struct consent__allow allow;
  size_t i;

  if (t->kind != CONSENT__TOK_START || !t->attrs_recorded || t->truncated)
    return 0;
  /* (With the state: a provider not allowed behind an allowed one.) */
  allow.allowed = state_allows;
  allow.ud = c->st;
  /* A tag past the bound of an element that loads nothing by itself (a
   * widget's box: its provider's script, gated apart, is what makes it
   * an embed) passes by design, whole and in pieces alike (rewriter.c,
   * on_start): only its fetching attributes, below, count. */
  if (t->raw_end - t->raw_start <= gate.max_buffer ||
      consent__match_fetches(t->tag)) {
    consent__match_tag(&reg, t, -1, &m, &allow);
    if (m.prov >= 0 && !consent__state_allows(c->st, (size_t)m.prov,
                                              FUZZ_NOW))
      c->leaked = 1;
  }
  /* Every attribute that fetches, on any element (the matcher's table). */
  for (i = 0; i < t->nattrs; i++) {
    long prov = consent__match_attr(&reg, t, &t->attrs[i], -1, &allow);
    if (prov >= 0 && !consent__state_allows(c->st, (size_t)prov, FUZZ_NOW))
      c->leaked = 1;
  }
  return 0;
}

/* Whether any start tag of the output loads a provider not allowed.
 * (Base URLs are left out: a <base> in the input is kept as it is.) */
static int
leaks(const struct consent_state *st, const char *out, size_t len)
{
  struct consent__tokenizer t;
  struct leak_check c = { st, 0 };

  consent__tok_init(&t, CONSENT__TOKF_TREE | CONSENT__TOKF_SCRIPTING |
                    CONSENT__TOKF_ATTRS, gate.max_buffer);
  t.on_token = check_token;
  t.want_attrs = want;
  t.ud = &c;
  consent__tok_feed(&t, out, len);
  consent__tok_finish(&t);
  consent__tok_free(&t);
  return c.leaked;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct consent__buf a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
  struct consent__buf c = { NULL, 0, 0 };
  struct consent_state st;
  unsigned mask, i;
  size_t chunk;

  gate_setup(4096);
  if (size < 2)
    return 0;
  mask = data[0];
  chunk = 1 + data[1] % 64;
  data += 2;
  size -= 2;
  consent__state_init(&st, &reg);
  for (i = 0; i < 8; i++)
    if (mask & (1u << i))
      consent__state_set_category(&st, (int)i, 1, FUZZ_NOW);
  gate_run(&st, 0, data, size, 0, &a);
  gate_run(&st, 0, data, size, chunk, &b);
  if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0))
    abort(); /* the output depends on the chunking */
  if (leaks(&st, a.data ? a.data : "", a.len))
    abort(); /* an embed the visitor did not allow is in the output */
  gate_run(&st, 0, (const uint8_t *)a.data, a.len, 0, &c);
  if (a.len != c.len || (a.len && memcmp(a.data, c.data, a.len) != 0))
    abort(); /* gating twice differs from gating once */
  consent__state_free(&st);
  consent__buf_free(&a);
  consent__buf_free(&b);
  consent__buf_free(&c);
  return 0;
}
