//! The files a layout names, so that `kcred check` can say which are missing (kubeadm's
//! `certs check-expiration` prints such a one as `!MISSING! NAME`,
//! `cmd/kubeadm/app/cmd/certs.go`). The lists are the embedded plans themselves
//! (`templates/plans/`), the table `bootstrap` writes from.
//!
//! What a directory should hold depends on what it is, so the expectations are modest:
//! - kubeadm (a `pki/` directory): a control plane (any of `pki/ca.key`, `pki/apiserver.*`,
//!   `admin.conf`, `controller-manager.conf`, `scheduler.conf` present) holds every plan file
//!   but `super-admin.conf` (kubeadm writes it only where `kubeadm init` ran,
//!   `cmd/kubeadm/app/phases/kubeconfig/kubeconfig.go`) and, without `pki/etcd/`, the
//!   local-etcd certificates (external etcd); another node (`kubeadm join` of a worker) holds
//!   `pki/ca.crt`. Per-node kubeconfigs are not expected by name.
//! - hard-way (`ca.crt` with `kube-api-server.*` or `service-accounts.*`): every plan file
//!   that is not per node.

use std::path::Path;

use super::inventory::FileRow;
use crate::plan::{Kind, Plan};

/// The kubeconfig file names kubeadm writes (`cmd/kubeadm/app/constants/constants.go`).
pub const KUBEADM_KUBECONFIGS: [&str; 6] = [
    "admin.conf",
    "super-admin.conf",
    "controller-manager.conf",
    "scheduler.conf",
    "kubelet.conf",
    "bootstrap-kubelet.conf",
];

/// Whether `rel` (a path relative to the directory) is a CA certificate in an embedded plan,
/// so that an unreadable one is shown in the CA table.
pub fn is_ca_file(rel: &str) -> bool {
    crate::plan::EMBEDDED.iter().any(|(layout, _)| {
        Plan::embedded(layout).is_ok_and(|p| {
            p.credentials.iter().any(|e| {
                e.kind() == Kind::Ca && e.file().is_some_and(|f| format!("{f}.crt") == rel)
            })
        })
    })
}

/// Whether `dir` is a kubeadm `pki/` directory itself, as kubeadm's `--cert-dir` names it
/// (default `/etc/kubernetes/pki`, `cmd/kubeadm/app/constants/constants.go`): its CA with a
/// file only kubeadm's layout has beside it (the hard-way layout calls the API server
/// certificate `kube-api-server`).
pub fn is_kubeadm_pki(dir: &Path) -> bool {
    !dir.join("pki").is_dir()
        && dir.join("ca.crt").is_file()
        && ([
            "apiserver.crt",
            "apiserver.key",
            "front-proxy-ca.crt",
            "sa.key",
        ]
        .iter()
        .any(|f| dir.join(f).is_file())
            || dir.join("etcd/ca.crt").is_file())
}

/// Which embedded layout `dir` is laid out as, if any.
pub fn detect(dir: &Path) -> Option<&'static str> {
    if dir.join("pki").is_dir() {
        return Some("kubeadm");
    }
    let any = |names: &[&str]| names.iter().any(|n| dir.join(n).exists());
    if dir.join("ca.crt").exists()
        && any(&[
            "kube-api-server.crt",
            "kube-api-server.key",
            "service-accounts.crt",
            "service-accounts.key",
        ])
    {
        return Some("hard-way");
    }
    None
}

/// A row for each file `layout` names that `dir` lacks.
pub fn missing(dir: &Path, layout: &str) -> Vec<FileRow> {
    let Ok(plan) = Plan::embedded(layout) else {
        return vec![];
    };
    let kubeadm = layout == "kubeadm";
    let exists = |rel: &str| dir.join(rel).exists();
    let control_plane = !kubeadm
        || [
            "pki/ca.key",
            "pki/apiserver.crt",
            "pki/apiserver.key",
            "admin.conf",
            "controller-manager.conf",
            "scheduler.conf",
        ]
        .iter()
        .any(|f| exists(f));
    let local_etcd = dir.join("pki/etcd").is_dir();
    let name_of = |rel: &str, ext: &str| -> String {
        if kubeadm && ext == "conf" {
            return rel.to_string();
        }
        let stem = rel.strip_suffix(&format!(".{ext}")).unwrap_or(rel);
        match stem.strip_prefix("pki/") {
            Some(inner) if kubeadm => inner.replace('/', "-"),
            _ => stem.to_string(),
        }
    };
    let mut out = Vec::new();
    let mut expect = |rel: String, ext: &str, is_ca: bool| {
        if !exists(&rel) {
            out.push(FileRow {
                name: name_of(&rel, ext),
                problems: vec![format!("{rel} is missing")],
                file: rel,
                is_ca,
                missing: true,
                unreadable: false,
            });
        }
    };
    for e in &plan.credentials {
        if e.per_node() || e.name() == "super-admin.conf" {
            continue;
        }
        let etcd = e.name() == "etcd-ca" || e.ca() == Some("etcd-ca");
        if kubeadm && ((etcd && !local_etcd) || (!control_plane && e.name() != "ca")) {
            continue;
        }
        match (e.kind(), e.file(), e.kubeconfig()) {
            (Kind::Keypair, Some(f), _) => {
                if exists(&format!("{f}.key")) {
                    expect(format!("{f}.pub"), "pub", false);
                } else {
                    expect(format!("{f}.key"), "key", false);
                }
            }
            (kind, file, kc) => {
                if let Some(f) = file {
                    expect(format!("{f}.crt"), "crt", kind == Kind::Ca);
                }
                if let Some(k) = kc {
                    let ext = Path::new(k)
                        .extension()
                        .and_then(|x| x.to_str())
                        .unwrap_or("");
                    expect(k.to_string(), ext, false);
                }
            }
        }
    }
    out
}
