/*
 * url.c: which host a URL makes a browser contact.
 *
 * This follows the WHATWG URL standard where it decides the host of a
 * URL given in a page: leading and trailing C0 controls and spaces are
 * stripped and tabs and newlines removed anywhere (4.4 "basic URL
 * parser"), any number of '/' or '\' may follow a special scheme
 * ("special authority ignore slashes state"), userinfo and port are
 * dropped, the host is percent-decoded and then mapped as UTS #46 does
 * for the characters that matter to a lookalike (full-width ASCII, the
 * ideographic and full-width full stops), lowercased, and each label with
 * other non-ASCII characters is written in punycode (RFC 3492).
 *
 * It leans to seeing a host where a browser might: a page cannot slip an
 * embed past the gate by spelling its URL oddly.
 */
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "url.h"
#include "util.h"

#define SCRATCH 2048

static int
is_alpha(unsigned c)
{
  return (unsigned)((c | 0x20) - 'a') < 26u;
}

/* Decodes one UTF-8 sequence; returns its length, or 0 if invalid. */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
  unsigned need, i;
  uint32_t c;

  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if (s[0] >= 0xF0 && s[0] < 0xF5) {
    need = 4;
    c = s[0] & 0x07;
  } else if (s[0] >= 0xE0) {
    need = s[0] < 0xF0 ? 3 : 0;
    c = s[0] & 0x0F;
  } else if (s[0] >= 0xC2) {
    need = 2;
    c = s[0] & 0x1F;
  } else {
    return 0;
  }
  if (need == 0 || n < need)
    return 0;
  for (i = 1; i < need; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    c = (c << 6) | (s[i] & 0x3F);
  }
  if ((need == 3 && c < 0x800) || (need == 4 && (c < 0x10000 ||
                                                 c > 0x10FFFF)))
    return 0;
  *cp = c;
  return need;
}

/* RFC 3492 punycode of the code points cp[0..n), after "xn--". */
static int
punycode(const uint32_t *cp, size_t n, char *out, size_t cap,
         size_t *out_len)
{
  static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  uint32_t next = 0x80, delta = 0, bias = 72, m, q, k, t;
  size_t h, b = 0, o = 0, j;

#define PUT(ch)                \
  do {                         \
    if (o >= cap)              \
      return -1;               \
    out[o++] = (char)(ch);     \
  } while (0)
  for (j = 0; j < n; j++)
    if (cp[j] < 0x80) {
      PUT(cp[j]);
      b++;
    }
  h = b;
  if (b > 0)
    PUT('-');
  while (h < n) {
    m = UINT32_MAX;
    for (j = 0; j < n; j++)
      if (cp[j] >= next && cp[j] < m)
        m = cp[j];
    if ((uint64_t)(m - next) * (h + 1) + delta > UINT32_MAX)
      return -1;
    delta += (m - next) * (uint32_t)(h + 1);
    next = m;
    for (j = 0; j < n; j++) {
      if (cp[j] < next && ++delta == 0)
        return -1;
      if (cp[j] != next)
        continue;
      for (q = delta, k = 36;; k += 36) {
        t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
        if (q < t)
          break;
        PUT(digits[t + (q - t) % (36 - t)]);
        q = (q - t) / (36 - t);
      }
      PUT(digits[q]);
      /* Bias adaptation (RFC 3492, 6.1). */
      delta = h == b ? delta / 700 : delta / 2;
      delta += delta / (uint32_t)(h + 1);
      for (k = 0; delta > 455; k += 36)
        delta /= 35;
      bias = k + (36 * delta) / (delta + 38);
      delta = 0;
      h++;
    }
    delta++;
    next++;
  }
#undef PUT
  *out_len = o;
  return 0;
}

/* Maps a code point as UTS #46 does for what matters here; returns the
 * ASCII character, or 0 to keep the code point. */
static unsigned
map_code_point(uint32_t c)
{
  if (c >= 0xFF01 && c <= 0xFF5E) /* full-width ASCII */
    c -= 0xFEE0;
  else if (c == 0x3002 || c == 0xFF0E || c == 0xFF61) /* full stops */
    c = '.';
  if (c < 0x80)
    return c >= 'A' && c <= 'Z' ? c + 0x20 : c;
  return 0;
}

/* Writes one label (in[0..n), percent-decoded already) to out. */
static int
label(const unsigned char *in, size_t n, char *out, size_t cap,
      size_t *out_len)
{
  uint32_t cp[64];
  size_t i = 0, k = 0, len, o;
  int ascii = 1;

  if (n == 0 || n > 255)
    return -1;
  while (i < n) {
    uint32_t c;
    len = utf8_decode(in + i, n - i, &c);
    if (len == 0)
      return -1;
    if (k == sizeof(cp) / sizeof(cp[0]))
      return -1;
    if (c >= 0x80)
      ascii = 0;
    cp[k++] = c;
    i += len;
  }
  if (ascii) {
    if (k > cap)
      return -1;
    for (i = 0; i < k; i++)
      out[i] = (char)cp[i];
    *out_len = k;
    return 0;
  }
  if (cap < 4)
    return -1;
  memcpy(out, "xn--", 4);
  if (punycode(cp, k, out + 4, cap - 4, &o) != 0)
    return -1;
  *out_len = 4 + o;
  return 0;
}

/* The common case: a plain ASCII host name.  Returns 1 when it applies
 * (and the result is in out), 0 to take the general path. */
int
consent__host_plain(const char *in, size_t len, char *out, size_t *out_len)
{
  size_t i, n = len;

  if (n > 0 && in[n - 1] == '.')
    n--;
  if (n == 0 || n > CONSENT__HOST_MAX || in[0] == '.')
    return 0;
  for (i = 0; i < n; i++) {
    char c = in[i];
    if (c >= 'a' && c <= 'z')
      out[i] = c;
    else if (c >= 'A' && c <= 'Z')
      out[i] = (char)(c + 32);
    else if ((c >= '0' && c <= '9') || c == '-')
      out[i] = c;
    else if (c == '.' && in[i - 1] != '.')
      out[i] = c;
    else
      return 0; /* escapes, non-ASCII, odd characters: the long way */
  }
  out[n] = '\0';
  *out_len = n;
  return 1;
}

int
consent__host_normalize(const char *in, size_t len, char *out,
                        size_t *out_len)
{
  unsigned char buf[SCRATCH];
  size_t i = 0, n = 0, o = 0, start, l;

  if (consent__host_plain(in, len, out, out_len))
    return 0;

  /* Percent-decode, then map characters; dots split labels. */
  while (i < len) {
    unsigned c = (unsigned char)in[i];

    if (c == '%') {
      int hi = i + 2 < len ? consent__hexval((unsigned char)in[i + 1])
                           : -1;
      int lo = i + 2 < len ? consent__hexval((unsigned char)in[i + 2])
                           : -1;
      if (hi < 0 || lo < 0)
        return -1;
      c = (unsigned)(hi * 16 + lo);
      i += 3;
      if (n == sizeof(buf))
        return -1;
      buf[n++] = (unsigned char)c;
      continue;
    }
    if (n == sizeof(buf))
      return -1;
    buf[n++] = (unsigned char)c;
    i++;
  }
  /* Second pass: map decoded characters (escapes may spell UTF-8). */
  {
    unsigned char mapped[SCRATCH];
    size_t mn = 0;
    for (i = 0; i < n;) {
      uint32_t c;
      size_t k = utf8_decode(buf + i, n - i, &c);
      unsigned a;
      if (k == 0)
        return -1;
      a = map_code_point(c);
      if (a != 0 || c == 0) {
        if (c == 0 || a <= 0x20 || a == '/' || a == '\\' || a == '?' ||
            a == '#' || a == '@' || a == ':' || a == '%' || a == '<' ||
            a == '>' || a == '[' || a == ']' || a == '^' || a == '|')
          return -1; /* forbidden host code points */
        mapped[mn++] = (unsigned char)a;
      } else {
        if (mn + k > sizeof(mapped))
          return -1;
        memcpy(mapped + mn, buf + i, k);
        mn += k;
      }
      i += k;
    }
    memcpy(buf, mapped, mn);
    n = mn;
  }
  if (n > 0 && buf[n - 1] == '.')
    n--; /* "youtube.com." is youtube.com */
  if (n == 0)
    return -1;
  for (start = 0; start <= n;) {
    size_t end = start;
    while (end < n && buf[end] != '.')
      end++;
    if (o > 0) {
      if (o >= CONSENT__HOST_MAX)
        return -1;
      out[o++] = '.';
    }
    if (label(buf + start, end - start, out + o, CONSENT__HOST_MAX - o,
              &l) != 0)
      return -1;
    o += l;
    start = end + 1;
    if (end == n)
      break;
  }
  out[o] = '\0';
  *out_len = o;
  return 0;
}

static int
is_special(const char *s, size_t n)
{
  static const char *const special[] = {
    "http", "https", "ws", "wss", "ftp", NULL
  };
  size_t i, k;

  for (i = 0; special[i] != NULL; i++) {
    if (strlen(special[i]) != n)
      continue;
    for (k = 0; k < n; k++)
      if ((s[k] | 0x20) != special[i][k])
        break;
    if (k == n)
      return 1;
  }
  return 0;
}

/* Whether a tab, LF or CR is among the n bytes at s (URLs are short:
 * one pass, 16 bytes at a time with SSE2). */
static int
has_tab_or_newline(const char *s, size_t n)
{
  size_t i = 0;
#ifdef __SSE2__
  const __m128i t = _mm_set1_epi8('\t'), l = _mm_set1_epi8('\n'),
                r = _mm_set1_epi8('\r');

  for (; i + 16 <= n; i += 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
    if (_mm_movemask_epi8(_mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(x, t), _mm_cmpeq_epi8(x, l)),
            _mm_cmpeq_epi8(x, r))) != 0)
      return 1;
  }
#endif
  for (; i < n; i++)
    if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
      return 1;
  return 0;
}

static void
set_path(struct consent__url *u, const char *p, size_t n, size_t max)
{
  size_t i, o = 0;

  for (i = 0; i < n && o < max; i++) {
    unsigned c = (unsigned char)p[i];
    if (c == '?' || c == '#')
      break;
    if (c == '%' && i + 2 < n &&
        consent__hexval((unsigned char)p[i + 1]) >= 0 &&
        consent__hexval((unsigned char)p[i + 2]) >= 0) {
      c = (unsigned)(consent__hexval((unsigned char)p[i + 1]) * 16 +
                     consent__hexval((unsigned char)p[i + 2]));
      i += 2;
    }
    u->path[o++] = c == '\\' ? '/' : (char)c;
  }
  if (o == 0)
    u->path[o++] = '/';
  u->path[o] = '\0';
  u->path_len = o;
}

enum consent__url_kind
consent__url_parse(const char *url, size_t len, struct consent__url *u)
{
  return consent__url_parse_n(url, len, u, CONSENT__PATH_MAX);
}

enum consent__url_kind
consent__url_parse_n(const char *url, size_t len, struct consent__url *u,
                     size_t path_max)
{
  char scratch[SCRATCH];
  const char *s;
  size_t n = 0, i, start, end, at, colon;

  u->host_len = 0;
  u->host[0] = '\0';
  u->path_len = 0;
  u->path[0] = '\0';
  /* Strip leading/trailing C0 controls and spaces, tabs and newlines
   * anywhere; keep the first SCRATCH bytes (the host is in them, and a
   * path prefix is all that is compared). */
  while (len > 0 && (unsigned char)url[0] <= 0x20) {
    url++;
    len--;
  }
  while (len > 0 && (unsigned char)url[len - 1] <= 0x20)
    len--;
  if (!has_tab_or_newline(url, len)) {
    s = url; /* nothing to remove: read it in place */
    n = len < SCRATCH ? len : SCRATCH;
  } else {
    for (i = 0; i < len && n < sizeof(scratch); i++)
      if (url[i] != '\t' && url[i] != '\n' && url[i] != '\r')
        scratch[n++] = url[i];
    s = scratch;
  }

  /* Scheme. */
  i = 0;
  if (n > 0 && is_alpha((unsigned char)s[0])) {
    while (i < n && (is_alpha((unsigned char)s[i]) ||
                     (s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
                     s[i] == '-' || s[i] == '.'))
      i++;
    if (i < n && s[i] == ':') {
      if (!is_special(s, i))
        return CONSENT__URL_NONE; /* data:, javascript:, mailto: ... */
      i++;
      goto authority;
    }
  }
  /* No scheme: "//host" (or with backslashes) names a host; anything
   * else is relative to the page. */
  if (n >= 2 && (s[0] == '/' || s[0] == '\\') &&
      (s[1] == '/' || s[1] == '\\')) {
    i = 0;
    goto authority;
  }
  return CONSENT__URL_NONE;

authority:
  while (i < n && (s[i] == '/' || s[i] == '\\'))
    i++;
  start = i;
  while (i < n && s[i] != '/' && s[i] != '\\' && s[i] != '?' && s[i] != '#')
    i++;
  end = i;
  /* userinfo@ */
  for (at = end; at > start; at--)
    if (s[at - 1] == '@')
      break;
  if (at > start)
    start = at;
  if (start < end && s[start] == '[')
    return CONSENT__URL_BAD_HOST; /* IPv6 literal: no provider has one */
  for (colon = start; colon < end && s[colon] != ':'; colon++)
    ;
  if (colon == start)
    return CONSENT__URL_BAD_HOST;
  if (consent__host_normalize(s + start, colon - start, u->host,
                              &u->host_len) != 0)
    return CONSENT__URL_BAD_HOST;
  set_path(u, s + end, n - end,
           path_max < CONSENT__PATH_MAX ? path_max : CONSENT__PATH_MAX);
  return CONSENT__URL_HOST;
}
