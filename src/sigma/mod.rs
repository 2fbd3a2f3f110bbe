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

// Errors carry the file, item and hint inline so callers can read them as fields; they are
// built only on failure, so the size of `Result<_, Error>` does not matter for speed.
#![allow(clippy::result_large_err)]

pub mod condition;
pub mod detection;
pub mod error;
pub mod meta;
pub mod rule;
pub(crate) mod value;
pub mod yaml;

use std::collections::HashMap;

pub use error::{
    ConditionError, DocumentLabel, Error, ErrorKind, ReferenceError, RuleError, ValueError,
    YamlError,
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
        Err(e) => ParsedFile {
            documents: vec![Err(e.with_file(path))],
        },
    }
}

/// Parses every document of one file. `path` is only used in errors.
pub fn parse_file(text: &str, path: Option<&str>, options: &ParseOptions) -> ParsedFile {
    let roots = match yaml::parse_documents(text) {
        Ok(roots) => roots,
        Err(e) => {
            return ParsedFile {
                documents: vec![Err(e.with_file(path))],
            }
        }
    };
    let documents = expand_collection(roots)
        .into_iter()
        .map(|result| {
            result
                .and_then(|node| {
                    let label = document_label(&node);
                    build_document(node, options).map_err(|mut e| {
                        e.document = label.map(Box::new);
                        e
                    })
                })
                .map_err(|e| e.with_file(path))
        })
        .collect();
    ParsedFile { documents }
}

/// Reads the metadata an error report needs from a document's top-level keys. It runs
/// before the document is compiled, because compiling consumes the tree.
fn document_label(node: &Node) -> Option<DocumentLabel> {
    let text = |key: &str| {
        node.get(key)
            .and_then(|e| e.value.as_scalar())
            .map(|s| s.text.clone())
    };
    let tags = match node.get("tags").map(|e| &e.value.kind) {
        Some(NodeKind::Sequence(items)) => items
            .iter()
            .filter_map(|n| n.as_scalar().map(|s| s.text.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let label = DocumentLabel {
        title: text("title"),
        id: text("id"),
        level: text("level"),
        author: text("author"),
        tags,
    };
    (label != DocumentLabel::default()).then_some(label)
}

fn build_document(node: Node, options: &ParseOptions) -> Result<Document, Error> {
    match meta::classify(&node) {
        meta::DocumentKind::Correlation => Correlation::from_node(&node).map(Document::Correlation),
        meta::DocumentKind::Filter => {
            Filter::from_node(&node, &options.placeholders).map(Document::Filter)
        }
        meta::DocumentKind::Rule => {
            Rule::from_node(node, &options.placeholders).map(Document::Rule)
        }
    }
}

/// Applies legacy collection actions: `action: global` is merged into every following
/// document until `action: reset`; `action: repeat` emits the previous document again
/// with its keys merged over it. Mappings merge key by key; other values replace.
fn expand_collection(roots: Vec<Node>) -> Vec<Result<Node, Error>> {
    let mut out: Vec<Result<Node, Error>> = Vec::with_capacity(roots.len());
    let mut global: Option<Node> = None;
    // The index in `out` of the last document made, which `repeat` merges over. Keeping
    // the index instead of a copy spares a clone of every document of a plain file.
    let mut previous: Option<usize> = None;
    for root in roots {
        let action = root.get("action").map(|e| {
            let text = e
                .value
                .as_scalar()
                .map_or(String::new(), |s| s.text.clone());
            (text, e.value.position)
        });
        let Some((action, at)) = action else {
            let document = match &global {
                Some(g) => merge(g.clone(), root),
                None => root,
            };
            previous = Some(out.len());
            out.push(Ok(document));
            continue;
        };
        let body = without_key(root, "action");
        match action.as_str() {
            "global" => global = Some(body),
            "reset" => global = None,
            "repeat" => match previous.and_then(|i| out.get(i)) {
                Some(Ok(p)) => {
                    let document = merge(p.clone(), body);
                    previous = Some(out.len());
                    out.push(Ok(document));
                }
                _ => out.push(Err(Error::new(RuleError::RepeatWithoutRule, at))),
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
                            Node {
                                kind: NodeKind::Sequence(Vec::new()),
                                position: new.key_position,
                            },
                        );
                        existing.value = merge(old, new.value);
                    }
                    None => entries.push(Entry { ..new }),
                }
            }
            Node {
                kind: NodeKind::Mapping(entries),
                position: over.position,
            }
        }
        (_, kind) => Node {
            kind,
            position: over.position,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Expr, Position, Test};

    fn rules(text: &str) -> Vec<Result<Rule, Error>> {
        parse_file(text, Some("c.yml"), &ParseOptions::default())
            .documents
            .into_iter()
            .map(|d| {
                d.map(|doc| match doc {
                    Document::Rule(r) => r,
                    other => panic!("not a rule: {other:?}"),
                })
            })
            .collect()
    }

    const COLLECTION: &str = "\
action: global
title: Base
logsource:
    product: windows
detection:
    selection:
        EventID: 1
    condition: selection
---
logsource:
    service: sysmon
detection:
    filter:
        User: admin
    condition: selection and not filter
---
action: repeat
title: Repeated
---
action: reset
---
title: Alone
detection:
    sel:
        A: b
    condition: sel
";

    #[test]
    fn collection_global_repeat_reset() {
        let parsed = rules(COLLECTION);
        assert_eq!(parsed.len(), 3);
        let first = parsed[0].as_ref().unwrap();
        assert_eq!(first.title, "Base");
        assert_eq!(first.logsource.product.as_deref(), Some("windows"));
        assert_eq!(first.logsource.service.as_deref(), Some("sysmon"));
        assert_eq!(
            first.condition_texts,
            vec!["selection and not filter".to_owned()]
        );
        let Expr::And(terms) = &first.conditions[0] else {
            panic!("not an AND")
        };
        assert!(matches!(&terms[1], Expr::Not(_)));
        let second = parsed[1].as_ref().unwrap();
        assert_eq!(second.title, "Repeated");
        assert_eq!(second.conditions, first.conditions);
        let third = parsed[2].as_ref().unwrap();
        assert_eq!(third.title, "Alone");
        assert_eq!(
            third.logsource,
            LogSource {
                position: Position::default(),
                ..LogSource::default()
            }
        );
    }

    #[test]
    fn repeat_without_rule_and_unknown_action() {
        let parsed = rules("action: repeat\ntitle: x\n---\naction: merge\n");
        assert_eq!(parsed.len(), 2);
        let err = parsed[0].as_ref().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Rule(RuleError::RepeatWithoutRule));
        assert_eq!(err.file.as_deref(), Some("c.yml"));
        assert_eq!(err.position, Position { line: 1, column: 9 });
        let err = parsed[1].as_ref().unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::Rule(RuleError::UnknownAction {
                action: "merge".into()
            })
        );
    }

    #[test]
    fn one_bad_document_keeps_the_others() {
        let parsed = rules("title: a\ndetection:\n  sel: {A: x}\n  condition: nope\n---\ntitle: b\ndetection:\n  sel: {A: x}\n  condition: sel\n");
        assert_eq!(parsed.len(), 2);
        assert!(parsed[0].is_err());
        assert_eq!(parsed[1].as_ref().unwrap().title, "b");
    }

    const FULL_RULE: &str = "\
title: A Title
id: 545a5da6-f103-4919-a519-e9aec1026ee4
name: a_title
related:
    - id: 6c82cf5c-090d-4d57-9188-533577631108
      type: similar
status: test
description: a description
references:
    - https://example.org/a
author: SomeOne
date: 2017-05-09
modified: 2023-04-14
tags:
    - attack.t1211
logsource:
    product: windows
    service: application
    definition: needs auditing
    custom_key: value
detection:
    selection:
        Provider_Name: 'Application Error'
    filter:
        Level: 4
    condition:
        - selection
        - selection and not filter
fields:
    - Provider_Name
falsepositives:
    - a string
level: high
regression_tests_path: regression_data/rules/x
x_custom:
    nested: true
";

    #[test]
    fn rule_metadata() {
        let parsed = rules(FULL_RULE);
        let rule = parsed[0].as_ref().unwrap();
        assert_eq!(rule.title, "A Title");
        assert_eq!(
            rule.id.as_deref(),
            Some("545a5da6-f103-4919-a519-e9aec1026ee4")
        );
        assert_eq!(rule.name.as_deref(), Some("a_title"));
        assert_eq!(
            rule.related,
            vec![Related {
                id: "6c82cf5c-090d-4d57-9188-533577631108".into(),
                kind: "similar".into()
            }]
        );
        assert_eq!(rule.status.as_deref(), Some("test"));
        assert_eq!(rule.description.as_deref(), Some("a description"));
        assert_eq!(rule.references, vec!["https://example.org/a".to_owned()]);
        assert_eq!(rule.author.as_deref(), Some("SomeOne"));
        assert_eq!(rule.date.as_deref(), Some("2017-05-09"));
        assert_eq!(rule.modified.as_deref(), Some("2023-04-14"));
        assert_eq!(rule.tags, vec!["attack.t1211".to_owned()]);
        assert_eq!(rule.logsource.product.as_deref(), Some("windows"));
        assert_eq!(rule.logsource.service.as_deref(), Some("application"));
        assert_eq!(rule.logsource.category, None);
        assert_eq!(rule.logsource.definition.as_deref(), Some("needs auditing"));
        assert_eq!(
            rule.logsource.extra,
            vec![("custom_key".to_owned(), "value".to_owned())]
        );
        assert_eq!(rule.fields, vec!["Provider_Name".to_owned()]);
        assert_eq!(rule.falsepositives, vec!["a string".to_owned()]);
        assert_eq!(rule.level.as_deref(), Some("high"));
        let custom: Vec<&str> = rule.custom.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(custom, vec!["regression_tests_path", "x_custom"]);
        assert_eq!(rule.conditions.len(), 2);
        assert_eq!(
            rule.condition_positions,
            vec![
                Position {
                    line: 27,
                    column: 11
                },
                Position {
                    line: 28,
                    column: 11
                }
            ]
        );
        assert_eq!(
            rule.detection_position,
            Position {
                line: 21,
                column: 1
            }
        );
        let Expr::Pred(p) = &rule.conditions[0] else {
            panic!("not a predicate")
        };
        assert_eq!(
            p.position,
            Position {
                line: 23,
                column: 9
            }
        );
        let Expr::And(terms) = &rule.conditions[1] else {
            panic!("not an AND")
        };
        let Expr::Not(inner) = &terms[1] else {
            panic!("not a NOT")
        };
        let Expr::Pred(level) = inner.as_ref() else {
            panic!("not a predicate")
        };
        assert!(matches!(level.test, Test::Number { .. }));
    }

    #[test]
    fn condition_error_points_into_the_condition() {
        let parsed = rules("title: t\ndetection:\n  sel: {A: x}\n  condition: sel and nope\n");
        let err = parsed[0].as_ref().unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::Condition(ConditionError::UndefinedIdentifier {
                name: "nope".into(),
                column: 9
            })
        );
        assert_eq!(
            err.position,
            Position {
                line: 4,
                column: 22
            }
        );
        let parsed = rules("title: t\ndetection:\n  sel: {A: x}\n  condition: 'sel and nope'\n");
        assert_eq!(
            parsed[0].as_ref().unwrap_err().position,
            Position {
                line: 4,
                column: 23
            }
        );
    }

    #[test]
    fn missing_parts_are_errors() {
        let cases = [
            (
                "detection:\n  sel: {A: x}\n  condition: sel\n",
                "missing required key 'title'",
            ),
            ("title: t\n", "missing required key 'detection'"),
            (
                "title: t\ndetection:\n  sel: {A: x}\n",
                "missing required key 'condition'",
            ),
            (
                "title: t\ndetection:\n  condition: sel\n",
                "defines no search identifier",
            ),
            (
                "title: [t]\ndetection:\n  sel: {A: x}\n  condition: sel\n",
                "invalid value of 'title'",
            ),
            ("- a\n- b\n", "must be a mapping"),
        ];
        for (text, message) in cases {
            let parsed = rules(text);
            let err = parsed[0].as_ref().unwrap_err();
            assert!(err.to_string().contains(message), "{text:?}: {err}");
        }
    }

    #[test]
    fn bytes_with_bom_and_crlf() {
        let text =
            "\u{feff}title: t\r\ndetection:\r\n  sel:\r\n    A: 'x '\r\n  condition: sel\r\n";
        let parsed = parse_bytes(text.as_bytes(), None, &ParseOptions::default());
        let Ok(Document::Rule(rule)) = &parsed.documents[0] else {
            panic!("{parsed:?}")
        };
        let Expr::Pred(p) = &rule.conditions[0] else {
            panic!("not a predicate")
        };
        assert_eq!(
            p.test,
            Test::Pattern {
                value: crate::ir::Pattern::literal("x "),
                cased: false
            }
        );
    }
}
