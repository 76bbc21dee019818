/* TCP reassembly and SIP message framing per half-connection (private to src/net).
 *
 * vs_net's decoder hands every TCP segment here. Each direction of a connection is a flow keyed by
 * (src, dst, sport, dport); bytes are put in order by sequence number (out-of-order segments held,
 * retransmissions and overlaps trimmed), and whenever the in-order bytes hold a complete SIP
 * message (vs_sip_stream_frame) it is handed to cfg->on_payload with transport TCP. A stream that
 * starts with a TLS record (0x16 0x03) is counted in stats->tls_flows / tls_bytes and skipped.
 * A stream that is not SIP is given up (stats->tcp_unframeable) and its bytes dropped. A gap that
 * does not fill (buffer full or flow idle) is skipped: the stream resynchronises at the next line
 * that starts a SIP message (stats->tcp_gaps). Flows are capped (cfg->max_tcp_flows; the least
 * recently used is evicted, stats->tcp_evicted) and so are the bytes per flow
 * (cfg->max_tcp_flow_bytes). */
#ifndef VS_NET_TCP_REASM_H
#define VS_NET_TCP_REASM_H

#include <voipsec/capture.h>

typedef struct vs__tcp vs__tcp;

/* cfg and stats are borrowed for the lifetime of the object (they live in the owning vs_net). */
vs__tcp *vs__tcp_new(const vs_net_config *cfg, vs_net_stats *stats);
void vs__tcp_free(vs__tcp *t);

/* flags: the TCP header flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10). */
void vs__tcp_segment(vs__tcp *t, const vs_ip *src, const vs_ip *dst, uint16_t sport,
                     uint16_t dport, uint32_t seq, uint8_t flags, const uint8_t *data, size_t len,
                     int64_t ts_us, uint64_t packet_no, bool truncated);

/* Evicts flows idle since before now_us - cfg->tcp_idle_us. */
void vs__tcp_expire(vs__tcp *t, int64_t now_us);
/* End of capture: hands out what can still be framed, counts the rest. */
void vs__tcp_finish(vs__tcp *t);
/* Flows tracked and bytes buffered now (tests and benchmarks check the caps with it). */
void vs__tcp_usage(const vs__tcp *t, size_t *flows, size_t *bytes);

#endif
