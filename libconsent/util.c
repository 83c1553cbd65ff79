/* util.c: small helpers shared by the library's modules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
consent__buf_append_grow(struct consent__buf *b, const void *p, size_t n)
{
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

int
consent__read_file(const char *path, size_t max, struct consent__buf *b)
{
  FILE *f = fopen(path, "rb");
  char chunk[8192];
  size_t n, total = 0;
  int err;

  if (f == NULL)
    return -1;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
    total += n;
    if (total > max) {
      fclose(f);
      return -2;
    }
    if (consent__buf_append(b, chunk, n) != 0) {
      fclose(f);
      errno = ENOMEM;
      return -1;
    }
  }
  err = ferror(f);
  fclose(f);
  if (err) {
    errno = EIO;
    return -1;
  }
  return 0;
}

char *
consent__strndup(const char *s, size_t n)
{
  char *d = malloc(n + 1);

  if (d != NULL) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

unsigned
consent__fnv1a(const char *s, size_t n)
{
  unsigned h = 2166136261u;

  while (n--)
    h = (h ^ (unsigned char)*s++) * 16777619u;
  return h;
}

void
consent__file_msg(char *out, size_t cap, const char *name, unsigned line,
                  const char *msg)
{
  if (line > 0)
    snprintf(out, cap, "%s:%u: %s", name, line, msg);
  else
    snprintf(out, cap, "%s: %s", name, msg);
}

int
consent__next_line(const char *buf, size_t len, size_t *pos,
                   const char **line, size_t *n)
{
  const char *nl;

  if (*pos >= len)
    return 0;
  *line = buf + *pos;
  nl = memchr(*line, '\n', len - *pos);
  *n = nl ? (size_t)(nl - *line) : len - *pos;
  *pos += *n + (nl != NULL);
  return 1;
}

int
consent__hexval(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

size_t
consent__next_word(const char **p)
{
  while (**p == ' ' || **p == ',' || **p == '\t')
    (*p)++;
  return strcspn(*p, " ,\t");
}

int
consent__strncasecmp(const char *a, const char *b, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    int x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x >= 'A' && x <= 'Z')
      x += 32;
    if (y >= 'A' && y <= 'Z')
      y += 32;
    if (x != y)
      return x - y;
  }
  return 0;
}

int64_t
consent__now_or(long long now)
{
  return now != 0 ? (int64_t)now : (int64_t)time(NULL);
}

void
consent__give_message(char **errmsg, const char *msg)
{
  if (errmsg != NULL) {
    *errmsg = malloc(strlen(msg) + 1);
    if (*errmsg != NULL)
      strcpy(*errmsg, msg);
  }
}

int
consent__give_buffer(struct consent__buf *b, char **out, size_t *len)
{
  if (consent__buf_append(b, "", 1) != 0) {
    consent__buf_free(b);
    return -1;
  }
  *out = b->data;
  if (len != NULL)
    *len = b->len - 1;
  b->data = NULL;
  return 0;
}
