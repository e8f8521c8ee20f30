#!/usr/bin/env python3
"""HOLD event-list benchmark in SimPy 4: the peer of `examples/hold.rs`.

Model: N entities. At t = 0 each entity schedules its first hold completion at Exp(1.0).
Processing a hold completion at time t schedules the entity's next one at t + Exp(1.0).
The run stops at horizon T: every event with time < T is processed, nothing at or after T
(SimPy's `run(until=T)` stops at an urgent event at T, ahead of any timeout at T).
Events = hold completions with t < T, counted with a plain integer counter.
One random stream per run, seeded by --seed. wall_s covers model construction + run only.

Usage: simpy_hold.py --entities N --horizon T --seed S
Prints one JSON line with the fields of the Rust example plus "impl": "simpy".
"""

import argparse
import json
import math
import random
import sys
import time

import simpy


def hold(entities, horizon, seed):
    """Builds and runs HOLD; returns (events, environment)."""
    rng = random.Random(seed)
    expovariate = rng.expovariate
    env = simpy.Environment()
    timeout = env.timeout
    count = [0]

    def entity():
        while True:
            yield timeout(expovariate(1.0))
            count[0] += 1

    for _ in range(entities):
        env.process(entity())
    if horizon > 0:
        # SimPy requires `until` to lie after the current time; a zero horizon processes nothing.
        env.run(until=horizon)
    return count[0], env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=10000)
    parser.add_argument("--horizon", type=float, default=200.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.entities < 0 or not math.isfinite(args.horizon) or args.horizon < 0:
        parser.error("--entities must be >= 0 and --horizon a finite number >= 0")

    started = time.perf_counter()
    events, env = hold(args.entities, args.horizon, args.seed)
    wall_s = time.perf_counter() - started

    # The event count of HOLD is Poisson(N*T): it must lie within six standard deviations of N*T.
    expected = args.entities * args.horizon
    tolerance = 6.0 * math.sqrt(expected) + 1.0
    if abs(events - expected) > tolerance:
        sys.exit(f"implausible HOLD run: {events} events for N*T = {expected} (+/- {tolerance:.0f})")
    if expected >= 10_000 and not 0.9 <= events / expected <= 1.1:
        sys.exit(f"events/(N*T) = {events / expected:.4f} is outside 0.9..1.1")
    if args.horizon > 0 and env.now != args.horizon:
        sys.exit(f"run stopped at {env.now}, not at the horizon {args.horizon}")

    print(json.dumps({
        "model": "hold",
        "impl": "simpy",
        "entities": args.entities,
        "horizon": args.horizon,
        "events": events,
        "wall_s": wall_s,
        "events_per_s": events / wall_s if wall_s > 0 else 0.0,
    }))


if __name__ == "__main__":
    main()
