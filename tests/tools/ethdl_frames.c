/* SPDX-License-Identifier: MIT */
/*
 * ethdl_frames — what frame/ knows, as text, for tests/test_wireshark.sh to
 * hold the Wireshark dissector (contrib/wireshark/ethdl.lua) against. Built
 * for the tests only, never installed.
 *
 *   ethdl_frames names
 *       every name the C tables give, one per line, tab separated:
 *       code 0x01 CONNECT / notice 3 FILE_CRC / detail 16 TEXT /
 *       tlv 1 caps / type 1 config / role 1 active / act_state 0 nothing /
 *       event 1 board started
 *
 *   ethdl_frames count FILE.pcap
 *       the number of frames in the file, of any kind
 *
 *   ethdl_frames dump FILE.pcap [ETHERTYPE]
 *       every frame of that EtherType (default 88b5) decoded by frame/, one
 *       line each, in the columns tshark -T fields prints for
 *       frame.number ethdl.code ethdl.seq ethdl.session ethdl.flags
 *       ethdl.len ethdl.crc ethdl.crc.status ethdl.tlv.type ethdl.tlv.len
 *       ethdl.notice ethdl.detail ethdl.size ethdl.file_crc ethdl.ctr
 *       (-E occurrence=a -E aggregator=,). The CRC status is 1 when the
 *       carried CRC is the one computed, else 0. Frames frame_decode refuses
 *       for another reason than the CRC or the code print "N\terror\tWHY".
 *
 * Exit 0, 1 when the file cannot be read, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "frame.h"
#include "proto.h"
#include "replay.h"

static void show_usage(FILE *fp)
{
	fprintf(fp, "Usage: ethdl_frames names\n"
		    "       ethdl_frames count FILE.pcap\n"
		    "       ethdl_frames dump FILE.pcap [ETHERTYPE]\n");
}

static int names(void)
{
	char tmp[16];

	for (int c = 0; c < 256; c++)
		if (frame_code_known(c) || strcmp(frame_code_name(c), "?"))
			printf("code\t0x%02X\t%s\n", c, frame_code_name(c));
	for (int n = 0; n < NOTICE_COUNT; n++)
		printf("notice\t%d\t%s\n", n, frame_notice_name(n));
	for (int d = 0; d < D_COUNT; d++)
		printf("detail\t%d\t%s\n", d, proto_detail_name(d));
	for (int t = 0; t < 256; t++) {
		const char *name = rp_tlv_name(t, tmp, sizeof(tmp));

		if (name != tmp)
			printf("tlv\t%d\t%s\n", t, name);
	}
	for (int t = 0; t < FT_COUNT; t++)
		if (strcmp(proto_type_name(t), "?"))
			printf("type\t%d\t%s\n", t, proto_type_name(t));
	for (int r = 0; r < 8; r++)
		if (strcmp(proto_role_name(r), "?"))
			printf("role\t%d\t%s\n", r, proto_role_name(r));
	for (int s = 0; s < ACT_STATE_COUNT; s++)
		printf("act_state\t%d\t%s\n", s, proto_act_state_name(s));
	for (int e = 1; e < PROTO_EV_COUNT; e++)
		printf("event\t%d\t%s\n", e, proto_event_name(e));
	return 0;
}

/* Every occurrence of an integer TLV, joined by commas; fmt prints one. */
static void put_uints(const struct frame *f, uint8_t type, const char *fmt)
{
	const uint8_t *v;
	size_t l;

	putchar('\t');
	for (unsigned i = 0; (v = tlv_find(f->data, f->len, type, i, &l)); i++) {
		uint64_t x = 0;

		for (size_t k = 0; k < l; k++)
			x = x << 8 | v[k];
		if (i)
			putchar(',');
		printf(fmt, (unsigned long long)x);
	}
}

static int is_raw(int code)
{
	return code == FC_FILE_DATA || code == FC_READBACK_DATA || code == FC_GROUP_DATA ||
	       code == FC_GROUP_PARITY || code == FC_OVL_DATA;
}

static void dump_one(unsigned long no, const uint8_t *buf, size_t len, uint16_t et)
{
	struct frame f;
	int r = frame_decode(&f, buf, len, et);
	uint32_t carried, computed;

	if (r < 0 && r != -FRAME_E_CRC && r != -FRAME_E_CODE) {
		printf("%lu\terror\t%s\n", no, frame_strerror(r));
		return;
	}
	carried = get_be32(buf + FRAME_HDR_LEN + f.len);
	computed = frame_crc32(0, buf + FRAME_ETH_LEN, FRAME_HDR_LEN - FRAME_ETH_LEN + f.len);
	printf("%lu\t0x%02x\t%u\t0x%08x\t0x%02x\t%u\t0x%08x\t%d", no, f.code, (unsigned)f.seq,
	       (unsigned)f.session, f.flags, f.len, (unsigned)carried, carried == computed);
	if (is_raw(f.code) || f.len == 0) {
		printf("\t\t\t\t\t\t\t\n");
		return;
	}
	/* the TLV list as far as it is well formed, as the dissector shows it */
	{
		size_t off = 0;
		char types[4096], lens[4096];
		size_t tn = 0, ln = 0;

		types[0] = lens[0] = '\0';
		while (off + 2 <= f.len && f.data[off + 1] <= f.len - off - 2 && tn < 4000 &&
		       ln < 4000) {
			tn += (size_t)snprintf(types + tn, sizeof(types) - tn, "%s%u",
					       off ? "," : "", f.data[off]);
			ln += (size_t)snprintf(lens + ln, sizeof(lens) - ln, "%s%u", off ? "," : "",
					       f.data[off + 1]);
			off += 2u + f.data[off + 1];
		}
		printf("\t%s\t%s", types, lens);
	}
	put_uints(&f, T_NOTICE, "%llu");
	put_uints(&f, T_DETAIL, "%llu");
	put_uints(&f, T_SIZE, "%llu");
	put_uints(&f, T_CRC, "0x%08llx");
	put_uints(&f, T_CTR, "%llu");
	putchar('\n');
}

/* et 0: count every frame, print the count; else dump frames of that EtherType. */
static int dump(const char *path, uint16_t et)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	struct pcap_pkthdr *h;
	const u_char *buf;
	unsigned long no = 0;
	int r;

	if (!p) {
		fprintf(stderr, "ethdl_frames: %s: %s\n", path, err);
		return 1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "ethdl_frames: %s: not an Ethernet capture\n", path);
		pcap_close(p);
		return 1;
	}
	while ((r = pcap_next_ex(p, &h, &buf)) == 1) {
		no++;
		if (!et)
			continue;
		if (h->caplen < FRAME_ETH_LEN || get_be16(buf + 12) != et)
			continue;
		dump_one(no, buf, h->caplen, et);
	}
	if (r == -1)
		fprintf(stderr, "ethdl_frames: %s: %s\n", path, pcap_geterr(p));
	else if (!et)
		printf("%lu\n", no);
	pcap_close(p);
	return r == -1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "names"))
		return names();
	if (argc == 3 && !strcmp(argv[1], "count"))
		return dump(argv[2], 0);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "dump")) {
		unsigned long et = FRAME_ETHERTYPE_DEFAULT;
		char *end;

		if (argc == 4) {
			et = strtoul(argv[3], &end, 16);
			if (*end || et < 0x600 || et > 0xffff) {
				fprintf(stderr, "ethdl_frames: bad EtherType `%s'\n", argv[3]);
				return 2;
			}
		}
		return dump(argv[2], (uint16_t)et);
	}
	show_usage(stderr);
	return 2;
}
