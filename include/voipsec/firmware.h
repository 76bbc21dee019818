/* voipsec firmware: device fingerprints from User-Agent/Server strings, per-vendor version
 * comparison, and the catalogue of known-vulnerable firmware.
 *
 * Both the fingerprint rules (data/fingerprints.tsv) and the catalogue
 * (data/firmware-catalogue.tsv) are data files, loaded at start and extendable with the user's own
 * files (docs/firmware.md documents their columns). Facts live there, not in C arrays: the code
 * here only knows how to read rules, how each vendor numbers its versions, and how to test a
 * version against an affected range. Loaded tables are read-only and may be shared by threads. */
#ifndef VOIPSEC_FIRMWARE_H
#define VOIPSEC_FIRMWARE_H

#include <voipsec/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- fingerprints ------------------------------------------------------------------------- */

/* What one User-Agent or Server string says about the device that sent it. Text fields are
 * NUL-terminated; "" when the string does not tell. */
typedef struct vs_fingerprint {
    char vendor[48];   /* canonical vendor: "Yealink", "Poly", "Cisco", "Grandstream", "Snom",
                        * "Fanvil", "Avaya", "Mitel", "Asterisk", "FreePBX", "FreeSWITCH",
                        * "Kamailio", "OpenSIPS", "3CX", ... */
    char model[64];    /* "SIP-T46S", "VVX 410", "SPA504G", "CP-8841", "GXP2170"; for servers the
                        * product ("Asterisk PBX", "FreeSWITCH") */
    char version[64];  /* firmware or software version as the vendor writes it ("66.86.0.15",
                        * "18.20.0", "18.9-cert11", "11-3-7MPP0001-609") */
    char kind[16];     /* "phone", "pbx", "proxy", "ata", "gateway", "softphone", "sbc", "client" */
    /* The platform underneath, when the string names one (FreePBX on Asterisk: "FPBX-16.0.40.7
     * (18.20.0)" gives vendor FreePBX 16.0.40.7 on platform Asterisk 18.20.0). The catalogue is
     * matched against both identities. */
    char platform_vendor[48];
    char platform_version[64];
    char rule[48];     /* id of the rule that matched, for evidence and tests */
} vs_fingerprint;

typedef struct vs_fp_rules vs_fp_rules;

/* Loads fingerprint rules from one or more TSV files, in order; earlier files win when two rules
 * match the same string (put the user's own files first). NULL with "FILE:LINE: what is wrong"
 * in err on any bad line (bad regular expression, unknown vendor scheme, wrong column count). */
VS_EXPORT vs_fp_rules *vs_fp_rules_load(const char *const *paths, size_t npaths, char *err,
                                        size_t errlen);
VS_EXPORT void vs_fp_rules_free(vs_fp_rules *rules);
VS_EXPORT size_t vs_fp_rules_count(const vs_fp_rules *rules);

/* Fingerprints a User-Agent or Server value (n bytes, need not be NUL-terminated). Returns true
 * and fills out when a rule matched; false (out cleared) when none did. */
VS_EXPORT bool vs_fp_match(const vs_fp_rules *rules, const char *ua, size_t n,
                           vs_fingerprint *out);

/* ---- versions ------------------------------------------------------------------------------ */

/* Compares two versions of one vendor's numbering: negative, 0 or positive as a < b, a == b,
 * a > b. Runs of digits compare as numbers, letters after the digits of a part sort as the
 * vendor writes them (Cisco "7.6.2c" > "7.6.2b", "11-3-7SR1" > "11-3-7"), pre-release markers
 * (alpha, beta, rc) before the release, and separators ('.', '-', '_') are equivalent. Vendor
 * may be NULL or unknown: the generic rules apply. Never fails; text that is not a version sorts
 * before every version. */
VS_EXPORT int vs_version_cmp(const char *vendor, const char *a, const char *b);

/* The release train of a version, for vendors that keep parallel trains with their own numbers
 * (Asterisk certified releases "18.9-cert11" are train "cert"); "" for the main line. Written to
 * buf (>= 16 bytes). */
VS_EXPORT void vs_version_train(const char *vendor, const char *version, char *buf, size_t size);

/* Tests a version against an affected-range expression of the catalogue (docs/firmware.md):
 * intervals separated by ';', each a space-separated list of constraints "<V", "<=V", ">V",
 * ">=V", "=V", optionally led by "train:NAME" (an interval without it applies to the main line
 * only), or "*" for every version. Returns 1 inside, 0 outside, VS_E_PARSE when the expression
 * is malformed. */
VS_EXPORT int vs_version_in_range(const char *vendor, const char *version, const char *range);

/* ---- the catalogue of vulnerable firmware ------------------------------------------------- */

typedef struct vs_vuln {
    char vendor[48];
    char model_pattern[128]; /* POSIX extended regex on the model, case-insensitive; "*": any */
    char affected[256];      /* range expression (vs_version_in_range) */
    char fixed[128];         /* fixed version(s), as text for people */
    char cve[32];            /* "CVE-2024-42365" */
    char severity[12];       /* "low", "medium", "high", "critical" (CVSS v3 band) */
    char summary[256];
    char source[256];        /* advisory or CVE record the entry was taken from */
    char file[256];          /* catalogue file and line the entry came from */
    unsigned line;
} vs_vuln;

typedef struct vs_catalogue vs_catalogue;

/* Loads catalogue files in order (the built-in one and the user's own). NULL with
 * "FILE:LINE: what is wrong" in err on any bad line (bad range, bad regex, unknown severity). */
VS_EXPORT vs_catalogue *vs_catalogue_load(const char *const *paths, size_t npaths, char *err,
                                          size_t errlen);
VS_EXPORT void vs_catalogue_free(vs_catalogue *cat);
VS_EXPORT size_t vs_catalogue_count(const vs_catalogue *cat);
VS_EXPORT const vs_vuln *vs_catalogue_entry(const vs_catalogue *cat, size_t i);

/* Calls fn for every catalogue entry that affects the fingerprinted device (its own identity and
 * its platform's), in file order; stops when fn returns false. Returns the number of matches. */
typedef bool (*vs_vuln_fn)(void *ctx, const vs_vuln *v, const char *matched_vendor,
                           const char *matched_version);
VS_EXPORT size_t vs_catalogue_match(const vs_catalogue *cat, const vs_fingerprint *fp,
                                    vs_vuln_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
