/* SPDX-License-Identifier: MIT */
/*
 * conform — a conformance suite for any board (docs/CONFORMANCE.md).
 *
 * The suite is data: cases.c holds one table entry per case, each a list
 * of steps (send this frame, expect that one, stay silent this long, run a
 * whole download with the host machine, check that the slot was kept).
 * runner.c is the one interpreter of those steps. It owns no clock and no
 * socket of its own: it sends and receives on the nic it is lent and asks
 * struct conform_io for the time and to wait, so the same cases run
 * against a live board and, in tests, against the reference board machine
 * on an in-memory nic with a fake clock.
 */
#ifndef ETHDL_CONFORM_H
#define ETHDL_CONFORM_H

#include <stddef.h>
#include <stdint.h>

#include "nic.h"

/* ---- steps ---- */

enum cf_kind {
	CF_END = 0,
	CF_CONNECT,    /* new session id; CONNECT (resent, BUSY waited out) → CONNECT_ACK */
	CF_SEND,       /* one frame built from the template */
	CF_DATA,       /* FILE_DATA from..to of the case's file (to 0 = the last) */
	CF_EXPECT,     /* the next frame of the session must match */
	CF_SILENCE,    /* no frame of the session for the time */
	CF_WAIT,       /* let time pass, dropping what comes */
	CF_DISCONNECT, /* DISCONNECT → DISCONNECT_ACK (or the session's ERROR again) */
	CF_DOWNLOAD,   /* a whole download by the host machine, its own session */
	CF_READBACK,   /* a whole read-back by the host machine, compared with the file */
	CF_SLOT_KEPT,  /* a fresh CONNECT: the scratch slot is as the case found it */
	CF_SLOT_NEW,   /* a fresh CONNECT: the scratch slot holds the case's file */
};

/* Values of a template: a literal, or what the run knows. */
enum cf_val {
	V_LIT = 0, /* lit */
	V_ANY,	   /* EXPECT: present, any value */
	V_TYPE,	   /* the scratch file type */
	V_EMPTY,   /* a file type the board holds nothing in */
	V_SIZE,	   /* the case's file size */
	V_FRAMES,  /* its data frames at the block in use */
	V_CRC,	   /* its CRC32 */
	V_BAD_CRC, /* a CRC that is not its CRC32 */
	V_BLOCK,   /* the block in use */
	V_HALF,	   /* V_FRAMES / 2 */
	V_CAPS,	   /* the host's capabilities for this session */
	V_WINDOW,  /* the host's window */
	V_SESSION, /* the case's session id */
};

struct cf_tlv {
	uint8_t type;
	uint8_t width; /* 1, 2, 4 or 8 bytes */
	uint8_t val;   /* enum cf_val */
	uint64_t lit;
};

#define CF_MAX_TLV 6

/* How a sent frame is broken on purpose. */
enum cf_mut {
	M_NONE = 0,
	M_BAD_CRC = 1,	 /* the frame CRC does not match */
	M_STRANGER = 2,	 /* from another source MAC, in a session of its own */
	M_OTHER_SID = 4, /* from us, with another session id */
	M_DISCOVER = 8,	 /* to the discovery address (PROTOCOL.md §8) */
	M_GARBAGE = 16,	 /* data bytes that are not the file's */
};

struct cf_step {
	uint8_t kind; /* enum cf_kind */
	uint8_t code; /* SEND, EXPECT: function code */
	uint8_t flags;
	uint8_t mut; /* enum cf_mut (SEND, DATA); EXPECT M_STRANGER: to the stranger */
	uint32_t seq;
	int32_t from, to;   /* DATA: sequences; to <= 0 means frames + to */
	uint8_t caps;	    /* CONNECT, DOWNLOAD: 0 strict, else CAP_WINDOW|CAP_RESUME */
	int notice, detail; /* EXPECT of ERROR: -1 = any */
	int skip;	    /* EXPECT: frames of other codes are skipped */
	uint32_t ms;	    /* EXPECT, SILENCE, WAIT: time allowed … */
	uint32_t tpct;	    /* … plus this percentage of the board's timer */
	struct cf_tlv tlv[CF_MAX_TLV];
	const char *note; /* what the step checks, for people */
};

/* ---- cases ---- */

/* What a case needs of the board beyond the base exchange. */
#define NEED_WINDOW 0x01u  /* CAP_WINDOW */
#define NEED_RESUME 0x02u  /* CAP_RESUME */
#define NEED_DEVICE 0x04u  /* CAP_DEVICE */
#define NEED_GROUP  0x08u  /* CAP_GROUP */
#define NEED_AUTH   0x10u  /* CAP_AUTH */
#define NEED_EMPTY  0x100u /* a file type the board holds nothing in */
#define RUN_ON_AUTH 0x200u /* runs on a board that requires authentication */

struct conform_case {
	const char *name;
	const char *what; /* one line */
	unsigned needs;
	/* the case's file: blocks × block + extra bytes */
	uint32_t blocks;
	int64_t extra;
	const struct cf_step *steps;
};

/** The table (cases.c), in the order the suite runs it. */
extern const struct conform_case conform_cases[];
extern const size_t conform_ncases;
/** The case of that name, or NULL. */
const struct conform_case *conform_find(const char *name);

/* ---- running ---- */

/** The clock and the wait, lent by the caller. */
struct conform_io {
	struct nic *nic;
	uint16_t ethertype; /* 0 = default */
	/** Microseconds on a monotonic clock. */
	uint64_t (*now)(void *ctx);
	/** Wait until input may be waiting or deadline (io clock). 1, 0 on
	 *  timeout, -1 when interrupted (the run stops). */
	int (*wait)(void *ctx, uint64_t deadline);
	void *ctx;
};

enum conform_res { CONFORM_PASS = 0, CONFORM_FAIL = 1, CONFORM_NA = 2 };

struct conform_result {
	const char *name;
	int result; /* enum conform_res */
	char detail[320];
	double secs;
};

struct conform_config {
	uint8_t board[6];
	int type;	   /* scratch file type; 0 = redundancy */
	uint64_t timer_us; /* the board's timer; 0 = 3 s */
	uint64_t max_save; /* largest scratch file saved and put back; 0 = 64 MiB */
	uint32_t seed;	   /* session ids and file contents; 0 = fixed */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

struct conform;

/** A run over io (lent). NULL when out of memory. */
struct conform *conform_new(const struct conform_config *cfg, const struct conform_io *io);
void conform_free(struct conform *cf);

/**
 * Connect once: learn the board's capabilities, block and slots, and save
 * the scratch slot's file (read back) to put it back at the end. 0, or -1
 * with why in r->detail (the board did not answer: nothing can run).
 */
int conform_begin(struct conform *cf, struct conform_result *r);
/** The board's capabilities (after conform_begin). */
uint32_t conform_caps(const struct conform *cf);
/** Run one case (its own sessions), fill r. -1 when interrupted. */
int conform_run(struct conform *cf, const struct conform_case *c, struct conform_result *r);
/**
 * Put the scratch slot back and compare every slot with what conform_begin
 * saw: r is the pseudo-case "end-state": pass when the board holds what it
 * held, else fail naming the slot and the case after which it changed.
 */
int conform_end(struct conform *cf, struct conform_result *r);

/** One step as a line for people ("send FILE_INFO (type, size, …)"). */
void conform_step_text(const struct cf_step *s, char *out, size_t cap);
const char *conform_res_name(int result);

#endif
