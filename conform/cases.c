/* SPDX-License-Identifier: MIT */
/*
 * The conformance cases: one table entry per case, each a list of steps
 * that runner.c interprets. docs/CONFORMANCE.md explains the notation; in
 * short:
 *
 *   CONNECT(STRICT|WINDOWED)  a new session: CONNECT → CONNECT_ACK
 *   SEND(CODE, tlv…)          a frame of the session (seq 0)
 *   DATA(from, to)            FILE_DATA from..to of the case's file
 *                             (to 0 = the last frame, HALF = frames / 2)
 *   EXPECT(CODE, tlv…)        the next frame of the session is CODE, with
 *                             those TLVs (A_x: present; tlv: that value)
 *   EXPECT_ERROR(n, d)        the next frame is ERROR notice n, detail d
 *   SILENCE(ms, %timer)       nothing of the session for that long
 *   DISCONNECT                DISCONNECT → DISCONNECT_ACK
 *   DOWNLOAD(caps) / READBACK a whole download (read back, compared) or a
 *                             read-back by the host machine of `ethdl`
 *   SLOT_KEPT / SLOT_NEW      a fresh CONNECT: the scratch slot (T_SLOT)
 *                             holds what it held when the case began / the
 *                             case's file
 *
 * Every case works in one file type, the *scratch* type (`-t`, default
 * redundancy), and starts its own sessions.
 */
#include <string.h>

#include "conform.h"
#include "frame.h"
#include "proto.h"

/* the host's T_CAPS in CONNECT */
#define STRICT	 0u
#define WINDOWED (CAP_WINDOW | CAP_RESUME | CAP_DEVICE)

#define HALF 1000000000 /* DATA: frames / 2 (+ n) */

/* clang-format off */
/* TLVs whose value the run fills in */
#define TYPE_	{T_TYPE, 1, V_TYPE, 0}
#define EMPTY_	{T_TYPE, 1, V_EMPTY, 0}
#define SIZE_	{T_SIZE, 8, V_SIZE, 0}
#define FRAMES_ {T_FRAMES, 4, V_FRAMES, 0}
#define CRC_	{T_CRC, 4, V_CRC, 0}
#define BADCRC_ {T_CRC, 4, V_BAD_CRC, 0}
#define BLOCK_	{T_BLOCK, 2, V_BLOCK, 0}
#define WINDOW_ {T_WINDOW, 2, V_WINDOW, 0}
#define LIT(t, w, x) {t, w, V_LIT, x}
#define A_(t)	     {t, 0, V_ANY, 0}
/* FILE_INFO of the case's file */
#define INFO_TLVS TYPE_, SIZE_, FRAMES_, CRC_, BLOCK_

#define CONNECT(c)                                                                                 \
	{                                                                                          \
		.kind = CF_CONNECT, .caps = (c)                                                    \
	}
#define SEND0(c, n)                                                                                \
	{                                                                                          \
		.kind = CF_SEND, .code = (c), .note = (n)                                          \
	}
#define SEND(c, n, ...)                                                                            \
	{                                                                                          \
		.kind = CF_SEND, .code = (c), .note = (n), .tlv = {__VA_ARGS__}                    \
	}
#define SENDM(c, m, n, ...)                                                                        \
	{                                                                                          \
		.kind = CF_SEND, .code = (c), .mut = (m), .note = (n), .tlv = {__VA_ARGS__}        \
	}
#define DATA(f, t)                                                                                 \
	{                                                                                          \
		.kind = CF_DATA, .from = (f), .to = (t)                                            \
	}
#define DATAM(f, t, m, n)                                                                          \
	{                                                                                          \
		.kind = CF_DATA, .from = (f), .to = (t), .mut = (m), .note = (n)                   \
	}
#define EXPECT0(c)                                                                                 \
	{                                                                                          \
		.kind = CF_EXPECT, .code = (c), .notice = -1, .detail = -1                         \
	}
#define EXPECT(c, ...)                                                                             \
	{                                                                                          \
		.kind = CF_EXPECT, .code = (c), .notice = -1, .detail = -1, .tlv = {__VA_ARGS__}   \
	}
/* the same, skipping frames of other codes on the way (data, reports) */
#define AWAIT(c, ...)                                                                              \
	{                                                                                          \
		.kind = CF_EXPECT, .code = (c), .notice = -1, .detail = -1, .skip = 1,             \
		.tlv = {__VA_ARGS__}                                                               \
	}
#define AWAIT0(c)                                                                                  \
	{                                                                                          \
		.kind = CF_EXPECT, .code = (c), .notice = -1, .detail = -1, .skip = 1              \
	}
#define EXPECT_ERROR(n, d)                                                                         \
	{                                                                                          \
		.kind = CF_EXPECT, .code = FC_ERROR, .notice = (n), .detail = (d)                  \
	}
/* ERROR within ms + pct % of the board's timer, skipping other frames */
#define AWAIT_ERROR(n, d, m, pct)                                                                  \
	{                                                                                          \
		.kind = CF_EXPECT, .code = FC_ERROR, .notice = (n), .detail = (d), .skip = 1,      \
		.ms = (m), .tpct = (pct)                                                           \
	}
#define SILENCE(m, pct)                                                                            \
	{                                                                                          \
		.kind = CF_SILENCE, .ms = (m), .tpct = (pct)                                       \
	}
#define DISCONNECT                                                                                 \
	{                                                                                          \
		.kind = CF_DISCONNECT                                                              \
	}
#define DOWNLOAD(c)                                                                                \
	{                                                                                          \
		.kind = CF_DOWNLOAD, .caps = (c)                                                   \
	}
#define READBACK(c)                                                                                \
	{                                                                                          \
		.kind = CF_READBACK, .caps = (c)                                                   \
	}
#define SLOT_KEPT                                                                                  \
	{                                                                                          \
		.kind = CF_SLOT_KEPT                                                               \
	}
#define SLOT_NEW                                                                                   \
	{                                                                                          \
		.kind = CF_SLOT_NEW                                                                \
	}
#define END                                                                                        \
	{                                                                                          \
		.kind = CF_END                                                                     \
	}

/* clang-format on */

/* ---- the base exchange ---- */

static const struct cf_step connect_[] = {
	CONNECT(STRICT),
	DISCONNECT,
	END,
};

/* A whole download and read-back by the host machine, as `ethdl download`
 * runs it: the exchange the board offers (windowed if it can). */
static const struct cf_step download_[] = {
	DOWNLOAD(WINDOWED),
	SLOT_NEW,
	END,
};

/* with CAP_OVERLAP offered: a board that sets it must read back as it comes */
static const struct cf_step overlap_download_[] = {
	DOWNLOAD(WINDOWED | CAP_OVERLAP),
	SLOT_NEW,
	END,
};

static const struct cf_step strict_download_[] = {
	DOWNLOAD(STRICT),
	SLOT_NEW,
	END,
};

/* The strict exchange frame by frame: every reply's code and fields. */
static const struct cf_step strict_exchange_[] = {
	CONNECT(STRICT),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT(FC_DOWNLOAD_ACK, TYPE_),
	SEND(FC_FILE_INFO, NULL, INFO_TLVS),
	EXPECT0(FC_FILE_INFO_ACK),
	DATA(1, 0),
	EXPECT(FC_DOWNLOAD_DONE, TYPE_, SIZE_, FRAMES_, CRC_),
	SEND(FC_READBACK, NULL, TYPE_, BLOCK_),
	EXPECT(FC_READBACK_ACK, TYPE_, SIZE_, FRAMES_, CRC_, A_(T_BLOCK)),
	AWAIT0(FC_READBACK_DONE),
	DISCONNECT,
	SLOT_NEW,
	END,
};

/* A command sent twice (its reply was lost) gets the same reply again. */
static const struct cf_step repeated_command_[] = {
	CONNECT(STRICT),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	SEND(FC_DOWNLOAD, "the same DOWNLOAD again", TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	SEND(FC_FILE_INFO, NULL, INFO_TLVS),
	EXPECT0(FC_FILE_INFO_ACK),
	SEND(FC_FILE_INFO, "the same FILE_INFO again", INFO_TLVS),
	EXPECT0(FC_FILE_INFO_ACK),
	DATA(1, 0),
	EXPECT(FC_DOWNLOAD_DONE, CRC_),
	DISCONNECT,
	SLOT_NEW,
	END,
};

static const struct cf_step readback_[] = {
	DOWNLOAD(STRICT),
	READBACK(STRICT),
	READBACK(WINDOWED),
	END,
};

static const struct cf_step readback_no_file_[] = {
	CONNECT(STRICT),
	SEND(FC_READBACK, "READBACK of a type the board holds nothing in", EMPTY_),
	EXPECT_ERROR(NOTICE_NONE, D_NO_FILE),
	DISCONNECT,
	END,
};

/* ---- notices provoked on purpose ---- */

static const struct cf_step frame_crc_[] = {
	CONNECT(STRICT),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	SEND(FC_FILE_INFO, NULL, INFO_TLVS),
	EXPECT0(FC_FILE_INFO_ACK),
	DATAM(1, 1, M_BAD_CRC, "FILE_DATA 1 with a bad frame CRC"),
	EXPECT_ERROR(NOTICE_FRAME_CRC, D_FRAME_CRC),
	DISCONNECT,
	SLOT_KEPT,
	END,
};

/* Windowed: a damaged frame is dropped, reported missing, and repaired. */
static const struct cf_step frame_crc_windowed_[] = {
	CONNECT(WINDOWED),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	SEND(FC_FILE_INFO, NULL, INFO_TLVS),
	EXPECT0(FC_FILE_INFO_ACK),
	DATA(1, 1),
	DATAM(2, 2, M_BAD_CRC, "FILE_DATA 2 with a bad frame CRC"),
	DATA(3, 0),
	{.kind = CF_SEND,
	 .code = FC_STATUS_QUERY,
	 .seq = 1,
	 .flags = FRAME_FLAG_ACKREQ,
	 .note = "STATUS_QUERY 1 (ACKREQ)"},
	AWAIT(FC_BOARD_STATUS, LIT(T_CUM, 4, 1), {T_HIGH, 4, V_FRAMES, 0}),
	{.kind = CF_DATA,
	 .from = 2,
	 .to = 2,
	 .flags = FRAME_FLAG_RETX,
	 .note = "FILE_DATA 2 again"},
	AWAIT(FC_DOWNLOAD_DONE, CRC_),
	DISCONNECT,
	SLOT_NEW,
	END,
};

static const struct cf_step file_crc_[] = {
	CONNECT(STRICT),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	SEND(FC_FILE_INFO, "FILE_INFO with a CRC the data does not have", TYPE_, SIZE_, FRAMES_,
	     BADCRC_, BLOCK_),
	EXPECT0(FC_FILE_INFO_ACK),
	DATA(1, 0),
	EXPECT_ERROR(NOTICE_FILE_CRC, D_FILE_CRC),
	DISCONNECT,
	SLOT_KEPT,
	END,
};

static const struct cf_step sequence_gap_[] = {
	CONNECT(STRICT),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	SEND(FC_FILE_INFO, NULL, INFO_TLVS),
	EXPECT0(FC_FILE_INFO_ACK),
	DATA(1, 1),
	DATAM(3, 3, M_NONE, "FILE_DATA 3 after 1"),
	EXPECT_ERROR(NOTICE_WRONG_COMMAND, D_SEQUENCE),
	DISCONNECT,
	SLOT_KEPT,
	END,
};

static const struct cf_step wrong_command_[] = {
	CONNECT(STRICT),
	DATAM(1, 1, M_NONE, "FILE_DATA 1 before DOWNLOAD"),
	EXPECT_ERROR(NOTICE_WRONG_COMMAND, D_UNEXPECTED_CODE),
	DISCONNECT,
	SLOT_KEPT,
	END,
};

static const struct cf_step info_first_[] = {
	CONNECT(STRICT),
	SEND(FC_FILE_INFO, "FILE_INFO before DOWNLOAD", INFO_TLVS),
	EXPECT_ERROR(NOTICE_WRONG_COMMAND, D_UNEXPECTED_CODE),
	DISCONNECT,
	SLOT_KEPT,
	END,
};

static const struct cf_step bad_type_[] = {
	CONNECT(STRICT),
	SEND(FC_DOWNLOAD, "DOWNLOAD of file type 9", LIT(T_TYPE, 1, 9)),
	EXPECT_ERROR(NOTICE_WRONG_COMMAND, D_BAD_FIELD),
	DISCONNECT,
	END,
};

/* ---- timers ---- */

static const struct cf_step timeout_connected_[] = {
	CONNECT(STRICT),
	SILENCE(0, 80),
	AWAIT_ERROR(NOTICE_TIMEOUT, D_SILENCE, 1500, 20),
	END,
};

static const struct cf_step timeout_data_[] = {
	CONNECT(STRICT),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	SEND(FC_FILE_INFO, NULL, INFO_TLVS),
	EXPECT0(FC_FILE_INFO_ACK),
	DATA(1, 1),
	SILENCE(0, 80),
	AWAIT_ERROR(NOTICE_TIMEOUT, D_SILENCE, 1500, 20),
	SLOT_KEPT,
	END,
};

/* The host's answer is late: the windowed board asks again, then gives up. */
static const struct cf_step timeout_readback_[] = {
	DOWNLOAD(STRICT),
	CONNECT(WINDOWED),
	SEND(FC_READBACK, NULL, TYPE_, BLOCK_, WINDOW_),
	EXPECT0(FC_READBACK_ACK),
	AWAIT0(FC_RB_STATUS_QUERY),
	{.kind = CF_EXPECT,
	 .code = FC_RB_STATUS_QUERY,
	 .skip = 1,
	 .notice = -1,
	 .detail = -1,
	 .tpct = 90,
	 .note = "asked again while no HOST_STATUS comes"},
	AWAIT_ERROR(NOTICE_TIMEOUT, D_SILENCE, 1500, 100),
	SLOT_NEW,
	END,
};

/* ---- disconnects at every phase: the old file is kept ---- */

static const struct cf_step disconnect_download_[] = {
	CONNECT(STRICT),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	DISCONNECT,
	SLOT_KEPT,
	END,
};

static const struct cf_step disconnect_info_[] = {
	CONNECT(STRICT),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	SEND(FC_FILE_INFO, NULL, INFO_TLVS),
	EXPECT0(FC_FILE_INFO_ACK),
	DISCONNECT,
	SLOT_KEPT,
	END,
};

static const struct cf_step disconnect_data_[] = {
	CONNECT(STRICT),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	SEND(FC_FILE_INFO, NULL, INFO_TLVS),
	EXPECT0(FC_FILE_INFO_ACK),
	DATA(1, HALF),
	DISCONNECT,
	SLOT_KEPT,
	END,
};

static const struct cf_step disconnect_readback_[] = {
	DOWNLOAD(STRICT),
	CONNECT(STRICT),
	SEND(FC_READBACK, NULL, TYPE_, BLOCK_),
	EXPECT0(FC_READBACK_ACK),
	DISCONNECT,
	SLOT_NEW,
	END,
};

/* ---- other hosts and hostile frames ---- */

static const struct cf_step busy_[] = {
	CONNECT(STRICT),
	SENDM(FC_CONNECT, M_STRANGER, "CONNECT from another host", LIT(T_CAPS, 4, 0)),
	{.kind = CF_EXPECT,
	 .code = FC_ERROR,
	 .mut = M_STRANGER,
	 .notice = NOTICE_CONNECT_FAILED,
	 .detail = D_BUSY,
	 .skip = 1,
	 .note = "the other host is told busy"},
	SEND(FC_DOWNLOAD, "our session goes on", TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	DISCONNECT,
	END,
};

static const struct cf_step stranger_ignored_[] = {
	CONNECT(STRICT),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	SEND(FC_FILE_INFO, NULL, INFO_TLVS),
	EXPECT0(FC_FILE_INFO_ACK),
	DATA(1, 1),
	DATAM(2, 2, M_STRANGER | M_GARBAGE, "FILE_DATA 2 of garbage from another MAC"),
	DATAM(2, 2, M_OTHER_SID | M_GARBAGE, "FILE_DATA 2 of garbage in another session"),
	SENDM(FC_FILE_INFO, M_STRANGER, "FILE_INFO from another MAC", INFO_TLVS),
	{.kind = CF_SEND,
	 .code = FC_DISCONNECT,
	 .mut = M_OTHER_SID,
	 .note = "DISCONNECT of another session"},
	SILENCE(300, 0),
	DATA(2, 0),
	EXPECT(FC_DOWNLOAD_DONE, CRC_),
	DISCONNECT,
	SLOT_NEW,
	END,
};

/* ---- windowed extensions ---- */

static const struct cf_step resume_[] = {
	CONNECT(WINDOWED),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	SEND(FC_FILE_INFO, NULL, INFO_TLVS),
	EXPECT0(FC_FILE_INFO_ACK),
	DATA(1, HALF),
	{.kind = CF_SEND,
	 .code = FC_STATUS_QUERY,
	 .seq = 1,
	 .flags = FRAME_FLAG_ACKREQ,
	 .note = "STATUS_QUERY 1: the first half is there"},
	AWAIT(FC_BOARD_STATUS, {T_CUM, 4, V_HALF, 0}),
	DISCONNECT,
	CONNECT(WINDOWED),
	SEND(FC_DOWNLOAD, NULL, TYPE_),
	EXPECT0(FC_DOWNLOAD_ACK),
	SEND(FC_FILE_INFO, "the same FILE_INFO in a new session", INFO_TLVS),
	EXPECT(FC_FILE_INFO_ACK, {T_RESUME, 4, V_HALF, 0}),
	DATA(HALF + 1, 0),
	AWAIT(FC_DOWNLOAD_DONE, CRC_),
	DISCONNECT,
	SLOT_NEW,
	END,
};

/* ---- capabilities the board announces ---- */

static const struct cf_step info_[] = {
	CONNECT(WINDOWED),
	SEND0(FC_INFO, NULL),
	EXPECT(FC_INFO_ACK, A_(T_VENDOR), A_(T_CAPS), A_(T_BOARD_TIME)),
	DISCONNECT,
	END,
};

static const struct cf_step log_[] = {
	CONNECT(WINDOWED),
	SEND(FC_LOG_QUERY, NULL, LIT(T_SINCE, 8, 0), LIT(T_MAX, 2, 4)),
	EXPECT(FC_LOG_DATA, A_(T_EVENT), A_(T_NEXT)),
	DISCONNECT,
	END,
};

static const struct cf_step discover_[] = {
	SENDM(FC_DISCOVER, M_DISCOVER, "DISCOVER to the discovery address", LIT(T_DELAY_MS, 4, 50)),
	{.kind = CF_EXPECT,
	 .code = FC_DISCOVER_ACK,
	 .notice = -1,
	 .detail = -1,
	 .ms = 1000,
	 .tlv = {A_(T_VENDOR), A_(T_CAPS)}},
	END,
};

static const struct cf_step auth_required_[] = {
	CONNECT(STRICT),
	SEND(FC_DOWNLOAD, "DOWNLOAD before AUTH", TYPE_),
	EXPECT_ERROR(NOTICE_CONNECT_FAILED, D_AUTH),
	END,
};

#define BLK(n, e) (n), (e)

const struct conform_case conform_cases[] = {
	{"connect", "CONNECT is answered CONNECT_ACK; DISCONNECT with DISCONNECT_ACK", RUN_ON_AUTH,
	 BLK(0, 0), connect_},
	{"download-size-0", "a 0-byte file downloads and reads back", 0, BLK(0, 0), download_},
	{"download-size-1", "a 1-byte file", 0, BLK(0, 1), download_},
	{"download-block-1", "a file one byte short of a block", 0, BLK(1, -1), download_},
	{"download-block", "a file of exactly one block", 0, BLK(1, 0), download_},
	{"download-block+1", "a file one byte over a block", 0, BLK(1, 1), download_},
	{"download-large", "a 1 MiB file", 0, BLK(0, 1 << 20), download_},
	{"overlap-download", "a 1 MiB file read back as it comes (CAP_OVERLAP, §10), if offered",
	 NEED_WINDOW, BLK(0, 1 << 20), overlap_download_},
	{"strict-download", "a download in the strict exchange (the 15 codes)", 0, BLK(7, 11),
	 strict_download_},
	{"strict-exchange", "the strict exchange frame by frame: every reply's code and fields", 0,
	 BLK(3, 5), strict_exchange_},
	{"windowed-download", "a download in the windowed exchange", NEED_WINDOW, BLK(40, 3),
	 download_},
	{"repeated-command", "a command sent again gets the same reply, not WRONG_COMMAND", 0,
	 BLK(2, 1), repeated_command_},
	{"readback", "a file read back (strict and windowed) is the file downloaded", 0, BLK(5, 7),
	 readback_},
	{"readback-no-file", "READBACK of an empty slot: ERROR detail 8", NEED_EMPTY, BLK(0, 0),
	 readback_no_file_},
	{"frame-crc", "strict: a data frame with a bad CRC is ERROR FRAME_CRC; old file kept", 0,
	 BLK(3, 1), frame_crc_},
	{"frame-crc-windowed", "windowed: a bad frame is dropped, reported missing, repaired",
	 NEED_WINDOW, BLK(4, 9), frame_crc_windowed_},
	{"file-crc", "data that does not match FILE_INFO's CRC: ERROR FILE_CRC; old file kept", 0,
	 BLK(2, 3), file_crc_},
	{"sequence-gap", "strict: FILE_DATA 3 after 1 is ERROR WRONG_COMMAND; old file kept", 0,
	 BLK(4, 0), sequence_gap_},
	{"wrong-command", "FILE_DATA before DOWNLOAD is ERROR WRONG_COMMAND", 0, BLK(1, 0),
	 wrong_command_},
	{"info-first", "FILE_INFO before DOWNLOAD is ERROR WRONG_COMMAND", 0, BLK(1, 0),
	 info_first_},
	{"bad-type", "DOWNLOAD of an unknown file type is ERROR WRONG_COMMAND detail 3", 0,
	 BLK(0, 0), bad_type_},
	{"timeout-connected", "silence after CONNECT_ACK: ERROR TIMEOUT after the timer", 0,
	 BLK(0, 0), timeout_connected_},
	{"timeout-data", "silence in the middle of the data: ERROR TIMEOUT; old file kept", 0,
	 BLK(3, 0), timeout_data_},
	{"timeout-readback", "windowed read-back, the host never answers: probes again, TIMEOUT",
	 NEED_WINDOW, BLK(8, 0), timeout_readback_},
	{"disconnect-download", "DISCONNECT after DOWNLOAD_ACK: acknowledged, old file kept", 0,
	 BLK(1, 0), disconnect_download_},
	{"disconnect-info", "DISCONNECT after FILE_INFO_ACK: acknowledged, old file kept", 0,
	 BLK(2, 0), disconnect_info_},
	{"disconnect-data", "DISCONNECT in the middle of the data: old file kept", 0, BLK(6, 0),
	 disconnect_data_},
	{"disconnect-readback", "DISCONNECT in the middle of a read-back: the file stays", 0,
	 BLK(6, 0), disconnect_readback_},
	{"busy", "a CONNECT from another host is told busy; the session goes on", 0, BLK(0, 0),
	 busy_},
	{"stranger-ignored", "frames from another MAC or session change nothing mid-download", 0,
	 BLK(3, 2), stranger_ignored_},
	{"resume", "a windowed download cut by DISCONNECT resumes where it stopped",
	 NEED_WINDOW | NEED_RESUME, BLK(8, 100), resume_},
	{"info", "INFO is answered INFO_ACK (device model)", NEED_DEVICE, BLK(0, 0), info_},
	{"log", "LOG_QUERY is answered LOG_DATA (device model)", NEED_DEVICE, BLK(0, 0), log_},
	{"discover", "DISCOVER to the discovery address is answered (group)", NEED_GROUP, BLK(0, 0),
	 discover_},
	{"auth-required", "a command before AUTH is ERROR CONNECT_FAILED detail 27",
	 NEED_AUTH | RUN_ON_AUTH, BLK(0, 0), auth_required_},
};

const size_t conform_ncases = sizeof(conform_cases) / sizeof(conform_cases[0]);

const struct conform_case *conform_find(const char *name)
{
	for (size_t i = 0; i < conform_ncases; i++)
		if (!strcmp(conform_cases[i].name, name))
			return &conform_cases[i];
	return NULL;
}
