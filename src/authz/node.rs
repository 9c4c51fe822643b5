//! The Node authorizer (`plugin/pkg/auth/authorizer/node/node_authorizer.go`, `Authorize`)
//! as far as it decides without its graph of live objects. Requests it answers from static
//! rules or from the request alone are decided exactly; requests it answers by walking the
//! graph (is this secret used by a pod bound to this node?) come back as
//! [`NodeDecision::NotCheckedOffline`], never guessed.
//!
//! `AuthorizeNodeWithSelectors` is taken as enabled (beta and on in 1.32, GA and locked on
//! since 1.34: `pkg/features/kube_features.go`),
//! so nodes and pods go through `authorizeNode` / `authorizePod`. Requests carry no field
//! selector here (neither does `kubectl auth can-i`), so a node's list/watch of pods or
//! resourceslices gets the reason the API server gives a request without one.

use super::Attributes;
use super::rules::{PolicyRule, rules_allow};

/// What the Node authorizer says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeDecision {
    /// DecisionAllow.
    Allow,
    /// DecisionNoOpinion, with the authorizer's reason (maybe empty).
    NoOpinion(String),
    /// The answer depends on the live object graph.
    NotCheckedOffline(String),
}

use NodeDecision::{Allow, NoOpinion, NotCheckedOffline};

/// `nodeidentifier.NewDefaultNodeIdentifier().NodeIdentity`
/// (`pkg/auth/nodeidentifier/default.go`): a `system:node:` username *and* the
/// `system:nodes` group; the name may be empty.
pub fn node_identity(a: &Attributes) -> Option<&str> {
    let name = a.user.user.strip_prefix("system:node:")?;
    a.user
        .groups
        .iter()
        .any(|g| g == "system:nodes")
        .then_some(name)
}

fn no(reason: &str) -> NodeDecision {
    NoOpinion(reason.to_string())
}

fn graph(node: &str, what: &str, a: &Attributes) -> NodeDecision {
    // `authorize` refuses a request without a name before it consults the graph.
    if a.name.is_empty() {
        return no("No Object name found");
    }
    NotCheckedOffline(format!(
        "Node: whether node '{node}' may {} {what} {:?} depends on the live pods and volumes bound to it (the Node authorizer's graph): not checked offline",
        a.verb,
        if a.namespace.is_empty() {
            a.name.clone()
        } else {
            format!("{}/{}", a.namespace, a.name)
        }
    ))
}

/// `Authorize`; `node_rules` is `bootstrappolicy.NodeRules()`.
pub fn authorize(a: &Attributes, node_rules: &[PolicyRule]) -> NodeDecision {
    let Some(node) = node_identity(a) else {
        return no("");
    };
    if node.is_empty() {
        return NoOpinion(format!("unknown node for user {:?}", a.user.user));
    }
    if a.resource_request {
        let verb = a.verb.as_str();
        let sub = a.subresource.as_str();
        match (a.api_group.as_str(), a.resource.as_str()) {
            ("", "secrets") | ("", "configmaps") => {
                // authorizeReadNamespacedObject
                if !matches!(verb, "get" | "list" | "watch") {
                    return no("can only read resources of this type");
                }
                if !sub.is_empty() {
                    return no("cannot read subresource");
                }
                if a.namespace.is_empty() {
                    return no("can only read namespaced object of this type");
                }
                return graph(node, &a.resource, a);
            }
            ("", "persistentvolumeclaims") if sub == "status" => {
                // authorizeStatusUpdate
                if !matches!(verb, "update" | "patch") {
                    return no("can only get/update/patch this type");
                }
                return graph(node, &a.resource, a);
            }
            ("", "persistentvolumeclaims")
            | ("", "persistentvolumes")
            | ("resource.k8s.io", "resourceclaims")
            | ("storage.k8s.io", "volumeattachments") => return get(node, a),
            ("", "serviceaccounts") => {
                // authorizeCreateToken
                if verb != "create" || a.name.is_empty() {
                    return no("can only create tokens for individual service accounts");
                }
                if sub != "token" {
                    return no("can only create token subresource of serviceaccount");
                }
                return graph(node, "serviceaccount token", a);
            }
            ("coordination.k8s.io", "leases") => {
                // authorizeLease
                if !matches!(verb, "get" | "create" | "update" | "patch" | "delete") {
                    return no("can only get, create, update, patch, or delete a node lease");
                }
                if a.namespace != "kube-node-lease" {
                    return no(
                        "can only access leases in the \"kube-node-lease\" system namespace",
                    );
                }
                if verb != "create" && a.name != node {
                    return no(
                        "can only access node lease with the same name as the requesting node",
                    );
                }
                return Allow;
            }
            ("storage.k8s.io", "csinodes") => {
                // authorizeCSINode
                if !matches!(verb, "get" | "create" | "update" | "patch" | "delete") {
                    return no("can only get, create, update, patch, or delete a CSINode");
                }
                if !sub.is_empty() {
                    return no("cannot authorize CSINode subresources");
                }
                if verb != "create" && a.name != node {
                    return no("can only access CSINode with the same name as the requesting node");
                }
                return Allow;
            }
            ("resource.k8s.io", "resourceslices") => {
                // authorizeResourceSlice
                if !sub.is_empty() {
                    return no("cannot authorize ResourceSlice subresources");
                }
                return match verb {
                    "create" => Allow,
                    "get" | "update" | "patch" | "delete" => graph(node, "resourceslice", a),
                    "watch" | "list" | "deletecollection" => no(
                        "can only list/watch/deletecollection resourceslices with nodeName field selector",
                    ),
                    _ => no(
                        "only the following verbs are allowed for a ResourceSlice: get, watch, list, create, update, patch, delete, deletecollection",
                    ),
                };
            }
            ("", "nodes") => return authorize_node(node, a),
            ("", "pods") => return authorize_pod(node, a),
            _ => {}
        }
    }
    // Everything else: the static node rules.
    if rules_allow(a, node_rules) {
        Allow
    } else {
        no("")
    }
}

/// `authorizeGet`.
fn get(node: &str, a: &Attributes) -> NodeDecision {
    if a.verb != "get" {
        return no("can only get individual resources of this type");
    }
    if !a.subresource.is_empty() {
        return no("cannot get subresource");
    }
    graph(node, &a.resource, a)
}

/// `authorizeNode`.
fn authorize_node(node: &str, a: &Attributes) -> NodeDecision {
    match (a.subresource.as_str(), a.verb.as_str()) {
        ("", "create" | "update" | "patch") => Allow,
        ("", "get" | "list" | "watch") => {
            if a.name == node {
                Allow
            } else if a.name.is_empty() {
                NoOpinion(format!(
                    "node '{node}' cannot read all nodes, only its own Node object"
                ))
            } else {
                NoOpinion(format!(
                    "node '{node}' cannot read '{}', only its own Node object",
                    a.name
                ))
            }
        }
        ("status", "update" | "patch") => Allow,
        _ => no(""),
    }
}

/// `authorizePod`.
fn authorize_pod(node: &str, a: &Attributes) -> NodeDecision {
    match (a.subresource.as_str(), a.verb.as_str()) {
        ("", "get") => get(node, a),
        ("", "list" | "watch") => {
            if !a.name.is_empty() {
                graph(node, "pod", a)
            } else {
                no("can only list/watch pods with spec.nodeName field selector")
            }
        }
        ("", "create" | "delete") => Allow,
        ("status", "update" | "patch") => Allow,
        ("eviction", "create") => Allow,
        _ => no(""),
    }
}
