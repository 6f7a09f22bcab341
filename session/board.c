/* SPDX-License-Identifier: MIT */
/*
 * The board: the reference for what firmware must do. It answers one host
 * at a time, stores a download only once the file CRC of what it stored has
 * been checked, and never lets a failed or partial download touch the file
 * it already holds (device.c keeps that promise; this file runs the
 * exchange).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "board_int.h"
#include "common.h"

#define NREPLIES (sizeof(((struct sess_board *)0)->replies) / sizeof(struct board_reply))

#define blog(b, ...) sess_logf((b)->cfg.log, (b)->cfg.log_ctx, __VA_ARGS__)

static int send_frame(struct sess_board *b, uint8_t code, uint32_t seq, uint8_t flags,
		      const uint8_t *data, size_t len)
{
	int n = board_auth_encode(b, b->tx, sizeof(b->tx), b->host, b->session, seq, code, flags,
				  data, len);

	if (n < 0)
		return n;
	if (nic_send(b->cfg.nic, b->tx, (size_t)n) < 0)
		return -FRAME_E_NOSPACE - 100;
	return n;
}

static struct board_reply *find_reply(struct sess_board *b, const struct frame *f)
{
	uint32_t crc = frame_crc32(0, f->data, f->len);

	for (size_t i = 0; i < NREPLIES; i++) {
		struct board_reply *r = &b->replies[i];

		if (r->cmd == f->code && r->len && (r->any_data || r->data_crc == crc))
			return r;
	}
	return NULL;
}

/* Send the reply to command f (code, seq, data) and keep it, whatever the
 * nic says, for when f comes again: a refused or lost reply is sent again
 * then. With any_data, a command of f's code matches whatever its data. */
static void reply_to(struct sess_board *b, const struct frame *f, int any_data, uint8_t code,
		     uint32_t seq, const uint8_t *data, size_t len)
{
	struct board_reply *r = NULL;
	int n;

	for (size_t i = 0; i < NREPLIES && !r; i++)
		if (b->replies[i].cmd == f->code || !b->replies[i].cmd)
			r = &b->replies[i];
	if (!r)
		r = &b->replies[0];
	n = board_auth_encode(b, r->buf, sizeof(r->buf), b->host, b->session, seq, code, 0, data,
			      len);
	r->cmd = f->code;
	r->any_data = (uint8_t)any_data;
	r->data_crc = frame_crc32(0, f->data, f->len);
	r->len = n > 0 ? (size_t)n : 0;
	if (r->len)
		nic_send(b->cfg.nic, r->buf, r->len);
}

static void reply(struct sess_board *b, const struct frame *f, uint8_t code, const uint8_t *data,
		  size_t len)
{
	reply_to(b, f, 0, code, 0, data, len);
}

/* A "done" reply: sent again to any later command of code cmd. */
static void reply_done(struct sess_board *b, uint8_t cmd, uint8_t code, uint32_t seq,
		       const uint8_t *data, size_t len)
{
	struct frame q = {.code = cmd};

	reply_to(b, &q, 1, code, seq, data, len);
}

/* Send ERROR and keep it: frames that come later in the session it ended
 * get it again, so a lost ERROR is still heard. */
static void send_error(struct sess_board *b, const uint8_t dst[6], uint32_t session, int notice,
		       int detail, uint32_t expected, uint32_t got, const char *text)
{
	uint8_t d[256];
	size_t l = sess_error_tlv(d, sizeof(d), notice, detail, expected, got, text);
	int n = board_auth_encode(b, b->err, sizeof(b->err), dst, session, 0, FC_ERROR, 0, d, l);

	b->err_len = n > 0 ? (size_t)n : 0;
	b->err_session = session;
	memcpy(b->err_host, dst, 6);
	if (b->err_len)
		nic_send(b->cfg.nic, b->err, b->err_len);
}

/* What came of a windowed download is kept resumable across a restart: at
 * most once a second, and when the session ends cut off. */
#define CHECKPOINT_US 1000000u

static void checkpoint(struct sess_board *b, uint64_t now)
{
	uint32_t bits;
	const uint8_t *map = xrecv_map(&b->rx, &bits);

	b->last_checkpoint = now;
	if (map && b->resumable && dev_download_checkpoint(&b->dev, map, bits) == -EIO)
		blog(b, "checkpoint of the download failed");
}

/* End the session. A windowed download cut off by silence, a reconnect or a
 * goodbye is kept aside (never in place of the slot's file) so that the same
 * file can resume where it stopped; anything that went wrong drops it. */
static void end_session_keep(struct sess_board *b, const char *why, int keep)
{
	if (b->state == B_IDLE)
		return;
	if (b->dev.dl == DEV_DL_OPEN) {
		/* a windowed download cut off with something received is kept */
		keep = keep && b->resumable && xrecv_have(&b->rx) && !xrecv_complete(&b->rx);
		if (keep) {
			blog(b, "keeping %u of %u frames of %s to resume", xrecv_have(&b->rx),
			     xrecv_frames(&b->rx), proto_type_name(b->dev.dl_type));
			checkpoint(b, b->last_progress);
		}
	}
	if (b->state == B_GROUP)
		board_group_end(b);
	/* (a download kept from an earlier session survives a session that
	 * ended quietly before its FILE_INFO) */
	dev_download_close(&b->dev, keep);
	if (b->dev.dl == DEV_DL_NONE) {
		xrecv_dispose(&b->rx);
		memset(&b->rx, 0, sizeof(b->rx));
	}
	xsend_dispose(&b->tx_data);
	memset(&b->tx_data, 0, sizeof(b->tx_data));
	board_ovl_end(b);
	if (b->cfg.auth && !b->auth.on)
		/* a session that never authenticated: the refusal is recorded */
		dev_log(&b->dev, EV_REFUSED, 0, NOTICE_CONNECT_FAILED, D_AUTH, b->host, NULL, NULL);
	blog(b, "session %08x ended: %s", b->session, why);
	b->ended_session = b->session;
	memcpy(b->ended_host, b->host, 6);
	b->state = B_IDLE;
}

static void end_session(struct sess_board *b, const char *why)
{
	end_session_keep(b, why, 0);
}

/* Tell the host what went wrong, then drop the session. */
static void refuse(struct sess_board *b, int notice, int detail, uint32_t expected, uint32_t got,
		   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void vrefuse(struct sess_board *b, int notice, int detail, uint32_t expected, uint32_t got,
		    const char *fmt, va_list ap)
{
	char text[160];

	vsnprintf(text, sizeof(text), fmt, ap);
	send_error(b, b->host, b->session, notice, detail, expected, got, text);
	blog(b, "error %s: %s", notice ? frame_notice_name(notice) : "refused", text);
	if (b->state == B_DL_DATA || (b->state == B_GROUP && !b->grp.done))
		dev_log(&b->dev, EV_FAILED, b->type, notice, detail, b->host, NULL, NULL);
	end_session(b, notice ? frame_notice_name(notice) : proto_detail_name(detail));
}

static void refuse(struct sess_board *b, int notice, int detail, uint32_t expected, uint32_t got,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrefuse(b, notice, detail, expected, got, fmt, ap);
	va_end(ap);
}

int sess_board_init(struct sess_board *b, const struct sess_board_config *cfg)
{
	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	sess_defaults(&b->cfg.timeout_us, &b->cfg.window);
	if (!b->cfg.max_file)
		b->cfg.max_file = (uint64_t)4 << 30;
	if (!b->cfg.vendor)
		b->cfg.vendor = "";
	if (!b->cfg.model)
		b->cfg.model = "";
	if (!b->cfg.serial)
		b->cfg.serial = "";
	if (!cfg->nic || !cfg->store)
		return -EINVAL;
	board_group_init(b);
	return dev_open(&b->dev, cfg->store,
			&(struct dev_identity){.vendor = b->cfg.vendor,
					       .model = b->cfg.model,
					       .serial = b->cfg.serial,
					       .allow_downgrade = cfg->allow_downgrade,
					       .crypto = cfg->crypto});
}

void sess_board_dispose(struct sess_board *b)
{
	end_session_keep(b, "shutdown", 1); /* a cut-off download resumes after the restart */
	dev_close(&b->dev);
	xrecv_dispose(&b->rx);
	xsend_dispose(&b->tx_data);
}

static unsigned board_max_block(const struct sess_board *b)
{
	unsigned m = sess_block_for_mtu(b->cfg.nic->mtu);

	return b->cfg.max_block && b->cfg.max_block < m ? b->cfg.max_block : m;
}

void board_open_session(struct sess_board *b, uint32_t session, const uint8_t host[6],
			uint64_t caps, uint64_t now)
{
	memset(b->replies, 0, sizeof(b->replies));
	b->session = session;
	memcpy(b->host, host, 6);
	b->windowed = !b->cfg.strict && (caps & CAP_WINDOW);
	b->resumable = b->windowed && (caps & CAP_RESUME);
	b->overlap = b->windowed && (caps & CAP_OVERLAP) && (board_caps(b) & CAP_OVERLAP);
	b->state = B_READY;
	b->last_progress = now;
	memset(b->dl_role, 0, sizeof(b->dl_role));
	b->dev.sessions++;
}

void board_connect_ack_tlvs(struct sess_board *b, struct tlv_writer *w, uint64_t host_caps)
{
	/* CAP_OVERLAP only to a host that offers it: an older host sees the
	 * CONNECT_ACK it always saw */
	uint32_t caps = board_caps(b) & ~(host_caps & CAP_OVERLAP ? 0 : CAP_OVERLAP);

	tlv_put_str(w, T_VENDOR, b->cfg.vendor);
	tlv_put_str(w, T_MODEL, b->cfg.model);
	tlv_put_str(w, T_SERIAL, b->cfg.serial);
	tlv_put_u32(w, T_CAPS, caps);
	tlv_put_u16(w, T_BLOCK, (uint16_t)board_max_block(b));
	tlv_put_u16(w, T_WINDOW, (uint16_t)(b->cfg.window > 65535 ? 65535 : b->cfg.window));
}

static void on_connect(struct sess_board *b, const struct frame *f, uint64_t now)
{
	uint8_t d[512];
	struct tlv_writer w;
	uint64_t caps = 0;

	if (b->state != B_IDLE) {
		if (memcmp(f->src, b->host, 6) != 0) {
			/* Answer the newcomer without disturbing the session. */
			uint8_t e[128];
			size_t l = sess_error_tlv(e, sizeof(e), NOTICE_CONNECT_FAILED, D_BUSY, 0, 0,
						  "in a session with another host");

			sess_send(b->cfg.nic, b->cfg.ethertype, b->tx, sizeof(b->tx), f->src,
				  f->session, 0, FC_ERROR, 0, e, l);
			return;
		}
		if (f->session == b->session) {
			const struct board_reply *r = find_reply(b, f);

			if (r)
				nic_send(b->cfg.nic, r->buf, r->len);
			return;
		}
		if (b->auth.on) {
			/* Anyone can send from the host's MAC: an authenticated
			 * session ends only once the new one authenticates (§9). */
			board_auth_pending_connect(b, f, now);
			return;
		}
		/* The same host starts over (its program was restarted): the new
		 * session takes over. The old one is told so, and a download it
		 * cut off is kept for resume, never mixed with another file. */
		send_error(b, b->host, b->session, NOTICE_NONE, D_SUPERSEDED, b->session,
			   f->session, "a newer session from this host took over");
		end_session_keep(b, "superseded by a newer session from the host", 1);
	} else if (f->session == b->ended_session && memcmp(f->src, b->ended_host, 6) == 0) {
		/* a late copy of the CONNECT of a session that is over */
		if (f->session == b->err_session && b->err_len)
			nic_send(b->cfg.nic, b->err, b->err_len);
		return;
	}
	tlv_get_uint(f->data, f->len, T_CAPS, &caps);
	board_open_session(b, f->session, f->src, caps, now);
	tlv_writer_init(&w, d, sizeof(d));
	board_connect_ack_tlvs(b, &w, caps);
	if (b->cfg.auth && board_auth_connect(b, &w) < 0) {
		refuse(b, NOTICE_CONNECT_FAILED, D_AUTH, 0, 0, "no random source for the nonce");
		return;
	}
	/* an authenticating board tells only who it is before AUTH */
	for (int t = 1; t < FT_COUNT && !b->cfg.auth; t++) {
		const struct dev_image *im = dev_image(&b->dev, t, DEV_ACTIVE);
		uint8_t slot[13];

		if (!im)
			continue;
		slot[0] = (uint8_t)t;
		put_be64(slot + 1, im->size);
		put_be32(slot + 9, im->crc);
		tlv_put(&w, T_SLOT, slot, sizeof(slot));
	}
	reply(b, f, FC_CONNECT_ACK, d, w.len);
	blog(b, "session %08x from %02x:%02x:%02x:%02x:%02x:%02x, %s exchange", b->session,
	     b->host[0], b->host[1], b->host[2], b->host[3], b->host[4], b->host[5],
	     b->windowed ? "windowed" : "strict");
}

static int want_type(struct sess_board *b, const struct frame *f, int *type)
{
	uint64_t t;

	if (!tlv_get_uint(f->data, f->len, T_TYPE, &t) || t < 1 || t >= FT_COUNT) {
		refuse(b, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0, 0, "%s without a valid file type",
		       frame_code_name(f->code));
		return 0;
	}
	*type = (int)t;
	return 1;
}

static void on_download(struct sess_board *b, const struct frame *f, uint64_t now)
{
	uint8_t d[8];
	struct tlv_writer w;

	if (!want_type(b, f, &b->type))
		return;
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, (uint8_t)b->type);
	reply(b, f, FC_DOWNLOAD_ACK, d, w.len);
	b->state = B_DL_INFO;
	b->last_progress = now;
}

static void finish_download(struct sess_board *b);

/* A package that is malformed or not what its signer or key made is a
 * file that failed its check (notice FILE_CRC); policy refusals are not. */
static int refused_as_crc(int detail)
{
	return detail == D_PKG || detail == D_SIGNATURE || detail == D_UNTRUSTED ||
	       detail == D_UNSIGNED || detail == D_TAG || detail == D_NO_KEY;
}

/* The package header FILE_INFO carries (T_PKG_HDR pieces), checked against
 * the board's policy: 1 and *hdr for a package, 0 for a plain file, -1 when
 * refused (ERROR sent, session over). */
static int package_header(struct sess_board *b, const struct frame *f, struct pkg_header *hdr)
{
	uint32_t expected, got;
	size_t len = 0, l;
	char why[160];
	const uint8_t *piece;
	int detail;

	for (unsigned i = 0; (piece = tlv_find(f->data, f->len, T_PKG_HDR, i, &l)); i++) {
		if (len + l > sizeof(b->pkg_hdr)) {
			refuse(b, NOTICE_FILE_CRC, D_PKG, (uint32_t)sizeof(b->pkg_hdr),
			       (uint32_t)(len + l), "package header too long for FILE_INFO");
			return -1;
		}
		memcpy(b->pkg_hdr + len, piece, l);
		len += l;
	}
	b->pkg_hdr_len = len;
	if (!len) {
		detail = dev_plain_check(&b->dev, b->type, why, sizeof(why));
		if (!detail)
			return 0;
		dev_log(&b->dev, EV_REFUSED, b->type, 0, detail, b->host, NULL, NULL);
		refuse(b, NOTICE_FILE_CRC, detail, 0, 0, "%s", why);
		return -1;
	}
	detail = dev_package_check(&b->dev, b->type, b->pkg_hdr, len, hdr, &expected, &got, why,
				   sizeof(why));
	if (!detail)
		return 1;
	dev_log(&b->dev, EV_REFUSED, b->type, 0, detail, b->host, NULL,
		detail == D_PKG ? NULL : &hdr->version);
	refuse(b, refused_as_crc(detail) ? NOTICE_FILE_CRC : NOTICE_NONE, detail, expected, got,
	       "%s", why);
	return -1;
}

/* The receiver of the download dev_download_begin opened (resumed: 1, or
 * 0): new, the one kept from a cut-off session, or rebuilt from the
 * device's checkpoint after a restart. The frames already here, or -1 when
 * refused (ERROR sent, session over). */
static int open_receiver(struct sess_board *b, uint64_t size, unsigned block, int resumed)
{
	const struct xrecv_config rc = {.size = size,
					.block = block,
					.windowed = b->windowed,
					.write = dev_download_write,
					.ctx = &b->dev};
	const uint8_t *map = NULL;
	uint32_t bits = 0, got;
	int r;

	if (resumed && xrecv_map(&b->rx, &bits))
		return (int)xrecv_have(&b->rx); /* kept in memory */
	if (resumed)
		map = dev_download_restored(&b->dev, &bits);
	xrecv_dispose(&b->rx);
	b->rx_dropped0 = nic_rx_dropped(b->cfg.nic);
	r = xrecv_init(&b->rx, &rc);
	got = r < 0 ? (uint32_t)-r : 0;
	if (r == 0 && resumed)
		r = map ? xrecv_restore(&b->rx, map, bits) : -EINVAL;
	if (r < 0) {
		dev_download_close(&b->dev, 0);
		refuse(b, NOTICE_NONE, D_STORAGE, 0, got, "%s",
		       resumed ? "the kept download cannot be resumed"
			       : "no memory for the bitmap");
		return -1;
	}
	return (int)xrecv_have(&b->rx);
}

static void on_file_info(struct sess_board *b, const struct frame *f, uint64_t now)
{
	struct pkg_header hdr;
	uint64_t type, size, frames, crc, block;
	uint8_t d[320];
	struct tlv_writer w;
	int r;

	if (!tlv_get_uint(f->data, f->len, T_TYPE, &type) ||
	    !tlv_get_uint(f->data, f->len, T_SIZE, &size) ||
	    !tlv_get_uint(f->data, f->len, T_FRAMES, &frames) ||
	    !tlv_get_uint(f->data, f->len, T_CRC, &crc) ||
	    !tlv_get_uint(f->data, f->len, T_BLOCK, &block)) {
		refuse(b, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0, 0,
		       "FILE_INFO needs type, size, frames, CRC and block");
		return;
	}
	if (size > b->cfg.max_file) {
		refuse(b, NOTICE_NONE, D_TOO_BIG, (uint32_t)b->cfg.max_file, (uint32_t)size,
		       "%llu bytes is more than the board takes (%llu)", (unsigned long long)size,
		       (unsigned long long)b->cfg.max_file);
		return;
	}
	if ((int)type != b->type || block == 0 || block > board_max_block(b) ||
	    frames != (size + block - 1) / block || frames > SESS_MAX_FRAMES) {
		refuse(b, NOTICE_WRONG_COMMAND, D_BAD_FIELD,
		       (uint32_t)((size + block - 1) / (block ? block : 1)), (uint32_t)frames,
		       "FILE_INFO inconsistent: type %u, %llu bytes, %llu frames of %llu",
		       (unsigned)type, (unsigned long long)size, (unsigned long long)frames,
		       (unsigned long long)block);
		return;
	}
	r = package_header(b, f, &hdr);
	if (r < 0)
		return;
	if (r > 0 && size < hdr.hdr_len) {
		refuse(b, NOTICE_FILE_CRC, D_PKG, hdr.hdr_len, (uint32_t)size,
		       "a %llu-byte file cannot hold its %u-byte package header",
		       (unsigned long long)size, hdr.hdr_len);
		return;
	}
	r = dev_download_begin(&b->dev, b->type, size, (uint32_t)crc, (unsigned)block,
			       r > 0 ? &hdr : NULL, b->resumable);
	if (r < 0) {
		refuse(b, NOTICE_NONE, D_STORAGE, 0, (uint32_t)-r, "cannot store %llu bytes: %s",
		       (unsigned long long)size, strerror(-r));
		return;
	}
	r = open_receiver(b, size, (unsigned)block, r);
	if (r < 0)
		return;
	if (board_ovl_begin(b, size, (unsigned)block) < 0) {
		dev_download_close(&b->dev, 0);
		refuse(b, NOTICE_NONE, D_STORAGE, 0, ENOMEM, "no memory for the read-back");
		return;
	}
	if (b->dev.dl_package && b->pkg_hdr_len)
		dev_download_header(&b->dev, b->pkg_hdr, b->pkg_hdr_len);
	b->last_checkpoint = now;
	dev_log(&b->dev, EV_DL_STARTED, b->type, 0, 0, b->host, NULL,
		b->dev.dl_package ? &b->dev.dl_hdr.version : NULL);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u32(&w, T_RESUME, (uint32_t)r);
	if (r > 0)
		/* The same file again: go on from what was kept. */
		xrecv_report(&b->rx, &w);
	reply(b, f, FC_FILE_INFO_ACK, d, w.len);
	b->state = B_DL_DATA;
	b->last_progress = now;
	if (r > 0)
		blog(b, "resuming %s: %d of %llu frames already here", proto_type_name(b->type), r,
		     (unsigned long long)frames);
	else
		blog(b, "receiving %s: %llu bytes in %llu frames, CRC %08x",
		     proto_type_name(b->type), (unsigned long long)size, (unsigned long long)frames,
		     (unsigned)crc);
	if (frames == 0)
		finish_download(b);
}

int board_commit_download(struct sess_board *b, uint32_t *crc)
{
	uint32_t want = b->dev.dl_crc;
	int r = dev_download_commit(&b->dev, b->host, crc);

	if (r == -EPROTO) {
		refuse(b, NOTICE_FILE_CRC, D_PKG, 0, 0,
		       "the package's image does not match its digest; nothing staged");
		return -1;
	}
	if (r == -EACCES) {
		dev_log(&b->dev, EV_REFUSED, b->type, 0, D_TAG, b->host, NULL,
			&b->dev.dl_hdr.version);
		refuse(b, NOTICE_FILE_CRC, D_TAG, 0, 0,
		       "the decrypted image fails its tag or its digest; nothing staged");
		return -1;
	}
	if (r == -EBADMSG) {
		refuse(b, NOTICE_FILE_CRC, D_FILE_CRC, want, *crc,
		       "received file has CRC %08x, FILE_INFO said %08x; previous file kept", *crc,
		       want);
		return -1;
	}
	if (r < 0) {
		refuse(b, NOTICE_NONE, D_STORAGE, 0, (uint32_t)-r, "storing the file: %s",
		       strerror(-r));
		return -1;
	}
	return 0;
}

static void finish_download(struct sess_board *b)
{
	uint8_t d[64];
	struct tlv_writer w;
	uint64_t size = b->dev.dl_size;
	uint32_t frames = xrecv_frames(&b->rx), crc = 0;
	int package = b->dev.dl_package;
	int r = board_commit_download(b, &crc);

	xrecv_dispose(&b->rx);
	memset(&b->rx, 0, sizeof(b->rx));
	if (r < 0)
		return;
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, (uint8_t)b->type);
	tlv_put_u64(&w, T_SIZE, size);
	tlv_put_u32(&w, T_FRAMES, frames);
	tlv_put_u32(&w, T_CRC, crc);
	reply_done(b, FC_STATUS_QUERY, FC_DOWNLOAD_DONE, frames, d, w.len);
	b->state = B_READY;
	b->dl_role[b->type] = package ? 2 : 1;
	board_ovl_committed(b, b->type, package ? DEV_STAGED : DEV_ACTIVE, crc);
	blog(b, "%s %s: %llu bytes, CRC %08x", package ? "staged" : "stored",
	     proto_type_name(b->type), (unsigned long long)size, crc);
}

static void on_file_data(struct sess_board *b, const struct frame *f, uint64_t now)
{
	struct xrecv *rx = &b->rx;
	struct xfer_fault why;
	int r = xrecv_data(rx, f, &why);

	if (r < 0 && b->auth.on && !why.err) {
		/* data frames are not sealed: one that does not fit may be a
		 * stranger's, and must not end an authenticated session (§9) */
		blog(b, "dropped FILE_DATA %u: %s", f->seq, why.text);
		return;
	}
	if (r < 0) {
		refuse(b, why.notice, why.detail, why.expected, why.got, "%s", why.text);
		return;
	}
	if (r == 0) {
		/* a repeat (read back as it comes: stored again) */
		r = board_ovl_repeat(b, f);
		if (r < 0)
			refuse(b, NOTICE_NONE, D_STORAGE, 0, (uint32_t)-r, "storing: %s",
			       strerror(-r));
		return;
	}
	b->last_progress = now;
	board_ovl_stored(b, f->seq);
	if (xrecv_complete(rx))
		finish_download(b);
	else if (now - b->last_checkpoint >= CHECKPOINT_US)
		checkpoint(b, now);
}

static void send_status(struct sess_board *b, uint32_t id)
{
	uint64_t overrun = nic_rx_dropped(b->cfg.nic) - b->rx_dropped0;
	uint8_t d[320];
	struct tlv_writer w;

	tlv_writer_init(&w, d, sizeof(d));
	xrecv_report(&b->rx, &w);
	/* frames lost to a full receive queue since the data began: the host
	 * sends too fast for this board and paces (absent while none) */
	if (overrun)
		tlv_put_u64(&w, T_OVERRUN, overrun);
	send_frame(b, FC_BOARD_STATUS, id, 0, d, w.len);
}

static int rb_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct sess_board *b = ctx;

	return dev_read(&b->dev, b->rb_type, b->rb_role, off, buf, len);
}

static void on_readback(struct sess_board *b, const struct frame *f, uint64_t now)
{
	struct xsend_config xc = {
		.nic = b->cfg.nic,
		.ethertype = b->cfg.ethertype,
		.session = b->session,
		.data_code = FC_READBACK_DATA,
		.probe_code = FC_RB_STATUS_QUERY,
		.windowed = b->windowed,
		.read = rb_read,
		.ctx = b,
		.tx = b->tx,
	};
	uint8_t d[64];
	struct tlv_writer w;
	uint64_t block = 0, window = 0, role = 0;
	const struct dev_image *im;
	int type, r;

	if (!want_type(b, f, &type))
		return;
	board_ovl_end(b); /* the host reads back afterwards after all */
	/* what this session downloaded of the type (a package: staged), else
	 * the active image, unless the host names one */
	if (!tlv_get_uint(f->data, f->len, T_ROLE, &role) || role < 1 || role > 2)
		role = b->dl_role[type] ? b->dl_role[type] : 1;
	b->rb_role = role == 2 ? DEV_STAGED : DEV_ACTIVE;
	tlv_get_uint(f->data, f->len, T_BLOCK, &block);
	tlv_get_uint(f->data, f->len, T_WINDOW, &window);
	if (block == 0 || block > board_max_block(b))
		block = board_max_block(b);
	im = dev_image(&b->dev, type, b->rb_role);
	if (!im) {
		refuse(b, NOTICE_NONE, D_NO_FILE, (uint32_t)type, 0, "slot %s holds no %s file",
		       proto_type_name(type), b->rb_role == DEV_STAGED ? "staged" : "");
		return;
	}
	b->rb_size = im->size;
	b->rb_crc = im->crc;
	b->rb_type = type;
	memcpy(xc.dst, b->host, 6);
	xc.size = b->rb_size;
	xc.block = (unsigned)block;
	xc.window = window && window < b->cfg.window ? (uint32_t)window : b->cfg.window;
	xsend_dispose(&b->tx_data);
	r = xsend_init(&b->tx_data, &xc, now);
	if (r < 0) {
		refuse(b, NOTICE_NONE, D_STORAGE, 0, (uint32_t)-r, "no memory for the window");
		return;
	}
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, (uint8_t)type);
	tlv_put_u64(&w, T_SIZE, b->rb_size);
	tlv_put_u32(&w, T_FRAMES, xsend_frames(&b->tx_data));
	tlv_put_u32(&w, T_CRC, b->rb_crc);
	tlv_put_u16(&w, T_BLOCK, (uint16_t)block);
	reply(b, f, FC_READBACK_ACK, d, w.len);
	b->state = B_RB_DATA;
	b->last_progress = now;
	blog(b, "read-back of %s: %llu bytes in %u frames", proto_type_name(type),
	     (unsigned long long)b->rb_size, xsend_frames(&b->tx_data));
}

static void readback_done(struct sess_board *b)
{
	/* A HOST_STATUS that comes again means the host missed READBACK_DONE:
	 * it is sent again then. */
	reply_done(b, FC_HOST_STATUS, FC_READBACK_DONE, xsend_frames(&b->tx_data), NULL, 0);
	b->state = B_READY;
}

static void on_host_status(struct sess_board *b, const struct frame *f, uint64_t now)
{
	int fresh = xsend_report(&b->tx_data, f->seq, f->data, f->len, now);

	if (fresh < 0) {
		refuse(b, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0, 0, "malformed HOST_STATUS");
		return;
	}
	if (fresh > 0)
		b->last_progress = now;
	if (xsend_done(&b->tx_data))
		readback_done(b);
}

/* ---- the device extension (§7) ---- */

static void put_version(struct tlv_writer *w, uint8_t type, const struct pkg_version *v)
{
	uint8_t b9[PKG_VERSION_WIRE];

	pkg_version_put(b9, v);
	tlv_put(w, type, b9, sizeof(b9));
}

uint32_t board_caps(const struct sess_board *b)
{
	/* an authenticating board takes no group download (§9) */
	uint32_t ovl = b->cfg.no_overlap ? 0 : CAP_OVERLAP;

	if (b->cfg.auth)
		return b->cfg.strict ? CAP_AUTH : CAP_WINDOW | CAP_RESUME | CAP_DEVICE | CAP_AUTH | ovl;
	return b->cfg.strict	 ? 0
	       : b->cfg.no_group ? CAP_WINDOW | CAP_RESUME | CAP_DEVICE | ovl
				 : CAP_WINDOW | CAP_RESUME | CAP_DEVICE | CAP_GROUP | ovl;
}

size_t board_identity_only(struct sess_board *b, uint8_t *d, size_t cap)
{
	struct tlv_writer w;

	tlv_writer_init(&w, d, cap);
	tlv_put_str(&w, T_VENDOR, b->cfg.vendor);
	tlv_put_str(&w, T_MODEL, b->cfg.model);
	tlv_put_str(&w, T_SERIAL, b->cfg.serial);
	tlv_put_u32(&w, T_CAPS,
		    CAP_WINDOW | CAP_RESUME | CAP_DEVICE |
			    (board_caps(b) & (CAP_GROUP | CAP_AUTH)));
	return w.len;
}

size_t board_identity(struct sess_board *b, uint8_t *d, size_t cap)
{
	struct tlv_writer w;

	tlv_writer_init(&w, d, cap);
	w.len = board_identity_only(b, d, cap);
	tlv_put_u64(&w, T_BOARD_TIME, dev_wall_us(&b->dev));
	for (int t = 1; t < FT_COUNT; t++)
		for (int r = 0; r < DEV_ROLES; r++) {
			const struct dev_image *im = dev_image(&b->dev, t, (enum dev_role)r);
			uint8_t e[60];

			if (!im)
				continue;
			e[0] = (uint8_t)t;
			e[1] = (uint8_t)(r == DEV_ACTIVE ? 1 : r == DEV_STAGED ? 2 : 3);
			/* the wire's bits only, not the store's bookkeeping */
			e[2] = im->flags & (PROTO_IMG_F_VERSION | PROTO_IMG_F_PACKAGE);
			pkg_version_put(e + 3, &im->version);
			if (!(im->flags & DEV_IMG_VERSION))
				e[3] = 0;
			put_be64(e + 12, im->size);
			if (dev_image_digest(&b->dev, t, (enum dev_role)r, e + 20) < 0)
				memset(e + 20, 0, 32);
			put_be64(e + 52, b->dev.slot[t].activate_at);
			if (r != DEV_STAGED)
				memset(e + 52, 0, 8);
			tlv_put(&w, T_IMAGE, e, sizeof(e));
		}
	return w.len;
}

static void on_info(struct sess_board *b)
{
	uint8_t d[1400];
	size_t n = board_identity(b, d, sizeof(d));

	send_frame(b, FC_INFO_ACK, 0, 0, d, n);
}

/* Send ACT_STATE for type (kept, as the answer to a command that may come
 * again, or not, as the answer to a question); returns the state. */
static enum dev_act act_state(struct sess_board *b, const struct frame *f, int type, int keep)
{
	struct pkg_version from, to;
	uint64_t at;
	enum dev_act a = dev_act_state(&b->dev, type, &from, &to, &at);
	uint8_t d[96];
	struct tlv_writer w;

	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, (uint8_t)type);
	tlv_put_u8(&w, T_ACT_STATE, (uint8_t)a);
	tlv_put_u64(&w, T_ACT_AT, at);
	tlv_put_u32(&w, T_HEALTH_MS, dev_health_ms(&b->dev));
	put_version(&w, T_VERSION_FROM, &from);
	put_version(&w, T_VERSION_TO, &to);
	if (keep)
		reply(b, f, FC_ACT_STATE, d, w.len);
	else
		send_frame(b, FC_ACT_STATE, 0, 0, d, w.len);
	return a;
}

static void on_activate(struct sess_board *b, const struct frame *f, uint64_t now)
{
	uint64_t mode = 1, host_time = 0, at = 0, when = 0;
	int type, r;

	if (!want_type(b, f, &type))
		return;
	if (f->code == FC_ACTIVATE) {
		tlv_get_uint(f->data, f->len, T_ACT_MODE, &mode);
		tlv_get_uint(f->data, f->len, T_HOST_TIME, &host_time);
		tlv_get_uint(f->data, f->len, T_ACT_AT, &at);
		if (mode == 2)
			when = dev_board_time(&b->dev, host_time, at);
		r = dev_activate(&b->dev, type, when, b->host);
	} else {
		r = dev_rollback(&b->dev, type, b->host);
	}
	if (r == -ENOENT) {
		refuse(b, NOTICE_NONE, f->code == FC_ACTIVATE ? D_NOTHING_STAGED : D_NO_PREVIOUS,
		       (uint32_t)type, 0, "%s: %s", proto_type_name(type),
		       f->code == FC_ACTIVATE ? "nothing staged" : "no previous image");
		return;
	}
	if (r == -EBUSY) {
		refuse(b, NOTICE_NONE, D_TESTING, (uint32_t)type, 0,
		       "%s: an activation is under test", proto_type_name(type));
		return;
	}
	if (r < 0) {
		refuse(b, NOTICE_NONE, D_STORAGE, 0, (uint32_t)-r, "%s: %s", proto_type_name(type),
		       strerror(-r));
		return;
	}
	b->last_progress = now;
	blog(b, "%s %s: %s", f->code == FC_ACTIVATE ? "activate" : "rollback",
	     proto_type_name(type),
	     r == DEV_ACT_SCHEDULED   ? "scheduled"
	     : r == DEV_ACT_TESTING   ? "health check running"
	     : r == DEV_ACT_ACTIVATED ? "activated"
				      : "rolled back");
	act_state(b, f, type, 1);
}

static void on_log_query(struct sess_board *b, const struct frame *f)
{
	uint8_t d[1400], e[DEV_EVENT_WIRE];
	struct tlv_writer w;
	struct dev_log_entry ev;
	uint64_t since = 1, max = 20, seq;
	unsigned n = 0;

	tlv_get_uint(f->data, f->len, T_SINCE, &since);
	tlv_get_uint(f->data, f->len, T_MAX, &max);
	if (!max || max > 24)
		max = 24; /* what fits a frame at MTU 1500 */
	tlv_writer_init(&w, d, sizeof(d));
	for (seq = since; n < max && dev_log_read(&b->dev, seq, &ev); seq = ev.seq + 1, n++) {
		dev_log_wire(&ev, e);
		tlv_put(&w, T_EVENT, e, sizeof(e));
	}
	tlv_put_u64(&w, T_NEXT, n == max && dev_log_read(&b->dev, seq, &ev) ? seq : 0);
	send_frame(b, FC_LOG_DATA, 0, 0, d, w.len);
}

static void unexpected(struct sess_board *b, const struct frame *f, int expected)
{
	refuse(b, NOTICE_WRONG_COMMAND, D_UNEXPECTED_CODE, (uint32_t)expected, f->code,
	       "%s does not fit here (state %d)", frame_code_name(f->code), (int)b->state);
}

static void dispatch(struct sess_board *b, const struct frame *f, uint64_t now)
{
	const struct board_reply *r;
	int code = f->code;

	if (code == FC_DISCONNECT) {
		send_frame(b, FC_DISCONNECT_ACK, 0, 0, NULL, 0);
		end_session_keep(b, "disconnect", 1);
		return;
	}
	if (code == FC_ERROR) {
		char text[160] = "";

		tlv_get_str(f->data, f->len, T_TEXT, text, sizeof(text));
		blog(b, "host reported an error: %s", text);
		end_session(b, "host error");
		return;
	}
	if (b->state == B_GROUP) {
		board_group_dispatch(b, f, now);
		return;
	}
	/* What the exchange is in the middle of. */
	if (b->state == B_DL_DATA && code == FC_FILE_DATA) {
		on_file_data(b, f, now);
		return;
	}
	if (b->state == B_DL_DATA && code == FC_STATUS_QUERY && b->windowed) {
		send_status(b, f->seq);
		return;
	}
	if (b->state == B_RB_DATA && code == FC_HOST_STATUS && b->windowed) {
		on_host_status(b, f, now);
		return;
	}
	if (code == FC_OVL_WANT && b->overlap && (b->state == B_DL_DATA || b->state == B_READY)) {
		board_ovl_want(b, f, now);
		return;
	}
	/* A command whose TLV list runs past its data is malformed: refused
	 * whole, never read up to the damage. (Data, probes and reports that
	 * the exchange has moved past are left to the rule at the end.) */
	if (code != FC_FILE_DATA && code != FC_STATUS_QUERY && code != FC_HOST_STATUS &&
	    code != FC_OVL_WANT && !tlv_valid(f->data, f->len)) {
		refuse(b, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0, f->code,
		       "%s with a malformed TLV list", frame_code_name(f->code));
		return;
	}
	/* Questions get a fresh answer every time. */
	if (b->state == B_READY &&
	    (code == FC_INFO || code == FC_ACT_QUERY || code == FC_LOG_QUERY)) {
		int type;

		if (code == FC_INFO)
			on_info(b);
		else if (code == FC_LOG_QUERY)
			on_log_query(b, f);
		else if (want_type(b, f, &type) && act_state(b, f, type, 0) == DEV_ACT_TESTING)
			/* the exchange waits on the health check: that is not
			 * the host going quiet */
			b->last_progress = now;
		return;
	}
	/* A command already answered comes again when its reply was lost, or
	 * late: it gets the same reply, and moves nothing. */
	r = find_reply(b, f);
	if (r) {
		nic_send(b->cfg.nic, r->buf, r->len);
		return;
	}
	switch (b->state) {
	case B_READY:
		if (code == FC_DOWNLOAD) {
			on_download(b, f, now);
			return;
		}
		if (code == FC_READBACK) {
			on_readback(b, f, now);
			return;
		}
		if (code == FC_ACTIVATE || code == FC_ROLLBACK) {
			on_activate(b, f, now);
			return;
		}
		break;
	case B_DL_INFO:
		if (code == FC_FILE_INFO) {
			on_file_info(b, f, now);
			return;
		}
		break;
	default: break;
	}
	/* In the windowed exchange, data, probes and reports that the exchange
	 * has moved past come late or twice: they are left alone. */
	if ((b->windowed || b->auth.on) &&
	    (code == FC_FILE_DATA || code == FC_STATUS_QUERY || code == FC_HOST_STATUS ||
	     (code == FC_OVL_WANT && b->overlap)))
		return;
	unexpected(b, f,
		   b->state == B_DL_INFO   ? FC_FILE_INFO
		   : b->state == B_DL_DATA ? FC_FILE_DATA
		   : b->state == B_RB_DATA ? FC_HOST_STATUS
					   : FC_DOWNLOAD);
}

void sess_board_input(struct sess_board *b, const uint8_t *buf, size_t len, uint64_t now)
{
	struct frame f;
	int r = frame_decode(&f, buf, len, etype(b->cfg.ethertype));

	if (r == -FRAME_E_ETHERTYPE || r == -FRAME_E_SHORT)
		return;
	if (r < 0) {
		/* A damaged frame of our session: the strict exchange stops,
		 * the windowed one lets repair fetch it again. */
		if (b->state != B_IDLE && len >= 12 && memcmp(buf + 6, b->host, 6) == 0 &&
		    !b->windowed && !(r == -FRAME_E_CODE && f.session != b->session))
			/* (an unknown code passed the CRC: its session id is
			 * sound, and another session's frame is not ours) */
			refuse(b, NOTICE_FRAME_CRC, D_FRAME_CRC, 0, (uint32_t)-r,
			       "damaged frame from the host: %s", frame_strerror(r));
		return;
	}
	b->frames_rx++;
	if (board_group_input(b, &f, now))
		return;
	if (f.code == FC_CONNECT) {
		on_connect(b, &f, now);
		return;
	}
	if (b->cfg.auth && board_auth_pending_input(b, &f, now))
		return;
	if (b->state == B_IDLE || f.session != b->session || memcmp(f.src, b->host, 6) != 0) {
		/* Not in a session with this host: a goodbye still gets its
		 * answer, a command or probe of the session an ERROR ended gets
		 * the ERROR again (not the data still in flight: one ERROR per
		 * frame would flood), everything else is left alone. */
		if (f.code == FC_DISCONNECT) {
			/* (sealed for the last authenticated session) */
			int n = board_auth_encode(b, b->tx, sizeof(b->tx), f.src, f.session, 0,
						  FC_DISCONNECT_ACK, 0, NULL, 0);

			if (n > 0)
				nic_send(b->cfg.nic, b->tx, (size_t)n);
		} else if (b->err_len && f.session == b->err_session &&
			   memcmp(f.src, b->err_host, 6) == 0 && f.code != FC_ERROR &&
			   f.code != FC_FILE_DATA && f.code != FC_HOST_STATUS)
			nic_send(b->cfg.nic, b->err, b->err_len);
		return;
	}
	if (b->cfg.auth && !board_auth_filter(b, &f, now))
		return;
	dispatch(b, &f, now);
}

/* While frames come, check the CRC of what is already stored, so that the
 * commit after the last frame has little left to read: only what lies below
 * every frame received in order and clear of the store's write buffer. */
#define VERIFY_LAG    (2u << 20)
#define VERIFY_BUDGET (1u << 20)

static void verify_as_it_comes(struct sess_board *b)
{
	uint64_t upto = b->state == B_GROUP ? board_group_prefix(b) : xrecv_prefix(&b->rx);

	if ((b->state == B_DL_DATA || b->state == B_GROUP) && upto > VERIFY_LAG)
		dev_download_verify(&b->dev, upto - VERIFY_LAG, VERIFY_BUDGET);
}

void sess_board_poll(struct sess_board *b, uint64_t now)
{
	uint64_t wall, next;

	verify_as_it_comes(b);
	wall = dev_wall_us(&b->dev);
	next = dev_poll(&b->dev);

	/* the device's next wake-up, on the machine's clock */
	b->dev_wake = next == UINT64_MAX ? SESS_NEVER
		      : next <= wall	 ? now
					 : now + (next - wall < 1000000 ? next - wall : 1000000);
	if (b->state == B_RB_DATA) {
		int r = xsend_poll(&b->tx_data, now);

		if (r < 0) {
			refuse(b, NOTICE_NONE, D_STORAGE, 0, (uint32_t)-r, "reading %s: %s",
			       proto_type_name(b->rb_type), strerror(-r));
			return;
		}
		if (r > 0)
			b->last_progress = now;
		/* Strict: all sent. (Windowed: all acknowledged, seen in a report;
		 * an empty file is acknowledged before it starts.) */
		if (xsend_done(&b->tx_data))
			readback_done(b);
	}
	if (b->ovl.on && (b->state == B_DL_DATA || b->state == B_READY)) {
		int r = board_ovl_poll(b, now);

		if (r < 0) {
			refuse(b, NOTICE_NONE, D_STORAGE, 0, (uint32_t)-r, "reading back: %s",
			       strerror(-r));
			return;
		}
	}
	board_group_poll(b, now);
	if (b->state == B_IDLE || b->state == B_GROUP || now - b->last_progress < b->cfg.timeout_us)
		return;
	send_error(b, b->host, b->session, NOTICE_TIMEOUT, D_SILENCE, 0, 0,
		   "nothing from the host for the timeout");
	blog(b, "error TIMEOUT: nothing from the host for %.1f s", (double)b->cfg.timeout_us / 1e6);
	end_session_keep(b, "TIMEOUT", 1);
}

uint64_t sess_board_next_deadline(const struct sess_board *b)
{
	uint64_t d = board_group_deadline(b);

	if (b->state == B_IDLE || b->state == B_GROUP)
		return d < b->dev_wake ? d : b->dev_wake;
	d = b->last_progress + b->cfg.timeout_us < d ? b->last_progress + b->cfg.timeout_us : d;
	if (b->state == B_RB_DATA && xsend_deadline(&b->tx_data) < d)
		d = xsend_deadline(&b->tx_data);
	if (board_ovl_deadline(b) < d)
		d = board_ovl_deadline(b);
	return d < b->dev_wake ? d : b->dev_wake;
}

uint64_t sess_board_sessions(const struct sess_board *b)
{
	return b->dev.sessions;
}

int sess_board_idle(const struct sess_board *b)
{
	return b->state == B_IDLE;
}

const struct board_device *sess_board_device(const struct sess_board *b)
{
	return &b->dev;
}

/* ---- for the group extension (board_int.h) ---- */

int board_send(struct sess_board *b, uint8_t code, uint32_t seq, const uint8_t *data, size_t len)
{
	return send_frame(b, code, seq, 0, data, len);
}

const struct board_reply *board_find_reply(struct sess_board *b, const struct frame *f)
{
	return find_reply(b, f);
}

void board_reply(struct sess_board *b, const struct frame *f, int any_data, uint8_t code,
		 uint32_t seq, const uint8_t *data, size_t len)
{
	reply_to(b, f, any_data, code, seq, data, len);
}

void board_send_error(struct sess_board *b, const uint8_t dst[6], uint32_t session, int notice,
		      int detail, uint32_t expected, uint32_t got, const char *text)
{
	send_error(b, dst, session, notice, detail, expected, got, text);
}

void board_refuse(struct sess_board *b, int notice, int detail, uint32_t expected, uint32_t got,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrefuse(b, notice, detail, expected, got, fmt, ap);
	va_end(ap);
}

void board_end_session(struct sess_board *b, const char *why, int keep)
{
	end_session_keep(b, why, keep);
}

int board_package_header(struct sess_board *b, const struct frame *f, struct pkg_header *hdr)
{
	return package_header(b, f, hdr);
}

void board_device_command(struct sess_board *b, const struct frame *f, uint64_t now)
{
	int type;

	if (f->code == FC_INFO)
		on_info(b);
	else if (f->code == FC_LOG_QUERY)
		on_log_query(b, f);
	else if (f->code == FC_ACT_QUERY)
		(void)(want_type(b, f, &type) && act_state(b, f, type, 0));
	else if (f->code == FC_ACTIVATE || f->code == FC_ROLLBACK)
		on_activate(b, f, now);
}
