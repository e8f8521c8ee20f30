//! Errors in scenario input.
//!
//! A [`Diagnostic`] points at one problem: file, line and column where known, the key path
//! (`node "aktau".servers`) and what is allowed. Validation collects every diagnostic it can find
//! in one pass and returns them together in [`ScenarioError::Invalid`].

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// The file, as the user named it (or `<built-in ...>`).
    pub file: String,
    /// 1-based line and column, if known.
    pub position: Option<(usize, usize)>,
    /// Key path of the offending value, such as `node "aktau".servers`.
    pub path: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario file {}: {source}", path.display())]
    Io {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file was read but has problems; every one found is listed.
    #[error("{}", render(diagnostics))]
    Invalid {
        /// The problems, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

/// Most problems a message lists; the rest are counted.
pub const MAX_LISTED: usize = 100;

fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = format!(
        "scenario has {} problem{}:",
        diagnostics.len(),
        if diagnostics.len() == 1 { "" } else { "s" }
    );
    for diagnostic in diagnostics.iter().take(MAX_LISTED) {
        out.push_str("\n  ");
        out.push_str(&diagnostic.to_string());
    }
    if diagnostics.len() > MAX_LISTED {
        let rest = diagnostics.len() - MAX_LISTED;
        out.push_str(&format!(
            "\n  ... and {rest} more problem{} (fix these first)",
            if rest == 1 { "" } else { "s" }
        ));
    }
    out
}

/// One text a document was assembled from, as [`Diagnostics`] sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SourceRef<'a> {
    /// The file name shown in messages.
    pub file: &'a str,
    /// The text.
    pub text: &'a str,
    /// Offset of the text's first byte in the document's combined span space.
    pub base: usize,
    /// Whether line:column positions mean anything (not for a generated text such as a
    /// parameter override).
    pub positions: bool,
}

/// Collects diagnostics for a document assembled from one or more source texts (a scenario and
/// the files it extends), turning byte spans into file, line and column.
///
/// Spans live in one combined space: source `k`'s bytes start at its `base`, after the bytes (and
/// one separator) of every earlier source, so a span alone says which text it points into.
#[derive(Debug)]
pub(crate) struct Diagnostics<'a> {
    sources: Vec<SourceRef<'a>>,
    /// Byte offsets of the line starts of each source, computed when it is first needed, so
    /// that locating each of many problems costs a binary search, not a scan of the text.
    line_starts: Vec<Option<Vec<usize>>>,
    /// The source named when a problem has no span (the file the user gave).
    main: usize,
    list: Vec<Diagnostic>,
}

impl<'a> Diagnostics<'a> {
    /// An empty collector for a single `text`, read from `file`.
    pub fn new(file: &'a str, text: &'a str) -> Diagnostics<'a> {
        Diagnostics::with_sources(
            vec![SourceRef {
                file,
                text,
                base: 0,
                positions: true,
            }],
            0,
        )
    }

    /// An empty collector for a document assembled from `sources` (in increasing `base` order);
    /// problems without a span are reported against `sources[main]`.
    pub fn with_sources(sources: Vec<SourceRef<'a>>, main: usize) -> Diagnostics<'a> {
        assert!(
            main < sources.len(),
            "the main source is one of the sources"
        );
        Diagnostics {
            line_starts: vec![None; sources.len()],
            sources,
            main,
            list: Vec::new(),
        }
    }

    /// Records a problem at byte span `span` (if known).
    pub fn push(
        &mut self,
        span: Option<Range<usize>>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        let (file, position) = match span {
            Some(span) => {
                let index = self
                    .sources
                    .iter()
                    .rposition(|s| s.base <= span.start)
                    .unwrap_or(self.main);
                let source = self.sources[index];
                let offset = span.start.saturating_sub(source.base);
                let position = source.positions.then(|| {
                    let starts =
                        self.line_starts[index].get_or_insert_with(|| line_starts(source.text));
                    line_column_indexed(source.text, starts, offset)
                });
                (source.file, position)
            }
            None => (self.sources[self.main].file, None),
        };
        self.list.push(Diagnostic {
            file: file.to_string(),
            position,
            path: path.into(),
            message: message.into(),
        });
    }

    /// How many problems have been recorded.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Prefixes the path of every problem recorded since the first `from` with `prefix`.
    pub fn prefix_since(&mut self, from: usize, prefix: &str) {
        for d in self.list.iter_mut().skip(from) {
            d.path = if d.path.is_empty() {
                prefix.to_string()
            } else {
                format!("{prefix}: {}", d.path)
            };
        }
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The diagnostics grouped by source in document order, each group in text order (those
    /// without a position last).
    pub fn into_error(self) -> ScenarioError {
        let order = |file: &str| {
            self.sources
                .iter()
                .position(|s| s.file == file)
                .unwrap_or(usize::MAX)
        };
        let mut keyed: Vec<(usize, (usize, usize), Diagnostic)> = self
            .list
            .iter()
            .map(|d| {
                let position = d.position.unwrap_or((usize::MAX, usize::MAX));
                (order(&d.file), position, d.clone())
            })
            .collect();
        keyed.sort_by_key(|(source, position, _)| (*source, *position));
        let mut diagnostics: Vec<Diagnostic> = keyed.into_iter().map(|(_, _, d)| d).collect();
        // The same problem reached twice (a flow whose two routes cross one small yard, say) is
        // listed once.
        let mut seen = std::collections::HashSet::new();
        diagnostics.retain(|d| seen.insert(d.clone()));
        ScenarioError::Invalid { diagnostics }
    }
}

/// Up to `count` of `candidates` closest to `name` by edit distance (Levenshtein), closest
/// first, ties in alphabetical order, without repeats: the "did you mean" list of every
/// unknown-name error (parameter paths, KPI names).
pub(crate) fn nearest<S: AsRef<str>>(
    name: &str,
    candidates: impl IntoIterator<Item = S>,
    count: usize,
) -> Vec<String> {
    let mut scored: Vec<(usize, String)> = candidates
        .into_iter()
        .map(|c| {
            (
                strsim::levenshtein(name, c.as_ref()),
                c.as_ref().to_string(),
            )
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(count).map(|(_, c)| c).collect()
}

/// Byte offsets where the lines of `text` start.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// [`line_column`] with the line starts of `text` known.
fn line_column_indexed(text: &str, starts: &[usize], offset: usize) -> (usize, usize) {
    let offset = text.floor_char_boundary(offset.min(text.len()));
    let line = starts.partition_point(|&s| s <= offset);
    let start = starts[line - 1];
    (line, text[start..offset].chars().count() + 1)
}

/// 1-based line and column (in characters) of byte offset `offset` in `text`.
#[cfg(test)]
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_line_and_column() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 3));
        assert_eq!(line_column(text, 1000), (3, 1));
        let starts = line_starts(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                line_column_indexed(text, &starts, offset),
                line_column(text, offset),
                "{offset}"
            );
        }
    }

    #[test]
    fn at_most_a_hundred_problems_are_listed() {
        let diagnostics: Vec<Diagnostic> = (0..250)
            .map(|i| Diagnostic {
                file: "f.toml".into(),
                position: Some((i + 1, 1)),
                path: "node".into(),
                message: format!("problem {i}"),
            })
            .collect();
        let text = ScenarioError::Invalid { diagnostics }.to_string();
        assert!(text.starts_with("scenario has 250 problems:"), "{text}");
        assert_eq!(text.lines().count(), 1 + MAX_LISTED + 1);
        assert!(
            text.ends_with("... and 150 more problems (fix these first)"),
            "{text}"
        );
    }

    #[test]
    fn diagnostic_display_names_file_place_path_and_rule() {
        let d = Diagnostic {
            file: "baseline.toml".into(),
            position: Some((42, 11)),
            path: "node \"aktau\".servers".into(),
            message: "must be at least 1, got 0".into(),
        };
        assert_eq!(
            d.to_string(),
            "baseline.toml:42:11: node \"aktau\".servers: must be at least 1, got 0"
        );
    }
}
