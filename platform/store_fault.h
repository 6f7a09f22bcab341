/* SPDX-License-Identifier: MIT */
/*
 * store_fault — a board_store decorator that makes the board's storage lie
 * in one exact way, so that the board's own checks (file CRC of what it
 * stored, the host's byte compare of what it reads back) can be seen to
 * work over a real link. Everything else passes through to inner.
 */
#ifndef ETHDL_STORE_FAULT_H
#define ETHDL_STORE_FAULT_H

#include "store.h"

/** What to break. Zero everywhere is a store that behaves. */
struct store_fault {
	/** The byte at offset 0 of a download is stored xor 0x01: the file
	 *  the board holds is not the one sent (a file CRC error, if the
	 *  board checks what it stored). */
	int flip_received;
	/** Reading a slot's file returns the byte at offset size/2 xor 0x20
	 *  (info still gives the true size and CRC): a read-back mismatch at
	 *  offset size/2. The size is asked of inner once per slot, and again
	 *  after each commit through this store. */
	int corrupt_readback;
};

/**
 * Fill out with a store that calls inner (whose ctx must outlive out) with
 * the faults of f (copied). Returns 0 or -ENOMEM. Release with
 * store_fault_close(), which leaves inner open.
 */
int store_fault_wrap(struct board_store *out, const struct board_store *inner,
		     const struct store_fault *f);
/** Free what store_fault_wrap made; accepts NULL and a store never wrapped. */
void store_fault_close(struct board_store *st);

#endif
