//! YAML through serde-saphyr (serde_yaml is unmaintained). Kept in one place so that every
//! reader gets the same budget against alias bombs and the same error wording.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

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

/// Parse YAML into `T`. The error text is short and has no input echoed back.
pub fn from_str<T: DeserializeOwned>(text: &str) -> std::result::Result<T, String> {
    serde_saphyr::from_str_with_options(text, read_options(text)).map_err(|e| {
        let msg = e.to_string();
        msg.lines().next().unwrap_or("invalid YAML").to_string()
    })
}

/// Serialize `T` as YAML.
pub fn to_string<T: Serialize>(value: &T) -> Result<String> {
    serde_saphyr::to_string(value).map_err(|e| Error::Crypto(format!("encoding YAML: {e}")))
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
