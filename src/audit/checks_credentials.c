/* Asterisk credential checks: weak SIP, IAX, AMI and ARI secrets and voicemail PINs, and one
 * secret shared by several accounts.
 *
 * Design: one pass collects every secret Asterisk would use into a list of accounts (file area,
 * account name, user and extension words, the entry that holds the secret); the weak-secret
 * checks judge each account with vs_strength_check under the run's policy and blocklist, plus a
 * small table of documented vendor defaults; the reuse check sorts the list by secret and reports
 * each group of two or more accounts once, at the first account's line. The secret itself never
 * reaches a finding: evidence holds vs_secret_mask's form and the verdict's numbers only.
 *
 * Where the secrets are: accounts.c (vs__ast_accounts_collect), shared with `voipsec creds`.
 * Templates are not accounts; their secrets are judged through the sections that inherit them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/check.h"

/* Vendor defaults that are published, so that attackers try them first. Only documented ones:
 *   "mysecret"  Asterisk configs/samples/manager.conf.sample ([mark] secret = mysecret)
 *               (domain-facts AST-MGR)
 *   "amp111"    the AMI "admin" secret of FreePBX/AMP installs, as printed in the FOP2 server
 *               configuration guide (http://www.fop2.com/documentation-configuration-server.php);
 *               listed in domain-facts section 2 as a legacy FreePBX default
 * FreeSWITCH's "1234" and "ClueCon" (FS-VARS, FS-ESL) are already on data/weak-passwords.txt. */
static const char *const vendor_defaults[] = {"mysecret", "amp111"};

static bool is_vendor_default(const char *s)
{
    for (size_t i = 0; i < sizeof vendor_defaults / sizeof vendor_defaults[0]; i++)
        if (strcasecmp(s, vendor_defaults[i]) == 0)
            return true;
    return false;
}

/* ---- weak secrets ------------------------------------------------------------------------- */

static const char *failed_rule(const vs_strength *st, bool vendor, size_t len)
{
    if (len == 0)
        return "empty";
    if (st->equals_user)
        return "equals_user";
    if (vendor)
        return "vendor_default";
    if (st->on_blocklist)
        return "on_blocklist";
    if (st->too_short)
        return "too_short";
    if (st->repeats_or_runs)
        return "repeats_or_runs";
    if (st->too_few_classes)
        return "too_few_classes";
    return "too_guessable";
}

static const char *area_what(vs__ast_area w)
{
    switch (w) {
    case VS__AST_PJSIP:
        return "The PJSIP account";
    case VS__AST_SIP:
        return "The chan_sip account";
    case VS__AST_IAX:
        return "The IAX2 account";
    case VS__AST_VOICEMAIL:
        return "The voicemail box";
    case VS__AST_MANAGER:
        return "The Asterisk Manager (AMI) user";
    case VS__AST_ARI:
        return "The Asterisk REST Interface (ARI) user";
    }
    return "The account";
}

static const char *area_risk(vs__ast_area w)
{
    switch (w) {
    case VS__AST_PJSIP:
    case VS__AST_SIP:
    case VS__AST_IAX:
        return "Attackers guess SIP and IAX passwords with automated tools; once in, they register "
               "as the phone and make calls at your cost.";
    case VS__AST_VOICEMAIL:
        return "A guessed voicemail PIN lets a stranger listen to messages, and on many systems "
               "change call forwarding to an expensive number.";
    case VS__AST_MANAGER:
        return "AMI can place calls and, with the system or command rights, run commands on the "
               "server: a guessed secret gives control of the whole PBX.";
    case VS__AST_ARI:
        return "ARI controls calls and channels: a guessed password lets an attacker place and "
               "redirect calls.";
    }
    return "";
}

static void judge(vs__audit_run *r, const vs__audit_check *ck, const vs__ast_account *ac)
{
    bool pin = ac->where == VS__AST_VOICEMAIL;
    vs_strength st;
    vs_strength_check(r->policy, r->blocklist, ac->secret, ac->user,
                      ac->extension[0] ? ac->extension : NULL, pin, &st);
    bool vendor = ac->secret[0] && is_vendor_default(ac->secret);
    if (st.ok && !vendor)
        return;
    size_t len = strlen(ac->secret);
    vs_finding f;
    vs__audit_finding_at(r, ck, ac->e, &f);
    vs_finding_set(f.user, sizeof f.user, ac->name);
    if (len == 0 || st.equals_user || vendor)
        f.severity = VS_SEV_CRITICAL;
    const char *what = pin ? "PIN" : "password";
    char reason[300];
    if (vendor && !st.equals_user)
        snprintf(reason, sizeof reason, "the %s is a published default from a sample configuration",
                 what);
    else
        snprintf(reason, sizeof reason, "%s", st.reason);
    vs_finding_setf(f.explain, sizeof f.explain, "%s \"%s\" has a weak %s: %s. %s",
                    area_what(ac->where), ac->name, what, reason, area_risk(ac->where));
    if (pin)
        vs_finding_setf(f.advice, sizeof f.advice,
                        "Give the mailbox a PIN of at least %u digits that is not the mailbox "
                        "number, a repeated digit or a simple run, and ask its owner to change it "
                        "at the first login.",
                        r->policy->pin_min_length);
    else
        vs_finding_setf(f.advice, sizeof f.advice,
                        "Replace it with a long random password (at least %u characters; a "
                        "password manager or `voipsec creds` can generate one) and update the "
                        "device or program that uses it.",
                        r->policy->min_length > 16 ? r->policy->min_length : 16);
    char masked[64];
    vs_secret_mask(ac->secret, masked, sizeof masked);
    vs_evidence_str(f.evidence, sizeof f.evidence, "secret", masked);
    vs_evidence_int(f.evidence, sizeof f.evidence, "length", (int64_t)st.length);
    vs_evidence_int(f.evidence, sizeof f.evidence, "classes", (int64_t)st.classes);
    vs_evidence_int(f.evidence, sizeof f.evidence, "guesses_log10",
                    (int64_t)(st.guesses_log10 + 0.5));
    vs_evidence_str(f.evidence, sizeof f.evidence, "failed", failed_rule(&st, vendor, len));
    vs_evidence_str(f.evidence, sizeof f.evidence, "reason", reason);
    vs_evidence_str(f.evidence, sizeof f.evidence, "policy", r->policy->preset);
    vs__audit_emit(r, &f);
}

static void run_weak(vs__audit_run *r, const vs__audit_check *ck, vs__ast_area where)
{
    vs__ast_accounts a;
    vs__ast_accounts_collect(r->asterisk, &a, &where);
    for (size_t i = 0; i < a.n; i++)
        judge(r, ck, &a.v[i]);
    vs__ast_accounts_free(&a);
}

static void run_weak_pjsip(vs__audit_run *r, const vs__audit_check *ck)
{
    run_weak(r, ck, VS__AST_PJSIP);
}
static void run_weak_sip(vs__audit_run *r, const vs__audit_check *ck)
{
    run_weak(r, ck, VS__AST_SIP);
}
static void run_weak_iax(vs__audit_run *r, const vs__audit_check *ck)
{
    run_weak(r, ck, VS__AST_IAX);
}
static void run_weak_voicemail(vs__audit_run *r, const vs__audit_check *ck)
{
    run_weak(r, ck, VS__AST_VOICEMAIL);
}
static void run_weak_manager(vs__audit_run *r, const vs__audit_check *ck)
{
    run_weak(r, ck, VS__AST_MANAGER);
}
static void run_weak_ari(vs__audit_run *r, const vs__audit_check *ck)
{
    run_weak(r, ck, VS__AST_ARI);
}

/* ---- reuse ---------------------------------------------------------------------------------- */

static int cmp_secret(const void *x, const void *y)
{
    const vs__ast_account *a = x, *b = y;
    int c = strcmp(a->secret, b->secret);
    if (c)
        return c;
    return a->order < b->order ? -1 : a->order > b->order;
}

static void run_reuse(vs__audit_run *r, const vs__audit_check *ck)
{
    vs__ast_accounts a;
    vs__ast_accounts_collect(r->asterisk, &a, NULL);
    if (a.failed || a.n < 2) {
        vs__ast_accounts_free(&a);
        return;
    }
    qsort(a.v, a.n, sizeof *a.v, cmp_secret);
    for (size_t i = 0; i < a.n;) {
        size_t j = i + 1;
        while (j < a.n && strcmp(a.v[j].secret, a.v[i].secret) == 0)
            j++;
        /* an empty secret is reported by the weak-secret checks; the same entry seen through
         * several sections that inherit one template is still one secret per account */
        if (j - i >= 2 && a.v[i].secret[0]) {
            const vs__ast_account *first = &a.v[i]; /* sorted by discovery order within the group */
            vs_finding f;
            vs__audit_finding_at(r, ck, first->e, &f);
            vs_finding_set(f.user, sizeof f.user, first->name);
            char list[640] = "";
            size_t used = 0, shown = 0;
            for (size_t k = i; k < j; k++) {
                int w = snprintf(list + used, sizeof list - used, "%s%s", k > i ? ", " : "",
                                 a.v[k].label);
                if (w < 0 || (size_t)w >= sizeof list - used) {
                    list[used] = '\0';
                    break;
                }
                used += (size_t)w;
                shown++;
            }
            vs_finding_setf(f.explain, sizeof f.explain,
                            "%zu accounts use the same secret: %s%s. Whoever learns it from one "
                            "device, file or leaked backup can log in as all of them, and "
                            "changing one does not protect the others.",
                            j - i, list, shown < j - i ? ", ..." : "");
            vs_finding_set(f.advice, sizeof f.advice,
                           "Give every account a secret of its own (long and random; `voipsec "
                           "creds` can generate them) and update each device.");
            char masked[64];
            vs_secret_mask(first->secret, masked, sizeof masked);
            vs_evidence_str(f.evidence, sizeof f.evidence, "secret", masked);
            vs_evidence_int(f.evidence, sizeof f.evidence, "count", (int64_t)(j - i));
            /* accounts as a JSON array, as many as fit */
            char arr[720] = "[";
            size_t al = 1;
            for (size_t k = i; k < j; k++) {
                /* labels are config names: escape the two JSON specials conservatively */
                char item[200];
                size_t il = 0;
                for (const char *p = a.v[k].label; *p && il + 3 < sizeof item; p++) {
                    if (*p == '"' || *p == '\\')
                        item[il++] = '\\';
                    if ((unsigned char)*p < 0x20)
                        continue;
                    item[il++] = *p;
                }
                item[il] = '\0';
                int w = snprintf(arr + al, sizeof arr - al, "%s\"%s\"", k > i ? "," : "", item);
                if (w < 0 || (size_t)w >= sizeof arr - al - 1) {
                    arr[al] = '\0';
                    break;
                }
                al += (size_t)w;
            }
            arr[al++] = ']';
            arr[al] = '\0';
            vs_evidence_raw(f.evidence, sizeof f.evidence, "accounts", arr);
            vs__audit_emit(r, &f);
        }
        i = j;
    }
    vs__ast_accounts_free(&a);
}

/* ---- the table ---------------------------------------------------------------------------- */

#define AST VS_CONF_PRODUCT_ASTERISK
#define CRED VS_PRACTICE_CREDENTIALS
#define CHECK(var, id, title, why, fn)                                                             \
    static const vs__audit_check var = {{id, AST, CRED, VS_SEV_HIGH, title, why}, fn}

CHECK(weak_pjsip, "asterisk.pjsip.weak-secret", "A PJSIP account has a weak password",
      "type=auth passwords are guessed online by SIP brute-force tools and offline from captured "
      "digests; short, common or user-equal ones fall first.",
      run_weak_pjsip);
CHECK(weak_sip, "asterisk.sip.weak-secret", "A chan_sip account has a weak secret",
      "A secret equal to the extension ([1000] secret=1000) is the classic toll-fraud hole.",
      run_weak_sip);
CHECK(weak_iax, "asterisk.iax.weak-secret", "An IAX2 account has a weak secret",
      "IAX2 secrets are brute-forced like SIP ones.", run_weak_iax);
CHECK(weak_vm, "asterisk.voicemail.weak-pin", "A voicemail box has a weak PIN",
      "Short, repeated or mailbox-equal PINs let strangers into voicemail and its call-forward "
      "options.",
      run_weak_voicemail);
CHECK(weak_ami, "asterisk.manager.weak-secret", "An AMI user has a weak secret",
      "AMI can originate calls and run commands; its sample secret (mysecret) is public.",
      run_weak_manager);
CHECK(weak_ari, "asterisk.ari.weak-password", "An ARI user has a weak password",
      "ARI controls calls; plain-format passwords are judged like any other.", run_weak_ari);
CHECK(reuse, "asterisk.secret-reuse", "Several accounts share one secret",
      "One leaked secret opens every account that uses it.", run_reuse);

const vs__audit_check *const vs__checks_credentials[] = {
    &weak_pjsip, &weak_sip, &weak_iax, &weak_vm, &weak_ami, &weak_ari, &reuse, NULL,
};
