/* SPDX-License-Identifier: MIT */
/*
 * pace — data frames at a set rate, a batch per wake-up: a token bucket.
 * Credit accrues at the rate, up to a bound; a frame may go while the credit
 * covers a whole frame, and the sender sleeps until a batch's worth has
 * accrued. A wake-up that comes late finds the credit it missed (up to the
 * bound) and sends it at once, so a coarse or busy clock does not lower the
 * rate; the bound is the largest burst. Integers throughout (credit in
 * bits x 1e6, time in microseconds): the rate does not drift.
 */
#ifndef ETHDL_PACE_H
#define ETHDL_PACE_H

#include <stddef.h>
#include <stdint.h>

/* A wake-up releases about this much time's worth of frames (1 to
 * PACE_BATCH_FRAMES of them)... */
#define PACE_BATCH_US	  1000
#define PACE_BATCH_FRAMES 32
/* ...and the credit holds that plus this much time's worth: a wake-up this
 * late still keeps the rate. */
#define PACE_SLACK_US 5000

struct pace {
	uint64_t rate_bps; /* 0: no pacing, every frame may go */
	uint64_t frame;	   /* credit a whole frame needs */
	uint64_t batch;	   /* credit a wake-up waits for */
	uint64_t cap;	   /* most credit */
	uint64_t credit;
	uint64_t last; /* time of the last refill */
};

/** Pace frames of up to frame_bytes at rate_bps (0 = not at all) from now,
 *  with a batch of credit to start. */
void pace_init(struct pace *p, uint64_t rate_bps, size_t frame_bytes, uint64_t now);
/** 1 when a frame may go now (the credit covers a whole frame), else 0. */
int pace_ready(struct pace *p, uint64_t now);
/** Take the credit of a frame of bytes that went. */
void pace_charge(struct pace *p, size_t bytes);
/** When the next wake-up is due: now if a frame may go, else when a batch's
 *  credit will have accrued (0 when not pacing). */
uint64_t pace_next(const struct pace *p);
/** The largest burst, in bytes: the most credit. */
uint64_t pace_burst_bytes(const struct pace *p);

#endif
