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
use super::rules::rules_allow;

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

/// Upstream's unexported `authorize` (the graph walk `hasPathFrom`), which kcred cannot do
/// offline: it says so instead of guessing.
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

/// `Authorize`: who asks, then the resources whose access is subdivided, then the static
/// node rules (`bootstrappolicy.NodeRules()`).
pub fn authorize(a: &Attributes) -> NodeDecision {
    let Some(node) = node_identity(a) else {
        return no("");
    };
    if node.is_empty() {
        return NoOpinion(format!("unknown node for user {:?}", a.user.user));
    }
    if a.resource_request
        && let Some(decision) = subdivided(node, a)
    {
        return decision;
    }
    // Access to other resources is not subdivided: the statically defined node rules.
    if rules_allow(a, super::bootstrap::node_rules()) {
        Allow
    } else {
        no("")
    }
}

/// `Authorize`'s `switch requestResource`: each subdivided resource goes to the function
/// upstream sends it to (nodes and pods too, `AuthorizeNodeWithSelectors` being on); `None`
/// for a resource the static node rules decide.
fn subdivided(node: &str, a: &Attributes) -> Option<NodeDecision> {
    Some(match (a.api_group.as_str(), a.resource.as_str()) {
        ("", "secrets") | ("", "configmaps") => authorize_read_namespaced_object(node, a),
        ("", "persistentvolumeclaims") if a.subresource == "status" => {
            authorize_status_update(node, a)
        }
        ("", "persistentvolumeclaims")
        | ("", "persistentvolumes")
        | ("resource.k8s.io", "resourceclaims")
        | ("storage.k8s.io", "volumeattachments") => authorize_get(node, a),
        ("", "serviceaccounts") => authorize_create_token(node, a),
        ("coordination.k8s.io", "leases") => authorize_lease(node, a),
        ("storage.k8s.io", "csinodes") => authorize_csi_node(node, a),
        ("resource.k8s.io", "resourceslices") => authorize_resource_slice(node, a),
        ("", "nodes") => authorize_node(node, a),
        ("", "pods") => authorize_pod(node, a),
        _ => return None,
    })
}

/// `authorizeStatusUpdate`: update/patch of a status subresource, then the graph.
fn authorize_status_update(node: &str, a: &Attributes) -> NodeDecision {
    if !matches!(a.verb.as_str(), "update" | "patch") {
        return no("can only get/update/patch this type");
    }
    if a.subresource != "status" {
        return no("can only update status subresource");
    }
    graph(node, &a.resource, a)
}

/// `authorizeGet`: a get of one object, no subresource, then the graph.
fn authorize_get(node: &str, a: &Attributes) -> NodeDecision {
    if a.verb != "get" {
        return no("can only get individual resources of this type");
    }
    if !a.subresource.is_empty() {
        return no("cannot get subresource");
    }
    graph(node, &a.resource, a)
}

/// `authorizeReadNamespacedObject` (secrets, configmaps): get/list/watch of a namespaced
/// object, no subresource, then the graph.
fn authorize_read_namespaced_object(node: &str, a: &Attributes) -> NodeDecision {
    if !matches!(a.verb.as_str(), "get" | "list" | "watch") {
        return no("can only read resources of this type");
    }
    if !a.subresource.is_empty() {
        return no("cannot read subresource");
    }
    if a.namespace.is_empty() {
        return no("can only read namespaced object of this type");
    }
    graph(node, &a.resource, a)
}

/// `authorizeCreateToken`: create of one ServiceAccount's `token` subresource, then the
/// graph (upstream's `hasPathFrom` from the serviceaccount vertex).
fn authorize_create_token(node: &str, a: &Attributes) -> NodeDecision {
    if a.verb != "create" || a.name.is_empty() {
        return no("can only create tokens for individual service accounts");
    }
    if a.subresource != "token" {
        return no("can only create token subresource of serviceaccount");
    }
    graph(node, "serviceaccount token", a)
}

/// `authorizeLease`: the node's own lease in `kube-node-lease` (`api.NamespaceNodeLease`);
/// on create the name is left to the NodeRestriction admission plugin.
fn authorize_lease(node: &str, a: &Attributes) -> NodeDecision {
    let verb = a.verb.as_str();
    if !matches!(verb, "get" | "create" | "update" | "patch" | "delete") {
        return no("can only get, create, update, patch, or delete a node lease");
    }
    if a.namespace != "kube-node-lease" {
        return no("can only access leases in the \"kube-node-lease\" system namespace");
    }
    if verb != "create" && a.name != node {
        return no("can only access node lease with the same name as the requesting node");
    }
    Allow
}

/// `authorizeCSINode`: the node's own CSINode, no subresource; on create the name is left
/// to the NodeRestriction admission plugin.
fn authorize_csi_node(node: &str, a: &Attributes) -> NodeDecision {
    let verb = a.verb.as_str();
    if !matches!(verb, "get" | "create" | "update" | "patch" | "delete") {
        return no("can only get, create, update, patch, or delete a CSINode");
    }
    if !a.subresource.is_empty() {
        return no("cannot authorize CSINode subresources");
    }
    if verb != "create" && a.name != node {
        return no("can only access CSINode with the same name as the requesting node");
    }
    Allow
}

/// `authorizeResourceSlice`: create is left to the NodeRestriction admission plugin, a
/// single slice goes to the graph, list/watch/deletecollection need a `nodeName` field
/// selector (which requests here never carry).
fn authorize_resource_slice(node: &str, a: &Attributes) -> NodeDecision {
    if !a.subresource.is_empty() {
        return no("cannot authorize ResourceSlice subresources");
    }
    match a.verb.as_str() {
        "create" => Allow,
        "get" | "update" | "patch" | "delete" => graph(node, "resourceslice", a),
        "watch" | "list" | "deletecollection" => {
            no("can only list/watch/deletecollection resourceslices with nodeName field selector")
        }
        _ => no(
            "only the following verbs are allowed for a ResourceSlice: get, watch, list, create, update, patch, delete, deletecollection",
        ),
    }
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
        ("", "get") => authorize_get(node, a),
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

#[cfg(test)]
mod tests {
    //! Every branch of `Authorize` and the functions it dispatches to, with the decision and
    //! the reason string of `plugin/pkg/auth/authorizer/node/node_authorizer.go`. Case names
    //! in quotes are those of its `TestNodeAuthorizer`; where upstream's answer needs the
    //! graph, the answer here is "not checked offline".
    use super::*;
    use crate::Identity;

    /// Allow, NoOpinion(reason) or the graph (NotCheckedOffline).
    enum Want {
        A,
        N(&'static str),
        G,
    }
    use Want::{A, G, N};

    fn attrs(user: Identity, spec: &str) -> Attributes {
        // "verb group resource subresource namespace name", "-" for empty.
        let f: Vec<&str> = spec
            .split(' ')
            .map(|x| if x == "-" { "" } else { x })
            .collect();
        Attributes {
            user,
            verb: f[0].into(),
            api_group: f[1].into(),
            resource: f[2].into(),
            subresource: f[3].into(),
            namespace: f[4].into(),
            name: f[5].into(),
            resource_request: true,
            ..Attributes::default()
        }
    }

    fn check(user: Identity, spec: &str, want: &Want) {
        let got = authorize(&attrs(user, spec));
        match (want, &got) {
            (A, Allow) | (G, NotCheckedOffline(_)) => {}
            (N(r), NoOpinion(g)) if r == g => {}
            _ => panic!("{spec}: got {got:?}"),
        }
    }

    #[test]
    fn only_identified_nodes_are_decided() {
        let spec = "get - secrets - ns0 s";
        check(Identity::new("alice", ["system:nodes"]), spec, &N(""));
        check(Identity::new("system:node:node0", ["x"]), spec, &N(""));
        check(
            Identity::new("system:node:", ["system:nodes"]),
            spec,
            &N("unknown node for user \"system:node:\""),
        );
    }

    /// Node node0's requests, one or more per branch, by the upstream function that decides
    /// them.
    const CASES: &[(&str, Want)] = &[
        // authorizeReadNamespacedObject
        ("get - configmaps - ns0 c", G), // "allowed configmap"
        ("watch - secrets - ns0 s", G),  // "watch allowed secret via pod"
        ("list - secrets - ns0 -", N("No Object name found")), // "disallowed list many secrets"
        (
            "list - secrets - - s", // "disallowed list secrets from all namespaces with name"
            N("can only read namespaced object of this type"),
        ),
        (
            "create - secrets - ns0 s",
            N("can only read resources of this type"),
        ),
        ("get - secrets x ns0 s", N("cannot read subresource")),
        // authorizeStatusUpdate
        ("patch - persistentvolumeclaims status ns0 p", G),
        (
            "get - persistentvolumeclaims status ns0 p",
            N("can only get/update/patch this type"),
        ),
        // authorizeGet
        ("get - persistentvolumeclaims - ns0 p", G), // "allowed pvc"
        ("get - persistentvolumes - - pv", G),       // "allowed pv"
        ("get resource.k8s.io resourceclaims - ns0 c", G), // "allowed resource claim"
        ("get storage.k8s.io volumeattachments - - a", G), // "allowed attachment"
        (
            "list - persistentvolumes - - -",
            N("can only get individual resources of this type"),
        ),
        (
            "get storage.k8s.io volumeattachments x - a",
            N("cannot get subresource"),
        ),
        // authorizeCreateToken
        ("create - serviceaccounts token ns0 sa", G), // "allowed svcacct token create"
        (
            "create - serviceaccounts - ns0 sa", // "... - no subresource"
            N("can only create token subresource of serviceaccount"),
        ),
        (
            "update - serviceaccounts token ns0 sa", // "... - non create"
            N("can only create tokens for individual service accounts"),
        ),
        (
            "create - serviceaccounts token ns0 -",
            N("can only create tokens for individual service accounts"),
        ),
        // authorizeLease
        ("get coordination.k8s.io leases - kube-node-lease node0", A), // "allowed get node lease ..."
        (
            "create coordination.k8s.io leases - kube-node-lease other",
            A,
        ),
        (
            "get coordination.k8s.io leases - foo node0", // "disallowed get lease in namespace other than kube-node-lease ..."
            N("can only access leases in the \"kube-node-lease\" system namespace"),
        ),
        (
            "update coordination.k8s.io leases - kube-node-lease node1", // "disallowed update another node's lease ..."
            N("can only access node lease with the same name as the requesting node"),
        ),
        (
            "list coordination.k8s.io leases - kube-node-lease -", // "disallowed list node leases ..."
            N("can only get, create, update, patch, or delete a node lease"),
        ),
        // authorizeCSINode
        ("update storage.k8s.io csinodes - - node0", A),
        ("create storage.k8s.io csinodes - - other", A),
        (
            "get storage.k8s.io csinodes csiDrivers - node0", // "disallowed CSINode with subresource ..."
            N("cannot authorize CSINode subresources"),
        ),
        (
            "get storage.k8s.io csinodes - - node1", // "disallowed get another node's CSINode"
            N("can only access CSINode with the same name as the requesting node"),
        ),
        (
            "list storage.k8s.io csinodes - - -",
            N("can only get, create, update, patch, or delete a CSINode"),
        ),
        // authorizeResourceSlice
        ("create resource.k8s.io resourceslices - - s", A),
        ("delete resource.k8s.io resourceslices - - s", G),
        (
            "list resource.k8s.io resourceslices - - -",
            N("can only list/watch/deletecollection resourceslices with nodeName field selector"),
        ),
        (
            "get resource.k8s.io resourceslices status - s",
            N("cannot authorize ResourceSlice subresources"),
        ),
        (
            "escalate resource.k8s.io resourceslices - - s",
            N(
                "only the following verbs are allowed for a ResourceSlice: get, watch, list, create, update, patch, delete, deletecollection",
            ),
        ),
        // authorizeNode
        ("get - nodes - - node0", A),
        ("create - nodes - - other", A),
        ("patch - nodes status - node1", A),
        (
            "list - nodes - - -",
            N("node 'node0' cannot read all nodes, only its own Node object"),
        ),
        (
            "get - nodes - - node1",
            N("node 'node0' cannot read 'node1', only its own Node object"),
        ),
        ("delete - nodes - - node0", N("")),
        // authorizePod
        ("get - pods - ns0 p", G),
        ("watch - pods - ns0 p", G),
        (
            "list - pods - ns0 -",
            N("can only list/watch pods with spec.nodeName field selector"),
        ),
        ("get - pods log ns0 p", N("")),
        ("create - pods - ns0 p", A),
        ("update - pods status ns0 p", A),
        ("create - pods eviction ns0 p", A),
        ("update - pods - ns0 p", N("")),
        // The static node rules (`bootstrappolicy.NodeRules()`).
        ("list - services - - -", A),
        ("create - events - ns0 -", A),
        ("get apps deployments - ns0 d", N("")),
    ];

    #[test]
    fn every_branch_keeps_upstreams_decision_and_reason() {
        for (spec, want) in CASES {
            check(Identity::node("node0"), spec, want);
        }
    }

    #[test]
    fn the_graph_answer_names_node_verb_and_object() {
        let node = || Identity::node("node0");
        assert_eq!(
            authorize(&attrs(node(), "get - secrets - ns0 s")),
            NotCheckedOffline(
                "Node: whether node 'node0' may get secrets \"ns0/s\" depends on the live pods and volumes bound to it (the Node authorizer's graph): not checked offline".into()
            )
        );
        assert_eq!(
            authorize(
                &attrs(node(), "create - serviceaccounts token ns0 sa"),
            ),
            NotCheckedOffline(
                "Node: whether node 'node0' may create serviceaccount token \"ns0/sa\" depends on the live pods and volumes bound to it (the Node authorizer's graph): not checked offline".into()
            )
        );
        assert_eq!(
            authorize(&attrs(node(), "get - persistentvolumes - - pv")),
            NotCheckedOffline(
                "Node: whether node 'node0' may get persistentvolumes \"pv\" depends on the live pods and volumes bound to it (the Node authorizer's graph): not checked offline".into()
            )
        );
    }
}
