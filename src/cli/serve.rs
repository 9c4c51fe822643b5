//! `kcred serve`: the API server's authentication and authorization endpoints over TLS
//! (`kcred::serve`). The trust flags are `kcred whoami`'s ([`TrustArgs`]), the authorizer
//! flags `kcred can-i`'s; `--dir` reads a bootstrap directory's `pki/`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Args;
use kcred::serve::{Config, LogFormat, Sources};

use super::args::{PolicyArgs, TrustArgs};
use crate::exit_codes::ExitStatus;

// `--rbac` is re-read when a file changes, so serve names no stdin in its help.
#[derive(Debug, Args)]
#[command(mut_arg("rbac", |a| a.value_name("FILE|DIR").help(
    "RBAC manifests: a file or a directory (recursively); YAML or JSON (repeatable)"
)))]
pub struct ServeArgs {
    /// A bootstrap directory: DIR/pki/ca.crt as client CA, DIR/pki/sa.pub with kubeadm's
    /// issuer for tokens, DIR/pki/apiserver.{crt,key} as the serving certificate. Explicit
    /// flags override.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,

    #[command(flatten)]
    trust: TrustArgs,

    #[command(flatten)]
    policy: PolicyArgs,

    /// Address to listen on (port 0: any free port; the bound address is printed on stderr).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:6443")]
    listen: SocketAddr,
    /// Serving certificate (PEM chain; default with --dir: DIR/pki/apiserver.crt).
    #[arg(long, value_name = "FILE", requires = "tls_private_key_file")]
    tls_cert_file: Option<PathBuf>,
    /// Serving key (default with --dir: DIR/pki/apiserver.key).
    #[arg(long, value_name = "FILE", requires = "tls_cert_file")]
    tls_private_key_file: Option<PathBuf>,
    /// The JWKS URL the discovery document names (default: ISSUER/openid/v1/jwks).
    #[arg(long, value_name = "URL")]
    service_account_jwks_uri: Option<String>,
    /// Write DIR/authentication-webhook.kubeconfig and DIR/authorization-webhook.kubeconfig
    /// for kube-apiserver's --authentication-token-webhook-config-file and
    /// --authorization-webhook-config-file: this server, its CA, tls-server-name kubernetes,
    /// and a client certificate minted with DIR's CA (needs --dir) that DIR/webhook-rbac.yaml
    /// binds to system:auth-delegator here. Rewritten at each start.
    #[arg(long, value_name = "DIR", requires = "dir", value_parser = super::args::parse_out_dir)]
    webhook_config_out: Option<PathBuf>,
    /// Access-log format: text or json (one line per request on stderr).
    #[arg(long, value_name = "text|json", default_value = "text")]
    log_format: LogFormat,
    /// How long a keep-alive connection may wait for its next request before it is closed
    /// (kube-apiserver's http.Server IdleTimeout is 90s).
    #[arg(long, value_name = "DURATION", default_value = "90s", value_parser = super::args::parse_duration)]
    idle_timeout: jiff::SignedDuration,
}

pub(super) const AFTER_HELP: &str = "\
Endpoints (as kube-apiserver answers them): GET /version /api /apis /apis/authentication.k8s.io/v1
/apis/authorization.k8s.io/v1 /healthz /livez /readyz /.well-known/openid-configuration
/openid/v1/jwks; POST selfsubjectreviews, tokenreviews, selfsubjectaccessreviews,
selfsubjectrulesreviews, subjectaccessreviews (JSON, YAML or Kubernetes protobuf bodies; JSON
answers). Every request is authenticated as `kcred whoami` does (401) and authorized as
`kcred can-i` does (403). Trust files are re-read when they change (a file that stops parsing
keeps the last good version). SIGINT/SIGTERM drain in-flight requests and exit 0.

kubeadm's apiserver certificate names `kubernetes`, not 127.0.0.1: use
`kubectl --tls-server-name kubernetes` (or a kubeconfig with tls-server-name).";

/// A bootstrap directory's PKI: `DIR/pki` when it holds one, else DIR itself.
fn pki_of(dir: &Path) -> PathBuf {
    if dir.join("pki").is_dir() {
        dir.join("pki")
    } else {
        dir.to_path_buf()
    }
}

pub fn run(a: ServeArgs) -> anyhow::Result<ExitStatus> {
    let mut authn = a.trust.options();
    if let Some(d) = &a.dir
        && authn.pki_dir.is_none()
    {
        authn.pki_dir = Some(d.clone());
    }
    let (tls_cert, tls_key) = match (&a.tls_cert_file, &a.tls_private_key_file, &a.dir) {
        (Some(c), Some(k), _) => (c.clone(), k.clone()),
        (None, None, Some(d)) => {
            let pki = pki_of(d);
            (pki.join("apiserver.crt"), pki.join("apiserver.key"))
        }
        _ => {
            return Err(kcred::Error::Usage(
                "kcred serve needs a serving certificate: --dir DIR, or --tls-cert-file and --tls-private-key-file".into(),
            )
            .into());
        }
    };
    let mut rbac = a.policy.rbac;
    let webhook = match (&a.webhook_config_out, &a.dir) {
        (Some(out), Some(d)) => {
            let pki = pki_of(d);
            let (w, rbac_file) =
                kcred::serve::webhook::prepare(out, &pki.join("ca.crt"), &pki.join("ca.key"))?;
            rbac.push(rbac_file);
            Some(w)
        }
        _ => None,
    };
    let sources = Sources {
        authn,
        rbac,
        bootstrap_policy: !a.policy.no_bootstrap_policy,
        modes: a.policy.authorization_mode,
        tls_cert,
        tls_key,
        issuer: None,
        jwks_uri: a.service_account_jwks_uri,
    };
    kcred::serve::run(Config {
        sources,
        listen: a.listen,
        log_format: a.log_format,
        webhook,
        idle_timeout: a
            .idle_timeout
            .try_into()
            .ok()
            .filter(|d: &std::time::Duration| !d.is_zero())
            .ok_or_else(|| kcred::Error::Usage("--idle-timeout must be positive".into()))?,
    })?;
    Ok(ExitStatus::Success)
}
