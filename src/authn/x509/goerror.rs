//! Go's errors, with Go's text: the `crypto/x509` errors `Verify` reports (`verify.go`,
//! `x509.go`) and the Go formatting they use (`strconv.Quote`, `time.RFC3339`).

use std::fmt;

use jiff::Timestamp;

#[derive(Clone, Debug)]
pub(super) enum GoError {
    UnhandledCriticalExtension,
    NameMismatch,
    Expired(String),
    NotAuthorizedToSign,
    TooManyIntermediates,
    IncompatibleUsage,
    NotAuthorizedForName(String),
    NoValidChains(String),
    UnknownAuthority(Option<(String, String)>),
    ConstraintViolation,
    Signature(String),
    SignatureLimit,
    /// `CertificateInvalidError` with reason TooManyConstraints, which Go's `Error` does
    /// not name.
    TooManyConstraints,
    /// An error `isValid` makes with `fmt.Errorf`, in its words.
    Plain(String),
    /// kcred's own: something it does not evaluate.
    Unsupported(String),
}

impl fmt::Display for GoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoError::UnhandledCriticalExtension => {
                f.write_str("x509: unhandled critical extension")
            }
            GoError::NameMismatch => {
                f.write_str("x509: issuer name does not match subject from issuing certificate")
            }
            GoError::Expired(d) => {
                write!(f, "x509: certificate has expired or is not yet valid: {d}")
            }
            GoError::NotAuthorizedToSign => {
                f.write_str("x509: certificate is not authorized to sign other certificates")
            }
            GoError::TooManyIntermediates => {
                f.write_str("x509: too many intermediates for path length constraint")
            }
            GoError::IncompatibleUsage => {
                f.write_str("x509: certificate specifies an incompatible key usage")
            }
            GoError::NotAuthorizedForName(d) => write!(
                f,
                "x509: a root or intermediate certificate is not authorized to sign for this name: {d}"
            ),
            GoError::NoValidChains(d) if d.is_empty() => f.write_str("x509: no valid chains built"),
            GoError::NoValidChains(d) => write!(f, "x509: no valid chains built: {d}"),
            GoError::UnknownAuthority(None) => {
                f.write_str("x509: certificate signed by unknown authority")
            }
            GoError::UnknownAuthority(Some((err, name))) => write!(
                f,
                "x509: certificate signed by unknown authority (possibly because of {} while trying to verify candidate authority certificate {})",
                go_quote(err),
                go_quote(name)
            ),
            GoError::ConstraintViolation => f.write_str(
                "x509: invalid signature: parent certificate cannot sign this kind of certificate",
            ),
            GoError::Signature(s) => f.write_str(s),
            GoError::SignatureLimit => f.write_str(
                "x509: signature check attempts limit reached while verifying certificate chain",
            ),
            GoError::TooManyConstraints => f.write_str("x509: unknown error"),
            GoError::Plain(s) => f.write_str(s),
            GoError::Unsupported(s) => write!(f, "kcred cannot evaluate {s}"),
        }
    }
}

/// Go's `%q` (strconv.Quote): double quotes, backslash escapes, printable Unicode kept.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `time.RFC3339` layout for a whole-second UTC time.
pub(super) fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_escapes_like_strconv_quote() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("équipe\n\x01"), "\"équipe\\n\\x01\"");
    }
}
