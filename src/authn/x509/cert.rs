//! A certificate, decoded into what Go's Certificate struct holds and Verify uses: a port
//! of `crypto/x509/parser.go` (`parseCertificate`, `processExtensions`, `parseASN1String`)
//! and of `x509.go` (`CheckSignatureFrom`, `checkSignature`).

use aws_lc_rs::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};
use jiff::Timestamp;
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::goerror::GoError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeyAlg {
    Rsa,
    Ecdsa(Curve),
    Ed25519,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Curve {
    P256,
    P384,
    P521,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

/// Go's `SignatureAlgorithm`, reduced to what verification needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SigAlg {
    RsaPkcs1(Hash),
    RsaPss(Hash),
    Ecdsa(Hash),
    Ed25519,
    /// MD5/SHA-1 family: Go refuses them in certificates (`InsecureAlgorithmError`).
    Insecure(&'static str),
    Unknown,
}

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
    pub(super) key_alg: KeyAlg,
    key_bits: Vec<u8>,
    sig_alg: SigAlg,
    signature: Vec<u8>,
    pub(super) unhandled_critical: bool,
    pub(super) bc_valid: bool,
    pub(super) is_ca: bool,
    pub(super) max_path_len: i64,
    ku_nonzero: bool,
    ku_cert_sign: bool,
    /// ExtKeyUsage or UnknownExtKeyUsage is non-empty.
    pub(super) eku_listed: bool,
    pub(super) eku_any: bool,
    pub(super) eku_client: bool,
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
    /// Every subject attribute of type [`oids::USER_UID`], in order; `None` for a value
    /// that is not a string (Go's `readASN1Any` keeps such values, typed otherwise).
    pub(super) uids: Vec<Option<String>>,
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
    oids::AIA,
];

mod oids {
    pub const RSA: &str = "1.2.840.113549.1.1.1";
    pub const EC: &str = "1.2.840.10045.2.1";
    pub const ED25519: &str = "1.3.101.112";
    pub const P256: &str = "1.2.840.10045.3.1.7";
    pub const P384: &str = "1.3.132.0.34";
    pub const P521: &str = "1.3.132.0.35";
    pub const CN: &str = "2.5.4.3";
    pub const O: &str = "2.5.4.10";
    /// The Kubernetes user UID attribute (`asn1util.X509UID()`, read by x509.go's
    /// `parseUIDFromCert` under the AllowParsingUserUIDFromCertAuth feature gate).
    pub const USER_UID: &str = "1.3.6.1.4.1.57683.2";
    pub const AIA: &str = "1.3.6.1.5.5.7.1.1";
}

impl Cert {
    pub(super) fn parse(der: &[u8]) -> Result<Cert, String> {
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
        let ts = |t: &x509_parser::time::ASN1Time| {
            Timestamp::from_second(t.timestamp())
                .map_err(|_| "x509: malformed validity".to_string())
        };
        let spki = tbs.public_key();
        let key_alg = match spki.algorithm.algorithm.to_id_string().as_str() {
            oids::RSA => KeyAlg::Rsa,
            oids::ED25519 => KeyAlg::Ed25519,
            oids::EC => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string());
                KeyAlg::Ecdsa(match curve.as_deref() {
                    Some(oids::P256) => Curve::P256,
                    Some(oids::P384) => Curve::P384,
                    Some(oids::P521) => Curve::P521,
                    _ => return Err("x509: unsupported elliptic curve".into()),
                })
            }
            _ => KeyAlg::Unknown,
        };
        let (common_name, organizations, uids) = go_subject(&x)?;
        let mut c = Cert {
            raw: der.to_vec(),
            raw_tbs: tbs.as_ref().to_vec(),
            raw_subject: tbs.subject.as_raw().to_vec(),
            raw_issuer: tbs.issuer.as_raw().to_vec(),
            raw_spki: spki.raw.to_vec(),
            version,
            serial: tbs.serial.to_string(),
            not_before: ts(&tbs.validity.not_before)?,
            not_after: ts(&tbs.validity.not_after)?,
            key_alg,
            key_bits: spki.subject_public_key.data.to_vec(),
            sig_alg: sig_alg(&x),
            signature: x.signature_value.data.to_vec(),
            unhandled_critical: false,
            bc_valid: false,
            is_ca: false,
            max_path_len: -1,
            ku_nonzero: false,
            ku_cert_sign: false,
            eku_listed: false,
            eku_any: false,
            eku_client: false,
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
            common_name,
            organizations,
            uids,
        };
        // Go reads extensions of v3 certificates only (parser.go, parseCertificate).
        if version == 3 {
            c.read_extensions(&x)?;
        }
        Ok(c)
    }

    /// Go's `processExtensions` (parser.go): which extensions it understands, so which
    /// critical ones are "unhandled".
    fn read_extensions(&mut self, x: &X509Certificate<'_>) -> Result<(), String> {
        for e in x.extensions() {
            let oid = e.oid.to_id_string();
            let mut unhandled = false;
            let bad = |what: &str| format!("x509: invalid {what}");
            match e.parsed_extension() {
                // Go parses (and refuses when malformed) only the extensions it handles;
                // any other extension is opaque to it, malformed or not.
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
                    let mut understood = 0;
                    for g in &san.general_names {
                        match g {
                            GeneralName::DNSName(d) => {
                                self.dns_names.push(d.to_string());
                                understood += 1;
                            }
                            GeneralName::IPAddress(ip) => {
                                if ip.len() != 4 && ip.len() != 16 {
                                    return Err(bad("IP address in subject alternative name"));
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
                    unhandled = understood == 0;
                }
                ParsedExtension::NameConstraints(nc) => {
                    let mut out = NameConstraints::default();
                    let mut read = |subtrees: &Option<Vec<_>>, permitted: bool| {
                        for st in subtrees.iter().flatten() {
                            let st: &x509_parser::extensions::GeneralSubtree<'_> = st;
                            match &st.base {
                                GeneralName::DNSName(d) => {
                                    if permitted {
                                        out.permitted_dns.push(d.to_string())
                                    } else {
                                        out.excluded_dns.push(d.to_string())
                                    }
                                }
                                GeneralName::IPAddress(b) if b.len() == 8 || b.len() == 32 => {
                                    let (ip, mask) = b.split_at(b.len() / 2);
                                    let v = (ip.to_vec(), mask.to_vec());
                                    if permitted {
                                        out.permitted_ip.push(v)
                                    } else {
                                        out.excluded_ip.push(v)
                                    }
                                }
                                GeneralName::RFC822Name(m) => {
                                    if permitted {
                                        out.permitted_email.push(m.to_string())
                                    } else {
                                        out.excluded_email.push(m.to_string())
                                    }
                                }
                                GeneralName::URI(u) => {
                                    if permitted {
                                        out.permitted_uri.push(u.to_string())
                                    } else {
                                        out.excluded_uri.push(u.to_string())
                                    }
                                }
                                _ => unhandled = true,
                            }
                        }
                    };
                    read(&nc.permitted_subtrees, true);
                    read(&nc.excluded_subtrees, false);
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
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    self.eku_any = eku.any;
                    self.eku_client = eku.client_auth;
                    self.eku_listed = eku.any
                        || eku.server_auth
                        || eku.client_auth
                        || eku.code_signing
                        || eku.email_protection
                        || eku.time_stamping
                        || eku.ocsp_signing
                        || !eku.other.is_empty();
                }
                ParsedExtension::PolicyConstraints(pc) => {
                    self.require_explicit_policy = pc.require_explicit_policy.map(i64::from);
                }
                ParsedExtension::PolicyMappings(_) => self.policy_mappings = true,
                ParsedExtension::InhibitAnyPolicy(ia) => {
                    self.inhibit_any_policy = Some(i64::from(ia.skip_certs));
                }
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
                    unhandled = oid != oids::AIA;
                }
            }
            if e.critical && unhandled {
                self.unhandled_critical = true;
            }
        }
        Ok(())
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
        if parent.key_alg == KeyAlg::Unknown {
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

/// Subject CN (the last string-valued one wins, as in `pkix.Name.FillFromRDNSequence`)
/// and every O in order, with Go's string decoding (parser.go, `parseASN1String`).
#[allow(clippy::type_complexity)]
fn go_subject(
    x: &X509Certificate<'_>,
) -> Result<(String, Vec<String>, Vec<Option<String>>), String> {
    let mut cn = String::new();
    let mut orgs = Vec::new();
    let mut uids = Vec::new();
    for (name, is_subject) in [
        (&x.tbs_certificate.issuer, false),
        (&x.tbs_certificate.subject, true),
    ] {
        for rdn in name.iter_rdn() {
            for atv in rdn.iter() {
                let any = atv.attr_value();
                let value = go_string(any.tag(), any.data).map_err(|e| {
                    format!("x509: invalid RDNSequence: invalid attribute value: {e}")
                })?;
                if !is_subject {
                    continue;
                }
                let oid = atv.attr_type().to_id_string();
                if oid == oids::USER_UID {
                    uids.push(value);
                    continue;
                }
                let Some(value) = value else {
                    continue;
                };
                match oid.as_str() {
                    oids::CN => cn = value,
                    oids::O => orgs.push(value),
                    _ => {}
                }
            }
        }
    }
    Ok((cn, orgs, uids))
}

/// `parseASN1String`: `Ok(None)` for values that are not strings.
fn go_string(tag: Tag, data: &[u8]) -> Result<Option<String>, String> {
    let s = match tag {
        Tag::T61String => data.iter().map(|&b| b as char).collect(),
        Tag::PrintableString => {
            let printable = |b: u8| b.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(&b);
            if !data.iter().all(|&b| printable(b)) {
                return Err("invalid PrintableString".into());
            }
            String::from_utf8_lossy(data).into_owned()
        }
        Tag::Utf8String => String::from_utf8(data.to_vec()).map_err(|_| "invalid UTF-8 string")?,
        Tag::BmpString => {
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
        Tag::Ia5String => {
            if !data.is_ascii() {
                return Err("invalid IA5String".into());
            }
            String::from_utf8_lossy(data).into_owned()
        }
        Tag::NumericString => {
            if !data.iter().all(|&b| b.is_ascii_digit() || b == b' ') {
                return Err("invalid NumericString".into());
            }
            String::from_utf8_lossy(data).into_owned()
        }
        _ => return Ok(None),
    };
    Ok(Some(s))
}

/// Go's `getSignatureAlgorithmFromAI`, for the algorithms it knows.
fn sig_alg(x: &X509Certificate<'_>) -> SigAlg {
    let ai = &x.signature_algorithm;
    match ai.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.11" => SigAlg::RsaPkcs1(Hash::Sha256),
        "1.2.840.113549.1.1.12" => SigAlg::RsaPkcs1(Hash::Sha384),
        "1.2.840.113549.1.1.13" => SigAlg::RsaPkcs1(Hash::Sha512),
        "1.2.840.10045.4.3.2" => SigAlg::Ecdsa(Hash::Sha256),
        "1.2.840.10045.4.3.3" => SigAlg::Ecdsa(Hash::Sha384),
        "1.2.840.10045.4.3.4" => SigAlg::Ecdsa(Hash::Sha512),
        "1.3.101.112" => SigAlg::Ed25519,
        "1.2.840.113549.1.1.5" => SigAlg::Insecure("SHA1-RSA"),
        "1.2.840.113549.1.1.4" => SigAlg::Insecure("MD5-RSA"),
        "1.2.840.113549.1.1.2" => SigAlg::Insecure("MD2-RSA"),
        "1.2.840.10045.4.1" => SigAlg::Insecure("ECDSA-SHA1"),
        "1.2.840.113549.1.1.10" => pss_hash(ai).map_or(SigAlg::Unknown, SigAlg::RsaPss),
        _ => SigAlg::Unknown,
    }
}

/// The hash of an RSASSA-PSS AlgorithmIdentifier that Go accepts: SHA-256/384/512 with
/// MGF1 of the same hash and a salt as long as the hash (x509.go, `getSignatureAlgorithmFromAI`).
fn pss_hash(ai: &x509_parser::x509::AlgorithmIdentifier<'_>) -> Option<Hash> {
    use x509_parser::signature_algorithm::{RsaSsaPssParams, SignatureAlgorithm};
    let SignatureAlgorithm::RSASSA_PSS(p) = SignatureAlgorithm::try_from(ai).ok()? else {
        return None;
    };
    let p: &RsaSsaPssParams = &p;
    let (hash, len) = match p.hash_algorithm_oid().to_id_string().as_str() {
        "2.16.840.1.101.3.4.2.1" => (Hash::Sha256, 32),
        "2.16.840.1.101.3.4.2.2" => (Hash::Sha384, 48),
        "2.16.840.1.101.3.4.2.3" => (Hash::Sha512, 64),
        _ => return None,
    };
    let mgf = p.mask_gen_algorithm().ok()?;
    if mgf.hash.to_id_string() != p.hash_algorithm_oid().to_id_string() {
        return None;
    }
    (p.salt_length() == len && p.trailer_field() == 1).then_some(hash)
}

/// `checkSignature` (x509.go), with Go's error texts.
fn verify_signature(
    alg: SigAlg,
    tbs: &[u8],
    signature: &[u8],
    parent: &Cert,
) -> Result<(), GoError> {
    let mismatch = |want: &str| {
        let have = match parent.key_alg {
            KeyAlg::Rsa => "*rsa.PublicKey",
            KeyAlg::Ecdsa(_) => "*ecdsa.PublicKey",
            KeyAlg::Ed25519 => "ed25519.PublicKey",
            KeyAlg::Unknown => "<nil>",
        };
        Err(GoError::Signature(format!(
            "x509: signature algorithm specifies an {want} public key, but have public key of type {have}"
        )))
    };
    let algorithm: &'static dyn VerificationAlgorithm = match (alg, parent.key_alg) {
        (SigAlg::Insecure(name), _) => {
            return Err(GoError::Signature(format!(
                "x509: cannot verify signature: insecure algorithm {name}"
            )));
        }
        (SigAlg::Unknown, _) => {
            return Err(GoError::Signature(
                "x509: cannot verify signature: algorithm unimplemented".into(),
            ));
        }
        (SigAlg::RsaPkcs1(_) | SigAlg::RsaPss(_), KeyAlg::Rsa)
            if rsa_modulus_bits(&parent.key_bits) < 1024 =>
        {
            // crypto/rsa's checkKeySize (the rsa1024min GODEBUG, on by default).
            return Err(GoError::Signature(format!(
                "crypto/rsa: {}-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)",
                rsa_modulus_bits(&parent.key_bits)
            )));
        }
        (SigAlg::RsaPkcs1(h), KeyAlg::Rsa) => {
            // aws-lc-rs keeps RSA keys under 2048 bits behind "legacy" names; Go verifies
            // them (it only refuses keys under 1024 bits).
            match (h, rsa_modulus_bits(&parent.key_bits) < 2048) {
                (Hash::Sha256, true) => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                (Hash::Sha512, true) => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
                (Hash::Sha384, true) => {
                    return Err(GoError::Unsupported(
                        "an RSA key under 2048 bits signing with SHA-384".into(),
                    ));
                }
                (Hash::Sha256, false) => &sig::RSA_PKCS1_2048_8192_SHA256,
                (Hash::Sha384, false) => &sig::RSA_PKCS1_2048_8192_SHA384,
                (Hash::Sha512, false) => &sig::RSA_PKCS1_2048_8192_SHA512,
            }
        }
        (SigAlg::RsaPss(h), KeyAlg::Rsa) => {
            if rsa_modulus_bits(&parent.key_bits) < 2048 {
                return Err(GoError::Unsupported(
                    "an RSA-PSS signature by a key under 2048 bits".into(),
                ));
            }
            match h {
                Hash::Sha256 => &sig::RSA_PSS_2048_8192_SHA256,
                Hash::Sha384 => &sig::RSA_PSS_2048_8192_SHA384,
                Hash::Sha512 => &sig::RSA_PSS_2048_8192_SHA512,
            }
        }
        (SigAlg::RsaPkcs1(_) | SigAlg::RsaPss(_), _) => return mismatch("RSA"),
        // Go lets any curve sign with any of the SHA-2 hashes.
        (SigAlg::Ecdsa(h), KeyAlg::Ecdsa(curve)) => match (curve, h) {
            (Curve::P256, Hash::Sha256) => &sig::ECDSA_P256_SHA256_ASN1,
            (Curve::P256, Hash::Sha384) => &sig::ECDSA_P256_SHA384_ASN1,
            (Curve::P256, Hash::Sha512) => &sig::ECDSA_P256_SHA512_ASN1,
            (Curve::P384, Hash::Sha256) => &sig::ECDSA_P384_SHA256_ASN1,
            (Curve::P384, Hash::Sha384) => &sig::ECDSA_P384_SHA384_ASN1,
            (Curve::P384, Hash::Sha512) => &sig::ECDSA_P384_SHA512_ASN1,
            (Curve::P521, Hash::Sha256) => &sig::ECDSA_P521_SHA256_ASN1,
            (Curve::P521, Hash::Sha384) => &sig::ECDSA_P521_SHA384_ASN1,
            (Curve::P521, Hash::Sha512) => &sig::ECDSA_P521_SHA512_ASN1,
        },
        (SigAlg::Ecdsa(_), _) => return mismatch("ECDSA"),
        (SigAlg::Ed25519, KeyAlg::Ed25519) => &sig::ED25519,
        (SigAlg::Ed25519, _) => return mismatch("Ed25519"),
    };
    UnparsedPublicKey::new(algorithm, &parent.key_bits)
        .verify(tbs, signature)
        .map_err(|_| {
            GoError::Signature(
                match parent.key_alg {
                    KeyAlg::Rsa => "crypto/rsa: verification error",
                    KeyAlg::Ecdsa(_) => "x509: ECDSA verification failure",
                    _ => "x509: Ed25519 verification failure",
                }
                .into(),
            )
        })
}

/// Bits in the modulus of a PKCS#1 RSAPublicKey, as Go's `N.BitLen()` counts them.
fn rsa_modulus_bits(der: &[u8]) -> usize {
    match x509_parser::public_key::RSAPublicKey::from_der(der) {
        Ok((_, k)) => {
            let m = k.modulus;
            match m.iter().position(|&b| b != 0) {
                Some(i) => (m.len() - i - 1) * 8 + (8 - m[i].leading_zeros() as usize),
                None => 0,
            }
        }
        Err(_) => 0,
    }
}

impl Cert {
    /// The RSA modulus size in bits (`None` for other key types).
    pub(super) fn rsa_bits(&self) -> Option<usize> {
        (self.key_alg == KeyAlg::Rsa).then(|| rsa_modulus_bits(&self.key_bits))
    }
}
