//! The API server's `Status` objects (`k8s.io/apimachinery/pkg/api/errors`, rendered by
//! `apiserver/pkg/endpoints/handlers/responsewriters`): every refusal kcred serve sends is
//! one, with the code, reason and message wording kube-apiserver uses, so clients (kubectl,
//! client-go, the Python client) print what they would print against a real cluster.

use serde_json::{Value, json};

use crate::authz::Attributes;

/// An HTTP answer: status code and JSON body.
#[derive(Clone, Debug)]
pub struct Reply {
    /// HTTP status code.
    pub code: u16,
    /// The body (a Status or the object).
    pub body: Value,
}

/// A `metav1.Status` of failure.
pub fn failure(code: u16, reason: &str, message: &str, details: Option<Value>) -> Reply {
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    });
    if let Some(d) = details {
        body["details"] = d;
    }
    body["code"] = json!(code);
    Reply { code, body }
}

/// `notfoundhandler.go` (genericapiserver's NotFoundHandler) and `NewNotFound`-less 404s.
pub fn not_found() -> Reply {
    failure(
        404,
        "NotFound",
        "the server could not find the requested resource",
        Some(json!({})),
    )
}

/// `NewMethodNotSupported`: a create-only review asked with another verb.
pub fn method_not_supported(resource: &str, group: &str, action: &str) -> Reply {
    let gr = qualified(resource, group);
    failure(
        405,
        "MethodNotAllowed",
        &format!("{action} is not supported on resources of kind {gr:?}"),
        Some(json!({"group": group, "kind": resource})),
    )
}

/// `NewBadRequest`.
pub fn bad_request(message: &str) -> Reply {
    failure(400, "BadRequest", message, None)
}

/// `NewUnsupportedMediaType` as the REST handlers raise it for a body type they cannot
/// decode (`handlers/rest.go`, `negotiation.NegotiateInputSerializer`).
pub fn unsupported_media_type() -> Reply {
    failure(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
        None,
    )
}

/// `NewNotAcceptable`: the client accepts no type kcred serve writes.
pub fn not_acceptable() -> Reply {
    failure(
        406,
        "NotAcceptable",
        "only the following media types are accepted: application/json, application/yaml",
        None,
    )
}

/// `NewRequestEntityTooLargeError` (the API server caps a request body at 3 MiB,
/// `MaxRequestBodyBytes` in `apiserver/pkg/server/config.go`).
pub fn too_large(limit: usize) -> Reply {
    failure(
        413,
        "RequestEntityTooLarge",
        &format!("Request entity too large: limit is {limit}"),
        None,
    )
}

/// `NewTimeoutError`-like 408 for a body that does not arrive.
pub fn request_timeout() -> Reply {
    failure(
        408,
        "Timeout",
        "the request body was not received in time",
        None,
    )
}

/// `NewInvalid`: `KIND.GROUP "" is invalid: FIELD: ...`.
pub fn invalid(kind: &str, group: &str, field_errors: &[String]) -> Reply {
    let qualified_kind = format!("{kind}.{group}");
    let message = format!(
        "{qualified_kind} \"\" is invalid: {}",
        if field_errors.len() == 1 {
            field_errors[0].clone()
        } else {
            format!("[{}]", field_errors.join(", "))
        }
    );
    failure(
        422,
        "Invalid",
        &message,
        Some(json!({"group": group, "kind": kind})),
    )
}

/// `NewInternalError`.
pub fn internal(message: &str) -> Reply {
    failure(
        500,
        "InternalError",
        &format!("Internal error occurred: {message}"),
        Some(json!({"causes": [{"message": message}]})),
    )
}

fn qualified(resource: &str, group: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

/// kube-apiserver's 403 (`filters/authorization.go` → `responsewriters.Forbidden` in
/// `handlers/responsewriters/status.go`, `forbiddenMessage`, then `apierrors.NewForbidden`):
/// `RESOURCE.GROUP ["NAME"] is forbidden: User "u" cannot VERB resource "R[/SUB]" in API
/// group "G" (in the namespace "NS" | at the cluster scope)[: REASON]`, or for a path
/// `forbidden: User "u" cannot VERB path "/p"`. The message goes through the writer's
/// sanitizer (`&`, `<`, `>` escaped).
pub fn forbidden(a: &Attributes, reason: &str) -> Reply {
    let f = crate::authz::forbidden::Forbidden {
        attributes: a.clone(),
        reason: reason.into(),
        decision: Default::default(),
    };
    let details = serde_json::to_value(f.status().details).unwrap_or_else(|_| json!({}));
    failure(403, "Forbidden", &f.message(), Some(details))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Identity;

    #[test]
    fn forbidden_reads_as_the_api_server_words_it() {
        let a = Attributes {
            user: Identity::new("alice", Vec::<String>::new()),
            verb: "create".into(),
            api_group: "authentication.k8s.io".into(),
            resource: "tokenreviews".into(),
            resource_request: true,
            ..Attributes::default()
        };
        let r = forbidden(&a, "");
        assert_eq!(r.code, 403);
        assert_eq!(
            r.body["message"],
            "tokenreviews.authentication.k8s.io is forbidden: User \"alice\" cannot create resource \"tokenreviews\" in API group \"authentication.k8s.io\" at the cluster scope"
        );
        assert_eq!(
            r.body["details"],
            json!({"group": "authentication.k8s.io", "kind": "tokenreviews"})
        );
        let p = Attributes {
            user: Identity::new("system:anonymous", Vec::<String>::new()),
            verb: "get".into(),
            path: "/foo<b>".into(),
            ..Attributes::default()
        };
        assert_eq!(
            forbidden(&p, "").body["message"],
            "forbidden: User \"system:anonymous\" cannot get path \"/foo&lt;b&gt;\""
        );
    }
}
