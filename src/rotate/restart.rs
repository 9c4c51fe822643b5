//! What to restart after each phase, in the order of the Kubernetes docs page "Manual
//! Rotation of CA Certificates" (website
//! `content/en/docs/tasks/tls/manual-rotation-of-ca-certificates.md`), with kubeadm's flags
//! (`cmd/kubeadm/app/phases/controlplane/manifests.go`: `getAPIServerCommand`,
//! `getControllerManagerCommand`; `cmd/kubeadm/app/phases/etcd/local.go`: `getEtcdCommand`).
//!
//! kube-controller-manager's `--cluster-signing-cert-file` and `--client-ca-file` cannot be
//! bundles (the docs' note), and its signing certificate and key must be a pair: each phase
//! says which file each of its flags takes.

use serde::Serialize;

use super::state::{CaKind, Phase};

/// The files kube-controller-manager's CA flags take in a phase (paths relative to the
/// directory, kubeadm's `/etc/kubernetes`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ControllerManagerFiles {
    /// `--cluster-signing-cert-file` (one certificate: the signer of kubelet CSRs).
    pub cluster_signing_cert_file: String,
    /// `--cluster-signing-key-file` (its key).
    pub cluster_signing_key_file: String,
    /// `--client-ca-file` (one certificate).
    pub client_ca_file: String,
    /// `--root-ca-file` (may be a bundle: what ServiceAccount token secrets and
    /// `kube-root-ca.crt` ConfigMaps hand to pods).
    pub root_ca_file: String,
}

/// kube-controller-manager's files for the cluster CA in `phase`: the old pair while leaves
/// are the old CA's, the new pair (beside) once re-signed, `ca.crt`/`ca.key` again after
/// `--finish`.
pub fn controller_manager(phase: Phase) -> ControllerManagerFiles {
    let f = |cert: &str, key: &str, client: &str| ControllerManagerFiles {
        cluster_signing_cert_file: cert.into(),
        cluster_signing_key_file: key.into(),
        client_ca_file: client.into(),
        root_ca_file: "pki/ca.crt".into(),
    };
    match phase {
        Phase::Stable => f("pki/ca.crt", "pki/ca.key", "pki/ca.crt"),
        Phase::Begun => f("pki/ca.old.crt", "pki/ca.key", "pki/ca.old.crt"),
        Phase::Resigning | Phase::Resigned | Phase::Finishing => {
            f("pki/ca.new.crt", "pki/ca.new.key", "pki/ca.new.crt")
        }
    }
}

/// A phase that writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// `--begin`.
    Begin,
    /// `--resign`.
    Resign,
    /// `--finish`.
    Finish,
}

/// The restart list after `ran` for `kind`, in order.
pub fn steps(kind: CaKind, ran: Step) -> Vec<String> {
    use Step::{Begin, Finish, Resign};
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
    match (kind, ran) {
        (CaKind::Ca, Begin) => s(&[
            "kube-controller-manager: --root-ca-file=pki/ca.crt (now old+new), \
             --cluster-signing-cert-file=pki/ca.old.crt and --client-ca-file=pki/ca.old.crt \
             (they cannot be bundles), --cluster-signing-key-file=pki/ca.key; restart it",
            "wait until ServiceAccount token secrets and kube-root-ca.crt ConfigMaps hold \
             old+new, then restart pods using in-cluster config (kube-proxy, CoreDNS, …)",
            "kube-apiserver (--client-ca-file, --kubelet-certificate-authority = pki/ca.crt): \
             restart each, one at a time",
            "kube-scheduler: restart",
            "every kubelet (clientCAFile, kubelet.conf): restart, one node at a time",
        ]),
        (CaKind::Ca, Resign) => s(&[
            "kube-controller-manager: --cluster-signing-cert-file=pki/ca.new.crt, \
             --cluster-signing-key-file=pki/ca.new.key, --client-ca-file=pki/ca.new.crt \
             (kubelet CSRs are signed by the new CA from now on); restart it",
            "aggregated API servers and webhook handlers: restart so they trust the new CA",
            "every kubelet (kubelet.conf's new client certificate): restart, one node at a time",
            "kube-apiserver (apiserver.crt, apiserver-kubelet-client.crt now by the new CA): \
             restart each, one at a time; then kube-scheduler and kube-controller-manager \
             (their kubeconfigs)",
            "hand the rewritten admin.conf / super-admin.conf to their users",
            "annotate Deployments and DaemonSets to roll their pods; update \
             kube-public/cluster-info's certificate-authority-data from pki/ca.crt",
        ]),
        (CaKind::Ca, Finish) => s(&[
            "kube-controller-manager: --cluster-signing-cert-file=pki/ca.crt, \
             --cluster-signing-key-file=pki/ca.key, --client-ca-file=pki/ca.crt, \
             --root-ca-file=pki/ca.crt (pki/ca.new.* and pki/ca.old.crt are gone); restart it",
            "wait until ServiceAccount token secrets and kube-root-ca.crt ConfigMaps hold the \
             new CA alone, then restart pods using in-cluster config",
            "kube-apiserver: restart each, one at a time; then kube-scheduler",
            "every kubelet (clientCAFile, kubelet.conf): restart, one node at a time",
            "update kube-public/cluster-info's certificate-authority-data from pki/ca.crt; \
             hand the rewritten admin.conf / super-admin.conf to their users",
        ]),
        (CaKind::FrontProxyCa, Begin | Finish) => s(&[
            "kube-apiserver (--requestheader-client-ca-file=pki/front-proxy-ca.crt, which it \
             publishes in kube-system/extension-apiserver-authentication): restart each",
            "kube-controller-manager and kube-scheduler (--requestheader-client-ca-file): restart",
            "aggregated API servers (metrics-server, …): restart so they reread the ConfigMap",
        ]),
        (CaKind::FrontProxyCa, Resign) => s(&[
            "kube-apiserver (--proxy-client-cert-file=pki/front-proxy-client.crt, now by the \
             new CA): restart each, one at a time",
        ]),
        (CaKind::EtcdCa, Resign) => s(&[
            "etcd (server.crt, peer.crt by the new CA): restart each member, one at a time, \
             waiting for it to be healthy",
            "kube-apiserver (--etcd-certfile=pki/apiserver-etcd-client.crt): restart each",
        ]),
        (CaKind::EtcdCa, Begin | Finish) => s(&[
            "etcd (--trusted-ca-file and --peer-trusted-ca-file = pki/etcd/ca.crt): restart \
             each member, one at a time, waiting for it to be healthy",
            "kube-apiserver (--etcd-cafile=pki/etcd/ca.crt): restart each, one at a time",
        ]),
    }
}
