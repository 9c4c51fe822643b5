//! A certificate, decoded into what Go's Certificate struct holds and Verify uses: a port
//! of `crypto/x509/parser.go` (`parseCertificate`, `processExtensions`, `parseASN1String`)
//! and of `x509.go` (`CheckSignatureFrom`, `checkSignature`).

use jiff::Timestamp;
use x509_parser::extensions::{GeneralName, ParsedExtension, SubjectAlternativeName};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::goerror::GoError;
use super::goparse;
use crate::pki::algorithm::{
    self, KeyAlgorithm, SignatureAlgorithm, SignatureError, SignatureKind, VerifyingKey,
};
use crate::pki::{Eku, oid};

#[derive(Clone, Debug, Default)]
pub(super) struct NameConstraints {
    pub(super) permitted_dns: Vec<String>,
    pub(super) excluded_dns: Vec<String>,
    pub(super) permitted_ip: Vec<(Vec<u8>, Vec<u8>)>,
    pub(super) excluded_ip: Vec<(Vec<u8>, Vec<u8>)>,
    pub(super) permitted_email: Vec<String>,
    pub(super) excluded_email: Vec<String>,
    pub(super) permitted_uri: Vec<String>,
    pub(super) excluded_uri: Vec<String>,
}

#[derive(Clone, Debug)]
pub(super) struct Cert {
    pub(super) raw: Vec<u8>,
    raw_tbs: Vec<u8>,
    pub(super) raw_subject: Vec<u8>,
    pub(super) raw_issuer: Vec<u8>,
    pub(super) raw_spki: Vec<u8>,
    version: u32,
    serial: String,
    pub(super) not_before: Timestamp,
    pub(super) not_after: Timestamp,
    pub(super) key_alg: KeyAlgorithm,
    key_bits: Vec<u8>,
    sig_alg: SignatureKind,
    signature: Vec<u8>,
    pub(super) unhandled_critical: bool,
    pub(super) bc_valid: bool,
    pub(super) is_ca: bool,
    pub(super) max_path_len: i64,
    ku_nonzero: bool,
    ku_cert_sign: bool,
    /// ExtKeyUsage and UnknownExtKeyUsage together (empty: no extension).
    pub(super) ekus: Vec<Eku>,
    pub(super) skid: Vec<u8>,
    pub(super) akid: Vec<u8>,
    pub(super) san_value: Option<Vec<u8>>,
    pub(super) dns_names: Vec<String>,
    pub(super) ip_addresses: Vec<Vec<u8>>,
    pub(super) emails: Vec<String>,
    pub(super) uris: Vec<String>,
    pub(super) name_constraints: Option<NameConstraints>,
    /// CertificatePolicies OIDs.
    pub(super) policies: Vec<String>,
    /// PolicyConstraints requireExplicitPolicy.
    pub(super) require_explicit_policy: Option<i64>,
    /// InhibitAnyPolicy skipCerts.
    pub(super) inhibit_any_policy: Option<i64>,
    /// PolicyMappings present.
    pub(super) policy_mappings: bool,
    pub(super) common_name: String,
    pub(super) organizations: Vec<String>,
    /// Every subject attribute of type [`oid::USER_UID`], in order.
    pub(super) uids: Vec<String>,
    /// An RSA key's public exponent and whether its modulus is odd, which crypto/rsa checks
    /// before it verifies anything with the key (`checkPublicKey`).
    rsa_key: Option<(i64, bool)>,
    /// What about this certificate kcred cannot judge as Go would ([`goparse::GoFacts`]).
    pub(super) doubt: Option<String>,
}

impl NameConstraints {
    /// The subtrees Go's `parseNameConstraintsExtension` (parser.go) reads: DNS, IP (with
    /// mask), e-mail and URI. The flag is false when a subtree of another form is present:
    /// Go then leaves the extension unhandled, which matters when it is critical.
    fn read(nc: &x509_parser::extensions::NameConstraints<'_>) -> (NameConstraints, bool) {
        let mut out = NameConstraints::default();
        let mut understood = true;
        for (subtrees, permitted) in [
            (&nc.permitted_subtrees, true),
            (&nc.excluded_subtrees, false),
        ] {
            for st in subtrees.iter().flatten() {
                let (dns, ip, email, uri) = if permitted {
                    (
                        &mut out.permitted_dns,
                        &mut out.permitted_ip,
                        &mut out.permitted_email,
                        &mut out.permitted_uri,
                    )
                } else {
                    (
                        &mut out.excluded_dns,
                        &mut out.excluded_ip,
                        &mut out.excluded_email,
                        &mut out.excluded_uri,
                    )
                };
                match &st.base {
                    GeneralName::DNSName(d) => dns.push(d.to_string()),
                    GeneralName::IPAddress(b) if b.len() == 8 || b.len() == 32 => {
                        let (addr, mask) = b.split_at(b.len() / 2);
                        ip.push((addr.to_vec(), mask.to_vec()));
                    }
                    GeneralName::RFC822Name(m) => email.push(m.to_string()),
                    GeneralName::URI(u) => uri.push(u.to_string()),
                    _ => understood = false,
                }
            }
        }
        (out, understood)
    }
}

/// The extensions Go's `processExtensions` parses (parser.go).
const GO_PARSED_EXTENSIONS: [&str; 13] = [
    "2.5.29.15",
    "2.5.29.19",
    "2.5.29.17",
    "2.5.29.30",
    "2.5.29.31",
    "2.5.29.35",
    "2.5.29.36",
    "2.5.29.37",
    "2.5.29.14",
    "2.5.29.32",
    "2.5.29.33",
    "2.5.29.54",
    oid::AIA,
];

impl Cert {
    pub(super) fn parse(der: &[u8]) -> Result<Cert, String> {
        // Go's refusals first, in Go's words; then the fields, from x509-parser.
        let facts = goparse::check(der)?;
        let (rest, x) = X509Certificate::from_der(der)
            .map_err(|e| format!("x509: malformed certificate: {e}"))?;
        if !rest.is_empty() {
            return Err("x509: trailing data".into());
        }
        let tbs = &x.tbs_certificate;
        let version = tbs.version.0 + 1;
        if version > 3 {
            return Err("x509: invalid version".into());
        }
        let raw_serial = x.raw_serial();
        if raw_serial.first().is_some_and(|b| b & 0x80 != 0) {
            return Err("x509: negative serial number".into());
        }
        if tbs.signature != x.signature_algorithm {
            return Err("x509: inner and outer signature algorithm identifiers don't match".into());
        }
        let spki = tbs.public_key();
        let key_alg = KeyAlgorithm::of(spki);
        let mut c = Cert {
            raw: der.to_vec(),
            raw_tbs: tbs.as_ref().to_vec(),
            raw_subject: tbs.subject.as_raw().to_vec(),
            raw_issuer: tbs.issuer.as_raw().to_vec(),
            raw_spki: spki.raw.to_vec(),
            version,
            serial: tbs.serial.to_string(),
            not_before: facts.not_before,
            not_after: facts.not_after,
            key_alg,
            key_bits: spki.subject_public_key.data.to_vec(),
            sig_alg: SignatureAlgorithm::of(&x.signature_algorithm).kind,
            signature: x.signature_value.data.to_vec(),
            unhandled_critical: false,
            bc_valid: false,
            is_ca: false,
            max_path_len: -1,
            ku_nonzero: false,
            ku_cert_sign: false,
            ekus: vec![],
            skid: vec![],
            akid: vec![],
            san_value: None,
            dns_names: vec![],
            ip_addresses: vec![],
            emails: vec![],
            uris: vec![],
            name_constraints: None,
            policies: vec![],
            require_explicit_policy: None,
            inhibit_any_policy: None,
            policy_mappings: false,
            common_name: facts.common_name,
            organizations: facts.organizations,
            uids: facts.uids,
            rsa_key: facts.rsa,
            doubt: facts.doubt,
        };
        // Go reads extensions of v3 certificates only (parser.go, parseCertificate).
        if version == 3 {
            c.read_extensions(&x)?;
            // Go reads any INTEGER here, negative ones included; x509-parser does not.
            c.inhibit_any_policy = facts.inhibit_any_policy;
        }
        Ok(c)
    }

    /// Go's `processExtensions` (parser.go): which extensions it understands, so which
    /// critical ones are "unhandled". One match because it mirrors Go's one
    /// `switch e.Id[3]` over the id-ce extensions (plus AIA); each arm is that case.
    fn read_extensions(&mut self, x: &X509Certificate<'_>) -> Result<(), String> {
        for e in x.extensions() {
            let oid = e.oid.to_id_string();
            let mut unhandled = false;
            match e.parsed_extension() {
                // Go parses (and refuses when malformed) only the extensions it handles;
                // any other extension is opaque to it, malformed or not.
                // inhibitAnyPolicy is read by the Go walk (goparse).
                ParsedExtension::ParseError { .. } if oid == "2.5.29.54" => {}
                ParsedExtension::ParseError { error }
                    if GO_PARSED_EXTENSIONS.contains(&oid.as_str()) =>
                {
                    return Err(format!("x509: invalid extension {oid}: {error}"));
                }
                ParsedExtension::ParseError { .. } => unhandled = true,
                ParsedExtension::KeyUsage(ku) => {
                    // Go reads the first 9 bits.
                    self.ku_nonzero = ku.flags & 0x1ff != 0;
                    self.ku_cert_sign = ku.key_cert_sign();
                }
                ParsedExtension::BasicConstraints(bc) => {
                    self.bc_valid = true;
                    self.is_ca = bc.ca;
                    self.max_path_len = bc.path_len_constraint.map_or(-1, i64::from);
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    self.san_value = Some(e.value.to_vec());
                    unhandled = !self.read_sans(san)?;
                }
                ParsedExtension::NameConstraints(nc) => {
                    let (out, understood) = NameConstraints::read(nc);
                    unhandled = !understood;
                    self.name_constraints = Some(out);
                }
                ParsedExtension::AuthorityKeyIdentifier(akid) => {
                    if e.critical {
                        return Err(
                            "x509: authority key identifier incorrectly marked critical".into()
                        );
                    }
                    self.akid = akid
                        .key_identifier
                        .as_ref()
                        .map(|k| k.0.to_vec())
                        .unwrap_or_default();
                }
                ParsedExtension::SubjectKeyIdentifier(skid) => {
                    if e.critical {
                        return Err(
                            "x509: subject key identifier incorrectly marked critical".into()
                        );
                    }
                    self.skid = skid.0.to_vec();
                }
                ParsedExtension::ExtendedKeyUsage(eku) => self.ekus = Eku::list(eku),
                ParsedExtension::PolicyConstraints(pc) => {
                    self.require_explicit_policy = pc.require_explicit_policy.map(i64::from);
                }
                ParsedExtension::PolicyMappings(_) => self.policy_mappings = true,
                ParsedExtension::InhibitAnyPolicy(_) => {}
                ParsedExtension::CertificatePolicies(cp) => {
                    self.policies = cp.iter().map(|p| p.policy_id.to_id_string()).collect();
                }
                ParsedExtension::CRLDistributionPoints(_) => {}
                ParsedExtension::AuthorityInfoAccess(_) => {
                    if e.critical {
                        return Err(
                            "x509: authority info access incorrectly marked critical".into()
                        );
                    }
                }
                _ => {
                    // Go handles every id-ce extension listed above and AIA; anything
                    // else is unhandled (and matters when critical).
                    unhandled = oid != oid::AIA;
                }
            }
            if e.critical && unhandled {
                self.unhandled_critical = true;
            }
        }
        Ok(())
    }

    /// `parseSANExtension` (parser.go): the names Go keeps (DNS, email, IP, URI); whether
    /// any was there, since a SAN extension with none of them is "unhandled" when critical.
    fn read_sans(&mut self, san: &SubjectAlternativeName<'_>) -> Result<bool, String> {
        let mut understood = 0;
        for g in &san.general_names {
            match g {
                GeneralName::DNSName(d) => {
                    self.dns_names.push(d.to_string());
                    understood += 1;
                }
                GeneralName::IPAddress(ip) => {
                    if ip.len() != 4 && ip.len() != 16 {
                        return Err("x509: invalid IP address in subject alternative name".into());
                    }
                    self.ip_addresses.push(ip.to_vec());
                    understood += 1;
                }
                GeneralName::RFC822Name(m) => {
                    self.emails.push(m.to_string());
                    understood += 1;
                }
                GeneralName::URI(u) => {
                    self.uris.push(u.to_string());
                    understood += 1;
                }
                _ => {}
            }
        }
        Ok(understood > 0)
    }

    /// `certificateIdentifier` in x509.go.
    pub(super) fn identifier(&self) -> String {
        format!(
            "SN={}, SKID={}, AKID={}",
            self.serial,
            colon_hex(&self.skid),
            colon_hex(&self.akid)
        )
    }

    /// The name Go's UnknownAuthorityError shows for a candidate.
    pub(super) fn hint_name(&self) -> String {
        if !self.common_name.is_empty() {
            self.common_name.clone()
        } else if let Some(o) = self.organizations.first() {
            o.clone()
        } else {
            format!("serial:{}", self.serial)
        }
    }

    /// `Certificate.CheckSignatureFrom` (x509.go).
    pub(super) fn check_signature_from(&self, parent: &Cert) -> Result<(), GoError> {
        if (parent.version == 3 && !parent.bc_valid) || (parent.bc_valid && !parent.is_ca) {
            return Err(GoError::ConstraintViolation);
        }
        if parent.ku_nonzero && !parent.ku_cert_sign {
            return Err(GoError::ConstraintViolation);
        }
        if parent.key_unknown() {
            return Err(GoError::Signature(
                "x509: cannot verify signature: algorithm unimplemented".into(),
            ));
        }
        verify_signature(self.sig_alg, &self.raw_tbs, &self.signature, parent)
    }
}

fn colon_hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// `parseASN1String` for the string types (by their universal tag number):
/// T61String, PrintableString, UTF8String, BMPString, IA5String, NumericString.
pub(super) fn go_string(tag: u8, data: &[u8]) -> Result<String, String> {
    let s = match tag {
        0x14 => data.iter().map(|&b| b as char).collect(),
        0x13 => {
            let printable = |b: u8| b.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(&b);
            if !data.iter().all(|&b| printable(b)) {
                return Err("invalid PrintableString".into());
            }
            String::from_utf8_lossy(data).into_owned()
        }
        0x0c => String::from_utf8(data.to_vec()).map_err(|_| "invalid UTF-8 string")?,
        0x1e => {
            if !data.len().is_multiple_of(2) {
                return Err("invalid BMPString".into());
            }
            let mut d = data;
            if d.len() >= 2 && d[d.len() - 1] == 0 && d[d.len() - 2] == 0 {
                d = &d[..d.len() - 2];
            }
            let mut units = Vec::with_capacity(d.len() / 2);
            for pair in d.chunks(2) {
                let p = u16::from_be_bytes([pair[0], pair[1]]);
                if p == 0xfffe
                    || p == 0xffff
                    || (0xfdd0..=0xfdef).contains(&p)
                    || (0xd800..=0xdfff).contains(&p)
                {
                    return Err("invalid BMPString".into());
                }
                units.push(p);
            }
            String::from_utf16(&units).map_err(|_| "invalid BMPString")?
        }
        0x16 => {
            if !data.is_ascii() {
                return Err("invalid IA5String".into());
            }
            String::from_utf8_lossy(data).into_owned()
        }
        0x12 => {
            if !data.iter().all(|&b| b.is_ascii_digit() || b == b' ') {
                return Err("invalid NumericString".into());
            }
            String::from_utf8_lossy(data).into_owned()
        }
        _ => return Err("not a string type".into()),
    };
    Ok(s)
}

/// `checkSignature` (x509.go): the shared check, with Go's error texts.
fn verify_signature(
    alg: SignatureKind,
    tbs: &[u8],
    signature: &[u8],
    parent: &Cert,
) -> Result<(), GoError> {
    let key = VerifyingKey {
        alg: &parent.key_alg,
        bits: &parent.key_bits,
    };
    let result = algorithm::verify(alg, key, tbs, signature);
    // crypto/rsa checks the key (`checkPublicKey`) after the key's size and before the
    // signature: a key it refuses verifies nothing, whatever AWS-LC makes of it.
    if matches!(result, Ok(()) | Err(SignatureError::Invalid))
        && let Some(refused) = parent.rsa_key_refused()
    {
        return Err(GoError::Signature(refused.into()));
    }
    result.map_err(|e| match e {
        SignatureError::Insecure(name) => GoError::Signature(format!(
            "x509: cannot verify signature: insecure algorithm {name}"
        )),
        SignatureError::Unimplemented => GoError::Signature(
            "x509: cannot verify signature: algorithm unimplemented".into(),
        ),
        SignatureError::RsaTooSmall(bits) => GoError::Signature(format!(
            "crypto/rsa: {bits}-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)"
        )),
        SignatureError::KeyMismatch(want) => {
            GoError::Signature(format!(
                "x509: signature algorithm specifies an {want} public key, but have public key of type {}",
                parent.go_key_type()
            ))
        }
        SignatureError::Unsupported(what) => GoError::Unsupported(what.into()),
        SignatureError::Invalid => GoError::Signature(
            match parent.key_alg {
                KeyAlgorithm::Rsa { .. } => "crypto/rsa: verification error",
                KeyAlgorithm::Ecdsa(_) => "x509: ECDSA verification failure",
                _ => "x509: Ed25519 verification failure",
            }
            .into(),
        ),
    })
}

impl Cert {
    /// The RSA modulus size in bits (`None` for other key types).
    pub(super) fn rsa_bits(&self) -> Option<usize> {
        match self.key_alg {
            KeyAlgorithm::Rsa { bits } => Some(bits),
            _ => None,
        }
    }

    /// Why crypto/rsa's `checkPublicKey` (crypto/internal/fips140/rsa/rsa.go) refuses this
    /// certificate's RSA key, if it does: Go parses exponents up to 2^63-1 and even moduli,
    /// but verifies nothing with them.
    pub(super) fn rsa_key_refused(&self) -> Option<&'static str> {
        let (e, n_odd) = self.rsa_key?;
        if !n_odd {
            Some("crypto/rsa: public modulus is even")
        } else if e < 2 {
            Some("crypto/rsa: public exponent too small or negative")
        } else if e & 1 == 0 {
            Some("crypto/rsa: public exponent is even")
        } else if e > (1 << 31) - 1 {
            Some("crypto/rsa: public exponent too large")
        } else {
            None
        }
    }

    /// A key Go's parser leaves nil (`PublicKeyAlgorithm` unknown): Go skips such a
    /// candidate parent, and cannot check a signature with it.
    /// fmt's `%T` of the `PublicKey` Go's certificate parser makes of this key (`<nil>`: an
    /// algorithm `getPublicKeyAlgorithmFromOID` does not know, such as X25519, Ed448 or
    /// ML-DSA).
    pub(super) fn go_key_type(&self) -> &'static str {
        match &self.key_alg {
            KeyAlgorithm::Rsa { .. } => "*rsa.PublicKey",
            KeyAlgorithm::Ecdsa(_) | KeyAlgorithm::EcdsaOther(_) => "*ecdsa.PublicKey",
            KeyAlgorithm::Ed25519 => "ed25519.PublicKey",
            KeyAlgorithm::Other(oid) if oid == "1.2.840.10040.4.1" => "*dsa.PublicKey",
            _ => "<nil>",
        }
    }

    pub(super) fn key_unknown(&self) -> bool {
        matches!(
            self.key_alg,
            KeyAlgorithm::Other(_) | KeyAlgorithm::Ed448 | KeyAlgorithm::EcdsaOther(_)
        )
    }
}
