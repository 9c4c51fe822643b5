//! Which key verifies each ServiceAccount token the directory holds: the answer `--status`
//! shows and `--finish` checks, since dropping the old key from `sa.pub` breaks exactly the
//! tokens only it verifies.
//!
//! Tokens are found by walking the directory (not following links): `*.token` and `*.jwt`
//! files, and every kubeconfig user with a `token` or `tokenFile` (files named `*.conf`,
//! `*.kubeconfig`, `*.yaml`, `*.yml`, `kubeconfig` or `config` that parse as one). A token
//! that is not a JWT (a bootstrap or static token) is none of the ServiceAccount keys'
//! business and is skipped.
//!
//! Each token is checked against each key alone. That answers as `sa.pub` with both keys
//! would: kube-apiserver picks the key by the token's `kid`, or tries every key when there is
//! none (`pkg/serviceaccount/jwt.go`, `staticPublicKeysGetter.GetPublicKeys`), so a token
//! verifies with the set exactly when it verifies with one key of it. The check is the one
//! kube-apiserver's ServiceAccount authenticators make (`crate::token::verify`: go-jose's
//! parsing and `pkg/serviceaccount/jwt.go` `AuthenticateToken`), with the token's own issuer and
//! audiences: the flags the API server runs with are not in the directory, so the answer is
//! "does this key verify it, and is it in date".

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Serialize;

use super::{KeyInfo, SaState};
use crate::kubeconfig::Kubeconfig;
use crate::token::keys::VerificationKey;
use crate::token::verify::{self, Rejection, TokenTrust};

/// Which of the rotation's keys verifies a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifiedBy {
    /// The key being rotated out: the token breaks at `--finish`.
    Old,
    /// The key being rotated in.
    New,
    /// The only key (no rotation under way).
    Current,
    /// No key of the rotation (another key, expired, malformed claims).
    None,
}

/// One token found in the directory.
#[derive(Clone, Debug, Serialize)]
pub struct TokenRow {
    /// The file (relative to the directory), and the kubeconfig user for a kubeconfig.
    pub presented: String,
    /// The token's `kid` header.
    pub kid: String,
    /// Which key verifies it.
    #[serde(rename = "verifiedBy")]
    pub verified_by: VerifiedBy,
    /// Why no key verifies it (empty otherwise).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub problem: String,
}

/// The tokens that verify with the old key only: those `--finish` would break.
pub fn would_break(rows: &[TokenRow]) -> Vec<&TokenRow> {
    rows.iter()
        .filter(|r| r.verified_by == VerifiedBy::Old)
        .collect()
}

/// Every ServiceAccount token in `dir`, and which key of `state` verifies it at `now`.
pub fn scan(dir: &Path, state: &SaState, now: Timestamp) -> Vec<TokenRow> {
    let keys: Vec<(VerifiedBy, &KeyInfo)> = match (&state.old, &state.new) {
        (Some(o), Some(n)) => vec![(VerifiedBy::Old, o), (VerifiedBy::New, n)],
        _ => vec![(VerifiedBy::Current, &state.signing)],
    };
    let keys: Vec<(VerifiedBy, VerificationKey)> = keys
        .into_iter()
        .filter_map(|(v, k)| {
            VerificationKey::from_spki_der(&k.kid, &k.spki)
                .ok()
                .flatten()
                .map(|vk| (v, vk))
        })
        .collect();
    let mut rows = Vec::new();
    for (presented, token) in found(dir) {
        let Ok(t) = verify::decode(&presented, &token) else {
            continue; // not a JWT
        };
        let mut verified_by = VerifiedBy::None;
        let mut problem = String::new();
        let mut mine = false;
        for (v, key) in &keys {
            let trust = TokenTrust::new(vec![key.clone()], vec![t.issuer()], t.audiences());
            match verify::authenticate(&token, &trust, now) {
                Ok(_) => {
                    verified_by = *v;
                    mine = true;
                    break;
                }
                Err(Rejection::NotMine(_)) => {}
                Err(Rejection::Invalid(why)) => {
                    mine = true;
                    // The refusal by the key the token names says most.
                    if problem.is_empty() || t.kid() == key.kid {
                        problem = why;
                    }
                }
            }
        }
        if !mine {
            continue;
        }
        if verified_by != VerifiedBy::None {
            problem.clear();
        }
        rows.push(TokenRow {
            presented,
            kid: t.kid().to_string(),
            verified_by,
            problem,
        });
    }
    rows
}

/// Walk depth: kubeadm's tree is `DIR/*.conf`, `DIR/nodes/NODE/kubelet.conf`, `DIR/pki/…`.
const MAX_DEPTH: usize = 6;

/// (shown name, token text) of every token file and kubeconfig token user under `dir`.
fn found(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    walk(dir, 0, &mut files);
    files.sort();
    let rel = |p: &Path| {
        p.strip_prefix(dir)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    let read = |p: &Path| {
        crate::fsio::read(p)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).trim().to_string())
    };
    let mut out = Vec::new();
    for f in files {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "token" | "jwt") {
            if let Some(t) = read(&f) {
                out.push((rel(&f), t));
            }
            continue;
        }
        let kubeconfig_like = matches!(ext, "conf" | "kubeconfig" | "yaml" | "yml")
            || matches!(name, "kubeconfig" | "config");
        if !kubeconfig_like {
            continue;
        }
        let Ok(kc) = Kubeconfig::load(&f) else {
            continue;
        };
        for u in &kc.users {
            let shown = format!("{} (user {})", rel(&f), u.name);
            if !u.user.token.is_empty() {
                out.push((shown, u.user.token.trim().to_string()));
            } else if !u.user.token_file.is_empty()
                && let Some(t) = read(&u.resolve(&u.user.token_file))
            {
                out.push((shown, t));
            }
        }
    }
    out
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        // Hidden names: temporary files of an atomic write, editors' backups.
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() && depth < MAX_DEPTH {
            walk(&e.path(), depth + 1, out);
        } else if ft.is_file() {
            out.push(e.path());
        }
    }
}
