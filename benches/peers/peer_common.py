# Copied unchanged (apart from this header) from the project's shared peer material,
# shared/peers/peer_common.py (not available to CI or users, hence this copy). The model it implements
# is specified in benches/peers/peer_spec.md (a copy of shared/peers/README.md).
"""Shared parameters / statistics helpers for the Python peer models (SimPy, salabim).

All times are in HOURS.  See README.md for the exact model specification.
"""
import argparse
import json
import math

HOURS_PER_YEAR = 8760.0

CORRIDOR_DEFAULTS = dict(
    lam=10.0,            # container arrivals per hour (Poisson)
    border_c=17,         # border crossing servers
    border_mean=1.5,     # border service mean [h] (lognormal)
    border_cv=0.5,
    term_c=22,           # rail terminal servers
    term_mean=2.0,       # terminal service mean [h] (lognormal)
    term_cv=0.6,
    ferry_f=6,           # vessels
    ferry_k=100,         # vessel capacity [containers]
    ferry_w=48.0,        # max wait after first container boards [h]
    sail_mean=20.0,      # one-way sailing time mean [h] (lognormal)
    sail_cv=0.3,
    unload_h=4.0,        # deterministic unloading time at destination [h]
    closure_rate=12.0,   # weather closures per YEAR (Poisson)
    closure_mean=36.0,   # closure duration mean [h] (exponential)
    horizon=HOURS_PER_YEAR,
    seed=1,
)


def add_corridor_args(p):
    for k, v in CORRIDOR_DEFAULTS.items():
        p.add_argument("--" + k.replace("_", "-"), dest=k, type=type(v), default=v)


def add_hold_args(p):
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--t", type=float, default=20000.0)
    p.add_argument("--seed", type=int, default=1)


def lognorm_params(mean, cv):
    """(mu, sigma) of the underlying normal so that E[X]=mean, sd(X)/E[X]=cv."""
    s2 = math.log(1.0 + cv * cv)
    return math.log(mean) - 0.5 * s2, math.sqrt(s2)


def quantile(xs_sorted, p):
    """Linear interpolation between closest ranks (numpy 'linear' / R type 7)."""
    n = len(xs_sorted)
    if n == 0:
        return float("nan")
    h = (n - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, n - 1)
    return xs_sorted[lo] + (h - lo) * (xs_sorted[hi] - xs_sorted[lo])


def mean(s, n):
    return s / n if n else float("nan")


def emit(d):
    print(json.dumps(d), flush=True)
