/* util.h: small helpers shared by the library's modules. */
#ifndef HEADER_CONSENT_UTIL_H
#define HEADER_CONSENT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A growable byte buffer.  data is NULL until the first append. */
struct consent__buf {
  char *data;
  size_t len;
  size_t cap;
};

/* Makes room for n more bytes.  Returns 0, or -1 when out of memory. */
int consent__buf_reserve(struct consent__buf *b, size_t n);

/* consent__buf_append when b must grow first. */
int consent__buf_append_grow(struct consent__buf *b, const void *p, size_t n);

/* Appends n bytes.  Returns 0, or -1 when out of memory.  (Inline: the
 * tokenizer appends a few bytes at a time, most of them where there is
 * room.) */
static inline int
consent__buf_append(struct consent__buf *b, const void *p, size_t n)
{
  if (n > b->cap - b->len)
    return consent__buf_append_grow(b, p, n);
  if (n > 0) {
    memcpy(b->data + b->len, p, n);
    b->len += n;
  }
  return 0;
}

void consent__buf_free(struct consent__buf *b);


/* Reads a whole file of at most max bytes into b (appending).  Returns
 * 0, -1 on a read error (errno set), -2 when it is larger than max. */
int consent__read_file(const char *path, size_t max, struct consent__buf *b);

/* A NUL-terminated copy of n bytes, or NULL when out of memory. */
char *consent__strndup(const char *s, size_t n);

/* 32-bit FNV-1a hash. */
unsigned consent__fnv1a(const char *s, size_t n);

/* Writes "NAME:LINE: MSG" (or "NAME: MSG" when line is 0) to out, the
 * form of every message about a file. */
void consent__file_msg(char *out, size_t cap, const char *name,
                       unsigned line, const char *msg);

/* The next line of buf from *pos on (without its '\n'): sets *line and
 * *n, moves *pos past it.  Returns 0 at the end of buf. */
int consent__next_line(const char *buf, size_t len, size_t *pos,
                       const char **line, size_t *n);

/* Compares n bytes ignoring ASCII case (whatever the locale): 0 when
 * equal. */
int consent__strncasecmp(const char *a, const char *b, size_t n);

/* The value of a hexadecimal digit, or -1. */
int consent__hexval(int c);

/* Writes code point c (at most U+10FFFF) in UTF-8 to out (room for 4
 * bytes); returns how many bytes. */
static inline size_t
consent__utf8_put(uint32_t c, unsigned char *out)
{
  if (c < 0x80) {
    out[0] = (unsigned char)c;
    return 1;
  }
  if (c < 0x800) {
    out[0] = (unsigned char)(0xC0 | (c >> 6));
    out[1] = (unsigned char)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = (unsigned char)(0xE0 | (c >> 12));
    out[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    out[2] = (unsigned char)(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = (unsigned char)(0xF0 | (c >> 18));
  out[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
  out[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
  out[3] = (unsigned char)(0x80 | (c & 0x3F));
  return 4;
}

/* The next word of a list separated by spaces, tabs or commas: moves *p
 * to it and returns its length (0 at the end). */
size_t consent__next_word(const char **p);

/* now, or the current time when now is 0 (the API's "now" arguments). */
int64_t consent__now_or(long long now);

/* Hands a copy of msg to the caller through an optional out-parameter
 * (freed with consent_free). */
void consent__give_message(char **errmsg, const char *msg);

/* Moves b to an out-parameter as a NUL-terminated string (*len without
 * the NUL; len may be NULL).  Returns 0, or -1 when out of memory (b is
 * then freed). */
int consent__give_buffer(struct consent__buf *b, char **out, size_t *len);

/* The 12-bit hash of a class name (n > 0 bytes) for the registry's
 * filter of widget classes (case-insensitive): the length and three
 * bytes, case folded as class tokens compare there: a filter, so it need
 * only be cheap and spread. */
static inline unsigned
consent__class_hash(const char *s, size_t n)
{
  const unsigned char *u = (const unsigned char *)s;
  unsigned a, b, c, h;

  if (n == 0)
    return 0;
  a = u[0] | 0x20u;
  b = u[n / 2] | 0x20u;
  c = u[n - 1] | 0x20u;
  h = ((unsigned)n * 2654435761u) ^ ((a << 16 | b << 8 | c) * 2246822519u);
  return (h >> 20) & 4095;
}

#endif /* HEADER_CONSENT_UTIL_H */
