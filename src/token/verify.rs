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

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

use super::claims::ObjectRef;
use super::gojson::{self, J};
use super::jose::{self, BoundPrivate, LegacyPrivate, PublicClaims};
use super::keys::VerificationKey;
use super::signature::{SigError, check_signature};
use super::{
    DEFAULT_ISSUER, EXTRA_NODE_NAME, EXTRA_NODE_UID, EXTRA_POD_NAME, EXTRA_POD_UID, LEGACY_ISSUER,
    NameKind, groups, split_username, username, validate_name,
};
use crate::Identity;
use crate::error::{Error, Result};
use crate::identity::CREDENTIAL_ID;

/// Clock skew allowed on `exp`, `nbf` and `iat` (go-jose `jwt.DefaultLeeway`).
pub const LEEWAY_SECONDS: i64 = 60;

/// The prefix of every refusal where kcred, not the token, is the limit.
pub const CANNOT_VERIFY: &str = "kcred cannot verify this signature offline";

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
    let stripped: String = token.chars().filter(|c| !c.is_whitespace()).collect();
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

    fn payload_tree(&self) -> std::result::Result<J, String> {
        gojson::parse(&self.payload).map(|p| p.value)
    }

    fn public(&self) -> std::result::Result<PublicClaims, String> {
        jose::decode_public(&self.payload_tree()?)
    }
}

/// Which form a ServiceAccount token has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A bound token (TokenRequest): `kubernetes.io` claims, audience, expiry.
    Bound,
    /// A legacy secret-based token: flat `kubernetes.io/serviceaccount/*` claims, no expiry.
    Legacy,
}

/// What the Kubernetes claims say, read without trusting them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KubernetesReading {
    /// Bound or legacy.
    #[serde(rename = "type")]
    pub kind: TokenKind,
    /// `system:serviceaccount:NS:NAME`.
    pub username: String,
    /// The ServiceAccount's UID.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// `system:serviceaccounts`, `system:serviceaccounts:NS` (the API server adds
    /// `system:authenticated` on top of every authenticator).
    pub groups: Vec<String>,
    /// Extra: pod and node names and UIDs, credential-id `JTI=…`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
    /// The bound pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<ObjectRef>,
    /// The bound secret (or, for a legacy token, the secret holding it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<ObjectRef>,
    /// The bound node, or the bound pod's node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<ObjectRef>,
    /// Kubelet-extended tokens: when the kubelet should have refreshed it.
    #[serde(rename = "warnAfter", skip_serializing_if = "Option::is_none")]
    pub warnafter: Option<i64>,
}

impl KubernetesReading {
    /// The identity, as `ServiceAccountInfo.UserInfo()` builds it.
    pub fn identity(&self) -> Identity {
        Identity {
            user: self.username.clone(),
            uid: self.uid.clone(),
            groups: self.groups.clone(),
            extra: self.extra.clone(),
        }
    }
}

fn obj(r: &jose::Ref) -> ObjectRef {
    ObjectRef::new(&r.name, &r.uid)
}

/// The identity of a bound token (`claims.go` `Validate` → `ServiceAccountInfo.UserInfo`):
/// pod extras when the pod has a name and UID; node extras from the node claim (for a
/// pod-bound token the node is only read, never looked up); credential-id `JTI=<jti>`.
fn bound_reading(public: &PublicClaims, p: &BoundPrivate) -> KubernetesReading {
    let mut extra = BTreeMap::new();
    if let Some(pod) = &p.pod
        && !pod.name.is_empty()
        && !pod.uid.is_empty()
    {
        extra.insert(EXTRA_POD_NAME.to_string(), vec![pod.name.clone()]);
        extra.insert(EXTRA_POD_UID.to_string(), vec![pod.uid.clone()]);
    }
    if let Some(n) = &p.node
        && !n.name.is_empty()
    {
        extra.insert(EXTRA_NODE_NAME.to_string(), vec![n.name.clone()]);
        if !n.uid.is_empty() {
            extra.insert(EXTRA_NODE_UID.to_string(), vec![n.uid.clone()]);
        }
    }
    if !public.jti.is_empty() {
        extra.insert(
            CREDENTIAL_ID.to_string(),
            vec![format!("JTI={}", public.jti)],
        );
    }
    KubernetesReading {
        kind: TokenKind::Bound,
        username: username(&p.namespace, &p.service_account.name),
        uid: p.service_account.uid.clone(),
        groups: groups(&p.namespace),
        extra,
        pod: p.pod.as_ref().map(obj),
        secret: p.secret.as_ref().map(obj),
        node: p.node.as_ref().map(obj),
        warnafter: p.warnafter,
    }
}

fn legacy_reading(p: &LegacyPrivate) -> KubernetesReading {
    KubernetesReading {
        kind: TokenKind::Legacy,
        username: username(&p.namespace, &p.service_account_name),
        uid: p.service_account_uid.clone(),
        groups: groups(&p.namespace),
        extra: BTreeMap::new(),
        pod: None,
        secret: (!p.secret_name.is_empty()).then(|| ObjectRef::new(&p.secret_name, "")),
        node: None,
        warnafter: None,
    }
}

/// Read the Kubernetes claims of a token, trusting nothing; `None` if it is not a
/// ServiceAccount token at all, or go-jose could not decode its claims.
pub fn read_kubernetes(t: &DecodedToken) -> Option<KubernetesReading> {
    let tree = t.payload_tree().ok()?;
    let public = jose::decode_public(&tree).ok()?;
    let bound = jose::decode_bound(&tree).ok()?;
    if bound.present {
        return Some(bound_reading(&public, &bound));
    }
    let legacy = jose::decode_legacy(&tree).ok()?;
    if !legacy.namespace.is_empty() || public.iss == LEGACY_ISSUER {
        return Some(legacy_reading(&legacy));
    }
    None
}

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
    authenticate_text(&t.token, trust, now)
}

fn authenticate_text(
    token: &str,
    trust: &TokenTrust,
    now: Timestamp,
) -> std::result::Result<Authenticated, Rejection> {
    let not_mine = |s: String| Rejection::NotMine(s);
    let invalid = |s: String| Rejection::Invalid(s);

    // jwt.go hasCorrectIssuer, on the token as given (no whitespace stripped).
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
    // The bound authenticator serves --service-account-issuer, the legacy one
    // kubernetes/serviceaccount.
    let kind = if trust.issuers.contains(&peek) {
        TokenKind::Bound
    } else if trust.legacy && peek == LEGACY_ISSUER {
        TokenKind::Legacy
    } else {
        let mut served = trust.issuers.clone();
        if trust.legacy {
            served.push(LEGACY_ISSUER.into());
        }
        return Err(not_mine(format!(
            "token issuer {peek:?} is not a trusted issuer (trusted: {})",
            go_quoted(&served)
        )));
    };

    // jwt.ParseSigned: a token go-jose cannot parse is not this authenticator's either.
    let signed = jose::parse_signed(token)
        .map_err(|e| not_mine(format!("go-jose cannot parse the token: {e}")))?;

    // staticPublicKeysGetter.GetPublicKeys: by kid when the header has one, else all.
    let kid = signed.header.kid.as_str();
    let candidates: Vec<&VerificationKey> = trust
        .keys
        .iter()
        .filter(|k| kid.is_empty() || k.kid == kid)
        .collect();
    if candidates.is_empty() {
        return Err(invalid(if trust.keys.is_empty() {
            "invalid signature, no keys found".to_string()
        } else {
            format!(
                "invalid signature, no keys found: no key has kid {kid:?} ({} key(s) given)",
                trust.keys.len()
            )
        }));
    }
    // tok.Claims(key, public, private) for each key until one succeeds.
    let mut errors = Vec::new();
    let mut cannot = Vec::new();
    let mut found = None;
    for key in candidates {
        match check_signature(&signed, key) {
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
            Ok(c) => {
                found = Some((key.kid.clone(), c));
                break;
            }
            Err(e) => errors.push(e),
        }
    }
    let Some((key_id, (public, private))) = found else {
        if !cannot.is_empty() {
            return Err(invalid(format!("{CANNOT_VERIFY}: {}", cannot.join("; "))));
        }
        // utilerrors.NewAggregate: one error as itself, several as a list.
        return Err(invalid(if errors.len() == 1 {
            errors.remove(0)
        } else {
            format!("[{}]", errors.join(", "))
        }));
    };

    // "sanity check issuer since we parsed it out before signature validation"
    let served: &[String] = match kind {
        TokenKind::Bound => &trust.issuers,
        TokenKind::Legacy => &[],
    };
    let issuer_ok = match kind {
        TokenKind::Bound => served.contains(&public.iss),
        TokenKind::Legacy => public.iss == LEGACY_ISSUER,
    };
    if !issuer_ok {
        return Err(invalid(format!("token issuer {:?} is invalid", public.iss)));
    }

    // Audiences (jwt.go): empty aud means the API audiences; requested = API audiences.
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
        return Err(invalid(format!(
            "token audiences {} is invalid for the target audiences {}",
            go_quoted(&token_auds),
            go_quoted(&api_auds)
        )));
    }

    let (reading, not_checked, warnings) = match &private {
        Private::Bound(p) => validate_bound(&public, p, now).map_err(invalid)?,
        Private::Legacy(p) => validate_legacy(&public, p).map_err(invalid)?,
    };
    Ok(Authenticated {
        reading,
        key_id,
        audiences: auds,
        not_checked,
        warnings,
    })
}

enum Private {
    Bound(BoundPrivate),
    Legacy(LegacyPrivate),
}

/// `json.Unmarshal(payload, public)` then `(payload, private)`, with go-jose's fork.
fn decode_claims(
    payload: &[u8],
    kind: TokenKind,
) -> std::result::Result<(PublicClaims, Private), String> {
    let tree = gojson::parse(payload)
        .map_err(|e| format!("the claims are not JSON: {e}"))?
        .value;
    let public = jose::decode_public(&tree)?;
    let private = match kind {
        TokenKind::Bound => Private::Bound(jose::decode_bound(&tree)?),
        TokenKind::Legacy => Private::Legacy(jose::decode_legacy(&tree)?),
    };
    Ok((public, private))
}

type Validated = (KubernetesReading, Vec<String>, Vec<String>);

/// A name the API server looks an object up by: one no object can have makes the lookup
/// fail every time, so the token is refused every time.
fn lookup_name(kind: NameKind, what: &str, name: &str) -> std::result::Result<(), String> {
    validate_name(kind, name).map_err(|_| {
        format!(
            "the {what} name {:?} in the token is not a name any object can have: the API server's lookup of it always fails",
            crate::output::sanitize(name)
        )
    })
}

fn uid_required(what: &str, uid: &str) -> std::result::Result<(), String> {
    if uid.is_empty() {
        return Err(format!(
            "the {what} reference in the token has no uid: it never matches a live {what}, whose UID is never empty (claims.go compares them)"
        ));
    }
    Ok(())
}

/// claims.go `Validate`, offline part, in its order.
fn validate_bound(
    public: &PublicClaims,
    p: &BoundPrivate,
    now: Timestamp,
) -> std::result::Result<Validated, String> {
    let now_s = now.as_second();
    jose::validate_times(public, now_s, LEEWAY_SECONDS).map_err(String::from)?;
    let namespace = p.namespace.as_str();
    let sa = &p.service_account;
    // v.getter.GetServiceAccount(namespace, saref.Name), then saref.UID must match.
    lookup_name(NameKind::Namespace, "namespace", namespace)?;
    lookup_name(
        NameKind::Object("serviceaccount"),
        "serviceaccount",
        &sa.name,
    )?;
    uid_required("serviceaccount", &sa.uid)?;
    let mut not_checked = vec![format!(
        "serviceaccount {namespace}/{} exists with uid {} and is not being deleted",
        sa.name, sa.uid
    )];
    if let Some(s) = &p.secret {
        lookup_name(NameKind::Object("secret"), "secret", &s.name)?;
        uid_required("secret", &s.uid)?;
        not_checked.push(format!(
            "secret {namespace}/{} exists with uid {} and is not being deleted",
            s.name, s.uid
        ));
    }
    if let Some(pod) = &p.pod {
        lookup_name(NameKind::Object("pod"), "pod", &pod.name)?;
        uid_required("pod", &pod.uid)?;
        not_checked.push(format!(
            "pod {namespace}/{} exists with uid {} and is not being deleted",
            pod.name, pod.uid
        ));
    }
    // A node claim next to a pod is only read; alone, it is looked up.
    if let Some(n) = &p.node
        && p.pod.is_none()
    {
        lookup_name(NameKind::Object("node"), "node", &n.name)?;
        uid_required("node", &n.uid)?;
        not_checked.push(format!(
            "node {} exists with uid {} and is not being deleted",
            n.name, n.uid
        ));
    }
    let reading = bound_reading(public, p);
    let mut warnings = Vec::new();
    if public.exp.is_none() {
        warnings.push("the token has no exp claim: it never expires".into());
    }
    if let Some(w) = p.warnafter
        && w != 0
        && now_s > w
    {
        warnings.push(format!(
            "stale token: {}s past its warnafter time (the kubelet should have refreshed it)",
            now_s.saturating_sub(w)
        ));
    }
    Ok((reading, not_checked, warnings))
}

/// legacy.go `Validate`, offline part, in its order and wording.
fn validate_legacy(
    public: &PublicClaims,
    p: &LegacyPrivate,
) -> std::result::Result<Validated, String> {
    if public.sub.is_empty() {
        return Err("sub claim is missing".into());
    }
    let namespace = p.namespace.as_str();
    if namespace.is_empty() {
        return Err("namespace claim is missing".into());
    }
    let secret = p.secret_name.as_str();
    if secret.is_empty() {
        return Err("secretName claim is missing".into());
    }
    let name = p.service_account_name.as_str();
    if name.is_empty() {
        return Err("serviceAccountName claim is missing".into());
    }
    let uid = p.service_account_uid.as_str();
    if uid.is_empty() {
        return Err("serviceAccountUID claim is missing".into());
    }
    // apiserver serviceaccount.SplitUsername validates both names.
    if split_username(&public.sub) != Some((namespace, name)) {
        return Err("sub claim is invalid".into());
    }
    // v.getter.GetSecret(namespace, secretName): a name no secret can have never resolves.
    lookup_name(NameKind::Object("secret"), "secret", secret)?;
    let reading = legacy_reading(p);
    let not_checked = vec![
        format!(
            "secret {namespace}/{secret} exists, is not being deleted and holds this very token"
        ),
        format!("serviceaccount {namespace}/{name} exists with uid {uid} and is not being deleted"),
        format!(
            "secret {namespace}/{secret} has no kubernetes.io/legacy-token-invalid-since label"
        ),
    ];
    let warnings = vec![
        "legacy secret-based token: it never expires; prefer bound tokens (TokenRequest)".into(),
    ];
    Ok((reading, not_checked, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyType, PrivateKey};
    use crate::token::mint::{BoundRequest, TokenSigner, legacy_claims};
    use jiff::SignedDuration;

    fn setup(kt: KeyType) -> (TokenSigner, TokenTrust) {
        let key = PrivateKey::generate(kt).unwrap();
        let vk = VerificationKey::from_private_key("sa.pub", &key).unwrap();
        (
            TokenSigner::new(&key).unwrap(),
            TokenTrust::new(vec![vk], vec![], vec![]),
        )
    }

    fn request() -> BoundRequest {
        BoundRequest {
            namespace: "apps".into(),
            name: "web".into(),
            uid: "sa-uid".into(),
            issuer: DEFAULT_ISSUER.into(),
            audiences: vec![],
            lifetime: SignedDuration::from_hours(1),
            binding: Some(crate::token::mint::Binding::Pod(ObjectRef::new(
                "web-0", "pod-uid",
            ))),
            node: Some(ObjectRef::new("n1", "node-uid")),
        }
    }

    #[test]
    fn minted_tokens_authenticate_as_the_api_server_would() {
        // jwt.go signerFromECDSAPrivateKey: ES512 for P-521 keys, minted and verified.
        for kt in [
            KeyType::Rsa2048,
            KeyType::EcdsaP256,
            KeyType::EcdsaP384,
            KeyType::EcdsaP521,
        ] {
            let (signer, trust) = setup(kt);
            let now = Timestamp::now();
            let token = signer.sign(&request().claims(now, "jti-1".into())).unwrap();
            let a = authenticate(&format!("Bearer {token}\n"), &trust, now).unwrap();
            let id = a.identity();
            assert_eq!(id.user, "system:serviceaccount:apps:web");
            assert_eq!(id.uid, "sa-uid");
            assert_eq!(
                id.groups,
                ["system:serviceaccounts", "system:serviceaccounts:apps"]
            );
            assert_eq!(id.extra[CREDENTIAL_ID], ["JTI=jti-1"]);
            assert_eq!(id.extra[EXTRA_POD_NAME], ["web-0"]);
            assert_eq!(id.extra[EXTRA_NODE_UID], ["node-uid"]);
            assert_eq!(a.key_id, signer.kid());
            // The ServiceAccount and the pod are looked up; a pod-bound token's node claim is
            // only read (claims.go: "for pod-bound tokens, just extract the node claims").
            assert_eq!(a.not_checked.len(), 2, "{:?}", a.not_checked);
            assert!(!a.not_checked.iter().any(|n| n.contains("runs as")));
        }
    }

    use crate::token::jose::raw_url_encode as b64;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// A token with exactly these header and payload bytes, signed by `key` over
    /// `signing_input` (by default the canonical `b64(header).b64(payload)`).
    fn forge(
        key: &PrivateKey,
        header: &str,
        payload: impl AsRef<[u8]>,
        signing_input: Option<&[u8]>,
    ) -> String {
        let h = b64(header.as_bytes());
        let p = b64(payload.as_ref());
        let input = format!("{h}.{p}");
        let sig = key
            .sign_jws(signing_input.unwrap_or(input.as_bytes()))
            .unwrap();
        format!("{input}.{}", b64(&sig))
    }

    fn keyed(kt: KeyType) -> (PrivateKey, TokenTrust, String) {
        let key = PrivateKey::generate(kt).unwrap();
        let vk = VerificationKey::from_private_key("sa.pub", &key).unwrap();
        let kid = vk.kid.clone();
        (key, TokenTrust::new(vec![vk], vec![], vec![]), kid)
    }

    fn claims_json(extra: &str) -> String {
        let now = Timestamp::now().as_second();
        format!(
            r#"{{"aud":["{DEFAULT_ISSUER}"],"exp":{},"iat":{now},"iss":"{DEFAULT_ISSUER}","kubernetes.io":{{"namespace":"apps","serviceaccount":{{"name":"web","uid":"u1"}}}},"nbf":{now},"sub":"system:serviceaccount:apps:web"{extra}}}"#,
            now + 3600
        )
    }

    #[test]
    fn json_edge_cases_are_answered_as_go_jose_answers_them() {
        let (key, trust, kid) = keyed(KeyType::EcdsaP256);
        let header = format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#);
        let now = Timestamp::now();
        let run = |payload: &str| authenticate(&forge(&key, &header, payload, None), &trust, now);
        assert!(run(&claims_json("")).is_ok());
        // json/decode.go object: a duplicate key anywhere in a decoded object is an error.
        let dup = claims_json(r#","sub":"system:serviceaccount:apps:web""#);
        assert!(matches!(run(&dup), Err(Rejection::Invalid(r)) if r.contains("duplicate key")));
        // jwt/claims.go Audience.UnmarshalJSON: null and numbers are errors.
        for aud in ["null", "1", "{}"] {
            let p = claims_json("").replacen(
                &format!(r#""aud":["{DEFAULT_ISSUER}"]"#),
                &format!(r#""aud":{aud}"#),
                1,
            );
            assert!(matches!(run(&p), Err(Rejection::Invalid(_))), "{aud}");
        }
        // jti/sub must be strings.
        assert!(run(&claims_json(r#","jti":7"#)).is_err());
        // NumericDate: a huge exp converts to 0x8000000000000000 on amd64: expired.
        let p = claims_json("").replacen(r#""exp":"#, r#""exp":1e300,"x":"#, 1);
        assert_eq!(
            run(&p).unwrap_err().reason(),
            "service account token has expired"
        );
        // A fractional exp truncates: still valid.
        let later = Timestamp::now().as_second() + 3600;
        let p = claims_json("").replacen(
            &format!(r#""exp":{later}"#),
            &format!(r#""exp":{later}.75"#),
            1,
        );
        assert!(run(&p).is_ok());
        // validation.go: iat in the future (beyond the 60 s leeway) is refused.
        let future = Timestamp::now().as_second() + 3000;
        let p = claims_json("").replacen(r#""iat":"#, &format!(r#""iat":{future},"y":"#), 1);
        assert_eq!(
            run(&p).unwrap_err().reason(),
            "service account token is issued in the future"
        );
        // Invalid UTF-8 inside a string is U+FFFD, not an error.
        let mut bad_utf8 = claims_json(r#","note":"XX""#).into_bytes();
        let at = bad_utf8.windows(2).position(|w| w == b"XX").unwrap();
        bad_utf8[at] = 0xff;
        let t = forge(&key, &header, &bad_utf8, None);
        assert!(authenticate(&t, &trust, now).is_ok());
        // Deep nesting in an unknown claim: parsed, no recursion limit.
        let deep = format!(r#","deep":{}{}"#, "[".repeat(5000), "]".repeat(5000));
        assert!(run(&claims_json(&deep)).is_ok());
    }

    #[test]
    fn the_issuer_peek_is_case_insensitive_and_last_wins() {
        let (key, trust, kid) = keyed(KeyType::EcdsaP256);
        let header = format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#);
        let now = Timestamp::now();
        // encoding/json: "ISS" overrides "iss" in the peek: not this issuer's token.
        let p = claims_json(r#","ISS":"https://evil""#);
        assert!(matches!(
            authenticate(&forge(&key, &header, &p, None), &trust, now),
            Err(Rejection::NotMine(_))
        ));
        // The other way round the peek passes but go-jose reads "iss" exactly.
        let p = claims_json("").replacen(
            &format!(r#""iss":"{DEFAULT_ISSUER}""#),
            &format!(r#""iss":"https://evil","ISS":"{DEFAULT_ISSUER}""#),
            1,
        );
        assert_eq!(
            authenticate(&forge(&key, &header, &p, None), &trust, now)
                .unwrap_err()
                .reason(),
            "token issuer \"https://evil\" is invalid"
        );
    }

    #[test]
    fn jws_headers_are_checked_as_go_jose_does() {
        let (key, trust, kid) = keyed(KeyType::EcdsaP256);
        let now = Timestamp::now();
        let payload = claims_json("");
        let with = |h: &str| {
            forge(
                &key,
                &format!(r#"{{"alg":"ES256","kid":"{kid}"{h}}}"#),
                &payload,
                None,
            )
        };
        // signing.go DetachedVerify: crit names must be supported (only b64 is).
        assert!(authenticate(&with(r#","crit":["exp"]"#), &trust, now).is_err());
        // b64:false: the signature is over the raw payload bytes.
        let header = format!(r#"{{"alg":"ES256","b64":false,"crit":["b64"],"kid":"{kid}"}}"#);
        let raw_input = [b64(header.as_bytes()).as_bytes(), b".", payload.as_bytes()].concat();
        let t = forge(&key, &header, &payload, Some(&raw_input));
        assert!(authenticate(&t, &trust, now).is_ok());
        let t = forge(&key, &header, &payload, None);
        assert!(authenticate(&t, &trust, now).is_err());
        // A private jwk or a malformed x5c: go-jose cannot parse it, so not mine.
        for h in [
            r#","jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}"#,
            r#","x5c":["bm90IGEgY2VydA=="]"#,
            r#","kid":1"#,
        ] {
            assert!(
                matches!(
                    authenticate(&with(h), &trust, now),
                    Err(Rejection::NotMine(_))
                ),
                "{h}"
            );
        }
        // jws.go stripWhitespace: whitespace inside the compact form is ignored.
        let t = with("");
        let spaced = format!("{} \n{}", &t[..10], &t[10..]);
        assert!(authenticate(&spaced, &trust, now).is_ok());
        // ... but hasCorrectIssuer decodes the raw middle part first: base64.RawURLEncoding
        // skips CR and LF only, so a space there makes the token not this authenticator's.
        let (h, rest) = t.split_once('.').unwrap();
        let nl = format!("{h}.{}\r\n{}", &rest[..8], &rest[8..]);
        assert!(authenticate(&nl, &trust, now).is_ok());
        let sp = format!("{h}.{} {}", &rest[..8], &rest[8..]);
        assert!(matches!(
            authenticate(&sp, &trust, now),
            Err(Rejection::NotMine(_))
        ));
        // computeAuthData re-encodes: a header part with non-canonical trailing bits still
        // verifies, as the signature is over the canonical form.
        let t = with(r#","x":"ab""#);
        let (h, rest) = t.split_once('.').unwrap();
        assert!(h.len() % 4 != 0, "{h}");
        let last = h.chars().last().unwrap();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let i = alphabet.find(last).unwrap();
        let bumped = alphabet.as_bytes()[i + 1] as char;
        let t2 = format!("{}{bumped}.{rest}", &h[..h.len() - 1]);
        assert_ne!(t, t2);
        assert!(authenticate(&t2, &trust, now).is_ok());
    }

    #[test]
    fn ecdsa_signature_size_comes_from_alg() {
        // asymmetric.go ecEncrypterVerifier: ES384 wants 96 bytes whatever the curve.
        let (key, trust, kid) = keyed(KeyType::EcdsaP256);
        let t = forge(
            &key,
            &format!(r#"{{"alg":"ES384","kid":"{kid}"}}"#),
            claims_json(""),
            None,
        );
        let r = authenticate(&t, &trust, Timestamp::now()).unwrap_err();
        assert!(r.reason().contains("have 64 bytes, wanted 96"), "{r}");
        assert!(!r.cannot_verify());
        // An HMAC alg on an ECDSA key is refused as unsupported, not "invalid signature".
        let t = forge(
            &key,
            &format!(r#"{{"alg":"HS256","kid":"{kid}"}}"#),
            claims_json(""),
            None,
        );
        let r = authenticate(&t, &trust, Timestamp::now()).unwrap_err();
        assert!(r.reason().starts_with("unsupported algorithm"), "{r}");
    }

    #[test]
    fn lookups_that_can_never_succeed_are_refusals() {
        let (key, trust, kid) = keyed(KeyType::EcdsaP256);
        let header = format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#);
        let now = Timestamp::now();
        let with_k = |k: &str| {
            claims_json("").replacen(
                r#""kubernetes.io":{"namespace":"apps","serviceaccount":{"name":"web","uid":"u1"}}"#,
                &format!(r#""kubernetes.io":{k}"#),
                1,
            )
        };
        // claims.go: podref.UID != pod.UID can never hold for an empty UID.
        for k in [
            r#"{"namespace":"apps","pod":{"name":"p"},"serviceaccount":{"name":"web","uid":"u1"}}"#,
            r#"{"namespace":"Apps","serviceaccount":{"name":"web","uid":"u1"}}"#,
            r#"{"namespace":"apps","serviceaccount":{"name":"web"}}"#,
            r#"{"namespace":"apps","secret":{"name":"s"},"serviceaccount":{"name":"web","uid":"u1"}}"#,
            r#"{"namespace":"apps","node":{"name":"n"},"serviceaccount":{"name":"web","uid":"u1"}}"#,
        ] {
            let t = forge(&key, &header, with_k(k), None);
            assert!(
                matches!(authenticate(&t, &trust, now), Err(Rejection::Invalid(_))),
                "{k}"
            );
        }
        // A pod-bound token's node claim without a UID is only read, not looked up.
        let k = r#"{"namespace":"apps","node":{"name":"n"},"pod":{"name":"p","uid":"pu"},"serviceaccount":{"name":"web","uid":"u1"}}"#;
        let a = authenticate(&forge(&key, &header, with_k(k), None), &trust, now).unwrap();
        assert_eq!(a.identity().extra[EXTRA_NODE_NAME], ["n"]);
        assert!(!a.not_checked.iter().any(|n| n.starts_with("node")));
    }

    #[test]
    fn time_checks_have_sixty_seconds_of_leeway() {
        let (signer, trust) = setup(KeyType::EcdsaP256);
        let minted = Timestamp::from_second(1_700_000_000).unwrap();
        let token = signer.sign(&request().claims(minted, "j".into())).unwrap();
        let at = |s: i64| Timestamp::from_second(1_700_000_000 + s).unwrap();
        assert!(authenticate(&token, &trust, at(3600 + 60)).is_ok());
        let r = authenticate(&token, &trust, at(3600 + 61)).unwrap_err();
        assert_eq!(r.reason(), "service account token has expired");
        assert!(authenticate(&token, &trust, at(-60)).is_ok());
        let r = authenticate(&token, &trust, at(-61)).unwrap_err();
        assert_eq!(r.reason(), "service account token is not valid yet");
    }

    #[test]
    fn other_issuers_are_not_mine_and_audiences_must_meet() {
        let (signer, mut trust) = setup(KeyType::EcdsaP256);
        let now = Timestamp::now();
        let mut r = request();
        r.issuer = "https://elsewhere".into();
        let token = signer.sign(&r.claims(now, "j".into())).unwrap();
        assert!(matches!(
            authenticate(&token, &trust, now),
            Err(Rejection::NotMine(_))
        ));
        assert!(matches!(
            authenticate("a.b", &trust, now),
            Err(Rejection::NotMine(_))
        ));
        let mut r = request();
        r.audiences = vec!["vault".into()];
        let token = signer.sign(&r.claims(now, "j".into())).unwrap();
        let e = authenticate(&token, &trust, now).unwrap_err();
        assert_eq!(
            e.reason(),
            "token audiences [\"vault\"] is invalid for the target audiences [\"https://kubernetes.default.svc.cluster.local\"]"
        );
        trust.audiences = vec!["vault".into()];
        assert!(authenticate(&token, &trust, now).is_ok());
        // No --api-audiences: every issuer is an API audience (ToAuthenticationConfig), so a
        // token whose audience is the second issuer is accepted.
        trust.audiences.clear();
        trust.issuers.push("https://second".into());
        let mut r = request();
        r.audiences = vec!["https://second".into()];
        let token = signer.sign(&r.claims(now, "j".into())).unwrap();
        assert!(authenticate(&token, &trust, now).is_ok());
    }

    #[test]
    fn legacy_tokens_are_checked_in_legacy_go_order() {
        let (signer, trust) = setup(KeyType::Rsa2048);
        let now = Timestamp::now();
        let claims = legacy_claims("apps", "web", "u1", "web-token-abcde").unwrap();
        let token = signer.sign(&claims).unwrap();
        let a = authenticate(&token, &trust, now).unwrap();
        assert_eq!(a.reading.kind, TokenKind::Legacy);
        assert_eq!(a.identity().user, "system:serviceaccount:apps:web");
        let mut bad = claims.clone();
        bad.sub = "system:serviceaccount:apps:other".into();
        let token = signer.sign(&bad).unwrap();
        assert_eq!(
            authenticate(&token, &trust, now).unwrap_err().reason(),
            "sub claim is invalid"
        );
        let mut bad = claims;
        bad.service_account_uid.clear();
        let token = signer.sign(&bad).unwrap();
        assert_eq!(
            authenticate(&token, &trust, now).unwrap_err().reason(),
            "serviceAccountUID claim is missing"
        );
    }

    #[test]
    fn unsigned_and_foreign_key_tokens_are_refused() {
        let (signer, trust) = setup(KeyType::EcdsaP256);
        let (other, _) = setup(KeyType::EcdsaP256);
        let now = Timestamp::now();
        let claims = request().claims(now, "j".into());
        let token = other.sign(&claims).unwrap();
        let e = authenticate(&token, &trust, now).unwrap_err();
        assert!(e.reason().contains("no keys found"), "{e}");
        let good = signer.sign(&claims).unwrap();
        let parts: Vec<&str> = good.split('.').collect();
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            parts[1]
        );
        let e = authenticate(&none, &trust, now).unwrap_err();
        assert!(e.reason().contains("\"none\""), "{e}");
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD
                .encode(br#"{"iss":"https://kubernetes.default.svc.cluster.local","sub":"x"}"#),
            parts[2]
        );
        let e = authenticate(&tampered, &trust, now).unwrap_err();
        assert!(e.reason().contains("invalid signature"), "{e}");
    }
}
