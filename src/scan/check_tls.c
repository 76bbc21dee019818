/* The tls check (`voipsec scan --checks tls`): which protocol versions a TLS service accepts, and
 * what its certificate says.
 *
 * Design: one handshake per version, TLS 1.3 down to 1.0, each with a context that allows only
 * that version (vs__tls_client_ctx(v, v)); a handshake that completes means the version is
 * accepted. The certificate is taken from the first (highest) accepted version. Two handshakes
 * that time out end the check early: a service that stalls would stall every attempt. Only
 * problems are reported, one finding per problem, all with the same evidence (versions accepted,
 * subject, issuer, expiry, key, signature algorithm, SHA-256 fingerprint) so that each finding
 * stands on its own. Factory certificates are recognised by data/factory-certs.tsv (issuer or
 * subject patterns); when the file cannot be read that one test is skipped. Rule ids, triggers
 * and severities: docs/scan-checks.md. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/regex_guard.h"
#include "detect/datafile.h"
#include "scan/conn.h"

enum { EXPIRING_DAYS = 30, MAX_FACTORY_ROWS = 256 };

static const struct {
    int version;
    const char *name;
} VERSIONS[] = {
    {TLS1_3_VERSION, "TLSv1.3"},
    {TLS1_2_VERSION, "TLSv1.2"},
    {TLS1_1_VERSION, "TLSv1.1"},
    {TLS1_VERSION, "TLSv1.0"},
};
enum { NVERSIONS = sizeof VERSIONS / sizeof VERSIONS[0] };

/* What the check learnt about the service. */
typedef struct tls_facts {
    bool accepted[NVERSIONS];
    bool tried[NVERSIONS];
    char versions[96]; /* JSON array of the accepted versions */
    char subject[200]; /* cut so that the evidence keeps room for the other facts */
    char issuer[200];
    char not_after[32];
    char key_type[16];
    int key_bits;
    char signature[64];
    char sha256[100];
} tls_facts;

/* ---- factory certificate patterns --------------------------------------------------------- */

typedef struct factory_row {
    char vendor[48];
    bool on_subject;
    regex_t re;
    char what[160];
} factory_row;

typedef struct factory_table {
    factory_row *rows;
    size_t n, cap;
} factory_table;

static const char *factory_line(void *ctx, char **fields, size_t nfields, unsigned line)
{
    (void)line;
    (void)nfields;
    factory_table *t = ctx;
    if (t->n >= MAX_FACTORY_ROWS)
        return "too many rows";
    bool subject = !strcmp(fields[1], "subject");
    if (!subject && strcmp(fields[1], "issuer"))
        return "field must be issuer or subject";
    if (!fields[4][0])
        return "every row needs a source";
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        factory_row *p = realloc(t->rows, cap * sizeof *p);
        if (!p)
            return "out of memory";
        t->rows = p;
        t->cap = cap;
    }
    factory_row *r = &t->rows[t->n];
    if (!vs__regex_guard(fields[2], NULL, 0))
        return "regular expression refused (too long, or stacked or large repetitions)";
    if (regcomp(&r->re, fields[2], REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
        return "bad regular expression";
    snprintf(r->vendor, sizeof r->vendor, "%s", fields[0]);
    snprintf(r->what, sizeof r->what, "%s", fields[3]);
    r->on_subject = subject;
    t->n++;
    return NULL;
}

static void factory_free(factory_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        regfree(&t->rows[i].re);
    free(t->rows);
    t->rows = NULL;
    t->n = t->cap = 0;
}

/* Loads data_dir/factory-certs.tsv; false (table empty) when it cannot be read. */
static bool factory_load(const char *data_dir, factory_table *t)
{
    memset(t, 0, sizeof *t);
    if (!data_dir || !*data_dir)
        return false;
    char path[1024], err[256];
    if ((size_t)snprintf(path, sizeof path, "%s/factory-certs.tsv", data_dir) >= sizeof path)
        return false;
    if (vs__data_read(path, 5, factory_line, t, err, sizeof err) != 0) {
        factory_free(t);
        return false;
    }
    return true;
}

/* ---- certificate facts -------------------------------------------------------------------- */

static void name_text(const X509_NAME *name, char *out, size_t size)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        int n = BIO_read(b, out, (int)size - 1);
        out[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
}

static const char *key_type_name(int id)
{
    switch (id) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        return "RSA";
    case EVP_PKEY_DSA:
        return "DSA";
    case EVP_PKEY_DH:
    case EVP_PKEY_DHX:
        return "DH";
    case EVP_PKEY_EC:
        return "EC";
    case EVP_PKEY_ED25519:
        return "Ed25519";
    case EVP_PKEY_ED448:
        return "Ed448";
    default:
        return "other";
    }
}

static void cert_facts(X509 *cert, tls_facts *t)
{
    name_text(X509_get_subject_name(cert), t->subject, sizeof t->subject);
    name_text(X509_get_issuer_name(cert), t->issuer, sizeof t->issuer);
    struct tm tm;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1)
        strftime(t->not_after, sizeof t->not_after, "%Y-%m-%dT%H:%M:%SZ", &tm);
    EVP_PKEY *pk = X509_get0_pubkey(cert);
    if (pk) {
        snprintf(t->key_type, sizeof t->key_type, "%s", key_type_name(EVP_PKEY_get_base_id(pk)));
        t->key_bits = EVP_PKEY_get_bits(pk);
    }
    const char *sig = OBJ_nid2ln(X509_get_signature_nid(cert));
    snprintf(t->signature, sizeof t->signature, "%s", sig ? sig : "unknown");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (X509_digest(cert, EVP_sha256(), md, &mdlen) == 1) {
        size_t o = 0;
        for (unsigned i = 0; i < mdlen && o + 3 < sizeof t->sha256; i++)
            o += (size_t)snprintf(t->sha256 + o, sizeof t->sha256 - o, "%s%02X", i ? ":" : "",
                                  md[i]);
    }
}

static bool weak_key(const tls_facts *t)
{
    if (t->key_bits <= 0)
        return false;
    if (!strcmp(t->key_type, "RSA") || !strcmp(t->key_type, "DSA") || !strcmp(t->key_type, "DH"))
        return t->key_bits < 2048;
    if (!strcmp(t->key_type, "EC"))
        return t->key_bits < 256;
    return false;
}

static bool weak_signature(X509 *cert)
{
    int md = NID_undef, pk = NID_undef;
    if (!OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md, &pk))
        return false;
    return md == NID_md5 || md == NID_sha1 || md == NID_md4 || md == NID_md2 || md == NID_mdc2;
}

static bool is_ip_literal(const char *s)
{
    struct in6_addr a;
    return inet_pton(AF_INET, s, &a) == 1 || inet_pton(AF_INET6, s, &a) == 1;
}

/* ---- findings ----------------------------------------------------------------------------- */

typedef struct emit_ctx {
    const vs_scan_result *svc;
    const tls_facts *t;
    vs_scan_finding_fn fn;
    void *ctx;
} emit_ctx;

static void evidence(vs_finding *f, const tls_facts *t)
{
    char *e = f->evidence;
    size_t es = sizeof f->evidence;
    vs_evidence_raw(e, es, "versions_accepted", t->versions);
    vs_evidence_str(e, es, "subject", t->subject);
    vs_evidence_str(e, es, "issuer", t->issuer);
    vs_evidence_str(e, es, "not_after", t->not_after);
    vs_evidence_str(e, es, "key_type", t->key_type);
    vs_evidence_int(e, es, "key_bits", t->key_bits);
    vs_evidence_str(e, es, "signature_algorithm", t->signature);
    vs_evidence_str(e, es, "sha256", t->sha256);
}

/* Initialises f for rule with the service's endpoint and evidence; the caller writes the text. */
static void begin(vs_finding *f, const emit_ctx *x, const char *rule, vs_severity sev)
{
    vs_finding_init(f, rule, vs__scan_practice(x->svc->trunk), sev);
    vs__finding_dst(f, x->svc);
    evidence(f, x->t);
}

static const char *where(const vs_scan_result *svc, char *buf, size_t size)
{
    if (svc->host[0])
        snprintf(buf, size, "%s (%s port %u)", svc->host, svc->ip, (unsigned)svc->port);
    else
        snprintf(buf, size, "%s port %u", svc->ip, (unsigned)svc->port);
    return buf;
}

static void report_protocols(const emit_ctx *x)
{
    const tls_facts *t = x->t;
    char w[400];
    where(x->svc, w, sizeof w);
    bool old = t->accepted[2] || t->accepted[3];
    bool modern = t->accepted[0] || t->accepted[1];
    bool modern_tried = t->tried[0] || t->tried[1];
    vs_finding f;
    if (old) {
        begin(&f, x, "tls.old-protocol", VS_SEV_MEDIUM);
        vs_finding_setf(f.title, sizeof f.title, "Encrypted SIP at %s still accepts TLS %s", w,
                        t->accepted[3] && t->accepted[2] ? "1.0 and 1.1"
                        : t->accepted[3]                 ? "1.0"
                                                         : "1.1");
        vs_finding_set(f.explain, sizeof f.explain,
                       "The service lets a client connect with the old versions 1.0 or 1.1 of "
                       "TLS, the protocol that encrypts calls' signalling. These versions have "
                       "known weaknesses and were retired in 2021 (RFC 8996); someone able to "
                       "interfere with the connection can push both sides down to them.");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Allow only TLS 1.2 and 1.3 on this service (for example Asterisk "
                       "pjsip.conf transport method=tlsv1_2 or later, Kamailio tls.cfg "
                       "method = TLSv1.2+, FreeSWITCH tls-version = tlsv1.2). Phones too old for "
                       "TLS 1.2 need new firmware or replacing.");
        x->fn(x->ctx, &f);
    }
    if (!modern && modern_tried) {
        begin(&f, x, "tls.no-modern-protocol", VS_SEV_HIGH);
        vs_finding_setf(f.title, sizeof f.title,
                        "Encrypted SIP at %s offers neither TLS 1.2 nor TLS 1.3", w);
        vs_finding_set(f.explain, sizeof f.explain,
                       "The service only speaks old versions of TLS, the protocol that encrypts "
                       "calls' signalling. Those versions are retired because they can be broken "
                       "or downgraded, and current phones and providers refuse them, so the "
                       "encryption here is both weak and likely to stop working.");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Update the software or firmware of this system so that it supports TLS "
                       "1.2 and 1.3, then turn the older versions off.");
        x->fn(x->ctx, &f);
    }
}

static void report_cert(const emit_ctx *x, X509 *cert, const factory_table *fac)
{
    const tls_facts *t = x->t;
    const vs_scan_result *svc = x->svc;
    char w[400];
    where(svc, w, sizeof w);
    vs_finding f;

    int days = 0, secs = 0;
    if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)) == 1) {
        if (days < 0 || secs < 0 || (days == 0 && secs == 0)) {
            begin(&f, x, "tls.expired", VS_SEV_HIGH);
            vs_finding_setf(f.title, sizeof f.title, "The TLS certificate of %s has expired (%s)",
                            w, t->not_after);
            vs_finding_set(f.explain, sizeof f.explain,
                           "The certificate this service shows to prove who it is has run out. "
                           "Phones and providers that check certificates refuse to connect, and "
                           "those that are set to accept anything cannot tell this service from "
                           "an impostor.");
            vs_finding_set(f.advice, sizeof f.advice,
                           "Install a new certificate now, and renew it automatically from then "
                           "on (for example with an ACME client such as certbot for a public "
                           "name), then reload the SIP service.");
            x->fn(x->ctx, &f);
        } else if (days < EXPIRING_DAYS) {
            begin(&f, x, "tls.expiring-soon", VS_SEV_LOW);
            vs_evidence_int(f.evidence, sizeof f.evidence, "days_left", days);
            vs_finding_setf(f.title, sizeof f.title,
                            "The TLS certificate of %s expires in %d day%s", w, days,
                            days == 1 ? "" : "s");
            vs_finding_set(f.explain, sizeof f.explain,
                           "The certificate this service shows to prove who it is runs out "
                           "within 30 days. After that, phones and providers that check "
                           "certificates will refuse to connect and calls will fail.");
            vs_finding_set(f.advice, sizeof f.advice,
                           "Renew the certificate before it expires, and make renewal automatic "
                           "so that it cannot be forgotten.");
            x->fn(x->ctx, &f);
        }
    }

    if (X509_self_signed(cert, 1) == 1) {
        begin(&f, x, "tls.self-signed", VS_SEV_MEDIUM);
        vs_finding_setf(f.title, sizeof f.title, "The TLS certificate of %s is self-signed", w);
        vs_finding_set(f.explain, sizeof f.explain,
                       "The service vouches for itself: no certificate authority confirms who it "
                       "is. Phones can only connect by being set to accept any certificate, and "
                       "then anyone who can get between them and the server can pretend to be "
                       "the server and read or redirect calls.");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Use a certificate from a public certificate authority for the service's "
                       "name, or from your own private authority whose root certificate you load "
                       "on every phone, and turn certificate checking on in the phones.");
        x->fn(x->ctx, &f);
    }

    bool named = svc->host[0] && !is_ip_literal(svc->host);
    if (named ? X509_check_host(cert, svc->host, 0, 0, NULL) != 1
              : X509_check_ip_asc(cert, svc->ip, 0) != 1) {
        begin(&f, x, "tls.hostname-mismatch", named ? VS_SEV_MEDIUM : VS_SEV_LOW);
        vs_evidence_str(f.evidence, sizeof f.evidence, "checked_name", named ? svc->host : svc->ip);
        vs_finding_setf(f.title, sizeof f.title, "The TLS certificate of %s is not for %s", w,
                        named ? svc->host : svc->ip);
        if (named)
            vs_finding_set(f.explain, sizeof f.explain,
                           "The certificate this service shows names another server. Phones "
                           "and providers that check certificates refuse the connection, and "
                           "those that do not check cannot notice an impostor either.");
        else
            vs_finding_set(f.explain, sizeof f.explain,
                           "The service was reached by its address, and its certificate does "
                           "not list that address. Clients that connect by address and check "
                           "certificates refuse it. This matters less when phones use a name "
                           "that the certificate does list.");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Give the service a certificate that lists the name (or address) that "
                       "phones and providers use to reach it, and configure them to use exactly "
                       "that name.");
        x->fn(x->ctx, &f);
    }

    if (weak_key(t)) {
        begin(&f, x, "tls.weak-key", VS_SEV_HIGH);
        vs_finding_setf(f.title, sizeof f.title,
                        "The TLS certificate of %s has a weak %d-bit %s key", w, t->key_bits,
                        t->key_type);
        vs_finding_set(f.explain, sizeof f.explain,
                       "The key behind this certificate is too short to be safe today (RSA and "
                       "DSA need 2048 bits or more, elliptic curves 256). A short key can be "
                       "broken, after which anyone can impersonate the service or decrypt "
                       "recorded signalling.");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Create a new key (RSA 3072 bits, or an elliptic-curve P-256 key) and a "
                       "new certificate for it, install both, and remove the old key.");
        x->fn(x->ctx, &f);
    }

    if (weak_signature(cert)) {
        begin(&f, x, "tls.weak-signature", VS_SEV_MEDIUM);
        vs_finding_setf(f.title, sizeof f.title,
                        "The TLS certificate of %s is signed with the broken %s algorithm", w,
                        t->signature);
        vs_finding_set(f.explain, sizeof f.explain,
                       "The certificate is signed with MD5 or SHA-1, hash functions for which "
                       "forgeries have been shown in practice. A forged certificate would let "
                       "someone pass for this service; current software refuses such "
                       "certificates.");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Replace the certificate with one signed with SHA-256 or better.");
        x->fn(x->ctx, &f);
    }

    for (size_t i = 0; i < fac->n; i++) {
        const factory_row *r = &fac->rows[i];
        if (regexec(&r->re, r->on_subject ? t->subject : t->issuer, 0, NULL, 0) != 0)
            continue;
        begin(&f, x, "tls.factory-certificate", VS_SEV_MEDIUM);
        vs_evidence_str(f.evidence, sizeof f.evidence, "vendor", r->vendor);
        vs_finding_setf(f.title, sizeof f.title,
                        "%s uses a %s device's factory certificate for its encrypted SIP", w,
                        r->vendor);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "The certificate was installed by the manufacturer: it is issued by %s. "
                        "Such a certificate proves to a provisioning server that the device is "
                        "genuine; it does not name this service, cannot be renewed, and clients "
                        "can only accept it by trusting the manufacturer for every device it "
                        "ever made. A device reachable from the internet should not be "
                        "identified this way.",
                        r->what);
        vs_finding_set(f.advice, sizeof f.advice,
                       "Load a certificate of your own for this service (from a public or your "
                       "private certificate authority, for the name phones use), and do not "
                       "expose the device's own TLS service to the internet.");
        x->fn(x->ctx, &f);
        break; /* one finding, from the first row that matches */
    }
}

/* ---- the check ---------------------------------------------------------------------------- */

void vs__check_tls(const vs_scan_result *svc, const vs_scan_opts *o, vs_scan_finding_fn fn,
                   void *ctx)
{
    if (!svc || !o || !fn || vs__transport_bit(svc->transport) != VS_SCAN_TLS)
        return;
    struct sockaddr_storage ss;
    socklen_t len;
    if (!vs__addr_make(svc->ip, svc->port, &ss, &len))
        return;
    tls_facts t;
    memset(&t, 0, sizeof t);
    X509 *cert = NULL;
    int timeouts = 0;
    for (size_t i = 0; i < NVERSIONS && timeouts < 2; i++) {
        SSL_CTX *sctx = vs__tls_client_ctx(VERSIONS[i].version, VERSIONS[i].version);
        if (!sctx)
            continue; /* this OpenSSL cannot speak the version: untested */
        t.tried[i] = true;
        vs__conn c;
        vs__conn_init(&c);
        if (vs__conn_open(&c, (struct sockaddr *)&ss, len, VS_SCAN_TLS, sctx,
                          svc->host[0] ? svc->host : NULL, vs__deadline(o->timeout_s)) == VS_OK) {
            t.accepted[i] = true;
            if (!cert)
                cert = SSL_get1_peer_certificate(c.ssl);
        } else if (c.timed_out) {
            timeouts++;
        }
        vs__conn_close(&c);
        SSL_CTX_free(sctx);
    }
    size_t o2 = 0;
    t.versions[o2++] = '[';
    for (size_t i = NVERSIONS; i-- > 0;)
        if (t.accepted[i])
            o2 += (size_t)snprintf(t.versions + o2, sizeof t.versions - o2, "%s\"%s\"",
                                   o2 > 1 ? "," : "", VERSIONS[i].name);
    snprintf(t.versions + o2, sizeof t.versions - o2, "]");

    bool any = false;
    for (size_t i = 0; i < NVERSIONS; i++)
        any = any || t.accepted[i];
    if (!any) {
        X509_free(cert);
        return; /* nothing to judge: the service refused or stalled every handshake */
    }
    if (cert)
        cert_facts(cert, &t);
    emit_ctx x = {svc, &t, fn, ctx};
    report_protocols(&x);
    if (cert) {
        factory_table fac;
        factory_load(o->data_dir, &fac);
        report_cert(&x, cert, &fac);
        factory_free(&fac);
        X509_free(cert);
    }
}
