//! `kcred bootstrap`: apply a [`Plan`](crate::plan::Plan) to a directory, idempotently.
//!
//! The rules (kubeadm's `createKubeConfigFileIfNotExists` habit, so that a re-run, or a run
//! after a crash, converges instead of destroying what exists):
//! - an existing key is never changed;
//! - an existing certificate that still fits the plan (within its validity period, subject,
//!   SANs, usage, signed by its CA, matching its key) is kept; a missing one is issued, with the existing key if there is one;
//!   one that no longer fits is reported and left alone unless `force`;
//! - every existing file is read before anything is written, and one that cannot be read
//!   (empty, corrupt, not a key, a kubeconfig without its embedded credential) stops the run
//!   with an error naming it: kcred never replaces what it cannot read;
//! - a CA key without its certificate gets its certificate back; a CA certificate without its
//!   key is an error that says what to do;
//! - keys are written before the certificates that certify them and every file is atomic, so a
//!   run killed at any moment leaves whole files and the next run converges.
//!
//! New keys are generated in parallel on all cores (`keygen`) while signing and writing
//! follow the plan's order.

pub mod fit;
mod keygen;
pub mod kubeconfigs;
mod survey;
mod token_cas;

use std::collections::HashMap;
use std::path::PathBuf;

use jiff::Timestamp;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::fsio;
use crate::keys::{KeyType, PrivateKey};
use crate::pki::{self, CertSpec, Certificate, Issuer};
use crate::plan::{CaCredential, CertCredential, Credential, Kind, Makes, Output};

use survey::{Found, join, read_if_exists, survey};

/// How to apply a plan.
#[derive(Clone, Debug)]
pub struct Options {
    /// The output directory.
    pub dir: PathBuf,
    /// Type of every new key.
    pub key_type: KeyType,
    /// Re-issue certificates that no longer fit (existing keys are still kept).
    pub force: bool,
    /// Report what would be done; write nothing.
    pub dry_run: bool,
    /// Cluster name in kubeconfigs.
    pub cluster: String,
    /// CA keys held in a PKCS#11 token, by CA name: no key file is read or written for them.
    pub ca_key_uris: std::collections::BTreeMap<String, String>,
}

/// What happened to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// It did not exist and was written.
    Created,
    /// It existed, fits the plan, and was left as it was.
    Kept,
    /// A certificate issued for a key that already existed.
    Issued,
    /// A CA certificate re-made from its existing key.
    Restored,
    /// Replaced because it no longer fit the plan (`--force`).
    Reissued,
    /// It no longer fits the plan and was left alone (pass `--force` to re-issue).
    Mismatch,
    /// It cannot be produced (see the note).
    Error,
}

impl Action {
    /// Whether this row is a problem the user must act on.
    pub fn is_problem(self) -> bool {
        matches!(self, Action::Mismatch | Action::Error)
    }
}

/// One file in the result.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    /// Path relative to the directory.
    pub file: String,
    /// The plan entry it belongs to.
    pub credential: String,
    /// What was (or, in a dry run, would be) done.
    pub action: Action,
    /// Username (CN) of the certificate, if any.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// Groups (O) of the certificate.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// When the certificate expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    /// Why, for mismatches and errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The whole result.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The plan's layout.
    pub layout: String,
    /// The directory.
    pub dir: String,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Every file.
    pub files: Vec<Row>,
    /// The counts a script branches on.
    pub summary: Summary,
}

/// What a run did (in a dry run: would do), counted by file, for `-o json` readers and
/// Makefiles: `changed` is false exactly when every file was kept.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Files that did not exist and were written.
    pub created: usize,
    /// Files that fit and were left as they were.
    pub kept: usize,
    /// Certificates issued for keys that already existed.
    pub issued: usize,
    /// CA certificates re-made from their existing keys.
    pub restored: usize,
    /// Files replaced because they no longer fit (`--force`).
    pub reissued: usize,
    /// Whether any file was (in a dry run: would be) written.
    pub changed: bool,
    /// Files that need the user's attention (mismatched or in error).
    pub problems: usize,
}

impl Summary {
    /// Count `rows`.
    pub fn of(rows: &[Row]) -> Summary {
        let count = |a: Action| rows.iter().filter(|r| r.action == a).count();
        let mut s = Summary {
            created: count(Action::Created),
            kept: count(Action::Kept),
            issued: count(Action::Issued),
            restored: count(Action::Restored),
            reissued: count(Action::Reissued),
            changed: false,
            problems: rows.iter().filter(|r| r.action.is_problem()).count(),
        };
        s.changed = s.created + s.issued + s.restored + s.reissued > 0;
        s
    }
}

impl Report {
    /// Whether any file needs the user's attention.
    pub fn has_problems(&self) -> bool {
        self.files.iter().any(|r| r.action.is_problem())
    }
}

/// Apply `creds` (an expanded plan) under `opts.dir`. `progress(done, total)` is called as
/// keys are generated.
pub fn apply(
    layout: &str,
    creds: &[Credential],
    opts: &Options,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Report> {
    // Everything that exists is read (and refused if unreadable) before anything is written.
    let mut found: Vec<Found> = creds
        .iter()
        .map(|c| survey(&opts.dir, c))
        .collect::<Result<_>>()?;
    token_cas::open(creds, &mut found, opts)?;
    if !opts.dry_run {
        // A run that was killed may have left temporary files; they are never read.
        for c in creds {
            let prefixes = c
                .file()
                .into_iter()
                .flat_map(|p| ["key", "crt", "pub"].map(|ext| format!("{p}.{ext}")));
            for rel in prefixes.chain(c.kubeconfig().map(str::to_string)) {
                fsio::remove_stale_temps(&join(&opts.dir, &rel));
            }
        }
    }

    // Every credential without a usable key gets a fresh one, generated in parallel while
    // this thread signs and writes in plan order.
    let jobs: Vec<keygen::Job> = creds
        .iter()
        .zip(&found)
        .enumerate()
        .filter(|(_, (c, f))| f.key.is_none() && wants_new_key(c, f, opts))
        // A dry run makes (and never writes) only the CA keys, so that it can walk the whole
        // plan exactly as the real run will.
        .filter(|(_, (c, _))| !opts.dry_run || c.kind() == Kind::Ca)
        .map(|(i, (c, _))| (i, key_type_for(c, opts.key_type)))
        .collect();
    let mut ctx = Ctx {
        opts,
        issuers: HashMap::new(),
        rows: Vec::new(),
        now: Timestamp::now(),
    };
    keygen::with_keys(&jobs, progress, |keys| {
        for (i, (cred, found)) in creds.iter().zip(found).enumerate() {
            let new_key = keys.take(i)?;
            match &cred.makes {
                Makes::Ca(ca) => ctx.ca(cred, ca, found, new_key)?,
                Makes::Cert(leaf) => ctx.leaf(cred, leaf, found, new_key)?,
                Makes::Keypair { file } => ctx.keypair(cred, file, found, new_key)?,
            }
        }
        Ok(())
    })?;
    Ok(Report {
        layout: layout.to_string(),
        dir: opts.dir.display().to_string(),
        dry_run: opts.dry_run,
        summary: Summary::of(&ctx.rows),
        files: ctx.rows,
    })
}

/// The API server refuses EdDSA ServiceAccount tokens, so a key pair never is Ed25519.
fn key_type_for(cred: &Credential, wanted: KeyType) -> KeyType {
    if cred.kind() == Kind::Keypair && wanted == KeyType::Ed25519 {
        KeyType::EcdsaP256
    } else {
        wanted
    }
}

fn wants_new_key(cred: &Credential, found: &Found, opts: &Options) -> bool {
    match cred.kind() {
        // A CA certificate without its key is an error, never a reason to re-key.
        Kind::Ca => found.cert.is_none(),
        Kind::Keypair => true,
        // A leaf certificate without its key is re-keyed only with --force.
        Kind::Cert => found.cert.is_none() || opts.force,
    }
}

struct Ctx<'a> {
    opts: &'a Options,
    issuers: HashMap<String, Issuer>,
    rows: Vec<Row>,
    now: Timestamp,
}

impl Ctx<'_> {
    fn row(
        &mut self,
        file: String,
        cred: &Credential,
        action: Action,
        cert: Option<&[u8]>,
        note: Option<String>,
    ) {
        let is_key = file.ends_with(".key") || file.ends_with(".pub");
        let cert = cert.and_then(|d| Certificate::from_der(d).ok());
        let (user, groups, expires) = match (cert, cred.spec()) {
            (Some(c), _) => (c.identity.user, c.identity.groups, Some(c.not_after)),
            (None, Some(spec)) if !is_key => (
                spec.subject.common_name.clone(),
                spec.subject.organizations.clone(),
                self.now.checked_add(spec.validity).ok(),
            ),
            _ => (String::new(), vec![], None),
        };
        self.rows.push(Row {
            file,
            credential: cred.name.clone(),
            action,
            user,
            groups,
            expires,
            note,
        });
    }

    fn write(&self, rel: &str, contents: Vec<u8>, secret: bool, replace: bool) -> Result<()> {
        if self.opts.dry_run {
            return Ok(());
        }
        let path = join(&self.opts.dir, rel);
        let mode = if secret { fsio::SECRET } else { fsio::PUBLIC };
        fsio::write_atomic(&path, &contents, mode, replace)
    }

    fn ca(
        &mut self,
        cred: &Credential,
        ca: &CaCredential,
        found: Found,
        new_key: Option<PrivateKey>,
    ) -> Result<()> {
        let prefix = &ca.file;
        let (key_rel, crt_rel) = (format!("{prefix}.key"), format!("{prefix}.crt"));
        // A token-held key (`--ca-key-uri`) has no file to report or write.
        let on_token = self.opts.ca_key_uris.contains_key(&cred.name);
        match (found.key, found.cert) {
            (Some(key), Some(cert)) => {
                if !on_token {
                    self.row(key_rel.clone(), cred, Action::Kept, None, None);
                }
                let crt_path = join(&self.opts.dir, &crt_rel);
                let key_path = join(&self.opts.dir, &key_rel);
                if let Some(why) = Certificate::from_der(&cert)
                    .ok()
                    .and_then(|c| c.out_of_validity(self.now))
                {
                    return self.stale_ca(cred, &ca.spec, &crt_rel, key, &cert, why);
                }
                match Issuer::new(&crt_path, cert.clone(), key, &key_path) {
                    Ok(issuer) => {
                        self.row(crt_rel, cred, Action::Kept, Some(&cert), None);
                        self.issuers.insert(cred.name.clone(), issuer);
                    }
                    Err(e) => self.row(
                        crt_rel,
                        cred,
                        Action::Error,
                        Some(&cert),
                        Some(e.to_string()),
                    ),
                }
            }
            (Some(key), None) => {
                if !on_token {
                    self.row(key_rel, cred, Action::Kept, None, None);
                }
                let cert = self.self_sign(cred, &ca.spec, &crt_rel, key)?;
                let action = if on_token {
                    Action::Created
                } else {
                    Action::Restored
                };
                self.row(crt_rel, cred, action, cert.as_deref(), None);
            }
            (None, Some(cert)) => {
                let note = format!(
                    "{crt_rel} exists without {key_rel}: restore the key, or move {crt_rel} away to make a new CA"
                );
                self.row(crt_rel, cred, Action::Error, Some(&cert), Some(note));
            }
            (None, None) => {
                if !on_token {
                    self.row(key_rel.clone(), cred, Action::Created, None, None);
                }
                if let Some(key) = new_key {
                    if !on_token {
                        self.write(&key_rel, pem_of(&key)?, true, false)?;
                    }
                    let cert = self.self_sign(cred, &ca.spec, &crt_rel, key)?;
                    self.row(crt_rel, cred, Action::Created, cert.as_deref(), None);
                } else {
                    self.row(crt_rel, cred, Action::Created, None, None);
                }
            }
        }
        Ok(())
    }

    /// A CA certificate that is expired or not yet valid: reported (exit 1) and its leaves
    /// left alone; under `--force` re-made from its existing key with its existing subject, so
    /// that the leaves it signed still chain to it (same issuer name, same key).
    fn stale_ca(
        &mut self,
        cred: &Credential,
        spec: &CertSpec,
        crt_rel: &str,
        key: PrivateKey,
        cert: &[u8],
        why: String,
    ) -> Result<()> {
        if !self.opts.force {
            let note = format!("{why}; re-issuing it with its key would fix it");
            self.row(
                crt_rel.into(),
                cred,
                Action::Mismatch,
                Some(cert),
                Some(note),
            );
            return Ok(());
        }
        let mut spec = spec.clone();
        if let Ok(c) = Certificate::from_der(cert) {
            spec.subject = c.subject;
        }
        let new = pki::self_signed(&spec, &key)?;
        self.write(crt_rel, new.pem().into_bytes(), false, true)?;
        let path = join(&self.opts.dir, crt_rel);
        self.issuers.insert(
            cred.name.clone(),
            Issuer::new(&path, new.der.clone(), key, &path)?,
        );
        self.row(
            crt_rel.into(),
            cred,
            Action::Reissued,
            Some(&new.der),
            Some(why),
        );
        Ok(())
    }

    /// Self-sign a CA certificate for `key`, write it, and remember the issuer.
    fn self_sign(
        &mut self,
        cred: &Credential,
        spec: &CertSpec,
        crt_rel: &str,
        key: PrivateKey,
    ) -> Result<Option<Vec<u8>>> {
        let cert = pki::self_signed(spec, &key)?;
        self.write(crt_rel, cert.pem().into_bytes(), false, false)?;
        let path = join(&self.opts.dir, crt_rel);
        let issuer = Issuer::new(&path, cert.der.clone(), key, &path)?;
        self.issuers.insert(cred.name.clone(), issuer);
        Ok(Some(cert.der))
    }

    fn keypair(
        &mut self,
        cred: &Credential,
        prefix: &str,
        found: Found,
        new_key: Option<PrivateKey>,
    ) -> Result<()> {
        let (key_rel, pub_rel) = (format!("{prefix}.key"), format!("{prefix}.pub"));
        let (key, key_action) = match (found.key, new_key) {
            (Some(k), _) => (Some(k), Action::Kept),
            (None, Some(k)) => {
                self.write(&key_rel, pem_of(&k)?, true, false)?;
                (Some(k), Action::Created)
            }
            (None, None) => (None, Action::Created),
        };
        self.row(key_rel, cred, key_action, None, None);
        let pub_path = join(&self.opts.dir, &pub_rel);
        let want = match &key {
            Some(k) => Some(crate::pem::encode("PUBLIC KEY", &k.public_key_der()?).into_bytes()),
            None => None,
        };
        let existing = read_if_exists(&pub_path)?;
        let action = match (existing, want) {
            (Some(have), Some(want)) if *have == want => Action::Kept,
            (Some(_), Some(want)) if self.opts.force => {
                self.write(&pub_rel, want, false, true)?;
                Action::Reissued
            }
            (Some(_), Some(_)) => {
                let note = Some(format!("{pub_rel} is not the public half of {prefix}.key"));
                self.row(pub_rel, cred, Action::Mismatch, None, note);
                return Ok(());
            }
            (Some(_), None) => Action::Kept,
            (None, Some(want)) => {
                self.write(&pub_rel, want, false, false)?;
                Action::Created
            }
            (None, None) => Action::Created,
        };
        self.row(pub_rel, cred, action, None, None);
        Ok(())
    }

    fn leaf(
        &mut self,
        cred: &Credential,
        leaf: &CertCredential,
        found: Found,
        new_key: Option<PrivateKey>,
    ) -> Result<()> {
        let ca_name = leaf.ca.clone();
        let main_rel = match &leaf.output {
            Output::File(p) | Output::Both { file: p, .. } => format!("{p}.crt"),
            Output::Kubeconfig(k) => k.clone(),
        };
        let Some(issuer) = self.issuers.get(&ca_name) else {
            let note = format!("its CA {ca_name:?} is not usable (see above)");
            self.row(
                main_rel,
                cred,
                Action::Error,
                found.cert.as_deref(),
                Some(note),
            );
            return Ok(());
        };
        // Decide the key and whether a new certificate is needed.
        let (key, key_action, cert_action, mut cert, note) = match (found.key, found.cert) {
            (Some(key), Some(cert)) => match misfit(leaf, &key, &cert, issuer, self.now) {
                None => (Some(key), Action::Kept, Action::Kept, Some(cert), None),
                Some(why) if self.opts.force => {
                    (Some(key), Action::Kept, Action::Reissued, None, Some(why))
                }
                Some(why) => (
                    Some(key),
                    Action::Kept,
                    Action::Mismatch,
                    Some(cert),
                    Some(why),
                ),
            },
            (Some(key), None) => (Some(key), Action::Kept, Action::Issued, None, None),
            (None, Some(cert)) if !self.opts.force => {
                let why = "certificate without its key: it needs a new key".to_string();
                (None, Action::Error, Action::Mismatch, Some(cert), Some(why))
            }
            (None, _) => (new_key, Action::Created, Action::Created, None, None),
        };
        if cert.is_none()
            && !self.opts.dry_run
            && let Some(k) = &key
        {
            cert = Some(issuer.sign(&leaf.spec, &k.public_key_der()?)?.der);
        }
        // Files, when the plan has them, carry the note; the kubeconfig row then has its own.
        let note = if leaf.output.file().is_some() {
            self.leaf_files(
                cred,
                key.as_ref(),
                cert.as_deref(),
                key_action,
                cert_action,
                note,
            )?;
            None
        } else {
            note
        };
        let Some(kc) = leaf.output.kubeconfig() else {
            return Ok(());
        };
        if leaf.output.file().is_none() && cert_action.is_problem() {
            self.row(kc.to_string(), cred, cert_action, cert.as_deref(), note);
        } else {
            let (action, why) =
                self.kubeconfig(cred, leaf, kc, key.as_ref(), cert.as_deref(), cert_action)?;
            self.row(kc.to_string(), cred, action, cert.as_deref(), why.or(note));
        }
        Ok(())
    }

    /// Write and report PREFIX.key and PREFIX.crt of a leaf.
    fn leaf_files(
        &mut self,
        cred: &Credential,
        key: Option<&PrivateKey>,
        cert: Option<&[u8]>,
        key_action: Action,
        cert_action: Action,
        note: Option<String>,
    ) -> Result<()> {
        let prefix = cred.file().unwrap_or(&cred.name);
        let (key_rel, crt_rel) = (format!("{prefix}.key"), format!("{prefix}.crt"));
        if key_action == Action::Created
            && let Some(k) = key
        {
            self.write(&key_rel, pem_of(k)?, true, false)?;
        }
        if key_action != Action::Error {
            self.row(key_rel, cred, key_action, None, None);
        }
        if matches!(
            cert_action,
            Action::Created | Action::Issued | Action::Reissued
        ) && let Some(c) = cert
        {
            let pem = crate::pem::encode("CERTIFICATE", c).into_bytes();
            self.write(&crt_rel, pem, false, cert_action == Action::Reissued)?;
        }
        self.row(crt_rel, cred, cert_action, cert, note);
        Ok(())
    }

    /// Bring the kubeconfig a leaf is embedded in up to date. Files (PREFIX.crt/.key), when
    /// the plan has them, are the source of truth and the kubeconfig is derived from them;
    /// otherwise the kubeconfig itself holds the credential.
    fn kubeconfig(
        &self,
        cred: &Credential,
        leaf: &CertCredential,
        kc: &str,
        key: Option<&PrivateKey>,
        cert: Option<&[u8]>,
        cert_action: Action,
    ) -> Result<(Action, Option<String>)> {
        if cert_action.is_problem() {
            return Ok((
                Action::Error,
                Some("not written: its certificate is not usable".into()),
            ));
        }
        let path = join(&self.opts.dir, kc);
        let existing = read_if_exists(&path)?;
        let fresh = matches!(
            cert_action,
            Action::Created | Action::Issued | Action::Reissued
        );
        let (Some(key), Some(cert)) = (key, cert) else {
            // A dry run has no new key material to compare with.
            let action = if existing.is_some() {
                Action::Reissued
            } else {
                Action::Created
            };
            return Ok((action, None));
        };
        let issuer = self
            .issuers
            .get(&leaf.ca)
            .ok_or_else(|| Error::Usage(format!("{}: no CA", cred.name)))?;
        let ca_pem = crate::pem::encode("CERTIFICATE", issuer.cert_der());
        let cert_pem = crate::pem::encode("CERTIFICATE", cert);
        let key_pem = pem_of(key)?;
        let spec = kubeconfigs::Spec {
            cluster: &self.opts.cluster,
            server: &leaf.server,
            ca_pem: &ca_pem,
            user: &leaf.spec.subject.common_name,
            cert_pem: &cert_pem,
            key_pem: &key_pem,
        };
        let verdict = existing.as_ref().map(|bytes| {
            kubeconfigs::differs(&path, bytes, &spec).unwrap_or_else(|e| Some(e.to_string()))
        });
        let action = match verdict {
            None => Action::Created,
            Some(None) if !fresh => return Ok((Action::Kept, None)),
            Some(_) if fresh || self.opts.force => Action::Reissued,
            Some(None) => Action::Kept,
            Some(Some(why)) => return Ok((Action::Mismatch, Some(why))),
        };
        if !self.opts.dry_run {
            let text = kubeconfigs::render(&spec)?;
            fsio::write_atomic(&path, text.as_bytes(), fsio::SECRET, existing.is_some())?;
        }
        let action = if action == Action::Created && leaf.output.file().is_none() {
            cert_action
        } else {
            action
        };
        Ok((action, None))
    }
}

fn pem_of(key: &PrivateKey) -> Result<Vec<u8>> {
    Ok(key
        .to_pem(key.key_type().default_format())?
        .as_bytes()
        .to_vec())
}

/// Why an existing certificate no longer fits its plan entry, or `None` if it does.
fn misfit(
    leaf: &CertCredential,
    key: &PrivateKey,
    cert: &[u8],
    issuer: &Issuer,
    now: Timestamp,
) -> Option<String> {
    fit::misfit(
        &leaf.spec,
        &leaf.ca,
        key,
        cert,
        issuer.cert_der(),
        now,
        "the plan",
    )
}
