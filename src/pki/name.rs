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

const CN: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap(super::oid::CN);
const O: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap(super::oid::O);

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

/// One attribute of a distinguished name, for `cert inspect -o json`: the short type name
/// (`CN`, `O`, ... or the dotted OID), the OID, and the value unescaped.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NameAttribute {
    /// `CN`, `O`, `OU`, `C`, `L`, `ST`, or the OID when it has no short name.
    #[serde(rename = "type")]
    pub kind: String,
    /// The attribute type's OID.
    pub oid: String,
    /// The value as decoded (`<binary>` when it is not a string type).
    pub value: String,
}

/// The attributes of `name` in DER order (each RDN's members in turn).
pub fn attributes(name: &Name) -> Vec<NameAttribute> {
    name.iter()
        .map(|atv| {
            let oid = atv.oid.to_string();
            let kind = match oid.as_str() {
                "2.5.4.3" => "CN",
                "2.5.4.10" => "O",
                "2.5.4.11" => "OU",
                "2.5.4.6" => "C",
                "2.5.4.7" => "L",
                "2.5.4.8" => "ST",
                other => other,
            }
            .to_string();
            let value = directory_string(&atv.value).unwrap_or_else(|| "<binary>".into());
            NameAttribute { kind, oid, value }
        })
        .collect()
}

/// A value escaped as RFC 4514 section 2.4 says (the same characters as openssl's
/// `-nameopt RFC2253`, `crypto/x509/a_strex.c` do_esc_char): `"+,;<>\` anywhere, `#` or
/// a space at the start, a space at the end, NUL as `\00`. So `O=ops\, on-call` is one
/// group, not two attributes.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' | ' ' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            ' ' if i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

/// A one-line rendering for display, in DER order, each value RFC 4514-escaped:
/// `O=ops\, on-call, CN=jane`.
pub fn display_name(name: &Name) -> String {
    attributes(name)
        .iter()
        .map(|a| format!("{}={}", a.kind, escape_value(&a.value)))
        .collect::<Vec<_>>()
        .join(", ")
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

    #[test]
    fn values_are_escaped_as_rfc_4514_says() {
        assert_eq!(escape_value("ops, on-call"), "ops\\, on-call");
        assert_eq!(escape_value("#a b "), "\\#a b\\ ");
        assert_eq!(
            escape_value("a+b;c<d>e\"f\\g"),
            "a\\+b\\;c\\<d\\>e\\\"f\\\\g"
        );
        assert_eq!(escape_value("system:masters"), "system:masters");
        assert_eq!(escape_value(""), "");
    }
}
