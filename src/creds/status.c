/* `creds status`: every stored account with its age, due date under the policy, strength verdict
 * and reuse, and the findings made of them.
 *
 * Design: a read of the store only; the verdicts come from the last import (the secret is not
 * known here). Age is counted in whole days of wall-clock time; max_age_days 0 (nist) means no
 * due date and never overdue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds/creds_internal.h"
#include "store/creds_rows.h"

#define DAY_US ((int64_t)86400 * 1000000)

vs_rc vs_creds_status(vs_store *st, const vs_policy *p, int64_t now_us, vs_creds_status_fn fn,
                      void *ctx, char *err, size_t errlen)
{
    if (!st || !p || !fn) {
        snprintf(err, errlen, "invalid arguments");
        return VS_E_INVAL;
    }
    vs__cred_row *rows = NULL;
    size_t n = 0;
    vs_rc rc = vs__store_cred_list(st, &rows, &n);
    if (rc != VS_OK) {
        snprintf(err, errlen, "%s", vs_store_error(st));
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        const vs__cred_row *r = &rows[i];
        vs_cred_status s;
        memset(&s, 0, sizeof s);
        if (vs_cred_kind_parse(r->kind, &s.kind) != VS_OK)
            s.kind = VS_CRED_PORTAL;
        snprintf(s.account, sizeof s.account, "%s", r->account);
        snprintf(s.file, sizeof s.file, "%s", r->file);
        s.line = r->line;
        s.set_at_us = r->set_at_us;
        s.age_days = now_us > r->set_at_us ? (now_us - r->set_at_us) / DAY_US : 0;
        if (p->max_age_days) {
            s.has_due = true;
            s.due_us = r->set_at_us + (int64_t)p->max_age_days * DAY_US;
            s.overdue = now_us > s.due_us;
        }
        s.weak = r->weak[0] != '\0';
        snprintf(s.weak_reason, sizeof s.weak_reason, "%s", r->weak);
        s.reuse_group = r->reuse_group;
        if (!fn(ctx, &s))
            break;
    }
    free(rows);
    return VS_OK;
}

void vs_creds_findings(const vs_cred_status *s, const vs_policy *p, vs_finding_fn fn, void *ctx)
{
    vs_finding f;
    const char *kind = vs_cred_kind_id(s->kind);
    const char *what = s->kind == VS_CRED_VOICEMAIL ? "PIN" : "secret";
    if (s->overdue) {
        vs_finding_init(&f, "creds.rotation-overdue", VS_PRACTICE_CREDENTIALS, VS_SEV_MEDIUM);
        vs_finding_setf(f.title, sizeof f.title, "The %s of %s account %s is overdue for change",
                        what, kind, s->account);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "The %s has not changed for %lld days; the policy (%s) asks for a new one "
                        "every %u days. The longer a secret lives, the more copies of it exist in "
                        "phones, backups and people's notes, and the longer a leaked one works.",
                        what, (long long)s->age_days, p->preset, p->max_age_days);
        vs_finding_setf(f.advice, sizeof f.advice,
                        "Set a new %s (`voipsec creds generate --kind %s`), update the device or "
                        "program that uses it, then run `voipsec creds import` again.",
                        what, s->kind == VS_CRED_TRUNK ? "sip" : kind);
        vs_finding_set(f.user, sizeof f.user, s->account);
        vs_finding_set(f.file, sizeof f.file, s->file);
        f.line = s->line;
        vs_evidence_int(f.evidence, sizeof f.evidence, "age_days", s->age_days);
        vs_evidence_int(f.evidence, sizeof f.evidence, "max_age_days", p->max_age_days);
        vs_evidence_str(f.evidence, sizeof f.evidence, "kind", kind);
        fn(ctx, &f);
    }
    if (s->weak) {
        vs_finding_init(&f, "creds.weak-secret", VS_PRACTICE_CREDENTIALS, VS_SEV_HIGH);
        vs_finding_setf(f.title, sizeof f.title, "The %s of %s account %s is weak", what, kind,
                        s->account);
        vs_finding_setf(f.explain, sizeof f.explain,
                        "When it was imported the %s failed the policy (%s): %s. Weak secrets are "
                        "guessed by automated tools, and a guessed SIP or AMI secret lets a "
                        "stranger call at your cost.",
                        what, p->preset, s->weak_reason);
        vs_finding_setf(f.advice, sizeof f.advice,
                        "Replace it with a generated one (`voipsec creds generate --kind %s`), "
                        "check it with `voipsec creds check %s` and update the device.",
                        s->kind == VS_CRED_TRUNK ? "sip" : kind, s->account);
        vs_finding_set(f.user, sizeof f.user, s->account);
        vs_finding_set(f.file, sizeof f.file, s->file);
        f.line = s->line;
        vs_evidence_str(f.evidence, sizeof f.evidence, "reason", s->weak_reason);
        vs_evidence_str(f.evidence, sizeof f.evidence, "kind", kind);
        fn(ctx, &f);
    }
    if (s->reuse_group) {
        vs_finding_init(&f, "creds.secret-reuse", VS_PRACTICE_CREDENTIALS, VS_SEV_HIGH);
        vs_finding_setf(f.title, sizeof f.title, "%s account %s shares its %s with another account",
                        kind, s->account, what);
        vs_finding_set(f.explain, sizeof f.explain,
                       "Another account uses the same secret: whoever learns it from one device, "
                       "file or backup can log in as both, and changing one does not protect the "
                       "other.");
        vs_finding_set(f.advice, sizeof f.advice,
                       "Give every account a secret of its own (`voipsec creds generate`) and "
                       "update each device.");
        vs_finding_set(f.user, sizeof f.user, s->account);
        vs_finding_set(f.file, sizeof f.file, s->file);
        f.line = s->line;
        vs_evidence_int(f.evidence, sizeof f.evidence, "reuse_group", s->reuse_group);
        vs_evidence_str(f.evidence, sizeof f.evidence, "kind", kind);
        fn(ctx, &f);
    }
}
