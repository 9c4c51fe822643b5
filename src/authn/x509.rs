//! The client-certificate authenticator, as kube-apiserver runs it
//! (`staging/src/k8s.io/apiserver/pkg/authentication/request/x509/x509.go`): Go's
//! `Certificate.Verify` with Roots = the `--client-ca-file` bundle, Intermediates = the
//! rest of the presented chain, KeyUsages = [ClientAuth]; then username = the subject CN
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

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

use aws_lc_rs::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};
use jiff::Timestamp;
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::{Error, Result};
use crate::identity::{CREDENTIAL_ID, Identity};

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
    let bytes = crate::fsio::read(path)?;
    let source = crate::fsio::display(path);
    let ders: Vec<Vec<u8>> = if crate::pem::looks_like_pem(&bytes) {
        crate::pem::parse_all(&source, &bytes)?
            .iter()
            .filter(|b| b.tag() == "CERTIFICATE")
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
    let mut intermediates = Pool::default();
    for der in presented {
        intermediates.add(Cert::parse(der).map_err(malformed)?);
    }
    let mut roots = Pool::default();
    for der in client_cas_der {
        roots.add(Cert::parse(der).map_err(|e| malformed(format!("client CA bundle: {e}")))?);
    }
    let verifier = Verifier {
        roots: &roots,
        intermediates: &intermediates,
        now,
    };
    if let Err(e) = verifier.verify(&leaf) {
        let kind = match e {
            GoError::Unsupported(_) => RejectionKind::Unsupported,
            _ => RejectionKind::Verify,
        };
        return Err(fail(kind, e.to_string()));
    }
    // CommonNameUserConversion: an empty CN is "no opinion", not an error.
    if leaf.common_name.is_empty() {
        return Err(fail(
            RejectionKind::EmptyCommonName,
            "the certificate verifies but its subject has no CN: the API server does not authenticate it".into(),
        ));
    }
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &leaf.raw);
    let mut identity = Identity::new(leaf.common_name.clone(), leaf.organizations.clone());
    identity.extra.insert(
        CREDENTIAL_ID.to_string(),
        vec![format!("X509SHA256={}", hex::encode(digest.as_ref()))],
    );
    Ok(identity)
}

// ---------------------------------------------------------------------------------------
// Go's errors, with Go's text.

#[derive(Clone, Debug)]
enum GoError {
    UnhandledCriticalExtension,
    NameMismatch,
    Expired(String),
    NotAuthorizedToSign,
    TooManyIntermediates,
    IncompatibleUsage,
    NotAuthorizedForName(String),
    NoValidChains(String),
    UnknownAuthority(Option<(String, String)>),
    ConstraintViolation,
    Signature(String),
    SignatureLimit,
    /// kcred's own: something it does not evaluate.
    Unsupported(String),
}

impl fmt::Display for GoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoError::UnhandledCriticalExtension => {
                f.write_str("x509: unhandled critical extension")
            }
            GoError::NameMismatch => {
                f.write_str("x509: issuer name does not match subject from issuing certificate")
            }
            GoError::Expired(d) => {
                write!(f, "x509: certificate has expired or is not yet valid: {d}")
            }
            GoError::NotAuthorizedToSign => {
                f.write_str("x509: certificate is not authorized to sign other certificates")
            }
            GoError::TooManyIntermediates => {
                f.write_str("x509: too many intermediates for path length constraint")
            }
            GoError::IncompatibleUsage => {
                f.write_str("x509: certificate specifies an incompatible key usage")
            }
            GoError::NotAuthorizedForName(d) => write!(
                f,
                "x509: a root or intermediate certificate is not authorized to sign for this name: {d}"
            ),
            GoError::NoValidChains(d) if d.is_empty() => f.write_str("x509: no valid chains built"),
            GoError::NoValidChains(d) => write!(f, "x509: no valid chains built: {d}"),
            GoError::UnknownAuthority(None) => {
                f.write_str("x509: certificate signed by unknown authority")
            }
            GoError::UnknownAuthority(Some((err, name))) => write!(
                f,
                "x509: certificate signed by unknown authority (possibly because of {} while trying to verify candidate authority certificate {})",
                go_quote(err),
                go_quote(name)
            ),
            GoError::ConstraintViolation => f.write_str(
                "x509: invalid signature: parent certificate cannot sign this kind of certificate",
            ),
            GoError::Signature(s) => f.write_str(s),
            GoError::SignatureLimit => f.write_str(
                "x509: signature check attempts limit reached while verifying certificate chain",
            ),
            GoError::Unsupported(s) => write!(f, "kcred cannot evaluate {s}"),
        }
    }
}

/// Go's `%q` (strconv.Quote): double quotes, backslash escapes, printable Unicode kept.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `time.RFC3339` layout for a whole-second UTC time.
fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

// ---------------------------------------------------------------------------------------
// A certificate, decoded into what Go's Certificate struct holds and Verify uses.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyAlg {
    Rsa,
    Ecdsa(Curve),
    Ed25519,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
    P521,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

/// Go's `SignatureAlgorithm`, reduced to what verification needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SigAlg {
    RsaPkcs1(Hash),
    RsaPss(Hash),
    Ecdsa(Hash),
    Ed25519,
    /// MD5/SHA-1 family: Go refuses them in certificates (`InsecureAlgorithmError`).
    Insecure(&'static str),
    Unknown,
}

#[derive(Clone, Debug, Default)]
struct NameConstraints {
    permitted_dns: Vec<String>,
    excluded_dns: Vec<String>,
    permitted_ip: Vec<(Vec<u8>, Vec<u8>)>,
    excluded_ip: Vec<(Vec<u8>, Vec<u8>)>,
    permitted_email: Vec<String>,
    excluded_email: Vec<String>,
    permitted_uri: Vec<String>,
    excluded_uri: Vec<String>,
}

#[derive(Clone, Debug)]
struct Cert {
    raw: Vec<u8>,
    raw_tbs: Vec<u8>,
    raw_subject: Vec<u8>,
    raw_issuer: Vec<u8>,
    raw_spki: Vec<u8>,
    version: u32,
    serial: String,
    not_before: Timestamp,
    not_after: Timestamp,
    key_alg: KeyAlg,
    key_bits: Vec<u8>,
    sig_alg: SigAlg,
    signature: Vec<u8>,
    unhandled_critical: bool,
    bc_valid: bool,
    is_ca: bool,
    max_path_len: i64,
    ku_nonzero: bool,
    ku_cert_sign: bool,
    /// ExtKeyUsage or UnknownExtKeyUsage is non-empty.
    eku_listed: bool,
    eku_any: bool,
    eku_client: bool,
    skid: Vec<u8>,
    akid: Vec<u8>,
    san_value: Option<Vec<u8>>,
    dns_names: Vec<String>,
    ip_addresses: Vec<Vec<u8>>,
    emails: Vec<String>,
    uris: Vec<String>,
    name_constraints: Option<NameConstraints>,
    /// CertificatePolicies OIDs.
    policies: Vec<String>,
    /// PolicyConstraints requireExplicitPolicy.
    require_explicit_policy: Option<i64>,
    /// InhibitAnyPolicy skipCerts.
    inhibit_any_policy: Option<i64>,
    /// PolicyMappings present.
    policy_mappings: bool,
    common_name: String,
    organizations: Vec<String>,
}

/// The extensions Go's `processExtensions` parses (parser.go).
const GO_PARSED_EXTENSIONS: [&str; 13] = [
    "2.5.29.15",
    "2.5.29.19",
    "2.5.29.17",
    "2.5.29.30",
    "2.5.29.31",
    "2.5.29.35",
    "2.5.29.36",
    "2.5.29.37",
    "2.5.29.14",
    "2.5.29.32",
    "2.5.29.33",
    "2.5.29.54",
    oids::AIA,
];

mod oids {
    pub const RSA: &str = "1.2.840.113549.1.1.1";
    pub const EC: &str = "1.2.840.10045.2.1";
    pub const ED25519: &str = "1.3.101.112";
    pub const P256: &str = "1.2.840.10045.3.1.7";
    pub const P384: &str = "1.3.132.0.34";
    pub const P521: &str = "1.3.132.0.35";
    pub const CN: &str = "2.5.4.3";
    pub const O: &str = "2.5.4.10";
    pub const AIA: &str = "1.3.6.1.5.5.7.1.1";
}

impl Cert {
    fn parse(der: &[u8]) -> Result<Cert, String> {
        let (rest, x) = X509Certificate::from_der(der)
            .map_err(|e| format!("x509: malformed certificate: {e}"))?;
        if !rest.is_empty() {
            return Err("x509: trailing data".into());
        }
        let tbs = &x.tbs_certificate;
        let version = tbs.version.0 + 1;
        if version > 3 {
            return Err("x509: invalid version".into());
        }
        let raw_serial = x.raw_serial();
        if raw_serial.first().is_some_and(|b| b & 0x80 != 0) {
            return Err("x509: negative serial number".into());
        }
        if tbs.signature != x.signature_algorithm {
            return Err("x509: inner and outer signature algorithm identifiers don't match".into());
        }
        let ts = |t: &x509_parser::time::ASN1Time| {
            Timestamp::from_second(t.timestamp())
                .map_err(|_| "x509: malformed validity".to_string())
        };
        let spki = tbs.public_key();
        let key_alg = match spki.algorithm.algorithm.to_id_string().as_str() {
            oids::RSA => KeyAlg::Rsa,
            oids::ED25519 => KeyAlg::Ed25519,
            oids::EC => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string());
                KeyAlg::Ecdsa(match curve.as_deref() {
                    Some(oids::P256) => Curve::P256,
                    Some(oids::P384) => Curve::P384,
                    Some(oids::P521) => Curve::P521,
                    _ => return Err("x509: unsupported elliptic curve".into()),
                })
            }
            _ => KeyAlg::Unknown,
        };
        let (common_name, organizations) = go_subject(&x)?;
        let mut c = Cert {
            raw: der.to_vec(),
            raw_tbs: tbs.as_ref().to_vec(),
            raw_subject: tbs.subject.as_raw().to_vec(),
            raw_issuer: tbs.issuer.as_raw().to_vec(),
            raw_spki: spki.raw.to_vec(),
            version,
            serial: tbs.serial.to_string(),
            not_before: ts(&tbs.validity.not_before)?,
            not_after: ts(&tbs.validity.not_after)?,
            key_alg,
            key_bits: spki.subject_public_key.data.to_vec(),
            sig_alg: sig_alg(&x),
            signature: x.signature_value.data.to_vec(),
            unhandled_critical: false,
            bc_valid: false,
            is_ca: false,
            max_path_len: -1,
            ku_nonzero: false,
            ku_cert_sign: false,
            eku_listed: false,
            eku_any: false,
            eku_client: false,
            skid: vec![],
            akid: vec![],
            san_value: None,
            dns_names: vec![],
            ip_addresses: vec![],
            emails: vec![],
            uris: vec![],
            name_constraints: None,
            policies: vec![],
            require_explicit_policy: None,
            inhibit_any_policy: None,
            policy_mappings: false,
            common_name,
            organizations,
        };
        // Go reads extensions of v3 certificates only (parser.go, parseCertificate).
        if version == 3 {
            c.read_extensions(&x)?;
        }
        Ok(c)
    }

    /// Go's `processExtensions` (parser.go): which extensions it understands, so which
    /// critical ones are "unhandled".
    fn read_extensions(&mut self, x: &X509Certificate<'_>) -> Result<(), String> {
        for e in x.extensions() {
            let oid = e.oid.to_id_string();
            let mut unhandled = false;
            let bad = |what: &str| format!("x509: invalid {what}");
            match e.parsed_extension() {
                // Go parses (and refuses when malformed) only the extensions it handles;
                // any other extension is opaque to it, malformed or not.
                ParsedExtension::ParseError { error }
                    if GO_PARSED_EXTENSIONS.contains(&oid.as_str()) =>
                {
                    return Err(format!("x509: invalid extension {oid}: {error}"));
                }
                ParsedExtension::ParseError { .. } => unhandled = true,
                ParsedExtension::KeyUsage(ku) => {
                    // Go reads the first 9 bits.
                    self.ku_nonzero = ku.flags & 0x1ff != 0;
                    self.ku_cert_sign = ku.key_cert_sign();
                }
                ParsedExtension::BasicConstraints(bc) => {
                    self.bc_valid = true;
                    self.is_ca = bc.ca;
                    self.max_path_len = bc.path_len_constraint.map_or(-1, i64::from);
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    self.san_value = Some(e.value.to_vec());
                    let mut understood = 0;
                    for g in &san.general_names {
                        match g {
                            GeneralName::DNSName(d) => {
                                self.dns_names.push(d.to_string());
                                understood += 1;
                            }
                            GeneralName::IPAddress(ip) => {
                                if ip.len() != 4 && ip.len() != 16 {
                                    return Err(bad("IP address in subject alternative name"));
                                }
                                self.ip_addresses.push(ip.to_vec());
                                understood += 1;
                            }
                            GeneralName::RFC822Name(m) => {
                                self.emails.push(m.to_string());
                                understood += 1;
                            }
                            GeneralName::URI(u) => {
                                self.uris.push(u.to_string());
                                understood += 1;
                            }
                            _ => {}
                        }
                    }
                    unhandled = understood == 0;
                }
                ParsedExtension::NameConstraints(nc) => {
                    let mut out = NameConstraints::default();
                    let mut read = |subtrees: &Option<Vec<_>>, permitted: bool| {
                        for st in subtrees.iter().flatten() {
                            let st: &x509_parser::extensions::GeneralSubtree<'_> = st;
                            match &st.base {
                                GeneralName::DNSName(d) => {
                                    if permitted {
                                        out.permitted_dns.push(d.to_string())
                                    } else {
                                        out.excluded_dns.push(d.to_string())
                                    }
                                }
                                GeneralName::IPAddress(b) if b.len() == 8 || b.len() == 32 => {
                                    let (ip, mask) = b.split_at(b.len() / 2);
                                    let v = (ip.to_vec(), mask.to_vec());
                                    if permitted {
                                        out.permitted_ip.push(v)
                                    } else {
                                        out.excluded_ip.push(v)
                                    }
                                }
                                GeneralName::RFC822Name(m) => {
                                    if permitted {
                                        out.permitted_email.push(m.to_string())
                                    } else {
                                        out.excluded_email.push(m.to_string())
                                    }
                                }
                                GeneralName::URI(u) => {
                                    if permitted {
                                        out.permitted_uri.push(u.to_string())
                                    } else {
                                        out.excluded_uri.push(u.to_string())
                                    }
                                }
                                _ => unhandled = true,
                            }
                        }
                    };
                    read(&nc.permitted_subtrees, true);
                    read(&nc.excluded_subtrees, false);
                    self.name_constraints = Some(out);
                }
                ParsedExtension::AuthorityKeyIdentifier(akid) => {
                    if e.critical {
                        return Err(
                            "x509: authority key identifier incorrectly marked critical".into()
                        );
                    }
                    self.akid = akid
                        .key_identifier
                        .as_ref()
                        .map(|k| k.0.to_vec())
                        .unwrap_or_default();
                }
                ParsedExtension::SubjectKeyIdentifier(skid) => {
                    if e.critical {
                        return Err(
                            "x509: subject key identifier incorrectly marked critical".into()
                        );
                    }
                    self.skid = skid.0.to_vec();
                }
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    self.eku_any = eku.any;
                    self.eku_client = eku.client_auth;
                    self.eku_listed = eku.any
                        || eku.server_auth
                        || eku.client_auth
                        || eku.code_signing
                        || eku.email_protection
                        || eku.time_stamping
                        || eku.ocsp_signing
                        || !eku.other.is_empty();
                }
                ParsedExtension::PolicyConstraints(pc) => {
                    self.require_explicit_policy = pc.require_explicit_policy.map(i64::from);
                }
                ParsedExtension::PolicyMappings(_) => self.policy_mappings = true,
                ParsedExtension::InhibitAnyPolicy(ia) => {
                    self.inhibit_any_policy = Some(i64::from(ia.skip_certs));
                }
                ParsedExtension::CertificatePolicies(cp) => {
                    self.policies = cp.iter().map(|p| p.policy_id.to_id_string()).collect();
                }
                ParsedExtension::CRLDistributionPoints(_) => {}
                ParsedExtension::AuthorityInfoAccess(_) => {
                    if e.critical {
                        return Err(
                            "x509: authority info access incorrectly marked critical".into()
                        );
                    }
                }
                _ => {
                    // Go handles every id-ce extension listed above and AIA; anything
                    // else is unhandled (and matters when critical).
                    unhandled = oid != oids::AIA;
                }
            }
            if e.critical && unhandled {
                self.unhandled_critical = true;
            }
        }
        Ok(())
    }

    /// `certificateIdentifier` in x509.go.
    fn identifier(&self) -> String {
        format!(
            "SN={}, SKID={}, AKID={}",
            self.serial,
            colon_hex(&self.skid),
            colon_hex(&self.akid)
        )
    }

    /// The name Go's UnknownAuthorityError shows for a candidate.
    fn hint_name(&self) -> String {
        if !self.common_name.is_empty() {
            self.common_name.clone()
        } else if let Some(o) = self.organizations.first() {
            o.clone()
        } else {
            format!("serial:{}", self.serial)
        }
    }

    /// `Certificate.isValid` (verify.go).
    fn is_valid(&self, kind: CertType, chain: &[&Cert], now: Timestamp) -> Result<(), GoError> {
        if self.unhandled_critical {
            return Err(GoError::UnhandledCriticalExtension);
        }
        if let Some(child) = chain.last()
            && child.raw_issuer != self.raw_subject
        {
            return Err(GoError::NameMismatch);
        }
        if now < self.not_before {
            return Err(GoError::Expired(format!(
                "current time {} is before {}",
                rfc3339(now),
                rfc3339(self.not_before)
            )));
        } else if now > self.not_after {
            return Err(GoError::Expired(format!(
                "current time {} is after {}",
                rfc3339(now),
                rfc3339(self.not_after)
            )));
        }
        // KeyUsage is ignored here, as Go does (see the Gutmann quote in verify.go).
        if kind == CertType::Intermediate && (!self.bc_valid || !self.is_ca) {
            return Err(GoError::NotAuthorizedToSign);
        }
        if self.bc_valid && self.max_path_len >= 0 {
            let intermediates = chain.len() as i64 - 1;
            if intermediates > self.max_path_len {
                return Err(GoError::TooManyIntermediates);
            }
        }
        Ok(())
    }

    /// `Certificate.CheckSignatureFrom` (x509.go).
    fn check_signature_from(&self, parent: &Cert) -> Result<(), GoError> {
        if (parent.version == 3 && !parent.bc_valid) || (parent.bc_valid && !parent.is_ca) {
            return Err(GoError::ConstraintViolation);
        }
        if parent.ku_nonzero && !parent.ku_cert_sign {
            return Err(GoError::ConstraintViolation);
        }
        if parent.key_alg == KeyAlg::Unknown {
            return Err(GoError::Signature(
                "x509: cannot verify signature: algorithm unimplemented".into(),
            ));
        }
        verify_signature(self.sig_alg, &self.raw_tbs, &self.signature, parent)
    }
}

fn colon_hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Subject CN (the last string-valued one wins, as in `pkix.Name.FillFromRDNSequence`)
/// and every O in order, with Go's string decoding (parser.go, `parseASN1String`).
fn go_subject(x: &X509Certificate<'_>) -> Result<(String, Vec<String>), String> {
    let mut cn = String::new();
    let mut orgs = Vec::new();
    for (name, is_subject) in [
        (&x.tbs_certificate.issuer, false),
        (&x.tbs_certificate.subject, true),
    ] {
        for rdn in name.iter_rdn() {
            for atv in rdn.iter() {
                let any = atv.attr_value();
                let value = go_string(any.tag(), any.data).map_err(|e| {
                    format!("x509: invalid RDNSequence: invalid attribute value: {e}")
                })?;
                let (Some(value), true) = (value, is_subject) else {
                    continue;
                };
                match atv.attr_type().to_id_string().as_str() {
                    oids::CN => cn = value,
                    oids::O => orgs.push(value),
                    _ => {}
                }
            }
        }
    }
    Ok((cn, orgs))
}

/// `parseASN1String`: `Ok(None)` for values that are not strings.
fn go_string(tag: Tag, data: &[u8]) -> Result<Option<String>, String> {
    let s = match tag {
        Tag::T61String => data.iter().map(|&b| b as char).collect(),
        Tag::PrintableString => {
            let printable = |b: u8| b.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(&b);
            if !data.iter().all(|&b| printable(b)) {
                return Err("invalid PrintableString".into());
            }
            String::from_utf8_lossy(data).into_owned()
        }
        Tag::Utf8String => String::from_utf8(data.to_vec()).map_err(|_| "invalid UTF-8 string")?,
        Tag::BmpString => {
            if !data.len().is_multiple_of(2) {
                return Err("invalid BMPString".into());
            }
            let mut d = data;
            if d.len() >= 2 && d[d.len() - 1] == 0 && d[d.len() - 2] == 0 {
                d = &d[..d.len() - 2];
            }
            let mut units = Vec::with_capacity(d.len() / 2);
            for pair in d.chunks(2) {
                let p = u16::from_be_bytes([pair[0], pair[1]]);
                if p == 0xfffe
                    || p == 0xffff
                    || (0xfdd0..=0xfdef).contains(&p)
                    || (0xd800..=0xdfff).contains(&p)
                {
                    return Err("invalid BMPString".into());
                }
                units.push(p);
            }
            String::from_utf16(&units).map_err(|_| "invalid BMPString")?
        }
        Tag::Ia5String => {
            if !data.is_ascii() {
                return Err("invalid IA5String".into());
            }
            String::from_utf8_lossy(data).into_owned()
        }
        Tag::NumericString => {
            if !data.iter().all(|&b| b.is_ascii_digit() || b == b' ') {
                return Err("invalid NumericString".into());
            }
            String::from_utf8_lossy(data).into_owned()
        }
        _ => return Ok(None),
    };
    Ok(Some(s))
}

/// Go's `getSignatureAlgorithmFromAI`, for the algorithms it knows.
fn sig_alg(x: &X509Certificate<'_>) -> SigAlg {
    let ai = &x.signature_algorithm;
    match ai.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.11" => SigAlg::RsaPkcs1(Hash::Sha256),
        "1.2.840.113549.1.1.12" => SigAlg::RsaPkcs1(Hash::Sha384),
        "1.2.840.113549.1.1.13" => SigAlg::RsaPkcs1(Hash::Sha512),
        "1.2.840.10045.4.3.2" => SigAlg::Ecdsa(Hash::Sha256),
        "1.2.840.10045.4.3.3" => SigAlg::Ecdsa(Hash::Sha384),
        "1.2.840.10045.4.3.4" => SigAlg::Ecdsa(Hash::Sha512),
        "1.3.101.112" => SigAlg::Ed25519,
        "1.2.840.113549.1.1.5" => SigAlg::Insecure("SHA1-RSA"),
        "1.2.840.113549.1.1.4" => SigAlg::Insecure("MD5-RSA"),
        "1.2.840.113549.1.1.2" => SigAlg::Insecure("MD2-RSA"),
        "1.2.840.10045.4.1" => SigAlg::Insecure("ECDSA-SHA1"),
        "1.2.840.113549.1.1.10" => pss_hash(ai).map_or(SigAlg::Unknown, SigAlg::RsaPss),
        _ => SigAlg::Unknown,
    }
}

/// The hash of an RSASSA-PSS AlgorithmIdentifier that Go accepts: SHA-256/384/512 with
/// MGF1 of the same hash and a salt as long as the hash (x509.go, `getSignatureAlgorithmFromAI`).
fn pss_hash(ai: &x509_parser::x509::AlgorithmIdentifier<'_>) -> Option<Hash> {
    use x509_parser::signature_algorithm::{RsaSsaPssParams, SignatureAlgorithm};
    let SignatureAlgorithm::RSASSA_PSS(p) = SignatureAlgorithm::try_from(ai).ok()? else {
        return None;
    };
    let p: &RsaSsaPssParams = &p;
    let (hash, len) = match p.hash_algorithm_oid().to_id_string().as_str() {
        "2.16.840.1.101.3.4.2.1" => (Hash::Sha256, 32),
        "2.16.840.1.101.3.4.2.2" => (Hash::Sha384, 48),
        "2.16.840.1.101.3.4.2.3" => (Hash::Sha512, 64),
        _ => return None,
    };
    let mgf = p.mask_gen_algorithm().ok()?;
    if mgf.hash.to_id_string() != p.hash_algorithm_oid().to_id_string() {
        return None;
    }
    (p.salt_length() == len && p.trailer_field() == 1).then_some(hash)
}

/// `checkSignature` (x509.go), with Go's error texts.
fn verify_signature(
    alg: SigAlg,
    tbs: &[u8],
    signature: &[u8],
    parent: &Cert,
) -> Result<(), GoError> {
    let mismatch = |want: &str| {
        let have = match parent.key_alg {
            KeyAlg::Rsa => "*rsa.PublicKey",
            KeyAlg::Ecdsa(_) => "*ecdsa.PublicKey",
            KeyAlg::Ed25519 => "ed25519.PublicKey",
            KeyAlg::Unknown => "<nil>",
        };
        Err(GoError::Signature(format!(
            "x509: signature algorithm specifies an {want} public key, but have public key of type {have}"
        )))
    };
    let algorithm: &'static dyn VerificationAlgorithm = match (alg, parent.key_alg) {
        (SigAlg::Insecure(name), _) => {
            return Err(GoError::Signature(format!(
                "x509: cannot verify signature: insecure algorithm {name}"
            )));
        }
        (SigAlg::Unknown, _) => {
            return Err(GoError::Signature(
                "x509: cannot verify signature: algorithm unimplemented".into(),
            ));
        }
        (SigAlg::RsaPkcs1(_) | SigAlg::RsaPss(_), KeyAlg::Rsa)
            if rsa_modulus_bits(&parent.key_bits) < 1024 =>
        {
            // crypto/rsa's checkKeySize (the rsa1024min GODEBUG, on by default).
            return Err(GoError::Signature(format!(
                "crypto/rsa: {}-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)",
                rsa_modulus_bits(&parent.key_bits)
            )));
        }
        (SigAlg::RsaPkcs1(h), KeyAlg::Rsa) => {
            // aws-lc-rs keeps RSA keys under 2048 bits behind "legacy" names; Go verifies
            // them (it only refuses keys under 1024 bits).
            match (h, rsa_modulus_bits(&parent.key_bits) < 2048) {
                (Hash::Sha256, true) => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                (Hash::Sha512, true) => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
                (Hash::Sha384, true) => {
                    return Err(GoError::Unsupported(
                        "an RSA key under 2048 bits signing with SHA-384".into(),
                    ));
                }
                (Hash::Sha256, false) => &sig::RSA_PKCS1_2048_8192_SHA256,
                (Hash::Sha384, false) => &sig::RSA_PKCS1_2048_8192_SHA384,
                (Hash::Sha512, false) => &sig::RSA_PKCS1_2048_8192_SHA512,
            }
        }
        (SigAlg::RsaPss(h), KeyAlg::Rsa) => {
            if rsa_modulus_bits(&parent.key_bits) < 2048 {
                return Err(GoError::Unsupported(
                    "an RSA-PSS signature by a key under 2048 bits".into(),
                ));
            }
            match h {
                Hash::Sha256 => &sig::RSA_PSS_2048_8192_SHA256,
                Hash::Sha384 => &sig::RSA_PSS_2048_8192_SHA384,
                Hash::Sha512 => &sig::RSA_PSS_2048_8192_SHA512,
            }
        }
        (SigAlg::RsaPkcs1(_) | SigAlg::RsaPss(_), _) => return mismatch("RSA"),
        // Go lets any curve sign with any of the SHA-2 hashes.
        (SigAlg::Ecdsa(h), KeyAlg::Ecdsa(curve)) => match (curve, h) {
            (Curve::P256, Hash::Sha256) => &sig::ECDSA_P256_SHA256_ASN1,
            (Curve::P256, Hash::Sha384) => &sig::ECDSA_P256_SHA384_ASN1,
            (Curve::P256, Hash::Sha512) => &sig::ECDSA_P256_SHA512_ASN1,
            (Curve::P384, Hash::Sha256) => &sig::ECDSA_P384_SHA256_ASN1,
            (Curve::P384, Hash::Sha384) => &sig::ECDSA_P384_SHA384_ASN1,
            (Curve::P384, Hash::Sha512) => &sig::ECDSA_P384_SHA512_ASN1,
            (Curve::P521, Hash::Sha256) => &sig::ECDSA_P521_SHA256_ASN1,
            (Curve::P521, Hash::Sha384) => &sig::ECDSA_P521_SHA384_ASN1,
            (Curve::P521, Hash::Sha512) => &sig::ECDSA_P521_SHA512_ASN1,
        },
        (SigAlg::Ecdsa(_), _) => return mismatch("ECDSA"),
        (SigAlg::Ed25519, KeyAlg::Ed25519) => &sig::ED25519,
        (SigAlg::Ed25519, _) => return mismatch("Ed25519"),
    };
    UnparsedPublicKey::new(algorithm, &parent.key_bits)
        .verify(tbs, signature)
        .map_err(|_| {
            GoError::Signature(
                match parent.key_alg {
                    KeyAlg::Rsa => "crypto/rsa: verification error",
                    KeyAlg::Ecdsa(_) => "x509: ECDSA verification failure",
                    _ => "x509: Ed25519 verification failure",
                }
                .into(),
            )
        })
}

/// Bits in the modulus of a PKCS#1 RSAPublicKey.
fn rsa_modulus_bits(der: &[u8]) -> usize {
    use x509_parser::public_key::PublicKey;
    match x509_parser::public_key::RSAPublicKey::from_der(der) {
        Ok((_, k)) => PublicKey::RSA(k).key_size(),
        Err(_) => 0,
    }
}

// ---------------------------------------------------------------------------------------
// Pools and chain building.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CertType {
    Intermediate,
    Root,
}

/// `CertPool`: certificates by subject, in the order added, without duplicates.
#[derive(Default)]
struct Pool {
    certs: Vec<Cert>,
    by_name: HashMap<Vec<u8>, Vec<usize>>,
}

impl Pool {
    fn add(&mut self, c: Cert) {
        if self.contains(&c) {
            return;
        }
        self.by_name
            .entry(c.raw_subject.clone())
            .or_default()
            .push(self.certs.len());
        self.certs.push(c);
    }

    fn contains(&self, c: &Cert) -> bool {
        self.certs.iter().any(|x| x.raw == c.raw)
    }

    /// `findPotentialParents`: same subject as `c`'s issuer; AKID/SKID matches first.
    fn potential_parents(&self, c: &Cert) -> Vec<&Cert> {
        let mut matching = vec![];
        let mut one = vec![];
        let mut mismatch = vec![];
        for &i in self.by_name.get(&c.raw_issuer).into_iter().flatten() {
            let cand = &self.certs[i];
            if cand.skid == c.akid {
                matching.push(cand);
            } else if cand.skid.is_empty() != c.akid.is_empty() {
                one.push(cand);
            } else {
                mismatch.push(cand);
            }
        }
        matching.extend(one);
        matching.extend(mismatch);
        matching
    }
}

struct Verifier<'a> {
    roots: &'a Pool,
    intermediates: &'a Pool,
    now: Timestamp,
}

const MAX_SIGNATURE_CHECKS: usize = 100;

impl<'a> Verifier<'a> {
    /// `Certificate.Verify` with KeyUsages = [ClientAuth].
    fn verify(&self, leaf: &'a Cert) -> Result<(), GoError> {
        leaf.is_valid_leaf(self.now)?;
        let candidates = if self.roots.contains(leaf) {
            vec![vec![leaf]]
        } else {
            let mut checks = 0;
            self.build_chains(&[leaf], &mut checks)?
        };
        let mut incompatible_usage = 0;
        let mut constraints_err = None;
        let mut unsupported = None;
        let mut valid = 0;
        let mut invalid_policies = 0;
        for chain in &candidates {
            match policies_valid(chain) {
                Ok(true) => {}
                Ok(false) => {
                    invalid_policies += 1;
                    continue;
                }
                Err(e) => {
                    unsupported.get_or_insert(e);
                    continue;
                }
            }
            if !chain_allows_client_auth(chain) {
                incompatible_usage += 1;
                continue;
            }
            if let Err(e) = check_chain_constraints(chain) {
                if let GoError::Unsupported(_) = e {
                    unsupported.get_or_insert(e);
                } else {
                    constraints_err.get_or_insert(e);
                }
                continue;
            }
            if contains_distrusted_spki(chain) {
                continue;
            }
            valid += 1;
        }
        if valid > 0 {
            return Ok(());
        }
        if let Some(e) = unsupported {
            return Err(e);
        }
        if let Some(e) = constraints_err {
            return Err(e);
        }
        let mut details = vec![];
        if incompatible_usage > 0 {
            if invalid_policies == 0 {
                return Err(GoError::IncompatibleUsage);
            }
            details.push(format!(
                "{incompatible_usage} candidate chains with incompatible key usage"
            ));
        }
        if invalid_policies > 0 {
            details.push(format!(
                "{invalid_policies} candidate chains with invalid policies"
            ));
        }
        Err(GoError::NoValidChains(details.join(", ")))
    }

    /// `buildChains`, including its quirk: when the last candidate that got as far as
    /// `isValid` failed there, that error (not "unknown authority") is what Go returns.
    fn build_chains(
        &self,
        current: &[&'a Cert],
        checks: &mut usize,
    ) -> Result<Vec<Vec<&'a Cert>>, GoError> {
        let Some(&c) = current.last() else {
            return Ok(vec![]);
        };
        let mut chains = vec![];
        let mut err: Option<GoError> = None;
        let mut hint: Option<(GoError, &Cert)> = None;
        'pools: for (kind, pool) in [
            (CertType::Root, self.roots),
            (CertType::Intermediate, self.intermediates),
        ] {
            for cand in pool.potential_parents(c) {
                *checks += 1;
                if *checks > MAX_SIGNATURE_CHECKS {
                    err = Some(GoError::SignatureLimit);
                    break 'pools;
                }
                // Go skips a candidate whose key it could not parse (PublicKey == nil).
                if cand.key_alg == KeyAlg::Unknown || already_in_chain(cand, current) {
                    continue;
                }
                if let Err(e) = c.check_signature_from(cand) {
                    hint.get_or_insert((e, cand));
                    continue;
                }
                match cand.is_valid(kind, current, self.now) {
                    Err(e) => {
                        hint.get_or_insert((e.clone(), cand));
                        err = Some(e);
                        continue;
                    }
                    Ok(()) => err = None,
                }
                let mut next = current.to_vec();
                next.push(cand);
                match kind {
                    CertType::Root => chains.push(next),
                    CertType::Intermediate => match self.build_chains(&next, checks) {
                        Ok(found) => {
                            err = None;
                            chains.extend(found);
                        }
                        Err(e) => {
                            let limit = matches!(e, GoError::SignatureLimit);
                            err = Some(e);
                            if limit {
                                break 'pools;
                            }
                        }
                    },
                }
            }
        }
        if !chains.is_empty() {
            return Ok(chains);
        }
        Err(err.unwrap_or_else(|| {
            GoError::UnknownAuthority(hint.map(|(e, cert)| (e.to_string(), cert.hint_name())))
        }))
    }
}

impl Cert {
    fn is_valid_leaf(&self, now: Timestamp) -> Result<(), GoError> {
        // A leaf is checked with an empty chain: neither the name nor the CA checks apply,
        // and a path length cannot be exceeded.
        self.is_valid(CertType::Root, &[], now)
    }
}

/// `distrustedSPKIHashes` (verify.go): keys Go refuses in any chain, whoever trusts them.
const DISTRUSTED_SPKI_SHA256: [&str; 8] = [
    "ebed6475c2c2d80fcb199f3fe8dd6e6b3ce60b77eb15d4e42c3dec0c6f5b5105",
    "49dd353dc2b919a3770645117d0e60c16115e7d1bc259eefe734b00ea434fe5f",
    "e0254c7fcdc265e2f0f8a428dabb75ab4ae039b4872d62f5ee57f0877d5a8a41",
    "5c0660a2b164910d8ff589c18e14552e9e0ec237dcefe2cb736d41a4811f81a0",
    "43bffa19d6ef651451f6841e019931e96f6f2eaeff28ab4b6f1ce4576de2717b",
    "63ecefee431d49523bc1136c4e72d0206a477086caf606cd5cf025686c109cf8",
    "ec4ffa1ad0ac88081314b7aaffef6a91f97cd57291bb5ba686c5415f5eb4f6b6",
    "92c063d67e8f14db71d288e11266ffdaf69cbf115f7bab14f3bc2f68d25e0e30",
];

fn contains_distrusted_spki(chain: &[&Cert]) -> bool {
    chain.iter().any(|c| {
        let h = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &c.raw_spki);
        DISTRUSTED_SPKI_SHA256.contains(&hex::encode(h.as_ref()).as_str())
    })
}

/// `alreadyInChain`: same subject, same key and same SAN extension as a cert in the chain.
fn already_in_chain(cand: &Cert, chain: &[&Cert]) -> bool {
    chain.iter().any(|c| {
        c.raw_subject == cand.raw_subject
            && c.raw_spki == cand.raw_spki
            && match (&cand.san_value, &c.san_value) {
                (None, None) => true,
                (Some(a), Some(b)) => a == b,
                _ => false,
            }
    })
}

/// `checkChainForKeyUsage` with the one requested usage, ClientAuth: every certificate
/// that lists extended key usages must list clientAuth or anyExtendedKeyUsage.
fn chain_allows_client_auth(chain: &[&Cert]) -> bool {
    chain
        .iter()
        .all(|c| !c.eku_listed || c.eku_any || c.eku_client)
}

/// `checkChainConstraints` (constraints.go): the name constraints of each CA apply to the
/// SANs of every certificate below it.
fn check_chain_constraints(chain: &[&Cert]) -> Result<(), GoError> {
    for (i, c) in chain.iter().enumerate() {
        if c.san_value.is_none() {
            continue;
        }
        let mut constraints = chain[i + 1..]
            .iter()
            .filter_map(|a| a.name_constraints.as_ref())
            .peekable();
        if constraints.peek().is_none() {
            continue;
        }
        let fail = GoError::NotAuthorizedForName;
        let uris = c
            .uris
            .iter()
            .map(|u| uri_domain(u).map(|d| (u.as_str(), d)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        let emails = c
            .emails
            .iter()
            .map(|e| {
                parse_mailbox(e)
                    .map(|(l, d)| (l, d.to_ascii_lowercase()))
                    .ok_or_else(|| format!("cannot parse rfc822Name {}", go_quote(e)))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        for nc in constraints {
            check_names(nc, c, &uris, &emails).map_err(fail)?;
        }
    }
    Ok(())
}

fn check_names(
    nc: &NameConstraints,
    c: &Cert,
    uris: &[(&str, String)],
    emails: &[(String, String)],
) -> Result<(), String> {
    for ip in &c.ip_addresses {
        let shown = show_ip(ip);
        let matches = |(net, mask): &(Vec<u8>, Vec<u8>)| {
            net.len() == ip.len()
                && ip
                    .iter()
                    .zip(net.iter().zip(mask))
                    .all(|(a, (n, m))| a & m == n & m)
        };
        let permitted: Vec<_> = nc.permitted_ip.iter().collect();
        if !permitted.is_empty() {
            let same_family: Vec<_> = permitted
                .iter()
                .filter(|(n, _)| n.len() == ip.len())
                .collect();
            if !same_family.iter().any(|p| matches(p)) {
                return Err(format!(
                    "IP address {} is not permitted by any constraint",
                    go_quote(&shown)
                ));
            }
        }
        if let Some((net, mask)) = nc.excluded_ip.iter().find(|p| matches(p)) {
            return Err(format!(
                "IP address {} is excluded by constraint {}",
                go_quote(&shown),
                go_quote(&show_ipnet(net, mask))
            ));
        }
    }
    for d in &c.dns_names {
        if !domain_name_valid(d, false) {
            return Err(format!("x509: cannot parse dnsName {}", go_quote(d)));
        }
        if !nc.permitted_dns.is_empty()
            && !nc
                .permitted_dns
                .iter()
                .any(|p| p.is_empty() || dns_has_suffix(p, d))
        {
            return Err(format!(
                "DNS name {} is not permitted by any constraint",
                go_quote(d)
            ));
        }
        if !nc.excluded_dns.is_empty() {
            let hit = nc
                .excluded_dns
                .iter()
                .find(|x| x.is_empty() || dns_has_suffix(x, d))
                .cloned()
                .or_else(|| {
                    // A wildcard SAN is excluded when its parent is an excluded name's parent.
                    let lower = d.to_ascii_lowercase();
                    let trimmed = lower.starts_with('*').then(|| trim_first_label(&lower))?;
                    nc.excluded_dns
                        .iter()
                        .find(|x| {
                            let t = trim_first_label(&x.to_ascii_lowercase());
                            !t.is_empty() && t == trimmed
                        })
                        .map(|x| x.to_ascii_lowercase())
                });
            if let Some(x) = hit {
                return Err(format!(
                    "DNS name {} is excluded by constraint {}",
                    go_quote(d),
                    go_quote(&x)
                ));
            }
        }
    }
    for (uri, domain) in uris {
        if !domain_name_valid(domain, false) {
            return Err(format!(
                "x509: internal error: URI SAN {} failed to parse",
                go_quote(uri)
            ));
        }
        let matches = |x: &String| x.is_empty() || dns_has_suffix(x, domain);
        if !nc.permitted_uri.is_empty() && !nc.permitted_uri.iter().any(matches) {
            return Err(format!(
                "URI {} is not permitted by any constraint",
                go_quote(uri)
            ));
        }
        if let Some(x) = nc.excluded_uri.iter().find(|x| matches(x)) {
            return Err(format!(
                "URI {} is excluded by constraint {}",
                go_quote(uri),
                go_quote(x)
            ));
        }
    }
    for (local, domain) in emails {
        let shown = format!("{local}@{domain}");
        if !domain_name_valid(domain, false) {
            return Err(format!(
                "x509: cannot parse rfc822Name {}",
                go_quote(&shown)
            ));
        }
        // emailConstraints.query: a constraint with '@' is one exact mailbox (domain
        // compared case-insensitively); otherwise a domain, matched like a DNS name.
        let hit = |list: &[String]| -> Option<String> {
            list.iter().find_map(|x| {
                if x.contains('@') {
                    let (l, d) = parse_mailbox(x)?;
                    (l == *local && d.to_ascii_lowercase() == *domain)
                        .then(|| format!("{l}@{}", d.to_ascii_lowercase()))
                } else {
                    (x.is_empty() || dns_has_suffix(x, domain)).then(|| x.clone())
                }
            })
        };
        if !nc.permitted_email.is_empty() && hit(&nc.permitted_email).is_none() {
            return Err(format!(
                "email address {} is not permitted by any constraint",
                go_quote(&shown)
            ));
        }
        if let Some(x) = hit(&nc.excluded_email) {
            return Err(format!(
                "email address {} is excluded by constraint {}",
                go_quote(&shown),
                go_quote(&x)
            ));
        }
    }
    Ok(())
}

/// `domainNameValid` (parser.go): no trailing dot, printable ASCII, no empty label.
fn domain_name_valid(s: &str, constraint: bool) -> bool {
    if s.is_empty() {
        return true;
    }
    if s.ends_with('.') {
        return false;
    }
    let s = if constraint {
        s.strip_prefix('.').unwrap_or(s)
    } else {
        s
    };
    s.bytes().all(|b| (33..=126).contains(&b)) && s.split('.').all(|l| !l.is_empty())
}

/// `parseRFC2821Mailbox` (verify.go): the local part (quoted-string or dot-atom) and the
/// domain, or `None`.
fn parse_mailbox(input: &str) -> Option<(String, String)> {
    let b = input.as_bytes();
    let mut local = Vec::new();
    let mut i = 0;
    if b.first() == Some(&b'"') {
        i = 1;
        loop {
            let c = *b.get(i)?;
            i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let n = *b.get(i)?;
                    if matches!(n, 1..=9 | 11 | 12 | 14..=127) {
                        local.push(n);
                        i += 1;
                    } else {
                        return None;
                    }
                }
                1..=8 | 11 | 12 | 14..=31 | 32 | 33 | 35..=91 | 93..=127 => local.push(c),
                _ => return None,
            }
        }
    } else {
        while i < b.len() {
            let mut c = b[i];
            if c == b'\\' {
                i += 1;
                c = *b.get(i)?;
            } else if !(c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&c)) {
                break;
            }
            local.push(c);
            i += 1;
        }
        if local.is_empty()
            || local[0] == b'.'
            || local[local.len() - 1] == b'.'
            || local.windows(2).any(|w| w == b"..")
        {
            return None;
        }
    }
    if b.get(i) != Some(&b'@') {
        return None;
    }
    let domain = &input[i + 1..];
    if !domain_name_valid(domain, false) || domain.contains('@') {
        return None;
    }
    Some((
        String::from_utf8_lossy(&local).into_owned(),
        domain.to_string(),
    ))
}

/// The lowercased host of a URI SAN, as constraints.go's `parseURIs` takes it from Go's
/// `url.URL.Host`; an error for URIs that cannot be matched against constraints.
fn uri_domain(uri: &str) -> Result<String, String> {
    let after_scheme = uri.split_once(':').map_or("", |(_, rest)| rest);
    let host = after_scheme
        .strip_prefix("//")
        .map(|rest| {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let authority = &rest[..end];
            authority.rsplit_once('@').map_or(authority, |(_, h)| h)
        })
        .unwrap_or("");
    let mut host = host.to_ascii_lowercase();
    if host.is_empty() {
        return Err(format!(
            "URI with empty host ({}) cannot be matched against constraints",
            go_quote(uri)
        ));
    }
    if host.contains(':') && !host.ends_with(']') {
        // net.SplitHostPort: drop the port.
        if let Some((h, _)) = host.rsplit_once(':') {
            host = h.trim_start_matches('[').trim_end_matches(']').to_string();
        }
    }
    let bracketed = host.starts_with('[') && host.ends_with(']');
    if bracketed || host.parse::<std::net::IpAddr>().is_ok() {
        return Err(format!(
            "URI with IP ({}) cannot be matched against constraints",
            go_quote(uri)
        ));
    }
    Ok(host)
}

const ANY_POLICY: &str = "2.5.29.32.0";

/// `policiesValid` (verify.go, RFC 5280 §6.1 as updated by RFC 9618) with Verify's
/// options as the API server passes them: any policy acceptable, nothing required or
/// inhibited by the caller. The policy graph is kept as the set of valid policies at the
/// current depth, which is exact without policy mappings; a chain whose intermediates map
/// policies is refused as not evaluated.
fn policies_valid(chain: &[&Cert]) -> Result<bool, GoError> {
    if chain.len() == 1 {
        return Ok(true);
    }
    let n = chain.len() as i64 - 1;
    let (mut explicit, mut inhibit_any) = (n + 1, n + 1);
    let mut valid: Option<BTreeSet<String>> = Some([ANY_POLICY.to_string()].into());
    for i in (0..chain.len() - 1).rev() {
        let cert = chain[i];
        let self_signed = cert.raw_issuer == cert.raw_subject;
        if cert.policies.is_empty() {
            valid = None;
        }
        if explicit == 0 && valid.is_none() {
            return Ok(false);
        }
        if let Some(above) = &valid {
            let mut next: BTreeSet<String> = cert
                .policies
                .iter()
                .filter(|p| *p != ANY_POLICY && (above.contains(*p) || above.contains(ANY_POLICY)))
                .cloned()
                .collect();
            if cert.policies.iter().any(|p| p == ANY_POLICY)
                && (inhibit_any > 0 || (i > 0 && self_signed))
            {
                next.extend(above.iter().cloned());
            }
            if i != 0 && cert.policy_mappings {
                return Err(GoError::Unsupported(
                    "certificate policy mappings in the chain".into(),
                ));
            }
            valid = Some(next);
        }
        if i != 0 {
            if !self_signed {
                explicit = (explicit - 1).max(0);
                inhibit_any = (inhibit_any - 1).max(0);
            }
            if let Some(r) = cert.require_explicit_policy
                && r < explicit
            {
                explicit = r;
            }
            if let Some(s) = cert.inhibit_any_policy
                && s < inhibit_any
            {
                inhibit_any = s;
            }
        }
    }
    explicit = (explicit - 1).max(0);
    if chain[0].require_explicit_policy == Some(0) {
        explicit = 0;
    }
    let any_valid = valid.is_some_and(|v| !v.is_empty());
    Ok(explicit != 0 || any_valid)
}

fn trim_first_label(s: &str) -> String {
    s.find('.').map(|i| s[i..].to_string()).unwrap_or_default()
}

/// `dnsHasSuffix(constraint, name)`: the constraint is a label suffix of the name, ASCII
/// case-insensitively; a leading dot matches subdomains only.
fn dns_has_suffix(constraint: &str, name: &str) -> bool {
    let (a, b) = (constraint.as_bytes(), name.as_bytes());
    if a.len() > b.len() {
        return false;
    }
    let tail = &b[b.len() - a.len()..];
    if !a.eq_ignore_ascii_case(tail) {
        return false;
    }
    !(a.first() != Some(&b'.') && b.len() > a.len() && b[b.len() - a.len() - 1] != b'.')
}

fn show_ip(ip: &[u8]) -> String {
    match ip.len() {
        4 => std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(ip);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => hex::encode(ip),
    }
}

fn show_ipnet(net: &[u8], mask: &[u8]) -> String {
    let ones: u32 = mask.iter().map(|m| m.count_ones()).sum();
    format!("{}/{ones}", show_ip(net))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_escapes_like_strconv_quote() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("équipe\n\x01"), "\"équipe\\n\\x01\"");
    }

    #[test]
    fn dns_suffix_follows_go() {
        assert!(dns_has_suffix("example.com", "a.example.com"));
        assert!(dns_has_suffix("example.com", "example.com"));
        assert!(!dns_has_suffix("example.com", "testexample.com"));
        assert!(dns_has_suffix(".example.com", "a.example.com"));
        assert!(!dns_has_suffix(".example.com", "example.com"));
        assert!(dns_has_suffix("EXAMPLE.com", "a.example.COM"));
    }

    #[test]
    fn nothing_presented_is_malformed() {
        let e = authenticate_client_cert(&[], &[], Timestamp::now()).unwrap_err();
        assert_eq!(e.kind, RejectionKind::Malformed);
        let e = authenticate_client_cert(&[vec![0x30, 0x00]], &[], Timestamp::now()).unwrap_err();
        assert_eq!(e.kind, RejectionKind::Malformed);
    }
}
