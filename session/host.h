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

#include "auth.h"
#include "overlap.h"
#include "pkg.h"
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

/** What a session does after CONNECT. The last four need a board with
 *  CAP_DEVICE (PROTOCOL.md §7): without it they end in a local failure
 *  saying so, before any device command is sent. */
enum sess_job {
	SESS_DOWNLOAD = 1, /* a file or an update package (pkg_hdr), then read-back */
	SESS_READBACK = 2, /* the board's file of a type, into the sink */
	SESS_INFO = 3,	   /* INFO: identity, board time, every image held */
	SESS_ACTIVATE = 4, /* ACTIVATE the staged image of a type, now or at a time */
	SESS_ROLLBACK = 5, /* ROLLBACK: put the previous image of a type back */
	SESS_LOG = 6,	   /* LOG_QUERY from since until the board has no more */
};

/** When to activate: a package download (after the read-back proved it;
 *  SESS_ACT_NONE leaves it staged) or SESS_ACTIVATE (NOW, AT or IN). */
enum sess_activate {
	SESS_ACT_NONE = 0,
	SESS_ACT_NOW = 1,
	SESS_ACT_AT = 2, /* at act_at_us, the host's wall clock */
	SESS_ACT_IN = 3, /* act_in_us after ACTIVATE goes out */
};

/** One image the board holds (T_IMAGE). */
struct sess_image {
	int type;  /* enum proto_file_type */
	int role;  /* enum proto_role */
	int flags; /* PROTO_IMG_F_* */
	struct pkg_version version;
	uint64_t size;
	uint8_t sha256[32];
	uint64_t activate_at; /* µs since 1970 on the board's clock; 0 = none */
};

#define SESS_MAX_IMAGES 32

/** The answer to INFO. */
struct sess_info {
	char vendor[64], model[64], serial[64];
	uint32_t caps;
	int has_board_time;
	uint64_t board_time; /* µs since 1970, the board's clock, when it answered */
	uint64_t host_time;  /* µs since 1970, the host's clock, when the answer came */
	unsigned nimages;    /* in the order the board listed them */
	struct sess_image images[SESS_MAX_IMAGES];
	unsigned dropped; /* images beyond SESS_MAX_IMAGES, not kept */
};

/** How an activation (or a rollback) ended, from the last ACT_STATE. */
struct sess_activation {
	int asked;	      /* ACTIVATE (or ROLLBACK) was sent */
	int state;	      /* enum proto_act_state; ACT_NONE until answered */
	int type;	      /* enum proto_file_type */
	uint64_t act_at;      /* scheduled: µs since 1970 on the board's clock */
	uint64_t host_act_at; /* scheduled: the same moment on the host's clock */
	uint32_t health_ms;   /* how long the board said the health check may take */
	struct pkg_version from, to;
};

/** One event of the board's log (T_EVENT). */
struct sess_event {
	uint64_t seq;
	uint64_t time; /* µs since 1970, the board's clock */
	int event;     /* enum proto_event */
	int type;      /* enum proto_file_type, 0 if none */
	int notice, detail;
	uint8_t host[6]; /* the host the event came from (zero if none) */
	struct pkg_version from, to;
};

/** Called for each event of SESS_LOG, oldest first, each once. */
typedef void (*sess_event_fn)(void *ctx, const struct sess_event *ev);

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
	int role; /* SESS_READBACK: the image wanted (enum proto_role, T_ROLE); 0 = the board's
		   * choice (what this session downloaded, else the active one) */
	unsigned block;	     /* wanted data bytes per frame; 0 = as many as fit */
	unsigned window;     /* frames in flight; 0 = 1024 */
	int strict;	     /* offer no extensions: the exchange of the 15 codes only */
	int no_overlap;	     /* read back only after the download (no CAP_OVERLAP, §10) */
	uint64_t rate_bps;   /* pace data frames to this many bits/s; 0 = no pacing */
	uint32_t session_id; /* nonzero, chosen at random by the caller */
	sess_log_fn log;
	void *log_ctx;
	/* SESS_DOWNLOAD of an update package: its header (the first pkg_hdr_len
	 * bytes of the file), sent in FILE_INFO as T_PKG_HDR pieces; it must fit
	 * (sess_host_pkg_hdr_max). NULL for a plain file. The board must have
	 * CAP_DEVICE, else nothing is sent. */
	const uint8_t *pkg_hdr;
	size_t pkg_hdr_len;
	/* SESS_DOWNLOAD of a package (after the read-back), SESS_ACTIVATE */
	int activate;	    /* enum sess_activate */
	uint64_t act_at_us; /* SESS_ACT_AT: µs since 1970, host clock */
	uint64_t act_in_us; /* SESS_ACT_IN */
	/* The host's wall clock, µs since 1970, minus the clock of the times
	 * passed to the machine: the machine never reads a clock itself. */
	int64_t wall_offset_us;
	/* SESS_LOG: the first event wanted, and where each one goes */
	uint64_t since;
	sess_event_fn on_event;
	void *event_ctx;
	/* The shared key (lent). Set: the session must authenticate (§9): a
	 * board without CAP_AUTH is refused (CONNECT_FAILED, D_AUTH). NULL: a
	 * board with CAP_AUTH is refused the same way. */
	const struct sess_auth_key *auth;
};

/** States of the host, in the order they are passed. */
enum sess_host_state {
	H_IDLE,
	H_CONNECT,    /* CONNECT sent, waiting for CONNECT_ACK */
	H_AUTH,	      /* AUTH sent, waiting for AUTH_ACK (§9) */
	H_DOWNLOAD,   /* DOWNLOAD sent, waiting for DOWNLOAD_ACK */
	H_FILE_INFO,  /* FILE_INFO sent, waiting for FILE_INFO_ACK */
	H_DATA,	      /* sending FILE_DATA */
	H_WAIT_DONE,  /* all data sent, waiting for DOWNLOAD_DONE */
	H_READBACK,   /* READBACK sent, waiting for READBACK_ACK */
	H_RB_DATA,    /* receiving READBACK_DATA */
	H_OVL,	      /* read back as it came: waiting for OVL_DONE and the chunks missing (§10) */
	H_INFO,	      /* INFO sent, waiting for INFO_ACK */
	H_ACTIVATE,   /* ACTIVATE sent, waiting for ACT_STATE */
	H_ACT_QUERY,  /* the health check runs: ACT_QUERY every 100 ms */
	H_ROLLBACK,   /* ROLLBACK sent, waiting for ACT_STATE */
	H_LOG,	      /* LOG_QUERY sent, waiting for LOG_DATA */
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
	int device;	  /* CAP_DEVICE in use */
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
	struct host_ovl ovl; /* the read-back as it comes (host_ovl.c) */
	int disconnect_acked;
	uint64_t last_status_tx;
	/* the device extension */
	struct sess_info info;
	struct sess_activation act;
	uint64_t act_deadline; /* testing: no final answer by then is a TIMEOUT */
	uint64_t act_heard;    /* testing: the last ACT_STATE came then */
	uint64_t log_since;    /* the T_SINCE of the LOG_QUERY out */
	uint64_t log_next;     /* events below this were handed on */
	uint64_t log_events;
	/* the last command, resent while waiting for its reply */
	uint8_t cmd[FRAME_BUF_MAX];
	size_t cmd_len;
	/* statistics */
	uint64_t frames_rx, frames_bad;
	uint64_t t_data_start, t_rb_start;
	/* session authentication (host_auth.c) */
	struct sess_auth auth;
	struct sess_auth_ctx auth_ctx;
	uint8_t tx[FRAME_BUF_MAX];
};

/** Set up h (caller-owned) from cfg (copied; the pointers in it must live as
 *  long as h). Returns 0 or -errno: -EINVAL for a missing source or sink, an
 *  activation without a package or a job that needs one; -EMSGSIZE for a
 *  package header too big for FILE_INFO. */
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
	SESS_PH_DEVICE,	  /* a device command (INFO, ACTIVATE and its health check,
			   * ROLLBACK, LOG_QUERY) and its answers */
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
	uint64_t overrun;		/* frames the board said it dropped for lack of room */
	uint64_t overrun_bps;		/* the pace that brought on (0: none) */
	uint64_t bytes_sent;		/* bytes of data frames sent, each frame once */
	uint64_t bytes_rb;		/* bytes read back and stored */
	uint64_t frames_rx, frames_bad; /* frames of this session received; damaged ones */
	uint32_t resumed;		/* frames the board already held when data began */
	uint32_t board_has;		/* frames the board acknowledged (windowed download) */
	uint64_t rb_size;		/* read-back: size, CRC and frames the board announced */
	uint32_t rb_crc, rb_frames;
	int overlap;			   /* the read-back ran beside the download (§10) */
	uint64_t ovl_during, ovl_after;	   /* bytes it compared before / after DOWNLOAD_DONE */
	const struct sess_identity *board; /* from CONNECT_ACK (zero before) */
};
/** Fill st from h; any time after sess_host_init(). */
void sess_host_stats(const struct sess_host *h, struct sess_host_stats *st);

/** The answer to INFO (SESS_INFO; zero before it came). Owned by h. */
const struct sess_info *sess_host_info(const struct sess_host *h);
/** The activation asked for (a package download, SESS_ACTIVATE) or the
 *  rollback (SESS_ROLLBACK) and how it stands; asked = 0 if none was sent.
 *  Owned by h. */
const struct sess_activation *sess_host_activation(const struct sess_host *h);
/** SESS_LOG: how many events were handed to on_event. */
uint64_t sess_host_log_events(const struct sess_host *h);

/** Parse the identity and images of an INFO_ACK (or a DISCOVER_ACK, which
 *  carries the same TLVs) into in (zeroed first; host_time is left 0).
 *  0, or -EBADMSG with *why naming what is malformed. */
int sess_info_parse(const uint8_t *data, size_t len, struct sess_info *in, const char **why);

/** The largest package header a FILE_INFO of cfg can carry at the MTU of
 *  cfg->nic (with cfg->name beside it). A bigger one is refused by
 *  sess_host_init (-EMSGSIZE); check first to say so plainly. */
size_t sess_host_pkg_hdr_max(const struct sess_host_config *cfg);

/** Write a version as "1.2.0" (its count of parts), or "unknown"; returns
 *  out. cap >= 24 always suffices. */
char *sess_version_format(const struct pkg_version *v, char *out, size_t cap);

/** End the session now on the caller's behalf (an interrupt): tell the
 *  board DISCONNECT (a windowed board keeps what it has for resume), and
 *  make the result a local failure err (a negative errno, e.g. -EINTR) with
 *  text why. Does nothing once the session is done. */
void sess_host_abort(struct sess_host *h, int err, const char *why, uint64_t now);

#endif
