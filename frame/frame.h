/* SPDX-License-Identifier: MIT */
/*
 * frame — encode and decode one ethdl frame.
 *
 * Pure C99: no allocation, no I/O, no global state beyond constant tables.
 * A board vendor can compile frame.c and crc32.c into firmware as they are.
 *
 * Layout (docs/PROTOCOL.md is the reference):
 *
 *   off  size  field
 *   0    6     destination MAC
 *   6    6     source MAC
 *   12   2     EtherType (default 0x88B5)
 *   14   2     start flag 0xEB 0x90
 *   16   1     version (1)
 *   17   1     flags
 *   18   4     session id, big endian
 *   22   4     sequence number, big endian
 *   26   1     function code
 *   27   2     data length N, big endian
 *   29   N     data
 *   29+N 4     CRC32 (IEEE 802.3) over bytes 14 .. 28+N, big endian
 *   33+N 2     end flag 0x90 0xEB
 *              zero pad to 60 bytes
 */
#ifndef ETHDL_FRAME_H
#define ETHDL_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_ETHERTYPE_DEFAULT 0x88B5u
#define FRAME_VERSION		1u
#define FRAME_START0		0xEBu
#define FRAME_START1		0x90u
#define FRAME_END0		0x90u
#define FRAME_END1		0xEBu

#define FRAME_ETH_LEN  14u /* dst, src, EtherType */
#define FRAME_HDR_LEN  29u /* Ethernet header + ethdl header, up to data */
#define FRAME_TRL_LEN  6u  /* CRC32 + end flag */
#define FRAME_OVERHEAD 21u /* ethdl bytes per frame beyond the data, inside the MTU */
#define FRAME_MIN_LEN  60u /* Ethernet minimum without FCS */
#define FRAME_MAX_DATA 65500u
/** Largest data length that fits an MTU (the MTU counts bytes after the Ethernet header). */
#define FRAME_DATA_FOR_MTU(mtu) ((mtu) > FRAME_OVERHEAD ? (mtu)-FRAME_OVERHEAD : 0u)
/** Buffer size that holds any frame. */
#define FRAME_BUF_MAX (FRAME_HDR_LEN + FRAME_MAX_DATA + FRAME_TRL_LEN)

/* Flags (the pad area of the source design). */
#define FRAME_FLAG_ACKREQ 0x01u /* sender asks for a block status report */
#define FRAME_FLAG_GROUP  0x02u /* sent to a group address */
#define FRAME_FLAG_RETX	  0x04u /* a retransmission */

/* Function codes: 6 from the host, 9 from the board, then the extensions. */
enum frame_code {
	FC_CONNECT = 0x01,
	FC_DOWNLOAD = 0x02,
	FC_FILE_INFO = 0x03,
	FC_FILE_DATA = 0x04,
	FC_READBACK = 0x05,
	FC_DISCONNECT = 0x06,

	FC_CONNECT_ACK = 0x81,
	FC_DOWNLOAD_ACK = 0x82,
	FC_FILE_INFO_ACK = 0x83,
	FC_DOWNLOAD_DONE = 0x84,
	FC_READBACK_ACK = 0x85,
	FC_READBACK_DATA = 0x86,
	FC_READBACK_DONE = 0x87,
	FC_DISCONNECT_ACK = 0x88,
	FC_ERROR = 0x89,

	/* Extensions, negotiated by capability bits. Host side 0x20..0x3F,
	 * board side 0xA0..0xBF; codes not listed here are reserved. */
	FC_STATUS_QUERY = 0x20,	   /* host asks for a block status report */
	FC_HOST_STATUS = 0x21,	   /* host's block status report during read-back */
	FC_BOARD_STATUS = 0xA0,	   /* board's block status report during download */
	FC_RB_STATUS_QUERY = 0xA1, /* board asks the host for read-back status */
	/* the device extension (CAP_DEVICE, PROTOCOL.md §7) */
	FC_INFO = 0x22,	      /* host asks for the board's images */
	FC_ACTIVATE = 0x23,   /* host: activate the staged image, now or at a time */
	FC_ROLLBACK = 0x24,   /* host: back to the previous image */
	FC_ACT_QUERY = 0x25,  /* host asks how an activation is going */
	FC_LOG_QUERY = 0x26,  /* host asks for the event log */
	FC_INFO_ACK = 0xA2,   /* board: identity, clock, images */
	FC_ACT_STATE = 0xA3,  /* board: the state of an activation */
	FC_LOG_DATA = 0xA5,   /* board: events */
	/* the group extension (CAP_GROUP, PROTOCOL.md §8) */
	FC_DISCOVER = 0x27,	   /* host, to the discovery address: who is there */
	FC_GROUP_JOIN = 0x28,	   /* host: join this group to receive this file */
	FC_GROUP_DATA = 0x29,	   /* host, to the group (or one board): a source block */
	FC_GROUP_PARITY = 0x2A,	   /* host, to the group (or one board): a parity block */
	FC_GROUP_QUERY = 0x2B,	   /* host asks one board what it still needs */
	FC_GROUP_VERIFY = 0x2C,	   /* host: commit what you hold and report its digests */
	FC_GROUP_LEAVE = 0x2D,	   /* host: leave the group */
	/* session authentication (CAP_AUTH, PROTOCOL.md §9) */
	FC_AUTH = 0x2E,	    /* host: its proof of the session key */
	FC_AUTH_ACK = 0xAB, /* board: accepted, with its own proof */
	/* the overlapped read-back (CAP_OVERLAP, PROTOCOL.md §10) */
	FC_OVL_WANT = 0x2F, /* host: chunks of regions it still lacks; after the download, a
			     * request for OVL_DONE */
	FC_OVL_DATA = 0xAC, /* board: one chunk of a region, read back from its store */
	FC_OVL_DONE = 0xAD, /* board: every region queued was sent; passes and file CRC */
	FC_DISCOVER_ACK = 0xA6,	   /* board: identity, capabilities, images */
	FC_GROUP_JOIN_ACK = 0xA7,  /* board: joined */
	FC_GROUP_STATUS = 0xA8,	   /* board: what it still needs */
	FC_GROUP_DONE = 0xA9,	   /* board: stored, with size, CRC32, SHA-256 */
	FC_GROUP_LEAVE_ACK = 0xAA, /* board: left */
};

#define FC_EXT_HOST_FIRST  0x20u
#define FC_EXT_HOST_LAST   0x3Fu
#define FC_EXT_BOARD_FIRST 0xA0u
#define FC_EXT_BOARD_LAST  0xBFu

/* Capability bits, exchanged in CONNECT and CONNECT_ACK. */
#define CAP_WINDOW 0x00000001u /* windowed sending with block status reports and selective repair  \
				*/
#define CAP_RESUME 0x00000002u /* board keeps a partial download and reports what it has */
#define CAP_DEVICE 0x00000004u /* board stages, activates, rolls back and logs (§7) */
#define CAP_GROUP  0x00000008u /* board answers discovery and joins group downloads (§8) */
#define CAP_AUTH   0x00000010u /* board requires an authenticated session (§9) */
#define CAP_OVERLAP 0x00000020u /* read-back of each region while the download goes on (§10) */

/* The address DISCOVER is sent to; boards with CAP_GROUP listen on it. A
 * locally administered multicast MAC, so boards without the extension never
 * receive it. */
#define FRAME_DISCOVER_MAC {0x03, 0x65, 0x74, 0x68, 0x64, 0x6c}

/* The six error notices. */
enum frame_notice {
	NOTICE_NONE = 0,
	NOTICE_CONNECT_FAILED = 1,
	NOTICE_FRAME_CRC = 2,
	NOTICE_FILE_CRC = 3,
	NOTICE_TIMEOUT = 4,
	NOTICE_READBACK_MISMATCH = 5,
	NOTICE_WRONG_COMMAND = 6,
};
#define NOTICE_COUNT 7

/* Why decode refused a buffer. */
enum frame_err {
	FRAME_OK = 0,
	FRAME_E_SHORT = 1,     /* shorter than the smallest possible frame */
	FRAME_E_ETHERTYPE = 2, /* not our EtherType */
	FRAME_E_START = 3,     /* start flag is not EB 90 */
	FRAME_E_VERSION = 4,   /* version we do not speak */
	FRAME_E_LENGTH = 5,    /* data length runs past the end of the buffer */
	FRAME_E_CRC = 6,       /* CRC32 does not match */
	FRAME_E_END = 7,       /* end flag is not 90 EB */
	FRAME_E_CODE = 8,      /* function code unknown */
	FRAME_E_NOSPACE = 9,   /* encode: buffer too small */
	FRAME_E_TOOLONG = 10,  /* encode: data longer than FRAME_MAX_DATA */
};
#define FRAME_ERR_COUNT 11

/** One decoded frame. On decode, data points into the caller's buffer. */
struct frame {
	uint8_t dst[6];
	uint8_t src[6];
	uint8_t version;
	uint8_t flags;
	uint32_t session;
	uint32_t seq;
	uint8_t code;
	uint16_t len;
	const uint8_t *data;
};

/** CRC32, IEEE 802.3 (reflected 0xEDB88320), init and final xor 0xFFFFFFFF.
 *  Continue a running value by passing the previous result as crc; start with 0. */
uint32_t frame_crc32(uint32_t crc, const void *buf, size_t len);
/** The portable slice-by-8 version (what frame_crc32 uses without PCLMULQDQ). */
uint32_t frame_crc32_sliced(uint32_t crc, const void *buf, size_t len);
/** The byte-at-a-time table version: the reference the fast one is tested against. */
uint32_t frame_crc32_bytewise(uint32_t crc, const void *buf, size_t len);

/**
 * Encode f into buf (cap bytes), with the given EtherType. f->data may be
 * NULL when f->len is 0. Returns the number of bytes written (at least
 * FRAME_MIN_LEN) or -FRAME_E_NOSPACE / -FRAME_E_TOOLONG.
 */
int frame_encode(uint8_t *buf, size_t cap, const struct frame *f, uint16_t ethertype);

/**
 * Encode the header of a data-carrying frame whose data is already in place
 * at buf + FRAME_HDR_LEN: writes the header, CRC, end flag and pad. Lets a
 * sender read file data straight into the frame buffer. Same returns as
 * frame_encode.
 */
int frame_seal(uint8_t *buf, size_t cap, const struct frame *f, uint16_t ethertype);

/**
 * Decode buf (len bytes) into f. Never reads outside buf. Returns 0 or a
 * negative enum frame_err. On -FRAME_E_CRC and -FRAME_E_CODE, f is filled
 * (the caller may wish to know who sent a damaged frame).
 */
int frame_decode(struct frame *f, const uint8_t *buf, size_t len, uint16_t ethertype);

/** Names; never NULL ("?" for values outside the enum). */
const char *frame_code_name(int code);
const char *frame_notice_name(int notice);
const char *frame_strerror(int err); /* takes the positive or negative value */

/** 1 if code is one of the 15 base codes or an assigned extension. */
int frame_code_known(int code);
/** 1 if a board sends this code, 0 if a host does. */
int frame_code_from_board(int code);

/* ---- TLV: type (1 byte), length (1 byte), value ---- */

struct tlv_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int overflow;
};

void tlv_writer_init(struct tlv_writer *w, uint8_t *buf, size_t cap);
void tlv_put(struct tlv_writer *w, uint8_t type, const void *val, size_t len);
void tlv_put_u8(struct tlv_writer *w, uint8_t type, uint8_t v);
void tlv_put_u16(struct tlv_writer *w, uint8_t type, uint16_t v);
void tlv_put_u32(struct tlv_writer *w, uint8_t type, uint32_t v);
void tlv_put_u64(struct tlv_writer *w, uint8_t type, uint64_t v);
void tlv_put_str(struct tlv_writer *w, uint8_t type, const char *s);

/**
 * Find the n-th (from 0) TLV of the given type in data. Returns its value
 * and sets *len, or NULL when absent or when the TLV list is malformed
 * before reaching it.
 */
const uint8_t *tlv_find(const uint8_t *data, size_t dlen, uint8_t type, unsigned n, size_t *len);
/** 1 if the TLV list is well formed (every length within the data). */
int tlv_valid(const uint8_t *data, size_t dlen);
/** Read an unsigned integer TLV of 1, 2, 4 or 8 bytes; returns 0 if absent or another width. */
int tlv_get_uint(const uint8_t *data, size_t dlen, uint8_t type, uint64_t *out);
/** Copy a string TLV into out (NUL-terminated, truncated to cap-1); returns 0 if absent. */
int tlv_get_str(const uint8_t *data, size_t dlen, uint8_t type, char *out, size_t cap);

/* Big-endian helpers. */
static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}
static inline uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

#endif
