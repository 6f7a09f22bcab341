/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed corpus for the fuzz targets: DIR/frame/ holds valid frames
 * of several codes and lengths, DIR/tlv/ the TLV lists some of them carry.
 * Usage: ethdl_gen_corpus DIR (the DIR/frame and DIR/tlv folders must exist).
 *
 * The TLV type numbers are only plausible examples, not the protocol's.
 */
#include <stdio.h>
#include <string.h>

#include "frame.h"

static const uint8_t host_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t board_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

static int write_file(const char *dir, const char *sub, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *fp;
	int ret = 1;

	if (snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name) >= (int)sizeof(path))
		return 1;
	fp = fopen(path, "wb");
	if (!fp) {
		perror(path);
		return 1;
	}
	if (fwrite(p, 1, n, fp) == n)
		ret = 0;
	if (fclose(fp) != 0)
		ret = 1;
	if (ret)
		fprintf(stderr, "Unable to write `%s'\n", path);
	return ret;
}

static int write_frame(const char *dir, const char *name, uint8_t code, uint8_t flags, uint32_t seq,
		       const uint8_t *data, size_t len)
{
	static uint8_t buf[FRAME_BUF_MAX];
	struct frame f;
	int n;

	memset(&f, 0, sizeof(f));
	memcpy(f.dst, frame_code_from_board(code) ? host_mac : board_mac, 6);
	memcpy(f.src, frame_code_from_board(code) ? board_mac : host_mac, 6);
	f.flags = flags;
	f.session = 0x5EED0001u;
	f.seq = seq;
	f.code = code;
	f.len = (uint16_t)len;
	f.data = data;
	n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", name, frame_strerror(n));
		return 1;
	}
	return write_file(dir, "frame", name, buf, (size_t)n);
}

int main(int argc, char *argv[])
{
	static uint8_t data[FRAME_DATA_FOR_MTU(1500u)];
	uint8_t tlv[256];
	struct tlv_writer w;
	const char *dir;
	int err = 0;

	if (argc != 2) {
		fprintf(stderr, "Usage: %s DIR\n", argv[0]);
		return 1;
	}
	dir = argv[1];

	tlv_writer_init(&w, tlv, sizeof(tlv));
	tlv_put_u32(&w, 1, CAP_WINDOW | CAP_RESUME);
	tlv_put_u16(&w, 2, 1500);
	tlv_put_str(&w, 3, "host");
	err |= write_frame(dir, "connect", FC_CONNECT, 0, 0, tlv, w.len);

	tlv_writer_init(&w, tlv, sizeof(tlv));
	tlv_put_str(&w, 1, "Example Boards");
	tlv_put_str(&w, 2, "EB-100");
	tlv_put_str(&w, 3, "SN00012345");
	tlv_put_str(&w, 4, "boot 1.2.0");
	tlv_put_str(&w, 4, "app 3.4.1");
	tlv_put_u32(&w, 5, CAP_WINDOW);
	err |= write_frame(dir, "connect_ack", FC_CONNECT_ACK, 0, 0, tlv, w.len);
	err |= write_file(dir, "tlv", "identity", tlv, w.len);

	tlv_writer_init(&w, tlv, sizeof(tlv));
	tlv_put_str(&w, 1, "firmware.bin");
	tlv_put_u64(&w, 2, 1048576);
	tlv_put_u32(&w, 3, 0xCBF43926u);
	tlv_put_u16(&w, 4, 1024);
	err |= write_frame(dir, "file_info", FC_FILE_INFO, 0, 0, tlv, w.len);
	err |= write_file(dir, "tlv", "file_info", tlv, w.len);

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31 + 7);
	err |= write_frame(dir, "file_data_short", FC_FILE_DATA, 0, 1, data, 16);
	err |= write_frame(dir, "file_data_mtu1500", FC_FILE_DATA, FRAME_FLAG_ACKREQ, 7, data,
			   sizeof(data));
	err |= write_frame(dir, "readback_data", FC_READBACK_DATA, FRAME_FLAG_RETX, 3, data, 200);

	tlv_writer_init(&w, tlv, sizeof(tlv));
	tlv_put_u64(&w, 1, 1048576);
	tlv_put_u32(&w, 2, 1024);
	tlv_put_u32(&w, 3, 0x414FA339u);
	err |= write_frame(dir, "readback_ack", FC_READBACK_ACK, 0, 0, tlv, w.len);
	err |= write_file(dir, "tlv", "readback_ack", tlv, w.len);

	tlv_writer_init(&w, tlv, sizeof(tlv));
	tlv_put_u8(&w, 1, NOTICE_FRAME_CRC);
	tlv_put_str(&w, 2, "frame 17: CRC mismatch");
	tlv_put(&w, 3, NULL, 0);
	err |= write_frame(dir, "error", FC_ERROR, 0, 0, tlv, w.len);
	err |= write_file(dir, "tlv", "error", tlv, w.len);

	tlv_writer_init(&w, tlv, sizeof(tlv));
	tlv_put_u32(&w, 1, 1);
	memset(data, 0xFF, 32);
	data[5] = 0xEF;
	tlv_put(&w, 2, data, 32);
	err |= write_frame(dir, "board_status", FC_BOARD_STATUS, 0, 0, tlv, w.len);
	err |= write_file(dir, "tlv", "bitmap", tlv, w.len);

	err |= write_frame(dir, "download", FC_DOWNLOAD, 0, 0, NULL, 0);
	err |= write_frame(dir, "download_done", FC_DOWNLOAD_DONE, 0, 0, NULL, 0);
	err |= write_frame(dir, "disconnect", FC_DISCONNECT, 0, 0, NULL, 0);
	return err != 0;
}
