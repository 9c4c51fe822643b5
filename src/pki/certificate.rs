//! A certificate as kcred reasons about it: typed facts (x509-parser decodes them) and the
//! Kubernetes reading of its subject (`k8s.io/apiserver/pkg/authentication/request/x509/
//! x509.go`: username = CN, groups = every O, uid = the one user UID attribute, extra
//! `credential-id` = `X509SHA256=<hex sha256 of the DER>`).
//!
//! Checking (`audit`), keeping (`bootstrap::fit`) and renewing (`renew`) read these types;
//! only [`super::CertFacts`], at the output edge, turns them into openssl's wording.

use std::fmt;
use std::net::IpAddr;

use jiff::Timestamp;
use x509_cert::name::Name;
use x509_parser::extensions::ExtendedKeyUsage;
use x509_parser::prelude::*;

use super::algorithm::{KeyAlgorithm, SignatureAlgorithm};
use super::name::Subject;
use super::oid;
use super::spec::San;
use crate::identity::{CREDENTIAL_ID, Identity};

/// An extended key usage (RFC 5280 §4.2.1.12).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Eku {
    /// anyExtendedKeyUsage.
    Any,
    /// id-kp-serverAuth.
    ServerAuth,
    /// id-kp-clientAuth.
    ClientAuth,
    /// id-kp-codeSigning.
    CodeSigning,
    /// id-kp-emailProtection.
    EmailProtection,
    /// id-kp-timeStamping.
    TimeStamping,
    /// id-kp-OCSPSigning.
    OcspSigning,
    /// Any other, by OID.
    Other(String),
}

impl Eku {
    /// Every usage the extension lists: the known ones in RFC order, then the others.
    pub fn list(e: &ExtendedKeyUsage<'_>) -> Vec<Eku> {
        let known = [
            (e.any, Eku::Any),
            (e.server_auth, Eku::ServerAuth),
            (e.client_auth, Eku::ClientAuth),
            (e.code_signing, Eku::CodeSigning),
            (e.email_protection, Eku::EmailProtection),
            (e.time_stamping, Eku::TimeStamping),
            (e.ocsp_signing, Eku::OcspSigning),
        ];
        let mut out: Vec<Eku> = known
            .into_iter()
            .filter_map(|(on, eku)| on.then_some(eku))
            .collect();
        out.extend(e.other.iter().map(|o| Eku::Other(o.to_id_string())));
        out
    }
}

/// openssl's wording (`TLS Web Client Authentication`, …).
impl fmt::Display for Eku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Eku::Any => "Any",
            Eku::ServerAuth => "TLS Web Server Authentication",
            Eku::ClientAuth => "TLS Web Client Authentication",
            Eku::CodeSigning => "Code Signing",
            Eku::EmailProtection => "E-mail Protection",
            Eku::TimeStamping => "Time Stamping",
            Eku::OcspSigning => "OCSP Signing",
            Eku::Other(o) => o,
        })
    }
}

/// The KeyUsage bits (RFC 5280 §4.2.1.3), as x509-parser reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyUsage(pub u16);

impl KeyUsage {
    /// keyCertSign.
    pub fn cert_sign(self) -> bool {
        self.0 & (1 << 5) != 0
    }

    /// The bits that are set, in openssl's wording and order.
    pub fn names(self) -> Vec<&'static str> {
        [
            "Digital Signature",
            "Non Repudiation",
            "Key Encipherment",
            "Data Encipherment",
            "Key Agreement",
            "Certificate Sign",
            "CRL Sign",
            "Encipher Only",
            "Decipher Only",
        ]
        .into_iter()
        .enumerate()
        .filter(|(bit, _)| self.0 & (1 << bit) != 0)
        .map(|(_, n)| n)
        .collect()
    }
}

/// A decoded certificate.
#[derive(Clone, Debug)]
pub struct Certificate {
    /// The subject as kcred reads it: CN and every O.
    pub subject: Subject,
    /// The subject Name as written.
    pub subject_name: Name,
    /// The issuer Name as written.
    pub issuer_name: Name,
    /// Serial number, its DER content bytes.
    pub serial: Vec<u8>,
    /// NotBefore.
    pub not_before: Timestamp,
    /// NotAfter.
    pub not_after: Timestamp,
    /// Whether BasicConstraints says CA:TRUE.
    pub is_ca: bool,
    /// The subject key's algorithm.
    pub key: KeyAlgorithm,
    /// The signature algorithm.
    pub signature: SignatureAlgorithm,
    /// KeyUsage, if the extension is present.
    pub key_usage: Option<KeyUsage>,
    /// Extended key usages (empty: no extension, which allows any use).
    pub ekus: Vec<Eku>,
    /// DNS, IP, e-mail and URI SANs, in order.
    pub sans: Vec<San>,
    /// SANs of other kinds (directoryName, otherName, …) and IP SANs of the wrong length,
    /// as x509-parser shows them; kcred neither issues nor renews these.
    pub other_sans: Vec<String>,
    /// SHA-256 over the DER.
    pub sha256: [u8; 32],
    /// Public key, DER SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
    /// What the API server would authenticate this certificate as.
    pub identity: Identity,
}

impl Certificate {
    /// Decode a DER certificate. The error is a short description of what is wrong.
    pub fn from_der(der: &[u8]) -> Result<Certificate, String> {
        // The parsers' errors describe their internals; the file is described instead.
        let problem = || super::der_shape::certificate_problem(der);
        let (rest, cert) = X509Certificate::from_der(der).map_err(|_| problem())?;
        if !rest.is_empty() {
            return Err(problem());
        }
        let parsed =
            <x509_cert::Certificate as der::Decode>::from_der(der).map_err(|_| problem())?;
        let tbs = parsed.tbs_certificate();
        // The identity in the order written, as Go reads it (`FillFromRDNSequence`: the last
        // CN): x509_cert sorts a multi-valued RDN's members as DER wants, which can put
        // another CN last. A subject Go's parser refuses is read as before, for display.
        let subject = match crate::authn::x509::go_parse_name(cert.subject().as_raw()) {
            Ok(n) => Subject {
                common_name: n.common_name,
                organizations: n.organizations,
            },
            Err(_) => Subject::from_name("", tbs.subject())
                .map_err(|_| "subject holds a value that is not a string".to_string())?,
        };
        let key_usage = match cert.key_usage() {
            Ok(ku) => ku.map(|ku| KeyUsage(ku.value.flags)),
            Err(e) => return Err(format!("invalid KeyUsage extension: {e}")),
        };
        let ekus = match cert.extended_key_usage() {
            Ok(eku) => eku.map(|e| Eku::list(e.value)).unwrap_or_default(),
            Err(e) => return Err(format!("invalid ExtendedKeyUsage extension: {e}")),
        };
        let (sans, other_sans) = match cert.subject_alternative_name() {
            Ok(Some(san)) => alt_names(&san.value.general_names),
            Ok(None) => (vec![], vec![]),
            Err(e) => return Err(format!("invalid SubjectAltName extension: {e}")),
        };
        let is_ca = match cert.basic_constraints() {
            Ok(bc) => bc.is_some_and(|b| b.value.ca),
            Err(e) => return Err(format!("invalid BasicConstraints extension: {e}")),
        };
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
        let sha256: [u8; 32] = digest.as_ref().try_into().unwrap_or_default();
        let ts = |t: &ASN1Time| Timestamp::from_second(t.timestamp()).unwrap_or(Timestamp::MAX);
        Ok(Certificate {
            identity: kubernetes_identity(&cert, &subject, &sha256),
            subject,
            subject_name: tbs.subject().clone(),
            issuer_name: tbs.issuer().clone(),
            serial: cert.raw_serial().to_vec(),
            not_before: ts(&cert.validity().not_before),
            not_after: ts(&cert.validity().not_after),
            is_ca,
            key: KeyAlgorithm::of(cert.public_key()),
            signature: SignatureAlgorithm::of(&cert.signature_algorithm),
            key_usage,
            ekus,
            sans,
            other_sans,
            sha256,
            spki_der: cert.public_key().raw.to_vec(),
        })
    }

    /// Whether the certificate may be used for `eku`: an absent extension allows anything,
    /// as does anyExtendedKeyUsage (Go's `checkChainForKeyUsage` for one certificate).
    pub fn allows(&self, eku: &Eku) -> bool {
        self.ekus.is_empty() || self.ekus.iter().any(|e| e == eku || *e == Eku::Any)
    }

    /// Whether the certificate allows client authentication.
    pub fn allows_client_auth(&self) -> bool {
        self.allows(&Eku::ClientAuth)
    }

    /// Whether the certificate allows server authentication.
    pub fn allows_server_auth(&self) -> bool {
        self.allows(&Eku::ServerAuth)
    }

    /// Whether the extension lists `eku` itself (anyExtendedKeyUsage does not count).
    pub fn lists(&self, eku: &Eku) -> bool {
        self.ekus.contains(eku)
    }

    /// Why the certificate is not valid at `now` (Go's `isValid` validity check), if so.
    pub fn out_of_validity(&self, now: Timestamp) -> Option<String> {
        if self.not_after <= now {
            Some(format!("expired at {}", self.not_after))
        } else if self.not_before > now {
            Some(format!("not valid before {}", self.not_before))
        } else {
            None
        }
    }
}

/// The SANs kcred models, and the rest in x509-parser's wording.
fn alt_names(names: &[GeneralName<'_>]) -> (Vec<San>, Vec<String>) {
    let mut sans = Vec::new();
    let mut others = Vec::new();
    for g in names {
        match g {
            GeneralName::DNSName(d) => sans.push(San::Dns(d.to_string())),
            GeneralName::IPAddress(b) => match b.len() {
                4 => sans.push(San::Ip(IpAddr::from(
                    <[u8; 4]>::try_from(*b).unwrap_or_default(),
                ))),
                16 => sans.push(San::Ip(IpAddr::from(
                    <[u8; 16]>::try_from(*b).unwrap_or_default(),
                ))),
                _ => others.push("IP:<invalid>".into()),
            },
            GeneralName::RFC822Name(e) => sans.push(San::Email(e.to_string())),
            GeneralName::URI(u) => sans.push(San::Uri(u.to_string())),
            other => others.push(format!("{other:?}")),
        }
    }
    (sans, others)
}

/// The identity x509.go's `CommonNameUserConversion` makes of the certificate.
fn kubernetes_identity(cert: &X509Certificate<'_>, subject: &Subject, sha256: &[u8]) -> Identity {
    let mut id = Identity::new(subject.common_name.clone(), subject.organizations.clone());
    // x509.go parseUIDFromCert: exactly one non-empty user UID attribute is the UID.
    let uids: Vec<_> = cert
        .subject()
        .iter_attributes()
        .filter(|a| a.attr_type().to_id_string() == oid::USER_UID)
        .collect();
    if let [one] = uids.as_slice()
        && let Ok(uid) = one.as_str()
    {
        id.uid = uid.to_string();
    }
    id.extra.insert(
        CREDENTIAL_ID.to_string(),
        vec![format!("X509SHA256={}", hex::encode(sha256))],
    );
    id
}
