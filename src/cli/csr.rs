//! `kcred csr create`: a key and a PKCS#10 CSR for an identity, and optionally the
//! `certificates.k8s.io/v1` CertificateSigningRequest that carries it to a cluster.

use std::path::Path;

use clap::{Args, Subcommand};
use jiff::SignedDuration;
use kcred::fsio::{self, Output};
use kcred::keys::PrivateKey;
use kcred::output::{names, quoted, sanitize};
use kcred::pki::{self, CertificateRequest, CertificateSigningRequest, LEAF_VALIDITY, San, Usage};

use super::args::{IdentityArgs, KeyArgs, parse_duration, warn, with_ext};
use super::cert::leaf_spec;
use crate::exit_codes::ExitStatus;

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum CsrCommand {
    /// Make PREFIX.key and PREFIX.csr (and with --k8s-name, PREFIX.yaml: a Kubernetes
    /// CertificateSigningRequest ready for `kubectl apply -f`).
    Create(Box<CreateArgs>),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Write PREFIX.key (0600), PREFIX.csr and, with --k8s-name, PREFIX.yaml.
    #[arg(long, value_name = "PREFIX", value_parser = super::args::parse_out_prefix)]
    out: super::args::Prefix,
    #[command(flatten)]
    identity: IdentityArgs,
    /// client (clientAuth), server (serverAuth, needs a SAN) or peer (both).
    #[arg(long, value_name = "client|server|peer", default_value = "client", value_parser = super::values::usage())]
    usage: Usage,
    /// Subject alternative name to request: a DNS name or an IP address; repeatable.
    #[arg(long = "san", value_name = "DNS-NAME-OR-IP", value_parser = super::values::san)]
    sans: Vec<San>,
    #[command(flatten)]
    key: KeyArgs,
    /// Also write PREFIX.yaml, a certificates.k8s.io/v1 CertificateSigningRequest named NAME.
    #[arg(long, value_name = "NAME")]
    k8s_name: Option<String>,
    /// The object's spec.signerName (default: kube-apiserver-client, or the kubelet signers
    /// for --node).
    #[arg(long, value_name = "NAME", requires = "k8s_name")]
    signer_name: Option<String>,
    /// The object's spec.expirationSeconds (at least 10m; e.g. 24h, 30d).
    #[arg(long, value_name = "D", requires = "k8s_name", value_parser = parse_duration)]
    expiration: Option<SignedDuration>,
    /// Replace existing files.
    #[arg(long, conflicts_with = "skip_existing")]
    force: bool,
    /// Keep existing files that still fit (a CSR for the same subject and SANs, signed by
    /// the key, of the key type asked; the object naming it): exit 0; report one that does
    /// not fit and exit 1, writing nothing.
    #[arg(long)]
    skip_existing: bool,
}

pub fn run(cmd: CsrCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        CsrCommand::Create(a) => create(*a),
    }
}

fn create(a: CreateArgs) -> anyhow::Result<ExitStatus> {
    let key_path = with_ext(&a.out, "key");
    let csr_path = with_ext(&a.out, "csr");
    let yaml_path = with_ext(&a.out, "yaml");
    let spec = leaf_spec(&a.identity, a.usage, &a.sans, LEAF_VALIDITY)?;
    let existing_key = a.key.load()?;
    let writes_key = existing_key.is_none();
    let mut paths: Vec<&std::path::Path> = vec![&csr_path];
    if writes_key {
        paths.push(&key_path);
    }
    if a.k8s_name.is_some() {
        paths.push(&yaml_path);
    }
    if let Some(present) = super::ca::present(&paths, a.force, a.skip_existing)? {
        return Ok(super::ca::settle(csr_fit(
            &a,
            &spec,
            existing_key,
            (&key_path, &csr_path, &yaml_path),
            &paths,
            &present,
        )));
    }
    fsio::check_writable(&paths, a.force)?;
    let key = match existing_key {
        Some(k) => k,
        None => PrivateKey::generate(a.key.key_type)?,
    };
    let format = a.key.format_for(key.key_type())?;
    let der = pki::create_csr(&spec.subject, &spec.sans, &key)?;
    let mut outputs = Vec::new();
    if writes_key {
        outputs.push(Output::secret(
            &key_path,
            key.to_pem(format)?.as_bytes().to_vec(),
        ));
    }
    outputs.push(Output::public(&csr_path, pki::csr_pem(&der).into_bytes()));
    let mut signer = None;
    if let Some(name) = &a.k8s_name {
        let (object, signer_name) = csr_object(&a, name, &csr_path, &yaml_path, &der)?;
        outputs.push(object);
        signer = Some(signer_name);
    }
    if a.usage.client() {
        let id = kcred::Identity::new(
            spec.subject.common_name.clone(),
            spec.subject.organizations.clone(),
        );
        for w in id.warnings() {
            warn(&w);
        }
    }
    fsio::write_all(&outputs, a.force)?;
    let written: Vec<String> = outputs
        .iter()
        .map(|o| o.path.display().to_string())
        .collect();
    eprintln!(
        "{}",
        sanitize(&format!(
            "created {} CSR for {} {}{}: {}",
            a.usage,
            quoted(&spec.subject.common_name),
            names(&spec.subject.organizations),
            signer.map(|s| format!(" (signer {s})")).unwrap_or_default(),
            written.join(", ")
        ))
    );
    Ok(ExitStatus::Success)
}

/// The CertificateSigningRequest object for `--k8s-name`: its signer (`--signer-name`, else
/// the one Kubernetes has for the usage), refused here when that signer's rules would refuse
/// it in the cluster (`pkg/controller/certificates/signer`), and its YAML output.
fn csr_object(
    a: &CreateArgs,
    name: &str,
    csr_path: &std::path::Path,
    yaml_path: &std::path::Path,
    der: &[u8],
) -> anyhow::Result<(Output, String)> {
    let request = CertificateRequest::from_der(&csr_path.display().to_string(), der)?;
    let signer_name = match &a.signer_name {
        Some(s) => s.clone(),
        None => pki::default_signer(a.usage, a.identity.node.is_some())
            .ok_or_else(|| {
                kcred::Error::Usage(format!(
                    "no Kubernetes signer issues {} certificates{}; pass --signer-name NAME",
                    a.usage,
                    if a.identity.node.is_some() {
                        " for a node"
                    } else {
                        " for this identity"
                    }
                ))
            })?
            .to_string(),
    };
    let usages = pki::usages_for(a.usage, request.is_rsa);
    // Refuse here what the cluster's signer would refuse later.
    pki::check_signer_rules(&signer_name, &request, &usages).map_err(kcred::Error::Usage)?;
    let object = CertificateSigningRequest::new(name, der, &signer_name, usages, a.expiration)?;
    Ok((
        Output::public(yaml_path, object.to_yaml()?.into_bytes()),
        signer_name,
    ))
}

/// Whether the existing files are what `csr create` would write: PREFIX.csr a request for
/// the same subject and SANs signed by the key, and PREFIX.yaml the object carrying that very
/// request under the same name and signer.
fn csr_fit(
    a: &CreateArgs,
    spec: &pki::CertSpec,
    given_key: Option<PrivateKey>,
    (key_path, csr_path, yaml_path): (&Path, &Path, &Path),
    wanted: &[&Path],
    present: &[std::path::PathBuf],
) -> super::ca::Fit {
    super::ca::all_there(wanted, present)?;
    let key = match given_key {
        Some(k) => k,
        None => {
            let k = super::ca::read_key(key_path)?;
            if let Some(why) = kcred::bootstrap::fit::key_type_misfit(&k, a.key.key_type) {
                return Err((key_path.to_path_buf(), why));
            }
            k
        }
    };
    let request = read_request(csr_path)?.request;
    let bad = |why: String| Err((csr_path.to_path_buf(), why));
    if request.spki_der != key.public_key_der().unwrap_or_default() {
        return bad(format!("not a request for the key {}", key_path.display()));
    }
    if request.subject != spec.subject {
        return bad(format!(
            "subject is CN={:?} O={:?}, the command line says CN={:?} O={:?}",
            request.subject.common_name,
            request.subject.organizations,
            spec.subject.common_name,
            spec.subject.organizations
        ));
    }
    let mut have: Vec<String> = request.sans.iter().map(|s| s.to_string()).collect();
    let mut want: Vec<String> = spec.sans.iter().map(|s| s.to_string()).collect();
    have.sort();
    want.sort();
    if have != want || !request.other_sans.is_empty() {
        return bad(format!(
            "SANs are [{}], the command line says [{}]",
            have.join(", "),
            want.join(", ")
        ));
    }
    if let Some(name) = &a.k8s_name {
        object_fit(a, name, &request, csr_path, yaml_path)?;
    }
    Ok(format!(
        "{} CSR for {} {}: {}",
        a.usage,
        quoted(&spec.subject.common_name),
        names(&spec.subject.organizations),
        present
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    ))
}

/// A request file (PEM, DER or a CertificateSigningRequest object), or why not, with its path.
fn read_request(p: &Path) -> Result<pki::SigningRequest, (std::path::PathBuf, String)> {
    let bytes = fsio::read(p).map_err(|e| (p.to_path_buf(), e.to_string()))?;
    pki::read_signing_request(p, &bytes).map_err(|e| (p.to_path_buf(), e.to_string()))
}

/// PREFIX.yaml against `--k8s-name` and `--signer-name`: a CertificateSigningRequest object
/// carrying the very request in PREFIX.csr.
fn object_fit(
    a: &CreateArgs,
    name: &str,
    request: &pki::CertificateRequest,
    csr_path: &Path,
    yaml_path: &Path,
) -> Result<(), (std::path::PathBuf, String)> {
    let object = read_request(yaml_path)?;
    let why = match &object.object {
        None => Some("not a CertificateSigningRequest object".to_string()),
        Some(_) if object.request.der != request.der => Some(format!(
            "carries another request than {}",
            csr_path.display()
        )),
        Some(o) if o.metadata.name != name => {
            Some(format!("is named {:?}, not {name:?}", o.metadata.name))
        }
        Some(o)
            if a.signer_name
                .as_ref()
                .is_some_and(|s| s != &o.spec.signer_name) =>
        {
            Some(format!("asks the signer {:?}", o.spec.signer_name))
        }
        Some(_) => None,
    };
    match why {
        Some(why) => Err((yaml_path.to_path_buf(), why)),
        None => Ok(()),
    }
}
