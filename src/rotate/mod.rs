//! `kcred rotate-ca`: replace a cluster CA (or the ServiceAccount key) in phases, following
//! the Kubernetes docs page "Manual Rotation of CA Certificates"
//! (website `content/en/docs/tasks/tls/manual-rotation-of-ca-certificates.md`): first make
//! every server trust old and new (bundles), then re-sign the leaves, then drop the old CA.
//!
//! On-disk contract, kubeadm's layout (what `kcred bootstrap --dir D` writes):
//! - the trust file the servers read keeps its path (`pki/ca.crt`, `pki/front-proxy-ca.crt`,
//!   `pki/etcd/ca.crt`) and holds old+new certificates (PEM, concatenated) from `--begin`
//!   until `--finish`;
//! - the new CA's own certificate and key sit beside it as `NAME.new.crt` / `NAME.new.key`
//!   (0600) from `--begin` until `--finish`; the signing key stays `NAME.key` (old) until
//!   `--finish` moves the new pair to `NAME.crt`/`NAME.key`; `NAME.old.crt` holds the old CA
//!   alone for the flags that cannot take a bundle (kube-controller-manager's
//!   `--cluster-signing-cert-file`, `--client-ca-file`) until the leaves are re-signed, when
//!   they take `NAME.new.crt` (and `--cluster-signing-key-file` `NAME.new.key`);
//! - `--keep-old` keeps the old key 0600 as `NAME.old.key`, a name nothing loads.
//!
//! The phase is derived from these files alone ([`state::detect`]): no hidden state file,
//! so a run killed at any point is resumed by re-running the phase. Which CA signed each
//! leaf (old or new) is read from the leaves' signatures: `--resign` is done when none is
//! the old CA's, and `--finish` is refused until then.
//!
//! Phases: [`begin`] (new CA beside, trust old+new), [`resign`] (every leaf re-signed by the
//! new CA, keys kept), [`finish`] (the old CA out of every trust file and kubeconfig, the
//! new pair in place); [`restart`] says what to restart after each, [`status`] what
//! `--status` reports. Each phase is prepared ([`plan::Prepared`]: every file it reads read
//! and checked) before its first write, and `--ca all` prepares every CA before any writes.

pub mod begin;
pub mod finish;
pub mod plan;
pub mod resign;
pub mod restart;
pub mod sa;
pub mod state;
pub mod status;

pub use state::{CaKind, Phase, Signer, detect};

use std::path::{Path, PathBuf};

use serde::Serialize;

/// One file a phase changed (or would, with `--dry-run`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// `write` or `remove`.
    pub action: Action,
    /// The file.
    pub path: PathBuf,
}

/// What happens to a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Written (atomically: a temporary file renamed over it).
    Write,
    /// Removed.
    Remove,
}

impl Change {
    /// `path` written.
    pub fn write(path: &Path) -> Change {
        Change {
            action: Action::Write,
            path: path.to_path_buf(),
        }
    }

    /// `path` removed.
    pub fn remove(path: &Path) -> Change {
        Change {
            action: Action::Remove,
            path: path.to_path_buf(),
        }
    }
}

/// The refusal of a phase run out of order: one line naming the CA, its phase and what
/// comes next (`kcred::Error::Refused`, exit 3).
pub fn out_of_order(phase: &str, kind: CaKind, state: &state::State) -> crate::Error {
    crate::Error::Refused(format!(
        "rotate-ca {phase}: {} is {}{}; next: {}",
        kind.name(),
        state.phase.name(),
        match state.phase {
            Phase::Begun | Phase::Resigning if state.bundle_written => format!(
                " ({} of {} leaves still signed by the old CA)",
                state.old_leaves(),
                state.leaves.len()
            ),
            _ => String::new(),
        },
        state.next()
    ))
}
