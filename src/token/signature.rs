//! The signature of a compact JWS, checked as go-jose v2 checks it for kube-apiserver
//! (`signing.go` `DetachedVerify`, `asymmetric.go` `verifyPayload`), with aws-lc-rs and,
//! for RSA-PSS, Go's own salt-detecting check ([`super::pss`]).
//!
//! What go-jose does that a JWT library does not: the ECDSA signature size and hash come from
//! `alg` whatever the key's curve; RSA keys of 1024 bits verify (Go refuses under 1024:
//! `rsa1024min`); PSS accepts any salt length. Where aws-lc-rs cannot decide a case as Go
//! would, the answer is [`SigError::CannotVerify`], never "invalid signature".

use aws_lc_rs::signature as sig;

use super::jose::Signed;
use super::keys::{PublicNumbers, VerificationKey};
use super::pss::PssError;

/// go-jose's answer to a signature it cannot verify (`ErrCryptoFailure`).
pub(super) const BAD_SIGNATURE: &str =
    "invalid signature: square/go-jose: error in cryptographic primitive";

pub(super) enum SigError {
    /// go-jose refuses it.
    Refused(String),
    /// kcred cannot tell.
    CannotVerify(String),
}

/// go-jose `DetachedVerify` with one key (`signing.go`; `asymmetric.go`, `verifyPayload`).
pub(super) fn check_signature(
    s: &Signed,
    key: &VerificationKey,
) -> std::result::Result<(), SigError> {
    let data = s
        .auth_data()
        .map_err(|e| SigError::Refused(format!("go-jose refuses the token: {e}")))?;
    let alg = s.header.alg.as_str();
    let unsupported = |kind: &str| {
        SigError::Refused(format!(
            "unsupported algorithm {alg:?} for an {kind} key: go-jose refuses the token (square/go-jose: error in cryptographic primitive)"
        ))
    };
    match &key.numbers {
        PublicNumbers::Rsa { n, e } => {
            let (pss, bits_hash) = match alg {
                "RS256" => (false, 256),
                "RS384" => (false, 384),
                "RS512" => (false, 512),
                "PS256" => (true, 256),
                "PS384" => (true, 384),
                "PS512" => (true, 512),
                _ => return Err(unsupported("RSA")),
            };
            verify_rsa(n, e, pss, bits_hash, &data, &s.signature)
        }
        PublicNumbers::Ec { crv, x, y } => {
            // The signature size and hash come from alg; the curve is the key's, whatever
            // alg says (ES384 on a P-256 key: 96-byte signature, SHA-384 truncated to 256 bits).
            let (size, hash) = match alg {
                "ES256" => (32, 256),
                "ES384" => (48, 384),
                "ES512" => (66, 512),
                _ => return Err(unsupported("ECDSA")),
            };
            verify_ec(crv, x, y, size, hash, &data, &s.signature)
        }
    }
}

fn bit_len(n: &[u8]) -> usize {
    let n: Vec<u8> = n.iter().copied().skip_while(|b| *b == 0).collect();
    match n.first() {
        None => 0,
        Some(b) => (n.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
    }
}

fn verify_rsa(
    n: &[u8],
    e: &[u8],
    pss: bool,
    hash: usize,
    data: &[u8],
    signature: &[u8],
) -> std::result::Result<(), SigError> {
    let bits = bit_len(n);
    // Go 1.24+ crypto/rsa: keys under 1024 bits are refused for every operation
    // (GODEBUG rsa1024min=1, the default).
    if bits < 1024 {
        return Err(SigError::Refused(format!(
            "{BAD_SIGNATURE} (crypto/rsa: {bits}-bit keys are insecure: Go refuses RSA keys under 1024 bits)"
        )));
    }
    if pss {
        // Go detects the salt length; aws-lc-rs cannot, so PSS goes through Go's check.
        let digest = match hash {
            256 => &aws_lc_rs::digest::SHA256,
            384 => &aws_lc_rs::digest::SHA384,
            _ => &aws_lc_rs::digest::SHA512,
        };
        return super::pss::verify_auto_salt(n, e, digest, data, signature).map_err(|err| {
            SigError::Refused(match err {
                PssError::Key(why) => format!("{BAD_SIGNATURE} ({why})"),
                PssError::Verification => {
                    format!("{BAD_SIGNATURE} (crypto/rsa: verification error)")
                }
            })
        });
    }
    if bits > 8192 {
        return Err(SigError::CannotVerify(format!(
            "RSA keys over 8192 bits ({bits}) are beyond aws-lc-rs"
        )));
    }
    let exp = e.iter().skip_while(|b| **b == 0).fold(0u64, |a, b| {
        a.saturating_mul(256).saturating_add(u64::from(*b))
    });
    if exp < 3 || exp % 2 == 0 || exp > (1 << 31) - 1 {
        return Err(SigError::CannotVerify(format!(
            "the RSA public exponent {exp} is outside what aws-lc-rs checks"
        )));
    }
    let params: &'static sig::RsaParameters = match hash {
        256 => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        512 => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        _ if bits >= 2048 => &sig::RSA_PKCS1_2048_8192_SHA384,
        _ => {
            return Err(SigError::CannotVerify(format!(
                "RSA PKCS#1 v1.5 with SHA-{hash} on a {bits}-bit RSA key is not available in aws-lc-rs"
            )));
        }
    };
    let components = sig::RsaPublicKeyComponents { n, e };
    match components.verify(params, data, signature) {
        Ok(()) => Ok(()),
        Err(_) => Err(SigError::Refused(format!(
            "{BAD_SIGNATURE} (crypto/rsa: verification error)"
        ))),
    }
}

/// A DER INTEGER from big-endian unsigned bytes.
fn der_uint(b: &[u8], out: &mut Vec<u8>) {
    let b: Vec<u8> = b.iter().copied().skip_while(|x| *x == 0).collect();
    let pad = b.first().is_some_and(|x| x & 0x80 != 0);
    let len = b.len() + usize::from(pad);
    out.push(0x02);
    out.push(len as u8); // at most 67: short form
    if pad {
        out.push(0);
    }
    out.extend_from_slice(&b);
}

fn verify_ec(
    crv: &str,
    x: &[u8],
    y: &[u8],
    size: usize,
    hash: usize,
    data: &[u8],
    signature: &[u8],
) -> std::result::Result<(), SigError> {
    if signature.len() != 2 * size {
        return Err(SigError::Refused(format!(
            "{BAD_SIGNATURE} (invalid signature size, have {} bytes, wanted {})",
            signature.len(),
            2 * size
        )));
    }
    let (r, s) = signature.split_at(size);
    // ecdsa.Verify: r and s must be positive (and below the order, which aws-lc checks).
    if r.iter().all(|b| *b == 0) || s.iter().all(|b| *b == 0) {
        return Err(SigError::Refused(format!(
            "{BAD_SIGNATURE} (ecdsa signature failed to verify)"
        )));
    }
    let mut body = Vec::new();
    der_uint(r, &mut body);
    der_uint(s, &mut body);
    let mut der = vec![0x30];
    if body.len() < 128 {
        der.push(body.len() as u8);
    } else {
        der.push(0x81);
        der.push(body.len() as u8);
    }
    der.extend_from_slice(&body);
    let alg: &'static sig::EcdsaVerificationAlgorithm = match (crv, hash) {
        ("P-256", 256) => &sig::ECDSA_P256_SHA256_ASN1,
        ("P-256", 384) => &sig::ECDSA_P256_SHA384_ASN1,
        ("P-256", 512) => &sig::ECDSA_P256_SHA512_ASN1,
        ("P-384", 256) => &sig::ECDSA_P384_SHA256_ASN1,
        ("P-384", 384) => &sig::ECDSA_P384_SHA384_ASN1,
        ("P-384", 512) => &sig::ECDSA_P384_SHA512_ASN1,
        ("P-521", 256) => &sig::ECDSA_P521_SHA256_ASN1,
        ("P-521", 384) => &sig::ECDSA_P521_SHA384_ASN1,
        ("P-521", 512) => &sig::ECDSA_P521_SHA512_ASN1,
        _ => {
            return Err(SigError::CannotVerify(format!(
                "ECDSA on {crv} with SHA-{hash} is not available in aws-lc-rs"
            )));
        }
    };
    let mut point = Vec::with_capacity(1 + x.len() + y.len());
    point.push(4);
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    sig::UnparsedPublicKey::new(alg, &point)
        .verify(data, &der)
        .map_err(|_| {
            SigError::Refused(format!(
                "{BAD_SIGNATURE} (ecdsa signature failed to verify)"
            ))
        })
}
