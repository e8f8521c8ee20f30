//! Scenario documents: a scenario file, the files it `extends`, and parameter overrides,
//! assembled into one TOML tree before it is checked and compiled.
//!
//! A variant file names its base with `extends = "base.toml"` (relative to the variant's own
//! directory) and then only what differs:
//!
//! - tables (`[scenario]`, `[leg.fleet]`, `hours`, ...) are merged key by key;
//! - a distribution (a table with a `dist` key) replaces the base's distribution whole, since its
//!   keys depend on the family;
//! - elements of `[[node]]`, `[[leg]]`, `[[route]]`, `[[flow]]`, `[[disruption]]` and
//!   `[[uncertain]]` are matched by id (a leg without `id` by `from->to`, an `[[uncertain]]` entry
//!   by `path`): a matching element is merged into the base's, a new one is appended;
//! - any other value (numbers, strings, arrays such as `monthly_rates`) replaces the base's;
//! - `remove = ["node.kuryk-port", "route.khorgos-kuryk-alat", "node.aktau-port.yard_capacity"]`
//!   deletes elements or keys from the base before the file's own tables are merged.
//!
//! Chains may be of any length up to [`MAX_CHAIN`]; a cycle or a missing base is an error that
//! names the chain.
//!
//! Spans stay meaningful: every source text gets its own range of a combined span space
//! ([`SourceRef::base`]), so a problem found after merging is still reported as
//! `file:line:column` of the file the offending value came from. A parameter override
//! ([`Document::apply`]) becomes a small generated source of its own, named after the
//! assignment, so a value that breaks a rule is reported as `set node.aktau-port.servers = 0: ...`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::compile;
use super::error::{Diagnostics, ScenarioError, SourceRef};
use super::params::{self, Assignment, Change};
use super::source::{
    ELEMENT_SECTIONS, Source, SourceKind, Tree, canonical, element_id, extends_of, is_distribution,
    shift, shift_table, shift_value, tidy,
};
use crate::model::Model;

/// File name shown for the built-in default scenario.
pub const BUILTIN_NAME: &str = "<built-in whole_corridor.toml>";

/// Text of the built-in default scenario: the whole Middle Corridor, from the Chinese border to
/// Alat, Kars and Constanta and back (`scenarios/whole_corridor.toml`).
pub const BUILTIN_TEXT: &str = include_str!("../../scenarios/whole_corridor.toml");

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

/// The longest `extends` chain accepted (a longer one is almost surely a mistake).
pub(crate) const MAX_CHAIN: usize = 32;

/// A scenario after `extends` is resolved, with any parameter overrides, before checking.
///
/// Cheap to clone: studies clone the base document once per point and [`apply`](Self::apply)
/// their parameter values to the clone.
#[derive(Clone, Debug)]
pub struct Document {
    /// The chain's files, the root base first and the file the user named last, then one
    /// generated source per override in the order applied.
    sources: Vec<Source>,
    /// Number of file sources (the user's file is `sources[files - 1]`).
    files: usize,
}

/// Largest scenario file read, bytes (a scenario is a few kilobytes; 200,000 nodes are about
/// 10 MB).
pub(crate) const MAX_FILE_BYTES: u64 = 64 << 20;

/// The text of the scenario file at `path`, which must be a regular file (not a directory, FIFO
/// or device, which could block forever or never end) of at most [`MAX_FILE_BYTES`].
pub(crate) fn read_scenario_file(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a directory, FIFO or device); a scenario must be a file",
        ));
    }
    let too_big = || {
        Error::new(
            ErrorKind::InvalidInput,
            format!(
                "larger than {} MiB; a scenario file is a few kilobytes",
                MAX_FILE_BYTES >> 20
            ),
        )
    };
    if metadata.len() > MAX_FILE_BYTES {
        return Err(too_big());
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big());
    }
    Ok(text)
}

impl Document {
    /// Reads the scenario at `path` and every file it extends.
    pub fn read(path: &Path) -> Result<Document, ScenarioError> {
        let text = read_scenario_file(path).map_err(|source| ScenarioError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Document::with_chain(text, path.display().to_string(), path)
    }

    /// A document from scenario `text` named `file`; an `extends` in it is resolved relative to
    /// `file`'s directory.
    pub fn parse(text: &str, file: &str) -> Result<Document, ScenarioError> {
        Document::with_chain(text.to_string(), file.to_string(), Path::new(file))
    }

    /// The built-in default scenario.
    pub fn builtin() -> Document {
        Document::parse(BUILTIN_TEXT, BUILTIN_NAME).expect("the built-in scenario extends nothing")
    }

    /// The file the user named.
    pub fn file(&self) -> &str {
        &self.sources[self.files - 1].name
    }

    /// The files of the `extends` chain, the root base first and [`file`](Self::file) last.
    pub fn chain(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.sources[..self.files].iter().map(|s| s.name.as_str())
    }

    /// The files of the `extends` chain with their texts, `(name, text)`, the root base first and
    /// [`file`](Self::file) last (parameter overrides are not included). With
    /// [`from_files`](Self::from_files) they give back the document without reading any file:
    /// what a study shard stores, so that `corridor merge` builds the study's variants exactly as
    /// the study did.
    pub fn files(&self) -> Vec<(String, String)> {
        self.sources[..self.files]
            .iter()
            .map(|s| (s.name.clone(), s.text.clone()))
            .collect()
    }

    /// The document of the chain `files` as [`files`](Self::files) gives it (root base first);
    /// nothing is read (`extends` in the texts is not followed: the bases are the files before).
    /// `None` for an empty list or one longer than the longest chain accepted.
    pub fn from_files(files: Vec<(String, String)>) -> Option<Document> {
        if files.is_empty() || files.len() > MAX_CHAIN {
            return None;
        }
        Some(Document {
            files: files.len(),
            sources: files
                .into_iter()
                .map(|(name, text)| Source {
                    name,
                    text,
                    kind: SourceKind::File,
                })
                .collect(),
        })
    }

    /// The parameter overrides applied so far, as `path = value` in the order applied.
    pub fn overrides(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sources.iter().filter_map(|s| match &s.kind {
            SourceKind::Override { path } => Some((path.as_str(), s.text.as_str())),
            SourceKind::File => None,
        })
    }

    /// Follows `extends` from the file `name` (at `path`, with `text`) to the root base.
    fn with_chain(text: String, name: String, path: &Path) -> Result<Document, ScenarioError> {
        let mut chain = vec![Source {
            name,
            text,
            kind: SourceKind::File,
        }];
        let mut seen: Vec<PathBuf> = vec![canonical(path)];
        loop {
            let child = chain.last().expect("the chain is never empty");
            // A file that does not parse extends nothing here; `tree` reports its TOML error.
            let Some((base, span)) = extends_of(child)? else {
                break;
            };
            let dir = Path::new(&child.name)
                .parent()
                .filter(|d| !d.as_os_str().is_empty());
            let raw = dir.map_or_else(|| PathBuf::from(&base), |d| d.join(&base));
            // Read through the path as written (symbolic links and all); name it tidily.
            let base_path = tidy(&raw);
            let names = || {
                chain
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" -> ")
            };
            let fail = |message: String| {
                let mut diags = Diagnostics::new(&child.name, &child.text);
                diags.push(Some(span.clone()), "extends", message);
                Err(diags.into_error())
            };
            let key = canonical(&raw);
            if seen.contains(&key) {
                return fail(format!(
                    "extends cycle: {} -> {}",
                    names(),
                    base_path.display()
                ));
            }
            if chain.len() >= MAX_CHAIN {
                return fail(format!(
                    "extends chain longer than {MAX_CHAIN} files: {} -> ...",
                    names()
                ));
            }
            let text = match read_scenario_file(&raw) {
                Ok(text) => text,
                Err(err) => {
                    return fail(format!(
                        "cannot read the base scenario {} ({err}); the path is relative to the \
                         extending file's directory; chain: {} -> {}",
                        base_path.display(),
                        names(),
                        base_path.display()
                    ));
                }
            };
            seen.push(key);
            chain.push(Source {
                name: base_path.display().to_string(),
                text,
                kind: SourceKind::File,
            });
        }
        chain.reverse();
        Ok(Document {
            files: chain.len(),
            sources: chain,
        })
    }

    /// The texts with their places in the combined span space, for [`Diagnostics`].
    fn refs(&self) -> Vec<SourceRef<'_>> {
        let mut base = 0;
        self.sources
            .iter()
            .map(|source| {
                let r = SourceRef {
                    file: &source.name,
                    text: &source.text,
                    base,
                    positions: matches!(source.kind, SourceKind::File),
                };
                base += source.text.len() + 1;
                r
            })
            .collect()
    }

    fn diagnostics(&self) -> Diagnostics<'_> {
        Diagnostics::with_sources(self.refs(), self.files - 1)
    }

    /// Merges the chain and applies the overrides. Problems go to `diags`; `None` if the tree
    /// could not be built at all.
    pub(crate) fn tree(&self, diags: &mut Diagnostics<'_>) -> Option<Tree<'_>> {
        let refs = self.refs();
        let mut tree: Option<Tree<'_>> = None;
        let mut ok = true;
        for (source, place) in self.sources.iter().zip(&refs) {
            match &source.kind {
                SourceKind::File => {
                    let parsed = match DeTable::parse(&source.text) {
                        Ok(parsed) => parsed,
                        Err(err) => {
                            let span = err.span().map(|s| s.start + place.base..s.end + place.base);
                            diags.push(
                                span,
                                "",
                                format!("invalid TOML: {}", err.message().trim_end()),
                            );
                            ok = false;
                            continue;
                        }
                    };
                    let root_span = shift(parsed.span(), place.base);
                    let mut table = shift_table(parsed.into_inner(), place.base);
                    table.remove("extends");
                    let removals = table.remove("remove");
                    match &mut tree {
                        None => {
                            if let Some(removals) = removals {
                                diags.push(
                                    Some(removals.span()),
                                    "remove",
                                    "this file extends nothing, so there is nothing to remove",
                                );
                            }
                            tree = Some(Spanned::new(root_span, table));
                        }
                        Some(base) => {
                            if let Some(removals) = removals {
                                remove_paths(base.get_mut(), &removals, diags);
                            }
                            merge_tables(base.get_mut(), table, true);
                        }
                    }
                }
                SourceKind::Override { path } => {
                    let Some(base) = &mut tree else { continue };
                    let value = match DeValue::parse(&source.text) {
                        Ok(value) => shift_value(value, place.base),
                        Err(err) => {
                            diags.push(
                                None,
                                path.as_str(),
                                format!("invalid value: {}", err.message().trim_end()),
                            );
                            ok = false;
                            continue;
                        }
                    };
                    if let Err(message) = params::set(base.get_mut(), path, value) {
                        diags.push(Some(place.base..place.base), path.as_str(), message);
                        ok = false;
                    }
                }
            }
        }
        if !ok {
            return None;
        }
        tree
    }

    /// Checks the document and compiles it into a model.
    ///
    /// The study sections (`[sweep]`, `[[uncertain]]`) are not part of the model and are not
    /// checked here: `study::sections` checks them (and compiles the model with them).
    pub fn compile(&self) -> Result<LoadedScenario, ScenarioError> {
        self.compile_with(|_, _| {})
    }

    /// [`compile`](Self::compile), with `also` checking more of the merged tree (sections that
    /// a later layer owns) into the same diagnostics.
    pub(crate) fn compile_with(
        &self,
        also: impl FnOnce(&Tree<'_>, &mut Diagnostics<'_>),
    ) -> Result<LoadedScenario, ScenarioError> {
        let mut diags = self.diagnostics();
        let Some(tree) = self.tree(&mut diags) else {
            return Err(diags.into_error());
        };
        also(&tree, &mut diags);
        let model = compile::compile(&tree, &mut diags);
        match model {
            Some(model) if diags.is_empty() => {
                let text = self.resolved_text(&tree);
                Ok(LoadedScenario {
                    model,
                    file: self.file().to_string(),
                    hash: sha256_hex(&text),
                    text,
                })
            }
            _ => Err(diags.into_error()),
        }
    }

    /// The scenario as one self-contained TOML text: the file itself when nothing was extended
    /// or overridden, else the merged document with a header saying where it came from.
    fn resolved_text(&self, tree: &Tree<'_>) -> String {
        if self.sources.len() == 1 {
            return self.sources[0].text.clone();
        }
        let value = Spanned::new(tree.span(), DeValue::Table(tree.get_ref().clone()));
        let body = toml::Table::deserialize(ValueDeserializer::from(value))
            .ok()
            .and_then(|table| toml::to_string(&table).ok())
            .unwrap_or_default();
        let mut header = String::from("# Resolved by Corridor from ");
        header.push_str(&self.chain().collect::<Vec<_>>().join(", extended by "));
        for (path, value) in self.overrides() {
            header.push_str(&format!("; set {path} = {value}"));
        }
        format!("{header}\n{body}")
    }

    /// Sets or scales the number(s) at a parameter path (see `params` for the
    /// paths).
    ///
    /// An unknown path, or a change that does not fit the value there (scaling something absent,
    /// setting a list), is an error naming the path and, for an unknown path, the nearest valid
    /// ones; the document is then unchanged. A value that breaks a scenario rule (0 servers, say)
    /// is reported by [`compile`](Self::compile), naming the override.
    pub fn apply(&mut self, assignment: &Assignment) -> Result<(), ScenarioError> {
        let text = self.query(&assignment.path, |root| params::literal(root, assignment))?;
        self.sources.push(Source {
            name: format!("set {} = {text}", assignment.path),
            text,
            kind: SourceKind::Override {
                path: assignment.path.clone(),
            },
        });
        Ok(())
    }

    /// The current number at a parameter path (`None` if the path holds a list or a
    /// distribution table, or is a known field left unset).
    pub fn number(&self, path: &str) -> Result<Option<f64>, ScenarioError> {
        self.query(path, |root| params::number(root, path))
    }

    /// The value at a parameter path as TOML text, such as `2`, `[5.0, 5.0, ...]` or
    /// `{ dist = "exponential", mean = 2 }` (`None` for a known field left unset).
    pub fn value_text(&self, path: &str) -> Result<Option<String>, ScenarioError> {
        self.query(path, |root| params::value_text(root, path))
    }

    /// Runs `look` on the merged tree; its error becomes a diagnostic at `path`.
    fn query<T>(
        &self,
        path: &str,
        look: impl FnOnce(&DeTable<'_>) -> Result<T, String>,
    ) -> Result<T, ScenarioError> {
        let mut diags = self.diagnostics();
        let Some(tree) = self.tree(&mut diags) else {
            return Err(diags.into_error());
        };
        look(tree.get_ref()).map_err(|message| {
            diags.push(None, path, message);
            diags.into_error()
        })
    }

    /// Every parameter path of this document, sorted (what [`apply`](Self::apply) accepts).
    pub fn parameter_paths(&self) -> Result<Vec<String>, ScenarioError> {
        let mut diags = self.diagnostics();
        let Some(tree) = self.tree(&mut diags) else {
            return Err(diags.into_error());
        };
        Ok(params::paths(tree.get_ref()))
    }

    /// Runs `look` on the merged tree; `Err` if the tree cannot be built or `look` reports a
    /// problem.
    pub(crate) fn check<T>(
        &self,
        look: impl FnOnce(&Tree<'_>, &mut Diagnostics<'_>) -> T,
    ) -> Result<T, ScenarioError> {
        let mut diags = self.diagnostics();
        let Some(tree) = self.tree(&mut diags) else {
            return Err(diags.into_error());
        };
        let found = look(&tree, &mut diags);
        if diags.is_empty() {
            Ok(found)
        } else {
            Err(diags.into_error())
        }
    }

    /// A copy with `change` applied at `path` (a shorthand for studies).
    pub fn with(&self, path: &str, change: Change) -> Result<Document, ScenarioError> {
        let mut copy = self.clone();
        copy.apply(&Assignment {
            path: path.to_string(),
            change,
        })?;
        Ok(copy)
    }
}

/// Merges `overlay` into `base` (see the module documentation for the rules). `top` marks the
/// document root, whose element sections are matched by id.
fn merge_tables<'a>(base: &mut DeTable<'a>, overlay: DeTable<'a>, top: bool) {
    for (key, value) in overlay {
        let name = key.get_ref().to_string();
        let Some(existing) = base.get_mut(name.as_str()) else {
            base.insert(key, value);
            continue;
        };
        let both_arrays = existing.get_ref().is_array() && value.get_ref().is_array();
        let both_tables = existing.get_ref().is_table() && value.get_ref().is_table();
        if top && both_arrays && ELEMENT_SECTIONS.contains(&name.as_str()) {
            merge_elements(&name, existing.get_mut(), value.into_inner());
        } else if both_tables && !is_distribution(value.get_ref()) {
            if let (DeValue::Table(into), DeValue::Table(from)) =
                (existing.get_mut(), value.into_inner())
            {
                merge_tables(into, from, false);
            }
        } else {
            // Replace key and value, so messages point at the overriding file.
            base.remove(name.as_str());
            base.insert(key, value);
        }
    }
}

/// Merges the elements of array section `section` by id.
fn merge_elements<'a>(section: &str, base: &mut DeValue<'a>, overlay: DeValue<'a>) {
    let (DeValue::Array(base), DeValue::Array(overlay)) = (base, overlay) else {
        return;
    };
    for element in overlay {
        let id = element_id(section, element.get_ref());
        let target = id.as_ref().and_then(|id| {
            base.iter()
                .position(|e| element_id(section, e.get_ref()).as_ref() == Some(id))
        });
        match target {
            Some(index) => {
                if let (DeValue::Table(into), DeValue::Table(from)) =
                    (base.as_mut()[index].get_mut(), element.into_inner())
                {
                    merge_tables(into, from, false);
                }
            }
            None => base.push(element),
        }
    }
}

/// Applies a file's `remove = [...]` list to the tree it extends.
fn remove_paths(
    base: &mut DeTable<'_>,
    removals: &Spanned<DeValue<'_>>,
    diags: &mut Diagnostics<'_>,
) {
    let Some(list) = removals.get_ref().as_array() else {
        diags.push(
            Some(removals.span()),
            "remove",
            "must be a list of paths such as [\"node.kuryk-port\", \"node.aktau-port.yard_capacity\"]",
        );
        return;
    };
    for item in list {
        let Some(path) = item.get_ref().as_str() else {
            diags.push(
                Some(item.span()),
                "remove",
                "each entry must be a path string",
            );
            continue;
        };
        if let Err(message) = params::remove(base, path) {
            diags.push(Some(item.span()), format!("remove \"{path}\""), message);
        }
    }
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
