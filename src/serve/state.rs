//! What the server decides with, built from files: the authenticators' trust (as
//! `kcred whoami` builds it, `crate::authn::ApiServerOptions`), the authorizer (as
//! `kcred can-i` builds it), the ServiceAccount keys it publishes, and the serving
//! certificate. [`Sources`] remembers the files; [`Watcher`] rebuilds the state when one of
//! them changes on disk, and keeps the last good state when the new files do not load, as
//! kube-apiserver's dynamic reloading of its CA and serving certificate does.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use crate::authn::{ApiServerOptions, Caches, Trust};
use crate::authz::manifest::{self, Stats};
use crate::authz::{Authorizer, Mode, Policy, bootstrap};
use crate::error::Result;
use crate::token::keys::VerificationKey;

/// The files and flags the state is built from.
#[derive(Clone, Debug)]
pub struct Sources {
    /// The authentication flags.
    pub authn: ApiServerOptions,
    /// `--rbac` files and directories.
    pub rbac: Vec<PathBuf>,
    /// Load the bootstrap policy.
    pub bootstrap_policy: bool,
    /// `--authorization-mode`.
    pub modes: Vec<Mode>,
    /// The serving certificate and key.
    pub tls_cert: PathBuf,
    /// The serving key.
    pub tls_key: PathBuf,
    /// The issuer published by discovery (default: the first `--service-account-issuer`).
    pub issuer: Option<String>,
    /// `--service-account-jwks-uri`.
    pub jwks_uri: Option<String>,
}

/// One consistent view of the trust material.
#[derive(Debug)]
pub struct State {
    /// The authenticators' trust.
    pub trust: Trust,
    /// The authorizer chain.
    pub authorizer: Authorizer,
    /// The serving certificate.
    pub cert: Arc<rustls::sign::CertifiedKey>,
    /// What was ignored while reading `--rbac`.
    pub stats: Stats,
    /// Token successes and verified client chains, for this load of the trust only: a
    /// reload starts with empty caches (`crate::authn::cache`).
    pub caches: Caches,
}

impl State {
    /// Read every file.
    pub fn load(s: &Sources) -> Result<State> {
        let trust = s.authn.trust()?;
        let mut policy = Policy::default();
        let mut stats = Stats::default();
        if s.bootstrap_policy {
            bootstrap::load(&mut policy, &mut stats);
        }
        for p in &s.rbac {
            manifest::load_path(&mut policy, p, &mut stats)?;
        }
        let authorizer = Authorizer::new(s.modes.clone(), policy);
        let cert = Arc::new(super::tls::load_certified_key(&s.tls_cert, &s.tls_key)?);
        Ok(State {
            trust,
            authorizer,
            cert,
            stats,
            caches: Caches::new(),
        })
    }

    /// The ServiceAccount verification keys.
    pub fn sa_keys(&self) -> &[VerificationKey] {
        self.trust
            .service_accounts
            .as_ref()
            .map(|t| t.keys.as_slice())
            .unwrap_or(&[])
    }

    /// The issuer discovery names (the first `--service-account-issuer`, as
    /// `serviceaccount.NewOpenIDMetadataProvider` is given).
    pub fn issuer(&self, s: &Sources) -> Option<String> {
        s.issuer.clone().or_else(|| {
            self.trust
                .service_accounts
                .as_ref()
                .and_then(|t| t.issuers.first().cloned())
        })
    }
}

/// Every file the state is read from, with directories walked (RBAC directories).
fn watched_files(s: &Sources) -> Vec<PathBuf> {
    let mut files = vec![s.tls_cert.clone(), s.tls_key.clone()];
    let a = &s.authn;
    files.extend(a.client_ca_file.clone());
    files.extend(a.service_account_key_files.iter().cloned());
    files.extend(a.token_auth_file.clone());
    if let Some(d) = &a.pki_dir {
        for name in ["ca.crt", "sa.pub", "pki/ca.crt", "pki/sa.pub"] {
            files.push(d.join(name));
        }
    }
    for r in &s.rbac {
        walk(r, &mut files);
    }
    files
}

fn walk(p: &std::path::Path, out: &mut Vec<PathBuf>) {
    out.push(p.to_path_buf());
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            walk(&e.path(), out);
        }
    }
}

/// A fingerprint of the watched files: path, mtime and length of each.
fn fingerprint(s: &Sources) -> Vec<(PathBuf, Option<(SystemTime, u64)>)> {
    watched_files(s)
        .into_iter()
        .map(|p| {
            let m = std::fs::metadata(&p)
                .ok()
                .and_then(|m| Some((m.modified().ok()?, m.len())));
            (p, m)
        })
        .collect()
}

/// The live state and what it was built from.
#[derive(Debug)]
pub struct Shared {
    /// The sources.
    pub sources: Sources,
    /// The current state.
    pub state: RwLock<Arc<State>>,
    /// The serving certificate slot the TLS layer reads.
    pub cert: Arc<super::tls::CertSlot>,
}

impl Shared {
    /// The current state.
    pub fn current(&self) -> Arc<State> {
        self.state.read().expect("state lock").clone()
    }
}

/// Polls the files once a second; on a change, rebuilds the state.
pub struct Watcher {
    last: Vec<(PathBuf, Option<(SystemTime, u64)>)>,
}

impl Watcher {
    /// Start from the files as they are now.
    pub fn new(s: &Sources) -> Self {
        Watcher {
            last: fingerprint(s),
        }
    }

    /// Look once: `Some(Ok(()))` reloaded, `Some(Err(line))` a file changed and does not
    /// load (the old state stays), `None` nothing changed.
    pub fn poll(&mut self, shared: &Shared) -> Option<std::result::Result<(), String>> {
        let now = fingerprint(&shared.sources);
        if now == self.last {
            return None;
        }
        self.last = now;
        Some(match State::load(&shared.sources) {
            Ok(state) => {
                *shared.cert.0.write().expect("cert lock") = state.cert.clone();
                *shared.state.write().expect("state lock") = Arc::new(state);
                Ok(())
            }
            Err(e) => Err(format!(
                "kcred serve: reload failed, keeping the previous trust: {e}"
            )),
        })
    }
}
