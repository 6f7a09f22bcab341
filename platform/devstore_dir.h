/* SPDX-License-Identifier: MIT */
/*
 * devstore_dir — the updatable board's storage (device/devstore.h) as
 * files in one directory, the state directory of ethdl-board:
 *
 *   TYPE.ID.img          a sealed image (TYPE: config, algorithm,
 *                        parameter, redundancy, or typeN), never changed
 *   TYPE.ID.img.part     the open image, its space reserved at begin
 *   device.rec           the record: a 16-byte header (magic "ETHDLREC",
 *                        length u32 LE, CRC32 of the content u32 LE), then
 *                        the content; the file is always REC_FILE_LEN long
 *   device.rec.spare     the space of the next record save, reserved
 *   device.log           the event log: DEVSTORE_LOG_KEEP slots of 76 bytes
 *                        (seq u64 LE, entry, CRC32 of both u32 LE); the
 *                        entry of sequence s is in slot s % KEEP
 *   TYPE.bin, TYPE.prev  hard links to the active and previous image of a
 *                        type (publish), for people and tools only
 *
 * A save writes the spare, syncs it and swaps it with device.rec in one
 * rename (RENAME_EXCHANGE, so the old record becomes the next spare and
 * no space is needed; where the file system cannot exchange, a plain
 * rename and a new spare): that rename is the commit point. img_begin
 * makes sure the spare is there, then that one block more than the image
 * is free (for the directory to grow at seal and publish), then reserves
 * the image's space: a full disk refuses a download before any data moves,
 * and a save or a log entry never needs space (the log is given its space
 * when it is made). devstore_dir_open settles what a crash left: .part files
 * and temporary names (*.tmp) are removed.
 */
#ifndef ETHDL_DEVSTORE_DIR_H
#define ETHDL_DEVSTORE_DIR_H

#include <stdint.h>

#include "devstore.h"

#define DEVSTORE_DIR_HEALTH_MS 10000u /* default time a health check may take */

/** How the store behaves beyond keeping bytes. Zero everywhere (or a
 *  NULL pointer) is a board with no health check and the real clock. */
struct devstore_dir_opts {
	/** Health check, run as /bin/sh -c CMD with the image's path as $1 and
	 *  ETHDL_IMAGE (path), ETHDL_IMAGE_OFFSET (where the image starts in
	 *  the file, decimal), ETHDL_IMAGE_ID, ETHDL_TYPE (the type's name) in
	 *  its environment, in its own process group, stdin /dev/null, no
	 *  descriptor but 0-2. Exit status 0 is healthy. NULL: no check. */
	const char *health_cmd;
	/** How long a check may run before it is killed and counts as
	 *  unhealthy; 0: DEVSTORE_DIR_HEALTH_MS. */
	uint32_t health_ms;
	/** Every health check fails (with or without a command). */
	int fail_health;
	/** The wall clock in µs since 1970; NULL: CLOCK_REALTIME. */
	uint64_t (*wall_us)(void *arg);
	void *wall_arg;
};

/**
 * Fill st with a store on dir (which must exist and be writable), with
 * the options of o (copied; may be NULL). Settles what a crash left and
 * reserves the log's space (best effort: a full disk does not stop a board
 * from starting). Returns 0 or -errno. Release with devstore_dir_close().
 */
int devstore_dir_open(struct devstore *st, const char *dir, const struct devstore_dir_opts *o);
/** Close an open image as it is (the device resumes or drops it at the next
 *  open), kill a running health check, free everything. Accepts NULL and a
 *  store already closed. */
void devstore_dir_close(struct devstore *st);

#endif
