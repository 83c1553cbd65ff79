/*
 * test-tokenizer.c: what the html5lib tests do not cover: the content
 * state switches a tree builder would make, foreign content, byte spans,
 * chunk invariance on whole pages and garbage, selective recording and
 * the per-token limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/gen.h"
#include "tap.h"
#include "tags.h"
#include "tokenizer.h"

/* Tokens written out as text, characters coalesced:
 *   S<name a="v">  S<name/>  E</name>  C<!--data-->  T"text"  D<!name>
 * With spans, each tag, comment and doctype is followed by @start-end. */
struct dump {
  struct consent__buf out;
  int in_text;
  int spans;
  int no_attrs;        /* leave attributes out of the dump */
  const char *src;     /* the whole input, to check spans */
  int span_errors;
};

static void
put(struct dump *d, const char *s, size_t n)
{
  if (consent__buf_append(&d->out, s, n) != 0)
    abort();
}

static void
puts_(struct dump *d, const char *s)
{
  put(d, s, strlen(s));
}

static int
on_token(void *ud, const struct consent__token *t)
{
  struct dump *d = ud;
  char num[64];
  size_t i;

  if (t->kind == CONSENT__TOK_TEXT) {
    if (!d->in_text)
      puts_(d, "T\"");
    d->in_text = 1;
    put(d, t->data, t->data_len);
    return 0;
  }
  if (d->in_text)
    puts_(d, "\"");
  d->in_text = 0;
  switch (t->kind) {
  case CONSENT__TOK_START:
    puts_(d, "S<");
    put(d, t->name, t->name_len);
    for (i = 0; i < (d->no_attrs ? 0 : t->nattrs); i++) {
      puts_(d, " ");
      put(d, t->attrs[i].name, t->attrs[i].name_len);
      puts_(d, "=\"");
      put(d, t->attrs[i].value, t->attrs[i].value_len);
      puts_(d, "\"");
    }
    puts_(d, t->self_closing ? "/>" : ">");
    break;
  case CONSENT__TOK_END:
    puts_(d, "E</");
    put(d, t->name, t->name_len);
    puts_(d, ">");
    break;
  case CONSENT__TOK_COMMENT:
    puts_(d, "C<!--");
    put(d, t->data, t->data_len);
    puts_(d, "-->");
    break;
  default:
    puts_(d, "D<!");
    put(d, t->name, t->name_len);
    puts_(d, ">");
    break;
  }
  if (t->truncated)
    puts_(d, "!trunc");
  if (d->spans) {
    snprintf(num, sizeof(num), "@%llu-%llu",
             (unsigned long long)t->raw_start,
             (unsigned long long)t->raw_end);
    puts_(d, num);
  }
  if (d->src != NULL && d->src[t->raw_start] != '<')
    d->span_errors++;
  if (d->src != NULL && t->kind != CONSENT__TOK_COMMENT &&
      t->kind != CONSENT__TOK_DOCTYPE && d->src[t->raw_end - 1] != '>')
    d->span_errors++;
  return 0;
}

static int
want_iframe(void *ud, unsigned tag, const char *name, size_t len,
            int end_tag)
{
  (void)ud;
  (void)tag;
  return !end_tag && len == 6 && memcmp(name, "iframe", 6) == 0;
}

/* Tokenizes in chunks of the given size (0: whole; -1: random sizes). */
static int no_attrs_in_dump;

static char *
tokenize(const char *in, size_t len, unsigned flags, long chunk,
         size_t max_token, int spans, consent__tok_want_fn want,
         int *span_errors)
{
  struct consent__tokenizer t;
  struct dump d;
  struct gen g;
  size_t off = 0, n;

  memset(&d, 0, sizeof(d));
  d.spans = spans;
  d.no_attrs = no_attrs_in_dump;
  d.src = in;
  consent__tok_init(&t, flags, max_token);
  t.on_token = on_token;
  t.want_attrs = want;
  t.ud = &d;
  gen_seed(&g, (uint64_t)len);
  while (off < len) {
    n = chunk == 0 ? len - off
        : chunk < 0 ? 1 + gen_below(&g, 97)
        : (size_t)chunk;
    if (n > len - off)
      n = len - off;
    consent__tok_feed(&t, in + off, n);
    off += n;
  }
  consent__tok_finish(&t);
  consent__tok_free(&t);
  if (d.in_text)
    puts_(&d, "\"");
  put(&d, "", 1);
  if (span_errors != NULL)
    *span_errors = d.span_errors;
  return d.out.data;
}

#define ALL (CONSENT__TOKF_TEXT | CONSENT__TOKF_COMMENTS | CONSENT__TOKF_ATTRS)
#define TREE (ALL | CONSENT__TOKF_TREE | CONSENT__TOKF_SCRIPTING)

static void
expect(const char *name, const char *in, unsigned flags, const char *want)
{
  char *got = tokenize(in, strlen(in), flags, 0, 1 << 20, 0, NULL, NULL);
  char *bytes = tokenize(in, strlen(in), flags, 1, 1 << 20, 0, NULL, NULL);

  tap_ok(strcmp(got, want) == 0 && strcmp(bytes, want) == 0, "%s", name);
  if (strcmp(got, want) != 0)
    printf("#   want: %s\n#   got:  %s\n", want, got);
  else if (strcmp(bytes, want) != 0)
    printf("#   want: %s\n#   byte at a time: %s\n", want, bytes);
  free(got);
  free(bytes);
}

static void
test_content_states(void)
{
  expect("script is script data", "<script>a<b>&amp;</script><i>", TREE,
         "S<script>T\"a<b>&amp;\"E</script>S<i>");
  expect("escaped script: </script> inside <!--<script> stays text",
         "<script><!--<script>x</script>y</script>z", TREE,
         "S<script>T\"<!--<script>x</script>y\"E</script>T\"z\"");
  expect("style is raw text", "<style>p<i>{}</style><i>", TREE,
         "S<style>T\"p<i>{}\"E</style>S<i>");
  expect("iframe content is raw text",
         "<iframe src=x><img src=y></iframe><b>", TREE,
         "S<iframe src=\"x\">T\"<img src=y>\"E</iframe>S<b>");
  expect("xmp, noembed, noframes are raw text",
         "<xmp><b></xmp><noembed><b></noembed><noframes><b></noframes>",
         TREE, "S<xmp>T\"<b>\"E</xmp>S<noembed>T\"<b>\"E</noembed>"
         "S<noframes>T\"<b>\"E</noframes>");
  expect("noscript is raw text with scripting",
         "<noscript><img src=p></noscript>", TREE,
         "S<noscript>T\"<img src=p>\"E</noscript>");
  expect("noscript is markup without scripting",
         "<noscript><img src=p></noscript>", ALL | CONSENT__TOKF_TREE,
         "S<noscript>S<img src=\"p\">E</noscript>");
  expect("title and textarea are RCDATA",
         "<title>a&amp;<b></title><textarea>&lt;</textarea>", TREE,
         "S<title>T\"a&<b>\"E</title>S<textarea>T\"<\"E</textarea>");
  expect("end tag must match the start tag", "<title></titlex></title>",
         TREE, "S<title>T\"</titlex>\"E</title>");
  expect("uppercase end tag closes raw text", "<STYLE>x</StYlE>", TREE,
         "S<style>T\"x\"E</style>");
  expect("plaintext never ends", "<plaintext></plaintext><b>", TREE,
         "S<plaintext>T\"</plaintext><b>\"");
  expect("self-closing script still switches", "<script/>x<b></script>",
         TREE, "S<script/>T\"x<b>\"E</script>");
  expect("without tree emulation script is markup", "<script><b>", ALL,
         "S<script>S<b>");
}

static void
test_foreign(void)
{
  expect("CDATA in svg", "<svg><![CDATA[<b>]]></svg>", TREE,
         "S<svg>T\"<b>\"E</svg>");
  expect("CDATA in math", "<math><![CDATA[x]]>", TREE,
         "S<math>T\"x\"");
  expect("CDATA in HTML is a bogus comment", "<![CDATA[x]]>", TREE,
         "C<!--[CDATA[x]]-->");
  expect("CDATA after </svg> is a comment", "<svg></svg><![CDATA[x]]>",
         TREE, "S<svg>E</svg>C<!--[CDATA[x]]-->");
  expect("self-closing svg opens nothing", "<svg/><![CDATA[x]]>", TREE,
         "S<svg/>C<!--[CDATA[x]]-->");
  expect("script in svg is markup", "<svg><script><b>x</b></script>",
         TREE, "S<svg>S<script>S<b>T\"x\"E</b>E</script>");
  expect("breakout element leaves svg", "<svg><p><script><b></script>",
         TREE, "S<svg>S<p>S<script>T\"<b>\"E</script>");
  expect("font with color breaks out",
         "<svg><font color=red><style><b></style>", TREE,
         "S<svg>S<font color=\"red\">S<style>T\"<b>\"E</style>");
  expect("font without attributes stays foreign",
         "<svg><font><style><b></style>", TREE,
         "S<svg>S<font>S<style>S<b>E</style>");
  expect("foreignObject holds HTML",
         "<svg><foreignObject><style><b></style></foreignObject>"
         "<style><b></style>",
         TREE, "S<svg>S<foreignobject>S<style>T\"<b>\"E</style>"
         "E</foreignobject>S<style>S<b>E</style>");
  expect("mi holds HTML", "<math><mi><script>a<b</script></mi>", TREE,
         "S<math>S<mi>S<script>T\"a<b\"E</script>E</mi>");
  expect("annotation-xml with text/html holds HTML",
         "<math><annotation-xml encoding=\"Text/HTML\"><script><b>"
         "</script>", TREE,
         "S<math>S<annotation-xml encoding=\"Text/HTML\">S<script>"
         "T\"<b>\"E</script>");
  expect("nested svg elements close by name",
         "<svg><g><g></g></g><![CDATA[x]]></svg><![CDATA[y]]>", TREE,
         "S<svg>S<g>S<g>E</g>E</g>T\"x\"E</svg>C<!--[CDATA[y]]-->");
}

static void
test_spans(void)
{
  const char *in = "a<p class=x>b<!-- c --><br/>\r\n<!DOCTYPE html></p>";
  char *whole = tokenize(in, strlen(in), ALL, 0, 1 << 20, 1, NULL, NULL);
  char *bytes = tokenize(in, strlen(in), ALL, 1, 1 << 20, 1, NULL, NULL);

  tap_ok(strcmp(whole,
         "T\"a\"S<p class=\"x\">@1-12T\"b\"C<!-- c -->@13-23S<br/>@23-28"
         "T\"\n\"D<!html>@30-45E</p>@45-49") == 0, "byte spans of each token");
  tap_ok(strcmp(whole, bytes) == 0, "byte spans do not depend on chunks");
  free(whole);
  free(bytes);
}

static void
test_recording(void)
{
  const char *in = "<div id=a><iframe src=\"y&amp;z\" title=t></iframe>"
                   "<!-- c -->x&amp;y";
  char *got = tokenize(in, strlen(in), CONSENT__TOKF_TREE, 0, 1 << 20, 0,
                       want_iframe, NULL);

  tap_ok(strcmp(got, "S<div>S<iframe src=\"y&z\" title=\"t\">E</iframe>"
                "C<!---->") == 0, "attributes only where asked");
  free(got);
}

static void
test_limits(void)
{
  static char in[20000];
  char *got;

  memcpy(in, "<iframe src=\"", 13);
  memset(in + 13, 'a', 10000);
  memcpy(in + 10013, "\">after", 8);
  got = tokenize(in, strlen(in), ALL, 0, 4096, 0, NULL, NULL);
  tap_ok(strstr(got, "!trunc") != NULL && strstr(got, "T\"after\"") != NULL,
         "a token past the limit is marked truncated and the rest goes on");
  free(got);
  {
    char *whole = tokenize(in, strlen(in), ALL, 0, 4096, 0, NULL, NULL);
    got = tokenize(in, strlen(in), ALL, 7, 4096, 0, NULL, NULL);
    tap_ok(strstr(got, "!trunc") != NULL && strcmp(got, whole) == 0,
           "truncation keeps the same bytes in any chunking");
    free(whole);
    free(got);
  }
  memcpy(in, "<!--", 4);
  memset(in + 4, 'c', 9000);
  in[9004] = '\0';
  {
    char *whole = tokenize(in, strlen(in), ALL, 0, 4096, 0, NULL, NULL);
    char *bytes = tokenize(in, strlen(in), ALL, 1, 4096, 0, NULL, NULL);
    char *odd = tokenize(in, strlen(in), ALL, 13, 4096, 0, NULL, NULL);
    tap_ok(strcmp(whole, bytes) == 0 && strcmp(whole, odd) == 0 &&
           strstr(whole, "!trunc") != NULL,
           "a truncated comment is the same in any chunking");
    free(whole);
    free(bytes);
    free(odd);
  }
}

static void
test_crlf(void)
{
  const char *in = "a\r\nb\rc<p x='1\r\n2'>\r";
  char *got = tokenize(in, strlen(in), ALL, 0, 1 << 20, 0, NULL, NULL);
  char *two = tokenize(in, strlen(in), ALL, 2, 1 << 20, 0, NULL, NULL);

  tap_ok(strcmp(got, "T\"a\nb\nc\"S<p x=\"1\n2\">T\"\n\"") == 0,
         "CR and CR LF read as LF");
  tap_ok(strcmp(got, two) == 0, "CR LF split across chunks");
  free(got);
  free(two);
}

/* Whole pages and garbage: every chunking gives the same tokens, and
 * every span starts at '<'. */
static void
test_chunk_invariance(void)
{
  static const unsigned modes[] = {
    ALL, TREE, CONSENT__TOKF_TREE | CONSENT__TOKF_SCRIPTING
  };
  static const long chunks[] = { -1, 1, 2, 3, 7, 13, 4096 };
  static char buf[1 << 16];
  struct gen g;
  int seed, m, bad, span_errors, se;
  size_t n, c;

  for (seed = 1; seed <= 3; seed++) {
    for (m = 0; m < 3; m++) {
      char *whole, *other;

      gen_seed(&g, (uint64_t)seed);
      n = m == 2 ? gen_page(&g, buf, sizeof(buf))
                 : gen_garbage(&g, buf, 8000);
      whole = tokenize(buf, n, modes[m], 0, 1 << 20, 1, NULL, &span_errors);
      bad = 0;
      for (c = 0; c < sizeof(chunks) / sizeof(*chunks); c++) {
        other = tokenize(buf, n, modes[m], chunks[c], 1 << 20, 1, NULL,
                         &se);
        if (strcmp(whole, other) != 0)
          bad++;
        span_errors += se;
        free(other);
      }
      tap_ok(bad == 0 && span_errors == 0,
             "%s seed %d, flags %#x: same tokens for random chunks and "
             "chunks of 1-4096 bytes, spans at '<'", m == 2 ? "page" : "garbage", seed,
             modes[m]);
      free(whole);
    }
  }
}

/* Script text inside "<!--" (the escaped states, read 16 bytes at a
 * time where they can be): '-', '<', NUL and CR at each place of the
 * first blocks, in a script escaped once and twice, give the same tokens
 * whole and in pieces. */
static void
test_escaped_script(void)
{
  static const long chunks[] = { 1, 7, 16, 17 };
  static const char stops[] = { '-', '<', 0, '\r' };
  char buf[512];
  size_t k, at, n, c;
  int bad = 0, se, twice;

  for (twice = 0; twice < 2; twice++) {
    for (k = 0; k < sizeof(stops); k++) {
      for (at = 0; at < 40; at++) {
        char *whole, *other;
        n = (size_t)sprintf(buf, "<script><!--%s", twice ? "<script>" : "");
        memset(buf + n, 'a', 48);
        buf[n + at] = stops[k];
        n += 48;
        n += (size_t)sprintf(buf + n, "%s--></script><p>x</p>",
                             twice ? "</script>" : "");
        whole = tokenize(buf, n, TREE, 0, 1 << 20, 1, NULL, &se);
        bad += se != 0;
        for (c = 0; c < sizeof(chunks) / sizeof(*chunks); c++) {
          other = tokenize(buf, n, TREE, chunks[c], 1 << 20, 1, NULL, &se);
          bad += strcmp(whole, other) != 0 || se != 0;
          free(other);
        }
        free(whole);
      }
    }
  }
  tap_ok(bad == 0, "escaped script text: '-', '<', NUL and CR at 40 places "
         "read alike whole and in 1, 7, 16, 17-byte pieces (%d wrong)", bad);
}

/* Tags whose attributes are not recorded are read by a faster loop
 * (st_skip_attrs); it must end every tag where the full states do. */
static void
test_skip_attrs(void)
{
  static char buf[1 << 16];
  static const long chunks[] = { 0, 1, 5 };
  struct gen g;
  int seed, bad = 0;
  size_t c, n;

  no_attrs_in_dump = 1;
  for (seed = 1; seed <= 40; seed++) {
    gen_seed(&g, (uint64_t)seed + 1000);
    n = seed % 4 ? gen_garbage(&g, buf, 20000) : gen_page(&g, buf, 30000);
    for (c = 0; c < sizeof(chunks) / sizeof(*chunks); c++) {
      char *full = tokenize(buf, n, TREE, chunks[c], 1 << 20, 1, NULL,
                            NULL);
      char *fast = tokenize(buf, n, TREE & ~CONSENT__TOKF_ATTRS, chunks[c],
                            1 << 20, 1, NULL, NULL);
      if (strcmp(full, fast) != 0)
        bad++;
      free(full);
      free(fast);
    }
  }
  no_attrs_in_dump = 0;
  tap_ok(bad == 0, "skipping attributes ends each tag where reading them "
         "does (40 inputs, 3 chunkings; %d differ)", bad);
}

/* The quiet path: with a quiet table, start tags that need no token make
 * none when they lie whole in the chunk; a tag with a flagged attribute,
 * a tag of a recorded name, anything in foreign content, and every tag fed
 * byte by byte still goes through the states. */
static int
quiet_names(void *ud, const struct consent__token *t)
{
  struct consent__buf *b = ud;

  if (t->kind == CONSENT__TOK_START &&
      (consent__buf_append(b, t->name, t->name_len) != 0 ||
       consent__buf_append(b, " ", 1) != 0))
    abort();
  return 0;
}

static int
quiet_no_widget(void *ud, unsigned tag, const char *cls, size_t cls_len,
                int has_cls, const char *id, size_t id_len, int has_id)
{
  (void)ud;
  (void)tag;
  (void)id;
  (void)id_len;
  (void)has_id;
  /* (a box of class "w" may be a widget) */
  return has_cls && cls_len == 1 && cls[0] == 'w';
}

/* (a value that names "prov" may load from a provider) */
static int
quiet_prov_value(void *ud, int kind, const char *v, size_t n)
{
  size_t i;

  (void)ud;
  (void)kind;
  for (i = 0; i + 4 <= n; i++)
    if (memcmp(v + i, "prov", 4) == 0)
      return 1;
  return 0;
}

static char *
quiet_run_doc(const char *in, int bytewise, consent__tok_value_fn value)
{
  static unsigned char want[CONSENT__TAG_COUNT], quiet[CONSENT__TAG_COUNT];
  struct consent__tokenizer t;
  struct consent__buf b = { NULL, 0, 0 };
  int gate = 0;
  size_t i, n = strlen(in);
  unsigned k;

  for (k = 0; k < CONSENT__TAG_COUNT; k++) {
    want[k] = k == CONSENT__TAG_IMG;
    quiet[k] = k == CONSENT__TAG_OTHER || k == CONSENT__TAG_IMG ? 0
               : k == CONSENT__TAG_DIV ? CONSENT__TOK_WANT_IDS : 1;
  }
  want[CONSENT__TAG_DIV] = CONSENT__TOK_WANT_IDS;
  consent__tok_init(&t, CONSENT__TOKF_TREE | CONSENT__TOKF_SCRIPTING |
                    CONSENT__TOKF_STYLE, 1 << 20);
  t.on_token = quiet_names;
  t.ud = &b;
  t.want_tag = want;
  t.end_gate = &gate;
  t.quiet = quiet;
  t.quiet_widget = quiet_no_widget;
  t.quiet_value = value;
  if (bytewise)
    for (i = 0; i < n; i++)
      consent__tok_feed(&t, in + i, 1);
  else
    consent__tok_feed(&t, in, n);
  consent__tok_finish(&t);
  consent__tok_free(&t);
  consent__buf_append(&b, "", 1);
  return b.data;
}

static void
test_quiet(void)
{
  static const char in[] =
    "<div class=a id=b><span title='x>y'>x</span><img src=y>"
    "<p style=\"c\">z</p><a ONCLICK=q>l</a><li ping=u></li><b/>"
    "<div class=w>box</div><svg><g></g></svg><i>";
  static const char in2[] =
    "<p style=\"color:red\">a</p><p style=\"url(prov)\">b</p>"
    "<a onclick=q>c</a><a OnClick='prov()'>d</a><a onclick=\"x&amp;y\">e</a>"
    "<span style=\"a\rb\">f</span><li ping=u></li><b onload style=''>g</b>"
    "<div class=w style=x>h</div>";
  char *whole = quiet_run_doc(in, 0, NULL), *bytes = quiet_run_doc(in, 1, NULL);

  tap_ok(strcmp(whole, "img p a li div svg g ") == 0,
         "quiet path: whole, only tags that need a token make one");
  if (strcmp(whole, "img p a li div svg g ") != 0)
    printf("#   got: %s\n", whole);
  tap_ok(strcmp(bytes, "div span img p a li b div svg g i ") == 0,
         "quiet path: byte by byte, every start tag goes through the states");
  if (strcmp(bytes, "div span img p a li b div svg g i ") != 0)
    printf("#   got: %s\n", bytes);
  free(whole);
  free(bytes);
  /* With quiet_value: a style or event handler that loads nothing keeps
   * its tag quiet; one that may, one with a character reference or a CR,
   * and any other fetching name do not. */
  whole = quiet_run_doc(in2, 0, quiet_prov_value);
  bytes = quiet_run_doc(in2, 1, quiet_prov_value);
  tap_ok(strcmp(whole, "p a a span li div ") == 0,
         "quiet path: styles and event handlers that load nothing stay "
         "quiet");
  if (strcmp(whole, "p a a span li div ") != 0)
    printf("#   got: %s\n", whole);
  tap_ok(strcmp(bytes, "p p a a a span li b div ") == 0,
         "quiet path with quiet_value: byte by byte, every start tag goes "
         "through the states");
  if (strcmp(bytes, "p p a a a span li b div ") != 0)
    printf("#   got: %s\n", bytes);
  free(whole);
  free(bytes);
  {
    /* End tags and start tags whose names end at odd bytes (a control
     * byte, '/', whitespace, 16 bytes or more): read where the states
     * read them, so the img after each still makes its token. */
    static const char odd[] =
      "<div>a</div\x01><img src=1><span>b</span/><img src=2><p>c</p >"
      "<img src=3><i>d</i\t><img src=4></abcdefghijklmnopq><img src=5>"
      "<em\x01 x='>'><img src=6><abcdefghijklmnopq x='>'><img src=7>"
      "<b\x0b><img src=8></b\x0b x='>'><img src=9>"
      "</p x='<img src=0>'></i\x01 y=\"<img src=0>\"></a/b='<img src=0>'>";
    static const char want_odd[] =
      "img img img img img em\x01 img abcdefghijklmnopq img b\x0b img img ";
    whole = quiet_run_doc(odd, 0, NULL);
    tap_ok(strcmp(whole, want_odd) == 0,
           "quiet path: names ending at odd bytes end where the states end "
           "them");
    if (strcmp(whole, want_odd) != 0)
      printf("#   got: %s\n", whole);
    free(whole);
  }
  {
    /* A long page of repeated tags, among them tags whose first '>' is
     * in a value and that go on to a provider's URL: only those make
     * tokens. */
    static const char rep[] =
      "<div class=row><p style=\"color:red\">a</p><p style=\"url(prov)\">b"
      "<a onclick=q>c</a><a OnClick='prov()'>d</a><li class=\"x>\">"
      "<li class=\"x>\" onclick=prov()><li class=x><li class=x ping=u>"
      "<span title=\"a>\">e</span><span title=\"a>\" style=\"url(prov)\">";
    static const char want1[] = "p a li li span ";
    struct consent__buf doc = { NULL, 0, 0 }, want = { NULL, 0, 0 };
    int r, ok;
    for (r = 0; r < 200; r++)
      if (consent__buf_append(&doc, rep, strlen(rep)) != 0 ||
          consent__buf_append(&want, want1, strlen(want1)) != 0)
        abort();
    consent__buf_append(&doc, "", 1);
    consent__buf_append(&want, "", 1);
    whole = quiet_run_doc(doc.data, 0, quiet_prov_value);
    ok = strcmp(whole, want.data) == 0;
    tap_ok(ok, "quiet path on a long page of repeated tags: only those "
           "that may load make tokens (%zu bytes)", doc.len - 1);
    if (!ok)
      printf("#   got: %.200s\n", whole);
    free(whole);
    consent__buf_free(&doc);
    consent__buf_free(&want);
  }
}

/* A NUL after a named character reference is no part of its name: in
 * an attribute value and in RCDATA it reads as U+FFFD, as anywhere else
 * there (the table search took it for the end of "amp;" and kept it
 * raw, when the reference was read a byte at a time). */
static void
test_nul_after_reference(void)
{
  static const char in[] = "<a title=\"&amp;\0x&amp\0y\">"
                           "<textarea>&lt;\0&gt\0</textarea>";
  static const char want[] =
    "S<a title=\"&\xef\xbf\xbdx&\xef\xbf\xbdy\">"
    "S<textarea>T\"<\xef\xbf\xbd>\xef\xbf\xbd\"E</textarea>";
  char *whole = tokenize(in, sizeof(in) - 1, TREE, 0, 1 << 20, 0, NULL,
                         NULL);
  char *bytes = tokenize(in, sizeof(in) - 1, TREE, 1, 1 << 20, 0, NULL,
                         NULL);

  tap_ok(strcmp(whole, want) == 0 && strcmp(bytes, want) == 0,
         "a NUL after a character reference reads as U+FFFD, whole and "
         "byte by byte");
  if (strcmp(whole, want) != 0 || strcmp(bytes, want) != 0)
    printf("#   whole: %s\n#   bytes: %s\n", whole, bytes);
  free(whole);
  free(bytes);
}

/* Start tags whose attributes are recorded are read whole by rec_tag
 * when they lie in the chunk (and no errors are asked for); byte by byte
 * the attribute states read them.  Everything of the token must agree:
 * names, values, where each name starts, the attribute spans, the
 * fetch-name calls, self-closing, the tag that follows. */
static void
rec_dump_fetch(void *ud, uint64_t off)
{
  char num[32];

  snprintf(num, sizeof(num), "F%llu", (unsigned long long)off);
  puts_(ud, num);
}

static int
rec_dump(void *ud, const struct consent__token *t)
{
  struct dump *d = ud;
  const struct consent__tokenizer *tok = (const void *)d->src;
  char num[64];
  size_t i;

  if (t->kind != CONSENT__TOK_START)
    return 0;
  put(d, t->name, t->name_len);
  for (i = 0; i < t->nattrs; i++) {
    snprintf(num, sizeof(num), " @%llu:",
             (unsigned long long)t->attrs[i].raw_name);
    puts_(d, num);
    put(d, t->attrs[i].name, t->attrs[i].name_len);
    puts_(d, "=[");
    put(d, t->attrs[i].value, t->attrs[i].value_len);
    puts_(d, "]");
  }
  for (i = 0; i < tok->nspans; i++) {
    snprintf(num, sizeof(num), " s%llu", (unsigned long long)tok->spans[i]);
    puts_(d, num);
  }
  snprintf(num, sizeof(num), " sc%u fa%u raw%u tr%u %llu-%llu;",
           t->self_closing, t->fetch_attr, t->raw_text, t->truncated,
           (unsigned long long)t->raw_start, (unsigned long long)t->raw_end);
  puts_(d, num);
  return 0;
}

static char *
rec_run(const char *in, size_t chunk)
{
  struct consent__tokenizer t;
  struct dump d;
  size_t off = 0, len = strlen(in), n;

  memset(&d, 0, sizeof(d));
  consent__tok_init(&t, CONSENT__TOKF_TREE | CONSENT__TOKF_SCRIPTING |
                    CONSENT__TOKF_ATTRS | CONSENT__TOKF_STYLE |
                    CONSENT__TOKF_SPANS, 1 << 20);
  d.src = (const char *)&t;
  t.on_token = rec_dump;
  t.on_fetch_name = rec_dump_fetch;
  t.ud = &d;
  while (off < len) {
    n = chunk == 0 || chunk > len - off ? len - off : chunk;
    consent__tok_feed(&t, in + off, n);
    off += n;
  }
  consent__tok_finish(&t);
  consent__tok_free(&t);
  put(&d, "", 1);
  return d.out.data;
}

/* The tag table's perfect hash: every name found by both lookups (the
 * states' and the quiet path's 16 bytes), and nothing else: each name
 * with a byte changed, cut short, grown by a byte, and 100,000 random
 * lowercase names of 1 to 15 bytes give CONSENT__TAG_OTHER unless they
 * are in the table. */
static void
test_tag_ids(void)
{
  static const char letters[] = "abdeilmnoprstuv";
  unsigned id, bad = 0, n16;
  size_t len, i, k;
  struct gen g;
  unsigned char nm[16];
  char name[17];

  for (id = 1; id < CONSENT__TAG_COUNT; id++) {
    len = strlen(consent__tag_names[id]);
    if (len == 0 || len > 15) {
      bad++;
      continue;
    }
    memset(nm, 0, sizeof(nm));
    memcpy(nm, consent__tag_names[id], len);
    if (consent__tag_id(consent__tag_names[id], len) != id ||
        consent__tag_id16(nm, len) != id)
      bad++;
    for (i = 0; i < len; i++) {
      nm[i] ^= 1;
      memcpy(name, nm, 16);
      if (consent__tag_id(name, len) != consent__tag_id16(nm, len))
        bad++;
      nm[i] ^= 1;
    }
    /* Cut short, and grown by a byte ("a": no name of the table is
     * another's with an "a" after it). */
    nm[len - 1] = 0;
    memcpy(name, nm, 16);
    if (consent__tag_id(name, len - 1) != consent__tag_id16(nm, len - 1))
      bad++;
    memcpy(nm, consent__tag_names[id], len);
    if (len < 15) {
      nm[len] = 'a';
      memcpy(name, nm, 16);
      if (consent__tag_id(name, len + 1) != CONSENT__TAG_OTHER ||
          consent__tag_id16(nm, len + 1) != CONSENT__TAG_OTHER)
        bad++;
    }
  }
  tap_ok(bad == 0, "every tag name found by both lookups (%u wrong)", bad);
  bad = 0;
  gen_seed(&g, 7);
  for (k = 0; k < 100000; k++) {
    len = 1 + gen_below(&g, 15);
    memset(nm, 0, sizeof(nm));
    for (i = 0; i < len; i++)
      /* (a third from the letters tag names start with most) */
      nm[i] = (unsigned char)(k % 3 == 0
                                  ? (unsigned)letters[gen_below(&g, 15)]
                                  : 'a' + gen_below(&g, 26));
    memcpy(name, nm, 16);
    id = consent__tag_id(name, len);
    n16 = consent__tag_id16(nm, len);
    if (id != n16 ||
        (id != CONSENT__TAG_OTHER &&
         (strlen(consent__tag_names[id]) != len ||
          memcmp(consent__tag_names[id], name, len) != 0)))
      bad++;
    for (id = 1; id < CONSENT__TAG_COUNT && n16 == CONSENT__TAG_OTHER; id++)
      if (strlen(consent__tag_names[id]) == len &&
          memcmp(consent__tag_names[id], name, len) == 0)
        bad++; /* (a name of the table not found) */
  }
  tap_ok(bad == 0, "100,000 random names: both lookups agree, find only "
     "names of the table and every one of them (%u wrong)", bad);
}

static void
test_rec_tag(void)
{
  static const char *const cases[] = {
    "<img src=a SRC=b src=c alt=x>",
    "<IMG Src=\"https://i.ytimg.com/x.jpg\" WIDTH='1' onLoad=f()>",
    "<img =x ==y a=\"1\"b='2'c=3>",
    "<img src=\"a>b\" alt='c\"d' title=e\"f'g<h=i`j/k>",
    "<img/src=x/ alt=y/>",
    "<br/><br / ><br/ x><input type=image src=//a.b/c />",
    "<img\r\nsrc=a\r alt\r\n=\r\nb\t\f>",
    "<img src alt= title=>",
    "<img a\"b=1 c'd=2 e<f=3>",
    "<img src=a src src=b a=1 a a=2>",
    "<script src=//x.y/z.js async></script><style media=all>p{}</style>",
    "<link rel=preload href=x imagesrcset=\"a 1x\" as=image>",
    "<svg><image href=//i.ytimg.com/a xlink:href=b /></svg>",
    "<math><mi style=x></mi></math><font color=red face=x><b>",
    "<img src=\"&amp;\"><img src=a&amp;b><img alt=\"x\ry\">",
    "<img onclick=\"a\" oncontentvisibilityautostatechange=\"b\" background=c>",
    /* Names that end at each kind of byte, hold a control byte, or run
     * to 15, 16 and 17 bytes (the 16 read at once and past them). */
    "<img\x01 src=a><IMG\tsrc=b><img/src=c><img><img\x0bsrc=d>",
    "<abcdefghijklmno src=a><abcdefghijklmnop src=b>"
    "<abcdefghijklmnopq src=c><Script\fsrc=d></script>",
    "<img src=a x=b", /* the end of the input in the tag */
  };
  size_t i, k;
  static const size_t chunks[] = { 1, 2, 3, 5, 11 };

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *whole = rec_run(cases[i], 0);
    int bad = 0;
    for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
      char *part = rec_run(cases[i], chunks[k]);
      if (strcmp(whole, part) != 0 && bad++ == 0)
        printf("#   whole: %s\n#   in %zu-byte chunks: %s\n", whole,
               chunks[k], part);
      free(part);
    }
    tap_ok(bad == 0 && (whole[0] != 0) == (i + 1 < sizeof(cases) /
                                                     sizeof(cases[0])),
           "recorded tags read whole and in pieces agree: %s", cases[i]);
    free(whole);
  }
}

int
main(void)
{
  test_skip_attrs();
  test_quiet();
  test_rec_tag();
  test_tag_ids();
  test_nul_after_reference();
  test_content_states();
  test_foreign();
  test_spans();
  test_recording();
  test_limits();
  test_crlf();
  test_chunk_invariance();
  test_escaped_script();
  return tap_done();
}
