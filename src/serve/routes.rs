//! One request through kube-apiserver's handler chain, in its order
//! (`apiserver/pkg/server/config.go`, `DefaultBuildHandlerChain`): authentication (401),
//! request info and authorization (403), then the path's handler (discovery, health, the
//! reviews, issuer discovery) or the NotFound handler (404).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::discovery;
use super::reviews;
use super::state::{Shared, State};
use super::status::{self, Reply};
use super::wire;
use crate::Identity;
use crate::authn::{Outcome, Request};
use crate::authz::Attributes;

/// The Kubernetes version kcred serve reports (`/version`): the API it imitates.
pub const KUBE_MAJOR: &str = "1";
/// Minor version.
pub const KUBE_MINOR: &str = "35";

/// What one request carries, already read off the wire.
#[derive(Debug, Default)]
pub struct Incoming {
    /// HTTP method.
    pub method: String,
    /// Path (no query).
    pub path: String,
    /// `Authorization`.
    pub authorization: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Accept`.
    pub accept: Option<String>,
    /// The TLS client chain (leaf first), shared by the connection's requests.
    pub client_chain: Option<std::sync::Arc<Vec<Vec<u8>>>>,
    /// `Impersonate-User`.
    pub impersonate_user: Option<String>,
    /// `Impersonate-Group` (each).
    pub impersonate_groups: Vec<String>,
    /// `Impersonate-Uid`.
    pub impersonate_uid: Option<String>,
    /// `Impersonate-Extra-KEY` (key unescaped and lowercased).
    pub impersonate_extra: BTreeMap<String, Vec<String>>,
}

/// The impersonation filter (`apiserver/pkg/endpoints/filters/impersonation.go`,
/// `WithImpersonation`): each thing impersonated is authorized for the requester with verb
/// `impersonate` (users, groups, uids and `userextras/KEY` in their API groups, a
/// ServiceAccount username as `serviceaccounts` in its namespace), the first refusal is the
/// API server's 403 with those attributes, and the request goes on as the impersonated user
/// (groups and `system:authenticated` as `crate::authn::impersonation` builds them).
fn impersonate(
    inc: &Incoming,
    requester: &Identity,
    state: &State,
) -> Result<Option<Identity>, Reply> {
    let Some(user) = &inc.impersonate_user else {
        if !inc.impersonate_groups.is_empty()
            || inc.impersonate_uid.is_some()
            || !inc.impersonate_extra.is_empty()
        {
            // buildImpersonationRequests' error goes to responsewriters.InternalError: the
            // API server answers 500, not 400 (impersonation.go, WithImpersonation).
            return Err(status::internal(
                "requested [impersonation of groups, extra or uid] without impersonating a user",
            ));
        }
        return Ok(None);
    };
    let imp = crate::authz::impersonation::Impersonate {
        user: user.clone(),
        groups: inc.impersonate_groups.clone(),
        uid: inc.impersonate_uid.clone(),
        extra: inc.impersonate_extra.clone(),
    };
    let id = imp
        .authorize(&state.authorizer, requester)
        .map_err(|f| status::forbidden(&f.attributes, &f.reason))?;
    Ok(Some(id))
}

/// The answer and what the access log says about it.
#[derive(Debug)]
pub struct Handled {
    /// The reply.
    pub reply: Reply,
    /// The user, when authenticated.
    pub user: Option<String>,
    /// "allow", "forbid", "unauthorized", or "" before authorization.
    pub verdict: &'static str,
}

/// `bearertoken.go`, `AuthenticateRequest`: the header trimmed, split on single spaces into
/// at most three parts; the first must be `bearer` in any case and the second is the token.
/// Anything else is no token at all (the request goes on, maybe anonymous).
pub fn bearer_token(header: &str) -> Option<&str> {
    let auth = header.trim();
    let mut parts = auth.splitn(3, ' ');
    let scheme = parts.next()?;
    let token = parts.next()?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The request's authorizer attributes, as `request.RequestInfoFactory.NewRequestInfo`
/// (`apiserver/pkg/endpoints/request/requestinfo.go`) reads the path: `/api/v1/...` and
/// `/apis/GROUP/VERSION/...` with at least a resource are resource requests (verb from the
/// method: POST create, GET get or list, ...); everything else is a non-resource request
/// whose verb is the lowercased method.
pub fn attributes(user: &Identity, method: &str, path: &str) -> Attributes {
    let non_resource = || Attributes {
        user: user.clone(),
        verb: method.to_ascii_lowercase(),
        path: path.to_string(),
        ..Attributes::default()
    };
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    if parts.len() < 3 || !matches!(parts[0], "api" | "apis") {
        return non_resource();
    }
    let mut rest = &parts[1..];
    let mut group = "";
    if parts[0] == "apis" {
        if rest.len() < 3 {
            return non_resource();
        }
        group = rest[0];
        rest = &rest[1..];
    }
    rest = &rest[1..]; // the version
    let mut namespace = "";
    if rest.len() > 1 && rest[0] == "namespaces" {
        namespace = rest[1];
        if rest.len() > 2 {
            rest = &rest[2..];
        } else {
            // `/namespaces/NAME` is the namespace object itself.
            return Attributes {
                user: user.clone(),
                verb: resource_verb(method, true),
                api_group: group.into(),
                resource: "namespaces".into(),
                name: namespace.into(),
                resource_request: true,
                ..Attributes::default()
            };
        }
    }
    let resource = rest.first().copied().unwrap_or("");
    let name = rest.get(1).copied().unwrap_or("");
    let subresource = rest.get(2).copied().unwrap_or("");
    Attributes {
        user: user.clone(),
        verb: resource_verb(method, !name.is_empty()),
        namespace: namespace.into(),
        api_group: group.into(),
        resource: resource.into(),
        subresource: subresource.into(),
        name: name.into(),
        resource_request: true,
        path: String::new(),
    }
}

fn resource_verb(method: &str, named: bool) -> String {
    match (method, named) {
        ("POST", _) => "create",
        ("GET" | "HEAD", true) => "get",
        ("GET" | "HEAD", false) => "list",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => return method.to_ascii_lowercase(),
    }
    .to_string()
}

/// The requester, or the 401.
fn authenticate(inc: &Incoming, state: &State, now: Timestamp) -> (Outcome, Option<Identity>) {
    let trust = &state.trust;
    let token = inc
        .authorization
        .as_deref()
        .and_then(bearer_token)
        // The API server runs the bearer-token authenticator only when a token
        // authenticator is configured; otherwise the header is not looked at.
        .filter(|_| trust.token_file.is_some() || trust.service_accounts.is_some());
    let request = Request {
        // Without a client CA the certificate is not even asked for.
        client_chain: inc
            .client_chain
            .as_deref()
            .filter(|_| trust.client_cas.is_some())
            .cloned(),
        token: token.map(str::to_string),
    };
    let outcome = crate::authn::authenticate_cached(&request, trust, Some(&state.caches), now);
    let id = match &outcome {
        Outcome::Authenticated { identity, .. } => Some(identity.clone()),
        _ => None,
    };
    (outcome, id)
}

/// Handle one request whose body (for a POST) is `body`.
pub fn handle(shared: &Shared, inc: &Incoming, body: &[u8]) -> Handled {
    let state = shared.current();
    let now = Timestamp::now();
    let (outcome, identity) = authenticate(inc, &state, now);
    let Some(user) = identity else {
        let body = serde_json::to_value(crate::whoami::object(&outcome, now)).unwrap_or_default();
        let mut reply = status::failure(401, "Unauthorized", "Unauthorized", None);
        if let Some(d) = body.get("details") {
            reply.body["details"] = d.clone();
        }
        // kube-apiserver's 401 body says "Unauthorized"; the causes are kcred's.
        reply.body["code"] = json!(401);
        return Handled {
            reply,
            user: None,
            verdict: "unauthorized",
        };
    };
    let user = match impersonate(inc, &user, &state) {
        Ok(Some(as_user)) => as_user,
        Ok(None) => user,
        Err(reply) => {
            return Handled {
                reply,
                user: Some(user.user),
                verdict: "forbid",
            };
        }
    };
    let attrs = attributes(&user, &inc.method, &inc.path);
    let d = state.authorizer.authorize(&attrs);
    if !d.allowed {
        let mut reason = d.reason.clone();
        if let Some(u) = &d.unknown {
            reason = format!("kcred cannot decide this offline: {u}");
        }
        return Handled {
            reply: status::forbidden(&attrs, &reason),
            user: Some(user.user),
            verdict: "forbid",
        };
    }
    let reply = route(shared, &state, inc, body, &user, &outcome, &attrs, now);
    Handled {
        reply,
        user: Some(user.user),
        verdict: "allow",
    }
}

fn ok(body: Value) -> Reply {
    Reply { code: 200, body }
}

/// The path's handler, in kube-apiserver's order: the non-resource paths it serves to
/// GET (`/healthz`, `/version`, discovery, issuer discovery), then the review resources;
/// anything else is the NotFound handler's 404.
#[allow(clippy::too_many_arguments)]
fn route(
    shared: &Shared,
    state: &State,
    inc: &Incoming,
    body: &[u8],
    user: &Identity,
    outcome: &Outcome,
    attrs: &Attributes,
    now: Timestamp,
) -> Reply {
    if inc.method == "GET" || inc.method == "HEAD" {
        let path = inc.path.trim_end_matches('/');
        if let Some(reply) = get_path(shared, state, path) {
            return reply;
        }
    }
    let (kind, api_version) = match review_resource(inc, attrs) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    match review_object(inc, body, kind, &api_version, attrs) {
        Ok(obj) => reviews::create(kind, &api_version, obj, user, outcome, state, now),
        Err(reply) => reply,
    }
}

/// The non-resource paths served to GET and HEAD (`path` without a trailing slash);
/// `None` when `path` is none of them.
fn get_path(shared: &Shared, state: &State, path: &str) -> Option<Reply> {
    match path {
        "/healthz" | "/livez" | "/readyz" => {
            return Some(Reply {
                code: 200,
                body: Value::String("ok".into()),
            });
        }
        "/version" => return Some(ok(version())),
        "/api" => return Some(ok(discovery::api_versions())),
        "/apis" => return Some(ok(discovery::api_group_list())),
        _ => {}
    }
    if let Some(v) = discovery_path(path) {
        return Some(v.map_or_else(status::not_found, ok));
    }
    match path {
        "/.well-known/openid-configuration" | "/openid/v1/jwks" => {
            Some(issuer_discovery(shared, state, path))
        }
        _ => None,
    }
}

/// The review resource the request names, as (kind, `GROUP/v1`): the collection itself
/// (no name, no subresource), namespaced for LocalSubjectAccessReview only, and POST only
/// (any other verb is the API server's 405); anything else is a 404.
fn review_resource(inc: &Incoming, attrs: &Attributes) -> Result<(&'static str, String), Reply> {
    if !attrs.resource_request {
        return Err(status::not_found());
    }
    let Some(kind) = reviews::kind_of(&attrs.api_group, &attrs.resource) else {
        return Err(status::not_found());
    };
    let api_version = format!("{}/v1", attrs.api_group);
    let version_ok = inc.path.starts_with(&format!("/apis/{api_version}/"));
    if !version_ok || !attrs.name.is_empty() || !attrs.subresource.is_empty() {
        return Err(status::not_found());
    }
    let namespaced = kind == "LocalSubjectAccessReview";
    if namespaced == attrs.namespace.is_empty() {
        return Err(status::not_found());
    }
    if inc.method != "POST" {
        let action = if attrs.verb == "list" {
            "list"
        } else {
            &attrs.verb
        };
        return Err(status::method_not_supported(
            &attrs.resource,
            &attrs.api_group,
            action,
        ));
    }
    Ok((kind, api_version))
}

/// The posted review, decoded as the API server's decoder takes it: a media type it
/// reads (415), a JSON answer accepted (406), a JSON object of the URL's type (400), and
/// the URL's namespace in `metadata.namespace` when the body names none.
fn review_object(
    inc: &Incoming,
    body: &[u8],
    kind: &str,
    api_version: &str,
    attrs: &Attributes,
) -> Result<Value, Reply> {
    let Some(body_type) = wire::body_type(inc.content_type.as_deref()) else {
        return Err(status::unsupported_media_type());
    };
    if !wire::accepts_json(inc.accept.as_deref()) {
        return Err(status::not_acceptable());
    }
    let mut obj = wire::decode(body_type, body, (api_version, kind)).map_err(|e| {
        status::bad_request(&format!(
            "{kind} in version \"v1\" cannot be handled as a {kind}: {e}"
        ))
    })?;
    if !obj.is_object() {
        return Err(status::bad_request(&format!(
            "{kind} in version \"v1\" cannot be handled as a {kind}: the body is not a JSON object"
        )));
    }
    // The URL decides the type; a body that names another one is refused as the decoder
    // refuses it (`NewBadRequest`). A body with none (the Python client) takes the URL's.
    if let Some(v) = obj.get("apiVersion").and_then(Value::as_str)
        && defaulted_api_version(v, api_version) != api_version
    {
        return Err(status::bad_request(&format!(
            "the API version in the data ({v}) does not match the expected API version ({api_version})"
        )));
    }
    if let Some(k) = obj.get("kind").and_then(Value::as_str)
        && !k.is_empty()
        && k != kind
    {
        return Err(status::bad_request(&format!(
            "{k} in version \"v1\" cannot be handled as a {kind}: no kind \"{k}\" is registered for the resource {kind}"
        )));
    }
    // `metadata` is an ObjectMeta: anything but an object (or null) fails encoding/json's
    // unmarshal, a 400 through `transformDecodeError` (apiserver/pkg/endpoints/handlers/
    // rest.go) like any other type error.
    if let Some(m) = obj
        .get("metadata")
        .filter(|m| !m.is_object() && !m.is_null())
    {
        return Err(status::bad_request(&format!(
            "{kind} in version \"v1\" cannot be handled as a {kind}: json: cannot unmarshal {} into Go struct field {kind}.metadata of type v1.ObjectMeta",
            go_json_type(m)
        )));
    }
    // create.go, `rest.EnsureObjectNamespaceMatchesRequestNamespace`: the object takes the
    // URL's namespace, a cluster-scoped one loses any, and a different one is refused.
    let body_ns = obj
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if body_ns != attrs.namespace {
        if !body_ns.is_empty() && !attrs.namespace.is_empty() {
            return Err(status::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        obj["metadata"] = obj.get("metadata").cloned().unwrap_or(json!({}));
        if attrs.namespace.is_empty() {
            if let Some(m) = obj["metadata"].as_object_mut() {
                m.remove("namespace");
            }
        } else {
            obj["metadata"]["namespace"] = json!(attrs.namespace);
        }
    }
    Ok(obj)
}

/// The body's apiVersion after the JSON serializer's defaulting (`json.go`,
/// `gvkWithDefaults`, over `schema.FromAPIVersionAndKind`): an empty group and version take
/// the URL's, an empty version in the URL's group takes its version, and a string
/// `ParseGroupVersion` refuses counts as empty.
fn defaulted_api_version(v: &str, expected: &str) -> String {
    let (want_group, want_version) = expected.split_once('/').unwrap_or(("", expected));
    let (group, version) = match v.split('/').count() {
        1 => ("", v),
        2 => v.split_once('/').unwrap_or(("", "")),
        _ => ("", ""),
    };
    match (group, version) {
        ("", "") => expected.to_string(),
        (g, "") if g == want_group => format!("{g}/{want_version}"),
        ("", v) => v.to_string(),
        (g, v) => format!("{g}/{v}"),
    }
}

/// The JSON type as encoding/json's `UnmarshalTypeError` names it.
pub(crate) fn go_json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn version() -> Value {
    json!({
        "major": KUBE_MAJOR,
        "minor": KUBE_MINOR,
        "gitVersion": format!("v{KUBE_MAJOR}.{KUBE_MINOR}.0+kcred.{}", env!("CARGO_PKG_VERSION")),
        "gitCommit": "",
        "gitTreeState": "",
        "buildDate": "",
        "goVersion": "",
        "compiler": "kcred",
        "platform": format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH),
    })
}

/// The discovery documents under `/api/` and `/apis/` (`Some(None)`: a discovery path
/// kcred does not serve, 404 as kube-apiserver's NotFound handler answers it).
fn discovery_path(path: &str) -> Option<Option<Value>> {
    if let Some(v) = path.strip_prefix("/api/") {
        return (!v.contains('/')).then(|| discovery::resource_list("", v));
    }
    let rest = path.strip_prefix("/apis/")?;
    match rest.split('/').collect::<Vec<_>>()[..] {
        [g] => Some(discovery::api_group(g)),
        // The core group is served at `/api/v1` only.
        [g, v] => Some(
            Some(g)
                .filter(|g| !g.is_empty())
                .and_then(|g| discovery::resource_list(g, v)),
        ),
        _ => None,
    }
}

/// `/.well-known/openid-configuration` and `/openid/v1/jwks`
/// (`pkg/serviceaccount/openidmetadata.go`): served only with an issuer and keys; the
/// discovery document names the JWKS at `--service-account-jwks-uri` or
/// `ISSUER/openid/v1/jwks`.
fn issuer_discovery(shared: &Shared, state: &State, path: &str) -> Reply {
    let keys = state.sa_keys();
    let Some(issuer) = state.issuer(&shared.sources) else {
        return status::not_found();
    };
    if keys.is_empty() {
        return status::not_found();
    }
    if path == "/openid/v1/jwks" {
        return ok(serde_json::to_value(crate::token::jwks::jwk_set(keys)).unwrap_or_default());
    }
    let mut doc = serde_json::to_value(crate::token::jwks::openid_configuration(&issuer, keys))
        .unwrap_or_default();
    if let Some(u) = &shared.sources.jwks_uri {
        doc["jwks_uri"] = json!(u);
    }
    ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_info_as_requestinfo_go_reads_paths() {
        let u = Identity::new("u", Vec::<String>::new());
        let a = attributes(&u, "POST", "/apis/authentication.k8s.io/v1/tokenreviews");
        assert!(a.resource_request);
        assert_eq!(
            (a.verb.as_str(), a.api_group.as_str(), a.resource.as_str()),
            ("create", "authentication.k8s.io", "tokenreviews")
        );
        let a = attributes(&u, "GET", "/apis/authentication.k8s.io/v1");
        assert!(!a.resource_request);
        assert_eq!(
            (a.verb.as_str(), a.path.as_str()),
            ("get", "/apis/authentication.k8s.io/v1")
        );
        let a = attributes(&u, "GET", "/api/v1/namespaces/ns1/pods/p/log");
        assert_eq!(
            (
                a.namespace.as_str(),
                a.resource.as_str(),
                a.name.as_str(),
                a.subresource.as_str(),
                a.verb.as_str()
            ),
            ("ns1", "pods", "p", "log", "get")
        );
        assert!(!attributes(&u, "GET", "/api/v1").resource_request);
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc def"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
    }

    /// A `metadata` that is no object is the decoder's 400, worded as encoding/json words
    /// it (checked against Go 1.25: `json.Unmarshal` of `{"metadata":5}` into a struct
    /// embedding `v1.ObjectMeta` as `json:"metadata"`), not a panic while the URL's
    /// namespace is filled in.
    #[test]
    fn metadata_that_is_not_an_object_is_a_bad_request() {
        let u = Identity::new("u", Vec::<String>::new());
        let path = "/apis/authorization.k8s.io/v1/namespaces/a/localsubjectaccessreviews";
        let inc = Incoming {
            method: "POST".into(),
            path: path.into(),
            content_type: Some("application/json".into()),
            ..Incoming::default()
        };
        let attrs = attributes(&u, "POST", path);
        let (kind, api_version) = review_resource(&inc, &attrs).unwrap();
        for (body, go) in [("5", "number"), ("\"s\"", "string"), ("[1]", "array")] {
            let body = format!(r#"{{"spec":{{"user":"x"}},"metadata":{body}}}"#);
            let r = review_object(&inc, body.as_bytes(), kind, &api_version, &attrs).unwrap_err();
            assert_eq!(r.code, 400);
            assert_eq!(
                r.body["message"],
                format!(
                    "LocalSubjectAccessReview in version \"v1\" cannot be handled as a LocalSubjectAccessReview: json: cannot unmarshal {go} into Go struct field LocalSubjectAccessReview.metadata of type v1.ObjectMeta"
                )
            );
        }
        let body = br#"{"spec":{"user":"x"},"metadata":null}"#;
        let obj = review_object(&inc, body, kind, &api_version, &attrs).unwrap();
        assert_eq!(obj["metadata"]["namespace"], "a");
    }

    #[test]
    fn discovery_paths_and_what_is_not_one() {
        let list = |p: &str| {
            discovery_path(p)
                .flatten()
                .map(|v| v["groupVersion"].clone())
        };
        assert_eq!(list("/api/v1"), Some(json!("v1")));
        assert_eq!(list("/apis/apps/v1"), Some(json!("apps/v1")));
        assert_eq!(discovery_path("/api/v2"), Some(None));
        assert_eq!(discovery_path("/apis//v1"), Some(None));
        assert_eq!(discovery_path("/apis/example.com"), Some(None));
        assert_eq!(discovery_path("/api/v1/pods"), None);
        assert_eq!(discovery_path("/apis/apps/v1/deployments"), None);
        assert_eq!(discovery_path("/healthz"), None);
    }
}
