/*
 * endpoint.c: a site's consent settings, one request's consent, and the
 * consent endpoint (docs/endpoint.md).
 *
 * The endpoint turns a click on a placeholder into a signed cookie: a
 * same-origin POST with provider ids and a return path answers 303 to that
 * path with the new cookie; "revoke" deletes it.  Refusals are plain 4xx
 * answers with a reason for the host's log.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <strings.h>

#include "consent.h"
#include "banners.h"
#include "endpoint.h"
#include "notice.h"
#include "placeholder.h"
#include "util.h"
#include "cookie.h"
#include "registry.h"
#include "state.h"
#include "rewriter.h"

void
consent__site_init(struct consent_site *s,
                   const struct consent_registry *reg,
                   const struct consent_keyring *ring)
{
  memset(s, 0, sizeof(*s));
  s->reg = reg;
  s->ring = ring;
  s->flags = CONSENT_COOKIE_DEFAULTS;
  s->max_age = CONSENT__DEFAULT_MAX_AGE;
  s->sources = CONSENT_SOURCES_DEFAULT;
  s->gpc_categories = 1u << CONSENT_CATEGORY_MARKETING;
}

void
consent__site_free(struct consent_site *s)
{
  free(s->cookie_name);
  free(s->domain);
  free(s->path);
  memset(s, 0, sizeof(*s));
}

int
consent__site_set_cookie(struct consent_site *s, const char *name,
                         const char *domain, const char *path,
                         unsigned flags)
{
  struct consent__buf probe = { NULL, 0, 0 };
  char *n, *d = NULL, *p = NULL;
  int st;

  /* The builder checks the name and attributes. */
  st = consent__set_cookie(&probe, name, NULL, 0, 0, domain, path, flags);
  consent__buf_free(&probe);
  if (st != CONSENT_OK)
    return st;
  n = consent__strndup(name, strlen(name));
  if (domain != NULL)
    d = consent__strndup(domain, strlen(domain));
  if (path != NULL)
    p = consent__strndup(path, strlen(path));
  if (n == NULL || (domain != NULL && d == NULL) ||
      (path != NULL && p == NULL)) {
    free(n);
    free(d);
    free(p);
    return CONSENT_E_NOMEM;
  }
  free(s->cookie_name);
  free(s->domain);
  free(s->path);
  s->cookie_name = n;
  s->domain = d;
  s->path = p;
  s->flags = flags;
  return CONSENT_OK;
}

static const char *
cookie_name(const struct consent_site *s)
{
  return s->cookie_name != NULL ? s->cookie_name : "consent";
}

void
consent__request_init(struct consent_request *r,
                      const struct consent_site *site, int https)
{
  memset(r, 0, sizeof(*r));
  r->site = site;
  r->https = https != 0;
  r->cookie_status = CONSENT_E_NOCOOKIE;
}

static void
clear_answer(struct consent_request *r)
{
  size_t i;

  for (i = 0; i < r->nhdr; i++)
    free(r->hdr[i].value);
  r->nhdr = 0;
  r->status = 0;
  r->reason[0] = '\0';
  consent__buf_free(&r->body);
  consent__buf_free(&r->receipt);
}

void
consent__request_free(struct consent_request *r)
{
  clear_answer(r);
  consent__buf_free(&r->cookie);
  consent__buf_free(&r->host);
  consent__buf_free(&r->origin);
  consent__buf_free(&r->fetch_site);
  consent__buf_free(&r->ctype);
  consent__buf_free(&r->lang);
  consent__buf_free(&r->fwd_proto);
  consent__buf_free(&r->fwd_host);
  consent__buf_free(&r->forwarded);
  if (r->state_ready)
    consent__state_free(&r->state);
  if (r->combined_ready)
    consent__state_free(&r->combined);
  memset(r, 0, sizeof(*r));
}

/* Sets b to the value, trimmed of blanks; a second one (which only Cookie
 * may have) is joined with "; ". */
static int
keep(struct consent__buf *b, const char *v, size_t n, int join)
{
  while (n > 0 && (*v == ' ' || *v == '\t'))
    v++, n--;
  while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
    n--;
  if (!join)
    b->len = 0;
  else if (b->len > 0 && consent__buf_append(b, "; ", 2) != 0)
    return CONSENT_E_NOMEM;
  if (b->len + n > CONSENT__HEADER_MAX)
    return CONSENT_E_LIMIT;
  /* Kept NUL-terminated (the terminator is not counted). */
  if (consent__buf_append(b, v, n) != 0 || consent__buf_append(b, "", 1) != 0)
    return CONSENT_E_NOMEM;
  b->len--;
  return CONSENT_OK;
}

int
consent__request_header(struct consent_request *r, const char *name,
                        const char *value, size_t len)
{
  if (strcasecmp(name, "Cookie") == 0)
    return keep(&r->cookie, value, len, 1);
  if (strcasecmp(name, "Host") == 0)
    return keep(&r->host, value, len, 0);
  if (strcasecmp(name, "Origin") == 0)
    return keep(&r->origin, value, len, 0);
  if (strcasecmp(name, "Sec-Fetch-Site") == 0)
    return keep(&r->fetch_site, value, len, 0);
  if (strcasecmp(name, "Content-Type") == 0)
    return keep(&r->ctype, value, len, 0);
  if (strcasecmp(name, "Accept-Language") == 0)
    return keep(&r->lang, value, len, 0);
  if (strcasecmp(name, "X-Forwarded-Proto") == 0)
    return keep(&r->fwd_proto, value, len, 0);
  if (strcasecmp(name, "X-Forwarded-Host") == 0)
    return keep(&r->fwd_host, value, len, 0);
  if (strcasecmp(name, "Forwarded") == 0)
    return keep(&r->forwarded, value, len, 1);
  if (strcasecmp(name, "Sec-GPC") == 0) {
    while (len > 0 && (*value == ' ' || *value == '\t'))
      value++, len--;
    r->gpc = len >= 1 && value[0] == '1' &&
             (len == 1 || value[1] == ' ' || value[1] == '\t');
  }
  return CONSENT_OK;
}

/* Combines the cookie's state with the banners' signals and GPC into
 * r->combined: a provider refused anywhere is refused, else one allowed
 * anywhere is allowed. */
static int
combine(struct consent_request *r, int64_t now)
{
  const struct consent_site *site = r->site;
  const struct consent_registry *reg = site->reg;
  unsigned banners = site->sources & ~(unsigned)(CONSENT_SOURCE_COOKIE |
                                                 CONSENT_SOURCE_GPC);
  int gpc = (site->sources & CONSENT_SOURCE_GPC) && r->gpc;
  signed char *dec = NULL;
  uint8_t *allow = NULL, *deny = NULL;
  unsigned bit;
  size_t i;
  int st = 0, answered = 0;

  if (banners == 0 && !gpc)
    return 0;
  dec = malloc(reg->count + 1);
  allow = calloc(reg->count + 1, 1);
  deny = calloc(reg->count + 1, 1);
  if (dec == NULL || allow == NULL || deny == NULL) {
    st = -1;
    goto out;
  }
  for (bit = 1; bit < CONSENT_SOURCE_GPC; bit <<= 1) {
    const char *v;
    size_t vlen;
    char msg[160];
    int rc;
    if (!(banners & bit) ||
        !consent__cookie_find(r->cookie.data ? r->cookie.data : "",
                              r->cookie.len, consent__source_cookie(bit), 0,
                              &v, &vlen))
      continue;
    memset(dec, -1, reg->count + 1);
    rc = consent__banner_read(reg, bit, v, vlen, dec, msg, sizeof(msg));
    if (rc == CONSENT_E_NOMEM) {
      st = -1;
      goto out;
    }
    if (rc != 0) {
      /* A banner cookie that cannot be read says nothing. */
      snprintf(r->banner_msg, sizeof(r->banner_msg), "%s", msg);
      continue;
    }
    for (i = 0; i < reg->count; i++) {
      deny[i] |= dec[i] == 0;
      allow[i] |= dec[i] == 1;
    }
    answered = 1;
  }
  if (gpc) {
    memset(dec, -1, reg->count + 1);
    consent__gpc_apply(reg, site->gpc_categories, dec);
    for (i = 0; i < reg->count; i++)
      deny[i] |= dec[i] == 0;
  }
  consent__state_init(&r->combined, reg);
  r->combined_ready = 1;
  r->combined.policy = r->state.policy;
  r->combined.max_age = r->state.max_age;
  r->combined.gpc = gpc;
  r->combined.gpc_categories = site->gpc_categories;
  r->combined.answered = answered;
  for (i = 0; i < reg->count && st == 0; i++) {
    if (!reg->prov[i].enabled)
      continue;
    if (deny[i] || consent__state_refuses(&r->state, i, now))
      st = consent__state_set(&r->combined, i, 0, now);
    else if (allow[i] || consent__state_allows(&r->state, i, now))
      st = consent__state_set(&r->combined, i, 1, now);
  }
  if (st != 0)
    st = -1;
  else
    r->effective = &r->combined;
out:
  free(dec);
  free(allow);
  free(deny);
  return st;
}

/* Forgets the visitor's state, so that the next call builds it anew (a
 * half-built one, after running out of memory, would lack the banners'
 * and GPC's refusals). */
static void
state_reset(struct consent_request *r)
{
  if (r->state_ready)
    consent__state_free(&r->state);
  if (r->combined_ready)
    consent__state_free(&r->combined);
  r->state_ready = r->combined_ready = 0;
  r->state_done = 0;
  r->cookie_status = CONSENT_E_NOCOOKIE;
  r->effective = NULL;
}

/* Takes back, in s, every allowance other does not give too. */
static int
intersect(struct consent_state *s, const struct consent_state *other,
          int64_t now)
{
  size_t i;

  for (i = 0; i < s->reg->count; i++)
    if (consent__state_allows(s, i, now) &&
        !consent__state_allows(other, i, now) &&
        consent__state_set(s, i, 0, now) != 0)
      return CONSENT_E_NOMEM;
  return CONSENT_OK;
}

int
consent__request_state(struct consent_request *r, int64_t now)
{
  const struct consent_site *site = r->site;
  const char *v;
  size_t vlen, i;
  int st;

  if (r->state_done)
    return 0;
  state_reset(r);
  consent__state_init(&r->state, site->reg);
  r->state_ready = 1;
  r->effective = &r->state;
  /* Several cookies of this name (one planted from a sibling domain, or
   * left under another path): a provider is allowed only when every one
   * that verifies allows it, so a refusal is never overridden. */
  for (i = 0; (site->sources & CONSENT_SOURCE_COOKIE) && i < 16 &&
       consent__cookie_find(r->cookie.data ? r->cookie.data : "",
                            r->cookie.len, cookie_name(site), i, &v,
                            &vlen); i++) {
    struct consent_state other;
    int first = r->cookie_status != CONSENT_OK;
    struct consent_state *into = first ? &r->state : &other;
    if (!first)
      consent__state_init(&other, site->reg);
    st = consent__cookie_verify(into, site->ring, v, vlen, site->policy,
                                now);
    if (st == CONSENT_OK && first)
      r->cookie_status = CONSENT_OK;
    else if (st == CONSENT_OK)
      st = intersect(&r->state, &other, now);
    else if (first) {
      consent__state_clear(&r->state);
      if (r->cookie_status == CONSENT_E_NOCOOKIE && st != CONSENT_E_NOMEM)
        r->cookie_status = st;
    }
    if (!first)
      consent__state_free(&other);
    if (st == CONSENT_E_NOMEM) {
      state_reset(r);
      return -1;
    }
  }
  /* New decisions are given under the site's terms. */
  r->state.policy = site->policy;
  r->state.max_age = site->max_age;
  if (combine(r, now) != 0) {
    state_reset(r);
    return -1;
  }
  r->state_done = 1;
  return 0;
}

/* ------------------------------------------------------------------ */
/* The answer                                                          */

static int
add_header(struct consent_request *r, const char *name, const char *value,
           size_t n)
{
  char *v;

  if (r->nhdr == sizeof(r->hdr) / sizeof(r->hdr[0]))
    return CONSENT_E_NOMEM;
  v = consent__strndup(value, n);
  if (v == NULL)
    return CONSENT_E_NOMEM;
  r->hdr[r->nhdr].name = name;
  r->hdr[r->nhdr++].value = v;
  return CONSENT_OK;
}

static int
put(struct consent__buf *b, const char *s)
{
  return consent__buf_append(b, s, strlen(s));
}

static int
page(struct consent_request *r, const char *title, const char *text,
     const char *href)
{
  int st = 0;

  st |= put(&r->body, "<!doctype html>\n<html><head>"
            "<meta charset=\"utf-8\"><title>");
  st |= put(&r->body, title);
  st |= put(&r->body, "</title></head><body><p>");
  st |= consent__escape(&r->body, text, strlen(text));
  if (href != NULL) {
    st |= put(&r->body, " <a href=\"");
    st |= consent__escape(&r->body, href, strlen(href));
    st |= put(&r->body, "\">Continue</a>");
  }
  st |= put(&r->body, "</p></body></html>\n");
  st |= consent__buf_append(&r->body, "", 1);
  if (st != 0)
    return CONSENT_E_NOMEM;
  r->body.len--;
  st = add_header(r, "Content-Type", "text/html; charset=utf-8", 24);
  return st != CONSENT_OK ? st
         : add_header(r, "Cache-Control", "no-store", 8);
}

/* A refusal: status, a title and the reason for the log. */
static int
refuse(struct consent_request *r, int status, const char *title,
       const char *reason)
{
  int st;

  clear_answer(r);
  r->status = status;
  snprintf(r->reason, sizeof(r->reason), "%s", reason);
  st = page(r, title, reason, NULL);
  if (st == CONSENT_OK && status == 405)
    st = add_header(r, "Allow", "GET, POST", 9);
  return st;
}

/* ------------------------------------------------------------------ */
/* Checks                                                              */

/* Parses an address, IPv4 as IPv4-mapped IPv6.  0 or -1. */
static int
parse_addr(const char *a, size_t n, unsigned char out[16])
{
  char buf[64];
  unsigned char v4[4];

  if (n == 0 || n >= sizeof(buf))
    return -1;
  memcpy(buf, a, n);
  buf[n] = '\0';
  if (inet_pton(AF_INET, buf, v4) == 1) {
    memset(out, 0, 10);
    out[10] = out[11] = 0xFF;
    memcpy(out + 12, v4, 4);
    return 0;
  }
  return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

int
consent__site_trust_proxies(struct consent_site *s, const char *list,
                            char *bad, size_t badlen)
{
  const char *p = list;
  size_t n;

  s->nproxies = 0;
  while ((n = consent__next_word(&p)) > 0) {
    const char *w = p, *slash = memchr(w, '/', n);
    size_t alen = slash ? (size_t)(slash - w) : n;
    struct consent__net net;
    unsigned long bits;
    char *end;
    int v4;

    p += n;
    if (s->nproxies == sizeof(s->proxies) / sizeof(s->proxies[0]))
      return CONSENT_E_LIMIT;
    if (parse_addr(w, alen, net.addr) != 0)
      goto invalid;
    v4 = memchr(w, ':', alen) == NULL;
    bits = v4 ? 32 : 128;
    if (slash != NULL) {
      if (slash + 1 == w + n || !(slash[1] >= '0' && slash[1] <= '9'))
        goto invalid;
      bits = strtoul(slash + 1, &end, 10);
      if (end != w + n || bits > (v4 ? 32ul : 128ul))
        goto invalid;
    }
    net.bits = (unsigned)bits + (v4 ? 96 : 0);
    s->proxies[s->nproxies++] = net;
    continue;
  invalid:
    snprintf(bad, badlen, "%.*s", (int)n, w);
    s->nproxies = 0;
    return CONSENT_E_INVAL;
  }
  return CONSENT_OK;
}

int
consent__request_set_peer(struct consent_request *r, const char *addr)
{
  unsigned char a[16];
  size_t i;

  r->peer_trusted = 0;
  if (addr == NULL || parse_addr(addr, strlen(addr), a) != 0)
    return CONSENT_E_INVAL;
  for (i = 0; i < r->site->nproxies; i++) {
    const struct consent__net *net = &r->site->proxies[i];
    unsigned full = net->bits / 8, rest = net->bits % 8;
    if (memcmp(a, net->addr, full) == 0 &&
        (rest == 0 ||
         ((a[full] ^ net->addr[full]) & (0xFF << (8 - rest)) & 0xFF) == 0)) {
      r->peer_trusted = 1;
      break;
    }
  }
  return CONSENT_OK;
}

/* The value of name= in the first element of a Forwarded header
 * (RFC 7239), quotes removed; 0 when there is none. */
static size_t
forwarded_param(const struct consent__buf *f, const char *name,
                const char **v)
{
  const char *p = f->data, *end;
  size_t n = strlen(name);

  if (p == NULL)
    return 0;
  end = p + strcspn(p, ",");             /* the first element */
  while (p < end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
      p++;
    if ((size_t)(end - p) > n && consent__strncasecmp(p, name, n) == 0 &&
        p[n] == '=') {
      const char *a = p + n + 1, *b;
      if (a < end && *a == '"') {
        b = memchr(a + 1, '"', (size_t)(end - a - 1));
        if (b == NULL)
          return 0;
        *v = a + 1;
        return (size_t)(b - a - 1);
      }
      for (b = a; b < end && *b != ';'; b++)
        ;
      while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
        b--;
      *v = a;
      return (size_t)(b - a);
    }
    while (p < end && *p != ';')
      p++;
  }
  return 0;
}

/* The first value of a list header (X-Forwarded-*): the client's side. */
static size_t
first_value(const struct consent__buf *b, const char **v)
{
  const char *p = b->data;
  size_t n;

  if (p == NULL)
    return 0;
  while (*p == ' ' || *p == '\t')
    p++;
  n = strcspn(p, ",");
  while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
    n--;
  *v = p;
  return n;
}

/* The origin this request was made to, from its Host header, without a
 * default port: "https://example.org".  Behind a trusted proxy
 * (consent_site_trust_proxies), its Forwarded or X-Forwarded-Proto and
 * X-Forwarded-Host say what the browser asked for. */
static int
own_origin(const struct consent_request *r, char *out, size_t cap)
{
  const char *h = r->host.data, *v;
  size_t n = r->host.len, i, vn;
  int https = r->https;
  const char *dflt;
  size_t dn;

  if (r->peer_trusted) {
    if ((vn = forwarded_param(&r->forwarded, "proto", &v)) > 0 ||
        (vn = first_value(&r->fwd_proto, &v)) > 0) {
      if (vn == 5 && consent__strncasecmp(v, "https", 5) == 0)
        https = 1;
      else if (vn == 4 && consent__strncasecmp(v, "http", 4) == 0)
        https = 0;
      else
        return -1;
    }
    if ((vn = forwarded_param(&r->forwarded, "host", &v)) > 0 ||
        (vn = first_value(&r->fwd_host, &v)) > 0) {
      h = v;
      n = vn;
    }
  }
  dflt = https ? ":443" : ":80";
  dn = strlen(dflt);

  if (h == NULL || n == 0)
    return -1;
  for (i = 0; i < n; i++)
    if ((unsigned char)h[i] <= 0x20 || h[i] == '/' || h[i] == '\\' ||
        h[i] == '@' || (unsigned char)h[i] >= 0x7F)
      return -1;
  if (n > dn && memcmp(h + n - dn, dflt, dn) == 0)
    n -= dn;
  if (snprintf(out, cap, "%s://%.*s", https ? "https" : "http", (int)n,
               h) >= (int)cap)
    return -1;
  return 0;
}

/* NULL when the request may change consent, else why not. */
static const char *
cross_site(const struct consent_request *r, int navigation)
{
  char own[300], given[300];
  size_t n;

  if (r->fetch_site.data != NULL) {
    const char *f = r->fetch_site.data;
    if (strcasecmp(f, "same-origin") != 0 &&
        !(navigation && strcasecmp(f, "none") == 0))
      return "cross-site request refused (Sec-Fetch-Site is not "
             "same-origin)";
  }
  if (r->origin.data == NULL)
    return NULL;
  if (own_origin(r, own, sizeof(own)) != 0)
    return "request refused: Origin given but no valid Host to compare";
  n = r->origin.len;
  if (n >= sizeof(given))
    return "cross-site request refused (Origin does not match)";
  memcpy(given, r->origin.data, n);
  given[n] = '\0';
  {
    const char *dflt = r->https ? ":443" : ":80";
    size_t dn = strlen(dflt);
    if (n > dn && strcmp(given + n - dn, dflt) == 0)
      given[n - dn] = '\0';
  }
  if (strcasecmp(given, own) != 0)
    return "cross-site request refused (Origin does not match)";
  return NULL;
}

/* A relative path of this site: "/" then no "/" or "\" right after, no
 * backslash, blank or control character anywhere. */
int
consent__return_path_ok(const char *p, size_t n)
{
  size_t i;

  if (n == 0 || n > CONSENT__RETURN_MAX || p[0] != '/')
    return 0;
  if (n > 1 && (p[1] == '/' || p[1] == '\\'))
    return 0;
  for (i = 0; i < n; i++)
    if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7F || p[i] == '\\')
      return 0;
  return 1;
}

/* Decodes one application/x-www-form-urlencoded name or value into out
 * (NUL-terminated).  Returns its length, or -1 when it is malformed or
 * does not fit. */
static long
form_decode(const char *s, size_t n, char *out, size_t cap)
{
  size_t i, o = 0;

  for (i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      int hi, lo;
      if (i + 2 >= n)
        return -1;
      hi = consent__hexval((unsigned char)s[i + 1]);
      lo = consent__hexval((unsigned char)s[i + 2]);
      if (hi < 0 || lo < 0)
        return -1;
      c = hi * 16 + lo;
      i += 2;
    }
    if (c == 0 || o + 1 >= cap)
      return -1;
    out[o++] = (char)c;
  }
  out[o] = '\0';
  return (long)o;
}

struct form {
  size_t prov[400];                 /* registry indexes (a body of 4096
                                       bytes holds fewer) */
  size_t nprov;
  int always, revoke, has_return, state;
  int necessary;                    /* decision=necessary: refuse them */
  int settings;                     /* the settings page's form */
  int saved;                        /* the settings page after saving */
  const char *query;                /* the request's own query */
  size_t query_len;
  char ret[CONSENT__RETURN_MAX + 1];
  const char *bad;                  /* why the form is refused */
};

/* Reads the fields the endpoint knows; ignores the others. */
static void
form_read(const struct consent_registry *reg, const char *s, size_t n,
          struct form *f)
{
  size_t pos = 0;

  while (pos < n && f->bad == NULL) {
    const char *field = s + pos, *eq;
    size_t flen = 0, i;
    char name[32], value[CONSENT__RETURN_MAX + 1];
    long nl, vl;

    while (pos + flen < n && s[pos + flen] != '&')
      flen++;
    pos += flen + 1;
    if (flen == 0)
      continue;
    eq = memchr(field, '=', flen);
    nl = form_decode(field, eq ? (size_t)(eq - field) : flen, name,
                     sizeof(name));
    if (nl < 0)
      continue;                     /* not one of ours */
    vl = eq ? form_decode(eq + 1, flen - (size_t)(eq + 1 - field), value,
                          sizeof(value)) : (value[0] = '\0', 0);
    if (strcmp(name, "provider") == 0) {
      long p;
      if (vl <= 0) {
        f->bad = "no provider given";
        return;
      }
      p = consent__registry_find(reg, value, (size_t)vl);
      if (p < 0 || !reg->prov[p].enabled) {
        f->bad = "unknown provider";
        return;
      }
      for (i = 0; i < f->nprov && f->prov[i] != (size_t)p; i++)
        ;
      if (i == f->nprov) {
        if (f->nprov == sizeof(f->prov) / sizeof(f->prov[0])) {
          f->bad = "too many providers";
          return;
        }
        f->prov[f->nprov++] = (size_t)p;
      }
    } else if (strcmp(name, "return") == 0) {
      if (vl < 0 || !consent__return_path_ok(value, (size_t)vl)) {
        f->bad = "return path refused: not a relative path of this site";
        return;
      }
      memcpy(f->ret, value, (size_t)vl + 1);
      f->has_return = 1;
    } else if (strcmp(name, "always") == 0) {
      f->always = vl > 0 && strcmp(value, "0") != 0;
    } else if (strcmp(name, "revoke") == 0) {
      f->revoke = vl != 0 ? strcmp(value, "0") != 0 : 1;
    } else if (strcmp(name, "state") == 0) {
      f->state = 1;
    } else if (strcmp(name, "decision") == 0) {
      if (strcmp(value, "necessary") == 0) {
        f->necessary = 1;
      } else if (strcmp(value, "allow") != 0) {
        f->bad = "decision is neither allow nor necessary";
        return;
      }
    } else if (strcmp(name, "settings") == 0) {
      f->settings = 1;
    } else if (strcmp(name, "saved") == 0) {
      f->saved = 1;
    }
  }
}

/* The media type of a Content-Type value equals want. */
static int
media_type_is(const struct consent__buf *ct, const char *want)
{
  size_t n = strlen(want), len = ct->len;
  const char *v = ct->data;

  if (v == NULL || len < n || strncasecmp(v, want, n) != 0)
    return 0;
  return len == n || v[n] == ';' || v[n] == ' ' || v[n] == '\t';
}

/* ------------------------------------------------------------------ */
/* Grant and withdrawal                                                */

/* The Set-Cookie headers: the signed cookie (value NULL: deleted) and the
 * companion cookie listing the allowed providers for the script. */
static int
set_cookies(struct consent_request *r, const char *value, size_t vlen,
            int64_t max_age, int64_t now)
{
  const struct consent_site *site = r->site;
  struct consent__buf b = { NULL, 0, 0 }, list = { NULL, 0, 0 };
  size_t i;
  int st;

  st = consent__set_cookie(&b, cookie_name(site), value, vlen,
                           value ? max_age : 0, site->domain, site->path,
                           site->flags);
  if (st == CONSENT_OK)
    st = add_header(r, "Set-Cookie", b.data, b.len);
  b.len = 0;
  for (i = 0; value != NULL && st == CONSENT_OK && i < site->reg->count;
       i++) {
    if (!site->reg->prov[i].enabled ||
        !consent__state_allows(&r->state, i, now))
      continue;
    if ((list.len > 0 && consent__buf_append(&list, ".", 1) != 0) ||
        consent__buf_append(&list, site->reg->prov[i].id,
                            strlen(site->reg->prov[i].id)) != 0)
      st = CONSENT_E_NOMEM;
  }
  if (st == CONSENT_OK)
    st = consent__set_cookie(&b, CONSENT__COMPANION, list.data, list.len,
                             value && list.len ? max_age : 0, site->domain,
                             site->path,
                             site->flags & ~CONSENT_COOKIE_HTTPONLY);
  if (st == CONSENT_OK)
    st = add_header(r, "Set-Cookie", b.data, b.len);
  consent__buf_free(&b);
  consent__buf_free(&list);
  return st;
}

/* The receipt with the action first: {"action":"grant",...}. */
static int
receipt(struct consent_request *r, const char *action,
        const struct consent__buf *json)
{
  int st = 0;

  st |= put(&r->receipt, "{\"action\":\"");
  st |= put(&r->receipt, action);
  st |= put(&r->receipt, "\",");
  st |= consent__buf_append(&r->receipt, json->data + 1, json->len - 1);
  st |= consent__buf_append(&r->receipt, "", 1);
  if (st != 0)
    return CONSENT_E_NOMEM;
  r->receipt.len--;
  return CONSENT_OK;
}

static int
see_other(struct consent_request *r, const char *ret)
{
  int st;

  struct consent__buf loc = { NULL, 0, 0 };
  size_t i;

  /* Header values are bytes in Latin-1 for most servers: a path in
   * UTF-8 goes percent-encoded, as browsers send it. */
  for (i = 0, st = 0; ret[i] != '\0'; i++) {
    unsigned char c = (unsigned char)ret[i];
    char hex[3];
    if (c < 0x80) {
      st |= consent__buf_append(&loc, ret + i, 1);
      continue;
    }
    hex[0] = '%';
    hex[1] = "0123456789ABCDEF"[c >> 4];
    hex[2] = "0123456789ABCDEF"[c & 15];
    st |= consent__buf_append(&loc, hex, 3);
  }
  st |= consent__buf_append(&loc, "", 1);
  if (st != 0) {
    consent__buf_free(&loc);
    return CONSENT_E_NOMEM;
  }
  r->status = 303;
  st = add_header(r, "Location", loc.data, loc.len - 1);
  if (st == CONSENT_OK)
    st = page(r, "See Other", "Your choice is saved.", loc.data);
  consent__buf_free(&loc);
  return st;
}

/* Where the settings page's form goes back to: the page itself (the
 * endpoint, a relative reference), saying "saved", with its return path. */
static int
settings_again(struct consent_request *r, const struct form *f)
{
  struct consent__buf loc = { NULL, 0, 0 };
  const char *ret = f->has_return ? f->ret : "/";
  const char *q = f->query, *e = q != NULL ? q + f->query_len : NULL;
  int st = 0;

  /* The endpoint's own query fields stay (a host may route by them:
   * WordPress's admin-post.php?action=libconsent). */
  st |= put(&loc, "?");
  while (q != NULL && q < e) {
    const char *amp = memchr(q, '&', (size_t)(e - q));
    size_t n = amp ? (size_t)(amp - q) : (size_t)(e - q);
    if (n > 0 && strncmp(q, "saved", 5) != 0 && strncmp(q, "return", 6) != 0 &&
        strncmp(q, "revoke", 6) != 0) {
      st |= consent__buf_append(&loc, q, n);
      st |= put(&loc, "&");
    }
    q += n + 1;
  }
  st |= put(&loc, "saved=1&return=");
  st |= consent__query_escape(&loc, ret, strlen(ret));
  st |= consent__buf_append(&loc, "", 1);
  if (st == 0)
    st = see_other(r, loc.data);
  else
    st = CONSENT_E_NOMEM;
  consent__buf_free(&loc);
  return st;
}

/* A grant (provider=...), a refusal of them (decision=necessary: the
 * notice's "Only necessary"), or the settings page's form (settings=1:
 * the providers given are allowed, every other one the visitor allowed
 * or refused before is refused). */
static int
grant(struct consent_request *r, const struct form *f, int64_t now)
{
  struct consent__buf value = { NULL, 0, 0 }, json = { NULL, 0, 0 };
  const struct consent_registry *reg = r->site->reg;
  size_t i;
  int st = CONSENT_OK, always = f->always || f->settings;

  if (f->settings) {
    unsigned char *on = calloc(reg->count + 1, 1);
    if (on == NULL)
      return CONSENT_E_NOMEM;
    for (i = 0; i < f->nprov; i++)
      on[f->prov[i]] = 1;
    for (i = 0; i < reg->count && st == CONSENT_OK; i++) {
      if (!reg->prov[i].enabled)
        continue;
      if (on[i])
        st = consent__state_set(&r->state, i, 1, now);
      else if (consent__state_allows(&r->state, i, now) ||
               consent__state_refuses(&r->state, i, now))
        st = consent__state_set(&r->state, i, 0, now);
    }
    free(on);
  }
  for (i = 0; !f->settings && i < f->nprov && st == CONSENT_OK; i++)
    st = consent__state_set(&r->state, f->prov[i], !f->necessary, now);
  if (st == CONSENT_OK)
    st = consent__cookie_issue(&r->state, r->site->ring, now, &value,
                               &json);
  /* "always" keeps the choice for the site's max age; otherwise it
   * holds until the browser closes.  Under Global Privacy Control it is
   * not given for the providers GPC covers. */
  for (i = 0; i < f->nprov && always; i++)
    if (r->effective->gpc &&
        consent__gpc_locks(&r->site->reg->prov[f->prov[i]],
                           r->site->gpc_categories))
      always = 0;
  if (st == CONSENT_OK)
    st = set_cookies(r, value.data, value.len,
                     always ? r->site->max_age : -1, now);
  if (st == CONSENT_OK)
    st = receipt(r, f->settings ? "settings" : f->necessary ? "refuse"
                                                             : "grant",
                 &json);
  if (st == CONSENT_OK)
    st = f->settings ? settings_again(r, f)
                     : see_other(r, f->has_return ? f->ret : "/");
  consent__buf_free(&value);
  consent__buf_free(&json);
  return st;
}

/* GET ?state: the providers the visitor's verified state allows, for the
 * script of a cache-safe page, which trusts nothing else:
 * {"allowed":["youtube","vimeo"]}. */
static int
state_answer(struct consent_request *r, int64_t now)
{
  const struct consent_registry *reg = r->site->reg;
  const struct consent_state *s = r->effective;
  size_t i, n = 0;
  int st = 0;

  r->status = 200;
  st |= put(&r->body, "{\"allowed\":[");
  for (i = 0; i < reg->count; i++) {
    if (!reg->prov[i].enabled || !consent__state_allows(s, i, now))
      continue;
    st |= put(&r->body, n++ ? ",\"" : "\"");
    st |= put(&r->body, reg->prov[i].id);   /* [a-z0-9._-] */
    st |= put(&r->body, "\"");
  }
  /* What the visitor decided either way (or a banner answered for):
   * the script of a cache-safe page takes the notice away for these. */
  st |= put(&r->body, "],\"decided\":[");
  for (i = 0, n = 0; i < reg->count; i++) {
    if (!reg->prov[i].enabled ||
        !(s->answered || consent__state_allows(s, i, now) ||
          consent__state_refuses(s, i, now)))
      continue;
    st |= put(&r->body, n++ ? ",\"" : "\"");
    st |= put(&r->body, reg->prov[i].id);
    st |= put(&r->body, "\"");
  }
  st |= put(&r->body, "]}\n");
  st |= consent__buf_append(&r->body, "", 1);
  if (st != 0)
    return CONSENT_E_NOMEM;
  r->body.len--;
  snprintf(r->reason, sizeof(r->reason), "state read");
  st = add_header(r, "Content-Type", "application/json", 16);
  if (st == CONSENT_OK)
    st = add_header(r, "Cache-Control", "no-store", 8);
  return st != CONSENT_OK ? st : add_header(r, "Vary", "Cookie", 6);
}

static int
revoke_consent(struct consent_request *r, const struct form *f, int64_t now)
{
  struct consent__buf json = { NULL, 0, 0 };
  int st;

  consent__state_clear(&r->state);
  r->state.issued = now;
  r->state.key_id = 0;
  if (RAND_bytes(r->state.receipt, sizeof(r->state.receipt)) != 1)
    return CONSENT_E_CRYPTO;
  st = set_cookies(r, NULL, 0, 0, now);
  if (st == CONSENT_OK)
    st = consent__receipt_json(&r->state, &json);
  if (st == CONSENT_OK)
    st = receipt(r, "revoke", &json);
  if (st == CONSENT_OK)
    st = f->settings ? settings_again(r, f)
                     : see_other(r, f->has_return ? f->ret : "/");
  consent__buf_free(&json);
  return st;
}

/* GET without revoke or state: the settings page, in the visitor's
 * language among the gate's (or the built-in texts'). */
static int
settings_page(struct consent_request *r, const struct form *f, int64_t now)
{
  struct consent__texts own;
  const struct consent__texts *t = r->texts;
  struct consent__settings set;
  size_t lang = r->texts_lang;
  int st;

  if (t == NULL) {
    if (consent__texts_init(&own) != 0)
      return CONSENT_E_NOMEM;
    t = &own;
    lang = (size_t)consent__texts_find(t, "en", 2);
  }
  if (r->lang.len > 0)
    lang = consent__texts_negotiate(t, r->lang.data, r->lang.len);
  memset(&set, 0, sizeof(set));
  set.reg = r->site->reg;
  set.state = r->effective;
  set.now = now;
  set.return_path = f->has_return ? f->ret : "/";
  set.site_privacy = r->site_privacy;
  set.saved = f->saved;
  r->status = 200;
  st = consent__render_settings(t, lang, &set, &r->body);
  if (t == &own)
    consent__texts_free(&own);
  if (st == 0 && consent__buf_append(&r->body, "", 1) != 0)
    st = CONSENT_E_NOMEM;
  if (st != 0)
    return CONSENT_E_NOMEM;
  r->body.len--;
  snprintf(r->reason, sizeof(r->reason), "settings page");
  st = add_header(r, "Content-Type", "text/html; charset=utf-8", 24);
  if (st == CONSENT_OK)
    st = add_header(r, "Cache-Control", "no-store", 8);
  if (st == CONSENT_OK)
    st = add_header(r, "Vary", "Cookie, Accept-Language", 23);
  if (st == CONSENT_OK)
    st = add_header(r, "X-Frame-Options", "DENY", 4);
  if (st == CONSENT_OK)
    st = add_header(r, "Content-Security-Policy",
                    "frame-ancestors 'none'", 22);
  return st;
}

int
consent__request_endpoint(struct consent_request *r, const char *method,
                          const char *query, size_t qlen, const char *body,
                          size_t blen, int64_t now)
{
  struct form f;
  const char *why;
  int post = strcmp(method, "POST") == 0;
  int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

  clear_answer(r);
  if (consent__request_state(r, now) != 0)
    return CONSENT_E_NOMEM;
  memset(&f, 0, sizeof(f));
  if (!post && !get)
    return refuse(r, 405, "Method Not Allowed",
                  "method not allowed: the consent endpoint takes POST");
  if (qlen > CONSENT_ENDPOINT_MAX_BODY)
    return refuse(r, 414, "URI Too Long", "query too long");
  if (query != NULL)
    form_read(r->site->reg, query, qlen, &f);
  f.query = query;
  f.query_len = query != NULL ? qlen : 0;
  if (get && f.bad == NULL && !f.revoke && !f.state)
    /* The settings page only shows; a link from anywhere may open it
     * (it cannot be framed), and its form is checked like any other. */
    return settings_page(r, &f, now);
  why = cross_site(r, get);
  if (why != NULL)
    return refuse(r, 403, "Forbidden", why);
  if (get) {
    if (f.bad == NULL && f.state && !f.revoke)
      return state_answer(r, now);
  } else if (f.bad == NULL) {
    if (blen > CONSENT_ENDPOINT_MAX_BODY)
      return refuse(r, 413, "Content Too Large",
                    "request body over 4096 bytes refused");
    if (!media_type_is(&r->ctype, "application/x-www-form-urlencoded"))
      return refuse(r, 415, "Unsupported Media Type",
                    "content type refused: the endpoint takes "
                    "application/x-www-form-urlencoded");
    if (body != NULL)
      form_read(r->site->reg, body, blen, &f);
  }
  if (f.bad != NULL)
    return refuse(r, 400, "Bad Request", f.bad);
  if (f.revoke)
    return revoke_consent(r, &f, now);
  if (f.nprov == 0 && !f.settings)
    return refuse(r, 400, "Bad Request", "no provider given");
  return grant(r, &f, now);
}

/* ------------------------------------------------------------------ */
/* Site and request                                                    */

consent_status
consent_site_new(const consent_registry_t *registry,
                 const consent_keyring_t *ring, consent_site_t **site)
{
  if (site == NULL)
    return CONSENT_E_INVAL;
  *site = NULL;
  if (registry == NULL || ring == NULL)
    return CONSENT_E_INVAL;
  *site = malloc(sizeof(**site));
  if (*site == NULL)
    return CONSENT_E_NOMEM;
  consent__site_init((*site), registry, ring);
  return CONSENT_OK;
}

void
consent_site_free(consent_site_t *site)
{
  if (site == NULL)
    return;
  consent__site_free(site);
  free(site);
}

consent_status
consent_site_set_cookie(consent_site_t *site, const char *name,
                        const char *domain, const char *path,
                        unsigned int flags)
{
  if (site == NULL || name == NULL)
    return CONSENT_E_INVAL;
  return (consent_status)consent__site_set_cookie(site, name, domain,
                                                  path, flags);
}

void
consent_site_set_policy_version(consent_site_t *site, unsigned int version)
{
  if (site != NULL)
    site->policy = version;
}

consent_status
consent_site_set_max_age(consent_site_t *site, long long seconds)
{
  if (site == NULL || seconds < 60 || seconds > 5LL * 366 * 24 * 3600)
    return CONSENT_E_INVAL;
  site->max_age = seconds;
  return CONSENT_OK;
}

consent_status
consent_request_new(const consent_site_t *site, int https,
                    consent_request_t **req)
{
  if (req == NULL)
    return CONSENT_E_INVAL;
  *req = NULL;
  if (site == NULL)
    return CONSENT_E_INVAL;
  *req = malloc(sizeof(**req));
  if (*req == NULL)
    return CONSENT_E_NOMEM;
  consent__request_init((*req), site, https);
  return CONSENT_OK;
}

void
consent_request_free(consent_request_t *req)
{
  if (req == NULL)
    return;
  consent__request_free(req);
  free(req);
}

consent_status
consent_request_set_header(consent_request_t *req, const char *name,
                           const char *value, size_t len)
{
  if (req == NULL || name == NULL || (value == NULL && len > 0))
    return CONSENT_E_INVAL;
  return (consent_status)consent__request_header(req, name,
                                                 value ? value : "", len);
}

const consent_state_t *
consent_request_state(consent_request_t *req, long long now,
                      consent_status *why)
{
  if (why != NULL)
    *why = CONSENT_E_INVAL;
  if (req == NULL)
    return NULL;
  if (consent__request_state(req, consent__now_or(now)) != 0) {
    if (why != NULL)
      *why = CONSENT_E_NOMEM;
    return NULL;
  }
  if (why != NULL)
    *why = (consent_status)req->cookie_status;
  req->view = *req->effective;
  return &req->view;
}

consent_status
consent_request_endpoint(consent_request_t *req, const char *method,
                         const char *query, size_t query_len,
                         const char *body, size_t body_len, long long now)
{
  /* (A body of more than CONSENT_ENDPOINT_MAX_BODY bytes need not be
   * read: NULL and its length.) */
  if (req == NULL || method == NULL || (query == NULL && query_len > 0) ||
      (body == NULL && body_len > 0 && body_len <= CONSENT_ENDPOINT_MAX_BODY))
    return CONSENT_E_INVAL;
  return (consent_status)consent__request_endpoint(req, method, query,
                                                   query_len, body,
                                                   body_len, consent__now_or(now));
}

int
consent_request_response_status(const consent_request_t *req)
{
  return req != NULL ? req->status : 0;
}

int
consent_request_response_header(const consent_request_t *req, size_t i,
                        const char **name, const char **value)
{
  if (req == NULL || i >= req->nhdr)
    return 0;
  if (name != NULL)
    *name = req->hdr[i].name;
  if (value != NULL)
    *value = req->hdr[i].value;
  return 1;
}

const char *
consent_request_response_body(const consent_request_t *req, size_t *len)
{
  if (len != NULL)
    *len = req != NULL ? req->body.len : 0;
  return req != NULL && req->body.data ? req->body.data : "";
}

const char *
consent_request_response_receipt(const consent_request_t *req, size_t *len)
{
  if (len != NULL)
    *len = req != NULL ? req->receipt.len : 0;
  return req != NULL ? req->receipt.data : NULL;
}

const char *
consent_request_response_reason(const consent_request_t *req)
{
  return req != NULL ? req->reason : "";
}

consent_status
consent_site_set_sources(consent_site_t *site, unsigned int sources)
{
  if (site == NULL || sources > 0xFFu)
    return CONSENT_E_INVAL;
  site->sources = sources;
  return CONSENT_OK;
}

consent_status
consent_sources_from_names(const char *list, unsigned int *sources,
                           char **errmsg)
{
  char msg[160];
  int st;

  if (errmsg != NULL)
    *errmsg = NULL;
  if (list == NULL || sources == NULL)
    return CONSENT_E_INVAL;
  st = consent__sources_parse(list, sources, msg, sizeof(msg));
  if (st != CONSENT_OK && errmsg != NULL) {
    consent__give_message(errmsg, msg);
    if (*errmsg == NULL)
      return CONSENT_E_NOMEM;
  }
  return (consent_status)st;
}

consent_status
consent_site_trust_proxies(consent_site_t *site, const char *list)
{
  char bad[64];

  if (site == NULL || list == NULL)
    return CONSENT_E_INVAL;
  return (consent_status)consent__site_trust_proxies(site, list, bad,
                                                     sizeof(bad));
}

consent_status
consent_request_set_peer(consent_request_t *req, const char *address)
{
  if (req == NULL)
    return CONSENT_E_INVAL;
  return (consent_status)consent__request_set_peer(req, address);
}

consent_status
consent_request_set_gate(consent_request_t *req, const consent_gate_t *gate)
{
  if (req == NULL || gate == NULL)
    return CONSENT_E_INVAL;
  req->texts = &gate->texts;
  req->texts_lang = gate->lang;
  req->site_privacy = gate->site_privacy;
  return CONSENT_OK;
}

consent_status
consent_site_set_gpc_categories(consent_site_t *site, const char *list)
{
  uint32_t mask = 0;
  const char *p = list;
  int i;

  if (site == NULL || list == NULL)
    return CONSENT_E_INVAL;
  while (*p) {
    size_t n = consent__next_word(&p);
    if (n == 0)
      break;
    for (i = 0; i < CONSENT__CATEGORIES; i++)
      if (strlen(consent__category_names[i]) == n &&
          strncmp(p, consent__category_names[i], n) == 0)
        break;
    if (i == CONSENT__CATEGORIES)
      return CONSENT_E_NOTFOUND;
    mask |= 1u << i;
    p += n;
  }
  site->gpc_categories = mask;
  return CONSENT_OK;
}
