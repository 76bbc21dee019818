/* vs_scan_run: discovery, then fingerprints and firmware findings per answered service, then the
 * opt-in checks on what answered (a small pool of threads, so that one stalling service does not
 * hold up the others), then provider findings for trunks that offer no TLS.
 *
 * The sink is called from one thread at a time (a mutex serialises the check workers), so the
 * caller's callbacks need no locking of their own. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scan/scan_internal.h"

enum { MAX_CHECK_WORKERS = 8 };

typedef struct firmware_seen {
    char ip[46];
    char vendor[48];
    char cve[32];
} firmware_seen;

typedef struct scan_run {
    const vs_scan_opts *o;
    const vs_scan_sink *sink;
    vs_scan_stats *stats;
    pthread_mutex_t lock;

    vs_scan_result *services; /* answered services, for the checks */
    size_t nservices, capservices;
    bool oom;

    firmware_seen *fw; /* (device, CVE) already reported: a PBX answers on several transports */
    size_t nfw, capfw;

    /* check workers take services (then addresses for admin) from these cursors */
    size_t next_service;
    char (*admin_ips)[46];
    const vs_scan_result **admin_of; /* the service the address was first seen on */
    size_t nadmin, next_admin;
} scan_run;

static void emit_finding_locked(scan_run *run, const vs_finding *f)
{
    run->stats->findings++;
    if (run->sink->on_finding)
        run->sink->on_finding(run->sink->ctx, f);
}

static void emit_finding(void *ctx, const vs_finding *f)
{
    scan_run *run = ctx;
    pthread_mutex_lock(&run->lock);
    emit_finding_locked(run, f);
    pthread_mutex_unlock(&run->lock);
}

static bool grow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*items, n * size);
    if (!p)
        return false;
    *items = p;
    *cap = n;
    return true;
}

/* ---- firmware ------------------------------------------------------------------------------ */

typedef struct vuln_ctx {
    scan_run *run;
    const vs_scan_result *svc;
} vuln_ctx;

static bool already_reported(scan_run *run, const char *ip, const char *vendor, const char *cve)
{
    for (size_t i = 0; i < run->nfw; i++)
        if (!strcmp(run->fw[i].ip, ip) && !strcmp(run->fw[i].vendor, vendor) &&
            !strcmp(run->fw[i].cve, cve))
            return true;
    if (!grow((void **)&run->fw, &run->capfw, run->nfw + 1, sizeof *run->fw))
        return false; /* out of memory: report twice rather than not at all */
    firmware_seen *s = &run->fw[run->nfw++];
    snprintf(s->ip, sizeof s->ip, "%s", ip);
    snprintf(s->vendor, sizeof s->vendor, "%s", vendor);
    snprintf(s->cve, sizeof s->cve, "%s", cve);
    return false;
}

static bool on_vuln(void *ctx, const vs_vuln *v, const char *vendor, const char *version)
{
    vuln_ctx *vc = ctx;
    const vs_scan_result *svc = vc->svc;
    if (already_reported(vc->run, svc->ip, vendor, v->cve))
        return true;
    vs_severity sev = VS_SEV_HIGH;
    if (vs_severity_parse(v->severity, &sev) != VS_OK)
        sev = VS_SEV_HIGH;
    vs_finding f;
    vs_finding_init(&f, "firmware.vulnerable", VS_PRACTICE_FIRMWARE, sev);
    /* matched through the platform (Asterisk under FreePBX): the model is the product's, not
     * the platform's, so name the product instead */
    bool platform = strcasecmp(vendor, svc->fp.vendor) != 0;
    const char *model = !platform && svc->fp.model[0] && strcasecmp(svc->fp.model, vendor) != 0
                            ? svc->fp.model
                            : "";
    char under[128] = "";
    if (platform)
        snprintf(under, sizeof under, " (under %s %s)", svc->fp.vendor, svc->fp.version);
    vs_finding_setf(f.title, sizeof f.title, "%s%s%s %s%s at %s has a known vulnerability (%s)",
                    vendor, model[0] ? " " : "", model, version, under, svc->ip, v->cve);
    vs_finding_setf(f.explain, sizeof f.explain,
                    "The device at %s announced \"%s\" in its SIP answer. That version is listed "
                    "as affected by %s: %s. Anyone who can reach this service can read the same "
                    "version and look up the same weakness.",
                    svc->ip, svc->server, v->cve, v->summary);
    vs_finding_setf(f.advice, sizeof f.advice,
                    "Update %s to a fixed release (%s), then scan again to confirm. Until then, "
                    "allow SIP to this device only from the addresses that need it.",
                    vendor, v->fixed[0] ? v->fixed : "see the advisory");
    snprintf(f.dst.ip, sizeof f.dst.ip, "%s", svc->ip);
    f.dst.port = svc->port;
    snprintf(f.dst.transport, sizeof f.dst.transport, "%s", svc->transport);
    vs_evidence_str(f.evidence, sizeof f.evidence, "cve", v->cve);
    vs_evidence_str(f.evidence, sizeof f.evidence, "vendor", vendor);
    if (!platform)
        vs_evidence_str(f.evidence, sizeof f.evidence, "model", svc->fp.model);
    else
        vs_evidence_str(f.evidence, sizeof f.evidence, "under", svc->fp.vendor);
    vs_evidence_str(f.evidence, sizeof f.evidence, "version", version);
    vs_evidence_str(f.evidence, sizeof f.evidence, "affected", v->affected);
    vs_evidence_str(f.evidence, sizeof f.evidence, "fixed", v->fixed);
    vs_evidence_str(f.evidence, sizeof f.evidence, "server", svc->server);
    vs_evidence_str(f.evidence, sizeof f.evidence, "source", v->source);
    char where[300];
    snprintf(where, sizeof where, "%s:%u", v->file, v->line);
    vs_evidence_str(f.evidence, sizeof f.evidence, "catalogue", where);
    emit_finding_locked(vc->run, &f);
    return true;
}

/* ---- discovery callback ------------------------------------------------------------------- */

static void on_result(void *ctx, const vs_scan_result *r0)
{
    scan_run *run = ctx;
    vs_scan_result r = *r0;
    memset(&r.fp, 0, sizeof r.fp);
    if (r.server[0] && run->o->fingerprints)
        vs_fp_match(run->o->fingerprints, r.server, strlen(r.server), &r.fp);

    pthread_mutex_lock(&run->lock);
    if (run->sink->on_result)
        run->sink->on_result(run->sink->ctx, &r);
    if (r.status == VS_SCAN_ANSWERED) {
        if (r.fp.vendor[0] && run->o->catalogue) {
            vuln_ctx vc = {run, &r};
            vs_catalogue_match(run->o->catalogue, &r.fp, on_vuln, &vc);
        }
        if (grow((void **)&run->services, &run->capservices, run->nservices + 1,
                 sizeof *run->services))
            run->services[run->nservices++] = r;
        else
            run->oom = true;
    }
    pthread_mutex_unlock(&run->lock);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    scan_run *run = ctx;
    run->sink->on_progress(run->sink->ctx, done, total);
}

/* ---- checks -------------------------------------------------------------------------------- */

static void *check_worker(void *arg)
{
    scan_run *run = arg;
    for (;;) {
        pthread_mutex_lock(&run->lock);
        size_t i = run->next_service < run->nservices ? run->next_service++ : SIZE_MAX;
        size_t a = SIZE_MAX;
        if (i == SIZE_MAX && run->next_admin < run->nadmin)
            a = run->next_admin++;
        pthread_mutex_unlock(&run->lock);
        if (i != SIZE_MAX) {
            vs__check_service(&run->services[i], run->o, emit_finding, run);
        } else if (a != SIZE_MAX) {
            const vs_scan_result *svc = run->admin_of[a];
            vs__check_admin(run->admin_ips[a], svc->host, svc->trunk, run->o, emit_finding, run);
        } else {
            return NULL;
        }
    }
}

static vs_rc collect_admin_addresses(scan_run *run)
{
    if (!(run->o->checks & VS_SCAN_CHECK_ADMIN) || run->nservices == 0)
        return VS_OK;
    run->admin_ips = calloc(run->nservices, sizeof *run->admin_ips);
    run->admin_of = calloc(run->nservices, sizeof *run->admin_of);
    if (!run->admin_ips || !run->admin_of)
        return VS_E_NOMEM;
    for (size_t i = 0; i < run->nservices; i++) {
        bool seen = false;
        for (size_t j = 0; j < run->nadmin && !seen; j++)
            seen = !strcmp(run->admin_ips[j], run->services[i].ip);
        if (seen)
            continue;
        snprintf(run->admin_ips[run->nadmin], sizeof run->admin_ips[0], "%s",
                 run->services[i].ip);
        run->admin_of[run->nadmin++] = &run->services[i];
    }
    return VS_OK;
}

static void run_checks(scan_run *run)
{
    size_t jobs = run->nservices + run->nadmin;
    if (!run->o->checks || jobs == 0)
        return;
    size_t nworkers = jobs < MAX_CHECK_WORKERS ? jobs : MAX_CHECK_WORKERS;
    pthread_t tids[MAX_CHECK_WORKERS];
    size_t started = 0;
    for (; started < nworkers; started++)
        if (pthread_create(&tids[started], NULL, check_worker, run) != 0)
            break;
    if (started == 0) {
        check_worker(run); /* no thread could start: do the work here, one at a time */
        return;
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
}

/* ---- trunks without TLS -------------------------------------------------------------------- */

static void trunk_tls_findings(scan_run *run)
{
    if (!(run->o->transports & VS_SCAN_TLS))
        return;
    for (size_t i = 0; i < run->nservices; i++) {
        const vs_scan_result *s = &run->services[i];
        if (!s->trunk || !strcmp(s->transport, "tls"))
            continue;
        bool has_tls = false, first = true;
        for (size_t j = 0; j < run->nservices; j++) {
            const vs_scan_result *o = &run->services[j];
            if (!strcmp(o->ip, s->ip) && !strcmp(o->transport, "tls"))
                has_tls = true;
            if (j < i && !strcmp(o->ip, s->ip) && o->trunk && strcmp(o->transport, "tls"))
                first = false;
        }
        if (has_tls || !first)
            continue;
        vs_finding f;
        vs_finding_init(&f, "provider.no-tls", VS_PRACTICE_PROVIDER, VS_SEV_HIGH);
        vs_finding_setf(f.title, sizeof f.title,
                        "The trunk at %s answers SIP without encryption and offers no TLS",
                        s->ip);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "Your provider's server at %s answered over %s, but nothing answered SIP "
                        "over TLS on the ports scanned. Call set-up, phone numbers and the "
                        "authentication exchange travel in clear text between you and the "
                        "provider, and media keys for encrypted calls cannot be sent safely.",
                        s->ip, s->transport);
        vs_finding_setf(f.advice, sizeof f.advice,
                        "Ask the provider for a TLS (SIPS, usually port 5061) endpoint and SRTP, "
                        "and move the trunk to it. If they offer none, consider a provider that "
                        "does.");
        snprintf(f.dst.ip, sizeof f.dst.ip, "%s", s->ip);
        f.dst.port = s->port;
        snprintf(f.dst.transport, sizeof f.dst.transport, "%s", s->transport);
        vs_evidence_str(f.evidence, sizeof f.evidence, "target", s->target);
        vs_evidence_str(f.evidence, sizeof f.evidence, "server", s->server);
        emit_finding_locked(run, &f);
    }
}

/* ---- the run ------------------------------------------------------------------------------- */

static vs_rc check_opts(const vs_scan_opts *o, char *err, size_t errlen)
{
    if (!(o->rate > 0) || o->rate > 1e7) {
        snprintf(err, errlen, "rate must be between 1 and 10000000 probes per second");
        return VS_E_INVAL;
    }
    if (!(o->timeout_s > 0) || o->timeout_s > 3600) {
        snprintf(err, errlen, "timeout must be more than 0 and at most 3600 seconds");
        return VS_E_INVAL;
    }
    if (!(o->transports & (VS_SCAN_UDP | VS_SCAN_TCP | VS_SCAN_TLS))) {
        snprintf(err, errlen, "no transport to scan (use udp, tcp or tls)");
        return VS_E_INVAL;
    }
    if (o->max_conns == 0) {
        snprintf(err, errlen, "at least one connection must be allowed in flight");
        return VS_E_INVAL;
    }
    if (o->retries > 10) {
        snprintf(err, errlen, "at most 10 retries");
        return VS_E_INVAL;
    }
    return VS_OK;
}

vs_rc vs_scan_run(const vs_scan_targets *t, const vs_scan_opts *o, const vs_scan_sink *sink,
                  vs_scan_stats *stats, char *err, size_t errlen)
{
    if (!t || !o || !sink || !stats || !err || errlen == 0)
        return VS_E_INVAL;
    err[0] = '\0';
    memset(stats, 0, sizeof *stats);
    vs_rc rc = check_opts(o, err, errlen);
    if (rc != VS_OK)
        return rc;
    int64_t start = vs__now_ns();

    scan_run run;
    memset(&run, 0, sizeof run);
    run.o = o;
    run.sink = sink;
    run.stats = stats;
    pthread_mutex_init(&run.lock, NULL);

    rc = vs__discover(t, o, on_result, sink->on_progress ? on_progress : NULL, &run, stats, err,
                      errlen);
    if (rc == VS_OK && sink->on_progress)
        sink->on_progress(sink->ctx, stats->probes, stats->probes);
    if (rc == VS_OK && run.oom) {
        snprintf(err, errlen, "out of memory keeping the services that answered");
        rc = VS_E_NOMEM;
    }
    if (rc == VS_OK) {
        trunk_tls_findings(&run);
        rc = collect_admin_addresses(&run);
        if (rc == VS_E_NOMEM)
            snprintf(err, errlen, "out of memory preparing the admin check");
    }
    if (rc == VS_OK)
        run_checks(&run);

    stats->seconds = (double)(vs__now_ns() - start) / 1e9;
    pthread_mutex_destroy(&run.lock);
    free(run.services);
    free(run.fw);
    free(run.admin_ips);
    free(run.admin_of);
    return rc;
}
