//! The pending-event set.
//!
//! [`EventQueue`] is a binary min-heap keyed by `(time, sequence)`.
//! **Tie rule:** events scheduled for the same instant come out in the order they were scheduled
//! (FIFO), because every push takes the next value of a per-queue sequence counter.
//! Together with per-process random streams this makes a replication a pure function of its seed.
//!
//! The queue is generic over the event payload so that benchmarks (the HOLD model) and the engine
//! run on the same code. Entries are plain values: pushing and popping never allocates once the
//! heap has grown to its working size.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::SimTime;

/// One scheduled event. Ordered so that `BinaryHeap` (a max-heap) pops the earliest first.
#[derive(Clone, Debug)]
struct Entry<E> {
    time_key: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.time_key == other.time_key && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: the smallest (time, seq) is the heap's maximum.
        (other.time_key, other.seq).cmp(&(self.time_key, self.seq))
    }
}

/// A deterministic priority queue of future events.
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// An empty queue with room for `capacity` pending events.
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(capacity),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`. Same-time events pop in scheduling order.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry {
            time_key: time.key(),
            seq,
            event,
        });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|entry| {
            (
                SimTime::from_hours(f64::from_bits(entry.time_key)),
                entry.event,
            )
        })
    }

    /// The time of the earliest event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap
            .peek()
            .map(|entry| SimTime::from_hours(f64::from_bits(entry.time_key)))
    }

    /// Number of pending events.
    #[inline]
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Drops every pending event and restarts the sequence, keeping the allocation.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_seq = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ties_pop_in_scheduling_order() {
        let mut queue = EventQueue::new();
        for i in 0..100 {
            queue.schedule(SimTime::from_hours(5.0), i);
        }
        queue.schedule(SimTime::from_hours(1.0), 1000);
        assert_eq!(queue.pop().unwrap().1, 1000);
        for i in 0..100 {
            assert_eq!(queue.pop().unwrap().1, i);
        }
        assert!(queue.is_empty());
    }

    proptest! {
        #[test]
        fn pops_are_sorted_by_time_then_sequence(times in proptest::collection::vec(0u32..50, 1..300)) {
            let mut queue = EventQueue::new();
            for (i, t) in times.iter().enumerate() {
                queue.schedule(SimTime::from_hours(f64::from(*t) * 0.5), i);
            }
            let mut last: Option<(f64, usize)> = None;
            while let Some((time, i)) = queue.pop() {
                if let Some((last_time, last_i)) = last {
                    prop_assert!(time.hours() > last_time || (time.hours() == last_time && i > last_i));
                }
                last = Some((time.hours(), i));
            }
        }
    }
}
