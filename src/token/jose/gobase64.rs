//! Go's `encoding/base64` as go-jose and `hasCorrectIssuer` call it: the decoders accept
//! non-zero trailing bits and skip CR and LF, which the base64 crate's defaults do not.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Go's `base64.RawURLEncoding` for decoding: no padding, non-zero trailing bits accepted.
const GO_RAW_URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Go's `base64.StdEncoding` for decoding: padding required, trailing bits accepted.
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Go's decoders skip CR and LF anywhere in the input (`encoding/base64`, `Decode`). A token
/// almost never holds one, so the input is copied only when it does.
fn without_newlines(s: &str) -> std::borrow::Cow<'_, [u8]> {
    let bytes = s.as_bytes();
    if bytes.iter().any(|b| matches!(b, b'\r' | b'\n')) {
        bytes
            .iter()
            .copied()
            .filter(|b| !matches!(b, b'\r' | b'\n'))
            .collect::<Vec<u8>>()
            .into()
    } else {
        bytes.into()
    }
}

/// `base64.RawURLEncoding.DecodeString`.
pub fn go_raw_url_decode(s: &str) -> Option<Vec<u8>> {
    GO_RAW_URL.decode(without_newlines(s)).ok()
}

/// `base64.StdEncoding.DecodeString`.
pub(super) fn go_std_decode(s: &str) -> Option<Vec<u8>> {
    GO_STD.decode(without_newlines(s)).ok()
}

/// `base64.RawURLEncoding.EncodeToString`.
pub fn raw_url_encode(b: &[u8]) -> String {
    GO_RAW_URL.encode(b)
}
