/*
 * tool.h: what the commands of consent-gate share (tools/consent-gate.c
 * holds main() and these helpers; each tool-*.c file a group of
 * commands, as curl's src/tool_*.c).  Uses the public header only.
 */
#ifndef CONSENT_TOOL_H
#define CONSENT_TOOL_H

#include <getopt.h>
#include <stdio.h>

#include <consent.h>

#define EXIT_USAGE 2
#define CHUNK (64 * 1024)

extern const char *progname;

/* The --help text. */
void usage(FILE *f);

/* An output: the stream, its name for messages, the errno of a failed
 * write. */
struct out {
  FILE *f;
  const char *name;
  int err;
};

/* A rewriter's sink writing to a struct out. */
int sink(const char *buf, size_t len, void *ud);

/* The options every command shares, and what they load. */
struct common {
  const char *providers;
  const char *key_file;
  long long now;
  consent_registry_t *registry;
  consent_keyring_t *ring;
};

#define COMMON_OPTIONS                                  \
  { "providers", required_argument, NULL, 'P' },        \
  { "key-file", required_argument, NULL, 'K' },         \
  { "now", required_argument, NULL, 'N' }

/* A usage error: "progname: " fmt (a literal with one %s) and a hint;
 * returns EXIT_USAGE. */
int usage_error(const char *fmt, const char *arg);
int parse_size(const char *s, size_t *out);
int parse_ll(const char *s, long long *out);
/* --policy-version N: 0 to 2^32-1.  Returns 0, or -1 after a message. */
int parse_policy(const char *s, long long *out);
/* Loads what the options name: the registry always, the key ring when
 * want_ring.  Returns 0, or an exit status. */
int load_common(struct common *c, int want_ring);
void free_common(struct common *c);
/* For getopt_long's answer: -2 when the option was a common one
 * (handled), -3 on a bad value, else the option. */
int common_option(struct common *c, int opt);

/* The commands (argv[0] is the command's name). */
int cmd_gate(int argc, char **argv);             /* tool-gate.c */
int cmd_key(int argc, char **argv);              /* tool-consent.c */
int cmd_cookie_issue(int argc, char **argv);
int cmd_cookie_verify(int argc, char **argv);
int cmd_tcf(int argc, char **argv);
int cmd_banner(int argc, char **argv);
int cmd_providers(int argc, char **argv, int match);  /* tool-providers.c */
int cmd_assets(int argc, char **argv);

#endif /* CONSENT_TOOL_H */
