/* buf.h: a growing output buffer and the rewriter sink that fills it,
 * for the unit tests (the data stays NUL-terminated). */
#ifndef HEADER_CONSENT_TEST_BUF_H
#define HEADER_CONSENT_TEST_BUF_H

#include <stdlib.h>
#include <string.h>

struct buf {
  char *data;
  size_t len, cap;
};

static int
sink(const char *p, size_t n, void *ud)
{
  struct buf *b = ud;

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
