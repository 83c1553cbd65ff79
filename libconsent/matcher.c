/*
 * matcher.c: which start tags open an embed, and of which provider.
 *
 * A tag opens an embed when it would make the browser contact a provider:
 * frames and plugins (src, data, srcdoc), scripts (src), images, media
 * and their sources (src, srcset, poster), SVG images (href), links that
 * fetch (stylesheet, preconnect, preload, icons ...), and the widget
 * elements a provider's script turns into an embed.  URLs are the
 * tokenizer's attribute values, entity-decoded already; relative ones go
 * to the provider of the document's <base href>, if any.
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "matcher.h"
#include "url.h"

static int
name_is(const char *name, size_t len, const char *s)
{
  return strlen(s) == len && memcmp(name, s, len) == 0;
}

static int
name_in(const char *name, size_t len, const char *const *list)
{
  for (; *list != NULL; list++)
    if (name_is(name, len, *list))
      return 1;
  return 0;
}

static const char *const frame_tags[] = {
  "iframe", "frame", "embed", "object", NULL
};
static const char *const media_tags[] = {
  "img", "video", "audio", "source", "track", "input", "image", "use", NULL
};
static const char *const other_tags[] = {
  "script", "link", "style", "noscript", "base", NULL
};

static int
is_widget_tag(const struct consent__registry *r, const char *name,
              size_t len)
{
  size_t i, k;

  for (i = 0; i < r->nenabled; i++) {
    const struct consent__provider *p = &r->prov[r->enabled[i]];
    for (k = 0; k < p->widgets.n; k++) {
      const char *w = p->widgets.v[k];
      size_t n = strcspn(w, ".#[");
      if (n == len && memcmp(w, name, len) == 0)
        return 1;
    }
  }
  return 0;
}

int
consent__match_wants(const struct consent__registry *r, const char *name,
                     size_t len)
{
  return name_in(name, len, frame_tags) || name_in(name, len, media_tags) ||
         name_in(name, len, other_tags) || is_widget_tag(r, name, len);
}

const struct consent__attr *
consent__attr_get(const struct consent__token *t, const char *name)
{
  size_t i, n = strlen(name);

  for (i = 0; i < t->nattrs; i++)
    if (t->attrs[i].name_len == n &&
        memcmp(t->attrs[i].name, name, n) == 0)
      return &t->attrs[i];
  return NULL;
}

/* The provider of one URL; relative URLs go to base_prov. */
static long
url_provider(const struct consent__registry *r, const char *v, size_t n,
             long base_prov)
{
  struct consent__url u;

  switch (consent__url_parse(v, n, &u)) {
  case CONSENT__URL_HOST:
    return consent__registry_match(r, &u);
  case CONSENT__URL_NONE:
    /* Relative to the page, or data:/javascript: (checked apart). */
    if (base_prov >= 0 && n > 0 && memchr(v, ':', n) == NULL)
      return base_prov;
    return -1;
  default:
    return -1;
  }
}

static long
attr_provider(const struct consent__registry *r,
              const struct consent__token *t, const char *name,
              long base_prov)
{
  const struct consent__attr *a = consent__attr_get(t, name);

  if (a == NULL)
    return -1;
  return url_provider(r, a->value, a->value_len, base_prov);
}

/* srcset: "url 1x, url 2x" or "url 480w, ...". */
static long
srcset_provider(const struct consent__registry *r,
                const struct consent__token *t, const char *name,
                long base_prov)
{
  const struct consent__attr *a = consent__attr_get(t, name);
  const char *p, *e;

  if (a == NULL)
    return -1;
  p = a->value;
  e = a->value + a->value_len;
  while (p < e) {
    const char *s, *q;
    long prov;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
                     *p == '\f' || *p == ','))
      p++;
    s = p;
    while (p < e && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' &&
           *p != '\f')
      p++;
    q = p;
    /* A URL that ends in ',' has no descriptor. */
    if (q > s && q[-1] == ',')
      q--;
    prov = url_provider(r, s, (size_t)(q - s), base_prov);
    if (prov >= 0)
      return prov;
    while (p < e && *p != ',')
      p++;
  }
  return -1;
}

/* Case-insensitive search for a token in a space-separated list. */
static int
has_token(const char *v, size_t n, const char *tok)
{
  size_t i = 0, tl = strlen(tok);

  while (i < n) {
    size_t s, k;
    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' ||
                     v[i] == '\r' || v[i] == '\f'))
      i++;
    s = i;
    while (i < n && v[i] != ' ' && v[i] != '\t' && v[i] != '\n' &&
           v[i] != '\r' && v[i] != '\f')
      i++;
    if (i - s != tl)
      continue;
    for (k = 0; k < tl; k++)
      if ((v[s + k] | 0x20) != (tok[k] | 0x20))
        break;
    if (k == tl)
      return 1;
  }
  return 0;
}

static int
link_fetches(const struct consent__token *t)
{
  static const char *const rels[] = {
    "stylesheet", "preconnect", "dns-prefetch", "preload", "prefetch",
    "modulepreload", "prerender", "icon", "apple-touch-icon",
    "apple-touch-icon-precomposed", "manifest", "mask-icon", NULL
  };
  const struct consent__attr *rel = consent__attr_get(t, "rel");
  size_t i;

  if (rel == NULL)
    return 0;
  for (i = 0; rels[i] != NULL; i++)
    if (has_token(rel->value, rel->value_len, rels[i]))
      return 1;
  return 0;
}

static long
widget_provider(const struct consent__registry *r,
                const struct consent__token *t)
{
  size_t i, k;

  for (i = 0; i < r->nenabled; i++) {
    const struct consent__provider *p = &r->prov[r->enabled[i]];
    for (k = 0; k < p->widgets.n; k++) {
      const char *w = p->widgets.v[k];
      size_t n = strcspn(w, ".#[");
      const struct consent__attr *a;
      if (n != t->name_len || memcmp(w, t->name, n) != 0)
        continue;
      if (w[n] == '.') {
        a = consent__attr_get(t, "class");
        if (a != NULL && has_token(a->value, a->value_len, w + n + 1))
          return (long)r->enabled[i];
      } else if (w[n] == '#') {
        a = consent__attr_get(t, "id");
        if (a != NULL && a->value_len == strlen(w + n + 1) &&
            memcmp(a->value, w + n + 1, a->value_len) == 0)
          return (long)r->enabled[i];
      } else {
        char attr[128];
        size_t an = strlen(w + n + 1);
        if (an == 0 || an > sizeof(attr))
          continue;
        memcpy(attr, w + n + 1, an - 1); /* without ']' */
        attr[an - 1] = '\0';
        if (consent__attr_get(t, attr) != NULL)
          return (long)r->enabled[i];
      }
    }
  }
  return -1;
}

/* A small image: width and height of at most 2 (tracking pixels). */
static int
is_pixel(const struct consent__token *t)
{
  const struct consent__attr *w = consent__attr_get(t, "width");
  const struct consent__attr *h = consent__attr_get(t, "height");

  return w != NULL && h != NULL && w->value_len == 1 && h->value_len == 1 &&
         w->value[0] >= '0' && w->value[0] <= '2' && h->value[0] >= '0' &&
         h->value[0] <= '2';
}

/* Percent-decodes a data: or javascript: URL into buf (cut at cap). */
static size_t
decode_url_text(const char *v, size_t n, char *buf, size_t cap)
{
  size_t i, o = 0;

  for (i = 0; i < n && o < cap; i++) {
    if (v[i] == '%' && i + 2 < n) {
      unsigned hi = (unsigned char)v[i + 1], lo = (unsigned char)v[i + 2];
      int h = hi >= '0' && hi <= '9' ? (int)(hi - '0')
              : (hi | 0x20) >= 'a' && (hi | 0x20) <= 'f'
              ? (int)((hi | 0x20) - 'a' + 10) : -1;
      int l = lo >= '0' && lo <= '9' ? (int)(lo - '0')
              : (lo | 0x20) >= 'a' && (lo | 0x20) <= 'f'
              ? (int)((lo | 0x20) - 'a' + 10) : -1;
      if (h >= 0 && l >= 0) {
        buf[o++] = (char)(h * 16 + l);
        i += 2;
        continue;
      }
    }
    buf[o++] = v[i];
  }
  return o;
}

/* Frames whose document comes from the attribute itself: srcdoc, and
 * data: or javascript: URLs.  Any provider URL in it counts. */
static long
inline_document(const struct consent__registry *r,
                const struct consent__token *t)
{
  const struct consent__attr *a = consent__attr_get(t, "srcdoc");
  long prov;
  size_t n;
  char *buf;

  if (a != NULL) {
    prov = consent__match_text(r, a->value, a->value_len);
    if (prov >= 0)
      return prov;
  }
  a = consent__attr_get(t, "src");
  if (a == NULL)
    a = consent__attr_get(t, "data");
  if (a == NULL || a->value_len < 5)
    return -1;
  if (strncasecmp(a->value, "data:", 5) != 0 &&
      (a->value_len < 11 || strncasecmp(a->value, "javascript:", 11) != 0))
    return -1;
  buf = malloc(a->value_len + 1);
  if (buf == NULL)
    return -1;
  n = decode_url_text(a->value, a->value_len, buf, a->value_len);
  prov = consent__match_text(r, buf, n);
  free(buf);
  return prov;
}

void
consent__match_tag(const struct consent__registry *r,
                   const struct consent__token *t, long base_prov,
                   struct consent__match *m)
{
  const char *name = t->name;
  size_t len = t->name_len;
  long prov = -1;

  memset(m, 0, sizeof(*m));
  m->prov = -1;
  if (name_in(name, len, frame_tags)) {
    m->kind = CONSENT__EMBED_FRAME;
    m->visible = 1;
    m->until_end = name_is(name, len, "iframe") ||
                   name_is(name, len, "object");
    prov = attr_provider(r, t, name_is(name, len, "object") ? "data" : "src",
                         base_prov);
    if (prov < 0 && !name_is(name, len, "embed"))
      prov = inline_document(r, t);
  } else if (name_is(name, len, "script")) {
    const struct consent__attr *type = consent__attr_get(t, "type");
    m->kind = CONSENT__EMBED_SCRIPT;
    m->until_end = 1;
    prov = attr_provider(r, t, "src", base_prov);
    if (prov < 0 && consent__attr_get(t, "src") == NULL &&
        type != NULL && (has_token(type->value, type->value_len,
                                   "application/ld+json") ||
                         has_token(type->value, type->value_len,
                                   "application/json"))) {
      m->kind = CONSENT__EMBED_NONE; /* data, never run */
      return;
    }
  } else if (name_is(name, len, "link")) {
    if (!link_fetches(t))
      return;
    m->kind = CONSENT__EMBED_LINK;
    prov = attr_provider(r, t, "href", base_prov);
  } else if (name_is(name, len, "style")) {
    m->kind = CONSENT__EMBED_STYLE;
    m->until_end = 1;
  } else if (name_is(name, len, "noscript")) {
    /* Its content is markup for visitors without JavaScript: checked
     * when it ends. */
    m->kind = CONSENT__EMBED_STYLE;
    m->until_end = 1;
  } else if (name_in(name, len, media_tags)) {
    if (name_is(name, len, "input")) {
      const struct consent__attr *type = consent__attr_get(t, "type");
      if (type == NULL || !has_token(type->value, type->value_len, "image"))
        return;
    }
    m->kind = CONSENT__EMBED_MEDIA;
    m->until_end = name_is(name, len, "video") ||
                   name_is(name, len, "audio");
    prov = attr_provider(r, t, "src", base_prov);
    if (prov < 0)
      prov = srcset_provider(r, t, "srcset", base_prov);
    if (prov < 0)
      prov = attr_provider(r, t, "poster", base_prov);
    if (prov < 0)
      prov = attr_provider(r, t, "href", base_prov);
    if (prov < 0)
      prov = attr_provider(r, t, "xlink:href", base_prov);
    m->pixel = is_pixel(t);
    m->visible = !m->pixel && !name_is(name, len, "source") &&
                 !name_is(name, len, "track") && !name_is(name, len, "use");
  }
  if (prov < 0 && is_widget_tag(r, name, len)) {
    prov = widget_provider(r, t);
    if (prov >= 0) {
      m->kind = CONSENT__EMBED_WIDGET;
      m->visible = 1;
      m->until_end = !t->self_closing;
    }
  }
  m->prov = prov;
  if (prov < 0 && m->kind != CONSENT__EMBED_SCRIPT &&
      m->kind != CONSENT__EMBED_STYLE)
    m->kind = CONSENT__EMBED_NONE;
}

long
consent__match_base(const struct consent__registry *r,
                    const struct consent__token *t)
{
  return attr_provider(r, t, "href", -1);
}

/* Host characters after "//" in script or style text. */
static int
host_char(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '%' ||
         c >= 0x80;
}

long
consent__match_text(const struct consent__registry *r, const char *text,
                    size_t len)
{
  const char *p = text, *e = text + len;
  size_t i, k;

  /* Signatures first: they name the provider more precisely than the
   * URL a snippet loads (a pixel's script comes from a social host). */
  for (i = 0; i < r->nenabled; i++) {
    const struct consent__provider *pv = &r->prov[r->enabled[i]];
    for (k = 0; k < pv->inlines.n; k++)
      if (memmem(text, len, pv->inlines.v[k], strlen(pv->inlines.v[k])))
        return (long)r->enabled[i];
  }
  /* Then every "//host" (also JSON-escaped "\/\/host"). */
  while (p < e) {
    const char *s = memchr(p, '/', (size_t)(e - p));
    char url[CONSENT__HOST_MAX + 8];
    size_t n = 2;
    long prov;

    if (s == NULL)
      break;
    p = s + 1;
    if (s + 1 < e && s[1] == '/') {
      s += 2;
    } else if (s > text && s + 3 < e && s[-1] == '\\' && s[1] == '\\' &&
               s[2] == '/') {
      s += 3; /* "\/\/" */
    } else {
      continue;
    }
    memcpy(url, "//", 2);
    while (s < e && host_char((unsigned char)*s) &&
           n < sizeof(url) - 2) {
      url[n++] = *s++;
    }
    if (n == 2)
      continue;
    /* Keep a path start for host/path patterns. */
    {
      const char *q = s;
      if (q < e && (*q == '/' || *q == '\\')) {
        size_t room = sizeof(url) - n;
        while (q < e && room > 1 && *q != '"' && *q != '\'' && *q != ' ' &&
               *q != ')' && *q != '<' && *q != '>' && *q != '\n') {
          url[n++] = *q == '\\' ? '/' : *q;
          q++;
          room--;
        }
      }
    }
    prov = consent__registry_match_url(r, url, n);
    if (prov >= 0)
      return prov;
  }
  return -1;
}
