/*
 * previews.h: privacy-safe previews (docs/previews.md).  The server
 * fetches an embed's oEmbed metadata and thumbnail once, with libcurl,
 * into a cache folder it serves itself; placeholders show the title and
 * the local thumbnail.  Never on the request path: a miss renders without
 * a preview and queues the URL for the fetcher.
 */
#ifndef HEADER_CONSENT_PREVIEWS_H
#define HEADER_CONSENT_PREVIEWS_H

#include <stddef.h>
#include <stdint.h>

#include "registry.h"

struct consent_previews;

/* What a placeholder shows. */
struct consent__preview {
  char title[256];
  char author[128];
  char image[600];          /* URL under the site's prefix, or "" */
  unsigned width, height;
};

/* Looks up an embed URL of the provider with this id in the cache
 * (thread-safe; the id is looked up in the previews' own registry, which
 * need not be the gate's).  Returns 1 and fills out when there is a
 * preview; 0 otherwise.  A miss, or an entry past its time, queues the
 * URL for the fetcher. */
int consent__previews_lookup(struct consent_previews *pv, const char *id,
                             const char *url, size_t len,
                             struct consent__preview *out);

/* A cache in dir (which must exist and be writable), or NULL (errno). */
struct consent_previews *consent__previews_new(
  const struct consent_registry *reg, const char *dir);
void consent__previews_free(struct consent_previews *pv);
/* CONSENT_PREVIEW_* options; each returns a consent_status.  pv NULL
 * (here and in _trust): the value is only checked. */
int consent__previews_set(struct consent_previews *pv, int opt,
                          long long v);
int consent__previews_set_prefix(struct consent_previews *pv,
                                 const char *prefix);
int consent__previews_set_ca(struct consent_previews *pv, const char *file);
int consent__previews_resolve(struct consent_previews *pv,
                              const char *entry);
int consent__previews_trust(struct consent_previews *pv, const char *addr);
/* Queues an embed URL of provider prov (thread-safe). */
int consent__previews_queue(struct consent_previews *pv, long prov,
                            const char *url, size_t len);
size_t consent__previews_pending(struct consent_previews *pv);

/* The registry the cache was made with (its oEmbed endpoints, hosts). */
const struct consent_registry *
consent__previews_registry(const struct consent_previews *pv);
/* Fetches what is queued (one thread at a time). */
int consent__previews_run(struct consent_previews *pv, long long max_ms,
                          unsigned *done, unsigned *failed);
void consent__previews_count(struct consent_previews *pv);

/* Whether a fetch must never connect to this address: loopback,
 * private, link-local, multicast, reserved, and IPv6 forms that carry
 * such an IPv4 address (mapped, compatible, NAT64, 6to4).  Non-zero: no. */
struct sockaddr;
int consent__internal_address(const struct sockaddr *sa);

#endif /* HEADER_CONSENT_PREVIEWS_H */
