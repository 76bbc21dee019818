/* voipsec inventory: the phones, PBXs and gateways seen on the network, their firmware history,
 * and whether that firmware is vulnerable or overdue for a review (docs/cli/inventory.md).
 *
 * The inventory is derived at read time from the store's `devices` rows (written by `voipsec
 * monitor --db` and `voipsec scan --db`): each row's User-Agent or Server value is fingerprinted
 * (vs_fp_match) into vendor, model and version, and rows are grouped into devices by
 * (ip, vendor, model). A PBX answering on udp, tcp and tls is one device; an unrecognised string
 * groups as vendor "" with the raw string as its model. Nothing derived is stored: a better
 * fingerprint file changes the inventory at the next read. What is stored besides the rows are
 * the reviews (`device_reviews`, schema version 4): someone checked that a device's firmware is
 * current, which restarts its review clock.
 *
 * Thread-safety: functions taking a vs_store follow the store's rule (one vs_store per thread); a
 * built vs_inventory is read-only and may be read by several threads. */
#ifndef VOIPSEC_INVENTORY_H
#define VOIPSEC_INVENTORY_H

#include <voipsec/audit.h>
#include <voipsec/firmware.h>
#include <voipsec/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- rows of the store ---------------------------------------------------------------------- */

/* One row of the devices table. */
typedef struct vs_device_row {
    int64_t id;
    char ip[46];
    uint16_t port;
    char transport[8];
    char user_agent[256]; /* User-Agent or Server; "" when unknown */
    char user[128];       /* user seen registering from it; "" when unknown */
    int64_t first_seen_us, last_seen_us;
} vs_device_row;

/* Calls fn for every devices row, ordered by ip then id; stops when fn returns false. The row is
 * valid during the call only. fn may call other store functions except writes that change the
 * devices table. VS_OK; VS_E_IO (a read error, or a row whose time is not a store time: the
 * error, via vs_store_error, names the row); VS_E_INVAL (st or fn NULL). */
typedef bool (*vs_store_device_fn)(void *ctx, const vs_device_row *r);
VS_EXPORT vs_rc vs_store_each_device(vs_store *st, vs_store_device_fn fn, void *ctx);

/* A review: someone checked that the firmware of the device (ip, vendor, model) is current. */
typedef struct vs_device_review {
    int64_t id; /* set by vs_store_add_review */
    char ip[46];
    char vendor[48];  /* "" for an unrecognised device */
    char model[256];  /* the raw User-Agent for an unrecognised device */
    char version[64]; /* the firmware it ran then; "" when unknown */
    int64_t reviewed_at_us;
    char who[128];  /* required, not empty */
    char note[512]; /* "" when none */
} vs_device_review;

/* Records a review (r->id is set on success). VS_OK; VS_E_INVAL (empty ip or who); VS_E_IO. */
VS_EXPORT vs_rc vs_store_add_review(vs_store *st, vs_device_review *r);

/* Calls fn for every review, oldest first (by reviewed_at, then id); ip, vendor and model, when
 * not NULL, restrict it to one device (compared exactly). Stops when fn returns false. VS_OK,
 * VS_E_IO (a read error or a row with a bad time, named in vs_store_error), VS_E_INVAL. */
typedef bool (*vs_store_review_fn)(void *ctx, const vs_device_review *r);
VS_EXPORT vs_rc vs_store_each_review(vs_store *st, const char *ip, const char *vendor,
                                     const char *model, vs_store_review_fn fn, void *ctx);

/* ---- the inventory -------------------------------------------------------------------------- */

/* Per-device caps: what is kept of a device is bounded whatever the number of its rows; beyond a
 * cap the oldest (versions: the least recently seen) entries are dropped and counted. */
#define VS_INVENTORY_MAX_VERSIONS 32
#define VS_INVENTORY_MAX_ADDRS 32
#define VS_INVENTORY_MAX_USER_AGENTS 16
#define VS_INVENTORY_MAX_USERS 16
/* Default cap on the number of devices of one inventory (vs_inventory_load). */
#define VS_INVENTORY_MAX_DEVICES_DEFAULT 50000

/* One firmware version a device was seen with. */
typedef struct vs_inventory_version {
    char version[64];
    char platform_vendor[48]; /* the platform named with it (FreePBX on Asterisk); "" if none */
    char platform_version[64];
    int64_t first_seen_us, last_seen_us;
} vs_inventory_version;

typedef struct vs_inventory_addr {
    uint16_t port;
    char transport[8];
} vs_inventory_addr;

typedef struct vs_inventory_device {
    int64_t id; /* the smallest devices row id of the device: stable while rows are kept */
    char ip[46];
    char vendor[48]; /* "" when no fingerprint rule recognised it */
    char model[256]; /* the product, or the raw User-Agent when unrecognised ("" when empty) */
    char kind[16];   /* "phone", "pbx", ... from the fingerprint; "" when unknown */
    char rule[48];   /* fingerprint rule of the newest row; "" when unrecognised */
    int64_t first_seen_us, last_seen_us;
    uint64_t rows; /* devices rows grouped here */

    /* distinct versions (not ""), in first-seen order */
    vs_inventory_version *versions;
    size_t nversions;
    uint64_t versions_dropped;
    long current;              /* index into versions of the one seen last; -1: version unknown */
    int64_t current_since_us;  /* when the current version took over: its first sighting, or the
                                * last sighting of any other version when that is later (a device
                                * that went back to an older version) */
    bool overlapping;          /* two versions were seen in overlapping periods: probably several
                                * devices of one model behind one address (NAT) */
    uint64_t unversioned_rows; /* rows whose string named no version */

    vs_inventory_addr *addrs; /* distinct (port, transport), in order of first appearance */
    size_t naddrs;
    uint64_t addrs_dropped;
    char (*user_agents)[256]; /* distinct raw strings */
    size_t nuser_agents;
    uint64_t user_agents_dropped;
    char (*users)[128]; /* distinct users seen registering from it */
    size_t nusers;
    uint64_t users_dropped;

    uint64_t reviews;       /* reviews recorded for (ip, vendor, model) */
    int64_t last_review_us; /* 0: never reviewed */
    char last_review_who[128];
} vs_inventory_device;

typedef struct vs_inventory vs_inventory;

/* Builds the inventory from every devices row of st and the reviews. rules fingerprints the
 * strings (not NULL). max_devices caps the devices kept (0: VS_INVENTORY_MAX_DEVICES_DEFAULT);
 * rows of further devices are counted in vs_inventory_dropped. Devices are ordered by address
 * (numerically, IPv4 before IPv6), then vendor, then model. Returns NULL with a message in err
 * on a store error or out of memory. The result does not refer to st or rules. */
VS_EXPORT vs_inventory *vs_inventory_load(vs_store *st, const vs_fp_rules *rules,
                                          size_t max_devices, char *err, size_t errlen);
VS_EXPORT void vs_inventory_free(vs_inventory *inv);
VS_EXPORT size_t vs_inventory_count(const vs_inventory *inv);
/* Device i (0 <= i < count), owned by inv; NULL when out of range. */
VS_EXPORT const vs_inventory_device *vs_inventory_get(const vs_inventory *inv, size_t i);
/* Devices left out because of max_devices. */
VS_EXPORT uint64_t vs_inventory_dropped(const vs_inventory *inv);
/* Rows read. */
VS_EXPORT uint64_t vs_inventory_rows(const vs_inventory *inv);

/* Finds one device by spec: its id ("12" or "#12"), "IP" (when the address holds exactly one
 * device), "IP/VENDOR" (one device of that vendor there) or "IP/VENDOR/MODEL" (vendor and model
 * compared without case; an unrecognised device is "IP//RAW-USER-AGENT"). VS_OK with *out set;
 * VS_E_NOTFOUND (no such device) or VS_E_LIMIT (several devices match; err lists them) with a
 * message in err; VS_E_INVAL for an empty spec. */
VS_EXPORT vs_rc vs_inventory_find(const vs_inventory *inv, const char *spec,
                                  const vs_inventory_device **out, char *err, size_t errlen);

/* The handle a person types for a device: "IP/VENDOR/MODEL" ("IP//MODEL" unrecognised). */
VS_EXPORT void vs_inventory_device_name(const vs_inventory_device *d, char *buf, size_t size);

/* ---- judging a device ----------------------------------------------------------------------- */

typedef enum vs_inventory_status {
    VS_INV_OK = 0,
    VS_INV_OVERDUE,         /* no change or review for longer than firmware_review_days */
    VS_INV_VULNERABLE,      /* the catalogue lists the current version as vulnerable */
    VS_INV_UNKNOWN_VERSION, /* no version known: neither vulnerable nor overdue can be said */
    VS_INV__COUNT
} vs_inventory_status;

/* "ok", "overdue", "vulnerable", "unknown-version"; "" when out of range. */
VS_EXPORT const char *vs_inventory_status_id(vs_inventory_status s);

typedef struct vs_inventory_verdict {
    vs_inventory_status status; /* unknown-version, else vulnerable, else overdue, else ok */
    bool vulnerable;
    size_t vulns;      /* matching catalogue entries */
    vs_severity worst; /* the highest severity among them */
    bool overdue;
    bool has_review_clock; /* firmware_review_days > 0 and the version is known */
    int64_t clock_us;      /* max(current_since, last review): what the clock counts from */
    bool clock_is_review;  /* clock_us is the last review */
    int64_t days;          /* whole days from clock_us to now */
    int64_t due_us;        /* clock_us + firmware_review_days */
} vs_inventory_verdict;

/* Judges d at now_us under p (firmware_review_days; 0: never overdue) against cat (NULL: no
 * catalogue, never vulnerable). A device whose version is unknown is neither. Overdue means
 * strictly more than firmware_review_days days since clock_us. */
VS_EXPORT void vs_inventory_judge(const vs_inventory_device *d, const vs_catalogue *cat,
                                  const vs_policy *p, int64_t now_us, vs_inventory_verdict *out);

/* The fingerprint of d's current version (vendor, model, kind, version, platform), as the
 * catalogue is matched against it. false (out cleared but for vendor and model) when the version
 * is unknown. */
VS_EXPORT bool vs_inventory_fingerprint(const vs_inventory_device *d, vs_fingerprint *out);

/* The findings of one device, practice firmware: firmware.vulnerable (one per matching catalogue
 * entry, severity of the entry) and firmware.overdue (low; medium past twice the period), with
 * the device address in src, first/last seen, the user when only one is known, and evidence. */
VS_EXPORT void vs_inventory_findings(const vs_inventory_device *d, const vs_catalogue *cat,
                                     const vs_policy *p, int64_t now_us, vs_finding_fn fn,
                                     void *ctx);

/* Parses a time a person types: "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM[:SS[.fff]]"
 * with an optional "Z" (UTC; a space may replace the T). VS_OK or VS_E_PARSE. */
VS_EXPORT vs_rc vs_inventory_parse_time(const char *text, int64_t *us);

#ifdef __cplusplus
}
#endif
#endif
