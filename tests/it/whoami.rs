//! `kcred whoami` end to end: credentials from kubeconfigs written by real kubectl, client
//! certificates judged as Go's crypto/x509 judges them, tokens made by PyJWT, the static token
//! file, anonymous requests, and the exact output shapes (kubectl's whoami table and
//! SelfSubjectReview, the API server's 401 Status).

use std::fs;

use serde_json::{Value, json};

use crate::common::{Env, go_tokencheck, go_x509check, peer, python, run_peer};

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
    env.ok(&[
        "cert",
        "issue",
        "--ca",
        "ca",
        "--out",
        "good",
        "--cn",
        "jane",
        "--group",
        "a, b",
        "--group",
        "ç",
        "--key-type",
        "ecdsa-p256",
    ]);
    env.ok(&[
        "cert",
        "issue",
        "--ca",
        "other",
        "--out",
        "foreign",
        "--cn",
        "eve",
        "--key-type",
        "ecdsa-p256",
    ]);
    env.ok(&[
        "cert",
        "issue",
        "--ca",
        "ca",
        "--out",
        "server",
        "--usage",
        "server",
        "--san",
        "x.example",
        "--key-type",
        "ecdsa-p256",
    ]);
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
    env.ok(&[
        "cert",
        "issue",
        "--ca",
        "ca",
        "--out",
        "dev",
        "--cn",
        "dev",
        "--group",
        "devs",
        "--key-type",
        "ecdsa-p256",
    ]);
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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    assert!(
        err.contains("exec plugin") && err.contains("offline"),
        "{err}"
    );
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
    assert!(
        err.contains("bad.csv") && err.contains("3 columns"),
        "{err}"
    );
    env.fails(2, &["whoami", "--service-account-issuer", "https://x"]);
}
