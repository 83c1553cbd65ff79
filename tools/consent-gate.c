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
"Reads HTML from FILE (standard input when FILE is absent or \"-\") and\n"
"writes it to standard output with every third-party embed the visitor\n"
"has not consented to replaced by a placeholder.\n"
"\n"
"Options:\n"
"  -o, --output FILE     write to FILE instead of standard output\n"
"      --max-buffer N    the most bytes held for one embed (default\n"
"                        1048576, at least 4096); past it the embed is\n"
"                        replaced, never let through\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
"\n"
"Exit status: 0 on success, 1 when the input cannot be read or the\n"
"output cannot be written, 2 on a usage error.\n", progname);
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

int
main(int argc, char **argv)
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

  if (argc > 0 && argv[0] != NULL && strrchr(argv[0], '/') != NULL)
    progname = strrchr(argv[0], '/') + 1;
  else if (argc > 0 && argv[0] != NULL)
    progname = argv[0];
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
