/* Building the SIP requests the scanner sends. One function for every method, so that every
 * probe looks alike and says honestly who sends it (User-Agent voipsec/VERSION). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scan/scan_internal.h"

const char *vs__transport_id(unsigned transport)
{
    switch (transport) {
    case VS_SCAN_TCP: return "tcp";
    case VS_SCAN_TLS: return "tls";
    default: return "udp";
    }
}

static const char *via_transport(unsigned transport)
{
    switch (transport) {
    case VS_SCAN_TCP: return "TCP";
    case VS_SCAN_TLS: return "TLS";
    default: return "UDP";
    }
}

typedef struct out_buf {
    char *p;
    size_t size, len;
    bool overflow;
} out_buf;

__attribute__((format(printf, 2, 3))) static void put(out_buf *b, const char *fmt, ...)
{
    if (b->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->size - b->len) {
        b->overflow = true;
        return;
    }
    b->len += (size_t)n;
}

/* host as it goes into a URI or Via: IPv6 literals in brackets. */
static void put_host(out_buf *b, const char *host)
{
    if (strchr(host, ':'))
        put(b, "[%s]", host);
    else
        put(b, "%s", host);
}

static void put_uri(out_buf *b, const char *user, const char *host, uint16_t port,
                    unsigned transport)
{
    put(b, "%s:", transport == VS_SCAN_TLS ? "sips" : "sip");
    if (user && *user)
        put(b, "%s@", user);
    put_host(b, host);
    uint16_t dflt = transport == VS_SCAN_TLS ? 5061 : 5060;
    if (port && port != dflt)
        put(b, ":%u", (unsigned)port);
    if (transport == VS_SCAN_TCP)
        put(b, ";transport=tcp");
}

size_t vs__request_build(char *buf, size_t size, const vs__request *r)
{
    if (!buf || size == 0 || !r || !r->method || !r->host || !r->local_ip)
        return 0;
    out_buf b = {buf, size, 0, false};
    const char *to_user = r->to_user ? r->to_user : r->ruri_user;
    const char *from_user = r->from_user && *r->from_user ? r->from_user : "voipsec";

    put(&b, "%s ", r->method);
    put_uri(&b, r->ruri_user, r->host, r->port, r->transport);
    put(&b, " SIP/2.0\r\n");
    put(&b, "Via: SIP/2.0/%s ", via_transport(r->transport));
    put_host(&b, r->local_ip);
    put(&b, ":%u;branch=z9hG4bK%s;rport\r\n", (unsigned)r->local_port, r->branch ? r->branch : "");
    put(&b, "Max-Forwards: 70\r\n");
    put(&b, "From: <");
    put_uri(&b, from_user, r->host, r->port, r->transport);
    put(&b, ">;tag=%s\r\n", r->from_tag ? r->from_tag : "voipsec");
    put(&b, "To: <");
    put_uri(&b, to_user, r->host, r->port, r->transport);
    put(&b, ">");
    if (r->to_tag && *r->to_tag)
        put(&b, ";tag=%s", r->to_tag);
    put(&b, "\r\n");
    put(&b, "Call-ID: %s\r\n", r->call_id ? r->call_id : "");
    put(&b, "CSeq: %u %s\r\n", (unsigned)r->cseq, r->method);
    if (strcmp(r->method, "INVITE") == 0 || strcmp(r->method, "REGISTER") == 0 ||
        strcmp(r->method, "OPTIONS") == 0) {
        put(&b, "Contact: <%s:%s@", r->transport == VS_SCAN_TLS ? "sips" : "sip", from_user);
        put_host(&b, r->local_ip);
        put(&b, ":%u", (unsigned)r->local_port);
        if (r->transport == VS_SCAN_TCP)
            put(&b, ";transport=tcp");
        put(&b, ">\r\n");
    }
    if (strcmp(r->method, "OPTIONS") == 0)
        put(&b, "Accept: application/sdp\r\n");
    if (strcmp(r->method, "REGISTER") == 0)
        put(&b, "Expires: 0\r\n");
    put(&b, "User-Agent: %s\r\n", r->user_agent && *r->user_agent ? r->user_agent : "voipsec");
    if (r->extra)
        put(&b, "%s", r->extra);
    put(&b, "Content-Length: 0\r\n\r\n");
    return b.overflow ? 0 : b.len;
}
