/* The enum-leak check (`voipsec scan --checks enum-leak`): does the registrar tell existing
 * extensions from missing ones?
 *
 * Design: REGISTER without credentials (Expires: 0: nothing stays bound) for a user that surely
 * does not exist ("vs" + 10 random hex digits) and for each likely user of o->enum_users (at most
 * MAX_USERS of them), one after the other on one connection. A registrar that hides which
 * extensions exist answers every one of them alike (401/407 for all, typically). It leaks when
 * it answers the missing user 404 or 604 (so any other answer means "this one exists"), or when
 * some likely user gets a status different from the missing one's: those users look real. A
 * user that did not answer in time is left out of the comparison; without an answer for the
 * missing user there is nothing to compare with and no finding. Rule and severity:
 * docs/scan-checks.md. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "scan/conn.h"

enum { MAX_USERS = 16, USER_LEN = 64 };

typedef struct enum_result {
    char user[USER_LEN];
    unsigned status; /* 0: no answer */
} enum_result;

/* Splits o->enum_users into users (trimmed, non-empty, at most MAX_USERS). */
static size_t likely_users(const vs_scan_opts *o, enum_result *out)
{
    size_t n = 0;
    const char *p = o->enum_users;
    while (*p && n < MAX_USERS) {
        size_t len = strcspn(p, ",");
        const char *s = p, *e = p + len;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > s && (size_t)(e - s) < USER_LEN) {
            memset(&out[n], 0, sizeof out[n]);
            memcpy(out[n].user, s, (size_t)(e - s));
            n++;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return n;
}

/* One REGISTER for user on c, reopening the connection once if the server closed it. */
static unsigned register_status(vs__conn *c, const vs_scan_result *svc, const vs_scan_opts *o,
                                const char *user, bool *alive)
{
    for (int attempt = 0; attempt < 2 && *alive; attempt++) {
        if (c->fd < 0 || c->closed) {
            vs__conn_close(c);
            if (vs__conn_open_service(c, svc, vs__deadline(o->timeout_s)) != VS_OK) {
                *alive = false;
                return 0;
            }
        }
        vs__sip_resp r;
        if (vs__sip_register(c, svc, o, user, &r) == VS_OK)
            return r.status;
        if (c->timed_out)
            return 0;     /* no answer for this user */
        c->closed = true; /* the stream failed: reopen and try once more */
    }
    return 0;
}

void vs__check_enum(const vs_scan_result *svc, const vs_scan_opts *o, vs_scan_finding_fn fn,
                    void *ctx)
{
    if (!svc || !o || !fn)
        return;
    enum_result users[MAX_USERS];
    size_t nusers = likely_users(o, users);
    if (nusers == 0)
        return;
    vs__conn c;
    if (vs__conn_open_service(&c, svc, vs__deadline(o->timeout_s)) != VS_OK)
        return;
    bool alive = true;
    char missing[13] = "vs";
    vs__rand_hex(missing + 2, 10);
    unsigned missing_status = register_status(&c, svc, o, missing, &alive);
    if (missing_status == 0) {
        vs__conn_close(&c);
        return;
    }
    for (size_t i = 0; i < nusers && alive; i++)
        users[i].status = register_status(&c, svc, o, users[i].user, &alive);
    vs__conn_close(&c);

    bool not_found = missing_status == 404 || missing_status == 604;
    size_t real = 0;
    for (size_t i = 0; i < nusers; i++)
        if (users[i].status && users[i].status != missing_status)
            real++;
    if (!not_found && real == 0)
        return;

    vs_finding f;
    vs_finding_init(&f, "scan.enum-leak", vs__scan_practice(svc->trunk), VS_SEV_MEDIUM);
    vs__finding_dst(&f, svc);
    char *e = f.evidence;
    size_t es = sizeof f.evidence;
    vs_evidence_int(e, es, "missing_user_status", missing_status);
    char statuses[512] = "{", looks[512] = "[";
    size_t so = 1, lo = 1;
    for (size_t i = 0; i < nusers; i++) {
        if (users[i].status && so + USER_LEN + 16 < sizeof statuses)
            so += (size_t)snprintf(statuses + so, sizeof statuses - so, "%s\"%s\":%u",
                                   so > 1 ? "," : "", users[i].user, users[i].status);
        if (users[i].status && users[i].status != missing_status &&
            lo + USER_LEN + 8 < sizeof looks)
            lo += (size_t)snprintf(looks + lo, sizeof looks - lo, "%s\"%s\"", lo > 1 ? "," : "",
                                   users[i].user);
    }
    snprintf(statuses + so, sizeof statuses - so, "}");
    snprintf(looks + lo, sizeof looks - lo, "]");
    /* user names are digits, letters, dots and dashes in practice; a list with anything that
     * would need escaping (or is not ASCII) is left out rather than written as broken JSON */
    bool plain = true;
    for (size_t i = 0; i < nusers; i++)
        for (const char *p = users[i].user; *p; p++)
            if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 || (unsigned char)*p > 0x7E)
                plain = false;
    if (plain) {
        vs_evidence_raw(e, es, "likely_user_status", statuses);
        vs_evidence_raw(e, es, "looks_real", looks);
    }

    char w[400];
    if (svc->host[0])
        snprintf(w, sizeof w, "%s (%s port %u/%s)", svc->host, svc->ip, (unsigned)svc->port,
                 svc->transport);
    else
        snprintf(w, sizeof w, "%s port %u/%s", svc->ip, (unsigned)svc->port, svc->transport);
    vs_finding_setf(f.title, sizeof f.title,
                    "The phone system at %s reveals which extensions exist", w);
    if (real)
        vs_finding_setf(f.explain, sizeof f.explain,
                        "voipsec asked to sign in as a made-up extension and as a few common "
                        "ones, without passwords. The made-up one got \"%u\", while %zu of the "
                        "common ones got a different answer, so the system tells a stranger which "
                        "extensions are real. Attackers list extensions this way, then guess "
                        "the passwords of those that exist.",
                        missing_status, real);
    else
        vs_finding_setf(f.explain, sizeof f.explain,
                        "voipsec asked to sign in as a made-up extension without a password and "
                        "the system answered \"%u\" (no such user) instead of asking for a "
                        "password. Any other answer then means the extension exists, so anyone "
                        "can list your extensions and go on to guess their passwords.",
                        missing_status);
    vs_finding_set(f.advice, sizeof f.advice,
                   "Make the system answer every sign-in without valid credentials the same way, "
                   "whether the extension exists or not (Asterisk: alwaysauthreject=yes, the "
                   "default in recent versions; Kamailio/OpenSIPS: challenge before looking the "
                   "user up). Use extension user names that are not plain numbers and give "
                   "every extension a long random password.");
    fn(ctx, &f);
}
