//! YAML documents as trees of nodes with positions, built from the event parser that
//! `serde-saphyr` ships (`granit_parser`). The tree keeps what Sigma needs and serde's
//! data model drops. That is the position and order of every key, whether a scalar was
//! quoted (`'4624'` is text, `4624` a number) and the spelling of numbers. Duplicate keys
//! and the resource limits are checked while the tree is built.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{self, Event, Parser, ScanError, Span};

use super::error::{Error, YamlError};
use crate::ir::Position;

/// Maximum number of YAML documents in one file.
///
/// Guards against files that would make a caller hold thousands of results at once. It is
/// checked at each document start; the file then fails with [`YamlError::TooManyDocuments`].
/// Rule collections use a handful of documents, so the limit is far above real use.
pub const MAX_DOCUMENTS: usize = 1000;

/// Maximum size of one YAML document in bytes of source text.
///
/// Guards memory and time spent on one rule. It is checked after each parser event, so a
/// single huge scalar is read once before [`YamlError::DocumentTooLarge`] is raised. The
/// largest SigmaHQ rule is about 40 KB; callers reading files should still cap file sizes.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// Maximum number of alias uses (`*name`) in one document.
///
/// Guards, together with [`MAX_NODES`], against alias bombs (aliases of aliases that expand
/// exponentially). Checked at each alias; raises [`YamlError::TooManyAliases`].
pub const MAX_ALIASES: usize = 100;

/// Maximum number of nodes in one document after every alias is expanded.
///
/// Checked as nodes are added and before an alias is copied, so an expansion is never
/// built past the limit; raises [`YamlError::TooManyNodes`].
pub const MAX_NODES: usize = 100_000;

/// Maximum nesting of lists and mappings in one document.
///
/// Guards the stack of every recursive walk over the tree. The YAML parser checks it while
/// reading, so a 40,000-deep input stops at this depth with [`YamlError::NestingTooDeep`].
/// Sigma rules nest about five levels deep.
pub const MAX_DEPTH: usize = 64;

/// A YAML node and where it starts in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Sequence(Vec<Node>),
    /// Entries in file order; keys are unique (duplicates are rejected while reading).
    Mapping(Vec<Entry>),
}

/// One `key: value` pair of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_position: Position,
    pub value: Node,
}

/// A scalar as written: its text after YAML escapes, and how it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub text: String,
    pub style: ScalarStyle,
    /// The suffix of an explicit core-schema tag (`str` for `!!str`), if any.
    pub tag: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// A `|` or `>` block scalar.
    Block,
}

/// The value a scalar resolves to under the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub enum ScalarValue<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(&'a str),
}

impl Scalar {
    /// Resolves the scalar under the YAML 1.2 core schema. Only plain scalars and explicit
    /// core tags become null, booleans or numbers, so quoted and block scalars are strings.
    ///
    /// Integers outside the `i64` range and the special floats (`.inf`, `.nan`) stay
    /// strings, because no rule field compares against them as numbers.
    pub fn resolve(&self) -> ScalarValue<'_> {
        let text = self.text.as_str();
        match self.tag.as_deref() {
            Some("str") => return ScalarValue::String(text),
            Some("null") => return ScalarValue::Null,
            Some(_) => return resolve_plain(text),
            None => {}
        }
        if self.style != ScalarStyle::Plain {
            return ScalarValue::String(text);
        }
        resolve_plain(text)
    }

    /// Returns `true` for a plain scalar that resolves to null (`~`, `null`, nothing).
    pub fn is_null(&self) -> bool {
        matches!(self.resolve(), ScalarValue::Null)
    }
}

fn resolve_plain(text: &str) -> ScalarValue<'_> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarValue::Null,
        "true" | "True" | "TRUE" => return ScalarValue::Bool(true),
        "false" | "False" | "FALSE" => return ScalarValue::Bool(false),
        _ => {}
    }
    match parse_int(text) {
        Some(Ok(n)) => return ScalarValue::Int(n),
        Some(Err(())) => return ScalarValue::String(text),
        None => {}
    }
    if is_float_syntax(text) {
        if let Ok(x) = text.parse::<f64>() {
            if x.is_finite() {
                return ScalarValue::Float(x);
            }
        }
    }
    ScalarValue::String(text)
}

/// Parses the core-schema integer forms: `[-+]?[0-9]+`, `0o[0-7]+` and `0x[0-9a-fA-F]+`.
/// Returns `None` when the text is not an integer, `Some(Err)` when it is one outside the
/// `i64` range.
fn parse_int(text: &str) -> Option<Result<i64, ()>> {
    let (digits, radix) = if let Some(hex) = text.strip_prefix("0x") {
        (hex, 16)
    } else if let Some(oct) = text.strip_prefix("0o") {
        (oct, 8)
    } else {
        (text.strip_prefix(['-', '+']).unwrap_or(text), 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let parsed = if radix == 10 {
        text.parse::<i64>()
    } else {
        i64::from_str_radix(digits, radix)
    };
    Some(parsed.map_err(|_| ()))
}

/// Checks the core-schema float form `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_float_syntax(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - frac_start;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
            i += 1;
        }
        let exp_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == bytes.len()
}

impl Node {
    /// Returns the scalar when the node is one.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// Returns the entries when the node is a mapping.
    pub fn as_mapping(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// Returns the entry with the given key when the node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.as_mapping()?.iter().find(|e| e.key == key)
    }

    /// Returns `true` for a plain null scalar (`key:` with nothing after it, `~`, `null`).
    pub fn is_null(&self) -> bool {
        self.as_scalar().is_some_and(Scalar::is_null)
    }

    /// Counts this node and every node inside it.
    fn count(&self) -> usize {
        match &self.kind {
            NodeKind::Scalar(_) => 1,
            NodeKind::Sequence(items) => 1 + items.iter().map(Node::count).sum::<usize>(),
            NodeKind::Mapping(entries) => {
                1 + entries.iter().map(|e| 1 + e.value.count()).sum::<usize>()
            }
        }
    }
}

/// Decodes bytes as UTF-8, reporting the line and column of the first invalid byte.
pub(crate) fn decode(bytes: &[u8]) -> Result<&str, Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            // The prefix is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(valid).unwrap_or("");
            let line = prefix.matches('\n').count() + 1;
            let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(
                Error::new(YamlError::InvalidUtf8, position(line, column)).with_hint(format!(
                    "the first invalid byte is at offset {}; save the file as UTF-8",
                    e.valid_up_to()
                )),
            )
        }
    }
}

fn position(line: usize, column: usize) -> Position {
    Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

fn marker_position(span: &Span) -> Position {
    position(span.start.line(), span.start.col() + 1)
}

/// A list or mapping that is still being read.
enum Frame {
    Sequence {
        position: Position,
        anchor: usize,
        items: Vec<Node>,
    },
    Mapping {
        position: Position,
        anchor: usize,
        entries: Vec<Entry>,
        pending_key: Option<(String, Position)>,
        /// The keys read so far, built once the mapping has [`INDEXED_KEYS`] entries;
        /// smaller mappings find repeated keys by scanning `entries`.
        index: Option<HashMap<String, Position>>,
    },
}

/// The number of entries from which a mapping looks up repeated keys in a hash map rather
/// than by scanning its entries. Sigma mappings rarely have more than a dozen keys.
const INDEXED_KEYS: usize = 16;

/// Reads every document of a YAML stream into trees. Empty documents (nothing but
/// comments, or a bare `---`) are skipped. A leading byte-order mark is ignored.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut options = granit_parser::Options::default();
    options.flow_nesting_limit = MAX_DEPTH;
    options.block_nesting_limit = MAX_DEPTH;
    options.emit_anchor_events = true;
    let parser = Parser::new_from_str_with_options(text, options);
    let mut builder = Builder::default();
    for next in parser {
        let (event, span) = next.map_err(scan_error)?;
        builder.event(event, &span)?;
    }
    Ok(builder.documents)
}

fn scan_error(e: ScanError) -> Error {
    let marker = e.marker();
    let position = position(marker.line(), marker.col() + 1);
    if matches!(e.kind(), granit_parser::ErrorKind::RecursionLimitExceeded) {
        return Error::new(YamlError::NestingTooDeep { limit: MAX_DEPTH }, position);
    }
    Error::new(YamlError::Syntax { message: e.info() }, position)
}

#[derive(Default)]
struct Builder {
    documents: Vec<Node>,
    document_count: usize,
    document_start: usize,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    anchor_names: HashMap<usize, String>,
    aliases: usize,
    nodes: usize,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: &Span) -> Result<(), Error> {
        if let Some(end) = span.end.byte_offset() {
            if end.saturating_sub(self.document_start) > MAX_DOCUMENT_BYTES {
                return Err(Error::new(
                    YamlError::DocumentTooLarge {
                        limit: MAX_DOCUMENT_BYTES,
                    },
                    marker_position(span),
                )
                .with_hint("split the file or shorten the value"));
            }
        }
        let at = marker_position(span);
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(..) => {
                self.document_count += 1;
                if self.document_count > MAX_DOCUMENTS {
                    return Err(Error::new(
                        YamlError::TooManyDocuments {
                            limit: MAX_DOCUMENTS,
                        },
                        at,
                    )
                    .with_hint("split the documents over several files"));
                }
                self.document_start = span.start.byte_offset().unwrap_or(0);
                self.anchors.clear();
                self.anchor_names.clear();
                self.aliases = 0;
                self.nodes = 0;
            }
            Event::DocumentEnd => {}
            Event::Anchor(id, name) => {
                self.anchor_names.insert(id, name.into_owned());
            }
            Event::Alias(id) => {
                self.aliases += 1;
                if self.aliases > MAX_ALIASES {
                    return Err(Error::new(
                        YamlError::TooManyAliases { limit: MAX_ALIASES },
                        at,
                    ));
                }
                let Some(size) = self.anchors.get(&id).map(|(_, size)| *size) else {
                    let name = self.anchor_names.get(&id).cloned().unwrap_or_default();
                    return Err(Error::new(YamlError::RecursiveAlias { name }, at));
                };
                // Count the copy before making it, so no expansion outgrows the limit.
                self.add_nodes(size, at)?;
                let Some((node, _)) = self.anchors.get(&id) else {
                    return Ok(());
                };
                let mut copy = node.clone();
                copy.position = at;
                self.finish(copy, 0)?;
            }
            Event::UnresolvedAlias(name) => {
                return Err(Error::new(
                    YamlError::Syntax {
                        message: format!("unknown anchor '{name}'"),
                    },
                    at,
                ));
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.add_nodes(1, at)?;
                let style = match style {
                    granit_parser::ScalarStyle::Plain => ScalarStyle::Plain,
                    granit_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    granit_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    granit_parser::ScalarStyle::Literal | granit_parser::ScalarStyle::Folded => {
                        ScalarStyle::Block
                    }
                };
                let tag = tag.and_then(|t| t.core_suffix().map(str::to_owned));
                let node = Node {
                    kind: NodeKind::Scalar(Scalar {
                        text: text.into_owned(),
                        style,
                        tag,
                    }),
                    position: at,
                };
                self.finish(node, anchor)?;
            }
            Event::SequenceStart(_, anchor, _) => {
                self.add_nodes(1, at)?;
                self.open(
                    Frame::Sequence {
                        position: at,
                        anchor,
                        items: Vec::new(),
                    },
                    at,
                )?;
            }
            Event::MappingStart(_, anchor, _) => {
                self.add_nodes(1, at)?;
                self.open(
                    Frame::Mapping {
                        position: at,
                        anchor,
                        entries: Vec::new(),
                        pending_key: None,
                        index: None,
                    },
                    at,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.stack.pop() {
                    let (node, anchor) = match frame {
                        Frame::Sequence {
                            position,
                            anchor,
                            items,
                        } => (
                            Node {
                                kind: NodeKind::Sequence(items),
                                position,
                            },
                            anchor,
                        ),
                        Frame::Mapping {
                            position,
                            anchor,
                            entries,
                            ..
                        } => (
                            Node {
                                kind: NodeKind::Mapping(entries),
                                position,
                            },
                            anchor,
                        ),
                    };
                    self.finish(node, anchor)?;
                }
            }
            // Comments only arrive with serde-saphyr's `comments` feature, which is off.
            #[allow(unreachable_patterns)]
            _ => {}
        }
        Ok(())
    }

    fn add_nodes(&mut self, count: usize, at: Position) -> Result<(), Error> {
        self.nodes = self.nodes.saturating_add(count);
        if self.nodes > MAX_NODES {
            return Err(Error::new(YamlError::TooManyNodes { limit: MAX_NODES }, at));
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, at: Position) -> Result<(), Error> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::new(
                YamlError::NestingTooDeep { limit: MAX_DEPTH },
                at,
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Places a finished node into its parent, or makes it the document root.
    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), Error> {
        if anchor != 0 {
            let size = node.count();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                if !node.is_null() {
                    self.documents.push(node);
                }
            }
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping {
                entries,
                pending_key,
                index,
                ..
            }) => match pending_key.take() {
                None => {
                    let NodeKind::Scalar(scalar) = node.kind else {
                        return Err(Error::new(YamlError::ComplexKey, node.position));
                    };
                    let key = scalar.text;
                    // Every earlier key of the mapping is in `entries`: a key is read only
                    // after the previous value has been placed.
                    let first = if entries.len() < INDEXED_KEYS {
                        entries
                            .iter()
                            .find(|e| e.key == key)
                            .map(|e| e.key_position)
                    } else {
                        let index = index.get_or_insert_with(|| {
                            entries
                                .iter()
                                .map(|e| (e.key.clone(), e.key_position))
                                .collect()
                        });
                        let first = index.get(&key).copied();
                        if first.is_none() {
                            index.insert(key.clone(), node.position);
                        }
                        first
                    };
                    if let Some(first) = first {
                        return Err(Error::new(
                            YamlError::DuplicateKey { key, first },
                            node.position,
                        )
                        .with_hint(
                            "rename or merge the repeated key; YAML keeps only one of them",
                        ));
                    }
                    *pending_key = Some((key, node.position));
                }
                Some((key, key_position)) => {
                    entries.push(Entry {
                        key,
                        key_position,
                        value: node,
                    });
                }
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse_documents(text).unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    #[test]
    fn positions_of_keys_and_values() {
        let node = one("a: 1\nb:\n  - x\n  - 'y'\n");
        let entries = node.as_mapping().unwrap();
        assert_eq!(entries[0].key, "a");
        assert_eq!(entries[0].key_position, Position { line: 1, column: 1 });
        assert_eq!(entries[1].key_position, Position { line: 2, column: 1 });
        let NodeKind::Sequence(items) = &entries[1].value.kind else {
            panic!("not a list")
        };
        assert_eq!(items[1].position, Position { line: 4, column: 5 });
        assert_eq!(
            items[1].as_scalar().unwrap().style,
            ScalarStyle::SingleQuoted
        );
    }

    #[test]
    fn scalar_resolution() {
        let node = one("a: 4624\nb: '4624'\nc: 0x10\nd: true\ne:\nf: 1.5\ng: 99999999999999999999\nh: ~\ni: !!str 12\n");
        let value = |k: &str| node.get(k).unwrap().value.as_scalar().unwrap().resolve();
        assert_eq!(value("a"), ScalarValue::Int(4624));
        assert_eq!(value("b"), ScalarValue::String("4624"));
        assert_eq!(value("c"), ScalarValue::Int(16));
        assert_eq!(value("d"), ScalarValue::Bool(true));
        assert_eq!(value("e"), ScalarValue::Null);
        assert_eq!(value("f"), ScalarValue::Float(1.5));
        assert_eq!(value("g"), ScalarValue::String("99999999999999999999"));
        assert_eq!(value("h"), ScalarValue::Null);
        assert_eq!(value("i"), ScalarValue::String("12"));
    }

    #[test]
    fn duplicate_key_is_rejected_with_both_positions() {
        let err = parse_documents("detection:\n  sel:\n    a: 1\n  sel:\n    b: 2\n").unwrap_err();
        assert_eq!(
            err.kind,
            YamlError::DuplicateKey {
                key: "sel".into(),
                first: Position { line: 2, column: 3 }
            }
            .into()
        );
        assert_eq!(err.position, Position { line: 4, column: 3 });
    }

    #[test]
    fn duplicate_key_in_a_large_mapping_is_rejected() {
        // Past the number of keys from which the mapping indexes its keys, a repeat of an
        // early key and of a late one are both found.
        let keys: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        for (repeated, line) in [("k3", 4), ("k30", 31), ("k15", 16), ("k16", 17)] {
            let text = format!("{keys}{repeated}: again\n");
            let err = parse_documents(&text).unwrap_err();
            assert_eq!(
                err.kind,
                YamlError::DuplicateKey {
                    key: repeated.into(),
                    first: Position { line, column: 1 }
                }
                .into()
            );
            assert_eq!(
                err.position,
                Position {
                    line: 41,
                    column: 1
                }
            );
        }
        let node = one(&keys);
        assert_eq!(node.as_mapping().unwrap().len(), 40);
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let node = one("\u{feff}a: 1\r\nb: two\r\n");
        assert_eq!(
            node.get("b").unwrap().value.as_scalar().unwrap().text,
            "two"
        );
        assert_eq!(
            node.get("b").unwrap().key_position,
            Position { line: 2, column: 1 }
        );
    }

    #[test]
    fn aliases_are_expanded() {
        let node = one("a: &x [1, 2]\nb: *x\n");
        assert_eq!(
            node.get("a").unwrap().value.kind,
            node.get("b").unwrap().value.kind
        );
    }

    #[test]
    fn alias_bomb_is_stopped() {
        let mut text = String::from("a: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse_documents(&text).unwrap_err();
        assert!(
            matches!(
                err.kind,
                super::super::error::ErrorKind::Yaml(
                    YamlError::TooManyNodes { .. } | YamlError::TooManyAliases { .. }
                )
            ),
            "{err}"
        );
    }

    #[test]
    fn deep_nesting_is_stopped() {
        let text = "[".repeat(40_000);
        let err = parse_documents(&text).unwrap_err();
        assert_eq!(
            err.kind,
            YamlError::NestingTooDeep { limit: MAX_DEPTH }.into()
        );
    }

    #[test]
    fn invalid_utf8_position() {
        let err = decode(b"a: 1\nb: \xff\n").unwrap_err();
        assert_eq!(err.kind, YamlError::InvalidUtf8.into());
        assert_eq!(err.position, Position { line: 2, column: 4 });
    }

    #[test]
    fn empty_documents_are_skipped() {
        let docs = parse_documents("---\na: 1\n---\n# nothing\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
    }
}
