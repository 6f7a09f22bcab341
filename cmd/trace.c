/* SPDX-License-Identifier: MIT */
#include <stdlib.h>

#include "frame.h"
#include "trace.h"

struct trace_priv {
	struct nic *inner;
	uint16_t ethertype;
	FILE *log;
};

char *trace_format(char *out, size_t cap, const char *dir, const uint8_t *buf, size_t len,
		   uint16_t ethertype)
{
	struct frame f;
	int r = frame_decode(&f, buf, len, ethertype ? ethertype : FRAME_ETHERTYPE_DEFAULT);

	if (r < 0 && r != -FRAME_E_CRC && r != -FRAME_E_CODE)
		snprintf(out, cap, "%s %zu bytes: %s", dir, len, frame_strerror(r));
	else
		snprintf(out, cap, "%s %s seq %u len %u%s", dir, frame_code_name(f.code),
			 (unsigned)f.seq, (unsigned)f.len, r < 0 ? " (bad CRC)" : "");
	return out;
}

static void say(struct trace_priv *tp, const char *dir, const uint8_t *buf, size_t len)
{
	char line[160];

	fprintf(tp->log, "ethdl: %s\n",
		trace_format(line, sizeof(line), dir, buf, len, tp->ethertype));
}

static int trace_send(struct nic *n, const uint8_t *buf, size_t len)
{
	struct trace_priv *tp = n->priv;
	int r = nic_send(tp->inner, buf, len);

	if (r == 0)
		say(tp, "tx", buf, len);
	return r;
}

static int trace_recv(struct nic *n, const uint8_t **buf, size_t *len)
{
	struct trace_priv *tp = n->priv;
	int r = nic_recv(tp->inner, buf, len);

	if (r == 1)
		say(tp, "rx", *buf, *len);
	return r;
}

static int trace_fd(struct nic *n)
{
	return nic_fd(((struct trace_priv *)n->priv)->inner);
}

static int trace_join(struct nic *n, const uint8_t mac[6])
{
	return nic_join(((struct trace_priv *)n->priv)->inner, mac);
}

static int trace_leave(struct nic *n, const uint8_t mac[6])
{
	return nic_leave(((struct trace_priv *)n->priv)->inner, mac);
}

/* Frames the inner nic queued go out when it flushes: pass it on. */
static int trace_flush(struct nic *n)
{
	return nic_flush(((struct trace_priv *)n->priv)->inner);
}

static void trace_close(struct nic *n)
{
	struct trace_priv *tp = n->priv;

	nic_close(tp->inner);
	free(tp);
	free(n);
}

static const struct nic_ops trace_ops = {
	.send = trace_send,
	.recv = trace_recv,
	.fd = trace_fd,
	.join = trace_join,
	.leave = trace_leave,
	.close = trace_close,
	.flush = trace_flush,
};

struct nic *trace_wrap(struct nic *inner, uint16_t ethertype, FILE *log)
{
	struct nic *n = nic_new_over(&trace_ops, sizeof(struct trace_priv), inner);
	struct trace_priv *tp;

	if (!n)
		return NULL;
	tp = n->priv;
	tp->inner = inner;
	tp->ethertype = ethertype;
	tp->log = log;
	return n;
}
