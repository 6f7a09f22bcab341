#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Ansible module: run `ethdl batch --json` on a segment host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ethdl_batch
short_description: Download files into the controller boards of one Ethernet segment
description:
  - Runs C(ethdl batch --json MANIFEST) on the segment host, which downloads
    every file of the manifest into its boards, reads each back and compares
    it, up to I(jobs) boards at a time.
  - Returns one entry per board with the result of each of its files.
  - The host fails when any board fails; the message names the failing boards.
    Boards that did not fail are verified even then.
  - In check mode runs C(ethdl batch --dry-run): the manifest and the files are
    checked, nothing is sent, and C(changed) says whether something would be.
options:
  manifest:
    description: Path of the manifest (JSON) on the segment host.
    type: path
    required: true
  executable:
    description:
      - The ethdl program to run; may be a wrapper that runs ethdl in the
        right place (for example C(ip netns exec NS ethdl "$@")).
    type: str
    default: ethdl
  jobs:
    description: Boards downloaded at once (1 to 64); overrides the manifest's C(jobs).
    type: int
  resume:
    description:
      - Path of the state file on the segment host. Verified files are recorded
        in it; a file the state says the board already holds (same board, type
        and content) is skipped.
    type: path
  continue_on_error:
    description: A failed file does not stop the later files of the same board.
    type: bool
    default: false
  timeout:
    description: The session timer of each download, in seconds.
    type: float
  retries:
    description: Run a download again after connect failed, frame CRC or timeout, up to this many times.
    type: int
requirements:
  - ethdl on the segment host, with the rights to send raw Ethernet frames
author:
  - ethdl authors
"""

EXAMPLES = r"""
- name: Download the plant's configuration into every board of the segment
  ethdl_batch:
    manifest: /srv/ethdl/plant.json
    jobs: 4
    resume: /var/lib/ethdl/plant.state
  register: batch

- name: Drive boards in a network namespace through a wrapper
  ethdl_batch:
    manifest: /srv/ethdl/north.json
    executable: /usr/local/bin/ethdl-north
"""

RETURN = r"""
boards:
  description: One entry per board, in manifest order.
  returned: always
  type: list
  elements: dict
  contains:
    board: {description: the board's MAC, type: str}
    name: {description: the board's name from the manifest, type: str}
    ok: {description: every file of the board is verified, type: bool}
    files:
      description: The board's files, each as ethdl batch reports it
        (file, path, type, group, result, exit, bytes, ms, detail, verified, resumed).
      type: list
      elements: dict
summary:
  description: ethdl batch's summary object (boards, files, verified, ok,
    skipped, failed, not_run, failed_boards, jobs, ms, exit).
  returned: when ethdl batch got as far as running
  type: dict
failed_boards:
  description: The MACs of the boards with a failed file.
  returned: always
  type: list
  elements: str
rc:
  description: The exit code of ethdl batch (0 when every file is verified).
  returned: always
  type: int
cmd:
  description: The command line run.
  returned: always
  type: list
"""

import json

from ansible.module_utils.basic import AnsibleModule


def parse_lines(out):
    """ethdl batch --json lines: the file results (or plan lines), the summary, a usage error."""
    files, summary, usage = [], None, None
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        event = obj.get("event")
        if event in ("file", "plan"):
            files.append(obj)
        elif event == "summary":
            summary = obj
        elif obj.get("result") == "usage":
            usage = obj
    return files, summary, usage


def group_boards(files):
    boards, index = [], {}
    for f in files:
        mac = f.get("board")
        if mac not in index:
            index[mac] = len(boards)
            boards.append({"board": mac, "name": f.get("name"), "ok": True, "files": []})
        b = boards[index[mac]]
        entry = dict((k, v) for k, v in f.items() if k not in ("event", "board", "name"))
        b["files"].append(entry)
        if f.get("event") == "file" and not f.get("verified"):
            b["ok"] = False
    return boards


def main():
    module = AnsibleModule(
        argument_spec=dict(
            manifest=dict(type="path", required=True),
            executable=dict(type="str", default="ethdl"),
            jobs=dict(type="int"),
            resume=dict(type="path"),
            continue_on_error=dict(type="bool", default=False),
            timeout=dict(type="float"),
            retries=dict(type="int"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    exe = p["executable"]
    if "/" not in exe:
        found = module.get_bin_path(exe, required=False)
        if not found:
            module.fail_json(msg="cannot find the ethdl executable `%s' in PATH" % exe, rc=127,
                             boards=[], failed_boards=[], cmd=[exe])
        exe = found
    cmd = [exe, "batch", "--json"]
    if p["jobs"] is not None:
        cmd += ["--jobs", str(p["jobs"])]
    if p["resume"]:
        cmd += ["--resume", p["resume"]]
    if p["continue_on_error"]:
        cmd.append("--continue-on-error")
    if p["timeout"] is not None:
        cmd += ["--timeout", "%g" % p["timeout"]]
    if p["retries"] is not None:
        cmd += ["--retries", str(p["retries"])]
    if module.check_mode:
        cmd.append("--dry-run")
    cmd += ["--", p["manifest"]]

    rc, out, err = module.run_command(cmd)
    files, summary, usage = parse_lines(out)
    boards = group_boards(files)
    result = dict(cmd=cmd, rc=rc, boards=boards, summary=summary, stderr=err,
                  failed_boards=[], changed=False)

    if usage is not None or (summary is None and rc != 0):
        detail = usage["detail"] if usage else (err.strip() or "no summary from ethdl batch")
        module.fail_json(msg="ethdl batch refused to run: %s" % detail, **result)

    if module.check_mode:
        result["changed"] = any(f.get("action") == "send" for f in files)
        module.exit_json(**result)

    result["changed"] = any(f.get("event") == "file" and f.get("result") == "ok" for f in files)
    failed = [b for b in boards if not b["ok"]]
    result["failed_boards"] = [b["board"] for b in failed]
    if rc != 0 or failed:
        names = []
        for b in failed:
            bad = [f for f in b["files"] if f.get("exit")] or b["files"]
            f = bad[0]
            names.append("%s (%s): %s %s, exit %s: %s" % (
                b["name"], b["board"], f.get("type"), f.get("result"), f.get("exit"),
                f.get("detail")))
        msg = "ethdl batch failed on %d board(s): %s" % (len(failed), "; ".join(names))
        if not failed:
            msg = "ethdl batch exited %d: %s" % (rc, err.strip())
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
