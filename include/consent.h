/*
 * consent.h: the public interface of libconsent.
 *
 * libconsent streams HTML through a standard-conformant tokenizer and
 * replaces every third-party embed the visitor has not consented to with
 * a placeholder.  This is the only header users include.
 *
 * Conventions (they hold for every call below):
 *  - Handles are opaque.  Each has a _new/_free pair; _free(NULL) is a
 *    no-op.
 *  - Fallible calls return a consent_status; CONSENT_OK is 0.
 *    consent_strerror() turns any status into a static message.  Where a
 *    failure has more to say, one of two ways, never another: a call on
 *    a handle keeps the message on that handle (consent_config_errmsg,
 *    consent_registry_errmsg, consent_rewriter_errmsg); a call without
 *    one (a loader that makes the handle, a parser) hands it out through
 *    its last parameter, char **errmsg (may be NULL; consent_free).  A
 *    call that returns a pointer gives its status through a
 *    consent_status *why out-parameter instead.
 *  - A function is named after the handle it takes first
 *    (consent_request_response_status takes a request); constructors
 *    (_new) are named after what they make.
 *  - Inputs are (pointer, length) pairs and need not be NUL-terminated.
 *  - Memory the library returns through an out-parameter belongs to the
 *    caller, who releases it with consent_free().  Pointers handed to a
 *    callback are valid only during that call.
 *  - A gate is immutable once built and may be shared by any number of
 *    threads.  A rewriter belongs to one response and must not be used by
 *    two threads at once.
 */
#ifndef CONSENT_H
#define CONSENT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Versions                                                            */

#define CONSENT_VERSION_MAJOR 0
#define CONSENT_VERSION_MINOR 2
#define CONSENT_VERSION_PATCH 0
#define CONSENT_VERSION_STRING "0.2.0"

/* 0xXXYYZZ: major, minor and patch, one byte each. */
#define CONSENT_VERSION_NUM \
  ((CONSENT_VERSION_MAJOR << 16) | (CONSENT_VERSION_MINOR << 8) | \
   CONSENT_VERSION_PATCH)
#define CONSENT_VERSION_NUMBER CONSENT_VERSION_NUM

/* True when the header is at least version x.y.z. */
#define CONSENT_AT_LEAST_VERSION(x, y, z) \
  (CONSENT_VERSION_NUM >= (((x) << 16) | ((y) << 8) | (z)))

/* ------------------------------------------------------------------ */
/* Export and deprecation                                              */

/* The library's own build defines CONSENT_BUILDING_LIBRARY: it exports
 * what its users import. */
#if defined(_WIN32) && defined(CONSENT_BUILDING_LIBRARY)
#  define CONSENT_EXTERN __declspec(dllexport)
#elif defined(_WIN32)
#  define CONSENT_EXTERN __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define CONSENT_EXTERN __attribute__((visibility("default")))
#else
#  define CONSENT_EXTERN
#endif

/* CONSENT_DEPRECATED(ver, msg): marks a call deprecated since version
 * "ver" with a hint.  Define CONSENT_NO_DEPRECATION to silence it. */
#if defined(__GNUC__) && !defined(CONSENT_NO_DEPRECATION)
#  define CONSENT_DEPRECATED(ver, msg) \
     __attribute__((deprecated("since " #ver ": " msg)))
#else
#  define CONSENT_DEPRECATED(ver, msg)
#endif

/* ------------------------------------------------------------------ */
/* Status codes                                                        */

/* XX(name, value, message).  Append only: a value never changes
 * meaning, and a retired one becomes CONSENT_E_OBSOLETEnn. */
#define CONSENT_STATUS_MAP(XX)                                            \
  XX(OK,        0, "success")                                             \
  XX(E_NOMEM,   1, "out of memory")                                       \
  XX(E_INVAL,   2, "invalid argument")                                    \
  XX(E_SINK,    3, "the output callback reported a failure")              \
  XX(E_FAILED,  4, "the rewriter failed earlier and accepts no more input")\
  XX(E_FINISHED, 5, "the rewriter has already ended")                     \
  XX(E_LIMIT,   6, "a configured size limit was exceeded")                \
  XX(E_IO,      7, "input/output error")                                  \
  XX(E_PARSE,   8, "a file or value could not be parsed")                 \
  XX(E_NOTFOUND, 9, "no such provider or category")                       \
  XX(E_CRYPTO, 10, "a cryptographic operation failed")                    \
  XX(E_NOCOOKIE, 11, "the request carries no consent cookie")             \
  XX(E_COOKIE_MALFORMED, 12, "the consent cookie is not well formed")     \
  XX(E_COOKIE_VERSION, 13, "the consent cookie has an unknown version")   \
  XX(E_COOKIE_KEY, 14, "the consent cookie names an unknown key")         \
  XX(E_COOKIE_MAC, 15, "the consent cookie's signature does not match")   \
  XX(E_COOKIE_EXPIRED, 16, "the consent cookie has expired")              \
  XX(E_COOKIE_FUTURE, 17, "the consent cookie is issued in the future")   \
  XX(E_COOKIE_SIZE, 18, "the consent cookie is longer than 4096 bytes")   \
  XX(E_COOKIE_OUTDATED, 19,                                               \
     "the consent was given under an older policy version")               \
  XX(E_ENCODING, 20, "the compressed input is corrupt or truncated")      \
  XX(E_UNSUPPORTED, 21, "this build of libconsent leaves the feature out")

typedef enum consent_status {
#define CONSENT__STATUS_ENUM(name, value, msg) CONSENT_##name = value,
  CONSENT_STATUS_MAP(CONSENT__STATUS_ENUM)
#undef CONSENT__STATUS_ENUM
  CONSENT__STATUS_END
} consent_status;

/* ------------------------------------------------------------------ */
/* Library                                                             */

/* The library's version as "major.minor.patch" (static string), for
 * comparing with CONSENT_VERSION_STRING at run time.
 * Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_version(void);

/* The library's version as 0xXXYYZZ (see CONSENT_VERSION_NUM).
 * Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN unsigned int
consent_version_num(void);

/* A static, English message for a status code; unknown codes give
 * "unknown status".  Never returns NULL.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_strerror(consent_status status);

/* The name of a status code as in this header ("CONSENT_E_INVAL"), for
 * logs and bindings; unknown codes give "CONSENT_E_UNKNOWN".  Never
 * returns NULL.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_status_name(consent_status status);

/* Releases memory the library handed to the caller through an
 * out-parameter.  consent_free(NULL) does nothing.
 * Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN void
consent_free(void *ptr);

/* ------------------------------------------------------------------ */
/* Categories of providers                                             */

/* Append only. */
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

/* The name of a category ("video", ...; static), or NULL for an unknown
 * value.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_category_name(consent_category category);

/* The category of a name.  Returns CONSENT_OK or CONSENT_E_NOTFOUND.
 * Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_category_from_name(const char *name, size_t len,
                           consent_category *category);

/* ------------------------------------------------------------------ */
/* Provider registry                                                   */

/* The providers a site gates: built-in defaults for the common ones,
 * extended, overridden or disabled by provider files (format in
 * docs/providers.md).  Build it (new, then any loads) before sharing it:
 * from then on it is immutable, and any number of threads may read it
 * and use it for any number of states and gates at once. */
typedef struct consent_registry consent_registry_t;

/* A registry with the built-in providers.  *registry is owned by the
 * caller (consent_registry_free).  Returns CONSENT_OK, CONSENT_E_INVAL or
 * CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_registry_new(consent_registry_t **registry);

/* A registry with no providers at all.  As consent_registry_new.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_registry_new_empty(consent_registry_t **registry);

/* Reads a provider file: adds its providers, overrides the fields it
 * names of those that exist, disables those it says to.  On an error the
 * registry is unchanged and consent_registry_errmsg() says
 * "FILE:LINE: problem".  Returns CONSENT_OK, CONSENT_E_IO (cannot read
 * it), CONSENT_E_PARSE, CONSENT_E_INVAL or CONSENT_E_NOMEM.  Not
 * thread-safe: load before sharing.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_registry_load_file(consent_registry_t *registry, const char *path);

/* The same for a provider file held in memory; name (may be NULL) is
 * used in messages.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_registry_load_buffer(consent_registry_t *registry, const char *buf,
                             size_t len, const char *name);

/* The message of the registry's last failed load ("" if none).  Owned by
 * the registry.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_registry_errmsg(const consent_registry_t *registry);

/* Since: 0.1.0 */
CONSENT_EXTERN void
consent_registry_free(consent_registry_t *registry);

/* The number of enabled providers.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN size_t
consent_registry_count(const consent_registry_t *registry);

/* The id of the index-th enabled provider (0 <= index < count), or NULL.
 * Owned by the registry.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_registry_id(const consent_registry_t *registry, size_t index);

/* What consent_registry_get() can tell of a provider.  Append only. */
typedef enum consent_provider_field {
  CONSENT_FIELD_NAME = 0,      /* display name */
  CONSENT_FIELD_CATEGORY = 1,  /* category name */
  CONSENT_FIELD_PRIVACY = 2,   /* privacy policy URL */
  CONSENT_FIELD_OEMBED = 3,    /* oEmbed endpoint URL */
  CONSENT_FIELD_HOSTS = 4      /* host patterns, space-separated */
} consent_provider_field;

/* A field of the enabled provider id (NUL-terminated), or NULL when there
 * is no such provider or the field is empty.  Owned by the registry.
 * Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_registry_get(const consent_registry_t *registry, const char *id,
                     consent_provider_field field);

/* The provider a URL (as written in an attribute, entity-decoded) would
 * make the browser contact: *id is its id (owned by the registry), or
 * NULL when the URL names no provider (relative URLs, other hosts,
 * lookalikes).  Hosts match at a label boundary, case-insensitively, with
 * IDN in punycode; protocol-relative and oddly spelled URLs are read as a
 * browser reads them.  Returns CONSENT_OK or CONSENT_E_INVAL.
 * Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_registry_match_url(const consent_registry_t *registry,
                           const char *url, size_t len, const char **id);

/* ------------------------------------------------------------------ */
/* Key ring                                                            */

/* The keys that sign and verify consent cookies, read from a key file
 * (format in docs/cookie.md): the newest key signs, every listed key
 * verifies, so a fleet rotates keys without logging visitors out.
 * Immutable once loaded; share it across threads. */
typedef struct consent_keyring consent_keyring_t;

/* Reads a key file.  On success *ring is owned by the caller
 * (consent_keyring_free).  On failure, if errmsg is not NULL, *errmsg
 * gets a message "FILE:LINE: problem" that the caller frees with
 * consent_free().  Returns CONSENT_OK, CONSENT_E_IO, CONSENT_E_PARSE,
 * CONSENT_E_INVAL or CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_keyring_load_file(const char *path, consent_keyring_t **ring,
                          char **errmsg);

/* The same for a key file held in memory; name (may be NULL) is used in
 * messages.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_keyring_load_buffer(const char *buf, size_t len, const char *name,
                            consent_keyring_t **ring, char **errmsg);

/* A key ring of one random key that exists only in memory: for servers
 * without a key file (consent works, but ends when the process does, and
 * is not shared between servers), and for checking settings that need a
 * site.  On success *ring is the caller's (consent_keyring_free).
 * Returns CONSENT_OK, CONSENT_E_INVAL, CONSENT_E_CRYPTO or
 * CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_keyring_new_temporary(consent_keyring_t **ring);

/* Since: 0.1.0 */
CONSENT_EXTERN void
consent_keyring_free(consent_keyring_t *ring);

/* The id (1-255) of the key that signs.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN unsigned int
consent_keyring_signing_key(const consent_keyring_t *ring);

/* Adds a new random key (OpenSSL RAND_bytes) to the key file at path,
 * creating it (mode 0600) if it does not exist; the file is replaced
 * atomically.  *key_id (may be NULL) gets the new key's id; now is the
 * creation time (seconds since the epoch; 0 for the current time).
 * Returns CONSENT_OK, CONSENT_E_IO, CONSENT_E_PARSE (the file exists but
 * is not a key file), CONSENT_E_LIMIT (255 keys), CONSENT_E_CRYPTO or
 * CONSENT_E_NOMEM; *errmsg as in consent_keyring_load_file.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_keyring_add_key(const char *path, long long now,
                        unsigned int *key_id, char **errmsg);

/* ------------------------------------------------------------------ */
/* Consent state: what one visitor allowed                             */

/* Per provider and per category: allowed or refused, when, under which
 * policy version, and until when (the time given plus the state's max
 * age).  A state belongs to one request; it reads the registry, which
 * must outlive it. */
typedef struct consent_state consent_state_t;

/* An empty state (nothing allowed) under policy version 0 and a max age
 * of 365 days.  *state is owned by the caller (consent_state_free).
 * Returns CONSENT_OK, CONSENT_E_INVAL or CONSENT_E_NOMEM.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_state_new(const consent_registry_t *registry,
                  consent_state_t **state);

/* Since: 0.1.0 */
CONSENT_EXTERN void
consent_state_free(consent_state_t *state);

/* Records that the visitor allowed (allow != 0) or refused a provider at
 * time when (seconds since the epoch; 0 for now).  Returns CONSENT_OK,
 * CONSENT_E_NOTFOUND, CONSENT_E_INVAL or CONSENT_E_NOMEM.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_state_set_provider(consent_state_t *state, const char *id,
                           int allow, long long when);

/* The same for a whole category.  A provider's own decision wins over
 * its category's.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_state_set_category(consent_state_t *state,
                           consent_category category, int allow,
                           long long when);

/* Forgets every decision (withdrawal of consent).  Since: 0.1.0 */
CONSENT_EXTERN void
consent_state_clear(consent_state_t *state);

/* The site's policy version the decisions are given under.  A cookie
 * verified against a higher version is void.  Since: 0.1.0 */
CONSENT_EXTERN void
consent_state_set_policy_version(consent_state_t *state,
                                 unsigned int version);

/* How long a decision holds, in seconds (default 365 days; at least 60,
 * at most 5 years).  Returns CONSENT_OK or CONSENT_E_INVAL.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_state_set_max_age(consent_state_t *state, long long seconds);

/* 1 when the enabled provider id may load at time now (0 for the current
 * time): its own decision if it has one that has not expired, else its
 * category's, else not.  0 otherwise, also for unknown ids.
 * Since: 0.1.0 */
CONSENT_EXTERN int
consent_state_allows(const consent_state_t *state, const char *id,
                     long long now);

/* The state as JSON (docs/cookie.md).  *json (NUL-terminated) is the
 * caller's; free it with consent_free().  Returns CONSENT_OK,
 * CONSENT_E_INVAL or CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_state_to_json(const consent_state_t *state, long long now,
                      char **json);

/* ------------------------------------------------------------------ */
/* Consent cookie                                                      */

/* Receives a consent receipt: one JSON object with a random receipt id,
 * the time, the key id, the policy version and the providers and
 * categories allowed and refused; no personal data.  json is valid only
 * during the call. */
typedef void (*consent_receipt_fn)(const char *json, size_t len,
                                   void *user_data);

/* Signs a state into a cookie value (URL-safe, about 160 bytes for 40
 * providers) with the ring's newest key, at time now (0: current time).
 * *value (NUL-terminated; *len bytes, len may be NULL) is the caller's;
 * free it with consent_free().  receipt (may be NULL) receives the
 * consent receipt of this issue, for the host's log.  Returns CONSENT_OK,
 * CONSENT_E_INVAL, CONSENT_E_CRYPTO, CONSENT_E_LIMIT or CONSENT_E_NOMEM.
 * Thread-safe for distinct states.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_cookie_issue(consent_state_t *state, const consent_keyring_t *ring,
                     long long now, consent_receipt_fn receipt,
                     void *user_data, char **value, size_t *len);

/* Verifies a cookie value and gives the state it carries.  On success
 * *state is owned by the caller (consent_state_free).  Returns
 * CONSENT_OK, or why the cookie is rejected: CONSENT_E_COOKIE_SIZE (over
 * 4096 bytes), _MALFORMED, _VERSION, _KEY (unknown key id), _MAC (forged
 * or damaged), _FUTURE (issued more than 5 minutes ahead), _EXPIRED, or
 * _OUTDATED (given under a policy version below policy_version); or
 * CONSENT_E_INVAL, CONSENT_E_CRYPTO, CONSENT_E_NOMEM.  The signature is
 * compared in constant time.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_cookie_verify(const consent_registry_t *registry,
                      const consent_keyring_t *ring, const char *value,
                      size_t len, unsigned int policy_version,
                      long long now, consent_state_t **state);

/* Finds the cookie called name in a Cookie request header (several
 * cookies, spaces and quoted values allowed) and verifies it; where the
 * name comes more than once, the first that verifies wins.  Returns as
 * consent_cookie_verify, or CONSENT_E_NOCOOKIE when there is none.
 * Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_cookie_from_header(const consent_registry_t *registry,
                           const consent_keyring_t *ring,
                           const char *header, size_t len,
                           const char *name, unsigned int policy_version,
                           long long now, consent_state_t **state);

/* Flags of consent_set_cookie(). */
#define CONSENT_COOKIE_SECURE          0x01u
#define CONSENT_COOKIE_HTTPONLY        0x02u
#define CONSENT_COOKIE_SAMESITE_LAX    0x04u
#define CONSENT_COOKIE_SAMESITE_STRICT 0x08u
#define CONSENT_COOKIE_DEFAULTS \
  (CONSENT_COOKIE_SECURE | CONSENT_COOKIE_HTTPONLY | \
   CONSENT_COOKIE_SAMESITE_LAX)

/* Builds the value of a Set-Cookie response header: "name=value;
 * Max-Age=N; Path=...; Domain=...; Secure; HttpOnly; SameSite=Lax".
 * path NULL means "/", domain NULL none; max_age 0 deletes the cookie.
 * Names and attribute values with characters a cookie cannot hold are
 * refused.  *out is the caller's (consent_free).  Returns CONSENT_OK,
 * CONSENT_E_INVAL or CONSENT_E_NOMEM.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_set_cookie(const char *name, const char *value, size_t value_len,
                   long long max_age, const char *domain, const char *path,
                   unsigned int flags, char **out);

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

typedef struct consent_config consent_config_t;

/* Creates a configuration with the built-in defaults.  On success
 * *config is a new handle owned by the caller (consent_config_free).
 * Returns CONSENT_OK, CONSENT_E_INVAL (config is NULL) or
 * CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_new(consent_config_t **config);

/* Releases a configuration.  Gates built from it do not depend on it.
 * Since: 0.1.0 */
CONSENT_EXTERN void
consent_config_free(consent_config_t *config);

/* The most bytes one rewriter may hold at a time (the embed it is
 * capturing, or an inline script or style until its text is checked).
 * Past it the rewriter fails closed: the embed is replaced by a
 * placeholder that cannot restore it, never let through.  Default 1 MiB;
 * at least 4096.  Returns CONSENT_OK or CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_set_max_buffer(consent_config_t *config, size_t bytes);

/* The providers to gate (default: a registry of the built-in providers
 * made by the gate).  The registry must outlive every gate built from
 * this configuration.  Returns CONSENT_OK or CONSENT_E_INVAL.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_set_registry(consent_config_t *config,
                            const consent_registry_t *registry);

/* The placeholders' language when a rewriter is given none (default
 * "en"; built in: de, en, es, fr, it, nl, pl; a texts file adds more).
 * "de-AT" falls back to "de".  Returns CONSENT_OK, CONSENT_E_NOTFOUND or
 * CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_set_language(consent_config_t *config, const char *tag);

/* Reads a texts file (docs/placeholder.md) that replaces or adds the
 * placeholders' texts per language.  On an error the configuration is
 * unchanged and consent_config_errmsg() says "FILE:LINE: problem".
 * Returns CONSENT_OK, CONSENT_E_IO, CONSENT_E_PARSE, CONSENT_E_INVAL or
 * CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_load_texts(consent_config_t *config, const char *path);

/* Reads a template file: the HTML inside each placeholder, with {{slots}}
 * (docs/placeholder.md); it must hold {{controls}}.  As
 * consent_config_load_texts.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_load_template(consent_config_t *config, const char *path);

/* Reads the consent notice's template: the HTML inside the notice
 * (consent_config_set_notice()), with the slots {{title}}, {{intro}},
 * {{list}} (the blocked providers by category) and {{controls}} (the
 * form fields and buttons, required); the library writes the element
 * around it with the contract attributes (docs/placeholder.md).  As
 * consent_config_load_texts.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_load_notice_template(consent_config_t *config,
                                    const char *path);

/* The message of the last failed load ("" if none).  Owned by the
 * configuration.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_config_errmsg(const consent_config_t *config);

/* The site's privacy policy URL, linked from every placeholder (default:
 * none).  Returns CONSENT_OK, CONSENT_E_INVAL or CONSENT_E_NOMEM.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_set_privacy_url(consent_config_t *config, const char *url);

/* The consent endpoint's URL (default: none).  With one, placeholders are
 * forms that POST the provider id and the return path to it, so they work
 * without JavaScript, and the script asks it for a signed cookie when
 * "always" is ticked.  As consent_config_set_privacy_url.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_set_endpoint(consent_config_t *config, const char *url);

/* How the activation script and the placeholders' style reach the page.
 * Append only. */
typedef enum consent_script_mode {
  CONSENT_SCRIPT_INLINE = 0, /* inlined once, before the first placeholder
                                (with the rewriter's CSP nonce) */
  CONSENT_SCRIPT_URL = 1,    /* <script defer src> and <link rel=stylesheet>
                                to URLs the site serves (consent_asset()):
                                no inline script, strict CSP works */
  CONSENT_SCRIPT_NONE = 2    /* the site includes them itself */
} consent_script_mode;

/* Sets the script mode; js_url (needed for CONSENT_SCRIPT_URL) and
 * css_url (optional) are copied.  Returns CONSENT_OK, CONSENT_E_INVAL or
 * CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_set_script(consent_config_t *config, consent_script_mode mode,
                          const char *js_url, const char *css_url);

/* Cache-safe mode (on != 0): the output is the same for every visitor,
 * every embed a placeholder; the script puts back on load what the
 * visitor allowed before (companion cookie "consent_allowed" or
 * localStorage).  For full-page caches, CDNs and static sites.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_set_cache_safe(consent_config_t *config, int on);

/* The runtime guard (on != 0; off by default): a script the rewriter
 * places first in <head> (before the first element of the body when a
 * page has no head), with the CSP nonce of consent_rewriter_set_nonce();
 * with CONSENT_SCRIPT_URL it is <script src> of "guard.js" in the folder
 * of the activation script's URL (CONSENT_ASSET_GUARD), the rules in its
 * data-consent-guard attribute either way.
 * Until the visitor allows a provider, it stops the page's own scripts
 * from reaching it: src/href setters, setAttribute, innerHTML and other
 * HTML insertion (provider markup becomes a placeholder), fetch(),
 * XMLHttpRequest, sendBeacon, WebSocket and EventSource, checked against
 * the same provider rules, which the library writes into the script.
 * Documented limits (docs/placeholder.md): import(), CSS set through the
 * CSSOM, code in cross-origin frames.  Returns CONSENT_OK or
 * CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_set_guard(consent_config_t *config, int on);

/* The consent notice (on != 0; on by default): when the gate blocked
 * providers that show nothing on the page (analytics, pixels, fonts, tag
 * managers: no placeholder of theirs was drawn) and the visitor has
 * decided nothing about them, the rewriter adds one notice at the end of
 * a document (input with a doctype or an html, head or body tag; never
 * a fragment): what is blocked, by category and provider, with "Allow
 * all", "Only necessary" (remembered: a refusal in the cookie) and
 * "Settings" (the endpoint's settings page), a form to the endpoint
 * that the activation script runs in place.  No notice when a consent
 * banner of the site answered (consent_site_set_sources()); a cache-safe
 * page carries it for every visitor and the script removes it for those
 * who decided (docs/placeholder.md).  Returns CONSENT_OK or
 * CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_set_notice(consent_config_t *config, int on);

/* Google Consent Mode v2 (on != 0; off by default): before the first
 * Google tag of a page (a script of Google Analytics / Tag Manager or
 * Google Ads, by its src or its text) the rewriter writes
 * gtag('consent','default',{...}) with ad_storage, ad_user_data and
 * ad_personalization granted only when the visitor allows google-ads,
 * analytics_storage only when they allow google-analytics (their own
 * decision or their category's; denied in cache-safe mode), and an update
 * when the visitor allows one on the page.  For sites that let Google's
 * tags load in their cookieless mode (google-analytics allowed without
 * consent, consent_config_allow_provider()) and must send the signals.
 * Returns CONSENT_OK or CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_set_google_consent_mode(consent_config_t *config, int on);

/* A provider allowed without consent (the site's own services); may be
 * called for several.  Unknown ids make consent_gate_new() fail with
 * CONSENT_E_NOTFOUND.  Returns CONSENT_OK, CONSENT_E_INVAL or
 * CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_allow_provider(consent_config_t *config, const char *id);

/* ------------------------------------------------------------------ */
/* Gate                                                                */

typedef struct consent_gate consent_gate_t;

/* Builds a gate from a configuration (NULL: the built-in defaults).
 * The gate copies what it needs; it is immutable and may be shared by
 * all threads.  On success *gate is owned by the caller
 * (consent_gate_free).  Returns CONSENT_OK, CONSENT_E_INVAL or
 * CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_gate_new(const consent_config_t *config, consent_gate_t **gate);

/* Releases a gate.  Every rewriter made from it must be freed first.
 * Since: 0.1.0 */
CONSENT_EXTERN void
consent_gate_free(consent_gate_t *gate);

/* The best of the gate's languages for an Accept-Language header value
 * (q-values honoured, "de-AT" -> "de"); the default language when none
 * fits.  Static string owned by the gate.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_gate_negotiate_language(const consent_gate_t *gate,
                                const char *accept_language, size_t len);

/* ------------------------------------------------------------------ */
/* Rewriter: one per response                                          */

/* Every consent_rewriter_set_* call belongs before the first
 * consent_rewriter_write() (or _end()): after it, the setter returns
 * CONSENT_E_INVAL and changes nothing. */
typedef struct consent_rewriter consent_rewriter_t;

/* Receives output.  buf is valid only during the call.  Return 0 to go
 * on; any other value stops the rewriter with CONSENT_E_SINK. */
typedef int (*consent_sink_fn)(const char *buf, size_t len,
                               void *user_data);

/* Creates a rewriter for one document.  Output goes to sink with
 * user_data.  The gate must outlive the rewriter.  On success *rw is
 * owned by the caller (consent_rewriter_free).  Returns CONSENT_OK,
 * CONSENT_E_INVAL or CONSENT_E_NOMEM.  Thread-safe with respect to the
 * gate.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_new(const consent_gate_t *gate, consent_sink_fn sink,
                     void *user_data, consent_rewriter_t **rw);

/* A rewriter that keeps its output for the caller to take with
 * consent_rewriter_take() instead of calling a sink: for bindings where a
 * callback into the host language is costly (it would take the
 * interpreter's lock for every piece of output).  Otherwise as
 * consent_rewriter_new().  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_new_buffered(const consent_gate_t *gate,
                              consent_rewriter_t **rw);

/* The output of a buffered rewriter produced since the last take (*len
 * bytes, not NUL-terminated; "" when there is none).  Owned by the
 * rewriter and valid until its next call.  NULL for a rewriter with a
 * sink.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_rewriter_take(consent_rewriter_t *rw, size_t *len);

/* The visitor's consent for this response (may be NULL: nothing allowed
 * but the configuration's always-allowed providers).  The state must
 * outlive the rewriter.  Call before the first write.  Returns CONSENT_OK
 * or CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_set_state(consent_rewriter_t *rw,
                           const consent_state_t *state);

/* The placeholders' language for this response (see
 * consent_gate_negotiate_language()).  Returns CONSENT_OK,
 * CONSENT_E_NOTFOUND or CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_set_language(consent_rewriter_t *rw, const char *tag);

/* The Content-Security-Policy nonce for the inlined script and style
 * (copied).  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_set_nonce(consent_rewriter_t *rw, const char *nonce);

/* The time consent is judged at (seconds since the epoch; 0: now, the
 * default), as every other call takes its "now".  Returns CONSENT_OK or
 * CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_set_time(consent_rewriter_t *rw, long long now);

/* The path the consent endpoint sends the visitor back to: the page's
 * own path and query as the request gave them (copied).  One that is not
 * a path of this site (a full URL, "//host", a backslash, a blank) is
 * "/"; one over 2048 bytes, which the endpoint would refuse, loses its
 * query, or becomes "/" when its path alone is longer.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_set_return_path(consent_rewriter_t *rw, const char *path);

/* Content encodings.  Append only. */
typedef enum consent_encoding {
  CONSENT_ENCODING_IDENTITY = 0,
  CONSENT_ENCODING_GZIP = 1,
  CONSENT_ENCODING_DEFLATE = 2, /* HTTP "deflate": zlib, or raw deflate
                                   as some servers send it */
  CONSENT_ENCODING_BR = 3,      /* brotli (RFC 7932) */
  CONSENT_ENCODING_ZSTD = 4     /* Zstandard (RFC 8878), window <= 8 MiB
                                   as browsers accept */
} consent_encoding;

/* Decodes the input and/or encodes the output, so that servers can gate
 * compressed bodies.  A corrupt or truncated input stream fails with
 * CONSENT_E_ENCODING.  Call before the first write.  Returns CONSENT_OK,
 * CONSENT_E_INVAL or CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_set_encoding(consent_rewriter_t *rw, consent_encoding in,
                              consent_encoding out);

/* The response's Content-Type header value (len bytes), for its charset:
 * a body in UTF-16 (declared, or by its byte order mark, which wins as in
 * browsers) is gated as UTF-8 and sent with a UTF-8 byte order mark; in a
 * page not declared UTF-8 the ESC bytes of ISO-2022-JP, which would hide
 * markup from the gate, are removed.  Without this call the charset
 * counts as undeclared.  Call before the first write.  Returns
 * CONSENT_OK or CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_set_content_type(consent_rewriter_t *rw, const char *value,
                                  size_t len);

/* The response's Link header value (len bytes) without every link to a
 * provider the rewriter's state does not allow, whatever its rel
 * (preload, preconnect, prefetch, dns-prefetch, modulepreload, ...): a
 * browser acts on them before it reads the page.  Call after
 * consent_rewriter_set_state().  *out gets the value to send (the
 * caller's, consent_free), or NULL when no link is left: drop the header.
 * Returns CONSENT_OK, CONSENT_E_INVAL or CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_filter_link(const consent_rewriter_t *rw, const char *value,
                             size_t len, char **out);

/* What happened to an embed.  Append only. */
typedef enum consent_action {
  CONSENT_ACTION_GATED = 0,    /* replaced by a placeholder */
  CONSENT_ACTION_ALLOWED = 1,  /* passed through: the visitor allowed it */
  CONSENT_ACTION_DROPPED = 2   /* past the buffer bound: replaced by a
                                  placeholder that cannot restore it */
} consent_action;

/* Receives one embed found: its provider id, element name, line (from 1)
 * and action.  Strings are valid only during the call. */
typedef void (*consent_report_fn)(const char *provider, const char *element,
                                  unsigned long line, consent_action action,
                                  void *user_data);

/* Reports every embed found to fn.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_set_report(consent_rewriter_t *rw, consent_report_fn fn,
                            void *user_data);

/* Feeds the next len bytes of the document; any chunking gives the same
 * output.  Every byte that cannot belong to an embed is passed to the
 * sink before this returns.  Returns CONSENT_OK, CONSENT_E_SINK,
 * CONSENT_E_LIMIT, CONSENT_E_NOMEM, CONSENT_E_FINISHED (after
 * consent_rewriter_end) or CONSENT_E_FAILED (after an earlier error:
 * a rewriter that failed stays failed).  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_write(consent_rewriter_t *rw, const char *buf,
                       size_t len);

/* Ends the document and flushes all remaining output.  Returns as
 * consent_rewriter_write.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_end(consent_rewriter_t *rw);

/* The message of the rewriter's last error ("" when there was none).
 * Owned by the rewriter, valid until its next call.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_rewriter_errmsg(const consent_rewriter_t *rw);

/* Releases a rewriter; output not yet ended is discarded.
 * Since: 0.1.0 */
CONSENT_EXTERN void
consent_rewriter_free(consent_rewriter_t *rw);

/* One-shot rewrite of a whole document held in memory.  On success
 * *out (NUL-terminated, *out_len bytes before the NUL) belongs to the
 * caller, who releases it with consent_free().  out_len may be NULL.
 * Returns as consent_rewriter_write.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewrite(const consent_gate_t *gate, const char *in, size_t len,
                char **out, size_t *out_len);

/* ------------------------------------------------------------------ */
/* Site and request: a visitor's consent, and the consent endpoint     */

/* How a site keeps consent: the providers, the key ring, the cookie's
 * name and attributes, the policy version and how long consent holds.
 * Hosts (server modules, bindings) build one per configuration; it is
 * immutable once requests use it and may be shared by all threads.  The
 * registry and key ring must outlive it. */
typedef struct consent_site consent_site_t;

/* A site with the cookie "consent" (Path=/, Secure, HttpOnly,
 * SameSite=Lax), policy version 0 and a max age of 365 days.  On success
 * *site is owned by the caller (consent_site_free).  Returns CONSENT_OK,
 * CONSENT_E_INVAL or CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_site_new(const consent_registry_t *registry,
                 const consent_keyring_t *ring, consent_site_t **site);

/* Since: 0.1.0 */
CONSENT_EXTERN void
consent_site_free(consent_site_t *site);

/* The consent cookie's name, Domain (NULL: none), Path (NULL: "/") and
 * CONSENT_COOKIE_* flags (copied).  Returns CONSENT_OK, CONSENT_E_INVAL
 * (a name or attribute a cookie cannot hold) or CONSENT_E_NOMEM.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_site_set_cookie(consent_site_t *site, const char *name,
                        const char *domain, const char *path,
                        unsigned int flags);

/* The highest policy version (the cookie carries 32 bits). */
#define CONSENT_POLICY_VERSION_MAX 4294967295u

/* The site's policy version, 0 to CONSENT_POLICY_VERSION_MAX: cookies
 * given under a lower one are void, new ones carry it.  Since: 0.1.0 */
CONSENT_EXTERN void
consent_site_set_policy_version(consent_site_t *site, unsigned int version);

/* How long consent given with "always" holds, in seconds (60 to 5
 * years).  Returns CONSENT_OK or CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_site_set_max_age(consent_site_t *site, long long seconds);

/* Where a site's consent comes from (consent_site_set_sources).  A
 * refusal from any source wins; otherwise an allowance from any source
 * counts (docs/banners.md). */
#define CONSENT_SOURCE_COOKIE    0x01u  /* the site's signed cookie */
#define CONSENT_SOURCE_TCF       0x02u  /* IAB TCF v2.2 "euconsent-v2" */
#define CONSENT_SOURCE_KLARO     0x04u  /* Klaro "klaro" */
#define CONSENT_SOURCE_COOKIEBOT 0x08u  /* Cookiebot "CookieConsent" */
#define CONSENT_SOURCE_ONETRUST  0x10u  /* OneTrust "OptanonConsent" */
#define CONSENT_SOURCE_CC_COOKIE 0x20u  /* orestbida cookieconsent */
#define CONSENT_SOURCE_BORLABS   0x40u  /* Borlabs Cookie 2 */
#define CONSENT_SOURCE_GPC       0x80u  /* Global Privacy Control (Sec-GPC) */
#define CONSENT_SOURCES_DEFAULT  (CONSENT_SOURCE_COOKIE | CONSENT_SOURCE_GPC)

/* The consent sources a site honours (default CONSENT_SOURCES_DEFAULT).
 * Returns CONSENT_OK or CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_site_set_sources(consent_site_t *site, unsigned int sources);

/* Reads a list of source names ("cookie tcf klaro cookiebot onetrust
 * cc_cookie borlabs gpc", spaces or commas) into CONSENT_SOURCE_* bits,
 * for configuration files.  On CONSENT_E_PARSE (an unknown name)
 * *errmsg (may be NULL; consent_free) names it and lists the known ones.
 * Returns CONSENT_OK, CONSENT_E_PARSE, CONSENT_E_INVAL or
 * CONSENT_E_NOMEM.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_sources_from_names(const char *list, unsigned int *sources,
                           char **errmsg);

/* The categories Global Privacy Control refuses, as names ("marketing
 * analytics"; default "marketing"), besides the providers a provider file
 * marks sale_sharing.  Their placeholders offer no "always allow".
 * Returns CONSENT_OK, CONSENT_E_NOTFOUND or CONSENT_E_INVAL.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_site_set_gpc_categories(consent_site_t *site, const char *list);

/* Reverse proxies (addresses, or ADDR/BITS networks, separated by
 * spaces or commas; at most 16) whose Forwarded (proto=, host=) or
 * X-Forwarded-Proto and X-Forwarded-Host headers tell the origin the
 * browser asked for, so that the endpoint's same-origin check holds
 * behind a proxy that ends TLS or rewrites Host.  Only a request whose
 * peer (consent_request_set_peer()) is one of them is believed; "" (the
 * default) trusts none.  Returns CONSENT_OK, CONSENT_E_INVAL (a word that
 * is no address or network; nothing is trusted then) or CONSENT_E_LIMIT.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_site_trust_proxies(consent_site_t *site, const char *list);

/* The largest request body the consent endpoint accepts; hosts read at
 * most one byte more and pass what they read. */
#define CONSENT_ENDPOINT_MAX_BODY 4096

/* One HTTP request to a site: the visitor's consent for the page it
 * asks for, or the answer of the consent endpoint.  One per request, not
 * shared between threads; the site must outlive it. */
typedef struct consent_request consent_request_t;

/* On success *req is owned by the caller (consent_request_free).
 * https != 0 when the request came over TLS (for the same-origin check).
 * Returns CONSENT_OK, CONSENT_E_INVAL or CONSENT_E_NOMEM.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_request_new(const consent_site_t *site, int https,
                    consent_request_t **req);

/* Since: 0.1.0 */
CONSENT_EXTERN void
consent_request_free(consent_request_t *req);

/* Gives a request header (name case-insensitive, value len bytes).  The
 * request keeps Cookie (several are joined), Host, Origin,
 * Sec-Fetch-Site, Sec-GPC, Content-Type, Forwarded, X-Forwarded-Proto and
 * X-Forwarded-Host and ignores the others, so
 * hosts may pass every header.  Returns CONSENT_OK, CONSENT_E_INVAL, CONSENT_E_LIMIT
 * (a header over 16 KB) or CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_request_set_header(consent_request_t *req, const char *name,
                           const char *value, size_t len);

/* The address (IPv4 or IPv6 text) the request came from, the TCP peer,
 * for consent_site_trust_proxies().  Returns CONSENT_OK or
 * CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_request_set_peer(consent_request_t *req, const char *address);

/* The gate whose texts, language and privacy policy link the
 * endpoint's settings page uses (without one: the built-in texts, no
 * link); the gate must outlive the request.  Returns CONSENT_OK or
 * CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_request_set_gate(consent_request_t *req, const consent_gate_t *gate);

/* The visitor's consent: the state of the site's cookie when it
 * verifies (otherwise an empty state; with several cookies of its name,
 * a provider is allowed only when every one that verifies allows it),
 * combined with the site's other consent sources: banner cookies and
 * Global Privacy Control, where a refusal anywhere wins.  The state is
 * owned by the request and lives as long as it; give it to
 * consent_rewriter_set_state().  *why (may be NULL) gets CONSENT_OK or
 * why the cookie was not used (CONSENT_E_NOCOOKIE, CONSENT_E_COOKIE_*).
 * NULL only when out of memory.  Since: 0.1.0 */
CONSENT_EXTERN const consent_state_t *
consent_request_state(consent_request_t *req, long long now,
                      consent_status *why);

/* Answers a request to the consent endpoint (docs/endpoint.md): a
 * same-origin POST of the form fields provider (one or more), always,
 * return, decision (allow, or necessary: refuse the providers given),
 * settings (the settings page's form) and revoke, or a GET with "revoke"
 * in the query, gives 303 See Other to the return path with a fresh
 * signed cookie (or its deletion); a GET with "state" in the query 200
 * and {"allowed":[ids],"decided":[ids]} (JSON), what the visitor's
 * verified state allows and decides; any other GET 200 and the settings
 * page (HTML: every enabled provider by category with the visitor's
 * decision, switches, "withdraw all"; consent_request_set_gate());
 * everything else a 4xx refusal: cross-site (403), a return path that is
 * not a relative path of this site (400), an unknown provider (400), a
 * body over CONSENT_ENDPOINT_MAX_BODY (413), a query over as many bytes
 * (414), another content type (415), another method (405).  method is "GET", "POST", ...; query (without
 * '?') and body may be NULL; a body over CONSENT_ENDPOINT_MAX_BODY need not
 * be read: give NULL and its length (413).  The answer is read with the
 * consent_request_response_* calls.  Returns CONSENT_OK when an answer is ready
 * (whatever its HTTP status), or CONSENT_E_INVAL, CONSENT_E_CRYPTO or
 * CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_request_endpoint(consent_request_t *req, const char *method,
                         const char *query, size_t query_len,
                         const char *body, size_t body_len, long long now);

/* The HTTP status of the endpoint's answer (303, 400, 403, 405, 413,
 * 414, 415); 0 before consent_request_endpoint().  Since: 0.1.0 */
CONSENT_EXTERN int
consent_request_response_status(const consent_request_t *req);

/* The i-th response header of the answer (Location, Set-Cookie (two),
 * Cache-Control, Content-Type, Allow): 1 and *name, *value (owned by the
 * request) while there is one, 0 after the last.  Since: 0.1.0 */
CONSENT_EXTERN int
consent_request_response_header(const consent_request_t *req, size_t i,
                        const char **name, const char **value);

/* The answer's body (a short HTML page); *len (may be NULL) gets its
 * length.  Owned by the request.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_request_response_body(const consent_request_t *req, size_t *len);

/* The consent receipt of a grant or withdrawal, one JSON line for the
 * host's log (docs/cookie.md); NULL for a refusal.  Owned by the
 * request.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_request_response_receipt(const consent_request_t *req, size_t *len);

/* Why the endpoint refused (one English sentence for the log), or "".
 * Owned by the request.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_request_response_reason(const consent_request_t *req);

/* ------------------------------------------------------------------ */
/* HTTP: the decisions every host makes the same way                   */

/* What a host does with a response.  Append only. */
typedef enum consent_http_action {
  CONSENT_HTTP_PASS = 0,    /* not a page: send it untouched */
  CONSENT_HTTP_GATE = 1,    /* gate it (with the coding given) */
  CONSENT_HTTP_REFUSE = 2   /* a page the gate cannot read: never send
                               it; answer 502 and log the reason */
} consent_http_action;

/* Decides, from a response's status and its Content-Type and
 * Content-Encoding header values (pointer and length; NULL: absent),
 * whether it is gated: text/html and application/xhtml+xml are, and so
 * is a response without a valid Content-Type or with one browsers
 * sniff (unknown/unknown, application/unknown, * / *), since a browser
 * may render it as a page.  A gated response is refused when its coding
 * is not one the gate reads (gzip, x-gzip, deflate, br, zstd; more than
 * one counts as unreadable), when it is ISO-2022-JP, or when it is a 206
 * (a part of a page).  *coding (may be NULL) gets the body's coding for
 * consent_rewriter_set_encoding(); *reason (may be NULL) one static
 * English sentence for the log ("" when there is nothing to say).
 * Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN consent_http_action
consent_http_classify(int status, const char *content_type, size_t type_len,
                      const char *content_encoding, size_t encoding_len,
                      consent_encoding *coding, const char **reason);

/* 1 when a request header (name, name_len) must not reach the
 * application or backend of a gated location for a request of this URL
 * path (query allowed): Range, If-Range, If-Match, If-None-Match,
 * If-Modified-Since and If-Unmodified-Since, when the path may be
 * answered with a page (a folder, no extension, .html, .htm, .xhtml,
 * .shtml, .php), since a part of a page or a 304 against the backend's
 * own validators cannot be gated.  0 otherwise.  Thread-safe.
 * Since: 0.1.0 */
CONSENT_EXTERN int
consent_http_drop_request_header(const char *path, size_t path_len,
                                 const char *name, size_t name_len);

/* The Accept-Encoding to send the application or backend of a gated
 * location instead of the visitor's value (len bytes): only the codings
 * the gate reads (gzip, x-gzip, deflate, br, zstd, identity; their
 * q-values kept), so that a page comes back in one it can read.  *out
 * gets the value (the caller's, consent_free), or NULL when none is
 * left: send no Accept-Encoding (identity).  Returns CONSENT_OK,
 * CONSENT_E_INVAL or CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_http_accept_encoding(const char *value, size_t len, char **out);

/* How a host changes a gated response's headers.  Append only. */
typedef enum consent_header_op {
  CONSENT_HEADER_REMOVE = 0,  /* remove every header of this name */
  CONSENT_HEADER_SET = 1,     /* set it to the value (replacing) */
  CONSENT_HEADER_MERGE = 2    /* add the value's names to a list header
                                 (Vary) */
} consent_header_op;

/* The i-th change (from 0) a gated response's headers need: 1 and *op,
 * *name and *value (static, or owned by the gate) while there is one, 0
 * after the last.  The body changes, so its length and validators go
 * (Content-Length, Content-MD5, ETag, Last-Modified) and ranges are off;
 * Vary lists what the output depends on and nothing else: Cookie and
 * Sec-GPC per visitor (site given, not cache-safe), Accept-Language when
 * the gate has more than one language.  site may be NULL (no consent
 * cookie: the output does not depend on one).  Thread-safe.
 * Since: 0.1.0 */
CONSENT_EXTERN int
consent_gate_header_edit(const consent_gate_t *gate,
                         const consent_site_t *site, size_t i,
                         consent_header_op *op, const char **name,
                         const char **value);

/* ------------------------------------------------------------------ */
/* Consent banners                                                     */

/* Reads the cookie value one consent banner wrote (source: one
 * CONSENT_SOURCE_* other than COOKIE and GPC; URL-encoded and quoted
 * forms accepted) and records, in state, each provider the banner allows
 * or refuses under the registry's mapping rules (docs/banners.md), at
 * time now (0: the current time).  Providers it says nothing about are
 * left alone.  On CONSENT_E_PARSE (malformed), CONSENT_E_LIMIT (over 16
 * KB) and the like, state is unchanged and *errmsg (may be NULL; free
 * with consent_free) says why.  Returns CONSENT_OK, CONSENT_E_PARSE,
 * CONSENT_E_LIMIT, CONSENT_E_INVAL or CONSENT_E_NOMEM.  Thread-safe for
 * distinct states.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_banner_read(const consent_registry_t *registry, unsigned int source,
                    const char *value, size_t len, consent_state_t *state,
                    long long now, char **errmsg);

/* Decodes the core segment of an IAB TCF v2.2 TC string into JSON
 * (docs/banners.md: version, times, CMP, purposes, vendors in either
 * encoding, publisher restrictions); other segments are skipped.  *json
 * is the caller's (consent_free).  Returns CONSENT_OK, CONSENT_E_PARSE
 * (malformed or truncated; *errmsg says where), CONSENT_E_LIMIT (over 16
 * KB), CONSENT_E_INVAL or CONSENT_E_NOMEM.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_tcf_decode(const char *tc, size_t len, char **json, char **errmsg);

/* ------------------------------------------------------------------ */
/* Previews: oEmbed titles and thumbnails served from the site         */

/* A cache folder of previews (docs/previews.md): the title, author and
 * thumbnail of embeds, fetched by the server (libcurl) from the
 * provider's own oEmbed endpoint and served from the site's origin, so a
 * placeholder can show them without the visitor's browser contacting the
 * provider.  Lookups (when gates render placeholders) and queueing are
 * thread-safe; one thread at a time runs the fetcher. */
typedef struct consent_previews consent_previews_t;

/* A preview cache in the folder dir, which must exist and be writable.
 * The registry (its oembed endpoints and hosts) must outlive it.  On
 * success *pv is owned by the caller (consent_previews_free).  Returns
 * CONSENT_OK, CONSENT_E_IO (no such writable folder), CONSENT_E_INVAL,
 * CONSENT_E_NOMEM, or CONSENT_E_UNSUPPORTED in a library configured with
 * --disable-previews (then every consent_previews_* call says so, and
 * neither libcurl nor a fetcher thread is linked).  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_previews_new(const consent_registry_t *registry, const char *dir,
                     consent_previews_t **pv);

/* Every gate using it must be freed first.  Since: 0.1.0 */
CONSENT_EXTERN void
consent_previews_free(consent_previews_t *pv);

/* Limits of the cache and the fetcher.  Append only. */
typedef enum consent_preview_option {
  CONSENT_PREVIEW_CACHE_BYTES = 0,  /* size cap of the folder (256 MiB);
                                       the oldest entries go first */
  CONSENT_PREVIEW_TTL = 1,          /* seconds before a refresh (7 days) */
  CONSENT_PREVIEW_ERROR_TTL = 2,    /* seconds a failure is kept (1 hour) */
  CONSENT_PREVIEW_CONCURRENCY = 3,  /* transfers at once (4, at most 64) */
  CONSENT_PREVIEW_TIMEOUT_MS = 4,   /* per transfer (10000) */
  CONSENT_PREVIEW_MAX_JSON = 5,     /* bytes of an oEmbed answer (64 KiB) */
  CONSENT_PREVIEW_MAX_IMAGE = 6,    /* bytes of a thumbnail (2 MiB) */
  CONSENT_PREVIEW_MEMORY = 7        /* entries kept in memory (0, the
                                       default: none).  With some, a
                                       lookup never reads the folder: it
                                       answers from memory and queues a
                                       miss; the fetcher loads what the
                                       folder already has (for servers
                                       whose request path must not block
                                       on file I/O: the nginx module). */
} consent_preview_option;

/* Sets one limit.  Returns CONSENT_OK or CONSENT_E_INVAL.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_previews_set_limit(consent_previews_t *pv,
                           consent_preview_option option, long long value);

/* One setting of the cache or its fetcher as "NAME=VALUE", the form
 * host directives take: ca=FILE, resolve=HOST:PORT:ADDRESS,
 * trust=ADDRESS, or a limit by name (cache_bytes, ttl, error_ttl,
 * concurrency, timeout_ms, max_json, max_image, memory) with a decimal
 * value.
 * pv NULL only checks the option (for a host's configuration parser).
 * Returns CONSENT_OK, CONSENT_E_INVAL (unknown name, bad value),
 * CONSENT_E_LIMIT or CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_previews_set_option(consent_previews_t *pv, const char *option);

/* The content type of a file of the cache folder a host may serve by
 * name (len bytes, without the folder): "KEY.jpg", ".png", ".webp" or
 * ".gif" with KEY 64 lowercase hex digits; NULL for anything else (serve
 * nothing: 404).  Static.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_previews_file_type(const char *name, size_t len);

/* The URL path the host serves the cache folder under (default
 * "/consent-previews/"; starts and ends with '/'; copied).  Returns
 * CONSENT_OK, CONSENT_E_INVAL or CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_previews_set_url_prefix(consent_previews_t *pv, const char *prefix);

/* A CA bundle for verifying the providers (default: the system's).
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_previews_set_ca_file(consent_previews_t *pv, const char *path);

/* A fixed address for a host name, "HOST:PORT:ADDRESS" (libcurl
 * CURLOPT_RESOLVE), for split DNS and for tests.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_previews_add_resolve(consent_previews_t *pv, const char *entry);

/* An address the fetcher may connect to although it is loopback, private
 * or link-local (never allowed otherwise: no SSRF through a crafted embed
 * URL).  For tests and private provider mirrors.  Returns CONSENT_OK,
 * CONSENT_E_INVAL or CONSENT_E_LIMIT (16).  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_previews_trust_address(consent_previews_t *pv, const char *address);

/* Queues an embed URL for the fetcher (a provider with an oEmbed endpoint
 * only).  Returns CONSENT_OK, CONSENT_E_NOTFOUND, CONSENT_E_LIMIT (4096
 * queued), CONSENT_E_INVAL or CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_previews_queue(consent_previews_t *pv, const char *url, size_t len);

/* How many URLs wait for the fetcher.  Since: 0.1.0 */
CONSENT_EXTERN size_t
consent_previews_pending(consent_previews_t *pv);

/* Fetches the queued URLs (several at once) until the queue is empty or
 * max_ms milliseconds have passed (0: no limit); unfinished ones go back
 * to the queue.  *fetched and *failed (may be NULL) count this run's
 * outcomes.  Never on the request path: call it from a thread of its own
 * or from consent-gate --fetch-previews.  Returns CONSENT_OK, CONSENT_E_INVAL
 * or CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_previews_run(consent_previews_t *pv, long long max_ms,
                     unsigned int *fetched, unsigned int *failed);

/* Placeholders show previews from this cache (when their template has
 * {{preview}}, as the built-in one does); misses are queued.  The cache
 * must outlive the gates built from this configuration.
 * Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_set_previews(consent_config_t *config,
                            consent_previews_t *pv);

/* ------------------------------------------------------------------ */
/* A cache of gated pages                                              */

/* Hosts that gate the same page for many visitors (a static file, any
 * response with a strong validator) may keep the gated bytes and send
 * them again without rewriting: a bounded in-memory cache, the least
 * recently used entries out first.  An entry is found only by a key that
 * holds everything its bytes depend on (consent_cache_key), so it is
 * never sent to a visitor whose decisions, language or page differ.
 * Thread-safe.  Since: 0.2.0 (CONSENT_1.1) */
typedef struct consent_cache consent_cache_t;
typedef struct consent_cache_entry consent_cache_entry_t;

#define CONSENT_CACHE_KEY_SIZE 32

/* A cache of at most max_bytes of gated pages (at least 65536).  Returns
 * CONSENT_OK, CONSENT_E_INVAL or CONSENT_E_NOMEM.  Since: 0.2.0 */
CONSENT_EXTERN consent_status
consent_cache_new(size_t max_bytes, consent_cache_t **cache);

/* Entries still held (consent_cache_get) must be released first.
 * Since: 0.2.0 */
CONSENT_EXTERN void
consent_cache_free(consent_cache_t *cache);

/* The key of one gated response: the gate, the response's validator
 * (vlen bytes: its ETag, or its Last-Modified and length, whatever
 * changes when the page does), the coding of its body, the request's
 * path and query (plen bytes: the placeholders' return field), the
 * language the rewriter is given (lang, or NULL), and what the visitor
 * decided at time now (state, or NULL without consent): every
 * provider's allowed, refused or undecided, Global Privacy Control and
 * whether a banner answered, so the notice too is as it would be.  A
 * response with a CSP nonce is unique: do not cache it.  Returns
 * CONSENT_OK, CONSENT_E_INVAL (also for a state of another registry
 * than the gate's), CONSENT_E_NOMEM or CONSENT_E_CRYPTO.
 * Since: 0.2.0 */
CONSENT_EXTERN consent_status
consent_cache_key(const consent_gate_t *gate, const consent_state_t *state,
                  long long now, const char *validator, size_t vlen,
                  consent_encoding coding, const char *path, size_t plen,
                  const char *lang,
                  unsigned char key[CONSENT_CACHE_KEY_SIZE]);

/* Looks a key up at time now (0: the current time).  On a hit returns 1,
 * *data and *len the gated bytes, valid until
 * consent_cache_release(cache, *entry); 0 on a miss (or an entry past
 * its age, removed).  Since: 0.2.0 */
CONSENT_EXTERN int
consent_cache_get(consent_cache_t *cache,
                  const unsigned char key[CONSENT_CACHE_KEY_SIZE],
                  long long now, const consent_cache_entry_t **entry,
                  const char **data, size_t *len);

/* Lets go of an entry consent_cache_get() handed out.  Since: 0.2.0 */
CONSENT_EXTERN void
consent_cache_release(consent_cache_t *cache,
                      const consent_cache_entry_t *entry);

/* Keeps a copy of len gated bytes under key for at most max_age seconds
 * (0: until pushed out), pushing out the least recently used entries
 * past the cache's size; an entry of the same key is replaced.  Returns
 * CONSENT_OK, CONSENT_E_LIMIT (more than an eighth of the cache: not
 * kept), CONSENT_E_INVAL or CONSENT_E_NOMEM.  Since: 0.2.0 */
CONSENT_EXTERN consent_status
consent_cache_put(consent_cache_t *cache,
                  const unsigned char key[CONSENT_CACHE_KEY_SIZE],
                  const char *data, size_t len, long long max_age,
                  long long now);

/* Keeps the rewriter's output in the cache: when it ends without an
 * error, its output as given to the sink (in the response's coding) is
 * put under key (consent_cache_key) for max_age seconds (0: until pushed
 * out); an output over an eighth of the cache is not kept.  The cache
 * must outlive the rewriter.  Call before the first write.  Returns
 * CONSENT_OK or CONSENT_E_INVAL.  Since: 0.2.0 */
CONSENT_EXTERN consent_status
consent_rewriter_set_cache(consent_rewriter_t *rw, consent_cache_t *cache,
                           const unsigned char key[CONSENT_CACHE_KEY_SIZE],
                           long long max_age);

/* What the cache holds and how lookups went (each pointer may be NULL).
 * Since: 0.2.0 */
CONSENT_EXTERN void
consent_cache_stats(consent_cache_t *cache, size_t *entries, size_t *bytes,
                    unsigned long *hits, unsigned long *misses);

/* ------------------------------------------------------------------ */
/* Assets                                                              */

/* Append only. */
typedef enum consent_asset_id {
  CONSENT_ASSET_SCRIPT = 0,  /* the activation script (JavaScript) */
  CONSENT_ASSET_STYLE = 1,   /* the placeholders' default style (CSS) */
  CONSENT_ASSET_GUARD = 2    /* the runtime guard (JavaScript; served as
                                guard.js beside the activation script) */
} consent_asset_id;

/* The text of an asset, for hosts that serve it by URL
 * (CONSENT_SCRIPT_URL); *len (may be NULL) gets its length.  Static;
 * NULL for an unknown id.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_asset(consent_asset_id which, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* CONSENT_H */
