//! `kcred check`'s verdict on each certificate found: expiry, key match, the chain as Go's
//! `Certificate.Verify` builds it (the check kube-apiserver runs on a client certificate,
//! and a Go TLS client on a serving one), usage for its role, kubeconfig CA data.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::{
    CheckReport, CheckRow, FileRow, Found, InCluster, Inventory, Location, exact_duration, layout,
    rel, trust::verify_hostname,
};
use crate::authn::x509::{RejectionKind, verify_chain};
use crate::pki::{self, Certificate, Eku, Usage};
use crate::plan::{Entry, Plan};

/// Audit `inv`: expiry within `window`, key/certificate match, chain to a CA in the
/// directory, usage for its role, kubeconfig CA data, and the API server's in-cluster names
/// as far as `in_cluster` says what they are.
pub fn check(
    inv: &Inventory,
    window: SignedDuration,
    now: Timestamp,
    in_cluster: &InCluster,
) -> CheckReport {
    let audit = Audit {
        inv,
        planned: planned(),
        cluster_ca: inv.cluster_ca(),
        pki_root: layout::is_kubeadm_pki(&inv.dir),
        anchors: Anchors::of(inv),
        in_cluster,
        window,
        now,
    };
    let mut certificates = Vec::new();
    let mut cas = Vec::new();
    for c in &inv.certs {
        let row = audit.row(c);
        if c.facts.is_ca {
            cas.push(row);
        } else {
            certificates.push(row);
        }
    }
    let unreadable = add_file_rows(&inv.rows, &mut certificates, &mut cas);
    let notes = audit.in_cluster_notes(&certificates);
    certificates.sort_by(|a, b| a.name.cmp(&b.name).then(a.file.cmp(&b.file)));
    cas.sort_by(|a, b| a.name.cmp(&b.name).then(a.file.cmp(&b.file)));
    CheckReport {
        kind: "CertificateExpirationInfo",
        api_version: "output.kubeadm.k8s.io/v1alpha3",
        certificates,
        certificate_authorities: cas,
        unreadable,
        notes,
    }
}

/// What one audit knows beyond the certificate at hand.
struct Audit<'a> {
    inv: &'a Inventory,
    /// What the embedded plans write at each file (`pki/apiserver.crt` → server).
    planned: BTreeMap<String, Planned>,
    cluster_ca: Option<&'a Found>,
    pki_root: bool,
    anchors: Anchors,
    in_cluster: &'a InCluster,
    window: SignedDuration,
    now: Timestamp,
}

impl Audit<'_> {
    fn row(&self, c: &Found) -> CheckRow {
        let (file, key_missing_ok) = match &c.location {
            Location::File { cert, .. } => (rel(&self.inv.dir, cert), c.facts.is_ca),
            Location::Kubeconfig { path, .. } => (rel(&self.inv.dir, path), false),
            Location::Referenced { kubeconfig, .. } => (rel(&self.inv.dir, kubeconfig), false),
        };
        let key_exists = match &c.location {
            Location::File { key, .. } => key.is_some(),
            Location::Kubeconfig { .. } | Location::Referenced { .. } => {
                c.key.is_some() || c.go_key_only
            }
        };
        let mut problems = self.validity_problems(c);
        match &c.key {
            Some(k) if !k.matches_public_key(&c.facts.spki_der).unwrap_or(false) => {
                problems.push("private key does not match the certificate".into());
            }
            None if !key_exists && !key_missing_ok => problems.push("private key missing".into()),
            _ => {}
        }
        let mut ca_name = String::new();
        if c.facts.is_ca {
            if !pki::signed_by(&c.der, &c.der) && self.inv.issuer_of(c).is_none() {
                problems
                    .push("CA is neither self-signed nor signed by a CA in the directory".into());
            }
        } else {
            ca_name = self.leaf_problems(c, &file, &mut problems);
        }
        if !matches!(c.location, Location::File { .. }) {
            self.kubeconfig_problems(c, &mut problems);
        }
        CheckRow {
            name: c.name.clone(),
            file,
            expiration_date: Some(c.facts.not_after),
            residual_time: c.facts.not_after.duration_since(self.now).as_secs(),
            missing: false,
            ca_name,
            externally_managed: c.facts.is_ca && !key_exists,
            problems,
        }
    }

    fn validity_problems(&self, c: &Found) -> Vec<String> {
        let mut problems = Vec::new();
        let f = &c.facts;
        if f.not_after <= self.now {
            problems.push(format!("expired at {}", f.not_after));
        } else if f.not_after.duration_since(self.now) <= self.window {
            problems.push(format!("expires within {}", exact_duration(self.window)));
        }
        if f.not_before > self.now {
            problems.push(format!("not valid before {}", f.not_before));
        }
        problems
    }

    /// A leaf's chain and usage problems; returns the name of the CA that signed it.
    fn leaf_problems(&self, c: &Found, file: &str, problems: &mut Vec<String>) -> String {
        // A kubeadm `pki/` given directly names its files without the `pki/` prefix.
        let planned = self.planned_at(file);
        if planned.is_some_and(|p| p.api_server) {
            problems.extend(self.in_cluster_problem(c));
        }
        let planned = planned.map(|p| &p.usage);
        let mut ca_name = String::new();
        match self.inv.issuer_of(c) {
            Some(ca) => {
                ca_name = ca.name.clone();
                if ca.facts.not_after <= self.now {
                    problems.push(format!("its CA {} has expired", ca.name));
                } else if c.facts.out_of_validity(self.now).is_none() {
                    problems.extend(self.chain_problem(c, planned));
                }
            }
            None => {
                problems.push("chain does not verify: not signed by any CA in the directory".into())
            }
        }
        if let Some(u) = planned
            && ((u.client() && !c.facts.allows_client_auth())
                || (u.server() && !c.facts.allows_server_auth()))
        {
            problems.push(format!("wrong usage for its role: needs {u}"));
        }
        ca_name
    }

    /// Go's `Certificate.Verify` of the leaf against the directory's CAs, for each use it
    /// has: its planned role, the client and server uses it lists itself, client use for a
    /// kubeconfig's certificate. A CA restricted to other extended key usages, or by name
    /// constraints, makes a chain Go (and so kube-apiserver, or a Go client) refuses.
    /// Uses the leaf itself does not allow are reported as its usage, not again here.
    fn chain_problem(&self, c: &Found, planned: Option<&Usage>) -> Option<String> {
        let f = &c.facts;
        let in_kubeconfig = !matches!(c.location, Location::File { .. });
        let client =
            in_kubeconfig || planned.is_some_and(|u| u.client()) || f.lists(&Eku::ClientAuth);
        let server = planned.is_some_and(|u| u.server()) || f.lists(&Eku::ServerAuth);
        let mut uses = Vec::new();
        if client && f.allows_client_auth() {
            uses.push(Eku::ClientAuth);
        }
        if server && f.allows_server_auth() {
            uses.push(Eku::ServerAuth);
        }
        if uses.is_empty() {
            uses.push(Eku::Any);
        }
        uses.iter().find_map(|u| {
            let a = &self.anchors;
            verify_chain(&c.der, &a.intermediates, &a.roots, self.now, u)
                .err()
                .map(|r| match r.kind {
                    RejectionKind::Unsupported => {
                        format!("chain cannot be checked: {}", r.reason)
                    }
                    _ => format!("chain does not verify: {}", r.reason),
                })
        })
    }

    /// What the plans write at `file` (a kubeadm `pki/` given directly names its files
    /// without the `pki/` prefix).
    fn planned_at(&self, file: &str) -> Option<&Planned> {
        self.planned.get(file).or_else(|| {
            self.pki_root
                .then(|| self.planned.get(&format!("pki/{file}")))
                .flatten()
        })
    }

    /// The names pods dial to reach the API server, as Go's `VerifyHostname` (client-go's
    /// TLS check) matches them against its serving certificate. client-go's
    /// `rest.InClusterConfig` (`staging/src/k8s.io/client-go/rest/config.go`) dials
    /// `KUBERNETES_SERVICE_HOST`, the ClusterIP of the `default/kubernetes` Service: the first
    /// IP of `--service-cluster-ip-range` (kube-apiserver's `ServiceIPRange`, kubeadm's
    /// `GetAPIServerVirtualIP`). Clients that dial by name use the Service's DNS names, which
    /// kubeadm puts in every API server certificate (`GetAPIServerAltNames`,
    /// `cmd/kubeadm/app/util/pkiutil/pki_helpers.go`): `kubernetes`, `kubernetes.default`,
    /// `kubernetes.default.svc` and `kubernetes.default.svc.<cluster domain>`. The IP and the
    /// domain depend on how the cluster was started, so they are checked only when known.
    fn in_cluster_problem(&self, c: &Found) -> Option<String> {
        let cert = Certificate::from_der(&c.der).ok()?;
        let ic = self.in_cluster;
        let mut hosts: Vec<String> = IN_CLUSTER_NAMES.iter().map(|s| s.to_string()).collect();
        hosts.extend(
            ic.dns_domain
                .as_ref()
                .map(|d| format!("kubernetes.default.svc.{d}")),
        );
        hosts.extend(ic.service_ip.map(|ip| ip.to_string()));
        let missing: Vec<String> = hosts
            .into_iter()
            .filter(|h| verify_hostname(&cert, h).is_err())
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "not valid for the in-cluster name{} pods dial: {}",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            )
        })
    }

    /// Says which in-cluster names were not checked, when an API server serving
    /// certificate is among `rows`.
    fn in_cluster_notes(&self, rows: &[CheckRow]) -> Vec<String> {
        let api_server = rows
            .iter()
            .filter(|r| self.planned_at(&r.file).is_some_and(|p| p.api_server))
            .map(|r| r.name.as_str())
            .next();
        let Some(name) = api_server else {
            return vec![];
        };
        let ic = self.in_cluster;
        let mut unchecked = Vec::new();
        if ic.service_ip.is_none() {
            unchecked.push("the Service IP (give --service-cidr)");
        }
        if ic.dns_domain.is_none() {
            unchecked.push("kubernetes.default.svc.<domain> (give --service-dns-domain)");
        }
        if unchecked.is_empty() {
            return vec![];
        }
        vec![format!(
            "{name}: in-cluster names not checked: {}",
            unchecked.join(", ")
        )]
    }

    fn kubeconfig_problems(&self, c: &Found, problems: &mut Vec<String>) {
        if !c.facts.allows_client_auth() {
            problems.push("kubeconfig client certificate without clientAuth usage".into());
        }
        let want = self.cluster_ca.or_else(|| self.inv.issuer_of(c));
        if let Some(ca) = want {
            // What client-go's rootCertPool keeps (AppendCertsFromPEM: blocks Go cannot
            // parse are skipped).
            let have = c
                .kubeconfig_ca
                .as_deref()
                .map(crate::pem::go_cert_pool)
                .unwrap_or_default();
            // The cluster CA file may be a bundle (old and new CA during a rotation): CA data
            // holding any certificate of it is the cluster CA, as a client-go pool of either
            // verifies a serving certificate signed by that one.
            let same_file = |f: &Found| match (&f.location, &ca.location) {
                (Location::File { cert: a, .. }, Location::File { cert: b, .. }) => a == b,
                _ => false,
            };
            let bundle = self
                .inv
                .certs
                .iter()
                .filter(|f| f.facts.is_ca && same_file(f));
            if !have.contains(&ca.der) && !bundle.clone().any(|f| have.contains(&f.der)) {
                problems.push(format!(
                    "kubeconfig CA data is not the cluster CA ({})",
                    ca.name
                ));
            }
        }
    }
}

/// The directory's CA certificates as Go's verifier sees them: a CA is a root when it is
/// self-signed, or when no CA in the directory signed it (the top of what the directory
/// holds is what a `--client-ca-file` made from it would trust); the others are
/// intermediates.
struct Anchors {
    roots: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
}

impl Anchors {
    fn of(inv: &Inventory) -> Anchors {
        let mut a = Anchors {
            roots: vec![],
            intermediates: vec![],
        };
        for ca in inv
            .certs
            .iter()
            .filter(|c| c.facts.is_ca && matches!(c.location, Location::File { .. }))
        {
            if pki::signed_by(&ca.der, &ca.der) || inv.issuer_of(ca).is_none() {
                a.roots.push(ca.der.clone());
            } else {
                a.intermediates.push(ca.der.clone());
            }
        }
        a
    }
}

/// Rows about files join the row of the certificate they belong to, or stand alone.
/// Returns the unreadable files with their reason.
fn add_file_rows(
    rows: &[FileRow],
    certificates: &mut Vec<CheckRow>,
    cas: &mut Vec<CheckRow>,
) -> BTreeMap<String, String> {
    let mut unreadable = BTreeMap::new();
    for f in rows {
        if f.unreadable {
            unreadable
                .entry(f.file.clone())
                .or_insert_with(|| f.problems.first().cloned().unwrap_or_default());
        }
        if let Some(row) = certificates
            .iter_mut()
            .chain(cas.iter_mut())
            .find(|r| r.name == f.name && r.file == f.file)
        {
            row.problems.extend(f.problems.iter().cloned());
            continue;
        }
        let table = if f.is_ca {
            &mut *cas
        } else {
            &mut *certificates
        };
        table.push(CheckRow {
            name: f.name.clone(),
            file: f.file.clone(),
            expiration_date: None,
            residual_time: 0,
            missing: f.missing,
            ca_name: String::new(),
            externally_managed: false,
            problems: f.problems.clone(),
        });
    }
    unreadable
}

/// The Service names every API server certificate needs whatever the cluster's settings.
const IN_CLUSTER_NAMES: [&str; 3] = ["kubernetes", "kubernetes.default", "kubernetes.default.svc"];

/// What an embedded plan writes at a file.
struct Planned {
    /// The usage it expects, to catch a certificate that cannot do its job (an API server
    /// certificate without serverAuth, say).
    usage: Usage,
    /// It is the API server's serving certificate: the one the plan gives `{service_ip}`.
    api_server: bool,
}

/// What the embedded plans write, by file.
fn planned() -> BTreeMap<String, Planned> {
    let mut out = BTreeMap::new();
    for (layout, _) in crate::plan::EMBEDDED {
        let Ok(plan) = Plan::embedded(layout) else {
            continue;
        };
        for e in plan.credentials {
            if let Entry::Cert(c) = &e
                && !c.per_node
                && let Some(f) = c.output.file()
            {
                let api_server = c.cert.sans.iter().any(|s| s.contains("{service_ip}"));
                out.insert(
                    format!("{f}.crt"),
                    Planned {
                        usage: c.usage,
                        api_server,
                    },
                );
            }
        }
    }
    out
}
