/* SPDX-License-Identifier: MIT */
/* impair: a decorator that drops, corrupts, duplicates, reorders and delays
 * frames with given probabilities, from a seeded generator so that a failing
 * run can be replayed exactly. */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "nic.h"

#define HOLD_MAX 64

struct held {
	uint8_t *buf;
	size_t len;
	uint64_t release_us; /* 0: released by the next frame (reorder) */
};

struct dir {
	struct held q[HOLD_MAX];
	unsigned count;
};

struct impair_priv {
	struct nic *inner;
	struct nic_impair p;
	struct nic_impair_stats st;
	uint64_t rng;
	struct dir tx, rx;
	uint8_t *cur; /* frame handed out by the last recv */
	uint8_t scratch[FRAME_BUF_MAX];
};

/* splitmix64: small, fast and good enough for fault injection. */
static uint64_t next_rand(struct impair_priv *ip)
{
	uint64_t z = (ip->rng += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static int chance(struct impair_priv *ip, double p)
{
	if (p <= 0)
		return 0;
	return (double)(next_rand(ip) >> 11) * (1.0 / 9007199254740992.0) < p;
}

static uint64_t now(struct impair_priv *ip)
{
	return ip->p.now_us ? ip->p.now_us(ip->p.clock_ctx) : 0;
}

/* Flip one bit in the part of the frame the CRC covers (or the flags around
 * it), never in the Ethernet header or the zero pad, so that a corrupted frame
 * is always a detectably corrupted frame. */
static void corrupt(struct impair_priv *ip, uint8_t *buf, size_t len)
{
	size_t span = len > FRAME_ETH_LEN ? len - FRAME_ETH_LEN : 0;

	if (len >= FRAME_HDR_LEN) {
		size_t used = FRAME_HDR_LEN + get_be16(buf + 27) + FRAME_TRL_LEN;

		if (used <= len)
			span = used - FRAME_ETH_LEN;
	}
	if (span)
		buf[FRAME_ETH_LEN + next_rand(ip) % span] ^= (uint8_t)(1u << (next_rand(ip) % 8));
}

static int hold(struct dir *d, const uint8_t *buf, size_t len, uint64_t release)
{
	uint8_t *copy;

	if (d->count == HOLD_MAX)
		return 0;
	copy = malloc(len);
	if (!copy)
		return 0;
	memcpy(copy, buf, len);
	d->q[d->count].buf = copy;
	d->q[d->count].len = len;
	d->q[d->count].release_us = release;
	d->count++;
	return 1;
}

/* Remove and return the first held frame that is due (release != 0 and
 * past), or, with reorder_too, the first one held for reordering. */
static int take_due(struct dir *d, uint64_t t, int reorder_too, uint8_t **buf, size_t *len)
{
	for (unsigned i = 0; i < d->count; i++) {
		struct held *h = &d->q[i];

		if ((h->release_us && h->release_us <= t) || (!h->release_us && reorder_too)) {
			*buf = h->buf;
			*len = h->len;
			memmove(h, h + 1, (d->count - i - 1) * sizeof(*h));
			d->count--;
			return 1;
		}
	}
	return 0;
}

/* Decide the fate of one frame. Returns 0 to pass it on (possibly modified
 * in place in out), 1 if it was dropped or held. *dup is set when it should
 * go twice. */
static int judge(struct impair_priv *ip, struct dir *d, uint8_t *frame, size_t len, int *dup)
{
	ip->st.seen++;
	*dup = 0;
	if (chance(ip, ip->p.drop)) {
		ip->st.dropped++;
		return 1;
	}
	if (chance(ip, ip->p.corrupt)) {
		corrupt(ip, frame, len);
		ip->st.corrupted++;
	}
	if (ip->p.now_us && chance(ip, ip->p.delay) &&
	    hold(d, frame, len, now(ip) + ip->p.delay_us + 1)) {
		ip->st.delayed++;
		return 1;
	}
	if (chance(ip, ip->p.reorder) && hold(d, frame, len, 0)) {
		ip->st.reordered++;
		return 1;
	}
	if (chance(ip, ip->p.duplicate)) {
		ip->st.duplicated++;
		*dup = 1;
	}
	return 0;
}

static int flush_tx(struct impair_priv *ip, int reorder_too)
{
	uint8_t *b;
	size_t l;
	int r = 0;

	while (take_due(&ip->tx, now(ip), reorder_too, &b, &l)) {
		int e = nic_send(ip->inner, b, l);

		if (e < 0)
			r = e;
		free(b);
	}
	return r;
}

static int impair_send(struct nic *n, const uint8_t *buf, size_t len)
{
	struct impair_priv *ip = n->priv;
	int dup, r;

	if (!ip->p.on_tx)
		return nic_send(ip->inner, buf, len);
	if (len > sizeof(ip->scratch))
		return -NIC_E_INVAL;
	memcpy(ip->scratch, buf, len);
	if (judge(ip, &ip->tx, ip->scratch, len, &dup))
		return flush_tx(ip, 0);
	r = nic_send(ip->inner, ip->scratch, len);
	if (r == 0 && dup)
		r = nic_send(ip->inner, ip->scratch, len);
	if (r == 0)
		r = flush_tx(ip, 1);
	return r;
}

static int impair_recv(struct nic *n, const uint8_t **out, size_t *outlen)
{
	struct impair_priv *ip = n->priv;
	const uint8_t *buf;
	size_t len;
	int dup, r;

	free(ip->cur);
	ip->cur = NULL;
	/* A sent frame held for reordering goes at the latest when its sender
	 * looks for input: it is overtaken, not lost for as long as the sender
	 * stays quiet (a board that only answers would hold its answer for
	 * good). */
	flush_tx(ip, 1);
	if (!ip->p.on_rx)
		return nic_recv(ip->inner, out, outlen);
	if (take_due(&ip->rx, now(ip), 0, &ip->cur, outlen)) {
		*out = ip->cur;
		return 1;
	}
	for (;;) {
		r = nic_recv(ip->inner, &buf, &len);
		if (r <= 0) {
			/* Nothing new: a frame held for reordering goes now. */
			if (r == 0 && take_due(&ip->rx, now(ip), 1, &ip->cur, outlen)) {
				*out = ip->cur;
				return 1;
			}
			return r;
		}
		if (len > sizeof(ip->scratch))
			return -NIC_E_IO;
		memcpy(ip->scratch, buf, len);
		if (judge(ip, &ip->rx, ip->scratch, len, &dup))
			continue;
		if (dup)
			hold(&ip->rx, ip->scratch, len, 0);
		ip->cur = malloc(len ? len : 1);
		if (!ip->cur)
			return -NIC_E_NOMEM;
		memcpy(ip->cur, ip->scratch, len);
		*out = ip->cur;
		*outlen = len;
		return 1;
	}
}

static int impair_fd(struct nic *n)
{
	struct impair_priv *ip = n->priv;

	return nic_fd(ip->inner);
}

static int impair_flush(struct nic *n)
{
	struct impair_priv *ip = n->priv;

	return nic_flush(ip->inner);
}

static int impair_join(struct nic *n, const uint8_t mac[6])
{
	struct impair_priv *ip = n->priv;

	return nic_join(ip->inner, mac);
}

static int impair_leave(struct nic *n, const uint8_t mac[6])
{
	struct impair_priv *ip = n->priv;

	return nic_leave(ip->inner, mac);
}

static void impair_close(struct nic *n)
{
	struct impair_priv *ip = n->priv;

	for (unsigned i = 0; i < ip->tx.count; i++)
		free(ip->tx.q[i].buf);
	for (unsigned i = 0; i < ip->rx.count; i++)
		free(ip->rx.q[i].buf);
	free(ip->cur);
	nic_close(ip->inner);
	free(ip);
	free(n);
}

static const struct nic_ops impair_ops = {
	.send = impair_send,
	.recv = impair_recv,
	.fd = impair_fd,
	.join = impair_join,
	.leave = impair_leave,
	.close = impair_close,
	.flush = impair_flush,
};

int nic_impair_wrap(struct nic **out, struct nic *inner, const struct nic_impair *p)
{
	struct nic *n = nic_new_over(&impair_ops, sizeof(struct impair_priv), inner);
	struct impair_priv *ip;

	*out = NULL;
	if (!n)
		return -NIC_E_NOMEM;
	ip = n->priv;
	ip->inner = inner;
	ip->p = *p;
	ip->rng = p->seed;
	*out = n;
	return 0;
}

void nic_impair_get_stats(struct nic *n, struct nic_impair_stats *st)
{
	if (n->ops == &impair_ops)
		*st = ((struct impair_priv *)n->priv)->st;
	else
		memset(st, 0, sizeof(*st));
}
