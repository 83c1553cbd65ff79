/*
 * test-url.c: reading the host of a URL as a browser does.
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "url.h"

struct url_case {
  const char *url;
  int kind;             /* enum consent__url_kind */
  const char *host;     /* when kind is HOST */
  const char *path;     /* when not NULL */
};

static const struct url_case cases[] = {
  { "https://www.youtube.com/embed/abc", CONSENT__URL_HOST,
    "www.youtube.com", "/embed/abc" },
  { "http://YouTube.COM", CONSENT__URL_HOST, "youtube.com", "/" },
  { "//player.vimeo.com/video/1", CONSENT__URL_HOST, "player.vimeo.com",
    "/video/1" },
  { "\\\\player.vimeo.com\\video\\1", CONSENT__URL_HOST, "player.vimeo.com",
    "/video/1" },
  { "https:\\\\www.youtube.com\\embed", CONSENT__URL_HOST,
    "www.youtube.com", "/embed" },
  { "https:////www.youtube.com/x", CONSENT__URL_HOST, "www.youtube.com",
    "/x" },
  { "https:www.youtube.com/x", CONSENT__URL_HOST, "www.youtube.com", "/x" },
  { "  \t https://www.youtube.com/x \n", CONSENT__URL_HOST,
    "www.youtube.com", "/x" },
  { "\x01\x1f https://youtu.be/x", CONSENT__URL_HOST, "youtu.be", "/x" },
  { "ht\ttps://you\ntube.c\rom/x", CONSENT__URL_HOST, "youtube.com", "/x" },
  { "https://user:pass@www.youtube.com:8443/x", CONSENT__URL_HOST,
    "www.youtube.com", "/x" },
  { "https://youtube.com@evil.example/x", CONSENT__URL_HOST, "evil.example",
    "/x" },
  { "https://evil.example\\@youtube.com/", CONSENT__URL_HOST, "evil.example",
    "/@youtube.com/" },
  { "https://evil.example#@youtube.com", CONSENT__URL_HOST, "evil.example",
    "/" },
  { "https://evil.example?x=youtube.com", CONSENT__URL_HOST, "evil.example",
    "/" },
  { "https://www.youtube.com./x", CONSENT__URL_HOST, "www.youtube.com",
    "/x" },
  { "https://you%74ube.com/x", CONSENT__URL_HOST, "youtube.com", "/x" },
  { "https://www.google.com/m%61ps/embed", CONSENT__URL_HOST,
    "www.google.com", "/maps/embed" },
  { "https://\xEF\xBD\x99\xEF\xBD\x8F\xEF\xBD\x95\xEF\xBD\x94\xEF\xBD\x95"
    "\xEF\xBD\x82\xEF\xBD\x85.com/", CONSENT__URL_HOST, "youtube.com", "/" },
  { "https://youtube\xE3\x80\x82" "com/x", CONSENT__URL_HOST, "youtube.com",
    "/x" },
  { "https://youtube\xEF\xBC\x8E" "com/x", CONSENT__URL_HOST, "youtube.com",
    "/x" },
  { "https://b\xC3\xBC" "cher.example/", CONSENT__URL_HOST,
    "xn--bcher-kva.example", "/" },
  { "https://m\xC3\xBCnchen.de/", CONSENT__URL_HOST, "xn--mnchen-3ya.de",
    "/" },
  { "https://\xD1\x83outube.com/", CONSENT__URL_HOST, "xn--outube-vrf.com",
    "/" },
  { "https://XN--BCHER-KVA.example/", CONSENT__URL_HOST,
    "xn--bcher-kva.example", "/" },
  { "https://\xE4\xBE\x8B\xE5\xAD\x90.\xE6\xB5\x8B\xE8\xAF\x95/",
    CONSENT__URL_HOST, "xn--fsqu00a.xn--0zwm56d", "/" },
  { "wss://live.example.com/socket", CONSENT__URL_HOST, "live.example.com",
    "/socket" },
  { "/embed/local", CONSENT__URL_NONE, NULL, NULL },
  { "embed/local", CONSENT__URL_NONE, NULL, NULL },
  { "youtube.com/embed/x", CONSENT__URL_NONE, NULL, NULL },
  { "?q=1", CONSENT__URL_NONE, NULL, NULL },
  { "#top", CONSENT__URL_NONE, NULL, NULL },
  { "", CONSENT__URL_NONE, NULL, NULL },
  { "javascript:alert(1)", CONSENT__URL_NONE, NULL, NULL },
  { "data:text/html,<iframe src=//youtube.com>", CONSENT__URL_NONE, NULL,
    NULL },
  { "mailto:a@youtube.com", CONSENT__URL_NONE, NULL, NULL },
  { "about:blank", CONSENT__URL_NONE, NULL, NULL },
  { "https://[::1]/x", CONSENT__URL_BAD_HOST, NULL, NULL },
  { "https:///", CONSENT__URL_BAD_HOST, NULL, NULL },
  { "https://exa%zzmple.com/", CONSENT__URL_BAD_HOST, NULL, NULL },
  { "https://a%00b.com/", CONSENT__URL_BAD_HOST, NULL, NULL },
  { "https://a b.com/", CONSENT__URL_BAD_HOST, NULL, NULL },
};

int
main(void)
{
  size_t i;
  char longhost[600];

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const struct url_case *c = &cases[i];
    struct consent__url u;
    int kind = (int)consent__url_parse(c->url, strlen(c->url), &u);
    int ok = kind == c->kind;

    if (ok && c->host != NULL)
      ok = strcmp(u.host, c->host) == 0 && u.host_len == strlen(c->host);
    if (ok && c->path != NULL)
      ok = strcmp(u.path, c->path) == 0;
    tap_ok(ok, "url case %zu", i + 1);
    if (!ok)
      printf("#   kind %d (want %d), host '%s' (want '%s'), path '%s' "
             "(want '%s')\n", kind, c->kind, u.host,
             c->host ? c->host : "", u.path, c->path ? c->path : "");
  }

  memset(longhost, 'a', sizeof(longhost));
  memcpy(longhost, "https://", 8);
  longhost[sizeof(longhost) - 1] = '\0';
  {
    struct consent__url u;
    tap_ok(consent__url_parse(longhost, strlen(longhost), &u) ==
           CONSENT__URL_BAD_HOST, "a host longer than 253 bytes is bad");
  }
  {
    char out[CONSENT__HOST_MAX + 1];
    size_t n;
    tap_ok(consent__host_normalize("Mastodon.Social", 15, out, &n) == 0 &&
           strcmp(out, "mastodon.social") == 0,
           "host patterns are normalized the same way");
    tap_ok(consent__host_normalize("a..b", 4, out, &n) != 0 &&
           consent__host_normalize(".", 1, out, &n) != 0,
           "empty labels are not host names");
  }
  return tap_done();
}
