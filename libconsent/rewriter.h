/*
 * rewriter.h: streams a document through the tokenizer and the matcher
 * and replaces each embed the visitor has not allowed with a placeholder.
 *
 * Output is written as soon as it is settled: every byte before the
 * current token, except while an embed (or an inline script or style,
 * until its text is checked) is being captured.  Only that capture and an
 * unfinished candidate tag are buffered, up to the gate's max_buffer;
 * past it the embed is dropped and replaced (fail closed).
 */
#ifndef HEADER_CONSENT_REWRITER_H
#define HEADER_CONSENT_REWRITER_H

#include <stddef.h>
#include <stdint.h>

#include "consent.h"

#include "codec.h"
#include "matcher.h"
#include "notice.h"
#include "placeholder.h"
#include "registry.h"
#include "state.h"
#include "previews.h"
#include "tokenizer.h"

typedef int (*consent__sink_fn)(const char *buf, size_t len, void *ud);
/* The public consent_report_fn itself: called with the enum it
 * declares, never through a cast to another type. */
typedef consent_report_fn consent__report_fn;

enum { CONSENT__SCRIPT_INLINE, CONSENT__SCRIPT_URL, CONSENT__SCRIPT_NONE };

/* What a gate holds: immutable once built. */
/* The most bytes one rewriter holds by default (consent_config_set_max_buffer). */
#define CONSENT__DEFAULT_MAX_BUFFER ((size_t)1 << 20)

struct consent_gate {
  const struct consent_registry *reg;
  struct consent_registry own_reg;   /* when no registry was given */
  int has_own_reg;
  struct consent__texts texts;
  size_t lang;                        /* default language index */
  size_t max_buffer;
  char *site_privacy;
  char *endpoint;
  char *js_url, *css_url;
  int script_mode;
  int cache_safe;
  int guard;                          /* the runtime guard */
  int notice;                         /* the consent notice */
  int google_consent_mode;            /* gtag('consent','default') */
  unsigned char *always;              /* per registry index */
  struct consent_previews *previews; /* or NULL */
  uint64_t serial;                    /* this gate's number (cache keys) */
};

/* A new gate's number, unique in the process (cache.c). */
uint64_t consent__gate_serial(void);

enum consent__cap {
  CAP_NONE,
  CAP_ELEMENT,       /* inside an embed, up to its end */
  CAP_WIDGET_TAIL    /* a widget ended: is its script next? */
};

struct consent_rewriter {
  struct consent__tokenizer tok;
  unsigned char want_tag[CONSENT__TAG_COUNT]; /* tok.want_tag */
  unsigned char quiet[CONSENT__TAG_COUNT];    /* tok.quiet */
  struct consent__tok_widget_filter wfilter;  /* tok.quiet_filter */
  struct consent__allow allow;  /* for the matcher: what the state allows */
  int started;              /* written to or ended: setters refuse */
  /* For a buffered rewriter (consent_rewriter_new_buffered): the output
   * not yet taken. */
  struct consent__buf out;
  int buffered, taken;
  const struct consent_gate *gate;
  const struct consent_state *state;
  int64_t now;
  consent__sink_fn sink;
  void *sink_ud;
  int status;
  int ended;
  char errmsg[160];

  /* Per request. */
  size_t lang;
  char *nonce;
  char *return_path;
  consent__report_fn report;
  void *report_ud;

  /* The stream. */
  uint64_t emitted;         /* output written up to here */
  uint64_t fed;             /* input fed up to here */
  struct consent__buf pend; /* input bytes [pend_start, chunk_base) */
  uint64_t pend_start;
  const char *chunk;
  size_t chunk_len;
  uint64_t chunk_base;
  unsigned long line;       /* newlines before emitted (for reports) */

  /* The capture (an enum consent__cap; an int, for tok.end_gate). */
  int cap;
  uint64_t cap_start;
  uint64_t widget_end;
  struct consent__match m;
  char cap_name[16];        /* the element whose end tag ends it */
  size_t cap_name_len;
  int cap_depth;
  int cap_inline;           /* decide on the text when it ends (2: the
                               markup of a foreign script or style) */
  unsigned cap_fdepth;      /* 2: the tokenizer's foreign depth in it */
  int cap_overflow;         /* past max_buffer: dropped */
  int cap_merged;           /* widget + its script */
  int cap_raw;              /* its content is raw text to the browser */
  int absolute;             /* the embed is placed absolutely */
  char width[16], height[16];
  size_t width_len, height_len;
  char src[2049];           /* the embed's src, for its preview */
  size_t src_len;
  char open_url[1025];      /* the embed on the provider's site */
  size_t open_url_len;
  struct consent__preview preview;

  /* A second tokenizer for tags whose attributes the first did not
   * record, and for the text of scripts and styles in SVG. */
  struct consent__tokenizer sub;
  int sub_ready;
  int sub_got;
  struct consent__token sub_tok;
  struct consent__buf tagbuf;     /* the bytes it reads */
  struct consent__buf subtext;    /* the text it decoded */
  long sub_prov;                  /* a provider a tag in it loads, or -1 */
  struct consent__buf css;        /* CSS with its escapes decoded */

  /* Where the attribute names that may fetch start in the start tag
   * at fa_tag (uint64_t offsets), for a tag too large to hold. */
  struct consent__buf fa;
  uint64_t fa_tag;
  size_t fa_next;

  long base_prov;
  int base_seen;
  unsigned boxes;
  /* For the notice: per registry index, 1 when the page had something of
   * the provider gated out of sight, 2 when it had a visible box. */
  unsigned char *seen;
  int is_document;          /* a doctype, <html>, <head> or <body> */
  int end_in_data;          /* the input ended in HTML text */
  int gcm_done;             /* Google's consent default written */
  int assets_done;
  int guard_done;
  struct consent__buf scratch;

  /* Content coding and charset of the body. */
  struct consent__decoder dec;  /* the body's content coding */
  struct consent__encoder enc;  /* the same on the output */
  int dec_on, enc_on;
  struct consent__recoder rec;  /* UTF-16, ISO-2022-JP (codec.h) */
  consent__sink_fn user_sink;
  void *user_ud;
  /* The host's sink (consent_rewriter_new), behind the one that keeps a
   * copy for consent_rewriter_set_cache. */
  consent_sink_fn host_sink;
  void *host_ud;
  consent_cache_t *cache;
  unsigned char cache_key[CONSENT_CACHE_KEY_SIZE];
  long long cache_age;
  struct consent__buf cache_copy;
  int cache_off;                /* too large, or out of memory: not kept */
};

/* The most bytes of one page the cache keeps (cache.c). */
size_t consent__cache_max_entry(const consent_cache_t *cache);

/* Builds a gate's defaults (built-in texts, English, 1 MiB). */
int consent__gate_init(struct consent_gate *g);
void consent__gate_free(struct consent_gate *g);

void consent__rewriter_init(struct consent_rewriter *rw,
                            const struct consent_gate *g,
                            consent__sink_fn sink, void *ud);
int consent__rewriter_set_encoding(struct consent_rewriter *rw, int in,
                                   int out);
/* CONSENT__CHARSET_* declared for the page (codec.h). */
int consent__rewriter_set_charset(struct consent_rewriter *rw, int charset);
/* A Link header value without the links to providers not allowed (see
 * consent_rewriter_filter_link), appended to out.  0, or -1 when out of
 * memory. */
int consent__rewriter_filter_link(const struct consent_rewriter *rw,
                                  const char *v, size_t len,
                                  struct consent__buf *out);
int consent__rewriter_write(struct consent_rewriter *rw, const char *buf,
                            size_t len);
int consent__rewriter_end(struct consent_rewriter *rw);
void consent__rewriter_free(struct consent_rewriter *rw);

#endif /* HEADER_CONSENT_REWRITER_H */
