//! The adversarial ServiceAccount token corpus (tests/it/token_adversarial.py), decided twice:
//! by tests/go/tokencheck, which parses and verifies with go-jose v2 (the library kube-apiserver
//! links) and re-states kube-apiserver's rules around it, and by `kcred decode-token`. Each case
//! carries the answer the upstream source gives (file and function in the case's `why`):
//! accepted as a username, refused (a 401), or a key file that stops kube-apiserver from
//! starting. Both must give that answer.

use serde_json::Value;

use crate::common::{Env, go_tokencheck, python};

const CORPUS: &str = include_str!("token_adversarial.py");

struct Case {
    name: String,
    token: String,
    key: String,
    issuer: String,
    audience: String,
    expect: String,
    why: String,
    /// A word kcred's reason must use (decode-token), if any.
    say: Option<String>,
}

/// Generate the corpus (keys and tokens) into the scratch directory.
fn corpus(env: &Env) -> Vec<Case> {
    let out = python(CORPUS, &[&env.p("")]);
    let cases: Vec<Value> = serde_json::from_str(&out).expect("corpus JSON");
    let s = |c: &Value, k: &str| c[k].as_str().unwrap().to_string();
    let list = |c: &Value, k: &str| {
        c[k].as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(",")
    };
    cases
        .iter()
        .map(|c| Case {
            name: s(c, "name"),
            token: s(c, "token"),
            key: s(c, "key"),
            issuer: list(c, "issuer"),
            audience: list(c, "audience"),
            expect: s(c, "expect"),
            why: s(c, "why"),
            say: c["say"].as_str().map(String::from),
        })
        .collect()
}

/// The Go checker's verdict, in the corpus's words.
fn go_verdict(env: &Env, c: &Case) -> (String, Value) {
    let got = go_tokencheck(
        env.dir.path(),
        &c.key,
        &c.token,
        &["-issuer", &c.issuer, "-audience", &c.audience],
    );
    let verdict = if got["keyError"].is_string() {
        "keyfile".to_string()
    } else if got["authenticated"] == true {
        format!("accept:{}", got["user"].as_str().unwrap_or(""))
    } else {
        "reject".to_string()
    };
    (verdict, got)
}

/// How kcred is asked: `decode-token` or `whoami`, with the token as a file (its exact bytes),
/// the case's key file, issuer and audiences.
#[derive(Clone, Copy)]
enum Ask {
    DecodeToken,
    Whoami,
}

/// kcred's verdict. Exit 0: accepted as the username it names (decode-token: `verified`, whoami:
/// the TokenReview-shaped `status.userInfo`); exit 1: refused; exit 3 naming the key file: the
/// key file is unusable; exit 3 otherwise: the token was refused as unreadable.
fn kcred_verdict(env: &Env, c: &Case, ask: Ask) -> (String, String) {
    let file = format!("tok-{}", c.name);
    std::fs::write(env.path(&file), &c.token).unwrap();
    let mut args: Vec<&str> = Vec::new();
    match ask {
        Ask::DecodeToken => {
            args.extend(["decode-token", "--token-file", &file, "--key", &c.key]);
            for i in c.issuer.split(',') {
                args.extend(["--issuer", i]);
            }
            for a in c.audience.split(',') {
                args.extend(["--audience", a]);
            }
        }
        Ask::Whoami => {
            args.extend(["whoami", "--token-file", &file]);
            args.extend(["--service-account-key-file", &c.key]);
            for i in c.issuer.split(',') {
                args.extend(["--service-account-issuer", i]);
            }
            args.extend(["--api-audiences", &c.audience]);
        }
    }
    args.extend(["-o", "json"]);
    let out = env.kcred().args(&args).output().expect("run kcred");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str::<Value>(&stdout).unwrap_or(Value::Null);
    // What kcred said, in one line: its verdict and reason, or its error.
    let said = format!(
        "exit {:?} {} {}",
        out.status.code(),
        match ask {
            Ask::DecodeToken => format!("verified={} reason={}", json["verified"], json["reason"]),
            Ask::Whoami => json["status"].to_string(),
        },
        stderr.lines().next().unwrap_or("")
    );
    if stderr.contains("panicked") {
        return ("panic".into(), said);
    }
    let username = match ask {
        Ask::DecodeToken if json["verified"] == true => json["kubernetes"]["username"].as_str(),
        Ask::DecodeToken => None,
        Ask::Whoami => json["status"]["userInfo"]["username"].as_str(),
    };
    let verdict = match out.status.code() {
        Some(0) => match username {
            Some(u) => format!("accept:{u}"),
            None => "exit 0 without an authenticated user".into(),
        },
        Some(1) => "reject".into(),
        Some(3) if stderr.contains(&c.key) => "keyfile".into(),
        Some(3) => "reject".into(),
        other => format!("exit {other:?}"),
    };
    (verdict, said)
}

/// Every case kcred answers otherwise than the corpus says, one line each.
fn kcred_disagreements(ask: Ask) -> (usize, Vec<String>) {
    let env = Env::new();
    let cases = corpus(&env);
    let mut wrong = Vec::new();
    for c in &cases {
        let (verdict, said) = kcred_verdict(&env, c, ask);
        if verdict != c.expect {
            wrong.push(format!(
                "{}: expected {} ({}), kcred says {verdict}: {said}",
                c.name, c.expect, c.why
            ));
        } else if let (Ask::DecodeToken, Some(word)) = (ask, &c.say) {
            // An unsupported algorithm is no evidence of a forged signature: say which it is.
            if !said.contains(word.as_str()) || said.contains("invalid signature") {
                wrong.push(format!(
                    "{}: kcred refuses it, but its reason should say {word:?} (and not \"invalid signature\"): {said}",
                    c.name
                ));
            }
        }
    }
    (cases.len(), wrong)
}

/// go-jose itself (with kube-apiserver's rules re-stated around it) gives every case the
/// answer read from the source: the corpus's expectations are the API server's.
#[test]
fn go_jose_answers_every_adversarial_case_as_the_source_says() {
    let env = Env::new();
    let cases = corpus(&env);
    assert!(cases.len() > 100, "corpus too small: {}", cases.len());
    let mut wrong = Vec::new();
    for c in &cases {
        let (verdict, got) = go_verdict(&env, c);
        if verdict != c.expect {
            wrong.push(format!(
                "{}: expected {} ({}), go-jose says {verdict}: {got}",
                c.name, c.expect, c.why
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

/// Every case of the corpus answered by kcred (asked as `ask` says) as the API server does.
fn assert_kcred_agrees(ask: Ask) {
    let (n, wrong) = kcred_disagreements(ask);
    assert!(
        wrong.is_empty(),
        "{} of {n} cases:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// kcred answers each case as kube-apiserver does (and as go-jose did above): it never
/// authenticates what the API server refuses, never as another identity, and says when a key
/// file would stop the API server from starting.
#[test]
fn kcred_decode_token_answers_every_adversarial_case_as_the_api_server() {
    assert_kcred_agrees(Ask::DecodeToken);
}

/// The same corpus through `kcred whoami` with the API server's flags
/// (--service-account-key-file, --service-account-issuer, --api-audiences).
#[test]
fn kcred_whoami_answers_every_adversarial_case_as_the_api_server() {
    assert_kcred_agrees(Ask::Whoami);
}
