/* voipsec scan: probe the SIP services of named targets, fingerprint them, match their firmware
 * against the catalogue and run the opt-in exposure checks (docs/cli/scan.md). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <voipsec/scan.h>
#include <voipsec/store.h>

#include "cli.h"

enum { FMT_TEXT, FMT_JSON };
enum { MAX_USER_FILES = 16 };

typedef struct scan_cli {
    FILE *out;
    int format;
    vs_store *store;
    int64_t run_id;
    unsigned store_errors;
    bool has_fail_on, failed;
    vs_severity fail_on;
    bool progress;         /* stderr is a terminal: show a progress line */
    bool progress_shown;
    uint64_t records, findings;
} scan_cli;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: voipsec scan TARGET... [OPTIONS]\n\n"
            "Sends SIP OPTIONS to the targets you name (and to nothing else), reports which SIP\n"
            "services answer, what they are (vendor, model, firmware) and whether that firmware is\n"
            "known to be vulnerable; opt-in checks look at TLS, authentication, extension leaks and\n"
            "reachable admin interfaces.\n\n"
            "Targets: 192.0.2.7  192.0.2.0/24  192.0.2.10-20  192.0.2.10-192.0.2.40  ::1\n"
            "         2001:db8::/120  pbx.example.com  host:5062  [::1]:5062\n"
            "         udp://host[:port]  tcp://host[:port]  tls://host[:port]\n\n"
            "Options:\n"
            "  -t, --transport LIST  udp, tcp, tls, comma-separated (default: udp)\n"
            "  -p, --port N[,M...]   ports for targets without one (default: 5060 for udp and\n"
            "                        tcp, 5061 for tls)\n"
            "  -r, --rate PPS        probes (datagrams and connection attempts) per second\n"
            "                        (default: 200)\n"
            "      --timeout S       seconds to wait for each answer, connection or handshake\n"
            "                        (default: 2)\n"
            "      --retries N       UDP probes re-sent to silent targets (default: 1)\n"
            "      --max-conns N     TCP/TLS connections in flight at once (default: 64)\n"
            "  -c, --checks LIST     tls, auth, enum-leak, admin, or all (default: none)\n"
            "      --enum-users LIST likely extensions for enum-leak and auth (default:\n"
            "                        100,101,200,1000,1001,2000)\n"
            "      --trunk TARGET    a provider's trunk: scanned like a target, its findings go\n"
            "                        to the provider practice (repeatable)\n"
            "      --allow-large     allow a block or range larger than a /16 (65,536 addresses)\n"
            "  -f, --format FMT      text (default) or json: one line per host record or finding,\n"
            "                        then a stats line\n"
            "  -o, --output FILE     write to FILE instead of standard output\n"
            "      --db FILE         record findings and devices in this SQLite store (default:\n"
            "                        $VOIPSEC_DB or ~/.local/share/voipsec/voipsec.db)\n"
            "      --no-db           do not record anything\n"
            "      --data-dir DIR    where the data files are (default: $VOIPSEC_DATA_DIR or the\n"
            "                        built-in path)\n"
            "      --fingerprints F  your own fingerprint rules, read before the built-in ones\n"
            "      --catalogue F     your own catalogue of vulnerable firmware, read before the\n"
            "                        built-in one (both repeatable; docs/firmware.md)\n"
            "      --fail-on SEV     exit 1 when a finding of severity SEV or above is reported\n"
            "  -h, --help            this help\n\n"
            "Progress goes to standard error when it is a terminal. No password is ever guessed.\n"
            "Exit status: 0 done, 1 a finding at or above --fail-on, 2 usage error (bad target,\n"
            "option or data file).\n");
}

static void oom(void)
{
    fprintf(stderr, "voipsec scan: out of memory\n");
    exit(VS_EXIT_USAGE);
}

static void clear_progress(scan_cli *c)
{
    if (c->progress_shown) {
        fputs("\r\033[K", stderr);
        c->progress_shown = false;
    }
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    scan_cli *c = ctx;
    if (!c->progress)
        return;
    fprintf(stderr, "\r\033[Kscan: %llu/%llu probes done, %llu records, %llu findings",
            (unsigned long long)done, (unsigned long long)total,
            (unsigned long long)c->records, (unsigned long long)c->findings);
    fflush(stderr);
    c->progress_shown = true;
}

static void json_kv_str(FILE *out, const char *key, const char *value, bool comma)
{
    fprintf(out, "%s\"%s\":", comma ? "," : "", key);
    vs_json_cstr(out, value);
}

static void write_record_json(FILE *out, const vs_scan_result *r)
{
    fputs("{\"record\":\"host\"", out);
    json_kv_str(out, "target", r->target, true);
    if (r->host[0])
        json_kv_str(out, "host", r->host, true);
    json_kv_str(out, "ip", r->ip, true);
    fprintf(out, ",\"port\":%u", (unsigned)r->port);
    json_kv_str(out, "transport", r->transport, true);
    json_kv_str(out, "status", vs_scan_status_id(r->status), true);
    if (r->sip_status) {
        fprintf(out, ",\"sip_status\":%d", r->sip_status);
        json_kv_str(out, "reason", r->reason, true);
    }
    if (r->server[0])
        json_kv_str(out, "server", r->server, true);
    if (r->allow[0])
        json_kv_str(out, "allow", r->allow, true);
    if (r->supported[0])
        json_kv_str(out, "supported", r->supported, true);
    if (r->status == VS_SCAN_ANSWERED) {
        fprintf(out, ",\"auth_required\":%s", r->auth_required ? "true" : "false");
        fprintf(out, ",\"rtt_ms\":%.3f", r->rtt_ms);
    }
    if (r->tls_version[0]) {
        fputs(",\"tls\":{", out);
        json_kv_str(out, "version", r->tls_version, false);
        json_kv_str(out, "cipher", r->tls_cipher, true);
        fputc('}', out);
    }
    if (r->fp.vendor[0]) {
        fputs(",\"fingerprint\":{", out);
        json_kv_str(out, "vendor", r->fp.vendor, false);
        if (r->fp.model[0])
            json_kv_str(out, "model", r->fp.model, true);
        if (r->fp.version[0])
            json_kv_str(out, "version", r->fp.version, true);
        if (r->fp.kind[0])
            json_kv_str(out, "kind", r->fp.kind, true);
        if (r->fp.platform_vendor[0]) {
            json_kv_str(out, "platform_vendor", r->fp.platform_vendor, true);
            json_kv_str(out, "platform_version", r->fp.platform_version, true);
        }
        json_kv_str(out, "rule", r->fp.rule, true);
        fputc('}', out);
    }
    fprintf(out, ",\"trunk\":%s", r->trunk ? "true" : "false");
    if (r->error[0])
        json_kv_str(out, "error", r->error, true);
    fputs("}\n", out);
}

static void write_record_text(FILE *out, const vs_scan_result *r)
{
    char where[300]; /* a target as written can be long */
    if (strchr(r->ip, ':'))
        snprintf(where, sizeof where, "[%s]:%u/%s", r->ip, (unsigned)r->port, r->transport);
    else if (r->ip[0])
        snprintf(where, sizeof where, "%s:%u/%s", r->ip, (unsigned)r->port, r->transport);
    else
        snprintf(where, sizeof where, "%s", r->target);
    if (r->status != VS_SCAN_ANSWERED) {
        fprintf(out, "%-28s %-11s %s\n", where, vs_scan_status_id(r->status), r->error);
        return;
    }
    fprintf(out, "%-28s %d %s", where, r->sip_status, r->reason);
    if (r->server[0])
        fprintf(out, "  \"%s\"", r->server);
    if (r->fp.vendor[0]) {
        fprintf(out, "  [%s", r->fp.vendor);
        if (r->fp.model[0] && strcmp(r->fp.model, r->fp.vendor) != 0)
            fprintf(out, " %s", r->fp.model);
        if (r->fp.version[0])
            fprintf(out, " %s", r->fp.version);
        fputc(']', out);
    }
    if (r->tls_version[0])
        fprintf(out, "  %s", r->tls_version);
    if (r->auth_required)
        fputs("  (asks for credentials)", out);
    fprintf(out, "  %.1f ms%s\n", r->rtt_ms, r->trunk ? "  trunk" : "");
}

static void record_device(scan_cli *c, const vs_scan_result *r)
{
    if (!c->store || r->status != VS_SCAN_ANSWERED)
        return;
    vs_device_seen d;
    memset(&d, 0, sizeof d);
    snprintf(d.ip, sizeof d.ip, "%s", r->ip);
    d.port = r->port;
    snprintf(d.transport, sizeof d.transport, "%s", r->transport);
    snprintf(d.user_agent, sizeof d.user_agent, "%s", r->server);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    d.seen_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    if (vs_store_device_seen(c->store, &d) != VS_OK)
        c->store_errors++;
}

static void on_result(void *ctx, const vs_scan_result *r)
{
    scan_cli *c = ctx;
    c->records++;
    clear_progress(c);
    if (c->format == FMT_JSON)
        write_record_json(c->out, r);
    else
        write_record_text(c->out, r);
    fflush(c->out);
    record_device(c, r);
}

static void on_finding(void *ctx, const vs_finding *f)
{
    scan_cli *c = ctx;
    c->findings++;
    clear_progress(c);
    if (c->format == FMT_JSON) {
        vs_finding_write_json(c->out, f);
    } else {
        fputc('\n', c->out);
        vs_finding_write_text(c->out, f);
    }
    fflush(c->out);
    if (c->store && vs_store_add_finding(c->store, c->run_id, "scan", f) != VS_OK)
        c->store_errors++;
    if (c->has_fail_on && f->severity >= c->fail_on)
        c->failed = true;
}

static void write_stats(scan_cli *c, const vs_scan_stats *s)
{
    double rate = s->send_seconds > 0 ? (double)s->sent / s->send_seconds : 0;
    if (c->format == FMT_JSON) {
        fprintf(c->out,
                "{\"stats\":{\"addresses\":%llu,\"probes\":%llu,\"sent\":%llu,\"connects\":%llu,"
                "\"answered\":%llu,\"garbage\":%llu,\"silent\":%llu,\"refused\":%llu,"
                "\"unreachable\":%llu,\"unresolved\":%llu,\"tls_failed\":%llu,\"errors\":%llu,"
                "\"findings\":%llu,\"seconds\":%.3f,\"send_seconds\":%.6f,\"rate\":%.1f}}\n",
                (unsigned long long)s->addresses, (unsigned long long)s->probes,
                (unsigned long long)s->sent, (unsigned long long)s->connects,
                (unsigned long long)s->answered, (unsigned long long)s->garbage,
                (unsigned long long)s->silent, (unsigned long long)s->refused,
                (unsigned long long)s->unreachable, (unsigned long long)s->unresolved,
                (unsigned long long)s->tls_failed, (unsigned long long)s->errors,
                (unsigned long long)s->findings, s->seconds, s->send_seconds, rate);
        return;
    }
    fprintf(c->out,
            "\nScanned %llu address%s (%llu probe%s) in %.2f s: %llu answered, %llu silent, "
            "%llu refused",
            (unsigned long long)s->addresses, s->addresses == 1 ? "" : "es",
            (unsigned long long)s->probes, s->probes == 1 ? "" : "s", s->seconds,
            (unsigned long long)s->answered, (unsigned long long)s->silent,
            (unsigned long long)s->refused);
    if (s->garbage)
        fprintf(c->out, ", %llu garbage", (unsigned long long)s->garbage);
    if (s->unreachable)
        fprintf(c->out, ", %llu unreachable", (unsigned long long)s->unreachable);
    if (s->unresolved)
        fprintf(c->out, ", %llu unresolved", (unsigned long long)s->unresolved);
    if (s->tls_failed)
        fprintf(c->out, ", %llu TLS failed", (unsigned long long)s->tls_failed);
    if (s->errors)
        fprintf(c->out, ", %llu errors", (unsigned long long)s->errors);
    fprintf(c->out, "; %llu finding%s.\n", (unsigned long long)s->findings,
            s->findings == 1 ? "" : "s");
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_ports(const char *list, vs_scan_opts *o)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    o->nports = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        unsigned long v;
        if (!parse_uint(tok, 65535, &v) || v == 0 ||
            o->nports >= sizeof o->ports / sizeof o->ports[0])
            return false;
        o->ports[o->nports++] = (uint16_t)v;
    }
    return o->nports > 0;
}

int vs_cmd_scan(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"transport", required_argument, NULL, 't'},
        {"port", required_argument, NULL, 'p'},
        {"rate", required_argument, NULL, 'r'},
        {"timeout", required_argument, NULL, 'T'},
        {"retries", required_argument, NULL, 'R'},
        {"max-conns", required_argument, NULL, 'M'},
        {"checks", required_argument, NULL, 'c'},
        {"enum-users", required_argument, NULL, 'U'},
        {"trunk", required_argument, NULL, 'k'},
        {"allow-large", no_argument, NULL, 'A'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"db", required_argument, NULL, 'D'},
        {"no-db", no_argument, NULL, 'N'},
        {"data-dir", required_argument, NULL, 'd'},
        {"fingerprints", required_argument, NULL, 'P'},
        {"catalogue", required_argument, NULL, 'C'},
        {"fail-on", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    scan_cli c;
    memset(&c, 0, sizeof c);
    c.out = stdout;
    vs_scan_opts o;
    vs_scan_opts_init(&o);
    const char *output = NULL, *db = NULL, *data_dir = NULL;
    const char *trunks[64];
    size_t ntrunks = 0;
    const char *user_fp[MAX_USER_FILES], *user_cat[MAX_USER_FILES];
    size_t nuser_fp = 0, nuser_cat = 0;
    bool no_db = false, allow_large = false;
    char err[1024];
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "t:p:r:c:f:o:h", longopts, NULL)) != -1) {
        unsigned long u;
        switch (opt) {
        case 't':
            if (vs_scan_parse_transports(optarg, &o.transports, err, sizeof err) != VS_OK) {
                fprintf(stderr, "voipsec scan: --transport: %s\n", err);
                return VS_EXIT_USAGE;
            }
            break;
        case 'p':
            if (!parse_ports(optarg, &o)) {
                fprintf(stderr,
                        "voipsec scan: --port: '%s' is not a list of 1 to 16 ports (1-65535)\n",
                        optarg);
                return VS_EXIT_USAGE;
            }
            break;
        case 'r':
            if (!parse_double(optarg, &o.rate) || !(o.rate >= 1) || o.rate > 1e7) {
                fprintf(stderr,
                        "voipsec scan: --rate: '%s' is not a rate of 1 to 10000000 probes per "
                        "second\n",
                        optarg);
                return VS_EXIT_USAGE;
            }
            break;
        case 'T':
            if (!parse_double(optarg, &o.timeout_s) || !(o.timeout_s > 0) ||
                o.timeout_s > 3600) {
                fprintf(stderr,
                        "voipsec scan: --timeout: '%s' is not a number of seconds (more than 0, "
                        "at most 3600)\n",
                        optarg);
                return VS_EXIT_USAGE;
            }
            break;
        case 'R':
            if (!parse_uint(optarg, 10, &u)) {
                fprintf(stderr, "voipsec scan: --retries: '%s' is not 0 to 10\n", optarg);
                return VS_EXIT_USAGE;
            }
            o.retries = (unsigned)u;
            break;
        case 'M':
            if (!parse_uint(optarg, 65536, &u) || u == 0) {
                fprintf(stderr, "voipsec scan: --max-conns: '%s' is not 1 to 65536\n", optarg);
                return VS_EXIT_USAGE;
            }
            o.max_conns = (unsigned)u;
            break;
        case 'c':
            if (vs_scan_parse_checks(optarg, &o.checks, err, sizeof err) != VS_OK) {
                fprintf(stderr, "voipsec scan: --checks: %s\n", err);
                return VS_EXIT_USAGE;
            }
            break;
        case 'U':
            if (strlen(optarg) >= sizeof o.enum_users || !*optarg) {
                fprintf(stderr, "voipsec scan: --enum-users: give 1 to %zu characters\n",
                        sizeof o.enum_users - 1);
                return VS_EXIT_USAGE;
            }
            snprintf(o.enum_users, sizeof o.enum_users, "%s", optarg);
            break;
        case 'k':
            if (ntrunks >= sizeof trunks / sizeof trunks[0]) {
                fprintf(stderr, "voipsec scan: at most %zu --trunk targets\n",
                        sizeof trunks / sizeof trunks[0]);
                return VS_EXIT_USAGE;
            }
            trunks[ntrunks++] = optarg;
            break;
        case 'A':
            allow_large = true;
            break;
        case 'f':
            if (!strcmp(optarg, "text"))
                c.format = FMT_TEXT;
            else if (!strcmp(optarg, "json"))
                c.format = FMT_JSON;
            else {
                fprintf(stderr, "voipsec scan: unknown format '%s' (use text or json)\n", optarg);
                return VS_EXIT_USAGE;
            }
            break;
        case 'o':
            output = optarg;
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
        case 'P':
        case 'C':
            if ((opt == 'P' ? nuser_fp : nuser_cat) >= MAX_USER_FILES) {
                fprintf(stderr, "voipsec scan: at most %d files for --%s\n", MAX_USER_FILES,
                        opt == 'P' ? "fingerprints" : "catalogue");
                return VS_EXIT_USAGE;
            }
            if (opt == 'P')
                user_fp[nuser_fp++] = optarg;
            else
                user_cat[nuser_cat++] = optarg;
            break;
        case 'F':
            if (vs_severity_parse(optarg, &c.fail_on) != VS_OK) {
                fprintf(stderr,
                        "voipsec scan: unknown severity '%s' (use info, low, medium, high or "
                        "critical)\n",
                        optarg);
                return VS_EXIT_USAGE;
            }
            c.has_fail_on = true;
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
        fprintf(stderr, "voipsec scan: --db and --no-db exclude each other\n");
        return VS_EXIT_USAGE;
    }
    if (optind >= argc && ntrunks == 0) {
        fprintf(stderr, "voipsec scan: name at least one TARGET (nothing is scanned unless you "
                        "name it)\n");
        usage(stderr);
        return VS_EXIT_USAGE;
    }

    int rc = VS_EXIT_OK;
    vs_scan_targets *targets = vs_scan_targets_new();
    vs_fp_rules *rules = NULL;
    vs_catalogue *cat = NULL;
    if (!targets)
        oom();
    /* Every target is checked before anything is sent: a typo in the last one must not come
     * after a half-done scan of the others. */
    for (int i = optind; i < argc; i++) {
        if (vs_scan_targets_add(targets, argv[i], false, allow_large, err, sizeof err) != VS_OK) {
            fprintf(stderr, "voipsec scan: %s\n", err);
            rc = VS_EXIT_USAGE;
            goto out;
        }
    }
    for (size_t i = 0; i < ntrunks; i++) {
        if (vs_scan_targets_add(targets, trunks[i], true, allow_large, err, sizeof err) !=
            VS_OK) {
            fprintf(stderr, "voipsec scan: --trunk: %s\n", err);
            rc = VS_EXIT_USAGE;
            goto out;
        }
    }

    if (!data_dir)
        data_dir = vs_cli_data_dir();
    o.data_dir = data_dir;
    {
        char builtin_fp[1024], builtin_cat[1024];
        snprintf(builtin_fp, sizeof builtin_fp, "%s/fingerprints.tsv", data_dir);
        snprintf(builtin_cat, sizeof builtin_cat, "%s/firmware-catalogue.tsv", data_dir);
        const char *fp_paths[MAX_USER_FILES + 1], *cat_paths[MAX_USER_FILES + 1];
        for (size_t i = 0; i < nuser_fp; i++)
            fp_paths[i] = user_fp[i];
        fp_paths[nuser_fp] = builtin_fp;
        for (size_t i = 0; i < nuser_cat; i++)
            cat_paths[i] = user_cat[i];
        cat_paths[nuser_cat] = builtin_cat;
        rules = vs_fp_rules_load(fp_paths, nuser_fp + 1, err, sizeof err);
        if (!rules) {
            fprintf(stderr, "voipsec scan: %s\n", err);
            rc = VS_EXIT_USAGE;
            goto out;
        }
        cat = vs_catalogue_load(cat_paths, nuser_cat + 1, err, sizeof err);
        if (!cat) {
            fprintf(stderr, "voipsec scan: %s\n", err);
            rc = VS_EXIT_USAGE;
            goto out;
        }
    }
    o.fingerprints = rules;
    o.catalogue = cat;

    if (output) {
        int fd = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        c.out = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!c.out) {
            fprintf(stderr, "voipsec scan: %s: %s\n", output, strerror(errno));
            if (fd >= 0)
                close(fd);
            c.out = stdout;
            rc = VS_EXIT_USAGE;
            goto out;
        }
    }
    if (!no_db) {
        char path[1024];
        if (!db) {
            if (vs_store_default_path(path, sizeof path) != VS_OK) {
                fprintf(stderr,
                        "voipsec scan: no default store path (set HOME or use --db/--no-db)\n");
                rc = VS_EXIT_USAGE;
                goto out;
            }
            db = path;
        }
        c.store = vs_store_open(db, err, sizeof err);
        if (!c.store) {
            fprintf(stderr, "voipsec scan: %s\n", err);
            rc = VS_EXIT_USAGE;
            goto out;
        }
        char args[2048];
        vs_cli_join_args(argc, argv, 1, args, sizeof args);
        c.run_id = vs_store_new_run(c.store, "scan", args);
        if (c.run_id <= 0) {
            fprintf(stderr, "voipsec scan: %s\n", vs_store_error(c.store));
            rc = VS_EXIT_USAGE;
            goto out;
        }
    }
    c.progress = isatty(STDERR_FILENO);

    vs_scan_sink sink = {on_result, on_finding, on_progress, &c};
    vs_scan_stats stats;
    if (c.store)
        vs_store_begin(c.store);
    vs_rc src = vs_scan_run(targets, &o, &sink, &stats, err, sizeof err);
    clear_progress(&c);
    if (c.store && vs_store_commit(c.store) != VS_OK)
        c.store_errors++;
    if (src != VS_OK) {
        fprintf(stderr, "voipsec scan: %s\n", err[0] ? err : vs_rc_str(src));
        rc = VS_EXIT_USAGE;
        goto out;
    }
    write_stats(&c, &stats);
    if (c.store_errors) {
        fprintf(stderr, "voipsec scan: %u records could not be written to the store: %s\n",
                c.store_errors, vs_store_error(c.store));
        rc = VS_EXIT_USAGE;
    } else if (c.failed) {
        rc = VS_EXIT_FINDINGS;
    }

out:
    if (c.out && c.out != stdout && fclose(c.out) != 0 && rc == VS_EXIT_OK) {
        fprintf(stderr, "voipsec scan: %s: %s\n", output, strerror(errno));
        rc = VS_EXIT_USAGE;
    }
    vs_store_close(c.store);
    vs_catalogue_free(cat);
    vs_fp_rules_free(rules);
    vs_scan_targets_free(targets);
    return rc;
}
