//! Scenario files: reading, checking and compiling them into a [`Model`].
//!
//! Parsing happens in two steps. The TOML text is parsed into a document that keeps byte spans;
//! then each section (and each element of `[[node]]`, `[[leg]]`, ...) is deserialized into the
//! [`schema`] types on its own and checked by [`validate`], which also compiles the
//! [`Model`]. Every problem found is reported, each naming the file, line:column, key path and
//! what is allowed.
//!
//! ```
//! let scenario = corridor::scenario::from_str(r#"
//!     [scenario]
//!     name = "one border"
//!     horizon_days = 30
//!
//!     [[node]]
//!     id = "border"
//!     kind = "border"
//!     servers = 2
//!     service = { dist = "exponential", mean = 1.5 }
//!
//!     [[route]]
//!     id = "r"
//!     nodes = ["border"]
//!
//!     [[flow]]
//!     id = "f"
//!     route = "r"
//!     teu_per_year = 8760
//! "#, "example.toml").unwrap();
//! assert_eq!(scenario.model.nodes[0].servers, Some(2));
//! ```

pub mod document;
pub mod error;
mod operations;
pub mod params;
pub mod schema;
pub mod validate;

use std::path::Path;

use sha2::{Digest, Sha256};

pub use document::Document;
pub use error::{Diagnostic, ScenarioError};
pub use params::{Assignment, Change, SweepParam, SweepSpec, Uncertain};

use crate::model::Model;

/// File name shown for the built-in default scenario.
pub const BUILTIN_NAME: &str = "<built-in middle_corridor.toml>";

/// Text of the built-in default scenario (the Middle Corridor baseline).
pub const BUILTIN_TEXT: &str = include_str!("../../scenarios/middle_corridor.toml");

/// A checked scenario: the compiled model plus where it came from.
#[derive(Clone, Debug)]
pub struct LoadedScenario {
    /// The compiled model.
    pub model: Model,
    /// The file name as given (or [`BUILTIN_NAME`]).
    pub file: String,
    /// SHA-256 of [`text`](Self::text), hex.
    pub hash: String,
    /// A self-contained scenario text that compiles to the same model: the file itself, or, for
    /// a file that extends others or has parameter overrides, the merged document.
    pub text: String,
}

/// Reads, checks and compiles the scenario at `path` (with the files it extends).
pub fn load(path: &Path) -> Result<LoadedScenario, ScenarioError> {
    Document::read(path)?.compile()
}

/// The built-in default scenario.
pub fn builtin() -> LoadedScenario {
    from_str(BUILTIN_TEXT, BUILTIN_NAME).expect("the built-in scenario is valid (tested)")
}

/// Checks and compiles scenario `text`; `file` names it in error messages (and an `extends` in
/// it is resolved relative to `file`'s directory).
pub fn from_str(text: &str, file: &str) -> Result<LoadedScenario, ScenarioError> {
    Document::parse(text, file)?.compile()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
