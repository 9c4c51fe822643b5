//! A certificate's names as the bytes written into it: the subject and issuer Names and the
//! subjectAltName extension, DER, put into the TBSCertificate as they are.
//!
//! x509-cert's `Name` sorts each multi-valued RDN's members as DER's SET OF wants when it
//! decodes one, so a Name that goes through it can come out with other bytes, and Go reads
//! the last CN in the order written (`pkix.Name.FillFromRDNSequence`). The Names are
//! therefore spliced into the TBSCertificate the builder encoded, as Go's
//! `x509.CreateCertificate` writes `template.RawSubject` and `parent.RawSubject` when they
//! are set (`subjectBytes`, golang/go src/crypto/x509/x509.go).

use der::asn1::{Any, AnyRef, OctetString};
use der::{Decode, Encode, Reader, SliceReader, Tag};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::name::Name;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::spec::CertSpec;
use crate::error::{Error, Result};

/// The identity a certificate is issued with: its subject Name (DER) and its
/// subjectAltName extension, if any.
pub(super) struct Named {
    pub(super) subject: Vec<u8>,
    pub(super) san: Option<Extension>,
}

impl Named {
    /// `subject`, with the SANs of `spec` encoded (critical only when the subject is empty,
    /// RFC 5280 section 4.2.1.6).
    pub(super) fn new(spec: &CertSpec, subject: &Name) -> Result<Named> {
        let subject = subject
            .to_der()
            .map_err(|e| Error::Usage(format!("subject is not encodable: {e}")))?;
        let san = if spec.sans.is_empty() {
            None
        } else {
            use der::oid::AssociatedOid;
            let names = super::issuer::general_names(&spec.sans)?;
            let critical =
                spec.subject.common_name.is_empty() && spec.subject.organizations.is_empty();
            Some(super::issuer::extension(
                SubjectAltName::OID,
                critical,
                &SubjectAltName(names),
            )?)
        };
        Ok(Named { subject, san })
    }

    /// The subject Name and the subjectAltName extension of the certificate `der`, byte for
    /// byte (criticality included): what Go read from it, it reads again from a certificate
    /// issued with them. `source` names the certificate in errors.
    pub(super) fn of_certificate(source: &std::path::Path, der: &[u8]) -> Result<Named> {
        let invalid = |e: String| Error::input(source, format!("invalid certificate: {e}"));
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| invalid(e.to_string()))?;
        let san = match cert
            .extensions()
            .iter()
            .find(|e| e.oid.to_id_string() == super::oid::SAN)
        {
            None => None,
            Some(e) => Some(Extension {
                extn_id: der::oid::ObjectIdentifier::new_unwrap(super::oid::SAN),
                critical: e.critical,
                extn_value: OctetString::new(e.value).map_err(|e| invalid(e.to_string()))?,
            }),
        };
        Ok(Named {
            subject: cert.subject().as_raw().to_vec(),
            san,
        })
    }
}

/// The subject Name of the certificate `der`, as written: what a certificate it issues
/// carries as its issuer (Go's `subjectBytes(parent)`).
pub(super) fn subject_of(der: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("invalid certificate: {e}"))?;
    Ok(cert.subject().as_raw().to_vec())
}

/// The DER TBSCertificate `tbs` with its issuer and subject replaced by the DER Names
/// `issuer` and `subject`, every other field as it was.
pub(super) fn with_names(tbs: &[u8], issuer: &[u8], subject: &[u8]) -> Result<Vec<u8>> {
    let broken = |e: der::Error| Error::Encoding(format!("encoding the certificate: {e}"));
    let outer = AnyRef::from_der(tbs).map_err(broken)?;
    let mut reader = SliceReader::new(outer.value()).map_err(broken)?;
    let mut fields: Vec<&[u8]> = Vec::new();
    while !reader.is_finished() {
        fields.push(reader.tlv_bytes().map_err(broken)?);
    }
    // RFC 5280 section 4.1: version [0] (absent for v1), serialNumber, signature, issuer,
    // validity, subject, ...
    let version = usize::from(fields.first().and_then(|f| f.first()) == Some(&0xa0));
    let (at_issuer, at_subject) = (version + 2, version + 4);
    if fields.len() <= at_subject {
        return Err(Error::Encoding(
            "encoding the certificate: TBSCertificate too short".into(),
        ));
    }
    fields[at_issuer] = issuer;
    fields[at_subject] = subject;
    Any::new(Tag::Sequence, fields.concat())
        .and_then(|a| a.to_der())
        .map_err(broken)
}
