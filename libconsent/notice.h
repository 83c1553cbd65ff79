/*
 * notice.h: the consent notice (what the gate blocked that has no place
 * on the page: analytics, pixels, fonts, tag managers) and the settings
 * page the consent endpoint serves.  Both are rendered here, in the
 * placeholder's languages and style; the rewriter decides when a notice
 * is due and the endpoint when the settings page is.
 */
#ifndef HEADER_CONSENT_NOTICE_H
#define HEADER_CONSENT_NOTICE_H

#include <stddef.h>
#include <stdint.h>

#include "placeholder.h"
#include "registry.h"
#include "state.h"
#include "util.h"

/* What one notice lists and where its form goes. */
struct consent__notice {
  const struct consent_registry *reg;
  const size_t *prov;          /* registry indexes, any order */
  size_t n;
  const char *endpoint;        /* URL, or NULL: buttons for the script */
  const char *return_path;     /* for the form, or NULL ("/") */
};

int consent__render_notice(const struct consent__texts *t, size_t lang,
                           const struct consent__notice *n,
                           struct consent__buf *out);

/* The settings page: a whole HTML document. */
struct consent__settings {
  const struct consent_registry *reg;
  const struct consent_state *state;  /* the visitor's, verified */
  int64_t now;
  const char *return_path;             /* the page to go back to */
  const char *site_privacy;            /* URL or NULL */
  int saved;                           /* say "saved" */
};

int consent__render_settings(const struct consent__texts *t, size_t lang,
                             const struct consent__settings *s,
                             struct consent__buf *out);

/* Appends s (n bytes) percent-encoded for a URL query value. */
int consent__query_escape(struct consent__buf *b, const char *s, size_t n);

#endif /* HEADER_CONSENT_NOTICE_H */
