//! Step 2 of `AuthenticateToken`: the compact JWS as go-jose v2.6.3 parses it
//! (`jws.go` `ParseSigned`, `shared.go` `rawHeader.sanitized`) and the signing input it
//! verifies (`jws.go` `computeAuthData`, `DetachedVerify`'s `crit` rule).

use super::super::gojson::{self, J};
use super::fork::{interface_check, no_duplicates, string_field, struct_members};
use super::gobase64::{go_raw_url_decode, go_std_decode, raw_url_encode};

/// The parsed JOSE header, as `rawHeader` plus what `sanitized()` checked.
#[derive(Debug, Default)]
pub struct Header {
    /// `alg` (`getSignatureAlgorithm`: empty when absent or null).
    pub alg: String,
    /// `kid`, empty when absent or null.
    pub kid: String,
    /// The raw `crit` value, if present and not null.
    pub(super) crit: Option<J>,
    /// The raw `b64` value, if present and not null.
    pub(super) b64: Option<J>,
    /// An empty protected header: `computeAuthData` fails to decode it again.
    pub(super) empty: bool,
}

/// A compact JWS as go-jose's `ParseSigned` leaves it.
#[derive(Debug)]
pub struct Signed {
    /// The header.
    pub header: Header,
    pub(super) header_bytes: Vec<u8>,
    /// The decoded payload.
    pub payload: Vec<u8>,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// go-jose's `stripWhitespace` (encoding.go): `unicode.IsSpace` is Unicode White_Space, as
/// `char::is_whitespace`. A token without any (the usual case) is not copied.
pub fn strip_whitespace(token: &str) -> std::borrow::Cow<'_, str> {
    // The usual token is ASCII without a space: one pass over its bytes decides that.
    let plain = token.is_ascii() && !token.bytes().any(|b| matches!(b, b'\t'..=b'\r' | b' '));
    if !plain && token.contains(char::is_whitespace) {
        token.chars().filter(|c| !c.is_whitespace()).collect()
    } else {
        token.into()
    }
}

/// `jose.ParseSigned` on a compact token; `Err` means go-jose cannot parse it.
pub fn parse_signed(token: &str) -> Result<Signed, String> {
    let stripped = strip_whitespace(token);
    if stripped.starts_with('{') {
        return Err("the JWS JSON serialization is not a ServiceAccount token".into());
    }
    let parts: Vec<&str> = stripped.split('.').collect();
    if parts.len() != 3 {
        return Err("square/go-jose: compact JWS format must have three parts".into());
    }
    let dec = |i: usize, what: &str| {
        go_raw_url_decode(parts[i])
            .ok_or_else(|| format!("illegal base64 data in the {what} (go-jose: ParseSigned)"))
    };
    let header_bytes = dec(0, "header")?;
    let payload = dec(1, "payload")?;
    let signature = dec(2, "signature")?;
    let header = parse_header(&header_bytes)?;
    Ok(Signed {
        header,
        header_bytes,
        payload,
        signature,
    })
}

/// `rawJSONWebSignature.sanitized` for the flattened (compact) form.
pub(super) fn parse_header(bytes: &[u8]) -> Result<Header, String> {
    let mut h = Header::default();
    if bytes.is_empty() {
        // `len(parsed.Protected.bytes()) > 0` is false: no header at all.
        h.empty = true;
        return Ok(h);
    }
    let parsed = gojson::parse(bytes).map_err(|e| format!("the header is not JSON: {e}"))?;
    let members: &[(String, J)] = match &parsed.value {
        J::Null => return Ok(h),
        J::Obj(m) => {
            no_duplicates(m).map_err(|e| format!("the header: {e}"))?;
            m
        }
        other => {
            return Err(format!(
                "the header: json: cannot unmarshal {} into Go value of type jose.rawHeader",
                other.kind()
            ));
        }
    };
    let mut jwk: Option<&J> = None;
    for (k, v) in members {
        if *v == J::Null {
            continue; // a nil *json.RawMessage is skipped
        }
        let must_string = |what: &str| match v {
            J::Str(s) => Ok(s.clone()),
            other => Err(format!(
                "failed to unmarshal {what}: json: cannot unmarshal {} into Go value of type string",
                other.kind()
            )),
        };
        match k.as_str() {
            "jwk" => jwk = Some(v),
            "kid" => h.kid = must_string("key ID")?,
            "alg" => h.alg = must_string("algorithm")?,
            "nonce" => {
                must_string("nonce")?;
            }
            "x5c" => x5c(v).map_err(|e| format!("failed to unmarshal x5c header: {e}"))?,
            other => {
                interface_check(v).map_err(|e| format!("failed to unmarshal value: {e}"))?;
                match other {
                    "crit" => h.crit = Some(clone_shallow(v)),
                    "b64" => h.b64 = Some(clone_shallow(v)),
                    _ => {}
                }
            }
        }
    }
    if let Some(j) = jwk {
        embedded_jwk(j)?;
    }
    Ok(h)
}

/// A copy of a value for `crit`/`b64`, whose meaningful forms are shallow (a list of strings,
/// a bool); anything deeper is replaced by an empty object, which fails the same way.
fn clone_shallow(j: &J) -> J {
    match j {
        J::Null => J::Null,
        J::Bool(b) => J::Bool(*b),
        J::Num(n) => J::Num(n.clone()),
        J::Str(s) => J::Str(s.clone()),
        J::Arr(a) => J::Arr(
            a.iter()
                .map(|v| match v {
                    J::Str(s) => J::Str(s.clone()),
                    J::Null => J::Null,
                    _ => J::Obj(Vec::new()),
                })
                .collect(),
        ),
        J::Obj(_) => J::Obj(Vec::new()),
    }
}

/// `parseCertificateChain`: each entry standard base64 of a DER certificate that Go's
/// `x509.ParseCertificate` reads (no trailing bytes).
pub(super) fn x5c(v: &J) -> Result<(), String> {
    let J::Arr(items) = v else {
        return Err(format!(
            "json: cannot unmarshal {} into Go value of type []string",
            v.kind()
        ));
    };
    for item in items {
        let s = match item {
            J::Str(s) => s.as_str(),
            J::Null => "",
            other => {
                return Err(format!(
                    "json: cannot unmarshal {} into Go value of type string",
                    other.kind()
                ));
            }
        };
        let der = go_std_decode(s).ok_or("illegal base64 data")?;
        match x509_parser::parse_x509_certificate(&der) {
            Ok(([], _)) => {}
            Ok(_) => return Err("x509: trailing data".into()),
            Err(e) => return Err(format!("x509: malformed certificate ({e})")),
        }
    }
    Ok(())
}

/// `JSONWebKey.UnmarshalJSON`, then "only public keys are allowed to be embedded"
/// (`sanitized`, RFC 7515 §4.1.3). Approximated: the key type's required members must be
/// there and decode as base64url; a private member (`d`) or a symmetric key is refused.
fn embedded_jwk(j: &J) -> Result<(), String> {
    const ERR: &str = "square/go-jose: invalid embedded jwk, must be public key";
    let members = struct_members(j, "jose.rawJSONWebKey")?.ok_or(ERR)?;
    let get = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let text = |name: &str| -> Result<Option<String>, String> {
        get(name).map(|v| string_field(v, name)).transpose()
    };
    let bytes = |name: &str| -> Result<Option<Vec<u8>>, String> {
        match text(name)? {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => go_raw_url_decode(&s)
                .map(Some)
                .ok_or_else(|| format!("square/go-jose: illegal base64 data in jwk member {name}")),
        }
    };
    for name in ["use", "kid", "crv", "alg", "x5u"] {
        text(name)?;
    }
    let d = bytes("d")?;
    let kty = text("kty")?.unwrap_or_default();
    let public = match kty.as_str() {
        "EC" => {
            let size = match text("crv")?.as_deref() {
                Some("P-256") => 32,
                Some("P-384") => 48,
                Some("P-521") => 66,
                other => {
                    return Err(format!(
                        "square/go-jose: unsupported elliptic curve '{other:?}'"
                    ));
                }
            };
            let (x, y) = (bytes("x")?, bytes("y")?);
            x.is_some_and(|x| x.len() == size) && y.is_some_and(|y| y.len() == size)
        }
        "RSA" => bytes("n")?.is_some() && bytes("e")?.is_some(),
        "OKP" => {
            text("crv")?.as_deref() == Some("Ed25519") && bytes("x")?.is_some_and(|x| x.len() == 32)
        }
        "oct" => false,
        other => {
            return Err(format!(
                "square/go-jose: unknown json web key type '{other}'"
            ));
        }
    };
    if !public || d.is_some() {
        return Err(ERR.into());
    }
    Ok(())
}

impl Signed {
    /// `DetachedVerify`'s checks before the signature: `crit` must decode into `[]string` and
    /// name only `b64` (`supportedCritical`); then `computeAuthData`.
    pub fn auth_data(&self) -> Result<Vec<u8>, String> {
        if let Some(crit) = &self.header.crit {
            let J::Arr(names) = crit else {
                return Err(format!(
                    "json: cannot unmarshal {} into Go value of type []string (crit)",
                    crit.kind()
                ));
            };
            for n in names {
                let name = match n {
                    J::Str(s) => s.as_str(),
                    J::Null => "",
                    other => {
                        return Err(format!(
                            "json: cannot unmarshal {} into Go value of type string (crit)",
                            other.kind()
                        ));
                    }
                };
                if name != "b64" {
                    return Err(format!(
                        "square/go-jose: error in cryptographic primitive (unsupported critical header {name:?})"
                    ));
                }
            }
        }
        if self.header.empty {
            return Err(
                "square/go-jose: error in cryptographic primitive (the header is empty)".into(),
            );
        }
        // getB64: a value that is not a bool counts as true.
        let b64 = !matches!(self.header.b64, Some(J::Bool(false)));
        let mut data = raw_url_encode(&self.header_bytes).into_bytes();
        data.push(b'.');
        if b64 {
            data.extend_from_slice(raw_url_encode(&self.payload).as_bytes());
        } else {
            data.extend_from_slice(&self.payload);
        }
        Ok(data)
    }

    /// The header as a JSON tree, for display.
    pub fn header_tree(&self) -> Option<J> {
        gojson::parse(&self.header_bytes).ok().map(|p| p.value)
    }
}
