#!/usr/bin/env python3
"""Writes docs/questions.md: the questions Corridor answers for planners and researchers, each
with the exact commands, what they printed, the chart they drew and an answer whose every number
is read from the commands' own result files. Nothing in docs/questions.md is typed by hand: edit
this script and run it again.

    python3 docs/questions.py              # builds the release binary, runs every study (about a
                                           # minute on 2 cores) and rewrites docs/questions.md and
                                           # docs/images/questions/
    python3 docs/questions.py --quick --output /tmp/questions.md
                                           # 4 replications per study and no images: checks that
                                           # every command and every answer still works (CI)

The commands run from the repository root, exactly as printed (the `corridor` of the README's
set-up; the script runs target/release/corridor, or --corridor PATH), and write their results
under questions-out/ (replaced on each run; ignored by git). Standard library only.
"""

import argparse
import csv
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = "questions-out"
CONTAINERS = "china-europe-west,europe-china-east"
# The 2029 target, as a multiple of 2025's containers: 300,000 TEU [S6] / 77,000 TEU [S6]
# (the whole corridor's two container flows) = 3.9.
TARGET_2029 = 3.9
# China-Europe rail trade, TEU a year (about 1.9 million: 1.75 million in January-November 2024
# [S94]), the volume a Northern Corridor diversion would come from.
CHINA_EUROPE_TEU = 1.9e6
INVESTMENTS = [
    ("scenarios/whole/aktau_hub_2026.toml", "the Aktau hub at its 2026 capacity"),
    ("scenarios/whole/almaty_bypass.toml", "the Almaty rail bypass"),
    ("scenarios/whole/dostyk_moiynty.toml", "the Dostyk-Moiynty second track"),
    ("scenarios/whole/moiynty_kyzylzhar.toml", "the Moiynty-Kyzylzhar line"),
    ("scenarios/whole/feeders_12.toml", "12 Caspian container feeders (6 ordered for 2027)"),
    ("scenarios/whole/faster_clearance.toml", "Kazakh entry clearance as fast as exit (bound of a digital single window)"),
]
COMBINATIONS = [
    ("scenarios/whole/rail_package.toml", "the rail package (bypass, second track, Moiynty-Kyzylzhar)"),
    ("scenarios/whole/aktau_hub_feeders_12.toml", "the Aktau hub with 12 feeders"),
    ("scenarios/whole/all_announced.toml", "all of the above together"),
]


class Runner:
    def __init__(self, binary, replications, images, quick):
        self.binary = binary
        self.replications = replications
        self.images = images
        self.quick = quick

    def run(self, args, out=None):
        """Runs `corridor ARGS` from the repository root (its --out DIR or JSON file removed
        first) and returns (the command as printed, its standard output)."""
        if out:
            path = os.path.join(ROOT, out)
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.exists(path):
                os.remove(path)
        os.makedirs(os.path.join(ROOT, WORK), exist_ok=True)
        shown = "corridor " + " ".join(shlex.quote(a) for a in args)
        print(f"== {shown}", file=sys.stderr)
        done = subprocess.run([self.binary] + args, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{shown}\nfailed with exit code {done.returncode}:\n{done.stderr}")
        return shown, done.stdout

    def image(self, produced, name, alt):
        """Copies a chart into docs/images/questions/ and returns its Markdown (none in quick mode)."""
        if not self.images:
            return f"(chart: `{produced}`; not copied in --quick mode)"
        dest = os.path.join(ROOT, "docs", "images", "questions", name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(os.path.join(ROOT, produced), dest)
        return f"![{alt}](images/questions/{name})"


def read_csv(path):
    with open(os.path.join(ROOT, path), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_json(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return json.load(f)


def num(x):
    return float(x) if x not in ("", None) else None


def fmt(x, digits=3):
    """A number to `digits` significant figures, with thousands separators, no exponent."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if x == 0:
        return "0"
    magnitude = int(math.floor(math.log10(abs(x))))
    decimals = max(0, digits - 1 - magnitude)
    rounded = round(x, decimals)
    return f"{rounded:,.{decimals}f}"


def ci(mean, low, high, digits=3, scale=1.0):
    if mean is None:
        return "n/a"
    return f"{fmt(mean / scale, digits)} [{fmt(low / scale, digits)}, {fmt(high / scale, digits)}]"


def money(mean, low, high):
    """US$ millions a year, with the CI."""
    return f"${ci(mean, low, high, 3, 1e6)}m"


def block(text):
    return "```\n" + text.rstrip("\n") + "\n```\n"


def command(shown):
    return "```sh\n" + shown + "\n```\n"


def details(summary, text):
    return f"<details><summary>{summary}</summary>\n\n{block(text)}\n</details>\n"


def appraisal(path):
    """appraisal.csv as {variant: {quantity: (mean, low, high, undefined_because)}}."""
    out = {}
    for row in read_csv(path):
        out.setdefault(row["variant"], {})[row["quantity"]] = (
            num(row["mean"]),
            num(row["ci95_low"]),
            num(row["ci95_high"]),
            row["undefined_because"],
        )
    return out


def differences(path):
    """compare.csv as {(variant_file, scope/entity/kpi): row}, demand.csv as
    {(variant_file, scope/entity/kpi, demand level): row}."""
    out = {}
    for row in read_csv(path):
        key = (row["variant_file"], f"{row['scope']}/{row['entity']}/{row['kpi']}")
        if "demand_level" in row:
            key += (float(row["demand_level"]),)
        out[key] = row
    return out


def diff(row, scale=1.0, digits=3):
    """A paired difference with its CI, e.g. `-10.9 [-17.9, -3.9]`."""
    if row is None:
        return "n/a"
    return ci(num(row["difference_mean"]), num(row["difference_ci95_low"]),
              num(row["difference_ci95_high"]), digits, scale)


def significant(row):
    low, high = num(row["difference_ci95_low"]), num(row["difference_ci95_high"])
    return low > 0 or high < 0


# ----------------------------------------------------------------------------------- question 1

def hub(r):
    md = ["## 1. What does the Aktau hub buy, in days, capacity, reliability and money, at 2025 demand and at the 2029 target?\n"]
    md.append(
        "The hub at its 2026 capacity (`scenarios/whole/aktau_hub_2026.toml`: a third unloading "
        "track, a 5,000-TEU yard, a third feeder berth, and its `[investment]`) against the 2025 "
        "corridor, with the container flows at 2025 volume (×1) and at the 2029 target "
        f"(×{TARGET_2029}: 300,000 TEU [S6] over 2025's 77,000 TEU [S6]). By 2029 the Caspian "
        "container fleet is to have doubled (six feeders ordered for 2027 [S43]), so the same "
        "comparison runs with 12 feeders in both scenarios. `compare --demand` runs every level "
        "over the warm-up and two whole years with common random numbers; `capacity` finds the "
        "largest demand each scenario sustains.\n"
    )
    pairs = [
        ("today's six feeders", "scenarios/whole_corridor.toml",
         "scenarios/whole/aktau_hub_2026.toml", "hub-6-feeders"),
        ("12 feeders", "scenarios/whole/feeders_12.toml",
         "scenarios/whole/aktau_hub_feeders_12.toml", "hub-12-feeders"),
    ]
    routes = ["khorgos-aktau-alat", "alat-aktau-khorgos"]
    kpis = [f"route/{x}/{k}" for x in routes for k in ("transit_mean_h", "transit_p95_h")]
    for fleet, base, variant, name in pairs:
        out = f"{WORK}/{name}"
        args = ["compare", base, variant, "--demand", f"1,{TARGET_2029}", "--flows", CONTAINERS,
                "-r", str(r.replications), "--chart-size", "1200x675", "--out", out]
        for k in kpis:
            args += ["--kpi", k]
        shown, printed = r.run(args, out)
        md.append(f"### With {fleet}\n")
        md.append(command(shown))
        md.append(details("What it printed", printed))
        rows = differences(f"{out}/demand.csv")
        money_rows = appraisal(f"{out}/appraisal.csv")
        levels = {}
        for row in read_csv(f"{out}/demand_levels.csv"):
            levels.setdefault(float(row["demand_level"]), {})[row["role"]] = row
        table = ["| Demand | Offered TEU/yr | Delivered, base | Delivered, hub | Hub − base, TEU/yr | "
                 + " | ".join(f"{x} mean transit, h" for x in routes)
                 + f" | {routes[0]} p95 transit, h | Annual benefit | NPV | Benefit-cost ratio |",
                 "|---" * (9 + len(routes)) + "|"]
        for level in (1.0, TARGET_2029):
            b, v = levels[level]["base"], levels[level]["variant"]
            at = {c: row for (f, c, lv), row in rows.items() if f == variant and lv == level}
            key = f"{variant} at demand ×{fmt_level(level)}"
            a = money_rows[key]
            stable = lambda row: "" if row["stable"] == "true" else " (does not keep up)"
            dagger = "" if b["stable"] == v["stable"] == "true" else " †"
            table.append(
                f"| ×{fmt_level(level)} | {fmt(num(b['offered_teu_per_year']), 4)} "
                f"| {fmt(num(b['delivered_teu_per_year_mean']), 4)}{stable(b)} "
                f"| {fmt(num(v['delivered_teu_per_year_mean']), 4)}{stable(v)} "
                f"| {ci(num(v['delivered_difference_teu_per_year_mean']), num(v['delivered_difference_ci95_low']), num(v['delivered_difference_ci95_high']), 3)} "
                + "".join(f"| {diff(at.get(f'route/{x}/transit_mean_h'))} " for x in routes)
                + f"| {diff(at.get(f'route/{routes[0]}/transit_p95_h'))} "
                f"| {money(*a['annual_benefit'][:3])}{dagger} | {money(*a['npv'][:3])}{dagger} "
                f"| {ci(*a['bcr'][:3], 2)}{dagger} |"
            )
        md.append(
            "\nRead from `demand_levels.csv`, `demand.csv` and `appraisal.csv` (differences hub − "
            "base with 95% CIs; money in US$ millions, NPV over the hub's 25 years at 6%, as its "
            "`[investment]` states):\n\n" + "\n".join(table) + "\n\n"
            "† A level where a scenario does not keep up: its queues grow through the run, so its "
            "transit times, and the value of time lost in them that the money counts, grow with "
            "the run's length (warm-up and two years here). Such money is not a yearly figure the "
            "hub would earn; the TEU delivered are the measure there.\n"
        )
        md.append(r.image(f"{out}/charts/demand.png", f"{name}.png",
                          f"TEU delivered against offered, with {fleet}, with and without the hub") + "\n")
        npv_from = read_json(f"{out}/demand.json")["npv_positive_from"][0]
        md.append(answer_hub(fleet, levels, rows, money_rows, variant, routes, npv_from))

    md.append("### Capacity: the largest demand each sustains\n")
    caps = []
    for scenario in ("scenarios/whole_corridor.toml", "scenarios/whole/aktau_hub_2026.toml",
                     "scenarios/whole/feeders_12.toml", "scenarios/whole/aktau_hub_feeders_12.toml"):
        stem = os.path.splitext(os.path.basename(scenario))[0]
        out = f"{WORK}/capacity-{stem}.json"
        shown, printed = r.run(["capacity", scenario, "--flows", CONTAINERS, "-r",
                                str(r.replications), "--json", out], out)
        md.append(command(shown))
        md.append(details("What it printed", printed))
        caps.append((scenario, read_json(out)))
    md.append("\n| Scenario | Sustains (× 2025 containers) | TEU a year offered at the stable end | Where cargo piles up beyond it |\n|---|---|---|---|\n")
    for scenario, c in caps:
        md.append(f"| `{scenario}` | {capacity_range(c)} | {fmt(stable_probe(c)['offered_teu_per_year'], 4)} | {beyond(c)} |\n")
    gain6 = stable_probe(caps[1][1])["offered_teu_per_year"] - stable_probe(caps[0][1])["offered_teu_per_year"]
    gain12 = stable_probe(caps[3][1])["offered_teu_per_year"] - stable_probe(caps[2][1])["offered_teu_per_year"]
    md.append(
        f"\n**Capacity.** With six feeders the hub moves the sustainable container volume by "
        f"{fmt(gain6, 3)} TEU a year; with 12 feeders by {fmt(gain12, 3)} TEU a year (stable ends of "
        "the brackets; each bracket is as precise as its replications, so a difference within a few "
        "per cent of the volume is not a finding).\n"
    )
    return "\n".join(md)


def fmt_level(level):
    return f"{level:g}"


def stable_probe(c):
    return next(p for p in c["probes"] if p["scale"] == c["stable_scale"])


def capacity_range(c):
    if c["unstable_scale"] is None:
        return f"at least {c['stable_scale']:.3f}"
    return f"{c['stable_scale']:.3f} to {c['unstable_scale']:.3f}"


def beyond(c):
    if c["unstable_scale"] is None:
        return "(no unstable probe)"
    probe = next(p for p in c["probes"] if p["scale"] == c["unstable_scale"])
    return probe["backlog_at"] or "n/a"


def answer_hub(fleet, levels, rows, money_rows, variant, routes, npv_from):
    lines = [f"\n**With {fleet}.**"]
    for level in (1.0, TARGET_2029):
        b, v = levels[level]["base"], levels[level]["variant"]
        a = money_rows[f"{variant} at demand ×{fmt_level(level)}"]
        west = rows[(variant, f"route/{routes[0]}/transit_mean_h", level)]
        p95 = rows[(variant, f"route/{routes[0]}/transit_p95_h", level)]
        keeps = {"true": "keeps up", "false": "does not keep up"}
        days = num(west["difference_mean"]) / 24
        sentence = (
            f" At ×{fmt_level(level)} ({fmt(num(b['offered_teu_per_year']), 4)} TEU a year offered) the base "
            f"{keeps[b['stable']]} and the hub {keeps[v['stable']]}; the TEU delivered change by "
            f"{fmt(num(v['delivered_difference_teu_per_year_mean']), 3)} a year with the hub "
            f"(95% CI [{fmt(num(v['delivered_difference_ci95_low']), 3)}, {fmt(num(v['delivered_difference_ci95_high']), 3)}]), "
            f"changes the mean {routes[0]} transit by {fmt(days, 2)} days "
            f"({'significant' if significant(west) else 'not significant'} at 95%) and its 95th percentile by "
            f"{fmt(num(p95['difference_mean']) / 24, 2)} days "
            f"({'significant' if significant(p95) else 'not significant'}); the annual benefit is "
            f"{money(*a['annual_benefit'][:3])}, the NPV {money(*a['npv'][:3])}."
        )
        if b["stable"] == "false" or v["stable"] == "false":
            sentence += (
                " Where a scenario does not keep up its queues grow through the run, so its "
                "transit times depend on the run's length: read the TEU delivered, not the hours."
            )
        lines.append(sentence)
    if npv_from is None:
        lines.append(" The NPV is not above 0 with 95% confidence at either level.")
    else:
        lines.append(f" The NPV is above 0 with 95% confidence from demand ×{fmt_level(npv_from)}.")
    return "".join(lines) + "\n"


# ----------------------------------------------------------------------------------- question 2

def investments(r):
    md = ["## 2. Which announced investment is worth most alone, and which combination?\n"]
    md.append(
        "Each investment is a variant of the 2025 corridor that changes only what the investment "
        "changes (its file argues every figure), compared with the base by common random numbers "
        "at 2025 demand. Money is the appraisal's annual benefit: route by route the "
        "generalised-cost saving (tariffs, storage, value of time at $40 per TEU-day, assumed) "
        "on the TEU both scenarios carry, plus $2,000 (assumed) for each extra TEU carried. Only "
        "the hub has a published capital cost ($96.4m [S46]), so only the hub has an NPV; for the "
        "others the annual benefit is what a capital cost would have to be weighed against.\n"
    )
    out = f"{WORK}/investments"
    variants = INVESTMENTS + COMBINATIONS
    args = ["compare", "scenarios/whole_corridor.toml"] + [v for v, _ in variants] + [
        "-r", str(r.replications), "--chart-size", "1200x675", "--out", out,
        "--kpi", "route/khorgos-aktau-alat/transit_mean_h",
        "--kpi", "route/dostyk-aktau-alat/transit_mean_h",
        "--kpi", "route/alat-aktau-khorgos/transit_mean_h",
        "--kpi", "route/khorgos-aktau-alat/transit_p95_h"]
    shown, printed = r.run(args, out)
    md.append(command(shown))
    md.append(details("What it printed", printed))
    rows = differences(f"{out}/compare.csv")
    money_rows = appraisal(f"{out}/appraisal.csv")
    table = ["| Variant | Annual benefit | Saving per TEU, $ | Extra TEU/yr | khorgos-aktau-alat mean transit, h | dostyk-aktau-alat, h | alat-aktau-khorgos, h | NPV |",
             "|---|---|---|---|---|---|---|---|"]
    ranked = []
    for file, label in variants:
        a = money_rows[file]
        cells = [diff(rows.get((file, f"route/{x}/transit_mean_h")))
                 for x in ("khorgos-aktau-alat", "dostyk-aktau-alat", "alat-aktau-khorgos")]
        npv = money(*a["npv"][:3]) if a["npv"][0] is not None else "no capital cost"
        table.append(f"| {label} (`{os.path.basename(file)}`) | {money(*a['annual_benefit'][:3])} "
                     f"| {ci(*a['saving_per_teu'][:3], 2)} | {ci(*a['extra_teu_per_year'][:3], 2)} | "
                     + " | ".join(cells) + f" | {npv} |")
        ranked.append((a["annual_benefit"][0], a["annual_benefit"][1], label, file))
    md.append("\nRead from `compare.csv` and `appraisal.csv` (US$ millions a year; differences variant − base with 95% CIs):\n\n" + "\n".join(table) + "\n")
    md.append(r.image(f"{out}/charts/compare.png", "investments.png",
                      "% change of the main routes' transit times for each investment, with 95% CIs") + "\n")
    singles = sorted((x for x in ranked if x[3] in dict(INVESTMENTS)), reverse=True)
    combos = sorted((x for x in ranked if x[3] in dict(COMBINATIONS)), reverse=True)
    best, second = singles[0], singles[1]
    overlap = best[1] <= second[0]
    lines = [f"\n**Alone**, {best[2]} is worth most at 2025 demand: {money(*money_rows[best[3]]['annual_benefit'][:3])} a year"]
    lines.append(
        f", though its interval reaches below the mean of the next, {second[2]} ({money(*money_rows[second[3]]['annual_benefit'][:3])}): the two are not told apart with {r.replications} replications."
        if overlap else f", ahead of {second[2]} ({money(*money_rows[second[3]]['annual_benefit'][:3])}).")
    nothing = [x[2] for x in singles if money_rows[x[3]]["annual_benefit"][1] <= 0]
    if nothing:
        lines.append(f" No benefit distinguishable from zero at 95%: {', '.join(nothing)}.")
    top = combos[0]
    parts = {
        "scenarios/whole/rail_package.toml": ["scenarios/whole/almaty_bypass.toml", "scenarios/whole/dostyk_moiynty.toml", "scenarios/whole/moiynty_kyzylzhar.toml"],
        "scenarios/whole/aktau_hub_feeders_12.toml": ["scenarios/whole/aktau_hub_2026.toml", "scenarios/whole/feeders_12.toml"],
        "scenarios/whole/all_announced.toml": ["scenarios/whole/almaty_bypass.toml", "scenarios/whole/dostyk_moiynty.toml", "scenarios/whole/moiynty_kyzylzhar.toml", "scenarios/whole/aktau_hub_2026.toml", "scenarios/whole/feeders_12.toml"],
    }
    lines.append(f" **Of the combinations**, {top[2]} is worth most: {money(*money_rows[top[3]]['annual_benefit'][:3])} a year.")
    for mean, _, label, file in combos:
        total = sum(money_rows[p]["annual_benefit"][0] for p in parts[file])
        lines.append(f" {label[0].upper() + label[1:]}: ${fmt(mean / 1e6)}m a year against ${fmt(total / 1e6)}m for the sum of its parts' means.")
    lines.append(
        " At 2025 demand the corridor keeps up without any of them (question 1), so the money is "
        "the value of time saved; what capacity is worth shows only at higher demand (question 1 "
        "at the 2029 target, question 3)."
    )
    md.append("".join(lines) + "\n")
    return "\n".join(md)


# ----------------------------------------------------------------------------------- question 3

def absorb(r):
    md = ["## 3. How much Northern-Corridor volume can the Middle Corridor absorb before its queues grow without bound, and which link binds first?\n"]
    md.append(
        "Cargo leaving the Northern Corridor would arrive as more China-Europe containers, so "
        "`corridor capacity` scales the two container flows (westbound and eastbound) until the "
        "corridor no longer keeps up (shortfall above 2% with 95% confidence), for the 2025 "
        "corridor and with every announced investment (`scenarios/whole/all_announced.toml`). "
        "What it can absorb is the sustainable volume less 2025's; the China-Europe rail trade "
        f"is about {fmt(CHINA_EUROPE_TEU / 1e6, 2)} million TEU a year [S94]. The binding link is "
        "where cargo piles up just beyond the limit, and what the nominal capacity table (an "
        "approximation from means) expects to saturate first.\n"
    )
    found = []
    for scenario in ("scenarios/whole_corridor.toml", "scenarios/whole/all_announced.toml"):
        stem = os.path.splitext(os.path.basename(scenario))[0]
        out = f"{WORK}/absorb-{stem}.json"
        shown, printed = r.run(["capacity", scenario, "--flows", CONTAINERS, "-r",
                                str(r.replications), "--json", out], out)
        md.append(command(shown))
        md.append(block(tail_from(printed, "Sustainable demand")))
        md.append(details("Every probe", printed))
        nominal = next((line for line in printed.splitlines() if line.startswith("The nominal capacity table")), None)
        c = read_json(out)
        probe = None
        if c["unstable_scale"] is not None:
            # What grows between the stable end and the first unstable probe: where the limit is.
            levels = [1.0, c["stable_scale"], c["unstable_scale"]]
            sweep_out = f"{WORK}/binding-{stem}"
            args = ["sweep", scenario, "--demand", ",".join(f"{x:.4f}" for x in levels), "--flows",
                    CONTAINERS, "-r", str(r.replications), "--no-charts", "--out", sweep_out]
            for k in BINDING_KPIS:
                args += ["--kpi", k]
            shown, printed = r.run(args, sweep_out)
            md.append("What grows between 2025's volume, the stable end and the first unstable probe:\n")
            md.append(command(shown))
            md.append(block(printed))
            probe = read_json(f"{sweep_out}/sweep.json")
        found.append((scenario, c, nominal, probe))
    lines = []
    for scenario, c, nominal, probe in found:
        base = c["probes"][0]
        assert base["scale"] == 1.0
        extra = stable_probe(c)["offered_teu_per_year"] - base["offered_teu_per_year"]
        lines.append(
            f"\n**`{scenario}`** sustains {capacity_range(c)} times 2025's containers: about "
            f"{fmt(extra, 3)} TEU a year more than the {fmt(base['offered_teu_per_year'], 3)} of 2025, "
            f"{fmt(100 * extra / CHINA_EUROPE_TEU, 2)}% of the China-Europe rail trade. Beyond it "
            f"cargo piles up at {beyond(c)}."
            + (f" {nominal}" if nominal else "")
            + (binding(probe, yard_capacity(r, scenario)) if probe else "")
        )
    md.append("\n".join(lines) + "\n")
    return "\n".join(md)


# What the binding link shows in: waits for the Caspian ships at the ports, the Aktau yard, the
# Aktau unloading tracks and the ships' use.
BINDING_KPIS = [
    "node/aktau-port/dispatch_mean_h",
    "node/kuryk-port/dispatch_mean_h",
    "node/aktau-port/yard_max_teu",
    "node/aktau-rail/wait_mean_h",
    "node/aktau-rail/blocked_mean_h",
    "fleet/aktau-alat/utilization",
    "fleet/kuryk-alat/utilization",
]


def yard_capacity(r, scenario):
    """The Aktau yard's capacity in the scenario, from `corridor params`."""
    done = subprocess.run([r.binary, "params", scenario], cwd=ROOT, capture_output=True, text=True, check=True)
    for line in done.stdout.splitlines():
        if line.startswith("node.aktau-port.yard_capacity "):
            return float(line.split()[1])
    sys.exit(f"corridor params {scenario}: no node.aktau-port.yard_capacity")


def binding(sweep, yard):
    """Sentences: how each binding KPI moves from 2025's volume to the stable end and the first
    unstable probe, and the Aktau yard's peak as a share of its capacity."""
    means = {}
    for row in sweep["rows"]:
        means.setdefault(row["kpi"], []).append(row["stat"]["mean"])
    names = {
        "node/aktau-port/dispatch_mean_h": ("the wait for a ship at Aktau", "h"),
        "node/kuryk-port/dispatch_mean_h": ("the wait for a ferry at Kuryk", "h"),
        "node/aktau-port/yard_max_teu": ("the Aktau yard's peak", "TEU"),
        "node/aktau-rail/wait_mean_h": ("the wait for an Aktau unloading track", "h"),
        "node/aktau-rail/blocked_mean_h": ("the time trains are held on Aktau's tracks by a full yard", "h"),
        "fleet/aktau-alat/utilization": ("the Aktau-Alat feeders' utilization", ""),
        "fleet/kuryk-alat/utilization": ("the Kuryk-Alat ferries' utilization", ""),
    }
    parts = []
    for kpi in BINDING_KPIS:
        at1, stable, unstable = means[kpi]
        name, unit = names[kpi]
        parts.append(f"{name} {fmt(at1)} → {fmt(stable)} → {fmt(unstable)}{' ' + unit if unit else ''}")
    peak = means["node/aktau-port/yard_max_teu"][2]
    return (
        " From 2025's volume to the stable end and the first unstable probe: " + "; ".join(parts)
        + f". At the first unstable probe the Aktau yard peaks at {fmt(100 * peak / yard, 3)}% of its "
        f"{fmt(yard, 4)} TEU (mean over replications of each one's peak)."
    )


def tail_from(text, start):
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(start):
            return "\n".join(lines[i:])
    return text


# ----------------------------------------------------------------------------------- question 4

def storms(r):
    md = ["## 4. How many storm days does the corridor tolerate before its 95th-percentile transit doubles?\n"]
    md.append(
        "A sweep multiplies the Caspian storms' monthly rates (0 is a calm year, 1 the calibrated "
        "2025 weather) and reads the 95th-percentile transit of the main westbound route and the "
        "hours Aktau is closed by storms in the 335-day statistics window, converted to days a "
        "year (× 365 / 335 / 24).\n"
    )
    out = f"{WORK}/storms"
    route = "route/khorgos-aktau-alat/transit_p95_h"
    closed = "target/aktau-port/closed_h"
    factors = [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5]
    args = ["sweep", "scenarios/whole_corridor.toml", "--scale",
            "disruption.caspian-storms.monthly_rates=" + ",".join(f"{f:g}" for f in factors),
            "--kpi", route, "--kpi", closed, "--kpi", "route/khorgos-aktau-alat/transit_mean_h",
            "-r", str(r.replications), "--chart-size", "1200x675", "--out", out]
    shown, printed = r.run(args, out)
    md.append(command(shown))
    md.append(block(printed))
    md.append(r.image(f"{out}/charts/sweep.png", "storms.png",
                      "95th-percentile and mean transit and Aktau's storm closure hours against the storm rate") + "\n")
    sweep = read_json(f"{out}/sweep.json")
    stat = {}
    for row in sweep["rows"]:
        stat[(row["values"][0], row["kpi"])] = row["stat"]
    window_h = 335 * 24
    days = {f: stat[(f, closed)]["mean"] / window_h * 365 for f in factors}
    p95 = {f: stat[(f, route)] for f in factors}
    lines = []
    for reference, label in ((1, "today's"), (0, "a calm year's")):
        target = 2 * p95[reference]["mean"]
        crossing = None
        for lo, hi in zip(factors, factors[1:]):
            if p95[lo]["mean"] < target <= p95[hi]["mean"]:
                w = (target - p95[lo]["mean"]) / (p95[hi]["mean"] - p95[lo]["mean"])
                crossing = (lo + w * (hi - lo), days[lo] + w * (days[hi] - days[lo]))
                break
        below = [f for f in factors if p95[f]["ci95_high"] < target]
        above = [f for f in factors if p95[f]["ci95_low"] > target]
        text = f"\n**Against {label} 95th percentile** ({fmt(p95[reference]['mean'] / 24, 3)} days at storm rate ×{reference}, so doubled at {fmt(target / 24, 3)} days): "
        if crossing is None:
            text += f"it does not double within the rates run (up to ×{factors[-1]:g}, {fmt(days[factors[-1]], 3)} storm-closure days a year)."
        else:
            text += (
                f"it doubles at about ×{crossing[0]:.2f} the storm rate, about {fmt(crossing[1], 3)} "
                f"days a year of storm closure at Aktau (interpolated between sweep points; today "
                f"{fmt(days[1], 3)} days)."
            )
            if below and above:
                text += (
                    f" With 95% confidence it has not doubled at ×{max(below):g} "
                    f"({fmt(days[max(below)], 3)} days) and has at ×{min(above):g} ({fmt(days[min(above)], 3)} days)."
                )
        lines.append(text)
    lines.append(
        " Storm closure days are Aktau's (Kuryk and Alat close with it: one Caspian-wide storm "
        "process); a multiplied rate keeps the calibrated seasonal shape and storm lengths."
    )
    md.append("".join(lines) + "\n")
    return "\n".join(md)


# ----------------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corridor", help="the corridor binary (default: build and use target/release/corridor)")
    parser.add_argument("--quick", action="store_true", help="4 replications per study, no images (a check that every step works)")
    parser.add_argument("--output", default=os.path.join(ROOT, "docs", "questions.md"), help="Markdown file to write (default: docs/questions.md)")
    opts = parser.parse_args()
    if opts.quick and os.path.abspath(opts.output) == os.path.join(ROOT, "docs", "questions.md"):
        sys.exit("--quick writes 4-replication answers: give --output another file than docs/questions.md")
    binary = opts.corridor
    if binary is None:
        subprocess.run(["cargo", "build", "--locked", "--release", "--quiet"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "corridor")
    binary = os.path.abspath(binary)
    r = Runner(binary, 4 if opts.quick else 40, not opts.quick, opts.quick)
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip() or "unknown"
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    sections = [hub(r), investments(r), absorb(r), storms(r)]
    header = (
        "# Questions Corridor answers\n\n"
        "<!-- Generated by docs/questions.py: do not edit by hand; edit the script and run "
        "`python3 docs/questions.py`. -->\n\n"
        f"Generated by [`docs/questions.py`](questions.py) on {datetime.now(timezone.utc):%Y-%m-%d} "
        f"from commit `{commit}` ({version}), {r.replications} replications per scenario. Every command "
        "below ran exactly as printed, from the repository root, with the `corridor` of the README's "
        "set-up; its results are in `questions-out/`. Every number in the tables and answers is "
        "read from those result files by the script, never typed; run it again after a change to "
        "the model or the scenarios. Figures carry their assumptions: each scenario file argues its "
        "numbers ([S..] tags: [sources.md](sources.md)), and the money model is a lower bound "
        "(README, \"What is it worth?\").\n\n"
        "1. [What does the Aktau hub buy?](#1-what-does-the-aktau-hub-buy-in-days-capacity-reliability-and-money-at-2025-demand-and-at-the-2029-target)\n"
        "2. [Which investment is worth most?](#2-which-announced-investment-is-worth-most-alone-and-which-combination)\n"
        "3. [How much Northern-Corridor volume can it absorb?](#3-how-much-northern-corridor-volume-can-the-middle-corridor-absorb-before-its-queues-grow-without-bound-and-which-link-binds-first)\n"
        "4. [How many storm days does it tolerate?](#4-how-many-storm-days-does-the-corridor-tolerate-before-its-95th-percentile-transit-doubles)\n\n"
    )
    text = header + "\n".join(sections)
    tmp = opts.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, opts.output)
    print(f"wrote {opts.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
