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
//!   `--cluster-signing-cert-file`, `--client-ca-file`);
//! - `--keep-old` keeps the old key 0600 as `NAME.old.key`, a name nothing loads.
//!
//! The phase is derived from these files alone ([`state::detect`]): no hidden state file,
//! so a run killed at any point is resumed by re-running the phase.

pub mod begin;
pub mod sa;
pub mod state;

pub use state::{CaKind, Phase, detect};
