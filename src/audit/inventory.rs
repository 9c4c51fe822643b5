//! Reading a PKI directory into an [`Inventory`]: every certificate (in `.crt`/`.pem`/`.cer`
//! files, embedded in kubeconfigs, or in files a kubeconfig references), every key, and a row
//! for every file that could not be read, is missing, or is readable by others.
//!
//! Nothing is skipped quietly: a file kcred recognises (by name or extension) either yields a
//! certificate or a [`FileRow`] that says what is wrong with it, naming the file. A kubeconfig
//! is read as kubectl reads it (client-go `tools/clientcmd/loader.go`, `ResolveLocalPaths`):
//! a relative `client-certificate`, `client-key`, `certificate-authority` or `tokenFile` is
//! relative to the kubeconfig's directory, so a kubeadm node's `kubelet.conf` (which names
//! `/var/lib/kubelet/pki/kubelet-client-current.pem`, certificate and key in one file) is read
//! through the files it names.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use super::{Found, Inventory, Location, layout};
use crate::error::{Error, Result};
use crate::keys::PrivateKey;
use crate::kubeconfig::{Kubeconfig, NamedUser};
use crate::pki::{self, Certificate};

/// A row about a file rather than a certificate: unreadable, missing, a loose mode, or a file
/// (a key pair, a token kubeconfig) that holds no certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRow {
    /// The row's name, as `kcred check` names certificates; a row of the same name and file
    /// as a certificate's is merged into that certificate's row.
    pub name: String,
    /// The file, relative to the directory.
    pub file: String,
    /// Whether it belongs in the CA table.
    pub is_ca: bool,
    /// Whether the file is missing (kubeadm's `!MISSING!`).
    pub missing: bool,
    /// Whether kcred could not read what is there: `renew` refuses to run.
    pub unreadable: bool,
    /// What is wrong; empty for a file that is fine but holds no certificate.
    pub problems: Vec<String>,
}

/// The largest tree kcred walks.
const MAX_FILES: usize = 10_000;

/// Walk `dir` and read every certificate, key and kubeconfig in it.
pub fn inventory(dir: &Path) -> Result<Inventory> {
    if !dir.is_dir() {
        return Err(Error::input(dir, "is not a directory"));
    }
    let mut files = Vec::new();
    walk(dir, &mut files, 0)?;
    files.sort();
    let mut r = Reader {
        inv: Inventory {
            dir: dir.to_path_buf(),
            layout: layout::detect(dir),
            ..Inventory::default()
        },
        kubeadm: dir.join("pki").is_dir() || layout::is_kubeadm_pki(dir),
        pki_root: layout::is_kubeadm_pki(dir),
    };
    let cert_paths: Vec<PathBuf> = files
        .iter()
        .filter(|p| matches!(ext(p), "crt" | "pem" | "cer"))
        .cloned()
        .collect();
    for path in &files {
        match ext(path) {
            "crt" | "pem" | "cer" => r.cert_file(path),
            "key" => {
                // A key next to a certificate is read with it; a bare key (sa.key) on its own.
                let has_cert = ["crt", "pem", "cer"]
                    .iter()
                    .any(|e| cert_paths.contains(&path.with_extension(e)));
                if !has_cert {
                    r.bare_key(path);
                }
            }
            "pub" if !path.with_extension("key").exists() => r.bare_pub(path),
            _ if is_kubeconfig(path) => r.kubeconfig(path),
            _ => {}
        }
    }
    if let Some(layout) = r.inv.layout {
        let missing = layout::missing(dir, layout);
        r.inv.rows.extend(missing);
    }
    // An empty table would read as "0 problems": a mistyped or wrong directory is the
    // user's error, said, not a clean bill of health.
    if r.inv.certs.is_empty() && r.inv.rows.is_empty() {
        return Err(Error::input(
            dir,
            "holds no certificate, key or kubeconfig (.crt, .pem, .cer, .key, .pub, .conf, .kubeconfig): not a PKI directory; give kubeadm's /etc/kubernetes (or its pki/), a hard-way or a kcred directory",
        ));
    }
    Ok(r.inv)
}

fn ext(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

/// Kubeconfigs by name: `*.kubeconfig`, a file named `kubeconfig` (Kubernetes The Hard Way's
/// `/var/lib/kubelet/kubeconfig`), and the `*.conf` files kubeadm writes. Another `*.conf` is a
/// kubeconfig only if it says so (`kind: Config`, or clusters/users/contexts): an OpenSSL
/// `ca.conf` next to the certificates is not one.
fn is_kubeconfig(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if ext(path) == "kubeconfig"
        || name == "kubeconfig"
        || layout::KUBEADM_KUBECONFIGS.contains(&name)
    {
        return true;
    }
    if ext(path) != "conf" {
        return false;
    }
    let Ok(bytes) = crate::fsio::read::read(path) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return false;
    };
    Kubeconfig::from_yaml("", text).is_ok_and(|kc| {
        !kc.clusters.is_empty()
            || !kc.users.is_empty()
            || !kc.contexts.is_empty()
            || kc.rest.get("kind").and_then(|k| k.as_str()) == Some("Config")
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
    if depth > 8 {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let ft = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue; // temporary files of an interrupted write, hidden files
        }
        if ft.is_dir() {
            walk(&entry.path(), out, depth + 1)?;
        } else if ft.is_file() {
            if out.len() >= MAX_FILES {
                return Err(Error::input(
                    dir,
                    format!("more than {MAX_FILES} files; not a PKI directory?"),
                ));
            }
            out.push(entry.path());
        }
    }
    Ok(())
}

/// A mode looser than 0600 on a file that holds a private key or a token: the CIS Kubernetes
/// Benchmark's file-permission checks as kube-bench runs them (`stat -c %a`, "600 or more
/// restrictive": 1.1.13/1.1.15/1.1.17 for admin.conf, scheduler.conf and
/// controller-manager.conf, 1.1.21 for the PKI keys, 4.1.5 for the kubelet's kubeconfig).
pub(super) fn loose_mode(path: &Path, shown: &str) -> Option<String> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & !0o600 != 0).then(|| {
        format!("{shown} has mode {mode:04o}: it holds a secret, make it 0600 (chmod 600)")
    })
}

/// PEM bytes, with the file they came from (`None`: embedded in the kubeconfig).
type Pem = (zeroize::Zeroizing<Vec<u8>>, Option<PathBuf>);

struct Reader {
    inv: Inventory,
    kubeadm: bool,
    /// The directory is a kubeadm `pki/` itself (`--cert-dir /etc/kubernetes/pki`).
    pki_root: bool,
}

impl Reader {
    fn rel(&self, path: &Path) -> String {
        super::rel(&self.inv.dir, path)
    }

    /// kubeadm names: under `pki/`, the path without extension with `/` as `-`.
    fn stem_name(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.inv.dir).unwrap_or(path);
        let no_ext = rel.with_extension("").display().to_string();
        if self.pki_root {
            // Named as from the parent directory: `etcd/server` is `etcd-server` either way.
            return no_ext.replace('/', "-");
        }
        match no_ext.strip_prefix("pki/") {
            Some(inner) if self.kubeadm => inner.replace('/', "-"),
            _ => no_ext,
        }
    }

    fn problem(&mut self, name: String, file: String, problem: String, unreadable: bool) {
        self.inv.rows.push(FileRow {
            name,
            is_ca: layout::is_ca_file(&file),
            file,
            missing: false,
            unreadable,
            problems: vec![problem],
        });
    }

    fn read(&mut self, path: &Path, name: &str, file: &str) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        match crate::fsio::read::read(path) {
            Ok(b) => Some(b),
            Err(e) => {
                self.problem(name.into(), file.into(), e.to_string(), true);
                None
            }
        }
    }

    fn cert_file(&mut self, path: &Path) {
        let name = self.stem_name(path);
        let file = self.rel(path);
        let Some(bytes) = self.read(path, &name, &file) else {
            return;
        };
        // The components load certificates with tls.X509KeyPair, cert.ParseCertsPEM or etcd's
        // tlsutil: PEM only, and each with its own way of skipping or failing on odd blocks.
        if !crate::pem::looks_like_pem(&bytes) && bytes.first() == Some(&0x30) {
            self.problem(
                name.clone(),
                file.clone(),
                "is DER: kube-apiserver, etcd and the kubelet read certificates as PEM only (tls.X509KeyPair: \"tls: failed to find any PEM data in certificate input\"); convert it with `openssl x509 -inform DER`".into(),
                false,
            );
        } else if ext(path) == "crt"
            && let Some(why) = crate::pem::go_loader_trouble(&bytes)
        {
            self.problem(name.clone(), file.clone(), why, false);
        }
        let mut ders = match pki::read_certificates(path, &bytes) {
            Ok(certs) => certs,
            Err(e) => {
                // A `.pem` holding only a private key is a key, not a broken certificate.
                if ext(path) == "pem"
                    && PrivateKey::from_pem(&path.display().to_string(), &bytes).is_ok()
                {
                    if let Some(p) = loose_mode(path, &file) {
                        self.problem(name, file, p, false);
                    }
                    return;
                }
                self.problem(name, file, e.to_string(), true);
                return;
            }
        };
        let der = ders.remove(0);
        let facts = match Certificate::from_der(&der) {
            Ok(f) => f,
            Err(p) => return self.problem(name, file, format!("{}: {p}", path.display()), true),
        };
        let key_path = path.with_extension("key");
        let mut key = None;
        let mut key_file = None;
        if ext(path) != "key" && key_path.is_file() {
            let key_rel = self.rel(&key_path);
            key_file = Some(key_path.clone());
            if let Some(kb) = self.read(&key_path, &name, &file) {
                match PrivateKey::from_pem(&key_path.display().to_string(), &kb) {
                    Ok(k) => key = Some(k),
                    // A key kcred's own reader refuses (a label that does not match its
                    // encoding, an RSA size kcred does not make) may still be one the
                    // components load: judge it as tls.X509KeyPair does.
                    Err(e) => {
                        self.go_key_pair(&name, &file, (&file, &kb), &facts.spki_der, e);
                    }
                }
            }
            if let Some(p) = loose_mode(&key_path, &key_rel) {
                self.problem(name.clone(), file.clone(), p, false);
            }
        } else if ext(path) == "pem" {
            // Certificate and key in one file, as the kubelet writes them.
            if let Ok(k) = PrivateKey::from_pem(&path.display().to_string(), &bytes) {
                key = Some(k);
                key_file = Some(path.to_path_buf());
                if let Some(p) = loose_mode(path, &file) {
                    self.problem(name.clone(), file.clone(), p, false);
                }
            }
        }
        if facts.is_ca && !ders.is_empty() {
            return self.ca_bundle(path, name, (der, facts), ders, key, key_file);
        }
        self.inv.certs.push(Found {
            name,
            location: Location::File {
                cert: path.to_path_buf(),
                key: key_file,
            },
            der,
            facts,
            key,
            kubeconfig_ca: None,
            go_key_only: false,
        });
    }

    /// A CA file holding several certificates: a trust bundle, as `--client-ca-file`,
    /// etcd's `--trusted-ca-file` and a kubeconfig's `certificate-authority-data` are during
    /// a CA rotation (old and new CA; client-go `cert.ParseCertsPEM` and Go's
    /// `x509.CertPool.AppendCertsFromPEM` take every certificate of the file). Each is an
    /// anchor of its own: the first keeps the file's name, the others are `NAME#2`, `NAME#3`;
    /// the key beside the file belongs to the one it matches (a bundle's key is the signing
    /// CA's), so none is reported as not matching its key.
    fn ca_bundle(
        &mut self,
        path: &Path,
        name: String,
        first: (Vec<u8>, Certificate),
        rest: Vec<Vec<u8>>,
        key: Option<PrivateKey>,
        key_file: Option<PathBuf>,
    ) {
        let file = self.rel(path);
        let mut all = vec![first];
        for (i, der) in rest.into_iter().enumerate() {
            match Certificate::from_der(&der) {
                Ok(f) => all.push((der, f)),
                Err(p) => {
                    let why = format!("{}: certificate {}: {p}", path.display(), i + 2);
                    self.problem(name.clone(), file.clone(), why, true);
                }
            }
        }
        let owner = key.as_ref().and_then(|k| {
            all.iter()
                .position(|(_, f)| k.matches_public_key(&f.spki_der).unwrap_or(false))
        });
        if let (Some(i), Some(key_path)) = (owner.filter(|&i| i > 0), &key_file) {
            // tls.X509KeyPair pairs the key with the file's first certificate: the serving
            // certificate, an etcd certificate, kube-controller-manager's signer
            // (--cluster-signing-cert-file) all fail to load.
            self.problem(
                name.clone(),
                file.clone(),
                format!(
                    "{} matches certificate {} of the file, but tls.X509KeyPair pairs a key with the first certificate (\"tls: private key does not match public key\"): put that certificate first",
                    self.rel(key_path),
                    i + 1
                ),
                false,
            );
        }
        let mut key = key;
        for (i, (der, facts)) in all.into_iter().enumerate() {
            let mine = owner == Some(i) || (owner.is_none() && i == 0);
            self.inv.certs.push(Found {
                name: if i == 0 {
                    name.clone()
                } else {
                    format!("{name}#{}", i + 1)
                },
                location: Location::File {
                    cert: path.to_path_buf(),
                    key: if mine { key_file.clone() } else { None },
                },
                der,
                facts,
                key: if mine { key.take() } else { None },
                kubeconfig_ca: None,
                go_key_only: false,
            });
        }
    }

    /// A key with no certificate next to it: a key pair (`sa.key` + `sa.pub`) or a stray key.
    fn bare_key(&mut self, path: &Path) {
        let name = self.stem_name(path);
        let file = self.rel(path);
        let mut problems = Vec::new();
        let mut unreadable = false;
        // The public half, as SubjectPublicKeyInfo DER.
        let key = match crate::fsio::read::read(path).and_then(|b| {
            let shown = path.display().to_string();
            PrivateKey::from_pem(&shown, &b)
                .and_then(|k| k.public_key_der())
                .or_else(|e| go_private_key_spki(&shown, &b).ok_or(e))
        }) {
            Ok(k) => Some(k),
            Err(e) => {
                unreadable = true;
                problems.push(e.to_string());
                None
            }
        };
        problems.extend(loose_mode(path, &file));
        let pub_path = path.with_extension("pub");
        if pub_path.is_file() {
            let shown = self.rel(&pub_path);
            let have = crate::fsio::read::read(&pub_path).and_then(|b| {
                crate::token::keys::parse_verification_keys(&pub_path.display().to_string(), &b)
            });
            match (have, &key) {
                (Err(e), _) => {
                    unreadable = true;
                    problems.push(e.to_string());
                }
                (Ok(keys), Some(ours)) => {
                    if !keys.iter().any(|v| v.spki_der == *ours) {
                        problems.push(format!("{shown} is not the public half of {file}"));
                    }
                }
                (Ok(_), None) => {}
            }
        }
        self.inv.rows.push(FileRow {
            name,
            file,
            is_ca: false,
            missing: false,
            unreadable,
            problems,
        });
    }

    /// A public key with no private key next to it.
    fn bare_pub(&mut self, path: &Path) {
        let name = self.stem_name(path);
        let file = self.rel(path);
        if let Err(e) = crate::fsio::read::read(path).and_then(|b| {
            crate::token::keys::parse_verification_keys(&path.display().to_string(), &b)
        }) {
            self.problem(name, file, e.to_string(), true);
        }
    }

    fn kubeconfig(&mut self, path: &Path) {
        let file = self.rel(path);
        let name = if self.kubeadm {
            file.clone()
        } else {
            self.stem_name(path)
        };
        let kc = match Kubeconfig::load(path) {
            Ok(kc) => kc,
            Err(e) => return self.problem(name, file, e.to_string(), true),
        };
        if kc.users.is_empty() {
            let why = format!(
                "{}: holds no user: an empty file, or not a kubeconfig",
                path.display()
            );
            return self.problem(name, file, why, true);
        }
        let mut secret = false;
        let mut rows = 0;
        for (i, user) in kc.users.iter().enumerate() {
            let row_name = if i == 0 {
                name.clone()
            } else {
                format!("{name}/{}", user.name)
            };
            let u = &user.user;
            secret |= u.client_key_data.is_some() || !u.token.is_empty();
            if self.kubeconfig_user(path, &kc, user, row_name, &file) {
                rows += 1;
            }
        }
        if secret && let Some(why) = loose_mode(path, &file) {
            self.problem(name.clone(), file.clone(), why, false);
        }
        if rows == 0 && !self.inv.rows.iter().any(|r| r.file == file) {
            // A kubeconfig without a client certificate (a token, an exec plugin) is still a
            // row, so that every kubeconfig found is seen.
            self.inv.rows.push(FileRow {
                name,
                file,
                is_ca: false,
                missing: false,
                unreadable: false,
                problems: vec![],
            });
        }
    }

    /// One user of the kubeconfig at `path`: the problems of its files (certificate, key,
    /// token file) as rows named `row_name`, and its certificate as a found credential.
    /// Whether it had a certificate to list.
    fn kubeconfig_user(
        &mut self,
        path: &Path,
        kc: &Kubeconfig,
        user: &NamedUser,
        row_name: String,
        file: &str,
    ) -> bool {
        let u = &user.user;
        let cert = match self.user_file(user, &row_name, file, "client-certificate") {
            Ok(c) => c,
            Err(()) => return false,
        };
        let key = match self.user_file(user, &row_name, file, "client-key") {
            Ok(k) => k,
            Err(()) => return false,
        };
        if !u.token_file.is_empty() {
            let p = user.resolve(&u.token_file);
            if !p.is_file() {
                let why = format!("references tokenFile {}, which is missing", p.display());
                self.problem(row_name.clone(), file.to_string(), why, true);
            }
        }
        let Some((cert_pem, cert_path)) = cert else {
            return false;
        };
        let Some((der, facts)) = self.user_cert(path, user, &row_name, file, &cert_pem, &cert_path)
        else {
            return false;
        };
        let key = key.and_then(|(pem, key_path)| {
            self.user_key(
                path,
                user,
                &row_name,
                file,
                (&pem, &key_path),
                &facts.spki_der,
            )
        });
        let (key, go_key_only) = match key {
            Some(UserKey::Read(k)) => (Some(k), false),
            Some(UserKey::GoOnly) => (None, true),
            None => (None, false),
        };
        let ca = self.cluster_ca(kc, user, &row_name, file);
        let location = match cert_path {
            None => Location::Kubeconfig {
                path: path.to_path_buf(),
                user: user.name.clone(),
            },
            Some(cert) => Location::Referenced {
                kubeconfig: path.to_path_buf(),
                user: user.name.clone(),
                cert,
            },
        };
        self.inv.certs.push(Found {
            name: row_name,
            location,
            der,
            facts,
            key,
            kubeconfig_ca: ca,
            go_key_only,
        });
        true
    }

    /// A kubeconfig user's certificate, decoded; a problem row when it cannot be.
    fn user_cert(
        &mut self,
        path: &Path,
        user: &NamedUser,
        row_name: &str,
        file: &str,
        cert_pem: &[u8],
        cert_path: &Option<PathBuf>,
    ) -> Option<(Vec<u8>, Certificate)> {
        let source = match cert_path {
            Some(p) => p.display().to_string(),
            None => format!("{} (user {:?})", path.display(), user.name),
        };
        let der = match pki::read_certificates(Path::new(&source), cert_pem) {
            Ok(mut c) => c.remove(0),
            Err(e) => {
                self.problem(row_name.into(), file.into(), e.to_string(), true);
                return None;
            }
        };
        match Certificate::from_der(&der) {
            Ok(f) => Some((der, f)),
            Err(p) => {
                self.problem(row_name.into(), file.into(), format!("{source}: {p}"), true);
                None
            }
        }
    }

    /// A kubeconfig user's private key, read; a problem row when it cannot be, and one
    /// when the file it names is readable by others.
    fn user_key(
        &mut self,
        path: &Path,
        user: &NamedUser,
        row_name: &str,
        file: &str,
        (pem, key_path): (&[u8], &Option<PathBuf>),
        cert_spki: &[u8],
    ) -> Option<UserKey> {
        let ksource = match key_path {
            Some(p) => p.display().to_string(),
            None => format!("{} (user {:?} client-key-data)", path.display(), user.name),
        };
        if let Some(p) = key_path
            && let Some(why) = loose_mode(p, &p.display().to_string())
        {
            self.problem(row_name.into(), file.into(), why, false);
        }
        match PrivateKey::from_pem(&ksource, pem) {
            Ok(k) => Some(UserKey::Read(k)),
            // As a key beside a certificate file: client-go loads the pair with
            // tls.X509KeyPair, so a key kcred cannot read may still be one kubectl sends.
            Err(e) => self
                .go_key_pair(row_name, file, (&ksource, pem), cert_spki, e)
                .then_some(UserKey::GoOnly),
        }
    }

    /// A key kcred's own reader refused (`refused`), judged as `tls.X509KeyPair` judges it
    /// beside the certificate whose key is `cert_spki`: true when Go loads the pair; otherwise
    /// a problem row (the pair's mismatch in Go's words, or kcred's reason when Go cannot
    /// read the key either).
    fn go_key_pair(
        &mut self,
        row_name: &str,
        file: &str,
        (source, pem): (&str, &[u8]),
        cert_spki: &[u8],
        refused: Error,
    ) -> bool {
        use crate::token::keys::{KeyPairRefusal, go_x509_key_pair};
        let go = crate::pem::parse_all(source, pem)
            .map_err(|_| KeyPairRefusal::NoKey(""))
            .and_then(|blocks| go_x509_key_pair(cert_spki, &blocks));
        match go {
            Ok(()) => return true,
            Err(KeyPairRefusal::NotThePair(why)) => self.problem(
                row_name.into(),
                file.into(),
                format!("private key does not match the certificate ({why})"),
                false,
            ),
            Err(KeyPairRefusal::NoKey(_)) => {
                self.problem(row_name.into(), file.into(), refused.to_string(), true)
            }
        }
        false
    }

    /// The PEM of a user's `client-certificate` or `client-key`: embedded (`-data`) or the file
    /// it names, with that file's path. `Err` after recording a row when the file cannot be read.
    fn user_file(
        &mut self,
        user: &NamedUser,
        row: &str,
        file: &str,
        field: &str,
    ) -> std::result::Result<Option<Pem>, ()> {
        let u = &user.user;
        let (data, named) = match field {
            "client-certificate" => (u.client_certificate_data.as_ref(), &u.client_certificate),
            _ => (u.client_key_data.as_ref(), &u.client_key),
        };
        if let Some(d) = data {
            return Ok(Some((zeroize::Zeroizing::new(d.clone()), None)));
        }
        if named.is_empty() {
            return Ok(None);
        }
        let p = user.resolve(named);
        if !p.exists() {
            let why = format!("references {field} {}, which is missing", p.display());
            self.problem(row.into(), file.into(), why, true);
            return Err(());
        }
        match crate::fsio::read::read(&p) {
            Ok(b) => Ok(Some((b, Some(p)))),
            Err(e) => {
                self.problem(row.into(), file.into(), e.to_string(), true);
                Err(())
            }
        }
    }

    /// The CA data (PEM) of the cluster the user is used with: embedded or the file named.
    fn cluster_ca(
        &mut self,
        kc: &Kubeconfig,
        user: &NamedUser,
        row: &str,
        file: &str,
    ) -> Option<Vec<u8>> {
        let cluster = kc
            .contexts
            .iter()
            .find(|c| c.context.user == user.name)
            .and_then(|c| kc.cluster(&c.context.cluster))?;
        if let Some(d) = &cluster.cluster.certificate_authority_data {
            return Some(d.clone());
        }
        let named = &cluster.cluster.certificate_authority;
        if named.is_empty() {
            return None;
        }
        let p = cluster.resolve(named);
        if !p.exists() {
            let why = format!(
                "references certificate-authority {}, which is missing",
                p.display()
            );
            self.problem(row.into(), file.into(), why, true);
            return None;
        }
        match crate::fsio::read::read(&p) {
            Ok(b) => Some(b.to_vec()),
            Err(e) => {
                self.problem(row.into(), file.into(), e.to_string(), true);
                None
            }
        }
    }
}

/// The public key (SubjectPublicKeyInfo DER) of a private key kcred's own reader refuses but
/// the components read (an RSA-1024 ServiceAccount key, say): kube-controller-manager's
/// `--service-account-private-key-file` and kube-apiserver's `--service-account-signing-key-file`
/// take the first `RSA PRIVATE KEY`, `EC PRIVATE KEY` or `PRIVATE KEY` block that Go parses
/// (`k8s.io/client-go/util/keyutil` `ParsePrivateKeyPEM`), read here as keyutil's
/// `ParsePublicKeysPEM` reads a private key block ([`crate::token::keys::parse_verification_keys`]).
fn go_private_key_spki(source: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    crate::pem::parse_all(source, bytes)
        .ok()?
        .iter()
        .filter(|b| {
            matches!(
                b.tag(),
                "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "PRIVATE KEY"
            )
        })
        .find_map(|b| {
            let one = pem::encode(b);
            let keys = crate::token::keys::parse_verification_keys(source, one.as_bytes());
            keys.ok()?.into_iter().next().map(|k| k.spki_der)
        })
}

/// A kubeconfig user's private key as read for the audit.
enum UserKey {
    /// kcred reads it.
    Read(PrivateKey),
    /// Only Go reads it, and it is the certificate's ([`Found::go_key_only`]).
    GoOnly,
}
