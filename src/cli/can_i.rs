//! `kcred can-i`: `kubectl auth can-i`, answered offline by kube-apiserver's authorizers
//! (`kcred::authz`) over RBAC manifests and the bootstrap policy.
//!
//! The identity comes from `--as` (built as the impersonation filter builds it) or from a
//! credential, through the same authenticator chain `kcred whoami` runs
//! (`kcred::whoami::authenticate`); a credential the API server would refuse prints whoami's
//! 401 and exits 1. The credential and trust flags repeat `kcred whoami`'s (same names, same
//! defaults): its argument struct carries `-o` and private helpers, so it cannot be
//! flattened here.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{ArgAction, Args};
use jiff::Timestamp;
use kcred::Identity;
use kcred::authz::bootstrap;
use kcred::authz::manifest::{self, Stats};
use kcred::authz::resources;
use kcred::authz::review::{SelfSubjectRulesReview, SubjectAccessReview};
use kcred::authz::{Attributes, Authorizer, Mode, Policy};
use kcred::kubeconfig::{Credential as KcCredential, Kubeconfig};
use kcred::output::{self, Format};
use kcred::token::keys::load_verification_keys;
use kcred::token::verify::{self, TokenTrust};
use kcred::whoami::{self, Credential, Outcome, TokenFile, Trust, report};

use crate::exit_codes::ExitStatus;

/// kubeadm's `--service-account-issuer`, whoami's default.
const KUBEADM_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

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
#[command(after_long_help = AFTER_HELP)]
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

    /// Ask for this user, as `kubectl --as` (impersonation) would present it.
    #[arg(long = "as", value_name = "USER", conflicts_with_all = ["kubeconfig", "context", "client_certificate", "token", "token_file"])]
    as_user: Option<String>,
    /// Group for --as (repeatable).
    #[arg(long = "as-group", value_name = "GROUP", requires = "as_user")]
    as_group: Vec<String>,
    /// UID for --as.
    #[arg(long = "as-uid", value_name = "UID", requires = "as_user")]
    as_uid: Option<String>,

    /// RBAC manifests: a file, a directory (recursively), or - for stdin; YAML or JSON,
    /// several documents, List kinds (repeatable).
    #[arg(long, value_name = "FILE|DIR|-")]
    rbac: Vec<PathBuf>,
    /// Leave out the bootstrap policy kube-apiserver creates at start.
    #[arg(long)]
    no_bootstrap_policy: bool,
    /// kube-apiserver --authorization-mode, in order (Node, RBAC, AlwaysAllow, AlwaysDeny).
    #[arg(
        long,
        value_name = "MODES",
        value_delimiter = ',',
        default_value = "Node,RBAC"
    )]
    authorization_mode: Vec<Mode>,
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

    /// Kubeconfig to take the credential from (default: KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["client_certificate", "token", "token_file"])]
    kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current context).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["client_certificate", "token", "token_file"])]
    context: Option<String>,
    /// A client certificate chain (PEM).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["token", "token_file"])]
    client_certificate: Option<PathBuf>,
    /// A bearer token (`-` reads it from stdin).
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    token: Option<String>,
    /// A file holding a bearer token.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// kube-apiserver --client-ca-file.
    #[arg(long, value_name = "FILE")]
    client_ca_file: Option<PathBuf>,
    /// kube-apiserver --service-account-key-file (repeatable).
    #[arg(long, value_name = "FILE")]
    service_account_key_file: Vec<PathBuf>,
    /// kube-apiserver --service-account-issuer (repeatable).
    #[arg(long, value_name = "URL")]
    service_account_issuer: Vec<String>,
    /// kube-apiserver --api-audiences (default: the first issuer).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    api_audiences: Vec<String>,
    /// kube-apiserver --token-auth-file.
    #[arg(long, value_name = "FILE")]
    token_auth_file: Option<PathBuf>,
    /// kube-apiserver --anonymous-auth.
    #[arg(long, value_name = "true|false", default_value = "true", action = ArgAction::Set, num_args = 1)]
    anonymous_auth: bool,
    /// A kubeadm-layout PKI directory (ca.crt, sa.pub), as for whoami.
    #[arg(long, value_name = "DIR")]
    pki_dir: Option<PathBuf>,
}

const AFTER_HELP: &str = "\
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

/// `serviceaccount.SplitUsername`: `system:serviceaccount:NS:NAME` with a valid namespace
/// (DNS label) and name (DNS subdomain).
fn split_sa_username(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix("system:serviceaccount:")?;
    let parts: Vec<&str> = rest.split(':').collect();
    let [ns, name] = parts[..] else { return None };
    let label = |s: &str, dots: bool| {
        !s.is_empty()
            && s.len() <= if dots { 253 } else { 63 }
            && s.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (dots && c == '.')
            })
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    (label(ns, false) && label(name, true)).then_some((ns, name))
}

/// The identity the impersonation filter (`k8s.io/apiserver/pkg/endpoints/filters/
/// impersonation.go`, `WithImpersonation`) hands on: a ServiceAccount username without
/// --as-group gets the ServiceAccount groups; a non-anonymous user gets
/// `system:authenticated` unless it already has that or `system:unauthenticated`;
/// `system:anonymous` gets `system:unauthenticated`.
pub fn impersonated(user: &str, groups: &[String], uid: Option<&str>) -> Identity {
    let mut groups = groups.to_vec();
    if groups.is_empty()
        && let Some((ns, _)) = split_sa_username(user)
    {
        groups = vec![
            "system:serviceaccounts".into(),
            format!("system:serviceaccounts:{ns}"),
        ];
    }
    if user != whoami::ANONYMOUS_USER {
        if !groups
            .iter()
            .any(|g| g == "system:authenticated" || g == "system:unauthenticated")
        {
            groups.push("system:authenticated".into());
        }
    } else if !groups.iter().any(|g| g == "system:unauthenticated") {
        groups.push("system:unauthenticated".into());
    }
    Identity {
        user: user.into(),
        uid: uid.unwrap_or_default().into(),
        groups,
        ..Identity::default()
    }
}

/// `--pki-dir`: accept both `/etc/kubernetes/pki` and a bootstrap directory holding `pki/`
/// (as whoami does).
fn pki_dir(dir: &Path) -> PathBuf {
    if !dir.join("ca.crt").exists() && dir.join("pki/ca.crt").exists() {
        dir.join("pki")
    } else {
        dir.to_path_buf()
    }
}

/// The API server's trust material from the flags, as `kcred whoami` reads them.
fn trust(a: &CanIArgs) -> anyhow::Result<Trust> {
    let mut ca_file = a.client_ca_file.clone();
    let mut key_files = a.service_account_key_file.clone();
    if let Some(dir) = &a.pki_dir {
        let dir = pki_dir(dir);
        if ca_file.is_none() {
            ca_file = Some(dir.join("ca.crt"));
        }
        if key_files.is_empty() && dir.join("sa.pub").exists() {
            key_files.push(dir.join("sa.pub"));
        }
    }
    let client_cas = match &ca_file {
        Some(f) => Some(kcred::authn::x509::load_ca_bundle(f)?),
        None => None,
    };
    let token_file = match &a.token_auth_file {
        Some(f) => Some(TokenFile::load(f)?),
        None => None,
    };
    let service_accounts = if key_files.is_empty() {
        if !a.service_account_issuer.is_empty() || !a.api_audiences.is_empty() {
            return Err(usage(
                "--service-account-issuer and --api-audiences need --service-account-key-file (or --pki-dir)",
            ));
        }
        None
    } else {
        let mut keys = Vec::new();
        for f in &key_files {
            keys.extend(load_verification_keys(f)?);
        }
        let issuers = if a.service_account_issuer.is_empty() {
            vec![KUBEADM_ISSUER.to_string()]
        } else {
            a.service_account_issuer.clone()
        };
        let audiences = a
            .api_audiences
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        Some(TokenTrust::new(keys, issuers, audiences))
    };
    // Fields whoami's Trust may grow keep their defaults here (it is being reworked).
    #[allow(clippy::needless_update)]
    Ok(Trust {
        client_cas,
        token_file,
        service_accounts,
        anonymous: a.anonymous_auth,
        ..Trust::default()
    })
}

/// The token as whoami reads it (`verify::clean`: a `Bearer ` prefix and whitespace go).
fn token_text(raw: &str) -> String {
    verify::clean(raw).to_string()
}

/// The credential presented, and the kubeconfig context's namespace when it came from one.
fn credential(a: &CanIArgs) -> anyhow::Result<(Credential, Option<String>)> {
    if let Some(path) = &a.client_certificate {
        let bytes = kcred::fsio::read(path)?;
        let chain = kcred::pki::read_certificates(path, &bytes)?;
        return Ok((
            Credential {
                client_chain: Some(chain),
                token: None,
            },
            None,
        ));
    }
    if let Some(t) = &a.token {
        let text = if t == "-" {
            let bytes = kcred::fsio::read(Path::new("-"))?;
            String::from_utf8(bytes.to_vec())
                .map_err(|_| kcred::Error::input("<stdin>", "the token is not UTF-8 text"))?
        } else {
            t.clone()
        };
        return Ok((
            Credential {
                client_chain: None,
                token: Some(token_text(&text)),
            },
            None,
        ));
    }
    if let Some(path) = &a.token_file {
        let bytes = kcred::fsio::read(path)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| kcred::Error::input(path, "the token is not UTF-8 text"))?;
        return Ok((
            Credential {
                client_chain: None,
                token: Some(token_text(text)),
            },
            None,
        ));
    }
    let kc = match &a.kubeconfig {
        Some(path) => Kubeconfig::load(path)?,
        None => {
            let env_set = std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty());
            let default_exists = kcred::kubeconfig::default_path().is_some_and(|p| p.exists());
            if !env_set && !default_exists {
                return Ok((Credential::default(), None));
            }
            Kubeconfig::load_env()?
        }
    };
    let selected = kc
        .select(a.context.as_deref())
        .context("cannot use the kubeconfig")?;
    let what = format!(
        "context {:?} (user {:?})",
        selected.context, selected.user_name
    );
    let ns = Some(selected.namespace.clone());
    let cred = match selected.credential {
        KcCredential::ClientCert { cert_pem, .. } => Credential {
            client_chain: Some(kcred::pki::read_certificates(
                Path::new(&format!("{what}: client certificate")),
                &cert_pem,
            )?),
            token: None,
        },
        KcCredential::Token(t) => Credential {
            client_chain: None,
            token: Some(t),
        },
        KcCredential::None => Credential::default(),
        other => {
            return Err(kcred::Error::input(
                what,
                format!(
                    "authenticates with {} which kcred cannot evaluate offline; run it yourself and pass the token with --token",
                    other.kind()
                ),
            )
            .into());
        }
    };
    Ok((cred, ns))
}

/// The RBAC objects: the bootstrap policy unless left out, then each `--rbac` in order.
fn load_policy(a: &CanIArgs) -> anyhow::Result<(Policy, Stats)> {
    let mut policy = Policy::default();
    let mut stats = Stats::default();
    if !a.no_bootstrap_policy {
        bootstrap::load(&mut policy, &mut stats);
    }
    for p in &a.rbac {
        manifest::load_path(&mut policy, p, &mut stats)?;
    }
    Ok((policy, stats))
}

pub fn run(a: CanIArgs) -> anyhow::Result<ExitStatus> {
    // Arguments first (kubectl's Complete/Validate), so a usage error costs nothing.
    if a.list && (a.verb.is_some() || a.target.is_some()) {
        return Err(usage("list option must be specified with no arguments"));
    }
    if !a.list && a.target.is_none() {
        return Err(usage(
            "you must specify two arguments: verb resource or verb resource/resourceName.",
        ));
    }
    let modes = a.authorization_mode.clone();

    // The identity.
    let (identity, ctx_namespace) = match &a.as_user {
        Some(u) => (impersonated(u, &a.as_group, a.as_uid.as_deref()), None),
        None => {
            let trust = trust(&a)?;
            let (cred, ns) = credential(&a)?;
            let now = Timestamp::now();
            let outcome = whoami::authenticate(&cred, &trust, now);
            match outcome {
                Outcome::Authenticated { identity, .. } => (identity, ns),
                Outcome::Undecidable { reason } => {
                    return Err(usage(format!(
                        "{reason}; give the trust material (--client-ca-file, --token-auth-file, --service-account-key-file or --pki-dir)"
                    )));
                }
                Outcome::Unauthorized { .. } | Outcome::HandshakeFailed { .. } => {
                    // The API server answers 401 (or the handshake fails) before
                    // authorization: whoami's answer, exit 1.
                    if !a.quiet {
                        match output::structured(a.output, &report::object(&outcome, now))? {
                            Some(text) => super::emit(&text)?,
                            None => eprint!("{}", report::text(&outcome, now)),
                        }
                    }
                    return Ok(ExitStatus::CheckFailed);
                }
            }
        }
    };
    let namespace = if a.all_namespaces {
        String::new()
    } else {
        a.namespace
            .clone()
            .or(ctx_namespace)
            .unwrap_or_else(|| "default".into())
    };

    let (policy, stats) = load_policy(&a)?;
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

    if a.list {
        let status = authorizer.rules_for(&identity, &namespace);
        if status.incomplete {
            warn(&format!(
                "the list may be incomplete: {}",
                status.evaluation_error
            ));
        }
        match output::structured(
            a.output,
            &SelfSubjectRulesReview::new(&namespace, status.clone()),
        )? {
            Some(text) => super::emit(&text)?,
            None => super::emit(status.kubectl_table())?,
        }
        return Ok(ExitStatus::Success);
    }

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
    } else {
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
    }

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
    // kubectl's RunAccessCheck line first, then why.
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
    super::emit(out)?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impersonation_groups_as_the_filter_builds_them() {
        let g = |u: &str, gs: &[&str]| {
            impersonated(
                u,
                &gs.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                None,
            )
            .groups
        };
        assert_eq!(g("alice", &[]), ["system:authenticated"]);
        assert_eq!(g("alice", &["devs"]), ["devs", "system:authenticated"]);
        assert_eq!(
            g("alice", &["system:unauthenticated"]),
            ["system:unauthenticated"]
        );
        assert_eq!(g("system:anonymous", &[]), ["system:unauthenticated"]);
        assert_eq!(
            g("system:serviceaccount:dev:ci", &[]),
            [
                "system:serviceaccounts",
                "system:serviceaccounts:dev",
                "system:authenticated"
            ]
        );
        assert_eq!(
            g("system:serviceaccount:dev:ci", &["x"]),
            ["x", "system:authenticated"]
        );
        // Not a valid ServiceAccount username: a plain user.
        assert_eq!(
            g("system:serviceaccount:Dev:ci", &[]),
            ["system:authenticated"]
        );
    }
}
