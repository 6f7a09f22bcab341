/* SPDX-License-Identifier: MIT */
/*
 * proto — what the data of each control frame holds: TLV types, file types,
 * error details. docs/PROTOCOL.md gives the layout of every frame.
 */
#ifndef ETHDL_PROTO_H
#define ETHDL_PROTO_H

/* TLV types. Integers are big endian; a receiver skips types it does not know. */
enum proto_tlv {
	T_CAPS = 1,	 /* u32 capability bits (CAP_*) */
	T_WINDOW = 2,	 /* u16 frames the sender of this TLV can take ahead */
	T_BLOCK = 3,	 /* u16 data bytes per FILE_DATA / READBACK_DATA frame */
	T_VENDOR = 4,	 /* string */
	T_MODEL = 5,	 /* string */
	T_SERIAL = 6,	 /* string */
	T_SLOT = 7,	 /* 13 bytes, repeated: file type u8, size u64, CRC32 u32 */
	T_TYPE = 8,	 /* u8 file type (enum proto_file_type) */
	T_SIZE = 9,	 /* u64 file size in bytes */
	T_FRAMES = 10,	 /* u32 number of data frames */
	T_CRC = 11,	 /* u32 CRC32 of the whole file */
	T_NAME = 12,	 /* string, the host's file name (informational) */
	T_NOTICE = 13,	 /* u8 enum frame_notice (0 = not a notice: see T_DETAIL) */
	T_DETAIL = 14,	 /* u16 enum proto_detail */
	T_EXPECTED = 15, /* u32 what the sender of ERROR expected (code or sequence) */
	T_GOT = 16,	 /* u32 what it got */
	T_TEXT = 17,	 /* string, human-readable */
	T_CUM = 18,	 /* u32 every sequence <= CUM has been received */
	T_HIGH = 19,	 /* u32 highest sequence received */
	T_BASE = 20,	 /* u32 sequence of bit 0 of T_BITMAP */
	T_BITMAP = 21,	 /* bytes: bit i (LSB first) set = sequence BASE + i received */
	T_HAVE = 22,	 /* u32 number of distinct data frames received */
	T_RESUME = 23,	 /* u32 frames the board already holds of this file (resume) */
	T_OFFSET = 24,	 /* u64 a byte offset (first difference) */
	/* the device extension (PROTOCOL.md §7) */
	T_PKG_HDR = 25,	     /* bytes: a piece of the package header, repeated in order */
	T_IMAGE = 26,	     /* 60 bytes, repeated: type, role, flags, version, size, SHA-256, at */
	T_BOARD_TIME = 27,   /* u64 µs since 1970, the board's clock */
	T_HOST_TIME = 28,    /* u64 µs since 1970, the host's clock */
	T_ACT_MODE = 29,     /* u8 1 now, 2 at a time */
	T_ACT_AT = 30,	     /* u64 µs since 1970 */
	T_ACT_STATE = 31,    /* u8 enum: 0 none, 1 scheduled, 2 testing, 3 activated, 4 rolled back */
	T_VERSION_FROM = 32, /* 9 bytes: count u8, 4 x u16 */
	T_VERSION_TO = 33,   /* 9 bytes */
	T_HEALTH_MS = 34,    /* u32 */
	T_SINCE = 35,	     /* u64 event sequence */
	T_MAX = 36,	     /* u16 */
	T_EVENT = 37,	     /* 46 bytes, repeated */
	T_NEXT = 38,	     /* u64 next sequence to ask for, 0 = no more */
	T_ROLE = 39,	     /* u8 1 active, 2 staged */
	/* the group extension (CAP_GROUP, §8) */
	T_GROUP_MAC = 40, /* 6 bytes: the group's multicast MAC */
	T_GEN = 41,	  /* u16 source blocks per generation (K) */
	T_DELAY_MS = 42,  /* u32 DISCOVER: answer after a random delay below this */
	T_HEARD = 43,	  /* 6-byte MACs, repeated: boards already heard (stay silent) */
	T_NEEDS = 44,	  /* 6-byte entries: generation u32, symbols still needed u16 */
	T_SHA256 = 45,	  /* 32 bytes: SHA-256 of the file as stored */
	T_IDLE_MS = 46,	  /* u32 the board leaves the group after this much silence */
	T_FIRST = 47,	  /* u32 GROUP_QUERY: first generation (needs) or sequence (bitmap) */
	T_WANT = 48,	  /* u8 GROUP_QUERY: 1 needs per generation, 2 bitmap of blocks */
	T_GEN_NEXT = 49,  /* u32 the generation to ask from next; 0 = the report reached the end */
	/* session authentication (CAP_AUTH, §9) */
	T_NONCE = 50,	   /* 16 bytes: the board's fresh nonce (CONNECT_ACK) */
	T_HOST_NONCE = 51, /* 16 bytes: the host's fresh nonce (AUTH) */
	T_AUTH = 52,	   /* 32 bytes: HMAC-SHA256 proof (AUTH, AUTH_ACK) */
	T_CTR = 53,	   /* u32: control-frame counter of the sender in this session */
	T_FMAC = 54,	   /* 16 bytes: truncated HMAC of the frame; always the last TLV */
	/* the overlapped read-back (CAP_OVERLAP, §10) */
	T_PASSES = 60,	 /* u64 OVL_DONE: region read-backs the board made, all regions */
	T_OVL_WANT = 61, /* 16 bytes, repeated: region u32, pass u32, chunk mask u64 */
	T_REGIONS = 62,	 /* u32 OVL_DONE: regions of the file */
	/* the windowed exchange (§4) */
	T_OVERRUN = 63, /* u64 BOARD_STATUS: frames the board's receiver dropped for lack of room */
};

/* A version on the wire: count u8 (0 = unknown, else 1..4), then four u16
 * parts (unused parts 0). */
#define PROTO_VERSION_LEN 9u
/* T_IMAGE: type u8, role u8, flags u8, version, size u64, SHA-256 (32),
 * activate_at u64 (µs, board clock; 0 = none). */
#define PROTO_IMAGE_LEN	    60u
#define PROTO_IMG_F_VERSION 0x01u /* the version is known */
#define PROTO_IMG_F_PACKAGE 0x02u /* the image came in an update package */
/* T_EVENT: seq u64, time u64 (µs, board clock), event u8, type u8, notice u8,
 * 0 u8, detail u16, host MAC (6), version from, version to. */
#define PROTO_EVENT_LEN 46u

/* The images a board keeps per file type (T_IMAGE role, T_ROLE). */
enum proto_role {
	ROLE_ACTIVE = 1,
	ROLE_STAGED = 2,
	ROLE_PREVIOUS = 3,
};

enum proto_act_mode {
	ACT_MODE_NOW = 1,
	ACT_MODE_AT = 2,
};

/* T_ACT_STATE. */
enum proto_act_state {
	ACT_NONE = 0,
	ACT_SCHEDULED = 1,
	ACT_TESTING = 2, /* the health check is running */
	ACT_ACTIVATED = 3,
	ACT_ROLLED_BACK = 4,
};
#define ACT_STATE_COUNT 5

/* Events of the board's log (T_EVENT). */
enum proto_event {
	PROTO_EV_STARTED = 1,	     /* board started */
	PROTO_EV_DOWNLOAD = 2,	     /* download started */
	PROTO_EV_VERIFIED = 3,	     /* the stored file or package checked */
	PROTO_EV_FAILED = 4,	     /* a download failed (notice, detail) */
	PROTO_EV_REFUSED = 5,	     /* a package refused (detail) */
	PROTO_EV_STAGED = 6,	     /* a package staged */
	PROTO_EV_SCHEDULED = 7,	     /* an activation scheduled */
	PROTO_EV_ACTIVATED = 8,	     /* an image activated (under test) */
	PROTO_EV_HEALTH_PASSED = 9,  /* its health check passed: confirmed */
	PROTO_EV_HEALTH_FAILED = 10, /* its health check failed or timed out */
	PROTO_EV_ROLLED_BACK = 11,   /* the previous image put back */
};
#define PROTO_EV_COUNT 12

enum proto_file_type {
	FT_CONFIG = 1,
	FT_ALGORITHM = 2,
	FT_PARAMETER = 3,
	FT_REDUNDANCY = 4,
};
#define FT_COUNT 5

/* Detail codes carried by ERROR beside the notice. */
enum proto_detail {
	D_NONE = 0,
	D_UNEXPECTED_CODE = 1, /* T_EXPECTED / T_GOT are function codes */
	D_SEQUENCE = 2,	       /* T_EXPECTED / T_GOT are sequence numbers */
	D_BAD_FIELD = 3,       /* a required TLV missing or out of range */
	D_FRAME_CRC = 4,       /* a frame failed its CRC */
	D_FILE_CRC = 5,	       /* T_EXPECTED / T_GOT are file CRCs */
	D_SILENCE = 6,	       /* nothing heard for the timeout */
	D_BUSY = 7,	       /* board is in a session with another host */
	D_NO_FILE = 8,	       /* read-back of a slot that holds nothing */
	D_STORAGE = 9,	       /* board could not store the file (no space, I/O) */
	D_TOO_BIG = 10,	       /* file larger than the board accepts */
	D_SIZE = 11,	       /* sizes differ: T_EXPECTED / T_GOT are sizes (low 32 bits) */
	D_SUPERSEDED = 12,     /* a newer session from the same host took over */
	D_POLICY = 13,	       /* package for another vendor or model */
	D_NOT_TARGET = 14,     /* the board's serial is not among the package's targets */
	D_NOT_NEWER = 15,      /* package version not newer than the active one */
	D_PKG = 16,	       /* package malformed, or its image does not match its digest */
	D_NOTHING_STAGED = 17, /* nothing staged to activate */
	D_NO_PREVIOUS = 18,    /* no previous image to roll back to */
	D_TESTING = 19,	       /* an activation is under test */
	D_ROUNDS = 20,	       /* host: still missing blocks after the last repair round */
	D_LEFT = 21,	       /* the board is not in the group (left, timed out, restarted) */
	/* signed and encrypted packages (PACKAGE.md §5), authentication (§9) */
	D_SIGNATURE = 22, /* the package's signature does not check */
	D_UNTRUSTED = 23, /* the package is signed by a key the board does not trust */
	D_UNSIGNED = 24,  /* the board takes only signed packages (for this type) */
	D_TAG = 25,	  /* the decrypted image fails its AES-GCM tag or digest */
	D_NO_KEY = 26,	  /* the package is encrypted and the board holds no key for it */
	D_AUTH = 27,	  /* the session is not authenticated: no key, or a wrong one */
};
#define D_COUNT 28

#define PROTO_TIMEOUT_US 3000000u /* the 3-second timer */

static inline const char *proto_type_name(int t)
{
	switch (t) {
	case FT_CONFIG: return "config";
	case FT_ALGORITHM: return "algorithm";
	case FT_PARAMETER: return "parameter";
	case FT_REDUNDANCY: return "redundancy";
	default: return "?";
	}
}

static inline const char *proto_detail_name(int d)
{
	static const char *const names[D_COUNT] = {
		"none",
		"unexpected function code",
		"sequence out of order",
		"bad or missing field",
		"frame CRC error",
		"file CRC error",
		"nothing heard for the timeout",
		"board busy with another host",
		"no such file on the board",
		"board storage failed",
		"file too big for the board",
		"sizes differ",
		"a newer session from this host took over",
		"package for another vendor or model",
		"board is not among the package's targets",
		"package version is not newer than the active one",
		"package malformed or its image does not match its digest",
		"nothing staged to activate",
		"no previous image to roll back to",
		"an activation is under test",
		"still missing blocks after the last repair round",
		"not in the group",
		"package signature does not check",
		"package signed by a key the board does not trust",
		"board takes only signed packages",
		"package fails its decryption tag",
		"package is encrypted and the board holds no key for it",
		"session not authenticated",
	};
	return d >= 0 && d < D_COUNT ? names[d] : "?";
}

static inline const char *proto_role_name(int r)
{
	switch (r) {
	case ROLE_ACTIVE: return "active";
	case ROLE_STAGED: return "staged";
	case ROLE_PREVIOUS: return "previous";
	default: return "?";
	}
}

static inline const char *proto_act_state_name(int s)
{
	static const char *const names[ACT_STATE_COUNT] = {
		"nothing", "scheduled", "testing", "activated", "rolled back",
	};
	return s >= 0 && s < ACT_STATE_COUNT ? names[s] : "?";
}

static inline const char *proto_event_name(int e)
{
	static const char *const names[PROTO_EV_COUNT] = {
		"?",
		"board started",
		"download started",
		"verified",
		"failed",
		"refused",
		"staged",
		"activation scheduled",
		"activated",
		"health check passed",
		"health check failed",
		"rolled back",
	};
	return e > 0 && e < PROTO_EV_COUNT ? names[e] : "?";
}

#endif
