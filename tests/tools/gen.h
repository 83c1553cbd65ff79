/*
 * gen.h: deterministic generators of random HTML for the tests and the
 * benchmark.  gen_garbage() makes byte soup weighted towards markup
 * characters; gen_page() makes a page that looks like an article, with
 * nested elements, attributes, comments, scripts and embeds.
 */
#ifndef HEADER_CONSENT_GEN_H
#define HEADER_CONSENT_GEN_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct gen {
  uint64_t s;
};

static inline uint64_t
gen_next(struct gen *g)
{
  uint64_t x = g->s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return g->s = x;
}

static inline unsigned
gen_below(struct gen *g, unsigned n)
{
  return (unsigned)(gen_next(g) % n);
}

static inline void
gen_seed(struct gen *g, uint64_t seed)
{
  g->s = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
  if (g->s == 0)
    g->s = 1;
  gen_next(g);
}

/* Byte soup: markup characters, keywords, NUL, CR, bytes >= 0x80. */
static inline size_t
gen_garbage(struct gen *g, char *out, size_t n)
{
  static const char *const words[] = {
    "<", ">", "</", "/>", "<!--", "-->", "--!>", "<!", "<?", "&", "&amp;",
    "&#x", "&#", ";", "=", "\"", "'", " ", "\n", "\r\n", "\r", "\t",
    "<script>", "</script>", "<!--<script>", "<style>", "</style>",
    "<textarea>", "</textarea>", "<title>", "<iframe src=", "</iframe>",
    "<noscript>", "</noscript>", "<plaintext>", "<svg>", "</svg>",
    "<math>", "<![CDATA[", "]]>", "<!DOCTYPE html PUBLIC \"x\" '", "a", "b",
    "div", "&notin", "&not", "&ampx", "`", "\xEF\xBF\xBD", "\xC3", "\x80",
    "\xF0\x9F\x98", "<a href=x>", "<img src=//youtube.com/x>", "-",
  };
  size_t o = 0;

  while (o < n) {
    unsigned r = gen_below(g, 100);
    if (r < 70) {
      const char *w = words[gen_below(g, sizeof(words) / sizeof(*words))];
      size_t l = strlen(w);
      if (l > n - o)
        l = n - o;
      memcpy(out + o, w, l);
      o += l;
    } else if (r < 95) {
      out[o++] = (char)('a' + gen_below(g, 26));
    } else {
      out[o++] = (char)gen_below(g, 256);
    }
  }
  return o;
}

/* A page of about n bytes (it may run a little longer). */
static inline size_t
gen_page(struct gen *g, char *out, size_t n)
{
  static const char *const blocks[] = {
    "<p>Lorem ipsum dolor sit amet, <a href=\"/news/%u\">consectetur</a> "
    "adipiscing elit &amp; sed do eiusmod tempor incididunt.</p>\n",
    "<div class=\"teaser teaser--%u\" data-id=\"%u\"><h2>Headline %u</h2>"
    "<span class='kicker'>Politics</span></div>\n",
    "<ul class=\"list\"><li><a href=\"/a/%u\">One</a></li><li>Two &gt; "
    "three</li></ul>\n",
    "<!-- block %u -->\n",
    "<script>window.dataLayer=window.dataLayer||[];if(a<%u&&b>2){x()}"
    "</script>\n",
    "<iframe width=\"560\" height=\"315\" src=\"https://www.youtube.com/"
    "embed/v%u\" allowfullscreen></iframe>\n",
    "<blockquote class=\"twitter-tweet\"><p lang=\"en\">Tweet %u</p>"
    "</blockquote><script async src=\"https://platform.twitter.com/"
    "widgets.js\" charset=\"utf-8\"></script>\n",
    "<img src=\"/img/%u.jpg\" alt=\"Photo\" width=800 height=600 "
    "loading=lazy>\n",
    "<style>.x%u{color:red}</style>\n",
    "<table><tr><td>%u</td><td>&euro; 12,00</td></tr></table>\n",
  };
  size_t o = 0;
  int k;

  k = snprintf(out, n, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
               "charset=\"utf-8\"><title>Article</title></head><body>\n");
  o = k > 0 && (size_t)k < n ? (size_t)k : 0;
  while (o + 512 < n) {
    unsigned r = gen_below(g, 100), v = gen_below(g, 100000);
    const char *b = blocks[r < 40 ? 0 : r < 55 ? 1 : r < 65 ? 2 :
                           r < 72 ? 3 : r < 78 ? 4 : r < 82 ? 5 :
                           r < 85 ? 6 : r < 93 ? 7 : r < 96 ? 8 : 9];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    k = snprintf(out + o, n - o, b, v, v, v);
#pragma GCC diagnostic pop
    if (k < 0 || (size_t)k >= n - o)
      break;
    o += (size_t)k;
  }
  k = snprintf(out + o, n - o, "</body></html>\n");
  if (k > 0 && (size_t)k < n - o)
    o += (size_t)k;
  return o;
}

/* An article of about n bytes with 3 to 8 embeds of real providers (the
 * embed-heavy corpus of the benchmark); with plain set, the same article
 * with no embed at all (head resources of its own origin): a page the
 * gate passes through unchanged. */
static inline size_t
gen_article_as(struct gen *g, char *out, size_t n, int plain)
{
  static const char *const embeds[] = {
    "<figure><iframe width=\"560\" height=\"315\" src=\"https://www.youtube"
    "-nocookie.com/embed/v%u\" title=\"YouTube video player\" frameborder="
    "\"0\" allow=\"accelerometer; autoplay; clipboard-write; encrypted-medi"
    "a; gyroscope; picture-in-picture\" allowfullscreen></iframe></figure>\n",
    "<blockquote class=\"twitter-tweet\"><p lang=\"en\" dir=\"ltr\">Update "
    "%u: the river is falling.</p>&mdash; Regional Water (@RegionalWater) "
    "<a href=\"https://twitter.com/RegionalWater/status/1861%u\">November "
    "28, 2026</a></blockquote> <script async src=\"https://platform.twitt"
    "er.com/widgets.js\" charset=\"utf-8\"></script>\n",
    "<blockquote class=\"instagram-media\" data-instgrm-permalink=\"https://"
    "www.instagram.com/p/C%u/\" data-instgrm-version=\"14\"><a href=\"https"
    "://www.instagram.com/p/C%u/\">View this post on Instagram</a></blockqu"
    "ote>\n<script async src=\"//www.instagram.com/embed.js\"></script>\n",
    "<iframe src=\"https://www.google.com/maps/embed?pb=!1m18!1m12!%u\" widt"
    "h=\"600\" height=\"450\" style=\"border:0;\" allowfullscreen=\"\" loadi"
    "ng=\"lazy\"></iframe>\n",
    "<iframe style=\"border-radius:12px\" src=\"https://open.spotify.com/emb"
    "ed/episode/%u\" width=\"100%%\" height=\"152\" frameBorder=\"0\" allow"
    "=\"autoplay; clipboard-write; encrypted-media\" loading=\"lazy\"></ifr"
    "ame>\n",
    "<div style=\"padding:56.25%% 0 0 0;position:relative;\"><iframe src=\"h"
    "ttps://player.vimeo.com/video/%u\" style=\"position:absolute;top:0;lef"
    "t:0;width:100%%;height:100%%;\" allow=\"autoplay; fullscreen\"></ifram"
    "e></div>\n",
    "<iframe title=\"Chart %u\" src=\"https://datawrapper.dwcdn.net/Ab%u/1/\""
    " scrolling=\"no\" frameborder=\"0\" height=\"400\"></iframe>\n",
    "<iframe width=\"100%%\" height=\"166\" scrolling=\"no\" frameborder=\"n"
    "o\" src=\"https://w.soundcloud.com/player/?url=https%%3A//api.soundclo"
    "ud.com/tracks/%u\"></iframe>\n",
  };
  static const char *const para =
    "<p>The new flood wall along the east bank held through the night as "
    "the river rose to 5.42&nbsp;m, the highest level since records began. "
    "Residents of the <a href=\"/local/%u\">lower town</a>, who had been "
    "told to move valuables upstairs, woke to <em>dry</em> streets.</p>\n";
  size_t o = 0, target_embeds = 3 + gen_below(g, 6), done = 0;
  int k;

  if (plain)
    target_embeds = 0;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  k = snprintf(out, n, plain ?
               "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
               "charset=\"utf-8\"><title>Article %u</title><link rel=\"sty"
               "lesheet\" href=\"/fonts/merriweather.css?v=%u\"><script as"
               "ync src=\"/js/site.js\"></script><link rel=\"stylesheet\" "
               "href=\"/site.css\"></head><body><header><nav><ul><li><a hr"
               "ef=\"/\">Home</a></li><li><a href=\"/local/\">Local</a></li>"
               "</ul></nav></header><main><article><h1>Headline</h1>\n" :
               "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
               "charset=\"utf-8\"><title>Article %u</title><link rel=\"sty"
               "lesheet\" href=\"https://fonts.googleapis.com/css2?family=Me"
               "rriweather\"><script async src=\"https://www.googletagmanage"
               "r.com/gtag/js?id=G-%u\"></script><link rel=\"stylesheet\" "
               "href=\"/site.css\"></head><body><header><nav><ul><li><a hr"
               "ef=\"/\">Home</a></li><li><a href=\"/local/\">Local</a></li>"
               "</ul></nav></header><main><article><h1>Headline</h1>\n",
               gen_below(g, 1000), gen_below(g, 1000));
  o = k > 0 && (size_t)k < n ? (size_t)k : 0;
  while (o + 1024 < n) {
    const char *b;
    size_t remaining = n - o;
    if (done < target_embeds &&
        gen_below(g, (unsigned)(remaining / 2048 + 1)) <
        target_embeds - done) {
      b = embeds[gen_below(g, sizeof(embeds) / sizeof(*embeds))];
      done++;
    } else {
      b = para;
    }
    k = snprintf(out + o, n - o, b, gen_below(g, 100000),
                 gen_below(g, 100000));
    if (k < 0 || (size_t)k >= n - o)
      break;
    o += (size_t)k;
  }
  k = snprintf(out + o, n - o, "</article></main><footer><p>&copy; 2026 "
               "<a href=\"/privacy\">Privacy</a></p></footer></body></html>"
               "\n");
#pragma GCC diagnostic pop
  if (k > 0 && (size_t)k < n - o)
    o += (size_t)k;
  return o;
}

static inline size_t
gen_article(struct gen *g, char *out, size_t n)
{
  return gen_article_as(g, out, n, 0);
}

#endif /* HEADER_CONSENT_GEN_H */
