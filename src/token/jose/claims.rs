//! Step 3 of `AuthenticateToken`: the verified payload decoded with go-jose's JSON fork into
//! `jwt.Claims` (`jwt/claims.go`) and the private claim structs (`pkg/serviceaccount`
//! `claims.go`, `legacy.go`), and the time checks of `jwt/validation.go`.

use super::super::gojson::J;
use super::fork::{audience, numeric_date, string_field, struct_members};

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
