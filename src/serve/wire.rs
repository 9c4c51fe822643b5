//! Request bodies as kube-apiserver accepts them (`handlers/create.go`,
//! `negotiation.NegotiateInputSerializer`): JSON, YAML, or Kubernetes protobuf — the `k8s\0`
//! magic then a `runtime.Unknown` envelope (`apimachinery/pkg/runtime/serializer/protobuf`,
//! `protobuf.go`) whose `raw` bytes are the object's message (`generated.proto` of
//! `authentication/v1` and `authorization/v1`). kubectl 1.33 and later send the self-reviews
//! as protobuf and do not retry with JSON after a 415, so these few messages are declared
//! here for prost (tag numbers copied from those `generated.proto` files) and turned into
//! the same JSON object a JSON client would have sent; every review is then handled once,
//! in JSON. No Content-Type is JSON (the Python client sends none).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// Kubernetes' protobuf media type.
pub const PROTOBUF: &str = "application/vnd.kubernetes.protobuf";
/// The 4-byte prefix of a protobuf-encoded object (`protobuf.go`, `protoEncodingPrefix`).
pub const MAGIC: &[u8] = b"k8s\0";

/// A request body's encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyType {
    /// JSON (also: no Content-Type).
    Json,
    /// YAML.
    Yaml,
    /// Kubernetes protobuf.
    Protobuf,
}

/// The encoding of a `Content-Type` (its media type; parameters ignored), or `None` for a
/// type the API server would answer 415.
pub fn body_type(content_type: Option<&str>) -> Option<BodyType> {
    let Some(ct) = content_type else {
        return Some(BodyType::Json);
    };
    let media = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "" | "application/json" => Some(BodyType::Json),
        "application/yaml" => Some(BodyType::Yaml),
        PROTOBUF => Some(BodyType::Protobuf),
        _ => None,
    }
}

/// Whether an `Accept` header allows a JSON answer (kcred serve writes JSON only; kubectl and
/// client-go list JSON after protobuf).
pub fn accepts_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return true };
    accept.split(',').any(|part| {
        let media = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        matches!(
            media.as_str(),
            "" | "*/*" | "application/*" | "application/json"
        )
    })
}

/// The object in a body, as JSON: `expected` is the (apiVersion, kind) the URL names.
pub fn decode(kind_of: BodyType, body: &[u8], expected: (&str, &str)) -> Result<Value, String> {
    match kind_of {
        BodyType::Json => super::gostruct::decode(body),
        BodyType::Yaml => {
            // sigs.k8s.io/yaml `YAMLToJSON`: go-yaml v2's first document, a repeated key
            // taking the last value, an alias bomb refused in go-yaml's words; what kcred's
            // parser would read otherwise is refused.
            let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
            if let Some(why) = crate::yaml::go_yaml_v2_difference(text) {
                return Err(why);
            }
            let text = crate::yaml::first_document(text);
            let options = crate::yaml::kubectl_read_options(text)?;
            serde_saphyr::from_str_with_options(text, options).map_err(|e| {
                e.to_string()
                    .lines()
                    .next()
                    .unwrap_or("invalid YAML")
                    .to_string()
            })
        }
        BodyType::Protobuf => decode_protobuf(body, expected),
    }
}

mod pb {
    //! The messages, as prost declares them from Kubernetes' `generated.proto` (proto2).
    use std::collections::HashMap;

    /// `runtime.TypeMeta` (apimachinery/pkg/runtime/generated.proto).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TypeMeta {
        #[prost(string, optional, tag = "1")]
        pub api_version: Option<String>,
        #[prost(string, optional, tag = "2")]
        pub kind: Option<String>,
    }

    /// `runtime.Unknown`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Unknown {
        #[prost(message, optional, tag = "1")]
        pub type_meta: Option<TypeMeta>,
        #[prost(bytes = "vec", optional, tag = "2")]
        pub raw: Option<Vec<u8>>,
        #[prost(string, optional, tag = "3")]
        pub content_encoding: Option<String>,
        #[prost(string, optional, tag = "4")]
        pub content_type: Option<String>,
    }

    /// authorization/v1 `ResourceAttributes` (fieldSelector 8 and labelSelector 9 are
    /// skipped: kcred's authorizers do not read them).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ResourceAttributes {
        #[prost(string, optional, tag = "1")]
        pub namespace: Option<String>,
        #[prost(string, optional, tag = "2")]
        pub verb: Option<String>,
        #[prost(string, optional, tag = "3")]
        pub group: Option<String>,
        #[prost(string, optional, tag = "4")]
        pub version: Option<String>,
        #[prost(string, optional, tag = "5")]
        pub resource: Option<String>,
        #[prost(string, optional, tag = "6")]
        pub subresource: Option<String>,
        #[prost(string, optional, tag = "7")]
        pub name: Option<String>,
    }

    /// authorization/v1 `NonResourceAttributes`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct NonResourceAttributes {
        #[prost(string, optional, tag = "1")]
        pub path: Option<String>,
        #[prost(string, optional, tag = "2")]
        pub verb: Option<String>,
    }

    /// authorization/v1 `ExtraValue`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ExtraValue {
        #[prost(string, repeated, tag = "1")]
        pub items: Vec<String>,
    }

    /// `SubjectAccessReviewSpec` (its first two fields are also
    /// `SelfSubjectAccessReviewSpec`).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SarSpec {
        #[prost(message, optional, tag = "1")]
        pub resource_attributes: Option<ResourceAttributes>,
        #[prost(message, optional, tag = "2")]
        pub non_resource_attributes: Option<NonResourceAttributes>,
        #[prost(string, optional, tag = "3")]
        pub user: Option<String>,
        #[prost(string, repeated, tag = "4")]
        pub groups: Vec<String>,
        #[prost(map = "string, message", tag = "5")]
        pub extra: HashMap<String, ExtraValue>,
        #[prost(string, optional, tag = "6")]
        pub uid: Option<String>,
    }

    /// `SelfSubjectRulesReviewSpec`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct RulesSpec {
        #[prost(string, optional, tag = "1")]
        pub namespace: Option<String>,
    }

    /// authentication/v1 `TokenReviewSpec`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TokenSpec {
        #[prost(string, optional, tag = "1")]
        pub token: Option<String>,
        #[prost(string, repeated, tag = "2")]
        pub audiences: Vec<String>,
    }

    // The reviews: metadata (1, ignored), spec (2); status (3) is the server's to fill.

    /// `TokenReview`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TokenReview {
        #[prost(message, optional, tag = "2")]
        pub spec: Option<TokenSpec>,
    }

    /// `SelfSubjectRulesReview`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct RulesReview {
        #[prost(message, optional, tag = "2")]
        pub spec: Option<RulesSpec>,
    }

    /// `SubjectAccessReview` and `SelfSubjectAccessReview`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct AccessReview {
        #[prost(message, optional, tag = "2")]
        pub spec: Option<SarSpec>,
    }
}

fn decode_protobuf(body: &[u8], (api_version, kind): (&str, &str)) -> Result<Value, String> {
    use prost::Message as _;
    let rest = body.strip_prefix(MAGIC).ok_or(
        "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]",
    )?;
    let unknown = pb::Unknown::decode(rest).map_err(|e| e.to_string())?;
    let tm = unknown.type_meta.unwrap_or_default();
    let (got_v, got_k) = (
        tm.api_version.unwrap_or_default(),
        tm.kind.unwrap_or_default(),
    );
    if (!got_v.is_empty() && got_v != api_version) || (!got_k.is_empty() && got_k != kind) {
        return Err(format!(
            "the body is a {got_k} of {got_v}, not a {kind} of {api_version}"
        ));
    }
    if unknown.content_encoding.is_some_and(|e| !e.is_empty()) {
        return Err("content encodings are not supported".into());
    }
    let raw = unknown.raw.unwrap_or_default();
    let err = |e: prost::DecodeError| e.to_string();
    let spec = match kind {
        "TokenReview" => {
            let r = pb::TokenReview::decode(raw.as_slice()).map_err(err)?;
            let s = r.spec.unwrap_or_default();
            let mut m = Map::new();
            if let Some(t) = s.token {
                m.insert("token".into(), json!(t));
            }
            if !s.audiences.is_empty() {
                m.insert("audiences".into(), json!(s.audiences));
            }
            Value::Object(m)
        }
        "SelfSubjectRulesReview" => {
            let r = pb::RulesReview::decode(raw.as_slice()).map_err(err)?;
            let s = r.spec.unwrap_or_default();
            match s.namespace {
                Some(ns) => json!({"namespace": ns}),
                None => json!({}),
            }
        }
        "SubjectAccessReview" | "SelfSubjectAccessReview" => {
            let r = pb::AccessReview::decode(raw.as_slice()).map_err(err)?;
            sar_spec_json(r.spec.unwrap_or_default(), kind == "SubjectAccessReview")
        }
        // SelfSubjectReview has no spec.
        _ => json!({}),
    };
    let mut obj = json!({"kind": kind, "apiVersion": api_version, "metadata": {}});
    if kind != "SelfSubjectReview" {
        obj["spec"] = spec;
    }
    Ok(obj)
}

fn put(m: &mut Map<String, Value>, k: &str, v: Option<String>) {
    if let Some(v) = v.filter(|v| !v.is_empty()) {
        m.insert(k.into(), Value::String(v));
    }
}

fn sar_spec_json(s: pb::SarSpec, with_user: bool) -> Value {
    let mut m = Map::new();
    if let Some(r) = s.resource_attributes {
        let mut a = Map::new();
        put(&mut a, "namespace", r.namespace);
        put(&mut a, "verb", r.verb);
        put(&mut a, "group", r.group);
        put(&mut a, "version", r.version);
        put(&mut a, "resource", r.resource);
        put(&mut a, "subresource", r.subresource);
        put(&mut a, "name", r.name);
        m.insert("resourceAttributes".into(), Value::Object(a));
    }
    if let Some(n) = s.non_resource_attributes {
        let mut a = Map::new();
        put(&mut a, "path", n.path);
        put(&mut a, "verb", n.verb);
        m.insert("nonResourceAttributes".into(), Value::Object(a));
    }
    if with_user {
        put(&mut m, "user", s.user);
        if !s.groups.is_empty() {
            m.insert("groups".into(), json!(s.groups));
        }
        if !s.extra.is_empty() {
            let extra: BTreeMap<String, Vec<String>> =
                s.extra.into_iter().map(|(k, v)| (k, v.items)).collect();
            m.insert("extra".into(), json!(extra));
        }
        put(&mut m, "uid", s.uid);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message as _;

    fn envelope(api_version: &str, kind: &str, raw: Vec<u8>) -> Vec<u8> {
        let u = pb::Unknown {
            type_meta: Some(pb::TypeMeta {
                api_version: Some(api_version.into()),
                kind: Some(kind.into()),
            }),
            raw: Some(raw),
            content_encoding: Some(String::new()),
            content_type: Some(String::new()),
        };
        let mut out = MAGIC.to_vec();
        out.extend(u.encode_to_vec());
        out
    }

    /// A YAML body is one go-yaml `Unmarshal` (sigs.k8s.io/yaml `YAMLToJSON`), so its alias
    /// guard (`decode.go`, `allowedAliasRatio`) applies: beside this review, 112 aliases of a
    /// 999-item list are refused in go-yaml's words and 111 are read (go-yaml v2.4.0's own
    /// count of the same text); a second document is never read.
    #[test]
    fn a_yaml_body_is_refused_for_its_aliases_where_go_yaml_refuses_it() {
        let body = |refs: usize| {
            format!(
                "apiVersion: authorization.k8s.io/v1\nkind: SubjectAccessReview\nspec:\n  user: alice\n  resourceAttributes: {{verb: get, resource: pods}}\nx-list: &a [{}]\nx-refs: [{}]\n",
                vec!["x"; 999].join(", "),
                vec!["*a"; refs].join(", ")
            )
        };
        let expected = ("authorization.k8s.io/v1", "SubjectAccessReview");
        let read = |text: &str| decode(BodyType::Yaml, text.as_bytes(), expected);
        assert_eq!(
            read(&body(112)),
            Err("yaml: document contains excessive aliasing".to_string())
        );
        assert_eq!(read(&body(111)).unwrap()["spec"]["user"], "alice");
        assert!(read(&format!("{}---\n{}", body(1), body(112))).is_ok());
    }

    #[test]
    fn a_protobuf_self_subject_access_review_reads_as_its_json() {
        let spec = pb::SarSpec {
            resource_attributes: Some(pb::ResourceAttributes {
                namespace: Some("default".into()),
                verb: Some("get".into()),
                resource: Some("pods".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let raw = pb::AccessReview { spec: Some(spec) }.encode_to_vec();
        let body = envelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw);
        let v = decode(
            BodyType::Protobuf,
            &body,
            ("authorization.k8s.io/v1", "SelfSubjectAccessReview"),
        )
        .unwrap();
        assert_eq!(
            v["spec"],
            json!({"resourceAttributes": {"namespace": "default", "verb": "get", "resource": "pods"}})
        );
        assert!(
            decode(
                BodyType::Protobuf,
                &body,
                ("authentication.k8s.io/v1", "TokenReview")
            )
            .is_err()
        );
        assert!(decode(BodyType::Protobuf, b"{}", ("v1", "X")).is_err());
    }

    #[test]
    fn content_types_as_the_api_server_takes_them() {
        assert_eq!(body_type(None), Some(BodyType::Json));
        assert_eq!(
            body_type(Some("application/json; charset=utf-8")),
            Some(BodyType::Json)
        );
        assert_eq!(body_type(Some(PROTOBUF)), Some(BodyType::Protobuf));
        assert_eq!(body_type(Some("text/plain")), None);
        assert!(accepts_json(Some(
            "application/vnd.kubernetes.protobuf, application/json"
        )));
        assert!(!accepts_json(Some("application/vnd.kubernetes.protobuf")));
    }
}
