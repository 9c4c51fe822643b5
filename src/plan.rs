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

/// One row of a plan, as written in the template.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Name used in reports, `check` and `renew`.
    pub name: String,
    /// CA, leaf certificate or key pair.
    #[serde(default)]
    pub kind: Kind,
    /// The signing CA's name (leaf certificates).
    #[serde(default)]
    pub ca: Option<String>,
    /// PREFIX of the files written (`.crt`/`.key`, or `.key`/`.pub`).
    #[serde(default)]
    pub file: Option<String>,
    /// A kubeconfig this credential is embedded in.
    #[serde(default)]
    pub kubeconfig: Option<String>,
    /// The kubeconfig's server URL template (default `https://{endpoint}`).
    #[serde(default)]
    pub server: Option<String>,
    /// Subject CN template.
    #[serde(default)]
    pub cn: String,
    /// Subject O templates, in order.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Extended key usage.
    #[serde(default)]
    pub usage: Usage,
    /// SAN templates.
    #[serde(default)]
    pub sans: Vec<String>,
    /// Lifetime (`10y`, `8760h`).
    #[serde(default)]
    pub validity: Option<String>,
    /// `node`: one credential per node.
    #[serde(default)]
    pub for_each: Option<String>,
}

/// A parsed, checked plan.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The layout's name (`kubeadm`, `hard-way`, or a custom plan's).
    pub layout: String,
    /// The layout's default service CIDR, used when `--service-cidr` is not given
    /// (kubeadm's `10.96.0.0/12` when the plan names none).
    #[serde(default)]
    pub service_cidr: Option<String>,
    /// The layout's default API server endpoint host, a template (`{control_plane}` when the
    /// plan names none), used when `--control-plane-endpoint` is not given.
    #[serde(default)]
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

/// A credential with every placeholder expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// Name for reports.
    pub name: String,
    /// CA, leaf or key pair.
    pub kind: Kind,
    /// Signing CA's name.
    pub ca: Option<String>,
    /// File prefix, relative to the output directory.
    pub file: Option<String>,
    /// Kubeconfig path, relative to the output directory.
    pub kubeconfig: Option<String>,
    /// The kubeconfig's server URL.
    pub server: String,
    /// What the certificate says (unused for key pairs).
    pub spec: CertSpec,
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
        let plan: Plan = crate::yaml::from_str(text)
            .map_err(|e| Error::input(source, format!("invalid plan: {e}")))?;
        plan.check().map_err(|p| Error::input(source, p))?;
        Ok(plan)
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

    fn check(&self) -> std::result::Result<(), String> {
        if let Some(cidr) = &self.service_cidr {
            first_service_ip(cidr)?;
        }
        if let Some(e) = &self.endpoint
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
        for e in &self.credentials {
            if e.name.is_empty() {
                return Err("an entry has no name".into());
            }
            if !names.insert(&e.name) {
                return Err(format!("entry {:?} appears twice", e.name));
            }
            if e.for_each.as_deref().is_some_and(|f| f != "node") {
                return Err(format!("entry {:?}: for_each must be `node`", e.name));
            }
            for path in e.file.iter().chain(e.kubeconfig.iter()) {
                if Path::new(path).is_absolute() || path.split('/').any(|c| c == "..") {
                    return Err(format!(
                        "entry {:?}: {path:?} must be a relative path inside --dir",
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
            match e.kind {
                Kind::Ca => {
                    if e.ca.is_some() || e.kubeconfig.is_some() || e.file.is_none() {
                        return Err(format!(
                            "CA {:?} needs a file and takes no ca or kubeconfig",
                            e.name
                        ));
                    }
                    if e.cn.is_empty() {
                        return Err(format!("CA {:?} needs a cn", e.name));
                    }
                    cas.insert(e.name.clone());
                }
                Kind::Keypair => {
                    if e.file.is_none() || e.kubeconfig.is_some() || e.ca.is_some() {
                        return Err(format!(
                            "keypair {:?} needs a file and nothing else",
                            e.name
                        ));
                    }
                }
                Kind::Cert => {
                    let ca =
                        e.ca.as_ref()
                            .ok_or_else(|| format!("entry {:?} names no signing ca", e.name))?;
                    if !cas.contains(ca) {
                        return Err(format!(
                            "entry {:?} is signed by {ca:?}, which is not a CA listed before it",
                            e.name
                        ));
                    }
                    if e.file.is_none() && e.kubeconfig.is_none() {
                        return Err(format!(
                            "entry {:?} writes neither a file nor a kubeconfig",
                            e.name
                        ));
                    }
                    if e.cn.is_empty() {
                        return Err(format!("entry {:?} needs a cn", e.name));
                    }
                }
            }
        }
        Ok(())
    }

    /// Expand every entry with `params`, in plan order.
    pub fn expand(&self, params: &Params) -> Result<Vec<Credential>> {
        let mut out = Vec::new();
        let first = params.control_plane.clone();
        for e in &self.credentials {
            let nodes: Vec<&String> = if e.for_each.is_some() {
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
    let mut sans = Vec::new();
    let mut seen = BTreeSet::new();
    for pattern in &e.sans {
        for text in substitute(pattern, p, node) {
            let san: San = text
                .parse()
                .map_err(|m| Error::Usage(format!("{}: SAN {m}", e.name)))?;
            if seen.insert(san.clone()) {
                sans.push(san);
            }
        }
    }
    let validity = match &e.validity {
        Some(v) => crate::duration::parse(v).map_err(Error::Usage)?,
        None if e.kind == Kind::Ca => CA_VALIDITY,
        None => LEAF_VALIDITY,
    };
    let spec = CertSpec {
        subject: Subject {
            common_name: one(&e.cn),
            organizations: e
                .groups
                .iter()
                .map(|g| one(g))
                .filter(|g| !g.is_empty())
                .collect(),
        },
        usage: (e.kind != Kind::Ca).then_some(e.usage),
        sans,
        validity: clamp_positive(validity),
    };
    Ok(Credential {
        name: one(&e.name),
        kind: e.kind,
        ca: e.ca.clone(),
        file: e.file.as_deref().map(one),
        kubeconfig: e.kubeconfig.as_deref().map(one),
        server: one(e.server.as_deref().unwrap_or("https://{endpoint}")),
        spec,
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
        let sans: Vec<String> = apiserver.spec.sans.iter().map(|s| s.to_string()).collect();
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
        assert_eq!(etcd.spec.subject.common_name, "cp-1");
        let kubelet = creds.iter().find(|c| c.name == "kubelet.conf/w-1").unwrap();
        assert_eq!(
            kubelet.kubeconfig.as_deref(),
            Some("nodes/w-1/kubelet.conf")
        );
        assert_eq!(kubelet.spec.subject.organizations, ["system:nodes"]);
        assert_eq!(kubelet.server, "https://cp-1:6443");
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
                "inside --dir",
            ),
            (
                "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca, cn: c, bogus: 1}\n",
                "invalid plan",
            ),
        ];
        for (text, want) in cases {
            let err = Plan::parse("p.yaml", text).unwrap_err().to_string();
            assert!(err.contains("p.yaml") && err.contains(want), "{err}");
        }
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
