/*
 * banners.h: consent signals of the common consent banners and of Global
 * Privacy Control, as per-provider decisions (docs/banners.md).
 */
#ifndef HEADER_CONSENT_BANNERS_H
#define HEADER_CONSENT_BANNERS_H

#include <stddef.h>
#include <stdint.h>

#include "registry.h"

/* The name of one CONSENT_SOURCE_* bit ("tcf", ...), or NULL. */
const char *consent__source_name(unsigned bit);

/* The cookie a banner source writes ("euconsent-v2", ...), or NULL. */
const char *consent__source_cookie(unsigned bit);

/* Parses "cookie tcf klaro gpc" (spaces or commas) into CONSENT_SOURCE_*
 * bits.  Returns 0 or CONSENT_E_PARSE with a message. */
int consent__sources_parse(const char *list, unsigned *out, char *errmsg,
                           size_t cap);

/* Reads one banner cookie value: dec[i] (one per provider of the
 * registry) becomes 1 (allowed) or 0 (refused) where the banner says so,
 * and is left alone elsewhere.  Returns 0 or a consent_status
 * (CONSENT_E_PARSE, CONSENT_E_LIMIT, CONSENT_E_NOMEM) with a message. */
int consent__banner_read(const struct consent_registry *r, unsigned source,
                         const char *v, size_t n, signed char *dec,
                         char *errmsg, size_t cap);

/* Sec-GPC: 1: refuses every provider marked sale_sharing or in one of the
 * categories (bit per consent_category). */
void consent__gpc_apply(const struct consent_registry *r,
                        uint32_t categories, signed char *dec);

/* Whether GPC keeps this provider from being allowed "always". */
int consent__gpc_locks(const struct consent__provider *p,
                       uint32_t categories);

#endif /* HEADER_CONSENT_BANNERS_H */
