#!/usr/bin/env python3
# Copied unchanged (apart from this header) from the project's shared peer material,
# shared/peers/simpy_models.py (not available to CI or users, hence this copy). The model it implements
# is specified in benches/peers/peer_spec.md (a copy of shared/peers/README.md).
"""SimPy 4 reference peers: HOLD and CORRIDOR models (spec in README.md).

Usage:
  python simpy_models.py hold --n 100 --t 20000 --seed 1
  python simpy_models.py corridor --seed 1 [--lam 10 --border-c 20 ...]

Event counting:
  kernel_events = events popped by the SimPy kernel (Environment.step) during
                  env.run(until=T), excluding the internal 'until' stop event.
                  Computed WITHOUT instrumentation overhead as
                  (#events ever scheduled, i.e. next(env._eid)) - (#still queued) - 1.
                  Includes Initialize, Timeout, Request/Release, Process-exit and
                  stale (never-cancelled) ferry load-timer events.
  model_events  = the implementation-independent "spec events" (README §Events):
                  HOLD: hold completions (= kernel_events - N Initialize events);
                  CORRIDOR: counted by plain integer counters inside the processes.
"""
import argparse
import random
import sys
import time
from collections import deque

import simpy

from peer_common import (HOURS_PER_YEAR, add_corridor_args, add_hold_args, emit,
                         lognorm_params, mean, quantile)


def kernel_events(env):
    return next(env._eid) - len(env._queue) - 1


# ----------------------------------------------------------------------------- HOLD
def run_hold(n, T, seed):
    env = simpy.Environment()
    rng = random.Random(seed)
    expo = rng.expovariate

    def entity(env):
        timeout = env.timeout
        while True:
            yield timeout(expo(1.0))

    t0 = time.perf_counter()
    for _ in range(n):
        env.process(entity(env))
    env.run(until=T)
    wall = time.perf_counter() - t0
    kev = kernel_events(env)
    mev = kev - n  # minus the N process-Initialize events
    return dict(model="hold", impl="simpy", n=n, t=T, seed=seed,
                kernel_events=kev, model_events=mev, wall_s=wall,
                kernel_ev_per_s=kev / wall, model_ev_per_s=mev / wall,
                events_per_entity_per_time=mev / (n * T))


# ------------------------------------------------------------------------- CORRIDOR
class Corridor:
    def __init__(self, env, a):
        self.env = env
        self.a = a
        rng = random.Random(a.seed)
        self.expo = rng.expovariate
        self.lnv = rng.lognormvariate
        self.b_mu, self.b_sig = lognorm_params(a.border_mean, a.border_cv)
        self.t_mu, self.t_sig = lognorm_params(a.term_mean, a.term_cv)
        self.s_mu, self.s_sig = lognorm_params(a.sail_mean, a.sail_cv)
        self.make_resources()
        self.K = a.ferry_k
        # ferry port state
        self.port_q = deque()          # (t_system_arrival, t_port_arrival)
        self.idle = deque(range(a.ferry_f))
        self.loading = None            # vessel id at the loading berth
        self.cargo = []
        self.timer_expired = False
        self.epoch = 0
        self.closed = 0
        # statistics / counters
        self.ev = 0                    # model (spec) events
        self.arrivals = 0
        self.wb_sum = 0.0; self.wb_n = 0
        self.wt_sum = 0.0; self.wt_n = 0
        self.wf_sum = 0.0; self.wf_n = 0
        self.departures = 0
        self.closures = 0
        self.e2e = []
        self.next_loader()             # vessel 0 takes the loading berth at t=0

    # --- framework hooks (overridden by the salabim peer) ---
    def make_resources(self):
        self.border = simpy.Resource(self.env, capacity=self.a.border_c)
        self.term = simpy.Resource(self.env, capacity=self.a.term_c)

    def now(self):
        return self.env.now

    def spawn_voyage(self, v, cargo):
        self.env.process(self.voyage(v, cargo))

    def start_timer(self):
        self.epoch += 1
        self.timer_expired = False
        ep = self.epoch
        t = self.env.timeout(self.a.ferry_w)
        t.callbacks.append(lambda _e, ep=ep: self.on_timer(ep))

    # --- arrivals + serial multi-server stations (idiomatic SimPy) ---
    def source(self):
        env = self.env; expo = self.expo; lam = self.a.lam; proc = env.process
        timeout = env.timeout; container = self.container
        while True:
            yield timeout(expo(lam))
            self.ev += 1
            self.arrivals += 1
            proc(container(env.now))

    def container(self, t0):
        env = self.env
        with self.border.request() as req:
            yield req
            self.wb_sum += env.now - t0; self.wb_n += 1
            yield env.timeout(self.lnv(self.b_mu, self.b_sig))
            self.ev += 1
        t1 = env.now
        with self.term.request() as req:
            yield req
            self.wt_sum += env.now - t1; self.wt_n += 1
            yield env.timeout(self.lnv(self.t_mu, self.t_sig))
            self.ev += 1
        self.port_arrive(t0, env.now)

    # --- ferry port (plain callbacks + voyage processes) ---
    def port_arrive(self, t0, tp):
        cargo = self.cargo
        if self.loading is not None and len(cargo) < self.K:
            cargo.append((t0, tp))
            if len(cargo) == 1:
                self.start_timer()
            if len(cargo) == self.K:
                self.try_depart()
        else:
            self.port_q.append((t0, tp))

    def on_timer(self, ep):
        if ep != self.epoch:      # stale: that vessel already departed
            return
        self.ev += 1
        self.timer_expired = True
        self.try_depart()

    def try_depart(self):
        if self.closed or self.loading is None:
            return
        cargo = self.cargo
        n = len(cargo)
        if n == 0 or (n < self.K and not self.timer_expired):
            return
        now = self.now()
        for (_t0, tp) in cargo:
            self.wf_sum += now - tp
        self.wf_n += n
        self.departures += 1
        v = self.loading
        self.epoch += 1
        self.loading = None
        self.cargo = []
        self.timer_expired = False
        self.spawn_voyage(v, cargo)
        self.next_loader()

    def next_loader(self):
        if self.loading is not None or not self.idle:
            return
        self.loading = self.idle.popleft()
        self.cargo = []
        q = self.port_q
        if q:
            take = min(self.K, len(q))
            self.cargo = [q.popleft() for _ in range(take)]
            self.start_timer()
            if take == self.K:
                self.try_depart()

    def voyage(self, v, cargo):
        env = self.env
        yield env.timeout(self.lnv(self.s_mu, self.s_sig))   # arrive destination
        self.ev += 1
        yield env.timeout(self.a.unload_h)                    # unloading done -> delivered
        self.ev += 1
        now = env.now
        e2e = self.e2e
        for (t0, _tp) in cargo:
            e2e.append(now - t0)
        yield env.timeout(self.lnv(self.s_mu, self.s_sig))   # back at origin, empty
        self.ev += 1
        self.idle.append(v)
        self.next_loader()

    # --- weather closures on the ferry port ---
    def closure_source(self):
        rate_h = self.a.closure_rate / HOURS_PER_YEAR
        if rate_h <= 0:
            return
        env = self.env
        while True:
            yield env.timeout(self.expo(rate_h))
            self.ev += 1
            self.closures += 1
            self.closed += 1
            env.process(self.closure_end(self.expo(1.0 / self.a.closure_mean)))

    def closure_end(self, d):
        yield self.env.timeout(d)
        self.ev += 1
        self.closed -= 1
        if self.closed == 0:
            self.try_depart()


def corridor_stats(c, a, wall, kev, impl):
    e = sorted(c.e2e)
    n = len(e)
    return dict(model="corridor", impl=impl, seed=a.seed, horizon=a.horizon, lam=a.lam,
                kernel_events=kev, model_events=c.ev, wall_s=wall,
                kernel_ev_per_s=(kev / wall) if kev is not None else None,
                model_ev_per_s=c.ev / wall,
                arrivals=c.arrivals, delivered=n,
                e2e_mean=mean(sum(e), n), e2e_p50=quantile(e, 0.5), e2e_p95=quantile(e, 0.95),
                wait_border=mean(c.wb_sum, c.wb_n), wait_terminal=mean(c.wt_sum, c.wt_n),
                wait_ferry=mean(c.wf_sum, c.wf_n),
                departures=c.departures, mean_load=mean(c.wf_n, c.departures),
                closures=c.closures)


def run_corridor(a):
    env = simpy.Environment()
    c = Corridor(env, a)
    t0 = time.perf_counter()
    env.process(c.source())
    env.process(c.closure_source())
    env.run(until=a.horizon)
    wall = time.perf_counter() - t0
    return corridor_stats(c, a, wall, kernel_events(env), "simpy")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="model", required=True)
    add_hold_args(sub.add_parser("hold"))
    add_corridor_args(sub.add_parser("corridor"))
    a = p.parse_args(argv)
    if a.model == "hold":
        emit(run_hold(a.n, a.t, a.seed))
    else:
        emit(run_corridor(a))


if __name__ == "__main__":
    main()
