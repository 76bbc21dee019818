/* Dispatch of the opt-in checks (scan_internal.h): which check runs on what.
 *
 * tls runs on TLS services; auth and enum-leak on every SIP service that answered (over its own
 * transport, so a TLS service is also asked through TLS); admin once per address. Each check
 * opens its own sockets and closes them before returning, so calls on different services may run
 * in parallel threads. */
#include "scan/conn.h"

void vs__check_service(const vs_scan_result *svc, const vs_scan_opts *o, vs_scan_finding_fn fn,
                       void *ctx)
{
    if (!svc || !o || !fn || svc->status != VS_SCAN_ANSWERED)
        return;
    unsigned t = vs__transport_bit(svc->transport);
    if (!t)
        return;
    if ((o->checks & VS_SCAN_CHECK_TLS) && t == VS_SCAN_TLS)
        vs__check_tls(svc, o, fn, ctx);
    if (o->checks & VS_SCAN_CHECK_AUTH)
        vs__check_auth(svc, o, fn, ctx);
    if (o->checks & VS_SCAN_CHECK_ENUM)
        vs__check_enum(svc, o, fn, ctx);
}

void vs__check_admin(const char *ip, const char *host, bool trunk, const vs_scan_opts *o,
                     vs_scan_finding_fn fn, void *ctx)
{
    (void)trunk; /* admin interfaces are equipment access, trunk or not */
    if (!ip || !o || !fn || !(o->checks & VS_SCAN_CHECK_ADMIN))
        return;
    vs__check_admin_ports(ip, host, o, vs__admin_ports, vs__admin_nports, fn, ctx);
}
