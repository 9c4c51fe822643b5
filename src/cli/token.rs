//! `kcred token issue` and `kcred decode-token`: glue between the command line and
//! `kcred::token`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use jiff::{SignedDuration, Timestamp};
use kcred::output::{self, go_list, sanitize};
use kcred::token::claims::ObjectRef;
use kcred::token::mint::{self, Binding, BoundRequest, TokenSigner};
use kcred::token::verify::{self, DecodedToken, KubernetesReading};
use kcred::token::{self, TokenTrust, jwks};
use serde::Serialize;
use serde_json::{Map, Value};

use super::args::{load_key, parse_duration};
use crate::exit_codes::ExitStatus;

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum TokenCommand {
    /// Mint a ServiceAccount token exactly as kube-apiserver's TokenRequest would (or, with
    /// --legacy, an old secret-based token). Prints the bare token.
    Issue(Box<IssueArgs>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "PascalCase")]
enum BoundKind {
    Pod,
    Secret,
    Node,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum IssueOutput {
    /// The token and a newline.
    Raw,
    /// The authentication.k8s.io/v1 TokenRequest, as `kubectl create token -o json` prints it.
    Json,
    /// The same TokenRequest in YAML.
    Yaml,
    /// kcred's own view: the token with its JWT header and claims.
    Decoded,
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The ServiceAccount's name.
    #[arg(value_name = "SERVICEACCOUNT")]
    service_account: String,
    /// The ServiceAccount's namespace.
    #[arg(short = 'n', long, value_name = "NAMESPACE", default_value = "default")]
    namespace: String,
    /// The signing key (sa.key: PKCS#1, SEC1 or PKCS#8; RSA or ECDSA).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The ServiceAccount's UID (default: a random UUID).
    #[arg(long, value_name = "UID", value_parser = live_uid)]
    uid: Option<String>,
    /// The issuer (kube-apiserver's first --service-account-issuer).
    #[arg(long, value_name = "URL", default_value = token::DEFAULT_ISSUER)]
    issuer: String,
    /// An audience; repeatable (default: the issuer).
    #[arg(long = "audience", value_name = "A")]
    audiences: Vec<String>,
    /// Lifetime, at least 10m (Go style 1h, or 30d). A Pod-bound 3607s token for the
    /// default audience gets the API server's kubelet extension (1 year, warnafter).
    #[arg(long, value_name = "D", default_value = "1h", value_parser = parse_duration)]
    duration: SignedDuration,
    /// Bind the token to an object.
    #[arg(long, value_name = "Pod|Secret|Node", requires_all = ["bound_object_name", "bound_object_uid"])]
    bound_object_kind: Option<BoundKind>,
    /// The bound object's name.
    #[arg(long, value_name = "NAME", requires = "bound_object_kind")]
    bound_object_name: Option<String>,
    /// The bound object's UID.
    #[arg(long, value_name = "UID", requires = "bound_object_kind", value_parser = live_uid)]
    bound_object_uid: Option<String>,
    /// The bound pod's node (with --bound-object-kind Pod).
    #[arg(long, value_name = "NAME", requires = "node_uid")]
    node_name: Option<String>,
    /// The bound pod's node UID.
    #[arg(long, value_name = "UID", requires = "node_name", value_parser = live_uid)]
    node_uid: Option<String>,
    /// Mint a legacy secret-based token (iss kubernetes/serviceaccount, no exp, no aud).
    #[arg(long, conflicts_with_all = ["audiences", "bound_object_kind", "node_name", "issuer", "duration"])]
    legacy: bool,
    /// The legacy token's secret (default: SERVICEACCOUNT-token-xxxxx).
    #[arg(long, value_name = "NAME", requires = "legacy")]
    secret_name: Option<String>,
    /// raw: the token and a newline; json or yaml: the TokenRequest (authentication.k8s.io/v1)
    /// `kubectl create token -o json` prints (.status.token, .status.expirationTimestamp);
    /// decoded: the token with its JWT header and claims.
    #[arg(
        short = 'o',
        long,
        value_name = "raw|json|yaml|decoded",
        default_value = "raw"
    )]
    output: IssueOutput,
}

pub fn run(cmd: TokenCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        TokenCommand::Issue(a) => issue(*a),
    }
}

#[derive(Serialize)]
struct Issued<'a> {
    token: &'a str,
    header: Value,
    claims: Value,
}

/// The TokenRequest kube-apiserver answers and `kubectl create token -o json` prints
/// (kubectl `pkg/cmd/create/create_token.go` Run prints the server's response object):
/// `pkg/registry/core/serviceaccount/storage/token.go` (TokenREST.Create) fills metadata
/// name, namespace and uid from the ServiceAccount, creationTimestamp with the time the token
/// is made, the audiences (the API audiences when none were asked for), and status with the
/// token and expirationTimestamp = that time + spec.expirationSeconds (not the token's exp,
/// which the kubelet extension may push out). Field order and nulls as Go's encoding/json
/// writes `authentication/v1` TokenRequest: TypeMeta's kind first, `boundObjectRef: null`
/// when unbound (the field has no omitempty), BoundObjectReference's fields omitempty.
fn token_request(
    namespace: &str,
    name: &str,
    uid: &str,
    expiration_seconds: i64,
    bound: Option<(BoundKind, &str, &str)>,
    token: &str,
    claims: &Value,
) -> anyhow::Result<Value> {
    let iat = claims["iat"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("minted claims without iat"))?;
    let created = Timestamp::from_second(iat)?;
    let expires = Timestamp::from_second(iat + expiration_seconds)?;
    let audiences = match &claims["aud"] {
        Value::Array(a) => Value::Array(a.clone()),
        Value::String(s) => Value::Array(vec![Value::String(s.clone())]),
        _ => Value::Array(vec![]),
    };
    let bound_ref = match bound {
        None => Value::Null,
        Some((kind, obj_name, obj_uid)) => {
            let kind = match kind {
                BoundKind::Pod => "Pod",
                BoundKind::Secret => "Secret",
                BoundKind::Node => "Node",
            };
            let mut m = Map::new();
            m.insert("kind".into(), kind.into());
            // kubectl create_token.go boundObjectKindToAPIVersions: all three are core "v1".
            m.insert("apiVersion".into(), "v1".into());
            if !obj_name.is_empty() {
                m.insert("name".into(), obj_name.into());
            }
            if !obj_uid.is_empty() {
                m.insert("uid".into(), obj_uid.into());
            }
            Value::Object(m)
        }
    };
    Ok(serde_json::json!({
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "creationTimestamp": created.to_string(),
        },
        "spec": {
            "audiences": audiences,
            "expirationSeconds": expiration_seconds,
            "boundObjectRef": bound_ref,
        },
        "status": {
            "token": token,
            "expirationTimestamp": expires.to_string(),
        },
    }))
}

fn issue(a: IssueArgs) -> anyhow::Result<ExitStatus> {
    if a.legacy && matches!(a.output, IssueOutput::Json | IssueOutput::Yaml) {
        return Err(kcred::Error::Usage(
            "a --legacy token has no TokenRequest (it lives in a Secret): use -o raw or -o decoded"
                .into(),
        )
        .into());
    }
    let uid = match &a.uid {
        Some(u) => u.clone(),
        None => mint::uuid_v4()?,
    };
    // Validate names before reading the key, so usage errors come first.
    let claims = issue_claims(&a, &uid)?;
    let key = load_key(&a.key)?;
    let signer = TokenSigner::new(&key).map_err(|e| match e {
        kcred::Error::Usage(m) => kcred::Error::input(kcred::fsio::display(&a.key), m),
        other => other,
    })?;
    let token = signer.sign(&claims)?;
    render_issued(&a, &uid, &signer, &token, claims)?;
    Ok(ExitStatus::Success)
}

/// The claims to sign: a legacy Secret-based token's, or a TokenRequest's (validated as the
/// API server validates the request).
fn issue_claims(a: &IssueArgs, uid: &str) -> anyhow::Result<Value> {
    if a.legacy {
        let secret = match &a.secret_name {
            Some(s) => s.clone(),
            None => mint::legacy_secret_name(&a.service_account)?,
        };
        return Ok(serde_json::to_value(mint::legacy_claims(
            &a.namespace,
            &a.service_account,
            uid,
            &secret,
        )?)?);
    }
    let r = |n: Option<String>, u: Option<String>| {
        ObjectRef::new(n.unwrap_or_default(), u.unwrap_or_default())
    };
    let binding = a.bound_object_kind.map(|k| {
        let o = r(a.bound_object_name.clone(), a.bound_object_uid.clone());
        match k {
            BoundKind::Pod => Binding::Pod(o),
            BoundKind::Secret => Binding::Secret(o),
            BoundKind::Node => Binding::Node(o),
        }
    });
    let req = BoundRequest {
        namespace: a.namespace.clone(),
        name: a.service_account.clone(),
        uid: uid.to_string(),
        issuer: a.issuer.clone(),
        audiences: a.audiences.clone(),
        lifetime: a.duration,
        binding,
        node: a.node_name.clone().map(|n| r(Some(n), a.node_uid.clone())),
    };
    req.validate()?;
    Ok(serde_json::to_value(
        req.claims(Timestamp::now(), mint::uuid_v4()?),
    )?)
}

/// The signed token as -o asks: raw, the TokenRequest kubectl prints (json, yaml), or the
/// token with its decoded header and claims.
fn render_issued(
    a: &IssueArgs,
    uid: &str,
    signer: &TokenSigner,
    token: &str,
    claims: Value,
) -> anyhow::Result<()> {
    match a.output {
        IssueOutput::Raw => super::emit(format!("{token}\n"))?,
        IssueOutput::Json | IssueOutput::Yaml => {
            let bound = a.bound_object_kind.map(|k| {
                (
                    k,
                    a.bound_object_name.clone().unwrap_or_default(),
                    a.bound_object_uid.clone().unwrap_or_default(),
                )
            });
            let object = token_request(
                &a.namespace,
                &a.service_account,
                uid,
                a.duration.as_secs(),
                bound.as_ref().map(|(k, n, u)| (*k, n.as_str(), u.as_str())),
                token,
                &claims,
            )?;
            super::emit(if a.output == IssueOutput::Json {
                output::json(&object)?
            } else {
                output::yaml(&object)?
            })?;
        }
        IssueOutput::Decoded => {
            let header = serde_json::json!({"alg": signer.alg().name(), "kid": signer.kid()});
            super::emit(output::json(&Issued {
                token,
                header,
                claims,
            })?)?;
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The token (a `Bearer ` prefix and whitespace are accepted), or - for stdin.
    #[arg(value_name = "TOKEN", conflicts_with = "token_file")]
    token: Option<String>,
    /// Read the token from a file.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Verify with these keys (as --service-account-key-file: PUBLIC KEY, private keys,
    /// certificates); repeatable.
    #[arg(long, value_name = "FILE")]
    key: Vec<PathBuf>,
    /// Verify with the keys of a JWKS document (/openid/v1/jwks).
    #[arg(long, value_name = "FILE")]
    jwks: Option<PathBuf>,
    /// Trusted issuer; repeatable (default: the standard issuer; legacy tokens'
    /// kubernetes/serviceaccount is always accepted).
    #[arg(long = "issuer", value_name = "URL")]
    issuers: Vec<String>,
    /// Accepted audiences, as kube-apiserver's --api-audiences: each value is one untrimmed
    /// CSV record ("a, b" is "a" and " b"); repeatable (default: every issuer, as the API
    /// server defaults it).
    #[arg(long = "audience", visible_alias = "api-audiences", value_name = "A,B", value_parser = super::args::parse_string_slice)]
    audiences: Vec<super::args::StringSlice>,
    #[command(flatten)]
    output: super::args::OutputArg,
}

#[derive(Serialize)]
struct Report<'a> {
    header: &'a Map<String, Value>,
    claims: &'a Map<String, Value>,
    verified: bool,
    /// verified | refused | not-this-authenticator | cannot-verify | not-checked
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    kubernetes: Option<Value>,
}

pub fn decode(a: DecodeArgs) -> anyhow::Result<ExitStatus> {
    let Some((source, text)) = token::read_token(
        a.token.as_deref(),
        a.token_file.as_deref(),
        "the token argument",
    )?
    else {
        return Err(kcred::Error::Usage(
            "give a token: as an argument, - for stdin, or --token-file FILE".into(),
        )
        .into());
    };
    let decoded = verify::decode(&source, &text)?;

    let keys = verification_keys(&a)?;
    let checking = !keys.is_empty();
    let now = Timestamp::now();
    let reading = verify::read_kubernetes(&decoded);
    let (verified, outcome, reason, kubernetes) = if checking {
        let mut audiences = super::args::string_slice_values(&a.audiences);
        if audiences.is_empty() {
            // authentication.go ToAuthenticationConfig: no --api-audiences means all issuers.
            audiences = a.issuers.clone();
        }
        let trust = TokenTrust::new(keys, a.issuers, audiences);
        checked(&decoded, &trust, now, reading.as_ref())?
    } else {
        (
            false,
            "not-checked",
            Some("signature NOT verified: no --key or --jwks given".to_string()),
            reading.as_ref().map(serde_json::to_value).transpose()?,
        )
    };
    let report = Report {
        header: &decoded.header,
        claims: &decoded.claims,
        verified,
        outcome,
        reason: reason.clone(),
        notes: &decoded.json_notes,
        kubernetes,
    };
    match output::structured(a.output.format, &report)? {
        Some(s) => super::emit(&s)?,
        None => super::emit(table(
            &decoded,
            reading.as_ref(),
            verified,
            reason.as_deref(),
            checking,
            now,
        ))?,
    }
    if checking && !verified {
        eprintln!(
            "kcred: verification failed: {}",
            sanitize(reason.as_deref().unwrap_or(""))
        );
        return Ok(ExitStatus::CheckFailed);
    }
    Ok(ExitStatus::Success)
}

/// The keys `--key` and `--jwks` give, in that order.
fn verification_keys(a: &DecodeArgs) -> anyhow::Result<Vec<token::VerificationKey>> {
    let mut keys = Vec::new();
    for p in &a.key {
        keys.extend(super::args::load_verification_keys_noting_der(p)?);
    }
    if let Some(p) = &a.jwks {
        let bytes = kcred::fsio::read(p)?;
        keys.extend(jwks::parse_jwk_set(&kcred::fsio::display(p), &bytes)?);
    }
    Ok(keys)
}

/// What `decode` says of a token: whether it is verified, the outcome word, the reason when
/// it is not, and the identity (the authenticated user, or what the API server would read).
type Verdict = (bool, &'static str, Option<String>, Option<Value>);

/// The ServiceAccount authenticators' verdict on a token, with the keys given.
fn checked(
    decoded: &DecodedToken,
    trust: &TokenTrust,
    now: Timestamp,
    reading: Option<&KubernetesReading>,
) -> anyhow::Result<Verdict> {
    Ok(match verify::authenticate_decoded(decoded, trust, now) {
        Ok(auth) => (true, "verified", None, Some(serde_json::to_value(&auth)?)),
        Err(r) => (
            false,
            match &r {
                _ if r.cannot_verify() => "cannot-verify",
                verify::Rejection::NotMine(_) => "not-this-authenticator",
                verify::Rejection::Invalid(_) => "refused",
            },
            Some(match &r {
                verify::Rejection::NotMine(why) => format!(
                    "the ServiceAccount authenticators do not take this token ({why}); the API server would try its other authenticators"
                ),
                other => other.reason().to_string(),
            }),
            reading.map(serde_json::to_value).transpose()?,
        ),
    })
}

/// `2026-11-24T10:41:25Z (expires in 59m)`.
fn when(secs: i64, now: Timestamp, future: &str, past: &str) -> String {
    let Ok(t) = Timestamp::from_second(secs) else {
        return secs.to_string();
    };
    let d = SignedDuration::from_secs(secs - now.as_second());
    // "now" reads as past ("0s ago"), except for an expiry, which is still ahead.
    let is_past = d.is_negative() || (d.is_zero() && !future.starts_with("expires"));
    let rel = if is_past {
        past.replace("{}", &kcred::duration::short_human(-d))
    } else {
        future.replace("{}", &kcred::duration::short_human(d))
    };
    format!("{t} ({rel})")
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        _ => out.push((prefix.to_string(), v.clone())),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) if a.iter().all(Value::is_string) => go_list(
            &a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect::<Vec<_>>(),
        ),
        other => other.to_string(),
    }
}

fn table(
    t: &DecodedToken,
    reading: Option<&KubernetesReading>,
    verified: bool,
    reason: Option<&str>,
    checking: bool,
    now: Timestamp,
) -> String {
    let mut rows = vec![vec!["FIELD".to_string(), "VALUE".to_string()]];
    for (k, v) in &t.header {
        rows.push(vec![format!("header.{k}"), show(v)]);
    }
    let mut flat = Vec::new();
    for (k, v) in &t.claims {
        flatten(k, v, &mut flat);
    }
    for (k, v) in flat {
        let value = match (k.as_str(), v.as_i64()) {
            ("exp", Some(s)) => when(s, now, "expires in {}", "expired {} ago"),
            ("iat" | "nbf" | "kubernetes.io.warnafter", Some(s)) => when(s, now, "in {}", "{} ago"),
            _ => show(&v),
        };
        rows.push(vec![k, value]);
    }
    if let Some(r) = reading {
        rows.push(vec![
            "Type".into(),
            match r.kind {
                verify::TokenKind::Bound => "bound ServiceAccount token".into(),
                verify::TokenKind::Legacy => "legacy secret-based ServiceAccount token".into(),
            },
        ]);
        rows.push(vec!["Username".into(), r.username.clone()]);
        if !r.uid.is_empty() {
            rows.push(vec!["UID".into(), r.uid.clone()]);
        }
        rows.push(vec!["Groups".into(), go_list(&r.groups)]);
        let extra: &BTreeMap<String, Vec<String>> = &r.extra;
        for (k, v) in extra {
            rows.push(vec![format!("Extra: {k}"), go_list(v)]);
        }
    }
    for n in &t.json_notes {
        rows.push(vec!["Note".into(), n.clone()]);
    }
    let sig = if verified {
        "verified".to_string()
    } else if checking {
        format!("REJECTED: {}", reason.unwrap_or(""))
    } else {
        "NOT verified (no --key or --jwks given)".to_string()
    };
    rows.push(vec!["Signature".into(), sig]);
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| r.into_iter().map(|c| sanitize(&c)).collect())
        .collect();
    output::table(&rows)
}

/// A UID a token can carry: the API server looks up the ServiceAccount (and a bound object
/// or node) and requires its UID to be the token's (`pkg/serviceaccount/claims.go`
/// `validator.Validate`, `legacy.go` for `serviceAccountUID`), and no live object has an
/// empty one, so such a token would never authenticate.
fn live_uid(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("empty: no live object has an empty UID, so the API server would never accept the token (pkg/serviceaccount/claims.go)".into());
    }
    Ok(s.to_string())
}
