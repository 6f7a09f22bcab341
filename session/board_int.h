/* SPDX-License-Identifier: MIT */
/*
 * What board.c lends board_group.c (the group extension, PROTOCOL.md §8),
 * and the hooks board.c calls in it. Internal to the board machine.
 */
#ifndef ETHDL_BOARD_INT_H
#define ETHDL_BOARD_INT_H

#include "board.h"

/* ---- board.c, for board_group.c ---- */

/** Send a frame to the session's host, in the session. */
int board_send(struct sess_board *b, uint8_t code, uint32_t seq, const uint8_t *data, size_t len);
/** The kept reply to command f, or NULL. */
const struct board_reply *board_find_reply(struct sess_board *b, const struct frame *f);
/** Reply to command f and keep the reply (any_data: for any later command of
 *  f's code, whatever its data). */
void board_reply(struct sess_board *b, const struct frame *f, int any_data, uint8_t code,
		 uint32_t seq, const uint8_t *data, size_t len);
/** Send ERROR to dst in session and keep it for the frames of that session. */
void board_send_error(struct sess_board *b, const uint8_t dst[6], uint32_t session, int notice,
		      int detail, uint32_t expected, uint32_t got, const char *text);
/** ERROR to the session's host, then the session ends. */
void board_refuse(struct sess_board *b, int notice, int detail, uint32_t expected, uint32_t got,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/** End the session (a download not committed is dropped, or kept for
 *  resume when keep is set and the exchange allows it). */
void board_end_session(struct sess_board *b, const char *why, int keep);
/** The package header pieces of f checked against the board's policy, for
 *  slot b->type: 1 and *hdr (a package), 0 (a plain file), -1 (refused:
 *  ERROR sent, session over). */
int board_package_header(struct sess_board *b, const struct frame *f, struct pkg_header *hdr);
/** Commit the download (CRC of what the store holds, a package's digest):
 *  0 and *crc, or -1 (refused as a unicast download's end: ERROR sent,
 *  session over). */
int board_commit_download(struct sess_board *b, uint32_t *crc);
/** The board's identity, capabilities, clock and images (INFO_ACK's TLVs)
 *  into d (cap bytes); returns the length. */
size_t board_identity(struct sess_board *b, uint8_t *d, size_t cap);
/** The capability bits the board advertises. */
uint32_t board_caps(const struct sess_board *b);
/** The device extension's commands and questions (§7), as in a unicast
 *  session: INFO, LOG_QUERY, ACT_QUERY, ACTIVATE, ROLLBACK. */
void board_device_command(struct sess_board *b, const struct frame *f, uint64_t now);

/** A session with host begins (state B_READY; caps: the host's T_CAPS);
 *  its CONNECT_ACK is the caller's to send. */
void board_open_session(struct sess_board *b, uint32_t session, const uint8_t host[6],
			uint64_t caps, uint64_t now);
/** CONNECT_ACK's TLVs but the nonce and the slots: identity, caps (CAP_OVERLAP
 *  only if host_caps, the CONNECT's, has it), block, window. */
void board_connect_ack_tlvs(struct sess_board *b, struct tlv_writer *w, uint64_t host_caps);
/** INFO_ACK's TLVs without the clock and the images (what an
 *  authenticating board tells a stranger: discovery). */
size_t board_identity_only(struct sess_board *b, uint8_t *d, size_t cap);

/* ---- board_auth.c (§9), called by board.c ---- */

/** A CONNECT was taken: forget the last session's authentication, draw a
 *  fresh nonce and put T_NONCE in w. 0, or -1 when there is no randomness. */
int board_auth_connect(struct sess_board *b, struct tlv_writer *w);
/** A CONNECT of a new session from the host of an authenticated session:
 *  CONNECT_ACK with a nonce for it, kept pending; the running session goes
 *  on until the new one authenticates. */
void board_auth_pending_connect(struct sess_board *b, const struct frame *f, uint64_t now);
/** A frame of the pending session (before board.c's session filter): its
 *  AUTH, checked, takes over from the running session; anything else ends
 *  the pending one. 1 when handled. */
int board_auth_pending_input(struct sess_board *b, const struct frame *f, uint64_t now);
/** A frame of the session from its host (cfg.auth set): AUTH is handled
 *  here; before AUTH succeeded any other command is refused (D_AUTH);
 *  after, a control frame must pass its FMAC and counter. 1 when board.c
 *  is to dispatch f, 0 when it was handled or dropped. */
int board_auth_filter(struct sess_board *b, const struct frame *f, uint64_t now);
/** sess_encode, sealed when the frame belongs to the authenticated
 *  session (the last one, once it ended) and goes to its host. */
int board_auth_encode(struct sess_board *b, uint8_t *buf, size_t cap, const uint8_t dst[6],
		      uint32_t session, uint32_t seq, uint8_t code, uint8_t flags,
		      const uint8_t *data, size_t len);

/* ---- board_ovl.c (§10), called by board.c ---- */

/** FILE_INFO taken (the receiver open): read this download back as it
 *  comes if the session uses CAP_OVERLAP. 0 or -ENOMEM. */
int board_ovl_begin(struct sess_board *b, uint64_t size, unsigned block);
/** Frame seq of the download was stored for the first time. */
void board_ovl_stored(struct sess_board *b, uint32_t seq);
/** Frame f of the download came again: stored again, and the regions it
 *  touches read back again if they were. 0 or -errno of the store. */
int board_ovl_repeat(struct sess_board *b, const struct frame *f);
/** The download is committed as type in role with crc: the rest is read
 *  from the image, then OVL_DONE goes. */
void board_ovl_committed(struct sess_board *b, int type, int role, uint32_t crc);
/** OVL_WANT from the host. */
void board_ovl_want(struct sess_board *b, const struct frame *f, uint64_t now);
/** Send queued chunks (a batch) and OVL_DONE when owed. 0 or -errno of a read. */
int board_ovl_poll(struct sess_board *b, uint64_t now);
/** When board_ovl_poll must run next (SESS_NEVER: nothing to send). */
uint64_t board_ovl_deadline(const struct sess_board *b);
/** Forget the read-back (the session ended, or a new download). */
void board_ovl_end(struct sess_board *b);

/* ---- board_group.c, called by board.c ---- */

/** At init: seed the PRNG. */
void board_group_init(struct sess_board *b);
/** Frames of §8 before board.c's session filter (discovery, JOIN, frames of
 *  a group session the board is not in). 1 when handled. */
int board_group_input(struct sess_board *b, const struct frame *f, uint64_t now);
/** A frame of the group session (state B_GROUP, from its host). */
void board_group_dispatch(struct sess_board *b, const struct frame *f, uint64_t now);
/** Send due discovery answers; in B_GROUP, the idle timer. */
void board_group_poll(struct sess_board *b, uint64_t now);
/** When board_group_poll must next run (SESS_NEVER: not for the group). */
uint64_t board_group_deadline(const struct sess_board *b);
/** Bytes at the start of the group download that are all in the store (0
 *  when no group download is open), for the CRC checked as it comes. */
uint64_t board_group_prefix(struct sess_board *b);
/** The group session ends: leave the group address, free what it held. */
void board_group_end(struct sess_board *b);

#endif
