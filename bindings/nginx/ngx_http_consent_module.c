/*
 * ngx_http_consent_module.c: libconsent for nginx, as a dynamic module.
 *
 *   - a header and body filter that gate text/html (and XHTML) responses
 *     while they stream: every embed the visitor has not allowed becomes a
 *     placeholder;
 *   - `consent_endpoint;` makes a location the consent endpoint, and
 *     `consent_asset script|style;` serves the script and style for
 *     `consent_script url`.
 *
 * The rules (endpoint, cookies, placeholders) are in the library, so nginx
 * behaves as every other host.  Gates are built when the configuration is
 * read, once for each distinct set of settings, and shared read-only by
 * the workers.  Directives: bindings/nginx/README.md.
 */
#include <stdatomic.h>
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <pthread.h>

#include <consent.h>

/* Previews kept in memory per gate and worker (about 1 KB each). */
#define NGX_HTTP_CONSENT_PREVIEW_MEMORY 2048

#define CONSENT_UNSET_PTR ((void *)-1)

typedef struct {
  ngx_flag_t enable;
  ngx_str_t providers;
  consent_registry_t *registry;
  ngx_str_t key_file;
  consent_keyring_t *ring;
  ngx_str_t cookie_name, cookie_domain, cookie_path;
  ngx_int_t cookie_flags;
  ngx_int_t policy;
  ngx_int_t max_age;
  ngx_str_t language, template_file, texts_file, privacy_url, receipt_log;
  ngx_str_t notice_template_file;
  ngx_open_file_t *receipt_file;      /* opened by the master (root) */
  ngx_int_t script_mode;
  ngx_str_t js_url, css_url;
  size_t buffer;
  ngx_array_t *allow;               /* of ngx_str_t */
  ngx_flag_t cache_safe;
  ngx_flag_t guard;
  ngx_flag_t notice;
  ngx_flag_t gcm;                   /* consent_google_consent_mode */
  ngx_flag_t page_cache;            /* consent_page_cache */
  ngx_uint_t sources;               /* CONSENT_SOURCE_* */
  ngx_str_t gpc_categories;
  ngx_str_t proxies;                  /* consent_trusted_proxies */
  ngx_str_t previews_dir, previews_url;
  ngx_array_t *previews_fetch;      /* of ngx_str_t: ca=, resolve=, ... */
  ngx_flag_t is_endpoint;
  ngx_int_t asset;                  /* consent_asset_id, or -1 */
  /* Built when merged. */
  consent_gate_t *gate;
  consent_site_t *site;
} ngx_http_consent_loc_conf_t;

typedef struct {
  ngx_str_t endpoint;               /* path of the consent_endpoint location */
} ngx_http_consent_srv_conf_t;

/* One built gate and site per distinct settings, for the whole
 * configuration. */
typedef struct ngx_http_consent_built_s ngx_http_consent_built_t;
struct ngx_http_consent_built_s {
  ngx_str_t key;
  consent_gate_t *gate;
  consent_site_t *site;
  consent_previews_t *previews;
  pthread_t fetcher;
  int fetching;
  atomic_int stop;                /* set by the exiting child, read by
                                     its fetcher thread */
  ngx_http_consent_built_t *next;
};

typedef struct {
  consent_rewriter_t *rw;
  consent_request_t *req;
  ngx_http_request_t *r;
  ngx_chain_t *out, **last_out, *free, *busy;
  ngx_chain_t *in;                /* input not read yet */
  ngx_uint_t nbufs;               /* output buffers allocated */
  ngx_buf_t *cur;
  /* consent_page_cache: on a hit, the kept copy being sent. */
  const consent_cache_entry_t *entry;
  unsigned hit : 1;
  unsigned sent : 1;
  unsigned done : 1;
  unsigned failed : 1;
} ngx_http_consent_ctx_t;

/* Gated pages kept per worker (consent_page_cache): one cache for every
 * location, bounded (libconsent's consent_cache). */
#define CONSENT_PAGE_CACHE_BYTES (16 * 1024 * 1024)
static consent_cache_t *consent_page_cache;

/* Output buffers (16 KB each) a response may have in flight before the
 * filter stops reading its input until the client takes some: a reader
 * that does not read holds about this much, not the gated page. */
#define CONSENT_OUT_BUFS 8
#define CONSENT_OUT_BUF 16384

static ngx_int_t ngx_http_consent_init(ngx_conf_t *cf);
static void *ngx_http_consent_create_srv_conf(ngx_conf_t *cf);
static void *ngx_http_consent_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_consent_merge_loc_conf(ngx_conf_t *cf, void *parent,
                                             void *child);
static char *ngx_http_consent_providers(ngx_conf_t *cf, ngx_command_t *cmd,
                                        void *conf);
static char *ngx_http_consent_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
                                       void *conf);
static char *ngx_http_consent_cookie(ngx_conf_t *cf, ngx_command_t *cmd,
                                     void *conf);
static char *ngx_http_consent_script(ngx_conf_t *cf, ngx_command_t *cmd,
                                     void *conf);
static char *ngx_http_consent_checked_file(ngx_conf_t *cf,
                                           ngx_command_t *cmd, void *conf);
static char *ngx_http_consent_endpoint(ngx_conf_t *cf, ngx_command_t *cmd,
                                       void *conf);
static char *ngx_http_consent_sources(ngx_conf_t *cf, ngx_command_t *cmd,
                                      void *conf);
static char *ngx_http_consent_previews(ngx_conf_t *cf, ngx_command_t *cmd,
                                       void *conf);
static char *ngx_http_consent_words(ngx_conf_t *cf, ngx_command_t *cmd,
                                   void *conf);
static char *cstr(ngx_conf_t *cf, ngx_str_t *s);
static ngx_int_t ngx_http_consent_init_process(ngx_cycle_t *cycle);
static void ngx_http_consent_exit_process(ngx_cycle_t *cycle);
static char *ngx_http_consent_asset(ngx_conf_t *cf, ngx_command_t *cmd,
                                    void *conf);

static ngx_http_output_header_filter_pt ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt ngx_http_next_body_filter;

/* What one configuration cycle built, kept in its main configuration:
 * a reload that fails leaves the running cycle's intact (workers
 * respawned after it start the fetchers of their own cycle, never of the
 * failed one, whose memory is gone). */
typedef struct {
  consent_registry_t *builtin_registry;
  consent_keyring_t *temporary_ring;
  ngx_http_consent_built_t *built;
} ngx_http_consent_main_conf_t;

static void *
ngx_http_consent_create_main_conf(ngx_conf_t *cf)
{
  return ngx_pcalloc(cf->pool, sizeof(ngx_http_consent_main_conf_t));
}

#define LOC NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF

/* The policy versions a cookie can carry. */
static ngx_conf_num_bounds_t consent_policy_bounds = {
  ngx_conf_check_num_bounds, 0, (ngx_int_t)CONSENT_POLICY_VERSION_MAX
};
#define OFF(f) offsetof(ngx_http_consent_loc_conf_t, f)

static ngx_command_t ngx_http_consent_commands[] = {
  { ngx_string("consent"), LOC | NGX_CONF_FLAG, ngx_conf_set_flag_slot,
    NGX_HTTP_LOC_CONF_OFFSET, OFF(enable), NULL },
  { ngx_string("consent_providers"), LOC | NGX_CONF_TAKE1,
    ngx_http_consent_providers, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
  { ngx_string("consent_key_file"), LOC | NGX_CONF_TAKE1,
    ngx_http_consent_key_file, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
  { ngx_string("consent_cookie"), LOC | NGX_CONF_1MORE,
    ngx_http_consent_cookie, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
  { ngx_string("consent_policy_version"), LOC | NGX_CONF_TAKE1,
    ngx_conf_set_num_slot, NGX_HTTP_LOC_CONF_OFFSET, OFF(policy),
    &consent_policy_bounds },
  { ngx_string("consent_max_age"), LOC | NGX_CONF_TAKE1,
    ngx_conf_set_sec_slot, NGX_HTTP_LOC_CONF_OFFSET, OFF(max_age), NULL },
  { ngx_string("consent_language"), LOC | NGX_CONF_TAKE1,
    ngx_conf_set_str_slot, NGX_HTTP_LOC_CONF_OFFSET, OFF(language), NULL },
  { ngx_string("consent_template"), LOC | NGX_CONF_TAKE1,
    ngx_http_consent_checked_file, NGX_HTTP_LOC_CONF_OFFSET,
    OFF(template_file), NULL },
  { ngx_string("consent_notice_template"), LOC | NGX_CONF_TAKE1,
    ngx_http_consent_checked_file, NGX_HTTP_LOC_CONF_OFFSET,
    OFF(notice_template_file), NULL },
  { ngx_string("consent_texts"), LOC | NGX_CONF_TAKE1,
    ngx_http_consent_checked_file, NGX_HTTP_LOC_CONF_OFFSET,
    OFF(texts_file), NULL },
  { ngx_string("consent_script"), LOC | NGX_CONF_TAKE123,
    ngx_http_consent_script, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
  { ngx_string("consent_buffer"), LOC | NGX_CONF_TAKE1,
    ngx_conf_set_size_slot, NGX_HTTP_LOC_CONF_OFFSET, OFF(buffer), NULL },
  { ngx_string("consent_allow"), LOC | NGX_CONF_1MORE,
    ngx_http_consent_words, NGX_HTTP_LOC_CONF_OFFSET, OFF(allow),
    NULL },
  { ngx_string("consent_privacy_url"), LOC | NGX_CONF_TAKE1,
    ngx_conf_set_str_slot, NGX_HTTP_LOC_CONF_OFFSET, OFF(privacy_url),
    NULL },
  { ngx_string("consent_receipt_log"), LOC | NGX_CONF_TAKE1,
    ngx_conf_set_str_slot, NGX_HTTP_LOC_CONF_OFFSET, OFF(receipt_log),
    NULL },
  { ngx_string("consent_guard"), LOC | NGX_CONF_FLAG,
    ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET, OFF(guard), NULL },
  { ngx_string("consent_notice"), LOC | NGX_CONF_FLAG,
    ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET, OFF(notice), NULL },
  { ngx_string("consent_page_cache"), LOC | NGX_CONF_FLAG,
    ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET, OFF(page_cache), NULL },
  { ngx_string("consent_google_consent_mode"), LOC | NGX_CONF_FLAG,
    ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET, OFF(gcm), NULL },
  { ngx_string("consent_cache_safe"), LOC | NGX_CONF_FLAG,
    ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET, OFF(cache_safe),
    NULL },
  { ngx_string("consent_sources"), LOC | NGX_CONF_1MORE,
    ngx_http_consent_sources, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
  { ngx_string("consent_gpc_categories"), LOC | NGX_CONF_1MORE,
    ngx_http_consent_sources, NGX_HTTP_LOC_CONF_OFFSET, 1, NULL },
  { ngx_string("consent_trusted_proxies"), LOC | NGX_CONF_1MORE,
    ngx_http_consent_sources, NGX_HTTP_LOC_CONF_OFFSET, 2, NULL },
  { ngx_string("consent_previews"), LOC | NGX_CONF_TAKE12,
    ngx_http_consent_previews, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
  { ngx_string("consent_previews_fetch"), LOC | NGX_CONF_1MORE,
    ngx_http_consent_words, NGX_HTTP_LOC_CONF_OFFSET, OFF(previews_fetch),
    NULL },
  { ngx_string("consent_endpoint"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS,
    ngx_http_consent_endpoint, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
  { ngx_string("consent_asset"), NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
    ngx_http_consent_asset, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
  ngx_null_command
};


static ngx_http_module_t ngx_http_consent_module_ctx = {
  NULL,                                  /* preconfiguration */
  ngx_http_consent_init,                 /* postconfiguration */
  ngx_http_consent_create_main_conf,     /* create main configuration */
  NULL,                                  /* init main configuration */
  ngx_http_consent_create_srv_conf,      /* create server configuration */
  NULL,                                  /* merge server configuration */
  ngx_http_consent_create_loc_conf,      /* create location configuration */
  ngx_http_consent_merge_loc_conf        /* merge location configuration */
};

ngx_module_t ngx_http_consent_module = {
  NGX_MODULE_V1,
  &ngx_http_consent_module_ctx,
  ngx_http_consent_commands,
  NGX_HTTP_MODULE,
  NULL,                                  /* init master */
  NULL,                                  /* init module */
  ngx_http_consent_init_process,         /* init process */
  NULL,                                  /* init thread */
  NULL,                                  /* exit thread */
  ngx_http_consent_exit_process,         /* exit process */
  NULL,                                  /* exit master */
  NGX_MODULE_V1_PADDING
};

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

static void
consent_cleanup_registry(void *data)
{
  consent_registry_free(data);
}

static void
consent_cleanup_ring(void *data)
{
  consent_keyring_free(data);
}

static void
consent_cleanup_built(void *data)
{
  ngx_http_consent_built_t *b = data;

  consent_site_free(b->site);
  consent_gate_free(b->gate);
  consent_previews_free(b->previews);
}

static ngx_int_t
consent_on_cleanup(ngx_conf_t *cf, void (*fn)(void *), void *data)
{
  ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(cf->pool, 0);

  if (cln == NULL)
    return NGX_ERROR;
  cln->handler = fn;
  cln->data = data;
  return NGX_OK;
}

static void *
ngx_http_consent_create_srv_conf(ngx_conf_t *cf)
{
  return ngx_pcalloc(cf->pool, sizeof(ngx_http_consent_srv_conf_t));
}

static void *
ngx_http_consent_create_loc_conf(ngx_conf_t *cf)
{
  ngx_http_consent_loc_conf_t *c = ngx_pcalloc(cf->pool, sizeof(*c));

  if (c == NULL)
    return NULL;
  c->enable = NGX_CONF_UNSET;
  c->registry = CONSENT_UNSET_PTR;
  c->ring = CONSENT_UNSET_PTR;
  c->cookie_flags = NGX_CONF_UNSET;
  c->policy = NGX_CONF_UNSET;
  c->max_age = NGX_CONF_UNSET;
  c->script_mode = NGX_CONF_UNSET;
  c->buffer = NGX_CONF_UNSET_SIZE;
  c->allow = NGX_CONF_UNSET_PTR;
  c->cache_safe = NGX_CONF_UNSET;
  c->guard = NGX_CONF_UNSET;
  c->notice = NGX_CONF_UNSET;
  c->page_cache = NGX_CONF_UNSET;
  c->gcm = NGX_CONF_UNSET;
  c->sources = NGX_CONF_UNSET_UINT;
  c->previews_fetch = NGX_CONF_UNSET_PTR;
  c->asset = NGX_CONF_UNSET;
  return c;
}

/* A random key for servers without consent_key_file: consent works, but
 * ends when nginx restarts (a warning says so). */
static ngx_int_t
consent_temporary_ring(ngx_conf_t *cf)
{
  ngx_http_consent_main_conf_t *mc =
    ngx_http_conf_get_module_main_conf(cf, ngx_http_consent_module);

  if (mc->temporary_ring != NULL)
    return NGX_OK;
  if (consent_keyring_new_temporary(&mc->temporary_ring) != CONSENT_OK)
    return NGX_ERROR;
  return consent_on_cleanup(cf, consent_cleanup_ring, mc->temporary_ring);
}

static char *
ngx_http_consent_providers(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
  ngx_http_consent_loc_conf_t *c = conf;
  ngx_str_t *value = cf->args->elts, path = value[1];
  consent_registry_t *r;

  (void)cmd;
  if (c->registry != CONSENT_UNSET_PTR)
    return "is duplicate";
  if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK)
    return NGX_CONF_ERROR;
  if (consent_registry_new(&r) != CONSENT_OK)
    return NGX_CONF_ERROR;
  if (consent_registry_load_file(r, (char *)path.data) != CONSENT_OK) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "consent_providers: %s",
                       consent_registry_errmsg(r));
    consent_registry_free(r);
    return NGX_CONF_ERROR;
  }
  if (consent_on_cleanup(cf, consent_cleanup_registry, r) != NGX_OK) {
    consent_registry_free(r);
    return NGX_CONF_ERROR;
  }
  c->providers = path;
  c->registry = r;
  return NGX_CONF_OK;
}

static char *
ngx_http_consent_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
  ngx_http_consent_loc_conf_t *c = conf;
  ngx_str_t *value = cf->args->elts, path = value[1];
  consent_keyring_t *ring;
  char *msg = NULL;
  consent_status st;

  (void)cmd;
  if (c->ring != CONSENT_UNSET_PTR)
    return "is duplicate";
  if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK)
    return NGX_CONF_ERROR;
  st = consent_keyring_load_file((char *)path.data, &ring, &msg);
  if (st != CONSENT_OK) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "consent_key_file: %s",
                       msg ? msg : consent_strerror(st));
    consent_free(msg);
    return NGX_CONF_ERROR;
  }
  if (consent_on_cleanup(cf, consent_cleanup_ring, ring) != NGX_OK) {
    consent_keyring_free(ring);
    return NGX_CONF_ERROR;
  }
  c->key_file = path;
  c->ring = ring;
  return NGX_CONF_OK;
}

/* consent_cookie NAME [domain=D] [path=/P] [insecure] [httponly=off]
 *                [samesite=lax|strict|none]; */
static char *
ngx_http_consent_cookie(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
  ngx_http_consent_loc_conf_t *c = conf;
  ngx_str_t *value = cf->args->elts;
  unsigned flags = CONSENT_COOKIE_DEFAULTS;
  char *probe = NULL;
  ngx_uint_t i;

  (void)cmd;
  if (c->cookie_flags != NGX_CONF_UNSET)
    return "is duplicate";
  for (i = 2; i < cf->args->nelts; i++) {
    u_char *a = value[i].data;
    if (ngx_strncasecmp(a, (u_char *)"domain=", 7) == 0) {
      c->cookie_domain.data = a + 7;
      c->cookie_domain.len = value[i].len - 7;
    } else if (ngx_strncasecmp(a, (u_char *)"path=", 5) == 0) {
      c->cookie_path.data = a + 5;
      c->cookie_path.len = value[i].len - 5;
    } else if (ngx_strcasecmp(a, (u_char *)"insecure") == 0) {
      flags &= ~CONSENT_COOKIE_SECURE;
    } else if (ngx_strcasecmp(a, (u_char *)"httponly=off") == 0) {
      flags &= ~CONSENT_COOKIE_HTTPONLY;
    } else if (ngx_strcasecmp(a, (u_char *)"samesite=lax") == 0) {
      flags = (flags & ~CONSENT_COOKIE_SAMESITE_STRICT) |
              CONSENT_COOKIE_SAMESITE_LAX;
    } else if (ngx_strcasecmp(a, (u_char *)"samesite=strict") == 0) {
      flags = (flags & ~CONSENT_COOKIE_SAMESITE_LAX) |
              CONSENT_COOKIE_SAMESITE_STRICT;
    } else if (ngx_strcasecmp(a, (u_char *)"samesite=none") == 0) {
      flags &= ~(CONSENT_COOKIE_SAMESITE_LAX |
                 CONSENT_COOKIE_SAMESITE_STRICT);
    } else {
      ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "consent_cookie: unknown "
                         "attribute \"%V\" (domain=, path=, insecure, "
                         "httponly=off, samesite=)", &value[i]);
      return NGX_CONF_ERROR;
    }
  }
  if (consent_set_cookie((char *)value[1].data, "", 0, 1,
                         c->cookie_domain.len ? (char *)c->cookie_domain.data
                         : NULL, c->cookie_path.len ?
                         (char *)c->cookie_path.data : NULL, flags,
                         &probe) != CONSENT_OK) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "consent_cookie: a cookie "
                       "cannot have the name or attributes given (\"%V\")",
                       &value[1]);
    return NGX_CONF_ERROR;
  }
  consent_free(probe);
  c->cookie_name = value[1];
  c->cookie_flags = (ngx_int_t)flags;
  return NGX_CONF_OK;
}

/* consent_script inline | none | url JS_PATH [CSS_PATH]; */
static char *
ngx_http_consent_script(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
  ngx_http_consent_loc_conf_t *c = conf;
  ngx_str_t *value = cf->args->elts;
  ngx_uint_t n = cf->args->nelts;

  (void)cmd;
  if (c->script_mode != NGX_CONF_UNSET)
    return "is duplicate";
  if (ngx_strcmp(value[1].data, "inline") == 0 && n == 2)
    c->script_mode = CONSENT_SCRIPT_INLINE;
  else if (ngx_strcmp(value[1].data, "none") == 0 && n == 2)
    c->script_mode = CONSENT_SCRIPT_NONE;
  else if (ngx_strcmp(value[1].data, "url") == 0 && n >= 3 &&
           value[2].data[0] == '/' && (n < 4 || value[3].data[0] == '/')) {
    c->script_mode = CONSENT_SCRIPT_URL;
    c->js_url = value[2];
    if (n == 4)
      c->css_url = value[3];
  } else {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "consent_script: inline, none "
                       "or url /SCRIPT_PATH [/STYLE_PATH]");
    return NGX_CONF_ERROR;
  }
  return NGX_CONF_OK;
}

/* A template, notice template or texts file, read once here to report
 * mistakes when the
 * configuration is loaded. */
static char *
ngx_http_consent_checked_file(ngx_conf_t *cf, ngx_command_t *cmd,
                              void *conf)
{
  ngx_str_t *value = cf->args->elts, path = value[1];
  ngx_str_t *field = (ngx_str_t *)((char *)conf + cmd->offset);
  consent_config_t *probe;
  consent_status st;
  int texts = cmd->offset == OFF(texts_file);
  int notice = cmd->offset == OFF(notice_template_file);

  if (field->data != NULL)
    return "is duplicate";
  if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK ||
      consent_config_new(&probe) != CONSENT_OK)
    return NGX_CONF_ERROR;
  st = texts ? consent_config_load_texts(probe, (char *)path.data)
       : notice ? consent_config_load_notice_template(probe,
                                                      (char *)path.data)
       : consent_config_load_template(probe, (char *)path.data);
  if (st != CONSENT_OK) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%V: %s", &cmd->name,
                       *consent_config_errmsg(probe) ?
                       consent_config_errmsg(probe) : consent_strerror(st));
    consent_config_free(probe);
    return NGX_CONF_ERROR;
  }
  consent_config_free(probe);
  *field = path;
  return NGX_CONF_OK;
}

/* consent_sources cookie tcf ... gpc; (offset 0),
 * consent_gpc_categories marketing ...; (offset 1) and
 * consent_trusted_proxies 10.0.0.0/8 ...; (offset 2): the words are
 * joined and checked by the library. */
static char *
ngx_http_consent_sources(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
  ngx_http_consent_loc_conf_t *c = conf;
  ngx_str_t *value = cf->args->elts;
  size_t len = 0;
  ngx_uint_t i;
  u_char *p, *q;
  unsigned sources;
  consent_site_t *probe = NULL;
  consent_registry_t *reg = NULL;
  consent_keyring_t *ring = NULL;
  consent_status st;
  ngx_str_t *field;

  for (i = 1; i < cf->args->nelts; i++)
    len += value[i].len + 1;
  p = q = ngx_pnalloc(cf->pool, len + 1);
  if (p == NULL)
    return NGX_CONF_ERROR;
  for (i = 1; i < cf->args->nelts; i++) {
    q = ngx_cpymem(q, value[i].data, value[i].len);
    *q++ = ' ';
  }
  *q = '\0';
  if (cmd->offset == 0) {
    if (c->sources != NGX_CONF_UNSET_UINT)
      return "is duplicate";
    char *msg = NULL;
    if (consent_sources_from_names((char *)p, &sources, &msg) != CONSENT_OK) {
      ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "consent_sources: %s",
                         msg ? msg : "out of memory");
      consent_free(msg);
      return NGX_CONF_ERROR;
    }
    c->sources = sources;
    return NGX_CONF_OK;
  }
  field = cmd->offset == 1 ? &c->gpc_categories : &c->proxies;
  if (field->data != NULL)
    return "is duplicate";
  /* The names are checked on a throwaway site. */
  st = consent_registry_new_empty(&reg);
  if (st == CONSENT_OK)
    st = consent_keyring_new_temporary(&ring);
  if (st == CONSENT_OK)
    st = consent_site_new(reg, ring, &probe);
  if (st == CONSENT_OK)
    st = cmd->offset == 1 ? consent_site_set_gpc_categories(probe, (char *)p)
         : consent_site_trust_proxies(probe, (char *)p);
  consent_site_free(probe);
  consent_keyring_free(ring);
  consent_registry_free(reg);
  if (st != CONSENT_OK) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%V: \"%s\": %s", &cmd->name,
                       p, cmd->offset == 1 ? "an unknown category"
                       : "give addresses or ADDR/BITS networks, at most 16");
    return NGX_CONF_ERROR;
  }
  field->data = p;
  field->len = len;
  return NGX_CONF_OK;
}

/* Every argument of the directive into an array of ngx_str_t (the
 * standard slot keeps only the first). */
static char *
ngx_http_consent_words(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
  ngx_array_t **a = (ngx_array_t **)((char *)conf + cmd->offset);
  ngx_str_t *value = cf->args->elts, *w;
  ngx_uint_t i;

  if (*a == NGX_CONF_UNSET_PTR || *a == NULL) {
    *a = ngx_array_create(cf->pool, 4, sizeof(ngx_str_t));
    if (*a == NULL)
      return NGX_CONF_ERROR;
  }
  for (i = 1; i < cf->args->nelts; i++) {
    /* consent_previews_fetch: each option checked by the library. */
    if (cmd->offset == OFF(previews_fetch) &&
        consent_previews_set_option(NULL, cstr(cf, &value[i])) !=
        CONSENT_OK) {
      ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%V: \"%V\" is none of "
                         "ca=FILE, resolve=HOST:PORT:ADDR, trust=IP, "
                         "cache_bytes=, ttl=, error_ttl=, concurrency=, "
                         "timeout_ms=, max_json=, max_image= with a valid "
                         "value", &cmd->name, &value[i]);
      return NGX_CONF_ERROR;
    }
    w = ngx_array_push(*a);
    if (w == NULL)
      return NGX_CONF_ERROR;
    *w = value[i];
  }
  return NGX_CONF_OK;
}

/* consent_previews DIR [/PATH/]; */
static char *
ngx_http_consent_previews(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
  ngx_http_consent_loc_conf_t *c = conf;
  ngx_str_t *value = cf->args->elts, dir = value[1];
  ngx_file_info_t fi;

  (void)cmd;
  if (c->previews_dir.data != NULL)
    return "is duplicate";
  if (ngx_conf_full_name(cf->cycle, &dir, 0) != NGX_OK)
    return NGX_CONF_ERROR;
  if (ngx_file_info(dir.data, &fi) == NGX_FILE_ERROR || !ngx_is_dir(&fi)) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "consent_previews: \"%V\" is "
                       "not a folder", &dir);
    return NGX_CONF_ERROR;
  }
  c->previews_dir = dir;
  if (cf->args->nelts == 3) {
    if (value[2].data[0] != '/' || value[2].data[value[2].len - 1] != '/')
      return "takes a URL path that starts and ends with '/'";
    c->previews_url = value[2];
  } else {
    ngx_str_set(&c->previews_url, "/consent-previews/");
  }
  return NGX_CONF_OK;
}

static ngx_int_t ngx_http_consent_endpoint_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_consent_asset_handler(ngx_http_request_t *r);

static char *
ngx_http_consent_endpoint(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
  ngx_http_consent_loc_conf_t *c = conf;
  ngx_http_core_loc_conf_t *clcf;
  ngx_http_consent_srv_conf_t *scf;

  (void)cmd;
  clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
  scf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_consent_module);
  if (clcf->name.len == 0 || clcf->name.data[0] != '/' ||
      (clcf->name.len > 1 && clcf->name.data[1] == '/')) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "consent_endpoint: put it in a "
                       "location with a path, e.g. location = /consent");
    return NGX_CONF_ERROR;
  }
  clcf->handler = ngx_http_consent_endpoint_handler;
  c->is_endpoint = 1;
  scf->endpoint = clcf->name;
  return NGX_CONF_OK;
}

static char *
ngx_http_consent_asset(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
  ngx_http_consent_loc_conf_t *c = conf;
  ngx_str_t *value = cf->args->elts;
  ngx_http_core_loc_conf_t *clcf;

  (void)cmd;
  if (ngx_strcmp(value[1].data, "script") == 0)
    c->asset = CONSENT_ASSET_SCRIPT;
  else if (ngx_strcmp(value[1].data, "style") == 0)
    c->asset = CONSENT_ASSET_STYLE;
  else
    return "takes script or style";
  clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
  clcf->handler = ngx_http_consent_asset_handler;
  return NGX_CONF_OK;
}

static char *
cstr(ngx_conf_t *cf, ngx_str_t *s)
{
  char *p;

  if (s->data == NULL || s->len == 0)
    return NULL;
  p = ngx_pnalloc(cf->pool, s->len + 1);
  if (p != NULL) {
    ngx_memcpy(p, s->data, s->len);
    p[s->len] = '\0';
  }
  return p;
}

/* Builds (or finds) the gate and site of merged settings. */
static char *
consent_build(ngx_conf_t *cf, ngx_http_consent_loc_conf_t *c,
              ngx_str_t *endpoint)
{
  ngx_http_consent_main_conf_t *mc =
    ngx_http_conf_get_module_main_conf(cf, ngx_http_consent_module);
  consent_registry_t *reg = c->registry ? c->registry : mc->builtin_registry;
  consent_keyring_t *ring = c->ring ? c->ring : mc->temporary_ring;
  consent_config_t *cfg = NULL;
  ngx_http_consent_built_t *b;
  consent_status st;
  const char *what = "configuration";
  u_char key[4096], *p, *end = key + sizeof(key);
  ngx_str_t *allow = c->allow ? c->allow->elts : NULL;
  ngx_uint_t i, nallow = c->allow ? c->allow->nelts : 0;

  p = ngx_snprintf(key, sizeof(key), "%p|%p|%V|%V|%V|%i|%i|%i|%V|%V|%V|%V|"
                   "%V|%i|%V|%V|%uz|%i|%i|%i|%i|%V|%ui|%V|%V|%V|%V|%p|%V|",
                   reg, ring, &c->cookie_name, &c->cookie_domain,
                   &c->cookie_path, c->cookie_flags, c->policy, c->max_age,
                   &c->language, &c->template_file, &c->texts_file,
                   &c->privacy_url, endpoint, c->script_mode, &c->js_url,
                   &c->css_url, c->buffer, c->cache_safe, c->guard,
                   c->notice, c->gcm, &c->receipt_log,
                   c->sources, &c->gpc_categories, &c->proxies,
                   &c->previews_dir,
                   &c->previews_url, c->previews_fetch,
                   &c->notice_template_file);
  for (i = 0; i < nallow && p < end; i++)
    p = ngx_snprintf(p, end - p, "%V ", &allow[i]);
  /* Settings that fill the key cannot be told apart by it: such a
   * location gets a gate of its own (sharing one could give it another
   * location's allow list). */
  for (b = p < end ? mc->built : NULL; b != NULL; b = b->next)
    if (b->key.len == (size_t)(p - key) &&
        ngx_memcmp(b->key.data, key, b->key.len) == 0) {
      c->gate = b->gate;
      c->site = b->site;
      return NGX_CONF_OK;
    }
  b = ngx_pcalloc(cf->pool, sizeof(*b));
  if (b == NULL || (b->key.data = ngx_pnalloc(cf->pool, p - key)) == NULL)
    return NGX_CONF_ERROR;
  b->key.len = p - key;
  ngx_memcpy(b->key.data, key, b->key.len);

  st = consent_config_new(&cfg);
  if (st == CONSENT_OK)
    st = consent_config_set_registry(cfg, reg);
  if (st == CONSENT_OK && c->previews_dir.len) {
    ngx_str_t *o = c->previews_fetch ? c->previews_fetch->elts : NULL;
    ngx_uint_t no = c->previews_fetch ? c->previews_fetch->nelts : 0;
    what = "consent_previews";
    st = consent_previews_new(reg, cstr(cf, &c->previews_dir), &b->previews);
    /* Lookups from memory: no file I/O on the event loop (the fetcher,
     * a thread of each worker, loads and fetches; memory=N changes the
     * size). */
    if (st == CONSENT_OK)
      st = consent_previews_set_limit(b->previews, CONSENT_PREVIEW_MEMORY,
                                      NGX_HTTP_CONSENT_PREVIEW_MEMORY);
    if (st == CONSENT_OK)
      st = consent_previews_set_url_prefix(b->previews,
                                           cstr(cf, &c->previews_url));
    for (i = 0; st == CONSENT_OK && i < no; i++) {
      what = "consent_previews_fetch (ca=, resolve=, trust=, cache_bytes=, "
             "ttl=, error_ttl=, concurrency=, timeout_ms=, max_json=, "
             "max_image=, memory=)";
      st = consent_previews_set_option(b->previews, cstr(cf, &o[i]));
    }
    if (st == CONSENT_OK)
      st = consent_config_set_previews(cfg, b->previews);
  }
  if (st == CONSENT_OK && c->texts_file.len)
    st = consent_config_load_texts(cfg, cstr(cf, &c->texts_file));
  if (st == CONSENT_OK && c->template_file.len)
    st = consent_config_load_template(cfg, cstr(cf, &c->template_file));
  if (st == CONSENT_OK && c->notice_template_file.len)
    st = consent_config_load_notice_template(cfg,
                                             cstr(cf, &c->notice_template_file));
  if (st == CONSENT_OK && c->language.len &&
      (st = consent_config_set_language(cfg, cstr(cf, &c->language))) !=
      CONSENT_OK)
    what = "consent_language (de, en, es, fr, it, nl, pl or one a texts "
           "file adds)";
  if (st == CONSENT_OK && c->buffer != NGX_CONF_UNSET_SIZE &&
      (st = consent_config_set_max_buffer(cfg, c->buffer)) != CONSENT_OK)
    what = "consent_buffer (at least 4k)";
  if (st == CONSENT_OK && endpoint->len)
    st = consent_config_set_endpoint(cfg, cstr(cf, endpoint));
  if (st == CONSENT_OK && c->privacy_url.len)
    st = consent_config_set_privacy_url(cfg, cstr(cf, &c->privacy_url));
  if (st == CONSENT_OK && c->script_mode != NGX_CONF_UNSET)
    st = consent_config_set_script(cfg, (consent_script_mode)c->script_mode,
                                   cstr(cf, &c->js_url),
                                   cstr(cf, &c->css_url));
  if (st == CONSENT_OK && c->cache_safe != NGX_CONF_UNSET)
    st = consent_config_set_cache_safe(cfg, (int)c->cache_safe);
  if (st == CONSENT_OK && c->guard != NGX_CONF_UNSET)
    st = consent_config_set_guard(cfg, (int)c->guard);
  if (st == CONSENT_OK && c->notice != NGX_CONF_UNSET)
    st = consent_config_set_notice(cfg, (int)c->notice);
  if (st == CONSENT_OK && c->gcm != NGX_CONF_UNSET)
    st = consent_config_set_google_consent_mode(cfg, (int)c->gcm);
  for (i = 0; st == CONSENT_OK && i < nallow; i++)
    st = consent_config_allow_provider(cfg, cstr(cf, &allow[i]));
  if (st == CONSENT_OK && (st = consent_gate_new(cfg, &b->gate)) !=
      CONSENT_OK)
    what = "consent_allow (an unknown provider?)";
  consent_config_free(cfg);
  if (st == CONSENT_OK) {
    what = "consent_cookie";
    st = consent_site_new(reg, ring, &b->site);
    if (st == CONSENT_OK && c->cookie_name.len)
      st = consent_site_set_cookie(b->site, cstr(cf, &c->cookie_name),
                                   cstr(cf, &c->cookie_domain),
                                   cstr(cf, &c->cookie_path),
                                   (unsigned)c->cookie_flags);
    if (st == CONSENT_OK && c->max_age != NGX_CONF_UNSET &&
        (st = consent_site_set_max_age(b->site, c->max_age)) != CONSENT_OK)
      what = "consent_max_age (60s to 5 years)";
    if (st == CONSENT_OK && c->policy != NGX_CONF_UNSET)
      consent_site_set_policy_version(b->site, (unsigned)c->policy);
    if (st == CONSENT_OK && c->sources != NGX_CONF_UNSET_UINT)
      st = consent_site_set_sources(b->site, (unsigned)c->sources);
    if (st == CONSENT_OK && c->gpc_categories.len)
      st = consent_site_set_gpc_categories(b->site,
                                           cstr(cf, &c->gpc_categories));
    if (st == CONSENT_OK && c->proxies.len)
      st = consent_site_trust_proxies(b->site, cstr(cf, &c->proxies));
  }
  if (st != CONSENT_OK) {
    consent_site_free(b->site);
    consent_gate_free(b->gate);
    consent_previews_free(b->previews);
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "consent: %s: %s", what,
                       consent_strerror(st));
    return NGX_CONF_ERROR;
  }
  if (consent_on_cleanup(cf, consent_cleanup_built, b) != NGX_OK)
    return NGX_CONF_ERROR;
  if (ring == mc->temporary_ring && endpoint->len)
    ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "consent: no consent_key_file: "
                       "consent cookies are signed with a temporary key and "
                       "end when nginx restarts");
  b->next = mc->built;
  mc->built = b;
  c->gate = b->gate;
  c->site = b->site;
  return NGX_CONF_OK;
}

static char *
ngx_http_consent_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
  ngx_http_consent_loc_conf_t *prev = parent, *c = child;
  ngx_http_consent_srv_conf_t *scf;
  ngx_http_consent_main_conf_t *mc;

  ngx_conf_merge_value(c->enable, prev->enable, 0);
  if (c->registry == CONSENT_UNSET_PTR) {
    c->registry = prev->registry == CONSENT_UNSET_PTR ? NULL
                  : prev->registry;
    c->providers = prev->providers;
  }
  if (c->ring == CONSENT_UNSET_PTR) {
    c->ring = prev->ring == CONSENT_UNSET_PTR ? NULL : prev->ring;
    c->key_file = prev->key_file;
  }
  if (c->cookie_flags == NGX_CONF_UNSET) {
    c->cookie_flags = prev->cookie_flags;
    c->cookie_name = prev->cookie_name;
    c->cookie_domain = prev->cookie_domain;
    c->cookie_path = prev->cookie_path;
  }
  ngx_conf_merge_value(c->policy, prev->policy, NGX_CONF_UNSET);
  ngx_conf_merge_value(c->max_age, prev->max_age, NGX_CONF_UNSET);
  ngx_conf_merge_str_value(c->language, prev->language, "");
  ngx_conf_merge_str_value(c->template_file, prev->template_file, "");
  ngx_conf_merge_str_value(c->notice_template_file,
                           prev->notice_template_file, "");
  ngx_conf_merge_str_value(c->texts_file, prev->texts_file, "");
  ngx_conf_merge_str_value(c->privacy_url, prev->privacy_url, "");
  ngx_conf_merge_str_value(c->receipt_log, prev->receipt_log, "");
  /* Opened by the master, as nginx opens its own logs (and reopened on
   * USR1): the workers inherit it.  (One entry per name and cycle.) */
  if (c->receipt_log.len &&
      (c->receipt_file = ngx_conf_open_file(cf->cycle, &c->receipt_log))
      == NULL)
    return NGX_CONF_ERROR;
  if (c->script_mode == NGX_CONF_UNSET) {
    c->script_mode = prev->script_mode;
    c->js_url = prev->js_url;
    c->css_url = prev->css_url;
  }
  ngx_conf_merge_size_value(c->buffer, prev->buffer, NGX_CONF_UNSET_SIZE);
  ngx_conf_merge_ptr_value(c->allow, prev->allow, NULL);
  ngx_conf_merge_value(c->cache_safe, prev->cache_safe, NGX_CONF_UNSET);
  ngx_conf_merge_value(c->guard, prev->guard, NGX_CONF_UNSET);
  ngx_conf_merge_value(c->notice, prev->notice, NGX_CONF_UNSET);
  ngx_conf_merge_value(c->page_cache, prev->page_cache, 1);
  ngx_conf_merge_value(c->gcm, prev->gcm, NGX_CONF_UNSET);
  ngx_conf_merge_uint_value(c->sources, prev->sources, NGX_CONF_UNSET_UINT);
  if (c->previews_dir.data == NULL) {
    c->previews_dir = prev->previews_dir;
    c->previews_url = prev->previews_url;
  }
  ngx_conf_merge_ptr_value(c->previews_fetch, prev->previews_fetch, NULL);
  ngx_conf_merge_str_value(c->gpc_categories, prev->gpc_categories, "");
  ngx_conf_merge_str_value(c->proxies, prev->proxies, "");
  ngx_conf_merge_value(c->asset, prev->asset, NGX_CONF_UNSET);
  if (!c->enable && !c->is_endpoint)
    return NGX_CONF_OK;
  mc = ngx_http_conf_get_module_main_conf(cf, ngx_http_consent_module);
  if (mc->builtin_registry == NULL) {
    if (consent_registry_new(&mc->builtin_registry) != CONSENT_OK ||
        consent_on_cleanup(cf, consent_cleanup_registry,
                           mc->builtin_registry) != NGX_OK)
      return NGX_CONF_ERROR;
  }
  if (consent_temporary_ring(cf) != NGX_OK)
    return NGX_CONF_ERROR;
  scf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_consent_module);
  return consent_build(cf, c, &scf->endpoint);
}

/* ------------------------------------------------------------------ */
/* One request's consent                                               */

static void
consent_cleanup_request(void *data)
{
  consent_request_free(data);
}

static void
consent_cleanup_rewriter(void *data)
{
  consent_rewriter_free(data);
}

static void
consent_cleanup_cached(void *data)
{
  ngx_http_consent_ctx_t *ctx = data;

  consent_cache_release(consent_page_cache, ctx->entry);
}

/* The validator of a response whose gated bytes may be kept: its strong
 * ETag, or its Last-Modified and length.  0 when it has none. */
static size_t
consent_validator(ngx_http_request_t *r, char *out, size_t cap)
{
  ngx_table_elt_t *e = r->headers_out.etag;
  int n;

  if (e != NULL && e->hash != 0 && e->value.len > 0 && e->value.len < cap &&
      !(e->value.len > 2 && e->value.data[0] == 'W' &&
        e->value.data[1] == '/')) {
    ngx_memcpy(out, e->value.data, e->value.len);
    return e->value.len;
  }
  if (r->headers_out.last_modified_time != -1 &&
      r->headers_out.content_length_n >= 0) {
    n = snprintf(out, cap, "lm:%lld:%lld",
                 (long long)r->headers_out.last_modified_time,
                 (long long)r->headers_out.content_length_n);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
  }
  return 0;
}

/* A consent request with every request header; freed with the request.
 * *lang gets Accept-Language (or an empty string). */
static consent_request_t *
consent_request_of(ngx_http_request_t *r, ngx_http_consent_loc_conf_t *c,
                   ngx_str_t *lang)
{
  consent_request_t *req;
  ngx_pool_cleanup_t *cln;
  ngx_list_part_t *part;
  ngx_table_elt_t *h;
  ngx_uint_t i;
  int https = 0;
  char name[64];

#if (NGX_HTTP_SSL)
  https = r->connection->ssl != NULL;
#endif
  cln = ngx_pool_cleanup_add(r->pool, 0);
  if (cln == NULL || consent_request_new(c->site, https, &req) != CONSENT_OK)
    return NULL;
  cln->handler = consent_cleanup_request;
  cln->data = req;
  if (r->connection->addr_text.len < sizeof(name)) {
    /* The TCP peer, for consent_trusted_proxies. */
    ngx_memcpy(name, r->connection->addr_text.data,
               r->connection->addr_text.len);
    name[r->connection->addr_text.len] = '\0';
    consent_request_set_peer(req, name);
  }
  if (lang != NULL) {
    ngx_str_null(lang);
  }
  for (part = &r->headers_in.headers.part; part; part = part->next) {
    h = part->elts;
    for (i = 0; i < part->nelts; i++) {
      if (h[i].key.len >= sizeof(name))
        continue;
      ngx_memcpy(name, h[i].key.data, h[i].key.len);
      name[h[i].key.len] = '\0';
      consent_request_set_header(req, name, (char *)h[i].value.data,
                                 h[i].value.len);
      if (lang != NULL && h[i].key.len == 15 &&
          ngx_strncasecmp(h[i].key.data, (u_char *)"Accept-Language", 15)
          == 0)
        *lang = h[i].value;
    }
  }
  return req;
}

/* ------------------------------------------------------------------ */
/* The filter                                                          */

static int
consent_sink(const char *buf, size_t len, void *ud)
{
  ngx_http_consent_ctx_t *ctx = ud;
  ngx_chain_t *cl;
  ngx_buf_t *b;
  size_t n;

  while (len > 0) {
    b = ctx->cur;
    if (b == NULL || b->last == b->end) {
      cl = ngx_chain_get_free_buf(ctx->r->pool, &ctx->free);
      if (cl == NULL)
        return 1;
      b = cl->buf;
      if (b->start == NULL) {
        b->start = ngx_palloc(ctx->r->pool, CONSENT_OUT_BUF);
        if (b->start == NULL)
          return 1;
        b->end = b->start + CONSENT_OUT_BUF;
        ctx->nbufs++;
      }
      b->pos = b->last = b->start;
      b->tag = (ngx_buf_tag_t)&ngx_http_consent_module;
      b->temporary = 1;
      b->recycled = 1;
      b->flush = b->last_buf = b->last_in_chain = b->sync = 0;
      cl->next = NULL;
      *ctx->last_out = cl;
      ctx->last_out = &cl->next;
      ctx->cur = b;
    }
    n = (size_t)(b->end - b->last) < len ? (size_t)(b->end - b->last) : len;
    b->last = ngx_cpymem(b->last, buf, n);
    buf += n;
    len -= n;
  }
  return 0;
}

/* The response's headers named name (not removed), joined as one list;
 * an empty string when there is none. */
static ngx_str_t
consent_out_header(ngx_http_request_t *r, const char *name)
{
  ngx_list_part_t *part;
  ngx_table_elt_t *h;
  ngx_str_t v = ngx_null_string;
  ngx_uint_t i;
  size_t n = ngx_strlen(name);
  u_char *p;

  for (part = &r->headers_out.headers.part; part; part = part->next) {
    h = part->elts;
    for (i = 0; i < part->nelts; i++) {
      if (h[i].hash == 0 || h[i].key.len != n ||
          ngx_strncasecmp(h[i].key.data, (u_char *)name, n) != 0)
        continue;
      if (v.len == 0) {
        v = h[i].value;
        continue;
      }
      p = ngx_pnalloc(r->pool, v.len + 2 + h[i].value.len);
      if (p == NULL)
        return v;
      ngx_memcpy(p, v.data, v.len);
      ngx_memcpy(p + v.len, ", ", 2);
      ngx_memcpy(p + v.len + 2, h[i].value.data, h[i].value.len);
      v.data = p;
      v.len += 2 + h[i].value.len;
    }
  }
  return v;
}

/* The whole Content-Type: nginx keeps a static file's charset apart. */
static ngx_str_t
consent_content_type(ngx_http_request_t *r)
{
  ngx_str_t t = r->headers_out.content_type, cs = r->headers_out.charset;
  u_char *p;

  if (t.len == 0 || cs.len == 0 || ngx_strlchr(t.data, t.data + t.len, ';'))
    return t;
  p = ngx_pnalloc(r->pool, t.len + sizeof("; charset=") - 1 + cs.len);
  if (p == NULL)
    return t;
  t.data = p;
  p = ngx_cpymem(p, r->headers_out.content_type.data,
                 r->headers_out.content_type.len);
  p = ngx_cpymem(p, "; charset=", sizeof("; charset=") - 1);
  ngx_memcpy(p, cs.data, cs.len);
  t.len = r->headers_out.content_type.len + sizeof("; charset=") - 1 +
          cs.len;
  return t;
}

static void
consent_remove_header(ngx_http_request_t *r, const char *name)
{
  ngx_list_part_t *part;
  ngx_table_elt_t *h;
  ngx_uint_t i;
  size_t n = ngx_strlen(name);

  /* (nginx's clear macros are several statements: braces.) */
  if (ngx_strcasecmp((u_char *)name, (u_char *)"Content-Length") == 0) {
    ngx_http_clear_content_length(r);
  } else if (ngx_strcasecmp((u_char *)name, (u_char *)"ETag") == 0) {
    ngx_http_clear_etag(r);
  } else if (ngx_strcasecmp((u_char *)name, (u_char *)"Last-Modified")
             == 0) {
    ngx_http_clear_last_modified(r);
  }
  for (part = &r->headers_out.headers.part; part; part = part->next) {
    h = part->elts;
    for (i = 0; i < part->nelts; i++)
      if (h[i].key.len == n &&
          ngx_strncasecmp(h[i].key.data, (u_char *)name, n) == 0)
        h[i].hash = 0;
  }
}

static ngx_int_t
consent_push_header(ngx_http_request_t *r, const char *name,
                    const char *value)
{
  ngx_table_elt_t *h = ngx_list_push(&r->headers_out.headers);

  if (h == NULL)
    return NGX_ERROR;
  h->hash = 1;
  h->key.data = (u_char *)name;
  h->key.len = ngx_strlen(name);
  h->value.data = (u_char *)value;
  h->value.len = ngx_strlen(value);
  return NGX_OK;
}

static ngx_int_t
consent_edit_headers(ngx_http_request_t *r, ngx_http_consent_loc_conf_t *c)
{
  consent_header_op op;
  const char *name, *value;
  size_t i;

  for (i = 0; consent_gate_header_edit(c->gate, c->site, i, &op, &name,
                                       &value); i++) {
    if (op == CONSENT_HEADER_REMOVE)
      consent_remove_header(r, name);
    else if (op == CONSENT_HEADER_SET &&
             ngx_strcasecmp((u_char *)name, (u_char *)"Accept-Ranges")
             == 0) {
      ngx_http_clear_accept_ranges(r);
      consent_remove_header(r, name);
      if (consent_push_header(r, name, value) != NGX_OK)
        return NGX_ERROR;
    } else {
      if (op == CONSENT_HEADER_SET)
        consent_remove_header(r, name);
      if (consent_push_header(r, name, value) != NGX_OK)
        return NGX_ERROR;
    }
  }
  return NGX_OK;
}

/* A header's new value from the library, copied to the request's pool;
 * v is freed. */
static ngx_int_t
consent_take_value(ngx_http_request_t *r, ngx_table_elt_t *h, char *v)
{
  size_t n = ngx_strlen(v);
  u_char *p = ngx_pnalloc(r->pool, n);

  if (p != NULL) {
    ngx_memcpy(p, v, n);
    h->value.data = p;
    h->value.len = n;
  }
  consent_free(v);
  return p != NULL ? NGX_OK : NGX_ERROR;
}

/* Link headers lose the links to providers not allowed. */
static ngx_int_t
consent_filter_links(ngx_http_request_t *r, consent_rewriter_t *rw)
{
  ngx_list_part_t *part;
  ngx_table_elt_t *h;
  ngx_uint_t i;
  char *out;

  for (part = &r->headers_out.headers.part; part; part = part->next) {
    h = part->elts;
    for (i = 0; i < part->nelts; i++) {
      if (h[i].hash == 0 || h[i].key.len != 4 ||
          ngx_strncasecmp(h[i].key.data, (u_char *)"Link", 4) != 0)
        continue;
      if (consent_rewriter_filter_link(rw, (char *)h[i].value.data,
                                       h[i].value.len, &out) != CONSENT_OK)
        return NGX_ERROR;
      if (out == NULL)
        h[i].hash = 0;
      else if (consent_take_value(r, &h[i], out) != NGX_OK)
        return NGX_ERROR;
    }
  }
  return NGX_OK;
}

static ngx_int_t
ngx_http_consent_header_filter(ngx_http_request_t *r)
{
  ngx_http_consent_loc_conf_t *c;
  ngx_http_consent_ctx_t *ctx;
  consent_encoding coding;
  consent_http_action act;
  const consent_state_t *state;
  consent_status why;
  const char *reason, *lang_tag = NULL;
  ngx_str_t lang, type, enc;
  u_char *ret;
  char validator[128];
  unsigned char key[CONSENT_CACHE_KEY_SIZE];
  size_t vlen;

  c = ngx_http_get_module_loc_conf(r, ngx_http_consent_module);
  if (!c->enable || c->gate == NULL || c->is_endpoint)
    return ngx_http_next_header_filter(r);
  type = consent_content_type(r);
  enc = consent_out_header(r, "Content-Encoding");
  act = consent_http_classify((int)r->headers_out.status,
                              type.len ? (char *)type.data : NULL, type.len,
                              enc.len ? (char *)enc.data : NULL, enc.len,
                              &coding, &reason);
  /* A fragment of a gated page (SSI include of any type) is part of that
   * page: read like a body without a type. */
  if (act == CONSENT_HTTP_PASS && r != r->main &&
      ngx_http_get_module_ctx(r->main, ngx_http_consent_module) != NULL)
    act = consent_http_classify((int)r->headers_out.status, NULL, 0,
                                enc.len ? (char *)enc.data : NULL, enc.len,
                                &coding, &reason);
  if (act == CONSENT_HTTP_PASS)
    return ngx_http_next_header_filter(r);
  if (act == CONSENT_HTTP_REFUSE) {
    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "consent: refused "
                  "(502): %s", reason);
    return ngx_http_filter_finalize_request(r, &ngx_http_consent_module,
                                            NGX_HTTP_BAD_GATEWAY);
  }
  /* (read before the edits take the validators away) */
  vlen = 0;
  if (r == r->main && c->page_cache && consent_page_cache != NULL &&
      r->headers_out.status == NGX_HTTP_OK && !r->header_only &&
      (r->method & (NGX_HTTP_GET | NGX_HTTP_HEAD)) &&
      c->previews_dir.len == 0)
    vlen = consent_validator(r, validator, sizeof(validator));
  if (r == r->main && consent_edit_headers(r, c) != NGX_OK)
    return NGX_ERROR;
  if (r->header_only || r->headers_out.status == NGX_HTTP_NO_CONTENT ||
      r->headers_out.status == NGX_HTTP_NOT_MODIFIED)
    return ngx_http_next_header_filter(r);

  ctx = ngx_pcalloc(r->pool, sizeof(*ctx));
  if (ctx == NULL)
    return NGX_ERROR;
  ctx->r = r;
  ctx->last_out = &ctx->out;
  ctx->req = consent_request_of(r, c, &lang);
  if (ctx->req == NULL ||
      (state = consent_request_state(ctx->req, 0, &why)) == NULL)
    return NGX_ERROR;
  if (why != CONSENT_OK && why != CONSENT_E_NOCOOKIE)
    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "consent: cookie "
                  "ignored: %s", consent_strerror(why));
  {
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL ||
        consent_rewriter_new(c->gate, consent_sink, ctx, &ctx->rw) !=
        CONSENT_OK)
      return NGX_ERROR;
    cln->handler = consent_cleanup_rewriter;
    cln->data = ctx->rw;
  }
  consent_rewriter_set_state(ctx->rw, state);
  if (lang.len) {
    lang_tag = consent_gate_negotiate_language(c->gate, (char *)lang.data,
                                               lang.len);
    consent_rewriter_set_language(ctx->rw, lang_tag);
  }
  /* The page's own path for the placeholders' return field. */
  ret = ngx_pnalloc(r->pool, r->unparsed_uri.len + 1);
  if (ret == NULL)
    return NGX_ERROR;
  ngx_memcpy(ret, r->unparsed_uri.data, r->unparsed_uri.len);
  ret[r->unparsed_uri.len] = '\0';
  consent_rewriter_set_return_path(ctx->rw, (char *)ret);
  /* consent_page_cache: this visitor's copy of the page, if kept. */
  if (vlen > 0 &&
      consent_cache_key(c->gate, state, 0, validator, vlen, coding,
                        (char *)ret, r->unparsed_uri.len, lang_tag,
                        key) == CONSENT_OK) {
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(r->pool, 0);
    const char *data;
    size_t len;
    if (cln == NULL)
      return NGX_ERROR;
    cln->handler = consent_cleanup_cached;
    cln->data = ctx;
    if (consent_cache_get(consent_page_cache, key, 0, &ctx->entry, &data,
                          &len)) {
      ngx_buf_t *b = ngx_calloc_buf(r->pool);
      ngx_chain_t *cl = ngx_alloc_chain_link(r->pool);
      if (b == NULL || cl == NULL)
        return NGX_ERROR;
      b->pos = (u_char *)data;
      b->last = (u_char *)data + len;
      b->memory = 1;
      b->last_buf = 1;
      b->last_in_chain = 1;
      cl->buf = b;
      cl->next = NULL;
      ctx->out = cl;
      ctx->hit = 1;
      r->headers_out.content_length_n = (off_t)len;
      ngx_http_set_ctx(r, ctx, ngx_http_consent_module);
      return ngx_http_next_header_filter(r);
    }
    /* A miss: the rewriter keeps its output there when it ends. */
    if (consent_rewriter_set_cache(ctx->rw, consent_page_cache, key, 0) !=
        CONSENT_OK)
      return NGX_ERROR;
  }
  if (consent_rewriter_set_content_type(ctx->rw, (char *)type.data,
                                        type.len) != CONSENT_OK ||
      consent_rewriter_set_encoding(ctx->rw, coding, coding) != CONSENT_OK ||
      (r == r->main && consent_filter_links(r, ctx->rw) != NGX_OK))
    return NGX_ERROR;
  ngx_http_set_ctx(r, ctx, ngx_http_consent_module);
  r->filter_need_in_memory = 1;
  if (r == r->main)
    r->main_filter_need_in_memory = 1;
  return ngx_http_next_header_filter(r);
}

/* A buffer that only carries flush / last_buf. */
static ngx_int_t
consent_mark(ngx_http_consent_ctx_t *ctx, int flush, int last)
{
  ngx_chain_t *cl;
  ngx_buf_t *b;

  if (ctx->out != NULL && ctx->cur != NULL) {
    b = ctx->cur;
  } else {
    cl = ngx_alloc_chain_link(ctx->r->pool);
    b = ngx_calloc_buf(ctx->r->pool);
    if (cl == NULL || b == NULL)
      return NGX_ERROR;
    cl->buf = b;
    cl->next = NULL;
    *ctx->last_out = cl;
    ctx->last_out = &cl->next;
  }
  if (flush)
    b->flush = 1;
  if (last) {
    if (ctx->r == ctx->r->main)
      b->last_buf = 1;
    b->last_in_chain = 1;
    b->sync = b->sync || !ngx_buf_in_memory(b);
  }
  return NGX_OK;
}

static ngx_int_t
ngx_http_consent_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
  ngx_http_consent_ctx_t *ctx;
  ngx_int_t rc;
  int flush, last;

  ctx = ngx_http_get_module_ctx(r, ngx_http_consent_module);
  if (ctx != NULL && ctx->hit) {
    /* The kept copy goes out whole; the page's own bytes are dropped
     * unread. */
    ngx_chain_t *cl;
    for (cl = in; cl != NULL; cl = cl->next) {
      cl->buf->pos = cl->buf->last;
      if (cl->buf->in_file)
        cl->buf->file_pos = cl->buf->file_last;
    }
    if (ctx->sent)
      return ngx_http_next_body_filter(r, NULL);
    ctx->sent = 1;
    return ngx_http_next_body_filter(r, ctx->out);
  }
  if (ctx == NULL ||
      (ctx->done && in == NULL && ctx->in == NULL && ctx->busy == NULL))
    return ngx_http_next_body_filter(r, in);
  if (ctx->failed)
    return NGX_ERROR;
  if (in != NULL && ngx_chain_add_copy(r->pool, &ctx->in, in) != NGX_OK)
    return NGX_ERROR;
  for (;;) {
    flush = last = 0;
    while (ctx->in != NULL) {
      ngx_buf_t *b = ctx->in->buf;
      if (ctx->done) {
        b->pos = b->last;
      } else if (ngx_buf_in_memory(b) && b->last > b->pos) {
        size_t n = (size_t)(b->last - b->pos);
        /* Back-pressure: while every output buffer waits for the
         * client, the input stays unread (and the file or upstream is
         * read no further). */
        if (ctx->free == NULL && ctx->nbufs >= CONSENT_OUT_BUFS)
          break;
        if (n > CONSENT_OUT_BUF)
          n = CONSENT_OUT_BUF;
        if (consent_rewriter_write(ctx->rw, (char *)b->pos, n) !=
            CONSENT_OK)
          goto failed;
        b->pos += n;
        if (b->pos < b->last)
          continue;
      } else if (b->in_file && b->file_last > b->file_pos) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0, "consent: a "
                      "file buffer reached the filter");
        goto failed;
      }
      if (b->flush)
        flush = 1;
      if (!ctx->done &&
          (b->last_buf || (b->last_in_chain && r != r->main))) {
        last = 1;
        if (consent_rewriter_end(ctx->rw) != CONSENT_OK)
          goto failed;
        ctx->done = 1;
      }
      ctx->in = ctx->in->next;
    }
    if ((flush || last) && consent_mark(ctx, flush, last) != NGX_OK)
      return NGX_ERROR;
    rc = ngx_http_next_body_filter(r, ctx->out);
    ngx_chain_update_chains(r->pool, &ctx->free, &ctx->busy, &ctx->out,
                            (ngx_buf_tag_t)&ngx_http_consent_module);
    ctx->out = NULL;
    ctx->last_out = &ctx->out;
    ctx->cur = NULL;
    /* More to read and room again: go on; otherwise the writer calls
     * back when the client has taken some. */
    if (rc == NGX_ERROR || ctx->in == NULL || ctx->free == NULL)
      return rc;
  }

failed:
  /* Nothing more of this response goes out: an embed is never let
   * through. */
  ctx->failed = 1;
  ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "consent: cannot gate "
                "the page: %s", consent_rewriter_errmsg(ctx->rw));
  return NGX_ERROR;
}

/* A part of a page, or a 304 against the backend's or the file's own
 * validators, cannot be gated: the backend (and the static module) never
 * see Range and the conditionals of a request that may get a page. */
static ngx_int_t
ngx_http_consent_access(ngx_http_request_t *r)
{
  ngx_http_consent_loc_conf_t *c;
  ngx_list_part_t *part;
  ngx_table_elt_t *h;
  ngx_uint_t i, k;
  int dropped = 0;

  if (r != r->main)
    return NGX_DECLINED;
  c = ngx_http_get_module_loc_conf(r, ngx_http_consent_module);
  if (!c->enable || c->is_endpoint)
    return NGX_DECLINED;
  for (part = &r->headers_in.headers.part; part != NULL; part = part->next) {
    h = part->elts;
    for (i = 0, k = 0; i < part->nelts; i++) {
      if (consent_http_drop_request_header((char *)r->uri.data, r->uri.len,
                                           (char *)h[i].key.data,
                                           h[i].key.len)) {
        dropped = 1;
        continue;
      }
      if (h[i].key.len == 15 &&
          ngx_strncasecmp(h[i].key.data, (u_char *)"Accept-Encoding", 15)
          == 0) {
        /* Only codings the gate reads come back. */
        char *ae = NULL;
        if (consent_http_accept_encoding((char *)h[i].value.data,
                                         h[i].value.len, &ae) != CONSENT_OK)
          return NGX_HTTP_INTERNAL_SERVER_ERROR;
        if (ae == NULL) {
          if (r->headers_in.accept_encoding == &h[i])
            r->headers_in.accept_encoding = NULL;
          continue;
        }
        if (consent_take_value(r, &h[i], ae) != NGX_OK)
          return NGX_HTTP_INTERNAL_SERVER_ERROR;
      }
      if (k != i)
        h[k] = h[i];
      k++;
    }
    part->nelts = k;
  }
  if (dropped) {
    r->headers_in.if_modified_since = NULL;
    r->headers_in.if_none_match = NULL;
    r->headers_in.if_match = NULL;
    r->headers_in.if_unmodified_since = NULL;
    r->headers_in.range = NULL;
    r->headers_in.if_range = NULL;
  }
  return NGX_DECLINED;
}

/* ------------------------------------------------------------------ */
/* The consent endpoint and the assets                                 */

static void
consent_log_receipt(ngx_http_request_t *r, ngx_http_consent_loc_conf_t *c,
                    const char *json, size_t len)
{
  u_char *line;

  if (c->receipt_file == NULL) {
    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0, "consent "
                  "receipt: %*s", len, json);
    return;
  }
  if (c->receipt_file->fd == NGX_INVALID_FILE) {
    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "consent: \"%V\" is "
                  "not open; consent receipt: %*s", &c->receipt_log, len,
                  json);
    return;
  }
  line = ngx_pnalloc(r->pool, len + 1);
  if (line == NULL)
    return;
  /* One write of the whole line (O_APPEND): lines of several workers
   * never mix. */
  ngx_memcpy(line, json, len);
  line[len] = '\n';
  if (ngx_write_fd(c->receipt_file->fd, line, len + 1) != (ssize_t)(len + 1))
    ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno, "consent: "
                  "cannot write \"%V\"; consent receipt: %*s",
                  &c->receipt_log, len, json);
}

/* Sends the headers set so far and a body the library owns (static, or
 * living as long as the request). */
static ngx_int_t
consent_send(ngx_http_request_t *r, const char *text, size_t len)
{
  ngx_chain_t out;
  ngx_buf_t *b;
  ngx_int_t rc;

  r->headers_out.content_length_n = (off_t)len;
  rc = ngx_http_send_header(r);
  if (rc == NGX_ERROR || rc > NGX_OK || r->header_only)
    return rc;
  b = ngx_calloc_buf(r->pool);
  if (b == NULL)
    return NGX_ERROR;
  b->pos = (u_char *)text;
  b->last = (u_char *)text + len;
  b->memory = 1;
  b->last_buf = 1;
  b->last_in_chain = 1;
  out.buf = b;
  out.next = NULL;
  return ngx_http_output_filter(r, &out);
}

static ngx_int_t
consent_respond(ngx_http_request_t *r, const char *body, size_t blen)
{
  ngx_http_consent_loc_conf_t *c;
  consent_request_t *req;
  const char *name, *value, *text;
  ngx_table_elt_t *h;
  size_t i, len;

  c = ngx_http_get_module_loc_conf(r, ngx_http_consent_module);
  if (c->site == NULL)
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  req = consent_request_of(r, c, NULL);
  if (req == NULL)
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  {
    /* The method and query as C strings. */
    char method[16];
    size_t n = r->method_name.len < sizeof(method) - 1 ?
               r->method_name.len : sizeof(method) - 1;
    ngx_memcpy(method, r->method_name.data, n);
    method[n] = '\0';
    if (c->gate != NULL)
      consent_request_set_gate(req, c->gate);
    if (consent_request_endpoint(req, method, (char *)r->args.data,
                                 r->args.len, body, blen, 0) != CONSENT_OK)
      return NGX_HTTP_INTERNAL_SERVER_ERROR;
  }
  r->headers_out.status = consent_request_response_status(req);
  for (i = 0; consent_request_response_header(req, i, &name, &value); i++) {
    if (ngx_strcmp(name, "Content-Type") == 0) {
      r->headers_out.content_type.data = (u_char *)value;
      r->headers_out.content_type.len = ngx_strlen(value);
      r->headers_out.content_type_len = r->headers_out.content_type.len;
      continue;
    }
    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL)
      return NGX_HTTP_INTERNAL_SERVER_ERROR;
    h->hash = 1;
    h->key.data = (u_char *)name;
    h->key.len = ngx_strlen(name);
    h->value.data = (u_char *)value;
    h->value.len = ngx_strlen(value);
  }
  text = consent_request_response_receipt(req, &len);
  if (text != NULL)
    consent_log_receipt(r, c, text, len);
  else
    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "consent endpoint: "
                  "%s", consent_request_response_reason(req));
  text = consent_request_response_body(req, &len);
  return consent_send(r, text, len);
}

static void
consent_body_read(ngx_http_request_t *r)
{
  char body[CONSENT_ENDPOINT_MAX_BODY + 1];
  size_t len = 0, n;
  ngx_chain_t *cl;

  if (r->request_body != NULL) {
    for (cl = r->request_body->bufs; cl && len < sizeof(body);
         cl = cl->next) {
      ngx_buf_t *b = cl->buf;
      if (ngx_buf_in_memory(b)) {
        n = (size_t)(b->last - b->pos);
        n = n < sizeof(body) - len ? n : sizeof(body) - len;
        ngx_memcpy(body + len, b->pos, n);
        len += n;
      } else if (b->in_file) {
        ssize_t got;
        n = (size_t)(b->file_last - b->file_pos);
        n = n < sizeof(body) - len ? n : sizeof(body) - len;
        got = ngx_read_file(b->file, (u_char *)body + len, n, b->file_pos);
        if (got < 0) {
          ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
          return;
        }
        len += (size_t)got;
      }
    }
  }
  ngx_http_finalize_request(r, consent_respond(r, body, len));
}

static ngx_int_t
ngx_http_consent_endpoint_handler(ngx_http_request_t *r)
{
  /* (Saved first: discarding the body counts content_length_n down.) */
  off_t length = r->headers_in.content_length_n;
  ngx_int_t rc;

  if (r->method != NGX_HTTP_POST || length > CONSENT_ENDPOINT_MAX_BODY) {
    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK)
      return rc;
    /* The library answers 413 to a body it need not see. */
    return consent_respond(r, NULL, r->method == NGX_HTTP_POST ?
                           (size_t)length : 0);
  }
  r->request_body_in_single_buf = 1;
  rc = ngx_http_read_client_request_body(r, consent_body_read);
  if (rc >= NGX_HTTP_SPECIAL_RESPONSE)
    return rc;
  return NGX_DONE;
}

static ngx_int_t
ngx_http_consent_asset_handler(ngx_http_request_t *r)
{
  ngx_http_consent_loc_conf_t *c;
  ngx_table_elt_t *h;
  const char *text;
  size_t len;
  ngx_int_t rc;

  if (!(r->method & (NGX_HTTP_GET | NGX_HTTP_HEAD)))
    return NGX_HTTP_NOT_ALLOWED;
  rc = ngx_http_discard_request_body(r);
  if (rc != NGX_OK)
    return rc;
  c = ngx_http_get_module_loc_conf(r, ngx_http_consent_module);
  text = consent_asset((consent_asset_id)c->asset, &len);
  if (text == NULL)
    return NGX_HTTP_NOT_FOUND;
  if (c->asset == CONSENT_ASSET_SCRIPT) {
    ngx_str_set(&r->headers_out.content_type,
                "text/javascript; charset=utf-8");
  } else {
    ngx_str_set(&r->headers_out.content_type, "text/css; charset=utf-8");
  }
  r->headers_out.content_type_len = r->headers_out.content_type.len;
  h = ngx_list_push(&r->headers_out.headers);
  if (h == NULL)
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
  h->hash = 1;
  ngx_str_set(&h->key, "Cache-Control");
  ngx_str_set(&h->value, "public, max-age=86400");
  r->headers_out.status = NGX_HTTP_OK;
  return consent_send(r, text, len);
}

/* The preview fetcher of one cache, in a thread of each worker: never on
 * the request path. */
static void *
consent_fetcher(void *data)
{
  ngx_http_consent_built_t *b = data;

  while (!atomic_load(&b->stop)) {
    if (consent_previews_pending(b->previews) > 0)
      consent_previews_run(b->previews, 1000, NULL, NULL);
    else
      ngx_msleep(250);
  }
  return NULL;
}

static ngx_int_t
ngx_http_consent_init_process(ngx_cycle_t *cycle)
{
  ngx_http_consent_main_conf_t *mc =
    ngx_http_cycle_get_module_main_conf(cycle, ngx_http_consent_module);
  ngx_http_consent_built_t *b;

  if (mc != NULL && mc->built != NULL && consent_page_cache == NULL &&
      consent_cache_new(CONSENT_PAGE_CACHE_BYTES, &consent_page_cache) !=
      CONSENT_OK)
    ngx_log_error(NGX_LOG_WARN, cycle->log, 0, "consent: no page cache "
                  "(out of memory): every page is gated anew");
  for (b = mc ? mc->built : NULL; b != NULL; b = b->next)
    if (b->previews != NULL) {
      atomic_store(&b->stop, 0);
      if (pthread_create(&b->fetcher, NULL, consent_fetcher, b) == 0)
        b->fetching = 1;
      else
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0, "consent: cannot start "
                      "the preview fetcher");
    }
  return NGX_OK;
}

static void
ngx_http_consent_exit_process(ngx_cycle_t *cycle)
{
  ngx_http_consent_main_conf_t *mc =
    ngx_http_cycle_get_module_main_conf(cycle, ngx_http_consent_module);
  ngx_http_consent_built_t *b;

  for (b = mc ? mc->built : NULL; b != NULL; b = b->next)
    if (b->fetching) {
      atomic_store(&b->stop, 1);
      pthread_join(b->fetcher, NULL);
      b->fetching = 0;
    }
  consent_cache_free(consent_page_cache);
  consent_page_cache = NULL;
}


static ngx_int_t
ngx_http_consent_init(ngx_conf_t *cf)
{
  ngx_http_core_main_conf_t *cmcf;
  ngx_http_handler_pt *h;

  if (consent_version_num() < CONSENT_VERSION_NUM) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "consent: built for libconsent "
                       "%s, running with %s", CONSENT_VERSION_STRING,
                       consent_version());
    return NGX_ERROR;
  }
  cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
  h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
  if (h == NULL)
    return NGX_ERROR;
  *h = ngx_http_consent_access;
  ngx_http_next_header_filter = ngx_http_top_header_filter;
  ngx_http_top_header_filter = ngx_http_consent_header_filter;
  ngx_http_next_body_filter = ngx_http_top_body_filter;
  ngx_http_top_body_filter = ngx_http_consent_body_filter;
  return NGX_OK;
}
