/* SPDX-License-Identifier: MIT */
/*
 * board — the board's state machine: the reference for what firmware must
 * do (sess.h says how machines are driven). It runs the exchange only; what
 * survives a session (slots, a download kept for resume, statistics) is the
 * device's (device.h). It needs frame/, the nic interface and a store.
 */
#ifndef ETHDL_BOARD_H
#define ETHDL_BOARD_H

#include "auth.h"
#include "board_group.h"
#include "device.h"
#include "overlap.h"
#include "sess.h"

struct sess_board_config {
	struct nic *nic;		     /* lent for the machine's life */
	uint16_t ethertype;		     /* 0 = FRAME_ETHERTYPE_DEFAULT */
	uint64_t timeout_us;		     /* 0 = 3 s */
	const char *vendor, *model, *serial; /* identity in CONNECT_ACK; NULL = "" */
	const struct devstore *store;	     /* lent for the machine's life */
	int allow_downgrade;		     /* accept a package that is not newer */
	const struct dev_crypto *crypto;     /* signed, encrypted packages; NULL = none (lent) */
	unsigned window;		     /* frames the board takes ahead; 0 = 1024 */
	unsigned max_block;		     /* 0 = as the MTU allows */
	uint64_t max_file;		     /* 0 = 4 GiB */
	int strict;			     /* advertise no extensions */
	int no_group;			     /* take no part in group downloads: no CAP_GROUP (§8) */
	int no_overlap;			     /* read back only when asked: no CAP_OVERLAP (§10) */
	uint64_t seed;			     /* the board's PRNG (discovery delays); 0 = a fixed default */
	const struct sess_auth_key *auth;    /* lent; non-NULL: sessions must authenticate (§9) */
	sess_log_fn log;
	void *log_ctx;
};

/** States of the board, in the order a session passes them. */
enum sess_board_state {
	B_IDLE,	   /* no session */
	B_READY,   /* connected: DOWNLOAD, READBACK or DISCONNECT may come */
	B_DL_INFO, /* DOWNLOAD acknowledged, FILE_INFO may come */
	B_DL_DATA, /* receiving FILE_DATA */
	B_RB_DATA, /* sending READBACK_DATA */
	B_GROUP,   /* in a group download (PROTOCOL.md §8) */
};

/* A reply of this session, sent again when its command comes again (a lost
 * reply, a late or duplicated command). */
struct board_reply {
	uint8_t cmd;	   /* 0 = free */
	uint8_t any_data;  /* matches the command whatever its data */
	uint32_t data_crc; /* CRC32 of the command's data */
	size_t len;
	uint8_t buf[FRAME_MIN_LEN + 600];
};

struct sess_board {
	struct sess_board_config cfg;
	struct board_device dev; /* what survives a session */
	struct xrecv rx;	 /* the download's frames (kept with a kept download) */
	uint64_t rx_dropped0;	 /* the nic's overrun count when its data began */
	/* the session */
	enum sess_board_state state;
	uint32_t session;
	uint8_t host[6];
	int windowed;
	int resumable;		/* CAP_RESUME in use */
	int overlap;		/* CAP_OVERLAP in use */
	struct board_ovl ovl;	/* the download read back as it comes (board_ovl.c) */
	uint64_t last_progress; /* the exchange last moved on: the 3-s timer runs from here */
	uint64_t dev_wake;	/* the device wants dev_poll then (machine clock) */
	uint64_t frames_rx;
	int type;		   /* of the download */
	uint8_t dl_role[FT_COUNT]; /* this session downloaded type t: 1 active, 2 staged */
	uint8_t pkg_hdr[1500];	   /* the package header of FILE_INFO */
	size_t pkg_hdr_len;
	uint64_t last_checkpoint; /* the download was last made resumable across a restart */
	/* read-back, with its own slot and block size (a kept download stays) */
	struct xsend tx_data;
	int rb_type;
	int rb_role;
	uint64_t rb_size;
	uint32_t rb_crc;
	struct board_reply replies[6];
	/* the last ERROR sent, sent again to frames of the session it ended */
	uint32_t err_session;
	uint8_t err_host[6];
	uint8_t err[FRAME_MIN_LEN + 200 + SESS_AUTH_TRAILER];
	size_t err_len;
	/* the session that ended last: a late CONNECT of it is not a new one */
	uint32_t ended_session;
	uint8_t ended_host[6];
	struct board_group grp; /* discovery and the group download (board_group.c) */
	/* session authentication (board_auth.c): kept after the session ends,
	 * so that a late DISCONNECT of it is answered sealed */
	struct sess_auth auth;
	struct sess_auth_ctx auth_ctx;
	/* a new session of the host of an authenticated session, waiting for
	 * its AUTH before it may take over (board_auth.c) */
	struct {
		int on;
		uint32_t session;
		uint8_t host[6];
		uint64_t caps, since;
		struct sess_auth_ctx ctx;
		uint8_t ack[FRAME_MIN_LEN + 600];
		size_t ack_len;
	} auth_pending;
	uint8_t tx[FRAME_BUF_MAX];
};

/** Set up b (caller-owned) from cfg (copied; the nic and store must live as
 *  long as b) and open its device (dev_open: a record is loaded, an image
 *  left under test is rolled back). Returns 0, -EINVAL, or -errno of the
 *  device (the board must not serve then). The board then waits for a
 *  CONNECT. */
int sess_board_init(struct sess_board *b, const struct sess_board_config *cfg);
/** End any session (a download is dropped) and free what b holds. */
void sess_board_dispose(struct sess_board *b);
/** Handle one received frame (raw bytes as the nic gave them). */
void sess_board_input(struct sess_board *b, const uint8_t *buf, size_t len, uint64_t now);
/** Send what is due and fire timers. */
void sess_board_poll(struct sess_board *b, uint64_t now);
/** When poll must next be called (even idle, the device may have a
 *  scheduled activation or a health check under way). */
uint64_t sess_board_next_deadline(const struct sess_board *b);
/** Sessions the board has accepted since init. */
uint64_t sess_board_sessions(const struct sess_board *b);
/** 1 while no session is open. */
int sess_board_idle(const struct sess_board *b);
/** The device under the machine (slots, kept download, statistics). */
const struct board_device *sess_board_device(const struct sess_board *b);

#endif
