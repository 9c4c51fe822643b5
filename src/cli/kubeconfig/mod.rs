//! `kcred kubeconfig`: write (or merge into) a kubeconfig for one cluster, user and context,
//! minting a client certificate on the way with `--ca PREFIX` and identity flags. The model,
//! the merge and kubectl's output format live in `kcred::kubeconfig`; this file only turns
//! flags into a cluster, a user and a context, and `fit` judges an existing kubeconfig for
//! `--skip-existing`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use jiff::SignedDuration;
use kcred::fsio::{self, Output};
use kcred::keys::{KeyEncoding, PrivateKey};
use kcred::kubeconfig::{self, Cluster, Context, Kubeconfig, User};
use kcred::output::{names, quoted, sanitize};
use kcred::pki::{self, CertFacts, Issuer, Usage};
use zeroize::Zeroizing;

use super::args::{IdentityArgs, KeyArgs, parse_duration, warn, with_ext};
use crate::exit_codes::ExitStatus;

mod fit;

use fit::kubeconfig_fit;

const NO_CREDENTIAL: &str = "say how the user authenticates: --ca PREFIX with --cn/--admin/--node/--profile, --client-certificate with --client-key, --token or --token-file";

/// Default user name for a token credential.
const TOKEN_USER: &str = "token-user";

#[derive(Debug, Args)]
pub struct KubeconfigArgs {
    /// The API server's URL, e.g. https://10.0.0.1:6443.
    #[arg(long, value_name = "URL")]
    server: String,
    /// Write the kubeconfig here (0600, atomically), or `-` for stdout. Default: stdout, as
    /// `kubeadm kubeconfig user` prints; with --merge, the file kubectl writes to (the first
    /// existing file in KUBECONFIG, else its last, else ~/.kube/config).
    #[arg(long = "out", value_name = "FILE|-")]
    out_flag: Option<PathBuf>,
    /// Where the kubeconfig goes, `-` for stdout: `--out`, or its default (see [`target`]).
    #[arg(skip)]
    out: PathBuf,
    /// CA bundle to trust the API server with (default with --ca: PREFIX.crt).
    #[arg(long, value_name = "FILE")]
    certificate_authority: Option<PathBuf>,
    /// The cluster CA as PREFIX.crt (+ PREFIX.key to mint a client certificate when
    /// identity flags are given).
    #[arg(long, value_name = "PREFIX", value_parser = super::args::parse_prefix)]
    ca: Option<super::args::Prefix>,
    /// An existing client certificate (with --client-key).
    #[arg(long, value_name = "FILE", requires = "client_key", conflicts_with_all = ["token", "token_file"])]
    client_certificate: Option<PathBuf>,
    /// The client certificate's private key.
    #[arg(long, value_name = "FILE", requires = "client_certificate")]
    client_key: Option<PathBuf>,
    /// A bearer token (static token, ServiceAccount token, bootstrap token).
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    token: Option<String>,
    /// A file holding a bearer token (embedded, or named as tokenFile with --no-embed).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    #[command(flatten)]
    identity: IdentityArgs,
    #[command(flatten)]
    key: KeyArgs,
    /// Lifetime of a minted certificate (Go style 8760h, or 365d, 1y); never beyond the CA's.
    #[arg(long, value_name = "D", default_value = "1y", value_parser = parse_duration)]
    validity: SignedDuration,
    /// Cluster name.
    #[arg(long, value_name = "NAME", default_value = "kubernetes")]
    cluster: String,
    /// User name (default: the certificate's CN, or token-user).
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// Context name (default: USER@CLUSTER).
    #[arg(long, value_name = "NAME", value_hint = clap::ValueHint::Other)]
    context: Option<String>,
    /// The context's default namespace.
    #[arg(long, value_name = "NS")]
    namespace: Option<String>,
    /// Name files by path (relative to the kubeconfig's directory) instead of embedding
    /// them; a minted certificate and key go next to the kubeconfig (NAME.crt, NAME.key).
    #[arg(long)]
    no_embed: bool,
    /// kubectl's --embed-certs: embed the certificates and key (the default);
    /// `--embed-certs=false` is --no-embed.
    #[arg(long, value_name = "true|false", num_args = 0..=1, require_equals = true, default_missing_value = "true", conflicts_with = "no_embed")]
    embed_certs: Option<bool>,
    /// Do not verify the API server's certificate (kubectl's cluster field
    /// insecure-skip-tls-verify). Not with a CA: kubectl refuses the two together.
    #[arg(long, value_name = "true|false", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    insecure_skip_tls_verify: Option<bool>,
    /// The name to verify the API server's certificate against, when it is not the
    /// --server host (kubectl's cluster field tls-server-name).
    #[arg(long, value_name = "NAME")]
    tls_server_name: Option<String>,
    /// Add to (or replace by name in) the existing file, keeping everything else.
    #[arg(long)]
    merge: bool,
    /// Make the new context the current one (as `kubectl config use-context`). Without
    /// --merge it always is; a merge otherwise keeps the file's current context.
    #[arg(long)]
    use_context: bool,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
    /// Keep an existing kubeconfig that still fits (same server, CA, cluster and user; a
    /// minted client certificate for the same identity, signed by the CA, not expired): exit
    /// 0; report one that does not fit and exit 1, writing nothing. For Makefiles.
    #[arg(long, conflicts_with_all = ["force", "merge", "no_embed"])]
    skip_existing: bool,
}

/// Where a kubeconfig's files go and how they are named in it.
struct Place {
    /// `None` for stdout.
    file: Option<PathBuf>,
    dir: PathBuf,
}

impl Place {
    /// Where a PEM copy of the DER file `input` goes with `--no-embed`: next to the
    /// kubeconfig, named after it without its extension plus `suffix` (`.crt`, `.key`,
    /// `-ca.crt`). kubectl reads only PEM from the files a kubeconfig names (client-go
    /// `transport`: `x509.CertPool.AppendCertsFromPEM` for the CA, `tls.X509KeyPair` for the
    /// client pair), so naming the DER file itself would give a kubeconfig it cannot use.
    fn pem_copy(&self, input: &Path, suffix: &str, flag: &str) -> anyhow::Result<PathBuf> {
        let Some(file) = &self.file else {
            return Err(kcred::Error::Usage(format!(
                "--no-embed with --out -: {flag} {} is DER, which kubectl cannot read from a file; give --out FILE (kcred then writes a PEM copy next to it) or leave out --no-embed to embed it as PEM",
                input.display()
            ))
            .into());
        };
        let mut name = file.with_extension("").into_os_string();
        name.push(suffix);
        let copy = PathBuf::from(name);
        if &copy == file || same_file(&copy, input) {
            return Err(kcred::Error::Usage(format!(
                "--no-embed: {flag} {} is DER, which kubectl cannot read from a file, and its PEM copy would go to {}, which is {}: give the kubeconfig another name",
                input.display(),
                copy.display(),
                if &copy == file { "the kubeconfig itself" } else { "that input itself" }
            ))
            .into());
        }
        Ok(copy)
    }

    /// How the kubeconfig names `path` (given relative to the current directory): relative
    /// to the kubeconfig's directory, or absolute when the kubeconfig goes to stdout.
    fn name(&self, path: &Path) -> anyhow::Result<String> {
        let p = match &self.file {
            Some(_) => kubeconfig::relative_to(path, &self.dir),
            None => std::path::absolute(path).map_err(|e| kcred::Error::io(path, e))?,
        };
        p.to_str()
            .map(str::to_owned)
            .ok_or_else(|| kcred::Error::input(fsio::display(path), "path is not UTF-8").into())
    }
}

/// Whether `a` and `b` are the same file: the same path once made absolute and cleaned, or
/// (when both exist) the same device and inode.
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    if let (Ok(x), Ok(y)) = (std::path::absolute(a), std::path::absolute(b))
        && kubeconfig::relative_to(&x, &y) == Path::new(".")
    {
        return true;
    }
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Not even --force may write a file next to the kubeconfig over one of the inputs
/// (`--ca pki/ca --no-embed --out pki/ca.conf` would put the client certificate over the
/// CA's).
fn refuse_overwriting_inputs(a: &KubeconfigArgs, outputs: &[&Path]) -> anyhow::Result<()> {
    let mut inputs: Vec<PathBuf> = Vec::new();
    if let Some(prefix) = &a.ca {
        inputs.extend([with_ext(prefix, "crt"), with_ext(prefix, "key")]);
    }
    inputs.extend(a.certificate_authority.iter().cloned());
    inputs.extend(a.client_certificate.iter().cloned());
    inputs.extend(a.client_key.iter().cloned());
    inputs.extend(a.token_file.iter().cloned());
    inputs.extend(a.key.key.iter().cloned());
    for out in outputs {
        if let Some(input) = inputs.iter().find(|i| same_file(out, i)) {
            return Err(kcred::Error::Usage(format!(
                "--no-embed writes {} next to the kubeconfig, which is the input {}: give the kubeconfig another name",
                out.display(),
                input.display()
            ))
            .into());
        }
    }
    Ok(())
}

/// The user entry and the files it needs written.
struct Credential {
    user: User,
    default_name: String,
    files: Vec<Output>,
    /// Said after writing (PEM copies of DER inputs).
    notes: Vec<String>,
    /// What was minted, said once the kubeconfig holding it is written, never before.
    issued: Option<String>,
}

/// Where the kubeconfig goes without `--out`: stdout, as `kubeadm kubeconfig user` prints it;
/// with `--merge`, the file kubectl itself writes a new entry to
/// ([`kubeconfig::default_write_path`]).
fn target(out: Option<&Path>, merge: bool) -> anyhow::Result<PathBuf> {
    match (out, merge) {
        (Some(o), _) => Ok(o.to_path_buf()),
        (None, false) => Ok(PathBuf::from("-")),
        (None, true) => kubeconfig::default_write_path().ok_or_else(|| {
            kcred::Error::Usage(
                "--merge without --out merges into ~/.kube/config, but HOME is not set: give --out FILE"
                    .into(),
            )
            .into()
        }),
    }
}

pub fn run(mut a: KubeconfigArgs) -> anyhow::Result<ExitStatus> {
    let minting = check_flags(&mut a)?;
    let to_stdout = a.out == Path::new("-");
    let place = Place {
        file: (!to_stdout).then(|| a.out.clone()),
        dir: match a.out.parent() {
            Some(p) if !p.as_os_str().is_empty() && !to_stdout => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    };
    // Refuse early (before a slow key generation) rather than after.
    if !to_stdout && !a.merge {
        if super::ca::present(&[&a.out], a.force, a.skip_existing)?.is_some() {
            return Ok(super::ca::settle(kubeconfig_fit(&a, minting)));
        }
        fsio::check_writable(&[&a.out], a.force)?;
    }
    let built = assemble(&a, &place, minting)?;
    if to_stdout {
        super::emit(&built.yaml)?;
        if let Some(issued) = &built.issued {
            eprintln!("{issued}");
        }
        return Ok(ExitStatus::Success);
    }
    write(&a, &built)?;
    Ok(ExitStatus::Success)
}

fn usage(m: &str) -> anyhow::Error {
    kcred::Error::Usage(m.to_string()).into()
}

/// The flag combinations refused before anything is read (usage errors, exit 2), in the
/// order they are reported; settles `--embed-certs=false` into `--no-embed` and `--out` into
/// its default. Whether identity flags ask for a minted certificate.
fn check_flags(a: &mut KubeconfigArgs) -> anyhow::Result<bool> {
    if a.embed_certs == Some(false) {
        if a.skip_existing {
            return Err(usage(
                "--skip-existing checks embedded data: it cannot be used with --embed-certs=false",
            ));
        }
        a.no_embed = true;
    }
    check_insecure(a)?;
    if a.tls_server_name.as_deref() == Some("") {
        return Err(usage("--tls-server-name must not be empty"));
    }
    a.out = target(a.out_flag.as_deref(), a.merge)?;
    if a.server.is_empty() {
        return Err(usage("--server must not be empty"));
    }
    if !a.server.starts_with("https://") {
        warn(&format!(
            "--server {} is not an https:// URL",
            sanitize(&a.server)
        ));
    }
    let to_stdout = a.out == Path::new("-");
    if to_stdout && a.merge {
        return Err(usage("--merge needs --out FILE to merge into"));
    }
    let minting = a.identity.identity()?.is_some();
    if minting && (a.client_certificate.is_some() || a.token.is_some() || a.token_file.is_some()) {
        return Err(usage(
            "identity flags mint a client certificate: do not combine them with --client-certificate, --token or --token-file",
        ));
    }
    if !minting && a.client_certificate.is_none() && a.token.is_none() && a.token_file.is_none() {
        return Err(usage(NO_CREDENTIAL));
    }
    if minting && a.ca.is_none() {
        return Err(usage(
            "identity flags mint a client certificate: give --ca PREFIX to sign it",
        ));
    }
    if minting && a.no_embed && to_stdout {
        return Err(usage(
            "--no-embed writes the minted key and certificate next to the kubeconfig: give --out FILE",
        ));
    }
    Ok(minting)
}

/// client-go refuses a CA with insecure mode when it builds the TLS config
/// (transport/transport.go, TLSConfigFor: "specifying a root certificates file with the
/// insecure flag is not allowed"), and `kubectl config set-cluster` refuses to write one
/// (kubectl/pkg/cmd/config/create_cluster.go, validate).
fn check_insecure(a: &KubeconfigArgs) -> anyhow::Result<()> {
    if a.insecure_skip_tls_verify != Some(true) {
        return Ok(());
    }
    if let Some(f) = &a.certificate_authority {
        return Err(usage(&format!(
            "you cannot specify a certificate authority and insecure mode at the same time (--certificate-authority {} with --insecure-skip-tls-verify): kubectl refuses a kubeconfig with both",
            f.display()
        )));
    }
    if let Some(p) = &a.ca {
        return Err(usage(&format!(
            "you cannot specify a certificate authority and insecure mode at the same time (--ca {} names the cluster CA {}): kubectl refuses a kubeconfig with both; mint with `kcred cert issue` and give --client-certificate/--client-key",
            p.given().display(),
            with_ext(p, "crt").display()
        )));
    }
    Ok(())
}

/// The kubeconfig to write and what goes with it, nothing written yet.
struct Built {
    yaml: String,
    context: String,
    user: String,
    cred_files: Vec<Output>,
    notes: Vec<String>,
    issued: Option<String>,
    /// Entries other contexts use that this one replaces (only with --merge --force).
    rewired: Vec<kubeconfig::Rewired>,
}

/// The cluster, user and context entries, set into a new kubeconfig or (with `--merge`)
/// into the existing one, minting the client certificate if asked.
fn assemble(a: &KubeconfigArgs, place: &Place, minting: bool) -> anyhow::Result<Built> {
    let mut kc = if a.merge && a.out.exists() {
        Kubeconfig::load(&a.out).context("cannot merge")?
    } else {
        Kubeconfig::new()
    };

    let (cluster, ca_files, ca_notes) = cluster(a, place)?;
    let mut cred = credential(a, place, minting)?;
    cred.files.extend(ca_files);
    cred.notes.extend(ca_notes);
    let user = match &a.user {
        Some(u) => u.clone(),
        None => cred.default_name.clone(),
    };
    if user.is_empty() || a.cluster.is_empty() {
        return Err(usage(
            "the user and cluster names must not be empty (the certificate has no CN? give --user)",
        ));
    }
    let context = a
        .context
        .clone()
        .unwrap_or_else(|| kubeconfig::context_name(&user, &a.cluster));
    let mut ctx = Context::new(&a.cluster, &user);
    if let Some(ns) = &a.namespace {
        ctx = ctx.with_namespace(ns);
    }
    // Replacing an entry other contexts use changes where they connect or who they are:
    // refused unless forced, and said when forced (after the write).
    let rewired = if a.merge {
        kc.rewired_by(&a.cluster, &cluster, &user, &cred.user, &context)?
    } else {
        Vec::new()
    };
    if !rewired.is_empty() && !a.force {
        let what: Vec<String> = rewired.iter().map(ToString::to_string).collect();
        return Err(kcred::Error::input(
            &a.out,
            format!(
                "refusing to replace {} for other contexts; pass --force to replace {} for them too, or choose another --cluster/--user name",
                what.join(" and "),
                if rewired.len() == 1 { "it" } else { "both" }
            ),
        )
        .into());
    }
    kc.set_cluster(&a.cluster, cluster);
    kc.set_user(&user, cred.user);
    kc.set_context(&context, ctx);
    // A merge leaves the user's choice of context alone, unless there was none or
    // --use-context asks for the new one.
    if !a.merge || a.use_context || kc.current_context.is_empty() {
        kc.current_context = context.clone();
    }
    Ok(Built {
        yaml: kc.to_yaml()?,
        context,
        user,
        cred_files: cred.files,
        notes: cred.notes,
        issued: cred.issued,
        rewired,
    })
}

/// Writes the files next to the kubeconfig, then the kubeconfig (0600, atomically), after
/// checking none of them is an input or (without --force) an existing file; then says what
/// it did.
fn write(a: &KubeconfigArgs, b: &Built) -> anyhow::Result<()> {
    let mut paths: Vec<&Path> = b.cred_files.iter().map(|o| o.path.as_path()).collect();
    refuse_overwriting_inputs(a, &paths)?;
    if !a.merge {
        paths.push(&a.out);
    }
    fsio::check_writable(&paths, a.force)?;
    fsio::write_all(&b.cred_files, a.force)?;
    fsio::write_atomic(&a.out, b.yaml.as_bytes(), fsio::SECRET, a.merge || a.force)?;
    if let Some(issued) = &b.issued {
        eprintln!("{issued}");
    }
    for note in &b.notes {
        eprintln!("{note}");
    }
    for r in &b.rewired {
        warn(&format!("{}: replaced {r}", a.out.display()));
    }
    eprintln!(
        "{} kubeconfig {}: context {} (user {} on cluster {} at {})",
        if a.merge { "merged into" } else { "wrote" },
        a.out.display(),
        quoted(&b.context),
        quoted(&b.user),
        quoted(&a.cluster),
        sanitize(&a.server)
    );
    Ok(())
}

/// The cluster entry, and the PEM copy of a DER CA file it names (with its note), if any.
fn cluster(
    a: &KubeconfigArgs,
    place: &Place,
) -> anyhow::Result<(Cluster, Vec<Output>, Vec<String>)> {
    let (ca_file, flag) = match (&a.certificate_authority, &a.ca) {
        (Some(f), _) => (Some(f.clone()), "--certificate-authority"),
        (None, Some(prefix)) => (Some(with_ext(prefix, "crt")), "--ca"),
        (None, None) => (None, ""),
    };
    let mut cluster = Cluster::new(&a.server);
    cluster.insecure_skip_tls_verify = a.insecure_skip_tls_verify == Some(true);
    cluster.tls_server_name = a.tls_server_name.clone().unwrap_or_default();
    let mut files = Vec::new();
    let mut notes = Vec::new();
    if let Some(f) = ca_file {
        let (pem, was_der) = pem_certificates(&f)?;
        usable_ca_data(&f, &pem)?;
        cluster = if !a.no_embed {
            cluster.with_ca_data(pem)
        } else if was_der {
            let copy = place.pem_copy(&f, "-ca.crt", flag)?;
            let named = place.name(&copy)?;
            files.push(Output::public(&copy, pem));
            notes.push(der_note(&f, &copy));
            cluster.with_ca_file(named)
        } else {
            cluster.with_ca_file(place.name(&f)?)
        };
    }
    Ok((cluster, files, notes))
}

/// The CA is one kubectl can use, all of it: client-go builds its root pool with Go's
/// `AppendCertsFromPEM`, which skips a `CERTIFICATE` block with PEM headers or one Go cannot
/// parse (an unsupported curve, say), and fails when nothing is left. A kubeconfig kubectl
/// cannot load, or one that silently trusts less than the file given, is not written.
fn usable_ca_data(file: &Path, pem: &[u8]) -> anyhow::Result<()> {
    if let Some(why) = kcred::pem::client_go_ca_data_error(pem) {
        return Err(kcred::Error::input(
            fsio::display(file),
            format!("kubectl cannot use it as the cluster's CA ({why})"),
        )
        .into());
    }
    let given = pki::read_certificates(file, pem)?.len();
    let taken = kcred::pem::go_cert_pool(pem).len();
    if taken < given {
        return Err(kcred::Error::input(
            fsio::display(file),
            format!(
                "kubectl would trust only {taken} of its {given} certificates: Go's AppendCertsFromPEM skips a CERTIFICATE block with PEM headers or one x509.ParseCertificate refuses (`kcred check` names which)"
            ),
        )
        .into());
    }
    Ok(())
}

/// Why a DER input got a PEM copy, said once the files are written, so the extra file is no
/// surprise.
fn der_note(input: &Path, copy: &Path) -> String {
    format!(
        "note: {} is DER, which kubectl cannot read from a file: wrote the PEM copy {} and named that in the kubeconfig",
        sanitize(&input.display().to_string()),
        sanitize(&copy.display().to_string())
    )
}

/// A certificate file's certificates as PEM (a DER file is converted: kubectl reads PEM),
/// and whether it was DER.
fn pem_certificates(path: &Path) -> anyhow::Result<(Vec<u8>, bool)> {
    let bytes = fsio::read(path)?;
    let certs = pki::read_certificates(path, &bytes)?;
    if kcred::pem::looks_like_pem(&bytes) {
        return Ok((bytes.to_vec(), false));
    }
    let pem = certs
        .iter()
        .map(|der| kcred::pem::encode("CERTIFICATE", der))
        .collect::<String>()
        .into_bytes();
    Ok((pem, true))
}

/// A private key file as PEM, the key, and whether the file was DER. A DER key
/// (`PrivateKey::from_file_bytes`) is wrapped in the PEM label of its structure, so its
/// encoding is kept.
fn pem_key(path: &Path) -> anyhow::Result<(PrivateKey, Zeroizing<Vec<u8>>, bool)> {
    let bytes = fsio::read(path)?;
    let (key, encoding) = PrivateKey::from_file_bytes(&fsio::display(path), &bytes)?;
    Ok(match encoding {
        KeyEncoding::Pem => (key, bytes, false),
        KeyEncoding::Der(label) => (
            key,
            Zeroizing::new(kcred::pem::encode(label, &bytes).into_bytes()),
            true,
        ),
    })
}

fn credential(a: &KubeconfigArgs, place: &Place, minting: bool) -> anyhow::Result<Credential> {
    if minting {
        return mint(a, place);
    }
    if let (Some(cert), Some(key)) = (&a.client_certificate, &a.client_key) {
        let (cert_pem, cert_der) = pem_certificates(cert)?;
        let certs = pki::read_certificates(cert, &cert_pem)?;
        let facts = CertFacts::from_der(&certs[0])
            .map_err(|p| kcred::Error::input(fsio::display(cert), p))?;
        let (private, key_pem, key_der) = pem_key(key)?;
        if private.public_key_der()? != facts.spki_der {
            return Err(kcred::Error::input(
                fsio::display(key),
                format!("this key does not belong to {}", fsio::display(cert)),
            )
            .into());
        }
        for w in facts.warnings(jiff::Timestamp::now()) {
            warn(&format!("{}: {w}", fsio::display(cert)));
        }
        let mut files = Vec::new();
        let mut notes = Vec::new();
        let user = if a.no_embed {
            let cert_name = if cert_der {
                let copy = place.pem_copy(cert, ".crt", "--client-certificate")?;
                files.push(Output::public(&copy, cert_pem));
                notes.push(der_note(cert, &copy));
                place.name(&copy)?
            } else {
                place.name(cert)?
            };
            let key_name = if key_der {
                let copy = place.pem_copy(key, ".key", "--client-key")?;
                files.push(Output::secret(&copy, key_pem.to_vec()));
                notes.push(der_note(key, &copy));
                place.name(&copy)?
            } else {
                place.name(key)?
            };
            User::client_cert_files(cert_name, key_name)
        } else {
            // Embedded data must be PEM too (`tls.X509KeyPair` reads the `*-data` bytes).
            User::client_cert_data(cert_pem, key_pem.to_vec())
        };
        return Ok(Credential {
            user,
            default_name: facts.kubernetes.user,
            files,
            notes,
            issued: None,
        });
    }
    if let Some(token) = &a.token {
        check_token(token, "--token")?;
        return Ok(Credential {
            user: User::token(token.clone()),
            default_name: TOKEN_USER.into(),
            files: Vec::new(),
            notes: Vec::new(),
            issued: None,
        });
    }
    if let Some(file) = &a.token_file {
        let (_, text) = kcred::token::read_token(None, Some(file), "")?.unwrap_or_default();
        let token = text.trim();
        check_token(token, &fsio::display(file))?;
        let user = if a.no_embed {
            User::token_file(place.name(file)?)
        } else {
            User::token(token)
        };
        return Ok(Credential {
            user,
            default_name: TOKEN_USER.into(),
            files: Vec::new(),
            notes: Vec::new(),
            issued: None,
        });
    }
    Err(kcred::Error::Usage(NO_CREDENTIAL.into()).into())
}

/// A bearer token must be one printable token: a pasted newline or space breaks the header.
fn check_token(token: &str, source: &str) -> anyhow::Result<()> {
    if token.is_empty() {
        return Err(kcred::Error::input(source, "the token is empty").into());
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(kcred::Error::input(
            source,
            "the token contains whitespace or control characters",
        )
        .into());
    }
    Ok(())
}

/// `--ca PREFIX` with identity flags: a fresh key (or `--key`) and a client certificate, as
/// `cert issue` makes them.
fn mint(a: &KubeconfigArgs, place: &Place) -> anyhow::Result<Credential> {
    let Some(prefix) = &a.ca else {
        return Err(kcred::Error::Usage("minting needs --ca PREFIX".into()).into());
    };
    let spec = super::cert::leaf_spec(&a.identity, Usage::Client, &[], a.validity)?;
    // With --no-embed the key and certificate live next to the kubeconfig: NAME.crt/.key.
    let files_at = place.file.as_ref().map(|f| {
        let base = f.with_extension("");
        (with_ext(&base, "crt"), with_ext(&base, "key"))
    });
    if let Some((crt, key)) = &files_at
        && a.no_embed
        && (Some(crt) == place.file.as_ref() || Some(key) == place.file.as_ref())
    {
        return Err(kcred::Error::Usage(format!(
            "--no-embed writes {} and {} next to the kubeconfig: give the kubeconfig another name",
            crt.display(),
            key.display()
        ))
        .into());
    }
    let existing_key = a.key.load()?;
    if a.no_embed
        && let Some((crt, key)) = &files_at
    {
        let mut check: Vec<&Path> = vec![crt];
        if existing_key.is_none() {
            check.push(key);
        }
        refuse_overwriting_inputs(a, &check)?;
        fsio::check_writable(&check, a.force)?;
    }
    let issuer = Issuer::load(&with_ext(prefix, "crt"), &with_ext(prefix, "key"))
        .context("cannot use the CA")?;
    let super::cert::Minted {
        key_pem,
        issued,
        facts,
    } = super::cert::mint(&issuer, &spec, existing_key, &a.key)?;
    let cert_pem = issued.pem().into_bytes();
    let (user, files) = match (&files_at, a.no_embed) {
        (Some((crt, key_path)), true) => {
            let mut files = vec![Output::public(crt, cert_pem)];
            // An existing --key stays where it is and is named from there.
            let key_name = match &a.key.key {
                Some(k) => place.name(k)?,
                None => {
                    files.push(Output::secret(key_path, key_pem));
                    place.name(key_path)?
                }
            };
            (User::client_cert_files(place.name(crt)?, key_name), files)
        }
        _ => (User::client_cert_data(cert_pem, key_pem), Vec::new()),
    };
    let issued = format!(
        "issued client certificate for {} {} (expires {})",
        quoted(&facts.kubernetes.user),
        names(&facts.kubernetes.groups),
        facts.not_after.strftime("%Y-%m-%d"),
    );
    Ok(Credential {
        user,
        default_name: facts.kubernetes.user,
        files,
        notes: Vec::new(),
        issued: Some(issued),
    })
}
