//! `kcred serve` end to end, with real clients: kubectl 1.35 (protobuf review bodies), the
//! Python `kubernetes` client (JSON bodies without apiVersion/kind), PyJWT's PyJWKClient
//! through issuer discovery, webhook-shaped reviews as kube-apiserver's webhook clients send
//! them (`k8s.io/apiserver/plugin/pkg/authenticator/token/webhook`,
//! `.../plugin/pkg/authorizer/webhook`), and bad requests. Each test starts its own server
//! on an ephemeral port (`--listen 127.0.0.1:0`; the bound address is read from stderr).

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common::{Env, assert_says, peer};

/// A running `kcred serve`, killed on drop; its stderr lines are collected.
struct Server {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(env: &Env, args: &[&str]) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("kcred"))
            .current_dir(env.dir.path())
            .env("NO_COLOR", "1")
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kcred serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut seen = Vec::new();
        let addr = loop {
            match lines.next() {
                Some(Ok(l)) => {
                    // Text: `kcred serve: listening on https://ADDR`; JSON: the same in "msg".
                    if let Some((_, a)) = l.split_once("kcred serve: listening on https://") {
                        break a.trim_end_matches(['"', '}']).to_string();
                    }
                    seen.push(l);
                }
                _ => {
                    let _ = child.wait();
                    panic!("kcred serve did not start: {}", seen.join("\n"));
                }
            }
        };
        let log = Arc::new(Mutex::new(seen));
        let sink = log.clone();
        std::thread::spawn(move || {
            for l in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(l);
            }
        });
        Server { child, addr, log }
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Wait (bounded) until the log holds `needle`.
    fn wait_log(&self, needle: &str) -> bool {
        for _ in 0..100 {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A kubeadm-layout cluster in `c/` (RSA: PyJWT verifies RS256), plus an RBAC file binding
/// `kubeadm:cluster-admins` as kubeadm does, a `webhook` user with system:auth-delegator,
/// and issuer discovery for everyone (as `kubectl create clusterrolebinding
/// oidc-reviewer --clusterrole=system:service-account-issuer-discovery
/// --group=system:unauthenticated` would).
fn cluster(env: &Env) {
    env.ok(&["bootstrap", "--dir", "c", "--node", "node-1"]);
    let rbac = json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": "kubeadm:cluster-admins"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
         "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "kubeadm:cluster-admins"}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": "webhook:auth-delegator"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:auth-delegator"},
         "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "webhook"}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": "oidc-reviewer"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:service-account-issuer-discovery"},
         "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:unauthenticated"},
                      {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"}]}
    ]});
    std::fs::write(env.path("rbac.json"), rbac.to_string()).unwrap();
    // Clients with their own certificates: `webhook` (the API server's identity towards the
    // webhooks) and `nobody` (no permissions beyond the bootstrap policy).
    for cn in ["webhook", "nobody"] {
        env.ok(&["cert", "issue", "--ca", "c/pki/ca", "--cn", cn, "--out", cn]);
    }
    env.ok(&[
        "cert",
        "issue",
        "--ca",
        "c/pki/ca",
        "--cn",
        "root",
        "--group",
        "system:masters",
        "--out",
        "root",
    ]);
}

/// A ServiceAccount token for `ci/builder`, minted with the cluster's `sa.key`.
fn builder_token(env: &Env) -> String {
    env.token("builder", "ci", "c/pki/sa.key", &[])
        .trim()
        .to_string()
}

fn serve(env: &Env) -> Server {
    Server::start(env, &["--dir", "c", "--rbac", "rbac.json"])
}

/// kubectl against the server, with `--tls-server-name kubernetes` (kubeadm's apiserver
/// certificate names `kubernetes`, not 127.0.0.1).
fn kubectl(s: &Server, env: &Env, args: &[&str]) -> (bool, String, String) {
    kubectl_as("kubectl", s, env, args)
}

fn kubectl_as(bin: &str, s: &Server, env: &Env, args: &[&str]) -> (bool, String, String) {
    let url = s.url();
    let mut a = vec!["--server", &url, "--tls-server-name", "kubernetes"];
    a.extend_from_slice(args);
    kubectl_run(bin, env, &a)
}

/// kubectl in the test directory, with no kubeconfig but what `args` name.
fn kubectl_run(bin: &str, env: &Env, args: &[&str]) -> (bool, String, String) {
    let out = peer(bin)
        .current_dir(env.dir.path())
        .env("HOME", env.dir.path())
        .env_remove("KUBECONFIG")
        .args(args)
        .output()
        .expect("run kubectl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// kubectl's flags for a client certificate and key, trusting the cluster CA.
fn client_cert<'a>(crt: &'a str, key: &'a str) -> [&'a str; 6] {
    [
        "--client-certificate",
        crt,
        "--client-key",
        key,
        "--certificate-authority",
        "c/pki/ca.crt",
    ]
}

fn whoami_json(s: &Server, env: &Env, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["auth", "whoami", "-o", "json"]);
    let (ok, out, err) = kubectl(s, env, &a);
    assert!(ok, "kubectl {a:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn kubectl_auth_whoami_against_kcred_serve() {
    let env = Env::new();
    cluster(&env);
    let s = serve(&env);

    // admin.conf (a client certificate, kubeadm:cluster-admins).
    let v = whoami_json(&s, &env, &["--kubeconfig", "c/admin.conf"]);
    assert_eq!(v["kind"], "SelfSubjectReview");
    assert_eq!(v["status"]["userInfo"]["username"], "kubernetes-admin");
    assert_eq!(
        v["status"]["userInfo"]["groups"],
        json!(["kubeadm:cluster-admins", "system:authenticated"])
    );
    // The kubelet's kubeconfig: the Node authorizer's identity.
    let v = whoami_json(&s, &env, &["--kubeconfig", "c/nodes/node-1/kubelet.conf"]);
    assert_eq!(v["status"]["userInfo"]["username"], "system:node:node-1");
    assert_eq!(
        v["status"]["userInfo"]["groups"],
        json!(["system:nodes", "system:authenticated"])
    );
    // A ServiceAccount token kcred mints with the cluster's sa.key.
    let token = builder_token(&env);
    let v = whoami_json(
        &s,
        &env,
        &["--token", &token, "--certificate-authority", "c/pki/ca.crt"],
    );
    assert_eq!(
        v["status"]["userInfo"]["username"],
        "system:serviceaccount:ci:builder"
    );
    // kubectl's table, as it prints it.
    let (ok, out, _) = kubectl(
        &s,
        &env,
        &["--kubeconfig", "c/admin.conf", "auth", "whoami"],
    );
    assert!(ok);
    assert!(out.contains("kubernetes-admin"), "{out}");

    // An expired client certificate: kubectl's own 401 message.
    env.ok(&[
        "cert",
        "issue",
        "--ca",
        "c/pki/ca",
        "--cn",
        "old",
        "--validity",
        "1s",
        "--out",
        "old",
    ]);
    std::thread::sleep(std::time::Duration::from_secs(2));
    let old = client_cert("old.crt", "old.key");
    let (ok, _, err) = kubectl(&s, &env, &[&old[..], &["auth", "whoami"]].concat());
    assert!(!ok);
    assert!(
        err.contains("error: You must be logged in to the server (Unauthorized)"),
        "{err}"
    );
    // A forged token: 401 as well, never anonymous.
    let (ok, _, err) = kubectl(
        &s,
        &env,
        &[
            "--token",
            "not-a-token",
            "--certificate-authority",
            "c/pki/ca.crt",
            "auth",
            "whoami",
        ],
    );
    assert!(!ok);
    assert!(err.contains("Unauthorized"), "{err}");

    // kubectl version reads /version.
    let (ok, out, err) = kubectl(&s, &env, &["--kubeconfig", "c/admin.conf", "version"]);
    assert!(ok, "{err}");
    assert!(out.contains("Server Version: v1.35.0+kcred"), "{out}");

    // One access-log line per request, naming the user.
    // kubectl 1.35 sends the review as protobuf.
    assert!(s.wait_log("\"system:node:node-1\" POST \"/apis/authentication.k8s.io/v1/selfsubjectreviews\" protobuf allow 201"), "{}", s.log());
}

#[test]
fn kubectl_auth_can_i_against_kcred_serve() {
    let env = Env::new();
    cluster(&env);
    let s = serve(&env);
    let can_i = |args: &[&str]| {
        let mut a = vec!["auth", "can-i"];
        a.extend_from_slice(args);
        kubectl(&s, &env, &a)
    };
    // super-admin (system:masters) and admin (bound above) may; nobody may not.
    let (ok, out, err) = can_i(&["create", "pods", "--kubeconfig", "c/super-admin.conf"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "yes");
    let (ok, out, _) = can_i(&["delete", "nodes", "--kubeconfig", "c/admin.conf"]);
    assert!(ok);
    assert_eq!(out.trim(), "yes");
    let nobody = client_cert("nobody.crt", "nobody.key");
    let mut a = vec!["get", "secrets"];
    a.extend(nobody);
    let (ok, out, _) = can_i(&a);
    assert!(!ok, "kubectl auth can-i exits 1 on no");
    assert_eq!(out.trim(), "no");
    // Impersonation (the filter in impersonation.go): system:masters may impersonate, and
    // the answer is the impersonated user's; nobody may not impersonate at all.
    let (ok, out, _) = can_i(&[
        "get",
        "secrets",
        "--as",
        "nobody",
        "--kubeconfig",
        "c/super-admin.conf",
    ]);
    assert!(!ok);
    assert_eq!(out.trim(), "no");
    let mut a = vec![
        "get",
        "secrets",
        "--as",
        "root",
        "--as-group",
        "system:masters",
    ];
    a.extend(nobody);
    let (ok, _, err) = can_i(&a);
    assert!(!ok);
    assert!(
        err.contains("users \"root\" is forbidden: User \"nobody\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"),
        "{err}"
    );
    // --list: SelfSubjectRulesReview; nobody holds system:basic-user's self reviews.
    let mut a = vec!["--list"];
    a.extend(nobody);
    let (ok, out, err) = can_i(&a);
    assert!(ok, "{err}");
    assert!(
        out.contains("selfsubjectaccessreviews.authorization.k8s.io"),
        "{out}"
    );
    assert!(!out.contains("secrets"), "{out}");
}

/// kubectl resolves resource names through discovery (`cmd/auth/cani.go`, `resourceFor`:
/// the RESTMapper over `/api/v1` and `/apis/GROUP/VERSION`), after asking for aggregated
/// discovery and falling back on kcred's plain `application/json` answer
/// (`discovery_client.go`, `downloadAPIs`). So `po` reaches kcred as `pods` and `deploy` as
/// `deployments` in `apps`, with no "doesn't have a resource type" warning, and the answer
/// is the one `kcred can-i` gives the same identity over the same policy.
#[test]
fn kubectl_resolves_short_names_through_kcred_discovery() {
    let env = Env::new();
    cluster(&env);
    // `reader` may get and list pods and list deployments, nothing else of theirs.
    let rbac = json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": "reader"},
         "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
                   {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["list"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": "reader"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "reader"},
         "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "reader"}]}
    ]});
    std::fs::write(env.path("reader.json"), rbac.to_string()).unwrap();
    env.ok(&[
        "cert", "issue", "--ca", "c/pki/ca", "--cn", "reader", "--out", "reader",
    ]);
    let s = Server::start(
        &env,
        &["--dir", "c", "--rbac", "rbac.json", "--rbac", "reader.json"],
    );
    let cred = client_cert("reader.crt", "reader.key");
    let cases: &[(&[&str], &str)] = &[
        (&["get", "po"], "yes"),
        (&["list", "pods"], "yes"),
        (&["list", "deploy"], "yes"),
        (&["list", "deployments.apps"], "yes"),
        (&["get", "deploy"], "no"),
        (&["delete", "po"], "no"),
        (&["get", "cm"], "no"),
    ];
    for (args, want) in cases {
        let mut a = vec!["auth", "can-i"];
        a.extend_from_slice(args);
        a.extend(cred);
        let (ok, out, err) = kubectl(&s, &env, &a);
        assert_eq!(out.trim(), *want, "kubectl {a:?}: {err}");
        assert_eq!(ok, *want == "yes", "kubectl {a:?}: {err}");
        assert!(!err.contains("resource type"), "kubectl {a:?}: {err}");
        // kcred can-i, the same identity and policy, offline.
        let mut k = vec!["can-i"];
        k.extend_from_slice(args);
        k.extend([
            "--client-certificate",
            "reader.crt",
            "--client-ca-file",
            "c/pki/ca.crt",
            "--rbac",
            "rbac.json",
            "--rbac",
            "reader.json",
        ]);
        let out = env.kcred().args(&k).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.lines().next(), Some(*want), "kcred {k:?}");
    }
    // kubectl api-resources reads the same discovery.
    let mut a = vec!["api-resources", "--no-headers"];
    a.extend(cred);
    let (ok, out, err) = kubectl(&s, &env, &a);
    assert!(ok, "{err}");
    let pods = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|w| w.first() == Some(&"pods"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(pods, ["pods", "po", "v1", "true", "Pod"], "{out}");
    let deploy = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|w| w.first() == Some(&"deployments"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        deploy,
        ["deployments", "deploy", "apps/v1", "true", "Deployment"],
        "{out}"
    );
}

/// kubectl 1.32 (scripts/install-peers installs it as kubectl-1.32). Observed: it already
/// sends the review bodies as protobuf, like 1.35 (JSON bodies are exercised by the Python
/// client and the webhook-shaped tests).
#[test]
fn older_kubectl_1_32() {
    let env = Env::new();
    cluster(&env);
    let s = serve(&env);
    let k = |args: &[&str]| kubectl_as("kubectl-1.32", &s, &env, args);
    let (ok, out, err) = k(&[
        "--kubeconfig",
        "c/admin.conf",
        "auth",
        "whoami",
        "-o",
        "json",
    ]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"]["userInfo"]["username"], "kubernetes-admin");
    let (ok, out, _) = k(&[
        "--kubeconfig",
        "c/super-admin.conf",
        "auth",
        "can-i",
        "create",
        "pods",
    ]);
    assert!(ok);
    assert_eq!(out.trim(), "yes");
    let (ok, out, err) = k(&[
        "--kubeconfig",
        "c/nodes/node-1/kubelet.conf",
        "auth",
        "can-i",
        "--list",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("selfsubjectreviews.authentication.k8s.io"),
        "{out}"
    );
    assert!(s.wait_log("\"kubernetes-admin\" POST \"/apis/authentication.k8s.io/v1/selfsubjectreviews\" protobuf allow 201"), "{}", s.log());
    assert!(
        s.wait_log("/selfsubjectaccessreviews\" protobuf allow 201"),
        "{}",
        s.log()
    );
}

/// The Python `kubernetes` client: TokenReview and SubjectAccessReview, with and without
/// the permission (`system:auth-delegator`).
const PY_CLIENT: &str = r#"
import json, sys
from kubernetes import client
from kubernetes.client.rest import ApiException
url, ca, cert, key, token = sys.argv[1:6]
c = client.Configuration()
c.host = url
c.ssl_ca_cert = ca
c.cert_file = cert
c.key_file = key
c.tls_server_name = "kubernetes"
api = client.ApiClient(c)
out = {}
try:
    r = client.AuthenticationV1Api(api).create_token_review(
        client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token)))
    out["tokenreview"] = api.sanitize_for_serialization(r)
except ApiException as e:
    out["tokenreview"] = {"code": e.status, "body": json.loads(e.body)}
try:
    r = client.AuthorizationV1Api(api).create_subject_access_review(
        client.V1SubjectAccessReview(spec=client.V1SubjectAccessReviewSpec(
            user="system:serviceaccount:ci:builder", groups=["system:serviceaccounts"],
            resource_attributes=client.V1ResourceAttributes(verb="get", resource="pods", namespace="ci"))))
    out["sar"] = api.sanitize_for_serialization(r)
except ApiException as e:
    out["sar"] = {"code": e.status, "body": json.loads(e.body)}
print(json.dumps(out))
"#;

#[test]
fn python_kubernetes_client_reviews() {
    let env = Env::new();
    cluster(&env);
    let s = serve(&env);
    let token = builder_token(&env);
    let run = |who: &str| -> Value {
        let out = crate::common::python(
            PY_CLIENT,
            &[
                &s.url(),
                &env.p("c/pki/ca.crt"),
                &env.p(&format!("{who}.crt")),
                &env.p(&format!("{who}.key")),
                &token,
            ],
        );
        serde_json::from_str(&out).unwrap()
    };
    let v = run("webhook");
    let tr = &v["tokenreview"]["status"];
    assert_eq!(tr["authenticated"], true, "{v}");
    assert_eq!(tr["user"]["username"], "system:serviceaccount:ci:builder");
    assert_eq!(
        tr["audiences"],
        json!(["https://kubernetes.default.svc.cluster.local"])
    );
    assert_eq!(v["sar"]["status"]["allowed"], false, "{v}");

    let v = run("nobody");
    assert_eq!(v["tokenreview"]["code"], 403, "{v}");
    assert_eq!(
        v["tokenreview"]["body"]["message"],
        "tokenreviews.authentication.k8s.io is forbidden: User \"nobody\" cannot create resource \"tokenreviews\" in API group \"authentication.k8s.io\" at the cluster scope"
    );
    assert_eq!(v["sar"]["code"], 403, "{v}");
    assert_eq!(v["sar"]["body"]["reason"], "Forbidden");
}

/// PyJWT's PyJWKClient through the discovery document, over HTTPS trusting the cluster CA.
const PY_JWKS: &str = r#"
import json, ssl, sys, urllib.request, jwt
url, ca, token = sys.argv[1:4]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False  # kubeadm's certificate names kubernetes, not 127.0.0.1
doc = json.load(urllib.request.urlopen(url + "/.well-known/openid-configuration", context=ctx))
jwks_uri = url + "/openid/v1/jwks"
client = jwt.PyJWKClient(jwks_uri, ssl_context=ctx)
key = client.get_signing_key_from_jwt(token)
claims = jwt.decode(token, key.key, algorithms=doc["id_token_signing_alg_values_supported"],
                    audience="https://kubernetes.default.svc.cluster.local", issuer=doc["issuer"])
print(json.dumps({"issuer": doc["issuer"], "jwks_uri": doc["jwks_uri"], "sub": claims["sub"]}))
"#;

#[test]
fn pyjwt_verifies_tokens_through_issuer_discovery() {
    let env = Env::new();
    cluster(&env);
    let s = serve(&env);
    let token = builder_token(&env);
    let out = crate::common::python(PY_JWKS, &[&s.url(), &env.p("c/pki/ca.crt"), &token]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["issuer"], "https://kubernetes.default.svc.cluster.local");
    assert_eq!(
        v["jwks_uri"],
        "https://kubernetes.default.svc.cluster.local/openid/v1/jwks"
    );
    assert_eq!(v["sub"], "system:serviceaccount:ci:builder");
}

/// Raw HTTPS requests from Python (the `webhook` client certificate), for the webhook
/// shapes and the bad requests.
const PY_RAW: &str = r#"
import json, socket, ssl, sys, time
url, ca, cert, key, reqs = sys.argv[1:6]
host, port = url[len("https://"):].rsplit(":", 1)
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
ctx.load_cert_chain(cert, key)
def call(method, path, body=b"", headers=None):
    import http.client
    c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=30)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        try:
            data = json.loads(data)
        except Exception:
            data = data.decode(errors="replace")
        return {"code": r.status, "body": data}
    except OSError as e:  # a connection cut while the client still sends
        return {"code": 0, "body": str(e)}
    finally:
        c.close()
out = []
for r in json.loads(reqs):
    if r.get("slow"):
        # A slowloris client: a connection that sends half a header line and stays.
        s = socket.create_connection((host, int(port)))
        t = ctx.wrap_socket(s, server_hostname="kubernetes")
        t.send(b"POST /apis/authentication.k8s.io/v1/tokenreviews HTTP/1.1\r\nHost: x\r\n")
        out.append(call("GET", "/healthz"))
        t.close()
        continue
    body = r.get("body", "")
    if r.get("size"):
        body = b"x" * r["size"]
    elif not isinstance(body, str):
        body = json.dumps(body)
    out.append(call(r.get("method", "POST"), r["path"], body.encode() if isinstance(body, str) else body, r.get("headers")))
print(json.dumps(out))
"#;

fn raw(s: &Server, env: &Env, who: &str, reqs: Value) -> Vec<Value> {
    let out = crate::common::python(
        PY_RAW,
        &[
            &s.url(),
            &env.p("c/pki/ca.crt"),
            &env.p(&format!("{who}.crt")),
            &env.p(&format!("{who}.key")),
            &reqs.to_string(),
        ],
    );
    serde_json::from_str(&out).unwrap()
}

const TR: &str = "/apis/authentication.k8s.io/v1/tokenreviews";
const SAR: &str = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

#[test]
fn webhook_shaped_reviews() {
    let env = Env::new();
    cluster(&env);
    let s = serve(&env);
    let token = builder_token(&env);
    let json_ct = json!({"Content-Type": "application/json", "Accept": "application/json, */*"});
    // The token webhook (token/webhook/webhook.go) posts a TokenReview with spec.token and,
    // when it knows them, spec.audiences; the authorizer webhook (authorizer/webhook) posts
    // a SubjectAccessReview with the user, groups, extra and the attributes.
    let r = raw(
        &s,
        &env,
        "webhook",
        json!([
            {"path": TR, "headers": json_ct, "body": {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                "metadata": {"creationTimestamp": null}, "spec": {"token": &token, "audiences": ["https://kubernetes.default.svc.cluster.local"]}, "status": {"user": {}}}},
            {"path": TR, "headers": json_ct, "body": {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                "spec": {"token": "forged"}}},
            {"path": TR, "headers": json_ct, "body": {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                "spec": {"token": &token, "audiences": ["vault"]}}},
            {"path": SAR, "headers": json_ct, "body": {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "metadata": {"creationTimestamp": null},
                "spec": {"resourceAttributes": {"namespace": "kube-system", "verb": "get", "group": "", "version": "v1", "resource": "secrets", "name": "x"},
                         "user": "alice", "groups": ["system:authenticated"], "extra": {"a": ["b"]}},
                "status": {"allowed": false}}},
            {"path": SAR, "headers": json_ct, "body": {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}, "user": "x", "groups": ["system:unauthenticated"]}}},
            {"path": SAR, "headers": json_ct, "body": {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}, "user": "admin", "groups": ["system:masters"]}}},
        ]),
    );
    assert_eq!(r[0]["code"], 201, "{r:?}");
    assert_eq!(r[0]["body"]["status"]["authenticated"], true);
    assert_eq!(
        r[0]["body"]["status"]["user"]["groups"],
        json!([
            "system:serviceaccounts",
            "system:serviceaccounts:ci",
            "system:authenticated"
        ])
    );
    // The ServiceAccount lookup the API server makes is not made offline, and says so.
    assert!(
        r[0]["body"]["metadata"]["annotations"]["kcred.dev/notes"]
            .as_str()
            .is_some_and(|n| n.contains("not checked offline")),
        "{:?}",
        r[0]
    );
    assert_eq!(r[1]["code"], 201);
    assert_eq!(
        r[1]["body"]["status"]["authenticated"],
        Value::Null,
        "{:?}",
        r[1]
    );
    assert!(!r[1]["body"]["status"]["error"].as_str().unwrap().is_empty());
    // A token for other audiences authenticates nobody.
    assert_ne!(r[2]["body"]["status"]["authenticated"], true, "{:?}", r[2]);
    // alice may not read secrets: not allowed, not denied (RBAC never denies).
    assert_eq!(r[3]["code"], 201);
    assert_eq!(r[3]["body"]["status"]["allowed"], false, "{:?}", r[3]);
    assert_eq!(r[3]["body"]["status"]["denied"], Value::Null);
    assert_eq!(r[3]["body"]["spec"]["extra"], json!({"a": ["b"]}));
    // system:public-info-viewer lets everyone GET /healthz.
    assert_eq!(r[4]["body"]["status"]["allowed"], true, "{:?}", r[4]);
    assert_eq!(r[5]["body"]["status"]["allowed"], true, "{:?}", r[5]);
}

#[test]
fn bad_requests_get_status_errors_and_the_server_keeps_serving() {
    let env = Env::new();
    cluster(&env);
    let s = Server::start(
        &env,
        &["--dir", "c", "--rbac", "rbac.json", "--log-format", "json"],
    );
    let r = raw(
        &s,
        &env,
        "webhook",
        json!([
            {"path": TR, "headers": {"Content-Type": "text/plain"}, "body": "{}"},
            {"path": TR, "headers": {"Content-Type": "application/json"}, "body": "{\"spec\": "},
            {"path": TR, "headers": {"Content-Type": "application/json"}, "size": 10 * 1024 * 1024},
            {"path": TR, "headers": {"Content-Type": "application/json"}, "body": {"apiVersion": "authentication.k8s.io/v1", "kind": "Pod", "spec": {"token": "x"}}},
            {"path": TR, "body": {"spec": {}}},
            {"path": "/apis/authentication.k8s.io/v1/nothing", "body": "{}"},
            {"path": "/nothing", "method": "GET"},
            {"path": TR, "method": "GET"},
            {"slow": true},
            {"path": "/readyz", "method": "GET"},
        ]),
    );
    let codes: Vec<i64> = r.iter().map(|x| x["code"].as_i64().unwrap()).collect();
    assert_eq!(codes[0], 415, "{r:?}");
    assert_eq!(r[0]["body"]["kind"], "Status");
    assert_eq!(r[0]["body"]["reason"], "UnsupportedMediaType");
    assert_eq!(codes[1], 400);
    assert_eq!(r[1]["body"]["reason"], "BadRequest");
    // 10 MiB: 413, or the connection cut while the client still sends (the Status is
    // written before the client finishes; either way nothing past 3 MiB is read).
    assert!(codes[2] == 413 || codes[2] == 0, "{:?}", r[2]);
    assert_eq!(codes[3], 400, "{:?}", r[3]);
    // No Content-Type and no apiVersion/kind (the Python client's way): JSON, typed by
    // the URL; an empty token is the API server's 400.
    assert_eq!(codes[4], 400, "{:?}", r[4]);
    assert_eq!(
        r[4]["body"]["message"],
        "token is required for TokenReview in authentication"
    );
    // Authorization comes before routing: an unknown resource is 403 for webhook, and
    // 404 for system:masters.
    assert_eq!(codes[5], 403);
    let r404 = raw(
        &s,
        &env,
        "root",
        json!([{"path": "/apis/authentication.k8s.io/v1/nothing", "body": "{}"}, {"path": "/nothing", "method": "GET"}]),
    );
    for x in &r404 {
        assert_eq!(x["code"], 404, "{x}");
        assert_eq!(x["body"]["reason"], "NotFound");
        assert_eq!(
            x["body"]["message"],
            "the server could not find the requested resource"
        );
    }
    // `webhook` has no permission on /nothing: the authorizer answers before the 404.
    assert_eq!(codes[6], 403);
    assert_eq!(
        r[6]["body"]["message"],
        "forbidden: User \"webhook\" cannot get path \"/nothing\""
    );
    assert_eq!(codes[7], 403, "list tokenreviews is not in auth-delegator");
    // A slow client holds its connection; others are served meanwhile, and after.
    assert_eq!(codes[8], 200);
    assert_eq!(codes[9], 200);
    assert_eq!(r[9]["body"], "ok");
    // The JSON access log: one object per request.
    assert!(s.wait_log("\"status\":415"), "{}", s.log());
    let line = s
        .log()
        .lines()
        .find(|l| l.contains("\"status\":415"))
        .unwrap()
        .to_string();
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["user"], "webhook");
    assert_eq!(v["method"], "POST");
    assert_eq!(v["path"], TR);
    assert_eq!(v["verdict"], "allow");
}

#[test]
fn trust_files_reload_when_they_change() {
    let env = Env::new();
    cluster(&env);
    let s = serve(&env);
    // A new ServiceAccount key pair replaces sa.pub.
    env.ok(&["sa", "keygen", "--out", "new"]);
    let token = env.ok(&["token", "issue", "builder", "-n", "ci", "--key", "new.key"]);
    let old = builder_token(&env);
    let ask_with = |t: &str| {
        raw(
            &s,
            &env,
            "webhook",
            json!([{"path": TR, "body": {"spec": {"token": t.trim()}}}]),
        )[0]["body"]["status"]["authenticated"]
            == true
    };
    let ask = || ask_with(&token);
    assert!(!ask(), "the new key is not trusted yet");
    // kube-apiserver's token cache (10 s for successes) holds the old key's token now...
    assert!(ask_with(&old), "a token of the current key is accepted");
    std::fs::copy(env.path("new.pub"), env.path("c/pki/sa.pub")).unwrap();
    assert!(s.wait_log("reloaded"), "{}", s.log());
    assert!(ask(), "a token of the new key is accepted after the reload");
    // ... but a reload starts a new cache: the old key's token, accepted a moment ago, is
    // verified again against the new sa.pub and refused.
    assert!(
        !ask_with(&old),
        "a cached success is not served after sa.pub is replaced"
    );
    // A corrupt file keeps the last good trust, and one line says so.
    std::fs::write(
        env.path("c/pki/sa.pub"),
        "-----BEGIN PUBLIC KEY-----\ngarbage\n",
    )
    .unwrap();
    assert!(
        s.wait_log("reload failed, keeping the previous trust"),
        "{}",
        s.log()
    );
    assert!(s.log().contains("sa.pub"), "{}", s.log());
    assert!(ask(), "the last good key still verifies");
}

/// A webhook client as kube-apiserver builds it from a `--*-webhook-config-file`
/// (`k8s.io/apiserver/pkg/util/webhook`, `LoadKubeconfig`): cluster server URL, CA,
/// tls-server-name and the user's client certificate, all from the kubeconfig; the review
/// is POSTed to the server URL as it stands.
const PY_WEBHOOK: &str = r#"
import base64, json, os, ssl, sys, tempfile, http.client, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
cluster = cfg["clusters"][0]["cluster"]
user = cfg["users"][0]["user"]
d = tempfile.mkdtemp()
def put(name, b64):
    p = os.path.join(d, name)
    open(p, "wb").write(base64.b64decode(b64))
    return p
ctx = ssl.create_default_context(cafile=put("ca", cluster["certificate-authority-data"]))
ctx.load_cert_chain(put("crt", user["client-certificate-data"]), put("key", user["client-key-data"]))
url = cluster["server"][len("https://"):]
hostport, path = url.split("/", 1)
host, port = hostport.rsplit(":", 1)
# tls-server-name: connect to the address, verify the certificate for this name.
import socket
class Conn(http.client.HTTPSConnection):
    def connect(self):
        s = socket.create_connection((host, int(port)))
        self.sock = ctx.wrap_socket(s, server_hostname=cluster["tls-server-name"])
c = Conn(host, int(port), context=ctx)
c.request("POST", "/" + path, body=sys.argv[2], headers={"Content-Type": "application/json"})
r = c.getresponse()
print(json.dumps({"code": r.status, "body": json.loads(r.read())}))
"#;

#[test]
fn webhook_config_files_work_and_sigterm_drains() {
    let env = Env::new();
    cluster(&env);
    let mut s = Server::start(&env, &["--dir", "c", "--webhook-config-out", "wh"]);
    assert_eq!(
        crate::common::mode(&env.path("wh/authentication-webhook.kubeconfig")),
        0o600
    );
    let token = builder_token(&env);
    let call = |file: &str, body: Value| -> Value {
        let out = crate::common::python(PY_WEBHOOK, &[&env.p(file), &body.to_string()]);
        serde_json::from_str(&out).unwrap()
    };
    let v = call(
        "wh/authentication-webhook.kubeconfig",
        json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": &token}}),
    );
    assert_eq!(v["code"], 201, "{v}");
    assert_eq!(v["body"]["status"]["authenticated"], true);
    let v = call(
        "wh/authorization-webhook.kubeconfig",
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
               "spec": {"user": "bob", "groups": ["system:authenticated"], "nonResourceAttributes": {"path": "/version", "verb": "get"}}}),
    );
    assert_eq!(v["code"], 201, "{v}");
    assert_eq!(v["body"]["status"]["allowed"], true);
    assert!(
        s.log().contains("kcred:kube-apiserver-webhook-client"),
        "{}",
        s.log()
    );

    // SIGTERM: drained, exit 0.
    let pid = s.child.id().to_string();
    crate::common::run_peer(Command::new("kill").args(["-TERM", &pid]));
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status:?}: {}", s.log());
    assert!(s.wait_log("kcred serve: stopped"), "{}", s.log());
}

/// One keep-alive connection: two requests answered on it, then silence; prints the two
/// status lines and how the connection ended while waiting (at most 8 s) for more.
const PY_IDLE: &str = r#"
import json, socket, ssl, sys
url, ca, cert, key = sys.argv[1:5]
host, port = url[len("https://"):].rsplit(":", 1)
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
ctx.load_cert_chain(cert, key)
s = ctx.wrap_socket(socket.create_connection((host, int(port))), server_hostname="kubernetes")
f = s.makefile("rb")
status = []
for _ in range(2):
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: kubernetes\r\n\r\n")
    status.append(f.readline().decode().strip())
    length = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        k, _, v = line.decode().partition(":")
        if k.lower() == "content-length":
            length = int(v)
    f.read(length)
s.settimeout(8)
try:
    end = "eof" if f.read(1) == b"" else "data"
except socket.timeout:
    end = "open"
except (ssl.SSLError, ConnectionError) as e:
    end = "eof"
print(json.dumps({"status": status, "end": end}))
"#;

/// kube-apiserver's http.Server closes a keep-alive connection that sends nothing for
/// IdleTimeout (90 s, `apiserver/pkg/server/secure_serving.go`; Go's `net/http` conn.serve);
/// here 1 s through `--idle-timeout`, shorter than the 10 s header timeout, so it is the
/// idle timer, not the header one, that closes it; the connection served two requests first.
#[test]
fn idle_keep_alive_connections_are_closed() {
    let env = Env::new();
    cluster(&env);
    let s = Server::start(
        &env,
        &["--dir", "c", "--rbac", "rbac.json", "--idle-timeout", "1s"],
    );
    let out = crate::common::python(
        PY_IDLE,
        &[
            &s.url(),
            &env.p("c/pki/ca.crt"),
            &env.p("webhook.crt"),
            &env.p("webhook.key"),
        ],
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["status"],
        json!(["HTTP/1.1 200 OK", "HTTP/1.1 200 OK"]),
        "{out}"
    );
    assert_eq!(v["end"], "eof", "{out}\n{}", s.log());
}

/// A kubeconfig user that impersonates (`as`, `as-groups`, `as-uid`, `as-user-extra`):
/// kubectl sends `Impersonate-*` headers built from the kubeconfig merged with its own
/// `--as` flags (client-go `client_config.go` `getAuthInfo`: a flag that is set wins, the
/// rest comes from the file). `kcred can-i --kubeconfig` must evaluate the same impersonated
/// identity real kubectl makes the server act as: `kubectl auth whoami` through kcred serve
/// shows what kubectl sent, and `kcred can-i -o json` the identity it judged. Without the
/// impersonate permission both answer 403.
#[test]
fn kubeconfig_impersonation_is_judged_as_kubectl_sends_it() {
    let env = Env::new();
    cluster(&env);
    std::fs::write(
        env.path("imp.yaml"),
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonate-some}
rules:
- {apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [bob, carol]}
- {apiGroups: [""], resources: [groups], verbs: [impersonate], resourceNames: [ops]}
- {apiGroups: [authentication.k8s.io], resources: [uids], verbs: [impersonate]}
- {apiGroups: [authentication.k8s.io], resources: [userextras/team], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: nobody-impersonates}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-some}
subjects: [{kind: User, name: nobody, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ops-view, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}]
"#,
    )
    .unwrap();
    let s = Server::start(
        &env,
        &["--dir", "c", "--rbac", "rbac.json", "--rbac", "imp.yaml"],
    );
    let kubeconfig = |name: &str, who: &str, cert: &str| {
        std::fs::write(
            env.path(name),
            format!(
                "apiVersion: v1\nkind: Config\ncurrent-context: x\n\
clusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority: c/pki/ca.crt\n    tls-server-name: kubernetes\n\
contexts:\n- name: x\n  context: {{cluster: c, user: u, namespace: dev}}\n\
users:\n- name: u\n  user:\n    client-certificate: {cert}.crt\n    client-key: {cert}.key\n{who}",
                s.url()
            ),
        )
        .unwrap();
    };
    kubeconfig(
        "bob.conf",
        "    as: bob\n    as-groups: [ops]\n    as-uid: u-1\n    as-user-extra: {Team: [blue]}\n",
        "nobody",
    );
    kubeconfig("bob-by-root.conf", "    as: bob\n", "root");
    kubeconfig("bob-plain.conf", "    as: bob\n", "nobody");
    let kubectl_local = |args: &[&str]| kubectl_run("kubectl", &env, args);
    let kcred_can_i = |args: &[&str]| {
        let out = env
            .kcred()
            .args(["can-i", "--pki-dir", "c/pki", "--rbac", "rbac.json"])
            .args(["--rbac", "imp.yaml"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    // The same identity on both sides, for the kubeconfig alone and with kubectl's flags on
    // top (a flag replaces its field only: --as keeps the file's groups, uid and extra).
    for flags in [
        &[][..],
        &["--as", "carol"][..],
        &["--as", "carol", "--as-group", "ops"][..],
    ] {
        let mut a = vec!["--kubeconfig", "bob.conf"];
        a.extend_from_slice(flags);
        let mut w = a.clone();
        w.extend(["auth", "whoami", "-o", "json"]);
        let (ok, out, err) = kubectl_local(&w);
        assert!(ok, "kubectl {w:?}: {err}");
        let sent: Value = serde_json::from_str(&out).unwrap();
        let sent = &sent["status"]["userInfo"];
        let mut c = vec!["get", "pods"];
        c.extend(&a);
        c.extend(["-o", "json"]);
        let (code, out, err) = kcred_can_i(&c);
        assert_eq!(code, Some(0), "kcred can-i {c:?}: {out}{err}");
        let review: Value = serde_json::from_str(&out).unwrap();
        let spec = &review["spec"];
        assert_eq!(spec["user"], sent["username"], "{flags:?}");
        assert_eq!(spec["groups"], sent["groups"], "{flags:?}");
        assert_eq!(spec["uid"], sent["uid"], "{flags:?}");
        assert_eq!(spec["extra"], sent["extra"], "{flags:?}");
        assert_eq!(review["status"]["allowed"], true, "{flags:?}");
        // kubectl auth can-i through the server gives the same answer.
        let mut k = a.clone();
        k.extend(["auth", "can-i", "get", "pods"]);
        let (ok, out, err) = kubectl_local(&k);
        assert!(ok, "kubectl {k:?}: {out}{err}");
        assert_eq!(out.trim(), "yes");
    }
    let (_, out, _) = kcred_can_i(&["get", "pods", "--kubeconfig", "bob.conf"]);
    assert!(
        out.contains(r#"RoleBinding "ops-view/dev" of ClusterRole "view" to Group "ops""#),
        "{out}"
    );

    // root (system:masters) may impersonate anyone; bob alone has no grant in dev.
    let (ok, out, _) = kubectl_local(&[
        "--kubeconfig",
        "bob-by-root.conf",
        "auth",
        "can-i",
        "get",
        "pods",
    ]);
    assert!(!ok);
    assert_eq!(out.trim(), "no");
    let (code, out, _) = kcred_can_i(&["get", "pods", "--kubeconfig", "bob-by-root.conf"]);
    assert_eq!((code, out.lines().next()), (Some(1), Some("no")));

    // nobody may impersonate bob and carol, not dave: the filter's 403, in kubectl's words.
    for (conf, flags) in [
        ("bob-plain.conf", &["--as", "dave"][..]),
        ("bob.conf", &["--as", "dave"][..]),
    ] {
        let mut a = vec!["--kubeconfig", conf];
        a.extend_from_slice(flags);
        let mut k = a.clone();
        k.extend(["auth", "can-i", "get", "pods"]);
        let (ok, _, kubectl_err) = kubectl_local(&k);
        assert!(!ok);
        let mut c = vec!["get", "pods"];
        c.extend(&a);
        let (code, _, kcred_err) = kcred_can_i(&c);
        assert_eq!(code, Some(1));
        let line = r#"users "dave" is forbidden: User "nobody" cannot impersonate resource "users" in API group "" at the cluster scope"#;
        assert!(kubectl_err.contains(line), "{kubectl_err}");
        assert!(kcred_err.contains(line), "{kcred_err}");
    }

    // whoami still refuses to guess: the identity depends on authorization.
    let err = env.fails(
        3,
        &["whoami", "--kubeconfig", "bob.conf", "--pki-dir", "c/pki"],
    );
    assert_says(&err, &["impersonates \"bob\"", "kcred can-i"]);
}

/// Review bodies as kube-apiserver's JSON serializer reads them: tests/go/reviewdecode runs
/// the real sigs.k8s.io/json (Debian's) and encoding/json's apiVersion/kind peek on each body
/// and prints what the API server goes on to evaluate. kcred serve must answer the body as it
/// answers that canonical object (a repeated `spec` merges, a null leaves a string alone, a
/// list is replaced, kind is matched case-insensitively), and answer 400 where the decoder
/// fails. Found by a differential sweep: kcred kept the last `spec` whole and allowed
/// `get pods` where the API server judged `get pods/exec`.
#[test]
fn review_bodies_are_read_as_sigs_k8s_io_json_reads_them() {
    let env = Env::new();
    cluster(&env);
    std::fs::write(
        env.path("alice.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: alice-view, namespace: dev}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]\n",
    )
    .unwrap();
    let s = Server::start(
        &env,
        &["--dir", "c", "--rbac", "rbac.json", "--rbac", "alice.yaml"],
    );
    let token = builder_token(&env);
    let pods = r#""resourceAttributes":{"namespace":"dev","verb":"get","resource":"pods"}"#;
    let cases: Vec<(&str, String)> = vec![
        (
            "SubjectAccessReview",
            format!(
                r#"{{"spec":{{"resourceAttributes":{{"subresource":"exec"}}}},"spec":{{"user":"alice",{pods}}}}}"#
            ),
        ),
        (
            "SubjectAccessReview",
            format!(
                r#"{{"spec":{{"user":"alice",{pods},"resourceAttributes":{{"subresource":"exec"}}}}}}"#
            ),
        ),
        (
            "SubjectAccessReview",
            format!(r#"{{"spec":{{"user":"alice","user":null,{pods}}}}}"#),
        ),
        (
            "SubjectAccessReview",
            format!(
                r#"{{"spec":{{"user":"bob","groups":["kubeadm:cluster-admins"],"groups":["x"],{pods}}}}}"#
            ),
        ),
        (
            "SubjectAccessReview",
            format!(
                r#"{{"spec":{{"user":"bob","groups":["kubeadm:cluster-admins",null],{pods}}}}}"#
            ),
        ),
        (
            "SubjectAccessReview",
            format!(r#"{{"spec":{{"user":"alice",{pods}}},"spec":null}}"#),
        ),
        (
            "SubjectAccessReview",
            format!(
                r#"{{"kind":"SubjectAccessReview","KIND":"Pod","spec":{{"user":"alice",{pods}}}}}"#
            ),
        ),
        (
            "SubjectAccessReview",
            format!(r#"{{"kind":"","spec":{{"user":"alice",{pods}}}}}"#),
        ),
        (
            "SubjectAccessReview",
            r#"{"spec":{"user":"alice","resourceAttributes":["dev","get"]}}"#.to_string(),
        ),
        (
            "TokenReview",
            format!(r#"{{"spec":{{"audiences":["vault"]}},"spec":{{"token":"{token}"}}}}"#),
        ),
        (
            "TokenReview",
            format!(r#"{{"spec":{{"token":"{token}","audiences":["vault"],"audiences":null}}}}"#),
        ),
        ("TokenReview", format!(r#"{{"spec":["{token}"]}}"#)),
    ];
    let path = |kind: &str| if kind == "TokenReview" { TR } else { SAR };
    let api_version = |kind: &str| {
        if kind == "TokenReview" {
            "authentication.k8s.io/v1"
        } else {
            "authorization.k8s.io/v1"
        }
    };
    let verdict = |r: &Value| {
        let st = &r["body"]["status"];
        (
            r["code"].clone(),
            st["allowed"].clone(),
            st["authenticated"].clone(),
            st["user"]["username"].clone(),
        )
    };
    let mut requests = Vec::new();
    let mut expect_400 = Vec::new();
    for (kind, body) in &cases {
        let out = peer_output(
            std::process::Command::new(crate::common::go_tool("reviewdecode"))
                .args(["-kind", kind])
                .stdin(std::process::Stdio::piped()),
            body.as_bytes(),
        );
        let peer: Value = serde_json::from_str(&out).unwrap();
        let refused = peer.get("error").is_some()
            || peer["kind"]
                .as_str()
                .is_some_and(|k| !k.is_empty() && k != *kind);
        expect_400.push(refused);
        let headers = json!({"Content-Type": "application/json"});
        requests.push(json!({"path": path(kind), "headers": headers, "body": body}));
        let canonical =
            json!({"apiVersion": api_version(kind), "kind": kind, "spec": peer["spec"]});
        requests.push(json!({"path": path(kind), "headers": headers, "body": canonical}));
    }
    let r = raw(&s, &env, "webhook", Value::Array(requests));
    for (i, ((kind, body), refused)) in cases.iter().zip(expect_400).enumerate() {
        let (got, canonical) = (&r[2 * i], &r[2 * i + 1]);
        if refused {
            assert_eq!(got["code"], 400, "{kind} {body}: {got}");
        } else {
            assert_eq!(
                verdict(got),
                verdict(canonical),
                "{kind} {body}: {got} vs {canonical}"
            );
        }
    }
    // The sweep's case, spelled out: the API server judges pods/exec, which view does not grant.
    assert_eq!(r[0]["body"]["status"]["allowed"], false, "{}", r[0]);
    assert_eq!(r[4]["body"]["status"]["allowed"], true, "{}", r[4]);

    // ValidateSubjectAccessReview (pkg/apis/authorization/validation/validation.go): the
    // metadata must be the zero ObjectMeta; empty lists and maps and a null timestamp are.
    let spec = json!({"user": "alice", "resourceAttributes": {"namespace": "dev", "verb": "get", "resource": "pods"}});
    let headers = json!({"Content-Type": "application/json"});
    let r = raw(
        &s,
        &env,
        "webhook",
        json!([
            {"path": SAR, "headers": headers, "body": {"metadata": {"name": "x"}, "spec": spec}},
            {"path": SAR, "headers": headers, "body": {"metadata": {"creationTimestamp": null, "labels": {}}, "spec": spec}},
        ]),
    );
    assert_eq!(r[0]["code"], 422, "{}", r[0]);
    assert!(
        r[0]["body"]["message"]
            .as_str()
            .unwrap()
            .ends_with("must be empty"),
        "{}",
        r[0]
    );
    assert_eq!(r[1]["code"], 201, "{}", r[1]);
}

/// Run `cmd` with `input` on stdin; its stdout.
fn peer_output(cmd: &mut std::process::Command, input: &[u8]) -> String {
    use std::io::Write as _;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start peer");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "peer failed");
    String::from_utf8(out.stdout).unwrap()
}
