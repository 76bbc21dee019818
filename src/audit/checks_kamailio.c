/* Kamailio audit checks (ids "kamailio.<problem>"), over the model that kamailio_cfg.c builds
 * (docs/internals/conf-readers.md): "modules" (loadmodule), "modparam:<mod>", "core" (listen,
 * enable_tls...), route blocks with one CALL entry per function called in the active text, and
 * tls.cfg profiles as "tls:server:default", "tls:client:<peer>". The catalogue with reasons and
 * sources is docs/audit-checks.md.
 *
 * A static read sees which modules are loaded and which functions the active routing code calls;
 * it does not interpret the routing logic (a call in a route never used still counts). So the
 * checks ask "is the protection there at all", which is what the stock kamailio.cfg switches on
 * and off with WITH_AUTH, WITH_ANTIFLOOD and WITH_TLS.
 *
 * Conditions such as `if ($ua =~ "friendly|scanner")` are not calls and so are not in the model;
 * two checks (scanner filter, identity check after www_authorize) read the active lines of the
 * cfg files themselves: comments blanked, #!ifdef/#!ifndef/#!else/#!endif evaluated against the
 * defines that the reader found active (the "defines" section). That small scan is documented as
 * approximate: a define made after its use, or given with -A, is not seen as Kamailio sees it.
 *
 * Practices: authentication, TLS and message hygiene (sanity, Max-Forwards) are "network"; rate
 * limiting and dropping known scanners stop abnormal activity, "activity"; the stock database
 * password is "credentials". TLS settings are judged only when the tls module is loaded. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/check.h"

#define KAM VS_CONF_PRODUCT_KAMAILIO

/* ---- helpers ------------------------------------------------------------------------------- */

/* The loadmodule entry for module name ("auth": "auth.so", "/usr/lib/.../auth.so"), or NULL. */
static const vs_conf_entry *loaded(const vs_conf *c, const char *name)
{
    const vs_conf_section *m = vs_conf_find(c, "modules");
    if (!m)
        return NULL;
    for (size_t i = 0; i < m->n_entries; i++) {
        const vs_conf_entry *e = &m->entries[i];
        if (strcasecmp(e->key, "loadmodule") != 0)
            continue;
        const char *base = strrchr(e->value, '/');
        base = base ? base + 1 : e->value;
        size_t n = strlen(name);
        if (!strncmp(base, name, n) && (!base[n] || !strcmp(base + n, ".so")))
            return e;
    }
    return NULL;
}

/* First CALL entry of function fn in any route block, or NULL. */
static const vs_conf_entry *called(const vs_conf *c, const char *fn)
{
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        for (size_t j = 0; j < s->n_entries; j++)
            if (s->entries[j].op == VS_CONF_OP_CALL && !strcmp(s->entries[j].key, fn))
                return &s->entries[j];
    }
    return NULL;
}

static const vs_conf_entry *called_any(const vs_conf *c, const char *const *fns)
{
    for (; *fns; fns++) {
        const vs_conf_entry *e = called(c, *fns);
        if (e)
            return e;
    }
    return NULL;
}

/* Where to point a finding about something absent: the first of the named sections present. */
static const vs_conf_section *anchor(const vs_conf *c, const char *a, const char *b, const char *d)
{
    const char *names[] = {a, b, d};
    for (size_t i = 0; i < 3; i++) {
        const vs_conf_section *s = names[i] ? vs_conf_find(c, names[i]) : NULL;
        if (s)
            return s;
    }
    return NULL;
}

static bool tls_loaded(const vs_conf *c)
{
    return loaded(c, "tls") != NULL;
}

/* ---- the active-line scan (for conditions, which the model does not keep) -------------------- */

static bool defined(const vs_conf *c, const char *name, size_t n)
{
    const vs_conf_section *d = vs_conf_find(c, "defines");
    if (!d)
        return false;
    for (size_t i = 0; i < d->n_entries; i++)
        if (strlen(d->entries[i].key) == n && !strncmp(d->entries[i].key, name, n))
            return true;
    return false;
}

static bool is_tls_file(const vs_conf *c, const char *path)
{
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (vs__audit_prefix(s->name, "tls:") && !strcmp(s->file, path))
            return true;
    }
    return false;
}

typedef bool (*line_pred)(const char *line);

/* Finds the first active line (comments blanked) of the cfg files for which pred holds; sets
 * *file and *line. */
static bool scan_active(const vs_conf *c, line_pred pred, const char **file, unsigned *line)
{
    for (size_t fi = 0; fi < vs_conf_file_count(c); fi++) {
        const char *path = vs_conf_file_path(c, fi);
        if (!path || is_tls_file(c, path))
            continue;
        FILE *fp = fopen(path, "rb");
        if (!fp)
            continue;
        char raw[8192], out[8192];
        bool stack[64];
        unsigned depth = 0, no = 0;
        bool active = true, in_block = false, found = false;
        while (!found && fgets(raw, sizeof raw, fp)) {
            no++;
            const char *p = raw;
            while (*p == ' ' || *p == '\t')
                p++;
            if (!in_block && (!strncmp(p, "#!", 2) || !strncmp(p, "!!", 2))) {
                p += 2;
                size_t w = strcspn(p, " \t\r\n");
                const char *arg = p + w;
                while (*arg == ' ' || *arg == '\t')
                    arg++;
                size_t an = strcspn(arg, " \t\r\n");
                bool ifdef = w == 5 && !strncmp(p, "ifdef", 5);
                bool ifndef = w == 6 && !strncmp(p, "ifndef", 6);
                if ((ifdef || ifndef) && depth < 64) {
                    stack[depth++] = active;
                    active = active && (defined(c, arg, an) == ifdef);
                } else if (w == 5 && !strncmp(p, "ifexp", 5) && depth < 64) {
                    stack[depth++] = active;
                    active = false;
                } else if (w == 4 && !strncmp(p, "else", 4) && depth) {
                    active = stack[depth - 1] && !active;
                } else if (w == 5 && !strncmp(p, "endif", 5) && depth) {
                    active = stack[--depth];
                }
                continue;
            }
            if (!active)
                continue;
            /* blank comments, outside strings */
            size_t k = 0;
            char quote = 0;
            for (const char *q = raw; *q && k + 1 < sizeof out; q++) {
                if (in_block) {
                    if (q[0] == '*' && q[1] == '/') {
                        in_block = false;
                        q++;
                    }
                    continue;
                }
                if (quote) {
                    if (*q == '\\' && q[1]) {
                        out[k++] = *q++;
                    } else if (*q == quote) {
                        quote = 0;
                    }
                    out[k++] = *q;
                    continue;
                }
                if (*q == '"' || *q == '\'') {
                    quote = *q;
                } else if (*q == '#' || (q[0] == '/' && q[1] == '/')) {
                    break;
                } else if (q[0] == '/' && q[1] == '*') {
                    in_block = true;
                    q++;
                    continue;
                }
                out[k++] = *q;
            }
            out[k] = '\0';
            if (pred(out)) {
                *file = path;
                *line = no;
                found = true;
            }
        }
        fclose(fp);
        if (found)
            return true;
    }
    return false;
}

static bool ua_filter_line(const char *l)
{
    bool ua = strstr(l, "$ua") || strcasestr(l, "user-agent");
    bool word = strcasestr(l, "friendly") || strcasestr(l, "scanner") ||
                strcasestr(l, "sipvicious") || strcasestr(l, "sipcli");
    bool op =
        strstr(l, "=~") || strstr(l, "==") || strcasestr(l, "match") || strcasestr(l, "search");
    return ua && word && op;
}

static bool au_compare_line(const char *l)
{
    return strstr(l, "$au") && (strstr(l, "$tU") || strstr(l, "$fU")) &&
           (strstr(l, "!=") || strstr(l, "=="));
}

/* ---- network: authentication ----------------------------------------------------------------- */

static const char *const auth_fns[] = {"www_authorize",
                                       "proxy_authorize",
                                       "auth_check",
                                       "www_authenticate",
                                       "proxy_authenticate",
                                       "pv_www_authenticate",
                                       "pv_proxy_authenticate",
                                       "pv_auth_check",
                                       "autheph_check",
                                       "autheph_www",
                                       "autheph_proxy",
                                       "auth_xkeys_check",
                                       NULL};
static const char *const ipauth_fns[] = {"allow_source_address", "allow_trusted", "allow_address",
                                         "allow_source_address_group", NULL};

static bool has_digest_auth(const vs_conf *c, const vs_conf_entry **call)
{
    *call = called_any(c, auth_fns);
    return *call && loaded(c, "auth");
}

static void run_no_auth(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->kamailio;
    const vs_conf_entry *call;
    if (has_digest_auth(c, &call))
        return;
    const vs_conf_entry *ip = called_any(c, ipauth_fns);
    vs_finding f;
    char ev[512] = "";
    bool mod = loaded(c, "auth") != NULL;
    vs__audit_start(r, self, NULL,
                    mod ? anchor(c, "route:AUTH", "request_route", "modules")
                        : anchor(c, "modules", "request_route", NULL),
                    &f);
    vs_evidence_str(ev, sizeof ev, "auth_module", mod ? "loaded" : "not loaded");
    vs_evidence_str(ev, sizeof ev, "auth_call", call ? call->key : "none");
    if (ip) {
        vs_evidence_str(ev, sizeof ev, "ip_auth", ip->key);
        f.severity = VS_SEV_MEDIUM;
        vs_finding_set(f.title, sizeof f.title, "Only IP addresses are checked, no passwords");
        vs__audit_finish(
            r, &f, ev,
            "This Kamailio checks where requests come from (permissions module) but never "
            "asks for a password (no www_authorize, proxy_authorize or auth_check). Anyone "
            "who can send from, or spoof, an allowed address is trusted.",
            "If phones register here, define WITH_AUTH as in the stock kamailio.cfg (auth and "
            "auth_db modules, auth_check in route[AUTH]); keep IP trust for provider trunks "
            "only.");
        return;
    }
    vs__audit_finish(
        r, &f, ev,
        "This Kamailio never asks for a password: the auth module is not loaded or no "
        "authentication function (www_authorize, proxy_authorize, auth_check) is called. In "
        "the stock kamailio.cfg this is what you get without #!define WITH_AUTH: anyone can "
        "register as any user and receive their calls, or use the proxy to reach others.",
        "Add #!define WITH_AUTH at the top of kamailio.cfg (stock configuration), set "
        "DBURL and create the subscriber table, or otherwise call auth_check() for REGISTER "
        "and for calls from your domain.");
}

static void run_auth_identity(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->kamailio;
    const vs_conf_entry *call;
    if (!has_digest_auth(c, &call))
        return; /* kamailio.no-auth says it */
    vs_finding f;
    char ev[512] = "";
    const vs_conf_entry *ac = called(c, "auth_check");
    if (ac) {
        /* auth_check(realm, table, flags): flag 1 checks that the From/To user is the
         * authenticated one. */
        const char *p = ac->value;
        int commas = 0;
        char quote = 0;
        for (; *p && commas < 2; p++) {
            if (quote) {
                quote = *p == quote ? 0 : quote;
            } else if (*p == '"' || *p == '\'') {
                quote = *p;
            } else if (*p == ',') {
                commas++;
            }
        }
        while (*p == ' ' || *p == '\t' || *p == '"' || *p == '\'')
            p++;
        if (commas < 2 || !isdigit((unsigned char)*p))
            return; /* flags not given or a variable: cannot tell */
        long flags = strtol(p, NULL, 10);
        if (flags & 1)
            return;
        vs__audit_start(r, self, ac, NULL, &f);
        vs_evidence_str(ev, sizeof ev, "call", "auth_check");
        vs_evidence_int(ev, sizeof ev, "flags", flags);
        vs__audit_finish(
            r, &f, ev,
            "auth_check() is called without flag 1, so Kamailio checks the password but not "
            "that it belongs to the user in From (calls) or To (registrations). Any one "
            "subscriber's password lets its holder register or call as every other user.",
            "Call auth_check(\"$fd\", \"subscriber\", \"1\") as the stock kamailio.cfg does "
            "(bit 1 of the flags checks the identity).");
        return;
    }
    static const char *const id_fns[] = {"check_to", "check_from", "db_check_to", "db_check_from",
                                         NULL};
    if (called_any(c, id_fns))
        return;
    const char *file;
    unsigned line;
    if (scan_active(c, au_compare_line, &file, &line))
        return;
    vs__audit_start(r, self, call, NULL, &f);
    vs_evidence_str(ev, sizeof ev, "call", call->key);
    vs_evidence_str(ev, sizeof ev, "identity_check", "none found");
    vs__audit_finish(
        r, &f, ev,
        "Passwords are checked (www_authorize/proxy_authorize) but nothing checks that the "
        "authenticated user is the one in From or To (no $au comparison, no "
        "check_to/check_from). Any subscriber's password lets its holder act as every other "
        "user.",
        "After authorizing, compare the users as the stock kamailio.cfg did (if ($au != $tU) "
        "for REGISTER, $au != $fU for calls: reply 403), or use auth_check() with flag 1.");
}

/* ---- activity: flood protection, scanners ------------------------------------------------------
 */

static void run_no_flood(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->kamailio;
    const vs_conf_entry *pike = called(c, "pike_check_req");
    if (pike && loaded(c, "pike"))
        return;
    static const char *const limit_fns[] = {"pl_check", "rl_check", NULL};
    if (called_any(c, limit_fns))
        return;
    /* an htable ban list (the stock "ipban" table) */
    const vs_conf_section *ht = vs_conf_find(c, "modparam:htable");
    if (ht && loaded(c, "htable")) {
        const vs_conf_entry *all[64];
        size_t n = vs_conf_get_all(c, ht, "htable", all, 64);
        for (size_t i = 0; i < n && i < 64; i++)
            if (strcasestr(all[i]->value, "ban"))
                return;
    }
    vs_finding f;
    char ev[512] = "";
    vs__audit_start(r, self, NULL, anchor(c, "route:REQINIT", "request_route", "modules"), &f);
    vs_evidence_str(ev, sizeof ev, "pike_module", loaded(c, "pike") ? "loaded" : "not loaded");
    vs_evidence_str(ev, sizeof ev, "pike_check_req", pike ? "called" : "not called");
    vs_evidence_str(ev, sizeof ev, "ban_table", "none");
    vs__audit_finish(
        r, &f, ev,
        "Nothing limits how many requests one address may send: the pike module is not "
        "used and there is no ban table (the stock kamailio.cfg turns both on with #!define "
        "WITH_ANTIFLOOD). A password-guessing tool or a flood runs at full speed until "
        "someone notices.",
        "Add #!define WITH_ANTIFLOOD (stock: pike with sampling_time_unit 2, "
        "reqs_density_per_unit 16, and an htable \"ipban\" with autoexpire=300, checked in "
        "route[REQINIT]), excluding your own gateways from the check.");
}

static void run_no_scanner_filter(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->kamailio;
    if (called(c, "secf_check_ua"))
        return;
    const char *file;
    unsigned line;
    if (scan_active(c, ua_filter_line, &file, &line))
        return;
    vs_finding f;
    char ev[256] = "";
    vs__audit_start(r, self, NULL, anchor(c, "route:REQINIT", "request_route", NULL), &f);
    vs_evidence_str(ev, sizeof ev, "user_agent_filter", "none");
    vs__audit_finish(
        r, &f, ev,
        "Requests from well-known attack tools are not dropped. SIPVicious, sipcli and "
        "similar scanners announce themselves in the User-Agent header (\"friendly-scanner\"); "
        "the stock kamailio.cfg drops them in route[REQINIT], which costs nothing and removes "
        "most internet noise.",
        "In route[REQINIT] add: if ($ua =~ \"friendly|scanner|sipcli|sipvicious\") { exit; } "
        "(as the stock kamailio.cfg does). It does not stop a determined attacker, who can "
        "change the header, so keep authentication and flood protection too.");
}

/* ---- network: message hygiene ------------------------------------------------------------------
 */

static void run_no_sanity(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->kamailio;
    const vs_conf_entry *call = called(c, "sanity_check");
    if (call && loaded(c, "sanity"))
        return;
    vs_finding f;
    char ev[256] = "";
    vs__audit_start(r, self, NULL, anchor(c, "route:REQINIT", "request_route", "modules"), &f);
    vs_evidence_str(ev, sizeof ev, "sanity_module", loaded(c, "sanity") ? "loaded" : "not loaded");
    vs_evidence_str(ev, sizeof ev, "sanity_check", call ? "called" : "not called");
    vs__audit_finish(
        r, &f, ev,
        "Malformed SIP requests are not rejected early: the sanity module is not loaded or "
        "sanity_check() is never called. Broken or crafted messages reach the routing logic "
        "and whatever stands behind the proxy.",
        "Load sanity.so and call sanity_check(\"17895\", \"7\") in route[REQINIT], as the stock "
        "kamailio.cfg does, dropping what fails.");
}

static void run_no_maxfwd(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->kamailio;
    if (called(c, "mf_process_maxfwd_header"))
        return;
    vs_finding f;
    char ev[256] = "";
    vs__audit_start(r, self, NULL, anchor(c, "route:REQINIT", "request_route", "modules"), &f);
    vs_evidence_str(ev, sizeof ev, "mf_process_maxfwd_header", "not called");
    vs__audit_finish(
        r, &f, ev,
        "The Max-Forwards header is not checked, so a request can loop between proxies "
        "(by mistake or on purpose) and multiply until the servers are overloaded.",
        "Load maxfwd.so and call mf_process_maxfwd_header(\"10\") first thing in "
        "route[REQINIT] (reply 483 when it fails), as the stock kamailio.cfg does.");
}

/* ---- network: TLS ---------------------------------------------------------------------------- */

static void run_no_tls_listener(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->kamailio;
    const vs_conf_section *core = vs_conf_find(c, "core");
    const vs_conf_entry *all[64];
    size_t n = core ? vs_conf_get_all(c, core, "listen", all, 64) : 0;
    bool tls_listen = false;
    for (size_t i = 0; i < n && i < 64; i++)
        tls_listen |= vs__audit_prefix(all[i]->value, "tls:");
    bool enabled = core && vs__conf_true(vs_conf_value(c, core, "enable_tls"));
    if (tls_loaded(c) && (tls_listen || enabled))
        return;
    vs_finding f;
    char ev[256] = "";
    vs__audit_start(r, self, n ? all[0] : NULL, anchor(c, "core", "modules", NULL), &f);
    vs_evidence_str(ev, sizeof ev, "tls_module", tls_loaded(c) ? "loaded" : "not loaded");
    vs_evidence_str(ev, sizeof ev, "tls_listen", tls_listen ? "yes" : "none");
    vs_evidence_str(ev, sizeof ev, "enable_tls", enabled ? "yes" : "no");
    vs__audit_finish(
        r, &f, ev,
        "Kamailio offers no SIP over TLS (no tls module, no listen=tls:... socket). Logins, "
        "call set-up and the keys of encrypted audio travel in clear on the network.",
        "Add #!define WITH_TLS (stock kamailio.cfg: tls.so, enable_tls=yes, tls.cfg with a "
        "certificate), listen on tls:<address>:5061 and move phones and trunks to TLS.");
}

/* true when a tls.cfg method allows something below TLS 1.2. */
static bool old_method(const char *m)
{
    return !strcasecmp(m, "TLSv1") || !strcasecmp(m, "TLSv1+") || !strcasecmp(m, "TLSv1.1") ||
           !strcasecmp(m, "TLSv1.1+") || vs__audit_prefix(m, "SSLv");
}

static void report_old_tls(vs__audit_run *r, const vs__audit_check *self, const vs_conf_entry *e,
                           const char *where)
{
    vs_finding f;
    char ev[256] = "";
    vs__audit_start(r, self, e, NULL, &f);
    vs_evidence_str(ev, sizeof ev, "profile", where);
    vs_evidence_str(ev, sizeof ev, "method", e->value);
    vs__audit_finish(
        r, &f, ev,
        "TLS connections may use versions older than TLS 1.2 (TLS 1.0, 1.1 or SSL). These "
        "have known weaknesses and current guidance (RFC 8996, RFC 9325) forbids them.",
        "Set method = TLSv1.2+ in tls.cfg (and tls_method in modparam(\"tls\", ...)); check "
        "that phones and trunks support TLS 1.2.");
}

static void run_old_tls(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->kamailio;
    if (!tls_loaded(c))
        return;
    const vs_conf_section *mp = vs_conf_find(c, "modparam:tls");
    const vs_conf_entry *m = mp ? vs_conf_get(c, mp, "tls_method") : NULL;
    if (m && old_method(m->value))
        report_old_tls(r, self, m, "modparam tls_method");
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (!vs__audit_prefix(s->name, "tls:"))
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "method");
        if (e && old_method(e->value))
            report_old_tls(r, self, e, s->name + 4);
    }
}

static void run_tls_no_verify(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->kamailio;
    if (!tls_loaded(c))
        return;
    const vs_conf_section *mp = vs_conf_find(c, "modparam:tls");
    const char *mod_verify = mp ? vs_conf_value(c, mp, "verify_certificate") : NULL;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (!vs__audit_prefix(s->name, "tls:client"))
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "verify_certificate");
        if (e ? vs__conf_true(e->value) : vs__conf_true(mod_verify))
            continue;
        vs_finding f;
        char ev[256] = "";
        vs__audit_start(r, self, e, s, &f);
        vs_evidence_str(ev, sizeof ev, "profile", s->name + 4);
        vs_evidence_str(ev, sizeof ev, "verify_certificate", e ? e->value : "(absent: no)");
        vs__audit_finish(
            r, &f, ev,
            "When Kamailio opens TLS connections to other servers (your provider's trunk, "
            "other proxies), it does not check their certificates. The link is encrypted, but "
            "someone in the path can pretend to be the provider and receive your calls and "
            "credentials.",
            "In tls.cfg set verify_certificate = yes in this client profile, with ca_list "
            "pointing at the issuers of your providers' certificates (and server_name for "
            "each peer where the provider asks for it).");
    }
}

/* ---- credentials ----------------------------------------------------------------------------- */

static void run_default_db_password(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->kamailio;
    const vs_conf_entry *first = NULL;
    char mods[256] = "";
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (!vs__audit_prefix(s->name, "modparam:"))
            continue;
        for (size_t j = 0; j < s->n_entries; j++) {
            const vs_conf_entry *e = &s->entries[j];
            if (!strcasestr(e->key, "db_url") ||
                !(strstr(e->value, ":kamailiorw@") || strstr(e->value, ":kamailioro@")))
                continue;
            if (!first)
                first = e;
            size_t len = strlen(mods);
            if (len + strlen(s->name) < sizeof mods - 8)
                snprintf(mods + len, sizeof mods - len, "%s%s", len ? ", " : "",
                         s->name + strlen("modparam:"));
            break;
        }
    }
    if (!first)
        return;
    const char *pw = strstr(first->value, ":kamailiorw@") ? "kamailiorw" : "kamailioro";
    vs_finding f;
    char mask[64], ev[512] = "";
    vs__audit_start(r, self, first, NULL, &f);
    vs_secret_mask(pw, mask, sizeof mask);
    vs_evidence_str(ev, sizeof ev, "modules", mods);
    vs_evidence_str(ev, sizeof ev, "secret", mask);
    vs_finding_set(f.user, sizeof f.user, "kamailio");
    vs__audit_finish(
        r, &f, ev,
        "The database address uses the password that kamailio.cfg and kamdbctl ship by "
        "default for the \"kamailio\" database user. Anyone who reaches the database with it "
        "can read every subscriber's password (or its hash) and add accounts of their own.",
        "Create the database user with a long random password (kamctlrc DBRWPW/DBROPW before "
        "kamdbctl create, or ALTER USER), put it in DBURL and make the database listen on "
        "localhost only.");
}

/* ---- the catalogue -------------------------------------------------------------------------- */

#define CHECK(var_, id_, practice_, sev_, title_, why_, fn_)                                       \
    static const vs__audit_check var_ = {{id_, KAM, practice_, sev_, title_, why_}, fn_}

CHECK(c_no_auth, "kamailio.no-auth", VS_PRACTICE_NETWORK, VS_SEV_CRITICAL,
      "No password authentication",
      "Without WITH_AUTH the stock kamailio.cfg loads no auth module and calls no "
      "www_authorize/proxy_authorize/auth_check: an open registrar (KAM-CFG).",
      run_no_auth);
CHECK(c_auth_identity, "kamailio.auth-identity-unchecked", VS_PRACTICE_NETWORK, VS_SEV_MEDIUM,
      "Authenticated user not matched to the caller",
      "Digest auth without an identity check ($au vs $tU/$fU, or auth_check flag 1): one "
      "subscriber can act as another (KAM-CFG).",
      run_auth_identity);
CHECK(c_no_flood, "kamailio.no-flood-protection", VS_PRACTICE_ACTIVITY, VS_SEV_MEDIUM,
      "No flood protection",
      "pike not used and no htable ban (stock WITH_ANTIFLOOD off): no rate limit on brute force "
      "or floods (KAM-CFG).",
      run_no_flood);
CHECK(c_no_scanner, "kamailio.no-scanner-filter", VS_PRACTICE_ACTIVITY, VS_SEV_LOW,
      "Known scanners not dropped",
      "No User-Agent filter for friendly-scanner/sipvicious/sipcli in the active config "
      "(KAM-LUA, stock kamailio.cfg REQINIT).",
      run_no_scanner_filter);
CHECK(c_no_sanity, "kamailio.no-sanity", VS_PRACTICE_NETWORK, VS_SEV_LOW,
      "Malformed requests not rejected",
      "sanity module or sanity_check() not used (stock REQINIT calls sanity_check(\"17895\", "
      "\"7\")) (KAM-CFG).",
      run_no_sanity);
CHECK(c_no_maxfwd, "kamailio.no-maxfwd", VS_PRACTICE_NETWORK, VS_SEV_LOW,
      "Max-Forwards not checked",
      "mf_process_maxfwd_header() never called (stock REQINIT: \"10\"): loop protection "
      "(KAM-CFG).",
      run_no_maxfwd);
CHECK(c_no_tls, "kamailio.no-tls-listener", VS_PRACTICE_NETWORK, VS_SEV_MEDIUM, "No SIP over TLS",
      "No tls module or no TLS socket (stock WITH_TLS off): signalling in clear (KAM-CFG).",
      run_no_tls_listener);
CHECK(c_old_tls, "kamailio.old-tls", VS_PRACTICE_NETWORK, VS_SEV_MEDIUM, "Old TLS versions allowed",
      "tls.cfg method (or tls_method) allows less than TLS 1.2: TLSv1, TLSv1.1, SSLv23 "
      "(KAM-TLS; RFC 8996, RFC 9325).",
      run_old_tls);
CHECK(c_tls_no_verify, "kamailio.tls-no-verify", VS_PRACTICE_NETWORK, VS_SEV_MEDIUM,
      "Certificates of TLS peers not verified",
      "A tls.cfg client profile (connections to trunks and other servers) has "
      "verify_certificate off; server profiles are not judged, phones rarely hold certificates "
      "(KAM-TLS).",
      run_tls_no_verify);
CHECK(c_db_pw, "kamailio.default-db-password", VS_PRACTICE_CREDENTIALS, VS_SEV_HIGH,
      "Stock database password in use",
      "DBURL with the password that Kamailio's sample configuration and kamdbctl ship for the "
      "kamailio database user, which holds every subscriber credential (KAM-CFG).",
      run_default_db_password);

const vs__audit_check *const vs__checks_kamailio[] = {
    &c_no_auth, &c_auth_identity, &c_no_flood,      &c_no_scanner, &c_no_sanity, &c_no_maxfwd,
    &c_no_tls,  &c_old_tls,       &c_tls_no_verify, &c_db_pw,      NULL,
};
