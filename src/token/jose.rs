//! A compact JWS and its claims, read exactly as kube-apiserver reads them.
//!
//! The API server's ServiceAccount authenticator (`pkg/serviceaccount/jwt.go`,
//! `AuthenticateToken`) reads a token three ways, and each has its own rules:
//!
//! 1. [`peek_issuer`]: `hasCorrectIssuer` splits the raw token on `.`, decodes the middle part
//!    with `base64.RawURLEncoding` (which skips CR and LF) and reads `iss` with Go's
//!    **`encoding/json`**: object keys match the field case-insensitively (`foldName`: `ISS`,
//!    `iſſ` and `iss` are one field), every match assigns (the last one wins), duplicates are
//!    fine, nesting deeper than 10000 levels is an error (`maxNestingDepth`).
//! 2. [`parse_signed`]: go-jose v2.6.3 `jwt.ParseSigned` → `jose.ParseSigned` (`jws.go`):
//!    every Unicode space removed (`stripWhitespace`), three parts, each base64url without
//!    padding (trailing bits allowed), the header decoded with go-jose's **JSON fork** into a
//!    `rawHeader` map and then `sanitized()` (`shared.go`): `kid`, `alg`, `nonce` must be
//!    strings, `x5c` a list of base64 DER certificates Go can parse, `jwk` a valid *public* key,
//!    anything else valid JSON. Any failure: the token is not parsable, and the authenticator
//!    has no opinion about it.
//! 3. [`decode_public`], [`decode_bound`], [`decode_legacy`]: the payload, after the signature
//!    checked, decoded with the fork into `jwt.Claims` (`jwt/claims.go`) and the private claim
//!    structs (`claims.go`, `legacy.go`): a duplicate key in any object decoded into a struct is
//!    an error (`decode.go`, `object`), field names match exactly, and each field's type is
//!    enforced (`Audience.UnmarshalJSON`, `NumericDate.UnmarshalJSON`).
//!
//! The signature is checked over the *re-encoded* header and payload
//! (`JSONWebSignature.computeAuthData`): canonical base64url of the decoded bytes, or the raw
//! payload when the header says `"b64": false`.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::gojson::{self, J};

/// Go's `base64.RawURLEncoding` for decoding: no padding, non-zero trailing bits accepted.
const GO_RAW_URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Go's `base64.StdEncoding` for decoding: padding required, trailing bits accepted.
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Go's decoders skip CR and LF anywhere in the input (`encoding/base64`, `Decode`).
fn without_newlines(s: &str) -> String {
    s.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

/// `base64.RawURLEncoding.DecodeString`.
pub fn go_raw_url_decode(s: &str) -> Option<Vec<u8>> {
    GO_RAW_URL.decode(without_newlines(s)).ok()
}

/// `base64.StdEncoding.DecodeString`.
fn go_std_decode(s: &str) -> Option<Vec<u8>> {
    GO_STD.decode(without_newlines(s)).ok()
}

/// `base64.RawURLEncoding.EncodeToString`.
pub fn raw_url_encode(b: &[u8]) -> String {
    GO_RAW_URL.encode(b)
}

// ---------------------------------------------------------------------------------------
// 1. The issuer peek (encoding/json).

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

// ---------------------------------------------------------------------------------------
// The go-jose JSON fork's decoding rules (json/decode.go).

/// `object`: every key of an object decoded into a struct or map is checked for duplicates.
fn no_duplicates(members: &[(String, J)]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for (k, _) in members {
        if !seen.insert(k.as_str()) {
            return Err(format!("json: duplicate key '{k}' in object"));
        }
    }
    Ok(())
}

/// An object decoded into a struct: `Ok(None)` for `null` (the struct is left as it is).
fn struct_members<'a>(j: &'a J, what: &str) -> Result<Option<&'a [(String, J)]>, String> {
    match j {
        J::Null => Ok(None),
        J::Obj(m) => {
            no_duplicates(m)?;
            Ok(Some(m))
        }
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type {what}",
            other.kind()
        )),
    }
}

/// A string field: `null` leaves it empty, anything else but a string is an error.
fn string_field(j: &J, field: &str) -> Result<String, String> {
    match j {
        J::Str(s) => Ok(s.clone()),
        J::Null => Ok(String::new()),
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type string (field {field})",
            other.kind()
        )),
    }
}

/// A value decoded into `interface{}` (`objectInterface`, `convertNumber`): duplicate keys at
/// any depth are an error, and so is a number past the float64 range. Iterative.
fn interface_check(j: &J) -> Result<(), String> {
    let mut stack = vec![j];
    while let Some(v) = stack.pop() {
        match v {
            J::Obj(m) => {
                no_duplicates(m)?;
                stack.extend(m.iter().map(|(_, v)| v));
            }
            J::Arr(a) => stack.extend(a.iter()),
            J::Num(n) if gojson::parse_float(n).is_none() => {
                return Err(format!(
                    "json: cannot unmarshal number {n} into Go value of type float64"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `jwt.NumericDate.UnmarshalJSON`: `strconv.ParseFloat` of the raw value (so a quoted
/// number, a bool or an object is an error), then Go's `int64(float64)` conversion.
fn numeric_date(j: &J) -> Result<Option<i64>, String> {
    const ERR: &str = "square/go-jose/jwt: expected number value to unmarshal NumericDate";
    match j {
        J::Null => Ok(None),
        J::Num(n) => gojson::parse_float(n)
            .map(|f| Some(gojson::go_int64_amd64(f)))
            .ok_or_else(|| ERR.to_string()),
        _ => Err(ERR.into()),
    }
}

/// `jwt.Audience.UnmarshalJSON`: a string, or an array of strings; `null`, numbers, objects
/// and arrays holding anything else are errors.
fn audience(j: &J) -> Result<Vec<String>, String> {
    const ERR: &str = "square/go-jose/jwt: expected string or array value to unmarshal to Audience";
    interface_check(j)?;
    match j {
        J::Str(s) => Ok(vec![s.clone()]),
        J::Arr(items) => items
            .iter()
            .map(|v| match v {
                J::Str(s) => Ok(s.clone()),
                _ => Err(ERR.to_string()),
            })
            .collect(),
        _ => Err(ERR.into()),
    }
}

// ---------------------------------------------------------------------------------------
// 2. The compact JWS (jws.go, shared.go).

/// The parsed JOSE header, as `rawHeader` plus what `sanitized()` checked.
#[derive(Debug, Default)]
pub struct Header {
    /// `alg` (`getSignatureAlgorithm`: empty when absent or null).
    pub alg: String,
    /// `kid`, empty when absent or null.
    pub kid: String,
    /// The raw `crit` value, if present and not null.
    crit: Option<J>,
    /// The raw `b64` value, if present and not null.
    b64: Option<J>,
    /// An empty protected header: `computeAuthData` fails to decode it again.
    empty: bool,
}

/// A compact JWS as go-jose's `ParseSigned` leaves it.
#[derive(Debug)]
pub struct Signed {
    /// The header.
    pub header: Header,
    header_bytes: Vec<u8>,
    /// The decoded payload.
    pub payload: Vec<u8>,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// `jose.ParseSigned` on a compact token; `Err` means go-jose cannot parse it.
pub fn parse_signed(token: &str) -> Result<Signed, String> {
    // encoding.go stripWhitespace: unicode.IsSpace is Unicode White_Space, as char's.
    let stripped: String = token.chars().filter(|c| !c.is_whitespace()).collect();
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
fn parse_header(bytes: &[u8]) -> Result<Header, String> {
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
fn x5c(v: &J) -> Result<(), String> {
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

// ---------------------------------------------------------------------------------------
// 3. The claims.

/// `jwt.Claims` as the fork decodes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicClaims {
    /// `iss`.
    pub iss: String,
    /// `sub`.
    pub sub: String,
    /// `aud`; empty when absent, null-free.
    pub aud: Vec<String>,
    /// `exp`, after Go's float-to-int64 conversion.
    pub exp: Option<i64>,
    /// `nbf`.
    pub nbf: Option<i64>,
    /// `iat`.
    pub iat: Option<i64>,
    /// `jti`.
    pub jti: String,
}

/// `{name, uid}` (`claims.go`, `ref`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ref {
    /// `name`.
    pub name: String,
    /// `uid`.
    pub uid: String,
}

/// `claims.go` `privateClaims.Kubernetes`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoundPrivate {
    /// Whether a `kubernetes.io` object was there at all.
    pub present: bool,
    /// `namespace`.
    pub namespace: String,
    /// `serviceaccount`.
    pub service_account: Ref,
    /// `pod` (a pointer in Go: `{}` is present and empty).
    pub pod: Option<Ref>,
    /// `secret`.
    pub secret: Option<Ref>,
    /// `node`.
    pub node: Option<Ref>,
    /// `warnafter`.
    pub warnafter: Option<i64>,
}

/// `legacy.go` `legacyPrivateClaims`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LegacyPrivate {
    /// `kubernetes.io/serviceaccount/service-account.name`.
    pub service_account_name: String,
    /// `kubernetes.io/serviceaccount/service-account.uid`.
    pub service_account_uid: String,
    /// `kubernetes.io/serviceaccount/secret.name`.
    pub secret_name: String,
    /// `kubernetes.io/serviceaccount/namespace`.
    pub namespace: String,
}

/// `json.Unmarshal(payload, &jwt.Claims{})` with the fork.
pub fn decode_public(payload: &J) -> Result<PublicClaims, String> {
    let mut c = PublicClaims::default();
    let Some(members) = struct_members(payload, "jwt.Claims")? else {
        return Ok(c);
    };
    for (k, v) in members {
        match k.as_str() {
            "iss" => c.iss = string_field(v, "iss")?,
            "sub" => c.sub = string_field(v, "sub")?,
            "jti" => c.jti = string_field(v, "jti")?,
            "aud" => c.aud = audience(v)?,
            "exp" => c.exp = numeric_date(v)?,
            "nbf" => c.nbf = numeric_date(v)?,
            "iat" => c.iat = numeric_date(v)?,
            _ => {}
        }
    }
    Ok(c)
}

fn decode_ref(v: &J, field: &str) -> Result<Option<Ref>, String> {
    let Some(members) = struct_members(v, "serviceaccount.ref")? else {
        return Ok(None);
    };
    let mut r = Ref::default();
    for (k, v) in members {
        match k.as_str() {
            "name" => r.name = string_field(v, &format!("{field}.name"))?,
            "uid" => r.uid = string_field(v, &format!("{field}.uid"))?,
            _ => {}
        }
    }
    Ok(Some(r))
}

/// `json.Unmarshal(payload, &privateClaims{})` (`claims.go`) with the fork.
pub fn decode_bound(payload: &J) -> Result<BoundPrivate, String> {
    let mut p = BoundPrivate::default();
    let Some(members) = struct_members(payload, "serviceaccount.privateClaims")? else {
        return Ok(p);
    };
    for (k, v) in members {
        if k != "kubernetes.io" {
            continue;
        }
        let Some(inner) = struct_members(v, "serviceaccount.kubernetes")? else {
            continue;
        };
        p.present = true;
        for (k, v) in inner {
            match k.as_str() {
                "namespace" => p.namespace = string_field(v, "namespace")?,
                // A struct, not a pointer: null leaves it empty.
                "serviceaccount" => {
                    if let Some(r) = decode_ref(v, "serviceaccount")? {
                        p.service_account = r;
                    }
                }
                "pod" => p.pod = decode_ref(v, "pod")?,
                "secret" => p.secret = decode_ref(v, "secret")?,
                "node" => p.node = decode_ref(v, "node")?,
                "warnafter" => p.warnafter = numeric_date(v)?,
                _ => {}
            }
        }
    }
    Ok(p)
}

/// `json.Unmarshal(payload, &legacyPrivateClaims{})` (`legacy.go`) with the fork.
pub fn decode_legacy(payload: &J) -> Result<LegacyPrivate, String> {
    let mut p = LegacyPrivate::default();
    let Some(members) = struct_members(payload, "serviceaccount.legacyPrivateClaims")? else {
        return Ok(p);
    };
    for (k, v) in members {
        match k.as_str() {
            "kubernetes.io/serviceaccount/service-account.name" => {
                p.service_account_name = string_field(v, k)?
            }
            "kubernetes.io/serviceaccount/service-account.uid" => {
                p.service_account_uid = string_field(v, k)?
            }
            "kubernetes.io/serviceaccount/secret.name" => p.secret_name = string_field(v, k)?,
            "kubernetes.io/serviceaccount/namespace" => p.namespace = string_field(v, k)?,
            _ => {}
        }
    }
    Ok(p)
}

/// go-jose `Claims.ValidateWithLeeway` with `Expected{Time: now}` and `DefaultLeeway`
/// (`jwt/validation.go`), on Go's `time.Time`: `time.Unix(n, 0)` keeps seconds since year 1
/// in an int64, so a claim within 62135596800 s of the int64 maximum wraps to the far past.
pub fn validate_times(c: &PublicClaims, now: i64, leeway: i64) -> Result<(), &'static str> {
    const UNIX_TO_INTERNAL: i64 = 62_135_596_800;
    let t = |s: i64| s.wrapping_add(UNIX_TO_INTERNAL);
    let now_i = t(now);
    if let Some(nbf) = c.nbf
        && now_i + leeway < t(nbf)
    {
        return Err("service account token is not valid yet");
    }
    if let Some(exp) = c.exp
        && now_i - leeway > t(exp)
    {
        return Err("service account token has expired");
    }
    if let Some(iat) = c.iat
        && now_i + leeway < t(iat)
    {
        return Err("service account token is issued in the future");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> J {
        gojson::parse(s.as_bytes()).unwrap().value
    }

    #[test]
    fn the_issuer_peek_is_encoding_json() {
        // jwt.go hasCorrectIssuer → encoding/json: case-insensitive keys, last one wins.
        assert_eq!(
            peek_issuer(br#"{"iss":"good","ISS":"evil"}"#).unwrap(),
            "evil"
        );
        assert_eq!(
            peek_issuer(br#"{"ISS":"evil","iss":"good"}"#).unwrap(),
            "good"
        );
        assert_eq!(
            peek_issuer("{\"i\u{17F}s\":\"long-s\"}".as_bytes()).unwrap(),
            "long-s"
        );
        assert_eq!(peek_issuer(br#"{"iss":"a","iss":null}"#).unwrap(), "a");
        assert_eq!(peek_issuer(b"null").unwrap(), "");
        assert!(peek_issuer(br#"{"iss":1}"#).is_err());
        assert!(peek_issuer(br#"[]"#).is_err());
        // scanner.go maxNestingDepth = 10000.
        let deep = |n: usize| format!(r#"{{"iss":"a","x":{}{}}}"#, "[".repeat(n), "]".repeat(n));
        assert!(peek_issuer(deep(9_999).as_bytes()).is_ok());
        assert!(peek_issuer(deep(10_000).as_bytes()).is_err());
    }

    #[test]
    fn claims_decode_as_the_go_jose_fork_does() {
        // decode.go object: duplicate keys are an error, at the top and in kubernetes.io.
        assert!(decode_public(&j(r#"{"iss":"a","iss":"a"}"#)).is_err());
        assert!(decode_public(&j(r#"{"x":1,"x":2}"#)).is_err());
        assert!(
            decode_bound(&j(r#"{"kubernetes.io":{"namespace":"a","namespace":"b"}}"#)).is_err()
        );
        // ... but not inside a skipped unknown field.
        assert!(decode_public(&j(r#"{"x":{"y":1,"y":2}}"#)).is_ok());
        // Field names are case-sensitive: ISS is an unknown field.
        assert_eq!(
            decode_public(&j(r#"{"iss":"a","ISS":"b"}"#)).unwrap().iss,
            "a"
        );
        // claims.go Audience.UnmarshalJSON.
        for bad in [
            r#"null"#,
            "1",
            "{}",
            r#"["a",1]"#,
            r#"["a",null]"#,
            "[[]]",
            "true",
        ] {
            assert!(
                decode_public(&j(&format!(r#"{{"aud":{bad}}}"#))).is_err(),
                "{bad}"
            );
        }
        assert_eq!(decode_public(&j(r#"{"aud":"a"}"#)).unwrap().aud, ["a"]);
        assert!(decode_public(&j(r#"{"aud":[]}"#)).unwrap().aud.is_empty());
        // Strings must be strings; null leaves them empty.
        for field in ["iss", "sub", "jti"] {
            assert!(decode_public(&j(&format!(r#"{{"{field}":1}}"#))).is_err());
            assert!(decode_public(&j(&format!(r#"{{"{field}":["a"]}}"#))).is_err());
            assert!(decode_public(&j(&format!(r#"{{"{field}":null}}"#))).is_ok());
        }
        // NumericDate.UnmarshalJSON: ParseFloat, then int64(f).
        let exp = |v: &str| decode_public(&j(&format!(r#"{{"exp":{v}}}"#))).map(|c| c.exp);
        assert_eq!(exp("1.9"), Ok(Some(1)));
        assert_eq!(exp("-1.9"), Ok(Some(-1)));
        assert_eq!(exp("1e300"), Ok(Some(i64::MIN)));
        assert_eq!(exp("null"), Ok(None));
        assert!(exp("1e400").is_err());
        assert!(exp(r#""1""#).is_err());
        assert!(exp("true").is_err());
        // A payload of null decodes into nothing; an array is an error.
        assert_eq!(decode_public(&j("null")).unwrap(), PublicClaims::default());
        assert!(decode_public(&j("[]")).is_err());
        // Pointers: {} is a present, empty pod reference.
        let b = decode_bound(&j(r#"{"kubernetes.io":{"pod":{},"node":null}}"#)).unwrap();
        assert_eq!(b.pod, Some(Ref::default()));
        assert_eq!(b.node, None);
        assert!(decode_bound(&j(r#"{"kubernetes.io":{"pod":{"uid":5}}}"#)).is_err());
        assert!(decode_bound(&j(r#"{"kubernetes.io":"x"}"#)).is_err());
        assert!(decode_legacy(&j(r#"{"kubernetes.io/serviceaccount/namespace":1}"#)).is_err());
    }

    #[test]
    fn times_compare_as_go_time_does() {
        // validation.go ValidateWithLeeway; time.Unix of a huge value wraps into the past.
        let c = |exp: i64| PublicClaims {
            exp: Some(exp),
            ..PublicClaims::default()
        };
        assert!(validate_times(&c(i64::MIN), 0, 60).is_err());
        assert!(validate_times(&c(i64::MAX), 0, 60).is_err());
        assert!(validate_times(&c(i64::MAX - 62_135_596_800), 0, 60).is_ok());
        let iat = PublicClaims {
            iat: Some(1000),
            ..PublicClaims::default()
        };
        assert_eq!(
            validate_times(&iat, 939, 60),
            Err("service account token is issued in the future")
        );
        assert!(validate_times(&iat, 940, 60).is_ok());
        // A huge nbf wraps into the past too: not "not valid yet".
        let nbf = PublicClaims {
            nbf: Some(i64::MAX),
            ..PublicClaims::default()
        };
        assert!(validate_times(&nbf, 0, 60).is_ok());
    }

    #[test]
    fn headers_are_sanitized_as_go_jose_does() {
        let tok = |h: &str| {
            format!(
                "{}.{}.{}",
                raw_url_encode(h.as_bytes()),
                raw_url_encode(b"{}"),
                raw_url_encode(b"sig")
            )
        };
        assert!(parse_signed(&tok(r#"{"alg":"RS256","kid":"k"}"#)).is_ok());
        // shared.go sanitized: kid/alg/nonce must be strings; extras valid; no duplicates.
        for bad in [
            r#"{"alg":"RS256","kid":5}"#,
            r#"{"alg":1}"#,
            r#"{"alg":"RS256","alg":"RS256"}"#,
            r#"{"alg":"RS256","x":{"a":1,"a":2}}"#,
            r#"{"alg":"RS256","x":1e400}"#,
            r#"{"alg":"RS256","x5c":"abc"}"#,
            r#"{"alg":"RS256","x5c":["bm90IGEgY2VydA=="]}"#,
            r#"{"alg":"RS256","jwk":{"kty":"oct","k":"AAAA"}}"#,
            r#"{"alg":"RS256","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"}}"#,
            r#"{"alg":"RS256","jwk":{"kty":"XX"}}"#,
            "[]",
        ] {
            assert!(parse_signed(&tok(bad)).is_err(), "{bad}");
        }
        // null values are skipped; an empty x5c list is fine; a public jwk is fine.
        for ok in [
            r#"{"alg":"RS256","kid":null,"x5c":[]}"#,
            r#"{"alg":"RS256","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"}}"#,
            "null",
        ] {
            assert!(parse_signed(&tok(ok)).is_ok(), "{ok}");
        }
        // stripWhitespace, then three parts; padding is not base64url-raw.
        let t = tok(r#"{"alg":"RS256"}"#);
        let spaced = format!(" {}\u{2003}\n{}", &t[..5], &t[5..]);
        assert!(parse_signed(&spaced).is_ok());
        assert!(parse_signed(&format!("{t}=")).is_err());
        assert!(parse_signed("a.b").is_err());
    }

    #[test]
    fn auth_data_is_canonical_and_honours_b64_and_crit() {
        let mk = |h: &str, p: &str| Signed {
            header: parse_header(h.as_bytes()).unwrap(),
            header_bytes: h.as_bytes().to_vec(),
            payload: p.as_bytes().to_vec(),
            signature: vec![],
        };
        let s = mk(r#"{"alg":"ES256"}"#, "{}");
        assert_eq!(
            s.auth_data().unwrap(),
            format!(
                "{}.{}",
                raw_url_encode(br#"{"alg":"ES256"}"#),
                raw_url_encode(b"{}")
            )
            .into_bytes()
        );
        let s = mk(r#"{"alg":"ES256","b64":false,"crit":["b64"]}"#, "{}");
        assert!(s.auth_data().unwrap().ends_with(b".{}"));
        // b64 that is not a bool counts as true (getB64's error is ignored).
        let s = mk(r#"{"alg":"ES256","b64":"no"}"#, "{}");
        assert!(
            s.auth_data()
                .unwrap()
                .ends_with(raw_url_encode(b"{}").as_bytes())
        );
        assert!(
            mk(r#"{"alg":"ES256","crit":["exp"]}"#, "{}")
                .auth_data()
                .is_err()
        );
        assert!(
            mk(r#"{"alg":"ES256","crit":"b64"}"#, "{}")
                .auth_data()
                .is_err()
        );
        assert!(
            mk(r#"{"alg":"ES256","crit":[null]}"#, "{}")
                .auth_data()
                .is_err()
        );
        // Non-canonical base64 (trailing bits) decodes; the auth data is re-encoded.
        let p = go_raw_url_decode("e30").unwrap();
        assert_eq!(go_raw_url_decode("e31").unwrap(), p);
        assert_eq!(raw_url_encode(&p), "e30");
    }
}
