/* SPDX-License-Identifier: MIT */
/*
 * window — the sliding window with selective repair used when both ends
 * have CAP_WINDOW. The sender keeps a bitmap of what the receiver reported
 * and chooses what to send next; the receiver keeps a bitmap of what it got
 * and writes block status reports. Pure bookkeeping: no I/O, no clock of its
 * own (times are passed in, in microseconds).
 */
#ifndef ETHDL_WINDOW_H
#define ETHDL_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

/** A bitmap of n bits, bit s-1 for sequence s. */
struct bitmap {
	uint8_t *bits;
	uint32_t n;
};
int bitmap_init(struct bitmap *b, uint32_t n); /* 0 or -ENOMEM */
void bitmap_dispose(struct bitmap *b);
static inline int bitmap_get(const struct bitmap *b, uint32_t seq)
{
	return seq >= 1 && seq <= b->n && (b->bits[(seq - 1) >> 3] >> ((seq - 1) & 7) & 1);
}
static inline void bitmap_set(struct bitmap *b, uint32_t seq)
{
	b->bits[(seq - 1) >> 3] |= (uint8_t)(1u << ((seq - 1) & 7));
}

/** Receiver side. */
struct recvwin {
	struct bitmap got;
	uint32_t cum;  /* every seq <= cum received */
	uint32_t high; /* highest seq received */
	uint32_t have; /* distinct seqs received */
};
int recvwin_init(struct recvwin *r, uint32_t n);
void recvwin_dispose(struct recvwin *r);
/** Record seq. Returns 1 if new, 0 if a duplicate, -1 if out of 1..n. */
int recvwin_mark(struct recvwin *r, uint32_t seq);
static inline int recvwin_complete(const struct recvwin *r)
{
	return r->have == r->got.n;
}
/** Append the block status TLVs (T_CUM, T_HIGH, T_HAVE, T_BASE, T_BITMAP). */
void recvwin_report(const struct recvwin *r, struct tlv_writer *w);

/*
 * Sender side. The sender learns what was lost only from evidence: it sends
 * a probe (a status query with an id) after every quarter window, and the
 * receiver's report echoes the id. On a link that keeps order, any frame
 * first sent before the probe and still missing from its report is lost.
 * One repair pass resends those; the next pass waits for a probe sent after
 * it, so a frame is resent at most once per round trip.
 */
#define SENDWIN_PROBES 64

struct sendwin_probe {
	uint32_t id;
	uint32_t hw; /* highest seq sent when the probe left */
	uint64_t sent_us;
};

struct sendwin {
	struct bitmap acked;
	uint32_t n;
	uint32_t window; /* frames allowed beyond cum */
	uint32_t cum;	 /* receiver reported every seq <= cum */
	uint32_t high;	 /* receiver's highest seq */
	uint32_t acked_count;
	uint32_t next;	      /* next never-sent seq */
	uint32_t since_probe; /* new frames sent since the last probe */
	uint32_t probe_every;
	/* repair */
	uint32_t evidence; /* frames <= evidence and unacked are lost */
	uint32_t gate;	   /* a report must answer a probe >= gate to start a pass */
	uint32_t repair;   /* cursor of the pass in progress (0 = none) */
	uint32_t repair_end;
	int probe_wanted;
	/* probes */
	uint32_t probe_id; /* last probe id used */
	struct sendwin_probe probes[SENDWIN_PROBES];
	uint64_t last_probe_us;
	unsigned stalls; /* probes in a row sent for lack of news: the timer backs off */
	uint64_t rto_us;
	uint64_t srtt_us;
	/* statistics */
	uint64_t sent_new, sent_repair, probes_sent;
};
int sendwin_init(struct sendwin *s, uint32_t n, uint32_t window);
void sendwin_dispose(struct sendwin *s);
/** Apply a block status report answering probe id (0 = unsolicited).
 *  Returns the number of newly acknowledged frames, or -1 if malformed. */
int sendwin_on_report(struct sendwin *s, uint32_t id, const uint8_t *data, size_t len,
		      uint64_t now);
/** Choose the next seq to send: a repair first, else a new frame if the
 *  window allows. Returns 0 when no data frame should go now. */
uint32_t sendwin_next(struct sendwin *s);
/** 1 if a probe should be sent now (after a quarter window, after a repair
 *  pass, or when stalled for an RTO). */
int sendwin_probe_due(const struct sendwin *s, uint64_t now);
/** Record that a probe is being sent now; returns its id. */
uint32_t sendwin_probe_sent(struct sendwin *s, uint64_t now);
/** When the sender must next act if nothing arrives (for a stall probe). */
uint64_t sendwin_deadline(const struct sendwin *s);
static inline int sendwin_complete(const struct sendwin *s)
{
	return s->acked_count == s->n;
}
static inline int sendwin_all_sent(const struct sendwin *s)
{
	return s->next > s->n;
}

#endif
