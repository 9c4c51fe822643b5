//! Step 1 of `AuthenticateToken`: `hasCorrectIssuer` (`pkg/serviceaccount/jwt.go`) reads
//! `iss` with Go's `encoding/json`, whose key matching differs from go-jose's fork.

use super::super::gojson::{self, J};

/// `encoding/json` `foldName` for the keys that can match the ASCII field `iss`: ASCII upper
/// case, and the two non-ASCII runes whose case-fold orbit holds an ASCII letter (U+017F ſ
/// folds with S, U+212A Kelvin sign with K). Other runes never fold to ASCII.
fn go_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{17F}' => 'S',
            '\u{212A}' => 'K',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

/// `hasCorrectIssuer`'s read of `iss` from the decoded payload, with `encoding/json`
/// (`decode.go`, `object`): `Err` when `json.Unmarshal` fails (the token is then not this
/// authenticator's).
pub fn peek_issuer(payload: &[u8]) -> Result<String, String> {
    let parsed = gojson::parse(payload)?;
    // encoding/json scanner.go: maxNestingDepth = 10000.
    if parsed.depth > 10_000 {
        return Err("exceeded max depth".into());
    }
    match &parsed.value {
        J::Null => Ok(String::new()),
        J::Obj(members) => {
            let mut iss = String::new();
            let mut err = None;
            for (k, v) in members {
                if k != "iss" && go_fold(k) != "ISS" {
                    continue;
                }
                match v {
                    J::Str(s) => iss = s.clone(),
                    J::Null => {}
                    other => {
                        err.get_or_insert(format!(
                            "json: cannot unmarshal {} into Go struct field .iss of type string",
                            other.kind()
                        ));
                    }
                }
            }
            err.map_or(Ok(iss), Err)
        }
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type struct {{ Issuer string }}",
            other.kind()
        )),
    }
}
