//! The claim sets kube-apiserver puts in ServiceAccount tokens.
//!
//! go-jose merges the public and private claims into one map before serialising
//! (`jwt.Signed(…).Claims(private).Claims(public)` in `pkg/serviceaccount/jwt.go`), so the API
//! server's payloads have their keys sorted at every level. The structs below declare their
//! fields in that sorted order and omit what the API server omits, so serde_json writes the
//! same bytes.

use serde::{Deserialize, Serialize};

/// A bound token's claims (`pkg/serviceaccount/claims.go`, `Claims`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundClaims {
    /// Audiences, always an array.
    pub aud: Vec<String>,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at.
    pub iat: i64,
    /// Issuer (the first `--service-account-issuer`).
    pub iss: String,
    /// Token ID, a random UUID; the identity's credential-id is `JTI=<jti>`.
    pub jti: String,
    /// The Kubernetes private claims.
    #[serde(rename = "kubernetes.io")]
    pub kubernetes: KubernetesClaims,
    /// Not before; equal to `iat`.
    pub nbf: i64,
    /// `system:serviceaccount:NS:NAME`.
    pub sub: String,
}

/// The `kubernetes.io` private claim (`claims.go`, `kubernetes`), keys sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubernetesClaims {
    /// The ServiceAccount's namespace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// The node: bound to a node, or the node of the bound pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<ObjectRef>,
    /// The bound pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<ObjectRef>,
    /// The bound secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<ObjectRef>,
    /// The ServiceAccount.
    #[serde(default, rename = "serviceaccount")]
    pub service_account: ObjectRef,
    /// For kubelet-extended tokens: when the token would have expired without the extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warnafter: Option<i64>,
}

/// `{name, uid}` with empty fields omitted (`claims.go`, `ref`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    /// Object name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Object UID.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
}

impl ObjectRef {
    /// A reference.
    pub fn new(name: impl Into<String>, uid: impl Into<String>) -> Self {
        ObjectRef {
            name: name.into(),
            uid: uid.into(),
        }
    }
}

/// A legacy secret-based token's claims (`pkg/serviceaccount/legacy.go`, `LegacyClaims`):
/// no `aud`, `exp`, `iat`, `nbf` or `jti`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyClaims {
    /// Always `kubernetes/serviceaccount`.
    pub iss: String,
    /// Namespace.
    #[serde(rename = "kubernetes.io/serviceaccount/namespace", default)]
    pub namespace: String,
    /// The secret holding the token.
    #[serde(rename = "kubernetes.io/serviceaccount/secret.name", default)]
    pub secret_name: String,
    /// The ServiceAccount's name.
    #[serde(rename = "kubernetes.io/serviceaccount/service-account.name", default)]
    pub service_account_name: String,
    /// The ServiceAccount's UID.
    #[serde(rename = "kubernetes.io/serviceaccount/service-account.uid", default)]
    pub service_account_uid: String,
    /// `system:serviceaccount:NS:NAME`.
    #[serde(default)]
    pub sub: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_claims_serialise_sorted_like_go_jose() {
        let c = BoundClaims {
            aud: vec!["a".into()],
            exp: 3,
            iat: 1,
            iss: "i".into(),
            jti: "j".into(),
            kubernetes: KubernetesClaims {
                namespace: "ns".into(),
                node: Some(ObjectRef::new("n", "")),
                pod: Some(ObjectRef::new("p", "pu")),
                secret: None,
                service_account: ObjectRef::new("sa", "su"),
                warnafter: None,
            },
            nbf: 1,
            sub: "s".into(),
        };
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"aud":["a"],"exp":3,"iat":1,"iss":"i","jti":"j","kubernetes.io":{"namespace":"ns","node":{"name":"n"},"pod":{"name":"p","uid":"pu"},"serviceaccount":{"name":"sa","uid":"su"}},"nbf":1,"sub":"s"}"#
        );
    }
}
