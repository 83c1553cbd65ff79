/*
 * previews-api.c: the public calls of the preview cache
 * (include/consent.h), the same in a library built with and without
 * previews (previews.c or previews-off.c behind them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent.h"
#include "previews.h"
#include "registry.h"
#include "util.h"

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
    "max_json", "max_image", "memory", NULL
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
