//! CA and ServiceAccount keys held in a PKCS#11 token (SoftHSM2, Debian's `softhsm2`), checked
//! by real peers: openssl and Go's crypto/x509 (tests/go/x509check) for certificates, PyJWT
//! and the API server's token rules (tests/go/tokencheck) for tokens, `pkcs11-tool` (Debian's
//! `opensc`) for the objects on the token and for keys made outside kcred.
//!
//! Every test gets its own SOFTHSM2_CONF and token directory, with one token `k8s`
//! (`softhsm2-util --init-token --free --label k8s --pin 1234 --so-pin 5678`). SoftHSM2 and
//! OpenSC are installed and pinned by scripts/install-peers; a missing one fails the test.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{
    Env, KUBECTL_VIEW_JSON, assert_go_identity, assert_openssl_verifies, assert_says,
    bootstrap_args, go_tokencheck, go_x509check, identity_cases, mode, peer, python, run_peer,
    snapshot,
};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "1234";

/// A scratch directory with its own SoftHSM2 token `k8s`.
struct Hsm {
    env: Env,
    conf: PathBuf,
}

impl Hsm {
    fn new() -> Hsm {
        assert!(
            std::path::Path::new(MODULE).is_file(),
            "{MODULE} is missing: run the tests with scripts/test, which installs softhsm2 \
             (scripts/install-peers)"
        );
        let env = Env::new();
        let tokens = env.path("tokens");
        std::fs::create_dir(&tokens).unwrap();
        let conf = env.path("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        std::fs::write(env.path("pin"), format!("{PIN}\n")).unwrap();
        std::fs::write(env.path("wrong-pin"), "9999\n").unwrap();
        let hsm = Hsm { env, conf };
        run_peer(hsm.peer("softhsm2-util").args([
            "--init-token",
            "--free",
            "--label",
            "k8s",
            "--pin",
            PIN,
            "--so-pin",
            "5678",
        ]));
        hsm
    }

    /// A peer that sees this test's token.
    fn peer(&self, name: &str) -> Command {
        let mut c = peer(name);
        c.current_dir(self.env.dir.path())
            .env("SOFTHSM2_CONF", &self.conf);
        c
    }

    /// pkcs11-tool on this token, logged in.
    fn pkcs11_tool(&self, args: &[&str]) -> String {
        run_peer(
            self.peer("pkcs11-tool")
                .args([
                    "--module",
                    MODULE,
                    "--token-label",
                    "k8s",
                    "--login",
                    "--pin",
                    PIN,
                ])
                .args(args),
        )
    }

    /// The URI of private key `object`, the PIN read from the file `pin_file`.
    fn uri(&self, object: &str, pin_file: &str) -> String {
        format!(
            "pkcs11:token=k8s;object={object};type=private?module-path={MODULE}&pin-source=file:{}",
            self.env.p(pin_file)
        )
    }

    fn kcred(&self) -> assert_cmd::Command {
        let mut c = self.env.kcred();
        c.env("SOFTHSM2_CONF", &self.conf)
            .env_remove("KCRED_PKCS11_PIN")
            .env_remove("KCRED_PKCS11_MODULE");
        c
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        self.kcred().args(args).output().expect("run kcred")
    }

    fn ok(&self, args: &[&str]) -> (String, String) {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kcred {args:?} failed ({:?}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    /// Exit 3, one line on stderr, no panic; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(3), "kcred {args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "not one line: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    }
}

/// `ca create --out PREFIX --key-type ecdsa-p256 --key pkcs11:object=OBJECT;...`: a P-256
/// CA whose key is made (or found) on the token; (stdout, stderr).
fn ca_on_token(hsm: &Hsm, prefix: &str, object: &str) -> (String, String) {
    hsm.ok(&[
        "ca",
        "create",
        "--out",
        prefix,
        "--key-type",
        "ecdsa-p256",
        "--key",
        &hsm.uri(object, "pin"),
    ])
}

/// The client certificate a kubeconfig embeds, as kubectl reads it (`config view --raw`).
fn conf_client_cert(hsm: &Hsm, kubeconfig: &str) -> Vec<u8> {
    use base64::Engine as _;
    let view: serde_json::Value = serde_json::from_str(&run_peer(
        hsm.peer("kubectl").args(KUBECTL_VIEW_JSON).arg(kubeconfig),
    ))
    .unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(
            view["users"][0]["user"]["client-certificate-data"]
                .as_str()
                .unwrap(),
        )
        .unwrap()
}

/// openssl verify `cert` against `ca` for `purpose`.
fn openssl_verify(hsm: &Hsm, ca: &str, cert: &str) {
    assert_openssl_verifies(
        hsm.peer("openssl")
            .args(["verify", "-CAfile", ca, "-purpose", "sslclient", cert]),
        cert,
    );
}

/// Admin, node and multi-group client certificates signed by `ca` (whose key is on the
/// token) verify in openssl and authenticate in Go's crypto/x509 as exactly those identities
/// (kube-apiserver's x509 authenticator: `staging/src/k8s.io/apiserver/pkg/authentication/
/// request/x509/x509.go`, `CommonNameUserConversion`: CN the user, every O a group).
fn signs_identities(hsm: &Hsm, ca: &str, ca_flags: &[&str]) {
    let cases = identity_cases(&[]);
    for (name, flags, want) in cases {
        let out = format!("{ca}-{name}");
        let mut args = vec!["cert", "issue", "--out", &out, "--key-type", "ecdsa-p256"];
        args.extend(ca_flags);
        args.extend(flags);
        hsm.ok(&args);
        let crt = format!("{out}.crt");
        assert_go_identity(
            &hsm.env.path(&format!("{ca}.crt")),
            &hsm.env.path(&crt),
            &want,
            &out,
        );
        openssl_verify(hsm, &format!("{ca}.crt"), &crt);
    }
}

/// `ca create --key pkcs11:...` on RSA-2048, P-256, P-384 and Ed25519 (CKM_EDDSA) token keys: PREFIX.key is the URI
/// (0600, no PIN, no key material), and `--ca PREFIX` and `--ca-cert/--ca-key` sign through
/// the token certificates openssl and Go accept.
#[test]
fn a_ca_on_the_token_signs_identities_openssl_and_go_accept() {
    let hsm = Hsm::new();
    for (kt, ca) in [
        ("rsa2048", "rsa-ca"),
        ("ecdsa-p256", "ec-ca"),
        ("ecdsa-p384", "p384-ca"),
        ("ed25519", "ed-ca"),
    ] {
        let uri = format!("{}&pin-value={PIN}", hsm.uri(ca, "pin"));
        let (_, err) = hsm.ok(&["ca", "create", "--out", ca, "--key-type", kt, "--key", &uri]);
        assert!(err.contains(&format!("generated {kt} key")), "{err}");
        assert!(!err.contains(PIN), "the PIN was printed: {err}");
        let key_file = hsm.env.path(&format!("{ca}.key"));
        let content = std::fs::read_to_string(&key_file).unwrap();
        assert_eq!(mode(&key_file), 0o600);
        assert_eq!(content.lines().count(), 1, "{content}");
        assert!(content.starts_with("pkcs11:token=k8s;object="), "{content}");
        assert!(
            !content.contains("pin-value") && !content.contains(PIN),
            "{content}"
        );
        // openssl: the certificate is a valid self-signed CA of the asked type.
        openssl_verify(&hsm, &format!("{ca}.crt"), &format!("{ca}.crt"));
        let text = run_peer(hsm.peer("openssl").args([
            "x509",
            "-in",
            &format!("{ca}.crt"),
            "-noout",
            "-text",
        ]));
        let want_alg = match kt {
            "rsa2048" => "sha256WithRSAEncryption",
            "ecdsa-p256" => "ecdsa-with-SHA256",
            "ecdsa-p384" => "ecdsa-with-SHA384",
            _ => "ED25519",
        };
        assert!(text.contains(want_alg), "{text}");
        signs_identities(&hsm, ca, &["--ca", ca]);
    }
    let key = hsm.env.p("ec-ca.key");
    let crt = hsm.env.p("ec-ca.crt");
    hsm.ok(&[
        "cert",
        "issue",
        "--ca-cert",
        &crt,
        "--ca-key",
        &key,
        "--out",
        "split",
        "--admin",
    ]);
    openssl_verify(&hsm, "ec-ca.crt", "split.crt");
    // A second `ca create` with the same object certifies the key already there.
    let (_, err) = ca_on_token(&hsm, "again", "ec-ca");
    assert!(err.contains("using the ecdsa-p256 key"), "{err}");
    let pubkey = |c: &str| {
        run_peer(
            hsm.peer("openssl")
                .args(["x509", "-in", c, "-noout", "-pubkey"]),
        )
    };
    assert_eq!(pubkey("again.crt"), pubkey("ec-ca.crt"));
}

/// Keys made by another tool (pkcs11-tool, with its own label and CKA_ID) are certified, not
/// replaced, and sign certificates Go and openssl accept.
#[test]
fn keys_made_by_pkcs11_tool_are_certified_and_used() {
    let hsm = Hsm::new();
    for (spec, label, id) in [
        ("EC:prime256v1", "ext-ec", "0a0b"),
        ("rsa:2048", "ext-rsa", "0c0d"),
    ] {
        hsm.pkcs11_tool(&[
            "--keypairgen",
            "--key-type",
            spec,
            "--label",
            label,
            "--id",
            id,
        ]);
        let uri = hsm.uri(label, "pin");
        let (_, err) = hsm.ok(&["ca", "create", "--out", label, "--key", &uri]);
        assert!(err.contains("using the"), "the key was not reused: {err}");
        // Still one private key with that label: kcred made none.
        let objects = hsm.pkcs11_tool(&["--list-objects", "--type", "privkey"]);
        assert_eq!(
            objects.matches(&format!("label:      {label}\n")).count(),
            1,
            "{objects}"
        );
        // The certified key is the tool's: its public key (read back by pkcs11-tool, DER)
        // is the certificate's.
        let pub_der = hsm.env.p(&format!("{label}.pub.der"));
        hsm.pkcs11_tool(&[
            "--read-object",
            "--type",
            "pubkey",
            "--id",
            id,
            "--output-file",
            &pub_der,
        ]);
        let tool_pub = run_peer(
            hsm.peer("openssl")
                .args(["pkey", "-pubin", "-inform", "DER", "-in", &pub_der]),
        );
        let cert_pub = run_peer(hsm.peer("openssl").args([
            "x509",
            "-in",
            &format!("{label}.crt"),
            "-noout",
            "-pubkey",
        ]));
        assert_eq!(tool_pub, cert_pub, "{label}");
        signs_identities(&hsm, label, &["--ca", label]);
    }
}

/// `sa keygen --key pkcs11:...`: tokens signed on the token (RS256, ES256) verify in PyJWT
/// against sa.pub and pass the API server's rules (tests/go/tokencheck;
/// `pkg/serviceaccount/jwt.go`, `JWTTokenAuthenticator`).
#[test]
fn service_account_tokens_signed_on_the_token_verify_in_pyjwt() {
    let hsm = Hsm::new();
    for (kt, alg) in [
        ("rsa2048", "RS256"),
        ("ecdsa-p256", "ES256"),
        ("ecdsa-p384", "ES384"),
    ] {
        let prefix = format!("sa-{kt}");
        let uri = hsm.uri(&prefix, "pin");
        hsm.ok(&[
            "sa",
            "keygen",
            "--out",
            &prefix,
            "--key-type",
            kt,
            "--key",
            &uri,
        ]);
        let key = format!("{prefix}.key");
        let pubkey = format!("{prefix}.pub");
        assert!(
            std::fs::read_to_string(hsm.env.path(&key))
                .unwrap()
                .starts_with("pkcs11:")
        );
        let (token, _) = hsm.ok(&[
            "token",
            "issue",
            "--key",
            &key,
            "--uid",
            "u-1",
            "-n",
            "apps",
            "web",
            "--audience",
            "vault",
        ]);
        let token = token.trim();
        let got = python(
            r#"
import sys, jwt
from cryptography.hazmat.primitives import serialization
pub = serialization.load_pem_public_key(open(sys.argv[1], "rb").read())
claims = jwt.decode(sys.argv[3], pub, algorithms=[sys.argv[2]], audience="vault")
print(jwt.get_unverified_header(sys.argv[3])["alg"], claims["sub"])
"#,
            &[&hsm.env.p(&pubkey), alg, token],
        );
        assert_eq!(got.trim(), format!("{alg} system:serviceaccount:apps:web"));
        let got = go_tokencheck(hsm.env.dir.path(), &pubkey, token, &["-audience", "vault"]);
        assert_eq!(got["authenticated"], true, "{kt}: {got}");
    }
}

/// What kcred makes on the token stays there: the private keys read back CKA_SENSITIVE=true
/// and CKA_EXTRACTABLE=false (pkcs11-tool's "Access:" line prints both flags), carry the
/// certificate's SubjectKeyIdentifier as CKA_ID, and may only sign.
#[test]
fn generated_keys_are_sensitive_and_not_extractable() {
    let hsm = Hsm::new();
    hsm.ok(&[
        "ca",
        "create",
        "--out",
        "ca",
        "--key",
        &hsm.uri("ca", "pin"),
    ]);
    hsm.ok(&[
        "sa",
        "keygen",
        "--out",
        "sa",
        "--key-type",
        "ecdsa-p256",
        "--key",
        &hsm.uri("sa", "pin"),
    ]);
    let objects = hsm.pkcs11_tool(&["--list-objects", "--type", "privkey"]);
    let keys: Vec<&str> = objects.split("Private Key Object").skip(1).collect();
    assert_eq!(keys.len(), 2, "{objects}");
    for k in &keys {
        // opensc `pkcs11-tool.c`, `show_key`: "sensitive" for CKA_SENSITIVE, "extractable"
        // for CKA_EXTRACTABLE, "never extractable" for CKA_NEVER_EXTRACTABLE.
        let access = k.lines().find(|l| l.contains("Access:")).unwrap_or("");
        let flags: Vec<&str> = access
            .trim()
            .trim_start_matches("Access:")
            .split(',')
            .map(str::trim)
            .collect();
        assert!(
            flags.contains(&"sensitive"),
            "CKA_SENSITIVE is not true: {k}"
        );
        assert!(
            !flags.contains(&"extractable"),
            "CKA_EXTRACTABLE is not false: {k}"
        );
        assert!(flags.contains(&"never extractable"), "{k}");
        let usage = k.lines().find(|l| l.contains("Usage:")).unwrap_or("");
        assert!(
            !usage.contains("decrypt") && !usage.contains("unwrap"),
            "{k}"
        );
    }
    let ski = run_peer(hsm.peer("openssl").args([
        "x509",
        "-in",
        "ca.crt",
        "-noout",
        "-ext",
        "subjectKeyIdentifier",
    ]));
    let ski = ski
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .replace(':', "")
        .to_lowercase();
    assert!(
        objects.contains(&format!("ID:         {ski}")),
        "{ski}\n{objects}"
    );
}

/// A wrong PIN, a missing object, a module that does not load: one line naming the URI (never
/// the PIN), exit 3, nothing written.
#[test]
fn token_errors_are_one_line_naming_the_uri_and_write_nothing() {
    let hsm = Hsm::new();
    ca_on_token(&hsm, "ca", "ca");
    let before = snapshot(hsm.env.dir.path());

    // Wrong PIN from a pin-source file, and as a pin-value (never echoed).
    let bad_pin = hsm.uri("new", "wrong-pin");
    let err = hsm.fails(&["ca", "create", "--out", "x", "--key", &bad_pin]);
    assert_says(&err, &["wrong PIN", "object=new"]);
    let with_value = format!("{}&pin-value=86421357", hsm.uri("new", "pin"));
    let err = hsm.fails(&["ca", "create", "--out", "x", "--key", &with_value]);
    assert!(
        err.contains("wrong PIN") && !err.contains("86421357"),
        "{err}"
    );
    // Through a key file: `--ca PREFIX` whose PREFIX.key names the wrong PIN file.
    std::fs::write(hsm.env.path("bad.key"), format!("{bad_pin}\n")).unwrap();
    std::fs::copy(hsm.env.path("ca.crt"), hsm.env.path("bad.crt")).unwrap();
    let err = hsm.fails(&["cert", "issue", "--ca", "bad", "--out", "u", "--admin"]);
    assert_says(&err, &["bad.key", "wrong PIN"]);
    assert!(!err.contains("9999"), "{err}");

    // A missing object.
    std::fs::write(
        hsm.env.path("gone.key"),
        format!("{}\n", hsm.uri("gone", "pin")),
    )
    .unwrap();
    std::fs::copy(hsm.env.path("ca.crt"), hsm.env.path("gone.crt")).unwrap();
    let err = hsm.fails(&["cert", "issue", "--ca", "gone", "--out", "u", "--admin"]);
    assert_says(&err, &["object=gone", "no private key object"]);
    let err = hsm.fails(&[
        "token", "issue", "--key", "gone.key", "--uid", "u-1", "default",
    ]);
    assert!(err.contains("object=gone"), "{err}");

    // A module that does not load.
    let bad_module = hsm
        .uri("ca", "pin")
        .replace(MODULE, "/nonexistent/libpkcs11.so");
    std::fs::write(hsm.env.path("nomod.key"), format!("{bad_module}\n")).unwrap();
    std::fs::copy(hsm.env.path("ca.crt"), hsm.env.path("nomod.crt")).unwrap();
    let err = hsm.fails(&["cert", "issue", "--ca", "nomod", "--out", "u", "--admin"]);
    assert_says(&err, &["/nonexistent/libpkcs11.so", "cannot load"]);
    let err = hsm.fails(&["ca", "create", "--out", "y", "--key", &bad_module]);
    assert!(err.contains("cannot load"), "{err}");

    // Nothing new on disk but the key files this test wrote itself.
    let mut after = snapshot(hsm.env.dir.path());
    after.retain(|k, _| !k.starts_with("tokens/"));
    let mut before = before;
    before.retain(|k, _| !k.starts_with("tokens/"));
    for f in [
        "bad.key",
        "bad.crt",
        "gone.key",
        "gone.crt",
        "nomod.key",
        "nomod.crt",
    ] {
        after.remove(f);
    }
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
}

/// kubeadm's three CAs made on the token (`ca create --key`, PREFIX.key holding the URI):
/// `bootstrap` keeps them and signs every leaf and kubeconfig through the token; openssl
/// verifies the leaves, kubectl reads admin.conf and Go authenticates its client certificate;
/// `check` and `renew` work; and no file in the directory holds a CA private key (every PEM
/// private key is parsed and compared with the CAs' public keys).
#[test]
fn a_kubeadm_bootstrap_with_the_cas_on_the_token_keeps_them_there() {
    let hsm = Hsm::new();
    std::fs::create_dir_all(hsm.env.path("k/pki/etcd")).unwrap();
    let cas = [
        ("ca", "k/pki/ca"),
        ("front-proxy-ca", "k/pki/front-proxy-ca"),
        ("etcd-ca", "k/pki/etcd/ca"),
    ];
    for (object, prefix) in cas {
        ca_on_token(&hsm, prefix, object);
    }
    hsm.ok(&bootstrap_args(
        "k",
        &["cp1", "w1"],
        &["--key-type", "ecdsa-p256"],
    ));
    verify_kubeadm_tree(&hsm, "k");
    hsm.ok(&["check", "--dir", "k"]);
    hsm.ok(&["renew", "--dir", "k", "--all"]);
    hsm.ok(&["check", "--dir", "k"]);

    // No CA private key anywhere: every CA key file is the URI, and no PEM private key in the
    // tree has a CA's public key.
    let ca_pubs: Vec<String> = cas
        .iter()
        .map(|(_, p)| {
            let key = std::fs::read_to_string(hsm.env.path(&format!("{p}.key"))).unwrap();
            assert!(key.starts_with("pkcs11:"), "{p}.key: {key}");
            run_peer(hsm.peer("openssl").args([
                "x509",
                "-noout",
                "-pubkey",
                "-in",
                &format!("{p}.crt"),
            ]))
        })
        .collect();
    let mut checked = 0;
    for (file, bytes) in snapshot(&hsm.env.path("k")) {
        let text = String::from_utf8_lossy(&bytes);
        if text.contains("PRIVATE KEY-----") {
            let pubkey = run_peer(hsm.peer("openssl").args([
                "pkey",
                "-pubout",
                "-in",
                &format!("k/{file}"),
            ]));
            assert!(!ca_pubs.contains(&pubkey), "{file} holds a CA private key");
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} private keys found");
}

/// openssl verifies kubeadm's leaves against their CAs, kubectl reads `DIR/admin.conf` and
/// Go authenticates its client certificate as kubernetes-admin.
fn verify_kubeadm_tree(hsm: &Hsm, dir: &str) {
    let pki = hsm.env.path(&format!("{dir}/pki"));
    for (ca, leaf, purpose) in [
        ("ca.crt", "apiserver.crt", "sslserver"),
        ("ca.crt", "apiserver-kubelet-client.crt", "sslclient"),
        ("front-proxy-ca.crt", "front-proxy-client.crt", "sslclient"),
        ("etcd/ca.crt", "etcd/server.crt", "sslserver"),
        ("etcd/ca.crt", "apiserver-etcd-client.crt", "sslclient"),
    ] {
        let out = hsm
            .peer("openssl")
            .current_dir(&pki)
            .args(["verify", "-CAfile", ca, "-purpose", purpose, leaf])
            .output()
            .unwrap();
        assert!(out.status.success(), "{leaf}: {out:?}");
    }
    std::fs::write(
        hsm.env.path("admin-from-conf.crt"),
        conf_client_cert(hsm, &format!("{dir}/admin.conf")),
    )
    .unwrap();
    let got = go_x509check(&pki.join("ca.crt"), &hsm.env.path("admin-from-conf.crt"));
    assert_eq!(got["user"], "kubernetes-admin", "{got}");
}

/// `bootstrap --ca-key-uri NAME=pkcs11:...` for kubeadm's three CAs: the keys are made on the
/// token, no CA key file is written (kubeadm's external-CA layout, `cmd/kubeadm/app/phases/
/// certs/certs.go` `UsingExternalCA`: ca.crt without ca.key), every leaf is signed through the
/// token and verifies; `check` passes and reports the CAs externally managed; a second run
/// keeps everything; `renew` says the CA key is not in the directory instead of pretending;
/// an unknown CA name is a usage error.
#[test]
fn bootstrap_ca_key_uri_keeps_the_cas_on_the_token_and_no_ca_key_on_disk() {
    let hsm = Hsm::new();
    let uris = external_ca_uris(&hsm);
    let args = external_ca_args(&uris, &["cp1", "w1"]);
    let mut dry = args.clone();
    dry.push("--dry-run");
    hsm.ok(&dry);
    assert!(
        !hsm.pkcs11_tool(&["--list-objects", "--type", "privkey"])
            .contains("boot-"),
        "a dry run made keys on the token"
    );
    let (out, _) = hsm.ok(&args);
    assert!(!out.contains("ca.key"), "{out}");
    for f in [
        "k/pki/ca.key",
        "k/pki/front-proxy-ca.key",
        "k/pki/etcd/ca.key",
    ] {
        assert!(!hsm.env.path(f).exists(), "{f} was written");
    }
    let objects = hsm.pkcs11_tool(&["--list-objects", "--type", "privkey"]);
    for n in ["ca", "front-proxy-ca", "etcd-ca"] {
        assert!(
            objects.contains(&format!("label:      boot-{n}\n")),
            "{objects}"
        );
    }
    verify_kubeadm_tree(&hsm, "k");
    let (check, _) = hsm.ok(&["check", "--dir", "k"]);
    let ca_row = check
        .lines()
        .find(|l| l.starts_with("ca "))
        .unwrap_or_else(|| panic!("{check}"));
    assert!(ca_row.contains("yes"), "not externally managed: {ca_row}");
    let before = snapshot(&hsm.env.path("k"));
    let (out, _) = hsm.ok(&args);
    assert_says(&out, &["0 created", "0 errors"]);
    assert_eq!(before, snapshot(&hsm.env.path("k")));
    // renew has no token key to sign with: it says so (exit 3), not "renewed", names the
    // flag that gives it one, and writes nothing.
    let err = hsm.fails(&["renew", "--dir", "k", "--all"]);
    assert!(err.contains("externally managed"), "{err}");
    assert!(err.contains("--ca-key-uri"), "{err}");
    assert_eq!(before, snapshot(&hsm.env.path("k")));
    let out = hsm.run(&[
        "bootstrap",
        "--dir",
        "k2",
        "--ca-key-uri",
        "nope=pkcs11:object=x",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(!hsm.env.path("k2").exists());
}

/// `NAME=URI` for kubeadm's three CAs, each on its own token object `boot-NAME`.
fn external_ca_uris(hsm: &Hsm) -> Vec<String> {
    ["ca", "front-proxy-ca", "etcd-ca"]
        .iter()
        .map(|n| format!("{n}={}", hsm.uri(&format!("boot-{n}"), "pin")))
        .collect()
}

/// `bootstrap --dir k --node NODE... --key-type ecdsa-p256 --ca-key-uri NAME=URI...`.
fn external_ca_args<'a>(uris: &'a [String], nodes: &[&'a str]) -> Vec<&'a str> {
    let mut args = bootstrap_args("k", nodes, &["--key-type", "ecdsa-p256"]);
    for u in uris {
        args.extend(["--ca-key-uri", u.as_str()]);
    }
    args
}

/// kubeadm's three CAs on the token, bootstrapped with `--ca-key-uri`: the directory is
/// kubeadm's external-CA layout (`cmd/kubeadm/app/phases/certs/certs.go` `UsingExternalCA`).
/// Returns the `NAME=URI` values given.
fn bootstrap_external_cas(hsm: &Hsm) -> Vec<String> {
    let uris = external_ca_uris(hsm);
    let args = external_ca_args(&uris, &["cp1"]);
    hsm.ok(&args);
    uris
}

/// `renew --all --ca-key-uri NAME=pkcs11:...` re-signs every leaf through the token (kubeadm's
/// `certs renew all`, `cmd/kubeadm/app/phases/certs/renewal/manager.go`, which with an
/// external CA has no key to sign with): openssl verifies every rewritten certificate against
/// the CA certificates, Go and kubectl read admin.conf, the CA certificates and every key file
/// are as they were, no CA key file appears, and `check` passes with the CAs externally
/// managed. A dry run writes nothing.
#[test]
fn renew_ca_key_uri_re_signs_every_leaf_through_the_token() {
    let hsm = Hsm::new();
    let uris = bootstrap_external_cas(&hsm);
    let mut args = vec!["renew", "--dir", "k", "--all"];
    for u in &uris {
        args.extend(["--ca-key-uri", u.as_str()]);
    }
    let before = snapshot(&hsm.env.path("k"));
    let mut dry = args.clone();
    dry.push("--dry-run");
    let (out, _) = hsm.ok(&dry);
    assert!(out.contains("would be renewed"), "{out}");
    assert_eq!(before, snapshot(&hsm.env.path("k")), "a dry run wrote");

    let (out, _) = hsm.ok(&args);
    assert!(out.contains("apiserver renewed"), "{out}");
    let after = snapshot(&hsm.env.path("k"));
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "files appeared or went"
    );
    for f in ["pki/ca.key", "pki/front-proxy-ca.key", "pki/etcd/ca.key"] {
        assert!(!after.contains_key(f), "{f} was written");
    }
    std::fs::write(
        hsm.env.path("cas.pem"),
        [
            "k/pki/ca.crt",
            "k/pki/front-proxy-ca.crt",
            "k/pki/etcd/ca.crt",
        ]
        .iter()
        .map(|f| std::fs::read_to_string(hsm.env.path(f)).unwrap())
        .collect::<String>(),
    )
    .unwrap();
    let mut renewed = 0;
    for (file, bytes) in &after {
        let is_ca =
            ["pki/ca.crt", "pki/front-proxy-ca.crt", "pki/etcd/ca.crt"].contains(&file.as_str());
        if file.ends_with(".key") || file.ends_with(".pub") || is_ca {
            assert_eq!(&before[file], bytes, "{file} changed");
        } else if file.ends_with(".crt") {
            assert_ne!(&before[file], bytes, "{file} was not renewed");
            openssl_verify_any(&hsm, "cas.pem", &format!("k/{file}"));
            renewed += 1;
        }
    }
    // kubeadm's seven leaf certificate files (certlist.go), all renewed.
    assert_eq!(renewed, 7, "{out}");
    // Every kubeconfig's client certificate too (kcred embeds each, the kubelet's
    // included), as kubectl reads it.
    let mut confs = 0;
    for conf in after.keys().filter(|f| f.ends_with(".conf")) {
        assert_ne!(before[conf], after[conf], "{conf} was not renewed");
        std::fs::write(
            hsm.env.path("conf.crt"),
            conf_client_cert(&hsm, &format!("k/{conf}")),
        )
        .unwrap();
        openssl_verify_any(&hsm, "cas.pem", "conf.crt");
        confs += 1;
    }
    assert_eq!(confs, 5, "{out}");
    verify_kubeadm_tree(&hsm, "k");
    let (check, _) = hsm.ok(&["check", "--dir", "k"]);
    for ca in ["ca ", "front-proxy-ca ", "etcd-ca "] {
        let row = check
            .lines()
            .find(|l| l.starts_with(ca))
            .unwrap_or_else(|| panic!("{check}"));
        assert!(row.contains("yes"), "not externally managed: {row}");
    }
}

/// openssl verify `cert` against the bundle `cas`, for any purpose.
fn openssl_verify_any(hsm: &Hsm, cas: &str, cert: &str) {
    let out = hsm
        .peer("openssl")
        .args(["verify", "-CAfile", cas, cert])
        .output()
        .unwrap();
    assert!(out.status.success(), "openssl verify {cert}: {out:?}");
}

/// A URI naming another key on the token (another CA's) is refused before anything is
/// signed: one line naming the URI and the CA, never the PIN, exit 3, nothing written. So is
/// a CA name the directory does not have (a usage error, exit 2), and a token key for a CA
/// whose key file is in the directory.
#[test]
fn renew_refuses_a_token_key_that_is_not_the_cas() {
    let hsm = Hsm::new();
    let uris = bootstrap_external_cas(&hsm);
    let before = snapshot(&hsm.env.path("k"));
    // The front-proxy CA's key given as the cluster CA's, its PIN in the URI.
    let wrong = format!(
        "ca=pkcs11:token=k8s;object=boot-front-proxy-ca;type=private?module-path={MODULE}&pin-value={PIN}"
    );
    let err = hsm.fails(&[
        "renew",
        "--dir",
        "k",
        "--all",
        "--ca-key-uri",
        &wrong,
        "--ca-key-uri",
        &uris[1],
        "--ca-key-uri",
        &uris[2],
    ]);
    assert!(err.contains("object=boot-front-proxy-ca"), "{err}");
    assert!(err.contains("does not belong to CA \"ca\""), "{err}");
    assert!(!err.contains(PIN), "the PIN is shown: {err}");
    assert_eq!(before, snapshot(&hsm.env.path("k")));

    // Only one leaf named, its CA's key right, but the cluster CA's wrong: still refused
    // (every given key is checked).
    let err = hsm.fails(&[
        "renew",
        "--dir",
        "k",
        "front-proxy-client",
        "--ca-key-uri",
        &wrong,
        "--ca-key-uri",
        &uris[1],
    ]);
    assert!(err.contains("does not belong"), "{err}");
    assert_eq!(before, snapshot(&hsm.env.path("k")));

    let out = hsm.run(&[
        "renew",
        "--dir",
        "k",
        "--all",
        "--ca-key-uri",
        &format!("nope={}", hsm.uri("boot-ca", "pin")),
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(before, snapshot(&hsm.env.path("k")));

    // A CA with its key file in the directory and a token key given too: refused.
    hsm.ok(&["ca", "create", "--out", "k2/ca", "--key-type", "ecdsa-p256"]);
    let before = snapshot(&hsm.env.path("k2"));
    let err = hsm.fails(&["renew", "--dir", "k2", "--all", "--ca-key-uri", &uris[0]]);
    assert!(err.contains("has its key file in the directory"), "{err}");
    assert_eq!(before, snapshot(&hsm.env.path("k2")));
}

/// `check` on the external-CA layout still verifies every leaf's chain (Go's
/// `Certificate.Verify`, `crypto/x509/verify.go`, as kube-apiserver's client-certificate
/// authenticator does): a leaf signed by a CA outside the directory is a problem, exit 1,
/// though no CA key is there to compare with.
#[test]
fn check_verifies_chains_when_the_ca_keys_are_on_the_token() {
    let hsm = Hsm::new();
    bootstrap_external_cas(&hsm);
    hsm.ok(&["check", "--dir", "k"]);
    // The apiserver's key, certified by a CA that is not the directory's.
    run_peer(hsm.peer("openssl").args([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "rogue.key",
        "-out",
        "rogue.crt",
        "-subj",
        "/CN=rogue",
        "-days",
        "30",
    ]));
    run_peer(hsm.peer("openssl").args([
        "req",
        "-new",
        "-key",
        "k/pki/apiserver.key",
        "-subj",
        "/CN=kube-apiserver",
        "-out",
        "apiserver.csr",
    ]));
    run_peer(hsm.peer("openssl").args([
        "x509",
        "-req",
        "-in",
        "apiserver.csr",
        "-CA",
        "rogue.crt",
        "-CAkey",
        "rogue.key",
        "-days",
        "30",
        "-out",
        "k/pki/apiserver.crt",
    ]));
    let out = hsm.run(&["check", "--dir", "k"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let row = stdout
        .lines()
        .find(|l| l.starts_with("apiserver "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.contains("chain does not verify"), "{row}");
}
