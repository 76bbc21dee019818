/* `voipsec creds`: import, status, check, generate and rotate VoIP secrets under the credential
 * policy that `audit` reads. See docs/cli/creds.md.
 *
 * The library (voipsec/creds.h) does the work; this file parses options, reads a proposed secret
 * from standard input (without echo on a terminal; SIGINT, SIGTERM, SIGHUP or SIGQUIT while echo
 * is off put the terminal back as it was and exit with 128 + the signal number, 130 for Ctrl-C),
 * and decides what is printed. The only secret ever printed is the one `generate` or `rotate`
 * makes, once (rotate prints a generated secret only after the file and the store were both
 * written; a secret given on stdin is not printed back). import and rotate write the store;
 * status and check only read it (status findings are derived from the store's current state, so
 * a report can make them itself with vs_creds_status); generate does not use it. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <voipsec/creds.h>

#include "cli.h"

enum { FMT_TEXT, FMT_JSON };

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: voipsec creds import [options] PATH\n"
        "       voipsec creds status [options] [--format text|json] [--fail-on SEV]\n"
        "       voipsec creds check [options] ACCOUNT      (the secret is read from stdin)\n"
        "       voipsec creds generate --kind sip|voicemail|ami|portal [--policy FILE]\n"
        "       voipsec creds rotate [options] ACCOUNT --config DIR [--secret-stdin]\n\n"
        "Keeps track of VoIP secrets (SIP and trunk secrets, voicemail PINs, AMI and portal\n"
        "passwords): when each was set, whether it is due for change, weak or shared, and\n"
        "whether a new one is allowed. The store holds a salted Argon2id fingerprint of each\n"
        "secret, never the secret.\n\n"
        "Options:\n"
        "  -p, --policy FILE     credential policy (INI; docs/policy.md), read over the preset\n"
        "      --preset NAME     seed (default: complexity, 60-day rotation, no reuse of the\n"
        "                        last 6) or nist (SP 800-63B rev. 4)\n"
        "      --db FILE         the store (default: $VOIPSEC_DB or\n"
        "                        ~/.local/share/voipsec/voipsec.db)\n"
        "  -f, --format FMT      status: text (default) or json (one object per line)\n"
        "      --fail-on SEV     status: exit 1 when a finding of severity SEV or above is\n"
        "                        reported (info, low, medium, high, critical)\n"
        "  -k, --kind KIND       generate: sip, voicemail, ami or portal\n"
        "  -c, --config DIR      rotate: the Asterisk or FreeSWITCH configuration directory\n"
        "                        to rewrite\n"
        "      --secret-stdin    rotate: read the new secret from stdin instead of generating\n"
        "      --data-dir DIR    where the data files are (default: $VOIPSEC_DATA_DIR or the\n"
        "                        built-in path)\n"
        "  -h, --help            this help\n\n"
        "ACCOUNT is a name as `status` shows it, or KIND:NAME when names repeat across kinds.\n"
        "Exit status: 0 done (check: allowed), 1 a finding at or above --fail-on (check,\n"
        "rotate --secret-stdin: refused by the policy), 2 usage error, unknown account, a\n"
        "configuration changed since import or not rewritable in place, or an unreadable\n"
        "configuration or store (rotate: nothing written).\n");
}

typedef struct opts {
    const char *sub;
    const char *policy_file, *preset, *db, *data_dir, *config;
    bool has_fail_on, has_kind, secret_stdin;
    vs_severity fail_on;
    vs_cred_kind kind;
    int format;
} opts;

typedef struct status_cli {
    const opts *o;
    const vs_policy *pol;
    bool failed;
    unsigned long accounts, overdue, weak, reused, findings;
    FILE *fbuf; /* text: findings after the table */
    char *fbuf_data;
    size_t fbuf_len;
} status_cli;

static void oom(void)
{
    fprintf(stderr, "voipsec creds: out of memory\n");
    abort();
}

static void date_of(int64_t us, char *buf, size_t size)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d", &tm))
        snprintf(buf, size, "?");
}

static void on_finding(void *ctx, const vs_finding *f)
{
    status_cli *c = ctx;
    c->findings++;
    if (c->o->format == FMT_JSON)
        vs_finding_write_json(stdout, f);
    else
        vs_finding_write_text(c->fbuf, f);
    if (c->o->has_fail_on && f->severity >= c->o->fail_on)
        c->failed = true;
}

static bool on_status(void *ctx, const vs_cred_status *s)
{
    status_cli *c = ctx;
    char set[16], due[16];
    date_of(s->set_at_us, set, sizeof set);
    if (s->has_due)
        date_of(s->due_us, due, sizeof due);
    else
        snprintf(due, sizeof due, "-");
    c->accounts++;
    c->overdue += s->overdue;
    c->weak += s->weak;
    c->reused += s->reuse_group != 0;
    if (c->o->format == FMT_JSON) {
        fputs("{\"account\":{\"name\":", stdout);
        vs_json_cstr(stdout, s->account);
        printf(",\"kind\":\"%s\",\"file\":", vs_cred_kind_id(s->kind));
        vs_json_cstr(stdout, s->file);
        printf(",\"line\":%u,\"set_at\":\"%s\",\"age_days\":%lld,\"due\":", s->line, set,
               (long long)s->age_days);
        if (s->has_due)
            printf("\"%s\"", due);
        else
            fputs("null", stdout);
        printf(",\"overdue\":%s,\"strength\":\"%s\"", s->overdue ? "true" : "false",
               s->weak ? "weak" : "ok");
        if (s->weak) {
            fputs(",\"weak_reason\":", stdout);
            vs_json_cstr(stdout, s->weak_reason);
        }
        printf(",\"reuse_group\":%lld}}\n", (long long)s->reuse_group);
    } else {
        char reuse[24];
        if (s->reuse_group)
            snprintf(reuse, sizeof reuse, "group %lld", (long long)s->reuse_group);
        else
            snprintf(reuse, sizeof reuse, "-");
        printf("%-9s %-24s %10s %5lld %10s %-7s %-6s %s\n", vs_cred_kind_id(s->kind), s->account,
               set, (long long)s->age_days, due, s->overdue ? "OVERDUE" : "ok",
               s->weak ? "weak" : "ok", reuse);
    }
    vs_creds_findings(s, c->pol, on_finding, c);
    return true;
}

/* The terminal settings to put back when a signal ends the process while echo is off. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_quiet;
static const int restore_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* Async-signal-safe: tcsetattr, write and _exit only. */
static void on_signal_restore_tty(int sig)
{
    if (tty_quiet) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
        (void)!write(STDERR_FILENO, "\n", 1);
    }
    _exit(128 + sig);
}

/* Reads one line from stdin without echo when it is a terminal; strips the newline. While echo
 * is off, the signals that end the process restore the terminal first. */
static bool read_secret(char *buf, size_t size, const char *account)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios quiet;
    struct sigaction prev[sizeof restore_signals / sizeof restore_signals[0]];
    sigset_t block, oldmask;
    sigemptyset(&block);
    for (size_t i = 0; i < sizeof restore_signals / sizeof restore_signals[0]; i++)
        sigaddset(&block, restore_signals[i]);
    if (tty) {
        /* echo off before the prompt: nothing typed after the prompt can be echoed */
        if (tcgetattr(STDIN_FILENO, &saved_tty) != 0)
            tty = false;
        else {
            /* the handlers are in place before echo goes off: no window without them */
            sigprocmask(SIG_BLOCK, &block, &oldmask);
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_signal_restore_tty;
            sigfillset(&sa.sa_mask);
            for (size_t i = 0; i < sizeof restore_signals / sizeof restore_signals[0]; i++)
                sigaction(restore_signals[i], &sa, &prev[i]);
            quiet = saved_tty;
            quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
            tty_quiet = 1;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
            sigprocmask(SIG_SETMASK, &oldmask, NULL);
        }
        fprintf(stderr, "New secret for %s: ", account);
        fflush(stderr);
    }
    bool ok = fgets(buf, (int)size, stdin) != NULL;
    if (tty) {
        sigprocmask(SIG_BLOCK, &block, &oldmask);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
        tty_quiet = 0;
        for (size_t i = 0; i < sizeof restore_signals / sizeof restore_signals[0]; i++)
            sigaction(restore_signals[i], &prev[i], NULL);
        sigprocmask(SIG_SETMASK, &oldmask, NULL);
        fputc('\n', stderr);
    }
    if (!ok)
        return false;
    buf[strcspn(buf, "\r\n")] = '\0';
    return true;
}

static vs_store *open_store(const opts *o, bool must_exist, char *path, size_t size)
{
    if (o->db)
        snprintf(path, size, "%s", o->db);
    else if (vs_store_default_path(path, size) != VS_OK) {
        fprintf(stderr, "voipsec creds: no default store path (set HOME or use --db)\n");
        return NULL;
    }
    struct stat sb;
    if (must_exist && stat(path, &sb) != 0) {
        fprintf(stderr, "voipsec creds: %s: no store yet (run 'voipsec creds import' first)\n",
                path);
        return NULL;
    }
    char err[1024];
    vs_store *st = vs_store_open(path, err, sizeof err);
    if (!st)
        fprintf(stderr, "voipsec creds: %s\n", err);
    return st;
}

static int run_import(const opts *o, const vs_policy *pol, const vs_blocklist *bl, const char *path)
{
    char dbpath[1024], err[2048];
    vs_store *st = open_store(o, false, dbpath, sizeof dbpath);
    if (!st)
        return VS_EXIT_USAGE;
    vs_creds_import_stats s;
    vs_rc rc = vs_creds_import(st, pol, bl, path, &s, err, sizeof err);
    vs_store_close(st);
    if (rc != VS_OK) {
        fprintf(stderr, "voipsec creds: %s\n", err);
        return VS_EXIT_USAGE;
    }
    printf("%lu accounts: %lu new, %lu changed, %lu unchanged; %lu weak, %lu sharing a secret\n",
           s.accounts, s.added, s.changed, s.unchanged, s.weak, s.reused);
    return VS_EXIT_OK;
}

static int run_status(const opts *o, const vs_policy *pol)
{
    char dbpath[1024], err[2048];
    vs_store *st = open_store(o, true, dbpath, sizeof dbpath);
    if (!st)
        return VS_EXIT_USAGE;
    status_cli c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.pol = pol;
    if (o->format == FMT_TEXT) {
        c.fbuf = open_memstream(&c.fbuf_data, &c.fbuf_len);
        if (!c.fbuf)
            oom();
        printf("%-9s %-24s %10s %5s %10s %-7s %-6s %s\n", "KIND", "ACCOUNT", "SET", "DAYS", "DUE",
               "STATUS", "SECRET", "REUSE");
    }
    vs_rc rc =
        vs_creds_status(st, pol, (int64_t)time(NULL) * 1000000, on_status, &c, err, sizeof err);
    int ret = VS_EXIT_OK;
    if (rc != VS_OK) {
        fprintf(stderr, "voipsec creds: %s\n", err);
        ret = VS_EXIT_USAGE;
    }
    if (o->format == FMT_TEXT) {
        fclose(c.fbuf);
        if (c.fbuf_len) {
            putchar('\n');
            fwrite(c.fbuf_data, 1, c.fbuf_len, stdout);
        }
        free(c.fbuf_data);
        printf("%lu accounts (policy %s): %lu overdue, %lu weak, %lu sharing a secret\n",
               c.accounts, pol->preset, c.overdue, c.weak, c.reused);
    } else {
        printf("{\"summary\":{\"accounts\":%lu,\"overdue\":%lu,\"weak\":%lu,\"reused\":%lu,"
               "\"findings\":%lu,\"policy\":\"%s\"}}\n",
               c.accounts, c.overdue, c.weak, c.reused, c.findings, pol->preset);
    }
    vs_store_close(st);
    if (ret == VS_EXIT_OK && c.failed)
        ret = VS_EXIT_FINDINGS;
    return ret;
}

static int run_check(const opts *o, const vs_policy *pol, const vs_blocklist *bl,
                     const char *account)
{
    char dbpath[1024], err[2048], secret[1024];
    vs_store *st = open_store(o, true, dbpath, sizeof dbpath);
    if (!st)
        return VS_EXIT_USAGE;
    if (!read_secret(secret, sizeof secret, account)) {
        fprintf(stderr, "voipsec creds: no secret on standard input\n");
        vs_store_close(st);
        return VS_EXIT_USAGE;
    }
    vs_creds_verdict v;
    vs_rc rc = vs_creds_check(st, pol, bl, account, secret, &v, err, sizeof err);
    explicit_bzero(secret, sizeof secret);
    vs_store_close(st);
    if (rc != VS_OK) {
        fprintf(stderr, "voipsec creds: %s\n", err);
        return VS_EXIT_USAGE;
    }
    const vs_strength *s = &v.strength;
    printf("%s: %s%s%s\n", account, v.ok ? "allowed" : "refused", v.ok ? "" : ": ",
           v.ok ? "" : v.reason);
    printf("  length     %s (%u characters)\n", s->too_short ? "FAIL" : "ok", s->length);
    printf("  classes    %s (%u of 4)\n", s->too_few_classes ? "FAIL" : "ok", s->classes);
    printf("  blocklist  %s\n", s->on_blocklist ? "FAIL" : "ok");
    printf("  strength   %s (10^%.1f guesses)\n",
           s->too_guessable || s->repeats_or_runs ? "FAIL" : "ok", s->guesses_log10);
    printf("  user       %s\n", s->equals_user ? "FAIL (equals the user or extension)" : "ok");
    printf("  history    %s\n", v.in_history ? "FAIL (used recently by this account)" : "ok");
    printf("  reuse      %s%s%s\n", v.used_elsewhere ? "FAIL (in use by " : "ok",
           v.used_elsewhere ? v.other : "", v.used_elsewhere ? ")" : "");
    return v.ok ? VS_EXIT_OK : VS_EXIT_FINDINGS;
}

static int run_generate(const opts *o, const vs_policy *pol, const vs_blocklist *bl)
{
    char buf[1100];
    vs_rc rc = vs_creds_generate(pol, bl, o->kind, buf, sizeof buf);
    if (rc != VS_OK) {
        fprintf(stderr, "voipsec creds: cannot generate a secret under this policy: %s\n",
                vs_rc_str(rc));
        return VS_EXIT_USAGE;
    }
    printf("%s\n", buf);
    fflush(stdout);
    explicit_bzero(buf, sizeof buf);
    return VS_EXIT_OK;
}

static int run_rotate(const opts *o, const vs_policy *pol, const vs_blocklist *bl,
                      const char *account)
{
    char dbpath[1024], err[2048], given[1024], secret[1100];
    vs_store *st = open_store(o, true, dbpath, sizeof dbpath);
    if (!st)
        return VS_EXIT_USAGE;
    if (o->secret_stdin && !read_secret(given, sizeof given, account)) {
        fprintf(stderr, "voipsec creds: no secret on standard input\n");
        vs_store_close(st);
        return VS_EXIT_USAGE;
    }
    vs_creds_rotate_result res;
    vs_rc rc = vs_creds_rotate(st, pol, bl, o->config, account, o->secret_stdin ? given : NULL,
                               secret, sizeof secret, &res, err, sizeof err);
    explicit_bzero(given, sizeof given);
    vs_store_close(st);
    if (rc != VS_OK) {
        fprintf(stderr, "voipsec creds: %s\n", err);
        explicit_bzero(secret, sizeof secret);
        return VS_EXIT_USAGE;
    }
    if (!res.rotated) {
        fprintf(stderr, "voipsec creds: %s: new secret refused: %s (nothing written)\n", account,
                res.verdict.reason);
        return VS_EXIT_FINDINGS;
    }
    fprintf(stderr, "voipsec creds: %s: rotated in %s:%u (previous file in %s)\n", account,
            res.file, res.line, res.backup);
    if (res.replaced_var[0])
        fprintf(stderr,
                "voipsec creds: %s: its value was the reference $${%s}; it now holds a secret "
                "of its own (the variable %s and the other users that name it are unchanged)\n",
                account, res.replaced_var, res.replaced_var);
    if (!o->secret_stdin) {
        printf("%s\n", secret);
        fflush(stdout);
    }
    explicit_bzero(secret, sizeof secret);
    return VS_EXIT_OK;
}

int vs_cmd_creds(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"policy", required_argument, NULL, 'p'},
        {"preset", required_argument, NULL, 'P'},
        {"db", required_argument, NULL, 'D'},
        {"format", required_argument, NULL, 'f'},
        {"fail-on", required_argument, NULL, 'F'},
        {"kind", required_argument, NULL, 'k'},
        {"data-dir", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {"secret-stdin", no_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2) {
        usage(stderr);
        return VS_EXIT_USAGE;
    }
    opts o;
    memset(&o, 0, sizeof o);
    o.sub = argv[1];
    o.preset = "seed";
    if (!strcmp(o.sub, "--help") || !strcmp(o.sub, "-h") || !strcmp(o.sub, "help")) {
        usage(stdout);
        return VS_EXIT_OK;
    }
    if (strcmp(o.sub, "import") && strcmp(o.sub, "status") && strcmp(o.sub, "check") &&
        strcmp(o.sub, "generate") && strcmp(o.sub, "rotate")) {
        fprintf(stderr,
                "voipsec creds: unknown subcommand '%s' (use import, status, check, generate "
                "or rotate)\n",
                o.sub);
        return VS_EXIT_USAGE;
    }
    argc--;
    argv++;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "p:f:k:c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            o.policy_file = optarg;
            break;
        case 'P':
            o.preset = optarg;
            break;
        case 'D':
            o.db = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "text"))
                o.format = FMT_TEXT;
            else if (!strcmp(optarg, "json"))
                o.format = FMT_JSON;
            else {
                fprintf(stderr, "voipsec creds: unknown format '%s' (use text or json)\n", optarg);
                return VS_EXIT_USAGE;
            }
            break;
        case 'F':
            if (vs_severity_parse(optarg, &o.fail_on) != VS_OK) {
                fprintf(stderr,
                        "voipsec creds: unknown severity '%s' (use info, low, medium, "
                        "high or critical)\n",
                        optarg);
                return VS_EXIT_USAGE;
            }
            o.has_fail_on = true;
            break;
        case 'k':
            if (vs_cred_kind_parse(optarg, &o.kind) != VS_OK || o.kind == VS_CRED_TRUNK) {
                fprintf(stderr,
                        "voipsec creds: unknown kind '%s' (use sip, voicemail, ami or "
                        "portal)\n",
                        optarg);
                return VS_EXIT_USAGE;
            }
            o.has_kind = true;
            break;
        case 'd':
            o.data_dir = optarg;
            break;
        case 'c':
            o.config = optarg;
            break;
        case 'S':
            o.secret_stdin = true;
            break;
        case 'h':
            usage(stdout);
            return VS_EXIT_OK;
        default:
            usage(stderr);
            return VS_EXIT_USAGE;
        }
    }
    bool is_import = !strcmp(o.sub, "import"), is_status = !strcmp(o.sub, "status");
    bool is_check = !strcmp(o.sub, "check"), is_gen = !strcmp(o.sub, "generate");
    bool is_rotate = !strcmp(o.sub, "rotate");
    int want_args = is_import || is_check || is_rotate ? 1 : 0;
    const char *usage_err = NULL;
    if (argc - optind != want_args)
        usage_err = is_import   ? "import takes one PATH (an Asterisk or FreeSWITCH "
                                  "configuration directory)"
                    : is_check  ? "check takes one ACCOUNT"
                    : is_rotate ? "rotate takes one ACCOUNT"
                                : "this subcommand takes no arguments";
    else if (is_gen && o.db)
        usage_err = "generate does not use the store";
    else if (is_gen && !o.has_kind)
        usage_err = "generate needs --kind sip|voicemail|ami|portal";
    else if (!is_gen && o.has_kind)
        usage_err = "--kind only applies to generate";
    else if (is_rotate && !o.config)
        usage_err = "rotate needs --config DIR (the Asterisk or FreeSWITCH configuration "
                    "directory)";
    else if (!is_rotate && (o.config || o.secret_stdin))
        usage_err = "--config and --secret-stdin only apply to rotate";
    else if (!is_status && (o.has_fail_on || o.format != FMT_TEXT))
        usage_err = "--format and --fail-on only apply to status";
    if (usage_err) {
        fprintf(stderr, "voipsec creds: %s\n", usage_err);
        return VS_EXIT_USAGE;
    }

    char err[2048];
    vs_policy pol;
    const char *data_dir = o.data_dir ? o.data_dir : vs_cli_data_dir();
    if (vs_policy_preset(&pol, o.preset, data_dir) != VS_OK) {
        fprintf(stderr, "voipsec creds: unknown preset '%s' (use seed or nist)\n", o.preset);
        return VS_EXIT_USAGE;
    }
    if (o.policy_file && vs_policy_load(&pol, o.policy_file, data_dir, err, sizeof err) != VS_OK) {
        fprintf(stderr, "voipsec creds: %s\n", err);
        return VS_EXIT_USAGE;
    }
    vs_blocklist *bl = NULL;
    if (pol.blocklist[0] && !is_status) {
        bl = vs_blocklist_load(pol.blocklist, err, sizeof err);
        if (!bl) {
            fprintf(stderr, "voipsec creds: %s\n", err);
            return VS_EXIT_USAGE;
        }
    }
    int rc;
    if (is_import)
        rc = run_import(&o, &pol, bl, argv[optind]);
    else if (is_status)
        rc = run_status(&o, &pol);
    else if (is_check)
        rc = run_check(&o, &pol, bl, argv[optind]);
    else if (is_rotate)
        rc = run_rotate(&o, &pol, bl, argv[optind]);
    else
        rc = run_generate(&o, &pol, bl);
    vs_blocklist_free(bl);
    return rc;
}
