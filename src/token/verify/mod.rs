//! Reading and checking ServiceAccount tokens.
//!
//! [`decode`] splits any compact JWS and decodes its header and payload for *showing*
//! (`alg: none` included). [`authenticate`] is the verifier behind kube-apiserver's
//! ServiceAccount authenticators (plugged into the chain by
//! [`crate::authn::serviceaccount`]), in their order (`pkg/serviceaccount/jwt.go`, `AuthenticateToken`;
//! `claims.go` and `legacy.go`, `Validate`), on the token's text and nothing else:
//!
//! 1. `hasCorrectIssuer` (Go's `encoding/json` on the raw middle part) and go-jose's
//!    `ParseSigned` ([`super::jose`]): if either fails, or the issuer is not one this
//!    authenticator serves, the token is *not mine* ([`Rejection::NotMine`]): the API server's
//!    authenticator has no opinion, and another one may take the token;
//! 2. for each key whose `kid` matches the header's (no kid: every key), go-jose's
//!    `DetachedVerify` (`crit`, `b64`, the signature over the re-encoded header and payload,
//!    checked with aws-lc-rs as Go's crypto checks it) and then the claims decoded with
//!    go-jose's JSON fork; the first key for which both succeed wins;
//! 3. the issuer again (from the strictly decoded claims), then the audience: an empty `aud`
//!    means the API audiences, and the token's audiences must intersect them;
//! 4. `nbf`, `exp`, `iat` with 60 s leeway (go-jose's `ValidateWithLeeway`), then the claims
//!    the live lookups use. A lookup that can never succeed (an empty UID, a name no object
//!    can have) is a refusal, as it is on the API server; the rest is listed in
//!    [`Authenticated::not_checked`], and nothing is assumed.
//!
//! RSA-PSS is checked as Go checks it, salt length detected (`super::pss`). Where kcred
//! cannot decide a signature the way Go would (RS384 with a key under 2048 bits, PKCS#1 v1.5
//! with RSA over 8192 bits), it refuses with a reason that says *kcred cannot verify*, never
//! "invalid signature".
//!
//! The module mirrors that split upstream: [`decode`] the reading for display (no upstream
//! peer; it reads as go-jose reads), `reading` the identity (`ServiceAccountInfo.UserInfo`,
//! `claims.go`/`legacy.go`), `validate` the two validators' offline part (`claims.go` and
//! `legacy.go`, `Validate`), and this file `jwt.go`'s `AuthenticateToken` that ties them.

use jiff::Timestamp;
use serde::Serialize;

use super::jose::{self, PublicClaims, Signed};
use super::keys::VerificationKey;
use super::signature::{SigError, check_signature};
use super::{DEFAULT_ISSUER, LEGACY_ISSUER};
use crate::Identity;

mod decode;
mod reading;
#[cfg(test)]
mod tests;
mod validate;

pub use decode::{DecodedToken, clean, decode};
pub use reading::{KubernetesReading, TokenKind, read_kubernetes};
use validate::{Private, decode_claims, validate_bound, validate_legacy};

/// Clock skew allowed on `exp`, `nbf` and `iat` (go-jose `jwt.DefaultLeeway`).
pub const LEEWAY_SECONDS: i64 = 60;

/// The prefix of every refusal where kcred, not the token, is the limit.
pub const CANNOT_VERIFY: &str = "kcred cannot verify this signature offline";

/// The API server's ServiceAccount trust material.
#[derive(Clone, Debug, Default)]
pub struct TokenTrust {
    /// `--service-account-key-file` (all files' keys together).
    pub keys: Vec<VerificationKey>,
    /// `--service-account-issuer` (several allowed; the first one mints).
    pub issuers: Vec<String>,
    /// `--api-audiences`; empty means every issuer, as the API server defaults it
    /// (`pkg/kubeapiserver/options/authentication.go`, `ToAuthenticationConfig`).
    pub audiences: Vec<String>,
    /// Whether legacy secret-based tokens (issuer `kubernetes/serviceaccount`) are accepted
    /// (the API server always runs that authenticator next to the bound one).
    pub legacy: bool,
}

impl TokenTrust {
    /// Trust these keys for these issuers (empty: the default issuer) and audiences
    /// (empty: every issuer); legacy tokens accepted.
    pub fn new(keys: Vec<VerificationKey>, issuers: Vec<String>, audiences: Vec<String>) -> Self {
        let issuers = if issuers.is_empty() {
            vec![DEFAULT_ISSUER.to_string()]
        } else {
            issuers
        };
        TokenTrust {
            keys,
            issuers,
            audiences,
            legacy: true,
        }
    }

    /// The API audiences: `--api-audiences`, or else every `--service-account-issuer`
    /// (`ToAuthenticationConfig`: `authenticator.Audiences(o.ServiceAccounts.Issuers)`).
    pub fn api_audiences(&self) -> Vec<String> {
        if self.audiences.is_empty() {
            self.issuers.clone()
        } else {
            self.audiences.clone()
        }
    }
}

/// A token the API server would accept (up to the live checks).
#[derive(Clone, Debug, Serialize)]
pub struct Authenticated {
    /// What the claims say; `reading.identity()` is the user the API server would see.
    #[serde(flatten)]
    pub reading: KubernetesReading,
    /// The `kid` of the key whose signature matched.
    #[serde(rename = "keyId")]
    pub key_id: String,
    /// The audiences the token is good for here (token ∩ API audiences).
    pub audiences: Vec<String>,
    /// What the API server would check against live objects, which kcred cannot.
    #[serde(rename = "notCheckedOffline")]
    pub not_checked: Vec<String>,
    /// Things worth knowing that do not make the API server refuse the token.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The time claims checked (bound tokens; legacy tokens have no time check), to check
    /// again when the answer is reused later.
    #[serde(skip)]
    pub times: Option<TimeClaims>,
}

/// `nbf`, `exp` and `iat` of an accepted bound token: the only claims whose check depends on
/// when it is made (`claims.go` `Validate`, go-jose `ValidateWithLeeway`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeClaims {
    /// `nbf`.
    pub nbf: Option<i64>,
    /// `exp`.
    pub exp: Option<i64>,
    /// `iat`.
    pub iat: Option<i64>,
}

impl TimeClaims {
    fn of(c: &PublicClaims) -> Self {
        TimeClaims {
            nbf: c.nbf,
            exp: c.exp,
            iat: c.iat,
        }
    }

    /// Whether the time checks pass at `now`, with the same leeway.
    pub fn valid_at(&self, now: Timestamp) -> bool {
        let c = PublicClaims {
            nbf: self.nbf,
            exp: self.exp,
            iat: self.iat,
            ..PublicClaims::default()
        };
        jose::validate_times(&c, now.as_second(), LEEWAY_SECONDS).is_ok()
    }
}

impl Authenticated {
    /// The identity (`user.Info`) the ServiceAccount authenticator produces.
    pub fn identity(&self) -> Identity {
        self.reading.identity()
    }
}

/// Why a token was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Not a token for these authenticators (not a JWT go-jose can parse, or another issuer):
    /// the API server's ServiceAccount authenticators have no opinion and the request falls
    /// through.
    #[error("{0}")]
    NotMine(String),
    /// The token is for these authenticators and they refuse it (or kcred cannot verify its
    /// signature: the reason then starts with [`CANNOT_VERIFY`]).
    #[error("{0}")]
    Invalid(String),
}

impl Rejection {
    /// The reason in words.
    pub fn reason(&self) -> &str {
        match self {
            Rejection::NotMine(r) | Rejection::Invalid(r) => r,
        }
    }

    /// Whether kcred could not decide the signature (rather than the API server refusing).
    pub fn cannot_verify(&self) -> bool {
        matches!(self, Rejection::Invalid(r) if r.starts_with(CANNOT_VERIFY))
    }
}

/// Go's `%q` for a string list: `["a" "b"]`.
fn go_quoted(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", q.join(" "))
}

/// Check a token as kube-apiserver's ServiceAccount authenticators would at `now`.
pub fn authenticate(
    token: &str,
    trust: &TokenTrust,
    now: Timestamp,
) -> std::result::Result<Authenticated, Rejection> {
    authenticate_text(clean(token), trust, now)
}

/// [`authenticate`] on a token already decoded (the decoding for display plays no part).
pub fn authenticate_decoded(
    t: &DecodedToken,
    trust: &TokenTrust,
    now: Timestamp,
) -> std::result::Result<Authenticated, Rejection> {
    authenticate_text(t.as_str(), trust, now)
}

/// `jwt.go` `jwtTokenAuthenticator.AuthenticateToken`, step by step.
fn authenticate_text(
    token: &str,
    trust: &TokenTrust,
    now: Timestamp,
) -> std::result::Result<Authenticated, Rejection> {
    // With `--service-account-issuer kubernetes/serviceaccount`, both authenticators claim a
    // token of that issuer. kube-apiserver unions its token authenticators with the legacy
    // one before the bound one (pkg/kubeapiserver/authenticator/config.go, `Config.New`);
    // the union (apiserver token/union) takes the first success and otherwise keeps every
    // error.
    let mut errors = Vec::new();
    let mut not_mine = None;
    for kind in serving_authenticators(token, trust)? {
        match authenticate_as(token, trust, now, kind) {
            Ok(a) => return Ok(a),
            Err(Rejection::Invalid(e)) => errors.push(e),
            Err(r) => not_mine = Some(r),
        }
    }
    // kcred not knowing outweighs a refusal it might have made in the other's place.
    if let Some(i) = errors.iter().position(|e| e.starts_with(CANNOT_VERIFY)) {
        return Err(Rejection::Invalid(errors.swap_remove(i)));
    }
    Err(match errors.len() {
        0 => not_mine.expect("an authenticator that claims the token answers"),
        1 => Rejection::Invalid(errors.remove(0)),
        _ => Rejection::Invalid(format!("[{}]", errors.join(", "))),
    })
}

/// One ServiceAccount authenticator (`kind`) on a token whose issuer it serves.
fn authenticate_as(
    token: &str,
    trust: &TokenTrust,
    now: Timestamp,
    kind: TokenKind,
) -> std::result::Result<Authenticated, Rejection> {
    // jwt.ParseSigned: a token go-jose cannot parse is not this authenticator's either.
    let signed = jose::parse_signed(token)
        .map_err(|e| Rejection::NotMine(format!("go-jose cannot parse the token: {e}")))?;
    let candidates = public_keys(trust, &signed.header.kid)?;
    let (key_id, public, private) = claims_from_first_key(&signed, &candidates, kind)?;
    check_issuer_again(trust, kind, &public)?;
    let audiences = intersect_audiences(trust, &public)?;
    let (reading, not_checked, warnings) = match &private {
        Private::Bound(p) => validate_bound(&public, p, now),
        Private::Legacy(p) => validate_legacy(&public, p),
    }
    .map_err(Rejection::Invalid)?;
    let times = matches!(private, Private::Bound(_)).then(|| TimeClaims::of(&public));
    Ok(Authenticated {
        reading,
        key_id,
        audiences,
        not_checked,
        warnings,
        times,
    })
}

/// `jwt.go` `hasCorrectIssuer`, on the token as given (no whitespace stripped), and which of
/// the two authenticators serve that issuer, in the API server's order: the legacy one
/// `kubernetes/serviceaccount`, then the bound one `--service-account-issuer`. Any other
/// issuer is not mine.
fn serving_authenticators(
    token: &str,
    trust: &TokenTrust,
) -> std::result::Result<Vec<TokenKind>, Rejection> {
    let not_mine = |s: String| Rejection::NotMine(s);
    if token.trim().starts_with('{') {
        return Err(not_mine(
            "not a compact JWT (JSON serialisation is not accepted)".into(),
        ));
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(not_mine(format!(
            "not a JWT: expected 3 dot-separated parts, found {}",
            parts.len()
        )));
    }
    let peek = jose::go_raw_url_decode(parts[1])
        .ok_or_else(|| "the payload is not base64url".to_string())
        .and_then(|p| jose::peek_issuer(&p))
        .map_err(|e| not_mine(format!("the issuer cannot be read (encoding/json): {e}")))?;
    let mut kinds = Vec::new();
    if trust.legacy && peek == LEGACY_ISSUER {
        kinds.push(TokenKind::Legacy);
    }
    if trust.issuers.contains(&peek) {
        kinds.push(TokenKind::Bound);
    }
    if !kinds.is_empty() {
        Ok(kinds)
    } else {
        let mut served = trust.issuers.clone();
        if trust.legacy {
            served.push(LEGACY_ISSUER.into());
        }
        Err(not_mine(format!(
            "token issuer {peek:?} is not a trusted issuer (trusted: {})",
            go_quoted(&served)
        )))
    }
}

/// `staticPublicKeysGetter.GetPublicKeys` (`jwt.go`): the keys with the header's kid, or
/// every key when the header has none; none at all is "invalid signature, no keys found".
fn public_keys<'a>(
    trust: &'a TokenTrust,
    kid: &str,
) -> std::result::Result<Vec<&'a VerificationKey>, Rejection> {
    let candidates: Vec<&VerificationKey> = trust
        .keys
        .iter()
        .filter(|k| kid.is_empty() || k.kid == kid)
        .collect();
    if candidates.is_empty() {
        return Err(Rejection::Invalid(if trust.keys.is_empty() {
            "invalid signature, no keys found".to_string()
        } else {
            format!(
                "invalid signature, no keys found: no key has kid {kid:?} ({} key(s) given)",
                trust.keys.len()
            )
        }));
    }
    Ok(candidates)
}

/// `tok.Claims(key, public, private)` for each key until one succeeds (`jwt.go`): the
/// signature, then the claims decoded with go-jose's JSON fork. When none succeeds, the
/// errors as `utilerrors.NewAggregate` joins them, unless kcred could not decide a
/// signature, which is then said instead.
fn claims_from_first_key(
    signed: &Signed,
    candidates: &[&VerificationKey],
    kind: TokenKind,
) -> std::result::Result<(String, PublicClaims, Private), Rejection> {
    let mut errors = Vec::new();
    let mut cannot = Vec::new();
    for key in candidates {
        match check_signature(signed, key) {
            Ok(()) => {}
            Err(SigError::Refused(e)) => {
                errors.push(e);
                continue;
            }
            Err(SigError::CannotVerify(e)) => {
                cannot.push(format!("key {}: {e}", key.kid));
                continue;
            }
        }
        match decode_claims(&signed.payload, kind) {
            Ok((public, private)) => return Ok((key.kid.clone(), public, private)),
            Err(e) => errors.push(e),
        }
    }
    if !cannot.is_empty() {
        return Err(Rejection::Invalid(format!(
            "{CANNOT_VERIFY}: {}",
            cannot.join("; ")
        )));
    }
    // utilerrors.NewAggregate: one error as itself, several as a list.
    Err(Rejection::Invalid(if errors.len() == 1 {
        errors.remove(0)
    } else {
        format!("[{}]", errors.join(", "))
    }))
}

/// "sanity check issuer since we parsed it out before signature validation" (`jwt.go`),
/// on the strictly decoded claims.
fn check_issuer_again(
    trust: &TokenTrust,
    kind: TokenKind,
    public: &PublicClaims,
) -> std::result::Result<(), Rejection> {
    let issuer_ok = match kind {
        TokenKind::Bound => trust.issuers.contains(&public.iss),
        TokenKind::Legacy => public.iss == LEGACY_ISSUER,
    };
    if !issuer_ok {
        return Err(Rejection::Invalid(format!(
            "token issuer {:?} is invalid",
            public.iss
        )));
    }
    Ok(())
}

/// The audience check of `jwt.go`: an empty `aud` means the API audiences, the requested
/// audiences are the API audiences, and the token is good for their intersection, which
/// must not be empty when there are API audiences at all.
fn intersect_audiences(
    trust: &TokenTrust,
    public: &PublicClaims,
) -> std::result::Result<Vec<String>, Rejection> {
    let api_auds = trust.api_audiences();
    let token_auds = if public.aud.is_empty() {
        api_auds.clone()
    } else {
        public.aud.clone()
    };
    let auds: Vec<String> = token_auds
        .iter()
        .filter(|a| api_auds.contains(a))
        .cloned()
        .collect();
    if auds.is_empty() && !api_auds.is_empty() {
        return Err(Rejection::Invalid(format!(
            "token audiences {} is invalid for the target audiences {}",
            go_quoted(&token_auds),
            go_quoted(&api_auds)
        )));
    }
    Ok(auds)
}
