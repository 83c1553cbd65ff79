/* entities.h: the HTML named character reference table. */
#ifndef HEADER_CONSENT_ENTITIES_H
#define HEADER_CONSENT_ENTITIES_H

#include <stdint.h>

/* One named reference: its name (without '&', with ';' when the name
 * has one) and its value as UTF-8, both as offsets into the blobs. */
struct consent__entity {
  uint16_t name_off;
  uint8_t name_len;
  uint16_t value_off;
  uint8_t value_len;
};

/* Sorted bytewise by name. */
extern const struct consent__entity consent__entities[];
extern const unsigned consent__entities_count;
extern const char *const consent__entity_names;
extern const char *const consent__entity_values;

#endif /* HEADER_CONSENT_ENTITIES_H */
