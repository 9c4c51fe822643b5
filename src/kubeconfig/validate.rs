//! The checks kubectl makes on the selected user and cluster before it sends anything
//! (client-go `tools/clientcmd/validation.go`, `validateAuthInfo` and `validateClusterInfo`,
//! run by `DirectClientConfig.ClientConfig` through `ConfirmUsable`). A kubeconfig that fails
//! them never reaches the API server, so kcred must not say what the API server would make
//! of it. Only the checks on what is written are here; whether the named files open is the
//! reader's business.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{NamedCluster, NamedUser};

/// kubectl's refusals for `user`, in its words (several, as kubectl aggregates them).
pub fn auth_info_errors(user: &NamedUser) -> Vec<String> {
    let name = &user.name;
    let u = &user.user;
    let set = |k: &str| match u.rest.get(k) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    };
    let mut errors = Vec::new();
    let mut methods = Vec::new();
    if !u.token.is_empty() {
        methods.push("token");
    }
    if set("username") || set("password") {
        methods.push("basicAuth");
    }
    let cert_data = u
        .client_certificate_data
        .as_ref()
        .is_some_and(|d| !d.is_empty());
    let key_data = u.client_key_data.as_ref().is_some_and(|d| !d.is_empty());
    if !u.client_certificate.is_empty() || cert_data {
        if !u.client_certificate.is_empty() && cert_data {
            errors.push(format!(
                "client-cert-data and client-cert are both specified for {name}. client-cert-data will override."
            ));
        }
        if !u.client_key.is_empty() && key_data {
            errors.push(format!(
                "client-key-data and client-key are both specified for {name}; client-key-data will override"
            ));
        }
        if u.client_key.is_empty() && !key_data {
            errors.push(format!(
                "client-key-data or client-key must be specified for {name} to use the clientCert authentication method."
            ));
        }
    }
    if let Some(Value::Object(exec)) = u.rest.get("exec") {
        if set("auth-provider") {
            errors.push(format!(
                "authProvider cannot be provided in combination with an exec plugin for {name}"
            ));
        }
        let field = |k: &str| exec.get(k).and_then(Value::as_str).unwrap_or_default();
        if field("command").is_empty() {
            errors.push(format!(
                "command must be specified for {name} to use exec authentication plugin"
            ));
        }
        if field("apiVersion").is_empty() {
            errors.push(format!(
                "apiVersion must be specified for {name} to use exec authentication plugin"
            ));
        }
        let envs = exec.get("env").and_then(Value::as_array);
        for env in envs.into_iter().flatten() {
            if env
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .is_empty()
            {
                errors.push(format!(
                    "env variable name must be specified for {name} to use exec authentication plugin"
                ));
            }
        }
        // `SetDefaults_ExecConfig` (api/v1/defaults.go): the older plugin APIs default to
        // IfAvailable; client.authentication.k8s.io/v1 must say it.
        let defaulted = matches!(
            field("apiVersion"),
            "client.authentication.k8s.io/v1beta1" | "client.authentication.k8s.io/v1alpha1"
        );
        match field("interactiveMode") {
            "" if defaulted => {}
            "" => errors.push(format!(
                "interactiveMode must be specified for {name} to use exec authentication plugin"
            )),
            "Never" | "IfAvailable" | "Always" => {}
            other => errors.push(format!("invalid interactiveMode for {name}: {other:?}")),
        }
    }
    if methods.len() > 1 {
        errors.push(format!(
            "more than one authentication method found for {name}; found [{}], only one is allowed",
            methods.join(" ")
        ));
    } else if set("username") && !u.token_file.is_empty() {
        // `HasBasicAuth` is a username: a password alone is no basic authentication.
        // transport/round_trippers.go `HTTPWrappersForConfig`, when the request is built.
        errors.push("username/password or bearer token may be set, but not both".into());
    }
    if (set("as-uid") || set("as-groups") || set("as-user-extra")) && !set("as") {
        errors.push(format!(
            "requesting uid, groups or user-extra for {name} without impersonating a user"
        ));
    }
    errors
}

/// client-go's exec authenticator (`plugin/pkg/client/auth/exec`, `newAuthenticator`) is
/// built for a user with `exec` whatever else the user holds, and knows two plugin API
/// versions (v1alpha1 was removed in 1.24).
pub fn exec_refusal(user: &NamedUser) -> Option<String> {
    let exec = user.user.rest.get("exec")?.as_object()?;
    let version = exec.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    (!matches!(
        version,
        "client.authentication.k8s.io/v1beta1" | "client.authentication.k8s.io/v1"
    ))
    .then(|| {
        format!(
            "exec plugin: invalid apiVersion {}",
            crate::authn::x509::go_quote(version)
        )
    })
}

/// kubectl's refusals for `cluster` that depend on what is written (validateClusterInfo,
/// and the TLS configuration client-go then builds).
pub fn cluster_info_errors(cluster: &NamedCluster) -> Vec<String> {
    let c = &cluster.cluster;
    let ca_data = c
        .certificate_authority_data
        .as_ref()
        .is_some_and(|d| !d.is_empty());
    let mut errors = Vec::new();
    if !c.certificate_authority.is_empty() && ca_data {
        errors.push(format!(
            "certificate-authority-data and certificate-authority are both specified for {}. certificate-authority-data will override.",
            cluster.name
        ));
    }
    if let Some(Value::String(proxy)) = c.rest.get("proxy-url")
        && !proxy.is_empty()
        && let Some(why) = super::server_url::proxy_url_error(proxy)
    {
        errors.push(format!(
            "invalid 'proxy-url' {} for cluster {}: {why}",
            crate::authn::x509::go_quote(proxy),
            crate::authn::x509::go_quote(&cluster.name)
        ));
    }
    // transport/transport.go `TLSConfigFor`, when the client is built.
    if c.insecure_skip_tls_verify && (ca_data || !c.certificate_authority.is_empty()) {
        errors.push(
            "specifying a root certificates file with the insecure flag is not allowed".into(),
        );
    }
    errors
}

/// An `auth-provider` user: kubectl builds its transport through the named provider
/// (client-go `rest/transport.go`, `GetAuthProvider`) whatever else the user holds, so
/// the provider decides before any request. kubectl 1.35 registers `oidc` only; `gcp` and
/// `azure` are stubs that refuse (`plugin/pkg/client/auth/{gcp,azure}`). The `oidc`
/// provider adds an ID token it may refresh from the identity provider, which kcred cannot
/// do offline: said, not guessed.
pub fn auth_provider_refusal(user: &NamedUser) -> Option<String> {
    let provider = user
        .user
        .rest
        .get("auth-provider")
        .filter(|v| !v.is_null())?;
    let name = provider.get("name").and_then(Value::as_str).unwrap_or("");
    let removed = |name: &str, instead: &str| {
        format!(
            "kubectl refuses it before sending anything (client-go rest/transport.go): The {name} auth plugin has been removed. Please use the {instead} kubectl/client-go credential plugin instead."
        )
    };
    Some(match name {
        "gcp" => removed("gcp", "\"gke-gcloud-auth-plugin\""),
        "azure" => removed("azure", "https://github.com/Azure/kubelogin"),
        "oidc" => {
            // plugin/pkg/client/auth/oidc/oidc.go `newOIDCAuthProvider`.
            let config = |k: &str| {
                provider
                    .get("config")
                    .and_then(|c| c.get(k))
                    .and_then(Value::as_str)
                    .unwrap_or("")
            };
            for needed in ["idp-issuer-url", "client-id"] {
                if config(needed).is_empty() {
                    return Some(format!(
                        "kubectl refuses it before sending anything (client-go rest/transport.go): Must provide {needed}"
                    ));
                }
            }
            // The provider's round tripper passes on a request that already carries an
            // Authorization header: a token or basic authentication is what is sent.
            let u = &user.user;
            let text = |k: &str| u.rest.get(k).and_then(Value::as_str).unwrap_or("");
            if !u.token.is_empty() || !u.token_file.is_empty() || !text("username").is_empty() {
                return None;
            }
            format!(
                "user {:?} has the oidc auth-provider, which adds an ID token to each request (refreshed from the identity provider when it expires): kcred cannot evaluate that offline; pass the ID token with --token",
                user.name
            )
        }
        other => format!(
            "kubectl refuses it before sending anything (client-go rest/transport.go): no Auth Provider found for name {other:?}"
        ),
    })
}

/// What a user entry asks the API server to act as (`as`, `as-groups`, `as-uid`,
/// `as-user-extra`; client-go `AuthInfo.Impersonate*`). client-go sends it as `Impersonate-*`
/// headers with every request (`transport/round_trippers.go`, `NewImpersonatingRoundTripper`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Impersonation {
    /// `as`: `Impersonate-User`.
    pub user: String,
    /// `as-groups`: one `Impersonate-Group` each, in order.
    pub groups: Vec<String>,
    /// `as-uid`: `Impersonate-Uid` (none when empty).
    pub uid: Option<String>,
    /// `as-user-extra`: `Impersonate-Extra-KEY` per value. Keyed as the impersonation filter
    /// reads the header name back: client-go escapes the key, HTTP lower-cases nothing but the
    /// filter lower-cases it before unescaping (`filters/impersonation.go`), so an ASCII
    /// letter arrives lower-case. A key with no values sends no header.
    pub extra: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Display for Impersonation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.user)?;
        if !self.groups.is_empty() {
            write!(f, " with groups {:?}", self.groups)?;
        }
        if let Some(uid) = &self.uid {
            write!(f, " and uid {uid:?}")?;
        }
        Ok(())
    }
}

/// The impersonation `user` asks for, or `None` when `as` is empty or absent (client-go
/// impersonates only when `Impersonate` is non-empty, `client_config.go`). A value of the
/// wrong JSON type is kubectl's decoding error.
pub fn impersonation(user: &NamedUser) -> Result<Option<Impersonation>, String> {
    let rest = &user.user.rest;
    let wrong = |key: &str, want: &str, v: &Value| {
        let found = match v {
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Null => "null",
        };
        format!(
            "{key}: json: cannot unmarshal {found} into Go struct field AuthInfo.users.user.{key} of type {want}"
        )
    };
    let string = |key: &str| -> Result<String, String> {
        match rest.get(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => Err(wrong(key, "string", v)),
        }
    };
    let strings = |key: &str, v: &Value| -> Result<Vec<String>, String> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(wrong(key, "string", other)),
                })
                .collect(),
            other => Err(wrong(key, "[]string", other)),
        }
    };
    let who = string("as")?;
    let groups = match rest.get("as-groups") {
        Some(v) => strings("as-groups", v)?,
        None => Vec::new(),
    };
    let uid = string("as-uid")?;
    let mut extra = BTreeMap::new();
    match rest.get("as-user-extra") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let values = strings("as-user-extra", v)?;
                if !values.is_empty() {
                    extra.insert(k.to_ascii_lowercase(), values);
                }
            }
        }
        Some(v) => return Err(wrong("as-user-extra", "map[string][]string", v)),
    }
    if who.is_empty() {
        return Ok(None);
    }
    Ok(Some(Impersonation {
        user: who,
        groups,
        uid: (!uid.is_empty()).then_some(uid),
        extra,
    }))
}
