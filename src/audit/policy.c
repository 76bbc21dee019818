/* Credential policy: presets and the INI file (docs/policy.md). One policy serves `audit`, which
 * judges the secrets it finds in configurations, and `creds`, which judges and generates them.
 *
 * Two presets, because the two rulebooks disagree: "seed" is what business security policies
 * write (complexity, rotation every 60 days, no reuse of the last 6), "nist" is SP 800-63B rev. 4
 * (length 15 for a single-factor password, a blocklist, no composition rules, no periodic change). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <voipsec/audit.h>

vs_rc vs_policy_preset(vs_policy *p, const char *preset, const char *data_dir)
{
    if (!p || !preset)
        return VS_E_INVAL;
    vs_policy n;
    memset(&n, 0, sizeof n);
    if (!strcmp(preset, "seed")) {
        n.min_length = 12;
        n.min_classes = 3;
        n.min_guesses_log10 = 10.0;
        n.pin_min_length = 6;
        n.max_age_days = 60;
        n.history = 6;
    } else if (!strcmp(preset, "nist")) {
        n.min_length = 15;
        n.min_classes = 0;
        n.min_guesses_log10 = 10.0;
        n.pin_min_length = 6;
        n.max_age_days = 0;
        n.history = 0;
    } else {
        return VS_E_INVAL;
    }
    /* firmware: neither rulebook sets a period; 90 days is a quarterly check of each vendor's
     * advisories, and a changed or reviewed device restarts its clock */
    n.firmware_review_days = 90;
    snprintf(n.preset, sizeof n.preset, "%s", preset);
    snprintf(n.blocklist, sizeof n.blocklist, "%s/weak-passwords.txt", data_dir ? data_dir : "data");
    *p = n;
    return VS_OK;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static bool parse_uint(const char *v, unsigned max, unsigned *out)
{
    char *end;
    if (!isdigit((unsigned char)*v))
        return false;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno || *end || n > max)
        return false;
    *out = (unsigned)n;
    return true;
}

vs_rc vs_policy_load(vs_policy *p, const char *path, const char *data_dir, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return VS_E_IO;
    }
    char line[1024];
    unsigned no = 0;
    bool in_policy = false;
    vs_rc rc = VS_OK;
#define FAIL(...)                                                                                 \
    do {                                                                                          \
        int n_ = snprintf(err, errlen, "%s:%u: ", path, no);                                      \
        if (n_ >= 0 && (size_t)n_ < errlen)                                                       \
            snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__);                                 \
        rc = VS_E_PARSE;                                                                          \
        goto out;                                                                                 \
    } while (0)
    while (fgets(line, sizeof line, f)) {
        no++;
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            if (strcmp(s, "[policy]") != 0)
                FAIL("unknown section %s (the policy file has one section, [policy])", s);
            in_policy = true;
            continue;
        }
        if (!in_policy)
            FAIL("key outside the [policy] section");
        char *eq = strchr(s, '=');
        if (!eq)
            FAIL("expected key = value");
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        unsigned u;
        if (!strcmp(key, "preset")) {
            if (vs_policy_preset(p, val, data_dir) != VS_OK)
                FAIL("preset must be seed or nist");
        } else if (!strcmp(key, "min_length")) {
            if (!parse_uint(val, 1024, &u) || u == 0)
                FAIL("min_length: expected a number from 1 to 1024");
            p->min_length = u;
        } else if (!strcmp(key, "min_classes")) {
            if (!parse_uint(val, 4, &u))
                FAIL("min_classes: expected 0 to 4 (lower, upper, digit, symbol)");
            p->min_classes = u;
        } else if (!strcmp(key, "min_guesses_log10")) {
            char *end;
            double d = strtod(val, &end);
            if (*end || d < 0 || d > 100)
                FAIL("min_guesses_log10: expected a number from 0 to 100");
            p->min_guesses_log10 = d;
        } else if (!strcmp(key, "pin_min_length")) {
            if (!parse_uint(val, 64, &u) || u == 0)
                FAIL("pin_min_length: expected a number from 1 to 64");
            p->pin_min_length = u;
        } else if (!strcmp(key, "max_age_days")) {
            if (!parse_uint(val, 3650, &u))
                FAIL("max_age_days: expected 0 (no rotation) to 3650");
            p->max_age_days = u;
        } else if (!strcmp(key, "history")) {
            if (!parse_uint(val, 100, &u))
                FAIL("history: expected 0 to 100");
            p->history = u;
        } else if (!strcmp(key, "firmware_review_days")) {
            if (!parse_uint(val, 3650, &u))
                FAIL("firmware_review_days: expected 0 (no review period) to 3650");
            p->firmware_review_days = u;
        } else if (!strcmp(key, "blocklist")) {
            if (strlen(val) >= sizeof p->blocklist)
                FAIL("blocklist: path too long");
            snprintf(p->blocklist, sizeof p->blocklist, "%s", val);
        } else {
            FAIL("unknown key '%s'", key);
        }
    }
#undef FAIL
out:
    fclose(f);
    return rc;
}
