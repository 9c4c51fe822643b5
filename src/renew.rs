//! `kcred renew`: re-sign leaf certificates with their existing keys, by the same CA,
//! keeping subject, SANs and usage (what `kubeadm certs renew` does,
//! `cmd/kubeadm/app/phases/certs/renewal/manager.go`), and rewrite every copy: the `.crt` file
//! and each kubeconfig that embeds the same certificate. CAs are never renewed here: a new CA
//! certificate would not be trusted by what trusts the old one.
//!
//! A CA whose key stays in a PKCS#11 token (kubeadm's external-CA layout, which
//! `bootstrap --ca-key-uri` leaves: `cmd/kubeadm/app/phases/certs/certs.go`
//! `UsingExternalCA`, ca.crt present and ca.key absent) signs through the token when its URI
//! is given ([`Options::ca_key_uris`]); without it, kcred says it cannot sign rather than
//! renew around it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::audit::{Found, Inventory, Location, rel};
use crate::error::{Error, Result};
use crate::fsio;
use crate::keys::PrivateKey;
use crate::kubeconfig::Kubeconfig;
use crate::pki::{CertSpec, Eku, Issuer, Usage};

/// One renewed certificate.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Renewed {
    /// kubeadm-style name.
    pub name: String,
    /// Every file rewritten, relative to the directory.
    pub files: Vec<String>,
    /// The new NotAfter.
    pub expires: Timestamp,
}

/// What `renew` did, and what it left alone with the reason.
#[derive(Clone, Debug, Default)]
pub struct RenewOutcome {
    /// Renewed certificates.
    pub renewed: Vec<Renewed>,
    /// `(name, why)` of leaves `--all` did not renew.
    pub skipped: Vec<(String, String)>,
}

/// Renew the leaves named in `names` (every leaf when `None`) for `validity`.
///
/// Every input is read and checked before anything is written: a file in the directory that
/// cannot be read (empty, corrupt, a kubeconfig naming files that are missing) stops the run
/// with an error naming it, as does, for `--all`, a file the layout names that is missing.
/// kcred would otherwise renew around it and say "done" with a credential left unrenewed.
pub fn renew(
    inv: &Inventory,
    names: Option<&[String]>,
    validity: SignedDuration,
) -> Result<RenewOutcome> {
    renew_with(
        inv,
        names,
        &Options {
            validity,
            ..Options::default()
        },
    )
}

/// How to renew.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The new lifetime (never beyond the CA's).
    pub validity: SignedDuration,
    /// Renew only certificates that expire within this span of now (`None`: every one
    /// selected); the others are reported as skipped.
    pub expiring_within: Option<SignedDuration>,
    /// Sign and prepare everything, write nothing: the outcome is the plan.
    pub dry_run: bool,
    /// CA name (as `check` shows it) → PKCS#11 URI of its key, for CAs whose key is not in
    /// the directory. Each key is opened, and its public key compared with the CA
    /// certificate's, before anything is signed.
    pub ca_key_uris: BTreeMap<String, String>,
}

/// What the error for a leaf whose CA has no key in the directory (and no token key given)
/// says, after the CA's name: callers may recognise it to add a hint.
pub const EXTERNALLY_MANAGED: &str = "key is not in the directory (externally managed)";

/// [`renew`] with every option.
pub fn renew_with(
    inv: &Inventory,
    names: Option<&[String]>,
    opts: &Options,
) -> Result<RenewOutcome> {
    refuse_unreadable(inv, names)?;
    let mut skipped = Vec::new();
    let mut selected = select(inv, names, &mut skipped)?;
    if let Some(window) = opts.expiring_within {
        keep_due(&mut selected, window, Timestamp::now(), &mut skipped);
    }
    // The plan's order (kubeadm's certlist.go order for a kubeadm directory), then by name:
    // the same on every run, whatever the certificates' bytes.
    let order = plan_order(inv);
    selected.sort_by_cached_key(|c| (order(c), c.name.clone()));

    let token_keys = token_ca_keys(inv, &opts.ca_key_uris)?;
    let signed = sign_all(inv, &selected, opts.validity, &token_keys)?;
    write_signed(inv, &signed, opts.dry_run, skipped)
}

/// Write every copy of every signed certificate (each prepared before the first write).
fn write_signed(
    inv: &Inventory,
    signed: &Signed,
    dry_run: bool,
    skipped: Vec<(String, String)>,
) -> Result<RenewOutcome> {
    let writes = prepare_writes(inv, signed)?;
    let paths: Vec<&std::path::Path> = writes.iter().map(|w| w.path.as_path()).collect();
    fsio::check_writable(&paths, true)?;
    if !dry_run {
        for w in &writes {
            fsio::write_atomic(&w.path, &w.contents, w.mode, true)?;
        }
    }
    Ok(RenewOutcome {
        renewed: report(inv, signed, &writes),
        skipped,
    })
}

/// A CA rotation's re-signing (`rotate-ca --resign`): the leaves of one CA are signed by
/// another, the CA pair given here.
#[derive(Debug)]
pub struct Resign {
    /// The CA whose leaves are re-signed (DER).
    pub from: Vec<u8>,
    /// The CA that signs them (DER).
    pub ca: Vec<u8>,
    /// Where [`Resign::ca`] was read from, for errors.
    pub ca_path: PathBuf,
    /// Its key.
    pub key: PrivateKey,
    /// Where [`Resign::key`] was read from, for errors.
    pub key_path: PathBuf,
}

/// Re-sign, by `r.ca`, every leaf in `inv` that `r.from` signed, each with its existing key,
/// subject, SANs and usage and its own validity length, and render every copy (as
/// [`renew_with`] does): the files to write, in order, nothing written yet. Every copy is selected wherever it is (a kubeconfig's embedded
/// certificate, a file a kubeconfig names): once the rotation finishes the old CA is
/// trusted nowhere, so none may be left behind. Leaves already signed by `r.ca` are not
/// selected, so a re-run after a kill converges and then changes nothing.
pub fn resign(inv: &Inventory, r: &Resign) -> Result<Vec<fsio::Output>> {
    refuse_unreadable(inv, None)?;
    let mut selected: Vec<&Found> = inv
        .certs
        .iter()
        .filter(|c| !c.facts.is_ca && crate::pki::signed_by(&c.der, &r.from))
        .collect();
    let order = plan_order(inv);
    selected.sort_by_cached_key(|c| (order(c), c.name.clone()));
    let issuer = Issuer::new(&r.ca_path, r.ca.clone(), r.key.try_clone()?, &r.key_path)?;
    let signed = sign_each(&selected, "cannot re-sign it with its own key", |c, key| {
        // Its own lifetime: NotAfter − NotBefore, less the backdating kubeadm and kcred put
        // in NotBefore (`pkiutil.CertificateBackdate`), which signing adds again; never
        // beyond the new CA (`Issuer::sign` clamps).
        let length = c.facts.not_after.duration_since(c.facts.not_before);
        let validity = if length > crate::pki::BACKDATE * 2 {
            length - crate::pki::BACKDATE
        } else {
            length
        };
        reissue(&issuer, c, key, validity)
    })?;
    Ok(prepare_writes(inv, &signed)?
        .into_iter()
        .map(|w| fsio::Output {
            path: w.path,
            contents: w.contents.into(),
            mode: w.mode,
        })
        .collect())
}

/// Every input is read and checked before anything is written: an unreadable file (and,
/// for `--all`, a missing one the layout names) stops the run, naming it.
fn refuse_unreadable(inv: &Inventory, names: Option<&[String]>) -> Result<()> {
    for row in &inv.rows {
        if row.unreadable || (names.is_none() && row.missing) {
            let why = row.problems.first().cloned().unwrap_or_default();
            let path = inv.dir.join(&row.file);
            let full = path.display().to_string();
            let why = [
                format!("{full}: "),
                format!("{}: ", row.file),
                format!("{} ", row.file),
            ]
            .iter()
            .find_map(|p| why.strip_prefix(p.as_str()))
            .unwrap_or(&why)
            .to_string();
            return Err(Error::input(path, format!("{why}; nothing was renewed")));
        }
    }
    Ok(())
}

/// The leaves `names` asks for (every leaf when `None`, but for the kubelet's own).
fn select<'a>(
    inv: &'a Inventory,
    names: Option<&[String]>,
    skipped: &mut Vec<(String, String)>,
) -> Result<Vec<&'a Found>> {
    let leaves: Vec<&Found> = inv.certs.iter().filter(|c| !c.facts.is_ca).collect();
    let Some(names) = names else {
        // kubeadm's `certs renew all` leaves kubelet.conf to the kubelet, which rotates the
        // client certificate the file names (kubeadm's "Certificate Management" docs; only
        // an embedded kubelet.conf is kubeadm's to renew).
        return Ok(leaves
            .into_iter()
            .filter(|c| match &c.location {
                Location::Referenced { cert, .. } => {
                    skipped.push((
                        c.name.clone(),
                        format!(
                            "its certificate is the file {}, which the kubelet rotates; name {} to renew it anyway",
                            cert.display(),
                            c.name
                        ),
                    ));
                    false
                }
                _ => true,
            })
            .collect());
    };
    let mut out = Vec::new();
    for n in names {
        match inv.certs.iter().find(|c| &c.name == n) {
            Some(c) if c.facts.is_ca => {
                return Err(Error::Usage(format!(
                    "{n} is a CA: kcred renew does not renew CAs (make a new CA and re-issue its leaves)"
                )));
            }
            Some(c) => out.push(c),
            None => {
                let known: Vec<&str> = leaves.iter().map(|c| c.name.as_str()).collect();
                return Err(Error::Usage(format!(
                    "no certificate named {n:?} in {} (known: {})",
                    inv.dir.display(),
                    known.join(", ")
                )));
            }
        }
    }
    Ok(out)
}

/// Keep the certificates that expire within `window` of `now`; the others are skipped.
fn keep_due(
    selected: &mut Vec<&Found>,
    window: SignedDuration,
    now: Timestamp,
    skipped: &mut Vec<(String, String)>,
) {
    selected.retain(|c| {
        let due = c.facts.not_after.duration_since(now) <= window;
        if !due {
            skipped.push((
                c.name.clone(),
                format!(
                    "expires {}, not within {}",
                    c.facts.not_after.strftime("%Y-%m-%d"),
                    crate::audit::exact_duration(window)
                ),
            ));
        }
        due
    });
}

/// The new certificates, by the DER of the one each replaces, in signing order. Copies of
/// one certificate (admin.crt and admin.kubeconfig) get the same new certificate.
struct Signed {
    order: Vec<Vec<u8>>,
    /// Old DER → (name, new DER).
    new: BTreeMap<Vec<u8>, (String, Vec<u8>)>,
}

/// Sign each selected certificate once (copies share a DER), in order, with its own key:
/// `sign` gets the certificate and its key and returns the new DER. `no_key` ends the
/// message for a certificate without a key beside it.
fn sign_each(
    selected: &[&Found],
    no_key: &str,
    mut sign: impl FnMut(&Found, &PrivateKey) -> Result<Vec<u8>>,
) -> Result<Signed> {
    let mut signed = Signed {
        order: Vec::new(),
        new: BTreeMap::new(),
    };
    for c in selected {
        if signed.new.contains_key(&c.der) {
            continue;
        }
        signed.order.push(c.der.clone());
        let key = c.key.as_ref().ok_or_else(|| match &c.location {
            // A key Go loads but kcred's reader does not (another label, another size):
            // said as such, not as a missing key.
            Location::File { key: Some(k), .. } => Error::input(
                k,
                "kcred cannot read this private key to re-sign its certificate (the components can: its PEM label or RSA size is one kcred does not read); convert it (`openssl pkey -in KEY -out KEY.new`, then move it into place) and run again",
            ),
            _ if c.go_key_only => Error::input(
                location_path(c),
                "kcred cannot read this kubeconfig's private key to re-sign its certificate (kubectl can: its PEM label or RSA size is one kcred does not read); convert it with `openssl pkey` and run again",
            ),
            _ => Error::input(
                location_path(c),
                format!("no private key next to the certificate: {no_key}"),
            ),
        })?;
        let new = sign(c, key)?;
        signed.new.insert(c.der.clone(), (c.name.clone(), new));
    }
    Ok(signed)
}

/// A CA key held in a token: the key and the URI (without its PIN) that names it in errors.
type TokenKeys = BTreeMap<Vec<u8>, (PrivateKey, String)>;

/// Open the token key of each CA in `uris`, by the CA certificate's DER. A name that is no CA
/// in the directory, a CA whose key file is there too, or a token key whose public key is
/// not the CA certificate's stops the run before anything is signed.
fn token_ca_keys(inv: &Inventory, uris: &BTreeMap<String, String>) -> Result<TokenKeys> {
    let mut out = TokenKeys::new();
    for (name, text) in uris {
        let cas: Vec<&Found> = inv
            .certs
            .iter()
            .filter(|c| c.facts.is_ca && &c.name == name)
            .collect();
        if cas.is_empty() {
            let known: Vec<&str> = inv
                .certs
                .iter()
                .filter(|c| c.facts.is_ca)
                .map(|c| c.name.as_str())
                .collect();
            return Err(Error::Usage(format!(
                "a token key is given for CA {name:?}, but {} has no such CA (its CAs: {})",
                inv.dir.display(),
                known.join(", ")
            )));
        }
        for ca in cas {
            if ca.key.is_some() {
                return Err(Error::input(
                    location_path(ca),
                    format!(
                        "CA {name:?} has its key file in the directory, and a token key is given for it too: give only one"
                    ),
                ));
            }
            let (key, uri) = open_token_key(name, text)?;
            // The token may hold another CA's key under that label: signing with it would
            // make certificates that no longer chain to this CA (Issuer::new checks again).
            if !key.matches_public_key(&ca.facts.spki_der)? {
                return Err(Error::Input {
                    path: uri,
                    problem: format!(
                        "this token key does not belong to CA {name:?} ({}): nothing was renewed",
                        location_path(ca).display()
                    ),
                });
            }
            out.insert(ca.der.clone(), (key, uri));
        }
    }
    Ok(out)
}

/// The token key `text` names, and its URI without the PIN.
#[cfg(feature = "pkcs11")]
fn open_token_key(name: &str, text: &str) -> Result<(PrivateKey, String)> {
    use crate::pkcs11;
    let uri = pkcs11::parse_arg(&format!("the token key of CA {name}"), text)?;
    let key = pkcs11::open("", &uri)?;
    Ok((PrivateKey::from_token(key), uri.to_string()))
}

#[cfg(not(feature = "pkcs11"))]
fn open_token_key(_name: &str, _text: &str) -> Result<(PrivateKey, String)> {
    Err(Error::Usage(
        "a CA key in a token needs the pkcs11 feature, and this kcred was built without it".into(),
    ))
}

/// Sign everything first; nothing is written unless every renewal could be signed.
fn sign_all(
    inv: &Inventory,
    selected: &[&Found],
    validity: SignedDuration,
    token_keys: &TokenKeys,
) -> Result<Signed> {
    sign_each(selected, "cannot renew it", |c, key| {
        let ca = inv.issuer_of(c).ok_or_else(|| {
            Error::input(
                location_path(c),
                "not signed by any CA in the directory: cannot renew it",
            )
        })?;
        let ca_path = location_path(ca);
        let (ca_key, key_path) = match (&ca.key, token_keys.get(&ca.der)) {
            (Some(k), _) => (k.try_clone()?, ca_path.clone()),
            (None, Some((k, uri))) => (k.try_clone()?, PathBuf::from(uri)),
            // kubeadm's `RenewUsingLocalCA` (renewal/manager.go) returns early for an
            // externally managed CA (`IsExternallyManaged`: the CA certificate without its
            // key); kcred says so as an error, so that `--all` never reports "renewed".
            (None, None) => {
                return Err(Error::input(
                    &ca_path,
                    format!(
                        "CA {:?}'s {EXTERNALLY_MANAGED}: renew with the CA holder",
                        ca.name
                    ),
                ));
            }
        };
        let issuer = Issuer::new(&ca_path, ca.der.clone(), ca_key, &key_path)?;
        reissue(&issuer, c, key, validity)
    })
}

/// `c` signed again by `issuer` for its own `key`, valid for `validity`: the same usage, and
/// the same subject Name and subjectAltName extension byte for byte.
///
/// kubeadm's renewal rebuilds a certificate from its CN, O, DNS and IP SANs and usages
/// (`certToConfig`, cmd/kubeadm/app/phases/certs/renewal/manager.go): what kubeadm
/// itself puts in its certificates. kcred renews certificates it did not make, and since
/// Kubernetes 1.33 the subject carries more of the identity: kube-apiserver's x509
/// authenticator reads the user's UID from the subject attribute 1.3.6.1.4.1.57683.2
/// (AllowParsingUserUIDFromCertAuth, on by default; `parseUIDFromCert`,
/// k8s.io/apiserver/pkg/authentication/request/x509/x509.go), and the last CN in the order
/// written. So the Name is kept as written (every attribute, string type and RDN), and what
/// Go read from the old certificate it reads from the new one.
fn reissue(
    issuer: &Issuer,
    c: &Found,
    key: &PrivateKey,
    validity: SignedDuration,
) -> Result<Vec<u8>> {
    let spec = spec_of(c, validity)?;
    Ok(issuer
        .reissue(&spec, &location_path(c), &c.der, &key.public_key_der()?)?
        .der)
}

/// One file to rewrite, for the renewal `name`.
struct Write {
    path: PathBuf,
    contents: Vec<u8>,
    mode: u32,
    name: String,
}

/// Every copy prepared (its file read and re-rendered) before the first write.
fn prepare_writes(inv: &Inventory, signed: &Signed) -> Result<Vec<Write>> {
    let mut writes: Vec<Write> = Vec::new();
    for old in &signed.order {
        let (name, new) = &signed.new[old];
        for copy in inv.certs.iter().filter(|c| &c.der == old) {
            let (path, contents, mode) = render_copy(copy, new)?;
            if !writes.iter().any(|w| w.path == path) {
                writes.push(Write {
                    path,
                    contents,
                    mode,
                    name: name.clone(),
                });
            }
        }
    }
    Ok(writes)
}

/// What was renewed: each certificate, the files rewritten, its new NotAfter.
fn report(inv: &Inventory, signed: &Signed, writes: &[Write]) -> Vec<Renewed> {
    signed
        .order
        .iter()
        .map(|old| {
            let (name, new) = &signed.new[old];
            let files = writes
                .iter()
                .filter(|w| &w.name == name)
                .map(|w| rel(&inv.dir, &w.path))
                .collect();
            let expires = crate::pki::Certificate::from_der(new)
                .map(|c| c.not_after)
                .unwrap_or(Timestamp::UNIX_EPOCH);
            Renewed {
                name: name.clone(),
                files,
                expires,
            }
        })
        .collect()
}

/// A sort key placing a certificate where its layout's plan lists it (`usize::MAX` when the
/// directory follows no embedded layout, or the plan does not list it).
fn plan_order(inv: &Inventory) -> impl Fn(&Found) -> usize + '_ {
    let plan = inv.layout.and_then(|l| crate::plan::Plan::embedded(l).ok());
    move |c: &Found| {
        let Some(plan) = &plan else {
            return usize::MAX;
        };
        let file = match &c.location {
            Location::File { cert, .. } => rel(&inv.dir, cert),
            Location::Kubeconfig { path, .. } => rel(&inv.dir, path),
            Location::Referenced { kubeconfig, .. } => rel(&inv.dir, kubeconfig),
        };
        let names = |e: &crate::plan::Entry| {
            let mut v: Vec<String> = e.file().iter().map(|f| format!("{f}.crt")).collect();
            v.extend(e.kubeconfig().map(str::to_string));
            v
        };
        // Exact entries first; a per-node pattern (`{node}.kubeconfig`) matches what is left.
        let exact = plan
            .credentials
            .iter()
            .position(|e| !e.per_node() && names(e).iter().any(|n| n == &file));
        exact
            .or_else(|| {
                plan.credentials.iter().position(|e| {
                    e.per_node() && names(e).iter().any(|n| matches_pattern(n, &file))
                })
            })
            .unwrap_or(usize::MAX)
    }
}

/// Whether `file` is `pattern` with its one `{placeholder}` filled by a path segment.
fn matches_pattern(pattern: &str, file: &str) -> bool {
    let (Some(open), Some(close)) = (pattern.find('{'), pattern.find('}')) else {
        return pattern == file;
    };
    let (prefix, suffix) = (&pattern[..open], &pattern[close + 1..]);
    file.len() > prefix.len() + suffix.len()
        && file.starts_with(prefix)
        && file.ends_with(suffix)
        && !file[prefix.len()..file.len() - suffix.len()].contains('/')
}

fn location_path(c: &Found) -> PathBuf {
    match &c.location {
        Location::File { cert, .. } | Location::Referenced { cert, .. } => cert.clone(),
        Location::Kubeconfig { path, .. } => path.clone(),
    }
}

/// The spec that re-creates `c`: same subject, SANs and usage (the subject and SANs are
/// signed as written, [`reissue`]).
fn spec_of(c: &Found, validity: SignedDuration) -> Result<CertSpec> {
    let f = &c.facts;
    let usage = match (f.lists(&Eku::ClientAuth), f.lists(&Eku::ServerAuth)) {
        (true, true) => Usage::Peer,
        (false, true) => Usage::Server,
        _ => Usage::Client,
    };
    if let Some(other) = f.other_sans.first() {
        return Err(Error::input(
            &c.name,
            format!("cannot keep SAN: {other} is not a name kcred issues"),
        ));
    }
    Ok(CertSpec {
        subject: f.subject.clone(),
        usage: Some(usage),
        sans: f.sans.clone(),
        validity,
    })
}

/// The new contents of the file that holds `copy`: `(path, bytes, mode)`.
fn render_copy(copy: &Found, new_der: &[u8]) -> Result<(PathBuf, Vec<u8>, u32)> {
    let pem = crate::pem::encode("CERTIFICATE", new_der);
    match &copy.location {
        Location::File { cert, key } if key.as_ref() != Some(cert) => {
            Ok((cert.clone(), pem.into_bytes(), fsio::PUBLIC))
        }
        // Certificate and key in one file (the kubelet's `kubelet-client-*.pem`): the new
        // certificate, then every other block as it was.
        Location::File { cert, .. } | Location::Referenced { cert, .. } => {
            let bytes = fsio::read(cert)?;
            let source = cert.display().to_string();
            let mut out = pem.into_bytes();
            let mut secret = false;
            for block in crate::pem::parse_all(&source, &bytes)? {
                if block.tag() != "CERTIFICATE" {
                    secret |= block.tag().ends_with("PRIVATE KEY");
                    out.extend_from_slice(
                        crate::pem::encode(block.tag(), block.contents()).as_bytes(),
                    );
                }
            }
            let mode = if secret { fsio::SECRET } else { fsio::PUBLIC };
            Ok((cert.clone(), out, mode))
        }
        Location::Kubeconfig { path, user } => {
            let bytes = fsio::read(path)?;
            let text =
                std::str::from_utf8(&bytes).map_err(|_| Error::input(path, "not UTF-8 text"))?;
            let mut kc = Kubeconfig::from_yaml(&path.display().to_string(), text)?;
            for u in kc.users.iter_mut().filter(|u| &u.name == user) {
                u.user.client_certificate_data = Some(pem.clone().into_bytes());
            }
            Ok((path.clone(), kc.to_yaml()?.into_bytes(), fsio::SECRET))
        }
    }
}
