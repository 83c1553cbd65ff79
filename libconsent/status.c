/*
 * status.c: messages of the public status codes, from the one table in
 * consent.h (CONSENT_STATUS_MAP).
 */
#include "consent.h"

const char *
consent_strerror(consent_status status)
{
  switch (status) {
#define CONSENT__STATUS_STR(name, value, msg) \
  case CONSENT_##name:                        \
    return msg;
    CONSENT_STATUS_MAP(CONSENT__STATUS_STR)
#undef CONSENT__STATUS_STR
  default:
    return "unknown status";
  }
}

const char *
consent_status_name(consent_status status)
{
  switch (status) {
#define CONSENT__STATUS_NAME(name, value, msg) \
  case CONSENT_##name:                         \
    return "CONSENT_" #name;
    CONSENT_STATUS_MAP(CONSENT__STATUS_NAME)
#undef CONSENT__STATUS_NAME
  default:
    return "CONSENT_E_UNKNOWN";
  }
}
