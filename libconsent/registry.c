/*
 * registry.c: the provider registry and the provider file parser.
 *
 * The file format is documented in docs/providers.md; the built-in
 * providers are written in it too (libconsent/providers.conf, compiled
 * in), so that one parser serves both.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "consent.h"
#include "registry.h"
#include "util.h"
#include <errno.h>

#define MAX_PROVIDER_FILE (1u << 20)

#define MAX_FILE (1u << 20)
#define MAX_LINE 4096
#define MAX_LIST 256
#define MAX_PROVIDERS 4096
#define CUSTOM_CODE_BASE 4096u

extern const char consent__builtin_providers[];

const char *const consent__category_names[CONSENT__CATEGORIES] = {
  "video", "audio", "social", "maps", "charts", "documents", "fonts",
  "analytics", "marketing", "comments", "other"
};


/* ------------------------------------------------------------------ */
/* Providers                                                           */

static void
strlist_free(struct consent__strlist *l)
{
  size_t i;

  for (i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

static int
strlist_add(struct consent__strlist *l, const char *s, size_t n)
{
  char **v;
  char *d;

  if (l->n >= MAX_LIST)
    return -1;
  d = consent__strndup(s, n);
  v = realloc(l->v, (l->n + 1) * sizeof(*v));
  if (d == NULL || v == NULL) {
    free(d);
    if (v != NULL)
      l->v = v;
    return -2;
  }
  l->v = v;
  l->v[l->n++] = d;
  return 0;
}

static int
strlist_copy(struct consent__strlist *dst, const struct consent__strlist *src)
{
  size_t i;

  dst->v = NULL;
  dst->n = 0;
  for (i = 0; i < src->n; i++)
    if (strlist_add(dst, src->v[i], strlen(src->v[i])) != 0)
      return -1;
  return 0;
}

static void
provider_free(struct consent__provider *p)
{
  free(p->name);
  free(p->privacy);
  free(p->oembed);
  free(p->hosts_joined);
  strlist_free(&p->hosts);
  strlist_free(&p->widgets);
  strlist_free(&p->inlines);
  strlist_free(&p->banners);
  memset(p, 0, sizeof(*p));
}

static char *
dup_or_null(const char *s)
{
  return s != NULL ? consent__strndup(s, strlen(s)) : NULL;
}

static int
provider_copy(struct consent__provider *d, const struct consent__provider *s)
{
  *d = *s;
  d->name = dup_or_null(s->name);
  d->privacy = dup_or_null(s->privacy);
  d->oembed = dup_or_null(s->oembed);
  d->hosts_joined = dup_or_null(s->hosts_joined);
  if (strlist_copy(&d->hosts, &s->hosts) != 0 ||
      strlist_copy(&d->widgets, &s->widgets) != 0 ||
      strlist_copy(&d->inlines, &s->inlines) != 0 ||
      strlist_copy(&d->banners, &s->banners) != 0 ||
      (s->name && !d->name) || (s->privacy && !d->privacy) ||
      (s->oembed && !d->oembed) || (s->hosts_joined && !d->hosts_joined))
    return -1;
  return 0;
}

static void text_filter(struct consent_registry *r);

void
consent__registry_init(struct consent_registry *r)
{
  memset(r, 0, sizeof(*r));
  text_filter(r);
}

static void
table_free(struct consent_registry *r)
{
  size_t i;

  for (i = 0; i < r->npat; i++) {
    free(r->pat[i].host);
    free(r->pat[i].path);
  }
  free(r->pat);
  free(r->slots);
  free(r->enabled);
  free(r->widgets);
  free(r->sigs);
  r->widgets = NULL;
  r->nwidgets = 0;
  memset(r->wfirst, 0, sizeof(r->wfirst));
  r->sigs = NULL;
  r->nsigs = 0;
  r->pat = NULL;
  r->npat = 0;
  r->path_max = 0;
  r->slots = NULL;
  r->nslots = 0;
  r->enabled = NULL;
  r->nenabled = 0;
}

void
consent__registry_free(struct consent_registry *r)
{
  size_t i;

  table_free(r);
  for (i = 0; i < r->count; i++)
    provider_free(&r->prov[i]);
  free(r->prov);
  r->prov = NULL;
  r->count = r->cap = 0;
}

long
consent__registry_find(const struct consent_registry *r, const char *id,
                       size_t len)
{
  size_t i;

  for (i = 0; i < r->count; i++)
    if (strlen(r->prov[i].id) == len && memcmp(r->prov[i].id, id, len) == 0)
      return (long)i;
  return -1;
}

long
consent__registry_by_code(const struct consent_registry *r, unsigned code)
{
  size_t i;

  for (i = 0; i < r->count; i++)
    if (r->prov[i].code == code)
      return (long)i;
  return -1;
}

/* ------------------------------------------------------------------ */
/* The host table                                                      */

/* Splits a pattern "host[/path]" and normalizes the host. */
static int
split_pattern(const char *pat, char *host, size_t *host_len,
              const char **path)
{
  const char *slash = strchr(pat, '/');
  size_t n = slash ? (size_t)(slash - pat) : strlen(pat);

  *path = slash ? slash : "";
  return consent__host_normalize(pat, n, host, host_len);
}

static int
add_pattern(struct consent_registry *r, unsigned prov, const char *pat)
{
  struct consent__pattern *p, *np;
  char host[CONSENT__HOST_MAX + 1];
  size_t host_len;
  const char *path;

  if (split_pattern(pat, host, &host_len, &path) != 0)
    return 0; /* checked when the file was read */
  np = realloc(r->pat, (r->npat + 1) * sizeof(*np));
  if (np == NULL)
    return -1;
  r->pat = np;
  p = &r->pat[r->npat];
  p->host = consent__strndup(host, host_len);
  p->host_len = host_len;
  p->path = consent__strndup(path, strlen(path));
  p->path_len = strlen(path);
  if (p->path_len + 1 > r->path_max)
    r->path_max = p->path_len + 1;
  p->prov = prov;
  p->next = -1;
  if (p->host == NULL || p->path == NULL) {
    free(p->host);
    free(p->path);
    return -1;
  }
  r->npat++;
  return 0;
}

/* The hash of a host (or of its last labels) for the host table and
 * the tail filter: eight bytes a step (a host is looked up for every
 * URL of a page). */
static inline unsigned
host_hash(const char *s, size_t n)
{
  uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;
  size_t i;

  for (; n >= 8; s += 8, n -= 8) {
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  for (w = 0, i = 0; i < n; i++)
    w |= (uint64_t)(unsigned char)s[i] << (8 * i);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
  return (unsigned)(h >> 32);
}

/* The 12-bit hash of a host's last two labels in *h; 0 when it has
 * fewer than two. */
static int
tail_hash(const char *host, size_t len, unsigned *h)
{
  size_t i = len, dots = 0;

  while (i > 0) {
    if (host[i - 1] == '.' && ++dots == 2)
      break;
    i--;
  }
  if (dots == 0)
    return 0;
  *h = host_hash(host + i, len - i) >> 20;
  return 1;
}

static long
slot_of(const struct consent_registry *r, const char *host, size_t len)
{
  size_t mask = r->nslots - 1, i = host_hash(host, len) & mask;

  for (;; i = (i + 1) & mask) {
    long head = r->slots[i];
    if (head < 0 || (r->pat[head].host_len == len &&
                     memcmp(r->pat[head].host, host, len) == 0))
      return (long)i;
  }
}

/* Adds bytes b0 b1 and any byte of the nibble sets lo2 x hi2 (bit
 * masks of nibbles) to group g of the nibble filter. */
static void
filter_add(struct consent_registry *r, unsigned g, unsigned b0, unsigned b1,
           unsigned lo2, unsigned hi2)
{
  unsigned k;

  r->text_nibbles[0][b0 & 15] |= (unsigned char)(1u << g);
  r->text_nibbles[1][b0 >> 4] |= (unsigned char)(1u << g);
  r->text_nibbles[2][b1 & 15] |= (unsigned char)(1u << g);
  r->text_nibbles[3][b1 >> 4] |= (unsigned char)(1u << g);
  for (k = 0; k < 16; k++) {
    if (lo2 & (1u << k))
      r->text_nibbles[4][k] |= (unsigned char)(1u << g);
    if (hi2 & (1u << k))
      r->text_nibbles[5][k] |= (unsigned char)(1u << g);
  }
}

/* The pairs of bytes consent__match_text stops at: the first two bytes
 * of every signature, "//" and "\/" (a URL, or a JSON-escaped one).
 * The SIMD filter looks at three bytes: a position may start an entry
 * of group g when the nibbles of its three bytes all have bit g.  Its
 * entries: "//" and a byte a host may start with (matcher.c, host_char:
 * letters, digits and bytes from 0x80, group 0; '%', '-', '.', group 1),
 * "\/\" (group 2), and each signature's first three bytes (any third
 * byte for a signature of two), spread over groups 3 to 7.  A filter:
 * it lets through more than the entries, never less. */
static void
text_filter(struct consent_registry *r)
{
  size_t i;

  memcpy(r->text_pairs, r->sig_pairs, sizeof(r->text_pairs));
  r->text_pairs[('/' << 8 | '/') >> 3] |= (unsigned char)(1u << ('/' & 7));
  r->text_pairs[('\\' << 8 | '/') >> 3] |=
      (unsigned char)(1u << ((('\\' << 8) | '/') & 7));
  memset(r->text_nibbles, 0, sizeof(r->text_nibbles));
  filter_add(r, 0, '/', '/', 0xFFFFu, 0xFFF8u);  /* 0x30-0xFF */
  filter_add(r, 1, '/', '/', 1u << 5 | 1u << 0xD | 1u << 0xE, 1u << 2);
  filter_add(r, 2, '\\', '/', 1u << ('\\' & 15), 1u << ('\\' >> 4));
  for (i = 0; i < r->nsigs; i++) {
    const unsigned char *t = (const unsigned char *)r->sigs[i].text;
    unsigned g = 3 + (unsigned)(i % 5);
    if (r->sigs[i].len >= 3)
      filter_add(r, g, t[0], t[1], 1u << (t[2] & 15), 1u << (t[2] >> 4));
    else
      filter_add(r, g, t[0], t[1], 0xFFFFu, 0xFFFFu);
  }
}

/* The widget selectors and inline signatures of the enabled providers,
 * flattened so that the matcher does not walk every provider per tag. */
static int
compile_matchers(struct consent_registry *r)
{
  size_t i, k, nw = 0, ns = 0;

  for (i = 0; i < r->nenabled; i++) {
    nw += r->prov[r->enabled[i]].widgets.n;
    ns += r->prov[r->enabled[i]].inlines.n;
  }
  r->widgets = calloc(nw + 1, sizeof(*r->widgets));
  r->sigs = calloc(ns + 1, sizeof(*r->sigs));
  if (r->widgets == NULL || r->sigs == NULL)
    return -1;
  memset(r->sig_pairs, 0, sizeof(r->sig_pairs));
  memset(r->class_hash, 0, sizeof(r->class_hash));
  r->wattr_cls = 0;
  for (i = 0; i < r->nenabled; i++) {
    const struct consent__provider *p = &r->prov[r->enabled[i]];
    for (k = 0; k < p->widgets.n; k++) {
      struct consent__widget *w = &r->widgets[r->nwidgets];
      const char *s = p->widgets.v[k];
      size_t tl = strcspn(s, ".#["), vl = strlen(s + tl + 1), al = 0;
      const char *eq = NULL;
      if (s[tl] == '[') {
        vl--; /* without ']' */
        eq = memchr(s + tl + 1, '=', vl);
      }
      if (eq != NULL) {
        /* [attr=value] or [attr^=value]: the name, then the value. */
        size_t nl = (size_t)(eq - (s + tl + 1));
        w->op = eq[-1] == '^' ? '^' : '=';
        al = vl - nl - 1;
        vl = nl - (w->op == '^');
        if (al >= sizeof(w->attr_value))
          continue;
        memcpy(w->attr_value, eq + 1, al);
      }
      w->attr_value_len = al;
      if (tl >= sizeof(w->tag) || vl >= sizeof(w->value))
        continue; /* longer than any real selector: skipped */
      memcpy(w->tag, s, tl);
      w->tag_len = tl;
      w->sel = s[tl];
      memcpy(w->value, s + tl + 1, vl);
      w->value_len = vl;
      w->prov = (unsigned)r->enabled[i];
      if (w->sel == '.') {
        unsigned h = consent__class_hash(w->value, w->value_len);
        w->class_hash = h;
        r->class_hash[h >> 3] |= (unsigned char)(1u << (h & 7));
      }
      w->tag_id = consent__tag_id(w->tag, w->tag_len);
      if (w->sel == '[' && w->value_len == 5 &&
          strncasecmp(w->value, "class", 5) == 0)
        r->wattr_cls = 1;
      r->nwidgets++;
    }
    for (k = 0; k < p->inlines.n; k++) {
      struct consent__signature *g = &r->sigs[r->nsigs++];
      g->text = p->inlines.v[k];
      g->len = strlen(g->text);
      g->prov = (unsigned)r->enabled[i];
      g->pair = 0;
      g->head = 0;
      if (g->len >= 4)
        memcpy(&g->head, g->text, 4);
      if (g->len >= 2) {
        unsigned pair = (unsigned char)g->text[0] << 8 |
                        (unsigned char)g->text[1];
        g->pair = pair;
        r->sig_pairs[pair >> 3] |= (unsigned char)(1u << (pair & 7));
      }
    }
  }
  text_filter(r);
  /* Signatures in the order of their first two bytes (stable: the
   * providers' order within a pair), so that a position looks only at
   * those that can start there. */
  for (i = 1; i < r->nsigs; i++) {
    struct consent__signature g = r->sigs[i];
    for (k = i; k > 0 && r->sigs[k - 1].pair > g.pair; k--)
      r->sigs[k] = r->sigs[k - 1];
    r->sigs[k] = g;
  }
  /* In the order of their tag ids (stable: the providers' order within
   * a tag), so that a tag looks only at its own. */
  memset(r->wfirst, 0, sizeof(r->wfirst));
  for (i = 1; i < r->nwidgets; i++) {
    struct consent__widget w = r->widgets[i];
    for (k = i; k > 0 && r->widgets[k - 1].tag_id > w.tag_id; k--)
      r->widgets[k] = r->widgets[k - 1];
    r->widgets[k] = w;
  }
  memset(r->wname_len, 0, sizeof(r->wname_len));
  memset(r->wid_first, 0, sizeof(r->wid_first));
  for (i = 0; i < r->nwidgets; i++) {
    const struct consent__widget *w = &r->widgets[i];
    r->wfirst[w->tag_id + 1] = (uint32_t)(i + 1);
    if (w->sel == '#')
      r->wid_first[(unsigned char)w->value[0]] = 1;
    else if (w->sel == '[' && w->value_len == 2 &&
             strncasecmp(w->value, "id", 2) == 0) {
      if (w->op == 0 || w->attr_value_len == 0)
        memset(r->wid_first, 1, sizeof(r->wid_first));
      else
        r->wid_first[(unsigned char)w->attr_value[0]] = 1;
    }
    if (w->sel == '[')
      r->wname_len[w->tag_id] |= (uint64_t)1 << (w->value_len < 63
                                                  ? w->value_len : 63);
  }
  for (k = 1; k <= CONSENT__TAG_COUNT; k++)
    if (r->wfirst[k] < r->wfirst[k - 1])
      r->wfirst[k] = r->wfirst[k - 1];
  return 0;
}

/* Builds the host table and the list of enabled providers. */
static int
compile(struct consent_registry *r)
{
  size_t i, k;

  table_free(r);
  r->enabled = malloc((r->count + 1) * sizeof(*r->enabled));
  if (r->enabled == NULL)
    return -1;
  for (i = 0; i < r->count; i++) {
    struct consent__provider *p = &r->prov[i];
    if (!p->enabled)
      continue;
    r->enabled[r->nenabled++] = i;
    for (k = 0; k < p->hosts.n; k++)
      if (add_pattern(r, (unsigned)i, p->hosts.v[k]) != 0)
        return -1;
  }
  for (r->nslots = 16; r->nslots < 2 * r->npat + 1; r->nslots *= 2)
    ;
  r->slots = malloc(r->nslots * sizeof(*r->slots));
  if (r->slots == NULL)
    return -1;
  for (i = 0; i < r->nslots; i++)
    r->slots[i] = -1;
  /* Insert in reverse so that chains keep the patterns' order. */
  memset(r->tail_bits, 0, sizeof(r->tail_bits));
  r->tail_off = 0;
  for (i = r->npat; i-- > 0;) {
    long s = slot_of(r, r->pat[i].host, r->pat[i].host_len);
    unsigned h;
    r->pat[i].next = r->slots[s];
    r->slots[s] = (long)i;
    if (tail_hash(r->pat[i].host, r->pat[i].host_len, &h))
      r->tail_bits[h >> 3] |= (unsigned char)(1u << (h & 7));
    else
      r->tail_off = 1;
  }
  return compile_matchers(r);
}

/* Whether a host (len bytes, normalized) may match a pattern: 0 only
 * when no pattern's host ends in its last two labels. */
static int
tail_may(const struct consent_registry *r, const char *host, size_t len)
{
  unsigned h;

  return r->tail_off || !tail_hash(host, len, &h) ||
         (r->tail_bits[h >> 3] & (1u << (h & 7)));
}

static int
path_has_prefix(const struct consent__url *u, const char *pre, size_t n)
{
  size_t i;

  if (u->path_len < n)
    return 0;
  for (i = 0; i < n; i++) {
    unsigned a = (unsigned char)u->path[i], b = (unsigned char)pre[i];
    if (a >= 'A' && a <= 'Z')
      a += 32;
    if (b >= 'A' && b <= 'Z')
      b += 32;
    if (a != b)
      return 0;
  }
  /* "/maps" matches "/maps", "/maps/..." and "/maps?...", not "/mapsx". */
  return u->path_len == n || pre[n - 1] == '/' || u->path[n] == '/';
}

/* Drops the first label of the host at *h (*len bytes): the parent
 * domain.  0 when there is none. */
static int
parent_domain(const char **h, size_t *len)
{
  const char *dot = memchr(*h, '.', *len);

  if (dot == NULL)
    return 0;
  *len -= (size_t)(dot + 1 - *h);
  *h = dot + 1;
  return 1;
}

long
consent__registry_match(const struct consent_registry *r,
                        const struct consent__url *u)
{
  const char *h = u->host;
  size_t len = u->host_len;

  if (r->nslots == 0 || len == 0 || !tail_may(r, h, len))
    return -1;
  for (;;) {
    long s = slot_of(r, h, len), i, any = -1, best = -1;
    size_t best_len = 0;

    for (i = r->slots[s]; i >= 0; i = r->pat[i].next) {
      const struct consent__pattern *p = &r->pat[i];
      if (p->path_len == 0) {
        if (any < 0)
          any = (long)p->prov;
      } else if (p->path_len > best_len &&
                 path_has_prefix(u, p->path, p->path_len)) {
        best = (long)p->prov;
        best_len = p->path_len;
      }
    }
    if (best >= 0)
      return best;
    if (any >= 0)
      return any;
    if (!parent_domain(&h, &len))
      return -1;
  }
}

/* Bytes of a plain host as written: 1 a lowercase letter, a digit or
 * '-', 2 an uppercase letter, 4 a dot (0: anything else, which only the
 * URL parser reads right). */
static const unsigned char host_byte[256] = {
  ['-'] = 1, ['.'] = 4,
  ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
  ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
#define L(c) [c] = 1, [(c) - 32] = 2
  L('a'), L('b'), L('c'), L('d'), L('e'), L('f'), L('g'), L('h'), L('i'),
  L('j'), L('k'), L('l'), L('m'), L('n'), L('o'), L('p'), L('q'), L('r'),
  L('s'), L('t'), L('u'), L('v'), L('w'), L('x'), L('y'), L('z'),
#undef L
};

int
consent__registry_may_match_host(const struct consent_registry *r,
                                  const char *host, size_t len)
{
  char h[CONSENT__HOST_MAX + 1];
  const char *p = host;
  size_t n = len, i, last = 0, tail = 0, dots = 0;
  unsigned k, any = 0, th;

  if (r->nslots == 0)
    return 0;
  /* consent__host_plain's test in one pass that also finds the last
   * two labels; a host in lowercase is read where it is. */
  if (n > 0 && p[n - 1] == '.')
    n--;
  if (n == 0 || n > CONSENT__HOST_MAX || p[0] == '.')
    return 1; /* escapes, IDN, numbers: only the parser knows */
  for (i = 0; i < n; i++) {
    k = host_byte[(unsigned char)p[i]];
    any |= k;
    if (k == 4) {
      if (p[i - 1] == '.')
        return 1;
      tail = last;
      last = i + 1;
      dots++;
    } else if (k == 0) {
      return 1;
    }
  }
  if (any & 2) {
    consent__host_plain(host, len, h, &n);
    p = h;
  }
  if (!r->tail_off && dots > 0) {
    th = host_hash(p + tail, n - tail) >> 20;
    if (!(r->tail_bits[th >> 3] & (1u << (th & 7))))
      return 0;
  }
  for (;;) {
    if (r->slots[slot_of(r, p, n)] >= 0)
      return 1;
    if (!parent_domain(&p, &n))
      return 0;
  }
}

int
consent__registry_may_match_url(const struct consent_registry *r,
                                 const char *url, size_t len)
{
  size_t i = 0, s;

  /* "http:", "https:" (any case) or nothing, then exactly "//", the
   * host, and '/', '?', '#' or the end: any other URL is the parser's
   * (spaces, backslashes, userinfo, a port, other schemes). */
  if (len >= 5 && (url[0] | 0x20) == 'h' && (url[1] | 0x20) == 't' &&
      (url[2] | 0x20) == 't' && (url[3] | 0x20) == 'p') {
    i = (url[4] | 0x20) == 's' ? 5 : 4;
    if (i >= len || url[i] != ':')
      return 1;
    i++;
  }
  if (len - i < 3 || url[i] != '/' || url[i + 1] != '/')
    return 1;
  s = i += 2;
  while (i < len && host_byte[(unsigned char)url[i]] != 0)
    i++;
  if (i < len && url[i] != '/' && url[i] != '?' && url[i] != '#')
    return 1;
  return consent__registry_may_match_host(r, url + s, i - s);
}

long
consent__registry_match_url(const struct consent_registry *r,
                            const char *url, size_t len)
{
  struct consent__url u;

  if (consent__url_parse_n(url, len, &u, r->path_max) != CONSENT__URL_HOST)
    return -1;
  return consent__registry_match(r, &u);
}

/* ------------------------------------------------------------------ */
/* The provider file                                                   */

struct parser {
  struct consent_registry *r;
  const char *name;
  unsigned line;
  long cur;           /* the provider of the current section, or -1 */
};

static int
fail(struct parser *ps, const char *fmt, const char *a, const char *b)
{
  char msg[1200];

  /* fmt is one of this file's literals, with up to two %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  snprintf(msg, sizeof(msg), fmt, a ? a : "", b ? b : "");
#pragma GCC diagnostic pop
  consent__file_msg(ps->r->errmsg, sizeof(ps->r->errmsg), ps->name,
                    ps->line, msg);
  return CONSENT_E_PARSE;
}

static int
valid_id(const char *s, size_t n)
{
  size_t i;

  if (n == 0 || n > CONSENT__ID_MAX)
    return 0;
  for (i = 0; i < n; i++) {
    unsigned c = (unsigned char)s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          (i > 0 && (c == '-' || c == '_' || c == '.'))))
      return 0;
  }
  return 1;
}

/* A character of a class, id, attribute name or attribute value in a
 * widget selector. */
static int
selector_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == ':';
}

/* tag.class, tag#id, tag[attr], tag[attr=value] or tag[attr^=value]. */
static int
valid_widget(const char *s)
{
  const char *p = s;
  size_t n;

  while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')
    p++;
  if (p == s)
    return 0;
  if (*p == '.' || *p == '#') {
    for (n = 0, p++; p[n] != '\0'; n++)
      if (!selector_char(p[n]))
        return 0;
    return n > 0;
  }
  if (*p != '[')
    return 0;
  for (n = 0, p++; selector_char(p[n]); n++)
    ;
  if (n == 0)
    return 0;
  p += n;
  if (*p == '^')
    p++;
  if (*p == '=') {
    for (n = 0, p++; selector_char(p[n]) || p[n] == '.' || p[n] == '/'; n++)
      ;
    if (n == 0)
      return 0;
    p += n;
  } else if (p[-1] == '^') {
    return 0;
  }
  return p[0] == ']' && p[1] == '\0';
}

static int
set_string(struct parser *ps, char **dst, const char *v, size_t n)
{
  char *d = consent__strndup(v, n);

  if (d == NULL)
    return CONSENT_E_NOMEM;
  free(*dst);
  *dst = d;
  (void)ps;
  return 0;
}

static int
is_url(const char *v, size_t n)
{
  return (n > 8 && strncmp(v, "https://", 8) == 0) ||
         (n > 7 && strncmp(v, "http://", 7) == 0);
}

/* Adds the items of a list value (separated by spaces or commas). */
static int
add_items(struct parser *ps, struct consent__strlist *l, const char *v,
          size_t n, const char *key)
{
  size_t i = 0, start;
  char item[512];

  while (i < n) {
    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
      i++;
    start = i;
    while (i < n && v[i] != ' ' && v[i] != '\t' && v[i] != ',')
      i++;
    if (i == start)
      break;
    if (i - start >= sizeof(item))
      return fail(ps, "%s: item too long: '%.60s...'", key, v + start);
    memcpy(item, v + start, i - start);
    item[i - start] = '\0';
    if (strcmp(key, "hosts") == 0) {
      char host[CONSENT__HOST_MAX + 1];
      size_t hl;
      const char *path;
      if (split_pattern(item, host, &hl, &path) != 0 || hl == 0 ||
          memchr(host, '.', hl) == NULL)
        return fail(ps, "hosts: '%s' is not a host name (or host/path)",
                    item, NULL);
    } else if (strcmp(key, "banners") == 0) {
      static const char *const src[] = { "klaro:", "cookiebot:",
                                         "onetrust:", "cc_cookie:",
                                         "borlabs:", NULL };
      int k;
      for (k = 0; src[k]; k++)
        if (strncmp(item, src[k], strlen(src[k])) == 0 &&
            item[strlen(src[k])] != '\0')
          break;
      if (src[k] == NULL)
        return fail(ps, "banners: '%s' is not klaro:, cookiebot:, "
                    "onetrust:, cc_cookie: or borlabs: and a name", item,
                    NULL);
    } else if (!valid_widget(item)) {
      return fail(ps, "widgets: '%s' is not tag.class, tag#id, "
                  "tag[attribute] or tag[attribute^=prefix]", item, NULL);
    }
    switch (strlist_add(l, item, strlen(item))) {
    case 0:
      break;
    case -1:
      return fail(ps, "%s: more than 256 items", key, NULL);
    default:
      return CONSENT_E_NOMEM;
    }
  }
  return 0;
}

static int
new_provider(struct parser *ps, const char *id, size_t n)
{
  struct consent_registry *r = ps->r;
  struct consent__provider *p;

  if (r->count == MAX_PROVIDERS)
    return fail(ps, "more than 4096 providers", NULL, NULL);
  if (r->count == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 64;
    struct consent__provider *np = realloc(r->prov, cap * sizeof(*np));
    if (np == NULL)
      return CONSENT_E_NOMEM;
    r->prov = np;
    r->cap = cap;
  }
  p = &r->prov[r->count];
  memset(p, 0, sizeof(*p));
  memcpy(p->id, id, n);
  p->id[n] = '\0';
  p->enabled = 1;
  p->category = CONSENT__CATEGORIES - 1; /* other */
  ps->cur = (long)r->count++;
  return 0;
}

static int
parse_bool(const char *v, int *out)
{
  static const char *const yes[] = { "yes", "true", "on", "1", NULL };
  static const char *const no[] = { "no", "false", "off", "0", NULL };
  int i;

  for (i = 0; yes[i]; i++)
    if (strcmp(v, yes[i]) == 0)
      return *out = 1, 0;
  for (i = 0; no[i]; i++)
    if (strcmp(v, no[i]) == 0)
      return *out = 0, 0;
  return -1;
}

static int
set_key(struct parser *ps, const char *key, const char *v, size_t n,
        int append)
{
  struct consent__provider *p = &ps->r->prov[ps->cur];
  struct consent__strlist *list = NULL;
  int i, b;

  if (strcmp(key, "hosts") == 0)
    list = &p->hosts;
  else if (strcmp(key, "widgets") == 0)
    list = &p->widgets;
  else if (strcmp(key, "inline") == 0)
    list = &p->inlines;
  else if (strcmp(key, "banners") == 0)
    list = &p->banners;
  if (append && list == NULL)
    return fail(ps, "'+=' works for hosts, widgets, inline and banners, "
                "not '%s'", key, NULL);
  if (list != NULL) {
    if (!append)
      strlist_free(list);
    if (list == &p->inlines) {
      if (n == 0)
        return 0;
      if (n > 256)
        return fail(ps, "inline: a signature longer than 256 bytes", NULL,
                    NULL);
      if (n < 2)
        return fail(ps, "inline: a signature of one byte (at least two: "
                    "one would match nearly every script)", NULL, NULL);
      switch (strlist_add(list, v, n)) {
      case 0:
        return 0;
      case -1:
        return fail(ps, "inline: more than 256 items", NULL, NULL);
      default:
        return CONSENT_E_NOMEM;
      }
    }
    return add_items(ps, list, v, n, key);
  }
  if (strcmp(key, "name") == 0) {
    if (n == 0 || n > 128)
      return fail(ps, "name: 1 to 128 bytes", NULL, NULL);
    return set_string(ps, &p->name, v, n);
  }
  if (strcmp(key, "category") == 0) {
    for (i = 0; i < CONSENT__CATEGORIES; i++)
      if (strcmp(v, consent__category_names[i]) == 0) {
        p->category = i;
        return 0;
      }
    return fail(ps, "category: '%s' is none of video, audio, social, maps, "
                "charts, documents, fonts, analytics, marketing, comments, "
                "other", v, NULL);
  }
  if (strcmp(key, "privacy") == 0 || strcmp(key, "oembed") == 0) {
    if (!is_url(v, n) || n > 2048)
      return fail(ps, "%s: '%s' is not an http(s) URL", key, v);
    return set_string(ps, key[0] == 'p' ? &p->privacy : &p->oembed, v, n);
  }
  if (strcmp(key, "code") == 0) {
    char *end;
    unsigned long c = strtoul(v, &end, 10);
    if (n == 0 || *end != '\0' || c < 1 || c > 65535 || v[0] == '-' ||
        v[0] == '+')
      return fail(ps, "code: '%s' is not a number from 1 to 65535", v,
                  NULL);
    p->code = (unsigned)c;
    p->code_given = 1;
    return 0;
  }
  if (strcmp(key, "enabled") == 0 || strcmp(key, "sale_sharing") == 0) {
    if (parse_bool(v, &b) != 0)
      return fail(ps, "%s: '%s' is not yes or no", key, v);
    if (key[0] == 'e')
      p->enabled = (unsigned)b;
    else
      p->sale_sharing = (unsigned)b;
    return 0;
  }
  if (strcmp(key, "tcf_vendor") == 0) {
    char *end;
    unsigned long c = strtoul(v, &end, 10);
    if (n == 0 || *end != '\0' || c < 1 || c > 65535 || v[0] == '-' ||
        v[0] == '+')
      return fail(ps, "tcf_vendor: '%s' is not a vendor id (1 to 65535)",
                  v, NULL);
    p->tcf_vendor = (unsigned)c;
    return 0;
  }
  if (strcmp(key, "tcf_purposes") == 0) {
    const char *q = v;
    uint32_t mask = 0;
    while (*q) {
      char *end;
      unsigned long k;
      while (*q == ' ' || *q == ',')
        q++;
      if (*q == '\0')
        break;
      k = strtoul(q, &end, 10);
      if (end == q || k < 1 || k > 24 || (*end && *end != ' ' &&
                                          *end != ','))
        return fail(ps, "tcf_purposes: '%s' is not a list of purposes "
                    "(1 to 24)", v, NULL);
      mask |= 1u << (k - 1);
      q = end;
    }
    p->tcf_purposes = mask;
    return 0;
  }
  return fail(ps, "unknown key '%s' (name, category, code, hosts, widgets, "
              "inline, privacy, oembed, enabled, banners, tcf_vendor, "
              "tcf_purposes, sale_sharing)", key, NULL);
}

static int
parse_line(struct parser *ps, char *s, size_t n)
{
  char *eq, *key, *val;
  size_t kn, vn;
  int append = 0;
  long found;

  if (s[0] == '[') {
    if (s[n - 1] != ']')
      return fail(ps, "a section is '[provider-id]'", NULL, NULL);
    s[n - 1] = '\0';
    s++;
    n -= 2;
    if (!valid_id(s, n))
      return fail(ps, "'%s' is not a provider id (a-z, 0-9, then also - _ "
                  ".; at most 32)", s, NULL);
    found = consent__registry_find(ps->r, s, n);
    if (found >= 0) {
      ps->cur = found;
      return 0;
    }
    return new_provider(ps, s, n);
  }
  eq = memchr(s, '=', n);
  if (eq == NULL)
    return fail(ps, "expected 'key = value' or '[provider-id]'", NULL, NULL);
  if (ps->cur < 0)
    return fail(ps, "'key = value' before the first [provider-id]", NULL,
                NULL);
  key = s;
  kn = (size_t)(eq - s);
  if (kn > 0 && key[kn - 1] == '+') {
    append = 1;
    kn--;
  }
  while (kn > 0 && (key[kn - 1] == ' ' || key[kn - 1] == '\t'))
    kn--;
  key[kn] = '\0';
  val = eq + 1;
  vn = n - (size_t)(val - s);
  while (vn > 0 && (*val == ' ' || *val == '\t')) {
    val++;
    vn--;
  }
  val[vn] = '\0';
  if (kn == 0)
    return fail(ps, "a key is missing before '='", NULL, NULL);
  return set_key(ps, key, val, vn, append);
}

/* Codes for providers that name none, and no code twice. */
static int
check_codes(struct parser *ps)
{
  struct consent_registry *r = ps->r;
  size_t i, k;

  for (i = 0; i < r->count; i++)
    if (!r->prov[i].code_given)
      r->prov[i].code = CUSTOM_CODE_BASE +
                        consent__fnv1a(r->prov[i].id, strlen(r->prov[i].id)) %
                        (65536u - CUSTOM_CODE_BASE);
  for (i = 0; i < r->count; i++)
    for (k = i + 1; k < r->count; k++)
      if (r->prov[i].code == r->prov[k].code) {
        ps->line = 0;
        return fail(ps, "providers [%s] and [%s] have the same code: give "
                    "one of them another 'code ='", r->prov[i].id,
                    r->prov[k].id);
      }
  return 0;
}

/* Names default to the id; the space-joined host list for queries. */
static int
finish(struct consent_registry *r)
{
  size_t i, k, n;

  for (i = 0; i < r->count; i++) {
    struct consent__provider *p = &r->prov[i];
    if (p->name == NULL && (p->name = consent__strndup(p->id, strlen(p->id))) == NULL)
      return -1;
    free(p->hosts_joined);
    for (n = 1, k = 0; k < p->hosts.n; k++)
      n += strlen(p->hosts.v[k]) + 1;
    p->hosts_joined = malloc(n);
    if (p->hosts_joined == NULL)
      return -1;
    p->hosts_joined[0] = '\0';
    for (k = 0; k < p->hosts.n; k++) {
      if (k > 0)
        strcat(p->hosts_joined, " ");
      strcat(p->hosts_joined, p->hosts.v[k]);
    }
  }
  return compile(r);
}

static int
parse(struct parser *ps, const char *buf, size_t len)
{
  char line[MAX_LINE + 1];
  size_t pos = 0, start, n;
  const char *l;
  int st;

  if (len > MAX_FILE)
    return fail(ps, "larger than 1 MiB", NULL, NULL);
  if (memchr(buf, '\0', len) != NULL)
    return fail(ps, "holds a NUL byte: not a text file", NULL, NULL);
  while (consent__next_line(buf, len, &pos, &l, &n)) {
    ps->line++;
    if (n > MAX_LINE)
      return fail(ps, "line longer than 4096 bytes", NULL, NULL);
    memcpy(line, l, n);
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' ||
                     line[n - 1] == '\t'))
      n--;
    line[n] = '\0';
    start = 0;
    while (start < n && (line[start] == ' ' || line[start] == '\t'))
      start++;
    if (start == n || line[start] == '#')
      continue;
    st = parse_line(ps, line + start, n - start);
    if (st != 0)
      return st;
  }
  return check_codes(ps);
}

int
consent__registry_load(struct consent_registry *r, const char *buf,
                       size_t len, const char *name)
{
  struct consent__provider *saved = NULL;
  size_t saved_count = r->count, i;
  struct parser ps;
  int st;

  /* Keep a copy, so that a file with an error changes nothing. */
  if (r->count > 0) {
    saved = calloc(r->count, sizeof(*saved));
    if (saved == NULL)
      return CONSENT_E_NOMEM;
    for (i = 0; i < r->count; i++)
      if (provider_copy(&saved[i], &r->prov[i]) != 0) {
        saved_count = i + 1;
        while (saved_count-- > 0)
          provider_free(&saved[saved_count]);
        free(saved);
        return CONSENT_E_NOMEM;
      }
  }
  memset(&ps, 0, sizeof(ps));
  ps.r = r;
  ps.name = name ? name : "(provider file)";
  ps.cur = -1;
  r->errmsg[0] = '\0';
  st = parse(&ps, buf, len);
  if (st == 0 && finish(r) != 0)
    st = CONSENT_E_NOMEM;
  if (st == 0) {
    for (i = 0; i < saved_count && saved; i++)
      provider_free(&saved[i]);
    free(saved);
    return 0;
  }
  if (st == CONSENT_E_NOMEM && r->errmsg[0] == '\0')
    snprintf(r->errmsg, sizeof(r->errmsg), "%s: out of memory",
             name ? name : "(provider file)");
  for (i = 0; i < r->count; i++)
    provider_free(&r->prov[i]);
  r->count = 0;
  if (saved != NULL) {
    for (i = 0; i < saved_count; i++)
      r->prov[i] = saved[i];
    r->count = saved_count;
    free(saved);
  }
  if (finish(r) != 0)
    table_free(r);
  return st;
}

int
consent__registry_builtin(struct consent_registry *r)
{
  return consent__registry_load(r, consent__builtin_providers,
                                strlen(consent__builtin_providers),
                                "built-in providers");
}

/* ------------------------------------------------------------------ */
/* Categories                                                          */

const char *
consent_category_name(consent_category category)
{
  if ((unsigned)category >= CONSENT__CATEGORIES)
    return NULL;
  return consent__category_names[category];
}

consent_status
consent_category_from_name(const char *name, size_t len,
                           consent_category *category)
{
  int i;

  if (name == NULL || category == NULL)
    return CONSENT_E_INVAL;
  for (i = 0; i < CONSENT__CATEGORIES; i++)
    if (strlen(consent__category_names[i]) == len &&
        memcmp(consent__category_names[i], name, len) == 0) {
      *category = (consent_category)i;
      return CONSENT_OK;
    }
  return CONSENT_E_NOTFOUND;
}

/* ------------------------------------------------------------------ */
/* Registry                                                            */

static consent_status
registry_new(consent_registry_t **registry, int builtin)
{
  consent_registry_t *r;
  int st;

  if (registry == NULL)
    return CONSENT_E_INVAL;
  *registry = NULL;
  r = malloc(sizeof(*r));
  if (r == NULL)
    return CONSENT_E_NOMEM;
  consent__registry_init(r);
  if (builtin && (st = consent__registry_builtin(r)) != 0) {
    consent__registry_free(r);
    free(r);
    return (consent_status)st;
  }
  *registry = r;
  return CONSENT_OK;
}

consent_status
consent_registry_new(consent_registry_t **registry)
{
  return registry_new(registry, 1);
}

consent_status
consent_registry_new_empty(consent_registry_t **registry)
{
  return registry_new(registry, 0);
}

consent_status
consent_registry_load_buffer(consent_registry_t *registry, const char *buf,
                             size_t len, const char *name)
{
  if (registry == NULL || (buf == NULL && len > 0))
    return CONSENT_E_INVAL;
  return (consent_status)consent__registry_load(registry, buf ? buf : "",
                                                len, name);
}

consent_status
consent_registry_load_file(consent_registry_t *registry, const char *path)
{
  struct consent__buf b = { NULL, 0, 0 };
  consent_status st;
  int rc;

  if (registry == NULL || path == NULL)
    return CONSENT_E_INVAL;
  rc = consent__read_file(path, MAX_PROVIDER_FILE, &b);
  if (rc != 0) {
    snprintf(registry->errmsg, sizeof(registry->errmsg), "%s: %s", path,
             rc == -2 ? "larger than 1 MiB" : strerror(errno));
    consent__buf_free(&b);
    return rc == -2 ? CONSENT_E_PARSE : CONSENT_E_IO;
  }
  st = consent_registry_load_buffer(registry, b.data, b.len, path);
  consent__buf_free(&b);
  return st;
}

const char *
consent_registry_errmsg(const consent_registry_t *registry)
{
  return registry != NULL ? registry->errmsg : "";
}

void
consent_registry_free(consent_registry_t *registry)
{
  if (registry == NULL)
    return;
  consent__registry_free(registry);
  free(registry);
}

size_t
consent_registry_count(const consent_registry_t *registry)
{
  return registry != NULL ? registry->nenabled : 0;
}

const char *
consent_registry_id(const consent_registry_t *registry, size_t index)
{
  if (registry == NULL || index >= registry->nenabled)
    return NULL;
  return registry->prov[registry->enabled[index]].id;
}

/* The enabled provider called id, or NULL. */
static const struct consent__provider *
enabled_provider(const consent_registry_t *registry, const char *id)
{
  long i;

  if (registry == NULL || id == NULL)
    return NULL;
  i = consent__registry_find(registry, id, strlen(id));
  if (i < 0 || !registry->prov[i].enabled)
    return NULL;
  return &registry->prov[i];
}

const char *
consent_registry_get(const consent_registry_t *registry, const char *id,
                     consent_provider_field field)
{
  const struct consent__provider *p = enabled_provider(registry, id);
  const char *v;

  if (p == NULL)
    return NULL;
  switch (field) {
  case CONSENT_FIELD_NAME:
    v = p->name;
    break;
  case CONSENT_FIELD_CATEGORY:
    v = consent__category_names[p->category];
    break;
  case CONSENT_FIELD_PRIVACY:
    v = p->privacy;
    break;
  case CONSENT_FIELD_OEMBED:
    v = p->oembed;
    break;
  case CONSENT_FIELD_HOSTS:
    v = p->hosts_joined;
    break;
  default:
    return NULL;
  }
  return v != NULL && v[0] != '\0' ? v : NULL;
}

consent_status
consent_registry_match_url(const consent_registry_t *registry,
                           const char *url, size_t len, const char **id)
{
  long i;

  if (id == NULL)
    return CONSENT_E_INVAL;
  *id = NULL;
  if (registry == NULL || (url == NULL && len > 0))
    return CONSENT_E_INVAL;
  i = consent__registry_match_url(registry, url ? url : "", len);
  if (i >= 0)
    *id = registry->prov[i].id;
  return CONSENT_OK;
}
