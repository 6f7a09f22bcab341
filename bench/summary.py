#!/usr/bin/env python3
"""bench/summary.py OUT_DIR [--plot FILE.png]: the table and the targets from
bench/run.sh's results, and optionally a chart of them (matplotlib).

Reads OUT_DIR/results.tsv (one line per run) and OUT_DIR/servers.tsv (the
TFTP servers' peak RSS per cell). Throughput and time are medians over the
successful runs of a cell; RSS is the peak over all its runs.
"""
import csv
import os
import statistics
import sys

COND = {
    "unshaped": "unshaped",
    "drop1": "1% drop",
    "drop5": "5% drop",
    "tbf1g": "tbf 1 Gbit/s",
    "tbf100m": "tbf 100 Mbit/s",
}
TOOL = {
    "raw": "raw-frame ceiling",
    "raw_libnet": "raw, a write per frame",
    "hpa": "tftp-hpa bs1468",
    "atftp": "atftp bs1468",
    "ws16": "atftp bs1468 ws16",
    "ethdl_rb": "ethdl dl+read-back",
    "ethdl_dl": "ethdl download",
    "ethdl_rb0": "ethdl dl+rb, no loss",
    "ethdl_dl0": "ethdl download, no loss",
}
LINK_MBPS = {"tbf1g": 125.0, "tbf100m": 12.5}  # 10^6 bytes/s
FRAME, BLOCK = 1514, 1479  # a data frame on the wire, and the file bytes it carries


def capacity(cond, raw):
    """File bytes/s the link can carry at most: a shaped link's rate, else
    the raw-frame ceiling, in whole frames of BLOCK file bytes."""
    link = LINK_MBPS.get(cond, raw)
    return link * BLOCK / FRAME if link else None


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def load(out):
    rows = []
    with open(os.path.join(out, "results.tsv")) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            rows.append(r)
    servers = {}
    p = os.path.join(out, "servers.tsv")
    if os.path.exists(p):
        with open(p) as f:
            for line in f:
                c, mib, srv, kb = line.rstrip("\n").split("\t")
                servers[(c, mib, srv)] = num(kb)
    return rows, servers


def cells(rows):
    """(cond, mib, tool) -> summary, in the order the runs were made."""
    out = {}
    for r in rows:
        k = (r["cond"], r["mib"], r["tool"])
        c = out.setdefault(k, {"runs": 0, "ok": 0, "mbps": [], "secs": [], "ratio": [],
                               "host": [], "board": [], "lost": 0, "fails": []})
        c["runs"] += 1
        for key, col in (("host", "host_rss_kb"), ("board", "board_rss_kb")):
            v = num(r[col])
            if v is not None:
                c[key].append(v)
        if r["status"] != "ok" and not r["status"].startswith("lost"):
            c["fails"].append(r["status"])
            continue
        if r["status"].startswith("lost"):
            c["lost"] += 1
        c["ok"] += 1
        c["mbps"].append(num(r["mbps"]))
        c["secs"].append(num(r["seconds"]))
        needed, sent = num(r["needed"]), num(r["sent"])
        if r["tool"].startswith("ethdl") and needed and sent:
            c["ratio"].append(sent / needed)
    for c in out.values():
        c["med_mbps"] = statistics.median(c["mbps"]) if c["mbps"] else None
        c["med_secs"] = statistics.median(c["secs"]) if c["secs"] else None
        c["med_ratio"] = statistics.median(c["ratio"]) if c["ratio"] else None
        c["max_host"] = max(c["host"]) / 1024 if c["host"] else None
        c["max_board"] = max(c["board"]) / 1024 if c["board"] else None
    return out


def fmt(v, f="%.1f", none="-"):
    return none if v is None else f % v


def main():
    out = sys.argv[1]
    rows, servers = load(out)
    cs = cells(rows)

    def med(cond, mib, tool):
        c = cs.get((cond, mib, tool))
        return c["med_mbps"] if c else None

    lines = []
    hdr = ("scenario", "MB/s", "(min-max)", "secs", "fill", "x ws16", "x raw", "sent/need",
           "host MiB", "board MiB", "runs")
    widths = (46, 6, 11, 7, 5, 6, 5, 9, 8, 9, 5)
    row_fmt = "  ".join("%-" + str(w) + "s" if i == 0 else "%" + str(w) + "s"
                        for i, w in enumerate(widths))
    lines.append(row_fmt % hdr)
    lines.append(row_fmt % tuple("-" * w for w in widths))
    last = None
    for (cond, mib, tool), c in cs.items():
        if last and last != (cond, mib):
            lines.append("")
        last = (cond, mib)
        board = c["max_board"]
        if tool in ("hpa", "atftp", "ws16"):
            kb = servers.get((cond, mib, "hpa" if tool == "hpa" else "atftpd"))
            board = kb / 1024 if kb else None
        ws = med(cond, mib, "ws16")
        raw = med(cond if cond in ("unshaped", "tbf1g", "tbf100m") else "unshaped", mib, "raw")
        x_ws = c["med_mbps"] / ws if c["med_mbps"] and ws and tool != "ws16" and not tool.startswith("raw") else None
        x_raw = c["med_mbps"] / raw if c["med_mbps"] and raw and tool != "raw" else None
        cap = capacity(cond, raw)
        fill = None
        if c["med_mbps"] and cap and tool.startswith("ethdl"):
            fill = c["med_mbps"] / cap
        elif c["med_mbps"] and tool.startswith("raw") and cond in LINK_MBPS:
            fill = c["med_mbps"] / LINK_MBPS[cond]
        runs = "%d/%d" % (c["ok"], c["runs"])
        if c["lost"]:
            runs += "L"
        lines.append(row_fmt % (
            "%4s MiB %-14s %s" % (mib, COND.get(cond, cond), TOOL.get(tool, tool)),
            fmt(c["med_mbps"]),
            "(%s-%s)" % (fmt(min(c["mbps"]), "%.0f"), fmt(max(c["mbps"]), "%.0f")) if c["mbps"] else "-",
            fmt(c["med_secs"], "%.3f"), fmt(fill and fill * 100, "%.0f%%"),
            fmt(x_ws, "%.2f"), fmt(x_raw, "%.2f"),
            fmt(c["med_ratio"], "%.4f"), fmt(c["max_host"]), fmt(board), runs))
    lines.append("")
    lines.append("MB/s: 10^6 bytes/s, median over the runs (file bytes; whole 1514-byte frames"
                 " for raw), then the slowest and fastest run. x ws16, x raw: that median over")
    lines.append("the same cell's atftp ws16 and raw medians (drop cells: the unshaped raw)."
                 " sent/need: ethdl data frames sent per frame")
    lines.append("needed (host side). RSS: peak over the runs (tftp: client / server;"
                 " raw: sender / receiver). runs: ok/total, L = receiver lost frames.")
    lines.append("secs: median seconds (ethdl: the whole session; dl+read-back is verified, dl"
                 " unverified). fill: ethdl's file bytes/s over what the link")
    lines.append("carries at most in %d-byte frames of %d file bytes (tbf: its rate; otherwise"
                 " the cell's raw-frame ceiling); raw: over the tbf rate." % (FRAME, BLOCK))

    # ---- targets ----
    t = []

    def verdict(ok):
        return "n/a" if ok is None else ("met" if ok else "NOT MET")

    def target(name, value, goal, ok):
        t.append("  %-66s %-16s %-12s %s" % (name, value, goal, verdict(ok)))

    def secs(cond, mib, tool):
        c = cs.get((cond, mib, tool))
        return c["med_secs"] if c else None

    for mib in ("64",):
        dl, rb = med("unshaped", mib, "ethdl_dl"), med("unshaped", mib, "ethdl_rb")
        ws, raw = med("unshaped", mib, "ws16"), med("unshaped", mib, "raw")
        r = dl / ws if dl and ws else None
        target("unshaped %s MiB: download / atftp ws16" % mib, fmt(r, "%.2fx"), ">= 10x",
               None if r is None else r >= 10)
        r = dl / raw if dl and raw else None
        target("unshaped %s MiB: download / raw-frame ceiling" % mib, fmt(r and r * 100, "%.0f%%"),
               ">= 50%", None if r is None else r >= 0.5)
        r = rb / ws if rb and ws else None
        target("unshaped %s MiB: download+read-back / atftp ws16" % mib, fmt(r, "%.2fx"), ">= 5x",
               None if r is None else r >= 5)
        cap = capacity("unshaped", raw)
        r = dl / cap if dl and cap else None
        target("unshaped %s MiB: download / batched raw ceiling (payload)" % mib,
               fmt(r and r * 100, "%.0f%%"), ">= 90%", None if r is None else r >= 0.9)
    for mib in ("64", "256"):
        dl = med("tbf1g", mib, "ethdl_dl")
        r = dl / LINK_MBPS["tbf1g"] if dl else None
        target("tbf 1 Gbit/s %s MiB: download goodput / 125 MB/s" % mib,
               fmt(r and r * 100, "%.0f%%"), ">= 90%", None if r is None else r >= 0.9)
        cap = capacity("tbf1g", None)
        r = dl / cap if dl else None
        target("tbf 1 Gbit/s %s MiB: download / link payload (%.1f MB/s)" % (mib, cap),
               fmt(r and r * 100, "%.0f%%"), ">= 95%", None if r is None else r >= 0.95)
    for mib in ("64", "256"):
        for tool, what in (("ethdl_dl", "download"), ("ethdl_rb", "dl+read-back")):
            # the loss-free runs interleaved with the lossy ones, else the
            # unshaped cell's
            a, b = secs("drop5", mib, tool), secs("drop5", mib, tool + "0")
            side = b is not None
            if not side:
                b = secs("unshaped", mib, tool)
            r = a / b if a and b else None
            target("5%% drop %s MiB %s: time / loss-free time%s" % (mib, what, " (side by side)" if side else ""),
                   fmt(r, "%.2fx"), "<= 1.3x", None if r is None else r <= 1.3)
        c = cs.get(("drop5", mib, "ethdl_dl"))
        r = c["med_ratio"] if c else None
        target("5%% drop %s MiB download: frames sent / needed" % mib, fmt(r, "%.3f"), "<= 1.1",
               None if r is None else r <= 1.1)
    hosts = [(k, c["max_host"]) for k, c in cs.items() if k[2].startswith("ethdl") and c["max_host"]]
    if hosts:
        k, m = max(hosts, key=lambda x: x[1])
        target("host peak RSS, any ethdl run (%s MiB %s)" % (k[1], k[0]), "%.1f MiB" % m,
               "<= 64 MiB", m <= 64)
    for tool, what in (("ethdl_dl", "download"), ("ethdl_rb", "dl+read-back")):
        base = cs.get(("unshaped", "1", tool))
        big = [c["max_host"] for k, c in cs.items() if k[2] == tool and c["max_host"]]
        if base and base["max_host"] and big:
            d = max(big) - base["max_host"]
            target("host peak RSS %s: largest - 1 MiB file" % what, "%+.1f MiB" % d, "<= 8 MiB",
                   d <= 8)
        else:
            target("host peak RSS %s: largest - 1 MiB file" % what, "-", "<= 8 MiB", None)
    fails = [r for r in rows if r["status"] != "ok" and not r["status"].startswith("lost")]
    if fails:
        lines.append("")
        lines.append("failed runs (each made once more; logs in failures/):")
        for r in fails:
            lines.append("  %s MiB %s %s run %s: %s" % (r["mib"], COND.get(r["cond"], r["cond"]),
                                                   TOOL.get(r["tool"], r["tool"]), r["run"],
                                                   r["status"]))
    lines.append("")
    lines.append("targets (goals, not tests):")
    lines.extend(t)
    print("\n".join(lines))
    if len(sys.argv) > 3 and sys.argv[2] == "--plot":
        plot(cs, sys.argv[3])


def plot(cs, path):
    """Grouped bars: MB/s per tool in each cell; the raw ceilings as lines."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = []
    for (cond, mib, _tool) in cs:
        if (cond, mib) not in groups:
            groups.append((cond, mib))
    tools = [t for t in TOOL if not t.startswith("raw")
             and any(k[2] == t for k in cs)]
    width = 0.8 / max(len(tools), 1)
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(groups) + 2) + 3, 5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, t in enumerate(tools):
        xs, ys = [], []
        for g, (cond, mib) in enumerate(groups):
            c = cs.get((cond, mib, t))
            if c and c["med_mbps"]:
                xs.append(g - 0.4 + width * (i + 0.5))
                ys.append(c["med_mbps"])
        bars = ax.bar(xs, ys, width, label=TOOL[t], color=colors[i % len(colors)])
        ax.bar_label(bars, fmt="%.0f", fontsize=7)
    labelled = set()

    def once(label):
        if label in labelled:
            return None
        labelled.add(label)
        return label

    for g, (cond, mib) in enumerate(groups):
        for t, style in (("raw", "-"), ("raw_libnet", ":")):
            c = cs.get((cond, mib, t))
            if c and c["med_mbps"]:
                ax.hlines(c["med_mbps"], g - 0.45, g + 0.45, colors="black", linestyles=style,
                          label=once(TOOL[t]))
        if cond in LINK_MBPS:
            ax.hlines(LINK_MBPS[cond], g - 0.45, g + 0.45, colors="grey", linestyles="--",
                      label=once("tbf rate"))
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(["%s MiB\n%s" % (mib, COND.get(cond, cond)) for cond, mib in groups])
    ax.set_ylabel("MB/s (10^6 bytes/s; raw: whole frames)")
    ax.set_title("ethdl vs TFTP and the raw-frame ceiling (medians)")
    ax.set_ylim(top=ax.get_ylim()[1] * 1.08)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
