/*
 * consent-gate: the command-line filter.  Reads HTML from a file or from
 * standard input and writes the gated page to standard output.  Uses the
 * public header only.  This file: the usage text, main() and the helpers
 * every command shares (tool.h); the commands are in tool-*.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

const char *progname = "consent-gate";

void
usage(FILE *f)
{
  fprintf(f,
"Usage: %s [OPTIONS] [FILE]\n"
"       %s key new --key-file FILE\n"
"       %s cookie issue --key-file FILE --allow IDS [OPTIONS]\n"
"       %s cookie verify --key-file FILE [OPTIONS] VALUE\n"
"       %s providers [--providers FILE] [--json]\n"
"       %s match [--providers FILE] URL...\n"
"       %s assets DIR\n"
"       %s tcf TC_STRING\n"
"       %s banner SOURCE VALUE [--providers FILE]\n"
"\n"
"Reads HTML from FILE (standard input when FILE is absent or \"-\") and\n"
"writes it to standard output with every third-party embed the visitor\n"
"has not consented to replaced by a placeholder.  (A file called like a\n"
"command is given as ./key, ./cookie, ...)\n"
"\n"
"Options:\n"
"  -o, --output FILE       write to FILE instead of standard output\n"
"      --in-place DIR      rewrite every *.html and *.htm under DIR in\n"
"                          place (each file replaced atomically)\n"
"      --providers FILE    providers to add, override or disable\n"
"      --no-providers      gate nothing (the page passes through)\n"
"      --lang TAG          placeholder language (de en es fr it nl pl)\n"
"      --accept-language H pick the language from an Accept-Language\n"
"      --texts FILE        placeholder texts per language\n"
"      --template FILE     the HTML inside each placeholder\n"
"      --notice-template FILE  the HTML inside the consent notice\n"
"      --privacy-url URL   the site's privacy policy\n"
"      --endpoint URL      the consent endpoint (no-JS forms post to it)\n"
"      --return-path PATH  where the endpoint sends the visitor back\n"
"      --script MODE       inline (default), url or none\n"
"      --script-url URL    --css-url URL   (with --script url)\n"
"      --nonce NONCE       CSP nonce of the inlined script and style\n"
"      --cache-safe        same output for every visitor; the script\n"
"                          restores what the visitor allowed\n"
"      --guard             the runtime guard first in <head>: stops what\n"
"                          the page's scripts compute before consent\n"
"      --no-notice         no consent notice for blocked trackers and\n"
"                          fonts (on by default)\n"
"      --google-consent-mode  Google Consent Mode v2: the consent default\n"
"                          before the first Google tag\n"
"      --allow-provider ID allowed without consent (repeatable)\n"
"      --cookie VALUE      the visitor's consent cookie (needs\n"
"                          --key-file; --policy-version N)\n"
"      --cookie-header H   the visitor's whole Cookie header: the site's\n"
"                          cookie and consent banners' cookies\n"
"      --sources LIST      consent sources (default \"cookie gpc\"; also\n"
"                          tcf klaro cookiebot onetrust cc_cookie borlabs)\n"
"      --gpc               the visitor sends Sec-GPC: 1\n"
"      --gpc-categories L  categories GPC refuses (default marketing)\n"
"      --previews DIR      show oEmbed previews (title, thumbnail) from the\n"
"                          cache folder DIR; misses are queued\n"
"      --preview-url P     the URL path DIR is served under\n"
"                          (default /consent-previews/)\n"
"      --fetch-previews    then fetch what is queued (libcurl; for cron)\n"
"      --preview-limit N=V cache_bytes ttl error_ttl concurrency timeout_ms\n"
"                          max_json max_image\n"
"      --ca-file F  --resolve HOST:PORT:ADDR  --trust-address IP\n"
"                          for fetching from private mirrors and tests\n"
"      --report FILE       the embeds found, as JSON (- for stderr)\n"
"      --decode ENC        the input is gzip, deflate, br or zstd\n"
"      --encode ENC        compress the output (gzip, deflate, br, zstd)\n"
"      --content-type T    the page's Content-Type (its charset: utf-16 is\n"
"                          read as such; utf-8 keeps ESC bytes)\n"
"      --http              the input is a whole HTTP/1.x response (as\n"
"                          curl -si prints it): pass, refuse (502) or gate\n"
"                          it with the headers a server module sends\n"
"      --method M          the request's method (HEAD: no body)\n"
"      --max-buffer N      the most bytes held for one embed (default\n"
"                          1048576, at least 4096); past it the embed is\n"
"                          replaced, never let through\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Commands:\n"
"  key new         add a new signing key to a key file (create it, mode\n"
"                  0600); the newest key signs, every key verifies\n"
"  cookie issue    print a signed consent cookie value\n"
"      --allow IDS, --deny IDS   providers (or category:NAME), comma-\n"
"                                separated\n"
"      --policy-version N  --max-age SECONDS  --receipt (receipt JSON to\n"
"      stderr)  --set-cookie (print a Set-Cookie header value)\n"
"      --cookie-name NAME  --domain DOMAIN\n"
"  cookie verify   print the consent a cookie value carries, as JSON, or\n"
"                  why it is rejected (exit 1); VALUE - reads stdin;\n"
"                  --header: VALUE is a whole Cookie header\n"
"  providers       list the providers (built-in and --providers FILE)\n"
"  match           print the provider each URL belongs to\n"
"  assets DIR      write consent.js, consent.css and guard.js to DIR (for\n"
"                  --script url)\n"
"  tcf             decode an IAB TCF v2.2 TC string (core segment) as\n"
"                  JSON, or say why it is malformed (exit 1)\n"
"  banner          the providers a consent banner's cookie VALUE allows\n"
"                  and refuses (SOURCE: tcf klaro cookiebot onetrust\n"
"                  cc_cookie borlabs), as JSON\n"
"Common: --providers FILE, --key-file FILE, --now SECONDS (for tests)\n"
"\n"
"Exit status: 0 on success, 1 when a file cannot be read or written or\n"
"a cookie is rejected, 2 on a usage error.\n", progname, progname,
          progname, progname, progname, progname, progname, progname,
          progname);
}

int
sink(const char *buf, size_t len, void *ud)
{
  struct out *o = ud;

  if (fwrite(buf, 1, len, o->f) != len) {
    o->err = errno ? errno : EIO;
    return 1;
  }
  return 0;
}

int
parse_size(const char *s, size_t *out)
{
  char *end;
  unsigned long long v;

  if (*s == '\0' || *s == '-')
    return -1;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v > (size_t)-1)
    return -1;
  *out = (size_t)v;
  return 0;
}

/* fmt is a literal of this file with one %s. */
int
usage_error(const char *fmt, const char *arg)
{
  fprintf(stderr, "%s: ", progname);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  fprintf(stderr, fmt, arg);
#pragma GCC diagnostic pop
  fprintf(stderr, "\nTry '%s --help' for more information.\n", progname);
  return EXIT_USAGE;
}

int
parse_ll(const char *s, long long *out)
{
  char *end;

  errno = 0;
  *out = strtoll(s, &end, 10);
  return errno != 0 || end == s || *end != '\0' ? -1 : 0;
}

/* --policy-version N: 0 to 2^32-1.  Returns 0, or -1 after a message. */
int
parse_policy(const char *s, long long *out)
{
  if (parse_ll(s, out) == 0 && *out >= 0 &&
      *out <= (long long)CONSENT_POLICY_VERSION_MAX)
    return 0;
  usage_error("--policy-version: '%s' is not a number from 0 to "
              "4294967295 (CONSENT_POLICY_VERSION_MAX)", s);
  return -1;
}

/* Loads what the options name: the registry always, the key ring when
 * want_ring.  Returns 0, or an exit status. */
int
load_common(struct common *c, int want_ring)
{
  consent_status st = consent_registry_new(&c->registry);
  char *msg = NULL;

  if (st != CONSENT_OK) {
    fprintf(stderr, "%s: %s\n", progname, consent_strerror(st));
    return 1;
  }
  if (c->providers != NULL &&
      consent_registry_load_file(c->registry, c->providers) != CONSENT_OK) {
    fprintf(stderr, "%s: %s\n", progname,
            consent_registry_errmsg(c->registry));
    return 1;
  }
  if (!want_ring)
    return 0;
  if (c->key_file == NULL)
    return usage_error("%s", "--key-file FILE is needed");
  st = consent_keyring_load_file(c->key_file, &c->ring, &msg);
  if (st != CONSENT_OK) {
    fprintf(stderr, "%s: %s\n", progname, msg ? msg : consent_strerror(st));
    consent_free(msg);
    return 1;
  }
  return 0;
}

void
free_common(struct common *c)
{
  consent_keyring_free(c->ring);
  consent_registry_free(c->registry);
}

/* getopt_long for the options every command shares; returns -2 when
 * the option was one of them (handled), -3 on a bad value. */
int
common_option(struct common *c, int opt)
{
  switch (opt) {
  case 'P':
    c->providers = optarg;
    return -2;
  case 'K':
    c->key_file = optarg;
    return -2;
  case 'N':
    if (parse_ll(optarg, &c->now) != 0 || c->now < 0) {
      usage_error("--now: '%s' is not a number of seconds", optarg);
      return -3;
    }
    return -2;
  default:
    return opt;
  }
}

int
main(int argc, char **argv)
{
  if (argc > 0 && argv[0] != NULL && strrchr(argv[0], '/') != NULL)
    progname = strrchr(argv[0], '/') + 1;
  else if (argc > 0 && argv[0] != NULL)
    progname = argv[0];
  if (argc > 1 && strcmp(argv[1], "key") == 0)
    return cmd_key(argc - 1, argv + 1);
  if (argc > 1 && strcmp(argv[1], "cookie") == 0) {
    if (argc > 2 && strcmp(argv[2], "issue") == 0)
      return cmd_cookie_issue(argc - 1, argv + 1);
    if (argc > 2 && strcmp(argv[2], "verify") == 0)
      return cmd_cookie_verify(argc - 1, argv + 1);
    return usage_error("%s", "usage: cookie issue|verify ...");
  }
  if (argc > 1 && strcmp(argv[1], "tcf") == 0)
    return cmd_tcf(argc - 1, argv + 1);
  if (argc > 1 && strcmp(argv[1], "banner") == 0)
    return cmd_banner(argc - 1, argv + 1);
  if (argc > 1 && strcmp(argv[1], "providers") == 0)
    return cmd_providers(argc - 1, argv + 1, 0);
  if (argc > 1 && strcmp(argv[1], "match") == 0)
    return cmd_providers(argc - 1, argv + 1, 1);
  if (argc > 1 && strcmp(argv[1], "assets") == 0)
    return cmd_assets(argc - 1, argv + 1);
  return cmd_gate(argc, argv);
}
