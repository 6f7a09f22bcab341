/* SPDX-License-Identifier: MIT */
/*
 * readahead — reads of a file at offsets that come in a few sequential
 * streams at once: the data frames being sent, and the read-back being
 * compared a window behind them (or a repair going back). Each stream is
 * served from its own buffer, filled RA_WINDOW bytes at a time; a miss
 * refills the buffer used least recently. One buffer for both streams
 * would refill on nearly every read, a whole window each time.
 */
#ifndef ETHDL_READAHEAD_H
#define ETHDL_READAHEAD_H

#include <stddef.h>
#include <stdint.h>

/* 256 KiB: a fill is one pread per 177 blocks of 1479 bytes; more would
 * save nothing that shows, and every page of a fresh buffer costs a fault
 * the first time (~20 us on a virtual machine with shadow page tables:
 * 1 MiB windows put 5 ms pauses into the first megabytes of a download). */
#define RA_WINDOWS 2
#define RA_WINDOW  (256u << 10)

struct ra_window {
	uint8_t *buf;
	uint64_t off;
	size_t len;
	uint64_t used; /* the read that last used it */
};

struct ra_file {
	int fd;
	struct ra_window w[RA_WINDOWS];
	uint64_t tick;
	uint64_t fills; /* preads made (statistics, tests) */
};

/** Read fd (not owned) through RA_WINDOWS buffers. 0 or -ENOMEM. */
int ra_init(struct ra_file *f, int fd);
void ra_dispose(struct ra_file *f);
/** Exactly len bytes at off (ctx: struct ra_file, the sess_source read
 *  signature): 0, -EIO if the file ends first, or -errno. */
int ra_read(void *ctx, uint64_t off, void *buf, size_t len);

#endif
