/* SPDX-License-Identifier: MIT */
/*
 * board_group — what the board keeps for the group extension (PROTOCOL.md
 * §8, CAP_GROUP): discovery answers waiting for their random delay, and
 * the one group download it is in. board.c holds it in struct sess_board;
 * board_group.c runs it.
 */
#ifndef ETHDL_BOARD_GROUP_H
#define ETHDL_BOARD_GROUP_H

#include <stddef.h>
#include <stdint.h>

#define BOARD_DISC_PENDING  8u		/* discovery answers waiting at once */
#define BOARD_DISC_ANSWERED 16u		/* probe repeats remembered as answered */
#define BOARD_PARITY_MAX    (8u << 20)	/* bytes of parity kept waiting for decode */
#define BOARD_IDLE_MS	    10000u	/* T_IDLE_MS when the JOIN names none */

/* A discovery answer: to host, for probe (session) and repeat (seq). */
struct board_disc {
	uint32_t probe, seq;
	uint8_t host[6];
	uint8_t used;
	uint64_t due; /* machine clock; pending answers only */
};

/* A parity frame of a generation not yet decoded. */
struct board_parity {
	struct board_parity *next;
	uint32_t gen;
	uint8_t index;
	uint8_t data[]; /* block bytes */
};

struct board_group {
	uint64_t rng; /* the board's PRNG (discovery delays) */
	struct board_disc pending[BOARD_DISC_PENDING];
	struct board_disc answered[BOARD_DISC_ANSWERED];
	unsigned answered_next;
	/* the group download (state B_GROUP) */
	uint8_t mac[6];
	int joined;	  /* the nic listens on mac */
	int done;	  /* committed: GROUP_DONE sent */
	unsigned k;	  /* source blocks per generation */
	unsigned block;	  /* bytes per block */
	uint32_t frames;  /* source blocks of the file */
	uint32_t ngens;	  /* generations */
	uint32_t have;	  /* source blocks held, recovered ones included */
	uint32_t prefix;  /* blocks 1..prefix are all held (the CRC runs behind them) */
	uint64_t idle_us; /* leave after this much silence of the group session */
	uint64_t last_rx; /* the last frame of the group session came then */
	uint8_t *map;	  /* bit s-1 set: block s held */
	uint8_t *held;	  /* per generation: distinct symbols held (>= k_g: complete) */
	struct board_parity *parity;
	size_t parity_bytes;
	uint64_t parity_dropped; /* parity frames dropped for the memory cap */
	uint64_t decoded;	 /* generations recovered with parity */
	/* probes not answered for the full table, since the last log line
	 * about them (at most one a second: a flood is not a log flood) */
	uint64_t disc_dropped, disc_drop_logged;
};

#endif
