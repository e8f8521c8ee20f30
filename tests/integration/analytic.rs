//! Exact values for the fleet and disruption tests, each derived here and checked on its own
//! (limiting cases, identities the solution must satisfy, and an independent Monte Carlo written
//! directly against the model's rules with a plain generator).
//!
//! - [`bulk_service`]: one vessel of capacity `K` that leaves when full and makes a deterministic
//!   round trip, fed by Poisson containers: the exact mean wait from arrival to departure.
//! - [`mm1_with_storms`]: an M/M/1 server closed by overlapping storms that strike at any time,
//!   with non-preemptive closures: the exact mean sojourn.
//! - [`mm1_with_breakdowns`]: an M/M/1 server that fails (exponential up times, on a clock that
//!   runs always or only while serving) and is repaired (exponential), with preemptive resume: the
//!   exact mean number in system, queue, sojourn and availability, in closed form, and
//!   [`mm1_with_breakdowns_chain`], the same from the numerically solved Markov chain.
//! - [`union_length`] and [`in_union`]: the measure of a set of (possibly overlapping) time
//!   windows, for closure schedules.
//!
//! The numerical methods are plain dense linear algebra on small matrices, so the exact values
//! cost microseconds and need no external crate.

// ---------------------------------------------------------------------------- linear algebra

// Dense elimination reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

type Matrix = Vec<Vec<f64>>;

fn zeros(rows: usize, cols: usize) -> Matrix {
    vec![vec![0.0; cols]; rows]
}

fn mat_mul(a: &Matrix, b: &Matrix) -> Matrix {
    let (n, m) = (a.len(), b[0].len());
    let mut out = zeros(n, m);
    for (i, row) in a.iter().enumerate() {
        for (k, &aik) in row.iter().enumerate() {
            if aik == 0.0 {
                continue;
            }
            for (j, &bkj) in b[k].iter().enumerate() {
                out[i][j] += aik * bkj;
            }
        }
    }
    out
}

/// Inverse by Gauss-Jordan elimination with partial pivoting.
fn inverse(a: &Matrix) -> Matrix {
    let n = a.len();
    let mut left = a.clone();
    let mut right = zeros(n, n);
    for (i, row) in right.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&x, &y| left[x][col].abs().total_cmp(&left[y][col].abs()))
            .expect("non-empty");
        assert!(left[pivot][col].abs() > 1e-300, "singular matrix");
        left.swap(col, pivot);
        right.swap(col, pivot);
        let scale = 1.0 / left[col][col];
        for j in 0..n {
            left[col][j] *= scale;
            right[col][j] *= scale;
        }
        for row in 0..n {
            if row != col && left[row][col] != 0.0 {
                let factor = left[row][col];
                for j in 0..n {
                    left[row][j] -= factor * left[col][j];
                    right[row][j] -= factor * right[col][j];
                }
            }
        }
    }
    right
}

/// The row vector `x` with `x B = 0` and `sum(x) = 1`, for a matrix `B` whose left null space is
/// one-dimensional (a generator, or `P - I` for a stochastic `P`, of an irreducible chain).
fn left_null_vector(b: &Matrix) -> Vec<f64> {
    let n = b.len();
    // Solve B^T x^T = 0 with the last equation replaced by sum(x) = 1.
    let mut system = zeros(n, n + 1);
    for i in 0..n {
        for j in 0..n {
            system[i][j] = b[j][i];
        }
    }
    for j in 0..n {
        system[n - 1][j] = 1.0;
    }
    system[n - 1][n] = 1.0;
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&x, &y| system[x][col].abs().total_cmp(&system[y][col].abs()))
            .expect("non-empty");
        assert!(system[pivot][col].abs() > 1e-300, "singular system");
        system.swap(col, pivot);
        for row in col + 1..n {
            let factor = system[row][col] / system[col][col];
            if factor != 0.0 {
                for j in col..=n {
                    system[row][j] -= factor * system[col][j];
                }
            }
        }
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let tail: f64 = (i + 1..n).map(|j| system[i][j] * x[j]).sum();
        x[i] = (system[i][n] - tail) / system[i][i];
    }
    x
}

/// Poisson probabilities `P(A = j)` for `j = 0..`, up to where the remaining tail is below 1e-17.
fn poisson_pmf(mean: f64) -> Vec<f64> {
    assert!(
        (0.0..500.0).contains(&mean),
        "mean {mean} out of range for the recursion"
    );
    let mut pmf = vec![(-mean).exp()];
    let mut cumulative = pmf[0];
    let mut j = 0.0;
    while 1.0 - cumulative > 1e-17 && pmf.len() < 10_000 {
        j += 1.0;
        let next = pmf[pmf.len() - 1] * mean / j;
        pmf.push(next);
        cumulative += next;
        if j > mean && next < 1e-30 {
            break;
        }
    }
    pmf
}

// ---------------------------------------------------------------------------- a plain generator

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): a tiny generator for the Monte Carlo cross-checks, independent of the engine's.
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform on (0, 1].
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) * (1.0 / (1u64 << 53) as f64)
    }

    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.uniform().ln()
    }
}

/// Mean and standard error of a sequence of observations by the method of batch means
/// (`batches` consecutive batches of equal size; a trailing remainder is dropped).
fn batch_means(values: &[f64], batches: usize) -> (f64, f64) {
    let size = values.len() / batches;
    let means: Vec<f64> = values
        .chunks_exact(size)
        .take(batches)
        .map(|chunk| chunk.iter().sum::<f64>() / size as f64)
        .collect();
    let mean = means.iter().sum::<f64>() / batches as f64;
    let var = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (batches - 1) as f64;
    (mean, (var / batches as f64).sqrt())
}

// ---------------------------------------------------------------------------- bulk service

/// The exact solution of the bulk-service ("ferry") model.
#[derive(Clone, Debug)]
pub struct BulkService {
    /// Long-run mean wait of a container from its arrival to its vessel's departure, hours.
    pub mean_wait_h: f64,
    /// Mean time between departures, hours (must be `K / lambda`).
    pub mean_cycle_h: f64,
    /// Stationary distribution of the containers left behind at a departure.
    pub left_behind: Vec<f64>,
}

/// Bulk service with one vessel: containers arrive as a Poisson process of rate `lambda` per
/// hour; one vessel of capacity `k` waits at the port and departs the moment `k` containers are
/// aboard (boarding is instantaneous; if `k` or more are waiting when it comes back it leaves at
/// once with `k`); a trip out and back takes exactly `round_trip_h` hours. The vessel is at the
/// port at time 0. Requires `lambda * round_trip_h < k` (stability).
///
/// # Derivation
/// Embedded Markov chain at departure epochs (Bailey, "On queueing processes with bulk service",
/// JRSS B 16, 1954; Kleinrock, *Queueing Systems* vol. 1, §4.6 treats the same chain through the
/// roots of `z^K = exp(lambda R (z - 1))`). Let `X` be the containers left waiting when the
/// vessel sails and `A ~ Poisson(lambda R)` the arrivals during its round trip. When it returns
/// `M = X + A` are waiting; if `M >= K` it leaves at once, otherwise it waits for `K - M` more, so
/// `X' = max(X + A - K, 0)`. The chain is solved numerically, truncated at a state whose
/// stationary mass is below 1e-14 (the excess is lumped into the last state).
///
/// A departure cycle starting from `X = x` has
/// - length `R + E[(K - x - A)^+] / lambda` (each missing container takes an `Exp(lambda)` gap);
/// - integral of the number of containers "waiting" (arrived, not yet departed; containers
///   already aboard the vessel at the berth count) equal in expectation to
///   `x R + lambda R^2 / 2` during the round trip plus `E[sum_{i=M}^{K-1} i] / lambda` while
///   filling (the count stays at `i` for one `Exp(lambda)` gap).
///
/// By renewal-reward over the Markov-regenerative cycles the time-average number waiting is
/// `L = E_pi[integral] / E_pi[cycle]`, and by Little's law the mean wait is `W = L / lambda`.
/// As a consistency check `E_pi[cycle] = K / lambda` (every departure carries exactly `K`).
pub fn bulk_service(lambda: f64, k: u32, round_trip_h: f64) -> BulkService {
    assert!(lambda > 0.0 && k >= 1 && round_trip_h >= 0.0);
    assert!(lambda * round_trip_h < f64::from(k), "unstable");
    let k = k as usize;
    let pmf = poisson_pmf(lambda * round_trip_h);
    let mut states = 64;
    let pi = loop {
        let mut p_minus_i = zeros(states, states);
        for (x, row) in p_minus_i.iter_mut().enumerate() {
            for (a, &p) in pmf.iter().enumerate() {
                let to = (x + a).saturating_sub(k).min(states - 1);
                row[to] += p;
            }
            row[x] -= 1.0;
        }
        let pi = left_null_vector(&p_minus_i);
        if pi[states - 1] < 1e-14 || states >= 4096 {
            break pi;
        }
        states *= 2;
    };
    let sum_from = |m: usize| -> f64 {
        // sum_{i=m}^{K-1} i
        if m >= k {
            0.0
        } else {
            ((k * (k - 1)) as f64 - (m * m.saturating_sub(1)) as f64) / 2.0
        }
    };
    let mut cycle = 0.0;
    let mut integral = 0.0;
    for (x, &px) in pi.iter().enumerate() {
        let mut short = 0.0;
        let mut filling = 0.0;
        for (a, &pa) in pmf.iter().enumerate() {
            short += pa * k.saturating_sub(x + a) as f64;
            filling += pa * sum_from(x + a);
        }
        cycle += px * (round_trip_h + short / lambda);
        integral += px
            * (x as f64 * round_trip_h
                + lambda * round_trip_h * round_trip_h / 2.0
                + filling / lambda);
    }
    BulkService {
        mean_wait_h: integral / (lambda * cycle),
        mean_cycle_h: cycle,
        left_behind: pi,
    }
}

/// The bulk-service model simulated directly: batch `j` is containers `jK .. jK + K - 1`, and it
/// departs at `D_j = max(D_{j-1} + R, arrival of its last container)`. Returns the mean wait and
/// its standard error (batch means) over `batches_of_k` departures after `warmup` departures.
pub fn bulk_service_monte_carlo(
    lambda: f64,
    k: u32,
    round_trip_h: f64,
    departures: usize,
    seed: u64,
) -> (f64, f64) {
    let mut rng = SplitMix::new(seed);
    let mut t = 0.0;
    let mut vessel_free_at = 0.0;
    let mut arrivals = vec![0.0; k as usize];
    let warmup = departures / 20;
    let mut waits = Vec::with_capacity(departures);
    for departure in 0..warmup + departures {
        for a in arrivals.iter_mut() {
            t += rng.exponential(1.0 / lambda);
            *a = t;
        }
        let depart_at = f64::max(vessel_free_at, t);
        vessel_free_at = depart_at + round_trip_h;
        if departure >= warmup {
            let total: f64 = arrivals.iter().map(|a| depart_at - a).sum();
            waits.push(total / f64::from(k));
        }
    }
    batch_means(&waits, 50)
}

/// One vessel that never fills (capacity far above any load) and leaves `max_wait_h` hours after
/// its first container boards, with a deterministic round trip of `round_trip_h`; Poisson
/// containers at `lambda` per hour. Returns (mean wait from arrival to departure, mean load).
///
/// # Derivation
/// Each departure clears the port, so departures are regeneration points and cycles are
/// i.i.d. (renewal-reward). During the round trip `N ~ Poisson(lambda R)` containers arrive, each
/// at a uniform time, so each waits `R/2` on average for the vessel and then `W` for the timer
/// (which starts when the vessel returns and the first of them boards). If `N = 0` (probability
/// `exp(-lambda R)`) the timer starts at the next arrival, which waits `W`. Either way a window
/// of `W` follows the first boarding, in which `Poisson(lambda W)` more arrive, waiting `W/2` on
/// average. Hence, per cycle,
/// `E[total wait] = lambda R (R/2 + W) + lambda W^2 / 2 + exp(-lambda R) W` and
/// `E[load] = lambda R + lambda W + exp(-lambda R)`; the mean wait is their ratio.
pub fn timer_service(lambda: f64, round_trip_h: f64, max_wait_h: f64) -> (f64, f64) {
    let (r, w) = (round_trip_h, max_wait_h);
    let empty = (-lambda * r).exp();
    let total = lambda * r * (r / 2.0 + w) + lambda * w * w / 2.0 + empty * w;
    let load = lambda * r + lambda * w + empty;
    (total / load, load)
}

/// The timer model simulated directly; returns the mean wait and its standard error.
pub fn timer_service_monte_carlo(
    lambda: f64,
    round_trip_h: f64,
    max_wait_h: f64,
    departures: usize,
    seed: u64,
) -> (f64, f64) {
    let mut rng = SplitMix::new(seed);
    let mut next_arrival = rng.exponential(1.0 / lambda);
    let mut back_at = 0.0;
    let mut per_departure = Vec::with_capacity(departures);
    for _ in 0..departures {
        let first = f64::max(next_arrival, back_at);
        let depart_at = first + max_wait_h;
        let mut total = 0.0;
        let mut count = 0.0;
        while next_arrival <= depart_at {
            total += depart_at - next_arrival;
            count += 1.0;
            next_arrival += rng.exponential(1.0 / lambda);
        }
        per_departure.push((total, count));
        back_at = depart_at + round_trip_h;
    }
    // Ratio estimator over batches of departures.
    let batches = 50;
    let size = departures / batches;
    let ratios: Vec<f64> = per_departure
        .chunks_exact(size)
        .map(|chunk| {
            let (t, c) = chunk
                .iter()
                .fold((0.0, 0.0), |(t, c), (dt, dc)| (t + dt, c + dc));
            t / c
        })
        .collect();
    let mean = ratios.iter().sum::<f64>() / batches as f64;
    let var = ratios.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (batches - 1) as f64;
    (mean, (var / batches as f64).sqrt())
}

// ---------------------------------------------------------------------------- M/M/1 with storms

/// The exact solution of the M/M/1 queue with storm closures.
#[derive(Clone, Debug)]
pub struct StormQueue {
    /// Mean number in the system (waiting or in service).
    pub mean_in_system: f64,
    /// Mean sojourn (arrival to service completion), hours: Little's law on the accepted rate.
    pub mean_sojourn_h: f64,
    /// Probability that the server is busy (must be `lambda / mu`).
    pub p_busy: f64,
    /// Probability that at least one storm is active (must be `1 - exp(-f d)`).
    pub p_closed: f64,
    /// Distribution of the number of active storms (must be Poisson with mean `f d`).
    pub storms: Vec<f64>,
    /// Stationary probability of the truncation level of the queue (must be negligible).
    pub truncated_mass: f64,
}

/// M/M/1 with storm closures: Poisson arrivals at `lambda` per hour, exponential service at rate
/// `mu`, one FIFO server. Storms start as a Poisson process at `storm_rate` per hour whatever the
/// server is doing and may overlap; each lasts an exponential time of mean `storm_mean_h`. The
/// server is closed while at least one storm is active.
///
/// **Breakdown rule** (the one the engine implements, see SPEC of issue 3 and
/// docs/scenario.md): storms strike at ANY time, not only while the server is busy; a service in
/// progress when a storm starts is NOT interrupted (non-preemptive); no new service starts while
/// closed, and the head of the queue starts the moment the last storm ends.
///
/// # Derivation
/// A continuous-time Markov chain on `(n, k, b)`: `n` in the system, `k` storms active (an
/// M/M/infinity count, so its marginal is Poisson with mean `storm_rate * storm_mean_h`), and
/// `b` = server busy. With `k = 0` the server is busy iff `n >= 1`; with `k >= 1`, `b` is free
/// (a service may still be finishing), and `b = 0` when `n = 0`. Transitions:
/// arrival `lambda` (starts service at once if `n = 0, k = 0`); completion `mu` if `b = 1` (the
/// next service starts only if `k = 0`); storm start `storm_rate`; storm end `k / storm_mean_h`
/// (the last one starts a waiting service). The chain is a level-dependent quasi-birth-death
/// process in `n`; truncated at `n <= N` (arrivals lost at `N`) and `k <= K` (starts ignored at
/// `K`), with `N` and `K` chosen so that the truncated mass is below 1e-14, and solved exactly by
/// linear level reduction (block Gaussian elimination; Gaver, Jacobs and Latouche, "Finite
/// birth-and-death models in randomly changing environments", Adv. Appl. Prob. 16, 1984):
/// `R_N = U_{N-1} (-L_N)^{-1}`, `R_n = U_{n-1} (-(L_n + R_{n+1} D_{n+1}))^{-1}`,
/// `pi_0 (L_0 + R_1 D_1) = 0`, `pi_n = pi_{n-1} R_n`. The mean sojourn follows from Little's law.
///
/// (The classical closed forms for M/G/1 with breakdowns, e.g. Avi-Itzhak and Naor, Oper. Res.
/// 11, 1963, assume preemptive interruptions or breakdowns only while busy, and a single storm
/// at a time; neither matches this rule, hence the chain.)
pub fn mm1_with_storms(lambda: f64, mu: f64, storm_rate: f64, storm_mean_h: f64) -> StormQueue {
    assert!(lambda > 0.0 && mu > 0.0 && storm_rate >= 0.0 && storm_mean_h > 0.0);
    let storm_load = storm_rate * storm_mean_h;
    // Smallest K with P(Poisson(storm_load) > K) < 1e-15.
    let storm_pmf = poisson_pmf(storm_load);
    let mut max_storms = 1;
    while 1.0 - storm_pmf.iter().take(max_storms + 1).sum::<f64>() > 1e-15 {
        max_storms += 1;
    }
    let mut levels = 256;
    loop {
        let solution = solve_storm_chain(lambda, mu, storm_rate, storm_mean_h, max_storms, levels);
        if solution.truncated_mass < 1e-14 || levels >= 1 << 15 {
            return solution;
        }
        levels *= 2;
    }
}

/// Phase index of `(k, b)` within level `n` (see [`mm1_with_storms`]).
fn storm_phase(n: usize, k: usize, busy: bool) -> usize {
    if n == 0 {
        assert!(!busy);
        k
    } else if k == 0 {
        assert!(busy);
        0
    } else {
        2 * k - 1 + usize::from(busy)
    }
}

fn storm_phases(n: usize, max_storms: usize) -> Vec<(usize, bool)> {
    if n == 0 {
        (0..=max_storms).map(|k| (k, false)).collect()
    } else {
        let mut phases = vec![(0, true)];
        for k in 1..=max_storms {
            phases.push((k, false));
            phases.push((k, true));
        }
        phases
    }
}

fn solve_storm_chain(
    lambda: f64,
    mu: f64,
    storm_rate: f64,
    storm_mean_h: f64,
    max_storms: usize,
    max_n: usize,
) -> StormQueue {
    let dim = |n: usize| storm_phases(n, max_storms).len();
    // Blocks: up[n] (n -> n+1), local[n] (within n, diagonal included), down[n] (n -> n-1).
    let mut up: Vec<Matrix> = Vec::with_capacity(max_n + 1);
    let mut local: Vec<Matrix> = Vec::with_capacity(max_n + 1);
    let mut down: Vec<Matrix> = Vec::with_capacity(max_n + 1);
    for n in 0..=max_n {
        let mut u = zeros(dim(n), if n < max_n { dim(n + 1) } else { 0 });
        let mut l = zeros(dim(n), dim(n));
        let mut d = zeros(dim(n), if n > 0 { dim(n - 1) } else { 0 });
        for (k, busy) in storm_phases(n, max_storms) {
            let from = storm_phase(n, k, busy);
            let mut out = 0.0;
            if n < max_n {
                let busy_after = busy || k == 0;
                u[from][storm_phase(n + 1, k, busy_after)] += lambda;
                out += lambda;
            }
            if busy {
                let busy_after = k == 0 && n >= 2;
                d[from][storm_phase(n - 1, k, busy_after)] += mu;
                out += mu;
            }
            if k < max_storms {
                l[from][storm_phase(n, k + 1, busy)] += storm_rate;
                out += storm_rate;
            }
            if k >= 1 {
                let rate = k as f64 / storm_mean_h;
                let busy_after = busy || (k == 1 && n >= 1);
                l[from][storm_phase(n, k - 1, busy_after)] += rate;
                out += rate;
            }
            l[from][from] -= out;
        }
        up.push(u);
        local.push(l);
        down.push(d);
    }
    // Linear level reduction, top down.
    let negate = |m: &Matrix| -> Matrix {
        m.iter()
            .map(|row| row.iter().map(|v| -v).collect())
            .collect()
    };
    let add = |a: &Matrix, b: &Matrix| -> Matrix {
        a.iter()
            .zip(b)
            .map(|(ra, rb)| ra.iter().zip(rb).map(|(x, y)| x + y).collect())
            .collect()
    };
    let mut r: Vec<Matrix> = vec![Vec::new(); max_n + 1];
    r[max_n] = mat_mul(&up[max_n - 1], &inverse(&negate(&local[max_n])));
    for n in (1..max_n).rev() {
        let censored = add(&local[n], &mat_mul(&r[n + 1], &down[n + 1]));
        r[n] = mat_mul(&up[n - 1], &inverse(&negate(&censored)));
    }
    let base = add(&local[0], &mat_mul(&r[1], &down[1]));
    let mut pi: Vec<Vec<f64>> = vec![left_null_vector(&base)];
    for rn in r.iter().skip(1) {
        let previous = &pi[pi.len() - 1];
        let next: Vec<f64> = (0..rn[0].len())
            .map(|j| previous.iter().zip(rn).map(|(p, row)| p * row[j]).sum())
            .collect();
        pi.push(next);
    }
    let total: f64 = pi.iter().flatten().sum();
    for level in &mut pi {
        for p in level.iter_mut() {
            *p /= total;
        }
    }
    let mut mean_in_system = 0.0;
    let mut p_busy = 0.0;
    let mut storms = vec![0.0; max_storms + 1];
    for (n, level) in pi.iter().enumerate() {
        for (k, busy) in storm_phases(n, max_storms) {
            let p = level[storm_phase(n, k, busy)];
            mean_in_system += n as f64 * p;
            storms[k] += p;
            if busy {
                p_busy += p;
            }
        }
    }
    let truncated_mass: f64 = pi[max_n].iter().sum();
    let accepted = lambda * (1.0 - truncated_mass);
    StormQueue {
        mean_in_system,
        mean_sojourn_h: mean_in_system / accepted,
        p_busy,
        p_closed: 1.0 - storms[0],
        storms,
        truncated_mass,
    }
}

/// The storm model simulated directly from its rules (events: arrival, storm start, storm end,
/// service end). Returns the mean sojourn and its standard error (batch means) over `customers`
/// customers after a warm-up of `customers / 20`.
pub fn mm1_with_storms_monte_carlo(
    lambda: f64,
    mu: f64,
    storm_rate: f64,
    storm_mean_h: f64,
    customers: usize,
    seed: u64,
) -> (f64, f64) {
    use std::collections::VecDeque;
    let mut rng = SplitMix::new(seed);
    let warmup = customers / 20;
    let mut sojourns = Vec::with_capacity(customers);
    let mut served = 0usize;
    let mut queue: VecDeque<f64> = VecDeque::new();
    let mut in_service: Option<(f64, f64)> = None; // (arrival, completion)
    let mut storm_ends: Vec<f64> = Vec::new();
    let mut next_arrival = rng.exponential(1.0 / lambda);
    let mut next_storm = if storm_rate > 0.0 {
        rng.exponential(1.0 / storm_rate)
    } else {
        f64::INFINITY
    };
    while sojourns.len() < customers {
        let service_end = in_service.map_or(f64::INFINITY, |(_, end)| end);
        let (storm_end_index, storm_end) = storm_ends
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((usize::MAX, f64::INFINITY));
        let now = next_arrival.min(next_storm).min(service_end).min(storm_end);
        if now == service_end {
            let (arrived, _) = in_service.take().expect("in service");
            served += 1;
            if served > warmup {
                sojourns.push(now - arrived);
            }
        } else if now == next_arrival {
            queue.push_back(now);
            next_arrival = now + rng.exponential(1.0 / lambda);
        } else if now == next_storm {
            storm_ends.push(now + rng.exponential(storm_mean_h));
            next_storm = now + rng.exponential(1.0 / storm_rate);
        } else {
            storm_ends.swap_remove(storm_end_index);
        }
        if in_service.is_none()
            && storm_ends.is_empty()
            && let Some(arrived) = queue.pop_front()
        {
            in_service = Some((arrived, now + rng.exponential(1.0 / mu)));
        }
    }
    batch_means(&sojourns, 50)
}

// ---------------------------------------------------------------------------- time windows

// ---------------------------------------------------------------------------- breakdowns

/// Exact long-run measures of a node with breakdowns.
#[derive(Clone, Copy, Debug)]
pub struct BreakdownQueue {
    /// Mean number at the node (queued, in service or with service interrupted).
    pub in_node: f64,
    /// Mean number queued (not holding the server; an interrupted job holds it).
    pub queue: f64,
    /// Mean sojourn, hours (`in_node / lambda`, Little's law).
    pub sojourn_h: f64,
    /// Share of time the server is up.
    pub availability: f64,
}

/// M/M/1 (arrivals `lambda`, service rate `mu` per hour) whose server fails after an
/// exponential up time of rate `xi` and is repaired in an exponential time of rate `eta`, with
/// preemptive resume; the failure clock runs always (`busy_clock = false`) or only while the
/// server serves (`busy_clock = true`).
///
/// # Derivation
/// The *completion time* `C` of a job (from its service start to its end, interruptions
/// included) is the same for both clocks: during the service `S ~ Exp(mu)` failures come as a
/// Poisson process of rate `xi` (the up time is memoryless), each adding a repair `R ~ Exp(eta)`,
/// so `E[C] = E[S] (1 + xi/eta)` and `E[C^2] = E[S^2] (1 + xi/eta)^2 + E[S] xi E[R^2]`. Every
/// job holds the server for one `C`, so `P(holding a job) = lambda E[C]` and the mean queue is
/// `L - lambda E[C]`.
///
/// - Busy clock: the server never fails while idle, so it is an M/G/1 queue with service `C`:
///   `L = rho + lambda^2 E[C^2] / (2 (1 - rho))`, `rho = lambda E[C]` (Pollaczek-Khinchine);
///   it is down `lambda E[S] xi / eta` of the time.
/// - Always clock: the chain of (jobs `n`, server up or down) has generating functions `P(z)`
///   (up) and `Q(z)` (down). The balance equations of the down states give
///   `Q(z) = xi P(z) / (lambda (1 - z) + eta)`, and those of the up states then
///   `P(z) = mu P_0 / D(z)` with `D(z) = mu - lambda z - xi lambda z / (lambda (1 - z) + eta)`.
///   `P(1) = eta / (xi + eta)` fixes `P_0`; `L = P'(1) + Q'(1)` with
///   `P'(1) = P(1) (-D'(1)) / D(1)`, `D(1) = mu - lambda - lambda xi / eta`,
///   `-D'(1) = lambda + xi lambda (lambda + eta) / eta^2`, and
///   `Q'(1) = (xi / eta) P'(1) + xi lambda P(1) / eta^2`. Availability is `eta / (xi + eta)`.
pub fn mm1_with_breakdowns(
    lambda: f64,
    mu: f64,
    xi: f64,
    eta: f64,
    busy_clock: bool,
) -> BreakdownQueue {
    let c1 = (1.0 + xi / eta) / mu;
    let c2 = 2.0 / (mu * mu) * (1.0 + xi / eta).powi(2) + xi * 2.0 / (eta * eta) / mu;
    let rho = lambda * c1;
    assert!(rho < 1.0, "unstable");
    let (in_node, availability) = if busy_clock {
        (
            rho + lambda * lambda * c2 / (2.0 * (1.0 - rho)),
            1.0 - lambda / mu * xi / eta,
        )
    } else {
        let p1 = eta / (xi + eta);
        let d1 = mu - lambda - lambda * xi / eta;
        let minus_d_prime = lambda + xi * lambda * (lambda + eta) / (eta * eta);
        let p_prime = p1 * minus_d_prime / d1;
        let q_prime = xi / eta * p_prime + xi * lambda * p1 / (eta * eta);
        (p_prime + q_prime, p1)
    };
    BreakdownQueue {
        in_node,
        queue: in_node - rho,
        sojourn_h: in_node / lambda,
        availability,
    }
}

/// [`mm1_with_breakdowns`] computed independently: the continuous-time Markov chain of (jobs
/// `n`, server phase) with phases *up*, *down holding an interrupted job* and *down idle* (the
/// last only for the always-running clock), arrivals refused above `levels - 1` jobs, solved as
/// a dense linear system. Returns the measures and the stationary mass of the top level.
pub fn mm1_with_breakdowns_chain(
    lambda: f64,
    mu: f64,
    xi: f64,
    eta: f64,
    busy_clock: bool,
    levels: usize,
) -> (BreakdownQueue, f64) {
    // Phase 0: up; 1: down with an interrupted job (n >= 1); 2: down and idle when it failed.
    let index = |n: usize, phase: usize| 3 * n + phase;
    let size = 3 * levels;
    let mut generator = zeros(size, size);
    let mut add = |from: usize, to: usize, rate: f64| {
        generator[from][to] += rate;
        generator[from][from] -= rate;
    };
    for n in 0..levels {
        for phase in 0..3 {
            if n + 1 < levels {
                add(index(n, phase), index(n + 1, phase), lambda);
            }
        }
        if n >= 1 {
            add(index(n, 0), index(n - 1, 0), mu);
            add(index(n, 0), index(n, 1), xi);
        } else if !busy_clock {
            add(index(0, 0), index(0, 2), xi);
        }
        add(index(n, 1), index(n, 0), eta);
        add(index(n, 2), index(n, 0), eta);
    }
    // States that are never visited (down with a job at n = 0; down idle under the busy clock)
    // get a self-loop to the up state so that the chain stays irreducible on the rest; their mass
    // is zero.
    for n in 0..levels {
        for phase in [1, 2] {
            let i = index(n, phase);
            if (phase == 1 && n == 0) || (phase == 2 && busy_clock) {
                for row in generator.iter_mut() {
                    row[i] = 0.0;
                }
                generator[i] = vec![0.0; size];
                generator[i][index(0, 0)] = 1.0;
                generator[i][i] = -1.0;
            }
        }
    }
    let pi = left_null_vector(&generator);
    let mut in_node = 0.0;
    let mut queue = 0.0;
    let mut availability = 0.0;
    for n in 0..levels {
        let (up, down_job, down_idle) = (pi[index(n, 0)], pi[index(n, 1)], pi[index(n, 2)]);
        in_node += n as f64 * (up + down_job + down_idle);
        queue += n.saturating_sub(1) as f64 * (up + down_job) + n as f64 * down_idle;
        availability += up;
    }
    let top = (0..3).map(|p| pi[index(levels - 1, p)]).sum();
    (
        BreakdownQueue {
            in_node,
            queue,
            sojourn_h: in_node / lambda,
            availability,
        },
        top,
    )
}

/// Total length of the union of half-open windows `[start, end)`, clipped to `[from, to)`.
/// Overlapping windows count once.
pub fn union_length(windows: &[(f64, f64)], from: f64, to: f64) -> f64 {
    let mut clipped: Vec<(f64, f64)> = windows
        .iter()
        .map(|&(s, e)| (s.max(from), e.min(to)))
        .filter(|(s, e)| s < e)
        .collect();
    clipped.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut total = 0.0;
    let mut current: Option<(f64, f64)> = None;
    for (s, e) in clipped {
        match current {
            Some((cs, ce)) if s <= ce => current = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                current = Some((s, e));
            }
            None => current = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = current {
        total += ce - cs;
    }
    total
}

/// Whether time `t` lies in at least one window `[start, end)`.
pub fn in_union(windows: &[(f64, f64)], t: f64) -> bool {
    windows.iter().any(|&(s, e)| s <= t && t < e)
}

// ---------------------------------------------------------------------------- checks

/// The values: lambda = 1/h, K = 10, R = 8 h.
pub const BULK_LAMBDA: f64 = 1.0;
pub const BULK_K: u32 = 10;
pub const BULK_ROUND_TRIP_H: f64 = 8.0;

/// The storm test's values: lambda = 0.5/h, mu = 1/h, a storm every 100 h on average lasting
/// 10 h on average.
pub const STORM_LAMBDA: f64 = 0.5;
pub const STORM_MU: f64 = 1.0;
pub const STORM_RATE: f64 = 0.01;
pub const STORM_MEAN_H: f64 = 10.0;

#[test]
fn bulk_service_with_one_seat_is_md1() {
    // K = 1: the vessel is a server with deterministic service R, and a container's wait until
    // departure is the M/D/1 queue wait, lambda R^2 / (2 (1 - lambda R)) (Pollaczek-Khinchine).
    for (lambda, r) in [(0.5, 1.0), (0.1, 7.0), (0.9, 1.0)] {
        let exact = lambda * r * r / (2.0 * (1.0 - lambda * r));
        let solved = bulk_service(lambda, 1, r).mean_wait_h;
        assert!(
            (solved - exact).abs() < 1e-9 * exact.max(1.0),
            "{solved} vs {exact}"
        );
    }
}

#[test]
fn bulk_service_with_instant_return_waits_for_the_batch_only() {
    // R = 0: the i-th container of a batch (i = 1..K) waits (K - i) gaps: mean (K - 1) / (2 lambda).
    for (lambda, k) in [(1.0, 10), (0.25, 3), (2.0, 1)] {
        let solved = bulk_service(lambda, k, 0.0).mean_wait_h;
        let exact = f64::from(k - 1) / (2.0 * lambda);
        assert!((solved - exact).abs() < 1e-12, "{solved} vs {exact}");
    }
}

#[test]
fn bulk_service_cycle_and_distribution_are_consistent() {
    let solved = bulk_service(BULK_LAMBDA, BULK_K, BULK_ROUND_TRIP_H);
    // Every departure carries K, so departures are K / lambda apart on average.
    assert!((solved.mean_cycle_h - f64::from(BULK_K) / BULK_LAMBDA).abs() < 1e-9);
    assert!((solved.left_behind.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(solved.left_behind.iter().all(|&p| p > -1e-15));
    // Waiting for a full batch alone costs (K - 1) / (2 lambda) = 4.5 h; waiting for the
    // vessel's return adds to it.
    assert!(solved.mean_wait_h > 4.5);
    eprintln!(
        "bulk service lambda=1 K=10 R=8: mean wait {:.6} h",
        solved.mean_wait_h
    );
}

#[test]
fn bulk_service_matches_a_direct_monte_carlo() {
    for (lambda, k, r, seed) in [
        (BULK_LAMBDA, BULK_K, BULK_ROUND_TRIP_H, 1),
        (0.5, 4, 6.0, 2),
        (2.0, 25, 11.0, 3),
    ] {
        let exact = bulk_service(lambda, k, r).mean_wait_h;
        let (mean, se) = bulk_service_monte_carlo(lambda, k, r, 200_000, seed);
        eprintln!("bulk lambda={lambda} K={k} R={r}: exact {exact:.5}, MC {mean:.5} ± {se:.5}");
        assert!(se < 0.01 * exact, "Monte Carlo too short");
        assert!(
            (mean - exact).abs() < 4.0 * se,
            "lambda={lambda} K={k} R={r}: exact {exact:.5}, Monte Carlo {mean:.5} ± {se:.5}"
        );
    }
}

#[test]
fn timer_service_limits_and_monte_carlo() {
    // No timer: a container arriving during the trip waits R/2 on average, and one finding the
    // vessel idle leaves at once.
    let (wait, load) = timer_service(0.5, 8.0, 0.0);
    let expected = 0.5 * 8.0 * 4.0 / (0.5 * 8.0 + (-4.0f64).exp());
    assert!((wait - expected).abs() < 1e-12 && (load - 4.0 - (-4.0f64).exp()).abs() < 1e-12);
    // Instant return: the first container of a batch waits W, the others W/2 on average.
    let (wait, load) = timer_service(2.0, 0.0, 3.0);
    assert!((load - 7.0).abs() < 1e-12);
    assert!((wait - (2.0 * 9.0 / 2.0 + 3.0) / 7.0).abs() < 1e-12);
    for (lambda, r, w, seed) in [
        (0.5, 8.0, 6.0, 21),
        (0.2, 8.0, 6.0, 22),
        (3.0, 1.0, 0.5, 23),
    ] {
        let (exact, _) = timer_service(lambda, r, w);
        let (mean, se) = timer_service_monte_carlo(lambda, r, w, 200_000, seed);
        eprintln!("timer lambda={lambda} R={r} W={w}: exact {exact:.5}, MC {mean:.5} ± {se:.5}");
        assert!(se < 0.01 * exact);
        assert!(
            (mean - exact).abs() < 4.0 * se,
            "exact {exact}, MC {mean} ± {se}"
        );
    }
}

#[test]
fn storm_chain_without_storms_is_mm1() {
    // No storms: M/M/1, W = 1 / (mu - lambda).
    let solved = mm1_with_storms(0.5, 1.0, 0.0, 10.0);
    assert!((solved.mean_sojourn_h - 2.0).abs() < 1e-9, "{solved:?}");
    let solved = mm1_with_storms(0.8, 1.0, 0.0, 3.0);
    assert!((solved.mean_sojourn_h - 5.0).abs() < 1e-8, "{solved:?}");
    // Storms so short that they hardly matter.
    let solved = mm1_with_storms(0.5, 1.0, 0.01, 1e-6);
    assert!((solved.mean_sojourn_h - 2.0).abs() < 1e-5, "{solved:?}");
}

#[test]
fn storm_chain_satisfies_its_identities() {
    for (lambda, mu, f, d) in [
        (STORM_LAMBDA, STORM_MU, STORM_RATE, STORM_MEAN_H),
        (0.3, 1.0, 0.2, 1.5),
        (0.6, 2.0, 0.05, 4.0),
    ] {
        let solved = mm1_with_storms(lambda, mu, f, d);
        assert!(solved.truncated_mass < 1e-14, "{solved:?}");
        // Each customer is served once: the server is busy a fraction lambda / mu of the time.
        assert!((solved.p_busy - lambda / mu).abs() < 1e-9, "{solved:?}");
        // Storms are an M/M/infinity count: Poisson with mean f d.
        let load: f64 = f * d;
        assert!((solved.p_closed - (1.0 - (-load).exp())).abs() < 1e-9);
        for (k, p) in solved.storms.iter().enumerate() {
            let poisson =
                (-load).exp() * load.powi(k as i32) / (1..=k).map(|i| i as f64).product::<f64>();
            assert!((p - poisson).abs() < 1e-9, "P(k = {k}) = {p} vs {poisson}");
        }
        // Storms can only make things worse than plain M/M/1.
        assert!(solved.mean_sojourn_h > 1.0 / (mu - lambda));
        eprintln!(
            "storms lambda={lambda} mu={mu} f={f} d={d}: L = {:.6}, W = {:.6} h",
            solved.mean_in_system, solved.mean_sojourn_h
        );
    }
}

#[test]
fn storm_chain_matches_a_direct_monte_carlo() {
    for (lambda, mu, f, d, seed) in [
        (STORM_LAMBDA, STORM_MU, STORM_RATE, STORM_MEAN_H, 11),
        (0.3, 1.0, 0.2, 1.5, 12),
    ] {
        let exact = mm1_with_storms(lambda, mu, f, d).mean_sojourn_h;
        let (mean, se) = mm1_with_storms_monte_carlo(lambda, mu, f, d, 1_000_000, seed);
        eprintln!(
            "storms lambda={lambda} mu={mu} f={f} d={d}: exact {exact:.5}, MC {mean:.5} ± {se:.5}"
        );
        assert!(se < 0.02 * exact, "Monte Carlo too short");
        assert!(
            (mean - exact).abs() < 4.0 * se,
            "exact {exact:.5}, Monte Carlo {mean:.5} ± {se:.5}"
        );
    }
}

#[test]
fn breakdown_queue_closed_form_matches_its_markov_chain() {
    // The example (lambda = 0.6/h, mu = 1/h, up 20 h, repair 2 h) for both clocks,
    // and a heavier one; the chain (truncated at 160 jobs) agrees to 1e-9.
    for (lambda, mu, xi, eta) in [(0.6, 1.0, 0.05, 0.5), (0.2, 0.5, 0.1, 0.5)] {
        for busy in [false, true] {
            let exact = mm1_with_breakdowns(lambda, mu, xi, eta, busy);
            let (chain, top) = mm1_with_breakdowns_chain(lambda, mu, xi, eta, busy, 160);
            assert!(top < 1e-12, "truncation mass {top}");
            for (what, a, b) in [
                ("in node", exact.in_node, chain.in_node),
                ("queue", exact.queue, chain.queue),
                ("availability", exact.availability, chain.availability),
            ] {
                assert!(
                    (a - b).abs() < 1e-9,
                    "{what} (busy clock {busy}): closed form {a}, chain {b}"
                );
            }
        }
    }
    // Without failures it is M/M/1: W = 1 / (mu - lambda).
    let plain = mm1_with_breakdowns(0.6, 1.0, 1e-12, 0.5, false);
    assert!((plain.sojourn_h - 2.5).abs() < 1e-9, "{plain:?}");
    // The figures: 3.7701 h (always) and 3.5882 h (busy clock).
    let always = mm1_with_breakdowns(0.6, 1.0, 0.05, 0.5, false);
    let busy = mm1_with_breakdowns(0.6, 1.0, 0.05, 0.5, true);
    assert!((always.sojourn_h - 3.770053).abs() < 1e-6, "{always:?}");
    assert!((busy.sojourn_h - 3.588235).abs() < 1e-6, "{busy:?}");
    assert!((always.availability - 10.0 / 11.0).abs() < 1e-12);
    assert!((busy.availability - 0.94).abs() < 1e-12);
}

#[test]
fn union_length_counts_overlaps_once() {
    assert_eq!(union_length(&[], 0.0, 10.0), 0.0);
    assert_eq!(union_length(&[(1.0, 3.0)], 0.0, 10.0), 2.0);
    assert_eq!(union_length(&[(1.0, 3.0), (2.0, 5.0)], 0.0, 10.0), 4.0);
    assert_eq!(
        union_length(&[(2.0, 5.0), (1.0, 3.0), (7.0, 8.0)], 0.0, 10.0),
        5.0
    );
    assert_eq!(union_length(&[(1.0, 9.0), (2.0, 3.0)], 0.0, 10.0), 8.0);
    // Touching windows, clipping at both ends.
    assert_eq!(union_length(&[(1.0, 3.0), (3.0, 4.0)], 0.0, 10.0), 3.0);
    assert_eq!(union_length(&[(-5.0, 2.0), (8.0, 20.0)], 0.0, 10.0), 4.0);
    assert!(in_union(&[(1.0, 3.0), (2.0, 5.0)], 4.0));
    assert!(!in_union(&[(1.0, 3.0)], 3.0));
}
