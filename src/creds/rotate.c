/* `creds rotate`: a new secret for one account, written into its configuration file in place
 * (Asterisk .conf files, FreeSWITCH directory XML) and recorded in the store.
 *
 * Design. Everything that can refuse is done before anything is written: the account is looked up
 * in the store and in the configuration (the same readers as import: src/audit/accounts.c for
 * Asterisk, freeswitch.c for FreeSWITCH); the secret now in the file must verify against the
 * stored fingerprint (else the configuration changed since the last import); the value must be
 * rewritable in place (Asterisk: the account's own line in the directory's own file, not inherited
 * from a template, not continued with +=, its raw text equal to the secret, i.e. no escapes;
 * FreeSWITCH: the user's own <param>, its raw attribute text the secret or one $${variable}
 * reference to it, see freeswitch.c); the new secret (generated, or given) must pass
 * vs_creds_check (policy, history, other accounts); its fingerprint is computed; and the store's
 * write lock is taken (BEGIN IMMEDIATE: a locked store refuses here). Only then is the file
 * replaced:
 *
 *   1. the whole new file (the old bytes with only the secret's bytes replaced; in XML the new
 *      secret is escaped) is written to a temporary file FILE.voipsec-tmp.XXXXXX in the same
 *      directory, created 0600 (mkstemp), then fchmod/fchown to the original's mode and owner
 *                                                                          [after-temp-write]
 *   2. the temporary file is fsynced                                       [after-temp-fsync]
 *   3. the previous content is saved as FILE.voipsec-bak (same mode and owner; written to its own
 *      temporary file, fsynced and renamed, so a backup is never torn)   [after-backup]
 *   4. the temporary file is renamed over FILE, and the directory fsynced  [after-rename]
 *   5. the store records the new fingerprint, the old one moved to credential_history
 *                                                                          [before-store-commit]
 *   6. commit.
 * Neither name matches what the products load (Asterisk reads fixed names, FreeSWITCH globs
 * "*.xml"), so a stray temporary file or the backup is never read as configuration.
 *
 * Why a crash (kill -9; the tests stop the process with SIGKILL at the step named in brackets
 * through vs__creds_rotate_hooked) at any point is safe:
 *   - before step 4's rename (after-temp-write, after-temp-fsync, after-backup): FILE was never
 *     touched — it is exactly the old file. At worst a stray FILE.voipsec-tmp.* (a name no reader
 *     loads) and a fresh backup equal to FILE are left. The store was not changed (the open
 *     transaction dies with the process): store and file agree; rotate can simply be run again.
 *   - after the rename (after-rename, before-store-commit): rename(2) is atomic, so FILE is either
 *     the old or the new inode, never a mix; the new one is complete because it was fsynced before
 *     the rename. The store still holds the old fingerprint (the transaction was never committed),
 *     so the next rotate refuses with "changed since the last import", and `creds import` of the
 *     directory reconciles: the secret in the file no longer verifies, so import records its
 *     fingerprint as the current one and moves the old one to the history — exactly what step 5
 *     would have done. After that re-import, history and file agree again. The new secret was
 *     printed by nobody (it is printed only after this function returns VS_OK); the previous file
 *     is in FILE.voipsec-bak if the phone cannot be provisioned.
 *   - after the commit: done; the CLI then prints the secret once.
 * A failure that is not a crash (write error, ENOSPC, ...) before the rename removes the temporary
 * file and rolls back; a failed commit after the rename leaves the state of after-rename and says
 * so (run import).
 *
 * The fault hook is a parameter of the private entry point vs__creds_rotate_hooked, which only the
 * unit tests call; vs_creds_rotate passes none, and no environment variable is read, so a release
 * binary has no way to be stopped half-way on purpose. */
#define _GNU_SOURCE /* mkstemp, fchown, realpath */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "audit/check.h"
#include "creds/creds_internal.h"
#include "store/creds_rows.h"

/* The test hook, when a test passed one: it may stop the process dead at step. */
typedef struct hooks {
    vs__rotate_hook fn;
    void *ctx;
} hooks;

static void fail_at(const hooks *h, const char *step)
{
    if (h && h->fn)
        h->fn(h->ctx, step);
}

static bool verify(const char *fingerprint, const char *secret)
{
    return fingerprint[0] && crypto_pwhash_str_verify(fingerprint, secret, strlen(secret)) == 0;
}

static vs_cred_kind kind_of(const vs__ast_account *ac)
{
    switch (ac->where) {
    case VS__AST_PJSIP:
    case VS__AST_SIP:
    case VS__AST_IAX:
        return ac->trunk ? VS_CRED_TRUNK : VS_CRED_SIP;
    case VS__AST_VOICEMAIL:
        return VS_CRED_VOICEMAIL;
    case VS__AST_MANAGER:
        return VS_CRED_AMI;
    case VS__AST_ARI:
        return VS_CRED_PORTAL;
    }
    return VS_CRED_PORTAL;
}

static const char *file_of(vs__ast_area where)
{
    switch (where) {
    case VS__AST_PJSIP:
        return "pjsip.conf";
    case VS__AST_SIP:
        return "sip.conf";
    case VS__AST_IAX:
        return "iax.conf";
    case VS__AST_VOICEMAIL:
        return "voicemail.conf";
    case VS__AST_MANAGER:
        return "manager.conf";
    case VS__AST_ARI:
        return "ari.conf";
    }
    return "";
}

/* The entry is one of the own entries of a non-template section named name. */
static bool own_entry(const vs_conf *c, const char *name, const vs_conf_entry *e)
{
    size_t it = 0;
    for (const vs_conf_section *s; (s = vs_conf_find_next(c, name, &it));)
        if (!s->is_template && s->n_entries && e >= s->entries && e < s->entries + s->n_entries)
            return true;
    return false;
}

static vs_rc read_all(const char *path, char **buf, size_t *len, struct stat *sb, char *err,
                      size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, sb) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return VS_E_IO;
    }
    size_t size = (size_t)sb->st_size;
    char *b = malloc(size + 1);
    if (!b) {
        close(fd);
        snprintf(err, errlen, "out of memory reading %s", path);
        return VS_E_NOMEM;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, b + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(err, errlen, "%s: %s", path, r < 0 ? strerror(errno) : "changed while read");
            free(b);
            close(fd);
            return VS_E_IO;
        }
        got += (size_t)r;
    }
    close(fd);
    b[size] = '\0';
    *buf = b;
    *len = size;
    return VS_OK;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Writes parts a, b, c to a new temporary file next to target (created 0600, then given sb's mode
 * and owner); the name goes to tmp. When h is not NULL, its hook runs with "after-temp-write"
 * after the write and "after-temp-fsync" after the fsync. VS_OK with the file fsynced and
 * closed. */
static vs_rc write_temp(const char *target, const struct stat *sb, const char *a, size_t alen,
                        const char *b, size_t blen, const char *c, size_t clen, const hooks *h,
                        char *tmp, size_t tmpsize, char *err, size_t errlen)
{
    if ((size_t)snprintf(tmp, tmpsize, "%s.voipsec-tmp.XXXXXX", target) >= tmpsize) {
        snprintf(err, errlen, "%s: path too long", target);
        return VS_E_LIMIT;
    }
    int fd = mkstemp(tmp); /* O_EXCL, mode 0600 */
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a temporary file: %s", target, strerror(errno));
        tmp[0] = '\0';
        return VS_E_IO;
    }
    const char *what = "writing";
    if (!write_all(fd, a, alen) || !write_all(fd, b, blen) || !write_all(fd, c, clen))
        goto fail;
    what = "setting the mode of";
    if (fchmod(fd, sb->st_mode & 07777) != 0)
        goto fail;
    struct stat tsb;
    what = "setting the owner of";
    if (fstat(fd, &tsb) != 0 || ((tsb.st_uid != sb->st_uid || tsb.st_gid != sb->st_gid) &&
                                 fchown(fd, sb->st_uid, sb->st_gid) != 0))
        goto fail;
    fail_at(h, "after-temp-write");
    what = "syncing";
    if (fsync(fd) != 0)
        goto fail;
    fail_at(h, "after-temp-fsync");
    what = "closing";
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    return VS_OK;
fail:
    snprintf(err, errlen, "%s %s: %s (nothing changed)", what, tmp, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    tmp[0] = '\0';
    return VS_E_IO;
}

static vs_rc sync_dir(const char *dir, char *err, size_t errlen)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "%s: fsync: %s", dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return VS_E_IO;
    }
    close(fd);
    return VS_OK;
}

/* A secret the file can hold as a plain value: printable, no blanks at the ends, none of the
 * characters Asterisk treats specially; for a PIN, no comma. */
static bool writable_secret(const char *s, bool pin)
{
    size_t n = strlen(s);
    if (!n || s[0] == ' ' || s[n - 1] == ' ')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || strchr(";\\\"'$", *p) || (pin && (*p == ',' || *p == '-')))
            return false;
    if (pin && s[0] == '-')
        return false;
    return true;
}

vs_rc vs__creds_rotate_hooked(vs_store *st, const vs_policy *p, const vs_blocklist *bl,
                              const char *dir, const char *account, const char *secret, char *out,
                              size_t outsize, vs_creds_rotate_result *res, char *err, size_t errlen,
                              vs__rotate_hook hook, void *hook_ctx)
{
    if (!st || !p || !dir || !account || !out || !outsize || !res) {
        snprintf(err, errlen, "invalid arguments");
        return VS_E_INVAL;
    }
    memset(res, 0, sizeof *res);
    out[0] = '\0';
    if (!vs__creds_sodium()) {
        snprintf(err, errlen, "libsodium could not be initialised");
        return VS_E_IO;
    }
    const hooks h = {hook, hook_ctx};
    vs__cred_row row;
    vs_rc rc = vs__store_cred_find(st, account, &row);
    if (rc != VS_OK) {
        snprintf(err, errlen, "%s", vs_store_error(st));
        return rc;
    }
    bool pin = !strcmp(row.kind, "voicemail");
    bool fs = vs__creds_is_freeswitch(dir);
    if (secret && fs && !vs__creds_xml_writable(secret)) {
        snprintf(err, errlen,
                 "the new %s holds a character FreeSWITCH XML cannot hold as a value (control "
                 "characters, blanks at the ends, invalid UTF-8, $, or the word X-PRE-PROCESS)",
                 pin ? "PIN" : "secret");
        return VS_E_INVAL;
    }
    if (secret && !fs && !writable_secret(secret, pin)) {
        snprintf(err, errlen,
                 "the new %s holds a character the configuration file cannot hold as a plain "
                 "value (control characters, blanks at the ends, ; \\ \" ' $%s)",
                 pin ? "PIN" : "secret", pin ? " , -" : "");
        return VS_E_INVAL;
    }

    vs_conf_set *set = NULL;
    vs__ast_accounts found;
    memset(&found, 0, sizeof found);
    vs_conf *fsc = NULL;
    vs__cred_accts fsa;
    memset(&fsa, 0, sizeof fsa);
    char *buf = NULL, *newsec = NULL, *esc = NULL;
    size_t len = 0;
    char tmp[PATH_MAX + 64] = "", btmp[PATH_MAX + 64] = "";
    bool in_tx = false;
    size_t cap = 1100, esccap = 6 * 1100;
    char fp[crypto_pwhash_STRBYTES];
    char var[sizeof res->replaced_var] = "";
    const vs_conf_entry *e = NULL;
    const char *cur = NULL;           /* the secret in the file now */
    const vs__ast_account *ac = NULL; /* Asterisk */
    const vs__cred_acct *fa = NULL;   /* FreeSWITCH */

    if (fs) {
        rc = vs_conf_freeswitch_load(dir, NULL, &fsc, err, errlen);
        if (rc != VS_OK)
            goto out;
        rc = vs__creds_fs_collect(fsc, &fsa, err, errlen);
        if (rc != VS_OK)
            goto out;
        for (size_t i = 0; i < fsa.n && !fa; i++)
            if (!strcmp(vs_cred_kind_id(fsa.v[i].kind), row.kind) &&
                !strcmp(fsa.v[i].account, row.account))
                fa = &fsa.v[i];
        if (fa) {
            e = fa->e;
            cur = fa->secret;
        }
    } else {
        rc = vs_conf_asterisk_load_dir(dir, NULL, &set, err, errlen);
        if (rc != VS_OK)
            goto out;
        vs__ast_accounts_collect(set, &found, NULL);
        if (found.failed) {
            snprintf(err, errlen, "out of memory collecting accounts");
            rc = VS_E_NOMEM;
            goto out;
        }
        for (size_t i = 0; i < found.n && !ac; i++) {
            const vs__ast_account *a = &found.v[i];
            char name[160];
            if (a->where == VS__AST_VOICEMAIL)
                snprintf(name, sizeof name, "%s@%s", a->name, a->context ? a->context : "default");
            else
                snprintf(name, sizeof name, "%s%s", a->where == VS__AST_IAX ? "iax/" : "", a->name);
            if (!strcmp(vs_cred_kind_id(kind_of(a)), row.kind) && !strcmp(name, row.account))
                ac = a;
        }
        if (ac) {
            e = ac->e;
            cur = ac->secret;
        }
    }
    if (!e) {
        snprintf(err, errlen,
                 "%s:%s is in the store but not in %s (the configuration changed since the last "
                 "import; run 'voipsec creds import %s')",
                 row.kind, row.account, dir, dir);
        rc = VS_E_NOTFOUND;
        goto out;
    }
    snprintf(res->file, sizeof res->file, "%s", e->file ? e->file : "");
    res->line = e->line;
    if (!verify(row.fingerprint, cur)) {
        snprintf(err, errlen,
                 "%s:%s: the secret in %s:%u changed since the last import (edited by hand, or "
                 "an interrupted rotate); run 'voipsec creds import %s' first",
                 row.kind, row.account, res->file, e->line, dir);
        rc = VS_E_PARSE;
        goto out;
    }
    /* can the value be rewritten in place? */
    if (fs) {
        rc = vs__creds_fs_rewritable(fa, err, errlen);
        if (rc != VS_OK)
            goto out;
    } else {
        const char *why = NULL;
        const vs_conf *c = vs_conf_set_get(set, file_of(ac->where));
        const char *top = c ? vs_conf_file_path(c, 0) : NULL;
        if (!c || !e->file || !top || strcmp(e->file, top))
            why = "it is in an included file";
        else if (e->merged || e->op == VS_CONF_OP_APPEND || e->op == VS_CONF_OP_DIRECTIVE ||
                 (e->text && strcmp(e->text, e->value)))
            why = "it is continued with += or is not a plain key = value line";
        else if (ac->where != VS__AST_VOICEMAIL && !own_entry(c, ac->name, e))
            why = "it is inherited from a template shared with other sections";
        if (why) {
            snprintf(err, errlen, "%s:%u: cannot rewrite the secret of %s:%s in place: %s",
                     res->file, e->line, row.kind, row.account, why);
            rc = VS_E_PARSE;
            goto out;
        }
    }
    char real[PATH_MAX];
    if (!realpath(e->file, real)) { /* a symlinked file: replace its target */
        snprintf(err, errlen, "%s: %s", e->file, strerror(errno));
        rc = VS_E_IO;
        goto out;
    }
    struct stat sb;
    rc = read_all(real, &buf, &len, &sb, err, errlen);
    if (rc != VS_OK)
        goto out;
    /* the secret's bytes: the whole raw value, the PIN field of "PIN,name,...", or the text
     * between the quotes of the XML attribute */
    size_t off = e->value_off, rawlen = strlen(cur);
    if (fs) {
        rc = vs__creds_fs_range(fsc, fa, buf, len, &off, &rawlen, var, sizeof var, err, errlen);
        if (rc != VS_OK)
            goto out;
    } else {
        if (ac->where == VS__AST_VOICEMAIL && off < len && buf[off] == '-')
            off++;
        bool match = off <= len && rawlen <= len - off && !memcmp(buf + off, cur, rawlen);
        if (match && ac->where == VS__AST_VOICEMAIL)
            match = off + rawlen == len || strchr(", \t\r\n;", buf[off + rawlen]);
        else if (match)
            match = off + rawlen == e->value_off + e->value_len;
        if (!match) {
            snprintf(err, errlen,
                     "%s:%u: cannot rewrite the secret of %s:%s in place: its text is written "
                     "with escapes or the file changed while read",
                     res->file, e->line, row.kind, row.account);
            rc = VS_E_PARSE;
            goto out;
        }
    }

    /* the new secret: given, or generated until check accepts it */
    newsec = malloc(cap);
    if (!newsec) {
        snprintf(err, errlen, "out of memory");
        rc = VS_E_NOMEM;
        goto out;
    }
    vs_cred_kind kind;
    if (vs_cred_kind_parse(row.kind, &kind) != VS_OK)
        kind = VS_CRED_SIP;
    char qualified[160];
    snprintf(qualified, sizeof qualified, "%s:%s", row.kind, row.account);
    for (int attempt = 0;; attempt++) {
        if (secret)
            snprintf(newsec, cap, "%s", secret);
        else {
            rc = vs_creds_generate(p, bl, kind == VS_CRED_TRUNK ? VS_CRED_SIP : kind, newsec, cap);
            if (rc != VS_OK) {
                snprintf(err, errlen, "cannot generate a secret under this policy: %s",
                         vs_rc_str(rc));
                goto out;
            }
            /* the alphabet has no '$'; "X-PRE-PROCESS" by chance is drawn again */
            if (fs && !vs__creds_xml_writable(newsec)) {
                if (attempt < 4)
                    continue;
                snprintf(err, errlen, "no generated secret could be written as XML");
                rc = VS_E_LIMIT;
                goto out;
            }
        }
        rc = vs_creds_check(st, p, bl, qualified, newsec, &res->verdict, err, errlen);
        if (rc != VS_OK)
            goto out;
        if (res->verdict.ok)
            break;
        if (secret || attempt >= 4) {
            if (!secret) {
                snprintf(err, errlen, "no generated secret passed the policy: %s",
                         res->verdict.reason);
                rc = VS_E_LIMIT;
            }
            goto out; /* VS_OK, not rotated: the verdict says why */
        }
    }
    size_t nlen = strlen(newsec);
    if (nlen + 1 > outsize) {
        snprintf(err, errlen, "output buffer too small for the new secret");
        rc = VS_E_LIMIT;
        goto out;
    }
    /* the bytes written into the file: in XML, with & < > " ' as entity references */
    const char *repl = newsec;
    size_t repllen = nlen;
    if (fs) {
        esc = malloc(esccap);
        if (!esc) {
            snprintf(err, errlen, "out of memory");
            rc = VS_E_NOMEM;
            goto out;
        }
        rc = vs__creds_xml_escape(newsec, esc, esccap);
        if (rc != VS_OK) {
            snprintf(err, errlen, "the new secret is too long");
            goto out;
        }
        repl = esc;
        repllen = strlen(esc);
    }
    if (crypto_pwhash_str(fp, newsec, nlen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        snprintf(err, errlen, "out of memory computing a fingerprint");
        rc = VS_E_NOMEM;
        goto out;
    }
    rc = vs_store_begin(st); /* the write lock: a locked store refuses before any file is written */
    if (rc != VS_OK) {
        snprintf(err, errlen, "%s (nothing written)", vs_store_error(st));
        goto out;
    }
    in_tx = true;

    /* 1-2: the new file, complete and synced, next to the old one */
    rc = write_temp(real, &sb, buf, off, repl, repllen, buf + off + rawlen, len - off - rawlen, &h,
                    tmp, sizeof tmp, err, errlen);
    if (rc != VS_OK)
        goto out;
    /* 3: the backup, never torn */
    if ((size_t)snprintf(res->backup, sizeof res->backup, "%s.voipsec-bak", real) >=
        sizeof res->backup) {
        snprintf(err, errlen, "%s: path too long (nothing changed)", real);
        rc = VS_E_LIMIT;
        goto out;
    }
    rc = write_temp(res->backup, &sb, buf, len, "", 0, "", 0, NULL, btmp, sizeof btmp, err, errlen);
    if (rc != VS_OK)
        goto out;
    if (rename(btmp, res->backup) != 0) {
        snprintf(err, errlen, "%s: %s (nothing changed)", res->backup, strerror(errno));
        rc = VS_E_IO;
        goto out;
    }
    btmp[0] = '\0';
    char dirbuf[PATH_MAX];
    snprintf(dirbuf, sizeof dirbuf, "%s", real);
    char *slash = strrchr(dirbuf, '/');
    if (slash == dirbuf)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dirbuf, sizeof dirbuf, ".");
    fail_at(&h, "after-backup");
    /* 4: the switch */
    if (rename(tmp, real) != 0) {
        snprintf(err, errlen, "%s: %s (nothing changed)", real, strerror(errno));
        rc = VS_E_IO;
        goto out;
    }
    tmp[0] = '\0';
    rc = sync_dir(dirbuf, err, errlen);
    if (rc != VS_OK)
        goto out;
    fail_at(&h, "after-rename");

    /* 5-6: the store */
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC) {
        ts.tv_sec = time(NULL);
        ts.tv_nsec = 0;
    }
    snprintf(row.fingerprint, sizeof row.fingerprint, "%s", fp);
    row.set_at_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    row.weak[0] = '\0';
    row.reuse_group = 0;
    rc = vs__store_cred_put(st, &row, true);
    if (rc == VS_OK)
        rc = vs__store_cred_set_reuse(st, row.id, 0);
    if (rc == VS_OK) {
        fail_at(&h, "before-store-commit");
        rc = vs_store_commit(st);
    }
    if (rc != VS_OK) {
        snprintf(err, errlen, "%s (the file was rewritten; run 'voipsec creds import %s')",
                 vs_store_error(st), dir);
        goto out;
    }
    in_tx = false;
    memcpy(out, newsec, nlen + 1);
    memcpy(res->replaced_var, var, sizeof var);
    res->rotated = true;
    rc = VS_OK;

out:
    if (in_tx)
        vs__store_rollback(st);
    if (tmp[0])
        unlink(tmp);
    if (btmp[0])
        unlink(btmp);
    if (newsec) {
        sodium_memzero(newsec, cap);
        free(newsec);
    }
    if (esc) {
        sodium_memzero(esc, esccap);
        free(esc);
    }
    if (buf) {
        sodium_memzero(buf, len);
        free(buf);
    }
    sodium_memzero(fp, sizeof fp);
    vs__ast_accounts_free(&found);
    vs_conf_set_free(set);
    vs__creds_accts_free(&fsa);
    vs_conf_free(fsc);
    return rc;
}

vs_rc vs_creds_rotate(vs_store *st, const vs_policy *p, const vs_blocklist *bl, const char *dir,
                      const char *account, const char *secret, char *out, size_t outsize,
                      vs_creds_rotate_result *res, char *err, size_t errlen)
{
    return vs__creds_rotate_hooked(st, p, bl, dir, account, secret, out, outsize, res, err, errlen,
                                   NULL, NULL);
}
