//! The test harness: a temporary directory per test, the kcred binary, and the real peers
//! (openssl, go, kubectl, python3 with cryptography and PyJWT) that `scripts/test` puts on
//! PATH. A missing peer fails the test with a message saying how to install it: kcred is
//! never tested only against itself, and a skipped peer would hide that.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// A scratch directory and a way to run kcred in it.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Path as a string, for argument lists.
    pub fn p(&self, rel: &str) -> String {
        self.path(rel).display().to_string()
    }

    /// A kcred command running in the scratch directory, without colour or user config.
    pub fn kcred(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("kcred").expect("kcred binary");
        c.current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("KCRED_PROFILES")
            .env_remove("KUBECONFIG")
            .env("HOME", self.dir.path());
        c
    }

    /// Run kcred, expect exit 0, return stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.kcred().args(args).output().expect("run kcred");
        assert!(
            out.status.success(),
            "kcred {args:?} failed ({:?}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Run kcred, expect exit `code`, return stderr (checked to be short and panic-free).
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.kcred().args(args).output().expect("run kcred");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "kcred {args:?}: expected exit {code}, got {:?}\nstdout: {}\nstderr: {stderr}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(!stderr.contains("panicked"), "panic: {stderr}");
        assert!(stderr.lines().count() <= 6, "error too long: {stderr}");
        stderr
    }

    /// Run openssl in the scratch directory, expect success, return stdout.
    pub fn openssl(&self, args: &[&str]) -> String {
        run_peer(peer("openssl").current_dir(self.dir.path()).args(args))
    }

    /// An RSA key of `bits` bits made by openssl (PKCS#8 PEM) at `out`.
    pub fn openssl_rsa(&self, bits: u32, out: &str) {
        let bits = format!("rsa_keygen_bits:{bits}");
        let args = [
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            &bits,
            "-out",
            out,
        ];
        self.openssl(&args);
    }

    /// Make a CA at `prefix` (relative to the scratch dir) with the given key type.
    pub fn ca(&self, prefix: &str, key_type: &str) {
        self.ca_with(prefix, key_type, &[]);
    }

    /// [`Env::ca`] with more `ca create` flags; returns stdout.
    pub fn ca_with(&self, prefix: &str, key_type: &str, extra: &[&str]) -> String {
        let prefix = self.p(prefix);
        let mut args = vec!["ca", "create", "--out", &prefix, "--key-type", key_type];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    /// `kcred cert issue --ca <ca> --out <out> <extra>` (paths relative to the scratch dir);
    /// expects exit 0 and returns stdout.
    pub fn issue(&self, ca: &str, out: &str, extra: &[&str]) -> String {
        let (ca, out) = (self.p(ca), self.p(out));
        let mut args = vec!["cert", "issue", "--ca", &ca, "--out", &out];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    /// The same `kcred cert issue` as [`Env::issue`], expected to exit `code`; returns stderr.
    pub fn issue_fails(&self, code: i32, ca: &str, out: &str, extra: &[&str]) -> String {
        let (ca, out) = (self.p(ca), self.p(out));
        let mut args = vec!["cert", "issue", "--ca", &ca, "--out", &out];
        args.extend_from_slice(extra);
        self.fails(code, &args)
    }

    /// `kcred cert sign --ca <ca> --csr <csr> --out <out> <extra>` (paths relative to the
    /// scratch dir); expects exit 0 and returns stdout.
    pub fn sign(&self, ca: &str, csr: &str, out: &str, extra: &[&str]) -> String {
        let (ca, csr, out) = (self.p(ca), self.p(csr), self.p(out));
        let mut args = vec!["cert", "sign", "--ca", &ca, "--csr", &csr, "--out", &out];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    /// The same `kcred cert sign` as [`Env::sign`], expected to exit `code`; returns stderr.
    pub fn sign_fails(&self, code: i32, ca: &str, csr: &str, out: &str, extra: &[&str]) -> String {
        let (ca, csr, out) = (self.p(ca), self.p(csr), self.p(out));
        let mut args = vec!["cert", "sign", "--ca", &ca, "--csr", &csr, "--out", &out];
        args.extend_from_slice(extra);
        self.fails(code, &args)
    }

    /// `kcred csr create --out <prefix> <extra>` (prefix relative to the scratch dir); expects
    /// exit 0 and returns stdout.
    pub fn csr(&self, prefix: &str, extra: &[&str]) -> String {
        let prefix = self.p(prefix);
        let mut args = vec!["csr", "create", "--out", &prefix];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    /// The same `kcred csr create` as [`Env::csr`], expected to exit `code`; returns stderr.
    pub fn csr_fails(&self, code: i32, prefix: &str, extra: &[&str]) -> String {
        let prefix = self.p(prefix);
        let mut args = vec!["csr", "create", "--out", &prefix];
        args.extend_from_slice(extra);
        self.fails(code, &args)
    }

    /// `kcred token issue <sa> -n <namespace> --key <key> <extra>` (the key as given: relative
    /// to the scratch dir or absolute); expects exit 0 and returns stdout (the token, with
    /// its newline).
    pub fn token(&self, sa: &str, namespace: &str, key: &str, extra: &[&str]) -> String {
        let mut args = vec!["token", "issue", sa, "-n", namespace, "--key", key];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    /// `kcred bootstrap --dir <dir> --node <node>... <extra>`; expects exit 0 and returns
    /// stdout.
    pub fn bootstrap(&self, dir: &str, nodes: &[&str], extra: &[&str]) -> String {
        self.ok(&bootstrap_args(dir, nodes, extra))
    }

    /// `kcred kubeconfig --server <server> --ca <ca> <extra> --out <out>` (paths relative to
    /// the scratch dir); expects exit 0 and returns stdout.
    pub fn kubeconfig(&self, server: &str, ca: &str, out: &str, extra: &[&str]) -> String {
        let (ca, out) = (self.p(ca), self.p(out));
        self.ok(&kubeconfig_args(server, &ca, &out, extra))
    }

    /// The same `kcred kubeconfig` as [`Env::kubeconfig`], expected to exit `code`; returns
    /// stderr.
    pub fn kubeconfig_fails(
        &self,
        code: i32,
        server: &str,
        ca: &str,
        out: &str,
        extra: &[&str],
    ) -> String {
        let (ca, out) = (self.p(ca), self.p(out));
        self.fails(code, &kubeconfig_args(server, &ca, &out, extra))
    }
}

/// `kubeconfig --server <server> --ca <ca> <extra> --out <out>`, as given.
fn kubeconfig_args<'a>(
    server: &'a str,
    ca: &'a str,
    out: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec!["kubeconfig", "--server", server, "--ca", ca];
    args.extend_from_slice(extra);
    args.extend(["--out", out]);
    args
}

/// A case table's command line as an argument list: the words between spaces (a case's
/// arguments hold no spaces of their own).
pub fn argv(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// The argument list of `kcred bootstrap --dir <dir> --node <node>... <extra>`, for runs
/// that are expected to fail, are killed, or take more arguments.
pub fn bootstrap_args<'a>(dir: &'a str, nodes: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["bootstrap", "--dir", dir];
    for node in nodes {
        args.extend(["--node", node]);
    }
    args.extend_from_slice(extra);
    args
}

/// `kubectl config view --raw -o json --kubeconfig` (the file follows): kubectl's reading of
/// a kubeconfig, embedded credentials included.
pub const KUBECTL_VIEW_JSON: [&str; 6] = ["config", "view", "--raw", "-o", "json", "--kubeconfig"];

/// `token issue` flags of the kubelet's projected-token request for pod `web-0` (uid `uid`):
/// 3607 s, bound to the Pod (kubelet `token_manager.go` asks for 3607 s; kube-apiserver
/// extends such a token, `pkg/serviceaccount/claims.go`).
pub fn kubelet_pod_token_flags(uid: &str) -> [&str; 8] {
    [
        "--duration",
        "3607s",
        "--bound-object-kind",
        "Pod",
        "--bound-object-name",
        "web-0",
        "--bound-object-uid",
        uid,
    ]
}

/// What the libraries call a problem (x509-parser, der, aws-lc-rs, rustls, tempfile, serde),
/// which kcred's messages say in words instead.
pub const INTERNALS: [&str; 11] = [
    "NomError",
    "Der(",
    "UnexpectedTag",
    "TooSmall",
    "UnexpectedError",
    "KeyMismatch",
    "InvalidCharacter",
    "at path",
    ".tmp",
    "Option<",
    "APPLICATION [",
];

/// A peer tool from PATH, or a test failure that says how to get it.
pub fn peer(name: &str) -> Command {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "peer `{name}` is not on PATH: run the tests with scripts/test, which installs it (scripts/install-peers)"
    );
    let mut c = Command::new(name);
    c.env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOTELEMETRY", "off");
    c
}

/// Run a peer command, expect success, return stdout.
pub fn run_peer(cmd: &mut Command) -> String {
    let out: Output = cmd.output().expect("run peer");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({:?}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// go-yaml v2's refusal of an alias bomb (`decode.go`), as kubectl prints it.
pub const EXCESSIVE_ALIASING: &str = "yaml: document contains excessive aliasing";

/// Two top-level YAML entries that weigh on go-yaml v2's alias guard (`decode.go`: it fails
/// once `aliasCount/decodeCount > allowedAliasRatio(decodeCount)`, past 100 aliased and 1,000
/// decoded nodes): `x-list`, an anchored list of 999 scalars, and `x-refs`, `refs` aliases of
/// it, each decoding 1,001 nodes of which 1,000 inside the alias. kubectl ignores the fields.
pub fn aliased_lists(refs: usize) -> String {
    format!(
        "x-list: &a [{}]\nx-refs: [{}]\n",
        vec!["x"; 999].join(", "),
        vec!["*a"; refs].join(", ")
    )
}

/// `text` (a message, a report) holds every one of `parts`: a file name and the problem, say.
pub fn assert_says(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
}

/// A finished run (kcred's or a peer's) exited 0; its stderr says why when it did not.
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run an `openssl verify` command and fail with openssl's own words unless it verified;
/// `what` names the certificate (and the CA and purpose) in the failure.
pub fn assert_openssl_verifies(verify: &mut Command, what: &str) {
    let out = verify.output().expect("run openssl verify");
    assert!(
        out.status.success(),
        "openssl verify {what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Build (once per test run) the Go program in `tests/go/<name>` and return its path.
pub fn go_tool(name: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<std::collections::HashMap<String, PathBuf>>> =
        OnceLock::new();
    let map = BUILT.get_or_init(Default::default);
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = map.get(name) {
        return p.clone();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("tests/go").join(name);
    let out_dir = root.join("target/go-tools");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join(name);
    run_peer(
        peer("go")
            .current_dir(&src)
            .args(["build", "-o"])
            .arg(&out)
            .arg("."),
    );
    map.insert(name.to_string(), out.clone());
    out
}

/// A running tests/go/whoamiserver (Go's crypto/tls and net/http under the authenticator
/// chain of kube-apiserver's `pkg/kubeapiserver/authenticator/config.go`), killed when
/// dropped and exiting by itself after 120 s. It serves `apiserver.crt` (issued here by the
/// scratch dir's CA `ca` for 127.0.0.1), trusts `ca.crt` for client certificates and reads
/// the token file `tokens.csv`, which the caller writes first.
pub struct WhoamiServer {
    child: std::process::Child,
    pub url: String,
}

impl WhoamiServer {
    pub fn start(env: &Env) -> WhoamiServer {
        use std::io::BufRead as _;
        env.issue(
            "ca",
            "apiserver",
            &[
                "--cn",
                "kube-apiserver",
                "--usage",
                "server",
                "--san",
                "127.0.0.1",
                "--key-type",
                "ecdsa-p256",
            ],
        );
        let mut child = Command::new(go_tool("whoamiserver"))
            .current_dir(env.dir.path())
            .args([
                "-cert",
                "apiserver.crt",
                "-key",
                "apiserver.key",
                "-client-ca",
                "ca.crt",
                "-token-auth-file",
                "tokens.csv",
                "-timeout",
                "120s",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start whoamiserver");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_string();
        assert!(url.starts_with("https://127.0.0.1:"), "server said {url:?}");
        WhoamiServer { child, url }
    }
}

impl Drop for WhoamiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run a Python snippet with the peers' python3 (cryptography, PyJWT); return stdout.
pub fn python(script: &str, args: &[&str]) -> String {
    run_peer(peer("python3").arg("-c").arg(script).args(args))
}

/// Python after csr.rs's `DER_BUILDER` (cryptography signs; the DER is written by hand):
/// `make CA_CRT CA_KEY KEY OUT`
/// writes a client certificate for KEY signed by the CA whose identity kcred's own
/// signing never writes: the user UID attribute (1.3.6.1.4.1.57683.2), a second CN before
/// the one Go reads, O and CN as PrintableString and T61String, two OUs (BMPString and
/// UTF8String) in one RDN out of DER's SET OF order, and a critical subjectAltName with a
/// mixed-case DNS name, an IPv4-mapped IPv6 address, a URI and an e-mail address.
/// `ids CERT` prints the subject Name and the subjectAltName extension as written (hex).
const ODD_IDENTITY: &str = r#"
import ssl, datetime, secrets, json
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding
def parse(b, i):
    n = b[i+1]; j = i+2
    if n & 0x80: k = n & 0x7f; n = int.from_bytes(b[j:j+k], 'big'); j += k
    return j, j+n
def children(t):
    s, e = parse(t, 0); out = []
    while s < e: _, end = parse(t, s); out.append(t[s:end]); s = end
    return out
def der(path): return ssl.PEM_cert_to_DER_cert(open(path).read())
def tbs_fields(d):
    f = children(children(d)[0])
    return f if f[0][0] == 0xa0 else [None] + f
def ids(path):
    f = tbs_fields(der(path)); san = ''
    if f[-1][0] == 0xa3:
        for e in children(children(f[-1])[0]):
            if children(e)[0] == oid('2.5.29.17'): san = e.hex()
    return {'subject': f[5].hex(), 'san': san}
def make(ca_crt, ca_key, leaf_key, out):
    U8, PS, T61, BMP = 0x0c, 0x13, 0x14, 0x1e
    atv = lambda o, tag, v: seq(oid(o), tlv(tag, v))
    rdn = lambda *a: tlv(0x31, b''.join(a))
    subject = seq(
        rdn(atv('2.5.4.6', PS, b'US')),
        rdn(atv('2.5.4.10', PS, b'dev')),
        rdn(atv('2.5.4.10', T61, b'ops')),
        # Two OUs in one RDN, out of DER's SET OF order (the longer first).
        rdn(atv('2.5.4.11', BMP, 'équipe'.encode('utf-16-be')), atv('2.5.4.11', U8, b'a')),
        rdn(atv('2.5.4.3', U8, b'first-cn')),
        rdn(atv('1.3.6.1.4.1.57683.2', U8, b'uid-1')),
        rdn(atv('2.5.4.3', PS, b'jane')),
    )
    san = seq(tlv(0x82, b'Node-1.Example.COM'), tlv(0x87, bytes(10) + b'\xff\xff\x0a\x00\x00\x01'),
              tlv(0x86, b'spiffe://cluster.local/ns/a/sa/b'), tlv(0x81, b'Jane@Example.com'))
    ca = x509.load_der_x509_certificate(der(ca_crt))
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    ext = lambda o, crit, v: seq(oid(o), *([tlv(1, b'\xff')] if crit else []), tlv(4, v))
    exts = seq(
        ext('2.5.29.15', True, tlv(3, b'\x07\x80')),
        ext('2.5.29.37', False, seq(oid('1.3.6.1.5.5.7.3.2'))),
        ext('2.5.29.19', True, seq()),
        ext('2.5.29.35', False, seq(tlv(0x80, ski))),
        ext('2.5.29.17', True, san),
    )
    cakey = S.load_pem_private_key(open(ca_key, 'rb').read(), None)
    leaf = S.load_pem_private_key(open(leaf_key, 'rb').read(), None)
    spki = leaf.public_key().public_bytes(S.Encoding.DER, S.PublicFormat.SubjectPublicKeyInfo)
    if isinstance(cakey, rsa.RSAPrivateKey):
        alg = seq(oid('1.2.840.113549.1.1.11'), b'\x05\x00')
        sign = lambda m: cakey.sign(m, padding.PKCS1v15(), hashes.SHA256())
    else:
        alg = seq(oid('1.2.840.10045.4.3.2'))
        sign = lambda m: cakey.sign(m, ec.ECDSA(hashes.SHA256()))
    now = datetime.datetime.now(datetime.timezone.utc)
    t = lambda d: tlv(0x17, d.strftime('%y%m%d%H%M%SZ').encode())
    serial = tlv(2, b'\x01' + secrets.token_bytes(15))
    tbs = seq(tlv(0xa0, tlv(2, b'\x02')), serial, alg, tbs_fields(der(ca_crt))[5],
              seq(t(now - datetime.timedelta(hours=1)), t(now + datetime.timedelta(days=30))),
              subject, spki, tlv(0xa3, exts))
    cert = seq(tbs, alg, tlv(3, b'\x00' + sign(tbs)))
    open(out, 'w').write(ssl.DER_cert_to_PEM_cert(cert))
if sys.argv[1] == 'make': make(*sys.argv[2:6])
else: print(json.dumps(ids(sys.argv[2])))
"#;

fn odd_identity_script() -> String {
    format!("{}{ODD_IDENTITY}", crate::csr::DER_BUILDER)
}

/// Replace `cert` by the certificate [`ODD_IDENTITY`] makes for `key`, signed by `ca`
/// (`ca.crt` with its key `ca.key` beside it).
pub fn odd_identity_cert(ca: &Path, key: &Path, cert: &Path) {
    let ca_key = ca.with_extension("key");
    let args = [ca, &ca_key, key, cert].map(|p| p.display().to_string());
    let mut all = vec!["make"];
    all.extend(args.iter().map(String::as_str));
    python(&odd_identity_script(), &all);
}

/// What a certificate says of who it is: its subject Name and subjectAltName extension as
/// written (Python, from the DER), and what kube-apiserver's x509 authenticator makes of
/// it against `ca` (tests/go/x509check: authenticated, user, uid, groups; not the
/// credential id, which names the certificate's bytes).
pub fn identity_written(ca: &Path, cert: &Path) -> serde_json::Value {
    let cert_s = cert.display().to_string();
    let bytes: serde_json::Value =
        serde_json::from_str(&python(&odd_identity_script(), &["ids", &cert_s])).expect("ids JSON");
    let go = go_x509check(ca, cert);
    serde_json::json!({
        "subject": bytes["subject"],
        "san": bytes["san"],
        "authenticated": go["authenticated"],
        "user": go["user"],
        "uid": go["uid"],
        "groups": go["groups"],
        "error": go["error"],
    })
}

/// A `kcred bootstrap` tree `k` (ECDSA keys) whose `pki/apiserver-kubelet-client.crt` is
/// the [`ODD_IDENTITY`] certificate for its key, signed by `pki/ca.crt`; returns that file
/// and its [`identity_written`] (checked: Go reads user jane, UID uid-1, groups dev, ops).
pub fn odd_identity_tree(env: &Env) -> (PathBuf, serde_json::Value) {
    env.ok(&[
        "bootstrap",
        "--dir",
        "k",
        "--node",
        "cp-1",
        "--key-type",
        "ecdsa-p256",
    ]);
    let pki = env.path("k/pki");
    let (ca, cert) = (pki.join("ca.crt"), pki.join("apiserver-kubelet-client.crt"));
    odd_identity_cert(&ca, &pki.join("apiserver-kubelet-client.key"), &cert);
    let before = identity_written(&ca, &cert);
    assert_eq!(
        (&before["user"], &before["uid"], &before["groups"]),
        (
            &serde_json::json!("jane"),
            &serde_json::json!("uid-1"),
            &serde_json::json!(["dev", "ops"])
        ),
        "{before}"
    );
    (cert, before)
}

/// The JSON the Go x509 checker prints for `cert` against `ca`.
pub fn go_x509check(ca: &Path, cert: &Path) -> serde_json::Value {
    let out = run_peer(
        Command::new(go_tool("x509check"))
            .arg("-ca")
            .arg(ca)
            .arg("-cert")
            .arg(cert),
    );
    serde_json::from_str(&out).expect("x509check JSON")
}

/// Run tests/go/tokencheck (kube-apiserver's ServiceAccount token rules in Go) on `token`
/// with `key` (PEM public keys, relative to `dir`); `extra` are more flags
/// (`-issuer`, `-audience`, `-time`).
pub fn go_tokencheck(dir: &Path, key: &str, token: &str, extra: &[&str]) -> serde_json::Value {
    use std::io::Write as _;
    let mut child = Command::new(go_tool("tokencheck"))
        .current_dir(dir)
        .arg("-key")
        .arg(key)
        .args(extra)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run tokencheck");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(token.as_bytes())
        .expect("write token");
    let out = child.wait_with_output().expect("tokencheck");
    assert!(out.status.success(), "tokencheck failed");
    serde_json::from_slice(&out.stdout).expect("tokencheck JSON")
}

/// Client identities as kube-apiserver's x509 authenticator reads them
/// (`k8s.io/apiserver/pkg/authentication/request/x509/x509.go`, `CommonNameUserConversion`:
/// CN the user, every O a group): (name, `cert issue` flags, the user and groups Go must
/// report). The last case has the groups `dev, ops`, `équipe-α` and then `more_groups`.
pub fn identity_cases(
    more_groups: &[&'static str],
) -> Vec<(&'static str, Vec<&'static str>, serde_json::Value)> {
    let mut multi = vec![
        "--cn",
        "jane@example.com",
        "--group",
        "dev, ops",
        "--group",
        "équipe-α",
    ];
    let mut groups = vec!["dev, ops", "équipe-α"];
    for g in more_groups {
        multi.extend(["--group", g]);
        groups.push(g);
    }
    vec![
        (
            "admin",
            vec!["--admin"],
            serde_json::json!({"user": "admin", "groups": ["system:masters"]}),
        ),
        (
            "node",
            vec!["--node", "worker-7"],
            serde_json::json!({"user": "system:node:worker-7", "groups": ["system:nodes"]}),
        ),
        (
            "multi",
            multi,
            serde_json::json!({"user": "jane@example.com", "groups": groups}),
        ),
    ]
}

/// Go's crypto/x509 (tests/go/x509check) authenticates `cert` against `ca` as `want`'s user
/// and groups; returns its whole answer.
pub fn assert_go_identity(
    ca: &Path,
    cert: &Path,
    want: &serde_json::Value,
    what: &str,
) -> serde_json::Value {
    let got = go_x509check(ca, cert);
    assert_eq!(got["authenticated"], true, "{what}: {got}");
    assert_eq!(got["user"], want["user"], "{what}");
    assert_eq!(got["groups"], want["groups"], "{what}");
    got
}

/// The `(a, b)` string fields of each object of a JSON list, in order (a report's rows).
pub fn field_pairs(list: &serde_json::Value, a: &str, b: &str) -> Vec<(String, String)> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|o| {
            let field = |k: &str| {
                o[k].as_str()
                    .unwrap_or_else(|| panic!("{k}: {o}"))
                    .to_string()
            };
            (field(a), field(b))
        })
        .collect()
}

/// The permission bits of `path` (`0o600` for a key).
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every file under `dir` with its bytes.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

/// Copy a directory tree with `cp -a` (modes kept: keys stay 0600); `to` must not exist.
pub fn copy_tree(from: &Path, to: &Path) {
    let ok = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap_or_else(|e| panic!("cp -a {}: {e}", from.display()))
        .success();
    assert!(ok, "cp -a {} {}", from.display(), to.display());
}

/// SIGKILL of a kcred run at a random point: an xorshift stream from a printed seed, and a
/// window that starts at an uninterrupted run's length and halves after each kill that came
/// too late (so that a loaded machine still lands kills instead of failing on timing).
pub struct RandomKill {
    pub seed: u64,
    rng: u64,
    window_ms: u64,
}

impl RandomKill {
    pub fn new(run_ms: u64) -> RandomKill {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        RandomKill {
            seed,
            rng: seed | 1,
            window_ms: run_ms.max(1),
        }
    }

    /// A new window (another command's run length), keeping the random stream.
    pub fn window(&mut self, run_ms: u64) {
        self.window_ms = run_ms.max(1);
    }

    /// Start `kcred ARGS`, kill it after a random delay inside the window; true when the
    /// kill landed (the run had not ended).
    pub fn kill_during(&mut self, args: &[&str]) -> bool {
        use std::os::unix::process::ExitStatusExt as _;
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let mut child = Command::new(env!("CARGO_BIN_EXE_kcred"))
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn kcred");
        std::thread::sleep(std::time::Duration::from_millis(self.rng % self.window_ms));
        let _ = child.kill();
        let landed = child.wait().expect("wait for kcred").signal() == Some(9);
        if !landed {
            self.window_ms = (self.window_ms / 2).max(1);
        }
        landed
    }
}
