#define _POSIX_C_SOURCE 200809L /* gmtime_r */
/* Findings: names of practices and severities, safe filling of the fixed-size text fields, and
 * the two writers (JSON lines and text for people). The JSON shape is the contract of
 * docs/findings.md; fields that do not apply are left out rather than written empty. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <voipsec/finding.h>

#include "report/json.h"

static const char *const practice_ids[VS_PRACTICE__COUNT] = {
    "credentials", "firmware", "network", "equipment", "activity", "provider",
};

static const char *const severity_ids[VS_SEV__COUNT] = {
    "info", "low", "medium", "high", "critical",
};

const char *vs_practice_id(vs_practice p)
{
    return (unsigned)p < VS_PRACTICE__COUNT ? practice_ids[p] : "";
}

const char *vs_severity_id(vs_severity s)
{
    return (unsigned)s < VS_SEV__COUNT ? severity_ids[s] : "";
}

vs_rc vs_severity_parse(const char *text, vs_severity *out)
{
    if (!text || !out)
        return VS_E_INVAL;
    for (int i = 0; i < VS_SEV__COUNT; i++) {
        if (vs_slice_caseeq_str(vs_slice_make(text, strlen(text)), severity_ids[i])) {
            *out = (vs_severity)i;
            return VS_OK;
        }
    }
    return VS_E_INVAL;
}

void vs_finding_init(vs_finding *f, const char *rule, vs_practice practice, vs_severity severity)
{
    memset(f, 0, sizeof *f);
    vs_finding_set(f->rule, sizeof f->rule, rule);
    f->practice = practice;
    f->severity = severity;
}

/* Length of text that fits size-1 bytes without cutting a UTF-8 sequence. */
static size_t fit_utf8(const char *text, size_t n, size_t size)
{
    if (n < size)
        return n;
    size_t cut = size - 1;
    while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
        cut--;
    return cut;
}

void vs_finding_set(char *field, size_t size, const char *text)
{
    if (!field || size == 0)
        return;
    if (!text)
        text = "";
    size_t n = fit_utf8(text, strlen(text), size);
    memmove(field, text, n);
    field[n] = '\0';
}

void vs_finding_setf(char *field, size_t size, const char *fmt, ...)
{
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    vs_finding_set(field, size, tmp);
}

void vs_time_format(int64_t us, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    time_t secs = (time_t)(us / 1000000);
    int ms = (int)((us % 1000000) / 1000);
    if (us < 0 && (us % 1000000) != 0) {
        secs--;
        ms = (int)((1000000 + us % 1000000) / 1000);
    }
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        snprintf(buf, size, "invalid-time");
        return;
    }
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

/* ---- evidence builder --------------------------------------------------------------------- */

static void evidence_append(char *buf, size_t size, const char *key, const char *raw, bool quote)
{
    if (!buf || size < 3 || !key || !raw)
        return;
    size_t len = strlen(buf);
    if (len == 0) {
        buf[0] = '{';
        buf[1] = '}';
        buf[2] = '\0';
        len = 2;
    }
    if (buf[len - 1] != '}')
        return; /* not a builder-made object: leave it alone */
    vs__jbuf b = {buf, size, len - 1, false};
    if (len > 2)
        vs__jbuf_putc(&b, ',');
    vs__jbuf_str(&b, key, strlen(key));
    vs__jbuf_putc(&b, ':');
    if (quote)
        vs__jbuf_str(&b, raw, strlen(raw));
    else
        vs__jbuf_puts(&b, raw);
    vs__jbuf_putc(&b, '}');
    if (b.overflow || b.len >= size) {
        /* the pair did not fit: drop it and keep the object as it was */
        buf[len - 1] = '}';
        buf[len] = '\0';
        return;
    }
    buf[b.len] = '\0';
}

void vs_evidence_str(char *buf, size_t size, const char *key, const char *value)
{
    evidence_append(buf, size, key, value ? value : "", true);
}

void vs_evidence_num(char *buf, size_t size, const char *key, double value)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.6g", value);
    evidence_append(buf, size, key, tmp, false);
}

void vs_evidence_int(char *buf, size_t size, const char *key, int64_t value)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", (long long)value);
    evidence_append(buf, size, key, tmp, false);
}

void vs_evidence_raw(char *buf, size_t size, const char *key, const char *json)
{
    evidence_append(buf, size, key, json, false);
}

/* ---- writers ------------------------------------------------------------------------------ */

static void json_endpoint(FILE *out, const char *name, const vs_finding_endpoint *e)
{
    if (!e->ip[0])
        return;
    fprintf(out, ",\"%s\":{\"ip\":", name);
    vs__json_fstr(out, e->ip);
    if (e->port)
        fprintf(out, ",\"port\":%u", (unsigned)e->port);
    if (e->transport[0]) {
        fputs(",\"transport\":", out);
        vs__json_fstr(out, e->transport);
    }
    putc('}', out);
}

static void json_field(FILE *out, const char *name, const char *value)
{
    if (!value[0])
        return;
    fprintf(out, ",\"%s\":", name);
    vs__json_fstr(out, value);
}

vs_rc vs_finding_write_json(FILE *out, const vs_finding *f)
{
    char t[40];
    fputs("{\"rule\":", out);
    vs__json_fstr(out, f->rule);
    fputs(",\"practice\":", out);
    vs__json_fstr(out, vs_practice_id(f->practice));
    fputs(",\"severity\":", out);
    vs__json_fstr(out, vs_severity_id(f->severity));
    fputs(",\"title\":", out);
    vs__json_fstr(out, f->title);
    json_field(out, "explain", f->explain);
    json_field(out, "advice", f->advice);
    json_endpoint(out, "src", &f->src);
    json_endpoint(out, "dst", &f->dst);
    json_field(out, "user", f->user);
    json_field(out, "tool", f->tool);
    if (f->first_seen_us) {
        vs_time_format(f->first_seen_us, t, sizeof t);
        fprintf(out, ",\"first_seen\":\"%s\"", t);
    }
    if (f->last_seen_us) {
        vs_time_format(f->last_seen_us, t, sizeof t);
        fprintf(out, ",\"last_seen\":\"%s\"", t);
    }
    if (f->count)
        fprintf(out, ",\"count\":%llu", (unsigned long long)f->count);
    json_field(out, "file", f->file);
    if (f->line)
        fprintf(out, ",\"line\":%u", f->line);
    if (f->evidence[0] == '{')
        fprintf(out, ",\"evidence\":%s", f->evidence);
    fputs("}\n", out);
    return ferror(out) ? VS_E_IO : VS_OK;
}

/* Prints text wrapped at width columns, each line indented. */
static void wrap(FILE *out, const char *text, const char *indent, size_t width)
{
    const char *p = text;
    while (*p) {
        size_t n = strlen(p);
        size_t cut = n;
        if (n > width) {
            cut = width;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = width;
        }
        fprintf(out, "%s%.*s\n", indent, (int)cut, p);
        p += cut;
        while (*p == ' ')
            p++;
    }
}

vs_rc vs_finding_write_text(FILE *out, const vs_finding *f)
{
    char a[40], b[40];
    char sev[16];
    size_t i;
    const char *s = vs_severity_id(f->severity);
    for (i = 0; s[i] && i + 1 < sizeof sev; i++)
        sev[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
    sev[i] = '\0';
    fprintf(out, "[%s] %s\n", sev, f->title);
    fprintf(out, "  rule %s (practice: %s)", f->rule, vs_practice_id(f->practice));
    if (f->tool[0])
        fprintf(out, ", tool: %s", f->tool);
    putc('\n', out);
    if (f->src.ip[0] || f->dst.ip[0]) {
        fputs("  ", out);
        if (f->src.ip[0])
            fprintf(out, "from %s", f->src.ip);
        if (f->src.ip[0] && f->src.port)
            fprintf(out, ":%u", f->src.port);
        if (f->dst.ip[0])
            fprintf(out, "%sto %s", f->src.ip[0] ? " " : "", f->dst.ip);
        if (f->dst.ip[0] && f->dst.port)
            fprintf(out, ":%u", f->dst.port);
        if (f->src.transport[0])
            fprintf(out, " over %s", f->src.transport);
        if (f->user[0])
            fprintf(out, ", user %s", f->user);
        putc('\n', out);
    } else if (f->user[0]) {
        fprintf(out, "  user %s\n", f->user);
    }
    if (f->file[0])
        fprintf(out, "  in %s%s%.0u\n", f->file, f->line ? ", line " : "", f->line);
    if (f->first_seen_us) {
        vs_time_format(f->first_seen_us, a, sizeof a);
        vs_time_format(f->last_seen_us ? f->last_seen_us : f->first_seen_us, b, sizeof b);
        fprintf(out, "  seen %s .. %s", a, b);
        if (f->count)
            fprintf(out, ", %llu times", (unsigned long long)f->count);
        putc('\n', out);
    }
    if (f->explain[0]) {
        fputs("  What it means:\n", out);
        wrap(out, f->explain, "    ", 92);
    }
    if (f->advice[0]) {
        fputs("  What to do:\n", out);
        wrap(out, f->advice, "    ", 92);
    }
    putc('\n', out);
    return ferror(out) ? VS_E_IO : VS_OK;
}
