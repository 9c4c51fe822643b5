//! A manifest file as `kubectl create -f` splits it into documents.
//!
//! kubectl does not hand a YAML file to a YAML parser whole. apimachinery's `YAMLReader`
//! (`pkg/util/yaml/decoder.go`, `Read`) cuts it into chunks at lines that start with `---`
//! (reading lines up to `\n`, a `\r` before it dropped), refuses a separator line with
//! anything but a comment after the dashes, and each chunk is then one go-yaml `Unmarshal`
//! (through sigs.k8s.io/yaml), which reads the chunk's *first* document only. So text after
//! a `...` end marker is never created, a file whose lines end in `\r` alone is one chunk of
//! which only the first document counts, and a `%YAML` directive is a chunk of its own that
//! go-yaml refuses. A file that starts with `{` is a JSON stream instead
//! (`YAMLOrJSONDecoder`), which this module leaves alone.
//!
//! [`kubectl_view`] gives the text kcred's readers should parse to see the documents
//! kubectl sees: the file itself when its chunks are plain YAML documents (nearly always),
//! else the chunks cut down to their first documents and joined again.

use std::borrow::Cow;

/// The text of the documents kubectl reads from `text` (YAML), or kubectl's refusal.
pub(crate) fn kubectl_view(text: &str) -> Result<Cow<'_, str>, String> {
    let mut chunks: Vec<String> = Vec::new();
    let mut buf = String::new();
    let mut rebuild = false;
    for raw in text.split_inclusive('\n') {
        let line = match raw.strip_suffix('\n') {
            Some(l) => l.strip_suffix('\r').unwrap_or(l),
            None => raw,
        };
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                return Err(format!(
                    "invalid Yaml document separator: {rest} (kubectl reads nothing but a comment after `---`)"
                ));
            }
            if !buf.is_empty() {
                chunks.push(std::mem::take(&mut buf));
                continue;
            }
        }
        if line.starts_with('%') {
            return Err(format!(
                "a YAML directive ({line}): kubectl splits the file at the `---` after it and cannot read the directive alone (go-yaml: did not find expected <document start>)"
            ));
        }
        // A line that ends a document (`...`), or a `\r` that ends a line for YAML but not
        // for kubectl's reader: the chunk may hold more than its first document.
        rebuild |= line.starts_with("...") || line.contains('\r');
        buf.push_str(line);
        buf.push('\n');
    }
    if !buf.is_empty() {
        chunks.push(buf);
    }
    if !rebuild {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    for chunk in &chunks {
        let first = crate::yaml::first_document(chunk);
        out.push_str("---\n");
        out.push_str(first);
        if !first.ends_with('\n') {
            out.push('\n');
        }
        // go-yaml stops after the first document: a `...` closing it is not content.
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::kubectl_view;

    #[test]
    fn plain_files_are_read_whole() {
        let t = "a: 1\n---\nb: 2\n--- # two\nc: 3\n";
        assert!(matches!(kubectl_view(t), Ok(std::borrow::Cow::Borrowed(_))));
    }

    #[test]
    fn what_follows_an_end_marker_or_hides_behind_a_bare_cr_is_dropped() {
        let v = kubectl_view("a: 1\n...\nb: 2\n---\nc: 3\n").unwrap();
        assert!(
            v.contains("a: 1") && !v.contains("b: 2") && v.contains("c: 3"),
            "{v}"
        );
        let v = kubectl_view("a: 1\r---\rb: 2\r").unwrap();
        assert!(v.contains("a: 1") && !v.contains("b: 2"), "{v}");
    }

    #[test]
    fn kubectl_refusals() {
        assert!(
            kubectl_view("--- {a: 1}\n")
                .unwrap_err()
                .contains("separator")
        );
        assert!(
            kubectl_view("%YAML 1.2\n---\na: 1\n")
                .unwrap_err()
                .contains("directive")
        );
    }
}
