/* `voipsec monitor`: watch SIP traffic in captures or on a live interface and report attacks.
 *
 * The command wires the library's parts together: vs_capture (libpcap) -> vs_net (decode,
 * reassembly) -> vs_monitor (parse, track, detect) -> findings to the output and the store. It owns
 * what a library must not do: printing, signals, dropping privileges. See docs/cli/monitor.md. */
#define _DEFAULT_SOURCE /* setgroups, getpwnam */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define MAX_WARNINGS 20
#define DEFAULT_LIVE_FILTER                                                                       \
    "(udp or tcp or sctp) and portrange 5060-5090 or (ip[6:2] & 0x3fff != 0) or "             \
    "(ip6 and ip6[6] == 44)"

enum { FMT_TEXT, FMT_JSON };

typedef struct mon_cli {
    int format;
    FILE *out;
    vs_store *store;
    int64_t run_id;
    uint64_t store_errors;
    vs_severity fail_on;
    bool has_fail_on;
    bool failed;
    const char *current_file;
    uint64_t warnings;
    uint64_t findings;
    vs_monitor *mon;
} mon_cli;

static volatile sig_atomic_t stop_requested;
static vs_capture *volatile live_cap;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
    if (live_cap)
        vs_capture_stop(live_cap);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: voipsec monitor (-r CAPTURE... | -i IFACE) [options]\n\n"
            "Watches SIP traffic and reports attacks (scans, extension enumeration, password\n"
            "guessing, floods, toll fraud, weak passwords in use, malformed messages) and how much\n"
            "signalling and media is unencrypted, with an explanation and advice for each finding.\n\n"
            "Input (one of):\n"
            "  -r, --read FILE       read a pcap or pcapng capture; repeat for several files, which\n"
            "                        are read in order as one capture\n"
            "  -i, --interface IFACE capture live on IFACE until interrupted (SIGINT/SIGTERM)\n"
            "Options:\n"
            "  -c, --config FILE     thresholds and limits (INI; see docs/monitor-config.md)\n"
            "  -f, --format FMT      text (default) or json: one finding per line, then a stats line\n"
            "  -o, --output FILE     write findings to FILE instead of standard output\n"
            "      --db FILE         also record findings and devices seen in this SQLite store\n"
            "                        (default: $VOIPSEC_DB or ~/.local/share/voipsec/voipsec.db)\n"
            "      --no-db           do not record anything\n"
            "      --data-dir DIR    where the data files are (default: $VOIPSEC_DATA_DIR or the\n"
            "                        built-in path)\n"
            "      --fail-on SEV     exit 1 when a finding of severity SEV or above is reported\n"
            "                        (info, low, medium, high, critical)\n"
            "Live capture:\n"
            "      --filter BPF      capture filter (default: SIP ports 5060-5090 and IP fragments)\n"
            "      --user NAME       drop root privileges to NAME after opening the interface\n"
            "                        (default: nobody)\n"
            "      --stats           print counters on standard error every 10 seconds\n"
            "  -h, --help            this help\n\n"
            "Exit status: 0 done, 1 a finding at or above --fail-on, 2 usage error or a capture\n"
            "that cannot be read. Passwords and digest responses never appear in the output.\n");
}

static void on_finding(void *ctx, const vs_finding *f)
{
    mon_cli *c = ctx;
    c->findings++;
    if (c->format == FMT_JSON)
        vs_finding_write_json(c->out, f);
    else
        vs_finding_write_text(c->out, f);
    fflush(c->out);
    if (c->store && vs_store_add_finding(c->store, c->run_id, "monitor", f) != VS_OK)
        c->store_errors++;
    if (c->has_fail_on && f->severity >= c->fail_on)
        c->failed = true;
}

static void on_device(void *ctx, const vs_monitor_device *d)
{
    mon_cli *c = ctx;
    if (!c->store)
        return;
    vs_device_seen dev;
    memset(&dev, 0, sizeof dev);
    vs_ip_format(&d->ip, dev.ip, sizeof dev.ip);
    dev.port = d->port;
    snprintf(dev.transport, sizeof dev.transport, "%s", vs_transport_id(d->transport));
    size_t n = d->user_agent.len < sizeof dev.user_agent - 1 ? d->user_agent.len : sizeof dev.user_agent - 1;
    memcpy(dev.user_agent, d->user_agent.ptr, n);
    n = d->user.len < sizeof dev.user - 1 ? d->user.len : sizeof dev.user - 1;
    if (n)
        memcpy(dev.user, d->user.ptr, n);
    for (char *p = dev.user_agent; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    dev.seen_us = d->ts_us;
    if (vs_store_device_seen(c->store, &dev) != VS_OK)
        c->store_errors++;
}

static void on_payload(void *ctx, const vs_payload *p)
{
    vs_monitor_payload(((mon_cli *)ctx)->mon, p);
}

static void on_warn(void *ctx, uint64_t packet_no, const char *text)
{
    mon_cli *c = ctx;
    c->warnings++;
    if (c->warnings <= MAX_WARNINGS) {
        if (packet_no)
            fprintf(stderr, "voipsec monitor: %s: packet %llu: %s\n",
                    c->current_file ? c->current_file : "live", (unsigned long long)packet_no, text);
        else
            fprintf(stderr, "voipsec monitor: %s: %s\n", c->current_file ? c->current_file : "live",
                    text);
    } else if (c->warnings == MAX_WARNINGS + 1) {
        fprintf(stderr, "voipsec monitor: more warnings follow; only their number is reported\n");
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_stats(FILE *out, const vs_monitor_stats *ms, const vs_net_stats *ns,
                        double seconds, uint64_t warnings)
{
    fprintf(out, "{\"stats\":{\"packets\":%llu,\"sip_messages\":%llu,\"requests\":{",
            (unsigned long long)ns->packets, (unsigned long long)ms->sip_messages);
    bool first = true;
    for (int m = 1; m <= VS_SIP_METHOD__COUNT; m++) {
        int id = m == VS_SIP_METHOD__COUNT ? 0 : m; /* "other" last */
        if (!ms->requests[id])
            continue;
        fprintf(out, "%s\"%s\":%llu", first ? "" : ",", id ? vs_sip_method_name((vs_sip_method)id) : "other",
                (unsigned long long)ms->requests[id]);
        first = false;
    }
    fputs("},\"responses\":{", out);
    first = true;
    for (int s = 100; s < 700; s++) {
        if (!ms->responses[s])
            continue;
        fprintf(out, "%s\"%d\":%llu", first ? "" : ",", s, (unsigned long long)ms->responses[s]);
        first = false;
    }
    double span = ms->last_us > ms->first_us ? (double)(ms->last_us - ms->first_us) / 1e6 : 0.0;
    fprintf(out,
            "},\"malformed\":%llu,\"not_sip\":%llu,\"evicted\":%llu,\"seconds\":%.3f,"
            "\"capture_seconds\":%.3f,\"findings\":%llu,\"signalling\":{\"udp\":%llu,\"tcp\":%llu,"
            "\"sctp\":%llu,\"tls_flows\":%llu},\"media\":{\"streams\":%llu,\"encrypted\":%llu},"
            "\"net\":{\"bytes\":%llu,\"decode_errors\":%llu,\"truncated\":%llu,\"not_ip\":%llu,"
            "\"other_transport\":%llu,\"fragments\":%llu,\"reassembled\":%llu,"
            "\"fragments_dropped\":%llu,\"tcp_segments\":%llu,\"tcp_flows\":%llu,"
            "\"tcp_evicted\":%llu,\"tcp_gaps\":%llu,\"tcp_unframeable\":%llu,\"tls_bytes\":%llu},"
            "\"warnings\":%llu}}\n",
            (unsigned long long)ms->malformed, (unsigned long long)ms->not_sip,
            (unsigned long long)(ms->evicted + ns->tcp_evicted), seconds, span,
            (unsigned long long)ms->findings, (unsigned long long)ms->signalling_udp,
            (unsigned long long)ms->signalling_tcp, (unsigned long long)ms->signalling_sctp,
            (unsigned long long)ns->tls_flows, (unsigned long long)ms->media_streams,
            (unsigned long long)ms->media_encrypted, (unsigned long long)ns->bytes,
            (unsigned long long)ns->decode_errors, (unsigned long long)ns->truncated,
            (unsigned long long)ns->not_ip, (unsigned long long)ns->other_transport,
            (unsigned long long)ns->fragments, (unsigned long long)ns->reassembled,
            (unsigned long long)ns->fragments_dropped, (unsigned long long)ns->tcp_segments,
            (unsigned long long)ns->tcp_flows, (unsigned long long)ns->tcp_evicted,
            (unsigned long long)ns->tcp_gaps, (unsigned long long)ns->tcp_unframeable,
            (unsigned long long)ns->tls_bytes, (unsigned long long)warnings);
}

static void write_summary_text(FILE *out, const vs_monitor_stats *ms, const vs_net_stats *ns,
                               uint64_t findings)
{
    fprintf(out,
            "voipsec monitor: %llu packets, %llu SIP messages (%llu malformed), %llu payloads not "
            "SIP, %llu findings.\n",
            (unsigned long long)ns->packets, (unsigned long long)ms->sip_messages,
            (unsigned long long)ms->malformed, (unsigned long long)ms->not_sip,
            (unsigned long long)findings);
    if (findings == 0)
        fputs("No attack or weakness was found in this traffic.\n", out);
}

static bool drop_privileges(const char *user)
{
    if (geteuid() != 0)
        return true;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        fprintf(stderr, "voipsec monitor: no user '%s' to drop privileges to (use --user)\n", user);
        return false;
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        fprintf(stderr, "voipsec monitor: cannot drop privileges to '%s': %s\n", user,
                strerror(errno));
        return false;
    }
    if (setuid(0) == 0) {
        fprintf(stderr, "voipsec monitor: privileges could be regained after dropping them\n");
        return false;
    }
    return true;
}

int vs_cmd_monitor(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"read", required_argument, NULL, 'r'},    {"interface", required_argument, NULL, 'i'},
        {"config", required_argument, NULL, 'c'},  {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},  {"db", required_argument, NULL, 'D'},
        {"no-db", no_argument, NULL, 'N'},         {"data-dir", required_argument, NULL, 'd'},
        {"fail-on", required_argument, NULL, 'F'}, {"filter", required_argument, NULL, 'B'},
        {"user", required_argument, NULL, 'u'},    {"stats", no_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    mon_cli c;
    memset(&c, 0, sizeof c);
    c.out = stdout;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    const char *iface = NULL, *config = NULL, *output = NULL, *db = NULL, *data_dir = NULL;
    const char *filter = DEFAULT_LIVE_FILTER, *user = "nobody";
    bool no_db = false, periodic_stats = false;
    int opt, rc = VS_EXIT_OK;
    if (!files) {
        fprintf(stderr, "voipsec: out of memory\n");
        abort();
    }
    optind = 1;
    while ((opt = getopt_long(argc, argv, "r:i:c:f:o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            files[nfiles++] = optarg;
            break;
        case 'i':
            iface = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "json"))
                c.format = FMT_JSON;
            else if (!strcmp(optarg, "text"))
                c.format = FMT_TEXT;
            else {
                fprintf(stderr, "voipsec monitor: unknown format '%s' (use text or json)\n", optarg);
                free(files);
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
        case 'F':
            if (vs_severity_parse(optarg, &c.fail_on) != VS_OK) {
                fprintf(stderr, "voipsec monitor: unknown severity '%s'\n", optarg);
                free(files);
                return VS_EXIT_USAGE;
            }
            c.has_fail_on = true;
            break;
        case 'B':
            filter = optarg;
            break;
        case 'u':
            user = optarg;
            break;
        case 'S':
            periodic_stats = true;
            break;
        case 'h':
            usage(stdout);
            free(files);
            return VS_EXIT_OK;
        default:
            usage(stderr);
            free(files);
            return VS_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "voipsec monitor: unexpected argument '%s' (captures are given with -r)\n",
                argv[optind]);
        free(files);
        return VS_EXIT_USAGE;
    }
    if ((nfiles == 0) == (iface == NULL)) {
        fprintf(stderr, "voipsec monitor: give either -r CAPTURE or -i IFACE\n");
        usage(stderr);
        free(files);
        return VS_EXIT_USAGE;
    }
    if (db && no_db) {
        fprintf(stderr, "voipsec monitor: --db and --no-db exclude each other\n");
        free(files);
        return VS_EXIT_USAGE;
    }

    char err[1024];
    vs_monitor_config cfg;
    vs_monitor_config_default(&cfg, data_dir ? data_dir : vs_cli_data_dir());
    if (config && vs_monitor_config_load(&cfg, config, err, sizeof err) != VS_OK) {
        fprintf(stderr, "voipsec monitor: %s\n", err);
        free(files);
        return VS_EXIT_USAGE;
    }

    /* Open every input before anything is written, so that a bad argument changes nothing. */
    vs_capture *live = NULL;
    if (iface) {
        live = vs_capture_open_live(iface, filter, err, sizeof err);
        if (!live) {
            fprintf(stderr, "voipsec monitor: %s\n", err);
            free(files);
            return VS_EXIT_USAGE;
        }
    }
    if (!no_db) {
        char path[1024];
        if (!db) {
            if (vs_store_default_path(path, sizeof path) != VS_OK) {
                fprintf(stderr, "voipsec monitor: no default store path (set HOME or use --db/--no-db)\n");
                rc = VS_EXIT_USAGE;
                goto out;
            }
            db = path;
        }
        c.store = vs_store_open(db, err, sizeof err);
        if (!c.store) {
            fprintf(stderr, "voipsec monitor: %s\n", err);
            rc = VS_EXIT_USAGE;
            goto out;
        }
        c.run_id = vs_store_new_run(c.store, "monitor", iface ? iface : files[0]);
        vs_store_begin(c.store);
    }
    if (output) {
        int fd = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        c.out = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!c.out) {
            fprintf(stderr, "voipsec monitor: %s: %s\n", output, strerror(errno));
            rc = VS_EXIT_USAGE;
            goto out;
        }
    }
    if (live && !drop_privileges(user)) {
        rc = VS_EXIT_USAGE;
        goto out;
    }

    vs_monitor *mon = vs_monitor_new(&cfg, live != NULL, on_finding, &c, err, sizeof err);
    if (!mon) {
        fprintf(stderr, "voipsec monitor: %s\n", err);
        rc = VS_EXIT_USAGE;
        goto out;
    }
    /* devices go only to the database: without one, the monitor need not track them */
    if (c.store)
        vs_monitor_on_device(mon, on_device, &c);
    c.mon = mon;
    vs_net_config ncfg;
    vs_net_config_default(&ncfg);
    ncfg.on_payload = on_payload;
    ncfg.on_warn = on_warn;
    ncfg.ctx = &c;
    vs_net *net = vs_net_new(&ncfg);
    if (!net) {
        fprintf(stderr, "voipsec: out of memory\n");
        abort();
    }

    double t0 = now_seconds();
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (live) {
        live_cap = live;
        double last_print = t0;
        while (!stop_requested) {
            vs_rc r = vs_capture_run(live, net, 1000);
            if (r != VS_OK && !stop_requested) {
                rc = VS_EXIT_USAGE;
                break;
            }
            if (periodic_stats && now_seconds() - last_print >= 10.0) {
                const vs_net_stats *ns = vs_net_get_stats(net);
                const vs_monitor_stats *ms = vs_monitor_get_stats(mon);
                fprintf(stderr,
                        "voipsec monitor: %llu packets, %llu SIP messages, %llu findings, %llu "
                        "dropped by the kernel\n",
                        (unsigned long long)ns->packets, (unsigned long long)ms->sip_messages,
                        (unsigned long long)ms->findings,
                        (unsigned long long)vs_capture_kernel_drops(live));
                last_print = now_seconds();
            }
            if (c.store) {
                vs_store_commit(c.store);
                vs_store_begin(c.store);
            }
        }
        live_cap = NULL;
    } else {
        for (size_t i = 0; i < nfiles && !stop_requested; i++) {
            c.current_file = files[i];
            vs_capture *cap = vs_capture_open_file(files[i], err, sizeof err);
            if (!cap) {
                fprintf(stderr, "voipsec monitor: %s\n", err);
                rc = VS_EXIT_USAGE;
                continue;
            }
            live_cap = cap;
            if (vs_capture_run(cap, net, 0) != VS_OK)
                rc = VS_EXIT_USAGE; /* truncated or unreadable: what was read is still reported */
            live_cap = NULL;
            vs_capture_free(cap);
        }
    }
    vs_net_finish(net);
    vs_monitor_count_tls(mon, vs_net_get_stats(net)->tls_flows, vs_net_get_stats(net)->tls_bytes);
    vs_monitor_finish(mon);
    double seconds = now_seconds() - t0;
    if (c.format == FMT_JSON)
        write_stats(c.out, vs_monitor_get_stats(mon), vs_net_get_stats(net), seconds, c.warnings);
    else
        write_summary_text(c.out, vs_monitor_get_stats(mon), vs_net_get_stats(net), c.findings);
    if (c.warnings > MAX_WARNINGS)
        fprintf(stderr, "voipsec monitor: %llu warnings in all\n", (unsigned long long)c.warnings);
    if (c.store_errors)
        fprintf(stderr, "voipsec monitor: %llu records could not be written to the store: %s\n",
                (unsigned long long)c.store_errors, vs_store_error(c.store));
    vs_net_free(net);
    vs_monitor_free(mon);
    if (rc == VS_EXIT_OK && c.failed)
        rc = VS_EXIT_FINDINGS;
out:
    if (live)
        vs_capture_free(live);
    if (c.store) {
        vs_store_commit(c.store);
        vs_store_close(c.store);
    }
    if (c.out && c.out != stdout)
        fclose(c.out);
    else
        fflush(stdout);
    free(files);
    return rc;
}
