/*
 * endpoint.h: a site's consent settings, one request's consent, and the
 * consent endpoint every host serves (docs/endpoint.md).  The rules live
 * here so that httpd, nginx, the bindings and the CLI behave alike.
 */
#ifndef HEADER_CONSENT_ENDPOINT_H
#define HEADER_CONSENT_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "cookie.h"
#include "placeholder.h"
#include "registry.h"
#include "state.h"
#include "util.h"

#define CONSENT__HEADER_MAX 16384   /* longest request header kept */
#define CONSENT__RETURN_MAX 2048    /* longest return path */
#define CONSENT__COMPANION "consent_allowed"  /* read by consent.js */

struct consent_site {
  const struct consent_registry *reg;
  const struct consent_keyring *ring;
  char *cookie_name, *domain, *path;
  unsigned flags;                   /* CONSENT_COOKIE_* */
  unsigned policy;
  int64_t max_age;
  unsigned sources;                 /* CONSENT_SOURCE_* */
  uint32_t gpc_categories;          /* bit per consent_category */
  /* Reverse proxies whose forwarding headers tell the request's origin:
   * address (IPv4 as IPv4-mapped IPv6) and prefix length. */
  struct consent__net {
    unsigned char addr[16];
    unsigned bits;
  } proxies[16];
  size_t nproxies;
};

struct consent__header {
  const char *name;                 /* static */
  char *value;
};

struct consent_request {
  const struct consent_site *site;
  int https;
  struct consent__buf cookie, host, origin, fetch_site, ctype, lang;
  /* Forwarding headers, believed when the peer is a trusted proxy. */
  struct consent__buf fwd_proto, fwd_host, forwarded;
  int peer_trusted;
  int gpc;                          /* Sec-GPC: 1 */
  /* The texts of the settings page: the gate's (consent_request_set_gate),
   * or NULL for the built-in ones. */
  const struct consent__texts *texts;
  size_t texts_lang;                /* its default language */
  const char *site_privacy;
  struct consent_state state;      /* the site's cookie alone */
  struct consent_state combined;   /* with the banners and GPC */
  /* What consent_request_state() hands out: a state of its own (a
   * shallow copy of the effective one, read-only, valid until the next
   * call), never one of the fields above. */
  struct consent_state view;
  const struct consent_state *effective;
  int state_ready, combined_ready, cookie_status;
  int state_done;               /* the state is complete (not after
                                   running out of memory) */
  char banner_msg[200];             /* why a banner cookie was ignored */
  /* The endpoint's answer. */
  int status;
  struct consent__header hdr[8];
  size_t nhdr;
  struct consent__buf body, receipt;
  char reason[200];
};

void consent__site_init(struct consent_site *s,
                        const struct consent_registry *reg,
                        const struct consent_keyring *ring);
void consent__site_free(struct consent_site *s);

/* Reads "ADDR[/BITS] ..." (spaces or commas) into the site's trusted
 * proxies.  CONSENT_OK, CONSENT_E_INVAL (*bad: the word) or
 * CONSENT_E_LIMIT (over 16). */
int consent__site_trust_proxies(struct consent_site *s, const char *list,
                                char *bad, size_t badlen);

/* Whether p (n bytes) is a relative path of this site: "/..." but not
 * "//" or "/\\", no backslash, blank or control byte, at most
 * CONSENT__RETURN_MAX bytes. */
int consent__return_path_ok(const char *p, size_t n);

/* Whether addr (IPv4 or IPv6 text) is one of the trusted proxies. */
int consent__request_set_peer(struct consent_request *r,
                              const char *addr);
/* Returns a consent_status. */
int consent__site_set_cookie(struct consent_site *s, const char *name,
                             const char *domain, const char *path,
                             unsigned flags);

void consent__request_init(struct consent_request *r,
                           const struct consent_site *site, int https);
void consent__request_free(struct consent_request *r);
/* Returns a consent_status. */
int consent__request_header(struct consent_request *r, const char *name,
                            const char *value, size_t len);
/* Verifies the cookie once and combines it with the site's other consent
 * sources (a refusal anywhere wins); returns -1 when out of memory, else 0
 * with r->effective ready and r->cookie_status set. */
int consent__request_state(struct consent_request *r, int64_t now);
/* Returns a consent_status; the answer is in r. */
int consent__request_endpoint(struct consent_request *r,
                              const char *method, const char *query,
                              size_t qlen, const char *body, size_t blen,
                              int64_t now);

#endif /* HEADER_CONSENT_ENDPOINT_H */
