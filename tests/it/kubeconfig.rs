//! `kcred kubeconfig` checked by real kubectl (1.35): `kubectl config view --raw -o json`
//! must read every kubeconfig kcred writes to the values asked for, and
//! `kubectl auth whoami` over TLS, against a Go stand-in API server (tests/go/whoamiserver:
//! crypto/tls + crypto/x509 client verification as kube-apiserver does, and a static token
//! table), must report the identity kcred put in.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::common::{
    EXCESSIVE_ALIASING, Env, KUBECTL_VIEW_JSON, WhoamiServer, aliased_lists, assert_says, mode,
    peer, run_peer,
};

/// `kubectl config view --raw -o json` of one file, from `cwd`.
fn kubectl_view(cwd: &Path, kubeconfig: &Path) -> Value {
    let out = run_peer(
        peer("kubectl")
            .current_dir(cwd)
            .env_remove("KUBECONFIG")
            .args(KUBECTL_VIEW_JSON)
            .arg(kubeconfig),
    );
    serde_json::from_str(&out).expect("kubectl JSON")
}

/// The named entry of a kubectl list (`clusters`, `users`, `contexts`).
fn named<'a>(view: &'a Value, list: &str, name: &str) -> &'a Value {
    view[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {view:#}"))
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {list} entry {name:?} in {view:#}"))
}

fn b64(s: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s.as_str().expect("base64 string"))
        .expect("kubectl shows valid base64")
}

/// `X509SHA256=<hex>` of the first certificate in a PEM.
fn credential_id(cert_pem: &[u8]) -> String {
    let block = pem::parse(cert_pem).expect("PEM certificate");
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, block.contents());
    format!("X509SHA256={}", hex::encode(d.as_ref()))
}

/// The Go stand-in API server for this file's tests: [`WhoamiServer`] with a token file
/// naming `jane`.
fn start_server(env: &Env) -> WhoamiServer {
    fs::write(
        env.path("tokens.csv"),
        "s3cr3t-token-1,jane,uid-42,\"dev,on-call\"\n",
    )
    .unwrap();
    WhoamiServer::start(env)
}

/// `kubectl auth whoami -o json` → status.userInfo.
fn whoami(cwd: &Path, kubeconfig: &Path, extra: &[&str]) -> Value {
    let out = run_peer(
        peer("kubectl")
            .current_dir(cwd)
            .env_remove("KUBECONFIG")
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(["auth", "whoami", "-o", "json"])
            .args(extra),
    );
    let v: Value = serde_json::from_str(&out).expect("whoami JSON");
    assert_eq!(v["kind"], "SelfSubjectReview");
    v["status"]["userInfo"].clone()
}

/// A scratch directory with a CA `ca` and a whoamiserver trusting it.
fn with_server() -> (Env, WhoamiServer) {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let server = start_server(&env);
    (env, server)
}

/// An admin certificate, embedded: kubectl authenticates as admin in system:masters, with
/// the certificate's credential-id.
#[test]
fn kubectl_auth_whoami_reports_an_embedded_admin_certificate() {
    let (env, server) = with_server();
    let url = server.url.as_str();
    env.kubeconfig(
        url,
        "ca",
        "admin.conf",
        &["--admin", "--key-type", "ecdsa-p256"],
    );
    let view = kubectl_view(env.dir.path(), &env.path("admin.conf"));
    let cert = b64(&named(&view, "users", "admin")["user"]["client-certificate-data"]);
    let who = whoami(env.dir.path(), &env.path("admin.conf"), &[]);
    assert_eq!(
        who,
        json!({"username": "admin", "groups": ["system:masters", "system:authenticated"],
               "extra": {"authentication.kubernetes.io/credential-id": [credential_id(&cert)]}})
    );
}

/// A node certificate (RSA), --no-embed: the kubeconfig lives in a subdirectory, names its
/// files relative to itself, and kubectl runs from elsewhere.
#[test]
fn kubectl_auth_whoami_reports_a_no_embed_node_certificate() {
    let (env, server) = with_server();
    let url = server.url.as_str();
    fs::create_dir_all(env.path("run")).unwrap();
    env.kubeconfig(
        url,
        "ca",
        "etc/kubelet.conf",
        &["--node", "worker-1", "--no-embed"],
    );
    let raw = fs::read_to_string(env.path("etc/kubelet.conf")).unwrap();
    assert!(raw.contains("certificate-authority: ../ca.crt\n"), "{raw}");
    assert!(raw.contains("client-certificate: kubelet.crt\n"), "{raw}");
    assert!(raw.contains("client-key: kubelet.key\n"), "{raw}");
    let who = whoami(&env.path("run"), &env.path("etc/kubelet.conf"), &[]);
    let cert = fs::read(env.path("etc/kubelet.crt")).unwrap();
    assert_eq!(who["username"], "system:node:worker-1");
    assert_eq!(
        who["groups"],
        json!(["system:nodes", "system:authenticated"])
    );
    assert_eq!(
        who["extra"]["authentication.kubernetes.io/credential-id"],
        json!([credential_id(&cert)])
    );
    assert_eq!(mode(&env.path("etc/kubelet.key")), 0o600);
}

/// A static token user.
#[test]
fn kubectl_auth_whoami_reports_a_static_token_user() {
    let (env, server) = with_server();
    let url = server.url.as_str();
    env.kubeconfig(url, "ca", "token.conf", &["--token", "s3cr3t-token-1"]);
    let who = whoami(env.dir.path(), &env.path("token.conf"), &[]);
    assert_eq!(
        who,
        json!({"username": "jane", "uid": "uid-42", "groups": ["dev", "on-call", "system:authenticated"]})
    );
}

/// A context merged into the token kubeconfig: current-context stays the token user's, and
/// the merged context authenticates as its own certificate.
#[test]
fn kubectl_auth_whoami_reports_a_merged_context_beside_the_current_one() {
    let (env, server) = with_server();
    let url = server.url.as_str();
    env.kubeconfig(url, "ca", "token.conf", &["--token", "s3cr3t-token-1"]);
    env.kubeconfig(
        url,
        "ca",
        "token.conf",
        &[
            "--cn",
            "ci-bot",
            "--group",
            "ci",
            "--group",
            "yes",
            "--key-type",
            "ed25519",
            "--context",
            "ci",
            "--merge",
        ],
    );
    let view = kubectl_view(env.dir.path(), &env.path("token.conf"));
    assert_eq!(view["current-context"], "token-user@kubernetes");
    let who = whoami(env.dir.path(), &env.path("token.conf"), &[]);
    assert_eq!(who["username"], "jane");
    let who = whoami(
        env.dir.path(),
        &env.path("token.conf"),
        &["--context", "ci"],
    );
    assert_eq!(who["username"], "ci-bot");
    assert_eq!(who["groups"], json!(["ci", "yes", "system:authenticated"]));
}

/// A scratch directory with a CA at `pki/ca`, and that CA's certificate.
fn with_pki_ca() -> (Env, Vec<u8>) {
    let env = Env::new();
    env.ca("pki/ca", "ecdsa-p256");
    let ca_pem = fs::read(env.path("pki/ca.crt")).unwrap();
    (env, ca_pem)
}

/// Names and values a YAML 1.1 reader would misread, and YAML syntax characters, come back
/// from `kubectl config view` as the same strings.
#[test]
fn kubectl_config_view_reads_yaml_look_alike_names_as_given() {
    let (env, ca_pem) = with_pki_ca();
    let tricky = [
        ("yes", "no", "on", "null"),
        ("off", "0123", "1.0", "~"),
        ("1e3", "y", "true", "0x1F"),
        ("2024-01-01", "Off", "NULL", "12:30"),
        // YAML syntax characters.
        ("*star", "a: b", "!bang", "[x]"),
        ("'q'", "-", "x #y", "%p"),
        ("@at", "{b}", "|", " lead"),
    ];
    for (i, (cluster, user, context, ns)) in tricky.iter().enumerate() {
        let out = env.p(&format!("tricky{i}.conf"));
        env.ok(&[
            "kubeconfig",
            "--server",
            "https://10.0.0.1:6443",
            "--ca",
            &env.p("pki/ca"),
            "--token",
            "abc.def",
            "--cluster",
            cluster,
            "--user",
            user,
            "--context",
            context,
            "--namespace",
            ns,
            "--out",
            &out,
        ]);
        let view = kubectl_view(env.dir.path(), Path::new(&out));
        assert_eq!(view["current-context"], *context, "{view:#}");
        let c = named(&view, "clusters", cluster);
        assert_eq!(c["cluster"]["server"], "https://10.0.0.1:6443");
        assert_eq!(b64(&c["cluster"]["certificate-authority-data"]), ca_pem);
        assert_eq!(named(&view, "users", user)["user"]["token"], "abc.def");
        let ctx = named(&view, "contexts", context);
        assert_eq!(
            ctx["context"],
            json!({"cluster": cluster, "user": user, "namespace": ns})
        );
    }
}

/// Default names: the certificate's CN, USER@CLUSTER; stdout output in kubectl's own layout.
#[test]
fn kubectl_config_view_reads_default_names_from_stdout_output() {
    let (env, _) = with_pki_ca();
    let stdout = env.ok(&[
        "kubeconfig",
        "--server",
        "https://k:6443",
        "--ca",
        &env.p("pki/ca"),
        "--profile",
        "kube-scheduler",
        "--key-type",
        "ecdsa-p384",
        "--out",
        "-",
    ]);
    fs::write(env.path("stdout.conf"), &stdout).unwrap();
    let view = kubectl_view(env.dir.path(), &env.path("stdout.conf"));
    assert_eq!(
        view["current-context"], "system:kube-scheduler@kubernetes",
        "{view:#}"
    );
    let user = &named(&view, "users", "system:kube-scheduler")["user"];
    let key = b64(&user["client-key-data"]);
    assert!(
        String::from_utf8(key)
            .unwrap()
            .starts_with("-----BEGIN EC PRIVATE KEY-----")
    );
    // kubectl's own layout: keys sorted, preferences and current-context present.
    assert!(
        stdout
            .starts_with("apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: ")
    );
    assert!(stdout.contains("\nkind: Config\npreferences: {}\nusers:\n"));
}

/// A scratch directory with a CA at `pki/ca` (and its certificate), a P-256 certificate
/// `pki/jane` for jane, and a token file `pki/token`.
fn with_existing_files() -> (Env, Vec<u8>) {
    let (env, ca_pem) = with_pki_ca();
    env.issue(
        "pki/ca",
        "pki/jane",
        &["--cn", "jane", "--key-type", "ecdsa-p256"],
    );
    fs::write(env.path("pki/token"), "tok-from-file\n").unwrap();
    (env, ca_pem)
}

/// `kcred kubeconfig --server https://k:6443 <credential>` (with `--no-embed` if asked),
/// written to `conf/NO_EMBED/FILE`: its path and kubectl's reading of it.
fn existing_files_kubeconfig(
    env: &Env,
    file: &str,
    credential: &[&str],
    no_embed: bool,
) -> (std::path::PathBuf, Value) {
    let out = env.path(&format!("conf/{no_embed}/{file}"));
    let out_s = out.display().to_string();
    let mut args = vec!["kubeconfig", "--server", "https://k:6443"];
    args.extend_from_slice(credential);
    args.extend(["--out", &out_s]);
    if no_embed {
        args.push("--no-embed");
    }
    env.ok(&args);
    let view = kubectl_view(env.dir.path(), &out);
    (out, view)
}

/// A kubeconfig `k.conf` for `pki/ca.crt` and the existing pair `pki/jane`.
fn existing_pair_kubeconfig(env: &Env, no_embed: bool) -> (std::path::PathBuf, Value) {
    let pair = [
        "--certificate-authority",
        "pki/ca.crt",
        "--client-certificate",
        "pki/jane.crt",
        "--client-key",
        "pki/jane.key",
    ];
    existing_files_kubeconfig(env, "k.conf", &pair, no_embed)
}

/// A kubeconfig `t.conf` for the token file `pki/token`.
fn token_file_kubeconfig(env: &Env, no_embed: bool) -> (std::path::PathBuf, Value) {
    existing_files_kubeconfig(env, "t.conf", &["--token-file", "pki/token"], no_embed)
}

/// A path kubectl shows for a kubeconfig at `out`, resolved as kubectl resolves it: against
/// the kubeconfig's directory.
fn resolved(out: &Path, shown: &Value) -> std::path::PathBuf {
    let shown = Path::new(shown.as_str().expect("a path"));
    let resolved = if shown.is_absolute() {
        shown.to_path_buf()
    } else {
        out.parent().unwrap().join(shown)
    };
    fs::canonicalize(resolved).unwrap()
}

/// An existing certificate and key are embedded by default: kubectl reads the same bytes as
/// data, and the CA's.
#[test]
fn kubectl_config_view_reads_embedded_existing_files() {
    let (env, ca_pem) = with_existing_files();
    let (_, view) = existing_pair_kubeconfig(&env, false);
    let user = &named(&view, "users", "jane")["user"];
    let cluster = &named(&view, "clusters", "kubernetes")["cluster"];
    assert_eq!(
        b64(&user["client-certificate-data"]),
        fs::read(env.path("pki/jane.crt")).unwrap()
    );
    assert_eq!(
        b64(&user["client-key-data"]),
        fs::read(env.path("pki/jane.key")).unwrap()
    );
    assert_eq!(b64(&cluster["certificate-authority-data"]), ca_pem);
}

/// With --no-embed, existing files are named relative to the kubeconfig, as kubectl
/// resolves them.
#[test]
fn kubectl_config_view_resolves_no_embed_paths_to_the_existing_files() {
    let (env, _) = with_existing_files();
    let (out, view) = existing_pair_kubeconfig(&env, true);
    let user = &named(&view, "users", "jane")["user"];
    let cluster = &named(&view, "clusters", "kubernetes")["cluster"];
    // kubectl resolves the paths against the kubeconfig's directory.
    let raw = fs::read_to_string(&out).unwrap();
    assert!(
        raw.contains("client-certificate: ../../pki/jane.crt\n"),
        "{raw}"
    );
    for (field, file) in [
        (&user["client-certificate"], "pki/jane.crt"),
        (&user["client-key"], "pki/jane.key"),
        (&cluster["certificate-authority"], "pki/ca.crt"),
    ] {
        assert_eq!(
            resolved(&out, field),
            fs::canonicalize(env.path(file)).unwrap()
        );
    }
}

/// A token file is embedded as `token` by default, trimmed; the kubeconfig is 0600.
#[test]
fn kubectl_config_view_reads_an_embedded_token_file() {
    let (env, _) = with_existing_files();
    let (out, view) = token_file_kubeconfig(&env, false);
    let user = &named(&view, "users", "token-user")["user"];
    assert_eq!(user["token"], "tok-from-file");
    assert_eq!(mode(&out), 0o600);
}

/// With --no-embed a token file is named as `tokenFile`, relative to the kubeconfig as
/// kubectl resolves it; the kubeconfig is 0600.
#[test]
fn kubectl_config_view_resolves_a_no_embed_token_file() {
    let (env, _) = with_existing_files();
    let (out, view) = token_file_kubeconfig(&env, true);
    let user = &named(&view, "users", "token-user")["user"];
    assert_eq!(
        resolved(&out, &user["tokenFile"]),
        fs::canonicalize(env.path("pki/token")).unwrap()
    );
    assert_eq!(mode(&out), 0o600);
}

/// An existing kubeconfig with what kcred does not write: a current context, preferences,
/// an unknown top-level field, a cluster with extensions and an unknown field, an exec
/// user. `kcred kubeconfig --merge` adds jane's context to it: the scratch directory and
/// kubectl's reading of the file before and after.
fn merged_into_a_fleet_config() -> (Env, Value, Value) {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let existing = r#"apiVersion: v1
kind: Config
current-context: prod
preferences:
  colors: true
x-fleet-id: 7f3a
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
    insecure-skip-tls-verify: true
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: prod}
  x-note: keep me
- name: kubernetes
  cluster: {server: https://old:6443}
users:
- name: sso
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: kubelogin
      args: [get-token, --server-id, abc]
      interactiveMode: IfAvailable
      provideClusterInfo: true
contexts:
- name: prod
  context: {cluster: prod, user: sso, namespace: web}
"#;
    fs::write(env.path("config"), existing).unwrap();
    fs::set_permissions(env.path("config"), fs::Permissions::from_mode(0o600)).unwrap();
    let before = kubectl_view(env.dir.path(), &env.path("config"));
    env.kubeconfig(
        "https://new:6443",
        "ca",
        "config",
        &["--cn", "jane", "--key-type", "ecdsa-p256", "--merge"],
    );
    let after = kubectl_view(env.dir.path(), &env.path("config"));
    (env, before, after)
}

/// Everything that was there is still there, in kubectl's reading: the current context,
/// preferences, extensions and the exec user.
#[test]
fn merge_keeps_other_entries_extensions_and_exec_users() {
    let (_env, before, after) = merged_into_a_fleet_config();
    assert_eq!(after["current-context"], "prod");
    assert_eq!(after["preferences"], before["preferences"]);
    assert_eq!(
        named(&after, "clusters", "prod"),
        named(&before, "clusters", "prod")
    );
    assert_eq!(
        named(&after, "users", "sso"),
        named(&before, "users", "sso")
    );
    assert_eq!(
        named(&after, "contexts", "prod"),
        named(&before, "contexts", "prod")
    );
}

/// The cluster of the same name is replaced; the new user and context are added.
#[test]
fn merge_replaces_the_named_cluster_and_adds_the_user_and_context() {
    let (_env, _, after) = merged_into_a_fleet_config();
    assert_eq!(
        named(&after, "clusters", "kubernetes")["cluster"]["server"],
        "https://new:6443"
    );
    assert!(named(&after, "users", "jane")["user"]["client-certificate-data"].is_string());
    assert_eq!(
        named(&after, "contexts", "jane@kubernetes")["context"],
        json!({"cluster": "kubernetes", "user": "jane"})
    );
}

/// Fields kubectl itself would drop survive too, and the file stays 0600.
#[test]
fn merge_keeps_unknown_fields_kubectl_would_drop() {
    let (env, _, _) = merged_into_a_fleet_config();
    let raw = fs::read_to_string(env.path("config")).unwrap();
    assert!(raw.contains("x-fleet-id: 7f3a\n"), "{raw}");
    assert!(raw.contains("x-note: keep me\n"), "{raw}");
    assert_eq!(mode(&env.path("config")), 0o600);
}

/// Merging into a file that does not exist creates it and sets current-context.
#[test]
fn merge_into_a_missing_file_creates_it_with_current_context() {
    let env = Env::new();
    env.ok(&token_merge_args(&env.p("fresh")));
    let fresh = kubectl_view(env.dir.path(), &env.path("fresh"));
    assert_eq!(fresh["current-context"], "token-user@kubernetes");
}

/// A CA `ca` and a token kubeconfig `k.conf` that refusals must leave as it is: the scratch
/// directory, the kubeconfig's path and its bytes.
fn with_token_kubeconfig() -> (Env, String, Vec<u8>) {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let out = env.p("k.conf");
    env.ok(&[
        "kubeconfig",
        "--server",
        "https://k:6443",
        "--out",
        &out,
        "--token",
        "t",
    ]);
    let before = fs::read(&out).unwrap();
    (env, out, before)
}

/// `kcred kubeconfig --server https://k:6443 --out OUT <extra>`, expected to exit `code`.
fn kubeconfig_fails(env: &Env, out: &str, code: i32, extra: &[&str]) -> String {
    let mut args = vec!["kubeconfig", "--server", "https://k:6443", "--out", out];
    args.extend_from_slice(extra);
    env.fails(code, &args)
}

/// `kcred kubeconfig --server https://k:6443 --token t --merge --out <out>`: the smallest
/// merge.
fn token_merge_args(out: &str) -> [&str; 8] {
    [
        "kubeconfig",
        "--server",
        "https://k:6443",
        "--token",
        "t",
        "--merge",
        "--out",
        out,
    ]
}

/// Usage errors and an existing file without --force: one line each, the file unchanged.
#[test]
fn refusals_are_one_line_and_change_nothing() {
    let (env, out, before) = with_token_kubeconfig();
    let run_fails = |code: i32, extra: &[&str]| kubeconfig_fails(&env, &out, code, extra);
    assert!(run_fails(3, &["--token", "u"]).contains("already exists; pass --force"));
    assert!(run_fails(2, &["--cn", "x"]).contains("--ca PREFIX"));
    assert!(run_fails(2, &[]).contains("say how the user authenticates"));
    assert!(
        run_fails(2, &["--ca", &env.p("ca"), "--cn", "x", "--token", "t"])
            .contains("do not combine")
    );
    assert!(run_fails(3, &["--token", "a b", "--force"]).contains("whitespace"));
    assert_eq!(fs::read(&out).unwrap(), before);
}

/// A key that does not belong to the certificate is refused without showing the key.
#[test]
fn a_key_that_does_not_belong_to_the_certificate_is_refused() {
    let (env, out, before) = with_token_kubeconfig();
    let run_fails = |code: i32, extra: &[&str]| kubeconfig_fails(&env, &out, code, extra);
    env.issue("ca", "a", &["--cn", "a", "--key-type", "ecdsa-p256"]);
    env.issue("ca", "b", &["--cn", "b", "--key-type", "ecdsa-p256"]);
    let e = run_fails(
        3,
        &[
            "--client-certificate",
            &env.p("a.crt"),
            "--client-key",
            &env.p("b.key"),
            "--force",
        ],
    );
    assert!(e.contains("does not belong"), "{e}");
    assert!(!e.contains("PRIVATE KEY"), "{e}");
    assert_eq!(fs::read(&out).unwrap(), before);
}

/// --merge needs a file.
#[test]
fn merge_to_stdout_is_refused() {
    let env = Env::new();
    let e = env.fails(2, &token_merge_args("-"));
    assert!(e.contains("--merge needs --out FILE"), "{e}");
}

/// A kubeconfig that is not valid YAML is named in the error.
#[test]
fn merge_into_invalid_yaml_names_the_file() {
    let env = Env::new();
    fs::write(env.path("bad.conf"), "clusters: [1, 2\n").unwrap();
    let e = env.fails(3, &token_merge_args(&env.p("bad.conf")));
    assert_says(&e, &["bad.conf", "not valid YAML"]);
}

/// Never through a symbolic link, even when merging.
#[test]
fn merge_never_writes_through_a_symbolic_link() {
    let (env, out, before) = with_token_kubeconfig();
    std::os::unix::fs::symlink(&out, env.path("link.conf")).unwrap();
    let e = env.fails(3, &token_merge_args(&env.p("link.conf")));
    assert!(e.contains("symbolic link"), "{e}");
    assert_eq!(fs::read(&out).unwrap(), before);
}

/// kcred's file for `args` is byte for byte what kubectl writes when it re-serialises it
/// (`kubectl config view --raw`, YAML): same key order, list order, quoting of YAML 1.1
/// look-alikes, base64 layout. One difference is deliberate: kcred always writes
/// `preferences: {}` (as kubectl up to 1.33 did, and as the issue asks), while kubectl 1.35
/// leaves an empty `preferences` out.
fn kcred_writes_what_kubectl_writes(args: &[&str]) {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let out = "k.conf";
    let mut all = vec![
        "kubeconfig",
        "--server",
        "https://10.0.0.1:6443",
        "--out",
        out,
    ];
    all.extend_from_slice(args);
    env.ok(&all);
    let ours = fs::read_to_string(env.path(out)).unwrap();
    let theirs = run_peer(
        peer("kubectl")
            .current_dir(env.dir.path())
            .env_remove("KUBECONFIG")
            .args(["config", "view", "--raw", "--kubeconfig", out]),
    );
    assert!(ours.contains("\npreferences: {}\n"), "{ours}");
    assert_eq!(
        ours.replace("preferences: {}\n", ""),
        theirs,
        "case {args:?}"
    );
}

/// An embedded admin certificate (P-256) is written as kubectl writes it.
#[test]
fn an_embedded_admin_kubeconfig_is_what_kubectl_writes() {
    kcred_writes_what_kubectl_writes(&["--ca", "ca", "--admin", "--key-type", "ecdsa-p256"]);
}

/// A --no-embed node certificate with a namespace is written as kubectl writes it.
#[test]
fn a_no_embed_node_kubeconfig_is_what_kubectl_writes() {
    kcred_writes_what_kubectl_writes(&[
        "--ca",
        "ca",
        "--node",
        "w-1",
        "--no-embed",
        "--namespace",
        "kube-system",
    ]);
}

/// Names YAML 1.1 reads as booleans, octal numbers or null (`yes`, `0123`, `~`, `on`) are
/// quoted as kubectl quotes them.
#[test]
fn yaml_look_alike_names_are_quoted_as_kubectl_quotes_them() {
    kcred_writes_what_kubectl_writes(&[
        "--token",
        "abc",
        "--cluster",
        "yes",
        "--user",
        "0123",
        "--context",
        "~",
        "--namespace",
        "on",
    ]);
}

/// Names YAML reads as floats or null (`1.0`, `null`, `1e3`) are quoted as kubectl quotes
/// them.
#[test]
fn number_and_null_look_alike_names_are_quoted_as_kubectl_quotes_them() {
    kcred_writes_what_kubectl_writes(&[
        "--token",
        "abc",
        "--cluster",
        "1.0",
        "--user",
        "null",
        "--namespace",
        "1e3",
    ]);
}

/// `kubectl config view --raw -o json` with the named entries left out of each list.
fn without(mut view: Value, clusters: &[&str], users: &[&str], contexts: &[&str]) -> Value {
    for (list, names) in [
        ("clusters", clusters),
        ("users", users),
        ("contexts", contexts),
    ] {
        if let Some(items) = view[list].as_array_mut() {
            items.retain(|e| !names.iter().any(|n| e["name"] == *n));
        }
    }
    view
}

/// Two contexts share the cluster `prod` (which skips TLS verification) and the user `ops`.
const SHARED: &str = r#"apiVersion: v1
kind: Config
current-context: a
clusters:
- name: prod
  cluster:
    server: https://prod:6443
    insecure-skip-tls-verify: true
- name: plain
  cluster: {server: https://plain:6443}
users:
- name: ops
  user: {token: ops-token}
contexts:
- name: a
  context: {cluster: prod, user: ops}
- name: b
  context: {cluster: prod, user: ops, namespace: web}
- name: c
  context: {cluster: plain, user: ops}
"#;

// A merge that would replace a cluster or user other contexts use, with different
// content, is refused without --force and names those contexts; nothing is written, and
// kubectl reads the file as before. The same content is fine; --force replaces it and
// says for whom. (kubectl's `config set-cluster` edits a cluster for every context that
// uses it; kcred must not do that behind a "merged".)

/// Another server under the shared cluster name `prod`.
const OTHER_PROD: [&str; 6] = [
    "--cluster",
    "prod",
    "--server",
    "https://other:6443",
    "--token",
    "t",
];

/// `config` holding [`SHARED`] (0600), and how kubectl reads it.
fn with_shared() -> (Env, std::path::PathBuf, Value) {
    let env = Env::new();
    let file = env.path("config");
    fs::write(&file, SHARED).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    let before = kubectl_view(env.dir.path(), &file);
    (env, file, before)
}

/// `kcred kubeconfig --merge --out config <extra>`.
fn merge_args(env: &Env, extra: &[&str]) -> Vec<String> {
    ["kubeconfig", "--merge", "--out"]
        .iter()
        .map(|s| s.to_string())
        .chain([env.p("config")])
        .chain(extra.iter().map(|s| s.to_string()))
        .collect()
}

/// A merge into `config` refused with exit 3; returns stderr.
fn merge_fails(env: &Env, extra: &[&str]) -> String {
    let args = merge_args(env, extra);
    env.fails(3, &args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// A merge into `config` that succeeds; returns its output.
fn merge_ok(env: &Env, extra: &[&str]) -> std::process::Output {
    let args = merge_args(env, extra);
    let out = env.kcred().args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Another server under the shared cluster name `prod`: refused in one line naming the
/// file, the cluster, the contexts and the fields, with nothing written.
#[test]
fn merge_refuses_another_server_for_a_shared_cluster() {
    let (env, file, _) = with_shared();
    let e = merge_fails(&env, &OTHER_PROD);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("config:"), "names the file: {e}");
    assert!(e.contains("cluster \"prod\""), "{e}");
    assert!(e.contains("\"a\", \"b\""), "names the contexts: {e}");
    assert!(e.contains("cluster.server"), "{e}");
    assert!(e.contains("cluster.insecure-skip-tls-verify"), "{e}");
    assert!(e.contains("--force"), "{e}");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        SHARED,
        "nothing written"
    );
}

/// The same server, but the entry would lose insecure-skip-tls-verify: still a change.
#[test]
fn merge_refuses_to_drop_insecure_skip_tls_verify_of_a_shared_cluster() {
    let (env, _, _) = with_shared();
    let e = merge_fails(
        &env,
        &[
            "--cluster",
            "prod",
            "--server",
            "https://prod:6443",
            "--token",
            "t",
        ],
    );
    assert!(e.contains("cluster.insecure-skip-tls-verify") && !e.contains("cluster.server"));
}

/// A user other contexts use, with another token: refused without printing the token, and
/// kubectl reads the file as before.
#[test]
fn merge_refuses_another_token_for_a_shared_user() {
    let (env, file, before) = with_shared();
    let e = merge_fails(
        &env,
        &[
            "--cluster",
            "new",
            "--server",
            "https://new:6443",
            "--user",
            "ops",
            "--token",
            "other-token",
        ],
    );
    assert_says(&e, &["user \"ops\"", "\"a\", \"b\", \"c\""]);
    assert!(
        e.contains("user.token") && !e.contains("other-token"),
        "{e}"
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        SHARED,
        "nothing written"
    );
    assert_eq!(kubectl_view(env.dir.path(), &file), before);
}

/// Identical content changes nothing for the other contexts: merged.
#[test]
fn merge_with_identical_shared_entries_is_merged() {
    let (env, file, before) = with_shared();
    merge_ok(
        &env,
        &[
            "--cluster",
            "plain",
            "--server",
            "https://plain:6443",
            "--user",
            "ops",
            "--token",
            "ops-token",
            "--context",
            "d",
        ],
    );
    let after = kubectl_view(env.dir.path(), &file);
    assert_eq!(without(after.clone(), &[], &[], &["d"]), before);
    assert_eq!(
        named(&after, "contexts", "d")["context"],
        json!({"cluster": "plain", "user": "ops"})
    );
}

/// Replacing a context's own entries (only it uses them) needs no --force.
#[test]
fn merge_replaces_a_contexts_own_entries_without_force() {
    let (env, _, _) = with_shared();
    merge_ok(
        &env,
        &[
            "--cluster",
            "solo",
            "--server",
            "https://solo:6443",
            "--user",
            "solo",
            "--token",
            "s1",
            "--context",
            "solo",
        ],
    );
    merge_ok(
        &env,
        &[
            "--cluster",
            "solo",
            "--server",
            "https://solo2:6443",
            "--user",
            "solo",
            "--token",
            "s2",
            "--context",
            "solo",
        ],
    );
}

/// --force replaces a shared cluster for everyone, and says so.
#[test]
fn merge_force_replaces_a_shared_cluster_and_says_for_whom() {
    let (env, file, _) = with_shared();
    let out = merge_ok(&env, &[&OTHER_PROD[..], &["--force"]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_says(&stderr, &["replaced cluster \"prod\"", "\"a\", \"b\""]);
    let forced = kubectl_view(env.dir.path(), &file);
    assert_eq!(
        named(&forced, "clusters", "prod")["cluster"],
        json!({"server": "https://other:6443"})
    );
}

/// A file kubectl would not load as a kubeconfig is not merged into: one line naming the
/// file, nothing written. kubectl's loader (client-go `clientcmd.Load`) decodes with the
/// defaults apiVersion v1, kind Config, and refuses other kinds and versions, documents that
/// are not mappings, and repeated names; each case below is checked against kubectl itself.
#[test]
fn merge_refuses_files_that_are_not_kubeconfigs() {
    let env = Env::new();
    let cases = [
        (
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n",
        ),
        ("kindonly.yaml", "kind: Pod\n"),
        ("v2.yaml", "apiVersion: v2\nkind: Config\n"),
        ("list.yaml", "- name: a\n- name: b\n"),
        ("scalar.yaml", "just text\n"),
        ("number.yaml", "123\n"),
        ("lower.yaml", "apiVersion: v1\nkind: config\n"),
        (
            "dup.yaml",
            "clusters:\n- name: a\n  cluster: {server: https://a}\n- name: a\n  cluster: {server: https://b}\n",
        ),
        (
            "dupctx.yaml",
            "contexts:\n- name: a\n  context: {cluster: a}\n- name: a\n  context: {cluster: b}\n",
        ),
    ];
    for (name, text) in cases {
        fs::write(env.path(name), text).unwrap();
        let kubectl = peer("kubectl")
            .current_dir(env.dir.path())
            .env_remove("KUBECONFIG")
            .args(["config", "view", "--kubeconfig", name])
            .output()
            .unwrap();
        assert!(!kubectl.status.success(), "kubectl loads {name}?");
        let e = env.fails(3, &token_merge_args(&env.p(name)));
        assert_eq!(e.lines().count(), 1, "{name}: {e}");
        assert!(e.contains(name) && e.contains("kubeconfig"), "{name}: {e}");
        assert_eq!(fs::read_to_string(env.path(name)).unwrap(), text, "{name}");
    }
}

/// What kubectl does load is merged into: no apiVersion/kind, or only one of them.
#[test]
fn merge_accepts_files_kubectl_loads_without_apiversion_or_kind() {
    let env = Env::new();
    for (name, text) in [
        (
            "bare.yaml",
            "clusters:\n- name: a\n  cluster: {server: https://a}\n",
        ),
        ("kind.yaml", "kind: Config\n"),
        ("version.yaml", "apiVersion: v1\n"),
        ("comment.yaml", "# nothing yet\n"),
    ] {
        fs::write(env.path(name), text).unwrap();
        kubectl_view(env.dir.path(), &env.path(name));
        env.ok(&token_merge_args(&env.p(name)));
        let v = kubectl_view(env.dir.path(), &env.path(name));
        assert_eq!(v["current-context"], "token-user@kubernetes", "{name}");
    }
}

/// A kubeconfig using every field kubectl knows and kcred does not model: extensions at
/// every level (with YAML 1.1 look-alike values), CA file, proxy, exec, auth-provider,
/// basic auth, impersonation and token file.
const EVERYTHING_KUBECTL_KNOWS: &str = r#"apiVersion: v1
kind: Config
current-context: dev
preferences:
  colors: true
  extensions:
  - name: pref-ext
    extension: {a: 1}
extensions:
- name: top-ext
  extension: {fleet: blue, paused: yes, mode: 0644, limit: 1e3, since: 2024-01-01, none: ~, big: 12345678901234567890}
clusters:
- name: dev
  cluster:
    server: https://dev:6443
    certificate-authority: ca.pem
    tls-server-name: api.dev
    proxy-url: socks5://proxy:1080
    disable-compression: true
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: dev}
- name: lab
  cluster:
    server: https://lab:6443
    insecure-skip-tls-verify: true
users:
- name: sso
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: kubelogin
      args: [get-token, --server-id, abc]
      env:
      - {name: AAD_LOGIN_METHOD, value: devicecode}
      interactiveMode: IfAvailable
      provideClusterInfo: true
      installHint: install kubelogin
- name: legacy
  user:
    auth-provider:
      name: oidc
      config: {client-id: k8s, idp-issuer-url: https://idp}
- name: basic
  user:
    username: admin
    password: secret
    as: someone
    as-uid: "42"
    as-groups: [dev, ops]
    as-user-extra:
      reason: [audit]
    tokenFile: /var/run/token
    extensions:
    - name: user-ext
      extension: {x: y}
contexts:
- name: dev
  context:
    cluster: dev
    user: sso
    namespace: web
    extensions:
    - name: ctx-ext
      extension: {z: 1}
- name: lab
  context: {cluster: lab, user: legacy}
- name: basic
  context: {cluster: lab, user: basic}
"#;

/// A merge keeps every field kcred does not model, as kubectl reads them: the whole
/// `kubectl config view --raw` of the file is the same before and after, less the entries
/// the merge added.
#[test]
fn merge_preserves_what_kcred_does_not_model_as_kubectl_reads_it() {
    let env = Env::new();
    fs::write(env.path("ca.pem"), "not read by kubectl config view\n").unwrap();
    let existing = EVERYTHING_KUBECTL_KNOWS;
    fs::write(env.path("config"), existing).unwrap();
    fs::set_permissions(env.path("config"), fs::Permissions::from_mode(0o600)).unwrap();
    let before = kubectl_view(env.dir.path(), &env.path("config"));
    env.ok(&[
        "kubeconfig",
        "--server",
        "https://new:6443",
        "--token",
        "new-token",
        "--cluster",
        "new",
        "--user",
        "new",
        "--merge",
        "--out",
        &env.p("config"),
    ]);
    let after = kubectl_view(env.dir.path(), &env.path("config"));
    assert_eq!(
        without(after.clone(), &["new"], &["new"], &["new@new"]),
        before,
        "kubectl reads everything that was there unchanged"
    );
    assert_eq!(named(&after, "users", "new")["user"]["token"], "new-token");
}

/// A CA `ca`, jane's certificate and key, their DER forms (`ca.der`, `jane.der`,
/// `jane-key.der`), and an empty `kc/`.
fn with_der_inputs() -> Env {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.issue("ca", "jane", &["--cn", "jane", "--key-type", "ecdsa-p256"]);
    let openssl = |args: &[&str]| {
        run_peer(peer("openssl").current_dir(env.dir.path()).args(args));
    };
    openssl(&["x509", "-in", "ca.crt", "-outform", "DER", "-out", "ca.der"]);
    openssl(&[
        "x509", "-in", "jane.crt", "-outform", "DER", "-out", "jane.der",
    ]);
    openssl(&[
        "pkey",
        "-in",
        "jane.key",
        "-outform",
        "DER",
        "-out",
        "jane-key.der",
    ]);
    fs::create_dir(env.path("kc")).unwrap();
    env
}

/// `kcred kubeconfig --no-embed` over the DER CA, certificate and key, to `out`.
fn run_der_no_embed(env: &Env, out: &str, force: bool) -> std::process::Output {
    let args = |out: &str, force: bool| -> Vec<String> {
        let mut v: Vec<String> = [
            "kubeconfig",
            "--server",
            "https://127.0.0.1:1",
            "--certificate-authority",
            "ca.der",
            "--client-certificate",
            "jane.der",
            "--client-key",
            "jane-key.der",
            "--no-embed",
            "--out",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if force {
            v.push("--force".into());
        }
        v
    };
    let strs = |v: &[String]| v.iter().map(String::clone).collect::<Vec<_>>();
    env.kcred().args(strs(&args(out, force))).output().unwrap()
}

/// kubectl loads the CA and the client pair of `kubeconfig` and fails only on the
/// connection.
fn kubectl_connects(env: &Env, kubeconfig: &str) {
    let out = peer("kubectl")
        .current_dir(env.dir.path())
        .env_remove("KUBECONFIG")
        .args([
            "--kubeconfig",
            kubeconfig,
            "version",
            "--request-timeout=1s",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refused") && !stderr.contains("PEM") && !stderr.contains("unable to load"),
        "{kubeconfig}: {stderr}"
    );
}

/// `--no-embed` names files that kubectl must read as PEM (client-go: the CA through
/// `x509.CertPool.AppendCertsFromPEM`, the client pair through `tls.X509KeyPair`). DER
/// inputs are copied as PEM next to the kubeconfig (certificates 0644, the key 0600, never
/// over a file without --force), and kubectl gets as far as connecting: its error is the
/// refused connection, not a certificate it could not parse.
#[test]
fn no_embed_with_der_inputs_writes_pem_copies_kubectl_loads() {
    let env = with_der_inputs();
    let out = run_der_no_embed(&env, "kc/k.conf", false);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_says(&stderr, &["ca.der is DER", "kc/k-ca.crt"]);

    // kubectl names the copies, and they are the inputs' certificates and key, as PEM.
    let view = kubectl_view(env.dir.path(), &env.path("kc/k.conf"));
    let cluster = &named(&view, "clusters", "kubernetes")["cluster"];
    let user = &named(&view, "users", "jane")["user"];
    // Relative to the kubeconfig's directory, as kubectl resolves them.
    assert_eq!(cluster["certificate-authority"], "k-ca.crt");
    assert_eq!(user["client-certificate"], "k.crt");
    assert_eq!(user["client-key"], "k.key");
    let der_of = |pem_file: &str| {
        pem::parse(fs::read(env.path(pem_file)).unwrap())
            .unwrap()
            .contents()
            .to_vec()
    };
    assert_eq!(der_of("kc/k-ca.crt"), fs::read(env.path("ca.der")).unwrap());
    assert_eq!(der_of("kc/k.crt"), fs::read(env.path("jane.der")).unwrap());
    assert_eq!(
        der_of("kc/k.key"),
        fs::read(env.path("jane-key.der")).unwrap()
    );
    let mode = |f: &str| mode(&env.path(f));
    assert_eq!(mode("kc/k-ca.crt"), 0o644);
    assert_eq!(mode("kc/k.crt"), 0o644);
    assert_eq!(mode("kc/k.key"), 0o600);
    assert_eq!(mode("kc/k.conf"), 0o600);

    // kubectl loads the CA and the client pair and fails only on the connection.
    kubectl_connects(&env, "kc/k.conf");
    let flat = run_peer(
        peer("kubectl")
            .current_dir(env.dir.path())
            .env_remove("KUBECONFIG")
            .args([
                "--kubeconfig",
                "kc/k.conf",
                "config",
                "view",
                "--flatten",
                "-o",
                "json",
            ]),
    );
    assert!(flat.contains("client-key-data"), "{flat}");
}

/// The PEM copies are never written over without --force, and a refusal writes nothing.
#[test]
fn no_embed_pem_copies_are_not_written_over_without_force() {
    let env = with_der_inputs();
    let run = |out: &str, force: bool| run_der_no_embed(&env, out, force);
    assert!(run("kc/k.conf", false).status.success());
    fs::remove_file(env.path("kc/k.conf")).unwrap();
    let before = crate::common::snapshot(&env.path("kc"));
    let out = run("kc/k.conf", false);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert_eq!(crate::common::snapshot(&env.path("kc")), before);
    assert!(run("kc/k.conf", true).status.success());
    kubectl_connects(&env, "kc/k.conf");
}

/// To stdout there is nowhere to put a copy: refused, with the reason.
#[test]
fn no_embed_der_inputs_to_stdout_are_refused() {
    let env = with_der_inputs();
    let out = run_der_no_embed(&env, "-", false);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DER"));
}

/// Embedded, the DER inputs become PEM data kubectl loads just as well.
#[test]
fn embedded_der_inputs_become_pem_data_kubectl_loads() {
    let env = with_der_inputs();
    env.ok(&[
        "kubeconfig",
        "--server",
        "https://127.0.0.1:1",
        "--certificate-authority",
        "ca.der",
        "--client-certificate",
        "jane.der",
        "--client-key",
        "jane-key.der",
        "--out",
        "embedded.conf",
    ]);
    kubectl_connects(&env, "embedded.conf");
}

/// With `--no-embed` the minted certificate and key go next to the kubeconfig, named after
/// it; when that name is one of the inputs (`--ca pki/ca --out pki/ca.conf`), not even
/// --force writes over it.
#[test]
fn no_embed_never_writes_over_its_inputs() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let before = crate::common::snapshot(env.dir.path());
    // `kubeconfig --no-embed --force --out ca.conf` with these credential flags: exit 2.
    let over_ca_conf = |credential: &[&str]| {
        let out = env.p("ca.conf");
        let mut args = vec!["kubeconfig", "--server", "https://k:6443"];
        args.extend_from_slice(credential);
        args.extend(["--no-embed", "--force", "--out", &out]);
        env.fails(2, &args)
    };
    let e = over_ca_conf(&["--ca", &env.p("ca"), "--cn", "jane"]);
    assert_says(&e, &["is the input", "ca.crt"]);
    assert_eq!(crate::common::snapshot(env.dir.path()), before);
    // The same for the PEM copy of a DER client certificate over a PEM CA named like it.
    run_peer(
        peer("openssl")
            .current_dir(env.dir.path())
            .args(["x509", "-in", "ca.crt", "-outform", "DER", "-out", "ca.der"]),
    );
    env.issue("ca", "jane", &["--cn", "jane", "--key-type", "ecdsa-p256"]);
    run_peer(peer("openssl").current_dir(env.dir.path()).args([
        "x509", "-in", "jane.crt", "-outform", "DER", "-out", "jane.der",
    ]));
    let before = crate::common::snapshot(env.dir.path());
    let e = over_ca_conf(&[
        "--certificate-authority",
        &env.p("ca.crt"),
        "--client-certificate",
        &env.p("jane.der"),
        "--client-key",
        &env.p("jane.key"),
    ]);
    assert_says(&e, &["is the input", "ca.crt"]);
    assert_eq!(crate::common::snapshot(env.dir.path()), before);
}

/// `kubectl auth whoami` (against the server the kubeconfig `file` names) and `kcred whoami`
/// (with that server's CA and token file) on one file of the scratch directory.
fn whoami_both(env: &Env, file: &str) -> (Output, Output) {
    // kubectl prompts for a username when it has no credential; give it none.
    let theirs = peer("kubectl")
        .current_dir(env.dir.path())
        .env_remove("KUBECONFIG")
        .args(["--kubeconfig", file, "auth", "whoami", "-o", "json"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let ours = env
        .kcred()
        .args(["whoami", "-o", "json", "--kubeconfig", file])
        .args([
            "--client-ca-file",
            "ca.crt",
            "--token-auth-file",
            "tokens.csv",
        ])
        .output()
        .unwrap();
    (theirs, ours)
}

/// go-yaml v2's guard against alias bombs, which clientcmd.Load meets through sigs.k8s.io/yaml
/// (`YAMLToJSON` is one go-yaml `Unmarshal`; `decode.go` fails once `aliasCount/decodeCount >
/// allowedAliasRatio(decodeCount)`): in the same kubeconfig, 115 aliases of a 999-item list
/// are refused and 114 are read, and so is a small "billion laughs" (four levels of nine)
/// refused. Found by a differential sweep: kcred authenticated the laughs, which kubectl
/// refuses, and serde-saphyr's own alias limits refused the 114 aliases kubectl reads. kcred
/// refuses in go-yaml's words and authenticates as kubectl does.
#[test]
fn kubeconfig_aliases_are_refused_exactly_where_kubectl_refuses_them() {
    let (env, server) = with_server();
    let ca =
        base64::engine::general_purpose::STANDARD.encode(fs::read(env.path("ca.crt")).unwrap());
    let mut laughs = format!("x-0: &l0 [{}]\n", ["x"; 9].join(", "));
    for i in 1..4 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        laughs.push_str(&format!("x-{i}: &l{i} [{refs}]\n"));
    }
    let cases = [
        ("aliases-115", aliased_lists(115), false),
        ("aliases-114", aliased_lists(114), true),
        ("laughs", laughs, false),
    ];
    for (name, aliases, kubectl_reads) in cases {
        let file = format!("{name}.conf");
        fs::write(
            env.path(&file),
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\nusers:\n- name: u\n  user:\n    token: s3cr3t-token-1\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n{}",
                server.url, aliases
            ),
        )
        .unwrap();
        let (theirs, ours) = whoami_both(&env, &file);
        let (their_err, our_err) = (
            String::from_utf8_lossy(&theirs.stderr),
            String::from_utf8_lossy(&ours.stderr),
        );
        if kubectl_reads {
            assert!(
                theirs.status.success(),
                "kubectl refused {file}: {their_err}"
            );
            assert!(ours.status.success(), "kcred refused {file}: {our_err}");
            let user = |out: &[u8]| {
                let v: Value = serde_json::from_slice(out).expect("whoami JSON");
                v["status"]["userInfo"]["username"].clone()
            };
            assert_eq!(user(&ours.stdout), user(&theirs.stdout));
        } else {
            assert_says(&their_err, &[EXCESSIVE_ALIASING]);
            assert_eq!(ours.status.code(), Some(3), "kcred read {file}: {our_err}");
            assert_says(&our_err, &[&format!("{file}: {EXCESSIVE_ALIASING}")]);
        }
    }
}

/// What kubectl 1.35 really sends for kubeconfigs whose reading is easy to get wrong (found
/// by a differential sweep against kubectl and tests/go/whoamiserver): for each file,
/// `kcred whoami` must name the user the server reports when kubectl gets an answer, and
/// must not answer at all (exit 0) when kubectl fails before or at the request. Each case
/// names the client-go code that decides it.
#[test]
fn kcred_whoami_agrees_with_what_kubectl_sends() {
    let (env, server) = with_server();
    let url = server.url.as_str();
    let port = url.rsplit(':').next().unwrap();
    env.issue(
        "ca",
        "alice",
        &["--cn", "alice", "--key-type", "ecdsa-p256"],
    );
    // An RSA-1536 client key (Go takes RSA from 1024 bits), its PKCS#1 block relabelled
    // `PRIVATE KEY` (tls.X509KeyPair tries PKCS#1, PKCS#8 then SEC1 whatever the label).
    let ossl = |args: &[&str]| run_peer(peer("openssl").current_dir(env.dir.path()).args(args));
    ossl(&["genrsa", "-traditional", "-out", "r1536.key", "1536"]);
    ossl(&[
        "req",
        "-new",
        "-key",
        "r1536.key",
        "-subj",
        "/CN=r1536",
        "-out",
        "r1536.csr",
    ]);
    fs::write(env.path("client.cnf"), "extendedKeyUsage=clientAuth\n").unwrap();
    ossl(&[
        "x509",
        "-req",
        "-in",
        "r1536.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-days",
        "30",
        "-extfile",
        "client.cnf",
        "-out",
        "r1536.crt",
    ]);
    let pkcs1 = fs::read_to_string(env.path("r1536.key")).unwrap();
    fs::write(
        env.path("relabelled.key"),
        pkcs1.replace("RSA PRIVATE KEY", "PRIVATE KEY"),
    )
    .unwrap();
    fs::write(env.path("token.txt"), "s3cr3t-token-1\n").unwrap();
    let ca =
        base64::engine::general_purpose::STANDARD.encode(fs::read(env.path("ca.crt")).unwrap());
    let tok = "token: s3cr3t-token-1";
    let cases: Vec<(&str, String, String)> = vec![
        // client-go sends `token` untrimmed; net/http refuses a line break in a header.
        (
            "token-block-literal",
            url.into(),
            "token: |\n      s3cr3t-token-1".into(),
        ),
        // exec's newAuthenticator refuses the version even when a token is there.
        (
            "exec-v1alpha1-plus-token",
            url.into(),
            format!(
                "{tok}\n    exec: {{command: x, apiVersion: client.authentication.k8s.io/v1alpha1}}"
            ),
        ),
        // go-yaml v2 reads YAML 1.1 only; client-go's rootCertPool (AppendCertsFromPEM) skips
        // a CERTIFICATE block it cannot parse.
        ("yaml-1.2-directive", url.into(), tok.into()),
        ("ca-data-with-a-junk-block", url.into(), tok.into()),
        // clientcmd.Load decodes the whole file into v1.Config with Go's types.
        (
            "extensions-as-a-map",
            url.into(),
            format!("{tok}\n    extensions: {{a: 1}}"),
        ),
        // client_config.go: credentials only when IsConfigTransportTLS.
        (
            "server-http",
            format!("http://127.0.0.1:{port}"),
            tok.into(),
        ),
        ("server-no-scheme", format!("127.0.0.1:{port}"), tok.into()),
        ("server-leading-space", format!("' {url}'"), tok.into()),
        // net/http sends the URL's user info as Basic; the bearer round tripper steps aside.
        (
            "server-userinfo",
            url.replace("https://", "https://joe:pw@"),
            tok.into(),
        ),
        // validation.go parseProxyURL.
        (
            "proxy-url-ftp",
            format!("{url}\n    proxy-url: ftp://x"),
            tok.into(),
        ),
        // transport HasCertAuth needs a certificate: a key alone is not read.
        (
            "key-only-plus-token",
            url.into(),
            format!("{tok}\n    client-key: missing.key"),
        ),
        // HasBasicAuth is a username: a password alone does not clash with tokenFile.
        (
            "password-only-plus-token-file",
            url.into(),
            "password: pw\n    tokenFile: token.txt".into(),
        ),
        // exec UpdateTransportConfig returns early on basic authentication.
        (
            "exec-plus-username",
            url.into(),
            "username: joe\n    exec: {command: x, apiVersion: client.authentication.k8s.io/v1}"
                .into(),
        ),
        // The oidc round tripper passes on a request that carries Authorization.
        (
            "oidc-plus-token",
            url.into(),
            format!(
                "{tok}\n    auth-provider: {{name: oidc, config: {{idp-issuer-url: 'https://idp', client-id: k}}}}"
            ),
        ),
        (
            "oidc-without-issuer-plus-token",
            url.into(),
            format!("{tok}\n    auth-provider: {{name: oidc, config: {{client-id: k}}}}"),
        ),
        (
            "rsa1536-client-key",
            url.into(),
            "client-certificate: r1536.crt\n    client-key: r1536.key".into(),
        ),
        (
            "pkcs1-labelled-private-key",
            url.into(),
            "client-certificate: r1536.crt\n    client-key: relabelled.key".into(),
        ),
    ];
    let mut disagreements = vec![];
    for (name, server_line, user) in &cases {
        let file = format!("{name}.conf");
        let directive = if *name == "yaml-1.2-directive" {
            "%YAML 1.2\n---\n"
        } else {
            ""
        };
        let ca = if *name == "ca-data-with-a-junk-block" {
            let junk = "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n";
            let pem = fs::read_to_string(env.path("ca.crt")).unwrap();
            base64::engine::general_purpose::STANDARD.encode(format!("{junk}{pem}"))
        } else {
            ca.clone()
        };
        fs::write(
            env.path(&file),
            format!(
                "{directive}apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server_line}\n    certificate-authority-data: {ca}\nusers:\n- name: u\n  user:\n    {user}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n"
            ),
        )
        .unwrap();
        let (out, ours) = whoami_both(&env, &file);
        let kubectl_user = out.status.success().then(|| {
            let v: Value = serde_json::from_slice(&out.stdout).expect("kubectl JSON");
            v["status"]["userInfo"]["username"]
                .as_str()
                .unwrap()
                .to_string()
        });
        let kcred_user = ours.status.success().then(|| {
            let v: Value = serde_json::from_slice(&ours.stdout).expect("kcred JSON");
            v["status"]["userInfo"]["username"]
                .as_str()
                .unwrap()
                .to_string()
        });
        if kubectl_user != kcred_user {
            disagreements.push(format!(
                "{name}: kubectl {kubectl_user:?} ({}), kcred {kcred_user:?} ({})",
                String::from_utf8_lossy(&out.stderr).trim(),
                String::from_utf8_lossy(&ours.stderr).trim()
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));

    // No --kubeconfig, no KUBECONFIG, and only the pre-1.0 ~/.kube/.kubeconfig: client-go's
    // loader.go `Migrate` copies it to ~/.kube/config and uses it; kcred reads it in place
    // (asked first, before kubectl copies it). `--context ""` is no override for either.
    let home = env.path("home");
    fs::create_dir_all(home.join(".kube")).unwrap();
    fs::copy(
        env.path("password-only-plus-token-file.conf"),
        home.join(".kube/.kubeconfig"),
    )
    .unwrap();
    // Its tokenFile is relative: to the file's directory, for both.
    fs::copy(env.path("token.txt"), home.join(".kube/token.txt")).unwrap();
    let ours = env
        .kcred()
        .env("HOME", &home)
        .args(["whoami", "-o", "json", "--context", ""])
        .args([
            "--client-ca-file",
            "ca.crt",
            "--token-auth-file",
            "tokens.csv",
        ])
        .output()
        .unwrap();
    assert!(
        ours.status.success(),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    let ours: Value = serde_json::from_slice(&ours.stdout).unwrap();
    let theirs = run_peer(
        peer("kubectl")
            .current_dir(env.dir.path())
            .env_remove("KUBECONFIG")
            .env("HOME", &home)
            .args(["auth", "whoami", "-o", "json", "--context", ""]),
    );
    let theirs: Value = serde_json::from_str(&theirs).unwrap();
    assert_eq!(
        ours["status"]["userInfo"]["username"],
        theirs["status"]["userInfo"]["username"]
    );
    assert!(
        home.join(".kube/config").exists(),
        "kubectl migrated the file"
    );
}

/// A CA file kubectl cannot build its root pool from (a CERTIFICATE block with PEM headers,
/// a curve Go does not parse) is refused in kubectl's own words, and nothing is written: the
/// same CA data put in a kubeconfig by hand makes kubectl fail with exactly that error.
#[test]
fn a_ca_kubectl_cannot_load_is_refused_in_its_words() {
    let (env, _, _) = with_token_kubeconfig();
    let good = env.p("good.conf");
    let ca_crt = env.p("ca.crt");
    env.ok(&[
        "kubeconfig",
        "--server",
        "https://127.0.0.1:1",
        "--token",
        "t",
        "--certificate-authority",
        &ca_crt,
        "--out",
        &good,
    ]);
    let text = fs::read_to_string(&good).unwrap();
    let pem = fs::read_to_string(env.path("ca.crt")).unwrap();
    let (begin, body) = pem.split_once('\n').unwrap();
    fs::write(
        env.path("headers.crt"),
        format!("{begin}\nFoo: bar\n\n{body}"),
    )
    .unwrap();
    let k1 = env.path("k1.key");
    run_peer(
        peer("openssl")
            .args(["ecparam", "-name", "secp256k1", "-genkey", "-noout", "-out"])
            .arg(&k1),
    );
    run_peer(
        peer("openssl")
            .args([
                "req", "-x509", "-new", "-subj", "/CN=k1", "-days", "10", "-key",
            ])
            .arg(&k1)
            .arg("-out")
            .arg(env.path("k1.crt")),
    );
    for (file, go) in [
        (
            "headers.crt",
            "unable to load root certificates: no valid certificate authority data seen",
        ),
        (
            "k1.crt",
            "unable to load root certificates: failed to parse certificate: x509: unsupported elliptic curve",
        ),
    ] {
        let ca = env.path(file);
        // kubectl with that CA data.
        let data = base64::engine::general_purpose::STANDARD.encode(fs::read(&ca).unwrap());
        let line = text
            .lines()
            .find(|l| l.contains("certificate-authority-data:"))
            .unwrap();
        let by_hand = env.path("by-hand.conf");
        fs::write(
            &by_hand,
            text.replace(line, &format!("    certificate-authority-data: {data}")),
        )
        .unwrap();
        let kubectl = peer("kubectl")
            .env_remove("KUBECONFIG")
            .arg("--kubeconfig")
            .arg(&by_hand)
            .args(["get", "--raw", "/version"])
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&kubectl.stderr);
        assert!(said.contains(go), "kubectl: {said}");

        let fresh = env.p(&format!("{file}.conf"));
        let err = kubeconfig_fails(
            &env,
            &fresh,
            3,
            &[
                "--token",
                "t",
                "--certificate-authority",
                &ca.display().to_string(),
            ],
        );
        assert!(err.contains(go) && err.contains(file), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!Path::new(&fresh).exists());
    }
}
