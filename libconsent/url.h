/*
 * url.h: which host (and path) a URL in an attribute makes a browser
 * contact, read the way a browser reads it (WHATWG URL), for matching
 * against the provider registry.
 */
#ifndef HEADER_CONSENT_URL_H
#define HEADER_CONSENT_URL_H

#include <stddef.h>

#define CONSENT__HOST_MAX 253
#define CONSENT__PATH_MAX 255

struct consent__url {
  /* Lowercase, dots between labels, IDN labels in punycode (xn--),
   * percent-escapes decoded, no trailing dot. */
  char host[CONSENT__HOST_MAX + 1];
  size_t host_len;
  /* The start of the path ("/..." with '\' read as '/' and escapes
   * decoded), cut at CONSENT__PATH_MAX bytes; "/" when there is none. */
  char path[CONSENT__PATH_MAX + 1];
  size_t path_len;
};

enum consent__url_kind {
  CONSENT__URL_NONE,     /* relative, or a scheme that fetches nothing
                            from a host (data:, javascript:, mailto: ...) */
  CONSENT__URL_HOST,     /* a host was found: u->host */
  CONSENT__URL_BAD_HOST  /* a network URL whose host cannot be read
                            (too long, IPv6 literal, bad escapes) */
};

/* Reads url (len bytes, an attribute value after entity decoding).
 * Leading and trailing spaces and controls are ignored and tabs and
 * newlines anywhere, as browsers do; "//host" and "\\host" count, and so
 * does "https:host" (a browser reads it as a host on pages of another
 * scheme). */
enum consent__url_kind consent__url_parse(const char *url, size_t len,
                                          struct consent__url *u);

/* The same, reading at most path_max bytes of the path (the longest
 * path prefix the caller compares, and one more). */
enum consent__url_kind consent__url_parse_n(const char *url, size_t len,
                                            struct consent__url *u,
                                            size_t path_max);

/* Normalizes a host name as consent__url_parse does (for host patterns
 * of the registry).  Returns 0, or -1 when it is not a valid host name. */
/* host_normalize's fast case alone: a plain ASCII host name (letters,
 * digits, '-', single dots, a trailing dot) lowercased into out (at
 * least CONSENT__HOST_MAX + 1 bytes); 0 when it is not one. */
int consent__host_plain(const char *in, size_t len, char *out,
                        size_t *out_len);
int consent__host_normalize(const char *in, size_t len, char *out,
                            size_t *out_len);

#endif /* HEADER_CONSENT_URL_H */
