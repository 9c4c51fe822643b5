//! Kubernetes CertificateSigningRequest objects (`certificates.k8s.io/v1`) and the rules of
//! the built-in signers, so that kcred can write a request `kubectl apply -f` accepts and sign
//! one the way kube-controller-manager would.
//!
//! Sources (kubernetes/kubernetes):
//! - `staging/src/k8s.io/api/certificates/v1/types.go`: the object and its `KeyUsage` strings;
//!   `spec.request` is the PEM CSR (base64 in YAML/JSON, as any `[]byte`).
//! - `pkg/apis/certificates/helpers.go`: `ParseCSR` (PEM type must be `CERTIFICATE REQUEST`),
//!   `ValidateKubeletServingCSR`, `ValidateKubeletClientCSR` — the error texts below are
//!   theirs.
//! - `pkg/controller/certificates/signer/signer.go`: `validAPIServerClientUsages`, and the
//!   `expirationSeconds` handling (never longer than the signer's TTL).
//! - `pkg/apis/certificates/validation/validation.go`: `expirationSeconds` ≥ 600, usages
//!   required, known and not repeated.
//!
//! A PKCS#10 request without an object has no signer: kcred signs it for the `--usage` asked.

use std::collections::BTreeSet;
use std::path::Path;

use base64::Engine as _;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use super::csr::{CSR_PEM_LABEL, CertificateRequest, csr_pem};
use super::issuer::{Issued, Issuer};
use super::spec::{CertSpec, San, Usage};
use crate::error::{Error, Result};
use crate::identity::{NODE_USER_PREFIX, SYSTEM_NODES};

/// `apiVersion` of the objects kcred reads and writes.
pub const CSR_API_VERSION: &str = "certificates.k8s.io/v1";
/// `kind` of the object.
pub const CSR_KIND: &str = "CertificateSigningRequest";
/// Client certificates for the API server (any identity).
pub const KUBE_APISERVER_CLIENT: &str = "kubernetes.io/kube-apiserver-client";
/// Kubelet client certificates (`system:node:NAME` in `system:nodes`).
pub const KUBE_APISERVER_CLIENT_KUBELET: &str = "kubernetes.io/kube-apiserver-client-kubelet";
/// Kubelet serving certificates.
pub const KUBELET_SERVING: &str = "kubernetes.io/kubelet-serving";
/// The API server refuses shorter `spec.expirationSeconds` (10 minutes).
pub const MIN_EXPIRATION_SECONDS: i64 = 600;

const DIGITAL_SIGNATURE: &str = "digital signature";
const KEY_ENCIPHERMENT: &str = "key encipherment";
const CLIENT_AUTH: &str = "client auth";
const SERVER_AUTH: &str = "server auth";

/// Every `KeyUsage` value the API accepts (`k8s.io/api/certificates/v1/types.go`).
const KNOWN_USAGES: [&str; 23] = [
    "signing",
    DIGITAL_SIGNATURE,
    "content commitment",
    KEY_ENCIPHERMENT,
    "key agreement",
    "data encipherment",
    "cert sign",
    "crl sign",
    "encipher only",
    "decipher only",
    "any",
    SERVER_AUTH,
    CLIENT_AUTH,
    "code signing",
    "email protection",
    "s/mime",
    "ipsec end system",
    "ipsec tunnel",
    "ipsec user",
    "timestamping",
    "ocsp signing",
    "microsoft sgc",
    "netscape sgc",
];

/// A `certificates.k8s.io/v1` CertificateSigningRequest: the fields a client sets. Reading
/// ignores everything else (status, server-set metadata, `spec.username`, …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSigningRequest {
    /// `certificates.k8s.io/v1`.
    pub api_version: String,
    /// `CertificateSigningRequest`.
    pub kind: String,
    /// The object's name.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What is requested.
    pub spec: CsrSpec,
}

/// The part of ObjectMeta kcred writes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    /// `metadata.name`.
    #[serde(default)]
    pub name: String,
    /// `metadata.generateName`: the API server makes a name from it when `name` is empty.
    #[serde(
        default,
        rename = "generateName",
        skip_serializing_if = "String::is_empty"
    )]
    pub generate_name: String,
}

/// `spec`, in the API's field order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CsrSpec {
    /// Standard base64 of the PEM CSR.
    pub request: String,
    /// Which signer should sign it.
    #[serde(default)]
    pub signer_name: String,
    /// Requested lifetime in seconds (≥ 600). An `*int32` in the API: a string, a float or
    /// a number outside int32 is a decoding error there, and here.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "int32"
    )]
    pub expiration_seconds: Option<i64>,
    /// Requested key usages, as the API spells them (`client auth`, …).
    #[serde(default)]
    pub usages: Vec<String>,
}

/// `spec.expirationSeconds` as the API server's decoder reads an `*int32`: null or an
/// integer number within int32; a quoted number is a string, not an int32.
fn int32<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<i64>, D::Error> {
    struct Int32;
    impl<'de> serde::de::Visitor<'de> for Int32 {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an int32")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
            i32::try_from(v)
                .map(|v| Some(i64::from(v)))
                .map_err(|_| E::custom(format!("{v} overflows an int32")))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
            i32::try_from(v)
                .map(|v| Some(i64::from(v)))
                .map_err(|_| E::custom(format!("{v} overflows an int32")))
        }
        fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Int32)
}

impl CertificateSigningRequest {
    /// An object named `name` asking `signer_name` to sign the DER CSR `csr_der`.
    pub fn new(
        name: &str,
        csr_der: &[u8],
        signer_name: &str,
        usages: Vec<String>,
        expiration: Option<SignedDuration>,
    ) -> Result<Self> {
        validate_name(name)?;
        let expiration_seconds = match expiration {
            None => None,
            Some(d) => {
                let s = d.as_secs();
                // spec.expirationSeconds is an int32.
                if !(MIN_EXPIRATION_SECONDS..=i64::from(i32::MAX)).contains(&s) {
                    return Err(Error::Usage(format!(
                        "an expiration of {s}s is outside the API's limits for spec.expirationSeconds (600s to {}s)",
                        i32::MAX
                    )));
                }
                Some(s)
            }
        };
        if !signer_name.contains('/') {
            return Err(Error::Usage(format!(
                "signer name {signer_name:?} must be a qualified name such as example.com/my-signer"
            )));
        }
        Ok(CertificateSigningRequest {
            api_version: CSR_API_VERSION.into(),
            kind: CSR_KIND.into(),
            metadata: ObjectMeta {
                name: name.into(),
                generate_name: String::new(),
            },
            spec: CsrSpec {
                request: base64::engine::general_purpose::STANDARD.encode(csr_pem(csr_der)),
                signer_name: signer_name.into(),
                expiration_seconds,
                usages,
            },
        })
    }

    /// The object as YAML for `kubectl apply -f`.
    pub fn to_yaml(&self) -> Result<String> {
        crate::yaml::to_string(self)
    }
}

/// A CertificateSigningRequest's name, checked as kube-apiserver checks it on create, which
/// is not as a DNS subdomain: `ValidateCertificateRequestName` accepts every name ("We don't
/// care what you call your certificate requests", kubernetes
/// `pkg/apis/certificates/validation/validation.go`), `ValidateObjectMetaAccessor` requires
/// one, and `rest.BeforeCreate` (`staging/src/k8s.io/apiserver/pkg/registry/rest/create.go`)
/// applies the path-segment rule (apimachinery `content.IsPathSegmentName`: not `.` or `..`,
/// no `/` or `%`). kcred adds two limits of its own: the DNS-subdomain length (253) and no
/// control characters (the name is printed on terminals).
fn validate_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 253
        || name == "."
        || name == ".."
        || name.contains(['/', '%'])
        || name.chars().any(char::is_control)
    {
        return Err(Error::Usage(format!(
            "{name:?} is not a valid object name (1-253 characters, not '.' or '..', no '/' or '%')"
        )));
    }
    Ok(())
}

/// The usages a request for `usage` carries, as the kubelet asks for them
/// (`k8s.io/client-go/util/certificate/csr`): `key encipherment` only for RSA keys.
pub fn usages_for(usage: Usage, is_rsa: bool) -> Vec<String> {
    let mut v = vec![DIGITAL_SIGNATURE.to_string()];
    if is_rsa {
        v.push(KEY_ENCIPHERMENT.into());
    }
    if usage.server() {
        v.push(SERVER_AUTH.into());
    }
    if usage.client() {
        v.push(CLIENT_AUTH.into());
    }
    v
}

/// The signer a request for `usage` goes to by default: the kubelet signers for a node
/// identity, else `kube-apiserver-client`. `None` when no built-in signer issues it.
pub fn default_signer(usage: Usage, is_node: bool) -> Option<&'static str> {
    match (usage, is_node) {
        (Usage::Client, true) => Some(KUBE_APISERVER_CLIENT_KUBELET),
        (Usage::Server, true) => Some(KUBELET_SERVING),
        (Usage::Client, false) => Some(KUBE_APISERVER_CLIENT),
        _ => None,
    }
}

/// Check a request against the rules of `signer_name`. The error is one line that says
/// which rule failed. Signers outside `kubernetes.io/` get kcred's own rule: TLS client and
/// server usages only.
pub fn check_signer_rules(
    signer_name: &str,
    request: &CertificateRequest,
    usages: &[String],
) -> std::result::Result<(), String> {
    if signer_name.is_empty() {
        return Err("spec.signerName is required in certificates.k8s.io/v1".into());
    }
    let refused = |why: String| format!("signer {signer_name} refuses the request: {why}");
    let set = usages_set(usages).map_err(refused)?;
    match signer_name {
        KUBELET_SERVING => kubelet_serving(request, &set),
        KUBE_APISERVER_CLIENT_KUBELET => kubelet_client(request, &set),
        KUBE_APISERVER_CLIENT => apiserver_client(&set),
        LEGACY_UNKNOWN => Err("it cannot be requested through certificates.k8s.io/v1".into()),
        // An unknown signer of the kubernetes.io domain or a subdomain of it
        // (`IsKubernetesSignerName`) is no refusal by a signer: nothing would ever sign it.
        other if is_kubernetes_signer_name(other) => {
            return Err(format!("unknown Kubernetes signer {other}"));
        }
        _ => kcred_tls_only(&set),
    }
    .map_err(refused)
}

/// `spec.usages` as the API server's validation reads it (`pkg/apis/certificates/validation`
/// `validateCertificateSigningRequest`): required, each one known, none repeated.
fn usages_set(usages: &[String]) -> std::result::Result<BTreeSet<&str>, String> {
    if usages.is_empty() {
        return Err("usages must be provided".into());
    }
    let mut set = BTreeSet::new();
    for u in usages {
        if !KNOWN_USAGES.contains(&u.as_str()) {
            return Err(format!("unknown usage {u:?}"));
        }
        if !set.insert(u.as_str()) {
            return Err(format!("usage {u:?} is repeated"));
        }
    }
    Ok(set)
}

/// The usages are exactly `required`, with or without key encipherment (`helpers.go`
/// `kubeletServingRequiredUsages` / `kubeletClientRequiredUsages` and their
/// `...NoRSA` variants).
fn exactly(set: &BTreeSet<&str>, required: &[&str]) -> std::result::Result<(), String> {
    let with_ke: BTreeSet<&str> = required.iter().copied().collect();
    let mut without_ke = with_ke.clone();
    without_ke.remove(KEY_ENCIPHERMENT);
    if *set == with_ke || *set == without_ke {
        Ok(())
    } else {
        Err(format!("usages did not match [{}]", required.join(" ")))
    }
}

fn is_nodes(request: &CertificateRequest) -> std::result::Result<(), String> {
    if request.subject.organizations != [SYSTEM_NODES] {
        return Err("subject organization is not system:nodes".into());
    }
    Ok(())
}

fn node_common_name(request: &CertificateRequest) -> std::result::Result<(), String> {
    let named = request
        .subject
        .common_name
        .strip_prefix(NODE_USER_PREFIX)
        .is_some_and(|n| !n.is_empty());
    if !named {
        return Err("subject common name does not begin with system:node:".into());
    }
    Ok(())
}

/// `pkg/apis/certificates/v1/helpers.go` `ValidateKubeletServingCSR`, in its order.
fn kubelet_serving(
    request: &CertificateRequest,
    set: &BTreeSet<&str>,
) -> std::result::Result<(), String> {
    is_nodes(request)?;
    if request.sans.is_empty() {
        return Err("DNS or IP subjectAltName is required".into());
    }
    if let Some(other) = request.other_sans.first() {
        return Err(format!(
            "{other}: only DNS and IP subjectAltNames are allowed"
        ));
    }
    exactly(set, &[DIGITAL_SIGNATURE, KEY_ENCIPHERMENT, SERVER_AUTH])?;
    node_common_name(request)
}

/// `pkg/apis/certificates/v1/helpers.go` `ValidateKubeletClientCSR`, in its order.
fn kubelet_client(
    request: &CertificateRequest,
    set: &BTreeSet<&str>,
) -> std::result::Result<(), String> {
    is_nodes(request)?;
    if !request.sans.is_empty() || !request.other_sans.is_empty() {
        return Err("subjectAltNames are not allowed".into());
    }
    node_common_name(request)?;
    exactly(set, &[CLIENT_AUTH, DIGITAL_SIGNATURE, KEY_ENCIPHERMENT])
}

/// `pkg/controller/certificates/signer/signer.go` `validAPIServerClientUsages`.
fn apiserver_client(set: &BTreeSet<&str>) -> std::result::Result<(), String> {
    for u in set {
        if ![DIGITAL_SIGNATURE, KEY_ENCIPHERMENT, CLIENT_AUTH].contains(u) {
            return Err(format!("invalid usage for client certificate: {u}"));
        }
    }
    if !set.contains(CLIENT_AUTH) {
        return Err("missing required usage for client certificate: client auth".into());
    }
    Ok(())
}

/// kcred's own rule for signers outside `kubernetes.io/`: TLS client and server only.
fn kcred_tls_only(set: &BTreeSet<&str>) -> std::result::Result<(), String> {
    for u in set {
        if ![
            DIGITAL_SIGNATURE,
            KEY_ENCIPHERMENT,
            CLIENT_AUTH,
            SERVER_AUTH,
        ]
        .contains(u)
        {
            return Err(format!(
                "usage {u:?}: kcred issues TLS client and server certificates only"
            ));
        }
    }
    if !set.contains(CLIENT_AUTH) && !set.contains(SERVER_AUTH) {
        return Err("usages name neither client auth nor server auth".into());
    }
    Ok(())
}

/// What `cert sign` was given: a verified PKCS#10 request, and the object around it if any.
#[derive(Clone, Debug)]
pub struct SigningRequest {
    /// The CSR, signature verified.
    pub request: CertificateRequest,
    /// The CertificateSigningRequest object it came in, if it came in one.
    pub object: Option<CertificateSigningRequest>,
}

/// Read a CSR: PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`), DER, or a
/// CertificateSigningRequest object in YAML or JSON. The CSR's signature is verified.
pub fn read_signing_request(path: &Path, bytes: &[u8]) -> Result<SigningRequest> {
    let source = crate::fsio::display(path);
    if crate::pem::looks_like_pem(bytes) {
        let der = csr_from_pem(&source, bytes, &["NEW CERTIFICATE REQUEST"])?;
        return Ok(SigningRequest {
            request: CertificateRequest::from_der(&source, &der)?,
            object: None,
        });
    }
    if bytes.first() == Some(&0x30) {
        return Ok(SigningRequest {
            request: CertificateRequest::from_der(&source, bytes)?,
            object: None,
        });
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Error::input(&source, "neither a CSR (PEM or DER) nor a YAML/JSON object"))?;
    if text.trim().is_empty() {
        return Err(Error::input(&source, "the file is empty"));
    }
    let object: CertificateSigningRequest = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| {
            let words = crate::error::json_words(&e, bytes);
            Error::input(&source, format!("not a CertificateSigningRequest: {words}"))
        })?
    } else {
        // An object kubectl creates (`kubectl create -f`): read as its go-yaml v2 reads it.
        crate::yaml::kubectl_from_str(text)
            .map_err(|e| Error::input(&source, format!("not a CertificateSigningRequest: {e}")))?
    };
    if object.api_version != CSR_API_VERSION || object.kind != CSR_KIND {
        return Err(Error::input(
            &source,
            format!(
                "expected apiVersion {CSR_API_VERSION}, kind {CSR_KIND}; found {:?}, {:?}",
                object.api_version, object.kind
            ),
        ));
    }
    let pem = base64::engine::general_purpose::STANDARD
        .decode(object.spec.request.trim())
        .map_err(|_| Error::input(&source, "spec.request is not valid base64"))?;
    let inner = format!("{source} (spec.request)");
    check_object(&object).map_err(|e| Error::input(&source, e))?;
    // helpers.go ParseCSR: the first PEM block, and it must be a `CERTIFICATE REQUEST`.
    let first = crate::pem::parse_all(&inner, &pem)?.into_iter().next();
    let der = match first {
        Some(b) if b.tag() == CSR_PEM_LABEL => b.contents().to_vec(),
        _ => {
            return Err(Error::input(
                &inner,
                "PEM block type must be CERTIFICATE REQUEST",
            ));
        }
    };
    Ok(SigningRequest {
        request: CertificateRequest::from_der(&inner, &der)?,
        object: Some(object),
    })
}

/// What kube-apiserver checks of an object before anything can sign it, beyond its request
/// and usages (those are [`check_signer_rules`]' first steps): a name
/// (`ValidateObjectMetaAccessor`, and `rest.BeforeCreate`'s path-segment rule,
/// apimachinery `content.IsPathSegmentName`), and a well-formed signer name
/// (`staging/src/k8s.io/apimachinery`-based `ValidateSignerName`,
/// pkg/apis/certificates/validation/validation.go). The error is one line, in the API's
/// words.
fn check_object(obj: &CertificateSigningRequest) -> std::result::Result<(), String> {
    let name = &obj.metadata.name;
    if name.is_empty() && obj.metadata.generate_name.is_empty() {
        return Err("metadata.name: Required value: name or generateName is required".into());
    }
    for (given, field) in [
        (name, "metadata.name"),
        (&obj.metadata.generate_name, "metadata.generateName"),
    ] {
        let why = if given == "." || given == ".." {
            format!("may not be '{given}'")
        } else if let Some(c) = given.chars().find(|c| ['/', '%'].contains(c)) {
            format!("may not contain '{c}'")
        } else {
            continue;
        };
        return Err(format!("{field}: Invalid value: {given:?}: {why}"));
    }
    if !obj.spec.signer_name.is_empty() && obj.spec.signer_name != LEGACY_UNKNOWN {
        validate_signer_name(&obj.spec.signer_name)?;
    }
    Ok(())
}

/// `kubernetes.io/legacy-unknown`, which certificates.k8s.io/v1 does not accept.
const LEGACY_UNKNOWN: &str = "kubernetes.io/legacy-unknown";

/// `IsKubernetesSignerName` (pkg/apis/certificates/validation/validation.go): a signer of the
/// `kubernetes.io` domain or any of its subdomains.
fn is_kubernetes_signer_name(signer_name: &str) -> bool {
    let host = signer_name.split_once('/').map_or(signer_name, |(h, _)| h);
    host == "kubernetes.io" || host.ends_with(".kubernetes.io")
}

/// apimachinery `IsDNS1123Label`.
fn dns1123_label(s: &str) -> bool {
    s.len() <= 63 && dns1123_shape(s, false)
}

/// apimachinery `IsDNS1123Subdomain`.
fn dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && dns1123_shape(s, true)
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, and with `dots`, labels of that shape joined by dots.
fn dns1123_shape(s: &str, dots: bool) -> bool {
    let label = |l: &str| {
        let b = l.as_bytes();
        let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        !b.is_empty()
            && alnum(&b[0])
            && alnum(&b[b.len() - 1])
            && b.iter().all(|c| alnum(c) || *c == b'-')
    };
    if dots {
        s.split('.').all(label)
    } else {
        label(s)
    }
}

/// `ValidateSignerName` (pkg/apis/certificates/validation/validation.go): the first of its
/// errors, in its words.
fn validate_signer_name(signer_name: &str) -> std::result::Result<(), String> {
    let invalid =
        |value: &str, why: String| Err(format!("spec.signerName: Invalid value: {value:?}: {why}"));
    let segments: Vec<&str> = signer_name.split('/').collect();
    let [domain, path] = segments[..] else {
        return invalid(
            signer_name,
            "must be a fully qualified domain and path of the form 'example.com/signer-name'"
                .into(),
        );
    };
    if domain.len() > 253 {
        return Err("spec.signerName: Too long: may not be more than 253 bytes".into());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if let Some(l) = labels.iter().find(|l| !dns1123_label(l)) {
        return invalid(
            domain,
            format!(
                "validating label {l:?}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
            ),
        );
    }
    if labels.len() < 2 {
        return invalid(
            domain,
            "should be a domain with at least two segments separated by dots".into(),
        );
    }
    if let Some(l) = path.split('.').find(|l| !dns1123_subdomain(l)) {
        return invalid(
            path,
            format!(
                "validating label {l:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
            ),
        );
    }
    let max = 253 + 253 + 63 + 1 + 1;
    if signer_name.len() > max {
        return Err(format!(
            "spec.signerName: Too long: may not be more than {max} bytes"
        ));
    }
    Ok(())
}

fn csr_from_pem(source: &str, bytes: &[u8], also: &[&str]) -> Result<Vec<u8>> {
    let blocks = crate::pem::parse_all(source, bytes)?;
    let found = blocks
        .iter()
        .find(|b| b.tag() == CSR_PEM_LABEL || also.contains(&b.tag()));
    match found {
        Some(b) => Ok(b.contents().to_vec()),
        None => {
            let labels: Vec<_> = blocks.iter().map(|b| b.tag().to_string()).collect();
            Err(Error::input(
                source,
                format!(
                    "no certificate request here, found PEM {} instead",
                    labels.join(", ")
                ),
            ))
        }
    }
}

/// The signer's side of `cert sign`.
#[derive(Clone, Copy, Debug)]
pub struct SignOptions {
    /// `--usage`, if given; a bare CSR is then signed for it (default client), and an object's
    /// usages must agree with it.
    pub usage: Option<Usage>,
    /// The longest lifetime this signer gives (`--validity`); a request may ask for less.
    pub validity: SignedDuration,
}

/// Decide what certificate `req` gets, applying its signer's rules: the spec, and warnings.
/// Refusals are [`Error::Input`] naming `source` with the reason.
pub fn plan_signing(
    source: &str,
    req: &SigningRequest,
    opts: &SignOptions,
) -> Result<(CertSpec, Vec<String>)> {
    let refuse = |why: String| Error::input(source, why);
    let csr = &req.request;
    let mut warnings = Vec::new();
    let mut validity = opts.validity;
    let usage = match &req.object {
        None => opts.usage.unwrap_or_default(),
        Some(obj) => {
            check_signer_rules(&obj.spec.signer_name, csr, &obj.spec.usages).map_err(refuse)?;
            let client = obj.spec.usages.iter().any(|u| u == CLIENT_AUTH);
            let server = obj.spec.usages.iter().any(|u| u == SERVER_AUTH);
            let asked = match (client, server) {
                (true, true) => Usage::Peer,
                (false, true) => Usage::Server,
                _ => Usage::Client,
            };
            if let Some(u) = opts.usage.filter(|u| *u != asked) {
                return Err(Error::Usage(format!(
                    "usage {u} contradicts the request's usages [{}]",
                    obj.spec.usages.join(", ")
                )));
            }
            if let Some(secs) = obj.spec.expiration_seconds {
                // validation.go: the API server refuses less than 600 s.
                if secs < MIN_EXPIRATION_SECONDS {
                    return Err(refuse(format!(
                        "spec.expirationSeconds {secs} is below the minimum of {MIN_EXPIRATION_SECONDS}"
                    )));
                }
                let asked = SignedDuration::from_secs(secs);
                // signer.go duration(): honoured when shorter than the signer's TTL.
                if asked <= validity {
                    validity = asked;
                } else {
                    warnings.push(format!(
                        "spec.expirationSeconds {secs} is longer than the validity allowed; the certificate gets {}s",
                        validity.as_secs()
                    ));
                }
            }
            asked
        }
    };
    let sans: Vec<San> = if usage.server() {
        if let Some(other) = csr.other_sans.first() {
            return Err(refuse(format!(
                "the CSR asks for SAN {other}; kcred issues DNS and IP SANs only"
            )));
        }
        if csr.sans.is_empty() {
            return Err(refuse(format!(
                "a {usage} certificate needs a DNS or IP SAN and the CSR asks for none"
            )));
        }
        csr.sans.clone()
    } else {
        if !csr.sans.is_empty() || !csr.other_sans.is_empty() {
            warnings.push(
                "the CSR's subject alternative names are left out of a client certificate".into(),
            );
        }
        vec![]
    };
    let spec = CertSpec {
        subject: csr.subject.clone(),
        usage: Some(usage),
        sans,
        validity,
    };
    Ok((spec, warnings))
}

/// Sign a verified request with `issuer` as planned by [`plan_signing`]: the certificate's
/// subject is the CSR's Name, copied exactly; its key is the CSR's key. For an object, the key
/// usages and the lifetime are the ones kube-controller-manager's signer gives
/// ([`super::signer_policy`]); a bare request gets kcred's leaf profile for its usage.
pub fn sign_request(
    issuer: &Issuer,
    source: &str,
    req: &SigningRequest,
    opts: &SignOptions,
) -> Result<(CertSpec, Issued)> {
    let (spec, mut warnings) = plan_signing(source, req, opts)?;
    // An object gets the key usages kube-controller-manager's signer grants its usages.
    let granted = match &req.object {
        Some(obj) => Some(
            super::signer_policy::granted(&obj.spec.usages)
                .map_err(|why| Error::input(source, why))?,
        ),
        None => None,
    };
    let mut issued = issuer.sign_as(
        &spec,
        req.request.subject_name.clone(),
        &req.request.spki_der,
        granted.as_ref(),
    )?;
    warnings.append(&mut issued.warnings);
    issued.warnings = warnings;
    Ok((spec, issued))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyType, PrivateKey};
    use crate::pki::{Subject, create_csr};

    fn request(cn: &str, groups: &[&str], sans: &[&str]) -> CertificateRequest {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let subject = Subject {
            common_name: cn.into(),
            organizations: groups.iter().map(|g| g.to_string()).collect(),
        };
        let sans: Vec<San> = sans.iter().map(|s| s.parse().unwrap()).collect();
        CertificateRequest::from_der("t", &create_csr(&subject, &sans, &key).unwrap()).unwrap()
    }

    fn usages(u: &[&str]) -> Vec<String> {
        u.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn kubelet_signers_want_exactly_a_node() {
        let node = request("system:node:w1", &["system:nodes"], &[]);
        let client = usages(&["digital signature", "client auth"]);
        assert!(check_signer_rules(KUBE_APISERVER_CLIENT_KUBELET, &node, &client).is_ok());
        let extra = request("system:node:w1", &["system:nodes", "x"], &[]);
        let err = check_signer_rules(KUBE_APISERVER_CLIENT_KUBELET, &extra, &client).unwrap_err();
        assert!(err.contains("not system:nodes"), "{err}");
        let not_node = request("jane", &["system:nodes"], &[]);
        assert!(check_signer_rules(KUBE_APISERVER_CLIENT_KUBELET, &not_node, &client).is_err());
        let with_san = request("system:node:w1", &["system:nodes"], &["w1"]);
        assert!(check_signer_rules(KUBE_APISERVER_CLIENT_KUBELET, &with_san, &client).is_err());
        let serving = usages(&["digital signature", "key encipherment", "server auth"]);
        assert!(check_signer_rules(KUBELET_SERVING, &with_san, &serving).is_ok());
        assert!(check_signer_rules(KUBELET_SERVING, &node, &serving).is_err());
        assert!(check_signer_rules(KUBELET_SERVING, &with_san, &client).is_err());
    }

    #[test]
    fn apiserver_client_signer_wants_client_auth_only() {
        let jane = request("jane", &["dev"], &[]);
        assert!(
            check_signer_rules(KUBE_APISERVER_CLIENT, &jane, &usages(&["client auth"])).is_ok()
        );
        assert!(
            check_signer_rules(KUBE_APISERVER_CLIENT, &jane, &usages(&["server auth"])).is_err()
        );
        assert!(check_signer_rules(KUBE_APISERVER_CLIENT, &jane, &usages(&[])).is_err());
        assert!(
            check_signer_rules(
                KUBE_APISERVER_CLIENT,
                &jane,
                &usages(&["client auth", "client auth"])
            )
            .is_err()
        );
        assert!(
            check_signer_rules("kubernetes.io/nope", &jane, &usages(&["client auth"])).is_err()
        );
        assert!(check_signer_rules("example.com/x", &jane, &usages(&["server auth"])).is_ok());
        assert!(check_signer_rules("", &jane, &usages(&["client auth"])).is_err());
    }

    #[test]
    fn signer_names_follow_validate_signer_name() {
        for ok in [
            "example.com/x",
            "kubernetes.io/kube-apiserver-client",
            "a.b/c.d-e",
        ] {
            assert!(validate_signer_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "x",
            "example.com/a/b",
            "Example.com/x",
            "example/x",
            "example.com/",
            "example.com/a..b",
            "-a.com/x",
        ] {
            assert!(validate_signer_name(bad).is_err(), "{bad}");
        }
        assert!(is_kubernetes_signer_name("x.kubernetes.io/foo"));
        assert!(is_kubernetes_signer_name("kubernetes.io/foo"));
        assert!(!is_kubernetes_signer_name("notkubernetes.io/foo"));
    }

    #[test]
    fn expiration_is_honoured_and_bounded() {
        let jane = request("jane", &[], &[]);
        let mut obj = CertificateSigningRequest::new(
            "jane",
            &jane.der,
            KUBE_APISERVER_CLIENT,
            usages(&["client auth"]),
            Some(SignedDuration::from_hours(2)),
        )
        .unwrap();
        let opts = SignOptions {
            usage: None,
            validity: SignedDuration::from_hours(24),
        };
        let req = SigningRequest {
            request: jane,
            object: Some(obj.clone()),
        };
        let (spec, _) = plan_signing("t", &req, &opts).unwrap();
        assert_eq!(spec.validity, SignedDuration::from_hours(2));
        obj.spec.expiration_seconds = Some(599);
        let req = SigningRequest {
            object: Some(obj),
            ..req
        };
        assert!(plan_signing("t", &req, &opts).is_err());
        assert!(
            CertificateSigningRequest::new(
                "x",
                &req.request.der,
                KUBE_APISERVER_CLIENT,
                vec![],
                Some(SignedDuration::from_secs(599))
            )
            .is_err()
        );
    }
}
