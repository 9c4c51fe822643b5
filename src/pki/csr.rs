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

use aws_lc_rs::signature::{self as sig, VerificationAlgorithm};
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

use x509_parser::public_key::PublicKey;

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
    /// `RSA 2048`, `ECDSA P-256`, `Ed25519`, …
    pub public_key: String,
    /// Whether the key is RSA (the Kubernetes signers then allow `key encipherment`).
    pub is_rsa: bool,
}

impl CertificateRequest {
    /// Decode a DER CSR and verify its signature with its own public key; `source` names the
    /// input in errors. An altered request fails here, before anything in it is read.
    pub fn from_der(source: &str, der: &[u8]) -> Result<CertificateRequest> {
        let bad = |p: String| Error::input(source, p);
        let (rest, req) = X509CertificationRequest::from_der(der)
            .map_err(|e| bad(format!("invalid certificate request: {e}")))?;
        if !rest.is_empty() {
            return Err(bad(
                "invalid certificate request: trailing bytes after the DER".into(),
            ));
        }
        let info = &req.certification_request_info;
        let spki = &info.subject_pki;
        let (public_key, is_rsa) = describe_key(spki).map_err(bad)?;
        let alg = verification_algorithm(&req.signature_algorithm, spki).map_err(bad)?;
        sig::UnparsedPublicKey::new(alg, &spki.subject_public_key.data)
            .verify(info.raw, &req.signature_value.data)
            .map_err(|_| {
                bad("the CSR's signature does not verify: its content was altered, or it was not signed with its own key".into())
            })?;

        // Verified: now read it.
        let subject_name = Name::from_der(info.subject.as_raw())
            .map_err(|e| bad(format!("invalid subject: {e}")))?;
        let subject = Subject::from_name(source, &subject_name)?;
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
            public_key,
            is_rsa,
        })
    }

    /// The CSR as PEM.
    pub fn pem(&self) -> String {
        csr_pem(&self.der)
    }
}

fn ip(bytes: &[u8]) -> Option<std::net::IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(Into::into),
        16 => <[u8; 16]>::try_from(bytes).ok().map(Into::into),
        _ => None,
    }
}

/// The key's description, and whether it is RSA. Keys kcred will not certify are refused:
/// RSA under 2048 bits, curves other than P-256/P-384/P-521, unknown algorithms.
fn describe_key(
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> Result<(String, bool), String> {
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = rsa.key_size();
            if bits < 2048 {
                return Err(format!(
                    "the CSR's key is RSA-{bits}: too weak (kcred certifies RSA keys of 2048 bits or more)"
                ));
            }
            Ok((format!("RSA {bits}"), true))
        }
        Ok(PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            match curve.as_str() {
                "1.2.840.10045.3.1.7" => Ok(("ECDSA P-256".into(), false)),
                "1.3.132.0.34" => Ok(("ECDSA P-384".into(), false)),
                "1.3.132.0.35" => Ok(("ECDSA P-521".into(), false)),
                other => Err(format!("the CSR's key is on an unsupported curve {other}")),
            }
        }
        _ if spki.algorithm.algorithm.to_id_string() == "1.3.101.112" => {
            Ok(("Ed25519".into(), false))
        }
        _ => Err(format!(
            "the CSR's key algorithm {} is not supported",
            spki.algorithm.algorithm.to_id_string()
        )),
    }
}

/// The aws-lc-rs verification for a CSR's signature algorithm and key: RSA PKCS#1 v1.5 and
/// RSA-PSS with SHA-256/384/512, ECDSA with the hashes aws-lc-rs pairs with each curve,
/// Ed25519. SHA-1 is refused.
fn verification_algorithm(
    alg: &x509_parser::x509::AlgorithmIdentifier<'_>,
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> Result<&'static dyn VerificationAlgorithm, String> {
    let oid = alg.algorithm.to_id_string();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string())
        .unwrap_or_default();
    const P256: &str = "1.2.840.10045.3.1.7";
    const P384: &str = "1.3.132.0.34";
    const P521: &str = "1.3.132.0.35";
    let found: Option<&'static dyn VerificationAlgorithm> = match oid.as_str() {
        "1.2.840.113549.1.1.11" => Some(&sig::RSA_PKCS1_2048_8192_SHA256),
        "1.2.840.113549.1.1.12" => Some(&sig::RSA_PKCS1_2048_8192_SHA384),
        "1.2.840.113549.1.1.13" => Some(&sig::RSA_PKCS1_2048_8192_SHA512),
        "1.2.840.113549.1.1.10" => return rsa_pss(alg),
        // Go's crypto/x509 pairs any of these hashes with any curve; so does aws-lc-rs.
        "1.2.840.10045.4.3.2" => match curve.as_str() {
            P256 => Some(&sig::ECDSA_P256_SHA256_ASN1),
            P384 => Some(&sig::ECDSA_P384_SHA256_ASN1),
            P521 => Some(&sig::ECDSA_P521_SHA256_ASN1),
            _ => None,
        },
        "1.2.840.10045.4.3.3" => match curve.as_str() {
            P256 => Some(&sig::ECDSA_P256_SHA384_ASN1),
            P384 => Some(&sig::ECDSA_P384_SHA384_ASN1),
            P521 => Some(&sig::ECDSA_P521_SHA384_ASN1),
            _ => None,
        },
        "1.2.840.10045.4.3.4" => match curve.as_str() {
            P256 => Some(&sig::ECDSA_P256_SHA512_ASN1),
            P384 => Some(&sig::ECDSA_P384_SHA512_ASN1),
            P521 => Some(&sig::ECDSA_P521_SHA512_ASN1),
            _ => None,
        },
        "1.3.101.112" => Some(&sig::ED25519),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" => {
            return Err("the CSR is signed with SHA-1, which kcred does not accept".into());
        }
        _ => None,
    };
    found.ok_or_else(|| format!("the CSR's signature algorithm {oid} is not supported for its key"))
}

/// RSASSA-PSS as Go's `CheckSignature` verifies it: MGF1 with the same hash, salt length
/// equal to the hash length (which is what aws-lc-rs checks).
fn rsa_pss(
    alg: &x509_parser::x509::AlgorithmIdentifier<'_>,
) -> Result<&'static dyn VerificationAlgorithm, String> {
    use x509_parser::signature_algorithm::RsaSsaPssParams;
    let unsupported = || "the CSR's RSA-PSS parameters are not supported".to_string();
    let params = alg.parameters.as_ref().ok_or_else(unsupported)?;
    let params = RsaSsaPssParams::try_from(params).map_err(|_| unsupported())?;
    let hash = params.hash_algorithm_oid().to_id_string();
    let mgf_hash = params
        .mask_gen_algorithm()
        .map(|m| m.hash.to_id_string())
        .map_err(|_| unsupported())?;
    if mgf_hash != hash {
        return Err(unsupported());
    }
    let (alg, len): (&'static dyn VerificationAlgorithm, u32) = match hash.as_str() {
        "2.16.840.1.101.3.4.2.1" => (&sig::RSA_PSS_2048_8192_SHA256, 32),
        "2.16.840.1.101.3.4.2.2" => (&sig::RSA_PSS_2048_8192_SHA384, 48),
        "2.16.840.1.101.3.4.2.3" => (&sig::RSA_PSS_2048_8192_SHA512, 64),
        _ => return Err(unsupported()),
    };
    if params.salt_length() != len {
        return Err(format!(
            "the CSR's RSA-PSS salt is {} bytes; only a salt as long as the hash ({len}) is accepted, as in Go's crypto/x509",
            params.salt_length()
        ));
    }
    Ok(alg)
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
