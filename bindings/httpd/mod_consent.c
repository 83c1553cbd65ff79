/*
 * mod_consent.c: libconsent for Apache httpd 2.4.
 *
 *   - the output filter CONSENT gates text/html (and XHTML) responses
 *     while they stream: every embed the visitor has not allowed becomes a
 *     placeholder;
 *   - a handler answers the consent endpoint (ConsentEndpoint) and serves
 *     the script and style when they go by URL (ConsentScript url).
 *
 * Everything else (the rules of the endpoint, cookies, placeholders) is in
 * the library, so httpd behaves as every other host.  Build with apxs
 * (bindings/httpd/Makefile); directives in bindings/httpd/README.md.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "ap_config.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

#include <consent.h>

module AP_MODULE_DECLARE_DATA consent_module;

#define UNSET (-1)
#define FILTER_NAME "CONSENT"

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

/* Per directory (server and virtual host settings are the defaults of
 * their directories, so every directive works at every level). */
typedef struct {
  int enabled;
  const char *providers;            /* file, for messages and the key */
  consent_registry_t *registry;     /* loaded when the directive is read */
  const char *key_file;
  consent_keyring_t *ring;
  const char *cookie_name, *cookie_domain, *cookie_path;
  int cookie_flags;
  long long policy;                /* -1 (UNSET) or a policy version */
  long long max_age;
  const char *endpoint;
  const char *language;
  const char *template_file, *texts_file, *notice_template_file;
  int script_mode;
  const char *js_url, *css_url;
  long long buffer;
  apr_array_header_t *allow;        /* provider ids */
  const char *privacy_url;
  const char *receipt_log;
  apr_file_t *receipt_file;       /* opened by the parent (root) */
  int cache_safe;
  int guard;
  int notice;
  int gcm;                          /* ConsentGoogleConsentMode */
  int page_cache;                   /* ConsentPageCache */
  int sources;                      /* CONSENT_SOURCE_* bits */
  const char *gpc_categories;
  const char *proxies;            /* ConsentTrustedProxies */
  const char *previews_dir, *previews_url;
  const char *previews_ca;
  apr_array_header_t *previews_opts;  /* "resolve ENTRY", "trust ADDR",
                                         "NAME=VALUE" */
} consent_conf;

/* Built once per child for each distinct merged configuration. */
typedef struct {
  consent_gate_t *gate;
  consent_site_t *site;
  consent_previews_t *previews;
  apr_thread_t *fetcher;
  atomic_int stop;                /* set by the exiting child, read by
                                     its fetcher thread */
} consent_built;

static consent_registry_t *builtin_registry;
static consent_keyring_t *temporary_ring;
static apr_hash_t *built;           /* key: the settings, value: built */
static apr_thread_mutex_t *built_lock;

/* Gated pages kept per child (ConsentPageCache): one cache for every
 * location, bounded (libconsent's consent_cache). */
#define PAGE_CACHE_BYTES (16 * 1024 * 1024)
static consent_cache_t *page_cache;

static void *
create_dir_conf(apr_pool_t *p, char *dir)
{
  consent_conf *c = apr_pcalloc(p, sizeof(*c));

  (void)dir;
  c->enabled = UNSET;
  c->cookie_flags = UNSET;
  c->policy = UNSET;
  c->max_age = UNSET;
  c->script_mode = UNSET;
  c->buffer = UNSET;
  c->cache_safe = UNSET;
  c->guard = UNSET;
  c->notice = UNSET;
  c->gcm = UNSET;
  c->page_cache = UNSET;
  c->sources = UNSET;
  return c;
}

#define MERGE(f, unset) (add->f != (unset) ? add->f : base->f)

/* Settings that go together (a file and what was loaded from it, a
 * cookie's name and attributes, ...) come from the same level. */
static void *
merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
  consent_conf *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof(*c));
  const consent_conf *src;

  c->enabled = MERGE(enabled, UNSET);
  src = add->registry != NULL ? add : base;
  c->providers = src->providers;
  c->registry = src->registry;
  src = add->ring != NULL ? add : base;
  c->key_file = src->key_file;
  c->ring = src->ring;
  src = add->cookie_name != NULL ? add : base;
  c->cookie_name = src->cookie_name;
  c->cookie_domain = src->cookie_domain;
  c->cookie_path = src->cookie_path;
  c->cookie_flags = src->cookie_flags;
  c->policy = MERGE(policy, UNSET);
  c->max_age = MERGE(max_age, UNSET);
  c->endpoint = MERGE(endpoint, NULL);
  c->language = MERGE(language, NULL);
  c->template_file = MERGE(template_file, NULL);
  c->notice_template_file = MERGE(notice_template_file, NULL);
  c->texts_file = MERGE(texts_file, NULL);
  src = add->script_mode != UNSET ? add : base;
  c->script_mode = src->script_mode;
  c->js_url = src->js_url;
  c->css_url = src->css_url;
  c->buffer = MERGE(buffer, UNSET);
  c->allow = MERGE(allow, NULL);
  c->privacy_url = MERGE(privacy_url, NULL);
  c->receipt_log = MERGE(receipt_log, NULL);
  c->receipt_file = add->receipt_log ? add->receipt_file : base->receipt_file;
  c->cache_safe = MERGE(cache_safe, UNSET);
  c->guard = MERGE(guard, UNSET);
  c->notice = MERGE(notice, UNSET);
  c->gcm = MERGE(gcm, UNSET);
  c->page_cache = MERGE(page_cache, UNSET);
  c->sources = MERGE(sources, UNSET);
  c->gpc_categories = MERGE(gpc_categories, NULL);
  c->proxies = MERGE(proxies, NULL);
  src = add->previews_dir != NULL ? add : base;
  c->previews_dir = src->previews_dir;
  c->previews_url = src->previews_url;
  c->previews_ca = MERGE(previews_ca, NULL);
  c->previews_opts = MERGE(previews_opts, NULL);
  return c;
}

static apr_status_t
free_registry(void *r)
{
  consent_registry_free(r);
  return APR_SUCCESS;
}

static apr_status_t
free_ring(void *r)
{
  consent_keyring_free(r);
  return APR_SUCCESS;
}

static const char *
set_enabled(cmd_parms *cmd, void *cv, int on)
{
  ((consent_conf *)cv)->enabled = on;
  (void)cmd;
  return NULL;
}

static const char *
set_providers(cmd_parms *cmd, void *cv, const char *arg)
{
  consent_conf *c = cv;
  const char *path = ap_server_root_relative(cmd->pool, arg);
  consent_registry_t *r;
  consent_status st;
  const char *err;

  if (path == NULL)
    return apr_psprintf(cmd->pool, "ConsentProviders: bad path %s", arg);
  st = consent_registry_new(&r);
  if (st != CONSENT_OK)
    return "ConsentProviders: out of memory";
  st = consent_registry_load_file(r, path);
  if (st != CONSENT_OK) {
    err = apr_psprintf(cmd->pool, "ConsentProviders: %s",
                       *consent_registry_errmsg(r) ?
                       consent_registry_errmsg(r) : consent_strerror(st));
    consent_registry_free(r);
    return err;
  }
  apr_pool_cleanup_register(cmd->pool, r, free_registry,
                            apr_pool_cleanup_null);
  c->providers = path;
  c->registry = r;
  return NULL;
}

static const char *
set_key_file(cmd_parms *cmd, void *cv, const char *arg)
{
  consent_conf *c = cv;
  const char *path = ap_server_root_relative(cmd->pool, arg);
  consent_keyring_t *ring;
  consent_status st;
  char *msg = NULL;
  const char *err;

  if (path == NULL)
    return apr_psprintf(cmd->pool, "ConsentKeyFile: bad path %s", arg);
  st = consent_keyring_load_file(path, &ring, &msg);
  if (st != CONSENT_OK) {
    err = apr_psprintf(cmd->pool, "ConsentKeyFile: %s",
                       msg ? msg : consent_strerror(st));
    consent_free(msg);
    return err;
  }
  apr_pool_cleanup_register(cmd->pool, ring, free_ring,
                            apr_pool_cleanup_null);
  c->key_file = path;
  c->ring = ring;
  return NULL;
}

/* ConsentCookie NAME [domain=D] [path=/P] [insecure] [samesite=lax|strict|none]
 *               [httponly=off] */
static const char *
set_cookie(cmd_parms *cmd, void *cv, int argc, char *const argv[])
{
  consent_conf *c = cv;
  unsigned flags = CONSENT_COOKIE_DEFAULTS;
  char *probe = NULL;
  int i;

  if (argc < 1)
    return "ConsentCookie: a cookie name is required";
  c->cookie_domain = NULL;
  c->cookie_path = NULL;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strncasecmp(a, "domain=", 7) == 0) {
      c->cookie_domain = a + 7;
    } else if (strncasecmp(a, "path=", 5) == 0) {
      c->cookie_path = a + 5;
    } else if (strcasecmp(a, "insecure") == 0) {
      flags &= ~CONSENT_COOKIE_SECURE;
    } else if (strcasecmp(a, "httponly=off") == 0) {
      flags &= ~CONSENT_COOKIE_HTTPONLY;
    } else if (strncasecmp(a, "samesite=", 9) == 0) {
      flags &= ~(CONSENT_COOKIE_SAMESITE_LAX |
                 CONSENT_COOKIE_SAMESITE_STRICT);
      if (strcasecmp(a + 9, "lax") == 0)
        flags |= CONSENT_COOKIE_SAMESITE_LAX;
      else if (strcasecmp(a + 9, "strict") == 0)
        flags |= CONSENT_COOKIE_SAMESITE_STRICT;
      else if (strcasecmp(a + 9, "none") != 0)
        return apr_psprintf(cmd->pool, "ConsentCookie: samesite must be "
                            "lax, strict or none, not %s", a + 9);
    } else {
      return apr_psprintf(cmd->pool, "ConsentCookie: unknown attribute %s "
                          "(domain=, path=, insecure, httponly=off, "
                          "samesite=)", a);
    }
  }
  if (consent_set_cookie(argv[0], "", 0, 1, c->cookie_domain,
                         c->cookie_path, flags, &probe) != CONSENT_OK)
    return apr_psprintf(cmd->pool, "ConsentCookie: a cookie cannot have "
                        "the name or attributes given (%s)", argv[0]);
  consent_free(probe);
  c->cookie_name = argv[0];
  c->cookie_flags = (int)flags;
  return NULL;
}

static const char *
number(cmd_parms *cmd, const char *arg, long long min, long long max,
       long long *out)
{
  char *end;
  long long v = strtoll(arg, &end, 10);

  /* A size may end in K or M. */
  if (end != arg && (*end == 'K' || *end == 'k') && end[1] == '\0')
    v *= 1024, end++;
  else if (end != arg && (*end == 'M' || *end == 'm') && end[1] == '\0')
    v *= 1024 * 1024, end++;
  if (end == arg || *end != '\0' || v < min || v > max)
    return apr_psprintf(cmd->pool, "%s: %s is not a number from %"
                        APR_INT64_T_FMT " to %" APR_INT64_T_FMT,
                        cmd->cmd->name, arg, (apr_int64_t)min,
                        (apr_int64_t)max);
  *out = v;
  return NULL;
}

static const char *
set_policy(cmd_parms *cmd, void *cv, const char *arg)
{
  long long v;
  const char *err = number(cmd, arg, 0, CONSENT_POLICY_VERSION_MAX, &v);

  if (err == NULL)
    ((consent_conf *)cv)->policy = v;
  return err;
}

static const char *
set_max_age(cmd_parms *cmd, void *cv, const char *arg)
{
  return number(cmd, arg, 60, 5LL * 366 * 24 * 3600,
                &((consent_conf *)cv)->max_age);
}

static const char *
set_buffer(cmd_parms *cmd, void *cv, const char *arg)
{
  return number(cmd, arg, 4096, 1LL << 30, &((consent_conf *)cv)->buffer);
}

static const char *
set_path(cmd_parms *cmd, void *cv, const char *arg)
{
  consent_conf *c = cv;

  if (arg[0] != '/' || arg[1] == '/')
    return apr_psprintf(cmd->pool, "ConsentEndpoint: %s is not a path "
                        "(it starts with one '/')", arg);
  c->endpoint = arg;
  return NULL;
}

static const char *
set_language(cmd_parms *cmd, void *cv, const char *arg)
{
  consent_config_t *probe;
  consent_status st;

  if (consent_config_new(&probe) != CONSENT_OK)
    return "ConsentLanguage: out of memory";
  st = consent_config_set_language(probe, arg);
  consent_config_free(probe);
  /* A texts file may add the language: checked again when built. */
  if (st == CONSENT_E_INVAL)
    return apr_psprintf(cmd->pool, "ConsentLanguage: %s is not a "
                        "language tag", arg);
  ((consent_conf *)cv)->language = arg;
  return NULL;
}

/* The template and texts files are read here once to report mistakes at
 * startup, and again when a child builds its gate. */
static const char *
check_file(cmd_parms *cmd, const char *path, const char *kind)
{
  consent_config_t *probe;
  consent_status st;
  const char *err = NULL;

  if (consent_config_new(&probe) != CONSENT_OK)
    return "out of memory";
  st = kind == NULL ? consent_config_load_template(probe, path)
       : strcmp(kind, "texts") == 0 ? consent_config_load_texts(probe, path)
       : consent_config_load_notice_template(probe, path);
  if (st != CONSENT_OK)
    err = apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name,
                       *consent_config_errmsg(probe) ?
                       consent_config_errmsg(probe) : consent_strerror(st));
  consent_config_free(probe);
  return err;
}

/* ConsentTemplate FILE, ConsentTexts FILE and ConsentNoticeTemplate FILE
 * (cmd->info: NULL, "texts", "notice"). */
static const char *
set_checked_file(cmd_parms *cmd, void *cv, const char *arg)
{
  consent_conf *c = cv;
  const char *kind = cmd->info;
  const char *path = ap_server_root_relative(cmd->pool, arg);
  const char *err = path ? check_file(cmd, path, kind) : "bad path";

  if (err == NULL) {
    if (kind == NULL)
      c->template_file = path;
    else if (strcmp(kind, "texts") == 0)
      c->texts_file = path;
    else
      c->notice_template_file = path;
  }
  return err;
}

/* ConsentScript inline | none | url JS_URL [CSS_URL] */
static const char *
set_script(cmd_parms *cmd, void *cv, const char *mode, const char *js,
           const char *css)
{
  consent_conf *c = cv;

  if (strcasecmp(mode, "inline") == 0 || strcasecmp(mode, "none") == 0) {
    if (js != NULL)
      return "ConsentScript: only 'url' takes URLs";
    c->script_mode = strcasecmp(mode, "inline") == 0 ? CONSENT_SCRIPT_INLINE
                     : CONSENT_SCRIPT_NONE;
    c->js_url = c->css_url = NULL;
    return NULL;
  }
  if (strcasecmp(mode, "url") != 0)
    return apr_psprintf(cmd->pool, "ConsentScript: %s is not inline, url "
                        "or none", mode);
  if (js == NULL || js[0] != '/' || (css != NULL && css[0] != '/'))
    return "ConsentScript url: give the script's path (and the style's), "
           "e.g. /consent/consent.js /consent/consent.css";
  c->script_mode = CONSENT_SCRIPT_URL;
  c->js_url = js;
  c->css_url = css;
  return NULL;
}

static const char *
set_allow(cmd_parms *cmd, void *cv, const char *arg)
{
  consent_conf *c = cv;

  if (c->allow == NULL)
    c->allow = apr_array_make(cmd->pool, 4, sizeof(const char *));
  *(const char **)apr_array_push(c->allow) = arg;
  return NULL;
}

static const char *
set_string(cmd_parms *cmd, void *cv, const char *arg)
{
  int off = (int)(long)cmd->info;

  *(const char **)((char *)cv + off) = arg;
  return NULL;
}

static const char *
set_receipt_log(cmd_parms *cmd, void *cv, const char *arg)
{
  const char *path = ap_server_root_relative(cmd->pool, arg);

  apr_file_t *fh;
  apr_status_t rv;

  if (path == NULL)
    return "ConsentReceiptLog: bad path";
  /* Opened now, while the configuration is read by the parent (root, as
   * httpd opens its own logs): the children (www-data) inherit it. */
  rv = apr_file_open(&fh, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE |
                     APR_FOPEN_APPEND, APR_FPROT_UREAD | APR_FPROT_UWRITE |
                     APR_FPROT_GREAD, cmd->pool);
  if (rv != APR_SUCCESS) {
    char err[120];
    return apr_psprintf(cmd->pool, "ConsentReceiptLog: cannot open %s: %s",
                        path, apr_strerror(rv, err, sizeof(err)));
  }
  ((consent_conf *)cv)->receipt_log = path;
  ((consent_conf *)cv)->receipt_file = fh;
  return NULL;
}

/* ConsentSources cookie tcf klaro cookiebot onetrust cc_cookie borlabs gpc */
static const char *
set_sources(cmd_parms *cmd, void *cv, const char *args)
{
  unsigned sources;
  char *msg = NULL;

  if (consent_sources_from_names(args, &sources, &msg) != CONSENT_OK) {
    const char *why = apr_psprintf(cmd->pool, "ConsentSources: %s",
                                   msg ? msg : "out of memory");
    consent_free(msg);
    return why;
  }
  ((consent_conf *)cv)->sources = (int)sources;
  return NULL;
}

/* ConsentGPCCategories marketing analytics ... */
static const char *
set_gpc_categories(cmd_parms *cmd, void *cv, const char *args)
{
  consent_category cat;
  const char *p = args;

  while (*p) {
    size_t n;
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    n = strcspn(p, " \t,");
    if (n == 0)
      break;
    if (consent_category_from_name(p, n, &cat) != CONSENT_OK)
      return apr_psprintf(cmd->pool, "ConsentGPCCategories: '%.*s' is not "
                          "a category (video, audio, social, maps, charts, "
                          "documents, fonts, analytics, marketing, comments, "
                          "other)", (int)n, p);
    p += n;
  }
  ((consent_conf *)cv)->gpc_categories = args;
  return NULL;
}

/* ConsentTrustedProxies ADDR[/BITS] ... */
static const char *
set_proxies(cmd_parms *cmd, void *cv, const char *args)
{
  /* The library reads the list: a throw-away site tells whether it can. */
  consent_registry_t *reg = NULL;
  consent_keyring_t *ring = NULL;
  consent_site_t *probe = NULL;
  consent_status st;

  st = consent_registry_new_empty(&reg);
  if (st == CONSENT_OK)
    st = consent_keyring_new_temporary(&ring);
  if (st == CONSENT_OK)
    st = consent_site_new(reg, ring, &probe);
  if (st == CONSENT_OK)
    st = consent_site_trust_proxies(probe, args);
  consent_site_free(probe);
  consent_keyring_free(ring);
  consent_registry_free(reg);
  if (st != CONSENT_OK)
    return apr_psprintf(cmd->pool, "ConsentTrustedProxies: '%s': %s (give "
                        "addresses or ADDR/BITS networks, at most 16)", args,
                        consent_strerror(st));
  ((consent_conf *)cv)->proxies = args;
  return NULL;
}

/* ConsentPreviews DIR [/URL-PATH/] */
static const char *
set_previews(cmd_parms *cmd, void *cv, const char *dir, const char *url)
{
  consent_conf *c = cv;
  const char *path = ap_server_root_relative(cmd->pool, dir);
  apr_finfo_t fi;

  if (path == NULL || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->pool) !=
      APR_SUCCESS || fi.filetype != APR_DIR)
    return apr_psprintf(cmd->pool, "ConsentPreviews: %s is not a folder",
                        dir);
  if (url != NULL && (url[0] != '/' || url[strlen(url) - 1] != '/'))
    return "ConsentPreviews: the URL path starts and ends with '/'";
  c->previews_dir = path;
  c->previews_url = url ? url : "/consent-previews/";
  return NULL;
}

/* ConsentPreviewsFetch resolve=HOST:PORT:ADDR trust=IP ca=FILE NAME=VALUE... */
static const char *
set_previews_fetch(cmd_parms *cmd, void *cv, const char *arg)
{
  consent_conf *c = cv;

  if (strncmp(arg, "ca=", 3) == 0) {      /* relative to ServerRoot */
    c->previews_ca = ap_server_root_relative(cmd->pool, arg + 3);
    return NULL;
  }
  if (consent_previews_set_option(NULL, arg) != CONSENT_OK)
    return apr_psprintf(cmd->pool, "ConsentPreviewsFetch: '%s' is none of "
                        "ca=FILE, resolve=HOST:PORT:ADDR, trust=IP, "
                        "cache_bytes=, ttl=, error_ttl=, concurrency=, "
                        "timeout_ms=, max_json=, max_image= with a valid "
                        "value", arg);
  if (c->previews_opts == NULL)
    c->previews_opts = apr_array_make(cmd->pool, 4, sizeof(const char *));
  *(const char **)apr_array_push(c->previews_opts) = arg;
  return NULL;
}

static const char *
set_cache_safe(cmd_parms *cmd, void *cv, int on)
{
  (void)cmd;
  ((consent_conf *)cv)->cache_safe = on;
  return NULL;
}

static const char *
set_guard(cmd_parms *cmd, void *cv, int on)
{
  (void)cmd;
  ((consent_conf *)cv)->guard = on;
  return NULL;
}

static const char *
set_notice(cmd_parms *cmd, void *cv, int on)
{
  (void)cmd;
  ((consent_conf *)cv)->notice = on;
  return NULL;
}

static const char *
set_page_cache(cmd_parms *cmd, void *cv, int on)
{
  (void)cmd;
  ((consent_conf *)cv)->page_cache = on;
  return NULL;
}

static const char *
set_gcm(cmd_parms *cmd, void *cv, int on)
{
  (void)cmd;
  ((consent_conf *)cv)->gcm = on;
  return NULL;
}

#define WHERE (RSRC_CONF | ACCESS_CONF)

static const command_rec consent_cmds[] = {
  AP_INIT_FLAG("ConsentGate", set_enabled, NULL, WHERE | OR_OPTIONS,
               "On to gate the embeds of HTML responses"),
  AP_INIT_TAKE1("ConsentProviders", set_providers, NULL, WHERE,
                "a provider file (docs/providers.md)"),
  AP_INIT_TAKE1("ConsentKeyFile", set_key_file, NULL, WHERE,
                "the key ring that signs consent cookies (docs/cookie.md)"),
  AP_INIT_TAKE_ARGV("ConsentCookie", set_cookie, NULL, WHERE,
                    "NAME [domain=D] [path=/P] [insecure] [httponly=off] "
                    "[samesite=lax|strict|none]"),
  AP_INIT_TAKE1("ConsentPolicyVersion", set_policy, NULL, WHERE,
                "the site's privacy policy version (0-4294967295)"),
  AP_INIT_TAKE1("ConsentMaxAge", set_max_age, NULL, WHERE,
                "seconds an 'always' consent holds (default 365 days)"),
  AP_INIT_TAKE1("ConsentEndpoint", set_path, NULL, WHERE,
                "the consent endpoint's path, e.g. /consent"),
  AP_INIT_TAKE1("ConsentLanguage", set_language, NULL, WHERE,
                "the placeholders' default language (default en)"),
  AP_INIT_TAKE1("ConsentTemplate", set_checked_file, NULL, WHERE,
                "a placeholder template file (docs/placeholder.md)"),
  AP_INIT_TAKE1("ConsentNoticeTemplate", set_checked_file, "notice", WHERE,
                "a template file for the consent notice "
                "(docs/placeholder.md)"),
  AP_INIT_TAKE1("ConsentTexts", set_checked_file, "texts", WHERE,
                "a placeholder texts file (docs/placeholder.md)"),
  AP_INIT_TAKE123("ConsentScript", set_script, NULL, WHERE,
                 "inline | none | url JS_PATH [CSS_PATH]"),
  AP_INIT_TAKE1("ConsentBuffer", set_buffer, NULL, WHERE,
                "the most bytes held for one embed (default 1M)"),
  AP_INIT_ITERATE("ConsentAllow", set_allow, NULL, WHERE,
                  "providers allowed without consent (the site's own)"),
  AP_INIT_TAKE1("ConsentPrivacyURL", set_string,
                (void *)APR_OFFSETOF(consent_conf, privacy_url), WHERE,
                "the site's privacy policy, linked from placeholders"),
  AP_INIT_TAKE1("ConsentReceiptLog", set_receipt_log, NULL, WHERE,
                "a file for consent receipts (default: the error log)"),
  AP_INIT_FLAG("ConsentCacheSafe", set_cache_safe, NULL, WHERE,
               "On: the same page for every visitor, the script restores"),
  AP_INIT_FLAG("ConsentNotice", set_notice, NULL, WHERE,
               "Off: no consent notice for blocked trackers, pixels and "
               "fonts (On by default)"),
  AP_INIT_FLAG("ConsentPageCache", set_page_cache, NULL, WHERE,
               "Off: gate every response anew (On by default: a page with "
               "a strong validator is kept in memory per visitor's "
               "decisions, language and path)"),
  AP_INIT_FLAG("ConsentGoogleConsentMode", set_gcm, NULL, WHERE,
               "On: Google Consent Mode v2 defaults before the first "
               "Google tag (Off by default)"),
  AP_INIT_FLAG("ConsentGuard", set_guard, NULL, WHERE,
               "On: the runtime guard first in <head> (stops what scripts "
               "compute before consent)"),
  AP_INIT_TAKE12("ConsentPreviews", set_previews, NULL, WHERE,
                 "a cache folder for oEmbed previews (writable by httpd) "
                 "and the URL path it is served under (default "
                 "/consent-previews/)"),
  AP_INIT_ITERATE("ConsentPreviewsFetch", set_previews_fetch, NULL, WHERE,
                  "how previews are fetched: ca=FILE resolve=HOST:PORT:ADDR "
                  "trust=IP and limits NAME=VALUE"),
  AP_INIT_RAW_ARGS("ConsentSources", set_sources, NULL, WHERE,
                   "where consent comes from: cookie tcf klaro cookiebot "
                   "onetrust cc_cookie borlabs gpc (default: cookie gpc)"),
  AP_INIT_RAW_ARGS("ConsentTrustedProxies", set_proxies, NULL, WHERE,
                   "reverse proxies whose Forwarded / X-Forwarded-Proto and "
                   "X-Forwarded-Host headers the consent endpoint believes"),
  AP_INIT_RAW_ARGS("ConsentGPCCategories", set_gpc_categories, NULL, WHERE,
                   "categories Global Privacy Control refuses (default "
                   "marketing)"),
  { NULL }
};

/* ------------------------------------------------------------------ */
/* Building gates and sites                                            */

static consent_registry_t *
registry_of(const consent_conf *c)
{
  return c->registry != NULL ? c->registry : builtin_registry;
}

static consent_keyring_t *
ring_of(const consent_conf *c)
{
  return c->ring != NULL ? c->ring : temporary_ring;
}

/* What a built gate and site depend on. */
static const char *
settings_key(apr_pool_t *p, const consent_conf *c)
{
  const char *allow = "";
  int i;

  for (i = 0; c->allow != NULL && i < c->allow->nelts; i++)
    allow = apr_pstrcat(p, allow, APR_ARRAY_IDX(c->allow, i, const char *),
                        " ", NULL);
  return apr_psprintf(p, "%pp|%pp|%s|%s|%s|%d|%" APR_INT64_T_FMT "|%"
                      APR_INT64_T_FMT
                      "|%s|%s|%s|%s|%s|%d|%s|%s|%" APR_INT64_T_FMT "|%s|%s|%d|"
                      "%d|%d|%d|%d|%s|%s|%s|%s|%s|%pp",
                      (void *)registry_of(c), (void *)ring_of(c),
                      c->cookie_name ? c->cookie_name : "",
                      c->cookie_domain ? c->cookie_domain : "",
                      c->cookie_path ? c->cookie_path : "", c->cookie_flags,
                      (apr_int64_t)c->policy, (apr_int64_t)c->max_age,
                      c->endpoint ? c->endpoint : "",
                      c->language ? c->language : "",
                      c->template_file ? c->template_file : "",
                      c->notice_template_file ? c->notice_template_file : "",
                      c->texts_file ? c->texts_file : "", c->script_mode,
                      c->js_url ? c->js_url : "",
                      c->css_url ? c->css_url : "", (apr_int64_t)c->buffer,
                      allow,
                      c->privacy_url ? c->privacy_url : "", c->cache_safe,
                      c->guard, c->notice, c->gcm, c->sources,
                      c->gpc_categories ? c->gpc_categories
                      : "", c->proxies ? c->proxies : "",
                      c->previews_dir ? c->previews_dir : "",
                      c->previews_url ? c->previews_url : "",
                      c->previews_ca ? c->previews_ca : "",
                      (void *)c->previews_opts);
}

static consent_status
build(const consent_conf *c, consent_built *b, const char **what)
{
  consent_config_t *cfg = NULL;
  consent_status st;
  int i;

  st = consent_config_new(&cfg);
  *what = "the configuration";
  if (st == CONSENT_OK)
    st = consent_config_set_registry(cfg, registry_of(c));
  b->previews = NULL;
  if (st == CONSENT_OK && c->previews_dir != NULL) {
    *what = c->previews_dir;
    st = consent_previews_new(registry_of(c), c->previews_dir, &b->previews);
    if (st == CONSENT_OK)
      st = consent_previews_set_url_prefix(b->previews, c->previews_url);
    if (st == CONSENT_OK && c->previews_ca != NULL)
      st = consent_previews_set_ca_file(b->previews, c->previews_ca);
    for (i = 0; st == CONSENT_OK && c->previews_opts != NULL &&
         i < c->previews_opts->nelts; i++) {
      const char *o = APR_ARRAY_IDX(c->previews_opts, i, const char *);
      if ((st = consent_previews_set_option(b->previews, o)) != CONSENT_OK)
        *what = o;
    }
    if (st == CONSENT_OK)
      st = consent_config_set_previews(cfg, b->previews);
  }
  if (st == CONSENT_OK && c->texts_file != NULL &&
      (st = consent_config_load_texts(cfg, c->texts_file)) != CONSENT_OK)
    *what = c->texts_file;
  if (st == CONSENT_OK && c->template_file != NULL &&
      (st = consent_config_load_template(cfg, c->template_file)) !=
      CONSENT_OK)
    *what = c->template_file;
  if (st == CONSENT_OK && c->notice_template_file != NULL &&
      (st = consent_config_load_notice_template(cfg,
                                                c->notice_template_file)) !=
      CONSENT_OK)
    *what = c->notice_template_file;
  if (st == CONSENT_OK && c->language != NULL &&
      (st = consent_config_set_language(cfg, c->language)) != CONSENT_OK)
    *what = "ConsentLanguage (de, en, es, fr, it, nl, pl or one a texts "
            "file adds)";
  if (st == CONSENT_OK && c->buffer != UNSET)
    st = consent_config_set_max_buffer(cfg, (size_t)c->buffer);
  if (st == CONSENT_OK && c->endpoint != NULL)
    st = consent_config_set_endpoint(cfg, c->endpoint);
  if (st == CONSENT_OK && c->privacy_url != NULL)
    st = consent_config_set_privacy_url(cfg, c->privacy_url);
  if (st == CONSENT_OK && c->script_mode != UNSET)
    st = consent_config_set_script(cfg, (consent_script_mode)c->script_mode,
                                   c->js_url, c->css_url);
  if (st == CONSENT_OK && c->cache_safe != UNSET)
    st = consent_config_set_cache_safe(cfg, c->cache_safe);
  if (st == CONSENT_OK && c->guard != UNSET)
    st = consent_config_set_guard(cfg, c->guard);
  if (st == CONSENT_OK && c->notice != UNSET)
    st = consent_config_set_notice(cfg, c->notice);
  if (st == CONSENT_OK && c->gcm != UNSET)
    st = consent_config_set_google_consent_mode(cfg, c->gcm);
  for (i = 0; st == CONSENT_OK && c->allow != NULL && i < c->allow->nelts;
       i++)
    st = consent_config_allow_provider(cfg, APR_ARRAY_IDX(c->allow, i,
                                                          const char *));
  if (st == CONSENT_OK && (st = consent_gate_new(cfg, &b->gate)) !=
      CONSENT_OK)
    *what = "ConsentAllow (an unknown provider?)";
  consent_config_free(cfg);
  if (st != CONSENT_OK) {
    consent_previews_free(b->previews);
    b->previews = NULL;
    return st;
  }
  *what = "ConsentCookie";
  st = consent_site_new(registry_of(c), ring_of(c), &b->site);
  if (st == CONSENT_OK && c->cookie_name != NULL)
    st = consent_site_set_cookie(b->site, c->cookie_name, c->cookie_domain,
                                 c->cookie_path, (unsigned)c->cookie_flags);
  if (st == CONSENT_OK && c->max_age != UNSET)
    st = consent_site_set_max_age(b->site, c->max_age);
  if (st == CONSENT_OK && c->policy != UNSET)
    consent_site_set_policy_version(b->site, (unsigned)c->policy);
  if (st == CONSENT_OK && c->sources != UNSET)
    st = consent_site_set_sources(b->site, (unsigned)c->sources);
  if (st == CONSENT_OK && c->gpc_categories != NULL)
    st = consent_site_set_gpc_categories(b->site, c->gpc_categories);
  if (st == CONSENT_OK && c->proxies != NULL)
    st = consent_site_trust_proxies(b->site, c->proxies);
  if (st != CONSENT_OK) {
    consent_site_free(b->site);
    consent_gate_free(b->gate);
    consent_previews_free(b->previews);
    b->previews = NULL;
  }
  return st;
}

/* The preview fetcher of one cache, in a thread of this child: never on
 * the request path. */
static void *APR_THREAD_FUNC
fetcher(apr_thread_t *t, void *data)
{
  consent_built *b = data;

  while (!atomic_load(&b->stop)) {
    if (consent_previews_pending(b->previews) > 0)
      consent_previews_run(b->previews, 1000, NULL, NULL);
    else
      apr_sleep(apr_time_from_msec(250));
  }
  apr_thread_exit(t, APR_SUCCESS);
  return NULL;
}

/* The gate and site of a merged configuration, built on first use in
 * this child and kept for its life.  NULL (logged) when it cannot be
 * built. */
static const consent_built *
built_for(request_rec *r, const consent_conf *c)
{
  const char *key = settings_key(r->pool, c), *what = "";
  consent_built *b;
  consent_status st;

  apr_thread_mutex_lock(built_lock);
  b = apr_hash_get(built, key, APR_HASH_KEY_STRING);
  if (b == NULL) {
    apr_pool_t *hp = apr_hash_pool_get(built);
    b = apr_pcalloc(hp, sizeof(*b));
    st = build(c, b, &what);
    if (st == CONSENT_OK) {
      apr_hash_set(built, apr_pstrdup(hp, key), APR_HASH_KEY_STRING, b);
      if (b->previews != NULL &&
          apr_thread_create(&b->fetcher, NULL, fetcher, b, hp) !=
          APR_SUCCESS) {
        b->fetcher = NULL;
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mod_consent: cannot "
                      "start the preview fetcher");
      }
    } else {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mod_consent: cannot "
                    "build the gate: %s: %s", what, consent_strerror(st));
      b = NULL;
    }
  }
  apr_thread_mutex_unlock(built_lock);
  return b;
}

static apr_status_t
free_built(void *unused)
{
  apr_hash_index_t *hi;

  (void)unused;
  for (hi = apr_hash_first(NULL, built); hi; hi = apr_hash_next(hi)) {
    consent_built *b = apr_hash_this_val(hi);
    apr_status_t rv;
    atomic_store(&b->stop, 1);
    if (b->fetcher != NULL)
      apr_thread_join(&rv, b->fetcher);
    consent_site_free(b->site);
    consent_gate_free(b->gate);
    consent_previews_free(b->previews);
  }
  return APR_SUCCESS;
}

static apr_status_t
free_page_cache(void *c)
{
  consent_cache_free(c);
  page_cache = NULL;
  return APR_SUCCESS;
}

static void
child_init(apr_pool_t *p, server_rec *s)
{
  (void)s;
  built = apr_hash_make(p);
  apr_thread_mutex_create(&built_lock, APR_THREAD_MUTEX_DEFAULT, p);
  if (consent_cache_new(PAGE_CACHE_BYTES, &page_cache) == CONSENT_OK)
    apr_pool_cleanup_register(p, page_cache, free_page_cache,
                              apr_pool_cleanup_null);
  /* Before the child pool's subpools go (the fetcher threads' among
   * them): the fetchers stop and are joined first. */
  apr_pool_pre_cleanup_register(p, NULL, free_built);
}

/* A random key that lives as long as the configuration, for servers
 * without ConsentKeyFile: consent works, but ends at a restart and is not
 * shared with other servers (a warning says so). */
static consent_status
make_temporary_ring(apr_pool_t *p)
{
  consent_status st = consent_keyring_new_temporary(&temporary_ring);

  if (st == CONSENT_OK)
    apr_pool_cleanup_register(p, temporary_ring, free_ring,
                              apr_pool_cleanup_null);
  return st;
}

static int
post_config(apr_pool_t *p, apr_pool_t *plog, apr_pool_t *ptemp,
            server_rec *s)
{
  consent_conf *c;
  server_rec *v;

  (void)plog;
  (void)ptemp;
  if (consent_version_num() < CONSENT_VERSION_NUM) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "mod_consent: built for "
                 "libconsent %s, running with %s", CONSENT_VERSION_STRING,
                 consent_version());
    return HTTP_INTERNAL_SERVER_ERROR;
  }
  if (consent_registry_new(&builtin_registry) != CONSENT_OK ||
      make_temporary_ring(p) != CONSENT_OK)
    return HTTP_INTERNAL_SERVER_ERROR;
  apr_pool_cleanup_register(p, builtin_registry, free_registry,
                            apr_pool_cleanup_null);
  for (v = s; v != NULL; v = v->next) {
    c = ap_get_module_config(v->lookup_defaults, &consent_module);
    if (c != NULL && c->enabled == 1) {
      consent_built b;
      const char *what = "";
      consent_status st = build(c, &b, &what);
      if (st != CONSENT_OK) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, v, "mod_consent: %s: %s",
                     what, consent_strerror(st));
        return HTTP_INTERNAL_SERVER_ERROR;
      }
      consent_site_free(b.site);
      consent_gate_free(b.gate);
      consent_previews_free(b.previews);
    }
    if (c != NULL && c->endpoint != NULL && c->ring == NULL)
      ap_log_error(APLOG_MARK, APLOG_WARNING, 0, v, "mod_consent: no "
                   "ConsentKeyFile: consent cookies are signed with a "
                   "temporary key and end when httpd restarts");
  }
  ap_add_version_component(p, "libconsent/" CONSENT_VERSION_STRING);
  return OK;
}

/* ------------------------------------------------------------------ */
/* One request's consent                                               */

static int
copy_header(void *req, const char *name, const char *value)
{
  consent_request_set_header(req, name, value, strlen(value));
  return 1;
}

static apr_status_t
free_request(void *req)
{
  consent_request_free(req);
  return APR_SUCCESS;
}

static consent_request_t *
request_of(request_rec *r, const consent_built *b)
{
  consent_request_t *req;

  if (consent_request_new(b->site, strcmp(ap_http_scheme(r), "https") == 0,
                          &req) != CONSENT_OK)
    return NULL;
  apr_pool_cleanup_register(r->pool, req, free_request,
                            apr_pool_cleanup_null);
  apr_table_do(copy_header, req, r->headers_in, NULL);
  /* The TCP peer (not r->useragent_ip, which mod_remoteip may have
   * taken from a header). */
  consent_request_set_peer(req, r->connection->client_ip);
  return req;
}

/* ------------------------------------------------------------------ */
/* The filter                                                          */

typedef struct {
  consent_rewriter_t *rw;
  apr_bucket_brigade *out;
  ap_filter_t *f;
  int refused;                    /* the body is dropped: 502 sent */
  int hit, sent;                  /* ConsentPageCache: the kept copy */
} filter_ctx;

static int
sink(const char *buf, size_t len, void *ud)
{
  filter_ctx *ctx = ud;

  return apr_brigade_write(ctx->out, NULL, NULL, buf, len) == APR_SUCCESS
         ? 0 : 1;
}

/* The validator of a response whose gated bytes may be kept: its strong
 * ETag, or its Last-Modified and length.  NULL when it has none. */
static const char *
validator_of(request_rec *r)
{
  const char *etag = apr_table_get(r->headers_out, "ETag");
  const char *lm = apr_table_get(r->headers_out, "Last-Modified");
  const char *cl = apr_table_get(r->headers_out, "Content-Length");

  if (etag != NULL && *etag != '\0' && strncmp(etag, "W/", 2) != 0)
    return etag;
  if (lm != NULL && cl != NULL)
    return apr_pstrcat(r->pool, "lm:", lm, ":", cl, NULL);
  return NULL;
}

static apr_status_t
free_rewriter(void *rw)
{
  consent_rewriter_free(rw);
  return APR_SUCCESS;
}

/* The response's header `name` from headers_out and err_headers_out,
 * joined as one list. */
typedef struct {
  apr_pool_t *pool;
  const char *joined;
} join_ctx;

static int
join_value(void *ud, const char *key, const char *value)
{
  join_ctx *j = ud;

  (void)key;
  j->joined = j->joined ? apr_pstrcat(j->pool, j->joined, ", ", value, NULL)
              : value;
  return 1;
}

static const char *
out_header(request_rec *r, const char *name)
{
  join_ctx j = { r->pool, NULL };

  apr_table_do(join_value, &j, r->headers_out, name, NULL);
  apr_table_do(join_value, &j, r->err_headers_out, name, NULL);
  /* A static file's coding (AddEncoding, MultiViews: page.html.gz) is
   * r->content_encoding until the header filter writes it out. */
  if (strcasecmp(name, "Content-Encoding") == 0 &&
      r->content_encoding != NULL)
    join_value(&j, name, r->content_encoding);
  return j.joined;
}

static void
edit_headers(request_rec *r, const consent_built *b)
{
  consent_header_op op;
  const char *name, *value;
  size_t i;

  for (i = 0; consent_gate_header_edit(b->gate, b->site, i, &op, &name,
                                       &value); i++) {
    if (op == CONSENT_HEADER_REMOVE) {
      apr_table_unset(r->headers_out, name);
      apr_table_unset(r->err_headers_out, name);
    } else if (op == CONSENT_HEADER_SET)
      apr_table_setn(r->headers_out, name, value);
    else
      apr_table_mergen(r->headers_out, name, value);
  }
}

typedef struct {
  consent_rewriter_t *rw;
  request_rec *r;
  apr_table_t *kept;
  int failed;
} link_ctx;

static int
filter_link(void *ud, const char *key, const char *value)
{
  link_ctx *l = ud;
  char *out = NULL;

  if (strcasecmp(key, "Link") != 0)
    return 1;
  if (consent_rewriter_filter_link(l->rw, value, strlen(value), &out) !=
      CONSENT_OK) {
    l->failed = 1;
    return 0;
  }
  if (out != NULL) {
    apr_table_add(l->kept, "Link", out);
    consent_free(out);
  }
  return 1;
}

/* Link headers lose the links to providers not allowed. */
static int
filter_links(request_rec *r, consent_rewriter_t *rw)
{
  apr_table_t *const tables[2] = { r->headers_out, r->err_headers_out };
  int k;

  for (k = 0; k < 2; k++) {
    link_ctx l = { rw, r, apr_table_make(r->pool, 2), 0 };
    if (apr_table_get(tables[k], "Link") == NULL)
      continue;
    apr_table_do(filter_link, &l, tables[k], "Link", NULL);
    if (l.failed)
      return -1;
    apr_table_unset(tables[k], "Link");
    apr_table_overlap(tables[k], l.kept, APR_OVERLAP_TABLES_MERGE);
  }
  return 0;
}

/* Sets up the rewriter on the first brigade; 0 when the response is not
 * to be gated (the filter is removed), 2 for HEAD (headers only), -2
 * when it is refused. */
static int
start(ap_filter_t *f, filter_ctx *ctx)
{
  request_rec *r = f->r;
  consent_conf *c = ap_get_module_config(r->per_dir_config, &consent_module);
  const char *enc = out_header(r, "Content-Encoding");
  const char *type = r->content_type;
  consent_encoding coding;
  const consent_built *b;
  consent_request_t *req;
  const consent_state_t *state;
  const char *al, *reason, *lang = NULL, *validator = NULL;
  unsigned char key[CONSENT_CACHE_KEY_SIZE];
  consent_status why;
  consent_http_action act;

  if (r->main != NULL)
    return 0;
  act = consent_http_classify(r->status, type, type ? strlen(type) : 0,
                              enc, enc ? strlen(enc) : 0, &coding, &reason);
  if (act == CONSENT_HTTP_PASS)
    return 0;
  if (act == CONSENT_HTTP_REFUSE) {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mod_consent: refused "
                  "(502): %s", reason);
    return -2;
  }
  b = built_for(r, c);
  if (b == NULL)
    return -1;
  /* (read before the edits take the validators away) */
  if (c->page_cache != 0 && page_cache != NULL && b->previews == NULL &&
      r->status == HTTP_OK && r->method_number == M_GET && !r->header_only)
    validator = validator_of(r);
  edit_headers(r, b);
  if (r->header_only)
    return 2;                     /* headers as for GET, no body */
  if (r->status == HTTP_NO_CONTENT || r->status == HTTP_NOT_MODIFIED)
    return 0;
  if ((req = request_of(r, b)) == NULL ||
      (state = consent_request_state(req, 0, &why)) == NULL)
    return -1;
  if (why != CONSENT_OK && why != CONSENT_E_NOCOOKIE)
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "mod_consent: consent "
                  "cookie ignored: %s", consent_strerror(why));
  if (consent_rewriter_new(b->gate, sink, ctx, &ctx->rw) != CONSENT_OK)
    return -1;
  apr_pool_cleanup_register(r->pool, ctx->rw, free_rewriter,
                            apr_pool_cleanup_null);
  consent_rewriter_set_state(ctx->rw, state);
  al = apr_table_get(r->headers_in, "Accept-Language");
  if (al != NULL) {
    lang = consent_gate_negotiate_language(b->gate, al, strlen(al));
    consent_rewriter_set_language(ctx->rw, lang);
  }
  /* The page's own path for the placeholders' return field (the library
   * keeps only a path of this site). */
  consent_rewriter_set_return_path(ctx->rw, r->unparsed_uri);
  if (consent_rewriter_set_content_type(ctx->rw, type, type ? strlen(type)
                                        : 0) != CONSENT_OK ||
      consent_rewriter_set_encoding(ctx->rw, coding, coding) != CONSENT_OK ||
      filter_links(r, ctx->rw) != 0)
    return -1;
  ctx->out = apr_brigade_create(r->pool, f->c->bucket_alloc);
  ctx->f = f;
  /* ConsentPageCache: this visitor's copy of the page, if kept. */
  if (validator != NULL &&
      consent_cache_key(b->gate, state, 0, validator, strlen(validator),
                        coding, r->unparsed_uri, strlen(r->unparsed_uri),
                        lang, key) == CONSENT_OK) {
    const consent_cache_entry_t *entry;
    const char *data;
    size_t len;
    if (consent_cache_get(page_cache, key, 0, &entry, &data, &len)) {
      /* (a copy of its own: the core may keep buckets past the request) */
      APR_BRIGADE_INSERT_TAIL(ctx->out, apr_bucket_heap_create(
                                data, len, NULL, f->c->bucket_alloc));
      consent_cache_release(page_cache, entry);
      ap_set_content_length(r, (apr_off_t)len);
      ctx->hit = 1;
      return 1;
    }
    /* A miss: the rewriter keeps its output there when it ends. */
    if (consent_rewriter_set_cache(ctx->rw, page_cache, key, 0) !=
        CONSENT_OK)
      return -1;
  }
  return 1;
}

/* A page the gate cannot read: 502 instead, and nothing of the body. */
static apr_status_t
refuse(ap_filter_t *f, filter_ctx *ctx, apr_bucket_brigade *bb)
{
  request_rec *r = f->r;
  apr_bucket *e;

  ctx->refused = 1;
  apr_brigade_cleanup(bb);
  apr_table_unset(r->headers_out, "Content-Encoding");
  apr_table_unset(r->err_headers_out, "Content-Encoding");
  r->content_encoding = NULL;
  e = ap_bucket_error_create(HTTP_BAD_GATEWAY, NULL, r->pool,
                             f->c->bucket_alloc);
  APR_BRIGADE_INSERT_TAIL(bb, e);
  APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
  return ap_pass_brigade(f->next, bb);
}

static apr_status_t
fail(ap_filter_t *f, filter_ctx *ctx, const char *what)
{
  ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, f->r, "mod_consent: %s: %s", what,
                ctx->rw ? consent_rewriter_errmsg(ctx->rw) : "");
  /* Nothing more of this response goes out: an embed is never let
   * through. */
  return APR_EGENERAL;
}

#define SLICE ((apr_size_t)65536)

static apr_status_t
consent_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
  filter_ctx *ctx = f->ctx;
  apr_bucket *e;
  apr_status_t rv;

  if (ctx == NULL) {
    int go;
    f->ctx = ctx = apr_pcalloc(f->r->pool, sizeof(*ctx));
    go = start(f, ctx);
    if (go == -2)
      return refuse(f, ctx, bb);
    if (go == 2) {
      /* HEAD: the ungated body goes no further, so nothing after this
       * filter counts its length into Content-Length. */
      apr_bucket *e = APR_BRIGADE_FIRST(bb);
      while (e != APR_BRIGADE_SENTINEL(bb)) {
        apr_bucket *next = APR_BUCKET_NEXT(e);
        if (!APR_BUCKET_IS_METADATA(e))
          apr_bucket_delete(e);
        e = next;
      }
      ap_remove_output_filter(f);
      return ap_pass_brigade(f->next, bb);
    }
    if (go == 0) {
      ap_remove_output_filter(f);
      return ap_pass_brigade(f->next, bb);
    }
    if (go < 0) {
      apr_brigade_cleanup(bb);
      return fail(f, ctx, "cannot set up the gate");
    }
  }
  if (ctx->refused) {               /* the 502 went out instead */
    apr_brigade_cleanup(bb);
    return APR_SUCCESS;
  }
  if (ctx->rw == NULL) {            /* failed earlier */
    apr_brigade_cleanup(bb);
    return APR_EGENERAL;
  }
  if (ctx->hit) {
    /* The kept copy goes out; the page's own bytes are dropped unread. */
    e = APR_BRIGADE_FIRST(bb);
    while (e != APR_BRIGADE_SENTINEL(bb)) {
      apr_bucket *next = APR_BUCKET_NEXT(e);
      if (!APR_BUCKET_IS_METADATA(e))
        apr_bucket_delete(e);
      e = next;
    }
    if (!ctx->sent) {
      ctx->sent = 1;
      APR_BRIGADE_PREPEND(bb, ctx->out);
    }
    return ap_pass_brigade(f->next, bb);
  }
  while (!APR_BRIGADE_EMPTY(bb)) {
    e = APR_BRIGADE_FIRST(bb);
    if (APR_BUCKET_IS_EOS(e)) {
      if (consent_rewriter_end(ctx->rw) != CONSENT_OK)
        return fail(f, ctx, "cannot end the page");
      APR_BUCKET_REMOVE(e);
      APR_BRIGADE_INSERT_TAIL(ctx->out, e);
      ap_remove_output_filter(f);
      rv = ap_pass_brigade(f->next, ctx->out);
      apr_brigade_cleanup(ctx->out);
      return rv;
    }
    if (APR_BUCKET_IS_FLUSH(e)) {
      APR_BUCKET_REMOVE(e);
      APR_BRIGADE_INSERT_TAIL(ctx->out, e);
      rv = ap_pass_brigade(f->next, ctx->out);
      apr_brigade_cleanup(ctx->out);
      if (rv != APR_SUCCESS)
        return rv;
      continue;
    }
    if (APR_BUCKET_IS_METADATA(e)) {
      APR_BUCKET_REMOVE(e);
      APR_BRIGADE_INSERT_TAIL(ctx->out, e);
      continue;
    }
    {
      const char *data;
      apr_size_t len, off, n;
      rv = apr_bucket_read(e, &data, &len, APR_BLOCK_READ);
      if (rv != APR_SUCCESS)
        return rv;
      /* In slices, each passed on at once: the first bytes of a large
       * file go out before the rest is read, and a client that does not
       * read holds the filter in ap_pass_brigade (the core's flow
       * control) instead of the gated page piling up here. */
      for (off = 0; off < len; off += n) {
        n = len - off < SLICE ? len - off : SLICE;
        if (consent_rewriter_write(ctx->rw, data + off, n) != CONSENT_OK) {
          apr_brigade_cleanup(bb);
          return fail(f, ctx, "cannot gate the page");
        }
        if (!APR_BRIGADE_EMPTY(ctx->out)) {
          rv = ap_pass_brigade(f->next, ctx->out);
          apr_brigade_cleanup(ctx->out);
          if (rv != APR_SUCCESS) {
            apr_brigade_cleanup(bb);
            return rv;
          }
        }
      }
    }
    apr_bucket_delete(e);
  }
  if (APR_BRIGADE_EMPTY(ctx->out))
    return APR_SUCCESS;
  rv = ap_pass_brigade(f->next, ctx->out);
  apr_brigade_cleanup(ctx->out);
  return rv;
}

typedef struct {
  request_rec *r;
  int page;                       /* known to be a page: drop them all */
  apr_array_header_t *names;
} drop_ctx;

static int
collect_drop(void *ud, const char *key, const char *value)
{
  drop_ctx *d = ud;
  const char *uri = d->page ? NULL : d->r->uri;

  (void)value;
  if (consent_http_drop_request_header(uri, uri ? strlen(uri) : 0, key,
                                       strlen(key)))
    *(const char **)apr_array_push(d->names) = key;
  return 1;
}

/* A part of a page, or a 304 against the backend's or the file's own
 * validators, cannot be gated: the application or backend never sees
 * Range and the conditionals of a request that may get a page. */
static void
drop_request_headers(request_rec *r)
{
  drop_ctx d;
  const char *essence = r->content_type, *ae;
  char *out = NULL;
  int i;

  d.r = r;
  d.page = essence != NULL &&
           consent_http_classify(HTTP_OK, essence, strlen(essence), NULL, 0,
                                 NULL, NULL) == CONSENT_HTTP_GATE;
  d.names = apr_array_make(r->pool, 4, sizeof(const char *));
  apr_table_do(collect_drop, &d, r->headers_in, NULL);
  for (i = 0; i < d.names->nelts; i++)
    apr_table_unset(r->headers_in, APR_ARRAY_IDX(d.names, i, const char *));
  /* Only codings the gate reads come back. */
  if ((ae = apr_table_get(r->headers_in, "Accept-Encoding")) != NULL &&
      consent_http_accept_encoding(ae, strlen(ae), &out) == CONSENT_OK) {
    if (out != NULL)
      apr_table_set(r->headers_in, "Accept-Encoding", out);
    else
      apr_table_unset(r->headers_in, "Accept-Encoding");
    consent_free(out);
  }
}

static void
insert_filter(request_rec *r)
{
  consent_conf *c = ap_get_module_config(r->per_dir_config, &consent_module);

  if (c == NULL || c->enabled != 1 || r->main != NULL)
    return;
  if (c->endpoint != NULL && strcmp(r->uri, c->endpoint) == 0)
    return;
  drop_request_headers(r);
  ap_add_output_filter(FILTER_NAME, NULL, r, r->connection);
}

/* ------------------------------------------------------------------ */
/* The consent endpoint and the assets                                 */

static void
log_receipt(request_rec *r, const consent_conf *c, const char *json,
            size_t len)
{
  apr_file_t *fh;
  apr_size_t n = len;

  if (c->receipt_log == NULL) {
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "consent receipt: %.*s",
                  (int)len, json);
    return;
  }
  fh = c->receipt_file;
  /* One write of the whole line (O_APPEND): lines of several children
   * never mix. */
  n = len + 1;
  if (apr_file_write(fh, apr_pstrcat(r->pool, apr_pstrndup(r->pool, json,
                                                           len), "\n", NULL),
                     &n) != APR_SUCCESS || n != len + 1)
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mod_consent: cannot write "
                  "%s; consent receipt: %.*s", c->receipt_log, (int)len,
                  json);
}

/* Reads at most CONSENT_ENDPOINT_MAX_BODY + 1 bytes of the body. */
static int
read_body(request_rec *r, char *buf, size_t *len)
{
  long n;
  int rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);

  *len = 0;
  if (rc != OK)
    return rc;
  if (ap_should_client_block(r)) {
    while (*len <= CONSENT_ENDPOINT_MAX_BODY &&
           (n = ap_get_client_block(r, buf + *len,
                                    CONSENT_ENDPOINT_MAX_BODY + 1 - *len)) > 0)
      *len += (size_t)n;
    if (n < 0)
      return HTTP_BAD_REQUEST;
  }
  return OK;
}

static int
endpoint(request_rec *r, consent_conf *c)
{
  const consent_built *b = built_for(r, c);
  consent_request_t *req;
  char body[CONSENT_ENDPOINT_MAX_BODY + 1];
  size_t blen = 0, i, len;
  const char *name, *value, *text;
  int rc;

  if (b == NULL || (req = request_of(r, b)) == NULL)
    return HTTP_INTERNAL_SERVER_ERROR;
  if (r->method_number == M_POST && (rc = read_body(r, body, &blen)) != OK)
    return rc;
  consent_request_set_gate(req, b->gate);
  if (consent_request_endpoint(req, r->method, r->args,
                               r->args ? strlen(r->args) : 0, body, blen,
                               0) != CONSENT_OK)
    return HTTP_INTERNAL_SERVER_ERROR;
  ap_discard_request_body(r);
  r->status = consent_request_response_status(req);
  for (i = 0; consent_request_response_header(req, i, &name, &value); i++) {
    if (strcmp(name, "Content-Type") == 0)
      ap_set_content_type(r, apr_pstrdup(r->pool, value));
    else
      apr_table_add(r->err_headers_out, name, value);
  }
  text = consent_request_response_receipt(req, &len);
  if (text != NULL)
    log_receipt(r, c, text, len);
  else
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "mod_consent: endpoint: %s",
                  consent_request_response_reason(req));
  text = consent_request_response_body(req, &len);
  if (!r->header_only)
    ap_rwrite(text, (int)len, r);
  return OK;
}

static int
asset(request_rec *r, consent_asset_id which)
{
  size_t len;
  const char *text = consent_asset(which, &len);

  if (r->method_number != M_GET)
    return HTTP_METHOD_NOT_ALLOWED;
  ap_set_content_type(r, which == CONSENT_ASSET_SCRIPT
                      ? "text/javascript; charset=utf-8"
                      : "text/css; charset=utf-8");
  apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=86400");
  ap_set_content_length(r, (apr_off_t)len);
  if (!r->header_only)
    ap_rwrite(text, (int)len, r);
  return OK;
}

/* A preview file from the cache folder (the names the library allows). */
static int
preview_file(request_rec *r, const consent_conf *c, const char *name)
{
  const char *type = consent_previews_file_type(name, strlen(name));
  apr_file_t *fh;
  apr_finfo_t fi;
  apr_size_t n;
  char *buf;

  if (r->method_number != M_GET)
    return HTTP_METHOD_NOT_ALLOWED;
  if (type == NULL)
    return HTTP_NOT_FOUND;
  if (apr_file_open(&fh, apr_pstrcat(r->pool, c->previews_dir, "/", name,
                                     NULL), APR_FOPEN_READ, 0, r->pool) !=
      APR_SUCCESS)
    return HTTP_NOT_FOUND;
  if (apr_file_info_get(&fi, APR_FINFO_SIZE, fh) != APR_SUCCESS ||
      fi.size > (32 << 20)) {
    apr_file_close(fh);
    return HTTP_NOT_FOUND;
  }
  n = (apr_size_t)fi.size;
  buf = apr_palloc(r->pool, n + 1);
  if (apr_file_read_full(fh, buf, n, &n) != APR_SUCCESS) {
    apr_file_close(fh);
    return HTTP_INTERNAL_SERVER_ERROR;
  }
  apr_file_close(fh);
  ap_set_content_type(r, type);
  apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=604800");
  apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
  ap_set_content_length(r, (apr_off_t)n);
  if (!r->header_only)
    ap_rwrite(buf, (int)n, r);
  return OK;
}

static int
handler(request_rec *r)
{
  consent_conf *c = ap_get_module_config(r->per_dir_config, &consent_module);

  if (c == NULL || r->main != NULL)
    return DECLINED;
  if (c->endpoint != NULL && strcmp(r->uri, c->endpoint) == 0)
    return endpoint(r, c);
  if (c->previews_dir != NULL &&
      strncmp(r->uri, c->previews_url, strlen(c->previews_url)) == 0)
    return preview_file(r, c, r->uri + strlen(c->previews_url));
  if (c->script_mode == CONSENT_SCRIPT_URL) {
    if (c->js_url != NULL && strcmp(r->uri, c->js_url) == 0)
      return asset(r, CONSENT_ASSET_SCRIPT);
    if (c->css_url != NULL && strcmp(r->uri, c->css_url) == 0)
      return asset(r, CONSENT_ASSET_STYLE);
  }
  return DECLINED;
}

static void
register_hooks(apr_pool_t *p)
{
  (void)p;
  ap_register_output_filter(FILTER_NAME, consent_filter, NULL,
                            AP_FTYPE_RESOURCE);
  ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
  ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
  ap_hook_insert_filter(insert_filter, NULL, NULL, APR_HOOK_MIDDLE);
  ap_hook_handler(handler, NULL, NULL, APR_HOOK_FIRST);
}

AP_DECLARE_MODULE(consent) = {
  STANDARD20_MODULE_STUFF,
  create_dir_conf,
  merge_dir_conf,
  NULL,
  NULL,
  consent_cmds,
  register_hooks,
  0
};
