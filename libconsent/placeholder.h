/*
 * placeholder.h: the box that stands in for an embed, its texts in
 * several languages, the site's template, and the activation assets.
 */
#ifndef HEADER_CONSENT_PLACEHOLDER_H
#define HEADER_CONSENT_PLACEHOLDER_H

#include <stddef.h>

#include "registry.h"
#include "previews.h"
#include "util.h"

enum consent__text {
  CONSENT__T_TITLE,          /* Recommended external content */
  CONSENT__T_INTRO,          /* We would like to show you ... {provider} */
  CONSENT__T_PRIVACY,        /* Loading it may send personal data ... */
  CONSENT__T_PROVIDER_LINK,  /* Privacy policy of {provider} */
  CONSENT__T_SITE_LINK,      /* Our privacy policy */
  CONSENT__T_BUTTON,         /* Load content */
  CONSENT__T_ALWAYS,         /* Always allow {provider} */
  CONSENT__T_OPEN,           /* Open on {provider} */
  /* The consent notice and the settings page (notice.c). */
  CONSENT__T_MANAGE,         /* Manage consent */
  CONSENT__T_NOTICE_TITLE,   /* Your privacy choices */
  CONSENT__T_NOTICE_INTRO,   /* This page would like to use ... */
  CONSENT__T_ALLOW_ALL,      /* Allow all */
  CONSENT__T_NECESSARY,      /* Only necessary */
  CONSENT__T_SETTINGS,       /* Settings */
  CONSENT__T_SETTINGS_TITLE, /* Privacy settings */
  CONSENT__T_SETTINGS_INTRO, /* Choose which external services ... */
  CONSENT__T_SAVE,           /* Save */
  CONSENT__T_WITHDRAW_ALL,   /* Withdraw all consent */
  CONSENT__T_ALLOWED,        /* allowed */
  CONSENT__T_REFUSED,        /* refused */
  CONSENT__T_UNDECIDED,      /* not decided */
  CONSENT__T_SAVED,          /* Your choice is saved. */
  CONSENT__T_BACK,           /* Back to the page */
  CONSENT__T_CATEGORY,       /* 11 category names, in consent_category
                                order: video ... other */
  CONSENT__T_COUNT = CONSENT__T_CATEGORY + CONSENT__CATEGORIES
};

#define CONSENT__LANG_MAX 16

struct consent__language {
  char tag[9];                          /* "de", "pt-br" ... */
  char *text[CONSENT__T_COUNT];         /* NULL: the English one */
};

/* A box template, parsed once: the literal text before each slot, and
 * the slot (an index of the known slots; -1 after the last literal). */
struct consent__tpl_part {
  size_t off, len;
  int slot;
};

struct consent__texts {
  struct consent__language *lang;
  size_t n;
  char *template_html;                  /* NULL: the built-in one */
  struct consent__tpl_part *parts;      /* the template in use, parsed */
  size_t nparts;
  char *notice_html;                    /* the notice's; NULL: built in */
};

/* The built-in languages (de, en, es, fr, it, nl, pl). */
int consent__texts_init(struct consent__texts *t);
void consent__texts_free(struct consent__texts *t);
int consent__texts_copy(struct consent__texts *dst,
                        const struct consent__texts *src);

/* Reads a texts file ("[lang]" sections, "key = text" lines; see
 * docs/placeholder.md).  Errors go to errmsg as "NAME:LINE: ...". */
int consent__texts_load(struct consent__texts *t, const char *buf,
                        size_t len, const char *name, char *errmsg,
                        size_t cap);

/* Sets the site's template (HTML with {{slots}}); checks its slots. */
int consent__texts_set_template(struct consent__texts *t, const char *buf,
                                size_t len, const char *name, char *errmsg,
                                size_t cap);

/* Sets the notice's template (HTML with {{title}} {{intro}} {{list}}
 * {{controls}}); checks its slots. */
int consent__texts_set_notice_template(struct consent__texts *t,
                                       const char *buf, size_t len,
                                       const char *name, char *errmsg,
                                       size_t cap);

/* The index of the language for a tag ("de-AT" -> "de"), or -1. */
long consent__texts_find(const struct consent__texts *t, const char *tag,
                         size_t len);

/* Picks the language of an Accept-Language header among t's; "en" when
 * none fits.  Returns the index. */
size_t consent__texts_negotiate(const struct consent__texts *t,
                                const char *header, size_t len);

/* Appends text `which` of language lang, {provider} filled in with
 * provider, HTML-escaped (the English text where the language has none). */
int consent__put_text(struct consent__buf *b, const struct consent__texts *t,
                      size_t lang, enum consent__text which,
                      const char *provider);

/* Appends the settings page's URL, "ENDPOINT?return=PATH" (ret NULL:
 * "/"), escaped for an attribute (notice.c). */
int consent__settings_url(struct consent__buf *b, const char *endpoint,
                          const char *ret);

/* Appends s HTML-escaped (text and attribute values). */
int consent__escape(struct consent__buf *b, const char *s, size_t n);

/* What one placeholder shows. */
struct consent__box {
  const struct consent__provider *prov;
  const char *original;           /* the embed's markup, or NULL */
  size_t original_len;
  int visible;                    /* a box, or an invisible <template> */
  const char *kind;               /* "frame", "media", ... */
  unsigned n;                     /* running number, for ids */
  int absolute;                   /* fill the parent (position:absolute) */
  const char *width, *height;     /* the embed's size attributes */
  size_t width_len, height_len;
  const char *site_privacy;       /* URL or NULL */
  const char *endpoint;           /* URL or NULL: no form */
  const char *return_path;        /* for the no-JS form */
  int no_always;                  /* no "always allow" (GPC applies) */
  const struct consent__preview *preview;  /* or NULL */
  const char *open_url;           /* the embed on the provider, or NULL */
  size_t open_url_len;
};

int consent__render_box(const struct consent__texts *t, size_t lang,
                        const struct consent__box *box,
                        struct consent__buf *out);

extern const char consent__asset_js[];
extern const char consent__asset_css[];

#endif /* HEADER_CONSENT_PLACEHOLDER_H */
