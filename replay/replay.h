/* SPDX-License-Identifier: MIT */
/*
 * replay — play the host's side of a recorded session against a live board
 * and compare what the board answers with what it answered then.
 *
 * Three parts:
 *   capture  (capture.c, libpcap) read a pcap or pcapng file, keep the
 *            Ethernet frames of one EtherType, tell host from board frames
 *   compare  (compare.c, frame/ only) decode two frames and name the first
 *            field that differs; describe a frame in one line
 *   engine   (engine.c, nic/ only) a machine in the picotls style: it owns
 *            no socket and no clock. The caller feeds received frames to
 *            rp_input(), calls rp_poll() at rp_next_deadline(), and stops
 *            when rp_done().
 *
 * What is compared (docs/ethdl.1, REPLAY):
 * Played from the board's side (rp_config.board_side) the roles swap: the
 * board's frames are sent, the live host's compared (FILE_DATA as a set).
 *
 *  - control frames (every code but the data and status codes) in the
 *    recorded order; a repeat of a frame already matched is not counted
 *  - READBACK_DATA as a set of sequence numbers, each with its bytes
 *  - status frames (BOARD_STATUS, RB_STATUS_QUERY) are not compared: when
 *    they are sent depends on the board's timers, not on the input
 *  - TLVs type by type, value bytes, except those that legitimately differ
 *    from board to board or run to run (rp_tlv_skipped); T_CAPS only in the
 *    capabilities the recorded CONNECT offered
 */
#ifndef ETHDL_REPLAY_H
#define ETHDL_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "nic.h"

/* ---- capture ---- */

struct rp_frame {
	uint64_t t;    /* microseconds since the first frame of the capture */
	uint32_t num;  /* frame number in the file, from 1 (as Wireshark counts) */
	int from_host; /* 1 host -> board, 0 board -> host */
	uint8_t *buf;
	size_t len;
};

struct rp_capture {
	struct rp_frame *v; /* the session's frames, in file order */
	size_t n, cap;
	uint8_t host_mac[6], board_mac[6];
	uint32_t session;   /* of the first CONNECT */
	uint32_t host_caps; /* T_CAPS of that CONNECT (0 if absent) */
	uint16_t ethertype;
};

enum rp_err {
	RP_OK = 0,
	RP_E_OPEN = 1,	    /* the file cannot be opened or is no capture */
	RP_E_LINKTYPE = 2,  /* not Ethernet */
	RP_E_NOCONNECT = 3, /* no CONNECT from the host (or the board, board side) */
	RP_E_NOMEM = 4,
	RP_E_TRUNC = 5, /* a frame of the protocol was cut (snap length) */
};

/** Optional overrides of what the capture says (zero: from the capture). */
struct rp_capture_opts {
	uint16_t ethertype; /* 0: FRAME_ETHERTYPE_DEFAULT */
	uint8_t host_mac[6], board_mac[6];
	int have_host_mac, have_board_mac;
};

/**
 * Read path (pcap or pcapng) into c. Only Ethernet frames of the EtherType
 * between the host and the board are kept. The host is the source of the
 * first CONNECT (both MACs can be overridden). On error returns -enum rp_err
 * and err (256 bytes) says why; c is then empty. Free with rp_capture_free.
 */
int rp_capture_load(struct rp_capture *c, const char *path, const struct rp_capture_opts *o,
		    char *err);
/** The same from an open stdio stream (taken over and closed): for tests and fuzzing. */
int rp_capture_load_fp(struct rp_capture *c, void *fp, const struct rp_capture_opts *o, char *err);
void rp_capture_free(struct rp_capture *c);

/* ---- compare ---- */

/** 1 if TLVs of this type are not compared (identity, board state, human
 *  text, nonces and proofs). */
int rp_tlv_skipped(int type);
/** Short lower-case name of a TLV type ("caps", "notice", "t99" unknown). */
const char *rp_tlv_name(int type, char *tmp, size_t cap);

struct rp_diff {
	char field[64];	  /* the first field that differs: "code", "sequence", "tlv notice", ... */
	uint64_t skipped; /* bit t set: TLV type t (< 64) was present and skipped */
};

/**
 * Compare the frame got with the recorded frame want (both whole Ethernet
 * frames). session is the live session id got must carry; caps_mask the
 * capabilities compared in T_CAPS. Returns 0 when they agree, 1 when they
 * differ (d->field says where). d->skipped collects skipped TLV types.
 */
int rp_compare(const uint8_t *want, size_t wlen, const uint8_t *got, size_t glen,
	       uint16_t ethertype, uint32_t session, uint32_t caps_mask, struct rp_diff *d);

/** One line: code name, sequence, flags, each TLV named with its value (data
 *  frames: length and CRC32 of the bytes). Returns out. */
const char *rp_describe(const uint8_t *buf, size_t len, uint16_t ethertype, char *out, size_t cap);

/* ---- engine ---- */

enum rp_speed {
	RP_FAST = 0,	 /* send as soon as the awaited answers came */
	RP_RECORDED = 1, /* and not before the recorded gap since the previous frame */
};

struct rp_config {
	struct nic *nic;  /* where to play (owned by the caller) */
	uint8_t peer[6];  /* the live board */
	uint32_t session; /* the live session id (non-zero) */
	enum rp_speed speed;
	uint64_t answer_us; /* how long to wait for each awaited answer; 0 = 3 s */
	uint64_t linger_us; /* after the last frame, listen for extra answers; 0 = 300 ms */
	/* Play the board's frames against a live host instead: wait (without a
	 * bound) for the host's CONNECT, take peer and session from it, then
	 * answer with the recorded board frames and compare the host's. */
	int board_side;
};

enum rp_state {
	RP_RUNNING = 0,
	RP_MATCH,    /* every answer as recorded */
	RP_DIVERGED, /* the first difference is in the result */
	RP_SILENT,   /* answers were awaited and the board never sent one */
	RP_IOERR,    /* the nic failed */
};

struct rp_result {
	enum rp_state state;
	size_t sent;	  /* host frames sent */
	size_t compared;  /* board frames compared and found equal */
	size_t repeats;	  /* repeats of matched frames, and status frames, not compared */
	uint64_t skipped; /* bit t: TLV type t skipped at least once */
	/* on divergence */
	uint32_t frame; /* number in the capture of the expected frame (0: none) */
	char field[64];
	char expected[512], got[512];
	int nic_err; /* RP_IOERR */
};

struct rp_await; /* private */

struct rp_engine {
	const struct rp_capture *c;
	struct rp_config cfg;
	size_t *host; /* indexes in c->v of the frames to send */
	size_t nhost;
	struct rp_await *aw; /* expected board frames, in capture order */
	size_t naw;
	size_t next;  /* next host frame to send */
	size_t first; /* first unmatched awaited frame */
	size_t ctl;   /* next expected control frame (index in aw) */
	uint64_t last_send, progress, end_at;
	int started, any_answer;
	uint32_t caps_mask; /* T_CAPS compared in these bits */
	uint8_t buf[FRAME_BUF_MAX];
	struct rp_result res;
};

/** Prepare e to play c (which must outlive e). Returns 0 or -RP_E_NOMEM. */
int rp_init(struct rp_engine *e, const struct rp_capture *c, const struct rp_config *cfg);
void rp_dispose(struct rp_engine *e);
/** Feed one frame received on the nic. */
void rp_input(struct rp_engine *e, const uint8_t *buf, size_t len, uint64_t now);
/** Send what is due, judge what timed out. Call at rp_next_deadline() or after input. */
void rp_poll(struct rp_engine *e, uint64_t now);
uint64_t rp_next_deadline(const struct rp_engine *e);
int rp_done(const struct rp_engine *e);
const struct rp_result *rp_result(const struct rp_engine *e);
/** "diverged", "match", ... */
const char *rp_state_name(enum rp_state s);

#endif
