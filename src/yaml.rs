//! YAML through serde-saphyr (serde_yaml is unmaintained). Kept in one place so that every
//! reader gets the same budget against alias bombs and the same error wording.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

mod aliasing;

/// The parser options serde-saphyr 2 derives from [`read_options`] (`Budget::parser_options`
/// in `de/budget.rs`, `Options::parser_options` in `de/options.rs`), for the passes that read
/// granit-parser's events themselves: the same limits make the same inputs fail. Comments are
/// checked but not emitted, as there.
pub(crate) fn parser_options() -> granit_parser::Options {
    granit_parser::options! {
        simple_key_max_lookahead: 1024,
        flow_nesting_limit: 255,
        block_nesting_limit: 255,
        emit_comments: false,
        max_buffered_comment_events: 32,
        strict_indentation: false,
    }
}

/// serde-saphyr's options for a document kcred is handed (a file, stdin, a request body).
///
/// Its default `Budget` refuses valid YAML that kubectl (go-yaml v2 under sigs.k8s.io/yaml)
/// reads: more than 1,024 documents in one stream, more than 250,000 nodes or 1,000,000
/// events (a cluster's RBAC dumped as one YAML `List` reaches that), more than 32 comment
/// lines in a row where the parser looks ahead (between `rules:` and its first item). Here
/// comments are still checked as YAML syntax but not kept (kcred reads none), and the limits
/// that every node, event, document and scalar byte of the input already pays for with at
/// least half a byte of input grow with the input. So only aliases can reach them, and alias
/// expansion keeps serde-saphyr's own limits (`max_aliases`, `max_anchors`, the recorded anchor
/// events and bytes), nesting its `max_depth`.
pub(crate) fn read_options(text: &str) -> serde_saphyr::Options {
    let n = text.len().saturating_mul(2);
    let mut budget = serde_saphyr::Budget::default();
    budget.max_documents = budget.max_documents.max(n);
    budget.max_nodes = budget.max_nodes.max(n);
    budget.max_events = budget.max_events.max(n);
    budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.max(n);
    serde_saphyr::options! { emit_comments: false, budget: Some(budget) }
}

/// [`read_options`] for what kubectl reads with go-yaml v2 under sigs.k8s.io/yaml (manifests,
/// kubeconfigs, request bodies, CSR objects), each YAML document of `text` being one go-yaml
/// `Unmarshal` as kubectl reads it: `Unmarshal` without strict mode keeps the last of a
/// repeated key, and YAML 1.1 reads a leading-zero number as octal.
///
/// Aliases: a document go-yaml refuses for them ([`aliasing`]) is refused here, in go-yaml's
/// words; what it accepts, serde-saphyr must read too, so its alias limits (a count of
/// aliases, of recorded anchor events, a ratio of aliases to anchors) are widened to what the
/// accepted expansion needs. go-yaml's own rule keeps that bounded: at most about 400,000
/// decodes come from aliases unless the document itself is larger.
pub(crate) fn kubectl_read_options(
    text: &str,
) -> std::result::Result<serde_saphyr::Options, String> {
    let expanded = aliasing::check(text)?;
    let mut options = read_options(text);
    if expanded > 0
        && let Some(budget) = options.budget.as_mut()
    {
        let n = usize::try_from(expanded)
            .unwrap_or(usize::MAX)
            .saturating_mul(2);
        budget.enforce_alias_anchor_ratio = false;
        budget.max_aliases = budget.max_aliases.max(n);
        budget.max_nodes = budget.max_nodes.max(n);
        budget.max_events = budget.max_events.max(n);
        budget.max_recorded_anchor_events = budget.max_recorded_anchor_events.max(n);
    }
    options.legacy_octal_numbers = true;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    Ok(options)
}

/// Parse YAML into `T`. The error text is short and has no input echoed back.
pub fn from_str<T: DeserializeOwned>(text: &str) -> std::result::Result<T, String> {
    serde_saphyr::from_str_with_options(text, read_options(text)).map_err(|e| {
        let msg = e.to_string();
        msg.lines().next().unwrap_or("invalid YAML").to_string()
    })
}

/// Parse YAML that kubectl reads (with go-yaml v2, see [`kubectl_read_options`]) into `T`.
/// The error text is short and has no input echoed back.
pub(crate) fn kubectl_from_str<T: DeserializeOwned>(text: &str) -> std::result::Result<T, String> {
    let options = kubectl_read_options(text)?;
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let msg = e.to_string();
        msg.lines().next().unwrap_or("invalid YAML").to_string()
    })
}

/// Serialize `T` as YAML.
pub fn to_string<T: Serialize>(value: &T) -> Result<String> {
    serde_saphyr::to_string(value).map_err(|e| Error::Crypto(format!("encoding YAML: {e}")))
}

/// `text` up to the end of its first YAML document (all of it when the parser fails first,
/// so that the error is reported, or when there is only one).
pub(crate) fn first_document(text: &str) -> &str {
    use granit_parser::{Event, Parser, StrInput};
    let mut parser = Parser::new(StrInput::new(text));
    while let Some(Ok((event, span))) = parser.next_event() {
        match event {
            Event::DocumentEnd => {
                return span
                    .end
                    .byte_offset()
                    .and_then(|end| text.get(..end))
                    .unwrap_or(text);
            }
            Event::StreamEnd => break,
            _ => {}
        }
    }
    text
}

/// What kcred's YAML parser (YAML 1.2) would read otherwise than kubectl's go-yaml v2 does,
/// said instead of read: go-yaml (a libyaml port, YAML 1.1) ends lines at U+0085, U+2028 and
/// U+2029, and applies a `<<` merge key where it stands, so that it overwrites the keys
/// before it and a second `<<` overwrites the first (`decode.go`, `mapping`), where YAML's
/// merge-key rule keeps the mapping's own keys and the first merge. A `<<` first in its
/// mapping, once, reads the same in both and is accepted.
pub(crate) fn go_yaml_v2_difference(text: &str) -> Option<String> {
    // go-yaml v2 accepts `%YAML 1.1` only ("found incompatible YAML document").
    if let Some(line) = text
        .lines()
        .find(|l| l.starts_with("%YAML") && l.split_whitespace().nth(1) != Some("1.1"))
    {
        return Some(format!(
            "the directive {:?}: kubectl's YAML parser (go-yaml v2) reads YAML 1.1 only and refuses the file (found incompatible YAML document)",
            line.trim_end()
        ));
    }
    if let Some(c) = text
        .chars()
        .find(|c| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}'))
    {
        return Some(format!(
            "holds {:?}, which kubectl's YAML parser (go-yaml, YAML 1.1) reads as a line break and kcred's (YAML 1.2) does not; kcred cannot read the file as kubectl does: replace it with a newline or an escape",
            c
        ));
    }
    let bytes = text.as_bytes();
    let number_like = bytes.windows(2).any(|w| {
        (w[0] == b'_' && w[1].is_ascii_digit())
            || (w[1] == b'_' && w[0].is_ascii_digit())
            || (w[0] == b'0' && matches!(w[1], b'b' | b'o'))
    });
    if !text.contains("<<") && !number_like {
        return None;
    }
    use granit_parser::{Event, Parser, ScalarStyle, StrInput};
    // For each open collection: in a mapping, whether the next node is a key, and how many
    // keys came before.
    let mut stack: Vec<Option<(bool, usize)>> = Vec::new();
    let mut parser = Parser::new(StrInput::new(text));
    while let Some(Ok((event, span))) = parser.next_event() {
        if let Event::Scalar(value, ScalarStyle::Plain, _, None) = &event
            && go_yaml_v2_number_only(value)
        {
            return Some(format!(
                "line {}: the plain scalar {:?} is a number to kubectl's go-yaml v2 (it drops `_` and reads 0b/0o prefixes) and a string to kcred's YAML 1.2 parser: kcred cannot read it as kubectl does; quote it",
                span.start.line(),
                value.as_ref()
            ));
        }
        let (node, opens) = match &event {
            Event::Scalar(value, style, ..) => (
                Some(*style == ScalarStyle::Plain && value.as_ref() == "<<"),
                None,
            ),
            Event::Alias(_) => (Some(false), None),
            Event::MappingStart(..) => (Some(false), Some(Some((true, 0)))),
            Event::SequenceStart(..) => (Some(false), Some(None)),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                (None, None)
            }
            _ => (None, None),
        };
        if let Some(is_merge) = node
            && let Some(Some((expect_key, keys))) = stack.last_mut()
        {
            if *expect_key {
                if is_merge && *keys > 0 {
                    return Some(format!(
                        "line {}: a `<<` merge key after other keys of its mapping, which kubectl's go-yaml v2 applies over the keys before it (YAML's merge rule keeps them): kcred cannot read it as kubectl does; put `<<` first, once",
                        span.start.line()
                    ));
                }
                *keys += 1;
            }
            *expect_key = !*expect_key;
        }
        if let Some(frame) = opens {
            stack.push(frame);
        }
    }
    None
}

/// A plain scalar go-yaml v2 resolves to a number (`resolve.go`: `_` removed, then
/// `strconv.ParseInt`/`ParseUint` with base 0 or the float pattern) where YAML 1.2 reads a
/// string: one with `_`, or with a `0b`/`0o` prefix.
fn go_yaml_v2_number_only(s: &str) -> bool {
    let unsigned = s.trim_start_matches(['+', '-']);
    let prefixed = unsigned.starts_with("0b") || unsigned.starts_with("0o");
    if !s.contains('_') && !prefixed {
        return false;
    }
    if !s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return false;
    }
    let plain: String = unsigned.chars().filter(|c| *c != '_').collect();
    let int = match plain.get(..2) {
        Some("0x") | Some("0X") => u64::from_str_radix(&plain[2..], 16).is_ok(),
        Some("0b") | Some("0B") => u64::from_str_radix(&plain[2..], 2).is_ok(),
        Some("0o") | Some("0O") => u64::from_str_radix(&plain[2..], 8).is_ok(),
        _ if plain.len() > 1 && plain.starts_with('0') => {
            u64::from_str_radix(&plain[1..], 8).is_ok()
        }
        _ => !plain.is_empty() && plain.bytes().all(|b| b.is_ascii_digit()),
    };
    // yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let float = {
        let (mantissa, exp) = match plain.find(['e', 'E']) {
            Some(i) => (&plain[..i], Some(&plain[i + 1..])),
            None => (plain.as_str(), None),
        };
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let m_ok = match mantissa.split_once('.') {
            Some(("", frac)) => digits(frac),
            Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
            None => digits(mantissa),
        };
        let e_ok = exp.is_none_or(|e| digits(e.trim_start_matches(['+', '-'])));
        m_ok && e_ok
    };
    int || float
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// kubectl reads these; serde-saphyr's default budget refused them.
    #[test]
    fn comment_runs_and_large_documents_are_read() {
        let comments = "# c\n".repeat(40);
        let text = format!("users:\n{comments}- name: a\n  user: {{token: t}}\n");
        let v: Value = super::from_str(&text).unwrap();
        assert_eq!(v["users"][0]["name"], "a");
        let items = vec!["x"; 260_000].join(", ");
        let v: Value = super::from_str(&format!("items: [{items}]\n")).unwrap();
        assert_eq!(v["items"].as_array().map(Vec::len), Some(260_000));
    }

    #[test]
    fn merge_keys_that_go_yaml_v2_reads_otherwise_are_named() {
        let first = "b: &b {verbs: [get]}\nr:\n  <<: *b\n  verbs: ['*']\n";
        assert_eq!(super::go_yaml_v2_difference(first), None);
        let after = "b: &b {verbs: [get]}\nr:\n  verbs: ['*']\n  <<: *b\n";
        assert!(
            super::go_yaml_v2_difference(after)
                .unwrap()
                .contains("line 4")
        );
        let twice = "a: &a {x: 1}\nb: &b {x: 2}\nr: {<<: *a, <<: *b}\n";
        assert!(super::go_yaml_v2_difference(twice).is_some());
        assert_eq!(
            super::go_yaml_v2_difference("r: {'<<': 1, x: 2, y: \"<<\"}\n"),
            None
        );
        assert!(super::go_yaml_v2_difference("a: [get\u{85}]\n").is_some());
        for number in [
            "1_0", "1_0.5", "1e1_0", "1_", "0x_1F", "0b101", "-0o17", "1__2",
        ] {
            let t = format!("verbs: [get, {number}]\n");
            assert!(super::go_yaml_v2_difference(&t).is_some(), "{number}");
        }
        for string in ["a_1", "'1_0'", "get_1", "0bad", "1_a", "_1", "v1_2x"] {
            let t = format!("verbs: [get, {string}]\n");
            assert_eq!(super::go_yaml_v2_difference(&t), None, "{string}");
        }
    }

    /// Alias expansion keeps serde-saphyr's limits: a billion-laughs document is refused.
    #[test]
    fn alias_bombs_are_still_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (i, prev) in ('b'..='j').zip('a'..) {
            let refs = vec![format!("*{prev}"); 10].join(", ");
            text.push_str(&format!("{i}: &{i} [{refs}]\n"));
        }
        assert!(super::from_str::<Value>(&text).is_err());
    }
}
