//! A compact JWS and its claims, read exactly as kube-apiserver reads them.
//!
//! The API server's ServiceAccount authenticator (`pkg/serviceaccount/jwt.go`,
//! `AuthenticateToken`) reads a token three ways, and each has its own rules:
//!
//! 1. [`peek_issuer`]: `hasCorrectIssuer` splits the raw token on `.`, decodes the middle part
//!    with `base64.RawURLEncoding` (which skips CR and LF) and reads `iss` with Go's
//!    **`encoding/json`**: object keys match the field case-insensitively (`foldName`: `ISS`,
//!    `iſſ` and `iss` are one field), every match assigns (the last one wins), duplicates are
//!    fine, nesting deeper than 10000 levels is an error (`maxNestingDepth`).
//! 2. [`parse_signed`]: go-jose v2.6.3 `jwt.ParseSigned` → `jose.ParseSigned` (`jws.go`):
//!    every Unicode space removed (`stripWhitespace`), three parts, each base64url without
//!    padding (trailing bits allowed), the header decoded with go-jose's **JSON fork** into a
//!    `rawHeader` map and then `sanitized()` (`shared.go`): `kid`, `alg`, `nonce` must be
//!    strings, `x5c` a list of base64 DER certificates Go can parse, `jwk` a valid *public* key,
//!    anything else valid JSON. Any failure: the token is not parsable, and the authenticator
//!    has no opinion about it.
//! 3. [`decode_public`], [`decode_bound`], [`decode_legacy`]: the payload, after the signature
//!    checked, decoded with the fork into `jwt.Claims` (`jwt/claims.go`) and the private claim
//!    structs (`claims.go`, `legacy.go`): a duplicate key in any object decoded into a struct is
//!    an error (`decode.go`, `object`), field names match exactly, and each field's type is
//!    enforced (`Audience.UnmarshalJSON`, `NumericDate.UnmarshalJSON`).
//!
//! The signature is checked over the *re-encoded* header and payload
//! (`JSONWebSignature.computeAuthData`): canonical base64url of the decoded bytes, or the raw
//! payload when the header says `"b64": false`.
//!
//! One file per reader: `gobase64` (Go's `encoding/base64` decoders), `issuer` (the
//! `encoding/json` peek of step 1), `jws` (step 2, go-jose `jws.go` and `shared.go`),
//! `fork` (the decoding rules of go-jose's JSON fork, `json/decode.go`, shared by the
//! header and the claims) and `claims` (step 3, `jwt/claims.go`, `jwt/validation.go` and the
//! private claim structs of `claims.go`/`legacy.go`).

mod claims;
mod fork;
mod gobase64;
mod issuer;
mod jws;
#[cfg(test)]
mod tests;

pub use claims::{
    BoundPrivate, LegacyPrivate, PublicClaims, Ref, decode_bound, decode_legacy, decode_public,
    validate_times,
};
pub use gobase64::{go_raw_url_decode, raw_url_encode};
pub use issuer::peek_issuer;
pub use jws::{Header, Signed, parse_signed, strip_whitespace};
