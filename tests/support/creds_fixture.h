/* Test support for the credential tests: a temporary directory holding an Asterisk config
 * folder and a store path, with the seed policy and its blocklist loaded. */
#ifndef VS_TEST_CREDS_FIXTURE_H
#define VS_TEST_CREDS_FIXTURE_H

#include <sys/types.h>
#include <voipsec/audit.h>

typedef struct fixture {
    char dir[64];  /* the temporary directory, removed by cf_teardown */
    char conf[96]; /* dir/asterisk, an empty config folder */
    char db[96];   /* dir/voipsec.db (not created) */
    vs_policy pol; /* the seed preset */
    vs_blocklist *bl;
} fixture;

/* cmocka setup/teardown: make and remove the fixture (*state). */
int cf_setup(void **state);
int cf_teardown(void **state);
/* Writes text to dir/name with the given mode; fails the test when it cannot. */
void cf_write_file(const char *dir, const char *name, const char *text, mode_t mode);

#endif
