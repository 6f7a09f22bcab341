/* SPDX-License-Identifier: MIT */
/* hub: an in-memory Ethernet segment of many ports, for unit tests of one
 * host and many boards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "nic.h"

#define HUB_DEPTH 4096u

struct hub_frame {
	struct hub_frame *next;
	size_t len;
	uint8_t data[];
};

struct hub_port {
	struct nic *nic; /* NULL once closed */
	struct hub_frame *head, *tail;
	unsigned count;
	struct hub_frame *cur; /* frame handed out by the last recv */
	uint8_t (*group)[6];   /* multicast addresses joined */
	unsigned ngroup;
	int promisc;
	struct nic_hub_stats st;
};

struct nic_hub {
	struct hub_port *port;
	unsigned nports, depth;
	unsigned refs; /* the handle and each port still open */
};

struct hub_priv {
	struct nic_hub *hub;
	unsigned index;
};

static const uint8_t BROADCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void hub_unref(struct nic_hub *h)
{
	if (--h->refs)
		return;
	free(h->port);
	free(h);
}

static int joined(const struct hub_port *p, const uint8_t mac[6])
{
	for (unsigned i = 0; i < p->ngroup; i++)
		if (!memcmp(p->group[i], mac, 6))
			return 1;
	return 0;
}

static int wants(const struct hub_port *p, const uint8_t dst[6])
{
	if (p->promisc)
		return 1;
	if (dst[0] & 1)
		return !memcmp(dst, BROADCAST, 6) || joined(p, dst);
	return !memcmp(dst, p->nic->mac, 6);
}

static int enqueue(struct nic_hub *h, struct hub_port *p, const uint8_t *buf, size_t len)
{
	struct hub_frame *f;

	if (p->count == h->depth) {
		p->st.dropped++;
		p->nic->stats.rx_dropped++;
		return 0;
	}
	f = malloc(sizeof(*f) + len);
	if (!f)
		return -NIC_E_NOMEM;
	f->next = NULL;
	f->len = len;
	memcpy(f->data, buf, len);
	if (p->tail)
		p->tail->next = f;
	else
		p->head = f;
	p->tail = f;
	p->count++;
	p->st.queued++;
	return 0;
}

static int hub_send(struct nic *n, const uint8_t *buf, size_t len)
{
	struct hub_priv *hp = n->priv;
	struct nic_hub *h = hp->hub;
	int r = 0;

	if (len < FRAME_ETH_LEN || len > n->mtu + FRAME_ETH_LEN)
		return -NIC_E_INVAL;
	for (unsigned i = 0; i < h->nports && !r; i++) {
		struct hub_port *p = &h->port[i];

		if (i != hp->index && p->nic && wants(p, buf))
			r = enqueue(h, p, buf, len);
	}
	return r;
}

static int hub_recv(struct nic *n, const uint8_t **buf, size_t *len)
{
	struct hub_priv *hp = n->priv;
	struct hub_port *p = &hp->hub->port[hp->index];

	free(p->cur);
	p->cur = p->head;
	if (!p->cur)
		return 0;
	p->head = p->cur->next;
	if (!p->head)
		p->tail = NULL;
	p->count--;
	*buf = p->cur->data;
	*len = p->cur->len;
	return 1;
}

static int hub_join(struct nic *n, const uint8_t mac[6])
{
	struct hub_priv *hp = n->priv;
	struct hub_port *p = &hp->hub->port[hp->index];
	uint8_t(*group)[6];

	if (!(mac[0] & 1))
		return -NIC_E_INVAL;
	if (joined(p, mac))
		return 0;
	group = realloc(p->group, (p->ngroup + 1) * sizeof(*group));
	if (!group)
		return -NIC_E_NOMEM;
	p->group = group;
	memcpy(p->group[p->ngroup++], mac, 6);
	return 0;
}

static int hub_leave(struct nic *n, const uint8_t mac[6])
{
	struct hub_priv *hp = n->priv;
	struct hub_port *p = &hp->hub->port[hp->index];

	if (!(mac[0] & 1))
		return -NIC_E_INVAL;
	for (unsigned i = 0; i < p->ngroup; i++)
		if (!memcmp(p->group[i], mac, 6)) {
			memcpy(p->group[i], p->group[--p->ngroup], 6);
			break;
		}
	return 0;
}

static void hub_close(struct nic *n)
{
	struct hub_priv *hp = n->priv;
	struct nic_hub *h = hp->hub;
	struct hub_port *p = &h->port[hp->index];
	struct nic_hub_stats st;

	free(p->cur);
	while (p->head) {
		struct hub_frame *f = p->head;

		p->head = f->next;
		free(f);
	}
	free(p->group);
	st = p->st;
	memset(p, 0, sizeof(*p));
	p->st = st;
	free(hp);
	free(n);
	hub_unref(h);
}

static const struct nic_ops hub_ops = {
	.send = hub_send,
	.recv = hub_recv,
	.join = hub_join,
	.leave = hub_leave,
	.close = hub_close,
};

int nic_hub_new(struct nic_hub **out, unsigned nports, unsigned mtu, unsigned depth)
{
	struct nic_hub *h;

	*out = NULL;
	if (!nports)
		return -NIC_E_INVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -NIC_E_NOMEM;
	h->port = calloc(nports, sizeof(*h->port));
	if (!h->port) {
		free(h);
		return -NIC_E_NOMEM;
	}
	h->nports = nports;
	h->depth = depth ? depth : HUB_DEPTH;
	h->refs = 1;
	for (unsigned i = 0; i < nports; i++) {
		struct nic *n = nic_new(&hub_ops, sizeof(struct hub_priv));
		struct hub_priv *hp;

		if (!n) {
			nic_hub_free(h);
			for (unsigned j = 0; j < i; j++)
				nic_close(h->port[j].nic);
			return -NIC_E_NOMEM;
		}
		hp = n->priv;
		hp->hub = h;
		hp->index = i;
		n->mtu = mtu;
		n->mac[0] = 0x02;
		n->mac[4] = (uint8_t)((i + 1) >> 8);
		n->mac[5] = (uint8_t)(i + 1);
		snprintf(n->name, sizeof(n->name), "hub:%u", i);
		h->port[i].nic = n;
		h->refs++;
	}
	*out = h;
	return 0;
}

struct nic *nic_hub_port(struct nic_hub *h, unsigned i)
{
	return i < h->nports ? h->port[i].nic : NULL;
}

unsigned nic_hub_nports(const struct nic_hub *h)
{
	return h->nports;
}

int nic_hub_promisc(struct nic_hub *h, unsigned i, int on)
{
	if (i >= h->nports || !h->port[i].nic)
		return -NIC_E_INVAL;
	h->port[i].promisc = on != 0;
	return 0;
}

void nic_hub_get_stats(const struct nic_hub *h, unsigned i, struct nic_hub_stats *st)
{
	if (i < h->nports)
		*st = h->port[i].st;
	else
		memset(st, 0, sizeof(*st));
}

void nic_hub_free(struct nic_hub *h)
{
	if (h)
		hub_unref(h);
}
