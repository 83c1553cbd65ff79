/*
 * cookie.h: the signed consent cookie (format in docs/cookie.md) and the
 * key ring that signs and verifies it (OpenSSL HMAC-SHA256 via EVP_MAC).
 */
#ifndef HEADER_CONSENT_COOKIE_H
#define HEADER_CONSENT_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"
#include "util.h"

#define CONSENT__COOKIE_VERSION 1
#define CONSENT__COOKIE_MAX 4096
#define CONSENT__KEY_BYTES 32
#define CONSENT__MAC_BYTES 16     /* HMAC-SHA256, first 128 bits */
#define CONSENT__CLOCK_SKEW 300   /* seconds a cookie may be "from the
                                     future" (clocks of a fleet differ) */

struct consent__key {
  unsigned id;                    /* 1..255 */
  int64_t created;
  unsigned char secret[CONSENT__KEY_BYTES];
};

struct consent_keyring {
  struct consent__key *keys;
  size_t n;
};

/* Reads a key file held in memory.  On an error, errmsg (cap bytes) says
 * "NAME:LINE: problem".  Returns a consent_status. */
int consent__keyring_parse(struct consent_keyring *ring, const char *buf,
                           size_t len, const char *name, char *errmsg,
                           size_t cap);
void consent__keyring_free(struct consent_keyring *ring);

/* The key that signs: the newest (latest created, then highest id). */
const struct consent__key *
consent__keyring_signing(const struct consent_keyring *ring);

/* Writes the ring in the key file format. */
int consent__keyring_format(const struct consent_keyring *ring,
                            struct consent__buf *out);

/* Adds a new random key (the next free id) created at now. */
int consent__keyring_add(struct consent_keyring *ring, int64_t now,
                         unsigned *id);

/* Signs the state into a cookie value (base64url).  The state's receipt
 * id and issue time are set.  receipt, if not NULL, gets the consent
 * receipt as JSON.  Returns a consent_status. */
int consent__cookie_issue(struct consent_state *s,
                          const struct consent_keyring *ring, int64_t now,
                          struct consent__buf *value,
                          struct consent__buf *receipt);

/* Verifies and decodes a cookie value into s (initialized by the
 * caller).  Returns CONSENT_OK or one of the CONSENT_E_COOKIE_* codes. */
int consent__cookie_verify(struct consent_state *s,
                           const struct consent_keyring *ring,
                           const char *value, size_t len, unsigned policy,
                           int64_t now);

/* Finds cookie "name" in a Cookie request header; the i-th (from 0) if
 * there are several.  Returns 1 when found. */
int consent__cookie_find(const char *header, size_t len, const char *name,
                         size_t i, const char **value, size_t *vlen);

/* The consent receipt of a state (docs/cookie.md) as JSON, appended to
 * out: receipt id, issue time, policy version, key id, decisions. */
int consent__receipt_json(const struct consent_state *s,
                          struct consent__buf *out);

/* Builds a Set-Cookie header value into out (appending): name=value,
 * Max-Age (none when max_age is -1: a session cookie), Path (NULL: "/"),
 * Domain (NULL: none) and the CONSENT_COOKIE_* flags.  Names and values a
 * cookie cannot hold give CONSENT_E_INVAL.  Returns a consent_status. */
int consent__set_cookie(struct consent__buf *out, const char *name,
                        const char *value, size_t value_len, int64_t max_age,
                        const char *domain, const char *path,
                        unsigned flags);

#endif /* HEADER_CONSENT_COOKIE_H */
