//! A token split and decoded for *showing*, trusting nothing: no upstream function does
//! this, so it reads each part as go-jose's `ParseSigned` would (whitespace stripped,
//! base64url without padding, Go's JSON syntax) and notes what go-jose would refuse.

use serde_json::{Map, Value};

use super::super::gojson::{self, J};
use super::super::jose::{self, PublicClaims};
use crate::error::{Error, Result};

/// A token split and decoded, NOT verified.
#[derive(Clone, Debug)]
pub struct DecodedToken {
    /// The JOSE header, for showing (duplicate keys: the last one shown).
    pub header: Map<String, Value>,
    /// The claims, for showing.
    pub claims: Map<String, Value>,
    /// Problems go-jose or encoding/json would have with the JSON (duplicate keys, …).
    pub json_notes: Vec<String>,
    payload: Vec<u8>,
    token: String,
}

/// The token in `input`: surrounding whitespace and a `Bearer ` prefix removed.
pub fn clean(input: &str) -> &str {
    let t = input.trim();
    let lower = t.get(..7).map(|p| p.eq_ignore_ascii_case("bearer "));
    if lower == Some(true) {
        t[7..].trim()
    } else {
        t
    }
}

/// Split and decode a token for display. `source` names it in errors; errors never quote
/// the token. Parts are read as go-jose reads them (whitespace stripped, base64url without
/// padding, Go's JSON syntax).
pub fn decode(source: &str, input: &str) -> Result<DecodedToken> {
    let token = clean(input);
    let bad = |p: &str| Error::input(source, p.to_string());
    if token.is_empty() {
        return Err(bad("no token given"));
    }
    if token.starts_with('{') {
        return Err(bad(
            "not a compact JWT (JSON serialisation is not accepted)",
        ));
    }
    let stripped = crate::token::jose::strip_whitespace(token);
    let parts: Vec<&str> = stripped.split('.').collect();
    if parts.len() != 3 {
        return Err(bad(&format!(
            "not a JWT: expected 3 dot-separated parts, found {}",
            parts.len()
        )));
    }
    let mut json_notes = Vec::new();
    let mut part = |i: usize, what: &str| -> Result<(Map<String, Value>, Vec<u8>)> {
        let bytes = jose::go_raw_url_decode(parts[i])
            .ok_or_else(|| bad(&format!("the {what} is not base64url")))?;
        let parsed =
            gojson::parse(&bytes).map_err(|e| bad(&format!("the {what} is not JSON: {e}")))?;
        if let J::Obj(members) = &parsed.value {
            let mut seen = std::collections::HashSet::new();
            for (k, _) in members {
                if !seen.insert(k) {
                    json_notes.push(format!(
                        "the {what} has the key {k:?} twice: go-jose refuses the token"
                    ));
                }
            }
        }
        match parsed.value.to_display(gojson::DISPLAY_DEPTH) {
            Value::Object(m) => Ok((m, bytes)),
            _ => Err(bad(&format!("the {what} is not a JSON object"))),
        }
    };
    let (header, _) = part(0, "header")?;
    let (claims, payload) = part(1, "payload")?;
    if jose::go_raw_url_decode(parts[2]).is_none() {
        return Err(bad("the signature is not base64url"));
    }
    Ok(DecodedToken {
        header,
        claims,
        json_notes,
        payload,
        token: token.to_string(),
    })
}

impl DecodedToken {
    /// The header's `alg`.
    pub fn alg(&self) -> &str {
        self.header.get("alg").and_then(Value::as_str).unwrap_or("")
    }

    /// The header's `kid`, empty if absent.
    pub fn kid(&self) -> &str {
        self.header.get("kid").and_then(Value::as_str).unwrap_or("")
    }

    /// The `iss` claim as go-jose reads it, empty if absent or unreadable.
    pub fn issuer(&self) -> String {
        self.public().map(|c| c.iss).unwrap_or_default()
    }

    /// `aud` as go-jose reads it (a string or an array of strings).
    pub fn audiences(&self) -> Vec<String> {
        self.public().map(|c| c.aud).unwrap_or_default()
    }

    /// A numeric time claim (`exp`, `iat`, `nbf`) as go-jose's `NumericDate` reads it.
    pub fn time(&self, name: &str) -> Option<i64> {
        let c = self.public().ok()?;
        match name {
            "exp" => c.exp,
            "iat" => c.iat,
            "nbf" => c.nbf,
            _ => None,
        }
    }

    /// The token as given (cleaned).
    pub fn as_str(&self) -> &str {
        &self.token
    }

    pub(super) fn payload_tree(&self) -> std::result::Result<J, String> {
        gojson::parse(&self.payload).map(|p| p.value)
    }

    fn public(&self) -> std::result::Result<PublicClaims, String> {
        jose::decode_public(&self.payload_tree()?)
    }
}
