/* SPDX-License-Identifier: MIT */
/* live: libpcap receives through a BPF filter; frames leave through libnet's
 * packet socket, one write each, or (Linux, the default) queued and sent a
 * batch at a time with sendmmsg on that socket. */
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libnet.h>
#include <pcap/pcap.h>

#include "frame.h"
#include "nic.h"

#define LIVE_BATCH	    64 /* frames per sendmmsg */

struct live_priv {
	pcap_t *pcap;
	libnet_t *net;
	int ifindex;
	struct sockaddr_ll to; /* where frames go: our interface */
	int path;	       /* enum nic_send_path */
	struct nic_batchq q;   /* sendmmsg: frames not yet handed to the kernel */
	struct mmsghdr msg[LIVE_BATCH];
	struct iovec iov[LIVE_BATCH];
	uint64_t drops_at; /* rx_frames when the ring's drops were last asked */
	uint64_t drops_ms; /* and the millisecond */
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

static int errno_to_nic(int e)
{
	/* ENOBUFS: the qdisc (e.g. tbf) dropped the frame; try again later. */
	return e == ENOBUFS || e == EAGAIN ? -NIC_E_FULL : -NIC_E_IO;
}

/* Hand frames[0..n) to the kernel in one call: how many it took, or
 * -NIC_E_FULL / -NIC_E_IO for the first. */
static int live_xmit(void *ctx, uint8_t *const *frames, const size_t *lens, unsigned n)
{
	struct live_priv *lp = ctx;
	int r;

	if (n > LIVE_BATCH)
		n = LIVE_BATCH;
	for (unsigned i = 0; i < n; i++) {
		lp->iov[i].iov_base = frames[i];
		lp->iov[i].iov_len = lens[i];
	}
	r = sendmmsg(libnet_getfd(lp->net), lp->msg, n, 0);
	if (r < 0)
		return errno_to_nic(errno);
	return r;
}

static int live_flush(struct nic *n)
{
	struct live_priv *lp = n->priv;

	return lp->path == NIC_SEND_LIBNET ? 0 : nic_batchq_flush(&lp->q, live_xmit, lp);
}

static int live_send(struct nic *n, const uint8_t *buf, size_t len)
{
	struct live_priv *lp = n->priv;

	if (len < FRAME_ETH_LEN || len > n->mtu + FRAME_ETH_LEN)
		return -NIC_E_INVAL;
	if (lp->path != NIC_SEND_LIBNET)
		return nic_batchq_send(&lp->q, buf, len, live_xmit, lp);
	/* libnet owns the packet socket; sending on it straight, with the
	 * address prepared once, spares libnet_write_link's interface lookup
	 * (an ioctl) on every frame. */
	if (sendto(libnet_getfd(lp->net), buf, len, 0, (const struct sockaddr *)&lp->to,
		   sizeof(lp->to)) == (ssize_t)len)
		return 0;
	return errno_to_nic(errno);
}

static int live_recv(struct nic *n, const uint8_t **buf, size_t *len)
{
	struct live_priv *lp = n->priv;
	struct pcap_pkthdr *h;
	const u_char *data;
	int r = pcap_next_ex(lp->pcap, &h, &data);

	if (r == 0) {
		/* the ring is empty: a moment to ask what it dropped when full
		 * (a system call: only if frames came since, at most once a
		 * millisecond) */
		struct pcap_stat ps;
		struct timespec ts;
		uint64_t ms;

		if (n->stats.rx_frames != lp->drops_at &&
		    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0 &&
		    (ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000) != lp->drops_ms &&
		    pcap_stats(lp->pcap, &ps) == 0) {
			n->stats.rx_dropped = ps.ps_drop;
			lp->drops_at = n->stats.rx_frames;
			lp->drops_ms = ms;
		}
		return 0;
	}
	if (r < 0)
		return -NIC_E_IO;
	*buf = data;
	*len = h->caplen;
	return 1;
}

static int live_fd(struct nic *n)
{
	struct live_priv *lp = n->priv;

	return pcap_get_selectable_fd(lp->pcap);
}

static int live_membership(struct nic *n, const uint8_t mac[6], int opt)
{
	struct live_priv *lp = n->priv;
	struct packet_mreq mr;

	if (!(mac[0] & 1))
		return -NIC_E_INVAL;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = lp->ifindex;
	mr.mr_type = PACKET_MR_MULTICAST;
	mr.mr_alen = 6;
	memcpy(mr.mr_address, mac, 6);
	if (setsockopt(pcap_fileno(lp->pcap), SOL_PACKET, opt, &mr, sizeof(mr)))
		return -NIC_E_IO;
	return 0;
}

static int live_join(struct nic *n, const uint8_t mac[6])
{
	return live_membership(n, mac, PACKET_ADD_MEMBERSHIP);
}

static int live_leave(struct nic *n, const uint8_t mac[6])
{
	return live_membership(n, mac, PACKET_DROP_MEMBERSHIP);
}

static void live_close(struct nic *n)
{
	struct live_priv *lp = n->priv;

	if (lp) {
		/* What was accepted goes: a full kernel queue drains in
		 * moments (tbf at 1 Mbit/s: 200 ms for 16 frames). */
		for (int i = 0; i < 2000 && lp->net && lp->q.count; i++) {
			struct timespec ms = {0, 1000000};

			if (nic_batchq_flush(&lp->q, live_xmit, lp) <= 0)
				break;
			nanosleep(&ms, NULL);
		}
		nic_batchq_dispose(&lp->q);
		if (lp->pcap)
			pcap_close(lp->pcap);
		if (lp->net)
			libnet_destroy(lp->net);
		free(lp);
	}
	free(n);
}

static const struct nic_ops live_ops = {
	.send = live_send,
	.recv = live_recv,
	.fd = live_fd,
	.join = live_join,
	.leave = live_leave,
	.close = live_close,
	.flush = live_flush,
};

static int have_net_raw(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	unsigned long long eff;
	char line[256];
	int ret = 1; /* cannot tell: let the kernel decide */

	if (!f)
		return ret;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			ret = (eff >> CAP_NET_RAW) & 1;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* Check that ifname is a usable Ethernet interface; fill in its MAC, MTU
 * and index. */
static int probe(struct nic *n, const char *ifname, int *ifindex, char *errbuf)
{
	struct ifreq ifr;
	int fd = -1, ret;

	if (strlen(ifname) >= IFNAMSIZ) {
		set_err(errbuf, "%s: no such interface (name too long)", ifname);
		ret = -NIC_E_NODEV;
		goto out;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_err(errbuf, "%s: socket: %s", ifname, strerror(errno));
		ret = -NIC_E_IO;
		goto out;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr)) {
		set_err(errbuf, "%s: no such interface", ifname);
		ret = -NIC_E_NODEV;
		goto out;
	}
	*ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		set_err(errbuf, "%s: cannot read hardware address: %s", ifname, strerror(errno));
		ret = -NIC_E_IO;
		goto out;
	}
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		set_err(errbuf, "%s: not an Ethernet interface (link type %u)", ifname,
			(unsigned)ifr.ifr_hwaddr.sa_family);
		ret = -NIC_E_NOTETHER;
		goto out;
	}
	memcpy(n->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		set_err(errbuf, "%s: cannot read flags: %s", ifname, strerror(errno));
		ret = -NIC_E_IO;
		goto out;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		set_err(errbuf, "%s: interface is down", ifname);
		ret = -NIC_E_DOWN;
		goto out;
	}
	if (!(ifr.ifr_flags & IFF_RUNNING)) {
		set_err(errbuf, "%s: interface has no carrier", ifname);
		ret = -NIC_E_NOCARRIER;
		goto out;
	}
	if (ioctl(fd, SIOCGIFMTU, &ifr)) {
		set_err(errbuf, "%s: cannot read MTU: %s", ifname, strerror(errno));
		ret = -NIC_E_IO;
		goto out;
	}
	if (ifr.ifr_mtu < NIC_MIN_MTU) {
		set_err(errbuf, "%s: MTU %d is below the minimum of %d", ifname, ifr.ifr_mtu,
			NIC_MIN_MTU);
		ret = -NIC_E_MTU;
		goto out;
	}
	n->mtu = (unsigned)ifr.ifr_mtu;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int pcap_err_to_nic(int r)
{
	switch (r) {
	case PCAP_ERROR_NO_SUCH_DEVICE: return -NIC_E_NODEV;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED: return -NIC_E_PERM;
	case PCAP_ERROR_IFACE_NOT_UP: return -NIC_E_DOWN;
	default: return -NIC_E_IO;
	}
}

/* The default ring holds NIC_RING_FRAMES frames of the interface's MTU.
 * Not more: every page of the ring costs a fault the first time the process
 * touches it, and on virtual machines with shadow page tables that fault is
 * ~15 us. A board with a 32 MiB ring spent 120-170 ms of its first 64 MiB
 * download (0.57 s at 1 Gbit/s) in them; later downloads did not. At
 * most NIC_RING_MAX (fewer frames above an MTU of 16 KiB, e.g. lo's 64 KiB). */
unsigned nic_ring_bytes(unsigned mtu)
{
	/* A slot: tpacket2_hdr and sockaddr_ll (< 80 bytes), the frame with a
	 * VLAN tag and FCS (mtu + 22), rounded up to a power of two as the
	 * kernel's block size is a page multiple holding whole slots. */
	unsigned need = mtu + 22 + 80, slot = 2048;

	while (slot < need && slot < NIC_RING_MAX / NIC_RING_FRAMES)
		slot <<= 1;
	return NIC_RING_FRAMES * slot;
}

static int open_pcap(struct nic *n, struct live_priv *lp, const struct nic_config *cfg,
		     char *errbuf)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	unsigned bufsize = cfg->buffer_bytes ? cfg->buffer_bytes : nic_ring_bytes(n->mtu);
	char filter[256], mac[18];
	struct bpf_program prog;
	pcap_t *p;
	int r;

	p = lp->pcap = pcap_create(n->name, perr);
	if (!p) {
		set_err(errbuf, "%s: %s", n->name, perr);
		return -NIC_E_IO;
	}
	/* The ring's slot size follows the snapshot length (up to 64 KiB on
	 * interfaces with offloads), so a 64 KiB snaplen would leave a 4 MiB
	 * buffer with 64 slots. MTU + header + VLAN tag + FCS is enough. */
	pcap_set_snaplen(p, (int)n->mtu + 22);
	pcap_set_promisc(p, cfg->promisc != 0);
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, (int)(bufsize > INT_MAX ? INT_MAX : bufsize));
	r = pcap_activate(p);
	if (r < 0) {
		set_err(errbuf, "%s: %s", n->name,
			*pcap_geterr(p) ? pcap_geterr(p) : pcap_statustostr(r));
		return pcap_err_to_nic(r);
	}
	if (pcap_setnonblock(p, 1, perr)) {
		set_err(errbuf, "%s: %s", n->name, perr);
		return -NIC_E_IO;
	}
	/* Not fatal: the filter below also drops what we send. */
	pcap_setdirection(p, PCAP_D_IN);
#ifdef PACKET_IGNORE_OUTGOING
	/* Nor is this (Linux 4.20 and later): the kernel then does not hand
	 * this socket a copy of every frame we send, for the filter to drop
	 * (a 64 MiB download over veth took 0.169 s with the copies, 0.130 s
	 * without). */
	{
		int one = 1;

		setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	}
#endif

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1], n->mac[2],
		 n->mac[3], n->mac[4], n->mac[5]);
	/* "ether multicast" includes broadcast. */
	if (cfg->promisc)
		snprintf(filter, sizeof(filter), "ether proto 0x%04x and not ether src %s",
			 cfg->ethertype ? cfg->ethertype : FRAME_ETHERTYPE_DEFAULT, mac);
	else
		snprintf(filter, sizeof(filter),
			 "ether proto 0x%04x and (ether dst %s or ether multicast)"
			 " and not ether src %s",
			 cfg->ethertype ? cfg->ethertype : FRAME_ETHERTYPE_DEFAULT, mac, mac);
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN)) {
		set_err(errbuf, "%s: filter: %s", n->name, pcap_geterr(p));
		return -NIC_E_IO;
	}
	r = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (r) {
		set_err(errbuf, "%s: filter: %s", n->name, pcap_geterr(p));
		return -NIC_E_IO;
	}
	return 0;
}

static int open_libnet(struct nic *n, struct live_priv *lp, char *errbuf)
{
	char lerr[LIBNET_ERRBUF_SIZE] = "";
	struct sockaddr_ll sll;

	lp->net = libnet_init(LIBNET_LINK_ADV, n->name, lerr);
	if (!lp->net) {
		lerr[strcspn(lerr, "\n")] = '\0';
		set_err(errbuf, "%s: libnet: %s", n->name, lerr);
		return -NIC_E_IO;
	}
	/* libnet's packet socket listens to ETH_P_ALL on every interface and
	 * nobody reads it; binding it to protocol 0 makes it receive nothing,
	 * so the kernel does not queue a copy of every frame for it. */
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = lp->ifindex;
	if (bind(libnet_getfd(lp->net), (struct sockaddr *)&sll, sizeof(sll))) {
		set_err(errbuf, "%s: bind: %s", n->name, strerror(errno));
		return -NIC_E_IO;
	}
	memset(&lp->to, 0, sizeof(lp->to));
	lp->to.sll_family = AF_PACKET;
	lp->to.sll_ifindex = lp->ifindex;
	lp->to.sll_halen = 6;
	return 0;
}

static int choose_path(const struct nic_config *cfg, char *errbuf)
{
	const char *env = getenv("ETHDL_SEND");
	int p;

	if (cfg->send_path >= NIC_SEND_LIBNET && cfg->send_path <= NIC_SEND_BYPASS)
		return cfg->send_path;
	if (cfg->send_path) {
		set_err(errbuf, "send path %d unknown", cfg->send_path);
		return -NIC_E_INVAL;
	}
	if (!env || !*env)
		return NIC_SEND_SENDMMSG;
	p = nic_send_path_parse(env);
	if (p < 0)
		set_err(errbuf, "ETHDL_SEND=%s: not a send path (libnet, sendmmsg, bypass)", env);
	return p;
}

/* The sendmmsg paths: the queue, the messages prepared once. */
static int open_batch(struct nic *n, struct live_priv *lp, char *errbuf)
{
	static const char *const names[] = {"?", "libnet", "sendmmsg", "bypass"};
	int one = 1, r;

	n->send_path = names[lp->path];
	if (lp->path == NIC_SEND_LIBNET)
		return 0;
	r = nic_batchq_init(&lp->q, LIVE_BATCH, (size_t)n->mtu + FRAME_ETH_LEN);
	if (r < 0) {
		set_err(errbuf, "%s: out of memory", n->name);
		return r;
	}
	for (int i = 0; i < LIVE_BATCH; i++) {
		lp->msg[i].msg_hdr.msg_name = &lp->to;
		lp->msg[i].msg_hdr.msg_namelen = sizeof(lp->to);
		lp->msg[i].msg_hdr.msg_iov = &lp->iov[i];
		lp->msg[i].msg_hdr.msg_iovlen = 1;
	}
	/* Past the qdisc: no tc shaping (tbf) applies, so only when asked. */
	if (lp->path == NIC_SEND_BYPASS &&
	    setsockopt(libnet_getfd(lp->net), SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one))) {
		set_err(errbuf, "%s: PACKET_QDISC_BYPASS: %s", n->name, strerror(errno));
		return -NIC_E_IO;
	}
	return 0;
}

int nic_live_open(struct nic **out, const char *ifname, const struct nic_config *cfg, char *errbuf)
{
	static const struct nic_config defaults;
	struct live_priv *lp = NULL;
	struct nic *n = NULL;
	int ret;

	*out = NULL;
	if (!cfg)
		cfg = &defaults;
	if (!ifname || !*ifname) {
		set_err(errbuf, "empty interface name");
		ret = -NIC_E_INVAL;
		goto out;
	}
	n = nic_new(&live_ops, sizeof(*lp));
	if (!n) {
		set_err(errbuf, "%s: out of memory", ifname);
		ret = -NIC_E_NOMEM;
		goto out;
	}
	lp = n->priv;
	snprintf(n->name, sizeof(n->name), "%s", ifname);
	lp->path = choose_path(cfg, errbuf);
	if (lp->path < 0) {
		ret = lp->path;
		goto out;
	}
	ret = probe(n, ifname, &lp->ifindex, errbuf);
	if (ret)
		goto out;
	if (!have_net_raw()) {
		set_err(errbuf, "%s: permission denied (needs CAP_NET_RAW)", ifname);
		ret = -NIC_E_PERM;
		goto out;
	}
	ret = open_pcap(n, lp, cfg, errbuf);
	if (ret)
		goto out;
	ret = open_libnet(n, lp, errbuf);
	if (ret)
		goto out;
	ret = open_batch(n, lp, errbuf);
	if (ret)
		goto out;
	*out = n;
	n = NULL;
out:
	if (n)
		live_close(n);
	return ret;
}
