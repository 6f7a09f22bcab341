/* SPDX-License-Identifier: MIT */
/*
 * host_group — the host's group download (PROTOCOL.md §8): one machine, one
 * event loop, for every target board. Per board it joins the board to the
 * group point to point, sends the file once to the group, asks each board
 * what it still needs, repairs with Reed-Solomon parity (or, with
 * SESS_REPAIR_RESEND, by sending missed blocks again), verifies each
 * board's SHA-256 and CRC, activates if asked, and leaves.
 *
 * Shaped like the other machines (sess.h): the caller owns struct
 * sess_group and lends the nic and the source; it feeds received frames to
 * sess_group_input, calls sess_group_poll when sess_group_next_deadline has
 * come, until sess_group_done. Order: init, start, input/poll until done,
 * the results, dispose. sess_group_abort may come at any time.
 *
 * State per board (struct sess_group_board, plus one byte per generation
 * for what it still needs and one for whether it answered) stays small so
 * that one host serves a thousand boards: sess_group_state_per_board()
 * counts it (160 bytes for 16 MiB at MTU 1500, see the JSON summary).
 */
#ifndef ETHDL_HOST_GROUP_H
#define ETHDL_HOST_GROUP_H

#include "host.h"

#define SESS_GROUP_RATE	    50000000u /* bits/s of the data when none is given */
#define SESS_GROUP_ROUNDS   8u	      /* repair rounds when none is given */
#define SESS_GROUP_IDLE_MS  10000u    /* T_IDLE_MS */
#define SESS_GROUP_RETRY_US 200000u   /* a point-to-point command is sent again after this */
#define SESS_GROUP_TRIES    5u	      /* … this many times in all before the board is given up */
#define SESS_GROUP_WINDOW   16u	      /* boards asked at once */

enum sess_repair {
	SESS_REPAIR_CODE = 0,	/* Reed-Solomon parity (the default) */
	SESS_REPAIR_RESEND = 1, /* missed blocks again: to the group if 2+ boards miss one */
};

struct sess_group_config {
	struct nic *nic;
	uint16_t ethertype;	    /* 0 = default */
	const uint8_t (*boards)[6]; /* the target boards (copied) */
	unsigned nboards;
	uint8_t group_mac[6]; /* a locally administered multicast MAC, not the discovery one */
	uint32_t session_id;  /* the group session: nonzero, random */
	int type;	      /* enum proto_file_type */
	const char *name;     /* T_NAME */
	uint64_t size;	      /* the file: size, CRC32, SHA-256 */
	uint32_t crc;
	uint8_t sha256[32];
	const struct sess_source *src;
	const uint8_t *pkg_hdr; /* an update package's header (T_PKG_HDR), or NULL */
	size_t pkg_hdr_len;
	unsigned block;	     /* data bytes per frame; 0 = MTU − 27 */
	unsigned k;	     /* source blocks per generation; 0 = FEC_K */
	uint64_t rate_bps;   /* data, parity and resent frames, whole frames counted;
			      * 0 = SESS_GROUP_RATE */
	int repair;	     /* enum sess_repair */
	unsigned rounds;     /* 0 = SESS_GROUP_ROUNDS */
	uint32_t idle_ms;    /* 0 = SESS_GROUP_IDLE_MS */
	uint64_t timeout_us; /* how long GROUP_VERIFY and ACTIVATE may go unanswered; 0 = 3 s */
	int activate;	     /* enum sess_activate (a package only) */
	uint64_t act_at_us, act_in_us;
	int64_t wall_offset_us; /* the host's wall clock minus the machine's clock */
	sess_log_fn log;
	void *log_ctx;
};

/** One board's state. Read it through the calls below. */
struct sess_group_board {
	uint8_t mac[6];
	uint8_t st;	   /* internal state */
	uint8_t tries;	   /* sends of the command out */
	uint8_t notice;	   /* the board's result: enum frame_notice */
	uint8_t detail;	   /* enum proto_detail */
	uint8_t flags;	   /* by board, rolled back, local failure, … */
	uint8_t act_state; /* enum proto_act_state, from the last ACT_STATE */
	uint32_t qid;	   /* the GROUP_QUERY out: its sequence */
	uint32_t first;	   /* … and its T_FIRST */
	uint32_t have;	   /* T_HAVE */
	uint32_t need;	   /* symbols (or blocks) it still needs, in all */
	uint32_t want;	   /* of what the last round sent it, what it needed */
	uint32_t expected, got;
	uint32_t health_ms;
	uint64_t last_tx;  /* the command out was last sent */
	uint64_t first_tx; /* … first sent */
	uint64_t deadline; /* the health check: no final answer by then is TIMEOUT */
	char *text;	   /* a failure in words (heap), or NULL */
};

struct sess_group_item; /* a repair send (host_group.c) */

/** What the group download did, for the summary. */
struct sess_group_stats {
	uint32_t blocks, generations;
	unsigned block, k;
	unsigned joined;      /* boards that joined */
	uint64_t data_frames; /* the data pass: one per block */
	uint64_t parity_group, parity_unicast;
	uint64_t resent_group, resent_unicast;
	uint64_t control_frames; /* point-to-point commands sent */
	uint64_t bytes_sent;	 /* data, parity and resent frames, whole */
	unsigned rounds;	 /* repair rounds */
	uint64_t status_us;	 /* time spent asking for status */
	uint64_t data_us;	 /* the data pass */
	double loss;		 /* the loss measured in the last round */
	size_t state_per_board;	 /* bytes, as sess_group_state_per_board */
};

struct sess_group {
	struct sess_group_config cfg;
	int phase;
	struct sess_group_board *b;
	unsigned nb;
	uint32_t n, ngen;
	unsigned block, k;
	uint8_t *need;	     /* [nb * ngen] */
	uint8_t *need_known; /* [nb] */
	uint8_t *next_row;   /* [ngen] the next parity index never sent */
	int want2;	     /* status by bitmap (resend, or rows ran out) */
	uint8_t *miss_cnt;   /* [n] resend: boards missing each block */
	uint32_t *miss_who;  /* [n] resend: the (last) board missing it */
	struct sess_group_item *items;
	size_t nitems, item, item_done;
	uint32_t data_next; /* the data pass: next block */
	uint64_t tx_next_ns;
	uint32_t next_qid;
	double loss;
	unsigned round;
	uint64_t status_start;
	uint64_t act_base_wall; /* SESS_ACT_IN: the moment counted from */
	int err;		/* a local failure that ended everything */
	uint8_t *join_tlv;
	size_t join_len;
	uint8_t *gsrc;	   /* [k * block] the source blocks of one generation */
	uint32_t gsrc_gen; /* which one (UINT32_MAX: none) */
	uint8_t *pbuf;	   /* parity being sent */
	struct sess_group_stats st;
	uint8_t tx[FRAME_BUF_MAX];
	uint8_t blk[FRAME_BUF_MAX];
};

/** Set up g (caller-owned) from cfg (copied; the pointers in it must live
 *  as long as g). 0, or -EINVAL (no boards, no source, a group MAC that is
 *  not a locally administered multicast one or is the discovery address,
 *  block or K out of range, an activation without a package), -EMSGSIZE (the
 *  GROUP_JOIN with the package header does not fit the MTU), -ENOMEM. */
int sess_group_init(struct sess_group *g, const struct sess_group_config *cfg);
void sess_group_dispose(struct sess_group *g);
/** Send the first GROUP_JOINs. */
void sess_group_start(struct sess_group *g, uint64_t now);
void sess_group_input(struct sess_group *g, const uint8_t *buf, size_t len, uint64_t now);
void sess_group_poll(struct sess_group *g, uint64_t now);
uint64_t sess_group_next_deadline(const struct sess_group *g);
int sess_group_done(const struct sess_group *g);
/** End now (an interrupt): GROUP_LEAVE to the group and to every board
 *  not done; their result becomes the local failure err with why. */
void sess_group_abort(struct sess_group *g, int err, const char *why, uint64_t now);

/** Board i's verdict (final once done), as a session's. */
void sess_group_result(const struct sess_group *g, unsigned i, struct sess_result *r);
/** Board i's activation: ACT_NONE when none was asked or answered. */
int sess_group_act_state(const struct sess_group *g, unsigned i);
/** Board i joined the group (its download went by the group). */
int sess_group_joined(const struct sess_group *g, unsigned i);
void sess_group_stats(const struct sess_group *g, struct sess_group_stats *st);

/** The bytes the machine keeps per board for a file of size bytes in
 *  blocks of block, generations of k: the board's record, its needs (one
 *  byte per generation) and whether it answered. (A round's plan borrows
 *  three more bytes per generation per board while it is made.) */
size_t sess_group_state_per_board(uint64_t size, unsigned block, unsigned k);

/** The block a group uses at this MTU: MTU − 27, so a parity frame fits. */
unsigned sess_group_block_for_mtu(unsigned mtu);

#endif
