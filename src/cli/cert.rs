//! `kcred cert issue`, `kcred cert sign` and `kcred cert inspect`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use jiff::{SignedDuration, Timestamp};
use kcred::fsio::{self, Output};
use kcred::keys::PrivateKey;
use kcred::output::{self, go_list, names, quoted, sanitize};
use kcred::pki::{self, CertFacts, CertSpec, San, Usage};

use super::args::{CaArgs, IdentityArgs, KeyArgs, OutputArg, parse_duration, warn, with_ext};
use crate::exit_codes::ExitStatus;

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum CertCommand {
    /// Sign a client, server or peer certificate for an identity: PREFIX.crt and PREFIX.key.
    Issue(Box<IssueArgs>),
    /// Show a certificate (PEM or DER, single or bundle), or the certificates a kubeconfig
    /// holds, as the API server would read them.
    ///
    /// With -o json|yaml the output is always a list with one entry per certificate (one for
    /// a single certificate file); each entry has the RFC 4514 subject and issuer strings and
    /// the same names as subjectAttributes/issuerAttributes ({type, oid, value} each).
    Inspect(InspectArgs),
    /// Sign a CSR (PEM or DER PKCS#10, or a CertificateSigningRequest in YAML or JSON).
    Sign(Box<SignArgs>),
}

#[derive(Debug, Args)]
pub struct SignArgs {
    #[command(flatten)]
    ca: CaArgs,
    /// The request: PEM or DER PKCS#10, or a certificates.k8s.io/v1 CertificateSigningRequest
    /// (YAML or JSON); `-` for stdin.
    #[arg(long, value_name = "FILE")]
    csr: PathBuf,
    /// Write the certificate (PEM) to exactly this file, or `-` for stdout.
    #[arg(long, value_name = "FILE|-")]
    out: PathBuf,
    /// client, server (SANs from the CSR) or peer; default client, or what a
    /// CertificateSigningRequest's usages say.
    #[arg(long, value_name = "client|server|peer", value_parser = super::values::usage())]
    usage: Option<Usage>,
    /// Longest lifetime to give (a request's expirationSeconds may ask for less); never
    /// beyond the CA's.
    #[arg(long, value_name = "D", default_value = "1y", value_parser = parse_duration)]
    validity: SignedDuration,
    /// Replace an existing FILE.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
// --list-profiles needs no CA: it only prints.
#[command(mut_arg("ca", |a| a.required_unless_present("list_profiles")))]
pub struct IssueArgs {
    #[command(flatten)]
    ca: CaArgs,
    /// Write PREFIX.crt and PREFIX.key (parent directories are created 0700).
    #[arg(long, value_name = "PREFIX", value_parser = super::args::parse_out_prefix, required_unless_present = "list_profiles")]
    out: Option<super::args::Prefix>,
    /// Print the embedded identity profiles (YAML, the format --profiles reads) and exit.
    #[arg(long, conflicts_with_all = ["out", "ca", "ca_cert", "ca_key"])]
    list_profiles: bool,
    #[command(flatten)]
    identity: IdentityArgs,
    /// client (clientAuth), server (serverAuth, needs a SAN) or peer (both).
    #[arg(long, value_name = "client|server|peer", default_value = "client", value_parser = super::values::usage())]
    usage: Usage,
    /// Subject alternative name: a DNS name or an IP address; repeatable.
    #[arg(long = "san", value_name = "DNS-NAME-OR-IP", value_parser = super::values::san)]
    sans: Vec<San>,
    #[command(flatten)]
    key: KeyArgs,
    /// Lifetime (Go style 8760h, or 365d, 1y); never beyond the CA's.
    #[arg(long, value_name = "D", default_value = "1y", value_parser = parse_duration)]
    validity: SignedDuration,
    /// Replace existing files.
    #[arg(long, conflicts_with = "skip_existing")]
    force: bool,
    /// Keep existing files that still fit (same subject, SANs, usage and key type, signed by
    /// the CA, not expired): exit 0; report one that does not fit and exit 1, writing nothing.
    #[arg(long)]
    skip_existing: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Certificate file (PEM or DER, one or a bundle) or kubeconfig; `-` for stdin.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    output: OutputArg,
}

pub fn run(cmd: CertCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        CertCommand::Issue(a) => issue(*a),
        CertCommand::Inspect(a) => inspect(a),
        CertCommand::Sign(a) => sign(*a),
    }
}

fn sign(a: SignArgs) -> anyhow::Result<ExitStatus> {
    // `-` is stdout, as kubectl, openssl and cfssl read it: a certificate is public.
    let to_stdout = a.out == std::path::Path::new("-");
    if !to_stdout {
        fsio::check_writable(&[&a.out], a.force)?;
    }
    let source = fsio::display(&a.csr);
    let bytes = fsio::read(&a.csr)?;
    // The CSR's own signature is verified here, before anything else is looked at.
    let request = pki::read_signing_request(&a.csr, &bytes).context("refusing the CSR")?;
    let issuer = a.ca.load()?;
    let opts = pki::SignOptions {
        usage: a.usage,
        validity: a.validity,
    };
    let (spec, issued) =
        pki::sign_request(&issuer, &source, &request, &opts).context("refusing the CSR")?;
    for w in &issued.warnings {
        warn(w);
    }
    let facts = CertFacts::from_der(&issued.der).map_err(anyhow::Error::msg)?;
    if spec.usage.is_some_and(Usage::client) {
        for w in facts.kubernetes.warnings() {
            warn(&w);
        }
    }
    let place = if to_stdout {
        super::emit(issued.pem())?;
        "stdout".to_string()
    } else {
        fsio::write_all(
            &[Output::public(&a.out, issued.pem().into_bytes())],
            a.force,
        )?;
        a.out.display().to_string()
    };
    eprintln!(
        "signed {} certificate for {} {} (expires {}): {place}",
        spec.usage.unwrap_or_default(),
        quoted(&facts.kubernetes.user),
        names(&facts.kubernetes.groups),
        facts.not_after.strftime("%Y-%m-%d"),
    );
    Ok(ExitStatus::Success)
}

/// The spec for `cert issue` (and later `csr create`, `kubeconfig --ca`): identity, usage, SANs.
pub fn leaf_spec(
    identity: &IdentityArgs,
    usage: Usage,
    sans: &[San],
    validity: SignedDuration,
) -> anyhow::Result<CertSpec> {
    let id = identity.identity()?;
    // The rules are the library's (CertSpec::for_leaf); the words name the flags.
    CertSpec::for_leaf(id, identity.node.as_deref(), usage, sans.to_vec(), validity).map_err(|e| {
        let msg = match e {
            pki::LeafError::NeedsSan { usage } => format!(
                "--usage {usage} needs at least one --san (a DNS name or IP the server answers on)"
            ),
            pki::LeafError::NoIdentity { .. } => "say who the certificate is for: --cn NAME [--group G]..., --admin, --node NAME or --profile NAME".into(),
            pki::LeafError::NodeSan { problem, .. } => problem,
        };
        kcred::Error::Usage(msg).into()
    })
}

/// A freshly signed leaf and its key.
pub struct Minted {
    /// The key, PEM in the format `--key-format` asks for (kubeadm's by default).
    pub key_pem: Vec<u8>,
    /// The certificate.
    pub issued: kcred::pki::Issued,
    /// What it says.
    pub facts: CertFacts,
}

/// Sign `spec` by `issuer` for `existing_key` (or a new key of `--key-type`), and warn about
/// what the user should know (validity clamped to the CA's, a risky identity).
pub fn mint(
    issuer: &kcred::pki::Issuer,
    spec: &CertSpec,
    existing_key: Option<PrivateKey>,
    key_args: &KeyArgs,
) -> anyhow::Result<Minted> {
    let key_type = existing_key
        .as_ref()
        .map_or(key_args.key_type, PrivateKey::key_type);
    let format = key_args.format_for(key_type)?;
    let (key_pem, issued) = issuer.mint(spec, existing_key, key_args.key_type, format)?;
    for w in &issued.warnings {
        warn(w);
    }
    let facts = CertFacts::from_der(&issued.der).map_err(anyhow::Error::msg)?;
    for w in facts.kubernetes.warnings() {
        warn(&w);
    }
    Ok(Minted {
        key_pem: key_pem.as_bytes().to_vec(),
        issued,
        facts,
    })
}

fn issue(a: IssueArgs) -> anyhow::Result<ExitStatus> {
    if a.list_profiles {
        // The template byte for byte: a `--profiles FILE` of one's own starts from it.
        super::emit(kcred::identity::EMBEDDED_PROFILES)?;
        return Ok(ExitStatus::Success);
    }
    let Some(out) = &a.out else {
        return Err(kcred::Error::Usage("--out is required".into()).into());
    };
    let crt = with_ext(out, "crt");
    let key_path = with_ext(out, "key");
    let spec = leaf_spec(&a.identity, a.usage, &a.sans, a.validity)?;
    let existing_key = a.key.load()?;
    let writes_key = existing_key.is_none();
    let outputs: Vec<&std::path::Path> = if writes_key {
        vec![&crt, &key_path]
    } else {
        vec![&crt]
    };
    if let Some(present) = super::ca::present(&outputs, a.force, a.skip_existing)? {
        let issuer = a.ca.load()?;
        return Ok(super::ca::settle(issue_fit(
            &a,
            &spec,
            &issuer,
            existing_key,
            (&crt, &key_path),
            &present,
        )));
    }
    if writes_key {
        fsio::check_writable(&[&crt, &key_path], a.force)?;
    } else {
        fsio::check_writable(&[&crt], a.force)?;
    }
    let issuer = a.ca.load()?;
    let Minted {
        key_pem,
        issued,
        facts,
    } = mint(&issuer, &spec, existing_key, &a.key)?;
    let mut outputs = Vec::new();
    if writes_key {
        outputs.push(Output::secret(&key_path, key_pem));
    }
    outputs.push(Output::public(&crt, issued.pem().into_bytes()));
    fsio::write_all(&outputs, a.force)?;
    eprintln!(
        "issued {} certificate for {} {} (expires {}): {}",
        spec.usage.unwrap_or_default(),
        quoted(&facts.kubernetes.user),
        names(&facts.kubernetes.groups),
        facts.not_after.strftime("%Y-%m-%d"),
        crt.display()
    );
    Ok(ExitStatus::Success)
}

/// Whether the existing PREFIX.crt (and PREFIX.key, or `--key`) is what `cert issue` would
/// make: the fit checks `bootstrap` applies to a plan entry (`kcred::bootstrap::fit`).
fn issue_fit(
    a: &IssueArgs,
    spec: &CertSpec,
    issuer: &kcred::pki::Issuer,
    given_key: Option<PrivateKey>,
    (crt, key_path): (&std::path::Path, &std::path::Path),
    present: &[PathBuf],
) -> super::ca::Fit {
    let key = match given_key {
        Some(k) => {
            super::ca::all_there(&[crt], present)?;
            k
        }
        None => {
            super::ca::all_there(&[crt, key_path], present)?;
            let k = super::ca::read_key(key_path)?;
            if let Some(why) = kcred::bootstrap::fit::key_type_misfit(&k, a.key.key_type) {
                return Err((key_path.to_path_buf(), why));
            }
            k
        }
    };
    let cert = super::ca::read_cert(crt)?;
    let (ca_crt, _) = a.ca.paths().map_err(|e| (PathBuf::new(), e.to_string()))?;
    if let Some(why) = kcred::bootstrap::fit::misfit(
        spec,
        &ca_crt.display().to_string(),
        &key,
        &cert,
        issuer.cert_der(),
        Timestamp::now(),
        "the command line",
    ) {
        return Err((crt.to_path_buf(), why));
    }
    Ok(format!(
        "{} certificate for {} {}: {}",
        spec.usage.unwrap_or_default(),
        quoted(&spec.subject.common_name),
        names(&spec.subject.organizations),
        present
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    ))
}

/// One certificate as `cert inspect -o json|yaml` shows it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Inspected {
    /// Where in a kubeconfig it was found: `cluster "NAME" certificate-authority-data`,
    /// `user "NAME" client-certificate`, ...; absent for a certificate file.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    /// Its place in that bundle (or file): certificate `index` of `count`, from 1.
    index: usize,
    count: usize,
    #[serde(flatten)]
    facts: CertFacts,
    time_left: String,
    expired: bool,
    warnings: Vec<String>,
}

/// Certificates found in one place: a file, or one field of a kubeconfig.
struct Found {
    source: Option<String>,
    /// Where to blame a bad certificate.
    path: String,
    ders: Vec<Vec<u8>>,
}

/// The certificates a kubeconfig holds, in file order: each cluster's CA bundle
/// (`certificate-authority-data`, or the `certificate-authority` file, resolved against the
/// kubeconfig's directory as client-go `ResolveLocalPaths` does), then each user's client
/// certificate (`client-certificate-data` or `client-certificate`). `None` when `bytes` is
/// not a kubeconfig.
fn kubeconfig_certs(file: &std::path::Path, bytes: &[u8]) -> anyhow::Result<Option<Vec<Found>>> {
    let source = fsio::display(file);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(None);
    };
    // A file that says it is a kubeconfig is judged as one: its own error (bad YAML, bad
    // base64), not "neither PEM nor DER".
    let kubeconfig_like = looks_like_kubeconfig(text);
    let mut kc = match kcred::kubeconfig::Kubeconfig::from_yaml(&source, text) {
        Ok(kc) => kc,
        Err(e) if kubeconfig_like => return Err(e.into()),
        Err(_) => return Ok(None),
    };
    if kc.clusters.is_empty() && kc.users.is_empty() && !kubeconfig_like {
        return Ok(None);
    }
    if file != std::path::Path::new("-") {
        kc.set_origin(file);
    }
    let mut found = Vec::new();
    let mut add = |label: String, data: &[u8], path: String| -> anyhow::Result<()> {
        let ders = pki::read_certificates(std::path::Path::new(&path), data)
            .with_context(|| format!("{source}: {label}"))?;
        found.push(Found {
            source: Some(label),
            path,
            ders,
        });
        Ok(())
    };
    for c in &kc.clusters {
        let name = quoted(&c.name);
        if let Some(data) = &c.cluster.certificate_authority_data {
            add(
                format!("cluster {name} certificate-authority-data"),
                data,
                source.clone(),
            )?;
        }
        if !c.cluster.certificate_authority.is_empty() {
            let p = c.resolve(&c.cluster.certificate_authority);
            let label = format!("cluster {name} certificate-authority");
            let data = fsio::read(&p).with_context(|| format!("{source}: {label}"))?;
            add(label, &data, fsio::display(&p))?;
        }
    }
    for u in &kc.users {
        let name = quoted(&u.name);
        if let Some(data) = &u.user.client_certificate_data {
            add(
                format!("user {name} client-certificate-data"),
                data,
                source.clone(),
            )?;
        }
        if !u.user.client_certificate.is_empty() {
            let p = u.resolve(&u.user.client_certificate);
            let label = format!("user {name} client-certificate");
            let data = fsio::read(&p).with_context(|| format!("{source}: {label}"))?;
            add(label, &data, fsio::display(&p))?;
        }
    }
    if found.is_empty() {
        return Err(kcred::Error::input(
            &source,
            "a kubeconfig without certificates (no certificate-authority[-data] or client-certificate[-data])",
        )
        .into());
    }
    Ok(Some(found))
}

/// Whether `text` names the fields of a kubeconfig (YAML or JSON) at its top level.
fn looks_like_kubeconfig(text: &str) -> bool {
    const FIELDS: [&str; 4] = ["clusters", "users", "contexts", "current-context"];
    let yaml_key = |l: &str| {
        l.starts_with("kind: Config")
            || FIELDS
                .iter()
                .any(|f| l.strip_prefix(f).is_some_and(|r| r.starts_with(':')))
    };
    text.lines().any(yaml_key) || FIELDS.iter().any(|f| text.contains(&format!("\"{f}\"")))
}

fn inspect(a: InspectArgs) -> anyhow::Result<ExitStatus> {
    let bytes = fsio::read(&a.file)?;
    let found = match pki::read_certificates(&a.file, &bytes) {
        Ok(ders) => vec![Found {
            source: None,
            path: fsio::display(&a.file),
            ders,
        }],
        // Not a certificate: perhaps a kubeconfig; if not, the certificate error stands.
        Err(err) => match kubeconfig_certs(&a.file, &bytes)? {
            Some(found) => found,
            None => return Err(err.into()),
        },
    };
    let now = Timestamp::now();
    let mut shown = Vec::new();
    for f in &found {
        for (i, der) in f.ders.iter().enumerate() {
            let facts = CertFacts::from_der(der)
                .map_err(|p| kcred::Error::input(&f.path, p))
                .context("cannot inspect")?;
            shown.push(Inspected {
                source: f.source.clone(),
                index: i + 1,
                count: f.ders.len(),
                time_left: kcred::duration::short_human(facts.time_left(now)),
                expired: facts.not_after <= now,
                warnings: facts.warnings(now),
                facts,
            });
        }
    }
    // JSON and YAML are always a list, one entry per certificate (a lone certificate file
    // too), so a script reads every input the same way: `jq '.[0].subject'`.
    let rendered = output::structured(a.output.format, &shown)?;
    if let Some(text) = rendered {
        super::emit(&text)?;
        return Ok(ExitStatus::Success);
    }
    for (i, c) in shown.iter().enumerate() {
        if i > 0 {
            super::emit("\n")?;
        }
        // A lone certificate file keeps its plain output; anything else says which one.
        let place = format!("certificate {} of {}", c.index, c.count);
        match &c.source {
            Some(src) => super::emit(format!("{src}: {place}\n"))?,
            None if shown.len() > 1 => super::emit(format!("{place}\n"))?,
            None => {}
        }
        super::emit(table(c))?;
    }
    Ok(ExitStatus::Success)
}

fn table(c: &Inspected) -> String {
    let f = &c.facts;
    let s = |v: &str| sanitize(v);
    let mut rows: Vec<Vec<String>> = vec![
        vec!["Subject:".into(), s(&f.subject)],
        vec!["Issuer:".into(), s(&f.issuer)],
        vec!["Serial:".into(), f.serial.clone()],
        vec!["Not Before:".into(), f.not_before.to_string()],
        vec![
            "Not After:".into(),
            format!(
                "{} ({})",
                f.not_after,
                if c.expired {
                    "expired".to_string()
                } else {
                    format!("{} left", c.time_left)
                }
            ),
        ],
        vec!["Public Key:".into(), f.public_key.clone()],
        vec!["Signature:".into(), f.signature_algorithm.clone()],
        vec!["CA:".into(), f.is_ca.to_string()],
    ];
    if !f.key_usage.is_empty() {
        rows.push(vec!["Key Usage:".into(), f.key_usage.join(", ")]);
    }
    if !f.extended_key_usage.is_empty() {
        rows.push(vec![
            "Extended Key Usage:".into(),
            f.extended_key_usage.join(", "),
        ]);
    }
    if !f.subject_alt_names.is_empty() {
        rows.push(vec!["SANs:".into(), s(&f.subject_alt_names.join(", "))]);
    }
    rows.push(vec![
        "SHA-256 Fingerprint:".into(),
        f.sha256_fingerprint.clone(),
    ]);
    let mut out = output::table(&rows);
    if let Some(e) = &f.go_parse_error {
        out.push_str(&format!(
            "\nKubernetes identity (x509 authenticator): none: Go's crypto/x509 cannot parse the certificate ({})\n",
            s(e)
        ));
        for w in &c.warnings {
            out.push_str(&format!("warning: {}\n", s(w)));
        }
        return out;
    }
    out.push_str("\nKubernetes identity (x509 authenticator):\n");
    let k = &f.kubernetes;
    let mut krows = vec![vec!["ATTRIBUTE".to_string(), "VALUE".to_string()]];
    if !k.user.is_empty() {
        krows.push(vec!["Username".into(), s(&k.user)]);
    }
    if !k.groups.is_empty() {
        krows.push(vec!["Groups".into(), s(&go_list(&k.groups))]);
    }
    for (key, values) in &k.extra {
        krows.push(vec![s(&format!("Extra: {key}")), s(&go_list(values))]);
    }
    out.push_str(&output::table(&krows));
    for w in &c.warnings {
        out.push_str(&format!("warning: {}\n", s(w)));
    }
    out
}
