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
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "matcher.h"
#include "url.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define CONSENT__X86_SIMD 1
#include <immintrin.h>
#else
#define CONSENT__X86_SIMD 0
#endif

/* The elements the matcher looks at (by the tokenizer's tag id). */
enum elem {
  E_OTHER, E_IFRAME, E_FRAME, E_EMBED, E_OBJECT, E_SCRIPT, E_LINK, E_STYLE,
  E_NOSCRIPT, E_BASE, E_IMG, E_VIDEO, E_AUDIO, E_SOURCE, E_TRACK, E_INPUT,
  E_IMAGE, E_USE
};

static enum elem
element(unsigned tag)
{
  switch (tag) {
  case CONSENT__TAG_IMG: return E_IMG;
  case CONSENT__TAG_USE: return E_USE;
  case CONSENT__TAG_LINK: return E_LINK;
  case CONSENT__TAG_BASE: return E_BASE;
  case CONSENT__TAG_FRAME: return E_FRAME;
  case CONSENT__TAG_EMBED: return E_EMBED;
  case CONSENT__TAG_STYLE: return E_STYLE;
  case CONSENT__TAG_VIDEO: return E_VIDEO;
  case CONSENT__TAG_AUDIO: return E_AUDIO;
  case CONSENT__TAG_TRACK: return E_TRACK;
  case CONSENT__TAG_INPUT: return E_INPUT;
  case CONSENT__TAG_IMAGE: return E_IMAGE;
  case CONSENT__TAG_IFRAME: return E_IFRAME;
  case CONSENT__TAG_OBJECT: return E_OBJECT;
  case CONSENT__TAG_SCRIPT: return E_SCRIPT;
  case CONSENT__TAG_SOURCE: return E_SOURCE;
  case CONSENT__TAG_NOSCRIPT: return E_NOSCRIPT;
  default: return E_OTHER;
  }
}

/* The widgets of a tag: by its id, or (a name the table lacks) all of
 * CONSENT__TAG_OTHER's, whose names are compared. */
static int
widget_of(const struct consent__widget *w, unsigned tag, const char *name,
          size_t len)
{
  return tag != CONSENT__TAG_OTHER ||
         (w->tag_len == len && memcmp(w->tag, name, len) == 0);
}

/* Whether a provider has a widget selector for this tag. */
static int
is_widget_tag(const struct consent_registry *r, unsigned tag,
              const char *name, size_t len)
{
  uint32_t i;

  if (tag != CONSENT__TAG_OTHER)
    return r->wfirst[tag + 1] > r->wfirst[tag];
  for (i = r->wfirst[0]; i < r->wfirst[1]; i++)
    if (r->widgets[i].tag_len == len &&
        memcmp(r->widgets[i].tag, name, len) == 0)
      return 1;
  return 0;
}

int
consent__match_fetches(unsigned tag)
{
  return element(tag) != E_OTHER;
}

int
consent__match_wants(const struct consent_registry *r, unsigned tag,
                     const char *name, size_t len)
{
  if (element(tag) != E_OTHER)
    return 1;
  return is_widget_tag(r, tag, name, len) ? CONSENT__TOK_WANT_IDS : 0;
}

int
consent__match_widget_name(const struct consent_registry *r, unsigned tag,
                           const char *tname, size_t tlen, const char *name,
                           size_t len)
{
  uint32_t i;

  if (!(r->wname_len[tag] >> (len < 63 ? len : 63) & 1))
    return 0; /* (most names: no selector has one that long) */
  for (i = r->wfirst[tag]; i < r->wfirst[tag + 1]; i++) {
    const struct consent__widget *w = &r->widgets[i];
    if (w->sel == '[' && w->value_len == len &&
        strncasecmp(w->value, name, len) == 0 &&
        widget_of(w, tag, tname, tlen))
      return 1;
  }
  return 0;
}

int
consent__match_widget_attrs(const struct consent_registry *r, unsigned tag)
{
  return r->wname_len[tag] != 0;
}

const struct consent__attr *
consent__attr_get_n(const struct consent__token *t, const char *name,
                    size_t n)
{
  size_t i;

  for (i = 0; i < t->nattrs; i++) {
    const struct consent__attr *a = &t->attrs[i];
    if (a->name_len == n && a->name[0] == name[0] &&
        memcmp(a->name + 1, name + 1, n - 1) == 0)
      return a;
  }
  return NULL;
}

/* The providers a search found, for callers with a consent__allow: a
 * helper returns a provider that ends the search (one not allowed, or
 * any without an allow), else -1 with the first allowed one in first. */
struct pick {
  const struct consent__allow *allow;
  long first;
};

/* Whether prov (or -1) ends the search; an allowed one is kept. */
static int
pick_ends(struct pick *k, long prov)
{
  if (prov < 0)
    return 0;
  if (k->first < 0)
    k->first = prov;
  return k->allow == NULL || !k->allow->allowed(k->allow->ud, prov);
}

/* prov when it ends the search, else -1. */
static long
picked(struct pick *k, long prov)
{
  return pick_ends(k, prov) ? prov : -1;
}

/* The provider of one URL; relative URLs go to base_prov. */
static long
url_provider(const struct consent_registry *r, const char *v, size_t n,
             long base_prov)
{
  struct consent__url u;

  if (!consent__registry_may_match_url(r, v, n))
    return -1; /* (most URLs of a page: no parsing) */
  switch (consent__url_parse_n(v, n, &u, r->path_max)) {
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
attr_provider(const struct consent_registry *r,
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
srcset_value(const struct consent_registry *r, const char *v, size_t n,
             long base_prov, struct pick *k)
{
  const char *p = v, *e = v + n;

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
    if (pick_ends(k, prov))
      return prov;
    while (p < e && *p != ',')
      p++;
  }
  return -1;
}

static long
srcset_provider(const struct consent_registry *r,
                const struct consent__token *t, const char *name,
                long base_prov, struct pick *k)
{
  const struct consent__attr *a = consent__attr_get(t, name);

  return a != NULL ? srcset_value(r, a->value, a->value_len, base_prov, k)
                   : -1;
}

/* Case-insensitive search for a token in a space-separated list. */
static int
has_token_n(const char *v, size_t n, const char *tok, size_t tl)
{
  size_t i = 0;

  if (n < tl)
    return 0; /* ("text/javascript" is no "application/json") */
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
has_token(const char *v, size_t n, const char *tok)
{
  return has_token_n(v, n, tok, strlen(tok));
}

/* ASCII whitespace, which separates class and rel tokens. */
static const unsigned char class_ws[256] = {
  ['\t'] = 1, ['\n'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1
};

static int
link_fetches(const struct consent__token *t)
{
  static const char *const rels[] = {
    "stylesheet", "preconnect", "dns-prefetch", "preload", "prefetch",
    "modulepreload", "prerender", "icon", "apple-touch-icon",
    "apple-touch-icon-precomposed", "manifest", "mask-icon", NULL
  };
  const struct consent__attr *rel = consent__attr_get(t, "rel");
  const char *v, *e;

  if (rel == NULL)
    return 0;
  /* Each token of rel once, against the list. */
  for (v = rel->value, e = v + rel->value_len;;) {
    const char *s;
    size_t i, k, n;
    while (v < e && class_ws[(unsigned char)*v])
      v++;
    if (v == e)
      return 0;
    s = v;
    while (v < e && !class_ws[(unsigned char)*v])
      v++;
    n = (size_t)(v - s);
    for (i = 0; rels[i] != NULL; i++) {
      if (strlen(rels[i]) != n)
        continue;
      for (k = 0; k < n && (s[k] | 0x20) == rels[i][k]; k++)
        ;
      if (k == n)
        return 1;
    }
  }
}

/* The classes of an element that may be a widget's (a hash filter: most
 * classes are not, and then no selector is compared). */
struct class_cands {
  struct { const char *s; size_t n; unsigned h; } c[8];
  size_t n;
  int many;                   /* more than fit: compare the whole list */
};

static void
class_candidates(const struct consent_registry *r,
                 const struct consent__attr *cls, struct class_cands *cc)
{
  const char *v = cls->value, *e = cls->value + cls->value_len;

  cc->n = 0;
  cc->many = 0;
  for (;;) {
    const char *s;
    unsigned h;
    while (v < e && class_ws[(unsigned char)*v])
      v++;
    if (v == e)
      return;
    s = v;
    while (v < e && !class_ws[(unsigned char)*v])
      v++;
    h = consent__class_hash(s, (size_t)(v - s));
    if (!(r->class_hash[h >> 3] & (1u << (h & 7))))
      continue;
    if (cc->n == sizeof(cc->c) / sizeof(cc->c[0])) {
      cc->many = 1;
      return;
    }
    cc->c[cc->n].s = s;
    cc->c[cc->n].n = (size_t)(v - s);
    cc->c[cc->n].h = h;
    cc->n++;
  }
}

/* Whether the element has the class of a '.' selector. */
static int
has_class(const struct consent__attr *cls, const struct class_cands *cc,
          const struct consent__widget *w)
{
  size_t i;

  if (cc->many)
    return has_token_n(cls->value, cls->value_len, w->value, w->value_len);
  for (i = 0; i < cc->n; i++)
    if (cc->c[i].h == w->class_hash && cc->c[i].n == w->value_len &&
        strncasecmp(cc->c[i].s, w->value, w->value_len) == 0)
      return 1;
  return 0;
}

/* Whether an attribute's value satisfies a '[' selector's [name],
 * [name=value] or [name^=value]. */
static int
attr_sel_matches(const struct consent__widget *w, const char *v, size_t n)
{
  return w->op == 0 ||
         (n >= w->attr_value_len && (w->op == '^' || n == w->attr_value_len) &&
          memcmp(v, w->attr_value, w->attr_value_len) == 0);
}

/* The provider whose widget selector the element matches (the first in
 * the providers' order), or -1. */
static long
widget_provider(const struct consent_registry *r,
                const struct consent__token *t)
{
  const struct consent__attr *cls = NULL, *id = NULL;
  struct class_cands cc = { { { NULL, 0, 0 } }, 0, 0 };
  int have_cls = 0, have_id = 0;
  uint32_t i;

  for (i = r->wfirst[t->tag]; i < r->wfirst[t->tag + 1]; i++) {
    const struct consent__widget *w = &r->widgets[i];
    if (!widget_of(w, t->tag, t->name, t->name_len))
      continue;
    if (w->sel == '.') {
      if (!have_cls) {
        cls = consent__attr_get(t, "class");
        if (cls != NULL) {
          class_candidates(r, cls, &cc);
          if (cc.n == 0 && !cc.many)
            cls = NULL;
        }
        have_cls = 1;
      }
      if (cls != NULL && has_class(cls, &cc, w))
        return (long)w->prov;
    } else if (w->sel == '#') {
      if (!have_id) {
        id = consent__attr_get(t, "id");
        have_id = 1;
      }
      if (id != NULL && id->value_len == w->value_len &&
          memcmp(id->value, w->value, w->value_len) == 0)
        return (long)w->prov;
    } else {
      size_t k;
      for (k = 0; k < t->nattrs; k++) {
        const struct consent__attr *a = &t->attrs[k];
        if (a->name_len != w->value_len ||
            strncasecmp(a->name, w->value, w->value_len) != 0)
          continue;
        if (attr_sel_matches(w, a->value, a->value_len))
          return (long)w->prov;
      }
    }
  }
  return -1;
}

int
consent__match_widget_ids(const struct consent_registry *r, unsigned tag,
                          const char *tname, size_t tlen, const char *cls,
                          size_t cls_len, int has_cls, const char *id,
                          size_t id_len, int has_id)
{
  struct consent__attr a;
  struct class_cands cc;
  uint32_t i;

  memset(&a, 0, sizeof(a));
  cc.n = 0;
  cc.many = 0;
  if (has_cls) {
    a.value = cls;
    a.value_len = cls_len;
    class_candidates(r, &a, &cc);
  }
  if ((!has_id || (id_len > 0 && !r->wid_first[(unsigned char)id[0]])) &&
      cc.n == 0 && !cc.many && !(has_cls && r->wattr_cls))
    return 0; /* (the common case: nothing that could match) */
  for (i = r->wfirst[tag]; i < r->wfirst[tag + 1]; i++) {
    const struct consent__widget *w = &r->widgets[i];
    if (!widget_of(w, tag, tname, tlen))
      continue;
    if (w->sel == '.' ? has_cls && (cc.many || cc.n > 0) && has_class(&a, &cc, w)
        : w->sel == '#' ? has_id && id_len == w->value_len &&
                          memcmp(id, w->value, id_len) == 0
        : (w->value_len == 5 && strncasecmp(w->value, "class", 5) == 0)
          ? has_cls && attr_sel_matches(w, cls, cls_len)
        : (w->value_len == 2 && strncasecmp(w->value, "id", 2) == 0)
          ? has_id && attr_sel_matches(w, id, id_len)
        : 0)
      return 1;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* The attributes that fetch                                           */

/* Every attribute that makes a browser fetch, after the HTML standard's
 * fetch-causing content attributes (and Chromium's where it reads
 * more: lowsrc, background on table parts, SVG references).  Links a
 * visitor clicks (a href, form action) are navigation, not embeds.
 * The style attribute is read apart (a url() in it gates the element). */
#define H CONSENT__ON_HTML
#define F CONSENT__ON_FOREIGN
#define A CONSENT__ON_ANY
#define URL CONSENT__FETCH_URL
#define SRCSET CONSENT__FETCH_SRCSET
#define URLS CONSENT__FETCH_URLS
#define TEXT CONSENT__FETCH_TEXT
#define FA(e, a, how, where) { e, sizeof(e) - 1, a, sizeof(a) - 1, how, where }
static const struct consent__fetch_attr fetch_attrs[] = {
  FA("iframe", "src", URL, H), FA("iframe", "srcdoc", TEXT, H),
  FA("frame", "src", URL, H), FA("embed", "src", URL, H),
  FA("object", "data", URL, H), FA("object", "codebase", URL, H),
  FA("object", "archive", URLS, H), FA("object", "classid", URL, H),
  FA("script", "src", URL, H),
  FA("script", "href", URL, F), FA("script", "xlink:href", URL, F),
  FA("img", "src", URL, H), FA("img", "srcset", SRCSET, H),
  FA("img", "lowsrc", URL, H), FA("image", "src", URL, H),
  FA("image", "srcset", SRCSET, H), FA("input", "src", URL, H),
  FA("video", "src", URL, H), FA("video", "poster", URL, H),
  FA("audio", "src", URL, H), FA("source", "src", URL, H),
  FA("source", "srcset", SRCSET, H), FA("track", "src", URL, H),
  FA("link", "href", URL, H), FA("link", "imagesrcset", SRCSET, H),
  FA("html", "manifest", URL, H),
  FA("body", "background", URL, H), FA("table", "background", URL, H),
  FA("thead", "background", URL, H), FA("tbody", "background", URL, H),
  FA("tfoot", "background", URL, H), FA("tr", "background", URL, H),
  FA("td", "background", URL, H), FA("th", "background", URL, H),
  FA("a", "ping", URLS, H), FA("area", "ping", URLS, H),
  FA("meta", "http-equiv", CONSENT__FETCH_REFRESH, H),
  /* SVG: references (image, use, feImage, pattern, filter, gradients,
   * script ...; an SVG <a> is a link), animations that set them, and
   * presentation attributes that take a url(). */
  FA("*", "href", URL, F), FA("*", "xlink:href", URL, F),
  FA("*", "to", TEXT, F), FA("*", "from", TEXT, F),
  FA("*", "values", TEXT, F), FA("*", "by", TEXT, F),
  FA("*", "fill", TEXT, F), FA("*", "stroke", TEXT, F),
  FA("*", "filter", TEXT, F), FA("*", "mask", TEXT, F),
  FA("*", "clip-path", TEXT, F), FA("*", "marker-start", TEXT, F),
  FA("*", "marker-mid", TEXT, F), FA("*", "marker-end", TEXT, F),
  FA("*", "cursor", TEXT, F),
  /* Event handlers: script text, on every element. */
  FA("*", "on*", TEXT, A),
};
#undef FA
#undef H
#undef F
#undef A
#undef URL
#undef SRCSET
#undef URLS
#undef TEXT

const struct consent__fetch_attr *
consent__fetch_attrs(size_t *n)
{
  *n = sizeof(fetch_attrs) / sizeof(fetch_attrs[0]);
  return fetch_attrs;
}

/* A refresh: http-equiv="refresh" with content="5; url='https://...'"
 * (the standard's "shared declarative refresh steps"). */
static long
refresh_provider(const struct consent_registry *r,
                 const struct consent__token *t,
                 const struct consent__attr *eq, long base_prov)
{
  const struct consent__attr *content = consent__attr_get(t, "content");
  const char *p, *e;

  if (content == NULL || eq->value_len != 7 ||
      strncasecmp(eq->value, "refresh", 7) != 0)
    return -1;
  p = content->value;
  e = p + content->value_len;
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
                   *p == '\f' || (*p >= '0' && *p <= '9') || *p == '.'))
    p++;
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
                   *p == '\f' || *p == ';' || *p == ','))
    p++;
  if (e - p >= 3 && strncasecmp(p, "url", 3) == 0) {
    const char *q = p + 3;
    while (q < e && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' ||
                     *q == '\f'))
      q++;
    if (q < e && *q == '=') {
      q++;
      while (q < e && (*q == ' ' || *q == '\t' || *q == '\n' ||
                       *q == '\r' || *q == '\f'))
        q++;
      p = q;
    }
  }
  if (p < e && (*p == '"' || *p == '\'')) {
    const char *q = memchr(p + 1, *p, (size_t)(e - p - 1));
    if (q != NULL)
      e = q;
    p++;
  }
  return url_provider(r, p, (size_t)(e - p), base_prov);
}

/* Space-separated URLs. */
static long
urls_provider(const struct consent_registry *r, const char *v, size_t n,
              long base_prov, struct pick *k)
{
  const char *p = v, *e = v + n;

  while (p < e) {
    const char *s;
    long prov;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
                     *p == '\f'))
      p++;
    s = p;
    while (p < e && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' &&
           *p != '\f')
      p++;
    if (p > s && pick_ends(k, prov = url_provider(r, s, (size_t)(p - s),
                                                  base_prov)))
      return prov;
  }
  return -1;
}

/* Names that fetch only on elements whose attributes are always
 * recorded (consent__match_wants): the tokenizer need not flag them. */
static int
recorded_fetch_name(const char *n, size_t len)
{
#define IS(s) (memcmp(n, s, len) == 0)
  switch (len) {
  case 3:
    return IS("src");
  case 4:
    return IS("data") || IS("href");
  case 6:
    return IS("srcdoc") || IS("srcset") || IS("poster");
  case 7:
    return IS("classid");
  default:
    return 0;
  }
#undef IS
}

static long srcset_value(const struct consent_registry *r, const char *v,
                         size_t n, long base_prov, struct pick *k);
static int link_fetches(const struct consent__token *t);

static long text_pick(const struct consent_registry *r, const char *s,
                      size_t n, struct pick *k);

/* consent__match_attr through a pick. */
static long
attr_pick(const struct consent_registry *r, const struct consent__token *t,
          const struct consent__attr *a, long base_prov, struct pick *k)
{
  size_t i;

  if (!consent__tok_fetch_name(a->name, a->name_len, t->foreign) &&
      !(recorded_fetch_name(a->name, a->name_len) &&
        element(t->tag) != E_OTHER))
    return -1; /* the quick answer for almost every attribute */
  for (i = 0; i < sizeof(fetch_attrs) / sizeof(fetch_attrs[0]); i++) {
    const struct consent__fetch_attr *f = &fetch_attrs[i];
    if (f->where != CONSENT__ON_ANY &&
        (f->where == CONSENT__ON_FOREIGN) != (t->foreign != 0))
      continue;
    if (f->attr[0] == 'o' && f->attr[1] == 'n' && f->attr[2] == '*') {
      if (a->name_len <= 2 || a->name[0] != 'o' || a->name[1] != 'n')
        continue;
    } else if (f->attr_len != a->name_len ||
               memcmp(f->attr, a->name, a->name_len) != 0) {
      continue;
    }
    if (f->elem[0] == '*') {
      if (t->foreign && t->name_len == 1 && t->name[0] == 'a')
        continue; /* an SVG link: navigation */
    } else if (f->elem_len != t->name_len ||
               memcmp(f->elem, t->name, t->name_len) != 0) {
      continue;
    }
    if (t->tag == CONSENT__TAG_LINK && a->name_len == 4 &&
        !link_fetches(t))
      return -1;
    switch (f->how) {
    case CONSENT__FETCH_URL:
      return picked(k, url_provider(r, a->value, a->value_len, base_prov));
    case CONSENT__FETCH_SRCSET:
      return srcset_value(r, a->value, a->value_len, base_prov, k);
    case CONSENT__FETCH_URLS:
      return urls_provider(r, a->value, a->value_len, base_prov, k);
    case CONSENT__FETCH_TEXT:
      return text_pick(r, a->value, a->value_len, k);
    default:
      return picked(k, refresh_provider(r, t, a, base_prov));
    }
  }
  return -1;
}

long
consent__match_attr(const struct consent_registry *r,
                    const struct consent__token *t,
                    const struct consent__attr *a, long base_prov,
                    const struct consent__allow *allow)
{
  struct pick k;
  long prov;

  k.allow = allow;
  k.first = -1;
  prov = attr_pick(r, t, a, base_prov, &k);
  return prov >= 0 ? prov : k.first;
}

/* The first attribute of the tag that fetches from a provider. */
static long
any_attr_provider(const struct consent_registry *r,
                  const struct consent__token *t, long base_prov,
                  struct pick *k)
{
  size_t i;
  long prov;

  for (i = 0; i < t->nattrs; i++)
    if ((prov = attr_pick(r, t, &t->attrs[i], base_prov, k)) >= 0)
      return prov;
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

/* Percent-decodes a data: or javascript: URL into buf (cut at cap);
 * *used gets how much of v it read. */
static size_t
decode_url_text(const char *v, size_t n, char *buf, size_t cap,
                size_t *used)
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
  *used = i;
  return o;
}

/* Forgiving base64 (the URL standard's data: URL processor), in place;
 * returns the decoded length. */
static size_t
base64_in_place(char *s, size_t n)
{
  size_t i, o = 0;
  unsigned acc = 0, bits = 0;

  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z'
            ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+' ? 62 : c == '/' ? 63 : -1;
    if (v < 0)
      continue; /* whitespace, padding: skipped */
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      s[o++] = (char)((acc >> bits) & 0xff);
    }
  }
  return o;
}

#define UNREADABLE (-2)

/* A base64 data: URL's document, decoded. */
static long
base64_document(const struct consent_registry *r, const char *v,
                size_t n, struct pick *k)
{
  const char *comma = memchr(v, ',', n);
  size_t i, used, len;
  char *buf;
  long prov;

  if (comma == NULL)
    return -1;
  for (i = 0; i + 7 <= (size_t)(comma - v); i++)
    if (strncasecmp(v + i, ";base64", 7) == 0)
      break;
  if (i + 7 > (size_t)(comma - v))
    return -1;
  n -= (size_t)(comma + 1 - v);
  if ((buf = malloc(n + 1)) == NULL)
    return UNREADABLE;
  len = decode_url_text(comma + 1, n, buf, n, &used);
  len = base64_in_place(buf, len);
  prov = text_pick(r, buf, len, k);
  free(buf);
  return prov;
}

/* Frames whose document comes from the attribute itself: srcdoc, and
 * data: or javascript: URLs.  Any provider URL in it counts.  Returns
 * UNREADABLE when it could not be read. */
static long
inline_document(const struct consent_registry *r,
                const struct consent__token *t, struct pick *k)
{
  const struct consent__attr *a = consent__attr_get(t, "srcdoc");
  long prov;
  size_t i;

  if (a != NULL) {
    prov = text_pick(r, a->value, a->value_len, k);
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
  /* Decoded window by window, with no allocation to fail (a failed one
   * once let the frame through): each window overlaps the last by more
   * than any host and path the matcher reads. */
  for (i = 0; i < a->value_len;) {
    char buf[8192];
    size_t used, n = decode_url_text(a->value + i, a->value_len - i, buf,
                                     sizeof(buf), &used);
    if ((prov = text_pick(r, buf, n, k)) >= 0)
      return prov;
    if (i + used >= a->value_len)
      break;
    i += used > 1024 ? used - 1024 : used;
  }
  return base64_document(r, a->value, a->value_len, k);
}

void
consent__match_tag(const struct consent_registry *r,
                   const struct consent__token *t, long base_prov,
                   struct consent__match *m,
                   const struct consent__allow *allow)
{
  enum elem el = element(t->tag);
  const struct consent__attr *a;
  long prov = -1;
  struct pick k;

  memset(m, 0, sizeof(*m));
  m->prov = -1;
  k.allow = allow;
  k.first = -1;
  switch (el) {
  case E_IFRAME:
  case E_FRAME:
  case E_EMBED:
  case E_OBJECT:
    m->kind = CONSENT__EMBED_FRAME;
    m->visible = 1;
    m->until_end = el == E_IFRAME || el == E_OBJECT;
    prov = picked(&k, attr_provider(r, t, el == E_OBJECT ? "data" : "src",
                                    base_prov));
    if (prov < 0 && el != E_EMBED)
      prov = inline_document(r, t, &k);
    if (prov == UNREADABLE) {
      m->unreadable = 1;
      prov = -1;
    }
    break;
  case E_SCRIPT:
    a = consent__attr_get(t, "type");
    m->kind = CONSENT__EMBED_SCRIPT;
    m->until_end = 1;
    prov = picked(&k, attr_provider(r, t, "src", base_prov));
    if (prov < 0 && consent__attr_get(t, "src") == NULL && a != NULL &&
        (has_token(a->value, a->value_len, "application/ld+json") ||
         has_token(a->value, a->value_len, "application/json"))) {
      m->kind = CONSENT__EMBED_NONE; /* data, never run */
      return;
    }
    break;
  case E_LINK:
    if (!link_fetches(t))
      return;
    m->kind = CONSENT__EMBED_LINK;
    prov = picked(&k, attr_provider(r, t, "href", base_prov));
    break;
  case E_STYLE:
  case E_NOSCRIPT:
    /* Their text is checked when they end (a noscript's is markup for
     * visitors without JavaScript). */
    m->kind = CONSENT__EMBED_STYLE;
    m->until_end = 1;
    break;
  case E_INPUT:
    a = consent__attr_get(t, "type");
    if (a == NULL || !has_token(a->value, a->value_len, "image"))
      break;
    /* fall through */
  case E_IMG:
  case E_VIDEO:
  case E_AUDIO:
  case E_SOURCE:
  case E_TRACK:
  case E_IMAGE:
  case E_USE:
    m->kind = CONSENT__EMBED_MEDIA;
    m->until_end = el == E_VIDEO || el == E_AUDIO;
    prov = picked(&k, attr_provider(r, t, "src", base_prov));
    if (prov < 0)
      prov = srcset_provider(r, t, "srcset", base_prov, &k);
    if (prov < 0)
      prov = picked(&k, attr_provider(r, t, "poster", base_prov));
    if (prov < 0 && (el == E_IMAGE || el == E_USE)) {
      prov = picked(&k, attr_provider(r, t, "href", base_prov));
      if (prov < 0)
        prov = picked(&k, attr_provider(r, t, "xlink:href", base_prov));
    }
    m->pixel = is_pixel(t);
    m->visible = !m->pixel && el != E_SOURCE && el != E_TRACK && el != E_USE;
    break;
  default:
    break;
  }
  if (prov < 0 && t->fetch_attr && m->kind != CONSENT__EMBED_NONE &&
      m->kind != CONSENT__EMBED_STYLE)
    /* Any other attribute of an embed element that fetches (lowsrc,
     * codebase, an event handler that loads a provider; the tokenizer
     * saw one): the element goes as a whole. */
    prov = any_attr_provider(r, t, base_prov, &k);
  if (prov < 0 && is_widget_tag(r, t->tag, t->name, t->name_len)) {
    long w = widget_provider(r, t);
    if (w >= 0) {
      m->kind = CONSENT__EMBED_WIDGET;
      m->visible = 1;
      m->until_end = !t->self_closing;
      prov = picked(&k, w);
      if (prov < 0 && t->fetch_attr)
        /* A widget the visitor allows: an attribute of its box that
         * loads from another provider still decides (an event handler
         * with gtag(...)). */
        prov = any_attr_provider(r, t, base_prov, &k);
    }
  }
  else if (prov >= 0 && m->kind == CONSENT__EMBED_SCRIPT && !m->visible &&
           is_widget_tag(r, t->tag, t->name, t->name_len) &&
           widget_provider(r, t) == prov)
    /* A script that draws the embed where it stands (a gist, a Speaker
     * Deck deck): a visible box, not an invisible template. */
    m->visible = 1;
  if (prov < 0 && !m->unreadable)
    prov = k.first; /* everything found is allowed (or nothing found) */
  m->prov = prov;
  if (prov < 0 && m->kind != CONSENT__EMBED_SCRIPT &&
      m->kind != CONSENT__EMBED_STYLE && !m->unreadable)
    m->kind = CONSENT__EMBED_NONE;
}

long
consent__match_base(const struct consent_registry *r,
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

/* The provider of the URL that starts at u[j] ("//host" or "\\/\\/host"
 * with the "\\/" at j), or -1. */
static long
url_at(const struct consent_registry *r, const char *text, size_t len,
       size_t j)
{
  const char *s = text + j, *e = text + len, *h;
  char url[CONSENT__HOST_MAX + 8];
  size_t n = 2;

  if (s[0] == '/' && s[1] == '/')
    s += 2;
  else if (s[0] == '\\' && j + 4 < len && s[2] == '\\' && s[3] == '/')
    s += 4; /* "\/\/" */
  else
    return -1;
  /* The host where it is written: most are no provider's. */
  h = s;
  while (s < e && host_char((unsigned char)*s) &&
         (size_t)(s - h) < sizeof(url) - 4)
    s++;
  if (s == h || !consent__registry_may_match_host(r, h, (size_t)(s - h)))
    return -1;
  memcpy(url, "//", 2);
  memcpy(url + 2, h, (size_t)(s - h));
  n += (size_t)(s - h);
  /* Keep a path start for host/path patterns. */
  if (s < e && (*s == '/' || *s == '\\')) {
    size_t room = sizeof(url) - n;
    while (s < e && room > 1 && *s != '"' && *s != '\'' && *s != ' ' &&
           *s != ')' && *s != '<' && *s != '>' && *s != '\n') {
      url[n++] = *s == '\\' ? '/' : *s;
      s++;
      room--;
    }
  }
  return consent__registry_match_url(r, url, n);
}

/* What a search of a text found so far (see consent__match_text_for):
 * sig and url end it (not allowed, or any without an allow); the first
 * allowed ones are kept apart. */
struct text_found {
  const struct consent__allow *allow;
  long url;          /* the first URL's provider that ends the search */
  long sig_allowed;  /* the first signature's provider, allowed */
  long url_allowed;  /* the first URL's provider, allowed */
};

static int
text_allowed(const struct text_found *f, long prov)
{
  return f->allow != NULL && f->allow->allowed(f->allow->ud, prov);
}

/* Position j (j + 1 < len) of a text: the provider of a signature that
 * starts there and ends the search, or -1; f->url gets the provider of a
 * URL that starts there when it has none yet. */
static long
text_at(const struct consent_registry *r, const char *text, size_t len,
        size_t j, struct text_found *f)
{
  const unsigned char *u = (const unsigned char *)text;
  unsigned pair = (unsigned)u[j] << 8 | u[j + 1];
  size_t i;

  if (!(r->text_pairs[pair >> 3] & (1u << (pair & 7))))
    return -1;
  if (r->sig_pairs[pair >> 3] & (1u << (pair & 7))) {
    /* The first signature of this pair (they are sorted by it). */
    size_t lo = 0, hi = r->nsigs;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (r->sigs[mid].pair < pair)
        lo = mid + 1;
      else
        hi = mid;
    }
    for (i = lo; i < r->nsigs && r->sigs[i].pair == pair; i++) {
      const struct consent__signature *g = &r->sigs[i];
      uint32_t head;
      if (g->len > len - j)
        continue;
      if (g->len >= 4) {
        /* (Most pairs are common letters: four bytes decide most.) */
        memcpy(&head, text + j, 4);
        if (head != g->head)
          continue;
      }
      if (memcmp(text + j + 2, g->text + 2, g->len - 2) != 0)
        continue;
      if (!text_allowed(f, (long)g->prov))
        return (long)g->prov;
      if (f->sig_allowed < 0)
        f->sig_allowed = (long)g->prov;
    }
  }
  if (f->url < 0 && (u[j] == '/' || u[j] == '\\')) {
    long prov = url_at(r, text, len, j);
    if (prov >= 0 && text_allowed(f, prov)) {
      if (f->url_allowed < 0)
        f->url_allowed = prov;
    } else {
      f->url = prov;
    }
  }
  return -1;
}

#if CONSENT__X86_SIMD
/* The nibble filter (registry.c, text_filter) over 16 or 32 positions at
 * a time: a position goes to text_at only when its three bytes may start
 * an entry of the same group.  Returns len, with *sig set when a
 * signature was found. */
#define TEXT_FILTER(NAME, TARGET, VEC, W, LOAD, SET1, AND, SHUF, SRLI,       \
                    CMPEQ, MOVEMASK, ZERO, TABLE)                           \
  __attribute__((target(TARGET))) static size_t                            \
  NAME(const struct consent_registry *r, const char *text, size_t len,     \
       long *sig, struct text_found *f)                                    \
  {                                                                        \
    const VEC lo0 = TABLE(r->text_nibbles[0]);                             \
    const VEC hi0 = TABLE(r->text_nibbles[1]);                             \
    const VEC lo1 = TABLE(r->text_nibbles[2]);                             \
    const VEC hi1 = TABLE(r->text_nibbles[3]);                             \
    const VEC lo2 = TABLE(r->text_nibbles[4]);                             \
    const VEC hi2 = TABLE(r->text_nibbles[5]);                             \
    const VEC nib = SET1(0x0f), zero = ZERO();                             \
    unsigned char pad[W + 2];                                              \
    const char *at;                                                        \
    size_t i;                                                              \
                                                                           \
    for (i = 0; i + 1 < len; i += W) {                                     \
      if (i + W + 2 <= len) {                                              \
        at = text + i;                                                     \
      } else {                                                             \
        /* The last positions, from a copy with zeros after the text: a   \
         * zero third byte lets through only signatures of two bytes. */  \
        memset(pad, 0, sizeof(pad));                                       \
        memcpy(pad, text + i, len - i);                                    \
        at = (const char *)pad;                                            \
      }                                                                    \
      VEC a = LOAD((const void *)at);                                      \
      VEC b = LOAD((const void *)(at + 1));                                \
      VEC c = LOAD((const void *)(at + 2));                                \
      VEC m = AND(AND(AND(SHUF(lo0, AND(a, nib)),                          \
                          SHUF(hi0, AND(SRLI(a, 4), nib))),                \
                      AND(SHUF(lo1, AND(b, nib)),                          \
                          SHUF(hi1, AND(SRLI(b, 4), nib)))),               \
                  AND(SHUF(lo2, AND(c, nib)),                              \
                      SHUF(hi2, AND(SRLI(c, 4), nib))));                   \
      uint64_t bits = ~(uint64_t)(uint32_t)MOVEMASK(CMPEQ(m, zero)) &     \
                      (((uint64_t)1 << W) - 1);                            \
      while (bits != 0) {                                                  \
        size_t k = (size_t)__builtin_ctzll(bits);                          \
        bits &= bits - 1;                                                  \
        if (i + k + 1 >= len)                                              \
          break; /* (a pair needs two bytes) */                            \
        if ((*sig = text_at(r, text, len, i + k, f)) >= 0)                 \
          return len;                                                      \
      }                                                                    \
    }                                                                      \
    return len;                                                            \
  }

#define LOAD128(p) _mm_loadu_si128((const __m128i *)(p))
#define TABLE128(t) _mm_loadu_si128((const __m128i *)(const void *)(t))
TEXT_FILTER(text_filter_ssse3, "ssse3", __m128i, 16, LOAD128, _mm_set1_epi8,
            _mm_and_si128, _mm_shuffle_epi8, _mm_srli_epi16, _mm_cmpeq_epi8,
            _mm_movemask_epi8, _mm_setzero_si128, TABLE128)
#define LOAD256(p) _mm256_loadu_si256((const __m256i *)(p))
#define TABLE256(t) _mm256_broadcastsi128_si256(TABLE128(t))
TEXT_FILTER(text_filter_avx2, "avx2", __m256i, 32, LOAD256, _mm256_set1_epi8,
            _mm256_and_si256, _mm256_shuffle_epi8, _mm256_srli_epi16,
            _mm256_cmpeq_epi8, _mm256_movemask_epi8, _mm256_setzero_si256,
            TABLE256)
#endif

long
consent__match_text_at(const struct consent_registry *r, const char *text,
                       size_t len, int level,
                       const struct consent__allow *allow)
{
  struct text_found f;
  long sig = -1;
  size_t j = 0;

  /* Signatures name the provider more precisely than the URL a snippet
   * loads (a pixel's script comes from a social host): the first
   * signature anywhere wins, else the first URL of a provider (with an
   * allow: of those it does not allow, then of those it does). */
  if (len < 2)
    return -1;
  f.allow = allow;
  f.url = f.sig_allowed = f.url_allowed = -1;
#if CONSENT__X86_SIMD
  if (level >= 2 && __builtin_cpu_supports("avx2"))
    j = text_filter_avx2(r, text, len, &sig, &f);
  else if (level >= 1 && __builtin_cpu_supports("ssse3"))
    j = text_filter_ssse3(r, text, len, &sig, &f);
  if (sig >= 0)
    return sig;
#else
  (void)level;
#endif
  for (; j + 1 < len; j++) {
    unsigned pair = (unsigned)(unsigned char)text[j] << 8 |
                    (unsigned char)text[j + 1];
    if ((r->text_pairs[pair >> 3] & (1u << (pair & 7))) &&
        (sig = text_at(r, text, len, j, &f)) >= 0)
      return sig;
  }
  return f.url >= 0 ? f.url : f.sig_allowed >= 0 ? f.sig_allowed
                                                  : f.url_allowed;
}

int
consent__css_unescape(const char *s, size_t n, struct consent__buf *out)
{
  size_t i = 0;

  while (i < n) {
    const char *bs = memchr(s + i, '\\', n - i);
    size_t run = bs != NULL ? (size_t)(bs - (s + i)) : n - i;
    uint32_t c = 0;
    unsigned k = 0;
    unsigned char u8[4];
    size_t u8n;

    if (consent__buf_append(out, s + i, run) != 0)
      return -1;
    i += run;
    if (i == n)
      break;
    i++; /* the backslash */
    if (i == n) {
      c = 0xFFFD;
    } else if (s[i] == '\n' || s[i] == '\r' || s[i] == '\f') {
      i += s[i] == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
      continue; /* a line continuation */
    } else if (consent__hexval((unsigned char)s[i]) >= 0) {
      while (k < 6 && i < n && consent__hexval((unsigned char)s[i]) >= 0) {
        c = c * 16 + (uint32_t)consent__hexval((unsigned char)s[i]);
        i++;
        k++;
      }
      if (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                    s[i] == '\f'))
        i++;
      else if (i < n && s[i] == '\r')
        i += i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
      if (c == 0 || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
        c = 0xFFFD;
    } else {
      /* Any other character stands for itself (its UTF-8 bytes follow
       * as they are). */
      continue;
    }
    u8n = consent__utf8_put(c, u8);
    if (consent__buf_append(out, u8, u8n) != 0)
      return -1;
  }
  return 0;
}

long
consent__match_text(const struct consent_registry *r, const char *text,
                    size_t len)
{
  return consent__match_text_at(r, text, len, 2, NULL);
}

long
consent__match_text_for(const struct consent_registry *r, const char *text,
                        size_t len, const struct consent__allow *allow)
{
  return consent__match_text_at(r, text, len, 2, allow);
}

/* consent__match_text_for through a pick. */
static long
text_pick(const struct consent_registry *r, const char *s, size_t n,
          struct pick *k)
{
  return picked(k, consent__match_text_at(r, s, n, 2, k->allow));
}
