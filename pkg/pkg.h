/* SPDX-License-Identifier: MIT */
/*
 * pkg — the update package header: parse, write, versions.
 *
 * Pure C99: no allocation, no I/O, no OpenSSL; links frame/ for the CRC32.
 * A board vendor can compile pkg.c into firmware beside frame/. The SHA-256
 * of the image is in pkg_digest.h (a separate target that links libcrypto).
 *
 * Layout (docs/PACKAGE.md is the reference), big endian throughout:
 *
 *   off  size  field
 *   0    8     magic "ETHDLPKG"
 *   8    2     format version (1)
 *   10   2     header length H (fixed part + TLVs), PKG_HDR_MIN .. PKG_HDR_MAX
 *   12   2     flags
 *   14   H-14  TLVs: type u8, length u16, value; the last one is the header
 *              CRC32 (type 0xFF, length 4) over bytes 0 .. H-5
 *   H    S     the image, S = the image size TLV
 */
#ifndef ETHDL_PKG_H
#define ETHDL_PKG_H

#include <stddef.h>
#include <stdint.h>

#define PKG_MAGIC	   "ETHDLPKG"
#define PKG_MAGIC_LEN	   8u
#define PKG_FORMAT	   1u
#define PKG_FIXED_LEN	   14u		 /* magic, format version, header length, flags */
#define PKG_TLV_HDR_LEN	   3u		 /* type u8, length u16 */
#define PKG_CRC_TLV_LEN	   7u		 /* the header CRC TLV, last in the header */
#define PKG_HDR_MIN	   95u		 /* the smallest header that holds the required TLVs */
#define PKG_HDR_MAX	   8192u	 /* the largest header a reader must accept */
#define PKG_STR_MAX	   63u		 /* vendor, model, target serial: 1..63 bytes */
#define PKG_MAX_TARGETS	   256u		 /* target serial TLVs in one header */
#define PKG_IMAGE_MAX	   0xFFFFFFFFull /* largest image size (4 GiB - 1) */
#define PKG_SHA256_LEN	   32u
#define PKG_VERSION_STRMAX 24u /* "65535.65535.65535.65535" and its NUL */

/* TLV types. A reader skips types it does not know. */
enum pkg_tlv {
	PKG_T_VENDOR = 0x01,	 /* string, required */
	PKG_T_MODEL = 0x02,	 /* string, required */
	PKG_T_VERSION = 0x03,	 /* 1..4 x u16, required */
	PKG_T_TYPE = 0x04,	 /* u8 file type (enum proto_file_type), required */
	PKG_T_BUILD_TIME = 0x05, /* u64 Unix seconds, required */
	PKG_T_TARGET = 0x06,	 /* string, a board serial; optional, repeated */
	PKG_T_IMAGE_SIZE = 0x07, /* u64, required */
	PKG_T_SHA256 = 0x08,	 /* 32 bytes, SHA-256 of the image, required */
	/* Signing and encryption (docs/PACKAGE.md §5). */
	PKG_T_KEY_ID = 0x10,	   /* 1..32 bytes, which key signed (Ed25519: 8) */
	PKG_T_SIGNATURE = 0x11,	   /* 1..512 bytes (Ed25519: 64); second to last TLV */
	PKG_T_GCM_NONCE = 0x12,	   /* 12 bytes, AES-128-GCM nonce */
	PKG_T_GCM_TAG = 0x13,	   /* 16 bytes, AES-128-GCM tag */
	PKG_T_PLAIN_SHA256 = 0x14, /* 32 bytes, SHA-256 of the decrypted image */
	PKG_T_HDR_CRC = 0xFF,	   /* u32 CRC32 of header bytes 0 .. H-5; always last */
};

/* Flags (fixed part). A reader refuses a header with a bit it does not know. */
#define PKG_F_ENCRYPTED 0x0001u /* image is AES-128-GCM ciphertext */
#define PKG_F_KNOWN	PKG_F_ENCRYPTED

/* Errors: functions return 0 (or a length) or the negative of one of these. */
enum pkg_err {
	PKG_OK = 0,
	PKG_E_TRUNCATED = 1,  /* the buffer ends before the header does */
	PKG_E_MAGIC = 2,      /* not "ETHDLPKG" */
	PKG_E_FORMAT = 3,     /* a format version this reader does not know */
	PKG_E_HDR_LEN = 4,    /* header length outside PKG_HDR_MIN .. PKG_HDR_MAX */
	PKG_E_FLAGS = 5,      /* a flag bit this reader does not know */
	PKG_E_CRC = 6,	      /* header CRC mismatch: the header is damaged */
	PKG_E_TLV = 7,	      /* a TLV runs past the header, or the CRC is not last */
	PKG_E_MISSING = 8,    /* a required TLV is absent */
	PKG_E_DUPLICATE = 9,  /* a TLV that may appear once appears twice */
	PKG_E_FIELD = 10,     /* a value of the wrong length or out of range */
	PKG_E_VERSION = 11,   /* not a valid image version */
	PKG_E_TOO_BIG = 12,   /* image size above PKG_IMAGE_MAX */
	PKG_E_TARGETS = 13,   /* more than PKG_MAX_TARGETS target serials */
	PKG_E_NOSPACE = 14,   /* write: the buffer or PKG_HDR_MAX is too small */
	PKG_E_IMAGE_LEN = 15, /* the image is not as long as the header says */
	PKG_E_DIGEST = 16,    /* the image's SHA-256 differs from the header's */
	PKG_E_IO = 17,	      /* reading the image failed (host side) */
	PKG_E_CRYPTO = 18,    /* the crypto library failed (host side) */
	PKG_E_SIGNATURE = 19, /* the signature does not check */
	PKG_E_UNTRUSTED = 20, /* signed by a key that is not trusted */
	PKG_E_UNSIGNED = 21,  /* a signature is required and there is none */
	PKG_E_TAG = 22,	      /* the AES-GCM tag does not check */
	PKG_E_PLAIN = 23,     /* the decrypted image's SHA-256 differs */
};
#define PKG_ERR_COUNT 24

/** An image version: count (1..4) numbers; n[i] for i >= count is 0. */
struct pkg_version {
	uint16_t n[4];
	uint8_t count;
};

/**
 * A parsed header. Strings are NUL-terminated copies. The target serials
 * stay in the caller's header buffer: read them with pkg_header_target() or
 * pkg_header_has_target(), passing the same buffer.
 */
struct pkg_header {
	uint16_t format;  /* PKG_FORMAT */
	uint16_t hdr_len; /* whole header; the image starts here */
	uint16_t flags;	  /* PKG_F_* */
	char vendor[PKG_STR_MAX + 1];
	char model[PKG_STR_MAX + 1];
	struct pkg_version version;
	uint8_t type; /* enum proto_file_type, 1..4 */
	uint64_t build_time;
	uint64_t image_size;
	uint8_t sha256[PKG_SHA256_LEN];
	uint16_t target_count; /* 0: any board of this vendor and model */
	uint32_t crc;	       /* the header CRC32 as read */
	/* Signing and encryption, by offset of the value in the header buffer;
	 * 0 when absent. signed_len is the number of header bytes the signature
	 * covers (the offset of the SIGNATURE TLV); pkg_crypto.h checks them. */
	uint16_t key_id_off, key_id_len;
	uint16_t sig_off, sig_len, signed_len;
	uint16_t nonce_off, tag_off;
	uint16_t plain_off; /* PLAIN_SHA256's value; 0 when absent */
};

/**
 * The optional TLVs of a signed or encrypted header, for
 * pkg_header_write_ext(). A NULL pointer leaves that part out. With
 * plain_sha256, nonce and tag (all three or none) the header is encrypted;
 * with key_id and sig (both or neither) it is signed. The values may be
 * placeholders (zeros) that the caller fills in later and then reseals.
 */
struct pkg_extra {
	const uint8_t *plain_sha256; /* PKG_SHA256_LEN bytes */
	const uint8_t *nonce;	     /* 12 bytes */
	const uint8_t *tag;	     /* 16 bytes */
	const uint8_t *key_id;
	size_t key_id_len; /* 1..32 */
	const uint8_t *sig;
	size_t sig_len; /* 1..512 */
};

/* ---- versions ---- */

/**
 * Parse 1 to 4 dot-separated decimal numbers, each 0..65535, written without
 * sign, leading zero (except "0" itself), space or anything else. Returns 0,
 * or -PKG_E_VERSION with *v untouched.
 */
int pkg_version_parse(const char *s, struct pkg_version *v);
/** Numeric order, missing parts counting as 0: returns -1, 0 or 1. */
int pkg_version_cmp(const struct pkg_version *a, const struct pkg_version *b);
/**
 * Write "a.b.c" (count numbers) into out, NUL-terminated. Returns the length
 * without the NUL, -PKG_E_VERSION if count is not 1..4, -PKG_E_NOSPACE if
 * cap is too small (PKG_VERSION_STRMAX always suffices).
 */
int pkg_version_format(const struct pkg_version *v, char *out, size_t cap);

/* The wire form of a version (PROTOCOL.md §7): count u8 (0 = unknown),
 * then four parts u16 big endian, unused ones 0. */
#define PKG_VERSION_WIRE 9u
void pkg_version_put(uint8_t out[PKG_VERSION_WIRE], const struct pkg_version *v);
/** 0, or -PKG_E_VERSION for a count above 4 (then *v is the unknown
 *  version, count 0). */
int pkg_version_get(const uint8_t in[PKG_VERSION_WIRE], struct pkg_version *v);

/* ---- header ---- */

/**
 * From the first PKG_FIXED_LEN bytes of buf, the length of the whole header:
 * checks the magic, the format version and that the length is within
 * PKG_HDR_MIN .. PKG_HDR_MAX. Returns 0 and sets *hdr_len, or
 * -PKG_E_TRUNCATED (len < PKG_FIXED_LEN), -PKG_E_MAGIC, -PKG_E_FORMAT,
 * -PKG_E_HDR_LEN.
 */
int pkg_header_need(const uint8_t *buf, size_t len, size_t *hdr_len);

/**
 * Parse and check the header at the start of buf (len bytes; bytes past the
 * header are not read). In order: the fixed part (as pkg_header_need, then
 * -PKG_E_TRUNCATED if len is shorter than the header, -PKG_E_FLAGS), the
 * CRC (-PKG_E_CRC), then every TLV (-PKG_E_TLV, -PKG_E_DUPLICATE,
 * -PKG_E_FIELD, -PKG_E_VERSION, -PKG_E_TOO_BIG, -PKG_E_TARGETS,
 * -PKG_E_MISSING). Returns 0 and fills *h, or a negative error with *h
 * unspecified. Never reads outside buf[0 .. len).
 */
int pkg_header_parse(const uint8_t *buf, size_t len, struct pkg_header *h);

/**
 * Write the header for h (vendor, model, version, type, build_time,
 * image_size, sha256; flags must be 0) and the ntargets NUL-terminated
 * serials into buf, CRC last. The other fields of h are ignored. Writes an
 * unsigned, unencrypted header. Returns the header length, or -PKG_E_FIELD,
 * -PKG_E_FLAGS, -PKG_E_VERSION, -PKG_E_TOO_BIG, -PKG_E_TARGETS for a value
 * pkg_header_parse would refuse, -PKG_E_NOSPACE if cap (or PKG_HDR_MAX) is
 * too small.
 */
int pkg_header_write(const struct pkg_header *h, const char *const *targets, size_t ntargets,
		     uint8_t *buf, size_t cap);

/**
 * As pkg_header_write, with the signing and encryption TLVs of x (NULL: as
 * pkg_header_write). h->flags is ignored: the header is marked encrypted when
 * x carries the encryption TLVs. The order is that of docs/PACKAGE.md §5:
 * ..., SHA256, PLAIN_SHA256, GCM_NONCE, GCM_TAG, KEY_ID, SIGNATURE, HDR_CRC.
 */
int pkg_header_write_ext(const struct pkg_header *h, const char *const *targets, size_t ntargets,
			 const struct pkg_extra *x, uint8_t *buf, size_t cap);

/**
 * Recompute the CRC of the header of hdr_len bytes in buf (after a field
 * was filled in place). Returns 0, or -PKG_E_HDR_LEN.
 */
int pkg_header_reseal(uint8_t *buf, size_t hdr_len);

/**
 * The i-th target serial (from 0) of a parsed header, as a pointer into hdr
 * (the buffer h was parsed from), not NUL-terminated; sets *len. NULL when
 * i >= h->target_count.
 */
const uint8_t *pkg_header_target(const struct pkg_header *h, const uint8_t *hdr, unsigned i,
				 size_t *len);

/**
 * 1 if the package is meant for the board with this serial: the header
 * lists no target (any board), or lists this exact serial. 0 otherwise.
 */
int pkg_header_has_target(const struct pkg_header *h, const uint8_t *hdr, const char *serial);

/**
 * The GCM additional authenticated data of a header: its bytes 0 .. A-1
 * (A = h->signed_len when signed, else h->hdr_len - 7) with the GCM_TAG
 * value zeroed. Writes them into aad (cap >= A) and returns A, or
 * -PKG_E_FIELD when h is not encrypted, -PKG_E_NOSPACE.
 */
int pkg_gcm_aad(const struct pkg_header *h, const uint8_t *hdr, uint8_t *aad, size_t cap);

/** 1 if s is a valid vendor or model (1..63 bytes, printable ASCII 0x20..0x7E). */
int pkg_valid_name(const char *s);
/** 1 if s is a valid target serial (1..63 bytes, printable ASCII without space). */
int pkg_valid_serial(const char *s);

/** A sentence for an error; takes the positive or negative value; never NULL. */
const char *pkg_strerror(int err);

#endif
