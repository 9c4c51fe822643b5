//! Authorization offline, as kube-apiserver decides it: what an identity may do.
//!
//! The chain is the API server's (`pkg/kubeapiserver/authorizer/reload.go`, `newForConfig`):
//! the privileged-group authorizer first (`authorizerfactory.NewPrivilegedGroups
//! ("system:masters")`, which allows everything to that group and gives no reason), then one
//! authorizer per `--authorization-mode`, in the order given, as a union
//! (`k8s.io/apiserver/pkg/authorization/union`): the first Allow or Deny wins, NoOpinion
//! passes on, and the reasons of the authorizers that had no opinion are joined with
//! newlines. RBAC never denies, so "no" is always NoOpinion all the way down.
//!
//! The answer takes the shape of the review objects the API server returns:
//! `SubjectAccessReview` status for one request (`pkg/registry/authorization/
//! subjectaccessreview/rest.go`: allowed, denied, reason, evaluationError) and
//! `SelfSubjectRulesReview` status for `--list` (`selfsubjectrulesreview/rest.go` over the
//! union of rule resolvers, to which the privileged-group authorizer does not belong).

pub mod bootstrap;
mod events;
pub mod forbidden;
pub mod impersonation;
pub mod manifest;
pub mod node;
pub mod rbac;
pub mod resources;
pub mod review;
pub mod rules;
pub mod selector;
mod stream;
#[cfg(test)]
mod tests;
mod typed;
#[cfg(test)]
mod upstream_tests;

use serde::Serialize;

use crate::Identity;
pub use rbac::Policy;
pub use rules::PolicyRule;

/// `system:masters`: the privileged group.
pub const PRIVILEGED_GROUP: &str = "system:masters";

/// `authorizer.Attributes`, as `ResourceAttributesFrom` / `NonResourceAttributesFrom`
/// (`pkg/registry/authorization/util/helpers.go`) build them from a review's spec.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes {
    /// The user.
    pub user: Identity,
    /// Verb.
    pub verb: String,
    /// Namespace ("" cluster-wide / all namespaces).
    pub namespace: String,
    /// API group ("" core).
    pub api_group: String,
    /// Resource (plural).
    pub resource: String,
    /// Subresource.
    pub subresource: String,
    /// Object name.
    pub name: String,
    /// A resource request (else a non-resource URL).
    pub resource_request: bool,
    /// Non-resource URL path.
    pub path: String,
}

/// An authorization mode kcred can evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Mode {
    /// The Node authorizer.
    Node,
    /// RBAC.
    #[serde(rename = "RBAC")]
    Rbac,
    /// AlwaysAllow.
    AlwaysAllow,
    /// AlwaysDeny.
    AlwaysDeny,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "Node" => Ok(Mode::Node),
            "RBAC" => Ok(Mode::Rbac),
            "AlwaysAllow" => Ok(Mode::AlwaysAllow),
            "AlwaysDeny" => Ok(Mode::AlwaysDeny),
            "ABAC" | "Webhook" => Err(format!(
                "authorization mode {s} needs the cluster's own policy file or webhook; kcred cannot evaluate it offline"
            )),
            _ => Err(format!(
                "unknown authorization mode {s:?} (expected Node, RBAC, AlwaysAllow or AlwaysDeny)"
            )),
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Node => "Node",
            Mode::Rbac => "RBAC",
            Mode::AlwaysAllow => "AlwaysAllow",
            Mode::AlwaysDeny => "AlwaysDeny",
        })
    }
}

/// One authorizer's say, in order, for the WHY table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// `privileged-group`, `Node`, `RBAC`, …
    pub authorizer: String,
    /// `allow`, `deny`, `no-opinion`, `not-checked-offline`.
    pub decision: String,
    /// The authorizer's reason, or what kcred can say about it.
    pub why: String,
}

/// The final answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// `status.allowed`.
    pub allowed: bool,
    /// `status.denied` (an authorizer said Deny).
    pub denied: bool,
    /// `status.reason`.
    pub reason: String,
    /// `status.evaluationError`.
    pub evaluation_error: String,
    /// The answer depends on something kcred cannot see (the Node authorizer's graph): it
    /// is neither a proven yes nor a proven no.
    pub unknown: Option<String>,
    /// What each authorizer said.
    pub steps: Vec<Step>,
    /// For a denial: RBAC bindings whose subjects matched but whose rules did not.
    pub near_misses: Vec<String>,
}

/// The authorizer chain kube-apiserver would run.
#[derive(Clone, Debug)]
pub struct Authorizer {
    /// `--authorization-mode`, in order.
    pub modes: Vec<Mode>,
    /// The RBAC objects (aggregated).
    pub policy: Policy,
}

fn step(authorizer: &str, decision: &str, why: impl Into<String>) -> Step {
    Step {
        authorizer: authorizer.into(),
        decision: decision.into(),
        why: why.into(),
    }
}

impl Authorizer {
    /// A chain over `policy` (aggregated here).
    pub fn new(modes: Vec<Mode>, mut policy: Policy) -> Self {
        policy.aggregate();
        Authorizer { modes, policy }
    }

    /// Decide one request.
    pub fn authorize(&self, a: &Attributes) -> Decision {
        let mut d = Decision::default();
        // privilegedGroupAuthorizer (authorizerfactory/builtin.go): Allow, reason "".
        if let Some(g) = a.user.groups.iter().find(|g| *g == PRIVILEGED_GROUP) {
            d.allowed = true;
            d.steps.push(step(
                "privileged-group",
                "allow",
                format!(
                    "Group {g:?}: kube-apiserver's privileged-group authorizer allows everything (it gives no reason)"
                ),
            ));
            return d;
        }
        let mut reasons: Vec<String> = Vec::new();
        for m in &self.modes {
            match m {
                Mode::AlwaysAllow => {
                    d.steps.push(step("AlwaysAllow", "allow", ""));
                    d.allowed = true;
                    return self.finish(d);
                }
                Mode::AlwaysDeny => {
                    // alwaysDenyAuthorizer: DecisionNoOpinion, "Everything is forbidden."
                    d.steps
                        .push(step("AlwaysDeny", "no-opinion", "Everything is forbidden."));
                    reasons.push("Everything is forbidden.".into());
                }
                Mode::Node => match node::authorize(a) {
                    node::NodeDecision::Allow => {
                        d.steps
                            .push(step("Node", "allow", "allowed by the Node authorizer"));
                        d.allowed = true;
                        return self.finish(d);
                    }
                    node::NodeDecision::NoOpinion(r) => {
                        d.steps.push(step("Node", "no-opinion", r.clone()));
                        if !r.is_empty() {
                            reasons.push(r);
                        }
                    }
                    node::NodeDecision::NotCheckedOffline(r) => {
                        d.steps.push(step("Node", "not-checked-offline", r.clone()));
                        d.unknown.get_or_insert(r);
                    }
                },
                Mode::Rbac => {
                    let r = self.policy.authorize(a);
                    if r.allowed {
                        d.steps.push(step("RBAC", "allow", r.reason.clone()));
                        d.allowed = true;
                        d.reason = r.reason;
                        return self.finish(d);
                    }
                    d.steps.push(step(
                        "RBAC",
                        "no-opinion",
                        if r.reason.is_empty() {
                            "no RBAC binding allows it".to_string()
                        } else {
                            r.reason.clone()
                        },
                    ));
                    d.near_misses = r.near_misses;
                    if !r.reason.is_empty() {
                        reasons.push(r.reason);
                    }
                }
            }
        }
        d.reason = reasons.join("\n");
        self.finish(d)
    }

    fn finish(&self, mut d: Decision) -> Decision {
        // An Allow from a later authorizer settles it whatever the Node graph would say;
        // otherwise a NotCheckedOffline leaves the answer open.
        if d.allowed {
            d.unknown = None;
            d.near_misses.clear();
        }
        d
    }

    /// `RulesFor` over the union of rule resolvers: (resource rules, non-resource rules,
    /// incomplete, evaluation error).
    pub fn rules_for(&self, user: &Identity, namespace: &str) -> review::RulesStatus {
        let mut rules = Vec::new();
        let mut incomplete = false;
        let mut errors = Vec::new();
        for m in &self.modes {
            match m {
                Mode::Node => {
                    let a = Attributes {
                        user: user.clone(),
                        ..Attributes::default()
                    };
                    if node::node_identity(&a).is_some() {
                        incomplete = true;
                        errors.push("node authorizer does not support user rule resolution".into());
                    }
                }
                Mode::Rbac => {
                    let (r, e) = self.policy.rules_for(user, namespace);
                    rules.extend(r);
                    if !e.is_empty() {
                        errors.push(rbac::aggregate(&e));
                    }
                }
                // alwaysAllowAuthorizer.RulesFor: */*/* and nonResourceURLs */*, complete.
                Mode::AlwaysAllow => {
                    rules.push(PolicyRule::resource(&["*"], &["*"], &["*"]));
                    rules.push(PolicyRule::urls(&["*"], &["*"]));
                }
                // alwaysDenyAuthorizer.RulesFor: nothing, complete.
                Mode::AlwaysDeny => {}
            }
        }
        review::RulesStatus::from_rules(rules, incomplete, rbac::aggregate(&errors))
    }
}
