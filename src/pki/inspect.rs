//! Reading a certificate the way an operator and the API server would: the X.509 facts
//! (x509-parser decodes them) and the Kubernetes reading of its subject
//! (`k8s.io/apiserver/pkg/authentication/request/x509/x509.go`): username = CN, groups =
//! every O, extra `credential-id` = `X509SHA256=<hex sha256 of the DER>`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use x509_parser::prelude::*;

use super::name::Subject;
use crate::identity::{CREDENTIAL_ID, Identity};

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
    /// What the API server would authenticate this certificate as.
    pub kubernetes: Identity,
    #[serde(skip)]
    pub(crate) key_usage_present: bool,
    #[serde(skip)]
    pub(crate) key_cert_sign: bool,
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
        let (rest, cert) =
            X509Certificate::from_der(der).map_err(|e| format!("invalid certificate: {e}"))?;
        if !rest.is_empty() {
            return Err("invalid certificate: trailing bytes after the DER".into());
        }
        let parsed_name = <x509_cert::Certificate as der::Decode>::from_der(der)
            .map_err(|e| format!("invalid certificate: {e}"))?;
        let subject_fields = Subject::from_name("", parsed_name.tbs_certificate().subject())
            .map_err(|_| "subject holds a value that is not a string".to_string())?;

        let ts = |t: &ASN1Time| Timestamp::from_second(t.timestamp()).unwrap_or(Timestamp::MAX);
        let (key_usage_present, key_cert_sign, key_usage) = match cert.key_usage() {
            Ok(Some(ku)) => {
                let ku = ku.value;
                let names = [
                    (ku.digital_signature(), "Digital Signature"),
                    (ku.non_repudiation(), "Non Repudiation"),
                    (ku.key_encipherment(), "Key Encipherment"),
                    (ku.data_encipherment(), "Data Encipherment"),
                    (ku.key_agreement(), "Key Agreement"),
                    (ku.key_cert_sign(), "Certificate Sign"),
                    (ku.crl_sign(), "CRL Sign"),
                    (ku.encipher_only(), "Encipher Only"),
                    (ku.decipher_only(), "Decipher Only"),
                ];
                let list = names
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, n)| n.to_string())
                    .collect();
                (true, ku.key_cert_sign(), list)
            }
            Ok(None) => (false, false, vec![]),
            Err(e) => return Err(format!("invalid KeyUsage extension: {e}")),
        };
        let extended_key_usage = match cert.extended_key_usage() {
            Ok(Some(eku)) => {
                let e = eku.value;
                let mut v: Vec<String> = [
                    (e.any, "Any"),
                    (e.server_auth, "TLS Web Server Authentication"),
                    (e.client_auth, "TLS Web Client Authentication"),
                    (e.code_signing, "Code Signing"),
                    (e.email_protection, "E-mail Protection"),
                    (e.time_stamping, "Time Stamping"),
                    (e.ocsp_signing, "OCSP Signing"),
                ]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, n)| n.to_string())
                .collect();
                v.extend(e.other.iter().map(|o| o.to_id_string()));
                v
            }
            Ok(None) => vec![],
            Err(e) => return Err(format!("invalid ExtendedKeyUsage extension: {e}")),
        };
        let subject_alt_names = match cert.subject_alternative_name() {
            Ok(Some(san)) => san
                .value
                .general_names
                .iter()
                .map(|g| match g {
                    GeneralName::DNSName(d) => format!("DNS:{d}"),
                    GeneralName::IPAddress(b) => match b.len() {
                        4 => format!(
                            "IP:{}",
                            std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*b).unwrap_or_default())
                        ),
                        16 => format!(
                            "IP:{}",
                            std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*b).unwrap_or_default())
                        ),
                        _ => "IP:<invalid>".into(),
                    },
                    GeneralName::RFC822Name(e) => format!("email:{e}"),
                    GeneralName::URI(u) => format!("URI:{u}"),
                    other => format!("{other:?}"),
                })
                .collect(),
            Ok(None) => vec![],
            Err(e) => return Err(format!("invalid SubjectAltName extension: {e}")),
        };
        let is_ca = match cert.basic_constraints() {
            Ok(bc) => bc.map(|b| b.value.ca).unwrap_or(false),
            Err(e) => return Err(format!("invalid BasicConstraints extension: {e}")),
        };
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
        let hex_fp: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
        let mut kubernetes = Identity::new(
            subject_fields.common_name.clone(),
            subject_fields.organizations.clone(),
        );
        // x509.go parseUIDFromCert: exactly one non-empty user UID attribute is the UID.
        let uids: Vec<_> = cert
            .subject()
            .iter_attributes()
            .filter(|a| a.attr_type().to_id_string() == "1.3.6.1.4.1.57683.2")
            .collect();
        if let [one] = uids.as_slice()
            && let Ok(uid) = one.as_str()
        {
            kubernetes.uid = uid.to_string();
        }
        kubernetes.extra.insert(
            CREDENTIAL_ID.to_string(),
            vec![format!("X509SHA256={}", hex::encode(digest.as_ref()))],
        );
        Ok(CertFacts {
            subject: super::name::display_name(parsed_name.tbs_certificate().subject()),
            issuer: super::name::display_name(parsed_name.tbs_certificate().issuer()),
            subject_attributes: super::name::attributes(parsed_name.tbs_certificate().subject()),
            issuer_attributes: super::name::attributes(parsed_name.tbs_certificate().issuer()),
            serial: hex::encode(cert.raw_serial()),
            not_before: ts(&cert.validity().not_before),
            not_after: ts(&cert.validity().not_after),
            is_ca,
            public_key: describe_key(cert.public_key()),
            signature_algorithm: signature_name(&cert.signature_algorithm.algorithm.to_id_string()),
            key_usage,
            extended_key_usage,
            subject_alt_names,
            sha256_fingerprint: hex_fp.join(":"),
            kubernetes,
            key_usage_present,
            key_cert_sign,
            subject_fields,
            spki_der: cert.public_key().raw.to_vec(),
        })
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

fn describe_key(spki: &SubjectPublicKeyInfo<'_>) -> String {
    match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => format!("RSA {}", rsa.key_size()),
        Ok(x509_parser::public_key::PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => "ECDSA P-256".into(),
                Some("1.3.132.0.34") => "ECDSA P-384".into(),
                Some("1.3.132.0.35") => "ECDSA P-521".into(),
                Some(other) => format!("ECDSA {other}"),
                None => "ECDSA".into(),
            }
        }
        _ => match spki.algorithm.algorithm.to_id_string().as_str() {
            "1.3.101.112" => "Ed25519".into(),
            "1.3.101.113" => "Ed448".into(),
            other => other.to_string(),
        },
    }
}

fn signature_name(oid: &str) -> String {
    let known = BTreeMap::from([
        ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
        ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
        ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
        ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
        ("1.2.840.113549.1.1.10", "rsassaPss"),
        ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
        ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384"),
        ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512"),
        ("1.3.101.112", "ED25519"),
    ]);
    known
        .get(oid)
        .map(|s| s.to_string())
        .unwrap_or_else(|| oid.to_string())
}
