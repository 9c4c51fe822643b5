//! The 403 the API server writes when an authorizer does not allow a request
//! (`k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go`, `Forbidden` and
//! `forbiddenMessage`, over `apierrors.NewForbidden` in
//! `k8s.io/apimachinery/pkg/api/errors/errors.go`). kubectl prints its message after
//! `Error from server (Forbidden): `.

use serde::Serialize;

use super::{Attributes, Decision};
use crate::authn::x509::go_quote;

/// A refused request: what was asked, and what the authorizers said.
#[derive(Clone, Debug)]
pub struct Forbidden {
    /// The request the authorizers refused.
    pub attributes: Attributes,
    /// The union's reason (joined with newlines), "" when none gave one.
    pub reason: String,
    /// The whole decision, for the WHY table.
    pub decision: Decision,
}

/// `forbiddenMessage`: who cannot do what, where.
pub fn forbidden_message(a: &Attributes) -> String {
    let user = go_quote(&a.user.user);
    if !a.resource_request {
        return format!("User {user} cannot {} path {}", a.verb, go_quote(&a.path));
    }
    let mut resource = a.resource.clone();
    if !a.subresource.is_empty() {
        resource = format!("{resource}/{}", a.subresource);
    }
    let (resource, group) = (go_quote(&resource), go_quote(&a.api_group));
    if !a.namespace.is_empty() {
        return format!(
            "User {user} cannot {} resource {resource} in API group {group} in the namespace {}",
            a.verb,
            go_quote(&a.namespace)
        );
    }
    format!(
        "User {user} cannot {} resource {resource} in API group {group} at the cluster scope",
        a.verb
    )
}

/// `responsewriters.sanitizer`: "Avoid emitting errors that look like valid HTML".
fn sanitize(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Forbidden {
    /// The Status message: `RESOURCE[.GROUP] "NAME" is forbidden: MESSAGE[: REASON]`.
    pub fn message(&self) -> String {
        let a = &self.attributes;
        let msg = sanitize(&forbidden_message(a));
        let err = if self.reason.is_empty() {
            msg
        } else {
            format!("{msg}: {}", self.reason)
        };
        // schema.GroupResource{Group, Resource}.String() and NewForbidden's three shapes.
        let qualified = if a.api_group.is_empty() {
            a.resource.clone()
        } else {
            format!("{}.{}", a.resource, a.api_group)
        };
        if qualified.is_empty() {
            format!("forbidden: {err}")
        } else if a.name.is_empty() {
            format!("{qualified} is forbidden: {err}")
        } else {
            format!("{qualified} {} is forbidden: {err}", go_quote(&a.name))
        }
    }

    /// The `Status` object (`metav1.Status`, code 403, reason `Forbidden`).
    pub fn status(&self) -> Status {
        let a = &self.attributes;
        Status {
            kind: "Status",
            api_version: "v1",
            metadata: Empty {},
            status: "Failure",
            message: self.message(),
            reason: "Forbidden",
            details: Details {
                name: a.name.clone(),
                group: a.api_group.clone(),
                kind: a.resource.clone(),
            },
            code: 403,
        }
    }
}

/// `metav1.Status` as a 403 carries it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// `Status`.
    pub kind: &'static str,
    /// `v1`.
    pub api_version: &'static str,
    /// `{}`.
    pub metadata: Empty,
    /// `Failure`.
    pub status: &'static str,
    /// `NewForbidden`'s message.
    pub message: String,
    /// `Forbidden`.
    pub reason: &'static str,
    /// The resource refused.
    pub details: Details,
    /// 403.
    pub code: u16,
}

/// An empty `metadata`.
#[derive(Clone, Debug, Serialize)]
pub struct Empty {}

/// `metav1.StatusDetails` (empty fields are omitted, as `omitempty` does).
#[derive(Clone, Debug, Serialize)]
pub struct Details {
    /// The object's name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The API group.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The resource (NewForbidden puts the resource in `kind`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Identity;

    fn attrs(ns: &str, group: &str, resource: &str, sub: &str, name: &str) -> Attributes {
        Attributes {
            user: Identity::new("jane", ["devs"]),
            verb: "get".into(),
            namespace: ns.into(),
            api_group: group.into(),
            resource: resource.into(),
            subresource: sub.into(),
            name: name.into(),
            resource_request: true,
            ..Attributes::default()
        }
    }

    fn forbidden(a: Attributes, reason: &str) -> String {
        Forbidden {
            attributes: a,
            reason: reason.into(),
            decision: Decision::default(),
        }
        .message()
    }

    #[test]
    fn messages_as_the_api_server_words_them() {
        assert_eq!(
            forbidden(attrs("prod", "", "pods", "log", "web-0"), ""),
            r#"pods "web-0" is forbidden: User "jane" cannot get resource "pods/log" in API group "" in the namespace "prod""#
        );
        assert_eq!(
            forbidden(attrs("", "apps", "deployments", "", ""), ""),
            r#"deployments.apps is forbidden: User "jane" cannot get resource "deployments" in API group "apps" at the cluster scope"#
        );
        let url = Attributes {
            user: Identity::new("jane", ["devs"]),
            verb: "get".into(),
            path: "/metrics".into(),
            ..Attributes::default()
        };
        assert_eq!(
            forbidden(url, "no <b>"),
            r#"forbidden: User "jane" cannot get path "/metrics": no <b>"#
        );
        assert_eq!(
            forbidden(attrs("", "", "nodes", "", "a<b"), ""),
            r#"nodes "a<b" is forbidden: User "jane" cannot get resource "nodes" in API group "" at the cluster scope"#
        );
    }
}
