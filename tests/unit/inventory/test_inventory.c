/* Unit tests for the device inventory (src/inventory/, src/store/device_rows.c): grouping of
 * devices rows by (ip, vendor, model), firmware history with upgrades and downgrades, the review
 * clock (overdue after N days, not before; a review restarts it), vulnerable at the boundaries of
 * a catalogue range (the fixed version is not vulnerable), unknown versions never judged, device
 * lookup, bounded memory per device, reviews in the store, the findings' shape, the policy key.
 *
 * Each test works on a real store in its own mkdtemp directory, filled through the public
 * vs_store_device_seen, with the rule and catalogue files of tests/fixtures/inventory. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
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
#include <voipsec/inventory.h>

#define FIXTURES VS_SOURCE_DIR "/tests/fixtures/inventory"
#define DAY INT64_C(86400000000)
#define T0 (INT64_C(1767225600) * 1000000) /* 2026-01-01T00:00:00Z */

typedef struct fixture {
    char dir[64];
    char db[128];
    vs_store *st;
    vs_fp_rules *rules;
    vs_catalogue *cat;
    vs_policy pol;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    strcpy(fx->dir, "/tmp/vs-inventory-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->db, sizeof fx->db, "%s/voipsec.db", fx->dir);
    char err[512];
    fx->st = vs_store_open(fx->db, err, sizeof err);
    const char *fps[] = {FIXTURES "/fingerprints.tsv"};
    const char *cats[] = {FIXTURES "/catalogue.tsv"};
    fx->rules = vs_fp_rules_load(fps, 1, err, sizeof err);
    if (!fx->rules)
        fprintf(stderr, "rules: %s\n", err);
    fx->cat = vs_catalogue_load(cats, 1, err, sizeof err);
    if (!fx->cat)
        fprintf(stderr, "catalogue: %s\n", err);
    if (!fx->st || !fx->rules || !fx->cat || vs_policy_preset(&fx->pol, "seed", NULL) != VS_OK)
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

static int teardown(void **state)
{
    fixture *fx = *state;
    vs_store_close(fx->st);
    vs_fp_rules_free(fx->rules);
    vs_catalogue_free(fx->cat);
    nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

/* One sighting: a devices row, or a later/earlier time of an existing one. */
static void seen(fixture *fx, const char *ip, uint16_t port, const char *transport, const char *ua,
                 const char *user, int64_t us)
{
    vs_device_seen d;
    memset(&d, 0, sizeof d);
    snprintf(d.ip, sizeof d.ip, "%s", ip);
    d.port = port;
    snprintf(d.transport, sizeof d.transport, "%s", transport);
    snprintf(d.user_agent, sizeof d.user_agent, "%s", ua);
    snprintf(d.user, sizeof d.user, "%s", user);
    d.seen_us = us;
    assert_int_equal(vs_store_device_seen(fx->st, &d), VS_OK);
}

static vs_inventory *load(fixture *fx)
{
    char err[512];
    vs_inventory *inv = vs_inventory_load(fx->st, fx->rules, 0, err, sizeof err);
    if (!inv)
        fail_msg("vs_inventory_load: %s", err);
    return inv;
}

static const vs_inventory_device *find(const vs_inventory *inv, const char *spec)
{
    const vs_inventory_device *d = NULL;
    char err[512];
    if (vs_inventory_find(inv, spec, &d, err, sizeof err) != VS_OK)
        fail_msg("vs_inventory_find(%s): %s", spec, err);
    return d;
}

static void review(fixture *fx, const char *ip, const char *vendor, const char *model,
                   const char *version, int64_t at, const char *who, const char *note)
{
    vs_device_review r;
    memset(&r, 0, sizeof r);
    snprintf(r.ip, sizeof r.ip, "%s", ip);
    snprintf(r.vendor, sizeof r.vendor, "%s", vendor);
    snprintf(r.model, sizeof r.model, "%s", model);
    snprintf(r.version, sizeof r.version, "%s", version);
    snprintf(r.who, sizeof r.who, "%s", who);
    snprintf(r.note, sizeof r.note, "%s", note);
    r.reviewed_at_us = at;
    assert_int_equal(vs_store_add_review(fx->st, &r), VS_OK);
    assert_true(r.id > 0);
}

/* ---- grouping ------------------------------------------------------------------------------ */

static void test_grouping(void **state)
{
    fixture *fx = *state;
    /* a PBX answering on udp, tcp and tls is one device */
    seen(fx, "10.0.0.1", 5060, "udp", "Asterisk PBX 18.20.1", "", T0);
    seen(fx, "10.0.0.1", 5060, "tcp", "Asterisk PBX 18.20.1", "", T0 + 1000);
    seen(fx, "10.0.0.1", 5061, "tls", "Asterisk PBX 18.20.1", "", T0 + 2000);
    /* a phone registering two users from two ports */
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "1001", T0 + DAY);
    seen(fx, "10.0.0.5", 5062, "udp", "Yealink SIP-T46S 66.86.0.15", "1002", T0 + 2 * DAY);
    /* a second product behind the same address */
    seen(fx, "10.0.0.5", 5070, "udp", "Asterisk PBX 18.20.1", "", T0 + DAY);
    /* an unrecognised string groups by itself, with vendor "" */
    seen(fx, "10.0.0.10", 5060, "udp", "Acme Deskphone/2.1 (build 7)", "", T0);
    seen(fx, "10.0.0.10", 5080, "udp", "Acme Deskphone/2.1 (build 7)", "", T0 + DAY);
    seen(fx, "10.0.0.10", 5060, "udp", "Other Thing 1.0", "", T0);
    seen(fx, "2001:db8::7", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0);

    vs_inventory *inv = load(fx);
    assert_int_equal(vs_inventory_rows(inv), 10);
    assert_int_equal(vs_inventory_dropped(inv), 0);
    assert_int_equal(vs_inventory_count(inv), 6);
    /* numeric address order (10.0.0.5 before 10.0.0.10), IPv4 before IPv6, then vendor, model */
    const char *order[][3] = {
        {"10.0.0.1", "Asterisk", "Asterisk PBX"}, {"10.0.0.5", "Asterisk", "Asterisk PBX"},
        {"10.0.0.5", "Yealink", "SIP-T46S"},      {"10.0.0.10", "", "Acme Deskphone/2.1 (build 7)"},
        {"10.0.0.10", "", "Other Thing 1.0"},     {"2001:db8::7", "Yealink", "SIP-T46S"},
    };
    for (size_t i = 0; i < 6; i++) {
        const vs_inventory_device *d = vs_inventory_get(inv, i);
        assert_string_equal(d->ip, order[i][0]);
        assert_string_equal(d->vendor, order[i][1]);
        assert_string_equal(d->model, order[i][2]);
    }
    assert_null(vs_inventory_get(inv, 6));

    const vs_inventory_device *pbx = vs_inventory_get(inv, 0);
    assert_int_equal(pbx->rows, 3);
    assert_int_equal(pbx->naddrs, 3);
    assert_int_equal(pbx->nversions, 1);
    assert_string_equal(pbx->versions[0].version, "18.20.1");
    assert_int_equal(pbx->current, 0);
    assert_string_equal(pbx->kind, "pbx");
    assert_string_equal(pbx->rule, "test-asterisk");
    assert_int_equal(pbx->id, 1); /* the smallest row id */
    assert_true(pbx->first_seen_us == T0 && pbx->last_seen_us == T0 + 2000);

    const vs_inventory_device *phone = vs_inventory_get(inv, 2);
    assert_int_equal(phone->rows, 2);
    assert_int_equal(phone->naddrs, 2);
    assert_int_equal(phone->nusers, 2);
    assert_string_equal(phone->users[0], "1001");
    assert_string_equal(phone->users[1], "1002");
    assert_int_equal(phone->nuser_agents, 1);
    assert_string_equal(phone->user_agents[0], "Yealink SIP-T46S 66.86.0.15");

    const vs_inventory_device *acme = vs_inventory_get(inv, 3);
    assert_int_equal(acme->rows, 2);
    assert_int_equal(acme->current, -1);
    assert_int_equal(acme->unversioned_rows, 2);
    assert_string_equal(acme->kind, "");
    vs_inventory_free(inv);
}

static void test_find(void **state)
{
    fixture *fx = *state;
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0);
    seen(fx, "10.0.0.5", 5070, "udp", "Asterisk PBX 18.20.1", "", T0);
    seen(fx, "10.0.0.7", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0);
    seen(fx, "10.0.0.9", 5060, "udp", "Acme/1 x", "", T0);
    vs_inventory *inv = load(fx);
    char err[512];
    const vs_inventory_device *d = NULL;

    assert_string_equal(find(inv, "10.0.0.7")->ip, "10.0.0.7");
    assert_string_equal(find(inv, "10.0.0.5/yealink")->vendor, "Yealink");
    assert_string_equal(find(inv, "10.0.0.5/YEALINK/sip-t46s")->model, "SIP-T46S");
    assert_string_equal(find(inv, "10.0.0.9//Acme/1 x")->model, "Acme/1 x");
    const vs_inventory_device *pbx = find(inv, "10.0.0.5/Asterisk/Asterisk PBX");
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)pbx->id);
    assert_ptr_equal(find(inv, id), pbx);
    snprintf(id, sizeof id, "#%lld", (long long)pbx->id);
    assert_ptr_equal(find(inv, id), pbx);

    assert_int_equal(vs_inventory_find(inv, "10.0.0.5", &d, err, sizeof err), VS_E_LIMIT);
    assert_non_null(strstr(err, "10.0.0.5/Yealink/SIP-T46S"));
    assert_non_null(strstr(err, "10.0.0.5/Asterisk/Asterisk PBX"));
    assert_int_equal(vs_inventory_find(inv, "10.0.0.6", &d, err, sizeof err), VS_E_NOTFOUND);
    assert_non_null(strstr(err, "10.0.0.6"));
    assert_int_equal(vs_inventory_find(inv, "10.0.0.5/Yealink/SIP-T54W", &d, err, sizeof err),
                     VS_E_NOTFOUND);
    assert_int_equal(vs_inventory_find(inv, "999", &d, err, sizeof err), VS_E_NOTFOUND);
    assert_int_equal(vs_inventory_find(inv, "", &d, err, sizeof err), VS_E_INVAL);

    char name[400];
    vs_inventory_device_name(find(inv, "10.0.0.9"), name, sizeof name);
    assert_string_equal(name, "10.0.0.9//Acme/1 x");
    vs_inventory_free(inv);
}

/* ---- firmware history ---------------------------------------------------------------------- */

static void test_history_upgrade(void **state)
{
    fixture *fx = *state;
    /* 66.84.0.10 from day 0 to day 10 on two ports, then 66.86.0.15 from day 12 */
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.84.0.10", "", T0);
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.84.0.10", "", T0 + 10 * DAY);
    seen(fx, "10.0.0.5", 5061, "tls", "Yealink SIP-T46S 66.84.0.10", "", T0 + 5 * DAY);
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0 + 20 * DAY);
    seen(fx, "10.0.0.5", 5061, "tls", "Yealink SIP-T46S 66.86.0.15", "", T0 + 12 * DAY);
    vs_inventory *inv = load(fx);
    assert_int_equal(vs_inventory_count(inv), 1);
    const vs_inventory_device *d = vs_inventory_get(inv, 0);
    assert_int_equal(d->nversions, 2);
    assert_string_equal(d->versions[0].version, "66.84.0.10");
    assert_true(d->versions[0].first_seen_us == T0 && d->versions[0].last_seen_us == T0 + 10 * DAY);
    assert_string_equal(d->versions[1].version, "66.86.0.15");
    assert_true(d->versions[1].first_seen_us == T0 + 12 * DAY);
    assert_int_equal(d->current, 1);
    assert_true(d->current_since_us == T0 + 12 * DAY);
    assert_false(d->overlapping);
    assert_true(vs_version_cmp(d->vendor, d->versions[0].version, d->versions[1].version) < 0);
    assert_int_equal(d->nuser_agents, 2);
    vs_inventory_free(inv);
}

static void test_history_downgrade(void **state)
{
    fixture *fx = *state;
    /* 66.86.0.15 from day 0 to 10, then back on 66.84.0.10 from day 11 to day 30 */
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0);
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0 + 10 * DAY);
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.84.0.10", "", T0 + 11 * DAY);
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.84.0.10", "", T0 + 30 * DAY);
    vs_inventory *inv = load(fx);
    const vs_inventory_device *d = vs_inventory_get(inv, 0);
    assert_int_equal(d->nversions, 2);
    assert_string_equal(d->versions[1].version, "66.84.0.10");
    assert_int_equal(d->current, 1);
    assert_true(vs_version_cmp(d->vendor, d->versions[0].version, d->versions[1].version) > 0);
    vs_inventory_verdict v;
    vs_inventory_judge(d, fx->cat, &fx->pol, T0 + 31 * DAY, &v);
    assert_int_equal(v.status, VS_INV_VULNERABLE); /* the downgrade brought the flaw back */
    vs_inventory_free(inv);
}

static void test_history_back_and_forth(void **state)
{
    fixture *fx = *state;
    /* A from day 0 to day 40, B only between day 10 and day 20: the device went back to A (or two
     * phones share the address); A took over again after day 20 */
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0);
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0 + 40 * DAY);
    seen(fx, "10.0.0.5", 5062, "udp", "Yealink SIP-T46S 66.86.0.20", "", T0 + 10 * DAY);
    seen(fx, "10.0.0.5", 5062, "udp", "Yealink SIP-T46S 66.86.0.20", "", T0 + 20 * DAY);
    vs_inventory *inv = load(fx);
    const vs_inventory_device *d = vs_inventory_get(inv, 0);
    assert_int_equal(d->nversions, 2);
    assert_string_equal(d->versions[d->current].version, "66.86.0.15");
    assert_true(d->current_since_us == T0 + 20 * DAY);
    assert_true(d->overlapping);
    vs_inventory_free(inv);
}

/* ---- the review clock ---------------------------------------------------------------------- */

static vs_inventory_status status_at(fixture *fx, const char *spec, int64_t now)
{
    vs_inventory *inv = load(fx);
    vs_inventory_verdict v;
    vs_inventory_judge(find(inv, spec), fx->cat, &fx->pol, now, &v);
    vs_inventory_free(inv);
    return v.status;
}

static void test_overdue_boundary(void **state)
{
    fixture *fx = *state;
    assert_int_equal(fx->pol.firmware_review_days, 90);
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0);
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0 + 100 * DAY);
    /* the clock runs from the first sighting of the current version, not the last sighting */
    assert_int_equal(status_at(fx, "10.0.0.5", T0 + 89 * DAY), VS_INV_OK);
    assert_int_equal(status_at(fx, "10.0.0.5", T0 + 90 * DAY), VS_INV_OK);
    assert_int_equal(status_at(fx, "10.0.0.5", T0 + 91 * DAY), VS_INV_OVERDUE);

    vs_inventory *inv = load(fx);
    const vs_inventory_device *d = vs_inventory_get(inv, 0);
    vs_inventory_verdict v;
    vs_inventory_judge(d, fx->cat, &fx->pol, T0 + 91 * DAY, &v);
    assert_true(v.overdue && v.has_review_clock && !v.clock_is_review);
    assert_int_equal(v.days, 91);
    assert_true(v.clock_us == T0 && v.due_us == T0 + 90 * DAY);
    /* 0 days: no review period */
    vs_policy never = fx->pol;
    never.firmware_review_days = 0;
    vs_inventory_judge(d, fx->cat, &never, T0 + 1000 * DAY, &v);
    assert_int_equal(v.status, VS_INV_OK);
    assert_false(v.has_review_clock);
    /* a shorter period from the policy */
    vs_policy short_p = fx->pol;
    short_p.firmware_review_days = 30;
    vs_inventory_judge(d, fx->cat, &short_p, T0 + 29 * DAY, &v);
    assert_false(v.overdue);
    vs_inventory_judge(d, fx->cat, &short_p, T0 + 31 * DAY, &v);
    assert_true(v.overdue);
    vs_inventory_free(inv);
}

static void test_upgrade_restarts_clock(void **state)
{
    fixture *fx = *state;
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0);
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.86.0.20", "", T0 + 50 * DAY);
    assert_int_equal(status_at(fx, "10.0.0.5", T0 + 139 * DAY), VS_INV_OK);
    assert_int_equal(status_at(fx, "10.0.0.5", T0 + 141 * DAY), VS_INV_OVERDUE);
}

static bool count_review(void *ctx, const vs_device_review *r)
{
    vs_device_review *last = ctx;
    last->id++;
    last->reviewed_at_us = r->reviewed_at_us;
    snprintf(last->who, sizeof last->who, "%s", r->who);
    snprintf(last->note, sizeof last->note, "%s", r->note);
    snprintf(last->version, sizeof last->version, "%s", r->version);
    return true;
}

static void test_review_resets_overdue(void **state)
{
    fixture *fx = *state;
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0);
    seen(fx, "10.0.0.7", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0);
    assert_int_equal(status_at(fx, "10.0.0.5", T0 + 91 * DAY), VS_INV_OVERDUE);

    review(fx, "10.0.0.5", "Yealink", "SIP-T46S", "66.86.0.15", T0 + 60 * DAY, "alice",
           "checked the vendor site: current");
    /* another device's review, and a review of another product at the same address */
    review(fx, "10.0.0.5", "Yealink", "SIP-T54W", "1.0", T0 + 200 * DAY, "bob", "");
    assert_int_equal(status_at(fx, "10.0.0.5", T0 + 91 * DAY), VS_INV_OK);
    assert_int_equal(status_at(fx, "10.0.0.5", T0 + 149 * DAY), VS_INV_OK);
    assert_int_equal(status_at(fx, "10.0.0.5", T0 + 151 * DAY), VS_INV_OVERDUE);
    assert_int_equal(status_at(fx, "10.0.0.7", T0 + 91 * DAY), VS_INV_OVERDUE);

    vs_inventory *inv = load(fx);
    const vs_inventory_device *d = find(inv, "10.0.0.5");
    assert_int_equal(d->reviews, 1);
    assert_true(d->last_review_us == T0 + 60 * DAY);
    assert_string_equal(d->last_review_who, "alice");
    vs_inventory_verdict v;
    vs_inventory_judge(d, fx->cat, &fx->pol, T0 + 151 * DAY, &v);
    assert_true(v.clock_is_review && v.days == 91);
    vs_inventory_free(inv);

    /* the review rows as stored */
    vs_device_review last;
    memset(&last, 0, sizeof last);
    assert_int_equal(
        vs_store_each_review(fx->st, "10.0.0.5", "Yealink", "SIP-T46S", count_review, &last),
        VS_OK);
    assert_int_equal(last.id, 1);
    assert_string_equal(last.who, "alice");
    assert_string_equal(last.note, "checked the vendor site: current");
    assert_string_equal(last.version, "66.86.0.15");
    assert_true(last.reviewed_at_us == T0 + 60 * DAY);
    memset(&last, 0, sizeof last);
    assert_int_equal(vs_store_each_review(fx->st, NULL, NULL, NULL, count_review, &last), VS_OK);
    assert_int_equal(last.id, 2);
    assert_string_equal(last.who, "bob"); /* oldest first: bob's is the later one */

    /* a review needs an address and a name */
    vs_device_review bad;
    memset(&bad, 0, sizeof bad);
    snprintf(bad.ip, sizeof bad.ip, "10.0.0.5");
    assert_int_equal(vs_store_add_review(fx->st, &bad), VS_E_INVAL);
}

/* ---- vulnerable ---------------------------------------------------------------------------- */

/* Judges a device seen with ua alone at a fresh address. */
static vs_inventory_verdict judge_ua(fixture *fx, const char *ua)
{
    static unsigned next;
    char ip[32];
    snprintf(ip, sizeof ip, "10.9.9.%u", ++next % 250);
    seen(fx, ip, 5060, "udp", ua, "", T0);
    vs_inventory *inv = load(fx);
    char spec[300];
    vs_fingerprint fp;
    memset(&fp, 0, sizeof fp);
    assert_true(vs_fp_match(fx->rules, ua, strlen(ua), &fp));
    snprintf(spec, sizeof spec, "%s/%s/%s", ip, fp.vendor, fp.model);
    vs_inventory_verdict v;
    vs_inventory_judge(find(inv, spec), fx->cat, &fx->pol, T0 + DAY, &v);
    vs_inventory_free(inv);
    return v;
}

static void test_vulnerable_boundaries(void **state)
{
    fixture *fx = *state;
    /* catalogue: Yealink ^SIP-T46S$ >=66.80 <66.86.0.15, fixed 66.86.0.15 */
    vs_inventory_verdict v = judge_ua(fx, "Yealink SIP-T46S 66.86.0.14");
    assert_int_equal(v.status, VS_INV_VULNERABLE);
    assert_int_equal(v.vulns, 1);
    assert_int_equal(v.worst, VS_SEV_HIGH);
    assert_int_equal(judge_ua(fx, "Yealink SIP-T46S 66.80.0.0").status, VS_INV_VULNERABLE);
    assert_int_equal(judge_ua(fx, "Yealink SIP-T46S 66.84.0.10").status, VS_INV_VULNERABLE);
    assert_int_equal(judge_ua(fx, "Yealink SIP-T46S 66.86.0.15").status, VS_INV_OK);
    assert_int_equal(judge_ua(fx, "Yealink SIP-T46S 66.86.0.16").status, VS_INV_OK);
    assert_int_equal(judge_ua(fx, "Yealink SIP-T46S 66.79.9.9").status, VS_INV_OK);
    /* the model pattern: another model with an affected version number is not matched */
    assert_int_equal(judge_ua(fx, "Yealink SIP-T54W 66.84.0.10").status, VS_INV_OK);
    /* Asterisk <18.20.1 */
    assert_int_equal(judge_ua(fx, "Asterisk PBX 18.20.0").status, VS_INV_VULNERABLE);
    assert_int_equal(judge_ua(fx, "Asterisk PBX 18.20.1").status, VS_INV_OK);
    /* vulnerable wins over overdue; both are reported */
    seen(fx, "10.1.1.1", 5060, "udp", "Yealink SIP-T46S 66.84.0.10", "", T0);
    vs_inventory *inv = load(fx);
    vs_inventory_judge(find(inv, "10.1.1.1"), fx->cat, &fx->pol, T0 + 200 * DAY, &v);
    assert_true(v.vulnerable && v.overdue);
    assert_int_equal(v.status, VS_INV_VULNERABLE);
    vs_inventory_free(inv);
}

static void test_platform_match(void **state)
{
    fixture *fx = *state;
    /* FreePBX 16.0.40.7 on Asterisk 18.20.0: the Asterisk entry matches through the platform */
    vs_inventory_verdict v = judge_ua(fx, "FPBX-16.0.40.7(18.20.0)");
    assert_int_equal(v.status, VS_INV_VULNERABLE);
    assert_int_equal(v.worst, VS_SEV_CRITICAL);
    assert_int_equal(judge_ua(fx, "FPBX-16.0.40.8(18.20.1)").status, VS_INV_OK);
}

static void test_unknown_version(void **state)
{
    fixture *fx = *state;
    /* a recognised model without a version, and an unrecognised string: never vulnerable (even
     * under a catalogue entry for every version) nor overdue */
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T54W", "", T0);
    seen(fx, "10.0.0.6", 5060, "udp", "Acme 1.0", "", T0);
    seen(fx, "10.0.0.7", 5060, "udp", "", "", T0);
    const char *cats[] = {FIXTURES "/catalogue-nofix.tsv", FIXTURES "/catalogue.tsv"};
    char err[512];
    vs_catalogue *all = vs_catalogue_load(cats, 2, err, sizeof err);
    assert_non_null(all);
    vs_inventory *inv = load(fx);
    assert_int_equal(vs_inventory_count(inv), 3);
    for (size_t i = 0; i < 3; i++) {
        const vs_inventory_device *d = vs_inventory_get(inv, i);
        vs_inventory_verdict v;
        vs_inventory_judge(d, all, &fx->pol, T0 + 1000 * DAY, &v);
        assert_int_equal(v.status, VS_INV_UNKNOWN_VERSION);
        assert_false(v.vulnerable || v.overdue);
        vs_fingerprint fp;
        assert_false(vs_inventory_fingerprint(d, &fp));
    }
    assert_string_equal(vs_inventory_get(inv, 0)->vendor, "Yealink");
    assert_string_equal(vs_inventory_get(inv, 0)->model, "SIP-T54W");
    assert_string_equal(vs_inventory_get(inv, 2)->model, "");
    vs_inventory_free(inv);
    vs_catalogue_free(all);
}

/* ---- findings ------------------------------------------------------------------------------ */

typedef struct collected {
    vs_finding f[8];
    size_t n;
} collected;

static void collect(void *ctx, const vs_finding *f)
{
    collected *c = ctx;
    if (c->n < 8)
        c->f[c->n] = *f;
    c->n++;
}

static void test_findings(void **state)
{
    fixture *fx = *state;
    seen(fx, "10.0.0.5", 5060, "udp", "Yealink SIP-T46S 66.84.0.10", "1001", T0);
    seen(fx, "10.0.0.6", 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0);
    seen(fx, "10.0.0.8", 5060, "udp", "Yealink SIP-T54W 1.2.3", "", T0);
    vs_inventory *inv = load(fx);
    collected *c = calloc(1, sizeof *c);
    assert_non_null(c);

    /* vulnerable, not yet overdue */
    vs_inventory_findings(find(inv, "10.0.0.5"), fx->cat, &fx->pol, T0 + DAY, collect, c);
    assert_int_equal(c->n, 1);
    vs_finding *f = &c->f[0];
    assert_string_equal(f->rule, "firmware.vulnerable");
    assert_int_equal(f->practice, VS_PRACTICE_FIRMWARE);
    assert_int_equal(f->severity, VS_SEV_HIGH);
    assert_string_equal(f->title, "Yealink SIP-T46S at 10.0.0.5 runs firmware 66.84.0.10 with a "
                                  "known vulnerability (CVE-2099-0001)");
    assert_non_null(strstr(f->advice, "to 66.86.0.15 or later"));
    assert_string_equal(f->src.ip, "10.0.0.5");
    assert_int_equal(f->src.port, 5060);
    assert_string_equal(f->user, "1001");
    assert_non_null(strstr(f->evidence, "\"cve\":\"CVE-2099-0001\""));
    assert_non_null(strstr(f->evidence, "\"fixed\":\"66.86.0.15\""));
    assert_non_null(strstr(f->evidence, "\"source\":\"https://example.invalid/advisory-1\""));
    assert_non_null(strstr(f->evidence, "catalogue.tsv:4\""));
    assert_non_null(strstr(f->evidence, "\"version\":\"66.84.0.10\""));

    /* overdue: low up to twice the period, medium beyond */
    c->n = 0;
    vs_inventory_findings(find(inv, "10.0.0.6"), fx->cat, &fx->pol, T0 + 91 * DAY, collect, c);
    assert_int_equal(c->n, 1);
    assert_string_equal(f->rule, "firmware.overdue");
    assert_int_equal(f->severity, VS_SEV_LOW);
    assert_int_equal(f->practice, VS_PRACTICE_FIRMWARE);
    assert_non_null(strstr(f->title, "91 days"));
    assert_non_null(strstr(f->evidence, "\"days\":91"));
    assert_non_null(strstr(f->evidence, "\"review_days\":90"));
    assert_non_null(strstr(f->evidence, "\"clock\":\"change\""));
    c->n = 0;
    vs_inventory_findings(find(inv, "10.0.0.6"), fx->cat, &fx->pol, T0 + 181 * DAY, collect, c);
    assert_int_equal(c->n, 1);
    assert_int_equal(f->severity, VS_SEV_MEDIUM);
    c->n = 0;
    vs_inventory_findings(find(inv, "10.0.0.6"), fx->cat, &fx->pol, T0 + 89 * DAY, collect, c);
    assert_int_equal(c->n, 0);

    /* vulnerable and overdue: two findings */
    c->n = 0;
    vs_inventory_findings(find(inv, "10.0.0.5"), fx->cat, &fx->pol, T0 + 100 * DAY, collect, c);
    assert_int_equal(c->n, 2);
    assert_string_equal(c->f[0].rule, "firmware.vulnerable");
    assert_string_equal(c->f[1].rule, "firmware.overdue");

    /* no fixed version listed: the advice says so */
    const char *cats[] = {FIXTURES "/catalogue-nofix.tsv"};
    char err[512];
    vs_catalogue *nofix = vs_catalogue_load(cats, 1, err, sizeof err);
    assert_non_null(nofix);
    c->n = 0;
    vs_inventory_findings(find(inv, "10.0.0.8"), nofix, &fx->pol, T0 + DAY, collect, c);
    assert_int_equal(c->n, 1);
    assert_int_equal(f->severity, VS_SEV_MEDIUM);
    assert_non_null(strstr(f->advice, "No fixed version"));
    vs_catalogue_free(nofix);

    /* platform match: the title names the platform's version */
    vs_inventory_free(inv);
    seen(fx, "10.0.0.9", 5060, "udp", "FPBX-16.0.40.7(18.20.0)", "", T0);
    inv = load(fx);
    c->n = 0;
    vs_inventory_findings(find(inv, "10.0.0.9"), fx->cat, &fx->pol, T0 + DAY, collect, c);
    assert_int_equal(c->n, 1);
    assert_string_equal(f->title, "FreePBX at 10.0.0.9 runs Asterisk 18.20.0 with a known "
                                  "vulnerability (CVE-2099-0002)");
    assert_non_null(strstr(f->evidence, "\"matched_vendor\":\"Asterisk\""));
    free(c);
    vs_inventory_free(inv);
}

/* The advice of the one firmware.vulnerable finding of a device seen with ua, under cat. */
static void advice_for(fixture *fx, const vs_catalogue *cat, const char *ua, vs_finding *out)
{
    static unsigned next;
    char ip[32];
    snprintf(ip, sizeof ip, "10.8.8.%u", ++next % 250);
    seen(fx, ip, 5060, "udp", ua, "", T0);
    vs_inventory *inv = load(fx);
    collected *c = calloc(1, sizeof *c);
    assert_non_null(c);
    vs_inventory_findings(find(inv, ip), cat, &fx->pol, T0 + DAY, collect, c);
    assert_int_equal(c->n, 1);
    *out = c->f[0];
    free(c);
    vs_inventory_free(inv);
}

static void test_fixed_release_of_the_branch(void **state)
{
    fixture *fx = *state;
    const char *cats[] = {FIXTURES "/catalogue-branches.tsv"};
    char err[512];
    vs_catalogue *cat = vs_catalogue_load(cats, 1, err, sizeof err);
    if (!cat)
        fail_msg("%s", err);
    vs_finding *f = malloc(sizeof *f);
    assert_non_null(f);
    /* fixed: 18.20.1, 20.5.1, 21.0.1, 18.9-cert6 (commit a1ca0268) */
    advice_for(fx, cat, "Asterisk PBX 18.20.0", f);
    assert_non_null(strstr(f->advice, "to 18.20.1 or later (fixed releases: 18.20.1, 20.5.1"));
    assert_non_null(strstr(f->evidence, "\"update_to\":\"18.20.1\""));
    advice_for(fx, cat, "Asterisk PBX 20.4.0", f);
    assert_non_null(strstr(f->advice, "to 20.5.1 or later"));
    advice_for(fx, cat, "Asterisk PBX 18.9-cert5", f);
    assert_non_null(strstr(f->advice, "to 18.9-cert6 or later"));
    /* through the platform */
    advice_for(fx, cat, "FPBX-16.0.40.7(18.20.0)", f);
    assert_non_null(strstr(f->advice, "Update FreePBX at 10.8.8.4 so that it runs Asterisk 18.20.1 "
                                      "or later"));
    /* prose */
    advice_for(fx, cat, "Yealink SIP-T54W 1.4", f);
    assert_non_null(strstr(f->advice, "to the fixed release (firmware after the 2099 advisory)"));
    assert_null(strstr(f->evidence, "update_to"));
    free(f);
    vs_catalogue_free(cat);
}

/* ---- bounds -------------------------------------------------------------------------------- */

static void test_bounded_per_device(void **state)
{
    fixture *fx = *state;
    assert_int_equal(vs_store_begin(fx->st), VS_OK);
    /* 100 versions, each on its own port, each with its own user: one device */
    for (int i = 0; i < 100; i++) {
        char ua[64], user[16];
        snprintf(ua, sizeof ua, "Yealink SIP-T46S 66.86.0.%d", i);
        snprintf(user, sizeof user, "%d", 1000 + i);
        seen(fx, "10.0.0.5", (uint16_t)(6000 + i), "udp", ua, user, T0 + i * DAY);
    }
    assert_int_equal(vs_store_commit(fx->st), VS_OK);
    vs_inventory *inv = load(fx);
    assert_int_equal(vs_inventory_count(inv), 1);
    const vs_inventory_device *d = vs_inventory_get(inv, 0);
    assert_int_equal(d->rows, 100);
    assert_int_equal(d->nversions, VS_INVENTORY_MAX_VERSIONS);
    assert_int_equal(d->versions_dropped, 100 - VS_INVENTORY_MAX_VERSIONS);
    /* the most recent ones are kept, in first-seen order, and the newest is current */
    assert_string_equal(d->versions[d->nversions - 1].version, "66.86.0.99");
    assert_int_equal(d->current, (long)d->nversions - 1);
    assert_string_equal(d->versions[0].version, "66.86.0.68");
    assert_int_equal(d->naddrs, VS_INVENTORY_MAX_ADDRS);
    assert_int_equal(d->addrs_dropped, 100 - VS_INVENTORY_MAX_ADDRS);
    assert_int_equal(d->nuser_agents, VS_INVENTORY_MAX_USER_AGENTS);
    assert_int_equal(d->user_agents_dropped, 100 - VS_INVENTORY_MAX_USER_AGENTS);
    assert_int_equal(d->nusers, VS_INVENTORY_MAX_USERS);
    assert_int_equal(d->users_dropped, 100 - VS_INVENTORY_MAX_USERS);
    vs_inventory_free(inv);
}

static void test_device_cap(void **state)
{
    fixture *fx = *state;
    assert_int_equal(vs_store_begin(fx->st), VS_OK);
    for (int i = 0; i < 20; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "10.0.1.%d", i);
        seen(fx, ip, 5060, "udp", "Yealink SIP-T46S 66.86.0.15", "", T0);
        seen(fx, ip, 5061, "tls", "Yealink SIP-T46S 66.86.0.15", "", T0);
    }
    assert_int_equal(vs_store_commit(fx->st), VS_OK);
    char err[256];
    vs_inventory *inv = vs_inventory_load(fx->st, fx->rules, 5, err, sizeof err);
    assert_non_null(inv);
    assert_int_equal(vs_inventory_count(inv), 5);
    assert_int_equal(vs_inventory_dropped(inv), 30); /* the rows of the 15 devices left out */
    assert_int_equal(vs_inventory_rows(inv), 40);
    vs_inventory_free(inv);
    inv = load(fx);
    assert_int_equal(vs_inventory_count(inv), 20);
    vs_inventory_free(inv);
}

/* ---- store, policy, times ------------------------------------------------------------------ */

static void test_store_schema(void **state)
{
    fixture *fx = *state;
    assert_true(vs_store_schema_version(fx->st) >= 4);
    /* reopening a current store changes nothing; an empty devices table gives no device */
    vs_store_close(fx->st);
    char err[512];
    fx->st = vs_store_open(fx->db, err, sizeof err);
    assert_non_null(fx->st);
    vs_inventory *inv = load(fx);
    assert_int_equal(vs_inventory_count(inv), 0);
    vs_inventory_free(inv);
    struct stat sb;
    assert_int_equal(stat(fx->db, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

static void test_policy_key(void **state)
{
    fixture *fx = *state;
    vs_policy p;
    assert_int_equal(vs_policy_preset(&p, "nist", NULL), VS_OK);
    assert_int_equal(p.firmware_review_days, 90);
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/policy.ini", fx->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[policy]\nfirmware_review_days = 30\n", f);
    fclose(f);
    assert_int_equal(vs_policy_load(&p, path, NULL, err, sizeof err), VS_OK);
    assert_int_equal(p.firmware_review_days, 30);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("[policy]\nfirmware_review_days = 4000\n", f);
    fclose(f);
    assert_int_equal(vs_policy_load(&p, path, NULL, err, sizeof err), VS_E_PARSE);
    assert_non_null(strstr(err, "policy.ini:2: firmware_review_days"));
}

static void test_parse_time(void **state)
{
    (void)state;
    int64_t us = 0;
    assert_int_equal(vs_inventory_parse_time("2026-01-01", &us), VS_OK);
    assert_true(us == T0);
    assert_int_equal(vs_inventory_parse_time("2026-01-02T03:04:05Z", &us), VS_OK);
    assert_true(us == T0 + DAY + (3 * 3600 + 4 * 60 + 5) * INT64_C(1000000));
    assert_int_equal(vs_inventory_parse_time("2026-01-02 03:04", &us), VS_OK);
    assert_int_equal(vs_inventory_parse_time("2026-01-01T00:00:00.250Z", &us), VS_OK);
    assert_true(us == T0 + 250000);
    const char *bad[] = {"",
                         "2026",
                         "2026-13-01",
                         "2026-02-30",
                         "2026-01-01T25:00",
                         "2026-01-01X",
                         "yesterday",
                         "1969-12-31",
                         "2026-01-01T00:00:00.Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(vs_inventory_parse_time(bad[i], &us), VS_E_PARSE);
    assert_string_equal(vs_inventory_status_id(VS_INV_UNKNOWN_VERSION), "unknown-version");
    assert_string_equal(vs_inventory_status_id(VS_INV__COUNT), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_grouping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_upgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_downgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_back_and_forth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overdue_boundary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_restarts_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_resets_overdue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vulnerable_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_platform_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_findings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fixed_release_of_the_branch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_per_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_key, setup, teardown),
        cmocka_unit_test(test_parse_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
