//! Scenario files: reading, checking and compiling them into a [`Model`].
//!
//! [`Model`]: crate::model::Model
//!
//! A scenario goes through four stages, one module each, in this order (a module uses only the
//! ones before it, and `error` and `schema`, which every stage may use):
//!
//! 1. **Text with spans** (`source`): each source text (a file, or a parameter override) is parsed
//!    into a TOML tree that keeps byte spans, placed in its own range of one combined span space,
//!    so a value is reported at the file and line that wrote it however it got into the document.
//! 2. **Parameter paths** (`params`): naming one number of a tree (`node.aktau-port.servers`),
//!    reading, setting, scaling or removing it, and listing the valid paths.
//! 3. **Merged document** (`document`): a file with the files it `extends` (merged by id, with
//!    `remove` applied through parameter paths) and any parameter overrides, as one tree.
//! 4. **Compile** (`compile`): each section (and each element of `[[node]]`, `[[leg]]`, ...) is
//!    deserialized into the `schema` types on its own, checked, and compiled into the
//!    [`Model`], one file per section. Every problem found is reported, each naming the file,
//!    line:column, key path and what is allowed (`error`).
//!
//! The study sections `[sweep]` and `[[uncertain]]` live in the same files but are not part of
//! the model; `study::sections` owns them.
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

pub(crate) mod compile;
pub(crate) mod document;
pub(crate) mod error;
pub(crate) mod params;
pub(crate) mod schema;
mod source;

use std::path::Path;

pub use document::{BUILTIN_NAME, BUILTIN_TEXT, Document, LoadedScenario};
pub use error::{Diagnostic, ScenarioError};
pub use params::{Assignment, Change};

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
