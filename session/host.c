/* SPDX-License-Identifier: MIT */
/* The host: drives connect, download, file info, data, done, read-back,
 * compare and disconnect, and names the first thing that goes wrong. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "host_int.h"

#define BATCH 64 /* data frames sent per poll before input is looked at again */

static int send_frame(struct sess_host *h, uint8_t code, uint32_t seq, uint8_t flags,
		      const uint8_t *data, size_t len)
{
	int n = host_auth_encode(h, h->tx, sizeof(h->tx), seq, code, flags, data, len);

	if (n < 0)
		return n;
	if (nic_send(h->cfg.nic, h->tx, (size_t)n) < 0)
		return -FRAME_E_NOSPACE - 100;
	return n;
}

int host_send_frame(struct sess_host *h, uint8_t code, const uint8_t *data, size_t len)
{
	return send_frame(h, code, 0, 0, data, len);
}

/* Keep a command to send again while its reply is awaited; send it now
 * unless later says so. It is kept whatever the nic says: a refused frame
 * goes again when the resend timer fires. */
void host_keep_cmd(struct sess_host *h, uint8_t code, const uint8_t *data, size_t len,
		   enum sess_host_state next, int later, uint64_t now)
{
	int n = host_auth_encode(h, h->cmd, sizeof(h->cmd), 0, code,
				 code == FC_STATUS_QUERY ? FRAME_FLAG_ACKREQ : 0, data, len);

	h->cmd_len = n > 0 ? (size_t)n : 0;
	if (h->cmd_len && !later)
		nic_send(h->cfg.nic, h->cmd, h->cmd_len);
	h->state = next;
	h->last_cmd_tx = now;
	h->last_progress = now;
	h->cmd_retx = 0;
}

void host_send_cmd(struct sess_host *h, uint8_t code, const uint8_t *data, size_t len,
		   enum sess_host_state next, uint64_t now)
{
	host_keep_cmd(h, code, data, len, next, 0, now);
}

uint64_t host_wall(const struct sess_host *h, uint64_t now)
{
	return (uint64_t)((int64_t)now + h->cfg.wall_offset_us);
}

/* All data is with the board: wait for DOWNLOAD_DONE. In the windowed
 * exchange a status query asks for it again if it does not come (the
 * board answers a query after the download with DOWNLOAD_DONE). */
static void wait_done(struct sess_host *h, uint64_t now)
{
	if (h->windowed)
		host_keep_cmd(h, FC_STATUS_QUERY, NULL, 0, H_WAIT_DONE, 1, now);
	else
		h->state = H_WAIT_DONE;
	h->last_progress = now;
}

/* The session is over: every exit path says DISCONNECT to the board. */
static void finish(struct sess_host *h, uint64_t now)
{
	(void)now;
	if (h->state != H_DISCONNECT)
		send_frame(h, FC_DISCONNECT, 0, 0, NULL, 0);
	h->state = H_END;
}

/* Record the first failure; tell the board (unless it told us) and end. */
void host_fail(struct sess_host *h, uint64_t now, int notice, int detail, uint32_t expected,
	       uint32_t got, const char *fmt, ...)
{
	struct sess_result *r = &h->result;
	va_list ap;

	if (h->state == H_END)
		return;
	r->notice = notice;
	r->detail = detail;
	r->expected = expected;
	r->got = got;
	if (!notice && !r->local)
		r->local = 1;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	hlog(h, "failed: %s: %s", notice ? frame_notice_name(notice) : "error", r->text);
	if (!r->by_board && notice && notice != NOTICE_CONNECT_FAILED && notice != NOTICE_TIMEOUT) {
		uint8_t d[128];
		size_t l = sess_error_tlv(d, sizeof(d), notice, detail, expected, got, r->text);

		send_frame(h, FC_ERROR, 0, 0, d, l);
	}
	finish(h, now);
}

static void local_fail(struct sess_host *h, uint64_t now, int err, const char *what)
{
	h->result.local = err;
	host_fail(h, now, NOTICE_NONE, D_NONE, 0, 0, "%s: %s", what, strerror(-err));
}

int sess_host_init(struct sess_host *h, const struct sess_host_config *cfg)
{
	memset(h, 0, sizeof(*h));
	h->cfg = *cfg;
	sess_defaults(&h->cfg.timeout_us, &h->cfg.window);
	if (!h->cfg.session_id)
		h->cfg.session_id = 1;
	if (!cfg->nic || (cfg->job == SESS_DOWNLOAD && !cfg->src) ||
	    ((cfg->job == SESS_READBACK || cfg->readback) && !cfg->sink) ||
	    (cfg->pkg_hdr_len && !cfg->pkg_hdr) || cfg->activate < SESS_ACT_NONE ||
	    cfg->activate > SESS_ACT_IN ||
	    (cfg->job == SESS_DOWNLOAD && cfg->activate && !cfg->pkg_hdr_len) ||
	    (cfg->job == SESS_ACTIVATE && !cfg->activate) ||
	    (cfg->job != SESS_DOWNLOAD && cfg->job != SESS_ACTIVATE && cfg->activate) ||
	    cfg->job < SESS_DOWNLOAD || cfg->job > SESS_LOG)
		return -EINVAL;
	if (cfg->job == SESS_DOWNLOAD && cfg->pkg_hdr_len > sess_host_pkg_hdr_max(cfg))
		return -EMSGSIZE;
	return 0;
}

void sess_host_dispose(struct sess_host *h)
{
	xsend_dispose(&h->tx_data);
	xrecv_dispose(&h->rx_data);
	host_ovl_dispose(h);
}

void sess_host_start(struct sess_host *h, uint64_t now)
{
	uint8_t d[64];
	struct tlv_writer w;

	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u32(&w, T_CAPS,
		    (h->cfg.strict ? 0 : CAP_WINDOW | CAP_RESUME | CAP_DEVICE) |
			    (h->cfg.auth ? CAP_AUTH : 0) | (host_ovl_offer(h) ? CAP_OVERLAP : 0));
	tlv_put_u16(&w, T_BLOCK, (uint16_t)sess_block_for_mtu(h->cfg.nic->mtu));
	tlv_put_u16(&w, T_WINDOW, (uint16_t)(h->cfg.window > 65535 ? 65535 : h->cfg.window));
	host_send_cmd(h, FC_CONNECT, d, w.len, H_CONNECT, now);
	hlog(h, "connect to %02x:%02x:%02x:%02x:%02x:%02x session %08x", h->cfg.board[0],
	     h->cfg.board[1], h->cfg.board[2], h->cfg.board[3], h->cfg.board[4], h->cfg.board[5],
	     h->cfg.session_id);
}

static void parse_identity(struct sess_host *h, const struct frame *f)
{
	struct sess_identity *id = &h->board;
	uint64_t v;
	size_t l;
	const uint8_t *s;

	tlv_get_str(f->data, f->len, T_VENDOR, id->vendor, sizeof(id->vendor));
	tlv_get_str(f->data, f->len, T_MODEL, id->model, sizeof(id->model));
	tlv_get_str(f->data, f->len, T_SERIAL, id->serial, sizeof(id->serial));
	if (tlv_get_uint(f->data, f->len, T_CAPS, &v))
		id->caps = (uint32_t)v;
	if (tlv_get_uint(f->data, f->len, T_WINDOW, &v))
		id->window = (unsigned)v;
	if (tlv_get_uint(f->data, f->len, T_BLOCK, &v))
		id->block = (unsigned)v;
	for (id->nslots = 0; id->nslots < 8; id->nslots++) {
		s = tlv_find(f->data, f->len, T_SLOT, id->nslots, &l);
		if (!s || l != 13)
			break;
		id->slots[id->nslots].type = s[0];
		id->slots[id->nslots].size = get_be64(s + 1);
		id->slots[id->nslots].crc = get_be32(s + 9);
	}
}

static unsigned negotiate_block(struct sess_host *h)
{
	unsigned b = sess_block_for_mtu(h->cfg.nic->mtu);

	if (h->board.block && h->board.block < b)
		b = h->board.block;
	if (h->cfg.block && h->cfg.block < b)
		b = h->cfg.block;
	return b ? b : 1;
}

void host_send_readback(struct sess_host *h, uint64_t now)
{
	uint8_t d[32];
	struct tlv_writer w;

	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, (uint8_t)h->cfg.type);
	tlv_put_u16(&w, T_BLOCK, (uint16_t)h->block);
	tlv_put_u16(&w, T_WINDOW, (uint16_t)(h->cfg.window > 65535 ? 65535 : h->cfg.window));
	if (h->cfg.role)
		tlv_put_u8(&w, T_ROLE, (uint8_t)h->cfg.role);
	host_send_cmd(h, FC_READBACK, d, w.len, H_READBACK, now);
}

static void on_connect_ack(struct sess_host *h, const struct frame *f, uint64_t now)
{
	parse_identity(h, f);
	if (!h->cmd_retx)
		h->rtt_us = now - h->last_cmd_tx ? now - h->last_cmd_tx : 1;
	h->windowed = !h->cfg.strict && (h->board.caps & CAP_WINDOW);
	h->device = !h->cfg.strict && (h->board.caps & CAP_DEVICE);
	h->block = negotiate_block(h);
	if (h->windowed && h->board.window && h->board.window < h->cfg.window)
		h->cfg.window = h->board.window;
	hlog(h, "connected: vendor '%s' model '%s' serial '%s', %s exchange, %u-byte blocks",
	     h->board.vendor, h->board.model, h->board.serial, h->windowed ? "windowed" : "strict",
	     h->block);
	if (host_auth_connect_ack(h, f, now))
		return;
	host_connected(h, now);
}

void host_connected(struct sess_host *h, uint64_t now)
{
	uint8_t d[16];
	struct tlv_writer w;

	if (h->cfg.job == SESS_READBACK) {
		host_send_readback(h, now);
		return;
	}
	if (host_dev_connected(h, now))
		return;
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, (uint8_t)h->cfg.type);
	host_send_cmd(h, FC_DOWNLOAD, d, w.len, H_DOWNLOAD, now);
}

static int src_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct sess_source *src = ctx;

	return src->read(src->ctx, off, buf, len);
}

static void start_data(struct sess_host *h, const struct frame *f, uint64_t now)
{
	struct xsend_config xc = {
		.nic = h->cfg.nic,
		.ethertype = h->cfg.ethertype,
		.session = h->cfg.session_id,
		.data_code = FC_FILE_DATA,
		.probe_code = FC_STATUS_QUERY,
		.size = h->cfg.size,
		.block = h->block,
		.windowed = h->windowed,
		.window = h->cfg.window,
		.rate_bps = h->cfg.rate_bps,
		.read = src_read,
		.ctx = (void *)h->cfg.src,
		.tx = h->tx,
	};
	uint64_t resume = 0;
	int r;

	memcpy(xc.dst, h->cfg.board, 6);
	h->t_data_start = now;
	h->last_progress = now;
	r = xsend_init(&h->tx_data, &xc, now);
	if (r < 0) {
		local_fail(h, now, r, "window");
		return;
	}
	h->tx_open = 1;
	r = host_ovl_start(h, now);
	if (r < 0) {
		local_fail(h, now, r, "read-back");
		return;
	}
	/* The board kept part of this file from a cut-off session. */
	if (h->windowed && tlv_get_uint(f->data, f->len, T_RESUME, &resume) && resume &&
	    tlv_find(f->data, f->len, T_CUM, 0, &(size_t){0})) {
		if (xsend_resume(&h->tx_data, f->data, f->len, now) < 0) {
			host_fail(h, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0, 0,
				  "malformed resume status in FILE_INFO_ACK");
			return;
		}
		h->resumed = (uint32_t)resume;
		hlog(h, "resuming: the board holds %llu of %u frames", (unsigned long long)resume,
		     h->frames);
	}
	if (xsend_done(&h->tx_data))
		wait_done(h, now);
	else
		h->state = H_DATA;
}

/* FILE_INFO without the package header; see sess_host_pkg_hdr_max. */
static void file_info_tlvs(const struct sess_host_config *cfg, uint32_t frames, unsigned block,
			   struct tlv_writer *w)
{
	tlv_put_u8(w, T_TYPE, (uint8_t)cfg->type);
	tlv_put_u64(w, T_SIZE, cfg->size);
	tlv_put_u32(w, T_FRAMES, frames);
	tlv_put_u32(w, T_CRC, cfg->crc);
	tlv_put_u16(w, T_BLOCK, (uint16_t)block);
	if (cfg->name)
		tlv_put_str(w, T_NAME, cfg->name);
}

size_t sess_host_pkg_hdr_max(const struct sess_host_config *cfg)
{
	uint8_t d[300];
	struct tlv_writer w;
	size_t room, pieces;

	if (!cfg->nic)
		return 0;
	tlv_writer_init(&w, d, sizeof(d));
	file_info_tlvs(cfg, 0, 0, &w);
	room = sess_block_for_mtu(cfg->nic->mtu);
	if (cfg->auth) /* T_CTR and T_FMAC (§9) */
		room = room > SESS_AUTH_TRAILER ? room - SESS_AUTH_TRAILER : 0;
	if (w.overflow || room <= w.len)
		return 0;
	room -= w.len;
	/* pieces of 255 bytes, each with a 2-byte TLV head */
	pieces = room / 257;
	room -= pieces * 257;
	return pieces * 255 + (room > 2 ? room - 2 : 0);
}

static void on_download_ack(struct sess_host *h, uint64_t now)
{
	struct tlv_writer w;
	uint64_t frames = (h->cfg.size + h->block - 1) / h->block;

	if (frames > SESS_MAX_FRAMES) {
		host_fail(h, now, NOTICE_NONE, D_TOO_BIG, 0, 0, "file too big for %u-byte blocks",
			  h->block);
		return;
	}
	h->frames = (uint32_t)frames;
	/* The TLVs are built in the frame buffer: FILE_INFO with a package
	 * header fills a frame. */
	tlv_writer_init(&w, h->tx,
			sess_block_for_mtu(h->cfg.nic->mtu) -
				(h->cfg.auth ? SESS_AUTH_TRAILER : 0));
	file_info_tlvs(&h->cfg, h->frames, h->block, &w);
	host_dev_pkg_tlvs(h, &w);
	if (w.overflow) {
		host_fail(h, now, NOTICE_NONE, D_NONE, 0, 0,
			  "the package header (%zu bytes) does not fit in FILE_INFO at MTU %u",
			  h->cfg.pkg_hdr_len, h->cfg.nic->mtu);
		return;
	}
	host_send_cmd(h, FC_FILE_INFO, h->tx, w.len, H_FILE_INFO, now);
}

static void on_download_done(struct sess_host *h, const struct frame *f, uint64_t now)
{
	uint64_t size = 0, crc = 0;

	if (!tlv_get_uint(f->data, f->len, T_SIZE, &size) ||
	    !tlv_get_uint(f->data, f->len, T_CRC, &crc)) {
		host_fail(h, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0, 0,
			  "DOWNLOAD_DONE without size and CRC");
		return;
	}
	if (size != h->cfg.size || (uint32_t)crc != h->cfg.crc) {
		host_fail(h, now, NOTICE_FILE_CRC, D_FILE_CRC, h->cfg.crc, (uint32_t)crc,
			  "board stored %llu bytes with CRC %08x, sent %llu bytes with CRC %08x",
			  (unsigned long long)size, (unsigned)crc, (unsigned long long)h->cfg.size,
			  h->cfg.crc);
		return;
	}
	hlog(h, "download done: %llu bytes, CRC %08x", (unsigned long long)size, (unsigned)crc);
	if (h->cfg.readback && h->ovl.on) {
		host_ovl_download_done(h, now);
		return;
	}
	if (h->cfg.readback) {
		host_send_readback(h, now);
		return;
	}
	host_dev_proven(h, now);
}


/* What the board says it stored (size and CRC after its final sync)
 * against the file sent: 0, or -1 after failing the session with the
 * notice that names the difference. */
int host_check_stored(struct sess_host *h, uint64_t size, uint32_t crc, uint64_t now)
{
	if (size != h->cfg.size) {
		h->result.offset = size < h->cfg.size ? size : h->cfg.size;
		host_fail(h, now, NOTICE_READBACK_MISMATCH, D_SIZE, (uint32_t)h->cfg.size,
			  (uint32_t)size, "read-back is %llu bytes, the file %llu",
			  (unsigned long long)size, (unsigned long long)h->cfg.size);
		return -1;
	}
	if (crc != h->cfg.crc) {
		host_fail(h, now, NOTICE_FILE_CRC, D_FILE_CRC, h->cfg.crc, crc,
			  "stored file has CRC %08x, file CRC %08x", (unsigned)crc, h->cfg.crc);
		return -1;
	}
	return 0;
}

static void on_readback_ack(struct sess_host *h, const struct frame *f, uint64_t now)
{
	uint64_t size, crc, frames, block = h->block;
	int r;

	if (!tlv_get_uint(f->data, f->len, T_SIZE, &size) ||
	    !tlv_get_uint(f->data, f->len, T_CRC, &crc) ||
	    !tlv_get_uint(f->data, f->len, T_FRAMES, &frames)) {
		host_fail(h, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0, 0,
			  "READBACK_ACK without size, frame count and CRC");
		return;
	}
	tlv_get_uint(f->data, f->len, T_BLOCK, &block);
	if (block == 0 || block > h->block || size > ((uint64_t)1 << 48) ||
	    frames != (size + block - 1) / block || frames > SESS_MAX_FRAMES) {
		host_fail(
			h, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD,
			(uint32_t)((size + block - 1) / (block ? block : 1)), (uint32_t)frames,
			"READBACK_ACK frame count %llu does not fit %llu bytes in %llu-byte blocks",
			(unsigned long long)frames, (unsigned long long)size,
			(unsigned long long)block);
		return;
	}
	h->rb_size = size;
	h->rb_crc = (uint32_t)crc;
	h->rb_frames = (uint32_t)frames;
	h->block = (unsigned)block;
	if (h->cfg.job == SESS_DOWNLOAD && host_check_stored(h, size, (uint32_t)crc, now) < 0)
		return;
	r = h->cfg.sink->begin(h->cfg.sink->ctx, size);
	if (r < 0) {
		local_fail(h, now, r, "read-back output");
		return;
	}
	xrecv_dispose(&h->rx_data);
	r = xrecv_init(&h->rx_data, &(struct xrecv_config){.size = size,
							   .block = h->block,
							   .windowed = h->windowed,
							   .write = h->cfg.sink->write,
							   .ctx = h->cfg.sink->ctx});
	if (r < 0) {
		local_fail(h, now, r, "read-back window");
		return;
	}
	h->t_rb_start = now;
	h->last_progress = now;
	h->state = H_RB_DATA;
}

static void send_host_status(struct sess_host *h, uint32_t id, uint64_t now)
{
	uint8_t d[300];
	struct tlv_writer w;

	tlv_writer_init(&w, d, sizeof(d));
	xrecv_report(&h->rx_data, &w);
	send_frame(h, FC_HOST_STATUS, id, 0, d, w.len);
	h->last_status_tx = now;
}

static void on_readback_data(struct sess_host *h, const struct frame *f, uint64_t now)
{
	struct xfer_fault why;
	int r = xrecv_data(&h->rx_data, f, &why);

	if (r < 0 && h->auth.on && !why.err) {
		/* not sealed: perhaps a stranger's; it must not end the session (§9) */
		hlog(h, "dropped READBACK_DATA %u: %s", f->seq, why.text);
		return;
	}
	if (r < 0) {
		if (why.err)
			local_fail(h, now, why.err, "read-back output");
		else
			host_fail(h, now, why.notice, why.detail, why.expected, why.got, "%s",
				  why.text);
		return;
	}
	if (r == 0)
		return;
	h->last_progress = now;
	if (h->windowed && xrecv_complete(&h->rx_data))
		send_host_status(h, 0, now);
}

static void on_readback_done(struct sess_host *h, uint64_t now)
{
	struct sess_verdict v;
	int r;

	if (!xrecv_complete(&h->rx_data)) {
		host_fail(h, now, NOTICE_WRONG_COMMAND, D_SEQUENCE, h->rb_frames,
			  xrecv_have(&h->rx_data), "READBACK_DONE after %u of %u frames",
			  xrecv_have(&h->rx_data), h->rb_frames);
		return;
	}
	memset(&v, 0, sizeof(v));
	r = h->cfg.sink->finish(h->cfg.sink->ctx, &v);
	if (r < 0) {
		local_fail(h, now, r, "read-back output");
		return;
	}
	if (v.has_crc && v.crc != h->rb_crc) {
		host_fail(h, now, NOTICE_FILE_CRC, D_FILE_CRC, h->rb_crc, v.crc,
			  "read-back data has CRC %08x, board announced %08x", v.crc, h->rb_crc);
		return;
	}
	if (v.differs) {
		h->result.offset = v.first_diff;
		h->result.ndiff = v.ndiff;
		host_fail(h, now, NOTICE_READBACK_MISMATCH, D_NONE, 0, 0,
			  "read-back differs from the file at offset %llu (%llu bytes differ)",
			  (unsigned long long)v.first_diff, (unsigned long long)v.ndiff);
		return;
	}
	hlog(h, "read-back done: %llu bytes identical", (unsigned long long)h->rb_size);
	if (h->cfg.job == SESS_DOWNLOAD)
		host_dev_proven(h, now);
	else
		host_send_cmd(h, FC_DISCONNECT, NULL, 0, H_DISCONNECT, now);
}

static void on_error(struct sess_host *h, const struct frame *f, uint64_t now)
{
	uint64_t notice = 0, detail = 0, expected = 0, got = 0;
	char text[160] = "";

	tlv_get_uint(f->data, f->len, T_NOTICE, &notice);
	tlv_get_uint(f->data, f->len, T_DETAIL, &detail);
	tlv_get_uint(f->data, f->len, T_EXPECTED, &expected);
	tlv_get_uint(f->data, f->len, T_GOT, &got);
	tlv_get_str(f->data, f->len, T_TEXT, text, sizeof(text));
	if (notice >= NOTICE_COUNT)
		notice = NOTICE_WRONG_COMMAND;
	h->result.by_board = 1;
	if (notice == NOTICE_NONE)
		h->result.local = 1;
	/* A board that gives up on silence reports TIMEOUT; keep the phase's name
	 * for it when we are still connecting. */
	host_fail(h, now, (int)notice, (int)detail, (uint32_t)expected, (uint32_t)got,
		  "board: %s%s%s", proto_detail_name((int)detail), *text ? ": " : "", text);
}

/* The reply codes each state accepts, and what they lead to. */
static int expected_code(enum sess_host_state s)
{
	switch (s) {
	case H_CONNECT: return FC_CONNECT_ACK;
	case H_AUTH: return FC_AUTH_ACK;
	case H_DOWNLOAD: return FC_DOWNLOAD_ACK;
	case H_FILE_INFO: return FC_FILE_INFO_ACK;
	case H_DATA:
	case H_WAIT_DONE: return FC_DOWNLOAD_DONE;
	case H_READBACK: return FC_READBACK_ACK;
	case H_RB_DATA: return FC_READBACK_DATA;
	case H_OVL: return FC_OVL_DONE;
	case H_INFO: return FC_INFO_ACK;
	case H_ACTIVATE:
	case H_ACT_QUERY:
	case H_ROLLBACK: return FC_ACT_STATE;
	case H_LOG: return FC_LOG_DATA;
	case H_DISCONNECT: return FC_DISCONNECT_ACK;
	default: return 0;
	}
}

static int seen(const struct sess_host *h, int code)
{
	return h->seen_codes[(code >> 5) & 7] >> (code & 31) & 1;
}

static void dispatch(struct sess_host *h, const struct frame *f, uint64_t now)
{
	int code = f->code;

	if (code == FC_ERROR) {
		on_error(h, f, now);
		return;
	}
	if (h->state == H_DATA && h->windowed && code == FC_BOARD_STATUS) {
		unsigned cuts = h->tx_data.overrun_cuts;
		int fresh = xsend_report(&h->tx_data, f->seq, f->data, f->len, now);

		if (h->tx_data.overrun_cuts != cuts)
			hlog(h, "the board dropped %llu frames for lack of room: pacing at %.1f Mbit/s",
			     (unsigned long long)h->tx_data.overrun,
			     (double)h->tx_data.pace.rate_bps / 1e6);
		if (fresh < 0)
			host_fail(h, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0, 0,
				  "malformed BOARD_STATUS");
		else if (xsend_done(&h->tx_data))
			wait_done(h, now);
		else if (fresh > 0)
			h->last_progress = now;
		return;
	}
	if (h->state == H_RB_DATA && h->windowed && code == FC_RB_STATUS_QUERY) {
		send_host_status(h, f->seq, now);
		return;
	}
	if (code == FC_OVL_DATA && h->ovl.on &&
	    (h->state == H_DATA || h->state == H_WAIT_DONE || h->state == H_OVL)) {
		host_ovl_data(h, f, now);
		return;
	}
	if (h->state == H_RB_DATA && code == FC_READBACK_DONE) {
		h->seen_codes[(code >> 5) & 7] |= 1u << (code & 31);
		on_readback_done(h, now);
		return;
	}
	if (code != expected_code(h->state)) {
		/* Repeats of replies already handled, and status reports that
		 * were overtaken, are harmless when frames may be resent. So is
		 * a board's read-back status query while READBACK_ACK was lost
		 * (READBACK is resent) or after the read-back is over. */
		if (seen(h, code) ||
		    (h->windowed && (code == FC_BOARD_STATUS || code == FC_READBACK_DATA ||
				     code == FC_RB_STATUS_QUERY || code == FC_DOWNLOAD_DONE ||
				     code == FC_OVL_DATA || code == FC_OVL_DONE)) ||
		    (h->windowed && h->state == H_READBACK && code == FC_READBACK_DONE))
			return;
		host_fail(h, now, NOTICE_WRONG_COMMAND, D_UNEXPECTED_CODE,
			  (uint32_t)expected_code(h->state), (uint32_t)code,
			  "got %s while waiting for %s", frame_code_name(code),
			  frame_code_name(expected_code(h->state)));
		return;
	}
	if (code != FC_READBACK_DATA)
		h->seen_codes[(code >> 5) & 7] |= 1u << (code & 31);
	/* A reply to a command that went once is a round-trip sample: the
	 * shortest so far sets the resend timer (8 round trips, 5 ms at
	 * least), so a lost CONNECT (no sample then) or a slow first answer
	 * does not leave every later resend at timeout/30. */
	if (h->cmd_len && !h->cmd_retx && code != FC_CONNECT_ACK && now > h->last_cmd_tx &&
	    (!h->rtt_us || now - h->last_cmd_tx < h->rtt_us))
		h->rtt_us = now - h->last_cmd_tx;
	switch (code) {
	case FC_CONNECT_ACK: on_connect_ack(h, f, now); break;
	case FC_AUTH_ACK: host_auth_ack(h, f, now); break;
	case FC_DOWNLOAD_ACK: on_download_ack(h, now); break;
	case FC_FILE_INFO_ACK: start_data(h, f, now); break;
	case FC_DOWNLOAD_DONE: on_download_done(h, f, now); break;
	case FC_READBACK_ACK: on_readback_ack(h, f, now); break;
	case FC_READBACK_DATA: on_readback_data(h, f, now); break;
	case FC_OVL_DONE: host_ovl_done(h, f, now); break;
	case FC_INFO_ACK:
	case FC_ACT_STATE:
	case FC_LOG_DATA: host_dev_input(h, f, now); break;
	case FC_DISCONNECT_ACK:
		h->disconnect_acked = 1;
		h->state = H_END;
		break;
	}
}

void sess_host_input(struct sess_host *h, const uint8_t *buf, size_t len, uint64_t now)
{
	struct frame f;
	int r;

	if (h->state == H_END || h->state == H_IDLE)
		return;
	r = frame_decode(&f, buf, len, etype(h->cfg.ethertype));
	if (r == -FRAME_E_ETHERTYPE || r == -FRAME_E_SHORT)
		return; /* not ours at all */
	if (len >= 12 && memcmp(buf + 6, h->cfg.board, 6) != 0)
		return; /* another node's frame */
	if (r == -FRAME_E_CODE && f.session != h->cfg.session_id)
		return; /* passed the CRC: of another session, so not ours */
	if (r < 0) {
		h->frames_bad++;
		h->crc_errors++;
		/* The strict exchange stops at the first damaged frame; the
		 * windowed one repairs it and names it only if the link dies.
		 * While connecting, a host that offers the window does not know
		 * yet which it is: CONNECT is resent, so it waits for the timer. */
		if (!h->windowed && (h->cfg.strict || h->state != H_CONNECT))
			host_fail(h, now, NOTICE_FRAME_CRC, D_FRAME_CRC, 0, (uint32_t)-r,
				  "damaged frame from the board: %s", frame_strerror(r));
		return;
	}
	if (f.session != h->cfg.session_id)
		return; /* left over from another session */
	if (!host_auth_filter(h, &f))
		return;
	h->frames_rx++;
	h->crc_errors = 0;
	dispatch(h, &f, now);
}

static void poll_data(struct sess_host *h, uint64_t now)
{
	int r = xsend_poll(&h->tx_data, now);

	if (r < 0) {
		local_fail(h, now, r, "reading the file");
		return;
	}
	if (r > 0)
		h->last_progress = now;
	/* Strict: all sent. (Windowed: all acknowledged, seen in a report.) */
	if (!h->windowed && xsend_done(&h->tx_data))
		wait_done(h, now);
}

static int awaiting_reply(const struct sess_host *h)
{
	return h->cmd_len &&
	       (h->state == H_CONNECT || h->state == H_AUTH || h->state == H_DOWNLOAD ||
		h->state == H_FILE_INFO || h->state == H_READBACK || h->state == H_INFO ||
		h->state == H_ACTIVATE || h->state == H_ROLLBACK || h->state == H_LOG ||
		h->state == H_DISCONNECT || h->state == H_OVL ||
		(h->state == H_WAIT_DONE && h->windowed));
}

/* A command goes again after timeout/30 (100 ms; less on a fast link, see
 * below), then twice as long each time, up to timeout/3: a lossy link costs
 * a fraction of a second, and the board, which answers a repeated command
 * with its last reply, is not flooded. */
static uint64_t cmd_resend_at(const struct sess_host *h)
{
	uint64_t step = h->cfg.timeout_us / 30, cap = h->cfg.timeout_us / 3;

	/* Once the round trip is known (from CONNECT), a lost frame is
	 * noticed sooner on a fast link: 8 round trips, at least 5 ms. */
	if (h->rtt_us && 8 * h->rtt_us < step)
		step = 8 * h->rtt_us > 5000 ? 8 * h->rtt_us : 5000;

	step <<= h->cmd_retx < 8 ? h->cmd_retx : 8;
	return h->last_cmd_tx + (step < cap ? step : cap);
}

void sess_host_poll(struct sess_host *h, uint64_t now)
{
	uint64_t quiet;

	if (h->state == H_END || h->state == H_IDLE || host_dev_poll(h, now))
		return;
	if (h->state == H_DATA)
		poll_data(h, now);
	if (h->state == H_DATA || h->state == H_WAIT_DONE)
		host_ovl_poll(h, now);
	if (h->state == H_END)
		return;
	/* All read back: say so again until READBACK_DONE comes. */
	if (h->state == H_RB_DATA && h->windowed && xrecv_complete(&h->rx_data) &&
	    now - h->last_status_tx >= h->cfg.timeout_us / 30)
		send_host_status(h, 0, now);
	/* Resend the command a reply is owed to until the timer runs out. */
	if (awaiting_reply(h) && now >= cmd_resend_at(h)) {
		nic_send(h->cfg.nic, h->cmd, h->cmd_len);
		h->last_cmd_tx = now;
		h->cmd_retx++;
	}
	quiet = h->last_progress;
	if (now - quiet < h->cfg.timeout_us)
		return;
	if (h->state == H_DISCONNECT) {
		/* Everything was proven; only the goodbye went unanswered. */
		hlog(h, "no DISCONNECT_ACK within the timeout");
		h->state = H_END;
		return;
	}
	if (h->crc_errors)
		host_fail(h, now, NOTICE_FRAME_CRC, D_FRAME_CRC, 0, h->crc_errors,
			  "only damaged frames from the board for %.1f s (%u with a bad CRC)",
			  (double)h->cfg.timeout_us / 1e6, h->crc_errors);
	else if (h->state == H_CONNECT || h->state == H_AUTH)
		host_fail(h, now, NOTICE_CONNECT_FAILED, D_SILENCE, 0, 0, "no %s within %.1f s",
			  h->state == H_AUTH ? "AUTH_ACK" : "CONNECT_ACK",
			  (double)h->cfg.timeout_us / 1e6);
	else
		host_fail(h, now, NOTICE_TIMEOUT, D_SILENCE, 0, 0,
			  "nothing from the board for %.1f s while waiting for %s",
			  (double)h->cfg.timeout_us / 1e6,
			  frame_code_name(expected_code(h->state)));
}

uint64_t sess_host_next_deadline(const struct sess_host *h)
{
	uint64_t quiet, d;

	if (h->state == H_END || h->state == H_IDLE)
		return SESS_NEVER;
	if (h->state == H_ACT_QUERY)
		return host_dev_deadline(h);
	quiet = h->last_progress;
	d = quiet + h->cfg.timeout_us;
	if (h->state == H_DATA && xsend_deadline(&h->tx_data) < d)
		d = xsend_deadline(&h->tx_data);
	if ((h->state == H_DATA || h->state == H_WAIT_DONE) && host_ovl_deadline(h) < d)
		d = host_ovl_deadline(h);
	if (h->state == H_RB_DATA && h->windowed && xrecv_complete(&h->rx_data) &&
	    h->last_status_tx + h->cfg.timeout_us / 30 < d)
		d = h->last_status_tx + h->cfg.timeout_us / 30;
	if (awaiting_reply(h) && cmd_resend_at(h) < d)
		d = cmd_resend_at(h);
	return d;
}

const struct sess_result *sess_host_result(const struct sess_host *h)
{
	return &h->result;
}

void sess_host_stats(const struct sess_host *h, struct sess_host_stats *st)
{
	memset(st, 0, sizeof(*st));
	switch (h->state) {
	case H_IDLE:
	case H_CONNECT:
	case H_AUTH:
	case H_DOWNLOAD:
	case H_FILE_INFO: st->phase = SESS_PH_CONNECT; break;
	case H_DATA:
	case H_WAIT_DONE: st->phase = SESS_PH_DOWNLOAD; break;
	case H_READBACK:
	case H_RB_DATA:
	case H_OVL: st->phase = SESS_PH_READBACK; break;
	case H_INFO:
	case H_ACTIVATE:
	case H_ACT_QUERY:
	case H_ROLLBACK:
	case H_LOG: st->phase = SESS_PH_DEVICE; break;
	case H_DISCONNECT: st->phase = SESS_PH_CLOSING; break;
	case H_END: st->phase = SESS_PH_DONE; break;
	}
	if (st->phase == SESS_PH_READBACK || (st->phase >= SESS_PH_DEVICE && h->rb_size)) {
		st->phase_start = h->t_rb_start;
		st->total = h->rb_size;
		st->done = xrecv_bytes(&h->rx_data);
	} else {
		st->phase_start = h->t_data_start;
		st->total = h->cfg.size;
		st->done = h->tx_open ? h->tx_data.bytes_new : 0;
	}
	st->bytes_sent = h->tx_open ? h->tx_data.bytes_new : 0;
	st->bytes_rb = xrecv_bytes(&h->rx_data);
	if (h->ovl.on || h->ovl.bytes_during + h->ovl.bytes_after) {
		st->overlap = 1;
		st->ovl_during = h->ovl.bytes_during;
		st->ovl_after = h->ovl.bytes_after;
		if (!st->bytes_rb) /* (a region read twice counts once) */
			st->bytes_rb = st->ovl_during + st->ovl_after < h->cfg.size
					       ? st->ovl_during + st->ovl_after
					       : h->cfg.size;
		if (st->phase == SESS_PH_READBACK && !xrecv_bytes(&h->rx_data))
			st->done = st->bytes_rb < st->total ? st->bytes_rb : st->total;
	}
	st->frames_rx = h->frames_rx;
	st->frames_bad = h->frames_bad;
	st->windowed = h->windowed;
	st->block = h->block;
	st->frames = h->frames;
	st->data_frames_sent = h->tx_open ? h->tx_data.frames_sent : 0;
	st->overrun = h->tx_open ? h->tx_data.overrun : 0;
	st->overrun_bps = h->tx_open && h->tx_data.overrun_cuts ? h->tx_data.pace.rate_bps : 0;
	st->resumed = h->resumed;
	st->board_has = h->windowed && h->tx_open ? xsend_acked(&h->tx_data) : 0;
	st->rb_size = h->rb_size;
	st->rb_crc = h->rb_crc;
	st->rb_frames = h->rb_frames;
	st->board = &h->board;
}

void sess_host_abort(struct sess_host *h, int err, const char *why, uint64_t now)
{
	if (h->state == H_END)
		return;
	h->result.local = err ? err : -EINTR;
	snprintf(h->result.text, sizeof(h->result.text), "%s", why);
	hlog(h, "aborted: %s", why);
	if (h->state == H_IDLE)
		h->state = H_END;
	else
		finish(h, now);
}
