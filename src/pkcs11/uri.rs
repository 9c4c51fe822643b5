//! RFC 7512 PKCS#11 URIs: `pkcs11:token=k8s;object=cluster-ca;type=private?module-path=...`.
//!
//! Path attributes (`;`-separated) select the token and the object; query attributes
//! (`&`-separated) say how to reach them: `module-path`, `pin-source`, `pin-value`. Values are
//! percent-decoded (RFC 7512 §2.3; `id` is binary). An attribute kcred does not know is
//! refused rather than ignored, so a URI never selects more than its writer meant; `x-`
//! vendor attributes (§2.3) are ignored. The PIN never appears in `Display` output, so the
//! URI can be printed in errors and written to a key file as is.

use std::fmt;
use std::path::PathBuf;

use zeroize::Zeroizing;

/// The environment variable that names the module when a URI has no `module-path`.
pub const MODULE_ENV: &str = "KCRED_PKCS11_MODULE";
/// The environment variable that holds the PIN when a URI has neither `pin-value` nor
/// `pin-source`.
pub const PIN_ENV: &str = "KCRED_PKCS11_PIN";

/// What `type=` asks for (RFC 7512 §2.3: cert, data, private, public, secret-key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectType {
    /// `type=private`.
    Private,
    /// `type=public`.
    Public,
    /// `type=cert`.
    Cert,
    /// `type=data`.
    Data,
    /// `type=secret-key`.
    SecretKey,
}

/// A parsed PKCS#11 URI.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Pkcs11Uri {
    /// `token=`: CK_TOKEN_INFO label.
    pub token: Option<String>,
    /// `manufacturer=`: CK_TOKEN_INFO manufacturerID.
    pub manufacturer: Option<String>,
    /// `model=`: CK_TOKEN_INFO model.
    pub model: Option<String>,
    /// `serial=`: CK_TOKEN_INFO serialNumber.
    pub serial: Option<String>,
    /// `slot-id=`: the slot number (RFC 7512 §2.3, decimal).
    pub slot_id: Option<u64>,
    /// `object=`: CKA_LABEL.
    pub object: Option<String>,
    /// `id=`: CKA_ID (binary).
    pub id: Option<Vec<u8>>,
    /// `type=`: the object class.
    pub object_type: Option<ObjectType>,
    /// `module-path=`: the PKCS#11 library to load.
    pub module_path: Option<PathBuf>,
    /// `pin-source=`: where to read the PIN (kcred reads `file:` sources).
    pub pin_source: Option<String>,
    /// `pin-value=`: the PIN itself (never displayed).
    pub pin_value: Option<Zeroizing<String>>,
}

impl fmt::Debug for Pkcs11Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pkcs11Uri({self})")
    }
}

impl Pkcs11Uri {
    /// Parse a URI. The error names the problem, never the PIN.
    pub fn parse(text: &str) -> Result<Pkcs11Uri, String> {
        let rest = text
            .strip_prefix("pkcs11:")
            .ok_or("a PKCS#11 URI starts with \"pkcs11:\"")?;
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let mut uri = Pkcs11Uri::default();
        let mut seen = Vec::new();
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            let (name, value) = split_attr(attr)?;
            if seen.contains(&name) {
                return Err(format!("attribute {name:?} appears twice (RFC 7512 §2.3)"));
            }
            seen.push(name);
            let bytes = percent_decode(name, value)?;
            let text = || utf8(name, bytes.clone());
            match name {
                "token" => uri.token = Some(text()?),
                "manufacturer" => uri.manufacturer = Some(text()?),
                "model" => uri.model = Some(text()?),
                "serial" => uri.serial = Some(text()?),
                "object" => uri.object = Some(text()?),
                "id" => uri.id = Some(bytes),
                "slot-id" => {
                    uri.slot_id = Some(
                        text()?
                            .parse()
                            .map_err(|_| format!("slot-id {value:?} is not a number"))?,
                    )
                }
                "type" => {
                    uri.object_type = Some(match text()?.as_str() {
                        "private" => ObjectType::Private,
                        "public" => ObjectType::Public,
                        "cert" => ObjectType::Cert,
                        "data" => ObjectType::Data,
                        "secret-key" => ObjectType::SecretKey,
                        other => return Err(format!("unknown type={other:?}")),
                    })
                }
                // Library and slot descriptions select a module or slot kcred picks otherwise;
                // refusing them beats silently ignoring a constraint.
                n if n.starts_with("x-") => {}
                n => return Err(format!("unsupported path attribute {n:?}")),
            }
        }
        for attr in query.into_iter().flat_map(|q| q.split('&')) {
            if attr.is_empty() {
                continue;
            }
            let (name, value) = split_attr(attr)?;
            if seen.contains(&name) {
                return Err(format!("attribute {name:?} appears twice (RFC 7512 §2.3)"));
            }
            seen.push(name);
            let value = utf8(name, percent_decode(name, value)?)?;
            match name {
                "module-path" => uri.module_path = Some(PathBuf::from(value)),
                "pin-source" => uri.pin_source = Some(value),
                "pin-value" => uri.pin_value = Some(Zeroizing::new(value)),
                "module-name" => {
                    return Err("module-name is not supported; give module-path (or set \
                         KCRED_PKCS11_MODULE)"
                        .into());
                }
                n if n.starts_with("x-") => {}
                n => return Err(format!("unsupported query attribute {n:?}")),
            }
        }
        Ok(uri)
    }

    /// The module to load: `module-path`, else `$KCRED_PKCS11_MODULE`.
    pub fn module(&self) -> Result<PathBuf, String> {
        if let Some(p) = &self.module_path {
            return Ok(p.clone());
        }
        match std::env::var_os(MODULE_ENV) {
            Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
            _ => Err(format!(
                "no PKCS#11 module: add ?module-path=/path/to/module.so or set {MODULE_ENV}"
            )),
        }
    }

    /// The user PIN: `pin-value`, else the file `pin-source=file:...` names (its first line),
    /// else `$KCRED_PKCS11_PIN`; `None` when none is given (tokens that need no login).
    pub fn pin(&self) -> Result<Option<Zeroizing<String>>, String> {
        if let Some(v) = &self.pin_value {
            return Ok(Some(v.clone()));
        }
        if let Some(src) = &self.pin_source {
            // RFC 7512 §2.3 leaves the URI scheme open; `file:` (with or without an empty
            // authority) is the one kcred reads.
            let path = src
                .strip_prefix("file://")
                .or_else(|| src.strip_prefix("file:"))
                .ok_or_else(|| format!("pin-source {src:?} is not a file: URI"))?;
            let bytes = std::fs::read(path)
                .map_err(|e| format!("pin-source {path}: cannot read it: {e}"))?;
            let bytes = Zeroizing::new(bytes);
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| format!("pin-source {path}: not UTF-8 text"))?;
            let line = text.lines().next().unwrap_or("");
            return Ok(Some(Zeroizing::new(line.to_string())));
        }
        Ok(std::env::var(PIN_ENV).ok().map(Zeroizing::new))
    }
}

/// The URI without the PIN value: safe to print and to store in a key file.
impl fmt::Display for Pkcs11Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut path: Vec<String> = Vec::new();
        let mut add = |name: &str, v: &[u8]| path.push(format!("{name}={}", percent_encode(v)));
        if let Some(v) = &self.token {
            add("token", v.as_bytes());
        }
        if let Some(v) = &self.manufacturer {
            add("manufacturer", v.as_bytes());
        }
        if let Some(v) = &self.model {
            add("model", v.as_bytes());
        }
        if let Some(v) = &self.serial {
            add("serial", v.as_bytes());
        }
        if let Some(v) = self.slot_id {
            add("slot-id", v.to_string().as_bytes());
        }
        if let Some(v) = &self.object {
            add("object", v.as_bytes());
        }
        if let Some(v) = self.object_type {
            let t = match v {
                ObjectType::Private => "private",
                ObjectType::Public => "public",
                ObjectType::Cert => "cert",
                ObjectType::Data => "data",
                ObjectType::SecretKey => "secret-key",
            };
            add("type", t.as_bytes());
        }
        if let Some(v) = &self.id {
            // Binary: every byte percent-encoded, as p11tool and pkcs11-tool print it.
            path.push(format!(
                "id={}",
                v.iter().map(|b| format!("%{b:02x}")).collect::<String>()
            ));
        }
        let mut query: Vec<String> = Vec::new();
        if let Some(v) = &self.module_path {
            query.push(format!(
                "module-path={}",
                percent_encode(v.to_string_lossy().as_bytes())
            ));
        }
        if let Some(v) = &self.pin_source {
            query.push(format!("pin-source={}", percent_encode(v.as_bytes())));
        }
        write!(f, "pkcs11:{}", path.join(";"))?;
        if !query.is_empty() {
            write!(f, "?{}", query.join("&"))?;
        }
        Ok(())
    }
}

fn split_attr(attr: &str) -> Result<(&str, &str), String> {
    attr.split_once('=')
        .ok_or_else(|| format!("attribute {attr:?} has no \"=\""))
}

fn utf8(name: &str, bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|_| format!("{name}: not UTF-8 after percent-decoding"))
}

fn percent_decode(name: &str, value: &str) -> Result<Vec<u8>, String> {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("{name}: bad percent-encoding"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// RFC 3986 unreserved characters and `/` stay; everything else is `%XX`.
fn percent_encode(v: &[u8]) -> String {
    v.iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7512_examples_parse() {
        // RFC 7512 §3 examples.
        let u = Pkcs11Uri::parse(
            "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;\
             manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;\
             id=%69%95%3E%5C%F4%BD%EC%91;serial=",
        )
        .unwrap();
        assert_eq!(u.token.as_deref(), Some("The Software PKCS#11 Softtoken"));
        assert_eq!(u.manufacturer.as_deref(), Some("Snake Oil, Inc."));
        assert_eq!(u.object_type, Some(ObjectType::Cert));
        assert_eq!(
            u.id.as_deref(),
            Some(&[0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91][..])
        );
        assert_eq!(u.serial.as_deref(), Some(""));
        let u = Pkcs11Uri::parse("pkcs11:object=my-sign-key;type=private?module-name=mypkcs11");
        assert!(u.unwrap_err().contains("module-path"));
        let u = Pkcs11Uri::parse(
            "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.\
             ?pin-value=the-pin",
        )
        .unwrap();
        assert_eq!(u.pin().unwrap().unwrap().as_str(), "the-pin");
    }

    #[test]
    fn display_never_shows_the_pin_and_parses_back() {
        let u = Pkcs11Uri::parse(
            "pkcs11:token=k8s;object=cluster%20ca;type=private;id=%01%ab\
             ?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234",
        )
        .unwrap();
        let shown = u.to_string();
        assert!(
            !shown.contains("1234") && !shown.contains("pin-value"),
            "{shown}"
        );
        assert!(!format!("{u:?}").contains("1234"));
        let back = Pkcs11Uri::parse(&shown).unwrap();
        assert_eq!(back.object.as_deref(), Some("cluster ca"));
        assert_eq!(back.id.as_deref(), Some(&[1u8, 0xab][..]));
        assert_eq!(back.module_path, u.module_path);
        assert!(back.pin_value.is_none());
    }

    #[test]
    fn bad_uris_are_refused() {
        for bad in [
            "pkcs12:token=a",
            "pkcs11:token=a;token=b",
            "pkcs11:token",
            "pkcs11:object=%4",
            "pkcs11:object=%zz",
            "pkcs11:colour=blue",
            "pkcs11:type=key",
            "pkcs11:slot-id=x",
            "pkcs11:object=a?pin-vlaue=1",
        ] {
            assert!(Pkcs11Uri::parse(bad).is_err(), "{bad}");
        }
        assert!(Pkcs11Uri::parse("pkcs11:object=a;x-vendor=1").is_ok());
    }

    #[test]
    fn pin_source_file_is_read_to_the_end_of_its_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pin");
        std::fs::write(&f, "5678\n").unwrap();
        let u =
            Pkcs11Uri::parse(&format!("pkcs11:object=a?pin-source=file:{}", f.display())).unwrap();
        assert_eq!(u.pin().unwrap().unwrap().as_str(), "5678");
        assert!(u.to_string().contains("pin-source=file:"));
        let u = Pkcs11Uri::parse("pkcs11:object=a?pin-source=https://example.invalid/pin").unwrap();
        assert!(u.pin().is_err());
    }
}
