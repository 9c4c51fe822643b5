//! The client-certificate authenticator, as kube-apiserver runs it
//! (`staging/src/k8s.io/apiserver/pkg/authentication/request/x509/x509.go`): Go's
//! `Certificate.Verify` with Roots = the `--client-ca-file` bundle, Intermediates = the
//! rest of the presented chain, KeyUsages = \[ClientAuth\]; then username = the subject CN
//! (empty: not authenticated), groups = every subject O, extra `credential-id` =
//! `X509SHA256=<hex sha256 of the leaf DER>`.
//!
//! Why kcred builds chains itself: rustls-webpki answers differently from Go on cases that
//! matter here (it accepts an expired CA and a CA restricted to serverAuth; it rejects v1
//! leaves, CA:TRUE leaves and RSA-1024 CAs), and a "why am I 401" tool that disagrees with
//! the API server is worse than none. So this module is a port of Go's algorithm
//! (`crypto/x509/verify.go`: `Verify`, `buildChains`, `isValid`, `checkChainForKeyUsage`;
//! `cert_pool.go`: `findPotentialParents`; `x509.go`: `CheckSignatureFrom`;
//! `constraints.go`: `checkChainConstraints`), including the order in which it tries
//! candidates and the error it reports, with the certificates decoded by x509-parser and
//! signatures checked by aws-lc-rs. Where kcred cannot evaluate something Go can (email
//! and URI name constraints, certificate policy constraints), it rejects and says so
//! rather than guess.

mod cert;
mod constraints;
mod goerror;
mod goparse;
pub(crate) use goerror::go_quote;
mod verify;

use std::fmt;
use std::path::Path;

use jiff::Timestamp;

use crate::error::{Error, Result};
use crate::identity::{CREDENTIAL_ID, Identity};
use crate::pki::Eku;

use cert::Cert;
use goerror::GoError;
use verify::{Pool, Verifier};

/// Why a client certificate does not authenticate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct X509Rejection {
    /// What kind of refusal this is.
    pub kind: RejectionKind,
    /// The reason in Go's words (`x509: certificate signed by unknown authority`, …), or
    /// kcred's where Go has none.
    pub reason: String,
    /// The leaf as the API server names it in its log: `SN=<decimal>, SKID=<AA:BB…>,
    /// AKID=<AA:BB…>`; `None` when the leaf could not be decoded.
    pub certificate: Option<String>,
}

/// The kinds of [`X509Rejection`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectionKind {
    /// No certificate, or one that Go's parser would refuse.
    Malformed,
    /// Go's `Verify` fails: the API server answers 401 and logs the reason.
    Verify,
    /// The chain verifies but the CN is empty: the API server has no opinion (a plain 401).
    EmptyCommonName,
    /// The chain verifies but `CommonNameUserConversion` refuses the subject (its user UID
    /// attribute): an error, so a 401 unless another authenticator accepts the request.
    UserConversion,
    /// The chain uses something kcred does not evaluate (said in `reason`); kcred refuses
    /// rather than guess what the API server would do.
    Unsupported,
}

impl fmt::Display for X509Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.certificate) {
            // The wording of x509.go's AuthenticateRequest (Kubernetes ≥ 1.27).
            (RejectionKind::Verify | RejectionKind::Unsupported, Some(id)) => {
                write!(f, "verifying certificate {id} failed: {}", self.reason)
            }
            _ => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for X509Rejection {}

/// Every `CERTIFICATE` block of a PEM file (other blocks are skipped, as client-go's
/// `cert.ParseCertsPEM` does), or a single DER certificate; each must decode.
pub fn load_certificates(path: &Path) -> Result<Vec<Vec<u8>>> {
    let bytes = crate::fsio::read::read(path)?;
    let source = crate::fsio::read::display(path);
    let ders: Vec<Vec<u8>> = if crate::pem::looks_like_pem(&bytes) {
        crate::pem::parse_all(&source, &bytes)?
            .iter()
            // client-go cert.ParseCertsPEM: "Only use PEM CERTIFICATE blocks without extra
            // headers" (k8s.io/client-go/util/cert/pem.go).
            .filter(|b| b.tag() == "CERTIFICATE" && b.headers().iter().next().is_none())
            .map(|b| b.contents().to_vec())
            .collect()
    } else if bytes.first() == Some(&0x30) {
        vec![bytes.to_vec()]
    } else {
        vec![]
    };
    if ders.is_empty() {
        return Err(Error::input(&source, "no certificate found"));
    }
    for (i, der) in ders.iter().enumerate() {
        Cert::parse(der)
            .map_err(|e| Error::input(&source, format!("certificate {}: {e}", i + 1)))?;
    }
    Ok(ders)
}

/// The client CA bundle (`--client-ca-file`): every certificate in the file.
pub fn load_ca_bundle(path: &Path) -> Result<Vec<Vec<u8>>> {
    load_certificates(path)
}

/// What kube-apiserver's x509 authenticator makes of `chain_der` (the leaf first, then
/// whatever else the client presents) given the client CA bundle, at time `now`.
///
/// ```
/// use kcred::{Identity, authn, keys::{KeyType, PrivateKey}, pki::{self, CertSpec, Usage}};
///
/// let ca_key = PrivateKey::generate(KeyType::EcdsaP256)?;
/// let ca = pki::self_signed(&CertSpec::ca("kubernetes"), &ca_key)?;
/// let issuer = pki::Issuer::new("ca.crt".as_ref(), ca.der.clone(), ca_key, "ca.key".as_ref())?;
/// let key = PrivateKey::generate(KeyType::EcdsaP256)?;
/// let leaf = issuer.sign(&CertSpec::leaf(&Identity::node("worker-1"), Usage::Client), &key.public_key_der()?)?;
///
/// let id = authn::authenticate_client_cert(&[leaf.der.clone()], &[ca.der.clone()], jiff::Timestamp::now()).unwrap();
/// assert_eq!((id.user.as_str(), id.groups.as_slice()), ("system:node:worker-1", &["system:nodes".to_string()][..]));
///
/// let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 400);
/// let no = authn::authenticate_client_cert(&[leaf.der], &[ca.der], later).unwrap_err();
/// assert!(no.reason.starts_with("x509: certificate has expired or is not yet valid: current time"));
/// assert!(no.to_string().starts_with("verifying certificate SN="));
/// # Ok::<(), kcred::Error>(())
/// ```
pub fn authenticate_client_cert(
    chain_der: &[Vec<u8>],
    client_cas_der: &[Vec<u8>],
    now: Timestamp,
) -> Result<Identity, X509Rejection> {
    authenticate_client_cert_window(chain_der, client_cas_der, now).map(|(id, _)| id)
}

/// Whether Go's `x509.ParsePKIXPublicKey` returns the key in `der` (its refusal in Go's words
/// otherwise). A key kcred cannot judge as Go would (a P-224 point) counts as refused:
/// callers then skip it, which can only cost an answer, never invent one.
pub(crate) fn go_parse_pkix_public_key(der: &[u8]) -> Result<(), String> {
    match goparse::check_pkix_public_key(der)? {
        Some(doubt) => Err(doubt),
        None => Ok(()),
    }
}

/// A Name as Go 1.25's certificate parser reads it (`parseName`, then
/// `pkix.Name.FillFromRDNSequence`): the last CN in the order written, every O in order, and
/// every user UID attribute (1.3.6.1.4.1.57683.2) in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct GoName {
    pub(crate) common_name: String,
    pub(crate) organizations: Vec<String>,
    pub(crate) uids: Vec<String>,
}

/// Read the DER Name `raw` as Go 1.25's `x509.ParseCertificate` reads a certificate's
/// subject; its refusal in Go's words (a value that is not a string, an invalid
/// PrintableString, BMPString or UTF-8 value, ...).
pub(crate) fn go_parse_name(raw: &[u8]) -> Result<GoName, String> {
    let name = goparse::parse_name(raw)?;
    Ok(GoName {
        common_name: name.common_name,
        organizations: name.organizations,
        uids: name.uids,
    })
}

/// Go's `parseCSRExtensions` on a DER CertificationRequestInfo: its refusal in Go's words
/// (`x509: certificate request contains duplicate requested extensions`).
pub(crate) fn go_check_requested_extensions(cri: &[u8]) -> Result<(), String> {
    goparse::check_requested_extensions(cri)
}

/// Whether Go's `x509.ParseCertificate` returns `der` (its refusal in Go's words otherwise).
/// As for [`go_parse_pkix_public_key`], a certificate kcred cannot judge counts as refused.
pub(crate) fn go_parse_certificate(der: &[u8]) -> Result<(), String> {
    let facts = goparse::check(der)?;
    match facts.doubt {
        Some(doubt) => Err(doubt),
        None => Ok(()),
    }
}

/// [`authenticate_client_cert`], with the times (from, until, both included) between
/// which the same chain and CA bundle give the same identity: the window of the chain
/// Go's `Verify` found valid (`isValid` is the only time-dependent step).
pub(crate) fn authenticate_client_cert_window(
    chain_der: &[Vec<u8>],
    client_cas_der: &[Vec<u8>],
    now: Timestamp,
) -> Result<(Identity, (Timestamp, Timestamp)), X509Rejection> {
    let malformed = |reason: String| X509Rejection {
        kind: RejectionKind::Malformed,
        reason,
        certificate: None,
    };
    let Some((leaf_der, presented)) = chain_der.split_first() else {
        return Err(malformed("no client certificate presented".into()));
    };
    let leaf = Cert::parse(leaf_der).map_err(malformed)?;
    let id = leaf.identifier();
    let fail = |kind, reason: String| X509Rejection {
        kind,
        reason,
        certificate: Some(id.clone()),
    };
    let window = verify_parsed(
        &leaf,
        presented,
        client_cas_der,
        "client CA bundle",
        now,
        &Eku::ClientAuth,
    )?;
    // CommonNameUserConversion: an empty CN is "no opinion", not an error.
    if leaf.common_name.is_empty() {
        return Err(fail(
            RejectionKind::EmptyCommonName,
            "the certificate verifies but its subject has no CN: the API server does not authenticate it".into(),
        ));
    }
    let uid = user_uid(&leaf).map_err(|reason| X509Rejection {
        kind: RejectionKind::UserConversion,
        reason,
        certificate: Some(id.clone()),
    })?;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &leaf.raw);
    let mut identity = Identity::new(leaf.common_name.clone(), leaf.organizations.clone());
    identity.uid = uid;
    identity.extra.insert(
        CREDENTIAL_ID.to_string(),
        vec![format!("X509SHA256={}", hex::encode(digest.as_ref()))],
    );
    Ok((identity, window))
}

/// Go's `Certificate.Verify` (crypto/x509/verify.go) for `leaf_der`, with Roots =
/// `roots_der`, Intermediates = `intermediates_der` and KeyUsages = \[`usage`\]
/// ([`Eku::Any`] checks no usage), at `now`. This is the chain check kube-apiserver's
/// authenticators run, for any use: `kcred check` verifies each leaf in a PKI directory with
/// it, for each use the leaf is meant for.
pub fn verify_chain(
    leaf_der: &[u8],
    intermediates_der: &[Vec<u8>],
    roots_der: &[Vec<u8>],
    now: Timestamp,
    usage: &Eku,
) -> Result<(), X509Rejection> {
    let leaf = Cert::parse(leaf_der).map_err(|reason| X509Rejection {
        kind: RejectionKind::Malformed,
        reason,
        certificate: None,
    })?;
    verify_parsed(&leaf, intermediates_der, roots_der, "roots", now, usage).map(|_| ())
}

/// [`verify_chain`] for a parsed leaf; `roots_name` names the roots in errors.
fn verify_parsed(
    leaf: &Cert,
    intermediates_der: &[Vec<u8>],
    roots_der: &[Vec<u8>],
    roots_name: &str,
    now: Timestamp,
    usage: &Eku,
) -> Result<(Timestamp, Timestamp), X509Rejection> {
    let malformed = |reason: String| X509Rejection {
        kind: RejectionKind::Malformed,
        reason,
        certificate: None,
    };
    // What kcred cannot judge in any of these certificates (goparse) is said, not guessed.
    let mut doubt = leaf.doubt.clone();
    let mut intermediates = Pool::default();
    for der in intermediates_der {
        let cert = Cert::parse(der).map_err(malformed)?;
        doubt = doubt.or_else(|| cert.doubt.clone());
        intermediates.add(cert);
    }
    let mut roots = Pool::default();
    for der in roots_der {
        let cert = Cert::parse(der).map_err(|e| malformed(format!("{roots_name}: {e}")))?;
        doubt = doubt.or_else(|| cert.doubt.clone());
        roots.add(cert);
    }
    if let Some(doubt) = doubt {
        return Err(X509Rejection {
            kind: RejectionKind::Unsupported,
            reason: GoError::Unsupported(doubt).to_string(),
            certificate: Some(leaf.identifier()),
        });
    }
    let verifier = Verifier {
        roots: &roots,
        intermediates: &intermediates,
        now,
        usage,
    };
    verifier.verify(leaf).map_err(|e| X509Rejection {
        kind: match e {
            GoError::Unsupported(_) => RejectionKind::Unsupported,
            _ => RejectionKind::Verify,
        },
        reason: e.to_string(),
        certificate: Some(leaf.identifier()),
    })
}

/// `parseUIDFromCert` (x509.go, with AllowParsingUserUIDFromCertAuth on: beta and on by
/// default since Kubernetes 1.34): the subject's user UID attributes
/// (OID 1.3.6.1.4.1.57683.2). None: no UID; one non-empty string: the UID; anything else is
/// the error the API server returns, in its words.
fn user_uid(leaf: &Cert) -> std::result::Result<String, String> {
    go_user_uid(&leaf.uids)
}

/// `parseUIDFromCert` on the UID attributes `uids` of a subject, in order (see
/// [`user_uid`]).
pub(crate) fn go_user_uid(uids: &[String]) -> std::result::Result<String, String> {
    // x509.go also answers "unable to parse UID into a string" for a value that is not a
    // string; Go 1.25's parser refuses such a certificate before the authenticator runs.
    match uids {
        [] => Ok(String::new()),
        [one] if one.is_empty() => Err("UID cannot be an empty string".into()),
        [one] => Ok(one.clone()),
        // fmt's %v of a []string.
        many => Err(format!(
            "expected 1 UID, but found multiple: [{}]",
            many.join(" ")
        )),
    }
}

/// What Go's crypto/tls server makes of the client's certificate chain during the
/// handshake, before any authenticator runs (kube-apiserver asks for client certificates
/// whenever it has a client CA: `tls.RequestClientCert`):
///
/// - `Conn.processCertsFromClient` (handshake_server.go) parses every presented
///   certificate with `x509.ParseCertificate` and fails the handshake on any parse error
///   (`tls: failed to parse client certificate: …`) or on an RSA key over 8192 bits
///   (`checkKeySize`), then refuses a leaf whose key is not RSA, ECDSA or Ed25519
///   (`tls: client certificate contains an unsupported public key of type %T`);
/// - the client's CertificateVerify signature is checked with the leaf's key, and
///   crypto/rsa refuses keys under 1024 bits (GODEBUG `rsa1024min`, on by default since
///   Go 1.24; kube-apiserver 1.35 is built with go 1.25 and `godebug default=go1.25`), and
///   keys its `checkPublicKey` refuses (an even modulus, an exponent that is even, under 2
///   or over 2^31-1).
///
/// `Err` is the handshake failure, in Go's words. Nothing else here is checked: the chain
/// itself is the x509 authenticator's business ([`authenticate_client_cert`]).
pub fn tls_handshake(chain_der: &[Vec<u8>]) -> std::result::Result<(), String> {
    for der in chain_der {
        let cert = Cert::parse(der)
            .map_err(|e| format!("tls: failed to parse client certificate: {e}"))?;
        if cert.rsa_bits().is_some_and(|n| n > 8192) {
            return Err(
                "tls: client sent certificate containing RSA key larger than 8192 bits".into(),
            );
        }
    }
    if let Some(leaf) = chain_der.first() {
        let leaf = Cert::parse(leaf)
            .map_err(|e| format!("tls: failed to parse client certificate: {e}"))?;
        let key_type = leaf.go_key_type();
        if !matches!(
            key_type,
            "*rsa.PublicKey" | "*ecdsa.PublicKey" | "ed25519.PublicKey"
        ) {
            return Err(format!(
                "tls: client certificate contains an unsupported public key of type {key_type}"
            ));
        }
        if let Some(n) = leaf.rsa_bits().filter(|&n| n < 1024) {
            return Err(format!(
                "tls: invalid signature by the client certificate: crypto/rsa: {n}-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)"
            ));
        }
        if let Some(refused) = leaf.rsa_key_refused() {
            return Err(format!(
                "tls: invalid signature by the client certificate: {refused}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_presented_is_malformed() {
        let e = authenticate_client_cert(&[], &[], Timestamp::now()).unwrap_err();
        assert_eq!(e.kind, RejectionKind::Malformed);
        let e = authenticate_client_cert(&[vec![0x30, 0x00]], &[], Timestamp::now()).unwrap_err();
        assert_eq!(e.kind, RejectionKind::Malformed);
    }
}
