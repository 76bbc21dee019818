/* Monitor configuration: defaults and the INI file (docs/monitor-config.md).
 *
 * The file is "[section]" headers and "key = value" lines; '#' and ';' start comments. Every key
 * is declared once in the table below with its section, type and field, so that the parser, the
 * defaults and the documentation cannot drift apart: an unknown section or key is an error naming
 * the file and line (a typo must not silently disable a detector). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <voipsec/monitor.h>

typedef enum { T_BOOL, T_UINT, T_SIZE, T_SECONDS, T_RATIO, T_PATH, T_TEXT, T_CLOCK, T_DAYS, T_OFFSET } key_type;

typedef struct key_def {
    const char *section;
    const char *key;
    key_type type;
    size_t offset;
    size_t size; /* for text fields */
} key_def;

#define F(field) offsetof(vs_monitor_config, field)
#define S(field) sizeof(((vs_monitor_config *)0)->field)

static const key_def keys[] = {
    {"general", "incident_idle", T_SECONDS, F(incident_idle_us), 0},
    {"general", "max_sources", T_SIZE, F(max_sources), 0},
    {"general", "max_users", T_SIZE, F(max_users), 0},
    {"general", "max_dialogs", T_SIZE, F(max_dialogs), 0},
    {"general", "max_incidents", T_SIZE, F(max_incidents), 0},
    {"general", "data_dir", T_PATH, F(data_dir), S(data_dir)},
    {"scan", "enabled", T_BOOL, F(scan_enabled), 0},
    {"scan", "user_agents", T_PATH, F(scan_user_agents), S(scan_user_agents)},
    {"scan", "window", T_SECONDS, F(scan_window_us), 0},
    {"scan", "min_targets", T_UINT, F(scan_min_targets), 0},
    {"scan", "min_options", T_UINT, F(scan_min_options), 0},
    {"enumeration", "enabled", T_BOOL, F(enum_enabled), 0},
    {"enumeration", "window", T_SECONDS, F(enum_window_us), 0},
    {"enumeration", "min_users", T_UINT, F(enum_min_users), 0},
    {"enumeration", "fail_ratio", T_RATIO, F(enum_fail_ratio), 0},
    {"bruteforce", "enabled", T_BOOL, F(brute_enabled), 0},
    {"bruteforce", "window", T_SECONDS, F(brute_window_us), 0},
    {"bruteforce", "min_failures", T_UINT, F(brute_min_failures), 0},
    {"bruteforce", "distributed_sources", T_UINT, F(brute_dist_sources), 0},
    {"bruteforce", "distributed_users", T_UINT, F(brute_dist_users), 0},
    {"flood", "enabled", T_BOOL, F(flood_enabled), 0},
    {"flood", "window", T_SECONDS, F(flood_window_us), 0},
    {"flood", "per_source", T_UINT, F(flood_per_source), 0},
    {"flood", "total", T_UINT, F(flood_total), 0},
    {"toll-fraud", "enabled", T_BOOL, F(fraud_enabled), 0},
    {"toll-fraud", "prefixes", T_PATH, F(fraud_prefixes), S(fraud_prefixes)},
    {"toll-fraud", "international_prefixes", T_TEXT, F(fraud_intl_prefixes), S(fraud_intl_prefixes)},
    {"toll-fraud", "business_start", T_CLOCK, F(business_start_min), 0},
    {"toll-fraud", "business_end", T_CLOCK, F(business_end_min), 0},
    {"toll-fraud", "business_days", T_DAYS, F(business_days), 0},
    {"toll-fraud", "utc_offset", T_OFFSET, F(utc_offset_min), 0},
    {"toll-fraud", "burst_window", T_SECONDS, F(fraud_burst_window_us), 0},
    {"toll-fraud", "burst_calls", T_UINT, F(fraud_burst_calls), 0},
    {"toll-fraud", "max_concurrent", T_UINT, F(fraud_max_concurrent), 0},
    {"weak-credential", "enabled", T_BOOL, F(weak_enabled), 0},
    {"weak-credential", "wordlist", T_PATH, F(weak_wordlist), S(weak_wordlist)},
    {"malformed", "enabled", T_BOOL, F(malformed_enabled), 0},
    {"malformed", "min_messages", T_UINT, F(malformed_min), 0},
    {"cleartext-signalling", "enabled", T_BOOL, F(cleartext_enabled), 0},
    {"unencrypted-media", "enabled", T_BOOL, F(media_enabled), 0},
};

void vs_monitor_config_default(vs_monitor_config *c, const char *data_dir)
{
    memset(c, 0, sizeof *c);
    const char *dd = data_dir ? data_dir : "data";
    snprintf(c->data_dir, sizeof c->data_dir, "%s", dd);
    c->incident_idle_us = 3600 * 1000000LL;
    c->max_sources = 32768;
    c->max_users = 32768;
    c->max_dialogs = 65536;
    c->max_incidents = 4096;
    c->scan_enabled = true;
    snprintf(c->scan_user_agents, sizeof c->scan_user_agents, "%s/scanner-user-agents.tsv", dd);
    c->scan_window_us = 60 * 1000000LL;
    c->scan_min_targets = 10;
    c->scan_min_options = 10;
    c->enum_enabled = true;
    c->enum_window_us = 60 * 1000000LL;
    c->enum_min_users = 10;
    c->enum_fail_ratio = 0.8;
    c->brute_enabled = true;
    c->brute_window_us = 300 * 1000000LL;
    c->brute_min_failures = 10;
    c->brute_dist_sources = 5;
    c->brute_dist_users = 10;
    c->flood_enabled = true;
    c->flood_window_us = 10 * 1000000LL;
    c->flood_per_source = 200;
    c->flood_total = 5000;
    c->fraud_enabled = true;
    snprintf(c->fraud_prefixes, sizeof c->fraud_prefixes, "%s/high-risk-prefixes.tsv", dd);
    snprintf(c->fraud_intl_prefixes, sizeof c->fraud_intl_prefixes, "00,011,9011,900");
    c->business_start_min = 8 * 60;
    c->business_end_min = 18 * 60;
    c->business_days = 0x3e;
    c->utc_offset_min = 0;
    c->fraud_burst_window_us = 60 * 1000000LL;
    c->fraud_burst_calls = 10;
    c->fraud_max_concurrent = 5;
    c->weak_enabled = true;
    snprintf(c->weak_wordlist, sizeof c->weak_wordlist, "%s/weak-passwords.txt", dd);
    c->malformed_enabled = true;
    c->malformed_min = 1;
    c->cleartext_enabled = true;
    c->media_enabled = true;
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

static bool parse_u64(const char *v, unsigned long long max, unsigned long long *out)
{
    char *end;
    if (!isdigit((unsigned char)*v))
        return false;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || *end || n > max)
        return false;
    *out = n;
    return true;
}

/* "HH:MM" -> minutes after midnight */
static bool parse_clock(const char *v, int *out)
{
    int h, m;
    char tail;
    if (sscanf(v, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 || m < 0 || m > 59 ||
        (h == 24 && m != 0))
        return false;
    *out = h * 60 + m;
    return true;
}

/* "+01:00", "-05:30", "0" -> minutes */
static bool parse_offset(const char *v, int *out)
{
    int sign = 1, h = 0, m = 0;
    char tail;
    if (*v == '+' || *v == '-')
        sign = *v++ == '-' ? -1 : 1;
    int n = sscanf(v, "%d:%d%c", &h, &m, &tail);
    if ((n != 1 && n != 2) || h < 0 || h > 14 || m < 0 || m > 59)
        return false;
    *out = sign * (h * 60 + m);
    return true;
}

/* "mon-fri", "mon,wed,fri", "sat-sun" -> bit set, Sunday = bit 0 */
static bool parse_days(const char *v, unsigned *out)
{
    static const char *const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    unsigned bits = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", v);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        tok = trim(tok);
        int a = -1, b = -1;
        char *dash = strchr(tok, '-');
        if (dash)
            *dash = '\0';
        for (int i = 0; i < 7; i++) {
            if (strcasecmp(trim(tok), names[i]) == 0)
                a = i;
            if (dash && strcasecmp(trim(dash + 1), names[i]) == 0)
                b = i;
        }
        if (a < 0 || (dash && b < 0))
            return false;
        if (!dash)
            b = a;
        for (int i = a;; i = (i + 1) % 7) {
            bits |= 1u << i;
            if (i == b)
                break;
        }
    }
    *out = bits;
    return bits != 0;
}

static const char *set_value(vs_monitor_config *c, const key_def *k, const char *v)
{
    char *field = (char *)c + k->offset;
    unsigned long long n;
    switch (k->type) {
    case T_BOOL:
        if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "on"))
            *(bool *)(void *)field = true;
        else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "off"))
            *(bool *)(void *)field = false;
        else
            return "expected yes or no";
        return NULL;
    case T_UINT:
        if (!parse_u64(v, 1000000000ull, &n) || n == 0)
            return "expected a whole number from 1 to 1000000000";
        *(unsigned *)(void *)field = (unsigned)n;
        return NULL;
    case T_SIZE:
        if (!parse_u64(v, 100000000ull, &n) || n < 16)
            return "expected a whole number from 16 to 100000000";
        *(size_t *)(void *)field = (size_t)n;
        return NULL;
    case T_SECONDS:
        if (!parse_u64(v, 86400ull * 365, &n) || n == 0)
            return "expected a number of seconds from 1 to 31536000";
        *(int64_t *)(void *)field = (int64_t)n * 1000000LL;
        return NULL;
    case T_RATIO: {
        char *end;
        double d = strtod(v, &end);
        if (*end || !(d > 0.0 && d <= 1.0))
            return "expected a share between 0 and 1, such as 0.8";
        *(double *)(void *)field = d;
        return NULL;
    }
    case T_PATH:
    case T_TEXT:
        if (strlen(v) >= k->size)
            return "value too long";
        memcpy(field, v, strlen(v) + 1);
        return NULL;
    case T_CLOCK:
        if (!parse_clock(v, (int *)(void *)field))
            return "expected a time of day as HH:MM";
        return NULL;
    case T_DAYS:
        if (!parse_days(v, (unsigned *)(void *)field))
            return "expected days such as mon-fri or mon,wed,fri";
        return NULL;
    case T_OFFSET:
        if (!parse_offset(v, (int *)(void *)field))
            return "expected an offset from UTC such as +01:00 or -05:00";
        return NULL;
    }
    return "unknown key type";
}

vs_rc vs_monitor_config_load(vs_monitor_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return VS_E_IO;
    }
    char line[1024], section[64] = "";
    unsigned lineno = 0;
    vs_rc rc = VS_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%u: line too long (1023 bytes at most)", path, lineno);
            rc = VS_E_PARSE;
            break;
        }
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || close[1]) {
                snprintf(err, errlen, "%s:%u: a section header is [name]", path, lineno);
                rc = VS_E_PARSE;
                break;
            }
            *close = '\0';
            snprintf(section, sizeof section, "%s", trim(s + 1));
            bool known = false;
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
                known |= strcmp(keys[i].section, section) == 0;
            if (!known) {
                snprintf(err, errlen, "%s:%u: unknown section [%s]", path, lineno, section);
                rc = VS_E_PARSE;
                break;
            }
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%u: expected key = value", path, lineno);
            rc = VS_E_PARSE;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        /* a comment after the value */
        char *hash = strstr(value, " #");
        if (hash)
            *hash = '\0', value = trim(value);
        const key_def *k = NULL;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (strcmp(keys[i].section, section[0] ? section : "general") == 0 &&
                strcmp(keys[i].key, key) == 0)
                k = &keys[i];
        if (!k) {
            snprintf(err, errlen, "%s:%u: unknown key '%s' in [%s]", path, lineno, key,
                     section[0] ? section : "general");
            rc = VS_E_PARSE;
            break;
        }
        const char *why = set_value(c, k, value);
        if (why) {
            snprintf(err, errlen, "%s:%u: %s: %s", path, lineno, key, why);
            rc = VS_E_PARSE;
            break;
        }
    }
    fclose(f);
    return rc;
}
