//! kcred mints and checks Kubernetes credentials offline.
//!
//! The library is organised around one type, [`Identity`] (the API server's `user.Info`),
//! and two directions: *minting* turns an identity into a credential (a certificate signed
//! by a CA, a kubeconfig, a ServiceAccount token) and *checking* turns a credential plus the
//! cluster's trust material back into an identity or a rejection. The `kcred` binary is a
//! thin command line over this crate.
//!
//! ```
//! use kcred::{Identity, keys::{KeyType, PrivateKey}, pki::{self, CertSpec, Usage}};
//!
//! let ca_key = PrivateKey::generate(KeyType::EcdsaP256)?;
//! let ca = pki::self_signed(&CertSpec::ca("kubernetes"), &ca_key)?;
//! let issuer = pki::Issuer::new("ca.crt".as_ref(), ca.der.clone(), ca_key, "ca.key".as_ref())?;
//!
//! let key = PrivateKey::generate(KeyType::EcdsaP256)?;
//! let spec = CertSpec::leaf(&Identity::node("worker-1"), Usage::Client);
//! let cert = issuer.sign(&spec, &key.public_key_der()?)?;
//! let facts = pki::CertFacts::from_der(&cert.der).unwrap();
//! assert_eq!(facts.kubernetes.user, "system:node:worker-1");
//! assert_eq!(facts.kubernetes.groups, ["system:nodes"]);
//! # Ok::<(), kcred::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod audit;
pub mod authn;
pub mod authz;
pub mod bootstrap;
pub mod duration;
mod error;
pub mod fsio;
#[doc(hidden)]
pub mod fuzzing;
mod gourl;
pub mod identity;
pub mod keys;
pub mod kubeconfig;
pub mod output;
pub mod pem;
#[cfg(feature = "pkcs11")]
pub mod pkcs11;
pub mod pki;
pub mod plan;
pub mod renew;
pub mod rotate;
#[cfg(feature = "serve")]
pub mod serve;
pub mod token;
pub mod whoami;
pub mod yaml;

pub use error::{Error, Result, io_words};
pub use identity::Identity;
