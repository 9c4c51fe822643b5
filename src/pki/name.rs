//! Certificate subjects as the API server reads them: CN = username, every O = a group
//! (`k8s.io/apiserver/pkg/authentication/request/x509/x509.go`, `CommonNameUserConversion`).
//!
//! Each O is its own RDN, in order, the way `openssl req -subj /O=a/O=b` writes them: Go
//! fills `Subject.Organization` by walking the RDNs in order, so the groups come back exactly
//! as given. (One multi-valued RDN would be a DER `SET OF`, which sorts its members.)

use der::asn1::Any;
use der::{Decode, Encode, Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::error::{Error, Result};

const CN: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");
const O: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.10");

/// The subject fields kcred reads and writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// CommonName, the username. Empty means no CN attribute.
    pub common_name: String,
    /// Every Organization, in order: the groups.
    pub organizations: Vec<String>,
}

impl Subject {
    /// The X.509 Name: one RDN per O in order, then the CN, all UTF8String.
    pub fn to_name(&self) -> Result<Name> {
        let mut rdns = RdnSequence::default();
        let attr = |oid, value: &str| -> Result<RelativeDistinguishedName> {
            let value = Any::new(Tag::Utf8String, value.as_bytes()).map_err(|e| {
                Error::Usage(format!("subject value {value:?} is not encodable: {e}"))
            })?;
            RelativeDistinguishedName::try_from(vec![AttributeTypeAndValue { oid, value }])
                .map_err(|e| Error::Usage(format!("subject is not encodable: {e}")))
        };
        for o in &self.organizations {
            rdns.push(attr(O, o)?);
        }
        if !self.common_name.is_empty() {
            rdns.push(attr(CN, &self.common_name)?);
        }
        let der = rdns
            .to_der()
            .map_err(|e| Error::Usage(format!("subject is not encodable: {e}")))?;
        Name::from_der(&der).map_err(|e| Error::Usage(format!("subject is not encodable: {e}")))
    }

    /// Read CN (the last one, as Go's `pkix.Name.FillFromRDNSequence` keeps) and every O.
    /// Values that are not strings are an error naming `source`.
    pub fn from_name(source: &str, name: &Name) -> Result<Subject> {
        let mut subject = Subject::default();
        for atv in name.iter() {
            if atv.oid != CN && atv.oid != O {
                continue;
            }
            let value = directory_string(&atv.value).ok_or_else(|| {
                Error::input(source, "subject holds a value that is not a string")
            })?;
            if atv.oid == CN {
                subject.common_name = value;
            } else {
                subject.organizations.push(value);
            }
        }
        Ok(subject)
    }
}

/// Decode the DirectoryString types Go's crypto/x509 accepts for names.
fn directory_string(any: &Any) -> Option<String> {
    let bytes = any.value();
    match any.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            String::from_utf8(bytes.to_vec()).ok()
        }
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// A one-line RFC 4514-ish rendering for display: `CN=admin, O=system:masters`.
pub fn display_name(name: &Name) -> String {
    let mut parts = Vec::new();
    for atv in name.iter() {
        let key = match atv.oid.to_string().as_str() {
            "2.5.4.3" => "CN".to_string(),
            "2.5.4.10" => "O".to_string(),
            "2.5.4.11" => "OU".to_string(),
            "2.5.4.6" => "C".to_string(),
            "2.5.4.7" => "L".to_string(),
            "2.5.4.8" => "ST".to_string(),
            other => other.to_string(),
        };
        let value = directory_string(&atv.value).unwrap_or_else(|| "<binary>".into());
        parts.push(format!("{key}={value}"));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_keep_their_order_and_their_commas() {
        let s = Subject {
            common_name: "jane".into(),
            organizations: vec!["zeta".into(), "a, b".into(), "équipe".into()],
        };
        let back = Subject::from_name("t", &s.to_name().unwrap()).unwrap();
        assert_eq!(back, s);
    }
}
