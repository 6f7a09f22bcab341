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

/**
 * Save a read-back: bytes go to a temporary file, which rb_save_commit
 * turns into the output once the read-back was verified, so that a failed
 * read-back never leaves a file behind or half a file on a pipe. The output
 * is a path (the temporary is path.part, renamed to path on commit) or an
 * open descriptor such as standard output (the temporary is unlinked at
 * once, and its bytes are copied to the descriptor on commit).
 */
struct rb_save {
	char path[4096];
	char part[4104]; /* the temporary's name; "" when it has none */
	int fd;		 /* the temporary, -1 until it is made */
	int out_fd;	 /* -1: commit renames; else commit copies to it */
	int own_out;	 /* out_fd was opened here and is closed by dispose */
	uint64_t size;
	uint32_t crc; /* of the temporary, once finished */
};

/** Save to path; nothing is made yet. 0 or -errno; rb_save_dispose is
 *  safe after either. */
int rb_save_init(struct rb_save *s, const char *path);
/** Save to out_fd (not closed here), through a temporary made and unlinked
 *  now in tmpdir. 0 or -errno. */
int rb_save_init_fd(struct rb_save *s, int out_fd, const char *tmpdir);
/** After rb_save_init: check the place before anything is read. A
 *  directory is -EISDIR; an existing file that is not a regular one (a
 *  device, a FIFO) is opened for writing and gets the bytes on commit as a
 *  descriptor would (its temporary in tmpdir); otherwise path.part is
 *  created now, so that a place that cannot be written is known at once.
 *  0 or -errno. */
int rb_save_prepare(struct rb_save *s, const char *tmpdir);
/** The sink; its begin starts the temporary afresh, so one rb_save serves
 *  a session run again. */
struct sess_sink rb_save_sink(struct rb_save *s);
/** Make the verified read-back the output: rename, or copy to the
 *  descriptor (checking the CRC of what was copied). 0 or -errno; -EINTR
 *  when a signal stopped the copy. */
int rb_save_commit(struct rb_save *s);
/** Remove the temporary, if not committed; accepts a never-begun s. */
void rb_save_dispose(struct rb_save *s);

/** CRC32 and size of an open file, streaming. 0 or -errno. */
int rb_file_crc(int fd, uint64_t *size, uint32_t *crc);

#endif
