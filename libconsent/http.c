/*
 * http.c: the HTTP decisions every host makes the same way: which
 * responses are gated and how their body is coded, and which request
 * headers a gated location keeps from its backend.  Hosts call these
 * and hold only their server's plumbing.
 */
#include <string.h>

#include "consent.h"
#include "codec.h"
#include "util.h"
#include <stdlib.h>

static int
is(const char *p, size_t n, const char *s)
{
  return strlen(s) == n && consent__strncasecmp(p, s, n) == 0;
}

static int
http_ws(int c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The Content-Encoding list: one coding the gate reads, or -1. */
static int
coding_of(const char *v, size_t len)
{
  size_t i = 0;
  int coding = CONSENT__CODING_IDENTITY, n = 0;

  while (i < len) {
    size_t a, b;
    while (i < len && (http_ws((unsigned char)v[i]) || v[i] == ','))
      i++;
    a = i;
    while (i < len && v[i] != ',')
      i++;
    b = i;
    while (b > a && http_ws((unsigned char)v[b - 1]))
      b--;
    if (b == a || is(v + a, b - a, "identity"))
      continue;
    if (++n > 1)
      return -1;                    /* gzip, gzip; gzip, br; ... */
    if (is(v + a, b - a, "gzip") || is(v + a, b - a, "x-gzip"))
      coding = CONSENT__CODING_GZIP;
    else if (is(v + a, b - a, "deflate"))
      coding = CONSENT__CODING_DEFLATE;
    else if (is(v + a, b - a, "br"))
      coding = CONSENT__CODING_BR;
    else if (is(v + a, b - a, "zstd"))
      coding = CONSENT__CODING_ZSTD;
    else
      return -1;
  }
  return coding;
}

consent_http_action
consent_http_classify(int status, const char *content_type, size_t type_len,
                      const char *content_encoding, size_t encoding_len,
                      consent_encoding *coding, const char **reason)
{
  const char *ess, *why = "";
  size_t elen;
  int charset, c;
  consent_http_action act = CONSENT_HTTP_GATE;

  if (coding != NULL)
    *coding = CONSENT_ENCODING_IDENTITY;
  charset = consent__content_type(content_type, content_type ? type_len : 0,
                                  &ess, &elen);
  if (elen == 0)
    why = "no valid Content-Type: a browser sniffs it as a page";
  else if (!is(ess, elen, "text/html") &&
           !is(ess, elen, "application/xhtml+xml")) {
    /* The types browsers sniff as if there were none. */
    if (!is(ess, elen, "unknown/unknown") &&
        !is(ess, elen, "application/unknown") && !is(ess, elen, "*/*"))
      act = CONSENT_HTTP_PASS;
    else
      why = "Content-Type unknown: a browser sniffs it as a page";
  }
  if (act == CONSENT_HTTP_GATE) {
    c = content_encoding != NULL ? coding_of(content_encoding, encoding_len)
        : CONSENT__CODING_IDENTITY;
    if (c < 0) {
      act = CONSENT_HTTP_REFUSE;
      why = "a Content-Encoding the gate cannot read (it reads one of "
            "gzip, deflate, br, zstd)";
    } else if (charset == CONSENT__CHARSET_ISO2022JP) {
      act = CONSENT_HTTP_REFUSE;
      why = "charset ISO-2022-JP: the gate cannot read it";
    } else if (status == 206) {
      act = CONSENT_HTTP_REFUSE;
      why = "206 Partial Content: a part of a page cannot be gated";
    } else if (coding != NULL)
      *coding = (consent_encoding)c;
  }
  if (reason != NULL)
    *reason = why;
  return act;
}

consent_status
consent_http_accept_encoding(const char *value, size_t len, char **out)
{
  struct consent__buf b = { NULL, 0, 0 };
  size_t i = 0;
  int st = 0;

  if (out == NULL)
    return CONSENT_E_INVAL;
  *out = NULL;
  if (value == NULL && len > 0)
    return CONSENT_E_INVAL;
  while (i < len) {
    size_t a, e, t;
    while (i < len && (http_ws((unsigned char)value[i]) || value[i] == ','))
      i++;
    a = i;
    while (i < len && value[i] != ',')
      i++;
    e = i;
    while (e > a && http_ws((unsigned char)value[e - 1]))
      e--;
    for (t = a; t < e && value[t] != ';' && !http_ws((unsigned char)value[t]);
         t++)
      ;
    /* Only what the gate reads; "*" would let the backend pick another. */
    if (e == a || !(is(value + a, t - a, "gzip") ||
                    is(value + a, t - a, "x-gzip") ||
                    is(value + a, t - a, "deflate") ||
                    is(value + a, t - a, "br") ||
                    is(value + a, t - a, "zstd") ||
                    is(value + a, t - a, "identity")))
      continue;
    if (b.len > 0)
      st |= consent__buf_append(&b, ", ", 2);
    st |= consent__buf_append(&b, value + a, e - a);
  }
  st |= consent__buf_append(&b, "", 1);
  if (st != 0) {
    consent__buf_free(&b);
    return CONSENT_E_NOMEM;
  }
  if (b.len == 1) {
    consent__buf_free(&b);
    return CONSENT_OK;
  }
  *out = b.data;
  return CONSENT_OK;
}

int
consent_http_drop_request_header(const char *path, size_t path_len,
                                 const char *name, size_t name_len)
{
  static const char *const pages[] = {
    ".html", ".htm", ".xhtml", ".shtml", ".php", NULL
  };
  const char *last, *q;
  size_t i, n;

  if (name == NULL || !(is(name, name_len, "Range") ||
                        is(name, name_len, "If-Range") ||
                        is(name, name_len, "If-Match") ||
                        is(name, name_len, "If-None-Match") ||
                        is(name, name_len, "If-Modified-Since") ||
                        is(name, name_len, "If-Unmodified-Since")))
    return 0;
  if (path == NULL || path_len == 0)
    return 1;
  if ((q = memchr(path, '?', path_len)) != NULL)
    path_len = (size_t)(q - path);
  /* A path that may be answered with a page: a folder, no extension, or
   * the extension of one. */
  for (last = path + path_len; last > path && last[-1] != '/'; last--)
    ;
  n = (size_t)(path + path_len - last);
  if (n == 0 || memchr(last, '.', n) == NULL)
    return 1;
  for (i = 0; pages[i] != NULL; i++) {
    size_t k = strlen(pages[i]);
    if (n >= k && consent__strncasecmp(last + n - k, pages[i], k) == 0)
      return 1;
  }
  return 0;
}
