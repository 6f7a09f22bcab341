/* SPDX-License-Identifier: MIT */
/*
 * sess — what the host and board machines share: the result of a session,
 * its exit code, the log callback, the default block for an MTU.
 *
 * The machines are shaped like picotls: they own no socket and no clock. The
 * caller feeds every received frame, as the raw bytes the nic gave, to
 * *_input() with the current time, calls *_poll() when *_next_deadline() has
 * come, and sleeps until then otherwise. They send through the nic they were
 * given. Times are microseconds on any monotonic clock. All calls run on
 * one thread; none blocks; none calls back into the machine that called it.
 */
#ifndef ETHDL_SESS_H
#define ETHDL_SESS_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "nic.h"
#include "proto.h"
#include "xfer.h"

#define SESS_NEVER	XFER_NEVER
#define SESS_MAX_FRAMES XFER_MAX_FRAMES

/** What went wrong, if anything. notice is one of the six (NOTICE_*), or
 *  NOTICE_NONE with local != 0 for failures that are not protocol notices
 *  (I/O on this side, or the board refusing with a detail such as D_STORAGE). */
struct sess_result {
	int notice;
	int local;    /* 0, -errno of a local failure, or 1 for a board refusal */
	int detail;   /* enum proto_detail */
	int by_board; /* the board detected it and sent ERROR */
	uint32_t expected, got;
	uint64_t offset; /* read-back: first differing byte */
	uint64_t ndiff;	 /* read-back: number of differing bytes */
	int rolled_back; /* an activation this session asked for failed its health
			  * check and the board put the previous image back */
	char text[240];
};

/** Exit code for a result: 11..16 for the notices; 17 for a board's policy
 *  refusal (notice 0, details 13..15); 18 when an activation was rolled
 *  back; 1 for other failures; else 0. */
int sess_exit_code(const struct sess_result *r);

/** Where a machine's log lines go (one line, no newline); may be NULL. */
typedef void (*sess_log_fn)(void *ctx, const char *msg);

/** Default data bytes per frame for an MTU. */
unsigned sess_block_for_mtu(unsigned mtu);

#endif
