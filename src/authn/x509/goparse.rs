//! Everything Go's `x509.ParseCertificate` refuses, checked on the certificate's DER the way
//! Go reads it: a port of `parseCertificate`, `parseName`, `parseASN1String`, `parseTime`,
//! `parsePublicKey` and the refusals of `processExtensions` (crypto/x509/parser.go of Go
//! 1.25, the Go kube-apiserver 1.35 is built with: v1.35.0 with 1.25.5, the peer the tests
//! run), over a port of the DER reader they use (golang.org/x/crypto/cryptobyte, asn1.go).
//! Go 1.26 and later read more (INTEGER or OID attribute values, IPv4-mapped SAN addresses
//! refused, ML-DSA keys); those are not what a 1.35 API server does.
//!
//! kube-apiserver's TLS server parses every certificate a client presents with
//! `ParseCertificate` and fails the handshake on any error; it loads `--client-ca-file` with
//! it too and will not start on an error. x509-parser, which [`super::cert`] reads fields
//! with, accepts much that Go refuses (compressed or off-curve EC points, duplicate
//! extensions, non-minimal serials, UTCTime offsets, malformed SAN or name-constraint values,
//! ...), so without this walk kcred would call "authenticated" a chain the API server never
//! gets to authenticate. The walk keeps what kcred reads from it rather than from
//! x509-parser: the validity (Go's time rules), the subject's CN, O and UID attributes (Go's
//! `FillFromRDNSequence`), the RSA key's exponent and modulus parity (checked at signature
//! time by crypto/rsa), and inhibitAnyPolicy.

use jiff::Timestamp;

use super::constraints::{domain_name_valid, parse_mailbox};
use super::goerror::go_quote;

/// What the walk keeps, for a certificate Go's parser accepts.
#[derive(Clone, Debug)]
pub(super) struct GoFacts {
    pub(super) not_before: Timestamp,
    pub(super) not_after: Timestamp,
    pub(super) common_name: String,
    pub(super) organizations: Vec<String>,
    /// Every subject attribute of type 1.3.6.1.4.1.57683.2, in order.
    pub(super) uids: Vec<String>,
    /// RSA public exponent and whether the modulus is odd (crypto/rsa's `checkPublicKey`).
    pub(super) rsa: Option<(i64, bool)>,
    pub(super) inhibit_any_policy: Option<i64>,
    /// Something Go decides that kcred cannot (a P-224 point, a URI only Go's `url.Parse`
    /// can judge): said instead of guessing.
    pub(super) doubt: Option<String>,
}

// ------------------------------------------------------------------ the DER reader (cryptobyte)

const BOOLEAN: u8 = 0x01;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;

/// cryptobyte's `String`: a cursor over DER.
#[derive(Clone, Copy)]
struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `readASN1`: one element (low tag numbers only, minimal definite lengths):
    /// its tag, contents and whole encoding.
    fn element(&mut self) -> Option<(u8, &'a [u8], &'a [u8])> {
        let s = self.0;
        let (&tag, rest) = s.split_first()?;
        let &len_byte = rest.first()?;
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (header, len) = if len_byte & 0x80 == 0 {
            (2usize, len_byte as usize)
        } else {
            let n = (len_byte & 0x7f) as usize;
            if n == 0 || n > 4 || s.len() < 2 + n {
                return None;
            }
            let len = s[2..2 + n].iter().fold(0u32, |a, &b| (a << 8) | b as u32);
            if len < 128 || len >> ((n - 1) * 8) == 0 {
                return None;
            }
            (2 + n, len as usize)
        };
        let end = header.checked_add(len)?;
        if s.len() < end {
            return None;
        }
        self.0 = &s[end..];
        Some((tag, &s[header..end], &s[..end]))
    }

    fn peek(&self, tag: u8) -> bool {
        self.0.first() == Some(&tag)
    }

    /// `ReadASN1`: the contents of an element that must have this tag.
    fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        if !self.peek(tag) {
            return None;
        }
        self.element().map(|(_, c, _)| c)
    }

    /// `ReadASN1Element`: the whole encoding of an element with this tag.
    fn read_element(&mut self, tag: u8) -> Option<&'a [u8]> {
        if !self.peek(tag) {
            return None;
        }
        self.element().map(|(_, _, full)| full)
    }

    /// `ReadOptionalASN1`: `Some(None)` when absent, `None` when malformed.
    fn read_optional(&mut self, tag: u8) -> Option<Option<&'a [u8]>> {
        if !self.peek(tag) {
            return Some(None);
        }
        self.read(tag).map(Some)
    }

    /// `ReadASN1Integer` into an int64.
    fn read_i64(&mut self) -> Option<i64> {
        self.read(INTEGER).and_then(int64)
    }

    /// `ReadASN1ObjectIdentifier` into an `asn1.ObjectIdentifier` (arcs fit 31 bits).
    fn read_oid(&mut self) -> Option<String> {
        self.read(OID).and_then(oid_string)
    }

    /// `ReadASN1BitString`.
    fn read_bit_string(&mut self) -> Option<(&'a [u8], usize)> {
        self.read(BIT_STRING).and_then(bit_string)
    }

    /// `ReadASN1Boolean`.
    fn read_bool(&mut self) -> Option<bool> {
        match self.read(BOOLEAN)? {
            [0] => Some(false),
            [0xff] => Some(true),
            _ => None,
        }
    }
}

/// `checkASN1Integer`: at least one octet, minimally encoded.
fn integer_ok(b: &[u8]) -> bool {
    match b {
        [] => false,
        [_] => true,
        [0, next, ..] => next & 0x80 != 0,
        [0xff, next, ..] => next & 0x80 == 0,
        _ => true,
    }
}

fn int64(b: &[u8]) -> Option<i64> {
    if !integer_ok(b) || b.len() > 8 {
        return None;
    }
    let v = b.iter().fold(0i64, |a, &x| (a << 8) | x as i64);
    let shift = 64 - 8 * b.len() as u32;
    Some((v << shift) >> shift)
}

/// `readASN1Uint64`.
fn uint64(b: &[u8]) -> Option<u64> {
    if !integer_ok(b) || b[0] & 0x80 != 0 || b.len() > 9 || (b.len() == 9 && b[0] != 0) {
        return None;
    }
    Some(b.iter().fold(0u64, |a, &x| (a << 8) | x as u64))
}

fn bit_string(b: &[u8]) -> Option<(&[u8], usize)> {
    let (&pad, bytes) = b.split_first()?;
    if pad > 7
        || (bytes.is_empty() && pad != 0)
        || bytes.last().is_some_and(|&l| l & ((1u8 << pad) - 1) != 0)
    {
        return None;
    }
    Some((bytes, bytes.len() * 8 - pad as usize))
}

/// `asn1.BitString.RightAlign`.
fn right_align(bytes: &[u8], bit_len: usize) -> Vec<u8> {
    let shift = 8 - (bit_len % 8) as u32;
    if shift == 8 || bytes.is_empty() {
        return bytes.to_vec();
    }
    let mut a = vec![0u8; bytes.len()];
    a[0] = bytes[0] >> shift;
    for i in 1..bytes.len() {
        a[i] = (bytes[i - 1] << (8 - shift)) | (bytes[i] >> shift);
    }
    a
}

/// `readBase128Int` for every arc; the dotted form.
fn oid_string(mut b: &[u8]) -> Option<String> {
    if b.is_empty() {
        return None;
    }
    let mut arcs = Vec::new();
    while !b.is_empty() {
        let mut v: u32 = 0;
        let mut i = 0;
        loop {
            if i == 5 || v >= 1 << (31 - 7) {
                return None;
            }
            let (&x, rest) = b.split_first()?;
            b = rest;
            if i == 0 && x == 0x80 {
                return None;
            }
            v = (v << 7) | (x & 0x7f) as u32;
            i += 1;
            if x & 0x80 == 0 {
                break;
            }
        }
        arcs.push(v);
    }
    let first = arcs[0];
    let (a, b0) = if first < 80 {
        (first / 40, first % 40)
    } else {
        (2, first - 80)
    };
    let mut s = format!("{a}.{b0}");
    for arc in &arcs[1..] {
        s.push('.');
        s.push_str(&arc.to_string());
    }
    Some(s)
}

/// `newOIDFromDER` (oid.go): the policy OIDs, which have no 31-bit limit.
fn oid_der_ok(der: &[u8]) -> bool {
    if der.last().is_none_or(|l| l & 0x80 != 0) {
        return false;
    }
    let mut start = true;
    for &v in der {
        if start && v == 0x80 {
            return false;
        }
        start = v & 0x80 == 0;
    }
    true
}

// ------------------------------------------------------------------ time

/// `ReadASN1UTCTime`: `YYMMDDHHMM[SS]` then `Z` or a non-zero `±hhmm` (a zero offset must
/// be written `Z`: Go re-formats and compares), years 50-99 in the 1900s.
fn utc_time(s: &[u8]) -> Option<Timestamp> {
    [12, 10].iter().find_map(|&digits| {
        let (date, zone) = split_digits(s, digits)?;
        let yy = date[0] as i16;
        let year = if yy < 50 { 2000 + yy } else { 1900 + yy };
        let sec = if digits == 12 { date[5] } else { 0 };
        civil(year, &date[1..5], sec, zone?)
    })
}

/// `ReadASN1GeneralizedTime`: `YYYYMMDDHHMMSS` then `Z` or a non-zero `±hhmm`; no fraction
/// (Go parses one, but then the re-formatted time differs).
fn generalized_time(s: &[u8]) -> Option<Timestamp> {
    let (date, zone) = split_digits(s, 14)?;
    let year = date[0] as i16 * 100 + date[1] as i16;
    civil(year, &date[2..6], date[6], zone?)
}

/// `digits` decimal digits as two-digit numbers, and the zone after them: `Some(0)` for
/// `Z`, `Some(seconds)` for a non-zero offset, `None` for anything else.
fn split_digits(s: &[u8], digits: usize) -> Option<(Vec<u8>, Option<i32>)> {
    let (d, zone) = s.split_at_checked(digits)?;
    if !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let pairs = d
        .chunks(2)
        .map(|p| (p[0] - b'0') * 10 + (p[1] - b'0'))
        .collect();
    let two = |p: &[u8]| -> Option<i32> {
        p.iter()
            .all(u8::is_ascii_digit)
            .then(|| ((p[0] - b'0') * 10 + (p[1] - b'0')) as i32)
    };
    let zone = match zone {
        b"Z" => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let (h, m) = (two(&[*h1, *h2])?, two(&[*m1, *m2])?);
            let secs = (h * 3600 + m * 60) * if *sign == b'-' { -1 } else { 1 };
            (h <= 24 && m < 60 && secs != 0).then_some(secs)
        }
        _ => None,
    };
    Some((pairs, zone))
}

/// The instant of a civil time at a fixed offset, with `time.Parse`'s range checks. An
/// instant past jiff's range (the last hours of year 9999) is its largest timestamp: for a
/// validity bound that changes nothing.
fn civil(year: i16, mdhm: &[u8], sec: u8, offset: i32) -> Option<Timestamp> {
    let (month, day, hour, minute) = (mdhm[0], mdhm[1], mdhm[2], mdhm[3]);
    if sec > 59 {
        return None;
    }
    let dt = jiff::civil::DateTime::new(
        year,
        month as i8,
        day as i8,
        hour as i8,
        minute as i8,
        sec as i8,
        0,
    )
    .ok()?;
    let offset = jiff::tz::Offset::from_seconds(offset).ok()?;
    Some(offset.to_timestamp(dt).unwrap_or(if year > 0 {
        Timestamp::MAX
    } else {
        Timestamp::MIN
    }))
}

/// `readASN1Time`.
fn read_time(d: &mut Der<'_>) -> Result<Timestamp, String> {
    if d.peek(UTC_TIME) {
        d.read(UTC_TIME)
            .and_then(utc_time)
            .ok_or_else(|| "x509: malformed UTCTime".into())
    } else if d.peek(GENERALIZED_TIME) {
        d.read(GENERALIZED_TIME)
            .and_then(generalized_time)
            .ok_or_else(|| "x509: malformed GeneralizedTime".into())
    } else {
        Err("x509: unsupported time format".into())
    }
}

// ------------------------------------------------------------------ names

/// `parseASN1String` (Go 1.25): an attribute value must be one of the string types.
fn attribute_string(tag: u8, contents: &[u8]) -> Result<String, String> {
    match tag {
        0x14 | 0x13 | 0x0c | 0x1e | 0x16 | 0x12 => super::cert::go_string(tag, contents),
        // fmt's %v of a cryptobyte_asn1.Tag: its number.
        _ => Err(format!("unsupported string type: {tag}")),
    }
}

/// `parseName` and `FillFromRDNSequence`: the CN (the last one), every O, and every UID
/// attribute (all strings: Go 1.25 refuses a name with any other value).
#[derive(Default)]
pub(super) struct Name {
    pub(super) common_name: String,
    pub(super) organizations: Vec<String>,
    pub(super) uids: Vec<String>,
}

pub(super) fn parse_name(raw: &[u8]) -> Result<Name, String> {
    let mut out = Name::default();
    let mut seq = Der(raw);
    let mut rdns = Der(seq.read(SEQUENCE).ok_or("x509: invalid RDNSequence")?);
    while !rdns.is_empty() {
        let mut set = Der(rdns.read(SET).ok_or("x509: invalid RDNSequence")?);
        while !set.is_empty() {
            let mut atv = Der(set
                .read(SEQUENCE)
                .ok_or("x509: invalid RDNSequence: invalid attribute")?);
            let oid = atv
                .read_oid()
                .ok_or("x509: invalid RDNSequence: invalid attribute type")?;
            let (tag, contents, _) = atv
                .element()
                .ok_or("x509: invalid RDNSequence: invalid attribute value")?;
            let value = attribute_string(tag, contents)
                .map_err(|e| format!("x509: invalid RDNSequence: invalid attribute value: {e}"))?;
            match (oid.as_str(), value) {
                (crate::pki::oid::USER_UID, v) => out.uids.push(v),
                (crate::pki::oid::CN, v) => out.common_name = v,
                (crate::pki::oid::O, v) => out.organizations.push(v),
                _ => {}
            }
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------ certificate requests

const EXTENSION_REQUEST: &str = "1.2.840.113549.1.9.14";

/// `parseCSRExtensions` (crypto/x509/x509.go of Go 1.25), over the CertificationRequestInfo
/// `cri`: attributes that do not parse are ignored; the first value of every
/// extensionRequest attribute must be a list of extensions, and no extension OID may be
/// requested twice, within one attribute or across several.
pub(super) fn check_requested_extensions(cri: &[u8]) -> Result<(), String> {
    let malformed = || "asn1: structure error: malformed certificate request".to_string();
    let mut input = Der(cri);
    let mut info = Der(input.read(SEQUENCE).ok_or_else(malformed)?);
    for tag in [INTEGER, SEQUENCE, SEQUENCE] {
        info.read(tag).ok_or_else(malformed)?;
    }
    let Some(attributes) = info.read_optional(0xa0).ok_or_else(malformed)? else {
        return Ok(());
    };
    let mut attributes = Der(attributes);
    let mut seen = std::collections::BTreeSet::new();
    while let Some((tag, contents, _)) = attributes.element() {
        let mut attr = Der(contents);
        let (Some(oid), Some(values)) = (attr.read_oid(), attr.read(SET)) else {
            continue;
        };
        if tag != SEQUENCE || !attr.is_empty() || values.is_empty() || oid != EXTENSION_REQUEST {
            continue;
        }
        let extension_list = Der(values)
            .read(SEQUENCE)
            .ok_or("asn1: structure error: malformed extension request")?;
        let mut extensions = Der(extension_list);
        while !extensions.is_empty() {
            let oid = extensions
                .read(SEQUENCE)
                .and_then(|e| Der(e).read_oid())
                .ok_or("asn1: structure error: malformed extension")?;
            if !seen.insert(oid) {
                return Err(
                    "x509: certificate request contains duplicate requested extensions".into(),
                );
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ the public key

const P224: &str = "1.3.132.0.33";

/// `parsePublicKey`: the RSA exponent and modulus parity for RSA keys.
fn parse_public_key(
    algorithm: &str,
    params: Option<&[u8]>,
    data: &[u8],
    doubt: &mut Option<String>,
) -> Result<Option<(i64, bool)>, String> {
    use crate::pki::oid;
    match algorithm {
        oid::RSA => {
            if params != Some(&[NULL, 0][..]) {
                return Err("x509: RSA key missing NULL parameters".into());
            }
            let mut d = Der(data);
            let mut key = Der(d.read(SEQUENCE).ok_or("x509: invalid RSA public key")?);
            let n = key
                .read(INTEGER)
                .filter(|n| integer_ok(n))
                .ok_or("x509: invalid RSA modulus")?;
            let e = key.read_i64().ok_or("x509: invalid RSA public exponent")?;
            if n[0] & 0x80 != 0 || n.iter().all(|&b| b == 0) {
                return Err("x509: RSA modulus is not a positive number".into());
            }
            if e <= 0 {
                return Err("x509: RSA public exponent is not a positive number".into());
            }
            Ok(Some((e, n[n.len() - 1] & 1 == 1)))
        }
        oid::EC => {
            let curve = params
                .and_then(|p| Der(p).read_oid())
                .ok_or("x509: invalid ECDSA parameters")?;
            let (alg, size): (&'static aws_lc_rs::signature::EcdsaVerificationAlgorithm, _) =
                match curve.as_str() {
                    "1.2.840.10045.3.1.7" => (&aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1, 32),
                    "1.3.132.0.34" => (&aws_lc_rs::signature::ECDSA_P384_SHA384_ASN1, 48),
                    "1.3.132.0.35" => (&aws_lc_rs::signature::ECDSA_P521_SHA512_ASN1, 66),
                    P224 => {
                        *doubt = Some(
                            "a P-224 key: Go accepts the curve, but kcred cannot check a P-224 point or signature".into(),
                        );
                        return Ok(None);
                    }
                    _ => return Err("x509: unsupported elliptic curve".into()),
                };
            // `elliptic.Unmarshal`: the uncompressed form, of the curve's size, on the curve;
            // anything else is one error.
            if data.first() != Some(&4)
                || data.len() != 1 + 2 * size
                || aws_lc_rs::signature::ParsedPublicKey::new(alg, data).is_err()
            {
                return Err("x509: failed to unmarshal elliptic curve point".into());
            }
            Ok(None)
        }
        oid::ED25519 => {
            if params.is_some() {
                return Err("x509: Ed25519 key encoded with illegal parameters".into());
            }
            if data.len() != 32 {
                return Err("x509: wrong Ed25519 public key size".into());
            }
            Ok(None)
        }
        "1.3.101.110" => {
            if params.is_some() {
                return Err("x509: X25519 key encoded with illegal parameters".into());
            }
            if data.len() != 32 {
                return Err("crypto/ecdh: invalid public key".into());
            }
            Ok(None)
        }
        "1.2.840.10040.4.1" => {
            let y = Der(data).read(INTEGER).filter(|y| integer_ok(y));
            let y = y.ok_or("x509: invalid DSA public key")?;
            let mut p = Der(params.unwrap_or_default());
            let mut seq = Der(p.read(SEQUENCE).ok_or("x509: invalid DSA parameters")?);
            let mut parts = vec![y];
            for _ in 0..3 {
                let v = seq.read(INTEGER).filter(|v| integer_ok(v));
                parts.push(v.ok_or("x509: invalid DSA parameters")?);
            }
            if parts
                .iter()
                .any(|v| v[0] & 0x80 != 0 || v.iter().all(|&b| b == 0))
            {
                return Err("x509: zero or negative DSA parameter".into());
            }
            Ok(None)
        }
        // Go leaves keys of other algorithms unparsed (ML-DSA among them: Go 1.25 does not
        // know it).
        _ => Ok(None),
    }
}

/// `parseAI`: the algorithm OID and the parameters' whole encoding, if any.
fn parse_ai(mut ai: Der<'_>) -> Result<(String, Option<&[u8]>), String> {
    let oid = ai.read_oid().ok_or("x509: malformed OID")?;
    if ai.is_empty() {
        return Ok((oid, None));
    }
    let (_, _, params) = ai.element().ok_or("x509: malformed parameters")?;
    Ok((oid, Some(params)))
}

/// `ParsePKIXPublicKey`: `Err` with Go's message when Go refuses the SubjectPublicKeyInfo
/// `der` (encoding/asn1 reads the structure, so elements after the BIT STRING are allowed and
/// bytes after the SEQUENCE are not; `parsePublicKey` then reads the key).
pub(super) fn check_pkix_public_key(der: &[u8]) -> Result<Option<String>, String> {
    let mut input = Der(der);
    let spki = input
        .read(SEQUENCE)
        .ok_or("asn1: structure error: malformed public key")?;
    if !input.is_empty() {
        return Err("x509: trailing data after ASN.1 of public-key".into());
    }
    let mut spki = Der(spki);
    let ai = spki
        .read(SEQUENCE)
        .ok_or("asn1: structure error: malformed algorithm identifier")?;
    let (alg, params) = parse_ai(Der(ai))?;
    let (bits, bit_len) = spki
        .read_bit_string()
        .ok_or("asn1: structure error: malformed public key bits")?;
    let mut doubt = None;
    parse_public_key(&alg, params, &right_align(bits, bit_len), &mut doubt)?;
    Ok(doubt)
}

// ------------------------------------------------------------------ the certificate

/// `ParseCertificate`: `Err` with Go's message when Go refuses `der`.
pub(super) fn check(der: &[u8]) -> Result<GoFacts, String> {
    let mut input = Der(der);
    let raw = input
        .read_element(SEQUENCE)
        .ok_or("x509: malformed certificate")?;
    if raw.len() != der.len() {
        return Err("x509: trailing data".into());
    }
    let mut cert = Der(Der(raw)
        .read(SEQUENCE)
        .ok_or("x509: malformed certificate")?);
    let mut tbs = Der(cert
        .read(SEQUENCE)
        .ok_or("x509: malformed tbs certificate")?);

    let version = match tbs.read_optional(0xa0).ok_or("x509: malformed version")? {
        None => 0,
        Some(v) => {
            let mut v = Der(v);
            let n = v.read_i64().filter(|_| v.is_empty());
            n.filter(|&n| n >= 0).ok_or("x509: malformed version")?
        }
    } + 1;
    if version > 3 {
        return Err("x509: invalid version".into());
    }
    let serial = tbs
        .read(INTEGER)
        .filter(|s| integer_ok(s))
        .ok_or("x509: malformed serial number")?;
    if serial[0] & 0x80 != 0 {
        return Err("x509: negative serial number".into());
    }
    let sig_ai = tbs
        .read(SEQUENCE)
        .ok_or("x509: malformed signature algorithm identifier")?;
    let outer_ai = cert
        .read(SEQUENCE)
        .ok_or("x509: malformed algorithm identifier")?;
    if sig_ai != outer_ai {
        return Err("x509: inner and outer signature algorithm identifiers don't match".into());
    }
    parse_ai(Der(sig_ai))?;
    let issuer = tbs.read_element(SEQUENCE).ok_or("x509: malformed issuer")?;
    parse_name(issuer)?;
    let mut validity = Der(tbs.read(SEQUENCE).ok_or("x509: malformed validity")?);
    let not_before = read_time(&mut validity)?;
    let not_after = read_time(&mut validity)?;
    let subject = tbs.read_element(SEQUENCE).ok_or("x509: malformed issuer")?;
    let name = parse_name(subject)?;

    let mut spki = Der(tbs.read(SEQUENCE).ok_or("x509: malformed spki")?);
    let pk_ai = spki
        .read(SEQUENCE)
        .ok_or("x509: malformed public key algorithm identifier")?;
    let (pk_alg, pk_params) = parse_ai(Der(pk_ai))?;
    let (bits, bit_len) = spki
        .read_bit_string()
        .ok_or("x509: malformed subjectPublicKey")?;
    let mut doubt = None;
    // `getPublicKeyAlgorithmFromOID`: parseCertificate parses RSA, DSA, ECDSA and Ed25519
    // keys only; any other (X25519 among them) is left unparsed, however malformed.
    use crate::pki::oid;
    let known = [oid::RSA, "1.2.840.10040.4.1", oid::EC, oid::ED25519].contains(&pk_alg.as_str());
    let rsa = if known {
        parse_public_key(&pk_alg, pk_params, &right_align(bits, bit_len), &mut doubt)?
    } else {
        None
    };

    let mut facts = GoFacts {
        not_before,
        not_after,
        common_name: name.common_name,
        organizations: name.organizations,
        uids: name.uids,
        rsa,
        inhibit_any_policy: None,
        doubt,
    };
    if version > 1 {
        for (tag, what) in [(0x81, "issuerUniqueID"), (0x82, "subjectUniqueID")] {
            if tbs.peek(tag) && tbs.read(tag).is_none() {
                return Err(format!("x509: malformed {what}"));
            }
        }
        if version == 3
            && let Some(exts) = tbs
                .read_optional(0xa3)
                .ok_or("x509: malformed extensions")?
        {
            extensions(exts, &mut facts)?;
        }
    }
    cert.read_bit_string().ok_or("x509: malformed signature")?;
    Ok(facts)
}

/// The extensions: Go's duplicate check, then each extension's refusals
/// (`processExtensions`).
fn extensions(exts: &[u8], facts: &mut GoFacts) -> Result<(), String> {
    let mut list = Der(Der(exts)
        .read(SEQUENCE)
        .ok_or("x509: malformed extensions")?);
    let mut seen = std::collections::HashSet::new();
    let mut parsed = Vec::new();
    while !list.is_empty() {
        let mut ext = Der(list.read(SEQUENCE).ok_or("x509: malformed extension")?);
        let oid = ext
            .read_oid()
            .ok_or("x509: malformed extension OID field")?;
        let critical = if ext.peek(BOOLEAN) {
            ext.read_bool()
                .ok_or("x509: malformed extension critical field")?
        } else {
            false
        };
        let value = ext
            .read(OCTET_STRING)
            .ok_or("x509: malformed extension value field")?;
        if !seen.insert(oid.clone()) {
            return Err(format!(
                "x509: certificate contains duplicate extension with OID {}",
                go_quote(&oid)
            ));
        }
        parsed.push((oid, critical, value));
    }
    for (oid, critical, value) in parsed {
        extension(&oid, critical, value, facts)?;
    }
    Ok(())
}

fn extension(oid: &str, critical: bool, value: &[u8], facts: &mut GoFacts) -> Result<(), String> {
    // Each extension's value is read once, from its start.
    let mut v = Der(value);
    let invalid = |what: &str| format!("x509: invalid {what}");
    match oid {
        "2.5.29.15" => {
            v.read_bit_string().ok_or_else(|| invalid("key usage"))?;
        }
        "2.5.29.19" => {
            let mut bc = Der(v
                .read(SEQUENCE)
                .ok_or_else(|| invalid("basic constraints"))?);
            if bc.peek(BOOLEAN) {
                bc.read_bool().ok_or_else(|| invalid("basic constraints"))?;
            }
            if bc.peek(INTEGER) {
                let n = bc.read(INTEGER).and_then(uint64);
                n.filter(|&n| n <= i64::MAX as u64)
                    .ok_or_else(|| invalid("basic constraints"))?;
            }
        }
        "2.5.29.17" => sans(value, facts)?,
        "2.5.29.30" => name_constraints(value)?,
        "2.5.29.31" => crl_distribution_points(value)?,
        "2.5.29.35" => {
            if critical {
                return Err("x509: authority key identifier incorrectly marked critical".into());
            }
            let mut akid = Der(v
                .read(SEQUENCE)
                .ok_or_else(|| invalid("authority key identifier"))?);
            if akid.peek(0x80) {
                akid.read(0x80)
                    .ok_or_else(|| invalid("authority key identifier"))?;
            }
        }
        "2.5.29.36" => {
            let mut pc = Der(v
                .read(SEQUENCE)
                .ok_or_else(|| invalid("policy constraints extension"))?);
            for tag in [0x80, 0x81] {
                if pc.peek(tag) {
                    pc.read(tag)
                        .and_then(int64)
                        .ok_or_else(|| invalid("policy constraints extension"))?;
                }
            }
        }
        "2.5.29.37" => {
            let mut ekus = Der(v
                .read(SEQUENCE)
                .ok_or_else(|| invalid("extended key usages"))?);
            while !ekus.is_empty() {
                ekus.read_oid()
                    .ok_or_else(|| invalid("extended key usages"))?;
            }
        }
        "2.5.29.14" => {
            if critical {
                return Err("x509: subject key identifier incorrectly marked critical".into());
            }
            v.read(OCTET_STRING)
                .ok_or_else(|| invalid("subject key identifier"))?;
        }
        "2.5.29.32" => {
            let mut cps = Der(v
                .read(SEQUENCE)
                .ok_or_else(|| invalid("certificate policies"))?);
            let mut seen = std::collections::HashSet::new();
            while !cps.is_empty() {
                let id = cps
                    .read(SEQUENCE)
                    .and_then(|cp| Der(cp).read(OID))
                    .filter(|id| seen.insert(id.to_vec()) && oid_der_ok(id));
                id.ok_or_else(|| invalid("certificate policies"))?;
            }
        }
        "2.5.29.33" => {
            let mut maps = Der(v
                .read(SEQUENCE)
                .ok_or_else(|| invalid("policy mappings extension"))?);
            while !maps.is_empty() {
                let pair = maps.read(SEQUENCE).and_then(|s| {
                    let mut s = Der(s);
                    s.read(OID).and(s.read(OID))
                });
                pair.ok_or_else(|| invalid("policy mappings extension"))?;
            }
        }
        "2.5.29.54" => {
            let n = v.read(INTEGER).and_then(int64);
            facts.inhibit_any_policy =
                Some(n.ok_or_else(|| invalid("inhibit any policy extension"))?);
        }
        crate::pki::oid::AIA => {
            if critical {
                return Err("x509: authority info access incorrectly marked critical".into());
            }
            let mut aia = Der(v
                .read(SEQUENCE)
                .ok_or_else(|| invalid("authority info access"))?);
            while !aia.is_empty() {
                let mut ad = Der(aia
                    .read(SEQUENCE)
                    .ok_or_else(|| invalid("authority info access"))?);
                ad.read_oid()
                    .ok_or_else(|| invalid("authority info access"))?;
                if ad.peek(0x86) {
                    ad.read(0x86)
                        .ok_or_else(|| invalid("authority info access"))?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// `isIA5String`.
fn ia5(b: &[u8]) -> bool {
    b.is_ascii()
}

/// `forEachSAN` over a SAN extension `ParseCertificate` accepted: each name's type (the
/// context tag's number) and contents, in order.
pub(super) fn for_each_san(value: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = vec![];
    let Some(names) = Der(value).read(SEQUENCE) else {
        return out;
    };
    let mut names = Der(names);
    while let Some((tag, data, _)) = names.element() {
        out.push((tag ^ 0x80, data.to_vec()));
    }
    out
}

/// `parseSANExtension` (through `forEachSAN`).
fn sans(value: &[u8], facts: &mut GoFacts) -> Result<(), String> {
    let mut names = Der(Der(value)
        .read(SEQUENCE)
        .ok_or("x509: invalid subject alternative names")?);
    while !names.is_empty() {
        let (tag, data, _) = names
            .element()
            .ok_or("x509: invalid subject alternative name")?;
        match tag ^ 0x80 {
            1 if !ia5(data) => return Err("x509: SAN rfc822Name is malformed".into()),
            2 if !ia5(data) => return Err("x509: SAN dNSName is malformed".into()),
            6 => {
                if !ia5(data) {
                    return Err("x509: SAN uniformResourceIdentifier is malformed".into());
                }
                uri_san(&String::from_utf8_lossy(data), facts)?;
            }
            7 => match data.len() {
                4 | 16 => {}
                n => return Err(format!("x509: cannot parse IP address of length {n}")),
            },
            _ => {}
        }
    }
    Ok(())
}

/// A URI SAN: Go refuses what `url.Parse` refuses and a host `domainNameValid` refuses.
/// kcred does not re-implement `url.Parse`; it judges only URIs of the plain form
/// `scheme:` + RFC 3986 characters (no escapes in the host), which `url.Parse` accepts, and
/// says it cannot judge any other.
fn uri_san(uri: &str, facts: &mut GoFacts) -> Result<(), String> {
    let plain_char = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=".contains(c);
    let escapes_ok = {
        let b = uri.as_bytes();
        b.iter().enumerate().all(|(i, &c)| {
            c != b'%'
                || (b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        })
    };
    let scheme_ok = uri.split_once(':').is_some_and(|(s, _)| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let authority = uri
        .split_once(':')
        .and_then(|(_, rest)| rest.strip_prefix("//"))
        .map(|rest| &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())]);
    // `validUserinfo` (net/url): unreserved, sub-delims, ':', '%' and '@'.
    let userinfo_plain = authority
        .and_then(|a| a.rsplit_once('@'))
        .is_none_or(|(u, _)| {
            u.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&b))
        });
    let host = authority.map(|a| a.rsplit_once('@').map_or(a, |(_, h)| h));
    let host_plain = host.is_none_or(|h| {
        let (name, port) = match h.rsplit_once(':') {
            Some((n, p)) if !h.ends_with(']') => (n, p),
            _ => (h, ""),
        };
        port.bytes().all(|b| b.is_ascii_digit())
            && (name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
                || (name.starts_with('[')
                    && name.ends_with(']')
                    && name[1..name.len() - 1]
                        .parse::<std::net::Ipv6Addr>()
                        .is_ok()))
    });
    if !(uri.chars().all(|c| plain_char(c) || c == '%')
        && escapes_ok
        && scheme_ok
        && userinfo_plain
        && host_plain)
    {
        facts.doubt.get_or_insert_with(|| {
            format!(
                "the URI SAN {}: only Go's url.Parse can say whether the API server's TLS server parses it",
                go_quote(uri)
            )
        });
        return Ok(());
    }
    if let Some(h) = host
        && !h.is_empty()
        && !domain_name_valid(h, false)
    {
        return Err(format!(
            "x509: cannot parse URI {}: invalid domain",
            go_quote(uri)
        ));
    }
    Ok(())
}

/// `isValidIPMask`.
fn ip_mask_ok(mask: &[u8]) -> bool {
    let mut seen_zero = false;
    mask.iter().all(|&b| {
        if seen_zero {
            return b == 0;
        }
        match b {
            0x00 | 0x80 | 0xc0 | 0xe0 | 0xf0 | 0xf8 | 0xfc | 0xfe => {
                seen_zero = true;
                true
            }
            0xff => true,
            _ => false,
        }
    })
}

/// `parseNameConstraintsExtension`'s refusals.
fn name_constraints(value: &[u8]) -> Result<(), String> {
    let invalid = || "x509: invalid NameConstraints extension".to_string();
    let mut outer = Der(value);
    let mut top = Der(outer.read(SEQUENCE).ok_or_else(invalid)?);
    let permitted = top.read_optional(0xa0).ok_or_else(invalid)?;
    let excluded = top.read_optional(0xa1).ok_or_else(invalid)?;
    if !outer.is_empty() || !top.is_empty() {
        return Err(invalid());
    }
    if permitted.unwrap_or_default().is_empty() && excluded.unwrap_or_default().is_empty() {
        return Err("x509: empty name constraints extension".into());
    }
    for subtrees in [permitted, excluded].into_iter().flatten() {
        let mut subtrees = Der(subtrees);
        while !subtrees.is_empty() {
            let (tag, v, _) = subtrees
                .read(SEQUENCE)
                .and_then(|s| Der(s).element())
                .ok_or_else(invalid)?;
            let text = String::from_utf8_lossy(v);
            let not_ia5 = || "x509: invalid constraint value: asn1: invalid IA5String".to_string();
            match tag {
                0x82 => {
                    if !ia5(v) {
                        return Err(not_ia5());
                    }
                    if !domain_name_valid(&text, true) {
                        return Err(format!(
                            "x509: failed to parse dnsName constraint {}",
                            go_quote(&text)
                        ));
                    }
                }
                0x87 => {
                    let (_, mask) = match v.len() {
                        8 | 32 => v.split_at(v.len() / 2),
                        n => {
                            return Err(format!(
                                "x509: IP constraint contained value of length {n}"
                            ));
                        }
                    };
                    if !ip_mask_ok(mask) {
                        return Err(format!(
                            "x509: IP constraint contained invalid mask {}",
                            hex::encode(mask)
                        ));
                    }
                }
                0x81 => {
                    if !ia5(v) {
                        return Err(not_ia5());
                    }
                    let ok = if text.contains('@') {
                        parse_mailbox(&text).is_some()
                    } else {
                        domain_name_valid(&text, true)
                    };
                    if !ok {
                        return Err(format!(
                            "x509: failed to parse rfc822Name constraint {}",
                            go_quote(&text)
                        ));
                    }
                }
                0x86 => {
                    if !ia5(v) {
                        return Err(not_ia5());
                    }
                    if text.parse::<std::net::IpAddr>().is_ok() {
                        return Err(format!(
                            "x509: failed to parse URI constraint {}: cannot be IP address",
                            go_quote(&text)
                        ));
                    }
                    if !domain_name_valid(&text, true) {
                        return Err(format!(
                            "x509: failed to parse URI constraint {}",
                            go_quote(&text)
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The CRL distribution points extension's refusals.
fn crl_distribution_points(value: &[u8]) -> Result<(), String> {
    let bad = || "x509: invalid CRL distribution point".to_string();
    let mut points = Der(Der(value)
        .read(SEQUENCE)
        .ok_or("x509: invalid CRL distribution points")?);
    while !points.is_empty() {
        let mut dp = Der(points.read(SEQUENCE).ok_or_else(bad)?);
        let Some(name) = dp.read_optional(0xa0).ok_or_else(bad)? else {
            continue;
        };
        let mut full = Der(Der(name).read(0xa0).ok_or_else(bad)?);
        while full.peek(0x86) {
            full.read(0x86).ok_or_else(bad)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_follow_cryptobyte() {
        let t = |s: &str| utc_time(s.as_bytes()).map(|t| t.to_string());
        assert_eq!(t("260601120000Z").as_deref(), Some("2026-06-01T12:00:00Z"));
        assert_eq!(t("2606011200Z").as_deref(), Some("2026-06-01T12:00:00Z"));
        assert_eq!(t("500101000000Z").as_deref(), Some("1950-01-01T00:00:00Z"));
        assert_eq!(
            t("260601120000+0100").as_deref(),
            Some("2026-06-01T11:00:00Z")
        );
        // A zero offset must be written Z; no day 31 in June; no second 60.
        for bad in [
            "260601120000+0000",
            "260631120000Z",
            "260601120060Z",
            "2606011200",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
        let g = |s: &str| generalized_time(s.as_bytes()).map(|t| t.to_string());
        assert_eq!(
            g("20260601120000Z").as_deref(),
            Some("2026-06-01T12:00:00Z")
        );
        assert_eq!(g("99991231235959Z"), Some(Timestamp::MAX.to_string()));
        assert_eq!(g("20260601120000.5Z"), None);
    }

    #[test]
    fn integers_and_oids_follow_cryptobyte() {
        assert_eq!(int64(&[0x00, 0x80]), Some(128));
        assert_eq!(int64(&[0xff]), Some(-1));
        assert_eq!(int64(&[0x00, 0x7f]), None);
        assert_eq!(int64(&[]), None);
        assert_eq!(int64(&[1; 9]), None);
        assert_eq!(
            oid_string(&[0x55, 0x1d, 0x11]).as_deref(),
            Some("2.5.29.17")
        );
        assert_eq!(oid_string(&[0x2a, 0x80, 0x01]), None);
        // An arc of 2^31 does not fit Go's int on 32-bit platforms, so cryptobyte refuses it.
        assert_eq!(oid_string(&[0x2a, 0x88, 0x80, 0x80, 0x80, 0x00]), None);
    }
}
