//! Running replications on several threads and handing the results over in replication order.
//!
//! Workers of a rayon pool each own one [`Simulation`] (reused across replications) and claim the
//! next replication from a shared counter. Their results go through a channel to the calling
//! thread, which puts them back in order and passes them to the sink one by one. The sink (the
//! aggregation) therefore sees exactly the sequence a single-threaded run produces, whatever the
//! thread count or timing, and results are bit-identical.
//!
//! Memory stays bounded: a worker may not start a replication more than `window` positions
//! ahead of the last one the sink consumed, so at most that many results wait to be reordered.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

use crate::engine::{SimError, Simulation};
use crate::model::Model;
use crate::stats::ReplicationStats;

/// An arithmetic sequence of replication indices: `start, start + step, ...` (`count` of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replications {
    /// First index.
    pub start: u64,
    /// Distance between indices (at least 1).
    pub step: u64,
    /// Number of indices.
    pub count: u64,
}

impl Replications {
    /// Indices `start..start + count`.
    pub fn range(start: u64, count: u64) -> Replications {
        Replications {
            start,
            step: 1,
            count,
        }
    }

    /// The index at `position`.
    pub fn at(&self, position: u64) -> u64 {
        self.start + position * self.step
    }

    /// The indices in order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.count).map(|p| self.at(p))
    }
}

/// A pool of worker threads that runs replications.
pub struct Runner {
    pool: rayon::ThreadPool,
    threads: usize,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("threads", &self.threads)
            .finish()
    }
}

/// How many results may wait to be reordered, per worker thread.
const WINDOW_PER_THREAD: usize = 4;

/// The reorder window for `threads` workers.
pub(crate) fn window(threads: usize) -> usize {
    WINDOW_PER_THREAD * threads.max(1)
}

/// Number of threads to use when the user did not say: every available core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Sets the abort flag and wakes waiting workers when dropped during a panic or early return.
struct AbortOnDrop<'a> {
    aborted: &'a AtomicBool,
    consumed: &'a (Mutex<usize>, Condvar),
    armed: bool,
}

impl Drop for AbortOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.aborted.store(true, Ordering::SeqCst);
            let _guard = self.consumed.0.lock();
            self.consumed.1.notify_all();
        }
    }
}

impl Runner {
    /// A runner with `threads` worker threads (at least 1).
    pub fn new(threads: usize) -> Result<Runner, rayon::ThreadPoolBuildError> {
        let threads = threads.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("corridor-worker-{i}"))
            .build()?;
        Ok(Runner { pool, threads })
    }

    /// Worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs the replications `which` of `model` seeded with `seed`, transforms each
    /// result with `prepare` on the worker thread, and passes them to `sink` in the order of
    /// `which`. Stops at the first error of `sink`, or at the first replication that stops
    /// before its horizon (in the order of `which`: the same error whatever the thread count),
    /// and returns it.
    pub fn run_in_order<T, E>(
        &self,
        model: &Model,
        seed: u64,
        which: Replications,
        prepare: impl Fn(ReplicationStats) -> T + Sync,
        mut sink: impl FnMut(T) -> Result<(), E>,
    ) -> Result<(), E>
    where
        T: Send,
        E: From<SimError>,
    {
        let total = which.count as usize;
        if total == 0 {
            return Ok(());
        }
        let window = window(self.threads);
        let next = AtomicUsize::new(0);
        let aborted = AtomicBool::new(false);
        // Positions consumed by the sink so far, and the signal that it moved.
        let consumed = (Mutex::new(0_usize), Condvar::new());
        let (tx, rx) = mpsc::channel::<(usize, Result<T, SimError>)>();
        let prepare = &prepare;
        let (next, aborted, consumed) = (&next, &aborted, &consumed);
        self.pool.in_place_scope(|scope| {
            for _ in 0..self.threads {
                let tx = tx.clone();
                scope.spawn(move |_| {
                    let mut guard = AbortOnDrop {
                        aborted,
                        consumed,
                        armed: true,
                    };
                    let mut simulation = Simulation::new(model);
                    loop {
                        let position = next.fetch_add(1, Ordering::SeqCst);
                        if position >= total || aborted.load(Ordering::SeqCst) {
                            break;
                        }
                        {
                            let (lock, signal) = consumed;
                            let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
                            while position >= *done + window && !aborted.load(Ordering::SeqCst) {
                                done = signal.wait(done).unwrap_or_else(|e| e.into_inner());
                            }
                        }
                        if aborted.load(Ordering::SeqCst) {
                            break;
                        }
                        let result = simulation
                            .try_run(seed, which.at(position as u64))
                            .map(prepare);
                        if tx.send((position, result)).is_err() {
                            break;
                        }
                    }
                    guard.armed = false;
                });
            }
            drop(tx);
            let mut guard = AbortOnDrop {
                aborted,
                consumed,
                armed: true,
            };
            let mut pending = BTreeMap::new();
            let mut expected = 0_usize;
            let mut result = Ok(());
            for (position, item) in rx.iter() {
                pending.insert(position, item);
                while let Some(item) = pending.remove(&expected) {
                    if let Err(err) = item.map_err(E::from).and_then(&mut sink) {
                        result = Err(err);
                        break;
                    }
                    expected += 1;
                    let (lock, signal) = consumed;
                    *lock.lock().unwrap_or_else(|e| e.into_inner()) = expected;
                    signal.notify_all();
                }
                if result.is_err() {
                    break;
                }
            }
            if result.is_ok() && expected != total {
                // A worker stopped early: it panicked, and the scope re-raises that panic.
                aborted.store(true, Ordering::SeqCst);
            }
            guard.armed = result.is_err();
            drop(guard);
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replications_enumerate_a_shard() {
        let shard = Replications {
            start: 1,
            step: 3,
            count: 4,
        };
        assert_eq!(shard.iter().collect::<Vec<_>>(), [1, 4, 7, 10]);
    }

    #[test]
    fn results_arrive_in_order_for_any_thread_count() {
        let model = crate::scenario::builtin().model;
        for threads in [1, 2, 3] {
            let runner = Runner::new(threads).unwrap();
            let mut seen = Vec::new();
            runner
                .run_in_order(
                    &model,
                    model.settings.seed,
                    Replications {
                        start: 2,
                        step: 2,
                        count: 9,
                    },
                    |stats| stats.replication,
                    |r| {
                        seen.push(r);
                        Ok::<(), SimError>(())
                    },
                )
                .unwrap();
            assert_eq!(seen, (0..9).map(|p| 2 + 2 * p).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_sink_error_stops_the_run() {
        let model = crate::scenario::builtin().model;
        let runner = Runner::new(2).unwrap();
        let mut calls = 0;
        let result = runner.run_in_order(
            &model,
            model.settings.seed,
            Replications::range(0, 50),
            |stats| stats.replication,
            |r| {
                calls += 1;
                if r == 3 {
                    Err(anyhow::anyhow!("stop"))
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(result.unwrap_err().to_string(), "stop");
        assert_eq!(calls, 4);
    }
}
