//! PKI plans: a cluster's credentials as a table of data, the way kubeadm's `certlist.go` is
//! a table (`templates/plans/*.yaml`). A [`Plan`] is parsed and checked once (unique names,
//! CAs before the leaves they sign, every entry writes something), then expanded with the
//! cluster's parameters into concrete [`Credential`]s that `bootstrap` applies.
//!
//! The pieces follow kubeadm's: `model` is the table's rows (`certlist.go`'s `KubeadmCert`
//! entries, here read from YAML with serde and typed by kind), `expand` fills a row with the
//! cluster's facts as `certlist.go`'s `configMutators` fill a certificate config, `network`
//! the endpoint and service-IP helpers (`cmd/kubeadm/app/util`), and this file the plan as a
//! whole: loading, the cross-row checks, expansion in plan order.

use std::collections::HashSet;
use std::path::Path;

use crate::error::{Error, Result};

mod expand;
mod model;
mod network;
#[cfg(test)]
mod tests;

pub use expand::{CaCredential, CertCredential, Credential, Makes, Params};
pub use model::{CaEntry, CertEntry, Entry, KeypairEntry, Kind, Output, SubjectTemplate};
pub use network::{first_service_ip, format_endpoint};

use expand::expand_entry;
use model::PlanFile;

/// The embedded plans, by layout name.
pub const EMBEDDED: [(&str, &str); 2] = [
    (
        "kubeadm",
        include_str!("../../templates/plans/kubeadm.yaml"),
    ),
    (
        "hard-way",
        include_str!("../../templates/plans/hard-way.yaml"),
    ),
];

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
        if file.credentials.is_empty() {
            return Err("credentials is empty: the plan makes nothing".into());
        }
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
