/* `voipsec sip parse`: a verdict and a summary for each SIP message file.
 *
 * Files are read as text files by default (VS_SIP_OPT_TEXT_FILE): a message saved with bare LF
 * line ends has lost the byte count its Content-Length was computed on, so that count is not
 * enforced there; --strict reads every file exactly as a datagram. See docs/cli/sip-parse.md. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { FMT_TEXT, FMT_JSON };

typedef struct parse_opts {
    int format;
    unsigned flags;
} parse_opts;

static void parse_usage(FILE *out)
{
    fprintf(out,
            "usage: voipsec sip parse [--format text|json] [--strict] FILE...\n\n"
            "Parses each FILE as one SIP message ('-' reads standard input) and gives its verdict:\n"
            "valid or invalid under RFC 3261, with every error and anomaly and its byte offset,\n"
            "the main headers, and for an SDP body whether each media stream is encrypted.\n\n"
            "Options:\n"
            "  -f, --format FMT  text (default) or json: one JSON object per file, one per line\n"
            "      --strict      treat every file as a datagram on the wire: Content-Length is\n"
            "                    enforced even when the file's lines end in bare LF\n"
            "  -h, --help        this help\n\n"
            "Exit status: 0 every message valid, 1 at least one invalid, 2 usage error or a file\n"
            "that cannot be read. Passwords in URIs are masked; key material is never printed.\n");
}

/* Prints bytes for a terminal: control bytes and backslash as escapes, the rest as is. */
static void text_out(FILE *out, vs_slice s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\x%02x", c);
        else
            putc(c, out);
    }
}

/* A header value (or URI) with any URI password replaced by "****". */
typedef struct masked {
    vs_slice before, after;
    bool has_password;
} masked;

static masked mask_password(vs_slice value, bool is_uri)
{
    masked m = {value, VS_SLICE_NULL, false};
    vs_sip_uri uri;
    vs_sip_addr addr;
    const vs_sip_uri *u = NULL;
    if (is_uri) {
        if (vs_sip_uri_parse(value, &uri, NULL) == VS_OK)
            u = &uri;
    } else if (vs_sip_addr_parse(value, &addr, NULL) == VS_OK) {
        u = &addr.uri;
    }
    if (u && u->password.len) {
        m.has_password = true;
        m.before = vs_slice_make(value.ptr, (size_t)(u->password.ptr - value.ptr));
        const char *a = u->password.ptr + u->password.len;
        m.after = vs_slice_make(a, (size_t)(value.ptr + value.len - a));
    }
    return m;
}

static void json_masked(FILE *out, vs_slice value, bool is_uri)
{
    masked m = mask_password(value, is_uri);
    if (!m.has_password) {
        vs_json_slice(out, value);
        return;
    }
    /* build the masked text in a bounded buffer; values are at most one message long */
    size_t n = m.before.len + 4 + m.after.len;
    char *tmp = malloc(n ? n : 1);
    if (!tmp) {
        vs_json_cstr(out, "****");
        return;
    }
    memcpy(tmp, m.before.ptr, m.before.len);
    memcpy(tmp + m.before.len, "****", 4);
    memcpy(tmp + m.before.len + 4, m.after.ptr, m.after.len);
    vs_json_str(out, tmp, n);
    free(tmp);
}

static void text_masked(FILE *out, vs_slice value, bool is_uri)
{
    masked m = mask_password(value, is_uri);
    if (!m.has_password) {
        text_out(out, value);
        return;
    }
    text_out(out, m.before);
    fputs("****", out);
    text_out(out, m.after);
}

static vs_slice header_value(const vs_sip_msg *msg, vs_sip_hdr_id id)
{
    const vs_sip_header *h = vs_sip_find(msg, id);
    return h ? h->value : VS_SLICE_NULL;
}

typedef struct body_view {
    bool has_sdp;
    vs_rc find_rc;
    vs_rc sdp_rc;
    vs_sdp sdp;
} body_view;

static void read_body(const vs_sip_msg *msg, body_view *bv)
{
    memset(bv, 0, sizeof *bv);
    if (msg->body.len == 0)
        return;
    vs_slice sdp_body;
    bv->find_rc = vs_sdp_find_in_body(header_value(msg, VS_SIP_HDR_CONTENT_TYPE), msg->body, &sdp_body);
    if (bv->find_rc != VS_OK)
        return;
    bv->has_sdp = true;
    bv->sdp_rc = vs_sdp_parse(sdp_body.ptr, sdp_body.len, &bv->sdp);
}

static void json_field_slice(FILE *out, const char *name, vs_slice v)
{
    if (!v.ptr)
        return;
    fprintf(out, ",\"%s\":", name);
    vs_json_slice(out, v);
}

static void json_issues(FILE *out, const vs_sip_msg *msg, bool errors)
{
    bool first = true;
    fputs(errors ? ",\"errors\":[" : ",\"anomalies\":[", out);
    for (size_t i = 0; i < msg->issue_count; i++) {
        const vs_sip_issue *is = &msg->issues[i];
        if (vs_sip_issue_is_error(is->code) != errors)
            continue;
        fprintf(out, "%s{\"code\":", first ? "" : ",");
        vs_json_cstr(out, vs_sip_issue_id(is->code));
        fprintf(out, ",\"offset\":%u,\"message\":", (unsigned)is->offset);
        vs_json_cstr(out, vs_sip_issue_text(is->code));
        putc('}', out);
        first = false;
    }
    putc(']', out);
}

static void json_media(FILE *out, const body_view *bv)
{
    if (!bv->has_sdp)
        return;
    fputs(",\"media\":[", out);
    for (size_t i = 0; i < bv->sdp.media_count; i++) {
        const vs_sdp_media *m = &bv->sdp.media[i];
        fprintf(out, "%s{\"media\":", i ? "," : "");
        vs_json_slice(out, m->media);
        fprintf(out, ",\"port\":%u,\"proto\":", (unsigned)m->port);
        vs_json_slice(out, m->proto_text);
        fprintf(out, ",\"encrypted\":%s,\"reason\":", m->encrypted ? "true" : "false");
        vs_json_cstr(out, vs_sdp_reason_id(m->reason));
        if (m->conn_addr.len) {
            fputs(",\"address\":", out);
            vs_json_slice(out, m->conn_addr);
        }
        if (m->crypto_count) {
            fputs(",\"crypto\":[", out);
            for (size_t c = 0; c < m->crypto_count; c++) {
                fprintf(out, "%s{\"tag\":%u,\"suite\":", c ? "," : "", (unsigned)m->crypto[c].tag);
                vs_json_slice(out, m->crypto[c].suite);
                fprintf(out, ",\"key_ok\":%s}", m->crypto[c].key_ok ? "true" : "false");
            }
            putc(']', out);
        }
        if (m->fingerprint_hash.len) {
            fputs(",\"fingerprint\":", out);
            vs_json_slice(out, m->fingerprint_hash);
        }
        putc('}', out);
    }
    putc(']', out);
    if (bv->sdp.media_total > bv->sdp.media_count)
        fprintf(out, ",\"media_total\":%zu", bv->sdp.media_total);
    if (bv->sdp_rc != VS_OK) {
        fputs(",\"sdp_error\":{\"offset\":", out);
        fprintf(out, "%zu,\"message\":", bv->sdp.error_offset);
        vs_json_cstr(out, bv->sdp.error ? bv->sdp.error : "malformed SDP");
        putc('}', out);
    }
}

static void print_json(FILE *out, const char *file, long rc, const vs_sip_msg *msg, size_t size)
{
    fputs("{\"file\":", out);
    vs_json_cstr(out, file);
    fprintf(out, ",\"valid\":%s", rc >= 0 && msg->valid ? "true" : "false");
    if (msg->kind == VS_SIP_REQUEST) {
        fputs(",\"kind\":\"request\"", out);
        json_field_slice(out, "method", msg->method);
        fputs(",\"request_uri\":", out);
        json_masked(out, msg->request_uri, true);
    } else if (msg->kind == VS_SIP_RESPONSE) {
        fprintf(out, ",\"kind\":\"response\",\"status\":%u", msg->status);
        json_field_slice(out, "reason", msg->reason);
    } else {
        fputs(",\"kind\":null", out);
    }
    json_field_slice(out, "call_id", header_value(msg, VS_SIP_HDR_CALL_ID));
    vs_slice from = header_value(msg, VS_SIP_HDR_FROM), to = header_value(msg, VS_SIP_HDR_TO);
    if (from.ptr) {
        fputs(",\"from\":", out);
        json_masked(out, from, false);
    }
    if (to.ptr) {
        fputs(",\"to\":", out);
        json_masked(out, to, false);
    }
    json_field_slice(out, "cseq", header_value(msg, VS_SIP_HDR_CSEQ));
    json_field_slice(out, "user_agent", header_value(msg, VS_SIP_HDR_USER_AGENT));
    json_field_slice(out, "server", header_value(msg, VS_SIP_HDR_SERVER));
    fprintf(out, ",\"headers\":%zu,\"bytes\":%zu", msg->header_count, size);
    if (rc >= 0)
        fprintf(out, ",\"length\":%ld,\"body_length\":%zu", rc, msg->body.len);
    json_issues(out, msg, true);
    json_issues(out, msg, false);
    if (msg->issues_total > msg->issue_count)
        fprintf(out, ",\"issues_total\":%zu", msg->issues_total);
    if (rc >= 0) {
        body_view bv;
        read_body(msg, &bv);
        json_media(out, &bv);
    }
    fputs("}\n", out);
}

static void text_line(FILE *out, const char *label, vs_slice v, bool mask_addr)
{
    if (!v.ptr)
        return;
    fprintf(out, "  %-11s ", label);
    if (mask_addr)
        text_masked(out, v, false);
    else
        text_out(out, v);
    putc('\n', out);
}

static void print_text(FILE *out, const char *file, long rc, const vs_sip_msg *msg)
{
    bool valid = rc >= 0 && msg->valid;
    fprintf(out, "%s: %s", file, valid ? "valid" : "INVALID");
    if (msg->kind == VS_SIP_REQUEST) {
        fputs(" request ", out);
        text_out(out, msg->method);
        putc(' ', out);
        text_masked(out, msg->request_uri, true);
    } else if (msg->kind == VS_SIP_RESPONSE) {
        fprintf(out, " response %u ", msg->status);
        text_out(out, msg->reason);
    } else {
        fputs(" (not a SIP message)", out);
    }
    putc('\n', out);
    text_line(out, "call-id", header_value(msg, VS_SIP_HDR_CALL_ID), false);
    text_line(out, "from", header_value(msg, VS_SIP_HDR_FROM), true);
    text_line(out, "to", header_value(msg, VS_SIP_HDR_TO), true);
    text_line(out, "cseq", header_value(msg, VS_SIP_HDR_CSEQ), false);
    text_line(out, "user-agent", header_value(msg, VS_SIP_HDR_USER_AGENT), false);
    text_line(out, "server", header_value(msg, VS_SIP_HDR_SERVER), false);
    if (rc >= 0) {
        body_view bv;
        read_body(msg, &bv);
        for (size_t i = 0; bv.has_sdp && i < bv.sdp.media_count; i++) {
            const vs_sdp_media *m = &bv.sdp.media[i];
            fputs("  media       ", out);
            text_out(out, m->media);
            fprintf(out, " port %u ", (unsigned)m->port);
            text_out(out, m->proto_text);
            fprintf(out, ": %s (%s)\n", m->encrypted ? "encrypted" : "NOT encrypted",
                    vs_sdp_reason_text(m->reason));
        }
        if (bv.has_sdp && bv.sdp_rc != VS_OK)
            fprintf(out, "  sdp         malformed at byte %zu of the SDP: %s\n", bv.sdp.error_offset,
                    bv.sdp.error ? bv.sdp.error : "syntax error");
    }
    for (size_t i = 0; i < msg->issue_count; i++) {
        const vs_sip_issue *is = &msg->issues[i];
        fprintf(out, "  %-11s at byte %u: %s (%s)\n",
                vs_sip_issue_is_error(is->code) ? "error" : "anomaly", (unsigned)is->offset,
                vs_sip_issue_text(is->code), vs_sip_issue_id(is->code));
    }
}

static int sip_parse(int argc, char **argv)
{
    parse_opts o = {FMT_TEXT, VS_SIP_OPT_TEXT_FILE};
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"strict", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") == 0)
                o.format = FMT_JSON;
            else if (strcmp(optarg, "text") == 0)
                o.format = FMT_TEXT;
            else {
                fprintf(stderr, "voipsec sip parse: unknown format '%s' (use text or json)\n", optarg);
                return VS_EXIT_USAGE;
            }
            break;
        case 's':
            o.flags &= ~(unsigned)VS_SIP_OPT_TEXT_FILE;
            break;
        case 'h':
            parse_usage(stdout);
            return VS_EXIT_OK;
        default:
            parse_usage(stderr);
            return VS_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "voipsec sip parse: no FILE given\n");
        parse_usage(stderr);
        return VS_EXIT_USAGE;
    }

    vs_sip_header *headers = malloc(sizeof *headers * VS_SIP_DEFAULT_HEADERS);
    vs_sip_msg *msg = malloc(sizeof *msg);
    if (!headers || !msg) {
        fprintf(stderr, "voipsec: out of memory\n");
        abort();
    }
    size_t nvalid = 0, ninvalid = 0, nunreadable = 0;
    for (int i = optind; i < argc; i++) {
        char *buf = NULL;
        size_t len = 0;
        if (vs_read_file(argv[i], VS_SIP_MAX_MESSAGE, &buf, &len) != 0) {
            fprintf(stderr, "voipsec sip parse: %s: %s\n", argv[i], strerror(errno));
            nunreadable++;
            continue;
        }
        long rc = vs_sip_parse(buf, len, msg, headers, VS_SIP_DEFAULT_HEADERS, o.flags);
        if (rc >= 0 && msg->valid)
            nvalid++;
        else
            ninvalid++;
        if (o.format == FMT_JSON)
            print_json(stdout, argv[i], rc, msg, len);
        else
            print_text(stdout, argv[i], rc, msg);
        free(buf);
    }
    if (o.format == FMT_TEXT && argc - optind > 1)
        printf("%d files: %zu valid, %zu invalid, %zu unreadable\n", argc - optind, nvalid, ninvalid,
               nunreadable);
    free(headers);
    free(msg);
    fflush(stdout);
    if (nunreadable)
        return VS_EXIT_USAGE;
    return ninvalid ? VS_EXIT_FINDINGS : VS_EXIT_OK;
}

static void sip_usage(FILE *out)
{
    fprintf(out, "usage: voipsec sip COMMAND [ARGS...]\n\n"
                 "Commands:\n"
                 "  parse   parse SIP message files and give each a verdict\n\n"
                 "Run 'voipsec sip parse --help' for its options.\n");
}

int vs_cmd_sip(int argc, char **argv)
{
    if (argc < 2) {
        sip_usage(stderr);
        return VS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        sip_usage(stdout);
        return VS_EXIT_OK;
    }
    if (strcmp(argv[1], "parse") == 0)
        return sip_parse(argc - 1, argv + 1);
    fprintf(stderr, "voipsec sip: unknown command '%s'\n", argv[1]);
    sip_usage(stderr);
    return VS_EXIT_USAGE;
}
