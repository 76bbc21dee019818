/* Private to src/firmware/: vendor names and version helpers shared by the fingerprint rules
 * (fingerprint.c), the version code (version.c) and the catalogue (catalogue.c). */
#ifndef VS_FIRMWARE_INTERNAL_H
#define VS_FIRMWARE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <voipsec/firmware.h>

/* Caps on loaded tables (docs/firmware.md): a load past them fails with a FILE:LINE message. */
#define VS__FP_MAX_RULES 4096
#define VS__CAT_MAX_ENTRIES 65536
/* Longest User-Agent / Server value looked at by vs_fp_match (longer values are cut). */
#define VS__FP_MAX_UA 1023
/* Longest range expression vs_version_in_range accepts. */
#define VS__RANGE_MAX 1023

/* The canonical name for a known alias of a vendor ("Polycom" -> "Poly", "Aastra" -> "Mitel",
 * "Linksys" -> "Cisco", "OpenSER" -> "Kamailio"), compared without regard to case; otherwise
 * name itself. Static storage or name; never NULL (NULL gives ""). Thread-safe. */
const char *vs__vendor_canon(const char *name);

/* true when name is an alias that vs__vendor_canon maps to another name. */
bool vs__vendor_is_alias(const char *name);

/* true when a and b name the same vendor (canonical names equal, ignoring case). */
bool vs__vendor_same(const char *a, const char *b);

/* true when text is a version under vendor's numbering (it starts with a digit, after an optional
 * "v"/"r" and, for Asterisk, "certified/"); non-versions never match a range. */
bool vs__version_valid(const char *vendor, const char *text);

/* Checks a range expression for vendor without testing a version: true when well-formed; false
 * with a short reason in why (NUL-terminated, truncated to whylen). */
bool vs__range_check(const char *vendor, const char *range, char *why, size_t whylen);

#endif
