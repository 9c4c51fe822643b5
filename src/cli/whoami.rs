//! `kcred whoami`: what the API server would make of a credential, from its trust material.
//!
//! The credential is the request client-go would send: a kubeconfig user with a client
//! certificate and a token sends both (`client-go/tools/clientcmd/client_config.go`,
//! `getUserIdentificationPartialConfig`; `transport/round_trippers.go`), and so do
//! `--client-certificate` with `--token`/`--token-file`. The trust flags are the API
//! server's, parsed as its pflag flags are (`pkg/kubeapiserver/options/authentication.go`).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{ArgAction, Args};
use jiff::Timestamp;
use kcred::kubeconfig::{Credential as KcCredential, Kubeconfig};
use kcred::output;
use kcred::token::keys::load_verification_keys;
use kcred::token::verify::{self, TokenTrust};
use kcred::whoami::{self, Credential, Outcome, TokenFile, Trust, report};

use super::args::{OutputArg, StringSlice, string_slice_values};
use crate::exit_codes::ExitStatus;

/// kubeadm's `--service-account-issuer`.
const KUBEADM_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

#[derive(Debug, Args)]
pub struct WhoamiArgs {
    /// Kubeconfig to take the credential from (default: KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["client_certificate", "token", "token_file"])]
    kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current context).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["client_certificate", "token", "token_file"])]
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
    #[arg(long, value_name = "A,B", value_parser = super::args::parse_string_slice)]
    api_audiences: Vec<StringSlice>,
    /// kube-apiserver --token-auth-file (CSV: token,user,uid,"group1,group2").
    #[arg(long, value_name = "FILE")]
    token_auth_file: Option<PathBuf>,
    /// kube-apiserver --anonymous-auth.
    #[arg(long, value_name = "true|false", default_value = "true", action = ArgAction::Set, num_args = 1)]
    anonymous_auth: bool,
    /// A kubeadm-layout PKI directory: DIR/ca.crt as --client-ca-file, DIR/sa.pub as
    /// --service-account-key-file, issuer https://kubernetes.default.svc.cluster.local.
    #[arg(long, value_name = "DIR")]
    pki_dir: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArg,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    kcred::Error::Usage(msg.into()).into()
}

/// `--pki-dir`: accept both `/etc/kubernetes/pki` and a bootstrap directory holding `pki/`.
fn pki_dir(dir: &Path) -> PathBuf {
    if !dir.join("ca.crt").exists() && dir.join("pki/ca.crt").exists() {
        dir.join("pki")
    } else {
        dir.to_path_buf()
    }
}

fn trust(a: &WhoamiArgs) -> anyhow::Result<Trust> {
    let mut ca_file = a.client_ca_file.clone();
    let mut key_files = a.service_account_key_file.clone();
    if let Some(dir) = &a.pki_dir {
        let dir = pki_dir(dir);
        if ca_file.is_none() {
            ca_file = Some(dir.join("ca.crt"));
        }
        if key_files.is_empty() && dir.join("sa.pub").exists() {
            key_files.push(dir.join("sa.pub"));
        }
    }
    let client_cas = match &ca_file {
        Some(f) => Some(kcred::authn::x509::load_ca_bundle(f)?),
        None => None,
    };
    let token_file = match &a.token_auth_file {
        Some(f) => Some(TokenFile::load(f)?),
        None => None,
    };
    let api_audiences = string_slice_values(&a.api_audiences);
    let service_accounts = if key_files.is_empty() {
        if !a.service_account_issuer.is_empty() || !api_audiences.is_empty() {
            return Err(usage(
                "--service-account-issuer and --api-audiences need --service-account-key-file (or --pki-dir)",
            ));
        }
        None
    } else {
        let mut keys = Vec::new();
        for f in &key_files {
            keys.extend(load_verification_keys(f)?);
        }
        let issuers = if a.service_account_issuer.is_empty() {
            vec![KUBEADM_ISSUER.to_string()]
        } else {
            a.service_account_issuer.clone()
        };
        // authentication.go, ToAuthenticationConfig: with no --api-audiences the API
        // audiences are all the issuers (not only the first).
        let audiences = if api_audiences.is_empty() {
            issuers.clone()
        } else {
            api_audiences
        };
        Some(TokenTrust::new(keys, issuers, audiences))
    };
    Ok(Trust {
        client_cas,
        token_file,
        service_accounts,
        anonymous: a.anonymous_auth,
    })
}

fn certificates(source: &Path, pem: &[u8]) -> anyhow::Result<Vec<Vec<u8>>> {
    Ok(kcred::pki::read_certificates(source, pem)?)
}

/// The client certificate chain as the client sends it: every `CERTIFICATE` block (or one
/// DER certificate), not decoded here. Whether the API server can parse them is the TLS
/// handshake's question (`kcred::authn::tls_handshake`), answered like every other.
fn presented_chain(source: &Path, bytes: &[u8]) -> anyhow::Result<Vec<Vec<u8>>> {
    if kcred::pem::looks_like_pem(bytes) {
        let ders: Vec<Vec<u8>> = kcred::pem::parse_all(&kcred::fsio::display(source), bytes)?
            .iter()
            .filter(|b| b.tag() == "CERTIFICATE")
            .map(|b| b.contents().to_vec())
            .collect();
        if !ders.is_empty() {
            return Ok(ders);
        }
    } else if bytes.first() == Some(&0x30) {
        return Ok(vec![bytes.to_vec()]);
    }
    // No certificate at all: the usual one-line error.
    certificates(source, bytes)
}

/// The request to judge, and where it came from.
struct Request {
    cred: Credential,
    /// Where the client certificate came from, for messages.
    chain_source: String,
    /// Where the token came from, for messages.
    token_source: String,
    /// The kubeconfig cluster's CA (DER), when the credential came from a kubeconfig.
    cluster_ca: Option<(String, Option<Vec<Vec<u8>>>)>,
}

/// Why client-go could not send `token` as `Authorization: Bearer <token>`: Go's HTTP client
/// refuses a header value holding a control character other than a tab (net/http
/// `Transport`, `httpguts.ValidHeaderFieldValue`: "net/http: invalid header field value").
/// Such a token never reaches the API server through a request; only a TokenReview (JSON)
/// can carry it there.
fn unsendable(token: &str) -> Option<&'static str> {
    token
        .bytes()
        .any(|b| (b < b' ' && b != b'\t') || b == 0x7f)
        .then_some(
            "the token holds a control character (a line break?): client-go cannot send it (net/http: invalid header field value for \"Authorization\")",
        )
}

/// An empty token is no token at all (client-go's fileTokenSource: "read empty token from
/// file"): refused, naming where it came from.
fn non_empty_token(source: &str, token: String) -> anyhow::Result<String> {
    if token.is_empty() {
        return Err(kcred::Error::input(
            source,
            "the token is empty: client-go has no token to send",
        )
        .into());
    }
    Ok(token)
}

fn read_token_text(path: &Path) -> anyhow::Result<String> {
    let bytes = kcred::fsio::read(path)?;
    let source = if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        kcred::fsio::display(path)
    };
    Ok(String::from_utf8(bytes.to_vec())
        .map_err(|_| kcred::Error::input(source, "the token is not UTF-8 text"))?)
}

/// The token client-go sends for a kubeconfig user: `token` as written (not trimmed);
/// with `tokenFile` too, the file's content wins whenever it reads as a non-empty token
/// (`NewBearerAuthWithRefreshRoundTripper` re-reads it per request through
/// `fileTokenSource`, which trims it); `tokenFile` alone must read (client_config.go).
fn kubeconfig_token(user: &kcred::kubeconfig::NamedUser) -> anyhow::Result<Option<String>> {
    let literal = &user.user.token;
    if !user.user.token_file.is_empty() {
        let path = user.resolve(&user.user.token_file);
        match read_token_text(&path) {
            Ok(text) if !text.trim().is_empty() => return Ok(Some(text.trim().to_string())),
            Ok(_) if literal.is_empty() => {
                return Err(kcred::Error::input(
                    kcred::fsio::display(&path),
                    "the token file is empty: client-go has no token to send",
                )
                .into());
            }
            Err(e) if literal.is_empty() => return Err(e),
            _ => {}
        }
    }
    Ok((!literal.is_empty()).then(|| literal.clone()))
}

fn credential(a: &WhoamiArgs) -> anyhow::Result<Request> {
    let explicit_token = match (&a.token, &a.token_file) {
        (Some(t), _) if t == "-" => Some(("<stdin>".to_string(), read_token_text(Path::new("-"))?)),
        (Some(t), _) => Some(("the --token value".to_string(), t.clone())),
        (None, Some(path)) => Some((kcred::fsio::display(path), read_token_text(path)?)),
        (None, None) => None,
    };
    // --token and --token-file accept a pasted "Bearer " prefix and surrounding whitespace.
    let (token_source, explicit_token) = match explicit_token {
        Some((source, t)) => {
            let t = non_empty_token(&source, verify::clean(&t).to_string())?;
            (source, Some(t))
        }
        None => (String::new(), None),
    };
    if a.client_certificate.is_some() || explicit_token.is_some() {
        let client_chain = match &a.client_certificate {
            Some(path) => Some(presented_chain(path, &kcred::fsio::read(path)?)?),
            None => None,
        };
        return Ok(Request {
            cred: Credential {
                client_chain,
                token: explicit_token,
            },
            token_source,
            chain_source: a
                .client_certificate
                .as_deref()
                .map(kcred::fsio::display)
                .unwrap_or_default(),
            cluster_ca: None,
        });
    }
    let kc = match &a.kubeconfig {
        Some(path) => Kubeconfig::load(path)?,
        None => {
            let env_set = std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty());
            let default_exists = kcred::kubeconfig::default_path().is_some_and(|p| p.exists());
            if !env_set && !default_exists {
                if a.context.is_some() {
                    return Err(usage(
                        "--context needs a kubeconfig: none given, KUBECONFIG is unset and ~/.kube/config does not exist",
                    ));
                }
                // Nothing to present: the anonymous request.
                return Ok(Request {
                    cred: Credential::default(),
                    chain_source: String::new(),
                    token_source: String::new(),
                    cluster_ca: None,
                });
            }
            Kubeconfig::load_env()?
        }
    };
    let kubeconfig_name = match &a.kubeconfig {
        Some(p) => kcred::fsio::display(p),
        None => std::env::var("KUBECONFIG")
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| kcred::kubeconfig::default_path().map(|p| kcred::fsio::display(&p)))
            .unwrap_or_else(|| "the kubeconfig".into()),
    };
    let selected = kc
        .select(a.context.as_deref())
        .with_context(|| format!("cannot use {kubeconfig_name}"))?;
    let what = format!(
        "context {:?} (user {:?})",
        selected.context, selected.user_name
    );
    let token = match kc.user(&selected.user_name) {
        Some(u) => kubeconfig_token(u)?,
        None => None,
    };
    let client_chain = match &selected.credential {
        KcCredential::ClientCert { cert_pem, .. } => Some(presented_chain(
            Path::new(&format!("{what}: client certificate")),
            cert_pem,
        )?),
        KcCredential::Token(_) | KcCredential::None => None,
        other if token.is_none() => {
            return Err(kcred::Error::input(
                what,
                format!(
                    "authenticates with {} which kcred cannot evaluate offline; run it yourself and pass the token with --token",
                    other.kind()
                ),
            )
            .into());
        }
        _ => None,
    };
    let ca_source = format!(
        "the CA of cluster {:?} in the kubeconfig",
        selected.cluster_name
    );
    let cluster_ca = match &selected.cluster.ca_pem {
        Some(pem) => Some(certificates(Path::new(&ca_source), pem)?),
        None => None,
    };
    Ok(Request {
        cred: Credential {
            client_chain,
            token,
        },
        chain_source: format!("{kubeconfig_name}: {what}"),
        token_source: format!("{kubeconfig_name}: {what}: token"),
        cluster_ca: Some((ca_source, cluster_ca)),
    })
}

pub fn run(a: WhoamiArgs) -> anyhow::Result<ExitStatus> {
    let mut trust = trust(&a)?;
    let req = credential(&a)?;
    let mut notes = Vec::new();
    // A client certificate with no client CA would be ignored by the API server, so the
    // answer would be a quiet system:anonymous. A kubeconfig names its cluster: its CA is
    // the natural guess (kubeadm's admin.conf carries the cluster CA, which is also
    // --client-ca-file); a bare --client-certificate names nothing, so ask.
    if req.cred.client_chain.is_some() && trust.client_cas.is_none() {
        match &req.cluster_ca {
            Some((source, Some(cas))) => {
                trust.client_cas = Some(cas.clone());
                notes.push(format!(
                    "no --client-ca-file or --pki-dir: {source} is used as kube-apiserver's --client-ca-file"
                ));
            }
            Some((source, None)) => {
                return Err(usage(format!(
                    "the kubeconfig's client certificate needs the API server's client CA, and {} has none: give --client-ca-file FILE or --pki-dir DIR",
                    source.trim_start_matches("the CA of ")
                )));
            }
            None => {
                return Err(usage(
                    "--client-certificate needs the API server's client CA: give --client-ca-file FILE (kube-apiserver's --client-ca-file) or --pki-dir DIR",
                ));
            }
        }
    }
    let now = Timestamp::now();
    let mut outcome = whoami::authenticate(&req.cred, &trust, now);
    if let Outcome::Undecidable { reason } = &outcome {
        return Err(usage(format!(
            "{reason}; give the trust material (--client-ca-file, --token-auth-file, --service-account-key-file or --pki-dir)"
        )));
    }
    // A token client-go cannot put in a header never reaches the API server in a request.
    // Only when the token itself authenticates is there something to show (what a
    // TokenReview carrying it would answer); otherwise the token is the input's problem.
    if let Some(why) = req.cred.token.as_deref().and_then(unsendable) {
        match &outcome {
            Outcome::Authenticated { by, .. }
                if *by == "token-file" || *by == "service-account" =>
            {
                notes.push(format!(
                    "{why}: kubectl fails before reaching the API server; the identity shown is what the API server makes of the token itself (a TokenReview carrying it)"
                ));
            }
            _ => return Err(kcred::Error::input(&req.token_source, why).into()),
        }
    }
    for n in notes {
        outcome.push_note(n);
    }
    let ok = matches!(outcome, Outcome::Authenticated { .. });
    let rendered = output::structured(a.output.format, &report::object(&outcome, now))?;
    match rendered {
        Some(text) => super::emit(&text)?,
        None if ok => super::emit(report::text(&outcome, now))?,
        // A failed handshake is one line that names the certificate.
        None if matches!(outcome, Outcome::HandshakeFailed { .. }) => eprint!(
            "{}",
            report::text(&outcome, now).replacen(
                "error: ",
                &format!("error: {}: ", output::sanitize(&req.chain_source)),
                1
            )
        ),
        None => eprint!("{}", report::text(&outcome, now)),
    }
    Ok(if ok {
        ExitStatus::Success
    } else {
        ExitStatus::CheckFailed
    })
}
