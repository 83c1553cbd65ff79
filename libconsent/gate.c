/*
 * gate.c: the public calls of configurations, gates and rewriters
 * (include/consent.h): a configuration collects the settings, a gate is
 * built from it once, and each response gets a rewriter of that gate.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent.h"
#include "endpoint.h"
#include "guard.h"
#include "previews.h"
#include "registry.h"
#include "rewriter.h"
#include "state.h"
#include "util.h"

#define MIN_MAX_BUFFER ((size_t)4096)

struct consent_config {
  size_t max_buffer;
  const struct consent_registry *registry;
  struct consent__texts texts;
  char lang[9];
  char *site_privacy, *endpoint, *js_url, *css_url;
  int script_mode, cache_safe, guard, notice, google_consent_mode;
  char **always;
  size_t nalways;
  struct consent_previews *previews;
  char errmsg[512];
};

consent_status
consent_config_new(consent_config_t **config)
{
  consent_config_t *c;

  if (config == NULL)
    return CONSENT_E_INVAL;
  *config = NULL;
  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return CONSENT_E_NOMEM;
  c->max_buffer = CONSENT__DEFAULT_MAX_BUFFER;
  c->notice = 1;
  strcpy(c->lang, "en");
  if (consent__texts_init(&c->texts) != 0) {
    free(c);
    return CONSENT_E_NOMEM;
  }
  *config = c;
  return CONSENT_OK;
}

void
consent_config_free(consent_config_t *config)
{
  size_t i;

  if (config == NULL)
    return;
  consent__texts_free(&config->texts);
  free(config->site_privacy);
  free(config->endpoint);
  free(config->js_url);
  free(config->css_url);
  for (i = 0; i < config->nalways; i++)
    free(config->always[i]);
  free(config->always);
  free(config);
}

consent_status
consent_config_set_max_buffer(consent_config_t *config, size_t bytes)
{
  if (config == NULL || bytes < MIN_MAX_BUFFER)
    return CONSENT_E_INVAL;
  config->max_buffer = bytes;
  return CONSENT_OK;
}

consent_status
consent_config_set_registry(consent_config_t *config,
                            const consent_registry_t *registry)
{
  if (config == NULL || registry == NULL)
    return CONSENT_E_INVAL;
  config->registry = registry;
  return CONSENT_OK;
}

consent_status
consent_config_set_language(consent_config_t *config, const char *tag)
{
  long i;

  if (config == NULL || tag == NULL)
    return CONSENT_E_INVAL;
  i = consent__texts_find(&config->texts, tag, strlen(tag));
  if (i < 0)
    return CONSENT_E_NOTFOUND;
  strcpy(config->lang, config->texts.lang[i].tag);
  return CONSENT_OK;
}

/* Reads a file for a config loader; sets errmsg on failure. */
static consent_status
read_config_file(consent_config_t *config, const char *path,
                 struct consent__buf *b)
{
  int rc = consent__read_file(path, 1u << 20, b);

  if (rc == 0)
    return CONSENT_OK;
  snprintf(config->errmsg, sizeof(config->errmsg), "%s: %s", path,
           rc == -2 ? "larger than 1 MiB" : strerror(errno));
  consent__buf_free(b);
  return rc == -2 ? CONSENT_E_PARSE : CONSENT_E_IO;
}

/* Reads a file into the configuration's texts with load(). */
static consent_status
load_texts_file(consent_config_t *config, const char *path,
                int (*load)(struct consent__texts *, const char *, size_t,
                            const char *, char *, size_t))
{
  struct consent__buf b = { NULL, 0, 0 };
  consent_status st;

  if (config == NULL || path == NULL)
    return CONSENT_E_INVAL;
  config->errmsg[0] = '\0';
  st = read_config_file(config, path, &b);
  if (st != CONSENT_OK)
    return st;
  st = (consent_status)load(&config->texts, b.data ? b.data : "", b.len,
                            path, config->errmsg, sizeof(config->errmsg));
  consent__buf_free(&b);
  return st;
}

consent_status
consent_config_load_texts(consent_config_t *config, const char *path)
{
  return load_texts_file(config, path, consent__texts_load);
}

consent_status
consent_config_load_template(consent_config_t *config, const char *path)
{
  return load_texts_file(config, path, consent__texts_set_template);
}

consent_status
consent_config_load_notice_template(consent_config_t *config,
                                    const char *path)
{
  return load_texts_file(config, path, consent__texts_set_notice_template);
}

const char *
consent_config_errmsg(const consent_config_t *config)
{
  return config != NULL ? config->errmsg : "";
}

static consent_status
set_copy(char **dst, const char *src)
{
  char *d = NULL;

  if (src != NULL) {
    d = malloc(strlen(src) + 1);
    if (d == NULL)
      return CONSENT_E_NOMEM;
    strcpy(d, src);
  }
  free(*dst);
  *dst = d;
  return CONSENT_OK;
}

consent_status
consent_config_set_privacy_url(consent_config_t *config, const char *url)
{
  if (config == NULL)
    return CONSENT_E_INVAL;
  return set_copy(&config->site_privacy, url);
}

consent_status
consent_config_set_endpoint(consent_config_t *config, const char *url)
{
  if (config == NULL)
    return CONSENT_E_INVAL;
  return set_copy(&config->endpoint, url);
}

consent_status
consent_config_set_script(consent_config_t *config, consent_script_mode mode,
                          const char *js_url, const char *css_url)
{
  if (config == NULL || (unsigned)mode > CONSENT_SCRIPT_NONE ||
      (mode == CONSENT_SCRIPT_URL && js_url == NULL))
    return CONSENT_E_INVAL;
  if (set_copy(&config->js_url, js_url) != CONSENT_OK ||
      set_copy(&config->css_url, css_url) != CONSENT_OK)
    return CONSENT_E_NOMEM;
  config->script_mode = (int)mode;
  return CONSENT_OK;
}

consent_status
consent_config_set_cache_safe(consent_config_t *config, int on)
{
  if (config == NULL)
    return CONSENT_E_INVAL;
  config->cache_safe = on != 0;
  return CONSENT_OK;
}

consent_status
consent_config_set_guard(consent_config_t *config, int on)
{
  if (config == NULL)
    return CONSENT_E_INVAL;
  config->guard = on != 0;
  return CONSENT_OK;
}

consent_status
consent_config_set_notice(consent_config_t *config, int on)
{
  if (config == NULL)
    return CONSENT_E_INVAL;
  config->notice = on != 0;
  return CONSENT_OK;
}

consent_status
consent_config_set_google_consent_mode(consent_config_t *config, int on)
{
  if (config == NULL)
    return CONSENT_E_INVAL;
  config->google_consent_mode = on != 0;
  return CONSENT_OK;
}

consent_status
consent_config_allow_provider(consent_config_t *config, const char *id)
{
  char **v, *d = NULL;

  if (config == NULL || id == NULL)
    return CONSENT_E_INVAL;
  if (set_copy(&d, id) != CONSENT_OK)
    return CONSENT_E_NOMEM;
  v = realloc(config->always, (config->nalways + 1) * sizeof(*v));
  if (v == NULL) {
    free(d);
    return CONSENT_E_NOMEM;
  }
  config->always = v;
  config->always[config->nalways++] = d;
  return CONSENT_OK;
}

static int
dup_into(char **dst, const char *src)
{
  return set_copy(dst, src) == CONSENT_OK ? 0 : -1;
}

consent_status
consent_gate_new(const consent_config_t *config, consent_gate_t **gate)
{
  struct consent_gate *g;
  consent_gate_t *gt;
  size_t i;
  long idx;
  int st = 0;

  if (gate == NULL)
    return CONSENT_E_INVAL;
  *gate = NULL;
  gt = calloc(1, sizeof(*gt));
  if (gt == NULL)
    return CONSENT_E_NOMEM;
  g = gt;
  if (consent__gate_init(g) != 0) {
    free(gt);
    return CONSENT_E_NOMEM;
  }
  g->serial = consent__gate_serial();
  if (config != NULL && config->registry != NULL) {
    g->reg = config->registry;
  } else {
    consent__registry_init(&g->own_reg);
    g->has_own_reg = 1;
    st = consent__registry_builtin(&g->own_reg);
    g->reg = &g->own_reg;
  }
  if (st == 0 && config != NULL) {
    consent__texts_free(&g->texts);
    st = consent__texts_copy(&g->texts, &config->texts);
    g->max_buffer = config->max_buffer;
    g->script_mode = config->script_mode;
    g->cache_safe = config->cache_safe;
    g->guard = config->guard;
    g->notice = config->notice;
    g->google_consent_mode = config->google_consent_mode;
    g->previews = config->previews;
    if (st == 0 && (dup_into(&g->site_privacy, config->site_privacy) ||
                    dup_into(&g->endpoint, config->endpoint) ||
                    dup_into(&g->js_url, config->js_url) ||
                    dup_into(&g->css_url, config->css_url)))
      st = CONSENT_E_NOMEM;
    idx = consent__texts_find(&g->texts, config->lang, strlen(config->lang));
    g->lang = idx >= 0 ? (size_t)idx : 0;
  }
  if (st == 0 && config != NULL && config->nalways > 0) {
    g->always = calloc(g->reg->count + 1, 1);
    if (g->always == NULL)
      st = CONSENT_E_NOMEM;
    for (i = 0; st == 0 && i < config->nalways; i++) {
      idx = consent__registry_find(g->reg, config->always[i],
                                   strlen(config->always[i]));
      if (idx < 0)
        st = CONSENT_E_NOTFOUND;
      else
        g->always[idx] = 1;
    }
  }
  if (st != 0) {
    consent__gate_free(g);
    free(gt);
    return (consent_status)st;
  }
  *gate = gt;
  return CONSENT_OK;
}

void
consent_gate_free(consent_gate_t *gate)
{
  if (gate == NULL)
    return;
  consent__gate_free(gate);
  free(gate);
}

const char *
consent_gate_negotiate_language(const consent_gate_t *gate,
                                const char *accept_language, size_t len)
{
  size_t i;

  if (gate == NULL)
    return "en";
  if (accept_language == NULL)
    return gate->texts.lang[gate->lang].tag;
  i = consent__texts_negotiate(&gate->texts, accept_language, len);
  return gate->texts.lang[i].tag;
}

/* consent_rewriter_set_cache: a copy of the output as it leaves, up to
 * what the cache keeps of one page. */
static void
keep_copy(consent_rewriter_t *r, const char *buf, size_t len)
{
  if (r->cache == NULL || r->cache_off)
    return;
  if (r->cache_copy.len + len > consent__cache_max_entry(r->cache) ||
      consent__buf_append(&r->cache_copy, buf, len) != 0) {
    r->cache_off = 1;
    consent__buf_free(&r->cache_copy);
  }
}

/* Every rewriter's output reaches the host through here. */
static int
host_sink(const char *buf, size_t len, void *user_data)
{
  consent_rewriter_t *r = user_data;

  keep_copy(r, buf, len);
  return r->host_sink(buf, len, r->host_ud);
}

consent_status
consent_rewriter_new(const consent_gate_t *gate, consent_sink_fn sink,
                     void *user_data, consent_rewriter_t **rw)
{
  consent_rewriter_t *r;

  if (rw == NULL)
    return CONSENT_E_INVAL;
  *rw = NULL;
  if (gate == NULL || sink == NULL)
    return CONSENT_E_INVAL;
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return CONSENT_E_NOMEM;
  consent__rewriter_init(r, gate, host_sink, r);
  r->host_sink = sink;
  r->host_ud = user_data;
  *rw = r;
  return CONSENT_OK;
}

static int
buffer_sink(const char *buf, size_t len, void *user_data)
{
  consent_rewriter_t *r = user_data;

  keep_copy(r, buf, len);
  return consent__buf_append(&r->out, buf, len);
}

consent_status
consent_rewriter_new_buffered(const consent_gate_t *gate,
                              consent_rewriter_t **rw)
{
  consent_rewriter_t *r;

  if (rw == NULL)
    return CONSENT_E_INVAL;
  *rw = NULL;
  if (gate == NULL)
    return CONSENT_E_INVAL;
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return CONSENT_E_NOMEM;
  consent__rewriter_init(r, gate, buffer_sink, r);
  r->buffered = 1;
  *rw = r;
  return CONSENT_OK;
}

/* Output handed out by consent_rewriter_take() is dropped at the next
 * call. */
static void
drop_taken(consent_rewriter_t *rw)
{
  if (rw->taken) {
    rw->out.len = 0;
    rw->taken = 0;
  }
}

const char *
consent_rewriter_take(consent_rewriter_t *rw, size_t *len)
{
  if (len != NULL)
    *len = 0;
  if (rw == NULL || !rw->buffered)
    return NULL;
  drop_taken(rw);
  rw->taken = 1;
  if (len != NULL)
    *len = rw->out.len;
  return rw->out.data != NULL ? rw->out.data : "";
}

consent_status
consent_rewriter_set_state(consent_rewriter_t *rw,
                           const consent_state_t *state)
{
  if (rw == NULL || rw->started)
    return CONSENT_E_INVAL;
  rw->state = state != NULL ? state : NULL;
  return CONSENT_OK;
}

consent_status
consent_rewriter_set_language(consent_rewriter_t *rw, const char *tag)
{
  long i;

  if (rw == NULL || rw->started || tag == NULL)
    return CONSENT_E_INVAL;
  i = consent__texts_find(&rw->gate->texts, tag, strlen(tag));
  if (i < 0)
    return CONSENT_E_NOTFOUND;
  rw->lang = (size_t)i;
  return CONSENT_OK;
}

consent_status
consent_rewriter_set_nonce(consent_rewriter_t *rw, const char *nonce)
{
  if (rw == NULL || rw->started)
    return CONSENT_E_INVAL;
  return set_copy(&rw->nonce, nonce);
}

consent_status
consent_rewriter_set_return_path(consent_rewriter_t *rw, const char *path)
{
  char *d;
  size_t n;

  if (rw == NULL || rw->started)
    return CONSENT_E_INVAL;
  if (path == NULL || consent__return_path_ok(path, strlen(path)))
    return set_copy(&rw->return_path, path);
  /* What the endpoint would refuse: a path that is not of this site (a
   * full URL, "//host", a backslash, a blank) is the site's root; one too
   * long, or with such bytes in its query, loses the query.  Hosts pass
   * the request's URI as it came. */
  n = strcspn(path, "?#");
  d = consent__return_path_ok(path, n) ? consent__strndup(path, n)
      : consent__strndup("/", 1);
  if (d == NULL)
    return CONSENT_E_NOMEM;
  free(rw->return_path);
  rw->return_path = d;
  return CONSENT_OK;
}

consent_status
consent_rewriter_set_encoding(consent_rewriter_t *rw, consent_encoding in,
                              consent_encoding out)
{
  if (rw == NULL || rw->started || (unsigned)in > CONSENT__CODING_MAX ||
      (unsigned)out > CONSENT__CODING_MAX)
    return CONSENT_E_INVAL;
  return (consent_status)consent__rewriter_set_encoding(rw, (int)in,
                                                        (int)out);
}

consent_status
consent_rewriter_set_content_type(consent_rewriter_t *rw, const char *value,
                                  size_t len)
{
  const char *ess;
  size_t elen;

  if (rw == NULL || rw->started || (value == NULL && len > 0))
    return CONSENT_E_INVAL;
  return (consent_status)consent__rewriter_set_charset(
           rw, consent__content_type(value, len, &ess, &elen));
}

consent_status
consent_rewriter_filter_link(const consent_rewriter_t *rw, const char *value,
                             size_t len, char **out)
{
  struct consent__buf b = { NULL, 0, 0 };
  char *s;

  if (out != NULL)
    *out = NULL;
  if (rw == NULL || out == NULL || (value == NULL && len > 0))
    return CONSENT_E_INVAL;
  if (consent__rewriter_filter_link(rw, value, len, &b) != 0) {
    consent__buf_free(&b);
    return CONSENT_E_NOMEM;
  }
  if (b.len == 0) {
    consent__buf_free(&b);
    return CONSENT_OK;
  }
  s = consent__strndup(b.data, b.len);
  consent__buf_free(&b);
  if (s == NULL)
    return CONSENT_E_NOMEM;
  *out = s;
  return CONSENT_OK;
}

int
consent_gate_header_edit(const consent_gate_t *gate,
                         const consent_site_t *site, size_t i,
                         consent_header_op *op, const char **name,
                         const char **value)
{
  /* Vary by what the output depends on: bit 1 Cookie, 2 Sec-GPC, 4
   * Accept-Language. */
  static const char *const vary[8] = {
    "", "Cookie", "Sec-GPC", "Cookie, Sec-GPC", "Accept-Language",
    "Cookie, Accept-Language", "Sec-GPC, Accept-Language",
    "Cookie, Sec-GPC, Accept-Language"
  };
  static const char *const removed[] = {
    "Content-Length", "Content-MD5", "ETag", "Last-Modified"
  };
  unsigned v = 0;
  size_t nrem = sizeof(removed) / sizeof(removed[0]);

  if (gate == NULL || op == NULL || name == NULL || value == NULL)
    return 0;
  if (site != NULL && !gate->cache_safe) {
    v |= 1;
    if (site->sources & CONSENT_SOURCE_GPC)
      v |= 2;
  }
  if (gate->texts.n > 1)
    v |= 4;
  if (i < nrem) {
    *op = CONSENT_HEADER_REMOVE;
    *name = removed[i];
    *value = "";
    return 1;
  }
  if (i == nrem) {
    *op = CONSENT_HEADER_SET;
    *name = "Accept-Ranges";
    *value = "none";
    return 1;
  }
  if (i == nrem + 1 && v != 0) {
    *op = CONSENT_HEADER_MERGE;
    *name = "Vary";
    *value = vary[v];
    return 1;
  }
  return 0;
}

consent_status
consent_rewriter_set_time(consent_rewriter_t *rw, long long now)
{
  if (rw == NULL || rw->started || now < 0)
    return CONSENT_E_INVAL;
  rw->now = (int64_t)consent__now_or(now);
  return CONSENT_OK;
}

consent_status
consent_rewriter_set_report(consent_rewriter_t *rw, consent_report_fn fn,
                            void *user_data)
{
  if (rw == NULL || rw->started)
    return CONSENT_E_INVAL;
  rw->report = fn;
  rw->report_ud = user_data;
  return CONSENT_OK;
}

consent_status
consent_rewriter_write(consent_rewriter_t *rw, const char *buf, size_t len)
{
  if (rw == NULL || (buf == NULL && len > 0))
    return CONSENT_E_INVAL;
  rw->started = 1;
  drop_taken(rw);
  return (consent_status)consent__rewriter_write(rw, buf, len);
}

consent_status
consent_rewriter_set_cache(consent_rewriter_t *rw, consent_cache_t *cache,
                           const unsigned char key[CONSENT_CACHE_KEY_SIZE],
                           long long max_age)
{
  if (rw == NULL || rw->started || cache == NULL || key == NULL ||
      max_age < 0)
    return CONSENT_E_INVAL;
  rw->cache = cache;
  memcpy(rw->cache_key, key, CONSENT_CACHE_KEY_SIZE);
  rw->cache_age = max_age;
  return CONSENT_OK;
}

consent_status
consent_rewriter_end(consent_rewriter_t *rw)
{
  consent_status st;

  if (rw == NULL)
    return CONSENT_E_INVAL;
  rw->started = 1;
  drop_taken(rw);
  st = (consent_status)consent__rewriter_end(rw);
  if (st == CONSENT_OK && rw->cache != NULL && !rw->cache_off)
    consent_cache_put(rw->cache, rw->cache_key, rw->cache_copy.data,
                      rw->cache_copy.len, rw->cache_age, 0);
  consent__buf_free(&rw->cache_copy);
  rw->cache = NULL;
  return st;
}

const char *
consent_rewriter_errmsg(const consent_rewriter_t *rw)
{
  if (rw == NULL)
    return consent_strerror(CONSENT_E_INVAL);
  return rw->errmsg;
}

void
consent_rewriter_free(consent_rewriter_t *rw)
{
  if (rw == NULL)
    return;
  consent__rewriter_free(rw);
  consent__buf_free(&rw->out);
  consent__buf_free(&rw->cache_copy);
  free(rw);
}

const char *
consent_asset(consent_asset_id which, size_t *len)
{
  const char *s = which == CONSENT_ASSET_SCRIPT ? consent__asset_js
                  : which == CONSENT_ASSET_STYLE ? consent__asset_css
                  : which == CONSENT_ASSET_GUARD ? consent__asset_guard
                  : NULL;

  if (len != NULL)
    *len = s != NULL ? strlen(s) : 0;
  return s;
}

struct collect {
  char *data;
  size_t len, cap;
  int failed;
};

static int
collect_sink(const char *buf, size_t len, void *user_data)
{
  struct collect *c = user_data;

  if (c->cap - c->len <= len) {
    size_t cap = c->cap ? c->cap : 4096;
    char *data;
    while (cap - c->len <= len) {
      if (cap > (size_t)-1 / 2)
        return c->failed = 1;
      cap *= 2;
    }
    data = realloc(c->data, cap);
    if (data == NULL)
      return c->failed = 1;
    c->data = data;
    c->cap = cap;
  }
  memcpy(c->data + c->len, buf, len);
  c->len += len;
  return 0;
}

consent_status
consent_rewrite(const consent_gate_t *gate, const char *in, size_t len,
                char **out, size_t *out_len)
{
  struct collect c = { NULL, 0, 0, 0 };
  consent_rewriter_t *rw;
  consent_status st;

  if (out == NULL)
    return CONSENT_E_INVAL;
  *out = NULL;
  if (out_len != NULL)
    *out_len = 0;
  if (in == NULL && len > 0)
    return CONSENT_E_INVAL;
  st = consent_rewriter_new(gate, collect_sink, &c, &rw);
  if (st != CONSENT_OK)
    return st;
  st = consent_rewriter_write(rw, in, len);
  if (st == CONSENT_OK)
    st = consent_rewriter_end(rw);
  consent_rewriter_free(rw);
  if (st == CONSENT_OK && collect_sink("", 0, &c) == 0) {
    c.data[c.len] = '\0';
    *out = c.data;
    if (out_len != NULL)
      *out_len = c.len;
    return CONSENT_OK;
  }
  free(c.data);
  if (st == CONSENT_E_SINK && c.failed)
    st = CONSENT_E_NOMEM;
  return st == CONSENT_OK ? CONSENT_E_NOMEM : st;
}

consent_status
consent_config_set_previews(consent_config_t *config, consent_previews_t *pv)
{
  if (config == NULL)
    return CONSENT_E_INVAL;
  config->previews = pv;
  return CONSENT_OK;
}
