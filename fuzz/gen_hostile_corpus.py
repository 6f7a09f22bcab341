#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora of fuzz_board and fuzz_host (fuzz/corpus/board,
fuzz/corpus/host) in the record grammar of fuzz/fuzz_pick.h: whole sessions
(windowed, strict, group, resumed after a power cut) and the hostile turns
of issue 10 (strangers and other sessions mid-download, nonsense sequences,
FILE_INFO twice, a lying board, floods, silence).

    fuzz/gen_hostile_corpus.py [FUZZ_DIR]
"""
import os
import sys

# fuzz_board.c codes[]
B = {n: i for i, n in enumerate(
    "CONNECT DOWNLOAD FILE_INFO FILE_DATA READBACK DISCONNECT ERROR STATUS_QUERY "
    "HOST_STATUS INFO ACTIVATE ROLLBACK ACT_QUERY LOG_QUERY DISCOVER GROUP_JOIN "
    "GROUP_DATA GROUP_PARITY GROUP_QUERY GROUP_VERIFY GROUP_LEAVE AUTH CONNECT_ACK "
    "BOARD_STATUS READBACK_DATA POWER_CUT RESTART".split())}
# fuzz_host.c codes[]
H = {n: i for i, n in enumerate(
    "CONNECT_ACK DOWNLOAD_ACK FILE_INFO_ACK DOWNLOAD_DONE READBACK_ACK READBACK_DATA "
    "READBACK_DONE DISCONNECT_ACK ERROR BOARD_STATUS RB_STATUS_QUERY INFO_ACK "
    "ACT_STATE LOG_DATA AUTH_ACK GROUP_STATUS CONNECT FILE_DATA".split())}

HOST, STRANGER, OTHER_SID = 0, 2, 4
DISC, GROUP = 2 << 3, 3 << 3
DAMAGE = 0x20
FRAMES = 6


def rec(code, sel=0, seq=0, dt=1, picks=(), canon=True):
    out = bytes([sel, code, seq, dt, (0x80 if canon else 0) | len(picks)])
    for p in picks:
        out += bytes(p)
    return out


def b(name, **kw):
    return rec(B[name], **kw)


def h(name, **kw):
    return rec(H[name], **kw)


# ---- board ----

def b_start(strict=False):
    caps0 = [(1, 0, 0)] if strict else []  # dict[1]: T_CAPS 0
    return b("CONNECT", picks=caps0) + b("DOWNLOAD") + b("FILE_INFO")


def b_data(lo=1, hi=FRAMES, sel=HOST):
    return b"".join(b("FILE_DATA", sel=sel, seq=s, canon=False) for s in range(lo, hi + 1))


def b_end(windowed=True):
    out = b("STATUS_QUERY", seq=1) if windowed else b""
    out += b("READBACK", picks=[(3, 0, 0)])  # T_BLOCK 500: the canonical status fits
    if windowed:
        out += b("HOST_STATUS")
    return out + b("DISCONNECT")


def strangers(sel):
    return (b("CONNECT", sel=sel) + b("FILE_INFO", sel=sel) + b("FILE_DATA", sel=sel, seq=1, canon=False)
            + b("ERROR", sel=sel) + b("GROUP_JOIN", sel=sel) + b("ACTIVATE", sel=sel)
            + b("DISCOVER", sel=sel | DISC) + b("DISCONNECT", sel=sel))


board = {
    "download_windowed": b_start() + b_data() + b_end(),
    "download_strict": b_start(True) + b_data() + b_end(False),
    "strangers_mid": b_start() + b_data(1, 3) + strangers(STRANGER) + strangers(STRANGER | OTHER_SID)
    + b_data(4) + b_end(),
    "other_session_mid": b_start(True) + b_data(1, 2)
    + b"".join(b(n, sel=HOST | OTHER_SID) for n in
               ("DOWNLOAD", "FILE_INFO", "ERROR", "READBACK", "ACTIVATE", "DISCONNECT"))
    + b("FILE_DATA", sel=HOST | OTHER_SID, seq=3, canon=False) + b_data(3) + b_end(False),
    "seq_nonsense": b_start() + b_data(1, 2) + b("FILE_DATA", seq=0xF0, canon=False)
    + b("FILE_DATA", seq=0xF1, canon=False) + b("FILE_DATA", seq=0xF2, canon=False),
    "seq_wrap_strict": b_start(True) + b_data(1, 2) + b("FILE_DATA", seq=0xF3, canon=False),
    "file_info_twice": b_start() + b_data(1, 3) + b("FILE_INFO") + b("FILE_INFO", picks=[(7, 0, 0), (13, 0, 0)])
    + b_data(4) + b_end(),
    "file_info_nonsense": b_start() + b("FILE_INFO", picks=[(6, 5, 0)]) + b_start()
    + b("FILE_INFO", picks=[(9, 1, 3)]) + b_start() + b("FILE_INFO", picks=[(3, 6, 0)]),
    "empty_file": b("CONNECT") + b("DOWNLOAD")
    + b("FILE_INFO", picks=[(8, 0, 0), (11, 0, 0), (14, 3, 0)]) + b_end(),
    "partial_file": b("CONNECT") + b("DOWNLOAD") + b("FILE_INFO", picks=[(7, 0, 0), (10, 0, 0), (13, 0, 0)])
    + b_data(1, 5) + b_end(),
    "damaged_data": b_start() + b_data(1, 2) + b("FILE_DATA", sel=DAMAGE, seq=3, canon=False)
    + b_data(4) + b_end(),
    "power_cut_resume": b_start() + b_data(1, 3) + b("POWER_CUT", seq=2) + b_data(4, 4)
    + b("RESTART", canon=False) + b_start() + b_data(1) + b_end(),
    "power_cut_commit": b_start() + b_data(1, 5) + b("POWER_CUT", seq=1) + b_data(6, 6)
    + b("RESTART", canon=False) + b("CONNECT") + b("READBACK"),
    "timeout_resume": b_start() + b_data(1, 3) + b("STATUS_QUERY", seq=1, dt=255) + b("STATUS_QUERY", dt=255)
    + b("CONNECT", sel=OTHER_SID) + b("DOWNLOAD") + b("FILE_INFO") + b_data(4) + b_end(),
    "rollback_activate": b_start() + b_data() + b_end()[:-5] + b("ROLLBACK") + b("ACT_QUERY")
    + b("ACTIVATE") + b("INFO") + b("LOG_QUERY") + b("DISCONNECT"),
    "group": b("GROUP_JOIN") + b"".join(b("GROUP_DATA", sel=GROUP, seq=s, canon=False) for s in range(1, 7))
    + b("GROUP_QUERY") + b("GROUP_VERIFY") + b("ACTIVATE") + b("GROUP_LEAVE"),
    "group_stranger": b_start() + b_data(1, 2) + b("GROUP_JOIN", sel=STRANGER)
    + b("GROUP_JOIN", sel=HOST | OTHER_SID) + b("GROUP_QUERY", sel=STRANGER) + b_data(3) + b_end(),
    "flood": b_start() + b"".join(b("CONNECT", sel=STRANGER, seq=i, dt=0) + b("DISCOVER", sel=STRANGER | DISC, seq=i, dt=0)
                                  for i in range(40)) + b_data() + b_end(),
    "unknown_codes": b_start(True) + b_data(1, 2) + rec(0x3f, sel=HOST | OTHER_SID) + rec(0xbf, sel=STRANGER)
    + b_data(3) + b_end(False),
}

# ---- host ----

def h_connect(strict=False):
    return h("CONNECT_ACK", picks=[(1, 0, 0)] if strict else []) + h("DOWNLOAD_ACK") + h("FILE_INFO_ACK")


def h_rb(lo=1, hi=FRAMES, sel=0):
    return b"".join(h("READBACK_DATA", sel=sel, seq=s, canon=False) for s in range(lo, hi + 1))


def h_ok(windowed=True, data=None, done=None):
    out = h_connect(not windowed)
    if windowed:
        out += h("BOARD_STATUS", seq=1)
    out += done if done is not None else h("DOWNLOAD_DONE")
    out += h("READBACK_ACK") + (data if data is not None else h_rb()) + h("READBACK_DONE")
    return out + h("DISCONNECT_ACK")


host = {
    "honest_windowed": h_ok(),
    "honest_strict": h_ok(False),
    "rb_wrong_byte": h_ok(data=h_rb(1, 2) + h("READBACK_DATA", sel=8, seq=3, canon=False) + h_rb(4)),
    "rb_short": h_ok(False, data=h_rb(1, 2) + h("READBACK_DATA", sel=0x10, seq=3, canon=False) + h_rb(4)),
    "rb_dup": h_ok(data=h_rb(1, 3) + h_rb(3, 3) + h_rb(3, 3, sel=8) + h_rb(4)),
    "rb_beyond": h_ok(data=h_rb() + h("READBACK_DATA", seq=0xF1, canon=False)),
    "rb_seq0": h_ok(False, data=h("READBACK_DATA", seq=0xF0, canon=False) + h_rb()),
    "rb_done_early": h_ok(data=h_rb(1, 3)),
    "done_bad_crc": h_ok(done=h("DOWNLOAD_DONE", picks=[(7, 1, 1)])),
    "done_early": h_connect() + h("DOWNLOAD_DONE") + h("READBACK_ACK") + h_rb() + h("READBACK_DONE"),
    "rb_ack_size": h_ok(False).replace(h("READBACK_ACK"), h("READBACK_ACK", picks=[(5, 1, 1)])),
    "other_session": b"".join(h(n, sel=OTHER_SID) for n in ("CONNECT_ACK", "ERROR", "DOWNLOAD_DONE"))
    + h_ok(),
    "stranger": h_connect() + h("ERROR", sel=3) + h("DOWNLOAD_DONE", sel=3) + h("BOARD_STATUS", seq=1)
    + h("DOWNLOAD_DONE") + h("READBACK_ACK") + h_rb() + h("READBACK_DONE", sel=3) + h("READBACK_DONE"),
    "status_flood": h_connect() + b"".join(h("BOARD_STATUS", seq=i, dt=10, picks=[(8, 3, 0), (9, 3, 0)])
                                           for i in range(60)),
    "rb_status_query": h_ok(data=h_rb(1, 3) + h("RB_STATUS_QUERY", seq=1) + h_rb(4)),
    "silence": h_connect() + h("BOARD_STATUS", seq=1, dt=255) + h("BOARD_STATUS", seq=2, dt=255),
    "error_mid": h_connect() + h("ERROR"),
    "resume": h("CONNECT_ACK") + h("DOWNLOAD_ACK")
    + h("FILE_INFO_ACK", picks=[(13, 0, 0), (8, 3, 2), (9, 3, 2), (10, 3, 2)]) + h("BOARD_STATUS", seq=1)
    + h("DOWNLOAD_DONE") + h("READBACK_ACK") + h_rb() + h("READBACK_DONE") + h("DISCONNECT_ACK"),
}


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    # fuzz_board's first byte sets the board up: strict (1) for the strict
    # sessions, else the defaults
    board_set = {k: (b"\x01" if "strict" in k or k == "unknown_codes" else b"\x00") + v
                 for k, v in board.items()}
    board_set["download_window2"] = b"\x04" + board["download_windowed"]
    board_set["group_refused"] = b"\x02" + board["group"]
    for sub, seeds in (("board", board_set), ("host", host)):
        d = os.path.join(top, "corpus", sub)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
