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

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
static consent__tok_state solidus_state(struct consent__tokenizer *t);
static const unsigned char *quiet_run(struct consent__tokenizer *t,
                                      const unsigned char *p,
                                      const unsigned char *e);
static inline int quiet_ok(const struct consent__tokenizer *t);
static const unsigned char *rec_tag(struct consent__tokenizer *t,
                                    const unsigned char *p,
                                    const unsigned char *e);
static const unsigned char *after_tag_name(struct consent__tokenizer *t,
                                           const unsigned char *p,
                                           const unsigned char *e);
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
  t->style.len = 0;
  t->keep_ids = 0;
  t->has_cls = 0;
  t->has_id = 0;
  t->cls_val.len = 0;
  t->id_val.len = 0;
  t->widget_attr = 0;
  t->sk_val = NULL;
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

/* Whether a name longer than sk_name, of which sk_name holds the first
 * bytes (lowercase), may fetch: only event handlers are that long
 * (oncontentvisibilityautostatechange; every other name fetch_name()
 * knows has at most 12 bytes). */
static inline int
long_fetch_name(const unsigned char *first)
{
  return first[0] == 'o' && first[1] == 'n';
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
      memcpy(t->sk_name, t->abuf.data + t->aoff[AOFF_N * (t->nattrs - 1)],
             have < sizeof(t->sk_name) ? have : sizeof(t->sk_name));
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
      (t->sk_track ? (t->sk_name_len <= sizeof(t->sk_name)
                      ? consent__tok_fetch_name((const char *)t->sk_name,
                                                t->sk_name_len,
                                                t->tag_foreign)
                      : long_fetch_name(t->sk_name))
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
  if (ns == NS_SVG && (t->tag_class & CONSENT__TC_SVG_IP))
    f->html_ip = 1;
  if (ns == NS_MATH && (t->tag_class & CONSENT__TC_MATH_IP))
    f->html_ip = 1;
  if (ns == NS_MATH && (t->tag_class & CONSENT__TC_ANNOTATION)) {
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

  if (t->tag_class & CONSENT__TC_BREAKOUT)
    return 1;
  return (t->tag_class & CONSENT__TC_FONT) &&
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
  if (c & (CONSENT__TC_SVG | CONSENT__TC_MATH)) {
    if (!t->self_closing)
      foreign_push(t, (c & CONSENT__TC_SVG) ? NS_SVG : NS_MATH);
    return st_data;
  }
  if (c & CONSENT__TC_SCRIPT)
    return st_script_data;
  if (c & CONSENT__TC_RAWTEXT)
    return st_rawtext;
  if ((c & CONSENT__TC_NOSCRIPT) && (t->flags & CONSENT__TOKF_SCRIPTING))
    return st_rawtext;
  if (c & CONSENT__TC_RCDATA)
    return st_rcdata;
  if (c & CONSENT__TC_PLAINTEXT)
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
  if (t->tag_class & CONSENT__TC_END_BREAKOUT) {
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

/* The tag name is complete and its id is known: decide whether to
 * record attributes. */
static void
tag_name_id(struct consent__tokenizer *t, unsigned id)
{
  int want = (t->flags & CONSENT__TOKF_ATTRS) != 0;

  t->tag_id = (uint8_t)id;
  t->tag_class = (t->flags & CONSENT__TOKF_TREE) ? consent__tag_tree[t->tag_id]
                                                 : 0;
  /* (A font tag may still break out by its attributes: counting it as
   * foreign only makes more names interesting.) */
  if (t->nforeign != 0 || (t->tag_class & (CONSENT__TC_SVG | CONSENT__TC_MATH)))
    t->tag_foreign = (uint8_t)((in_foreign(t) &&
                                !(t->tag_class & CONSENT__TC_BREAKOUT)) ||
                               (t->tag_class & (CONSENT__TC_SVG | CONSENT__TC_MATH)) != 0);
  if (!want && t->want_tag != NULL &&
      (t->tag_kind == CONSENT__TOK_END || t->tag_id != CONSENT__TAG_OTHER))
    want = t->tag_kind == CONSENT__TOK_END ? 0 : t->want_tag[t->tag_id];
  else if (!want && t->want_attrs != NULL)
    want = t->want_attrs(t->ud, t->tag_id, t->name.data ? t->name.data : "",
                         t->name.len, t->tag_kind == CONSENT__TOK_END);
  if (want != 1 && t->tag_kind == CONSENT__TOK_START && t->nforeign > 0 &&
      (t->tag_class & (CONSENT__TC_FONT | CONSENT__TC_ANNOTATION)))
    want = 1;
  if (want == CONSENT__TOK_WANT_IDS &&
      (t->tag_kind != CONSENT__TOK_START || !(t->flags & CONSENT__TOKF_STYLE) ||
       t->on_error != NULL))
    want = 1; /* (the values are kept on the skip path only) */
  t->keep_ids = want == CONSENT__TOK_WANT_IDS;
  t->rec_attrs = want == 1;
}

/* The tag name is complete: decide whether to record attributes. */
static void
tag_name_done(struct consent__tokenizer *t)
{
  size_t n = t->name.len;

  if (!t->name_truncated && n < 16 &&
      consent__buf_reserve(&t->name, 16 - n) == 0) {
    /* (zeros after the name: the 16 bytes consent__tag_id16 reads) */
    memset(t->name.data + n, 0, 16 - n);
    tag_name_id(t, consent__tag_id16((const unsigned char *)t->name.data, n));
    return;
  }
  tag_name_id(t, t->name_truncated
                 ? CONSENT__TAG_OTHER
                 : consent__tag_id(t->name.data, t->name.len));
}

/* Emits the current tag and returns the state that follows it. */
static consent__tok_state
emit_tag(struct consent__tokenizer *t, const unsigned char *end)
{
  struct consent__token tok;
  consent__tok_state next = st_data;
  size_t i;
  unsigned seen = 0;

  attr_drop_if_duplicate(t);
  if (t->tag_kind == CONSENT__TOK_END && t->end_gate != NULL &&
      *t->end_gate == 0 && t->on_error == NULL) {
    /* An end tag nobody waits for: the tree emulation only. */
    if (t->flags & CONSENT__TOKF_TREE)
      tree_end_tag(t);
    return st_data;
  }
  memset(&tok, 0, sizeof(tok));
  tok.kind = t->tag_kind;
  tok.name = t->name.data ? t->name.data : "";
  tok.name_len = t->name.len;
  tok.tag = t->tag_id;
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
      if (o[1] > 0)
        seen |= 1u << CONSENT__ATTR_SEEN_BIT(o[1], t->abuf.data[o[0]]);
    }
    tok.attrs = t->attrs;
    tok.nattrs = t->nattrs;
    tok.attrs_recorded = 1;
    tok.attrs_seen = seen & 0xffffu;
    tok.attrs_seen_ok = 1;
  }
  if (t->tag_kind == CONSENT__TOK_START) {
    if (t->flags & CONSENT__TOKF_TREE)
      next = state_after_start_tag(t);
    /* (The name is needed only where an end tag must be appropriate: in
     * the raw text this tag opens, or wherever a caller sets the state.) */
    if (next != st_data || !(t->flags & CONSENT__TOKF_TREE)) {
      if (!t->name_truncated && t->name.len <= sizeof(t->last_start)) {
        memcpy(t->last_start, t->name.data, t->name.len);
        t->last_start_len = t->name.len;
      } else {
        t->last_start_len = sizeof(t->last_start) + 1;
      }
    }
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

  if (t->name.data != NULL && n <= t->name.cap - t->name.len &&
      !t->name_truncated &&
      t->name.len + n <= NAME_MAX_BYTES) {
    /* (Most names: room enough already.) */
    char *d = t->name.data + t->name.len;
    for (i = 0; i < n; i++)
      d[i] = (char)LOWER(p[i]);
    t->name.len += n;
    return;
  }
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
  S_TAGEND = 64, /* whitespace, / or > */
  S_EQ = 128    /* = */
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
  ['='] = S_EQ,
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

/* The first c in [p, e), or e.  Most runs the tokenizer looks through
 * are short (an attribute value, the text between two tags): the first
 * 64 bytes are searched inline, 16 at a time with SSE2 (every x86-64
 * has it), the rest by memchr. */
static inline const unsigned char *
find(const unsigned char *p, const unsigned char *e, int c)
{
  const unsigned char *q;
#ifdef __SSE2__
  const __m128i v = _mm_set1_epi8((char)c);
  int i;

  for (i = 0; i < 4 && e - p >= 16; i++, p += 16) {
    unsigned m = (unsigned)_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), v));
    if (m != 0)
      return p + __builtin_ctz(m);
  }
  if (e - p < 16) {
    while (p < e && *p != c)
      p++;
    return p;
  }
#endif
  q = memchr(p, c, (size_t)(e - p));
  return q ? q : e;
}

/* The first byte from p on that ends a quoted attribute value's run:
 * the quote, '&', NUL or CR, or e.  (Values are long: URLs, class
 * lists; 16 bytes at a time with SSE2, then scan.) */
static inline const unsigned char *
scan_value(const unsigned char *p, const unsigned char *e, unsigned quote)
{
#ifdef __SSE2__
  const __m128i vq = _mm_set1_epi8((char)quote), va = _mm_set1_epi8('&'),
                vr = _mm_set1_epi8('\r'), vz = _mm_setzero_si128();

  for (; e - p >= 16; p += 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    unsigned m = (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, va)),
                     _mm_or_si128(_mm_cmpeq_epi8(x, vr), _mm_cmpeq_epi8(x, vz))));
    if (m != 0)
      return p + __builtin_ctz(m);
  }
#endif
  return scan(p, e, (quote == '"' ? S_DQ : S_SQ) | S_AMP | S_NUL | S_CR);
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
/* The states, by group: each file is a part of this translation unit
 * (included here, not compiled alone), so that the small helpers above
 * stay static and inlined into every state. */

#include "tokenizer-text.inc"
#include "tokenizer-attrs.inc"
#include "tokenizer-fast.inc"
#include "tokenizer-comments.inc"
#include "tokenizer-doctype.inc"
#include "tokenizer-charref.inc"
#include "tokenizer-errors.inc"

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
  consent__buf_free(&t->cls_val);
  consent__buf_free(&t->id_val);
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
  /* (Everything but the foreign-content stack, which nforeign empties:
   * it is most of the struct, and a tag read again resets it.) */
  const size_t head = offsetof(struct consent__tokenizer, foreign);
  const size_t tail = offsetof(struct consent__tokenizer, nforeign);
  struct consent__tokenizer keep;

  memcpy(&keep, t, head);
  memset(t, 0, head);
  memset((char *)t + tail, 0, sizeof(*t) - tail);
  t->flags = keep.flags;
  t->max_token = keep.max_token;
  t->state = st_data;
  t->ret = st_data;
  t->raw = st_data;
  t->on_token = keep.on_token;
  t->want_attrs = keep.want_attrs;
  t->on_error = keep.on_error;
  t->ud = keep.ud;
  t->name = keep.name;
  t->abuf = keep.abuf;
  t->comment = keep.comment;
  t->pub = keep.pub;
  t->sys = keep.sys;
  t->want_name = keep.want_name;
  t->want_tag = keep.want_tag;
  t->end_gate = keep.end_gate;
  t->style = keep.style;
  t->cls_val = keep.cls_val;
  t->id_val = keep.id_val;
  t->name.len = t->abuf.len = t->comment.len = 0;
  t->pub.len = t->sys.len = t->style.len = 0;
  t->cls_val.len = t->id_val.len = 0;
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

/* Whether the tokenizer is inside a start tag, after its name (the
 * name is in t->name). */
static int
in_start_tag(const struct consent__tokenizer *t)
{
  consent__tok_state st = t->state;

  if (char_ref(st))
    st = t->ret;
  return in_tag(st) && t->tag_kind == CONSENT__TOK_START;
}

int
consent__tok_start_tag_id(const struct consent__tokenizer *t)
{
  if (in_start_tag(t))
    return t->tag_id;
  if (t->state == st_tag_name && t->tag_kind == CONSENT__TOK_START &&
      (t->name_truncated || t->name.len > CONSENT__TAG_MAX_LEN))
    return CONSENT__TAG_OTHER;
  return -1;
}

