//! The engine's guards: the bound on cargo in the system and deadlock detection (the stalled
//! clock is checked in the event loop).
//!
//! # Semantics
//! - **Cargo bound.** When a consignment is created while `[scenario] max_in_system`
//!   consignments are already in the system (at the origin, at nodes, on legs or aboard), the
//!   replication stops with an error naming the place where most of them are and, where the
//!   model gives one, its offered load ([`crate::model::load`]).
//! - **Deadlock.** At the end of every simulated day, the engine looks for a set of nodes none
//!   of which can ever release cargo: at each, nothing is in service, nothing is travelling to
//!   it, no cargo waits for a vehicle, any queued cargo has no free server, and every consignment
//!   held on a server waits for yard space at a node of the same set (not for a closed leg). No
//!   event can free such a set (space at a node frees only when cargo leaves it), so the
//!   replication stops with an error listing those yards. The check is exact for blocking
//!   between yards joined by legs without fleets; a cycle that involves a fleet's vehicles is
//!   not detected (its cargo is never counted as stuck) and ends, if it grows, at the cargo
//!   bound.

use super::{Location, Simulation};
use crate::base::number::compact;
use crate::engine::error::{SimError, StopKind};
use crate::model::NodeId;
use crate::model::load::{Place, loads_between};

impl Simulation<'_> {
    /// Records that the cargo bound is reached: the replication stops after the current event.
    #[cold]
    pub(super) fn cargo_bound_reached(&mut self) {
        if self.stop.is_some() {
            return;
        }
        let model = self.model;
        // Where the consignments are: at each node (present or waiting at the origin for
        // space there) and in each fleet's queues.
        let mut at_node = vec![0_u64; model.nodes.len()];
        let mut at_origin = vec![0_u64; model.nodes.len()];
        for consignment in &self.cargo {
            let route = model.route(consignment.route);
            let stage = consignment.stage as usize;
            match consignment.location {
                Location::Free | Location::OnLeg | Location::Aboard => {}
                Location::WaitingEntry => at_origin[route.nodes[0].index()] += 1,
                _ => at_node[route.nodes[stage].index()] += 1,
            }
        }
        let (node, count) = at_node
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|(i, n)| (*n, std::cmp::Reverse(*i)))
            .unwrap_or((0, 0));
        let (origin, waiting) = at_origin
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|(i, n)| (*n, std::cmp::Reverse(*i)))
            .unwrap_or((0, 0));
        // The loads from now on, of the model now in force (classes in service now).
        let loads = loads_between(model, self.now, model.settings.horizon, false);
        let load_of = |node: usize| {
            let node_id = NodeId(node as u32);
            let mut text = loads
                .iter()
                .find(|l| l.place == Place::Node(node_id))
                .map(|l| format!("; {}", l.describe(model)))
                .unwrap_or_default();
            // Cargo waiting at a node for a vehicle piles up because of the fleet.
            for load in &loads {
                if let Place::Fleet(fleet) = load.place
                    && model.leg(model.fleet(fleet).leg).from == node_id
                    && load.overloaded()
                {
                    text.push_str(&format!("; {}", load.describe(model)));
                }
            }
            text
        };
        let place = if waiting > count {
            format!(
                "{waiting} of them wait at the origin for room at node \"{}\"{}",
                model.nodes[origin].id,
                load_of(origin)
            )
        } else {
            format!(
                "{count} of them are at node \"{}\"{}",
                model.nodes[node].id,
                load_of(node)
            )
        };
        self.stop = Some(SimError {
            replication: self.stats.replication,
            at_h: self.now.hours(),
            kind: StopKind::CargoBound,
            message: format!(
                "more than {} consignments in the system ([scenario] max_in_system); {place}. \
                 The cargo arriving outgrows what the corridor can carry: give the bottleneck \
                 more capacity or the flows less volume (or raise max_in_system if the backlog \
                 is expected)",
                model.settings.max_in_system
            ),
        });
    }

    /// Stops the replication if a set of nodes can never release cargo again (see the module
    /// docs). Costs one pass over the nodes, plus one over the cargo when some node has held
    /// cargo and nothing in service.
    pub(super) fn check_deadlock(&mut self) {
        if self.stop.is_some() {
            return;
        }
        let mut stuck: Vec<bool> = self
            .nodes
            .iter()
            .map(|state| state.busy == 0 && state.blocked > 0)
            .collect();
        if !stuck.contains(&true) {
            return;
        }
        let model = self.model;
        let legs_from = model.nodes.len();
        let mut waits_for: Vec<Vec<usize>> = vec![Vec::new(); model.nodes.len()];
        for consignment in &self.cargo {
            if consignment.location == Location::Free {
                continue;
            }
            let route = model.route(consignment.route);
            let stage = consignment.stage as usize;
            let here = route.nodes[stage].index();
            match consignment.location {
                Location::Free | Location::WaitingEntry => {}
                Location::Queued => {
                    let state = &self.nodes[here];
                    if state.busy + state.blocked < state.servers {
                        // It waits for the node to reopen.
                        stuck[here] = false;
                    }
                }
                Location::InService | Location::AwaitingVehicle | Location::Loaded => {
                    stuck[here] = false;
                }
                Location::Blocked => {
                    let leg = route.legs[stage];
                    if consignment.reserved
                        || self.targets[legs_from + leg.index()].closed
                        || model.leg(leg).fleet.is_some()
                    {
                        // It waits for a leg to reopen.
                        stuck[here] = false;
                    } else {
                        waits_for[here].push(route.nodes[stage + 1].index());
                    }
                }
                Location::OnLeg | Location::Aboard => {
                    // Whatever it heads for may still receive it (and start serving it).
                    stuck[here] = false;
                    if let Some(next) = route.nodes.get(stage + 1) {
                        stuck[next.index()] = false;
                    }
                }
            }
        }
        // The largest set closed under "waits only for space at a node of the set".
        loop {
            let mut changed = false;
            for node in 0..stuck.len() {
                if stuck[node] && waits_for[node].iter().any(|next| !stuck[*next]) {
                    stuck[node] = false;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let yards: Vec<String> = stuck
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .map(|(i, _)| {
                let state = &self.nodes[i];
                let node = &model.nodes[i];
                match node.yard_capacity_teu {
                    Some(capacity) => format!(
                        "\"{}\" ({} of {} TEU, {} consignments held on its servers)",
                        node.id,
                        compact(state.occupancy_teu as f64),
                        compact(capacity as f64),
                        state.blocked
                    ),
                    None => format!(
                        "\"{}\" ({} consignments held on its servers)",
                        node.id, state.blocked
                    ),
                }
            })
            .collect();
        if yards.is_empty() {
            return;
        }
        self.stop = Some(SimError {
            replication: self.stats.replication,
            at_h: self.now.hours(),
            kind: StopKind::Deadlock,
            message: format!(
                "deadlock: the cargo held at nodes {} waits for yard space that only the others \
                 could free, so nothing can move again. Opposing flows through full yards block \
                 each other: give these yards room for the cargo travelling between them (see \
                 \"Yards and backpressure\" in docs/scenario.md)",
                yards.join(", ")
            ),
        });
    }
}
