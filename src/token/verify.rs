//! Reading and checking ServiceAccount tokens.
//!
//! [`decode`] splits any compact JWS and decodes its header and payload with base64url and
//! serde_json, so that any token can be *shown*, `alg: none` included (jsonwebtoken's
//! `decode_header` refuses that). [`authenticate`] is kube-apiserver's ServiceAccount
//! authenticators as one library call, in their order (`pkg/serviceaccount/jwt.go`,
//! `AuthenticateToken`; `claims.go` and `legacy.go`, `Validate`):
//!
//! 1. not three parts, not JSON, or an issuer this authenticator does not serve: *not mine*
//!    ([`Rejection::NotMine`]): the API server's authenticator has no opinion, and another
//!    one may take the token;
//! 2. the signature, checked by jsonwebtoken with the keys whose `kid` matches the header's
//!    (no kid: every key in turn); `none` and HMAC are refused, and the header's algorithm
//!    must fit the key;
//! 3. the issuer, then the audience: an empty `aud` means the API audiences, and the token's
//!    audiences must intersect the API audiences;
//! 4. `nbf`, `exp`, `iat` with 60 s leeway (go-jose's `DefaultLeeway`), then the required
//!    claims (bound: `kubernetes.io` namespace and serviceaccount; legacy: the flat claims
//!    and a `sub` that matches them).
//!
//! What the API server checks against live objects (the ServiceAccount, pod, secret and node
//! exist and their UIDs match) cannot be checked offline: [`Authenticated::not_checked`]
//! lists it, and nothing is assumed.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

use super::claims::ObjectRef;
use super::keys::VerificationKey;
use super::{
    DEFAULT_ISSUER, EXTRA_NODE_NAME, EXTRA_NODE_UID, EXTRA_POD_NAME, EXTRA_POD_UID, LEGACY_ISSUER,
    groups, split_username, username,
};
use crate::Identity;
use crate::error::{Error, Result};
use crate::identity::CREDENTIAL_ID;

/// Clock skew allowed on `exp`, `nbf` and `iat` (go-jose `jwt.DefaultLeeway`).
pub const LEEWAY_SECONDS: i64 = 60;

/// A token split and decoded, NOT verified.
#[derive(Clone, Debug)]
pub struct DecodedToken {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The claims.
    pub claims: Map<String, Value>,
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
/// the token.
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
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(bad(&format!(
            "not a JWT: expected 3 dot-separated parts, found {}",
            parts.len()
        )));
    }
    let part = |i: usize, what: &str| -> Result<Map<String, Value>> {
        let bytes = URL_SAFE_NO_PAD
            .decode(parts[i].trim_end_matches('='))
            .map_err(|_| bad(&format!("the {what} is not base64url")))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(bad(&format!("the {what} is not a JSON object"))),
            Err(e) => Err(bad(&format!("the {what} is not JSON: {e}"))),
        }
    };
    let header = part(0, "header")?;
    let claims = part(1, "payload")?;
    if URL_SAFE_NO_PAD.decode(parts[2]).is_err() {
        return Err(bad("the signature is not base64url"));
    }
    Ok(DecodedToken {
        header,
        claims,
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

    /// The `iss` claim, empty if absent.
    pub fn issuer(&self) -> &str {
        self.claims.get("iss").and_then(Value::as_str).unwrap_or("")
    }

    /// `aud` as a list (go-jose accepts a string or an array).
    pub fn audiences(&self) -> Vec<String> {
        match self.claims.get("aud") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A numeric time claim (`exp`, `iat`, `nbf`), whole seconds.
    pub fn time(&self, name: &str) -> Option<i64> {
        let v = self.claims.get(name)?;
        v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
    }

    /// The token as given (cleaned).
    pub fn as_str(&self) -> &str {
        &self.token
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

fn str_at<'a>(m: &'a Map<String, Value>, key: &str) -> &'a str {
    m.get(key).and_then(Value::as_str).unwrap_or("")
}

fn obj_ref(v: Option<&Value>) -> Option<ObjectRef> {
    let m = v?.as_object()?;
    Some(ObjectRef::new(str_at(m, "name"), str_at(m, "uid")))
}

/// Read the Kubernetes claims of a token, trusting nothing; `None` if it is not a
/// ServiceAccount token at all.
pub fn read_kubernetes(t: &DecodedToken) -> Option<KubernetesReading> {
    let c = &t.claims;
    if let Some(k) = c.get("kubernetes.io").and_then(Value::as_object) {
        let namespace = str_at(k, "namespace");
        let sa = obj_ref(k.get("serviceaccount")).unwrap_or_default();
        let pod = obj_ref(k.get("pod"));
        let node = obj_ref(k.get("node"));
        // ServiceAccountInfo.UserInfo (k8s.io/apiserver/pkg/authentication/serviceaccount).
        let mut extra = BTreeMap::new();
        if let Some(p) = &pod
            && !p.name.is_empty()
            && !p.uid.is_empty()
        {
            extra.insert(EXTRA_POD_NAME.to_string(), vec![p.name.clone()]);
            extra.insert(EXTRA_POD_UID.to_string(), vec![p.uid.clone()]);
        }
        if let Some(n) = &node
            && !n.name.is_empty()
        {
            extra.insert(EXTRA_NODE_NAME.to_string(), vec![n.name.clone()]);
            if !n.uid.is_empty() {
                extra.insert(EXTRA_NODE_UID.to_string(), vec![n.uid.clone()]);
            }
        }
        let jti = str_at(c, "jti");
        if !jti.is_empty() {
            extra.insert(CREDENTIAL_ID.to_string(), vec![format!("JTI={jti}")]);
        }
        return Some(KubernetesReading {
            kind: TokenKind::Bound,
            username: username(namespace, &sa.name),
            uid: sa.uid,
            groups: groups(namespace),
            extra,
            pod,
            secret: obj_ref(k.get("secret")),
            node,
            warnafter: k.get("warnafter").and_then(Value::as_i64),
        });
    }
    let legacy_ns = c.get("kubernetes.io/serviceaccount/namespace");
    if legacy_ns.is_some() || t.issuer() == LEGACY_ISSUER {
        let ns = str_at(c, "kubernetes.io/serviceaccount/namespace");
        let name = str_at(c, "kubernetes.io/serviceaccount/service-account.name");
        let secret = str_at(c, "kubernetes.io/serviceaccount/secret.name");
        return Some(KubernetesReading {
            kind: TokenKind::Legacy,
            username: username(ns, name),
            uid: str_at(c, "kubernetes.io/serviceaccount/service-account.uid").to_string(),
            groups: groups(ns),
            extra: BTreeMap::new(),
            pod: None,
            secret: (!secret.is_empty()).then(|| ObjectRef::new(secret, "")),
            node: None,
            warnafter: None,
        });
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
    /// `--api-audiences`; empty means the first issuer, as the API server defaults it.
    pub audiences: Vec<String>,
    /// Whether legacy secret-based tokens (issuer `kubernetes/serviceaccount`) are accepted
    /// (the API server always runs that authenticator next to the bound one).
    pub legacy: bool,
}

impl TokenTrust {
    /// Trust these keys for these issuers (empty: the default issuer) and audiences
    /// (empty: the first issuer); legacy tokens accepted.
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

    /// The API audiences: `--api-audiences`, or the first issuer.
    pub fn api_audiences(&self) -> Vec<String> {
        if self.audiences.is_empty() {
            self.issuers.iter().take(1).cloned().collect()
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
    /// Not a token for these authenticators (not a JWT, or another issuer): the API server's
    /// ServiceAccount authenticators have no opinion and the request falls through.
    #[error("{0}")]
    NotMine(String),
    /// The token is for these authenticators and they refuse it.
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
    let t = decode("token", token).map_err(|e| match e {
        Error::Input { problem, .. } => Rejection::NotMine(problem),
        other => Rejection::NotMine(other.to_string()),
    })?;
    authenticate_decoded(&t, trust, now)
}

/// [`authenticate`] on a token already decoded.
pub fn authenticate_decoded(
    t: &DecodedToken,
    trust: &TokenTrust,
    now: Timestamp,
) -> std::result::Result<Authenticated, Rejection> {
    let invalid = |s: String| Rejection::Invalid(s);
    // jwt.go hasCorrectIssuer: the bound authenticator serves --service-account-issuer,
    // the legacy one serves kubernetes/serviceaccount.
    let iss = t.issuer();
    let kind = if trust.issuers.iter().any(|i| i == iss) {
        TokenKind::Bound
    } else if trust.legacy && iss == LEGACY_ISSUER {
        TokenKind::Legacy
    } else {
        let mut served = trust.issuers.clone();
        if trust.legacy {
            served.push(LEGACY_ISSUER.into());
        }
        return Err(Rejection::NotMine(format!(
            "token issuer {iss:?} is not a trusted issuer (trusted: {})",
            go_quoted(&served)
        )));
    };

    let key_id = verify_signature(t, &trust.keys).map_err(invalid)?;

    // Audiences (jwt.go): empty aud means the API audiences; requested = API audiences.
    let api_auds = trust.api_audiences();
    let mut token_auds = t.audiences();
    if token_auds.is_empty() {
        token_auds = api_auds.clone();
    }
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

    let (reading, not_checked, warnings) = match kind {
        TokenKind::Bound => validate_bound(t, now).map_err(invalid)?,
        TokenKind::Legacy => validate_legacy(t).map_err(invalid)?,
    };
    Ok(Authenticated {
        reading,
        key_id,
        audiences: auds,
        not_checked,
        warnings,
    })
}

/// The signature, through jsonwebtoken; returns the matching key's kid.
fn verify_signature(
    t: &DecodedToken,
    keys: &[VerificationKey],
) -> std::result::Result<String, String> {
    let alg_name = t.alg();
    if alg_name.eq_ignore_ascii_case("none") || alg_name.is_empty() {
        return Err("invalid signature: alg \"none\" (an unsigned token) is refused".to_string());
    }
    if alg_name.starts_with("HS") {
        return Err(format!(
            "invalid signature: HMAC algorithm {alg_name} is refused (ServiceAccount tokens are signed with RSA or ECDSA keys)"
        ));
    }
    let alg: jsonwebtoken::Algorithm = alg_name
        .parse()
        .map_err(|_| format!("invalid signature: unsupported algorithm {alg_name:?}"))?;
    // staticPublicKeysGetter.GetPublicKeys: by kid when the header has one, else all.
    let kid = t.kid();
    let candidates: Vec<&VerificationKey> = keys
        .iter()
        .filter(|k| kid.is_empty() || k.kid == kid)
        .collect();
    if candidates.is_empty() {
        return Err(if keys.is_empty() {
            "invalid signature, no keys found".to_string()
        } else {
            format!(
                "invalid signature, no keys found: no key has kid {kid:?} ({} key(s) given)",
                keys.len()
            )
        });
    }
    let mut errors = Vec::new();
    for key in candidates {
        if key.alg == super::SigningAlg::ES512 {
            errors.push(format!(
                "key {}: kcred cannot verify ES512 (P-521) signatures",
                key.kid
            ));
            continue;
        }
        if !key.alg.accepts().contains(&alg) {
            errors.push(format!(
                "algorithm {alg_name} does not fit key {} ({} key)",
                key.kid, key.alg
            ));
            continue;
        }
        let mut v = jsonwebtoken::Validation::new(alg);
        v.validate_exp = false;
        v.validate_nbf = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        v.leeway = 0;
        match jsonwebtoken::decode::<Value>(t.as_str(), &key.decoding_key(), &v) {
            Ok(_) => return Ok(key.kid.clone()),
            Err(e) => errors.push(match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                    format!("invalid signature for key {}", key.kid)
                }
                other => format!("key {}: {other:?}", key.kid),
            }),
        }
    }
    Err(if errors.len() == 1 {
        errors.remove(0)
    } else {
        format!("[{}]", errors.join(", "))
    })
}

type Validated = (KubernetesReading, Vec<String>, Vec<String>);

/// claims.go `Validate`, offline part.
fn validate_bound(t: &DecodedToken, now: Timestamp) -> std::result::Result<Validated, String> {
    let now_s = now.as_second();
    for name in ["nbf", "exp", "iat"] {
        if t.claims.get(name).is_some_and(|v| !v.is_number()) {
            return Err(format!(
                "service account token claim {name} is not a number"
            ));
        }
    }
    // go-jose ValidateWithLeeway, in its order.
    if let Some(nbf) = t.time("nbf")
        && now_s + LEEWAY_SECONDS < nbf
    {
        return Err("service account token is not valid yet".into());
    }
    if let Some(exp) = t.time("exp")
        && now_s - LEEWAY_SECONDS > exp
    {
        return Err("service account token has expired".into());
    }
    if let Some(iat) = t.time("iat")
        && now_s + LEEWAY_SECONDS < iat
    {
        return Err("service account token is issued in the future".into());
    }
    let reading = read_kubernetes(t).ok_or("service account token has no kubernetes.io claims")?;
    let k = t
        .claims
        .get("kubernetes.io")
        .and_then(Value::as_object)
        .ok_or("service account token has no kubernetes.io claims")?;
    let namespace = str_at(k, "namespace");
    let sa = obj_ref(k.get("serviceaccount")).unwrap_or_default();
    // The API server looks the ServiceAccount up by these; empty ones can never match.
    if namespace.is_empty() {
        return Err("the kubernetes.io namespace claim is missing".into());
    }
    if sa.name.is_empty() {
        return Err("the kubernetes.io serviceaccount name claim is missing".into());
    }
    if sa.uid.is_empty() {
        return Err("the kubernetes.io serviceaccount uid claim is missing".into());
    }
    let mut not_checked = vec![format!(
        "serviceaccount {namespace}/{} exists with uid {}",
        sa.name, sa.uid
    )];
    if let Some(p) = &reading.pod {
        if p.name.is_empty() {
            return Err("the kubernetes.io pod claim has no name".into());
        }
        not_checked.push(format!(
            "pod {namespace}/{} exists with uid {} and runs as serviceaccount {}",
            p.name, p.uid, sa.name
        ));
    }
    if let Some(s) = &reading.secret {
        if s.name.is_empty() {
            return Err("the kubernetes.io secret claim has no name".into());
        }
        not_checked.push(format!(
            "secret {namespace}/{} exists with uid {}",
            s.name, s.uid
        ));
    }
    if let Some(n) = &reading.node {
        if n.name.is_empty() {
            return Err("the kubernetes.io node claim has no name".into());
        }
        not_checked.push(format!("node {} exists with uid {}", n.name, n.uid));
    }
    let mut warnings = Vec::new();
    if t.time("exp").is_none() {
        warnings.push("the token has no exp claim: it never expires".into());
    }
    if let Some(w) = reading.warnafter
        && now_s > w
    {
        warnings.push(format!(
            "stale token: {}s past its warnafter time (the kubelet should have refreshed it)",
            now_s - w
        ));
    }
    Ok((reading, not_checked, warnings))
}

/// legacy.go `Validate`, offline part, in its order and wording.
fn validate_legacy(t: &DecodedToken) -> std::result::Result<Validated, String> {
    let c = &t.claims;
    let sub = str_at(c, "sub");
    if sub.is_empty() {
        return Err("sub claim is missing".into());
    }
    let namespace = str_at(c, "kubernetes.io/serviceaccount/namespace");
    if namespace.is_empty() {
        return Err("namespace claim is missing".into());
    }
    let secret = str_at(c, "kubernetes.io/serviceaccount/secret.name");
    if secret.is_empty() {
        return Err("secretName claim is missing".into());
    }
    let name = str_at(c, "kubernetes.io/serviceaccount/service-account.name");
    if name.is_empty() {
        return Err("serviceAccountName claim is missing".into());
    }
    let uid = str_at(c, "kubernetes.io/serviceaccount/service-account.uid");
    if uid.is_empty() {
        return Err("serviceAccountUID claim is missing".into());
    }
    if split_username(sub) != Some((namespace, name)) {
        return Err("sub claim is invalid".into());
    }
    let reading = read_kubernetes(t).ok_or("sub claim is missing")?;
    let not_checked = vec![
        format!("serviceaccount {namespace}/{name} exists with uid {uid}"),
        format!(
            "secret {namespace}/{secret} exists, belongs to serviceaccount {name} and holds this very token"
        ),
        "the legacy token has not been invalidated (LegacyServiceAccountTokenCleanUp)".into(),
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
        for kt in [KeyType::Rsa2048, KeyType::EcdsaP256, KeyType::EcdsaP384] {
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
            assert_eq!(a.not_checked.len(), 3);
        }
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
