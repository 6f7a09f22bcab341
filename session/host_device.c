/* SPDX-License-Identifier: MIT */
/* The host's side of the board as an updatable device (PROTOCOL.md §7):
 * the package header in FILE_INFO, INFO, ACTIVATE and the health check,
 * ROLLBACK, the event log. The exchange of §4 (host.c) calls in here. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "host_int.h"

char *sess_version_format(const struct pkg_version *v, char *out, size_t cap)
{
	if (cap && pkg_version_format(v, out, cap) < 0)
		snprintf(out, cap, "unknown");
	return out;
}

static const char *job_what(int job)
{
	switch (job) {
	case SESS_INFO: return "INFO";
	case SESS_ACTIVATE: return "activation";
	case SESS_ROLLBACK: return "rollback";
	case SESS_LOG: return "the event log";
	default: return "update packages";
	}
}

static void send_activate(struct sess_host *h, uint64_t now)
{
	uint8_t d[64];
	struct tlv_writer w;
	uint64_t wall = host_wall(h, now), at = 0;

	if (h->cfg.activate == SESS_ACT_AT)
		at = h->cfg.act_at_us;
	else if (h->cfg.activate == SESS_ACT_IN)
		at = wall + h->cfg.act_in_us;
	if (h->cfg.activate != SESS_ACT_NOW && at <= wall) {
		host_fail(h, now, NOTICE_NONE, D_NONE, 0, 0,
			  "the activation time has passed; nothing was activated%s",
			  h->cfg.job == SESS_DOWNLOAD ? " (the package is staged)" : "");
		return;
	}
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, (uint8_t)h->cfg.type);
	tlv_put_u8(&w, T_ACT_MODE, h->cfg.activate == SESS_ACT_NOW ? ACT_MODE_NOW : ACT_MODE_AT);
	tlv_put_u64(&w, T_HOST_TIME, wall);
	if (h->cfg.activate != SESS_ACT_NOW)
		tlv_put_u64(&w, T_ACT_AT, at);
	h->act.asked = 1;
	h->act.type = h->cfg.type;
	h->act.host_act_at = at;
	hlog(h, "activate %s %s", proto_type_name(h->cfg.type),
	     h->cfg.activate == SESS_ACT_NOW ? "now" : "at a time");
	host_send_cmd(h, FC_ACTIVATE, d, w.len, H_ACTIVATE, now);
}

static void send_log_query(struct sess_host *h, uint64_t since, uint64_t now)
{
	uint8_t d[32];
	struct tlv_writer w;
	size_t room = sess_block_for_mtu(h->cfg.nic->mtu), most;

	/* As many events as fit a frame of our MTU, beside T_NEXT. */
	most = room > 10 ? (room - 10) / (2 + PROTO_EVENT_LEN) : 1;
	most = most < 1 ? 1 : most > 65535 ? 65535 : most;
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u64(&w, T_SINCE, since);
	tlv_put_u16(&w, T_MAX, (uint16_t)most);
	h->log_since = since;
	host_send_cmd(h, FC_LOG_QUERY, d, w.len, H_LOG, now);
}

int host_dev_connected(struct sess_host *h, uint64_t now)
{
	uint8_t d[16];
	struct tlv_writer w;
	int job = h->cfg.job;

	if (job == SESS_DOWNLOAD && !h->cfg.pkg_hdr_len)
		return 0;
	if (!h->device) {
		host_fail(h, now, NOTICE_NONE, D_NONE, 0, 0,
			  "the board does not support %s (no CAP_DEVICE%s); nothing was sent",
			  job_what(job), h->cfg.strict ? ": --strict offers no extensions" : "");
		return 1;
	}
	if (job == SESS_DOWNLOAD)
		return 0;
	switch (job) {
	case SESS_INFO: host_send_cmd(h, FC_INFO, NULL, 0, H_INFO, now); break;
	case SESS_ACTIVATE: send_activate(h, now); break;
	case SESS_ROLLBACK:
		tlv_writer_init(&w, d, sizeof(d));
		tlv_put_u8(&w, T_TYPE, (uint8_t)h->cfg.type);
		h->act.asked = 1;
		h->act.type = h->cfg.type;
		host_send_cmd(h, FC_ROLLBACK, d, w.len, H_ROLLBACK, now);
		break;
	case SESS_LOG:
		h->log_next = h->cfg.since;
		send_log_query(h, h->cfg.since, now);
		break;
	}
	return 1;
}

void host_dev_pkg_tlvs(const struct sess_host *h, struct tlv_writer *w)
{
	for (size_t off = 0; off < h->cfg.pkg_hdr_len; off += 255) {
		size_t n = h->cfg.pkg_hdr_len - off;

		tlv_put(w, T_PKG_HDR, h->cfg.pkg_hdr + off, n > 255 ? 255 : n);
	}
}

void host_dev_proven(struct sess_host *h, uint64_t now)
{
	if (h->cfg.activate && h->device)
		send_activate(h, now);
	else
		host_send_cmd(h, FC_DISCONNECT, NULL, 0, H_DISCONNECT, now);
}

static void bad_field(struct sess_host *h, uint64_t now, const char *what, const char *code)
{
	host_fail(h, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0, 0, "%s in %s", what, code);
}

int sess_info_parse(const uint8_t *data, size_t len, struct sess_info *in, const char **why)
{
	const uint8_t *v;
	size_t l;
	uint64_t x;

	memset(in, 0, sizeof(*in));
	if (!tlv_valid(data, len)) {
		*why = "a malformed TLV list";
		return -EBADMSG;
	}
	tlv_get_str(data, len, T_VENDOR, in->vendor, sizeof(in->vendor));
	tlv_get_str(data, len, T_MODEL, in->model, sizeof(in->model));
	tlv_get_str(data, len, T_SERIAL, in->serial, sizeof(in->serial));
	if (tlv_get_uint(data, len, T_CAPS, &x))
		in->caps = (uint32_t)x;
	in->has_board_time = tlv_get_uint(data, len, T_BOARD_TIME, &in->board_time);
	for (unsigned i = 0; (v = tlv_find(data, len, T_IMAGE, i, &l)); i++) {
		struct sess_image *im;

		/* A longer image is a newer board's: its first 60 bytes are ours. */
		if (l < PROTO_IMAGE_LEN) {
			*why = "a short T_IMAGE";
			return -EBADMSG;
		}
		if (in->nimages == SESS_MAX_IMAGES) {
			in->dropped++;
			continue;
		}
		im = &in->images[in->nimages];
		im->type = v[0];
		im->role = v[1];
		im->flags = v[2];
		if (pkg_version_get(v + 3, &im->version) < 0) {
			*why = "a version of more than 4 parts";
			return -EBADMSG;
		}
		if (!(im->flags & PROTO_IMG_F_VERSION))
			im->version.count = 0;
		im->size = get_be64(v + 12);
		memcpy(im->sha256, v + 20, 32);
		im->activate_at = get_be64(v + 52);
		in->nimages++;
	}
	return 0;
}

static void on_info_ack(struct sess_host *h, const struct frame *f, uint64_t now)
{
	struct sess_info *in = &h->info;
	const char *why = NULL;

	if (sess_info_parse(f->data, f->len, in, &why) < 0) {
		bad_field(h, now, why, "INFO_ACK");
		return;
	}
	in->host_time = host_wall(h, now);
	hlog(h, "info: %u images, board time %llu", in->nimages,
	     (unsigned long long)in->board_time);
	host_send_cmd(h, FC_DISCONNECT, NULL, 0, H_DISCONNECT, now);
}

static void enter_testing(struct sess_host *h, uint64_t now)
{
	uint8_t d[8];
	struct tlv_writer w;

	/* The board said how long its check may take: wait that long, then
	 * our own timer. Answers that say "testing" again do not extend it. */
	h->act_deadline = now + (uint64_t)h->act.health_ms * 1000u + h->cfg.timeout_us;
	h->act_heard = now;
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, (uint8_t)h->cfg.type);
	hlog(h, "health check running (up to %u ms)", (unsigned)h->act.health_ms);
	/* ACT_QUERY is not resent on the command schedule: it goes every
	 * 100 ms, the first 100 ms from now, until the answer is final
	 * (host_dev_poll). */
	host_keep_cmd(h, FC_ACT_QUERY, d, w.len, H_ACT_QUERY, 1, now);
}

static void on_act_state(struct sess_host *h, const struct frame *f, uint64_t now)
{
	struct sess_activation *a = &h->act;
	uint64_t type = 0, state = 0, x;
	size_t l;
	const uint8_t *v;
	char from[24], to[24];
	enum sess_host_state was = h->state;

	if (!tlv_get_uint(f->data, f->len, T_TYPE, &type) ||
	    !tlv_get_uint(f->data, f->len, T_ACT_STATE, &state)) {
		bad_field(h, now, "no type or state", "ACT_STATE");
		return;
	}
	if ((int)type != h->cfg.type) {
		host_fail(h, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, (uint32_t)h->cfg.type,
			  (uint32_t)type, "ACT_STATE for type %s, asked for %s",
			  proto_type_name((int)type), proto_type_name(h->cfg.type));
		return;
	}
	/* What each state may hear: ACTIVATE now: testing or a final answer;
	 * at a time: scheduled; the health check: testing or final; ROLLBACK:
	 * rolled back. */
	if (!((was == H_ACTIVATE && h->cfg.activate == SESS_ACT_NOW && state >= ACT_TESTING &&
	       state <= ACT_ROLLED_BACK) ||
	      (was == H_ACTIVATE && h->cfg.activate != SESS_ACT_NOW && state == ACT_SCHEDULED) ||
	      (was == H_ACT_QUERY && state >= ACT_TESTING && state <= ACT_ROLLED_BACK) ||
	      (was == H_ROLLBACK && state == ACT_ROLLED_BACK))) {
		host_fail(h, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0, (uint32_t)state,
			  "ACT_STATE '%s' in answer to %s", proto_act_state_name((int)state),
			  was == H_ACTIVATE   ? "ACTIVATE"
			  : was == H_ROLLBACK ? "ROLLBACK"
					      : "ACT_QUERY");
		return;
	}
	a->state = (int)state;
	if (tlv_get_uint(f->data, f->len, T_ACT_AT, &x))
		a->act_at = x;
	if (tlv_get_uint(f->data, f->len, T_HEALTH_MS, &x))
		a->health_ms = (uint32_t)x;
	v = tlv_find(f->data, f->len, T_VERSION_FROM, 0, &l);
	if (v && (l < PROTO_VERSION_LEN || pkg_version_get(v, &a->from) < 0)) {
		bad_field(h, now, "a malformed T_VERSION_FROM", "ACT_STATE");
		return;
	}
	v = tlv_find(f->data, f->len, T_VERSION_TO, 0, &l);
	if (v && (l < PROTO_VERSION_LEN || pkg_version_get(v, &a->to) < 0)) {
		bad_field(h, now, "a malformed T_VERSION_TO", "ACT_STATE");
		return;
	}
	hlog(h, "%s: %s (%s -> %s)", proto_type_name(h->cfg.type), proto_act_state_name(a->state),
	     sess_version_format(&a->from, from, sizeof(from)),
	     sess_version_format(&a->to, to, sizeof(to)));
	if (state == ACT_TESTING) {
		if (was == H_ACTIVATE)
			enter_testing(h, now);
		h->act_heard = now; /* alive; the deadline stays */
		return;		    /* H_ACT_QUERY: asked again in 100 ms */
	}
	if (state == ACT_ROLLED_BACK && h->cfg.job != SESS_ROLLBACK)
		h->result.rolled_back = 1;
	host_send_cmd(h, FC_DISCONNECT, NULL, 0, H_DISCONNECT, now);
}

static void on_log_data(struct sess_host *h, const struct frame *f, uint64_t now)
{
	struct sess_event ev;
	const uint8_t *v;
	size_t l;
	uint64_t next = 0;
	unsigned i;

	if (!tlv_valid(f->data, f->len)) {
		bad_field(h, now, "a malformed TLV list", "LOG_DATA");
		return;
	}
	if (!tlv_get_uint(f->data, f->len, T_NEXT, &next)) {
		bad_field(h, now, "no T_NEXT", "LOG_DATA");
		return;
	}
	/* A late copy of the answer to an earlier query: its events start
	 * below what we asked for now, or it has none and points back. */
	for (i = 0; (v = tlv_find(f->data, f->len, T_EVENT, i, &l)); i++) {
		if (l < PROTO_EVENT_LEN) {
			bad_field(h, now, "a short T_EVENT", "LOG_DATA");
			return;
		}
		if (i == 0 && get_be64(v) < h->log_since)
			return;
	}
	if (i == 0 && next && next <= h->log_since)
		return;
	for (i = 0; (v = tlv_find(f->data, f->len, T_EVENT, i, &l)); i++) {
		memset(&ev, 0, sizeof(ev));
		ev.seq = get_be64(v);
		ev.time = get_be64(v + 8);
		ev.event = v[16];
		ev.type = v[17];
		ev.notice = v[18];
		ev.detail = get_be16(v + 20);
		memcpy(ev.host, v + 22, 6);
		if (pkg_version_get(v + 28, &ev.from) < 0 || pkg_version_get(v + 37, &ev.to) < 0) {
			bad_field(h, now, "a version of more than 4 parts", "LOG_DATA");
			return;
		}
		if (ev.seq < h->log_next)
			continue; /* handed on already */
		h->log_next = ev.seq + 1;
		h->log_events++;
		if (h->cfg.on_event)
			h->cfg.on_event(h->cfg.event_ctx, &ev);
	}
	if (!next) {
		hlog(h, "log: %llu events", (unsigned long long)h->log_events);
		host_send_cmd(h, FC_DISCONNECT, NULL, 0, H_DISCONNECT, now);
		return;
	}
	if (next <= h->log_since) {
		host_fail(h, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, (uint32_t)h->log_since,
			  (uint32_t)next, "LOG_DATA T_NEXT %llu does not move past %llu",
			  (unsigned long long)next, (unsigned long long)h->log_since);
		return;
	}
	send_log_query(h, next, now);
}

void host_dev_input(struct sess_host *h, const struct frame *f, uint64_t now)
{
	switch (f->code) {
	case FC_INFO_ACK: on_info_ack(h, f, now); break;
	case FC_ACT_STATE: on_act_state(h, f, now); break;
	case FC_LOG_DATA: on_log_data(h, f, now); break;
	}
}

int host_dev_poll(struct sess_host *h, uint64_t now)
{
	if (h->state != H_ACT_QUERY)
		return 0;
	if (now >= h->act_deadline) {
		host_fail(h, now, NOTICE_TIMEOUT, D_SILENCE, 0, 0,
			  "no outcome of the health check %u ms + %.1f s after the activation: "
			  "whether the board kept the new image is not known",
			  (unsigned)h->act.health_ms, (double)h->cfg.timeout_us / 1e6);
		return 1;
	}
	/* A board that answers no ACT_QUERY for a whole timer has stopped
	 * (killed, cut off): waiting out the rest of its check tells nothing. */
	if (now >= h->act_heard + h->cfg.timeout_us) {
		host_fail(h, now, NOTICE_TIMEOUT, D_SILENCE, 0, 0,
			  "the board stopped answering during its health check (nothing for "
			  "%.1f s): whether it kept the new image is not known",
			  (double)h->cfg.timeout_us / 1e6);
		return 1;
	}
	if (now >= h->last_cmd_tx + HOST_ACT_QUERY_US) {
		nic_send(h->cfg.nic, h->cmd, h->cmd_len);
		h->last_cmd_tx = now;
	}
	return 1;
}

uint64_t host_dev_deadline(const struct sess_host *h)
{
	uint64_t q = h->last_cmd_tx + HOST_ACT_QUERY_US, d = h->act_deadline;

	if (h->act_heard + h->cfg.timeout_us < d)
		d = h->act_heard + h->cfg.timeout_us;
	return q < d ? q : d;
}

const struct sess_info *sess_host_info(const struct sess_host *h)
{
	return &h->info;
}

const struct sess_activation *sess_host_activation(const struct sess_host *h)
{
	return &h->act;
}

uint64_t sess_host_log_events(const struct sess_host *h)
{
	return h->log_events;
}
