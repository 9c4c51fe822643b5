//! go-yaml v2's guard against alias bombs, which every YAML document kubectl reads passes:
//! sigs.k8s.io/yaml's `Unmarshal` and `YAMLToJSON` (kubeconfigs through clientcmd's codec,
//! manifests chunk by chunk through apimachinery's `YAMLToJSONDecoder`, the API server's YAML
//! bodies) are one go-yaml `Unmarshal` into `interface{}` per document.
//!
//! go-yaml v2 (2.4.0, vendored as sigs.k8s.io/yaml/goyaml.v2) first parses the document into
//! a node tree, then decodes it. `decode.go`: each call of `decoder.unmarshal` adds one to
//! `decodeCount`, and one to `aliasCount` while an alias is being expanded (`aliasDepth > 0`);
//! as soon as `aliasCount > 100 && decodeCount > 1000 && aliasCount/decodeCount >
//! allowedAliasRatio(decodeCount)` it fails with "document contains excessive aliasing". One
//! decoder per `Unmarshal`, so the counts are per document. Decoded, in order:
//! - the document node, then its one child;
//! - in a sequence, each item; in a mapping, each key then its value (`mapping`);
//! - an alias node itself, then (one alias deeper) the node it names (`alias`); an alias met
//!   again while it is being expanded is "anchor 'a' value contains itself";
//! - a `<<` merge key is not decoded; its value is (`merge`): a mapping, or an alias of one,
//!   as any value; a sequence of those not itself, its items from the last to the first.
//!
//! Other failures stop the count too (a mapping or sequence as a key, "invalid map key"; a
//! merge of anything else, "map merge requires map or sequence of maps"); those, and parse
//! errors (go-yaml parses the whole document before it decodes), are left to kcred's reader,
//! which refuses them in its own words.
//!
//! The simulation runs on granit-parser's events (serde-saphyr's tokenizer, which numbers an
//! anchor where it is defined, as go-yaml does: `&a [*a]` names itself). A node's expansion is
//! counted once, when it ends, so that an alias costs one addition: while an alias is being
//! expanded every decode counts for both counts, so their ratio only grows and the allowed
//! ratio only falls, and the test at the end of the expansion is the test at every step of it.
//! Outside aliases each decode is tested, as Go does.

use granit_parser::{Event, Parser, ScalarStyle, StrInput};

/// go-yaml's error, as kubectl prints it.
pub(crate) const EXCESSIVE_ALIASING: &str = "yaml: document contains excessive aliasing";

/// The nodes decoded for the documents of `text`, all together (what alias expansion makes
/// of them; 0 when `text` cannot hold an alias), or go-yaml's refusal of a document for its
/// aliases, in its words (after `document N: ` from the second document on).
pub(crate) fn check(text: &str) -> Result<u64, String> {
    // No alias without an anchor (an unknown one is a parse error): a file without both
    // characters is never refused and costs no parse.
    let bytes = text.as_bytes();
    if !bytes.contains(&b'&') || !bytes.contains(&b'*') {
        return Ok(0);
    }
    let mut parser = Parser::with_options(StrInput::new(text), super::parser_options());
    let mut doc = Document::new(text);
    let mut total: u64 = 0;
    let mut number = 0;
    while let Some(Ok((event, span))) = parser.next_event() {
        match event {
            Event::DocumentStart(..) => {
                doc = Document::new(text);
                number += 1;
            }
            Event::DocumentEnd => {
                if let Some(root) = doc.root {
                    let (decodes, result) = doc.decode(root);
                    total = total.saturating_add(decodes);
                    match result {
                        Ok(()) => {}
                        Err(Stop::Refused(why)) if number > 1 => {
                            return Err(format!("document {number}: {why}"));
                        }
                        Err(Stop::Refused(why)) => return Err(why),
                        // go-yaml fails otherwise there and reads no further; the reader
                        // says how.
                        Err(Stop::Other) => return Ok(total),
                    }
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let merge = value == "<<"
                    && match tag.as_deref() {
                        // libyaml `plain_implicit` (parserc.go): plain and untagged, or the
                        // non-specific tag `!`; else the merge tag (`isMerge`).
                        None => style == ScalarStyle::Plain,
                        Some(t) => {
                            let is = |s: &str| s.strip_prefix(t.handle()) == Some(t.suffix());
                            is("!") || is("tag:yaml.org,2002:merge")
                        }
                    };
                doc.leaf(Kind::Scalar { merge }, anchor, State::Done(1));
            }
            Event::Alias(id) => {
                let target = doc.anchors.get(&id).copied();
                let Some(target) = target else { break };
                // A target still open is an ancestor: expanding it comes back here.
                let state = match doc.nodes[target].state {
                    State::Done(n) => State::Done(n.saturating_add(1)),
                    State::Fails(n) => State::Fails(n.saturating_add(1)),
                    State::Cyclic | State::Open => State::Cyclic,
                };
                // The `*name` token, for "anchor 'name' value contains itself".
                let token = (span.start.byte_offset(), span.end.byte_offset());
                let token = match token {
                    (Some(s), Some(e)) => (s, e),
                    _ => (0, 0),
                };
                doc.leaf(Kind::Alias { target, token }, 0, state);
            }
            Event::SequenceStart(_, anchor, _) => doc.open(Kind::Seq, anchor),
            Event::MappingStart(_, anchor, _) => doc.open(Kind::Map, anchor),
            Event::SequenceEnd | Event::MappingEnd => doc.close(),
            _ => {}
        }
    }
    Ok(total)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Scalar {
        merge: bool,
    },
    Seq,
    Map,
    Alias {
        target: usize,
        token: (usize, usize),
    },
}

/// What decoding a node alone costs, known when it ends.
#[derive(Clone, Copy, PartialEq, Debug)]
enum State {
    /// Not ended yet.
    Open,
    /// This many decodes, the same wherever it is decoded.
    Done(u64),
    /// go-yaml fails (not for aliasing) after this many decodes.
    Fails(u64),
    /// An alias in it reaches back into what is being expanded: decoded step by step.
    Cyclic,
}

struct Node {
    kind: Kind,
    /// One past its last descendant (nodes are kept in document order).
    end: usize,
    state: State,
}

/// One document's node tree, as go-yaml's parser builds it.
struct Document<'a> {
    text: &'a str,
    nodes: Vec<Node>,
    /// Open collections.
    open: Vec<usize>,
    /// granit's anchor ids to nodes.
    anchors: std::collections::HashMap<usize, usize>,
    root: Option<usize>,
}

/// One step of decoding a collection's children (`decode.go` `sequence`, `mapping`, `merge`).
#[derive(Clone, Copy)]
enum Item {
    Decode(usize),
    /// go-yaml fails here, not for aliasing.
    Fail,
}

/// Why the count stopped.
enum Stop {
    Refused(String),
    Other,
}

impl<'a> Document<'a> {
    fn new(text: &'a str) -> Self {
        Document {
            text,
            nodes: Vec::new(),
            open: Vec::new(),
            anchors: Default::default(),
            root: None,
        }
    }

    fn push(&mut self, kind: Kind, anchor: usize, state: State) -> usize {
        let i = self.nodes.len();
        if self.open.is_empty() {
            self.root.get_or_insert(i);
        }
        if anchor != 0 {
            self.anchors.insert(anchor, i);
        }
        self.nodes.push(Node {
            kind,
            end: i + 1,
            state,
        });
        i
    }

    fn leaf(&mut self, kind: Kind, anchor: usize, state: State) {
        self.push(kind, anchor, state);
    }

    fn open(&mut self, kind: Kind, anchor: usize) {
        let i = self.push(kind, anchor, State::Open);
        self.open.push(i);
    }

    fn close(&mut self) {
        let Some(i) = self.open.pop() else { return };
        self.nodes[i].end = self.nodes.len();
        let mut decodes: u64 = 1;
        let mut state = None;
        self.items(i, |item| {
            let next = match item {
                Item::Fail => State::Fails(0),
                Item::Decode(c) => self.nodes[c].state,
            };
            match next {
                State::Done(n) => {
                    decodes = decodes.saturating_add(n);
                    true
                }
                State::Fails(n) => {
                    state = Some(State::Fails(decodes.saturating_add(n)));
                    false
                }
                State::Cyclic | State::Open => {
                    state = Some(State::Cyclic);
                    false
                }
            }
        });
        self.nodes[i].state = state.unwrap_or(State::Done(decodes));
    }

    fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.nodes[i].end;
        let first = (i + 1 < end).then_some(i + 1);
        std::iter::successors(first, move |&c| {
            let next = self.nodes[c].end;
            (next < end).then_some(next)
        })
    }

    /// The kind of what `i` decodes to (an alias: its target's).
    fn resolved(&self, i: usize) -> Kind {
        match self.nodes[i].kind {
            Kind::Alias { target, .. } => self.nodes[target].kind,
            k => k,
        }
    }

    /// The steps of decoding collection `i`'s children into `interface{}`, in go-yaml's
    /// order, while `f` returns true.
    fn items(&self, i: usize, mut f: impl FnMut(Item) -> bool) {
        match self.nodes[i].kind {
            Kind::Seq => {
                for c in self.children(i) {
                    if !f(Item::Decode(c)) {
                        return;
                    }
                }
            }
            Kind::Map => {
                let mut children = self.children(i);
                while let (Some(k), Some(v)) = (children.next(), children.next()) {
                    let go_on = if self.nodes[k].kind == (Kind::Scalar { merge: true }) {
                        self.merge_items(v, &mut f)
                    } else {
                        // A key that decodes to a map or a slice: "invalid map key".
                        f(Item::Decode(k))
                            && if matches!(self.resolved(k), Kind::Seq | Kind::Map) {
                                f(Item::Fail)
                            } else {
                                f(Item::Decode(v))
                            }
                    };
                    if !go_on {
                        return;
                    }
                }
            }
            _ => {}
        }
    }

    /// `decode.go` `merge`: what a `<<` key's value decodes.
    fn merge_items(&self, v: usize, f: &mut impl FnMut(Item) -> bool) -> bool {
        let map = |c: usize| {
            if self.resolved(c) == Kind::Map {
                Item::Decode(c)
            } else {
                Item::Fail
            }
        };
        match self.nodes[v].kind {
            Kind::Map | Kind::Alias { .. } => f(map(v)),
            Kind::Seq => {
                let items: Vec<usize> = self.children(v).collect();
                items.iter().rev().all(|&c| match self.nodes[c].kind {
                    Kind::Map | Kind::Alias { .. } => f(map(c)),
                    _ => f(Item::Fail),
                })
            }
            Kind::Scalar { .. } => f(Item::Fail),
        }
    }

    /// go-yaml's `unmarshal` of the document whose top node is `root`: the decodes made, and
    /// why it stopped early, if it did.
    fn decode(&self, root: usize) -> (u64, Result<(), Stop>) {
        let mut count = Count::default();
        // The document node, then its child.
        let result = count
            .step(1, false)
            .and_then(|()| self.walk(root, &mut count));
        (count.decodes, result)
    }

    /// Decode `i` outside any alias: each step tested.
    fn walk(&self, i: usize, count: &mut Count) -> Result<(), Stop> {
        count.step(1, false)?;
        match self.nodes[i].kind {
            Kind::Scalar { .. } => Ok(()),
            Kind::Alias { target, .. } => match self.nodes[target].state {
                State::Done(n) => count.step(n, true),
                State::Fails(n) => {
                    count.step(n, true)?;
                    Err(Stop::Other)
                }
                State::Cyclic | State::Open => {
                    let (n, name) = self.expand_cyclic(i, count);
                    count.step(n, true)?;
                    Err(match name {
                        Some(name) => {
                            Stop::Refused(format!("yaml: anchor '{name}' value contains itself"))
                        }
                        None => Stop::Other,
                    })
                }
            },
            Kind::Seq | Kind::Map => {
                let mut result = Ok(());
                self.items(i, |item| {
                    result = match item {
                        Item::Decode(c) => self.walk(c, count),
                        Item::Fail => Err(Stop::Other),
                    };
                    result.is_ok()
                });
                result
            }
        }
    }

    /// Expanding alias `alias`, whose target reaches back: go-yaml's steps until it meets an
    /// alias it is already expanding (its name) or fails otherwise (`None`). Every step is
    /// inside the alias, so once the count is excessive it stays so and the walk can stop.
    fn expand_cyclic(&self, alias: usize, outer: &Count) -> (u64, Option<String>) {
        let mut expanding = std::collections::HashSet::from([alias]);
        let mut n: u64 = 0;
        let mut cur = match self.nodes[alias].kind {
            Kind::Alias { target, .. } => target,
            _ => return (0, None),
        };
        loop {
            n = n.saturating_add(1);
            if outer.after(n).excessive() {
                return (n, None);
            }
            match self.nodes[cur].kind {
                Kind::Alias { target, token } => {
                    if !expanding.insert(cur) {
                        let token = self.text.get(token.0..token.1);
                        let name = token.unwrap_or("").trim_start_matches('*');
                        return (n, Some(name.to_string()));
                    }
                    cur = target;
                }
                Kind::Scalar { .. } => return (n, None),
                Kind::Seq | Kind::Map => {
                    let mut next = None;
                    let mut failed = false;
                    self.items(cur, |item| match item {
                        Item::Fail => {
                            failed = true;
                            false
                        }
                        Item::Decode(c) => match self.nodes[c].state {
                            State::Done(k) => {
                                n = n.saturating_add(k);
                                true
                            }
                            State::Fails(k) => {
                                n = n.saturating_add(k);
                                failed = true;
                                false
                            }
                            State::Cyclic | State::Open => {
                                next = Some(c);
                                false
                            }
                        },
                    });
                    match next {
                        Some(c) if !failed => cur = c,
                        _ => return (n, None),
                    }
                }
            }
        }
    }
}

/// `decoder.decodeCount` and `decoder.aliasCount`.
#[derive(Clone, Copy, Default)]
struct Count {
    decodes: u64,
    aliases: u64,
}

impl Count {
    /// `n` more decodes, inside an alias or not, tested after the last (see the module note).
    fn step(&mut self, n: u64, in_alias: bool) -> Result<(), Stop> {
        self.decodes = self.decodes.saturating_add(n);
        if in_alias {
            self.aliases = self.aliases.saturating_add(n);
        }
        if self.excessive() {
            return Err(Stop::Refused(EXCESSIVE_ALIASING.to_string()));
        }
        Ok(())
    }

    fn after(self, n: u64) -> Count {
        Count {
            decodes: self.decodes.saturating_add(n),
            aliases: self.aliases.saturating_add(n),
        }
    }

    /// The test at the top of `decoder.unmarshal`.
    fn excessive(&self) -> bool {
        self.aliases > 100
            && self.decodes > 1000
            && self.aliases as f64 / self.decodes as f64 > allowed_alias_ratio(self.decodes)
    }
}

/// `decode.go` `allowedAliasRatio`: 99% up to 400,000 decodes, 10% from 4,000,000, linear
/// between.
fn allowed_alias_ratio(decodes: u64) -> f64 {
    const LOW: u64 = 400_000;
    const HIGH: u64 = 4_000_000;
    if decodes <= LOW {
        0.99
    } else if decodes >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decodes - LOW) as f64 / (HIGH - LOW) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::{EXCESSIVE_ALIASING, check};

    /// `{a: &a [x × 999], b: [*a × refs]}`.
    fn lists(refs: usize) -> String {
        format!(
            "{{a: &a [{}], b: [{}]}}\n",
            vec!["x"; 999].join(","),
            vec!["*a"; refs].join(",")
        )
    }

    /// Counts worked out by hand from `decode.go` (each agrees with go-yaml v2.4.0's own
    /// counters on the same text).
    #[test]
    fn decodes_are_counted_as_go_yaml_counts_them() {
        // The document 1, its mapping 1, `a` 1, `{x: 1}` 3: 6. `b` 1, the alias 1, `{x: 1}`
        // again 3: 11. `c` 1, its mapping 1: 13. The `<<` key is not decoded, nor its
        // sequence; its items are, the last first: `{y: 2}` 3, then `*a` 1 + 3: 20. `z`, `3`: 22.
        let merged = "a: &a {x: 1}\nb: *a\nc: {<<: [*a, {y: 2}], z: 3}\n";
        assert_eq!(check(merged), Ok(22));
        // Each document is its own `Unmarshal`: the counts add up, the limit does not.
        assert_eq!(check(&format!("{merged}---\n{merged}")), Ok(44));
        // Quoted, `&` and `*` are text; without both, no alias can be there and nothing is
        // parsed.
        assert_eq!(check("a: '&x'\nb: '*x'\n"), Ok(6));
        assert_eq!(check("a: &a [1]\n"), Ok(0));
    }

    /// `lists(r)` decodes 1,005 nodes outside aliases (the document, the mapping, `a`, the
    /// list and its 999 items, `b`, the outer list), then each alias 1 outside and 1,000
    /// inside: after r aliases, 1,005 + 1,001r decodes of which 1,000r aliased, past
    /// `allowedAliasRatio`'s 0.99 from r = 111 (111,000 > 0.99 × 112,116).
    #[test]
    fn excessive_aliasing_starts_where_go_yaml_starts_it() {
        assert_eq!(check(&lists(110)), Ok(1_005 + 1_001 * 110));
        assert_eq!(check(&lists(111)), Err(EXCESSIVE_ALIASING.to_string()));
        assert_eq!(
            check(&format!("a: 1\n---\n{}", lists(111))),
            Err(format!("document 2: {EXCESSIVE_ALIASING}"))
        );
        // gopkg.in/yaml.v2 limit_test.go, "1000kb of maps with 100 aliases": 1,951,122
        // decodes, where the allowed ratio has fallen to 0.61.
        let maps = format!(
            "{{a: &a [{{a}}{}], b: &b [*a{}]}}",
            ",{a}".repeat(1000 * 1024 / 4 - 100),
            ",*a".repeat(99)
        );
        assert_eq!(check(&maps), Err(EXCESSIVE_ALIASING.to_string()));
    }

    /// go-yaml numbers an anchor where it starts, so an alias inside it names it: "contains
    /// itself" (`decoder.alias`). Its other failures are the reader's to word.
    #[test]
    fn recursion_is_refused_and_other_failures_are_left_to_the_reader() {
        let itself = Err("yaml: anchor 'a' value contains itself".to_string());
        assert_eq!(check("a: &a [1, *a]\n"), itself);
        assert_eq!(check("a: &a {<<: *a}\n"), itself);
        assert!(check("a: &a x\nb: {<<: *a}\n").is_ok()); // merge of a scalar
        assert!(check("a: &a [x]\n? *a\n: 1\n").is_ok()); // a list as a key
    }
}
