//! RSASSA-PSS verification with the salt length detected, as kube-apiserver checks PS256,
//! PS384 and PS512 tokens.
//!
//! go-jose verifies PSS with `rsa.VerifyPSS(pub, hash, digest, sig, nil)` (`asymmetric.go`,
//! `rsaEncrypterVerifier.verifyPayload`), and nil options mean `PSSSaltLengthAuto`: a
//! signature with *any* salt length verifies. aws-lc-rs only checks a salt as long as the
//! hash, so this module carries over Go's check line by line: `verifyPSS` and
//! `emsaPSSVerify` in `crypto/internal/fips140/rsa/pkcs1v22.go` (RFC 8017 §9.1.2), and the
//! public-key rules of `checkPublicKey` in `crypto/internal/fips140/rsa/rsa.go`. Only public
//! values are involved (the modulus, the exponent, the signature), so num-bigint's
//! variable-time arithmetic is fine here.

use aws_lc_rs::digest;
use num_bigint::BigUint;

/// Why Go's `rsa.VerifyPSS` refuses: the key (`checkPublicKey`) or the signature
/// (`ErrVerification`).
#[derive(Debug, PartialEq, Eq)]
pub(super) enum PssError {
    /// `checkPublicKey` refuses the key before any signature is looked at.
    Key(&'static str),
    /// `crypto/rsa: verification error`.
    Verification,
}

/// `rsa.VerifyPSS(&PublicKey{N: n, E: e}, hash, hash(message), sig, nil)`.
pub(super) fn verify_auto_salt(
    n: &[u8],
    e: &[u8],
    hash: &'static digest::Algorithm,
    message: &[u8],
    sig: &[u8],
) -> Result<(), PssError> {
    let n = BigUint::from_bytes_be(n);
    let e = BigUint::from_bytes_be(e);
    // checkPublicKey (rsa.go).
    if n.bit(0).eq(&false) {
        return Err(PssError::Key("crypto/rsa: public modulus is even"));
    }
    if e < BigUint::from(2u8) {
        return Err(PssError::Key(
            "crypto/rsa: public exponent too small or negative",
        ));
    }
    if !e.bit(0) {
        return Err(PssError::Key("crypto/rsa: public exponent is even"));
    }
    if e > BigUint::from((1u32 << 31) - 1) {
        return Err(PssError::Key("crypto/rsa: public exponent too large"));
    }
    let bits = n.bits() as usize;
    let size = bits.div_ceil(8);
    // verifyPSS: a signature of another length, or one not below N (bigmod SetBytes), fails.
    if sig.len() != size {
        return Err(PssError::Verification);
    }
    let s = BigUint::from_bytes_be(sig);
    if s >= n {
        return Err(PssError::Verification);
    }
    let m = s.modpow(&e, &n).to_bytes_be();
    let mut em = vec![0u8; size - m.len()];
    em.extend_from_slice(&m);
    // Encode to the modulus size, then strip leading zeroes down to emLen.
    let em_bits = bits - 1;
    let em_len = em_bits.div_ceil(8);
    let mut em = &mut em[..];
    while em.len() > em_len {
        if em[0] != 0 {
            return Err(PssError::Verification);
        }
        em = &mut em[1..];
    }
    ems_pss_verify(digest::digest(hash, message).as_ref(), em, em_bits, hash)
}

/// `emsaPSSVerify(mHash, em, emBits, pssSaltLengthAutodetect, hash)`; the step numbers are
/// RFC 8017 §9.1.2's, as in the Go source.
fn ems_pss_verify(
    m_hash: &[u8],
    em: &mut [u8],
    em_bits: usize,
    hash: &'static digest::Algorithm,
) -> Result<(), PssError> {
    let h_len = hash.output_len();
    let em_len = em.len();
    // 3. emLen < hLen + sLen + 2, with sLen = -1 (not known yet).
    if em_len < h_len + 1 {
        return Err(PssError::Verification);
    }
    // 4.
    if em[em_len - 1] != 0xbc {
        return Err(PssError::Verification);
    }
    // 5.
    let (db, rest) = em.split_at_mut(em_len - h_len - 1);
    let h = &rest[..h_len];
    // Go would index db[0] out of range here; no key of 1024 bits or more gets this far.
    if db.is_empty() {
        return Err(PssError::Verification);
    }
    // 6.
    let bit_mask = 0xffu8 >> (8 * em_len - em_bits);
    if db[0] & !bit_mask != 0 {
        return Err(PssError::Verification);
    }
    // 7, 8.
    mgf1_xor(db, hash, h);
    // 9.
    db[0] &= bit_mask;
    // The salt length is unknown: look for the 0x01 delimiter.
    let ps_len = db
        .iter()
        .position(|b| *b == 0x01)
        .ok_or(PssError::Verification)?;
    let s_len = db.len() - ps_len - 1;
    // 10.
    if db[..ps_len].iter().any(|b| *b != 0) {
        return Err(PssError::Verification);
    }
    // 11.
    let salt = &db[db.len() - s_len..];
    // 12, 13.
    let mut ctx = digest::Context::new(hash);
    ctx.update(&[0u8; 8]);
    ctx.update(m_hash);
    ctx.update(salt);
    // 14.
    if ctx.finish().as_ref() != h {
        return Err(PssError::Verification);
    }
    Ok(())
}

/// `mgf1XOR`: `out ^= MGF1(seed)`.
fn mgf1_xor(out: &mut [u8], hash: &'static digest::Algorithm, seed: &[u8]) {
    for (counter, chunk) in out.chunks_mut(hash.output_len()).enumerate() {
        let mut ctx = digest::Context::new(hash);
        ctx.update(seed);
        ctx.update(&(counter as u32).to_be_bytes());
        for (o, d) in chunk.iter_mut().zip(ctx.finish().as_ref()) {
            *o ^= d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::rsa::KeyPair;
    use aws_lc_rs::signature::{self, KeyPair as _};

    fn key() -> (KeyPair, Vec<u8>, Vec<u8>) {
        let kp = KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let c = signature::RsaPublicKeyComponents::<Vec<u8>>::from(kp.public_key());
        (kp, c.n, c.e)
    }

    #[test]
    fn salts_as_long_as_the_hash_verify_and_tampering_fails() {
        let (kp, n, e) = key();
        let msg = b"header.payload";
        let mut sig = vec![0u8; kp.public_modulus_len()];
        kp.sign(
            &signature::RSA_PSS_SHA256,
            &SystemRandom::new(),
            msg,
            &mut sig,
        )
        .unwrap();
        assert_eq!(verify_auto_salt(&n, &e, &digest::SHA256, msg, &sig), Ok(()));
        assert_eq!(
            verify_auto_salt(&n, &e, &digest::SHA256, b"header.payloaD", &sig),
            Err(PssError::Verification)
        );
        // The wrong hash is a verification error, as in Go (the digest length differs).
        assert_eq!(
            verify_auto_salt(&n, &e, &digest::SHA384, msg, &sig),
            Err(PssError::Verification)
        );
        sig[10] ^= 1;
        assert_eq!(
            verify_auto_salt(&n, &e, &digest::SHA256, msg, &sig),
            Err(PssError::Verification)
        );
        assert_eq!(
            verify_auto_salt(&n, &e, &digest::SHA256, msg, &sig[1..]),
            Err(PssError::Verification)
        );
    }

    #[test]
    fn keys_go_refuses_are_refused_before_the_signature() {
        let (_, n, _) = key();
        for (e, why) in [
            (&[1u8][..], "too small"),
            (&[0x01, 0x00, 0x00][..], "even"),
            (&[0x80, 0, 0, 1][..], "too large"),
        ] {
            match verify_auto_salt(&n, e, &digest::SHA256, b"x", &[0; 256]) {
                Err(PssError::Key(m)) => assert!(m.contains(why), "{m}"),
                other => panic!("{why}: {other:?}"),
            }
        }
        let mut even = n.clone();
        *even.last_mut().unwrap() &= 0xfe;
        assert!(matches!(
            verify_auto_salt(&even, &[1, 0, 1], &digest::SHA256, b"x", &[0; 256]),
            Err(PssError::Key(_))
        ));
    }
}
