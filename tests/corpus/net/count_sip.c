/* count_sip: reads one capture file with vs_capture/vs_net and counts the SIP messages in the
 * payloads it hands out, for tests/corpus/net/check_counts.py (which compares with tshark).
 *
 * Usage: count_sip [-v] CAPTURE
 * Each payload (a UDP datagram, an SCTP DATA chunk, or one message framed from a TCP stream) is
 * parsed with vs_sip_parse(VS_SIP_OPT_LAZY); it counts as a SIP message when it frames (>= 0) and
 * its start line carries SIP/2.0 (so an HTTP request on port 5060 does not count). Prints
 *   sip_messages N
 *   sip_by_kind INVITE:3 200:2 ...      (methods and status codes, sorted)
 *   <stat> <value>                       one line per vs_net_stats field
 *   warnings N
 * -v also prints each warning on stderr. Exit 0; 2 when the file cannot be opened; 3 when it
 * could not be read to the end (the counts of what was read are printed all the same). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voipsec/capture.h>
#include <voipsec/sip.h>

#define MAX_KINDS 128

typedef struct counter {
    uint64_t sip;
    uint64_t warnings;
    int verbose;
    size_t nkinds;
    char kind[MAX_KINDS][32];
    uint64_t kind_n[MAX_KINDS];
} counter;

static void bump(counter *c, const char *k)
{
    for (size_t i = 0; i < c->nkinds; i++) {
        if (strcmp(c->kind[i], k) == 0) {
            c->kind_n[i]++;
            return;
        }
    }
    if (c->nkinds == MAX_KINDS)
        return;
    snprintf(c->kind[c->nkinds], sizeof c->kind[0], "%s", k);
    c->kind_n[c->nkinds++] = 1;
}

static void on_payload(void *ctx, const vs_payload *p)
{
    counter *c = ctx;
    static vs_sip_header hdr[VS_SIP_DEFAULT_HEADERS];
    vs_sip_msg msg;
    long r = vs_sip_parse(p->data, p->len, &msg, hdr, VS_SIP_DEFAULT_HEADERS, VS_SIP_OPT_LAZY);
    if (r < 0 || !vs_slice_caseeq_str(msg.version, "SIP/2.0"))
        return;
    c->sip++;
    char k[32];
    if (msg.kind == VS_SIP_REQUEST)
        snprintf(k, sizeof k, "%.*s", msg.method.len > 24 ? 24 : (int)msg.method.len,
                 msg.method.ptr);
    else
        snprintf(k, sizeof k, "%u", msg.status);
    bump(c, k);
}

static void on_warn(void *ctx, uint64_t packet_no, const char *text)
{
    counter *c = ctx;
    c->warnings++;
    if (c->verbose)
        fprintf(stderr, "warning (packet %llu): %s\n", (unsigned long long)packet_no, text);
}

static int cmp_kind(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

int main(int argc, char **argv)
{
    static counter c;
    int argi = 1;
    if (argi < argc && strcmp(argv[argi], "-v") == 0) {
        c.verbose = 1;
        argi++;
    }
    if (argi + 1 != argc) {
        fprintf(stderr, "usage: count_sip [-v] CAPTURE\n");
        return 2;
    }
    char err[512];
    vs_capture *cap = vs_capture_open_file(argv[argi], err, sizeof err);
    if (!cap) {
        fprintf(stderr, "count_sip: %s\n", err);
        return 2;
    }
    vs_net_config cfg;
    vs_net_config_default(&cfg);
    cfg.on_payload = on_payload;
    cfg.on_warn = on_warn;
    cfg.ctx = &c;
    vs_net *net = vs_net_new(&cfg);
    if (!net) {
        fprintf(stderr, "count_sip: out of memory\n");
        vs_capture_free(cap);
        return 2;
    }
    int status = 0;
    while (!vs_capture_done(cap)) {
        if (vs_capture_run(cap, net, 1000) != VS_OK) {
            status = 3;
            break;
        }
    }
    vs_net_finish(net);

    printf("sip_messages %llu\n", (unsigned long long)c.sip);
    /* sort names with their counts: pack "name\0count" pairs */
    char rows[MAX_KINDS][64];
    for (size_t i = 0; i < c.nkinds; i++)
        snprintf(rows[i], sizeof rows[i], "%s:%llu", c.kind[i], (unsigned long long)c.kind_n[i]);
    qsort(rows, c.nkinds, sizeof rows[0], cmp_kind);
    printf("sip_by_kind");
    for (size_t i = 0; i < c.nkinds; i++)
        printf(" %s", rows[i]);
    printf("\n");
    const vs_net_stats *s = vs_net_get_stats(net);
#define STAT(f) printf(#f " %llu\n", (unsigned long long)s->f)
    STAT(packets);
    STAT(bytes);
    STAT(decode_errors);
    STAT(truncated);
    STAT(not_ip);
    STAT(other_transport);
    STAT(udp_datagrams);
    STAT(sctp_chunks);
    STAT(tcp_segments);
    STAT(fragments);
    STAT(reassembled);
    STAT(fragments_dropped);
    STAT(tcp_flows);
    STAT(tcp_evicted);
    STAT(tcp_gaps);
    STAT(tcp_unframeable);
    STAT(tls_flows);
    STAT(tls_bytes);
    STAT(payloads);
#undef STAT
    printf("warnings %llu\n", (unsigned long long)c.warnings);
    vs_net_free(net);
    vs_capture_free(cap);
    return status;
}
