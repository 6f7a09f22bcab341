/* SPDX-License-Identifier: MIT */
/*
 * xfer — the transfer engine: one sender and one receiver of a file's data
 * frames, used by every exchange. The host's download and the board's
 * read-back send with xsend; the board's download and the host's read-back
 * receive with xrecv. Both know the two ways of moving data:
 *
 *   strict    frames 1..n in order, none skipped, none sent twice (the paper's
 *             exchange: a gap is a WRONG_COMMAND at the receiver);
 *   windowed  up to a window of frames in flight, block status reports from
 *             the receiver, and only what is missing sent again (window.h).
 *
 * Nothing outside reads their fields: the machines ask through the calls
 * below. They own no clock (times are passed in, microseconds) and do no
 * I/O beyond the nic and the read/write callbacks they are given.
 */
#ifndef ETHDL_XFER_H
#define ETHDL_XFER_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "nic.h"
#include "pace.h"
#include "window.h"

#define XFER_NEVER UINT64_MAX
/* Most data frames in one file (2 MiB of bitmap): 24 GiB at 1479 bytes. */
#define XFER_MAX_FRAMES (1u << 24)

/** Frames of size bytes in blocks of block: 0 and *frames, or -1 when block
 *  is 0 or there would be more than XFER_MAX_FRAMES. */
static inline int xfer_frames(uint64_t size, unsigned block, uint32_t *frames)
{
	uint64_t n = block ? (size + block - 1) / block : 0;

	if (!block || n > XFER_MAX_FRAMES)
		return -1;
	*frames = (uint32_t)n;
	return 0;
}

/* ---- sender ---- */

struct xsend_config {
	struct nic *nic;
	uint16_t ethertype; /* 0 = FRAME_ETHERTYPE_DEFAULT */
	uint8_t dst[6];
	uint32_t session;
	uint8_t data_code;  /* FC_FILE_DATA or FC_READBACK_DATA */
	uint8_t probe_code; /* windowed: FC_STATUS_QUERY or FC_RB_STATUS_QUERY */
	uint64_t size;	    /* bytes of the file */
	unsigned block;	    /* data bytes per frame, >= 1 */
	int windowed;
	uint32_t window;   /* windowed: frames beyond the acknowledged ones */
	uint64_t rate_bps; /* pace data frames to this many bits/s; 0 = no pacing */
	/** Read exactly len bytes of the file at off; 0 or -errno. */
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	void *ctx;
	/** The frame buffer (FRAME_BUF_MAX bytes), lent for the sender's life. */
	uint8_t *tx;
};

struct xsend {
	struct xsend_config cfg;
	uint32_t frames;
	struct sendwin sw;	/* windowed */
	uint32_t strict_next;	/* strict: the next frame to send */
	struct pace pace;	/* pacing at cfg.rate_bps (pace.h) */
	uint64_t blocked_until; /* the nic refused a frame: wait a little */
	uint64_t frames_sent, bytes_new;
	int err; /* -errno of a failed read; the sender stops */
	/* overrun (windowed): the receiver's reports say how many frames it
	 * dropped for lack of room (T_OVERRUN); when that grows the sender
	 * paces, at what got through, and slower on each further growth
	 * that comes a round trip after the last slow-down */
	uint64_t start_us;
	uint64_t overrun;	 /* the receiver's count, as last reported */
	uint64_t overrun_cut_us; /* when the rate was last lowered for it */
	unsigned overrun_cuts;	 /* how many times */
};

/** Set up s from cfg (copied) at time now. 0, or -ENOMEM, -EINVAL (no
 *  block, more than XFER_MAX_FRAMES frames). Dispose even on failure. */
int xsend_init(struct xsend *s, const struct xsend_config *cfg, uint64_t now);
void xsend_dispose(struct xsend *s);
/** Send what is due now: up to a batch of data frames (new ones, or repairs
 *  first) and, windowed, a probe when one is due. Returns 1 if a frame never
 *  sent before went out (the exchange progressed), 0 if not, or -errno when
 *  reading the file failed (then the sender is stuck: end the session). */
int xsend_poll(struct xsend *s, uint64_t now);
/** Apply the receiver's block status report (windowed) that answers probe
 *  id (0 = unsolicited). Returns how many frames it newly acknowledged, or
 *  -1 if it is malformed (a WRONG_COMMAND). */
int xsend_report(struct xsend *s, uint32_t id, const uint8_t *data, size_t len, uint64_t now);
/** Apply a report that came before any data (a receiver that kept part of
 *  the file from an earlier session). Same returns as xsend_report. */
int xsend_resume(struct xsend *s, const uint8_t *data, size_t len, uint64_t now);
/** 1 when the receiver has it all: windowed, every frame acknowledged;
 *  strict, every frame sent. */
int xsend_done(const struct xsend *s);
/** When xsend_poll must next run if nothing arrives; XFER_NEVER when done
 *  (windowed: waiting for a report; strict: all sent). */
uint64_t xsend_deadline(const struct xsend *s);
/** Frames the receiver acknowledged (windowed), or sent (strict). */
uint32_t xsend_acked(const struct xsend *s);
/** Frames of the file. */
static inline uint32_t xsend_frames(const struct xsend *s)
{
	return s->frames;
}

/* ---- receiver ---- */

struct xrecv_config {
	uint64_t size;
	unsigned block;
	int windowed;
	/** Store len bytes of the file at off (each frame exactly once, in any
	 *  order when windowed); 0 or -errno. */
	int (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
	void *ctx;
};

struct xrecv {
	struct xrecv_config cfg;
	uint32_t frames;
	struct recvwin rw;
	uint32_t expect; /* strict: the next sequence */
	uint64_t bytes;	 /* bytes stored */
};

/** Why a data frame was refused: one of the six notices (or NOTICE_NONE
 *  with err for a local failure), a detail, and words. */
struct xfer_fault {
	int notice;
	int detail; /* enum proto_detail */
	uint32_t expected, got;
	int err; /* -errno of a failed write, else 0 */
	char text[128];
};

/** Set up r (0, -ENOMEM, -EINVAL as xsend_init). Dispose even on failure. */
int xrecv_init(struct xrecv *r, const struct xrecv_config *cfg);
void xrecv_dispose(struct xrecv *r);
/** Take one data frame (already of this session and data code). Returns 1
 *  if it was new and is stored, 0 for a repeat, or -1 with *why filled: a
 *  sequence outside 1..n or a wrong length (WRONG_COMMAND), a strict gap
 *  (WRONG_COMMAND, D_SEQUENCE), a failed write (err). */
int xrecv_data(struct xrecv *r, const struct frame *f, struct xfer_fault *why);
/** Append the block status TLVs (windowed report). */
void xrecv_report(const struct xrecv *r, struct tlv_writer *w);
int xrecv_complete(const struct xrecv *r);
/** Distinct frames received. */
uint32_t xrecv_have(const struct xrecv *r);
/** Bytes at the start of the file that have all been received and stored. */
static inline uint64_t xrecv_prefix(const struct xrecv *r)
{
	uint64_t b = (uint64_t)r->rw.cum * r->cfg.block;

	return b < r->cfg.size ? b : r->cfg.size;
}
/** The map of received frames (bit s-1 for frame s), and how many bits. */
const uint8_t *xrecv_map(const struct xrecv *r, uint32_t *nbits);
/** Mark the frames of map (nbits, as xrecv_map gives) as received and
 *  stored: a download resumed from a checkpoint. 0, or -EINVAL when the
 *  map is not of this file's frames. */
int xrecv_restore(struct xrecv *r, const uint8_t *map, uint32_t nbits);
static inline uint32_t xrecv_frames(const struct xrecv *r)
{
	return r->frames;
}
static inline uint64_t xrecv_bytes(const struct xrecv *r)
{
	return r->bytes;
}

#endif
