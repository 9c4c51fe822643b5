//! What `kcred whoami` prints: the table `kubectl auth whoami` prints, the
//! `SelfSubjectReview` it prints with `-o json|yaml` (kubectl
//! `staging/src/k8s.io/kubectl/pkg/cmd/auth/whoami.go`), or the API server's 401 `Status`
//! (`apiserver/pkg/endpoints/filters/authentication.go`) with kcred's reasons in
//! `details.causes`. A failed TLS handshake has no HTTP answer at all; it is printed as a
//! `Status` with reason `HandshakeFailure` and code 0 ("not set" in the Status API), so a
//! script still gets one object of one shape.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::authn::{Cause, Outcome};
use crate::identity::{NODE_USER_PREFIX, SYSTEM_MASTERS, SYSTEM_NODES};
use crate::output::{go_list, sanitize, table};

/// `authentication.k8s.io/v1` `SelfSubjectReview`, fields in kubectl's order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfSubjectReview {
    kind: &'static str,
    api_version: &'static str,
    metadata: Metadata,
    status: ReviewStatus,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    creation_timestamp: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReviewStatus {
    user_info: UserInfo,
}

#[derive(Debug, Serialize)]
struct UserInfo {
    username: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    uid: String,
    groups: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extra: BTreeMap<String, Vec<String>>,
}

/// The v1 `Status` of a 401, fields in Go's struct order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    kind: &'static str,
    api_version: &'static str,
    metadata: BTreeMap<String, String>,
    status: &'static str,
    message: String,
    reason: &'static str,
    details: Details,
    code: u16,
}

#[derive(Debug, Serialize)]
struct Details {
    causes: Vec<Cause>,
}

/// The annotation under which kcred lists what it could not check offline.
pub const NOT_CHECKED_ANNOTATION: &str = "kcred.dev/notes";

/// What `-o json|yaml` prints: the review when authenticated, the 401 otherwise.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Object {
    /// Authenticated.
    Review(SelfSubjectReview),
    /// 401 Unauthorized.
    Status(Status),
}

/// The object `-o json|yaml` prints for `outcome`.
pub fn object(outcome: &Outcome, now: Timestamp) -> Object {
    match outcome {
        Outcome::Authenticated {
            identity, notes, ..
        } => {
            let mut annotations = BTreeMap::new();
            if !notes.is_empty() {
                annotations.insert(NOT_CHECKED_ANNOTATION.to_string(), notes.join("; "));
            }
            Object::Review(SelfSubjectReview {
                kind: "SelfSubjectReview",
                api_version: "authentication.k8s.io/v1",
                metadata: Metadata {
                    creation_timestamp: now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    annotations,
                },
                status: ReviewStatus {
                    user_info: UserInfo {
                        username: identity.user.clone(),
                        uid: identity.uid.clone(),
                        groups: identity.groups.clone(),
                        extra: identity.extra.clone(),
                    },
                },
            })
        }
        Outcome::Unauthorized { causes } => Object::Status(Status {
            kind: "Status",
            api_version: "v1",
            metadata: BTreeMap::new(),
            status: "Failure",
            message: "Unauthorized".into(),
            reason: "Unauthorized",
            details: Details {
                causes: causes.clone(),
            },
            code: 401,
        }),
        Outcome::HandshakeFailed { reason, notes } => Object::Status(Status {
            kind: "Status",
            api_version: "v1",
            metadata: BTreeMap::new(),
            status: "Failure",
            message: format!("the TLS handshake fails: {reason}"),
            reason: "HandshakeFailure",
            details: Details {
                causes: std::iter::once(Cause {
                    reason: "tls".into(),
                    message: reason.clone(),
                })
                .chain(notes.iter().map(|n| Cause {
                    reason: "note".into(),
                    message: n.clone(),
                }))
                .collect(),
            },
            code: 0,
        }),
        Outcome::Undecidable { reason } => Object::Status(Status {
            kind: "Status",
            api_version: "v1",
            metadata: BTreeMap::new(),
            status: "Failure",
            message: reason.clone(),
            reason: "Undecidable",
            details: Details { causes: vec![] },
            code: 0,
        }),
    }
}

/// The table, with hints below it.
pub fn text(outcome: &Outcome, now: Timestamp) -> String {
    match outcome {
        Outcome::Authenticated {
            identity,
            by,
            notes,
            cert_expires,
        } => {
            let mut rows = vec![vec!["ATTRIBUTE".to_string(), "VALUE".to_string()]];
            if !identity.user.is_empty() {
                rows.push(vec!["Username".into(), sanitize(&identity.user)]);
            }
            if !identity.uid.is_empty() {
                rows.push(vec!["UID".into(), sanitize(&identity.uid)]);
            }
            if !identity.groups.is_empty() {
                rows.push(vec!["Groups".into(), sanitize(&go_list(&identity.groups))]);
            }
            for (k, v) in &identity.extra {
                rows.push(vec![
                    format!("Extra: {}", sanitize(k)),
                    sanitize(&go_list(v)),
                ]);
            }
            let mut out = table(&rows);
            out.push_str(&format!("\nauthenticated by: {by}\n"));
            for h in hints(identity, *cert_expires, now) {
                out.push_str(&format!("hint: {h}\n"));
            }
            for n in notes {
                out.push_str(&format!("note: {}\n", sanitize(n)));
            }
            out
        }
        Outcome::Unauthorized { causes } => {
            let mut out =
                String::from("error: You must be logged in to the server (Unauthorized)\n");
            for c in causes {
                out.push_str(&format!("  {}: {}\n", c.reason, sanitize(&c.message)));
            }
            out
        }
        Outcome::HandshakeFailed { reason, notes } => {
            // One line: there is no HTTP answer to list causes under.
            let mut out = format!(
                "error: the TLS handshake with the API server fails, before any authenticator runs: {}",
                sanitize(reason)
            );
            for n in notes {
                out.push_str(&format!(" (note: {})", sanitize(n)));
            }
            out.push('\n');
            out
        }
        Outcome::Undecidable { reason } => format!("error: {}\n", sanitize(reason)),
    }
}

fn hints(id: &crate::Identity, cert_expires: Option<Timestamp>, now: Timestamp) -> Vec<String> {
    let mut h = Vec::new();
    if id.groups.iter().any(|g| g == SYSTEM_MASTERS) {
        h.push(format!("{SYSTEM_MASTERS} bypasses all authorization: this credential is cluster-admin and RBAC cannot restrict it"));
    }
    if id.user.starts_with(NODE_USER_PREFIX) && !id.groups.iter().any(|g| g == SYSTEM_NODES) {
        h.push(format!(
            "{} is not in group {SYSTEM_NODES}: the Node authorizer and NodeRestriction ignore it",
            sanitize(&id.user)
        ));
    }
    if let Some(t) = cert_expires {
        let left = t.duration_since(now);
        if left < SignedDuration::from_hours(30 * 24) {
            h.push(format!(
                "the client certificate expires in {} ({t})",
                crate::duration::short_human(left)
            ));
        }
    }
    h
}
