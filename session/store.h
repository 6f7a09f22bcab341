/* SPDX-License-Identifier: MIT */
/*
 * store — the board's storage, as the board machine sees it: one slot per
 * file type. The machine calls it; platform/ (a directory of files) and the
 * tests (memory) implement it. Every call returns 0 or -errno unless it says
 * otherwise; none may block for long, none may call back into the machine.
 */
#ifndef ETHDL_SESSION_STORE_H
#define ETHDL_SESSION_STORE_H

#include <stddef.h>
#include <stdint.h>

struct board_store {
	/** Size and CRC of what slot type holds; -ENOENT if nothing. */
	int (*info)(void *ctx, int type, uint64_t *size, uint32_t *crc);
	/** Start receiving size bytes for slot type: reserve the space now (for
	 *  the file and whatever commit will need), so that a full disk is
	 *  found before any data moves. At most one download is open. */
	int (*begin)(void *ctx, int type, uint64_t size);
	/** Store len bytes of the open download at off (any order, no overlap
	 *  beyond the announced size). */
	int (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
	/** Read back what begin/write have stored so far. */
	int (*read_new)(void *ctx, uint64_t off, void *buf, size_t len);
	/** Make the open download the slot's file, with its CRC, durably and
	 *  in one atomic step: on failure the slot holds what it held before.
	 *  The download is closed either way. */
	int (*commit)(void *ctx, uint32_t crc);
	/** Forget the open download; the slot keeps what it had. */
	void (*abort)(void *ctx);
	/** Read the slot's file. */
	int (*read)(void *ctx, int type, uint64_t off, void *buf, size_t len);
	void *ctx;
};

#endif
