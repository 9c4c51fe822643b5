//! `kcred whoami` end to end: credentials from kubeconfigs written by real kubectl, client
//! certificates judged as Go's crypto/x509 judges them, tokens made by PyJWT, the static token
//! file, anonymous requests, and the exact output shapes (kubectl's whoami table and
//! SelfSubjectReview, the API server's 401 Status).

use std::fs;

use serde_json::{Value, json};

use crate::common::{
    Env, WhoamiServer, assert_says, assert_success, go_tokencheck, go_x509check, peer, python,
    run_peer,
};

const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

fn whoami(env: &Env, args: &[&str]) -> (i32, Value) {
    let mut a = vec!["whoami", "-o", "json"];
    a.extend_from_slice(args);
    let out = env.kcred().args(&a).output().unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "whoami {args:?}: exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        code,
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout))),
    )
}

fn user_info(v: &Value) -> &Value {
    &v["status"]["userInfo"]
}

/// A cluster: bootstrap's kubeadm layout (CA, sa.key/sa.pub, kubeconfigs).
fn cluster(env: &Env) {
    env.ok(&["bootstrap", "--dir", "c", "--key-type", "ecdsa-p256"]);
}

#[test]
fn bootstrapped_kubeconfigs_authenticate_as_their_identities() {
    let env = Env::new();
    cluster(&env);
    let (code, v) = whoami(
        &env,
        &["--kubeconfig", "c/admin.conf", "--pki-dir", "c/pki"],
    );
    assert_eq!(code, 0);
    assert_eq!(v["kind"], "SelfSubjectReview");
    assert_eq!(v["apiVersion"], "authentication.k8s.io/v1");
    assert_eq!(user_info(&v)["username"], "kubernetes-admin");
    assert_eq!(
        user_info(&v)["groups"],
        json!(["kubeadm:cluster-admins", "system:authenticated"])
    );
    let id = user_info(&v)["extra"]["authentication.kubernetes.io/credential-id"][0]
        .as_str()
        .unwrap();
    assert!(id.starts_with("X509SHA256="), "{v}");
    // --pki-dir also takes the bootstrap directory itself.
    let (_, v) = whoami(
        &env,
        &[
            "--kubeconfig",
            "c/nodes/node-1/kubelet.conf",
            "--pki-dir",
            "c",
        ],
    );
    assert_eq!(user_info(&v)["username"], "system:node:node-1");
    assert_eq!(
        user_info(&v)["groups"],
        json!(["system:nodes", "system:authenticated"])
    );
}

#[test]
fn table_output_is_kubectl_auth_whoami() {
    let env = Env::new();
    cluster(&env);
    let out = env.ok(&[
        "whoami",
        "--kubeconfig",
        "c/super-admin.conf",
        "--pki-dir",
        "c/pki",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0], "ATTRIBUTE                                           VALUE",
        "{out}"
    );
    assert_eq!(
        lines[1],
        "Username                                            kubernetes-super-admin"
    );
    assert_eq!(
        lines[2],
        "Groups                                              [system:masters system:authenticated]"
    );
    assert!(
        lines[3].starts_with("Extra: authentication.kubernetes.io/credential-id   [X509SHA256=")
    );
    assert!(out.contains("bypasses all authorization"), "{out}");
}

#[test]
fn client_certificates_agree_with_go() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.ca("other", "ecdsa-p256");
    env.issue(
        "ca",
        "good",
        &[
            "--cn",
            "jane",
            "--group",
            "a, b",
            "--group",
            "ç",
            "--key-type",
            "ecdsa-p256",
        ],
    );
    env.issue(
        "other",
        "foreign",
        &["--cn", "eve", "--key-type", "ecdsa-p256"],
    );
    env.issue(
        "ca",
        "server",
        &[
            "--usage",
            "server",
            "--san",
            "x.example",
            "--key-type",
            "ecdsa-p256",
        ],
    );
    for name in ["good", "foreign", "server"] {
        let go = go_x509check(&env.path("ca.crt"), &env.path(&format!("{name}.crt")));
        let (code, v) = whoami(
            &env,
            &[
                "--client-certificate",
                &format!("{name}.crt"),
                "--client-ca-file",
                "ca.crt",
                "--anonymous-auth=false",
            ],
        );
        assert_eq!(
            code == 0,
            go["authenticated"] == true,
            "{name}: go {go} kcred {v}"
        );
        if code == 0 {
            assert_eq!(user_info(&v)["username"], go["user"]);
            let mut groups = go["groups"].as_array().unwrap().clone();
            groups.push(json!("system:authenticated"));
            assert_eq!(user_info(&v)["groups"], Value::Array(groups));
            assert_eq!(user_info(&v)["extra"], go["extra"]);
        } else {
            assert_eq!(v["kind"], "Status");
            assert_eq!(v["code"], 401);
            assert_eq!(v["reason"], "Unauthorized");
            let causes = v["details"]["causes"].to_string();
            assert!(causes.contains("x509"), "{causes}");
        }
    }
    // The API server's own wording for an unknown CA.
    let (_, v) = whoami(
        &env,
        &[
            "--client-certificate",
            "foreign.crt",
            "--client-ca-file",
            "ca.crt",
        ],
    );
    assert!(
        v["details"]["causes"]
            .to_string()
            .contains("certificate signed by unknown authority"),
        "{v}"
    );
}

#[test]
fn kubeconfigs_written_by_kubectl_are_read_as_kubectl_reads_them() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.issue(
        "ca",
        "dev",
        &["--cn", "dev", "--group", "devs", "--key-type", "ecdsa-p256"],
    );
    let kc = |args: &[&str], file: &str| {
        run_peer(
            peer("kubectl")
                .current_dir(env.dir.path())
                .arg("--kubeconfig")
                .arg(file)
                .args(args),
        );
    };
    for (file, embed) in [("embedded.conf", true), ("paths.conf", false)] {
        let mut creds = vec![
            "config",
            "set-credentials",
            "dev",
            "--client-certificate=dev.crt",
            "--client-key=dev.key",
        ];
        if embed {
            creds.push("--embed-certs");
        }
        kc(
            &[
                "config",
                "set-cluster",
                "lab",
                "--server=https://127.0.0.1:6443",
                "--certificate-authority=ca.crt",
                "--embed-certs",
            ],
            file,
        );
        kc(&creds, file);
        kc(
            &[
                "config",
                "set-context",
                "dev@lab",
                "--cluster=lab",
                "--user=dev",
            ],
            file,
        );
        kc(&["config", "use-context", "dev@lab"], file);
        let (code, v) = whoami(&env, &["--kubeconfig", file, "--client-ca-file", "ca.crt"]);
        assert_eq!(code, 0, "{file}: {v}");
        assert_eq!(user_info(&v)["username"], "dev");
        assert_eq!(
            user_info(&v)["groups"],
            json!(["devs", "system:authenticated"])
        );
    }
    // KUBECONFIG is honoured, and a token user from kubectl is read too.
    kc(
        &["config", "set-credentials", "bot", "--token=s3cret"],
        "tok.conf",
    );
    kc(
        &[
            "config",
            "set-cluster",
            "lab",
            "--server=https://127.0.0.1:6443",
        ],
        "tok.conf",
    );
    kc(
        &[
            "config",
            "set-context",
            "bot",
            "--cluster=lab",
            "--user=bot",
        ],
        "tok.conf",
    );
    kc(&["config", "use-context", "bot"], "tok.conf");
    fs::write(
        env.path("tokens.csv"),
        "s3cret,bot-user,42,\"ci,deployers\"\n",
    )
    .unwrap();
    let out = env
        .kcred()
        .env("KUBECONFIG", env.path("tok.conf"))
        .args(["whoami", "--token-auth-file", "tokens.csv", "-o", "json"])
        .output()
        .unwrap();
    assert_success(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(user_info(&v)["username"], "bot-user");
    assert_eq!(user_info(&v)["uid"], "42");
    assert_eq!(
        user_info(&v)["groups"],
        json!(["ci", "deployers", "system:authenticated"])
    );
}

#[test]
fn exec_users_are_reported_as_not_evaluable() {
    let env = Env::new();
    let kc = |args: &[&str]| {
        run_peer(
            peer("kubectl")
                .current_dir(env.dir.path())
                .args(["--kubeconfig", "exec.conf"])
                .args(args),
        );
    };
    kc(&[
        "config",
        "set-credentials",
        "sso",
        "--exec-command=kubelogin",
        "--exec-api-version=client.authentication.k8s.io/v1",
        // kubectl itself refuses a v1 exec user without it (validation.go).
        "--exec-interactive-mode=Never",
    ]);
    kc(&[
        "config",
        "set-cluster",
        "lab",
        "--server=https://127.0.0.1:6443",
    ]);
    kc(&[
        "config",
        "set-context",
        "sso",
        "--cluster=lab",
        "--user=sso",
    ]);
    kc(&["config", "use-context", "sso"]);
    let err = env.fails(3, &["whoami", "--kubeconfig", "exec.conf"]);
    assert_says(&err, &["exec plugin", "offline"]);
}

/// Kubeconfigs that real kubectl refuses before it sends anything (client-go validation.go
/// `validateAuthInfo`/`validateClusterInfo`, the clientcmd codec's typed JSON, Go's base64)
/// are refused by kcred in kubectl's words: kcred never says what the API server would make
/// of a request kubectl never sends. Found by a differential run of 824 kubeconfig variants
/// against kubectl 1.35.
#[test]
fn kubeconfigs_kubectl_refuses_are_refused() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.issue(
        "ca",
        "alice",
        &["--cn", "alice", "--key-type", "ecdsa-p256"],
    );
    fs::write(env.path("tokens.csv"), "t1,tok-user,1\n").unwrap();
    let b64 = |f: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(fs::read(env.path(f)).unwrap())
    };
    let (crt, key) = (b64("alice.crt"), b64("alice.key"));
    let with_user = |user: &str| {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: \"https://127.0.0.1:1\"}}\nusers:\n- name: u\n  user:\n{user}contexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n"
        )
    };
    let cases = [
        (
            "cert-data-and-file",
            with_user(&format!(
                "    client-certificate-data: {crt}\n    client-certificate: alice.crt\n    client-key-data: {key}\n"
            )),
            "client-cert-data and client-cert are both specified for u",
        ),
        (
            "basic-and-token",
            with_user("    token: t1\n    username: a\n    password: b\n"),
            "more than one authentication method found for u; found [token basicAuth], only one is allowed",
        ),
        (
            "groups-without-as",
            with_user("    token: t1\n    as-groups: [devs]\n"),
            "requesting uid, groups or user-extra for u without impersonating a user",
        ),
        (
            "exec-v1-without-interactive-mode",
            with_user(
                "    token: t1\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: x}\n",
            ),
            "interactiveMode must be specified for u to use exec authentication plugin",
        ),
        (
            "insecure-with-ca",
            with_user("    token: t1\n")
                .replace("{server: \"https://127.0.0.1:1\"}", "{server: \"https://127.0.0.1:1\", insecure-skip-tls-verify: true, certificate-authority: ca.crt}"),
            "specifying a root certificates file with the insecure flag is not allowed",
        ),
        (
            "token-number",
            with_user("    token: 123\n"),
            "cannot unmarshal number into Go struct field",
        ),
        (
            "base64-unpadded",
            with_user(&format!(
                "    client-certificate-data: {}\n    client-key-data: {key}\n",
                crt.trim_end_matches('=')
            )),
            "illegal base64 data",
        ),
        // An auth-provider decides before any request, whatever else the user holds
        // (client-go rest/transport.go `GetAuthProvider`), even next to a client certificate.
        (
            "cert-and-gcp-provider",
            with_user(&format!(
                "    client-certificate-data: {crt}\n    client-key-data: {key}\n    auth-provider: {{name: gcp}}\n"
            )),
            "The gcp auth plugin has been removed.",
        ),
        (
            "cert-and-unknown-provider",
            with_user(&format!(
                "    client-certificate-data: {crt}\n    client-key-data: {key}\n    auth-provider: {{name: foo}}\n"
            )),
            "no Auth Provider found for name \"foo\"",
        ),
        (
            "cert-and-oidc-provider",
            with_user(&format!(
                "    client-certificate-data: {crt}\n    client-key-data: {key}\n    auth-provider: {{name: oidc, config: {{}}}}\n"
            )),
            "Must provide idp-issuer-url",
        ),
    ];
    for (name, text, kubectl_says) in cases {
        let file = format!("{name}.conf");
        fs::write(env.path(&file), &text).unwrap();
        let out = peer("kubectl")
            .current_dir(env.dir.path())
            .args(["--kubeconfig", &file, "get", "--raw", "/version"])
            .output()
            .unwrap();
        let kubectl_err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && kubectl_err.contains(kubectl_says),
            "{name}: kubectl: {kubectl_err}"
        );
        assert!(
            !kubectl_err.contains("connection refused"),
            "{name}: kubectl sent it"
        );
        let err = env.fails(
            3,
            &[
                "whoami",
                "--kubeconfig",
                &file,
                "--client-ca-file",
                "ca.crt",
                "--token-auth-file",
                "tokens.csv",
            ],
        );
        let kcred_says = match name {
            "base64-unpadded" => "illegal base64 data",
            _ => kubectl_says,
        };
        assert_says(&err, &[kcred_says]);
    }

    // A user that impersonates: kubectl sends Impersonate-* headers (it reads `as`), and
    // what the API server then acts as depends on RBAC, which whoami does not evaluate.
    fs::write(
        env.path("as.conf"),
        with_user("    token: t1\n    as: bob\n"),
    )
    .unwrap();
    let seen = run_peer(peer("kubectl").current_dir(env.dir.path()).args([
        "--kubeconfig",
        "as.conf",
        "config",
        "view",
        "--minify",
        "-o",
        "jsonpath={.users[0].user.as}",
    ]));
    assert_eq!(seen.trim(), "bob");
    let err = env.fails(
        3,
        &[
            "whoami",
            "--kubeconfig",
            "as.conf",
            "--token-auth-file",
            "tokens.csv",
        ],
    );
    assert_says(&err, &["impersonates \"bob\"", "does not evaluate"]);
}

/// kubectl decodes a kubeconfig's first YAML document only (sigs.k8s.io/yaml `YAMLToJSON`
/// is one go-yaml `Unmarshal`): a second document is not read, even when it is malformed,
/// and an empty first document is an empty kubeconfig. Real kubectl's `config view` shows
/// which token it read; kcred must authenticate the same one, or find no context.
#[test]
fn only_the_first_yaml_document_of_a_kubeconfig_is_read() {
    let env = Env::new();
    fs::write(env.path("tokens.csv"), "first,alice,1\nsecond,bob,2\n").unwrap();
    let doc = |token: &str| {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: \"https://127.0.0.1:1\"}}\nusers:\n- name: u\n  user: {{token: {token}}}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n"
        )
    };
    let cases = [
        (
            "two.conf",
            format!("{}---\n{}", doc("first"), doc("second")),
            Some("alice"),
        ),
        (
            "marked.conf",
            format!("---\n{}---\n{}", doc("first"), doc("second")),
            Some("alice"),
        ),
        (
            "garbage-after.conf",
            format!("{}---\nusers: [\n", doc("first")),
            Some("alice"),
        ),
        (
            "empty-first.conf",
            format!("---\n---\n{}", doc("second")),
            None,
        ),
    ];
    for (name, text, user) in cases {
        fs::write(env.path(name), text).unwrap();
        let seen = run_peer(peer("kubectl").current_dir(env.dir.path()).args([
            "--kubeconfig",
            name,
            "config",
            "view",
            "--raw",
            "-o",
            "jsonpath={.users[*].user.token}",
        ]));
        let args = [
            "whoami",
            "--kubeconfig",
            name,
            "--token-auth-file",
            "tokens.csv",
        ];
        match user {
            Some(user) => {
                assert_eq!(seen.trim(), "first", "{name}");
                let out = env.ok(&args);
                assert!(out.contains(user), "{name}: {out}");
            }
            None => {
                assert_eq!(seen.trim(), "", "{name}");
                let err = env.fails(2, &args);
                assert_says(&err, &["no current-context"]);
            }
        }
    }
}

/// PEM files read as Go's pem.Decode reads them (kube-apiserver's `--client-ca-file`, kubectl's
/// client certificate): two CA files joined without a newline hold no block Go can read
/// (Go's x509check, on the real encoding/pem, cannot load the bundle), so kcred refuses the
/// file instead of trusting both CAs; a CERTIFICATE block with headers is skipped as
/// client-go's `cert.ParseCertsPEM` skips it; a kubeconfig key that is not the
/// certificate's key is refused, as `tls.X509KeyPair` refuses it.
#[test]
fn pem_files_are_read_as_go_reads_them() {
    let env = Env::new();
    env.ca("ca1", "ecdsa-p256");
    env.ca("ca2", "ecdsa-p256");
    env.issue(
        "ca1",
        "alice",
        &["--cn", "alice", "--key-type", "ecdsa-p256"],
    );
    let ca1 = fs::read_to_string(env.path("ca1.crt")).unwrap();
    let ca2 = fs::read_to_string(env.path("ca2.crt")).unwrap();
    fs::write(env.path("joined.crt"), format!("{}{ca2}", ca1.trim_end())).unwrap();
    let out = std::process::Command::new(crate::common::go_tool("x509check"))
        .args(["-ca", &env.p("joined.crt"), "-cert", &env.p("alice.crt")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "Go loads the joined bundle");
    let err = env.fails(
        3,
        &[
            "whoami",
            "--client-certificate",
            "alice.crt",
            "--client-ca-file",
            "joined.crt",
        ],
    );
    assert_says(
        &err,
        &[
            "joined.crt",
            "Go's pem.Decode",
            "reads 0 of its 2 PEM blocks",
        ],
    );

    // client-go util/cert/pem.go ParseCertsPEM: "Only use PEM CERTIFICATE blocks without
    // extra headers": the headed block is not a CA, the next one is.
    let headed = ca1.replacen("-----\n", "-----\nComment: kept aside\n\n", 1);
    fs::write(env.path("headed.crt"), format!("{headed}{ca2}")).unwrap();
    let (code, v) = whoami(
        &env,
        &[
            "--client-certificate",
            "alice.crt",
            "--client-ca-file",
            "headed.crt",
            "--anonymous-auth",
            "false",
        ],
    );
    assert_eq!(code, 1, "{v}");

    // tls.X509KeyPair: the kubeconfig's key must be the certificate's key.
    env.issue("ca1", "bob", &["--cn", "bob", "--key-type", "ecdsa-p256"]);
    let kc = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\nusers:\n- name: u\n  user: {client-certificate: alice.crt, client-key: bob.key}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n";
    fs::write(env.path("mismatch.conf"), kc).unwrap();
    let out = peer("kubectl")
        .current_dir(env.dir.path())
        .args(["--kubeconfig", "mismatch.conf", "get", "--raw", "/version"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("private key does not match public key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = env.fails(
        3,
        &[
            "whoami",
            "--kubeconfig",
            "mismatch.conf",
            "--client-ca-file",
            "ca1.crt",
        ],
    );
    assert_says(&err, &["tls: private key does not match public key"]);
}

/// Tokens made by PyJWT, judged by kcred against the bootstrapped sa.pub.
#[test]
fn service_account_tokens_from_pyjwt() {
    let env = Env::new();
    cluster(&env);
    let out = python(
        r#"
import sys, json, time, jwt, base64, hashlib, uuid
from cryptography.hazmat.primitives import serialization as s
key = s.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
other = s.load_pem_private_key(open(sys.argv[2], "rb").read(), None)
def kid(k):
    der = k.public_key().public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
now = int(time.time())
iss = "https://kubernetes.default.svc.cluster.local"
def bound(**over):
    c = {"aud": [iss], "exp": now + 3600, "iat": now, "nbf": now, "iss": iss, "jti": str(uuid.uuid4()),
         "sub": "system:serviceaccount:apps:web",
         "kubernetes.io": {"namespace": "apps", "serviceaccount": {"name": "web", "uid": "u-1"},
                           "pod": {"name": "web-0", "uid": "p-1"}, "node": {"name": "node-1", "uid": "n-1"}}}
    c.update(over)
    return c
alg = "ES256"
def sign(claims, k=key, headers=None):
    return jwt.encode(claims, k, algorithm=alg, headers=headers or {"kid": kid(k)})
legacy = {"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:kube-system:old",
          "kubernetes.io/serviceaccount/namespace": "kube-system",
          "kubernetes.io/serviceaccount/secret.name": "old-token-x",
          "kubernetes.io/serviceaccount/service-account.name": "old",
          "kubernetes.io/serviceaccount/service-account.uid": "u-2"}
print(json.dumps({
  "good": sign(bound()),
  "expired": sign(bound(exp=now - 120)),
  "in_leeway": sign(bound(exp=now - 30)),
  "wrong_aud": sign(bound(aud=["vault"])),
  "other_key": sign(bound(), other),
  "other_issuer": sign(bound(iss="https://elsewhere")),
  "legacy": sign(legacy),
  "not_a_jwt": "s3cret",
}))
"#,
        &[&env.p("c/pki/sa.key"), &env.p("c/pki/ca.key")],
    );
    let t: Value = serde_json::from_str(&out).unwrap();
    let run = |name: &str| {
        whoami(
            &env,
            &["--token", t[name].as_str().unwrap(), "--pki-dir", "c/pki"],
        )
    };

    // Differential: kcred and the Go checker of the API server's rules agree on every case.
    for (name, _) in t.as_object().unwrap() {
        let go = go_tokencheck(
            &env.path("c/pki"),
            "sa.pub",
            t[name].as_str().unwrap(),
            &["-issuer", ISSUER],
        );
        let (code, v) = run(name);
        assert_eq!(
            code == 0,
            go["authenticated"] == true,
            "{name}: go {go} kcred {v}"
        );
        if code == 0 {
            let u = user_info(&v);
            assert_eq!(u["username"], go["user"], "{name}");
            assert_eq!(
                u["uid"].as_str().unwrap_or(""),
                go["uid"].as_str().unwrap_or(""),
                "{name}"
            );
            let mut groups = go["groups"].as_array().cloned().unwrap_or_default();
            groups.push(json!("system:authenticated"));
            assert_eq!(u["groups"], Value::Array(groups), "{name}");
            assert_eq!(
                u["extra"].as_object().cloned().unwrap_or_default(),
                go["extra"].as_object().cloned().unwrap_or_default(),
                "{name}"
            );
        }
    }

    let (code, v) = run("good");
    assert_eq!(code, 0, "{v}");
    let u = user_info(&v);
    assert_eq!(u["username"], "system:serviceaccount:apps:web");
    assert_eq!(u["uid"], "u-1");
    assert_eq!(
        u["groups"],
        json!([
            "system:serviceaccounts",
            "system:serviceaccounts:apps",
            "system:authenticated"
        ])
    );
    assert_eq!(
        u["extra"]["authentication.kubernetes.io/pod-name"],
        json!(["web-0"])
    );
    assert_eq!(
        u["extra"]["authentication.kubernetes.io/node-name"],
        json!(["node-1"])
    );
    assert!(
        u["extra"]["authentication.kubernetes.io/credential-id"][0]
            .as_str()
            .unwrap()
            .starts_with("JTI=")
    );
    assert!(
        v["metadata"]["annotations"]
            .to_string()
            .contains("not checked offline"),
        "{v}"
    );
    assert_eq!(run("in_leeway").0, 0, "60 s of leeway");

    let (code, v) = run("legacy");
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        user_info(&v)["username"],
        "system:serviceaccount:kube-system:old"
    );

    for (name, want) in [
        ("expired", "has expired"),
        ("wrong_aud", "audiences"),
        ("other_key", "signature"),
        ("other_issuer", "invalid bearer token"),
        ("not_a_jwt", "invalid bearer token"),
    ] {
        let (code, v) = run(name);
        assert_eq!(code, 1, "{name}: {v}");
        assert_eq!(v["kind"], "Status");
        let causes = v["details"]["causes"].to_string();
        assert!(causes.contains(want), "{name}: {causes}");
    }
}

#[test]
fn anonymous_and_its_switch() {
    let env = Env::new();
    cluster(&env);
    let (code, v) = whoami(&env, &["--pki-dir", "c/pki"]);
    assert_eq!(code, 0);
    assert_eq!(user_info(&v)["username"], "system:anonymous");
    assert_eq!(user_info(&v)["groups"], json!(["system:unauthenticated"]));
    let (code, v) = whoami(&env, &["--pki-dir", "c/pki", "--anonymous-auth=false"]);
    assert_eq!(code, 1);
    assert_eq!(
        v,
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "Unauthorized", "reason": "Unauthorized",
            "details": {"causes": [{"reason": "anonymous", "message": "no credential was presented and anonymous requests are disabled (--anonymous-auth=false)"}]},
            "code": 401
        })
    );
    // A table-mode 401 says what kubectl says, on stderr, exit 1.
    let out = env
        .kcred()
        .args(["whoami", "--pki-dir", "c/pki", "--anonymous-auth", "false"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: You must be logged in to the server (Unauthorized)")
    );
}

#[test]
fn bad_trust_material_is_a_clear_error() {
    let env = Env::new();
    fs::write(env.path("empty.crt"), "").unwrap();
    let err = env.fails(
        3,
        &["whoami", "--client-ca-file", "empty.crt", "--token", "x"],
    );
    assert!(err.contains("empty.crt"), "{err}");
    fs::write(env.path("bad.csv"), "only,two\n").unwrap();
    let err = env.fails(
        3,
        &["whoami", "--token-auth-file", "bad.csv", "--token", "x"],
    );
    assert_says(&err, &["bad.csv", "3 columns"]);
    env.fails(2, &["whoami", "--service-account-issuer", "https://x"]);
}

// ---------------------------------------------------------------------------------------
// The request as client-go sends it, certificates as Go's crypto/tls and crypto/x509 take
// them, files and flags as Go's encoding/csv and pflag read them.
// ---------------------------------------------------------------------------------------

/// Certificates made with Python `cryptography`, each signed by an earlier one (or by a
/// kcred CA given as PREFIX with PREFIX.crt/PREFIX.key). Each spec: name, issuer, cn, o
/// (list), uids (list), ca (bool), nb (not-before, days from now), days (lifetime), key
/// (a PEM file to certify instead of a new P-256 key). Writes NAME.crt and NAME.key.
fn py_certs(env: &Env, specs: Value) {
    python(
        r#"
import sys, json, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.hazmat.primitives import hashes, serialization as s
from cryptography.hazmat.primitives.asymmetric import ec
UID = x509.ObjectIdentifier("1.3.6.1.4.1.57683.2")
now = datetime.datetime.now(datetime.timezone.utc)
for sp in json.loads(sys.argv[1]):
    if sp.get("key"):
        key = s.load_pem_private_key(open(sp["key"], "rb").read(), None)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    attrs = []
    if sp.get("cn") is not None:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, sp["cn"]))
    attrs += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in sp.get("o", [])]
    attrs += [x509.NameAttribute(UID, u) for u in sp.get("uids", [])]
    issuer_cert = x509.load_pem_x509_certificate(open(sp["issuer"] + ".crt", "rb").read())
    issuer_key = s.load_pem_private_key(open(sp["issuer"] + ".key", "rb").read(), None)
    nb = now + datetime.timedelta(days=sp.get("nb", 0), minutes=-5)
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name(attrs))
         .issuer_name(issuer_cert.subject)
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(nb)
         .not_valid_after(nb + datetime.timedelta(days=sp.get("days", 365)))
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False))
    if sp.get("ca"):
        b = (b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
              .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True))
    else:
        b = (b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
    cert = b.sign(issuer_key, hashes.SHA256())
    open(sp["name"] + ".crt", "wb").write(cert.public_bytes(s.Encoding.PEM))
    open(sp["name"] + ".key", "wb").write(key.private_bytes(
        s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))
"#,
        &[&absolutise(env, specs).to_string()],
    );
}

/// Spec paths relative to the scratch directory, made absolute for Python.
fn absolutise(env: &Env, mut specs: Value) -> Value {
    for sp in specs.as_array_mut().unwrap() {
        for k in ["name", "issuer", "key"] {
            if let Some(v) = sp.get(k).and_then(Value::as_str) {
                let p = env.p(v);
                sp[k] = json!(p);
            }
        }
    }
    specs
}

fn cat(env: &Env, out: &str, parts: &[&str]) {
    let mut all = String::new();
    for p in parts {
        all.push_str(&fs::read_to_string(env.path(p)).unwrap());
    }
    fs::write(env.path(out), all).unwrap();
}

fn causes(v: &Value) -> String {
    v["details"]["causes"].to_string()
}

/// x509.go `parseUIDFromCert` (AllowParsingUserUIDFromCertAuth, on by default since 1.34):
/// one UID attribute (1.3.6.1.4.1.57683.2) is the user's UID; two, or an empty one, is an
/// error (a 401 unless another authenticator takes the request); an empty CN is "no
/// opinion" before any UID is looked at. Go (tests/go/x509check) decides every case.
#[test]
fn the_certificate_uid_attribute_as_the_api_server_reads_it() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    py_certs(
        &env,
        json!([
            {"name": "one", "issuer": "ca", "cn": "jane", "o": ["devs"], "uids": ["u-1"]},
            {"name": "two", "issuer": "ca", "cn": "jane", "uids": ["u-1", "u-2"]},
            {"name": "empty", "issuer": "ca", "cn": "jane", "uids": [""]},
            {"name": "nocn", "issuer": "ca", "o": ["devs"], "uids": ["u-1", "u-2"]},
        ]),
    );
    let want = [
        ("one", Some("u-1"), ""),
        ("two", None, "expected 1 UID, but found multiple: [u-1 u-2]"),
        ("empty", None, "UID cannot be an empty string"),
        ("nocn", None, "empty CN"),
    ];
    for (name, uid, err) in want {
        let go = go_x509check(&env.path("ca.crt"), &env.path(&format!("{name}.crt")));
        assert_eq!(go["authenticated"] == true, uid.is_some(), "{name}: {go}");
        assert!(
            go["error"].as_str().unwrap_or("").contains(err),
            "{name}: {go}"
        );
        let (code, v) = whoami(
            &env,
            &[
                "--client-certificate",
                &format!("{name}.crt"),
                "--client-ca-file",
                "ca.crt",
                "--anonymous-auth=false",
            ],
        );
        match uid {
            Some(uid) => {
                assert_eq!(code, 0, "{name}: {v}");
                assert_eq!(user_info(&v)["uid"], go["uid"]);
                assert_eq!(user_info(&v)["uid"], uid);
                assert_eq!(user_info(&v)["username"], "jane");
            }
            None => {
                assert_eq!(code, 1, "{name}: {v}");
                if name != "nocn" {
                    assert!(causes(&v).contains(err), "{name}: {v}");
                }
            }
        }
    }
    // The API server's x509 error does not stop the token (union.New carries on) ...
    fs::write(env.path("tokens.csv"), "t0k,bot,7\n").unwrap();
    let (code, v) = whoami(
        &env,
        &[
            "--client-certificate",
            "two.crt",
            "--token",
            "t0k",
            "--client-ca-file",
            "ca.crt",
            "--token-auth-file",
            "tokens.csv",
        ],
    );
    assert_eq!(
        (code, &user_info(&v)["username"]),
        (0, &json!("bot")),
        "{v}"
    );
    // ... and without a token, the error rules anonymous out.
    let (code, v) = whoami(
        &env,
        &[
            "--client-certificate",
            "two.crt",
            "--client-ca-file",
            "ca.crt",
        ],
    );
    assert_eq!(code, 1, "{v}");
    // cert inspect shows the UID the API server would read.
    let out: Value =
        serde_json::from_str(&env.ok(&["cert", "inspect", "one.crt", "-o", "json"])).unwrap();
    // `cert inspect -o json` is always a list, one entry per certificate.
    assert_eq!(out[0]["kubernetes"]["uid"], "u-1", "{out}");
}

/// Go's crypto/tls server (tests/go/tlsclientauth, a real handshake under kube-apiserver's
/// GODEBUG defaults) refuses some client chains before any authenticator runs: a leaf RSA
/// key under 1024 bits (rsa1024min: the CertificateVerify signature is refused) and any
/// presented certificate `x509.ParseCertificate` refuses, or a leaf key that is not RSA,
/// ECDSA or Ed25519 (processCertsFromClient, handshake_server.go). kcred
/// answers those as a handshake failure, one way whatever the parse error, and never as
/// authenticated, even with a good token beside them.
#[test]
fn handshake_failures_as_go_crypto_tls_answers_them() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    fs::write(env.path("tokens.csv"), "t0k,bot,7\n").unwrap();
    let ossl = |args: &[&str]| {
        run_peer(peer("openssl").current_dir(env.dir.path()).args(args));
    };
    ossl(&["genrsa", "-out", "rsa1000.key", "1000"]);
    ossl(&["genrsa", "-out", "rsa2048.key", "2048"]);
    py_certs(
        &env,
        json!([
            {"name": "small", "issuer": "ca", "cn": "tiny", "key": "rsa1000.key"},
            {"name": "fine", "issuer": "ca", "cn": "fine", "key": "rsa2048.key"},
        ]),
    );
    // A negative serial number: Go ≥ 1.23 refuses to parse it (x509negativeserial).
    fs::write(
        env.path("ext.cnf"),
        "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n",
    )
    .unwrap();
    ossl(&[
        "req",
        "-new",
        "-key",
        "rsa2048.key",
        "-subj",
        "/CN=neg",
        "-out",
        "neg.csr",
    ]);
    ossl(&[
        "x509",
        "-req",
        "-in",
        "neg.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-set_serial",
        "-5",
        "-days",
        "30",
        "-extfile",
        "ext.cnf",
        "-out",
        "negative.crt",
    ]);
    // Leaves whose keys crypto/tls cannot use: Ed448, which Go 1.25 leaves unparsed
    // (`%T` <nil>), and X25519 (*ecdh.PublicKey). The client signs with another key: the
    // server refuses the leaf's key type before it looks at that signature.
    ossl(&["genpkey", "-algorithm", "ed448", "-out", "ed448.key"]);
    ossl(&["genpkey", "-algorithm", "x25519", "-out", "x25519.key"]);
    ossl(&["pkey", "-in", "x25519.key", "-pubout", "-out", "x25519.pub"]);
    ossl(&[
        "req",
        "-new",
        "-key",
        "ed448.key",
        "-subj",
        "/CN=ed448",
        "-out",
        "ed448.csr",
    ]);
    for (csr, out, force) in [
        ("ed448.csr", "ed448.crt", None),
        ("neg.csr", "x25519.crt", Some("x25519.pub")),
    ] {
        let mut args = vec![
            "x509", "-req", "-in", csr, "-CA", "ca.crt", "-CAkey", "ca.key", "-days", "30",
            "-extfile", "ext.cnf", "-out", out,
        ];
        if let Some(pubkey) = force {
            args.extend(["-force_pubkey", pubkey]);
        }
        ossl(&args);
    }
    // An intermediate that is not a certificate at all.
    fs::write(
        env.path("junk.pem"),
        "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    cat(&env, "fine+junk.crt", &["fine.crt", "junk.pem"]);
    let cases = [
        ("small.crt", "rsa1000.key", false),
        ("fine.crt", "rsa2048.key", true),
        ("negative.crt", "rsa2048.key", false),
        ("fine+junk.crt", "rsa2048.key", false),
        ("ed448.crt", "rsa2048.key", false),
        ("x25519.crt", "rsa2048.key", false),
    ];
    for (chain, key, handshake) in cases {
        let go: Value = serde_json::from_str(&run_peer(
            std::process::Command::new(crate::common::go_tool("tlsclientauth"))
                .arg("-chain")
                .arg(env.path(chain))
                .arg("-key")
                .arg(env.path(key)),
        ))
        .unwrap();
        assert_eq!(go["handshake"], handshake, "{chain}: Go says {go}");
        let (code, v) = whoami(
            &env,
            &[
                "--client-certificate",
                chain,
                "--token",
                "t0k",
                "--client-ca-file",
                "ca.crt",
                "--token-auth-file",
                "tokens.csv",
            ],
        );
        if handshake {
            assert_eq!(code, 0, "{chain}: {v}");
            assert_eq!(user_info(&v)["username"], "fine");
        } else {
            assert_eq!(code, 1, "{chain}: {v}");
            assert_eq!(v["reason"], "HandshakeFailure", "{chain}: {v}");
            // kcred gives Go's own reason.
            let go_err = go["error"].as_str().unwrap();
            let go_head = go_err.split(": x509:").next().unwrap();
            assert!(
                causes(&v).contains(go_head),
                "{chain}: go {go_err} kcred {v}"
            );
        }
    }
    let err = env
        .kcred()
        .args([
            "whoami",
            "--client-certificate",
            "small.crt",
            "--client-ca-file",
            "ca.crt",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert!(
        stderr.contains("small.crt")
            && stderr.contains("TLS handshake")
            && stderr.contains("1000-bit keys are insecure")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
}

/// What client-go sends decides the answer: a kubeconfig user with a client certificate
/// and a token sends both (client_config.go getUserIdentificationPartialConfig,
/// round_trippers.go), the x509 failure does not stop the token (union.New), the token is
/// sent as written and split on single spaces (bearertoken.go), and a token nobody takes
/// is an error, never anonymous. kubectl (real client-go) talks to the Go stand-in server;
/// kcred must name the same user for the same kubeconfig.
#[test]
fn kubeconfig_certificate_and_token_go_in_one_request_as_kubectl_sends_them() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.ca("other", "ecdsa-p256");
    for (out, ca, cn) in [("jane", "ca", "jane"), ("eve", "other", "eve")] {
        env.ok(&[
            "cert",
            "issue",
            "--ca",
            ca,
            "--out",
            out,
            "--cn",
            cn,
            "--key-type",
            "ecdsa-p256",
        ]);
    }
    fs::write(env.path("tokens.csv"), "s3cret,bot,42,ci\n").unwrap();
    let server = WhoamiServer::start(&env);
    let ca_b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(fs::read(env.path("ca.crt")).unwrap())
    };
    let write_kubeconfig = |name: &str, user: &str| {
        fs::write(
            env.path(name),
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: lab\n  cluster:\n    server: {}\n    certificate-authority-data: {ca_b64}\nusers:\n- name: u\n  user:\n{user}contexts:\n- name: c\n  context:\n    cluster: lab\n    user: u\ncurrent-context: c\n",
                server.url
            ),
        )
        .unwrap();
    };
    let kubeconfig = |name: &str, cert: Option<&str>, token: Option<&str>| {
        let mut user = String::new();
        if let Some(c) = cert {
            user.push_str(&format!(
                "    client-certificate: {}\n    client-key: {}\n",
                env.p(&format!("{c}.crt")),
                env.p(&format!("{c}.key"))
            ));
        }
        if let Some(t) = token {
            user.push_str(&format!(
                "    token: {}\n",
                serde_json::to_string(t).unwrap()
            ));
        }
        if user.is_empty() {
            user.push_str("    {}\n");
        }
        write_kubeconfig(name, &user);
    };
    // (kubeconfig, certificate, token, expected username or None for a 401)
    type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let cases: [Case; 7] = [
        (
            "foreign-cert+token.conf",
            Some("eve"),
            Some("s3cret"),
            Some("bot"),
        ),
        (
            "cert+token.conf",
            Some("jane"),
            Some("s3cret"),
            Some("jane"),
        ),
        (
            "cert+bad-token.conf",
            Some("jane"),
            Some("nope"),
            Some("jane"),
        ),
        (
            "foreign-cert+bad-token.conf",
            Some("eve"),
            Some("nope"),
            None,
        ),
        (
            "inner-space.conf",
            None,
            Some("s3cret and more"),
            Some("bot"),
        ),
        (
            "leading-space.conf",
            None,
            Some(" s3cret"),
            Some("system:anonymous"),
        ),
        ("bad-token.conf", None, Some("nope"), None),
    ];
    for (name, cert, token, want) in cases {
        kubeconfig(name, cert, token);
        let out = peer("kubectl")
            .current_dir(env.dir.path())
            .env_remove("KUBECONFIG")
            .args(["--kubeconfig", name, "auth", "whoami", "-o", "json"])
            .output()
            .unwrap();
        let kubectl_user = out.status.success().then(|| {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            v["status"]["userInfo"]["username"]
                .as_str()
                .unwrap()
                .to_string()
        });
        assert_eq!(
            kubectl_user.as_deref(),
            want,
            "{name}: kubectl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (code, v) = whoami(
            &env,
            &[
                "--kubeconfig",
                name,
                "--client-ca-file",
                "ca.crt",
                "--token-auth-file",
                "tokens.csv",
            ],
        );
        match want {
            Some(user) => {
                assert_eq!(code, 0, "{name}: {v}");
                assert_eq!(user_info(&v)["username"], user, "{name}");
            }
            None => {
                assert_eq!(code, 1, "{name}: {v}");
                assert!(causes(&v).contains("invalid bearer token"), "{name}: {v}");
            }
        }
    }
    // A username and password: kubectl sends `Authorization: Basic`, which the bearer-token
    // authenticator skips (bearertoken.go), so the request is anonymous; kcred says why.
    write_kubeconfig("basic.conf", "    username: bot\n    password: s3cret\n");
    let out = run_peer(peer("kubectl").current_dir(env.dir.path()).args([
        "--kubeconfig",
        "basic.conf",
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
    ]));
    assert_eq!(out.trim(), "system:anonymous");
    let (code, v) = whoami(
        &env,
        &[
            "--kubeconfig",
            "basic.conf",
            "--token-auth-file",
            "tokens.csv",
        ],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(user_info(&v)["username"], "system:anonymous");
    assert!(v.to_string().contains("Authorization: Basic"), "{v}");

    // The same request from flags: --client-certificate with --token is allowed.
    let (code, v) = whoami(
        &env,
        &[
            "--client-certificate",
            "eve.crt",
            "--token",
            "s3cret",
            "--client-ca-file",
            "ca.crt",
            "--token-auth-file",
            "tokens.csv",
        ],
    );
    assert_eq!(
        (code, &user_info(&v)["username"]),
        (0, &json!("bot")),
        "{v}"
    );
}

/// Go's encoding/csv (tests/go/gocsv) decides how kube-apiserver reads --token-auth-file
/// (tokenfile.NewCSV) and a pflag StringSlice value (--api-audiences): kcred's port must
/// read every input of this corpus the same way, error for error.
#[test]
fn csv_as_go_encoding_csv_reads_it() {
    use kcred::authn::{TokenFile, gocsv};
    let corpus: &[&[u8]] = &[
        b"tok,user,uid\n",
        b"\xef\xbb\xbftok,user,uid\n",
        b"#tok,user,uid\n",
        b" tok , user ,uid,\"a,b\"\r\n\r\nx,y,z,\n",
        b"a\"b,u,1\n",
        b"\"a\"b,u,1\n",
        b"\"multi\nline\",u,1\n",
        b"\"open,u,1\n",
        b"a,b\n",
        b"t,u,1\nt,v,2\n,e,3\n",
        b"t,u,1\r",
        b"\"q\"\"q\",u,1,\"\"\n",
        b"a,,\n",
        b"x,\"y\nz\"w,1\n",
        b"\xfftok,\xfeuser,1\n",
        b"",
        b"\n\n",
    ];
    let gocsv_tool = crate::common::go_tool("gocsv");
    let go = |mode: &str, input: &[u8]| -> Value {
        use std::io::Write as _;
        let mut child = std::process::Command::new(&gocsv_tool)
            .args(["-mode", mode])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    for input in corpus {
        let g = go("tokenfile", input);
        let k = TokenFile::parse("f.csv", input);
        match g["error"].as_str() {
            Some(e) => {
                let msg = k
                    .expect_err(&format!("{input:?}: Go refuses: {e}"))
                    .to_string();
                assert!(msg.contains(e), "{input:?}: go {e} kcred {msg}");
            }
            None => {
                let f = k.unwrap_or_else(|e| panic!("{input:?}: Go reads it, kcred: {e}"));
                // The last record for a token wins; empty tokens are skipped.
                let mut want = std::collections::BTreeMap::new();
                for rec in g["records"].as_array().unwrap() {
                    if rec[0] != "" {
                        want.insert(rec[0].as_str().unwrap().to_string(), rec.clone());
                    }
                }
                assert_eq!(f.len(), want.len(), "{input:?}: {g}");
                for (token, rec) in want {
                    // Tokens with invalid UTF-8 are compared on the bytes, not via JSON.
                    if token.contains('\u{fffd}') {
                        continue;
                    }
                    let id = f
                        .authenticate(&token)
                        .unwrap_or_else(|| panic!("{input:?}: {token:?}"));
                    assert_eq!(id.user, rec[1], "{input:?}");
                    assert_eq!(id.uid, rec[2], "{input:?}");
                    let groups: Vec<String> = match rec.get(3) {
                        Some(g) => g.as_str().unwrap().split(',').map(str::to_string).collect(),
                        None => vec![],
                    };
                    assert_eq!(id.groups, groups, "{input:?}");
                }
            }
        }
        let Ok(text) = std::str::from_utf8(input) else {
            continue;
        };
        let g = go("stringslice", input);
        match (g["error"].as_str(), gocsv::read_as_csv(text)) {
            (Some(e), Err(k)) => assert_eq!(e, k, "{input:?}"),
            (None, Ok(k)) => assert_eq!(g["values"], json!(k), "{input:?}"),
            (g, k) => panic!("{input:?}: go {g:?} kcred {k:?}"),
        }
    }
    // Through the CLI: the BOM stays in the token; a bare quote stops the API server.
    let env = Env::new();
    fs::write(env.path("bom.csv"), b"\xef\xbb\xbftok,bot,1\n").unwrap();
    let (code, v) = whoami(
        &env,
        &[
            "--token",
            "tok",
            "--token-auth-file",
            "bom.csv",
            "--anonymous-auth=false",
        ],
    );
    assert_eq!(code, 1, "{v}");
    let (code, v) = whoami(
        &env,
        &["--token", "\u{feff}tok", "--token-auth-file", "bom.csv"],
    );
    assert_eq!(
        (code, &user_info(&v)["username"]),
        (0, &json!("bot")),
        "{v}"
    );
    fs::write(env.path("quote.csv"), "to\"k,bot,1\n").unwrap();
    let err = env.fails(
        3,
        &["whoami", "--token", "x", "--token-auth-file", "quote.csv"],
    );
    assert!(
        err.contains("quote.csv")
            && err.contains("bare \" in non-quoted-field")
            && err.contains("would not start"),
        "{err}"
    );
}

/// Chains through an intermediate the client presents (x509.go: the rest of the presented
/// chain is the Intermediates pool), one that is not yet valid, and one left out; Go's
/// crypto/x509 (tests/go/x509check) decides each.
#[test]
fn client_certificate_chains_with_intermediates_agree_with_go() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    py_certs(
        &env,
        json!([
            {"name": "inter", "issuer": "ca", "cn": "intermediate", "ca": true, "days": 3650},
            {"name": "later", "issuer": "ca", "cn": "not-yet", "ca": true, "nb": 30, "days": 3650},
            {"name": "leaf", "issuer": "inter", "cn": "jane", "o": ["devs"]},
            {"name": "leaf2", "issuer": "later", "cn": "jim"},
        ]),
    );
    cat(&env, "chain.crt", &["leaf.crt", "inter.crt"]);
    cat(&env, "chain2.crt", &["leaf2.crt", "later.crt"]);
    for (chain, ok, why) in [
        ("chain.crt", true, ""),
        ("leaf.crt", false, "certificate signed by unknown authority"),
        ("chain2.crt", false, "not yet valid"),
    ] {
        let go = go_x509check(&env.path("ca.crt"), &env.path(chain));
        assert_eq!(go["authenticated"], ok, "{chain}: {go}");
        let (code, v) = whoami(
            &env,
            &["--client-certificate", chain, "--client-ca-file", "ca.crt"],
        );
        assert_eq!(code == 0, ok, "{chain}: {v}");
        if ok {
            assert_eq!(user_info(&v)["username"], go["user"]);
            assert_eq!(user_info(&v)["extra"], go["extra"]);
        } else {
            let go_err = go["error"].as_str().unwrap();
            assert!(go_err.contains(why), "{chain}: {go_err}");
            assert!(causes(&v).contains(why), "{chain}: {v}");
        }
    }
}

/// `--api-audiences` is a pflag StringSlice (authentication.go AddFlags: StringSliceVar):
/// each value is one untrimmed CSV record, so "a, b" accepts " b" and not "b";
/// `--service-account-issuer` is a StringArray (taken whole, commas included), several are
/// allowed, and with no --api-audiences the API audiences are all of them
/// (ToAuthenticationConfig). Go's encoding/csv (tests/go/gocsv) says what the flag holds.
#[test]
fn api_audiences_and_several_issuers_as_the_api_server_parses_them() {
    let env = Env::new();
    cluster(&env);
    let out = python(
        r#"
import sys, json, time, jwt, base64, hashlib, uuid
from cryptography.hazmat.primitives import serialization as s
key = s.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
der = key.public_key().public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)
kid = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
now = int(time.time())
def tok(iss, aud):
    c = {"aud": aud, "exp": now + 3600, "iat": now, "nbf": now, "iss": iss, "jti": str(uuid.uuid4()),
         "sub": "system:serviceaccount:apps:web",
         "kubernetes.io": {"namespace": "apps", "serviceaccount": {"name": "web", "uid": "u-1"}}}
    return jwt.encode(c, key, algorithm="ES256", headers={"kid": kid})
first, second, comma = "https://first.example", "https://second.example", "https://a.example,b"
print(json.dumps({
  "aud_b": tok(first, ["b"]),
  "aud_space_b": tok(first, [" b"]),
  "aud_a": tok(first, ["a"]),
  "iss2_aud2": tok(second, [second]),
  "iss1_aud2": tok(first, [second]),
  "comma": tok(comma, [comma]),
}))
"#,
        &[&env.p("c/pki/sa.key")],
    );
    let t: Value = serde_json::from_str(&out).unwrap();
    let go_slice: Value = {
        use std::io::Write as _;
        let mut child = std::process::Command::new(crate::common::go_tool("gocsv"))
            .args(["-mode", "stringslice"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"a, b").unwrap();
        serde_json::from_slice(&child.wait_with_output().unwrap().stdout).unwrap()
    };
    assert_eq!(go_slice["values"], json!(["a", " b"]));
    let run = |name: &str, extra: &[&str]| {
        let mut args = vec![
            "--token",
            t[name].as_str().unwrap(),
            "--service-account-key-file",
            "c/pki/sa.pub",
        ];
        args.extend_from_slice(extra);
        whoami(&env, &args).0
    };
    let iss1 = ["--service-account-issuer", "https://first.example"];
    let aud = [&iss1[..], &["--api-audiences", "a, b"]].concat();
    assert_eq!(run("aud_b", &aud), 1, "\"b\" is not an API audience");
    assert_eq!(run("aud_space_b", &aud), 0, "\" b\" is one");
    assert_eq!(run("aud_a", &aud), 0);
    // Repeated occurrences append.
    let aud2 = [&iss1[..], &["--api-audiences", "x", "--api-audiences", "b"]].concat();
    assert_eq!(run("aud_b", &aud2), 0);
    // Several issuers: each is trusted, and each is an API audience by default.
    let both = [
        "--service-account-issuer",
        "https://first.example",
        "--service-account-issuer",
        "https://second.example",
    ];
    assert_eq!(run("iss2_aud2", &both), 0);
    assert_eq!(run("iss1_aud2", &both), 0);
    assert_eq!(run("iss2_aud2", &iss1), 1);
    // A comma in an issuer is part of it (StringArray).
    assert_eq!(
        run(
            "comma",
            &["--service-account-issuer", "https://a.example,b"]
        ),
        0
    );
    // decode-token reads its audience flag the same way.
    for (flag, want) in [("a, b", false), ("a, b,b", true)] {
        let out = env
            .kcred()
            .args([
                "decode-token",
                t["aud_b"].as_str().unwrap(),
                "--key",
                "c/pki/sa.pub",
                "--issuer",
                "https://first.example",
                "--api-audiences",
                flag,
                "-o",
                "json",
            ])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["verified"], want, "{flag}: {v}");
    }
    // A bare quote is a usage error, as pflag's is.
    let err = env.fails(
        2,
        &[
            "whoami",
            "--service-account-key-file",
            "c/pki/sa.pub",
            "--api-audiences",
            "a\"b",
        ],
    );
    assert!(err.contains("bare \""), "{err}");
}

/// Where the credential comes from: --context picks a context of a kubeconfig kubectl
/// merged, each answering as its own user; an unknown context is a usage error. (The
/// default kubeconfig and its trust: the next test.)
#[test]
fn context_picks_the_credential() {
    let env = Env::new();
    cluster(&env);
    // One kubeconfig with the admin's and the node's contexts, merged by kubectl.
    let merged = run_peer(
        peer("kubectl")
            .current_dir(env.dir.path())
            .env(
                "KUBECONFIG",
                format!(
                    "{}:{}",
                    env.p("c/admin.conf"),
                    env.p("c/nodes/node-1/kubelet.conf")
                ),
            )
            .args(["config", "view", "--flatten"]),
    );
    fs::write(env.path("two.conf"), merged).unwrap();
    let contexts = run_peer(
        peer("kubectl")
            .current_dir(env.dir.path())
            .env_remove("KUBECONFIG")
            .args([
                "--kubeconfig",
                "two.conf",
                "config",
                "get-contexts",
                "-o",
                "name",
            ]),
    );
    let mut seen = vec![];
    for ctx in contexts.lines() {
        let (code, v) = whoami(
            &env,
            &[
                "--kubeconfig",
                "two.conf",
                "--context",
                ctx,
                "--pki-dir",
                "c/pki",
            ],
        );
        assert_eq!(code, 0, "{ctx}: {v}");
        seen.push(user_info(&v)["username"].as_str().unwrap().to_string());
    }
    seen.sort();
    assert_eq!(
        seen,
        ["kubernetes-admin", "system:node:node-1"],
        "{contexts}"
    );
    let err = env.fails(
        2,
        &[
            "whoami",
            "--kubeconfig",
            "two.conf",
            "--context",
            "nope",
            "--pki-dir",
            "c/pki",
        ],
    );
    assert!(err.contains("nope"), "{err}");
}

/// Where the credential and its trust come from: with no --kubeconfig and no KUBECONFIG,
/// ~/.kube/config is read (HOME is the scratch directory). A kubeconfig's certificate with
/// no --client-ca-file/--pki-dir is checked against the kubeconfig's own cluster CA (said
/// in a note); a bare --client-certificate or a token with no trust at all is a usage
/// error, never a quiet system:anonymous.
#[test]
fn the_default_kubeconfig_and_trust_from_it() {
    let env = Env::new();
    cluster(&env);
    fs::create_dir_all(env.path(".kube")).unwrap();
    fs::copy(env.path("c/admin.conf"), env.path(".kube/config")).unwrap();
    // HOME is the scratch directory and KUBECONFIG is unset (common.rs Env::kcred).
    let (code, v) = whoami(&env, &["--pki-dir", "c/pki"]);
    assert_eq!(
        (code, &user_info(&v)["username"]),
        (0, &json!("kubernetes-admin")),
        "{v}"
    );
    // No trust flags: the kubeconfig's cluster CA stands in, and the output says so.
    let (code, v) = whoami(&env, &[]);
    assert_eq!(
        (code, &user_info(&v)["username"]),
        (0, &json!("kubernetes-admin")),
        "{v}"
    );
    assert!(
        v["metadata"]["annotations"]
            .to_string()
            .contains("used as kube-apiserver's --client-ca-file"),
        "{v}"
    );
    // --context names a context of the default kubeconfig too; a missing one is an error.
    let err = env.fails(2, &["whoami", "--context", "nope"]);
    assert!(err.contains("nope"), "{err}");
    let ctx = run_peer(
        peer("kubectl")
            .current_dir(env.dir.path())
            .env_remove("KUBECONFIG")
            .env("HOME", env.dir.path())
            .args(["config", "current-context"]),
    );
    let (code, v) = whoami(&env, &["--context", ctx.trim()]);
    assert_eq!(
        (code, &user_info(&v)["username"]),
        (0, &json!("kubernetes-admin")),
        "{v}"
    );
    // A bare certificate names no cluster: ask for the CA.
    let err = env.fails(
        2,
        &[
            "whoami",
            "--client-certificate",
            "c/pki/apiserver-kubelet-client.crt",
        ],
    );
    assert!(err.contains("--client-ca-file"), "{err}");
    // A token client-go cannot send (net/http refuses control characters in a header
    // value; an empty token file is fileTokenSource's error) is the file's problem.
    fs::write(env.path("two-lines.tok"), "abc\ndef\n").unwrap();
    fs::write(env.path("blank.tok"), " \n").unwrap();
    for f in ["two-lines.tok", "blank.tok"] {
        let err = env.fails(3, &["whoami", "--token-file", f, "--pki-dir", "c/pki"]);
        assert!(err.contains(f) && err.lines().count() == 1, "{err}");
    }
    // A token with no token authenticator would be ignored: ask, do not say anonymous.
    let err = env.fails(2, &["whoami", "--token", "abc"]);
    assert_says(&err, &["--token-auth-file", "anonymous"]);
}

/// The hints below the table: a node user outside system:nodes (the Node authorizer and
/// NodeRestriction only know `system:node:<name>` in `system:nodes`), and a client
/// certificate that expires within 30 days.
#[test]
fn node_and_expiry_hints() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.issue(
        "ca",
        "lone",
        &["--cn", "system:node:w1", "--key-type", "ecdsa-p256"],
    );
    env.issue(
        "ca",
        "short",
        &[
            "--cn",
            "brief",
            "--validity",
            "10d",
            "--key-type",
            "ecdsa-p256",
        ],
    );
    env.issue("ca", "long", &["--node", "w2", "--key-type", "ecdsa-p256"]);
    let table = |c: &str| {
        env.ok(&[
            "whoami",
            "--client-certificate",
            c,
            "--client-ca-file",
            "ca.crt",
        ])
    };
    let out = table("lone.crt");
    assert!(
        out.contains("hint: system:node:w1 is not in group system:nodes"),
        "{out}"
    );
    let out = table("short.crt");
    assert!(
        out.contains("hint: the client certificate expires in"),
        "{out}"
    );
    let out = table("long.crt");
    assert!(!out.contains("hint:"), "{out}");
}

/// group/authenticated_group_adder.go: no system:authenticated for a user named
/// system:anonymous or already in system:authenticated/system:unauthenticated; and a
/// ServiceAccount success carries no note about --token-auth-file.
#[test]
fn the_authenticated_group_adder_and_quiet_successes() {
    let env = Env::new();
    cluster(&env);
    fs::write(
        env.path("tokens.csv"),
        "t1,system:anonymous,1\nt2,bob,2,system:unauthenticated\nt3,amy,3,system:authenticated\nt4,al,4,x\n",
    )
    .unwrap();
    for (tok, groups) in [
        ("t1", json!([])),
        ("t2", json!(["system:unauthenticated"])),
        ("t3", json!(["system:authenticated"])),
        ("t4", json!(["x", "system:authenticated"])),
    ] {
        let (code, v) = whoami(&env, &["--token", tok, "--token-auth-file", "tokens.csv"]);
        assert_eq!(code, 0, "{v}");
        assert_eq!(user_info(&v)["groups"], groups, "{tok}");
    }
    let token = env.ok(&[
        "token",
        "issue",
        "web",
        "--namespace",
        "apps",
        "--key",
        "c/pki/sa.key",
    ]);
    let (code, v) = whoami(
        &env,
        &[
            "--token",
            token.trim(),
            "--pki-dir",
            "c/pki",
            "--token-auth-file",
            "tokens.csv",
        ],
    );
    assert_eq!(code, 0, "{v}");
    assert!(!v.to_string().contains("token-auth-file"), "{v}");
}
