/* SPDX-License-Identifier: MIT */
/* diagnose: why a board did not answer, told apart from what the host can
 * see: the interface (missing, down, no carrier, no permission), the MAC
 * asked for (this host's own, a group address), and what arrived on the
 * interface while connecting (nothing at all, nothing from the board, the
 * board on another EtherType or protocol version, damaged frames, the board
 * busy with another host). Each cause is a stable code with one line saying
 * what was seen and one hint; the counting and the classifier are pure
 * functions, the watch (diag_watch.c) a second libpcap handle kept outside
 * the session. */
#ifndef ETHDL_CMD_DIAGNOSE_H
#define ETHDL_CMD_DIAGNOSE_H

#include <stddef.h>
#include <stdint.h>

#include "sess.h"

/** One diagnosis: code NULL when there is none. */
struct diag {
	const char *code; /* "no_interface", "silent_link", … (docs/ethdl.1) */
	char text[256];	  /* what was seen, one line */
	char hint[512];	  /* what to do, one line */
};

/** Frames that reached the interface while connecting, by category. */
struct diag_counts {
	uint64_t rx;		  /* every frame not sent by this host */
	uint64_t board;		  /* of those, from the board's MAC */
	uint64_t board_etype;	  /* from the board, of another EtherType */
	uint16_t etype_seen;	  /* the last such EtherType */
	uint64_t board_version;	  /* our EtherType and start flag, another version */
	unsigned version_seen;	  /* the last such version */
	uint64_t board_foreign;	  /* our EtherType, but not this protocol at all */
	uint64_t board_invalid;	  /* this protocol, but failed its check (CRC, header) */
	uint64_t board_other_dst; /* valid, addressed to another unicast MAC */
	uint8_t other_dst[6];	  /* the last such destination */
	uint64_t board_valid;	  /* valid, to this host or a group */
};

/** Count the frame buf (len bytes, from the Ethernet header on) into c:
 *  board is the MAC asked for, self this host's, ethertype ours. Frames
 *  from self are not counted. */
void diag_count_frame(struct diag_counts *c, const uint8_t *buf, size_t len, const uint8_t board[6],
		      const uint8_t self[6], uint16_t ethertype);

/**
 * Why a connect (or the frames of a session that broke off before data)
 * failed, from the counts of the watch (NULL if there was no watch), the
 * session's result and wait_s, the time waited. Returns 1 and fills d when
 * a cause is told, else 0 (d->code NULL).
 */
int diag_classify(const struct diag_counts *c, const struct sess_result *res, const char *ifname,
		  const uint8_t board[6], uint16_t ethertype, double wait_s, struct diag *d);

/** The cause of a nic that did not open (err: -enum nic_err), reading
 *  /sys/class/net/IF for the interface's state. 1 if told, else 0. */
int diag_open_failure(int err, const char *ifname, struct diag *d);

/** A MAC the host must refuse before sending: this host's own (self) or a
 *  group address. 1 and d filled, else 0. */
int diag_bad_target(const uint8_t mac[6], const uint8_t self[6], const char *ifname,
		    struct diag *d);

/** The diagnosis of the command that runs (for its report); the last one
 *  set wins; diag_current() is NULL when none was set. */
void diag_set(const struct diag *d);
const struct diag *diag_current(void);
void diag_clear(void);

/* ---- diag_watch.c: a second handle on the interface ---- */
struct diag_watch;
/** Open a non-blocking watch of what reaches ifname from anyone but self;
 *  NULL when it cannot (no diagnosis then, the session goes on). */
struct diag_watch *diag_watch_open(const char *ifname, const uint8_t board[6],
				   const uint8_t self[6], uint16_t ethertype);
/** Count whatever waits; the counts so far. */
const struct diag_counts *diag_watch_drain(struct diag_watch *w);
void diag_watch_close(struct diag_watch *w);

#endif
