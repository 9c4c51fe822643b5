//! `kcred check --trust` against real peers: a real etcd (Debian's etcd-server 3.4, started
//! here on loopback with the directory's certificates, client- and peer-certificate auth on)
//! and etcdctl, and Go's crypto/tls (tests/go/tlspair) between a server configured as
//! kube-apiserver (`--tls-cert-file=pki/apiserver.crt`, `--client-ca-file=pki/ca.crt`) and a
//! client configured from each kubeconfig. The matrix and the peers must agree: every pair
//! fine on a fresh tree, and the same single pair broken when one is broken on purpose.
//!
//! The harness functions are `pub` so that a per-phase rotation test can call them.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::{Env, go_tool, peer, run_peer};

/// A free loopback port (bound, then released for the peer to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A running etcd member, killed on drop.
pub struct Etcd {
    child: Child,
    /// `https://127.0.0.1:PORT` for clients.
    pub client_url: String,
    /// Its log (stderr), for failure messages.
    pub log: PathBuf,
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The ports and name of one member to be started by [`start_etcd`].
pub struct Member {
    pub name: String,
    pub client_port: u16,
    pub peer_port: u16,
}

impl Member {
    pub fn new(name: &str) -> Member {
        Member {
            name: name.into(),
            client_port: free_port(),
            peer_port: free_port(),
        }
    }

    fn peer_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.peer_port)
    }
}

/// Start etcd member `m` of `cluster` as kubeadm's static pod runs it
/// (`cmd/kubeadm/app/phases/etcd/local.go`, `getEtcdCommand`): `--cert-file`/`--key-file` =
/// `etcd/server.*`, `--client-cert-auth --trusted-ca-file=etcd/ca.crt`, `--peer-cert-file`/
/// `--peer-key-file` = `etcd/peer.*`, `--peer-client-cert-auth
/// --peer-trusted-ca-file=etcd/ca.crt`. `etcd_pki` is the directory holding those files
/// (`DIR/pki/etcd`); `work` a scratch directory for data and log. Returns once started (the
/// caller checks health with [`etcdctl`]).
pub fn start_etcd(etcd_pki: &Path, m: &Member, cluster: &[&Member], work: &Path) -> Etcd {
    peer("etcd"); // a clear message when the peer is missing
    let data = work.join(format!("{}.etcd", m.name));
    let log = work.join(format!("{}.log", m.name));
    let initial: Vec<String> = cluster
        .iter()
        .map(|c| format!("{}={}", c.name, c.peer_url()))
        .collect();
    let client_url = format!("https://127.0.0.1:{}", m.client_port);
    let f = |n: &str| etcd_pki.join(n).display().to_string();
    let child = Command::new("etcd")
        .args(["--name", &m.name, "--data-dir"])
        .arg(&data)
        .args(["--listen-client-urls", &client_url])
        .args(["--advertise-client-urls", &client_url])
        .args(["--listen-peer-urls", &m.peer_url()])
        .args(["--initial-advertise-peer-urls", &m.peer_url()])
        .args(["--initial-cluster", &initial.join(",")])
        .args(["--initial-cluster-state", "new"])
        .args(["--initial-cluster-token", "kcred-test"])
        .args([
            "--cert-file",
            &f("server.crt"),
            "--key-file",
            &f("server.key"),
        ])
        .args(["--client-cert-auth", "--trusted-ca-file", &f("ca.crt")])
        .args([
            "--peer-cert-file",
            &f("peer.crt"),
            "--peer-key-file",
            &f("peer.key"),
        ])
        .args([
            "--peer-client-cert-auth",
            "--peer-trusted-ca-file",
            &f("ca.crt"),
        ])
        // Not the listen-metrics default port (2381), which another test may hold.
        .args([
            "--listen-metrics-urls",
            &format!("http://127.0.0.1:{}", free_port()),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("etcd log"))
        .spawn()
        .expect("start etcd");
    Etcd {
        child,
        client_url,
        log,
    }
}

/// The members `names` of one cluster on fresh ports, one cluster at a time in this
/// process: several at once on a loaded 2-core machine make etcd miss its election
/// deadlines. The ports come from [`free_port`], which cannot hold them until etcd binds:
/// when another process took one first (etcd logs "address already in use" and exits), the
/// cluster is started again on new ports. The guard keeps the lock while the caller checks.
pub fn start_cluster(
    etcd_pki: &Path,
    work: &Path,
    names: &[&str],
) -> (Vec<Etcd>, std::sync::MutexGuard<'static, ()>) {
    static ETCD: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = ETCD.lock().unwrap_or_else(|e| e.into_inner());
    for attempt in 0..5 {
        let dir = work.join(format!("try-{attempt}"));
        std::fs::create_dir_all(&dir).unwrap();
        let members: Vec<Member> = names.iter().map(|n| Member::new(n)).collect();
        let cluster: Vec<&Member> = members.iter().collect();
        let mut started: Vec<Etcd> = members
            .iter()
            .map(|m| start_etcd(etcd_pki, m, &cluster, &dir))
            .collect();
        // etcd binds its peer, client and metrics ports before it does anything else, and
        // logs "listening for metrics on" once all three are bound; a clash ends it at once.
        // Wait for one or the other in every member: on a loaded machine a member can take
        // longer than a fixed pause to get there, and a clash found late was a cluster that
        // never formed (a bounded number of polls, not a timed assertion).
        // `try_wait` keeps a reaped member's status, so asking again below is free.
        let exited = |e: &mut Etcd| matches!(e.child.try_wait(), Ok(Some(_)));
        let log_has = |e: &Etcd, what: &str| {
            std::fs::read_to_string(&e.log)
                .unwrap_or_default()
                .contains(what)
        };
        for _ in 0..200 {
            if started
                .iter_mut()
                .all(|e| exited(e) || log_has(e, "listening for metrics on"))
            {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let clash = started
            .iter_mut()
            .any(|e| exited(e) && log_has(e, "address already in use"));
        if !clash {
            return (started, guard);
        }
    }
    panic!("etcd: every set of ports tried was taken by another process");
}

/// [`start_cluster`] of two members, `m1` and `m2`.
pub fn start_pair(
    etcd_pki: &Path,
    work: &Path,
) -> (Etcd, Etcd, std::sync::MutexGuard<'static, ()>) {
    let (mut v, guard) = start_cluster(etcd_pki, work, &["m1", "m2"]);
    let b = v.pop().unwrap();
    let a = v.pop().unwrap();
    (a, b, guard)
}

/// `etcdctl --endpoints URL --cacert CA --cert CERT --key KEY ARGS…` (API v3), as kubeadm's
/// etcd health check runs it; returns (success, stdout + stderr).
pub fn etcdctl(url: &str, ca: &Path, cert: &Path, key: &Path, args: &[&str]) -> (bool, String) {
    let out = peer("etcdctl")
        .env("ETCDCTL_API", "3")
        .args(["--endpoints", url, "--cacert"])
        .arg(ca)
        .arg("--cert")
        .arg(cert)
        .arg("--key")
        .arg(key)
        .args(["--dial-timeout", "5s", "--command-timeout", "10s"])
        .args(args)
        .output()
        .expect("run etcdctl");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `etcdctl endpoint health`, retried while the member starts (a bounded number of tries, not
/// a timed assertion: a certificate etcd refuses fails every try the same way).
pub fn etcd_health(url: &str, ca: &Path, cert: &Path, key: &Path) -> (bool, String) {
    let mut last = (false, String::new());
    for _ in 0..20 {
        last = etcdctl(url, ca, cert, key, &["endpoint", "health"]);
        if last.0 {
            return last;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    last
}

/// What Go's crypto/tls makes of a handshake between a kube-apiserver-like server
/// (`server_cert`/`server_key`, client certificates required and verified against
/// `client_ca`) and a client trusting `ca`, presenting `cert`/`key`, dialling `host`.
/// `{"ok":true}` or `{"ok":false,"client":…,"server":…}`.
#[allow(clippy::too_many_arguments)]
pub fn go_tls(
    server_cert: &Path,
    server_key: &Path,
    client_ca: &Path,
    ca: &Path,
    cert: &Path,
    key: &Path,
    host: &str,
) -> serde_json::Value {
    let out = run_peer(
        Command::new(go_tool("tlspair"))
            .arg("-server-cert")
            .arg(server_cert)
            .arg("-server-key")
            .arg(server_key)
            .arg("-client-ca")
            .arg(client_ca)
            .arg("-ca")
            .arg(ca)
            .arg("-cert")
            .arg(cert)
            .arg("-key")
            .arg(key)
            .args(["-server-name", host]),
    );
    serde_json::from_str(&out).expect("tlspair JSON")
}

/// A kubeconfig's current context as files for a TLS client: (CA bundle, client certificate,
/// client key, the host of its `server:` URL), written into `out`.
pub fn kubeconfig_files(conf: &Path, out: &Path) -> (PathBuf, PathBuf, PathBuf, String) {
    let kc = kcred::kubeconfig::Kubeconfig::load(conf).expect("load kubeconfig");
    let ctx = kc
        .contexts
        .iter()
        .find(|c| c.name == kc.current_context)
        .expect("current context");
    let user = kc
        .users
        .iter()
        .find(|u| u.name == ctx.context.user)
        .expect("user");
    let cluster = kc.cluster(&ctx.context.cluster).expect("cluster");
    std::fs::create_dir_all(out).unwrap();
    let stem = conf
        .display()
        .to_string()
        .replace(['/', '.'], "_")
        .trim_start_matches('_')
        .to_string();
    let w = |suffix: &str, data: &[u8]| {
        let p = out.join(format!("{stem}.{suffix}"));
        std::fs::write(&p, data).unwrap();
        p
    };
    let ca = w(
        "ca.crt",
        cluster
            .cluster
            .certificate_authority_data
            .as_deref()
            .expect("CA data"),
    );
    let cert = w(
        "crt",
        user.user
            .client_certificate_data
            .as_deref()
            .expect("client cert data"),
    );
    let key = w(
        "key",
        user.user
            .client_key_data
            .as_deref()
            .expect("client key data"),
    );
    (
        ca,
        cert,
        key,
        kcred::audit::trust::url_host(&cluster.cluster.server),
    )
}

/// Every kubeconfig of a bootstrap tree (the control plane's and each node's).
pub fn kubeconfigs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = [
        "admin.conf",
        "super-admin.conf",
        "controller-manager.conf",
        "scheduler.conf",
        "kubelet.conf",
    ]
    .iter()
    .map(|n| dir.join(n))
    .filter(|p| p.is_file())
    .collect();
    if let Ok(rd) = std::fs::read_dir(dir.join("nodes")) {
        let mut nodes: Vec<PathBuf> = rd
            .flatten()
            .map(|d| d.path().join("kubelet.conf"))
            .collect();
        nodes.sort();
        v.extend(nodes.into_iter().filter(|p| p.is_file()));
    }
    v
}

/// Go TLS for every kubeconfig of `dir` against kube-apiserver's files; (kubeconfig, JSON).
pub fn go_tls_kubeconfigs(dir: &Path, scratch: &Path) -> Vec<(PathBuf, serde_json::Value)> {
    let pki = dir.join("pki");
    kubeconfigs(dir)
        .into_iter()
        .map(|conf| {
            let (ca, cert, key, host) = kubeconfig_files(&conf, scratch);
            let v = go_tls(
                &pki.join("apiserver.crt"),
                &pki.join("apiserver.key"),
                &pki.join("ca.crt"),
                &ca,
                &cert,
                &key,
                &host,
            );
            (conf, v)
        })
        .collect()
}

/// `check --trust -o json` of `dir`: (exit code, pairs).
/// Go's crypto/tls client (`go_tls_kubeconfigs`) for every kubeconfig of `dir`: each one
/// connects except `broken`, whose answer is returned (`Null` when none is named).
/// `check --trust` over `dir` finds exactly `n` broken pairs (and exits 1 when there are
/// any, 0 when none); returns every pair and the broken ones.
pub fn trust_broken(
    env: &Env,
    dir: &Path,
    n: usize,
) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let (code, pairs) = trust_matrix(env, dir);
    let bad: Vec<serde_json::Value> = broken(&pairs).into_iter().cloned().collect();
    assert_eq!(code, if n == 0 { 0 } else { 1 }, "{bad:#?}");
    assert_eq!(bad.len(), n, "{bad:#?}");
    (pairs, bad)
}

pub fn go_tls_connects_except(
    dir: &Path,
    scratch: &Path,
    broken: Option<&Path>,
) -> serde_json::Value {
    let mut answer = serde_json::Value::Null;
    for (conf, v) in go_tls_kubeconfigs(dir, scratch) {
        if Some(conf.as_path()) == broken {
            answer = v;
        } else {
            assert_eq!(v["ok"], true, "Go TLS, {}: {v}", conf.display());
        }
    }
    answer
}

pub fn trust_matrix(env: &Env, dir: &Path) -> (i32, Vec<serde_json::Value>) {
    let out = env
        .kcred()
        .args(["check", "--trust", "-o", "json", "--dir"])
        .arg(dir)
        .output()
        .expect("run kcred");
    let pairs: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check --trust JSON: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), pairs)
}

/// The pairs of a matrix that are broken.
pub fn broken(pairs: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    pairs.iter().filter(|p| p["problem"] != "").collect()
}

/// Everything a rotation phase must keep, checked on `dir` (a kubeadm tree) by the matrix
/// and by the real peers: `check --trust` reports no broken pair; a real two-member etcd
/// started with the tree's etcd files accepts etcdctl with apiserver-etcd-client and with
/// healthcheck-client, and its members (peer TLS both ways) form a cluster; Go's crypto/tls
/// connects every kubeconfig to a kube-apiserver-like server with `pki/apiserver.*` and
/// `--client-ca-file=pki/ca.crt`; PyJWT verifies each of `tokens` with `pki/sa.pub`.
/// Returns the matrix table, for the test's output.
pub fn assert_peers_accept(env: &Env, dir: &Path, tokens: &[&str]) -> String {
    let table = env
        .kcred()
        .args(["check", "--trust", "--dir"])
        .arg(dir)
        .output()
        .expect("run kcred");
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    let (code, pairs) = trust_matrix(env, dir);
    assert_eq!(
        (code, broken(&pairs).len()),
        (0, 0),
        "{}: {table}",
        dir.display()
    );
    let pki = dir.join("pki");
    let etcd = pki.join("etcd");
    let scratch = tempfile::tempdir().expect("tempdir");
    let (a, b, _one) = start_pair(&etcd, scratch.path());
    let ca = etcd.join("ca.crt");
    for client in ["apiserver-etcd-client", "etcd/healthcheck-client"] {
        let (ok, text) = etcd_health(
            &a.client_url,
            &ca,
            &pki.join(format!("{client}.crt")),
            &pki.join(format!("{client}.key")),
        );
        let log = |e: &Etcd| std::fs::read_to_string(&e.log).unwrap_or_default();
        assert!(
            ok,
            "{}: etcd refused {client}: {text}\nm1:\n{}\nm2:\n{}",
            dir.display(),
            log(&a),
            log(&b)
        );
    }
    let (ok, list) = etcdctl(
        &b.client_url,
        &ca,
        &pki.join("apiserver-etcd-client.crt"),
        &pki.join("apiserver-etcd-client.key"),
        &["member", "list"],
    );
    assert!(ok && list.matches(", started, ").count() == 2, "{list}");
    go_tls_connects_except(dir, &scratch.path().join("tls"), None);
    for t in tokens {
        assert!(
            pyjwt_verifies(&pki.join("sa.pub"), t),
            "PyJWT refused a token"
        );
    }
    table
}

/// `kcred check --dir DIR -q`, which must find problems (exit 1): its table.
fn check_finds_problems(env: &Env, dir: &str) -> String {
    let out = env
        .kcred()
        .args(["check", "--dir", dir, "-q"])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{table}");
    table
}

fn bootstrap(env: &Env, dir: &str) -> PathBuf {
    env.ok(&["bootstrap", "--dir", dir, "--node", "cp-1", "--node", "w-1"]);
    env.path(dir)
}

/// The base64 of `certificate-authority-data:` in a kubeconfig replaced by `pem`'s.
/// The tree under test (`k`) and an unrelated one (`other`): other CAs, other keys.
fn two_trees(env: &Env) -> (PathBuf, PathBuf) {
    (bootstrap(env, "k"), bootstrap(env, "other"))
}

fn replace_ca_data(conf: &Path, pem: &[u8]) {
    use base64::Engine as _;
    let text = std::fs::read_to_string(conf).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(pem);
    let mut n = 0;
    let out: Vec<String> = text
        .lines()
        .map(|l| match l.split_once("certificate-authority-data:") {
            Some((indent, _)) => {
                n += 1;
                format!("{indent}certificate-authority-data: {b64}")
            }
            None => l.to_string(),
        })
        .collect();
    assert_eq!(n, 1, "one certificate-authority-data in {}", conf.display());
    std::fs::write(conf, out.join("\n") + "\n").unwrap();
}

#[test]
fn fresh_kubeadm_tree_every_pair_ok_and_go_tls_agrees() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let table = env.ok(&["check", "--trust", "--dir", "k"]);
    println!("{table}");
    assert!(table.contains("0 broken of"), "{table}");
    let (code, pairs) = trust_matrix(&env, &dir);
    assert_eq!(code, 0);
    assert!(broken(&pairs).is_empty(), "{pairs:#?}");
    // Every kind of pair is there, both ways where there are two.
    for (client, check) in [
        ("admin.conf", "client-cert"),
        ("admin.conf", "server-cert"),
        ("kubelet.conf/w-1", "server-cert"),
        ("apiserver-etcd-client", "client-cert"),
        ("apiserver-etcd-client", "server-cert"),
        ("etcd-healthcheck-client", "client-cert"),
        ("etcd-peer", "client-cert"),
        ("etcd-peer", "server-cert"),
        ("apiserver-kubelet-client", "client-cert"),
        ("front-proxy-client", "client-cert"),
        ("service-account-tokens", "sa-key"),
    ] {
        assert!(
            pairs
                .iter()
                .any(|p| p["client"] == client && p["check"] == check),
            "no {client} {check} pair: {pairs:#?}"
        );
    }
    // Go's crypto/tls: each kubeconfig against kube-apiserver's serving cert and client CA.
    let results = go_tls_kubeconfigs(&dir, &env.path("tls"));
    assert_eq!(results.len(), 6, "{results:?}");
    for (conf, v) in results {
        assert_eq!(v["ok"], true, "{}: {v}", conf.display());
    }
    // And every peer at once, as a rotation phase is checked.
    let token = env.token("builder", "ci", "k/pki/sa.key", &[]);
    assert_peers_accept(&env, &dir, &[&token]);
}

#[test]
fn real_etcd_accepts_both_clients_and_two_members_form_a_cluster() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let pki = dir.join("pki");
    let etcd = pki.join("etcd");
    let work = env.path("etcd-work");
    // Both members use the control plane's peer certificate (SANs localhost, 127.0.0.1):
    // what is checked is that etcd's peer TLS accepts it both ways.
    let (a, b, _one) = start_pair(&etcd, &work);
    let ca = etcd.join("ca.crt");
    for client in ["apiserver-etcd-client", "etcd/healthcheck-client"] {
        let (ok, text) = etcd_health(
            &a.client_url,
            &ca,
            &pki.join(format!("{client}.crt")),
            &pki.join(format!("{client}.key")),
        );
        assert!(
            ok,
            "{client}: {text}\n{}",
            std::fs::read_to_string(&a.log).unwrap_or_default()
        );
    }
    let (ok, list) = etcdctl(
        &b.client_url,
        &ca,
        &pki.join("apiserver-etcd-client.crt"),
        &pki.join("apiserver-etcd-client.key"),
        &["member", "list"],
    );
    assert!(ok, "{list}");
    assert_eq!(list.matches(", started, ").count(), 2, "{list}");
    trust_broken(&env, &dir, 0);
}

#[test]
fn kubeconfig_with_an_unrelated_ca_is_the_one_broken_pair_and_go_tls_refuses_it() {
    let env = Env::new();
    let (dir, other) = two_trees(&env);
    let conf = dir.join("scheduler.conf");
    replace_ca_data(&conf, &std::fs::read(other.join("pki/ca.crt")).unwrap());
    let (_, bad) = trust_broken(&env, &dir, 1);
    assert_eq!(bad[0]["client"], "scheduler.conf");
    assert_eq!(bad[0]["check"], "server-cert");
    let why = bad[0]["problem"].as_str().unwrap();
    assert!(
        why.starts_with("x509: certificate signed by unknown authority"),
        "{why}"
    );
    // The table says the same, and stderr one line.
    let err = env.fails(1, &["check", "--trust", "--dir", "k"]);
    assert!(err.contains("1 broken of"), "{err}");
    // Go's client refuses the serving certificate with the same words; the others connect.
    let v = go_tls_connects_except(&dir, &env.path("tls"), Some(&conf));
    assert_eq!(v["ok"], false, "{v}");
    let client = v["client"].as_str().unwrap_or_default();
    assert!(
        client.contains("x509: certificate signed by unknown authority"),
        "{v}"
    );
}

#[test]
fn etcd_client_cert_from_another_ca_is_the_one_broken_pair_and_etcd_refuses_it() {
    let env = Env::new();
    let (dir, other) = two_trees(&env);
    for ext in ["crt", "key"] {
        let name = format!("pki/apiserver-etcd-client.{ext}");
        std::fs::copy(other.join(&name), dir.join(&name)).unwrap();
    }
    let (_, bad) = trust_broken(&env, &dir, 1);
    assert_eq!(
        (&bad[0]["client"], &bad[0]["check"]),
        (
            &serde_json::json!("apiserver-etcd-client"),
            &serde_json::json!("client-cert")
        )
    );
    assert!(
        bad[0]["problem"]
            .as_str()
            .unwrap()
            .starts_with("x509: certificate signed by unknown authority"),
        "{bad:#?}"
    );
    // Real etcd agrees: the healthcheck client is accepted, the foreign one refused.
    let pki = dir.join("pki");
    let etcd = pki.join("etcd");
    let work = env.path("etcd-work");
    let (mut one, _one) = start_cluster(&etcd, &work, &["m1"]);
    let e = one.pop().unwrap();
    let ca = etcd.join("ca.crt");
    let (ok, text) = etcd_health(
        &e.client_url,
        &ca,
        &etcd.join("healthcheck-client.crt"),
        &etcd.join("healthcheck-client.key"),
    );
    assert!(ok, "{text}");
    let (ok, text) = etcdctl(
        &e.client_url,
        &ca,
        &pki.join("apiserver-etcd-client.crt"),
        &pki.join("apiserver-etcd-client.key"),
        &["endpoint", "health", "--command-timeout", "3s"],
    );
    assert!(
        !ok,
        "etcd accepted a client certificate of another CA: {text}"
    );
    let log = std::fs::read_to_string(&e.log).unwrap_or_default();
    assert!(
        log.contains("tls: failed to verify client certificate: x509: certificate signed by unknown authority"),
        "{log}"
    );
}

#[test]
fn a_ca_bundle_old_plus_new_is_a_set_of_anchors_for_check_and_trust() {
    let env = Env::new();
    let (dir, other) = two_trees(&env);
    // A rotation's bundles: the other tree's CA after this one's, whose key is beside the
    // file (tls.X509KeyPair, which kube-controller-manager's signer loads ca.crt and ca.key
    // with, pairs the key with the first certificate; the other order is checked below).
    for (file, new_first) in [
        ("pki/ca.crt", false),
        ("pki/etcd/ca.crt", false),
        ("pki/front-proxy-ca.crt", false),
    ] {
        let mine = std::fs::read(dir.join(file)).unwrap();
        let theirs = std::fs::read(other.join(file)).unwrap();
        let bundle = if new_first {
            [theirs, mine].concat()
        } else {
            [mine, theirs].concat()
        };
        std::fs::write(dir.join(file), bundle).unwrap();
    }
    let out = env.ok(&["check", "--dir", "k", "-o", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cas: Vec<&str> = report["certificateAuthorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for name in ["ca", "ca#2", "etcd-ca", "etcd-ca#2", "front-proxy-ca#2"] {
        assert!(cas.contains(&name), "{name} missing: {cas:?}");
    }
    for row in report["certificates"].as_array().unwrap() {
        assert_eq!(row["problems"], serde_json::json!([]), "{row}");
        if row["expirationDate"].is_null() {
            continue; // sa.key: a key pair, no certificate
        }
        assert_ne!(row["caName"], "", "{row}");
    }
    // The signer is the bundle's certificate whose key is beside it: this tree's CA, first
    // in pki/ca.crt.
    let apiserver = report["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "apiserver")
        .unwrap();
    assert_eq!(apiserver["caName"], "ca", "{apiserver}");
    trust_broken(&env, &dir, 0);
    // Go agrees: the kube-apiserver-like server with the bundle as --client-ca-file.
    go_tls_connects_except(&dir, &env.path("tls"), None);
    // The new CA first, the key beside the file still the old one's: still a set of anchors,
    // but the pair kube-controller-manager signs with no longer loads.
    let bundle = std::fs::read_to_string(dir.join("pki/ca.crt")).unwrap();
    let second_at = bundle[1..].find("-----BEGIN").unwrap() + 1;
    let (first, second) = bundle.split_at(second_at);
    std::fs::write(dir.join("pki/ca.crt"), format!("{second}{first}")).unwrap();
    let table = check_finds_problems(&env, "k");
    assert!(
        table.contains("pki/ca.key matches certificate 2 of the file, but tls.X509KeyPair pairs a key with the first certificate"),
        "{table}"
    );
}

#[test]
fn kubeconfig_dialling_a_name_not_in_the_serving_cert_is_broken_as_go_says() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let conf = dir.join("controller-manager.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    let server = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .expect("server line")
        .to_string();
    std::fs::write(
        &conf,
        text.replace(&server, "https://not-the-apiserver.example:6443"),
    )
    .unwrap();
    let (_, bad) = trust_broken(&env, &dir, 1);
    assert_eq!(bad[0]["client"], "controller-manager.conf");
    assert_eq!(bad[0]["host"], "not-the-apiserver.example");
    let why = bad[0]["problem"].as_str().unwrap();
    assert!(why.starts_with("x509: certificate is valid for "), "{why}");
    // Go's VerifyHostname gives the very same words.
    let v = go_tls_connects_except(&dir, &env.path("tls"), Some(&conf));
    let client = v["client"].as_str().unwrap_or_default();
    assert!(client.ends_with(why), "Go: {client}\nkcred: {why}");
}

#[test]
fn renew_after_a_bundle_signs_with_the_ca_whose_key_is_there() {
    let env = Env::new();
    let (dir, other) = two_trees(&env);
    let ca = dir.join("pki/ca.crt");
    // The other tree's CA first: renew must not pick the bundle's first certificate, whose
    // key is not in the directory.
    let bundle = [
        std::fs::read(other.join("pki/ca.crt")).unwrap(),
        std::fs::read(&ca).unwrap(),
    ]
    .concat();
    std::fs::write(&ca, bundle).unwrap();
    env.ok(&["renew", "--dir", "k", "apiserver", "admin.conf"]);
    trust_broken(&env, &dir, 0);
    go_tls_connects_except(&dir, &env.path("tls"), None);
}

/// Whether PyJWT verifies `token` with one of the PEM public keys in `sa_pub` (as
/// kube-apiserver tries every key of `--service-account-key-file`), signature and expiry
/// only (the issuer and audience are the token's own).
pub fn pyjwt_verifies(sa_pub: &Path, token: &str) -> bool {
    let out = crate::common::python(
        r#"
import sys, jwt, re
from cryptography.hazmat.primitives.serialization import load_pem_public_key
pems = re.findall(rb"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", open(sys.argv[1], "rb").read(), re.S)
tok = sys.argv[2].strip()
alg = jwt.get_unverified_header(tok)["alg"]
ok = False
for p in pems:
    try:
        jwt.decode(tok, load_pem_public_key(p), algorithms=[alg], options={"verify_aud": False})
        ok = True
    except jwt.InvalidTokenError:
        pass
print("yes" if ok else "no")
"#,
        &[&sa_pub.display().to_string(), token],
    );
    out.trim() == "yes"
}

#[test]
fn service_account_tokens_in_the_dir_verify_as_pyjwt_says() {
    let env = Env::new();
    let (dir, other) = two_trees(&env);
    let token = env.token("builder", "ci", "k/pki/sa.key", &[]);
    std::fs::write(dir.join("builder.token"), &token).unwrap();
    let sa_pub = dir.join("pki/sa.pub");
    let (pairs, _) = trust_broken(&env, &dir, 0);
    assert!(
        pairs
            .iter()
            .any(|p| p["check"] == "token" && p["presented"] == "builder.token"),
        "{pairs:#?}"
    );
    assert!(pyjwt_verifies(&sa_pub, &token));
    // sa.pub holding both keys (a rotation's overlap): still fine for both.
    let mine = std::fs::read(&sa_pub).unwrap();
    let theirs = std::fs::read(other.join("pki/sa.pub")).unwrap();
    std::fs::write(&sa_pub, [theirs.clone(), mine].concat()).unwrap();
    trust_broken(&env, &dir, 0);
    assert!(pyjwt_verifies(&sa_pub, &token));
    // Only the other key: the key pair and the token are broken, and PyJWT refuses too.
    std::fs::write(&sa_pub, theirs).unwrap();
    let (code, pairs) = trust_matrix(&env, &dir);
    assert_eq!(code, 1);
    let bad: Vec<&str> = broken(&pairs)
        .iter()
        .map(|p| p["check"].as_str().unwrap())
        .collect();
    assert_eq!(bad, ["sa-key", "token"], "{pairs:#?}");
    assert!(!pyjwt_verifies(&sa_pub, &token));
}

/// The files a rotation's `--begin` leaves (issue "rotate-ca", the on-disk contract): every
/// trust file and every kubeconfig's CA data is old+new, `sa.pub` holds both public keys, the
/// new CA sits beside as `*.new.crt`/`*.new.key`; leaves untouched. Built here by hand from a
/// second tree's CAs, so that the checking side is tested apart from the rotation.
fn begin_by_hand(dir: &Path, new: &Path) {
    for ca in ["pki/ca", "pki/etcd/ca", "pki/front-proxy-ca"] {
        let old = std::fs::read(dir.join(format!("{ca}.crt"))).unwrap();
        let newer = std::fs::read(new.join(format!("{ca}.crt"))).unwrap();
        std::fs::write(dir.join(format!("{ca}.crt")), [old, newer.clone()].concat()).unwrap();
        std::fs::write(dir.join(format!("{ca}.new.crt")), newer).unwrap();
        let key = dir.join(format!("{ca}.new.key"));
        std::fs::copy(new.join(format!("{ca}.key")), &key).unwrap();
        std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
    }
    let sa = [
        std::fs::read(dir.join("pki/sa.pub")).unwrap(),
        std::fs::read(new.join("pki/sa.pub")).unwrap(),
    ]
    .concat();
    std::fs::write(dir.join("pki/sa.pub"), sa).unwrap();
    let bundle = std::fs::read(dir.join("pki/ca.crt")).unwrap();
    for conf in kubeconfigs(dir) {
        replace_ca_data(&conf, &bundle);
    }
}

#[test]
fn a_begun_rotation_by_hand_keeps_every_peer_and_check_clean() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let new = bootstrap(&env, "new");
    let old_token = env.token("builder", "ci", "k/pki/sa.key", &[]);
    let new_token = env.token("builder", "ci", "new/pki/sa.key", &[]);
    println!(
        "before:\n{}",
        assert_peers_accept(&env, &dir, &[&old_token])
    );
    begin_by_hand(&dir, &new);
    println!(
        "begin:\n{}",
        assert_peers_accept(&env, &dir, &[&old_token, &new_token])
    );
    // The new CA's clients are accepted too (what --resign will rely on): a kubeconfig of the
    // new tree against this tree's kube-apiserver trust.
    let (_, cert, key, _) = kubeconfig_files(&new.join("admin.conf"), &env.path("tls-new"));
    let pki = dir.join("pki");
    let bundle = pki.join("ca.crt");
    let v = go_tls(
        &pki.join("apiserver.crt"),
        &pki.join("apiserver.key"),
        &bundle,
        &bundle,
        &cert,
        &key,
        "cp-1",
    );
    assert_eq!(v["ok"], true, "{v}");
    // And `check` itself sees no problem in the bundles or the extra CA files.
    let out = env.ok(&["check", "--dir", "k", "-q"]);
    assert!(out.contains("0 problems"), "{out}");
}

#[test]
fn dropping_the_old_etcd_ca_before_resigning_breaks_exactly_what_etcd_refuses() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let new = bootstrap(&env, "new");
    // The classic mistake: etcd's trust file holds only the new CA while every etcd leaf is
    // still the old CA's.
    std::fs::copy(new.join("pki/etcd/ca.crt"), dir.join("pki/etcd/ca.crt")).unwrap();
    let (code, pairs) = trust_matrix(&env, &dir);
    assert_eq!(code, 1);
    let mut bad: Vec<String> = broken(&pairs)
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p["client"].as_str().unwrap(),
                p["check"].as_str().unwrap()
            )
        })
        .collect();
    bad.sort();
    assert_eq!(
        bad,
        [
            "apiserver-etcd-client client-cert",
            "apiserver-etcd-client server-cert",
            "etcd-healthcheck-client client-cert",
            "etcd-healthcheck-client server-cert",
            "etcd-peer client-cert",
            "etcd-peer server-cert",
        ],
        "{pairs:#?}"
    );
    // Real etcd with these files: etcdctl (trusting pki/etcd/ca.crt) refuses etcd's serving
    // certificate and etcd refuses the client.
    let pki = dir.join("pki");
    let etcd = pki.join("etcd");
    let work = env.path("etcd-work");
    let (mut one, _one) = start_cluster(&etcd, &work, &["m1"]);
    let e = one.pop().unwrap();
    let (ok, text) = etcdctl(
        &e.client_url,
        &etcd.join("ca.crt"),
        &etcd.join("healthcheck-client.crt"),
        &etcd.join("healthcheck-client.key"),
        &["endpoint", "health", "--command-timeout", "3s"],
    );
    assert!(!ok, "{text}");
    // Trusting the old CA on the client side, etcd itself still refuses the old client.
    let (ok, text) = etcdctl(
        &e.client_url,
        &new.join("pki/etcd/ca.crt"),
        &etcd.join("healthcheck-client.crt"),
        &etcd.join("healthcheck-client.key"),
        &["endpoint", "health", "--command-timeout", "3s"],
    );
    assert!(!ok, "{text}");
}

#[test]
fn trust_refuses_what_it_cannot_read_in_one_line() {
    let env = Env::new();
    env.ok(&["bootstrap", "--layout", "hard-way", "--dir", "hw"]);
    let err = env.fails(3, &["check", "--trust", "--dir", "hw"]);
    assert!(err.contains("not a kubeadm directory"), "{err}");
    let err = env.fails(3, &["check", "--trust", "--dir", "nowhere"]);
    assert!(err.contains("nowhere: is not a directory"), "{err}");
    // A corrupt trust file is a broken pair naming the file, never a crash or an "ok".
    let dir = bootstrap(&env, "k");
    std::fs::write(dir.join("pki/etcd/ca.crt"), "garbage\n").unwrap();
    let (_, bad) = trust_broken(&env, &dir, 6);
    for p in bad {
        assert!(
            p["problem"]
                .as_str()
                .unwrap()
                .contains("pki/etcd/ca.crt: no certificate found"),
            "{p}"
        );
    }
}

#[test]
fn a_worker_directory_checks_its_own_kubeconfig_only() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let w = env.path("worker");
    std::fs::create_dir_all(w.join("pki")).unwrap();
    std::fs::copy(dir.join("pki/ca.crt"), w.join("pki/ca.crt")).unwrap();
    std::fs::copy(dir.join("nodes/w-1/kubelet.conf"), w.join("kubelet.conf")).unwrap();
    let (code, pairs) = trust_matrix(&env, &w);
    assert_eq!(code, 0, "{pairs:#?}");
    assert_eq!(pairs.len(), 1, "{pairs:#?}");
    assert_eq!(
        (&pairs[0]["client"], &pairs[0]["check"]),
        (
            &serde_json::json!("kubelet.conf"),
            &serde_json::json!("client-cert")
        )
    );
    // On the control plane a missing client certificate is a broken pair, not skipped.
    std::fs::remove_file(dir.join("pki/front-proxy-client.crt")).unwrap();
    let (_, bad) = trust_broken(&env, &dir, 1);
    assert_eq!(bad[0]["client"], "front-proxy-client");
}

#[test]
fn a_token_kubeconfig_has_no_certificate_pair_but_its_token_is_checked() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let token = env.token("builder", "ci", "k/pki/sa.key", &[]);
    let server = {
        let text = std::fs::read_to_string(dir.join("admin.conf")).unwrap();
        text.lines()
            .find_map(|l| l.trim().strip_prefix("server: ").map(str::to_string))
            .unwrap()
    };
    std::fs::remove_file(dir.join("admin.conf")).unwrap();
    env.ok(&[
        "kubeconfig",
        "--server",
        &server,
        "--certificate-authority",
        "k/pki/ca.crt",
        "--token",
        token.trim(),
        "--out",
        "k/admin.conf",
    ]);
    let (pairs, _) = trust_broken(&env, &dir, 0);
    let admin: Vec<&str> = pairs
        .iter()
        .filter(|p| {
            p["presented"].as_str().unwrap().starts_with("admin.conf")
                || p["client"] == "admin.conf"
        })
        .map(|p| p["check"].as_str().unwrap())
        .collect();
    assert_eq!(admin, ["server-cert", "token"], "{pairs:#?}");
}

#[test]
fn a_front_proxy_client_with_another_cn_is_refused_as_requestheader_would() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    // A client certificate of the front-proxy CA, but not named front-proxy-client.
    std::fs::remove_file(dir.join("pki/front-proxy-client.crt")).unwrap();
    std::fs::remove_file(dir.join("pki/front-proxy-client.key")).unwrap();
    env.issue(
        "k/pki/front-proxy-ca",
        "k/pki/front-proxy-client",
        &["--cn", "someone-else"],
    );
    let (_, bad) = trust_broken(&env, &dir, 1);
    assert_eq!(
        bad[0]["problem"],
        "x509: subject with cn=someone-else is not in the allowed list"
    );
}

/// Files real etcd 3.4 will not start with, which `kcred check` used to pass (found by a
/// differential sweep against etcd and Go's loaders): a serving certificate file with the CA
/// first (tls.X509KeyPair pairs the key with the first certificate), a DER certificate
/// (PEM only), and a CA bundle holding another PEM block (etcd's tlsutil.NewCertPool parses
/// every block as a certificate). For each, etcd never becomes healthy, and kcred flags the
/// file, naming the loader's rule.
#[test]
fn check_flags_the_files_real_etcd_will_not_start_with() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let etcd = dir.join("pki/etcd");
    let pristine: Vec<(PathBuf, Vec<u8>)> = ["server.crt", "ca.crt"]
        .iter()
        .map(|f| (etcd.join(f), std::fs::read(etcd.join(f)).unwrap()))
        .collect();
    let ca = pristine[1].1.clone();
    let server = pristine[0].1.clone();
    let der = |pem_bytes: &[u8]| pem::parse(pem_bytes).unwrap().contents().to_vec();
    let sa_pub = std::fs::read(dir.join("pki/sa.pub")).unwrap();
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "ca-first",
            "server.crt",
            [ca.clone(), server.clone()].concat(),
            "pairs a key with the first certificate",
        ),
        ("der", "server.crt", der(&server), "is DER"),
        (
            "ca-bundle-with-a-public-key",
            "ca.crt",
            [ca.clone(), sa_pub].concat(),
            "tlsutil.NewCertPool",
        ),
    ];
    for (name, file, contents, kcred_says) in cases {
        for (path, bytes) in &pristine {
            std::fs::write(path, bytes).unwrap();
        }
        std::fs::write(etcd.join(file), &contents).unwrap();
        let work = env.path(&format!("etcd-{name}"));
        let (mut one, _one) = start_cluster(&etcd, &work, &["m1"]);
        let e = one.pop().unwrap();
        // etcdctl trusts the unchanged CA: only etcd reads the changed file.
        let client_ca = env.path(&format!("client-ca-{name}.crt"));
        std::fs::write(&client_ca, &ca).unwrap();
        let (ok, text) = etcdctl(
            &e.client_url,
            &client_ca,
            &etcd.join("healthcheck-client.crt"),
            &etcd.join("healthcheck-client.key"),
            &["endpoint", "health", "--command-timeout", "3s"],
        );
        assert!(!ok, "{name}: etcd is healthy: {text}");
        let table = check_finds_problems(&env, "k");
        assert!(table.contains(kcred_says), "{name}: {table}");
    }
}

/// A serving key whose PEM label does not say its encoding (PKCS#1 labelled `PRIVATE KEY`):
/// tls.X509KeyPair tries PKCS#1, PKCS#8 and SEC1 whatever the label, so Go's TLS server loads
/// it and a client-go-like client connects; `kcred check` must not call it a problem.
#[test]
fn check_reads_a_relabelled_serving_key_as_go_loads_it() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let pki = dir.join("pki");
    let key = pki.join("apiserver.key");
    let text = std::fs::read_to_string(&key).unwrap();
    let der = pem::parse(&text).unwrap();
    let relabelled = pem::encode(&pem::Pem::new("FOO PRIVATE KEY", der.contents()));
    assert_ne!(relabelled, text);
    std::fs::write(&key, relabelled).unwrap();
    let ca = pki.join("ca.crt");
    let go = go_tls(
        &pki.join("apiserver.crt"),
        &key,
        &ca,
        &ca,
        &pki.join("apiserver-kubelet-client.crt"),
        &pki.join("apiserver-kubelet-client.key"),
        "kubernetes",
    );
    assert_eq!(go["ok"], true, "{go}");
    let out = env.ok(&["check", "--dir", "k", "-q"]);
    assert!(out.contains("0 problems"), "{out}");
}

/// An API server certificate made by hand without the `kubernetes` Service's names (a
/// common slip when following a guide with openssl): kubectl from outside still connects,
/// but pods do not, since client-go's `InClusterConfig` dials the Service IP and others dial
/// `kubernetes.default.svc`. `kcred check` names exactly the names Go's TLS client refuses,
/// the IP and the domain-qualified name only when it is told the cluster's settings.
#[test]
fn api_server_certificate_without_in_cluster_names_is_flagged_as_go_tls_refuses_it() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let pki = dir.join("pki");
    let settings = [
        "--service-cidr",
        "10.96.0.0/12",
        "--service-dns-domain",
        "cluster.local",
    ];
    let mut args = vec!["check", "--dir", "k", "-q"];
    args.extend(settings);
    env.ok(&args);
    let in_cluster = [
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
        "10.96.0.1",
    ];
    let handshake = |host: &str| {
        go_tls(
            &pki.join("apiserver.crt"),
            &pki.join("apiserver.key"),
            &pki.join("ca.crt"),
            &pki.join("ca.crt"),
            &pki.join("apiserver-kubelet-client.crt"),
            &pki.join("apiserver-kubelet-client.key"),
            host,
        )
    };
    for host in in_cluster {
        assert_eq!(
            handshake(host)["ok"],
            true,
            "kcred's own certificate, {host}"
        );
    }

    // The same key, re-signed by the cluster CA with only the node's name and address.
    let ext = env.path("ext.cnf");
    std::fs::write(
        &ext,
        "subjectAltName=DNS:cp-1,IP:10.0.0.10\nextendedKeyUsage=serverAuth\n\
         keyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=critical,CA:FALSE\n",
    )
    .unwrap();
    let csr = env.path("apiserver.csr");
    run_peer(
        peer("openssl")
            .args(["req", "-new", "-subj", "/CN=kube-apiserver", "-key"])
            .arg(pki.join("apiserver.key"))
            .arg("-out")
            .arg(&csr),
    );
    run_peer(
        peer("openssl")
            .args(["x509", "-req", "-days", "365", "-in"])
            .arg(&csr)
            .arg("-CA")
            .arg(pki.join("ca.crt"))
            .arg("-CAkey")
            .arg(pki.join("ca.key"))
            .args(["-CAcreateserial", "-extfile"])
            .arg(&ext)
            .arg("-out")
            .arg(pki.join("apiserver.crt")),
    );
    let refused: Vec<&str> = in_cluster
        .into_iter()
        .filter(|host| {
            let v = handshake(host);
            let client = v["client"].as_str().unwrap_or_default();
            assert!(
                v["ok"] == true || client.contains("x509: certificate is valid for"),
                "{host}: {v}"
            );
            v["ok"] != true
        })
        .collect();
    assert_eq!(refused, in_cluster, "Go refuses every in-cluster name");
    assert_eq!(handshake("cp-1")["ok"], true, "and accepts the node's name");

    let problem = format!(
        "not valid for the in-cluster names pods dial: {}",
        refused.join(", ")
    );
    // Without the settings, the names every cluster has; -q says on stderr what was not
    // checked.
    let table = check_finds_problems(&env, "k");
    let quiet = env
        .kcred()
        .args(["check", "--dir", "k", "-q"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&quiet.stderr)
            .contains("kcred: note: apiserver: in-cluster names not checked"),
        "{quiet:?}"
    );
    assert!(
        table.contains(
            "not valid for the in-cluster names pods dial: kubernetes, kubernetes.default, \
             kubernetes.default.svc"
        ),
        "{table}"
    );
    let mut args = vec!["check", "--dir", "k", "-q"];
    args.extend(settings);
    let out = env.kcred().args(&args).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("apiserver ") && l.ends_with(&problem)),
        "{table}"
    );

    // Without the settings, the table says what it could not check.
    let out = env.kcred().args(["check", "--dir", "k"]).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains(
            "note: apiserver: in-cluster names not checked: the Service IP (give --service-cidr)"
        ),
        "{table}"
    );
}

/// The same for a kubeconfig's embedded client key: kubectl loads the pair with
/// `tls.X509KeyPair`, which does not go by the PEM label, so `check` does not call the key
/// missing.
#[test]
fn check_reads_a_relabelled_kubeconfig_key_as_kubectl_loads_it() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let conf = dir.join("admin.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("client-key-data: "))
        .unwrap();
    let data = line.split_once(": ").unwrap().1;
    let key = pem::parse(b64.decode(data).unwrap()).unwrap();
    let relabelled = pem::encode(&pem::Pem::new("FOO PRIVATE KEY", key.contents()));
    let new_line = line.replace(data, &b64.encode(&relabelled));
    std::fs::write(&conf, text.replace(line, &new_line)).unwrap();

    let pki = dir.join("pki");
    let (ca, cert, key, host) = kubeconfig_files(&conf, &env.path("files"));
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .contains("FOO PRIVATE KEY")
    );
    let go = go_tls(
        &pki.join("apiserver.crt"),
        &pki.join("apiserver.key"),
        &pki.join("ca.crt"),
        &ca,
        &cert,
        &key,
        &host,
    );
    assert_eq!(go["ok"], true, "{go}");
    let out = env.ok(&["check", "--dir", "k", "-q"]);
    assert!(out.contains("0 problems"), "{out}");
}
