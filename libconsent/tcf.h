/*
 * tcf.h: the core segment of an IAB TCF v2.2 TC string (the
 * "euconsent-v2" cookie), decoded.
 */
#ifndef HEADER_CONSENT_TCF_H
#define HEADER_CONSENT_TCF_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define CONSENT__TCF_MAX_STRING 16384   /* longest TC string read */
#define CONSENT__TCF_MAX_VENDOR 65535
#define CONSENT__TCF_MAX_RESTRICTIONS 4096

struct consent__tcf_restriction {
  unsigned purpose;     /* 1..24 (6 bits) */
  unsigned type;        /* 0 not allowed, 1 require consent, 2 require LI */
  unsigned start, end;  /* vendor ids */
};

struct consent__tcf {
  unsigned version;
  int64_t created, updated;        /* deciseconds since the epoch */
  unsigned cmp_id, cmp_version, consent_screen;
  char language[3], publisher_cc[3];
  unsigned vendor_list_version, policy_version;
  unsigned service_specific, non_standard_texts, purpose_one_treatment;
  uint32_t special_features;       /* bit i-1: feature i (1..12) */
  uint32_t purposes, purposes_li;  /* bit i-1: purpose i (1..24) */
  unsigned max_vendor, max_vendor_li;
  uint8_t vendors[8192], vendors_li[8192];   /* bit per vendor id */
  struct consent__tcf_restriction *restr;
  size_t nrestr;
};

/* Decodes the core segment of a TC string (other segments are ignored).
 * Returns 0, or a consent_status (CONSENT_E_PARSE for a malformed or
 * truncated string, CONSENT_E_LIMIT over CONSENT__TCF_MAX_STRING,
 * CONSENT_E_NOMEM) with a message in errmsg.  Free with
 * consent__tcf_free() in every case. */
int consent__tcf_decode(struct consent__tcf *t, const char *s, size_t n,
                        char *errmsg, size_t cap);
void consent__tcf_free(struct consent__tcf *t);

int consent__tcf_vendor(const uint8_t *bits, unsigned id);

/* Whether the vendor may process for the purpose under the publisher's
 * restrictions (0 when a "not allowed" restriction covers it). */
int consent__tcf_restricted(const struct consent__tcf *t, unsigned purpose,
                            unsigned vendor);

/* The decoded segment as JSON (docs/banners.md). */
int consent__tcf_json(const struct consent__tcf *t, struct consent__buf *out);

#endif /* HEADER_CONSENT_TCF_H */
