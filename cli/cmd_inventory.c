/* `voipsec inventory`: the devices seen on the network (by `monitor --db` and `scan --db`), their
 * firmware history, and which of them run vulnerable firmware or are overdue for a firmware
 * review. See docs/cli/inventory.md.
 *
 * The library (voipsec/inventory.h) derives the inventory from the store's devices rows with the
 * fingerprint rules and judges each device against the firmware catalogue and the policy's
 * firmware_review_days; this file loads the data files (the user's --fingerprints/--catalogue
 * first, then the built-in ones of the data directory), parses options and decides what is
 * printed. list and show only read the store; outdated records its findings as a run; review
 * records a review. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <voipsec/inventory.h>

#include "cli.h"

enum { FMT_TEXT, FMT_JSON };
enum { SUB_LIST, SUB_SHOW, SUB_OUTDATED, SUB_REVIEW };

#define MAX_DATA_FILES 16

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: voipsec inventory list     [options] [--format text|json]\n"
        "       voipsec inventory show     [options] [--format text|json] DEVICE\n"
        "       voipsec inventory outdated [options] [--format text|json] [--fail-on SEV]\n"
        "       voipsec inventory review   [--db FILE] DEVICE --who NAME [--note TEXT]\n"
        "                                  [--when TIME]\n\n"
        "The phones, PBXs and gateways that 'voipsec monitor --db' and 'voipsec scan --db'\n"
        "recorded, identified from their User-Agent or Server strings: vendor, model, the\n"
        "firmware versions each was seen with (upgrades and downgrades), and whether the\n"
        "current firmware is known to be vulnerable (firmware catalogue) or has gone unchanged\n"
        "and unreviewed for longer than the policy's firmware_review_days (default 90).\n\n"
        "  list      every device with its firmware, addresses, first and last seen, status\n"
        "            (ok, overdue, vulnerable, unknown-version)\n"
        "  show      one device: firmware history, reviews, matching vulnerabilities with\n"
        "            their fixed versions, the raw User-Agent strings\n"
        "  outdated  findings firmware.vulnerable and firmware.overdue, recorded in the store\n"
        "            as a run\n"
        "  review    record that NAME checked the device's firmware is current (restarts its\n"
        "            review clock)\n\n"
        "DEVICE is an id shown by list, an address (when it holds one device), IP/VENDOR or\n"
        "IP/VENDOR/MODEL (IP//USER-AGENT for a device no rule recognises).\n\n"
        "Options:\n"
        "      --db FILE           the store (default: $VOIPSEC_DB or\n"
        "                          ~/.local/share/voipsec/voipsec.db); it must exist\n"
        "  -f, --format FMT        text (default) or json (one object per line)\n"
        "      --data-dir DIR      where the data files are (default: $VOIPSEC_DATA_DIR or\n"
        "                          the built-in path): fingerprints.tsv, firmware-catalogue.tsv\n"
        "      --fingerprints FILE your own fingerprint rules, read before the built-in ones\n"
        "                          (repeatable)\n"
        "      --catalogue FILE    your own catalogue entries, read before the built-in ones\n"
        "                          (repeatable)\n"
        "  -p, --policy FILE       policy file (INI; docs/policy.md): firmware_review_days\n"
        "      --preset NAME       seed (default) or nist; both review every 90 days\n"
        "      --days N            review period in days, over the policy (0: never overdue)\n"
        "      --fail-on SEV       outdated: exit 1 when a finding of severity SEV or above is\n"
        "                          reported (info, low, medium, high, critical)\n"
        "      --who NAME          review: who checked (required)\n"
        "      --note TEXT         review: what was checked or found\n"
        "      --when TIME         review: when, ISO-8601 UTC (2026-11-29T06:14:00Z),\n"
        "                          YYYY-MM-DD or \"now\" (default); not in the future\n"
        "  -h, --help              this help\n\n"
        "Exit status: 0 done, 1 outdated: a finding at or above --fail-on, 2 usage error,\n"
        "unknown or ambiguous device, a store that is missing or unusable, or a data file\n"
        "that does not load.\n");
}

typedef struct opts {
    int sub;
    const char *db, *data_dir, *policy_file, *preset, *who, *note, *when;
    const char *fps[MAX_DATA_FILES], *cats[MAX_DATA_FILES];
    size_t nfps, ncats;
    bool has_days, has_fail_on;
    unsigned days;
    vs_severity fail_on;
    int format;
    const char *device;
} opts;

typedef struct env {
    const opts *o;
    vs_store *st;
    vs_fp_rules *rules;
    vs_catalogue *cat;
    vs_inventory *inv;
    vs_policy pol;
    int64_t now_us;
} env;

static void oom(void)
{
    fprintf(stderr, "voipsec inventory: out of memory\n");
    abort();
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void date_of(int64_t us, char *buf, size_t size)
{
    char t[32];
    vs_time_format(us, t, sizeof t);
    snprintf(buf, size, "%.10s", t);
}

static void print_time_json(FILE *out, int64_t us)
{
    char t[32];
    vs_time_format(us, t, sizeof t);
    fprintf(out, "\"%s\"", t);
}

/* ---- loading ------------------------------------------------------------------------------- */

static vs_store *open_store(const opts *o)
{
    char path[1024];
    if (o->db)
        snprintf(path, sizeof path, "%s", o->db);
    else if (vs_store_default_path(path, sizeof path) != VS_OK) {
        fprintf(stderr, "voipsec inventory: no default store path (set HOME or use --db)\n");
        return NULL;
    }
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr,
                "voipsec inventory: %s: no store yet (record devices with 'voipsec monitor "
                "--db' or 'voipsec scan --db' first)\n",
                path);
        return NULL;
    }
    char err[1024];
    vs_store *st = vs_store_open(path, err, sizeof err);
    if (!st)
        fprintf(stderr, "voipsec inventory: %s\n", err);
    return st;
}

/* The user's files first, then the built-in one of the data directory. */
static size_t data_paths(const char *const *user, size_t n, const char *dir, const char *name,
                         const char **paths, char *builtin, size_t size)
{
    for (size_t i = 0; i < n; i++)
        paths[i] = user[i];
    snprintf(builtin, size, "%s/%s", dir, name);
    paths[n] = builtin;
    return n + 1;
}

static bool load_env(env *e, bool want_catalogue)
{
    const opts *o = e->o;
    const char *dir = o->data_dir ? o->data_dir : vs_cli_data_dir();
    char err[2048], builtin[1100];
    const char *paths[MAX_DATA_FILES + 1];
    size_t n = data_paths(o->fps, o->nfps, dir, "fingerprints.tsv", paths, builtin, sizeof builtin);
    e->rules = vs_fp_rules_load(paths, n, err, sizeof err);
    if (!e->rules) {
        fprintf(stderr, "voipsec inventory: %s\n", err);
        return false;
    }
    if (want_catalogue) {
        n = data_paths(o->cats, o->ncats, dir, "firmware-catalogue.tsv", paths, builtin,
                       sizeof builtin);
        e->cat = vs_catalogue_load(paths, n, err, sizeof err);
        if (!e->cat) {
            fprintf(stderr, "voipsec inventory: %s\n", err);
            return false;
        }
    }
    e->st = open_store(o);
    if (!e->st)
        return false;
    e->inv = vs_inventory_load(e->st, e->rules, 0, err, sizeof err);
    if (!e->inv) {
        fprintf(stderr, "voipsec inventory: %s\n", err);
        return false;
    }
    if (vs_inventory_dropped(e->inv))
        fprintf(stderr,
                "voipsec inventory: warning: %llu rows of further devices left out (more than "
                "%d devices)\n",
                (unsigned long long)vs_inventory_dropped(e->inv), VS_INVENTORY_MAX_DEVICES_DEFAULT);
    return true;
}

static void free_env(env *e)
{
    vs_inventory_free(e->inv);
    vs_store_close(e->st);
    vs_catalogue_free(e->cat);
    vs_fp_rules_free(e->rules);
}

/* ---- one device ---------------------------------------------------------------------------- */

static const char *firmware_of(const vs_inventory_device *d)
{
    return d->current >= 0 ? d->versions[d->current].version : NULL;
}

static void json_addrs(const vs_inventory_device *d)
{
    fputs("[", stdout);
    for (size_t i = 0; i < d->naddrs; i++) {
        printf("%s{\"port\":%u,\"transport\":", i ? "," : "", d->addrs[i].port);
        vs_json_cstr(stdout, d->addrs[i].transport);
        fputs("}", stdout);
    }
    fputs("]", stdout);
}

static void json_strings(const char *list, size_t n, size_t w)
{
    fputs("[", stdout);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(",", stdout);
        vs_json_cstr(stdout, list + i * w);
    }
    fputs("]", stdout);
}

/* Consecutive versions in first-seen order: each later one is a change. */
static void json_changes(const vs_inventory_device *d)
{
    fputs("[", stdout);
    for (size_t i = 1; i < d->nversions; i++) {
        const vs_inventory_version *a = &d->versions[i - 1], *b = &d->versions[i];
        int c = vs_version_cmp(d->vendor, a->version, b->version);
        fputs(i > 1 ? ",{\"from\":" : "{\"from\":", stdout);
        vs_json_cstr(stdout, a->version);
        fputs(",\"to\":", stdout);
        vs_json_cstr(stdout, b->version);
        printf(",\"direction\":\"%s\",\"first_seen\":", c < 0   ? "upgrade"
                                                        : c > 0 ? "downgrade"
                                                                : "same");
        print_time_json(stdout, b->first_seen_us);
        fputs("}", stdout);
    }
    fputs("]", stdout);
}

static void json_device_fields(const vs_inventory_device *d, const vs_inventory_verdict *v)
{
    char name[400];
    vs_inventory_device_name(d, name, sizeof name);
    printf("\"id\":%lld,\"name\":", (long long)d->id);
    vs_json_cstr(stdout, name);
    fputs(",\"ip\":", stdout);
    vs_json_cstr(stdout, d->ip);
    fputs(",\"vendor\":", stdout);
    vs_json_cstr(stdout, d->vendor);
    fputs(",\"model\":", stdout);
    vs_json_cstr(stdout, d->model);
    fputs(",\"kind\":", stdout);
    vs_json_cstr(stdout, d->kind);
    fputs(",\"firmware\":", stdout);
    if (firmware_of(d)) {
        const vs_inventory_version *c = &d->versions[d->current];
        vs_json_cstr(stdout, c->version);
        fputs(",\"firmware_since\":", stdout);
        print_time_json(stdout, d->current_since_us);
        if (c->platform_vendor[0]) {
            fputs(",\"platform\":{\"vendor\":", stdout);
            vs_json_cstr(stdout, c->platform_vendor);
            fputs(",\"version\":", stdout);
            vs_json_cstr(stdout, c->platform_version);
            fputs("}", stdout);
        }
    } else {
        fputs("null", stdout);
    }
    fputs(",\"addresses\":", stdout);
    json_addrs(d);
    fputs(",\"users\":", stdout);
    json_strings((const char *)d->users, d->nusers, sizeof *d->users);
    fputs(",\"first_seen\":", stdout);
    print_time_json(stdout, d->first_seen_us);
    fputs(",\"last_seen\":", stdout);
    print_time_json(stdout, d->last_seen_us);
    printf(",\"status\":\"%s\",\"vulnerable\":%s,\"vulnerability_count\":%zu,\"overdue\":%s",
           vs_inventory_status_id(v->status), v->vulnerable ? "true" : "false", v->vulns,
           v->overdue ? "true" : "false");
    if (v->vulnerable)
        printf(",\"worst\":\"%s\"", vs_severity_id(v->worst));
    fputs(",\"days\":", stdout);
    if (d->current >= 0)
        printf("%lld", (long long)v->days);
    else
        fputs("null", stdout);
    fputs(",\"due\":", stdout);
    if (v->has_review_clock)
        print_time_json(stdout, v->due_us);
    else
        fputs("null", stdout);
    fputs(",\"last_review\":", stdout);
    if (d->last_review_us) {
        fputs("{\"at\":", stdout);
        print_time_json(stdout, d->last_review_us);
        fputs(",\"who\":", stdout);
        vs_json_cstr(stdout, d->last_review_who);
        fputs("}", stdout);
    } else {
        fputs("null", stdout);
    }
    printf(",\"review_count\":%llu,\"versions\":%zu,\"changes\":", (unsigned long long)d->reviews,
           d->nversions);
    json_changes(d);
    printf(",\"overlapping\":%s,\"rows\":%llu", d->overlapping ? "true" : "false",
           (unsigned long long)d->rows);
}

/* "udp/5060, tls/5061" (at most max entries, then "+N"). */
static void addr_text(const vs_inventory_device *d, size_t max, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t l = 0;
    for (size_t i = 0; i < d->naddrs && i < max; i++) {
        snprintf(buf + l, size - l, "%s%s/%u", i ? "," : "", d->addrs[i].transport,
                 d->addrs[i].port);
        l = strlen(buf);
    }
    size_t more = d->naddrs > max ? d->naddrs - max : 0;
    if (more || d->addrs_dropped)
        snprintf(buf + l, size - l, ",+%llu", (unsigned long long)(more + d->addrs_dropped));
}

/* A column of at most w characters: longer text is cut and ends with "...". */
static void cut(const char *s, size_t w, char *buf, size_t size)
{
    if (strlen(s) <= w || w < 4)
        snprintf(buf, size, "%s", s);
    else
        snprintf(buf, size, "%.*s...", (int)(w - 3), s);
}

/* ---- list ---------------------------------------------------------------------------------- */

static int run_list(env *e)
{
    const opts *o = e->o;
    unsigned long counts[VS_INV__COUNT] = {0};
    size_t n = vs_inventory_count(e->inv);
    if (o->format == FMT_TEXT && n)
        printf("%-5s %-15s %-12s %-20s %-16s %-26s %-10s %-10s %s\n", "ID", "ADDRESS", "VENDOR",
               "MODEL", "FIRMWARE", "TRANSPORTS", "FIRST SEEN", "LAST SEEN", "STATUS");
    unsigned long changed = 0;
    for (size_t i = 0; i < n; i++) {
        const vs_inventory_device *d = vs_inventory_get(e->inv, i);
        vs_inventory_verdict v;
        vs_inventory_judge(d, e->cat, &e->pol, e->now_us, &v);
        counts[v.status]++;
        changed += d->nversions > 1;
        if (o->format == FMT_JSON) {
            fputs("{\"device\":{", stdout);
            json_device_fields(d, &v);
            fputs("}}\n", stdout);
            continue;
        }
        char vendor[16], model[24], fw[20], addrs[64], a[16], b[16], id[24];
        cut(d->vendor[0] ? d->vendor : "-", 12, vendor, sizeof vendor);
        cut(d->model[0] ? d->model : "-", 20, model, sizeof model);
        cut(firmware_of(d) ? firmware_of(d) : "-", 16, fw, sizeof fw);
        addr_text(d, 3, addrs, sizeof addrs);
        date_of(d->first_seen_us, a, sizeof a);
        date_of(d->last_seen_us, b, sizeof b);
        snprintf(id, sizeof id, "%lld", (long long)d->id);
        printf("%-5s %-15s %-12s %-20s %-16s %-26s %-10s %-10s %s\n", id, d->ip, vendor, model, fw,
               addrs, a, b, vs_inventory_status_id(v.status));
    }
    if (o->format == FMT_JSON) {
        printf("{\"summary\":{\"devices\":%zu,\"ok\":%lu,\"overdue\":%lu,\"vulnerable\":%lu,"
               "\"unknown_version\":%lu,\"changed\":%lu,\"rows\":%llu,\"review_days\":%u,"
               "\"policy\":\"%s\"}}\n",
               n, counts[VS_INV_OK], counts[VS_INV_OVERDUE], counts[VS_INV_VULNERABLE],
               counts[VS_INV_UNKNOWN_VERSION], changed,
               (unsigned long long)vs_inventory_rows(e->inv), e->pol.firmware_review_days,
               e->pol.preset);
        return VS_EXIT_OK;
    }
    if (changed) {
        printf("\nFirmware changes:\n");
        for (size_t i = 0; i < n; i++) {
            const vs_inventory_device *d = vs_inventory_get(e->inv, i);
            for (size_t j = 1; j < d->nversions; j++) {
                const vs_inventory_version *a = &d->versions[j - 1], *b = &d->versions[j];
                int c = vs_version_cmp(d->vendor, a->version, b->version);
                char when[32];
                vs_time_format(b->first_seen_us, when, sizeof when);
                printf("  %lld %s %s %s: %s \u2192 %s first seen %s%s\n", (long long)d->id, d->ip,
                       d->vendor, d->model, a->version, b->version, when,
                       c > 0 ? " (downgrade)" : "");
            }
        }
    }
    if (n)
        putchar('\n');
    printf("%zu devices: %lu ok, %lu overdue, %lu vulnerable, %lu unknown-version; firmware "
           "review every %u days (policy %s)\n",
           n, counts[VS_INV_OK], counts[VS_INV_OVERDUE], counts[VS_INV_VULNERABLE],
           counts[VS_INV_UNKNOWN_VERSION], e->pol.firmware_review_days, e->pol.preset);
    if (!n)
        printf("No devices recorded yet: run 'voipsec monitor --db' or 'voipsec scan --db'.\n");
    return VS_EXIT_OK;
}

/* ---- show ---------------------------------------------------------------------------------- */

typedef struct show_ctx {
    const opts *o;
    size_t n;
} show_ctx;

static bool show_review(void *ctx, const vs_device_review *r)
{
    show_ctx *c = ctx;
    if (c->o->format == FMT_JSON) {
        fputs(c->n ? ",{\"at\":" : "{\"at\":", stdout);
        print_time_json(stdout, r->reviewed_at_us);
        fputs(",\"who\":", stdout);
        vs_json_cstr(stdout, r->who);
        fputs(",\"version\":", stdout);
        vs_json_cstr(stdout, r->version);
        fputs(",\"note\":", stdout);
        vs_json_cstr(stdout, r->note);
        fputs("}", stdout);
    } else {
        char at[32];
        vs_time_format(r->reviewed_at_us, at, sizeof at);
        printf("  %s  %s  firmware %s%s%s\n", at, r->who, r->version[0] ? r->version : "unknown",
               r->note[0] ? "  -- " : "", r->note);
    }
    c->n++;
    return true;
}

static bool show_vuln(void *ctx, const vs_vuln *v, const char *mvendor, const char *mversion)
{
    show_ctx *c = ctx;
    if (c->o->format == FMT_JSON) {
        fputs(c->n ? ",{\"cve\":" : "{\"cve\":", stdout);
        vs_json_cstr(stdout, v->cve);
        fputs(",\"severity\":", stdout);
        vs_json_cstr(stdout, v->severity);
        fputs(",\"affected\":", stdout);
        vs_json_cstr(stdout, v->affected);
        fputs(",\"fixed\":", stdout);
        vs_json_cstr(stdout, v->fixed);
        fputs(",\"summary\":", stdout);
        vs_json_cstr(stdout, v->summary);
        fputs(",\"source\":", stdout);
        vs_json_cstr(stdout, v->source);
        fputs(",\"file\":", stdout);
        vs_json_cstr(stdout, v->file);
        printf(",\"line\":%u,\"matched_vendor\":", v->line);
        vs_json_cstr(stdout, mvendor ? mvendor : "");
        fputs(",\"matched_version\":", stdout);
        vs_json_cstr(stdout, mversion ? mversion : "");
        fputs("}", stdout);
    } else {
        printf("  %-16s %-8s %s %s: affected %s; fixed in %s\n", v->cve[0] ? v->cve : "(no CVE)",
               v->severity, mvendor ? mvendor : "", mversion ? mversion : "", v->affected,
               v->fixed[0] ? v->fixed : "(no fix listed)");
        if (v->summary[0])
            printf("      %s\n", v->summary);
        if (v->source[0])
            printf("      %s\n", v->source);
        printf("      catalogue %s:%u\n", v->file, v->line);
    }
    c->n++;
    return true;
}

static int run_show(env *e)
{
    const opts *o = e->o;
    const vs_inventory_device *d;
    char err[1024];
    if (vs_inventory_find(e->inv, o->device, &d, err, sizeof err) != VS_OK) {
        fprintf(stderr, "voipsec inventory: %s\n", err);
        return VS_EXIT_USAGE;
    }
    vs_inventory_verdict v;
    vs_inventory_judge(d, e->cat, &e->pol, e->now_us, &v);
    vs_fingerprint fp;
    bool known = vs_inventory_fingerprint(d, &fp);
    show_ctx c = {o, 0};
    if (o->format == FMT_JSON) {
        fputs("{\"device\":{", stdout);
        json_device_fields(d, &v);
        fputs(",\"history\":[", stdout);
        for (size_t i = 0; i < d->nversions; i++) {
            const vs_inventory_version *h = &d->versions[i];
            fputs(i ? ",{\"version\":" : "{\"version\":", stdout);
            vs_json_cstr(stdout, h->version);
            fputs(",\"first_seen\":", stdout);
            print_time_json(stdout, h->first_seen_us);
            fputs(",\"last_seen\":", stdout);
            print_time_json(stdout, h->last_seen_us);
            printf(",\"current\":%s}", (long)i == d->current ? "true" : "false");
        }
        fputs("],\"reviews\":[", stdout);
        vs_rc rc = vs_store_each_review(e->st, d->ip, d->vendor, d->model, show_review, &c);
        fputs("],\"vulnerabilities\":[", stdout);
        c.n = 0;
        if (known && e->cat)
            vs_catalogue_match(e->cat, &fp, show_vuln, &c);
        fputs("],\"user_agents\":", stdout);
        json_strings((const char *)d->user_agents, d->nuser_agents, sizeof *d->user_agents);
        printf(",\"dropped\":{\"versions\":%llu,\"addresses\":%llu,\"user_agents\":%llu,"
               "\"users\":%llu},\"unversioned_rows\":%llu}}\n",
               (unsigned long long)d->versions_dropped, (unsigned long long)d->addrs_dropped,
               (unsigned long long)d->user_agents_dropped, (unsigned long long)d->users_dropped,
               (unsigned long long)d->unversioned_rows);
        if (rc != VS_OK) {
            fprintf(stderr, "voipsec inventory: %s\n", vs_store_error(e->st));
            return VS_EXIT_USAGE;
        }
        return VS_EXIT_OK;
    }

    char name[400], a[32], b[32], addrs[1024];
    vs_inventory_device_name(d, name, sizeof name);
    printf("Device %lld: %s\n", (long long)d->id, name);
    printf("  vendor       %s\n", d->vendor[0] ? d->vendor : "(not recognised)");
    printf("  model        %s\n", d->model[0] ? d->model : "-");
    if (d->kind[0])
        printf("  kind         %s\n", d->kind);
    addr_text(d, VS_INVENTORY_MAX_ADDRS, addrs, sizeof addrs);
    printf("  address      %s (%s)\n", d->ip, addrs);
    if (d->nusers) {
        printf("  users        ");
        for (size_t i = 0; i < d->nusers; i++)
            printf("%s%s", i ? ", " : "", d->users[i]);
        if (d->users_dropped)
            printf(" and %llu more", (unsigned long long)d->users_dropped);
        putchar('\n');
    }
    vs_time_format(d->first_seen_us, a, sizeof a);
    vs_time_format(d->last_seen_us, b, sizeof b);
    printf("  seen         %s .. %s\n", a, b);
    if (known) {
        vs_time_format(d->current_since_us, a, sizeof a);
        printf("  firmware     %s since %s", fp.version, a);
        if (fp.platform_vendor[0])
            printf(" (on %s %s)", fp.platform_vendor, fp.platform_version);
        putchar('\n');
    } else {
        printf("  firmware     unknown (%s)\n",
               d->vendor[0] ? "the strings seen name no version" : "no fingerprint rule matched");
    }
    printf("  status       %s", vs_inventory_status_id(v.status));
    if (v.vulnerable)
        printf(" (%zu known vulnerabilit%s, worst %s)", v.vulns, v.vulns == 1 ? "y" : "ies",
               vs_severity_id(v.worst));
    if (v.overdue && v.status != VS_INV_OVERDUE)
        printf(", also overdue for review");
    putchar('\n');
    if (known) {
        if (v.has_review_clock) {
            date_of(v.due_us, a, sizeof a);
            printf("  review       %s %s (%lld days since the %s)", v.overdue ? "was due" : "due",
                   a, (long long)v.days, v.clock_is_review ? "last review" : "firmware changed");
        } else {
            printf("  review       no review period (firmware_review_days = 0)");
        }
        if (d->last_review_us) {
            date_of(d->last_review_us, b, sizeof b);
            printf("; last reviewed %s by %s", b, d->last_review_who);
        }
        putchar('\n');
    }
    if (d->nversions) {
        printf("\nFirmware history:\n");
        for (size_t i = 0; i < d->nversions; i++) {
            const vs_inventory_version *h = &d->versions[i];
            vs_time_format(h->first_seen_us, a, sizeof a);
            vs_time_format(h->last_seen_us, b, sizeof b);
            printf("  %-20s first seen %s  last seen %s%s\n", h->version, a, b,
                   (long)i == d->current ? "  (current)" : "");
        }
        if (d->versions_dropped)
            printf("  (%llu older versions not kept)\n", (unsigned long long)d->versions_dropped);
        for (size_t i = 1; i < d->nversions; i++) {
            const vs_inventory_version *p = &d->versions[i - 1], *h = &d->versions[i];
            int cmp = vs_version_cmp(d->vendor, p->version, h->version);
            vs_time_format(h->first_seen_us, a, sizeof a);
            printf("  %s: %s \u2192 %s first seen %s\n",
                   cmp < 0   ? "upgrade"
                   : cmp > 0 ? "downgrade"
                             : "change",
                   p->version, h->version, a);
        }
        if (d->overlapping)
            printf("  note: versions were seen in overlapping periods: several devices of this "
                   "model share the address (NAT), or the device went back to an older "
                   "version\n");
    }
    printf("\nReviews:\n");
    vs_rc rc = vs_store_each_review(e->st, d->ip, d->vendor, d->model, show_review, &c);
    if (rc != VS_OK) {
        fprintf(stderr, "voipsec inventory: %s\n", vs_store_error(e->st));
        return VS_EXIT_USAGE;
    }
    if (!c.n)
        printf("  none (record one with 'voipsec inventory review %s --who NAME')\n", name);
    if (known) {
        printf("\nKnown vulnerabilities of firmware %s:\n", fp.version);
        c.n = 0;
        if (e->cat)
            vs_catalogue_match(e->cat, &fp, show_vuln, &c);
        if (!c.n)
            printf("  none in the catalogue (%zu entries)\n", vs_catalogue_count(e->cat));
    }
    printf("\nUser-Agent / Server strings:\n");
    for (size_t i = 0; i < d->nuser_agents; i++)
        printf("  \"%s\"\n", d->user_agents[i]);
    if (d->user_agents_dropped)
        printf("  (%llu more not kept)\n", (unsigned long long)d->user_agents_dropped);
    return VS_EXIT_OK;
}

/* ---- outdated ------------------------------------------------------------------------------ */

typedef struct outdated_ctx {
    env *e;
    int64_t run_id;
    unsigned long findings, store_errors;
    bool failed;
} outdated_ctx;

static void on_finding(void *ctx, const vs_finding *f)
{
    outdated_ctx *c = ctx;
    const opts *o = c->e->o;
    c->findings++;
    if (o->format == FMT_JSON)
        vs_finding_write_json(stdout, f);
    else {
        vs_finding_write_text(stdout, f);
        putchar('\n');
    }
    if (c->run_id > 0 && vs_store_add_finding(c->e->st, c->run_id, "inventory", f) != VS_OK)
        c->store_errors++;
    if (o->has_fail_on && f->severity >= o->fail_on)
        c->failed = true;
}

static int run_outdated(env *e, const char *args)
{
    const opts *o = e->o;
    outdated_ctx c;
    memset(&c, 0, sizeof c);
    c.e = e;
    c.run_id = vs_store_new_run(e->st, "inventory outdated", args);
    if (c.run_id < 0 || vs_store_begin(e->st) != VS_OK) {
        fprintf(stderr, "voipsec inventory: %s\n", vs_store_error(e->st));
        return VS_EXIT_USAGE;
    }
    unsigned long counts[VS_INV__COUNT] = {0};
    size_t n = vs_inventory_count(e->inv);
    for (size_t i = 0; i < n; i++) {
        const vs_inventory_device *d = vs_inventory_get(e->inv, i);
        vs_inventory_verdict v;
        vs_inventory_judge(d, e->cat, &e->pol, e->now_us, &v);
        counts[v.status]++;
        vs_inventory_findings(d, e->cat, &e->pol, e->now_us, on_finding, &c);
    }
    if (vs_store_commit(e->st) != VS_OK || c.store_errors) {
        fprintf(stderr, "voipsec inventory: %s\n", vs_store_error(e->st));
        return VS_EXIT_USAGE;
    }
    unsigned long overdue = 0;
    for (size_t i = 0; i < n; i++) {
        vs_inventory_verdict v;
        vs_inventory_judge(vs_inventory_get(e->inv, i), NULL, &e->pol, e->now_us, &v);
        overdue += v.overdue;
    }
    if (o->format == FMT_JSON)
        printf("{\"summary\":{\"devices\":%zu,\"vulnerable\":%lu,\"overdue\":%lu,"
               "\"unknown_version\":%lu,\"findings\":%lu,\"review_days\":%u,\"policy\":\"%s\","
               "\"run_id\":%lld}}\n",
               n, counts[VS_INV_VULNERABLE], overdue, counts[VS_INV_UNKNOWN_VERSION], c.findings,
               e->pol.firmware_review_days, e->pol.preset, (long long)c.run_id);
    else
        printf("%lu finding%s on %zu devices: %lu vulnerable, %lu overdue for review, %lu with "
               "an unknown version; firmware review every %u days (policy %s)\n",
               c.findings, c.findings == 1 ? "" : "s", n, counts[VS_INV_VULNERABLE], overdue,
               counts[VS_INV_UNKNOWN_VERSION], e->pol.firmware_review_days, e->pol.preset);
    return c.failed ? VS_EXIT_FINDINGS : VS_EXIT_OK;
}

/* ---- review -------------------------------------------------------------------------------- */

static int run_review(env *e)
{
    const opts *o = e->o;
    int64_t when = e->now_us;
    if (o->when && strcmp(o->when, "now") != 0) {
        if (vs_inventory_parse_time(o->when, &when) != VS_OK) {
            fprintf(stderr,
                    "voipsec inventory: --when '%s': expected YYYY-MM-DD, "
                    "YYYY-MM-DDTHH:MM[:SS]Z (UTC) or now\n",
                    o->when);
            return VS_EXIT_USAGE;
        }
        if (when > e->now_us + 300 * INT64_C(1000000)) {
            fprintf(stderr, "voipsec inventory: --when '%s' is in the future\n", o->when);
            return VS_EXIT_USAGE;
        }
    }
    const vs_inventory_device *d;
    char err[1024];
    if (vs_inventory_find(e->inv, o->device, &d, err, sizeof err) != VS_OK) {
        fprintf(stderr, "voipsec inventory: %s\n", err);
        return VS_EXIT_USAGE;
    }
    vs_device_review *r = calloc(1, sizeof *r);
    if (!r)
        oom();
    snprintf(r->ip, sizeof r->ip, "%s", d->ip);
    snprintf(r->vendor, sizeof r->vendor, "%s", d->vendor);
    snprintf(r->model, sizeof r->model, "%s", d->model);
    snprintf(r->version, sizeof r->version, "%s", firmware_of(d) ? firmware_of(d) : "");
    snprintf(r->who, sizeof r->who, "%s", o->who);
    snprintf(r->note, sizeof r->note, "%s", o->note ? o->note : "");
    r->reviewed_at_us = when;
    int ret = VS_EXIT_OK;
    if (vs_store_add_review(e->st, r) != VS_OK) {
        fprintf(stderr, "voipsec inventory: %s\n", vs_store_error(e->st));
        ret = VS_EXIT_USAGE;
    } else {
        char name[400], at[32];
        vs_inventory_device_name(d, name, sizeof name);
        vs_time_format(r->reviewed_at_us, at, sizeof at);
        printf("review %lld recorded: %s, firmware %s, checked by %s at %s\n", (long long)r->id,
               name, r->version[0] ? r->version : "unknown", r->who, at);
    }
    free(r);
    return ret;
}

/* ---- options ------------------------------------------------------------------------------- */

static bool parse_days(const char *v, unsigned *out)
{
    if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 4)
        return false;
    unsigned long n = strtoul(v, NULL, 10);
    if (n > 3650)
        return false;
    *out = (unsigned)n;
    return true;
}

static int parse_opts(int argc, char **argv, opts *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'D'},
        {"format", required_argument, NULL, 'f'},
        {"data-dir", required_argument, NULL, 'd'},
        {"fingerprints", required_argument, NULL, 'R'},
        {"catalogue", required_argument, NULL, 'C'},
        {"policy", required_argument, NULL, 'p'},
        {"preset", required_argument, NULL, 'P'},
        {"days", required_argument, NULL, 'N'},
        {"fail-on", required_argument, NULL, 'F'},
        {"who", required_argument, NULL, 'w'},
        {"note", required_argument, NULL, 'n'},
        {"when", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "f:p:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'D':
            o->db = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "text"))
                o->format = FMT_TEXT;
            else if (!strcmp(optarg, "json"))
                o->format = FMT_JSON;
            else {
                fprintf(stderr, "voipsec inventory: unknown format '%s' (use text or json)\n",
                        optarg);
                return VS_EXIT_USAGE;
            }
            break;
        case 'd':
            o->data_dir = optarg;
            break;
        case 'R':
        case 'C': {
            size_t *n = opt == 'R' ? &o->nfps : &o->ncats;
            if (*n == MAX_DATA_FILES) {
                fprintf(stderr, "voipsec inventory: at most %d --%s files\n", MAX_DATA_FILES,
                        opt == 'R' ? "fingerprints" : "catalogue");
                return VS_EXIT_USAGE;
            }
            (opt == 'R' ? o->fps : o->cats)[(*n)++] = optarg;
            break;
        }
        case 'p':
            o->policy_file = optarg;
            break;
        case 'P':
            o->preset = optarg;
            break;
        case 'N':
            if (!parse_days(optarg, &o->days)) {
                fprintf(stderr,
                        "voipsec inventory: --days '%s': expected a number of days from 0 "
                        "(never overdue) to 3650\n",
                        optarg);
                return VS_EXIT_USAGE;
            }
            o->has_days = true;
            break;
        case 'F':
            if (vs_severity_parse(optarg, &o->fail_on) != VS_OK) {
                fprintf(stderr,
                        "voipsec inventory: unknown severity '%s' (use info, low, medium, high "
                        "or critical)\n",
                        optarg);
                return VS_EXIT_USAGE;
            }
            o->has_fail_on = true;
            break;
        case 'w':
            o->who = optarg;
            break;
        case 'n':
            o->note = optarg;
            break;
        case 't':
            o->when = optarg;
            break;
        case 'h':
            usage(stdout);
            return VS_EXIT_OK;
        default:
            usage(stderr);
            return VS_EXIT_USAGE;
        }
    }
    return -1;
}

/* The usage error of o for its subcommand, or NULL. */
static const char *check_opts(const opts *o, int nargs)
{
    bool takes_device = o->sub == SUB_SHOW || o->sub == SUB_REVIEW;
    if (nargs != (takes_device ? 1 : 0))
        return o->sub == SUB_SHOW     ? "show takes one DEVICE"
               : o->sub == SUB_REVIEW ? "review takes one DEVICE"
                                      : "this subcommand takes no arguments";
    if (o->sub == SUB_REVIEW) {
        if (!o->who || !*o->who)
            return "review needs --who NAME";
        if (strlen(o->who) >= sizeof(((vs_device_review *)0)->who))
            return "--who: at most 127 bytes";
        if (o->note && strlen(o->note) >= sizeof(((vs_device_review *)0)->note))
            return "--note: at most 511 bytes";
        if (o->format != FMT_TEXT || o->has_fail_on || o->has_days || o->policy_file || o->preset ||
            o->ncats)
            return "review takes only --db, --data-dir, --fingerprints, --who, --note, --when";
        return NULL;
    }
    if (o->who || o->note || o->when)
        return "--who, --note and --when only apply to review";
    if (o->has_fail_on && o->sub != SUB_OUTDATED)
        return "--fail-on only applies to outdated";
    return NULL;
}

int vs_cmd_inventory(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return VS_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        usage(stdout);
        return VS_EXIT_OK;
    }
    opts o;
    memset(&o, 0, sizeof o);
    if (!strcmp(sub, "list"))
        o.sub = SUB_LIST;
    else if (!strcmp(sub, "show"))
        o.sub = SUB_SHOW;
    else if (!strcmp(sub, "outdated"))
        o.sub = SUB_OUTDATED;
    else if (!strcmp(sub, "review"))
        o.sub = SUB_REVIEW;
    else {
        fprintf(stderr,
                "voipsec inventory: unknown subcommand '%s' (use list, show, outdated or "
                "review)\n",
                sub);
        return VS_EXIT_USAGE;
    }
    argc--;
    argv++;
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;
    const char *bad = check_opts(&o, argc - optind);
    if (bad) {
        fprintf(stderr, "voipsec inventory: %s\n", bad);
        return VS_EXIT_USAGE;
    }
    if (o.sub == SUB_SHOW || o.sub == SUB_REVIEW)
        o.device = argv[optind];

    env e;
    memset(&e, 0, sizeof e);
    e.o = &o;
    e.now_us = now_us();
    const char *dir = o.data_dir ? o.data_dir : vs_cli_data_dir();
    char err[2048];
    if (vs_policy_preset(&e.pol, o.preset ? o.preset : "seed", dir) != VS_OK) {
        fprintf(stderr, "voipsec inventory: unknown preset '%s' (use seed or nist)\n", o.preset);
        return VS_EXIT_USAGE;
    }
    if (o.policy_file && vs_policy_load(&e.pol, o.policy_file, dir, err, sizeof err) != VS_OK) {
        fprintf(stderr, "voipsec inventory: %s\n", err);
        return VS_EXIT_USAGE;
    }
    if (o.has_days)
        e.pol.firmware_review_days = o.days;

    if (!load_env(&e, o.sub != SUB_REVIEW)) {
        free_env(&e);
        return VS_EXIT_USAGE;
    }
    switch (o.sub) {
    case SUB_LIST:
        rc = run_list(&e);
        break;
    case SUB_SHOW:
        rc = run_show(&e);
        break;
    case SUB_OUTDATED: {
        /* the run's description: the arguments as given */
        char *args = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&args, &len);
        if (!m)
            oom();
        for (int i = 0; i < argc; i++)
            fprintf(m, "%s%s", i ? " " : "", argv[i]);
        fclose(m);
        rc = run_outdated(&e, args);
        free(args);
        break;
    }
    default:
        rc = run_review(&e);
        break;
    }
    free_env(&e);
    return rc;
}
