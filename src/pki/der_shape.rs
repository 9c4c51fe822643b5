//! Why DER that should be a certificate (or a certificate request) is not one, in words: a
//! truncated file, data after the end, or another kind of object altogether (a private key,
//! a public key, a CSR where a certificate belongs). The parsers' own errors
//! (`NomError(Eof)`, `Der(UnexpectedTag { .. })`) describe their internals, not the file.
//! Anything else is said in the words Go's `x509.ParseCertificate` refuses it with, as
//! kube-apiserver would log it.

const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const SEQUENCE: u8 = 0x30;
const CONTEXT_0: u8 = 0xa0;

/// One DER element's header as read from the front of `b`.
enum Header {
    /// Tag, header length, content length: the whole element is there.
    Whole(u8, usize, usize),
    /// The length says more bytes than there are: (declared total, present).
    Truncated(usize, usize),
    /// No DER header: an indefinite, over-long or missing length.
    Malformed,
}

/// The header of the element at the front of `b`, read by the `der` crate (DER rules: a
/// definite, minimally encoded length), and whether its content is all there.
fn header(b: &[u8]) -> Header {
    use der::{Decode as _, Reader as _};
    let Ok(mut r) = der::SliceReader::new(b) else {
        return Header::Malformed;
    };
    let Ok(h) = der::Header::decode(&mut r) else {
        return Header::Malformed;
    };
    let head = u32::from(r.position()) as usize;
    let len = u32::from(h.length()) as usize;
    if b.len() < head + len {
        return Header::Truncated(head + len, b.len());
    }
    // Multi-byte tags do not occur in these structures: the first byte is the tag.
    Header::Whole(b[0], head, len)
}

/// The elements of a constructed element's `content`, as (tag, content), as far as they
/// read whole.
fn items(mut content: &[u8]) -> Vec<(u8, &[u8])> {
    let mut items = Vec::new();
    while let Header::Whole(tag, head, len) = header(content) {
        items.push((tag, &content[head..head + len]));
        content = &content[head + len..];
    }
    items
}

fn child_tags(content: &[u8]) -> Vec<u8> {
    items(content).into_iter().map(|(tag, _)| tag).collect()
}

/// The content of the first element inside `content`, if it is whole.
fn first_child(content: &[u8]) -> Option<&[u8]> {
    items(content).first().map(|&(_, c)| c)
}

/// What a DER SEQUENCE with `content` looks like, by the shape of its first elements.
fn kind(content: &[u8]) -> Option<&'static str> {
    let tags = child_tags(content);
    match tags.as_slice() {
        [INTEGER, SEQUENCE, OCTET_STRING, ..] => Some("a private key (PKCS#8)"),
        [INTEGER, OCTET_STRING, ..] => Some("an EC private key (SEC1)"),
        [INTEGER, INTEGER, ..] => Some("an RSA private key (PKCS#1)"),
        [SEQUENCE, BIT_STRING] if child_tags(first_child(content)?).first() == Some(&OID) => {
            Some("a public key (SubjectPublicKeyInfo)")
        }
        [SEQUENCE, SEQUENCE, BIT_STRING] => {
            // TBSCertificate opens with [0] version or the serial, then the signature
            // algorithm; CertificationRequestInfo with its version, Name, key, [0] attributes.
            match child_tags(first_child(content)?).as_slice() {
                [INTEGER, SEQUENCE, SEQUENCE, CONTEXT_0, ..] => Some("a certificate request"),
                [CONTEXT_0, INTEGER, ..] | [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE, ..] => {
                    Some("a certificate")
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// What the DER SEQUENCE `der` holds by its shape ("a private key (PKCS#8)", "a certificate",
/// ...), if it is whole and one of the kinds told apart here.
pub(crate) fn holds(der: &[u8]) -> Option<&'static str> {
    match header(der) {
        Header::Whole(SEQUENCE, head, len) => kind(&der[head..head + len]),
        _ => None,
    }
}

/// Whether `der` opens with an element whose length runs past the end of the data.
pub(crate) fn truncated(der: &[u8]) -> bool {
    matches!(header(der), Header::Truncated(..))
}

/// The elements inside the SEQUENCE `der`, as (tag, content), as far as they read whole.
pub(crate) fn sequence_items(der: &[u8]) -> Vec<(u8, &[u8])> {
    match header(der) {
        Header::Whole(SEQUENCE, head, len) => items(&der[head..head + len]),
        _ => Vec::new(),
    }
}

/// What is wrong with `der` as a `wanted` ("certificate", "certificate request"), as far as
/// its shape tells: `None` if it has the shape of one (its fields are then at fault).
fn shape_problem(der: &[u8], wanted: &str) -> Option<String> {
    if der.is_empty() {
        return Some("the DER data is empty".into());
    }
    if der[0] != SEQUENCE {
        return Some(format!(
            "not a DER {wanted}: the data does not start with an ASN.1 SEQUENCE"
        ));
    }
    match header(der) {
        Header::Malformed => Some(format!(
            "not a DER {wanted}: the length of its outer SEQUENCE is malformed"
        )),
        Header::Truncated(declared, present) => Some(format!(
            "truncated {wanted}: its DER says {declared} bytes, only {present} are present"
        )),
        Header::Whole(_, head, len) => {
            let found = kind(&der[head..head + len]);
            if let Some(found) = found.filter(|k| !k.ends_with(&format!(" {wanted}"))) {
                return Some(format!("not a {wanted}: the DER holds {found}"));
            }
            let extra = der.len() - head - len;
            (extra > 0)
                .then(|| format!("invalid {wanted}: {extra} bytes of trailing data after the DER"))
        }
    }
}

/// Why `der` is not a certificate kcred can read, for an error line after the file's name.
/// The words of Go's `x509.ParseCertificate` where its shape does not tell.
pub(crate) fn certificate_problem(der: &[u8]) -> String {
    if let Some(p) = shape_problem(der, "certificate") {
        return p;
    }
    match crate::authn::x509::go_parse_certificate(der) {
        Err(go) => format!("invalid certificate ({go})"),
        Ok(()) => "a certificate kcred cannot read, although Go's crypto/x509 reads it".into(),
    }
}

/// Why `der` is not a certificate request, for an error line after the file's name.
pub(crate) fn request_problem(der: &[u8]) -> String {
    shape_problem(der, "certificate request").unwrap_or_else(|| {
        // Go's x509.ParseCertificateRequest on a malformed request.
        "invalid certificate request (asn1: structure error: malformed certificate request)".into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert() -> Vec<u8> {
        let key = crate::keys::PrivateKey::generate(crate::keys::KeyType::EcdsaP256).unwrap();
        let spec = crate::pki::CertSpec::ca("test-ca");
        crate::pki::self_signed(&spec, &key).unwrap().der
    }

    #[test]
    fn truncated_trailing_and_other_objects_are_named() {
        let der = cert();
        let cut = certificate_problem(&der[..100]);
        assert!(
            cut.starts_with("truncated certificate: its DER says"),
            "{cut}"
        );
        let mut long = der.clone();
        long.extend_from_slice(b"xyz");
        assert_eq!(
            certificate_problem(&long),
            "invalid certificate: 3 bytes of trailing data after the DER"
        );
        assert_eq!(
            certificate_problem(b"garbage"),
            "not a DER certificate: the data does not start with an ASN.1 SEQUENCE"
        );
        assert_eq!(certificate_problem(b""), "the DER data is empty");
        let key = crate::keys::PrivateKey::generate(crate::keys::KeyType::EcdsaP256).unwrap();
        let p8 = key.pkcs8_der().unwrap();
        assert_eq!(
            certificate_problem(&p8),
            "not a certificate: the DER holds a private key (PKCS#8)"
        );
        let spki = key.public_key_der().unwrap();
        assert_eq!(
            certificate_problem(&spki),
            "not a certificate: the DER holds a public key (SubjectPublicKeyInfo)"
        );
        assert_eq!(
            request_problem(&der),
            "not a certificate request: the DER holds a certificate"
        );
    }
}
