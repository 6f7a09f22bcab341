/* SPDX-License-Identifier: MIT */
/*
 * rawpump — the raw-frame ceiling of a link, for the benchmark.
 *
 *   rawpump send -i IF -d MAC -n N [--len BYTES] [--ethertype HEX] [--reseal]
 *                [--path libnet|sendmmsg|bypass|txring] [--json]
 *   rawpump recv -i IF -n N [--idle-ms MS] [--start-ms MS] [--ethertype HEX] [--json]
 *
 * send: N frames of our EtherType, LEN bytes each (default 1514: Ethernet
 * header + a 1500-byte payload), to MAC from the interface's own MAC, as fast
 * as the live nic takes them, through its send path (--path, else
 * ETHDL_SEND, else sendmmsg: the nic queues frames and hands the kernel a
 * batch per call; libnet: one write per frame). Each frame
 * is a well-formed ethdl FILE_DATA frame (frame_seal), sealed once; with
 * --reseal the sequence number and CRC are redone for every frame, which
 * adds the per-frame CRC work a real sender does. --path txring: not the
 * nic but an AF_PACKET socket of its own with a PACKET_TX_RING (TPACKET_V2,
 * 1024 slots), a send() per 64 frames written into the ring: measured
 * beside the nic's paths (bench/sendpath.sh), not one of them. A send refused because
 * the qdisc is full (tbf: ENOBUFS) is tried again until it goes through, so
 * every one of the N frames leaves; the retries are counted.
 *
 * recv: counts frames of our EtherType addressed to this interface (the live
 * nic's BPF filter, inbound only) until N have arrived, or MS milliseconds
 * pass with none (default 1000) after the first, or --start-ms (default
 * 10000) pass before the first. The time is from the first frame received
 * to the last, so the count is frames-1 intervals; MB/s is 10^6 bytes of
 * whole frames (header included, no FCS) per second.
 *
 * Both print one line: prose, or a JSON object with --json (send: with
 * "path", the send path used). "ready" goes to
 * stderr when the receiver is listening.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame.h"
#include "nic.h"

enum { MODE_NONE, MODE_SEND, MODE_RECV };

struct opts {
	int mode;
	const char *ifname;
	uint8_t dst[6];
	int have_dst;
	uint64_t count;
	unsigned len;
	unsigned idle_ms;
	unsigned start_ms;
	uint16_t ethertype;
	int reseal;
	int json;
	int txring; /* --path txring */
	int path; /* enum nic_send_path; 0: the nic's default */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rawpump send -i IF -d MAC -n N [--len BYTES] [--ethertype HEX] [--reseal]\n"
		"                    [--path libnet|sendmmsg|bypass|txring] [--json]\n"
		"       rawpump recv -i IF -n N [--idle-ms MS] [--start-ms MS] [--ethertype HEX] [--json]\n"
		"\n"
		"send: N frames of LEN bytes (default 1514), one nic_send each, as fast as possible,\n"
		"      by the send path (default: ETHDL_SEND, else sendmmsg)\n"
		"recv: count them until N arrive or MS ms (default 1000) of silence; print\n"
		"      frames, seconds (first to last frame) and MB/s (10^6 bytes of whole frames)\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"dst", required_argument, NULL, 'd'},
	    {"count", required_argument, NULL, 'n'},
	    {"len", required_argument, NULL, 'l'},
	    {"idle-ms", required_argument, NULL, 'I'},
	    {"start-ms", required_argument, NULL, 'S'},
	    {"ethertype", required_argument, NULL, 'e'},
	    {"reseal", no_argument, NULL, 'r'},
	    {"path", required_argument, NULL, 'p'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->len = 1514;
	o->idle_ms = 1000;
	o->start_ms = 10000;
	o->ethertype = FRAME_ETHERTYPE_DEFAULT;
	if (argc < 2) {
		usage(stderr);
		return -1;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		exit(0);
	}
	if (!strcmp(argv[1], "send"))
		o->mode = MODE_SEND;
	else if (!strcmp(argv[1], "recv"))
		o->mode = MODE_RECV;
	else {
		fprintf(stderr, "rawpump: unknown mode '%s'\n", argv[1]);
		return -1;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "i:d:n:l:h", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ifname = optarg;
			break;
		case 'd':
			if (parse_mac(optarg, o->dst)) {
				fprintf(stderr, "rawpump: bad MAC '%s'\n", optarg);
				return -1;
			}
			o->have_dst = 1;
			break;
		case 'n':
			if (parse_u64(optarg, &o->count) || !o->count) {
				fprintf(stderr, "rawpump: bad count '%s'\n", optarg);
				return -1;
			}
			break;
		case 'l':
			if (parse_u64(optarg, &v) || v < FRAME_HDR_LEN + FRAME_TRL_LEN || v > 9018) {
				fprintf(stderr, "rawpump: bad length '%s'\n", optarg);
				return -1;
			}
			o->len = (unsigned)v;
			break;
		case 'I':
			if (parse_u64(optarg, &v) || v > 3600000) {
				fprintf(stderr, "rawpump: bad --idle-ms '%s'\n", optarg);
				return -1;
			}
			o->idle_ms = (unsigned)v;
			break;
		case 'S':
			if (parse_u64(optarg, &v) || v > 3600000) {
				fprintf(stderr, "rawpump: bad --start-ms '%s'\n", optarg);
				return -1;
			}
			o->start_ms = (unsigned)v;
			break;
		case 'e': {
			char *end;
			unsigned long et = strtoul(optarg, &end, 16);

			if (end == optarg || *end || et < 0x0600 || et > 0xffff) {
				fprintf(stderr, "rawpump: bad EtherType '%s'\n", optarg);
				return -1;
			}
			o->ethertype = (uint16_t)et;
			break;
		}
		case 'r':
			o->reseal = 1;
			break;
		case 'p':
			if (!strcmp(optarg, "txring")) {
				o->txring = 1;
				break;
			}
			o->path = nic_send_path_parse(optarg);
			if (o->path < 0) {
				fprintf(stderr,
					"rawpump: bad --path '%s' (libnet, sendmmsg, bypass, txring)\n",
					optarg);
				return -1;
			}
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !o->ifname || !o->count || (o->mode == MODE_SEND && !o->have_dst)) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static void report(const struct opts *o, const char *mode, uint64_t frames, uint64_t bytes,
		   double secs, uint64_t retries, const char *path)
{
	double mbps = secs > 0 ? (double)bytes / secs / 1e6 : 0.0;
	double fps = secs > 0 ? (double)frames / secs : 0.0;

	if (o->json)
		printf("{\"mode\":\"%s\",\"frames\":%llu,\"bytes\":%llu,\"seconds\":%.6f,"
		       "\"mbps\":%.3f,\"fps\":%.0f,\"retries\":%llu%s%s%s}\n",
		       mode, (unsigned long long)frames, (unsigned long long)bytes, secs, mbps, fps,
		       (unsigned long long)retries, path ? ",\"path\":\"" : "", path ? path : "",
		       path ? "\"" : "");
	else
		printf("%s: %llu frames, %llu bytes in %.3f s: %.1f MB/s, %.0f frames/s"
		       " (%llu sends retried)%s%s\n",
		       mode, (unsigned long long)frames, (unsigned long long)bytes, secs, mbps, fps,
		       (unsigned long long)retries, path ? ", by " : "", path ? path : "");
	fflush(stdout);
}

/* --path txring: count frames of len bytes (buf) through a PACKET_TX_RING
 * of the interface; returns 0 or 1 (said why). */
#define TXR_FRAME 2048u
#define TXR_SLOTS 1024u
#define TXR_KICK  64u
static int txring_send(const struct opts *o, const char *ifname, const uint8_t *buf,
		       uint64_t *retries, double *secs)
{
	struct tpacket_req req = {.tp_block_size = 4096 * 4, .tp_frame_size = TXR_FRAME};
	int fd = socket(AF_PACKET, SOCK_RAW, 0), v = TPACKET_V2;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET};
	size_t ring_len;
	uint8_t *ring;
	uint64_t i;
	unsigned slot = 0, queued = 0;
	double t0;

	req.tp_block_nr = TXR_SLOTS * TXR_FRAME / req.tp_block_size;
	req.tp_frame_nr = TXR_SLOTS;
	ring_len = (size_t)req.tp_block_nr * req.tp_block_size;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (fd < 0 || !sll.sll_ifindex ||
	    setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "rawpump: txring on %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		fprintf(stderr, "rawpump: txring mmap: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	t0 = now_s();
	for (i = 0; i < o->count; i++) {
		struct tpacket2_hdr *h = (struct tpacket2_hdr *)(ring + (size_t)slot * TXR_FRAME);

		while (h->tp_status != TP_STATUS_AVAILABLE) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};

			if (h->tp_status == TP_STATUS_WRONG_FORMAT) {
				fprintf(stderr, "rawpump: txring: the kernel refused a frame\n");
				return 1;
			}
			if (queued) {
				send(fd, NULL, 0, MSG_DONTWAIT);
				queued = 0;
			}
			(*retries)++;
			poll(&pfd, 1, 10);
		}
		memcpy((uint8_t *)h + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll), buf, o->len);
		h->tp_len = o->len;
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
		slot = (slot + 1) % TXR_SLOTS;
		if (++queued == TXR_KICK) {
			send(fd, NULL, 0, MSG_DONTWAIT);
			queued = 0;
		}
	}
	/* what is left, and wait for the ring to drain */
	if (send(fd, NULL, 0, 0) < 0 && errno != EAGAIN && errno != ENOBUFS) {
		fprintf(stderr, "rawpump: txring send: %s\n", strerror(errno));
		return 1;
	}
	for (unsigned k = 0; k < TXR_SLOTS; k++) {
		struct tpacket2_hdr *h = (struct tpacket2_hdr *)(ring + (size_t)k * TXR_FRAME);

		while (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE) {
			send(fd, NULL, 0, 0);
			(*retries)++;
		}
	}
	*secs = now_s() - t0;
	munmap(ring, ring_len);
	close(fd);
	return 0;
}

static int do_send(const struct opts *o, struct nic *n)
{
	static uint8_t data[FRAME_MAX_DATA];
	static uint8_t buf[FRAME_BUF_MAX];
	struct frame f;
	uint64_t i, retries = 0;
	double t0, t1;
	int r;

	if (o->len > n->mtu + FRAME_ETH_LEN) {
		fprintf(stderr, "rawpump: %u-byte frames do not fit %s's MTU of %u\n", o->len,
			n->name, n->mtu);
		return 1;
	}
	memset(&f, 0, sizeof(f));
	memcpy(f.dst, o->dst, 6);
	memcpy(f.src, n->mac, 6);
	f.version = FRAME_VERSION;
	f.session = 0x62656e63u; /* "benc" */
	f.code = FC_FILE_DATA;
	f.len = (uint16_t)(o->len - FRAME_HDR_LEN - FRAME_TRL_LEN);
	for (i = 0; i < f.len; i++)
		data[i] = (uint8_t)(i * 131u + 7u);
	f.data = data;
	if (frame_seal(buf, sizeof(buf), &f, o->ethertype) != (int)o->len) {
		fprintf(stderr, "rawpump: cannot build a %u-byte frame\n", o->len);
		return 1;
	}
	if (o->txring) {
		double secs = 0;

		if (txring_send(o, n->name, buf, &retries, &secs))
			return 1;
		report(o, "send", o->count, o->count * o->len, secs, retries, "txring");
		return 0;
	}
	t0 = now_s();
	for (i = 0; i < o->count; i++) {
		if (o->reseal) {
			f.seq = (uint32_t)i;
			frame_seal(buf, sizeof(buf), &f, o->ethertype);
		}
		for (;;) {
			r = nic_send(n, buf, o->len);
			if (r == 0)
				break;
			if (r != -NIC_E_FULL) {
				fprintf(stderr, "rawpump: send %llu: %s\n", (unsigned long long)i,
					nic_strerror(r));
				return 1;
			}
			/* The qdisc is full: give it a moment and send the same frame again. */
			retries++;
			{
				struct timespec ts = {0, 20000};

				nanosleep(&ts, NULL);
			}
		}
	}
	/* What is still queued goes before the clock stops. */
	while ((r = nic_flush(n)) > 0) {
		struct timespec ts = {0, 20000};

		retries++;
		nanosleep(&ts, NULL);
	}
	if (r < 0) {
		fprintf(stderr, "rawpump: send: %s\n", nic_strerror(r));
		return 1;
	}
	t1 = now_s();
	report(o, "send", o->count, o->count * o->len, t1 - t0, retries, n->send_path);
	return 0;
}

static int do_recv(const struct opts *o, struct nic *n)
{
	uint64_t frames = 0, bytes = 0;
	double first = 0, last = 0, waited_from = now_s();
	struct pollfd pfd;
	int fd = nic_fd(n);

	if (fd < 0) {
		fprintf(stderr, "rawpump: %s has no descriptor to poll\n", n->name);
		return 1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	fprintf(stderr, "rawpump: ready on %s\n", n->name);
	while (frames < o->count) {
		const uint8_t *buf;
		size_t len;
		double now;
		int r = nic_recv(n, &buf, &len);

		if (r < 0) {
			fprintf(stderr, "rawpump: receive: %s\n", nic_strerror(r));
			return 1;
		}
		if (r == 1) {
			last = now_s();
			if (!frames)
				first = last;
			frames++;
			bytes += len;
			continue;
		}
		now = now_s();
		if (frames ? now - last >= o->idle_ms / 1e3 : now - waited_from >= o->start_ms / 1e3)
			break;
		r = poll(&pfd, 1, 50);
		if (r < 0 && errno != EINTR) {
			perror("rawpump: poll");
			return 1;
		}
	}
	/* n frames arrive in n-1 intervals: scale so that a rate is frames/s. */
	if (frames > 1)
		report(o, "recv", frames, bytes, (last - first) * (double)frames / (double)(frames - 1), 0,
		       NULL);
	else
		report(o, "recv", frames, bytes, 0.0, 0, NULL);
	return frames ? 0 : 1;
}

int main(int argc, char **argv)
{
	char errbuf[NIC_ERRBUF_SIZE] = "";
	struct nic_config cfg;
	struct nic *n = NULL;
	struct opts o;
	int r;

	if (parse_opts(argc, argv, &o))
		return 2;
	memset(&cfg, 0, sizeof(cfg));
	cfg.ethertype = o.ethertype;
	cfg.send_path = o.path;
	r = nic_open(&n, o.ifname, &cfg, errbuf);
	if (r) {
		fprintf(stderr, "rawpump: %s\n", errbuf[0] ? errbuf : nic_strerror(r));
		return 1;
	}
	r = o.mode == MODE_SEND ? do_send(&o, n) : do_recv(&o, n);
	nic_close(n);
	return r;
}
