/* util.c: small helpers shared by the library's modules. */
#include <stdlib.h>
#include <string.h>

#include "util.h"

int
consent__buf_reserve(struct consent__buf *b, size_t n)
{
  size_t cap;
  char *data;

  if (b->cap - b->len >= n)
    return 0;
  if (n > (size_t)-1 / 2 - b->len)
    return -1;
  cap = b->cap ? b->cap : 64;
  while (cap - b->len < n)
    cap *= 2;
  data = realloc(b->data, cap);
  if (data == NULL)
    return -1;
  b->data = data;
  b->cap = cap;
  return 0;
}

int
consent__buf_append(struct consent__buf *b, const void *p, size_t n)
{
  if (n == 0)
    return 0;
  if (consent__buf_reserve(b, n) != 0)
    return -1;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

void
consent__buf_free(struct consent__buf *b)
{
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
