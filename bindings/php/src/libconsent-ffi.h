#define FFI_SCOPE "libconsent"
#define FFI_LIB "libconsent.so.0"
/*
 * libconsent-ffi.h: the declarations PHP's FFI needs of libconsent,
 * generated from include/consent.h by tools/gen-php-ffi.sh (do not edit),
 * read by Consent.php (FFI::cdef) or preloaded by PHP with
 * ffi.preload=PATH/libconsent-ffi.h (then found as the scope
 * "libconsent").  FFI_LIB is the library as the loader finds it after
 * make install and ldconfig; put a full path there for a library
 * elsewhere.
 */
typedef enum consent_status {
  CONSENT_OK = 0, CONSENT_E_NOMEM = 1, CONSENT_E_INVAL = 2, CONSENT_E_SINK = 3, CONSENT_E_FAILED = 4, CONSENT_E_FINISHED = 5, CONSENT_E_LIMIT = 6, CONSENT_E_IO = 7, CONSENT_E_PARSE = 8, CONSENT_E_NOTFOUND = 9, CONSENT_E_CRYPTO = 10, CONSENT_E_NOCOOKIE = 11, CONSENT_E_COOKIE_MALFORMED = 12, CONSENT_E_COOKIE_VERSION = 13, CONSENT_E_COOKIE_KEY = 14, CONSENT_E_COOKIE_MAC = 15, CONSENT_E_COOKIE_EXPIRED = 16, CONSENT_E_COOKIE_FUTURE = 17, CONSENT_E_COOKIE_SIZE = 18, CONSENT_E_COOKIE_OUTDATED = 19, CONSENT_E_ENCODING = 20, CONSENT_E_UNSUPPORTED = 21,
  CONSENT__STATUS_END
} consent_status;
const char *
consent_version(void);
unsigned int
consent_version_num(void);
const char *
consent_strerror(consent_status status);
const char *
consent_status_name(consent_status status);
void
consent_free(void *ptr);
typedef enum consent_category {
  CONSENT_CATEGORY_VIDEO = 0,
  CONSENT_CATEGORY_AUDIO = 1,
  CONSENT_CATEGORY_SOCIAL = 2,
  CONSENT_CATEGORY_MAPS = 3,
  CONSENT_CATEGORY_CHARTS = 4,
  CONSENT_CATEGORY_DOCUMENTS = 5,
  CONSENT_CATEGORY_FONTS = 6,
  CONSENT_CATEGORY_ANALYTICS = 7,
  CONSENT_CATEGORY_MARKETING = 8,
  CONSENT_CATEGORY_COMMENTS = 9,
  CONSENT_CATEGORY_OTHER = 10,
  CONSENT__CATEGORY_END
} consent_category;
const char *
consent_category_name(consent_category category);
consent_status
consent_category_from_name(const char *name, size_t len,
                           consent_category *category);
typedef struct consent_registry consent_registry_t;
consent_status
consent_registry_new(consent_registry_t **registry);
consent_status
consent_registry_new_empty(consent_registry_t **registry);
consent_status
consent_registry_load_file(consent_registry_t *registry, const char *path);
consent_status
consent_registry_load_buffer(consent_registry_t *registry, const char *buf,
                             size_t len, const char *name);
const char *
consent_registry_errmsg(const consent_registry_t *registry);
void
consent_registry_free(consent_registry_t *registry);
size_t
consent_registry_count(const consent_registry_t *registry);
const char *
consent_registry_id(const consent_registry_t *registry, size_t index);
typedef enum consent_provider_field {
  CONSENT_FIELD_NAME = 0,
  CONSENT_FIELD_CATEGORY = 1,
  CONSENT_FIELD_PRIVACY = 2,
  CONSENT_FIELD_OEMBED = 3,
  CONSENT_FIELD_HOSTS = 4
} consent_provider_field;
const char *
consent_registry_get(const consent_registry_t *registry, const char *id,
                     consent_provider_field field);
consent_status
consent_registry_match_url(const consent_registry_t *registry,
                           const char *url, size_t len, const char **id);
typedef struct consent_keyring consent_keyring_t;
consent_status
consent_keyring_load_file(const char *path, consent_keyring_t **ring,
                          char **errmsg);
consent_status
consent_keyring_load_buffer(const char *buf, size_t len, const char *name,
                            consent_keyring_t **ring, char **errmsg);
consent_status
consent_keyring_new_temporary(consent_keyring_t **ring);
void
consent_keyring_free(consent_keyring_t *ring);
unsigned int
consent_keyring_signing_key(const consent_keyring_t *ring);
consent_status
consent_keyring_add_key(const char *path, long long now,
                        unsigned int *key_id, char **errmsg);
typedef struct consent_state consent_state_t;
consent_status
consent_state_new(const consent_registry_t *registry,
                  consent_state_t **state);
void
consent_state_free(consent_state_t *state);
consent_status
consent_state_set_provider(consent_state_t *state, const char *id,
                           int allow, long long when);
consent_status
consent_state_set_category(consent_state_t *state,
                           consent_category category, int allow,
                           long long when);
void
consent_state_clear(consent_state_t *state);
void
consent_state_set_policy_version(consent_state_t *state,
                                 unsigned int version);
consent_status
consent_state_set_max_age(consent_state_t *state, long long seconds);
int
consent_state_allows(const consent_state_t *state, const char *id,
                     long long now);
consent_status
consent_state_to_json(const consent_state_t *state, long long now,
                      char **json);
typedef void (*consent_receipt_fn)(const char *json, size_t len,
                                   void *user_data);
consent_status
consent_cookie_issue(consent_state_t *state, const consent_keyring_t *ring,
                     long long now, consent_receipt_fn receipt,
                     void *user_data, char **value, size_t *len);
consent_status
consent_cookie_verify(const consent_registry_t *registry,
                      const consent_keyring_t *ring, const char *value,
                      size_t len, unsigned int policy_version,
                      long long now, consent_state_t **state);
consent_status
consent_cookie_from_header(const consent_registry_t *registry,
                           const consent_keyring_t *ring,
                           const char *header, size_t len,
                           const char *name, unsigned int policy_version,
                           long long now, consent_state_t **state);
consent_status
consent_set_cookie(const char *name, const char *value, size_t value_len,
                   long long max_age, const char *domain, const char *path,
                   unsigned int flags, char **out);
typedef struct consent_config consent_config_t;
consent_status
consent_config_new(consent_config_t **config);
void
consent_config_free(consent_config_t *config);
consent_status
consent_config_set_max_buffer(consent_config_t *config, size_t bytes);
consent_status
consent_config_set_registry(consent_config_t *config,
                            const consent_registry_t *registry);
consent_status
consent_config_set_language(consent_config_t *config, const char *tag);
consent_status
consent_config_load_texts(consent_config_t *config, const char *path);
consent_status
consent_config_load_template(consent_config_t *config, const char *path);
consent_status
consent_config_load_notice_template(consent_config_t *config,
                                    const char *path);
const char *
consent_config_errmsg(const consent_config_t *config);
consent_status
consent_config_set_privacy_url(consent_config_t *config, const char *url);
consent_status
consent_config_set_endpoint(consent_config_t *config, const char *url);
typedef enum consent_script_mode {
  CONSENT_SCRIPT_INLINE = 0,
  CONSENT_SCRIPT_URL = 1,
  CONSENT_SCRIPT_NONE = 2
} consent_script_mode;
consent_status
consent_config_set_script(consent_config_t *config, consent_script_mode mode,
                          const char *js_url, const char *css_url);
consent_status
consent_config_set_cache_safe(consent_config_t *config, int on);
consent_status
consent_config_set_guard(consent_config_t *config, int on);
consent_status
consent_config_set_notice(consent_config_t *config, int on);
consent_status
consent_config_set_google_consent_mode(consent_config_t *config, int on);
consent_status
consent_config_allow_provider(consent_config_t *config, const char *id);
typedef struct consent_gate consent_gate_t;
consent_status
consent_gate_new(const consent_config_t *config, consent_gate_t **gate);
void
consent_gate_free(consent_gate_t *gate);
const char *
consent_gate_negotiate_language(const consent_gate_t *gate,
                                const char *accept_language, size_t len);
typedef struct consent_rewriter consent_rewriter_t;
typedef int (*consent_sink_fn)(const char *buf, size_t len,
                               void *user_data);
consent_status
consent_rewriter_new(const consent_gate_t *gate, consent_sink_fn sink,
                     void *user_data, consent_rewriter_t **rw);
consent_status
consent_rewriter_new_buffered(const consent_gate_t *gate,
                              consent_rewriter_t **rw);
const void *
consent_rewriter_take(consent_rewriter_t *rw, size_t *len);
consent_status
consent_rewriter_set_state(consent_rewriter_t *rw,
                           const consent_state_t *state);
consent_status
consent_rewriter_set_language(consent_rewriter_t *rw, const char *tag);
consent_status
consent_rewriter_set_nonce(consent_rewriter_t *rw, const char *nonce);
consent_status
consent_rewriter_set_time(consent_rewriter_t *rw, long long now);
consent_status
consent_rewriter_set_return_path(consent_rewriter_t *rw, const char *path);
typedef enum consent_encoding {
  CONSENT_ENCODING_IDENTITY = 0,
  CONSENT_ENCODING_GZIP = 1,
  CONSENT_ENCODING_DEFLATE = 2,
  CONSENT_ENCODING_BR = 3,
  CONSENT_ENCODING_ZSTD = 4
} consent_encoding;
consent_status
consent_rewriter_set_encoding(consent_rewriter_t *rw, consent_encoding in,
                              consent_encoding out);
consent_status
consent_rewriter_set_content_type(consent_rewriter_t *rw, const char *value,
                                  size_t len);
consent_status
consent_rewriter_filter_link(const consent_rewriter_t *rw, const char *value,
                             size_t len, char **out);
typedef enum consent_action {
  CONSENT_ACTION_GATED = 0,
  CONSENT_ACTION_ALLOWED = 1,
  CONSENT_ACTION_DROPPED = 2
} consent_action;
typedef void (*consent_report_fn)(const char *provider, const char *element,
                                  unsigned long line, consent_action action,
                                  void *user_data);
consent_status
consent_rewriter_set_report(consent_rewriter_t *rw, consent_report_fn fn,
                            void *user_data);
consent_status
consent_rewriter_write(consent_rewriter_t *rw, const char *buf,
                       size_t len);
consent_status
consent_rewriter_end(consent_rewriter_t *rw);
const char *
consent_rewriter_errmsg(const consent_rewriter_t *rw);
void
consent_rewriter_free(consent_rewriter_t *rw);
consent_status
consent_rewrite(const consent_gate_t *gate, const char *in, size_t len,
                char **out, size_t *out_len);
typedef struct consent_site consent_site_t;
consent_status
consent_site_new(const consent_registry_t *registry,
                 const consent_keyring_t *ring, consent_site_t **site);
void
consent_site_free(consent_site_t *site);
consent_status
consent_site_set_cookie(consent_site_t *site, const char *name,
                        const char *domain, const char *path,
                        unsigned int flags);
void
consent_site_set_policy_version(consent_site_t *site, unsigned int version);
consent_status
consent_site_set_max_age(consent_site_t *site, long long seconds);
consent_status
consent_site_set_sources(consent_site_t *site, unsigned int sources);
consent_status
consent_sources_from_names(const char *list, unsigned int *sources,
                           char **errmsg);
consent_status
consent_site_set_gpc_categories(consent_site_t *site, const char *list);
consent_status
consent_site_trust_proxies(consent_site_t *site, const char *list);
typedef struct consent_request consent_request_t;
consent_status
consent_request_new(const consent_site_t *site, int https,
                    consent_request_t **req);
void
consent_request_free(consent_request_t *req);
consent_status
consent_request_set_header(consent_request_t *req, const char *name,
                           const char *value, size_t len);
consent_status
consent_request_set_peer(consent_request_t *req, const char *address);
consent_status
consent_request_set_gate(consent_request_t *req, const consent_gate_t *gate);
const consent_state_t *
consent_request_state(consent_request_t *req, long long now,
                      consent_status *why);
consent_status
consent_request_endpoint(consent_request_t *req, const char *method,
                         const char *query, size_t query_len,
                         const char *body, size_t body_len, long long now);
int
consent_request_response_status(const consent_request_t *req);
int
consent_request_response_header(const consent_request_t *req, size_t i,
                        const char **name, const char **value);
const void *
consent_request_response_body(const consent_request_t *req, size_t *len);
const void *
consent_request_response_receipt(const consent_request_t *req, size_t *len);
const char *
consent_request_response_reason(const consent_request_t *req);
typedef enum consent_http_action {
  CONSENT_HTTP_PASS = 0,
  CONSENT_HTTP_GATE = 1,
  CONSENT_HTTP_REFUSE = 2
} consent_http_action;
consent_http_action
consent_http_classify(int status, const char *content_type, size_t type_len,
                      const char *content_encoding, size_t encoding_len,
                      consent_encoding *coding, const char **reason);
int
consent_http_drop_request_header(const char *path, size_t path_len,
                                 const char *name, size_t name_len);
consent_status
consent_http_accept_encoding(const char *value, size_t len, char **out);
typedef enum consent_header_op {
  CONSENT_HEADER_REMOVE = 0,
  CONSENT_HEADER_SET = 1,
  CONSENT_HEADER_MERGE = 2
} consent_header_op;
int
consent_gate_header_edit(const consent_gate_t *gate,
                         const consent_site_t *site, size_t i,
                         consent_header_op *op, const char **name,
                         const char **value);
consent_status
consent_banner_read(const consent_registry_t *registry, unsigned int source,
                    const char *value, size_t len, consent_state_t *state,
                    long long now, char **errmsg);
consent_status
consent_tcf_decode(const char *tc, size_t len, char **json, char **errmsg);
typedef struct consent_previews consent_previews_t;
consent_status
consent_previews_new(const consent_registry_t *registry, const char *dir,
                     consent_previews_t **pv);
void
consent_previews_free(consent_previews_t *pv);
typedef enum consent_preview_option {
  CONSENT_PREVIEW_CACHE_BYTES = 0,
  CONSENT_PREVIEW_TTL = 1,
  CONSENT_PREVIEW_ERROR_TTL = 2,
  CONSENT_PREVIEW_CONCURRENCY = 3,
  CONSENT_PREVIEW_TIMEOUT_MS = 4,
  CONSENT_PREVIEW_MAX_JSON = 5,
  CONSENT_PREVIEW_MAX_IMAGE = 6,
  CONSENT_PREVIEW_MEMORY = 7
} consent_preview_option;
consent_status
consent_previews_set_limit(consent_previews_t *pv,
                           consent_preview_option option, long long value);
consent_status
consent_previews_set_option(consent_previews_t *pv, const char *option);
const char *
consent_previews_file_type(const char *name, size_t len);
consent_status
consent_previews_set_url_prefix(consent_previews_t *pv, const char *prefix);
consent_status
consent_previews_set_ca_file(consent_previews_t *pv, const char *path);
consent_status
consent_previews_add_resolve(consent_previews_t *pv, const char *entry);
consent_status
consent_previews_trust_address(consent_previews_t *pv, const char *address);
consent_status
consent_previews_queue(consent_previews_t *pv, const char *url, size_t len);
size_t
consent_previews_pending(consent_previews_t *pv);
consent_status
consent_previews_run(consent_previews_t *pv, long long max_ms,
                     unsigned int *fetched, unsigned int *failed);
consent_status
consent_config_set_previews(consent_config_t *config,
                            consent_previews_t *pv);
typedef struct consent_cache consent_cache_t;
typedef struct consent_cache_entry consent_cache_entry_t;
consent_status
consent_cache_new(size_t max_bytes, consent_cache_t **cache);
void
consent_cache_free(consent_cache_t *cache);
consent_status
consent_cache_key(const consent_gate_t *gate, const consent_state_t *state,
                  long long now, const char *validator, size_t vlen,
                  consent_encoding coding, const char *path, size_t plen,
                  const char *lang,
                  unsigned char key[32]);
int
consent_cache_get(consent_cache_t *cache,
                  const unsigned char key[32],
                  long long now, const consent_cache_entry_t **entry,
                  const char **data, size_t *len);
void
consent_cache_release(consent_cache_t *cache,
                      const consent_cache_entry_t *entry);
consent_status
consent_cache_put(consent_cache_t *cache,
                  const unsigned char key[32],
                  const char *data, size_t len, long long max_age,
                  long long now);
consent_status
consent_rewriter_set_cache(consent_rewriter_t *rw, consent_cache_t *cache,
                           const unsigned char key[32],
                           long long max_age);
void
consent_cache_stats(consent_cache_t *cache, size_t *entries, size_t *bytes,
                    unsigned long *hits, unsigned long *misses);
typedef enum consent_asset_id {
  CONSENT_ASSET_SCRIPT = 0,
  CONSENT_ASSET_STYLE = 1,
  CONSENT_ASSET_GUARD = 2
} consent_asset_id;
const char *
consent_asset(consent_asset_id which, size_t *len);
