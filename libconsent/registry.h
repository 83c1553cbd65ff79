/*
 * registry.h: the providers a site gates: built-in defaults, extended,
 * overridden or disabled by provider files (docs/providers.md), and the
 * host table that maps a URL to its provider without scanning every
 * pattern.
 */
#ifndef HEADER_CONSENT_REGISTRY_H
#define HEADER_CONSENT_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "tags.h"
#include "url.h"

#define CONSENT__ID_MAX 32
#define CONSENT__CATEGORIES 11

struct consent__strlist {
  char **v;
  size_t n;
};

struct consent__provider {
  char id[CONSENT__ID_MAX + 1];
  char *name;
  char *privacy;
  char *oembed;
  char *hosts_joined;         /* the host patterns, space-separated */
  int category;               /* consent_category */
  unsigned code;              /* its number in the consent cookie */
  unsigned enabled : 1;
  unsigned code_given : 1;
  struct consent__strlist hosts;   /* "host" or "host/path" */
  struct consent__strlist widgets; /* "tag.class", "tag#id", "tag[attr]" */
  struct consent__strlist inlines; /* substrings of inline scripts */
  struct consent__strlist banners; /* "source:name" mapping rules */
  unsigned tcf_vendor;             /* IAB TCF vendor id, 0: none */
  uint32_t tcf_purposes;           /* bit i-1: TCF purpose i needed */
  unsigned sale_sharing : 1;       /* refused under Global Privacy Control */
};

/* One host pattern in the lookup table. */
struct consent__pattern {
  char *host;
  size_t host_len;
  char *path;                 /* "" for every path */
  size_t path_len;
  unsigned prov;
  long next;                  /* next pattern of the same host, or -1 */
};

/* A widget selector, compiled: tag.class, tag#id, tag[attribute],
 * tag[attribute=value] or tag[attribute^=value]. */
struct consent__widget {
  char tag[16];
  size_t tag_len;
  unsigned tag_id;            /* its enum consent__tag */
  unsigned class_hash;        /* '.': consent__class_hash of the class */
  char sel;                   /* '.', '#' or '[' */
  char value[64];             /* the class, id or attribute name */
  size_t value_len;
  char op;                    /* '[': 0 (present), '=' or '^' (prefix) */
  char attr_value[64];
  size_t attr_value_len;
  unsigned prov;
};

/* An inline script signature with its provider. */
struct consent__signature {
  const char *text;           /* points into the provider's list */
  size_t len;
  unsigned prov;
  unsigned pair;              /* its first two bytes, big-endian */
  uint32_t head;              /* its first four bytes as stored (len >= 4) */
};

struct consent_registry {
  struct consent__provider *prov;
  size_t count, cap;
  struct consent__pattern *pat;
  size_t npat;
  size_t path_max;            /* the longest pattern path, and one more */
  long *slots;                /* hash of hosts: first pattern, or -1 */
  size_t nslots;
  /* A bit per hash of the last two labels of every pattern's host (a
   * host whose last two labels have no bit matches no pattern); off
   * when a pattern's host has one label. */
  unsigned char tail_bits[512];
  int tail_off;
  size_t *enabled;            /* indexes of the enabled providers */
  size_t nenabled;
  /* Compiled from the enabled providers, for the matcher. */
  struct consent__widget *widgets;  /* in the order of their tag ids */
  size_t nwidgets;
  /* The widgets of tag id k are widgets[wfirst[k]] up to wfirst[k + 1]
   * (those of CONSENT__TAG_OTHER: every tag name the table lacks). */
  uint32_t wfirst[CONSENT__TAG_COUNT + 1];
  /* Per tag id, bit n: an attribute selector ('[') of its widgets names
   * an attribute of n bytes (n < 64; bit 63 for longer ones). */
  uint64_t wname_len[CONSENT__TAG_COUNT];
  struct consent__signature *sigs;
  size_t nsigs;
  unsigned char sig_pairs[8192];  /* bit per first two bytes of a sig */
  /* Where consent__match_text looks: sig_pairs and the pairs a URL in
   * script text starts with ("//", "\\/"); and, for a SIMD filter, the
   * first three bytes of the same as nibble masks (byte k's low nibble
   * in [2k], its high nibble in [2k + 1]; a bit per group). */
  unsigned char text_pairs[8192];
  unsigned char text_nibbles[6][16];
  unsigned char class_hash[512];  /* bit per hash of a widget class */
  int wattr_cls;                  /* a [class...] widget selector */
  /* The first bytes an element's id may start with and match an id
   * selector (#x, [id], [id=x], [id^=x]): a filter before the widgets
   * are compared. */
  unsigned char wid_first[256];
  char errmsg[512];
};


/* Category names, indexed by consent_category. */
extern const char *const consent__category_names[CONSENT__CATEGORIES];

void consent__registry_init(struct consent_registry *r);
void consent__registry_free(struct consent_registry *r);

/* Adds the built-in providers.  Returns a consent_status. */
int consent__registry_builtin(struct consent_registry *r);

/* Reads a provider file held in memory; name is used in messages.  On an
 * error the registry is as it was and r->errmsg says "NAME:LINE: ...".
 * Returns a consent_status. */
int consent__registry_load(struct consent_registry *r, const char *buf,
                           size_t len, const char *name);

/* The index of a provider by id (enabled or not), or -1. */
long consent__registry_find(const struct consent_registry *r,
                            const char *id, size_t len);

/* The index of a provider by cookie code, or -1. */
long consent__registry_by_code(const struct consent_registry *r,
                               unsigned code);

/* The enabled provider a parsed URL belongs to, or -1: the longest host
 * suffix (at a label boundary) with a pattern, a pattern whose path
 * prefix matches preferred to one for every path. */
long consent__registry_match(const struct consent_registry *r,
                             const struct consent__url *u);

/* Whether a URL whose host is written as host (len bytes, before any
 * decoding) may belong to an enabled provider: 0 only when neither the
 * host nor a parent domain has a pattern (for a plain ASCII host name; 1
 * for any other). */
int consent__registry_may_match_host(const struct consent_registry *r,
                                     const char *host, size_t len);

/* Whether a URL as written in an attribute may belong to an enabled
 * provider: 0 only for an http(s) or "//" URL whose plain host neither
 * has nor is below a pattern (the test above, without parsing the URL);
 * 1 for any other. */
int consent__registry_may_match_url(const struct consent_registry *r,
                                    const char *url, size_t len);

/* The same for a URL as written in an attribute (only as much of its
 * path is read as a pattern can compare). */
long consent__registry_match_url(const struct consent_registry *r,
                                 const char *url, size_t len);

#endif /* HEADER_CONSENT_REGISTRY_H */
