/* SPDX-License-Identifier: MIT */
/*
 * host — the host's state machine: connect, download, file info, data,
 * done, read-back, compare, disconnect; it names the first thing that goes
 * wrong (sess.h says how machines are driven).
 *
 * The caller owns struct sess_host (its fields are the machine's own: read
 * them only through the calls below) and the source, sink and nic it lends.
 * Order of calls: sess_host_init, sess_host_start, then input/poll/
 * next_deadline until sess_host_done, then sess_host_result and
 * sess_host_dispose. sess_host_abort may come at any time.
 */
#ifndef ETHDL_HOST_H
#define ETHDL_HOST_H

#include "sess.h"

/** Where the host reads the file it downloads. */
struct sess_source {
	/** Read exactly len bytes at off into buf; 0 or -errno. */
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	void *ctx;
};

/** Verdict of a read-back sink when the read-back is complete. */
struct sess_verdict {
	int differs;
	uint64_t first_diff, ndiff;
	int has_crc; /* crc is the CRC32 of what was received */
	uint32_t crc;
};

/** Where the host puts the bytes it reads back (compare, or save). */
struct sess_sink {
	/** Size of the read-back, announced before any write; 0 or -errno. */
	int (*begin)(void *ctx, uint64_t size);
	/** Bytes at off (each block exactly once, in any order); 0 or -errno. */
	int (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
	/** All bytes received: fill v; 0 or -errno. */
	int (*finish)(void *ctx, struct sess_verdict *v);
	void *ctx;
};

enum sess_job { SESS_DOWNLOAD = 1, SESS_READBACK = 2 };

struct sess_host_config {
	struct nic *nic;
	uint16_t ethertype; /* 0 = default */
	uint8_t board[6];
	uint64_t timeout_us; /* 0 = 3 s */
	int job;	     /* enum sess_job */
	int readback;	     /* SESS_DOWNLOAD: read back and compare afterwards */
	int type;	     /* enum proto_file_type */
	const char *name;    /* file name sent in FILE_INFO */
	uint64_t size;	     /* SESS_DOWNLOAD: file size and CRC32 */
	uint32_t crc;
	const struct sess_source *src;
	const struct sess_sink *sink;
	unsigned block;	     /* wanted data bytes per frame; 0 = as many as fit */
	unsigned window;     /* frames in flight; 0 = 1024 */
	int strict;	     /* offer no extensions: the exchange of the 15 codes only */
	uint64_t rate_bps;   /* pace data frames to this many bits/s; 0 = no pacing */
	uint32_t session_id; /* nonzero, chosen at random by the caller */
	sess_log_fn log;
	void *log_ctx;
};

/** States of the host, in the order they are passed. */
enum sess_host_state {
	H_IDLE,
	H_CONNECT,    /* CONNECT sent, waiting for CONNECT_ACK */
	H_DOWNLOAD,   /* DOWNLOAD sent, waiting for DOWNLOAD_ACK */
	H_FILE_INFO,  /* FILE_INFO sent, waiting for FILE_INFO_ACK */
	H_DATA,	      /* sending FILE_DATA */
	H_WAIT_DONE,  /* all data sent, waiting for DOWNLOAD_DONE */
	H_READBACK,   /* READBACK sent, waiting for READBACK_ACK */
	H_RB_DATA,    /* receiving READBACK_DATA */
	H_DISCONNECT, /* DISCONNECT sent, waiting for DISCONNECT_ACK */
	H_END,	      /* finished: result is final */
};

struct sess_identity {
	char vendor[64], model[64], serial[64];
	uint32_t caps;
	unsigned window, block;
	unsigned nslots;
	struct {
		int type;
		uint64_t size;
		uint32_t crc;
	} slots[8];
};

struct sess_host {
	struct sess_host_config cfg;
	enum sess_host_state state;
	struct sess_result result;
	struct sess_identity board;
	int windowed;	  /* CAP_WINDOW in use */
	unsigned block;	  /* negotiated */
	uint32_t resumed; /* frames the board already held (resume) */
	uint32_t frames;  /* data frames of the file */
	uint64_t rb_size; /* read-back size announced by the board */
	uint32_t rb_crc;
	uint32_t rb_frames;
	/* timers */
	uint64_t last_progress; /* the exchange last moved on: the 3-s timer runs from here */
	uint64_t last_cmd_tx;
	unsigned cmd_retx;
	uint64_t rtt_us;	/* CONNECT to CONNECT_ACK, when CONNECT went once */
	unsigned crc_errors;	/* frames with a bad CRC since the last good one */
	uint32_t seen_codes[8]; /* bitmask of reply codes already handled */
	/* the data: the download going out, the read-back coming in */
	struct xsend tx_data;
	int tx_open;
	struct xrecv rx_data;
	int disconnect_acked;
	uint64_t last_status_tx;
	/* the last command, resent while waiting for its reply */
	uint8_t cmd[FRAME_MIN_LEN + 600];
	size_t cmd_len;
	/* statistics */
	uint64_t frames_rx, frames_bad;
	uint64_t t_data_start, t_rb_start;
	uint8_t tx[FRAME_BUF_MAX];
};

/** Set up h (caller-owned) from cfg (copied; the pointers in it must live as
 *  long as h). Returns 0 or -errno. */
int sess_host_init(struct sess_host *h, const struct sess_host_config *cfg);
void sess_host_dispose(struct sess_host *h);
/** Send CONNECT and start the timers. */
void sess_host_start(struct sess_host *h, uint64_t now);
/** Handle one received frame (raw bytes as the nic gave them). */
void sess_host_input(struct sess_host *h, const uint8_t *buf, size_t len, uint64_t now);
/** Send what is due and fire timers. */
void sess_host_poll(struct sess_host *h, uint64_t now);
/** When poll must next be called (now or earlier means at once). */
uint64_t sess_host_next_deadline(const struct sess_host *h);
/** 1 when the session is over and its result final. */
static inline int sess_host_done(const struct sess_host *h)
{
	return h->state == H_END;
}
/** The verdict: final once sess_host_done(); before that, what is known so
 *  far (zero while nothing went wrong). Owned by h. */
const struct sess_result *sess_host_result(const struct sess_host *h);

enum sess_phase {
	SESS_PH_CONNECT,  /* connecting, or commands before the data */
	SESS_PH_DOWNLOAD, /* FILE_DATA going out, or waiting for DOWNLOAD_DONE */
	SESS_PH_READBACK, /* READBACK sent, READBACK_DATA coming in */
	SESS_PH_CLOSING,  /* DISCONNECT sent */
	SESS_PH_DONE,
};

/** What a host session has done so far, for progress lines and reports. */
struct sess_host_stats {
	int phase;	      /* enum sess_phase */
	uint64_t phase_start; /* when the phase began (the caller's clock) */
	uint64_t total, done; /* bytes of the phase's file, and how many moved */
	int windowed;	      /* the windowed exchange was negotiated */
	unsigned block;	      /* data bytes per frame */
	uint32_t frames;      /* data frames of the downloaded file */
	uint64_t data_frames_sent;
	uint64_t bytes_sent;		/* bytes of data frames sent, each frame once */
	uint64_t bytes_rb;		/* bytes read back and stored */
	uint64_t frames_rx, frames_bad; /* frames of this session received; damaged ones */
	uint32_t resumed;		/* frames the board already held when data began */
	uint32_t board_has;		/* frames the board acknowledged (windowed download) */
	uint64_t rb_size;		/* read-back: size, CRC and frames the board announced */
	uint32_t rb_crc, rb_frames;
	const struct sess_identity *board; /* from CONNECT_ACK (zero before) */
};
/** Fill st from h; any time after sess_host_init(). */
void sess_host_stats(const struct sess_host *h, struct sess_host_stats *st);

/** End the session now on the caller's behalf (an interrupt): tell the
 *  board DISCONNECT (a windowed board keeps what it has for resume), and
 *  make the result a local failure err (a negative errno, e.g. -EINTR) with
 *  text why. Does nothing once the session is done. */
void sess_host_abort(struct sess_host *h, int err, const char *why, uint64_t now);

#endif
