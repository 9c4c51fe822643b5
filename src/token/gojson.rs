//! JSON bytes as the API server writes them. go-jose marshals claims with its fork of Go's
//! `encoding/json`, which escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings
//! (`\u003c`, …); serde_json does not. A token whose audience is a URL with a query string
//! would otherwise differ byte for byte from the API server's.

use serde::Serialize;
use serde_json::ser::Formatter;

use crate::error::{Error, Result};

struct GoFormatter;

impl Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let esc = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(esc.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Compact JSON with Go's string escaping.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, GoFormatter);
    value
        .serialize(&mut ser)
        .map_err(|e| Error::Crypto(format!("encoding JSON: {e}")))?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_like_go() {
        let v = serde_json::json!({"aud": ["https://x/?a=1&b=<2>\u{2028}é\n"]});
        assert_eq!(
            String::from_utf8(super::to_vec(&v).unwrap()).unwrap(),
            r#"{"aud":["https://x/?a=1\u0026b=\u003c2\u003e\u2028é\n"]}"#
        );
    }
}
