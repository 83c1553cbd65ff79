/*
 * tool-providers.c: consent-gate's commands about providers and assets:
 * providers, match, assets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

int
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
