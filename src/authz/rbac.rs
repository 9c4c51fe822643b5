//! The RBAC authorizer over objects read from files: the rule resolver of
//! `pkg/registry/rbac/validation/rule.go` (`VisitRulesFor`, `GetRoleReferenceRules`,
//! `appliesTo`, `describeSubject`) driven by `plugin/pkg/auth/authorizer/rbac/rbac.go`
//! (`authorizingVisitor`, `Authorize`, `RulesFor`), plus what the
//! clusterrole-aggregation controller (`pkg/controller/clusterroleaggregation`) would have
//! written into aggregated ClusterRoles.
//!
//! The API server's listers return bindings in cache order, which nothing fixes; kcred visits
//! them in load order (bootstrap policy first, then `--rbac` files in order). This only
//! changes *which* allowing binding a "yes" names, never the answer.

use std::collections::BTreeMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use foldhash::HashMap;
use serde::{Deserialize, Serialize};

use super::Attributes;
use super::rules::{PolicyRule, nullable, rule_allows};
use super::selector::LabelSelector;
use crate::Identity;

/// `metadata`, as far as RBAC needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Namespace (Roles and RoleBindings).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Labels (aggregation selects ClusterRoles by them).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// `aggregationRule`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AggregationRule {
    /// Selectors; the rules of every ClusterRole any of them selects are unioned.
    #[serde(default, deserialize_with = "nullable")]
    pub cluster_role_selectors: Vec<LabelSelector>,
}

/// A Role or ClusterRole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Rules (`null` is none). Shared, not copied, by the ClusterRoles that aggregate them.
    #[serde(default, deserialize_with = "nullable")]
    pub rules: Vec<Arc<PolicyRule>>,
    /// ClusterRoles only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation_rule: Option<AggregationRule>,
}

/// `roleRef`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    /// `rbac.authorization.k8s.io`.
    #[serde(default)]
    pub api_group: String,
    /// `Role` or `ClusterRole`.
    #[serde(default)]
    pub kind: String,
    /// The role's name.
    #[serde(default)]
    pub name: String,
}

/// A binding subject.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// `User`, `Group` or `ServiceAccount`.
    #[serde(default)]
    pub kind: String,
    /// API group (not consulted by the authorizer).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_group: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// ServiceAccount namespace (defaults to the binding's).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Binding {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The role granted.
    pub role_ref: RoleRef,
    /// Who gets it.
    #[serde(default, deserialize_with = "nullable")]
    pub subjects: Vec<Subject>,
}

/// The RBAC objects the API server would hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    roles: BTreeMap<(String, String), Role>,
    cluster_roles: BTreeMap<String, Role>,
    role_bindings: Vec<Binding>,
    cluster_role_bindings: Vec<Binding>,
    /// Where each named binding sits in its list, by (namespace, name): a later object of
    /// the same name replaces it without a scan of the list (thousands of bindings).
    role_binding_index: HashMap<(String, String), usize>,
    cluster_role_binding_index: HashMap<(String, String), usize>,
    /// Problems resolving aggregation (the controller would log them and leave the role).
    pub aggregation_errors: Vec<String>,
    aggregated: bool,
}

/// An object is unique by namespace and name; a later one replaces it (as `kubectl apply`
/// would). Nameless bindings (Kubernetes' own test tables) are all kept.
fn upsert(
    list: &mut Vec<Binding>,
    index: &mut HashMap<(String, String), usize>,
    key: (String, String),
    b: Binding,
) {
    if b.metadata.name.is_empty() {
        list.push(b);
        return;
    }
    match index.entry(key) {
        Entry::Occupied(at) => list[*at.get()] = b,
        Entry::Vacant(slot) => {
            slot.insert(list.len());
            list.push(b);
        }
    }
}

/// `describeSubject` (rule.go).
fn describe_subject(s: &Subject, binding_ns: &str) -> String {
    if s.kind == "ServiceAccount" {
        let ns = if s.namespace.is_empty() {
            binding_ns
        } else {
            &s.namespace
        };
        format!("{} {:?}", s.kind, format!("{}/{}", s.name, ns))
    } else {
        format!("{} {:?}", s.kind, s.name)
    }
}

/// `appliesToUser` (rule.go): User by name, Group by membership, ServiceAccount by
/// `system:serviceaccount:NS:NAME` with the namespace defaulted to the binding's (no
/// namespace at all: never).
pub fn applies_to_user(user: &Identity, s: &Subject, namespace: &str) -> bool {
    match s.kind.as_str() {
        "User" => user.user == s.name,
        "Group" => user.groups.iter().any(|g| g == &s.name),
        "ServiceAccount" => {
            let ns = if s.namespace.is_empty() {
                namespace
            } else {
                &s.namespace
            };
            !ns.is_empty() && user.user == format!("system:serviceaccount:{ns}:{}", s.name)
        }
        _ => false,
    }
}

/// `appliesTo` (rule.go): the index of the first subject that applies.
pub fn applies_to(user: &Identity, subjects: &[Subject], namespace: &str) -> Option<usize> {
    subjects
        .iter()
        .position(|s| applies_to_user(user, s, namespace))
}

/// The outcome of the RBAC authorizer for one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RbacDecision {
    /// DecisionAllow (else NoOpinion: RBAC never denies).
    pub allowed: bool,
    /// The API server's reason: `RBAC: allowed by …`, or `RBAC: <resolution errors>`, or "".
    pub reason: String,
    /// Bindings whose subjects matched but whose rules did not allow the request.
    pub near_misses: Vec<String>,
    /// Resolution errors (missing roles), each once.
    pub errors: Vec<String>,
}

/// `utilerrors.NewAggregate(errs).Error()`: one message alone, several as `[a, b]`, each
/// distinct message once.
pub fn aggregate(errs: &[String]) -> String {
    let mut seen: Vec<&String> = Vec::new();
    for e in errs {
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    match seen.len() {
        0 => String::new(),
        1 => seen[0].clone(),
        _ => format!(
            "[{}]",
            seen.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// One binding that applies to the user, with its rules or the error resolving them.
struct Applied<'a> {
    source: String,
    rules: Result<&'a [Arc<PolicyRule>], String>,
}

impl Policy {
    /// Add a Role (namespaced).
    pub fn add_role(&mut self, r: Role) {
        self.roles
            .insert((r.metadata.namespace.clone(), r.metadata.name.clone()), r);
    }

    /// Add a ClusterRole.
    pub fn add_cluster_role(&mut self, r: Role) {
        self.aggregated = false;
        self.cluster_roles.insert(r.metadata.name.clone(), r);
    }

    /// Add a RoleBinding.
    pub fn add_role_binding(&mut self, b: Binding) {
        let key = (b.metadata.namespace.clone(), b.metadata.name.clone());
        upsert(
            &mut self.role_bindings,
            &mut self.role_binding_index,
            key,
            b,
        );
    }

    /// Add a ClusterRoleBinding.
    pub fn add_cluster_role_binding(&mut self, b: Binding) {
        let key = (b.metadata.namespace.clone(), b.metadata.name.clone());
        upsert(
            &mut self.cluster_role_bindings,
            &mut self.cluster_role_binding_index,
            key,
            b,
        );
    }

    /// A ClusterRole by name (after [`Policy::aggregate`], with aggregated rules).
    pub fn cluster_role(&self, name: &str) -> Option<&Role> {
        self.cluster_roles.get(name)
    }

    /// Counts: roles, cluster roles, role bindings, cluster role bindings.
    pub fn counts(&self) -> [usize; 4] {
        [
            self.roles.len(),
            self.cluster_roles.len(),
            self.role_bindings.len(),
            self.cluster_role_bindings.len(),
        ]
    }

    /// Every binding, for reports: (kind, namespace, name, roleRef).
    pub fn bindings(&self) -> impl Iterator<Item = (&'static str, &Binding)> {
        self.cluster_role_bindings
            .iter()
            .map(|b| ("ClusterRoleBinding", b))
            .chain(self.role_bindings.iter().map(|b| ("RoleBinding", b)))
    }

    /// Fill aggregated ClusterRoles' rules as the clusterrole-aggregation controller's
    /// `syncClusterRole` does (selected roles sorted by name, the role itself skipped, each
    /// distinct rule once, in order), repeated until nothing changes: the controller
    /// re-queues every aggregating role on any ClusterRole change, so roles that aggregate
    /// aggregated roles (admin <- edit <- view) settle the same way. A selector that does not
    /// parse leaves that role as it is, as the controller's error return does.
    pub fn aggregate(&mut self) {
        if self.aggregated {
            return;
        }
        self.aggregated = true;
        self.aggregation_errors.clear();
        aggregate_cluster_roles(&mut self.cluster_roles, &mut self.aggregation_errors);
    }

    /// `GetRoleReferenceRules` (rule.go), with the listers' NotFound wording.
    fn role_ref_rules(&self, r: &RoleRef, binding_ns: &str) -> Result<&[Arc<PolicyRule>], String> {
        match r.kind.as_str() {
            "Role" => self
                .roles
                .get(&(binding_ns.to_string(), r.name.clone()))
                .map(|x| x.rules.as_slice())
                .ok_or_else(|| format!("role.rbac.authorization.k8s.io {:?} not found", r.name)),
            "ClusterRole" => self
                .cluster_roles
                .get(&r.name)
                .map(|x| x.rules.as_slice())
                .ok_or_else(|| {
                    format!(
                        "clusterrole.rbac.authorization.k8s.io {:?} not found",
                        r.name
                    )
                }),
            other => Err(format!("unsupported role reference kind: {other:?}")),
        }
    }

    /// `VisitRulesFor` (rule.go): ClusterRoleBindings, then RoleBindings of `namespace`
    /// when it is not empty; each binding that applies to `user`, with its source described
    /// as `clusterRoleBindingDescriber` / `roleBindingDescriber` do.
    fn applied<'a>(&'a self, user: &Identity, namespace: &str) -> Vec<Applied<'a>> {
        let mut out = Vec::new();
        for b in &self.cluster_role_bindings {
            let Some(i) = applies_to(user, &b.subjects, "") else {
                continue;
            };
            out.push(Applied {
                source: format!(
                    "ClusterRoleBinding {:?} of {} {:?} to {}",
                    b.metadata.name,
                    b.role_ref.kind,
                    b.role_ref.name,
                    describe_subject(&b.subjects[i], "")
                ),
                rules: self.role_ref_rules(&b.role_ref, ""),
            });
        }
        if !namespace.is_empty() {
            for b in self
                .role_bindings
                .iter()
                .filter(|b| b.metadata.namespace == namespace)
            {
                let Some(i) = applies_to(user, &b.subjects, namespace) else {
                    continue;
                };
                out.push(Applied {
                    source: format!(
                        "RoleBinding {:?} of {} {:?} to {}",
                        format!("{}/{}", b.metadata.name, b.metadata.namespace),
                        b.role_ref.kind,
                        b.role_ref.name,
                        describe_subject(&b.subjects[i], namespace)
                    ),
                    rules: self.role_ref_rules(&b.role_ref, namespace),
                });
            }
        }
        out
    }

    /// `RBACAuthorizer.Authorize`: allowed by the first rule that allows, else NoOpinion with
    /// the resolution errors as the reason. Call [`Policy::aggregate`] first.
    pub fn authorize(&self, a: &Attributes) -> RbacDecision {
        let mut d = RbacDecision::default();
        for applied in self.applied(&a.user, &a.namespace) {
            match applied.rules {
                Err(e) => d.errors.push(e),
                Ok(rules) => {
                    if rules.iter().any(|r| rule_allows(a, r)) {
                        d.allowed = true;
                        d.reason = format!("RBAC: allowed by {}", applied.source);
                        return d;
                    }
                    d.near_misses.push(applied.source);
                }
            }
        }
        if !d.errors.is_empty() {
            d.reason = format!("RBAC: {}", aggregate(&d.errors));
        }
        d
    }

    /// `DefaultRuleResolver.RulesFor`: every rule that applies to `user` in `namespace`, and
    /// the resolution errors.
    pub fn rules_for(&self, user: &Identity, namespace: &str) -> (Vec<PolicyRule>, Vec<String>) {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for applied in self.applied(user, namespace) {
            match applied.rules {
                Ok(r) => rules.extend(r.iter().map(|r| PolicyRule::clone(r))),
                Err(e) => errors.push(e),
            }
        }
        (rules, errors)
    }
}

/// The clusterrole-aggregation controller run to a fixed point over `cluster_roles`.
///
/// Rules are handled as ids, one per distinct rule by value (the controller's
/// `ruleExists` is `equality.Semantic.DeepEqual`, kcred's `PolicyRule` equality), so that a
/// round gathers and compares integers instead of hashing and comparing every rule's
/// strings again: over bench/rbac-gen's 1,000 ClusterRoles, 100 of them aggregating, that
/// was most of a run's time after the files were read. Only roles whose rules end up
/// different are rewritten.
fn aggregate_cluster_roles(cluster_roles: &mut BTreeMap<String, Role>, errors: &mut Vec<String>) {
    let settled = {
        let roles: Vec<&Role> = cluster_roles.values().collect();
        let mut ids: HashMap<&PolicyRule, u32> = HashMap::default();
        let mut distinct: Vec<&Arc<PolicyRule>> = Vec::new();
        let initial: Vec<Vec<u32>> = roles
            .iter()
            .map(|r| {
                r.rules
                    .iter()
                    .map(|rule| {
                        *ids.entry(&**rule).or_insert_with(|| {
                            distinct.push(rule);
                            (distinct.len() - 1) as u32
                        })
                    })
                    .collect()
            })
            .collect();
        let members = aggregation_members(&roles, errors);
        let mut current = initial.clone();
        gather_until_settled(&mut current, distinct.len(), &members);
        members
            .iter()
            .filter(|(r, _)| current[*r] != initial[*r])
            .map(|(r, _)| {
                let rules: Vec<Arc<PolicyRule>> = current[*r]
                    .iter()
                    .map(|id| Arc::clone(distinct[*id as usize]))
                    .collect();
                (roles[*r].metadata.name.clone(), rules)
            })
            .collect::<Vec<_>>()
    };
    for (name, rules) in settled {
        cluster_roles.get_mut(&name).expect("exists").rules = rules;
    }
}

/// What each aggregating role's selectors pick, in the controller's order (selector by
/// selector, roles by name, itself skipped), as (role, picked roles), indexes into `roles`
/// (in name order). Labels never change during aggregation, only rules, so this is settled
/// once; the rounds only gather rules. Roles with the same aggregationRule (several roles
/// aggregating one label) share one pass over the roles.
///
/// A role whose selector does not parse is left out, its error noted once in `errors`:
/// `syncClusterRole` returns `LabelSelectorAsSelector`'s error before it lists anything,
/// whatever the other roles are.
fn aggregation_members(roles: &[&Role], errors: &mut Vec<String>) -> Vec<(usize, Vec<usize>)> {
    let mut selected: Vec<(&AggregationRule, Result<Vec<usize>, String>)> = Vec::new();
    let mut members = Vec::new();
    for (i, role) in roles.iter().enumerate() {
        let Some(rule) = &role.aggregation_rule else {
            continue;
        };
        let picked = match selected.iter().find(|(r, _)| *r == rule) {
            Some((_, picked)) => picked,
            None => {
                selected.push((rule, selected_roles(roles, rule)));
                &selected.last().expect("just pushed").1
            }
        };
        match picked {
            Ok(picked) => members.push((i, picked.iter().copied().filter(|p| *p != i).collect())),
            Err(e) => {
                let msg = format!(
                    "ClusterRole {:?}: aggregationRule not applied: {e}",
                    role.metadata.name
                );
                if !errors.contains(&msg) {
                    errors.push(msg);
                }
            }
        }
    }
    members
}

/// The roles `rule` selects: selector by selector, each over the roles by name (the
/// controller's `sort.Sort(byName)`); the first selector that does not parse stops it.
fn selected_roles(roles: &[&Role], rule: &AggregationRule) -> Result<Vec<usize>, String> {
    let mut picked = Vec::new();
    for sel in &rule.cluster_role_selectors {
        // A requirement that cannot be built fails whatever the labels are.
        sel.matches(&BTreeMap::new())?;
        for (i, other) in roles.iter().enumerate() {
            if sel.matches(&other.metadata.labels)? {
                picked.push(i);
            }
        }
    }
    Ok(picked)
}

/// Rounds of gathering each aggregating role's rule ids from its members until no role
/// changes (at most one round per ClusterRole, and one more to see nothing changed).
/// `current[r]` holds role `r`'s rule ids and is updated in place, so a role gathered later
/// in a round sees what an earlier one gathered, as the controller's queue would.
///
/// When each role's rules last changed, and when each aggregating role was last gathered,
/// are kept: a role none of whose members changed since gathers the same rules again, so
/// it is skipped (the rounds still run until nothing changes).
fn gather_until_settled(
    current: &mut [Vec<u32>],
    rule_count: usize,
    members: &[(usize, Vec<usize>)],
) {
    let mut clock = 0u64;
    let mut changed_at: Vec<u64> = vec![0; current.len()];
    let mut gathered_at: Vec<Option<u64>> = vec![None; members.len()];
    // `seen[id] == pass`: rule `id` is already gathered in this pass (no clearing between
    // passes).
    let mut seen: Vec<u32> = vec![0; rule_count];
    let mut pass = 0u32;
    for _round in 0..=current.len() {
        let mut changed = false;
        for (i, (role, picked)) in members.iter().enumerate() {
            if let Some(at) = gathered_at[i]
                && picked.iter().all(|m| changed_at[*m] <= at)
            {
                continue;
            }
            gathered_at[i] = Some(clock);
            pass += 1;
            // The rules of the picked roles, each distinct rule once, first occurrence
            // first (the controller's `ruleExists` check).
            let mut gathered: Vec<u32> = Vec::new();
            for m in picked {
                for id in &current[*m] {
                    if seen[*id as usize] != pass {
                        seen[*id as usize] = pass;
                        gathered.push(*id);
                    }
                }
            }
            if current[*role] == gathered {
                continue;
            }
            current[*role] = gathered;
            clock += 1;
            changed_at[*role] = clock;
            changed = true;
        }
        if !changed {
            break;
        }
    }
}
