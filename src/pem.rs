//! PEM over the `pem` crate: reading with errors that name the file, and [`encode`], the one
//! writer every PEM file kcred writes goes through (LF line endings, as Go's `pem.Encode`;
//! the callers pass the labels kubeadm writes, DESIGN.md §7).

use crate::error::{Error, Result};

/// Every PEM block in `text`; an error naming `source` if there are none or one is broken.
pub fn parse_all(source: &str, text: &[u8]) -> Result<Vec<pem::Pem>> {
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(source, "the file is empty"));
    }
    if !contains(text, b"-----BEGIN ") {
        return Err(Error::input(
            source,
            "no PEM data found (expected -----BEGIN …-----)",
        ));
    }
    let blocks = pem::parse_many(text).map_err(|e| Error::input(source, describe(&e)))?;
    if blocks.is_empty() {
        return Err(Error::input(
            source,
            "no complete PEM block found (truncated?)",
        ));
    }
    Ok(blocks)
}

/// Whether `text` looks like PEM rather than DER.
pub fn looks_like_pem(text: &[u8]) -> bool {
    contains(text, b"-----BEGIN ")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn describe(e: &pem::PemError) -> String {
    match e {
        pem::PemError::MismatchedTags(a, b) => {
            format!("broken PEM: BEGIN {a} does not match END {b}")
        }
        pem::PemError::MissingEndTag => "truncated PEM: missing the END line".into(),
        pem::PemError::MissingData => "empty PEM block".into(),
        pem::PemError::MissingBeginTag | pem::PemError::MalformedFraming => {
            "malformed PEM framing".into()
        }
        pem::PemError::InvalidData(_) => "bad base64 inside the PEM block".into(),
        pem::PemError::NotUtf8(_) => "PEM text is not UTF-8".into(),
        other => format!("malformed PEM ({other})"),
    }
}

/// Encode one block with LF line endings, as Go's `pem.Encode` writes.
pub fn encode(label: &str, der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new(label, der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}
