/* SPDX-License-Identifier: MIT */
/* capture: the frames of one recorded session, from a pcap or pcapng file
 * (libpcap reads both). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "proto.h"
#include "replay.h"

#define ERRLEN 256

static int add(struct rp_capture *c, uint64_t t, uint32_t num, const uint8_t *buf, size_t len)
{
	struct rp_frame *f;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 64;
		struct rp_frame *v = realloc(c->v, ncap * sizeof(*v));

		if (!v)
			return -RP_E_NOMEM;
		c->v = v;
		c->cap = ncap;
	}
	f = &c->v[c->n];
	f->buf = malloc(len ? len : 1);
	if (!f->buf)
		return -RP_E_NOMEM;
	memcpy(f->buf, buf, len);
	f->len = len;
	f->t = t;
	f->num = num;
	f->from_host = 0;
	c->n++;
	return 0;
}

void rp_capture_free(struct rp_capture *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].buf);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* Keep only the frames between the two MACs, and tell who sent each. */
static int pick_session(struct rp_capture *c, const struct rp_capture_opts *o, char *err)
{
	int found = 0;
	size_t k = 0;

	for (size_t i = 0; i < c->n && !found; i++) {
		struct frame f;

		if (frame_decode(&f, c->v[i].buf, c->v[i].len, c->ethertype) == 0 &&
		    f.code == FC_CONNECT && (!o->have_host_mac || !memcmp(f.src, o->host_mac, 6))) {
			uint64_t caps = 0;

			memcpy(c->host_mac, f.src, 6);
			memcpy(c->board_mac, f.dst, 6);
			c->session = f.session;
			if (tlv_get_uint(f.data, f.len, T_CAPS, &caps))
				c->host_caps = (uint32_t)caps;
			found = 1;
		}
	}
	if (o->have_host_mac)
		memcpy(c->host_mac, o->host_mac, 6);
	if (o->have_board_mac)
		memcpy(c->board_mac, o->board_mac, 6);
	if (!found) {
		snprintf(err, ERRLEN, "no CONNECT from the host in the capture");
		return -RP_E_NOCONNECT;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct rp_frame *f = &c->v[i];
		int h = !memcmp(f->buf + 6, c->host_mac, 6) && !memcmp(f->buf, c->board_mac, 6);
		int b = !memcmp(f->buf + 6, c->board_mac, 6) && !memcmp(f->buf, c->host_mac, 6);

		if (!h && !b) {
			free(f->buf);
			continue;
		}
		f->from_host = h;
		c->v[k++] = *f;
	}
	c->n = k;
	return 0;
}

int rp_capture_load_fp(struct rp_capture *c, void *fp, const struct rp_capture_opts *o, char *err)
{
	static const struct rp_capture_opts none;
	char perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t t0 = 0;
	uint32_t num = 0;
	pcap_t *p;
	int r, ret;

	memset(c, 0, sizeof(*c));
	if (!o)
		o = &none;
	c->ethertype = o->ethertype ? o->ethertype : FRAME_ETHERTYPE_DEFAULT;
	p = pcap_fopen_offline(fp, perr);
	if (!p) {
		fclose(fp);
		snprintf(err, ERRLEN, "not a capture libpcap reads: %.200s", perr);
		return -RP_E_OPEN;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		snprintf(err, ERRLEN, "link type %s, not Ethernet",
			 pcap_datalink_val_to_name(pcap_datalink(p))
				 ? pcap_datalink_val_to_name(pcap_datalink(p))
				 : "unknown");
		ret = -RP_E_LINKTYPE;
		goto out;
	}
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		uint64_t t = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;

		num++;
		if (h->caplen < FRAME_ETH_LEN || get_be16(data + 12) != c->ethertype)
			continue;
		if (h->caplen < h->len && h->caplen < FRAME_MIN_LEN) {
			snprintf(err, ERRLEN, "frame %u is cut short (%u of %u bytes recorded)",
				 num, h->caplen, h->len);
			ret = -RP_E_TRUNC;
			goto out;
		}
		if (!c->n)
			t0 = t;
		ret = add(c, t >= t0 ? t - t0 : 0, num, data, h->caplen);
		if (ret) {
			snprintf(err, ERRLEN, "out of memory");
			goto out;
		}
	}
	if (r == -1) {
		snprintf(err, ERRLEN, "%s", pcap_geterr(p));
		ret = -RP_E_OPEN;
		goto out;
	}
	ret = pick_session(c, o, err);
out:
	pcap_close(p);
	if (ret)
		rp_capture_free(c);
	return ret;
}

int rp_capture_load(struct rp_capture *c, const char *path, const struct rp_capture_opts *o,
		    char *err)
{
	FILE *fp = fopen(path, "rb");

	memset(c, 0, sizeof(*c));
	if (!fp) {
		snprintf(err, ERRLEN, "cannot open `%s': %m", path);
		return -RP_E_OPEN;
	}
	return rp_capture_load_fp(c, fp, o, err);
}
