//! What a ServiceAccount token's Kubernetes claims say, and the identity they make:
//! `pkg/serviceaccount/claims.go` (bound) and `legacy.go` (secret-based) build a
//! `ServiceAccountInfo` and its `UserInfo()`; this is that, read without trusting it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::super::claims::ObjectRef;
use super::super::jose::{self, BoundPrivate, LegacyPrivate, PublicClaims};
use super::super::{
    EXTRA_NODE_NAME, EXTRA_NODE_UID, EXTRA_POD_NAME, EXTRA_POD_UID, LEGACY_ISSUER, groups, username,
};
use super::DecodedToken;
use crate::Identity;
use crate::identity::CREDENTIAL_ID;

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
pub(super) fn bound_reading(public: &PublicClaims, p: &BoundPrivate) -> KubernetesReading {
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

pub(super) fn legacy_reading(p: &LegacyPrivate) -> KubernetesReading {
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
