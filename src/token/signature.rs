//! The signature of a compact JWS, checked as go-jose v2 checks it for kube-apiserver
//! (`signing.go` `DetachedVerify`, `asymmetric.go` `verifyPayload`), with aws-lc-rs and,
//! for RSA-PSS, Go's own salt-detecting check ([`super::pss`]).
//!
//! What go-jose does that a JWT library does not: the ECDSA signature size and hash come from
//! `alg` whatever the key's curve; RSA keys of 1024 bits verify (Go refuses under 1024:
//! `rsa1024min`); PSS accepts any salt length. Where aws-lc-rs cannot decide a case as Go
//! would, the answer is [`SigError::CannotVerify`], never "invalid signature".
//!
//! The aws-lc-rs key (`EVP_PKEY`, with its Montgomery context once used) is built from a
//! key's numbers once and kept with the key ([`Prepared`]), not per token: kube-apiserver
//! likewise holds `*rsa.PublicKey` values parsed when `--service-account-key-file` is read
//! (`keyutil.ParsePublicKeysPEM`, `serviceaccount.JWTTokenAuthenticator`'s static keys), and
//! a reload builds new [`VerificationKey`]s. The pre-checks and the verification are the
//! same as building the key per call (`RsaPublicKeyComponents::to_parsed_public_key` and
//! `::verify` share one `build_rsa`; `ParsedPublicKey::new` and `UnparsedPublicKey::verify`
//! one EC parser), so no answer changes.

use std::sync::OnceLock;

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

/// The aws-lc-rs keys of one [`VerificationKey`], one per verification algorithm its tokens'
/// `alg` may ask for (RSA: RS256, RS512, RS384; ECDSA: the SHA-256, -384 and -512 variants of
/// its curve), each built on first use and then reused; `None` when aws-lc-rs refuses the
/// numbers (every signature is then refused, as verifying with them would be).
#[derive(Default)]
pub struct Prepared {
    slots: [OnceLock<Option<sig::ParsedPublicKey>>; 3],
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let built = self.slots.iter().filter(|s| s.get().is_some()).count();
        write!(f, "Prepared({built} of 3 built)")
    }
}

impl Prepared {
    /// The key for `slot`, built by `build` the first time.
    fn get(
        &self,
        slot: usize,
        build: impl FnOnce() -> Option<sig::ParsedPublicKey>,
    ) -> Option<&sig::ParsedPublicKey> {
        self.slots[slot].get_or_init(build).as_ref()
    }
}

/// Build `key`'s aws-lc-rs key for the algorithm its tokens carry (RS256, or its curve's ES
/// algorithm), so the first token pays nothing extra; other `alg`s are built when first asked.
pub(super) fn prepare(key: &VerificationKey) {
    match &key.numbers {
        PublicNumbers::Rsa { n, e } => {
            if rsa_prechecks(n, e).is_ok() {
                let _ = rsa_key(key, n, e, 256, bit_len(n));
            }
        }
        PublicNumbers::Ec { crv, x, y } => {
            let hash = match *crv {
                "P-256" => 256,
                "P-384" => 384,
                _ => 512,
            };
            let _ = ec_key(key, crv, x, y, hash);
        }
    }
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
            verify_rsa(key, n, e, pss, bits_hash, &data, &s.signature)
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
            verify_ec(key, crv, x, y, size, hash, &data, &s.signature)
        }
    }
}

fn bit_len(n: &[u8]) -> usize {
    let skip = n.iter().take_while(|b| **b == 0).count();
    let n = &n[skip..];
    match n.first() {
        None => 0,
        Some(b) => (n.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
    }
}

/// What aws-lc-rs's PKCS#1 v1.5 verification can take, checked before the key is built.
fn rsa_prechecks(n: &[u8], e: &[u8]) -> std::result::Result<(), SigError> {
    let bits = bit_len(n);
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
    Ok(())
}

/// The prepared RSA key for PKCS#1 v1.5 with SHA-`hash` (`Ok(None)`: aws-lc-rs refuses the
/// numbers).
fn rsa_key<'k>(
    key: &'k VerificationKey,
    n: &[u8],
    e: &[u8],
    hash: usize,
    bits: usize,
) -> std::result::Result<Option<&'k sig::ParsedPublicKey>, SigError> {
    let (slot, params): (usize, &'static sig::RsaParameters) = match hash {
        256 => (0, &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY),
        512 => (1, &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY),
        _ if bits >= 2048 => (2, &sig::RSA_PKCS1_2048_8192_SHA384),
        _ => {
            return Err(SigError::CannotVerify(format!(
                "RSA PKCS#1 v1.5 with SHA-{hash} on a {bits}-bit RSA key is not available in aws-lc-rs"
            )));
        }
    };
    Ok(key.prepared.get(slot, || {
        sig::RsaPublicKeyComponents { n, e }
            .to_parsed_public_key(params)
            .ok()
    }))
}

fn verify_rsa(
    key: &VerificationKey,
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
    rsa_prechecks(n, e)?;
    let verified = rsa_key(key, n, e, hash, bits)?
        .is_some_and(|parsed| parsed.verify_sig(data, signature).is_ok());
    if verified {
        Ok(())
    } else {
        Err(SigError::Refused(format!(
            "{BAD_SIGNATURE} (crypto/rsa: verification error)"
        )))
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

/// The prepared ECDSA key of `crv` for SHA-`hash`.
fn ec_key<'k>(
    key: &'k VerificationKey,
    crv: &str,
    x: &[u8],
    y: &[u8],
    hash: usize,
) -> std::result::Result<Option<&'k sig::ParsedPublicKey>, SigError> {
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
    let slot = match hash {
        256 => 0,
        384 => 1,
        _ => 2,
    };
    Ok(key.prepared.get(slot, || {
        let mut point = Vec::with_capacity(1 + x.len() + y.len());
        point.push(4);
        point.extend_from_slice(x);
        point.extend_from_slice(y);
        sig::ParsedPublicKey::new(alg, &point).ok()
    }))
}

#[allow(clippy::too_many_arguments)]
fn verify_ec(
    key: &VerificationKey,
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
    let verified =
        ec_key(key, crv, x, y, hash)?.is_some_and(|parsed| parsed.verify_sig(data, &der).is_ok());
    if verified {
        Ok(())
    } else {
        Err(SigError::Refused(format!(
            "{BAD_SIGNATURE} (ecdsa signature failed to verify)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{self as sig, KeyPair as _, RsaKeyPair};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

    use super::*;
    use crate::keys::{KeyType, PrivateKey};
    use crate::token::jose;

    /// A compact JWS over `{}` with header `{"alg":ALG}`, signed by `sign`.
    fn jws(alg: &str, sign: impl Fn(&[u8]) -> Vec<u8>) -> Signed {
        let input = format!(
            "{}.{}",
            B64.encode(format!(r#"{{"alg":"{alg}"}}"#)),
            B64.encode("{}")
        );
        let token = format!("{input}.{}", B64.encode(sign(input.as_bytes())));
        jose::parse_signed(&token).unwrap()
    }

    /// One prepared key answers each `alg` with its own hash: after RS256 has built and used
    /// the key, RS512 and RS384 tokens still verify (a key prepared for one hash and reused
    /// for another would refuse them), a clone shares what is built, and a token signed with
    /// SHA-256 but labelled RS512 is still refused.
    #[test]
    fn prepared_rsa_key_is_reused_per_alg_and_shared_by_clones() {
        let pk = PrivateKey::generate(KeyType::Rsa2048).unwrap();
        let pkcs8 = pk.pkcs8_der().unwrap();
        let pair = RsaKeyPair::from_pkcs8(&pkcs8).unwrap();
        let key = VerificationKey::from_spki_der("sa.pub", &pk.public_key_der().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(
            format!("{:?}", key.prepared),
            "Prepared(1 of 3 built)",
            "RS256 is built when the key is read"
        );
        let sign_with = |enc: &'static dyn sig::RsaEncoding| {
            let pair = &pair;
            move |m: &[u8]| {
                let mut out = vec![0; pair.public_modulus_len()];
                pair.sign(enc, &SystemRandom::new(), m, &mut out).unwrap();
                out
            }
        };
        let rs256 = jws("RS256", sign_with(&sig::RSA_PKCS1_SHA256));
        let rs384 = jws("RS384", sign_with(&sig::RSA_PKCS1_SHA384));
        let rs512 = jws("RS512", sign_with(&sig::RSA_PKCS1_SHA512));
        let mislabelled = jws("RS512", sign_with(&sig::RSA_PKCS1_SHA256));
        for _ in 0..2 {
            assert!(check_signature(&rs256, &key).is_ok());
        }
        let copy = key.clone();
        assert!(check_signature(&rs512, &copy).is_ok());
        assert!(check_signature(&rs384, &copy).is_ok());
        assert_eq!(format!("{:?}", key.prepared), "Prepared(3 of 3 built)");
        assert!(matches!(
            check_signature(&mislabelled, &key),
            Err(SigError::Refused(e)) if e.contains("verification error")
        ));
        let _ = pair.public_key();
    }

    /// An EC key prepared at read time verifies ES256 again and again, and refuses a
    /// signature over other data.
    #[test]
    fn prepared_ec_key_verifies_and_refuses() {
        let pk = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let pkcs8 = pk.pkcs8_der().unwrap();
        let pair =
            sig::EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8).unwrap();
        let rng = SystemRandom::new();
        let key = VerificationKey::from_spki_der("sa.pub", &pk.public_key_der().unwrap())
            .unwrap()
            .unwrap();
        let good = jws("ES256", |m| pair.sign(&rng, m).unwrap().as_ref().to_vec());
        let bad = jws("ES256", |_| {
            pair.sign(&rng, b"other").unwrap().as_ref().to_vec()
        });
        for _ in 0..2 {
            assert!(check_signature(&good, &key).is_ok());
        }
        assert!(matches!(
            check_signature(&bad, &key),
            Err(SigError::Refused(e)) if e.contains("ecdsa signature failed to verify")
        ));
    }
}
