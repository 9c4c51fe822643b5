//! JSON as Go reads and writes it.
//!
//! **Writing.** go-jose marshals claims with its fork of Go's `encoding/json`, which escapes
//! `<`, `>`, `&`, U+2028 and U+2029 inside strings (`\u003c`, …); serde_json does not. A token
//! whose audience is a URL with a query string would otherwise differ byte for byte from the
//! API server's.
//!
//! **Reading.** kube-apiserver reads a token's JSON twice, with two decoders: Go's
//! `encoding/json` for the issuer peek (`pkg/serviceaccount/jwt.go`, `hasCorrectIssuer`) and
//! go-jose v2's fork of it (`gopkg.in/square/go-jose.v2/json`, `decode.go`) for the header and
//! the claims. Both accept exactly the same syntax (`scanner.go`), keep every byte >= 0x20 inside
//! strings, and turn invalid UTF-8 and unpaired surrogate escapes into U+FFFD (`unquoteBytes`),
//! where serde_json refuses the document. They differ in what they do with the parsed tree
//! (duplicate keys, case-insensitive field names, nesting depth), which `super::jose` applies.
//! So [`parse`] is a small syntax-exact parser into [`J`], a tree that keeps duplicate keys and
//! number literals as written.
//!
//! It is iterative on purpose: the fork has no nesting limit (Go grows goroutine stacks to
//! 1 GB), so a token nested a million levels deep is a token the API server reads; a recursive
//! parser (serde_json without its 128-level limit) would overflow kcred's stack on it. [`J`]'s
//! `Drop` is iterative for the same reason, and [`J::to_display`] stops at a fixed depth.

use serde::Serialize;
use serde_json::ser::Formatter;

use crate::error::{Error, Result};

struct GoFormatter;

impl Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let esc = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(esc.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Compact JSON with Go's string escaping.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, GoFormatter);
    value
        .serialize(&mut ser)
        .map_err(|e| Error::Encoding(format!("encoding JSON: {e}")))?;
    Ok(buf)
}

/// A JSON value as Go's decoders see it: object members in order, duplicates kept; numbers
/// as their literal text (each Go decoder converts them its own way).
#[derive(PartialEq)]
pub enum J {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number literal, as written.
    Num(String),
    /// A string, unquoted as Go's `unquoteBytes` does.
    Str(String),
    /// An array.
    Arr(Vec<J>),
    /// An object, members in order, duplicate keys kept.
    Obj(Vec<(String, J)>),
}

impl Drop for J {
    fn drop(&mut self) {
        // Iterative: a deeply nested tree must not recurse once per level.
        let mut stack: Vec<J> = Vec::new();
        let take = |j: &mut J, stack: &mut Vec<J>| match j {
            J::Arr(items) => stack.append(items),
            J::Obj(members) => stack.extend(members.drain(..).map(|(_, v)| v)),
            _ => {}
        };
        take(self, &mut stack);
        while let Some(mut j) = stack.pop() {
            take(&mut j, &mut stack);
        }
    }
}

impl std::fmt::Debug for J {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_display(8))
    }
}

/// How deep [`J::to_display`] goes before it summarises.
pub const DISPLAY_DEPTH: usize = 64;

impl J {
    /// The Go type name, for messages (`encoding/json`'s `UnmarshalTypeError` words).
    pub fn kind(&self) -> &'static str {
        match self {
            J::Null => "null",
            J::Bool(_) => "bool",
            J::Num(_) => "number",
            J::Str(_) => "string",
            J::Arr(_) => "array",
            J::Obj(_) => "object",
        }
    }

    /// The value for showing: a serde_json value, duplicate keys resolved last-wins, and
    /// containers deeper than `depth` replaced by a note (serde_json values are recursive).
    pub fn to_display(&self, depth: usize) -> serde_json::Value {
        use serde_json::Value;
        match self {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Num(n) => number(n),
            J::Str(s) => Value::String(s.clone()),
            J::Arr(_) | J::Obj(_) if depth == 0 => {
                Value::String(format!("<{} nested too deep to show>", self.kind()))
            }
            J::Arr(a) => Value::Array(a.iter().map(|v| v.to_display(depth - 1)).collect()),
            J::Obj(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.to_display(depth - 1)))
                    .collect(),
            ),
        }
    }
}

/// Go's `strings.EqualFold` for a field name: simple case folding, so the Kelvin sign
/// folds to `k` and the long s to `s`, while the dotted and dotless Turkish i fold to
/// nothing else.
pub fn go_equal_fold(a: &str, b: &str) -> bool {
    fn fold(c: char) -> char {
        if matches!(c, '\u{130}' | '\u{131}') {
            return c;
        }
        let mut up = c.to_uppercase();
        match (up.next(), up.next()) {
            (Some(u), None) => {
                let mut low = u.to_lowercase();
                match (low.next(), low.next()) {
                    (Some(l), None) => l,
                    _ => c,
                }
            }
            _ => c,
        }
    }
    a.chars().count() == b.chars().count()
        && a.chars().zip(b.chars()).all(|(x, y)| fold(x) == fold(y))
}

/// A number literal as a serde_json number, or as its text when serde_json cannot hold it.
pub fn number(n: &str) -> serde_json::Value {
    n.parse::<serde_json::Number>()
        .map(serde_json::Value::Number)
        .unwrap_or_else(|_| serde_json::Value::String(n.to_string()))
}

/// A parsed document and how deeply its containers nest.
pub struct Parsed {
    /// The value.
    pub value: J,
    /// The deepest nesting of arrays and objects (0 for a scalar).
    pub depth: usize,
}

enum Frame {
    Arr(Vec<J>),
    Obj(Vec<(String, J)>, String),
}

/// Parse `data` with the syntax of Go's `encoding/json` scanner (`scanner.go`, `checkValid`):
/// one value, surrounded only by space, tab, CR and LF; strings take any byte from 0x20 up;
/// no nesting limit. Errors are one line, with the byte offset.
///
/// Iterative, not recursive (an explicit stack of open containers), so no input can
/// overflow the thread's stack: each round opens a value ([`Parser::open_value`]), then
/// attaches it to its parent, closing every container that ends there
/// ([`Parser::attach`]), as `scanner.go`'s `stateEndValue` pops its `parseState`.
pub fn parse(data: &[u8]) -> std::result::Result<Parsed, String> {
    let mut p = Parser { data, pos: 0 };
    let mut stack: Vec<Frame> = Vec::new();
    let mut depth = 0usize;
    p.ws();
    loop {
        let Some(mut v) = p.open_value(&mut stack, &mut depth)? else {
            continue; // a container was opened: parse its first member
        };
        loop {
            p.ws();
            match p.attach(&mut stack, v)? {
                Attached::Top(v) => {
                    if p.pos != data.len() {
                        return Err(p.err("invalid character after top-level value"));
                    }
                    return Ok(Parsed { value: v, depth });
                }
                Attached::NextMember => break,
                Attached::Closed(c) => v = c,
            }
        }
    }
}

/// What became of a value handed to its parent.
enum Attached {
    /// It has no parent: it is the document.
    Top(J),
    /// Its parent goes on with another member.
    NextMember,
    /// Its parent ended with it, and is now the value to attach.
    Closed(J),
}

impl Parser<'_> {
    /// One value (`scanner.go` `stateBeginValue`): a scalar or an empty container is
    /// returned; a non-empty container is pushed on `stack` (`None`), its first member next.
    fn open_value(
        &mut self,
        stack: &mut Vec<Frame>,
        depth: &mut usize,
    ) -> std::result::Result<Option<J>, String> {
        let p = self;
        Ok(Some(match p.peek() {
            Some(b'{') => {
                p.pos += 1;
                p.ws();
                if p.peek() == Some(b'}') {
                    p.pos += 1;
                    *depth = (*depth).max(stack.len() + 1);
                    J::Obj(Vec::new())
                } else {
                    let key = p.key()?;
                    stack.push(Frame::Obj(Vec::new(), key));
                    *depth = (*depth).max(stack.len());
                    p.ws();
                    return Ok(None);
                }
            }
            Some(b'[') => {
                p.pos += 1;
                p.ws();
                if p.peek() == Some(b']') {
                    p.pos += 1;
                    *depth = (*depth).max(stack.len() + 1);
                    J::Arr(Vec::new())
                } else {
                    stack.push(Frame::Arr(Vec::new()));
                    *depth = (*depth).max(stack.len());
                    return Ok(None);
                }
            }
            Some(b'"') => J::Str(p.string()?),
            Some(b't') => p.literal("true", J::Bool(true))?,
            Some(b'f') => p.literal("false", J::Bool(false))?,
            Some(b'n') => p.literal("null", J::Null)?,
            Some(b'-' | b'0'..=b'9') => J::Num(p.number()?),
            Some(c) => {
                return Err(p.err(&format!(
                    "invalid character {:?} looking for beginning of value",
                    c as char
                )));
            }
            None => return Err("unexpected end of JSON input".into()),
        }))
    }

    /// `v` added to the innermost open container (`scanner.go` `stateEndValue`): then a
    /// `,` goes on with the next member, a closing bracket ends the container.
    fn attach(&mut self, stack: &mut Vec<Frame>, v: J) -> std::result::Result<Attached, String> {
        let p = self;
        match stack.last_mut() {
            None => Ok(Attached::Top(v)),
            Some(Frame::Arr(items)) => {
                items.push(v);
                match p.peek() {
                    Some(b',') => {
                        p.pos += 1;
                        p.ws();
                        Ok(Attached::NextMember)
                    }
                    Some(b']') => {
                        p.pos += 1;
                        let Some(Frame::Arr(items)) = stack.pop() else {
                            unreachable!()
                        };
                        Ok(Attached::Closed(J::Arr(items)))
                    }
                    _ => Err(p.err("expected ',' or ']' after array element")),
                }
            }
            Some(Frame::Obj(members, key)) => {
                members.push((std::mem::take(key), v));
                match p.peek() {
                    Some(b',') => {
                        p.pos += 1;
                        p.ws();
                        *key = p.key()?;
                        p.ws();
                        Ok(Attached::NextMember)
                    }
                    Some(b'}') => {
                        p.pos += 1;
                        let Some(Frame::Obj(members, _)) = stack.pop() else {
                            unreachable!()
                        };
                        Ok(Attached::Closed(J::Obj(members)))
                    }
                    _ => Err(p.err("expected ',' or '}' after object value")),
                }
            }
        }
    }
}

struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn err(&self, what: &str) -> String {
        if self.pos >= self.data.len() {
            "unexpected end of JSON input".into()
        } else {
            format!("{what} (offset {})", self.pos)
        }
    }

    /// Go's `isSpace`: only these four.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &str, v: J) -> std::result::Result<J, String> {
        if self.data[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("invalid literal"))
        }
    }

    /// An object key and its colon.
    fn key(&mut self) -> std::result::Result<String, String> {
        if self.peek() != Some(b'"') {
            return Err(self.err("looking for beginning of object key string"));
        }
        let k = self.string()?;
        self.ws();
        if self.peek() != Some(b':') {
            return Err(self.err("after object key"));
        }
        self.pos += 1;
        Ok(k)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> std::result::Result<String, String> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("in numeric literal")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err("after decimal point in numeric literal"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("in exponent of numeric literal"));
            }
        }
        Ok(String::from_utf8_lossy(&self.data[start..self.pos]).into_owned())
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.data.get(at..at + 4)?;
        let s = std::str::from_utf8(h).ok()?;
        if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(s, 16).ok()
    }

    /// A string, unquoted as `unquoteBytes` does: invalid UTF-8 becomes one U+FFFD per bad
    /// byte (`utf8.DecodeRune` returns size 1), an unpaired surrogate escape becomes U+FFFD.
    fn string(&mut self) -> std::result::Result<String, String> {
        self.pos += 1; // opening quote
        let mut raw: Vec<u8> = Vec::with_capacity(16);
        loop {
            let Some(c) = self.peek() else {
                return Err("unexpected end of JSON input".into());
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    let Some(e) = self.data.get(self.pos + 1).copied() else {
                        return Err("unexpected end of JSON input".into());
                    };
                    self.pos += 2;
                    let simple = match e {
                        b'"' => Some('"'),
                        b'\\' => Some('\\'),
                        b'/' => Some('/'),
                        b'b' => Some('\u{8}'),
                        b'f' => Some('\u{c}'),
                        b'n' => Some('\n'),
                        b'r' => Some('\r'),
                        b't' => Some('\t'),
                        b'u' => None,
                        _ => {
                            self.pos -= 1;
                            return Err(self.err("in string escape code"));
                        }
                    };
                    if let Some(ch) = simple {
                        let mut b = [0u8; 4];
                        raw.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                        continue;
                    }
                    let Some(r) = self.hex4(self.pos) else {
                        return Err(self.err("in \\u hexadecimal character escape"));
                    };
                    self.pos += 4;
                    let mut ch = char::from_u32(r);
                    if (0xD800..0xE000).contains(&r) {
                        ch = None;
                        // utf16.DecodeRune: a high surrogate followed by a low one.
                        if r < 0xDC00
                            && self.data.get(self.pos..self.pos + 2) == Some(b"\\u")
                            && let Some(r2) = self.hex4(self.pos + 2)
                            && (0xDC00..0xE000).contains(&r2)
                        {
                            self.pos += 6;
                            ch = char::from_u32(0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00));
                        }
                    }
                    let mut b = [0u8; 4];
                    raw.extend_from_slice(ch.unwrap_or('\u{FFFD}').encode_utf8(&mut b).as_bytes());
                }
                0..=0x1f => return Err(self.err("invalid character in string literal")),
                _ => {
                    // The run of bytes up to the next quote, escape or control byte, at once.
                    let run = self.data[self.pos..]
                        .iter()
                        .position(|b| matches!(b, b'"' | b'\\' | 0..=0x1f))
                        .unwrap_or(self.data.len() - self.pos);
                    raw.extend_from_slice(&self.data[self.pos..self.pos + run]);
                    self.pos += run;
                }
            }
        }
        Ok(go_lossy(&raw))
    }
}

/// Bytes to text as Go's `unquoteBytes` and `strings.ToValidUTF8`-free conversions do: every
/// byte that does not start a valid UTF-8 sequence becomes its own U+FFFD.
pub fn go_lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let n = e.error_len().unwrap_or(bad.len());
                for _ in 0..n {
                    out.push('\u{FFFD}');
                }
                rest = &bad[n..];
            }
        }
    }
}

/// `strconv.ParseFloat(s, 64)` on a JSON number literal: an error past the float64 range
/// (`ErrRange`); underflow is 0 without error.
pub fn parse_float(s: &str) -> Option<f64> {
    let f: f64 = s.parse().ok()?;
    f.is_finite().then_some(f)
}

/// Go's `int64(f)` on amd64 (CVTTSD2SI): truncation toward zero, and the "integer
/// indefinite" value 0x8000000000000000 for anything outside the int64 range. (arm64
/// saturates instead; kube-apiserver release binaries for amd64 behave as here.)
pub fn go_int64_amd64(f: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f.trunc() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn str_of(json: &[u8]) -> String {
        match &parse(json).unwrap().value {
            J::Str(s) => s.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn strings_unquote_as_go_unquote_bytes_does() {
        // json/decode.go unquoteBytes: each invalid byte is one U+FFFD (utf8.DecodeRune
        // returns size 1); E2 82 is a truncated sequence: two bytes, two U+FFFD.
        assert_eq!(
            str_of(b"\"a\xffb\xe2\x82c\""),
            "a\u{FFFD}b\u{FFFD}\u{FFFD}c"
        );
        // UTF-8-encoded surrogates are invalid UTF-8: three bytes, three U+FFFD.
        assert_eq!(str_of(b"\"\xed\xa0\x80\""), "\u{FFFD}".repeat(3));
        // An unpaired surrogate escape is U+FFFD; a pair is one rune; a lone low surrogate
        // is U+FFFD and the escape after it is read on its own.
        assert_eq!(str_of(br#""\ud800x""#), "\u{FFFD}x");
        assert_eq!(str_of(br#""\ud83d\ude00""#), "\u{1F600}");
        assert_eq!(str_of(br#""\udc00\u0041""#), "\u{FFFD}A");
        assert_eq!(str_of(br#""\ud800\u0041""#), "\u{FFFD}A");
        // Raw DEL and non-ASCII are kept; raw control characters are a syntax error.
        assert_eq!(str_of(b"\"\x7f\xc3\xa9\""), "\u{7f}\u{e9}");
        assert!(parse(b"\"a\tb\"").is_err());
        // scanner.go stateInStringEsc: no \' escape.
        assert!(parse(br#""\'""#).is_err());
    }

    #[test]
    fn syntax_is_go_scanner_syntax() {
        for ok in [
            &b"{}"[..],
            b" [ ] ",
            b"0",
            b"-0.5e+3",
            b"1E9",
            b"\"\"",
            b"null",
            b"\r\n\t{\"a\":[1,{}]}",
        ] {
            parse(ok).unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(ok)));
        }
        for bad in [
            &b""[..],
            b"01",
            b"1.",
            b".5",
            b"+1",
            b"[1,]",
            b"{\"a\":1,}",
            b"{a:1}",
            b"nul",
            b"{} {}",
            b"\x0c{}",
            b"\xc2\xa0{}",
            b"NaN",
            b"[",
            b"{\"a\"}",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn duplicate_keys_and_literals_are_kept() {
        let p = parse(br#"{"a":1,"a":2.50,"b":[true,null]}"#).unwrap();
        let J::Obj(m) = &p.value else { panic!() };
        assert_eq!(m.len(), 3);
        assert_eq!(m[1].1, J::Num("2.50".into()));
        assert_eq!(p.depth, 2);
        assert_eq!(parse(b"[[[]]]").unwrap().depth, 3);
        assert_eq!(parse(b"1").unwrap().depth, 0);
    }

    #[test]
    fn deep_nesting_is_parsed_and_dropped_without_recursion() {
        // The go-jose fork has no nesting limit; a million levels must not overflow
        // kcred's stack, neither parsing nor dropping nor showing.
        let n = 1_000_000;
        let mut doc = "[".repeat(n);
        doc.push_str(&"]".repeat(n));
        let p = parse(doc.as_bytes()).unwrap();
        assert_eq!(p.depth, n);
        let shown = p.value.to_display(DISPLAY_DEPTH);
        assert!(shown.to_string().contains("nested too deep"));
        drop(p);
        let mut obj = r#"{"a":"#.repeat(n);
        obj.push('1');
        obj.push_str(&"}".repeat(n));
        assert_eq!(parse(obj.as_bytes()).unwrap().depth, n);
    }

    #[test]
    fn floats_convert_as_go_does_on_amd64() {
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("1e-400"), Some(0.0));
        assert_eq!(go_int64_amd64(1.9), 1);
        assert_eq!(go_int64_amd64(-1.9), -1);
        assert_eq!(go_int64_amd64(9.3e18), i64::MIN);
        assert_eq!(go_int64_amd64(-9.3e18), i64::MIN);
        assert_eq!(go_int64_amd64(-9_223_372_036_854_775_808.0), i64::MIN);
        assert_eq!(
            go_int64_amd64(9_223_372_036_854_774_784.0),
            9_223_372_036_854_774_784
        );
    }

    #[test]
    fn escapes_like_go() {
        let v = serde_json::json!({"aud": ["https://x/?a=1&b=<2>\u{2028}é\n"]});
        assert_eq!(
            String::from_utf8(super::to_vec(&v).unwrap()).unwrap(),
            r#"{"aud":["https://x/?a=1\u0026b=\u003c2\u003e\u2028é\n"]}"#
        );
    }
}
