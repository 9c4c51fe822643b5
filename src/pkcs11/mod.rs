//! Signing keys held in a PKCS#11 token (an HSM, a cloud KMS's PKCS#11 library, SoftHSM).
//!
//! A key file whose content is one line `pkcs11:...` (an RFC 7512 URI, [`uri`]) stands for
//! the token-held key it names: [`crate::keys::PrivateKey::from_pem`] opens it as a
//! [`TokenKey`], so every command that takes a CA or ServiceAccount key file signs through the
//! token unchanged. kcred never sees the private key; it holds a logged-in session and an
//! object handle.
//!
//! The module is loaded at run time with dlopen (cryptoki uses libloading), from the URI's
//! `module-path` or `$KCRED_PKCS11_MODULE`: kcred links no PKCS#11 library.

mod generate;
mod key;
mod spki;
mod token;
pub mod uri;

pub use generate::open_or_generate;
pub use key::TokenKey;
pub use uri::Pkcs11Uri;

use crate::error::Error;

/// Whether a key file's content is a PKCS#11 URI (rather than PEM).
pub fn is_uri_file(content: &[u8]) -> bool {
    content.trim_ascii_start().starts_with(b"pkcs11:")
}

/// The URI a key file holds: one line, nothing else. `source` names the file in errors.
pub fn uri_from_file(source: &str, content: &[u8]) -> Result<Pkcs11Uri, Error> {
    let bad = |problem: String| Error::Input {
        path: source.to_string(),
        problem,
    };
    let text = std::str::from_utf8(content)
        .map_err(|_| bad("a PKCS#11 URI file must be UTF-8 text".into()))?
        .trim();
    if text.lines().count() != 1 {
        return Err(bad("a PKCS#11 URI file holds one line, the URI".into()));
    }
    Pkcs11Uri::parse(text).map_err(|p| bad(format!("invalid PKCS#11 URI: {p}")))
}

/// Parse a URI given on the command line as `flag`.
pub fn parse_arg(flag: &str, text: &str) -> Result<Pkcs11Uri, Error> {
    Pkcs11Uri::parse(text).map_err(|p| Error::Input {
        path: flag.to_string(),
        problem: format!("invalid PKCS#11 URI: {p}"),
    })
}

/// The content of a key file that stands for a token key: the URI without its PIN value.
pub fn uri_file_content(uri: &Pkcs11Uri) -> Vec<u8> {
    format!("{uri}\n").into_bytes()
}

/// Open the token key a URI names; errors name the URI (never the PIN).
pub fn open(source: &str, uri: &Pkcs11Uri) -> Result<TokenKey, Error> {
    TokenKey::open(uri).map_err(|problem| named(source, uri, problem))
}

/// An input error naming the key file and the URI.
pub(crate) fn named(source: &str, uri: &Pkcs11Uri, problem: String) -> Error {
    let path = if source == uri.to_string() || source.is_empty() {
        uri.to_string()
    } else {
        format!("{source} ({uri})")
    };
    Error::Input { path, problem }
}
