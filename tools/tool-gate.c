/*
 * tool-gate.c: consent-gate's main command: gates a page from a file or
 * standard input (or every page of a folder, in place).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool-gate.h"

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
int
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
int
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
int
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

int
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
