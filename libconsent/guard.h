/*
 * guard.h: the runtime guard, a script placed first in <head> that stops
 * the page's own scripts from reaching a provider the visitor has not
 * allowed (libconsent/assets/guard.js), with the provider rules written
 * into it.
 */
#ifndef HEADER_CONSENT_GUARD_H
#define HEADER_CONSENT_GUARD_H

#include <stddef.h>

#include "placeholder.h"
#include "registry.h"
#include "util.h"

/* Whether the visitor may reach provider prov (a registry index). */
typedef int (*consent__guard_allowed_fn)(const void *ud, long prov);

/* Appends <script data-consent-guard="RULES" [nonce]>GUARD</script>, or
 * with url <script data-consent-guard="RULES" src="URL"></script>: RULES
 * the JSON {h, a, t, n}, h the host patterns of the enabled providers
 * that are not allowed, a the ids allowed, t the placeholder texts of
 * language lang, n the names.  Returns 0 or CONSENT_E_NOMEM. */
int consent__guard_script(const struct consent_registry *r,
                          const struct consent__texts *texts, size_t lang,
                          const char *nonce, const char *url,
                          consent__guard_allowed_fn allowed,
                          const void *ud, struct consent__buf *out);

/* The guard's code alone (for sites that serve it by URL). */
extern const char consent__asset_guard[];

#endif /* HEADER_CONSENT_GUARD_H */
