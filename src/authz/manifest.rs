//! RBAC manifests from files, directories and stdin, read the way `kubectl create -f` reads
//! them: YAML or JSON, several documents per file, `List` and typed `*List` objects holding
//! `items`, directories walked for `.yaml`, `.yml` and `.json` files (recursively, in name
//! order). Roles, ClusterRoles, RoleBindings and ClusterRoleBindings go into the
//! [`Policy`]; other kinds are counted and left alone.
//!
//! Bad input stops the load with one line naming the file and the object: a document that
//! does not parse, a field of the wrong type (kubectl's decoder refuses those too, e.g. an
//! unquoted `y` read as a YAML 1.1 boolean where a string belongs), a binding without a
//! `roleRef`, an RBAC object without a name, or an RBAC `apiVersion` the API server no longer
//! serves. Nothing is guessed. A Role or RoleBinding without a namespace lands in `default`,
//! where `kubectl create -f` would put it with the default context.
//!
//! Two readers, one answer: the typed reader (`authz::typed`) reads the documents straight
//! into RBAC objects (JSON files with serde_json), and takes only what it can read exactly as
//! the generic reader here does; every other file goes through the generic reader
//! (serde-saphyr into `serde_json::Value`, then the checks below), which words the errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use super::rbac::{Binding, Policy, Role};
use crate::error::{Error, Result};

/// `rbac.authorization.k8s.io/v1`, the only RBAC version served since Kubernetes 1.22.
pub const RBAC_V1: &str = "rbac.authorization.k8s.io/v1";

/// What a load found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// RBAC objects read, by kind.
    pub loaded: BTreeMap<String, usize>,
    /// Other objects, by kind (ignored).
    pub ignored: BTreeMap<String, usize>,
    /// Files read.
    pub files: usize,
}

/// Load one `--rbac` argument: a file, a directory, or `-` (stdin).
pub fn load_path(policy: &mut Policy, path: &Path, stats: &mut Stats) -> Result<()> {
    if path == Path::new("-") {
        let bytes = crate::fsio::read::read(path)?;
        return load_bytes(policy, &bytes, "<stdin>", stats);
    }
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        let mut files = Vec::new();
        walk(path, &mut files)?;
        if files.is_empty() {
            return Err(Error::input(
                path,
                "the directory holds no .yaml, .yml or .json file",
            ));
        }
        // A policy of thousands of objects is mostly YAML parsing: the files are read and
        // parsed on all cores, then loaded one by one in name order, so that the policy and
        // the first error reported are those of reading them in order.
        let parsed: Vec<Result<Vec<Item>>> = files
            .par_iter()
            .map(|f| {
                let source = f.display().to_string();
                let bytes = crate::fsio::read::read(f)?;
                read_bytes(&bytes, &source)
            })
            .collect();
        for p in parsed {
            stats.files += 1;
            apply(policy, p?, stats);
        }
        return Ok(());
    }
    let bytes = crate::fsio::read::read(path)?;
    load_bytes(policy, &bytes, &path.display().to_string(), stats)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .map(|e| e.map(|e| e.path()).map_err(|e| Error::io(dir, e)))
        .collect::<Result<_>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(p);
        }
    }
    Ok(())
}

/// Load the documents of one file's bytes; `source` names it in errors.
pub fn load_bytes(
    policy: &mut Policy,
    bytes: &[u8],
    source: &str,
    stats: &mut Stats,
) -> Result<()> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::input(source, "not UTF-8 text"))?;
    load_str(policy, text, source, stats)
}

fn read_bytes(bytes: &[u8], source: &str) -> Result<Vec<Item>> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::input(source, "not UTF-8 text"))?;
    read_str(text, source)
}

/// Load the documents of `text`.
pub fn load_str(policy: &mut Policy, text: &str, source: &str, stats: &mut Stats) -> Result<()> {
    stats.files += 1;
    let items = read_str(text, source)?;
    apply(policy, items, stats);
    Ok(())
}

/// The RBAC objects of one file (and the kinds ignored), in document order, before they go
/// into a [`Policy`]: files are read on all cores, then applied in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Item {
    Role(Role),
    ClusterRole(Role),
    RoleBinding(Binding),
    ClusterRoleBinding(Binding),
    /// Another kind, counted and left alone.
    Ignored(String),
}

/// Read the objects of one file's text. The typed reader (`authz::typed`) takes what it
/// accepts; anything else is read by the generic reader below, which has the last word on
/// what is refused and words the errors. Both read an accepted file the same way.
pub(crate) fn read_str(text: &str, source: &str) -> Result<Vec<Item>> {
    if !super::typed::is_json(text) {
        // YAML: the documents kubectl reads, where kcred's parser reads them as go-yaml does.
        if let Some(why) = crate::yaml::go_yaml_v2_difference(text) {
            return Err(Error::input(source, why));
        }
        let view = super::stream::kubectl_view(text).map_err(|e| Error::input(source, e))?;
        if let std::borrow::Cow::Owned(view) = view {
            return read_parsed(&view, source);
        }
    }
    read_parsed(text, source)
}

fn read_parsed(text: &str, source: &str) -> Result<Vec<Item>> {
    if !has_items_variant(text)
        && let Some(items) = super::typed::read(text)
    {
        return Ok(items);
    }
    generic_read(text, source)
}

/// The generic reader alone: parser → `serde_json::Value` → checks → typed objects.
pub(crate) fn generic_read(text: &str, source: &str) -> Result<Vec<Item>> {
    let docs = parse_str(text, source)?;
    docs_items(docs, source)
}

/// Both readers on one text, for the `manifest` fuzz target (`crate::fuzzing`): panics when
/// the typed reader accepts `text` and reads it otherwise than the generic reader does, or
/// accepts what the generic reader refuses.
pub(crate) fn check_readers_agree(text: &str) {
    if let Some(typed) = super::typed::read(text) {
        match generic_read(text, "fuzz") {
            Ok(generic) => assert!(typed == generic, "the readers differ"),
            Err(e) => panic!("the typed reader accepted what the generic reader refuses: {e}"),
        }
    }
}

/// Put read objects into `policy`, in order.
pub(crate) fn apply(policy: &mut Policy, items: Vec<Item>, stats: &mut Stats) {
    for item in items {
        let kind = match item {
            Item::Role(r) => {
                policy.add_role(r);
                "Role"
            }
            Item::ClusterRole(r) => {
                policy.add_cluster_role(r);
                "ClusterRole"
            }
            Item::RoleBinding(b) => {
                policy.add_role_binding(b);
                "RoleBinding"
            }
            Item::ClusterRoleBinding(b) => {
                policy.add_cluster_role_binding(b);
                "ClusterRoleBinding"
            }
            Item::Ignored(kind) => {
                *stats.ignored.entry(kind).or_default() += 1;
                continue;
            }
        };
        *stats.loaded.entry(kind.to_string()).or_default() += 1;
    }
}

pub(crate) fn parse_str(text: &str, source: &str) -> Result<Vec<Value>> {
    // kubectl's decoders keep the last of a repeated key: go-yaml v2 unmarshals without
    // strict mode (sigs.k8s.io/yaml `YAMLToJSON`), and encoding/json fills an unstructured
    // map. The typed reader leaves such files to this one, and those with aliases.
    let options =
        crate::yaml::kubectl_read_options(text).map_err(|why| Error::input(source, why))?;
    serde_saphyr::from_multiple_with_options(text, options).map_err(|e| {
        let msg = e.to_string();
        Error::input(
            source,
            format!(
                "not valid YAML or JSON: {}",
                msg.lines().next().unwrap_or("parse error")
            ),
        )
    })
}

/// Load documents already parsed into generic trees (the generic reader).
pub(crate) fn load_docs(
    policy: &mut Policy,
    docs: Vec<Value>,
    source: &str,
    stats: &mut Stats,
) -> Result<()> {
    let items = docs_items(docs, source)?;
    apply(policy, items, stats);
    Ok(())
}

fn docs_items(docs: Vec<Value>, source: &str) -> Result<Vec<Item>> {
    let mut out = Vec::with_capacity(docs.len());
    for (i, doc) in docs.into_iter().enumerate() {
        if doc.is_null() {
            continue; // an empty document (`---` at the start or end)
        }
        let at = format!("document {}", i + 1);
        load_object(&mut out, doc, source, &at)?;
    }
    Ok(out)
}

fn describe(v: &Value, at: &str) -> String {
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = v
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    match (kind.is_empty(), name.is_empty()) {
        (false, false) => format!("{kind} {name:?}"),
        (false, true) => format!("{at}: {kind}"),
        _ => at.to_string(),
    }
}

/// One document (or `List` item) of the generic reader: its kind decides whether it is a
/// list to walk, another kind to count, or an RBAC object to check and read. `at` places it
/// in the file ("document 2, item 3") until its kind and name can name it.
fn load_object(out: &mut Vec<Item>, v: Value, source: &str, at: &str) -> Result<()> {
    let kind = object_kind(&v, source, at)?;
    let what = describe(&v, at);
    // kubectl decodes any object with `items` as a list, whatever its kind
    // (apimachinery unstructured.go, `unstructuredJSONScheme.decode`: encoding/json, so the
    // key matches case-insensitively), and creates its items, never the object itself.
    if kind == "List" || items_key(&v).is_some() {
        return load_list(out, &v, source, at, &what);
    }
    let rbac_kind = matches!(
        kind.as_str(),
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
    );
    if !rbac_kind {
        out.push(Item::Ignored(kind));
        return Ok(());
    }
    check_rbac_header(&v, source, &what)?;
    out.push(match kind.as_str() {
        "Role" | "ClusterRole" => role_item(&kind, v, source, &what)?,
        _ => binding_item(&kind, v, source, &what)?,
    });
    Ok(())
}

/// `{what}: {problem}`, in the file `source`.
fn bad(source: &str, what: &str, problem: String) -> Error {
    Error::input(source, format!("{what}: {problem}"))
}

/// The object's `kind`: a non-empty string, in an object.
fn object_kind(v: &Value, source: &str, at: &str) -> Result<String> {
    let Value::Object(map) = v else {
        return Err(bad(
            source,
            at,
            "not an object (expected a Kubernetes manifest)".into(),
        ));
    };
    match map.get("kind") {
        Some(Value::String(k)) if !k.is_empty() => Ok(k.clone()),
        Some(Value::String(_)) | None => Err(bad(source, at, "Object 'Kind' is missing".into())),
        Some(_) => Err(bad(source, at, "kind is not a string".into())),
    }
}

/// The key encoding/json would take for `items` in `v` (the last that folds to it).
fn items_key(v: &Value) -> Option<&str> {
    let map = v.as_object()?;
    map.keys()
        .rev()
        .find(|k| crate::token::gojson::go_equal_fold(k, "items"))
        .map(String::as_str)
}

/// Whether `text` may hold an `items` key spelled otherwise than `items`, which only the
/// generic reader matches as encoding/json does.
fn has_items_variant(text: &str) -> bool {
    text.contains('\u{17f}')
        || text
            .as_bytes()
            .windows(5)
            .any(|w| w.eq_ignore_ascii_case(b"items") && w != b"items")
}

/// The `items` of a `List` (or typed `*List`), each loaded as a document; `null` is none.
fn load_list(out: &mut Vec<Item>, v: &Value, source: &str, at: &str, what: &str) -> Result<()> {
    let items = match items_key(v).and_then(|k| v.get(k)) {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(_) => return Err(bad(source, what, "items is not a list".into())),
    };
    // `decodeToList`: an item with neither kind nor apiVersion takes the list's apiVersion
    // and its kind less "List" (a RoleList's bare items are Roles).
    let list_kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
    let item_kind = list_kind.strip_suffix("List").unwrap_or(list_kind);
    let list_version = v.get("apiVersion").cloned().unwrap_or(Value::Null);
    for (j, mut item) in items.into_iter().enumerate() {
        let bare = |k: &str| item.get(k).and_then(Value::as_str).unwrap_or("").is_empty();
        if bare("kind")
            && bare("apiVersion")
            && !item_kind.is_empty()
            && let Value::Object(m) = &mut item
        {
            m.insert("kind".into(), Value::String(item_kind.to_string()));
            m.insert("apiVersion".into(), list_version.clone());
        }
        load_object(out, item, source, &format!("{at}, item {}", j + 1))?;
    }
    Ok(())
}

/// What every RBAC object needs before it is read: the served `apiVersion` and a name.
fn check_rbac_header(v: &Value, source: &str, what: &str) -> Result<()> {
    let api_version = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if api_version != RBAC_V1 {
        return Err(bad(
            source,
            what,
            format!(
                "apiVersion {api_version:?} is not served by the API server (RBAC is {RBAC_V1} since Kubernetes 1.22)"
            ),
        ));
    }
    let name_ok = v
        .get("metadata")
        .and_then(|m| m.get("name"))
        .is_some_and(|n| n.as_str().is_some_and(|s| !s.is_empty()));
    if !name_ok {
        return Err(bad(
            source,
            what,
            "metadata.name is missing or not a string".into(),
        ));
    }
    Ok(())
}

/// A Role (no aggregationRule, `default` when no namespace is given) or a ClusterRole
/// (namespace dropped). The document is moved into the typed object (thousands of objects:
/// no copy of each).
/// `null` as the API server's JSON decoder reads it into the RBAC types (sigs.k8s.io/json,
/// like encoding/json): the zero value. A null field is as if absent (a string stays empty,
/// a list or pointer nil), a null item of a string list is `""` (so `apiGroups: [~]` is the
/// core group), a null label or annotation value is `""`. The generic tree is read that way
/// before it is typed.
fn nulls_as_go_reads_them(v: &mut Value, in_map: bool) {
    match v {
        Value::Object(m) => {
            if !in_map {
                m.retain(|_, x| !x.is_null());
            }
            for (k, x) in m.iter_mut() {
                if in_map && x.is_null() {
                    *x = Value::String(String::new());
                }
                let map_valued = matches!(k.as_str(), "labels" | "annotations" | "matchLabels");
                nulls_as_go_reads_them(x, map_valued);
            }
        }
        Value::Array(items) => {
            let objects = items.iter().any(Value::is_object);
            for x in items.iter_mut() {
                if x.is_null() {
                    *x = if objects {
                        Value::Object(Default::default())
                    } else {
                        Value::String(String::new())
                    };
                }
                nulls_as_go_reads_them(x, false);
            }
        }
        _ => {}
    }
}

fn role_item(kind: &str, mut v: Value, source: &str, what: &str) -> Result<Item> {
    nulls_as_go_reads_them(&mut v, false);
    let mut role: Role = serde_json::from_value(v).map_err(|e| bad(source, what, e.to_string()))?;
    if kind == "Role" {
        if role.aggregation_rule.is_some() {
            return Err(bad(source, what, "a Role has no aggregationRule".into()));
        }
        if role.metadata.namespace.is_empty() {
            role.metadata.namespace = "default".into();
        }
        Ok(Item::Role(role))
    } else {
        role.metadata.namespace.clear();
        Ok(Item::ClusterRole(role))
    }
}

/// A RoleBinding (roleRef to a Role or ClusterRole, `default` when no namespace is given)
/// or a ClusterRoleBinding (roleRef to a ClusterRole, namespace dropped). The document is
/// moved into the typed object, so `roleRef` is looked at before.
fn binding_item(kind: &str, mut v: Value, source: &str, what: &str) -> Result<Item> {
    if v.get("roleRef").is_none_or(Value::is_null) {
        return Err(bad(source, what, "no roleRef".into()));
    }
    nulls_as_go_reads_them(&mut v, false);
    let mut b: Binding = serde_json::from_value(v).map_err(|e| bad(source, what, e.to_string()))?;
    let allowed_kinds: &[&str] = if kind == "RoleBinding" {
        &["Role", "ClusterRole"]
    } else {
        &["ClusterRole"]
    };
    if !allowed_kinds.contains(&b.role_ref.kind.as_str()) {
        return Err(bad(
            source,
            what,
            format!(
                "roleRef.kind {:?} is not valid here (expected {})",
                b.role_ref.kind,
                allowed_kinds.join(" or ")
            ),
        ));
    }
    if b.role_ref.name.is_empty() {
        return Err(bad(source, what, "roleRef.name is empty".into()));
    }
    if kind == "RoleBinding" {
        if b.metadata.namespace.is_empty() {
            b.metadata.namespace = "default".into();
        }
        Ok(Item::RoleBinding(b))
    } else {
        b.metadata.namespace.clear();
        Ok(Item::ClusterRoleBinding(b))
    }
}

#[cfg(test)]
mod tests {
    //! Every refusal of the generic reader, worded byte for byte: the file, then the object
    //! (kind and name, or where it sits while it has none), then the problem.
    use super::*;

    /// (text, the one-line error). Each is refused by the typed reader too, so these go
    /// through the generic reader as a user's file would.
    const REFUSED: &[(&str, &str)] = &[
        (
            "- a\n",
            "m.yaml: document 1: not an object (expected a Kubernetes manifest)",
        ),
        (
            "apiVersion: v1\n",
            "m.yaml: document 1: Object 'Kind' is missing",
        ),
        (
            "kind: ''\nmetadata: {name: x}\n",
            "m.yaml: document 1: Object 'Kind' is missing",
        ),
        (
            "kind: Secret\n---\nkind: 5\n",
            "m.yaml: document 2: kind is not a string",
        ),
        (
            "kind: List\nitems: {a: b}\n",
            "m.yaml: document 1: List: items is not a list",
        ),
        (
            "kind: RoleList\nmetadata: {name: l}\nitems: 5\n",
            "m.yaml: RoleList \"l\": items is not a list",
        ),
        (
            "kind: List\nitems:\n- {kind: ConfigMap}\n- 5\n",
            "m.yaml: document 1, item 2: not an object (expected a Kubernetes manifest)",
        ),
        (
            "kind: List\nitems:\n- {kind: Role}\n",
            "m.yaml: document 1, item 1: Role: apiVersion \"\" is not served by the API server (RBAC is rbac.authorization.k8s.io/v1 since Kubernetes 1.22)",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: Role\nmetadata: {name: r}\n",
            "m.yaml: Role \"r\": apiVersion \"rbac.authorization.k8s.io/v1beta1\" is not served by the API server (RBAC is rbac.authorization.k8s.io/v1 since Kubernetes 1.22)",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {namespace: a}\n",
            "m.yaml: document 1: ClusterRole: metadata.name is missing or not a string",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\naggregationRule: {}\n",
            "m.yaml: Role \"r\": a Role has no aggregationRule",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c}\nrules: foo\n",
            "m.yaml: ClusterRole \"c\": invalid type: string \"foo\", expected a sequence",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: null\n",
            "m.yaml: RoleBinding \"b\": no roleRef",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: {kind: Role, name: r}\nsubjects: 5\n",
            "m.yaml: RoleBinding \"b\": invalid type: integer `5`, expected a sequence",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: {kind: User, name: r}\n",
            "m.yaml: RoleBinding \"b\": roleRef.kind \"User\" is not valid here (expected Role or ClusterRole)",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: Role, name: r}\n",
            "m.yaml: ClusterRoleBinding \"b\": roleRef.kind \"Role\" is not valid here (expected ClusterRole)",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: {kind: Role}\n",
            "m.yaml: RoleBinding \"b\": roleRef.name is empty",
        ),
    ];

    #[test]
    fn every_refusal_names_the_file_and_the_object() {
        for (text, want) in REFUSED {
            assert!(super::super::typed::read(text).is_none(), "{text}");
            let got = load_str(
                &mut Policy::default(),
                text,
                "m.yaml",
                &mut Stats::default(),
            )
            .unwrap_err()
            .to_string();
            assert_eq!(&got, want, "{text}");
        }
    }
}
