/* SPDX-License-Identifier: MIT */
/* file: replay a pcap capture as received frames, keeping what is sent.
 * capture: a decorator writing every frame that passes to a pcap file. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <pcap/pcap.h>

#include "frame.h"
#include "nic.h"

#define FILE_MTU     9000
#define CAPTURE_SNAP 65535

struct sent {
	uint8_t *buf;
	size_t len;
};

struct file_priv {
	pcap_t *pcap;
	const uint8_t *first; /* read at open for its MAC, handed out by the first recv */
	size_t first_len;
	struct sent *sent;
	size_t nsent, cap;
};

struct capture_priv {
	struct nic *inner;
	pcap_t *dead;
	pcap_dumper_t *dump;
};

static void __attribute__((format(printf, 2, 3))) set_err(char *errbuf, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, NIC_ERRBUF_SIZE, fmt, ap);
	va_end(ap);
}

/* libpcap names the file in some messages and not in others. */
static void set_pcap_err(char *errbuf, const char *path, const char *msg)
{
	size_t n = strlen(path);

	if (strncmp(msg, path, n) == 0 && msg[n] == ':')
		set_err(errbuf, "%s", msg);
	else
		set_err(errbuf, "%s: %s", path, msg);
}

static int file_send(struct nic *n, const uint8_t *buf, size_t len)
{
	struct file_priv *fp = n->priv;
	uint8_t *copy;

	if (len > n->mtu + FRAME_ETH_LEN)
		return -NIC_E_INVAL;
	if (fp->nsent == fp->cap) {
		size_t cap = fp->cap ? 2 * fp->cap : 64;
		struct sent *s = realloc(fp->sent, cap * sizeof(*s));

		if (!s)
			return -NIC_E_NOMEM;
		fp->sent = s;
		fp->cap = cap;
	}
	copy = malloc(len ? len : 1);
	if (!copy)
		return -NIC_E_NOMEM;
	memcpy(copy, buf, len);
	fp->sent[fp->nsent].buf = copy;
	fp->sent[fp->nsent].len = len;
	fp->nsent++;
	return 0;
}

static int file_recv(struct nic *n, const uint8_t **buf, size_t *len)
{
	struct file_priv *fp = n->priv;
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;

	if (fp->first) {
		*buf = fp->first;
		*len = fp->first_len;
		fp->first = NULL;
		return 1;
	}
	r = pcap_next_ex(fp->pcap, &h, &data);
	if (r == PCAP_ERROR_BREAK)
		return 0;
	if (r != 1)
		return -NIC_E_FILE;
	*buf = data;
	*len = h->caplen;
	return 1;
}

static int file_join(struct nic *n, const uint8_t mac[6])
{
	(void)n;
	(void)mac;
	return 0;
}

static int file_leave(struct nic *n, const uint8_t mac[6])
{
	(void)n;
	(void)mac;
	return 0;
}

static void file_close(struct nic *n)
{
	struct file_priv *fp = n->priv;

	if (fp) {
		if (fp->pcap)
			pcap_close(fp->pcap);
		for (size_t i = 0; i < fp->nsent; i++)
			free(fp->sent[i].buf);
		free(fp->sent);
		free(fp);
	}
	free(n);
}

static const struct nic_ops file_ops = {
	.send = file_send,
	.recv = file_recv,
	.join = file_join,
	.leave = file_leave,
	.close = file_close,
};

int nic_file_open(struct nic **out, const char *path, char *errbuf)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct file_priv *fp = NULL;
	struct nic *n = NULL;
	struct pcap_pkthdr *h;
	const u_char *data;
	int ret, r;

	*out = NULL;
	if (!path || !*path) {
		set_err(errbuf, "empty capture file name");
		ret = -NIC_E_INVAL;
		goto out;
	}
	n = nic_new(&file_ops, sizeof(*fp));
	if (!n) {
		set_err(errbuf, "%s: out of memory", path);
		ret = -NIC_E_NOMEM;
		goto out;
	}
	fp = n->priv;
	n->mtu = FILE_MTU;
	snprintf(n->name, sizeof(n->name), "file:%s", path);
	fp->pcap = pcap_open_offline(path, perr);
	if (!fp->pcap) {
		set_pcap_err(errbuf, path, perr);
		ret = -NIC_E_FILE;
		goto out;
	}
	if (pcap_datalink(fp->pcap) != DLT_EN10MB) {
		set_err(errbuf, "%s: not an Ethernet capture (link type %s)", path,
			pcap_datalink_val_to_name(pcap_datalink(fp->pcap)));
		ret = -NIC_E_FILE;
		goto out;
	}
	/* Peek at the first frame: its destination is the node we stand in for.
	 * libpcap keeps data valid until the next read, which is the second recv. */
	r = pcap_next_ex(fp->pcap, &h, &data);
	if (r == 1) {
		fp->first = data;
		fp->first_len = h->caplen;
		if (h->caplen >= 6)
			memcpy(n->mac, data, 6);
	} else if (r != PCAP_ERROR_BREAK) {
		set_pcap_err(errbuf, path, pcap_geterr(fp->pcap));
		ret = -NIC_E_FILE;
		goto out;
	}
	*out = n;
	n = NULL;
	ret = 0;
out:
	if (n)
		file_close(n);
	return ret;
}

size_t nic_file_sent_count(struct nic *n)
{
	if (n->ops != &file_ops)
		return 0;
	return ((struct file_priv *)n->priv)->nsent;
}

const uint8_t *nic_file_sent(struct nic *n, size_t i, size_t *len)
{
	struct file_priv *fp = n->priv;

	if (n->ops != &file_ops || i >= fp->nsent)
		return NULL;
	*len = fp->sent[i].len;
	return fp->sent[i].buf;
}

static void record(struct capture_priv *cp, const uint8_t *buf, size_t len)
{
	struct pcap_pkthdr h;

	gettimeofday(&h.ts, NULL);
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)cp->dump, &h, buf);
}

static int capture_send(struct nic *n, const uint8_t *buf, size_t len)
{
	struct capture_priv *cp = n->priv;
	int r = nic_send(cp->inner, buf, len);

	if (r == 0)
		record(cp, buf, len);
	return r;
}

static int capture_recv(struct nic *n, const uint8_t **buf, size_t *len)
{
	struct capture_priv *cp = n->priv;
	int r = nic_recv(cp->inner, buf, len);

	if (r == 1)
		record(cp, *buf, *len);
	return r;
}

static int capture_fd(struct nic *n)
{
	struct capture_priv *cp = n->priv;

	return nic_fd(cp->inner);
}

static int capture_flush(struct nic *n)
{
	struct capture_priv *cp = n->priv;

	return nic_flush(cp->inner);
}

static int capture_join(struct nic *n, const uint8_t mac[6])
{
	struct capture_priv *cp = n->priv;

	return nic_join(cp->inner, mac);
}

static int capture_leave(struct nic *n, const uint8_t mac[6])
{
	struct capture_priv *cp = n->priv;

	return nic_leave(cp->inner, mac);
}

static void capture_close(struct nic *n)
{
	struct capture_priv *cp = n->priv;

	pcap_dump_close(cp->dump);
	pcap_close(cp->dead);
	nic_close(cp->inner);
	free(cp);
	free(n);
}

static const struct nic_ops capture_ops = {
	.send = capture_send,
	.recv = capture_recv,
	.fd = capture_fd,
	.join = capture_join,
	.leave = capture_leave,
	.close = capture_close,
	.flush = capture_flush,
};

int nic_capture_wrap(struct nic **out, struct nic *inner, const char *path, char *errbuf)
{
	struct capture_priv *cp = NULL;
	struct nic *n = NULL;
	int ret;

	*out = NULL;
	n = nic_new_over(&capture_ops, sizeof(*cp), inner);
	if (!n) {
		set_err(errbuf, "%s: out of memory", path);
		ret = -NIC_E_NOMEM;
		goto out;
	}
	cp = n->priv;
	cp->dead = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAP);
	if (!cp->dead) {
		set_err(errbuf, "%s: out of memory", path);
		ret = -NIC_E_NOMEM;
		goto out;
	}
	cp->dump = pcap_dump_open(cp->dead, path);
	if (!cp->dump) {
		set_pcap_err(errbuf, path, pcap_geterr(cp->dead));
		ret = -NIC_E_FILE;
		goto out;
	}
	cp->inner = inner;
	*out = n;
	n = NULL;
	cp = NULL;
	ret = 0;
out:
	if (cp && cp->dead)
		pcap_close(cp->dead);
	free(cp);
	free(n);
	return ret;
}
