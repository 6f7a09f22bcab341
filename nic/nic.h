/* SPDX-License-Identifier: MIT */
/*
 * nic — one interface for sending and receiving raw Ethernet frames, with
 * backends chosen by name (as libpcap does):
 *
 *   "eth0"           live: libpcap receive, libnet injection
 *   "file:IN.pcap"   replay IN.pcap as received frames; sent frames are kept
 *                    in memory for inspection (nic_file_sent) or dropped
 *   loop             in-memory pair, made with nic_loop_pair()
 *   hub              in-memory segment of many ports, made with nic_hub_new()
 *   impair           decorator over any nic, made with nic_impair_wrap()
 *   fault            decorator breaking a peer one exact way (fault.h)
 *   capture          decorator writing every sent and received frame to a
 *                    pcap file, made with nic_capture_wrap()
 *   batch            decorator queueing sent frames and passing them on in
 *                    batches, made with nic_batch_wrap() (batch.c)
 *
 * Each lives in its own library, so that what needs no libpcap or libnet
 * links neither:
 *
 *   ethdl_nic        this interface (nic_new, nic_close, nic_join,
 *                    nic_strerror), loop, hub, impair, fault: frame/ and
 *                    libc only
 *   ethdl_nic_live   live (libpcap, libnet)
 *   ethdl_nic_file   file and capture (libpcap)
 *   ethdl_nic_open   nic_open() and nic_list(): links both of the above
 *
 * All calls are non-blocking; the caller polls nic_fd() (or, for backends
 * without one, just calls nic_recv() again) and owns the clock.
 *
 * A backend may queue what nic_send() accepts and pass it on in batches
 * (the live backend does, through sendmmsg): a frame accepted is never
 * lost or sent twice by the nic, it goes in order when the batch is full,
 * on nic_flush(), or at the latest when nic_close() is called. So the
 * caller calls nic_flush() before it waits for input.
 */
#ifndef ETHDL_NIC_H
#define ETHDL_NIC_H

#include <stddef.h>
#include <stdint.h>

enum nic_err {
	NIC_OK = 0,
	NIC_E_NODEV = 1,     /* no such interface */
	NIC_E_DOWN = 2,	     /* interface is administratively down */
	NIC_E_NOCARRIER = 3, /* interface up but no carrier */
	NIC_E_PERM = 4,	     /* missing CAP_NET_RAW */
	NIC_E_NOTETHER = 5,  /* not an Ethernet interface */
	NIC_E_MTU = 6,	     /* MTU too small for the protocol */
	NIC_E_IO = 7,	     /* send or receive failed */
	NIC_E_FILE = 8,	     /* capture file could not be opened, read or written */
	NIC_E_NOMEM = 9,
	NIC_E_INVAL = 10, /* bad argument */
	NIC_E_FULL = 11,  /* loop queue full (frame dropped) */
};
#define NIC_ERR_COUNT 12

#define NIC_ERRBUF_SIZE 256
#define NIC_MIN_MTU	576 /* smaller than this is refused */

struct nic;

struct nic_ops {
	/** Send one frame of len bytes. Returns 0 or -enum nic_err. */
	int (*send)(struct nic *n, const uint8_t *buf, size_t len);
	/** Receive one frame if one is waiting: returns 1 and sets *buf and *len
	 *  (valid until the next call on this nic), 0 if none, or -enum nic_err. */
	int (*recv)(struct nic *n, const uint8_t **buf, size_t *len);
	/** A descriptor to poll() for input, or -1. */
	int (*fd)(struct nic *n);
	/** Also receive frames sent to this multicast MAC. Returns 0 or -err. */
	int (*join)(struct nic *n, const uint8_t mac[6]);
	/** Stop receiving frames sent to this multicast MAC. Returns 0 or -err. */
	int (*leave)(struct nic *n, const uint8_t mac[6]);
	/** Release everything, including priv. */
	void (*close)(struct nic *n);
	/** Optional: pass on the frames queued by send. Returns how many are
	 *  still queued (the kernel's queue is full: try again a little
	 *  later), or -enum nic_err. Decorators pass it on to their inner nic. */
	int (*flush)(struct nic *n);
};

struct nic_stats {
	uint64_t tx_frames, tx_bytes;
	uint64_t rx_frames, rx_bytes;
	/* frames for us the backend dropped for lack of room (a full capture
	 * ring or queue: an overrun), as far as it knows; decorators keep 0 */
	uint64_t rx_dropped;
};

struct nic {
	const struct nic_ops *ops;
	void *priv;
	char name[64];
	uint8_t mac[6];
	unsigned mtu;
	struct nic_stats stats;
	/* How frames leave: "sendmmsg", "libnet", ... (a static string), or
	 * NULL for backends in memory. Decorators inherit their inner's. */
	const char *send_path;
	const struct nic *inner; /* a decorator's (nic_new_over), else NULL */
};

/** Options for nic_open(). Zero is a sensible default for every field. */
struct nic_config {
	uint16_t ethertype;    /* 0 = FRAME_ETHERTYPE_DEFAULT; used by the live BPF filter */
	unsigned buffer_bytes; /* live: kernel capture buffer; 0 = nic_ring_bytes(MTU) */
	int promisc;	       /* live: receive frames for any destination */
	/* live: how frames are sent, enum nic_send_path; 0 (NIC_SEND_DEFAULT)
	 * takes the environment's ETHDL_SEND (libnet, sendmmsg, bypass), else
	 * sendmmsg where the system has it, else libnet. */
	int send_path;
};

enum nic_send_path {
	NIC_SEND_DEFAULT = 0,
	NIC_SEND_LIBNET = 1,   /* one libnet packet-socket write per frame */
	NIC_SEND_SENDMMSG = 2, /* frames queued, one sendmmsg per batch (Linux) */
	NIC_SEND_BYPASS = 3,   /* sendmmsg with PACKET_QDISC_BYPASS: skips tc
				* (no shaping, no tbf): only when asked for */
};
/** The path named s ("libnet", "sendmmsg", "bypass"), or -NIC_E_INVAL. */
int nic_send_path_parse(const char *s);

/**
 * [ethdl_nic_open] Open a nic by name ("eth0", "file:x.pcap"). On error
 * returns -enum nic_err, *out is NULL and errbuf (NIC_ERRBUF_SIZE) says what
 * and why. Free with nic_close().
 */
int nic_open(struct nic **out, const char *name, const struct nic_config *cfg, char *errbuf);

static inline int nic_send(struct nic *n, const uint8_t *buf, size_t len)
{
	int r = n->ops->send(n, buf, len);

	if (r == 0) {
		n->stats.tx_frames++;
		n->stats.tx_bytes += len;
	}
	return r;
}

static inline int nic_recv(struct nic *n, const uint8_t **buf, size_t *len)
{
	int r = n->ops->recv(n, buf, len);

	if (r == 1) {
		n->stats.rx_frames++;
		n->stats.rx_bytes += *len;
	}
	return r;
}

/** Pass on the frames the nic queued: how many are still queued (the
 *  kernel's queue is full), 0, or -enum nic_err. 0 for nics that queue
 *  nothing. */
static inline int nic_flush(struct nic *n)
{
	return n->ops->flush ? n->ops->flush(n) : 0;
}

static inline int nic_fd(struct nic *n)
{
	return n->ops->fd ? n->ops->fd(n) : -1;
}

int nic_join(struct nic *n, const uint8_t mac[6]);
int nic_leave(struct nic *n, const uint8_t mac[6]);
/** For backends: a zeroed nic with ops and a zeroed priv of priv_size bytes,
 *  or NULL (nothing left allocated) when out of memory. The backend's close
 *  frees both (free(n->priv); free(n)). */
struct nic *nic_new(const struct nic_ops *ops, size_t priv_size);
/** For decorators: nic_new, with the name, MAC and MTU of inner. */
struct nic *nic_new_over(const struct nic_ops *ops, size_t priv_size, const struct nic *inner);
/** Close and free; accepts NULL. */
void nic_close(struct nic *n);
/** Frames the backend under any decorators dropped for lack of room. */
uint64_t nic_rx_dropped(const struct nic *n);
const char *nic_strerror(int err); /* positive or negative */

/* ---- live [ethdl_nic_live] ---- */
/* The live backend's default capture ring: NIC_RING_FRAMES frames of the
 * MTU (4 MiB at 1500, 32 MiB at 9000), twice the default window of 1024. */
#define NIC_RING_FRAMES 2048u
#define NIC_RING_MAX	(32u << 20)
unsigned nic_ring_bytes(unsigned mtu);
int nic_live_open(struct nic **out, const char *ifname, const struct nic_config *cfg, char *errbuf);

/** One interface as `ethdl list` shows it. */
struct nic_info {
	char name[64];
	uint8_t mac[6];
	int has_mac; /* 0 for interfaces without a link-layer address */
	unsigned mtu;
	int up;	      /* IFF_UP */
	int carrier;  /* IFF_RUNNING / carrier */
	int ethernet; /* ARPHRD_ETHER (loopback reported as 0 but listed) */
};
/** [ethdl_nic_open] Fill up to cap entries; returns the number of
 *  interfaces found (may be > cap) or -err. */
int nic_list(struct nic_info *out, int cap, char *errbuf);

/* ---- loop ---- */
/** Two connected endpoints: what a sends, b receives, and the reverse.
 *  Each queue holds up to depth frames (0 = 4096); beyond that send returns -NIC_E_FULL. */
int nic_loop_pair(struct nic **a, struct nic **b, const uint8_t mac_a[6], const uint8_t mac_b[6],
		  unsigned mtu, unsigned depth);

/* ---- hub ---- */
/**
 * An in-memory Ethernet segment of nports ports, for tests of one host and
 * many boards. Port i is a nic named "hub:i" with MAC 02:00:00:00:hi:lo
 * (i + 1, big-endian; change n->mac before wrapping the port to choose
 * another). A frame sent on a port goes to every other port whose MAC is
 * its destination, for a multicast destination to every other port that
 * joined it (any port for broadcast), and to every other promiscuous port;
 * never back to the sender. Each port queues up to depth frames (0 = 4096):
 * a copy for a full queue is dropped and counted, the send still succeeds,
 * as a switch would. Wrap ports with nic_impair_wrap for per-port loss.
 *
 * Each port is closed with nic_close (or by the decorator that owns it),
 * and the hub released with nic_hub_free, in any order: a closed port
 * receives nothing more; the memory goes with the last of them.
 */
struct nic_hub;
struct nic_hub_stats {
	uint64_t queued;  /* frames put in the port's queue */
	uint64_t dropped; /* frames for the port dropped: its queue was full */
};
int nic_hub_new(struct nic_hub **out, unsigned nports, unsigned mtu, unsigned depth);
/** Port i, or NULL when out of range or closed. */
struct nic *nic_hub_port(struct nic_hub *h, unsigned i);
unsigned nic_hub_nports(const struct nic_hub *h);
/** Make port i receive every frame (on != 0) or only its own. 0 or -NIC_E_INVAL. */
int nic_hub_promisc(struct nic_hub *h, unsigned i, int on);
/** Counters of port i (zeroes when out of range). */
void nic_hub_get_stats(const struct nic_hub *h, unsigned i, struct nic_hub_stats *st);
/** Release the hub's handle; accepts NULL. */
void nic_hub_free(struct nic_hub *h);

/* ---- file and capture [ethdl_nic_file] ---- */
/** Replay path (pcap) as received frames. Sent frames are recorded in memory. */
int nic_file_open(struct nic **out, const char *path, char *errbuf);
/** Frames sent so far on a file nic: count, and the i-th (NULL if out of range). */
size_t nic_file_sent_count(struct nic *n);
const uint8_t *nic_file_sent(struct nic *n, size_t i, size_t *len);

/** Wrap inner so that every frame sent and received is also written to a
 *  pcap file at path (Ethernet link type). The wrapper owns inner. */
int nic_capture_wrap(struct nic **out, struct nic *inner, const char *path, char *errbuf);

/* ---- batch [ethdl_nic] ---- */
/**
 * A queue of up to cap frames of up to slot bytes, passed on in batches
 * through xmit, which sends frames[0..n) in order and returns how many went
 * (0 to n: the first one not counted did not go and is offered again
 * later), or -NIC_E_FULL when none could go for now, or -enum nic_err for
 * a failure of the first (that frame is dropped and the error reported by
 * the next nic_batchq_send or nic_batchq_flush).
 */
typedef int (*nic_xmit_fn)(void *ctx, uint8_t *const *frames, const size_t *lens, unsigned n);
struct nic_batchq {
	uint8_t *buf;	 /* cap slots of slot bytes */
	uint8_t **frame; /* cap pointers into buf, in queue order */
	size_t *len;
	unsigned cap, first, count; /* queued: frame[first .. first+count) */
	size_t slot;
	int err; /* a failure to report */
	uint64_t batches, partial, full;
};
int nic_batchq_init(struct nic_batchq *q, unsigned cap, size_t slot);
void nic_batchq_dispose(struct nic_batchq *q);
/** Queue a copy of buf; a full queue is passed on first (and the batch it
 *  fills too). 0, -NIC_E_FULL when the queue is full and cannot be passed
 *  on now (buf is not queued), -NIC_E_INVAL when len > slot, or a failure
 *  reported by xmit earlier. */
int nic_batchq_send(struct nic_batchq *q, const uint8_t *buf, size_t len, nic_xmit_fn xmit,
		    void *ctx);
/** Pass on what is queued: how many are still queued, or -enum nic_err. */
int nic_batchq_flush(struct nic_batchq *q, nic_xmit_fn xmit, void *ctx);

/** Wrap inner so that sent frames are queued, up to depth (0 = 64), and
 *  passed on to inner's nic_send in batches: when depth are queued, on
 *  nic_flush, on nic_close. A frame inner refuses (-NIC_E_FULL) stays
 *  queued, first, for the next flush. The wrapper owns inner. */
int nic_batch_wrap(struct nic **out, struct nic *inner, unsigned depth);

/* ---- impair ---- */
struct nic_impair {
	double drop;	  /* probability a frame is dropped */
	double corrupt;	  /* probability one byte past the Ethernet header is flipped */
	double duplicate; /* probability a frame is delivered twice */
	double reorder;	  /* probability a frame is held back and delivered after the next one */
	double delay;	  /* probability a frame is held for delay_us */
	uint64_t delay_us;
	uint64_t seed;
	int on_tx; /* apply to frames sent */
	int on_rx; /* apply to frames received */
	/* Clock for delay; NULL means no frame is delayed. */
	uint64_t (*now_us)(void *ctx);
	void *clock_ctx;
};

struct nic_impair_stats {
	uint64_t seen, dropped, corrupted, duplicated, reordered, delayed;
};

/** Wrap inner with the impairments of p (copied). The wrapper owns inner. */
int nic_impair_wrap(struct nic **out, struct nic *inner, const struct nic_impair *p);
/** Statistics of an impair nic (zeroes for other nics). */
void nic_impair_get_stats(struct nic *n, struct nic_impair_stats *st);

#endif
