#!/usr/bin/env python3
"""Assemble bench/RESULTS.md from one bench/run (stdlib only).

    report.py RESULTS_DIR OUT.md

RESULTS_DIR holds what bench/run wrote: meta.tsv (key, value), manifest.tsv (one row per
measurement: workload, case, tool, role, status, value, note, command) and hyperfine's
--export-json files named in the manifest (FILE#K: the K-th command of one hyperfine run, or
of runs pooled by bench/merge-rounds.py).
Roles: `kcred`, `peer`, `floor` (value = number of keys; its time is keys × one RSA-2048 key
generation ÷ cores) and `goal` (value = seconds). For workload 5 the value is a rate
(signatures per second); for workload 8 it is `keygen:mean=… median=… min=… max=… n=…`
(milliseconds per key, from bench/keygen-peers), compared by the mean: one RSA key takes a
random time, and a PKI's total is best estimated with the mean.
"""

import json
import os
import re
import statistics
import sys

WORKLOADS = {
    "1": "CA + admin + N node client certificates",
    "2": "CA + admin + N node client certificates + a kubeconfig per identity",
    "3": "kubeadm-layout `kcred bootstrap`, against its floor",
    "4": "`decode-token` with signature verification, start to exit",
    "5": "ES256 token minting in one process vs openssl's single-core sign rate",
    "6": "one `kcred whoami`",
    "7": "`kcred can-i` over a large RBAC policy, start to exit (issue 17: under 50 ms)",
    "8": "RSA-2048 key generation by library (ratios by the mean)",
}


def read_tsv(path, width):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            cells = line.split("\t")
            cells += [""] * (width - len(cells))
            rows.append(cells[:width])
    return rows


def fmt_time(s):
    if s is None:
        return "–"
    if s < 1:
        return f"{s * 1000:.1f} ms"
    if s < 10:
        return f"{s:.2f} s"
    return f"{s:.1f} s"


def fmt_ratio(r):
    """kcred/peer, and how many times faster that is."""
    if r is None:
        return "–"
    if r <= 1:
        return f"{r:.2f} ({1 / r:.1f}× faster)"
    return f"{r:.2f} ({r:.1f}× slower)"


class Row:
    def __init__(self, cells, results_dir, meta):
        (self.workload, self.case, self.tool, self.role, self.status, self.value,
         self.note, self.command) = cells
        self.min = self.median = self.mean = self.stddev = None
        self.runs = 0
        self.round_medians = None
        self.rate = None
        # What ratios compare: the median, except for key generation (the mean).
        self.cmp = None
        if self.status != "ok":
            return
        if self.role == "goal":
            self.median = self.min = self.cmp = float(self.value)
            return
        if self.value.startswith("keygen:"):
            kv = dict(x.split("=", 1) for x in self.value[len("keygen:"):].split())
            self.min = float(kv["min"]) / 1000
            self.median = float(kv["median"]) / 1000
            self.mean = self.cmp = float(kv["mean"]) / 1000
            self.runs = int(kv["n"])
            return
        if self.role == "floor":
            keys = int(self.value)
            self.median = keys * meta["keygen_mean_s"] / meta["cores"]
            self.min = self.cmp = self.median
            return
        name, _, k = self.value.partition("#")
        if name.endswith(".json"):
            with open(os.path.join(results_dir, name), encoding="utf-8") as f:
                r = json.load(f)["results"][int(k or 0)]
            times = r.get("times") or [r["mean"]]
            self.min = min(times)
            self.median = r.get("median", statistics.median(times))
            self.mean = r["mean"]
            self.stddev = r.get("stddev")
            self.runs = len(times)
            self.cmp = self.median
            self.round_medians = r.get("round_medians")
        else:
            self.rate = float(self.value)


KEEP_MARKER = "<!-- Sections below come from separate harnesses; bench/report.py keeps them. -->"


def main():
    results_dir, out_path = sys.argv[1], sys.argv[2]
    meta_rows = read_tsv(os.path.join(results_dir, "meta.tsv"), 2)
    meta = {}
    notes = []
    for k, v in meta_rows:
        if k == "note":
            notes.append(v)
        else:
            meta[k] = v
    keygen = dict(kv.split("=", 1) for kv in meta.get("keygen", "").split()[1:])
    meta["keygen_mean_s"] = float(keygen.get("mean", "nan")) / 1000
    meta["keygen_median_s"] = float(keygen.get("median", "nan")) / 1000
    meta["cores"] = int(meta.get("cores", "1"))
    rows = [Row(c, results_dir, meta) for c in read_tsv(os.path.join(results_dir, "manifest.tsv"), 8)]

    # Group by workload, then case, keeping the order of the run.
    groups = {}
    for r in rows:
        groups.setdefault(r.workload, {}).setdefault(r.case, []).append(r)

    out = []
    w = out.append
    quick = meta.get("mode") == "quick"
    w("# kcred benchmarks: kcred against the tools people use instead")
    w("")
    w(f"Generated by `{meta.get('invocation', 'bench/run')}` on {meta.get('date', '?')} "
      f"(commit {meta.get('commit', '?')}); `bench/report.py` wrote this file. Run that "
      "command from the repository root to reproduce every number here; each measurement's "
      "exact command is listed under its table.")
    if quick:
        w("")
        w(f"**This is a quick smoke run** ({meta.get('nodes')} nodes, {meta.get('runs')} run, "
          "debug build): it proves the harness works, its times mean nothing. `bench/run` "
          "(full mode: 100 nodes, 3 runs, release build) gives the numbers to quote.")
    w("")
    w("## Machine")
    w("")
    w(f"- {meta.get('cores')} cores, {meta.get('cpu', '?')}; {meta.get('kernel', '')}")
    w(f"- load average (1, 5, 15 min) at start {meta.get('load_start', '?')}, "
      f"at end {meta.get('load_end', '?')}")
    for k in ["kcred", "openssl", "cfssl", "easy-rsa", "kubectl", "python", "hyperfine", "jwt-cli"]:
        w(f"- {k}: {meta.get(k) or 'not installed'}")
    w(f"- {meta.get('nodes')} nodes; {meta.get('runs')} run(s) per PKI measurement; "
      "small commands (workload 6): 3 warm-up runs, then at least "
      f"{3 if quick else 30} runs; workload 4: "
      + ("2 interleaved hyperfine runs of 10 runs each (3 warm-up runs)" if quick else
         "10 interleaved hyperfine runs of 200 runs each (20 warm-up runs), times pooled")
      + ", every binary first dropped from the page cache and read back from disk")
    for n in notes:
        w(f"- note: {n}")
    w("")
    w("## The floor: one RSA-2048 key generation")
    w("")
    w(f"kcred's backend (aws-lc-rs through `kcred::keys::PrivateKey::generate`): mean "
      f"{fmt_time(meta['keygen_mean_s'])}, median {fmt_time(meta['keygen_median_s'])} over "
      f"{keygen.get('n', '?')} keys (`{meta.get('keygen_command', '')}`). A workload's floor "
      f"is its number of keys × the mean ÷ {meta['cores']} cores: RSA key generation takes "
      "a random amount of time, so a sum of many is best estimated with the mean.")

    # Headline: best kcred median against each peer.
    w("")
    w("## Ratios (kcred/peer, medians, workload 8 means; below 1 means kcred is faster)")
    w("")
    w("| workload | case | kcred (best variant) | peer | kcred/peer |")
    w("|---|---|---|---|---|")
    for wl, cases in groups.items():
        for case, rs in cases.items():
            kc = [r for r in rs if r.role == "kcred" and r.cmp is not None]
            best = min(kc, key=lambda r: r.cmp) if kc else None
            if wl == "5":
                peer = next((r for r in rs if r.role == "peer" and r.rate), None)
                mine = next((r for r in rs if r.role == "kcred" and r.rate), None)
                if peer and mine:
                    w(f"| 5 | {case} | {mine.rate:,.0f}/s | openssl {peer.rate:,.0f}/s | "
                      f"{100 * mine.rate / peer.rate:.0f}% of openssl's rate |")
                else:
                    w(f"| 5 | {case} | {status_text(mine, rs)} | "
                      f"{f'openssl {peer.rate:,.0f}/s' if peer else '–'} | – |")
                continue
            peers = [r for r in rs if r.role in ("peer", "floor", "goal")]
            if best is None:
                w(f"| {wl} | {case} | {status_text(None, rs)} | – | – |")
                continue
            for p in peers:
                ratio = best.cmp / p.cmp if p.cmp else None
                name = p.tool if p.cmp is not None else f"{p.tool}: {p.status}"
                w(f"| {wl} | {case} | {best.tool}: {fmt_time(best.cmp)} | "
                  f"{name}{': ' + fmt_time(p.cmp) if p.cmp is not None else ''} | "
                  f"{fmt_ratio(ratio)} |")
            if not peers:
                w(f"| {wl} | {case} | {best.tool}: {fmt_time(best.cmp)} | (no peer) | – |")

    goals(w, groups)

    for wl, cases in groups.items():
        w("")
        w(f"## Workload {wl}: {WORKLOADS.get(wl, '')}")
        for case, rs in cases.items():
            w("")
            w(f"### {case}")
            w("")
            if wl == "5":
                w("| tool | signatures per second | |")
                w("|---|---|---|")
                for r in rs:
                    w(f"| {r.tool} | {f'{r.rate:,.0f}' if r.rate else '–'} | "
                      f"{r.note or ('' if r.status == 'ok' else r.status)} |")
            else:
                kc = [r for r in rs if r.role == "kcred" and r.cmp is not None]
                best = min(kc, key=lambda r: r.cmp) if kc else None
                w("| tool | min | median | mean ± σ | runs | best kcred / this |")
                w("|---|---|---|---|---|---|")
                for r in rs:
                    if r.median is None:
                        w(f"| {r.tool} | – | – | – | – | {r.note or r.status} |")
                        continue
                    spread = (f"{fmt_time(r.mean)} ± {fmt_time(r.stddev)}"
                              if r.mean is not None and r.stddev is not None else
                              fmt_time(r.mean) if r.mean is not None else
                              ("computed" if r.role == "floor" else
                               "goal" if r.role == "goal" else "–"))
                    ratio = "–"
                    if best is not None and r is not best:
                        ratio = fmt_ratio(best.cmp / r.cmp)
                    w(f"| {r.tool} | {fmt_time(r.min)} | {fmt_time(r.median)} | {spread} | "
                      f"{r.runs or '–'} | {ratio} |")
            cmds = [r for r in rs if r.command]
            if cmds:
                w("")
                w("Commands (run from the repository root):")
                w("")
                for r in cmds:
                    w(f"- {r.tool}: `{short_command(r.command)}`")
    w("")
    # Figures from the separate harnesses (bench/serve-load, bench/pkcs11.sh) are pasted below
    # KEEP_MARKER by hand; a regeneration keeps them rather than silently dropping them.
    kept = ""
    if os.path.exists(out_path):
        with open(out_path, encoding="utf-8") as f:
            previous = f.read()
        if KEEP_MARKER in previous:
            kept = previous[previous.index(KEEP_MARKER):]
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
        if kept:
            f.write("\n" + kept)


def short_command(cmd):
    """`--node n1 --node n2 … --node n100` as `--node n1 … --node n100` (bench/run spells
    every one out)."""
    return re.sub(r"(--node n1)(?: --node n\d+)+?( --node n(\d+))(?!\d| --node)",
                  lambda m: f"{m.group(1)} … {m.group(2).strip()}" if int(m.group(3)) > 3
                  else m.group(0), cmd)


def find(groups, wl, case, pred):
    return next((r for r in groups.get(wl, {}).get(case, []) if pred(r)), None)


def goals(w, groups):
    """Issues 9, 17 and 21's goals, read off this run (information for people: nothing fails
    on them)."""
    w("")
    w("## Goals (issues 9, 17 and 21), in this run")
    w("")
    w("| goal | this run | met |")
    w("|---|---|---|")

    def line(goal, have, met):
        w(f"| {goal} | {have} | {'–' if met is None else ('yes' if met else 'no')} |")

    def kcred_best(wl, case):
        kc = [r for r in groups.get(wl, {}).get(case, []) if r.role == "kcred" and r.median]
        return min(kc, key=lambda r: r.median) if kc else None

    k = kcred_best("2", "RSA-2048")
    for goal, tool, want in [
        ("workload 2, RSA: ≥ 7× faster than cfssl + kubectl", "cfssl", 7.0),
        ("workload 2, RSA: ≥ 1.3× faster than one-process Python", "Python", 1.3),
    ]:
        p = find(groups, "2", "RSA-2048", lambda r, t=tool: r.tool.startswith(t) and r.median)
        if k and p:
            x = p.median / k.median
            line(goal, f"{x:.2f}× ({fmt_time(k.median)} vs {fmt_time(p.median)})", x >= want)
        else:
            line(goal, "not measured", None)
    f = find(groups, "2", "RSA-2048", lambda r: r.role == "floor" and r.median)
    if k and f:
        x = k.median / f.median
        line("workload 2, RSA: within 1.15× of the floor", f"{x:.2f}× the floor "
             f"({fmt_time(k.median)} vs {fmt_time(f.median)})", x <= 1.15)
    else:
        line("workload 2, RSA: within 1.15× of the floor", "not measured", None)
    case4 = "decode RS256, verify with sa.pub"
    j4 = find(groups, "4", case4, lambda r: r.tool.startswith("jwt decode --secret") and r.median)
    for cmd in ["decode-token", "whoami"]:
        k4 = find(groups, "4", case4,
                  lambda r, c=cmd: r.tool.startswith(f"kcred {c}") and r.median)
        goal = (f"`{cmd}` start to exit: no slower than jwt-cli's decode "
                "(interleaved hyperfine runs, pooled medians)")
        if k4 and j4:
            per_round = ""
            if k4.round_medians and j4.round_medians:
                rs = [a / b for a, b in zip(k4.round_medians, j4.round_medians)]
                per_round = (f"; per run {min(rs):.2f}–{max(rs):.2f}×, at most 1× in "
                             f"{sum(x <= 1 for x in rs)} of {len(rs)}")
            line(goal, f"{k4.median / j4.median:.3f}× jwt-cli's time "
                 f"({k4.median * 1e6:.0f} µs vs {j4.median * 1e6:.0f} µs{per_round})",
                 k4.median <= j4.median)
        else:
            line(goal, "not measured (see workload 4)", None)
    case5 = "ES256 signatures per second"
    m5 = find(groups, "5", case5, lambda r: r.role == "kcred" and r.rate)
    o5 = find(groups, "5", case5, lambda r: r.role == "peer" and r.rate)
    if m5 and o5:
        pct = 100 * m5.rate / o5.rate
        line("token minting: ≥ 50% of openssl's single-core ES256 sign rate",
             f"{pct:.0f}% ({m5.rate:,.0f}/s vs {o5.rate:,.0f}/s)", pct >= 50)
    else:
        line("token minting: ≥ 50% of openssl's single-core ES256 sign rate",
             "not measured (see workload 5)", None)
    case7 = "5,000 RoleBindings, 1,000 ClusterRoles (bench/rbac-gen)"
    for what in ["get pods", "--list"]:
        k7 = find(groups, "7", case7, lambda r, x=what: x in r.tool and r.median)
        goal = f"`can-i {what}` over {case7.split(' (')[0]}: under 50 ms"
        if k7:
            line(goal, fmt_time(k7.median), k7.median < 0.050)
        else:
            line(goal, "not measured (see workload 7)", None)
    case8 = "RSA-2048 key generation, e = 65537, one key at a time"
    rs8 = [r for r in groups.get("8", {}).get(case8, []) if r.cmp]
    mine = [r for r in rs8 if r.role == "kcred"]
    others = [r for r in rs8 if r.role == "peer"]
    goal = "RSA-2048 key generation: kcred's backend at the best library's rate (mean)"
    if mine and others:
        m = sum(r.cmp for r in mine) / len(mine)
        best = min(others, key=lambda r: r.cmp)
        line(goal, f"aws-lc-rs {fmt_time(m)} vs {best.tool} {fmt_time(best.cmp)} "
             f"({m / best.cmp:.2f}×)", m <= best.cmp)
    else:
        line(goal, "not measured (see workload 8)", None)


def status_text(row, rs):
    if row is not None and row.status != "ok":
        return row.note or row.status
    bad = next((r for r in rs if r.role == "kcred" and r.status != "ok"), None)
    return (bad.note or bad.status) if bad else "–"


if __name__ == "__main__":
    main()
