/* SPDX-License-Identifier: MIT */
/*
 * devstore — the storage an updatable board needs (PROTOCOL.md §7), as the
 * device model (device.c) sees it. The device decides everything; the store
 * only keeps bytes, durably:
 *
 *   images   files named by an id the device chooses (never 0). One image
 *            is written at a time: begin (reserve the space), write, seal
 *            (durable, closed). An image is never changed after its seal.
 *   record   one small blob, the device's whole state (which image is
 *            active, staged, previous; versions; what is under test; the
 *            schedule; the kept download). save replaces it atomically and
 *            durably: it is the commit point of every change the device
 *            makes. An image no record names is garbage; the device removes
 *            it.
 *   log      the event log: fixed-size entries appended with increasing
 *            sequence numbers; the store keeps at least the last
 *            DEVSTORE_LOG_KEEP and survives a crash at any point (an entry
 *            is there whole or not at all).
 *   health   the board's health check of an image, run without blocking.
 *
 * Every call returns 0 (or what it says) or -errno, and none may call back
 * into the device. platform/devstore_dir.c is the POSIX implementation;
 * tests use one in memory (tests/mem_devstore.c) that can fail or stop at
 * any step.
 */
#ifndef ETHDL_DEVSTORE_H
#define ETHDL_DEVSTORE_H

#include <stddef.h>
#include <stdint.h>

#define DEVSTORE_REC_MAX   65536u /* largest record */
#define DEVSTORE_LOG_KEEP  1024u  /* events kept at least */
#define DEVSTORE_EVENT_LEN 64u	  /* bytes of one log entry */

/* The device checks the CRC of the image being written reading it in pieces
 * of this many bytes, each at a multiple of it (the last one of the file
 * shorter); its other reads of it are read-backs (PROTOCOL.md §10). */
#define DEVSTORE_CHECK_PIECE 16384u

struct devstore {
	/* ---- images ---- */
	/** Start image id (type is a hint for naming) of size bytes: reserve
	 *  the space for it and for one more record save, so that a full disk
	 *  is found before any data moves (-ENOSPC). At most one image open. */
	int (*img_begin)(void *ctx, uint32_t id, int type, uint64_t size);
	/** Write len bytes of the open image at off. */
	int (*img_write)(void *ctx, uint64_t off, const void *buf, size_t len);
	/** Read back what the open image holds so far. */
	int (*img_read_open)(void *ctx, uint64_t off, void *buf, size_t len);
	/** Make what the open image holds so far durable, and keep it open: a
	 *  restart leaves it for img_reopen (a download resumed after a power
	 *  cut). */
	int (*img_sync)(void *ctx);
	/** Open again, for writing, the image id (of type, size bytes) that a
	 *  restart left unsealed: what img_sync made durable is there.
	 *  -ENOENT if there is none of that size. At most one image open. */
	int (*img_reopen)(void *ctx, uint32_t id, int type, uint64_t size);
	/** Remove every unsealed image a restart left, but keep (0: none). */
	void (*img_parts_drop)(void *ctx, uint32_t keep);
	/** Make the open image durable and close it. */
	int (*img_seal)(void *ctx);
	/** Forget the open image, giving its space back. */
	void (*img_abort)(void *ctx);
	/** Read a sealed image. */
	int (*img_read)(void *ctx, uint32_t id, uint64_t off, void *buf, size_t len);
	/** Remove a sealed image (-ENOENT if there is none). */
	int (*img_remove)(void *ctx, uint32_t id);
	/** SHA-256 of len bytes of sealed image id at off. */
	int (*img_sha256)(void *ctx, uint32_t id, uint64_t off, uint64_t len, uint8_t out[32]);
	/** The ids of every sealed image (garbage collection at start-up):
	 *  fills up to cap, returns how many there are. */
	int (*img_list)(void *ctx, uint32_t *ids, int cap);

	/* ---- record ---- */
	/** Load the record into buf (cap bytes); *len is its size. -ENOENT on
	 *  a board that never saved one. */
	int (*rec_load)(void *ctx, void *buf, size_t cap, size_t *len);
	/** Replace the record, atomically and durably. */
	int (*rec_save)(void *ctx, const void *buf, size_t len);
	/** After a save: give the images of type their role names (the
	 *  reference board's TYPE.bin and TYPE.prev), for people and tools.
	 *  0 = none. Failure changes nothing the device relies on. */
	void (*publish)(void *ctx, int type, uint32_t active, uint32_t previous);

	/* ---- log ---- */
	/** Append one entry with sequence seq (each larger than the last). */
	int (*log_append)(void *ctx, uint64_t seq, const uint8_t entry[DEVSTORE_EVENT_LEN]);
	/** Read the entry with the smallest sequence >= seq: 1 and fills
	 *  *got and entry, 0 if there is none. */
	int (*log_read)(void *ctx, uint64_t seq, uint64_t *got, uint8_t entry[DEVSTORE_EVENT_LEN]);

	/* ---- health check ---- */
	/** Start checking image id (of type) without waiting; -ENOSYS when the
	 *  board has no check (then every image is healthy). */
	int (*health_start)(void *ctx, int type, uint32_t id, uint64_t image_off);
	/** 1 healthy, 0 still running, -1 unhealthy (failed or timed out). */
	int (*health_poll)(void *ctx);
	/** How long a check may take, in ms (the host waits that long). */
	uint32_t (*health_ms)(void *ctx);

	/* ---- time ---- */
	/** The board's wall clock, µs since 1970 (for schedules and the log). */
	uint64_t (*wall_us)(void *ctx);

	void *ctx;
};

#endif
