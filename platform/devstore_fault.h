/* SPDX-License-Identifier: MIT */
/*
 * devstore_fault — a devstore decorator that makes the updatable board's
 * storage lie in one exact way, so that the device's own checks (the CRC
 * of what it stored, the host's byte compare of what it reads back) can be
 * seen to work over a real link. Everything else passes through to inner.
 * The devstore counterpart of store_fault (session/store.h).
 */
#ifndef ETHDL_DEVSTORE_FAULT_H
#define ETHDL_DEVSTORE_FAULT_H

#include "devstore.h"

/** What to break. Zero everywhere is a store that behaves. */
struct devstore_fault {
	/** The byte at offset 0 of an image is stored xor 0x01 (the caller's
	 *  buffer is not changed): the image the board holds is not the one
	 *  sent. */
	int flip_received;
	/** img_read of a sealed image returns the byte at offset size/2 xor
	 *  0x20: a read-back mismatch at size/2. So does img_read_open of the
	 *  open image, except the reads that go on in order from offset 0 (the
	 *  device's CRC pass); img_sha256 tells the truth. The size is the one given to img_begin for images
	 *  sealed through this store, else found once by reading inner. */
	int corrupt_readback;
};

/**
 * Fill out with a store that calls inner (whose ctx must outlive out) with
 * the faults of f (copied). Returns 0 or -ENOMEM. Release with
 * devstore_fault_close(), which leaves inner open.
 */
int devstore_fault_wrap(struct devstore *out, const struct devstore *inner,
			const struct devstore_fault *f);
/** Free what devstore_fault_wrap made; accepts NULL and a store never
 *  wrapped. */
void devstore_fault_close(struct devstore *st);

#endif
