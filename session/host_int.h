/* SPDX-License-Identifier: MIT */
/* What host.c (the exchange of §4) and host_device.c (the device commands
 * of §7) share inside the host machine. Not for use outside session/. */
#ifndef ETHDL_HOST_INT_H
#define ETHDL_HOST_INT_H

#include "common.h"
#include "host.h"

#define hlog(h, ...) sess_logf((h)->cfg.log, (h)->cfg.log_ctx, __VA_ARGS__)

/* ACT_QUERY goes this often while the health check runs. */
#define HOST_ACT_QUERY_US 100000u

/** Keep a command to resend until its reply comes, send it (unless later:
 *  then it first goes when the resend timer fires), enter next. */
void host_keep_cmd(struct sess_host *h, uint8_t code, const uint8_t *data, size_t len,
		   enum sess_host_state next, int later, uint64_t now);
/** host_keep_cmd, sent now. */
void host_send_cmd(struct sess_host *h, uint8_t code, const uint8_t *data, size_t len,
		   enum sess_host_state next, uint64_t now);
/** Record the first failure, tell the board (unless it told us), end. */
void host_fail(struct sess_host *h, uint64_t now, int notice, int detail, uint32_t expected,
	       uint32_t got, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/** The wall clock (µs since 1970) at now. */
uint64_t host_wall(const struct sess_host *h, uint64_t now);

/** CONNECT_ACK handled and, if it was asked for, AUTH_ACK: start the job. */
void host_connected(struct sess_host *h, uint64_t now);

/** Send a frame of the session now (sealed once authenticated). */
int host_send_frame(struct sess_host *h, uint8_t code, const uint8_t *data, size_t len);
/** READBACK of the downloaded type: the read-back after the download. */
void host_send_readback(struct sess_host *h, uint64_t now);
/** The stored size and CRC the board reports against the file sent: 0, or
 *  -1 after failing the session (READBACK_MISMATCH or FILE_CRC). */
int host_check_stored(struct sess_host *h, uint64_t size, uint32_t crc, uint64_t now);

/* ---- host_ovl.c (§10) ---- */

/** 1 when the host offers CAP_OVERLAP (a download read back, not strict). */
int host_ovl_offer(const struct sess_host *h);
/** The data begins: read back as it comes if both sides have CAP_OVERLAP
 *  and the block allows. 0 or -ENOMEM. */
int host_ovl_start(struct sess_host *h, uint64_t now);
/** OVL_DATA: compare the chunk with the file. */
void host_ovl_data(struct sess_host *h, const struct frame *f, uint64_t now);
/** During the download: ask for chunks lost on the way. */
void host_ovl_poll(struct sess_host *h, uint64_t now);
uint64_t host_ovl_deadline(const struct sess_host *h);
/** DOWNLOAD_DONE checked: wait for OVL_DONE (state H_OVL). */
void host_ovl_download_done(struct sess_host *h, uint64_t now);
/** OVL_DONE in H_OVL: ask for what is missing, or give the verdict. */
void host_ovl_done(struct sess_host *h, const struct frame *f, uint64_t now);
void host_ovl_dispose(struct sess_host *h);
/** Bytes the read-back as it comes holds for this session. */
size_t host_ovl_memory(const struct sess_host *h);

/* ---- host_auth.c (§9) ---- */

/** CONNECT_ACK came: 1 when authentication takes over (AUTH sent, or the
 *  session failed: a key and a board without CAP_AUTH, or the reverse),
 *  0 when neither side asks for it. */
int host_auth_connect_ack(struct sess_host *h, const struct frame *f, uint64_t now);
/** AUTH_ACK in H_AUTH: check the board's proof, derive the session key,
 *  start the job. */
void host_auth_ack(struct sess_host *h, const struct frame *f, uint64_t now);
/** A frame of the session: 1 to handle it, 0 to drop it (an authenticated
 *  session's control frame without a valid FMAC, or an old one). */
int host_auth_filter(struct sess_host *h, const struct frame *f);
/** sess_encode, sealed once the session is authenticated. */
int host_auth_encode(struct sess_host *h, uint8_t *buf, size_t cap, uint32_t seq, uint8_t code,
		     uint8_t flags, const uint8_t *data, size_t len);

/* ---- host_device.c ---- */

/** The connection is up: for a device job, 1 after sending its command (or
 *  failing because the board lacks CAP_DEVICE); 0 for the other jobs. A
 *  package download to a board without CAP_DEVICE fails here too. */
int host_dev_connected(struct sess_host *h, uint64_t now);
/** Append the package header to FILE_INFO as T_PKG_HDR pieces. */
void host_dev_pkg_tlvs(const struct sess_host *h, struct tlv_writer *w);
/** The download is proven: ACTIVATE if asked, else DISCONNECT. */
void host_dev_proven(struct sess_host *h, uint64_t now);
/** INFO_ACK, ACT_STATE or LOG_DATA in a state that awaits it. */
void host_dev_input(struct sess_host *h, const struct frame *f, uint64_t now);
/** Timers of the health check: 1 if the state is H_ACT_QUERY (handled). */
int host_dev_poll(struct sess_host *h, uint64_t now);
/** When host_dev_poll must next run in H_ACT_QUERY. */
uint64_t host_dev_deadline(const struct sess_host *h);

#endif
