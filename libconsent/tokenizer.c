/*
 * tokenizer.c: a streaming HTML tokenizer after the WHATWG HTML standard,
 * section 13.2.5 "Tokenization".  Section numbers below are those of the
 * standard.
 *
 * Each state is a function that takes the bytes from p to e, consumes
 * what it can and returns where it stopped; it returns e when it needs
 * more input.  At the end of the input (t->eof) a state is called with
 * p == e and handles end-of-file as the standard says, so that EOF goes
 * through the same states as any other character.  "Reconsume" means
 * switching state without advancing p.
 *
 * Input preprocessing (13.2.3.5) is done on the fly: a CR or a CR LF pair
 * is read as one LF (peek() and adv()); the raw bytes stay untouched for
 * the caller's byte spans.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "consent.h"
#include "entities.h"
#include "tokenizer.h"

#define STATE(name)                                                     \
  static const unsigned char *name(struct consent__tokenizer *t,        \
                                   const unsigned char *p,              \
                                   const unsigned char *e)
#define OFF(p) (t->base + (uint64_t)((p) - t->chunk))

#define IS_ALPHA(c) ((unsigned)(((c) | 0x20) - 'a') < 26u)
#define IS_UPPER(c) ((unsigned)((c) - 'A') < 26u)
#define IS_DIGIT(c) ((unsigned)((c) - '0') < 10u)
#define IS_ALNUM(c) (IS_ALPHA(c) || IS_DIGIT(c))
#define IS_HEX(c) (IS_DIGIT(c) || (unsigned)(((c) | 0x20) - 'a') < 6u)
#define LOWER(c) (IS_UPPER(c) ? (c) + 0x20 : (c))
/* Tab, LF, FF, space; CR counts too as it reads as LF. */
#define IS_WS(c) ((c) == ' ' || (c) == '\n' || (c) == '\t' || \
                  (c) == '\f' || (c) == '\r')

static const char fffd[] = "\xEF\xBF\xBD";

static const char *const error_names[] = {
#define CONSENT__TOK_ERROR_NAME(name, str) str,
  CONSENT__TOK_ERROR_MAP(CONSENT__TOK_ERROR_NAME)
#undef CONSENT__TOK_ERROR_NAME
};

const char *
consent__tok_error_name(enum consent__tok_error code)
{
  if ((unsigned)code >= CONSENT__ERR_COUNT)
    return "unknown";
  return error_names[code];
}

/* The states, in the standard's order. */
STATE(st_data);
STATE(st_rcdata);
STATE(st_rawtext);
STATE(st_script_data);
STATE(st_plaintext);
STATE(st_tag_open);
STATE(st_end_tag_open);
STATE(st_tag_name);
STATE(st_raw_lt);
STATE(st_raw_end_tag_open);
STATE(st_raw_end_tag_name);
STATE(st_script_lt);
STATE(st_script_escape_start);
STATE(st_script_escape_start_dash);
STATE(st_script_escaped);
STATE(st_script_escaped_dash);
STATE(st_script_escaped_dash_dash);
STATE(st_script_escaped_lt);
STATE(st_script_double_escape_start);
STATE(st_script_double_escaped);
STATE(st_script_double_escaped_dash);
STATE(st_script_double_escaped_dash_dash);
STATE(st_script_double_escaped_lt);
STATE(st_script_double_escape_end);
STATE(st_before_attr_name);
STATE(st_attr_name);
STATE(st_after_attr_name);
STATE(st_before_attr_value);
STATE(st_attr_value_dq);
STATE(st_attr_value_sq);
STATE(st_attr_value_unquoted);
STATE(st_after_attr_value_quoted);
STATE(st_self_closing_start_tag);
STATE(st_skip_attrs);
static consent__tok_state attrs_state(struct consent__tokenizer *t);
STATE(st_bogus_comment);
STATE(st_markup_decl_open);
STATE(st_comment_start);
STATE(st_comment_start_dash);
STATE(st_comment);
STATE(st_comment_lt);
STATE(st_comment_lt_bang);
STATE(st_comment_lt_bang_dash);
STATE(st_comment_lt_bang_dash_dash);
STATE(st_comment_end_dash);
STATE(st_comment_end);
STATE(st_comment_end_bang);
STATE(st_doctype);
STATE(st_before_doctype_name);
STATE(st_doctype_name);
STATE(st_after_doctype_name);
STATE(st_doctype_keyword);
STATE(st_after_doctype_public_keyword);
STATE(st_before_doctype_public_id);
STATE(st_doctype_public_id_dq);
STATE(st_doctype_public_id_sq);
STATE(st_after_doctype_public_id);
STATE(st_between_doctype_ids);
STATE(st_after_doctype_system_keyword);
STATE(st_before_doctype_system_id);
STATE(st_doctype_system_id_dq);
STATE(st_doctype_system_id_sq);
STATE(st_after_doctype_system_id);
STATE(st_bogus_doctype);
STATE(st_cdata);
STATE(st_cdata_bracket);
STATE(st_cdata_end);
STATE(st_char_ref);
STATE(st_named_char_ref);
STATE(st_ambiguous_ampersand);
STATE(st_numeric_char_ref);
STATE(st_hex_char_ref_start);
STATE(st_dec_char_ref_start);
STATE(st_hex_char_ref);
STATE(st_dec_char_ref);

/* ------------------------------------------------------------------ */
/* Input                                                               */

/* The character at p after newline normalization. */
static inline unsigned
peek(const unsigned char *p)
{
  return *p == '\r' ? '\n' : *p;
}

/* Consumes the character at p (a CR LF pair as one). */
static inline const unsigned char *
adv(struct consent__tokenizer *t, const unsigned char *p,
    const unsigned char *e)
{
  if (*p++ != '\r')
    return p;
  if (p < e) {
    if (*p == '\n')
      p++;
  } else {
    t->skip_lf = 1;
  }
  return p;
}

static void
error(struct consent__tokenizer *t, enum consent__tok_error code,
      const unsigned char *p)
{
  if (t->on_error != NULL)
    t->on_error(t->ud, code, OFF(p));
}

/* An error reported "back" characters before p: where a look-ahead
 * that read those characters began. */
static void
error_back(struct consent__tokenizer *t, enum consent__tok_error code,
           const unsigned char *p, size_t back)
{
  if (t->on_error != NULL)
    t->on_error(t->ud, code, OFF(p) - back);
}

/* ------------------------------------------------------------------ */
/* Recording                                                           */

static void
out_of_memory(struct consent__tokenizer *t)
{
  t->status = CONSENT_E_NOMEM;
  t->stop = 1;
}

/* Appends to a field of the current token, within max_token. */
static void
rec(struct consent__tokenizer *t, struct consent__buf *b, const void *s,
    size_t n)
{
  int full = 0;

  if (t->truncated)
    return;
  if (n > t->max_token - t->used) {
    /* Keep what fits, so that the kept part does not depend on how the
     * input was chunked. */
    n = t->max_token - t->used;
    full = 1;
  }
  if (consent__buf_append(b, s, n) != 0) {
    out_of_memory(t);
    return;
  }
  t->used += n;
  t->truncated = full;
}

static void
rec_byte(struct consent__tokenizer *t, struct consent__buf *b, unsigned c)
{
  unsigned char ch = (unsigned char)c;

  if (!t->truncated && t->used < t->max_token && b->len < b->cap) {
    b->data[b->len++] = (char)ch;
    t->used++;
    return;
  }
  rec(t, b, &ch, 1);
}

static void
emit(struct consent__tokenizer *t, struct consent__token *tok)
{
  if (t->on_token != NULL && !t->stop && t->on_token(t->ud, tok) != 0)
    t->stop = 1;
}

/* Emits character tokens (when asked to). */
static void
emit_chars(struct consent__tokenizer *t, const void *s, size_t n,
           const unsigned char *at)
{
  struct consent__token tok;

  if (!(t->flags & CONSENT__TOKF_TEXT) || n == 0)
    return;
  memset(&tok, 0, sizeof(tok));
  tok.kind = CONSENT__TOK_TEXT;
  tok.data = s;
  tok.data_len = n;
  tok.raw_end = OFF(at);
  tok.raw_start = tok.raw_end > n ? tok.raw_end - n : 0;
  emit(t, &tok);
}

/* Emits a run of input bytes that are character tokens as they are. */
static inline void
emit_run(struct consent__tokenizer *t, const unsigned char *p,
         const unsigned char *q)
{
  struct consent__token tok;

  if (q == p)
    return;
  memset(&tok, 0, sizeof(tok));
  tok.kind = CONSENT__TOK_TEXT;
  tok.data = (const char *)p;
  tok.data_len = (size_t)(q - p);
  tok.raw_start = OFF(p);
  tok.raw_end = OFF(q);
  emit(t, &tok);
}

static void
begin_token(struct consent__tokenizer *t)
{
  t->used = 0;
  t->truncated = 0;
}

static void
begin_tag(struct consent__tokenizer *t, enum consent__tok_kind kind)
{
  begin_token(t);
  t->name_truncated = 0;
  t->has_style = 0;
  t->fetch_attr = 0;
  t->tag_foreign = 0;
  t->nspans = 0;
  t->sk_is_style = 0;
  t->style.len = 0;
  t->tag_kind = kind;
  t->self_closing = 0;
  t->rec_attrs = 0;
  t->attr_dropped = 0;
  t->name.len = 0;
  t->abuf.len = 0;
  t->nattrs = 0;
}

static void
begin_comment(struct consent__tokenizer *t)
{
  begin_token(t);
  t->comment.len = 0;
}

static inline int
rec_comments(const struct consent__tokenizer *t)
{
  return (t->flags & CONSENT__TOKF_COMMENTS) != 0;
}

static void
comment_append(struct consent__tokenizer *t, const void *s, size_t n)
{
  if (rec_comments(t))
    rec(t, &t->comment, s, n);
}

static void
emit_comment(struct consent__tokenizer *t, const unsigned char *end)
{
  struct consent__token tok;

  memset(&tok, 0, sizeof(tok));
  tok.kind = CONSENT__TOK_COMMENT;
  tok.data = t->comment.data ? t->comment.data : "";
  tok.data_len = t->comment.len;
  tok.truncated = t->truncated;
  tok.raw_start = t->tok_start;
  tok.raw_end = OFF(end);
  emit(t, &tok);
}

static void
begin_doctype(struct consent__tokenizer *t)
{
  begin_token(t);
  t->name.len = 0;
  t->pub.len = 0;
  t->sys.len = 0;
  t->has_name = t->has_pub = t->has_sys = 0;
  t->quirks = 0;
}

static void
emit_doctype(struct consent__tokenizer *t, const unsigned char *end)
{
  struct consent__token tok;

  memset(&tok, 0, sizeof(tok));
  tok.kind = CONSENT__TOK_DOCTYPE;
  tok.name = t->name.data ? t->name.data : "";
  tok.name_len = t->name.len;
  tok.public_id = t->pub.data ? t->pub.data : "";
  tok.public_id_len = t->pub.len;
  tok.system_id = t->sys.data ? t->sys.data : "";
  tok.system_id_len = t->sys.len;
  tok.has_name = t->has_name;
  tok.has_public_id = t->has_pub;
  tok.has_system_id = t->has_sys;
  tok.force_quirks = t->quirks;
  tok.truncated = t->truncated;
  tok.raw_start = t->tok_start;
  tok.raw_end = OFF(end);
  emit(t, &tok);
}

/* ------------------------------------------------------------------ */
/* Attributes                                                          */

/* Per attribute in aoff: name offset and length, value offset and
 * length in abuf, and the stream offset of the name's first byte. */
#define AOFF_N 5

static void
attr_drop_if_duplicate(struct consent__tokenizer *t)
{
  if (t->attr_dropped) {
    t->nattrs--;
    t->abuf.len = t->aoff[AOFF_N * t->nattrs];
    t->attr_dropped = 0;
  }
}

/* Starts a new attribute (13.2.5.32) whose name begins at p. */
static void
attr_begin(struct consent__tokenizer *t, const unsigned char *p)
{
  size_t *a;

  if (!t->rec_attrs)
    return;
  t->sk_name_len = 0;
  t->sk_track = 0;
  if (t->flags & CONSENT__TOKF_SPANS) {
    /* Every attribute, duplicates too: a caller that renames one
     * must rename all of its copies. */
    if (t->nspans == t->spans_cap) {
      size_t cap = t->spans_cap ? t->spans_cap * 2 : 16;
      uint64_t *sp = realloc(t->spans, cap * sizeof(*sp));
      if (sp == NULL) {
        out_of_memory(t);
        return;
      }
      t->spans = sp;
      t->spans_cap = cap;
    }
    t->spans[t->nspans++] = OFF(p);
  }
  attr_drop_if_duplicate(t);
  if (t->nattrs == t->attrs_cap) {
    size_t cap = t->attrs_cap ? t->attrs_cap * 2 : 16;
    a = realloc(t->aoff, cap * AOFF_N * sizeof(*a));
    if (a == NULL) {
      out_of_memory(t);
      t->rec_attrs = 0;
      return;
    }
    t->aoff = a;
    t->attrs_cap = cap;
  }
  a = t->aoff + AOFF_N * t->nattrs++;
  a[0] = t->abuf.len;
  a[1] = a[2] = a[3] = 0;
  a[4] = (size_t)OFF(p);
}

static inline void
attr_name_append(struct consent__tokenizer *t, const void *s, size_t n)
{
  if (t->rec_attrs) {
    if ((t->flags & CONSENT__TOKF_STYLE) && !t->sk_track &&
        (t->truncated || n > t->max_token - t->used) && t->nattrs > 0) {
      /* The name will not be recorded whole: from here on its first
       * bytes are kept apart too, for the fetch-name check. */
      size_t have = t->abuf.len - t->aoff[AOFF_N * (t->nattrs - 1)];
      t->sk_track = 1;
      t->sk_name_len = (uint8_t)(have > sizeof(t->sk_name)
                                 ? sizeof(t->sk_name) + 1 : have);
      if (have <= sizeof(t->sk_name))
        memcpy(t->sk_name, t->abuf.data + t->aoff[AOFF_N * (t->nattrs - 1)],
               have);
    }
    rec(t, &t->abuf, s, n);
  }
  if (t->sk_track && t->sk_name_len <= sizeof(t->sk_name)) {
    size_t room = sizeof(t->sk_name) - t->sk_name_len;
    if (n > room) {
      memcpy(t->sk_name + t->sk_name_len, s, room);
      t->sk_name_len = sizeof(t->sk_name) + 1;
    } else {
      memcpy(t->sk_name + t->sk_name_len, s, n);
      t->sk_name_len = (uint8_t)(t->sk_name_len + n);
    }
  }
}

/* When the attribute name is complete: the duplicate check, and the
 * start of the value (13.2.5.33, last paragraph). */
static void
attr_name_done(struct consent__tokenizer *t, const unsigned char *p)
{
  size_t *a, i, len;
  const char *name;

  if (!t->rec_attrs || t->nattrs == 0)
    return;
  a = t->aoff + AOFF_N * (t->nattrs - 1);
  a[1] = t->abuf.len - a[0];
  a[2] = t->abuf.len;
  a[3] = 0;
  len = a[1];
  name = t->abuf.data + a[0];
  if ((t->flags & CONSENT__TOKF_STYLE) && t->tag_kind == CONSENT__TOK_START &&
      (t->sk_track ? t->sk_name_len <= sizeof(t->sk_name) &&
                     consent__tok_fetch_name((const char *)t->sk_name,
                                             t->sk_name_len, t->tag_foreign)
                   : consent__tok_fetch_name(name, len, t->tag_foreign))) {
    t->fetch_attr = 1;
    if (t->on_fetch_name != NULL)
      t->on_fetch_name(t->ud, a[4]);
  }
  for (i = 0; i + 1 < t->nattrs; i++) {
    const size_t *b = t->aoff + AOFF_N * i;
    if (b[1] == len && memcmp(t->abuf.data + b[0], name, len) == 0) {
      error(t, CONSENT__ERR_DUPLICATE_ATTRIBUTE, p);
      t->attr_dropped = 1;
      break;
    }
  }
}

static inline void
attr_value_append(struct consent__tokenizer *t, const void *s, size_t n)
{
  if (t->rec_attrs && !t->attr_dropped && t->nattrs) {
    size_t before = t->abuf.len;
    rec(t, &t->abuf, s, n);
    t->aoff[AOFF_N * (t->nattrs - 1) + 3] += t->abuf.len - before;
  }
}

/* ------------------------------------------------------------------ */
/* Tree-builder emulation: content states and foreign content           */

#define NS_SVG 1
#define NS_MATH 2


/* What the tree-builder emulation needs to know of a tag name. */
enum {
  TC_SCRIPT = 1 << 0,      /* switches to script data */
  TC_RAWTEXT = 1 << 1,     /* style, xmp, iframe, noembed, noframes */
  TC_NOSCRIPT = 1 << 2,    /* raw text when scripting is on */
  TC_RCDATA = 1 << 3,      /* title, textarea */
  TC_PLAINTEXT = 1 << 4,
  TC_SVG = 1 << 5,
  TC_MATH = 1 << 6,
  TC_BREAKOUT = 1 << 7,    /* a start tag that leaves foreign content */
  TC_FONT = 1 << 8,        /* leaves it with color, face or size */
  TC_SVG_IP = 1 << 9,      /* an HTML integration point in SVG */
  TC_MATH_IP = 1 << 10,    /* a text integration point in MathML */
  TC_ANNOTATION = 1 << 11, /* annotation-xml */
  TC_END_BREAKOUT = 1 << 12 /* an end tag that leaves it: br, p */
};

struct tag_class {
  char name[15];
  uint8_t len;
  uint16_t cls;
};

/* Sorted by length, so that a lookup only looks at names of its own
 * length. */
static const struct tag_class tag_classes[] = {
#define T(name, cls) { name, sizeof(name) - 1, cls }
  T("b", TC_BREAKOUT), T("i", TC_BREAKOUT), T("p", TC_BREAKOUT |
  TC_END_BREAKOUT), T("s", TC_BREAKOUT), T("u", TC_BREAKOUT),
  T("br", TC_BREAKOUT | TC_END_BREAKOUT), T("dd", TC_BREAKOUT),
  T("dl", TC_BREAKOUT), T("dt", TC_BREAKOUT), T("em", TC_BREAKOUT),
  T("h1", TC_BREAKOUT), T("h2", TC_BREAKOUT), T("h3", TC_BREAKOUT),
  T("h4", TC_BREAKOUT), T("h5", TC_BREAKOUT), T("h6", TC_BREAKOUT),
  T("hr", TC_BREAKOUT), T("li", TC_BREAKOUT), T("ol", TC_BREAKOUT),
  T("tt", TC_BREAKOUT), T("ul", TC_BREAKOUT), T("mi", TC_MATH_IP),
  T("mo", TC_MATH_IP), T("mn", TC_MATH_IP), T("ms", TC_MATH_IP),
  T("big", TC_BREAKOUT), T("div", TC_BREAKOUT), T("img", TC_BREAKOUT),
  T("pre", TC_BREAKOUT), T("sub", TC_BREAKOUT), T("sup", TC_BREAKOUT),
  T("var", TC_BREAKOUT), T("xmp", TC_RAWTEXT), T("svg", TC_SVG),
  T("body", TC_BREAKOUT), T("code", TC_BREAKOUT), T("head", TC_BREAKOUT),
  T("menu", TC_BREAKOUT), T("meta", TC_BREAKOUT), T("nobr", TC_BREAKOUT),
  T("ruby", TC_BREAKOUT), T("span", TC_BREAKOUT), T("font", TC_FONT),
  T("math", TC_MATH), T("desc", TC_SVG_IP),
  T("embed", TC_BREAKOUT), T("small", TC_BREAKOUT), T("table", TC_BREAKOUT),
  T("style", TC_RAWTEXT), T("title", TC_RCDATA | TC_SVG_IP),
  T("mtext", TC_MATH_IP),
  T("center", TC_BREAKOUT), T("strong", TC_BREAKOUT),
  T("strike", TC_BREAKOUT), T("script", TC_SCRIPT), T("iframe", TC_RAWTEXT),
  T("listing", TC_BREAKOUT), T("noembed", TC_RAWTEXT),
  T("noframes", TC_RAWTEXT), T("noscript", TC_NOSCRIPT),
  T("textarea", TC_RCDATA),
  T("plaintext", TC_PLAINTEXT),
  T("blockquote", TC_BREAKOUT),
  T("foreignobject", TC_SVG_IP),
  T("annotation-xml", TC_ANNOTATION),
#undef T
};

#define TC_MAX_LEN 14

static unsigned
classify(const char *name, size_t len)
{
  unsigned lo = 0, hi = sizeof(tag_classes) / sizeof(tag_classes[0]), mid;

  if (len == 0 || len > TC_MAX_LEN)
    return 0;
  while (lo < hi) { /* the first entry of this length */
    mid = (lo + hi) / 2;
    if (tag_classes[mid].len < len)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (; lo < sizeof(tag_classes) / sizeof(tag_classes[0]) &&
         tag_classes[lo].len == len; lo++)
    if (tag_classes[lo].name[0] == name[0] &&
        memcmp(tag_classes[lo].name, name, len) == 0)
      return tag_classes[lo].cls;
  return 0;
}

/* Whether the adjusted current node is a foreign element that is not an
 * HTML integration point: where start tags make foreign elements. */
static int
in_foreign(const struct consent__tokenizer *t)
{
  return t->nforeign > 0 && !t->foreign[t->nforeign - 1].html_ip;
}

static const char *
attr_value(const struct consent__tokenizer *t, const char *name,
           size_t *len)
{
  size_t i, n = strlen(name);

  if (!t->rec_attrs)
    return NULL;
  for (i = 0; i < t->nattrs; i++) {
    const size_t *a = t->aoff + AOFF_N * i;
    if (a[1] == n && memcmp(t->abuf.data + a[0], name, n) == 0) {
      *len = a[3];
      return t->abuf.data + a[2];
    }
  }
  return NULL;
}

static void
foreign_push(struct consent__tokenizer *t, int ns)
{
  struct consent__foreign *f;

  if (t->nforeign == CONSENT__TOK_MAX_FOREIGN) {
    t->foreign_overflow++;
    return;
  }
  f = &t->foreign[t->nforeign++];
  f->hash = consent__fnv1a(t->name.data, t->name.len);
  f->ns = (uint8_t)ns;
  f->html_ip = 0;
  if (ns == NS_SVG && (t->tag_class & TC_SVG_IP))
    f->html_ip = 1;
  if (ns == NS_MATH && (t->tag_class & TC_MATH_IP))
    f->html_ip = 1;
  if (ns == NS_MATH && (t->tag_class & TC_ANNOTATION)) {
    size_t n;
    const char *v = attr_value(t, "encoding", &n);
    if (v != NULL && ((n == 9 && strncasecmp(v, "text/html", 9) == 0) ||
                      (n == 21 &&
                       strncasecmp(v, "application/xhtml+xml", 21) == 0)))
      f->html_ip = 1;
  }
}

/* Pops foreign elements down to the nearest HTML integration point. */
static void
foreign_break_out(struct consent__tokenizer *t)
{
  t->foreign_overflow = 0;
  while (t->nforeign > 0 && !t->foreign[t->nforeign - 1].html_ip)
    t->nforeign--;
}

static int
breaks_out(const struct consent__tokenizer *t)
{
  size_t n;

  if (t->tag_class & TC_BREAKOUT)
    return 1;
  return (t->tag_class & TC_FONT) &&
         (attr_value(t, "color", &n) || attr_value(t, "face", &n) ||
          attr_value(t, "size", &n));
}

/* The state after a start tag, in the HTML namespace (13.2.6.4.7 and
 * 13.2.6.4.4 tell which elements switch the tokenizer). */
static consent__tok_state
state_after_start_tag(struct consent__tokenizer *t)
{
  unsigned c = t->tag_class;

  if (in_foreign(t)) {
    if (!breaks_out(t)) {
      if (!t->self_closing)
        foreign_push(t, t->foreign[t->nforeign - 1].ns);
      return st_data;
    }
    foreign_break_out(t);
  }
  if (c == 0)
    return st_data;
  if (c & (TC_SVG | TC_MATH)) {
    if (!t->self_closing)
      foreign_push(t, (c & TC_SVG) ? NS_SVG : NS_MATH);
    return st_data;
  }
  if (c & TC_SCRIPT)
    return st_script_data;
  if (c & TC_RAWTEXT)
    return st_rawtext;
  if ((c & TC_NOSCRIPT) && (t->flags & CONSENT__TOKF_SCRIPTING))
    return st_rawtext;
  if (c & TC_RCDATA)
    return st_rcdata;
  if (c & TC_PLAINTEXT)
    return st_plaintext;
  return st_data;
}

static void
tree_end_tag(struct consent__tokenizer *t)
{
  uint32_t h;
  unsigned i;

  if (t->foreign_overflow > 0) {
    t->foreign_overflow--;
    return;
  }
  if (t->nforeign == 0)
    return;
  h = consent__fnv1a(t->name.data, t->name.len);
  if (!in_foreign(t)) {
    /* HTML rules: only the integration point itself can close here. */
    if (t->foreign[t->nforeign - 1].hash == h)
      t->nforeign--;
    return;
  }
  if (t->tag_class & TC_END_BREAKOUT) {
    foreign_break_out(t);
    return;
  }
  for (i = t->nforeign; i-- > 0;) {
    if (t->foreign[i].hash == h) {
      t->nforeign = i;
      return;
    }
    if (t->foreign[i].html_ip)
      return;
  }
}

/* ------------------------------------------------------------------ */
/* Tags                                                                */

/* The tag name is complete: decide whether to record attributes. */
static void
tag_name_done(struct consent__tokenizer *t)
{
  int want = (t->flags & CONSENT__TOKF_ATTRS) != 0;

  t->tag_class = (t->flags & CONSENT__TOKF_TREE) && !t->name_truncated
                 ? (uint16_t)classify(t->name.data, t->name.len) : 0;
  /* (A font tag may still break out by its attributes: counting it as
   * foreign only makes more names interesting.) */
  if (t->nforeign != 0 || (t->tag_class & (TC_SVG | TC_MATH)))
    t->tag_foreign = (uint8_t)((in_foreign(t) &&
                                !(t->tag_class & TC_BREAKOUT)) ||
                               (t->tag_class & (TC_SVG | TC_MATH)) != 0);
  if (!want && t->want_attrs != NULL)
    want = t->want_attrs(t->ud, t->name.data ? t->name.data : "",
                         t->name.len, t->tag_kind == CONSENT__TOK_END);
  if (!want && t->tag_kind == CONSENT__TOK_START && t->nforeign > 0 &&
      (t->tag_class & (TC_FONT | TC_ANNOTATION)))
    want = 1;
  t->rec_attrs = want ? 1 : 0;
}

/* Emits the current tag and returns the state that follows it. */
static consent__tok_state
emit_tag(struct consent__tokenizer *t, const unsigned char *end)
{
  struct consent__token tok;
  consent__tok_state next = st_data;
  size_t i;

  attr_drop_if_duplicate(t);
  memset(&tok, 0, sizeof(tok));
  tok.kind = t->tag_kind;
  tok.name = t->name.data ? t->name.data : "";
  tok.name_len = t->name.len;
  tok.self_closing = t->self_closing;
  tok.truncated = t->truncated || t->name_truncated;
  tok.raw_start = t->tok_start;
  tok.raw_end = OFF(end);
  if (t->has_style && !t->rec_attrs) {
    tok.has_style = 1;
    tok.style = t->style.data ? t->style.data : "";
    tok.style_len = t->style.len;
  }
  tok.fetch_attr = t->fetch_attr;
  tok.foreign = t->tag_foreign;
  if (t->tag_kind == CONSENT__TOK_END) {
    if (t->nattrs > 0)
      error(t, CONSENT__ERR_END_TAG_WITH_ATTRIBUTES, end - 1);
    if (t->self_closing)
      error(t, CONSENT__ERR_END_TAG_WITH_TRAILING_SOLIDUS, end - 1);
  } else if (t->rec_attrs) {
    if (t->attrs_ptr_cap < t->nattrs) {
      struct consent__attr *a = realloc(t->attrs,
                                        t->nattrs * sizeof(*a));
      if (a == NULL) {
        out_of_memory(t);
        return st_data;
      }
      t->attrs = a;
      t->attrs_ptr_cap = t->nattrs;
    }
    for (i = 0; i < t->nattrs; i++) {
      const size_t *o = t->aoff + AOFF_N * i;
      t->attrs[i].raw_name = o[4];
      t->attrs[i].name = t->abuf.data + o[0];
      t->attrs[i].name_len = o[1];
      t->attrs[i].value = t->abuf.data + o[2];
      t->attrs[i].value_len = o[3];
    }
    tok.attrs = t->attrs;
    tok.nattrs = t->nattrs;
    tok.attrs_recorded = 1;
  }
  if (t->tag_kind == CONSENT__TOK_START) {
    if (!t->name_truncated && t->name.len <= sizeof(t->last_start)) {
      memcpy(t->last_start, t->name.data, t->name.len);
      t->last_start_len = t->name.len;
    } else {
      t->last_start_len = sizeof(t->last_start) + 1;
    }
    if (t->flags & CONSENT__TOKF_TREE)
      next = state_after_start_tag(t);
    tok.raw_text = next != st_data;
  } else if (t->flags & CONSENT__TOKF_TREE) {
    tree_end_tag(t);
  }
  emit(t, &tok);
  return next;
}

/* Tag names have a bound of their own (no element's name is long), so
 * that a tag whose attributes hit the token limit keeps its name: its
 * end tag must still be recognized. */
#define NAME_MAX_BYTES 1024

static void
tag_name_append(struct consent__tokenizer *t, const unsigned char *p,
                const unsigned char *q)
{
  size_t n = (size_t)(q - p), i;

  if (t->name_truncated)
    return;
  if (n > NAME_MAX_BYTES - t->name.len) {
    n = NAME_MAX_BYTES - t->name.len;
    t->name_truncated = 1;
  }
  if (consent__buf_reserve(&t->name, n) != 0) {
    out_of_memory(t);
    return;
  }
  for (i = 0; i < n; i++)
    t->name.data[t->name.len + i] = (char)LOWER(p[i]);
  t->name.len += n;
}

/* Whether the end tag being read matches the last start tag. */
static int
appropriate_end_tag(const struct consent__tokenizer *t)
{
  return t->name.len == t->last_start_len &&
         memcmp(t->name.data, t->last_start, t->name.len) == 0;
}

/* ------------------------------------------------------------------ */
/* Scanning                                                            */

/* Bytes that end a run of plain text in each kind of state. */
enum {
  S_LT = 1,     /* < */
  S_AMP = 2,    /* & */
  S_NUL = 4,    /* NUL */
  S_CR = 8,     /* CR */
  S_DQ = 16,    /* " */
  S_SQ = 32,    /* ' */
  S_TAGEND = 64 /* whitespace, / or > */
};

static const unsigned char cls[256] = {
  ['<'] = S_LT,
  ['&'] = S_AMP,
  [0] = S_NUL,
  ['\r'] = S_CR | S_TAGEND,
  ['"'] = S_DQ,
  ['\''] = S_SQ,
  [' '] = S_TAGEND, ['\t'] = S_TAGEND, ['\n'] = S_TAGEND,
  ['\f'] = S_TAGEND, ['/'] = S_TAGEND, ['>'] = S_TAGEND,
};

/* First byte from p on whose class has a bit of mask, or e. */
static inline const unsigned char *
scan(const unsigned char *p, const unsigned char *e, unsigned mask)
{
  while (e - p >= 4) {
    if (cls[p[0]] & mask)
      return p;
    if (cls[p[1]] & mask)
      return p + 1;
    if (cls[p[2]] & mask)
      return p + 2;
    if (cls[p[3]] & mask)
      return p + 3;
    p += 4;
  }
  while (p < e && !(cls[*p] & mask))
    p++;
  return p;
}

static inline const unsigned char *
find(const unsigned char *p, const unsigned char *e, int c)
{
  const unsigned char *q = memchr(p, c, (size_t)(e - p));
  return q ? q : e;
}

/* Runs of character data in the text states.  mask says which bytes
 * stop a run; a run is emitted, a stop byte handled by the caller. */
static const unsigned char *
text_run(struct consent__tokenizer *t, const unsigned char *p,
         const unsigned char *e, unsigned mask)
{
  const unsigned char *q = scan(p, e, mask | S_NUL | S_CR);

  emit_run(t, p, q);
  return q;
}

/* Emits a CR (as LF) or a NUL (as U+FFFD, or as itself in Data).  p is
 * at such a byte. */
static const unsigned char *
text_special(struct consent__tokenizer *t, const unsigned char *p,
             const unsigned char *e, int nul_as_is)
{
  if (*p == '\r') {
    emit_chars(t, "\n", 1, p + 1);
    return adv(t, p, e);
  }
  error(t, CONSENT__ERR_UNEXPECTED_NULL_CHARACTER, p);
  if (nul_as_is)
    emit_chars(t, "", 1, p + 1);
  else
    emit_chars(t, fffd, 3, p + 1);
  return p + 1;
}

static inline int
want_text(const struct consent__tokenizer *t)
{
  return (t->flags & CONSENT__TOKF_TEXT) != 0;
}

/* A '<' seen in a text state: the start of a possible token. */
static inline void
mark_lt(struct consent__tokenizer *t, const unsigned char *p)
{
  t->tok_start = OFF(p);
}

/* The states that only look at one character: if it is c, consume it
 * (emitting it when emit is set) and go to yes; otherwise reconsume it in
 * no.  At EOF, no. */
static const unsigned char *
on_char(struct consent__tokenizer *t, const unsigned char *p,
        const unsigned char *e, unsigned c, int emit,
        consent__tok_state yes, consent__tok_state no)
{
  if (p == e && !t->eof)
    return p;
  if (p < e && *p == c) {
    if (emit)
      emit_chars(t, p, 1, p + 1);
    t->state = yes;
    return p + 1;
  }
  t->state = no;
  return p;
}

/* ------------------------------------------------------------------ */
/* Text states                                                         */

/* 13.2.5.1 Data, 13.2.5.2 RCDATA, 13.2.5.3 RAWTEXT and 13.2.5.4 Script
 * data states: runs of text up to '<' (which goes to the state lt), '&'
 * (with character references), NUL and CR. */
static const unsigned char *
text_state(struct consent__tokenizer *t, const unsigned char *p,
           const unsigned char *e, consent__tok_state self,
           consent__tok_state lt, int refs, int nul_as_is)
{
  for (;;) {
    if (p == e) {
      if (t->eof)
        t->done = 1;
      return p;
    }
    if (!want_text(t)) {
      /* Only '<' can start a token; references change text alone. */
      p = find(p, e, '<');
      if (p == e)
        return p;
    } else {
      p = text_run(t, p, e, refs ? S_LT | S_AMP : S_LT);
      if (p == e)
        continue;
    }
    if (*p == '<') {
      mark_lt(t, p);
      t->raw = self;
      t->state = lt;
      return p + 1;
    }
    if (*p == '&') {
      t->ret = self;
      t->state = st_char_ref;
      return p + 1;
    }
    p = text_special(t, p, e, nul_as_is);
    if (t->stop)
      return p;
  }
}

STATE(st_data)
{
  return text_state(t, p, e, st_data, st_tag_open, 1, 1);
}

STATE(st_rcdata)
{
  return text_state(t, p, e, st_rcdata, st_raw_lt, 1, 0);
}

STATE(st_rawtext)
{
  return text_state(t, p, e, st_rawtext, st_raw_lt, 0, 0);
}

STATE(st_script_data)
{
  return text_state(t, p, e, st_script_data, st_script_lt, 0, 0);
}

/* 13.2.5.5 PLAINTEXT state */
STATE(st_plaintext)
{
  for (;;) {
    if (p == e) {
      if (t->eof)
        t->done = 1;
      return p;
    }
    if (!want_text(t))
      return e;
    p = text_run(t, p, e, 0);
    if (p < e)
      p = text_special(t, p, e, 0);
    if (t->stop)
      return p;
  }
}

/* 13.2.5.6 Tag open state */
STATE(st_tag_open)
{
  unsigned c;

  if (p == e) {
    if (!t->eof)
      return p;
    error(t, CONSENT__ERR_EOF_BEFORE_TAG_NAME, p);
    emit_chars(t, "<", 1, p);
    t->state = st_data;
    return p;
  }
  c = *p;
  if (c == '!') {
    t->tmp_len = 0;
    t->state = st_markup_decl_open;
    return p + 1;
  }
  if (c == '/') {
    t->state = st_end_tag_open;
    return p + 1;
  }
  if (IS_ALPHA(c)) {
    begin_tag(t, CONSENT__TOK_START);
    t->state = st_tag_name;
    return p;
  }
  if (c == '?') {
    error(t, CONSENT__ERR_UNEXPECTED_QUESTION_MARK_INSTEAD_OF_TAG_NAME, p);
    begin_comment(t);
    t->state = st_bogus_comment;
    return p;
  }
  error(t, CONSENT__ERR_INVALID_FIRST_CHARACTER_OF_TAG_NAME, p);
  emit_chars(t, "<", 1, p);
  t->state = st_data;
  return p;
}

/* 13.2.5.7 End tag open state */
STATE(st_end_tag_open)
{
  unsigned c;

  if (p == e) {
    if (!t->eof)
      return p;
    error(t, CONSENT__ERR_EOF_BEFORE_TAG_NAME, p);
    emit_chars(t, "</", 2, p);
    t->state = st_data;
    return p;
  }
  c = *p;
  if (IS_ALPHA(c)) {
    begin_tag(t, CONSENT__TOK_END);
    t->state = st_tag_name;
    return p;
  }
  if (c == '>') {
    error(t, CONSENT__ERR_MISSING_END_TAG_NAME, p);
    t->state = st_data;
    return p + 1;
  }
  error(t, CONSENT__ERR_INVALID_FIRST_CHARACTER_OF_TAG_NAME, p);
  begin_comment(t);
  t->state = st_bogus_comment;
  return p;
}

/* 13.2.5.8 Tag name state */
STATE(st_tag_name)
{
  const unsigned char *q;

  for (;;) {
    if (p == e) {
      if (!t->eof)
        return p;
      error(t, CONSENT__ERR_EOF_IN_TAG, p);
      t->state = st_data;
      return p;
    }
    q = scan(p, e, S_TAGEND | S_NUL);
    tag_name_append(t, p, q);
    p = q;
    if (p == e)
      continue;
    switch (*p) {
    case '/':
      tag_name_done(t);
      t->state = st_self_closing_start_tag;
      return p + 1;
    case '>':
      tag_name_done(t);
      t->state = emit_tag(t, p + 1);
      return p + 1;
    case 0:
      error(t, CONSENT__ERR_UNEXPECTED_NULL_CHARACTER, p);
      tag_name_append(t, (const unsigned char *)fffd,
                      (const unsigned char *)fffd + 3);
      p++;
      break;
    default:
      tag_name_done(t);
      t->state = attrs_state(t);
      return adv(t, p, e);
    }
  }
}

/* 13.2.5.9/12 RCDATA and RAWTEXT less-than sign states: t->raw is the
 * text state to go back to. */
STATE(st_raw_lt)
{
  if (p < e && *p == '/') {
    t->tmp_len = 0;
    t->state = st_raw_end_tag_open;
    return p + 1;
  }
  if (p == e && !t->eof)
    return p;
  emit_chars(t, "<", 1, p);
  t->state = t->raw;
  return p;
}

/* 13.2.5.10/13/16/24 RCDATA, RAWTEXT, script data and script data
 * escaped end tag open states. */
STATE(st_raw_end_tag_open)
{
  if (p < e && IS_ALPHA(*p)) {
    begin_tag(t, CONSENT__TOK_END);
    t->state = st_raw_end_tag_name;
    return p;
  }
  if (p == e && !t->eof)
    return p;
  emit_chars(t, "</", 2, p);
  t->state = t->raw;
  return p;
}

/* 13.2.5.11/14/17/25 the matching end tag name states. */
STATE(st_raw_end_tag_name)
{
  unsigned c;

  for (;;) {
    if (p == e) {
      if (!t->eof)
        return p;
      break;
    }
    c = *p;
    if (IS_ALPHA(c)) {
      if (t->tmp_len == sizeof(t->last_start) + 1)
        break; /* longer than any appropriate end tag */
      t->tmp[t->tmp_len++] = (unsigned char)c;
      tag_name_append(t, p, p + 1);
      p++;
      continue;
    }
    if (!appropriate_end_tag(t))
      break;
    if (IS_WS(c)) {
      tag_name_done(t);
      t->state = attrs_state(t);
      return adv(t, p, e);
    }
    if (c == '/') {
      tag_name_done(t);
      t->state = st_self_closing_start_tag;
      return p + 1;
    }
    if (c == '>') {
      tag_name_done(t);
      t->state = emit_tag(t, p + 1);
      return p + 1;
    }
    break;
  }
  emit_chars(t, "</", 2, p);
  emit_chars(t, t->tmp, t->tmp_len, p);
  t->state = t->raw;
  return p;
}

/* 13.2.5.15 Script data less-than sign state */
STATE(st_script_lt)
{
  if (p < e && *p == '/') {
    t->tmp_len = 0;
    t->state = st_raw_end_tag_open;
    return p + 1;
  }
  if (p < e && *p == '!') {
    emit_chars(t, "<!", 2, p + 1);
    t->state = st_script_escape_start;
    return p + 1;
  }
  if (p == e && !t->eof)
    return p;
  emit_chars(t, "<", 1, p);
  t->state = st_script_data;
  return p;
}

/* 13.2.5.18 Script data escape start state */
STATE(st_script_escape_start)
{
  return on_char(t, p, e, '-', 1, st_script_escape_start_dash,
                 st_script_data);
}

/* 13.2.5.19 Script data escape start dash state */
STATE(st_script_escape_start_dash)
{
  return on_char(t, p, e, '-', 1, st_script_escaped_dash_dash,
                 st_script_data);
}

/* The escaped (13.2.5.20-22) and double-escaped (13.2.5.27-29) script
 * states have one shape: text runs up to '-' or '<', dashes counted, and
 * "-->" back to script data.  The double-escaped ones emit their '<'. */
struct escaped {
  consent__tok_state plain, dash, dash_dash, lt;
  int emit_lt;
};

static const struct escaped escaped = {
  st_script_escaped, st_script_escaped_dash, st_script_escaped_dash_dash,
  st_script_escaped_lt, 0
};
static const struct escaped double_escaped = {
  st_script_double_escaped, st_script_double_escaped_dash,
  st_script_double_escaped_dash_dash, st_script_double_escaped_lt, 1
};

/* What every one of those states does with '-', '<', NUL, CR and EOF. */
static const unsigned char *
escaped_common(struct consent__tokenizer *t, const unsigned char *p,
               const unsigned char *e, const struct escaped *k,
               consent__tok_state dash)
{
  if (p == e) {
    if (!t->eof)
      return p;
    error(t, CONSENT__ERR_EOF_IN_SCRIPT_HTML_COMMENT_LIKE_TEXT, p);
    t->state = st_data;
    return p;
  }
  switch (*p) {
  case '-':
    emit_chars(t, "-", 1, p + 1);
    t->state = dash;
    return p + 1;
  case '<':
    if (k->emit_lt)
      emit_chars(t, "<", 1, p + 1);
    else
      mark_lt(t, p);
    t->state = k->lt;
    return p + 1;
  default:
    p = text_special(t, p, e, 0);
    t->state = k->plain;
    return p;
  }
}

/* 13.2.5.20/27: a run of text up to '-', '<', NUL or CR. */
static const unsigned char *
escaped_plain(struct consent__tokenizer *t, const unsigned char *p,
              const unsigned char *e, const struct escaped *k)
{
  const unsigned char *q = p;

  while (q < e && *q != '-' && *q != '<' && *q != 0 && *q != '\r')
    q++;
  if (want_text(t))
    emit_run(t, p, q);
  if (q == e && !t->eof)
    return q;
  return escaped_common(t, q, e, k, k->dash);
}

/* 13.2.5.21/28: after one '-'. */
static const unsigned char *
escaped_dash(struct consent__tokenizer *t, const unsigned char *p,
             const unsigned char *e, const struct escaped *k)
{
  if (p < e && *p != '-' && *p != '<' && *p != 0 && *p != '\r') {
    emit_chars(t, p, 1, p + 1);
    t->state = k->plain;
    return p + 1;
  }
  return escaped_common(t, p, e, k, k->dash_dash);
}

/* 13.2.5.22/29: after "--". */
static const unsigned char *
escaped_dash_dash(struct consent__tokenizer *t, const unsigned char *p,
                  const unsigned char *e, const struct escaped *k)
{
  if (p < e && *p == '>') {
    emit_chars(t, ">", 1, p + 1);
    t->state = st_script_data;
    return p + 1;
  }
  if (p < e && *p == '-') {
    emit_chars(t, "-", 1, p + 1);
    return p + 1;
  }
  return escaped_dash(t, p, e, k);
}

STATE(st_script_escaped)
{
  return escaped_plain(t, p, e, &escaped);
}

STATE(st_script_escaped_dash)
{
  return escaped_dash(t, p, e, &escaped);
}

STATE(st_script_escaped_dash_dash)
{
  return escaped_dash_dash(t, p, e, &escaped);
}

STATE(st_script_double_escaped)
{
  return escaped_plain(t, p, e, &double_escaped);
}

STATE(st_script_double_escaped_dash)
{
  return escaped_dash(t, p, e, &double_escaped);
}

STATE(st_script_double_escaped_dash_dash)
{
  return escaped_dash_dash(t, p, e, &double_escaped);
}

/* 13.2.5.23 Script data escaped less-than sign state */
STATE(st_script_escaped_lt)
{
  if (p < e && *p == '/') {
    t->tmp_len = 0;
    t->raw = st_script_escaped;
    t->state = st_raw_end_tag_open;
    return p + 1;
  }
  if (p < e && IS_ALPHA(*p)) {
    t->tmp_len = 0;
    emit_chars(t, "<", 1, p);
    t->state = st_script_double_escape_start;
    return p;
  }
  if (p == e && !t->eof)
    return p;
  emit_chars(t, "<", 1, p);
  t->state = st_script_escaped;
  return p;
}

/* The temporary buffer of 13.2.5.26/31 is "script"? */
static int
tmp_is_script(const struct consent__tokenizer *t)
{
  return t->tmp_len == 6 && memcmp(t->tmp, "script", 6) == 0;
}

/* 13.2.5.26 Script data double escape start state and 13.2.5.31 Script
 * data double escape end state. */
static const unsigned char *
double_escape_switch(struct consent__tokenizer *t, const unsigned char *p,
                     const unsigned char *e, consent__tok_state if_script,
                     consent__tok_state otherwise)
{
  unsigned c;

  for (;;) {
    if (p == e) {
      if (!t->eof)
        return p;
      t->state = otherwise;
      return p;
    }
    c = peek(p);
    if (IS_WS(c) || c == '/' || c == '>') {
      unsigned char ch = (unsigned char)c;
      emit_chars(t, &ch, 1, p + 1);
      t->state = tmp_is_script(t) ? if_script : otherwise;
      return adv(t, p, e);
    }
    if (!IS_ALPHA(c)) {
      t->state = otherwise;
      return p;
    }
    if (t->tmp_len < 7)
      t->tmp[t->tmp_len++] = (unsigned char)LOWER(c);
    else
      t->tmp_len = 7; /* too long to be "script" */
    emit_chars(t, p, 1, p + 1);
    p++;
  }
}

STATE(st_script_double_escape_start)
{
  return double_escape_switch(t, p, e, st_script_double_escaped,
                              st_script_escaped);
}

/* 13.2.5.30 Script data double escaped less-than sign state */
STATE(st_script_double_escaped_lt)
{
  if (p < e && *p == '/') {
    t->tmp_len = 0;
    emit_chars(t, "/", 1, p + 1);
    t->state = st_script_double_escape_end;
    return p + 1;
  }
  if (p == e && !t->eof)
    return p;
  t->state = st_script_double_escaped;
  return p;
}

/* 13.2.5.31 Script data double escape end state */
STATE(st_script_double_escape_end)
{
  return double_escape_switch(t, p, e, st_script_escaped,
                              st_script_double_escaped);
}

/* ------------------------------------------------------------------ */
/* Attributes                                                          */

static const unsigned char *
eof_in_tag(struct consent__tokenizer *t, const unsigned char *p)
{
  error(t, CONSENT__ERR_EOF_IN_TAG, p);
  t->state = st_data;
  return p;
}

/* 13.2.5.32 Before attribute name state */
STATE(st_before_attr_name)
{
  unsigned c;

  while (p < e && IS_WS(*p))
    p = adv(t, p, e);
  if (p == e)
    return t->eof ? eof_in_tag(t, p) : p;
  c = *p;
  if (c == '/' || c == '>') {
    t->state = st_after_attr_name;
    return p;
  }
  attr_begin(t, p);
  if (c == '=') {
    error(t, CONSENT__ERR_UNEXPECTED_EQUALS_SIGN_BEFORE_ATTRIBUTE_NAME, p);
    attr_name_append(t, "=", 1);
    p++;
  }
  t->state = st_attr_name;
  return p;
}

/* 13.2.5.33 Attribute name state */
STATE(st_attr_name)
{
  const unsigned char *q;
  unsigned c;
  unsigned char lc;

  for (;;) {
    if (p == e) {
      if (!t->eof)
        return p;
      attr_name_done(t, p);
      t->state = st_after_attr_name;
      return p;
    }
    q = p;
    while (q < e && !(cls[*q] & (S_TAGEND | S_NUL | S_DQ | S_SQ | S_LT)) &&
           *q != '=' && !IS_UPPER(*q))
      q++;
    attr_name_append(t, p, (size_t)(q - p));
    p = q;
    if (p == e)
      continue;
    c = *p;
    if (IS_WS(c) || c == '/' || c == '>') {
      attr_name_done(t, p);
      t->state = st_after_attr_name;
      return p;
    }
    if (c == '=') {
      attr_name_done(t, p);
      t->state = st_before_attr_value;
      return p + 1;
    }
    if (c == 0) {
      error(t, CONSENT__ERR_UNEXPECTED_NULL_CHARACTER, p);
      attr_name_append(t, fffd, 3);
    } else if (IS_UPPER(c)) {
      lc = (unsigned char)(c + 0x20);
      attr_name_append(t, &lc, 1);
    } else {
      error(t, CONSENT__ERR_UNEXPECTED_CHARACTER_IN_ATTRIBUTE_NAME, p);
      attr_name_append(t, p, 1);
    }
    p++;
  }
}

/* 13.2.5.34 After attribute name state */
STATE(st_after_attr_name)
{
  unsigned c;

  while (p < e && IS_WS(*p))
    p = adv(t, p, e);
  if (p == e)
    return t->eof ? eof_in_tag(t, p) : p;
  c = *p;
  if (c == '/') {
    t->state = st_self_closing_start_tag;
    return p + 1;
  }
  if (c == '=') {
    t->state = st_before_attr_value;
    return p + 1;
  }
  if (c == '>') {
    t->state = emit_tag(t, p + 1);
    return p + 1;
  }
  attr_begin(t, p);
  t->state = st_attr_name;
  return p;
}

/* 13.2.5.35 Before attribute value state */
STATE(st_before_attr_value)
{
  unsigned c;

  while (p < e && IS_WS(*p))
    p = adv(t, p, e);
  if (p == e && !t->eof)
    return p;
  c = p < e ? *p : 256;
  if (c == '"') {
    t->state = st_attr_value_dq;
    return p + 1;
  }
  if (c == '\'') {
    t->state = st_attr_value_sq;
    return p + 1;
  }
  if (c == '>') {
    error(t, CONSENT__ERR_MISSING_ATTRIBUTE_VALUE, p);
    t->state = emit_tag(t, p + 1);
    return p + 1;
  }
  t->state = st_attr_value_unquoted;
  return p;
}

/* 13.2.5.36/37 Attribute value (double- and single-quoted) states. */
static const unsigned char *
attr_value_quoted(struct consent__tokenizer *t, const unsigned char *p,
                  const unsigned char *e, unsigned quote, unsigned mask,
                  consent__tok_state self)
{
  const unsigned char *q;

  for (;;) {
    if (p == e)
      return t->eof ? eof_in_tag(t, p) : p;
    if (!t->rec_attrs) {
      p = find(p, e, (int)quote);
      if (p == e)
        return p;
    } else {
      q = scan(p, e, mask | S_AMP | S_NUL | S_CR);
      attr_value_append(t, p, (size_t)(q - p));
      p = q;
      if (p == e)
        continue;
    }
    if (*p == quote) {
      t->state = st_after_attr_value_quoted;
      return p + 1;
    }
    if (*p == '&') {
      t->ret = self;
      t->state = st_char_ref;
      return p + 1;
    }
    if (*p == 0) {
      error(t, CONSENT__ERR_UNEXPECTED_NULL_CHARACTER, p);
      attr_value_append(t, fffd, 3);
      p++;
    } else {
      attr_value_append(t, "\n", 1);
      p = adv(t, p, e);
    }
  }
}

STATE(st_attr_value_dq)
{
  return attr_value_quoted(t, p, e, '"', S_DQ, st_attr_value_dq);
}

STATE(st_attr_value_sq)
{
  return attr_value_quoted(t, p, e, '\'', S_SQ, st_attr_value_sq);
}

/* 13.2.5.38 Attribute value (unquoted) state */
STATE(st_attr_value_unquoted)
{
  const unsigned char *q;
  unsigned c;

  for (;;) {
    if (p == e)
      return t->eof ? eof_in_tag(t, p) : p;
    q = p;
    while (q < e && !(cls[*q] & (S_TAGEND | S_AMP | S_NUL | S_DQ | S_SQ |
                                 S_LT)) && *q != '=' && *q != '`')
      q++;
    attr_value_append(t, p, (size_t)(q - p));
    p = q;
    if (p == e)
      continue;
    c = *p;
    if (IS_WS(c)) {
      t->state = st_before_attr_name;
      return adv(t, p, e);
    }
    if (c == '&') {
      t->ret = st_attr_value_unquoted;
      t->state = st_char_ref;
      return p + 1;
    }
    if (c == '>') {
      t->state = emit_tag(t, p + 1);
      return p + 1;
    }
    if (c == 0) {
      error(t, CONSENT__ERR_UNEXPECTED_NULL_CHARACTER, p);
      attr_value_append(t, fffd, 3);
    } else {
      if (c != '/')
        error(t, CONSENT__ERR_UNEXPECTED_CHARACTER_IN_UNQUOTED_ATTRIBUTE_VALUE,
              p);
      attr_value_append(t, p, 1);
    }
    p++;
  }
}

/* 13.2.5.39 After attribute value (quoted) state */
STATE(st_after_attr_value_quoted)
{
  unsigned c;

  if (p == e)
    return t->eof ? eof_in_tag(t, p) : p;
  c = *p;
  if (IS_WS(c)) {
    t->state = st_before_attr_name;
    return adv(t, p, e);
  }
  if (c == '/') {
    t->state = st_self_closing_start_tag;
    return p + 1;
  }
  if (c == '>') {
    t->state = emit_tag(t, p + 1);
    return p + 1;
  }
  error(t, CONSENT__ERR_MISSING_WHITESPACE_BETWEEN_ATTRIBUTES, p);
  t->state = st_before_attr_name;
  return p;
}

/* 13.2.5.40 Self-closing start tag state */
STATE(st_self_closing_start_tag)
{
  if (p == e)
    return t->eof ? eof_in_tag(t, p) : p;
  if (*p == '>') {
    t->self_closing = 1;
    t->state = emit_tag(t, p + 1);
    return p + 1;
  }
  error(t, CONSENT__ERR_UNEXPECTED_SOLIDUS_IN_TAG, p);
  t->state = st_before_attr_name;
  return p;
}

/* 13.2.5.32-40 once more, for tags whose attributes nobody records:
 * the same transitions without recording, in one loop that finds where
 * the tag ends (quotes respected).  t->skip is where it stopped when a
 * chunk ended in the middle. */
enum {
  SK_BEFORE_NAME, SK_NAME, SK_AFTER_NAME, SK_BEFORE_VALUE, SK_DQ, SK_SQ,
  SK_UNQUOTED, SK_AFTER_QUOTED, SK_SOLIDUS
};

/* Tracks the name of the attribute being skipped, to find "style". */
static inline void
skip_name_char(struct consent__tokenizer *t, unsigned c)
{
  if (t->sk_name_len < sizeof(t->sk_name))
    t->sk_name[t->sk_name_len++] = (unsigned char)LOWER(c);
  else
    t->sk_name_len = sizeof(t->sk_name) + 1;
}

/* (Inlined here, for every attribute name the tokenizer skips.) */
static inline int
fetch_name(const char *n, size_t len, int foreign)
{
#define IS(s) (len == sizeof(s) - 1 && memcmp(n, s, len) == 0)
  if (len > 2 && n[0] == 'o' && n[1] == 'n')
    return 1; /* event handlers: script text */
  switch (len) {
  case 2:
    return foreign && (IS("to") || IS("by"));
  case 3:
    return foreign && IS("src");
  case 4:
    return IS("ping") || (foreign && (IS("href") || IS("fill") ||
                                      IS("mask") || IS("from")));
  case 6:
    return IS("lowsrc") || (foreign && (IS("stroke") || IS("filter") ||
                                        IS("cursor") || IS("values")));
  case 7:
    return IS("archive") || IS("classid");
  case 8:
    return IS("manifest") || IS("codebase");
  case 9:
    return foreign && IS("clip-path");
  case 10:
    return IS("background") || IS("http-equiv") ||
           (foreign && (IS("xlink:href") || IS("marker-mid") ||
                        IS("marker-end")));
  case 11:
    return IS("imagesrcset");
  case 12:
    return foreign && IS("marker-start");
  default:
    return 0;
  }
#undef IS
}

int
consent__tok_fetch_name(const char *n, size_t len, int foreign)
{
  return fetch_name(n, len, foreign);
}

static void
skip_name_done(struct consent__tokenizer *t)
{
  if (!(t->flags & CONSENT__TOKF_STYLE) ||
      t->sk_name_len > sizeof(t->sk_name))
    return;
  if (!t->has_style && t->sk_name_len == 5 &&
      memcmp(t->sk_name, "style", 5) == 0) {
    t->has_style = 1; /* the first one counts, as with any attribute */
    t->sk_is_style = 1;
  } else if (fetch_name((const char *)t->sk_name, t->sk_name_len,
                        t->tag_foreign)) {
    t->fetch_attr = 1;
    if (t->on_fetch_name != NULL)
      t->on_fetch_name(t->ud, t->sk_name_off);
  }
}

STATE(st_skip_attrs)
{
  unsigned k = t->skip, c;

  for (;;) {
    if (p == e) {
      if (!t->eof) {
        t->skip = (uint8_t)k;
        return p;
      }
      return eof_in_tag(t, p);
    }
    c = *p;
    switch (k) {
    case SK_BEFORE_NAME:
      if (IS_WS(c)) {
        p++;
      } else if (c == '/' || c == '>') {
        k = SK_AFTER_NAME;
      } else {
        k = SK_NAME;
        t->sk_name_len = 0;
        t->sk_name_off = OFF(p);
        skip_name_char(t, c);
        p++; /* the first character, '=' included, is part of the name */
      }
      break;
    case SK_NAME:
      while (p < e && !(cls[*p] & S_TAGEND) && *p != '=')
        skip_name_char(t, *p++);
      if (p < e) {
        skip_name_done(t);
        if (*p == '=') {
          k = SK_BEFORE_VALUE;
          p++;
        } else {
          k = SK_AFTER_NAME;
        }
      }
      break;
    case SK_AFTER_NAME:
      if (IS_WS(c)) {
        p++;
      } else if (c == '/') {
        k = SK_SOLIDUS;
        p++;
      } else if (c == '=') {
        k = SK_BEFORE_VALUE;
        p++;
      } else if (c == '>') {
        t->state = emit_tag(t, p + 1);
        return p + 1;
      } else {
        k = SK_NAME;
        t->sk_name_len = 0;
        t->sk_name_off = OFF(p);
      }
      break;
    case SK_BEFORE_VALUE:
      if (IS_WS(c)) {
        p++;
      } else if (c == '"') {
        k = SK_DQ;
        p++;
      } else if (c == '\'') {
        k = SK_SQ;
        p++;
      } else if (c == '>') {
        t->state = emit_tag(t, p + 1);
        return p + 1;
      } else {
        k = SK_UNQUOTED;
      }
      break;
    case SK_DQ:
    case SK_SQ: {
      const unsigned char *q = find(p, e, k == SK_DQ ? '"' : '\'');
      if (t->sk_is_style)
        rec(t, &t->style, p, (size_t)(q - p));
      p = q;
      if (p < e) {
        k = SK_AFTER_QUOTED;
        t->sk_is_style = 0;
        p++;
      }
      break;
    }
    case SK_UNQUOTED: {
      const unsigned char *q = p;
      while (q < e && !IS_WS(*q) && *q != '>')
        q++;
      if (t->sk_is_style)
        rec(t, &t->style, p, (size_t)(q - p));
      p = q;
      if (p < e)
        t->sk_is_style = 0;
      if (p < e) {
        if (*p == '>') {
          t->state = emit_tag(t, p + 1);
          return p + 1;
        }
        k = SK_BEFORE_NAME;
        p++;
      }
      break;
    }
    case SK_AFTER_QUOTED:
      if (c == '/') {
        k = SK_SOLIDUS;
        p++;
      } else if (c == '>') {
        t->state = emit_tag(t, p + 1);
        return p + 1;
      } else {
        if (IS_WS(c))
          p++;
        k = SK_BEFORE_NAME;
      }
      break;
    default: /* SK_SOLIDUS */
      if (c == '>') {
        t->self_closing = 1;
        t->state = emit_tag(t, p + 1);
        return p + 1;
      }
      k = SK_BEFORE_NAME;
      break;
    }
  }
}

/* The state after a tag name that ends in whitespace. */
static consent__tok_state
attrs_state(struct consent__tokenizer *t)
{
  if (t->rec_attrs || t->on_error != NULL)
    return st_before_attr_name;
  t->skip = SK_BEFORE_NAME;
  return st_skip_attrs;
}

/* ------------------------------------------------------------------ */
/* Comments                                                            */

/* 13.2.5.41 Bogus comment state */
STATE(st_bogus_comment)
{
  const unsigned char *q;

  for (;;) {
    if (p == e) {
      if (!t->eof)
        return p;
      emit_comment(t, p);
      t->state = st_data;
      return p;
    }
    if (!rec_comments(t)) {
      q = find(p, e, '>');
    } else {
      q = p;
      while (q < e && *q != '>' && *q != 0 && *q != '\r')
        q++;
      comment_append(t, p, (size_t)(q - p));
    }
    p = q;
    if (p == e)
      continue;
    if (*p == '>') {
      emit_comment(t, p + 1);
      t->state = st_data;
      return p + 1;
    }
    if (*p == 0) {
      error(t, CONSENT__ERR_UNEXPECTED_NULL_CHARACTER, p);
      comment_append(t, fffd, 3);
      p++;
    } else {
      comment_append(t, "\n", 1);
      p = adv(t, p, e);
    }
  }
}

/* 13.2.5.42 Markup declaration open state.  The look-ahead may straddle
 * chunks, so the characters matched so far wait in t->tmp. */
STATE(st_markup_decl_open)
{
  static const char doctype[] = "doctype";
  static const char cdata[] = "[CDATA[";
  size_t n;
  unsigned c;
  int dash, doc, cd;

  for (;;) {
    if (p == e && !t->eof)
      return p;
    n = t->tmp_len;
    c = p < e ? *p : 256;
    dash = n < 2 && c == '-' && (n == 0 || t->tmp[0] == '-');
    doc = n < 7 && LOWER(c) == (unsigned)doctype[n] &&
          (n == 0 || LOWER(t->tmp[0]) == 'd');
    cd = n < 7 && c == (unsigned char)cdata[n] &&
         (n == 0 || t->tmp[0] == '[');
    if (!dash && !doc && !cd) {
      error_back(t, CONSENT__ERR_INCORRECTLY_OPENED_COMMENT, p, n);
      begin_comment(t);
      comment_append(t, t->tmp, n);
      t->state = st_bogus_comment;
      return p;
    }
    t->tmp[t->tmp_len++] = (unsigned char)c;
    p++;
    if (dash && t->tmp_len == 2) {
      begin_comment(t);
      t->state = st_comment_start;
      return p;
    }
    if (doc && t->tmp_len == 7) {
      t->state = st_doctype;
      return p;
    }
    if (cd && t->tmp_len == 7) {
      if (in_foreign(t)) {
        t->state = st_cdata;
        return p;
      }
      error_back(t, CONSENT__ERR_CDATA_IN_HTML_CONTENT, p, 1);
      begin_comment(t);
      comment_append(t, cdata, 7);
      t->state = st_bogus_comment;
      return p;
    }
  }
}

static const unsigned char *
eof_in_comment(struct consent__tokenizer *t, const unsigned char *p)
{
  error(t, CONSENT__ERR_EOF_IN_COMMENT, p);
  emit_comment(t, p);
  t->state = st_data;
  return p;
}

/* 13.2.5.43 Comment start state */
STATE(st_comment_start)
{
  if (p == e && !t->eof)
    return p;
  if (p < e && *p == '-') {
    t->state = st_comment_start_dash;
    return p + 1;
  }
  if (p < e && *p == '>') {
    error(t, CONSENT__ERR_ABRUPT_CLOSING_OF_EMPTY_COMMENT, p);
    emit_comment(t, p + 1);
    t->state = st_data;
    return p + 1;
  }
  t->state = st_comment;
  return p;
}

/* 13.2.5.44 Comment start dash state */
STATE(st_comment_start_dash)
{
  if (p == e)
    return t->eof ? eof_in_comment(t, p) : p;
  if (*p == '-') {
    t->state = st_comment_end;
    return p + 1;
  }
  if (*p == '>') {
    error(t, CONSENT__ERR_ABRUPT_CLOSING_OF_EMPTY_COMMENT, p);
    emit_comment(t, p + 1);
    t->state = st_data;
    return p + 1;
  }
  comment_append(t, "-", 1);
  t->state = st_comment;
  return p;
}

/* 13.2.5.45 Comment state */
STATE(st_comment)
{
  const unsigned char *q;

  for (;;) {
    if (p == e)
      return t->eof ? eof_in_comment(t, p) : p;
    if (!rec_comments(t) && t->on_error == NULL) {
      /* Only "-" can end a comment; "<!--" inside matters for errors
       * and for the recorded text alone. */
      p = find(p, e, '-');
      if (p == e)
        continue;
    } else {
      q = p;
      while (q < e && *q != '<' && *q != '-' && *q != 0 && *q != '\r')
        q++;
      comment_append(t, p, (size_t)(q - p));
      p = q;
      if (p == e)
        continue;
    }
    switch (*p) {
    case '<':
      comment_append(t, "<", 1);
      t->state = st_comment_lt;
      return p + 1;
    case '-':
      t->state = st_comment_end_dash;
      return p + 1;
    case 0:
      error(t, CONSENT__ERR_UNEXPECTED_NULL_CHARACTER, p);
      comment_append(t, fffd, 3);
      p++;
      break;
    default:
      comment_append(t, "\n", 1);
      p = adv(t, p, e);
    }
  }
}

/* 13.2.5.46 Comment less-than sign state */
STATE(st_comment_lt)
{
  if (p == e && !t->eof)
    return p;
  if (p < e && *p == '!') {
    comment_append(t, "!", 1);
    t->state = st_comment_lt_bang;
    return p + 1;
  }
  if (p < e && *p == '<') {
    comment_append(t, "<", 1);
    return p + 1;
  }
  t->state = st_comment;
  return p;
}

/* 13.2.5.47 Comment less-than sign bang state */
STATE(st_comment_lt_bang)
{
  return on_char(t, p, e, '-', 0, st_comment_lt_bang_dash, st_comment);
}

/* 13.2.5.48 Comment less-than sign bang dash state */
STATE(st_comment_lt_bang_dash)
{
  return on_char(t, p, e, '-', 0, st_comment_lt_bang_dash_dash,
                 st_comment_end_dash);
}

/* 13.2.5.49 Comment less-than sign bang dash dash state */
STATE(st_comment_lt_bang_dash_dash)
{
  if (p == e && !t->eof)
    return p;
  if (p < e && *p != '>')
    error(t, CONSENT__ERR_NESTED_COMMENT, p);
  t->state = st_comment_end;
  return p;
}

/* 13.2.5.50 Comment end dash state */
STATE(st_comment_end_dash)
{
  if (p == e)
    return t->eof ? eof_in_comment(t, p) : p;
  if (*p == '-') {
    t->state = st_comment_end;
    return p + 1;
  }
  comment_append(t, "-", 1);
  t->state = st_comment;
  return p;
}

/* 13.2.5.51 Comment end state */
STATE(st_comment_end)
{
  for (;;) {
    if (p == e)
      return t->eof ? eof_in_comment(t, p) : p;
    switch (*p) {
    case '>':
      emit_comment(t, p + 1);
      t->state = st_data;
      return p + 1;
    case '!':
      t->state = st_comment_end_bang;
      return p + 1;
    case '-':
      comment_append(t, "-", 1);
      p++;
      break;
    default:
      comment_append(t, "--", 2);
      t->state = st_comment;
      return p;
    }
  }
}

/* 13.2.5.52 Comment end bang state */
STATE(st_comment_end_bang)
{
  if (p == e)
    return t->eof ? eof_in_comment(t, p) : p;
  if (*p == '-') {
    comment_append(t, "--!", 3);
    t->state = st_comment_end_dash;
    return p + 1;
  }
  if (*p == '>') {
    error(t, CONSENT__ERR_INCORRECTLY_CLOSED_COMMENT, p);
    emit_comment(t, p + 1);
    t->state = st_data;
    return p + 1;
  }
  comment_append(t, "--!", 3);
  t->state = st_comment;
  return p;
}

/* ------------------------------------------------------------------ */
/* DOCTYPE                                                             */

static const unsigned char *
doctype_eof(struct consent__tokenizer *t, const unsigned char *p)
{
  error(t, CONSENT__ERR_EOF_IN_DOCTYPE, p);
  t->quirks = 1;
  emit_doctype(t, p);
  t->state = st_data;
  return p;
}

static const unsigned char *
doctype_done(struct consent__tokenizer *t, const unsigned char *p)
{
  emit_doctype(t, p + 1);
  t->state = st_data;
  return p + 1;
}

/* Appends a character to a DOCTYPE field, NUL as U+FFFD. */
static const unsigned char *
doctype_append(struct consent__tokenizer *t, struct consent__buf *b,
               const unsigned char *p, const unsigned char *e, int lower)
{
  unsigned c = peek(p);

  if (c == 0) {
    error(t, CONSENT__ERR_UNEXPECTED_NULL_CHARACTER, p);
    rec(t, b, fffd, 3);
    return p + 1;
  }
  rec_byte(t, b, lower ? LOWER(c) : c);
  return adv(t, p, e);
}

/* 13.2.5.53 DOCTYPE state */
STATE(st_doctype)
{
  begin_doctype(t);
  if (p == e) {
    if (!t->eof)
      return p;
    return doctype_eof(t, p);
  }
  if (IS_WS(*p)) {
    t->state = st_before_doctype_name;
    return adv(t, p, e);
  }
  if (*p != '>')
    error(t, CONSENT__ERR_MISSING_WHITESPACE_BEFORE_DOCTYPE_NAME, p);
  t->state = st_before_doctype_name;
  return p;
}

/* 13.2.5.54 Before DOCTYPE name state */
STATE(st_before_doctype_name)
{
  while (p < e && IS_WS(*p))
    p = adv(t, p, e);
  if (p == e)
    return t->eof ? doctype_eof(t, p) : p;
  if (*p == '>') {
    error(t, CONSENT__ERR_MISSING_DOCTYPE_NAME, p);
    t->quirks = 1;
    return doctype_done(t, p);
  }
  t->has_name = 1;
  t->state = st_doctype_name;
  return p;
}

/* 13.2.5.55 DOCTYPE name state */
STATE(st_doctype_name)
{
  for (;;) {
    if (p == e)
      return t->eof ? doctype_eof(t, p) : p;
    if (IS_WS(*p)) {
      t->state = st_after_doctype_name;
      return adv(t, p, e);
    }
    if (*p == '>')
      return doctype_done(t, p);
    p = doctype_append(t, &t->name, p, e, 1);
  }
}

/* 13.2.5.56 After DOCTYPE name state */
STATE(st_after_doctype_name)
{
  unsigned c;

  while (p < e && IS_WS(*p))
    p = adv(t, p, e);
  if (p == e)
    return t->eof ? doctype_eof(t, p) : p;
  if (*p == '>')
    return doctype_done(t, p);
  c = LOWER(*p);
  if (c == 'p' || c == 's') {
    t->kw = c == 'p' ? "public" : "system";
    t->kw_len = 1;
    t->tmp[0] = *p;
    t->state = st_doctype_keyword;
    return p + 1;
  }
  error(t, CONSENT__ERR_INVALID_CHARACTER_SEQUENCE_AFTER_DOCTYPE_NAME, p);
  t->quirks = 1;
  t->state = st_bogus_doctype;
  return p;
}

/* The rest of "PUBLIC" or "SYSTEM" after the DOCTYPE name (13.2.5.56
 * looks six characters ahead; this reads them one by one). */
STATE(st_doctype_keyword)
{
  for (;;) {
    if (p == e && !t->eof)
      return p;
    if (p == e || (unsigned)LOWER(*p) != (unsigned char)t->kw[t->kw_len]) {
      error_back(t,
                 CONSENT__ERR_INVALID_CHARACTER_SEQUENCE_AFTER_DOCTYPE_NAME,
                 p, t->kw_len);
      t->quirks = 1;
      t->state = st_bogus_doctype;
      return p;
    }
    p++;
    if (++t->kw_len == 6) {
      t->state = t->kw[0] == 'p' ? st_after_doctype_public_keyword
                                 : st_after_doctype_system_keyword;
      return p;
    }
  }
}

/* 13.2.5.57 After DOCTYPE public keyword state and 13.2.5.63 After
 * DOCTYPE system keyword state. */
static const unsigned char *
after_keyword(struct consent__tokenizer *t, const unsigned char *p,
              const unsigned char *e, int system)
{
  if (p == e)
    return t->eof ? doctype_eof(t, p) : p;
  if (IS_WS(*p)) {
    t->state = system ? st_before_doctype_system_id
                      : st_before_doctype_public_id;
    return adv(t, p, e);
  }
  if (*p == '"' || *p == '\'')
    error(t, system ? CONSENT__ERR_MISSING_WHITESPACE_AFTER_DOCTYPE_SYSTEM_KEYWORD
                    : CONSENT__ERR_MISSING_WHITESPACE_AFTER_DOCTYPE_PUBLIC_KEYWORD,
          p);
  t->state = system ? st_before_doctype_system_id
                    : st_before_doctype_public_id;
  return p;
}

STATE(st_after_doctype_public_keyword)
{
  return after_keyword(t, p, e, 0);
}

STATE(st_after_doctype_system_keyword)
{
  return after_keyword(t, p, e, 1);
}

/* 13.2.5.58 Before DOCTYPE public identifier state and 13.2.5.64 Before
 * DOCTYPE system identifier state. */
static const unsigned char *
before_id(struct consent__tokenizer *t, const unsigned char *p,
          const unsigned char *e, int system)
{
  while (p < e && IS_WS(*p))
    p = adv(t, p, e);
  if (p == e)
    return t->eof ? doctype_eof(t, p) : p;
  if (*p == '"' || *p == '\'') {
    if (system) {
      t->has_sys = 1;
      t->state = *p == '"' ? st_doctype_system_id_dq
                           : st_doctype_system_id_sq;
    } else {
      t->has_pub = 1;
      t->state = *p == '"' ? st_doctype_public_id_dq
                           : st_doctype_public_id_sq;
    }
    return p + 1;
  }
  t->quirks = 1;
  if (*p == '>') {
    error(t, system ? CONSENT__ERR_MISSING_DOCTYPE_SYSTEM_IDENTIFIER
                    : CONSENT__ERR_MISSING_DOCTYPE_PUBLIC_IDENTIFIER, p);
    return doctype_done(t, p);
  }
  error(t, system ? CONSENT__ERR_MISSING_QUOTE_BEFORE_DOCTYPE_SYSTEM_IDENTIFIER
                  : CONSENT__ERR_MISSING_QUOTE_BEFORE_DOCTYPE_PUBLIC_IDENTIFIER,
        p);
  t->state = st_bogus_doctype;
  return p;
}

STATE(st_before_doctype_public_id)
{
  return before_id(t, p, e, 0);
}

STATE(st_before_doctype_system_id)
{
  return before_id(t, p, e, 1);
}

/* 13.2.5.59/60/65/66 DOCTYPE public and system identifier states. */
static const unsigned char *
doctype_id(struct consent__tokenizer *t, const unsigned char *p,
           const unsigned char *e, unsigned quote, int system)
{
  for (;;) {
    if (p == e)
      return t->eof ? doctype_eof(t, p) : p;
    if (*p == quote) {
      t->state = system ? st_after_doctype_system_id
                        : st_after_doctype_public_id;
      return p + 1;
    }
    if (*p == '>') {
      error(t, system ? CONSENT__ERR_ABRUPT_DOCTYPE_SYSTEM_IDENTIFIER
                      : CONSENT__ERR_ABRUPT_DOCTYPE_PUBLIC_IDENTIFIER, p);
      t->quirks = 1;
      return doctype_done(t, p);
    }
    p = doctype_append(t, system ? &t->sys : &t->pub, p, e, 0);
  }
}

STATE(st_doctype_public_id_dq)
{
  return doctype_id(t, p, e, '"', 0);
}

STATE(st_doctype_public_id_sq)
{
  return doctype_id(t, p, e, '\'', 0);
}

STATE(st_doctype_system_id_dq)
{
  return doctype_id(t, p, e, '"', 1);
}

STATE(st_doctype_system_id_sq)
{
  return doctype_id(t, p, e, '\'', 1);
}

/* 13.2.5.61 After DOCTYPE public identifier state and 13.2.5.62 Between
 * DOCTYPE public and system identifiers state (between == 1). */
static const unsigned char *
after_public_id(struct consent__tokenizer *t, const unsigned char *p,
                const unsigned char *e, int between)
{
  if (!between && p < e && IS_WS(*p)) {
    t->state = st_between_doctype_ids;
    return adv(t, p, e);
  }
  while (between && p < e && IS_WS(*p))
    p = adv(t, p, e);
  if (p == e)
    return t->eof ? doctype_eof(t, p) : p;
  if (*p == '>')
    return doctype_done(t, p);
  if (*p == '"' || *p == '\'') {
    if (!between)
      error(t,
        CONSENT__ERR_MISSING_WHITESPACE_BETWEEN_DOCTYPE_PUBLIC_AND_SYSTEM_IDENTIFIERS,
        p);
    t->has_sys = 1;
    t->state = *p == '"' ? st_doctype_system_id_dq : st_doctype_system_id_sq;
    return p + 1;
  }
  error(t, CONSENT__ERR_MISSING_QUOTE_BEFORE_DOCTYPE_SYSTEM_IDENTIFIER, p);
  t->quirks = 1;
  t->state = st_bogus_doctype;
  return p;
}

STATE(st_after_doctype_public_id)
{
  return after_public_id(t, p, e, 0);
}

STATE(st_between_doctype_ids)
{
  return after_public_id(t, p, e, 1);
}

/* 13.2.5.67 After DOCTYPE system identifier state */
STATE(st_after_doctype_system_id)
{
  while (p < e && IS_WS(*p))
    p = adv(t, p, e);
  if (p == e)
    return t->eof ? doctype_eof(t, p) : p;
  if (*p == '>')
    return doctype_done(t, p);
  error(t, CONSENT__ERR_UNEXPECTED_CHARACTER_AFTER_DOCTYPE_SYSTEM_IDENTIFIER,
        p);
  t->state = st_bogus_doctype;
  return p;
}

/* 13.2.5.68 Bogus DOCTYPE state */
STATE(st_bogus_doctype)
{
  for (;;) {
    if (p == e) {
      if (!t->eof)
        return p;
      emit_doctype(t, p);
      t->state = st_data;
      return p;
    }
    if (*p == '>')
      return doctype_done(t, p);
    if (*p == 0)
      error(t, CONSENT__ERR_UNEXPECTED_NULL_CHARACTER, p);
    p++;
  }
}

/* ------------------------------------------------------------------ */
/* CDATA                                                               */

/* 13.2.5.69 CDATA section state */
STATE(st_cdata)
{
  const unsigned char *q;

  for (;;) {
    if (p == e) {
      if (!t->eof)
        return p;
      error(t, CONSENT__ERR_EOF_IN_CDATA, p);
      t->state = st_data;
      return p;
    }
    if (!want_text(t)) {
      q = find(p, e, ']');
    } else {
      q = p;
      while (q < e && *q != ']' && *q != '\r')
        q++;
      emit_run(t, p, q);
    }
    p = q;
    if (p == e)
      continue;
    if (*p == ']') {
      t->state = st_cdata_bracket;
      return p + 1;
    }
    emit_chars(t, "\n", 1, p + 1);
    p = adv(t, p, e);
  }
}

/* 13.2.5.70 CDATA section bracket state */
STATE(st_cdata_bracket)
{
  if (p == e && !t->eof)
    return p;
  if (p < e && *p == ']') {
    t->state = st_cdata_end;
    return p + 1;
  }
  emit_chars(t, "]", 1, p);
  t->state = st_cdata;
  return p;
}

/* 13.2.5.71 CDATA section end state */
STATE(st_cdata_end)
{
  for (;;) {
    if (p == e && !t->eof)
      return p;
    if (p < e && *p == ']') {
      emit_chars(t, "]", 1, p + 1);
      p++;
      continue;
    }
    if (p < e && *p == '>') {
      t->state = st_data;
      return p + 1;
    }
    emit_chars(t, "]]", 2, p);
    t->state = st_cdata;
    return p;
  }
}

/* ------------------------------------------------------------------ */
/* Character references                                                */

static int
in_attribute(const struct consent__tokenizer *t)
{
  return t->ret == st_attr_value_dq || t->ret == st_attr_value_sq ||
         t->ret == st_attr_value_unquoted;
}

/* "Flush code points consumed as a character reference". */
static void
flush(struct consent__tokenizer *t, const void *s, size_t n,
      const unsigned char *at)
{
  if (in_attribute(t))
    attr_value_append(t, s, n);
  else
    emit_chars(t, s, n, at);
}

/* Whether character references matter here: they only change text and
 * attribute values, so they are skipped when neither is recorded. */
static int
refs_matter(const struct consent__tokenizer *t)
{
  return in_attribute(t) ? t->rec_attrs : want_text(t);
}

/* 13.2.5.72 Character reference state */
STATE(st_char_ref)
{
  if (p == e && !t->eof)
    return p;
  t->tmp[0] = '&';
  t->tmp_len = 1;
  if (p < e && IS_ALNUM(*p) && refs_matter(t)) {
    t->ent_lo = 0;
    t->ent_hi = consent__entities_count;
    t->ent_match_len = 0;
    t->state = st_named_char_ref;
    return p;
  }
  if (p < e && *p == '#' && refs_matter(t)) {
    t->tmp[t->tmp_len++] = '#';
    t->state = st_numeric_char_ref;
    return p + 1;
  }
  flush(t, t->tmp, 1, p);
  t->state = t->ret;
  return p;
}

/* Narrows the candidate entities to those whose byte at depth is c. */
static int
entity_step(struct consent__tokenizer *t, unsigned depth, unsigned c)
{
  const struct consent__entity *ents = consent__entities;
  const char *names = consent__entity_names;
  unsigned lo = t->ent_lo, hi = t->ent_hi, a, b, mid;

#define CH(i) (ents[i].name_len > depth ? \
               (unsigned char)names[ents[i].name_off + depth] : 0u)
  a = lo;
  b = hi;
  while (a < b) { /* first with CH >= c */
    mid = a + (b - a) / 2;
    if (CH(mid) < c)
      a = mid + 1;
    else
      b = mid;
  }
  lo = a;
  b = hi;
  while (a < b) { /* first with CH > c */
    mid = a + (b - a) / 2;
    if (CH(mid) <= c)
      a = mid + 1;
    else
      b = mid;
  }
  hi = a;
#undef CH
  if (lo == hi)
    return 0;
  t->ent_lo = lo;
  t->ent_hi = hi;
  if (ents[lo].name_len == depth + 1) {
    t->ent_match = lo;
    t->ent_match_len = depth + 1;
  }
  return 1;
}

/* 13.2.5.73 Named character reference state.  The standard consumes
 * the longest name in the table; this reads one character at a time
 * while the characters read are the start of some name, keeping them in
 * t->tmp (after the '&'), so that it can stop and resume anywhere. */
STATE(st_named_char_ref)
{
  const struct consent__entity *ent;
  unsigned next, m;
  int attr;

  for (;;) {
    if (p == e && !t->eof)
      return p;
    if (p < e && t->tmp_len < sizeof(t->tmp) &&
        entity_step(t, (unsigned)t->tmp_len - 1, *p)) {
      t->tmp[t->tmp_len++] = *p++;
      continue;
    }
    break;
  }
  m = t->ent_match_len;
  if (m == 0) {
    flush(t, t->tmp, t->tmp_len, p);
    t->state = st_ambiguous_ampersand;
    return p;
  }
  ent = &consent__entities[t->ent_match];
  /* The character after the match: read already, or the next one. */
  next = 1 + m < t->tmp_len ? t->tmp[1 + m] : (p < e ? *p : 256);
  attr = in_attribute(t);
  if (t->tmp[m] != ';' && attr && (next == '=' || IS_ALNUM(next))) {
    flush(t, t->tmp, t->tmp_len, p);
  } else {
    if (t->tmp[m] != ';')
      error_back(t, CONSENT__ERR_MISSING_SEMICOLON_AFTER_CHARACTER_REFERENCE,
                 p, t->tmp_len - 1 - m);
    flush(t, consent__entity_values + ent->value_off, ent->value_len, p);
    flush(t, t->tmp + 1 + m, t->tmp_len - 1 - m, p);
  }
  t->state = t->ret;
  return p;
}

/* 13.2.5.74 Ambiguous ampersand state */
STATE(st_ambiguous_ampersand)
{
  const unsigned char *q;

  for (;;) {
    if (p == e && !t->eof)
      return p;
    if (p < e && IS_ALNUM(*p)) {
      q = p;
      while (q < e && IS_ALNUM(*q))
        q++;
      flush(t, p, (size_t)(q - p), q);
      p = q;
      continue;
    }
    if (p < e && *p == ';')
      error(t, CONSENT__ERR_UNKNOWN_NAMED_CHARACTER_REFERENCE, p);
    t->state = t->ret;
    return p;
  }
}

/* 13.2.5.75 Numeric character reference state */
STATE(st_numeric_char_ref)
{
  if (p == e && !t->eof)
    return p;
  t->code = 0;
  if (p < e && (*p == 'x' || *p == 'X')) {
    t->tmp[t->tmp_len++] = *p;
    t->state = st_hex_char_ref_start;
    return p + 1;
  }
  t->state = st_dec_char_ref_start;
  return p;
}

/* 13.2.5.76/77 Hexadecimal and decimal character reference start. */
static const unsigned char *
char_ref_start(struct consent__tokenizer *t, const unsigned char *p,
               const unsigned char *e, int hex)
{
  if (p == e && !t->eof)
    return p;
  if (p < e && (hex ? IS_HEX(*p) : IS_DIGIT(*p))) {
    t->state = hex ? st_hex_char_ref : st_dec_char_ref;
    return p;
  }
  error(t, CONSENT__ERR_ABSENCE_OF_DIGITS_IN_NUMERIC_CHARACTER_REFERENCE, p);
  flush(t, t->tmp, t->tmp_len, p);
  t->state = t->ret;
  return p;
}

STATE(st_hex_char_ref_start)
{
  return char_ref_start(t, p, e, 1);
}

STATE(st_dec_char_ref_start)
{
  return char_ref_start(t, p, e, 0);
}

static size_t
utf8_encode(uint32_t c, char *out)
{
  if (c < 0x80) {
    out[0] = (char)c;
    return 1;
  }
  if (c < 0x800) {
    out[0] = (char)(0xC0 | (c >> 6));
    out[1] = (char)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = (char)(0xE0 | (c >> 12));
    out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[2] = (char)(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (c >> 18));
  out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
  out[3] = (char)(0x80 | (c & 0x3F));
  return 4;
}

static int
is_noncharacter(uint32_t c)
{
  return (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
}

/* 13.2.5.80 Numeric character reference end state */
static void
numeric_char_ref_end(struct consent__tokenizer *t, const unsigned char *p)
{
  /* Windows-1252 for 0x80-0x9F; 0 where the code stays as it is. */
  static const uint16_t c1[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178
  };
  uint32_t c = t->code;
  char out[4];

  if (c == 0) {
    error(t, CONSENT__ERR_NULL_CHARACTER_REFERENCE, p);
    c = 0xFFFD;
  } else if (c > 0x10FFFF) {
    error(t, CONSENT__ERR_CHARACTER_REFERENCE_OUTSIDE_UNICODE_RANGE, p);
    c = 0xFFFD;
  } else if (c >= 0xD800 && c <= 0xDFFF) {
    error(t, CONSENT__ERR_SURROGATE_CHARACTER_REFERENCE, p);
    c = 0xFFFD;
  } else if (is_noncharacter(c)) {
    error(t, CONSENT__ERR_NONCHARACTER_CHARACTER_REFERENCE, p);
  } else if (c == 0x0D || ((c < 0x20 || (c >= 0x7F && c <= 0x9F)) &&
                           c != '\t' && c != '\n' && c != '\f' &&
                           c != ' ')) {
    error(t, CONSENT__ERR_CONTROL_CHARACTER_REFERENCE, p);
    if (c >= 0x80 && c <= 0x9F && c1[c - 0x80] != 0)
      c = c1[c - 0x80];
  }
  flush(t, out, utf8_encode(c, out), p);
  t->state = t->ret;
}

/* 13.2.5.78/79 Hexadecimal and decimal character reference states. */
static const unsigned char *
char_ref_digits(struct consent__tokenizer *t, const unsigned char *p,
                const unsigned char *e, int hex)
{
  unsigned c, v;

  for (;;) {
    if (p == e && !t->eof)
      return p;
    c = p < e ? *p : 256;
    if (IS_DIGIT(c))
      v = c - '0';
    else if (hex && IS_HEX(c))
      v = (c | 0x20) - 'a' + 10;
    else
      break;
    t->code = t->code * (hex ? 16 : 10) + v;
    if (t->code > 0x10FFFF)
      t->code = 0x110000; /* saturate: it is out of range either way */
    p++;
  }
  if (c == ';') {
    numeric_char_ref_end(t, p + 1);
    return p + 1;
  }
  error(t, CONSENT__ERR_MISSING_SEMICOLON_AFTER_CHARACTER_REFERENCE, p);
  numeric_char_ref_end(t, p);
  return p;
}

STATE(st_hex_char_ref)
{
  return char_ref_digits(t, p, e, 1);
}

STATE(st_dec_char_ref)
{
  return char_ref_digits(t, p, e, 0);
}

/* ------------------------------------------------------------------ */
/* Input stream errors (13.2.3.5): controls, noncharacters, surrogates  */

static void
stream_char(struct consent__tokenizer *t, uint32_t c, uint64_t off)
{
  enum consent__tok_error code;

  if ((c >= 0x01 && c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) ||
      (c >= 0x7F && c <= 0x9F))
    code = CONSENT__ERR_CONTROL_CHARACTER_IN_INPUT_STREAM;
  else if (c >= 0xD800 && c <= 0xDFFF)
    code = CONSENT__ERR_SURROGATE_IN_INPUT_STREAM;
  else if (c >= 0xFDD0 && is_noncharacter(c))
    code = CONSENT__ERR_NONCHARACTER_IN_INPUT_STREAM;
  else
    return;
  t->on_error(t->ud, code, off);
}

/* Decodes UTF-8 (surrogates included, as WTF-8 does) to find the code
 * points the standard reports; invalid bytes are not its business. */
static void
check_stream(struct consent__tokenizer *t, const unsigned char *p,
             const unsigned char *e)
{
  uint32_t c;
  unsigned i;

  while (p < e) {
    if (t->u8_need > 0) {
      if ((*p & 0xC0) != 0x80) {
        t->u8_need = 0;
        continue;
      }
      t->u8[t->u8_len++] = *p++;
      if (t->u8_len < t->u8_need)
        continue;
      c = t->u8[0] & (0xFF >> (t->u8_need + 1));
      for (i = 1; i < t->u8_need; i++)
        c = (c << 6) | (t->u8[i] & 0x3F);
      stream_char(t, c, t->u8_off);
      t->u8_need = 0;
      continue;
    }
    if (*p < 0x80) {
      if (*p < 0x20 || *p == 0x7F)
        stream_char(t, *p, OFF(p));
      p++;
      continue;
    }
    t->u8_need = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;
    t->u8_len = 0;
    t->u8_off = OFF(p);
    if (t->u8_need > 0)
      t->u8[t->u8_len++] = *p;
    p++;
  }
}

/* ------------------------------------------------------------------ */
/* Driver                                                              */

void
consent__tok_init(struct consent__tokenizer *t, unsigned flags,
                  size_t max_token)
{

  memset(t, 0, sizeof(*t));
  t->flags = flags;
  t->max_token = max_token;
  t->state = st_data;
  t->ret = st_data;
  t->raw = st_data;
}

void
consent__tok_free(struct consent__tokenizer *t)
{
  consent__buf_free(&t->name);
  consent__buf_free(&t->abuf);
  consent__buf_free(&t->comment);
  consent__buf_free(&t->pub);
  consent__buf_free(&t->sys);
  consent__buf_free(&t->style);
  free(t->aoff);
  free(t->attrs);
  free(t->spans);
  t->aoff = NULL;
  t->attrs = NULL;
  t->spans = NULL;
  t->attrs_cap = t->attrs_ptr_cap = t->spans_cap = 0;
}

void
consent__tok_reset(struct consent__tokenizer *t)
{
  struct consent__tokenizer keep = *t;

  consent__tok_init(t, keep.flags, keep.max_token);
  t->on_token = keep.on_token;
  t->want_attrs = keep.want_attrs;
  t->on_error = keep.on_error;
  t->ud = keep.ud;
  t->name = keep.name;
  t->abuf = keep.abuf;
  t->comment = keep.comment;
  t->pub = keep.pub;
  t->sys = keep.sys;
  t->style = keep.style;
  t->name.len = t->abuf.len = t->comment.len = 0;
  t->pub.len = t->sys.len = t->style.len = 0;
  t->aoff = keep.aoff;
  t->attrs_cap = keep.attrs_cap;
  t->attrs = keep.attrs;
  t->attrs_ptr_cap = keep.attrs_ptr_cap;
  t->spans = keep.spans;
  t->spans_cap = keep.spans_cap;
}

void
consent__tok_set_state(struct consent__tokenizer *t,
                       enum consent__tok_initial state,
                       const char *last_start, size_t len)
{
  static const consent__tok_state states[] = {
    st_data, st_rcdata, st_rawtext, st_script_data, st_plaintext, st_cdata
  };

  t->state = states[state];
  t->last_start_len = 0;
  if (last_start != NULL && len <= sizeof(t->last_start)) {
    memcpy(t->last_start, last_start, len);
    t->last_start_len = len;
  }
}

static int
run(struct consent__tokenizer *t, const unsigned char *p,
    const unsigned char *e)
{
  t->chunk = p;
  if (t->on_error != NULL)
    check_stream(t, p, e);
  for (;;) {
    if (t->skip_lf && p < e) {
      t->skip_lf = 0;
      if (*p == '\n') {
        p++;
        continue;
      }
    }
    if (t->stop)
      break;
    if (p == e && (!t->eof || t->done))
      break;
    p = t->state(t, p, e);
  }
  t->base += (uint64_t)(e - t->chunk);
  if (t->stop && t->status == 0)
    t->status = CONSENT_E_SINK;
  return t->status;
}

int
consent__tok_feed(struct consent__tokenizer *t, const char *data,
                  size_t len)
{
  if (t->status != 0)
    return t->status;
  if (t->eof)
    return CONSENT_E_FINISHED;
  return run(t, (const unsigned char *)data,
             (const unsigned char *)data + len);
}

int
consent__tok_finish(struct consent__tokenizer *t)
{
  static const unsigned char none[1];

  if (t->status != 0)
    return t->status;
  if (t->eof)
    return CONSENT_E_FINISHED;
  t->eof = 1;
  t->skip_lf = 0;
  return run(t, none, none);
}

/* Text states: no token is in progress. */
static int
text_state_fn(consent__tok_state st)
{
  return st == st_data || st == st_rcdata || st == st_rawtext ||
         st == st_script_data || st == st_plaintext || st == st_cdata ||
         st == st_script_escaped || st == st_script_escaped_dash ||
         st == st_script_escaped_dash_dash ||
         st == st_script_double_escaped ||
         st == st_script_double_escaped_dash ||
         st == st_script_double_escaped_dash_dash ||
         st == st_script_escape_start || st == st_script_escape_start_dash ||
         st == st_script_double_escape_start ||
         st == st_script_double_escape_end || st == st_cdata_bracket ||
         st == st_cdata_end;
}

/* States before a tag's name is known: its '<' may start an embed. */
static int
before_name(consent__tok_state st)
{
  return st == st_tag_open || st == st_end_tag_open || st == st_tag_name;
}

/* States inside a tag, after its name. */
static int
in_tag(consent__tok_state st)
{
  return st == st_before_attr_name || st == st_attr_name ||
         st == st_after_attr_name || st == st_before_attr_value ||
         st == st_attr_value_dq || st == st_attr_value_sq ||
         st == st_attr_value_unquoted || st == st_after_attr_value_quoted ||
         st == st_self_closing_start_tag || st == st_skip_attrs;
}

static int
char_ref(consent__tok_state st)
{
  return st == st_char_ref || st == st_named_char_ref ||
         st == st_ambiguous_ampersand || st == st_numeric_char_ref ||
         st == st_hex_char_ref_start || st == st_dec_char_ref_start ||
         st == st_hex_char_ref || st == st_dec_char_ref;
}

uint64_t
consent__tok_settled(const struct consent__tokenizer *t)
{
  consent__tok_state st = t->state;

  if (char_ref(st))
    st = t->ret;
  /* A name longer than any element's that opens an embed cannot make
   * this tag a candidate: no need to hold it back, unless every start
   * tag is held (any element may carry a style or an event handler). */
  if (before_name(st) && ((t->flags & CONSENT__TOKF_STYLE) ||
                          t->base - t->tok_start <= 64))
    return t->tok_start;
  if (in_tag(st) && t->tag_kind == CONSENT__TOK_START &&
      (t->rec_attrs || (t->flags & CONSENT__TOKF_STYLE)))
    return t->tok_start;
  /* Text, comments, DOCTYPEs, end tags and tags nobody records attributes
   * of cannot start an embed: their bytes are settled. */
  return t->base;
}

uint64_t
consent__tok_token_start(const struct consent__tokenizer *t)
{
  consent__tok_state st = t->state;

  if (char_ref(st))
    st = t->ret;
  return text_state_fn(st) ? t->base : t->tok_start;
}

int
consent__tok_in_data(const struct consent__tokenizer *t)
{
  consent__tok_state st = t->state;

  if (char_ref(st))
    st = t->ret;
  return st == st_data && t->nforeign == 0;
}

uint64_t
consent__tok_attr_name_start(const struct consent__tokenizer *t)
{
  if (t->state == st_skip_attrs && t->skip == SK_NAME)
    return t->sk_name_off;
  if (t->state == st_attr_name && t->rec_attrs && t->nattrs > 0)
    return t->aoff[AOFF_N * (t->nattrs - 1) + 4];
  return UINT64_MAX;
}

int
consent__tok_in_start_tag(const struct consent__tokenizer *t)
{
  consent__tok_state st = t->state;

  if (char_ref(st))
    st = t->ret;
  return in_tag(st) && t->tag_kind == CONSENT__TOK_START;
}
