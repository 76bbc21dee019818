/* The credential tests' fixture (see creds_fixture.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "creds_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cf_setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    strcpy(fx->dir, "/tmp/vs-creds-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->conf, sizeof fx->conf, "%s/asterisk", fx->dir);
    snprintf(fx->db, sizeof fx->db, "%s/voipsec.db", fx->dir);
    if (mkdir(fx->conf, 0700) != 0)
        return -1;
    if (vs_policy_preset(&fx->pol, "seed", VS_SOURCE_DIR "/data") != VS_OK)
        return -1;
    char err[256];
    fx->bl = vs_blocklist_load(fx->pol.blocklist, err, sizeof err);
    if (!fx->bl)
        return -1;
    *state = fx;
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int cf_teardown(void **state)
{
    fixture *fx = *state;
    nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    vs_blocklist_free(fx->bl);
    free(fx);
    return 0;
}

void cf_write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}
