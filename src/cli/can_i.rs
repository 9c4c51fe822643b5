//! `kcred can-i`: `kubectl auth can-i`, answered offline by kube-apiserver's authorizers
//! (`kcred::authz`) over RBAC manifests and the bootstrap policy.
//!
//! The identity comes from a credential, through the authenticator chain `kcred whoami`
//! runs, with the same flags ([`CredentialArgs`]) and the same entry point
//! (`kcred::authn::load` and `check`); a credential the API server would refuse prints
//! whoami's 401 and exits 1. `--as` alone names the identity directly (built as the
//! impersonation filter builds it, `kcred::authn::impersonation`); `--as` on top of a
//! credential is what `kubectl --as` sends: the credential's identity must be allowed to
//! impersonate (`kcred::authz::impersonation`), or the answer is the API server's 403.

use clap::Args;
use jiff::Timestamp;
use kcred::authn::Outcome;
use kcred::authn::impersonation::impersonated;
use kcred::authz::impersonation::Impersonate;
use kcred::authz::resources;
use kcred::authz::review::{SelfSubjectRulesReview, SubjectAccessReview};
use kcred::authz::{Attributes, Authorizer};
use kcred::kubeconfig::Impersonation;
use kcred::output::{self, Format};
use kcred::whoami;

use super::args::{CredentialArgs, PolicyArgs};
use crate::exit_codes::ExitStatus;

/// `cani.go`'s `resourceVerbs` and `nonResourceURLVerbs`, for its "not a known verb" warning.
const RESOURCE_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "use",
    "bind",
    "impersonate",
    "*",
    "approve",
    "sign",
    "escalate",
    "attest",
];
const NON_RESOURCE_VERBS: &[&str] = &[
    "get", "put", "post", "head", "options", "delete", "patch", "*",
];

#[derive(Debug, Args)]
pub struct CanIArgs {
    /// The verb: get, list, watch, create, update, patch, delete, deletecollection, use,
    /// bind, impersonate, escalate, approve, sign, '*', ...
    #[arg(value_name = "VERB", required_unless_present = "list")]
    verb: Option<String>,
    /// RESOURCE[.GROUP][/NAME] (short and singular names of built-in types are resolved),
    /// '*', or a non-resource URL starting with '/'.
    #[arg(value_name = "RESOURCE[.GROUP][/NAME] | /URL")]
    target: Option<String>,

    /// Namespace (default: the kubeconfig context's, else "default", as kubectl).
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    namespace: Option<String>,
    /// Check the action in all namespaces (the review's namespace is empty).
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    /// Subresource such as log, status, scale, exec, token.
    #[arg(long, value_name = "SUB")]
    subresource: Option<String>,

    /// Ask for this user, as `kubectl --as` presents it. Alone, the identity is taken as
    /// given; with a credential, that credential must be allowed to impersonate it (verb
    /// impersonate on users/serviceaccounts, groups, uids), as the API server checks.
    #[arg(long = "as", value_name = "USER")]
    as_user: Option<String>,
    /// Group for --as (repeatable).
    #[arg(long = "as-group", value_name = "GROUP", requires = "as_user")]
    as_group: Vec<String>,
    /// UID for --as.
    #[arg(long = "as-uid", value_name = "UID", requires = "as_user")]
    as_uid: Option<String>,

    #[command(flatten)]
    policy: PolicyArgs,
    /// Print every allowed action in the namespace (SelfSubjectRulesReview), as kubectl
    /// auth can-i --list.
    #[arg(long, conflicts_with_all = ["quiet", "all_namespaces", "subresource"])]
    list: bool,
    /// Print nothing; the exit code answers (0 yes, 1 no).
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Output: table (kubectl's line, then why), json or yaml (the review object).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "table|json|yaml",
        default_value = "table"
    )]
    output: Format,

    #[command(flatten)]
    credential: CredentialArgs,
}

pub(super) const AFTER_HELP: &str = "\
Authorizers, in kube-apiserver's order: the privileged-group authorizer (system:masters may do
everything), then --authorization-mode as a union (first Allow or Deny wins). RBAC follows
plugin/pkg/auth/authorizer/rbac; ClusterRole aggregation is resolved as the
clusterrole-aggregation controller would. The Node authorizer's answers that need its graph of
live objects (a node's pods, their secrets, configmaps, volumes) print `unknown` and exit 1:
they are not checked offline, never guessed.

Bootstrap policy (left out with --no-bootstrap-policy): Kubernetes' bootstrap RBAC policy golden
files (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata), embedded verbatim. They come
from different upstream commits and are NOT one Kubernetes release: the cluster roles are about
1.29-1.32, the cluster role bindings older (no system:monitoring or
system:service-account-issuer-discovery binding), the controller roles newer than 1.35; see
templates/rbac/README.md. kubeadm's own objects (the kubeadm:cluster-admins binding) are not in
it: pass them with --rbac.

Exit status: 0 yes, 1 no (or unknown), 2 usage, 3 unreadable or invalid input.";

fn usage(msg: impl Into<String>) -> anyhow::Error {
    kcred::Error::Usage(msg.into()).into()
}

fn warn(msg: &str) {
    eprintln!("Warning: {msg}");
}

/// What [`authenticate`] found: the requestor, its kubeconfig namespace and the
/// impersonation its kubeconfig user asks for.
type Authenticated = (kcred::Identity, Option<String>, Option<Impersonation>);

/// The credential's identity and its kubeconfig namespace, through whoami's chain; a
/// credential the API server would refuse prints whoami's answer and yields the exit status.
/// A kubeconfig user's `as` is taken out of the request here and authorized later, as the
/// impersonation filter runs after authentication.
fn authenticate(a: &CanIArgs) -> anyhow::Result<Result<Authenticated, ExitStatus>> {
    let (mut presented, trust) = a.credential.load()?;
    let impersonation = presented.impersonate.take().map(|(_, i)| i);
    let now = Timestamp::now();
    let (outcome, request_notes) = kcred::authn::check(&presented, &trust, now)?;
    match outcome {
        Outcome::Authenticated { identity, .. } => {
            // How the request was taken (whoami prints these in its table).
            if !a.quiet {
                for n in &request_notes {
                    eprintln!("kcred: note: {}", output::sanitize(n));
                }
            }
            Ok(Ok((identity, presented.namespace, impersonation)))
        }
        outcome => {
            // The API server answers 401 (or the handshake fails) before authorization:
            // whoami's answer, exit 1.
            if !a.quiet {
                match output::structured(a.output, &whoami::object(&outcome, now))? {
                    Some(text) => super::emit(&text)?,
                    None => eprint!("{}", super::whoami::failure_text(&outcome, &presented, now)),
                }
            }
            Ok(Err(ExitStatus::CheckFailed))
        }
    }
}

pub fn run(a: CanIArgs) -> anyhow::Result<ExitStatus> {
    validate(&a)?;
    let modes = a.policy.authorization_mode.clone();

    // The identity: the credential's (whoami's chain), then --as on top of it.
    let (requestor, ctx_namespace, kubeconfig_as) = if a.as_user.is_none() || a.credential.given() {
        match authenticate(&a)? {
            Ok((id, ns, imp)) => (Some(id), ns, imp),
            Err(status) => return Ok(status),
        }
    } else {
        (None, None, None)
    };
    let namespace = if a.all_namespaces {
        String::new()
    } else {
        a.namespace
            .clone()
            .or(ctx_namespace)
            .unwrap_or_else(|| "default".into())
    };

    // Not dropped: the process exits right after the answer, and freeing a large policy's
    // tens of thousands of small allocations one by one was a tenth of a run's CPU time.
    let authorizer = std::mem::ManuallyDrop::new(authorizer(&a, modes)?);
    let identity = match effective_identity(&a, &authorizer, requestor, kubeconfig_as)? {
        Ok(id) => id,
        Err(status) => return Ok(status),
    };
    if a.list {
        return list(&a, &authorizer, &identity, &namespace);
    }
    let attrs = attributes(&a, identity, namespace)?;
    let d = authorizer.authorize(&attrs);
    let status = if d.allowed {
        ExitStatus::Success
    } else {
        ExitStatus::CheckFailed
    };
    if a.quiet {
        return Ok(status);
    }
    if let Some(text) = output::structured(a.output, &SubjectAccessReview::new(&attrs, &d))? {
        super::emit(&text)?;
        return Ok(status);
    }
    super::emit(decision_text(&d))?;
    Ok(status)
}

/// The arguments alone (kubectl's Complete/Validate), so a usage error costs nothing.
fn validate(a: &CanIArgs) -> anyhow::Result<()> {
    if a.list && (a.verb.is_some() || a.target.is_some()) {
        return Err(usage("list option must be specified with no arguments"));
    }
    if !a.list && a.target.is_none() {
        return Err(usage(
            "you must specify two arguments: verb resource or verb resource/resourceName.",
        ));
    }
    Ok(())
}

/// The authorizer over the loaded policy; unless --quiet, the policy's aggregation errors and
/// the objects left out as not RBAC go to stderr.
fn authorizer(a: &CanIArgs, modes: Vec<kcred::authz::Mode>) -> anyhow::Result<Authorizer> {
    let (policy, stats) = a.policy.load()?;
    let authorizer = Authorizer::new(modes, policy);
    if !a.quiet {
        for e in &authorizer.policy.aggregation_errors {
            warn(e);
        }
        if !stats.ignored.is_empty() {
            let kinds: Vec<String> = stats
                .ignored
                .iter()
                .map(|(k, n)| format!("{k}: {n}"))
                .collect();
            eprintln!(
                "kcred: ignored objects that are not RBAC ({})",
                kinds.join(", ")
            );
        }
    }
    Ok(authorizer)
}

/// The identity the review is made for: the credential's, `--as` alone, or an impersonation
/// on top of the credential (`--as`, the kubeconfig user's `as`, or both merged as client-go
/// merges flags over the kubeconfig: a flag that is set wins, `client_config.go` `getAuthInfo`)
/// when the credential may impersonate it; otherwise the impersonation filter's 403 is
/// printed and its exit status returned.
fn effective_identity(
    a: &CanIArgs,
    authorizer: &Authorizer,
    requestor: Option<kcred::Identity>,
    kubeconfig_as: Option<Impersonation>,
) -> anyhow::Result<Result<kcred::Identity, ExitStatus>> {
    let Some(requestor) = requestor else {
        let u = a
            .as_user
            .as_deref()
            .expect("a credential is read whenever --as is absent");
        return Ok(Ok(impersonated(u, &a.as_group, a.as_uid.as_deref())));
    };
    let from_kubeconfig = kubeconfig_as.unwrap_or_default();
    let imp = match &a.as_user {
        Some(u) => Impersonate {
            user: u.clone(),
            groups: if a.as_group.is_empty() {
                from_kubeconfig.groups
            } else {
                a.as_group.clone()
            },
            uid: a.as_uid.clone().or(from_kubeconfig.uid),
            extra: from_kubeconfig.extra,
        },
        None if !from_kubeconfig.user.is_empty() => Impersonate {
            user: from_kubeconfig.user,
            groups: from_kubeconfig.groups,
            uid: from_kubeconfig.uid,
            extra: from_kubeconfig.extra,
        },
        None => return Ok(Ok(requestor)),
    };
    match imp.authorize(authorizer, &requestor) {
        Ok(id) => Ok(Ok(id)),
        Err(forbidden) => {
            // The impersonation filter answers 403 before the review is made; kubectl
            // prints it as an error from the server and exits 1.
            if !a.quiet {
                match output::structured(a.output, &forbidden.status())? {
                    Some(text) => super::emit(&text)?,
                    None => eprintln!(
                        "Error from server (Forbidden): {}",
                        output::sanitize(&forbidden.message())
                    ),
                }
            }
            Ok(Err(ExitStatus::CheckFailed))
        }
    }
}

/// `--list`: the SelfSubjectRulesReview's rules, as kubectl's table or the review object.
fn list(
    a: &CanIArgs,
    authorizer: &Authorizer,
    identity: &kcred::Identity,
    namespace: &str,
) -> anyhow::Result<ExitStatus> {
    let status = authorizer.rules_for(identity, namespace);
    if status.incomplete {
        warn(&format!(
            "the list may be incomplete: {}",
            status.evaluation_error
        ));
    }
    match output::structured(
        a.output,
        &SelfSubjectRulesReview::new(namespace, status.clone()),
    )? {
        Some(text) => super::emit(&text)?,
        None => super::emit(status.kubectl_table())?,
    }
    Ok(ExitStatus::Success)
}

/// The review's attributes from VERB and the target (a non-resource URL, or a resource
/// resolved as kubectl's RESTMapper would), with kubectl's warnings unless --quiet.
fn attributes(
    a: &CanIArgs,
    identity: kcred::Identity,
    namespace: String,
) -> anyhow::Result<Attributes> {
    let verb = a.verb.clone().expect("required by clap");
    let target = a.target.clone().expect("checked above");
    let mut attrs = Attributes {
        user: identity,
        verb: verb.clone(),
        ..Attributes::default()
    };
    if target.starts_with('/') {
        if a.subresource.is_some() {
            return Err(usage("--subresource can not be used with NonResourceURL"));
        }
        attrs.path = target.clone();
        if !a.quiet && !NON_RESOURCE_VERBS.contains(&verb.as_str()) {
            warn(&format!("verb '{verb}' is not a known verb"));
        }
        return Ok(attrs);
    }
    let (res, name) = match target.split_once('/') {
        Some((r, n)) => (r, n),
        None => (target.as_str(), ""),
    };
    let r = resources::resolve(res);
    if !a.quiet {
        if let Some(w) = &r.warning {
            warn(w);
        }
        if r.namespaced == Some(false) && !a.all_namespaces {
            if r.group.is_empty() {
                warn(&format!(
                    "resource '{}' is not namespace scoped",
                    r.resource
                ));
            } else {
                warn(&format!(
                    "resource '{}' is not namespace scoped in group '{}'",
                    r.resource, r.group
                ));
            }
        }
        if !RESOURCE_VERBS.contains(&verb.as_str()) {
            warn(&format!("verb '{verb}' is not a known verb"));
        }
    }
    attrs.resource_request = true;
    attrs.resource = r.resource;
    attrs.api_group = r.group;
    attrs.name = name.to_string();
    attrs.subresource = a.subresource.clone().unwrap_or_default();
    attrs.namespace = namespace;
    Ok(attrs)
}

/// kubectl's RunAccessCheck line first ("yes", "no - REASON", "unknown - WHY"), then each
/// authorizer's step and RBAC's near misses as a table.
fn decision_text(d: &kcred::authz::Decision) -> String {
    let mut out = if d.allowed {
        "yes\n".to_string()
    } else if let Some(u) = &d.unknown {
        format!("unknown - {u}\n")
    } else {
        let mut s = "no".to_string();
        if !d.reason.is_empty() {
            s.push_str(&format!(" - {}", d.reason));
        }
        if !d.evaluation_error.is_empty() {
            s.push_str(&format!(" - {}", d.evaluation_error));
        }
        s.push('\n');
        s
    };
    let mut rows = vec![vec![
        "AUTHORIZER".to_string(),
        "DECISION".to_string(),
        "WHY".to_string(),
    ]];
    for s in &d.steps {
        rows.push(vec![
            s.authorizer.clone(),
            s.decision.clone(),
            output::sanitize(&s.why.replace('\n', "; ")),
        ]);
    }
    for m in &d.near_misses {
        rows.push(vec![
            "RBAC".into(),
            "near-miss".into(),
            format!(
                "{}: subject matches, no rule allows it",
                output::sanitize(m)
            ),
        ]);
    }
    out.push_str(&output::table(&rows));
    out
}
