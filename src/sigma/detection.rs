//! Detection items to IR expressions: field names and modifiers, values, lists and maps.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use super::error::{Error, RuleError, ValueError};
use super::value::{self, SigmaString};
use super::yaml::{Node, NodeKind, Scalar, ScalarValue};
use crate::ir::{
    CompareOp, Expr, FieldRefKind, Number, Pattern, PatternPart, Position, Predicate, RegexFlags,
    Test, TimePart,
};

/// Maximum number of alternatives one detection value may expand into through `windash`,
/// `base64offset` and `|expand` placeholders.
///
/// Guards against exponential growth: `windash` makes five spellings of each switch, so a
/// value with six switches would make 15,625. Checked after each expanding modifier; raises
/// [`ValueError::TooManyAlternatives`].
pub const MAX_ALTERNATIVES: usize = 4096;

/// Maximum number of predicates in one rule, counted over its detection items and again
/// over its compiled conditions.
///
/// Guards memory against rules that multiply values (many values, each with thousands of
/// `windash` alternatives) and conditions that repeat a large identifier thousands of
/// times. Checked after each value and each identifier used in a condition; raises
/// [`RuleError::TooManyPredicates`] or [`super::error::ConditionError::TooLarge`]. The
/// SigmaHQ corpus has about 40,000 predicates in all of its 3,141 rules.
pub const MAX_PREDICATES: usize = 100_000;

/// A modifier of a detection field, `field|modifier|...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Exists,
    Cased,
    Neq,
    Windash,
    Re,
    IgnoreCase,
    MultiLine,
    DotAll,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    Compare(CompareOp),
    Time(TimePart),
    Cidr,
    Expand,
    FieldRef,
}

impl Modifier {
    fn parse(name: &str) -> Option<Modifier> {
        Some(match name {
            "contains" => Modifier::Contains,
            "startswith" => Modifier::StartsWith,
            "endswith" => Modifier::EndsWith,
            "all" => Modifier::All,
            "exists" => Modifier::Exists,
            "cased" => Modifier::Cased,
            "neq" => Modifier::Neq,
            "windash" => Modifier::Windash,
            "re" => Modifier::Re,
            "i" => Modifier::IgnoreCase,
            "m" => Modifier::MultiLine,
            "s" => Modifier::DotAll,
            "base64" => Modifier::Base64,
            "base64offset" => Modifier::Base64Offset,
            "wide" | "utf16le" => Modifier::Utf16Le,
            "utf16be" => Modifier::Utf16Be,
            "utf16" => Modifier::Utf16,
            "lt" => Modifier::Compare(CompareOp::Lt),
            "lte" => Modifier::Compare(CompareOp::Lte),
            "gt" => Modifier::Compare(CompareOp::Gt),
            "gte" => Modifier::Compare(CompareOp::Gte),
            "minute" => Modifier::Time(TimePart::Minute),
            "hour" => Modifier::Time(TimePart::Hour),
            "day" => Modifier::Time(TimePart::Day),
            "week" => Modifier::Time(TimePart::Week),
            "month" => Modifier::Time(TimePart::Month),
            "year" => Modifier::Time(TimePart::Year),
            "cidr" => Modifier::Cidr,
            "expand" => Modifier::Expand,
            "fieldref" => Modifier::FieldRef,
            _ => return None,
        })
    }

    /// Modifiers that leave a string value one value of unchanged text, apart from the
    /// wildcards an anchor adds.
    fn keeps_one_text_value(self) -> bool {
        matches!(
            self,
            Modifier::Contains
                | Modifier::StartsWith
                | Modifier::EndsWith
                | Modifier::Cased
                | Modifier::All
                | Modifier::Neq
        )
    }

    /// Modifiers that change what kind of test the value makes; at most one per field.
    fn is_type(self) -> bool {
        matches!(
            self,
            Modifier::Exists
                | Modifier::Re
                | Modifier::Compare(_)
                | Modifier::Time(_)
                | Modifier::Cidr
                | Modifier::FieldRef
        )
    }

    fn is_anchor(self) -> bool {
        matches!(
            self,
            Modifier::Contains | Modifier::StartsWith | Modifier::EndsWith
        )
    }

    fn is_utf16(self) -> bool {
        matches!(
            self,
            Modifier::Utf16Le | Modifier::Utf16Be | Modifier::Utf16
        )
    }

    fn is_base64(self) -> bool {
        matches!(self, Modifier::Base64 | Modifier::Base64Offset)
    }

    /// Modifiers that treat the value as text (so a number is read as its spelling).
    fn is_text(self) -> bool {
        self.is_anchor()
            || self.is_utf16()
            || self.is_base64()
            || matches!(self, Modifier::Windash | Modifier::Expand)
    }

    /// Returns whether this modifier may follow the type modifier `kind` (`None` for a plain value).
    fn allowed_with(self, kind: Option<Modifier>) -> bool {
        match self {
            Modifier::All => return kind != Some(Modifier::Exists),
            Modifier::Neq => return !matches!(kind, Some(Modifier::Exists | Modifier::Compare(_))),
            _ => {}
        }
        match kind {
            None => {
                !self.is_type()
                    && !matches!(
                        self,
                        Modifier::IgnoreCase | Modifier::MultiLine | Modifier::DotAll
                    )
            }
            Some(Modifier::Re) => matches!(
                self,
                Modifier::IgnoreCase | Modifier::MultiLine | Modifier::DotAll
            ),
            Some(Modifier::FieldRef) => self.is_anchor() || self == Modifier::Cased,
            Some(_) => false,
        }
    }
}

/// The parsed modifiers of one field key, as written.
pub(crate) struct Modifiers {
    pub list: Vec<Modifier>,
    pub names: Arc<[String]>,
    kind: Option<Modifier>,
}

impl Modifiers {
    fn has(&self, m: Modifier) -> bool {
        self.list.contains(&m)
    }

    fn text_modifier(&self) -> Option<usize> {
        self.list.iter().position(|m| m.is_text())
    }
}

/// Splits `Field|mod1|mod2` into the field name (`None` when empty: a keyword) and checks
/// the modifiers: known, not repeated, and allowed together.
pub(crate) fn parse_key(
    key: &str,
    position: Position,
) -> Result<(Option<Arc<str>>, Modifiers), Error> {
    let mut split = key.split('|');
    let field = split.next().unwrap_or("");
    let field_label = if field.is_empty() {
        "(keywords)"
    } else {
        field
    };
    let mut list = Vec::new();
    let mut names = Vec::new();
    for name in split {
        let Some(m) = Modifier::parse(name) else {
            return Err(Error::new(
                ValueError::UnknownModifier {
                    field: field_label.to_owned(),
                    modifier: name.to_owned(),
                },
                position,
            )
            .with_hint("check the spelling; modifiers are lowercase and separated by '|'"));
        };
        if list.contains(&m) {
            return Err(Error::new(
                ValueError::DuplicateModifier {
                    field: field_label.to_owned(),
                    modifier: name.to_owned(),
                },
                position,
            ));
        }
        list.push(m);
        names.push(name.to_owned());
    }
    let conflict = |first: &str, second: &str| {
        Error::new(
            ValueError::IncompatibleModifiers {
                field: field_label.to_owned(),
                first: first.to_owned(),
                second: second.to_owned(),
            },
            position,
        )
    };
    let mut kind: Option<(Modifier, &str)> = None;
    for (m, name) in list.iter().zip(&names) {
        if m.is_type() {
            if let Some((_, first)) = kind {
                return Err(conflict(first, name));
            }
            kind = Some((*m, name));
        }
    }
    // Pairs of the same group: one anchor, one UTF-16 form, one base64 form.
    for group in [
        Modifier::is_anchor as fn(Modifier) -> bool,
        Modifier::is_utf16,
        Modifier::is_base64,
    ] {
        let mut found: Option<&str> = None;
        for (m, name) in list.iter().zip(&names) {
            if group(*m) {
                if let Some(first) = found {
                    return Err(conflict(first, name));
                }
                found = Some(name);
            }
        }
    }
    for (m, name) in list.iter().zip(&names) {
        if matches!(
            m,
            Modifier::IgnoreCase | Modifier::MultiLine | Modifier::DotAll
        ) && kind.map(|k| k.0) != Some(Modifier::Re)
        {
            return Err(Error::new(
                ValueError::MissingModifier {
                    field: field_label.to_owned(),
                    modifier: name.clone(),
                    requires: "re",
                },
                position,
            ));
        }
        if !m.is_type() && !m.allowed_with(kind.map(|k| k.0)) {
            let first = kind.map_or("", |k| k.1);
            return Err(conflict(first, name));
        }
    }
    if kind.is_some_and(|k| k.0 == Modifier::Exists) && list.len() > 1 {
        let other = names
            .iter()
            .find(|n| *n != "exists")
            .cloned()
            .unwrap_or_default();
        return Err(conflict("exists", &other));
    }
    let kind = kind.map(|k| k.0);
    let field = if field.is_empty() {
        None
    } else {
        Some(Arc::from(field))
    };
    Ok((
        field,
        Modifiers {
            list,
            names: names.into(),
            kind,
        },
    ))
}

/// Inputs of value compilation besides the values themselves.
pub(crate) struct Context<'a> {
    pub item: &'a str,
    /// The same name as `item`, shared by the item's predicates.
    pub item_name: Arc<str>,
    pub placeholders: &'a HashMap<String, Vec<String>>,
    /// Predicates made so far in the rule, for [`MAX_PREDICATES`].
    pub predicates: &'a Cell<usize>,
}

/// Compiles one detection item (a search identifier's value) into an expression.
pub(crate) fn compile_item(node: &Node, cx: &Context<'_>) -> Result<Expr, Error> {
    let invalid = |reason: &'static str, at: Position| {
        Error::new(RuleError::InvalidDetectionItem { reason }, at).with_item(cx.item)
    };
    match &node.kind {
        NodeKind::Mapping(_) => compile_map(node, cx),
        NodeKind::Sequence(items) => {
            if items.is_empty() {
                return Err(invalid("an empty list", node.position));
            }
            let maps = items
                .iter()
                .filter(|n| matches!(n.kind, NodeKind::Mapping(_)))
                .count();
            if maps == items.len() {
                let alternatives = items
                    .iter()
                    .map(|n| compile_map(n, cx))
                    .collect::<Result<Vec<_>, _>>()?;
                return Ok(or(alternatives));
            }
            if maps > 0 {
                return Err(
                    invalid("a list that mixes plain values and mappings", node.position)
                        .with_hint(
                            "make every element a mapping of fields, or every element a keyword",
                        ),
                );
            }
            let (_, modifiers) = parse_key("", node.position)?;
            compile_values(None, &modifiers, node, node.position, cx)
        }
        NodeKind::Scalar(scalar) => {
            if scalar.is_null() {
                return Err(invalid("it has no value", node.position));
            }
            let (_, modifiers) = parse_key("", node.position)?;
            compile_values(None, &modifiers, node, node.position, cx)
        }
    }
}

/// Compiles a mapping of fields into the AND of its fields.
fn compile_map(node: &Node, cx: &Context<'_>) -> Result<Expr, Error> {
    let entries = node.as_mapping().unwrap_or(&[]);
    if entries.is_empty() {
        return Err(Error::new(
            RuleError::InvalidDetectionItem {
                reason: "an empty mapping",
            },
            node.position,
        )
        .with_item(cx.item));
    }
    let mut terms = Vec::with_capacity(entries.len());
    for entry in entries {
        let (field, modifiers) =
            parse_key(&entry.key, entry.key_position).map_err(|e| e.with_item(cx.item))?;
        let expr = compile_values(
            field.as_ref(),
            &modifiers,
            &entry.value,
            entry.key_position,
            cx,
        )?;
        terms.push(expr);
    }
    Ok(and(terms))
}

/// Compiles the values of one field or keyword list: each value, then their OR (AND with
/// `all`), then NOT with `neq`.
fn compile_values(
    field: Option<&Arc<str>>,
    modifiers: &Modifiers,
    node: &Node,
    key_position: Position,
    cx: &Context<'_>,
) -> Result<Expr, Error> {
    let field_label = field.map_or("(keywords)", |f| f);
    let values: &[Node] = match &node.kind {
        NodeKind::Scalar(_) => std::slice::from_ref(node),
        NodeKind::Sequence(items) => {
            if items.is_empty() {
                return Err(Error::new(
                    ValueError::EmptyList {
                        field: field_label.to_owned(),
                    },
                    node.position,
                )
                .with_item(cx.item));
            }
            items
        }
        NodeKind::Mapping(_) => {
            return Err(Error::new(ValueError::MapValue { field: field_label.to_owned() }, node.position)
                .with_item(cx.item)
                .with_hint("a field's value is a value or a list; put nested conditions in their own search identifier"));
        }
    };
    if modifiers.has(Modifier::All) && values.len() < 2 {
        return Err(Error::new(
            ValueError::AllOnSingleValue {
                field: field_label.to_owned(),
            },
            key_position,
        )
        .with_item(cx.item)
        .with_hint(
            "drop 'all', or use a separate search identifier for another value of the same field",
        ));
    }
    let mut terms = Vec::with_capacity(values.len());
    for value in values {
        let Some(scalar) = value.as_scalar() else {
            return Err(Error::new(
                ValueError::WrongValueType {
                    field: field_label.to_owned(),
                    modifier: modifiers.names.join("|"),
                    expected: "a plain value",
                    found: "a nested list or mapping".to_owned(),
                },
                value.position,
            )
            .with_item(cx.item));
        };
        // Keywords point at their value; fields at their key.
        let position = if field.is_some() {
            key_position
        } else {
            value.position
        };
        let tests = compile_value(field_label, modifiers, scalar, cx)
            .map_err(|e| Error::new(e, value.position).with_item(cx.item))?;
        cx.predicates
            .set(cx.predicates.get().saturating_add(tests.len()));
        if cx.predicates.get() > MAX_PREDICATES {
            return Err(Error::new(
                RuleError::TooManyPredicates {
                    limit: MAX_PREDICATES,
                },
                value.position,
            )
            .with_item(cx.item));
        }
        let predicate = |test| {
            Expr::Pred(Predicate {
                field: field.cloned(),
                test,
                item: Arc::clone(&cx.item_name),
                position,
                modifiers: Arc::clone(&modifiers.names),
            })
        };
        // One test (the usual case) is its own term; `or` would return it unchanged.
        let mut tests = tests.into_iter();
        let term = match (tests.next(), tests.len()) {
            (Some(test), 0) => predicate(test),
            (first, _) => or(first.into_iter().chain(tests).map(predicate).collect()),
        };
        terms.push(term);
    }
    let linked = if modifiers.has(Modifier::All) {
        and(terms)
    } else {
        or(terms)
    };
    if modifiers.has(Modifier::Neq) {
        return Ok(Expr::Not(Box::new(linked)));
    }
    Ok(linked)
}

/// Compiles one value with its modifiers into one test, or into several alternatives that
/// form an OR.
fn compile_value(
    field: &str,
    modifiers: &Modifiers,
    scalar: &Scalar,
    cx: &Context<'_>,
) -> Result<Vec<Test>, ValueError> {
    let resolved = scalar.resolve();
    let found = || describe(&resolved);
    let wrong = |modifier: &str, expected: &'static str| ValueError::WrongValueType {
        field: field.to_owned(),
        modifier: modifier.to_owned(),
        expected,
        found: found(),
    };
    match modifiers.kind {
        Some(Modifier::Exists) => match resolved {
            ScalarValue::Bool(b) => Ok(vec![Test::Exists(b)]),
            _ => Err(wrong("exists", "true or false")),
        },
        Some(Modifier::Re) => {
            let pattern = text_of(&resolved).ok_or_else(|| wrong("re", "a regular expression"))?;
            value::check_regex(&pattern).map_err(|(message, unsupported)| {
                if unsupported {
                    ValueError::UnsupportedRegex {
                        field: field.to_owned(),
                        message,
                    }
                } else {
                    ValueError::InvalidRegex {
                        field: field.to_owned(),
                        message,
                    }
                }
            })?;
            let flags = RegexFlags {
                ignore_case: modifiers.has(Modifier::IgnoreCase),
                multi_line: modifiers.has(Modifier::MultiLine),
                dot_matches_new_line: modifiers.has(Modifier::DotAll),
            };
            Ok(vec![Test::Regex { pattern, flags }])
        }
        Some(Modifier::Cidr) => {
            let ScalarValue::String(text) = resolved else {
                return Err(wrong("cidr", "a network such as 10.0.0.0/8"));
            };
            let network = value::parse_network(text).map_err(|reason| ValueError::InvalidCidr {
                field: field.to_owned(),
                value: text.to_owned(),
                reason,
            })?;
            Ok(vec![Test::Cidr(network)])
        }
        Some(Modifier::Compare(op)) => {
            let name = modifiers
                .names
                .iter()
                .find(|n| matches!(n.as_str(), "lt" | "lte" | "gt" | "gte"));
            let name = name.map_or("lt", String::as_str);
            let value = number_of(&resolved).ok_or_else(|| wrong(name, "a number"))?;
            Ok(vec![Test::Compare { op, value }])
        }
        Some(Modifier::Time(part)) => {
            let name = time_name(part);
            let Some(Number::Int(n)) = number_of(&resolved) else {
                return Err(wrong(name, "a whole number"));
            };
            let (low, high, range) = match part {
                TimePart::Minute => (0, 59, "0 to 59"),
                TimePart::Hour => (0, 23, "0 to 23"),
                TimePart::Day => (1, 31, "1 to 31"),
                TimePart::Week => (1, 53, "1 to 53"),
                TimePart::Month => (1, 12, "1 to 12"),
                TimePart::Year => (1, 9999, "1 to 9999"),
            };
            if n < low || n > high {
                return Err(ValueError::OutOfRange {
                    field: field.to_owned(),
                    modifier: name.to_owned(),
                    value: n.to_string(),
                    range,
                });
            }
            Ok(vec![Test::TimePart { part, value: n }])
        }
        Some(Modifier::FieldRef) => {
            let ScalarValue::String(other) = resolved else {
                return Err(wrong("fieldref", "a field name"));
            };
            let kind = if modifiers.has(Modifier::Contains) {
                FieldRefKind::Contains
            } else if modifiers.has(Modifier::StartsWith) {
                FieldRefKind::StartsWith
            } else if modifiers.has(Modifier::EndsWith) {
                FieldRefKind::EndsWith
            } else {
                FieldRefKind::Equals
            };
            Ok(vec![Test::FieldRef {
                other: other.to_owned(),
                kind,
                cased: modifiers.has(Modifier::Cased),
            }])
        }
        _ => compile_plain(field, modifiers, scalar, &resolved, cx),
    }
}

/// Compiles a value without a type modifier: null, boolean, number, or a Sigma string with
/// the transformations applied in the order written.
fn compile_plain(
    field: &str,
    modifiers: &Modifiers,
    scalar: &Scalar,
    resolved: &ScalarValue<'_>,
    cx: &Context<'_>,
) -> Result<Vec<Test>, ValueError> {
    let text_modifier = modifiers.text_modifier();
    let text: std::borrow::Cow<'_, str> = match (resolved, text_modifier) {
        (ScalarValue::Null, None) => return Ok(vec![Test::Null]),
        (ScalarValue::Bool(b), None) => return Ok(vec![Test::Bool(*b)]),
        (ScalarValue::Int(n), None) => {
            return Ok(vec![Test::Number {
                value: Number::Int(*n),
                text: scalar.text.clone(),
            }])
        }
        (ScalarValue::Float(x), None) => {
            return Ok(vec![Test::Number {
                value: Number::Float(*x),
                text: scalar.text.clone(),
            }])
        }
        (ScalarValue::Null | ScalarValue::Bool(_), Some(i)) => {
            return Err(ValueError::WrongValueType {
                field: field.to_owned(),
                modifier: modifiers.names[i].clone(),
                expected: "a string",
                found: describe(resolved),
            })
        }
        // Numbers under string modifiers are their spelling (`EventID|startswith: 46`).
        (ScalarValue::Int(_) | ScalarValue::Float(_), Some(_)) => scalar.text.as_str().into(),
        (ScalarValue::String(s), _) => (*s).into(),
    };
    let cased = modifiers.has(Modifier::Cased);
    if modifiers.list.iter().all(|m| m.keeps_one_text_value()) {
        // No modifier here encodes the text or makes alternatives, so the value becomes its
        // pattern directly, with the anchors' wildcards added.
        let mut pattern = SigmaString::parse_pattern(&text);
        for m in &modifiers.list {
            if matches!(m, Modifier::Contains | Modifier::EndsWith)
                && pattern.parts.first() != Some(&PatternPart::AnyRun)
            {
                pattern.parts.insert(0, PatternPart::AnyRun);
            }
            if matches!(m, Modifier::Contains | Modifier::StartsWith) {
                pattern.push_wildcard(PatternPart::AnyRun);
            }
        }
        return Ok(vec![Test::Pattern {
            value: pattern,
            cased,
        }]);
    }
    let mut values = if modifiers.has(Modifier::Expand) {
        let template = value::split_placeholders(&text);
        match value::expand_template(&template, cx.placeholders, MAX_ALTERNATIVES) {
            Ok(Some(values)) => values,
            Ok(None) => {
                return Err(ValueError::TooManyAlternatives {
                    field: field.to_owned(),
                    limit: MAX_ALTERNATIVES,
                })
            }
            Err(names) => {
                return Err(ValueError::UnresolvedPlaceholders {
                    field: field.to_owned(),
                    names,
                })
            }
        }
    } else {
        vec![SigmaString::parse(&text)]
    };
    for (m, name) in modifiers.list.iter().zip(modifiers.names.iter()) {
        values = apply_transformation(field, *m, name, values)?;
    }
    let mut tests = Vec::with_capacity(values.len());
    for v in values {
        let last_encoding = modifiers
            .list
            .iter()
            .zip(modifiers.names.iter())
            .rev()
            .find(|(m, _)| m.is_utf16())
            .map_or("", |(_, n)| n.as_str());
        let pattern: Pattern = v.into_pattern().ok_or_else(|| ValueError::NotText {
            field: field.to_owned(),
            modifier: last_encoding.to_owned(),
        })?;
        tests.push(Test::Pattern {
            value: pattern,
            cased,
        });
    }
    Ok(tests)
}

fn apply_transformation(
    field: &str,
    modifier: Modifier,
    name: &str,
    mut values: Vec<SigmaString>,
) -> Result<Vec<SigmaString>, ValueError> {
    let wildcard = || ValueError::WildcardInEncodedValue {
        field: field.to_owned(),
        modifier: name.to_owned(),
    };
    let too_many = || ValueError::TooManyAlternatives {
        field: field.to_owned(),
        limit: MAX_ALTERNATIVES,
    };
    // Only `windash` and `base64offset` make more values than they are given; the other
    // modifiers change each value in place.
    match modifier {
        Modifier::Windash | Modifier::Base64Offset => {
            let mut out = Vec::with_capacity(values.len());
            for v in values {
                if modifier == Modifier::Windash {
                    out.extend(v.windash(MAX_ALTERNATIVES).ok_or_else(too_many)?);
                } else {
                    out.extend(v.base64_offsets().ok_or_else(wildcard)?);
                }
                if out.len() > MAX_ALTERNATIVES {
                    return Err(too_many());
                }
            }
            return Ok(out);
        }
        Modifier::Contains => {
            for v in &mut values {
                v.prepend_any();
                v.append_any();
            }
        }
        Modifier::StartsWith => values.iter_mut().for_each(SigmaString::append_any),
        Modifier::EndsWith => values.iter_mut().for_each(SigmaString::prepend_any),
        Modifier::Utf16Le | Modifier::Utf16Be | Modifier::Utf16 => {
            for v in &mut values {
                *v = v
                    .encode_utf16(modifier == Modifier::Utf16Be, modifier == Modifier::Utf16)
                    .ok_or_else(|| ValueError::NotText {
                        field: field.to_owned(),
                        modifier: name.to_owned(),
                    })?;
            }
        }
        Modifier::Base64 => {
            for v in &mut values {
                *v = v.base64().ok_or_else(wildcard)?;
            }
        }
        _ => {}
    }
    // The values were within the limit when they were made, and their number is unchanged.
    Ok(values)
}

fn time_name(part: TimePart) -> &'static str {
    match part {
        TimePart::Minute => "minute",
        TimePart::Hour => "hour",
        TimePart::Day => "day",
        TimePart::Week => "week",
        TimePart::Month => "month",
        TimePart::Year => "year",
    }
}

fn text_of(value: &ScalarValue<'_>) -> Option<String> {
    match value {
        ScalarValue::String(s) => Some((*s).to_owned()),
        ScalarValue::Int(n) => Some(n.to_string()),
        ScalarValue::Float(x) => Some(x.to_string()),
        ScalarValue::Null | ScalarValue::Bool(_) => None,
    }
}

/// Reads a number, also from a quoted string that spells one (`'10'`).
fn number_of(value: &ScalarValue<'_>) -> Option<Number> {
    match value {
        ScalarValue::Int(n) => Some(Number::Int(*n)),
        ScalarValue::Float(x) => Some(Number::Float(*x)),
        ScalarValue::String(s) => {
            let plain = Scalar {
                text: s.trim().to_owned(),
                style: super::yaml::ScalarStyle::Plain,
                tag: None,
            };
            match plain.resolve() {
                ScalarValue::Int(n) => Some(Number::Int(n)),
                ScalarValue::Float(x) => Some(Number::Float(x)),
                _ => None,
            }
        }
        ScalarValue::Null | ScalarValue::Bool(_) => None,
    }
}

fn describe(value: &ScalarValue<'_>) -> String {
    match value {
        ScalarValue::Null => "null".to_owned(),
        ScalarValue::Bool(b) => format!("the boolean {b}"),
        ScalarValue::Int(n) => format!("the number {n}"),
        ScalarValue::Float(x) => format!("the number {x}"),
        ScalarValue::String(s) => format!("'{s}'"),
    }
}

/// Counts the predicates of an expression.
pub(crate) fn count_predicates(expr: &Expr) -> usize {
    match expr {
        Expr::And(terms) | Expr::Or(terms) => terms.iter().map(count_predicates).sum(),
        Expr::Not(inner) => count_predicates(inner),
        Expr::Pred(_) => 1,
    }
}

/// Builds an AND, merging nested ANDs; one term is returned as it is.
pub(crate) fn and(terms: Vec<Expr>) -> Expr {
    combine(terms, true)
}

/// Builds an OR, merging nested ORs; one term is returned as it is.
pub(crate) fn or(terms: Vec<Expr>) -> Expr {
    combine(terms, false)
}

fn combine(mut terms: Vec<Expr>, conjunction: bool) -> Expr {
    let nested = |term: &Expr| match term {
        Expr::And(_) => conjunction,
        Expr::Or(_) => !conjunction,
        _ => false,
    };
    // Nothing to merge (the usual case): keep the list as it is.
    if !terms.iter().any(nested) {
        if terms.len() == 1 {
            return terms.pop().unwrap_or(Expr::And(Vec::new()));
        }
        return if conjunction {
            Expr::And(terms)
        } else {
            Expr::Or(terms)
        };
    }
    let mut flat = Vec::with_capacity(terms.len());
    for term in terms {
        match term {
            Expr::And(inner) if conjunction => flat.extend(inner),
            Expr::Or(inner) if !conjunction => flat.extend(inner),
            other => flat.push(other),
        }
    }
    if flat.len() == 1 {
        return flat.pop().unwrap_or(Expr::And(Vec::new()));
    }
    if conjunction {
        Expr::And(flat)
    } else {
        Expr::Or(flat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Network, PatternPart};
    use crate::sigma::{parse_file, Document, ErrorKind, ParseOptions};

    fn rule_with(detection: &str, options: &ParseOptions) -> Result<Expr, crate::sigma::Error> {
        let text = format!("title: t\nlogsource:\n  product: windows\ndetection:\n{detection}");
        let mut parsed = parse_file(&text, None, options);
        match parsed.documents.remove(0)? {
            Document::Rule(mut rule) => Ok(rule.conditions.remove(0)),
            other => panic!("not a rule: {other:?}"),
        }
    }

    fn expr(detection: &str) -> Expr {
        rule_with(detection, &ParseOptions::default()).unwrap()
    }

    fn error(detection: &str) -> ValueError {
        match rule_with(detection, &ParseOptions::default())
            .unwrap_err()
            .kind
        {
            ErrorKind::Value(e) => e,
            other => panic!("not a value error: {other:?}"),
        }
    }

    fn pred(e: &Expr) -> &Predicate {
        match e {
            Expr::Pred(p) => p,
            other => panic!("not a predicate: {other:?}"),
        }
    }

    fn pattern(e: &Expr) -> &Pattern {
        match &pred(e).test {
            Test::Pattern { value, .. } => value,
            other => panic!("not a pattern: {other:?}"),
        }
    }

    fn parts(items: &[PatternPart]) -> Pattern {
        Pattern {
            parts: items.to_vec(),
        }
    }

    fn lit(s: &str) -> PatternPart {
        PatternPart::Literal(s.to_owned())
    }

    fn alternatives(e: &Expr) -> &[Expr] {
        match e {
            Expr::Or(terms) => terms,
            other => panic!("not an OR: {other:?}"),
        }
    }

    #[test]
    fn contains_keeps_trailing_backslash() {
        let e = expr(
            "  sel:\n    TargetFilename|contains: '\\AppData\\Local\\Temp\\'\n  condition: sel\n",
        );
        assert_eq!(
            pattern(&e),
            &parts(&[
                PatternPart::AnyRun,
                lit("\\AppData\\Local\\Temp\\"),
                PatternPart::AnyRun
            ])
        );
        let p = pred(&e);
        assert_eq!(p.field.as_deref(), Some("TargetFilename"));
        assert_eq!(&*p.item, "sel");
        assert_eq!(&*p.modifiers, ["contains".to_owned()]);
        assert_eq!(p.position, Position { line: 6, column: 5 });
    }

    #[test]
    fn escaped_star_at_end_is_literal() {
        let e = expr("  sel:\n    TargetFilename: '*\\Startup\\*'\n  condition: sel\n");
        assert_eq!(
            pattern(&e),
            &parts(&[PatternPart::AnyRun, lit("\\Startup*")])
        );
        let e = expr("  sel:\n    Path: '\\\\\\\\127.0.0'\n  condition: sel\n");
        assert_eq!(pattern(&e), &parts(&[lit("\\\\127.0.0")]));
    }

    #[test]
    fn startswith_endswith_and_wildcards() {
        let e = expr("  sel:\n    A|startswith: 'x?y'\n  condition: sel\n");
        assert_eq!(
            pattern(&e),
            &parts(&[lit("x"), PatternPart::AnyOne, lit("y"), PatternPart::AnyRun])
        );
        let e = expr("  sel:\n    A|endswith: '\\cmd.exe'\n  condition: sel\n");
        assert_eq!(
            pattern(&e),
            &parts(&[PatternPart::AnyRun, lit("\\cmd.exe")])
        );
    }

    #[test]
    fn map_list_and_all_linking() {
        let e = expr("  sel:\n    A: x\n    B:\n      - y\n      - z\n  condition: sel\n");
        let Expr::And(terms) = &e else {
            panic!("not an AND: {e:?}")
        };
        assert_eq!(terms.len(), 2);
        assert_eq!(alternatives(&terms[1]).len(), 2);
        let e = expr("  sel:\n    A|contains|all:\n      - ' -nop '\n      - ' -w hidden '\n  condition: sel\n");
        let Expr::And(terms) = &e else {
            panic!("not an AND: {e:?}")
        };
        assert_eq!(
            pattern(&terms[0]),
            &parts(&[PatternPart::AnyRun, lit(" -nop "), PatternPart::AnyRun])
        );
        assert_eq!(
            pattern(&terms[1]),
            &parts(&[PatternPart::AnyRun, lit(" -w hidden "), PatternPart::AnyRun])
        );
    }

    #[test]
    fn list_of_maps_is_or_of_maps() {
        let e = expr("  sel:\n    - A: x\n      B: y\n    - C: z\n  condition: all of sel\n");
        let terms = alternatives(&e);
        assert!(matches!(&terms[0], Expr::And(t) if t.len() == 2));
        assert_eq!(pred(&terms[1]).field.as_deref(), Some("C"));
    }

    #[test]
    fn keywords_list_and_modifier_key() {
        let e =
            expr("  keywords:\n    - 'event::clear'\n    - 'event::drop'\n  condition: keywords\n");
        let terms = alternatives(&e);
        assert_eq!(pred(&terms[0]).field, None);
        assert_eq!(pred(&terms[1]).position, Position { line: 7, column: 7 });
        let e = expr("  keywords:\n    '|all':\n      - 'Oab'\n      - ' -ExternalUrl '\n  condition: keywords\n");
        let Expr::And(terms) = &e else {
            panic!("not an AND: {e:?}")
        };
        assert_eq!(pred(&terms[1]).field, None);
        assert_eq!(pattern(&terms[1]), &parts(&[lit(" -ExternalUrl ")]));
    }

    #[test]
    fn scalar_kinds() {
        let e = expr("  sel:\n    A: 4624\n    B: '4624'\n    C: true\n    D: null\n    E: ''\n    F: 0x10\n    G: 1.5\n  condition: sel\n");
        let Expr::And(terms) = &e else {
            panic!("not an AND: {e:?}")
        };
        assert_eq!(
            pred(&terms[0]).test,
            Test::Number {
                value: Number::Int(4624),
                text: "4624".into()
            }
        );
        assert_eq!(
            pred(&terms[1]).test,
            Test::Pattern {
                value: Pattern::literal("4624"),
                cased: false
            }
        );
        assert_eq!(pred(&terms[2]).test, Test::Bool(true));
        assert_eq!(pred(&terms[3]).test, Test::Null);
        assert_eq!(
            pred(&terms[4]).test,
            Test::Pattern {
                value: Pattern::default(),
                cased: false
            }
        );
        assert_eq!(
            pred(&terms[5]).test,
            Test::Number {
                value: Number::Int(16),
                text: "0x10".into()
            }
        );
        assert_eq!(
            pred(&terms[6]).test,
            Test::Number {
                value: Number::Float(1.5),
                text: "1.5".into()
            }
        );
    }

    #[test]
    fn number_under_string_modifier_is_text() {
        let e = expr("  sel:\n    EventID|startswith: 46\n  condition: sel\n");
        assert_eq!(pattern(&e), &parts(&[lit("46"), PatternPart::AnyRun]));
    }

    #[test]
    fn percent_is_literal_without_expand() {
        let e = expr("  sel:\n    A: '%Servers%'\n  condition: sel\n");
        assert_eq!(pattern(&e), &parts(&[lit("%Servers%")]));
    }

    #[test]
    fn expand_resolves_placeholders() {
        let mut options = ParseOptions::default();
        options
            .placeholders
            .insert("Servers".into(), vec!["srv*".into(), "dc01".into()]);
        let e = rule_with(
            "  sel:\n    Host|expand: '%Servers%'\n  condition: sel\n",
            &options,
        )
        .unwrap();
        let terms = alternatives(&e);
        assert_eq!(
            pattern(&terms[0]),
            &parts(&[lit("srv"), PatternPart::AnyRun])
        );
        assert_eq!(pattern(&terms[1]), &parts(&[lit("dc01")]));
        let err = rule_with(
            "  sel:\n    Host|expand: '%Admins%-%Servers%'\n  condition: sel\n",
            &ParseOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::Value(ValueError::UnresolvedPlaceholders {
                field: "Host".into(),
                names: vec!["Admins".into(), "Servers".into()]
            })
        );
        assert_eq!(err.item.as_deref(), Some("sel"));
    }

    #[test]
    fn windash_makes_alternatives() {
        let e = expr("  sel:\n    CommandLine|windash|contains: ' -enc '\n  condition: sel\n");
        let terms = alternatives(&e);
        let texts: Vec<String> = terms.iter().map(|t| pattern(t).to_string()).collect();
        assert_eq!(
            texts,
            vec![
                "* -enc *",
                "* /enc *",
                "* \u{2013}enc *",
                "* \u{2014}enc *",
                "* \u{2015}enc *"
            ]
        );
    }

    #[test]
    fn base64offset_vectors() {
        let e = expr("  sel:\n    A|base64offset|contains: 'foobar'\n  condition: sel\n");
        let texts: Vec<String> = alternatives(&e)
            .iter()
            .map(|t| pattern(t).to_string())
            .collect();
        assert_eq!(texts, vec!["*Zm9vYmFy*", "*Zvb2Jhc*", "*mb29iYX*"]);
    }

    #[test]
    fn utf16_then_base64() {
        let cases = [
            ("wide", "YwBtAGQA"),
            ("utf16le", "YwBtAGQA"),
            ("utf16be", "AGMAbQBk"),
            ("utf16", "//5jAG0AZAA="),
        ];
        for (modifier, expected) in cases {
            let e = expr(&format!(
                "  sel:\n    A|{modifier}|base64: 'cmd'\n  condition: sel\n"
            ));
            assert_eq!(pattern(&e), &parts(&[lit(expected)]), "modifier {modifier}");
        }
        assert_eq!(
            error("  sel:\n    A|utf16: 'cmd'\n  condition: sel\n"),
            ValueError::NotText {
                field: "A".into(),
                modifier: "utf16".into()
            }
        );
    }

    #[test]
    fn base64_over_wildcard_is_an_error() {
        assert_eq!(
            error("  sel:\n    A|contains|base64: 'cmd'\n  condition: sel\n"),
            ValueError::WildcardInEncodedValue {
                field: "A".into(),
                modifier: "base64".into()
            }
        );
    }

    #[test]
    fn neq_negates_all_values() {
        let e = expr("  sel:\n    A|neq:\n      - x\n      - y\n  condition: sel\n");
        let Expr::Not(inner) = &e else {
            panic!("not a NOT: {e:?}")
        };
        assert_eq!(alternatives(inner).len(), 2);
    }

    #[test]
    fn cased_regex_cidr_fieldref_exists() {
        let e = expr("  sel:\n    A|cased: Foo\n  condition: sel\n");
        assert_eq!(
            pred(&e).test,
            Test::Pattern {
                value: Pattern::literal("Foo"),
                cased: true
            }
        );
        let e = expr("  sel:\n    A|re|i|s: '^a.b$'\n  condition: sel\n");
        assert_eq!(
            pred(&e).test,
            Test::Regex {
                pattern: "^a.b$".into(),
                flags: RegexFlags {
                    ignore_case: true,
                    multi_line: false,
                    dot_matches_new_line: true
                }
            }
        );
        let e = expr(
            "  sel:\n    A|cidr:\n      - 10.1.0.0/16\n      - '2001:db8::/32'\n  condition: sel\n",
        );
        let terms = alternatives(&e);
        assert_eq!(
            pred(&terms[0]).test,
            Test::Cidr(Network::V4 {
                address: std::net::Ipv4Addr::new(10, 1, 0, 0),
                prefix: 16
            })
        );
        assert!(matches!(
            pred(&terms[1]).test,
            Test::Cidr(Network::V6 { prefix: 32, .. })
        ));
        let e = expr("  sel:\n    A|fieldref|endswith: B\n  condition: sel\n");
        assert_eq!(
            pred(&e).test,
            Test::FieldRef {
                other: "B".into(),
                kind: FieldRefKind::EndsWith,
                cased: false
            }
        );
        let e = expr("  sel:\n    A|exists: false\n  condition: sel\n");
        assert_eq!(pred(&e).test, Test::Exists(false));
    }

    #[test]
    fn comparisons_and_time_parts() {
        let e = expr("  sel:\n    A|gte: 10\n  condition: sel\n");
        assert_eq!(
            pred(&e).test,
            Test::Compare {
                op: CompareOp::Gte,
                value: Number::Int(10)
            }
        );
        let e = expr("  sel:\n    A|hour: 23\n  condition: sel\n");
        assert_eq!(
            pred(&e).test,
            Test::TimePart {
                part: TimePart::Hour,
                value: 23
            }
        );
        assert!(matches!(
            error("  sel:\n    A|hour: 24\n  condition: sel\n"),
            ValueError::OutOfRange { .. }
        ));
        assert_eq!(
            error("  sel:\n    A|lt: abc\n  condition: sel\n"),
            ValueError::WrongValueType {
                field: "A".into(),
                modifier: "lt".into(),
                expected: "a number",
                found: "'abc'".into()
            }
        );
    }

    #[test]
    fn modifier_errors_name_field_and_modifier() {
        assert_eq!(
            error("  sel:\n    Image|contain: x\n  condition: sel\n"),
            ValueError::UnknownModifier {
                field: "Image".into(),
                modifier: "contain".into()
            }
        );
        assert_eq!(
            error("  sel:\n    A|contains|endswith: x\n  condition: sel\n"),
            ValueError::IncompatibleModifiers {
                field: "A".into(),
                first: "contains".into(),
                second: "endswith".into()
            }
        );
        assert_eq!(
            error("  sel:\n    A|i: x\n  condition: sel\n"),
            ValueError::MissingModifier {
                field: "A".into(),
                modifier: "i".into(),
                requires: "re"
            }
        );
        assert!(matches!(
            error("  sel:\n    A|cidr: 10.0.0.0/33\n  condition: sel\n"),
            ValueError::InvalidCidr { .. }
        ));
        assert!(matches!(
            error("  sel:\n    A|re: 'a(?!b)'\n  condition: sel\n"),
            ValueError::UnsupportedRegex { .. }
        ));
        assert!(matches!(
            error("  sel:\n    A|re: '(a)\\1'\n  condition: sel\n"),
            ValueError::UnsupportedRegex { .. }
        ));
        assert!(matches!(
            error("  sel:\n    A|re: 'a('\n  condition: sel\n"),
            ValueError::InvalidRegex { .. }
        ));
        assert!(matches!(
            error("  sel:\n    A|exists: maybe\n  condition: sel\n"),
            ValueError::WrongValueType { .. }
        ));
        assert_eq!(
            error("  sel:\n    A|re|contains: x\n  condition: sel\n"),
            ValueError::IncompatibleModifiers {
                field: "A".into(),
                first: "re".into(),
                second: "contains".into()
            }
        );
        assert_eq!(
            error("  sel:\n    A: []\n  condition: sel\n"),
            ValueError::EmptyList { field: "A".into() }
        );
        assert_eq!(
            error("  sel:\n    A|contains|all: x\n  condition: sel\n"),
            ValueError::AllOnSingleValue { field: "A".into() }
        );
        assert_eq!(
            error("  sel:\n    A|contains|all: [x]\n  condition: sel\n"),
            ValueError::AllOnSingleValue { field: "A".into() }
        );
        assert_eq!(
            error("  sel:\n    A:\n      b: c\n  condition: sel\n"),
            ValueError::MapValue { field: "A".into() }
        );
    }

    #[test]
    fn error_position_and_display() {
        let err = rule_with(
            "  sel:\n    Image|contain: x\n  condition: sel\n",
            &ParseOptions::default(),
        )
        .unwrap_err();
        assert_eq!(err.position, Position { line: 6, column: 5 });
        assert_eq!(err.item.as_deref(), Some("sel"));
        assert!(err.to_string().starts_with(
            "6:5: unknown modifier 'contain' on field 'Image' (detection item 'sel')"
        ));
    }
}
