/* Checks shared by the configuration reader fuzz targets (fuzz_asterisk_conf.c,
 * fuzz_freeswitch_conf.c): walks every section and entry of a loaded vs_conf, reads every string
 * it hands out, and checks the contracts of conf.h. */
#ifndef VS_FUZZ_CONF_COMMON_H
#define VS_FUZZ_CONF_COMMON_H

#include <voipsec/conf.h>

#include "fuzz_common.h"

/* Lines in buf[0..len) (a final line without '\n' counts). */
static inline unsigned vs_fuzz_lines(const char *buf, size_t len)
{
    unsigned n = 1;
    for (size_t i = 0; i < len; i++)
        n += buf[i] == '\n';
    return n;
}

/* Every contract of a vs_conf loaded from the single in-memory file name = buf[0..len). */
static inline void vs_fuzz_check_conf(const vs_conf *c, const char *name, const char *buf,
                                      size_t len)
{
    unsigned lines = vs_fuzz_lines(buf, len);
    size_t nsec = vs_conf_section_count(c);
    VS_FUZZ_CHECK(vs_conf_file_count(c) <= 1);
    if (vs_conf_file_count(c) == 1)
        VS_FUZZ_CHECK(strcmp(vs_conf_file_path(c, 0), name) == 0);
    for (size_t i = 0; i < vs_conf_warning_count(c); i++)
        vs_fuzz_touch_str(vs_conf_warning(c, i));
    VS_FUZZ_CHECK(vs_conf_warning(c, vs_conf_warning_count(c)) == NULL);
    VS_FUZZ_CHECK(vs_conf_section_at(c, nsec) == NULL);
    const vs_conf_entry *out[16];
    for (size_t i = 0; i < nsec; i++) {
        const vs_conf_section *s = vs_conf_section_at(c, i);
        VS_FUZZ_CHECK(s != NULL);
        vs_fuzz_touch_str(s->name);
        vs_fuzz_touch_str(s->file);
        VS_FUZZ_CHECK(s->line <= lines);
        for (size_t k = 0; k < s->n_inherits; k++)
            VS_FUZZ_CHECK(s->inherits[k] < nsec);
        for (size_t j = 0; j < s->n_entries; j++) {
            const vs_conf_entry *e = &s->entries[j];
            vs_fuzz_touch_str(e->key);
            vs_fuzz_touch_str(e->value);
            vs_fuzz_touch_str(e->text);
            VS_FUZZ_CHECK(strcmp(e->file, name) == 0);
            VS_FUZZ_CHECK(e->line >= 1 && e->line <= lines);
            VS_FUZZ_CHECK(e->value_off <= len && e->value_len <= len - e->value_off);
            vs_fuzz_touch(buf, len, vs_slice_make(buf + e->value_off, e->value_len));
            VS_FUZZ_CHECK(e->op <= VS_CONF_OP_CALL);
            /* lookups find something for every key a section holds */
            if (!e->merged)
                VS_FUZZ_CHECK(vs_conf_get(c, s, e->key) != NULL);
            size_t n = vs_conf_get_all(c, s, e->key, out, 16);
            VS_FUZZ_CHECK(n >= (e->merged ? 0u : 1u));
            for (size_t k = 0; k < n && k < 16; k++)
                vs_fuzz_touch_str(out[k]->value);
        }
        size_t live = 0;
        for (size_t j = 0; j < s->n_entries; j++)
            live += !s->entries[j].merged;
        size_t total = vs_conf_resolve(c, s, out, 16);
        VS_FUZZ_CHECK(total >= live);
        size_t it = 0;
        const vs_conf_section *f = vs_conf_find_next(c, s->name, &it);
        VS_FUZZ_CHECK(f != NULL && it <= i + 1);
    }
}

#endif
