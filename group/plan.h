/* SPDX-License-Identifier: MIT */
/*
 * plan — the group sender's repair planner (PROTOCOL.md §8): pure
 * functions from what the boards reported to what to send next. No I/O, no
 * allocation; the caller owns every array.
 */
#ifndef ETHDL_PLAN_H
#define ETHDL_PLAN_H

#include <stddef.h>
#include <stdint.h>

/** Generations of a file of n blocks in generations of k, and the size of
 *  generation g (k but for the last). */
static inline uint32_t plan_generations(uint32_t n, unsigned k)
{
	return k ? (n + k - 1) / k : 0;
}
static inline unsigned plan_gen_size(uint32_t n, unsigned k, uint32_t g)
{
	uint64_t first = (uint64_t)g * k;

	return first >= n ? 0 : n - first < k ? (unsigned)(n - first) : k;
}

/** What the boards of a round reported, and what the sender may still use. */
struct plan_in {
	unsigned nboards;
	uint32_t ngen;
	/* need[b * ngen + g]: symbols board b still needs in generation g
	 * (0 = complete); a board that did not answer has need_known[b] == 0 */
	const uint8_t *need;
	const uint8_t *need_known;
	const uint32_t *blocks; /* n, the file's source blocks (for the 1% rule) */
	/* loss of the round before, 0 .. 1 (frames a board missed / frames sent
	 * to it); the planner grows each count by 1 / (1 - loss), loss capped at 0.5 */
	double loss;
	/* parity indices not yet sent, per generation (the planner never plans
	 * more than these; what is short goes to resend) */
	const uint16_t *rows_left;
};

/** The plan: multicast parity per generation; boards served point to point. */
struct plan_out {
	uint16_t *parity;   /* [ngen] parity frames to multicast in generation g */
	uint8_t *unicast;   /* [nboards] 1: a laggard, served point to point */
	uint16_t *uparity;  /* [nboards * ngen] parity frames for laggard b in g */
	uint8_t *short_gen; /* [ngen] 1: rows ran out; missing blocks must be resent */
	uint64_t frames;    /* total frames planned */
};

/**
 * Plan one round of coded repair: a board is a laggard when its total need
 * is more than 4 times the next neediest board's and more than 1% of the
 * blocks; the rest are covered by multicast parity, per generation the
 * largest need among them grown by the loss; laggards get their own need
 * grown by the loss, point to point (from the indices after the multicast
 * ones). Returns the number of frames planned.
 */
uint64_t plan_code(const struct plan_in *in, struct plan_out *out);

/**
 * need grown by the loss: ceil(need / (1 - loss)), loss clamped to 0 .. 0.5
 * (NaN is 0). A quotient within a trillionth of a whole number is that
 * number, so floating error never adds a frame: need 12 at loss 0 is 12,
 * 6 at 1/7 is 7, 12 at 0.05 is 13 (12.6), 12 at 0.5 or more is 24.
 */
unsigned plan_grow(unsigned need, double loss);

/**
 * Plan plain resend of one block that `missing` boards miss: 1 to send it to
 * the group (two boards or more miss it), 0 to send it point to point to
 * the one board that does, -1 when nobody misses it.
 */
static inline int plan_resend_group(unsigned missing)
{
	return missing >= 2 ? 1 : missing == 1 ? 0 : -1;
}

#endif
