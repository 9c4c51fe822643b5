//! `bootstrap --ca-key-uri NAME=pkcs11:...`: CAs whose keys stay in a PKCS#11 token.
//!
//! The directory then has the CA certificate and no CA key, which is kubeadm's external-CA
//! layout (`cmd/kubeadm/app/phases/certs/certs.go`, `UsingExternalCA`: ca.crt present,
//! ca.key absent), while kcred signs every leaf through the token. Each key is opened (or made
//! on the token) before anything is written, like every other input bootstrap reads.

use super::{Found, Options};
use crate::error::{Error, Result};
use crate::plan::{Credential, Kind};

/// Put the token-held key of each CA named in `opts.ca_key_uris` into `found`.
pub(super) fn open(creds: &[Credential], found: &mut [Found], opts: &Options) -> Result<()> {
    for name in opts.ca_key_uris.keys() {
        if !creds
            .iter()
            .any(|c| c.kind() == Kind::Ca && &c.name == name)
        {
            let cas: Vec<&str> = creds
                .iter()
                .filter(|c| c.kind() == Kind::Ca)
                .map(|c| c.name.as_str())
                .collect();
            return Err(Error::Usage(format!(
                "a token key is given for CA {name:?}, but the plan has no such CA (its CAs: {})",
                cas.join(", ")
            )));
        }
    }
    for (cred, f) in creds.iter().zip(found.iter_mut()) {
        let Some(text) = opts.ca_key_uris.get(&cred.name) else {
            continue;
        };
        if f.key.is_some() {
            let prefix = cred.file().unwrap_or(&cred.name);
            return Err(Error::input(
                opts.dir.join(format!("{prefix}.key")),
                format!(
                    "exists, but CA {:?}'s key is to stay in a token: move the file away",
                    cred.name
                ),
            ));
        }
        f.key = token_key(text, cred, f, opts)?;
    }
    Ok(())
}

#[cfg(feature = "pkcs11")]
fn token_key(
    text: &str,
    cred: &Credential,
    f: &Found,
    opts: &Options,
) -> Result<Option<crate::keys::PrivateKey>> {
    use crate::keys::PrivateKey;
    use crate::pkcs11;
    let uri = pkcs11::parse_arg(&format!("the token key of CA {}", cred.name), text)?;
    // A dry run makes nothing on the token (a CA it would make gets a key in memory, as
    // every CA in a dry run); a certificate already there needs its key as is.
    if opts.dry_run && f.cert.is_none() {
        return Ok(None);
    }
    let key = if opts.dry_run || f.cert.is_some() {
        pkcs11::open("", &uri)?
    } else {
        pkcs11::open_or_generate(&uri, opts.key_type)?.0
    };
    Ok(Some(PrivateKey::from_token(key)))
}

#[cfg(not(feature = "pkcs11"))]
fn token_key(
    _text: &str,
    _cred: &Credential,
    _f: &Found,
    _opts: &Options,
) -> Result<Option<crate::keys::PrivateKey>> {
    Err(Error::Usage(
        "a CA key in a token needs the pkcs11 feature, and this kcred was built without it".into(),
    ))
}
