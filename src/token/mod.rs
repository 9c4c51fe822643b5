//! ServiceAccount tokens, as kube-apiserver mints and checks them.
//!
//! - [`claims`]: the bound (`pkg/serviceaccount/claims.go`) and legacy (`legacy.go`) claim
//!   sets, serialised with their keys in the order the API server emits them.
//! - [`keys`]: verification keys read as `--service-account-key-file` reads them, and the
//!   JOSE algorithm each key signs with.
//! - [`mint`]: signing a claim set with a private key (header exactly `{"alg","kid"}`).
//! - [`verify`]: parsing any token for display, and [`verify::authenticate`], the API
//!   server's ServiceAccount authenticators (`jwt.go`) as a reusable library call.
//! - [`jwks`]: the JWKS and OpenID discovery documents (`openidmetadata.go`).
//!
//! - [`jose`] and `gojson`: the token's JSON and JOSE header read exactly as the API server's
//!   go-jose v2.6.3 (with its JSON fork) and `encoding/json` read them.
//!
//! Signatures are made and checked with aws-lc-rs directly (DESIGN.md §7): go-jose checks the
//! signature over the re-encoded header and payload, takes the ECDSA signature size from
//! `alg` whatever the curve, accepts 1024-bit RSA keys, and detects the PSS salt length,
//! which a generic JWT library does not do.
//!
//! ```
//! use kcred::keys::{KeyType, PrivateKey};
//! use kcred::token::{self, TokenTrust, VerificationKey, mint::{BoundRequest, TokenSigner}};
//!
//! let key = PrivateKey::generate(KeyType::EcdsaP256)?;
//! let request = BoundRequest {
//!     namespace: "apps".into(),
//!     name: "web".into(),
//!     uid: "0c7e…".into(),
//!     issuer: token::DEFAULT_ISSUER.into(),
//!     audiences: vec![],
//!     lifetime: jiff::SignedDuration::from_hours(1),
//!     binding: None,
//!     node: None,
//! };
//! request.validate()?;
//! let now = jiff::Timestamp::now();
//! let jwt = TokenSigner::new(&key)?.sign(&request.claims(now, token::mint::uuid_v4()?))?;
//!
//! // --service-account-key-file, --service-account-issuer, --api-audiences:
//! let trust = TokenTrust::new(
//!     vec![VerificationKey::from_private_key("sa.key", &key)?],
//!     vec![token::DEFAULT_ISSUER.into()],
//!     vec![],
//! );
//! let ok = token::authenticate(&jwt, &trust, now).expect("accepted");
//! assert_eq!(ok.identity().user, "system:serviceaccount:apps:web");
//! assert!(!ok.not_checked.is_empty()); // the live lookups the API server would make
//! # Ok::<(), kcred::Error>(())
//! ```

pub mod claims;
pub(crate) mod gojson;
mod gorsa;
pub mod jose;
pub mod jwks;
pub mod keys;
pub mod mint;
mod pss;
mod signature;
pub mod verify;

pub use keys::{SigningAlg, VerificationKey, load_verification_keys};
pub use verify::{Authenticated, Rejection, TokenTrust, authenticate};

/// The issuer kube-apiserver is usually given (`--service-account-issuer`), and kcred's default.
pub const DEFAULT_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";
/// The issuer of legacy secret-based tokens (`pkg/serviceaccount/legacy.go`, `LegacyIssuer`).
pub const LEGACY_ISSUER: &str = "kubernetes/serviceaccount";
/// Prefix of a ServiceAccount username (`k8s.io/apiserver/pkg/authentication/serviceaccount`).
pub const SA_USER_PREFIX: &str = "system:serviceaccount:";
/// Group every ServiceAccount is in.
pub const SA_GROUP: &str = "system:serviceaccounts";
/// Extra key: the bound pod's name.
pub const EXTRA_POD_NAME: &str = "authentication.kubernetes.io/pod-name";
/// Extra key: the bound pod's UID.
pub const EXTRA_POD_UID: &str = "authentication.kubernetes.io/pod-uid";
/// Extra key: the node's name.
pub const EXTRA_NODE_NAME: &str = "authentication.kubernetes.io/node-name";
/// Extra key: the node's UID.
pub const EXTRA_NODE_UID: &str = "authentication.kubernetes.io/node-uid";

/// `system:serviceaccount:NS:NAME` (`serviceaccount.MakeUsername`).
pub fn username(namespace: &str, name: &str) -> String {
    format!("{SA_USER_PREFIX}{namespace}:{name}")
}

/// `(namespace, name)` from `system:serviceaccount:NS:NAME`, as `SplitUsername`
/// (`k8s.io/apiserver/pkg/authentication/serviceaccount/util.go`) reads it: exactly two parts
/// after the prefix, a valid namespace name (`ValidateNamespaceName`: DNS-1123 label) and a
/// valid ServiceAccount name (`ValidateServiceAccountName`: DNS-1123 subdomain).
pub fn split_username(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix(SA_USER_PREFIX)?;
    let (ns, name) = rest.split_once(':')?;
    if name.contains(':')
        || validate_name(NameKind::Namespace, ns).is_err()
        || validate_name(NameKind::Object("serviceaccount"), name).is_err()
    {
        return None;
    }
    Some((ns, name))
}

/// The groups of a ServiceAccount (`serviceaccount.MakeGroupNames`).
pub fn groups(namespace: &str) -> Vec<String> {
    vec![SA_GROUP.to_string(), format!("{SA_GROUP}:{namespace}")]
}

/// Which kind of object a name is for, in validation messages.
#[derive(Clone, Copy, Debug)]
pub enum NameKind {
    /// A namespace: a DNS-1123 label (`ValidateNamespaceName`).
    Namespace,
    /// A ServiceAccount, pod, secret or node name: a DNS-1123 subdomain
    /// (`ValidateServiceAccountName`, `ValidatePodName`, …).
    Object(&'static str),
}

/// A bearer token as a command line gives it: `arg` itself (`-` reads stdin), else the
/// contents of `file` (`-` is stdin too). Returns where it came from, for messages, and the
/// text as read (not trimmed: callers decide, as client-go's sources differ). `arg_label`
/// names the argument in messages; the caller knows what its command line calls it.
pub fn read_token(
    arg: Option<&str>,
    file: Option<&std::path::Path>,
    arg_label: &str,
) -> crate::Result<Option<(String, String)>> {
    let from_file = |path: &std::path::Path| -> crate::Result<(String, String)> {
        let bytes = crate::fsio::read::read(path)?;
        let source = if path == std::path::Path::new("-") {
            "<stdin>".to_string()
        } else {
            crate::fsio::display(path)
        };
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| crate::Error::input(&source, "the token is not UTF-8 text"))?;
        Ok((source, text))
    };
    match (arg, file) {
        (Some("-"), _) => from_file(std::path::Path::new("-")).map(Some),
        (Some(token), _) => Ok(Some((arg_label.to_string(), token.to_string()))),
        (None, Some(path)) => from_file(path).map(Some),
        (None, None) => Ok(None),
    }
}

/// A DNS-1123 label (apimachinery `validation.IsDNS1123Label`): 1-63 characters of
/// lowercase letters, digits and '-', starting and ending with a letter or digit.
pub fn is_dns1123_label(name: &str) -> bool {
    name.len() <= 63 && is_label_except_max_length(name)
}

/// A DNS-1123 subdomain (apimachinery `validation.IsDNS1123Subdomain`): at most 253
/// characters, dot-separated parts each shaped as a label; as upstream
/// (`isDNS1123LabelExceptMaxLength`), a part is not limited to 63 characters.
pub fn is_dns1123_subdomain(name: &str) -> bool {
    !name.is_empty() && name.len() <= 253 && name.split('.').all(is_label_except_max_length)
}

fn is_label_except_max_length(l: &str) -> bool {
    !l.is_empty()
        && l.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !l.starts_with('-')
        && !l.ends_with('-')
}

/// Validate a name as the API server's apimachinery validation does: DNS-1123 label (at most
/// 63 characters) for namespaces, DNS-1123 subdomain (at most 253) for other objects.
/// The error is a one-line usage message.
pub fn validate_name(kind: NameKind, name: &str) -> crate::Result<()> {
    let (what, ok, rule) = match kind {
        NameKind::Namespace => (
            "namespace",
            is_dns1123_label(name),
            "a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
        ),
        NameKind::Object(what) => (
            what,
            is_dns1123_subdomain(name),
            "a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', at most 253 characters, each part starting and ending with a letter or digit",
        ),
    };
    if ok {
        Ok(())
    } else {
        Err(crate::Error::Usage(format!(
            "{what} name {:?} is invalid: it must be {rule}",
            crate::output::sanitize(name)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomain_parts_are_not_limited_to_63_characters_as_upstream() {
        let long = "a".repeat(64);
        assert!(is_dns1123_subdomain(&format!("{long}.example")));
        assert!(!is_dns1123_label(&long));
        assert!(!is_dns1123_subdomain(&"a".repeat(254)));
        assert!(!is_dns1123_subdomain("a..b") && !is_dns1123_subdomain(".a"));
    }

    #[test]
    fn names_validate_as_apimachinery_does() {
        for ok in ["default", "kube-system", "a", "x1"] {
            validate_name(NameKind::Namespace, ok).unwrap();
        }
        for bad in ["", "Default", "a.b", "-a", "a-", &"a".repeat(64), "a_b"] {
            assert!(validate_name(NameKind::Namespace, bad).is_err(), "{bad}");
        }
        for ok in ["web", "web.v2", "a-b.c-d", &"a".repeat(63)] {
            validate_name(NameKind::Object("serviceaccount"), ok).unwrap();
        }
        for bad in ["", "Web", "a..b", ".a", "a.", "a:b", &"a".repeat(254)] {
            assert!(
                validate_name(NameKind::Object("serviceaccount"), bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn usernames_split_back() {
        assert_eq!(
            split_username(&username("apps", "web")),
            Some(("apps", "web"))
        );
        assert_eq!(split_username("system:serviceaccount:apps"), None);
        assert_eq!(split_username("system:serviceaccount:a:b:c"), None);
        assert_eq!(split_username("system:node:x"), None);
        // util.go SplitUsername validates both names: an upper-case namespace is refused.
        assert_eq!(split_username("system:serviceaccount:Apps:web"), None);
        assert_eq!(split_username("system:serviceaccount:apps:Web"), None);
        assert_eq!(split_username("system:serviceaccount:a.b:web"), None);
        assert_eq!(split_username("system:serviceaccount::web"), None);
        assert_eq!(
            split_username("system:serviceaccount:apps:web.v2"),
            Some(("apps", "web.v2"))
        );
    }
}
