//! `kcred cert inspect`'s view of a certificate: the typed [`Certificate`] rendered in
//! openssl's wording (`openssl x509 -text`: `TLS Web Client Authentication`, `DNS:…`,
//! `sha256WithRSAEncryption`) with the Kubernetes identity beside it. This is the output
//! edge: nothing in the library reads these strings back; it reads [`Certificate`].

use jiff::Timestamp;
use serde::Serialize;

use super::certificate::Certificate;
use super::name::Subject;
use super::spec::San;
use crate::identity::Identity;

/// Everything `kcred cert inspect` shows about one certificate.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertFacts {
    /// Subject, one line, values RFC 4514-escaped.
    pub subject: String,
    /// Issuer, one line, values RFC 4514-escaped.
    pub issuer: String,
    /// The subject's attributes in order, values unescaped.
    pub subject_attributes: Vec<super::name::NameAttribute>,
    /// The issuer's attributes in order, values unescaped.
    pub issuer_attributes: Vec<super::name::NameAttribute>,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// NotBefore, RFC 3339.
    pub not_before: Timestamp,
    /// NotAfter, RFC 3339.
    pub not_after: Timestamp,
    /// Whether BasicConstraints says CA:TRUE.
    pub is_ca: bool,
    /// `RSA 2048`, `ECDSA P-256`, `Ed25519`, …
    pub public_key: String,
    /// Signature algorithm.
    pub signature_algorithm: String,
    /// KeyUsage bits by name.
    pub key_usage: Vec<String>,
    /// Extended key usages by name.
    pub extended_key_usage: Vec<String>,
    /// DNS and IP SANs.
    pub subject_alt_names: Vec<String>,
    /// SHA-256 over the DER, colon-separated uppercase hex (openssl's fingerprint form).
    pub sha256_fingerprint: String,
    /// What the API server would authenticate this certificate as, if Go can parse it.
    pub kubernetes: Identity,
    /// Why Go's crypto/x509 cannot parse the certificate (an unsupported curve, say), in
    /// its words: kube-apiserver, kubectl and every Go client then refuse it, and
    /// [`CertFacts::kubernetes`] is what it would have said, not what anyone will read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub go_parse_error: Option<String>,
    /// The subject exactly as kcred reads it.
    #[serde(skip)]
    pub subject_fields: Subject,
    /// Public key, DER SubjectPublicKeyInfo.
    #[serde(skip)]
    pub spki_der: Vec<u8>,
}

impl CertFacts {
    /// Decode a DER certificate. The error is a short description of what is wrong.
    pub fn from_der(der: &[u8]) -> Result<CertFacts, String> {
        let mut facts = Certificate::from_der(der).map(|c| CertFacts::from(&c))?;
        facts.go_parse_error = crate::authn::x509::go_parse_certificate(der).err();
        Ok(facts)
    }

    /// Whether the EKU allows client authentication (absent EKU allows anything, as Go).
    pub fn allows_client_auth(&self) -> bool {
        self.extended_key_usage.is_empty()
            || self
                .extended_key_usage
                .iter()
                .any(|e| e == "TLS Web Client Authentication" || e == "Any")
    }

    /// Warnings for an operator: expiry, client use, the Kubernetes identity's shape.
    pub fn warnings(&self, now: Timestamp) -> Vec<String> {
        let mut w = Vec::new();
        if let Some(e) = &self.go_parse_error {
            w.push(format!(
                "Go's crypto/x509 cannot parse it ({e}): kube-apiserver and every Go client refuse it, so it authenticates no one"
            ));
        }
        if self.not_after <= now {
            w.push(format!("expired at {}", self.not_after));
        } else if self.not_before > now {
            w.push(format!("not valid until {}", self.not_before));
        }
        if !self.is_ca {
            if !self.allows_client_auth() {
                w.push("no clientAuth usage: the API server will not accept it as a client certificate".into());
            }
            w.extend(self.kubernetes.warnings());
        }
        w
    }

    /// Time left until NotAfter (negative when expired).
    pub fn time_left(&self, now: Timestamp) -> jiff::SignedDuration {
        self.not_after.duration_since(now)
    }
}

impl From<&Certificate> for CertFacts {
    fn from(c: &Certificate) -> CertFacts {
        let fingerprint: Vec<String> = c.sha256.iter().map(|b| format!("{b:02X}")).collect();
        CertFacts {
            subject: super::name::display_name(&c.subject_name),
            issuer: super::name::display_name(&c.issuer_name),
            subject_attributes: super::name::attributes(&c.subject_name),
            issuer_attributes: super::name::attributes(&c.issuer_name),
            serial: hex::encode(&c.serial),
            not_before: c.not_before,
            not_after: c.not_after,
            is_ca: c.is_ca,
            public_key: c.key.to_string(),
            signature_algorithm: c.signature.to_string(),
            key_usage: c
                .key_usage
                .map(|ku| ku.names().into_iter().map(String::from).collect())
                .unwrap_or_default(),
            extended_key_usage: c.ekus.iter().map(ToString::to_string).collect(),
            subject_alt_names: c
                .sans
                .iter()
                .map(openssl_san)
                .chain(c.other_sans.iter().cloned())
                .collect(),
            sha256_fingerprint: fingerprint.join(":"),
            kubernetes: c.identity.clone(),
            go_parse_error: None,
            subject_fields: c.subject.clone(),
            spki_der: c.spki_der.clone(),
        }
    }
}

/// A SAN as `openssl x509 -text` writes it: `DNS:…`, `IP:…`, `email:…`, `URI:…`.
fn openssl_san(s: &San) -> String {
    match s {
        San::Dns(d) => format!("DNS:{d}"),
        San::Ip(ip) => format!("IP:{ip}"),
        San::Email(e) => format!("email:{e}"),
        San::Uri(u) => format!("URI:{u}"),
    }
}
