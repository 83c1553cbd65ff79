/*
 * tool-consent.c: consent-gate's commands of the consent model: key new,
 * cookie issue, cookie verify, tcf, banner.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* tcf TC_STRING */
int
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
int
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

int
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

int
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

int
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
