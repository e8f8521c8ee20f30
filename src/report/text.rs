//! Text that leaves the program for a terminal or a page: control characters made visible, and
//! estimates written as `mean ± half-width`.

use std::borrow::Cow;

use crate::base::Estimate;

/// Whether `c` must not reach a terminal or a page raw: C0 and C1 control characters (ESC, NUL,
/// CR, ...) but newline and tab, DEL, and the bidirectional overrides and isolates that can make
/// text read differently from what it holds.
fn hidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character written as its escape (`\u{1b}` for ESC), so that a name
/// in a scenario cannot move the cursor, clear the screen or hide text. Text without control
/// characters is returned as it is.
pub fn visible_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `mean ± half-width` with `decimals` decimals, scaled by `scale`; `-` when absent.
pub(crate) fn pm(estimate: &Option<Estimate>, scale: f64, decimals: usize) -> String {
    match estimate {
        None => "-".to_string(),
        Some(Estimate {
            mean,
            half_width: Some(half_width),
            ..
        }) => format!(
            "{:.decimals$} ± {:.decimals$}",
            mean * scale,
            half_width * scale
        ),
        Some(e) => format!("{:.decimals$}", e.mean * scale),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(visible_controls("plain\tname\n"), "plain\tname\n");
        assert!(matches!(visible_controls("plain"), Cow::Borrowed(_)));
        assert_eq!(
            visible_controls("a\u{1b}[2Jb\0c\u{7f}\u{9b}\u{202e}d\r"),
            "a\\u{1b}[2Jb\\u{0}c\\u{7f}\\u{9b}\\u{202e}d\\u{d}"
        );
    }
}
