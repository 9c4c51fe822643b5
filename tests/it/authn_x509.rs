//! Differential test of kcred's client-certificate authenticator against Go's crypto/x509,
//! the verifier kube-apiserver runs (tests/go/x509check). The corpus is made by Python
//! `cryptography` and the openssl CLI (`x509_corpus.py`): key algorithms, every EKU
//! nesting, expiry of each link, intermediates present and missing, several CAs, path
//! lengths, v1 and CA:TRUE leaves, unknown critical extensions, unusual names and name
//! constraints. For every case kcred must agree with Go on accept/reject, on the identity
//! when accepted and on Go's error text when rejected.

use std::path::Path;
use std::process::Command;

use jiff::Timestamp;
use kcred::authn::{self, RejectionKind};
use serde_json::{Value, json};

use crate::common::{Env, go_tool, python, run_peer};

const CORPUS: &str = include_str!("x509_corpus.py");

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
        let name = case["name"].as_str().unwrap();
        let (ca, chain, time) = (
            case["ca"].as_str().unwrap(),
            case["chain"].as_str().unwrap(),
            case["time"].as_str().unwrap(),
        );
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
