/*
 * html5lib.c: runs the html5lib tokenizer tests against the tokenizer.
 *
 * Every run (a case in one initial state) is fed twice, whole and one
 * byte at a time, and must give exactly the expected tokens each time
 * (and, byte at a time, the same parse errors as whole); each is one TAP
 * result.  Parse errors are compared too, on two levels
 * reported apart (codes; codes with line and column), each a TAP result
 * at the end, so that a position bug does not hide a missing token.
 *
 * Usage: html5lib [DIR]   (default: $top_srcdir/tests/data/...)
 * CONSENT_SHOW_POSITIONS=1 lists the errors found at another position.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

struct run {
  json_t *tokens;       /* html5lib format, characters coalesced */
  struct consent__buf text;
  json_t *errors;       /* [code, offset] pairs */
};

static int tap_count, tap_failed, skipped;
static long runs_total, errs_listed, errs_code_match, errs_pos_match;
static long runs_errs_codes_ok, runs_errs_pos_ok;

/* [kind, text]; text may hold lone surrogates (WTF-8), so unchecked. */
static json_t *
pair(const char *kind, const char *s, size_t n)
{
  json_t *a = json_array();

  json_array_append_new(a, json_string(kind));
  json_array_append_new(a, json_stringn_nocheck(s, n));
  return a;
}

static void
flush_text(struct run *r)
{
  if (r->text.len > 0) {
    json_array_append_new(r->tokens, pair("Character", r->text.data,
                                          r->text.len));
    r->text.len = 0;
  }
}

static json_t *
str_or_null(int has, const char *s, size_t n)
{
  return has ? json_stringn_nocheck(s, n) : json_null();
}

static int
on_token(void *ud, const struct consent__token *t)
{
  struct run *r = ud;
  json_t *tok, *attrs;
  size_t i;

  if (t->kind == CONSENT__TOK_TEXT) {
    if (consent__buf_append(&r->text, t->data, t->data_len) != 0)
      abort();
    return 0;
  }
  flush_text(r);
  switch (t->kind) {
  case CONSENT__TOK_DOCTYPE:
    tok = json_array();
    json_array_append_new(tok, json_string("DOCTYPE"));
    json_array_append_new(tok, str_or_null(t->has_name, t->name,
                                           t->name_len));
    json_array_append_new(tok, str_or_null(t->has_public_id, t->public_id,
                                           t->public_id_len));
    json_array_append_new(tok, str_or_null(t->has_system_id, t->system_id,
                                           t->system_id_len));
    json_array_append_new(tok, json_boolean(!t->force_quirks));
    break;
  case CONSENT__TOK_START:
    attrs = json_object();
    for (i = 0; i < t->nattrs; i++) {
      char *name = strndup(t->attrs[i].name, t->attrs[i].name_len);
      json_object_set_new_nocheck(attrs, name,
          json_stringn_nocheck(t->attrs[i].value, t->attrs[i].value_len));
      free(name);
    }
    tok = pair("StartTag", t->name, t->name_len);
    json_array_append_new(tok, attrs);
    if (t->self_closing)
      json_array_append_new(tok, json_true());
    break;
  case CONSENT__TOK_END:
    tok = pair("EndTag", t->name, t->name_len);
    break;
  default:
    tok = pair("Comment", t->data, t->data_len);
    break;
  }
  json_array_append_new(r->tokens, tok);
  return 0;
}

static void
on_error(void *ud, enum consent__tok_error code, uint64_t offset)
{
  struct run *r = ud;

  json_array_append_new(r->errors,
      json_pack("[s, I]", consent__tok_error_name(code),
                (json_int_t)offset));
}

/* Decodes the \uXXXX escapes of a doubleEscaped string; lone
 * surrogates become their 3-byte (WTF-8) form. */
static char *
unescape(const char *s, size_t n, size_t *out_len)
{
  char *out = malloc(n + 1), *o = out;
  size_t i = 0;

  while (i < n) {
    unsigned long c;
    if (s[i] == '\\' && i + 5 < n + 0 && s[i + 1] == 'u') {
      c = strtoul((char[]){ s[i + 2], s[i + 3], s[i + 4], s[i + 5], 0 },
                  NULL, 16);
      i += 6;
      if (c >= 0xD800 && c <= 0xDBFF && i + 5 < n && s[i] == '\\' &&
          s[i + 1] == 'u') {
        unsigned long lo = strtoul((char[]){ s[i + 2], s[i + 3], s[i + 4],
                                             s[i + 5], 0 }, NULL, 16);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        }
      }
      if (c < 0x80) {
        *o++ = (char)c;
      } else if (c < 0x800) {
        *o++ = (char)(0xC0 | (c >> 6));
        *o++ = (char)(0x80 | (c & 0x3F));
      } else if (c < 0x10000) {
        *o++ = (char)(0xE0 | (c >> 12));
        *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (char)(0x80 | (c & 0x3F));
      } else {
        *o++ = (char)(0xF0 | (c >> 18));
        *o++ = (char)(0x80 | ((c >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (char)(0x80 | (c & 0x3F));
      }
      continue;
    }
    *o++ = s[i++];
  }
  *out_len = (size_t)(o - out);
  return out;
}

/* Applies unescape to every string in a JSON value, in place. */
static json_t *
unescape_json(json_t *v)
{
  size_t i, n;
  const char *key;
  json_t *item;
  char *s;

  if (json_is_string(v)) {
    s = unescape(json_string_value(v), json_string_length(v), &n);
    item = json_stringn_nocheck(s, n);
    free(s);
    return item;
  }
  if (json_is_array(v)) {
    json_t *a = json_array();
    json_array_foreach(v, i, item)
      json_array_append_new(a, unescape_json(item));
    return a;
  }
  if (json_is_object(v)) {
    json_t *o = json_object();
    json_object_foreach(v, key, item) {
      s = unescape(key, strlen(key), &n);
      json_object_setn_new_nocheck(o, s, n, unescape_json(item));
      free(s);
    }
    return o;
  }
  return json_incref(v);
}

/* Merges adjacent Character tokens of an expected output. */
static json_t *
coalesce(json_t *out)
{
  json_t *res = json_array(), *tok, *last = NULL;
  size_t i;

  json_array_foreach(out, i, tok) {
    if (last != NULL &&
        strcmp(json_string_value(json_array_get(tok, 0)), "Character") == 0
        && strcmp(json_string_value(json_array_get(last, 0)),
                  "Character") == 0) {
      json_t *a = json_array_get(last, 1), *b = json_array_get(tok, 1);
      size_t la = json_string_length(a), lb = json_string_length(b);
      char *s = malloc(la + lb);
      memcpy(s, json_string_value(a), la);
      memcpy(s + la, json_string_value(b), lb);
      json_array_set_new(last, 1, json_stringn_nocheck(s, la + lb));
      free(s);
      continue;
    }
    last = json_deep_copy(tok);
    json_array_append_new(res, last);
  }
  return res;
}

static int
state_of(const char *name, enum consent__tok_initial *st)
{
  static const struct { const char *name; enum consent__tok_initial st; }
  map[] = {
    { "Data state", CONSENT__TOK_IN_DATA },
    { "RCDATA state", CONSENT__TOK_IN_RCDATA },
    { "RAWTEXT state", CONSENT__TOK_IN_RAWTEXT },
    { "Script data state", CONSENT__TOK_IN_SCRIPT_DATA },
    { "PLAINTEXT state", CONSENT__TOK_IN_PLAINTEXT },
    { "CDATA section state", CONSENT__TOK_IN_CDATA },
  };
  size_t i;

  for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (strcmp(name, map[i].name) == 0) {
      *st = map[i].st;
      return 0;
    }
  return -1;
}

static void
tokenize(const char *in, size_t len, enum consent__tok_initial st,
         const char *last, int bytewise, struct run *r)
{
  struct consent__tokenizer t;
  size_t i;

  r->tokens = json_array();
  r->errors = json_array();
  r->text.len = 0;
  consent__tok_init(&t, CONSENT__TOKF_TEXT | CONSENT__TOKF_COMMENTS |
                    CONSENT__TOKF_ATTRS, (size_t)1 << 30);
  t.on_token = on_token;
  t.on_error = on_error;
  t.ud = r;
  consent__tok_set_state(&t, st, last, last ? strlen(last) : 0);
  if (bytewise) {
    for (i = 0; i < len; i++)
      consent__tok_feed(&t, in + i, 1);
  } else {
    consent__tok_feed(&t, in, len);
  }
  consent__tok_finish(&t);
  flush_text(r);
  consent__tok_free(&t);
}

/* Line and column (1-based, in UTF-16 code units as html5lib counts
 * them) of a byte offset, lines split as after input preprocessing. */
static void
position(const char *in, size_t len, size_t off, long *line, long *col)
{
  size_t i;

  *line = 1;
  *col = 1;
  for (i = 0; i < off && i < len; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c == '\r' && i + 1 < len && in[i + 1] == '\n')
      continue;
    if (c == '\n' || c == '\r') {
      ++*line;
      *col = 1;
    } else if ((c & 0xC0) != 0x80) {
      *col += c >= 0xF0 ? 2 : 1;
    }
  }
}

/* Counts how many expected errors are matched by code (and by code,
 * line and column). */
static void
compare_errors(json_t *expected, json_t *got, const char *in, size_t len)
{
  size_t i, j, n = json_array_size(expected), m = json_array_size(got);
  char *used_c = calloc(m + 1, 1), *used_p = calloc(m + 1, 1);
  long codes = 0, pos = 0;
  json_t *e;

  if (expected == NULL)
    n = 0;
  json_array_foreach(expected, i, e) {
    const char *code = json_string_value(json_object_get(e, "code"));
    long line = (long)json_integer_value(json_object_get(e, "line"));
    long col = (long)json_integer_value(json_object_get(e, "col"));
    for (j = 0; j < m; j++) {
      json_t *g = json_array_get(got, j);
      if (!used_c[j] &&
          strcmp(code, json_string_value(json_array_get(g, 0))) == 0) {
        used_c[j] = 1;
        codes++;
        break;
      }
    }
    for (j = 0; j < m; j++) {
      json_t *g = json_array_get(got, j);
      long gl, gc;
      if (used_p[j] ||
          strcmp(code, json_string_value(json_array_get(g, 0))) != 0)
        continue;
      position(in, len, (size_t)json_integer_value(json_array_get(g, 1)),
               &gl, &gc);
      if (gl == line && gc == col) {
        used_p[j] = 1;
        pos++;
        break;
      }
      if (getenv("CONSENT_SHOW_POSITIONS"))
        printf("# position: %s expected %ld:%ld got %ld:%ld in %s\n", code,
               line, col, gl, gc, in);
    }
  }
  errs_listed += (long)n;
  errs_code_match += codes;
  errs_pos_match += pos;
  if (codes == (long)n && m == n)
    runs_errs_codes_ok++;
  if (pos == (long)n && m == n)
    runs_errs_pos_ok++;
  free(used_c);
  free(used_p);
}

static void
report(int ok, const char *file, const char *desc, const char *state,
       const char *mode, json_t *expected, json_t *got)
{
  tap_count++;
  printf("%s %d - %s: %s [%s, %s]\n", ok ? "ok" : "not ok", tap_count,
         file, desc, state, mode);
  if (!ok) {
    char *a = json_dumps(expected, JSON_COMPACT | JSON_ENSURE_ASCII);
    char *b = json_dumps(got, JSON_COMPACT | JSON_ENSURE_ASCII);
    printf("#   expected: %s\n#   got:      %s\n", a ? a : "(not UTF-8)",
           b ? b : "(not UTF-8)");
    free(a);
    free(b);
    tap_failed++;
  }
}

static int
by_offset(const void *a, const void *b)
{
  json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
  json_int_t ox = json_integer_value(json_array_get(x, 1));
  json_int_t oy = json_integer_value(json_array_get(y, 1));

  if (ox != oy)
    return ox < oy ? -1 : 1;
  return strcmp(json_string_value(json_array_get(x, 0)),
                json_string_value(json_array_get(y, 0)));
}

/* The errors in order of position (input-stream errors of a chunk are
 * found before its tokens are). */
static json_t *
sorted_errors(json_t *errors)
{
  size_t n = json_array_size(errors), i;
  json_t **v = malloc((n + 1) * sizeof(*v)), *res = json_array();

  for (i = 0; i < n; i++)
    v[i] = json_array_get(errors, i);
  qsort(v, n, sizeof(*v), by_offset);
  for (i = 0; i < n; i++)
    json_array_append(res, v[i]);
  free(v);
  return res;
}

static void
run_case(const char *file, json_t *test)
{
  const char *desc = json_string_value(json_object_get(test, "description"));
  json_t *input = json_object_get(test, "input");
  json_t *states = json_object_get(test, "initialStates");
  json_t *last = json_object_get(test, "lastStartTag");
  json_t *errors = json_object_get(test, "errors");
  json_t *output, *expected, *st;
  int dbl = json_is_true(json_object_get(test, "doubleEscaped"));
  char *in;
  size_t len, i;
  struct run r;

  memset(&r, 0, sizeof(r));
  if (dbl) {
    in = unescape(json_string_value(input), json_string_length(input), &len);
    output = unescape_json(json_object_get(test, "output"));
  } else {
    len = json_string_length(input);
    in = malloc(len + 1);
    memcpy(in, json_string_value(input), len);
    output = json_incref(json_object_get(test, "output"));
  }
  expected = coalesce(output);
  if (states == NULL) {
    states = json_pack("[s]", "Data state");
  } else {
    json_incref(states);
  }
  json_array_foreach(states, i, st) {
    enum consent__tok_initial s;
    const char *sname = json_string_value(st);
    int mode;

    if (state_of(sname, &s) != 0) {
      printf("ok %d - %s: %s [%s] # SKIP unknown state\n", ++tap_count,
             file, desc, sname);
      skipped++;
      continue;
    }
    runs_total++;
    json_t *whole_errors = NULL;
    for (mode = 0; mode < 2; mode++) {
      int ok;
      tokenize(in, len, s, last ? json_string_value(last) : NULL, mode, &r);
      ok = json_equal(expected, r.tokens);
      if (mode == 0) {
        compare_errors(errors, r.errors, in, len);
        whole_errors = sorted_errors(r.errors);
      } else {
        json_t *bytewise = sorted_errors(r.errors);
        if (!json_equal(whole_errors, bytewise)) {
          printf("# errors differ when fed byte at a time\n");
          ok = 0;
        }
        json_decref(bytewise);
      }
      report(ok, file, desc, sname, mode ? "byte at a time" : "whole",
             expected, r.tokens);
      json_decref(r.tokens);
      json_decref(r.errors);
    }
    json_decref(whole_errors);
  }
  consent__buf_free(&r.text);
  json_decref(states);
  json_decref(expected);
  json_decref(output);
  free(in);
}

static int
by_name(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
  char dir[4096], path[8192], *names[64];
  const char *top = getenv("top_srcdir");
  size_t n = 0, i, k;
  struct dirent *de;
  DIR *d;

  if (argc > 1)
    snprintf(dir, sizeof(dir), "%s", argv[1]);
  else
    snprintf(dir, sizeof(dir), "%s/tests/data/html5lib-tests/tokenizer",
             top ? top : ".");
  d = opendir(dir);
  if (d == NULL) {
    printf("Bail out! cannot open %s\n", dir);
    return 1;
  }
  while ((de = readdir(d)) != NULL && n < 64) {
    size_t l = strlen(de->d_name);
    if (l > 5 && strcmp(de->d_name + l - 5, ".test") == 0 &&
        strcmp(de->d_name, "xmlViolation.test") != 0)
      names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof(*names), by_name);
  for (i = 0; i < n; i++) {
    json_error_t err;
    json_t *root, *tests, *test;

    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    root = json_load_file(path, JSON_ALLOW_NUL, &err);
    if (root == NULL) {
      printf("Bail out! %s: %s\n", path, err.text);
      return 1;
    }
    tests = json_object_get(root, "tests");
    json_array_foreach(tests, k, test)
      run_case(names[i], test);
    json_decref(root);
    free(names[i]);
  }
  printf("# html5lib tokenizer: %ld runs in %zu files; %d of %d token "
         "checks pass (whole and byte at a time), %d skipped\n",
         runs_total, n, tap_count - tap_failed - skipped,
         tap_count - skipped, skipped);
  printf("# parse errors: %ld of %ld listed errors found by code, %ld by "
         "code, line and column; runs with exactly the listed errors: "
         "%ld by code, %ld with positions\n", errs_code_match, errs_listed,
         errs_pos_match, runs_errs_codes_ok, runs_errs_pos_ok);
  tap_count++;
  printf("%s %d - parse errors: each run reports exactly the listed codes "
         "(%ld of %ld runs)\n", runs_errs_codes_ok == runs_total ? "ok"
         : "not ok", tap_count, runs_errs_codes_ok, runs_total);
  tap_failed += runs_errs_codes_ok != runs_total;
  tap_count++;
  printf("%s %d - parse errors: at the listed line and column (%ld of %ld "
         "runs)\n", runs_errs_pos_ok == runs_total ? "ok" : "not ok",
         tap_count, runs_errs_pos_ok, runs_total);
  tap_failed += runs_errs_pos_ok != runs_total;
  printf("1..%d\n", tap_count);
  return tap_failed ? 1 : 0;
}
