//! kcred's integration tests: one binary, one harness (`common`), a module per area.
//! Interop modules check kcred's output with real peers (openssl, Go crypto/x509,
//! Python cryptography and PyJWT, kubectl), never only with kcred itself.

mod common;

mod audit;
mod authn_x509;
mod bootstrap;
mod can_i;
mod fuzz_replay;
mod hostile;
mod kubeconfig;
mod make_ux;
mod pkcs11;
mod pki_cli;
mod pki_interop;
mod rotate;
mod rotate_sa;

mod cert_sign;
mod csr;
mod serve;
mod token_adversarial;
mod token_cli;
mod token_interop;
mod trust;
mod ux_flags;
mod ux_help;
mod ux_messages;
mod whoami;
