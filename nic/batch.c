/* SPDX-License-Identifier: MIT */
/* batch: a queue of sent frames passed on in batches, exactly once each and
 * in order, and the decorator that puts it in front of any nic. */
#include <stdlib.h>
#include <string.h>

#include "nic.h"

#define BATCH_DEPTH_DEFAULT 64

int nic_batchq_init(struct nic_batchq *q, unsigned cap, size_t slot)
{
	memset(q, 0, sizeof(*q));
	if (!cap || !slot)
		return -NIC_E_INVAL;
	q->buf = malloc((size_t)cap * slot);
	q->frame = calloc(cap, sizeof(*q->frame));
	q->len = calloc(cap, sizeof(*q->len));
	if (!q->buf || !q->frame || !q->len) {
		nic_batchq_dispose(q);
		return -NIC_E_NOMEM;
	}
	for (unsigned i = 0; i < cap; i++)
		q->frame[i] = q->buf + (size_t)i * slot;
	q->cap = cap;
	q->slot = slot;
	return 0;
}

void nic_batchq_dispose(struct nic_batchq *q)
{
	free(q->buf);
	free(q->frame);
	free(q->len);
	memset(q, 0, sizeof(*q));
}

static int take_err(struct nic_batchq *q)
{
	int e = q->err;

	q->err = 0;
	return e;
}

int nic_batchq_flush(struct nic_batchq *q, nic_xmit_fn xmit, void *ctx)
{
	while (q->count) {
		int r = xmit(ctx, q->frame + q->first, q->len + q->first, q->count);

		q->batches++;
		if (r == -NIC_E_FULL || r == 0) {
			q->full++;
			break;
		}
		if (r < 0) {
			/* The first frame failed for good: drop it, report it. */
			q->err = r;
			r = 1;
		} else if ((unsigned)r < q->count) {
			q->partial++;
		}
		q->first += (unsigned)r;
		q->count -= (unsigned)r;
		if (q->err)
			break;
	}
	if (!q->count)
		q->first = 0;
	return q->err ? take_err(q) : (int)q->count;
}

int nic_batchq_send(struct nic_batchq *q, const uint8_t *buf, size_t len, nic_xmit_fn xmit,
		    void *ctx)
{
	unsigned at;

	if (len > q->slot)
		return -NIC_E_INVAL;
	if (q->err)
		return take_err(q);
	if (q->first + q->count == q->cap) {
		int r = nic_batchq_flush(q, xmit, ctx);

		if (r < 0)
			return r;
		if (q->count == q->cap)
			return -NIC_E_FULL;
		if (q->first) {
			/* Move what is left to the front (only after the
			 * kernel refused part of a batch). */
			memmove(q->buf, q->frame[q->first], (size_t)q->count * q->slot);
			memmove(q->len, q->len + q->first, q->count * sizeof(*q->len));
			q->first = 0;
		}
	}
	at = q->first + q->count;
	memcpy(q->frame[at], buf, len);
	q->len[at] = len;
	q->count++;
	if (q->first + q->count == q->cap) {
		int r = nic_batchq_flush(q, xmit, ctx);

		/* The frame is queued whatever happened: a failure is said
		 * by the next call. */
		if (r < 0)
			q->err = r;
	}
	return 0;
}

/* ---- the decorator ---- */

struct batch_priv {
	struct nic *inner;
	struct nic_batchq q;
};

static int batch_xmit(void *ctx, uint8_t *const *frames, const size_t *lens, unsigned n)
{
	struct nic *inner = ctx;
	unsigned i;

	for (i = 0; i < n; i++) {
		int r = nic_send(inner, frames[i], lens[i]);

		if (r == -NIC_E_FULL)
			break;
		if (r < 0)
			return i ? (int)i : r;
	}
	return i ? (int)i : -NIC_E_FULL;
}

static int batch_send(struct nic *n, const uint8_t *buf, size_t len)
{
	struct batch_priv *bp = n->priv;

	return nic_batchq_send(&bp->q, buf, len, batch_xmit, bp->inner);
}

static int batch_flush(struct nic *n)
{
	struct batch_priv *bp = n->priv;
	int r = nic_batchq_flush(&bp->q, batch_xmit, bp->inner);
	int ri = nic_flush(bp->inner);

	if (r < 0)
		return r;
	if (ri < 0)
		return ri;
	return r + ri;
}

static int batch_recv(struct nic *n, const uint8_t **buf, size_t *len)
{
	struct batch_priv *bp = n->priv;

	return nic_recv(bp->inner, buf, len);
}

static int batch_fd(struct nic *n)
{
	struct batch_priv *bp = n->priv;

	return nic_fd(bp->inner);
}

static int batch_join(struct nic *n, const uint8_t mac[6])
{
	struct batch_priv *bp = n->priv;

	return nic_join(bp->inner, mac);
}

static int batch_leave(struct nic *n, const uint8_t mac[6])
{
	struct batch_priv *bp = n->priv;

	return nic_leave(bp->inner, mac);
}

static void batch_close(struct nic *n)
{
	struct batch_priv *bp = n->priv;

	nic_batchq_flush(&bp->q, batch_xmit, bp->inner);
	nic_batchq_dispose(&bp->q);
	nic_close(bp->inner);
	free(bp);
	free(n);
}

static const struct nic_ops batch_ops = {
	.send = batch_send,
	.recv = batch_recv,
	.fd = batch_fd,
	.join = batch_join,
	.leave = batch_leave,
	.close = batch_close,
	.flush = batch_flush,
};

int nic_batch_wrap(struct nic **out, struct nic *inner, unsigned depth)
{
	struct nic *n = nic_new_over(&batch_ops, sizeof(struct batch_priv), inner);
	struct batch_priv *bp;
	int r;

	*out = NULL;
	if (!n)
		return -NIC_E_NOMEM;
	bp = n->priv;
	r = nic_batchq_init(&bp->q, depth ? depth : BATCH_DEPTH_DEFAULT,
			    (size_t)inner->mtu + 14 + 4);
	if (r < 0) {
		free(bp);
		free(n);
		return r;
	}
	bp->inner = inner;
	*out = n;
	return 0;
}
