/* SPDX-License-Identifier: MIT */
/* fault: a decorator that breaks a peer in one exact way (see fault.h). */
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "frame.h"

struct fault_priv {
	struct nic *inner;
	struct nic_fault f;
	struct nic_fault_stats st;
	uint8_t buf[FRAME_BUF_MAX];
};

static uint16_t etype(const struct fault_priv *fp)
{
	return fp->f.ethertype ? fp->f.ethertype : FRAME_ETHERTYPE_DEFAULT;
}

static int is_muted(const struct fault_priv *fp)
{
	return fp->f.mute || (fp->f.mute_after && fp->st.received > fp->f.mute_after);
}

static int fault_send(struct nic *n, const uint8_t *buf, size_t len)
{
	struct fault_priv *fp = n->priv;
	struct frame fr;
	int w;

	if (is_muted(fp)) {
		fp->st.muted++;
		return 0;
	}
	if (frame_decode(&fr, buf, len, etype(fp)) != 0)
		return nic_send(fp->inner, buf, len);
	if (fp->f.drop_code && fr.seq == fp->f.drop_seq &&
	    (fr.code == fp->f.drop_code || (fp->f.drop_code_also && fr.code == fp->f.drop_code_also))) {
		fp->st.dropped++;
		return 0;
	}
	if (!fp->f.rewrite_code || fr.code != fp->f.rewrite_code || len > sizeof(fp->buf))
		return nic_send(fp->inner, buf, len);
	memcpy(fp->buf, buf, len);
	fr.code = fp->f.rewrite_to;
	w = frame_seal(fp->buf, sizeof(fp->buf), &fr, etype(fp));
	if (w < 0)
		return -NIC_E_INVAL;
	fp->st.rewritten++;
	return nic_send(fp->inner, fp->buf, (size_t)w);
}

static int fault_recv(struct nic *n, const uint8_t **buf, size_t *len)
{
	struct fault_priv *fp = n->priv;
	struct frame fr;
	int r = nic_recv(fp->inner, buf, len);

	if (r == 1 && frame_decode(&fr, *buf, *len, etype(fp)) == 0)
		fp->st.received++;
	return r;
}

static int fault_fd(struct nic *n)
{
	struct fault_priv *fp = n->priv;

	return nic_fd(fp->inner);
}

static int fault_flush(struct nic *n)
{
	struct fault_priv *fp = n->priv;

	return nic_flush(fp->inner);
}

static int fault_join(struct nic *n, const uint8_t mac[6])
{
	struct fault_priv *fp = n->priv;

	return nic_join(fp->inner, mac);
}

static int fault_leave(struct nic *n, const uint8_t mac[6])
{
	struct fault_priv *fp = n->priv;

	return nic_leave(fp->inner, mac);
}

static void fault_close(struct nic *n)
{
	struct fault_priv *fp = n->priv;

	nic_close(fp->inner);
	free(fp);
	free(n);
}

static const struct nic_ops fault_ops = {
	.send = fault_send,
	.recv = fault_recv,
	.fd = fault_fd,
	.join = fault_join,
	.leave = fault_leave,
	.close = fault_close,
	.flush = fault_flush,
};

int nic_fault_wrap(struct nic **out, struct nic *inner, const struct nic_fault *f)
{
	struct nic *n;
	struct fault_priv *fp;

	*out = NULL;
	if (!inner || !f)
		return -NIC_E_INVAL;
	n = nic_new_over(&fault_ops, sizeof(*fp), inner);
	if (!n)
		return -NIC_E_NOMEM;
	fp = n->priv;
	fp->inner = inner;
	fp->f = *f;
	*out = n;
	return 0;
}

void nic_fault_get_stats(struct nic *n, struct nic_fault_stats *st)
{
	if (n && n->ops == &fault_ops)
		*st = ((struct fault_priv *)n->priv)->st;
	else
		memset(st, 0, sizeof(*st));
}
