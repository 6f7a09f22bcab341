/* SPDX-License-Identifier: MIT */
/*
 * ethdl_inject — send crafted, CRC-valid ethdl frames onto an interface,
 * for integration tests of hostile input (issue 10). Built for the tests
 * only, never installed. It sends through the project's live nic (libnet
 * injection), with whatever source MAC it is told.
 *
 *   ethdl_inject -i IF --src MAC --dst MAC --code CODE [options]
 *
 *   --session N       session id (default 1); --session-step N adds N per frame
 *   --seq N           sequence (default 0);   --seq-step N adds N per frame
 *   --flags N         the flags byte
 *   --tlv T:u8|u16|u32|u64:V   append an integer TLV (repeatable)
 *   --tlv T:s:TEXT    append a string TLV; --tlv T:x:HEX  raw bytes
 *   --data-len N      raw data of N bytes (FILE_DATA ...) instead of TLVs
 *   --fill B          the byte raw data is filled with (default 0xEE)
 *   --count N         frames to send (default 1)
 *   --rate F          at most F frames per second (default: as fast as the
 *                     interface takes them)
 *
 * CODE is a number (0x01) or a name as frame_code_name gives it (CONNECT,
 * FILE_INFO, GROUP_JOIN, ...). Prints how many frames went. Exit 0, 1 when
 * sending failed, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "frame.h"
#include "nic.h"

static void show_usage(FILE *fp)
{
	fprintf(fp, "Usage: ethdl_inject -i IF --src MAC --dst MAC --code CODE [--session N]\n"
		    "       [--session-step N] [--seq N] [--seq-step N] [--flags N]\n"
		    "       [--tlv T:u8|u16|u32|u64|s|x:V]... [--data-len N] [--fill B]\n"
		    "       [--count N] [--rate FRAMES_PER_S]\n");
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || end == s || *end ? -1 : 0;
}

static int parse_code(const char *s, uint8_t *code)
{
	uint64_t v;

	if (parse_u64(s, &v) == 0 && v <= 255) {
		*code = (uint8_t)v;
		return 0;
	}
	for (int c = 0; c < 256; c++)
		if (!strcasecmp(frame_code_name(c), s)) {
			*code = (uint8_t)c;
			return 0;
		}
	return -1;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* T:KIND:VALUE into w */
static int add_tlv(struct tlv_writer *w, const char *arg)
{
	char kind[8];
	unsigned type;
	int n = 0;
	const char *val;
	uint64_t v;

	if (sscanf(arg, "%u:%7[^:]:%n", &type, kind, &n) != 2 || !n || type > 255)
		return -1;
	val = arg + n;
	if (!strcmp(kind, "s")) {
		tlv_put_str(w, (uint8_t)type, val);
	} else if (!strcmp(kind, "x")) {
		uint8_t b[255];
		size_t len = strlen(val), i;

		if (len % 2 || len / 2 > sizeof(b))
			return -1;
		for (i = 0; i < len / 2; i++) {
			int hi = hexval(val[2 * i]), lo = hexval(val[2 * i + 1]);

			if (hi < 0 || lo < 0)
				return -1;
			b[i] = (uint8_t)(hi << 4 | lo);
		}
		tlv_put(w, (uint8_t)type, b, len / 2);
	} else if (parse_u64(val, &v) < 0) {
		return -1;
	} else if (!strcmp(kind, "u8")) {
		tlv_put_u8(w, (uint8_t)type, (uint8_t)v);
	} else if (!strcmp(kind, "u16")) {
		tlv_put_u16(w, (uint8_t)type, (uint16_t)v);
	} else if (!strcmp(kind, "u32")) {
		tlv_put_u32(w, (uint8_t)type, (uint32_t)v);
	} else if (!strcmp(kind, "u64")) {
		tlv_put_u64(w, (uint8_t)type, v);
	} else {
		return -1;
	}
	return w->overflow ? -1 : 0;
}

static void sleep_until(const struct timespec *t)
{
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) == EINTR)
		;
}

enum {
	O_SRC = 256,
	O_DST,
	O_SESSION,
	O_SESSION_STEP,
	O_SEQ,
	O_SEQ_STEP,
	O_FLAGS,
	O_TLV,
	O_DATA_LEN,
	O_FILL,
	O_COUNT,
	O_RATE,
	O_CODE
};

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{"src", required_argument, NULL, O_SRC},
		{"dst", required_argument, NULL, O_DST},
		{"code", required_argument, NULL, O_CODE},
		{"session", required_argument, NULL, O_SESSION},
		{"session-step", required_argument, NULL, O_SESSION_STEP},
		{"seq", required_argument, NULL, O_SEQ},
		{"seq-step", required_argument, NULL, O_SEQ_STEP},
		{"flags", required_argument, NULL, O_FLAGS},
		{"tlv", required_argument, NULL, O_TLV},
		{"data-len", required_argument, NULL, O_DATA_LEN},
		{"fill", required_argument, NULL, O_FILL},
		{"count", required_argument, NULL, O_COUNT},
		{"rate", required_argument, NULL, O_RATE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static uint8_t data[FRAME_MAX_DATA], buf[FRAME_BUF_MAX];
	char errbuf[NIC_ERRBUF_SIZE];
	const char *ifname = NULL;
	uint64_t session = 1, session_step = 0, seq = 0, seq_step = 0, flags = 0, data_len = 0,
		 fill = 0xee, count = 1, rate = 0, sent = 0, v;
	int have_src = 0, have_dst = 0, have_code = 0, raw = 0, ret = 1, c;
	struct tlv_writer w;
	struct frame f;
	struct nic *n = NULL;
	struct timespec next;

	memset(&f, 0, sizeof(f));
	tlv_writer_init(&w, data, sizeof(data));
	while ((c = getopt_long(argc, argv, "i:h", longopts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'i': ifname = optarg; break;
		case O_SRC: bad = parse_mac(optarg, f.src) < 0, have_src = 1; break;
		case O_DST: bad = parse_mac(optarg, f.dst) < 0, have_dst = 1; break;
		case O_CODE: bad = parse_code(optarg, &f.code) < 0, have_code = 1; break;
		case O_SESSION:
			bad = parse_u64(optarg, &session) < 0 || session > UINT32_MAX;
			break;
		case O_SESSION_STEP: bad = parse_u64(optarg, &session_step) < 0; break;
		case O_SEQ: bad = parse_u64(optarg, &seq) < 0 || seq > UINT32_MAX; break;
		case O_SEQ_STEP: bad = parse_u64(optarg, &seq_step) < 0; break;
		case O_FLAGS: bad = parse_u64(optarg, &flags) < 0 || flags > 255; break;
		case O_TLV: bad = add_tlv(&w, optarg) < 0; break;
		case O_DATA_LEN:
			bad = parse_u64(optarg, &data_len) < 0 || data_len > sizeof(data);
			raw = 1;
			break;
		case O_FILL: bad = parse_u64(optarg, &fill) < 0 || fill > 255; break;
		case O_COUNT: bad = parse_u64(optarg, &count) < 0; break;
		case O_RATE: bad = parse_u64(optarg, &v) < 0, rate = v; break;
		case 'h': show_usage(stdout); return 0;
		default: show_usage(stderr); return 2;
		}
		if (bad) {
			fprintf(stderr, "Invalid argument: `%s'\n", optarg);
			return 2;
		}
	}
	if (!ifname || !have_src || !have_dst || !have_code || optind != argc) {
		show_usage(stderr);
		return 2;
	}
	if (raw)
		memset(data, (int)fill, (size_t)data_len);
	f.version = FRAME_VERSION;
	f.flags = (uint8_t)flags;
	f.data = data;
	f.len = (uint16_t)(raw ? data_len : w.len);
	if (nic_open(&n, ifname, &(struct nic_config){0}, errbuf) < 0) {
		fprintf(stderr, "%s: %s\n", ifname, errbuf);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (; sent < count; sent++) {
		int len, r;

		f.session = (uint32_t)(session + sent * session_step);
		f.seq = (uint32_t)(seq + sent * seq_step);
		len = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
		if (len < 0) {
			fprintf(stderr, "cannot build the frame: %s\n", frame_strerror(len));
			goto out;
		}
		if (rate) {
			sleep_until(&next);
			next.tv_nsec += (long)(1000000000ull / rate);
			while (next.tv_nsec >= 1000000000L) {
				next.tv_nsec -= 1000000000L;
				next.tv_sec++;
			}
		}
		/* a full queue (tbf, a busy link) is waited out, not counted */
		for (int tries = 0;
		     (r = nic_send(n, buf, (size_t)len)) == -NIC_E_FULL && tries < 1000; tries++) {
			struct timespec ms = {0, 1000000};

			nanosleep(&ms, NULL);
		}
		if (r < 0) {
			fprintf(stderr, "%s: sending frame %llu: %s\n", ifname,
				(unsigned long long)sent + 1, nic_strerror(r));
			goto out;
		}
	}
	ret = 0;
out:
	printf("sent %llu %s frames\n", (unsigned long long)sent, frame_code_name(f.code));
	nic_close(n);
	return ret;
}
