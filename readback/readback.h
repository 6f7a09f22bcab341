/* SPDX-License-Identifier: MIT */
/*
 * readback — what the host does with the bytes a board sends back: compare
 * them with the local file as they arrive (never two whole copies in
 * memory), or save them. Both are sess_sink implementations.
 */
#ifndef ETHDL_READBACK_H
#define ETHDL_READBACK_H

#include <stdint.h>

#include "session.h"

/** Streaming compare against the file open on fd (not closed here). */
struct rb_compare {
	int fd;
	uint64_t file_size;
	uint64_t size;	     /* announced read-back size */
	uint64_t first_diff; /* UINT64_MAX while none */
	uint64_t ndiff;
	uint64_t received;
	uint8_t scratch[FRAME_MAX_DATA];
};

/** Compare against fd, whose size is file_size. */
void rb_compare_init(struct rb_compare *c, int fd, uint64_t file_size);
/** A sink that feeds c. */
struct sess_sink rb_compare_sink(struct rb_compare *c);

/** Save to path: bytes go to path.part, which becomes path on rb_save_commit. */
struct rb_save {
	char path[4096];
	char part[4104];
	int fd;
	uint64_t size;
};

/** 0 or -errno. */
int rb_save_init(struct rb_save *s, const char *path);
struct sess_sink rb_save_sink(struct rb_save *s);
/** Make the saved read-back the file at path (after it was verified). */
int rb_save_commit(struct rb_save *s);
/** Remove what was saved, if not committed; accepts a never-begun s. */
void rb_save_dispose(struct rb_save *s);

/** CRC32 and size of an open file, streaming. 0 or -errno. */
int rb_file_crc(int fd, uint64_t *size, uint32_t *crc);

#endif
