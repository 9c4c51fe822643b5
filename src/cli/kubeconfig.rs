//! `kcred kubeconfig`: write (or merge into) a kubeconfig for one cluster, user and context,
//! minting a client certificate on the way with `--ca PREFIX` and identity flags. The model,
//! the merge and kubectl's output format live in `kcred::kubeconfig`; this file only turns
//! flags into a cluster, a user and a context.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use jiff::SignedDuration;
use kcred::fsio::{self, Output};
use kcred::kubeconfig::{self, Cluster, Context, Kubeconfig, User};
use kcred::output::{go_list, sanitize};
use kcred::pki::{self, CertFacts, Issuer, Usage};

use super::args::{IdentityArgs, KeyArgs, load_key, parse_duration, warn, with_ext};
use crate::exit_codes::ExitStatus;

const NO_CREDENTIAL: &str = "say how the user authenticates: --ca PREFIX with --cn/--admin/--node/--profile, --client-certificate with --client-key, --token or --token-file";

/// Default user name for a token credential.
const TOKEN_USER: &str = "token-user";

#[derive(Debug, Args)]
pub struct KubeconfigArgs {
    /// The API server's URL, e.g. https://10.0.0.1:6443.
    #[arg(long, value_name = "URL")]
    server: String,
    /// Write the kubeconfig here (0600, atomically), or `-` for stdout.
    #[arg(long, value_name = "FILE|-")]
    out: PathBuf,
    /// CA bundle to trust the API server with (default with --ca: PREFIX.crt).
    #[arg(long, value_name = "FILE")]
    certificate_authority: Option<PathBuf>,
    /// The cluster CA as PREFIX.crt (+ PREFIX.key to mint a client certificate when
    /// identity flags are given).
    #[arg(long, value_name = "PREFIX")]
    ca: Option<PathBuf>,
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
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// The context's default namespace.
    #[arg(long, value_name = "NS")]
    namespace: Option<String>,
    /// Name files by path (relative to the kubeconfig's directory) instead of embedding
    /// them; a minted certificate and key go next to the kubeconfig (NAME.crt, NAME.key).
    #[arg(long)]
    no_embed: bool,
    /// Add to (or replace by name in) the existing file, keeping everything else.
    #[arg(long)]
    merge: bool,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
}

/// Where a kubeconfig's files go and how they are named in it.
struct Place {
    /// `None` for stdout.
    file: Option<PathBuf>,
    dir: PathBuf,
}

impl Place {
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

/// The user entry and the files it needs written.
struct Credential {
    user: User,
    default_name: String,
    files: Vec<Output>,
}

pub fn run(a: KubeconfigArgs) -> anyhow::Result<ExitStatus> {
    let usage = |m: &str| -> anyhow::Error { kcred::Error::Usage(m.to_string()).into() };
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
    let place = Place {
        file: (!to_stdout).then(|| a.out.clone()),
        dir: match a.out.parent() {
            Some(p) if !p.as_os_str().is_empty() && !to_stdout => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    };
    // Refuse early (before a slow key generation) rather than after.
    if !to_stdout && !a.merge {
        fsio::check_writable(&[&a.out], a.force)?;
    }
    let mut kc = if a.merge && a.out.exists() {
        Kubeconfig::load(&a.out).context("cannot merge")?
    } else {
        Kubeconfig::new()
    };

    let cluster = cluster(&a, &place)?;
    let cred = credential(&a, &place, minting)?;
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
    kc.set_cluster(&a.cluster, cluster);
    kc.set_user(&user, cred.user);
    kc.set_context(&context, ctx);
    // A merge leaves the user's choice of context alone, unless there was none.
    if !a.merge || kc.current_context.is_empty() {
        kc.current_context = context.clone();
    }
    let yaml = kc.to_yaml()?;

    if to_stdout {
        super::emit(&yaml)?;
        return Ok(ExitStatus::Success);
    }
    let mut paths: Vec<&Path> = cred.files.iter().map(|o| o.path.as_path()).collect();
    if !a.merge {
        paths.push(&a.out);
    }
    fsio::check_writable(&paths, a.force)?;
    fsio::write_all(&cred.files, a.force)?;
    fsio::write_atomic(&a.out, yaml.as_bytes(), fsio::SECRET, a.merge || a.force)?;
    eprintln!(
        "{} kubeconfig {}: context {:?} (user {:?} on cluster {:?} at {})",
        if a.merge { "merged into" } else { "wrote" },
        a.out.display(),
        sanitize(&context),
        sanitize(&user),
        sanitize(&a.cluster),
        sanitize(&a.server)
    );
    Ok(ExitStatus::Success)
}

fn cluster(a: &KubeconfigArgs, place: &Place) -> anyhow::Result<Cluster> {
    let ca_file = match (&a.certificate_authority, &a.ca) {
        (Some(f), _) => Some(f.clone()),
        (None, Some(prefix)) => Some(with_ext(prefix, "crt")),
        (None, None) => None,
    };
    let mut cluster = Cluster::new(&a.server);
    if let Some(f) = ca_file {
        let pem = pem_certificates(&f)?;
        cluster = if a.no_embed {
            cluster.with_ca_file(place.name(&f)?)
        } else {
            cluster.with_ca_data(pem)
        };
    }
    Ok(cluster)
}

/// A certificate file's certificates as PEM (a DER file is converted: kubectl reads PEM).
fn pem_certificates(path: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes = fsio::read(path)?;
    let certs = pki::read_certificates(path, &bytes)?;
    if kcred::pem::looks_like_pem(&bytes) {
        return Ok(bytes.to_vec());
    }
    Ok(certs
        .iter()
        .map(|der| kcred::pem::encode("CERTIFICATE", der))
        .collect::<String>()
        .into_bytes())
}

fn credential(a: &KubeconfigArgs, place: &Place, minting: bool) -> anyhow::Result<Credential> {
    if minting {
        return mint(a, place);
    }
    if let (Some(cert), Some(key)) = (&a.client_certificate, &a.client_key) {
        let cert_pem = pem_certificates(cert)?;
        let certs = pki::read_certificates(cert, &cert_pem)?;
        let facts = CertFacts::from_der(&certs[0])
            .map_err(|p| kcred::Error::input(fsio::display(cert), p))?;
        let private = load_key(key)?;
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
        let user = if a.no_embed {
            User::client_cert_files(place.name(cert)?, place.name(key)?)
        } else {
            User::client_cert_data(cert_pem, fsio::read(key)?.to_vec())
        };
        return Ok(Credential {
            user,
            default_name: facts.kubernetes.user,
            files: Vec::new(),
        });
    }
    if let Some(token) = &a.token {
        check_token(token, "--token")?;
        return Ok(Credential {
            user: User::token(token.clone()),
            default_name: TOKEN_USER.into(),
            files: Vec::new(),
        });
    }
    if let Some(file) = &a.token_file {
        let bytes = fsio::read(file)?;
        let token = std::str::from_utf8(&bytes)
            .map_err(|_| kcred::Error::input(fsio::display(file), "token file is not UTF-8"))?
            .trim();
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
    eprintln!(
        "issued client certificate for {:?} {} (expires {})",
        sanitize(&facts.kubernetes.user),
        go_list(&facts.kubernetes.groups),
        facts.not_after.strftime("%Y-%m-%d"),
    );
    Ok(Credential {
        user,
        default_name: facts.kubernetes.user,
        files,
    })
}
