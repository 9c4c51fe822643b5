//! `kcred check`: find every certificate in a PKI directory (kubeadm, hard-way or any kcred
//! plan) — in `.crt`/`.pem` files and embedded in kubeconfigs — and audit them. Nothing is
//! passed over: a file that is unreadable, corrupt or missing, a kubeconfig naming files
//! that are missing, and a secret readable by others are rows with problems (`inventory`,
//! `layout`), and `crate::renew` (which reads this inventory) refuses to write around them.
//! This module only reads: it imports `fsio::read`, never a writer.
//!
//! Names follow `kubeadm certs check-expiration` (`cmd/kubeadm/app/phases/certs/renewal`):
//! under a kubeadm `pki/` directory a certificate is named by its path with `/` as `-`
//! (`etcd/server` → `etcd-server`, `etcd/ca` → `etcd-ca`), a kubeconfig by its file name
//! (`admin.conf`); elsewhere by its path without the extension.

mod check;
mod inventory;
mod layout;
pub mod trust;

pub use check::check;
pub use inventory::{FileRow, inventory};
pub use trust::{TrustReport, TrustRow, trust};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::keys::PrivateKey;
use crate::pki::{self, Certificate};

/// Where a certificate lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A PEM or DER file; the key is the sibling `.key`, if any.
    File {
        /// The certificate file.
        cert: PathBuf,
        /// The sibling key file, if it exists.
        key: Option<PathBuf>,
    },
    /// Embedded in a kubeconfig as a user's `client-certificate-data`.
    Kubeconfig {
        /// The kubeconfig.
        path: PathBuf,
        /// The user's name.
        user: String,
    },
    /// In a file a kubeconfig user names as its `client-certificate` (a kubeadm node's
    /// `kubelet.conf` naming `/var/lib/kubelet/pki/kubelet-client-current.pem`).
    Referenced {
        /// The kubeconfig.
        kubeconfig: PathBuf,
        /// The user's name.
        user: String,
        /// The certificate file, resolved as kubectl resolves it.
        cert: PathBuf,
    },
}

/// One certificate found in the directory.
#[derive(Debug)]
pub struct Found {
    /// kubeadm-style name.
    pub name: String,
    /// Where it is.
    pub location: Location,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// What it says.
    pub facts: Certificate,
    /// Its private key, if kcred could read one.
    pub key: Option<PrivateKey>,
    /// A kubeconfig's embedded or named key that kcred cannot read but Go's `tls.X509KeyPair`
    /// pairs with the certificate (another PEM label, an RSA size kcred does not make): kubectl
    /// loads it, so it is not missing.
    pub go_key_only: bool,
    /// The kubeconfig cluster's CA data (PEM), for embedded certificates.
    pub kubeconfig_ca: Option<Vec<u8>>,
}

/// Everything found in a directory.
#[derive(Debug, Default)]
pub struct Inventory {
    /// The directory.
    pub dir: PathBuf,
    /// The embedded layout the directory follows, if kcred recognises one.
    pub layout: Option<&'static str>,
    /// Certificates, by name.
    pub certs: Vec<Found>,
    /// Rows about files: unreadable, missing, readable by others, or holding no certificate.
    pub rows: Vec<FileRow>,
}

impl Inventory {
    /// The CA that signed `cert`, among the CA certificates found (each certificate of a CA
    /// bundle counts); one whose key kcred holds comes first, so that `renew` finds the
    /// signing key of a CA that sits both in a bundle and in a file of its own with its key.
    pub fn issuer_of(&self, cert: &Found) -> Option<&Found> {
        let mut signers = self
            .certs
            .iter()
            .filter(|c| c.facts.is_ca && matches!(c.location, Location::File { .. }))
            .filter(|ca| ca.der != cert.der && pki::signed_by(&cert.der, &ca.der));
        let first = signers.next()?;
        if first.key.is_some() {
            return Some(first);
        }
        signers.find(|c| c.key.is_some()).or(Some(first))
    }

    /// The cluster CA: `pki/ca.crt` (kubeadm) or `ca.crt` (hard-way).
    fn cluster_ca(&self) -> Option<&Found> {
        self.certs.iter().find(|c| {
            matches!(&c.location, Location::File { cert, .. }
                if cert == &self.dir.join("pki/ca.crt") || cert == &self.dir.join("ca.crt"))
        })
    }
}

/// One row of `kcred check`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRow {
    /// kubeadm-style name.
    pub name: String,
    /// Where it is, relative to the directory.
    pub file: String,
    /// NotAfter; none for a missing or unreadable file, or one that holds no certificate.
    pub expiration_date: Option<Timestamp>,
    /// Seconds left (negative when expired).
    pub residual_time: i64,
    /// The file is missing (kubeadm's `missing`).
    pub missing: bool,
    /// Name of the CA that signed it (empty for a CA, or when none in the directory did).
    pub ca_name: String,
    /// A CA whose key is not in the directory.
    pub externally_managed: bool,
    /// What is wrong with it; empty when nothing is.
    pub problems: Vec<String>,
}

/// The result of `kcred check`, shaped like kubeadm's `CertificateExpirationInfo`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    /// `CertificateExpirationInfo`.
    pub kind: &'static str,
    /// `output.kubeadm.k8s.io/v1alpha3`.
    pub api_version: &'static str,
    /// Leaf certificates, by name.
    pub certificates: Vec<CheckRow>,
    /// CA certificates, by name.
    pub certificate_authorities: Vec<CheckRow>,
    /// Files that could not be read (also rows above, with the reason as a problem).
    pub unreadable: BTreeMap<String, String>,
    /// What was not checked, and why (not problems).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// How pods reach the API server, for the check of its serving certificate's names; `None`
/// where the cluster's setting is not known (that name is then not checked).
#[derive(Clone, Debug, Default)]
pub struct InCluster {
    /// The `kubernetes` Service's ClusterIP: the first IP of the service CIDR.
    pub service_ip: Option<std::net::IpAddr>,
    /// The cluster domain (`cluster.local`).
    pub dns_domain: Option<String>,
}

impl CheckReport {
    /// Whether anything needs attention (exit 1).
    pub fn has_problems(&self) -> bool {
        !self.unreadable.is_empty()
            || self
                .certificates
                .iter()
                .chain(&self.certificate_authorities)
                .any(|r| !r.problems.is_empty())
    }
}

/// A span as the user would write it, exactly: the largest of `y` (365 d, kcred's year), `d`,
/// `h`, `m`, `s` that divides it (`400d` stays `400d`, where apimachinery's
/// `ShortHumanDuration` would round it to `1y`).
pub fn exact_duration(d: SignedDuration) -> String {
    let secs = d.as_secs();
    for (unit, per) in [("y", 365 * 86_400), ("d", 86_400), ("h", 3600), ("m", 60)] {
        if secs != 0 && secs % per == 0 {
            return format!("{}{unit}", secs / per);
        }
    }
    format!("{secs}s")
}

/// `path` relative to `dir`, for display.
pub fn rel(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}
