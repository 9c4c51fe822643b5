//! The offline part of the two ServiceAccount validators, in their order and wording:
//! `pkg/serviceaccount/claims.go` `validator.Validate` (bound tokens) and `legacy.go`
//! `legacyValidator.Validate` (secret-based tokens). What needs a live object is listed as
//! not checked; a lookup that can never succeed is a refusal.

use jiff::Timestamp;

use super::super::gojson;
use super::super::jose::{self, BoundPrivate, LegacyPrivate, PublicClaims};
use super::super::{NameKind, split_username, validate_name};
use super::LEEWAY_SECONDS;
use super::reading::{KubernetesReading, TokenKind, bound_reading, legacy_reading};

pub(super) enum Private {
    Bound(BoundPrivate),
    Legacy(LegacyPrivate),
}

/// `json.Unmarshal(payload, public)` then `(payload, private)`, with go-jose's fork.
pub(super) fn decode_claims(
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

pub(super) type Validated = (KubernetesReading, Vec<String>, Vec<String>);

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
pub(super) fn validate_bound(
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
pub(super) fn validate_legacy(
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
