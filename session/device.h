/* SPDX-License-Identifier: MIT */
/*
 * device — the board as a device: what survives a session. The slots of its
 * store (one file per type), the download being received and, when a
 * session is cut off, kept aside for resume, and the board's statistics.
 * The board machine (board.h) runs the exchange and calls these; staging,
 * activation and an event log grow here without touching the exchange.
 *
 * Pure logic over the store interface (store.h): no allocation beyond the
 * receiver's bitmap, no I/O of its own. A failed or partial download never
 * touches the file a slot holds: only dev_download_commit changes a slot,
 * and only after the CRC of what was stored has been checked.
 */
#ifndef ETHDL_DEVICE_H
#define ETHDL_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "xfer.h"

enum dev_dl {
	DEV_DL_NONE,
	DEV_DL_OPEN, /* being received */
	DEV_DL_KEPT, /* cut off, kept aside for resume */
};

struct board_device {
	const struct board_store *store;
	/* the download */
	enum dev_dl dl;
	int dl_type;
	uint64_t dl_size;
	uint32_t dl_crc;
	unsigned dl_block;
	struct xrecv rx;
	/* statistics since dev_init */
	uint64_t sessions, downloads_ok, downloads_failed;
};

/** Set up d over store (lent for d's life). Returns 0 or -EINVAL. */
int dev_init(struct board_device *d, const struct board_store *store);
/** Drop any download (the slots keep their files) and free what d holds. */
void dev_dispose(struct board_device *d);

/** Size and CRC of the file slot type holds; -ENOENT if none. */
int dev_slot(const struct board_device *d, int type, uint64_t *size, uint32_t *crc);
/** Read len bytes of slot type's file at off. 0 or -errno. */
int dev_read(const struct board_device *d, int type, uint64_t off, void *buf, size_t len);

/**
 * Start receiving size bytes with CRC crc for slot type, in frames of block
 * bytes, strict or windowed. If a download kept from a cut-off session is
 * the same file for the same slot (type, size, CRC, block) and resume is
 * set, it goes on from there: returns the frames already held (> 0).
 * Otherwise any kept download is dropped and the store begins anew
 * (reserving the space): returns 0. On error (-errno of the store, -ENOMEM,
 * -EINVAL) no download is open and the slot is untouched.
 */
int dev_download_open(struct board_device *d, int type, uint64_t size, uint32_t crc, unsigned block,
		      int windowed, int resume);
/** The receiver of the open download: data frames go to it, it writes to
 *  the store. Valid while a download is open. */
struct xrecv *dev_download_rx(struct board_device *d);
/**
 * Every frame is in: check the CRC of what the store holds (read back, not
 * what came over the wire), then make it the slot's file in one atomic step.
 * Returns 0; -EBADMSG when the stored file's CRC is not the announced one
 * (*got says what it is); or -errno of the store. The slot keeps its file
 * on any failure. The download is closed either way.
 */
int dev_download_commit(struct board_device *d, uint32_t *got);
/** The session ended with the download not committed: keep it aside for
 *  resume when keep is set and any frame came, else drop it (counted as a
 *  failed download if it was open). No-op without a download. */
void dev_download_close(struct board_device *d, int keep);

#endif
