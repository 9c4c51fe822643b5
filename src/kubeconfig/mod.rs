//! kubectl's kubeconfig: build one, load one file or a `KUBECONFIG` list, pick a context,
//! read the user's credential, and write it back as kubectl writes it.
//!
//! The model ([`Kubeconfig`], after client-go `tools/clientcmd/api/v1/types.go`) is typed
//! where kcred reads or writes and keeps everything else as written (`rest` maps), so a
//! load + write loses nothing kcred does not understand: unknown fields, `extensions`,
//! exec and auth-provider users, preferences. That is what `kcred kubeconfig --merge` needs,
//! and what kubectl itself does not promise.
//!
//! Reading follows client-go `tools/clientcmd/loader.go`: a `KUBECONFIG` list is merged with
//! the first file winning for each cluster, user and context name and for current-context;
//! a relative path inside a file is relative to that file's directory (`ResolveLocalPaths`).
//! Writing ([`Kubeconfig::to_yaml`]) follows kubectl's `clientcmd.Write`: JSON converted to
//! YAML, so keys are sorted at every level (go-yaml's order), named lists are sorted by name,
//! `current-context` and `preferences` are always present, and embedded data is standard
//! padded base64 on one line. Strings that a YAML 1.1 reader (kubectl's go-yaml) would take
//! for a bool, number, null or timestamp (`yes`, `on`, `~`, `1.0`, `0123`, …) are quoted.
//!
//! ```
//! use kcred::kubeconfig::{Cluster, UserCredential, Kubeconfig, User};
//!
//! let kc = Kubeconfig::single(
//!     "kubernetes",
//!     Cluster::new("https://10.0.0.1:6443"),
//!     "yes", // a name YAML 1.1 would read as a bool
//!     User::token("abc.def"),
//! );
//! let yaml = kc.to_yaml()?;
//! assert!(yaml.contains("current-context: yes@kubernetes\n"));
//! assert!(yaml.contains("- name: \"yes\"\n") || yaml.contains("- name: 'yes'\n"));
//!
//! let back = Kubeconfig::from_yaml("example", &yaml)?;
//! let selected = back.select(None)?;
//! assert_eq!(selected.user_name, "yes");
//! assert_eq!(selected.cluster.server, "https://10.0.0.1:6443");
//! assert!(matches!(selected.credential, UserCredential::Token(t) if t == "abc.def"));
//! # Ok::<(), kcred::Error>(())
//! ```

mod gotypes;
mod model;
mod select;
pub mod server_url;
pub(crate) mod validate;

pub use model::{Cluster, Context, Kubeconfig, NamedCluster, NamedContext, NamedUser, User};
pub use select::{ClusterInfo, Selected, UserCredential};
pub use validate::Impersonation;

use std::cmp::Ordering;
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::fsio;

/// The default context name for a user on a cluster: `USER@CLUSTER`, as kubeadm names them.
pub fn context_name(user: &str, cluster: &str) -> String {
    format!("{user}@{cluster}")
}

/// Where kubectl looks when `KUBECONFIG` is unset: `~/.kube/config`.
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".kube").join("config"))
}

/// The file kubectl reads when `KUBECONFIG` is unset: `~/.kube/config`, or, when only the
/// pre-1.0 `~/.kube/.kubeconfig` exists, that file (client-go loader.go `Migrate` copies it to
/// `~/.kube/config` before loading; kcred reads it where it is and writes nothing).
pub fn default_read_path() -> Option<PathBuf> {
    let path = default_path()?;
    if path.exists() {
        return Some(path);
    }
    let old = path.with_file_name(".kubeconfig");
    old.is_file().then_some(old)
}

/// The file kubectl writes a new entry to (`kubectl config set-*`: client-go
/// `clientcmd.ModifyConfig` sends an entry no file holds yet to
/// `PathOptions.GetDefaultFilename`, `tools/clientcmd/config.go`): with `KUBECONFIG` set (a
/// path list, each file once), its only file, else the first of its files that exists, else
/// its *last* file; without it, `~/.kube/config`. Empty list entries are skipped (client-go
/// would name the empty path and fail to write it).
pub fn default_write_path() -> Option<PathBuf> {
    let list = std::env::var_os("KUBECONFIG").filter(|l| !l.is_empty());
    let Some(list) = list else {
        return default_path();
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for p in std::env::split_paths(&list) {
        if !p.as_os_str().is_empty() && !files.contains(&p) {
            files.push(p);
        }
    }
    files
        .iter()
        .find(|p| std::fs::metadata(p).is_ok())
        .or(files.last())
        .cloned()
        .or_else(default_path)
}

impl Kubeconfig {
    /// An empty kubeconfig (`apiVersion: v1`, `kind: Config`).
    pub fn new() -> Self {
        let mut rest = Map::new();
        rest.insert("apiVersion".into(), Value::from("v1"));
        rest.insert("kind".into(), Value::from("Config"));
        Kubeconfig {
            rest,
            ..Kubeconfig::default()
        }
    }

    /// A kubeconfig with one cluster, one user and the context `USER@CLUSTER` joining them,
    /// made current (what kubeadm writes for each component).
    pub fn single(cluster_name: &str, cluster: Cluster, user_name: &str, user: User) -> Self {
        let mut kc = Kubeconfig::new();
        let context = context_name(user_name, cluster_name);
        kc.set_cluster(cluster_name, cluster);
        kc.set_user(user_name, user);
        kc.set_context(&context, Context::new(cluster_name, user_name));
        kc.current_context = context;
        kc
    }

    /// The kubeconfig as a file to write with [`fsio::write_all`]: mode 0600 (it may hold
    /// keys and tokens), written atomically.
    pub fn to_output(&self, path: impl Into<PathBuf>) -> Result<fsio::Output> {
        Ok(fsio::Output::secret(path, self.to_yaml()?.into_bytes()))
    }

    /// Parse kubeconfig YAML (or JSON). `source` names it in errors. Entries are not given an
    /// origin: relative paths in them resolve against the current directory.
    pub fn from_yaml(source: &str, text: &str) -> Result<Self> {
        // kubectl decodes the first YAML document only (sigs.k8s.io/yaml `YAMLToJSON` is one
        // go-yaml `Unmarshal`): a file with several reads as its first, an empty first
        // document as an empty kubeconfig, and what follows it is not read.
        if let Some(why) = crate::yaml::go_yaml_v2_difference(text) {
            return Err(Error::input(source, why));
        }
        let text = crate::yaml::first_document(text);
        // kubectl reads with go-yaml v2 (YAML 1.1): leading-zero numbers are octal,
        // `token: a` then `token: b` is b, and an alias bomb is refused.
        let options =
            crate::yaml::kubectl_read_options(text).map_err(|why| Error::input(source, why))?;
        let value: Value = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
            let msg = e.to_string();
            Error::input(
                source,
                format!(
                    "not valid YAML: {}",
                    // serde-saphyr opens its message with "error: ", which reads as a second
                    // error after kcred's own.
                    msg.lines()
                        .next()
                        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
                        .unwrap_or("invalid YAML")
                ),
            )
        })?;
        let mut value = match value {
            // An empty file is an empty kubeconfig, as for kubectl.
            Value::Null => return Ok(Kubeconfig::new()),
            v @ Value::Object(_) => v,
            _ => {
                return Err(Error::input(
                    source,
                    "not a kubeconfig (not a YAML mapping)",
                ));
            }
        };
        check_type(source, &value)?;
        gotypes::check(&mut value).map_err(|e| Error::input(source, e))?;
        let kc: Kubeconfig = serde_json::from_value(value).map_err(|e| {
            Error::input(
                source,
                format!("not a valid kubeconfig: {}", redact(&e.to_string())),
            )
        })?;
        kc.check_unique_names(source)?;
        Ok(kc)
    }

    /// client-go turns each named list into a map and refuses a repeated name (`v1`
    /// `Convert_Slice_v1_NamedCluster_To_Map_string_To_Pointer_api_Cluster` and its
    /// siblings in `tools/clientcmd/api/v1/conversion.go`): such a file is not one kubectl
    /// can load, and a merge into it could not say which entry it replaced.
    fn check_unique_names(&self, source: &str) -> Result<()> {
        let lists: [(&str, Vec<&str>); 3] = [
            (
                "cluster",
                self.clusters.iter().map(|c| c.name.as_str()).collect(),
            ),
            ("user", self.users.iter().map(|u| u.name.as_str()).collect()),
            (
                "context",
                self.contexts.iter().map(|c| c.name.as_str()).collect(),
            ),
        ];
        for (what, names) in lists {
            for (i, name) in names.iter().enumerate() {
                if names[..i].contains(name) {
                    return Err(Error::input(
                        source,
                        format!(
                            "not a valid kubeconfig: {what} name {:?} appears twice (kubectl refuses the file)",
                            crate::output::sanitize(name)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Read one kubeconfig file. Relative paths in it resolve against its directory.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = fsio::read(path)?;
        let source = fsio::display(path);
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Error::input(&source, "not a kubeconfig (not UTF-8 text)"))?;
        let mut kc = Kubeconfig::from_yaml(&source, text)?;
        kc.set_origin(path);
        Ok(kc)
    }

    /// The kubeconfig kubectl would use: the files in `KUBECONFIG` merged (see
    /// [`Kubeconfig::load_merged`]), or `~/.kube/config` when it is unset or empty. A
    /// missing default file is an empty kubeconfig.
    pub fn load_env() -> Result<Self> {
        match std::env::var_os("KUBECONFIG") {
            Some(list) if !list.is_empty() => {
                let paths: Vec<PathBuf> = std::env::split_paths(&list).collect();
                Kubeconfig::load_merged(&paths)
            }
            _ => match default_read_path() {
                Some(p) => Kubeconfig::load(&p),
                None => Ok(Kubeconfig::new()),
            },
        }
    }

    /// Merge several kubeconfig files with kubectl's rules (client-go `loader.go`): files
    /// that do not exist and empty entries are skipped, a repeated file counts once, the
    /// first file to define a cluster, user or context name wins, and the first non-empty
    /// current-context wins (as do the first file's preferences and other top-level fields,
    /// key by key).
    pub fn load_merged(paths: &[PathBuf]) -> Result<Self> {
        let mut merged = Kubeconfig::new();
        let mut seen: Vec<&PathBuf> = Vec::new();
        let mut first = true;
        for path in paths {
            if path.as_os_str().is_empty() || seen.contains(&path) {
                continue;
            }
            seen.push(path);
            if !path.exists() {
                continue;
            }
            let kc = Kubeconfig::load(path)?;
            merged.merge_from(kc, first);
            first = false;
        }
        Ok(merged)
    }

    /// Add what `other` has and `self` lacks (`self` wins every conflict).
    fn merge_from(&mut self, other: Kubeconfig, replace_top: bool) {
        let Kubeconfig {
            clusters,
            users,
            contexts,
            current_context,
            preferences,
            rest,
        } = other;
        for c in clusters {
            if self.cluster(&c.name).is_none() {
                self.clusters.push(c);
            }
        }
        for u in users {
            if self.user(&u.name).is_none() {
                self.users.push(u);
            }
        }
        for c in contexts {
            if self.context(&c.name).is_none() {
                self.contexts.push(c);
            }
        }
        if self.current_context.is_empty() {
            self.current_context = current_context;
        }
        for (k, v) in preferences {
            self.preferences.entry(k).or_insert(v);
        }
        for (k, v) in rest {
            if replace_top || !self.rest.contains_key(&k) {
                self.rest.insert(k, v);
            }
        }
    }

    /// Record that every entry came from `path` (for resolving relative paths).
    pub fn set_origin(&mut self, path: &Path) {
        let p = Some(path.to_path_buf());
        self.clusters
            .iter_mut()
            .for_each(|c| c.origin.clone_from(&p));
        self.users.iter_mut().for_each(|u| u.origin.clone_from(&p));
        self.contexts
            .iter_mut()
            .for_each(|c| c.origin.clone_from(&p));
    }

    /// The cluster named `name`.
    pub fn cluster(&self, name: &str) -> Option<&NamedCluster> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// The user named `name`.
    pub fn user(&self, name: &str) -> Option<&NamedUser> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The context named `name`.
    pub fn context(&self, name: &str) -> Option<&NamedContext> {
        self.contexts.iter().find(|c| c.name == name)
    }

    /// Add the cluster `name`, or replace the one of that name (in place).
    pub fn set_cluster(&mut self, name: &str, cluster: Cluster) {
        let entry = NamedCluster {
            name: name.to_string(),
            cluster,
            ..NamedCluster::default()
        };
        match self.clusters.iter_mut().find(|c| c.name == name) {
            Some(c) => *c = entry,
            None => self.clusters.push(entry),
        }
    }

    /// Add the user `name`, or replace the one of that name (in place).
    pub fn set_user(&mut self, name: &str, user: User) {
        let entry = NamedUser {
            name: name.to_string(),
            user,
            ..NamedUser::default()
        };
        match self.users.iter_mut().find(|u| u.name == name) {
            Some(u) => *u = entry,
            None => self.users.push(entry),
        }
    }

    /// Add the context `name`, or replace the one of that name (in place).
    pub fn set_context(&mut self, name: &str, context: Context) {
        let entry = NamedContext {
            name: name.to_string(),
            context,
            ..NamedContext::default()
        };
        match self.contexts.iter_mut().find(|c| c.name == name) {
            Some(c) => *c = entry,
            None => self.contexts.push(entry),
        }
    }

    /// What setting `cluster` and `user` under these names would change for contexts other
    /// than `context`: each existing entry of that name that differs from the new one and
    /// that another context uses. Replacing an entry only the written context uses, or
    /// with identical content, changes nothing for anyone else and is not listed.
    ///
    /// kubectl's own `config set-cluster` edits a named cluster in place for every context
    /// that uses it; a merge that mints one credential must not do that silently.
    pub fn rewired_by(
        &self,
        cluster_name: &str,
        cluster: &Cluster,
        user_name: &str,
        user: &User,
        context: &str,
    ) -> Result<Vec<Rewired>> {
        let mut out = Vec::new();
        let new_cluster = NamedCluster {
            name: cluster_name.to_string(),
            cluster: cluster.clone(),
            ..NamedCluster::default()
        };
        if let Some(old) = self.cluster(cluster_name) {
            let users: Vec<String> = self
                .contexts
                .iter()
                .filter(|c| c.name != context && c.context.cluster == cluster_name)
                .map(|c| c.name.clone())
                .collect();
            let fields = changed_fields(&encode(old)?, &encode(&new_cluster)?);
            if !users.is_empty() && !fields.is_empty() {
                out.push(Rewired::new("cluster", cluster_name, users, fields));
            }
        }
        let new_user = NamedUser {
            name: user_name.to_string(),
            user: user.clone(),
            ..NamedUser::default()
        };
        if let Some(old) = self.user(user_name) {
            let users: Vec<String> = self
                .contexts
                .iter()
                .filter(|c| c.name != context && c.context.user == user_name)
                .map(|c| c.name.clone())
                .collect();
            let fields = changed_fields(&encode(old)?, &encode(&new_user)?);
            if !users.is_empty() && !fields.is_empty() {
                out.push(Rewired::new("user", user_name, users, fields));
            }
        }
        Ok(out)
    }

    /// The document as kubectl would marshal it to JSON before converting it to YAML: keys
    /// sorted (go-yaml's order) at every level, `clusters`/`users`/`contexts` and every
    /// `extensions` list sorted by name, `apiVersion`, `kind`, `current-context` and
    /// `preferences` always present, and empty top-level lists as `null`.
    pub fn to_value(&self) -> Result<Value> {
        let mut v = serde_json::to_value(self)
            .map_err(|e| Error::Encoding(format!("encoding the kubeconfig: {e}")))?;
        if let Value::Object(top) = &mut v {
            top.entry("apiVersion").or_insert_with(|| Value::from("v1"));
            top.entry("kind").or_insert_with(|| Value::from("Config"));
            for list in ["clusters", "users", "contexts"] {
                if top
                    .get(list)
                    .and_then(Value::as_array)
                    .is_some_and(Vec::is_empty)
                {
                    top.insert(list.into(), Value::Null);
                }
            }
        }
        Ok(kubectl_order(v, None))
    }

    /// The kubeconfig as kubectl writes it (see [`Kubeconfig::to_value`]).
    pub fn to_yaml(&self) -> Result<String> {
        let v = self.to_value()?;
        let options = serde_saphyr::ser_options! {
            // One line per value, like go-yaml: base64 data is never folded.
            prefer_block_scalars: false,
            // The default (YAML 1.1 compatibility) quotes `yes`, `on`, `~`, `0123`, `1e3`…,
            // which kubectl's go-yaml would otherwise read as bools, nulls and numbers.
            yaml_12: false,
        };
        serde_saphyr::to_string_with_options(&v, options)
            .map_err(|e| Error::Crypto(format!("encoding the kubeconfig as YAML: {e}")))
    }
}

/// A cluster or user entry that other contexts use and that a merge would replace with
/// different content (see [`Kubeconfig::rewired_by`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewired {
    /// `cluster` or `user`.
    pub kind: &'static str,
    /// The entry's name.
    pub name: String,
    /// The other contexts that use it, sorted.
    pub contexts: Vec<String>,
    /// The fields that would change (`cluster.server`, `user.client-key-data`, …), sorted;
    /// names only, never values (they may be keys or tokens).
    pub fields: Vec<String>,
}

impl Rewired {
    fn new(kind: &'static str, name: &str, mut contexts: Vec<String>, fields: Vec<String>) -> Self {
        contexts.sort();
        contexts.dedup();
        Rewired {
            kind,
            name: name.to_string(),
            contexts,
            fields,
        }
    }
}

impl std::fmt::Display for Rewired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let quoted: Vec<String> = self
            .contexts
            .iter()
            .map(|c| format!("{:?}", crate::output::sanitize(c)))
            .collect();
        write!(
            f,
            "{} {:?} (used by context{} {}; changed: {})",
            self.kind,
            crate::output::sanitize(&self.name),
            if quoted.len() == 1 { "" } else { "s" },
            quoted.join(", "),
            self.fields.join(", ")
        )
    }
}

/// An entry as it would be written (origin left out).
fn encode<T: serde::Serialize>(entry: &T) -> Result<Value> {
    serde_json::to_value(entry)
        .map_err(|e| Error::Encoding(format!("encoding the kubeconfig: {e}")))
}

/// The fields in which two named entries differ: keys of the inner `cluster`/`user` object
/// as `cluster.KEY`, and unknown keys next to `name` as they are.
fn changed_fields(old: &Value, new: &Value) -> Vec<String> {
    let empty = Map::new();
    let obj = |v: &Value| v.as_object().cloned().unwrap_or_default();
    let (old, new) = (obj(old), obj(new));
    let mut fields = Vec::new();
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        if key == "name" {
            continue;
        }
        let (a, b) = (old.get(key), new.get(key));
        if a == b {
            continue;
        }
        match (
            key.as_str(),
            a.and_then(Value::as_object),
            b.and_then(Value::as_object),
        ) {
            ("cluster" | "user", ia, ib) => {
                let (ia, ib) = (ia.unwrap_or(&empty), ib.unwrap_or(&empty));
                let mut inner: Vec<&String> = ia.keys().chain(ib.keys()).collect();
                inner.sort();
                inner.dedup();
                for k in inner {
                    if ia.get(k) != ib.get(k) {
                        fields.push(format!("{key}.{k}"));
                    }
                }
            }
            _ => fields.push(key.clone()),
        }
    }
    fields
}

impl NamedCluster {
    /// A path from this entry, resolved as kubectl resolves it (see [`resolve_path`]).
    pub fn resolve(&self, path: &str) -> PathBuf {
        resolve_path(self.origin.as_deref(), path)
    }
}

impl NamedUser {
    /// A path from this entry, resolved as kubectl resolves it (see [`resolve_path`]).
    pub fn resolve(&self, path: &str) -> PathBuf {
        resolve_path(self.origin.as_deref(), path)
    }
}

/// A path written in the kubeconfig `origin`: absolute as is, relative against the
/// directory of `origin` (client-go `ResolveLocalPaths`), or against the current directory
/// when the kubeconfig came from nowhere in particular.
pub fn resolve_path(origin: Option<&Path>, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    match origin.and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(p),
        _ => p.to_path_buf(),
    }
}

/// `target` written relative to directory `base` (both made absolute against the current
/// directory and cleaned lexically, without following links), the way a kubeconfig in
/// `base` should name it. Falls back to the absolute path if the current directory cannot
/// be read.
pub fn relative_to(target: &Path, base: &Path) -> PathBuf {
    let Ok(cwd) = std::env::current_dir() else {
        return target.to_path_buf();
    };
    let t = clean(&cwd.join(target));
    let b = clean(&cwd.join(base));
    let tc: Vec<_> = t.components().collect();
    let bc: Vec<_> = b.components().collect();
    let common = tc.iter().zip(&bc).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..bc.len() {
        out.push("..");
    }
    for c in &tc[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Remove `.` and resolve `..` lexically (Go's `filepath.Clean`).
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A kubeconfig is `apiVersion: v1`, `kind: Config`, either of which may be left out:
/// client-go `clientcmd.Load` decodes with the defaults `{Version: v1, Kind: Config}`
/// (`tools/clientcmd/loader.go`), and its scheme knows no other kind or version, so kubectl
/// refuses `kind: Pod` ("no kind \"Pod\" is registered for version \"v1\"") or
/// `apiVersion: v2`. Merging into such a file would turn a manifest into a broken kubeconfig.
fn check_type(source: &str, doc: &Value) -> Result<()> {
    let field = |key: &str, want: &str| -> Result<()> {
        match doc.get(key) {
            None | Some(Value::Null) => Ok(()),
            Some(Value::String(s)) if s.is_empty() || s == want => Ok(()),
            Some(other) => {
                let shown = match other {
                    Value::String(s) => format!("{:?}", crate::output::sanitize(s)),
                    _ => "a value that is not a string".into(),
                };
                Err(Error::input(
                    source,
                    format!(
                        "not a kubeconfig: {key} is {shown}, and a kubeconfig is apiVersion v1, kind Config"
                    ),
                ))
            }
        }
    };
    field("apiVersion", "v1")?;
    field("kind", "Config")
}

/// serde's "invalid type: string \"…\", expected …" quotes the value, which may be a token or
/// a key put in the wrong place: keep only what was expected.
fn redact(msg: &str) -> String {
    match msg.split_once(", expected ") {
        Some((_, expected)) if msg.starts_with("invalid ") => {
            format!("a value of the wrong type, expected {expected}")
        }
        _ => msg.to_string(),
    }
}

/// Sort as kubectl's output is sorted: map keys in go-yaml's order, and the named lists of a
/// kubeconfig by name (client-go converts its maps to lists with `sort.Strings`).
fn kubectl_order(v: Value, key: Option<&str>) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| go_yaml_key_order(&a.0, &b.0));
            let mut out = Map::new();
            for (k, v) in entries {
                let v = kubectl_order(v, Some(&k));
                out.insert(k, v);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut items: Vec<Value> = items.into_iter().map(|i| kubectl_order(i, None)).collect();
            let named = matches!(key, Some("clusters" | "users" | "contexts" | "extensions"))
                && items
                    .iter()
                    .all(|i| i.get("name").is_some_and(Value::is_string));
            if named {
                items.sort_by(|a, b| {
                    let n = |v: &Value| v["name"].as_str().unwrap_or_default().to_owned();
                    n(a).cmp(&n(b))
                });
            }
            Value::Array(items)
        }
        other => other,
    }
}

/// go-yaml v2's map key order (`sorter.go` `keyList.Less`): letters compare as runes, a
/// non-letter sorts before a letter, and runs of digits compare by value.
fn go_yaml_key_order(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let less = |x: bool| if x { Ordering::Less } else { Ordering::Greater };
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return less(bl);
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .saturating_mul(10)
                .saturating_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .saturating_mul(10)
                .saturating_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
mod tests;
