//! The API server's authentication flags turned into its authenticators' trust material, as
//! `pkg/kubeapiserver/options/authentication.go` (`BuiltInAuthenticationOptions`,
//! `ToAuthenticationConfig`) does. This only reads files.

use std::path::{Path, PathBuf};

use super::chain::Trust;
use super::tokenfile::TokenFile;
use crate::error::{Error, Result};
use crate::token::keys::load_verification_keys;
use crate::token::verify::TokenTrust;

/// kube-apiserver's authentication flags, by their names.
#[derive(Clone, Debug)]
pub struct ApiServerOptions {
    /// `--client-ca-file`.
    pub client_ca_file: Option<PathBuf>,
    /// `--service-account-key-file` (repeatable).
    pub service_account_key_files: Vec<PathBuf>,
    /// `--service-account-issuer` (repeatable; the first one mints).
    pub service_account_issuers: Vec<String>,
    /// `--api-audiences`, every value (default: every issuer).
    pub api_audiences: Vec<String>,
    /// `--token-auth-file`.
    pub token_auth_file: Option<PathBuf>,
    /// `--anonymous-auth`.
    pub anonymous_auth: bool,
    /// A kubeadm-layout PKI directory: `DIR/ca.crt` as `--client-ca-file`, `DIR/sa.pub` as
    /// `--service-account-key-file`, with kubeadm's issuer.
    pub pki_dir: Option<PathBuf>,
}

impl Default for ApiServerOptions {
    /// The API server's defaults: no authenticator but anonymous.
    fn default() -> Self {
        ApiServerOptions {
            client_ca_file: None,
            service_account_key_files: Vec::new(),
            service_account_issuers: Vec::new(),
            api_audiences: Vec::new(),
            token_auth_file: None,
            anonymous_auth: true,
            pki_dir: None,
        }
    }
}

/// A PKI directory: both `/etc/kubernetes/pki` and a bootstrap directory holding `pki/`.
fn pki_dir(dir: &Path) -> PathBuf {
    if !dir.join("ca.crt").exists() && dir.join("pki/ca.crt").exists() {
        dir.join("pki")
    } else {
        dir.to_path_buf()
    }
}

/// kube-apiserver reads `--client-ca-file` as PEM only (`dynamiccertificates`
/// `NewDynamicCAContentFromFile` -> client-go `cert.ParseCertsPEM`) and refuses to start on a
/// DER file: so does kcred, rather than trusting what the API server would not. stdin is
/// left to the loader, which reads it once; a missing file gets the loader's own words.
fn refuse_der_client_ca(path: &Path) -> Result<()> {
    if path == Path::new("-") {
        return Ok(());
    }
    let Ok(bytes) = crate::fsio::read::read(path) else {
        return Ok(());
    };
    if !crate::pem::looks_like_pem(&bytes) && bytes.first() == Some(&0x30) {
        return Err(Error::input(
            crate::fsio::read::display(path),
            "DER, but kube-apiserver reads --client-ca-file as PEM only (client-go cert.ParseCertsPEM) and would refuse to start: convert it (openssl x509 -inform DER -in FILE -out FILE.pem)",
        ));
    }
    Ok(())
}

impl ApiServerOptions {
    /// The trust material these flags give the authenticators (every file read here).
    pub fn trust(&self) -> Result<Trust> {
        let mut ca_file = self.client_ca_file.clone();
        let mut key_files = self.service_account_key_files.clone();
        if let Some(dir) = &self.pki_dir {
            let dir = pki_dir(dir);
            if ca_file.is_none() {
                ca_file = Some(dir.join("ca.crt"));
            }
            if key_files.is_empty() && dir.join("sa.pub").exists() {
                key_files.push(dir.join("sa.pub"));
            }
        }
        let client_cas = match &ca_file {
            Some(f) => {
                refuse_der_client_ca(f)?;
                Some(super::x509::load_ca_bundle(f)?)
            }
            None => None,
        };
        let token_file = match &self.token_auth_file {
            Some(f) => Some(TokenFile::load(f)?),
            None => None,
        };
        let service_accounts = if key_files.is_empty() {
            if !self.service_account_issuers.is_empty() || !self.api_audiences.is_empty() {
                return Err(Error::Usage(
                    "--service-account-issuer and --api-audiences need --service-account-key-file (or --pki-dir)".into(),
                ));
            }
            None
        } else {
            let mut keys = Vec::new();
            for f in &key_files {
                keys.extend(load_verification_keys(f)?);
            }
            validate_issuers(&self.service_account_issuers)?;
            let issuers = if self.service_account_issuers.is_empty() {
                // kubeadm's --service-account-issuer: the issuer a kubeadm PKI directory implies.
                vec![crate::token::DEFAULT_ISSUER.to_string()]
            } else {
                self.service_account_issuers.clone()
            };
            // authentication.go, ToAuthenticationConfig: with no --api-audiences the API
            // audiences are all the issuers (not only the first).
            let audiences = if self.api_audiences.is_empty() {
                issuers.clone()
            } else {
                self.api_audiences.clone()
            };
            Some(TokenTrust::new(keys, issuers, audiences))
        };
        Ok(Trust {
            client_cas,
            token_file,
            service_accounts,
            anonymous: self.anonymous_auth,
        })
    }
}

/// kube-apiserver's checks of `--service-account-issuer` before it starts
/// (`pkg/kubeapiserver/options/authentication.go`, `Validate`), in its words: an issuer with
/// a `:` must parse as a URL, none may be empty or given twice.
fn validate_issuers(issuers: &[String]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for issuer in issuers {
        let why = if issuer.contains(':')
            && let Err(e) = crate::gourl::parse(issuer)
        {
            format!(
                "service-account-issuer {issuer:?} contained a ':' but was not a valid URL: {e}"
            )
        } else if issuer.is_empty() {
            "service-account-issuer should not be an empty string".into()
        } else if !seen.insert(issuer) {
            format!("service-account-issuer {issuer:?} is already specified")
        } else {
            continue;
        };
        return Err(Error::Usage(format!(
            "kube-apiserver would not start: {why}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate_issuers;

    /// `pkg/kubeapiserver/options/authentication.go` `Validate`: the issuer rules, in its words.
    #[test]
    fn issuers_refused_as_kube_apiserver_refuses_them() {
        let ok = [
            "https://kubernetes.default.svc.cluster.local",
            "api",
            "https://a",
        ];
        assert!(validate_issuers(&ok.map(String::from)).is_ok());
        for (issuers, want) in [
            (
                vec!["::not a url"],
                "service-account-issuer \"::not a url\" contained a ':' but was not a valid URL: parse \"::not a url\": missing protocol scheme",
            ),
            (
                vec![""],
                "service-account-issuer should not be an empty string",
            ),
            (
                vec!["a", "a"],
                "service-account-issuer \"a\" is already specified",
            ),
        ] {
            let issuers: Vec<String> = issuers.into_iter().map(String::from).collect();
            let got = validate_issuers(&issuers).unwrap_err().to_string();
            assert!(got.ends_with(want), "{issuers:?}: {got}");
        }
    }
}
