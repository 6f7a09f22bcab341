/* SPDX-License-Identifier: MIT */
/* diag_watch: a second, non-blocking libpcap handle on the interface for the
 * connect phase, counting what arrives (diagnose.h). It sees more than the
 * session's own handle: every EtherType, every sender but this host. */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"

struct diag_watch {
	pcap_t *p;
	uint8_t board[6], self[6];
	uint16_t ethertype;
	struct diag_counts c;
};

struct diag_watch *diag_watch_open(const char *ifname, const uint8_t board[6],
				   const uint8_t self[6], uint16_t ethertype)
{
	char err[PCAP_ERRBUF_SIZE], filter[96];
	struct bpf_program prog;
	struct diag_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	memcpy(w->board, board, 6);
	memcpy(w->self, self, 6);
	w->ethertype = ethertype;
	w->p = pcap_create(ifname, err);
	if (!w->p)
		goto fail;
	pcap_set_snaplen(w->p, 9216);
	pcap_set_immediate_mode(w->p, 1);
	pcap_set_buffer_size(w->p, 2 << 20);
	if (pcap_activate(w->p) < 0 || pcap_setnonblock(w->p, 1, err))
		goto fail;
	pcap_setdirection(w->p, PCAP_D_IN);
	snprintf(filter, sizeof(filter), "not ether src %02x:%02x:%02x:%02x:%02x:%02x", self[0],
		 self[1], self[2], self[3], self[4], self[5]);
	if (pcap_compile(w->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN))
		goto fail;
	if (pcap_setfilter(w->p, &prog)) {
		pcap_freecode(&prog);
		goto fail;
	}
	pcap_freecode(&prog);
	return w;
fail:
	diag_watch_close(w);
	return NULL;
}

static void one(u_char *ctx, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct diag_watch *w = (struct diag_watch *)ctx;

	diag_count_frame(&w->c, bytes, h->caplen, w->board, w->self, w->ethertype);
}

const struct diag_counts *diag_watch_drain(struct diag_watch *w)
{
	while (pcap_dispatch(w->p, 256, one, (u_char *)w) > 0)
		;
	return &w->c;
}

void diag_watch_close(struct diag_watch *w)
{
	if (!w)
		return;
	if (w->p)
		pcap_close(w->p);
	free(w);
}
