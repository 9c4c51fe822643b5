//! Differential test of kcred's client-certificate authenticator against Go's crypto/x509,
//! the verifier kube-apiserver runs (tests/go/x509check). The corpus is made by Python
//! `cryptography` and the openssl CLI (`x509_corpus.py`): key algorithms, every EKU
//! nesting, expiry of each link, intermediates present and missing, several CAs, path
//! lengths, v1 and CA:TRUE leaves, unknown critical extensions, unusual names and name
//! constraints. For every case kcred must agree with Go on accept/reject, on the identity
//! when accepted and on Go's error text when rejected. A second corpus
//! (`x509_parse_corpus.py`, DER written by hand) holds certificates malformed in the ways
//! Go's `x509.ParseCertificate` refuses, at each position of a chain.

use std::path::Path;
use std::process::Command;

use jiff::Timestamp;
use kcred::authn::{self, RejectionKind};
use serde_json::{Value, json};

use crate::common::{Env, go_tool, python, run_peer};

const CORPUS: &str = include_str!("x509_corpus.py");
const PARSE_CORPUS: &str = include_str!("x509_parse_corpus.py");

fn go_check(ca: &str, chain: &str, time: &str) -> Value {
    let out = run_peer(
        Command::new(go_tool("x509check")).args(["-ca", ca, "-cert", chain, "-time", time]),
    );
    serde_json::from_str(&out).expect("x509check JSON")
}

/// kcred's answer in x509check's JSON shape.
fn kcred_check(ca: &str, chain: &str, time: &str) -> Value {
    let cas = authn::load_ca_bundle(Path::new(ca)).expect("CA bundle");
    // The presented chain is read without judging it: a certificate Go cannot parse is
    // the authenticator's answer, not a loading error.
    let text = std::fs::read(chain).expect("chain");
    let chain: Vec<Vec<u8>> = kcred::pem::parse_all(chain, &text)
        .expect("chain PEM")
        .iter()
        .map(|b| b.contents().to_vec())
        .collect();
    let now: Timestamp = time.parse().expect("time");
    match authn::authenticate_client_cert(&chain, &cas, now) {
        Ok(id) => json!({
            "authenticated": true,
            "user": id.user,
            "groups": id.groups,
            "extra": id.extra,
        }),
        Err(r) => {
            let error = match r.kind {
                RejectionKind::EmptyCommonName => "empty CN: not authenticated".to_string(),
                _ => r.reason.clone(),
            };
            // The API server's wording wraps Go's error with the leaf's identifier.
            if r.kind == RejectionKind::Verify {
                let shown = r.to_string();
                assert!(
                    shown.starts_with("verifying certificate SN=") && shown.ends_with(&r.reason),
                    "{shown}"
                );
            }
            json!({"authenticated": false, "groups": [], "error": error})
        }
    }
}

/// A manifest entry's name, CA bundle, presented chain and verification time.
fn case_fields(case: &Value) -> (&str, &str, &str, &str) {
    let field = |k: &str| case[k].as_str().unwrap();
    (field("name"), field("ca"), field("chain"), field("time"))
}

/// The corpus (tests/it/x509_corpus.py, Python cryptography) written to `corpus/` in the
/// scratch dir; returns that directory.
fn write_corpus(env: &Env) -> String {
    let dir = env.p("corpus");
    std::fs::create_dir_all(&dir).unwrap();
    python(CORPUS, &[&dir]);
    dir
}

#[test]
fn kcred_agrees_with_go_crypto_x509_on_the_whole_corpus() {
    let env = Env::new();
    write_corpus(&env);
    let manifest: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(env.path("corpus/manifest.json")).unwrap())
            .unwrap();
    assert!(manifest.len() >= 40, "corpus too small: {}", manifest.len());

    let mut disagreements = vec![];
    let mut accepted = 0;
    for case in &manifest {
        let (name, ca, chain, time) = case_fields(case);
        let mut go = go_check(ca, chain, time);
        if go["groups"].is_null() {
            go["groups"] = json!([]);
        }
        let ours = kcred_check(ca, chain, time);
        if go != ours {
            disagreements.push(format!(
                "{name} ({}):\n  go:    {go}\n  kcred: {ours}",
                case["note"]
            ));
        }
        // The case names state what the corpus means to exercise; Go confirms each.
        let go_ok = go["authenticated"] == json!(true);
        if name.starts_with("ok-") || name.starts_with("openssl-ok-") {
            assert!(go_ok, "{name}: Go rejects a case meant to pass: {go}");
        }
        if name.contains("reject-") || name == "empty-cn" {
            assert!(!go_ok, "{name}: Go accepts a case meant to fail: {go}");
        }
        accepted += usize::from(go_ok);
    }
    assert!(
        disagreements.is_empty(),
        "kcred disagrees with Go's crypto/x509 on {} of {} cases:\n{}",
        disagreements.len(),
        manifest.len(),
        disagreements.join("\n")
    );
    assert!(
        accepted >= 15 && manifest.len() - accepted >= 15,
        "{accepted} accepted"
    );
}

/// A few answers spelled out, so the corpus cannot drift into agreeing on nonsense.
#[test]
fn go_and_kcred_reasons_read_as_the_api_server_logs_them() {
    let env = Env::new();
    let dir = write_corpus(&env);
    let check = |case: &str| {
        kcred_check(
            &format!("{dir}/{case}.ca.pem"),
            &format!("{dir}/{case}.chain.pem"),
            "2026-06-01T12:00:00Z",
        )
    };
    let r = check("reject-root-expired");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .starts_with("x509: certificate has expired or is not yet valid: current time 2026-06-01T12:00:00Z is after 2026-05-31T12:00:00Z"),
        "{r}"
    );
    assert_eq!(
        check("reject-root-serverauth-only")["error"],
        "x509: certificate specifies an incompatible key usage"
    );
    assert_eq!(
        check("reject-wrong-ca")["error"],
        "x509: certificate signed by unknown authority"
    );
    let ok = check("ok-utf8-names");
    assert_eq!(ok["user"], "José Ångström");
    assert_eq!(
        ok["groups"],
        json!(["dev, ops", "équipe-α", "system:masters"])
    );
    let cred = ok["extra"]["authentication.kubernetes.io/credential-id"][0]
        .as_str()
        .unwrap();
    assert!(
        cred.starts_with("X509SHA256=") && cred.len() == 11 + 64,
        "{cred}"
    );
}

/// Go's answer for a case, or `Err` with Go's error when it cannot load the CA bundle
/// (x509check exits 2: kube-apiserver would not start with that `--client-ca-file`).
fn go_check_or_bundle_error(ca: &str, chain: &str, time: &str) -> Result<Value, String> {
    let out = Command::new(go_tool("x509check"))
        .args(["-ca", ca, "-cert", chain, "-time", time])
        .output()
        .expect("run x509check");
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    match out.status.code() {
        Some(0) => {
            let mut go: Value = serde_json::from_slice(&out.stdout).expect("x509check JSON");
            if go["groups"].is_null() {
                go["groups"] = json!([]);
            }
            Ok(go)
        }
        Some(2) => Err(stderr),
        other => panic!("x509check -ca {ca} -cert {chain} exited {other:?}: {stderr}"),
    }
}

/// Certificates Go's parser (crypto/x509/parser.go) refuses, or accepts where a lax parser
/// would not, each at the leaf, the intermediate or the root (`x509_parse_corpus.py`):
/// kcred must give Go's answer, in Go's words; a root Go cannot parse must make kcred's
/// CA bundle fail to load, as it makes kube-apiserver fail to start.
#[test]
fn kcred_refuses_what_go_parser_refuses() {
    let env = Env::new();
    let dir = env.p("parse-corpus");
    std::fs::create_dir_all(&dir).unwrap();
    python(PARSE_CORPUS, &[&dir]);
    let manifest: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(env.path("parse-corpus/manifest.json")).unwrap(),
    )
    .unwrap();

    let mut disagreements = vec![];
    let (mut accepted, mut bundle_refused, mut cannot_evaluate, mut divergent) = (0, 0, 0, 0);
    for case in &manifest {
        let (name, ca, chain, time) = case_fields(case);
        let go = go_check_or_bundle_error(ca, chain, time);
        let go_ok = go.as_ref().is_ok_and(|g| g["authenticated"] == json!(true));
        // `cert inspect` shows the identity Go's authenticator reads from the leaf.
        if let Some(g) = go
            .as_ref()
            .ok()
            .filter(|_| go_ok && name.starts_with("ok-"))
        {
            let shown: Value =
                serde_json::from_str(&env.ok(&["cert", "inspect", chain, "-o", "json"])).unwrap();
            assert_eq!(
                shown[0]["kubernetes"]["user"], g["user"],
                "{name}: cert inspect names another user than Go"
            );
        }
        // The case names state what the corpus means to exercise; Go confirms each.
        if name.starts_with("ok-") {
            assert!(go_ok, "{name}: Go rejects a case meant to pass: {go:?}");
        }
        if name.starts_with("reject-") {
            assert!(!go_ok, "{name}: Go accepts a case meant to fail: {go:?}");
        }
        accepted += usize::from(go_ok);
        // kcred's answer: `Err` when it refuses to load the CA bundle.
        let ours = match authn::load_ca_bundle(Path::new(ca)) {
            Err(e) => Err(e.to_string()),
            Ok(_) => Ok(kcred_check(ca, chain, time)),
        };
        let mut disagree = |what: String| {
            disagreements.push(format!("{name} ({}):\n  {what}", case["note"]));
        };

        if name.starts_with("cannot-evaluate-") {
            // What kcred cannot judge as Go would (a P-224 key, an ML-DSA key, a URI only
            // Go's url.Parse can judge, an RSA-1024 CA signing with SHA-384 or PSS), it
            // refuses to judge, whatever Go answers: it never claims an answer it cannot
            // stand behind. That holds for a root too (kcred loads the bundle; Go may not).
            cannot_evaluate += 1;
            let said = ours.as_ref().ok().and_then(|o| o["error"].as_str());
            if !said.is_some_and(|s| s.contains("kcred cannot evaluate")) {
                disagree(format!("kcred must say it cannot evaluate this: {ours:?}"));
            }
            continue;
        }
        if name == "known-divergence-tbs-trailing-element" {
            // Known divergence: Go's parseCertificate (crypto/x509/parser.go) never checks
            // that the TBSCertificate is read to its end, so it ignores an element after
            // the extensions; x509-parser, which kcred reads fields with, refuses it. kcred
            // refusing what the API server accepts is the safe side; accepting it would
            // not be, so this must stay a rejection.
            divergent += 1;
            assert!(
                go_ok,
                "{name}: Go now refuses it: make it a plain case: {go:?}"
            );
            if ours
                .as_ref()
                .is_ok_and(|o| o["authenticated"] != json!(false))
            {
                disagree(format!("kcred must refuse it: {ours:?}"));
            }
            continue;
        }
        match (go, ours) {
            (Err(go_error), Err(e)) if e.contains(&go_error) => bundle_refused += 1,
            (Err(go_error), ours) => disagree(format!(
                "go cannot load the bundle: {go_error}\n  kcred: {ours:?}"
            )),
            (Ok(go), Ok(ours)) if go == ours => {}
            (Ok(go), ours) => disagree(format!("go:    {go}\n  kcred: {ours:?}")),
        }
    }
    assert!(
        disagreements.is_empty(),
        "kcred disagrees with Go's crypto/x509 on {} of {} parsing cases:\n{}",
        disagreements.len(),
        manifest.len(),
        disagreements.join("\n")
    );
    // Every kind of case is there: none can be lost without this failing.
    assert!(manifest.len() >= 85, "corpus too small: {}", manifest.len());
    assert!(
        accepted >= 9 && bundle_refused >= 20 && cannot_evaluate >= 8 && divergent == 1,
        "{accepted} accepted by Go, {bundle_refused} bundles Go cannot load, {cannot_evaluate} kcred cannot evaluate, {divergent} known divergences"
    );
}
