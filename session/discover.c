/* SPDX-License-Identifier: MIT */
/* The host's discovery machine (PROTOCOL.md §8, Discovery). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "discover.h"

static const uint8_t discover_mac[6] = FRAME_DISCOVER_MAC;

#define dlog(d, ...) sess_logf((d)->cfg.log, (d)->cfg.log_ctx, __VA_ARGS__)

int sess_disc_init(struct sess_disc *d, const struct sess_disc_config *cfg)
{
	memset(d, 0, sizeof(*d));
	if (!cfg->nic || !cfg->probe_id || (cfg->vendor && strlen(cfg->vendor) > 63) ||
	    (cfg->model && strlen(cfg->model) > 63))
		return -EINVAL;
	d->cfg = *cfg;
	if (!d->cfg.window_ms)
		d->cfg.window_ms = DISC_WINDOW_MS;
	if (!d->cfg.probes)
		d->cfg.probes = DISC_PROBES;
	return 0;
}

void sess_disc_dispose(struct sess_disc *d)
{
	free(d->boards);
	d->boards = NULL;
	d->nboards = d->cap = 0;
}

int sess_disc_probe(const struct sess_disc *d, uint32_t seq, uint8_t *buf, size_t cap,
		    size_t *listed)
{
	uint8_t data[FRAME_MAX_DATA];
	size_t room = sess_block_for_mtu(d->cfg.nic->mtu), i = 0;
	struct tlv_writer w;

	if (room > sizeof(data))
		room = sizeof(data);
	tlv_writer_init(&w, data, room);
	tlv_put_u32(&w, T_DELAY_MS, d->cfg.window_ms);
	if (d->cfg.vendor && *d->cfg.vendor)
		tlv_put_str(&w, T_VENDOR, d->cfg.vendor);
	if (d->cfg.model && *d->cfg.model)
		tlv_put_str(&w, T_MODEL, d->cfg.model);
	while (i < d->nboards && w.len + 2 + 6 <= room) {
		size_t n = d->nboards - i, fit = (room - w.len - 2) / 6;
		uint8_t macs[DISC_HEARD_MAX * 6];

		if (n > DISC_HEARD_MAX)
			n = DISC_HEARD_MAX;
		if (n > fit)
			n = fit;
		for (size_t k = 0; k < n; k++)
			memcpy(macs + 6 * k, d->boards[i + k].mac, 6);
		tlv_put(&w, T_HEARD, macs, 6 * n);
		i += n;
	}
	*listed = i;
	return sess_encode(d->cfg.nic, d->cfg.ethertype, buf, cap, discover_mac, d->cfg.probe_id,
			   seq, FC_DISCOVER, 0, data, w.len);
}

static void send_probe(struct sess_disc *d, uint64_t now)
{
	size_t listed = 0;
	int n;

	d->sent++;
	n = sess_disc_probe(d, d->sent, d->tx, sizeof(d->tx), &listed);
	/* A probe the nic refused is lost like one the wire lost: the next
	 * repeat asks again. */
	if (n > 0 && nic_send(d->cfg.nic, d->tx, (size_t)n) < 0)
		dlog(d, "discover: probe %u not sent", d->sent);
	else
		dlog(d, "discover: probe %u (%zu heard named)", d->sent, listed);
	d->last_probe = now;
	d->next_probe = now + (uint64_t)d->cfg.window_ms * 1000u;
}

void sess_disc_start(struct sess_disc *d, uint64_t now)
{
	send_probe(d, now);
}

static int match(const char *want, const char *got)
{
	return !want || !*want || !strcmp(want, got);
}

void sess_disc_input(struct sess_disc *d, const uint8_t *buf, size_t len, uint64_t now)
{
	struct sess_disc_board *b;
	struct frame f;
	const char *why = NULL;
	size_t i;

	(void)now;
	if (d->done || frame_decode(&f, buf, len, etype(d->cfg.ethertype)) < 0)
		return;
	if (f.code != FC_DISCOVER_ACK || f.session != d->cfg.probe_id ||
	    memcmp(f.dst, d->cfg.nic->mac, 6) || (f.src[0] & 1))
		return;
	d->answers++;
	for (i = 0; i < d->nboards; i++)
		if (!memcmp(d->boards[i].mac, f.src, 6)) {
			d->duplicates++;
			return;
		}
	if (d->nboards == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		struct sess_disc_board *nb = realloc(d->boards, cap * sizeof(*nb));

		if (!nb) {
			d->err = -ENOMEM;
			return;
		}
		d->boards = nb;
		d->cap = cap;
	}
	b = &d->boards[d->nboards];
	if (sess_info_parse(f.data, f.len, &b->info, &why) < 0) {
		dlog(d, "discover: a DISCOVER_ACK with %s, ignored", why);
		d->refused++;
		return;
	}
	/* A board answers only a probe it matches; one that answers anyway
	 * is not what was asked for. */
	if (!match(d->cfg.vendor, b->info.vendor) || !match(d->cfg.model, b->info.model)) {
		d->refused++;
		return;
	}
	memcpy(b->mac, f.src, 6);
	b->probe = f.seq;
	d->nboards++;
	for (i = 0; i < d->cfg.nwant; i++)
		if (!memcmp(d->cfg.want[i], f.src, 6)) {
			if (++d->want_heard == d->cfg.nwant) {
				dlog(d, "discover: every board looked for answered");
				d->done = 1;
			}
			break;
		}
}

void sess_disc_poll(struct sess_disc *d, uint64_t now)
{
	if (d->done || now < d->next_probe)
		return;
	if (d->sent < d->cfg.probes)
		send_probe(d, now);
	else
		d->done = 1;
}

uint64_t sess_disc_next_deadline(const struct sess_disc *d)
{
	return d->done ? SESS_NEVER : d->next_probe;
}

const struct sess_disc_board *sess_disc_boards(const struct sess_disc *d, size_t *n)
{
	*n = d->nboards;
	return d->boards;
}
