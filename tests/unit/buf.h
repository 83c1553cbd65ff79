/* buf.h: a growing output buffer and the rewriter sink that fills it,
 * shared by the unit tests (the data stays NUL-terminated; the sink can
 * be made to fail, to test a failing output). */
#ifndef HEADER_CONSENT_TEST_BUF_H
#define HEADER_CONSENT_TEST_BUF_H

#include <stdlib.h>
#include <string.h>

struct buf {
  char *data;
  size_t len, cap;
  int fail_after;   /* fail the call past this many bytes (0: never) */
  int calls;        /* calls so far */
};

static int
sink(const char *p, size_t n, void *ud)
{
  struct buf *b = ud;

  b->calls++;
  if (b->fail_after && b->len + n > (size_t)b->fail_after)
    return 1;
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->data = realloc(b->data, b->cap);
    if (b->data == NULL)
      abort();
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

#endif /* HEADER_CONSENT_TEST_BUF_H */
