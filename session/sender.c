/* SPDX-License-Identifier: MIT */
/* The sender of the transfer engine: data frames out, strict or windowed,
 * paced, with the full-queue back-off and the probes that drive repair. */
#include <errno.h>
#include <string.h>

#include "proto.h"
#include "xfer.h"

#define BATCH	     64	 /* data frames per poll before input is looked at again */
#define BLOCKED_WAIT 200 /* us to let a full queue drain */
#define OVERRUN_MIN_BPS 1000000ull /* pacing for overrun goes no slower */

/* Bytes of a full data frame on the wire: what pacing counts. */
static size_t data_frame_len(const struct xsend *s)
{
	return FRAME_HDR_LEN + s->cfg.block + FRAME_TRL_LEN;
}

static uint16_t etype(const struct xsend *s)
{
	return s->cfg.ethertype ? s->cfg.ethertype : FRAME_ETHERTYPE_DEFAULT;
}

/* The header of a frame of this sender's session. */
static void head(const struct xsend *s, struct frame *f, uint8_t code, uint32_t seq, uint8_t flags,
		 size_t len)
{
	memset(f, 0, sizeof(*f));
	f->version = FRAME_VERSION;
	f->flags = flags;
	f->session = s->cfg.session;
	f->seq = seq;
	f->code = code;
	f->len = (uint16_t)len;
	memcpy(f->dst, s->cfg.dst, 6);
	memcpy(f->src, s->cfg.nic->mac, 6);
}

int xsend_init(struct xsend *s, const struct xsend_config *cfg, uint64_t now)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (!cfg->read || !cfg->tx || !cfg->nic || xfer_frames(cfg->size, cfg->block, &s->frames))
		return -EINVAL;
	s->strict_next = 1;
	s->start_us = now;
	pace_init(&s->pace, cfg->rate_bps, data_frame_len(s), now);
	if (cfg->windowed)
		return sendwin_init(&s->sw, s->frames, cfg->window);
	return 0;
}

void xsend_dispose(struct xsend *s)
{
	sendwin_dispose(&s->sw);
}

static size_t frame_bytes(const struct xsend *s, uint32_t seq)
{
	uint64_t off = (uint64_t)(seq - 1) * s->cfg.block;

	return s->cfg.size - off < s->cfg.block ? (size_t)(s->cfg.size - off) : s->cfg.block;
}

/* Send data frame seq. 0 when it went, 1 when the nic refused it for now (a
 * full queue: congestion, not failure), or -errno when the read failed. */
static int send_data(struct xsend *s, uint32_t seq, uint8_t flags, uint64_t now)
{
	uint64_t off = (uint64_t)(seq - 1) * s->cfg.block;
	size_t len = frame_bytes(s, seq);
	struct frame f;
	int n, r;

	r = s->cfg.read(s->cfg.ctx, off, s->cfg.tx + FRAME_HDR_LEN, len);
	if (r < 0)
		return s->err = r;
	head(s, &f, s->cfg.data_code, seq, flags, len);
	n = frame_seal(s->cfg.tx, FRAME_BUF_MAX, &f, etype(s));
	if (n < 0 || nic_send(s->cfg.nic, s->cfg.tx, (size_t)n) < 0) {
		s->blocked_until = now + BLOCKED_WAIT;
		return 1;
	}
	s->frames_sent++;
	pace_charge(&s->pace, (size_t)n);
	return 0;
}

static void send_probe(struct xsend *s, uint64_t now)
{
	uint8_t buf[FRAME_MIN_LEN];
	struct frame f;
	int n;

	head(s, &f, s->cfg.probe_code, sendwin_probe_sent(&s->sw, now), FRAME_FLAG_ACKREQ, 0);
	n = frame_encode(buf, sizeof(buf), &f, etype(s));
	if (n > 0)
		nic_send(s->cfg.nic, buf, (size_t)n); /* a refused probe is a lost one */
}

static int poll_strict(struct xsend *s, uint64_t now)
{
	int progress = 0, r;

	for (int i = 0; i < BATCH && s->strict_next <= s->frames; i++) {
		if (!pace_ready(&s->pace, now) || s->blocked_until > now)
			break;
		/* In order, no gaps: a refused frame is tried again. */
		r = send_data(s, s->strict_next, 0, now);
		if (r < 0)
			return r;
		if (r > 0)
			break;
		s->bytes_new += frame_bytes(s, s->strict_next);
		s->strict_next++;
		progress = 1;
	}
	return progress;
}

static int poll_windowed(struct xsend *s, uint64_t now)
{
	int progress = 0, r;

	for (int i = 0; i < BATCH && !sendwin_complete(&s->sw); i++) {
		uint64_t before;
		uint32_t seq;
		int fresh;

		if (!pace_ready(&s->pace, now) || s->blocked_until > now)
			break;
		before = s->sw.sent_new;
		seq = sendwin_next(&s->sw);
		if (seq) {
			/* (a repair can resend the last new frame: seq == next - 1
			 * does not tell them apart, and a resend is no progress) */
			fresh = s->sw.sent_new != before;
			/* A refused frame is lost like any other: repair resends it. */
			r = send_data(s, seq, fresh ? 0 : FRAME_FLAG_RETX, now);
			if (r < 0)
				return r;
			if (fresh) {
				progress = 1;
				s->bytes_new += frame_bytes(s, seq);
			}
		}
		if (sendwin_probe_due(&s->sw, now))
			send_probe(s, now);
		if (!seq)
			break;
	}
	return progress;
}

int xsend_poll(struct xsend *s, uint64_t now)
{
	if (s->err)
		return s->err;
	return s->cfg.windowed ? poll_windowed(s, now) : poll_strict(s, now);
}

/* The receiver dropped frames for lack of room (its report's T_OVERRUN
 * grew): pace at 7/8 of what it acknowledged per second so far, or at 3/4
 * of the pace already set if that is lower; at most once a round trip (the
 * drops a report shows may predate the last cut). Four round trips without
 * a drop raise the pace by an eighth (never above the operator's rate), so
 * a board that was only busy for a moment gets the link back. */
static void on_overrun(struct xsend *s, uint64_t count, uint64_t now)
{
	size_t fbytes = data_frame_len(s);
	uint64_t rtt = s->sw.srtt_us > 1000 ? s->sw.srtt_us : 1000, rate;

	if (count <= s->overrun) {
		s->overrun = count;
		rate = s->pace.rate_bps + s->pace.rate_bps / 8;
		if (s->cfg.rate_bps && rate > s->cfg.rate_bps)
			rate = s->cfg.rate_bps;
		if (s->overrun_cuts && now - s->overrun_cut_us >= 4 * rtt && rate > s->pace.rate_bps) {
			pace_init(&s->pace, rate, fbytes, now);
			s->overrun_cut_us = now;
		}
		return;
	}
	s->overrun = count;
	if (s->overrun_cuts && now - s->overrun_cut_us < rtt)
		return;
	rate = now > s->start_us ? (uint64_t)((double)s->sw.acked_count * (double)fbytes * 8e6 /
					       (double)(now - s->start_us) * 7 / 8)
				 : 0;
	if (s->pace.rate_bps && (s->pace.rate_bps / 4 * 3 < rate || !rate))
		rate = s->pace.rate_bps / 4 * 3;
	if (rate < OVERRUN_MIN_BPS)
		rate = OVERRUN_MIN_BPS;
	pace_init(&s->pace, rate, fbytes, now);
	s->overrun_cut_us = now;
	s->overrun_cuts++;
}

int xsend_report(struct xsend *s, uint32_t id, const uint8_t *data, size_t len, uint64_t now)
{
	uint64_t overrun;
	int r;

	if (!s->cfg.windowed)
		return -1;
	r = sendwin_on_report(&s->sw, id, data, len, now);
	if (r >= 0)
		on_overrun(s, tlv_get_uint(data, len, T_OVERRUN, &overrun) ? overrun : s->overrun,
			   now);
	return r;
}

int xsend_resume(struct xsend *s, const uint8_t *data, size_t len, uint64_t now)
{
	return xsend_report(s, 0, data, len, now);
}

int xsend_done(const struct xsend *s)
{
	return s->cfg.windowed ? sendwin_complete(&s->sw) : s->strict_next > s->frames;
}

uint64_t xsend_deadline(const struct xsend *s)
{
	const struct sendwin *w = &s->sw;
	uint64_t t;

	if (s->err || xsend_done(s))
		return XFER_NEVER;
	/* A frame can go now (or when pacing or the queue lets it). */
	if (!s->cfg.windowed || w->repair || w->probe_wanted ||
	    (w->next <= w->n && w->next - 1 - w->cum < w->window)) {
		t = pace_next(&s->pace);
		return s->blocked_until > t ? s->blocked_until : t;
	}
	return sendwin_deadline(w); /* the window is full: a stall probe then */
}

uint32_t xsend_acked(const struct xsend *s)
{
	return s->cfg.windowed ? s->sw.acked_count : s->strict_next - 1;
}
