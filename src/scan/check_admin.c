/* The admin check (`voipsec scan --checks admin`): management and provisioning interfaces of a
 * phone system that answer from where the scan runs.
 *
 * Design: once per address, one port at a time, each attempt bounded by o->timeout_s:
 *   5038/tcp Asterisk Manager Interface: the banner "Asterisk Call Manager/..." (sent on connect)
 *   8021/tcp FreeSWITCH event socket: "Content-Type: auth/request" (sent on connect)
 *   23/tcp   telnet: any accepted connection (the banner, if one comes within a second, is kept)
 *   80/tcp, 443/tls  web interface: "HEAD / HTTP/1.0" answered with an HTTP status line
 *   69/udp   TFTP (phone provisioning): a read request for a file that cannot exist answered
 *            with ERROR or DATA (a DATA transfer is aborted with an ERROR at once)
 * A port that refuses, stays silent, or answers as something else gives no finding. One finding
 * per interface found, practice equipment (access to the equipment), with the first line of what
 * it said (printable characters only, at most 120) as evidence. vs__check_admin_ports takes the
 * list so that tests can use ephemeral ports; vs__check_admin uses the standard one. Rule and
 * severities: docs/scan-checks.md. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "scan/conn.h"

enum { BANNER_MAX = 120, READ_MAX = 4096 };

const vs__admin_port vs__admin_ports[] = {
    {5038, VS__ADMIN_AMI}, {8021, VS__ADMIN_ESL},  {23, VS__ADMIN_TELNET},
    {80, VS__ADMIN_HTTP},  {443, VS__ADMIN_HTTPS}, {69, VS__ADMIN_TFTP},
};
const size_t vs__admin_nports = sizeof vs__admin_ports / sizeof vs__admin_ports[0];

typedef struct admin_hit {
    const char *service;   /* "ami", "esl", "telnet", "web", "tftp" */
    const char *transport; /* "tcp", "tls", "udp" */
    char banner[BANNER_MAX + 1];
    int http_status;  /* web only */
    char server[128]; /* web only: Server header */
} admin_hit;

/* First line of in[0..n), printable ASCII only, at most BANNER_MAX characters. Telnet option
 * negotiation (IAC sequences) is skipped when telnet. */
static void banner_clean(const char *in, size_t n, bool telnet, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < BANNER_MAX; i++) {
        if (o == 0 && in[i] == ' ')
            continue; /* leading blanks */
        unsigned char ch = (unsigned char)in[i];
        if (telnet && ch == 0xFF && i + 1 < n) {
            unsigned char cmd = (unsigned char)in[i + 1];
            if (cmd >= 0xFB && cmd <= 0xFE)
                i += 2;             /* WILL/WONT/DO/DONT option */
            else if (cmd == 0xFA) { /* subnegotiation up to IAC SE */
                size_t j = i + 2;
                while (j + 1 < n &&
                       !((unsigned char)in[j] == 0xFF && (unsigned char)in[j + 1] == 0xF0))
                    j++;
                i = j + 1;
            } else
                i += 1;
            continue;
        }
        if (ch == '\n' || ch == '\r') {
            if (o > 0)
                break;
            continue;
        }
        if (ch >= 0x20 && ch < 0x7F)
            out[o++] = (char)ch;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

/* Reads into buf until it holds `until` (when not NULL), is full, the peer closes, or the
 * deadline passes. Returns the bytes read. */
static size_t read_until(vs__conn *c, char *buf, size_t cap, const char *until, int64_t deadline)
{
    size_t len = 0;
    for (int i = 0; i < 256 && len + 1 < cap; i++) {
        size_t got = 0;
        if (vs__conn_recv(c, buf + len, cap - 1 - len, &got, deadline) != VS_OK || got == 0)
            break;
        len += got;
        buf[len] = '\0';
        if (until && strstr(buf, until))
            break;
    }
    buf[len] = '\0';
    return len;
}

static bool tcp_open(vs__conn *c, const char *ip, uint16_t port, unsigned transport, SSL_CTX *ctx,
                     const char *host, int64_t deadline)
{
    struct sockaddr_storage ss;
    socklen_t len;
    vs__conn_init(c);
    if (!vs__addr_make(ip, port, &ss, &len))
        return false;
    return vs__conn_open(c, (struct sockaddr *)&ss, len, transport, ctx, host, deadline) == VS_OK;
}

static bool probe_banner(const char *ip, uint16_t port, vs__admin_kind kind, const vs_scan_opts *o,
                         admin_hit *hit)
{
    int64_t deadline = vs__deadline(o->timeout_s);
    vs__conn c;
    if (!tcp_open(&c, ip, port, VS_SCAN_TCP, NULL, NULL, deadline))
        return false;
    char *buf = malloc(READ_MAX);
    if (!buf) {
        vs__conn_close(&c);
        return false;
    }
    bool found = false;
    if (kind == VS__ADMIN_AMI) {
        size_t n = read_until(&c, buf, READ_MAX, "\n", deadline);
        const char *p = buf;
        while (*p == '\r' || *p == '\n' || *p == ' ')
            p++;
        found = n > 0 && !strncmp(p, "Asterisk Call Manager/", 22);
        hit->service = "ami";
        banner_clean(buf, n, false, hit->banner);
    } else if (kind == VS__ADMIN_ESL) {
        size_t n = read_until(&c, buf, READ_MAX, "\n\n", deadline);
        found = n > 0 && strstr(buf, "Content-Type: auth/request") != NULL;
        hit->service = "esl";
        banner_clean(buf, n, false, hit->banner);
    } else { /* telnet: the connection is the finding; a banner is a bonus */
        double wait = o->timeout_s < 1.0 ? o->timeout_s : 1.0;
        size_t n = read_until(&c, buf, READ_MAX, "\n", vs__deadline(wait));
        found = true;
        hit->service = "telnet";
        banner_clean(buf, n, true, hit->banner);
    }
    hit->transport = "tcp";
    free(buf);
    vs__conn_close(&c);
    return found;
}

static bool probe_web(const char *ip, const char *host, uint16_t port, bool tls,
                      const vs_scan_opts *o, admin_hit *hit)
{
    int64_t deadline = vs__deadline(o->timeout_s);
    SSL_CTX *ctx = NULL;
    if (tls && !(ctx = vs__tls_client_ctx(0, 0)))
        return false;
    vs__conn c;
    bool found = false;
    char *buf = NULL;
    if (!tcp_open(&c, ip, port, tls ? VS_SCAN_TLS : VS_SCAN_TCP, ctx, host, deadline))
        goto done;
    char req[512];
    const char *name = host && *host ? host : ip;
    bool v6 = strchr(name, ':') != NULL;
    int rn =
        snprintf(req, sizeof req,
                 "HEAD / HTTP/1.0\r\nHost: %s%s%s\r\nUser-Agent: %s\r\nConnection: close\r\n\r\n",
                 v6 ? "[" : "", name, v6 ? "]" : "", o->user_agent[0] ? o->user_agent : "voipsec");
    if (rn <= 0 || (size_t)rn >= sizeof req ||
        vs__conn_send(&c, req, (size_t)rn, deadline) != VS_OK)
        goto done;
    if (!(buf = malloc(READ_MAX)))
        goto done;
    size_t n = read_until(&c, buf, READ_MAX, "\r\n\r\n", deadline);
    unsigned major = 0, minor = 0;
    int status = 0;
    if (n < 12 || strncmp(buf, "HTTP/", 5) ||
        sscanf(buf, "HTTP/%u.%u %d", &major, &minor, &status) != 3 || status < 100 || status > 999)
        goto done;
    found = true;
    hit->service = "web";
    hit->transport = tls ? "tls" : "tcp";
    hit->http_status = status;
    banner_clean(buf, n, false, hit->banner);
    /* Server header, case-insensitively, from the header lines */
    for (char *line = strchr(buf, '\n'); line; line = strchr(line, '\n')) {
        line++;
        if (!strncmp(line, "\r\n", 2) || *line == '\n' || !*line)
            break;
        static const char key[] = "server:";
        size_t k = 0;
        while (k < sizeof key - 1 && line[k] && (line[k] | 0x20) == key[k])
            k++;
        if (k == sizeof key - 1) {
            banner_clean(line + k, strlen(line + k), false, hit->server);
            break;
        }
    }
done:
    free(buf);
    vs__conn_close(&c);
    SSL_CTX_free(ctx);
    return found;
}

static bool probe_tftp(const char *ip, uint16_t port, const vs_scan_opts *o, admin_hit *hit)
{
    int64_t deadline = vs__deadline(o->timeout_s);
    struct sockaddr_storage ss;
    socklen_t len;
    if (!vs__addr_make(ip, port, &ss, &len))
        return false;
    vs__conn c;
    vs__conn_init(&c);
    if (vs__conn_open(&c, (struct sockaddr *)&ss, len, VS_SCAN_UDP, NULL, NULL, deadline) != VS_OK)
        return false;
    /* RRQ: opcode 1, file name, 0, mode, 0 (RFC 1350) */
    char name[48] = "voipsec-probe-";
    vs__rand_hex(name + strlen(name), 12);
    strcat(name, ".cfg");
    char rrq[96];
    size_t q = 0;
    rrq[q++] = 0;
    rrq[q++] = 1;
    memcpy(rrq + q, name, strlen(name) + 1);
    q += strlen(name) + 1;
    memcpy(rrq + q, "octet", 6);
    q += 6;
    bool found = false;
    if (vs__conn_send(&c, rrq, q, deadline) != VS_OK)
        goto done;
    bool resent = false;
    int64_t half = vs__now_ns() + (deadline - vs__now_ns()) / 2;
    char dgram[1024];
    for (int i = 0; i < 32; i++) {
        size_t n = 0;
        if (vs__conn_recv(&c, dgram, sizeof dgram, &n, resent ? deadline : half) != VS_OK) {
            if (c.timed_out && !resent && vs__now_ns() < deadline) {
                resent = true; /* the request or its answer was lost: ask once more */
                vs__conn_send(&c, rrq, q, deadline);
                continue;
            }
            break;
        }
        if (n < 4 || dgram[0] != 0)
            continue;
        if (dgram[1] == 5) { /* ERROR: code, message */
            found = true;
            banner_clean(dgram + 4, n - 4, false, hit->banner);
            break;
        }
        if (dgram[1] == 3) { /* DATA: abort the transfer at the sender's port */
            static const char abort_msg[] = {0, 5, 0, 0, 'a', 'b', 'o', 'r', 't', 0};
            vs__conn_send_to(&c, abort_msg, sizeof abort_msg, (struct sockaddr *)&c.from,
                             c.fromlen);
            found = true;
            snprintf(hit->banner, sizeof hit->banner, "DATA block %u",
                     ((unsigned)(unsigned char)dgram[2] << 8) | (unsigned char)dgram[3]);
            break;
        }
    }
done:
    hit->service = "tftp";
    hit->transport = "udp";
    vs__conn_close(&c);
    return found;
}

/* ---- findings ----------------------------------------------------------------------------- */

static void report(const char *ip, uint16_t port, vs__admin_kind kind, const admin_hit *hit,
                   vs_scan_finding_fn fn, void *ctx)
{
    vs_severity sev = kind == VS__ADMIN_AMI || kind == VS__ADMIN_ESL || kind == VS__ADMIN_TELNET
                          ? VS_SEV_HIGH
                          : VS_SEV_MEDIUM;
    vs_finding f;
    vs_finding_init(&f, "scan.admin-exposed", VS_PRACTICE_EQUIPMENT, sev);
    vs_finding_set(f.dst.ip, sizeof f.dst.ip, ip);
    f.dst.port = port;
    vs_finding_set(f.dst.transport, sizeof f.dst.transport, hit->transport);
    char *e = f.evidence;
    size_t es = sizeof f.evidence;
    vs_evidence_int(e, es, "port", port);
    vs_evidence_str(e, es, "service", hit->service);
    vs_evidence_str(e, es, "banner", hit->banner);
    if (kind == VS__ADMIN_HTTP || kind == VS__ADMIN_HTTPS) {
        vs_evidence_int(e, es, "http_status", hit->http_status);
        if (hit->server[0])
            vs_evidence_str(e, es, "server", hit->server);
    }
    switch (kind) {
    case VS__ADMIN_AMI:
        vs_finding_setf(f.title, sizeof f.title,
                        "The Asterisk management interface (AMI) of %s is reachable on port %u", ip,
                        (unsigned)port);
        vs_finding_set(f.explain, sizeof f.explain,
                       "AMI is the remote control of an Asterisk phone system: whoever logs in "
                       "can place calls anywhere, listen to what happens and, with the usual "
                       "permissions, change the configuration or run commands on the server. It "
                       "answers here to anyone who can reach this address, so only its password "
                       "stands between an attacker and the whole system; AMI passwords are "
                       "guessed and AMI flaws are exploited from the internet.");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Bind AMI to the local machine (manager.conf bindaddr=127.0.0.1) or "
                       "block port 5038 at the firewall except from the few hosts that need it; "
                       "give every manager user a long random secret and permit/deny lines for "
                       "its addresses.");
        break;
    case VS__ADMIN_ESL:
        vs_finding_setf(f.title, sizeof f.title,
                        "The FreeSWITCH event socket of %s is reachable on port %u", ip,
                        (unsigned)port);
        vs_finding_set(f.explain, sizeof f.explain,
                       "The event socket gives full control of FreeSWITCH: calls, configuration "
                       "and, through its commands, the server itself. It answers here to anyone "
                       "who can reach this address, and it is protected by a single password "
                       "whose well-known default (ClueCon) is often left in place.");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Make the event socket listen on 127.0.0.1 only (event_socket.conf.xml "
                       "listen-ip), set a long random password, restrict it with "
                       "apply-inbound-acl, and block port 8021 at the firewall.");
        break;
    case VS__ADMIN_TELNET:
        vs_finding_setf(f.title, sizeof f.title, "%s accepts telnet logins on port %u", ip,
                        (unsigned)port);
        vs_finding_set(f.explain, sizeof f.explain,
                       "Telnet is a remote login without encryption: the user name, the "
                       "password and everything typed cross the network readable by anyone on "
                       "the way. Telnet on phone equipment usually gives administrator access, "
                       "often with factory passwords, and is a favourite target of automated "
                       "attacks.");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Turn telnet off on this device. If remote administration is needed, use "
                       "SSH or the HTTPS web interface, reachable only from a management network "
                       "or VPN.");
        break;
    case VS__ADMIN_HTTP:
    case VS__ADMIN_HTTPS:
        vs_finding_setf(f.title, sizeof f.title, "A web interface answers on %s port %u%s", ip,
                        (unsigned)port, kind == VS__ADMIN_HTTPS ? " (HTTPS)" : "");
        vs_finding_setf(f.explain, sizeof f.explain,
                        "This address serves web pages%s. On phone systems, phones and gateways "
                        "this is the administration interface: reachable by anyone who can reach "
                        "the address, it is exposed to password guessing and to the flaws of the "
                        "device's web software.%s",
                        hit->server[0] ? " (the server calls itself so in its answer)" : "",
                        kind == VS__ADMIN_HTTP ? " Over plain HTTP the administrator's password "
                                                 "also crosses the network unencrypted."
                                               : "");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Allow the administration pages only from a management network or VPN "
                       "(firewall, or the device's own access list), use HTTPS only, change the "
                       "default administrator password, and keep the firmware up to date.");
        break;
    case VS__ADMIN_TFTP:
        vs_finding_setf(f.title, sizeof f.title, "A TFTP provisioning server answers on %s port %u",
                        ip, (unsigned)port);
        vs_finding_set(f.explain, sizeof f.explain,
                       "TFTP hands out files to whoever asks, without any password. Phone "
                       "systems use it to give phones their configuration files, which usually "
                       "contain the phones' SIP passwords and administrator passwords; anyone "
                       "who can reach this server can guess the file names (they follow the "
                       "phones' MAC addresses) and download them.");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Make TFTP reachable only from the phones' own network, or switch "
                       "provisioning to HTTPS with a user name and password per phone; never "
                       "expose it to the internet.");
        break;
    }
    fn(ctx, &f);
}

void vs__check_admin_ports(const char *ip, const char *host, const vs_scan_opts *o,
                           const vs__admin_port *ports, size_t nports, vs_scan_finding_fn fn,
                           void *ctx)
{
    if (!ip || !o || !ports || !fn)
        return;
    for (size_t i = 0; i < nports; i++) {
        admin_hit hit;
        memset(&hit, 0, sizeof hit);
        bool found = false;
        switch (ports[i].kind) {
        case VS__ADMIN_AMI:
        case VS__ADMIN_ESL:
        case VS__ADMIN_TELNET:
            found = probe_banner(ip, ports[i].port, ports[i].kind, o, &hit);
            break;
        case VS__ADMIN_HTTP:
            found = probe_web(ip, host, ports[i].port, false, o, &hit);
            break;
        case VS__ADMIN_HTTPS:
            found = probe_web(ip, host, ports[i].port, true, o, &hit);
            break;
        case VS__ADMIN_TFTP:
            found = probe_tftp(ip, ports[i].port, o, &hit);
            break;
        }
        if (found)
            report(ip, ports[i].port, ports[i].kind, &hit, fn, ctx);
    }
}
