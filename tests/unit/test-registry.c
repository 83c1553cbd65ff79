/*
 * test-registry.c: the provider registry through the public API: every
 * built-in provider on real embed URLs (as the providers' own embed
 * dialogs and documentation write them), lookalike hosts, and provider
 * files with every kind of error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <consent.h>

#include "tap.h"

struct embed {
  const char *id;
  const char *url;
};

static const struct embed embeds[] = {
  { "youtube", "https://www.youtube.com/embed/dQw4w9WgXcQ?si=abc123" },
  { "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" },
  { "youtube", "https://youtu.be/dQw4w9WgXcQ" },
  { "youtube", "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg" },
  { "youtube", "https://www.youtube.com/iframe_api" },
  { "vimeo", "https://player.vimeo.com/video/76979871?h=8272103f6e" },
  { "vimeo", "https://player.vimeo.com/api/player.js" },
  { "vimeo", "https://i.vimeocdn.com/video/452001751-8216e0ad.jpg" },
  { "dailymotion", "https://www.dailymotion.com/embed/video/x7tgad0" },
  { "dailymotion", "https://geo.dailymotion.com/player.html?video=x8abc" },
  { "dailymotion", "https://dai.ly/x7tgad0" },
  { "twitch", "https://player.twitch.tv/?channel=foo&parent=example.org" },
  { "twitch", "https://clips.twitch.tv/embed?clip=X&parent=example.org" },
  { "twitch", "https://embed.twitch.tv/embed/v1.js" },
  { "tiktok", "https://www.tiktok.com/embed.js" },
  { "tiktok", "https://www.tiktok.com/embed/v2/7106594312292453675" },
  { "x", "https://platform.twitter.com/widgets.js" },
  { "x", "https://pbs.twimg.com/media/Fabc.jpg" },
  { "x", "https://syndication.twitter.com/srv/timeline-profile/x" },
  { "x", "https://x.com/user/status/1861234567890123456" },
  { "instagram", "https://www.instagram.com/embed.js" },
  { "instagram", "//www.instagram.com/embed.js" },
  { "instagram", "https://www.instagram.com/p/C0abcDEFghi/embed" },
  { "instagram", "https://scontent.cdninstagram.com/v/t51.2885-15/x.jpg" },
  { "facebook", "https://www.facebook.com/plugins/post.php?href=x" },
  { "facebook", "https://connect.facebook.net/de_DE/sdk.js#xfbml=1" },
  { "facebook", "https://www.facebook.com/plugins/video.php?href=x" },
  { "facebook", "https://scontent.xx.fbcdn.net/v/x.jpg" },
  { "threads", "https://www.threads.net/embed.js" },
  { "threads", "https://www.threads.com/@user/post/abc/embed" },
  { "linkedin", "https://www.linkedin.com/embed/feed/update/urn:li:share:7" },
  { "linkedin", "https://platform.linkedin.com/in.js" },
  { "linkedin", "https://media.licdn.com/dms/image/x" },
  { "pinterest", "https://assets.pinterest.com/js/pinit.js" },
  { "pinterest", "//assets.pinterest.com/ext/embed.html?id=1" },
  { "pinterest", "https://i.pinimg.com/736x/ab/cd/x.jpg" },
  { "reddit", "https://embed.reddit.com/widgets.js" },
  { "reddit", "https://www.redditmedia.com/r/x/comments/y?ref_source=embed" },
  { "reddit", "https://www.redditstatic.com/comment-embed.js" },
  { "mastodon", "https://mastodon.social/@Gargron/1/embed" },
  { "mastodon", "https://mastodon.social/embed.js" },
  { "bluesky", "https://embed.bsky.app/static/embed.js" },
  { "bluesky", "https://embed.bsky.app/embed/did:plc:x/app.bsky.feed.post/y" },
  { "tumblr", "https://assets.tumblr.com/post.js" },
  { "tumblr", "https://embed.tumblr.com/embed/post/x/1" },
  { "giphy", "https://giphy.com/embed/xT9IgG50Fb7Mi0prBC" },
  { "giphy", "https://media.giphy.com/media/x/giphy.gif" },
  { "imgur", "//s.imgur.com/min/embed.js" },
  { "imgur", "https://i.imgur.com/abc.jpg" },
  { "flickr", "//embedr.flickr.com/assets/client-code.js" },
  { "flickr", "https://live.staticflickr.com/65535/x_b.jpg" },
  { "flickr", "https://flic.kr/p/abc" },
  { "soundcloud",
    "https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/t/1" },
  { "soundcloud", "https://i1.sndcdn.com/artworks-x.jpg" },
  { "spotify", "https://open.spotify.com/embed/episode/4rOoJ6Egrf8K2Irywz" },
  { "spotify", "https://open.spotify.com/embed/track/abc" },
  { "spotify", "https://i.scdn.co/image/abc" },
  { "mixcloud", "https://player-widget.mixcloud.com/widget/iframe/?feed=x" },
  { "mixcloud", "https://www.mixcloud.com/widget/iframe/?feed=x" },
  { "apple-podcasts", "https://embed.podcasts.apple.com/us/podcast/x/id1" },
  { "apple-podcasts", "https://podcasts.apple.com/us/podcast/x/id1" },
  { "google-maps", "https://www.google.com/maps/embed?pb=!1m18!1m12" },
  { "google-maps", "https://maps.google.com/maps?q=x&output=embed" },
  { "google-maps", "https://maps.googleapis.com/maps/api/js?key=x" },
  { "google-maps", "https://maps.gstatic.com/mapfiles/x.png" },
  { "google-maps", "https://maps.app.goo.gl/abc" },
  { "google-maps", "https://www.google.de/maps/embed?pb=x" },
  { "openstreetmap",
    "https://www.openstreetmap.org/export/embed.html?bbox=1,2,3,4" },
  { "openstreetmap", "https://tile.openstreetmap.org/1/2/3.png" },
  { "openstreetmap", "https://a.tile.openstreetmap.fr/hot/1/1/1.png" },
  { "google-fonts", "https://fonts.googleapis.com/css2?family=Roboto" },
  { "google-fonts", "https://fonts.gstatic.com/s/roboto/v30/x.woff2" },
  { "google-analytics", "https://www.googletagmanager.com/gtag/js?id=G-1" },
  { "google-analytics", "https://www.googletagmanager.com/gtm.js?id=GTM-1" },
  { "google-analytics", "https://www.google-analytics.com/analytics.js" },
  { "google-analytics", "https://region1.google-analytics.com/g/collect" },
  { "matomo-cloud", "https://cdn.matomo.cloud/example.matomo.cloud/m.js" },
  { "matomo-cloud", "https://example.matomo.cloud/matomo.php" },
  { "facebook-pixel",
    "https://www.facebook.com/tr?id=1234567890&ev=PageView&noscript=1" },
  { "hotjar", "https://static.hotjar.com/c/hotjar-1.js?sv=6" },
  { "hotjar", "https://script.hotjar.com/modules.abc.js" },
  { "datawrapper", "https://datawrapper.dwcdn.net/AbC12/3/" },
  { "datawrapper", "https://app.datawrapper.de/chart/AbC12" },
  { "flourish", "https://public.flourish.studio/resources/embed.js" },
  { "flourish", "https://flo.uri.sh/visualisation/1/embed" },
  { "infogram", "https://e.infogram.com/abc?src=embed" },
  { "infogram", "https://e.infogram.com/js/dist/embed-loader-min.js" },
  { "slideshare", "https://www.slideshare.net/slideshow/embed_code/key/a" },
  { "slideshare", "https://cdn.slidesharecdn.com/ss_thumbnails/x.jpg" },
  { "scribd", "https://www.scribd.com/embeds/1/content?start_page=1" },
  { "issuu", "https://e.issuu.com/embed.html?d=x&u=y" },
  { "issuu", "https://e.issuu.com/embed.js" },
  { "speakerdeck", "https://speakerdeck.com/player/abc" },
  { "speakerdeck", "//speakerdeck.com/assets/embed.js" },
  { "kickstarter",
    "https://www.kickstarter.com/projects/x/y/widget/video.html" },
  { "typeform", "https://form.typeform.com/to/abc" },
  { "typeform", "//embed.typeform.com/next/embed.js" },
  { "calendly", "https://calendly.com/acme/30min" },
  { "calendly", "https://assets.calendly.com/assets/external/widget.js" },
  { "disqus", "https://example.disqus.com/embed.js" },
  { "disqus", "https://c.disquscdn.com/next/embed/x.js" },
  { "recaptcha", "https://www.google.com/recaptcha/api.js" },
  { "recaptcha",
    "https://www.gstatic.com/recaptcha/releases/x/recaptcha__en.js" },
  { "recaptcha", "https://www.recaptcha.net/recaptcha/api.js" },
  { "google", "https://calendar.google.com/calendar/embed?src=x" },
  { "google", "https://docs.google.com/forms/d/e/x/viewform?embedded=1" },
  { "google", "https://drive.google.com/file/d/x/preview" },
  { "google", "https://lh3.googleusercontent.com/x" },
  { "google-ads",
    "https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js" },
  { "google-ads", "https://securepubads.g.doubleclick.net/tag/js/gpt.js" },
  { "google-ads", "https://www.googletagservices.com/tag/js/gpt.js" },
  { "google-ads", "https://adservice.google.com/adsid/integrator.js" },
  { "tiktok-pixel", "https://analytics.tiktok.com/i18n/pixel/events.js" },
  { "microsoft-clarity", "https://www.clarity.ms/tag/abc" },
  { "deezer", "https://widget.deezer.com/widget/dark/playlist/1" },
  { "deezer", "https://e-cdns-images.dzcdn.net/images/x.jpg" },
  { "bandcamp", "https://bandcamp.com/EmbeddedPlayer/album=1/size=large" },
  { "bandcamp", "https://f4.bcbits.com/img/x.jpg" },
  { "ted", "https://embed.ted.com/talks/x" },
  { "ted", "https://pi.tedcdn.com/r/x.jpg" },
  { "wistia", "https://fast.wistia.net/embed/iframe/abc" },
  { "wistia", "https://fast.wistia.com/assets/external/E-v1.js" },
  { "codepen", "https://codepen.io/x/embed/abc" },
  { "codepen", "https://cpwebassets.codepen.io/assets/embed/ei.js" },
  { "github-gist", "https://gist.github.com/user/abc.js" },
  { "tenor", "https://tenor.com/embed.js" },
  { "tenor", "https://media.tenor.com/x.gif" },
};

/* Hosts that look like a provider's and are not. */
static const char *const lookalikes[] = {
  "https://notyoutube.com/embed/x",
  "https://youtube.com.evil.example/embed/x",
  "https://www.youtube.com.evil.example/embed/x",
  "https://evil-youtube.com/",
  "https://youtube.co/",
  "https://y0utube.com/",
  "https://evil.example/youtube.com/embed",
  "https://evil.example/?u=https://www.youtube.com/",
  "https://youtube.com@evil.example/",
  "https://evil.example#@youtube.com",
  "https://\xD1\x83outube.com/",            /* Cyrillic u */
  "https://xn--outube-vrf.com/",
  "https://fakefacebook.net/sdk.js",
  "https://myspotify.com/",
  "https://spotify.com.mirror.example/",
  "https://gstatic.com.evil.example/recaptcha/api.js",
  "https://www.google.com.evil.example/maps/embed",
  "//twitter.com.evil.example/widgets.js",
  "https://t.co.evil.example/",
  "https://at.co/",
  "https://x.com.au/",
  "https://vimeo.com-embed.example/",
  "/embed/youtube",
  "embed.html",
  "youtube.com/embed/x",
  "javascript:'https://www.youtube.com/'",
  "data:text/html,<iframe src=https://www.youtube.com/embed/x>",
};

static void
test_builtin(consent_registry_t *r)
{
  size_t i, n = consent_registry_count(r), bad = 0;

  tap_ok(n >= 40, "%zu built-in providers (at least 40)", n);
  for (i = 0; i < n; i++) {
    const char *id = consent_registry_id(r, i);
    if (consent_registry_get(r, id, CONSENT_FIELD_NAME) == NULL ||
        consent_registry_get(r, id, CONSENT_FIELD_CATEGORY) == NULL ||
        consent_registry_get(r, id, CONSENT_FIELD_HOSTS) == NULL ||
        consent_registry_get(r, id, CONSENT_FIELD_PRIVACY) == NULL) {
      printf("# %s lacks a field\n", id);
      bad++;
    }
  }
  tap_ok(bad == 0, "every built-in provider has a name, category, hosts "
         "and privacy policy");
  tap_ok(consent_registry_id(r, n) == NULL, "id past the end is NULL");
  tap_ok(strcmp(consent_registry_get(r, "youtube", CONSENT_FIELD_OEMBED),
                "https://www.youtube.com/oembed") == 0,
         "YouTube's oEmbed endpoint");
  tap_ok(consent_registry_get(r, "no-such", CONSENT_FIELD_NAME) == NULL,
         "unknown provider: NULL");
}

static void
test_embeds(consent_registry_t *r)
{
  size_t i, n = sizeof(embeds) / sizeof(embeds[0]), covered = 0, k;

  for (i = 0; i < n; i++) {
    const char *id = NULL;
    consent_registry_match_url(r, embeds[i].url, strlen(embeds[i].url), &id);
    tap_ok(id != NULL && strcmp(id, embeds[i].id) == 0, "%s: %s",
           embeds[i].id, embeds[i].url);
    if (id == NULL || strcmp(id, embeds[i].id) != 0)
      printf("#   got %s\n", id ? id : "(none)");
  }
  for (k = 0; k < consent_registry_count(r); k++) {
    const char *id = consent_registry_id(r, k);
    for (i = 0; i < n; i++)
      if (strcmp(embeds[i].id, id) == 0)
        break;
    if (i < n)
      covered++;
    else
      printf("# no embed URL tested for %s\n", id);
  }
  tap_ok(covered == consent_registry_count(r),
         "every built-in provider is tested with real embed URLs (%zu)",
         covered);
}

static void
test_lookalikes(consent_registry_t *r)
{
  size_t i;

  for (i = 0; i < sizeof(lookalikes) / sizeof(lookalikes[0]); i++) {
    const char *id = NULL;
    consent_registry_match_url(r, lookalikes[i], strlen(lookalikes[i]), &id);
    tap_ok(id == NULL, "no provider: %s", lookalikes[i]);
    if (id != NULL)
      printf("#   got %s\n", id);
  }
}

static const char *
match(consent_registry_t *r, const char *url)
{
  const char *id = NULL;

  consent_registry_match_url(r, url, strlen(url), &id);
  return id ? id : "-";
}

static void
test_provider_file(void)
{
  static const char file[] =
    "# a site's providers\n"
    "[youtube]\n"
    "name = YouTube (our channel)\n"
    "\n"
    "[vimeo]\n"
    "enabled = no\n"
    "\n"
    "[mastodon]\n"
    "hosts += social.example.org, chaos.social\n"
    "\n"
    "[acme-video]\r\n"
    "name = ACME Video\r\n"
    "category = video\r\n"
    "hosts = acme-video.example cdn.acme.example/player\r\n"
    "widgets = div.acme-embed a[data-acme]\r\n"
    "inline = acmeVideo.init(\r\n"
    "privacy = https://acme.example/privacy\r\n";
  consent_registry_t *r;
  size_t before;

  consent_registry_new(&r);
  before = consent_registry_count(r);
  tap_ok(consent_registry_load_buffer(r, file, sizeof(file) - 1,
                                      "site.conf") == CONSENT_OK,
         "a provider file loads: %s", consent_registry_errmsg(r));
  tap_ok(strcmp(consent_registry_get(r, "youtube", CONSENT_FIELD_NAME),
                "YouTube (our channel)") == 0 &&
         strcmp(match(r, "https://youtu.be/x"), "youtube") == 0,
         "an override changes the named field and keeps the others");
  tap_ok(strcmp(match(r, "https://player.vimeo.com/video/1"), "-") == 0 &&
         consent_registry_get(r, "vimeo", CONSENT_FIELD_NAME) == NULL,
         "a disabled provider matches nothing and is not listed");
  tap_ok(strcmp(match(r, "https://social.example.org/@a/1/embed"),
                "mastodon") == 0 &&
         strcmp(match(r, "https://chaos.social/x"), "mastodon") == 0 &&
         strcmp(match(r, "https://mastodon.social/x"), "mastodon") == 0,
         "'hosts +=' adds Mastodon instances");
  tap_ok(strcmp(match(r, "https://www.acme-video.example/e/1"),
                "acme-video") == 0 &&
         strcmp(match(r, "https://cdn.acme.example/player/x.js"),
                "acme-video") == 0 &&
         strcmp(match(r, "https://cdn.acme.example/other.js"), "-") == 0,
         "a new provider with host and host/path patterns");
  tap_ok(consent_registry_count(r) == before,
         "one provider more, one less: %zu", consent_registry_count(r));
  consent_registry_free(r);
}

struct bad_file {
  const char *text;
  const char *message;
};

static const struct bad_file bad_files[] = {
  { "[youtube]\nnmae = x\n", "bad.conf:2: unknown key 'nmae'" },
  { "[youtube]\njust words\n", "bad.conf:2: expected 'key = value'" },
  { "name = x\n", "bad.conf:1: 'key = value' before the first" },
  { "[You Tube]\n", "bad.conf:1: 'You Tube' is not a provider id" },
  { "[x\n", "bad.conf:1: a section is '[provider-id]'" },
  { "[a]\ncategory = vid\n", "bad.conf:2: category: 'vid' is none of" },
  { "[a]\nname = A\ninline = x\n", "bad.conf:3: inline: a signature of one byte" },
  { "[a]\nhosts = localhost\n", "bad.conf:2: hosts: 'localhost' is not" },
  { "[a]\nhosts = a..b\n", "bad.conf:2: hosts: 'a..b' is not" },
  { "[a]\nwidgets = .cls\n", "bad.conf:2: widgets: '.cls' is not" },
  { "[a]\nwidgets = div[id^]\n", "bad.conf:2: widgets: 'div[id^]' is not" },
  { "[a]\nwidgets = div[^=x]\n", "bad.conf:2: widgets: 'div[^=x]' is not" },
  { "[a]\nwidgets = div[id=]\n", "bad.conf:2: widgets: 'div[id=]' is not" },
  { "[a]\nwidgets = div[id=\"x\"]\n", "bad.conf:2: widgets: 'div[id=\"x\"]' is not" },
  { "[a]\nprivacy = ftp://x\n", "bad.conf:2: privacy: 'ftp://x' is not" },
  { "[a]\ncode = 0\n", "bad.conf:2: code: '0' is not a number" },
  { "[a]\ncode = 1\n", "providers [youtube] and [a] have the same code" },
  { "[a]\nname += x\n", "bad.conf:2: '+=' works for hosts" },
  { "[a]\nenabled = maybe\n", "bad.conf:2: enabled: 'maybe' is not" },
  { "[a]\n= x\n", "bad.conf:2: a key is missing" },
  { "[a]\nname = \n", "bad.conf:2: name: 1 to 128 bytes" },
};

static void
test_bad_files(void)
{
  consent_registry_t *r;
  size_t i;
  char *big;

  consent_registry_new(&r);
  for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
    consent_status st = consent_registry_load_buffer(r, bad_files[i].text,
        strlen(bad_files[i].text), "bad.conf");
    tap_ok(st == CONSENT_E_PARSE &&
           strstr(consent_registry_errmsg(r), bad_files[i].message) != NULL,
           "error named: %s", bad_files[i].message);
    if (strstr(consent_registry_errmsg(r), bad_files[i].message) == NULL)
      printf("#   got: %s\n", consent_registry_errmsg(r));
  }
  tap_ok(consent_registry_load_buffer(r, "[a]\nname = x\0y\n", 15,
                                      "nul.conf") == CONSENT_E_PARSE &&
         strstr(consent_registry_errmsg(r), "NUL byte") != NULL,
         "a NUL byte is refused");
  big = malloc((1 << 20) + 2);
  memset(big, '#', (1 << 20) + 1);
  tap_ok(consent_registry_load_buffer(r, big, (1 << 20) + 1, "big.conf") ==
         CONSENT_E_PARSE && strstr(consent_registry_errmsg(r), "1 MiB"),
         "a file over 1 MiB is refused");
  memset(big, 'a', 5000);
  big[0] = '#';
  tap_ok(consent_registry_load_buffer(r, big, 5000, "long.conf") ==
         CONSENT_E_PARSE && strstr(consent_registry_errmsg(r), "4096"),
         "a line over 4096 bytes is refused");
  free(big);
  /* Nothing of a file with an error is kept. */
  tap_ok(consent_registry_load_buffer(r, "[youtube]\nenabled = no\n[z]\n"
                                      "oops = 1\n", 34, "half.conf") ==
         CONSENT_E_PARSE &&
         strcmp(match(r, "https://youtu.be/x"), "youtube") == 0,
         "a file with an error changes nothing");
  tap_ok(consent_registry_load_file(r, "/nonexistent/providers.conf") ==
         CONSENT_E_IO && strstr(consent_registry_errmsg(r),
                                "/nonexistent/providers.conf: No such"),
         "a missing file: E_IO naming the file");
  consent_registry_free(r);
}

static void
test_empty_and_categories(void)
{
  consent_registry_t *r;
  consent_category c;

  consent_registry_new_empty(&r);
  tap_ok(consent_registry_count(r) == 0 &&
         strcmp(match(r, "https://youtu.be/x"), "-") == 0,
         "an empty registry matches nothing");
  consent_registry_free(r);
  tap_ok(strcmp(consent_category_name(CONSENT_CATEGORY_MAPS), "maps") == 0
         && consent_category_name((consent_category)99) == NULL,
         "category names");
  tap_ok(consent_category_from_name("fonts", 5, &c) == CONSENT_OK &&
         c == CONSENT_CATEGORY_FONTS &&
         consent_category_from_name("font", 4, &c) == CONSENT_E_NOTFOUND,
         "categories by name");
  tap_ok(consent_registry_new(NULL) == CONSENT_E_INVAL &&
         consent_registry_count(NULL) == 0,
         "NULL arguments are refused");
}

int
main(void)
{
  consent_registry_t *r;

  if (consent_registry_new(&r) != CONSENT_OK) {
    printf("Bail out! the built-in providers do not load\n");
    return 1;
  }
  test_builtin(r);
  test_embeds(r);
  test_lookalikes(r);
  consent_registry_free(r);
  test_provider_file();
  test_bad_files();
  test_empty_and_categories();
  return tap_done();
}
