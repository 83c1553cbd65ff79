/*
 * version.c: the library's version, and consent_free() for what it hands
 * out.
 */
#include <stdlib.h>

#include "consent.h"

const char *
consent_version(void)
{
  return CONSENT_VERSION_STRING;
}

unsigned int
consent_version_num(void)
{
  return CONSENT_VERSION_NUM;
}

void
consent_free(void *ptr)
{
  free(ptr);
}
