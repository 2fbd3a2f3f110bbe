//! Correlation and filter documents: typed models, reference checks, and applying filters
//! to the rules they name.

use std::collections::HashMap;

use super::detection::and;
use super::error::{Error, ReferenceError, RuleError};
use super::rule::{self, Keys, LogSource, Rule};
use super::yaml::{Entry, Node, NodeKind, ScalarValue};
use super::Document;
use crate::ir::{Expr, Number, Position};

/// A correlation document: conditions over the matches of other rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub title: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub level: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub references: Vec<String>,
    pub tags: Vec<String>,
    pub date: Option<String>,
    pub modified: Option<String>,
    pub falsepositives: Vec<String>,
    pub taxonomy: Option<String>,
    pub kind: CorrelationType,
    /// Ids or names of rules and correlations, as written.
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    pub timespan: Timespan,
    /// Required for the count and value types; optional for the temporal types.
    pub condition: Option<CorrelationCondition>,
    pub aliases: Vec<FieldAlias>,
    /// Whether the referenced rules are also converted on their own.
    pub generate: bool,
    pub custom: Vec<Entry>,
    pub position: Position,
    /// Where the `rules` list is, for reference errors.
    pub rules_position: Position,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrelationType {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
}

impl CorrelationType {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "event_count" => CorrelationType::EventCount,
            "value_count" => CorrelationType::ValueCount,
            "temporal" => CorrelationType::Temporal,
            "temporal_ordered" => CorrelationType::TemporalOrdered,
            "value_sum" => CorrelationType::ValueSum,
            "value_avg" => CorrelationType::ValueAvg,
            "value_percentile" => CorrelationType::ValuePercentile,
            _ => return None,
        })
    }

    /// Whether the type aggregates a field named in the condition's `field`.
    pub fn needs_field(self) -> bool {
        matches!(
            self,
            CorrelationType::ValueCount
                | CorrelationType::ValueSum
                | CorrelationType::ValueAvg
                | CorrelationType::ValuePercentile
        )
    }

    fn is_temporal(self) -> bool {
        matches!(
            self,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        )
    }
}

/// A time window such as `5m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timespan {
    pub count: u64,
    pub unit: TimeUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Timespan {
    /// Parses `<number><unit>` with unit `s`, `m`, `h`, `d`, `w`, `M` (months) or `y`.
    pub fn parse(text: &str) -> Option<Timespan> {
        let unit_char = text.chars().last()?;
        let digits = &text[..text.len() - unit_char.len_utf8()];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let unit = match unit_char {
            's' => TimeUnit::Second,
            'm' => TimeUnit::Minute,
            'h' => TimeUnit::Hour,
            'd' => TimeUnit::Day,
            'w' => TimeUnit::Week,
            'M' => TimeUnit::Month,
            'y' => TimeUnit::Year,
            _ => return None,
        };
        Some(Timespan {
            count: digits.parse().ok()?,
            unit,
        })
    }

    /// The length in seconds, taking a month as 30 days and a year as 365 days; `None` on
    /// overflow.
    pub fn seconds(self) -> Option<u64> {
        let unit = match self.unit {
            TimeUnit::Second => 1,
            TimeUnit::Minute => 60,
            TimeUnit::Hour => 3600,
            TimeUnit::Day => 86_400,
            TimeUnit::Week => 7 * 86_400,
            TimeUnit::Month => 30 * 86_400,
            TimeUnit::Year => 365 * 86_400,
        };
        self.count.checked_mul(unit)
    }
}

/// The threshold of a correlation: one or more bounds, all of which must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationCondition {
    /// The aggregated field of the value types.
    pub field: Option<String>,
    pub bounds: Vec<(BoundOp, Number)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

/// A field name alias across the correlated rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldAlias {
    pub alias: String,
    /// Rule name and the field that alias stands for in that rule's events.
    pub fields: Vec<(String, String)>,
}

/// A filter document: an exclusion added to the rules it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub title: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub date: Option<String>,
    pub modified: Option<String>,
    pub taxonomy: Option<String>,
    pub logsource: LogSource,
    /// Ids or names of the rules to filter, as written.
    pub rules: Vec<String>,
    /// The filter's condition; its predicates' items are renamed to
    /// `filter:<filter id or title>:<identifier>` so they cannot clash with a rule's.
    pub condition: Expr,
    pub custom: Vec<Entry>,
    pub position: Position,
    pub rules_position: Position,
}

fn invalid_condition(reason: impl Into<String>, at: Position) -> Error {
    Error::new(
        RuleError::InvalidCorrelationCondition {
            reason: reason.into(),
        },
        at,
    )
}

impl Correlation {
    pub(crate) fn from_node(node: &Node) -> Result<Correlation, Error> {
        let entries = rule::mapping(node)?;
        let mut keys = Keys::new(entries);
        let title = rule::required_title(&mut keys, node)?;
        let section = keys.take("correlation").ok_or_else(|| {
            Error::new(RuleError::MissingKey { key: "correlation" }, node.position)
        })?;
        let body = section.value.as_mapping().ok_or_else(|| {
            Error::new(
                RuleError::WrongType {
                    key: "correlation".into(),
                    expected: "a mapping",
                },
                section.value.position,
            )
        })?;
        let mut fields = Keys::new(body);
        let type_entry = fields.take("type").ok_or_else(|| {
            Error::new(RuleError::MissingKey { key: "type" }, section.key_position)
        })?;
        let type_text = rule::opt_string(Some(type_entry))?.unwrap_or_default();
        let kind = CorrelationType::parse(&type_text).ok_or_else(|| {
            Error::new(
                RuleError::UnknownCorrelationType {
                    found: type_text.clone(),
                },
                type_entry.value.position,
            )
        })?;
        let rules_entry = fields.take("rules").ok_or_else(|| {
            Error::new(RuleError::MissingKey { key: "rules" }, section.key_position)
        })?;
        let rules = rule::string_list(Some(rules_entry))?;
        if rules.is_empty() {
            return Err(Error::new(
                RuleError::MissingKey { key: "rules" },
                rules_entry.value.position,
            ));
        }
        let group_by = rule::string_list(fields.take("group-by"))?;
        let timespan_entry = fields
            .take("timespan")
            .or_else(|| fields.take("timeframe"))
            .ok_or_else(|| {
                Error::new(
                    RuleError::MissingKey { key: "timespan" },
                    section.key_position,
                )
            })?;
        let timespan_text = rule::opt_string(Some(timespan_entry))?.unwrap_or_default();
        let timespan = Timespan::parse(&timespan_text).ok_or_else(|| {
            Error::new(
                RuleError::InvalidTimespan {
                    found: timespan_text.clone(),
                },
                timespan_entry.value.position,
            )
        })?;
        let condition = match fields.take("condition") {
            Some(entry) => Some(correlation_condition(entry, kind)?),
            None if kind.is_temporal() => None,
            None => {
                return Err(Error::new(
                    RuleError::MissingKey { key: "condition" },
                    section.key_position,
                ))
            }
        };
        let aliases = aliases(fields.take("aliases"), &rules)?;
        let generate = match fields.take("generate") {
            None => false,
            Some(entry) => match entry.value.as_scalar().map(|s| s.resolve()) {
                Some(ScalarValue::Bool(b)) => b,
                _ => {
                    return Err(Error::new(
                        RuleError::WrongType {
                            key: "generate".into(),
                            expected: "true or false",
                        },
                        entry.value.position,
                    ))
                }
            },
        };
        if let Some(unknown) = fields.rest().into_iter().next() {
            return Err(Error::new(
                RuleError::WrongType { key: unknown.key, expected: "no such key in 'correlation'" },
                unknown.key_position,
            )
            .with_hint("the correlation section takes type, rules, group-by, timespan, condition, aliases and generate"));
        }
        let correlation = Correlation {
            title,
            id: rule::opt_string(keys.take("id"))?,
            name: rule::opt_string(keys.take("name"))?,
            status: rule::opt_string(keys.take("status"))?,
            level: rule::opt_string(keys.take("level"))?,
            description: rule::opt_string(keys.take("description"))?,
            author: rule::opt_string(keys.take("author"))?,
            references: rule::string_list(keys.take("references"))?,
            tags: rule::string_list(keys.take("tags"))?,
            date: rule::opt_string(keys.take("date"))?,
            modified: rule::opt_string(keys.take("modified"))?,
            falsepositives: rule::string_list(keys.take("falsepositives"))?,
            taxonomy: rule::opt_string(keys.take("taxonomy"))?,
            kind,
            rules,
            group_by,
            timespan,
            condition,
            aliases,
            generate,
            custom: Vec::new(),
            position: node.position,
            rules_position: rules_entry.value.position,
        };
        Ok(Correlation {
            custom: keys.rest(),
            ..correlation
        })
    }
}

fn correlation_condition(
    entry: &Entry,
    kind: CorrelationType,
) -> Result<CorrelationCondition, Error> {
    let body = entry.value.as_mapping().ok_or_else(|| {
        invalid_condition(
            "expected a mapping such as 'gte: 100'",
            entry.value.position,
        )
    })?;
    let mut condition = CorrelationCondition {
        field: None,
        bounds: Vec::new(),
    };
    for e in body {
        let op = match e.key.as_str() {
            "field" => {
                condition.field = rule::opt_string(Some(e))?;
                continue;
            }
            "gt" => BoundOp::Gt,
            "gte" => BoundOp::Gte,
            "lt" => BoundOp::Lt,
            "lte" => BoundOp::Lte,
            "eq" => BoundOp::Eq,
            "neq" => BoundOp::Neq,
            other => {
                return Err(invalid_condition(
                    format!("unknown key '{other}' (expected gt, gte, lt, lte, eq, neq or field)"),
                    e.key_position,
                ))
            }
        };
        let number = match e.value.as_scalar().map(|s| s.resolve()) {
            Some(ScalarValue::Int(n)) => Number::Int(n),
            Some(ScalarValue::Float(x)) => Number::Float(x),
            _ => {
                return Err(invalid_condition(
                    format!("'{}' needs a number", e.key),
                    e.value.position,
                ))
            }
        };
        condition.bounds.push((op, number));
    }
    if condition.bounds.is_empty() {
        return Err(invalid_condition(
            "no bound such as 'gte: 100'",
            entry.value.position,
        ));
    }
    if kind.needs_field() && condition.field.is_none() {
        return Err(invalid_condition(
            "this correlation type needs 'field'",
            entry.value.position,
        ));
    }
    Ok(condition)
}

fn aliases(entry: Option<&Entry>, rules: &[String]) -> Result<Vec<FieldAlias>, Error> {
    let Some(entry) = entry else {
        return Ok(Vec::new());
    };
    let wrong = |at: Position| {
        Error::new(
            RuleError::WrongType {
                key: "aliases".into(),
                expected: "a mapping of alias to rule name to field",
            },
            at,
        )
    };
    let body = entry
        .value
        .as_mapping()
        .ok_or_else(|| wrong(entry.value.position))?;
    let mut out = Vec::with_capacity(body.len());
    for alias in body {
        let per_rule = alias
            .value
            .as_mapping()
            .ok_or_else(|| wrong(alias.value.position))?;
        let mut fields = Vec::with_capacity(per_rule.len());
        for e in per_rule {
            if !rules.contains(&e.key) {
                return Err(Error::new(
                    ReferenceError::AliasRuleNotListed {
                        alias: alias.key.clone(),
                        rule: e.key.clone(),
                    },
                    e.key_position,
                ));
            }
            let field = rule::opt_string(Some(e))?.ok_or_else(|| wrong(e.value.position))?;
            fields.push((e.key.clone(), field));
        }
        out.push(FieldAlias {
            alias: alias.key.clone(),
            fields,
        });
    }
    Ok(out)
}

impl Filter {
    pub(crate) fn from_node(
        node: &Node,
        placeholders: &HashMap<String, Vec<String>>,
    ) -> Result<Filter, Error> {
        let entries = rule::mapping(node)?;
        let mut keys = Keys::new(entries);
        let title = rule::required_title(&mut keys, node)?;
        let id = rule::opt_string(keys.take("id"))?;
        let section = keys
            .take("filter")
            .ok_or_else(|| Error::new(RuleError::MissingKey { key: "filter" }, node.position))?;
        let body = section.value.as_mapping().ok_or_else(|| {
            Error::new(
                RuleError::WrongType {
                    key: "filter".into(),
                    expected: "a mapping",
                },
                section.value.position,
            )
        })?;
        let rules_entry = body.iter().find(|e| e.key == "rules").ok_or_else(|| {
            Error::new(RuleError::MissingKey { key: "rules" }, section.key_position)
        })?;
        let rules = rule::string_list(Some(rules_entry))?;
        if rules.is_empty() {
            return Err(Error::new(
                RuleError::MissingKey { key: "rules" },
                rules_entry.value.position,
            ));
        }
        let compiled =
            rule::compile_detection(body, section.key_position, &["rules"], placeholders)?;
        let prefix = format!("filter:{}:", id.as_deref().unwrap_or(&title));
        let parts: Vec<Expr> = compiled
            .conditions
            .into_iter()
            .map(|mut e| {
                rename_items(&mut e, &prefix);
                e
            })
            .collect();
        // A list of conditions means any of them.
        let condition = super::detection::or(parts);
        let filter = Filter {
            title,
            id,
            name: rule::opt_string(keys.take("name"))?,
            description: rule::opt_string(keys.take("description"))?,
            author: rule::opt_string(keys.take("author"))?,
            date: rule::opt_string(keys.take("date"))?,
            modified: rule::opt_string(keys.take("modified"))?,
            taxonomy: rule::opt_string(keys.take("taxonomy"))?,
            logsource: rule::logsource(keys.take("logsource"))?,
            rules,
            condition,
            custom: Vec::new(),
            position: node.position,
            rules_position: rules_entry.value.position,
        };
        Ok(Filter {
            custom: keys.rest(),
            ..filter
        })
    }
}

fn rename_items(expr: &mut Expr, prefix: &str) {
    match expr {
        Expr::And(terms) | Expr::Or(terms) => {
            terms.iter_mut().for_each(|t| rename_items(t, prefix))
        }
        Expr::Not(inner) => rename_items(inner, prefix),
        Expr::Pred(p) => p.item = format!("{prefix}{}", p.item).into(),
    }
}

fn names_rule(rule: &Rule, reference: &str) -> bool {
    rule.id.as_deref() == Some(reference) || rule.name.as_deref() == Some(reference)
}

/// Whether the filter's log source selects the rule: every part the filter sets is equal.
fn logsource_matches(filter: &LogSource, rule: &LogSource) -> bool {
    let part = |f: &Option<String>, r: &Option<String>| f.is_none() || f == r;
    part(&filter.product, &rule.product)
        && part(&filter.category, &rule.category)
        && part(&filter.service, &rule.service)
}

/// Applies filters to the rules they name, by id or name: each condition of such a rule
/// becomes `condition and not(filter condition)`.
///
/// Returns an error for each reference that names none of `rules`, and for each named rule
/// whose log source the filter's does not select (that rule is left unchanged).
pub fn apply_filters(rules: &mut [Rule], filters: &[Filter]) -> Vec<Error> {
    let mut errors = Vec::new();
    for filter in filters {
        for reference in &filter.rules {
            let mut found = false;
            for rule in rules.iter_mut().filter(|r| names_rule(r, reference)) {
                found = true;
                if !logsource_matches(&filter.logsource, &rule.logsource) {
                    errors.push(Error::new(
                        ReferenceError::LogsourceMismatch {
                            rule: reference.clone(),
                        },
                        filter.rules_position,
                    ));
                    continue;
                }
                for condition in &mut rule.conditions {
                    let original = std::mem::replace(condition, Expr::And(Vec::new()));
                    *condition = and(vec![
                        original,
                        Expr::Not(Box::new(filter.condition.clone())),
                    ]);
                }
            }
            if !found {
                errors.push(Error::new(
                    ReferenceError::UnknownRule {
                        reference: reference.clone(),
                    },
                    filter.rules_position,
                ));
            }
        }
    }
    errors
}

/// Checks that every correlation's `rules` name a rule or correlation among `documents`
/// (by id or name) and that correlations do not refer to each other in a cycle.
pub fn check_references(documents: &[&Document]) -> Vec<Error> {
    let mut errors = Vec::new();
    // Index correlations by id and name for the cycle search.
    let mut correlations: HashMap<&str, &Correlation> = HashMap::new();
    let mut known: Vec<&str> = Vec::new();
    for doc in documents {
        let (id, name) = match doc {
            Document::Rule(r) => (r.id.as_deref(), r.name.as_deref()),
            Document::Correlation(c) => {
                for key in [c.id.as_deref(), c.name.as_deref()].into_iter().flatten() {
                    correlations.insert(key, c);
                }
                (c.id.as_deref(), c.name.as_deref())
            }
            Document::Filter(f) => (f.id.as_deref(), f.name.as_deref()),
        };
        known.extend(id);
        known.extend(name);
    }
    for doc in documents {
        let Document::Correlation(c) = doc else {
            continue;
        };
        for reference in &c.rules {
            if !known.contains(&reference.as_str()) {
                errors.push(Error::new(
                    ReferenceError::UnknownRule {
                        reference: reference.clone(),
                    },
                    c.rules_position,
                ));
            }
        }
        if let Some(reference) = find_cycle(c, &correlations) {
            errors.push(Error::new(
                ReferenceError::Cycle { reference },
                c.rules_position,
            ));
        }
    }
    errors
}

/// Walks the correlations reachable from `start`; returns a reference that leads back to it.
fn find_cycle(start: &Correlation, correlations: &HashMap<&str, &Correlation>) -> Option<String> {
    let mut stack: Vec<&Correlation> = vec![start];
    let mut seen: Vec<*const Correlation> = Vec::new();
    while let Some(current) = stack.pop() {
        for reference in &current.rules {
            let Some(next) = correlations.get(reference.as_str()) else {
                continue;
            };
            if std::ptr::eq(*next, start) {
                return Some(reference.clone());
            }
            let pointer: *const Correlation = *next;
            if !seen.contains(&pointer) {
                seen.push(pointer);
                stack.push(next);
            }
        }
    }
    None
}

/// Whether a document mapping is a correlation or a filter, by its keys.
pub(crate) fn classify(node: &Node) -> DocumentKind {
    match &node.kind {
        NodeKind::Mapping(entries) if entries.iter().any(|e| e.key == "correlation") => {
            DocumentKind::Correlation
        }
        NodeKind::Mapping(entries) if entries.iter().any(|e| e.key == "filter") => {
            DocumentKind::Filter
        }
        _ => DocumentKind::Rule,
    }
}

pub(crate) enum DocumentKind {
    Rule,
    Correlation,
    Filter,
}
