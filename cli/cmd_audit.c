/* `voipsec audit`: read PBX configurations (Asterisk, FreeSWITCH, Kamailio) and report what is
 * unsafe and why. See docs/cli/audit.md.
 *
 * The library's engine (voipsec/audit.h) recognises the product of each PATH, loads it and runs
 * the checks; this file decides what is printed. Findings arrive through a callback and are
 * written as they come: JSON lines straight to the output, text into one memory stream per
 * (practice, severity) so that the report can be grouped by practice and ordered by severity
 * without keeping whole vs_finding structs, SARIF results into one memory stream (the rules list
 * comes from the catalogue and must precede the results). Memory therefore grows with the size
 * of the report, not with sizeof(vs_finding) per finding. Secrets never reach this file: the
 * checks mask them before a finding is made. */
#define _DEFAULT_SOURCE /* open_memstream */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <voipsec/audit.h>

#include "cli.h"

enum { FMT_TEXT, FMT_JSON, FMT_SARIF };

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

typedef struct audit_path {
    const char *path;
    vs_conf_product product;
    unsigned long findings;
    vs_rc rc;
    char error[2048]; /* "" when audited */
} audit_path;

typedef struct audit_cli {
    int format;
    FILE *out;
    vs_store *store;
    int64_t run_id;
    unsigned long store_errors;
    vs_severity fail_on;
    bool has_fail_on;
    bool failed;
    unsigned long findings;
    unsigned long by_sev[VS_SEV__COUNT];
    unsigned long by_practice[VS_PRACTICE__COUNT];
    audit_path *current;
    /* text: one stream per practice and severity */
    FILE *group[VS_PRACTICE__COUNT][VS_SEV__COUNT];
    char *group_buf[VS_PRACTICE__COUNT][VS_SEV__COUNT];
    size_t group_len[VS_PRACTICE__COUNT][VS_SEV__COUNT];
    /* sarif: results and the rules they use beyond the catalogue */
    FILE *results;
    char *results_buf;
    size_t results_len;
    const vs_audit_check_info *cat;
    size_t ncat;
    char (*extra_rules)[64];
    vs_practice *extra_practice;
    size_t nextra;
    char cwd[PATH_MAX];
} audit_cli;

static const char *const practice_heading[VS_PRACTICE__COUNT] = {
    "Credentials: strong, never reused secrets and PINs",
    "Firmware: current, non-vulnerable software",
    "Network: no exposed or unauthenticated SIP, TLS and SRTP done right",
    "Equipment: controlled access to the PBX and its management interfaces",
    "Activity: abuse (toll fraud, password guessing) spotted and stopped",
    "Provider: trunks and providers with TLS and SRTP",
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: voipsec audit [options] PATH...\n"
            "       voipsec audit --list-checks [--format text|json]\n\n"
            "Reads PBX configurations (Asterisk, FreeSWITCH, Kamailio) and reports what is unsafe\n"
            "and why: weak or reused secrets and PINs, guest calling, dialplans open to toll fraud,\n"
            "missing TLS and SRTP, exposed management interfaces. PATH is a configuration directory\n"
            "(/etc/asterisk, /etc/freeswitch, /etc/kamailio) or one file; the product is recognised\n"
            "from what is there.\n\n"
            "Options:\n"
            "  -f, --format FMT      text (default: grouped by practice, with a summary), json (one\n"
            "                        finding per line, then a summary line) or sarif (SARIF 2.1.0,\n"
            "                        for code scanning in CI)\n"
            "  -o, --output FILE     write to FILE (created 0600) instead of standard output\n"
            "  -p, --policy FILE     credential policy (INI; see docs/policy.md), read over the\n"
            "                        preset\n"
            "      --preset NAME     seed (default: business rules, complexity and rotation) or\n"
            "                        nist (SP 800-63B rev. 4: length and blocklist)\n"
            "      --fail-on SEV     exit 1 when a finding of severity SEV or above is reported\n"
            "                        (info, low, medium, high, critical)\n"
            "      --db FILE         also record findings in this SQLite store (default: $VOIPSEC_DB\n"
            "                        or ~/.local/share/voipsec/voipsec.db)\n"
            "      --no-db           do not record anything\n"
            "      --data-dir DIR    where the data files are (default: $VOIPSEC_DATA_DIR or the\n"
            "                        built-in path)\n"
            "      --list-checks     print every check (id, product, practice, severity, title)\n"
            "  -h, --help            this help\n\n"
            "Exit status: 0 done, 1 a finding at or above --fail-on, 2 usage error, or a PATH that\n"
            "cannot be read or holds no configuration voipsec knows, or a configuration that fails\n"
            "to load (the other PATHs are still audited). Secrets never appear in the output.\n");
}

static void oom(void)
{
    fprintf(stderr, "voipsec: out of memory\n");
    abort();
}

/* ---- text ---------------------------------------------------------------------------------- */

/* Writes text wrapped at width columns, each line starting with indent. */
static void wrap(FILE *out, const char *text, const char *indent, size_t width)
{
    size_t ind = strlen(indent), col = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        if (*p == '\n') {
            if (col)
                putc('\n', out);
            col = 0;
            p++;
            continue;
        }
        if (!*p)
            break;
        size_t w = strcspn(p, " \n");
        if (col && col + 1 + w > width) {
            putc('\n', out);
            col = 0;
        }
        if (!col) {
            fputs(indent, out);
            col = ind;
        } else {
            putc(' ', out);
            col++;
        }
        fwrite(p, 1, w, out);
        col += w;
        p += w;
    }
    if (col)
        putc('\n', out);
}

static void write_text_finding(FILE *out, const vs_finding *f)
{
    char sev[16];
    const char *s = vs_severity_id(f->severity);
    size_t i;
    for (i = 0; s[i] && i + 1 < sizeof sev; i++)
        sev[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
    sev[i] = '\0';
    fprintf(out, "[%s] %s\n", sev, f->title);
    fputs("  ", out);
    if (f->file[0]) {
        fputs(f->file, out);
        if (f->line)
            fprintf(out, ":%u", f->line);
        fputs("  ", out);
    }
    fprintf(out, "(%s", f->rule);
    if (f->user[0])
        fprintf(out, ", %s", f->user);
    fputs(")\n", out);
    if (f->evidence[0] && strcmp(f->evidence, "{}") != 0)
        fprintf(out, "  Evidence: %s\n", f->evidence);
    if (f->explain[0]) {
        fputs("  What it means:\n", out);
        wrap(out, f->explain, "    ", 96);
    }
    if (f->advice[0]) {
        fputs("  What to do:\n", out);
        wrap(out, f->advice, "    ", 96);
    }
    putc('\n', out);
}

/* ---- SARIF ----------------------------------------------------------------------------------- */

static const char *sarif_level(vs_severity s)
{
    return s >= VS_SEV_HIGH ? "error" : s == VS_SEV_MEDIUM ? "warning" : "note";
}

/* GitHub code scanning ranks security results by this number (0.1 to 10). */
static const char *sarif_security_severity(vs_severity s)
{
    static const char *const v[VS_SEV__COUNT] = {"1.0", "3.0", "5.5", "8.0", "9.5"};
    return s < VS_SEV__COUNT ? v[s] : "1.0";
}

/* The rule index of id in the run's rules (catalogue, then rules seen only in results). */
static size_t sarif_rule_index(audit_cli *c, const char *id, vs_practice practice)
{
    for (size_t i = 0; i < c->ncat; i++)
        if (!strcmp(c->cat[i].id, id))
            return i;
    for (size_t i = 0; i < c->nextra; i++)
        if (!strcmp(c->extra_rules[i], id))
            return c->ncat + i;
    char(*r)[64] = realloc(c->extra_rules, (c->nextra + 1) * sizeof *r);
    if (!r)
        oom();
    c->extra_rules = r;
    vs_practice *p = realloc(c->extra_practice, (c->nextra + 1) * sizeof *p);
    if (!p)
        oom();
    c->extra_practice = p;
    snprintf(c->extra_rules[c->nextra], sizeof c->extra_rules[0], "%s", id);
    c->extra_practice[c->nextra] = practice;
    return c->ncat + c->nextra++;
}

/* Writes path as a URI reference: relative to the current directory when it is under it,
 * "file://" for other absolute paths; bytes outside RFC 3986's unreserved set and '/' are
 * percent-encoded. */
static void sarif_uri(FILE *out, const audit_cli *c, const char *path)
{
    const char *p = path;
    bool file_scheme = false;
    if (path[0] == '/') {
        size_t n = strlen(c->cwd);
        if (n > 1 && !strncmp(path, c->cwd, n) && path[n] == '/')
            p = path + n + 1;
        else if (n == 1)
            p = path + 1;
        else
            file_scheme = true;
    }
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    putc('"', out);
    if (file_scheme)
        fputs("file://", out);
    for (const unsigned char *q = (const unsigned char *)p; *q; q++) {
        if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
            *q == '-' || *q == '.' || *q == '_' || *q == '~' || *q == '/')
            putc(*q, out);
        else
            fprintf(out, "%%%02X", *q);
    }
    putc('"', out);
}

static void write_sarif_result(audit_cli *c, const vs_finding *f)
{
    FILE *out = c->results;
    size_t idx = sarif_rule_index(c, f->rule, f->practice);
    if (c->findings > 1)
        fputs(",", out);
    fputs("\n        {\"ruleId\":", out);
    vs_json_cstr(out, f->rule);
    fprintf(out, ",\"ruleIndex\":%zu,\"level\":\"%s\",\"message\":{\"text\":", idx,
            sarif_level(f->severity));
    char *msg = NULL;
    size_t msglen = 0;
    FILE *m = open_memstream(&msg, &msglen);
    if (!m)
        oom();
    fputs(f->title, m);
    if (f->explain[0])
        fprintf(m, "\n\n%s", f->explain);
    if (f->advice[0])
        fprintf(m, "\n\nWhat to do: %s", f->advice);
    fclose(m);
    vs_json_str(out, msg, msglen);
    free(msg);
    fputs("}", out);
    if (f->file[0]) {
        fputs(",\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
        sarif_uri(out, c, f->file);
        fputs("}", out);
        if (f->line)
            fprintf(out, ",\"region\":{\"startLine\":%u}", f->line);
        fputs("}}]", out);
    }
    fprintf(out, ",\"properties\":{\"severity\":\"%s\",\"practice\":\"%s\"",
            vs_severity_id(f->severity), vs_practice_id(f->practice));
    if (f->user[0]) {
        fputs(",\"user\":", out);
        vs_json_cstr(out, f->user);
    }
    if (f->evidence[0] == '{')
        fprintf(out, ",\"evidence\":%s", f->evidence);
    fputs("}}", out);
}

static void write_sarif_rule(FILE *out, bool first, const char *id, const char *title,
                             const char *rationale, vs_severity sev, vs_practice practice,
                             const char *product)
{
    fputs(first ? "\n            " : ",\n            ", out);
    fputs("{\"id\":", out);
    vs_json_cstr(out, id);
    fputs(",\"shortDescription\":{\"text\":", out);
    vs_json_cstr(out, title);
    fputs("}", out);
    if (rationale && *rationale) {
        fputs(",\"fullDescription\":{\"text\":", out);
        vs_json_cstr(out, rationale);
        fputs("}", out);
    }
    fprintf(out,
            ",\"defaultConfiguration\":{\"level\":\"%s\"},\"properties\":{\"practice\":\"%s\","
            "\"severity\":\"%s\",\"security-severity\":\"%s\",\"tags\":[\"security\",\"%s\"",
            sarif_level(sev), vs_practice_id(practice), vs_severity_id(sev),
            sarif_security_severity(sev), vs_practice_id(practice));
    if (product)
        fprintf(out, ",\"%s\"", product);
    fputs("]}}", out);
}

static void write_sarif(audit_cli *c, const audit_path *paths, size_t npaths)
{
    FILE *out = c->out;
    fflush(c->results);
    fprintf(out,
            "{\n  \"$schema\": \"" SARIF_SCHEMA "\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n"
            "    {\n      \"tool\": {\n        \"driver\": {\n          \"name\": \"voipsec\",\n"
            "          \"version\": \"%s\",\n          \"semanticVersion\": \"%s\",\n"
            "          \"rules\": [",
            vs_version(), vs_version());
    for (size_t i = 0; i < c->ncat; i++)
        write_sarif_rule(out, i == 0, c->cat[i].id, c->cat[i].title, c->cat[i].rationale,
                         c->cat[i].severity, c->cat[i].practice,
                         vs_conf_product_name(c->cat[i].product));
    for (size_t i = 0; i < c->nextra; i++)
        write_sarif_rule(out, c->ncat == 0 && i == 0, c->extra_rules[i], c->extra_rules[i], NULL,
                         VS_SEV_MEDIUM, c->extra_practice[i], NULL);
    fputs("\n          ]\n        }\n      },\n", out);
    /* One invocation: whether every PATH could be audited, and why not. */
    bool ok = true;
    for (size_t i = 0; i < npaths; i++)
        if (paths[i].error[0])
            ok = false;
    fprintf(out, "      \"invocations\": [{\"executionSuccessful\": %s", ok ? "true" : "false");
    if (!ok) {
        fputs(", \"toolExecutionNotifications\": [", out);
        bool first = true;
        for (size_t i = 0; i < npaths; i++) {
            if (!paths[i].error[0])
                continue;
            fputs(first ? "" : ", ", out);
            first = false;
            fputs("{\"level\": \"error\", \"message\": {\"text\": ", out);
            vs_json_cstr(out, paths[i].error);
            fputs("}}", out);
        }
        fputs("]", out);
    }
    fputs("}],\n      \"results\": [", out);
    if (c->results_len)
        fwrite(c->results_buf, 1, c->results_len, out);
    fputs(c->findings ? "\n      ]\n    }\n  ]\n}\n" : "]\n    }\n  ]\n}\n", out);
}

/* ---- findings -------------------------------------------------------------------------------- */

/* Normalises a path in place without touching the file system: "a//b" -> "a/b", "a/./b" -> "a/b",
 * "a/x/../b" -> "a/b" (FreeSWITCH includes such as "../sip_profiles/NAME.xml" leave those). A ".."
 * that would climb above the start of a relative path is kept. */
static void normalise_path(char *path)
{
    bool abs = path[0] == '/';
    char *segs[256];
    size_t n = 0;
    char *save = NULL;
    char buf[sizeof ((vs_finding *)0)->file];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (!strcmp(t, "."))
            continue;
        if (!strcmp(t, "..") && n && strcmp(segs[n - 1], "..") != 0) {
            n--;
            continue;
        }
        if (!strcmp(t, "..") && abs && !n)
            continue;
        if (n == sizeof segs / sizeof segs[0])
            return; /* absurdly deep: leave it as it is */
        segs[n++] = t;
    }
    size_t used = 0, cap = sizeof buf;
    char out[sizeof buf];
    out[0] = '\0';
    if (abs)
        out[used++] = '/';
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(out + used, cap - used, "%s%s", i ? "/" : "", segs[i]);
        if (k < 0 || (size_t)k >= cap - used)
            return;
        used += (size_t)k;
    }
    if (!used)
        snprintf(out, sizeof out, ".");
    else
        out[used] = '\0';
    memcpy(path, out, strlen(out) + 1);
}

static void on_finding(void *ctx, const vs_finding *orig)
{
    audit_cli *c = ctx;
    vs_finding copy = *orig;
    normalise_path(copy.file);
    const vs_finding *f = &copy;
    c->findings++;
    if (c->current)
        c->current->findings++;
    vs_severity sev = f->severity < VS_SEV__COUNT ? f->severity : VS_SEV_CRITICAL;
    vs_practice pr = f->practice < VS_PRACTICE__COUNT ? f->practice : VS_PRACTICE_NETWORK;
    c->by_sev[sev]++;
    c->by_practice[pr]++;
    switch (c->format) {
    case FMT_JSON:
        vs_finding_write_json(c->out, f);
        break;
    case FMT_SARIF:
        write_sarif_result(c, f);
        break;
    default:
        if (!c->group[pr][sev]) {
            c->group[pr][sev] = open_memstream(&c->group_buf[pr][sev], &c->group_len[pr][sev]);
            if (!c->group[pr][sev])
                oom();
        }
        write_text_finding(c->group[pr][sev], f);
        break;
    }
    if (c->store && vs_store_add_finding(c->store, c->run_id, "audit", f) != VS_OK)
        c->store_errors++;
    if (c->has_fail_on && f->severity >= c->fail_on)
        c->failed = true;
}

static void write_text(audit_cli *c, const audit_path *paths, size_t npaths, const vs_policy *pol)
{
    FILE *out = c->out;
    for (int p = 0; p < VS_PRACTICE__COUNT; p++) {
        if (!c->by_practice[p])
            continue;
        fprintf(out, "== %s (%lu finding%s)\n\n", practice_heading[p], c->by_practice[p],
                c->by_practice[p] == 1 ? "" : "s");
        for (int s = VS_SEV__COUNT - 1; s >= 0; s--) {
            if (!c->group[p][s])
                continue;
            fflush(c->group[p][s]);
            fwrite(c->group_buf[p][s], 1, c->group_len[p][s], out);
        }
    }
    fputs("== Summary\n\n", out);
    fprintf(out, "%lu finding%s", c->findings, c->findings == 1 ? "" : "s");
    if (c->findings) {
        fputs(":", out);
        bool first = true;
        for (int s = VS_SEV__COUNT - 1; s >= 0; s--) {
            if (!c->by_sev[s])
                continue;
            fprintf(out, "%s %lu %s", first ? "" : ",", c->by_sev[s],
                    vs_severity_id((vs_severity)s));
            first = false;
        }
    }
    fputs("\n", out);
    if (c->findings) {
        fputs("By practice:", out);
        for (int p = 0; p < VS_PRACTICE__COUNT; p++)
            fprintf(out, "%s %s %lu", p ? "," : "", vs_practice_id((vs_practice)p),
                    c->by_practice[p]);
        fputs("\n", out);
    }
    for (size_t i = 0; i < npaths; i++) {
        if (paths[i].error[0])
            fprintf(out, "%s: NOT AUDITED (%s): %s\n", paths[i].path,
                    vs_conf_product_name(paths[i].product), paths[i].error);
        else
            fprintf(out, "%s: %s configuration, %lu finding%s\n", paths[i].path,
                    vs_conf_product_name(paths[i].product), paths[i].findings,
                    paths[i].findings == 1 ? "" : "s");
    }
    fprintf(out, "Credential policy: %s (passwords of %u characters or more, ", pol->preset,
            pol->min_length);
    if (pol->min_classes)
        fprintf(out, "mixing %u of 4 kinds of characters, ", pol->min_classes);
    else
        fputs("no composition rule, ", out);
    fprintf(out, "PINs of %u digits or more)\n", pol->pin_min_length);
    if (!c->findings && npaths)
        fputs("No problem was found in what was audited.\n", out);
}

static void write_json_summary(audit_cli *c, const audit_path *paths, size_t npaths,
                               const vs_policy *pol)
{
    FILE *out = c->out;
    fprintf(out, "{\"summary\":{\"findings\":%lu,\"severity\":{", c->findings);
    for (int s = VS_SEV__COUNT - 1; s >= 0; s--)
        fprintf(out, "%s\"%s\":%lu", s == VS_SEV__COUNT - 1 ? "" : ",",
                vs_severity_id((vs_severity)s), c->by_sev[s]);
    fputs("},\"practice\":{", out);
    for (int p = 0; p < VS_PRACTICE__COUNT; p++)
        fprintf(out, "%s\"%s\":%lu", p ? "," : "", vs_practice_id((vs_practice)p),
                c->by_practice[p]);
    fputs("},\"paths\":[", out);
    for (size_t i = 0; i < npaths; i++) {
        fputs(i ? ",{\"path\":" : "{\"path\":", out);
        vs_json_cstr(out, paths[i].path);
        fprintf(out, ",\"product\":\"%s\",\"findings\":%lu",
                vs_conf_product_name(paths[i].product), paths[i].findings);
        if (paths[i].error[0]) {
            fputs(",\"error\":", out);
            vs_json_cstr(out, paths[i].error);
        }
        fputs("}", out);
    }
    fputs("],\"policy\":", out);
    vs_json_cstr(out, pol->preset);
    fputs("}}\n", out);
}

/* ---- --list-checks --------------------------------------------------------------------------- */

static int list_checks(FILE *out, int format)
{
    const vs_audit_check_info *cat;
    size_t n = vs_audit_catalogue(&cat);
    for (size_t i = 0; i < n; i++) {
        if (format == FMT_JSON) {
            fputs("{\"id\":", out);
            vs_json_cstr(out, cat[i].id);
            fprintf(out, ",\"product\":\"%s\",\"practice\":\"%s\",\"severity\":\"%s\",\"title\":",
                    vs_conf_product_name(cat[i].product), vs_practice_id(cat[i].practice),
                    vs_severity_id(cat[i].severity));
            vs_json_cstr(out, cat[i].title);
            fputs(",\"rationale\":", out);
            vs_json_cstr(out, cat[i].rationale ? cat[i].rationale : "");
            fputs("}\n", out);
        } else {
            fprintf(out, "%-44s %-10s %-11s %-8s %s\n", cat[i].id,
                    vs_conf_product_name(cat[i].product), vs_practice_id(cat[i].practice),
                    vs_severity_id(cat[i].severity), cat[i].title);
        }
    }
    if (format != FMT_JSON)
        fprintf(out, "%zu checks\n", n);
    return VS_EXIT_OK;
}

/* Checks that path can be read before the engine sees it, so that the message says why not. */
static bool path_readable(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return false;
        }
        closedir(d);
        return true;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    close(fd);
    return true;
}

int vs_cmd_audit(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},  {"output", required_argument, NULL, 'o'},
        {"policy", required_argument, NULL, 'p'},  {"preset", required_argument, NULL, 'P'},
        {"fail-on", required_argument, NULL, 'F'}, {"db", required_argument, NULL, 'D'},
        {"no-db", no_argument, NULL, 'N'},         {"data-dir", required_argument, NULL, 'd'},
        {"list-checks", no_argument, NULL, 'L'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    audit_cli c;
    memset(&c, 0, sizeof c);
    c.out = stdout;
    const char *output = NULL, *db = NULL, *data_dir = NULL, *policy_file = NULL;
    const char *preset = "seed";
    bool no_db = false, list = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "f:o:p:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (!strcmp(optarg, "text"))
                c.format = FMT_TEXT;
            else if (!strcmp(optarg, "json"))
                c.format = FMT_JSON;
            else if (!strcmp(optarg, "sarif"))
                c.format = FMT_SARIF;
            else {
                fprintf(stderr, "voipsec audit: unknown format '%s' (use text, json or sarif)\n",
                        optarg);
                return VS_EXIT_USAGE;
            }
            break;
        case 'o':
            output = optarg;
            break;
        case 'p':
            policy_file = optarg;
            break;
        case 'P':
            preset = optarg;
            break;
        case 'F':
            if (vs_severity_parse(optarg, &c.fail_on) != VS_OK) {
                fprintf(stderr,
                        "voipsec audit: unknown severity '%s' (use info, low, medium, high or "
                        "critical)\n",
                        optarg);
                return VS_EXIT_USAGE;
            }
            c.has_fail_on = true;
            break;
        case 'D':
            db = optarg;
            break;
        case 'N':
            no_db = true;
            break;
        case 'd':
            data_dir = optarg;
            break;
        case 'L':
            list = true;
            break;
        case 'h':
            usage(stdout);
            return VS_EXIT_OK;
        default:
            usage(stderr);
            return VS_EXIT_USAGE;
        }
    }
    if (db && no_db) {
        fprintf(stderr, "voipsec audit: --db and --no-db exclude each other\n");
        return VS_EXIT_USAGE;
    }
    if (list) {
        if (optind < argc) {
            fprintf(stderr, "voipsec audit: --list-checks takes no PATH\n");
            return VS_EXIT_USAGE;
        }
        if (c.format == FMT_SARIF) {
            fprintf(stderr, "voipsec audit: --list-checks prints text or json\n");
            return VS_EXIT_USAGE;
        }
    } else if (optind >= argc) {
        fprintf(stderr, "voipsec audit: give at least one PATH (a configuration directory or "
                        "file)\n");
        usage(stderr);
        return VS_EXIT_USAGE;
    }

    char err[2048];
    vs_policy policy;
    if (!data_dir)
        data_dir = vs_cli_data_dir();
    if (vs_policy_preset(&policy, preset, data_dir) != VS_OK) {
        fprintf(stderr, "voipsec audit: unknown preset '%s' (use seed or nist)\n", preset);
        return VS_EXIT_USAGE;
    }
    if (policy_file && vs_policy_load(&policy, policy_file, data_dir, err, sizeof err) != VS_OK) {
        fprintf(stderr, "voipsec audit: %s\n", err);
        return VS_EXIT_USAGE;
    }

    int rc = VS_EXIT_OK;
    size_t npaths = list ? 0 : (size_t)(argc - optind);
    audit_path *paths = calloc(npaths ? npaths : 1, sizeof *paths);
    vs_audit *a = NULL;
    if (!paths)
        oom();
    if (!list) {
        a = vs_audit_new(&policy, on_finding, &c, err, sizeof err);
        if (!a) {
            fprintf(stderr, "voipsec audit: %s\n", err);
            rc = VS_EXIT_USAGE;
            goto out;
        }
    }
    /* Open the outputs before anything is audited, so that a bad argument changes nothing. */
    if (output) {
        int fd = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        c.out = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!c.out) {
            fprintf(stderr, "voipsec audit: %s: %s\n", output, strerror(errno));
            if (fd >= 0)
                close(fd);
            rc = VS_EXIT_USAGE;
            goto out;
        }
    }
    if (list) {
        rc = list_checks(c.out, c.format);
        goto out;
    }
    if (!no_db) {
        char path[1024];
        if (!db) {
            if (vs_store_default_path(path, sizeof path) != VS_OK) {
                fprintf(stderr,
                        "voipsec audit: no default store path (set HOME or use --db/--no-db)\n");
                rc = VS_EXIT_USAGE;
                goto out;
            }
            db = path;
        }
        c.store = vs_store_open(db, err, sizeof err);
        if (!c.store) {
            fprintf(stderr, "voipsec audit: %s\n", err);
            rc = VS_EXIT_USAGE;
            goto out;
        }
        char args[2048];
        vs_cli_join_args(argc, argv, optind, args, sizeof args);
        c.run_id = vs_store_new_run(c.store, "audit", args);
        if (c.run_id <= 0) {
            fprintf(stderr, "voipsec audit: %s\n", vs_store_error(c.store));
            rc = VS_EXIT_USAGE;
            goto out;
        }
        vs_store_begin(c.store);
    }
    if (c.format == FMT_SARIF) {
        if (!getcwd(c.cwd, sizeof c.cwd))
            c.cwd[0] = '\0';
        c.ncat = vs_audit_catalogue(&c.cat);
        c.results = open_memstream(&c.results_buf, &c.results_len);
        if (!c.results)
            oom();
    }

    for (size_t i = 0; i < npaths; i++) {
        audit_path *ap = &paths[i];
        /* "conf/" and "conf" are the same PATH; without the slash, file names the engine joins
         * to it ("conf/pjsip.conf") do not get a double one */
        char *arg = argv[optind + (int)i];
        for (size_t n = strlen(arg); n > 1 && arg[n - 1] == '/'; n--)
            arg[n - 1] = '\0';
        ap->path = arg;
        ap->product = vs_conf_detect(ap->path);
        c.current = ap;
        if (!path_readable(ap->path, ap->error, sizeof ap->error)) {
            ap->rc = VS_E_IO;
        } else {
            err[0] = '\0';
            ap->rc = vs_audit_path(a, ap->path, err, sizeof err);
            if (ap->rc != VS_OK)
                snprintf(ap->error, sizeof ap->error, "%s", err[0] ? err : vs_rc_str(ap->rc));
        }
        if (ap->error[0]) {
            fprintf(stderr, "voipsec audit: %s\n", ap->error);
            rc = VS_EXIT_USAGE;
        }
        c.current = NULL;
    }

    switch (c.format) {
    case FMT_JSON:
        write_json_summary(&c, paths, npaths, &policy);
        break;
    case FMT_SARIF:
        write_sarif(&c, paths, npaths);
        break;
    default:
        write_text(&c, paths, npaths, &policy);
        break;
    }
    if (fflush(c.out) != 0 || ferror(c.out)) {
        fprintf(stderr, "voipsec audit: %s: write error\n", output ? output : "standard output");
        rc = VS_EXIT_USAGE;
    }
    if (c.store_errors)
        fprintf(stderr, "voipsec audit: %lu findings could not be written to the store: %s\n",
                c.store_errors, vs_store_error(c.store));
    if (rc == VS_EXIT_OK && c.failed)
        rc = VS_EXIT_FINDINGS;
out:
    vs_audit_free(a);
    if (c.store) {
        vs_store_commit(c.store);
        vs_store_close(c.store);
    }
    for (int p = 0; p < VS_PRACTICE__COUNT; p++)
        for (int s = 0; s < VS_SEV__COUNT; s++) {
            if (c.group[p][s])
                fclose(c.group[p][s]);
            free(c.group_buf[p][s]);
        }
    if (c.results)
        fclose(c.results);
    free(c.results_buf);
    free(c.extra_rules);
    free(c.extra_practice);
    if (c.out && c.out != stdout) {
        if (fclose(c.out) != 0 && rc != VS_EXIT_USAGE) {
            fprintf(stderr, "voipsec audit: %s: %s\n", output, strerror(errno));
            rc = VS_EXIT_USAGE;
        }
    } else {
        fflush(stdout);
    }
    free(paths);
    return rc;
}
