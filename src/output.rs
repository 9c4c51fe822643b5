//! Rendering for people and for scripts: kubectl-style aligned tables, JSON, YAML. Nothing
//! is coloured, so output is the same on a terminal and in a pipe; text that came from
//! outside (a CN, a claim) is sanitised before it reaches a terminal.

use std::fmt::Write as _;
use std::str::FromStr;

use serde::Serialize;

use crate::error::{Error, Result};

/// `-o table|json|yaml`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for people.
    #[default]
    Table,
    /// JSON, 4-space indented like kubectl.
    Json,
    /// YAML.
    Yaml,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            // `text`: kubeadm's name for its human-readable output (`-o text`, the default
            // of `kubeadm certs check-expiration`; cmd/kubeadm/app/util/output/output.go).
            "table" | "text" | "wide" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "yaml" => Ok(Format::Yaml),
            _ => Err(format!(
                "unknown output format {s:?} (expected table, json or yaml)"
            )),
        }
    }
}

/// JSON as kubectl prints it: 4-space indent, trailing newline.
pub fn json<T: Serialize>(value: &T) -> Result<String> {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    value
        .serialize(&mut ser)
        .map_err(|e| Error::Encoding(format!("encoding JSON: {e}")))?;
    let mut s = String::from_utf8(buf).unwrap_or_default();
    s.push('\n');
    Ok(s)
}

/// YAML.
pub fn yaml<T: Serialize>(value: &T) -> Result<String> {
    crate::yaml::to_string(value)
}

/// JSON or YAML by `format`; `None` for table (the caller renders that itself).
pub fn structured<T: Serialize>(format: Format, value: &T) -> Result<Option<String>> {
    match format {
        Format::Json => json(value).map(Some),
        Format::Yaml => yaml(value).map(Some),
        Format::Table => Ok(None),
    }
}

/// Columns aligned the way kubectl's tabwriter aligns them (padding 3 spaces; the last
/// column is not padded).
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::with_capacity(rows.len() * (widths.iter().sum::<usize>() + 3 * cols));
    for row in rows {
        let start = out.len();
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] + 3 - cell.chars().count();
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        let kept = start + out[start..].trim_end().len();
        out.truncate(kept);
        out.push('\n');
    }
    out
}

/// Make outside text safe for a terminal: control characters (a certificate can carry
/// escape sequences) become `\u{..}` escapes.
pub fn sanitize(s: &str) -> String {
    if !s.contains(char::is_control) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// A name from outside (a CN, a group, a context) in double quotes for a message, escaped
/// once: a quote or backslash in it is escaped, control characters as [`sanitize`] does.
pub fn quoted(s: &str) -> String {
    format!(
        "\"{}\"",
        sanitize(&s.replace('\\', "\\\\").replace('"', "\\\""))
    )
}

/// A list of names (groups) for kcred's own messages: `[a b]` as Go prints a list, but a
/// name that is empty or holds a space, a quote or a bracket is [`quoted`], so that one
/// group cannot read as two (`[system:masters "a b"]`). Tables that mirror kubectl's output
/// use [`go_list`].
pub fn names(items: &[String]) -> String {
    let shown: Vec<String> = items
        .iter()
        .map(|n| {
            if n.is_empty() || n.contains(|c: char| c.is_whitespace() || "\"[]".contains(c)) {
                quoted(n)
            } else {
                sanitize(n)
            }
        })
        .collect();
    format!("[{}]", shown.join(" "))
}

/// Go's `fmt` rendering of a string slice, `[a b c]`, as kubectl prints groups.
pub fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_three_spaces_like_tabwriter() {
        let t = table(&[
            vec!["ATTRIBUTE".into(), "VALUE".into()],
            vec!["Username".into(), "admin".into()],
        ]);
        assert_eq!(t, "ATTRIBUTE   VALUE\nUsername    admin\n");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(sanitize("a\u{1b}[31mb"), "a\\u{1b}[31mb");
    }

    #[test]
    fn names_are_quoted_and_escaped_once() {
        assert_eq!(quoted("a\nb"), r#""a\u{a}b""#);
        assert_eq!(quoted(r#"say "hi"\"#), r#""say \"hi\"\\""#);
        let groups = ["system:masters", "a b", "", "x\u{1b}[31m"].map(String::from);
        assert_eq!(names(&groups), r#"[system:masters "a b" "" "x\u{1b}[31m"]"#);
    }
}
