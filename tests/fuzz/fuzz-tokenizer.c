/*
 * fuzz-tokenizer.c: libFuzzer target for the tokenizer.  The first byte
 * picks the options and the chunking; the rest is the page.  It checks
 * that the tokens (and their byte spans, each attribute's offset, the
 * attribute spans and the fetch-name calls) do not depend on the
 * chunking, and that every tag's span starts at '<' and ends at '>'.
 * (Whole, most tags are read by the tokenizer's quick paths; in small
 * chunks, by the states.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

struct sink {
  struct consent__buf out;
  struct consent__tokenizer *tok;
  const uint8_t *src;
  size_t len;
  int in_text;  /* character tokens are coalesced: chunks split them */
};

static void
put(struct sink *s, const void *p, size_t n)
{
  if (consent__buf_append(&s->out, p, n) != 0)
    abort();
}

static int
on_token(void *ud, const struct consent__token *t)
{
  struct sink *s = ud;
  uint64_t span[2] = { t->raw_start, t->raw_end };
  size_t i;

  if (t->kind == CONSENT__TOK_TEXT) {
    if (!s->in_text)
      put(s, &t->kind, sizeof(t->kind));
    s->in_text = 1;
    put(s, t->data, t->data_len);
    return 0;
  }
  s->in_text = 0;
  put(s, &t->kind, sizeof(t->kind));
  put(s, span, sizeof(span));
  put(s, t->name ? t->name : "", t->name ? t->name_len : 0);
  put(s, t->data ? t->data : "", t->data ? t->data_len : 0);
  if (t->has_style) {
    put(s, "style=", 6);
    put(s, t->style, t->style_len);
  }
  for (i = 0; i < t->nattrs; i++) {
    put(s, t->attrs[i].name, t->attrs[i].name_len);
    put(s, "=", 1);
    put(s, t->attrs[i].value, t->attrs[i].value_len);
    put(s, &t->attrs[i].raw_name, sizeof(t->attrs[i].raw_name));
  }
  if (t->kind == CONSENT__TOK_START) {
    unsigned char bits[6] = { t->self_closing, t->attrs_recorded,
                              t->truncated, t->fetch_attr, t->foreign,
                              t->tag };
    put(s, bits, sizeof(bits));
    put(s, s->tok->spans, s->tok->nspans * sizeof(*s->tok->spans));
  }
  if (t->kind == CONSENT__TOK_START || t->kind == CONSENT__TOK_END) {
    if (t->raw_end > s->len || t->raw_start >= t->raw_end ||
        s->src[t->raw_start] != '<' || s->src[t->raw_end - 1] != '>')
      abort();
  }
  return 0;
}

static void
on_fetch_name(void *ud, uint64_t off)
{
  struct sink *s = ud;

  put(s, "F", 1);
  put(s, &off, sizeof(off));
}

static void
run(const uint8_t *d, size_t n, unsigned flags, size_t chunk,
    struct consent__buf *out)
{
  struct consent__tokenizer t;
  struct sink s = { { NULL, 0, 0 }, NULL, d, n, 0 };
  size_t off = 0, step;

  consent__tok_init(&t, flags, 4096);
  s.tok = &t;
  t.on_token = on_token;
  t.on_fetch_name = on_fetch_name;
  t.ud = &s;
  while (off < n) {
    step = chunk == 0 ? n - off : chunk;
    if (step > n - off)
      step = n - off;
    consent__tok_feed(&t, (const char *)d + off, step);
    off += step;
  }
  consent__tok_finish(&t);
  consent__tok_free(&t);
  *out = s.out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const unsigned flag_sets[4] = {
    CONSENT__TOKF_TREE | CONSENT__TOKF_SCRIPTING | CONSENT__TOKF_ATTRS |
      CONSENT__TOKF_STYLE | CONSENT__TOKF_SPANS,
    CONSENT__TOKF_TREE | CONSENT__TOKF_SCRIPTING | CONSENT__TOKF_TEXT |
      CONSENT__TOKF_COMMENTS | CONSENT__TOKF_ATTRS,
    CONSENT__TOKF_TEXT | CONSENT__TOKF_COMMENTS | CONSENT__TOKF_ATTRS,
    CONSENT__TOKF_TREE | CONSENT__TOKF_TEXT | CONSENT__TOKF_STYLE,
  };
  struct consent__buf a, b;
  unsigned flags;
  size_t chunk;

  if (size < 1)
    return 0;
  flags = flag_sets[data[0] & 3];
  chunk = 1 + (data[0] >> 2);
  data++;
  size--;
  run(data, size, flags, 0, &a);
  run(data, size, flags, chunk, &b);
  if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0))
    abort(); /* the tokens depend on the chunking */
  consent__buf_free(&a);
  consent__buf_free(&b);
  return 0;
}
