#!/usr/bin/env python3
"""Runs the SimPy CORRIDOR peer of simpy_models.py once and adds its CPU time.

Same command line and JSON line as `simpy_models.py corridor` (peer_spec.md §1b, the `--flag`
names of its parameter table), plus `cpu_s`: the thread CPU time
(`time.thread_time`, CLOCK_THREAD_CPUTIME_ID) over exactly the region that `wall_s` times
(starting the processes and `env.run(until=T)`). On a machine shared with other jobs the CPU
time is the steadier measure; examples/peer_corridor.rs reports the same for Corridor.

The model code is simpy_models.py's, unchanged; only `run_corridor` is repeated here with the
second clock around it.

Usage: simpy_corridor.py [--seed S] [--lam 2 --border-c 4 --term-c 6 ...]
"""
import argparse
import time

import simpy

from peer_common import add_corridor_args, emit
from simpy_models import Corridor, corridor_stats, kernel_events


def run_corridor(a):
    """simpy_models.run_corridor with a thread CPU clock beside the wall clock."""
    env = simpy.Environment()
    c = Corridor(env, a)
    c0 = time.thread_time()
    t0 = time.perf_counter()
    env.process(c.source())
    env.process(c.closure_source())
    env.run(until=a.horizon)
    wall = time.perf_counter() - t0
    cpu = time.thread_time() - c0
    stats = corridor_stats(c, a, wall, kernel_events(env), "simpy")
    stats["cpu_s"] = cpu
    return stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corridor_args(parser)
    emit(run_corridor(parser.parse_args()))


if __name__ == "__main__":
    main()
