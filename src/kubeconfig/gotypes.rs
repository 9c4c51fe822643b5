//! The Go types a kubeconfig is decoded into, and the type errors that decoding reports.
//!
//! kubectl loads a kubeconfig with `clientcmd.Load` (client-go `tools/clientcmd/loader.go`):
//! the YAML becomes JSON and is decoded into `v1.Config` (`tools/clientcmd/api/v1/types.go`)
//! by apimachinery's serializer, i.e. `sigs.k8s.io/json`'s case-sensitive `encoding/json`.
//! Unknown fields are ignored, but a value of the wrong JSON type anywhere in the file, in an
//! entry no context uses as much as in the one in use, fails the whole load:
//! `json: cannot unmarshal string into Go struct field ExecConfig.users.user.exec.args of
//! type []string`. kcred models only the fields it reads, so without this walk it would judge
//! a file kubectl never gets past loading.

use serde_json::Value;

/// A Go type, as far as `encoding/json` tells JSON values apart for it.
enum Ty {
    /// A string kind, by its Go type name (`string`, `v1.ExecInteractiveMode`).
    Str(&'static str),
    Bool,
    /// `[]byte`: a base64 string (its decoding is checked where the field is read).
    Bytes,
    Slice(&'static Ty),
    /// `map[string]T`.
    Map(&'static Ty),
    /// A struct, or a pointer to one (the error names the struct either way).
    Struct(&'static Struct),
    /// `runtime.RawExtension`: any JSON.
    Any,
}

struct Struct {
    name: &'static str,
    fields: &'static [(&'static str, Ty)],
}

static STRING: Ty = Ty::Str("string");
static STRINGS: Ty = Ty::Slice(&STRING);
static NAMED_EXTENSION_TY: Ty = Ty::Struct(&NAMED_EXTENSION);
static NAMED_EXTENSION: Struct = Struct {
    name: "NamedExtension",
    fields: &[("name", Ty::Str("string")), ("extension", Ty::Any)],
};

static CONFIG: Struct = Struct {
    name: "Config",
    fields: &[
        ("kind", Ty::Str("string")),
        ("apiVersion", Ty::Str("string")),
        ("preferences", Ty::Struct(&PREFERENCES)),
        ("clusters", Ty::Slice(&Ty::Struct(&NAMED_CLUSTER))),
        ("users", Ty::Slice(&Ty::Struct(&NAMED_AUTH_INFO))),
        ("contexts", Ty::Slice(&Ty::Struct(&NAMED_CONTEXT))),
        ("current-context", Ty::Str("string")),
        ("extensions", Ty::Slice(&NAMED_EXTENSION_TY)),
    ],
};

static PREFERENCES: Struct = Struct {
    name: "Preferences",
    fields: &[
        ("colors", Ty::Bool),
        ("extensions", Ty::Slice(&NAMED_EXTENSION_TY)),
    ],
};

static NAMED_CLUSTER: Struct = Struct {
    name: "NamedCluster",
    fields: &[
        ("name", Ty::Str("string")),
        ("cluster", Ty::Struct(&CLUSTER)),
    ],
};

static CLUSTER: Struct = Struct {
    name: "Cluster",
    fields: &[
        ("server", Ty::Str("string")),
        ("tls-server-name", Ty::Str("string")),
        ("insecure-skip-tls-verify", Ty::Bool),
        ("certificate-authority", Ty::Str("string")),
        ("certificate-authority-data", Ty::Bytes),
        ("proxy-url", Ty::Str("string")),
        ("disable-compression", Ty::Bool),
        ("extensions", Ty::Slice(&NAMED_EXTENSION_TY)),
    ],
};

static NAMED_AUTH_INFO: Struct = Struct {
    name: "NamedAuthInfo",
    fields: &[
        ("name", Ty::Str("string")),
        ("user", Ty::Struct(&AUTH_INFO)),
    ],
};

static AUTH_INFO: Struct = Struct {
    name: "AuthInfo",
    fields: &[
        ("client-certificate", Ty::Str("string")),
        ("client-certificate-data", Ty::Bytes),
        ("client-key", Ty::Str("string")),
        ("client-key-data", Ty::Bytes),
        ("token", Ty::Str("string")),
        ("tokenFile", Ty::Str("string")),
        ("as", Ty::Str("string")),
        ("as-uid", Ty::Str("string")),
        ("as-groups", Ty::Slice(&STRING)),
        ("as-user-extra", Ty::Map(&STRINGS)),
        ("username", Ty::Str("string")),
        ("password", Ty::Str("string")),
        ("auth-provider", Ty::Struct(&AUTH_PROVIDER)),
        ("exec", Ty::Struct(&EXEC)),
        ("extensions", Ty::Slice(&NAMED_EXTENSION_TY)),
    ],
};

static AUTH_PROVIDER: Struct = Struct {
    name: "AuthProviderConfig",
    fields: &[("name", Ty::Str("string")), ("config", Ty::Map(&STRING))],
};

static EXEC: Struct = Struct {
    name: "ExecConfig",
    fields: &[
        ("command", Ty::Str("string")),
        ("args", Ty::Slice(&STRING)),
        ("env", Ty::Slice(&Ty::Struct(&EXEC_ENV_VAR))),
        ("apiVersion", Ty::Str("string")),
        ("installHint", Ty::Str("string")),
        ("provideClusterInfo", Ty::Bool),
        ("interactiveMode", Ty::Str("v1.ExecInteractiveMode")),
    ],
};

static EXEC_ENV_VAR: Struct = Struct {
    name: "ExecEnvVar",
    fields: &[("name", Ty::Str("string")), ("value", Ty::Str("string"))],
};

static NAMED_CONTEXT: Struct = Struct {
    name: "NamedContext",
    fields: &[
        ("name", Ty::Str("string")),
        ("context", Ty::Struct(&CONTEXT)),
    ],
};

static CONTEXT: Struct = Struct {
    name: "Context",
    fields: &[
        ("cluster", Ty::Str("string")),
        ("user", Ty::Str("string")),
        ("namespace", Ty::Str("string")),
        ("extensions", Ty::Slice(&NAMED_EXTENSION_TY)),
    ],
};

/// Check `doc` (the kubeconfig as JSON) against `v1.Config` as `encoding/json` decodes it:
/// `Err` is the first type error in Go's words. A `null` item of a list of structs becomes
/// `{}`, the zero value Go decodes it to.
pub(super) fn check(doc: &mut Value) -> Result<(), String> {
    let mut path = Vec::new();
    walk(doc, &Ty::Struct(&CONFIG), &mut path, "Config")
}

fn walk(
    v: &mut Value,
    ty: &Ty,
    path: &mut Vec<&'static str>,
    within: &'static str,
) -> Result<(), String> {
    let wrong = |kind: &str| {
        Err(format!(
            "json: cannot unmarshal {kind} into Go struct field {within}.{} of type {}",
            path.join("."),
            type_name(ty)
        ))
    };
    let kind = match v {
        Value::Null => return Ok(()),
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    match (ty, v) {
        (Ty::Any, _) => Ok(()),
        (Ty::Str(_), Value::String(_)) | (Ty::Bool, Value::Bool(_)) => Ok(()),
        // A string is base64 (checked where it is read); an array of numbers is a []byte too.
        (Ty::Bytes, Value::String(_) | Value::Array(_)) => Ok(()),
        (Ty::Slice(item), Value::Array(items)) => {
            for it in items {
                if it.is_null() && matches!(item, Ty::Struct(_)) {
                    *it = Value::Object(Default::default());
                }
                walk(it, item, path, within)?;
            }
            Ok(())
        }
        (Ty::Map(item), Value::Object(members)) => {
            for m in members.values_mut() {
                walk(m, item, path, within)?;
            }
            Ok(())
        }
        (Ty::Struct(s), Value::Object(members)) => {
            for (key, field_ty) in s.fields {
                if let Some(m) = members.get_mut(*key) {
                    path.push(key);
                    let r = walk(m, field_ty, path, s.name);
                    path.pop();
                    r?;
                }
            }
            Ok(())
        }
        _ => wrong(kind),
    }
}

/// `reflect.Type.String()` of the Go type.
fn type_name(ty: &Ty) -> String {
    match ty {
        Ty::Str(name) => (*name).to_string(),
        Ty::Bool => "bool".into(),
        Ty::Bytes => "[]uint8".into(),
        Ty::Slice(item) => format!("[]{}", type_name(item)),
        Ty::Map(item) => format!("map[string]{}", type_name(item)),
        Ty::Struct(s) => format!("v1.{}", s.name),
        Ty::Any => "runtime.RawExtension".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_wrong_type_anywhere_is_go_s_error() {
        let mut doc =
            json!({"users": [{"name": "unused", "user": {"exec": {"command": "x", "args": "a"}}}]});
        assert_eq!(
            check(&mut doc).unwrap_err(),
            "json: cannot unmarshal string into Go struct field ExecConfig.users.user.exec.args of type []string"
        );
        let mut doc = json!({"preferences": {"extensions": {"a": 1}}});
        assert_eq!(
            check(&mut doc).unwrap_err(),
            "json: cannot unmarshal object into Go struct field Preferences.preferences.extensions of type []v1.NamedExtension"
        );
        let mut doc = json!({"users": ["x"]});
        assert_eq!(
            check(&mut doc).unwrap_err(),
            "json: cannot unmarshal string into Go struct field Config.users of type v1.NamedAuthInfo"
        );
    }

    #[test]
    fn nulls_and_unknown_fields_are_fine_and_null_items_are_zero_values() {
        let mut doc =
            json!({"users": [null, {"name": "a", "user": {"token": null, "x": [1]}}], "what": 5});
        check(&mut doc).unwrap();
        assert_eq!(doc["users"][0], json!({}));
    }
}
