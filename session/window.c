/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "window.h"

#define BITMAP_TLV_MAX 255u /* bytes of bitmap in one report */

int bitmap_init(struct bitmap *b, uint32_t n)
{
	b->n = n;
	b->bits = calloc(n / 8 + 1, 1);
	return b->bits ? 0 : -ENOMEM;
}

void bitmap_dispose(struct bitmap *b)
{
	free(b->bits);
	b->bits = NULL;
}

int recvwin_init(struct recvwin *r, uint32_t n)
{
	memset(r, 0, sizeof(*r));
	return bitmap_init(&r->got, n);
}

void recvwin_dispose(struct recvwin *r)
{
	bitmap_dispose(&r->got);
}

int recvwin_mark(struct recvwin *r, uint32_t seq)
{
	if (seq < 1 || seq > r->got.n)
		return -1;
	if (bitmap_get(&r->got, seq))
		return 0;
	bitmap_set(&r->got, seq);
	r->have++;
	if (seq > r->high)
		r->high = seq;
	while (r->cum < r->got.n && bitmap_get(&r->got, r->cum + 1))
		r->cum++;
	return 1;
}

void recvwin_report(const struct recvwin *r, struct tlv_writer *w)
{
	uint8_t map[BITMAP_TLV_MAX];
	uint32_t base = r->cum + 1, span = 0;

	tlv_put_u32(w, T_CUM, r->cum);
	tlv_put_u32(w, T_HIGH, r->high);
	tlv_put_u32(w, T_HAVE, r->have);
	if (r->high > r->cum) {
		span = r->high - r->cum;
		if (span > BITMAP_TLV_MAX * 8)
			span = BITMAP_TLV_MAX * 8;
		memset(map, 0, (span + 7) / 8);
		for (uint32_t i = 0; i < span; i++)
			if (bitmap_get(&r->got, base + i))
				map[i >> 3] |= (uint8_t)(1u << (i & 7));
		tlv_put_u32(w, T_BASE, base);
		tlv_put(w, T_BITMAP, map, (span + 7) / 8);
	}
}

int sendwin_init(struct sendwin *s, uint32_t n, uint32_t window)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->window = window ? window : 1;
	s->probe_every = s->window / 4 ? s->window / 4 : 1;
	s->next = 1;
	s->rto_us = 20000;
	return bitmap_init(&s->acked, n);
}

void sendwin_dispose(struct sendwin *s)
{
	bitmap_dispose(&s->acked);
}

static int ack(struct sendwin *s, uint32_t seq)
{
	if (seq < 1 || seq > s->n || bitmap_get(&s->acked, seq))
		return 0;
	bitmap_set(&s->acked, seq);
	s->acked_count++;
	return 1;
}

static void rtt_sample(struct sendwin *s, uint64_t rtt)
{
	s->srtt_us = s->srtt_us ? (7 * s->srtt_us + rtt) / 8 : rtt;
	s->rto_us = 3 * s->srtt_us;
	if (s->rto_us < 2000)
		s->rto_us = 2000;
	if (s->rto_us > 500000)
		s->rto_us = 500000;
}

int sendwin_on_report(struct sendwin *s, uint32_t id, const uint8_t *data, size_t len, uint64_t now)
{
	uint64_t cum, high, base = 0;
	const uint8_t *map = NULL;
	size_t maplen = 0;
	int fresh = 0;

	if (!tlv_get_uint(data, len, T_CUM, &cum) || !tlv_get_uint(data, len, T_HIGH, &high))
		return -1;
	if (cum > s->n || high > s->n || high < cum)
		return -1;
	if (tlv_get_uint(data, len, T_BASE, &base)) {
		map = tlv_find(data, len, T_BITMAP, 0, &maplen);
		if (!map || base < 1 || base > s->n)
			return -1;
	}
	for (uint32_t q = s->cum + 1; q <= cum; q++)
		fresh += ack(s, q);
	for (size_t i = 0; map && i < maplen * 8 && base + i <= s->n; i++)
		if (map[i >> 3] >> (i & 7) & 1)
			fresh += ack(s, (uint32_t)(base + i));
	while (s->cum < s->n && bitmap_get(&s->acked, s->cum + 1))
		s->cum++;
	if (high > s->high)
		s->high = (uint32_t)high;
	s->stalls = 0;

	if (id && id <= s->probe_id && s->probe_id - id < SENDWIN_PROBES) {
		const struct sendwin_probe *p = &s->probes[id % SENDWIN_PROBES];

		if (p->id == id) {
			if (now >= p->sent_us)
				rtt_sample(s, now - p->sent_us);
			if (id >= s->gate && p->hw > s->evidence)
				s->evidence = p->hw;
			if (id >= s->gate && s->cum < s->evidence && !s->repair) {
				s->repair = s->cum + 1;
				s->repair_end = s->evidence;
			}
		}
	}
	return fresh;
}

uint32_t sendwin_next(struct sendwin *s)
{
	while (s->repair) {
		uint32_t q = s->repair++;

		if (q > s->repair_end) {
			/* Pass over: the next one needs a probe sent after it. */
			s->repair = 0;
			s->gate = s->probe_id + 1;
			s->probe_wanted = 1;
			break;
		}
		if (!bitmap_get(&s->acked, q)) {
			s->sent_repair++;
			return q;
		}
	}
	while (s->next <= s->n && bitmap_get(&s->acked, s->next))
		s->next++; /* the receiver already has it (resume) */
	if (s->next <= s->n && s->next - 1 - s->cum < s->window) {
		s->sent_new++;
		if (++s->since_probe >= s->probe_every || s->next == s->n)
			s->probe_wanted = 1;
		return s->next++;
	}
	return 0;
}

int sendwin_probe_due(const struct sendwin *s, uint64_t now)
{
	if (sendwin_complete(s))
		return 0;
	if (s->probe_wanted)
		return 1;
	return now >= sendwin_deadline(s);
}

uint32_t sendwin_probe_sent(struct sendwin *s, uint64_t now)
{
	struct sendwin_probe *p;

	s->probe_id++;
	p = &s->probes[s->probe_id % SENDWIN_PROBES];
	p->id = s->probe_id;
	p->hw = s->next - 1;
	p->sent_us = now;
	if (!s->probe_wanted)
		s->stalls++;
	s->last_probe_us = now;
	s->since_probe = 0;
	s->probe_wanted = 0;
	s->probes_sent++;
	return s->probe_id;
}

/* One RTO after the last probe; doubled for each probe in a row that was
 * sent only because nothing came, up to 250 ms (or the RTO, if longer).
 * While the sender has nothing to send (the window is full, or every frame
 * went) and no repair to make, only news moves it, and a probe is a small
 * frame that proves nothing wrong (the link keeps order): one smoothed
 * round trip then (1 ms at least, the RTO at most), so a lost report
 * stalls it a round trip, not three. */
uint64_t sendwin_deadline(const struct sendwin *s)
{
	uint64_t base = s->rto_us, wait, cap = s->rto_us > 250000 ? s->rto_us : 250000;
	int idle = !s->repair && (s->next > s->n || s->next - 1 - s->cum >= s->window);

	if (idle && s->srtt_us) {
		base = s->srtt_us < 1000 ? 1000 : s->srtt_us;
		if (base > s->rto_us)
			base = s->rto_us;
	}
	wait = base << (s->stalls < 6 ? s->stalls : 6);
	return s->last_probe_us + (wait < cap ? wait : cap);
}
