/*
 * api.c: the public interface (include/consent.h).  The only module that
 * touches public types.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "consent.h"
#include "banners.h"
#include "cookie.h"
#include "endpoint.h"
#include "registry.h"
#include "rewriter.h"
#include "guard.h"
#include "previews.h"
#include "state.h"
#include "tcf.h"

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

#define MAX_PROVIDER_FILE (1u << 20)
#define MAX_KEY_FILE 65536

#define OPENSSL_cleanse_buf(p, n) \
  do {                            \
    if ((p) != NULL)              \
      OPENSSL_cleanse((p), (n));  \
  } while (0)

static int64_t
now_or(long long now)
{
  return now != 0 ? (int64_t)now : (int64_t)time(NULL);
}

/* Hands a message to the caller through an optional out-parameter. */
static void
give_message(char **errmsg, const char *msg)
{
  if (errmsg != NULL) {
    *errmsg = malloc(strlen(msg) + 1);
    if (*errmsg != NULL)
      strcpy(*errmsg, msg);
  }
}

/* Moves a buffer to an out-parameter as a NUL-terminated string. */
static consent_status
give_buffer(struct consent__buf *b, char **out, size_t *len)
{
  if (consent__buf_append(b, "", 1) != 0) {
    consent__buf_free(b);
    return CONSENT_E_NOMEM;
  }
  *out = b->data;
  if (len != NULL)
    *len = b->len - 1;
  b->data = NULL;
  return CONSENT_OK;
}

const char *
consent_version(void)
{
  return CONSENT_VERSION_STRING;
}

unsigned int
consent_version_num(void)
{
  return CONSENT_VERSION_NUM;
}

void
consent_free(void *ptr)
{
  free(ptr);
}

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
  consent__rewriter_init(r, gate, sink, user_data);
  *rw = r;
  return CONSENT_OK;
}

static int
buffer_sink(const char *buf, size_t len, void *user_data)
{
  consent_rewriter_t *r = user_data;

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
  rw->now = (int64_t)now_or(now);
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
consent_rewriter_end(consent_rewriter_t *rw)
{
  if (rw == NULL)
    return CONSENT_E_INVAL;
  rw->started = 1;
  drop_taken(rw);
  return (consent_status)consent__rewriter_end(rw);
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

/* ------------------------------------------------------------------ */
/* Key ring                                                            */

consent_status
consent_keyring_new_temporary(consent_keyring_t **ring)
{
  consent_keyring_t *k;
  unsigned id;
  int st;

  if (ring == NULL)
    return CONSENT_E_INVAL;
  *ring = NULL;
  k = calloc(1, sizeof(*k));
  if (k == NULL)
    return CONSENT_E_NOMEM;
  st = consent__keyring_add(k, (int64_t)time(NULL), &id);
  if (st != 0) {
    consent__keyring_free(k);
    free(k);
    return (consent_status)st;
  }
  *ring = k;
  return CONSENT_OK;
}

consent_status
consent_keyring_load_buffer(const char *buf, size_t len, const char *name,
                            consent_keyring_t **ring, char **errmsg)
{
  char msg[512];
  consent_keyring_t *k;
  int st;

  if (errmsg != NULL)
    *errmsg = NULL;
  if (ring == NULL)
    return CONSENT_E_INVAL;
  *ring = NULL;
  if (buf == NULL && len > 0)
    return CONSENT_E_INVAL;
  k = malloc(sizeof(*k));
  if (k == NULL)
    return CONSENT_E_NOMEM;
  msg[0] = '\0';
  st = consent__keyring_parse(k, buf ? buf : "", len,
                              name ? name : "(key file)", msg, sizeof(msg));
  if (st != 0) {
    free(k);
    give_message(errmsg, msg[0] ? msg : consent_strerror(st));
    return (consent_status)st;
  }
  *ring = k;
  return CONSENT_OK;
}

consent_status
consent_keyring_load_file(const char *path, consent_keyring_t **ring,
                          char **errmsg)
{
  struct consent__buf b = { NULL, 0, 0 };
  consent_status st;
  char msg[512];
  int rc;

  if (errmsg != NULL)
    *errmsg = NULL;
  if (path == NULL || ring == NULL)
    return CONSENT_E_INVAL;
  *ring = NULL;
  rc = consent__read_file(path, MAX_KEY_FILE, &b);
  if (rc != 0) {
    snprintf(msg, sizeof(msg), "%s: %s", path,
             rc == -2 ? "larger than 64 KiB" : strerror(errno));
    give_message(errmsg, msg);
    consent__buf_free(&b);
    return rc == -2 ? CONSENT_E_PARSE : CONSENT_E_IO;
  }
  st = consent_keyring_load_buffer(b.data, b.len, path, ring, errmsg);
  if (b.data != NULL)
    OPENSSL_cleanse_buf(b.data, b.len);
  consent__buf_free(&b);
  return st;
}

void
consent_keyring_free(consent_keyring_t *ring)
{
  if (ring == NULL)
    return;
  consent__keyring_free(ring);
  free(ring);
}

unsigned int
consent_keyring_signing_key(const consent_keyring_t *ring)
{
  const struct consent__key *k;

  if (ring == NULL)
    return 0;
  k = consent__keyring_signing(ring);
  return k != NULL ? k->id : 0;
}

/* Writes data to path through a temporary file and rename(), mode 0600. */
static int
write_atomically(const char *path, const char *data, size_t len)
{
  size_t n = strlen(path) + 16;
  char *tmp = malloc(n);
  ssize_t w;
  size_t off = 0;
  int fd;

  if (tmp == NULL)
    return -1;
  snprintf(tmp, n, "%s.tmpXXXXXX", path);
  fd = mkstemp(tmp);
  if (fd < 0) {
    free(tmp);
    return -1;
  }
  if (fchmod(fd, 0600) != 0)
    goto fail;
  while (off < len) {
    w = write(fd, data + off, len - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      goto fail;
    off += (size_t)w;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    fd = -1;
    goto fail;
  }
  fd = -1;
  if (rename(tmp, path) != 0)
    goto fail;
  free(tmp);
  return 0;
fail:
  {
    int e = errno;
    if (fd >= 0)
      close(fd);
    unlink(tmp);
    free(tmp);
    errno = e;
  }
  return -1;
}

consent_status
consent_keyring_add_key(const char *path, long long now,
                        unsigned int *key_id, char **errmsg)
{
  struct consent__buf b = { NULL, 0, 0 }, out = { NULL, 0, 0 };
  struct consent_keyring ring = { NULL, 0 };
  char msg[512];
  unsigned id = 0;
  int rc, st;

  if (errmsg != NULL)
    *errmsg = NULL;
  if (path == NULL)
    return CONSENT_E_INVAL;
  rc = consent__read_file(path, MAX_KEY_FILE, &b);
  if (rc == -2 || (rc == -1 && errno != ENOENT)) {
    snprintf(msg, sizeof(msg), "%s: %s", path,
             rc == -2 ? "larger than 64 KiB" : strerror(errno));
    give_message(errmsg, msg);
    consent__buf_free(&b);
    return rc == -2 ? CONSENT_E_PARSE : CONSENT_E_IO;
  }
  if (rc == 0) {
    msg[0] = '\0';
    st = consent__keyring_parse(&ring, b.data ? b.data : "", b.len, path,
                                msg, sizeof(msg));
    OPENSSL_cleanse_buf(b.data, b.len);
    consent__buf_free(&b);
    if (st != 0) {
      give_message(errmsg, msg);
      return (consent_status)st;
    }
  }
  st = consent__keyring_add(&ring, now_or(now), &id);
  if (st == 0)
    st = consent__keyring_format(&ring, &out);
  consent__keyring_free(&ring);
  if (st == 0 && write_atomically(path, out.data, out.len) != 0) {
    snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
    give_message(errmsg, msg);
    st = CONSENT_E_IO;
  } else if (st != 0) {
    give_message(errmsg, st == CONSENT_E_LIMIT
                 ? "the key ring already holds 255 keys: remove old ones"
                 : consent_strerror((consent_status)st));
  }
  OPENSSL_cleanse_buf(out.data, out.len);
  consent__buf_free(&out);
  if (st == 0 && key_id != NULL)
    *key_id = id;
  return (consent_status)st;
}

/* ------------------------------------------------------------------ */
/* State                                                               */

consent_status
consent_state_new(const consent_registry_t *registry,
                  consent_state_t **state)
{
  consent_state_t *s;

  if (state == NULL)
    return CONSENT_E_INVAL;
  *state = NULL;
  if (registry == NULL)
    return CONSENT_E_INVAL;
  s = malloc(sizeof(*s));
  if (s == NULL)
    return CONSENT_E_NOMEM;
  consent__state_init(s, registry);
  *state = s;
  return CONSENT_OK;
}

void
consent_state_free(consent_state_t *state)
{
  if (state == NULL)
    return;
  consent__state_free(state);
  free(state);
}

consent_status
consent_state_set_provider(consent_state_t *state, const char *id,
                           int allow, long long when)
{
  long i;

  if (state == NULL || id == NULL)
    return CONSENT_E_INVAL;
  i = consent__registry_find(state->reg, id, strlen(id));
  if (i < 0 || !state->reg->prov[i].enabled)
    return CONSENT_E_NOTFOUND;
  return (consent_status)consent__state_set(state, (size_t)i, allow,
                                            now_or(when));
}

consent_status
consent_state_set_category(consent_state_t *state,
                           consent_category category, int allow,
                           long long when)
{
  if (state == NULL)
    return CONSENT_E_INVAL;
  if ((unsigned)category >= CONSENT__CATEGORIES)
    return CONSENT_E_NOTFOUND;
  consent__state_set_category(state, (int)category, allow,
                              now_or(when));
  return CONSENT_OK;
}

void
consent_state_clear(consent_state_t *state)
{
  if (state != NULL)
    consent__state_clear(state);
}

void
consent_state_set_policy_version(consent_state_t *state,
                                 unsigned int version)
{
  if (state != NULL)
    state->policy = version;
}

consent_status
consent_state_set_max_age(consent_state_t *state, long long seconds)
{
  if (state == NULL || seconds < 60 || seconds > 5LL * 366 * 24 * 3600)
    return CONSENT_E_INVAL;
  state->max_age = seconds;
  return CONSENT_OK;
}

int
consent_state_allows(const consent_state_t *state, const char *id,
                     long long now)
{
  long i;

  if (state == NULL || id == NULL)
    return 0;
  i = consent__registry_find(state->reg, id, strlen(id));
  if (i < 0)
    return 0;
  return consent__state_allows(state, (size_t)i, now_or(now));
}

consent_status
consent_state_to_json(const consent_state_t *state, long long now,
                      char **json)
{
  struct consent__buf b = { NULL, 0, 0 };

  if (json == NULL)
    return CONSENT_E_INVAL;
  *json = NULL;
  if (state == NULL)
    return CONSENT_E_INVAL;
  if (consent__state_json(state, now_or(now), &b) != 0) {
    consent__buf_free(&b);
    return CONSENT_E_NOMEM;
  }
  return give_buffer(&b, json, NULL);
}

/* ------------------------------------------------------------------ */
/* Cookie                                                              */

consent_status
consent_cookie_issue(consent_state_t *state, const consent_keyring_t *ring,
                     long long now, consent_receipt_fn receipt,
                     void *user_data, char **value, size_t *len)
{
  struct consent__buf v = { NULL, 0, 0 }, r = { NULL, 0, 0 };
  int st;

  if (value == NULL)
    return CONSENT_E_INVAL;
  *value = NULL;
  if (len != NULL)
    *len = 0;
  if (state == NULL || ring == NULL)
    return CONSENT_E_INVAL;
  st = consent__cookie_issue(state, ring, now_or(now), &v,
                             receipt != NULL ? &r : NULL);
  if (st == 0 && receipt != NULL)
    receipt(r.data, r.len, user_data);
  consent__buf_free(&r);
  if (st != 0) {
    consent__buf_free(&v);
    return (consent_status)st;
  }
  return give_buffer(&v, value, len);
}

consent_status
consent_cookie_verify(const consent_registry_t *registry,
                      const consent_keyring_t *ring, const char *value,
                      size_t len, unsigned int policy_version,
                      long long now, consent_state_t **state)
{
  consent_state_t *s;
  consent_status st;

  if (state == NULL)
    return CONSENT_E_INVAL;
  *state = NULL;
  if (ring == NULL || (value == NULL && len > 0))
    return CONSENT_E_INVAL;
  st = consent_state_new(registry, &s);
  if (st != CONSENT_OK)
    return st;
  st = (consent_status)consent__cookie_verify(s, ring,
                                              value ? value : "", len,
                                              policy_version, now_or(now));
  if (st != CONSENT_OK) {
    consent_state_free(s);
    return st;
  }
  *state = s;
  return CONSENT_OK;
}

consent_status
consent_cookie_from_header(const consent_registry_t *registry,
                           const consent_keyring_t *ring,
                           const char *header, size_t len,
                           const char *name, unsigned int policy_version,
                           long long now, consent_state_t **state)
{
  consent_status first = CONSENT_E_NOCOOKIE, st;
  const char *v;
  size_t vlen, i;

  if (state == NULL)
    return CONSENT_E_INVAL;
  *state = NULL;
  if (name == NULL || (header == NULL && len > 0))
    return CONSENT_E_INVAL;
  for (i = 0; i < 16 && consent__cookie_find(header ? header : "", len,
                                             name, i, &v, &vlen); i++) {
    st = consent_cookie_verify(registry, ring, v, vlen, policy_version, now,
                               state);
    if (st == CONSENT_OK)
      return st;
    if (first == CONSENT_E_NOCOOKIE)
      first = st;
  }
  return first;
}

consent_status
consent_set_cookie(const char *name, const char *value, size_t value_len,
                   long long max_age, const char *domain, const char *path,
                   unsigned int flags, char **out)
{
  struct consent__buf b = { NULL, 0, 0 };
  int st;

  if (out == NULL)
    return CONSENT_E_INVAL;
  *out = NULL;
  if (max_age < 0)
    return CONSENT_E_INVAL;
  st = consent__set_cookie(&b, name, value, value_len, max_age, domain, path,
                           flags);
  if (st != CONSENT_OK) {
    consent__buf_free(&b);
    return (consent_status)st;
  }
  return give_buffer(&b, out, NULL);
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
  if (consent__request_state(req, now_or(now)) != 0) {
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
                                                   body_len, now_or(now));
}

int
consent_response_status(const consent_request_t *req)
{
  return req != NULL ? req->status : 0;
}

int
consent_response_header(const consent_request_t *req, size_t i,
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
consent_response_body(const consent_request_t *req, size_t *len)
{
  if (len != NULL)
    *len = req != NULL ? req->body.len : 0;
  return req != NULL && req->body.data ? req->body.data : "";
}

const char *
consent_response_receipt(const consent_request_t *req, size_t *len)
{
  if (len != NULL)
    *len = req != NULL ? req->receipt.len : 0;
  return req != NULL ? req->receipt.data : NULL;
}

const char *
consent_response_reason(const consent_request_t *req)
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
consent_sources_from_names(const char *list, unsigned int *sources)
{
  char msg[160];

  if (list == NULL || sources == NULL)
    return CONSENT_E_INVAL;
  return (consent_status)consent__sources_parse(list, sources, msg,
                                                sizeof(msg));
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

/* ------------------------------------------------------------------ */
/* Consent banners                                                     */

consent_status
consent_banner_read(const consent_registry_t *registry, unsigned int source,
                    const char *value, size_t len, consent_state_t *state,
                    long long now, char **errmsg)
{
  const struct consent_registry *reg;
  signed char *dec;
  char msg[200] = "";
  size_t i;
  int st;

  if (errmsg != NULL)
    *errmsg = NULL;
  if (registry == NULL || state == NULL || (value == NULL && len > 0) ||
      consent__source_cookie(source) == NULL ||
      state->reg != registry)
    return CONSENT_E_INVAL;
  reg = registry;
  dec = malloc(reg->count + 1);
  if (dec == NULL)
    return CONSENT_E_NOMEM;
  memset(dec, -1, reg->count + 1);
  st = consent__banner_read(reg, source, value ? value : "", len, dec, msg,
                            sizeof(msg));
  for (i = 0; st == 0 && i < reg->count; i++)
    if (dec[i] >= 0)
      st = consent__state_set(state, i, dec[i], now_or(now));
  free(dec);
  if (st != 0 && msg[0] != '\0')
    give_message(errmsg, msg);
  return (consent_status)st;
}

consent_status
consent_tcf_decode(const char *tc, size_t len, char **json, char **errmsg)
{
  struct consent__tcf *t;
  struct consent__buf b = { NULL, 0, 0 };
  char msg[200] = "";
  int st;

  if (errmsg != NULL)
    *errmsg = NULL;
  if (json == NULL)
    return CONSENT_E_INVAL;
  *json = NULL;
  if (tc == NULL && len > 0)
    return CONSENT_E_INVAL;
  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return CONSENT_E_NOMEM;
  st = consent__tcf_decode(t, tc ? tc : "", len, msg, sizeof(msg));
  if (st == 0)
    st = consent__tcf_json(t, &b);
  consent__tcf_free(t);
  free(t);
  if (st != 0) {
    consent__buf_free(&b);
    if (msg[0] != '\0')
      give_message(errmsg, msg);
    return (consent_status)st;
  }
  return give_buffer(&b, json, NULL);
}

/* ------------------------------------------------------------------ */
/* Previews                                                            */

consent_status
consent_previews_new(const consent_registry_t *registry, const char *dir,
                     consent_previews_t **pv)
{
  if (pv == NULL)
    return CONSENT_E_INVAL;
  *pv = NULL;
  if (registry == NULL || dir == NULL)
    return CONSENT_E_INVAL;
  errno = 0;
  *pv = consent__previews_new(registry, dir);
  if (*pv == NULL) {
    int e = errno;
    return e == ENOMEM ? CONSENT_E_NOMEM : e == ENOTSUP
           ? CONSENT_E_UNSUPPORTED : CONSENT_E_IO;
  }
  return CONSENT_OK;
}

void
consent_previews_free(consent_previews_t *pv)
{
  if (pv == NULL)
    return;
  consent__previews_free(pv);
}

consent_status
consent_previews_set_limit(consent_previews_t *pv,
                           consent_preview_option option, long long value)
{
  if (pv == NULL)
    return CONSENT_E_INVAL;
  return (consent_status)consent__previews_set(pv, (int)option, value);
}

consent_status
consent_previews_set_option(consent_previews_t *pv, const char *option)
{
  static const char *const limits[] = {
    "cache_bytes", "ttl", "error_ttl", "concurrency", "timeout_ms",
    "max_json", "max_image", NULL
  };
  const char *eq, *v;
  size_t n;
  int k;

  if (option == NULL || (eq = strchr(option, '=')) == NULL)
    return CONSENT_E_INVAL;
  n = (size_t)(eq - option);
  v = eq + 1;
  if (n == 2 && strncmp(option, "ca", 2) == 0)
    return *v == '\0' ? CONSENT_E_INVAL : pv == NULL ? CONSENT_OK
           : consent_previews_set_ca_file(pv, v);
  if (n == 7 && strncmp(option, "resolve", 7) == 0)
    return *v == '\0' ? CONSENT_E_INVAL : pv == NULL ? CONSENT_OK
           : consent_previews_add_resolve(pv, v);
  if (n == 5 && strncmp(option, "trust", 5) == 0)
    return (consent_status)consent__previews_trust(pv, v);
  for (k = 0; limits[k] != NULL; k++)
    if (strlen(limits[k]) == n && strncmp(option, limits[k], n) == 0) {
      char *end;
      long long x;
      errno = 0;
      x = strtoll(v, &end, 10);
      if (*v == '\0' || *end != '\0' || errno != 0)
        return CONSENT_E_INVAL;
      return (consent_status)consent__previews_set(pv, k, x);
    }
  return CONSENT_E_INVAL;
}

const char *
consent_previews_file_type(const char *name, size_t len)
{
  static const char *const ext[] = { ".jpg", ".png", ".webp", ".gif" };
  static const char *const type[] = { "image/jpeg", "image/png",
                                      "image/webp", "image/gif" };
  size_t i;
  int k;

  if (name == NULL || len < 64 + 4)
    return NULL;
  for (i = 0; i < 64; i++)
    if (!((name[i] >= '0' && name[i] <= '9') ||
          (name[i] >= 'a' && name[i] <= 'f')))
      return NULL;
  for (k = 0; k < 4; k++)
    if (len - 64 == strlen(ext[k]) &&
        memcmp(name + 64, ext[k], len - 64) == 0)
      return type[k];
  return NULL;
}

consent_status
consent_previews_set_url_prefix(consent_previews_t *pv, const char *prefix)
{
  if (pv == NULL)
    return CONSENT_E_INVAL;
  return (consent_status)consent__previews_set_prefix(pv, prefix);
}

consent_status
consent_previews_set_ca_file(consent_previews_t *pv, const char *path)
{
  if (pv == NULL)
    return CONSENT_E_INVAL;
  return (consent_status)consent__previews_set_ca(pv, path);
}

consent_status
consent_previews_add_resolve(consent_previews_t *pv, const char *entry)
{
  if (pv == NULL || entry == NULL)
    return CONSENT_E_INVAL;
  return (consent_status)consent__previews_resolve(pv, entry);
}

consent_status
consent_previews_trust_address(consent_previews_t *pv, const char *address)
{
  if (pv == NULL || address == NULL)
    return CONSENT_E_INVAL;
  return (consent_status)consent__previews_trust(pv, address);
}

consent_status
consent_previews_queue(consent_previews_t *pv, const char *url, size_t len)
{
  const struct consent_registry *reg;
  const char *id = NULL;
  long prov;

  if (pv == NULL || url == NULL)
    return CONSENT_E_INVAL;
  reg = consent__previews_registry(pv);
  if (consent_registry_match_url(reg, url, len, &id) != CONSENT_OK
      || id == NULL)
    return CONSENT_E_NOTFOUND;
  prov = consent__registry_find(reg, id, strlen(id));
  return (consent_status)consent__previews_queue(pv, prov, url, len);
}

size_t
consent_previews_pending(consent_previews_t *pv)
{
  return pv != NULL ? consent__previews_pending(pv) : 0;
}

consent_status
consent_previews_run(consent_previews_t *pv, long long max_ms,
                     unsigned int *fetched, unsigned int *failed)
{
  if (pv == NULL || max_ms < 0)
    return CONSENT_E_INVAL;
  consent__previews_count(pv);
  return (consent_status)consent__previews_run(pv, max_ms, fetched,
                                               failed);
}

consent_status
consent_config_set_previews(consent_config_t *config, consent_previews_t *pv)
{
  if (config == NULL)
    return CONSENT_E_INVAL;
  config->previews = pv;
  return CONSENT_OK;
}
