//! PKI plans: a cluster's credentials as a table of data, the way kubeadm's `certlist.go` is
//! a table (`templates/plans/*.yaml`). A [`Plan`] is parsed and checked once (unique names,
//! CAs before the leaves they sign, every entry writes something), then expanded with the
//! cluster's parameters into concrete [`Credential`]s that `bootstrap` applies.

use std::collections::{BTreeSet, HashSet};
use std::net::IpAddr;
use std::path::Path;

use jiff::SignedDuration;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::pki::{CA_VALIDITY, CertSpec, LEAF_VALIDITY, San, Subject, Usage};

/// The embedded plans, by layout name.
pub const EMBEDDED: [(&str, &str); 2] = [
    ("kubeadm", include_str!("../templates/plans/kubeadm.yaml")),
    ("hard-way", include_str!("../templates/plans/hard-way.yaml")),
];

/// What an entry makes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A self-signed CA: certificate and key.
    Ca,
    /// A leaf certificate signed by a CA named in the plan.
    #[default]
    Cert,
    /// A bare key pair: PREFIX.key and PREFIX.pub (the ServiceAccount signing key).
    Keypair,
}

/// One row of a plan file, as written: every field any kind may carry. It is only the wire
/// format; [`Plan::parse`] turns each row into a typed [`Entry`] (or refuses it, naming it).
/// A serde-tagged enum cannot read the rows directly: `kind` may be left out (it defaults to
/// `cert`), and rows that carry fields their kind ignores (a `usage` on a CA, a `cn` on a key
/// pair) have always been accepted.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    name: String,
    #[serde(default)]
    kind: Kind,
    #[serde(default)]
    ca: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    kubeconfig: Option<String>,
    #[serde(default)]
    server: Option<String>,
    #[serde(default)]
    cn: String,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    usage: Usage,
    #[serde(default)]
    sans: Vec<String>,
    #[serde(default)]
    validity: Option<String>,
    #[serde(default)]
    for_each: Option<String>,
}

/// One checked row of a plan: what it makes decides what it has, so a CA that names a
/// signing CA, a leaf that writes nothing or a key pair in a kubeconfig cannot be written.
#[derive(Clone, Debug)]
pub enum Entry {
    /// A self-signed CA: `FILE.crt` and `FILE.key`.
    Ca(CaEntry),
    /// A leaf certificate signed by a CA listed before it.
    Cert(CertEntry),
    /// A bare key pair: `FILE.key` and `FILE.pub` (the ServiceAccount signing key).
    Keypair(KeypairEntry),
}

/// What a certificate says, as templates.
#[derive(Clone, Debug)]
pub struct SubjectTemplate {
    /// Subject CN template (never empty).
    pub cn: String,
    /// Subject O templates, in order.
    pub groups: Vec<String>,
    /// SAN templates.
    pub sans: Vec<String>,
    /// Lifetime (`10y`, `8760h`), checked; the kind's default when absent.
    pub validity: Option<String>,
}

/// A CA row.
#[derive(Clone, Debug)]
pub struct CaEntry {
    /// Name used in reports, `check` and `renew`.
    pub name: String,
    /// One per node (`for_each: node`).
    pub per_node: bool,
    /// PREFIX of `PREFIX.crt` and `PREFIX.key`.
    pub file: String,
    /// Its subject, SANs and lifetime.
    pub cert: SubjectTemplate,
}

/// Where a leaf certificate goes: files, a kubeconfig (its own key and certificate
/// embedded), or both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// `PREFIX.crt` and `PREFIX.key`.
    File(String),
    /// A kubeconfig path.
    Kubeconfig(String),
    /// Both: the files are the source of truth, the kubeconfig embeds them.
    Both {
        /// PREFIX of the files.
        file: String,
        /// The kubeconfig path.
        kubeconfig: String,
    },
}

impl Output {
    fn new(file: Option<String>, kubeconfig: Option<String>) -> Option<Output> {
        match (file, kubeconfig) {
            (Some(file), Some(kubeconfig)) => Some(Output::Both { file, kubeconfig }),
            (Some(f), None) => Some(Output::File(f)),
            (None, Some(k)) => Some(Output::Kubeconfig(k)),
            (None, None) => None,
        }
    }

    /// The file PREFIX, if files are written.
    pub fn file(&self) -> Option<&str> {
        match self {
            Output::File(f) | Output::Both { file: f, .. } => Some(f),
            Output::Kubeconfig(_) => None,
        }
    }

    /// The kubeconfig path, if one is written.
    pub fn kubeconfig(&self) -> Option<&str> {
        match self {
            Output::Kubeconfig(k) | Output::Both { kubeconfig: k, .. } => Some(k),
            Output::File(_) => None,
        }
    }
}

/// A leaf certificate row.
#[derive(Clone, Debug)]
pub struct CertEntry {
    /// Name used in reports, `check` and `renew`.
    pub name: String,
    /// One per node (`for_each: node`).
    pub per_node: bool,
    /// The signing CA's name.
    pub ca: String,
    /// What is written.
    pub output: Output,
    /// The kubeconfig's server URL template (default `https://{endpoint}`).
    pub server: Option<String>,
    /// Extended key usage.
    pub usage: Usage,
    /// Its subject, SANs and lifetime.
    pub cert: SubjectTemplate,
}

/// A key pair row.
#[derive(Clone, Debug)]
pub struct KeypairEntry {
    /// Name used in reports, `check` and `renew`.
    pub name: String,
    /// One per node (`for_each: node`).
    pub per_node: bool,
    /// PREFIX of `PREFIX.key` and `PREFIX.pub`.
    pub file: String,
}

impl Entry {
    /// Name used in reports, `check` and `renew`.
    pub fn name(&self) -> &str {
        match self {
            Entry::Ca(e) => &e.name,
            Entry::Cert(e) => &e.name,
            Entry::Keypair(e) => &e.name,
        }
    }

    /// What it makes.
    pub fn kind(&self) -> Kind {
        match self {
            Entry::Ca(_) => Kind::Ca,
            Entry::Cert(_) => Kind::Cert,
            Entry::Keypair(_) => Kind::Keypair,
        }
    }

    /// One credential per node (`for_each: node`).
    pub fn per_node(&self) -> bool {
        match self {
            Entry::Ca(e) => e.per_node,
            Entry::Cert(e) => e.per_node,
            Entry::Keypair(e) => e.per_node,
        }
    }

    /// The file PREFIX, if files are written.
    pub fn file(&self) -> Option<&str> {
        match self {
            Entry::Ca(e) => Some(&e.file),
            Entry::Cert(e) => e.output.file(),
            Entry::Keypair(e) => Some(&e.file),
        }
    }

    /// The kubeconfig path, if one is written.
    pub fn kubeconfig(&self) -> Option<&str> {
        match self {
            Entry::Cert(e) => e.output.kubeconfig(),
            Entry::Ca(_) | Entry::Keypair(_) => None,
        }
    }

    /// The signing CA's name (leaf certificates).
    pub fn ca(&self) -> Option<&str> {
        match self {
            Entry::Cert(e) => Some(&e.ca),
            Entry::Ca(_) | Entry::Keypair(_) => None,
        }
    }

    /// Turn a row into its kind's entry, or say what is wrong with it. `cas` are the CAs
    /// listed before it.
    fn from_row(r: Row, cas: &HashSet<String>) -> std::result::Result<Entry, String> {
        let per_node = r.for_each.is_some();
        let cert = |r: Row| SubjectTemplate {
            cn: r.cn,
            groups: r.groups,
            sans: r.sans,
            validity: r.validity,
        };
        match r.kind {
            Kind::Ca => {
                let (Some(file), None, None) = (r.file.clone(), &r.ca, &r.kubeconfig) else {
                    return Err(format!(
                        "CA {:?} needs a file and takes no ca or kubeconfig",
                        r.name
                    ));
                };
                if r.cn.is_empty() {
                    return Err(format!("CA {:?} needs a cn", r.name));
                }
                // `usage` and `server` mean nothing for a CA; they are accepted and ignored.
                Ok(Entry::Ca(CaEntry {
                    name: r.name.clone(),
                    per_node,
                    file,
                    cert: cert(r),
                }))
            }
            Kind::Keypair => {
                let (Some(file), None, None) = (r.file, r.kubeconfig, r.ca) else {
                    return Err(format!(
                        "keypair {:?} needs a file and nothing else",
                        r.name
                    ));
                };
                // A subject, SANs, usage or server mean nothing for a bare key pair; they
                // are accepted and ignored.
                Ok(Entry::Keypair(KeypairEntry {
                    name: r.name,
                    per_node,
                    file,
                }))
            }
            Kind::Cert => {
                let ca =
                    r.ca.clone()
                        .ok_or_else(|| format!("entry {:?} names no signing ca", r.name))?;
                if !cas.contains(&ca) {
                    return Err(format!(
                        "entry {:?} is signed by {ca:?}, which is not a CA listed before it",
                        r.name
                    ));
                }
                let output =
                    Output::new(r.file.clone(), r.kubeconfig.clone()).ok_or_else(|| {
                        format!("entry {:?} writes neither a file nor a kubeconfig", r.name)
                    })?;
                if r.cn.is_empty() {
                    return Err(format!("entry {:?} needs a cn", r.name));
                }
                Ok(Entry::Cert(CertEntry {
                    name: r.name.clone(),
                    per_node,
                    ca,
                    output,
                    server: r.server.clone(),
                    usage: r.usage,
                    cert: cert(r),
                }))
            }
        }
    }
}

/// A plan file, as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    layout: String,
    #[serde(default)]
    service_cidr: Option<String>,
    #[serde(default)]
    endpoint: Option<String>,
    credentials: Vec<Row>,
}

/// A parsed, checked plan.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The layout's name (`kubeadm`, `hard-way`, or a custom plan's).
    pub layout: String,
    /// The layout's default service CIDR, used when `--service-cidr` is not given
    /// (kubeadm's `10.96.0.0/12` when the plan names none).
    pub service_cidr: Option<String>,
    /// The layout's default API server endpoint host, a template (`{control_plane}` when the
    /// plan names none), used when `--control-plane-endpoint` is not given.
    pub endpoint: Option<String>,
    /// The credentials, CAs first.
    pub credentials: Vec<Entry>,
}

/// The cluster facts a plan's placeholders expand to.
#[derive(Clone, Debug)]
pub struct Params {
    /// Node names: one credential each for `for_each: node` entries.
    pub nodes: Vec<String>,
    /// The control-plane host (`{control_plane}`, and `{node}` outside `for_each` entries):
    /// Kubernetes The Hard Way's `server`, kubeadm's first control-plane node.
    pub control_plane: String,
    /// API server endpoint host.
    pub endpoint_host: String,
    /// API server endpoint port.
    pub endpoint_port: u16,
    /// `--apiserver-advertise-address`.
    pub advertise_address: Option<IpAddr>,
    /// `--apiserver-cert-extra-sans`.
    pub extra_sans: Vec<String>,
    /// The first IP of the service CIDR (the `kubernetes` Service's ClusterIP).
    pub service_ip: IpAddr,
    /// `--service-dns-domain`.
    pub dns_domain: String,
    /// `--cluster-name`.
    pub cluster: String,
}

/// A credential with every placeholder expanded, typed by what it makes as [`Entry`] is:
/// a key pair has no certificate spec, a CA no signing CA, a leaf always an output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// Name for reports.
    pub name: String,
    /// What it makes.
    pub makes: Makes,
}

/// What an expanded [`Credential`] makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Makes {
    /// A self-signed CA.
    Ca(CaCredential),
    /// A leaf certificate.
    Cert(CertCredential),
    /// A bare key pair: `FILE.key` and `FILE.pub`.
    Keypair {
        /// File prefix, relative to the output directory.
        file: String,
    },
}

/// An expanded CA row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaCredential {
    /// File prefix of `FILE.crt` and `FILE.key`, relative to the output directory.
    pub file: String,
    /// What the certificate says.
    pub spec: CertSpec,
}

/// An expanded leaf row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertCredential {
    /// The signing CA's name.
    pub ca: String,
    /// Files, kubeconfig or both, relative to the output directory.
    pub output: Output,
    /// The kubeconfig's server URL.
    pub server: String,
    /// What the certificate says.
    pub spec: CertSpec,
}

impl Credential {
    /// What it makes, untyped.
    pub fn kind(&self) -> Kind {
        match self.makes {
            Makes::Ca(_) => Kind::Ca,
            Makes::Cert(_) => Kind::Cert,
            Makes::Keypair { .. } => Kind::Keypair,
        }
    }

    /// The file prefix, if files are written.
    pub fn file(&self) -> Option<&str> {
        match &self.makes {
            Makes::Ca(c) => Some(&c.file),
            Makes::Cert(c) => c.output.file(),
            Makes::Keypair { file } => Some(file),
        }
    }

    /// The kubeconfig path, if one is written.
    pub fn kubeconfig(&self) -> Option<&str> {
        match &self.makes {
            Makes::Cert(c) => c.output.kubeconfig(),
            Makes::Ca(_) | Makes::Keypair { .. } => None,
        }
    }

    /// What its certificate says; `None` for a key pair.
    pub fn spec(&self) -> Option<&CertSpec> {
        match &self.makes {
            Makes::Ca(c) => Some(&c.spec),
            Makes::Cert(c) => Some(&c.spec),
            Makes::Keypair { .. } => None,
        }
    }
}

impl Plan {
    /// The embedded plan for `layout`.
    pub fn embedded(layout: &str) -> Result<Plan> {
        let (_, text) = EMBEDDED.iter().find(|(n, _)| *n == layout).ok_or_else(|| {
            Error::Usage(format!(
                "unknown layout {layout:?} (expected kubeadm or hard-way)"
            ))
        })?;
        Plan::parse(&format!("<embedded {layout} plan>"), text)
    }

    /// Read a plan file.
    pub fn load(path: &Path) -> Result<Plan> {
        let bytes = crate::fsio::read(path)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| Error::input(path, "not UTF-8 text"))?;
        Plan::parse(&path.display().to_string(), text)
    }

    /// Parse and check a plan; `source` names it in errors.
    pub fn parse(source: &str, text: &str) -> Result<Plan> {
        let file: PlanFile = crate::yaml::from_str(text)
            .map_err(|e| Error::input(source, format!("invalid plan: {e}")))?;
        Plan::check(file).map_err(|p| Error::input(source, p))
    }

    /// The service CIDR when `--service-cidr` is not given: the plan's, else kubeadm's
    /// (`--service-cidr` default, `cmd/kubeadm/app/constants`: `DefaultServicesSubnet`).
    pub fn default_service_cidr(&self) -> &str {
        self.service_cidr.as_deref().unwrap_or("10.96.0.0/12")
    }

    /// The endpoint host when `--control-plane-endpoint` is not given: the plan's template
    /// expanded for `control_plane`, else the control-plane host itself.
    pub fn default_endpoint_host(&self, control_plane: &str) -> String {
        match &self.endpoint {
            Some(t) => t.replace("{control_plane}", control_plane),
            None => control_plane.to_string(),
        }
    }

    /// Check what no single row can say on its own (unique names and files, CAs before the
    /// leaves they sign) and type each row.
    fn check(file: PlanFile) -> std::result::Result<Plan, String> {
        if let Some(cidr) = &file.service_cidr {
            first_service_ip(cidr)?;
        }
        if let Some(e) = &file.endpoint
            && e.replace("{control_plane}", "x")
                .contains(['{', '}', '/', ':'])
        {
            return Err(format!(
                "endpoint {e:?} must be a host name (the only placeholder is {{control_plane}})"
            ));
        }
        let mut names = HashSet::new();
        let mut cas = HashSet::new();
        let mut files = HashSet::new();
        let mut credentials = Vec::with_capacity(file.credentials.len());
        for e in file.credentials {
            if e.name.is_empty() {
                return Err("an entry has no name".into());
            }
            if !names.insert(e.name.clone()) {
                return Err(format!("entry {:?} appears twice", e.name));
            }
            if e.for_each.as_deref().is_some_and(|f| f != "node") {
                return Err(format!("entry {:?}: for_each must be `node`", e.name));
            }
            for path in e.file.iter().chain(e.kubeconfig.iter()) {
                if Path::new(path).is_absolute() || path.split('/').any(|c| c == "..") {
                    return Err(format!(
                        "entry {:?}: {path:?} must be a relative path inside the output directory",
                        e.name
                    ));
                }
                if !files.insert(path.clone()) {
                    return Err(format!("entry {:?}: {path:?} is written twice", e.name));
                }
            }
            if let Some(v) = &e.validity {
                crate::duration::parse(v).map_err(|m| format!("entry {:?}: {m}", e.name))?;
            }
            let entry = Entry::from_row(e, &cas)?;
            if let Entry::Ca(ca) = &entry {
                cas.insert(ca.name.clone());
            }
            credentials.push(entry);
        }
        Ok(Plan {
            layout: file.layout,
            service_cidr: file.service_cidr,
            endpoint: file.endpoint,
            credentials,
        })
    }

    /// Expand every entry with `params`, in plan order.
    pub fn expand(&self, params: &Params) -> Result<Vec<Credential>> {
        let mut out = Vec::new();
        let first = params.control_plane.clone();
        for e in &self.credentials {
            let nodes: Vec<&String> = if e.per_node() {
                params.nodes.iter().collect()
            } else {
                vec![&first]
            };
            for node in nodes {
                out.push(expand_entry(e, params, node)?);
            }
        }
        Ok(out)
    }
}

fn expand_entry(e: &Entry, p: &Params, node: &str) -> Result<Credential> {
    let one = |t: &str| -> String {
        substitute(t, p, node)
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let makes = match e {
        Entry::Ca(ca) => Makes::Ca(CaCredential {
            file: one(&ca.file),
            spec: expand_spec(&ca.name, &ca.cert, None, p, node)?,
        }),
        Entry::Cert(c) => Makes::Cert(CertCredential {
            ca: c.ca.clone(),
            output: match &c.output {
                Output::File(f) => Output::File(one(f)),
                Output::Kubeconfig(k) => Output::Kubeconfig(one(k)),
                Output::Both { file, kubeconfig } => Output::Both {
                    file: one(file),
                    kubeconfig: one(kubeconfig),
                },
            },
            server: one(c.server.as_deref().unwrap_or("https://{endpoint}")),
            spec: expand_spec(&c.name, &c.cert, Some(c.usage), p, node)?,
        }),
        Entry::Keypair(k) => Makes::Keypair { file: one(&k.file) },
    };
    Ok(Credential {
        name: one(e.name()),
        makes,
    })
}

/// A certificate's spec from its templates; `usage` is `None` for a CA.
fn expand_spec(
    name: &str,
    t: &SubjectTemplate,
    usage: Option<Usage>,
    p: &Params,
    node: &str,
) -> Result<CertSpec> {
    let one = |t: &str| -> String {
        substitute(t, p, node)
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let mut sans = Vec::new();
    let mut seen = BTreeSet::new();
    for pattern in &t.sans {
        for text in substitute(pattern, p, node) {
            let san: San = text
                .parse()
                .map_err(|m| Error::Usage(format!("{name}: SAN {m}")))?;
            if seen.insert(san.clone()) {
                sans.push(san);
            }
        }
    }
    let validity = match &t.validity {
        Some(v) => crate::duration::parse(v).map_err(Error::Usage)?,
        None if usage.is_none() => CA_VALIDITY,
        None => LEAF_VALIDITY,
    };
    Ok(CertSpec {
        subject: Subject {
            common_name: one(&t.cn),
            organizations: t
                .groups
                .iter()
                .map(|g| one(g))
                .filter(|g| !g.is_empty())
                .collect(),
        },
        usage,
        sans,
        validity: clamp_positive(validity),
    })
}

fn clamp_positive(d: SignedDuration) -> SignedDuration {
    d.max(SignedDuration::from_secs(1))
}

/// Expand one template. `{extra_sans}` yields one value per extra SAN; a placeholder with no
/// value (no advertise address) yields nothing.
fn substitute(template: &str, p: &Params, node: &str) -> Vec<String> {
    if template == "{extra_sans}" {
        return p.extra_sans.clone();
    }
    if template == "{advertise_address}" {
        return p
            .advertise_address
            .map(|a| a.to_string())
            .into_iter()
            .collect();
    }
    let endpoint = format_endpoint(&p.endpoint_host, p.endpoint_port);
    let text = template
        .replace("{node}", node)
        .replace("{control_plane}", &p.control_plane)
        .replace("{cluster}", &p.cluster)
        .replace("{dns_domain}", &p.dns_domain)
        .replace("{service_ip}", &p.service_ip.to_string())
        .replace(
            "{advertise_address}",
            &p.advertise_address
                .map(|a| a.to_string())
                .unwrap_or_default(),
        )
        .replace("{endpoint_host}", &p.endpoint_host)
        .replace("{endpoint}", &endpoint);
    vec![text]
}

/// `host:port`, bracketing IPv6 literals.
pub fn format_endpoint(host: &str, port: u16) -> String {
    if host.parse::<std::net::Ipv6Addr>().is_ok() {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The first usable IP of a service CIDR, as kubeadm's `GetAPIServerVirtualIP` takes it: the
/// network address plus one. With a dual-stack list the first CIDR is the primary.
pub fn first_service_ip(cidrs: &str) -> std::result::Result<IpAddr, String> {
    let cidr = cidrs.split(',').next().unwrap_or("").trim();
    let (addr, len) = cidr
        .split_once('/')
        .ok_or_else(|| format!("service CIDR {cidr:?} is not ADDRESS/PREFIX"))?;
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| format!("service CIDR {cidr:?} has an invalid address"))?;
    let len: u32 = len
        .parse()
        .map_err(|_| format!("service CIDR {cidr:?} has an invalid prefix length"))?;
    match addr {
        IpAddr::V4(v4) if len <= 30 => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            Ok(IpAddr::V4((u32::from(v4) & mask).wrapping_add(1).into()))
        }
        IpAddr::V6(v6) if len <= 126 => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            Ok(IpAddr::V6((u128::from(v6) & mask).wrapping_add(1).into()))
        }
        _ => Err(format!("service CIDR {cidr:?} is too small")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(nodes: &[&str]) -> Params {
        Params {
            nodes: nodes.iter().map(|s| s.to_string()).collect(),
            control_plane: nodes[0].to_string(),
            endpoint_host: nodes[0].to_string(),
            endpoint_port: 6443,
            advertise_address: None,
            extra_sans: vec![],
            service_ip: first_service_ip("10.96.0.0/12").unwrap(),
            dns_domain: "cluster.local".into(),
            cluster: "kubernetes".into(),
        }
    }

    #[test]
    fn embedded_plans_parse_and_list_cas_before_leaves() {
        for (layout, _) in EMBEDDED {
            let plan = Plan::embedded(layout).unwrap();
            assert_eq!(plan.layout, layout);
        }
    }

    #[test]
    fn kubeadm_plan_matches_certlist() {
        let creds = Plan::embedded("kubeadm")
            .unwrap()
            .expand(&params(&["cp-1", "w-1"]))
            .unwrap();
        let names: Vec<_> = creds.iter().map(|c| c.name.as_str()).collect();
        for want in [
            "ca",
            "apiserver",
            "apiserver-kubelet-client",
            "front-proxy-ca",
            "front-proxy-client",
            "etcd-ca",
            "etcd-server",
            "etcd-peer",
            "etcd-healthcheck-client",
            "apiserver-etcd-client",
            "sa",
            "admin.conf",
            "super-admin.conf",
            "controller-manager.conf",
            "scheduler.conf",
            "kubelet.conf/cp-1",
            "kubelet.conf/w-1",
        ] {
            assert!(names.contains(&want), "missing {want}");
        }
        let apiserver = creds.iter().find(|c| c.name == "apiserver").unwrap();
        let sans: Vec<String> = apiserver
            .spec()
            .unwrap()
            .sans
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            sans,
            [
                "cp-1",
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
                "10.96.0.1"
            ]
        );
        let etcd = creds.iter().find(|c| c.name == "etcd-server").unwrap();
        assert_eq!(etcd.spec().unwrap().subject.common_name, "cp-1");
        let kubelet = creds.iter().find(|c| c.name == "kubelet.conf/w-1").unwrap();
        assert_eq!(kubelet.kubeconfig(), Some("nodes/w-1/kubelet.conf"));
        let Makes::Cert(leaf) = &kubelet.makes else {
            panic!("kubelet.conf is not a leaf")
        };
        assert_eq!(leaf.spec.subject.organizations, ["system:nodes"]);
        assert_eq!(leaf.server, "https://cp-1:6443");
    }

    #[test]
    fn bad_plans_are_refused_with_the_reason() {
        let cases = [
            (
                "layout: x\ncredentials:\n  - {name: a, ca: ca, file: a, cn: a}\n",
                "not a CA listed before",
            ),
            (
                "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca, cn: c}\n  - {name: ca, kind: ca, file: b, cn: c}\n",
                "twice",
            ),
            (
                "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ../ca, cn: c}\n",
                "inside the output directory",
            ),
            (
                "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca, cn: c, bogus: 1}\n",
                "invalid plan",
            ),
            // Rows whose fields do not fit their kind.
            (
                "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca, cn: c}\n  - {name: b, kind: ca, ca: ca, file: b, cn: b}\n",
                "CA \"b\" needs a file and takes no ca or kubeconfig",
            ),
            (
                "layout: x\ncredentials:\n  - {name: k, kind: keypair, kubeconfig: k.conf}\n",
                "keypair \"k\" needs a file and nothing else",
            ),
            (
                "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca, cn: c}\n  - {name: a, ca: ca, cn: a}\n",
                "entry \"a\" writes neither a file nor a kubeconfig",
            ),
            (
                "layout: x\ncredentials:\n  - {name: a, file: a, cn: a}\n",
                "entry \"a\" names no signing ca",
            ),
            (
                "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca}\n",
                "CA \"ca\" needs a cn",
            ),
        ];
        for (text, want) in cases {
            let err = Plan::parse("p.yaml", text).unwrap_err().to_string();
            assert!(err.contains("p.yaml") && err.contains(want), "{err}");
        }
    }

    #[test]
    fn rows_are_typed_by_kind_and_ignored_fields_still_accepted() {
        // `kind` defaults to cert; a CA's usage/server and a key pair's subject were always
        // accepted (and ignored), so plans written that way still load.
        let plan = Plan::parse(
            "p.yaml",
            "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca, cn: c, usage: server, server: s}\n  - {name: k, kind: keypair, file: k, cn: x, usage: peer, sans: [a]}\n  - {name: a, ca: ca, kubeconfig: a.conf, cn: a, for_each: node}\n",
        )
        .unwrap();
        let kinds: Vec<_> = plan.credentials.iter().map(Entry::kind).collect();
        assert_eq!(kinds, [Kind::Ca, Kind::Keypair, Kind::Cert]);
        let Entry::Cert(leaf) = &plan.credentials[2] else {
            panic!("not a cert")
        };
        assert!(leaf.per_node);
        assert_eq!(leaf.ca, "ca");
        assert_eq!(leaf.output.file(), None);
        assert_eq!(leaf.output.kubeconfig(), Some("a.conf"));
        let creds = plan.expand(&params(&["n1", "n2"])).unwrap();
        assert_eq!(creds.len(), 4);
        assert_eq!(creds[0].spec().unwrap().usage, None);
        assert_eq!(creds[1].spec(), None);
        assert_eq!(creds[3].kubeconfig(), Some("a.conf"));
    }

    #[test]
    fn service_ip_is_network_plus_one() {
        assert_eq!(
            first_service_ip("10.96.0.0/12").unwrap().to_string(),
            "10.96.0.1"
        );
        assert_eq!(
            first_service_ip("10.100.5.7/16").unwrap().to_string(),
            "10.100.0.1"
        );
        assert_eq!(
            first_service_ip("fd00::/108,10.0.0.0/16")
                .unwrap()
                .to_string(),
            "fd00::1"
        );
        assert!(first_service_ip("10.0.0.0").is_err());
    }
}
