//! `kcred whoami`: what the API server would make of a credential, from its trust material.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{ArgAction, Args};
use jiff::Timestamp;
use kcred::kubeconfig::{Credential as KcCredential, Kubeconfig};
use kcred::output;
use kcred::token::keys::load_verification_keys;
use kcred::token::verify::{self, TokenTrust};
use kcred::whoami::{self, Credential, Outcome, TokenFile, Trust, report};

use super::args::OutputArg;
use crate::exit_codes::ExitStatus;

/// kubeadm's `--service-account-issuer`.
const KUBEADM_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

#[derive(Debug, Args)]
pub struct WhoamiArgs {
    /// Kubeconfig to take the credential from (default: KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["client_certificate", "token", "token_file"])]
    kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current context).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["client_certificate", "token", "token_file"])]
    context: Option<String>,
    /// A client certificate chain (PEM: the leaf, then any intermediates the client presents).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["token", "token_file"])]
    client_certificate: Option<PathBuf>,
    /// A bearer token (`-` reads it from stdin; a `Bearer ` prefix is accepted).
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
    /// kube-apiserver --service-account-issuer (repeatable; the first one mints).
    #[arg(long, value_name = "URL")]
    service_account_issuer: Vec<String>,
    /// kube-apiserver --api-audiences (default: the first issuer).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    api_audiences: Vec<String>,
    /// kube-apiserver --token-auth-file (CSV: token,user,uid,"group1,group2").
    #[arg(long, value_name = "FILE")]
    token_auth_file: Option<PathBuf>,
    /// kube-apiserver --anonymous-auth.
    #[arg(long, value_name = "true|false", default_value = "true", action = ArgAction::Set, num_args = 1)]
    anonymous_auth: bool,
    /// A kubeadm-layout PKI directory: DIR/ca.crt as --client-ca-file, DIR/sa.pub as
    /// --service-account-key-file, issuer https://kubernetes.default.svc.cluster.local.
    #[arg(long, value_name = "DIR")]
    pki_dir: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArg,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    kcred::Error::Usage(msg.into()).into()
}

/// `--pki-dir`: accept both `/etc/kubernetes/pki` and a bootstrap directory holding `pki/`.
fn pki_dir(dir: &Path) -> PathBuf {
    if !dir.join("ca.crt").exists() && dir.join("pki/ca.crt").exists() {
        dir.join("pki")
    } else {
        dir.to_path_buf()
    }
}

fn trust(a: &WhoamiArgs) -> anyhow::Result<Trust> {
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
    Ok(Trust {
        client_cas,
        token_file,
        service_accounts,
        anonymous: a.anonymous_auth,
    })
}

fn certificates(source: &Path, pem: &[u8]) -> anyhow::Result<Vec<Vec<u8>>> {
    Ok(kcred::pki::read_certificates(source, pem)?)
}

fn credential(a: &WhoamiArgs) -> anyhow::Result<Credential> {
    if let Some(path) = &a.client_certificate {
        let bytes = kcred::fsio::read(path)?;
        return Ok(Credential {
            client_chain: Some(certificates(path, &bytes)?),
            token: None,
        });
    }
    if let Some(t) = &a.token {
        let text = if t == "-" {
            let bytes = kcred::fsio::read(Path::new("-"))?;
            String::from_utf8(bytes.to_vec())
                .map_err(|_| kcred::Error::input("<stdin>", "the token is not UTF-8 text"))?
        } else {
            t.clone()
        };
        return Ok(Credential {
            client_chain: None,
            token: Some(verify::clean(&text).to_string()),
        });
    }
    if let Some(path) = &a.token_file {
        let bytes = kcred::fsio::read(path)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| kcred::Error::input(path, "the token is not UTF-8 text"))?;
        return Ok(Credential {
            client_chain: None,
            token: Some(verify::clean(text).to_string()),
        });
    }
    let kc = match &a.kubeconfig {
        Some(path) => Kubeconfig::load(path)?,
        None => {
            let env_set = std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty());
            let default_exists = kcred::kubeconfig::default_path().is_some_and(|p| p.exists());
            if !env_set && !default_exists {
                // Nothing to present: the anonymous request.
                return Ok(Credential::default());
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
    match selected.credential {
        KcCredential::ClientCert { cert_pem, .. } => Ok(Credential {
            client_chain: Some(certificates(Path::new(&format!("{what}: client certificate")), &cert_pem)?),
            token: None,
        }),
        KcCredential::Token(t) => Ok(Credential {
            client_chain: None,
            token: Some(t),
        }),
        KcCredential::None => Ok(Credential::default()),
        other => Err(kcred::Error::input(
            what,
            format!(
                "authenticates with {} which kcred cannot evaluate offline; run it yourself and pass the token with --token",
                other.kind()
            ),
        )
        .into()),
    }
}

pub fn run(a: WhoamiArgs) -> anyhow::Result<ExitStatus> {
    let trust = trust(&a)?;
    let cred = credential(&a)?;
    let now = Timestamp::now();
    let outcome = whoami::authenticate(&cred, &trust, now);
    let ok = matches!(outcome, Outcome::Authenticated { .. });
    let rendered = output::structured(a.output.format, &report::object(&outcome, now))?;
    match rendered {
        Some(text) => super::emit(&text)?,
        None if ok => super::emit(report::text(&outcome, now))?,
        None => eprint!("{}", report::text(&outcome, now)),
    }
    Ok(if ok {
        ExitStatus::Success
    } else {
        ExitStatus::CheckFailed
    })
}
