/*
 * tool-gate.h: the gate command's options and what tool-gate.c and
 * tool-http.c share.
 */
#ifndef CONSENT_TOOL_GATE_H
#define CONSENT_TOOL_GATE_H

#include "tool.h"

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

/* A rewriter for one output, set up from the options.  Returns 0, or 1
 * with a message written. */
int open_rewriter(struct gate_opts *o, struct out *outp,
                  consent_rewriter_t **rwp);
/* Gates pre (npre bytes already read) and the rest of fd through rw to
 * out.  Returns 0, or 1 with a message written. */
int feed(struct gate_opts *o, consent_rewriter_t *rw, int fd,
         const char *in_name, struct out *outp, const char *pre,
         size_t npre);
/* Copies the rest of fd to out unchanged. */
int copy_fd(int fd, const char *in_name, struct out *outp);
/* --http: the response a server module sends for the one on fd. */
int http_stream(struct gate_opts *o, int fd, const char *in_name,
                struct out *outp);

#endif /* CONSENT_TOOL_GATE_H */
