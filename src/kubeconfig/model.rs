//! The kubeconfig types, after client-go `tools/clientcmd/api/v1/types.go`. Every struct
//! keeps what it does not know in a `rest` map (`#[serde(flatten)]`), so a kubeconfig that
//! kcred loads and writes back keeps unknown fields, `extensions`, exec and auth-provider
//! configuration and preferences. Embedded `*-data` fields are bytes, written as Go's
//! `encoding/json` writes `[]byte`: standard padded base64 on one line.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A whole kubeconfig (`v1.Config`): see the [module docs](crate::kubeconfig).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Kubeconfig {
    /// Named clusters.
    #[serde(default, deserialize_with = "null_as_default")]
    pub clusters: Vec<NamedCluster>,
    /// Named users (`AuthInfo`s).
    #[serde(default, deserialize_with = "null_as_default")]
    pub users: Vec<NamedUser>,
    /// Named contexts.
    #[serde(default, deserialize_with = "null_as_default")]
    pub contexts: Vec<NamedContext>,
    /// The context kubectl uses when none is named.
    #[serde(
        rename = "current-context",
        default,
        deserialize_with = "null_as_default"
    )]
    pub current_context: String,
    /// `preferences` (kept as written; kubectl always writes at least `{}`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub preferences: Map<String, Value>,
    /// Everything else: `apiVersion`, `kind`, `extensions`, unknown fields.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// `clusters[]`: a name and a cluster.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedCluster {
    /// The cluster's name (what contexts refer to).
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// The cluster.
    #[serde(default, deserialize_with = "null_as_default")]
    pub cluster: Cluster,
    /// Unknown fields next to `name`.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
    /// The file this entry was read from (relative paths in it are relative to that
    /// file's directory); not written.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// `users[]`: a name and a user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedUser {
    /// The user's name (what contexts refer to).
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// The user's credentials.
    #[serde(default, deserialize_with = "null_as_default")]
    pub user: User,
    /// Unknown fields next to `name`.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
    /// The file this entry was read from; not written.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// `contexts[]`: a name and a context.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedContext {
    /// The context's name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// The context.
    #[serde(default, deserialize_with = "null_as_default")]
    pub context: Context,
    /// Unknown fields next to `name`.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
    /// The file this entry was read from; not written.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// `v1.Cluster`: where the API server is and how to trust it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// `https://host:port` (kubectl always writes this field).
    #[serde(default, deserialize_with = "null_as_default")]
    pub server: String,
    /// A CA bundle file (relative to the kubeconfig's directory).
    #[serde(
        rename = "certificate-authority",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub certificate_authority: String,
    /// An embedded CA bundle (PEM bytes).
    #[serde(
        rename = "certificate-authority-data",
        default,
        skip_serializing_if = "Option::is_none",
        with = "base64_bytes"
    )]
    pub certificate_authority_data: Option<Vec<u8>>,
    /// Skip verifying the server's certificate.
    #[serde(
        rename = "insecure-skip-tls-verify",
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "null_as_default"
    )]
    pub insecure_skip_tls_verify: bool,
    /// The name to verify the server's certificate against, if not the URL's host.
    #[serde(
        rename = "tls-server-name",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub tls_server_name: String,
    /// Everything else: `proxy-url`, `disable-compression`, `extensions`, unknown fields.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// `v1.Context`: a cluster, a user and a namespace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// The cluster's name (always written).
    #[serde(default, deserialize_with = "null_as_default")]
    pub cluster: String,
    /// The user's name (always written).
    #[serde(default, deserialize_with = "null_as_default")]
    pub user: String,
    /// Default namespace.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub namespace: String,
    /// Everything else: `extensions`, unknown fields.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// `v1.AuthInfo`: how to authenticate. Only the fields kcred reads or writes are typed;
/// the rest (`exec`, `auth-provider`, `username`/`password`, impersonation, `extensions`)
/// stay in `rest`, as written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// A client certificate file.
    #[serde(
        rename = "client-certificate",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub client_certificate: String,
    /// An embedded client certificate (PEM bytes).
    #[serde(
        rename = "client-certificate-data",
        default,
        skip_serializing_if = "Option::is_none",
        with = "base64_bytes"
    )]
    pub client_certificate_data: Option<Vec<u8>>,
    /// A client key file.
    #[serde(
        rename = "client-key",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub client_key: String,
    /// An embedded client key (PEM bytes).
    #[serde(
        rename = "client-key-data",
        default,
        skip_serializing_if = "Option::is_none",
        with = "base64_bytes"
    )]
    pub client_key_data: Option<Vec<u8>>,
    /// A bearer token.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub token: String,
    /// A file holding a bearer token (re-read by client-go as it changes).
    #[serde(
        rename = "tokenFile",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub token_file: String,
    /// Everything else, as written.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

impl Cluster {
    /// A cluster at `server`.
    pub fn new(server: impl Into<String>) -> Self {
        Cluster {
            server: server.into(),
            ..Cluster::default()
        }
    }

    /// Trust the CA bundle `pem`, embedded.
    pub fn with_ca_data(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.certificate_authority_data = Some(pem.into());
        self.certificate_authority.clear();
        self
    }

    /// Trust the CA bundle in `path` (as written: relative to the kubeconfig's directory).
    pub fn with_ca_file(mut self, path: impl Into<String>) -> Self {
        self.certificate_authority = path.into();
        self.certificate_authority_data = None;
        self
    }
}

impl Context {
    /// `user` on `cluster`.
    pub fn new(cluster: impl Into<String>, user: impl Into<String>) -> Self {
        Context {
            cluster: cluster.into(),
            user: user.into(),
            ..Context::default()
        }
    }

    /// With a default namespace.
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }
}

impl User {
    /// A client certificate and key, embedded.
    pub fn client_cert_data(cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        User {
            client_certificate_data: Some(cert_pem.into()),
            client_key_data: Some(key_pem.into()),
            ..User::default()
        }
    }

    /// A client certificate and key in files (relative to the kubeconfig's directory).
    pub fn client_cert_files(cert: impl Into<String>, key: impl Into<String>) -> Self {
        User {
            client_certificate: cert.into(),
            client_key: key.into(),
            ..User::default()
        }
    }

    /// A bearer token, embedded.
    pub fn token(token: impl Into<String>) -> Self {
        User {
            token: token.into(),
            ..User::default()
        }
    }

    /// A bearer token read from a file.
    pub fn token_file(path: impl Into<String>) -> Self {
        User {
            token_file: path.into(),
            ..User::default()
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// YAML `null` (`key:` with nothing after it, or `~`) reads as the empty value, as Go's
/// `encoding/json` leaves a field untouched on `null`. A scalar of another type where a
/// string belongs (an unquoted `yes`, `123` or `1.5`) is refused, as kubectl refuses it:
/// clientcmd's codec turns the YAML into JSON without the target types
/// (`sigs.k8s.io/yaml.YAMLToJSON`), then `encoding/json` will not put a number or a bool
/// into a string ("json: cannot unmarshal number into Go struct field ... of type string").
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned + Default,
{
    let v = Value::deserialize(d)?;
    if v.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(v.clone()).map_err(|e| match v {
        Value::Bool(_) | Value::Number(_) => serde::de::Error::custom(format!(
            "the unquoted value {v} is a {} where kubectl needs a string (json: cannot unmarshal {0} into Go struct field of type string); quote it",
            if v.is_boolean() { "bool" } else { "number" }
        )),
        _ => serde::de::Error::custom(e),
    })
}

/// `[]byte` as Go's `encoding/json` reads and writes it: standard padded base64, on one line
/// when written. Reading skips `\r` and `\n` only, as Go's `base64.StdEncoding` does; any
/// other whitespace, missing or extra padding is "illegal base64 data", and kubectl refuses
/// the file.
mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(bytes) => s.serialize_str(&STANDARD.encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        let compact: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
        if compact.is_empty() {
            return Ok(None);
        }
        crate::pem::GO_STD_BASE64.decode(&compact).map(Some).map_err(|_| {
            serde::de::Error::custom(
                "a *-data field is not valid base64 (padded standard base64; kubectl: \"illegal base64 data\")",
            )
        })
    }
}
