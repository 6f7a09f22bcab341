/* SPDX-License-Identifier: MIT */
/*
 * device — the board as an updatable device (PROTOCOL.md §6–7): what
 * survives a session and a restart. Per file type an active image (what the
 * board runs), a staged one (verified, waiting) and a previous one (for
 * rollback), each with size, CRC32, SHA-256 and, for packages, a version;
 * activation now or at a time, a health check and rollback; the event log;
 * the download being received (kept across sessions for resume).
 *
 * Pure logic over the storage interface (devstore.h): firmware-compilable
 * (frame/ and pkg/ only; no allocation beyond the caller's struct, no I/O of
 * its own). Crash-safe by design: every change is one atomic record save;
 * an image the record does not name is garbage, removed at open; an image
 * under test when the board stops is rolled back at open, so the board
 * always comes up on a confirmed image.
 *
 * The caller owns struct board_device and calls it from one thread. Times:
 * wall is the board's clock in µs since 1970 (devstore's wall_us).
 */
#ifndef ETHDL_DEVICE_H
#define ETHDL_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "devstore.h"
#include "pkg.h"
#include "proto.h"

enum dev_role { DEV_ACTIVE, DEV_STAGED, DEV_PREVIOUS, DEV_ROLES };

#define DEV_IMG_VERSION 0x01u /* the version is known */
#define DEV_IMG_PACKAGE 0x02u /* an update package (header + image) */
#define DEV_IMG_SHA	0x04u /* sha256 is known (a plain file's is computed when asked) */

struct dev_image {
	uint32_t id; /* the store's image; 0 = no image in this role */
	uint8_t flags;
	struct pkg_version version;
	uint64_t size; /* bytes stored (the whole package for a package) */
	uint32_t crc;
	uint8_t sha256[32]; /* of the image (a package's image part) */
	uint64_t image_off; /* a package's header length: where the image starts */
};

/* What an activation of a type came to (ACT_STATE). */
enum dev_act {
	DEV_ACT_NONE = 0,
	DEV_ACT_SCHEDULED = 1,
	DEV_ACT_TESTING = 2,
	DEV_ACT_ACTIVATED = 3,
	DEV_ACT_ROLLED_BACK = 4,
};

struct dev_slot {
	struct dev_image img[DEV_ROLES];
	uint8_t testing;      /* the active image is under test; previous is confirmed */
	uint64_t activate_at; /* the staged image activates then (wall); 0 = not scheduled */
	uint8_t sched_host[6];
	/* not persisted: the last outcome, for ACT_STATE */
	enum dev_act outcome;
	struct pkg_version outcome_from, outcome_to;
};

/* Events of the log (PROTOCOL.md §7). */
enum dev_event {
	EV_STARTED = 1,
	EV_DL_STARTED = 2,
	EV_VERIFIED = 3,
	EV_FAILED = 4,
	EV_REFUSED = 5,
	EV_STAGED = 6,
	EV_SCHEDULED = 7,
	EV_ACTIVATED = 8,
	EV_HEALTH_OK = 9,
	EV_HEALTH_FAILED = 10,
	EV_ROLLED_BACK = 11,
};
#define EV_COUNT 12

/** One event as the log keeps it. */
struct dev_log_entry {
	uint64_t seq, time;
	uint8_t event, type, notice;
	uint16_t detail;
	uint8_t host[6];
	struct pkg_version from, to;
};
#define DEV_EVENT_WIRE 46u /* bytes of an entry in T_EVENT */

/*
 * The cryptography of signed and encrypted packages (PACKAGE.md §5), as a
 * port provides it (the reference board: OpenSSL's EVP, in cmd/). The
 * device decides what is refused and when; these calls only check. A
 * board without them (NULL) checks no signature and refuses an encrypted
 * package.
 */
struct dev_crypto {
	void *ctx;
	/* The board trusts keys: every package must be signed by one of them. */
	int trusts_keys;
	/* Bit t set: a file of type t must come as a signed package (never a
	 * plain file). */
	unsigned signed_only;
	/** The signature of a parsed header (hdr: its bytes) against the
	 *  trusted keys: 0 valid, 1 no trusted key has its key id, -1 it does
	 *  not check, -2 its key id or signature is not of the board's
	 *  algorithm. NULL with trusts_keys 0. */
	int (*verify)(void *ctx, const struct pkg_header *h, const uint8_t *hdr);
	/** Decrypt an encrypted package's image, given in order in pieces by
	 *  update, and check it: end returns 0 (tag and PLAIN_SHA256 check),
	 *  1 (the tag fails), 2 (the plaintext's digest differs) or -1 (the
	 *  crypto failed). The plaintext goes nowhere: the board keeps the
	 *  package as received. NULL: the board holds no key. */
	int (*decrypt_begin)(void *ctx, const struct pkg_header *h, const uint8_t *hdr);
	int (*decrypt_update)(void *ctx, const uint8_t *in, size_t n);
	int (*decrypt_end)(void *ctx, const struct pkg_header *h, const uint8_t *hdr);
};

struct dev_identity {
	const char *vendor, *model, *serial;
	int allow_downgrade;		 /* accept a package that is not newer */
	const struct dev_crypto *crypto; /* signed and encrypted packages; NULL = none (lent) */
};

/* Bytes of the received-frames bitmap a checkpoint keeps: downloads of up
 * to 8 * DEV_CK_MAP_MAX frames resume after a restart (387 MB at 1479-byte
 * blocks); larger ones resume only while the board runs. */
#define DEV_CK_MAP_MAX 32768u

struct board_device {
	const struct devstore *st;
	struct dev_identity id;
	struct dev_slot slot[FT_COUNT];
	uint64_t next_seq;
	uint32_t next_id;
	/* the download being received, or kept from a cut-off session */
	enum { DEV_DL_NONE, DEV_DL_OPEN, DEV_DL_KEPT } dl;
	int dl_type;
	uint32_t dl_id;
	uint64_t dl_size;
	uint32_t dl_crc;
	unsigned dl_block;
	int dl_package;
	struct pkg_header dl_hdr;
	uint8_t dl_hdr_raw[1500]; /* the package header as FILE_INFO carried it */
	size_t dl_hdr_len;
	/* the last checkpoint of the download: in the record, for a restart */
	int ck;
	uint32_t ck_bits;
	uint8_t ck_map[DEV_CK_MAP_MAX];
	/* the CRC of what the store holds of the download, checked as it comes */
	uint64_t vr_off;
	uint32_t vr_crc;
	int ck_restored; /* the download was restored from a checkpoint at open */
	/* the health check under way (type, or 0) */
	int testing_type;
	/* statistics since dev_open */
	uint64_t sessions, downloads_ok, downloads_failed;
};

/** Open the device over st (lent for d's life) with identity id (strings
 *  lent): load the record (a new board starts empty), put back the
 *  previous image of any type whose image was under test, remove garbage
 *  images, log "started". 0, or -errno of the store (-EBADMSG: the record
 *  is damaged; the board must not run on a guess). */
int dev_open(struct board_device *d, const struct devstore *st, const struct dev_identity *id);
/** Drop any download; free nothing else (d owns no memory). */
void dev_close(struct board_device *d);

/** The image of type in role, or NULL if there is none. */
const struct dev_image *dev_image(const struct board_device *d, int type, enum dev_role role);
/** Read len bytes at off of the image of type in role. 0 or -errno
 *  (-ENOENT: no such image). */
int dev_read(const struct board_device *d, int type, enum dev_role role, uint64_t off, void *buf,
	     size_t len);

/** Append an event (time: the store's clock). Failure to log is not a
 *  failure of what is logged; returns 0 or -errno for those who care. */
int dev_log(struct board_device *d, enum dev_event ev, int type, int notice, int detail,
	    const uint8_t host[6], const struct pkg_version *from, const struct pkg_version *to);
/** The entry with the smallest sequence >= seq: 1 and *e, or 0. */
int dev_log_read(const struct board_device *d, uint64_t seq, struct dev_log_entry *e);
/** Write e as the 46 bytes of T_EVENT. */
void dev_log_wire(const struct dev_log_entry *e, uint8_t out[DEV_EVENT_WIRE]);

/**
 * May a package with this header (hdr_len bytes at hdr) be downloaded for
 * slot type? 0, or a refusal: the detail with *expected and *got for the
 * ERROR, and the reason in why. Nothing is changed. In order: D_PKG (a
 * malformed header), D_NO_KEY (encrypted, and the board holds no key),
 * D_UNSIGNED, D_UNTRUSTED, D_SIGNATURE (when the board trusts keys), then,
 * on fields now authenticated, D_POLICY, D_NOT_TARGET, D_NOT_NEWER.
 */
int dev_package_check(const struct board_device *d, int type, const uint8_t *hdr, size_t hdr_len,
		      struct pkg_header *out, uint32_t *expected, uint32_t *got, char *why,
		      size_t why_cap);

/** May a plain file (no package) be downloaded for slot type? 0, or
 *  D_UNSIGNED with the reason in why. */
int dev_plain_check(const struct board_device *d, int type, char *why, size_t why_cap);

/**
 * Start receiving size bytes with CRC crc for slot type, in frames of block
 * bytes; hdr (NULL for a plain file) is the checked package header. If a
 * download kept from a cut-off session is the same file for the same slot
 * and resume is set, it goes on from there: returns 1 (the caller keeps the
 * receiver's bitmap). Else any kept download is dropped and the store
 * begins a new image (reserving its space): returns 0. -errno on failure
 * (nothing changed).
 */
int dev_download_begin(struct board_device *d, int type, uint64_t size, uint32_t crc,
		       unsigned block, const struct pkg_header *hdr, int resume);
/** The header bytes of the package being downloaded (for a checkpoint);
 *  call after dev_download_begin with a header. */
void dev_download_header(struct board_device *d, const uint8_t *hdr, size_t len);
/**
 * Make the download resumable after a restart: what the store holds so far
 * is made durable, then the record saved with the map of received frames
 * (bit s-1 for frame s, nbits frames). 0, -EFBIG (too many frames to keep
 * across a restart: it still resumes while the board runs), -errno.
 */
int dev_download_checkpoint(struct board_device *d, const uint8_t *map, uint32_t nbits);
/** A download restored at open from a checkpoint: its map (NULL if none),
 *  for the receiver to start from. */
const uint8_t *dev_download_restored(const struct board_device *d, uint32_t *nbits);
/** Check, as it comes, the CRC of what the store holds of the download up to
 *  byte upto (every byte below it written), at most budget bytes now; the
 *  commit then reads only the rest. 0 or -errno. */
int dev_download_verify(struct board_device *d, uint64_t upto, size_t budget);
/** The SHA-256 of the image of type in role (computed now, once, for a
 *  plain file). 0 or -errno. */
int dev_image_digest(struct board_device *d, int type, enum dev_role role, uint8_t out[32]);
/** Store len bytes of the download at off (the receiver's write callback). */
int dev_download_write(void *dev, uint64_t off, const void *buf, size_t len);
/** Store len bytes at off again (a block received once more): the CRC
 *  checked as it came is checked again from the start if it covered them,
 *  so the commit's CRC is always of what the store holds. 0 or -errno. */
int dev_download_rewrite(struct board_device *d, uint64_t off, const void *buf, size_t len);
/** Read len bytes at off of what the download holds so far (a group
 *  download reads held blocks back to decode a generation). 0 or -errno. */
int dev_download_read(const struct board_device *d, uint64_t off, void *buf, size_t len);
/** The SHA-256 of the whole stored file of type in role (a package's header
 *  included). 0 or -errno. */
int dev_file_sha256(const struct board_device *d, int type, enum dev_role role, uint8_t out[32]);
/**
 * Every byte is in: check the CRC of what the store holds (read back, not
 * what came over the wire), seal it, check a package's image digest, then
 * commit in one record save: a plain file becomes active (the old active
 * previous), a package is staged. Returns 0; -EBADMSG (stored CRC is not the
 * announced one; *got has it); -EPROTO (a package's image does not match its
 * digest); -EACCES (an encrypted package's image fails its GCM tag or its
 * plaintext digest: see dev_crypto); or -errno of the store. The slot is untouched on any failure.
 * The download is closed either way. host is logged.
 */
int dev_download_commit(struct board_device *d, const uint8_t host[6], uint32_t *got);
/** The session ended with the download not committed: keep it for resume
 *  when keep is set, else drop it (counted as failed if it was open). */
void dev_download_close(struct board_device *d, int keep);

/**
 * Activate the staged image of type: at == 0 now, else at that wall time
 * (the board's clock). Now: staged → active, active → previous, under test,
 * in one save, then the health check starts (dev_poll finishes it).
 * Returns the state (DEV_ACT_SCHEDULED or DEV_ACT_TESTING, or
 * DEV_ACT_ACTIVATED when the board has no health check), or -ENOENT
 * (nothing staged), -EBUSY (an activation under test), -errno.
 */
int dev_activate(struct board_device *d, int type, uint64_t at, const uint8_t host[6]);
/** The board's wall clock, µs since 1970. */
uint64_t dev_wall_us(const struct board_device *d);
/** How long the health check may take, in ms (0: the board has none). */
uint32_t dev_health_ms(const struct board_device *d);
/** The moment the host asked for (host_at on its clock, whose time was
 *  host_now when it asked) on this board's clock: a board whose clock is
 *  wrong still switches at the host's moment. At least the board's now. */
uint64_t dev_board_time(const struct board_device *d, uint64_t host_now, uint64_t host_at);
/** Swap the active and previous images of type (one save). DEV_ACT_ROLLED_BACK,
 *  -ENOENT (no previous), -EBUSY, -errno. */
int dev_rollback(struct board_device *d, int type, const uint8_t host[6]);
/** The state of type's activation for ACT_STATE, and the versions. */
enum dev_act dev_act_state(const struct board_device *d, int type, struct pkg_version *from,
			   struct pkg_version *to, uint64_t *at);
/** Run what is due: a scheduled activation whose time has come, the
 *  health check under way. Returns when it wants to run again (wall), or
 *  UINT64_MAX when nothing is pending. */
uint64_t dev_poll(struct board_device *d);

#endif
