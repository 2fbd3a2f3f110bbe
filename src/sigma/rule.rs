//! The typed Sigma documents: rules, and the metadata and detection readers that
//! correlations and filters share with them.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use super::condition::{self, Items};
use super::detection::{self, Context};
use super::error::{Error, RuleError};
use super::yaml::{Entry, Node, NodeKind, ScalarStyle};
use crate::ir::{Expr, Position};

/// A Sigma detection rule with its conditions compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub title: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub level: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub license: Option<String>,
    pub taxonomy: Option<String>,
    pub references: Vec<String>,
    pub tags: Vec<String>,
    /// `date` as written (Sigma uses `YYYY-MM-DD`).
    pub date: Option<String>,
    pub modified: Option<String>,
    pub related: Vec<Related>,
    pub logsource: LogSource,
    pub fields: Vec<String>,
    pub falsepositives: Vec<String>,
    pub scope: Vec<String>,
    /// The deprecated `timeframe` of the detection, as written; correlations replace it.
    pub timeframe: Option<String>,
    /// Top-level keys the specification does not define, in file order.
    pub custom: Vec<Entry>,
    /// One compiled expression per condition (`condition` may be a list).
    pub conditions: Vec<Expr>,
    /// The condition texts, in the same order as `conditions`.
    pub condition_texts: Vec<String>,
    /// Where each condition is written.
    pub condition_positions: Vec<Position>,
    /// Where the `detection` key is.
    pub detection_position: Position,
    /// Where the document starts.
    pub position: Position,
}

/// A `related` entry: another rule and how this one relates to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub id: String,
    /// `derived`, `obsolete`, `merged`, `renamed` or `similar`.
    pub kind: String,
}

/// The `logsource` section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogSource {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
    pub definition: Option<String>,
    /// Other keys of the section, in file order, as text.
    pub extra: Vec<(String, String)>,
    pub position: Position,
}

/// Reads the keys of a mapping one by one and keeps the rest as custom metadata.
pub(crate) struct Keys<'a> {
    entries: &'a [Entry],
    used: Vec<bool>,
}

impl<'a> Keys<'a> {
    pub fn new(entries: &'a [Entry]) -> Self {
        Keys {
            entries,
            used: vec![false; entries.len()],
        }
    }

    pub fn take(&mut self, key: &str) -> Option<&'a Entry> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        self.used[i] = true;
        Some(&self.entries[i])
    }

    pub fn rest(self) -> Vec<Entry> {
        self.entries
            .iter()
            .zip(self.used)
            .filter(|(_, used)| !used)
            .map(|(e, _)| e.clone())
            .collect()
    }
}

fn wrong_type(entry: &Entry, expected: &'static str) -> Error {
    Error::new(
        RuleError::WrongType {
            key: entry.key.clone(),
            expected,
        },
        entry.value.position,
    )
}

/// A scalar value as text; `None` for null.
pub(crate) fn opt_string(entry: Option<&Entry>) -> Result<Option<String>, Error> {
    let Some(entry) = entry else { return Ok(None) };
    match &entry.value.kind {
        NodeKind::Scalar(s) if s.is_null() => Ok(None),
        NodeKind::Scalar(s) => Ok(Some(s.text.clone())),
        _ => Err(wrong_type(entry, "a single value")),
    }
}

/// A list of scalars as text; a single scalar counts as a list of one.
pub(crate) fn string_list(entry: Option<&Entry>) -> Result<Vec<String>, Error> {
    let Some(entry) = entry else {
        return Ok(Vec::new());
    };
    match &entry.value.kind {
        NodeKind::Scalar(s) if s.is_null() => Ok(Vec::new()),
        NodeKind::Scalar(s) => Ok(vec![s.text.clone()]),
        NodeKind::Sequence(items) => items
            .iter()
            .filter(|n| !n.is_null())
            .map(|n| {
                n.as_scalar()
                    .map(|s| s.text.clone())
                    .ok_or_else(|| wrong_type(entry, "a list of values"))
            })
            .collect(),
        NodeKind::Mapping(_) => Err(wrong_type(entry, "a list of values")),
    }
}

/// The top-level mapping of a document.
pub(crate) fn mapping(node: &Node) -> Result<&[Entry], Error> {
    node.as_mapping()
        .ok_or_else(|| Error::new(RuleError::NotAMapping, node.position))
}

pub(crate) fn required_title(keys: &mut Keys<'_>, node: &Node) -> Result<String, Error> {
    opt_string(keys.take("title"))?
        .ok_or_else(|| Error::new(RuleError::MissingKey { key: "title" }, node.position))
}

pub(crate) fn logsource(entry: Option<&Entry>) -> Result<LogSource, Error> {
    let Some(entry) = entry else {
        return Ok(LogSource::default());
    };
    if entry.value.is_null() {
        return Ok(LogSource {
            position: entry.key_position,
            ..LogSource::default()
        });
    }
    let entries = entry
        .value
        .as_mapping()
        .ok_or_else(|| wrong_type(entry, "a mapping"))?;
    let mut keys = Keys::new(entries);
    let mut source = LogSource {
        product: opt_string(keys.take("product"))?,
        category: opt_string(keys.take("category"))?,
        service: opt_string(keys.take("service"))?,
        definition: opt_string(keys.take("definition"))?,
        extra: Vec::new(),
        position: entry.key_position,
    };
    for e in keys.rest() {
        let text = opt_string(Some(&e))?.unwrap_or_default();
        source.extra.push((e.key, text));
    }
    Ok(source)
}

fn related(entry: Option<&Entry>) -> Result<Vec<Related>, Error> {
    let Some(entry) = entry else {
        return Ok(Vec::new());
    };
    if entry.value.is_null() {
        return Ok(Vec::new());
    }
    let NodeKind::Sequence(items) = &entry.value.kind else {
        return Err(wrong_type(entry, "a list of mappings with 'id' and 'type'"));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(entries) = item.as_mapping() else {
            return Err(wrong_type(entry, "a list of mappings with 'id' and 'type'"));
        };
        let mut keys = Keys::new(entries);
        let id = opt_string(keys.take("id"))?
            .ok_or_else(|| Error::new(RuleError::MissingKey { key: "id" }, item.position))?;
        let kind = opt_string(keys.take("type"))?
            .ok_or_else(|| Error::new(RuleError::MissingKey { key: "type" }, item.position))?;
        out.push(Related { id, kind });
    }
    Ok(out)
}

/// A detection section compiled: one expression per condition.
pub(crate) struct Compiled {
    pub conditions: Vec<Expr>,
    pub texts: Vec<String>,
    pub positions: Vec<Position>,
}

/// Compiles the search identifiers of a detection mapping (every key but those in
/// `reserved`) and the conditions in `condition`.
pub(crate) fn compile_detection(
    entries: &[Entry],
    section: Position,
    reserved: &[&str],
    placeholders: &HashMap<String, Vec<String>>,
) -> Result<Compiled, Error> {
    let mut names = Vec::new();
    let mut exprs = Vec::new();
    let mut condition_entry = None;
    let predicates = Cell::new(0);
    for entry in entries {
        if entry.key == "condition" {
            condition_entry = Some(entry);
            continue;
        }
        if reserved.contains(&entry.key.as_str()) {
            continue;
        }
        let cx = Context {
            item: &entry.key,
            item_name: Arc::from(entry.key.as_str()),
            placeholders,
            predicates: &predicates,
        };
        let expr =
            detection::compile_item(&entry.value, &cx).map_err(|e| e.with_item(&entry.key))?;
        names.push(entry.key.as_str());
        exprs.push(expr);
    }
    let Some(condition_entry) = condition_entry else {
        return Err(Error::new(
            RuleError::MissingKey { key: "condition" },
            section,
        ));
    };
    if names.is_empty() {
        return Err(Error::new(RuleError::NoDetectionItems, section));
    }
    let sizes: Vec<usize> = exprs.iter().map(detection::count_predicates).collect();
    let items = Items {
        names: &names,
        sizes: &sizes,
    };
    let mut used = 0;
    let condition_nodes: Vec<&Node> = match &condition_entry.value.kind {
        NodeKind::Sequence(list) => list.iter().collect(),
        _ => vec![&condition_entry.value],
    };
    let mut plans = Vec::with_capacity(condition_nodes.len());
    let mut compiled = Compiled {
        conditions: Vec::with_capacity(condition_nodes.len()),
        texts: Vec::with_capacity(condition_nodes.len()),
        positions: Vec::with_capacity(condition_nodes.len()),
    };
    if condition_nodes.is_empty() {
        return Err(Error::new(
            RuleError::MissingKey { key: "condition" },
            condition_entry.key_position,
        ));
    }
    for node in condition_nodes {
        let Some(scalar) = node.as_scalar().filter(|s| !s.is_null()) else {
            return Err(wrong_type(
                condition_entry,
                "a condition text or a list of them",
            ));
        };
        let plan = condition::parse(&scalar.text, &items, &mut used).map_err(|e| {
            // Point into the condition when it is written on one line.
            let mut at = node.position;
            if let Some(column) = e.column() {
                let single_line = !scalar.text.contains('\n') && scalar.style != ScalarStyle::Block;
                if single_line {
                    let quote = u32::from(scalar.style != ScalarStyle::Plain);
                    let offset = u32::try_from(column - 1).unwrap_or(0);
                    at.column = at.column.saturating_add(quote).saturating_add(offset);
                }
            }
            Error::new(e, at)
        })?;
        plans.push(plan);
        compiled.texts.push(scalar.text.clone());
        compiled.positions.push(node.position);
    }
    // Every condition parsed: put the identifiers' expressions in, moving each one into
    // its last use and copying it for the uses before.
    let mut uses = vec![0; exprs.len()];
    for plan in &plans {
        plan.count_uses(&mut uses);
    }
    let mut take = |i: usize| match (exprs.get_mut(i), uses.get_mut(i)) {
        (Some(expr), Some(left)) => {
            *left = left.saturating_sub(1);
            if *left == 0 {
                std::mem::replace(expr, Expr::And(Vec::new()))
            } else {
                expr.clone()
            }
        }
        _ => Expr::And(Vec::new()),
    };
    for plan in plans {
        compiled.conditions.push(condition::build(plan, &mut take));
    }
    Ok(compiled)
}

impl Rule {
    /// Builds a rule from a document mapping, moving its texts out of the tree.
    pub(crate) fn from_node(
        node: Node,
        placeholders: &HashMap<String, Vec<String>>,
    ) -> Result<Rule, Error> {
        let position = node.position;
        let NodeKind::Mapping(entries) = node.kind else {
            return Err(Error::new(RuleError::NotAMapping, position));
        };
        let mut keys = OwnedKeys::new(entries);
        let title = owned_string(keys.take("title"))?
            .ok_or_else(|| Error::new(RuleError::MissingKey { key: "title" }, position))?;
        let detection = keys
            .take("detection")
            .ok_or_else(|| Error::new(RuleError::MissingKey { key: "detection" }, position))?;
        let detection_entries = detection.value.as_mapping().ok_or_else(|| {
            wrong_type(
                &detection,
                "a mapping of search identifiers and 'condition'",
            )
        })?;
        let compiled = compile_detection(
            detection_entries,
            detection.key_position,
            &["timeframe"],
            placeholders,
        )?;
        let timeframe = opt_string(detection_entries.iter().find(|e| e.key == "timeframe"))?;
        let rule = Rule {
            title,
            id: owned_string(keys.take("id"))?,
            name: owned_string(keys.take("name"))?,
            status: owned_string(keys.take("status"))?,
            level: owned_string(keys.take("level"))?,
            description: owned_string(keys.take("description"))?,
            author: owned_string(keys.take("author"))?,
            license: owned_string(keys.take("license"))?,
            taxonomy: owned_string(keys.take("taxonomy"))?,
            references: owned_string_list(keys.take("references"))?,
            tags: owned_string_list(keys.take("tags"))?,
            date: owned_string(keys.take("date"))?,
            modified: owned_string(keys.take("modified"))?,
            related: related(keys.take("related").as_ref())?,
            logsource: logsource(keys.take("logsource").as_ref())?,
            fields: owned_string_list(keys.take("fields"))?,
            falsepositives: owned_string_list(keys.take("falsepositives"))?,
            scope: owned_string_list(keys.take("scope"))?,
            timeframe,
            custom: Vec::new(),
            conditions: compiled.conditions,
            condition_texts: compiled.texts,
            condition_positions: compiled.positions,
            detection_position: detection.key_position,
            position,
        };
        Ok(Rule {
            custom: keys.rest(),
            ..rule
        })
    }
}

/// [`Keys`] over entries the reader owns: each key is moved out as it is read, and the
/// rest are kept as custom metadata without copies.
struct OwnedKeys {
    entries: Vec<Option<Entry>>,
}

impl OwnedKeys {
    fn new(entries: Vec<Entry>) -> Self {
        OwnedKeys {
            entries: entries.into_iter().map(Some).collect(),
        }
    }

    fn take(&mut self, key: &str) -> Option<Entry> {
        self.entries
            .iter_mut()
            .find(|e| e.as_ref().is_some_and(|e| e.key == key))?
            .take()
    }

    fn rest(self) -> Vec<Entry> {
        self.entries.into_iter().flatten().collect()
    }
}

/// [`opt_string`] for an entry the caller owns: the text is moved, not copied.
fn owned_string(entry: Option<Entry>) -> Result<Option<String>, Error> {
    let Some(entry) = entry else { return Ok(None) };
    match entry.value.kind {
        NodeKind::Scalar(s) if s.is_null() => Ok(None),
        NodeKind::Scalar(s) => Ok(Some(s.text)),
        _ => Err(owned_wrong_type(
            entry.key,
            entry.value.position,
            "a single value",
        )),
    }
}

/// [`string_list`] for an entry the caller owns: the texts are moved, not copied.
fn owned_string_list(entry: Option<Entry>) -> Result<Vec<String>, Error> {
    let Some(entry) = entry else {
        return Ok(Vec::new());
    };
    let expected = "a list of values";
    match entry.value.kind {
        NodeKind::Scalar(s) if s.is_null() => Ok(Vec::new()),
        NodeKind::Scalar(s) => Ok(vec![s.text]),
        NodeKind::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if item.is_null() {
                    continue;
                }
                match item.kind {
                    NodeKind::Scalar(s) => out.push(s.text),
                    _ => return Err(owned_wrong_type(entry.key, entry.value.position, expected)),
                }
            }
            Ok(out)
        }
        NodeKind::Mapping(_) => Err(owned_wrong_type(entry.key, entry.value.position, expected)),
    }
}

fn owned_wrong_type(key: String, position: Position, expected: &'static str) -> Error {
    Error::new(RuleError::WrongType { key, expected }, position)
}
