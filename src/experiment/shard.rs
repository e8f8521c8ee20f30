//! Splitting a run into shards: shard `i` of `n` runs replications `i, i + n, i + 2n, ...`.
//!
//! A shard writes its replications' full statistics (see `report::shard`); merging the shards
//! replays them in replication order through the same aggregation as an unsharded run, so the
//! merged results are the unsharded results, bit for bit.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::parallel::Replications;

/// Shard `index` of `count` (0-based: `0 <= index < count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSpec {
    /// This shard, from 0.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

/// Why a `--shard` value is not valid.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardSpecError {
    /// Not of the form `i/n`.
    #[error("expected INDEX/COUNT with whole numbers, e.g. 0/4")]
    Syntax(String),
    /// Zero shards.
    #[error("the shard count must be at least 1")]
    ZeroCount(String),
    /// Index out of range.
    #[error("shards are numbered from 0, so with {count} shards the index must be at most {last}")]
    IndexOutOfRange {
        /// The value given.
        text: String,
        /// Number of shards.
        count: u32,
        /// Largest valid index.
        last: u32,
    },
}

impl FromStr for ShardSpec {
    type Err = ShardSpecError;

    fn from_str(text: &str) -> Result<ShardSpec, ShardSpecError> {
        let syntax = || ShardSpecError::Syntax(text.to_string());
        let (index, count) = text.split_once('/').ok_or_else(syntax)?;
        let parse = |s: &str| {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(syntax());
            }
            s.parse::<u32>().map_err(|_| syntax())
        };
        let (index, count) = (parse(index.trim())?, parse(count.trim())?);
        if count == 0 {
            return Err(ShardSpecError::ZeroCount(text.to_string()));
        }
        if index >= count {
            return Err(ShardSpecError::IndexOutOfRange {
                text: text.to_string(),
                count,
                last: count - 1,
            });
        }
        Ok(ShardSpec { index, count })
    }
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl ShardSpec {
    /// The replications of this shard in a run of `total` replications.
    pub fn replications(&self, total: u64) -> Replications {
        let (index, count) = (u64::from(self.index), u64::from(self.count));
        Replications {
            start: index,
            step: count,
            count: total.saturating_sub(index).div_ceil(count),
        }
    }

    /// Which shard runs replication `replication`.
    pub fn owner(count: u32, replication: u64) -> u32 {
        (replication % u64::from(count)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!("2/3".parse(), Ok(ShardSpec { index: 2, count: 3 }));
        assert!(matches!(
            "3/2".parse::<ShardSpec>(),
            Err(ShardSpecError::IndexOutOfRange {
                count: 2,
                last: 1,
                ..
            })
        ));
        for bad in ["", "1", "1/", "/2", "a/2", "-1/2", "1/2/3", "1.0/2"] {
            assert!(
                matches!(bad.parse::<ShardSpec>(), Err(ShardSpecError::Syntax(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            "0/0".parse::<ShardSpec>(),
            Err(ShardSpecError::ZeroCount(_))
        ));
    }

    #[test]
    fn shards_partition_the_replications() {
        for total in [0_u64, 1, 5, 10, 11] {
            for count in 1..5_u32 {
                let mut all: Vec<u64> = (0..count)
                    .flat_map(|index| {
                        ShardSpec { index, count }
                            .replications(total)
                            .iter()
                            .collect::<Vec<_>>()
                    })
                    .collect();
                all.sort();
                assert_eq!(
                    all,
                    (0..total).collect::<Vec<_>>(),
                    "total {total}, {count} shards"
                );
            }
        }
        assert_eq!(ShardSpec::owner(3, 7), 1);
    }
}
