/* Asterisk dialplan checks (extensions.conf): the dialled number or the caller id passed
 * unfiltered into applications that dial or run commands, international routes reachable from the
 * default context and from the contexts that calls from outside land in, and the sample `demo`
 * context left included.
 *
 * Design: the dialplan is read by dialplan.c (vs__dialplan_walk / vs__dialplan_reach), a
 * best-effort static analysis documented there. The injection checks look at every line of every
 * context, following Gosub/Macro arguments from each context (one finding per line). The
 * reachability checks start from entry contexts:
 *   - `default` (asterisk.dialplan.default-reaches-outbound);
 *   - inbound contexts (asterisk.dialplan.inbound-reaches-international): contexts named like
 *     inbound, incoming, from-trunk, from-pstn, from-external, from-provider, from-itsp, from-did,
 *     ext-did or public, and the contexts of trunks as the configuration describes them: a
 *     pjsip.conf endpoint with outbound_auth, or named by an identify or registration `endpoint=`;
 *     a sip.conf peer with type=peer or a fixed host (not dynamic). `default`
 *     itself is left to default-reaches-outbound. One finding per international route, listing
 *     the entry contexts that reach it.
 *   - for `include => demo`, every entry context above plus every context an endpoint, peer or
 *     [general] context= names.
 * Practice: network (a path into paid calls without authentication, or an injection through the
 * signalling, is a hole in the SIP front door). Sources: docs/audit-checks.md. */
#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/check.h"


#define MAX_ENTRIES 128
#define MAX_SEEN 4096

/* ---- helpers -------------------------------------------------------------------------------- */

static bool app_is(const char *app, const char *name)
{
    return strcasecmp(app, name) == 0;
}

/* Copies a dialplan line for evidence with credentials removed: "user:secret@host" (IAX2 and
 * sip: URIs) becomes "user:***@host". A ':' inside ${...} (${EXTEN:1}) is not a secret. */
static void redact(const char *in, char *out, size_t size)
{
    snprintf(out, size, "%s", in);
    for (char *at = strchr(out, '@'); at; at = strchr(at + 1, '@')) {
        char *p = at;
        while (p > out && !strchr("/,(&|", p[-1]))
            p--;
        char *colon = NULL;
        for (char *q = p; q < at; q++)
            if (*q == ':')
                colon = q;
        if (!colon || memchr(colon, '}', (size_t)(at - colon)))
            continue;
        if (!strncasecmp(p, "sip:", 4) && colon == p + 3)
            continue; /* sip:user@host: no password */
        size_t tail = strlen(at);
        if ((size_t)(colon + 4 - out) + tail + 1 > size)
            continue;
        memmove(colon + 4, at, tail + 1);
        memcpy(colon + 1, "***", 3);
        at = colon + 4;
    }
}

static void evidence_line(vs_finding *f, const vs_conf_entry *e, const char *context)
{
    char buf[512];
    vs_evidence_str(f->evidence, sizeof f->evidence, "context", context);
    redact(e->value ? e->value : "", buf, sizeof buf);
    vs_evidence_str(f->evidence, sizeof f->evidence, e->key, buf);
}

/* A set of entries already reported (by address), bounded. */
typedef struct seen_set {
    const vs_conf_entry *e[MAX_SEEN];
    size_t n;
} seen_set;

static bool seen_add(seen_set *s, const vs_conf_entry *e)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->e[i] == e)
            return false;
    if (s->n < MAX_SEEN)
        s->e[s->n++] = e;
    return true;
}

static bool is_context(const vs_conf_section *s)
{
    return !s->is_template && s->name[0] && strcasecmp(s->name, "general") &&
           strcasecmp(s->name, "globals");
}

/* ---- asterisk.dialplan.exten-injection ------------------------------------------------------ */

typedef struct inj_ctx {
    vs__audit_run *r;
    const vs__audit_check *ck;
    seen_set *seen;
} inj_ctx;

static void inj_step(void *vctx, const vs_conf_entry *e, const char *context, const char *pattern,
                     const char *number, bool carried_unfiltered, const char *app, const char *args)
{
    inj_ctx *x = vctx;
    if (!pattern)
        return;
    bool shell = app_is(app, "System") || app_is(app, "TrySystem") || strcasestr(args, "SHELL(");
    bool dial = app_is(app, "Dial") || app_is(app, "Queue") || app_is(app, "Originate") ||
                app_is(app, "Page");
    if (!shell && !dial)
        return;
    const char *how = NULL;
    if (vs__dialplan_pattern_broad(pattern) && vs__dialplan_unfiltered(args, "EXTEN"))
        how = "EXTEN";
    else if (carried_unfiltered && vs__dialplan_unfiltered(args, "ARG"))
        how = "ARG";
    else if (vs__dialplan_pattern_broad(number) && vs__dialplan_unfiltered(args, "MACRO_EXTEN"))
        how = "MACRO_EXTEN";
    if (!how || !seen_add(x->seen, e))
        return;
    vs_finding f;
    vs__audit_finding_at(x->r, x->ck, e, &f);
    if (shell) {
        f.severity = VS_SEV_CRITICAL;
        vs_finding_setf(f.title, sizeof f.title,
                        "The dialled number is passed to a system command (%s)", app);
        vs_finding_setf(
            f.explain, sizeof f.explain,
            "Context [%s] matches the dialled number with the open pattern %s, which accepts "
            "any character, and hands it unchecked to %s, which runs a command on the server. "
            "A caller who dials letters and symbols instead of digits can make the server run "
            "commands of their choosing.",
            context, number && strcmp(how, "EXTEN") ? number : pattern, app);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Keep only digits before using the number: ${FILTER(0123456789,${EXTEN})}, "
                       "and match numbers with a strict pattern (_NXXXXXX) rather than '.' or "
                       "'!'. Better still, avoid running shell commands from the dialplan.");
    } else {
        vs_finding_setf(
            f.explain, sizeof f.explain,
            "Context [%s] matches the dialled number with the open pattern %s, which accepts "
            "any character, and puts it unchecked into %s. A caller can dial a 'number' such as "
            "500&PJSIP/provider/0119999999 and the server adds a call of their choosing through "
            "your provider, at your cost (Asterisk advisory AST-2010-002).",
            context, number && strcmp(how, "EXTEN") ? number : pattern, app);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Filter the number to digits before dialling: "
                       "Dial(PJSIP/${FILTER(0123456789,${EXTEN})}@provider), and prefer strict "
                       "patterns (_0[1-9]XXXXXXXX) to '.' and '!'.");
    }
    evidence_line(&f, e, context);
    vs_evidence_str(f.evidence, sizeof f.evidence, "pattern", pattern);
    char var[24];
    snprintf(var, sizeof var, "${%s}", how);
    vs_evidence_str(f.evidence, sizeof f.evidence, "variable", var);
    vs__audit_emit(x->r, &f);
}

static void run_exten_injection(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *ext = vs__audit_ast(r, "extensions.conf");
    if (!ext)
        return;
    seen_set *seen = calloc(1, sizeof *seen);
    if (!seen)
        return;
    inj_ctx x = {r, ck, seen};
    /* from every context, so that Gosub/Macro arguments are followed; each line reported once */
    for (size_t i = 0; i < vs_conf_section_count(ext); i++) {
        const vs_conf_section *s = vs_conf_section_at(ext, i);
        if (is_context(s))
            vs__dialplan_walk(ext, s->name, inj_step, &x);
    }
    free(seen);
}

/* ---- asterisk.dialplan.callerid-injection --------------------------------------------------- */

typedef struct cid_ctx {
    vs__audit_run *r;
    const vs__audit_check *ck;
} cid_ctx;

static void cid_step(void *vctx, const vs_conf_entry *e, const char *context, const char *pattern,
                     const char *number, bool carried_unfiltered, const char *app, const char *args)
{
    cid_ctx *x = vctx;
    (void)number;
    (void)carried_unfiltered;
    if (!pattern)
        return;
    const char *where = NULL;
    if (app_is(app, "System") || app_is(app, "TrySystem")) {
        if (vs__dialplan_unfiltered(args, "CALLERID"))
            where = app;
    } else if (strcasestr(args, "SHELL(") && vs__dialplan_unfiltered(args, "CALLERID")) {
        where = "SHELL()";
    } else if (app_is(app, "MixMonitor")) {
        /* MixMonitor(file,options,command): the command runs when the recording ends */
        const char *c1 = strchr(args, ',');
        const char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (c2 && vs__dialplan_unfiltered(c2 + 1, "CALLERID"))
            where = "MixMonitor's command";
    } else if (app_is(app, "Set") && (!strncasecmp(args, "MONITOR_EXEC", 12) ||
                                      !strncasecmp(args, "MIXMONITOR_EXEC", 15))) {
        if (vs__dialplan_unfiltered(args, "CALLERID"))
            where = "the recording's post-processing command";
    }
    if (!where)
        return;
    vs_finding f;
    vs__audit_finding_at(x->r, x->ck, e, &f);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "Context [%s] puts the caller id into %s, which the server runs as a "
                    "command. Whoever places a call chooses their own caller id name and "
                    "number, so a caller can send text that makes the server run commands of "
                    "their choosing.",
                    context, where);
    vs_finding_set(f.advice, sizeof f.advice,
                   "Never pass the caller id to a shell. If you must, keep only safe characters "
                   "first: ${FILTER(0123456789+,${CALLERID(num)})}; better, hand the call data to "
                   "an AGI script or AMI client that treats it as data.");
    evidence_line(&f, e, context);
    vs__audit_emit(x->r, &f);
}

static void run_callerid_injection(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *ext = vs__audit_ast(r, "extensions.conf");
    if (!ext)
        return;
    cid_ctx x = {r, ck};
    vs__dialplan_walk(ext, NULL, cid_step, &x);
}

/* ---- entry contexts ------------------------------------------------------------------------- */

typedef struct entry_ctx {
    char name[96];
    char why[160]; /* "pjsip.conf endpoint trunk-provider (outbound_auth)" */
} entry_ctx;

typedef struct entry_list {
    entry_ctx v[MAX_ENTRIES];
    size_t n;
} entry_list;

static void entry_add(entry_list *l, const char *name, const char *why)
{
    if (!name || !*name)
        return;
    for (size_t i = 0; i < l->n; i++)
        if (!strcasecmp(l->v[i].name, name))
            return;
    if (l->n >= MAX_ENTRIES)
        return;
    snprintf(l->v[l->n].name, sizeof l->v[l->n].name, "%s", name);
    snprintf(l->v[l->n].why, sizeof l->v[l->n].why, "%s", why);
    l->n++;
}

static bool inbound_name(const char *name)
{
    static const char *const words[] = {
        "inbound",   "incoming", "from-trunk", "from-pstn", "from-external",    "from-provider",
        "from-itsp", "from-did", "ext-did",    "public",    "from-sip-external"};
    char low[96];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof low; i++)
        low[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    low[i] = '\0';
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (strstr(low, words[k]))
            return true;
    return false;
}

/* Is the pjsip endpoint called name a trunk: named by an identify or registration endpoint=? */
static const char *pjsip_named_by(const vs_conf *pj, const char *name)
{
    for (size_t i = 0; i < vs_conf_section_count(pj); i++) {
        const vs_conf_section *s = vs_conf_section_at(pj, i);
        if (s->is_template)
            continue;
        const char *ep = vs_conf_value(pj, s, "endpoint");
        if (ep && !strcasecmp(ep, name)) {
            if (vs__audit_type_is(pj, s, "identify"))
                return "an identify section naming it";
            if (vs__audit_type_is(pj, s, "registration"))
                return "a registration naming it";
        }
    }
    return NULL;
}

/* Adds the contexts calls from trunks land in (trunks_only) or every configured context. */
static void endpoint_contexts(const vs__audit_run *r, entry_list *l, bool trunks_only)
{
    char why[160];
    const vs_conf *pj = vs__audit_ast(r, "pjsip.conf");
    size_t it = 0;
    for (const vs_conf_section *s; (s = vs__audit_next_of_type(pj, "endpoint", &it));) {
        const char *ctx = vs_conf_value(pj, s, "context");
        const char *mark =
            vs_conf_value(pj, s, "outbound_auth") ? "outbound_auth" : pjsip_named_by(pj, s->name);
        if (trunks_only && !mark)
            continue;
        if (mark)
            snprintf(why, sizeof why, "the context of the trunk %s, a pjsip.conf endpoint with %s",
                     s->name, mark);
        else
            snprintf(why, sizeof why, "the context of pjsip.conf endpoint %s", s->name);
        entry_add(l, ctx && *ctx ? ctx : "default", why);
    }
    const vs_conf *sip = vs__audit_ast(r, "sip.conf");
    if (!sip)
        return;
    const vs_conf_section *g = vs_conf_find(sip, "general");
    const char *gctx = g ? vs_conf_value(sip, g, "context") : NULL;
    if (!trunks_only && gctx)
        entry_add(l, gctx, "sip.conf's [general] context");
    for (size_t i = 0; i < vs_conf_section_count(sip); i++) {
        const vs_conf_section *s = vs_conf_section_at(sip, i);
        if (s->is_template || !strcasecmp(s->name, "general") ||
            !strcasecmp(s->name, "authentication"))
            continue;
        /* a phone with insecure=invite is asterisk.sip.insecure-invite's, not a trunk */
        const char *host = vs_conf_value(sip, s, "host");
        const char *mark = vs__audit_type_is(sip, s, "peer")              ? "type=peer"
                           : host && *host && strcasecmp(host, "dynamic") ? "fixed host"
                                                                          : NULL;
        if (trunks_only && !mark)
            continue;
        const char *ctx = vs_conf_value(sip, s, "context");
        if (!ctx || !*ctx)
            ctx = gctx && *gctx ? gctx : "default";
        if (mark)
            snprintf(why, sizeof why, "the context of the trunk %s, a sip.conf peer with %s",
                     s->name, mark);
        else
            snprintf(why, sizeof why, "the context of sip.conf peer %s", s->name);
        entry_add(l, ctx, why);
    }
}

static void inbound_contexts(const vs__audit_run *r, const vs_conf *ext, entry_list *l)
{
    for (size_t i = 0; i < vs_conf_section_count(ext); i++) {
        const vs_conf_section *s = vs_conf_section_at(ext, i);
        if (is_context(s) && inbound_name(s->name))
            entry_add(l, s->name, "its name marks it as the context for incoming calls");
    }
    endpoint_contexts(r, l, true);
}

/* ---- asterisk.dialplan.default-reaches-outbound --------------------------------------------- */

static void run_default_outbound(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *ext = vs__audit_ast(r, "extensions.conf");
    if (!ext || !vs_conf_find(ext, "default"))
        return;
    vs__dial_reach d;
    vs__dialplan_reach(ext, "default", &d);
    if (!d.outbound || !d.where)
        return;
    vs_finding f;
    vs__audit_finding_at(r, ck, d.where, &f);
    if (d.international) {
        f.severity = VS_SEV_CRITICAL;
        vs_finding_set(f.title, sizeof f.title,
                       "The default context can call international numbers");
    }
    vs_finding_setf(
        f.explain, sizeof f.explain,
        "The [default] context leads (directly, by include or by Goto) to this line, which "
        "places calls out through your provider%s. Asterisk puts calls it cannot place "
        "anywhere else in [default]: guests on chan_sip (allowguest), endpoints without a "
        "context. Whoever reaches it can make calls that you pay for: this is how most toll "
        "fraud starts.",
        d.international ? ", to international numbers too" : "");
    vs_finding_set(f.advice, sizeof f.advice,
                   "Keep [default] empty or make it answer and hang up (exten => _.,1,Hangup()). "
                   "Put outbound routes in a context that only authenticated office phones use, "
                   "and bar international calls you do not need, also at your provider.");
    evidence_line(&f, d.where, "default");
    vs_evidence_raw(f.evidence, sizeof f.evidence, "reaches_international",
                    d.international ? "true" : "false");
    vs__audit_emit(r, &f);
}

/* ---- asterisk.dialplan.inbound-reaches-international ---------------------------------------- */

typedef struct route_hit {
    const vs_conf_entry *where;
    char contexts[400]; /* JSON array text of entry contexts */
    char first[96];
    char why[160];
} route_hit;

static void run_inbound_international(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *ext = vs__audit_ast(r, "extensions.conf");
    if (!ext)
        return;
    entry_list *l = calloc(1, sizeof *l);
    route_hit *hits = calloc(MAX_ENTRIES, sizeof *hits);
    size_t nh = 0;
    if (!l || !hits)
        goto done;
    inbound_contexts(r, ext, l);
    for (size_t i = 0; i < l->n; i++) {
        if (!strcasecmp(l->v[i].name, "default") || !vs_conf_find(ext, l->v[i].name))
            continue;
        vs__dial_reach d;
        vs__dialplan_reach(ext, l->v[i].name, &d);
        if (!d.international || !d.where)
            continue;
        size_t k = 0;
        while (k < nh && hits[k].where != d.where)
            k++;
        if (k == nh) {
            nh++;
            hits[k].where = d.where;
            snprintf(hits[k].first, sizeof hits[k].first, "%s", l->v[i].name);
            snprintf(hits[k].why, sizeof hits[k].why, "%s", l->v[i].why);
            snprintf(hits[k].contexts, sizeof hits[k].contexts, "[]");
        }
        /* append "name" to the JSON array when it fits */
        char item[128];
        char esc[100];
        size_t o = 0;
        for (const char *p = l->v[i].name; *p && o + 2 < sizeof esc; p++)
            if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
                esc[o++] = *p;
        esc[o] = '\0';
        size_t cl = strlen(hits[k].contexts);
        snprintf(item, sizeof item, "%s\"%s\"]", cl > 2 ? "," : "", esc);
        if (cl - 1 + strlen(item) < sizeof hits[k].contexts)
            snprintf(hits[k].contexts + cl - 1, sizeof hits[k].contexts - cl + 1, "%s", item);
    }
    for (size_t k = 0; k < nh; k++) {
        vs_finding f;
        vs__audit_finding_at(r, ck, hits[k].where, &f);
        vs_finding_setf(
            f.explain, sizeof f.explain,
            "Calls that come in from outside land in [%s] (%s), and from there the dialplan "
            "leads to this line, which dials international numbers through your provider. "
            "Anyone who can send a call to your server (or pretend to be your provider) can "
            "then call expensive international and premium numbers at your cost: the classic "
            "toll-fraud path.",
            hits[k].first, hits[k].why);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Let the inbound context reach only your own extensions (Goto to a "
                       "literal extension, or include a context of local extensions only); never "
                       "include the context that holds outbound routes. Bar international "
                       "destinations you do not call, also at your provider.");
        evidence_line(&f, hits[k].where, hits[k].first);
        vs_evidence_raw(f.evidence, sizeof f.evidence, "entry_contexts", hits[k].contexts);
        vs_evidence_str(f.evidence, sizeof f.evidence, "entered_from", hits[k].why);
        vs__audit_emit(r, &f);
    }
done:
    free(l);
    free(hits);
}

/* ---- asterisk.dialplan.demo-included -------------------------------------------------------- */

typedef struct demo_ctx {
    const vs_conf_entry *hits[64];
    char from[64][96];
    size_t n;
    const char *entry;
} demo_ctx;

static void demo_step(void *vctx, const vs_conf_entry *e, const char *context, const char *pattern,
                      const char *number, bool carried_unfiltered, const char *app,
                      const char *args)
{
    demo_ctx *x = vctx;
    (void)context;
    (void)pattern;
    (void)number;
    (void)carried_unfiltered;
    if (strcmp(app, "include") || strcasecmp(args, "demo"))
        return;
    for (size_t i = 0; i < x->n; i++)
        if (x->hits[i] == e)
            return;
    if (x->n < 64) {
        x->hits[x->n] = e;
        snprintf(x->from[x->n], sizeof x->from[x->n], "%s", x->entry);
        x->n++;
    }
}

static void run_demo_included(vs__audit_run *r, const vs__audit_check *ck)
{
    const vs_conf *ext = vs__audit_ast(r, "extensions.conf");
    if (!ext)
        return;
    entry_list *l = calloc(1, sizeof *l);
    demo_ctx *x = calloc(1, sizeof *x);
    if (!l || !x)
        goto done;
    entry_add(l, "default", "Asterisk's fallback context");
    inbound_contexts(r, ext, l);
    endpoint_contexts(r, l, false);
    for (size_t i = 0; i < l->n; i++) {
        x->entry = l->v[i].name;
        vs__dialplan_walk(ext, l->v[i].name, demo_step, x);
    }
    for (size_t i = 0; i < x->n; i++) {
        vs_finding f;
        vs__audit_finding_at(r, ck, x->hits[i], &f);
        vs_finding_setf(
            f.explain, sizeof f.explain,
            "Calls that land in [%s] can reach the 'demo' context, the sample dialplan shipped "
            "with Asterisk. It was written to show features, not to be safe: it offers an echo "
            "test, the voicemail menu and a call to a public Digium test server, so strangers "
            "can use your server and your Internet line.",
            x->from[i]);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Remove 'include => demo' and the [demo] context from extensions.conf.");
        vs_evidence_str(f.evidence, sizeof f.evidence, "context", x->from[i]);
        vs_evidence_str(f.evidence, sizeof f.evidence, "include", "demo");
        vs__audit_emit(r, &f);
    }
done:
    free(l);
    free(x);
}

/* ---- the table ------------------------------------------------------------------------------ */

#define AST VS_CONF_PRODUCT_ASTERISK
#define NET VS_PRACTICE_NETWORK
#define CHECK(var, id, practice, sev, title, why, fn)                                              \
    static const vs__audit_check var = {{id, AST, practice, sev, title, why}, fn}

CHECK(dp_exten_injection, "asterisk.dialplan.exten-injection", NET, VS_SEV_HIGH,
      "The dialled number goes unchecked into a call or a command",
      "${EXTEN} from a pattern with '.' or '!' placed in Dial/Queue/Originate without FILTER() "
      "lets a caller add call legs of their choosing (AST-2010-002); in System() or SHELL() it "
      "runs commands.",
      run_exten_injection);
CHECK(dp_callerid_injection, "asterisk.dialplan.callerid-injection", NET, VS_SEV_CRITICAL,
      "The caller id is passed to a system command",
      "The caller chooses ${CALLERID(num)} and ${CALLERID(name)}; inside System(), SHELL() or a "
      "MixMonitor command they are a command injection (Asterisk README-SERIOUSLY.bestpractices).",
      run_callerid_injection);
CHECK(dp_default_outbound, "asterisk.dialplan.default-reaches-outbound", NET, VS_SEV_HIGH,
      "The default context can call out through your provider",
      "Unauthenticated and unmatched calls land in [default]; when it reaches outbound routes, "
      "anyone can make calls at your cost (Asterisk Dialplan Security).",
      run_default_outbound);
CHECK(dp_inbound_intl, "asterisk.dialplan.inbound-reaches-international", NET, VS_SEV_CRITICAL,
      "Calls from outside can reach international routes",
      "A context that calls from a provider or the public land in and that leads to "
      "international dialling lets outsiders place expensive calls (toll fraud).",
      run_inbound_international);
CHECK(dp_demo_included, "asterisk.dialplan.demo-included", NET, VS_SEV_MEDIUM,
      "The sample 'demo' dialplan is reachable",
      "The demo context from Asterisk's samples offers echo tests, voicemail and an outside IAX2 "
      "call to anyone who reaches it.",
      run_demo_included);

const vs__audit_check *const vs__checks_ast_dialplan[] = {
    &dp_exten_injection, &dp_callerid_injection, &dp_default_outbound,
    &dp_inbound_intl,    &dp_demo_included,      NULL,
};
