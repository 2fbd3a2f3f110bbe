//! The Sigma front end: rule files to typed rules and [`crate::ir::Expr`] conditions.
//!
//! [`parse_file`] (or [`parse_bytes`]) reads every YAML document of one file and returns a
//! [`Document`] or an [`Error`] for each: detection rules with their conditions compiled
//! into IR expressions, correlations and filters as typed models. Legacy rule collections
//! (`action: global`, `reset` and `repeat`) are merged into the rules they produce.
//! [`check_references`] and [`apply_filters`] then work across the documents of a rule set.
//!
//! ```
//! use sigma_mde::sigma::{parse_file, Document, ParseOptions};
//!
//! let text = "title: Whoami\nlogsource:\n  category: process_creation\n  product: windows\n\
//!             detection:\n  selection:\n    Image|endswith: '\\whoami.exe'\n  condition: selection\n";
//! let parsed = parse_file(text, Some("whoami.yml"), &ParseOptions::default());
//! let Ok(Document::Rule(rule)) = &parsed.documents[0] else { panic!("not a rule") };
//! assert_eq!(rule.conditions.len(), 1);
//! ```
//!
//! Limits against hostile input are set where they apply: [`yaml::MAX_DOCUMENTS`],
//! [`yaml::MAX_DOCUMENT_BYTES`], [`yaml::MAX_ALIASES`], [`yaml::MAX_NODES`],
//! [`yaml::MAX_DEPTH`], [`condition::MAX_CONDITION_DEPTH`] and
//! [`detection::MAX_ALTERNATIVES`]. Callers reading files should still cap the file size.

pub mod condition;
pub mod detection;
pub mod error;
pub mod meta;
pub mod rule;
pub(crate) mod value;
pub mod yaml;

use std::collections::HashMap;

pub use error::{
    ConditionError, Error, ErrorKind, ReferenceError, RuleError, ValueError, YamlError,
};
pub use meta::{
    apply_filters, check_references, BoundOp, Correlation, CorrelationCondition, CorrelationType,
    FieldAlias, Filter, TimeUnit, Timespan,
};
pub use rule::{LogSource, Related, Rule};

use yaml::{Entry, Node, NodeKind};

/// Options for parsing.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// Values of `|expand` placeholders: the name without `%` to its values. A value that
    /// names a placeholder missing here is an error listing the missing names.
    pub placeholders: HashMap<String, Vec<String>>,
}

/// The documents of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFile {
    /// One result per rule, correlation or filter, in file order. Collection documents
    /// (`action: global` and `reset`) produce no entry of their own. A failure of the whole
    /// file (invalid UTF-8 or YAML, a duplicate key, a limit) is a single `Err`.
    pub documents: Vec<Result<Document, Error>>,
}

/// A Sigma document.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Rule(Rule),
    Correlation(Correlation),
    Filter(Filter),
}

impl Document {
    pub fn id(&self) -> Option<&str> {
        match self {
            Document::Rule(r) => r.id.as_deref(),
            Document::Correlation(c) => c.id.as_deref(),
            Document::Filter(f) => f.id.as_deref(),
        }
    }

    pub fn title(&self) -> &str {
        match self {
            Document::Rule(r) => &r.title,
            Document::Correlation(c) => &c.title,
            Document::Filter(f) => &f.title,
        }
    }
}

/// Parses every document of one file given as bytes: UTF-8, with or without a byte-order
/// mark. `path` is only used in errors.
pub fn parse_bytes(bytes: &[u8], path: Option<&str>, options: &ParseOptions) -> ParsedFile {
    match yaml::decode(bytes) {
        Ok(text) => parse_file(text, path, options),
        Err(e) => ParsedFile { documents: vec![Err(e.with_file(path))] },
    }
}

/// Parses every document of one file. `path` is only used in errors.
pub fn parse_file(text: &str, path: Option<&str>, options: &ParseOptions) -> ParsedFile {
    let roots = match yaml::parse_documents(text) {
        Ok(roots) => roots,
        Err(e) => return ParsedFile { documents: vec![Err(e.with_file(path))] },
    };
    let documents = expand_collection(roots)
        .into_iter()
        .map(|result| {
            result
                .and_then(|node| build_document(&node, options))
                .map_err(|e| e.with_file(path))
        })
        .collect();
    ParsedFile { documents }
}

fn build_document(node: &Node, options: &ParseOptions) -> Result<Document, Error> {
    match meta::classify(node) {
        meta::DocumentKind::Correlation => Correlation::from_node(node).map(Document::Correlation),
        meta::DocumentKind::Filter => {
            Filter::from_node(node, &options.placeholders).map(Document::Filter)
        }
        meta::DocumentKind::Rule => Rule::from_node(node, &options.placeholders).map(Document::Rule),
    }
}

/// Applies legacy collection actions: `action: global` is merged into every following
/// document until `action: reset`; `action: repeat` emits the previous document again
/// with its keys merged over it. Mappings merge key by key; other values replace.
fn expand_collection(roots: Vec<Node>) -> Vec<Result<Node, Error>> {
    let mut out = Vec::with_capacity(roots.len());
    let mut global: Option<Node> = None;
    let mut previous: Option<Node> = None;
    for root in roots {
        let action = root.get("action").map(|e| {
            let text = e.value.as_scalar().map_or(String::new(), |s| s.text.clone());
            (text, e.value.position)
        });
        let Some((action, at)) = action else {
            let document = match &global {
                Some(g) => merge(g.clone(), root),
                None => root,
            };
            previous = Some(document.clone());
            out.push(Ok(document));
            continue;
        };
        let body = without_key(root, "action");
        match action.as_str() {
            "global" => global = Some(body),
            "reset" => global = None,
            "repeat" => match &previous {
                Some(p) => {
                    let document = merge(p.clone(), body);
                    previous = Some(document.clone());
                    out.push(Ok(document));
                }
                None => out.push(Err(Error::new(RuleError::RepeatWithoutRule, at))),
            },
            _ => out.push(Err(Error::new(RuleError::UnknownAction { action }, at))),
        }
    }
    out
}

fn without_key(mut node: Node, key: &str) -> Node {
    if let NodeKind::Mapping(entries) = &mut node.kind {
        entries.retain(|e| e.key != key);
    }
    node
}

/// Merges `over` into `base`: mappings key by key (recursively), anything else replaced.
fn merge(base: Node, over: Node) -> Node {
    match (base.kind, over.kind) {
        (NodeKind::Mapping(mut entries), NodeKind::Mapping(new_entries)) => {
            for new in new_entries {
                match entries.iter_mut().find(|e| e.key == new.key) {
                    Some(existing) => {
                        let old = std::mem::replace(
                            &mut existing.value,
                            Node { kind: NodeKind::Sequence(Vec::new()), position: new.key_position },
                        );
                        existing.value = merge(old, new.value);
                    }
                    None => entries.push(Entry { ..new }),
                }
            }
            Node { kind: NodeKind::Mapping(entries), position: over.position }
        }
        (_, kind) => Node { kind, position: over.position },
    }
}
