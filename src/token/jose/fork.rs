//! The decoding rules of go-jose v2's JSON fork (`json/decode.go`) that the header and the
//! claims share: duplicate keys refused, exact field names, each field's type enforced.

use super::super::gojson::{self, J};

/// `object`: every key of an object decoded into a struct or map is checked for duplicates.
pub(super) fn no_duplicates(members: &[(String, J)]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for (k, _) in members {
        if !seen.insert(k.as_str()) {
            return Err(format!("json: duplicate key '{k}' in object"));
        }
    }
    Ok(())
}

/// An object decoded into a struct: `Ok(None)` for `null` (the struct is left as it is).
pub(super) fn struct_members<'a>(
    j: &'a J,
    what: &str,
) -> Result<Option<&'a [(String, J)]>, String> {
    match j {
        J::Null => Ok(None),
        J::Obj(m) => {
            no_duplicates(m)?;
            Ok(Some(m))
        }
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type {what}",
            other.kind()
        )),
    }
}

/// A string field: `null` leaves it empty, anything else but a string is an error.
pub(super) fn string_field(j: &J, field: &str) -> Result<String, String> {
    match j {
        J::Str(s) => Ok(s.clone()),
        J::Null => Ok(String::new()),
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type string (field {field})",
            other.kind()
        )),
    }
}

/// A value decoded into `interface{}` (`objectInterface`, `convertNumber`): duplicate keys at
/// any depth are an error, and so is a number past the float64 range. Iterative.
pub(super) fn interface_check(j: &J) -> Result<(), String> {
    let mut stack = vec![j];
    while let Some(v) = stack.pop() {
        match v {
            J::Obj(m) => {
                no_duplicates(m)?;
                stack.extend(m.iter().map(|(_, v)| v));
            }
            J::Arr(a) => stack.extend(a.iter()),
            J::Num(n) if gojson::parse_float(n).is_none() => {
                return Err(format!(
                    "json: cannot unmarshal number {n} into Go value of type float64"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `jwt.NumericDate.UnmarshalJSON`: `strconv.ParseFloat` of the raw value (so a quoted
/// number, a bool or an object is an error), then Go's `int64(float64)` conversion.
pub(super) fn numeric_date(j: &J) -> Result<Option<i64>, String> {
    const ERR: &str = "square/go-jose/jwt: expected number value to unmarshal NumericDate";
    match j {
        J::Null => Ok(None),
        J::Num(n) => gojson::parse_float(n)
            .map(|f| Some(gojson::go_int64_amd64(f)))
            .ok_or_else(|| ERR.to_string()),
        _ => Err(ERR.into()),
    }
}

/// `jwt.Audience.UnmarshalJSON`: a string, or an array of strings; `null`, numbers, objects
/// and arrays holding anything else are errors.
pub(super) fn audience(j: &J) -> Result<Vec<String>, String> {
    const ERR: &str = "square/go-jose/jwt: expected string or array value to unmarshal to Audience";
    interface_check(j)?;
    match j {
        J::Str(s) => Ok(vec![s.clone()]),
        J::Arr(items) => items
            .iter()
            .map(|v| match v {
                J::Str(s) => Ok(s.clone()),
                _ => Err(ERR.to_string()),
            })
            .collect(),
        _ => Err(ERR.into()),
    }
}
