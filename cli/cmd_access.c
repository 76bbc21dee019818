/* `voipsec access`: the tamper-evident log of who went to which piece of equipment.
 *
 * add appends a record, show lists them (text, JSON lines or CSV), verify walks the HMAC chain and
 * names the first bad record; when the log does not verify, verify also records a finding
 * (access.log-tampered, practice equipment) in the store and prints it. The log lives in the store
 * (--db, default vs_store_default_path) and its key in its own file (--key, default next to the
 * store). See docs/cli/access.md and docs/internals/access-log.md. */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <voipsec/access.h>

#include "cli.h"

enum { FMT_TEXT, FMT_JSON, FMT_CSV };

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: voipsec access add --who NAME --what DEVICE-OR-ROOM --action ACTION\n"
        "                          [--why TEXT] [--when TIME] [options]\n"
        "       voipsec access show [--since TIME] [--who NAME] [--what X]\n"
        "                           [--format text|json|csv] [options]\n"
        "       voipsec access verify [--format text|json] [--expect-head SEQ:MAC] [options]\n\n"
        "Keeps a log of who went to the phone system's equipment (server, rack, phone room),\n"
        "did what and why. Each record is chained to the one before with HMAC-SHA-256, so\n"
        "an edited, deleted, inserted or reordered record is found by 'verify'.\n\n"
        "Options:\n"
        "      --db FILE         the store (default: $VOIPSEC_DB or\n"
        "                        ~/.local/share/voipsec/voipsec.db)\n"
        "      --key FILE        the log's key file (default: the store's path + \".access-key\";\n"
        "                        made, mode 0600, on first use)\n"
        "      --when TIME       time of the access: ISO-8601 UTC (2026-11-29T06:14:00Z),\n"
        "                        YYYY-MM-DD or \"now\" (default)\n"
        "      --since TIME      show records at or after TIME\n"
        "      --expect-head SEQ:MAC  also check that record SEQ still exists with MAC\n"
        "                        (a head printed by an earlier verify, kept elsewhere)\n"
        "  -h, --help            show this help\n\n"
        "Exit status: 0 success (verify: the log is intact), 1 the log does not verify,\n"
        "2 usage error, unreadable store or key file.\n");
}

typedef struct opts {
    const char *db, *key, *who, *what, *action, *why, *when, *since, *expect;
    int format;
} opts;

static int parse(const char *sub, int argc, char **argv, opts *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'D'},     {"key", required_argument, NULL, 'K'},
        {"who", required_argument, NULL, 'w'},    {"what", required_argument, NULL, 'W'},
        {"action", required_argument, NULL, 'a'}, {"why", required_argument, NULL, 'y'},
        {"when", required_argument, NULL, 't'},   {"since", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'}, {"expect-head", required_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    bool is_add = !strcmp(sub, "add"), is_show = !strcmp(sub, "show");
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "hf:", longopts, NULL)) != -1) {
        const char *bad = NULL;
        switch (opt) {
        case 'D':
            o->db = optarg;
            break;
        case 'K':
            o->key = optarg;
            break;
        case 'w':
            if (is_add || is_show)
                o->who = optarg;
            else
                bad = "--who";
            break;
        case 'W':
            if (is_add || is_show)
                o->what = optarg;
            else
                bad = "--what";
            break;
        case 'a':
            if (is_add)
                o->action = optarg;
            else
                bad = "--action";
            break;
        case 'y':
            if (is_add)
                o->why = optarg;
            else
                bad = "--why";
            break;
        case 't':
            if (is_add)
                o->when = optarg;
            else
                bad = "--when";
            break;
        case 's':
            if (is_show)
                o->since = optarg;
            else
                bad = "--since";
            break;
        case 'E':
            if (!is_add && !is_show)
                o->expect = optarg;
            else
                bad = "--expect-head";
            break;
        case 'f':
            if (is_add)
                bad = "--format";
            else if (!strcmp(optarg, "text"))
                o->format = FMT_TEXT;
            else if (!strcmp(optarg, "json"))
                o->format = FMT_JSON;
            else if (!strcmp(optarg, "csv") && is_show)
                o->format = FMT_CSV;
            else {
                fprintf(stderr, "voipsec access %s: unknown format '%s' (use %s)\n", sub, optarg,
                        is_show ? "text, json or csv" : "text or json");
                return VS_EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            fprintf(stderr, "voipsec access %s: unknown or incomplete option '%s'\n", sub,
                    argv[optind - 1]);
            return VS_EXIT_USAGE;
        }
        if (bad) {
            fprintf(stderr, "voipsec access %s: %s does not apply to '%s'\n", sub, bad, sub);
            return VS_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "voipsec access %s: unexpected argument '%s'\n", sub, argv[optind]);
        return VS_EXIT_USAGE;
    }
    return 0;
}

/* Opens the store and the log; prints why not and returns NULL. */
static vs_access *open_log(const char *sub, const opts *o, vs_store **st, char *path,
                           size_t pathsize)
{
    char err[1024];
    const char *db = o->db;
    if (!db) {
        if (vs_store_default_path(path, pathsize) != VS_OK) {
            fprintf(stderr, "voipsec access %s: no default store path (set HOME or use --db)\n",
                    sub);
            return NULL;
        }
        db = path;
    } else {
        snprintf(path, pathsize, "%s", db);
    }
    *st = vs_store_open(db, err, sizeof err);
    if (!*st) {
        fprintf(stderr, "voipsec access %s: %s\n", sub, err);
        return NULL;
    }
    vs_access *a = vs_access_open(*st, o->key, err, sizeof err);
    if (!a) {
        fprintf(stderr, "voipsec access %s: %s\n", sub, err);
        vs_store_close(*st);
        *st = NULL;
    }
    return a;
}

static int cmd_add(const opts *o)
{
    if (!o->who || !*o->who || !o->what || !*o->what || !o->action || !*o->action) {
        fprintf(stderr, "voipsec access add: --who, --what and --action are required\n");
        return VS_EXIT_USAGE;
    }
    int64_t at = 0;
    if (o->when && vs_access_parse_time(o->when, &at) != VS_OK) {
        fprintf(stderr,
                "voipsec access add: --when '%s' is not a time (use 2026-11-29T06:14:00Z, "
                "2026-11-29 or now)\n",
                o->when);
        return VS_EXIT_USAGE;
    }
    char path[4096];
    vs_store *st = NULL;
    vs_access *a = open_log("add", o, &st, path, sizeof path);
    if (!a)
        return VS_EXIT_USAGE;
    int64_t seq = 0;
    int ret = VS_EXIT_OK;
    if (vs_access_add(a, o->who, o->what, o->action, o->why, at, &seq) != VS_OK) {
        fprintf(stderr, "voipsec access add: %s\n", vs_access_error(a));
        ret = VS_EXIT_USAGE;
    } else {
        printf("added record %lld\n", (long long)seq);
    }
    vs_access_close(a);
    vs_store_close(st);
    return ret;
}

static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n") && s[0] != '=' && s[0] != '+' && s[0] != '-' && s[0] != '@') {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')
        fputc('\'', out); /* no formula injection in spreadsheets */
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static bool show_one(void *ctx, const vs_access_entry *e)
{
    int format = *(const int *)ctx;
    if (format == FMT_JSON) {
        printf("{\"seq\":%lld,\"at\":", (long long)e->seq);
        vs_json_cstr(stdout, e->at);
        fputs(",\"who\":", stdout);
        vs_json_cstr(stdout, e->who);
        fputs(",\"what\":", stdout);
        vs_json_cstr(stdout, e->what);
        fputs(",\"action\":", stdout);
        vs_json_cstr(stdout, e->action);
        if (*e->why) {
            fputs(",\"why\":", stdout);
            vs_json_cstr(stdout, e->why);
        }
        fputs(",\"mac\":", stdout);
        vs_json_cstr(stdout, e->mac);
        fputs("}\n", stdout);
    } else if (format == FMT_CSV) {
        printf("%lld,", (long long)e->seq);
        const char *f[] = {e->at, e->who, e->what, e->action, e->why};
        for (size_t i = 0; i < 5; i++) {
            csv_field(stdout, f[i]);
            fputc(i < 4 ? ',' : '\n', stdout);
        }
    } else {
        printf("%6lld  %s  %s  %s  %s%s%s\n", (long long)e->seq, e->at, e->who, e->action, e->what,
               *e->why ? "  -- " : "", e->why);
    }
    return true;
}

static int cmd_show(const opts *o)
{
    vs_access_filter f = {0, o->who, o->what};
    if (o->since && vs_access_parse_time(o->since, &f.since_us) != VS_OK) {
        fprintf(stderr,
                "voipsec access show: --since '%s' is not a time (use 2026-11-29T06:14:00Z, "
                "2026-11-29 or now)\n",
                o->since);
        return VS_EXIT_USAGE;
    }
    char path[4096];
    vs_store *st = NULL;
    vs_access *a = open_log("show", o, &st, path, sizeof path);
    if (!a)
        return VS_EXIT_USAGE;
    if (o->format == FMT_CSV)
        printf("seq,at,who,what,action,why\n");
    int format = o->format, ret = VS_EXIT_OK;
    if (vs_access_show(a, &f, show_one, &format) != VS_OK) {
        fprintf(stderr, "voipsec access show: %s\n", vs_access_error(a));
        ret = VS_EXIT_USAGE;
    }
    vs_access_close(a);
    vs_store_close(st);
    return ret;
}

static int cmd_verify(const opts *o)
{
    int64_t expect_seq = 0;
    char expect_mac[VS_ACCESS_MAC_HEX + 1];
    if (o->expect && vs_access_parse_head(o->expect, &expect_seq, expect_mac) != VS_OK) {
        fprintf(stderr,
                "voipsec access verify: --expect-head '%s' is not SEQ:MAC (a record number, a "
                "colon and 64 hex digits, as printed by verify)\n",
                o->expect);
        return VS_EXIT_USAGE;
    }
    char path[4096];
    vs_store *st = NULL;
    vs_access *a = open_log("verify", o, &st, path, sizeof path);
    if (!a)
        return VS_EXIT_USAGE;
    vs_access_report r;
    int ret = VS_EXIT_OK;
    if (vs_access_verify(a, expect_seq, o->expect ? expect_mac : NULL, &r) != VS_OK) {
        fprintf(stderr, "voipsec access verify: %s\n", vs_access_error(a));
        ret = VS_EXIT_USAGE;
        goto out;
    }
    if (r.problem == VS_ACCESS_OK) {
        if (o->format == FMT_JSON)
            printf("{\"intact\":true,\"count\":%lld,\"head\":\"%lld:%s\"}\n", (long long)r.count,
                   (long long)r.head_seq, r.head_mac);
        else if (r.count)
            printf("access log intact: %lld records; head %lld:%s\n", (long long)r.count,
                   (long long)r.head_seq, r.head_mac);
        else
            printf("access log intact: 0 records\n");
        goto out;
    }
    ret = VS_EXIT_FINDINGS;
    vs_finding f;
    vs_access_finding(&r, path, &f);
    if (o->format == FMT_JSON) {
        printf("{\"intact\":false,\"count\":%lld,\"bad_seq\":%lld,\"problem\":\"%s\",\"detail\":",
               (long long)r.count, (long long)r.bad_seq, vs_access_problem_id(r.problem));
        vs_json_cstr(stdout, r.detail);
        fputs("}\n", stdout);
        vs_finding_write_json(stdout, &f);
    } else {
        printf("access log NOT intact: record %lld: %s: %s\n\n", (long long)r.bad_seq,
               vs_access_problem_id(r.problem), r.detail);
        vs_finding_write_text(stdout, &f);
    }
    int64_t run = vs_store_new_run(st, "access", "verify");
    if (run <= 0 || vs_store_add_finding(st, run, "access", &f) != VS_OK)
        fprintf(stderr, "voipsec access verify: the finding could not be recorded: %s\n",
                vs_store_error(st));
out:
    vs_access_close(a);
    vs_store_close(st);
    return ret;
}

int vs_cmd_access(int argc, char **argv)
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
    if (strcmp(sub, "add") && strcmp(sub, "show") && strcmp(sub, "verify")) {
        fprintf(stderr, "voipsec access: unknown subcommand '%s' (use add, show or verify)\n", sub);
        return VS_EXIT_USAGE;
    }
    opts o = {0};
    int rc = parse(sub, argc - 1, argv + 1, &o);
    if (rc < 0)
        return VS_EXIT_OK;
    if (rc)
        return rc;
    if (!strcmp(sub, "add"))
        return cmd_add(&o);
    if (!strcmp(sub, "show"))
        return cmd_show(&o);
    return cmd_verify(&o);
}
