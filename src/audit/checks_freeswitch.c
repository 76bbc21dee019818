/* FreeSWITCH audit checks (ids "freeswitch.<problem>"), over the model that freeswitch_conf.c
 * builds (docs/internals/conf-readers.md): section "vars" (X-PRE-PROCESS set), "profile:<name>"
 * (sofia profiles), "user:<id>" (directory users, inheriting their group and domain),
 * "conf:event_socket" (ESL). The catalogue with the reasons and sources is docs/audit-checks.md.
 *
 * Decisions kept consistent across the file:
 *   - practice: directory passwords and PINs are "credentials"; the event socket (ESL) is the
 *     switch's administration interface, so its password and exposure are "equipment"; SIP
 *     profile authentication, ACLs, TLS and SRTP are "network"; logging of failed logins (what
 *     lets fail2ban or the monitor spot brute force) is "activity".
 *   - profiles whose name starts with "internal" are the phones' profile (stock "internal",
 *     "internal-ipv6"); those starting with "external" take calls from providers and are
 *     unauthenticated by design (stock external_auth_calls=false), so "absent" settings are only
 *     judged on internal profiles and an explicit weakening on any profile but external ones.
 *   - TLS details (versions, verification) are judged only on profiles that have TLS on; with
 *     TLS off everywhere, freeswitch.no-tls says so once.
 *   - one finding per place to fix: a weak password that is the default password variable is
 *     freeswitch.default-password, not also weak-password; users sharing the weak default
 *     password are not also reported as password reuse.
 *   - secrets appear only masked (vs_secret_mask); reuse findings carry no trace of the password.
 * Values are those after $${var} expansion; when a value came from a variable of vars.xml (found
 * by reading the raw attribute text at value_off), the evidence names the variable and where it is
 * set. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/check.h"

#define FS VS_CONF_PRODUCT_FREESWITCH

/* ---- helpers ------------------------------------------------------------------------------- */

static const char *profile_name(const vs_conf_section *s)
{
    return s->name + strlen("profile:");
}

static bool is_internal(const vs_conf_section *s)
{
    return vs__audit_prefix(profile_name(s), "internal");
}

static bool is_external(const vs_conf_section *s)
{
    return vs__audit_prefix(profile_name(s), "external");
}

static const vs_conf_entry *var(const vs_conf *c, const char *name)
{
    const vs_conf_section *v = vs_conf_find(c, "vars");
    return v ? vs_conf_get(c, v, name) : NULL;
}

/* Name of the $${variable} the raw text of e's value consists of or mentions first, into out
 * ("" when none). Reads the attribute's raw text from the file. */
static void raw_var(const vs_conf_entry *e, char *out, size_t size)
{
    out[0] = '\0';
    if (!e || !e->file || e->value_len == 0 || e->value_len > 1024)
        return;
    FILE *f = fopen(e->file, "rb");
    if (!f)
        return;
    char buf[1025];
    size_t n = 0;
    if (fseek(f, (long)e->value_off, SEEK_SET) == 0)
        n = fread(buf, 1, e->value_len, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strstr(buf, "$${");
    if (!p)
        return;
    p += 3;
    const char *q = strchr(p, '}');
    if (!q || (size_t)(q - p) >= size)
        return;
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
}

/* Evidence pairs naming the variable a value came from and where it is set. */
static void evidence_var(const vs_conf *c, const vs_conf_entry *e, char *ev, size_t size)
{
    char name[128];
    raw_var(e, name, sizeof name);
    if (!name[0])
        return;
    vs_evidence_str(ev, size, "variable", name);
    const vs_conf_entry *v = var(c, name);
    if (v) {
        char where[320];
        snprintf(where, sizeof where, "%s:%u", v->file, v->line);
        vs_evidence_str(ev, size, "variable_set_at", where);
    }
}

/* A real directory user (not a pointer to one defined elsewhere). */
static bool is_user(const vs_conf *c, const vs_conf_section *s)
{
    if (!vs__audit_prefix(s->name, "user:"))
        return false;
    const char *type = vs_conf_value(c, s, "@type");
    return !(type && !strcasecmp(type, "pointer"));
}

/* The user's password is the default password variable's value and that value is weak. */
static bool uses_weak_default(const vs__audit_run *r, const vs_conf_entry *pw)
{
    const vs_conf_entry *dp = var(r->freeswitch, "default_password");
    if (!dp || !pw || strcmp(dp->value, pw->value) != 0)
        return false;
    vs_strength st;
    vs_strength_check(r->policy, r->blocklist, dp->value, NULL, NULL, false, &st);
    return !st.ok || !strcmp(dp->value, "1234");
}

static bool profile_tls_on(const vs_conf *c, const vs_conf_section *s)
{
    return vs__conf_true(vs_conf_value(c, s, "tls")) ||
           vs__conf_true(vs_conf_value(c, s, "tls-only"));
}

/* ---- credentials: directory users ----------------------------------------------------------- */

static void run_default_password(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    const vs_conf_entry *dp = var(c, "default_password");
    char mask[64], ev[512];
    vs_finding f;
    if (dp && !strcmp(dp->value, "1234")) {
        vs__audit_start(r, self, dp, NULL, &f);
        vs_finding_set(f.title, sizeof f.title, "The FreeSWITCH default password is still set");
        vs_secret_mask(dp->value, mask, sizeof mask);
        ev[0] = '\0';
        vs_evidence_str(ev, sizeof ev, "variable", "default_password");
        vs_evidence_str(ev, sizeof ev, "secret", mask);
        vs__audit_finish(
            r, &f, ev,
            "default_password in vars.xml still has the four-digit value FreeSWITCH ships "
            "with (its own comment asks \"Did you change it yet?\"). Every phone account whose "
            "password is $${default_password} gets it, and published defaults are the first "
            "thing automated attackers try: they register as your phones and make expensive "
            "calls at your cost.",
            "Set default_password in vars.xml to a long random value, and give every user in "
            "directory/ a password of its own (at least 16 random characters) instead of "
            "$${default_password}. Restart FreeSWITCH afterwards.");
    }
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (!is_user(c, s))
            continue;
        const vs_conf_entry *pw = vs_conf_get(c, s, "password");
        if (!pw || !uses_weak_default(r, pw))
            continue;
        const char *id = s->name + strlen("user:");
        vs__audit_start(r, self, pw, s, &f);
        vs_finding_setf(f.title, sizeof f.title, "User %s uses the weak default password", id);
        vs_finding_set(f.user, sizeof f.user, id);
        vs_secret_mask(pw->value, mask, sizeof mask);
        ev[0] = '\0';
        vs_evidence_str(ev, sizeof ev, "param", "password");
        vs_evidence_str(ev, sizeof ev, "secret", mask);
        evidence_var(c, pw, ev, sizeof ev);
        vs__audit_finish(
            r, &f, ev,
            "This phone account's password is the default password of vars.xml "
            "(default_password), which is weak. Anyone who knows the FreeSWITCH defaults can "
            "register as this phone and make calls charged to you.",
            "Give this user a password of its own: at least 16 random characters, entered once "
            "in the phone's provisioning. Do not use $${default_password} for real accounts.");
    }
}

static void weak_param(vs__audit_run *r, const vs__audit_check *self, const char *param, bool pin)
{
    const vs_conf *c = r->freeswitch;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (!is_user(c, s))
            continue;
        const vs_conf_entry *pw = vs_conf_get(c, s, param);
        if (!pw || (!pin && uses_weak_default(r, pw)))
            continue;
        const char *id = s->name + strlen("user:");
        const char *alias = vs_conf_value(c, s, "@number-alias");
        vs_strength st;
        vs_strength_check(r->policy, r->blocklist, pw->value, id, alias, pin, &st);
        if (st.ok)
            continue;
        vs_finding f;
        char mask[64], ev[768];
        vs__audit_start(r, self, pw, s, &f);
        vs_finding_setf(f.title, sizeof f.title,
                        pin ? "User %s has a weak voicemail PIN" : "User %s has a weak password",
                        id);
        vs_finding_set(f.user, sizeof f.user, id);
        if (st.length == 0 || st.equals_user || st.on_blocklist)
            f.severity = pin ? VS_SEV_HIGH : VS_SEV_CRITICAL;
        vs_secret_mask(pw->value, mask, sizeof mask);
        ev[0] = '\0';
        vs_evidence_str(ev, sizeof ev, "param", param);
        vs_evidence_str(ev, sizeof ev, "secret", mask);
        vs_evidence_str(ev, sizeof ev, "reason", st.reason);
        vs_evidence_num(ev, sizeof ev, "guesses_log10", st.guesses_log10);
        evidence_var(c, pw, ev, sizeof ev);
        vs_finding_set(f.evidence, sizeof f.evidence, ev);
        if (pin) {
            vs_finding_setf(f.explain, sizeof f.explain,
                            "The voicemail PIN of this user is weak: %s. Voicemail PINs are tried "
                            "by attackers to listen to messages and, on some setups, to call out "
                            "through the voicemail menu.",
                            st.reason);
            vs_finding_set(f.advice, sizeof f.advice,
                           "Set vm-password to at least 6 random digits that are not the "
                           "extension number, one repeated digit or a run of consecutive digits.");
        } else {
            vs_finding_setf(f.explain, sizeof f.explain,
                            "The SIP password of this phone account is weak: %s. Attackers "
                            "guess SIP passwords automatically, thousands per minute, and then "
                            "make calls charged to you.",
                            st.reason);
            vs_finding_set(f.advice, sizeof f.advice,
                           "Give this user a random password of at least 16 characters (phones "
                           "store it, nobody has to type it) and update the phone with it.");
        }
        vs__audit_emit(r, &f);
    }
}

static void run_weak_password(vs__audit_run *r, const vs__audit_check *self)
{
    weak_param(r, self, "password", false);
}

static void run_weak_vm_password(vs__audit_run *r, const vs__audit_check *self)
{
    weak_param(r, self, "vm-password", true);
}

typedef struct pw_ref {
    const char *pw;
    const char *user;
    const vs_conf_entry *e;
    size_t order;
} pw_ref;

static int cmp_pw(const void *a, const void *b)
{
    const pw_ref *x = a, *y = b;
    int k = strcmp(x->pw, y->pw);
    if (k)
        return k;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void run_password_reuse(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    size_t n = 0, cap = vs_conf_section_count(c);
    pw_ref *refs = cap ? calloc(cap, sizeof *refs) : NULL;
    if (!refs)
        return;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (!is_user(c, s))
            continue;
        const vs_conf_entry *pw = vs_conf_get(c, s, "password");
        if (!pw || !pw->value[0] || uses_weak_default(r, pw))
            continue;
        refs[n] = (pw_ref){pw->value, s->name + strlen("user:"), pw, n};
        n++;
    }
    qsort(refs, n, sizeof *refs, cmp_pw);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && !strcmp(refs[j].pw, refs[i].pw))
            j++;
        if (j - i >= 2) {
            vs_finding f;
            char users[512] = "", ev[768] = "";
            size_t shown = 0;
            for (size_t k = i; k < j; k++) {
                size_t len = strlen(users);
                if (len + strlen(refs[k].user) + 8 >= sizeof users) {
                    snprintf(users + len, sizeof users - len, ", ...");
                    break;
                }
                snprintf(users + len, sizeof users - len, "%s%s", shown ? ", " : "", refs[k].user);
                shown++;
            }
            vs__audit_start(r, self, refs[i].e, NULL, &f);
            vs_finding_setf(f.title, sizeof f.title, "%zu users share one password", j - i);
            vs_finding_set(f.user, sizeof f.user, refs[i].user);
            vs_evidence_str(ev, sizeof ev, "users", users);
            vs_evidence_int(ev, sizeof ev, "count", (int64_t)(j - i));
            vs_finding_set(f.evidence, sizeof f.evidence, ev);
            vs_finding_setf(f.explain, sizeof f.explain,
                            "The users %s have the same SIP password. Whoever learns it from one "
                            "phone (a stolen handset, a provisioning file, a former employee) can "
                            "register as every one of them, and a leak cannot be traced to one "
                            "account.",
                            users);
            vs_finding_set(
                f.advice, sizeof f.advice,
                "Give every user a password of its own, generated at random (at least 16 "
                "characters), and update each phone.");
            vs__audit_emit(r, &f);
        }
        i = j;
    }
    free(refs);
}

/* ---- equipment: the event socket (ESL) ------------------------------------------------------ */

static void run_esl_password(vs__audit_run *r, const vs__audit_check *self, bool want_default)
{
    const vs_conf *c = r->freeswitch;
    const vs_conf_section *s = vs_conf_find(c, "conf:event_socket");
    const vs_conf_entry *pw = s ? vs_conf_get(c, s, "password") : NULL;
    if (!pw)
        return;
    bool is_default = !strcasecmp(pw->value, "ClueCon");
    vs_strength st;
    vs_strength_check(r->policy, r->blocklist, pw->value, NULL, NULL, false, &st);
    if (want_default ? !is_default : (is_default || st.ok))
        return;
    vs_finding f;
    char mask[64], ev[512] = "";
    vs__audit_start(r, self, pw, s, &f);
    vs_secret_mask(pw->value, mask, sizeof mask);
    vs_evidence_str(ev, sizeof ev, "param", "password");
    vs_evidence_str(ev, sizeof ev, "secret", mask);
    const char *ip = vs_conf_value(c, s, "listen-ip");
    if (ip)
        vs_evidence_str(ev, sizeof ev, "listen_ip", ip);
    if (!want_default)
        vs_evidence_str(ev, sizeof ev, "reason", st.reason);
    vs_finding_set(f.evidence, sizeof f.evidence, ev);
    if (want_default) {
        vs_finding_set(
            f.explain, sizeof f.explain,
            "The event socket (ESL, TCP port 8021) still has the password FreeSWITCH ships "
            "with, published in every guide. Anyone who reaches that port with it controls the "
            "whole switch: "
            "they can place calls, run commands and read the configuration.");
        vs_finding_set(
            f.advice, sizeof f.advice,
            "Set a long random password in autoload_configs/event_socket.conf.xml (and in the "
            "tools that connect to it, such as fs_cli), keep listen-ip on 127.0.0.1 and set "
            "apply-inbound-acl to a list of the hosts that need it.");
    } else {
        vs_finding_setf(f.explain, sizeof f.explain,
                        "The event socket (ESL) password is weak: %s. The event socket gives "
                        "full control of the switch (calls, commands, configuration).",
                        st.reason);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Set a random password of at least 16 characters in "
                       "autoload_configs/event_socket.conf.xml and in the tools that connect.");
    }
    vs__audit_emit(r, &f);
}

static void run_esl_default_password(vs__audit_run *r, const vs__audit_check *self)
{
    run_esl_password(r, self, true);
}

static void run_esl_weak_password(vs__audit_run *r, const vs__audit_check *self)
{
    run_esl_password(r, self, false);
}

static void run_esl_exposed(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    const vs_conf_section *s = vs_conf_find(c, "conf:event_socket");
    const vs_conf_entry *ip = s ? vs_conf_get(c, s, "listen-ip") : NULL;
    if (!ip || vs__audit_addr_loopback(ip->value))
        return;
    const char *acl = vs_conf_value(c, s, "apply-inbound-acl");
    if (acl && acl[0])
        return;
    vs_finding f;
    char ev[512] = "";
    vs__audit_start(r, self, ip, s, &f);
    vs_evidence_str(ev, sizeof ev, "listen_ip", ip->value);
    const char *port = vs_conf_value(c, s, "listen-port");
    if (port)
        vs_evidence_str(ev, sizeof ev, "listen_port", port);
    vs_evidence_str(ev, sizeof ev, "apply_inbound_acl", "absent");
    vs_finding_set(f.evidence, sizeof f.evidence, ev);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "The event socket (ESL), which gives full control of the switch, listens on "
                    "%s, not only on this machine, and no access list (apply-inbound-acl) limits "
                    "who may connect. Only its password stands between the network and your "
                    "phone system.",
                    ip->value);
    vs_finding_set(f.advice, sizeof f.advice,
                   "In autoload_configs/event_socket.conf.xml set listen-ip to 127.0.0.1 unless "
                   "another host really needs it; then add apply-inbound-acl with an ACL of "
                   "those hosts only, and block TCP 8021 at the firewall.");
    vs__audit_emit(r, &f);
}

/* ---- network: sofia profiles ---------------------------------------------------------------- */

/* Reports a profile setting: e (may be NULL: absent, reported at the profile) with texts. */
static void report_profile(vs__audit_run *r, const vs__audit_check *self, const vs_conf_section *s,
                           const vs_conf_entry *e, const char *param, vs_severity sev,
                           const char *explain, const char *advice)
{
    vs_finding f;
    char ev[512] = "";
    vs__audit_start(r, self, e, s, &f);
    f.severity = sev;
    vs_evidence_str(ev, sizeof ev, "profile", profile_name(s));
    vs_evidence_str(ev, sizeof ev, "param", param);
    vs_evidence_str(ev, sizeof ev, "value", e ? e->value : "(absent)");
    if (e)
        evidence_var(r->freeswitch, e, ev, sizeof ev);
    vs_finding_set(f.evidence, sizeof f.evidence, ev);
    vs_finding_setf(f.title, sizeof f.title, "%s (SIP profile %s)", self->info.title,
                    profile_name(s));
    vs__audit_finish(r, &f, NULL, explain, advice);
}

#define FOR_PROFILES(c, s)                                                                         \
    for (size_t i_ = 0; i_ < vs_conf_section_count(c); i_++)                                       \
        for (const vs_conf_section *s = vs_conf_section_at(c, i_);                                 \
             s && vs__audit_prefix(s->name, "profile:"); s = NULL)

static void run_auth_calls_off(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    FOR_PROFILES(c, s)
    {
        if (is_external(s))
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "auth-calls");
        if (e ? vs__conf_true(e->value) : !is_internal(s))
            continue;
        report_profile(r, self, s, e, "auth-calls", is_internal(s) ? VS_SEV_CRITICAL : VS_SEV_HIGH,
                       "This SIP profile does not ask callers for a password (auth-calls is "
                       "off). Anyone who can reach it can place calls through your switch, "
                       "including expensive international calls, without being a known phone.",
                       "Set auth-calls to true on this profile (stock vars.xml: "
                       "internal_auth_calls=true). Trunks that cannot authenticate belong on the "
                       "external profile or in an ACL (apply-inbound-acl), not in an open "
                       "profile.");
    }
}

static void run_blind_registration(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    static const char *const keys[] = {"accept-blind-reg", "accept-blind-auth"};
    FOR_PROFILES(c, s)
    {
        for (size_t k = 0; k < 2; k++) {
            const vs_conf_entry *e = vs_conf_get(c, s, keys[k]);
            if (!e || !vs__conf_true(e->value))
                continue;
            report_profile(r, self, s, e, keys[k], VS_SEV_CRITICAL,
                           k == 0 ? "accept-blind-reg lets any device register as any user "
                                    "without a password (FreeSWITCH's own comment: \"lets "
                                    "anything register\"). An attacker can take over your "
                                    "extensions and receive or place their calls."
                                  : "accept-blind-auth accepts any password without checking "
                                    "it. Every account on this profile is open to anyone.",
                           "Remove this parameter or set it to false, and restart the profile "
                           "(sofia profile <name> restart).");
        }
    }
}

static void run_no_auth_failure_log(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    FOR_PROFILES(c, s)
    {
        if (!is_internal(s))
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "log-auth-failures");
        if (e && vs__conf_true(e->value))
            continue;
        report_profile(r, self, s, e, "log-auth-failures", self->info.severity,
                       "Failed logins on this profile are not written to the log (stock "
                       "FreeSWITCH ships log-auth-failures=false). Tools such as fail2ban and "
                       "voipsec monitor cannot see password guessing, so nobody notices or blocks "
                       "it.",
                       "Set log-auth-failures to true on the internal profile and let fail2ban "
                       "(or a similar tool) ban addresses that fail repeatedly.");
    }
}

static void run_auth_subscriptions_off(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    FOR_PROFILES(c, s)
    {
        if (is_external(s))
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "auth-subscriptions");
        if (e ? vs__conf_true(e->value) : !is_internal(s))
            continue;
        report_profile(r, self, s, e, "auth-subscriptions", self->info.severity,
                       "Subscriptions (presence, voicemail indicators, busy lamps) are accepted "
                       "without a password on this profile. Outsiders can watch who is on the "
                       "phone and which extensions exist (CVE-2021-41157; old configurations kept "
                       "through upgrades still lack the setting).",
                       "Set auth-subscriptions to true on this profile.");
    }
}

static void run_no_inbound_acl(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    FOR_PROFILES(c, s)
    {
        if (!is_internal(s))
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "apply-inbound-acl");
        if (e && e->value[0])
            continue;
        report_profile(r, self, s, e, "apply-inbound-acl", self->info.severity,
                       "The phones' profile accepts SIP from any address: no access list "
                       "(apply-inbound-acl) limits where phones may connect from, so password "
                       "guessing from anywhere on the internet reaches it.",
                       "Set apply-inbound-acl on the internal profile (stock: \"domains\", or an "
                       "ACL in autoload_configs/acl.conf.xml listing your office and VPN "
                       "networks).");
    }
}

static void run_force_matching_off(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    FOR_PROFILES(c, s)
    {
        const vs_conf_entry *e = vs_conf_get(c, s, "inbound-reg-force-matching-username");
        if (!e || !vs__conf_false(e->value))
            continue;
        report_profile(r, self, s, e, "inbound-reg-force-matching-username", self->info.severity,
                       "A phone may register as one extension while logging in with another "
                       "user's password. One stolen password is then enough to take over any "
                       "extension's calls.",
                       "Set inbound-reg-force-matching-username to true (or remove the line).");
    }
}

/* true when list (comma, pipe or blank separated) names TLS 1.0/1.1 or SSL. */
static bool old_tls_list(const char *list)
{
    char tok[32];
    size_t n = 0;
    for (const char *p = list;; p++) {
        if (*p && !strchr(",| \t;:", *p)) {
            if (n + 1 < sizeof tok)
                tok[n++] = *p;
            continue;
        }
        tok[n] = '\0';
        if (n && (!strcasecmp(tok, "tlsv1") || !strcasecmp(tok, "tlsv1.0") ||
                  !strcasecmp(tok, "tlsv1.1") || !strncasecmp(tok, "sslv", 4)))
            return true;
        n = 0;
        if (!*p)
            return false;
    }
}

static void run_old_tls(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    FOR_PROFILES(c, s)
    {
        if (!profile_tls_on(c, s))
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "tls-version");
        if (!e || !old_tls_list(e->value))
            continue;
        report_profile(r, self, s, e, "tls-version", self->info.severity,
                       "This profile still accepts TLS 1.0 or 1.1 (the stock sip_tls_version is "
                       "tlsv1,tlsv1.1,tlsv1.2). These versions have known weaknesses and are "
                       "forbidden by current guidance (RFC 8996, RFC 9325).",
                       "Set sip_tls_version in vars.xml (or tls-version on the profile) to "
                       "tlsv1.2 (and tlsv1.3 where your FreeSWITCH supports it); check that "
                       "your phones support TLS 1.2.");
    }
}

static void run_tls_no_verify(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    FOR_PROFILES(c, s)
    {
        if (!profile_tls_on(c, s))
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "tls-verify-policy");
        if (e && strcasecmp(e->value, "none") != 0 && e->value[0])
            continue;
        report_profile(r, self, s, e, "tls-verify-policy", self->info.severity,
                       "TLS is on but FreeSWITCH does not check the certificates of the other "
                       "side (tls-verify-policy none, also the default). Calls are encrypted, "
                       "but to whoever answers: someone in the path can pretend to be your "
                       "provider or your phones and read or redirect the calls.",
                       "Set tls-verify-policy to out (verify providers you connect to) or all, "
                       "with a CA file (tls-cert-dir/cafile.pem) that holds the issuers you "
                       "trust.");
    }
}

static void run_no_tls(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    const vs_conf_section *first = NULL, *internal = NULL;
    FOR_PROFILES(c, s)
    {
        if (profile_tls_on(c, s))
            return;
        if (!first)
            first = s;
        if (!internal && is_internal(s))
            internal = s;
    }
    if (!first)
        return; /* no SIP profile at all: nothing to judge */
    const vs_conf_section *at = internal ? internal : first;
    const vs_conf_entry *e = vs_conf_get(c, at, "tls");
    if (!e)
        e = var(c, "internal_ssl_enable");
    vs_finding f;
    char ev[512] = "";
    vs__audit_start(r, self, e, at, &f);
    vs_evidence_str(ev, sizeof ev, "profile", profile_name(at));
    vs_evidence_str(ev, sizeof ev, "tls", e ? e->value : "(absent)");
    if (e)
        evidence_var(c, e, ev, sizeof ev);
    vs__audit_finish(
        r, &f, ev,
        "No SIP profile has TLS turned on (stock vars.xml ships internal_ssl_enable and "
        "external_ssl_enable set to false). Call set-up, phone logins and the keys of any "
        "encrypted media cross the network readable by anyone on the path.",
        "Turn TLS on for the phones' profile (internal_ssl_enable=true in vars.xml, with a "
        "certificate in the tls directory) and move phones to TLS on port 5061; then require "
        "SRTP for media.");
}

/* ---- network: media encryption -------------------------------------------------------------- */

static bool srtp_required(const char *v)
{
    return vs__conf_true(v) || vs__audit_prefix(v, "mandatory");
}

static void run_srtp_not_required(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    static const char *const vkeys[] = {"rtp_secure_media", "rtp_secure_media_inbound",
                                        "rtp_secure_media_outbound"};
    bool seen = false;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        bool vars = !strcmp(s->name, "vars");
        if (!vars && !vs__audit_prefix(s->name, "user:") && !vs__audit_prefix(s->name, "group:") &&
            !vs__audit_prefix(s->name, "domain:"))
            continue;
        for (size_t j = 0; j < s->n_entries; j++) {
            const vs_conf_entry *e = &s->entries[j];
            const char *k = e->key;
            if (!vars) {
                if (strncmp(k, "var:", 4) != 0)
                    continue;
                k += 4;
            }
            bool match = false;
            for (size_t m = 0; m < 3; m++)
                match |= !strcasecmp(k, vkeys[m]);
            if (!match)
                continue;
            seen = true;
            if (srtp_required(e->value))
                continue;
            vs_finding f;
            char ev[512] = "";
            vs__audit_start(r, self, e, s, &f);
            vs_evidence_str(ev, sizeof ev, "variable", k);
            vs_evidence_str(ev, sizeof ev, "value", e->value);
            vs_finding_set(f.evidence, sizeof f.evidence, ev);
            vs_finding_setf(f.explain, sizeof f.explain,
                            "%s is \"%s\": calls may carry their audio unencrypted (plain RTP), "
                            "so anyone on the network path can record the conversation.",
                            k, e->value);
            vs_finding_set(f.advice, sizeof f.advice,
                           "Set rtp_secure_media=mandatory (in vars.xml or for the users and "
                           "gateways that support it), together with TLS for signalling so that "
                           "the media keys are not sent in clear.");
            vs__audit_emit(r, &f);
        }
    }
    if (seen)
        return;
    const vs_conf_section *v = vs_conf_find(c, "vars");
    vs_finding f;
    char ev[256] = "";
    vs__audit_start(r, self, NULL, v, &f);
    vs_evidence_str(ev, sizeof ev, "variable", "rtp_secure_media");
    vs_evidence_str(ev, sizeof ev, "value", "(not set)");
    vs__audit_finish(
        r, &f, ev,
        "rtp_secure_media is not set in vars.xml or the directory, so FreeSWITCH only uses "
        "encrypted audio (SRTP) when the other side asks for it; most calls then go in plain "
        "RTP that anyone on the path can record. (A setting made in the dialplan is not read "
        "by this check.)",
        "Set rtp_secure_media=mandatory for phones and providers that support SRTP (vars.xml, "
        "the directory or the dialplan), with TLS for signalling.");
}

static void run_null_auth_srtp(vs__audit_run *r, const vs__audit_check *self)
{
    const vs_conf *c = r->freeswitch;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        bool vars = !strcmp(s->name, "vars");
        if (!vars && !vs__audit_prefix(s->name, "user:") && !vs__audit_prefix(s->name, "group:") &&
            !vs__audit_prefix(s->name, "domain:"))
            continue;
        for (size_t j = 0; j < s->n_entries; j++) {
            const vs_conf_entry *e = &s->entries[j];
            const char *k = vars ? e->key : (!strncmp(e->key, "var:", 4) ? e->key + 4 : "");
            if (strcasecmp(k, "rtp_sdes_suites") != 0 || !strcasestr(e->value, "NULL_AUTH"))
                continue;
            vs_finding f;
            char ev[1024] = "";
            vs__audit_start(r, self, e, s, &f);
            vs_evidence_str(ev, sizeof ev, "variable", k);
            vs_evidence_str(ev, sizeof ev, "value", e->value);
            vs__audit_finish(
                r, &f, ev,
                "The list of SRTP suites offered includes a NULL_AUTH suite (stock vars.xml "
                "does). With it the audio is encrypted but not authenticated: packets can be "
                "altered or injected without being noticed. RFC 4568 and FreeSWITCH's own notes "
                "say it is not recommended.",
                "Remove AES_CM_128_NULL_AUTH (and any other *_NULL_AUTH suite) from "
                "rtp_sdes_suites in vars.xml.");
        }
    }
}

/* ---- the catalogue -------------------------------------------------------------------------- */

#define CHECK(var_, id_, practice_, sev_, title_, why_, fn_)                                       \
    static const vs__audit_check var_ = {{id_, FS, practice_, sev_, title_, why_}, fn_}

CHECK(c_default_password, "freeswitch.default-password", VS_PRACTICE_CREDENTIALS, VS_SEV_CRITICAL,
      "FreeSWITCH default password in use",
      "vars.xml ships a published default_password and directory users inherit it; it is the first "
      "password attackers try (FS-VARS).",
      run_default_password);
CHECK(c_weak_password, "freeswitch.weak-password", VS_PRACTICE_CREDENTIALS, VS_SEV_HIGH,
      "Weak SIP password",
      "A directory user's SIP password fails the credential policy; SIP passwords are guessed "
      "online and cracked offline from captured digests.",
      run_weak_password);
CHECK(c_weak_vm_password, "freeswitch.weak-vm-password", VS_PRACTICE_CREDENTIALS, VS_SEV_MEDIUM,
      "Weak voicemail PIN",
      "A directory user's vm-password fails the PIN policy (length, repeats, runs, the "
      "extension itself).",
      run_weak_vm_password);
CHECK(c_password_reuse, "freeswitch.password-reuse", VS_PRACTICE_CREDENTIALS, VS_SEV_HIGH,
      "One password shared by several users",
      "Several directory users have the same SIP password: one leak opens every account.",
      run_password_reuse);
CHECK(c_esl_default, "freeswitch.esl-default-password", VS_PRACTICE_EQUIPMENT, VS_SEV_CRITICAL,
      "Event socket has the published default password",
      "event_socket.conf.xml ships a published password; the event socket gives full control of "
      "the switch (FS-ESL).",
      run_esl_default_password);
CHECK(c_esl_weak, "freeswitch.esl-weak-password", VS_PRACTICE_EQUIPMENT, VS_SEV_HIGH,
      "Weak event socket password",
      "The event socket password fails the credential policy; the event socket gives full "
      "control of the switch.",
      run_esl_weak_password);
CHECK(c_esl_exposed, "freeswitch.esl-exposed", VS_PRACTICE_EQUIPMENT, VS_SEV_HIGH,
      "Event socket reachable from the network",
      "The event socket listens beyond loopback with no apply-inbound-acl (vanilla: listen-ip "
      "::, ACL commented out) (FS-ESL).",
      run_esl_exposed);
CHECK(c_auth_calls_off, "freeswitch.auth-calls-off", VS_PRACTICE_NETWORK, VS_SEV_CRITICAL,
      "Calls accepted without a password",
      "A SIP profile other than external has auth-calls off (also via "
      "$${internal_auth_calls}); unauthenticated INVITEs reach the dialplan (FS-INT, FS-VARS).",
      run_auth_calls_off);
CHECK(c_blind_reg, "freeswitch.blind-registration", VS_PRACTICE_NETWORK, VS_SEV_CRITICAL,
      "Registrations or logins accepted without checking",
      "accept-blind-reg / accept-blind-auth let anything register or authenticate (FS-INT).",
      run_blind_registration);
CHECK(c_no_auth_fail_log, "freeswitch.no-auth-failure-log", VS_PRACTICE_ACTIVITY, VS_SEV_MEDIUM,
      "Failed logins are not logged",
      "log-auth-failures is false in the vanilla internal profile, which leaves fail2ban and "
      "monitors blind to password guessing (FS-INT).",
      run_no_auth_failure_log);
CHECK(c_auth_subs_off, "freeswitch.auth-subscriptions-off", VS_PRACTICE_NETWORK, VS_SEV_MEDIUM,
      "Subscriptions accepted without a password",
      "Without auth-subscriptions, SUBSCRIBE is unauthenticated (CVE-2021-41157) (FS-INT).",
      run_auth_subscriptions_off);
CHECK(c_no_inbound_acl, "freeswitch.no-inbound-acl", VS_PRACTICE_NETWORK, VS_SEV_MEDIUM,
      "Phones' profile open to any address",
      "The internal profile has no apply-inbound-acl (vanilla sets \"domains\") (FS-INT).",
      run_no_inbound_acl);
CHECK(c_old_tls, "freeswitch.old-tls", VS_PRACTICE_NETWORK, VS_SEV_MEDIUM,
      "Old TLS versions allowed",
      "tls-version / sip_tls_version allows TLS 1.0 or 1.1 (vanilla default "
      "tlsv1,tlsv1.1,tlsv1.2); RFC 8996 and RFC 9325 forbid them (FS-VARS).",
      run_old_tls);
CHECK(c_tls_no_verify, "freeswitch.tls-no-verify", VS_PRACTICE_NETWORK, VS_SEV_MEDIUM,
      "TLS certificates not verified",
      "tls-verify-policy none (vanilla) on a profile with TLS: peers' certificates are not "
      "checked (FS-INT).",
      run_tls_no_verify);
CHECK(c_no_tls, "freeswitch.no-tls", VS_PRACTICE_NETWORK, VS_SEV_MEDIUM, "No SIP over TLS",
      "No profile has TLS on (vanilla internal_ssl_enable/external_ssl_enable false): signalling "
      "and passwords' digests travel in clear (FS-VARS).",
      run_no_tls);
CHECK(c_srtp, "freeswitch.srtp-not-required", VS_PRACTICE_NETWORK, VS_SEV_MEDIUM,
      "Encrypted audio not required",
      "rtp_secure_media unset, false or optional: SRTP only when the peer offers it (FS-VARS).",
      run_srtp_not_required);
CHECK(c_null_auth, "freeswitch.null-auth-srtp", VS_PRACTICE_NETWORK, VS_SEV_MEDIUM,
      "SRTP suite without authentication offered",
      "rtp_sdes_suites includes a NULL_AUTH suite (vanilla does), \"NOT RECOMMENDED\" "
      "(FS-VARS, RFC 4568).",
      run_null_auth_srtp);
CHECK(c_force_match, "freeswitch.force-matching-username-off", VS_PRACTICE_NETWORK, VS_SEV_MEDIUM,
      "Registration user need not match the login",
      "inbound-reg-force-matching-username false: the authenticated user may differ from the "
      "registered one (FS-INT).",
      run_force_matching_off);

const vs__audit_check *const vs__checks_freeswitch[] = {
    &c_default_password,
    &c_weak_password,
    &c_weak_vm_password,
    &c_password_reuse,
    &c_esl_default,
    &c_esl_weak,
    &c_esl_exposed,
    &c_auth_calls_off,
    &c_blind_reg,
    &c_no_auth_fail_log,
    &c_auth_subs_off,
    &c_no_inbound_acl,
    &c_old_tls,
    &c_tls_no_verify,
    &c_no_tls,
    &c_srtp,
    &c_null_auth,
    &c_force_match,
    NULL,
};
