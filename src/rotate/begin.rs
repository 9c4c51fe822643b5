//! `--begin`: make a new CA and have every server trust old and new.
//!
//! Order of writes (each atomic, `fsio::write_atomic`), so that any prefix left by a kill is a
//! state [`super::state::detect`] recognises and re-running converges:
//! 1. `NAME.new.key` (0600), then `NAME.new.crt` — until the certificate exists the CA is
//!    `Stable` and a re-run makes a fresh pair, overwriting a lone key;
//! 2. `NAME.old.crt`, the old CA alone (for the flags that cannot take a bundle), and for
//!    the cluster CA every kubeconfig's embedded CA as the bundle;
//! 3. the trust file `NAME.crt` rewritten as old + new (the docs' step: "distribute the new
//!    CA certificates ... append the new CA to the old one").
//!
//! A second `--begin` finds `Begun` with the bundle written and changes no byte.

use std::path::{Path, PathBuf};

use jiff::SignedDuration;

use super::plan::Prepared;
use super::state::{CaKind, Phase, State, detect};
use crate::error::Result;
use crate::fsio;
use crate::keys::{KeyType, PrivateKey};
use crate::pem;
use crate::pki::{self, CertSpec, Certificate};

/// How to begin.
#[derive(Clone, Debug)]
pub struct Options {
    /// The new CA's key type.
    pub key_type: KeyType,
    /// The new CA's lifetime.
    pub validity: SignedDuration,
    /// List the files, write nothing.
    pub dry_run: bool,
}

/// One file written (or that would be, with `dry_run`).
pub type Changed = super::Change;

fn bundle(old: &[u8], new: &[u8]) -> String {
    let mut s = pem::encode("CERTIFICATE", old);
    s.push_str(&pem::encode("CERTIFICATE", new));
    s
}

/// Whether `--begin` may run on `state`: not once leaves are being re-signed (a new CA then
/// would orphan them), nor during `--finish`.
pub fn check(kind: CaKind, state: &State) -> Result<()> {
    match state.phase {
        Phase::Stable | Phase::Begun => Ok(()),
        Phase::Resigning | Phase::Resigned | Phase::Finishing => {
            Err(super::out_of_order("--begin", kind, state))
        }
    }
}

/// Run `--begin` for `kind` in `dir`; returns the files changed, in write order.
pub fn begin(dir: &Path, kind: CaKind, opts: &Options) -> Result<Vec<Changed>> {
    let plan = prepare(dir, kind, opts)?;
    if opts.dry_run {
        Ok(plan.changes())
    } else {
        plan.apply()
    }
}

/// `--begin` for `kind` in `dir`, prepared: every file it reads (the CA, and for the cluster
/// CA every kubeconfig) read and checked, every file it writes rendered, nothing written.
pub fn prepare(dir: &Path, kind: CaKind, opts: &Options) -> Result<Prepared> {
    let files = kind.files(dir);
    let state: State = detect(dir, kind)?;
    check(kind, &state)?;
    // Temporary files a killed run left beside the files this phase writes.
    let mut temps = vec![
        files.new_key.clone(),
        files.new_crt.clone(),
        files.old_crt.clone(),
        files.crt.clone(),
    ];
    if kind == CaKind::Ca {
        temps.extend(kubeconfig_paths(dir));
    }
    let mut plan = Prepared::new(temps);
    let new_der = match state.phase {
        Phase::Begun | Phase::Resigning | Phase::Resigned | Phase::Finishing => {
            state.new.clone().unwrap_or_default()
        }
        Phase::Stable => {
            // Same subject as the old CA: what kubeadm's CA spec gives
            // (CN=kubernetes, etcd-ca, front-proxy-ca); chains are told apart by key ids.
            let mut spec = CertSpec::ca(String::new());
            let old = Certificate::from_der(&state.old)
                .map_err(|p| crate::error::Error::input(&files.crt, p))?;
            spec.subject = old.subject;
            spec.validity = opts.validity;
            let key = PrivateKey::generate(opts.key_type)?;
            let cert = pki::self_signed(&spec, &key)?;
            let key_pem = key.to_pem(key.key_type().default_format())?;
            plan.write(fsio::Output::secret(
                &files.new_key,
                key_pem.as_bytes().to_vec(),
            ));
            plan.write(fsio::Output::public(&files.new_crt, cert.pem()));
            cert.der
        }
    };
    // The old CA alone, for the flags that cannot take a bundle (the docs' note on
    // kube-controller-manager's --client-ca-file and --cluster-signing-cert-file).
    let old_pem = pem::encode("CERTIFICATE", &state.old);
    if std::fs::read(&files.old_crt).ok().as_deref() != Some(old_pem.as_bytes()) {
        plan.write(fsio::Output::public(&files.old_crt, old_pem));
    }
    if kind == CaKind::Ca {
        // Every kubeconfig cluster whose embedded CA is the old CA alone gets the old+new
        // bundle (what kube-apiserver's serving certificate will chain to after --resign,
        // while it still chains to the old one now); files holding the bundle are left
        // alone. Before the trust file: the trust file written marks the phase done.
        let b = bundle(&state.old, &new_der);
        let only_old =
            |certs: &[Vec<u8>]| (certs.len() == 1 && certs[0] == state.old).then(|| b.clone());
        for o in rewrite_ca_data(dir, only_old)? {
            plan.write(o);
        }
    }
    if !state.bundle_written {
        plan.write(fsio::Output::public(
            &files.crt,
            bundle(&state.old, &new_der),
        ));
    }
    Ok(plan)
}

/// The kubeconfigs of kubeadm's layout: `DIR/*.conf` and `DIR/nodes/*/kubelet.conf`.
pub fn kubeconfig_paths(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let confs = |d: &Path, out: &mut Vec<PathBuf>| {
        if let Ok(rd) = std::fs::read_dir(d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "conf") && p.is_file() {
                    out.push(p);
                }
            }
        }
    };
    confs(dir, &mut out);
    if let Ok(rd) = std::fs::read_dir(dir.join("nodes")) {
        for e in rd.flatten() {
            confs(&e.path(), &mut out);
        }
    }
    out.sort();
    out
}

/// Every kubeconfig of `dir` (kubeadm's layout) in which `replace` rewrites a cluster's
/// embedded CA, rendered as it is to be written. `replace` gets the cluster's certificates
/// and returns the new PEM, or `None` to leave that cluster as it is. Shared by `--begin`
/// (old → old+new) and `--finish` (old taken out).
pub(super) fn rewrite_ca_data(
    dir: &Path,
    replace: impl Fn(&[Vec<u8>]) -> Option<String>,
) -> Result<Vec<fsio::Output>> {
    let mut out = Vec::new();
    for path in kubeconfig_paths(dir) {
        let mut kc = crate::kubeconfig::Kubeconfig::load(&path)?;
        let mut touched = false;
        for c in &mut kc.clusters {
            let Some(data) = &c.cluster.certificate_authority_data else {
                continue;
            };
            let certs = pki::read_certificates(&path, data)?;
            if let Some(pem) = replace(&certs) {
                c.cluster.certificate_authority_data = Some(pem.into_bytes());
                touched = true;
            }
        }
        if touched {
            out.push(kc.to_output(&path)?);
        }
    }
    Ok(out)
}
