/* libpcap sources: pcap/pcapng files and live interfaces, feeding frames to a vs_net.
 *
 * Files are opened with microsecond timestamp precision, so that nanosecond pcap files and pcapng
 * files of any resolution come out in microseconds. Link types that vs_net cannot decode are
 * refused at open, naming the file and the DLT. A live interface is opened in promiscuous and
 * immediate mode with a 65535-byte snap length and a short read timeout (so that vs_capture_run
 * can return to its caller when traffic stops), then the BPF filter is compiled and set. The
 * handle is non-blocking and vs_capture_run waits with poll() in slices of at most 100 ms: on
 * Linux, libpcap's TPACKET_V3 reader keeps polling on its read timeout instead of returning, so
 * a blocking pcap_next_ex would never give control back on an idle interface.
 * vs_capture_run numbers frames from 1, converts timestamps to microseconds, and reports a read
 * error (a truncated file, a vanished interface) through the vs_net's warning callback.
 * vs_capture_stop only sets a sig_atomic_t flag and calls pcap_breakloop(), both safe in a signal
 * handler; the flag is sticky: a stopped capture stays stopped. */
#define _DEFAULT_SOURCE /* u_char and friends in pcap.h, clock_gettime */

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/net_internal.h"

#define LIVE_SNAPLEN 65535
#define LIVE_READ_TIMEOUT_MS 100
/* A file is read through stdio with this buffer: libpcap reads each record with two small
 * fread calls, and stdio's default 4 KiB buffer made that one read(2) per 4 KiB, about a
 * third of a microsecond per SIP message in system calls. */
#define FILE_BUFFER (1u << 20)

struct vs_capture {
    pcap_t *pc;
    int linktype;
    bool live;
    bool done;
    volatile sig_atomic_t stop;
    uint64_t packet_no; /* frames read so far */
    char name[256];     /* file path or interface, for messages */
    char *iobuf;        /* stdio buffer of a file (FILE_BUFFER bytes), freed after pcap_close */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static const char *dlt_name(int dlt)
{
    const char *n = pcap_datalink_val_to_name(dlt);
    return n ? n : "unknown";
}

static vs_capture *capture_new(pcap_t *pc, const char *name, bool live)
{
    vs_capture *cap = calloc(1, sizeof *cap);
    if (!cap)
        return NULL;
    cap->pc = pc;
    cap->live = live;
    cap->linktype = pcap_datalink(pc);
    snprintf(cap->name, sizeof cap->name, "%s", name);
    return cap;
}

/* Refuses link types vs_net cannot decode; true when supported. */
static bool check_linktype(pcap_t *pc, const char *name, char *err, size_t errlen)
{
    int dlt = pcap_datalink(pc);
    if (vs_net_linktype_supported(dlt))
        return true;
    if (err && errlen) {
        const char *desc = pcap_datalink_val_to_description(dlt);
        snprintf(err, errlen, "%s: link type %s (%d%s%s) is not supported", name, dlt_name(dlt),
                 dlt, desc ? ", " : "", desc ? desc : "");
    }
    return false;
}

vs_capture *vs_capture_open_file(const char *path, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    if (!path) {
        set_err(err, errlen, "no capture file given");
        return NULL;
    }
    /* "-" is standard input, as for pcap_open_offline (pcap_close does not close stdin) */
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    if (!fp) {
        /* the message pcap_open_offline gives */
        set_err(err, errlen, "cannot read capture file %s: %s: %s", path, path, strerror(errno));
        return NULL;
    }
    /* not for stdin, which outlives the capture (and so would its buffer) */
    char *iobuf = is_stdin ? NULL : malloc(FILE_BUFFER);
    if (iobuf)
        (void)setvbuf(fp, iobuf, _IOFBF, FILE_BUFFER); /* a smaller default buffer is fine too */
    /* from here on pcap_close closes fp */
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
    if (!pc) {
        if (!is_stdin)
            fclose(fp);
        free(iobuf);
        set_err(err, errlen, "cannot read capture file %s: %s", path, ebuf);
        return NULL;
    }
    vs_capture *cap = NULL;
    if (!check_linktype(pc, path, err, errlen))
        goto fail;
    cap = capture_new(pc, path, false);
    if (!cap) {
        set_err(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    cap->iobuf = iobuf;
    return cap;
fail:
    pcap_close(pc);
    free(iobuf);
    return NULL;
}

vs_capture *vs_capture_open_live(const char *iface, const char *filter, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct bpf_program prog;
    if (!iface) {
        set_err(err, errlen, "no capture interface given");
        return NULL;
    }
    pcap_t *pc = pcap_create(iface, ebuf);
    if (!pc) {
        set_err(err, errlen, "cannot capture on %s: %s", iface, ebuf);
        return NULL;
    }
    if (pcap_set_snaplen(pc, LIVE_SNAPLEN) != 0 || pcap_set_promisc(pc, 1) != 0 ||
        pcap_set_timeout(pc, LIVE_READ_TIMEOUT_MS) != 0 || pcap_set_immediate_mode(pc, 1) != 0) {
        set_err(err, errlen, "cannot configure capture on %s: %s", iface, pcap_geterr(pc));
        goto fail;
    }
    int rc = pcap_activate(pc);
    if (rc < 0) {
        const char *why = pcap_geterr(pc);
        if (!why || !*why)
            why = pcap_statustostr(rc);
        set_err(err, errlen, "cannot capture on %s: %s", iface, why);
        goto fail;
    }
    if (!check_linktype(pc, iface, err, errlen))
        goto fail;
    if (pcap_setnonblock(pc, 1, ebuf) != 0) {
        set_err(err, errlen, "cannot capture on %s: %s", iface, ebuf);
        goto fail;
    }
    if (filter && *filter) {
        if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            set_err(err, errlen, "capture filter for %s: %s", iface, pcap_geterr(pc));
            goto fail;
        }
        rc = pcap_setfilter(pc, &prog);
        pcap_freecode(&prog);
        if (rc != 0) {
            set_err(err, errlen, "cannot set capture filter on %s: %s", iface, pcap_geterr(pc));
            goto fail;
        }
    }
    vs_capture *cap = capture_new(pc, iface, true);
    if (!cap) {
        set_err(err, errlen, "%s: out of memory", iface);
        goto fail;
    }
    return cap;
fail:
    pcap_close(pc);
    return NULL;
}

void vs_capture_free(vs_capture *cap)
{
    if (!cap)
        return;
    if (cap->pc)
        pcap_close(cap->pc);
    free(cap->iobuf); /* after pcap_close: the FILE used it until fclose */
    free(cap);
}

int vs_capture_linktype(const vs_capture *cap)
{
    return cap ? cap->linktype : -1;
}

bool vs_capture_done(const vs_capture *cap)
{
    return cap && cap->done;
}

void vs_capture_stop(vs_capture *cap)
{
    if (!cap)
        return;
    cap->stop = 1;
    pcap_breakloop(cap->pc);
}

uint64_t vs_capture_kernel_drops(vs_capture *cap)
{
    if (!cap || !cap->live)
        return 0;
    struct pcap_stat st;
    if (pcap_stats(cap->pc, &st) != 0)
        return 0;
    return (uint64_t)st.ps_drop;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to ms for the live handle to become readable. */
static void wait_readable(vs_capture *cap, int ms)
{
    int fd = pcap_get_selectable_fd(cap->pc);
    if (fd >= 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        (void)poll(&pfd, 1, ms);
        return;
    }
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
    nanosleep(&ts, NULL);
}

vs_rc vs_capture_run(vs_capture *cap, vs_net *net, int timeout_ms)
{
    if (!cap || !net)
        return VS_E_INVAL;
    if (cap->done)
        return VS_OK;
    int64_t idle_since = cap->live ? mono_ms() : 0;
    while (!cap->stop) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = pcap_next_ex(cap->pc, &h, &data);
        if (rc == 1) {
            cap->packet_no++;
            int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;
            vs_net_packet(net, cap->linktype, data, h->caplen, h->len, ts, cap->packet_no);
            if (cap->live)
                idle_since = mono_ms();
            continue;
        }
        if (rc == 0) { /* live, nothing to read now */
            int64_t left = (int64_t)(timeout_ms > 0 ? timeout_ms : 0) - (mono_ms() - idle_since);
            if (left <= 0)
                return VS_OK;
            wait_readable(cap, left < LIVE_READ_TIMEOUT_MS ? (int)left : LIVE_READ_TIMEOUT_MS);
            continue;
        }
        if (rc == PCAP_ERROR_BREAK) {
            if (!cap->live && !cap->stop)
                cap->done = true; /* end of the file */
            return VS_OK;
        }
        /* PCAP_ERROR: a truncated or corrupt file, or the interface went away. */
        if (cap->live)
            vs__net_warn(net, 0, "capture on %s failed after packet %llu: %s", cap->name,
                         (unsigned long long)cap->packet_no, pcap_geterr(cap->pc));
        else
            vs__net_warn(net, 0, "truncated capture file %s after packet %llu: %s", cap->name,
                         (unsigned long long)cap->packet_no, pcap_geterr(cap->pc));
        if (!cap->live)
            cap->done = true;
        return VS_E_IO;
    }
    return VS_OK;
}
