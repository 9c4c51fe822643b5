//! A JSON request body as kube-apiserver's decoder fills the review object.
//!
//! apimachinery decodes JSON with `sigs.k8s.io/json` (`UnmarshalCaseSensitivePreserveInts`,
//! `runtime/serializer/json/json.go`), a fork of Go's `encoding/json` whose rules on the
//! parsed tree are not serde_json's:
//! - a key given twice is decoded *into* what the first one filled: two `spec` objects
//!   merge field by field (a struct, a pointer to one or a map is reused), while a list, a
//!   string or a number is replaced. With strict decoding off (create's default
//!   `fieldValidation=Warn`) that is only a warning, so the API server judges the merged
//!   object. serde_json keeps the last `spec` whole, which can drop a `subresource`, a
//!   `namespace` or `audiences` the API server then evaluates.
//! - `null` is the zero value: it clears a pointer, a list or a map, and leaves a string,
//!   a number or an embedded struct (`metadata`, `spec`, `status`) as it was. A `null` list
//!   item is the item type's zero value.
//! - invalid UTF-8 and lone surrogate escapes become U+FFFD instead of failing
//!   (`crate::token::gojson` parses with Go's scanner rules).
//!
//! The result is the `serde_json::Value` a last-wins decoder would have produced from the
//! merged object, so the typed readers after it see what the API server sees.

use serde_json::{Map, Value};

use crate::token::gojson::{self, J};

/// How deep a body may nest here. Go's scanner allows 10,000 levels; kcred's typed readers
/// (serde_json) stop at 128, and no review field is deeper than 6, so a body nested deeper is
/// refused with a reason rather than read halfway.
const MAX_DEPTH: usize = 128;

/// The object `body` decodes to, or the decoder's error.
pub fn decode(body: &[u8]) -> Result<Value, String> {
    let parsed = gojson::parse(body)?;
    if parsed.depth > MAX_DEPTH {
        return Err(format!(
            "the body nests {} levels deep; kcred reads request bodies up to {MAX_DEPTH} levels",
            parsed.depth
        ));
    }
    let mut v = value(&parsed.value, true);
    if let (J::Obj(members), Value::Object(map)) = (&parsed.value, &mut v) {
        // `runtime.Interpret` (apimachinery `meta.go`) reads apiVersion and kind with plain
        // encoding/json: field names match case-insensitively and the last match wins.
        for field in ["apiVersion", "kind"] {
            map.remove(field);
            if let Some((_, found)) = members
                .iter()
                .rev()
                .find(|(k, _)| gojson::go_equal_fold(k, field))
            {
                match found {
                    J::Str(s) => {
                        map.insert(field.to_string(), Value::String(s.clone()));
                    }
                    J::Null => {}
                    other => {
                        return Err(format!(
                            "json: cannot unmarshal {} into Go struct field .{field} of type string",
                            other.kind()
                        ));
                    }
                }
            }
        }
    }
    Ok(v)
}

/// The fields of the review types that are embedded structs, not pointers: `null` leaves
/// them as they were (`TypeMeta` is inline; `ObjectMeta`, the spec and the status are values).
fn is_embedded_struct(top_level: bool, key: &str) -> bool {
    top_level && matches!(key, "metadata" | "spec" | "status")
}

fn value(j: &J, top_level: bool) -> Value {
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Num(n) => gojson::number(n),
        J::Str(s) => Value::String(s.clone()),
        J::Arr(items) => {
            // A null item is the element type's zero: an empty object among objects, an
            // empty string otherwise (every list in the review types is of strings or of
            // structs).
            let objects = items.iter().any(|i| matches!(i, J::Obj(_)));
            Value::Array(
                items
                    .iter()
                    .map(|i| match i {
                        J::Null if objects => Value::Object(Map::new()),
                        J::Null => Value::String(String::new()),
                        i => value(i, false),
                    })
                    .collect(),
            )
        }
        J::Obj(members) => {
            let mut map = Map::new();
            merge(&mut map, members, top_level);
            Value::Object(map)
        }
    }
}

/// Decode `members` into `map` as `encoding/json` decodes into an existing value.
fn merge(map: &mut Map<String, Value>, members: &[(String, J)], top_level: bool) {
    for (k, v) in members {
        match v {
            J::Null => {
                let keep = match map.get(k) {
                    None => true,
                    Some(Value::Object(_)) => is_embedded_struct(top_level, k),
                    Some(Value::Array(_)) | Some(Value::Null) => false,
                    Some(_) => true,
                };
                if !keep {
                    map.remove(k);
                }
            }
            J::Obj(inner) => match map.get_mut(k) {
                Some(Value::Object(existing)) => merge(existing, inner, false),
                _ => {
                    map.insert(k.clone(), value(v, false));
                }
            },
            _ => {
                map.insert(k.clone(), value(v, false));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::decode;

    #[test]
    fn a_repeated_object_merges_and_lists_and_strings_are_replaced() {
        let v = decode(
            br#"{"spec":{"resourceAttributes":{"subresource":"exec"},"groups":["a"]},
                 "spec":{"user":"alice","resourceAttributes":{"verb":"get"},"groups":["b"]}}"#,
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"spec": {"resourceAttributes": {"subresource": "exec", "verb": "get"},
                            "groups": ["b"], "user": "alice"}})
        );
    }

    #[test]
    fn null_clears_pointers_and_lists_and_leaves_strings_and_embedded_structs() {
        let v = decode(
            br#"{"spec":{"user":"alice","user":null,"groups":["a"],"groups":null,
                         "resourceAttributes":{"verb":"get"},"resourceAttributes":null,
                         "extra":{"k":["v"]}},
                 "spec":null,"metadata":null}"#,
        )
        .unwrap();
        assert_eq!(v, json!({"spec": {"user": "alice", "extra": {"k": ["v"]}}}));
        assert_eq!(
            decode(br#"{"spec":{"groups":["a",null]}}"#).unwrap(),
            json!({"spec": {"groups": ["a", ""]}})
        );
    }

    #[test]
    fn type_meta_is_read_case_insensitively_last_match_winning() {
        let v =
            decode("{\"kind\":\"Foo\",\"\u{212a}IND\":\"Bar\",\"apiversion\":\"v1\"}".as_bytes())
                .unwrap();
        assert_eq!(
            (&v["kind"], &v["apiVersion"]),
            (&json!("Bar"), &json!("v1"))
        );
        let dotless = decode(b"{\"k\xc4\xb1nd\":\"Foo\"}").unwrap();
        assert_eq!(dotless.get("kind"), None);
        assert!(decode(br#"{"kind":1}"#).is_err());
    }

    #[test]
    fn invalid_utf8_is_replaced_as_go_replaces_it() {
        let v = decode(b"{\"spec\":{\"user\":\"a\xffb\",\"uid\":\"\\ud800\"}}").unwrap();
        assert_eq!(
            v,
            json!({"spec": {"user": "a\u{fffd}b", "uid": "\u{fffd}"}})
        );
    }
}
