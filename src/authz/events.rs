//! The YAML side of the typed reader ([`super::typed`]): documents are read straight from
//! granit-parser's events, the tokenizer serde-saphyr 2 runs on, into the typed reader's
//! structs. Same tokenizer and parser options, so documents, scalar styles and parse errors
//! are those the generic reader (serde-saphyr → `serde_json::Value`) sees; what is left out is
//! serde-saphyr's own layer (event buffering, its duplicate-key and merge bookkeeping, scalar
//! resolution for every node), which cost more than the tokenizer on a large policy.
//!
//! Like the rest of the typed reader it only ever *accepts*: anything it is not sure to read
//! exactly as the generic reader does is refused, and the whole file goes to the generic
//! reader, which decides and words the error. Refused here:
//! - anchors, aliases, tags, `%` directives, `<<` keys, keys that are not scalars (`? [a]`);
//! - a key twice in one mapping, at any depth (serde-saphyr's default `DuplicateKeyPolicy::Error`
//!   refuses it; `Value` would keep the later one);
//! - a plain scalar where a string belongs unless serde-saphyr certainly resolves it to a
//!   string (see [`classify`]): its `deserialize_any` reads YAML 1.1 booleans (`yes`, `on`,
//!   `y`, ...), nulls and numbers first, as kubectl's go-yaml v2 does, and the authorizer's
//!   string fields then refuse them;
//! - in fields the authorizer does not read, a value `serde_json::Value` cannot be built from
//!   (serde-saphyr refuses a non-finite float such as `.inf` or `1e999` there);
//! - nesting deeper than serde-saphyr's `max_depth`. Its other limits (`crate::yaml::read_options`)
//!   grow with the input, so an input without aliases never reaches them.

use std::borrow::Cow;
use std::fmt;

use granit_parser::{Event, Parser, ScalarStyle, StrInput};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::typed::{Keys, MaybeDoc};

/// Below serde-saphyr's `max_depth` (64, `de/budget.rs`), with a margin, so that what is read
/// here never reaches it.
const MAX_DEPTH: usize = 48;

/// Not read here; the generic reader decides. Carries nothing: its errors are the ones users
/// see.
#[derive(Debug)]
pub(crate) struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("left to the generic reader")
    }
}

impl std::error::Error for Refused {}

impl de::Error for Refused {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Refused
    }
}

/// The documents of `text`, each `null` (empty) or an object read into the typed structs;
/// `None` when anything is refused.
pub(crate) fn read_docs(text: &str) -> Option<Vec<MaybeDoc>> {
    if has_directive(text) {
        return None;
    }
    let mut r = Reader::new(text);
    if !matches!(r.next().ok()?, Event::StreamStart) {
        return None;
    }
    let mut docs = Vec::new();
    loop {
        match r.next().ok()? {
            Event::StreamEnd => return Some(docs),
            Event::DocumentStart(..) => {
                docs.push(MaybeDoc::deserialize(De(&mut r)).ok()?);
                if !matches!(r.next().ok()?, Event::DocumentEnd) {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// A line that may start with `%` (a `%YAML` or `%TAG` directive). Conservative: a `%` at the
/// start of a line inside a block scalar sends the file to the generic reader too.
fn has_directive(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').starts_with('%')
        || text.contains("\n%")
        || text.contains("\r%")
}

/// What a scalar is to `serde_json::Value`, as serde-saphyr's `deserialize_any` types it
/// (`de/deserializer.rs`), as far as the typed reader needs to know.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// `null`: an empty, `~`, `null`, `Null` or `NULL` plain scalar (`scalar_is_nullish`).
    Null,
    /// Certainly a string.
    Str,
    /// A boolean, a number, or maybe a string: `Value` holds it, no string field takes it.
    Other,
}

/// The kind of a scalar. Quoted and block scalars are strings (no tags reach here). A plain
/// scalar goes through serde-saphyr's resolution (`parse_scalars.rs`: `scalar_is_nullish`,
/// `parse_yaml11_bool` since `strict_booleans` is off, `parse_int_*`, `parse_yaml12_float`,
/// `try_parse_float_incl_overflow`); it is taken as a string only when none of those can
/// apply: it does not start with a digit, a sign, `.` or `~`, is no YAML 1.1 / 1.2 boolean or
/// null word in any case, and does not parse as a Rust float (`inf`, `NaN`, `infinity`, which
/// serde-saphyr keeps as strings, are refused anyway). `Err`: serde-saphyr refuses it even as a
/// `Value` (a non-finite float: `.inf`, `-.NaN`, `1e999`; `reject_non_finite_typeless_float`
/// is on by default); any plain scalar starting with `.` is refused, to be safe.
fn classify(value: &str, style: ScalarStyle) -> Result<Kind, Refused> {
    if style != ScalarStyle::Plain {
        return Ok(Kind::Str);
    }
    if matches!(value, "" | "~" | "null" | "Null" | "NULL") {
        return Ok(Kind::Null);
    }
    let t = value.trim_matches([' ', '\t', '\r', '\n']);
    let first = t.bytes().next().unwrap_or(b' ');
    let word = |w: &str| t.eq_ignore_ascii_case(w);
    // A Rust float that does not start with a digit, a sign or `.` starts with `i` or `n`.
    let special = first.is_ascii_digit()
        || matches!(first, b'+' | b'-' | b'.' | b'~' | b' ')
        || (t.len() <= 5
            && ["y", "yes", "n", "no", "true", "false", "on", "off", "null"]
                .into_iter()
                .any(word))
        || (matches!(first, b'i' | b'I' | b'n' | b'N') && t.parse::<f64>().is_ok());
    if !special {
        return Ok(Kind::Str);
    }
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if unsigned.starts_with('.')
        || (unsigned.starts_with(|c: char| c.is_ascii_digit())
            && t.parse::<f64>().is_ok_and(|v| !v.is_finite()))
    {
        return Err(Refused);
    }
    Ok(Kind::Other)
}

/// The parser's events, checked: anything refused ends the read.
struct Reader<'a> {
    parser: Parser<'a, StrInput<'a>>,
    peeked: Option<Event<'a>>,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Reader {
            parser: Parser::with_options(StrInput::new(text), crate::yaml::parser_options()),
            peeked: None,
            depth: 0,
        }
    }

    fn next(&mut self) -> Result<Event<'a>, Refused> {
        if let Some(e) = self.peeked.take() {
            return Ok(e);
        }
        loop {
            let (event, _) = self
                .parser
                .next_event()
                .ok_or(Refused)?
                .map_err(|_| Refused)?;
            match &event {
                Event::Comment(..) => continue,
                Event::Scalar(_, _, anchor, tag) => self.node(*anchor, tag.is_some(), false)?,
                Event::SequenceStart(_, anchor, tag) | Event::MappingStart(_, anchor, tag) => {
                    self.node(*anchor, tag.is_some(), true)?
                }
                Event::SequenceEnd | Event::MappingEnd => self.depth -= 1,
                Event::DocumentStart(_, version) => {
                    if version.is_some() {
                        return Err(Refused);
                    }
                }
                Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
                // Aliases, anchor metadata, and whatever a later parser adds.
                _ => return Err(Refused),
            }
            return Ok(event);
        }
    }

    /// A node: no anchor, no tag, within the depth limit.
    fn node(&mut self, anchor: usize, tagged: bool, collection: bool) -> Result<(), Refused> {
        self.depth += usize::from(collection);
        if anchor != 0 || tagged || self.depth > MAX_DEPTH {
            return Err(Refused);
        }
        Ok(())
    }

    fn peek(&mut self) -> Result<&Event<'a>, Refused> {
        if self.peeked.is_none() {
            self.peeked = Some(self.next()?);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }
}

/// One node of the stream as a serde `Deserializer`, calling the visitor as serde-saphyr's
/// `deserialize_any` would for the nodes accepted here, so the typed reader's structs read
/// the same values either way.
struct De<'r, 'a>(&'r mut Reader<'a>);

impl<'de> Deserializer<'de> for De<'_, 'de> {
    type Error = Refused;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        match self.0.next()? {
            Event::Scalar(value, style, ..) => match classify(&value, style)? {
                Kind::Null => visitor.visit_unit(),
                Kind::Str => match value {
                    Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
                    Cow::Owned(s) => visitor.visit_string(s),
                },
                // Only `typed::Skip` takes a boolean: no field the authorizer reads does, so
                // a number or boolean (or a plain scalar that might be one) where a string or
                // a collection belongs is refused.
                Kind::Other => visitor.visit_bool(true),
            },
            Event::SequenceStart(..) => {
                let mut seq = Seq {
                    r: self.0,
                    done: false,
                };
                let v = visitor.visit_seq(&mut seq)?;
                if seq.done { Ok(v) } else { Err(Refused) }
            }
            Event::MappingStart(..) => {
                let mut map = Map {
                    r: self.0,
                    keys: Keys::default(),
                    done: false,
                };
                let v = visitor.visit_map(&mut map)?;
                if map.done { Ok(v) } else { Err(Refused) }
            }
            _ => Err(Refused),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

struct Seq<'r, 'a> {
    r: &'r mut Reader<'a>,
    done: bool,
}

impl<'de> SeqAccess<'de> for Seq<'_, 'de> {
    type Error = Refused;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Refused> {
        if self.done {
            return Ok(None);
        }
        if matches!(self.r.peek()?, Event::SequenceEnd) {
            self.r.next()?;
            self.done = true;
            return Ok(None);
        }
        seed.deserialize(De(self.r)).map(Some)
    }
}

struct Map<'r, 'a> {
    r: &'r mut Reader<'a>,
    keys: Keys<'a>,
    done: bool,
}

impl<'de> MapAccess<'de> for Map<'_, 'de> {
    type Error = Refused;

    /// A key, as `Value`'s visitor reads it (`deserialize_str`): a scalar that is certainly a
    /// string (serde-saphyr refuses a null key; a plain `1` or `true` would be the string
    /// "1" or "true" there, refused here to be safe), not a `<<` merge key, not seen before.
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Refused> {
        if self.done {
            return Ok(None);
        }
        match self.r.next()? {
            Event::MappingEnd => {
                self.done = true;
                Ok(None)
            }
            Event::Scalar(key, style, ..) => {
                if classify(&key, style)? != Kind::Str || key == "<<" {
                    return Err(Refused);
                }
                let value = match &key {
                    Cow::Borrowed(s) => {
                        seed.deserialize(de::value::BorrowedStrDeserializer::<Refused>::new(s))
                    }
                    Cow::Owned(s) => {
                        seed.deserialize(de::value::StrDeserializer::<Refused>::new(s))
                    }
                }?;
                if !self.keys.insert(key) {
                    return Err(Refused);
                }
                Ok(Some(value))
            }
            _ => Err(Refused),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Refused> {
        seed.deserialize(De(self.r))
    }
}

#[cfg(test)]
mod tests;
