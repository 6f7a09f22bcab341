/* SPDX-License-Identifier: MIT */
/*
 * discover — the host's discovery machine (PROTOCOL.md §8, Discovery): a
 * DISCOVER to the discovery address, repeated, each repeat naming the
 * boards already heard (T_HEARD), and the DISCOVER_ACKs collected, one
 * entry per board MAC.
 *
 * Shaped like the other machines (sess.h): the caller owns struct
 * sess_disc, feeds received frames to sess_disc_input, calls sess_disc_poll
 * when sess_disc_next_deadline has come, until sess_disc_done. The machine
 * owns no clock; it sends through the nic it is lent. Order: init, start,
 * input/poll until done, boards, dispose.
 */
#ifndef ETHDL_DISCOVER_H
#define ETHDL_DISCOVER_H

#include "host.h"

#define DISC_WINDOW_MS 500u /* the answer window of each probe */
#define DISC_PROBES    3u   /* probes sent */
#define DISC_HEARD_MAX 42u  /* MACs in one T_HEARD (42 × 6 = 252 bytes) */

struct sess_disc_config {
	struct nic *nic;
	uint16_t ethertype; /* 0 = default */
	uint32_t probe_id;  /* the probe's session id: nonzero, random */
	uint32_t window_ms; /* T_DELAY_MS; 0 = DISC_WINDOW_MS */
	unsigned probes;    /* 0 = DISC_PROBES */
	const char *vendor; /* T_VENDOR, or NULL for any */
	const char *model;  /* T_MODEL, or NULL for any */
	/* The boards looked for, or NULL: discovery ends as soon as every one
	 * of them has answered (the repeats are for answers that were lost) */
	const uint8_t (*want)[6];
	size_t nwant;
	sess_log_fn log;
	void *log_ctx;
};

/** One board that answered: its MAC, the probe (1, 2, …) that first heard
 *  it, and what it said (as INFO_ACK says it). */
struct sess_disc_board {
	uint8_t mac[6];
	unsigned probe;
	struct sess_info info;
};

struct sess_disc {
	struct sess_disc_config cfg;
	unsigned sent;	     /* probes sent */
	uint64_t last_probe; /* when the last probe went */
	uint64_t next_probe; /* when the next goes (or the end, after the last) */
	int done;
	struct sess_disc_board *boards; /* in the order heard */
	size_t nboards, cap;
	uint64_t answers, duplicates, refused; /* DISCOVER_ACKs: all, of a board heard,
						* malformed or not matching the filter */
	int err;			       /* -ENOMEM once a board could not be kept */
	size_t want_heard;		       /* of cfg.want, boards heard */
	uint8_t tx[FRAME_BUF_MAX];
};

/** Set up d from cfg (copied; the strings must live as long as d). 0, or
 *  -EINVAL (no nic, probe id 0, vendor or model longer than 63 bytes). */
int sess_disc_init(struct sess_disc *d, const struct sess_disc_config *cfg);
void sess_disc_dispose(struct sess_disc *d);
/** Send the first probe. */
void sess_disc_start(struct sess_disc *d, uint64_t now);
/** Handle one received frame (raw bytes). Frames that are not a
 *  DISCOVER_ACK to this probe are ignored. */
void sess_disc_input(struct sess_disc *d, const uint8_t *buf, size_t len, uint64_t now);
/** Send the next probe when its time has come; end a window after the last. */
void sess_disc_poll(struct sess_disc *d, uint64_t now);
uint64_t sess_disc_next_deadline(const struct sess_disc *d);
static inline int sess_disc_done(const struct sess_disc *d)
{
	return d->done;
}
/** The boards heard, in the order heard (owned by d); *n their count. */
const struct sess_disc_board *sess_disc_boards(const struct sess_disc *d, size_t *n);

/** Build probe number seq (1, 2, …) into buf (cap): the DISCOVER frame
 *  with T_DELAY_MS, the filter and as many of the boards heard so far as
 *  fit one frame of the nic's MTU, in T_HEARD TLVs of at most
 *  DISC_HEARD_MAX MACs (the first heard first; boards past what fits
 *  answer again and are merged). Returns the frame length (or a negative
 *  frame error) and sets *listed to the number of MACs it names. */
int sess_disc_probe(const struct sess_disc *d, uint32_t seq, uint8_t *buf, size_t cap,
		    size_t *listed);

#endif
