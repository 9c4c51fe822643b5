//! The fast reader of RBAC manifests: documents go straight from the parser into the few
//! fields the authorizer reads (kind, apiVersion, metadata name/namespace/labels, rules,
//! aggregationRule, roleRef, subjects, `List` items), with no generic tree in between.
//!
//! It only ever *accepts*. It is built to accept exactly what the generic reader
//! ([`super::manifest`]: parser → `serde_json::Value` → `serde_json::from_value`) accepts, and
//! to read it into the same objects: every value goes through `deserialize_any`, so the parser
//! types a plain YAML scalar here as it does for a `Value` (an unquoted `yes` or `123` where a
//! string belongs is refused, as kubectl refuses it), map keys are read with
//! `deserialize_str` as `Value`'s visitor reads them, and fields the authorizer does not read
//! are walked by [`Skip`], which accepts what `Value`'s visitor accepts and keeps nothing.
//! Anything it does not accept (a type it does not expect, a field twice, a missing name, a
//! bad roleRef, ...) sends the whole file back to the generic reader, whose checks decide and
//! whose one-line errors name the file and the object. So a file is read the same either way,
//! and errors are worded as before. YAML reaches these structs from the parser's events
//! ([`super::events`], which types scalars as serde-saphyr does, or refuses), JSON from
//! serde_json.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::manifest::{Item, RBAC_V1};
use super::rbac::{AggregationRule, Binding, ObjectMeta, Role, RoleRef, Subject};
use super::rules::PolicyRule;
use super::selector::{LabelSelector, Requirement};

/// Any value, walked and dropped. Accepts exactly what `serde_json::Value`'s visitor
/// (`serde_json::value::de`) accepts: a `Value` that cannot be built (a map key that is not a
/// string, an integer beyond 64 bits, bytes) fails here too.
pub(crate) struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    // `Number::deserialize(I128Deserializer)`: only what fits an i64 or a u64.
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Skip, E> {
        if i64::try_from(v).is_ok() || u64::try_from(v).is_ok() {
            Ok(Skip)
        } else {
            Err(E::custom("number out of range"))
        }
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Skip, E> {
        if u64::try_from(v).is_ok() {
            Ok(Skip)
        } else {
            Err(E::custom("number out of range"))
        }
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_string<E>(self, _: String) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_none<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
        Skip::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    // A key twice is refused, as serde-saphyr's default `DuplicateKeyPolicy::Error` refuses it
    // in the generic reader (serde_json alone would keep the later value).
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        let mut seen = Keys::default();
        while let Some(k) = map.next_key_seed(OwnedKey)? {
            if !seen.insert(k.into()) {
                return Err(de::Error::custom("duplicate key"));
            }
            map.next_value::<Skip>()?;
        }
        Ok(Skip)
    }
}

/// The keys of one mapping so far, to refuse a key twice as serde-saphyr's default
/// `DuplicateKeyPolicy::Error` does: a short list, a set once the mapping is large. Shared with
/// the YAML event reader ([`super::events`]).
pub(crate) enum Keys<'a> {
    Few(Vec<Cow<'a, str>>),
    Many(HashSet<Cow<'a, str>, foldhash::fast::RandomState>),
}

impl Default for Keys<'_> {
    fn default() -> Self {
        Keys::Few(Vec::new())
    }
}

impl<'a> Keys<'a> {
    /// Record `key`; `false` if it was there already.
    pub(crate) fn insert(&mut self, key: Cow<'a, str>) -> bool {
        match self {
            Keys::Few(keys) if keys.len() < 16 => {
                if keys.contains(&key) {
                    return false;
                }
                keys.push(key);
                true
            }
            Keys::Few(keys) => {
                let mut set: HashSet<_, _> = keys.drain(..).collect();
                let new = set.insert(key);
                *self = Keys::Many(set);
                new
            }
            Keys::Many(set) => set.insert(key),
        }
    }
}

/// A map key: one of a struct's fields, or another key (kept, to refuse it twice).
enum Key {
    Field(&'static str),
    Other(String),
}

/// A map key, read with `deserialize_str` as `Value`'s visitor reads keys, matched against
/// the field names of a struct.
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(match self.0.iter().copied().find(|k| *k == v) {
            Some(field) => Key::Field(field),
            None => Key::Other(v.to_owned()),
        })
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        self.visit_str(&v)
    }
}

/// A string where `from_value::<String>` would take one: only a string value.
pub(crate) struct Str(pub(crate) String);

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, v: &str) -> Result<Str, E> {
                Ok(Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Str, E> {
                Ok(Str(v))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Str, D::Error> {
                Str::deserialize(d)
            }
        }
        d.deserialize_any(V)
    }
}

/// A list that may be `null` (the `nullable` helper of `rules.rs`): `null` is empty.
pub(crate) struct List<T>(pub(crate) Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence or null")
            }
            fn visit_none<E>(self) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<List<T>, D::Error> {
                d.deserialize_any(V(std::marker::PhantomData))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(x) = seq.next_element()? {
                    out.push(x);
                }
                Ok(List(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A value that may be `null` (an `Option<T>` field read from a `Value`).
pub(crate) struct Nullable<T>(pub(crate) Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Nullable<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or null")
            }
            fn visit_none<E>(self) -> Result<Nullable<T>, E> {
                Ok(Nullable(None))
            }
            fn visit_unit<E>(self) -> Result<Nullable<T>, E> {
                Ok(Nullable(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Nullable<T>, D::Error> {
                T::deserialize(d).map(|v| Nullable(Some(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Nullable<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|v| Nullable(Some(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Nullable<T>, A::Error> {
                T::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(|v| Nullable(Some(v)))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A map of strings to strings (labels, `matchLabels`); not `null`.
pub(crate) struct StrMap(pub(crate) BTreeMap<String, String>);

impl<'de> Deserialize<'de> for StrMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of strings")
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<StrMap, D::Error> {
                StrMap::deserialize(d)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrMap, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(k) = map.next_key_seed(OwnedKey)? {
                    let Str(v) = map.next_value()?;
                    // A key twice: refused, as serde-saphyr's `DuplicateKeyPolicy::Error` does.
                    if out.insert(k, v).is_some() {
                        return Err(de::Error::custom("duplicate key"));
                    }
                }
                Ok(StrMap(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A map key kept as a string (read with `deserialize_str`, as `Value` reads keys).
struct OwnedKey;

impl<'de> DeserializeSeed<'de> for OwnedKey {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for OwnedKey {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
}

/// A struct read from a map only (a `Value` object), each field once, other keys walked by
/// [`Skip`]; every field an `Option` (absent is `None`).
macro_rules! strict_struct {
    ($name:ident { $($key:literal => $field:ident : $ty:ty,)* }) => {
        #[derive(Default)]
        pub(crate) struct $name {
            $(pub(crate) $field: Option<$ty>,)*
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " object"))
                    }
                    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<$name, D::Error> {
                        $name::deserialize(d)
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        const FIELDS: &[&str] = &[$($key),*];
                        let mut out = $name::default();
                        let mut others = Keys::default();
                        while let Some(key) = map.next_key_seed(KeySeed(FIELDS))? {
                            match key {
                                $(Key::Field($key) => {
                                    if out.$field.is_some() {
                                        return Err(de::Error::duplicate_field($key));
                                    }
                                    out.$field = Some(map.next_value()?);
                                })*
                                Key::Field(_) => return Err(de::Error::custom("not a field")),
                                Key::Other(k) => {
                                    if !others.insert(k.into()) {
                                        return Err(de::Error::custom("duplicate key"));
                                    }
                                    map.next_value::<Skip>()?;
                                }
                            }
                        }
                        Ok(out)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

strict_struct!(Meta {
    "name" => name: Str,
    "namespace" => namespace: Str,
    "labels" => labels: StrMap,
});

strict_struct!(Rule {
    "verbs" => verbs: List<Str>,
    "apiGroups" => api_groups: List<Str>,
    "resources" => resources: List<Str>,
    "resourceNames" => resource_names: List<Str>,
    "nonResourceURLs" => non_resource_urls: List<Str>,
});

strict_struct!(Expr {
    "key" => key: Str,
    "operator" => operator: Str,
    "values" => values: List<Str>,
});

strict_struct!(Selector {
    "matchLabels" => match_labels: StrMap,
    "matchExpressions" => match_expressions: List<Expr>,
});

strict_struct!(Aggregation {
    "clusterRoleSelectors" => cluster_role_selectors: List<Selector>,
});

strict_struct!(Ref {
    "apiGroup" => api_group: Str,
    "kind" => kind: Str,
    "name" => name: Str,
});

strict_struct!(Subj {
    "kind" => kind: Str,
    "apiGroup" => api_group: Str,
    "name" => name: Str,
    "namespace" => namespace: Str,
});

strict_struct!(Doc {
    "apiVersion" => api_version: Str,
    "kind" => kind: Str,
    "metadata" => metadata: Meta,
    "rules" => rules: List<Rule>,
    "aggregationRule" => aggregation_rule: Nullable<Aggregation>,
    "roleRef" => role_ref: Nullable<Ref>,
    "subjects" => subjects: List<Subj>,
    "items" => items: Nullable<List<Doc>>,
});

/// One document of a stream: `null` (an empty document, skipped) or an object.
pub(crate) struct MaybeDoc(pub(crate) Option<Doc>);

impl<'de> Deserialize<'de> for MaybeDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Nullable::<Doc>::deserialize(d).map(|n| MaybeDoc(n.0))
    }
}

fn s(v: Option<Str>) -> String {
    v.map(|s| s.0).unwrap_or_default()
}

fn strs(v: Option<List<Str>>) -> Vec<String> {
    v.map(|l| l.0.into_iter().map(|s| s.0).collect())
        .unwrap_or_default()
}

fn meta(m: Option<Meta>) -> ObjectMeta {
    let m = m.unwrap_or_default();
    ObjectMeta {
        name: s(m.name),
        namespace: s(m.namespace),
        labels: m.labels.map(|l| l.0).unwrap_or_default(),
    }
}

fn rule(r: Rule) -> PolicyRule {
    PolicyRule {
        verbs: strs(r.verbs),
        api_groups: strs(r.api_groups),
        resources: strs(r.resources),
        resource_names: strs(r.resource_names),
        non_resource_urls: strs(r.non_resource_urls),
    }
}

fn selector(sel: Selector) -> Option<LabelSelector> {
    let mut match_expressions = Vec::new();
    for e in sel.match_expressions.map(|l| l.0).unwrap_or_default() {
        // `key` and `operator` have no default in `Requirement`: missing is an error there.
        match_expressions.push(Requirement {
            key: e.key?.0,
            operator: e.operator?.0,
            values: strs(e.values),
        });
    }
    Some(LabelSelector {
        match_labels: sel.match_labels.map(|m| m.0).unwrap_or_default(),
        match_expressions,
    })
}

/// The objects of one document, checked as `manifest::load_object` checks them; `None` when
/// any check fails (the generic reader then decides, and words the error).
pub(crate) fn items(mut doc: Doc, out: &mut Vec<Item>) -> Option<()> {
    let kind = doc.kind.take()?.0;
    if kind.is_empty() {
        return None;
    }
    // Any object with `items` is a list to kubectl (unstructured.go, `decode`).
    if kind == "List" || doc.items.is_some() {
        return list_items(doc.items, out);
    }
    if !matches!(
        kind.as_str(),
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
    ) {
        out.push(Item::Ignored(kind));
        return Some(());
    }
    if doc.api_version.as_ref().map(|v| v.0.as_str()) != Some(RBAC_V1) {
        return None;
    }
    let metadata = meta(doc.metadata.take());
    if metadata.name.is_empty() {
        return None;
    }
    out.push(match kind.as_str() {
        "Role" => Item::Role(role(&mut doc, metadata, true)?),
        "ClusterRole" => Item::ClusterRole(role(&mut doc, metadata, false)?),
        "RoleBinding" => Item::RoleBinding(binding(&mut doc, metadata, true)?),
        _ => Item::ClusterRoleBinding(binding(&mut doc, metadata, false)?),
    });
    Some(())
}

/// The `items` of a `List` (or typed `*List`), each read as a document; `null` is none.
fn list_items(list: Option<Nullable<List<Doc>>>, out: &mut Vec<Item>) -> Option<()> {
    for item in list.and_then(|n| n.0).map(|l| l.0).unwrap_or_default() {
        items(item, out)?;
    }
    Some(())
}

/// A Role (`namespaced`, no aggregationRule, `default` when no namespace is given) or a
/// ClusterRole (namespace dropped). Its fields are taken out of `doc`, which is not moved or
/// copied (thousands of objects).
fn role(doc: &mut Doc, mut metadata: ObjectMeta, namespaced: bool) -> Option<Role> {
    let aggregation_rule = match doc.aggregation_rule.take().and_then(|n| n.0) {
        None => None,
        Some(a) => Some(aggregation(a)?),
    };
    let rules = doc
        .rules
        .take()
        .map(|l| l.0.into_iter().map(|r| Arc::new(rule(r))).collect())
        .unwrap_or_default();
    if namespaced {
        if aggregation_rule.is_some() {
            return None;
        }
        if metadata.namespace.is_empty() {
            metadata.namespace = "default".into();
        }
    } else {
        metadata.namespace.clear();
    }
    Some(Role {
        metadata,
        rules,
        aggregation_rule,
    })
}

fn aggregation(a: Aggregation) -> Option<AggregationRule> {
    let mut cluster_role_selectors = Vec::new();
    for sel in a.cluster_role_selectors.map(|l| l.0).unwrap_or_default() {
        cluster_role_selectors.push(selector(sel)?);
    }
    Some(AggregationRule {
        cluster_role_selectors,
    })
}

/// A RoleBinding (`namespaced`: roleRef to a Role or ClusterRole, `default` when no
/// namespace is given) or a ClusterRoleBinding (roleRef to a ClusterRole, namespace
/// dropped); a roleRef without a name is refused. Its fields are taken out of `doc`, as in
/// [`role`].
fn binding(doc: &mut Doc, mut metadata: ObjectMeta, namespaced: bool) -> Option<Binding> {
    let r = doc.role_ref.take().and_then(|n| n.0)?;
    let role_ref = RoleRef {
        api_group: s(r.api_group),
        kind: s(r.kind),
        name: s(r.name),
    };
    let allowed = if namespaced {
        matches!(role_ref.kind.as_str(), "Role" | "ClusterRole")
    } else {
        role_ref.kind == "ClusterRole"
    };
    if !allowed || role_ref.name.is_empty() {
        return None;
    }
    let subjects = doc
        .subjects
        .take()
        .map(|l| l.0.into_iter().map(subject).collect())
        .unwrap_or_default();
    if namespaced {
        if metadata.namespace.is_empty() {
            metadata.namespace = "default".into();
        }
    } else {
        metadata.namespace.clear();
    }
    Some(Binding {
        metadata,
        role_ref,
        subjects,
    })
}

fn subject(x: Subj) -> Subject {
    Subject {
        kind: s(x.kind),
        api_group: s(x.api_group),
        name: s(x.name),
        namespace: s(x.namespace),
    }
}

/// The objects of a stream of documents, or `None` when any is not accepted.
pub(crate) fn docs_items(docs: Vec<MaybeDoc>) -> Option<Vec<Item>> {
    let mut out = Vec::with_capacity(docs.len());
    for d in docs.into_iter().filter_map(|d| d.0) {
        items(d, &mut out)?;
    }
    Some(out)
}

/// A text whose first non-space character opens a JSON object or array.
pub(crate) fn is_json(text: &str) -> bool {
    matches!(
        text.trim_start_matches([' ', '\t', '\r', '\n', '\u{feff}'])
            .as_bytes()
            .first(),
        Some(b'{' | b'[')
    )
}

/// Only characters YAML 1.2 allows in a stream (`c-printable`; granit-parser's
/// `char_traits::is_printable`): tab, line feed, carriage return, U+0020–U+007E, U+0085,
/// U+00A0–U+D7FF, U+E000–U+FFFD and above U+FFFF. In UTF-8 the others are the ASCII controls
/// and DEL, `C2 80`–`C2 9F` but `C2 85`, and `EF BF BE`/`EF BF BF`.
fn yaml_printable(text: &str) -> bool {
    let b = text.as_bytes();
    let printable_at = |i: usize| match b[i] {
        b'\t' | b'\n' | b'\r' | 0x20..=0x7e => true,
        0x00..=0x1f | 0x7f => false,
        0xc2 => !matches!(b.get(i + 1), Some(&n) if (0x80..=0x9f).contains(&n) && n != 0x85),
        0xef => !(b.get(i + 1) == Some(&0xbf) && matches!(b.get(i + 2), Some(0xbe | 0xbf))),
        _ => true,
    };
    // Megabytes of JSON: 64-byte blocks without a byte that can start a character YAML
    // refuses are passed by a branch-free fold; the others are looked at byte by byte.
    let suspicious = |c: u8| {
        (c < 0x20 && c != b'\t' && c != b'\n' && c != b'\r')
            | (c == 0x7f)
            | (c == 0xc2)
            | (c == 0xef)
    };
    (0..b.len()).step_by(64).all(|start| {
        let end = b.len().min(start + 64);
        !b[start..end]
            .iter()
            .fold(false, |acc, &c| acc | suspicious(c))
            || (start..end).all(printable_at)
    })
}

/// Read `text` (one file) with the fast reader: a JSON document with serde_json (kubectl's
/// `YAMLOrJSONDecoder` reads JSON with a JSON decoder too), anything else from the YAML
/// parser's events ([`super::events`]). `None`: not accepted here, read it with the generic reader.
pub(crate) fn read(text: &str) -> Option<Vec<Item>> {
    let docs = if is_json(text) {
        // One JSON value, as the generic reader takes it (a stream of JSON values is not YAML),
        // and only characters YAML allows (serde_json takes U+007F or U+0080 in a string, the
        // YAML parser of the generic reader refuses them).
        if !yaml_printable(text) {
            return None;
        }
        vec![serde_json::from_str::<MaybeDoc>(text).ok()?]
    } else {
        super::events::read_docs(text)?
    };
    docs_items(docs)
}

#[cfg(test)]
mod tests {
    use super::super::manifest::{Stats, generic_read, load_str};
    use super::super::rbac::Policy;
    use super::*;

    const ROLE: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n";

    /// The typed reader accepts `text` and reads it as the generic reader does.
    fn same(text: &str) -> Vec<Item> {
        let typed = read(text).unwrap_or_else(|| panic!("typed reader refused:\n{text}"));
        let generic = generic_read(text, "t.yaml").expect("generic reader accepts");
        assert_eq!(typed, generic, "{text}");
        typed
    }

    /// The typed reader refuses `text` (the generic reader decides).
    fn refused(text: &str) {
        assert!(read(text).is_none(), "typed reader accepted:\n{text}");
    }

    #[test]
    fn unknown_fields_are_skipped_at_every_level() {
        let items = same(&format!(
            "{ROLE}metadata:\n  name: r\n  annotations: {{a: b}}\n  managedFields: [{{x: [1, 2.5, true, null]}}]\n  labels: {{l: v}}\nstatus: {{}}\nrules:\n- verbs: [get]\n  resources: [pods]\n  apiGroups: ['']\n  extra: {{deep: [x]}}\naggregationRule:\n  clusterRoleSelectors:\n  - matchLabels: {{a: b}}\n    matchExpressions: [{{key: k, operator: In, values: [v]}}]\n    other: 1\n"
        ));
        let [Item::ClusterRole(r)] = &items[..] else {
            panic!("{items:?}")
        };
        assert_eq!(r.metadata.labels.get("l").map(String::as_str), Some("v"));
        assert_eq!(r.rules[0].verbs, ["get"]);
        assert_eq!(
            r.aggregation_rule.as_ref().unwrap().cluster_role_selectors[0].match_expressions[0]
                .values,
            ["v"]
        );
    }

    #[test]
    fn lists_other_kinds_and_empty_documents() {
        let items = same(
            "---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: '1'}}\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: RoleBinding\n  metadata: {name: b}\n  roleRef: {kind: Role, name: r}\n  subjects: [{kind: ServiceAccount, name: s}]\n---\n---\nkind: RoleList\nitems: null\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\n",
        );
        assert!(matches!(&items[0], Item::Ignored(k) if k == "ConfigMap"));
        // A RoleBinding without a namespace lands in `default`.
        assert!(matches!(&items[1], Item::RoleBinding(b) if b.metadata.namespace == "default"));
        // A non-RBAC kind is ignored whatever its fields are (the generic reader decides it).
        let mut p = Policy::default();
        let mut s = Stats::default();
        load_str(
            &mut p,
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s, labels: {a: 1}}\nrules: 5\n",
            "s.yaml",
            &mut s,
        )
        .unwrap();
        assert_eq!(s.ignored.get("Secret"), Some(&1));
        assert!(s.loaded.is_empty());
    }

    #[test]
    fn nulls_read_as_the_generic_reader_reads_them() {
        same(&format!(
            "{ROLE}metadata: {{name: r}}\nrules:\naggregationRule: null\n"
        ));
        same(&format!(
            "{ROLE}metadata: {{name: r}}\nrules:\n- verbs: ~\n  apiGroups: null\n"
        ));
        same(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: r}\nsubjects:\n",
        );
    }

    /// What the generic reader refuses, or types differently, the typed reader leaves to it.
    #[test]
    fn refuses_what_the_generic_reader_would_word() {
        for v in ["y", "yes", "on", "true", "123", "1.5", "~", "[a]", "{a: b}"] {
            refused(&format!("{ROLE}metadata: {{name: {v}}}\nrules: []\n"));
        }
        refused(&format!("{ROLE}metadata: {{name: r}}\nrules: foo\n"));
        refused(&format!(
            "{ROLE}metadata: {{name: r}}\nrules: {{verbs: [get]}}\n"
        ));
        refused(&format!(
            "{ROLE}metadata: {{name: r}}\nrules: [{{verbs: [1]}}]\n"
        ));
        refused(&format!("{ROLE}metadata: {{name: r, labels: {{a: 1}}}}\n"));
        refused(&format!(
            "{ROLE}metadata: {{name: r}}\nmetadata: {{name: s}}\n"
        ));
        refused(&format!(
            "{ROLE}metadata: {{name: r}}\naggregationRule: {{clusterRoleSelectors: [{{matchExpressions: [{{operator: In}}]}}]}}\n"
        ));
        refused("apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: Role\nmetadata: {name: r}\n");
        refused(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\naggregationRule: {}\n",
        );
        refused(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\n",
        );
        refused(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: null\n",
        );
        refused(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: Role, name: r}\n",
        );
        refused(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole}\n",
        );
        refused("kind: 5\n");
        refused("apiVersion: v1\n");
        refused("- a\n- b\n");
        refused("apiVersion: v1\nkind: List\nitems: [null]\n");
        refused("apiVersion: v1\nkind: List\nitems: {a: b}\n");
        refused("a: [");
        // A map key that is not a string, anywhere: `serde_json::Value` cannot hold it.
        refused("apiVersion: v1\nkind: ConfigMap\ndata: {? [a] : b}\n");
    }

    #[test]
    fn json_fast_path_reads_json_documents_with_serde_json() {
        let text = r#" {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"j","uid":"x","labels":{"a":"b"}},"rules":[{"verbs":["get"],"apiGroups":[""],"resources":["pods"],"x":[1,{"y":null}]}]}"#;
        assert!(is_json(text));
        assert!(is_json("\n[1]"));
        assert!(!is_json("kind: Role\n"));
        assert!(!is_json("---\n{}\n"));
        same(text);
        same(
            r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}},{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r","namespace":"a"},"rules":null}]}"#,
        );
        same("null");
        // Not one JSON value (a YAML flow mapping, two values, a duplicate key, a bad type):
        // left to the generic reader.
        refused("{kind: ConfigMap}");
        refused(r#"{"kind":"ConfigMap"} {"kind":"ConfigMap"}"#);
        refused(r#"{"kind":"ConfigMap","kind":"Secret"}"#);
        refused(
            r#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":true}}"#,
        );
        refused("[]");
        // What the generic reader's YAML parser or its duplicate-key check refuses, found by
        // the `manifest` fuzz target: characters YAML does not allow, a key twice anywhere.
        for c in ['\u{7f}', '\u{80}', '\u{9f}', '\u{fffe}', '\u{ffff}'] {
            refused(&format!(r#"{{"kind":"ConfigMap","x":"a{c}"}}"#));
        }
        // Anywhere in a long text (the scan goes by 64-byte blocks).
        for pad in 0..130 {
            let pad = "x".repeat(pad);
            for c in ['\u{7f}', '\u{80}', '\u{fffe}'] {
                refused(&format!(r#"{{"kind":"ConfigMap","p":"{pad}","x":"{c}"}}"#));
            }
            let ok = "\u{85}\u{fffd}";
            same(&format!(r#"{{"kind":"ConfigMap","p":"{pad}","x":"{ok}"}}"#));
        }
        for c in [
            '\u{85}',
            '\u{a0}',
            '\u{2028}',
            '\u{feff}',
            '\u{1f600}',
            '\u{7e}',
        ] {
            same(&format!(r#"{{"kind":"ConfigMap","x":"a{c}"}}"#));
        }
        refused(r#"{"kind":"ConfigMap","x":1,"x":2}"#);
        refused(r#"{"kind":"ConfigMap","x":{"a":1,"a":2}}"#);
        refused(r#"{"kind":"ConfigMap","x":[{"a":1,"a":2}]}"#);
        refused(
            r#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"j","labels":{"a":"b","a":"c"}}}"#,
        );
        same(r#"{"kind":"ConfigMap","x":123456789012345678901234567890,"y":"\ud83d\ude00"}"#);
    }

    #[test]
    fn a_malformed_role_names_the_file_and_object_either_way() {
        for (file, text) in [
            (
                "r.json",
                r#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r","namespace":"a"},"rules":{"verbs":["get"]}}"#,
            ),
            (
                "r.yaml",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: a}\nrules: {verbs: [get]}\n",
            ),
        ] {
            let e = load_str(&mut Policy::default(), text, file, &mut Stats::default())
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(&format!("{file}: Role \"r\": ")), "{e}");
            assert_eq!(e.lines().count(), 1, "{e}");
        }
    }

    /// Kubernetes' own bootstrap policy files read the same both ways.
    #[test]
    fn bootstrap_policy_reads_the_same_both_ways() {
        for (name, text) in super::super::bootstrap::FILES {
            assert!(!same(text).is_empty(), "{name}");
        }
    }
}
