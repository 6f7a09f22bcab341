/* SPDX-License-Identifier: MIT */
/* progress: what a command that talks to one board says while it runs. On a
 * terminal one line redrawn in place (phase, bytes, %, rate, ETA); elsewhere
 * a plain line every PROGRESS_EVERY_US; nothing with -q. At -v the phase
 * changes are logged as they happen. The line is built from the session's
 * stats only: it owns no clock (now is the caller's). */
#ifndef ETHDL_CMD_PROGRESS_H
#define ETHDL_CMD_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "session.h"

#define PROGRESS_EVERY_US 5000000u /* not a terminal: one line this often */
#define PROGRESS_TTY_US	  200000u  /* a terminal: redraw this often */

/** The phases a person sees. */
enum progress_phase {
	PP_CONNECT,
	PP_DATA,
	PP_REPAIR,
	PP_READBACK,
	PP_ACTIVATE,
	PP_CLOSING,
};

/** "connect", "data", "repair", "read-back", "activate", "closing". */
const char *progress_phase_name(int pp);
/** The phase of st as a person sees it. */
int progress_phase_of(const struct sess_host_stats *st);

/** n with a comma every three digits ("3,145,728"); returns out. */
char *progress_grouped(uint64_t n, char *out, size_t cap);

/**
 * One progress line without newline into out: "data  3,145,728 of
 * 8,388,608 bytes  37%  12.50 MB/s  ETA 0:04". done and total are bytes of
 * the phase (total 0: only the phase and its elapsed time); moved is what
 * moved in elapsed_us (the rate; resumed bytes did not move). Returns out.
 */
char *progress_format(char *out, size_t cap, int pp, uint64_t done, uint64_t total, uint64_t moved,
		      uint64_t elapsed_us);

/** "resuming: 3,145,728 of 8,388,608 bytes already on the board". */
char *progress_resume_line(char *out, size_t cap, uint64_t have, uint64_t total);

/** Bytes the board already held when the data began: resumed frames times
 *  the block, at most size (the file's). */
uint64_t progress_resumed_bytes(const struct sess_host_stats *st, uint64_t size);

struct progress {
	FILE *out;	/* stderr */
	int tty;	/* redraw one line in place */
	int quiet;	/* -q (or --json): no progress lines, no resume note */
	int verbose;	/* -v: log the phase changes */
	uint64_t start; /* when the run began */
	uint64_t last;	/* when the last line was printed */
	int pp;		/* the phase last seen, -1 before */
	uint64_t base;	/* bytes done when that phase was first seen */
	uint64_t base_t;
	int shown;	  /* a terminal line is on screen */
	int resume_said;  /* the resume note was printed */
	unsigned printed; /* lines printed (tests) */
};

/** Start at now. */
void progress_init(struct progress *p, FILE *out, int tty, int quiet, int verbose, uint64_t now);
/** The session stands at st at now: print what is due. Returns 1 if a
 *  line was printed. */
int progress_update(struct progress *p, const struct sess_host_stats *st, uint64_t now);
/** The run ended: end a terminal line with a newline. */
void progress_end(struct progress *p);

#endif
