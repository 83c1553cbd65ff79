/*
 * rewriter.c: the gate's streaming rewrite.
 *
 * Bytes are addressed by their offset in the input stream.  Bytes from
 * `emitted` on are not written yet: the ones before the current chunk
 * wait in `pend`, the others are in the chunk being fed.  A token
 * callback that finds an embed writes everything before it, then
 * captures; when the embed ends, the placeholder (holding the captured
 * markup) is written instead.  After each chunk, every byte up to the
 * tokenizer's settled point is written, unless a capture holds it.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "consent.h"
#include "banners.h"
#include "previews.h"
#include "rewriter.h"
#include "guard.h"

#define WIDGET_GAP_MAX 65536

/* ------------------------------------------------------------------ */
/* Gate                                                                */

int
consent__gate_init(struct consent_gate *g)
{
  int st;

  memset(g, 0, sizeof(*g));
  g->max_buffer = CONSENT__DEFAULT_MAX_BUFFER;
  g->notice = 1;
  st = consent__texts_init(&g->texts);
  if (st != 0)
    return st;
  g->lang = (size_t)consent__texts_find(&g->texts, "en", 2);
  return 0;
}

void
consent__gate_free(struct consent_gate *g)
{
  if (g->has_own_reg)
    consent__registry_free(&g->own_reg);
  consent__texts_free(&g->texts);
  free(g->site_privacy);
  free(g->endpoint);
  free(g->js_url);
  free(g->css_url);
  free(g->always);
  memset(g, 0, sizeof(*g));
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static void
fail(struct consent_rewriter *rw, int status)
{
  if (rw->status == 0) {
    rw->status = status;
    snprintf(rw->errmsg, sizeof(rw->errmsg), "%s",
             consent_strerror((consent_status)status));
  }
}

static void
out(struct consent_rewriter *rw, const char *p, size_t n)
{
  if (n == 0 || rw->status != 0)
    return;
  if (rw->sink(p, n, rw->sink_ud) != 0)
    fail(rw, CONSENT_E_SINK);
}

static void
count_lines(struct consent_rewriter *rw, const char *p, size_t n)
{
  const char *e = p + n;

  if (rw->report == NULL)
    return;
  while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
    rw->line++;
    p++;
  }
}

/* Input bytes [from, to), from the pending buffer and the chunk: to the
 * output (dst NULL) or appended to dst. */
static void
raw(struct consent_rewriter *rw, uint64_t from, uint64_t to,
    struct consent__buf *dst)
{
  while (from < to) {
    const char *p;
    size_t n;
    if (from < rw->chunk_base) {
      p = rw->pend.data + (from - rw->pend_start);
      n = (size_t)((to < rw->chunk_base ? to : rw->chunk_base) - from);
    } else {
      p = rw->chunk + (from - rw->chunk_base);
      n = (size_t)(to - from);
    }
    if (dst != NULL) {
      if (consent__buf_append(dst, p, n) != 0)
        fail(rw, CONSENT_E_NOMEM);
    } else {
      count_lines(rw, p, n);
      out(rw, p, n);
    }
    from += n;
  }
}

/* Writes the input up to off unchanged. */
static void
pass_to(struct consent_rewriter *rw, uint64_t off)
{
  if (off > rw->emitted) {
    raw(rw, rw->emitted, off, NULL);
    rw->emitted = off;
  }
}

static int
allowed(const struct consent_rewriter *rw, long prov)
{
  const struct consent_gate *g = rw->gate;

  if (prov < 0)
    return 0;
  if (g->always != NULL && g->always[prov])
    return 1;
  if (g->cache_safe || rw->state == NULL)
    return 0;
  return consent__state_allows(rw->state, (size_t)prov, rw->now);
}

static void
report(struct consent_rewriter *rw, long prov, consent_action action)
{
  char name[16];

  if (rw->report == NULL)
    return;
  snprintf(name, sizeof(name), "%.*s", (int)rw->cap_name_len, rw->cap_name);
  rw->report(prov >= 0 ? rw->gate->reg->prov[prov].id : "unknown", name,
             rw->line + 1, action, rw->report_ud);
}

/* What the script restores on load (data-consent-state): a cache-safe
 * page is the same for every visitor, so its script asks the endpoint
 * what the visitor's signed cookie allows and trusts nothing else; a page
 * gated per visitor with an endpoint ("") came with what the visitor
 * allows; without an endpoint (no attribute) only the script's own
 * same-origin storage remembers. */
static int
state_attr(const struct consent_gate *g, struct consent__buf *b)
{
  int st = 0;

  if (g->endpoint == NULL)
    return 0;
  st |= consent__buf_append(b, " data-consent-state=\"", 21);
  if (g->cache_safe)
    st |= consent__escape(b, g->endpoint, strlen(g->endpoint));
  st |= consent__buf_append(b, "\"", 1);
  return st;
}

/* The style and script once per page, after the first placeholder. */
static void
assets(struct consent_rewriter *rw)
{
  const struct consent_gate *g = rw->gate;
  struct consent__buf *b = &rw->scratch;
  int st = 0;

  if (rw->assets_done || g->script_mode == CONSENT__SCRIPT_NONE)
    return;
  rw->assets_done = 1;
  b->len = 0;
  if (g->script_mode == CONSENT__SCRIPT_URL) {
    if (g->css_url != NULL) {
      st |= consent__buf_append(b, "<link rel=\"stylesheet\" href=\"", 29);
      st |= consent__escape(b, g->css_url, strlen(g->css_url));
      st |= consent__buf_append(b, "\">", 2);
    }
    st |= consent__buf_append(b, "<script defer src=\"", 19);
    st |= consent__escape(b, g->js_url, strlen(g->js_url));
    st |= consent__buf_append(b, "\"", 1);
    st |= state_attr(g, b);
    st |= consent__buf_append(b, "></script>", 10);
  } else {
    const char *nonce_attr = rw->nonce ? " nonce=\"" : "";
    st |= consent__buf_append(b, "<style", 6);
    if (rw->nonce) {
      st |= consent__buf_append(b, nonce_attr, strlen(nonce_attr));
      st |= consent__escape(b, rw->nonce, strlen(rw->nonce));
      st |= consent__buf_append(b, "\"", 1);
    }
    st |= consent__buf_append(b, ">", 1);
    st |= consent__buf_append(b, consent__asset_css,
                              strlen(consent__asset_css));
    st |= consent__buf_append(b, "</style><script", 15);
    if (rw->nonce) {
      st |= consent__buf_append(b, nonce_attr, strlen(nonce_attr));
      st |= consent__escape(b, rw->nonce, strlen(rw->nonce));
      st |= consent__buf_append(b, "\"", 1);
    }
    st |= state_attr(g, b);
    st |= consent__buf_append(b, ">", 1);
    st |= consent__buf_append(b, consent__asset_js, strlen(consent__asset_js));
    st |= consent__buf_append(b, "</script>", 9);
  }
  if (st != 0) {
    fail(rw, CONSENT_E_NOMEM);
    return;
  }
  out(rw, b->data, b->len);
}

static const char *
kind_name(enum consent__embed_kind k)
{
  switch (k) {
  case CONSENT__EMBED_FRAME:
    return "frame";
  case CONSENT__EMBED_MEDIA:
    return "media";
  case CONSENT__EMBED_WIDGET:
    return "widget";
  case CONSENT__EMBED_SCRIPT:
    return "script";
  case CONSENT__EMBED_LINK:
    return "link";
  default:
    return "style";
  }
}

/* Notes what the page had of a provider, for the notice. */
static void
mark(struct consent_rewriter *rw, long prov, unsigned char how)
{
  if (!rw->gate->notice)
    return;
  if (rw->seen == NULL &&
      (rw->seen = calloc(rw->gate->reg->count + 1, 1)) == NULL) {
    fail(rw, CONSENT_E_NOMEM);
    return;
  }
  rw->seen[prov] |= how;
}

/* The consent notice, at the end of a document that had providers
 * gated out of sight (no box of theirs on the page) that the visitor
 * has decided nothing about.  A cache-safe page carries it for every
 * visitor; the script takes it away for those who decided. */
static void
notice(struct consent_rewriter *rw)
{
  const struct consent_gate *g = rw->gate;
  const struct consent_state *s = g->cache_safe ? NULL : rw->state;
  struct consent__notice n;
  size_t i, *list, count = 0;

  if (rw->seen == NULL || !rw->is_document || !rw->end_in_data ||
      (s != NULL && s->answered))
    return;
  if ((list = malloc((g->reg->count + 1) * sizeof(*list))) == NULL) {
    fail(rw, CONSENT_E_NOMEM);
    return;
  }
  for (i = 0; i < g->reg->count; i++)
    if (rw->seen[i] == 1 &&
        (s == NULL || (!consent__state_allows(s, i, rw->now) &&
                       !consent__state_refuses(s, i, rw->now))))
      list[count++] = i;
  if (count > 0) {
    memset(&n, 0, sizeof(n));
    n.reg = g->reg;
    n.prov = list;
    n.n = count;
    n.endpoint = g->endpoint;
    n.return_path = rw->return_path;
    assets(rw);
    rw->scratch.len = 0;
    if (consent__render_notice(&g->texts, rw->lang, &n, &rw->scratch) != 0)
      fail(rw, CONSENT_E_NOMEM);
    else
      out(rw, rw->scratch.data, rw->scratch.len);
  }
  free(list);
}

static int
visitor_allows(const struct consent_rewriter *rw, long prov)
{
  return prov >= 0 && !rw->gate->cache_safe && rw->state != NULL &&
         consent__state_allows(rw->state, (size_t)prov, rw->now);
}

/* Google Consent Mode v2: before the first Google tag (a script of
 * Google Analytics / Tag Manager or Google Ads, by src or by its text),
 * the consent default the tags read, denied unless the visitor allows
 * the provider (its own decision or its category's).  Written at the
 * output's current end, which is where the tag starts. */
static void
google_consent_mode(struct consent_rewriter *rw, long prov)
{
  const struct consent_gate *g = rw->gate;
  const char *id, *ads, *analytics;
  long ga, gads;
  struct consent__buf *b = &rw->scratch;
  int st = 0;

  if (!g->google_consent_mode || rw->gcm_done || prov < 0)
    return;
  id = g->reg->prov[prov].id;
  if (strcmp(id, "google-analytics") != 0 && strcmp(id, "google-ads") != 0)
    return;
  rw->gcm_done = 1;
  ga = consent__registry_find(g->reg, "google-analytics", 16);
  gads = consent__registry_find(g->reg, "google-ads", 10);
  /* The visitor's own decision: a tag the site lets load without
   * consent (cookieless) is no grant. */
  analytics = visitor_allows(rw, ga) ? "granted" : "denied";
  ads = visitor_allows(rw, gads) ? "granted" : "denied";
  b->len = 0;
  st |= consent__buf_append(b, "<script", 7);
  if (rw->nonce != NULL) {
    st |= consent__buf_append(b, " nonce=\"", 8);
    st |= consent__escape(b, rw->nonce, strlen(rw->nonce));
    st |= consent__buf_append(b, "\"", 1);
  }
  st |= consent__buf_append(b, ">", 1);
  {
    char js[768];
    int n = snprintf(js, sizeof(js),
      "window.dataLayer=window.dataLayer||[];"
      "function gtag(){dataLayer.push(arguments);}"
      "gtag('consent','default',{ad_storage:'%s',ad_user_data:'%s',"
      "ad_personalization:'%s',analytics_storage:'%s',"
      "wait_for_update:500});"
      "document.addEventListener('consent:allow',function(e){"
      "if(e.detail=='google-analytics')gtag('consent','update',"
      "{analytics_storage:'granted'});"
      "if(e.detail=='google-ads')gtag('consent','update',{ad_storage:"
      "'granted',ad_user_data:'granted',ad_personalization:'granted'});"
      "});", ads, ads, ads, analytics);
    st |= consent__buf_append(b, js, (size_t)n);
  }
  st |= consent__buf_append(b, "</script>", 9);
  if (st != 0) {
    fail(rw, CONSENT_E_NOMEM);
    return;
  }
  out(rw, b->data, b->len);
}

/* Writes the placeholder for the capture [cap_start, end). */
static void
placeholder(struct consent_rewriter *rw, long prov,
            struct consent__buf *original)
{
  struct consent__box box;
  struct consent__buf *b = &rw->scratch;

  memset(&box, 0, sizeof(box));
  box.prov = prov >= 0 ? &rw->gate->reg->prov[prov] : NULL;
  box.visible = rw->m.visible && prov >= 0;
  box.kind = kind_name(rw->m.kind);
  box.n = ++rw->boxes;
  box.width = rw->width;
  box.width_len = rw->width_len;
  box.height = rw->height;
  box.height_len = rw->height_len;
  box.absolute = rw->absolute;
  box.site_privacy = rw->gate->site_privacy;
  box.endpoint = rw->gate->endpoint;
  box.return_path = rw->return_path;
  if (rw->open_url_len > 0) {
    box.open_url = rw->open_url;
    box.open_url_len = rw->open_url_len;
  }
  box.no_always = box.prov != NULL && rw->state != NULL && rw->state->gpc &&
                  consent__gpc_locks(box.prov, rw->state->gpc_categories);
  if (rw->gate->previews != NULL && box.visible && rw->src_len > 0 &&
      consent__previews_lookup(rw->gate->previews, box.prov->id, rw->src,
                               rw->src_len, &rw->preview))
    box.preview = &rw->preview;
  if (original != NULL) {
    box.original = original->data ? original->data : "";
    box.original_len = original->len;
  }
  if (prov >= 0)
    mark(rw, prov, box.visible ? 2 : 1);
  b->len = 0;
  if (consent__render_box(&rw->gate->texts, rw->lang, &box, b) != 0) {
    fail(rw, CONSENT_E_NOMEM);
    return;
  }
  out(rw, b->data, b->len);
  /* The style and script after the box: an element that left SVG or
   * MathML (a widget's blockquote) has the box's div leave it in its
   * place; written before it, they would be foreign elements there,
   * neither applied nor run. */
  assets(rw);
  report(rw, prov, original != NULL ? CONSENT_ACTION_GATED
                                    : CONSENT_ACTION_DROPPED);
}

/* ------------------------------------------------------------------ */
/* Captures                                                            */

static int
strstr_n(const char *s, size_t n, const char *needle)
{
  size_t k = strlen(needle), i;

  for (i = 0; i + k <= n; i++)
    if (memcmp(s + i, needle, k) == 0)
      return 1;
  return 0;
}

static void
set_name(struct consent_rewriter *rw, const struct consent__token *t)
{
  size_t n = t->name_len < sizeof(rw->cap_name) ? t->name_len
                                                : sizeof(rw->cap_name) - 1;
  memcpy(rw->cap_name, t->name, n);
  rw->cap_name[n] = '\0';
  rw->cap_name_len = n;
}

/* The pixels of the first "height:" or "min-height:" declaration of a
 * style attribute ("444px" -> "444"), copied to out; 0 when there is
 * none in whole pixels. */
static size_t
style_height(const char *v, size_t n, char out[16])
{
  const char *e = v + n, *p = v;

  while ((p = memmem(p, (size_t)(e - p), "height", 6)) != NULL) {
    const char *q = p + 6;
    size_t k = 0;
    int name_start = p == v || p[-1] == ';' || p[-1] == ' ' ||
                     p[-1] == '\t' || p[-1] == '\n' ||
                     (p - v >= 4 && memcmp(p - 4, "min-", 4) == 0);
    p = q;
    if (!name_start)
      continue;
    while (q < e && (*q == ' ' || *q == '\t'))
      q++;
    if (q == e || *q != ':')
      continue;
    q++;
    while (q < e && (*q == ' ' || *q == '\t'))
      q++;
    while (q + k < e && k < 5 && q[k] >= '0' && q[k] <= '9')
      k++;
    if (k == 0 || q + k + 2 > e || q[k] != 'p' || q[k + 1] != 'x')
      continue;
    memcpy(out, q, k);
    out[k] = 'p';
    out[k + 1] = 'x';
    return k + 2;
  }
  return 0;
}

static void
keep_size(struct consent_rewriter *rw, const struct consent__token *t)
{
  const struct consent__attr *w = consent__attr_get(t, "width");
  const struct consent__attr *h = consent__attr_get(t, "height");
  const struct consent__attr *style = consent__attr_get(t, "style");

  /* An embed placed absolutely in a ratio box (Vimeo's code): the
   * placeholder fills the box the same way. */
  rw->absolute = style != NULL && style->value_len < 4096 &&
                 strstr_n(style->value, style->value_len, "absolute");
  rw->width_len = w && w->value_len < sizeof(rw->width) ? w->value_len : 0;
  rw->height_len = h && h->value_len < sizeof(rw->height) ? h->value_len : 0;
  if (rw->width_len)
    memcpy(rw->width, w->value, rw->width_len);
  if (rw->height_len)
    memcpy(rw->height, h->value, rw->height_len);
  else if (style != NULL)
    /* A container sized by its style (a chart's min-height:444px). */
    rw->height_len = style_height(style->value, style->value_len,
                                  rw->height);
  rw->src_len = 0;
  if (rw->gate->previews != NULL) {
    const struct consent__attr *src = consent__attr_get(t, "src");
    if (src != NULL && src->value_len < sizeof(rw->src)) {
      memcpy(rw->src, src->value, src->value_len);
      rw->src_len = src->value_len;
    }
  }
}

/* Where the embed is on the provider's own site, for the box's "open on"
 * link: a frame's src, or a widget's cite, data-href or href, when that
 * is an http(s) URL of the same provider (not a media file's: an image
 * or a video file is no page to go to). */
static void
keep_open_url(struct consent_rewriter *rw, const struct consent__token *t,
              long prov)
{
  static const char *const names[] = { "src", "cite", "data-href", "href",
                                       NULL };
  size_t i;

  rw->open_url_len = 0;
  for (i = 0; prov >= 0 && names[i] != NULL; i++) {
    const struct consent__attr *a = consent__attr_get(t, names[i]);
    if (a == NULL || a->value_len >= sizeof(rw->open_url) ||
        !(strncasecmp(a->value, "https://", 8) == 0 ||
          strncasecmp(a->value, "http://", 7) == 0) ||
        memchr(a->value, '\0', a->value_len) != NULL ||
        consent__registry_match_url(rw->gate->reg, a->value,
                                    a->value_len) != prov)
      continue;
    memcpy(rw->open_url, a->value, a->value_len);
    rw->open_url_len = a->value_len;
    return;
  }
}

static void
begin_capture(struct consent_rewriter *rw, const struct consent__token *t,
              const struct consent__match *m, int inline_check)
{
  pass_to(rw, t->raw_start);
  rw->cap = CAP_ELEMENT;
  /* (Never before what is written already: that would be a bug in the
   * holding rules, not a reason to read outside the buffer.) */
  rw->cap_start = t->raw_start > rw->emitted ? t->raw_start : rw->emitted;
  rw->m = *m;
  rw->cap_depth = 1;
  rw->cap_inline = inline_check;
  rw->cap_overflow = 0;
  rw->cap_merged = 0;
  rw->cap_raw = t->raw_text;
  set_name(rw, t);
  keep_size(rw, t);
  keep_open_url(rw, t, m->visible && (m->kind == CONSENT__EMBED_FRAME ||
                                      m->kind == CONSENT__EMBED_WIDGET)
                      ? m->prov : -1);
}

static long foreign_text_provider(struct consent_rewriter *rw,
                                  const char *s, size_t n);
static long css_provider(struct consent_rewriter *rw, const char *s,
                         size_t n);

/* The capture ends at end (exclusive): placeholder or passthrough. */
static void
end_capture(struct consent_rewriter *rw, uint64_t end)
{
  struct consent__buf text = { NULL, 0, 0 };
  long prov = rw->m.prov;

  rw->cap = CAP_NONE;
  if (end - rw->cap_start > rw->gate->max_buffer)
    rw->cap_overflow = 1; /* past the bound, whatever the chunking */
  if (!rw->cap_overflow)
    raw(rw, rw->cap_start, end, &text);
  if (rw->cap_inline && !rw->cap_overflow) {
    prov = rw->cap_inline == 2
           ? foreign_text_provider(rw, text.data ? text.data : "", text.len)
           : rw->m.kind == CONSENT__EMBED_STYLE
           ? css_provider(rw, text.data ? text.data : "", text.len)
           : consent__match_text_for(rw->gate->reg,
                                     text.data ? text.data : "", text.len,
                                     &rw->allow);
    if (rw->m.kind == CONSENT__EMBED_SCRIPT && rw->emitted == rw->cap_start)
      google_consent_mode(rw, prov);
    if (prov < 0 || allowed(rw, prov)) {
      /* Nothing to gate: the bytes go out as they came. */
      if (prov >= 0)
        report(rw, prov, CONSENT_ACTION_ALLOWED);
      pass_to(rw, end);
      consent__buf_free(&text);
      return;
    }
    rw->m.prov = prov;
    rw->m.visible = 0;
  }
  if (rw->m.kind == CONSENT__EMBED_WIDGET && !rw->cap_overflow &&
      !rw->cap_merged) {
    /* Is the provider's script next?  Then both become one box. */
    rw->cap = CAP_WIDGET_TAIL;
    rw->widget_end = end;
    consent__buf_free(&text);
    return;
  }
  placeholder(rw, prov, rw->cap_overflow ? NULL : &text);
  consent__buf_free(&text);
  if (end > rw->emitted) {
    if (rw->report != NULL && !rw->cap_overflow && end > rw->cap_start) {
      /* Count the lines of what the placeholder replaced. */
      struct consent__buf tmp = { NULL, 0, 0 };
      raw(rw, rw->emitted > rw->cap_start ? rw->emitted : rw->cap_start,
          end, &tmp);
      count_lines(rw, tmp.data ? tmp.data : "", tmp.len);
      consent__buf_free(&tmp);
    }
    rw->emitted = end;
  }
}

/* A widget whose script did not follow: its box alone. */
static void
finish_widget(struct consent_rewriter *rw)
{
  rw->cap_merged = 1;
  rw->cap = CAP_ELEMENT;
  end_capture(rw, rw->widget_end);
}

static int
whitespace_only(struct consent_rewriter *rw, uint64_t from, uint64_t to)
{
  struct consent__buf *b = &rw->scratch;
  size_t i;

  b->len = 0;
  raw(rw, from, to, b);
  for (i = 0; i < b->len; i++)
    if (b->data[i] != ' ' && b->data[i] != '\n' && b->data[i] != '\t' &&
        b->data[i] != '\r' && b->data[i] != '\f')
      return 0;
  return 1;
}

static int
name_eq(const struct consent__token *t, const char *s, size_t n)
{
  return t->name_len == n && memcmp(t->name, s, n) == 0;
}

/* ------------------------------------------------------------------ */
/* Tags too large to hold                                              */

/* Whether a start tag dropped for its size takes its element's content
 * with it: an embed that holds content (the matcher's until_end, when
 * the attributes were read), or any element whose content the tokenizer
 * reads as raw text or RCDATA (a frame, a script, a title, textarea):
 * without its start tag, a browser reads that text as markup, which the
 * gate did not (fuzz-gate found an iframe's content let through that
 * way).  m: the match, zeroed when the attributes were not read. */
static int
oversize_to_end(struct consent_rewriter *rw, const struct consent__token *t,
                struct consent__match *m)
{
  memset(m, 0, sizeof(*m));
  if (t->attrs_recorded)
    consent__match_tag(rw->gate->reg, t, rw->base_prov, m, NULL);
  return t->raw_text || (m->until_end && !t->self_closing);
}

/* The tokenizer found an attribute name that may fetch at off. */
static void
on_fetch_name(void *ud, uint64_t off)
{
  struct consent_rewriter *rw = ud;

  if (rw->fa_tag != rw->tok.tok_start) {
    rw->fa.len = 0;
    rw->fa_next = 0;
    rw->fa_tag = rw->tok.tok_start;
  }
  if (consent__buf_append(&rw->fa, (const char *)&off, sizeof(off)) != 0)
    fail(rw, CONSENT_E_NOMEM);
}

/* Writes the input up to `to` of the start tag at tag: a tag of an
 * element that is no embed and is too large to hold passes, with every
 * attribute whose name may fetch renamed data-consent-off-NAME (its value
 * cannot be read within the bound; it is never put back).  Our own
 * placeholders have no such attribute: gating twice changes nothing. */
static void
pass_renamed(struct consent_rewriter *rw, uint64_t tag, uint64_t to)
{
  if (rw->fa_tag == tag) {
    while (rw->fa_next < rw->fa.len / sizeof(uint64_t)) {
      uint64_t off;
      memcpy(&off, rw->fa.data + rw->fa_next * sizeof(off), sizeof(off));
      if (off >= to)
        break;
      rw->fa_next++;
      if (off < rw->emitted)
        continue; /* (cannot be: bound() holds the name being read) */
      pass_to(rw, off);
      out(rw, "data-consent-off-", 17);
    }
  }
  pass_to(rw, to);
}

/* ------------------------------------------------------------------ */
/* Reading held bytes again                                            */

static int
sub_token(void *ud, const struct consent__token *t)
{
  struct consent_rewriter *rw = ud;
  size_t i;

  if (!(rw->sub.flags & CONSENT__TOKF_TEXT)) {
    /* Re-reading one tag: keep it. */
    if (t->kind == CONSENT__TOK_START && !rw->sub_got) {
      rw->sub_tok = *t;
      rw->sub_got = 1;
    }
    return 0;
  }
  /* Decoding a foreign script or style: its text, and the values of the
   * attributes of any markup in it, for consent__match_text; and any tag
   * in it that loads from a provider as a tag (a script's src with a
   * host the text search does not read whole), as the matcher reads
   * tags anywhere else. */
  if (t->kind == CONSENT__TOK_TEXT) {
    if (consent__buf_append(&rw->subtext, t->data, t->data_len) != 0)
      return 1;
  } else if (t->kind == CONSENT__TOK_START) {
    if (rw->sub_prov < 0 && t->attrs_recorded) {
      struct consent__match m;
      long prov;
      consent__match_tag(rw->gate->reg, t, rw->base_prov, &m, &rw->allow);
      prov = m.prov;
      for (i = 0; (prov < 0 || allowed(rw, prov)) && i < t->nattrs; i++)
        prov = consent__match_attr(rw->gate->reg, t, &t->attrs[i],
                                   rw->base_prov, &rw->allow);
      if (prov >= 0 && !allowed(rw, prov))
        rw->sub_prov = prov;
    }
    for (i = 0; i < t->nattrs; i++)
      if (consent__buf_append(&rw->subtext, " ", 1) != 0 ||
          consent__buf_append(&rw->subtext, t->attrs[i].value,
                              t->attrs[i].value_len) != 0 ||
          consent__buf_append(&rw->subtext, " ", 1) != 0)
        return 1;
  }
  return 0;
}

/* Runs the second tokenizer with these flags over data. */
static int
sub_run(struct consent_rewriter *rw, unsigned flags, const char *pre,
        const char *data, size_t len)
{
  int st;

  if (!rw->sub_ready) {
    consent__tok_init(&rw->sub, flags, rw->gate->max_buffer);
    rw->sub.on_token = sub_token;
    rw->sub.ud = rw;
    rw->sub_ready = 1;
  } else {
    consent__tok_reset(&rw->sub);
    rw->sub.flags = flags;
  }
  rw->sub_got = 0;
  rw->subtext.len = 0;
  st = pre != NULL ? consent__tok_feed(&rw->sub, pre, strlen(pre)) : 0;
  if (st == 0)
    st = consent__tok_feed(&rw->sub, data, len);
  if (st == 0)
    st = consent__tok_finish(&rw->sub);
  if (st != 0)
    fail(rw, st == CONSENT_E_FAILED ? CONSENT_E_NOMEM : st);
  return st;
}

/* A start tag with its attributes, read again from its bytes (held:
 * with CONSENT__TOKF_STYLE no start tag is written before it ends); the
 * bytes stay in rw->tagbuf and the attributes' offsets count from its
 * '<'.  NULL when it cannot be read (rw->status tells). */
static const struct consent__token *
reread(struct consent_rewriter *rw, const struct consent__token *t)
{
  struct consent__token *c = &rw->sub_tok;

  if (t->raw_start < rw->emitted)
    return NULL; /* (cannot happen: see consent__tok_settled) */
  rw->tagbuf.len = 0;
  raw(rw, t->raw_start, t->raw_end, &rw->tagbuf);
  if (rw->status != 0 ||
      sub_run(rw, CONSENT__TOKF_ATTRS | CONSENT__TOKF_SPANS, NULL,
              rw->tagbuf.data ? rw->tagbuf.data : "", rw->tagbuf.len) != 0)
    return NULL;
  if (!rw->sub_got) {
    fail(rw, CONSENT_E_FAILED);
    return NULL;
  }
  c->raw_start = t->raw_start;
  c->raw_end = t->raw_end;
  c->foreign = t->foreign;
  c->fetch_attr = t->fetch_attr;
  c->raw_text = t->raw_text;
  c->truncated |= t->truncated;
  return c;
}

/* Of two providers found in the same element (or -1), the one that
 * decides it: one the visitor does not allow, else the first. */
static long
either(const struct consent_rewriter *rw, long first, long second)
{
  if (second >= 0 && (first < 0 || !allowed(rw, second)))
    return second;
  return first;
}

/* The provider CSS loads from (a style attribute, a style element's
 * text; also the decoded text of a script or style in SVG or MathML,
 * where decoding CSS escapes in a script can only find more): as
 * written, else with its escapes decoded, as the browser reads
 * url(https:\2f\2f host). */
static long
css_provider(struct consent_rewriter *rw, const char *s, size_t n)
{
  long prov = consent__match_text_for(rw->gate->reg, s, n, &rw->allow);

  if ((prov >= 0 && !allowed(rw, prov)) || memchr(s, '\\', n) == NULL)
    return prov;
  rw->css.len = 0;
  if (consent__css_unescape(s, n, &rw->css) != 0) {
    fail(rw, CONSENT_E_NOMEM); /* (the capture is dropped) */
    return -1;
  }
  return either(rw, prov,
                consent__match_text_for(rw->gate->reg,
                                        rw->css.data ? rw->css.data : "",
                                        rw->css.len, &rw->allow));
}

/* The provider an inline script or style in SVG or MathML loads: there
 * its content is markup, with character references and CDATA sections,
 * so it is decoded first. */
static long
foreign_text_provider(struct consent_rewriter *rw, const char *s,
                      size_t n)
{
  long prov = consent__match_text_for(rw->gate->reg, s, n, &rw->allow);

  if (prov >= 0 && !allowed(rw, prov))
    return prov;
  rw->sub_prov = -1;
  if (sub_run(rw, CONSENT__TOKF_TEXT | CONSENT__TOKF_TREE |
              CONSENT__TOKF_ATTRS, "<svg>", s, n) != 0)
    return -1; /* rw->status is set: the capture is dropped */
  if (rw->sub_prov >= 0)
    return rw->sub_prov;
  return either(rw, prov,
                css_provider(rw, rw->subtext.data ? rw->subtext.data : "",
                             rw->subtext.len));
}

/* ------------------------------------------------------------------ */
/* Tokens                                                              */

static int
want_attrs(void *ud, unsigned tag, const char *name, size_t len,
           int end_tag)
{
  struct consent_rewriter *rw = ud;

  if (end_tag || rw->gate->reg->nenabled == 0)
    return 0;
  return consent__match_wants(rw->gate->reg, tag, name, len);
}

static int
want_name(void *ud, unsigned tag, const char *name, size_t len)
{
  struct consent_rewriter *rw = ud;

  return consent__match_widget_name(rw->gate->reg, tag, rw->tok.name.data,
                                    rw->tok.name.len, name, len);
}

static int
quiet_widget(void *ud, unsigned tag, const char *cls, size_t cls_len,
             int has_cls, const char *id, size_t id_len, int has_id)
{
  const struct consent_rewriter *rw = ud;

  return consent__match_widget_ids(rw->gate->reg, tag, "", 0,
                                   cls ? cls : "", cls_len, has_cls,
                                   id ? id : "", id_len, has_id);
}

/* A style attribute or an event handler of a tag on the quiet path:
 * whether it may load from a provider, as style_gate() and
 * neutralize() would find (a style with CSS escapes is left to them). */
static int
quiet_value(void *ud, int kind, const char *v, size_t n)
{
  const struct consent_rewriter *rw = ud;

  if (kind == 0 && memchr(v, '\\', n) != NULL)
    return 1;
  return consent__match_text(rw->gate->reg, v, n) >= 0;
}

/* A widget-only tag read on the skip path: whether it may be a widget's
 * box (then it is read whole, as any candidate). */
static int
maybe_widget(const struct consent_rewriter *rw,
             const struct consent__token *t)
{
  const struct consent__tokenizer *k = &rw->tok;

  if (!k->keep_ids)
    return 0;
  return k->widget_attr || t->truncated ||
         consent__match_widget_ids(rw->gate->reg, t->tag, t->name,
                                   t->name_len,
                                   k->cls_val.data ? k->cls_val.data : "",
                                   k->cls_val.len, k->has_cls,
                                   k->id_val.data ? k->id_val.data : "",
                                   k->id_val.len, k->has_id);
}

static void on_start(struct consent_rewriter *rw,
                     const struct consent__token *t);

static int
guard_allowed(const void *ud, long prov)
{
  return allowed((const struct consent_rewriter *)ud, prov);
}

/* The runtime guard, once: right after <head>, or before the first
 * other element when the page has no head. */
static void
guard(struct consent_rewriter *rw, const struct consent__token *t)
{
  const struct consent_gate *g = rw->gate;
  char *url = NULL;

  if (name_eq(t, "html", 4))
    return;
  rw->guard_done = 1;
  rw->tok.quiet = rw->quiet;
  pass_to(rw, name_eq(t, "head", 4) ? t->raw_end : t->raw_start);
  if (g->script_mode == CONSENT__SCRIPT_URL && g->js_url != NULL) {
    /* guard.js beside the activation script. */
    const char *slash = strrchr(g->js_url, '/');
    size_t dir = slash != NULL ? (size_t)(slash + 1 - g->js_url) : 0;
    if ((url = malloc(dir + sizeof("guard.js"))) == NULL) {
      fail(rw, CONSENT_E_NOMEM);
      return;
    }
    memcpy(url, g->js_url, dir);
    memcpy(url + dir, "guard.js", sizeof("guard.js"));
  }
  rw->scratch.len = 0;
  if (consent__guard_script(g->reg, &g->texts, rw->lang, rw->nonce, url,
                            guard_allowed, rw, &rw->scratch) != 0) {
    free(url);
    fail(rw, CONSENT_E_NOMEM);
    return;
  }
  free(url);
  out(rw, rw->scratch.data, rw->scratch.len);
  /* The style and activation script come along: the guard's own
   * placeholders need them even where the server drew none. */
  assets(rw);
}

static int
on_token(void *ud, const struct consent__token *t)
{
  struct consent_rewriter *rw = ud;

  if (!rw->is_document &&
      (t->kind == CONSENT__TOK_DOCTYPE ||
       (t->kind == CONSENT__TOK_START &&
        (name_eq(t, "html", 4) || name_eq(t, "head", 4) ||
         name_eq(t, "body", 4)))))
    rw->is_document = 1;

  if (rw->cap == CAP_WIDGET_TAIL) {
    struct consent__match m;
    /* Merged only within the buffer bound, decided on offsets alone so
     * that any chunking decides alike (bound() follows the same rule). */
    if (t->kind == CONSENT__TOK_START && name_eq(t, "script", 6) &&
        t->attrs_recorded &&
        t->raw_end - rw->cap_start <= rw->gate->max_buffer &&
        whitespace_only(rw, rw->widget_end, t->raw_start)) {
      consent__match_tag(rw->gate->reg, t, rw->base_prov, &m, NULL);
      if (m.prov == rw->m.prov && consent__attr_get(t, "src") != NULL) {
        /* Merge: capture on to the script's end. */
        rw->cap = CAP_ELEMENT;
        rw->cap_merged = 1;
        rw->cap_depth = 1;
        set_name(rw, t);
        return rw->status != 0;
      }
    }
    finish_widget(rw);
  }
  if (rw->cap == CAP_ELEMENT && rw->cap_name_len == 0 &&
      t->raw_start == rw->cap_start) {
    /* The tag that was too large to hold (see bound()). */
    struct consent__match m;
    set_name(rw, t);
    if (t->kind == CONSENT__TOK_START && oversize_to_end(rw, t, &m))
      return rw->status != 0; /* drop on to its end tag */
    end_capture(rw, t->raw_end);
    return rw->status != 0;
  }
  if (rw->cap == CAP_ELEMENT && !rw->cap_raw &&
      t->raw_start - rw->cap_start > rw->gate->max_buffer) {
    /* Markup content (video, object, a widget) past the bound: the
     * placeholder stands for it up to this token, and from here on the
     * page is read as the browser reads it. */
    rw->cap_overflow = 1;
    end_capture(rw, t->raw_start);
  }
  if (rw->cap == CAP_ELEMENT && rw->cap_inline == 2 &&
      rw->tok.nforeign < rw->cap_fdepth &&
      !(t->kind == CONSENT__TOK_END &&
        name_eq(t, rw->cap_name, rw->cap_name_len))) {
    /* A foreign script or style closed by another tag (</svg>, or an
     * HTML tag that leaves foreign content): it ends before it, and the
     * tag is read as any other below. */
    end_capture(rw, t->raw_start);
    if (rw->status != 0)
      return 1;
  }
  if (rw->cap == CAP_ELEMENT) {
    if (t->kind == CONSENT__TOK_START && !t->self_closing &&
        name_eq(t, rw->cap_name, rw->cap_name_len)) {
      rw->cap_depth++;
    } else if (t->kind == CONSENT__TOK_END &&
               name_eq(t, rw->cap_name, rw->cap_name_len) &&
               --rw->cap_depth == 0) {
      end_capture(rw, t->raw_end);
    }
    return rw->status != 0;
  }
  if (t->kind == CONSENT__TOK_START) {
    if (rw->gate->guard && !rw->guard_done)
      guard(rw, t);
    on_start(rw, t);
  }
  return rw->status != 0;
}

/* An embed the visitor allowed: it passes as it came, and is reported. */
static void
pass_allowed(struct consent_rewriter *rw, const struct consent__token *t,
             long prov)
{
  set_name(rw, t);
  if (rw->report != NULL)
    pass_to(rw, t->raw_start); /* counts the lines before it */
  report(rw, prov, CONSENT_ACTION_ALLOWED);
}

/* Elements without content (no end tag to wait for). */
static int
is_void(const struct consent__token *t)
{
  static const char *const names[] = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link",
    "meta", "source", "track", "wbr", NULL
  };
  size_t i;

  for (i = 0; names[i] != NULL; i++)
    if (name_eq(t, names[i], strlen(names[i])))
      return 1;
  return 0;
}

/* An element whose style attribute loads from a provider (a background
 * image such as a video's thumbnail): gated like a media embed. */
static void
style_gate(struct consent_rewriter *rw, const struct consent__token *t,
           const char *style, size_t len)
{
  struct consent__match m;

  /* (Whatever function names it, in any case or escaped: a provider's
   * URL anywhere in a style gates the element.) */
  if (len < 5)
    return;
  memset(&m, 0, sizeof(m));
  m.prov = css_provider(rw, style, len);
  if (m.prov < 0)
    return;
  if (allowed(rw, m.prov)) {
    pass_allowed(rw, t, m.prov);
    return;
  }
  m.kind = CONSENT__EMBED_MEDIA;
  m.visible = 1;
  /* Raw text (a textarea, a frame's fallback) would read as markup once
   * its start tag is gone, so it goes with the tag, self-closing or not. */
  m.until_end = !is_void(t) && (t->raw_text || !t->self_closing);
  begin_capture(rw, t, &m, 0);
  if (!m.until_end)
    end_capture(rw, t->raw_end);
}

/* Whether an attribute name as written (n bytes) is the token's name
 * (len bytes): as the tokenizer reads it, ASCII letters lowercased and
 * NUL as U+FFFD (a name with a NUL was once left unrenamed). */
static int
raw_name_is(const char *raw, size_t n, const char *name, size_t len)
{
  size_t i, k = 0;

  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)raw[i];
    if (c == 0) {
      if (len - k < 3 || memcmp(name + k, "\xEF\xBF\xBD", 3) != 0)
        return 0;
      k += 3;
      continue;
    }
    if (c >= 'A' && c <= 'Z')
      c = (unsigned char)(c + 0x20);
    if (k == len || (unsigned char)name[k] != c)
      return 0;
    k++;
  }
  return k == len;
}

/* Attributes that fetch on an element that is no embed itself (a table
 * cell's background, an SVG filter's href, an event handler, a ping):
 * the tag is written with those attributes renamed to
 * data-consent-off-NAME, every copy of them, and with
 * data-consent-attrs="PROVIDERS" first, so that the browser fetches
 * nothing and the script can put them back after consent.  Returns 1
 * when it wrote the tag. */
static int
neutralize(struct consent_rewriter *rw, const struct consent__token *t)
{
  const struct consent_registry *reg = rw->gate->reg;
  const struct consent__attr *off[16];
  long provs[16];
  size_t noff = 0, nprov = 0, i, k, at, nspans;
  const uint64_t *spans;
  struct consent__buf *b = &rw->scratch;
  int st = 0;

  for (i = 0; i < t->nattrs; i++) {
    long prov = consent__match_attr(reg, t, &t->attrs[i], rw->base_prov,
                                    &rw->allow);
    if (prov < 0)
      continue;
    if (allowed(rw, prov)) {
      pass_allowed(rw, t, prov);
      continue;
    }
    if (noff == sizeof(off) / sizeof(off[0]))
      break; /* more than any tag needs: the rest is dropped below */
    off[noff++] = &t->attrs[i];
    for (k = 0; k < nprov && provs[k] != prov; k++)
      ;
    if (k == nprov)
      provs[nprov++] = prov;
  }
  if (noff == 0)
    return 0;
  if (t != &rw->sub_tok) {
    /* The attributes came from the first tokenizer: read the tag again
     * for where each name starts. */
    const struct consent__token *c = reread(rw, t);
    return c != NULL ? neutralize(rw, c) : 1;
  }
  spans = rw->sub.spans;
  nspans = rw->sub.nspans;
  if (i < t->nattrs || nspans == 0) {
    /* Too many to rename: the tag is dropped. */
    struct consent__match m;
    memset(&m, 0, sizeof(m));
    m.prov = provs[0];
    m.kind = CONSENT__EMBED_SCRIPT;
    begin_capture(rw, t, &m, 0);
    rw->cap_overflow = 1;
    end_capture(rw, t->raw_end);
    return 1;
  }
  b->len = 0;
  at = (size_t)spans[0];
  st |= consent__buf_append(b, rw->tagbuf.data, at);
  st |= consent__buf_append(b, "data-consent-attrs=\"", 20);
  for (k = 0; k < nprov; k++) {
    const char *id = reg->prov[provs[k]].id;
    if (k > 0)
      st |= consent__buf_append(b, " ", 1);
    st |= consent__escape(b, id, strlen(id));
  }
  st |= consent__buf_append(b, "\" ", 2);
  for (i = 0; i < nspans; i++) {
    size_t s0 = (size_t)spans[i], e0 = s0, end;
    end = i + 1 < nspans ? (size_t)spans[i + 1] : rw->tagbuf.len;
    /* The raw name: up to whitespace, '/', '>' or '=' (not its first). */
    while (e0 < end) {
      char c = rw->tagbuf.data[e0];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
          c == '/' || c == '>' || (c == '=' && e0 > s0))
        break;
      e0++;
    }
    for (k = 0; k < noff; k++)
      if (raw_name_is(rw->tagbuf.data + s0, e0 - s0, off[k]->name,
                      off[k]->name_len))
        break;
    if (k < noff)
      st |= consent__buf_append(b, "data-consent-off-", 17);
    st |= consent__buf_append(b, rw->tagbuf.data + s0, end - s0);
  }
  if (st != 0) {
    fail(rw, CONSENT_E_NOMEM);
    return 1;
  }
  pass_to(rw, t->raw_start);
  set_name(rw, t);
  out(rw, b->data, b->len);
  rw->emitted = t->raw_end;
  for (k = 0; k < nprov; k++) {
    mark(rw, provs[k], 1);
    report(rw, provs[k], CONSENT_ACTION_GATED);
  }
  return 1;
}

static void
on_start(struct consent_rewriter *rw, const struct consent__token *t)
{
  const struct consent_registry *reg = rw->gate->reg;
  struct consent__match m;
  const struct consent__attr *style;

  if (t->raw_end - t->raw_start > rw->gate->max_buffer) {
    if (!consent__match_fetches(t->tag)) {
      /* An element that loads nothing by itself (a widget's box, a
       * placeholder): it passes, its fetching attributes renamed, as
       * bound() lets it pass in small chunks. */
      pass_renamed(rw, t->raw_start, t->raw_end);
      return;
    }
    /* A candidate tag too large to hold back (in small chunks it could
     * not be, see bound()): nothing of it can be checked, so, whatever
     * the chunking, it is dropped. */
    int to_end = oversize_to_end(rw, t, &m);
    m.prov = -1;
    m.visible = 0;
    m.kind = CONSENT__EMBED_FRAME; /* as bound() names it: any chunking */
    begin_capture(rw, t, &m, 0);
    rw->cap_overflow = 1;
    if (!to_end)
      end_capture(rw, t->raw_end);
    return;
  }
  if (!t->attrs_recorded) {
    /* A style with a character reference is read decoded, from the tag
     * read again (the skip path keeps it as written). */
    int refs = t->has_style && memchr(t->style, '&', t->style_len) != NULL;
    if (t->has_style && !refs)
      style_gate(rw, t, t->style, t->style_len);
    if (!(refs || t->fetch_attr || maybe_widget(rw, t)) ||
        rw->cap != CAP_NONE || rw->emitted > t->raw_start)
      return;
    /* An attribute that may fetch, or a widget's class: read the tag
     * again, with them. */
    if ((t = reread(rw, t)) == NULL)
      return;
  }
  consent__match_tag(reg, t, rw->base_prov, &m, &rw->allow);
  if (!rw->base_seen && name_eq(t, "base", 4)) {
    if (consent__attr_get(t, "href") != NULL) {
      rw->base_seen = 1;
      rw->base_prov = consent__match_base(reg, t);
    }
    return;
  }
  if (m.kind == CONSENT__EMBED_NONE) {
    style = consent__attr_get(t, "style");
    if (style != NULL)
      style_gate(rw, t, style->value, style->value_len);
    /* (An input that is no image button loads nothing by its src, but a
     * script may make it one: a provider's src is renamed all the same.) */
    if ((t->fetch_attr || (t->tag == CONSENT__TAG_INPUT &&
                           consent__attr_get(t, "src") != NULL)) &&
        rw->cap == CAP_NONE && rw->emitted <= t->raw_start)
      neutralize(rw, t);
    return;
  }
  if (m.prov < 0) {
    /* Inline scripts, styles and noscript: decided on their text.
     * A script with a src of the site's own runs no inline text. */
    if ((m.kind == CONSENT__EMBED_SCRIPT || m.kind == CONSENT__EMBED_STYLE) &&
        !(m.kind == CONSENT__EMBED_SCRIPT &&
          consent__attr_get(t, "src") != NULL) && !t->truncated) {
      /* Raw text is checked as it is; in SVG and MathML the content is
       * markup, decoded first. */
      if (t->raw_text) {
        begin_capture(rw, t, &m, 1);
      } else if (t->foreign && !t->self_closing &&
                 !name_eq(t, "noscript", 8)) {
        begin_capture(rw, t, &m, 2);
        rw->cap_fdepth = rw->tok.nforeign;
      }
    }
    else if (t->truncated || m.unreadable) {
      /* Attributes past the limit, or a document that could not be
       * read: they cannot be checked. */
      m.visible = 0;
      begin_capture(rw, t, &m, 0);
      rw->cap_overflow = 1;
      if (!m.until_end)
        end_capture(rw, t->raw_end);
    }
    return;
  }
  if (m.kind == CONSENT__EMBED_SCRIPT && rw->gate->google_consent_mode &&
      !rw->gcm_done && rw->emitted <= t->raw_start) {
    pass_to(rw, t->raw_start);
    google_consent_mode(rw, m.prov);
  }
  if (allowed(rw, m.prov)) {
    pass_allowed(rw, t, m.prov);
    return;
  }
  begin_capture(rw, t, &m, 0);
  if (!m.until_end)
    end_capture(rw, t->raw_end);
}

/* ------------------------------------------------------------------ */
/* The stream                                                          */

void
consent__rewriter_init(struct consent_rewriter *rw,
                       const struct consent_gate *g, consent__sink_fn sink,
                       void *ud)
{
  memset(rw, 0, sizeof(*rw));
  consent__tok_init(&rw->tok, CONSENT__TOKF_TREE | CONSENT__TOKF_SCRIPTING |
                    CONSENT__TOKF_STYLE, g->max_buffer);
  rw->tok.on_token = on_token;
  rw->tok.want_attrs = want_attrs;
  rw->tok.want_name = want_name;
  {
    /* want_attrs() for every known name, looked up once. */
    unsigned k;
    for (k = 0; k < CONSENT__TAG_COUNT; k++)
      rw->want_tag[k] = k != CONSENT__TAG_OTHER && g->reg->nenabled > 0
                        ? (unsigned char)consent__match_wants(g->reg, k,
                                                              "", 0)
                        : 0;
    rw->tok.want_tag = rw->want_tag;
    /* The quiet path: start tags nobody records (html, head and body
     * tell a document; the tokenizer adds the tree emulation's rules);
     * after the guard, which waits for the first start tag. */
    for (k = 0; k < CONSENT__TAG_COUNT; k++)
      rw->quiet[k] = k == CONSENT__TAG_OTHER ? CONSENT__TOK_QUIET_ASK
                     : k == CONSENT__TAG_HTML ||
                     k == CONSENT__TAG_HEAD || k == CONSENT__TAG_BODY ? 0
                     : rw->want_tag[k] == 0 ? 1
                     : rw->want_tag[k] != CONSENT__TOK_WANT_IDS ? 0
                     : consent__match_widget_attrs(g->reg, k)
                     ? CONSENT__TOK_QUIET_NAMES : CONSENT__TOK_WANT_IDS;
    rw->tok.quiet_widget = quiet_widget;
    rw->wfilter.name_len = g->reg->wname_len;
    rw->wfilter.class_hash = g->reg->class_hash;
    rw->wfilter.id_first = g->reg->wid_first;
    rw->wfilter.class_any = g->reg->wattr_cls;
    rw->tok.quiet_filter = &rw->wfilter;
    rw->tok.quiet_value = quiet_value;
    rw->allow.allowed = guard_allowed;
    rw->allow.ud = rw;
    if (!g->guard)
      rw->tok.quiet = rw->quiet;
  }
  /* End tags matter only to a capture (its end, nested elements). */
  rw->tok.end_gate = &rw->cap;
  rw->tok.on_fetch_name = on_fetch_name;
  rw->tok.ud = rw;
  rw->gate = g;
  rw->sink = sink;
  rw->sink_ud = ud;
  rw->lang = g->lang;
  rw->base_prov = -1;
  rw->now = (int64_t)time(NULL);
}

static int
check(struct consent_rewriter *rw)
{
  if (rw->status != 0) {
    snprintf(rw->errmsg, sizeof(rw->errmsg), "%s (earlier: %s)",
             consent_strerror(CONSENT_E_FAILED),
             consent_strerror((consent_status)rw->status));
    return CONSENT_E_FAILED;
  }
  if (rw->ended) {
    snprintf(rw->errmsg, sizeof(rw->errmsg), "%s",
             consent_strerror(CONSENT_E_FINISHED));
    return CONSENT_E_FINISHED;
  }
  return 0;
}

/* Keeps the input from `emitted` on for the next chunk. */
static void
keep_rest(struct consent_rewriter *rw)
{
  uint64_t end = rw->chunk_base + rw->chunk_len;
  struct consent__buf *p = &rw->pend;

  if (rw->emitted >= rw->chunk_base) {
    p->len = 0;
    if (consent__buf_append(p, rw->chunk + (rw->emitted - rw->chunk_base),
                            (size_t)(end - rw->emitted)) != 0)
      fail(rw, CONSENT_E_NOMEM);
  } else {
    size_t skip = (size_t)(rw->emitted - rw->pend_start);
    memmove(p->data, p->data + skip, p->len - skip);
    p->len -= skip;
    if (consent__buf_append(p, rw->chunk, rw->chunk_len) != 0)
      fail(rw, CONSENT_E_NOMEM);
  }
  rw->pend_start = rw->emitted;
  rw->chunk = NULL;
  rw->chunk_len = 0;
  rw->chunk_base = end;
}

/* Holds memory to max_buffer: a capture past it is dropped (its
 * placeholder then holds no markup); an unfinished candidate tag past it
 * becomes a capture of its own. */
static void
bound(struct consent_rewriter *rw)
{
  uint64_t held = rw->fed - rw->emitted, cut;
  int id;

  if (held <= rw->gate->max_buffer)
    return;
  if (rw->cap == CAP_WIDGET_TAIL) {
    /* The script is merged only if its tag ends within the bound (see
     * on_token): past it, no tag still in progress can be. */
    if (rw->fed - rw->cap_start <= rw->gate->max_buffer)
      return;
    finish_widget(rw);
    if (rw->cap == CAP_NONE) {
      /* What is settled after the widget goes out, as feed() would
       * have let it: only the token in progress stays held. */
      uint64_t settled = consent__tok_settled(&rw->tok);
      pass_to(rw, settled < rw->fed ? settled : rw->fed);
    }
    held = rw->fed - rw->emitted;
    if (held <= rw->gate->max_buffer)
      return;
  }
  if (rw->cap == CAP_ELEMENT && !rw->cap_raw) {
    /* Markup content past the bound: drop what is held but the token in
     * progress; on_token ends the capture at the next token. */
    cut = consent__tok_token_start(&rw->tok);
    if (cut > rw->fed)
      cut = rw->fed;
    if (cut < rw->emitted)
      cut = rw->emitted;
    rw->cap_overflow = 1;
    memmove(rw->pend.data, rw->pend.data + (cut - rw->pend_start),
            (size_t)(rw->fed - cut));
    rw->pend.len = (size_t)(rw->fed - cut);
    rw->pend_start = cut;
    rw->emitted = cut;
    return;
  }
  if (rw->cap == CAP_NONE && (id = consent__tok_start_tag_id(&rw->tok)) >= 0 &&
      !consent__match_fetches((unsigned)id)) {
    /* A tag of an element that loads nothing by itself (a widget's box,
     * a placeholder): it passes as on_start() decides for it, up to the
     * attribute name being read (it may still need renaming). */
    uint64_t hold = consent__tok_attr_name_start(&rw->tok);
    if (hold > rw->fed)
      hold = rw->fed;
    pass_renamed(rw, rw->tok.tok_start, hold);
    if (hold > rw->pend_start) {
      memmove(rw->pend.data, rw->pend.data + (hold - rw->pend_start),
              (size_t)(rw->fed - hold));
      rw->pend.len = (size_t)(rw->fed - hold);
      rw->pend_start = hold;
    }
    return;
  }
  if (rw->cap == CAP_NONE) {
    /* Only a candidate tag can hold this much back: treat it as an
     * embed nobody can check. */
    rw->cap = CAP_ELEMENT;
    rw->cap_start = rw->emitted;
    memset(&rw->m, 0, sizeof(rw->m));
    rw->m.prov = -1;
    rw->m.kind = CONSENT__EMBED_FRAME;
    rw->cap_depth = 1;
    rw->cap_name_len = 0;
    rw->cap_inline = 0;
    rw->cap_merged = 1;
    rw->cap_raw = 1;
  }
  /* Raw text (a script, a frame's content): dropped up to its end tag,
   * which the browser and the tokenizer find alike. */
  rw->cap_overflow = 1;
  rw->emitted = rw->fed;
  rw->pend.len = 0;
  rw->pend_start = rw->fed;
}

static int
feed(struct consent_rewriter *rw, const char *buf, size_t len)
{
  uint64_t settled;
  int st;

  rw->chunk = buf;
  rw->chunk_len = len;
  rw->chunk_base = rw->fed;
  st = consent__tok_feed(&rw->tok, buf, len);
  if (st != 0 && rw->status == 0)
    fail(rw, st);
  rw->fed += len;
  if (rw->cap == CAP_NONE) {
    settled = consent__tok_settled(&rw->tok);
    if (settled > rw->fed)
      settled = rw->fed;
    pass_to(rw, settled);
  }
  if (rw->cap == CAP_ELEMENT && rw->cap_overflow && rw->cap_raw &&
      rw->emitted < rw->fed)
    rw->emitted = rw->fed; /* a dropped raw capture keeps nothing */
  keep_rest(rw);
  bound(rw);
  return rw->status;
}

/* ------------------------------------------------------------------ */
/* Codings and charsets (codec.c)                                      */

static int
encoder_sink(const char *buf, size_t len, void *ud)
{
  struct consent_rewriter *rw = ud;

  return consent__encoder_write(&rw->enc, buf, len);
}

static int
enc_out(const char *buf, size_t len, void *ud)
{
  struct consent_rewriter *rw = ud;

  return rw->user_sink(buf, len, rw->user_ud);
}

int
consent__rewriter_set_encoding(struct consent_rewriter *rw, int in,
                               int out_enc)
{
  int st;

  if (rw->fed > 0 || rw->ended || rw->dec_on || rw->enc_on ||
      rw->rec.sniffed || rw->rec.head_len > 0)
    return CONSENT_E_INVAL;
  if (in != CONSENT__CODING_IDENTITY) {
    if ((st = consent__decoder_init(&rw->dec, in)) != 0) {
      consent__decoder_free(&rw->dec);
      return st;
    }
    rw->dec_on = 1;
  }
  if (out_enc != CONSENT__CODING_IDENTITY) {
    if ((st = consent__encoder_init(&rw->enc, out_enc, enc_out, rw)) != 0) {
      consent__encoder_free(&rw->enc);
      return st;
    }
    rw->enc_on = 1;
    rw->user_sink = rw->sink;
    rw->user_ud = rw->sink_ud;
    rw->sink = encoder_sink;
    rw->sink_ud = rw;
  }
  return 0;
}

int
consent__rewriter_set_charset(struct consent_rewriter *rw, int charset)
{
  if (rw->fed > 0 || rw->ended || rw->rec.sniffed || rw->rec.head_len > 0)
    return CONSENT_E_INVAL;
  consent__recoder_init(&rw->rec, charset);
  return 0;
}

/* The tokenizer's side of the recoder. */
static int
feed_fn(const char *buf, size_t len, void *ud)
{
  return feed(ud, buf, len);
}

/* A body that is compressed though no coding was given. */
static void
undeclared(struct consent_rewriter *rw)
{
  if (rw->status != 0)
    return;
  rw->status = CONSENT_E_ENCODING;
  snprintf(rw->errmsg, sizeof(rw->errmsg), "%s: the body is a gzip or "
           "zstd stream but no content coding says so",
           consent_strerror(CONSENT_E_ENCODING));
}

/* The decoder's output goes through the recoder. */
static int
recode_fn(const char *buf, size_t len, void *ud)
{
  struct consent_rewriter *rw = ud;
  int st = consent__recoder_write(&rw->rec, buf, len, feed_fn, rw);

  if (st == CONSENT__COMPRESSED)
    undeclared(rw);
  return st != 0 || rw->status != 0;
}

/* ------------------------------------------------------------------ */
/* The Link header (RFC 8288)                                          */

int
consent__rewriter_filter_link(const struct consent_rewriter *rw,
                              const char *v, size_t len,
                              struct consent__buf *out)
{
  size_t i = 0;

  while (i < len) {
    size_t a = i, b, t0 = 0, t1 = 0;
    int quoted = 0, angle = 0, target = 0, st = 0; /* target: 1 open,
                                                      2 closed */

    /* One link-value: up to a comma outside <> and quotes. */
    for (; i < len; i++) {
      char c = v[i];
      if (quoted) {
        if (c == '\\' && i + 1 < len)
          i++;
        else if (c == '"')
          quoted = 0;
      } else if (angle) {
        if (c == '>') {
          angle = 0;
          if (target == 1) {
            target = 2;
            t1 = i;
          }
        }
      } else if (c == '"')
        quoted = 1;
      else if (c == '<') {
        angle = 1;
        if (target == 0) {
          target = 1;
          t0 = i + 1;
        }
      } else if (c == ',')
        break;
    }
    b = i++;
    if (target == 1)
      t1 = b;                   /* an unclosed target: to the end */
    while (a < b && (v[a] == ' ' || v[a] == '\t'))
      a++;
    while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
      b--;
    if (a == b)
      continue;
    if (target) {
      long prov = consent__registry_match_url(rw->gate->reg, v + t0,
                                              t1 - t0);
      if (prov >= 0 && !allowed(rw, prov))
        continue;
    }
    if (out->len > 0)
      st |= consent__buf_append(out, ", ", 2);
    st |= consent__buf_append(out, v + a, b - a);
    if (st != 0)
      return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                 */

int
consent__rewriter_write(struct consent_rewriter *rw, const char *buf,
                        size_t len)
{
  int st = check(rw);

  if (st != 0)
    return st;
  rw->errmsg[0] = '\0';
  if (len == 0)
    return 0;
  if (rw->dec_on) {
    st = consent__decoder_write(&rw->dec, buf, len, recode_fn, rw,
                                rw->errmsg, sizeof(rw->errmsg));
    if (st > 0 && rw->status == 0)
      rw->status = st;                /* (errmsg says what) */
    return rw->status;
  }
  recode_fn(buf, len, rw);
  return rw->status;
}

int
consent__rewriter_end(struct consent_rewriter *rw)
{
  int st = check(rw);

  if (st != 0)
    return st;
  if (rw->dec_on && (st = consent__decoder_end(&rw->dec, rw->errmsg,
                                               sizeof(rw->errmsg))) != 0) {
    rw->status = st;                  /* (errmsg says what) */
    return rw->status;
  }
  if ((st = consent__recoder_end(&rw->rec, feed_fn, rw)) != 0 ||
      rw->status != 0) {
    if (st == CONSENT__COMPRESSED)
      undeclared(rw);
    return rw->status;
  }
  rw->ended = 1;
  rw->chunk = NULL;
  rw->chunk_len = 0;
  rw->chunk_base = rw->fed;
  /* The notice goes at the end only where a browser reads it as markup:
   * not inside an unclosed title, script, comment or tag. */
  rw->end_in_data = consent__tok_in_data(&rw->tok);
  st = consent__tok_finish(&rw->tok);
  if (st != 0 && rw->status == 0)
    fail(rw, st);
  if (rw->cap == CAP_ELEMENT)
    end_capture(rw, rw->fed); /* an embed cut off by the end */
  if (rw->cap == CAP_WIDGET_TAIL)
    finish_widget(rw); /* (end_capture may leave a widget waiting) */
  pass_to(rw, rw->fed);
  if (rw->status == 0)
    notice(rw);
  if (rw->enc_on && rw->status == 0 && consent__encoder_end(&rw->enc) != 0)
    fail(rw, CONSENT_E_SINK);
  return rw->status;
}

void
consent__rewriter_free(struct consent_rewriter *rw)
{
  consent__tok_free(&rw->tok);
  if (rw->sub_ready)
    consent__tok_free(&rw->sub);
  consent__buf_free(&rw->tagbuf);
  consent__buf_free(&rw->subtext);
  consent__buf_free(&rw->css);
  consent__buf_free(&rw->fa);
  consent__buf_free(&rw->pend);
  consent__buf_free(&rw->scratch);
  free(rw->nonce);
  free(rw->return_path);
  free(rw->seen);
  if (rw->dec_on)
    consent__decoder_free(&rw->dec);
  if (rw->enc_on)
    consent__encoder_free(&rw->enc);
}
