/* Asterisk management and core checks: the Manager Interface (manager.conf), the built-in HTTP
 * server (http.conf), the REST Interface (ari.conf), the process itself (asterisk.conf) and the
 * security log (logger.conf).
 *
 * Design: like checks_ast_sip.c, one run function per check, walking one file's sections in order
 * (templates skipped), one finding per object at the line of the offending value, or at the
 * section's line when a key is missing. Asterisk's defaults apply when a key is absent:
 * manager.conf enabled=no and bindaddr=0.0.0.0 (every address); http.conf enabled=no and no
 * server without a bindaddr; ari.conf enabled=yes and password_format=plain; asterisk.conf runs
 * as the user that started it (root from the usual init scripts) without runuser. Checks about
 * users of a service that is off (AMI enabled=no, ARI enabled=no) stay silent. A file that is not
 * in the audited directory is not guessed at (no logger.conf: no finding). Weak AMI/ARI secrets
 * are checks_credentials.c's.
 * Practices: access to the management interfaces and to the server process is `equipment`
 * (controlled access to equipment); the security log is `activity` (abnormal activity spotted).
 * Sources for every rule: docs/audit-checks.md. */
#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit/check.h"

/* ---- helpers -------------------------------------------------------------------------------- */

/* The dangerous items of a class list (originate, system, command, config, all), comma separated
 * into out; false when none. */
static bool dangerous_classes(const char *list, char *out, size_t size)
{
    static const char *const bad[] = {"all", "originate", "system", "command", "config"};
    out[0] = '\0';
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (vs__audit_list_has(list, bad[i])) {
            size_t o = strlen(out);
            snprintf(out + o, size - o, "%s%s", o ? "," : "", bad[i]);
        }
    return out[0] != '\0';
}

static bool skip_section(const vs_conf_section *s)
{
    return s->is_template || !s->name[0] || !strcasecmp(s->name, "general");
}

/* manager.conf [general], when AMI is enabled; NULL otherwise. */
static const vs_conf_section *ami_general(const vs__audit_run *r, const vs_conf **out)
{
    const vs_conf *m = vs__audit_ast(r, "manager.conf");
    const vs_conf_section *g = m ? vs_conf_find(m, "general") : NULL;
    if (!g || !vs__conf_true(vs_conf_value(m, g, "enabled")))
        return NULL;
    *out = m;
    return g;
}

/* AMI's address: bindaddr, or every address when absent. */
static const char *ami_bindaddr(const vs_conf *m, const vs_conf_section *g)
{
    const char *b = vs_conf_value(m, g, "bindaddr");
    return b ? b : "0.0.0.0";
}

/* http.conf [general] when the HTTP server runs (enabled=yes and a bindaddr); NULL otherwise. */
static const vs_conf_section *http_general(const vs__audit_run *r, const vs_conf **out)
{
    const vs_conf *h = vs__audit_ast(r, "http.conf");
    const vs_conf_section *g = h ? vs_conf_find(h, "general") : NULL;
    if (!g || !vs__conf_true(vs_conf_value(h, g, "enabled")) || !vs_conf_value(h, g, "bindaddr"))
        return NULL;
    *out = h;
    return g;
}

/* ---- asterisk.manager.exposed ------------------------------------------------------------- */

static void run_ami_exposed(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *m = NULL;
    const vs_conf_section *g = ami_general(r, &m);
    if (!g)
        return;
    const vs_conf_entry *b = vs_conf_get(m, g, "bindaddr");
    if (!vs__audit_addr_any(ami_bindaddr(m, g)))
        return;
    vs_finding f;
    vs__audit_start(r, ck, b ? b : vs_conf_get(m, g, "enabled"), g, &f);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "The Asterisk Manager Interface (AMI) is switched on and listens on every "
                    "network address of the server (%s). AMI can place calls, read the "
                    "configuration and, with the right permissions, run commands: anyone on the "
                    "network or the Internet who guesses or steals an AMI password controls the "
                    "phone system.",
                    b ? "bindaddr=0.0.0.0" : "no bindaddr, so the default 0.0.0.0 applies");
    vs_finding_set(f.advice, sizeof f.advice,
                   "Set bindaddr=127.0.0.1 in manager.conf so that only programs on the server "
                   "itself can connect; reach it from elsewhere through a VPN or an SSH tunnel, "
                   "and block TCP 5038 at the firewall.");
    vs_evidence_str(f.evidence, sizeof f.evidence, "bindaddr", ami_bindaddr(m, g));
    vs__audit_emit(r, &f);
}

/* ---- asterisk.manager.no-tls -------------------------------------------------------------- */

static void run_ami_no_tls(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *m = NULL;
    const vs_conf_section *g = ami_general(r, &m);
    if (!g || vs__audit_addr_loopback(ami_bindaddr(m, g)) ||
        vs__conf_true(vs_conf_value(m, g, "tlsenable")))
        return;
    const vs_conf_entry *t = vs_conf_get(m, g, "tlsenable");
    vs_finding f;
    vs__audit_start(r, ck, t ? t : vs_conf_get(m, g, "enabled"), g, &f);
    const char *port = vs_conf_value(m, g, "port");
    vs_finding_setf(f.explain, sizeof f.explain,
                    "The Manager Interface accepts connections from the network on plain TCP "
                    "(port %s) and TLS is not enabled, so AMI user names, passwords and every "
                    "command and event cross the network unencrypted.",
                    port ? port : "5038");
    vs_finding_set(f.advice, sizeof f.advice,
                   "Bind AMI to 127.0.0.1, or set tlsenable=yes with a certificate "
                   "(tlscertfile) and have clients use the TLS port, inside a VPN.");
    vs_evidence_str(f.evidence, sizeof f.evidence, "bindaddr", ami_bindaddr(m, g));
    vs_evidence_str(f.evidence, sizeof f.evidence, "tlsenable",
                    vs_conf_value(m, g, "tlsenable") ? vs_conf_value(m, g, "tlsenable")
                                                     : "(absent: no)");
    vs__audit_emit(r, &f);
}

/* ---- asterisk.manager.web-no-tls ---------------------------------------------------------- */

static void run_ami_web_no_tls(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *m = NULL, *h = NULL;
    const vs_conf_section *g = ami_general(r, &m);
    if (!g)
        return;
    const vs_conf_entry *w = vs_conf_get(m, g, "webenabled");
    if (!w || !vs__conf_true(w->value))
        return;
    const vs_conf_section *hg = http_general(r, &h);
    if (!hg || vs__audit_addr_loopback(vs_conf_value(h, hg, "bindaddr")) ||
        vs__conf_true(vs_conf_value(h, hg, "tlsenable")))
        return;
    vs_finding f;
    vs__audit_start(r, ck, w, g, &f);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "webenabled=yes offers the Manager Interface over Asterisk's web server, "
                    "which listens on %s without HTTPS (http.conf has no tlsenable=yes): AMI "
                    "logins and commands travel in clear over the network.",
                    vs_conf_value(h, hg, "bindaddr"));
    vs_finding_set(f.advice, sizeof f.advice,
                   "Set webenabled=no unless a tool needs AMI over HTTP; otherwise bind http.conf "
                   "to 127.0.0.1 or enable HTTPS (tlsenable=yes) and use only the HTTPS port.");
    vs_evidence_str(f.evidence, sizeof f.evidence, "webenabled", w->value);
    vs_evidence_str(f.evidence, sizeof f.evidence, "http_bindaddr",
                    vs_conf_value(h, hg, "bindaddr"));
    vs__audit_emit(r, &f);
}

/* ---- asterisk.manager.no-acl -------------------------------------------------------------- */

static bool permits_everything(const char *v)
{
    return v && (!strncmp(v, "0.0.0.0/0", 9) || !strcmp(v, "::/0"));
}

static void run_ami_no_acl(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *m = NULL;
    const vs_conf_section *g = ami_general(r, &m);
    if (!g)
        return;
    bool local = vs__audit_addr_loopback(ami_bindaddr(m, g));
    for (size_t i = 0; i < vs_conf_section_count(m); i++) {
        const vs_conf_section *s = vs_conf_section_at(m, i);
        if (skip_section(s))
            continue;
        const vs_conf_entry *permits[16];
        size_t np = vs_conf_get_all(m, s, "permit", permits, 16);
        bool open_permit = false;
        for (size_t k = 0; k < np && k < 16; k++)
            open_permit |= permits_everything(permits[k]->value);
        bool restricted = (vs_conf_get(m, s, "deny") || vs_conf_get(m, s, "acl")) && !open_permit;
        if (restricted)
            continue;
        vs_finding f;
        vs__audit_start(r, ck, NULL, s, &f);
        if (local)
            f.severity = VS_SEV_LOW;
        vs_finding_setf(f.user, sizeof f.user, "%s", s->name);
        vs_finding_setf(f.title, sizeof f.title, "Manager account %s may log in from any address",
                        s->name);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "The AMI account [%s] has no address restriction (%s), so its password "
                        "is the only protection: a password guessed or copied from a backup works "
                        "from anywhere AMI can be reached.%s",
                        s->name, open_permit ? "it permits 0.0.0.0/0" : "no deny= or acl=",
                        local ? " AMI listens on the loopback address only, which limits this "
                                "to programs on the server."
                              : "");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Add deny=0.0.0.0/0.0.0.0 followed by permit= lines for the addresses of "
                       "the programs that use this account (for example "
                       "permit=127.0.0.1/255.255.255.255).");
        vs_evidence_str(f.evidence, sizeof f.evidence, "user", s->name);
        vs_evidence_str(f.evidence, sizeof f.evidence, "bindaddr", ami_bindaddr(m, g));
        vs__audit_emit(r, &f);
    }
}

/* ---- asterisk.manager.dangerous-permissions ------------------------------------------------ */

static void run_ami_permissions(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *m = NULL;
    const vs_conf_section *g = ami_general(r, &m);
    if (!g)
        return;
    for (size_t i = 0; i < vs_conf_section_count(m); i++) {
        const vs_conf_section *s = vs_conf_section_at(m, i);
        if (skip_section(s))
            continue;
        const vs_conf_entry *w = vs_conf_get(m, s, "write");
        const vs_conf_entry *rd = vs_conf_get(m, s, "read");
        char wbad[96], rbad[96];
        bool wd = w && dangerous_classes(w->value, wbad, sizeof wbad);
        bool rdg = rd && dangerous_classes(rd->value, rbad, sizeof rbad);
        if (!wd && !rdg)
            continue;
        vs_finding f;
        vs__audit_start(r, ck, wd ? w : rd, s, &f);
        vs_finding_setf(f.user, sizeof f.user, "%s", s->name);
        if (wd) {
            vs_finding_setf(f.title, sizeof f.title,
                            "Manager account %s may run commands and place calls", s->name);
            vs_finding_setf(
                f.explain, sizeof f.explain,
                "The AMI account [%s] has write=%s. 'originate' places calls and can start any "
                "dialplan application (System() included), 'system' and 'command' run Asterisk "
                "CLI and system commands, 'config' reads and rewrites configuration files "
                "(passwords included), 'all' grants everything. Whoever holds this password "
                "holds the whole server (CVE-2019-18610, CVE-2024-42365).",
                s->name, wbad);
        } else {
            f.severity = VS_SEV_LOW;
            vs_finding_setf(f.title, sizeof f.title,
                            "Manager account %s receives every kind of event", s->name);
            vs_finding_setf(f.explain, sizeof f.explain,
                            "The AMI account [%s] has read=%s: it is sent system, command and "
                            "configuration events it is unlikely to need, so a stolen password "
                            "reveals more about the server than necessary.",
                            s->name, rbad);
        }
        vs_finding_set(f.advice, sizeof f.advice,
                       "Give each AMI account only the classes its program needs (a call "
                       "reporting tool needs read=call,cdr and no write); keep originate, system, "
                       "command, config and all for an administrator account bound to "
                       "127.0.0.1.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "user", s->name);
        if (w)
            vs_evidence_str(f.evidence, sizeof f.evidence, "write", w->value);
        if (rd)
            vs_evidence_str(f.evidence, sizeof f.evidence, "read", rd->value);
        vs__audit_emit(r, &f);
    }
}

/* ---- asterisk.http.cleartext -------------------------------------------------------------- */

static void run_http_cleartext(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *h = NULL;
    const vs_conf_section *g = http_general(r, &h);
    if (!g)
        return;
    const vs_conf_entry *b = vs_conf_get(h, g, "bindaddr");
    if (vs__audit_addr_loopback(b->value) || vs__conf_true(vs_conf_value(h, g, "tlsenable")))
        return;
    bool all = vs__audit_addr_any(b->value);
    vs_finding f;
    vs__audit_start(r, ck, b, g, &f);
    if (!all)
        f.severity = VS_SEV_MEDIUM;
    vs_finding_setf(f.explain, sizeof f.explain,
                    "Asterisk's built-in web server is on and listens on %s%s without HTTPS "
                    "(no tlsenable=yes). It carries the REST Interface (ARI), WebSocket phones "
                    "and, when enabled, AMI over HTTP: their passwords and commands cross the "
                    "network unencrypted.",
                    b->value, all ? " (every address of the server)" : "");
    vs_finding_set(f.advice, sizeof f.advice,
                   "Bind http.conf to 127.0.0.1 if only local programs use it; otherwise set "
                   "tlsenable=yes with a certificate, have clients use the HTTPS port, and keep "
                   "port 8088 closed at the firewall.");
    vs_evidence_str(f.evidence, sizeof f.evidence, "bindaddr", b->value);
    vs__audit_emit(r, &f);
}

/* ---- ari.conf ------------------------------------------------------------------------------ */

static const vs_conf *ari_enabled(const vs__audit_run *r)
{
    const vs_conf *a = vs__audit_ast(r, "ari.conf");
    if (!a)
        return NULL;
    const vs_conf_section *g = vs_conf_find(a, "general");
    const char *en = g ? vs_conf_value(a, g, "enabled") : NULL;
    return en && vs__conf_false(en) ? NULL : a; /* enabled defaults to yes */
}

static void run_ari_plain_password(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *a = ari_enabled(r);
    for (size_t i = 0; a && i < vs_conf_section_count(a); i++) {
        const vs_conf_section *s = vs_conf_section_at(a, i);
        const char *type = vs_conf_value(a, s, "type");
        if (skip_section(s) || !type || strcasecmp(type, "user") || !vs_conf_get(a, s, "password"))
            continue;
        const vs_conf_entry *pf = vs_conf_get(a, s, "password_format");
        if (pf && strcasecmp(pf->value, "plain"))
            continue;
        vs_finding f;
        vs__audit_start(r, ck, pf, s, &f);
        vs_finding_setf(f.user, sizeof f.user, "%s", s->name);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "The ARI account [%s] keeps its password as plain text in ari.conf "
                        "(password_format=plain%s). Anyone who can read the file, a backup or a "
                        "copy sent for support, gets a password that controls calls.",
                        s->name, pf ? "" : ", the default");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Store a hash instead: password_format=crypt with a password made by "
                       "'mkpasswd -m sha-512'.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "user", s->name);
        vs_evidence_str(f.evidence, sizeof f.evidence, "password_format",
                        pf ? pf->value : "(absent: plain)");
        vs__audit_emit(r, &f);
    }
}

static void run_ari_any_origin(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *a = ari_enabled(r);
    const vs_conf_section *g = a ? vs_conf_find(a, "general") : NULL;
    const vs_conf_entry *o = g ? vs_conf_get(a, g, "allowed_origins") : NULL;
    if (!o || !vs__audit_list_has(o->value, "*"))
        return;
    vs_finding f;
    vs__audit_start(r, ck, o, g, &f);
    vs_evidence_str(f.evidence, sizeof f.evidence, "allowed_origins", o->value);
    vs__audit_finish(r, &f, NULL,
                     "allowed_origins=* lets scripts on any web site that an operator visits send "
                     "requests to the REST Interface from the operator's browser; the server no "
                     "longer limits which web pages may drive your calls.",
                     "List only the web addresses of your own applications in allowed_origins "
                     "(for example https://pbx-console.example.com), or leave it empty.");
}

/* ---- asterisk.conf ------------------------------------------------------------------------- */

static void run_live_dangerously(vs__audit_run *r, const vs__audit_check *ck)
{
    vs__audit_ast_flag(
        r, ck, "asterisk.conf", "options", "live_dangerously", true,
        "live_dangerously=yes lets remote programs using AMI or ARI call dialplan "
        "functions such as SHELL() and FILE(), which run system commands and read or "
        "write any file Asterisk can reach. Asterisk turns this off by default since "
        "version 12 for that reason.",
        "Remove live_dangerously or set it to no in asterisk.conf [options].");
}

static void run_runs_as_root(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "asterisk.conf");
    if (!c)
        return;
    const vs_conf_section *o = vs_conf_find(c, "options");
    const vs_conf_entry *u = o ? vs_conf_get(c, o, "runuser") : NULL;
    if (u && *u->value && strcmp(u->value, "root") && strcmp(u->value, "0"))
        return;
    vs_finding f;
    if (u || o)
        vs__audit_start(r, ck, u, o, &f);
    else
        vs__audit_finding(r, ck, vs_conf_file_path(c, 0), 0, &f);
    vs_finding_set(f.explain, sizeof f.explain,
                   u ? "runuser=root makes Asterisk run as the administrator account. Any flaw "
                       "in Asterisk or any command run from the dialplan or AMI then has full "
                       "control of the machine."
                     : "asterisk.conf sets no runuser, so Asterisk keeps running as the account "
                       "that started it, usually root. Any flaw in Asterisk or any command run "
                       "from the dialplan or AMI then has full control of the machine.");
    vs_finding_set(f.advice, sizeof f.advice,
                   "Create an unprivileged 'asterisk' user and group, give it the Asterisk "
                   "directories, and set runuser=asterisk and rungroup=asterisk in [options] (or "
                   "check that the service starts Asterisk with -U asterisk -G asterisk).");
    vs_evidence_str(f.evidence, sizeof f.evidence, "runuser", u ? u->value : "(absent)");
    vs__audit_emit(r, &f);
}

/* ---- logger.conf --------------------------------------------------------------------------- */

static void run_no_security_log(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *l = vs__audit_ast(r, "logger.conf");
    if (!l)
        return;
    const vs_conf_section *s = vs_conf_find(l, "logfiles");
    for (size_t i = 0; s && i < s->n_entries; i++) {
        const vs_conf_entry *e = &s->entries[i];
        if (e->merged || e->op == VS_CONF_OP_DIRECTIVE)
            continue;
        if (strcasestr(e->value, "security") || vs__audit_list_has(e->value, "*"))
            return;
    }
    vs_finding f;
    if (s)
        vs__audit_start(r, ck, NULL, s, &f);
    else
        vs__audit_finding(r, ck, vs_conf_file_path(l, 0), 0, &f);
    char ev[128] = "";
    vs_evidence_int(ev, sizeof ev, "log_channels", s ? (int64_t)s->n_entries : 0);
    vs_evidence_str(ev, sizeof ev, "security_level", "not logged");
    vs__audit_finish(r, &f, ev,
                     "No log channel in logger.conf records the 'security' level. Failed "
                     "logins, wrong passwords and rejected calls are then written nowhere, so "
                     "fail2ban cannot block password-guessing and nobody can see an attack "
                     "afterwards.",
                     "Add a channel for it in [logfiles], for example "
                     "'security => security', and point fail2ban's asterisk filter at that file.");
}

/* ---- the table ---------------------------------------------------------------------------- */

#define AST VS_CONF_PRODUCT_ASTERISK
#define EQP VS_PRACTICE_EQUIPMENT
#define ACT VS_PRACTICE_ACTIVITY
#define CHECK(var, id, practice, sev, title, why, fn)                                              \
    static const vs__audit_check var = {{id, AST, practice, sev, title, why}, fn}

CHECK(ami_exposed, "asterisk.manager.exposed", EQP, VS_SEV_HIGH,
      "The Manager Interface listens on every network address",
      "AMI with enabled=yes and bindaddr 0.0.0.0 (the default) is reachable from the network; "
      "manager.conf.sample and the Asterisk security docs say it must not face the Internet.",
      run_ami_exposed);
CHECK(ami_no_tls, "asterisk.manager.no-tls", EQP, VS_SEV_MEDIUM,
      "Manager logins cross the network unencrypted",
      "AMI bound to a network address on plain TCP 5038 without tlsenable sends passwords and "
      "commands in clear.",
      run_ami_no_tls);
CHECK(ami_web_no_tls, "asterisk.manager.web-no-tls", EQP, VS_SEV_MEDIUM,
      "The Manager Interface is offered over plain HTTP",
      "webenabled=yes serves AMI through http.conf; without tlsenable there, logins travel in "
      "clear.",
      run_ami_web_no_tls);
CHECK(ami_no_acl, "asterisk.manager.no-acl", EQP, VS_SEV_MEDIUM,
      "A Manager account may log in from any address",
      "An AMI user without deny=/acl= (or permitting 0.0.0.0/0) accepts logins from any source; "
      "the sample restricts with deny then permit.",
      run_ami_no_acl);
CHECK(ami_permissions, "asterisk.manager.dangerous-permissions", EQP, VS_SEV_HIGH,
      "A Manager account may run commands and place calls",
      "write= with originate, system, command, config or all gives the account control of the "
      "server (originate reaches System(); CVE-2019-18610, CVE-2024-42365).",
      run_ami_permissions);
CHECK(http_cleartext, "asterisk.http.cleartext", EQP, VS_SEV_HIGH,
      "Asterisk's web server is reachable without HTTPS",
      "http.conf enabled=yes on a network address without tlsenable carries ARI, WebSocket and "
      "AMI-over-HTTP logins in clear.",
      run_http_cleartext);
CHECK(ari_plain_password, "asterisk.ari.plain-password", EQP, VS_SEV_LOW,
      "An ARI password is stored in plain text",
      "password_format=plain (the default) keeps the ARI password readable in ari.conf and its "
      "backups; crypt stores a hash.",
      run_ari_plain_password);
CHECK(ari_any_origin, "asterisk.ari.any-origin", EQP, VS_SEV_MEDIUM,
      "Any web site may drive the REST Interface",
      "allowed_origins=* turns off the browser's cross-origin protection for ARI.",
      run_ari_any_origin);
CHECK(core_live_dangerously, "asterisk.core.live-dangerously", EQP, VS_SEV_HIGH,
      "Remote programs may run system commands through Asterisk",
      "live_dangerously=yes lets AMI/ARI use SHELL(), FILE() and similar functions (off by "
      "default since Asterisk 12; README-SERIOUSLY.bestpractices).",
      run_live_dangerously);
CHECK(core_root, "asterisk.core.runs-as-root", EQP, VS_SEV_MEDIUM, "Asterisk runs as root",
      "Without runuser/rungroup Asterisk keeps root's rights, so any compromise owns the whole "
      "machine.",
      run_runs_as_root);
CHECK(log_no_security, "asterisk.logger.no-security-log", ACT, VS_SEV_LOW,
      "Security events are not logged",
      "No logger.conf channel takes the 'security' level, which fail2ban's asterisk filter and "
      "voipsec read to spot password guessing.",
      run_no_security_log);

const vs__audit_check *const vs__checks_ast_manager[] = {
    &ami_exposed,           &ami_no_tls,     &ami_web_no_tls,     &ami_no_acl,
    &ami_permissions,       &http_cleartext, &ari_plain_password, &ari_any_origin,
    &core_live_dangerously, &core_root,      &log_no_security,    NULL,
};
