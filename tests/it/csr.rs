//! CSRs both ways, checked by real peers: kcred signs requests made by `openssl req` and
//! Python `cryptography`, and Go's crypto/x509 (tests/go/x509check, kube-apiserver's
//! verifier) authenticates the results as the requests' identities; kcred's requests pass
//! `openssl req -verify`; its CertificateSigningRequest YAML is read back by kubectl's own
//! decoder (`kubectl label --local`, which needs no server). Altered requests and requests a
//! Kubernetes signer would refuse are refused, and nothing is written.

use std::fs;
use std::process::Stdio;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::common::{
    EXCESSIVE_ALIASING, Env, aliased_lists, assert_says, go_x509check, mode, peer, python, run_peer,
};

fn openssl(env: &Env, args: &[&str]) -> String {
    run_peer(peer("openssl").current_dir(env.dir.path()).args(args))
}

/// The object as kubectl decodes it (`kubectl label --local -f FILE -o json`, minus the
/// label it was made to add).
fn kubectl_reads(env: &Env, file: &str) -> Value {
    let out = run_peer(
        peer("kubectl")
            .current_dir(env.dir.path())
            .env("KUBECONFIG", env.path("no-such-kubeconfig"))
            .args(["label", "--local", "-f", file, "kcred-test=1", "-o", "json"]),
    );
    let mut v: Value = serde_json::from_str(&out).expect("kubectl JSON");
    let meta = v["metadata"].as_object_mut().expect("metadata");
    assert_eq!(meta.remove("labels"), Some(json!({"kcred-test": "1"})));
    v
}

fn openssl_subject(env: &Env, file: &str, what: &str) -> String {
    openssl(
        env,
        &[
            what, "-in", file, "-noout", "-subject", "-nameopt", "RFC2253",
        ],
    )
}

/// `openssl req -new` with a new P-256 key written to `key`, for `subj`; `extra` says where
/// the request goes.
fn openssl_p256_req(env: &Env, key: &str, subj: &str, extra: &[&str]) {
    let mut args = vec![
        "req",
        "-new",
        "-nodes",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-keyout",
        key,
        "-subj",
        subj,
    ];
    args.extend_from_slice(extra);
    openssl(env, &args);
}

/// The openssl key types these tests request with: (file name, `openssl req` key options).
const OPENSSL_KEYS: [(&str, &[&str]); 4] = [
    ("rsa", &["-newkey", "rsa:2048"]),
    (
        "p256",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    ),
    (
        "p384",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
    ),
    ("ed25519", &["-newkey", "ed25519"]),
];

/// `openssl req -new` with a fresh key (`newkey`) for jane@example.com in several O (one
/// with a comma and a space), with a DNS and an IP SAN: NAME.key and NAME.csr; returns the
/// request's file name.
fn openssl_jane_request(env: &Env, name: &str, newkey: &[&str]) -> String {
    let csr = format!("{name}.csr");
    let key = format!("{name}.key");
    let mut args = vec!["req", "-new", "-nodes", "-keyout", &key];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&[
        "-subj",
        "/O=team-b/O=ops, on-call/O=system:authenticated-extra/CN=jane@example.com",
        "-addext",
        "subjectAltName=DNS:jane.example.com,IP:10.0.0.7",
        "-out",
        &csr,
    ]);
    openssl(env, &args);
    csr
}

/// openssl-made requests (RSA, P-256, P-384, Ed25519) signed by kcred as client
/// certificates authenticate in Go as exactly the CSR's CN and groups; the subject is copied
/// exactly and the certificate has no SANs.
#[test]
fn kcred_signs_openssl_requests_as_client_certificates_go_authenticates() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    for (name, newkey) in OPENSSL_KEYS {
        let csr = openssl_jane_request(&env, name, newkey);
        let client = format!("{name}-client.crt");
        env.sign("ca", &csr, &client, &[]);
        let got = go_x509check(&env.path("ca.crt"), &env.path(&client));
        assert_eq!(got["authenticated"], true, "{name}: {got}");
        assert_eq!(got["user"], "jane@example.com", "{name}");
        assert_eq!(
            got["groups"],
            json!(["team-b", "ops, on-call", "system:authenticated-extra"]),
            "{name}"
        );
        // The subject is copied exactly, and the client certificate has no SANs.
        assert_eq!(
            openssl_subject(&env, &client, "x509"),
            openssl_subject(&env, &csr, "req"),
            "{name}"
        );
        let text = openssl(&env, &["x509", "-in", &client, "-noout", "-text"]);
        assert!(!text.contains("Subject Alternative Name"), "{name}: {text}");
    }
}

/// The same requests signed with `--usage server` carry exactly the requested SANs and
/// serverAuth alone, and openssl verifies them for the sslserver purpose.
#[test]
fn kcred_signs_openssl_requests_as_server_certificates_with_their_sans() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    for (name, newkey) in OPENSSL_KEYS {
        let csr = openssl_jane_request(&env, name, newkey);
        let server = format!("{name}-server.crt");
        env.sign("ca", &csr, &server, &["--usage", "server"]);
        let text = openssl(
            &env,
            &[
                "x509",
                "-in",
                &server,
                "-noout",
                "-ext",
                "subjectAltName,extendedKeyUsage",
            ],
        );
        assert!(
            text.contains("DNS:jane.example.com, IP Address:10.0.0.7"),
            "{name}: {text}"
        );
        assert!(
            text.contains("TLS Web Server Authentication"),
            "{name}: {text}"
        );
        assert!(!text.contains("Client Authentication"), "{name}: {text}");
        let verify = peer("openssl")
            .current_dir(env.dir.path())
            .args([
                "verify",
                "-CAfile",
                "ca.crt",
                "-purpose",
                "sslserver",
                &server,
            ])
            .output()
            .unwrap();
        assert!(verify.status.success(), "{name}: {verify:?}");
    }
}

/// `openssl req -new` for `CN=<out>` in groups g1 and g2, written to `out`; `extra` picks
/// the key and signature.
fn openssl_variant_req(env: &Env, out: &str, extra: &[&str]) {
    let mut args = vec!["req", "-new", "-nodes", "-keyout", "k.key", "-subj"];
    let subj = format!("/O=g1/O=g2/CN={out}");
    args.push(&subj);
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-out", out]);
    openssl(env, &args);
}

/// Signature variants from openssl: RSA-PSS (salt = hash length, as Go verifies it) and
/// P-521 with SHA-512 are signed and authenticate in Go.
#[test]
fn openssl_pss_and_p521_requests_are_signed_and_authenticate() {
    let env = Env::new();
    env.ca("ca", "rsa2048");
    let req = |out: &str, extra: &[&str]| openssl_variant_req(&env, out, extra);
    req(
        "pss",
        &[
            "-newkey",
            "rsa:2048",
            "-sha384",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
        ],
    );
    req(
        "p521",
        &[
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
            "-sha512",
        ],
    );
    for ok in ["pss", "p521"] {
        let crt = format!("{ok}.crt");
        env.sign("ca", ok, &crt, &[]);
        let got = go_x509check(&env.path("ca.crt"), &env.path(&crt));
        assert_eq!(got["authenticated"], true, "{ok}: {got}");
        assert_eq!(got["user"], ok);
        assert_eq!(got["groups"], json!(["g1", "g2"]));
    }
}

/// SHA-1, RSA-1024 and a PSS salt Go would not accept are refused, writing nothing.
#[test]
fn openssl_sha1_rsa1024_and_max_pss_salt_requests_are_refused() {
    let env = Env::new();
    env.ca("ca", "rsa2048");
    let req = |out: &str, extra: &[&str]| openssl_variant_req(&env, out, extra);
    req("sha1", &["-newkey", "rsa:2048", "-sha1"]);
    req("weak", &["-newkey", "rsa:1024"]);
    req(
        "pssmax",
        &[
            "-newkey",
            "rsa:2048",
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:max",
        ],
    );
    for (bad, why) in [("sha1", "SHA-1"), ("weak", "RSA-1024"), ("pssmax", "salt")] {
        let err = env.sign_fails(3, "ca", bad, "x.crt", &[]);
        assert!(err.contains(why), "{bad}: {err}");
        assert!(!env.path("x.crt").exists());
    }
}

/// Python `cryptography` requests (several O as separate RDNs, SANs), PEM and DER, signed by
/// kcred; Go authenticates the identity and Python checks the certificate's issuer signature.
#[test]
fn kcred_signs_python_cryptography_requests() {
    let env = Env::new();
    env.ca("ca", "rsa2048");
    python(
        r#"
import sys, os, ipaddress
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization as s
from cryptography.hazmat.primitives.asymmetric import rsa, ec, ed25519
d = sys.argv[1]
name = x509.Name([
    x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "zeta")]),
    x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "alpha")]),
    x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "équipe")]),
    x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, "py-user")]),
])
san = x509.SubjectAlternativeName([x509.DNSName("py.example"), x509.IPAddress(ipaddress.ip_address("2001:db8::1"))])
for label, key, h in [("rsa", rsa.generate_private_key(65537, 3072), hashes.SHA384()),
                      ("p384", ec.generate_private_key(ec.SECP384R1()), hashes.SHA384()),
                      ("p256", ec.generate_private_key(ec.SECP256R1()), hashes.SHA256()),
                      ("ed25519", ed25519.Ed25519PrivateKey.generate(), None)]:
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).add_extension(san, False).sign(key, h)
    open(os.path.join(d, label + ".csr"), "wb").write(csr.public_bytes(s.Encoding.PEM))
    open(os.path.join(d, label + ".der"), "wb").write(csr.public_bytes(s.Encoding.DER))
"#,
        &[&env.p("")],
    );
    for name in ["rsa.csr", "p384.der", "p256.csr", "ed25519.der"] {
        let out = format!("{name}.crt");
        env.sign("ca", name, &out, &["--usage", "peer"]);
        let got = go_x509check(&env.path("ca.crt"), &env.path(&out));
        assert_eq!(got["authenticated"], true, "{name}: {got}");
        assert_eq!(got["user"], "py-user");
        assert_eq!(got["groups"], json!(["zeta", "alpha", "équipe"]), "{name}");
        let checked = python(
            r#"
import sys, json
from cryptography import x509
ca = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
c = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
c.verify_directly_issued_by(ca)
san = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
print(json.dumps([str(v.value) for v in san]))
"#,
            &[&env.p("ca.crt"), &env.p(&out)],
        );
        assert_eq!(checked.trim(), r#"["py.example", "2001:db8::1"]"#, "{name}");
    }
}

/// kcred's requests pass `openssl req -verify` for every key type and show every O in order,
/// and the SANs are in the extensionRequest.
fn kcred_requests_verify_in_openssl_with_every_group(kt: &str) {
    let env = Env::new();
    {
        env.csr(
            kt,
            &[
                "--cn",
                "jane",
                "--group",
                "zeta",
                "--group",
                "dev, ops",
                "--group",
                "alpha",
                "--key-type",
                kt,
                "--usage",
                "peer",
                "--san",
                "jane.example",
                "--san",
                "192.0.2.1",
            ],
        );
        let csr = format!("{kt}.csr");
        let out = peer("openssl")
            .current_dir(env.dir.path())
            .args([
                "req", "-in", &csr, "-verify", "-noout", "-text", "-nameopt", "RFC2253",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{kt}: {text}");
        assert!(text.contains("verify OK"), "{kt}: {text}");
        assert!(
            text.contains(r"Subject: CN=jane,O=alpha,O=dev\, ops,O=zeta"),
            "{kt}: {text}"
        );
        assert!(
            text.contains("DNS:jane.example, IP Address:192.0.2.1"),
            "{kt}: {text}"
        );
        // The key written next to it is the CSR's key.
        let from_csr = openssl(&env, &["req", "-in", &csr, "-noout", "-pubkey"]);
        let from_key = openssl(&env, &["pkey", "-in", &format!("{kt}.key"), "-pubout"]);
        assert_eq!(from_csr, from_key, "{kt}");
        assert_eq!(mode(&env.path(&format!("{kt}.key"))), 0o600);
    }
}

#[test]
fn kcred_rsa2048_requests_verify_in_openssl_with_every_group() {
    kcred_requests_verify_in_openssl_with_every_group("rsa2048");
}

#[test]
fn kcred_ecdsa_p256_requests_verify_in_openssl_with_every_group() {
    kcred_requests_verify_in_openssl_with_every_group("ecdsa-p256");
}

#[test]
fn kcred_ecdsa_p384_requests_verify_in_openssl_with_every_group() {
    kcred_requests_verify_in_openssl_with_every_group("ecdsa-p384");
}

#[test]
fn kcred_ed25519_requests_verify_in_openssl_with_every_group() {
    kcred_requests_verify_in_openssl_with_every_group("ed25519");
}

/// (prefix, csr create flags, signerName, usages, expirationSeconds)
type YamlCase<'a> = (&'a str, Vec<&'a str>, &'a str, Vec<&'a str>, Option<i64>);

/// The objects `csr create --k8s-name` is checked with: a client request with an
/// expiration, a kubelet client request, a kubelet serving request (P-384) with an
/// expiration, and a peer request to a custom signer.
fn yaml_cases() -> [YamlCase<'static>; 4] {
    [
        (
            "jane",
            vec!["--cn", "jane", "--group", "dev", "--key-type", "ecdsa-p256"],
            "kubernetes.io/kube-apiserver-client",
            vec!["digital signature", "client auth"],
            Some(7200),
        ),
        (
            "kubelet",
            vec!["--node", "worker-1"],
            "kubernetes.io/kube-apiserver-client-kubelet",
            vec!["digital signature", "key encipherment", "client auth"],
            None,
        ),
        (
            "serving",
            vec![
                "--node",
                "worker-1",
                "--usage",
                "server",
                "--san",
                "10.0.0.5",
                "--key-type",
                "ecdsa-p384",
            ],
            "kubernetes.io/kubelet-serving",
            vec!["digital signature", "server auth"],
            Some(86400),
        ),
        (
            "custom",
            vec![
                "--cn",
                "etcd-0",
                "--usage",
                "peer",
                "--san",
                "etcd-0.local",
                "--signer-name",
                "example.com/etcd",
            ],
            "example.com/etcd",
            vec![
                "digital signature",
                "key encipherment",
                "server auth",
                "client auth",
            ],
            None,
        ),
    ]
}

/// `csr create` for `case` with `--k8s-name NAME-csr` (and `--expiration`) in `env`:
/// kubectl's decoding of NAME.yaml, and the object that should be, with spec.request the
/// base64 of NAME.csr.
fn created_object(env: &Env, case: &YamlCase) -> (Value, Value) {
    let (name, flags, signer, usages, expiration) = case;
    let mut args = vec!["csr", "create", "--out"];
    let prefix = env.p(name);
    args.push(&prefix);
    args.extend_from_slice(flags);
    let k8s_name = format!("{name}-csr");
    args.extend_from_slice(&["--k8s-name", &k8s_name]);
    let exp = expiration.map(|s| format!("{s}s"));
    if let Some(e) = &exp {
        args.extend_from_slice(&["--expiration", e]);
    }
    env.ok(&args);

    let csr_file = fs::read(env.path(&format!("{name}.csr"))).unwrap();
    let mut spec = json!({
        "request": base64::engine::general_purpose::STANDARD.encode(&csr_file),
        "signerName": signer,
        "usages": usages,
    });
    if let Some(s) = expiration {
        spec["expirationSeconds"] = json!(s);
    }
    let expected = json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": k8s_name},
        "spec": spec,
    });
    (kubectl_reads(env, &format!("{name}.yaml")), expected)
}

/// The CertificateSigningRequest YAML, decoded by kubectl, holds exactly the fields asked
/// for, with spec.request the base64 of the .csr file.
#[test]
fn csr_yaml_holds_exactly_the_fields_asked_for_as_kubectl_decodes_it() {
    let env = Env::new();
    for case in yaml_cases() {
        let (decoded, expected) = created_object(&env, &case);
        assert_eq!(decoded, expected, "{}", case.0);
    }
}

/// kcred signs the YAML and kubectl's JSON rendering of it alike, with the object's usages,
/// honouring expirationSeconds (checked with `openssl x509 -checkend`; a year without it).
#[test]
fn kcred_signs_the_csr_yaml_and_kubectls_json_alike() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    for case in yaml_cases() {
        let (decoded, _) = created_object(&env, &case);
        let (name, _, _, usages, expiration) = case;
        let yaml = format!("{name}.yaml");
        let json_file = format!("{name}.json");
        fs::write(
            env.path(&json_file),
            serde_json::to_string(&decoded).unwrap(),
        )
        .unwrap();
        for input in [&yaml, &json_file] {
            let out = format!("{input}.crt");
            env.sign("ca", input, &out, &[]);
            let eku = openssl(
                &env,
                &["x509", "-in", &out, "-noout", "-ext", "extendedKeyUsage"],
            );
            assert_eq!(
                eku.contains("Client Authentication"),
                usages.contains(&"client auth"),
                "{name}"
            );
            assert_eq!(
                eku.contains("Server Authentication"),
                usages.contains(&"server auth"),
                "{name}"
            );
            // The signer's NotAfter (kubernetes pkg/controller/certificates/authority/
            // policies.go, PermissiveSigningPolicy.apply): a lifetime of 8h or more ends the
            // 5-minute backdate early.
            let ttl = expiration.unwrap_or(365 * 86400);
            let expected_life = if ttl >= 8 * 3600 { ttl - 300 } else { ttl };
            assert!(
                lives(&env, &out, expected_life - 120),
                "{name}: expires too early"
            );
            assert!(
                !lives(&env, &out, expected_life + 120),
                "{name}: lives too long"
            );
        }
    }
}

/// Whether the certificate `cert` is still valid `secs` from now (`openssl x509 -checkend`).
fn lives(env: &Env, cert: &str, secs: i64) -> bool {
    peer("openssl")
        .current_dir(env.dir.path())
        .args([
            "x509",
            "-in",
            cert,
            "-noout",
            "-checkend",
            &secs.to_string(),
        ])
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success()
}

/// One changed byte in the subject of a request (openssl's or kcred's; DER, PEM or inside a
/// CertificateSigningRequest) and kcred refuses it, writing nothing.
#[test]
fn altered_requests_are_refused_and_nothing_is_written() {
    let env = Env::new();
    env.ca("ca", "rsa2048");
    openssl_p256_req(
        &env,
        "o.key",
        "/O=dev/CN=mallory",
        &["-outform", "DER", "-out", "o.der"],
    );
    env.csr(
        "k",
        &["--cn", "mallory", "--group", "dev", "--k8s-name", "mallory"],
    );
    let alter = |der: &[u8]| {
        let at = der
            .windows(7)
            .position(|w| w == b"mallory")
            .expect("CN in the DER");
        let mut bad = der.to_vec();
        bad[at] = b'n'; // "nallory": still a valid name, but not what was signed
        bad
    };
    let openssl_der = fs::read(env.path("o.der")).unwrap();
    fs::write(env.path("bad.der"), alter(&openssl_der)).unwrap();
    let pem = |der: &[u8]| {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
            lines.join("\n")
        )
    };
    fs::write(env.path("bad.csr"), pem(&alter(&openssl_der))).unwrap();
    // The control: unaltered, the same request is signed.
    env.sign("ca", "o.der", "ok.crt", &[]);
    // kcred's own request, altered inside its CertificateSigningRequest object.
    let kcred_pem = fs::read_to_string(env.path("k.csr")).unwrap();
    let kcred_der = base64::engine::general_purpose::STANDARD
        .decode(
            kcred_pem
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
    let yaml = fs::read_to_string(env.path("k.yaml")).unwrap();
    let good_b64 = base64::engine::general_purpose::STANDARD.encode(kcred_pem.as_bytes());
    let bad_b64 = base64::engine::general_purpose::STANDARD.encode(pem(&alter(&kcred_der)));
    assert!(yaml.contains(&good_b64));
    fs::write(env.path("bad.yaml"), yaml.replace(&good_b64, &bad_b64)).unwrap();

    for input in ["bad.der", "bad.csr", "bad.yaml"] {
        let err = env.sign_fails(3, "ca", input, "out.crt", &[]);
        assert!(err.contains("signature does not verify"), "{input}: {err}");
        assert!(err.contains(input), "the error names the file: {err}");
        assert!(!env.path("out.crt").exists(), "{input}: nothing is written");
    }
}

/// The kubelet signers want `CN=system:node:NAME` in exactly `O=system:nodes` and their own
/// usages; kcred refuses otherwise, on both ends, with one line and no files.
/// A CA `ca`, and a request from openssl naming a node but not system:nodes (`n.csr`), with
/// a way to put it in a hand-written CertificateSigningRequest for a signer and usages.
fn with_node_request_not_in_system_nodes() -> (Env, impl Fn(&str, &str) -> String) {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    openssl_p256_req(
        &env,
        "n.key",
        "/O=system:masters/CN=system:node:worker-1",
        &["-out", "n.csr"],
    );
    let request =
        base64::engine::general_purpose::STANDARD.encode(fs::read(env.path("n.csr")).unwrap());
    let object = move |signer: &str, usages: &str| {
        format!(
            "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: node-csr-x\nspec:\n  request: {request}\n  signerName: {signer}\n  usages: {usages}\n"
        )
    };
    (env, object)
}

/// Both kubelet signers refuse a node request outside system:nodes, with one line and no
/// file; kubectl's decoder accepts the same objects, so the refusal is kcred's signer rule.
#[test]
fn kubelet_signers_refuse_requests_without_system_nodes() {
    let (env, object) = with_node_request_not_in_system_nodes();
    fs::write(
        env.path("client.yaml"),
        object(
            "kubernetes.io/kube-apiserver-client-kubelet",
            "[digital signature, client auth]",
        ),
    )
    .unwrap();
    fs::write(
        env.path("serving.yaml"),
        object(
            "kubernetes.io/kubelet-serving",
            "[digital signature, server auth]",
        ),
    )
    .unwrap();
    for input in ["client.yaml", "serving.yaml"] {
        let err = env.sign_fails(3, "ca", input, "n.crt", &[]);
        assert!(
            err.contains("subject organization is not system:nodes"),
            "{err}"
        );
        assert!(!env.path("n.crt").exists());
    }
    // The same objects are accepted by kubectl's decoder: the refusal is kcred's signer rule.
    kubectl_reads(&env, "client.yaml");
}

/// kube-apiserver-client takes the same request, with client usages only.
#[test]
fn kube_apiserver_client_signs_it_with_client_usages_only() {
    let (env, object) = with_node_request_not_in_system_nodes();
    fs::write(
        env.path("apiserver-client.yaml"),
        object("kubernetes.io/kube-apiserver-client", "[client auth]"),
    )
    .unwrap();
    env.sign("ca", "apiserver-client.yaml", "ac.crt", &[]);
    fs::write(
        env.path("wrong-usage.yaml"),
        object(
            "kubernetes.io/kube-apiserver-client",
            "[client auth, server auth]",
        ),
    )
    .unwrap();
    let err = env.sign_fails(3, "ca", "wrong-usage.yaml", "w.crt", &[]);
    assert!(
        err.contains("invalid usage for client certificate: server auth"),
        "{err}"
    );
}

/// go-yaml v2's guard against alias bombs (`decode.go` fails once `aliasCount/decodeCount >
/// allowedAliasRatio(decodeCount)`), which kubectl's decoder applies to a
/// CertificateSigningRequest object: beside the same object, 113 aliases of a 999-item list
/// are refused and 112 are read. kcred refuses the first in go-yaml's words and signs the
/// second (serde-saphyr's own alias limits refused it).
#[test]
fn csr_object_aliases_are_refused_exactly_where_kubectl_refuses_them() {
    let (env, object) = with_node_request_not_in_system_nodes();
    let object = object("kubernetes.io/kube-apiserver-client", "[client auth]");
    for (refs, kubectl_reads) in [(113, false), (112, true)] {
        let file = format!("aliases-{refs}.yaml");
        fs::write(env.path(&file), format!("{object}{}", aliased_lists(refs))).unwrap();
        let theirs = peer("kubectl")
            .current_dir(env.dir.path())
            .env("KUBECONFIG", env.path("no-such-kubeconfig"))
            .args([
                "label",
                "--local",
                "-f",
                &file,
                "kcred-test=1",
                "-o",
                "json",
            ])
            .output()
            .unwrap();
        let their_err = String::from_utf8_lossy(&theirs.stderr);
        if kubectl_reads {
            assert!(
                theirs.status.success(),
                "kubectl refused {file}: {their_err}"
            );
            env.sign("ca", &file, "a.crt", &[]);
        } else {
            assert_says(&their_err, &[EXCESSIVE_ALIASING]);
            let err = env.sign_fails(3, "ca", &file, "a.crt", &[]);
            assert_says(&err, &[&file, EXCESSIVE_ALIASING]);
            assert!(!env.path("a.crt").exists());
        }
    }
}

/// On the requesting side: a node with an extra group cannot ask a kubelet signer, and
/// nothing is written; it may ask the general client signer.
#[test]
fn csr_create_refuses_a_node_with_extra_groups_for_kubelet_signers() {
    let env = Env::new();
    let err = env.csr_fails(
        2,
        "extra",
        &["--node", "worker-1", "--group", "ops", "--k8s-name", "x"],
    );
    assert!(
        err.contains("subject organization is not system:nodes"),
        "{err}"
    );
    for f in ["extra.key", "extra.csr", "extra.yaml"] {
        assert!(!env.path(f).exists(), "{f} written");
    }
    // ...but may ask the general client signer for it.
    env.csr(
        "extra",
        &[
            "--node",
            "worker-1",
            "--group",
            "ops",
            "--k8s-name",
            "x",
            "--signer-name",
            "kubernetes.io/kube-apiserver-client",
        ],
    );
}

/// A CA `ca` and a request for jane, `j.csr` and `j.yaml`.
fn with_jane_request() -> Env {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.csr(
        "j",
        &[
            "--cn",
            "jane",
            "--key-type",
            "ecdsa-p256",
            "--k8s-name",
            "jane",
        ],
    );
    env
}

/// `--out FILE` is the file (no `.crt` added); an existing output needs --force.
#[test]
fn sign_writes_exactly_out_and_needs_force_over_it() {
    let env = with_jane_request();
    env.ok(&[
        "cert",
        "sign",
        "--ca-cert",
        &env.p("ca.crt"),
        "--ca-key",
        &env.p("ca.key"),
        "--csr",
        &env.p("j.yaml"),
        "--out",
        &env.p("signed.pem"),
    ]);
    assert!(env.path("signed.pem").is_file());
    assert!(!env.path("signed.pem.crt").exists());
    env.sign_fails(3, "ca", "j.csr", "signed.pem", &[]);
    env.sign("ca", "j.csr", "signed.pem", &["--force"]);
}

/// A usage that contradicts the CertificateSigningRequest's usages is a usage error.
#[test]
fn sign_usage_contradicting_the_object_is_a_usage_error() {
    let env = with_jane_request();
    let err = env.sign_fails(2, "ca", "j.yaml", "s.crt", &["--usage", "server"]);
    assert!(err.contains("contradicts"), "{err}");
}

/// An expiration under the API server's 10-minute minimum is a usage error.
#[test]
fn csr_create_expiration_below_the_minimum_is_a_usage_error() {
    let env = Env::new();
    let err = env.csr_fails(
        2,
        "e",
        &["--cn", "e", "--k8s-name", "e", "--expiration", "5m"],
    );
    // The library names the value and the API field, not the flag.
    assert_says(&err, &["an expiration of 300s", "spec.expirationSeconds"]);
}

/// A server CSR has nothing to put in a server certificate without SANs.
#[test]
fn sign_server_usage_needs_a_san() {
    let env = with_jane_request();
    let err = env.sign_fails(3, "ca", "j.csr", "s.crt", &["--usage", "server"]);
    assert!(err.contains("needs a DNS or IP SAN"), "{err}");
}

/// Read from stdin; signed by a CA that expires in 2 days, the leaf stops with the CA.
#[test]
fn sign_from_stdin_by_a_short_lived_ca_ends_with_the_ca() {
    let env = with_jane_request();
    env.ok(&["ca", "create", "--out", &env.p("short"), "--validity", "2d"]);
    let out = env
        .kcred()
        .args([
            "cert",
            "sign",
            "--ca",
            &env.p("short"),
            "--csr",
            "-",
            "--out",
        ])
        .arg(env.p("short-leaf.crt"))
        .write_stdin(fs::read(env.path("j.csr")).unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("cannot outlive its CA"), "{stderr}");
    assert_eq!(
        openssl(
            &env,
            &["x509", "-in", "short-leaf.crt", "-noout", "-enddate"]
        ),
        openssl(&env, &["x509", "-in", "short.crt", "-noout", "-enddate"])
    );
}

/// Not a CSR at all: refused, nothing written.
#[test]
fn sign_refuses_a_file_that_is_not_a_request() {
    let env = with_jane_request();
    let err = env.sign_fails(3, "ca", "ca.crt", "s.crt", &[]);
    assert!(err.contains("no certificate request here"), "{err}");
    assert!(!env.path("s.crt").exists());
}

/// `--k8s-name` is checked as kube-apiserver checks a CertificateSigningRequest's name, and
/// no stricter: `ValidateCertificateRequestName` (kubernetes
/// `pkg/apis/certificates/validation/validation.go`) accepts every name ("We don't care what
/// you call your certificate requests"), and `rest.BeforeCreate`
/// (`staging/src/k8s.io/apiserver/pkg/registry/rest/create.go`) then applies only the
/// path-segment rule (`content.IsPathSegmentName`: not `.` or `..`, no `/` or `%`) and
/// `ValidateObjectMetaAccessor`'s "name is required". So `Y_bad`, which is no DNS subdomain,
/// is a name the API server stores; kubectl's decoder reads it back as given. Names the API
/// server refuses are refused before anything is written.
#[test]
fn k8s_names_follow_the_api_servers_rules_for_csrs() {
    let env = Env::new();
    for (i, name) in [
        "Y_bad",
        "Jane.Doe",
        "csr:jane@example.com",
        "node-csr-worker-1",
    ]
    .iter()
    .enumerate()
    {
        let prefix = format!("ok{i}");
        env.csr(
            &prefix,
            &[
                "--cn",
                "jane",
                "--key-type",
                "ecdsa-p256",
                "--k8s-name",
                name,
            ],
        );
        let obj = kubectl_reads(&env, &format!("{prefix}.yaml"));
        assert_eq!(obj["metadata"]["name"], *name);
    }
    for (i, name) in ["a/b", "a%2F", ".", "..", ""].iter().enumerate() {
        let prefix = format!("bad{i}");
        let err = env.csr_fails(
            2,
            &prefix,
            &[
                "--cn",
                "jane",
                "--key-type",
                "ecdsa-p256",
                "--k8s-name",
                name,
            ],
        );
        assert!(err.contains("not a valid object name"), "{name:?}: {err}");
        for ext in ["key", "csr", "yaml"] {
            assert!(!env.path(&format!("{prefix}.{ext}")).exists(), "{name:?}");
        }
    }
}

/// What Go says of a request (tests/go/csrcheck): `x509.ParseCertificateRequest` and
/// `CheckSignature` as kube-apiserver's CSR validation runs them, and `x509.ParseCertificate`
/// plus the x509 authenticator's `parseUIDFromCert` on a certificate carrying the request's
/// subject bytes and key unchanged.
fn go_csrcheck(env: &Env, file: &str) -> Value {
    let out = run_peer(
        std::process::Command::new(crate::common::go_tool("csrcheck")).arg(env.path(file)),
    );
    serde_json::from_str(&out).expect("csrcheck JSON")
}

/// A Python prelude that builds PKCS#10 requests byte by byte (the DER builder of the CSR
/// sweep), signed with Python `cryptography`: `csr(key, subject=..., attributes=...,
/// alg=..., spki_der=...)` returns DER, `pem(der)` PEM; `write(name, der)` writes NAME in
/// the directory argv[1].
pub(crate) const DER_BUILDER: &str = r#"
import sys, os, base64
from cryptography.hazmat.primitives import hashes, serialization as S
from cryptography.hazmat.primitives.asymmetric import rsa, ec, ed25519
def L(n):
    if n < 0x80: return bytes([n])
    b = n.to_bytes((n.bit_length()+7)//8, 'big'); return bytes([0x80|len(b)]) + b
def tlv(tag, content): return bytes([tag]) + L(len(content)) + content
def seq(*xs): return tlv(0x30, b''.join(xs))
def set_(*xs): return tlv(0x31, b''.join(xs))
def integer(n):
    if n == 0: return tlv(2, b'\x00')
    return tlv(2, n.to_bytes((n.bit_length()+8)//8, 'big', signed=True))
def oid(s):
    p = [int(x) for x in s.split('.')]
    out = bytes([40*p[0]+p[1]])
    for v in p[2:]:
        enc = [v & 0x7f]; v >>= 7
        while v: enc.append(0x80 | (v & 0x7f)); v >>= 7
        out += bytes(reversed(enc))
    return tlv(6, out)
NULL = b'\x05\x00'
def utf8(s): return tlv(0x0c, s.encode() if isinstance(s, str) else s)
def printable(s): return tlv(0x13, s.encode())
def bitstring(b): return tlv(3, b'\x00' + b)
def ctx0(content): return tlv(0xa0, content)
CN='2.5.4.3'; O='2.5.4.10'; UID='1.3.6.1.4.1.57683.2'
def atv(t, v): return seq(oid(t), v)
def rdn(*atvs): return set_(*atvs)
def name(*rdns): return seq(*rdns)
def ext(o, val): return seq(oid(o), tlv(4, val))
def san(*dns): return ext('2.5.29.17', seq(*[tlv(0x82, d.encode()) for d in dns]))
def extreq(*exts): return seq(oid('1.2.840.113549.1.9.14'), set_(seq(*exts)))
def spki(key): return key.public_key().public_bytes(S.Encoding.DER, S.PublicFormat.SubjectPublicKeyInfo)
def csr(key, subject, attributes=b'', alg=None, spki_der=None):
    tbs = seq(integer(0), subject, spki_der or spki(key), ctx0(attributes))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        alg, sig = alg or seq(oid('1.3.101.112')), key.sign(tbs)
    elif isinstance(key, rsa.RSAPrivateKey):
        alg = alg or seq(oid('1.2.840.113549.1.1.11'), NULL)
        from cryptography.hazmat.primitives.asymmetric import padding
        sig = key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    else:
        alg, sig = alg or seq(oid('1.2.840.10045.4.3.2')), key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return seq(tbs, alg, bitstring(sig))
def pem(der):
    b = base64.b64encode(der).decode()
    return ('-----BEGIN CERTIFICATE REQUEST-----\n' + '\n'.join(b[i:i+64] for i in range(0, len(b), 64)) + '\n-----END CERTIFICATE REQUEST-----\n').encode()
def write(n, der): open(os.path.join(sys.argv[1], n), 'wb').write(pem(der))
p256 = ec.generate_private_key(ec.SECP256R1())
"#;

/// A CertificateSigningRequest object for the kube-apiserver-client signer around the PEM
/// request in `csr`, written to `out`.
fn write_client_object(env: &Env, csr: &str, out: &str) {
    let request =
        base64::engine::general_purpose::STANDARD.encode(fs::read(env.path(csr)).unwrap());
    fs::write(
        env.path(out),
        format!(
            "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: x\nspec:\n  request: {request}\n  signerName: kubernetes.io/kube-apiserver-client\n  usages: [client auth]\n"
        ),
    )
    .unwrap();
}

/// Regression (sweep A1): `CN=admin + CN=jane` in one RDN, written admin first, is not in
/// DER SET OF order. Go reads the last CN in the order written (`pkix.Name.
/// FillFromRDNSequence`): jane; re-encoded, the SET is sorted and Go would read admin from
/// the certificate. kcred refuses it (PEM and inside a CertificateSigningRequest), naming the
/// file and writing nothing; the same RDN in DER order is signed, and kcred, Go's reading of
/// the request and Go's x509 authenticator on the certificate all name the same user.
#[test]
fn a_multi_valued_rdn_out_of_der_order_is_refused_and_in_order_names_go_s_user() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    python(
        &format!(
            "{DER_BUILDER}
a, j = atv(CN, utf8('admin')), atv(CN, utf8('jane'))
write('unsorted.csr', csr(p256, name(tlv(0x31, a + j))))
write('sorted.csr', csr(p256, name(tlv(0x31, j + a))))
"
        ),
        &[&env.p("")],
    );
    let go = go_csrcheck(&env, "unsorted.csr");
    assert_eq!(go["cn"], "jane", "{go}");
    write_client_object(&env, "unsorted.csr", "unsorted.yaml");
    for input in ["unsorted.csr", "unsorted.yaml"] {
        let err = env.sign_fails(3, "ca", input, "out.crt", &[]);
        assert!(err.contains("not in DER form"), "{input}: {err}");
        assert!(err.contains(input), "the error names the file: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!env.path("out.crt").exists(), "{input}: nothing is written");
    }
    let go = go_csrcheck(&env, "sorted.csr");
    assert_eq!(go["cn"], "admin", "{go}");
    let out = env
        .kcred()
        .args([
            "cert",
            "sign",
            "--ca",
            "ca",
            "--csr",
            "sorted.csr",
            "--out",
            "sorted.crt",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let said =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("for \"admin\""),
        "kcred names the user Go reads: {said}"
    );
    let got = go_x509check(&env.path("ca.crt"), &env.path("sorted.crt"));
    assert_eq!(got["authenticated"], true, "{got}");
    assert_eq!(got["user"], "admin", "{got}");
}

/// Regressions (sweep A2, A3, A4, A5, A10): requests whose certificate Go 1.25 could not
/// parse (a subject value that is no string or an invalid one: crypto/x509 parser.go
/// `parseName`/`parseASN1String`; a key `parsePublicKey` refuses), whose Ed25519 signature
/// algorithm has parameters (x509.go `getSignatureAlgorithmFromAI`), that request an
/// extension twice (x509.go `parseCSRExtensions`), or whose certificate kube-apiserver's
/// x509 authenticator would refuse for its UIDs (k8s.io/apiserver/pkg/authentication/
/// request/x509/x509.go `parseUIDFromCert`). Go (tests/go/csrcheck) says so of each, and
/// kcred refuses each in the same words: one line naming the file, exit 3, nothing written.
#[test]
fn requests_go_or_the_x509_authenticator_would_refuse_are_refused_in_go_s_words() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    python(
        &format!(
            "{DER_BUILDER}
jane = rdn(atv(CN, utf8('jane')))
write('printable_at.csr', csr(p256, name(rdn(atv(CN, printable('jane@example.com'))))))
write('bmp_odd.csr', csr(p256, name(rdn(atv(CN, tlv(0x1e, b'\\x00j\\x00'))))))
write('utf8_invalid.csr', csr(p256, name(rdn(atv('1.2.3.4', utf8(b'a\\xffb'))), jane)))
write('attr_integer.csr', csr(p256, name(rdn(atv('1.2.3.4', integer(5))), jane)))
write('uid_integer.csr', csr(p256, name(jane, rdn(atv(UID, integer(5))))))
write('two_uid.csr', csr(p256, name(jane, rdn(atv(UID, utf8('a'))), rdn(atv(UID, utf8('b'))))))
write('empty_uid.csr', csr(p256, name(jane, rdn(atv(UID, utf8(''))))))
pt = p256.public_key().public_bytes(S.Encoding.X962, S.PublicFormat.CompressedPoint)
ec_alg = seq(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7'))
write('ec_compressed.csr', csr(p256, name(jane), spki_der=seq(ec_alg, bitstring(pt))))
k = rsa.generate_private_key(65537, 2048); n = k.public_key().public_numbers()
rsa_key = bitstring(seq(integer(n.n), integer(n.e)))
write('rsa_no_null.csr', csr(k, name(jane), spki_der=seq(seq(oid('1.2.840.113549.1.1.1')), rsa_key)))
ed = ed25519.Ed25519PrivateKey.generate()
raw = ed.public_key().public_bytes(S.Encoding.Raw, S.PublicFormat.Raw)
write('ed25519_key_null.csr', csr(ed, name(jane), spki_der=seq(seq(oid('1.3.101.112'), NULL), bitstring(raw))))
write('ed25519_sig_null.csr', csr(ed, name(jane), alg=seq(oid('1.3.101.112'), NULL)))
write('dup_san.csr', csr(p256, name(jane), extreq(san('a.example'), san('b.example'))))
write('two_extreq.csr', csr(p256, name(jane), extreq(san('a.example')) + extreq(san('b.example'))))
"
        ),
        &[&env.p("")],
    );
    // (request, what Go says and kcred repeats, which of Go's answers says it)
    let cases = [
        // The request parser (encoding/asn1) refuses this one in its own words.
        (
            "printable_at.csr",
            "PrintableString contains invalid character",
            "parse_error",
        ),
        ("bmp_odd.csr", "invalid BMPString", "parse_error"),
        ("utf8_invalid.csr", "invalid UTF-8 string", "parse_error"),
        (
            "attr_integer.csr",
            "x509: invalid RDNSequence: invalid attribute value: unsupported string type: 2",
            "cert_error",
        ),
        (
            "uid_integer.csr",
            "unsupported string type: 2",
            "cert_error",
        ),
        (
            "two_uid.csr",
            "expected 1 UID, but found multiple: [a b]",
            "uid_error",
        ),
        (
            "empty_uid.csr",
            "UID cannot be an empty string",
            "uid_error",
        ),
        (
            "ec_compressed.csr",
            "x509: failed to unmarshal elliptic curve point",
            "parse_error",
        ),
        (
            "rsa_no_null.csr",
            "x509: RSA key missing NULL parameters",
            "parse_error",
        ),
        (
            "ed25519_key_null.csr",
            "x509: Ed25519 key encoded with illegal parameters",
            "parse_error",
        ),
        (
            "ed25519_sig_null.csr",
            "x509: cannot verify signature: algorithm unimplemented",
            "signature_error",
        ),
        (
            "dup_san.csr",
            "x509: certificate request contains duplicate requested extensions",
            "parse_error",
        ),
        (
            "two_extreq.csr",
            "x509: certificate request contains duplicate requested extensions",
            "parse_error",
        ),
    ];
    for (file, words, field) in cases {
        let go = go_csrcheck(&env, file);
        let said = go[field].as_str().unwrap_or_default();
        assert!(said.contains(words), "Go on {file}: {go}");
        let extra: &[&str] = if file.contains("san") || file.contains("extreq") {
            &["--usage", "server"]
        } else {
            &[]
        };
        let err = env.sign_fails(3, "ca", file, "out.crt", extra);
        // kcred says what Go's certificate parser says (parser.go parseASN1String).
        let words = words.replace(
            "PrintableString contains invalid character",
            "invalid PrintableString",
        );
        assert!(err.contains(&words), "{file}: {err}");
        assert!(err.contains(file), "the error names the file: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!env.path("out.crt").exists(), "{file}: nothing is written");
    }
}

/// Regressions (sweep A6, A7): what kube-apiserver refuses of a CertificateSigningRequest
/// before anything could sign it is refused, in the API's words, with one line naming the
/// file and nothing written:
/// - `spec.request` whose first PEM block is not a `CERTIFICATE REQUEST`
///   (pkg/apis/certificates/helpers.go `ParseCSR`: "PEM block type must be CERTIFICATE
///   REQUEST"), even when a request follows;
/// - a malformed signer name (pkg/apis/certificates/validation/validation.go
///   `ValidateSignerName`), and a signer under any `*.kubernetes.io` domain other than the
///   built-in ones (`IsKubernetesSignerName`: nothing would ever sign it);
/// - no name, or one that is not a path segment (`ValidateObjectMetaAccessor`;
///   staging/src/k8s.io/apiserver/pkg/registry/rest/create.go `BeforeCreate`);
/// - `spec.expirationSeconds` that is not an int32 (`*int32` in
///   staging/src/k8s.io/api/certificates/v1/types.go: a string or an overflow does not
///   decode).
///
/// The unchanged object is signed (the control).
#[test]
fn objects_kube_apiserver_refuses_are_refused_in_its_words() {
    let env = with_jane_request();
    let csr = fs::read_to_string(env.path("j.csr")).unwrap();
    let ca = fs::read_to_string(env.path("ca.crt")).unwrap();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let object = |meta: &str, request: &str, signer: &str, extra: &str| {
        format!(
            "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:{meta}\nspec:\n  request: {}\n  signerName: {signer}\n  usages: [digital signature, client auth]\n{extra}",
            b64(request)
        )
    };
    let client = "kubernetes.io/kube-apiserver-client";
    let named = "\n  name: jane";
    fs::write(env.path("ok.yaml"), object(named, &csr, client, "")).unwrap();
    env.sign("ca", "ok.yaml", "ok.crt", &[]);
    let cases = [
        (
            object(named, &format!("{ca}{csr}"), client, ""),
            "PEM block type must be CERTIFICATE REQUEST",
        ),
        (
            object(named, &csr, "kubeapiserverclient", ""),
            "must be a fully qualified domain and path of the form 'example.com/signer-name'",
        ),
        (
            object(named, &csr, "example.com/a/b", ""),
            "must be a fully qualified domain and path",
        ),
        (
            object(named, &csr, "Example.com/x", ""),
            "validating label \"Example\"",
        ),
        (
            object(named, &csr, "example/x", ""),
            "should be a domain with at least two segments separated by dots",
        ),
        (
            object(named, &csr, "x.kubernetes.io/foo", ""),
            "unknown Kubernetes signer x.kubernetes.io/foo",
        ),
        (
            object(" {}", &csr, client, ""),
            "metadata.name: Required value",
        ),
        (
            object("\n  name: a/b", &csr, client, ""),
            "metadata.name: Invalid value: \"a/b\": may not contain '/'",
        ),
        (
            object("\n  name: '..'", &csr, client, ""),
            "metadata.name: Invalid value: \"..\": may not be '..'",
        ),
        (
            object(named, &csr, client, "  expirationSeconds: \"3600\"\n"),
            "expected an int32",
        ),
        (
            object(named, &csr, client, "  expirationSeconds: 2147483648\n"),
            "2147483648 overflows an int32",
        ),
    ];
    for (i, (yaml, words)) in cases.iter().enumerate() {
        let file = format!("bad{i}.yaml");
        fs::write(env.path(&file), yaml).unwrap();
        let err = env.sign_fails(3, "ca", &file, "out.crt", &[]);
        assert!(err.contains(words), "{file}: {err}");
        assert!(err.contains(&file), "the error names the file: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!env.path("out.crt").exists(), "{file}: nothing is written");
    }
}
