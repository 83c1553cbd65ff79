/*
 * matcher.h: which start tags open an embed, and of which provider.
 */
#ifndef HEADER_CONSENT_MATCHER_H
#define HEADER_CONSENT_MATCHER_H

#include <stddef.h>
#include <string.h>

#include "registry.h"
#include "tokenizer.h"

/* What kind of embed a tag opens. */
enum consent__embed_kind {
  CONSENT__EMBED_NONE = 0,
  CONSENT__EMBED_FRAME,     /* iframe, frame, embed, object: visible box */
  CONSENT__EMBED_MEDIA,     /* img, video, audio, picture source ... */
  CONSENT__EMBED_WIDGET,    /* blockquote.twitter-tweet and the like */
  CONSENT__EMBED_SCRIPT,    /* script with src, or inline */
  CONSENT__EMBED_LINK,      /* link rel=stylesheet/preconnect/... */
  CONSENT__EMBED_STYLE      /* style element loading a provider */
};

struct consent__match {
  long prov;                    /* registry index, -1: none */
  enum consent__embed_kind kind;
  int until_end;                /* capture up to the matching end tag */
  int visible;                  /* gets a visible placeholder */
  int pixel;                    /* an image of at most 2x2 pixels */
  int unreadable;               /* what it loads could not be read (out
                                   of memory): dropped, never passed */
};

/* Element names whose start tags the matcher needs attributes for (tag:
 * the name's enum consent__tag): 1, or CONSENT__TOK_WANT_IDS for tags
 * that can only be a widget's box (class and id decide; see below). */
int consent__match_wants(const struct consent_registry *r, unsigned tag,
                         const char *name, size_t len);

/* For a widget-only tag read on the tokenizer's skip path
 * (CONSENT__TOK_WANT_IDS): whether an attribute name (lowercase) is one a
 * widget selector of the tag names; whether a class or id value may match
 * a selector of the tag (then the tag is read whole and matched). */
int consent__match_widget_name(const struct consent_registry *r,
                               unsigned tag, const char *tname, size_t tlen,
                               const char *name, size_t len);
/* Whether any widget selector of the tag names an attribute
 * (consent__match_widget_name can then answer 1). */
int consent__match_widget_attrs(const struct consent_registry *r,
                                unsigned tag);
int consent__match_widget_ids(const struct consent_registry *r, unsigned tag,
                              const char *tname, size_t tlen,
                              const char *cls, size_t cls_len, int has_cls,
                              const char *id, size_t id_len, int has_id);

/* CSS text with its escapes decoded (CSS Syntax 4.3.7: a backslash and
 * up to six hex digits, with one whitespace after them, is that code
 * point in UTF-8; a backslash and a newline is nothing; a backslash and
 * any other character is that character), appended to out, so that
 * url(https:\2f\2f host) reads as the browser reads it.  0, or -1 out
 * of memory. */
int consent__css_unescape(const char *s, size_t n, struct consent__buf *out);

/* Whether an element can make the browser fetch by itself (frames,
 * scripts, media, links, styles); widget elements (a blockquote, a div)
 * cannot: only the script that comes with them does. */
int consent__match_fetches(unsigned tag);

/* The providers a visitor allows, for the calls below that take one:
 * an element or a text may load from several providers, and with an
 * allow they look past the ones allowed and name the first they find
 * that is not, else the first allowed one they found (then everything
 * it loads is allowed).  NULL: the first provider found. */
struct consent__allow {
  int (*allowed)(const void *ud, long prov);
  const void *ud;
};

/* Decides for a start tag (attributes recorded).  base_prov is the
 * provider of the document's <base href>, or -1: relative URLs then go
 * to it. */
void consent__match_tag(const struct consent_registry *r,
                        const struct consent__token *tok, long base_prov,
                        struct consent__match *m,
                        const struct consent__allow *allow);

/* The provider an inline script or style loads: an "inline" signature of
 * a provider, or a URL of one ("//host..." or a quoted host), or -1.
 * Signatures name a provider more precisely than URLs (a pixel's script
 * comes from a social host): the first signature wins, else the first
 * URL; with an allow, the first of each that is not allowed. */
long consent__match_text(const struct consent_registry *r,
                         const char *text, size_t len);
long consent__match_text_for(const struct consent_registry *r,
                             const char *text, size_t len,
                             const struct consent__allow *allow);

/* The same with the SIMD filter held to a level (0 none, 1 SSSE3, 2 AVX2;
 * the best the CPU has at most): for tests that compare them. */
long consent__match_text_at(const struct consent_registry *r,
                            const char *text, size_t len, int level,
                            const struct consent__allow *allow);

/* The provider of a <base href> tag, or -1. */
long consent__match_base(const struct consent_registry *r,
                         const struct consent__token *tok);

/* How an attribute's value makes a browser fetch. */
enum consent__fetch_how {
  CONSENT__FETCH_URL,     /* one URL */
  CONSENT__FETCH_SRCSET,  /* image candidates: "url 1x, url 2x" */
  CONSENT__FETCH_URLS,    /* URLs separated by spaces (ping, archive) */
  CONSENT__FETCH_TEXT,    /* script or CSS: any provider URL in it */
  CONSENT__FETCH_REFRESH  /* http-equiv=refresh: the URL in content */
};

enum consent__fetch_where {
  CONSENT__ON_HTML,       /* on an HTML element */
  CONSENT__ON_FOREIGN,    /* on an SVG or MathML element */
  CONSENT__ON_ANY
};

/* One entry of the table of attributes that make a browser fetch. */
struct consent__fetch_attr {
  const char *elem;       /* lowercase element name; "*": any */
  unsigned char elem_len;
  const char *attr;       /* lowercase attribute name; "on*": handlers */
  unsigned char attr_len;
  enum consent__fetch_how how;
  enum consent__fetch_where where;
};

/* The table (for tests and documentation); *n gets its length. */
const struct consent__fetch_attr *consent__fetch_attrs(size_t *n);

/* The provider an attribute of the tag makes the browser contact, or -1
 * (also for attributes that do not fetch). */
long consent__match_attr(const struct consent_registry *r,
                         const struct consent__token *t,
                         const struct consent__attr *a, long base_prov,
                         const struct consent__allow *allow);

/* The attribute named by n bytes (lowercase, n > 0), or NULL. */
const struct consent__attr *consent__attr_get_n(const struct consent__token *t,
                                                const char *name, size_t n);

/* An attribute's value, or NULL.  (Inline: most names are literals, whose
 * length the compiler knows.) */
static inline const struct consent__attr *
consent__attr_get(const struct consent__token *t, const char *name)
{
  size_t n = strlen(name);

  if (t->attrs_seen_ok &&
      !(t->attrs_seen >> CONSENT__ATTR_SEEN_BIT(n, name[0]) & 1))
    return NULL; /* (no attribute of the tag has that bit) */
  return consent__attr_get_n(t, name, n);
}

#endif /* HEADER_CONSENT_MATCHER_H */
