/*
 * consent-gate: the command-line filter.  Reads HTML from a file or from
 * standard input and writes the gated page to standard output.  Uses the
 * public header only.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <consent.h>

#define EXIT_USAGE 2
#define CHUNK (64 * 1024)
#define HTTP_MAX_HEAD (64 * 1024)
#define HTTP_MAX_FIELDS 128

static const char *progname = "consent-gate";

static void
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

struct out {
  FILE *f;
  const char *name;
  int err;
};

static int
sink(const char *buf, size_t len, void *ud)
{
  struct out *o = ud;

  if (fwrite(buf, 1, len, o->f) != len) {
    o->err = errno ? errno : EIO;
    return 1;
  }
  return 0;
}

static int
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

/* ------------------------------------------------------------------ */
/* Commands of the consent model                                       */

struct common {
  const char *providers;
  const char *key_file;
  long long now;
  consent_registry_t *registry;
  consent_keyring_t *ring;
};

/* fmt is a literal of this file with one %s. */
static int
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

static int
parse_ll(const char *s, long long *out)
{
  char *end;

  errno = 0;
  *out = strtoll(s, &end, 10);
  return errno != 0 || end == s || *end != '\0' ? -1 : 0;
}

/* --policy-version N: 0 to 2^32-1.  Returns 0, or -1 after a message. */
static int
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
static int
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

static void
free_common(struct common *c)
{
  consent_keyring_free(c->ring);
  consent_registry_free(c->registry);
}

/* getopt_long for the options every command shares; returns -2 when
 * the option was one of them (handled), -3 on a bad value. */
static int
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

#define COMMON_OPTIONS                                  \
  { "providers", required_argument, NULL, 'P' },        \
  { "key-file", required_argument, NULL, 'K' },         \
  { "now", required_argument, NULL, 'N' }

/* tcf TC_STRING */
static int
cmd_tcf(int argc, char **argv)
{
  char *json = NULL, *msg = NULL;
  consent_status st;

  if (argc != 2)
    return usage_error("%s", "usage: tcf TC_STRING");
  st = consent_tcf_decode(argv[1], strlen(argv[1]), &json, &msg);
  if (st != CONSENT_OK) {
    fprintf(stderr, "%s: %s%s%s\n", progname, consent_strerror(st),
            msg ? ": " : "", msg ? msg : "");
    consent_free(msg);
    return 1;
  }
  printf("%s\n", json);
  consent_free(json);
  return 0;
}

/* banner SOURCE VALUE */
static int
cmd_banner(int argc, char **argv)
{
  static const struct option longopts[] = {
    COMMON_OPTIONS,
    { NULL, 0, NULL, 0 }
  };
  struct common c = { 0 };
  consent_state_t *state = NULL;
  unsigned source = 0;
  char *msg = NULL, *json = NULL;
  consent_status st;
  int opt, rc;

  optind = 1;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1)
    if (common_option(&c, opt) != -2)
      return EXIT_USAGE;
  if (argc - optind != 2 ||
      consent_sources_from_names(argv[optind], &source, NULL) != CONSENT_OK ||
      (source & (source - 1)) != 0 || source == CONSENT_SOURCE_COOKIE ||
      source == CONSENT_SOURCE_GPC || source == 0)
    return usage_error("%s", "usage: banner SOURCE VALUE (SOURCE: tcf, "
                       "klaro, cookiebot, onetrust, cc_cookie, borlabs)");
  if ((rc = load_common(&c, 0)) != 0)
    return rc;
  rc = 1;
  if (consent_state_new(c.registry, &state) != CONSENT_OK)
    goto out;
  st = consent_banner_read(c.registry, source, argv[optind + 1],
                           strlen(argv[optind + 1]), state, c.now, &msg);
  if (st != CONSENT_OK) {
    fprintf(stderr, "%s: %s%s%s\n", progname, consent_strerror(st),
            msg ? ": " : "", msg ? msg : "");
    goto out;
  }
  if (consent_state_to_json(state, c.now, &json) != CONSENT_OK)
    goto out;
  printf("%s\n", json);
  rc = 0;
out:
  consent_free(msg);
  consent_free(json);
  consent_state_free(state);
  free_common(&c);
  return rc;
}

static int
cmd_key(int argc, char **argv)
{
  static const struct option longopts[] = {
    COMMON_OPTIONS,
    { NULL, 0, NULL, 0 }
  };
  struct common c = { 0 };
  unsigned id = 0;
  char *msg = NULL;
  consent_status st;
  int opt;

  if (argc < 2 || strcmp(argv[1], "new") != 0)
    return usage_error("%s", "usage: key new --key-file FILE");
  optind = 2;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    opt = common_option(&c, opt);
    if (opt == -3)
      return EXIT_USAGE;
    if (opt != -2)
      return usage_error("%s", "key new takes --key-file FILE");
  }
  if (c.key_file == NULL || optind != argc)
    return usage_error("%s", "usage: key new --key-file FILE");
  st = consent_keyring_add_key(c.key_file, c.now, &id, &msg);
  if (st != CONSENT_OK) {
    fprintf(stderr, "%s: %s\n", progname, msg ? msg : consent_strerror(st));
    consent_free(msg);
    return 1;
  }
  printf("key %u added to %s; it signs from now on\n", id, c.key_file);
  return 0;
}

/* Applies "--allow youtube,category:video" to a state. */
static int
apply_list(consent_state_t *s, const char *list, int allow, long long now)
{
  char *copy = strdup(list), *tok, *save = NULL;
  int rc = 0;

  if (copy == NULL)
    return 1;
  for (tok = strtok_r(copy, ", ", &save); tok != NULL;
       tok = strtok_r(NULL, ", ", &save)) {
    consent_status st;
    if (strncmp(tok, "category:", 9) == 0) {
      consent_category cat;
      st = consent_category_from_name(tok + 9, strlen(tok + 9), &cat);
      if (st == CONSENT_OK)
        st = consent_state_set_category(s, cat, allow, now);
    } else {
      st = consent_state_set_provider(s, tok, allow, now);
    }
    if (st != CONSENT_OK) {
      fprintf(stderr, "%s: '%s': %s\n", progname, tok,
              st == CONSENT_E_NOTFOUND
              ? "no such provider or category (see 'consent-gate "
                "providers')" : consent_strerror(st));
      rc = EXIT_USAGE;
      break;
    }
  }
  free(copy);
  return rc;
}

static void
print_receipt(const char *json, size_t len, void *ud)
{
  (void)ud;
  fprintf(stderr, "%.*s\n", (int)len, json);
}

static int
cmd_cookie_issue(int argc, char **argv)
{
  static const struct option longopts[] = {
    COMMON_OPTIONS,
    { "allow", required_argument, NULL, 'a' },
    { "deny", required_argument, NULL, 'd' },
    { "policy-version", required_argument, NULL, 'v' },
    { "max-age", required_argument, NULL, 'm' },
    { "receipt", no_argument, NULL, 'r' },
    { "set-cookie", no_argument, NULL, 's' },
    { "cookie-name", required_argument, NULL, 'n' },
    { "domain", required_argument, NULL, 'D' },
    { NULL, 0, NULL, 0 }
  };
  struct common c = { 0 };
  const char *allow = NULL, *deny = NULL, *name = "consent";
  const char *domain = NULL;
  long long policy = 0, max_age = 365LL * 24 * 3600;
  int opt, receipt = 0, set_cookie = 0, rc;
  consent_state_t *s = NULL;
  char *value = NULL, *header = NULL;
  size_t len;
  consent_status st;

  optind = 2;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (common_option(&c, opt)) {
    case -2:
      break;
    case -3:
      return EXIT_USAGE;
    case 'a':
      allow = optarg;
      break;
    case 'd':
      deny = optarg;
      break;
    case 'v':
      if (parse_policy(optarg, &policy) != 0)
        return EXIT_USAGE;
      break;
    case 'm':
      if (parse_ll(optarg, &max_age) != 0)
        return usage_error("--max-age: '%s' is not a number of seconds",
                           optarg);
      break;
    case 'r':
      receipt = 1;
      break;
    case 's':
      set_cookie = 1;
      break;
    case 'n':
      name = optarg;
      break;
    case 'D':
      domain = optarg;
      break;
    default:
      return usage_error("%s", "unknown option for 'cookie issue'");
    }
  }
  if (optind != argc)
    return usage_error("'cookie issue' takes no argument: '%s'",
                       argv[optind]);
  if (allow == NULL && deny == NULL)
    return usage_error("%s", "cookie issue needs --allow or --deny");
  rc = load_common(&c, 1);
  if (rc != 0)
    goto done;
  rc = 1;
  if ((st = consent_state_new(c.registry, &s)) != CONSENT_OK)
    goto fail;
  consent_state_set_policy_version(s, (unsigned)policy);
  if (consent_state_set_max_age(s, max_age) != CONSENT_OK) {
    rc = usage_error("--max-age: %s", "from 60 seconds to 5 years");
    goto done;
  }
  if ((allow && (rc = apply_list(s, allow, 1, c.now)) != 0) ||
      (deny && (rc = apply_list(s, deny, 0, c.now)) != 0))
    goto done;
  rc = 1;
  st = consent_cookie_issue(s, c.ring, c.now,
                            receipt ? print_receipt : NULL, NULL, &value,
                            &len);
  if (st != CONSENT_OK)
    goto fail;
  if (set_cookie) {
    st = consent_set_cookie(name, value, len, max_age, domain, "/",
                            CONSENT_COOKIE_DEFAULTS, &header);
    if (st != CONSENT_OK)
      goto fail;
    printf("%s\n", header);
  } else {
    printf("%s\n", value);
  }
  rc = 0;
  goto done;
fail:
  fprintf(stderr, "%s: %s\n", progname, consent_strerror(st));
done:
  consent_free(header);
  consent_free(value);
  consent_state_free(s);
  free_common(&c);
  return rc;
}

static int
cmd_cookie_verify(int argc, char **argv)
{
  static const struct option longopts[] = {
    COMMON_OPTIONS,
    { "policy-version", required_argument, NULL, 'v' },
    { "header", no_argument, NULL, 'H' },
    { "cookie-name", required_argument, NULL, 'n' },
    { NULL, 0, NULL, 0 }
  };
  struct common c = { 0 };
  const char *name = "consent";
  long long policy = 0;
  int opt, header = 0, rc;
  consent_state_t *s = NULL;
  char *json = NULL, input[8192];
  const char *value;
  size_t len;
  consent_status st;

  optind = 2;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (common_option(&c, opt)) {
    case -2:
      break;
    case -3:
      return EXIT_USAGE;
    case 'v':
      if (parse_policy(optarg, &policy) != 0)
        return EXIT_USAGE;
      break;
    case 'H':
      header = 1;
      break;
    case 'n':
      name = optarg;
      break;
    default:
      return usage_error("%s", "unknown option for 'cookie verify'");
    }
  }
  if (argc - optind != 1)
    return usage_error("%s", "cookie verify takes one VALUE (- for "
                       "standard input)");
  value = argv[optind];
  if (strcmp(value, "-") == 0) {
    len = fread(input, 1, sizeof(input) - 1, stdin);
    while (len > 0 && (input[len - 1] == '\n' || input[len - 1] == '\r'))
      len--;
    input[len] = '\0';
    value = input;
  }
  len = strlen(value);
  rc = load_common(&c, 1);
  if (rc != 0)
    goto done;
  st = header ? consent_cookie_from_header(c.registry, c.ring, value, len,
                                           name, (unsigned)policy, c.now, &s)
              : consent_cookie_verify(c.registry, c.ring, value, len,
                                      (unsigned)policy, c.now, &s);
  if (st != CONSENT_OK) {
    fprintf(stderr, "%s: cookie rejected: %s\n", progname,
            consent_strerror(st));
    rc = 1;
    goto done;
  }
  if (consent_state_to_json(s, c.now, &json) != CONSENT_OK) {
    fprintf(stderr, "%s: out of memory\n", progname);
    rc = 1;
    goto done;
  }
  printf("%s\n", json);
  rc = 0;
done:
  consent_free(json);
  consent_state_free(s);
  free_common(&c);
  return rc;
}

static int
cmd_providers(int argc, char **argv, int match)
{
  static const struct option longopts[] = {
    COMMON_OPTIONS,
    { "json", no_argument, NULL, 'j' },
    { NULL, 0, NULL, 0 }
  };
  struct common c = { 0 };
  int opt, json = 0, rc;
  size_t i, n;

  optind = 1;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (common_option(&c, opt)) {
    case -2:
      break;
    case -3:
      return EXIT_USAGE;
    case 'j':
      json = 1;
      break;
    default:
      return usage_error("%s", "unknown option");
    }
  }
  if (!match && optind != argc)
    return usage_error("'providers' takes no argument: '%s'", argv[optind]);
  if (match && optind == argc)
    return usage_error("%s", "match needs at least one URL");
  rc = load_common(&c, 0);
  if (rc != 0) {
    free_common(&c);
    return rc;
  }
  if (match) {
    for (i = (size_t)optind; i < (size_t)argc; i++) {
      const char *id = NULL;
      consent_registry_match_url(c.registry, argv[i], strlen(argv[i]), &id);
      printf("%s\t%s\n", id ? id : "-", argv[i]);
    }
    free_common(&c);
    return 0;
  }
  n = consent_registry_count(c.registry);
  if (json)
    printf("[");
  for (i = 0; i < n; i++) {
    const char *id = consent_registry_id(c.registry, i);
    const char *f[5];
    int k;
    for (k = 0; k < 5; k++)
      f[k] = consent_registry_get(c.registry, id, (consent_provider_field)k);
    if (json) {
      static const char *const keys[5] = {
        "name", "category", "privacy", "oembed", "hosts"
      };
      printf("%s\n  {\"id\": \"%s\"", i ? "," : "", id);
      for (k = 0; k < 5; k++) {
        const char *p;
        if (f[k] == NULL)
          continue;
        printf(", \"%s\": \"", keys[k]);
        for (p = f[k]; *p; p++) {
          if (*p == '"' || *p == '\\')
            putchar('\\');
          putchar(*p);
        }
        putchar('"');
      }
      printf("}");
    } else {
      printf("%-18s %-32s %-10s %s\n", id, f[0], f[1], f[4] ? f[4] : "");
    }
  }
  if (json)
    printf("\n]\n");
  free_common(&c);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Gating                                                              */

struct gate_opts {
  struct common c;
  const char *output, *in_place, *texts, *template_file, *notice_template,
      *lang;
  const char *accept_language, *privacy_url, *endpoint, *return_path;
  const char *content_type;
  const char *script_url, *css_url, *nonce, *cookie, *report_file;
  const char **allow;
  size_t nallow;
  int no_providers, cache_safe, guard, no_notice, gcm, script_mode, decode,
      encode, http;
  const char *method;          /* --method (with --http) */
  long long policy;
  size_t max_buffer;
  consent_config_t *config;
  consent_gate_t *gate;
  consent_state_t *state;
  /* --cookie-header, --sources, --gpc: the request's combined consent. */
  const char *cookie_header, *sources, *gpc_categories;
  int gpc;
  consent_site_t *site;
  consent_request_t *req;
  const consent_state_t *combined;
  /* --previews */
  const char *previews_dir, *preview_url, *ca_file;
  const char *resolve[8], *trust[8], *limits[8];
  size_t nresolve, ntrust, nlimits;
  int fetch_previews;
  consent_previews_t *previews;
  FILE *report;
  const char *report_path;   /* the file being reported on */
  int reported;
};


/* A JSON string: quotes, backslashes and control characters escaped
 * (tag names come from the page and may hold any of them). */
static void
json_string(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void
on_report(const char *provider, const char *element, unsigned long line,
          consent_action action, void *ud)
{
  static const char *const actions[] = { "gated", "allowed", "dropped" };
  struct gate_opts *o = ud;

  if (o->report == NULL)
    return;
  fprintf(o->report, "%s\n  {", o->reported++ ? "," : "[");
  if (o->report_path != NULL) {
    fputs("\"file\": ", o->report);
    json_string(o->report, o->report_path);
    fputs(", ", o->report);
  }
  fputs("\"provider\": ", o->report);
  json_string(o->report, provider);
  fputs(", \"element\": ", o->report);
  json_string(o->report, element);
  fprintf(o->report, ", \"line\": %lu, \"action\": \"%s\"}", line,
          actions[action <= 2 ? action : 0]);
}

static int
parse_encoding(const char *s, int *out)
{
  if (strcmp(s, "gzip") == 0)
    *out = CONSENT_ENCODING_GZIP;
  else if (strcmp(s, "deflate") == 0)
    *out = CONSENT_ENCODING_DEFLATE;
  else if (strcmp(s, "br") == 0)
    *out = CONSENT_ENCODING_BR;
  else if (strcmp(s, "zstd") == 0)
    *out = CONSENT_ENCODING_ZSTD;
  else if (strcmp(s, "identity") == 0)
    *out = CONSENT_ENCODING_IDENTITY;
  else
    return -1;
  return 0;
}


/* --cookie-header/--sources/--gpc: the visitor's consent from every
 * source, as a server module gets it (docs/banners.md). */
static int
setup_request(struct gate_opts *o)
{
  unsigned sources = CONSENT_SOURCES_DEFAULT;
  consent_status st;
  char *msg = NULL;

  if (o->sources != NULL &&
      consent_sources_from_names(o->sources, &sources, &msg) != CONSENT_OK) {
    usage_error("--sources: %s", msg ? msg : "out of memory");
    consent_free(msg);
    return EXIT_USAGE;
  }
  if (o->c.ring == NULL && o->c.key_file != NULL) {
    st = consent_keyring_load_file(o->c.key_file, &o->c.ring, &msg);
    if (st != CONSENT_OK) {
      fprintf(stderr, "%s: %s\n", progname, msg ? msg : consent_strerror(st));
      consent_free(msg);
      return 1;
    }
  }
  if (o->c.ring == NULL) {
    /* Without a key file the site's own cookie cannot be read. */
    sources &= ~CONSENT_SOURCE_COOKIE;
    /* (The site object needs a key ring even when only banner cookies
     * are read: one that verifies nothing the caller could have.) */
    if (consent_keyring_new_temporary(&o->c.ring) != CONSENT_OK)
      return 1;
  }
  if (consent_site_new(o->c.registry, o->c.ring, &o->site) != CONSENT_OK ||
      consent_site_set_sources(o->site, sources) != CONSENT_OK)
    return 1;
  consent_site_set_policy_version(o->site, (unsigned)o->policy);
  if (o->gpc_categories != NULL &&
      consent_site_set_gpc_categories(o->site, o->gpc_categories) !=
      CONSENT_OK)
    return usage_error("--gpc-categories: '%s' has an unknown category",
                       o->gpc_categories);
  if (consent_request_new(o->site, 1, &o->req) != CONSENT_OK)
    return 1;
  if (o->cookie_header != NULL)
    consent_request_set_header(o->req, "Cookie", o->cookie_header,
                               strlen(o->cookie_header));
  if (o->gpc)
    consent_request_set_header(o->req, "Sec-GPC", "1", 1);
  o->combined = consent_request_state(o->req, o->c.now, &st);
  if (o->combined == NULL)
    return 1;
  if (st != CONSENT_OK && st != CONSENT_E_NOCOOKIE)
    fprintf(stderr, "%s: the consent cookie is ignored: %s\n", progname,
            consent_strerror(st));
  return 0;
}

/* --previews DIR and its options. */
static int
setup_previews(struct gate_opts *o)
{
  consent_status st;
  size_t i;

  st = consent_previews_new(o->c.registry, o->previews_dir, &o->previews);
  if (st != CONSENT_OK) {
    fprintf(stderr, "%s: --previews %s: %s\n", progname, o->previews_dir,
            st == CONSENT_E_IO ? "not a writable folder"
            : consent_strerror(st));
    return 1;
  }
  if (o->preview_url != NULL &&
      consent_previews_set_url_prefix(o->previews, o->preview_url) !=
      CONSENT_OK)
    return usage_error("--preview-url: '%s' must start and end with '/'",
                       o->preview_url);
  if (o->ca_file != NULL)
    consent_previews_set_ca_file(o->previews, o->ca_file);
  for (i = 0; i < o->nresolve; i++)
    consent_previews_add_resolve(o->previews, o->resolve[i]);
  for (i = 0; i < o->ntrust; i++)
    if (consent_previews_trust_address(o->previews, o->trust[i]) !=
        CONSENT_OK)
      return usage_error("--trust-address: '%s' is not an IP address",
                         o->trust[i]);
  for (i = 0; i < o->nlimits; i++)
    if (consent_previews_set_option(o->previews, o->limits[i]) !=
        CONSENT_OK)
      return usage_error("--preview-limit: '%s' is not NAME=VALUE with a "
                         "valid value (cache_bytes, ttl, error_ttl, "
                         "concurrency, timeout_ms, max_json, max_image)",
                         o->limits[i]);
  return consent_config_set_previews(o->config, o->previews) == CONSENT_OK
         ? 0 : 1;
}

/* Builds registry, key ring, state, configuration and gate. */
static int
setup_gate(struct gate_opts *o)
{
  consent_status st;
  size_t i;
  int rc;

  if (o->no_providers) {
    if (consent_registry_new_empty(&o->c.registry) != CONSENT_OK)
      return 1;
    if (o->c.providers != NULL &&
        consent_registry_load_file(o->c.registry, o->c.providers) !=
        CONSENT_OK) {
      fprintf(stderr, "%s: %s\n", progname,
              consent_registry_errmsg(o->c.registry));
      return 1;
    }
  } else if ((rc = load_common(&o->c, 0)) != 0) {
    return rc;
  }
  if (o->cookie != NULL) {
    char *msg = NULL;
    if (o->c.key_file == NULL)
      return usage_error("%s", "--cookie needs --key-file FILE");
    st = consent_keyring_load_file(o->c.key_file, &o->c.ring, &msg);
    if (st != CONSENT_OK) {
      fprintf(stderr, "%s: %s\n", progname, msg ? msg : consent_strerror(st));
      consent_free(msg);
      return 1;
    }
    st = consent_cookie_verify(o->c.registry, o->c.ring, o->cookie,
                               strlen(o->cookie), (unsigned)o->policy,
                               o->c.now, &o->state);
    if (st != CONSENT_OK)
      fprintf(stderr, "%s: the cookie is ignored: %s\n", progname,
              consent_strerror(st));
  }
  if (o->cookie_header != NULL || o->sources != NULL || o->gpc ||
      (o->http && o->c.key_file != NULL)) {
    if ((rc = setup_request(o)) != 0)
      return rc;
  }
  if ((st = consent_config_new(&o->config)) != CONSENT_OK)
    goto fail;
  consent_config_set_registry(o->config, o->c.registry);
  if (o->previews_dir != NULL && (rc = setup_previews(o)) != 0)
    return rc;
  if (o->max_buffer != 0)
    consent_config_set_max_buffer(o->config, o->max_buffer);
  if (o->texts != NULL &&
      consent_config_load_texts(o->config, o->texts) != CONSENT_OK) {
    fprintf(stderr, "%s: %s\n", progname, consent_config_errmsg(o->config));
    return 1;
  }
  if (o->template_file != NULL &&
      consent_config_load_template(o->config, o->template_file) !=
      CONSENT_OK) {
    fprintf(stderr, "%s: %s\n", progname, consent_config_errmsg(o->config));
    return 1;
  }
  if (o->notice_template != NULL &&
      consent_config_load_notice_template(o->config, o->notice_template) !=
      CONSENT_OK) {
    fprintf(stderr, "%s: %s\n", progname, consent_config_errmsg(o->config));
    return 1;
  }
  if (o->lang != NULL &&
      consent_config_set_language(o->config, o->lang) != CONSENT_OK)
    return usage_error("--lang: no texts for '%s'", o->lang);
  if ((o->privacy_url &&
       (st = consent_config_set_privacy_url(o->config, o->privacy_url))) ||
      (o->endpoint &&
       (st = consent_config_set_endpoint(o->config, o->endpoint))) ||
      (st = consent_config_set_cache_safe(o->config, o->cache_safe)) ||
      (st = consent_config_set_guard(o->config, o->guard)) ||
      (st = consent_config_set_notice(o->config, !o->no_notice)) ||
      (st = consent_config_set_google_consent_mode(o->config, o->gcm)))
    goto fail;
  if (consent_config_set_script(o->config, (consent_script_mode)o->script_mode,
                                o->script_url, o->css_url) != CONSENT_OK)
    return usage_error("%s", "--script url needs --script-url URL");
  for (i = 0; i < o->nallow; i++)
    if ((st = consent_config_allow_provider(o->config, o->allow[i])))
      goto fail;
  st = consent_gate_new(o->config, &o->gate);
  if (st == CONSENT_E_NOTFOUND)
    return usage_error("%s", "--allow-provider: no such provider (see "
                       "'consent-gate providers')");
  if (st != CONSENT_OK)
    goto fail;
  return 0;
fail:
  fprintf(stderr, "%s: %s\n", progname, consent_strerror(st));
  return 1;
}

/* A rewriter for one output, set up from the options.  Returns 0, or 1
 * with a message written. */
static int
open_rewriter(struct gate_opts *o, struct out *outp, consent_rewriter_t **rwp)
{
  consent_rewriter_t *rw = NULL;
  consent_status st;

  st = consent_rewriter_new(o->gate, sink, outp, &rw);
  if (st == CONSENT_OK && (o->combined || o->state))
    st = consent_rewriter_set_state(rw, o->combined ? o->combined
                                    : o->state);
  if (st == CONSENT_OK && o->accept_language)
    st = consent_rewriter_set_language(rw,
        consent_gate_negotiate_language(o->gate, o->accept_language,
                                        strlen(o->accept_language)));
  if (st == CONSENT_OK && o->nonce)
    st = consent_rewriter_set_nonce(rw, o->nonce);
  if (st == CONSENT_OK && o->return_path)
    st = consent_rewriter_set_return_path(rw, o->return_path);
  if (st == CONSENT_OK && o->content_type != NULL)
    st = consent_rewriter_set_content_type(rw, o->content_type,
                                           strlen(o->content_type));
  if (st == CONSENT_OK && (o->decode || o->encode))
    st = consent_rewriter_set_encoding(rw, (consent_encoding)o->decode,
                                       (consent_encoding)o->encode);
  if (st == CONSENT_OK && o->report)
    st = consent_rewriter_set_report(rw, on_report, o);
  if (st != CONSENT_OK) {
    fprintf(stderr, "%s: %s\n", progname, consent_strerror(st));
    consent_rewriter_free(rw);
    return 1;
  }
  *rwp = rw;
  return 0;
}

/* Gates pre (npre bytes already read) and then the rest of fd through rw
 * to out.  Returns 0, or 1 with a message written. */
static int
feed(struct gate_opts *o, consent_rewriter_t *rw, int fd,
     const char *in_name, struct out *outp, const char *pre, size_t npre)
{
  consent_status st = CONSENT_OK;
  char *buf = malloc(CHUNK);
  int rc = 1;
  ssize_t n;

  (void)o;
  if (buf == NULL) {
    fprintf(stderr, "%s: out of memory\n", progname);
    return 1;
  }
  if (npre > 0)
    st = consent_rewriter_write(rw, pre, npre);
  for (n = 1; st == CONSENT_OK && n != 0;) {
    n = read(fd, buf, CHUNK);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      fprintf(stderr, "%s: cannot read '%s': %s\n", progname, in_name,
              strerror(errno));
      goto done;
    }
    st = n == 0 ? consent_rewriter_end(rw)
                : consent_rewriter_write(rw, buf, (size_t)n);
  }
  if (st != CONSENT_OK) {
    if (st == CONSENT_E_SINK)
      fprintf(stderr, "%s: cannot write %s: %s\n", progname, outp->name,
              strerror(outp->err));
    else
      fprintf(stderr, "%s: %s: %s\n", progname, in_name,
              consent_rewriter_errmsg(rw));
    goto done;
  }
  if (fflush(outp->f) != 0 || ferror(outp->f)) {
    fprintf(stderr, "%s: cannot write %s: %s\n", progname, outp->name,
            strerror(errno));
    goto done;
  }
  rc = 0;
done:
  free(buf);
  return rc;
}

/* Gates fd to out.  Returns 0, or 1 with a message written. */
static int
gate_stream(struct gate_opts *o, int fd, const char *in_name,
            struct out *outp)
{
  consent_rewriter_t *rw = NULL;
  int rc;

  if (open_rewriter(o, outp, &rw) != 0)
    return 1;
  rc = feed(o, rw, fd, in_name, outp, NULL, 0);
  consent_rewriter_free(rw);
  return rc;
}

/* Copies the rest of fd to out unchanged. */
static int
copy_fd(int fd, const char *in_name, struct out *outp)
{
  char buf[CHUNK];
  ssize_t n;

  while ((n = read(fd, buf, sizeof(buf))) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      fprintf(stderr, "%s: cannot read '%s': %s\n", progname, in_name,
              strerror(errno));
      return 1;
    }
    if (fwrite(buf, 1, (size_t)n, outp->f) != (size_t)n)
      break;
  }
  if (fflush(outp->f) != 0 || ferror(outp->f)) {
    fprintf(stderr, "%s: cannot write %s: %s\n", progname, outp->name,
            strerror(errno));
    return 1;
  }
  return 0;
}

/* --http: the input is a whole HTTP/1.x response.  Its head, as read. */
struct http_head {
  char *buf;          /* the head's bytes, then the body's first ones */
  size_t len, head;   /* bytes read; bytes of the head (to the blank line) */
  int status;
  char *line;         /* the status line (NUL-terminated copy) */
  char *names[HTTP_MAX_FIELDS], *values[HTTP_MAX_FIELDS];
  size_t n;
};

/* Reads the head of the response: to the first empty line, at most
 * HTTP_MAX_HEAD bytes.  Interim (1xx) heads are written out unchanged.
 * Returns 0, or 1 with a message written. */
static int
http_read_head(int fd, const char *in_name, struct out *outp,
               struct http_head *h)
{
  char *p, *end, *eol;
  size_t cap = HTTP_MAX_HEAD + CHUNK;
  ssize_t n;

again:
  if (h->buf == NULL && (h->buf = malloc(cap)) == NULL) {
    fprintf(stderr, "%s: out of memory\n", progname);
    return 1;
  }
  for (;;) {
    p = NULL;
    for (size_t i = 0; i + 1 < h->len; i++) {
      if (h->buf[i] == '\n' && (h->buf[i + 1] == '\n' ||
          (h->buf[i + 1] == '\r' && i + 2 < h->len && h->buf[i + 2] == '\n'))) {
        p = h->buf + i + (h->buf[i + 1] == '\n' ? 2 : 3);
        break;
      }
    }
    if (p != NULL)
      break;
    if (h->len >= HTTP_MAX_HEAD) {
      fprintf(stderr, "%s: %s: the response's head is over %d bytes\n",
              progname, in_name, HTTP_MAX_HEAD);
      return 1;
    }
    n = read(fd, h->buf + h->len, cap - h->len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      fprintf(stderr, "%s: %s: %s\n", progname, in_name,
              n < 0 ? strerror(errno) : "not an HTTP response (no end of "
              "its head)");
      return 1;
    }
    h->len += (size_t)n;
  }
  h->head = (size_t)(p - h->buf);
  if (h->len < 12 || memcmp(h->buf, "HTTP/1.", 7) != 0 ||
      h->buf[8] != ' ' || !isdigit((unsigned char)h->buf[9]) ||
      !isdigit((unsigned char)h->buf[10]) ||
      !isdigit((unsigned char)h->buf[11])) {
    fprintf(stderr, "%s: %s: not an HTTP/1.x response\n", progname, in_name);
    return 1;
  }
  h->status = (h->buf[9] - '0') * 100 + (h->buf[10] - '0') * 10 +
              (h->buf[11] - '0');
  if (h->status < 200) {
    /* 100 Continue and the like: out as they are, then the real head. */
    if (fwrite(h->buf, 1, h->head, outp->f) != h->head)
      return 1;
    memmove(h->buf, h->buf + h->head, h->len - h->head);
    h->len -= h->head;
    goto again;
  }
  /* Split into the status line and fields, in a copy of the head. */
  if ((h->line = malloc(h->head + 1)) == NULL)
    return 1;
  memcpy(h->line, h->buf, h->head);
  h->line[h->head] = '\0';
  end = h->line + h->head;
  for (p = h->line; p < end; p = eol + 1) {
    char *colon, *v, *e;
    eol = memchr(p, '\n', (size_t)(end - p));
    if (eol == NULL)
      break;
    e = eol;
    if (e > p && e[-1] == '\r')
      e--;
    *e = '\0';
    if (p == h->line || e == p)
      continue;
    colon = strchr(p, ':');
    if (colon == NULL || colon == p || *p == ' ' || *p == '\t') {
      fprintf(stderr, "%s: %s: a header line without a name: '%s'\n",
              progname, in_name, p);
      return 1;
    }
    if (h->n == HTTP_MAX_FIELDS) {
      fprintf(stderr, "%s: %s: over %d header fields\n", progname, in_name,
              HTTP_MAX_FIELDS);
      return 1;
    }
    *colon = '\0';
    for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
      ;
    for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
      ;
    *e = '\0';
    h->names[h->n] = p;
    h->values[h->n++] = v;
  }
  return 0;
}

/* The value of a field (several joined with ", ", as HTTP allows), in
 * buf; NULL when absent. */
static const char *
http_field(const struct http_head *h, const char *name, char *buf,
           size_t size)
{
  size_t used = 0, i;
  int found = 0;

  for (i = 0; i < h->n; i++) {
    if (h->names[i] == NULL || strcasecmp(h->names[i], name) != 0)
      continue;
    used += (size_t)snprintf(buf + used, used < size ? size - used : 0,
                             "%s%s", found++ ? ", " : "", h->values[i]);
  }
  return found && used < size ? buf : NULL;
}

/* The response a server module sends for the one on fd: passed, refused
 * (502, nothing of it sent) or gated with the headers the library says
 * (consent_http_classify, consent_gate_header_edit). */
static int
http_stream(struct gate_opts *o, int fd, const char *in_name,
            struct out *outp)
{
  static const char refused[] =
    "502 Bad Gateway: the page cannot be checked for embeds\n";
  struct http_head h;
  consent_rewriter_t *rw = NULL;
  consent_encoding coding = CONSENT_ENCODING_IDENTITY;
  consent_http_action act;
  consent_header_op op;
  const char *type, *enc, *reason = "", *name, *value;
  const char *add[8][2];
  char tbuf[1024], ebuf[256], vary[512];
  size_t i, j, nadd = 0;
  int rc = 1, head_only;

  memset(&h, 0, sizeof(h));
  if (http_read_head(fd, in_name, outp, &h) != 0)
    goto done;
  type = http_field(&h, "Content-Type", tbuf, sizeof(tbuf));
  enc = http_field(&h, "Content-Encoding", ebuf, sizeof(ebuf));
  act = consent_http_classify(h.status, type, type ? strlen(type) : 0, enc,
                              enc ? strlen(enc) : 0, &coding, &reason);
  head_only = o->method != NULL && strcasecmp(o->method, "HEAD") == 0;
  if (act == CONSENT_HTTP_PASS) {
    if (fwrite(h.buf, 1, h.len, outp->f) != h.len)
      goto write_error;
    rc = 0;
    if (!head_only)
      rc = copy_fd(fd, in_name, outp);
    goto done;
  }
  if (act != CONSENT_HTTP_GATE) {
    fprintf(stderr, "%s: refused (502): %s\n", progname, reason);
    fprintf(outp->f, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; "
            "charset=utf-8\r\nContent-Length: %zu\r\nCache-Control: "
            "no-store\r\n\r\n%s", sizeof(refused) - 1,
            head_only ? "" : refused);
    rc = fflush(outp->f) == 0 ? 0 : 1;
    goto done;
  }
  /* Gated: the body is decoded and encoded again in its coding. */
  o->decode = o->encode = (int)coding;
  o->content_type = type;
  if (h.status != 204 && h.status != 304 && !head_only &&
      open_rewriter(o, outp, &rw) != 0)
    goto done;
  /* The head: the library's edits (a Vary merged into the first one),
   * Link without the preloads of providers not allowed, no framing (the
   * body goes to its end). */
  for (i = 0; consent_gate_header_edit(o->gate, o->site, i, &op, &name,
                                       &value); i++) {
    if (nadd == sizeof(add) / sizeof(add[0]))
      break;
    for (j = 0; j < h.n; j++) {
      if (h.names[j] == NULL || strcasecmp(h.names[j], name) != 0)
        continue;
      if (op != CONSENT_HEADER_MERGE) {
        h.names[j] = NULL;
      } else if (value != NULL) {
        snprintf(vary, sizeof(vary), "%s, %s", h.values[j], value);
        h.values[j] = vary;
        value = NULL;
      }
    }
    if (op != CONSENT_HEADER_REMOVE && value != NULL) {
      add[nadd][0] = name;
      add[nadd++][1] = value;
    }
  }
  fprintf(outp->f, "%s\r\n", h.line);
  for (j = 0; j < h.n; j++) {
    if (h.names[j] == NULL || strcasecmp(h.names[j], "Transfer-Encoding") == 0)
      continue;
    if (rw != NULL && strcasecmp(h.names[j], "Link") == 0) {
      char *kept = NULL;
      if (consent_rewriter_filter_link(rw, h.values[j], strlen(h.values[j]),
                                       &kept) != CONSENT_OK)
        goto done;
      if (kept != NULL)
        fprintf(outp->f, "Link: %s\r\n", kept);
      consent_free(kept);
      continue;
    }
    fprintf(outp->f, "%s: %s\r\n", h.names[j], h.values[j]);
  }
  for (j = 0; j < nadd; j++)
    fprintf(outp->f, "%s: %s\r\n", add[j][0], add[j][1]);
  fputs("\r\n", outp->f);
  if (rw == NULL) {
    rc = fflush(outp->f) == 0 ? 0 : 1;
    goto done;
  }
  rc = feed(o, rw, fd, in_name, outp, h.buf + h.head, h.len - h.head);
  goto done;
done:
  consent_rewriter_free(rw);
  free(h.line);
  free(h.buf);
  return rc;
write_error:
  fprintf(stderr, "%s: cannot write %s: %s\n", progname, outp->name,
          strerror(errno));
  goto done;
}

/* Rewrites one file through a temporary file and rename(). */
static int
gate_in_place(struct gate_opts *o, const char *path)
{
  size_t n = strlen(path) + 16;
  char *tmp = malloc(n);
  struct out outp;
  struct stat sb;
  int fd = -1, tfd = -1, rc = 1;

  if (tmp == NULL)
    return 1;
  snprintf(tmp, n, "%s.gateXXXXXX", path);
  fd = open(path, O_RDONLY);
  if (fd < 0 || fstat(fd, &sb) != 0) {
    fprintf(stderr, "%s: cannot open '%s': %s\n", progname, path,
            strerror(errno));
    goto done;
  }
  tfd = mkstemp(tmp);
  if (tfd < 0 || fchmod(tfd, sb.st_mode & 07777) != 0) {
    fprintf(stderr, "%s: cannot write next to '%s': %s\n", progname, path,
            strerror(errno));
    goto done;
  }
  outp.f = fdopen(tfd, "wb");
  outp.name = tmp;
  outp.err = 0;
  if (outp.f == NULL)
    goto done;
  tfd = -1;
  o->report_path = path;
  rc = gate_stream(o, fd, path, &outp);
  if (fsync(fileno(outp.f)) != 0)
    rc = 1;
  if (fclose(outp.f) != 0 && rc == 0) {
    fprintf(stderr, "%s: cannot write '%s': %s\n", progname, tmp,
            strerror(errno));
    rc = 1;
  }
  if (rc == 0 && rename(tmp, path) != 0) {
    fprintf(stderr, "%s: cannot replace '%s': %s\n", progname, path,
            strerror(errno));
    rc = 1;
  }
done:
  if (rc != 0)
    unlink(tmp); /* the original stays as it was */
  if (fd >= 0)
    close(fd);
  if (tfd >= 0)
    close(tfd);
  free(tmp);
  return rc;
}

static int
has_html_suffix(const char *name)
{
  size_t n = strlen(name);

  return (n > 5 && strcmp(name + n - 5, ".html") == 0) ||
         (n > 4 && strcmp(name + n - 4, ".htm") == 0);
}

/* Walks a folder; returns the number of files that failed. */
static int
walk(struct gate_opts *o, const char *dir, int depth)
{
  DIR *d = opendir(dir);
  struct dirent *de;
  int failed = 0;

  if (d == NULL) {
    fprintf(stderr, "%s: cannot read folder '%s': %s\n", progname, dir,
            strerror(errno));
    return 1;
  }
  while ((de = readdir(d)) != NULL) {
    char path[4096];
    struct stat sb;
    if (de->d_name[0] == '.')
      continue;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
        sizeof(path))
      continue;
    if (lstat(path, &sb) != 0)
      continue;
    if (S_ISDIR(sb.st_mode) && depth < 64)
      failed += walk(o, path, depth + 1);
    else if (S_ISREG(sb.st_mode) && has_html_suffix(de->d_name))
      failed += gate_in_place(o, path);
  }
  closedir(d);
  return failed;
}

static int
cmd_gate(int argc, char **argv)
{
  static const struct option longopts[] = {
    COMMON_OPTIONS,
    { "output", required_argument, NULL, 'o' },
    { "in-place", required_argument, NULL, 'I' },
    { "no-providers", no_argument, NULL, 'X' },
    { "lang", required_argument, NULL, 'l' },
    { "accept-language", required_argument, NULL, 'A' },
    { "texts", required_argument, NULL, 'T' },
    { "template", required_argument, NULL, 'M' },
    { "notice-template", required_argument, NULL, 1000 + 'T' },
    { "privacy-url", required_argument, NULL, 'p' },
    { "endpoint", required_argument, NULL, 'e' },
    { "return-path", required_argument, NULL, 'R' },
    { "script", required_argument, NULL, 's' },
    { "script-url", required_argument, NULL, 'j' },
    { "css-url", required_argument, NULL, 'c' },
    { "nonce", required_argument, NULL, 'n' },
    { "cache-safe", no_argument, NULL, 'C' },
    { "guard", no_argument, NULL, 1000 + 'g' },
    { "no-notice", no_argument, NULL, 1000 + 'N' },
    { "google-consent-mode", no_argument, NULL, 1000 + 'G' },
    { "allow-provider", required_argument, NULL, 'a' },
    { "cookie", required_argument, NULL, 'k' },
    { "cookie-header", required_argument, NULL, 'H' },
    { "previews", required_argument, NULL, 'W' },
    { "preview-url", required_argument, NULL, 'U' },
    { "fetch-previews", no_argument, NULL, 'F' },
    { "preview-limit", required_argument, NULL, 'L' },
    { "ca-file", required_argument, NULL, 'Q' },
    { "resolve", required_argument, NULL, 'Y' },
    { "trust-address", required_argument, NULL, 'Z' },
    { "sources", required_argument, NULL, 'S' },
    { "gpc", no_argument, NULL, 'G' },
    { "gpc-categories", required_argument, NULL, 'g' },
    { "policy-version", required_argument, NULL, 'v' },
    { "report", required_argument, NULL, 'r' },
    { "decode", required_argument, NULL, 'd' },
    { "encode", required_argument, NULL, 'E' },
    { "content-type", required_argument, NULL, 'J' },
    { "max-buffer", required_argument, NULL, 'B' },
    { "http", no_argument, NULL, 1000 + 'h' },
    { "method", required_argument, NULL, 1000 + 'm' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
  };
  struct gate_opts o;
  struct out outp = { stdout, "standard output", 0 };
  const char *input = "-";
  int c, fd = STDIN_FILENO, rc = 1;

  memset(&o, 0, sizeof(o));
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:hV", longopts, NULL)) != -1) {
    switch (common_option(&o.c, c)) {
    case -2:
      continue;
    case -3:
      return EXIT_USAGE;
    default:
      break;
    }
    switch (c) {
    case 'o': o.output = optarg; break;
    case 'I': o.in_place = optarg; break;
    case 'X': o.no_providers = 1; break;
    case 'l': o.lang = optarg; break;
    case 'A': o.accept_language = optarg; break;
    case 'T': o.texts = optarg; break;
    case 'M': o.template_file = optarg; break;
    case 1000 + 'T': o.notice_template = optarg; break;
    case 'p': o.privacy_url = optarg; break;
    case 'e': o.endpoint = optarg; break;
    case 'R': o.return_path = optarg; break;
    case 'j': o.script_url = optarg; break;
    case 'c': o.css_url = optarg; break;
    case 'n': o.nonce = optarg; break;
    case 'C': o.cache_safe = 1; break;
    case 1000 + 'g': o.guard = 1; break;
    case 1000 + 'N': o.no_notice = 1; break;
    case 1000 + 'G': o.gcm = 1; break;
    case 'k': o.cookie = optarg; break;
    case 'H': o.cookie_header = optarg; break;
    case 'W': o.previews_dir = optarg; break;
    case 'U': o.preview_url = optarg; break;
    case 'F': o.fetch_previews = 1; break;
    case 'Q': o.ca_file = optarg; break;
    case 'L':
      if (o.nlimits == 8)
        return usage_error("%s", "--preview-limit: at most 8");
      o.limits[o.nlimits++] = optarg;
      break;
    case 'Y':
      if (o.nresolve == 8)
        return usage_error("%s", "--resolve: at most 8");
      o.resolve[o.nresolve++] = optarg;
      break;
    case 'Z':
      if (o.ntrust == 8)
        return usage_error("%s", "--trust-address: at most 8");
      o.trust[o.ntrust++] = optarg;
      break;
    case 'S': o.sources = optarg; break;
    case 'G': o.gpc = 1; break;
    case 'g': o.gpc_categories = optarg; break;
    case 'r': o.report_file = optarg; break;
    case 's':
      if (strcmp(optarg, "inline") == 0)
        o.script_mode = CONSENT_SCRIPT_INLINE;
      else if (strcmp(optarg, "url") == 0)
        o.script_mode = CONSENT_SCRIPT_URL;
      else if (strcmp(optarg, "none") == 0)
        o.script_mode = CONSENT_SCRIPT_NONE;
      else
        return usage_error("--script: '%s' is not inline, url or none",
                           optarg);
      break;
    case 'a':
      o.allow = realloc(o.allow, (o.nallow + 1) * sizeof(*o.allow));
      if (o.allow == NULL)
        return 1;
      o.allow[o.nallow++] = optarg;
      break;
    case 'v':
      if (parse_policy(optarg, &o.policy) != 0)
        return EXIT_USAGE;
      break;
    case 'J': o.content_type = optarg; break;
    case 1000 + 'h': o.http = 1; break;
    case 1000 + 'm': o.method = optarg; break;
    case 'd':
    case 'E':
      if (parse_encoding(optarg, c == 'd' ? &o.decode : &o.encode) != 0)
        return usage_error("'%s' is not gzip, deflate, br, zstd or "
                           "identity", optarg);
      break;
    case 'B':
      if (parse_size(optarg, &o.max_buffer) != 0 || o.max_buffer < 4096)
        return usage_error("--max-buffer: '%s' is not a size of at least "
                           "4096 bytes", optarg);
      break;
    case 'h':
      usage(stdout);
      return 0;
    case 'V':
      printf("consent-gate (libconsent) %s\n", consent_version());
      return 0;
    default:
      fprintf(stderr, "Try '%s --help' for more information.\n", progname);
      return EXIT_USAGE;
    }
  }
  if (argc - optind > 1) {
    fprintf(stderr, "%s: one input file at most (got %d)\n"
            "Try '%s --help' for more information.\n", progname,
            argc - optind, progname);
    return EXIT_USAGE;
  }
  if (o.in_place != NULL && (optind < argc || o.output != NULL))
    return usage_error("%s", "--in-place takes no FILE and no --output");
  if (o.http && (o.in_place != NULL || o.decode || o.encode ||
                 o.content_type != NULL))
    return usage_error("%s", "--http reads the coding and type from the "
                       "response: no --in-place, --decode, --encode or "
                       "--content-type");
  if (o.method != NULL && !o.http)
    return usage_error("%s", "--method goes with --http");
  if (optind < argc)
    input = argv[optind];

  if (o.report_file != NULL) {
    o.report = strcmp(o.report_file, "-") == 0 ? stderr
               : fopen(o.report_file, "w");
    if (o.report == NULL) {
      fprintf(stderr, "%s: cannot write '%s': %s\n", progname,
              o.report_file, strerror(errno));
      goto done;
    }
  }
  rc = setup_gate(&o);
  if (rc != 0)
    goto done;
  rc = 1;
  if (o.in_place != NULL) {
    rc = walk(&o, o.in_place, 0) == 0 ? 0 : 1;
    goto done;
  }
  if (strcmp(input, "-") != 0) {
    fd = open(input, O_RDONLY);
    if (fd < 0) {
      fprintf(stderr, "%s: cannot open '%s': %s\n", progname, input,
              strerror(errno));
      goto done;
    }
  }
  if (o.output != NULL && strcmp(o.output, "-") != 0) {
    outp.f = fopen(o.output, "wb");
    outp.name = o.output;
    if (outp.f == NULL) {
      fprintf(stderr, "%s: cannot write '%s': %s\n", progname, o.output,
              strerror(errno));
      goto done;
    }
  }
  rc = (o.http ? http_stream : gate_stream)(&o, fd, fd == STDIN_FILENO
                                            ? "standard input" : input, &outp);
done:
  if (o.report != NULL) {
    fprintf(o.report, "%s]\n", o.reported ? "\n" : "[");
    if (o.report != stderr && fclose(o.report) != 0)
      rc = 1;
  }
  if (fd != STDIN_FILENO)
    close(fd);
  if (outp.f != stdout && outp.f != NULL && fclose(outp.f) != 0 && rc == 0) {
    fprintf(stderr, "%s: cannot write '%s': %s\n", progname, o.output,
            strerror(errno));
    rc = 1;
  }
  if (rc == 0 && o.fetch_previews && o.previews != NULL) {
    unsigned fetched = 0, failed = 0;
    size_t queued = consent_previews_pending(o.previews);
    consent_previews_run(o.previews, 0, &fetched, &failed);
    fprintf(stderr, "%s: previews: %zu queued, %u fetched, %u failed\n",
            progname, queued, fetched, failed);
  }
  consent_gate_free(o.gate);
  consent_config_free(o.config);
  consent_previews_free(o.previews);
  consent_state_free(o.state);
  consent_request_free(o.req);
  consent_site_free(o.site);
  free(o.allow);
  free_common(&o.c);
  return rc;
}

static int
cmd_assets(int argc, char **argv)
{
  static const struct { consent_asset_id id; const char *name; } files[] = {
    { CONSENT_ASSET_SCRIPT, "consent.js" },
    { CONSENT_ASSET_STYLE, "consent.css" },
    { CONSENT_ASSET_GUARD, "guard.js" },
  };
  size_t i, len;

  if (argc != 2)
    return usage_error("%s", "usage: assets DIR");
  for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    char path[4096];
    const char *text = consent_asset(files[i].id, &len);
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", argv[1], files[i].name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
      fprintf(stderr, "%s: cannot write '%s': %s\n", progname, path,
              strerror(errno));
      return 1;
    }
    printf("%s\n", path);
  }
  return 0;
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
