/* SPDX-License-Identifier: MIT */
/*
 * mem_devstore — a devstore (device/devstore.h) in memory, for unit tests
 * of the device model. Besides keeping bytes it can:
 *
 *   fail     one mutating call returns an error and does nothing;
 *   crash    a power cut: one mutating call and everything after it do
 *            nothing and fail, until mem_devstore_reboot() starts the
 *            store afresh over what was durable;
 *   tell     the time (a wall clock the test sets), the outcome of a
 *            health check (scripted), how often each call was made.
 *
 * The mutating calls, the ones steps count, are img_begin, img_write,
 * img_seal, img_remove, rec_save and log_append. Durable is what a call
 * that returned 0 made: sealed images (and their removal), the last saved
 * record, appended log entries. The open image is never durable.
 *
 * Behaviour shared with devstore_dir: ids are never 0 (-EINVAL); img_begin
 * of an id already sealed is -EEXIST; img_begin while an image is open
 * aborts it first; writes past the size given to img_begin are -EINVAL,
 * reads past the end of an image -EIO; a record longer than
 * DEVSTORE_REC_MAX is -EMSGSIZE; log sequences must grow (-EINVAL); the
 * log keeps the last DEVSTORE_LOG_KEEP entries.
 */
#ifndef ETHDL_MEM_DEVSTORE_H
#define ETHDL_MEM_DEVSTORE_H

#include <stdint.h>

#include "devstore.h"

/** How many times each call was made (failed ones included). */
struct mem_devstore_calls {
	unsigned img_begin, img_write, img_read_open, img_seal, img_abort, img_read, img_remove,
		img_sha256, img_list;
	unsigned rec_load, rec_save, publish;
	unsigned log_append, log_read;
	unsigned health_start, health_poll, health_ms;
	unsigned wall_us;
	unsigned steps; /* mutating calls, all together */
};

/** The scripted health check. */
enum mem_health {
	MEM_HEALTH_NONE, /* the board has none: health_start is -ENOSYS */
	MEM_HEALTH_PASS, /* healthy, after the polls it runs for */
	MEM_HEALTH_FAIL, /* unhealthy, after the polls it runs for */
};

/** Fill st with an empty store: no images, no record, empty log, wall
 *  clock at 1.7e15 µs (late 2023), no health check, health_ms 10000,
 *  no capacity limit. 0 or -ENOMEM. Release with mem_devstore_close(). */
int mem_devstore_open(struct devstore *st);
/** Free everything; accepts NULL and a store already closed. */
void mem_devstore_close(struct devstore *st);

/* The calls below take the st mem_devstore_open filled (not a decorator
 * over it) and do nothing on any other. */

/** The step-th mutating call from now (1: the next one) returns err (a
 *  negative errno) and does nothing; step 0 cancels. One at a time. */
void mem_devstore_fail_at(struct devstore *st, unsigned step, int err);
/** The step-th mutating call from now (1: the next) and every call after
 *  it, of any kind, do nothing and fail (-EIO; health_poll -1; publish and
 *  img_abort nothing); wall_us and health_ms still answer. 0 cancels. */
void mem_devstore_crash_at(struct devstore *st, unsigned step);
/** Whether the store has crashed (and not rebooted since). */
int mem_devstore_crashed(const struct devstore *st);
/** Start afresh over what was durable: the open image is gone, no health
 *  check runs, no failure or crash is pending; counters are kept. */
void mem_devstore_reboot(struct devstore *st);

/** At most bytes in images (sealed and open) at once; img_begin beyond
 *  it is -ENOSPC. 0: no limit. */
void mem_devstore_set_capacity(struct devstore *st, uint64_t bytes);
/** The next rec_load is -EBADMSG, and every one after it until a save. */
void mem_devstore_damage_record(struct devstore *st);

/** The wall clock, µs since 1970. */
void mem_devstore_set_wall(struct devstore *st, uint64_t us);
void mem_devstore_advance_wall(struct devstore *st, uint64_t us);

/** Every check from now on: running for polls calls of health_poll (each
 *  returns 0), then the result h gives (1 or -1, and again on every later
 *  poll). health_ms answers ms. */
void mem_devstore_set_health(struct devstore *st, enum mem_health h, unsigned polls, uint32_t ms);
/** The arguments of the last health_start that started a check: 1 and
 *  fills them, 0 if none did. */
int mem_devstore_last_health(const struct devstore *st, int *type, uint32_t *id,
			     uint64_t *image_off);

/** The calls made so far. */
const struct mem_devstore_calls *mem_devstore_calls(const struct devstore *st);
/** What the last publish of type named (0: none, or never published). */
void mem_devstore_published(const struct devstore *st, int type, uint32_t *active,
			    uint32_t *previous);
/** The bytes of sealed image id (and its size and type hint), NULL if there
 *  is none. Owned by the store, valid until the image is removed. */
const uint8_t *mem_devstore_image(const struct devstore *st, uint32_t id, uint64_t *size,
				  int *type);

#endif
