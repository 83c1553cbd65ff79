/*
 * previews-off.c: the previews of a library configured with
 * --disable-previews: no libcurl, no fetcher thread, nothing in the
 * server's address space for them.  Every call says the build leaves the
 * feature out (CONSENT_E_UNSUPPORTED); the public functions stay, so the
 * ABI is the same either way.
 */
#include <errno.h>
#include <stddef.h>

#include "consent.h"
#include "previews.h"

int
consent__previews_lookup(struct consent_previews *pv, const char *id,
                         const char *url, size_t len,
                         struct consent__preview *out)
{
  (void)pv, (void)id, (void)url, (void)len, (void)out;
  return 0;
}

struct consent_previews *
consent__previews_new(const struct consent_registry *reg, const char *dir)
{
  (void)reg, (void)dir;
  errno = ENOTSUP;
  return NULL;
}

void
consent__previews_free(struct consent_previews *pv)
{
  (void)pv;
}

int
consent__previews_set(struct consent_previews *pv, int opt, long long v)
{
  (void)pv, (void)opt, (void)v;
  return CONSENT_E_UNSUPPORTED;
}

int
consent__previews_set_prefix(struct consent_previews *pv,
                             const char *prefix)
{
  (void)pv, (void)prefix;
  return CONSENT_E_UNSUPPORTED;
}

int
consent__previews_set_ca(struct consent_previews *pv, const char *file)
{
  (void)pv, (void)file;
  return CONSENT_E_UNSUPPORTED;
}

int
consent__previews_resolve(struct consent_previews *pv, const char *entry)
{
  (void)pv, (void)entry;
  return CONSENT_E_UNSUPPORTED;
}

int
consent__previews_trust(struct consent_previews *pv, const char *addr)
{
  (void)pv, (void)addr;
  return CONSENT_E_UNSUPPORTED;
}

int
consent__previews_queue(struct consent_previews *pv, long prov,
                        const char *url, size_t len)
{
  (void)pv, (void)prov, (void)url, (void)len;
  return CONSENT_E_UNSUPPORTED;
}

size_t
consent__previews_pending(struct consent_previews *pv)
{
  (void)pv;
  return 0;
}

int
consent__previews_run(struct consent_previews *pv, long long max_ms,
                      unsigned *done, unsigned *failed)
{
  (void)pv, (void)max_ms;
  if (done != NULL)
    *done = 0;
  if (failed != NULL)
    *failed = 0;
  return CONSENT_E_UNSUPPORTED;
}

void
consent__previews_count(struct consent_previews *pv)
{
  (void)pv;
}

const struct consent_registry *
consent__previews_registry(const struct consent_previews *pv)
{
  (void)pv;
  return NULL;
}
