//! PKCS#10 certificate signing requests (RFC 2986): making one for a key, and reading one
//! back — signature first.
//!
//! Making: the subject is [`Subject::to_name`] (one RDN per O, in order, so every group comes
//! back as asked) and the SANs go in an extensionRequest attribute, signed through the same
//! aws-lc-rs adapter the certificate builder uses (`issuer::Signer`). The x509-cert builder
//! machinery assembles it; kcred's small `Builder` omits the extensionRequest when there is
//! nothing to request, as Go's `x509.CreateCertificateRequest` does (x509-cert's
//! `RequestBuilder` always adds one, even empty, against RFC 5272's `SIZE (1..MAX)`).
//!
//! Reading: x509-parser decodes the DER, and the request's own signature over the exact
//! CertificationRequestInfo bytes is verified with aws-lc-rs before any field is trusted, as
//! kube-apiserver does (`pkg/apis/certificates/validation`: `csr.CheckSignature()`). Then the
//! subject (CN and every O, plus the raw Name so a certificate can copy it exactly), the DNS
//! and IP SANs and the public key are read. Other requested extensions are ignored: the CA
//! decides key usages and basic constraints.

use der::asn1::{BitString, SetOfVec};
use der::{Decode, Encode};
use signature::Keypair;
use spki::{DynSignatureAlgorithmIdentifier, EncodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::attr::Attribute;
use x509_cert::builder::Builder;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::name::Name;
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};
use x509_parser::prelude::{FromDer, GeneralName, ParsedExtension, X509CertificationRequest};

use super::algorithm::{
    self, KeyAlgorithm, PssProblem, SignatureAlgorithm, SignatureError, SignatureKind, VerifyingKey,
};
use super::issuer::{RawSignature, Signer, extension, general_names};
use super::name::Subject;
use super::spec::San;
use crate::error::{Error, Result};
use crate::keys::PrivateKey;

/// The PEM label kcred writes; `NEW CERTIFICATE REQUEST` (old openssl, Windows) is read too.
pub const CSR_PEM_LABEL: &str = "CERTIFICATE REQUEST";

/// A new CSR for `key`, naming `subject` and asking for `sans`. Returns DER.
pub fn create_csr(subject: &Subject, sans: &[San], key: &PrivateKey) -> Result<Vec<u8>> {
    use der::oid::AssociatedOid;
    let mut extensions = Vec::new();
    if !sans.is_empty() {
        // RFC 5280 §4.2.1.6: critical only when the subject is empty.
        let critical = subject.common_name.is_empty() && subject.organizations.is_empty();
        extensions.push(extension(
            SubjectAltName::OID,
            critical,
            &SubjectAltName(general_names(sans)?),
        )?);
    }
    let builder = RequestInfo {
        info: CertReqInfo {
            version: Version::V1,
            subject: subject.to_name()?,
            // Replaced by the signer's key in `finalize`.
            public_key: SubjectPublicKeyInfoOwned::from_der(&key.public_key_der()?)
                .map_err(|e| Error::Crypto(format!("invalid public key: {e}")))?,
            attributes: SetOfVec::new(),
        },
        extensions,
    };
    let signer = Signer::new(key)?;
    let req = builder
        .build::<_, RawSignature>(&signer)
        .map_err(|e| Error::Crypto(format!("signing the CSR: {e}")))?;
    req.to_der()
        .map_err(|e| Error::Encoding(format!("encoding the CSR: {e}")))
}

/// A CSR as PEM (`CERTIFICATE REQUEST`, LF line endings as Go writes it).
pub fn csr_pem(der: &[u8]) -> String {
    crate::pem::encode(CSR_PEM_LABEL, der)
}

/// The x509-cert builder for a CertificationRequestInfo (see the module note).
struct RequestInfo {
    info: CertReqInfo,
    extensions: Vec<x509_cert::ext::Extension>,
}

impl Builder for RequestInfo {
    type Output = CertReq;

    fn finalize<S>(&mut self, signer: &S) -> x509_cert::builder::Result<Vec<u8>>
    where
        S: Keypair + DynSignatureAlgorithmIdentifier,
        S::VerifyingKey: EncodePublicKey,
    {
        self.info.public_key = SubjectPublicKeyInfoOwned::from_key(&signer.verifying_key())?;
        if !self.extensions.is_empty() {
            let attr: Attribute = ExtensionReq(self.extensions.clone()).try_into()?;
            self.info.attributes.insert(attr)?;
        }
        Ok(self.info.to_der()?)
    }

    fn assemble<S>(self, signature: BitString, signer: &S) -> x509_cert::builder::Result<CertReq>
    where
        S: Keypair + DynSignatureAlgorithmIdentifier,
        S::VerifyingKey: EncodePublicKey,
    {
        Ok(CertReq {
            info: self.info,
            algorithm: signer.signature_algorithm_identifier()?,
            signature,
        })
    }
}

/// A CSR whose signature has been verified, and what it asks for.
#[derive(Clone, Debug)]
pub struct CertificateRequest {
    /// The whole request, DER.
    pub der: Vec<u8>,
    /// CN and every O, in order.
    pub subject: Subject,
    /// The subject Name exactly as requested (DER), for copying into the certificate.
    pub(crate) subject_name: Name,
    /// Requested DNS and IP SANs, in order.
    pub sans: Vec<San>,
    /// Requested SANs of other kinds (`email:…`, `URI:…`), which kcred does not issue.
    pub other_sans: Vec<String>,
    /// Public key, DER SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
    /// The key's algorithm (`RSA 2048`, `ECDSA P-256`, `Ed25519`, … when displayed).
    pub key: KeyAlgorithm,
    /// Whether the key is RSA (the Kubernetes signers then allow `key encipherment`).
    pub is_rsa: bool,
}

impl CertificateRequest {
    /// Decode a DER CSR and verify its signature with its own public key; `source` names the
    /// input in errors. An altered request fails here, before anything in it is read.
    pub fn from_der(source: &str, der: &[u8]) -> Result<CertificateRequest> {
        let bad = |p: String| Error::input(source, p);
        let problem = || bad(super::der_shape::request_problem(der));
        let (rest, req) = X509CertificationRequest::from_der(der).map_err(|_| problem())?;
        if !rest.is_empty() {
            return Err(problem());
        }
        let info = &req.certification_request_info;
        let spki = &info.subject_pki;
        // Go's parsePublicKey, which kube-apiserver's parser runs on the certificate.
        crate::authn::x509::go_parse_pkix_public_key(spki.raw).map_err(|e| {
            bad(format!(
                "the CSR's public key is one Go's crypto/x509 refuses in a certificate: {e}"
            ))
        })?;
        let key = certifiable_key(spki).map_err(bad)?;
        check_signature(&req, &key).map_err(bad)?;
        crate::authn::x509::go_check_requested_extensions(info.raw).map_err(bad)?;

        // Verified: now read it.
        let subject = read_subject(info.subject.as_raw()).map_err(bad)?;
        let subject_name = Name::from_der(info.subject.as_raw())
            .map_err(|e| bad(format!("invalid subject: {e}")))?;
        // The certificate carries the subject as x509-cert encodes it; a Name that is not in
        // DER form (a multi-valued RDN's attributes out of SET OF order) would come out
        // re-sorted, and Go would read another CN or other groups from the certificate than
        // from the request.
        if subject_name.to_der().ok().as_deref() != Some(info.subject.as_raw()) {
            return Err(bad(
                "the subject is not in DER form (a multi-valued RDN's attributes are out of SET OF order); the certificate could not carry it unchanged".into(),
            ));
        }
        let mut sans = Vec::new();
        let mut other_sans = Vec::new();
        for ext in req.requested_extensions().into_iter().flatten() {
            match ext {
                ParsedExtension::SubjectAlternativeName(san) => {
                    for name in &san.general_names {
                        match name {
                            GeneralName::DNSName(d) => sans.push(
                                d.parse::<San>()
                                    .map_err(|e| bad(format!("requested SAN: {e}")))?,
                            ),
                            GeneralName::IPAddress(b) => {
                                sans.push(San::Ip(ip(b).ok_or_else(|| {
                                    bad("requested IP SAN is neither 4 nor 16 bytes".into())
                                })?))
                            }
                            GeneralName::RFC822Name(e) => other_sans.push(format!("email:{e}")),
                            GeneralName::URI(u) => other_sans.push(format!("URI:{u}")),
                            other => other_sans.push(format!("{other:?}")),
                        }
                    }
                }
                ParsedExtension::ParseError { error } => {
                    return Err(bad(format!("invalid requested extension: {error}")));
                }
                _ => {}
            }
        }
        Ok(CertificateRequest {
            der: der.to_vec(),
            subject,
            subject_name,
            sans,
            other_sans,
            spki_der: spki.raw.to_vec(),
            is_rsa: key.is_rsa(),
            key,
        })
    }

    /// The CSR as PEM.
    pub fn pem(&self) -> String {
        csr_pem(&self.der)
    }
}

/// The identity a certificate with this subject gives in kube-apiserver: the subject read
/// as Go 1.25's certificate parser reads it (`parseName`, `FillFromRDNSequence`: the last CN
/// in the order written, every O in order), refused where Go would refuse the certificate or
/// the x509 authenticator its UID (`parseUIDFromCert`,
/// `k8s.io/apiserver/pkg/authentication/request/x509/x509.go`).
fn read_subject(raw: &[u8]) -> Result<Subject, String> {
    let name = crate::authn::x509::go_parse_name(raw).map_err(|e| {
        format!("the subject is one Go's crypto/x509 refuses in a certificate: {e}")
    })?;
    crate::authn::x509::go_user_uid(&name.uids).map_err(|e| {
        format!("the subject's user UID is one kube-apiserver's x509 authenticator refuses: {e}")
    })?;
    Ok(Subject {
        common_name: name.common_name,
        organizations: name.organizations,
    })
}

fn ip(bytes: &[u8]) -> Option<std::net::IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(Into::into),
        16 => <[u8; 16]>::try_from(bytes).ok().map(Into::into),
        _ => None,
    }
}

/// The request's key, if kcred will certify it: RSA of 2048 bits or more, ECDSA on
/// P-256/P-384/P-521, or Ed25519.
fn certifiable_key(
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> Result<KeyAlgorithm, String> {
    let key = KeyAlgorithm::of(spki);
    match &key {
        KeyAlgorithm::Rsa { bits } if *bits < 2048 => Err(format!(
            "the CSR's key is RSA-{bits}: too weak (kcred certifies RSA keys of 2048 bits or more)"
        )),
        KeyAlgorithm::Rsa { .. } | KeyAlgorithm::Ecdsa(_) | KeyAlgorithm::Ed25519 => Ok(key),
        KeyAlgorithm::EcdsaOther(curve) => Err(format!(
            "the CSR's key is on an unsupported curve {}",
            curve.as_deref().unwrap_or_default()
        )),
        _ => Err(format!(
            "the CSR's key algorithm {} is not supported",
            spki.algorithm.algorithm.to_id_string()
        )),
    }
}

/// The request's own signature over the exact CertificationRequestInfo bytes, by the shared
/// check (Go's `CheckSignature`, which kube-apiserver's `csr.CheckSignature()` runs), worded
/// for the CSR: SHA-1 is refused, RSA-PSS only with a salt as long as the hash.
fn check_signature(req: &X509CertificationRequest<'_>, key: &KeyAlgorithm) -> Result<(), String> {
    // Go's getSignatureAlgorithmFromAI: Ed25519 with parameters (RFC 8410 §3: they MUST be
    // absent) is an unknown algorithm, which CheckSignature cannot verify.
    if req.signature_algorithm.algorithm.to_id_string() == super::oid::ED25519
        && req.signature_algorithm.parameters.is_some()
    {
        return Err("the CSR's Ed25519 signature algorithm has parameters: x509: cannot verify signature: algorithm unimplemented".into());
    }
    let alg = SignatureAlgorithm::of(&req.signature_algorithm);
    let info = &req.certification_request_info;
    let verifying = VerifyingKey {
        alg: key,
        bits: &info.subject_pki.subject_public_key.data,
    };
    let not_supported = || {
        format!(
            "the CSR's signature algorithm {} is not supported for its key",
            alg.oid
        )
    };
    match (alg.kind, algorithm::verify(alg.kind, verifying, info.raw, &req.signature_value.data)) {
        (_, Ok(())) => Ok(()),
        (SignatureKind::RsaPssRefused(PssProblem::Salt { have, want }), _) => Err(format!(
            "the CSR's RSA-PSS salt is {have} bytes; only a salt as long as the hash ({want}) is accepted, as in Go's crypto/x509"
        )),
        (SignatureKind::RsaPssRefused(PssProblem::Parameters), _) => {
            Err("the CSR's RSA-PSS parameters are not supported".into())
        }
        (_, Err(SignatureError::Insecure(name))) if name.contains("SHA1") => {
            Err("the CSR is signed with SHA-1, which kcred does not accept".into())
        }
        (_, Err(SignatureError::Invalid | SignatureError::KeyMismatch("RSA" | "Ed25519"))) => Err(
            "the CSR's signature does not verify: its content was altered, or it was not signed with its own key".into(),
        ),
        _ => Err(not_supported()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyType;

    fn subject() -> Subject {
        Subject {
            common_name: "jane".into(),
            organizations: vec!["dev".into(), "ops, on-call".into()],
        }
    }

    #[test]
    fn round_trip_for_every_key_type() {
        for kt in [
            KeyType::Rsa2048,
            KeyType::EcdsaP256,
            KeyType::EcdsaP384,
            KeyType::Ed25519,
        ] {
            let key = PrivateKey::generate(kt).unwrap();
            let sans: Vec<San> = vec!["a.example".parse().unwrap(), "10.0.0.1".parse().unwrap()];
            let der = create_csr(&subject(), &sans, &key).unwrap();
            let req = CertificateRequest::from_der("t", &der).unwrap();
            assert_eq!(req.subject, subject());
            assert_eq!(req.sans, sans);
            assert_eq!(req.spki_der, key.public_key_der().unwrap());
            assert_eq!(req.is_rsa, kt == KeyType::Rsa2048);
        }
    }

    #[test]
    fn no_sans_means_no_extension_request() {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let der = create_csr(&subject(), &[], &key).unwrap();
        let req = CertReq::from_der(&der).unwrap();
        assert!(req.info.attributes.is_empty());
    }

    #[test]
    fn any_changed_byte_in_the_subject_is_refused() {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let der = create_csr(&subject(), &[], &key).unwrap();
        let at = der.windows(4).position(|w| w == b"jane").unwrap();
        let mut bad = der.clone();
        bad[at] = b'k';
        let err = CertificateRequest::from_der("x.csr", &bad)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("x.csr: ") && err.contains("does not verify"),
            "{err}"
        );
    }
}
