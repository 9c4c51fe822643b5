//! Why a private key is refused, in words: aws-lc-rs and the `der` crate say `TooSmall`,
//! `UnexpectedError` or "incorrect length for APPLICATION [20] at DER byte 2", which
//! describe the library, not the file.

use aws_lc_rs::error::KeyRejected;

use crate::pki::der_shape;

const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;

/// The refusal of an RSA key of `bits` bits: kcred signs with 2048, 3072 and 4096 bits.
pub(super) fn rsa_size(bits: usize) -> String {
    if bits < 2048 {
        format!(
            "an RSA-{bits} key: RSA keys under 2048 bits are not accepted for signing by kcred (use 2048, 3072 or 4096 bits)"
        )
    } else {
        format!("RSA-{bits} keys are not supported (use 2048, 3072 or 4096 bits)")
    }
}

/// aws-lc-rs's refusal of the `what` ("PKCS#1 RSA key") in `der`.
pub(super) fn rejected(what: &str, der: &[u8], e: KeyRejected) -> String {
    match e.description_() {
        "TooSmall" | "TooLarge" => match rsa_bits(der) {
            Some(bits) => rsa_size(bits),
            None => malformed(what, der),
        },
        "InconsistentComponents" => {
            format!("invalid {what}: its parts do not belong together (a corrupt key)")
        }
        _ => malformed(what, der),
    }
}

/// `der` does not decode as the `what` its label or shape promised.
pub(super) fn malformed(what: &str, der: &[u8]) -> String {
    if der_shape::truncated(der) {
        return format!("invalid {what}: truncated");
    }
    match der_shape::holds(der) {
        Some(other) if !other.contains("private key") => {
            format!("not a private key: the DER holds {other}")
        }
        _ => format!("invalid {what}: malformed DER"),
    }
}

/// The modulus size of a PKCS#1 RSAPrivateKey, or of the one inside a PKCS#8
/// PrivateKeyInfo (RFC 8017 A.1.2, RFC 5208).
fn rsa_bits(der: &[u8]) -> Option<usize> {
    match der_shape::sequence_items(der).as_slice() {
        [(INTEGER, _), (INTEGER, n), ..] => {
            let n = &n[n.iter().take_while(|&&b| b == 0).count()..];
            Some(n.len() * 8 - n.first()?.leading_zeros() as usize)
        }
        [(INTEGER, _), _, (OCTET_STRING, inner), ..] => rsa_bits(inner),
        _ => None,
    }
}
