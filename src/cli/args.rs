//! Arguments shared by several commands: identity, key, issuing CA, output format.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use jiff::SignedDuration;
use kcred::Identity;
use kcred::keys::{KeyFormat, KeyType, PrivateKey};
use kcred::pki::Issuer;

// Who the certificate names: `--cn`/`--group`, or a preset.
#[derive(Debug, Args, Clone, Default)]
pub struct IdentityArgs {
    /// Subject CN: the Kubernetes username.
    #[arg(long, value_name = "CN", conflicts_with_all = ["admin", "node", "profile"])]
    pub cn: Option<String>,
    /// A group (one subject O each, in the order given); repeatable.
    #[arg(long = "group", value_name = "G")]
    pub groups: Vec<String>,
    /// CN admin, O system:masters: full cluster-admin power, bypassing RBAC.
    #[arg(long, conflicts_with_all = ["node", "profile"])]
    pub admin: bool,
    /// CN system:node:NAME, O system:nodes: a kubelet (NAME is also a SAN for server/peer use).
    #[arg(long, value_name = "NAME", conflicts_with = "profile")]
    pub node: Option<String>,
    /// A named identity from the profiles (templates/profiles.yaml, or --profiles).
    #[arg(long, value_name = "NAME", value_parser = super::values::profile(), hide_possible_values = true)]
    pub profile: Option<String>,
    /// Extra identity profiles (YAML, same format as the embedded ones).
    #[arg(long, value_name = "FILE", env = "KCRED_PROFILES")]
    pub profiles: Option<PathBuf>,
}

impl IdentityArgs {
    /// The identity asked for, or `None` if no identity flag was given.
    pub fn identity(&self) -> anyhow::Result<Option<Identity>> {
        let mut id = if self.admin {
            Identity::admin()
        } else if let Some(node) = &self.node {
            validate_node_name(node)?;
            Identity::node(node)
        } else if let Some(name) = &self.profile {
            kcred::identity::profile(name, self.profiles.as_deref())?
        } else if let Some(cn) = &self.cn {
            Identity::new(cn.clone(), Vec::<String>::new())
        } else if self.groups.is_empty() {
            return Ok(None);
        } else {
            return Err(kcred::Error::Usage(
                "--group needs a username: give --cn (or --admin, --node, --profile)".into(),
            )
            .into());
        };
        for g in &self.groups {
            if g.is_empty() {
                return Err(kcred::Error::Usage("--group must not be empty".into()).into());
            }
            if !id.groups.contains(g) {
                id.groups.push(g.clone());
            }
        }
        Ok(Some(id))
    }
}

pub fn validate_node_name(name: &str) -> anyhow::Result<()> {
    // Node names are DNS-1123 subdomains (k8s.io/apimachinery validation).
    if kcred::token::is_dns1123_subdomain(name) {
        Ok(())
    } else {
        Err(kcred::Error::Usage(format!(
            "--node {name:?} is not a valid node name (lowercase letters, digits, '-' and '.')"
        ))
        .into())
    }
}

// Which key to certify: a new one of a type, or an existing file.
#[derive(Debug, Args, Clone)]
pub struct KeyArgs {
    /// Key type: rsa2048, rsa3072, rsa4096, ecdsa-p256, ecdsa-p384, ed25519.
    #[arg(
        long,
        value_name = "T",
        default_value = "rsa2048",
        conflicts_with = "key",
        value_parser = super::values::key_type()
    )]
    pub key_type: KeyType,
    /// Private key encoding: pkcs1 (RSA), sec1 (ECDSA) as kubeadm writes them, or pkcs8.
    #[arg(long, value_name = "pkcs1|sec1|pkcs8", value_parser = super::values::key_format())]
    pub key_format: Option<KeyFormat>,
    /// Certify this existing private key (PKCS#1, SEC1 or PKCS#8) instead of making one.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

impl KeyArgs {
    /// The key's encoding for writing.
    pub fn format_for(&self, key_type: KeyType) -> anyhow::Result<KeyFormat> {
        let f = self.key_format.unwrap_or(key_type.default_format());
        let ok = match f {
            KeyFormat::Pkcs1 => matches!(
                key_type,
                KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096
            ),
            KeyFormat::Sec1 => matches!(
                key_type,
                KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521
            ),
            KeyFormat::Pkcs8 => true,
        };
        if !ok {
            return Err(kcred::Error::Usage(format!(
                "--key-format {f} cannot hold {key_type} keys"
            ))
            .into());
        }
        Ok(f)
    }

    /// Load `--key`, if given.
    pub fn load(&self) -> anyhow::Result<Option<PrivateKey>> {
        match &self.key {
            None => Ok(None),
            Some(path) => Ok(Some(load_key(path)?)),
        }
    }
}

/// Read a private key file, PEM or DER (PKCS#1, SEC1, PKCS#8).
pub fn load_key(path: &Path) -> anyhow::Result<PrivateKey> {
    let bytes = kcred::fsio::read(path)?;
    Ok(PrivateKey::from_file_bytes(&kcred::fsio::display(path), &bytes)?.0)
}

/// Verification keys for kcred's own checks (`decode-token --key`, `sa jwks --key`): a DER
/// file is read too, with a warning that kube-apiserver would not read it as
/// `--service-account-key-file` (client-go `keyutil.ParsePublicKeysPEM` takes PEM only).
pub fn load_verification_keys_noting_der(
    path: &Path,
) -> anyhow::Result<Vec<kcred::token::VerificationKey>> {
    let (keys, was_der) = kcred::token::keys::load_verification_keys_or_der(path)?;
    if was_der {
        warn(&format!(
            "{} is DER: read it, but kube-apiserver reads --service-account-key-file as PEM only and would refuse this file",
            kcred::fsio::display(path)
        ));
    }
    Ok(keys)
}

// The signing CA: `--ca PREFIX` or `--ca-cert FILE --ca-key FILE`.
#[derive(Debug, Args, Clone)]
pub struct CaArgs {
    /// The CA as PREFIX.crt and PREFIX.key.
    // `--ca-key` with `--ca` is not a clap conflict: it gets its own message (use --ca-cert).
    #[arg(long, value_name = "PREFIX", value_parser = parse_prefix, required_unless_present_all = ["ca_cert", "ca_key"], conflicts_with = "ca_cert")]
    pub ca: Option<Prefix>,
    /// The CA certificate (with --ca-key).
    #[arg(long, value_name = "FILE", requires = "ca_key")]
    pub ca_cert: Option<PathBuf>,
    /// The CA private key (with --ca-cert).
    #[arg(long, value_name = "FILE")]
    pub ca_key: Option<PathBuf>,
}

impl CaArgs {
    /// The certificate and key paths. `--ca FILE --ca-key FILE` is refused with the flag that
    /// names a certificate file (`--ca-cert`).
    pub fn paths(&self) -> anyhow::Result<(PathBuf, PathBuf)> {
        match (&self.ca, &self.ca_cert, &self.ca_key) {
            (Some(prefix), _, Some(key)) => Err(kcred::Error::Usage(format!(
                "--ca takes a PREFIX (it reads PREFIX.crt and PREFIX.key); to name the two files, use --ca-cert {} --ca-key {}",
                prefix.given().display(),
                key.display()
            ))
            .into()),
            (Some(prefix), _, None) => Ok((with_ext(prefix, "crt"), with_ext(prefix, "key"))),
            (None, Some(c), Some(k)) => Ok((c.clone(), k.clone())),
            _ => Err(kcred::Error::Usage("--ca-key needs --ca-cert".into()).into()),
        }
    }

    /// Load and check the CA.
    pub fn load(&self) -> anyhow::Result<Issuer> {
        let (c, k) = self.paths()?;
        Issuer::load(&c, &k).context("cannot use the CA")
    }
}

/// A `--out PREFIX` or `--ca PREFIX`: the path files are named from (`PREFIX.crt`,
/// `PREFIX.key`, ...), and what was typed. It derefs to the prefix path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    path: PathBuf,
    given: PathBuf,
}

impl Prefix {
    /// The argument as typed (`jane.crt` for the prefix `jane`).
    pub fn given(&self) -> &Path {
        &self.given
    }
}

impl std::ops::Deref for Prefix {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for Prefix {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

/// The extensions kcred itself adds to a PREFIX, and the usual PEM one: `--out jane.crt`
/// means the prefix `jane`, never `jane.crt.crt`.
const PREFIX_EXTENSIONS: [&str; 5] = ["crt", "pem", "key", "csr", "pub"];

/// The prefix `s` names: a known file extension is dropped, with a one-line note on
/// stderr (said once, at parse time, so the files written are no surprise). Other dots stay
/// (`ca.v2` is the prefix `ca.v2`).
pub fn strip_prefix_extension(s: &str) -> (PathBuf, bool) {
    let path = PathBuf::from(s);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| PREFIX_EXTENSIONS.iter().any(|k| e.eq_ignore_ascii_case(k)));
    let stem_ok = path
        .file_stem()
        .is_some_and(|st| !st.is_empty() && st != "." && st != "..");
    match ext {
        Some(_) if stem_ok => (path.with_extension(""), true),
        _ => (path, false),
    }
}

/// `value_parser` for a PREFIX flag; see [`strip_prefix_extension`].
pub fn parse_prefix(s: &str) -> Result<Prefix, String> {
    if s.is_empty() {
        return Err("a PREFIX must not be empty".into());
    }
    // `dir/` (or `.`, `..`) names no file: PREFIX.crt would be the hidden `dir/.crt`.
    if s.ends_with('/') || Path::new(s).file_name().is_none() {
        let d = format!("{}/", s.trim_end_matches('/'));
        return Err(format!(
            "{s:?} is a directory, not a PREFIX: give the files' name too ({d}ca means {d}ca.crt and {d}ca.key)"
        ));
    }
    let (path, dropped) = strip_prefix_extension(s);
    if dropped {
        eprintln!(
            "kcred: note: {} is taken as the PREFIX {} (kcred adds each file's extension itself)",
            kcred::output::sanitize(s),
            kcred::output::sanitize(&path.display().to_string()),
        );
    }
    Ok(Prefix {
        path,
        given: PathBuf::from(s),
    })
}

/// `value_parser` for a PREFIX that names files kcred writes (`ca create`, `cert issue`,
/// `csr create`, `sa keygen`). `-` means standard output to kubectl, openssl and cfssl users,
/// but a PREFIX names several files, a private key among them, and kcred prints no private
/// key: `-` is refused (exit 2) rather than taken as files named `-.crt`, `-.key`.
pub fn parse_out_prefix(s: &str) -> Result<Prefix, String> {
    if s == "-" {
        return Err(
            "`-` (standard output) is not a PREFIX: kcred writes PREFIX.key and the rest as files and never prints a private key (./- names files -.key, -.crt, ...)".into(),
        );
    }
    parse_prefix(s)
}

/// `value_parser` for a directory kcred writes several files into (`bootstrap --dir`,
/// `sa jwks --out-dir`, `serve --webhook-config-out`, `man --out`): `-` (standard output)
/// is refused (exit 2) rather than made a directory named `-`.
pub fn parse_out_dir(s: &str) -> Result<PathBuf, String> {
    if s == "-" {
        return Err(
            "`-` (standard output) is not a directory: kcred writes several files there (./- names a directory -)".into(),
        );
    }
    Ok(PathBuf::from(s))
}

/// `PREFIX` + `.ext`, keeping any dots already in PREFIX (`ca.v2` → `ca.v2.crt`).
pub fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Parse a duration flag (`8760h`, `30d`, `1y`).
pub fn parse_duration(s: &str) -> Result<SignedDuration, String> {
    kcred::duration::parse(s)
}

/// Print a warning on stderr.
pub fn warn(msg: &str) {
    eprintln!("kcred: warning: {}", kcred::output::sanitize(msg));
}

// `-o table|json|yaml`, for anything a script may read.
#[derive(Debug, Args, Clone, Copy)]
pub struct OutputArg {
    /// Output format: table, json or yaml.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "table|json|yaml",
        default_value = "table",
        value_parser = super::values::output()
    )]
    pub format: kcred::output::Format,
}

// The credential and trust flags of `kcred whoami` and `kcred can-i`: kubectl's credential
// options and kube-apiserver's own authentication flags, parsed as its pflag flags are
// (`pkg/kubeapiserver/options/authentication.go`).
#[derive(Debug, Args, Clone)]
pub struct CredentialArgs {
    /// Kubeconfig to take the credential from (default: KUBECONFIG, then ~/.kube/config).
    // An empty value is no value, as kubectl's `--kubeconfig ""` (PathBuf's own parser
    // refuses it).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["client_certificate", "token", "token_file"],
          value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from))]
    kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current context).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["client_certificate", "token", "token_file"], value_hint = clap::ValueHint::Other)]
    context: Option<String>,
    /// A client certificate chain (PEM: the leaf, then any intermediates the client
    /// presents). With --token or --token-file, both go in the same request.
    #[arg(long, value_name = "FILE")]
    client_certificate: Option<PathBuf>,
    /// A bearer token (`-` reads it from stdin; a `Bearer ` prefix is accepted).
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    token: Option<String>,
    /// A file holding a bearer token.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,

    #[command(flatten)]
    trust: TrustArgs,
}

// kube-apiserver's authentication flags (the trust side of `CredentialArgs`; also `kcred
// serve`'s). A plain comment: with deferred subcommands a doc comment on a flattened struct
// would become the help line of every command that flattens it.
#[derive(Debug, Args, Clone)]
pub struct TrustArgs {
    /// kube-apiserver --client-ca-file.
    #[arg(long, value_name = "FILE")]
    client_ca_file: Option<PathBuf>,
    /// kube-apiserver --service-account-key-file (repeatable).
    #[arg(long, value_name = "FILE")]
    service_account_key_file: Vec<PathBuf>,
    /// kube-apiserver --service-account-issuer (repeatable; the first one mints). A pflag
    /// StringArray: each value is taken whole, commas included.
    #[arg(long, value_name = "URL")]
    service_account_issuer: Vec<String>,
    /// kube-apiserver --api-audiences (default: every issuer). A pflag StringSlice: each
    /// value is one CSV record, untrimmed ("a, b" is "a" and " b"); repeatable.
    #[arg(long, value_name = "A,B", value_parser = parse_string_slice)]
    api_audiences: Vec<StringSlice>,
    /// kube-apiserver --token-auth-file (CSV: token,user,uid,"group1,group2").
    #[arg(long, value_name = "FILE")]
    token_auth_file: Option<PathBuf>,
    /// kube-apiserver --anonymous-auth.
    #[arg(long, value_name = "true|false", default_value = "true", action = clap::ArgAction::Set, num_args = 1)]
    anonymous_auth: bool,
    /// A kubeadm-layout PKI directory: DIR/ca.crt as --client-ca-file, DIR/sa.pub as
    /// --service-account-key-file, issuer https://kubernetes.default.svc.cluster.local.
    #[arg(long, value_name = "DIR")]
    pki_dir: Option<PathBuf>,
}

impl TrustArgs {
    /// The API server options these flags give.
    pub fn options(&self) -> kcred::authn::ApiServerOptions {
        kcred::authn::ApiServerOptions {
            client_ca_file: self.client_ca_file.clone(),
            service_account_key_files: self.service_account_key_file.clone(),
            service_account_issuers: self.service_account_issuer.clone(),
            api_audiences: string_slice_values(&self.api_audiences),
            token_auth_file: self.token_auth_file.clone(),
            anonymous_auth: self.anonymous_auth,
            pki_dir: self.pki_dir.clone(),
        }
    }
}

impl CredentialArgs {
    /// Whether a credential was named (a kubeconfig, context, certificate or token), as
    /// opposed to only trust flags.
    pub fn given(&self) -> bool {
        self.kubeconfig.is_some()
            || self.context.is_some()
            || self.client_certificate.is_some()
            || self.token.is_some()
            || self.token_file.is_some()
    }

    /// The request and the API server's trust material these flags name, read from their
    /// files (`kcred::authn::load`).
    pub fn load(&self) -> kcred::Result<(kcred::authn::Presented, kcred::authn::Trust)> {
        // The credential itself may be DER: the API server reads whatever certificate the
        // client presents, but kubectl loads a --client-certificate file with
        // `tls.X509KeyPair` (client-go transport), PEM only; said, not refused.
        if let Some(f) = &self.client_certificate
            && f != Path::new("-")
            && let Ok(bytes) = kcred::fsio::read(f)
            && !kcred::pem::looks_like_pem(&bytes)
            && bytes.first() == Some(&0x30)
            // A malformed one gets the handshake's one-line error alone.
            && kcred::pki::read_certificates(f, &bytes).is_ok()
        {
            warn(&format!(
                "{} is DER: read as the certificate a client would present, but kubectl reads --client-certificate as PEM only",
                kcred::fsio::display(f)
            ));
        }
        let client = kcred::authn::ClientOptions {
            kubeconfig: self
                .kubeconfig
                .clone()
                .filter(|p| !p.as_os_str().is_empty()),
            context: self.context.clone(),
            client_certificate: self.client_certificate.clone(),
            token: self.token.clone(),
            token_file: self.token_file.clone(),
        };
        let server = self.trust.options();
        kcred::authn::load(&client, &server)
    }
}

/// One occurrence of a pflag `StringSlice` flag, such as kube-apiserver's `--api-audiences`.
///
/// pflag (`github.com/spf13/pflag/string_slice.go`, `stringSliceValue.Set`) reads each
/// occurrence with `readAsCSV`: one record of Go's `encoding/csv`, nothing trimmed, so
/// `--api-audiences "a, b"` is `["a", " b"]`; quotes group (`"a,b"` is one value), a bare
/// quote is an error, `""` is no values; repeated occurrences append. Every kcred flag
/// that stands for such an API server flag parses through here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StringSlice(pub Vec<String>);

/// `value_parser` for a [`StringSlice`] occurrence.
pub fn parse_string_slice(s: &str) -> Result<StringSlice, String> {
    kcred::authn::gocsv::read_as_csv(s).map(StringSlice)
}

/// All occurrences of a [`StringSlice`] flag, in order (pflag appends).
pub fn string_slice_values(occurrences: &[StringSlice]) -> Vec<String> {
    occurrences
        .iter()
        .flat_map(|o| o.0.iter().cloned())
        .collect()
}

#[cfg(test)]
mod prefix_tests {
    use super::*;

    #[test]
    fn known_extensions_are_dropped_other_dots_stay() {
        let p = |s: &str| strip_prefix_extension(s).0;
        assert_eq!(p("jane.crt"), Path::new("jane"));
        assert_eq!(p("pki/ca.KEY"), Path::new("pki/ca"));
        assert_eq!(p("sa.pub"), Path::new("sa"));
        assert_eq!(p("ca.v2"), Path::new("ca.v2"));
        assert_eq!(p("ca.v2.pem"), Path::new("ca.v2"));
        assert_eq!(p("jane"), Path::new("jane"));
        // Nothing would be left of the name: kept as given.
        assert_eq!(p(".crt"), Path::new(".crt"));
        assert_eq!(p("dir/.pem"), Path::new("dir/.pem"));
    }
}

#[cfg(test)]
mod string_slice_tests {
    use super::*;

    #[test]
    fn api_audiences_as_pflag_reads_them() {
        let v = |s: &str| parse_string_slice(s).map(|x| x.0);
        assert_eq!(v("a, b").unwrap(), ["a", " b"]);
        assert_eq!(v("\"x,y\",z").unwrap(), ["x,y", "z"]);
        assert_eq!(v("").unwrap(), Vec::<String>::new());
        assert!(v("a,b\"c").unwrap_err().contains("bare \""));
        let all = string_slice_values(&[
            parse_string_slice("a").unwrap(),
            parse_string_slice("b,c").unwrap(),
        ]);
        assert_eq!(all, ["a", "b", "c"]);
    }
}

// The authorization flags `kcred can-i` and `kcred serve` share: kube-apiserver's
// `--authorization-mode` (`pkg/kubeapiserver/options/authorization.go`) and the RBAC objects
// its storage would hold. A plain comment, not a doc comment: on a flattened struct a doc
// comment would become the help line of every command that flattens it.
#[derive(Debug, Args, Clone)]
pub struct PolicyArgs {
    /// RBAC manifests: a file, a directory (recursively), or - for stdin; YAML or JSON,
    /// several documents, List kinds (repeatable).
    #[arg(long, value_name = "FILE|DIR|-")]
    pub rbac: Vec<PathBuf>,
    /// Leave out the bootstrap policy kube-apiserver creates at start.
    #[arg(long)]
    pub no_bootstrap_policy: bool,
    /// kube-apiserver --authorization-mode, in order (Node, RBAC, AlwaysAllow, AlwaysDeny).
    #[arg(
        long,
        value_name = "MODES",
        value_delimiter = ',',
        default_value = "Node,RBAC"
    )]
    pub authorization_mode: Vec<kcred::authz::Mode>,
}

impl PolicyArgs {
    /// The RBAC objects: the bootstrap policy unless left out, then each `--rbac` in order
    /// (as `kcred::serve`'s state loads them at each start and reload).
    pub fn load(&self) -> anyhow::Result<(kcred::authz::Policy, kcred::authz::manifest::Stats)> {
        let mut policy = kcred::authz::Policy::default();
        let mut stats = kcred::authz::manifest::Stats::default();
        if !self.no_bootstrap_policy {
            kcred::authz::bootstrap::load(&mut policy, &mut stats);
        }
        for p in &self.rbac {
            kcred::authz::manifest::load_path(&mut policy, p, &mut stats)?;
        }
        Ok((policy, stats))
    }
}
