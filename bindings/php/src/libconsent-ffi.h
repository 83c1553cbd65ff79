#define FFI_SCOPE "libconsent"
#define FFI_LIB "libconsent.so.0"
/*
 * libconsent-ffi.h: the declarations PHP's FFI needs of libconsent
 * (include/consent.h), read by Consent.php (FFI::cdef), or preloaded by
 * PHP with ffi.preload=PATH/libconsent-ffi.h (then found as the scope
 * "libconsent").  FFI_LIB is the library as the loader finds it after make
 * install and ldconfig; put a full path there for a library elsewhere.
 */
typedef int consent_status;
typedef struct consent_registry consent_registry_t;
typedef struct consent_keyring consent_keyring_t;
typedef struct consent_state consent_state_t;
typedef struct consent_config consent_config_t;
typedef struct consent_gate consent_gate_t;
typedef struct consent_rewriter consent_rewriter_t;
typedef struct consent_site consent_site_t;
typedef struct consent_request consent_request_t;
const char *consent_version(void);
unsigned int consent_version_num(void);
const char *consent_strerror(consent_status status);
void consent_free(void *ptr);
consent_status consent_registry_new(consent_registry_t **registry);
consent_status consent_registry_load_file(consent_registry_t *registry, const char *path);
const char *consent_registry_errmsg(const consent_registry_t *registry);
void consent_registry_free(consent_registry_t *registry);
size_t consent_registry_count(const consent_registry_t *registry);
consent_status consent_keyring_load_file(const char *path, consent_keyring_t **ring, char **errmsg);
consent_status consent_keyring_load_buffer(const char *buf, size_t len, const char *name, consent_keyring_t **ring, char **errmsg);
const char *consent_asset(int which, size_t *len);
void consent_keyring_free(consent_keyring_t *ring);
int consent_state_allows(const consent_state_t *state, const char *id, long long now);
consent_status consent_config_new(consent_config_t **config);
void consent_config_free(consent_config_t *config);
consent_status consent_config_set_max_buffer(consent_config_t *config, size_t bytes);
consent_status consent_config_set_registry(consent_config_t *config, const consent_registry_t *registry);
consent_status consent_config_set_language(consent_config_t *config, const char *tag);
consent_status consent_config_load_texts(consent_config_t *config, const char *path);
consent_status consent_config_load_template(consent_config_t *config, const char *path);
const char *consent_config_errmsg(const consent_config_t *config);
consent_status consent_config_set_privacy_url(consent_config_t *config, const char *url);
consent_status consent_config_set_endpoint(consent_config_t *config, const char *url);
consent_status consent_config_set_script(consent_config_t *config, int mode, const char *js_url, const char *css_url);
consent_status consent_config_set_cache_safe(consent_config_t *config, int on);
consent_status consent_config_set_guard(consent_config_t *config, int on);
consent_status consent_config_set_notice(consent_config_t *config, int on);
consent_status consent_config_set_google_consent_mode(consent_config_t *config, int on);
consent_status consent_config_allow_provider(consent_config_t *config, const char *id);
consent_status consent_gate_new(const consent_config_t *config, consent_gate_t **gate);
void consent_gate_free(consent_gate_t *gate);
const char *consent_gate_negotiate_language(const consent_gate_t *gate, const char *accept_language, size_t len);
consent_status consent_rewriter_new_buffered(const consent_gate_t *gate, consent_rewriter_t **rw);
const void *consent_rewriter_take(consent_rewriter_t *rw, size_t *len);
consent_status consent_rewriter_set_state(consent_rewriter_t *rw, const consent_state_t *state);
consent_status consent_rewriter_set_language(consent_rewriter_t *rw, const char *tag);
consent_status consent_rewriter_set_nonce(consent_rewriter_t *rw, const char *nonce);
consent_status consent_rewriter_set_return_path(consent_rewriter_t *rw, const char *path);
consent_status consent_rewriter_write(consent_rewriter_t *rw, const char *buf, size_t len);
consent_status consent_rewriter_end(consent_rewriter_t *rw);
const char *consent_rewriter_errmsg(const consent_rewriter_t *rw);
void consent_rewriter_free(consent_rewriter_t *rw);
consent_status consent_site_new(const consent_registry_t *registry, const consent_keyring_t *ring, consent_site_t **site);
void consent_site_free(consent_site_t *site);
consent_status consent_site_set_cookie(consent_site_t *site, const char *name, const char *domain, const char *path, unsigned int flags);
void consent_site_set_policy_version(consent_site_t *site, unsigned int version);
consent_status consent_site_set_sources(consent_site_t *site, unsigned int sources);
consent_status consent_sources_from_names(const char *list, unsigned int *sources);
consent_status consent_site_set_gpc_categories(consent_site_t *site, const char *list);
consent_status consent_request_new(const consent_site_t *site, int https, consent_request_t **req);
consent_status consent_request_set_gate(consent_request_t *req, const consent_gate_t *gate);
void consent_request_free(consent_request_t *req);
consent_status consent_request_set_header(consent_request_t *req, const char *name, const char *value, size_t len);
consent_status consent_site_trust_proxies(consent_site_t *site, const char *list);
consent_status consent_request_set_peer(consent_request_t *req, const char *address);
const consent_state_t *consent_request_state(consent_request_t *req, long long now, consent_status *why);
consent_status consent_request_endpoint(consent_request_t *req, const char *method, const char *query, size_t query_len, const char *body, size_t body_len, long long now);
int consent_response_status(const consent_request_t *req);
int consent_response_header(const consent_request_t *req, size_t i, const char **name, const char **value);
const void *consent_response_body(const consent_request_t *req, size_t *len);
const void *consent_response_receipt(const consent_request_t *req, size_t *len);
const char *consent_response_reason(const consent_request_t *req);
