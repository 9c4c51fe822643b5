//! The review resources, answered as their REST storage answers a create
//! (`pkg/registry/authentication/{selfsubjectreview,tokenreview}/rest.go`,
//! `pkg/registry/authorization/{selfsubjectaccessreview,selfsubjectrulesreview,
//! subjectaccessreview}/rest.go`): the object sent comes back with `status` filled in and
//! `metadata.creationTimestamp` null (the reviews are never stored).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

use super::status::{self, Reply};
use crate::Identity;
use crate::authn::{Outcome, Request};
use crate::authz::review::{SelfSubjectRulesReview, SubjectAccessReview};
use crate::authz::{Attributes, Authorizer};

/// The review resources: (group, resource, kind).
pub const RESOURCES: &[(&str, &str, &str)] = &[
    (
        "authentication.k8s.io",
        "selfsubjectreviews",
        "SelfSubjectReview",
    ),
    ("authentication.k8s.io", "tokenreviews", "TokenReview"),
    (
        "authorization.k8s.io",
        "localsubjectaccessreviews",
        "LocalSubjectAccessReview",
    ),
    (
        "authorization.k8s.io",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
    ),
    (
        "authorization.k8s.io",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
    ),
    (
        "authorization.k8s.io",
        "subjectaccessreviews",
        "SubjectAccessReview",
    ),
];

/// The kind served at `group`/`resource`.
pub fn kind_of(group: &str, resource: &str) -> Option<&'static str> {
    RESOURCES
        .iter()
        .find(|(g, r, _)| *g == group && *r == resource)
        .map(|(_, _, k)| *k)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceAttributesIn {
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    verb: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    resource: String,
    #[serde(default)]
    subresource: String,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Default, Deserialize)]
struct NonResourceAttributesIn {
    #[serde(default)]
    path: String,
    #[serde(default)]
    verb: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SarSpecIn {
    resource_attributes: Option<ResourceAttributesIn>,
    non_resource_attributes: Option<NonResourceAttributesIn>,
    #[serde(default)]
    user: String,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    extra: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    uid: String,
}

#[derive(Debug, Default, Deserialize)]
struct TokenSpecIn {
    #[serde(default)]
    token: String,
    #[serde(default)]
    audiences: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RulesSpecIn {
    #[serde(default)]
    namespace: String,
}

/// The spec of `obj`, typed; a type error is the decoder's 400.
fn spec<T: for<'de> Deserialize<'de> + Default>(
    obj: &Value,
    kind: &str,
    api_version: &str,
) -> Result<T, Reply> {
    // serde's derived structs also read a JSON array, field by field; encoding/json refuses
    // one where a struct (or a map) belongs.
    let bad_request = |e: String| {
        status::bad_request(&format!(
            "{kind} in version {:?} cannot be handled as a {kind}: {e}",
            api_version.rsplit('/').next().unwrap_or(api_version)
        ))
    };
    let spec = obj.get("spec");
    let structs = spec.into_iter().chain(
        ["resourceAttributes", "nonResourceAttributes", "extra"]
            .iter()
            .filter_map(|k| spec.and_then(|s| s.get(*k))),
    );
    for v in structs {
        if !matches!(v, Value::Object(_) | Value::Null) {
            return Err(bad_request(format!(
                "json: cannot unmarshal {} into Go value of type struct",
                super::routes::go_json_type(v)
            )));
        }
    }
    match spec {
        None | Some(Value::Null) => Ok(T::default()),
        Some(s) => serde_json::from_value(s.clone()).map_err(|e| {
            status::bad_request(&format!(
                "{kind} in version {:?} cannot be handled as a {kind}: {e}",
                api_version.rsplit('/').next().unwrap_or(api_version)
            ))
        }),
    }
}

/// The answer: the object sent, typed by the URL, with `status`.
fn answer(mut obj: Value, kind: &str, api_version: &str, status_value: Value) -> Reply {
    obj["kind"] = json!(kind);
    obj["apiVersion"] = json!(api_version);
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    obj["metadata"]["creationTimestamp"] = Value::Null;
    obj["status"] = status_value;
    Reply {
        code: 201,
        body: obj,
    }
}

/// `helpers.go`, `ResourceAttributesFrom` / `NonResourceAttributesFrom`; `None` when the
/// spec does not hold exactly one of them (validation's 422).
fn attributes(user: Identity, s: SarSpecIn) -> Option<Attributes> {
    match (s.resource_attributes, s.non_resource_attributes) {
        (Some(r), None) => Some(Attributes {
            user,
            verb: r.verb,
            namespace: r.namespace,
            api_group: r.group,
            resource: r.resource,
            subresource: r.subresource,
            name: r.name,
            resource_request: true,
            path: String::new(),
        }),
        (None, Some(n)) => Some(Attributes {
            user,
            verb: n.verb,
            path: n.path,
            ..Attributes::default()
        }),
        _ => None,
    }
}

/// The status `SubjectAccessReview` rest.go fills from the decision (kcred's rendering,
/// `crate::authz::review`: an answer kcred cannot finish offline is not allowed and says
/// why in `evaluationError`).
fn sar_status(authorizer: &Authorizer, a: &Attributes) -> Value {
    let d = authorizer.authorize(a);
    let review = serde_json::to_value(SubjectAccessReview::new(a, &d)).unwrap_or_default();
    review.get("status").cloned().unwrap_or_default()
}

const EXACTLY_ONE: &str = "spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified";

/// Create one review for `user` (the authenticated requester).
pub fn create(
    kind: &str,
    api_version: &str,
    obj: Value,
    user: &Identity,
    outcome: &Outcome,
    state: &super::state::State,
    now: Timestamp,
) -> Reply {
    let authorizer = &state.authorizer;
    if let Some(e) = metadata_not_empty(&obj, kind) {
        return status::invalid(kind, group_of(api_version), &[e]);
    }
    let status_value = match kind {
        "SelfSubjectReview" => self_subject_review(outcome, user, now),
        "SelfSubjectAccessReview" => {
            self_subject_access_review(&obj, kind, api_version, user, authorizer)
        }
        "SubjectAccessReview" | "LocalSubjectAccessReview" => {
            subject_access_review(&obj, kind, api_version, authorizer)
        }
        "SelfSubjectRulesReview" => {
            self_subject_rules_review(&obj, kind, api_version, user, authorizer)
        }
        "TokenReview" => {
            return match spec(&obj, kind, api_version) {
                Ok(s) => token_review(obj, kind, api_version, s, state, now),
                Err(r) => r,
            };
        }
        _ => return status::not_found(),
    };
    match status_value {
        Ok(st) => answer(obj, kind, api_version, st),
        Err(r) => r,
    }
}

/// `ValidateSubjectAccessReview`, `ValidateSelfSubjectAccessReview` and
/// `ValidateLocalSubjectAccessReview` (`pkg/apis/authorization/validation/validation.go`):
/// the object's metadata must be the zero `ObjectMeta` (`managedFields` aside; a
/// LocalSubjectAccessReview keeps its namespace), compared with `Semantic.DeepEqual`, for
/// which an empty list or map is the zero value. The reviews are virtual objects: nothing
/// fills metadata before validation. The field error, in Go's words.
fn metadata_not_empty(obj: &Value, kind: &str) -> Option<String> {
    let rule = match kind {
        "SubjectAccessReview" | "SelfSubjectAccessReview" => "must be empty",
        "LocalSubjectAccessReview" => "must be empty except for namespace",
        _ => return None,
    };
    let meta = obj.get("metadata")?.as_object()?;
    let zero = |v: &Value| match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Bool(b) => !b,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    };
    let set: Vec<&str> = meta
        .iter()
        .filter(|(k, v)| {
            !zero(v)
                && k.as_str() != "managedFields"
                && !(kind == "LocalSubjectAccessReview" && k.as_str() == "namespace")
        })
        .map(|(k, _)| k.as_str())
        .collect();
    (!set.is_empty()).then(|| {
        format!(
            "metadata: Invalid value: {}: {rule}",
            serde_json::to_string(&Value::Object(meta.clone())).unwrap_or_default()
        )
    })
}

/// `selfsubjectreview/rest.go`: the requester's user.Info.
fn self_subject_review(outcome: &Outcome, user: &Identity, now: Timestamp) -> Result<Value, Reply> {
    // `selfsubjectreview/rest.go` answers with the request context's user, which the
    // impersonation filter has replaced with the impersonated one.
    let mut outcome = outcome.clone();
    if let Outcome::Authenticated { identity, .. } = &mut outcome {
        *identity = user.clone();
    }
    let mut extra = crate::whoami::object(&outcome, now);
    match serde_json::to_value(&mut extra) {
        Ok(v) => Ok(v.get("status").cloned().unwrap_or_default()),
        Err(e) => Err(status::internal(&e.to_string())),
    }
}

/// `selfsubjectaccessreview/rest.go`: the attributes asked about, for the requester.
fn self_subject_access_review(
    obj: &Value,
    kind: &str,
    api_version: &str,
    user: &Identity,
    authorizer: &Authorizer,
) -> Result<Value, Reply> {
    let s: SarSpecIn = spec(obj, kind, api_version)?;
    let Some(a) = attributes(user.clone(), s) else {
        return Err(status::invalid(
            kind,
            group_of(api_version),
            &[EXACTLY_ONE.into()],
        ));
    };
    Ok(sar_status(authorizer, &a))
}

/// `subjectaccessreview/rest.go` and `localsubjectaccessreview/rest.go`: the attributes
/// asked about, for the user in the spec; a LocalSubjectAccessReview asks about resources
/// in its own namespace only.
fn subject_access_review(
    obj: &Value,
    kind: &str,
    api_version: &str,
    authorizer: &Authorizer,
) -> Result<Value, Reply> {
    let group = group_of(api_version);
    let s: SarSpecIn = spec(obj, kind, api_version)?;
    if s.user.is_empty() && s.groups.is_empty() {
        return Err(status::invalid(
            kind,
            group,
            &[
                "spec.user: Invalid value: \"\": at least one of user or group must be specified"
                    .into(),
            ],
        ));
    }
    let subject = Identity {
        user: s.user.clone(),
        uid: s.uid.clone(),
        groups: s.groups.clone(),
        extra: s.extra.clone(),
    };
    let Some(a) = attributes(subject, s) else {
        return Err(status::invalid(kind, group, &[EXACTLY_ONE.into()]));
    };
    if kind == "LocalSubjectAccessReview" {
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !a.resource_request || a.namespace != ns {
            return Err(status::bad_request(&format!(
                "spec.resourceAttributes.namespace must match metadata.namespace: {:?} {ns:?}",
                a.namespace
            )));
        }
    }
    Ok(sar_status(authorizer, &a))
}

/// `selfsubjectrulesreview/rest.go`: the requester's rules in the spec's namespace.
fn self_subject_rules_review(
    obj: &Value,
    kind: &str,
    api_version: &str,
    user: &Identity,
    authorizer: &Authorizer,
) -> Result<Value, Reply> {
    let s: RulesSpecIn = spec(obj, kind, api_version)?;
    if s.namespace.is_empty() {
        // selfsubjectrulesreview/rest.go
        return Err(status::bad_request("no namespace on request"));
    }
    let rules = authorizer.rules_for(user, &s.namespace);
    let review =
        serde_json::to_value(SelfSubjectRulesReview::new(&s.namespace, rules)).unwrap_or_default();
    Ok(review.get("status").cloned().unwrap_or_default())
}

/// The API group of `GROUP/v1`.
fn group_of(api_version: &str) -> &str {
    api_version.split('/').next().unwrap_or("")
}

/// `tokenreview/rest.go`, `Create`: the token is authenticated as a request carrying it
/// would be (the whole token chain; no client certificate), against `spec.audiences` or,
/// when empty, the API audiences. Refused tokens are `authenticated: false` with the
/// authenticators' errors in `status.error`; an accepted token must share an audience with
/// the ones asked for.
fn token_review(
    obj: Value,
    kind: &str,
    api_version: &str,
    s: TokenSpecIn,
    state: &super::state::State,
    now: Timestamp,
) -> Reply {
    if s.token.is_empty() {
        return status::bad_request("token is required for TokenReview in authentication");
    }
    let auds = Audiences::of(state, &s);
    let mut trust = state.trust.clone();
    // The review's audiences replace the API audiences for this token
    // (`authenticator.WithAudiences` on the fake request's context).
    if let Some(sa) = trust.service_accounts.as_mut() {
        sa.audiences = auds.asked.clone();
    }
    // A token that reaches no token authenticator authenticates nobody (the fake request
    // would fall through to anonymous, which TokenReview does not report as the token's).
    trust.anonymous = false;
    let request = Request {
        client_chain: None,
        token: Some(s.token.clone()),
    };
    let outcome = crate::authn::authenticate_cached(&request, &trust, Some(&state.caches), now);
    // What kcred could not check (the live lookups of a bound token: the ServiceAccount,
    // pod, secret or node must still exist with that UID) is said in an annotation, as
    // `kcred whoami` says it; the TokenReview status has no field for it.
    let mut obj = obj;
    if let Outcome::Authenticated { notes, .. } = &outcome
        && !notes.is_empty()
    {
        if !obj.get("metadata").is_some_and(Value::is_object) {
            obj["metadata"] = json!({});
        }
        obj["metadata"]["annotations"] = json!({
            crate::whoami::NOT_CHECKED_ANNOTATION: notes.join("; ")
        });
    }
    let st = token_review_status(&outcome, &s.token, &auds, now);
    answer(obj, kind, api_version, st)
}

/// The audiences of one TokenReview.
struct Audiences {
    /// The server's API audiences (the ServiceAccount authenticator's; none without one).
    api: Vec<String>,
    /// What the token is checked against: `spec.audiences`, or the API audiences when
    /// empty.
    asked: Vec<String>,
}

impl Audiences {
    fn of(state: &super::state::State, s: &TokenSpecIn) -> Audiences {
        let api: Vec<String> = state
            .trust
            .service_accounts
            .as_ref()
            .map(|t| t.api_audiences())
            .unwrap_or_default();
        let asked = if s.audiences.is_empty() {
            api.clone()
        } else {
            s.audiences.clone()
        };
        Audiences { api, asked }
    }
}

/// The TokenReview's `status` for the chain's `outcome` on `token`.
fn token_review_status(outcome: &Outcome, token: &str, auds: &Audiences, now: Timestamp) -> Value {
    match outcome {
        Outcome::Authenticated { identity, .. } => {
            // Bound tokens answer with the audiences they were accepted for. The token file
            // and legacy tokens (no `aud`) are audience-agnostic: config.go wraps them in
            // `authenticator.WrapAudienceAgnosticToken(APIAudiences, ...)`, which answers
            // with the audiences asked for when they meet the API audiences, and does not
            // authenticate otherwise.
            let token_auds = token_audiences(token).filter(|t| !t.is_empty());
            let matched: Vec<String> = match token_auds {
                Some(t) => auds
                    .asked
                    .iter()
                    .filter(|a| t.contains(a))
                    .cloned()
                    .collect(),
                None => {
                    if !auds.asked.is_empty()
                        && !auds.api.is_empty()
                        && !auds.asked.iter().any(|a| auds.api.contains(a))
                    {
                        return json!({"user": {}});
                    }
                    auds.asked.clone()
                }
            };
            authenticated_status(identity, matched)
        }
        Outcome::Unauthorized { causes } => {
            let errs: Vec<&str> = causes
                .iter()
                .filter(|c| c.reason != "note")
                .map(|c| c.message.as_str())
                .collect();
            json!({"user": {}, "error": errs.join(", ")})
        }
        other => {
            let v = serde_json::to_value(crate::whoami::object(other, now)).unwrap_or_default();
            json!({"user": {}, "error": v.get("message").cloned().unwrap_or_default()})
        }
    }
}

/// `status` of an accepted token: the user (uid and extra when set) and the audiences it
/// was accepted for (left out when none).
fn authenticated_status(identity: &Identity, audiences: Vec<String>) -> Value {
    let mut user = json!({"username": identity.user, "groups": identity.groups});
    if !identity.uid.is_empty() {
        user["uid"] = json!(identity.uid);
    }
    if !identity.extra.is_empty() {
        user["extra"] = json!(identity.extra);
    }
    let mut st = json!({"authenticated": true, "user": user});
    if !audiences.is_empty() {
        st["audiences"] = json!(audiences);
    }
    st
}

/// The `aud` of a JWT the chain has accepted (`None` for a token that is not a JWT: a static
/// token from the token file).
fn token_audiences(token: &str) -> Option<Vec<String>> {
    let d = crate::token::verify::decode("token", token).ok()?;
    Some(d.audiences())
}
