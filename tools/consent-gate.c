/*
 * consent-gate: the command-line filter.  Reads HTML from a file or from
 * standard input and writes the gated page to standard output.  Uses the
 * public header only.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <consent.h>

#define EXIT_USAGE 2
#define CHUNK (64 * 1024)

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
"\n"
"Reads HTML from FILE (standard input when FILE is absent or \"-\") and\n"
"writes it to standard output with every third-party embed the visitor\n"
"has not consented to replaced by a placeholder.  (A file called like a\n"
"command is given as ./key, ./cookie, ...)\n"
"\n"
"Options:\n"
"  -o, --output FILE     write to FILE instead of standard output\n"
"      --max-buffer N    the most bytes held for one embed (default\n"
"                        1048576, at least 4096); past it the embed is\n"
"                        replaced, never let through\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
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
"Common: --providers FILE, --key-file FILE, --now SECONDS (for tests)\n"
"\n"
"Exit status: 0 on success, 1 when a file cannot be read or written or\n"
"a cookie is rejected, 2 on a usage error.\n", progname, progname,
          progname, progname, progname, progname);
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

static int
cmd_gate(int argc, char **argv)
{
  static const struct option longopts[] = {
    { "output", required_argument, NULL, 'o' },
    { "max-buffer", required_argument, NULL, 'B' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
  };
  const char *input = "-", *output = NULL;
  consent_config_t *config = NULL;
  consent_gate_t *gate = NULL;
  consent_rewriter_t *rw = NULL;
  consent_status st;
  struct out out = { stdout, "standard output", 0 };
  size_t max_buffer = 0;
  char *buf = NULL;
  int c, fd = STDIN_FILENO, rc = 1;
  ssize_t n;

  while ((c = getopt_long(argc, argv, "o:hV", longopts, NULL)) != -1) {
    switch (c) {
    case 'o':
      output = optarg;
      break;
    case 'B':
      if (parse_size(optarg, &max_buffer) != 0 || max_buffer < 4096) {
        fprintf(stderr, "%s: --max-buffer: '%s' is not a size of at least "
                "4096 bytes\n", progname, optarg);
        return EXIT_USAGE;
      }
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
  if (optind < argc)
    input = argv[optind];

  if (strcmp(input, "-") != 0) {
    fd = open(input, O_RDONLY);
    if (fd < 0) {
      fprintf(stderr, "%s: cannot open '%s': %s\n", progname, input,
              strerror(errno));
      return 1;
    }
  }
  if (output != NULL && strcmp(output, "-") != 0) {
    out.f = fopen(output, "wb");
    out.name = output;
    if (out.f == NULL) {
      fprintf(stderr, "%s: cannot write '%s': %s\n", progname, output,
              strerror(errno));
      goto done;
    }
  }

  st = consent_config_new(&config);
  if (st == CONSENT_OK && max_buffer != 0)
    st = consent_config_set_max_buffer(config, max_buffer);
  if (st == CONSENT_OK)
    st = consent_gate_new(config, &gate);
  if (st == CONSENT_OK)
    st = consent_rewriter_new(gate, sink, &out, &rw);
  if (st != CONSENT_OK) {
    fprintf(stderr, "%s: %s\n", progname, consent_strerror(st));
    goto done;
  }
  buf = malloc(CHUNK);
  if (buf == NULL) {
    fprintf(stderr, "%s: out of memory\n", progname);
    goto done;
  }
  for (;;) {
    n = read(fd, buf, CHUNK);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      fprintf(stderr, "%s: cannot read '%s': %s\n", progname,
              fd == STDIN_FILENO ? "standard input" : input,
              strerror(errno));
      goto done;
    }
    st = n == 0 ? consent_rewriter_end(rw)
                : consent_rewriter_write(rw, buf, (size_t)n);
    if (st != CONSENT_OK) {
      if (st == CONSENT_E_SINK)
        fprintf(stderr, "%s: cannot write %s: %s\n", progname, out.name,
                strerror(out.err));
      else
        fprintf(stderr, "%s: %s\n", progname, consent_rewriter_errmsg(rw));
      goto done;
    }
    if (n == 0)
      break;
  }
  if (fflush(out.f) != 0 || ferror(out.f)) {
    fprintf(stderr, "%s: cannot write %s: %s\n", progname, out.name,
            strerror(errno));
    goto done;
  }
  rc = 0;

done:
  free(buf);
  consent_rewriter_free(rw);
  consent_gate_free(gate);
  consent_config_free(config);
  if (fd != STDIN_FILENO)
    close(fd);
  if (out.f != stdout && out.f != NULL && fclose(out.f) != 0 && rc == 0) {
    fprintf(stderr, "%s: cannot write '%s': %s\n", progname, output,
            strerror(errno));
    rc = 1;
  }
  return rc;
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
      if (parse_ll(optarg, &policy) != 0 || policy < 0 ||
          policy > 0xFFFFFFFFLL)
        return usage_error("--policy-version: '%s' is not a number",
                           optarg);
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
      if (parse_ll(optarg, &policy) != 0 || policy < 0 ||
          policy > 0xFFFFFFFFLL)
        return usage_error("--policy-version: '%s' is not a number",
                           optarg);
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
  if (argc > 1 && strcmp(argv[1], "providers") == 0)
    return cmd_providers(argc - 1, argv + 1, 0);
  if (argc > 1 && strcmp(argv[1], "match") == 0)
    return cmd_providers(argc - 1, argv + 1, 1);
  return cmd_gate(argc, argv);
}
