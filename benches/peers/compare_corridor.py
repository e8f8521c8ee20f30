#!/usr/bin/env python3
"""Compares Corridor with the SimPy peer on the CORRIDOR model (benches/peers/peer_spec.md §1b).

Input: files of lines `CASE<TAB>JSON`, where JSON is one run as printed by
`benches/peers/simpy_corridor.py` ("impl": "simpy") or by
`examples/peer_corridor.rs` ("impl": "corridor"); benches/peers/run_peers.sh writes them.

Output (Markdown):
1. per case and statistic of the peer spec: mean +- 95% CI half-width over the runs of each
   implementation, the difference, and whether the two agree: Welch's two-sample t test at the
   5% level, i.e. |mean_simpy - mean_corridor| <= t(0.975, Welch df) * sqrt(s1^2/n1 + s2^2/n2).
   With 11 statistics x 2 cases, about one "no" is expected by chance alone.
2. per case and implementation: median wall and CPU time per simulated year (ms) and events per
   simulated year, and the speed ratios SimPy/Corridor of the medians.

Standard library only. Usage: compare_corridor.py RESULTS_FILE...
"""

import json
import math
import statistics
import sys

HOURS_PER_YEAR = 8760.0

# The statistics named in the peer spec, in its order.
STATS = [
    "arrivals",
    "delivered",
    "e2e_mean",
    "e2e_p50",
    "e2e_p95",
    "wait_border",
    "wait_terminal",
    "wait_ferry",
    "departures",
    "mean_load",
    "closures",
]
IMPLS = ("simpy", "corridor")


def betacf(a, b, x):
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def betai(a, b, x):
    """Regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * betacf(a, b, x) / a
    return 1.0 - front * betacf(b, a, 1.0 - x) / b


def t_cdf(t, df):
    """Student's t distribution function with (real) df degrees of freedom."""
    tail = 0.5 * betai(0.5 * df, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p, df):
    """Inverse of t_cdf for 0.5 < p < 1, by bisection."""
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def summarize(values):
    """(n, mean, sd, 95% CI half-width) of a sample."""
    n = len(values)
    m = statistics.fmean(values)
    sd = statistics.stdev(values) if n > 1 else float("nan")
    hw = t_quantile(0.975, n - 1) * sd / math.sqrt(n) if n > 1 else float("nan")
    return n, m, sd, hw


def welch(a, b):
    """(difference a-b, threshold, agree) of Welch's two-sided 5% test."""
    na, ma, sa, _ = a
    nb, mb, sb, _ = b
    diff = ma - mb
    va, vb = sa * sa / na, sb * sb / nb
    se2 = va + vb
    if se2 == 0.0:
        return diff, 0.0, diff == 0.0
    df = se2 * se2 / (va * va / (na - 1) + vb * vb / (nb - 1))
    threshold = t_quantile(0.975, df) * math.sqrt(se2)
    return diff, threshold, abs(diff) <= threshold


def fmt(x):
    if x is None or not math.isfinite(x):
        return "n/a"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.1f}"
    if ax >= 1:
        return f"{x:.3f}"
    return f"{x:.4f}"


def fmt_ms(x):
    return f"{x:.2f}" if x is not None else "n/a"


def load(paths):
    runs = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if not line:
                    continue
                case, text = line.split("\t", 1)
                record = json.loads(text)
                if record.get("model") != "corridor":
                    continue
                runs.setdefault(case, {}).setdefault(record["impl"], []).append(record)
    return runs


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    runs = load(argv[1:])
    if not runs:
        sys.exit("no CORRIDOR runs in the input")

    print("Agreement (mean +- 95% CI half-width over the runs; Welch two-sample t test at 5%):\n")
    print("| case | statistic | SimPy | Corridor | Corridor − SimPy | Welch limit | agree |")
    print("|---|---|---:|---:|---:|---:|---|")
    disagreements = 0
    tests = 0
    for case in sorted(runs):
        by_impl = runs[case]
        if not all(impl in by_impl for impl in IMPLS):
            print(f"| {case} | (missing {', '.join(i for i in IMPLS if i not in by_impl)}) | | | | | |")
            continue
        for stat in STATS:
            sums = {}
            for impl in IMPLS:
                values = [r[stat] for r in by_impl[impl] if r.get(stat) is not None]
                sums[impl] = summarize(values) if len(values) > 1 else None
            if sums["simpy"] is None or sums["corridor"] is None:
                print(f"| {case} | {stat} | | | | | n/a |")
                continue
            diff, limit, agree = welch(sums["simpy"], sums["corridor"])
            tests += 1
            disagreements += not agree
            cells = [f"{fmt(s[1])} ± {fmt(s[3])} (n={s[0]})" for s in (sums["simpy"], sums["corridor"])]
            print(
                f"| {case} | {stat} | {cells[0]} | {cells[1]} | {fmt(-diff)} | {fmt(limit)} | "
                f"{'yes' if agree else '**no**'} |"
            )
    print(f"\n{tests - disagreements} of {tests} statistics agree at the 5% level "
          f"(about {0.05 * tests:.1f} disagreements expected by chance if the models are equal).\n")

    print("Speed (medians over the runs; one run = one simulated year, single-threaded):\n")
    print("| case | implementation | runs | wall ms per simulated year | CPU ms per simulated year | "
          "events per simulated year | SimPy/Corridor (wall) | SimPy/Corridor (CPU) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for case in sorted(runs):
        medians = {}
        for impl in IMPLS:
            records = runs[case].get(impl, [])
            if not records:
                continue
            years = [r["horizon"] / HOURS_PER_YEAR for r in records]
            wall = statistics.median(1000.0 * r["wall_s"] / y for r, y in zip(records, years))
            cpus = [1000.0 * r["cpu_s"] / y for r, y in zip(records, years) if r.get("cpu_s") is not None]
            cpu = statistics.median(cpus) if cpus else None
            key = "events" if impl == "corridor" else "kernel_events"
            events = statistics.median(r[key] / y for r, y in zip(records, years))
            medians[impl] = (len(records), wall, cpu, events)

        def ratio(column):
            if "simpy" not in medians or "corridor" not in medians:
                return "n/a"
            simpy, corridor = medians["simpy"][column], medians["corridor"][column]
            return f"{simpy / corridor:.1f}x" if simpy and corridor else "n/a"

        ratios = (ratio(1), ratio(2))
        for impl, (n, wall, cpu, events) in medians.items():
            cells = ratios if impl == "corridor" else ("", "")
            print(f"| {case} | {impl} | {n} | {wall:.2f} | {fmt_ms(cpu)} | {events:,.0f} | {cells[0]} | {cells[1]} |")
    print("\nWall: wall_s, as in peer_spec.md §2. CPU: the thread's CPU time over the same region "
          "(steadier when other jobs share the machine).")
    print("Events: SimPy's kernel events (Environment.step pops, peer_spec.md §2); "
          "Corridor's event-queue pops (ReplicationStats::events), close to the spec events of peer_spec.md §1b.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
