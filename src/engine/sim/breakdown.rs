//! Breakdowns: servers of a node that fail and are repaired (`[node.breakdown]`).
//!
//! # Semantics
//! - Each server of the node alternates between *up* and *down*, independently of the others
//!   and with its own random stream (`node/<id>/server/<k>`, `k` from 0). All servers start up,
//!   with a fresh up time, at time 0.
//! - The up time is measured on the failure clock: with `clock = "always"` it runs all the time
//!   (an idle, serving or blocked server can fail); with `clock = "busy"` it runs only while the
//!   server serves a consignment (not while it is idle, held by blocked cargo, or down), so a
//!   server fails after `up` hours of work.
//! - A failed server is down until its repair ends: it waits for a repair crew if `crews` are
//!   all busy (FIFO), then is repaired for one draw of `repair`. A new up time starts when the
//!   repair ends.
//! - A down server starts no service. The consignment in service when its server fails:
//!   `resume`: stops, and continues on the same server after the repair with the service time
//!   left; `restart`: stops, and after the repair is served again from the start, for a new
//!   draw of the service time (the work done is lost); `finish`: is served to the end, and the
//!   server goes down when it finishes (the repair starts then). Under `finish` with the busy
//!   clock, the failure comes due during a service and takes effect at its end.
//! - A consignment held on a server (blocked) stays on it when the server fails; a server that
//!   is repaired while still holding one stays held until it leaves.
//! - Closures of the node (disruptions, operating hours) and breakdowns are independent: the
//!   failure clock and repairs run on during a closure. A slowed node stretches a restarted
//!   service like any service that starts; the work left of a resumed one is not stretched again.
//!
//! # Statistics
//! Per node with breakdowns: failures in the window, the number of servers down (time average:
//! availability = 1 - mean down / servers) and two levels for the share of waiting caused by
//! breakdowns: *waiting* = consignments queued + consignments whose service is interrupted, and
//! *breakdown delay* = consignments whose service is interrupted + min(queued, idle down servers)
//! while the node is open (the queued consignments that a repair of the idle down servers would
//! start at once). `breakdown_wait_share` is the ratio of their time integrals.

use std::collections::VecDeque;

use super::{Location, Simulation};
use crate::base::rng::{Stream, StreamId, stream};
use crate::base::time::SimTime;
use crate::engine::event::{CargoId, Event};
use crate::engine::observer::Observer;
use crate::model::{FailureClock, Interrupted, Model, NodeId};

/// One server of a node with breakdowns.
#[derive(Clone, Debug)]
pub(super) struct Server {
    node: NodeId,
    up: bool,
    /// The consignment it holds: in service (running or interrupted) or blocked.
    job: Option<CargoId>,
    /// Whether the job's service is interrupted (the server is down).
    suspended: bool,
    /// When the running service ends.
    job_end: SimTime,
    /// Service time left of an interrupted job (`resume`), hours.
    work_left_h: f64,
    /// Only the `ServerDone` event with this token is live.
    job_token: u32,
    /// Only the `ServerFails` event with this token is live.
    fail_token: u32,
    /// Busy clock: up-clock hours left before the next failure.
    clock_left_h: f64,
    /// Busy clock: when the clock last started running.
    clock_since: SimTime,
    /// `finish`: a failure came due during the running service.
    failure_pending: bool,
    stream_id: StreamId,
    rng: Stream,
}

/// Repair state of one node with breakdowns.
#[derive(Clone, Debug)]
pub(super) struct BreakdownState {
    /// Its servers: `first..first + count` in the simulation's server list.
    first: u32,
    /// Servers down (under repair or waiting for a crew).
    pub(super) down: u32,
    /// Repairs in progress.
    crews_busy: u32,
    /// Failed servers waiting for a crew, FIFO.
    repair_queue: VecDeque<u32>,
}

/// Builds the servers and repair states of `model`'s nodes with breakdowns, and the slot of each
/// node (`usize::MAX` without breakdowns).
pub(super) fn build(model: &Model) -> (Vec<Server>, Vec<BreakdownState>, Vec<usize>) {
    let mut servers = Vec::new();
    let mut states = Vec::new();
    let mut slots = vec![usize::MAX; model.nodes.len()];
    let placeholder = stream(0, 0, StreamId(0));
    for node in model.breakdown_nodes() {
        let spec = model.node(node);
        slots[node.index()] = states.len();
        let count = spec
            .servers
            .expect("validated: breakdowns need finite servers");
        states.push(BreakdownState {
            first: servers.len() as u32,
            down: 0,
            crews_busy: 0,
            repair_queue: VecDeque::new(),
        });
        for k in 0..count {
            servers.push(Server {
                node,
                up: true,
                job: None,
                suspended: false,
                job_end: SimTime::ZERO,
                work_left_h: 0.0,
                job_token: 0,
                fail_token: 0,
                clock_left_h: 0.0,
                clock_since: SimTime::ZERO,
                failure_pending: false,
                stream_id: StreamId::from_name(&format!("node/{}/server/{k}", spec.id)),
                rng: placeholder.clone(),
            });
        }
    }
    (servers, states, slots)
}

impl<'m> Simulation<'m> {
    /// Puts every server up with a fresh up time (at the start of a replication).
    pub(super) fn reset_breakdowns(&mut self, seed: u64, replication: u64) {
        for state in &mut self.breakdowns {
            state.down = 0;
            state.crews_busy = 0;
            state.repair_queue.clear();
        }
        for s in 0..self.servers.len() {
            let server = &mut self.servers[s];
            server.rng = stream(seed, replication, server.stream_id);
            server.up = true;
            server.job = None;
            server.suspended = false;
            server.failure_pending = false;
            self.start_up_time(s as u32);
        }
    }

    fn breakdown_of(&self, s: u32) -> &'m crate::model::Breakdown {
        let model = self.model;
        model
            .node(self.servers[s as usize].node)
            .breakdown
            .as_ref()
            .expect("servers exist only at nodes with breakdowns")
    }

    /// Draws the server's next up time and, on the always-running clock, schedules its failure.
    fn start_up_time(&mut self, s: u32) {
        let breakdown = self.breakdown_of(s);
        let server = &mut self.servers[s as usize];
        let up_h = breakdown.up.sample(&mut server.rng);
        match breakdown.clock {
            FailureClock::Always => {
                server.fail_token = server.fail_token.wrapping_add(1);
                let event = Event::ServerFails {
                    server: s,
                    token: server.fail_token,
                };
                self.events.schedule(self.now.after(up_h), event);
            }
            FailureClock::Busy => server.clock_left_h = up_h,
        }
    }

    /// Starts the busy clock of a server that begins or resumes serving.
    fn run_busy_clock(&mut self, s: u32) {
        if self.breakdown_of(s).clock != FailureClock::Busy {
            return;
        }
        let now = self.now;
        let server = &mut self.servers[s as usize];
        server.clock_since = now;
        server.fail_token = server.fail_token.wrapping_add(1);
        let event = Event::ServerFails {
            server: s,
            token: server.fail_token,
        };
        self.events.schedule(now.after(server.clock_left_h), event);
    }

    /// Stops the busy clock of a server that stops serving.
    fn stop_busy_clock(&mut self, s: u32) {
        if self.breakdown_of(s).clock != FailureClock::Busy {
            return;
        }
        let now = self.now;
        let server = &mut self.servers[s as usize];
        server.clock_left_h = (server.clock_left_h - now.since(server.clock_since)).max(0.0);
        server.fail_token = server.fail_token.wrapping_add(1);
    }

    /// Starts serving `cargo` for `service_h` hours on a free up server of `node` (a node with
    /// breakdowns; the caller has checked that one is free).
    pub(super) fn serve_on_server(&mut self, cargo: CargoId, node: NodeId, service_h: f64) {
        let state = &self.breakdowns[self.breakdown_slots[node.index()]];
        let range = state.first as usize..state.first as usize + self.servers_of(node);
        let s = range
            .clone()
            .find(|&s| self.servers[s].up && self.servers[s].job.is_none())
            .expect("a free server is up") as u32;
        self.servers[s as usize].job = Some(cargo);
        self.cargo[cargo.index()].server = s;
        self.run_job(s, service_h);
        self.run_busy_clock(s);
    }

    fn servers_of(&self, node: NodeId) -> usize {
        self.model.node(node).servers.unwrap_or(0) as usize
    }

    /// Schedules the end of the running job of server `s` in `service_h` hours.
    fn run_job(&mut self, s: u32, service_h: f64) {
        let due = self.now.after(service_h);
        let server = &mut self.servers[s as usize];
        server.job_end = due;
        server.job_token = server.job_token.wrapping_add(1);
        let event = Event::ServerDone {
            server: s,
            token: server.job_token,
        };
        self.events.schedule(due, event);
    }

    /// The server holding `cargo` lets it go (it leaves the node or boards a vehicle).
    pub(super) fn release_server(&mut self, cargo: CargoId) {
        let s = std::mem::replace(&mut self.cargo[cargo.index()].server, u32::MAX);
        let server = &mut self.servers[s as usize];
        server.job = None;
        if !server.up {
            self.nodes[server.node.index()].unavailable += 1;
        }
    }

    /// The running job of server `s` ends (event `ServerDone`).
    pub(super) fn on_server_done<O: Observer>(&mut self, s: u32, token: u32, observer: &mut O) {
        let server = &self.servers[s as usize];
        if server.job_token != token || server.suspended {
            return;
        }
        let cargo = server.job.expect("a running job");
        self.stop_busy_clock(s);
        if self.servers[s as usize].failure_pending {
            self.servers[s as usize].failure_pending = false;
            self.go_down(s, observer);
        }
        self.on_service_end(cargo, observer);
    }

    /// Server `s`'s up time is over (event `ServerFails`).
    pub(super) fn on_server_fails<O: Observer>(&mut self, s: u32, token: u32, observer: &mut O) {
        let server = &self.servers[s as usize];
        if server.fail_token != token || !server.up {
            return;
        }
        let serving = server
            .job
            .is_some_and(|c| self.cargo[c.index()].location == Location::InService);
        if serving {
            let interrupted = self.breakdown_of(s).interrupted;
            let now = self.now;
            let server = &mut self.servers[s as usize];
            match interrupted {
                Interrupted::Finish => {
                    server.failure_pending = true;
                    return;
                }
                Interrupted::Resume | Interrupted::Restart => {
                    server.work_left_h = server.job_end.since(now);
                    server.job_token = server.job_token.wrapping_add(1);
                    server.suspended = true;
                    self.nodes[server.node.index()].suspended += 1;
                }
            }
        } else if server.job.is_none() {
            self.nodes[server.node.index()].unavailable += 1;
        }
        self.go_down(s, observer);
    }

    /// Server `s` fails now: it goes down and waits for (or gets) a repair crew.
    fn go_down<O: Observer>(&mut self, s: u32, observer: &mut O) {
        let node = self.servers[s as usize].node;
        self.servers[s as usize].up = false;
        let slot = self.breakdown_slots[node.index()];
        self.breakdowns[slot].down += 1;
        if self.in_window {
            self.stats.breakdowns[slot].failures += 1;
        }
        observer.server_failed(self.now, node, s - self.breakdowns[slot].first);
        let crews = self.breakdown_of(s).crews.unwrap_or(u32::MAX);
        if self.breakdowns[slot].crews_busy < crews {
            self.start_repair(s);
        } else {
            self.breakdowns[slot].repair_queue.push_back(s);
        }
        self.touch(node);
    }

    fn start_repair(&mut self, s: u32) {
        let breakdown = self.breakdown_of(s);
        let server = &mut self.servers[s as usize];
        let repair_h = breakdown.repair.sample(&mut server.rng);
        let slot = self.breakdown_slots[server.node.index()];
        self.breakdowns[slot].crews_busy += 1;
        self.events
            .schedule(self.now.after(repair_h), Event::Repaired(s));
    }

    /// Server `s`'s repair ends (event `Repaired`): it is up again and goes back to work.
    pub(super) fn on_repaired<O: Observer>(&mut self, s: u32, observer: &mut O) {
        let node = self.servers[s as usize].node;
        let slot = self.breakdown_slots[node.index()];
        let state = &mut self.breakdowns[slot];
        state.crews_busy -= 1;
        state.down -= 1;
        if let Some(next) = state.repair_queue.pop_front() {
            self.start_repair(next);
        }
        observer.server_repaired(self.now, node, s - self.breakdowns[slot].first);
        self.servers[s as usize].up = true;
        self.start_up_time(s);
        let server = &self.servers[s as usize];
        match server.job {
            Some(_) if server.suspended => {
                let work_h = match self.breakdown_of(s).interrupted {
                    Interrupted::Restart => {
                        let service_h = self
                            .model
                            .node(node)
                            .service
                            .sample(&mut self.service_rngs[node.index()]);
                        self.targets[node.index()].stretch(service_h)
                    }
                    _ => server.work_left_h,
                };
                self.servers[s as usize].suspended = false;
                self.nodes[node.index()].suspended -= 1;
                self.run_job(s, work_h);
                self.run_busy_clock(s);
                self.touch(node);
            }
            Some(_) => self.touch(node),
            None => {
                self.nodes[node.index()].unavailable -= 1;
                self.start_next_service(node, observer);
            }
        }
    }

    /// Records the breakdown levels of `node` (slot `slot`).
    #[inline]
    pub(super) fn record_breakdown_levels(&mut self, node: NodeId, slot: usize) {
        let now = self.now.hours();
        let state = &self.nodes[node.index()];
        let queued = state.queue.len() as u32;
        let idle_down = if self.targets[node.index()].closed {
            0
        } else {
            queued.min(state.unavailable)
        };
        let stats = &mut self.stats.breakdowns[slot];
        stats.down.set(now, f64::from(self.breakdowns[slot].down));
        stats.waiting.set(now, f64::from(queued + state.suspended));
        stats.delay.set(now, f64::from(state.suspended + idle_down));
    }
}
