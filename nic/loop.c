/* SPDX-License-Identifier: MIT */
/* loop: two in-memory endpoints joined back to back, for unit tests. */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "nic.h"

struct loop_queue {
	uint8_t **buf;
	size_t *len;
	unsigned depth, head, count;
	unsigned refs;
};

struct loop_priv {
	struct loop_queue *in;	/* frames for this end */
	struct loop_queue *out; /* frames for the peer */
	uint8_t *cur;		/* frame handed out by the last recv */
};

static int loop_send(struct nic *n, const uint8_t *buf, size_t len)
{
	struct loop_priv *p = n->priv;
	struct loop_queue *q = p->out;
	unsigned slot;

	if (len > n->mtu + FRAME_ETH_LEN)
		return -NIC_E_INVAL;
	if (q->count == q->depth)
		return -NIC_E_FULL;
	slot = (q->head + q->count) % q->depth;
	q->buf[slot] = malloc(len ? len : 1);
	if (!q->buf[slot])
		return -NIC_E_NOMEM;
	memcpy(q->buf[slot], buf, len);
	q->len[slot] = len;
	q->count++;
	return 0;
}

static int loop_recv(struct nic *n, const uint8_t **buf, size_t *len)
{
	struct loop_priv *p = n->priv;
	struct loop_queue *q = p->in;

	free(p->cur);
	p->cur = NULL;
	if (q->count == 0)
		return 0;
	p->cur = q->buf[q->head];
	*buf = p->cur;
	*len = q->len[q->head];
	q->head = (q->head + 1) % q->depth;
	q->count--;
	return 1;
}

static void queue_unref(struct loop_queue *q)
{
	if (--q->refs)
		return;
	while (q->count) {
		free(q->buf[q->head]);
		q->head = (q->head + 1) % q->depth;
		q->count--;
	}
	free(q->buf);
	free(q->len);
	free(q);
}

static void loop_close(struct nic *n)
{
	struct loop_priv *p = n->priv;

	free(p->cur);
	queue_unref(p->in);
	queue_unref(p->out);
	free(p);
	free(n);
}

static int loop_join(struct nic *n, const uint8_t mac[6])
{
	(void)n;
	(void)mac;
	return 0;
}

static int loop_leave(struct nic *n, const uint8_t mac[6])
{
	(void)n;
	(void)mac;
	return 0;
}

static const struct nic_ops loop_ops = {
	.send = loop_send,
	.recv = loop_recv,
	.join = loop_join,
	.leave = loop_leave,
	.close = loop_close,
};

static struct loop_queue *queue_new(unsigned depth)
{
	struct loop_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->depth = depth;
	q->buf = calloc(depth, sizeof(*q->buf));
	q->len = calloc(depth, sizeof(*q->len));
	if (!q->buf || !q->len) {
		free(q->buf);
		free(q->len);
		free(q);
		return NULL;
	}
	q->refs = 2;
	return q;
}

static struct nic *end_new(struct loop_queue *in, struct loop_queue *out, const uint8_t mac[6],
			   unsigned mtu, const char *name)
{
	struct nic *n = nic_new(&loop_ops, sizeof(struct loop_priv));
	struct loop_priv *p;

	if (!n)
		return NULL;
	p = n->priv;
	p->in = in;
	p->out = out;
	n->mtu = mtu;
	memcpy(n->mac, mac, 6);
	strcpy(n->name, name);
	return n;
}

int nic_loop_pair(struct nic **a, struct nic **b, const uint8_t mac_a[6], const uint8_t mac_b[6],
		  unsigned mtu, unsigned depth)
{
	struct loop_queue *ab = queue_new(depth ? depth : 4096);
	struct loop_queue *ba = queue_new(depth ? depth : 4096);

	*a = *b = NULL;
	if (ab && ba) {
		*a = end_new(ba, ab, mac_a, mtu, "loop:a");
		*b = end_new(ab, ba, mac_b, mtu, "loop:b");
	}
	if (*a && *b)
		return 0;
	/* Each queue starts with two references, one per end. */
	if (*a)
		loop_close(*a);
	else if (ab && ba)
		queue_unref(ab), queue_unref(ba);
	if (*b)
		loop_close(*b);
	else if (ab && ba)
		queue_unref(ab), queue_unref(ba);
	if (!ab || !ba) {
		if (ab)
			ab->refs = 1, queue_unref(ab);
		if (ba)
			ba->refs = 1, queue_unref(ba);
	}
	*a = *b = NULL;
	return -NIC_E_NOMEM;
}
