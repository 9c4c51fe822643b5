//! The PKI core: certificate specs, CAs that sign them, and reading certificates back.
//!
//! Minting goes [`CertSpec`] + public key → [`Issuer::sign`] (or [`self_signed`] for a CA)
//! → DER; reading goes DER → [`Certificate`] (typed: [`Eku`], [`San`], [`algorithm::KeyAlgorithm`],
//! validity as timestamps), rendered for people only at the edge as [`CertFacts`]. CSRs: [`create_csr`] makes one, and
//! [`read_signing_request`] + [`sign_request`] sign one (PKCS#10 or a Kubernetes
//! CertificateSigningRequest object) under the rules of its signer.

pub mod algorithm;
mod certificate;
mod csr;
pub(crate) mod der_shape;
mod inspect;
mod issuer;
mod name;
mod named;
pub mod oid;
mod signer_policy;
mod signing_request;
mod spec;

pub use certificate::{Certificate, Eku, KeyUsage};
pub use csr::{CSR_PEM_LABEL, CertificateRequest, create_csr, csr_pem};
pub use inspect::CertFacts;
pub use issuer::{Issued, Issuer, self_signed};
pub use name::{Subject, display_name};
pub use signing_request::{
    CSR_API_VERSION, CSR_KIND, CertificateSigningRequest, CsrSpec, KUBE_APISERVER_CLIENT,
    KUBE_APISERVER_CLIENT_KUBELET, KUBELET_SERVING, MIN_EXPIRATION_SECONDS, ObjectMeta,
    SignOptions, SigningRequest, check_signer_rules, default_signer, plan_signing,
    read_signing_request, sign_request, usages_for,
};
pub use spec::{BACKDATE, CA_VALIDITY, CertSpec, LEAF_VALIDITY, LeafError, San, Usage};

use std::path::Path;

use crate::error::{Error, Result};

/// Every certificate in `bytes`: PEM `CERTIFICATE` blocks in order, or one DER certificate.
/// Other PEM blocks are an error naming `path` and what was found instead.
pub fn read_certificates(path: &Path, bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    let source = crate::fsio::display(path);
    if !crate::pem::looks_like_pem(bytes) {
        if bytes.first() == Some(&0x30) {
            // DER: decode to check it is a certificate at all.
            CertFacts::from_der(bytes).map_err(|p| Error::input(&source, p))?;
            return Ok(vec![bytes.to_vec()]);
        }
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(Error::input(&source, "the file is empty"));
        }
        return Err(Error::input(
            &source,
            "neither PEM nor DER certificate data",
        ));
    }
    let blocks = crate::pem::parse_all(&source, bytes)?;
    let certs: Vec<Vec<u8>> = blocks
        .iter()
        .filter(|b| b.tag() == "CERTIFICATE")
        .map(|b| b.contents().to_vec())
        .collect();
    if certs.is_empty() {
        let labels: Vec<_> = blocks.iter().map(|b| b.tag().to_string()).collect();
        return Err(Error::input(
            &source,
            format!(
                "no certificate here, found PEM {} instead",
                labels.join(", ")
            ),
        ));
    }
    for der in &certs {
        CertFacts::from_der(der).map_err(|p| Error::input(&source, p))?;
    }
    Ok(certs)
}

/// Whether `cert_der` carries a valid signature by the key of `issuer_der` (and names it as
/// issuer). Only the signature and names, checked as Go's `CheckSignature` checks them
/// ([`algorithm::verify`]): validity and usage are the caller's business.
pub fn signed_by(cert_der: &[u8], issuer_der: &[u8]) -> bool {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (Ok((_, cert)), Ok((_, issuer))) = (
        X509Certificate::from_der(cert_der),
        X509Certificate::from_der(issuer_der),
    ) else {
        return false;
    };
    let spki = issuer.public_key();
    let key = algorithm::VerifyingKey {
        alg: &algorithm::KeyAlgorithm::of(spki),
        bits: &spki.subject_public_key.data,
    };
    cert.issuer().as_raw() == issuer.subject().as_raw()
        && algorithm::verify(
            algorithm::SignatureAlgorithm::of(&cert.signature_algorithm).kind,
            key,
            cert.tbs_certificate.as_ref(),
            &cert.signature_value.data,
        )
        .is_ok()
}
