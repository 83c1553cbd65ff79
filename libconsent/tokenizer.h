/*
 * tokenizer.h: a streaming HTML tokenizer after the WHATWG HTML standard,
 * section 13.2.5 "Tokenization".
 *
 * It is fed chunks of any size and gives the same tokens for every
 * chunking.  Tokens point into the input or into the tokenizer's own
 * buffers and are valid only during the callback.  Each token carries the
 * stream offsets of the bytes it came from, so that a caller can copy
 * unchanged markup out byte for byte.
 */
#ifndef HEADER_CONSENT_TOKENIZER_H
#define HEADER_CONSENT_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "tags.h"
#include "util.h"

/* Parse errors, with the standard's names. */
#define CONSENT__TOK_ERROR_MAP(XX)                                        \
  XX(ABRUPT_CLOSING_OF_EMPTY_COMMENT, "abrupt-closing-of-empty-comment")  \
  XX(ABRUPT_DOCTYPE_PUBLIC_IDENTIFIER, "abrupt-doctype-public-identifier")\
  XX(ABRUPT_DOCTYPE_SYSTEM_IDENTIFIER, "abrupt-doctype-system-identifier")\
  XX(ABSENCE_OF_DIGITS_IN_NUMERIC_CHARACTER_REFERENCE,                    \
     "absence-of-digits-in-numeric-character-reference")                  \
  XX(CDATA_IN_HTML_CONTENT, "cdata-in-html-content")                      \
  XX(CHARACTER_REFERENCE_OUTSIDE_UNICODE_RANGE,                           \
     "character-reference-outside-unicode-range")                         \
  XX(CONTROL_CHARACTER_IN_INPUT_STREAM,                                   \
     "control-character-in-input-stream")                                 \
  XX(CONTROL_CHARACTER_REFERENCE, "control-character-reference")          \
  XX(DUPLICATE_ATTRIBUTE, "duplicate-attribute")                          \
  XX(END_TAG_WITH_ATTRIBUTES, "end-tag-with-attributes")                  \
  XX(END_TAG_WITH_TRAILING_SOLIDUS, "end-tag-with-trailing-solidus")      \
  XX(EOF_BEFORE_TAG_NAME, "eof-before-tag-name")                          \
  XX(EOF_IN_CDATA, "eof-in-cdata")                                        \
  XX(EOF_IN_COMMENT, "eof-in-comment")                                    \
  XX(EOF_IN_DOCTYPE, "eof-in-doctype")                                    \
  XX(EOF_IN_SCRIPT_HTML_COMMENT_LIKE_TEXT,                                \
     "eof-in-script-html-comment-like-text")                              \
  XX(EOF_IN_TAG, "eof-in-tag")                                            \
  XX(INCORRECTLY_CLOSED_COMMENT, "incorrectly-closed-comment")            \
  XX(INCORRECTLY_OPENED_COMMENT, "incorrectly-opened-comment")            \
  XX(INVALID_CHARACTER_SEQUENCE_AFTER_DOCTYPE_NAME,                       \
     "invalid-character-sequence-after-doctype-name")                     \
  XX(INVALID_FIRST_CHARACTER_OF_TAG_NAME,                                 \
     "invalid-first-character-of-tag-name")                               \
  XX(MISSING_ATTRIBUTE_VALUE, "missing-attribute-value")                  \
  XX(MISSING_DOCTYPE_NAME, "missing-doctype-name")                        \
  XX(MISSING_DOCTYPE_PUBLIC_IDENTIFIER,                                   \
     "missing-doctype-public-identifier")                                 \
  XX(MISSING_DOCTYPE_SYSTEM_IDENTIFIER,                                   \
     "missing-doctype-system-identifier")                                 \
  XX(MISSING_END_TAG_NAME, "missing-end-tag-name")                        \
  XX(MISSING_QUOTE_BEFORE_DOCTYPE_PUBLIC_IDENTIFIER,                      \
     "missing-quote-before-doctype-public-identifier")                    \
  XX(MISSING_QUOTE_BEFORE_DOCTYPE_SYSTEM_IDENTIFIER,                      \
     "missing-quote-before-doctype-system-identifier")                    \
  XX(MISSING_SEMICOLON_AFTER_CHARACTER_REFERENCE,                         \
     "missing-semicolon-after-character-reference")                       \
  XX(MISSING_WHITESPACE_AFTER_DOCTYPE_PUBLIC_KEYWORD,                     \
     "missing-whitespace-after-doctype-public-keyword")                   \
  XX(MISSING_WHITESPACE_AFTER_DOCTYPE_SYSTEM_KEYWORD,                     \
     "missing-whitespace-after-doctype-system-keyword")                   \
  XX(MISSING_WHITESPACE_BEFORE_DOCTYPE_NAME,                              \
     "missing-whitespace-before-doctype-name")                            \
  XX(MISSING_WHITESPACE_BETWEEN_ATTRIBUTES,                               \
     "missing-whitespace-between-attributes")                             \
  XX(MISSING_WHITESPACE_BETWEEN_DOCTYPE_PUBLIC_AND_SYSTEM_IDENTIFIERS,    \
     "missing-whitespace-between-doctype-public-and-system-identifiers")  \
  XX(NESTED_COMMENT, "nested-comment")                                    \
  XX(NONCHARACTER_CHARACTER_REFERENCE, "noncharacter-character-reference")\
  XX(NONCHARACTER_IN_INPUT_STREAM, "noncharacter-in-input-stream")        \
  XX(NULL_CHARACTER_REFERENCE, "null-character-reference")                \
  XX(SURROGATE_CHARACTER_REFERENCE, "surrogate-character-reference")      \
  XX(SURROGATE_IN_INPUT_STREAM, "surrogate-in-input-stream")              \
  XX(UNEXPECTED_CHARACTER_AFTER_DOCTYPE_SYSTEM_IDENTIFIER,                \
     "unexpected-character-after-doctype-system-identifier")              \
  XX(UNEXPECTED_CHARACTER_IN_ATTRIBUTE_NAME,                              \
     "unexpected-character-in-attribute-name")                            \
  XX(UNEXPECTED_CHARACTER_IN_UNQUOTED_ATTRIBUTE_VALUE,                    \
     "unexpected-character-in-unquoted-attribute-value")                  \
  XX(UNEXPECTED_EQUALS_SIGN_BEFORE_ATTRIBUTE_NAME,                        \
     "unexpected-equals-sign-before-attribute-name")                      \
  XX(UNEXPECTED_NULL_CHARACTER, "unexpected-null-character")              \
  XX(UNEXPECTED_QUESTION_MARK_INSTEAD_OF_TAG_NAME,                        \
     "unexpected-question-mark-instead-of-tag-name")                      \
  XX(UNEXPECTED_SOLIDUS_IN_TAG, "unexpected-solidus-in-tag")              \
  XX(UNKNOWN_NAMED_CHARACTER_REFERENCE,                                   \
     "unknown-named-character-reference")

enum consent__tok_error {
#define CONSENT__TOK_ERROR_ENUM(name, str) CONSENT__ERR_##name,
  CONSENT__TOK_ERROR_MAP(CONSENT__TOK_ERROR_ENUM)
#undef CONSENT__TOK_ERROR_ENUM
  CONSENT__ERR_COUNT
};

/* The standard's name of a parse error. */
const char *consent__tok_error_name(enum consent__tok_error code);

enum consent__tok_kind {
  CONSENT__TOK_DOCTYPE = 1,
  CONSENT__TOK_START,
  CONSENT__TOK_END,
  CONSENT__TOK_COMMENT,
  CONSENT__TOK_TEXT
};

/* States a tokenizer can be started in (the html5lib tests do). */
enum consent__tok_initial {
  CONSENT__TOK_IN_DATA,
  CONSENT__TOK_IN_RCDATA,
  CONSENT__TOK_IN_RAWTEXT,
  CONSENT__TOK_IN_SCRIPT_DATA,
  CONSENT__TOK_IN_PLAINTEXT,
  CONSENT__TOK_IN_CDATA
};

/* Option bits. */
#define CONSENT__TOKF_TEXT      0x01u /* emit character tokens */
#define CONSENT__TOKF_COMMENTS  0x02u /* record the text of comments */
#define CONSENT__TOKF_ATTRS     0x04u /* record attributes of every tag */
#define CONSENT__TOKF_TREE      0x08u /* switch content states by tag name
                                        as a tree builder would */
#define CONSENT__TOKF_SCRIPTING 0x10u /* with TREE: noscript is raw text */
#define CONSENT__TOKF_STYLE    0x20u /* record the style attribute of every
                                        start tag, and hold every start tag
                                        back until it is complete */
#define CONSENT__TOKF_SPANS    0x40u /* with recorded attributes: the
                                        stream offset of every attribute
                                        name, duplicates included */

struct consent__attr {
  const char *name;
  size_t name_len;
  const char *value;
  size_t value_len;
  uint64_t raw_name;  /* stream offset of the name's first byte */
};

struct consent__token {
  enum consent__tok_kind kind;
  uint64_t raw_start; /* stream offset of the token's first byte */
  uint64_t raw_end;   /* stream offset just past its last byte */
  /* Tags: lowercase tag name.  DOCTYPE: the name (see has_name). */
  const char *name;
  size_t name_len;
  /* Tags: the attributes, when recorded (attrs_recorded). */
  const struct consent__attr *attrs;
  size_t nattrs;
  /* Comments, character tokens: the (decoded) text. */
  const char *data;
  size_t data_len;
  /* DOCTYPE identifiers. */
  const char *public_id;
  size_t public_id_len;
  const char *system_id;
  size_t system_id_len;
  unsigned self_closing : 1;
  unsigned attrs_recorded : 1;
  unsigned truncated : 1;   /* a recorded field hit the token limit */
  unsigned has_name : 1;
  unsigned has_public_id : 1;
  unsigned has_system_id : 1;
  unsigned force_quirks : 1;
  unsigned raw_text : 1;    /* start tags: the tokenizer reads what follows
                               as text (script, style, iframe, ...) */
  unsigned has_style : 1;   /* with CONSENT__TOKF_STYLE and no attributes
                               recorded: the style attribute's value */
  /* With attrs_seen_ok: bit CONSENT__ATTR_SEEN_BIT of each attribute's
   * name is set (consent__attr_get skips most names a tag has not). */
  unsigned attrs_seen : 16;
  unsigned attrs_seen_ok : 1;
  /* (Bytes, not bits: written for every tag.) */
  unsigned char fetch_attr; /* with CONSENT__TOKF_STYLE: an attribute
                               whose name may make the browser fetch
                               (consent__tok_fetch_name); without recorded
                               attributes the caller re-reads the tag */
  unsigned char foreign;    /* with CONSENT__TOKF_TREE: a start tag that
                               makes an SVG or MathML element */
  unsigned char tag;        /* tags: the name's enum consent__tag */
  const char *style;
  size_t style_len;
  /* (Kept at 128 bytes or less: every token is cleared with memset, and
   * larger clears are slower.  With CONSENT__TOKF_SPANS, where every
   * attribute name starts is in the tokenizer: spans, nspans.) */
};

/* The bit of attrs_seen for a name of n bytes (n > 0) starting with c. */
#define CONSENT__ATTR_SEEN_BIT(n, c) (((n) * 7u + (unsigned char)(c)) & 15u)

struct consent__tokenizer;

/* Returns 0 to go on, non-zero to stop the tokenizer. */
typedef int (*consent__tok_token_fn)(void *ud,
                                     const struct consent__token *tok);
/* Whether to record the attributes of a tag (name is lowercase; tag is
 * its enum consent__tag). */
typedef int (*consent__tok_want_fn)(void *ud, unsigned tag,
                                    const char *name, size_t len,
                                    int end_tag);
/* What a want_fn may answer besides 0 (skip the attributes) and 1
 * (record them all): skip them, but keep the values of the first class
 * and id attributes (cls_val, id_val) and set widget_attr when the tag has
 * an attribute whose name want_name accepts (or a kept value that holds a
 * character reference): a widget's box, decided on those alone. */
#define CONSENT__TOK_WANT_IDS 2
/* In the quiet table (consent__tokenizer.quiet): as WANT_IDS, and the
 * names of the tag's other attributes matter too (want_name). */
#define CONSENT__TOK_QUIET_NAMES 3
/* In the quiet table, for CONSENT__TAG_OTHER: ask want_attrs for the
 * name; a tag it wants nothing of is quiet. */
#define CONSENT__TOK_QUIET_ASK 4
/* With CONSENT__TOK_WANT_IDS: whether an attribute name (lowercase, but
 * class and id) of the tag matters (the caller then reads the tag). */
typedef int (*consent__tok_name_fn)(void *ud, unsigned tag,
                                    const char *name, size_t len);
/* A widget-only tag on the quiet path, its first class and id values
 * (has_*: whether it has them; the values as written): whether it may be
 * a widget's box (then it is read by the states and emitted). */
/* The registry's first tests of a widget box (matcher.c): quiet_widget
 * is sure to say no when no class token's consent__class_hash has its
 * bit in class_hash, the id is absent or non-empty with a first byte
 * id_first does not have, and class_any is 0 or there is no class;
 * want_name says no when bit min(len, 63) of name_len[tag] is clear. */
struct consent__tok_widget_filter {
  const uint64_t *name_len;           /* per tag id */
  const unsigned char *class_hash;    /* 4096 bits */
  const unsigned char *id_first;      /* 256 bytes */
  int class_any;
};

/* The quiet path's question about a style attribute (kind 0) or an
 * event handler (kind 1) whose value, as written, holds no character
 * reference, CR or NUL: whether it may load from a provider (then the
 * tag is read by the states and emitted). */
typedef int (*consent__tok_value_fn)(void *ud, int kind, const char *v,
                                     size_t n);

typedef int (*consent__tok_widget_fn)(void *ud, unsigned tag,
                                      const char *cls, size_t cls_len,
                                      int has_cls, const char *id,
                                      size_t id_len, int has_id);
/* A start tag's attribute name that consent__tok_fetch_name() knows
 * begins at stream offset off (called for every one, duplicates too,
 * before the tag is emitted). */
typedef void (*consent__tok_fetch_fn)(void *ud, uint64_t off);
typedef void (*consent__tok_error_fn)(void *ud,
                                      enum consent__tok_error code,
                                      uint64_t offset);
typedef const unsigned char *(*consent__tok_state)(
    struct consent__tokenizer *t, const unsigned char *p,
    const unsigned char *e);

#define CONSENT__TOK_MAX_FOREIGN 256

struct consent__foreign {
  uint32_t hash;      /* of the lowercase tag name */
  uint8_t ns;         /* 1 svg, 2 mathml */
  uint8_t html_ip;    /* an HTML integration point */
};

struct consent__tokenizer {
  /* Set by the caller after init. */
  consent__tok_token_fn on_token;
  consent__tok_want_fn want_attrs;
  consent__tok_error_fn on_error;
  consent__tok_fetch_fn on_fetch_name;
  consent__tok_name_fn want_name;
  /* What want_attrs answers for the start tags of each known name
   * (enum consent__tag), where end tags record nothing: want_attrs is
   * then asked only for the start tags of other names.  NULL: ask it
   * every time. */
  const unsigned char *want_tag;
  /* When set, end tags reach on_token only while *end_gate is non-zero
   * (the tree emulation sees them all). */
  const int *end_gate;
  /* The quiet path (tokenizer-fast.inc): per known tag name, whether its
   * start tags need no token when the skip path flags nothing in them
   * (1), or none unless quiet_widget says the first class and id may
   * make it a widget's box (CONSENT__TOK_WANT_IDS), and want_name
   * accepts none of its other attribute names (CONSENT__TOK_QUIET_NAMES:
   * only then is want_name asked).  With end_gate: end
   * tags need none while *end_gate is zero.  NULL: every tag is read by
   * the states and emitted. */
  const unsigned char *quiet;
  consent__tok_widget_fn quiet_widget;
  /* What quiet_widget and want_name would look at first, read by the
   * quiet path itself so that most tags need neither call (NULL: both
   * are always asked). */
  const struct consent__tok_widget_filter *quiet_filter;
  /* Asked of the style attributes and event handlers of tags the quiet
   * path reads (NULL: such tags go to the states). */
  consent__tok_value_fn quiet_value;
  void *ud;
  unsigned flags;
  size_t max_token;

  consent__tok_state state;
  consent__tok_state ret;       /* character reference return state */
  consent__tok_state raw;       /* state an end-tag attempt returns to */
  const unsigned char *chunk;   /* start of the current chunk */
  uint64_t base;                /* stream offset of chunk[0] */
  uint64_t tok_start;           /* offset of the current token's '<' */
  int status;                   /* 0, or why the tokenizer stopped */
  unsigned eof : 1;
  unsigned done : 1;
  unsigned skip_lf : 1;         /* a CR ended the last chunk */
  unsigned stop : 1;

  /* The tag being built. */
  enum consent__tok_kind tag_kind;
  unsigned self_closing : 1;
  unsigned rec_attrs : 1;
  unsigned truncated : 1;
  unsigned attr_dropped : 1;    /* the current attribute is a duplicate */
  unsigned name_truncated : 1;  /* the tag name passed its own bound */
  uint16_t tag_class;           /* what the tree emulation knows of it */
  uint8_t tag_id;               /* its enum consent__tag */
  size_t used;                  /* bytes recorded for this token */
  struct consent__buf name;
  struct consent__buf abuf;     /* attribute names and values */
  size_t *aoff;                 /* per attribute: name off, len, value
                                   off, len */
  size_t nattrs, attrs_cap;
  struct consent__attr *attrs;
  size_t attrs_ptr_cap;

  /* Comments and DOCTYPEs. */
  struct consent__buf comment;
  struct consent__buf pub, sys;
  unsigned has_name : 1;
  unsigned has_pub : 1;
  unsigned has_sys : 1;
  unsigned quirks : 1;

  /* Look-ahead and temporary buffers. */
  unsigned char tmp[48];
  size_t tmp_len;
  unsigned ent_lo, ent_hi, ent_match, ent_match_len;
  uint32_t code;
  unsigned char kw_len;
  uint8_t skip;                 /* where st_skip_attrs stopped */
  unsigned char sk_name[24];    /* the attribute name being skipped */
  uint8_t sk_name_len;          /* (25: longer than any it looks for) */
  uint64_t sk_name_off;         /* where that name starts */
  uint8_t sk_track;             /* a recorded name past the token limit:
                                   its first bytes are in sk_name */
  unsigned has_style : 1;
  /* CONSENT__TOK_WANT_IDS: the tag's first class and id values, and
   * whether it must be read whole (see there). */
  unsigned keep_ids : 1;
  unsigned has_cls : 1;
  unsigned has_id : 1;
  unsigned widget_attr : 1;
  struct consent__buf *sk_val;  /* where the value being skipped goes */
  struct consent__buf cls_val, id_val;
  uint8_t fetch_attr;           /* a name consent__tok_fetch_name knows */
  uint8_t tag_foreign;          /* the tag makes a foreign element */
  uint64_t *spans;              /* CONSENT__TOKF_SPANS */
  size_t nspans, spans_cap;
  struct consent__buf style;
  const char *kw;
  unsigned char last_start[32];
  size_t last_start_len;

  /* Foreign content, for the tree-builder emulation. */
  struct consent__foreign foreign[CONSENT__TOK_MAX_FOREIGN];
  unsigned nforeign;
  unsigned foreign_overflow;

  /* UTF-8 sequence cut at a chunk end, for input-stream errors. */
  unsigned char u8[4];
  unsigned u8_len, u8_need;
  uint64_t u8_off;
};

/* Prepares t with the given option bits; max_token bounds the bytes one
 * token may record (past it the token is marked truncated). */
void consent__tok_init(struct consent__tokenizer *t, unsigned flags,
                       size_t max_token);
void consent__tok_free(struct consent__tokenizer *t);

/* Starts t over at offset 0 in the data state, with the same callbacks,
 * flags and bound, keeping its buffers. */
void consent__tok_reset(struct consent__tokenizer *t);

/* Whether an attribute of this (lowercase) name may make a browser fetch
 * on some element (foreign: on an SVG or MathML one): a superset of the
 * matcher's table of fetching attributes, checked on the names of every
 * tag whose attributes are not recorded. */
int consent__tok_fetch_name(const char *name, size_t len, int foreign);

/* Starts the tokenizer in another state; last_start (may be NULL) is the
 * last start tag emitted, for "appropriate end tag" checks. */
void consent__tok_set_state(struct consent__tokenizer *t,
                            enum consent__tok_initial state,
                            const char *last_start, size_t len);

/* Feeds bytes.  Returns 0, or the consent_status that stopped it. */
int consent__tok_feed(struct consent__tokenizer *t, const char *data,
                      size_t len);

/* Feeds the end of the input. */
int consent__tok_finish(struct consent__tokenizer *t);

/* Stream offset of the first byte that may still belong to a start tag
 * whose attributes are recorded (an embed candidate): the '<' of an
 * unfinished tag whose name is not known yet or that records attributes;
 * otherwise the end of the input fed.  Bytes before it are settled. */
uint64_t consent__tok_settled(const struct consent__tokenizer *t);

/* Stream offset of the first byte of the attribute name being read in a
 * start tag (not complete yet), or UINT64_MAX. */
uint64_t consent__tok_attr_name_start(const struct consent__tokenizer *t);

/* Whether the tokenizer is in HTML text (the data state, outside SVG and
 * MathML): markup written now would be read as markup, not as the text
 * of a title, a script, a comment or a tag. */
int consent__tok_in_data(const struct consent__tokenizer *t);

/* The enum consent__tag of the start tag being read, once it is known:
 * after its name, or while its name is read when it is already longer
 * than any known name (then CONSENT__TAG_OTHER, as it will be); else
 * -1. */
int consent__tok_start_tag_id(const struct consent__tokenizer *t);

/* Stream offset of the '<' of the token in progress (a tag, comment,
 * DOCTYPE or end tag attempt), or the end of the input fed when the
 * tokenizer is in text. */
uint64_t consent__tok_token_start(const struct consent__tokenizer *t);

#endif /* HEADER_CONSENT_TOKENIZER_H */
