/* Asterisk SIP and IAX checks: who may call without logging in (chan_sip allowguest, insecure,
 * IP-identified PJSIP endpoints, the PJSIP anonymous endpoint) and where such calls can get to in
 * the dialplan (vs__dialplan_reach), how replies leak valid account names (alwaysauthreject),
 * endpoints without source ACLs, signalling without TLS, media without SRTP or with SDES keys on a
 * clear transport, old TLS versions and unverified certificates, unauthenticated OPTIONS, the
 * deprecated chan_sip driver, and IAX2 plaintext authentication and call tokens.
 *
 * Design: each check is one small run function that walks one file's sections in order (templates
 * are skipped: Asterisk never instantiates them, their values are seen through the sections that
 * inherit them) and reports one finding per object at the line of the offending value, or at the
 * section's line when the problem is a missing key. Defaults are Asterisk's own when a key is
 * absent (allowguest on, media_encryption no, ...). Weak secrets are checks_credentials.c's. The
 * sources for every rule are in docs/audit-checks.md. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit/check.h"

/* ---- helpers -------------------------------------------------------------------------------- */

/* The sections of a chan_sip or IAX file that describe accounts (not [general] and friends). */
static bool is_account_section(const vs_conf_section *s)
{
    return !s->is_template && !vs__audit_sec_is(s, "general") &&
           !vs__audit_sec_is(s, "authentication") && !vs__audit_sec_is(s, "callnumberlimits");
}

/* Does any account section exist? chan_sip settings only matter when chan_sip has accounts. */
static bool has_accounts(const vs_conf *c)
{
    for (size_t i = 0; i < vs_conf_section_count(c); i++)
        if (is_account_section(vs_conf_section_at(c, i)))
            return true;
    return false;
}

/* Where can a caller landing in context get to? Adds the facts to the finding's evidence and
 * returns whether it dials out. */
static bool reach(const vs__audit_run *r, const char *context, vs__dial_reach *d)
{
    memset(d, 0, sizeof *d);
    const vs_conf *ext = vs__audit_ast(r, "extensions.conf");
    if (ext && context && *context)
        vs__dialplan_reach(ext, context, d);
    return d->outbound;
}

static void reach_evidence(vs_finding *f, const char *context, const vs__dial_reach *d)
{
    vs_evidence_str(f->evidence, sizeof f->evidence, "context", context);
    vs_evidence_raw(f->evidence, sizeof f->evidence, "reaches_outbound",
                    d->outbound ? "true" : "false");
    vs_evidence_raw(f->evidence, sizeof f->evidence, "reaches_international",
                    d->international ? "true" : "false");
    if (d->where) {
        char at[320];
        snprintf(at, sizeof at, "%s:%u", d->where->file, d->where->line);
        vs_evidence_str(f->evidence, sizeof f->evidence, "route", at);
    }
}

static const char *reach_words(const vs__dial_reach *d)
{
    if (d->international)
        return "; from there the dialplan can place calls out through a trunk, including to "
               "international numbers";
    if (d->outbound)
        return "; from there the dialplan can place calls out through a trunk";
    return "";
}

/* chan_sip: a peer's context, else [general]'s, else "default" (chan_sip's built-in). */
static const char *sip_context(const vs_conf *c, const vs_conf_section *s)
{
    const char *ctx = s ? vs_conf_value(c, s, "context") : NULL;
    if (!ctx) {
        const vs_conf_section *g = vs_conf_find(c, "general");
        ctx = g ? vs_conf_value(c, g, "context") : NULL;
    }
    return ctx && *ctx ? ctx : "default";
}

/* chan_sip: a peer's value of key, else [general]'s. */
static const vs_conf_entry *sip_get(const vs_conf *c, const vs_conf_section *s, const char *key)
{
    const vs_conf_entry *e = vs_conf_get(c, s, key);
    if (!e) {
        const vs_conf_section *g = vs_conf_find(c, "general");
        e = g ? vs_conf_get(c, g, key) : NULL;
    }
    return e;
}

static bool sip_dynamic(const vs_conf *c, const vs_conf_section *s)
{
    const char *host = vs_conf_value(c, s, "host");
    return !host || !*host || strcasecmp(host, "dynamic") == 0;
}

static bool has_acl(const vs_conf *c, const vs_conf_section *s)
{
    return vs_conf_get(c, s, "permit") || vs_conf_get(c, s, "deny") || vs_conf_get(c, s, "acl");
}

/* ---- chan_sip (sip.conf) ----------------------------------------------------------------------
 */

static void run_sip_allowguest(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "sip.conf");
    if (!c || vs_conf_section_count(c) == 0)
        return;
    const vs_conf_section *g = vs_conf_find(c, "general");
    const vs_conf_entry *e = g ? vs_conf_get(c, g, "allowguest") : NULL;
    if (e && !vs__conf_true(e->value))
        return;
    const char *ctx = sip_context(c, NULL);
    vs__dial_reach d;
    reach(r, ctx, &d);
    vs_finding f;
    if (e || g)
        vs__audit_start(r, ck, e, g, &f);
    else
        vs__audit_finding(r, ck, vs_conf_file_path(c, 0), 0, &f);
    f.severity = d.international ? VS_SEV_CRITICAL : d.outbound ? VS_SEV_HIGH : VS_SEV_MEDIUM;
    vs_finding_setf(f.explain, sizeof f.explain,
                    "chan_sip accepts calls from callers who never log in (allowguest is %s) and "
                    "sends them to the dialplan context \"%s\"%s. Attackers scan the Internet for "
                    "such servers and use them to call expensive numbers at your cost.",
                    e ? "set to yes" : "not set, and its default is yes", ctx, reach_words(&d));
    vs_finding_set(f.advice, sizeof f.advice,
                   "Set allowguest=no in the [general] section of sip.conf. If you need calls from "
                   "outside (for example from a provider), identify that provider by address and "
                   "send it to a context that only reaches your own extensions.");
    vs_evidence_str(f.evidence, sizeof f.evidence, "allowguest", e ? e->value : "(default yes)");
    reach_evidence(&f, ctx, &d);
    vs__audit_emit(r, &f);
}

static void run_sip_alwaysauthreject(vs__audit_run *r, const vs__audit_check *ck)
{
    vs__audit_ast_flag(
        r, ck, "sip.conf", "general", "alwaysauthreject", false,
        "With alwaysauthreject=no, chan_sip answers a login attempt for an account that "
        "does not exist differently from one for an account that does. Scanning tools "
        "use the difference to list your extensions, then guess their passwords.",
        "Set alwaysauthreject=yes in the [general] section of sip.conf (or remove the "
        "line: newer chan_sip versions default to yes).");
}

static void run_sip_insecure(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "sip.conf");
    if (!c)
        return;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (!is_account_section(s))
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "insecure");
        if (!e || !vs__audit_list_has(e->value, "invite") || !sip_dynamic(c, s))
            continue;
        vs_finding f;
        vs__audit_start(r, ck, e, s, &f);
        vs_finding_set(f.user, sizeof f.user, s->name);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "The account \"%s\" is a phone (it registers from anywhere: host=dynamic), "
                        "yet insecure=%s tells chan_sip not to ask it for its password when it "
                        "places a call. Anyone who can send SIP to the server can call as this "
                        "phone.",
                        s->name, e->value);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Remove insecure=invite from phone accounts. It is only meant for provider "
                       "trunks that are identified by their fixed address (host=<address>).");
        vs_evidence_str(f.evidence, sizeof f.evidence, "insecure", e->value);
        vs_evidence_str(f.evidence, sizeof f.evidence, "host", "dynamic");
        vs__audit_emit(r, &f);
    }
}

static void run_sip_no_acl(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "sip.conf");
    if (!c)
        return;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (!is_account_section(s))
            continue;
        const char *type = vs_conf_value(c, s, "type");
        if (!type || (strcasecmp(type, "friend") && strcasecmp(type, "peer")))
            continue;
        const char *host = vs_conf_value(c, s, "host");
        if (!host || strcasecmp(host, "dynamic") || has_acl(c, s))
            continue;
        vs_finding f;
        vs__audit_start(r, ck, NULL, s, &f); /* what is missing belongs in the section */
        vs_finding_set(f.user, sizeof f.user, s->name);
        vs_finding_setf(
            f.explain, sizeof f.explain,
            "The phone account \"%s\" may register from any address on the Internet: it "
            "has no permit, deny or acl line. A stolen or guessed password then works "
            "from anywhere.",
            s->name);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Limit where the account may register from: deny=0.0.0.0/0.0.0.0 followed "
                       "by permit=<your office network>, or a named acl= from acl.conf.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "type", type);
        vs_evidence_str(f.evidence, sizeof f.evidence, "host", host);
        vs__audit_emit(r, &f);
    }
}

static void run_sip_ip_no_auth(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "sip.conf");
    if (!c)
        return;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (!is_account_section(s) || sip_dynamic(c, s))
            continue;
        const vs_conf_entry *ins = vs_conf_get(c, s, "insecure");
        const char *secret = vs_conf_value(c, s, "secret");
        const char *md5 = vs_conf_value(c, s, "md5secret");
        if (!ins || !vs__audit_list_has(ins->value, "invite") || (secret && *secret) ||
            (md5 && *md5))
            continue;
        const char *ctx = sip_context(c, s);
        vs__dial_reach d;
        if (!reach(r, ctx, &d))
            continue;
        const vs_conf_entry *ce = vs_conf_get(c, s, "context");
        vs_finding f;
        vs__audit_start(r, ck, ce ? ce : ins, s, &f);
        vs_finding_set(f.user, sizeof f.user, s->name);
        if (d.international)
            f.severity = VS_SEV_CRITICAL;
        vs_finding_setf(f.explain, sizeof f.explain,
                        "Calls that come from the address of \"%s\" (host=%s) are accepted without "
                        "a password (insecure=%s, no secret) and land in the context \"%s\"%s. "
                        "Whoever can send traffic from, or forge, that address can make calls at "
                        "your cost.",
                        s->name, vs_conf_value(c, s, "host"), ins->value, ctx, reach_words(&d));
        vs_finding_set(f.advice, sizeof f.advice,
                       "Give calls from a provider their own context that only reaches your own "
                       "extensions (context=from-trunk), and never one that can dial out.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "host", vs_conf_value(c, s, "host"));
        vs_evidence_str(f.evidence, sizeof f.evidence, "insecure", ins->value);
        reach_evidence(&f, ctx, &d);
        vs__audit_emit(r, &f);
    }
}

static void run_sip_no_tls(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "sip.conf");
    if (!c || !has_accounts(c))
        return;
    const vs_conf_section *g = vs_conf_find(c, "general");
    const vs_conf_entry *e = g ? vs_conf_get(c, g, "tlsenable") : NULL;
    if (e && vs__conf_true(e->value))
        return;
    vs_finding f;
    if (e || g)
        vs__audit_start(r, ck, e, g, &f);
    else
        vs__audit_finding(r, ck, vs_conf_file_path(c, 0), 0, &f);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "chan_sip does not offer TLS (tlsenable is %s), so calls are set up in clear "
                    "text over UDP or TCP: anyone on the path can read who calls whom, change the "
                    "messages, and read the keys of encrypted media.",
                    e ? "no" : "not set, and its default is no");
    vs_finding_set(f.advice, sizeof f.advice,
                   "Set tlsenable=yes with a certificate (tlscertfile) in [general], and "
                   "transport=tls on the accounts of phones that connect over the Internet.");
    vs_evidence_str(f.evidence, sizeof f.evidence, "tlsenable", e ? e->value : "(default no)");
    vs__audit_emit(r, &f);
}

static void run_sip_no_srtp(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "sip.conf");
    if (!c)
        return;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (!is_account_section(s))
            continue;
        const vs_conf_entry *e = sip_get(c, s, "encryption");
        if (e && vs__conf_true(e->value))
            continue;
        vs_finding f;
        vs__audit_start(r, ck, e, s, &f);
        vs_finding_set(f.user, sizeof f.user, s->name);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "Calls with \"%s\" carry their sound unencrypted (encryption is %s): "
                        "anyone on the network path can record and replay the conversation.",
                        s->name, e ? "no" : "not set, and its default is no");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Set encryption=yes (SRTP) on the account, together with transport=tls so "
                       "that the media keys are not sent in clear.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "encryption", e ? e->value : "(default no)");
        vs__audit_emit(r, &f);
    }
}

static void run_sip_sdes_cleartext(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "sip.conf");
    if (!c)
        return;
    const vs_conf_section *g = vs_conf_find(c, "general");
    bool tls_on = g && vs__conf_true(vs_conf_value(c, g, "tlsenable"));
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (!is_account_section(s))
            continue;
        const vs_conf_entry *e = sip_get(c, s, "encryption");
        if (!e || !vs__conf_true(e->value))
            continue;
        const vs_conf_entry *t = sip_get(c, s, "transport");
        const char *tv = t ? t->value : "udp";
        if (tls_on && vs__audit_list_has(tv, "tls"))
            continue;
        vs_finding f;
        vs__audit_start(r, ck, e, s, &f);
        vs_finding_set(f.user, sizeof f.user, s->name);
        vs_finding_setf(
            f.explain, sizeof f.explain,
            "\"%s\" encrypts its media (encryption=yes), but the keys travel inside the "
            "call setup messages, and those are not protected by TLS (transport=%s%s). "
            "Anyone who can read the signalling can decrypt the calls.",
            s->name, tv, tls_on ? "" : ", tlsenable is off");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Enable TLS (tlsenable=yes in [general]) and set transport=tls on this "
                       "account.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "encryption", e->value);
        vs_evidence_str(f.evidence, sizeof f.evidence, "transport", tv);
        vs__audit_emit(r, &f);
    }
}

static void run_sip_tls_method(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf_section *g;
    const vs_conf_entry *e = vs__audit_ast_get(r, "sip.conf", "general", "tlsclientmethod", &g);
    if (!e || (strcasecmp(e->value, "sslv2") && strcasecmp(e->value, "sslv3") &&
               strcasecmp(e->value, "tlsv1")))
        return;
    vs_finding f;
    vs__audit_start(r, ck, e, g, &f);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "When chan_sip connects to another server over TLS it uses %s, a protocol "
                    "version with known weaknesses that current guidance (RFC 9325) says must not "
                    "be used.",
                    e->value);
    vs_finding_set(f.advice, sizeof f.advice,
                   "Remove tlsclientmethod (or set a current TLS version), and move to PJSIP, "
                   "which supports TLS 1.2 and 1.3.");
    vs_evidence_str(f.evidence, sizeof f.evidence, "tlsclientmethod", e->value);
    vs__audit_emit(r, &f);
}

static void run_sip_tls_verify(vs__audit_run *r, const vs__audit_check *ck)
{
    vs__audit_ast_flag(
        r, ck, "sip.conf", "general", "tlsdontverifyserver", true,
        "With tlsdontverifyserver=yes chan_sip accepts any certificate from the server "
        "it connects to, so an attacker in the path can pose as your provider and read "
        "or redirect the calls despite TLS.",
        "Set tlsdontverifyserver=no and give tlscafile the certificate authority of "
        "your provider.");
}

static void run_sip_deprecated(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "sip.conf");
    if (!c || vs_conf_section_count(c) == 0)
        return;
    const vs_conf_section *s = vs_conf_section_at(c, 0);
    vs_finding f;
    vs__audit_start(r, ck, NULL, s, &f);
    size_t accounts = 0;
    for (size_t i = 0; i < vs_conf_section_count(c); i++)
        accounts += is_account_section(vs_conf_section_at(c, i));
    vs_evidence_int(f.evidence, sizeof f.evidence, "accounts", (int64_t)accounts);
    vs__audit_finish(
        r, &f, NULL,
        "This system is configured for chan_sip, the old SIP driver of Asterisk. It was "
        "deprecated in Asterisk 17 and removed in Asterisk 21, so it no longer receives "
        "security fixes and lacks current TLS and SRTP options.",
        "Move the accounts to PJSIP (pjsip.conf); Asterisk ships a sip_to_pjsip "
        "conversion script. Remove sip.conf once nothing uses it.");
}

/* ---- PJSIP (pjsip.conf) -----------------------------------------------------------------------
 */

/* The endpoint section named name (pjsip.conf may use one name for several types). */
static const vs_conf_section *pj_endpoint(const vs_conf *c, const char *name)
{
    size_t it = 0;
    const vs_conf_section *s;
    while ((s = vs_conf_find_next(c, name, &it)) != NULL)
        if (!s->is_template && vs__audit_type_is(c, s, "endpoint"))
            return s;
    return NULL;
}

static const char *pj_context(const vs_conf *c, const vs_conf_section *s)
{
    const char *ctx = vs_conf_value(c, s, "context");
    return ctx && *ctx ? ctx : "default"; /* res_pjsip's default */
}

static bool pj_secure_protocol(const char *p)
{
    return p && (!strcasecmp(p, "tls") || !strcasecmp(p, "wss"));
}

/* The transport section named name. */
static const vs_conf_section *pj_transport(const vs_conf *c, const char *name)
{
    size_t it = 0;
    const vs_conf_section *s;
    while ((s = vs_conf_find_next(c, name, &it)) != NULL)
        if (!s->is_template && vs__audit_type_is(c, s, "transport"))
            return s;
    return NULL;
}

/* Counts the transports, and the secure ones (tls, wss). */
static void pj_transports(const vs_conf *c, size_t *all, size_t *secure,
                          const vs_conf_section **first)
{
    *all = *secure = 0;
    *first = NULL;
    size_t it = 0;
    for (const vs_conf_section *s; (s = vs__audit_next_of_type(c, "transport", &it));) {
        if (!*first)
            *first = s;
        (*all)++;
        *secure += pj_secure_protocol(vs_conf_value(c, s, "protocol"));
    }
}

static void run_pj_ip_no_auth(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "pjsip.conf");
    if (!c)
        return;
    size_t it = 0;
    for (const vs_conf_section *id; (id = vs__audit_next_of_type(c, "identify", &it));) {
        const vs_conf_entry *m = vs_conf_get(c, id, "match");
        const char *epname = vs_conf_value(c, id, "endpoint");
        if (!m || !epname)
            continue;
        const vs_conf_section *ep = pj_endpoint(c, epname);
        if (!ep)
            continue;
        const char *auth = vs_conf_value(c, ep, "auth");
        const char *oauth = vs_conf_value(c, ep, "outbound_auth");
        if ((auth && *auth) || (oauth && *oauth))
            continue;
        const char *ctx = pj_context(c, ep);
        vs__dial_reach d;
        if (!reach(r, ctx, &d))
            continue;
        const vs_conf_entry *ce = vs_conf_get(c, ep, "context");
        vs_finding f;
        vs__audit_start(r, ck, ce, ep, &f);
        vs_finding_set(f.user, sizeof f.user, ep->name);
        if (d.international)
            f.severity = VS_SEV_CRITICAL;
        vs_finding_setf(f.explain, sizeof f.explain,
                        "Calls from %s are taken as the endpoint \"%s\" (identify \"%s\") without "
                        "any password: the endpoint has neither auth nor outbound_auth. They land "
                        "in the context \"%s\"%s. Whoever can send traffic from, or forge, that "
                        "address can make calls at your cost.",
                        m->value, ep->name, id->name, ctx, reach_words(&d));
        vs_finding_set(
            f.advice, sizeof f.advice,
            "Give calls from a provider a context of their own that only reaches your "
            "extensions (context=from-trunk); if the endpoint is a device of yours, make "
            "it authenticate with an auth= section instead of its address.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "identify", id->name);
        vs_evidence_str(f.evidence, sizeof f.evidence, "match", m->value);
        reach_evidence(&f, ctx, &d);
        vs__audit_emit(r, &f);
    }
}

static void run_pj_anonymous(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "pjsip.conf");
    const vs_conf_section *ep = c ? pj_endpoint(c, "anonymous") : NULL;
    if (!ep)
        return;
    const char *ctx = pj_context(c, ep);
    vs__dial_reach d;
    if (!reach(r, ctx, &d))
        return;
    vs_finding f;
    vs__audit_start(r, ck, vs_conf_get(c, ep, "context"), ep, &f);
    vs_finding_set(f.user, sizeof f.user, ep->name);
    if (d.international)
        f.severity = VS_SEV_CRITICAL;
    vs_finding_setf(f.explain, sizeof f.explain,
                    "The endpoint \"anonymous\" takes calls from anyone that no other endpoint "
                    "matches, without a password, and sends them to the context \"%s\"%s. "
                    "Attackers look for exactly this to make calls at your cost.",
                    ctx, reach_words(&d));
    vs_finding_set(f.advice, sizeof f.advice,
                   "Remove the anonymous endpoint, or point its context at one that only answers "
                   "your public numbers and cannot dial out.");
    reach_evidence(&f, ctx, &d);
    vs__audit_emit(r, &f);
}

static void run_pj_no_tls(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "pjsip.conf");
    if (!c)
        return;
    size_t all, secure;
    const vs_conf_section *first;
    pj_transports(c, &all, &secure, &first);
    if (all == 0 || secure > 0)
        return;
    vs_finding f;
    vs__audit_start(r, ck, vs_conf_get(c, first, "protocol"), first, &f);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "None of the %zu PJSIP transports uses TLS: calls are set up in clear text, so "
                    "anyone on the path can read who calls whom, change the messages, and read the "
                    "keys of encrypted media.",
                    all);
    vs_finding_set(f.advice, sizeof f.advice,
                   "Add a transport with protocol=tls (port 5061, a certificate, method=tlsv1_2 "
                   "or later) and use it for phones that connect over the Internet and for "
                   "providers that support it.");
    vs_evidence_int(f.evidence, sizeof f.evidence, "transports", (int64_t)all);
    vs_evidence_int(f.evidence, sizeof f.evidence, "tls_transports", 0);
    vs__audit_emit(r, &f);
}

static bool pj_media_encrypted(const vs_conf *c, const vs_conf_section *s, const vs_conf_entry **me)
{
    *me = vs_conf_get(c, s, "media_encryption");
    if (vs__conf_true(vs_conf_value(c, s, "webrtc")))
        return true; /* webrtc=yes implies DTLS-SRTP */
    return *me && (*me)->value[0] && strcasecmp((*me)->value, "no") != 0;
}

static void run_pj_no_srtp(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "pjsip.conf");
    if (!c)
        return;
    size_t it = 0;
    for (const vs_conf_section *s; (s = vs__audit_next_of_type(c, "endpoint", &it));) {
        const vs_conf_entry *me;
        if (pj_media_encrypted(c, s, &me))
            continue;
        vs_finding f;
        vs__audit_start(r, ck, me, s, &f);
        vs_finding_set(f.user, sizeof f.user, s->name);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "Calls with the endpoint \"%s\" carry their sound unencrypted "
                        "(media_encryption is %s): anyone on the network path can record the "
                        "conversation.",
                        s->name, me ? "no" : "not set, and its default is no");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Set media_encryption=sdes together with a TLS transport (or dtls for "
                       "WebRTC) on the endpoint, once the phone or provider supports SRTP.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "media_encryption",
                        me ? me->value : "(default no)");
        vs__audit_emit(r, &f);
    }
}

/* PJSIP has two places for address limits: a global "type=acl" section (res_pjsip_acl, it
 * applies to every request) and acl/deny/permit or contact_acl/contact_deny/contact_permit on the
 * endpoint itself. A phone endpoint (it authenticates with auth=) with neither may register from
 * anywhere. */
static void run_pj_no_acl(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "pjsip.conf");
    if (!c)
        return;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (!s->is_template && vs__audit_type_is(c, s, "acl"))
            return; /* a global ACL covers every endpoint */
    }
    static const char *const keys[] = {"acl",        "deny",         "permit",
                                       "contact_acl", "contact_deny", "contact_permit"};
    size_t it = 0;
    for (const vs_conf_section *s; (s = vs__audit_next_of_type(c, "endpoint", &it));) {
        if (!vs_conf_value(c, s, "auth"))
            continue;
        bool limited = false;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0] && !limited; k++)
            limited = vs_conf_get(c, s, keys[k]) != NULL;
        if (limited)
            continue;
        vs_finding f;
        vs__audit_start(r, ck, NULL, s, &f); /* what is missing belongs in the section */
        vs_finding_set(f.user, sizeof f.user, s->name);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "The phone endpoint \"%s\" may register and call from any address on the "
                        "Internet: neither the endpoint nor a global type=acl section limits "
                        "where its requests may come from. A stolen or guessed password then "
                        "works from anywhere.",
                        s->name);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Add a [acl] section with type=acl, deny=0.0.0.0/0.0.0.0 and permit=<your "
                       "office network> to pjsip.conf, or deny/permit (or contact_deny/"
                       "contact_permit) lines on the endpoint.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "endpoint", s->name);
        vs_evidence_str(f.evidence, sizeof f.evidence, "auth", vs_conf_value(c, s, "auth"));
        vs_evidence_str(f.evidence, sizeof f.evidence, "address_limits", "none");
        vs__audit_emit(r, &f);
    }
}

static void run_pj_sdes_cleartext(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "pjsip.conf");
    if (!c)
        return;
    size_t all, secure;
    const vs_conf_section *first;
    pj_transports(c, &all, &secure, &first);
    size_t it = 0;
    for (const vs_conf_section *s; (s = vs__audit_next_of_type(c, "endpoint", &it));) {
        const vs_conf_entry *me = vs_conf_get(c, s, "media_encryption");
        if (!me || strcasecmp(me->value, "sdes"))
            continue;
        const char *tname = vs_conf_value(c, s, "transport");
        const char *proto = NULL;
        if (tname && *tname) {
            const vs_conf_section *t = pj_transport(c, tname);
            proto = t ? vs_conf_value(c, t, "protocol") : NULL;
            if (!proto)
                proto = "udp"; /* res_pjsip's default protocol */
            if (pj_secure_protocol(proto))
                continue;
        } else if (secure > 0) {
            continue; /* any transport may be used; a TLS one exists */
        }
        vs_finding f;
        vs__audit_start(r, ck, me, s, &f);
        vs_finding_set(f.user, sizeof f.user, s->name);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "The endpoint \"%s\" encrypts media with SDES, which puts the media keys "
                        "inside the call setup messages, but those travel without TLS (%s). "
                        "Anyone who can read the signalling can decrypt the calls.",
                        s->name, proto ? proto : "no TLS transport is configured");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Use SDES only over TLS: set transport= to a transport with protocol=tls "
                       "for this endpoint.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "media_encryption", me->value);
        if (tname && *tname)
            vs_evidence_str(f.evidence, sizeof f.evidence, "transport", tname);
        vs_evidence_str(f.evidence, sizeof f.evidence, "protocol", proto ? proto : "(no tls)");
        vs__audit_emit(r, &f);
    }
}

static void run_pj_optimistic(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "pjsip.conf");
    if (!c)
        return;
    size_t it = 0;
    for (const vs_conf_section *s; (s = vs__audit_next_of_type(c, "endpoint", &it));) {
        const vs_conf_entry *o = vs_conf_get(c, s, "media_encryption_optimistic");
        const vs_conf_entry *me;
        if (!o || !vs__conf_true(o->value) || !pj_media_encrypted(c, s, &me))
            continue;
        vs_finding f;
        vs__audit_start(r, ck, o, s, &f);
        vs_finding_set(f.user, sizeof f.user, s->name);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "The endpoint \"%s\" asks for encrypted media but, with "
                        "media_encryption_optimistic=yes, silently carries the call unencrypted "
                        "when the other side does not agree, and nobody notices.",
                        s->name);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Set media_encryption_optimistic=no where encryption is required, so that a "
                       "call that cannot be encrypted fails visibly.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "media_encryption_optimistic", o->value);
        vs__audit_emit(r, &f);
    }
}

static void run_pj_tls_method(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "pjsip.conf");
    if (!c)
        return;
    static const char *const old[] = {"sslv2", "sslv3", "tlsv1", "tlsv1_1", "sslv23"};
    size_t it = 0;
    for (const vs_conf_section *s; (s = vs__audit_next_of_type(c, "transport", &it));) {
        if (!pj_secure_protocol(vs_conf_value(c, s, "protocol")))
            continue;
        const vs_conf_entry *m = vs_conf_get(c, s, "method");
        if (!m)
            continue;
        size_t k = 0;
        while (k < sizeof old / sizeof old[0] && strcasecmp(m->value, old[k]))
            k++;
        if (k == sizeof old / sizeof old[0])
            continue;
        bool any = k == 4; /* sslv23: "any version", old ones included */
        vs_finding f;
        vs__audit_start(r, ck, m, s, &f);
        if (any)
            f.severity = VS_SEV_MEDIUM;
        vs_finding_setf(f.explain, sizeof f.explain,
                        "The TLS transport \"%s\" uses method=%s, which %s. Old SSL and TLS "
                        "versions (before TLS 1.2) have known weaknesses and current guidance "
                        "(RFC 9325) says they must not be negotiated.",
                        s->name, m->value,
                        any ? "lets the two sides settle on any version, old ones included"
                            : "is such an old protocol version");
        vs_finding_set(
            f.advice, sizeof f.advice,
            "Set method=tlsv1_2 (or tlsv1_3 where the phones and providers support it).");
        vs_evidence_str(f.evidence, sizeof f.evidence, "method", m->value);
        vs__audit_emit(r, &f);
    }
}

/* Is transport tname used toward a provider (a registration, or an endpoint with outbound_auth,
 * names it)? Asterisk is then the TLS client and verify_server decides whether it checks. */
static bool pj_trunk_transport(const vs_conf *c, const char *tname)
{
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (s->is_template)
            continue;
        const char *t = vs_conf_value(c, s, "transport");
        if (!t || strcasecmp(t, tname))
            continue;
        if (vs__audit_type_is(c, s, "registration") ||
            (vs__audit_type_is(c, s, "endpoint") && vs_conf_value(c, s, "outbound_auth")))
            return true;
    }
    return false;
}

static void run_pj_tls_verify(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "pjsip.conf");
    if (!c)
        return;
    size_t it = 0;
    for (const vs_conf_section *s; (s = vs__audit_next_of_type(c, "transport", &it));) {
        if (strcasecmp(vs_conf_value(c, s, "protocol") ? vs_conf_value(c, s, "protocol") : "",
                       "tls"))
            continue;
        const vs_conf_entry *v = vs_conf_get(c, s, "verify_server");
        if (v && !vs__conf_false(v->value))
            continue;
        bool trunk = pj_trunk_transport(c, s->name);
        if (!v && !trunk)
            continue; /* the default only matters when Asterisk connects out */
        vs_finding f;
        vs__audit_start(r, ck, v, s, &f);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "The TLS transport \"%s\" does not check the certificate of the servers "
                        "Asterisk connects to (verify_server is %s)%s. An attacker in the path can "
                        "pose as your provider and read or redirect the calls despite TLS.",
                        s->name, v ? "no" : "not set, and its default is no",
                        trunk ? ", and it is used toward a provider" : "");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Set verify_server=yes on the transport and give ca_list_file the "
                       "certificate authorities of your provider.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "verify_server",
                        v ? v->value : "(default no)");
        vs_evidence_raw(f.evidence, sizeof f.evidence, "toward_provider", trunk ? "true" : "false");
        vs__audit_emit(r, &f);
    }
}

static void run_pj_unauth_options(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "pjsip.conf");
    if (!c)
        return;
    size_t it = 0;
    for (const vs_conf_section *s; (s = vs__audit_next_of_type(c, "endpoint", &it));) {
        const vs_conf_entry *e = vs_conf_get(c, s, "allow_unauthenticated_options");
        if (!e || !vs__conf_true(e->value))
            continue;
        vs_finding f;
        vs__audit_start(r, ck, e, s, &f);
        vs_finding_set(f.user, sizeof f.user, s->name);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "The endpoint \"%s\" answers OPTIONS requests without asking for its "
                        "password. Scanners send OPTIONS to find servers and accounts; answering "
                        "them freely helps them.",
                        s->name);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Set allow_unauthenticated_options=no (the default) unless a device "
                       "really needs it for keep-alives.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "allow_unauthenticated_options", e->value);
        vs__audit_emit(r, &f);
    }
}

/* ---- IAX2 (iax.conf) --------------------------------------------------------------------------
 */

static void run_iax_plaintext(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "iax.conf");
    if (!c)
        return;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (s->is_template || vs__audit_sec_is(s, "callnumberlimits"))
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "auth");
        if (!e || !vs__audit_list_has(e->value, "plaintext"))
            continue;
        vs_finding f;
        vs__audit_start(r, ck, e, s, &f);
        if (!vs__audit_sec_is(s, "general"))
            vs_finding_set(f.user, sizeof f.user, s->name);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "IAX2 %s \"%s\" allows plaintext authentication (auth=%s): the password "
                        "crosses the network as it is and anyone on the path can read it.",
                        vs__audit_sec_is(s, "general") ? "default" : "account", s->name, e->value);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Use auth=md5 or, better, auth=rsa with key pairs, and choose a new "
                       "password since the old one may have been seen.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "auth", e->value);
        vs__audit_emit(r, &f);
    }
}

static void run_iax_calltoken(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *c = vs__audit_ast(r, "iax.conf");
    if (!c)
        return;
    for (size_t i = 0; i < vs_conf_section_count(c); i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        if (s->is_template)
            continue;
        const vs_conf_entry *e = vs_conf_get(c, s, "requirecalltoken");
        if (!e || !vs__conf_false(e->value))
            continue;
        vs_finding f;
        vs__audit_start(r, ck, e, s, &f);
        if (!vs__audit_sec_is(s, "general"))
            vs_finding_set(f.user, sizeof f.user, s->name);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "Call tokens are turned off for %s \"%s\" (requirecalltoken=no). Without "
                        "them, IAX2 accepts calls from forged source addresses, which lets "
                        "attackers exhaust the server's call numbers or hide where they are.",
                        vs__audit_sec_is(s, "general") ? "the section" : "the account", s->name);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Remove requirecalltoken=no (the default is yes); if an old device cannot "
                       "do call tokens, replace it or limit it with calltokenoptional to its own "
                       "address.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "requirecalltoken", e->value);
        vs__audit_emit(r, &f);
    }
}

/* ---- the table ---------------------------------------------------------------------------- */

#define AST VS_CONF_PRODUCT_ASTERISK
#define NET VS_PRACTICE_NETWORK
#define CHECK(var, id, practice, sev, title, why, fn)                                              \
    static const vs__audit_check var = {{id, AST, practice, sev, title, why}, fn}

CHECK(sip_allowguest, "asterisk.sip.allowguest", NET, VS_SEV_HIGH,
      "chan_sip accepts calls from callers who never log in",
      "allowguest defaults to yes: unauthenticated callers land in the general context and can "
      "reach whatever it dials (toll fraud).",
      run_sip_allowguest);
CHECK(sip_authreject, "asterisk.sip.alwaysauthreject", NET, VS_SEV_MEDIUM,
      "chan_sip tells scanners which extensions exist",
      "alwaysauthreject=no answers unknown and known users differently, which lets scanners "
      "enumerate extensions (AST-2009-003, AST-2011-011).",
      run_sip_alwaysauthreject);
CHECK(sip_insecure, "asterisk.sip.insecure-invite", NET, VS_SEV_HIGH,
      "A phone account may call without its password",
      "insecure=invite skips authentication of INVITEs; on a host=dynamic peer anyone can call "
      "as it.",
      run_sip_insecure);
CHECK(sip_no_acl, "asterisk.sip.no-acl", NET, VS_SEV_MEDIUM,
      "A phone account may register from anywhere",
      "A host=dynamic peer without permit/deny/acl accepts registrations from any address.",
      run_sip_no_acl);
CHECK(sip_ip_no_auth, "asterisk.sip.ip-no-auth", NET, VS_SEV_HIGH,
      "Calls identified by address alone can dial out",
      "A peer with a fixed host, no secret and insecure=invite is trusted by address; when its "
      "context dials out, a forged address is enough for toll fraud.",
      run_sip_ip_no_auth);
CHECK(sip_no_tls, "asterisk.sip.no-tls", NET, VS_SEV_MEDIUM, "chan_sip signalling is not encrypted",
      "Without tlsenable, SIP (and SDES media keys) travel in clear.", run_sip_no_tls);
CHECK(sip_no_srtp, "asterisk.sip.no-srtp", NET, VS_SEV_MEDIUM, "Calls are not encrypted",
      "encryption defaults to no: RTP media travels in clear.", run_sip_no_srtp);
CHECK(sip_sdes_clear, "asterisk.sip.sdes-cleartext", NET, VS_SEV_HIGH,
      "Media keys are sent in clear",
      "encryption=yes uses SDES, whose keys ride in the SDP; without TLS anyone can read them.",
      run_sip_sdes_cleartext);
CHECK(sip_tls_method, "asterisk.sip.tls-old-method", NET, VS_SEV_HIGH,
      "chan_sip uses an old TLS version",
      "tlsclientmethod sslv2/sslv3/tlsv1 are legacy protocols that RFC 9325 forbids.",
      run_sip_tls_method);
CHECK(sip_tls_verify, "asterisk.sip.tls-no-verify", NET, VS_SEV_MEDIUM,
      "chan_sip does not check server certificates",
      "tlsdontverifyserver=yes accepts any certificate, so TLS does not stop an impostor.",
      run_sip_tls_verify);
CHECK(sip_deprecated, "asterisk.sip.deprecated-driver", NET, VS_SEV_INFO,
      "The chan_sip driver is deprecated",
      "chan_sip was deprecated in Asterisk 17 and removed in Asterisk 21; it gets no security "
      "fixes.",
      run_sip_deprecated);
CHECK(pj_ip_no_auth, "asterisk.pjsip.ip-no-auth", NET, VS_SEV_HIGH,
      "Calls identified by address alone can dial out",
      "An endpoint matched by identify with neither auth nor outbound_auth is trusted by "
      "address; when its context dials out, a forged address is enough for toll fraud.",
      run_pj_ip_no_auth);
CHECK(pj_anonymous, "asterisk.pjsip.anonymous-outbound", NET, VS_SEV_HIGH,
      "Anonymous callers can dial out",
      "The [anonymous] endpoint takes unidentified callers without authentication; a context "
      "that dials out makes it a toll-fraud gateway.",
      run_pj_anonymous);
CHECK(pj_no_tls, "asterisk.pjsip.no-tls-transport", NET, VS_SEV_MEDIUM,
      "PJSIP signalling is not encrypted",
      "With only udp/tcp transports, SIP (and SDES media keys) travel in clear.", run_pj_no_tls);
CHECK(pj_no_acl, "asterisk.pjsip.no-acl", NET, VS_SEV_MEDIUM,
      "A phone endpoint may register from anywhere",
      "PJSIP endpoints that authenticate with a password but have no deny/permit, contact ACL "
      "or global type=acl section accept a guessed password from any address (AST-SIPS; "
      "res_pjsip endpoint acl/deny/permit options).",
      run_pj_no_acl);
CHECK(pj_no_srtp, "asterisk.pjsip.no-srtp", NET, VS_SEV_MEDIUM, "Calls are not encrypted",
      "media_encryption defaults to no: RTP media travels in clear.", run_pj_no_srtp);
CHECK(pj_sdes_clear, "asterisk.pjsip.sdes-cleartext", NET, VS_SEV_HIGH,
      "Media keys are sent in clear",
      "media_encryption=sdes puts the keys in the SDP; res_pjsip's documentation asks for an "
      "encrypted transport with it.",
      run_pj_sdes_cleartext);
CHECK(pj_optimistic, "asterisk.pjsip.srtp-optimistic", NET, VS_SEV_MEDIUM,
      "Encryption silently falls back to clear",
      "media_encryption_optimistic=yes lets a call continue unencrypted when SRTP is not agreed.",
      run_pj_optimistic);
CHECK(pj_tls_method, "asterisk.pjsip.tls-old-method", NET, VS_SEV_HIGH,
      "A TLS transport allows old protocol versions",
      "method sslv23/tlsv1/tlsv1_1 permits TLS versions that RFC 9325 says must not be "
      "negotiated.",
      run_pj_tls_method);
CHECK(pj_tls_verify, "asterisk.pjsip.tls-no-verify", NET, VS_SEV_MEDIUM,
      "PJSIP does not check server certificates",
      "verify_server=no (the default) toward a provider accepts any certificate.",
      run_pj_tls_verify);
CHECK(pj_unauth_options, "asterisk.pjsip.unauthenticated-options", NET, VS_SEV_LOW,
      "OPTIONS are answered without a password",
      "allow_unauthenticated_options=yes answers scanners' OPTIONS probes without "
      "authentication.",
      run_pj_unauth_options);
CHECK(iax_plaintext, "asterisk.iax.plaintext-auth", NET, VS_SEV_HIGH,
      "IAX2 passwords may cross the network in clear",
      "auth=plaintext sends the IAX2 secret as it is.", run_iax_plaintext);
CHECK(iax_calltoken, "asterisk.iax.no-calltoken", NET, VS_SEV_MEDIUM, "IAX2 call tokens are off",
      "requirecalltoken=no accepts calls from spoofed addresses (call-number exhaustion, "
      "AST-2009-006).",
      run_iax_calltoken);

const vs__audit_check *const vs__checks_ast_sip[] = {
    &sip_allowguest,
    &sip_authreject,
    &sip_insecure,
    &sip_no_acl,
    &sip_ip_no_auth,
    &sip_no_tls,
    &sip_no_srtp,
    &sip_sdes_clear,
    &sip_tls_method,
    &sip_tls_verify,
    &sip_deprecated,
    &pj_ip_no_auth,
    &pj_anonymous,
    &pj_no_tls,
    &pj_no_acl,
    &pj_no_srtp,
    &pj_sdes_clear,
    &pj_optimistic,
    &pj_tls_method,
    &pj_tls_verify,
    &pj_unauth_options,
    &iax_plaintext,
    &iax_calltoken,
    NULL,
};
