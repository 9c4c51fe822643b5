//! `kcred rotate-ca --ca sa`: replace the ServiceAccount signing key without a moment in which
//! a token the cluster hands out stops verifying.
//!
//! What reads which file (kubeadm, `cmd/kubeadm/app/phases/controlplane/manifests.go`,
//! `getAPIServerCommand` / `getControllerManagerCommand`): kube-apiserver signs with
//! `--service-account-signing-key-file=pki/sa.key` and verifies with
//! `--service-account-key-file=pki/sa.pub`, which may hold several PEM keys, every one of them
//! accepted (`k8s.io/client-go/util/keyutil/key.go`, `ParsePublicKeysPEM`);
//! kube-controller-manager signs legacy Secret tokens with
//! `--service-account-private-key-file=pki/sa.key`. A token names its key by `kid`, derived
//! from the public key (`pkg/serviceaccount/jwt.go`, `keyIDFromPublicKey`), so old and new
//! tokens are told apart by key, not by file.
//!
//! Phases, each derived from the files alone ([`detect`]), each idempotent:
//! 1. `--begin`: a new key `pki/sa.new.key` (0600); `pki/sa.pub` becomes old + new public keys
//!    (old first). Signing is unchanged; after every kube-apiserver restarts, each accepts
//!    tokens of both keys. Restart: every kube-apiserver, then kube-controller-manager.
//! 2. `--resign`: the signer switches. `pki/sa.old.key` ← the old key (0600), then
//!    `pki/sa.key` ← the new key, then `pki/sa.new.key` is removed; `sa.pub` keeps both.
//!    Restart kube-apiserver, kube-controller-manager; then wait for projected tokens to be
//!    refreshed (the kubelet refreshes a token at 80% of its life and at the latest after
//!    24 h: `pkg/kubelet/token/token_manager.go`, `requiresRefresh`) and recreate legacy token
//!    Secrets (never expiring; the tokens controller only fills a Secret whose token is
//!    empty: `pkg/controller/serviceaccount/tokens_controller.go`, `secretUpdateNeeded`).
//! 3. `--finish`: `pki/sa.pub` ← the new public key alone, then `pki/sa.old.key` is removed
//!    (with `keep_old`, first copied to `pki/sa.retired.key`, a name nothing loads). Tokens
//!    of the old key stop verifying: [`tokens::scan`] says which token files and kubeconfig
//!    users in the directory would break, and finishing refuses while any would, unless
//!    forced.
//!
//! Write order is chosen so that a run killed at any point leaves a state [`detect`] names
//! (`…Interrupted`) and re-running the same phase converges.

pub mod phases;
pub mod tokens;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::fsio;
use crate::keys::{KeyType, PrivateKey, key_id};

/// The files of the ServiceAccount key in kubeadm's layout.
#[derive(Clone, Debug)]
pub struct SaFiles {
    /// `pki/sa.key`: the signing key (`--service-account-signing-key-file`,
    /// `--service-account-private-key-file`).
    pub key: PathBuf,
    /// `pki/sa.pub`: the accepted public keys (`--service-account-key-file`).
    pub public: PathBuf,
    /// `pki/sa.new.key`: the next key, from `--begin` until `--resign`.
    pub new_key: PathBuf,
    /// `pki/sa.old.key`: the previous key, from `--resign` until `--finish`.
    pub old_key: PathBuf,
    /// `pki/sa.retired.key`: where `--finish` keeps the old key when asked to.
    pub retired_key: PathBuf,
}

impl SaFiles {
    /// The files under `dir` (a `kcred bootstrap --dir` tree).
    pub fn new(dir: &Path) -> SaFiles {
        let f = |name: &str| dir.join("pki").join(name);
        SaFiles {
            key: f("sa.key"),
            public: f("sa.pub"),
            new_key: f("sa.new.key"),
            old_key: f("sa.old.key"),
            retired_key: f("sa.retired.key"),
        }
    }
}

/// Where a rotation of the ServiceAccount key stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SaPhase {
    /// No rotation under way: `sa.pub` holds exactly `sa.key`'s public key.
    Stable,
    /// `sa.new.key` written, `sa.pub` not yet old + new.
    BeginInterrupted,
    /// `sa.new.key` present, `sa.pub` = old + new; `sa.key` still the old key.
    Begun,
    /// `--resign` stopped between its writes (`sa.old.key` and `sa.new.key` both present).
    ResignInterrupted,
    /// `sa.key` is the new key, `sa.old.key` the old one, `sa.pub` = old + new.
    Resigned,
    /// `sa.pub` holds the new key alone but `sa.old.key` is still there.
    FinishInterrupted,
}

impl SaPhase {
    /// The phase in words, with what to run next.
    pub fn describe(self) -> &'static str {
        match self {
            SaPhase::Stable => "stable (no rotation under way; next: --begin to rotate)",
            SaPhase::BeginInterrupted => "begin interrupted (next: --begin again)",
            SaPhase::Begun => "begun (next: --resign)",
            SaPhase::ResignInterrupted => "resign interrupted (next: --resign again)",
            SaPhase::Resigned => "resigned (next: --finish)",
            SaPhase::FinishInterrupted => "finish interrupted (next: --finish again)",
        }
    }

    /// The phase to run next.
    pub fn next(self) -> &'static str {
        match self {
            SaPhase::Stable | SaPhase::BeginInterrupted => "--begin",
            SaPhase::Begun | SaPhase::ResignInterrupted => "--resign",
            SaPhase::Resigned | SaPhase::FinishInterrupted => "--finish",
        }
    }
}

/// A public key, as the API server names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// The `kid` tokens signed by it carry (`keyIDFromPublicKey`).
    pub kid: String,
    /// `rsa2048`, `ecdsa-p256`, … (empty when only the public key is known).
    #[serde(rename = "keyType", skip_serializing_if = "String::is_empty")]
    pub key_type: String,
    /// DER SubjectPublicKeyInfo.
    #[serde(skip)]
    pub spki: Vec<u8>,
}

impl KeyInfo {
    fn of_public(spki: &[u8]) -> KeyInfo {
        KeyInfo {
            kid: key_id(spki),
            key_type: String::new(),
            spki: spki.to_vec(),
        }
    }
}

/// What [`detect`] found.
#[derive(Clone, Debug)]
pub struct SaState {
    /// The phase.
    pub phase: SaPhase,
    /// The key `sa.key` holds now (the signer).
    pub signing: KeyInfo,
    /// The type of `sa.key`, the default type of the next key.
    pub signing_type: KeyType,
    /// The key being rotated out (`None` when stable).
    pub old: Option<KeyInfo>,
    /// The key being rotated in (`None` when stable).
    pub new: Option<KeyInfo>,
    /// The keys `sa.pub` holds, in file order.
    pub accepted: Vec<KeyInfo>,
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// A private key file and its public half.
fn load_key(path: &Path) -> Result<(PrivateKey, Vec<u8>)> {
    let bytes = fsio::read(path)?;
    let (key, _) = PrivateKey::from_file_bytes(&fsio::display(path), &bytes)?;
    let spki = key.public_key_der()?;
    Ok((key, spki))
}

/// The public keys of `sa.pub`, as kube-apiserver reads `--service-account-key-file`.
fn load_public(path: &Path) -> Result<Vec<Vec<u8>>> {
    Ok(crate::token::keys::load_verification_keys(path)?
        .into_iter()
        .map(|k| k.spki_der)
        .collect())
}

/// The phase of the ServiceAccount key in `dir`, from the files alone.
pub fn detect(dir: &Path) -> Result<SaState> {
    let files = SaFiles::new(dir);
    let (key, k) = load_key(&files.key)?;
    let published = load_public(&files.public)?;
    let new = if exists(&files.new_key) {
        Some(load_key(&files.new_key)?.1)
    } else {
        None
    };
    let old = if exists(&files.old_key) {
        Some(load_key(&files.old_key)?.1)
    } else {
        None
    };
    let p: Vec<&[u8]> = published.iter().map(Vec::as_slice).collect();
    let info = |d: &[u8]| KeyInfo::of_public(d);
    let (phase, old_k, new_k): (SaPhase, Option<&[u8]>, Option<&[u8]>) =
        match (new.as_deref(), old.as_deref()) {
            (None, None) if p == [k.as_slice()] => (SaPhase::Stable, None, None),
            (Some(n), None) if p == [k.as_slice(), n] => (SaPhase::Begun, Some(&k), Some(n)),
            (Some(n), None) if p == [k.as_slice()] && n != k => {
                (SaPhase::BeginInterrupted, Some(&k), Some(n))
            }
            // --resign killed after writing sa.old.key (a copy of sa.key), or after replacing
            // sa.key with the new key; sa.new.key not yet removed.
            (Some(n), Some(o)) if o == k && p == [k.as_slice(), n] => {
                (SaPhase::ResignInterrupted, Some(o), Some(n))
            }
            (Some(n), Some(o)) if n == k && p == [o, k.as_slice()] => {
                (SaPhase::ResignInterrupted, Some(o), Some(n))
            }
            (None, Some(o)) if p == [o, k.as_slice()] && o != k => {
                (SaPhase::Resigned, Some(o), Some(&k))
            }
            (None, Some(o)) if p == [k.as_slice()] && o != k => {
                (SaPhase::FinishInterrupted, Some(o), Some(&k))
            }
            _ => return Err(inconsistent(&files, &k, &p, new.is_some(), old.is_some())),
        };
    let mut signing = info(&k);
    signing.key_type = key.key_type().name().to_string();
    Ok(SaState {
        phase,
        signing,
        signing_type: key.key_type(),
        old: old_k.map(info),
        new: new_k.map(info),
        accepted: published.iter().map(|d| info(d)).collect(),
    })
}

/// The one-line error for files no phase of a rotation leaves.
fn inconsistent(files: &SaFiles, k: &[u8], p: &[&[u8]], new: bool, old: bool) -> Error {
    let present: Vec<String> = [(new, &files.new_key), (old, &files.old_key)]
        .iter()
        .filter(|(here, _)| *here)
        .map(|(_, f)| fsio::display(f))
        .collect();
    let beside = if present.is_empty() {
        "no rotation files beside it".to_string()
    } else {
        format!("beside {}", present.join(" and "))
    };
    let problem = if !p.contains(&k) {
        format!(
            "does not hold the public key of {} ({beside}): tokens it signs do not verify; not a state kcred rotate-ca leaves",
            fsio::display(&files.key)
        )
    } else {
        format!(
            "holds {} key(s) {beside}: not a state kcred rotate-ca leaves (a stable sa.pub holds exactly sa.key's public key)",
            p.len()
        )
    };
    Error::input(&files.public, problem)
}
