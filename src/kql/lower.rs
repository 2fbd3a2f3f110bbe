//! Lowering: IR predicates plus the compiled mapping become KQL expressions.

use crate::ir::{
    self, CompareOp, FieldRefKind, Network, Number, Pattern, PatternPart, Predicate, Test, TimePart,
};
use crate::mapping::{
    self, Column, Fidelity, FieldMapping, KustoType, Source, Target, Transform, ValueMap,
};

use super::ast::{escape_regex, Expr, Literal, Op, Operand};
use super::error::{ConvertError, ConvertErrorKind, Warning};

mod event_values;

/// The result of lowering one subexpression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lowered {
    Expr(Expr),
    /// A predicate Defender cannot see, which an enclosing OR may drop (narrowing the match).
    Dropped {
        reason: String,
        item: String,
        position: ir::Position,
    },
}

/// State shared while lowering one query: the source and the warnings collected so far.
pub(crate) struct Lowering<'a> {
    pub source: &'a Source,
    pub warnings: &'a mut Vec<Warning>,
}

impl Lowering<'_> {
    /// Lowers a whole condition expression. A dropped alternative is allowed only directly
    /// inside an OR that is not negated; anywhere else dropping would widen the match.
    pub fn lower(&mut self, expr: &ir::Expr) -> Result<Expr, ConvertError> {
        match self.lower_expr(expr, false)? {
            Lowered::Expr(expr) => Ok(expr),
            Lowered::Dropped {
                reason,
                item,
                position,
            } => Err(ConvertError::new(
                ConvertErrorKind::UnsupportedValue,
                format!("{reason}, and nothing else in the condition remains to match"),
            )
            .at(&item, position)),
        }
    }

    fn lower_expr(&mut self, expr: &ir::Expr, negated: bool) -> Result<Lowered, ConvertError> {
        match expr {
            ir::Expr::Pred(predicate) => self.lower_predicate(predicate),
            ir::Expr::Not(inner) => match self.lower_expr(inner, !negated)? {
                Lowered::Expr(inner) => Ok(Lowered::Expr(Expr::negate(inner))),
                dropped => Err(widening_error(dropped, "under 'not'")),
            },
            ir::Expr::And(parts) => {
                let mut out = Vec::with_capacity(parts.len());
                for part in parts {
                    match self.lower_expr(part, negated)? {
                        Lowered::Expr(expr) => out.push(expr),
                        dropped => return Err(widening_error(dropped, "inside an AND")),
                    }
                }
                Ok(Lowered::Expr(Expr::and(out)))
            }
            ir::Expr::Or(parts) => {
                let mut out = Vec::with_capacity(parts.len());
                let mut dropped = Vec::new();
                for part in parts {
                    match self.lower_expr(part, negated)? {
                        Lowered::Expr(expr) => out.push(expr),
                        other => dropped.push(other),
                    }
                }
                if dropped.is_empty() {
                    return Ok(Lowered::Expr(Expr::or(out)));
                }
                if negated {
                    return Err(widening_error(dropped.swap_remove(0), "under 'not'"));
                }
                if out.is_empty() {
                    return Ok(dropped.swap_remove(0));
                }
                for entry in dropped {
                    if let Lowered::Dropped {
                        reason,
                        item,
                        position,
                    } = entry
                    {
                        self.warnings.push(Warning {
                            position: Some(position),
                            item: Some(item),
                            message: format!("{reason}: that alternative of the OR was left out, which narrows the match"),
                        });
                    }
                }
                Ok(Lowered::Expr(Expr::or(out)))
            }
        }
    }

    fn lower_predicate(&mut self, predicate: &Predicate) -> Result<Lowered, ConvertError> {
        let first_new_warning = self.warnings.len();
        let result = match &predicate.field {
            None => self.lower_keyword(predicate).map(Lowered::Expr),
            Some(name) => self.lower_field(name, predicate),
        };
        for warning in &mut self.warnings[first_new_warning..] {
            warning.position.get_or_insert(predicate.position);
            warning
                .item
                .get_or_insert_with(|| predicate.item.to_string());
        }
        result.map_err(|error| error.at(&predicate.item, predicate.position))
    }

    fn lower_keyword(&mut self, predicate: &Predicate) -> Result<Expr, ConvertError> {
        let columns = self.source.keyword_columns;
        if columns.is_empty() {
            return Err(ConvertError::new(
                ConvertErrorKind::UnsupportedFeature,
                format!(
                    "keywords (values without a field) cannot be searched in {}: the mapping names no text column for them; use a field instead",
                    self.source.table.name()
                ),
            ));
        }
        let pattern = match &predicate.test {
            Test::Pattern { value, cased } => (keyword_pattern(value), *cased),
            Test::Number { text, .. } => (keyword_pattern(&Pattern::literal(text.clone())), false),
            other => {
                return Err(ConvertError::new(
                    ConvertErrorKind::UnsupportedFeature,
                    format!("a keyword must be a string, not {}", describe_test(other)),
                ))
            }
        };
        let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
        let message = format!(
            "keywords are searched in {} only, not in every field of the event as a Sigma keyword search does",
            names.join(", ")
        );
        if !self.warnings.iter().any(|w| w.message == message) {
            self.warnings.push(Warning {
                position: Some(predicate.position),
                item: Some(predicate.item.to_string()),
                message,
            });
        }
        let parts = columns
            .iter()
            .map(|column| string_pattern(Operand::Column(column.name), &pattern.0, pattern.1))
            .collect();
        Ok(Expr::or(parts))
    }

    fn lower_field(&mut self, name: &str, predicate: &Predicate) -> Result<Lowered, ConvertError> {
        let mapping = self.lookup_field(name)?;
        if let Fidelity::Partial { note } = mapping.fidelity {
            let message = format!(
                "field '{name}' is mapped partially: {}",
                note.trim_end_matches('.')
            );
            if !self.warnings.iter().any(|w| w.message == message) {
                self.warnings.push(Warning {
                    position: Some(predicate.position),
                    item: Some(predicate.item.to_string()),
                    message,
                });
            }
        }
        if let Test::Pattern { value, .. } = &predicate.test {
            if let Some(PatternPart::Literal(last)) = value.parts.last() {
                if last.ends_with('*') {
                    self.warnings.push(Warning {
                        position: Some(predicate.position),
                        item: Some(predicate.item.to_string()),
                        message: format!(
                            "the value of field '{name}' ends in an escaped, literal '*' (written '\\*'); if the backslash is a path separator followed by a wildcard, write '\\\\*'"
                        ),
                    });
                }
            }
        }
        if let Some(transform) = mapping.transform {
            return self.apply_transform(transform, mapping, predicate);
        }
        if let (Some(_), Target::Column(_) | Target::Additional { .. }) =
            (mapping.value_map, mapping.target)
        {
            let (operand, ty) = single_operand(mapping)?;
            return lower_mapped_value(name, mapping, operand, ty, &predicate.test, self.source)
                .map(Lowered::Expr);
        }
        match mapping.target {
                Target::Column(column) => lower_test(Operand::Column(column.name), column.ty, &predicate.test, self.source)
                    .map(Lowered::Expr),
                Target::Additional { key, ty } => {
                    lower_test(additional_operand(key, ty), ty, &predicate.test, self.source).map(Lowered::Expr)
                }
                Target::None { reason } => Err(no_column_error(name, self.source, reason)),
                Target::ActionType => lower_action_type(name, mapping, &predicate.test).map(Lowered::Expr),
                Target::Columns(_) => Err(ConvertError::new(
                    ConvertErrorKind::UnmappedField,
                    format!("field '{name}' needs a value transform, and the mapping names none (mapping.yaml entry at {})", mapping.defined_at),
                )),
        }
    }

    fn lookup_field(&self, name: &str) -> Result<&'static FieldMapping, ConvertError> {
        match mapping::field(self.source.field_set, name) {
            Some(mapping) => match mapping.target {
                Target::None { reason } => Err(no_column_error(name, self.source, reason)),
                _ => Ok(mapping),
            },
            None => Err(ConvertError::new(
                ConvertErrorKind::UnmappedField,
                format!(
                    "field '{name}' has no column in {}; the fields mapped for this log source are: {}",
                    self.source.table.name(),
                    offered_fields(self.source)
                ),
            )),
        }
    }

    /// Applies a value transform. The match is exhaustive on purpose: a transform added to
    /// `mapping.yaml` does not compile until it is handled here.
    fn apply_transform(
        &mut self,
        transform: Transform,
        mapping: &'static FieldMapping,
        predicate: &Predicate,
    ) -> Result<Lowered, ConvertError> {
        let name = mapping.name;
        match transform {
            Transform::Hashes => self.lower_hashes(mapping, predicate),
            Transform::DomainUser => {
                lower_domain_user(mapping, &predicate.test, self.source).map(Lowered::Expr)
            }
            Transform::RegistryPath => {
                lower_registry_path(mapping, &predicate.test, self.source).map(Lowered::Expr)
            }
            Transform::RegistryDetails => {
                let (data, value_type) = match mapping.target {
                    Target::Column(column) => (column, None),
                    Target::Columns(roles) => {
                        let role = |wanted: &str| {
                            roles.iter().find(|(r, _)| *r == wanted).map(|(_, c)| *c)
                        };
                        let Some(data) = role("data") else {
                            return Err(spec_shape_error(mapping, "'data' column"));
                        };
                        (data, role("type"))
                    }
                    _ => return Err(spec_shape_error(mapping, "value data column")),
                };
                lower_registry_details(data, value_type, &predicate.test, self.source)
                    .map(Lowered::Expr)
            }
            Transform::ParentFileName => {
                let column = single_column(mapping)?;
                lower_parent_file_name(name, column, &predicate.test).map(Lowered::Expr)
            }
            Transform::AccessMask => {
                let (operand, _) = single_operand(mapping)?;
                lower_access_mask(name, operand, &predicate.test).map(Lowered::Expr)
            }
            Transform::PipeName => {
                let (operand, ty) = single_operand(mapping)?;
                let prefix = mapping
                    .value_map
                    .and_then(|map| mapping::value_map(map, "local"))
                    .ok_or_else(|| {
                        spec_shape_error(mapping, "value map with the 'local' pipe prefix")
                    })?;
                lower_pipe_name(operand, ty, prefix, &predicate.test, self.source)
                    .map(Lowered::Expr)
            }
            Transform::HexNumber => {
                let (operand, ty) = single_operand(mapping)?;
                lower_hex_number(
                    name,
                    operand,
                    ty,
                    &predicate.test,
                    self.source,
                    self.warnings,
                )
                .map(Lowered::Expr)
            }
            Transform::NetworkDirection => {
                lower_network_direction(mapping, &predicate.test).map(Lowered::Expr)
            }
            Transform::ImpliedValue => {
                event_values::lower_implied_value(mapping, &predicate.test).map(Lowered::Expr)
            }
            Transform::UnknownPlaceholder => {
                event_values::lower_unknown_placeholder(mapping, &predicate.test, self.source)
                    .map(Lowered::Expr)
            }
            Transform::BracedGuid => {
                event_values::lower_braced_guid(mapping, &predicate.test, self.source)
                    .map(Lowered::Expr)
            }
        }
    }

    fn lower_hashes(
        &mut self,
        mapping: &'static FieldMapping,
        predicate: &Predicate,
    ) -> Result<Lowered, ConvertError> {
        let Target::Columns(roles) = mapping.target else {
            return Err(spec_shape_error(mapping, "hash columns"));
        };
        let (text, kind) = match &predicate.test {
            Test::Pattern { value, .. } => hash_text(value).ok_or_else(|| {
                ConvertError::new(
                    ConvertErrorKind::UnsupportedValue,
                    format!("hash value '{value}' must be ALGORITHM=hex or a bare hex digest, with at most a leading and trailing '*'"),
                )
            })?,
            other => {
                return Err(ConvertError::new(
                    ConvertErrorKind::UnsupportedValue,
                    format!("field '{}' takes hash strings, not {}", mapping.name, describe_test(other)),
                ))
            }
        };
        let algorithms: Vec<String> = match text.split_once('=') {
            Some((algorithm, _)) => vec![algorithm.to_ascii_lowercase()],
            None => match text.len() {
                32 => vec!["md5".into()],
                40 => vec!["sha1".into()],
                64 => vec!["sha256".into()],
                _ => {
                    return Err(ConvertError::new(
                        ConvertErrorKind::UnsupportedValue,
                        format!("hash value '{text}' has no algorithm prefix and its length matches no MD5, SHA1 or SHA256 digest"),
                    ))
                }
            },
        };
        let digest = text
            .split_once('=')
            .map_or(text.as_str(), |(_, digest)| digest);
        let mut parts = Vec::new();
        for algorithm in &algorithms {
            match roles
                .iter()
                .find(|(role, _)| role.eq_ignore_ascii_case(algorithm))
            {
                Some((_, column)) => {
                    let op = if kind == HashMatch::Exact {
                        Op::Equal
                    } else {
                        Op::Contains
                    };
                    parts.push(Expr::Compare {
                        lhs: Operand::Column(column.name),
                        op,
                        rhs: Literal::String(digest.to_ascii_lowercase()),
                    });
                }
                None => {
                    return Ok(Lowered::Dropped {
                        reason: format!(
                            "{} has no {} column, so the hash '{text}' cannot be matched",
                            self.source.table.name(),
                            algorithm.to_ascii_uppercase()
                        ),
                        item: predicate.item.to_string(),
                        position: predicate.position,
                    });
                }
            }
        }
        Ok(Lowered::Expr(Expr::or(parts)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HashMatch {
    Exact,
    Substring,
}

/// Extracts `ALGO=hex` (or a bare digest) from a hash pattern. `Hashes|contains: 'SHA1=ab..'`
/// is the usual spelling; a digest of full length compared by substring is an exact match.
fn hash_text(value: &Pattern) -> Option<(String, HashMatch)> {
    let mut parts: &[PatternPart] = &value.parts;
    let mut wildcard = false;
    if parts.first() == Some(&PatternPart::AnyRun) {
        parts = &parts[1..];
        wildcard = true;
    }
    if parts.last() == Some(&PatternPart::AnyRun) {
        parts = &parts[..parts.len() - 1];
        wildcard = true;
    }
    let [PatternPart::Literal(text)] = parts else {
        return None;
    };
    let text = text.trim().to_owned();
    let digest = text.split_once('=').map_or(text.as_str(), |(_, d)| d);
    if digest.is_empty() || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let full_length = matches!(digest.len(), 32 | 40 | 64);
    let kind = if full_length || !wildcard {
        HashMatch::Exact
    } else {
        HashMatch::Substring
    };
    Some((text, kind))
}

fn widening_error(dropped: Lowered, place: &str) -> ConvertError {
    match dropped {
        Lowered::Dropped {
            reason,
            item,
            position,
        } => ConvertError::new(
            ConvertErrorKind::UnsupportedValue,
            format!("{reason}, and leaving it out {place} would widen the match"),
        )
        .at(&item, position),
        Lowered::Expr(_) => ConvertError::new(
            ConvertErrorKind::UnsupportedValue,
            "internal: nothing was dropped",
        ),
    }
}

fn no_column_error(name: &str, source: &Source, reason: &str) -> ConvertError {
    ConvertError::new(
        ConvertErrorKind::UnmappedField,
        format!(
            "field '{name}' cannot be converted for {}: {}; the fields mapped for this log source are: {}",
            source.table.name(),
            reason.trim_end_matches('.'),
            offered_fields(source)
        ),
    )
}

/// Lists the Sigma fields the source maps to a column, for error messages.
pub(crate) fn offered_fields(source: &Source) -> String {
    let names: Vec<&str> = mapping::fields(source.field_set)
        .iter()
        .filter(|f| !matches!(f.target, Target::None { .. }))
        .map(|f| f.name)
        .collect();
    if names.is_empty() {
        "(none)".to_owned()
    } else {
        names.join(", ")
    }
}

fn spec_shape_error(mapping: &FieldMapping, expected: &str) -> ConvertError {
    ConvertError::new(
        ConvertErrorKind::UnmappedField,
        format!(
            "the mapping of field '{}' (mapping.yaml entry at {}) does not name the {expected} its transform needs",
            mapping.name, mapping.defined_at
        ),
    )
}

fn single_column(mapping: &FieldMapping) -> Result<Column, ConvertError> {
    match mapping.target {
        Target::Column(column) => Ok(column),
        _ => Err(spec_shape_error(mapping, "column")),
    }
}

fn single_operand(mapping: &FieldMapping) -> Result<(Operand, KustoType), ConvertError> {
    match mapping.target {
        Target::Column(column) => Ok((Operand::Column(column.name), column.ty)),
        Target::Additional { key, ty } => Ok((additional_operand(key, ty), ty)),
        _ => Err(spec_shape_error(mapping, "column or AdditionalFields key")),
    }
}

/// Returns the operand that reads one member of the `AdditionalFields` JSON, cast to `ty`.
pub(crate) fn additional_operand(key: &str, ty: KustoType) -> Operand {
    let cast = match ty {
        KustoType::Long => "tolong",
        KustoType::Int => "toint",
        KustoType::Real => "todouble",
        KustoType::Bool => "tobool",
        KustoType::Datetime => "todatetime",
        KustoType::Guid => "toguid",
        KustoType::Timespan => "totimespan",
        KustoType::String | KustoType::Dynamic => "tostring",
    };
    let is_identifier = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if is_identifier {
        Operand::Computed(format!("{cast}(parse_json(AdditionalFields).{key})"))
    } else {
        Operand::Computed(format!(
            "{cast}(parse_json(AdditionalFields)[{}])",
            super::ast::string_literal(key)
        ))
    }
}

/// Keywords search text anywhere in a column: a keyword without wildcards at its ends is a
/// substring test, as Sigma's full-text keyword search means.
fn keyword_pattern(value: &Pattern) -> Pattern {
    let mut pattern = Pattern::default();
    if value.parts.first() != Some(&PatternPart::AnyRun) {
        pattern.push_wildcard(PatternPart::AnyRun);
    }
    for part in &value.parts {
        match part {
            PatternPart::Literal(text) => pattern.push_literal(text),
            other => pattern.push_wildcard(other.clone()),
        }
    }
    if value.parts.last() != Some(&PatternPart::AnyRun) {
        pattern.push_wildcard(PatternPart::AnyRun);
    }
    pattern
}

/// Lowers a test on one operand of type `ty`, with no transform.
pub(crate) fn lower_test(
    operand: Operand,
    ty: KustoType,
    test: &Test,
    source: &Source,
) -> Result<Expr, ConvertError> {
    match test {
        Test::Pattern { value, cased } => {
            if ty.is_numeric() {
                if let Some(number) = value.as_literal().and_then(|text| parse_integer(&text)) {
                    return Ok(Expr::Compare { lhs: operand, op: Op::EqualCased, rhs: Literal::Long(number) });
                }
                return Ok(string_pattern(to_string_operand(operand), value, *cased));
            }
            if ty == KustoType::Bool {
                if let Some(b) = value.as_literal().and_then(|t| parse_bool(&t)) {
                    return Ok(Expr::Compare { lhs: operand, op: Op::EqualCased, rhs: Literal::Bool(b) });
                }
                return Ok(string_pattern(to_string_operand(operand), value, *cased));
            }
            if ty == KustoType::String || ty == KustoType::Dynamic {
                return Ok(string_pattern(text_operand(operand, ty), value, *cased));
            }
            Ok(string_pattern(to_string_operand(operand), value, *cased))
        }
        Test::Number { value, text } => {
            if ty.is_numeric() {
                let rhs = match value {
                    Number::Int(n) => Literal::Long(*n),
                    Number::Float(x) => Literal::Real(*x),
                };
                return Ok(Expr::Compare { lhs: operand, op: Op::EqualCased, rhs });
            }
            if ty == KustoType::String || ty == KustoType::Dynamic {
                return Ok(Expr::Compare { lhs: text_operand(operand, ty), op: Op::Equal, rhs: Literal::String(text.clone()) });
            }
            Ok(Expr::Compare { lhs: to_string_operand(operand), op: Op::Equal, rhs: Literal::String(text.clone()) })
        }
        Test::Bool(b) => {
            if ty == KustoType::Bool {
                return Ok(Expr::Compare { lhs: operand, op: Op::EqualCased, rhs: Literal::Bool(*b) });
            }
            if ty.is_numeric() {
                return Ok(Expr::Compare { lhs: operand, op: Op::EqualCased, rhs: Literal::Long(i64::from(*b)) });
            }
            Ok(Expr::Compare {
                lhs: text_operand(operand, ty),
                op: Op::Equal,
                rhs: Literal::String(if *b { "true" } else { "false" }.to_owned()),
            })
        }
        Test::Null => Ok(null_test(operand, ty, true)),
        Test::Exists(exists) => Ok(null_test(operand, ty, !exists)),
        Test::Regex { pattern, flags } => {
            let mut text = String::new();
            let mut prefix = String::new();
            if flags.ignore_case {
                prefix.push('i');
            }
            if flags.multi_line {
                prefix.push('m');
            }
            if flags.dot_matches_new_line {
                prefix.push('s');
            }
            if !prefix.is_empty() {
                text.push_str("(?");
                text.push_str(&prefix);
                text.push(')');
            }
            text.push_str(pattern);
            let lhs = if ty == KustoType::String { operand } else { to_string_operand(operand) };
            Ok(Expr::Compare { lhs, op: Op::MatchesRegex, rhs: Literal::String(text) })
        }
        Test::Cidr(network) => {
            let (function, range) = match network {
                Network::V4 { .. } => ("ipv4_is_in_range", network.to_string()),
                Network::V6 { .. } => ("ipv6_is_in_range", network.to_string()),
            };
            let lhs = if ty == KustoType::String { operand } else { to_string_operand(operand) };
            Ok(Expr::NullAsFalse(Box::new(Expr::Call {
                function,
                operand: lhs,
                arguments: vec![Literal::String(range)],
            })))
        }
        Test::Compare { .. } if !ty.is_numeric() => Err(ConvertError::new(
            ConvertErrorKind::UnsupportedValue,
            format!(
                "comparison modifiers (lt, lte, gt, gte) need a numeric column, and this field maps to {} of type {}",
                describe_operand(&operand),
                ty.name()
            ),
        )),
        Test::Compare { op, value } => {
            let lhs = if ty.is_numeric() {
                operand
            } else {
                match value {
                    Number::Int(_) => wrap_operand("tolong", operand),
                    Number::Float(_) => wrap_operand("todouble", operand),
                }
            };
            let op = match op {
                CompareOp::Lt => Op::Less,
                CompareOp::Lte => Op::LessOrEqual,
                CompareOp::Gt => Op::Greater,
                CompareOp::Gte => Op::GreaterOrEqual,
            };
            let rhs = match value {
                Number::Int(n) => Literal::Long(*n),
                Number::Float(x) => Literal::Real(*x),
            };
            Ok(Expr::Compare { lhs, op, rhs })
        }
        Test::FieldRef { other, kind, cased } => {
            let other_mapping = match mapping::field(source.field_set, other) {
                Some(m) if m.transform.is_none() => m,
                Some(_) | None => {
                    return Err(ConvertError::new(
                        ConvertErrorKind::UnmappedField,
                        format!(
                            "the field '{other}' named by fieldref has no plain column in {}; the fields mapped for this log source are: {}",
                            source.table.name(),
                            offered_fields(source)
                        ),
                    ))
                }
            };
            let rhs = match other_mapping.target {
                Target::Column(column) => Operand::Column(column.name),
                Target::Additional { key, ty } => additional_operand(key, ty),
                _ => {
                    return Err(ConvertError::new(
                        ConvertErrorKind::UnmappedField,
                        format!("the field '{other}' named by fieldref has no column in {}", source.table.name()),
                    ))
                }
            };
            let op = match (kind, cased) {
                (FieldRefKind::Equals, false) => Op::Equal,
                (FieldRefKind::Equals, true) => Op::EqualCased,
                (FieldRefKind::Contains, false) => Op::Contains,
                (FieldRefKind::Contains, true) => Op::ContainsCased,
                (FieldRefKind::StartsWith, false) => Op::StartsWith,
                (FieldRefKind::StartsWith, true) => Op::StartsWithCased,
                (FieldRefKind::EndsWith, false) => Op::EndsWith,
                (FieldRefKind::EndsWith, true) => Op::EndsWithCased,
            };
            Ok(Expr::CompareColumns { lhs: operand, op, rhs })
        }
        Test::TimePart { part, value } => {
            if ty != KustoType::Datetime {
                return Err(ConvertError::new(
                    ConvertErrorKind::UnsupportedFeature,
                    format!("a time-part modifier needs a datetime column, and this field is a {} column", ty.name()),
                ));
            }
            let name = match part {
                TimePart::Minute => "minute",
                TimePart::Hour => "hour",
                TimePart::Day => "day",
                TimePart::Week => "week_of_year",
                TimePart::Month => "month",
                TimePart::Year => "year",
            };
            let mut text = String::new();
            text.push_str("datetime_part(\"");
            text.push_str(name);
            text.push_str("\", ");
            push_operand(&operand, &mut text);
            text.push(')');
            Ok(Expr::Compare { lhs: Operand::Computed(text), op: Op::EqualCased, rhs: Literal::Long(*value) })
        }
    }
}

fn describe_operand(operand: &Operand) -> &str {
    match operand {
        Operand::Column(name) => name,
        Operand::Computed(text) => text,
    }
}

fn push_operand(operand: &Operand, out: &mut String) {
    match operand {
        Operand::Column(name) => out.push_str(name),
        Operand::Computed(text) => out.push_str(text),
    }
}

fn wrap_operand(function: &str, operand: Operand) -> Operand {
    let mut text = String::with_capacity(32);
    text.push_str(function);
    text.push('(');
    push_operand(&operand, &mut text);
    text.push(')');
    Operand::Computed(text)
}

fn to_string_operand(operand: Operand) -> Operand {
    if let Operand::Computed(text) = &operand {
        if text.starts_with("tostring(") {
            return operand;
        }
    }
    wrap_operand("tostring", operand)
}

fn text_operand(operand: Operand, ty: KustoType) -> Operand {
    if ty == KustoType::Dynamic {
        to_string_operand(operand)
    } else {
        operand
    }
}

fn null_test(operand: Operand, ty: KustoType, is_null: bool) -> Expr {
    let function = match (ty == KustoType::String, is_null) {
        (true, true) => "isempty",
        (true, false) => "isnotempty",
        (false, true) => "isnull",
        (false, false) => "isnotnull",
    };
    let operand = if ty == KustoType::Dynamic {
        to_string_operand(operand)
    } else {
        operand
    };
    let function = if ty == KustoType::Dynamic {
        if is_null {
            "isempty"
        } else {
            "isnotempty"
        }
    } else {
        function
    };
    Expr::Call {
        function,
        operand,
        arguments: Vec::new(),
    }
}

fn parse_integer(text: &str) -> Option<i64> {
    let trimmed = text.trim();
    if let Some(hex) = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
    {
        return i64::from_str_radix(hex, 16).ok();
    }
    trimmed.parse::<i64>().ok()
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Lowers a Sigma string pattern on a string operand.
///
/// Wildcards only at the ends become `=~`, `contains`, `startswith` or `endswith` (the `_cs`
/// forms when `cased`). A wildcard anywhere else makes the whole value an anchored regex,
/// `(?i)` unless cased, with `*` as `.*` and `?` as exactly one character.
pub(crate) fn string_pattern(operand: Operand, value: &Pattern, cased: bool) -> Expr {
    let mut parts: &[PatternPart] = &value.parts;
    let mut anchored_start = true;
    let mut anchored_end = true;
    while parts.first() == Some(&PatternPart::AnyRun) {
        parts = &parts[1..];
        anchored_start = false;
    }
    while parts.last() == Some(&PatternPart::AnyRun) {
        parts = &parts[..parts.len() - 1];
        anchored_end = false;
    }
    match parts {
        [] => {
            let function = if anchored_start && anchored_end {
                "isempty"
            } else {
                "isnotempty"
            };
            Expr::Call {
                function,
                operand,
                arguments: Vec::new(),
            }
        }
        [PatternPart::Literal(text)] => {
            let op = match (anchored_start, anchored_end, cased) {
                (true, true, false) => Op::Equal,
                (true, true, true) => Op::EqualCased,
                (false, false, false) => Op::Contains,
                (false, false, true) => Op::ContainsCased,
                (true, false, false) => Op::StartsWith,
                (true, false, true) => Op::StartsWithCased,
                (false, true, false) => Op::EndsWith,
                (false, true, true) => Op::EndsWithCased,
            };
            Expr::Compare {
                lhs: operand,
                op,
                rhs: Literal::String(text.clone()),
            }
        }
        _ => {
            let mut regex = String::with_capacity(32);
            // NOTE: without the `s` flag RE2's `.` stops at line breaks, so `*` does not span
            // the lines of a multi-line value; the flag is left off to keep the form that
            // other Defender converters and their reviewers expect.
            if !cased {
                regex.push_str("(?i)");
            }
            if anchored_start {
                regex.push('^');
            }
            for part in parts {
                match part {
                    PatternPart::Literal(text) => escape_regex(text, &mut regex),
                    PatternPart::AnyRun => regex.push_str(".*"),
                    PatternPart::AnyOne => regex.push('.'),
                }
            }
            if anchored_end {
                regex.push('$');
            }
            Expr::Compare {
                lhs: operand,
                op: Op::MatchesRegex,
                rhs: Literal::String(regex),
            }
        }
    }
}

fn describe_test(test: &Test) -> &'static str {
    match test {
        Test::Pattern { .. } => "a string",
        Test::Number { .. } => "a number",
        Test::Bool(_) => "a boolean",
        Test::Null => "null",
        Test::Exists(_) => "an exists test",
        Test::Regex { .. } => "a regular expression",
        Test::Cidr(_) => "a network range",
        Test::Compare { .. } => "a numeric comparison",
        Test::FieldRef { .. } => "a field reference",
        Test::TimePart { .. } => "a time part",
    }
}

fn unsupported(message: String) -> ConvertError {
    ConvertError::new(ConvertErrorKind::UnsupportedValue, message)
}

/// Maps each literal part of a pattern through `rewrite`, keeping the wildcards.
fn map_literals(value: &Pattern, mut rewrite: impl FnMut(usize, &str) -> String) -> Pattern {
    let mut out = Pattern::default();
    for (index, part) in value.parts.iter().enumerate() {
        match part {
            PatternPart::Literal(text) => out.push_literal(&rewrite(index, text)),
            other => out.push_wildcard(other.clone()),
        }
    }
    out
}

/// `DOMAIN\user` compared against the domain and name columns. An exact value with one
/// backslash uses both columns directly; any other pattern is matched against
/// `strcat(domain, @"\", name)`, which is what the Sysmon field holds.
fn lower_domain_user(
    mapping: &FieldMapping,
    test: &Test,
    source: &Source,
) -> Result<Expr, ConvertError> {
    let Target::Columns(roles) = mapping.target else {
        return Err(spec_shape_error(mapping, "domain and name columns"));
    };
    let domain = roles
        .iter()
        .find(|(role, _)| *role == "domain")
        .map(|(_, c)| *c);
    let name = roles
        .iter()
        .find(|(role, _)| *role == "name")
        .map(|(_, c)| *c);
    let (Some(domain), Some(name)) = (domain, name) else {
        return Err(spec_shape_error(mapping, "'domain' and 'name' columns"));
    };
    match test {
        Test::Pattern { value, cased } => {
            if let Some(text) = value.as_literal() {
                if let Some((domain_text, user_text)) = text.split_once('\\') {
                    if !user_text.contains('\\') {
                        let op = if *cased { Op::EqualCased } else { Op::Equal };
                        return Ok(Expr::and(vec![
                            Expr::Compare {
                                lhs: Operand::Column(domain.name),
                                op,
                                rhs: Literal::String(domain_text.to_owned()),
                            },
                            Expr::Compare {
                                lhs: Operand::Column(name.name),
                                op,
                                rhs: Literal::String(user_text.to_owned()),
                            },
                        ]));
                    }
                }
            }
            Ok(string_pattern(joined_account(domain, name), value, *cased))
        }
        Test::Null | Test::Exists(_) => {
            lower_test(Operand::Column(name.name), name.ty, test, source)
        }
        other => lower_test(
            joined_account(domain, name),
            KustoType::String,
            other,
            source,
        ),
    }
}

fn joined_account(domain: Column, name: Column) -> Operand {
    Operand::Computed(format!(
        "iff(isempty({d}), {n}, strcat({d}, @\"\\\", {n}))",
        d = domain.name,
        n = name.name
    ))
}

/// Sysmon's `TargetObject` is the key path, followed by `\value name` for value events.
/// Defender splits the two into `RegistryKey` and `RegistryValueName` (and keeps the old
/// path of deleted or renamed keys in the `Previous*` columns), so the query compares the
/// pattern with the joined path after rewriting Sysmon's hive names to Defender's.
fn lower_registry_path(
    mapping: &FieldMapping,
    test: &Test,
    source: &Source,
) -> Result<Expr, ConvertError> {
    let Target::Columns(roles) = mapping.target else {
        return Err(spec_shape_error(
            mapping,
            "registry key and value name columns",
        ));
    };
    let role = |wanted: &str| roles.iter().find(|(r, _)| *r == wanted).map(|(_, c)| *c);
    let Some(key) = role("key") else {
        return Err(spec_shape_error(mapping, "'key' column"));
    };
    let current = registry_joined(key, role("value_name"), source.action_types);
    let operand = match role("previous_key") {
        Some(previous_key) => {
            let previous = registry_joined(
                previous_key,
                role("previous_value_name"),
                source.action_types,
            );
            Operand::Computed(format!(
                "iff(ActionType in ({}), {previous}, {current})",
                registry_action_types(|kind| kind.starts_with("previous"))
            ))
        }
        None => Operand::Computed(current),
    };
    match test {
        Test::Pattern { value, cased } => {
            let rewritten = rewrite_registry_pattern(value, mapping.value_map);
            Ok(string_pattern(operand, &rewritten, *cased))
        }
        other => lower_test(operand, KustoType::String, other, source),
    }
}

/// Returns the KQL text of Sysmon's `TargetObject` for one pair of key and value name
/// columns. A value event without a value name is the key's default value, which Sysmon
/// writes as `key\(Default)`; a key event has no value name and is the key alone. When the
/// source's ActionTypes are all value events or all key events, the shorter form is used.
fn registry_joined(key: Column, value_name: Option<Column>, action_types: &[&str]) -> String {
    let Some(value) = value_name else {
        return key.name.to_owned();
    };
    let (k, v) = (key.name, value.name);
    let kind_of =
        |action: &str| mapping::value_map(ValueMap::RegistryActionKinds, action).unwrap_or("");
    let value_events =
        !action_types.is_empty() && action_types.iter().all(|a| kind_of(a).ends_with("value"));
    let key_events =
        !action_types.is_empty() && action_types.iter().all(|a| kind_of(a).ends_with("key"));
    if value_events {
        format!("strcat({k}, @\"\\\", iff(isempty({v}), \"(Default)\", {v}))")
    } else if key_events {
        format!("iff(isempty({v}), {k}, strcat({k}, @\"\\\", {v}))")
    } else {
        let value_actions = registry_action_types(|kind| kind.ends_with("value"));
        format!("iff(isempty({v}), iff(ActionType in ({value_actions}), strcat({k}, @\"\\(Default)\"), {k}), strcat({k}, @\"\\\", {v}))")
    }
}

/// Lists, as quoted KQL strings, the registry ActionTypes whose kind in the
/// `registry_action_kinds` value map passes `wanted`.
fn registry_action_types(wanted: impl Fn(&str) -> bool) -> String {
    let names: Vec<String> = mapping::value_map_entries(ValueMap::RegistryActionKinds)
        .iter()
        .filter(|(_, kind)| wanted(kind))
        .map(|(action, _)| super::ast::string_literal(action))
        .collect();
    names.join(", ")
}

/// Rewrites the hive at the start of the pattern with the field's ordered value map, such
/// as `HKLM\` → `HKEY_LOCAL_MACHINE\`. The first matching prefix wins. Path segments anywhere
/// in the pattern are then rewritten with `registry_path_rewrites`, such as
/// `\CurrentControlSet\` → `\ControlSet001\`.
fn rewrite_registry_pattern(value: &Pattern, map: Option<ValueMap>) -> Pattern {
    let prefixes = map.map_or(&[][..], mapping::value_map_entries);
    let infixes = mapping::value_map_entries(ValueMap::RegistryPathRewrites);
    // Sysmon paths always start with the hive, so a leading `*` before a hive name (as in
    // `TargetObject|contains: 'HKU\'`) still marks the start of the path.
    let first_literal = match value.parts.first() {
        Some(PatternPart::AnyRun) => 1,
        _ => 0,
    };
    map_literals(value, |index, text| {
        let mut text = text.to_owned();
        if index == first_literal {
            if let Some((from, to)) = prefixes
                .iter()
                .find(|(from, _)| starts_with_ignore_ascii_case(&text, from))
            {
                text = format!("{to}{}", &text[from.len()..]);
            }
        }
        for (from, to) in infixes {
            text = replace_ignore_ascii_case(&text, from, to);
            // After a leading `*` the text may start inside the path, right after the
            // separator of the segment (`*CurrentControlSet\Services\...`).
            if index == 1 && first_literal == 1 {
                if let (Some(bare_from), Some(bare_to)) =
                    (from.strip_prefix('\\'), to.strip_prefix('\\'))
                {
                    if starts_with_ignore_ascii_case(&text, bare_from) {
                        text = format!("{bare_to}{}", &text[bare_from.len()..]);
                    }
                }
            }
        }
        text
    })
}

fn starts_with_ignore_ascii_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn replace_ignore_ascii_case(text: &str, from: &str, to: &str) -> String {
    if from.is_empty() {
        return text.to_owned();
    }
    let lower = text.to_ascii_lowercase();
    let needle = from.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut start = 0;
    while let Some(found) = lower[start..].find(&needle) {
        let at = start + found;
        out.push_str(&text[start..at]);
        out.push_str(to);
        start = at + needle.len();
    }
    out.push_str(&text[start..]);
    out
}

/// Sysmon writes DWORD and QWORD registry data as `DWORD (0x0000000a)`; Defender stores the
/// decimal text `10`. Such a value is rewritten to the decimal text and compared exactly;
/// other data (strings, paths) compares as written.
///
/// Sysmon's placeholders for other data become tests Defender can run: `(Empty)` is the
/// empty string, and `Binary Data` is a value of type `Binary` (the `type` column), whose
/// data Defender does not record as text.
fn lower_registry_details(
    column: Column,
    value_type: Option<Column>,
    test: &Test,
    source: &Source,
) -> Result<Expr, ConvertError> {
    let Test::Pattern { value, cased } = test else {
        return lower_test(Operand::Column(column.name), column.ty, test, source);
    };
    let mut inner: &[PatternPart] = &value.parts;
    while inner.first() == Some(&PatternPart::AnyRun) {
        inner = &inner[1..];
    }
    while inner.last() == Some(&PatternPart::AnyRun) {
        inner = &inner[..inner.len() - 1];
    }
    if let [PatternPart::Literal(text)] = inner {
        // Sysmon writes an empty value as `(Empty)`; Defender stores the empty string.
        if text.eq_ignore_ascii_case("(Empty)") {
            return Ok(Expr::Call {
                function: "isempty",
                operand: Operand::Column(column.name),
                arguments: Vec::new(),
            });
        }
        if text.eq_ignore_ascii_case("Binary Data") {
            let Some(value_type) = value_type else {
                return Err(unsupported("registry data 'Binary Data' is Sysmon's placeholder for binary values, and this source maps no value type column to test instead".to_owned()));
            };
            return Ok(Expr::Compare {
                lhs: Operand::Column(value_type.name),
                op: Op::Equal,
                rhs: Literal::String("Binary".to_owned()),
            });
        }
        if let Some(decimal) = parse_registry_number(text) {
            return Ok(Expr::Compare {
                lhs: Operand::Column(column.name),
                op: Op::EqualCased,
                rhs: Literal::String(decimal),
            });
        }
    }
    let mentions_number_form = value.parts.iter().any(|p| match p {
        PatternPart::Literal(text) => {
            let upper = text.to_ascii_uppercase();
            upper.contains("DWORD (") || upper.contains("QWORD (")
        }
        _ => false,
    });
    if mentions_number_form {
        return Err(unsupported(format!(
            "registry data '{value}' is part of Sysmon's DWORD/QWORD text; Defender stores the number as decimal text, so only a whole 'DWORD (0x...)' value can be rewritten"
        )));
    }
    Ok(string_pattern(Operand::Column(column.name), value, *cased))
}

/// Parses `DWORD (0x0000000a)` or `QWORD (0x00000001-0x00000000)` (high part first) into
/// decimal text.
fn parse_registry_number(text: &str) -> Option<String> {
    let upper = text.trim().to_ascii_uppercase();
    let inner = upper
        .strip_prefix("DWORD (")
        .or_else(|| upper.strip_prefix("QWORD ("))?
        .strip_suffix(')')?;
    let value: u64 = if let Some((high, low)) = inner.split_once('-') {
        let high = u64::from_str_radix(high.trim().strip_prefix("0X")?, 16).ok()?;
        let low = u64::from_str_radix(low.trim().strip_prefix("0X")?, 16).ok()?;
        (high << 32) | (low & 0xffff_ffff)
    } else {
        u64::from_str_radix(inner.trim().strip_prefix("0X")?, 16).ok()?
    };
    Some(value.to_string())
}

/// Outside the process table only the parent's file name is recorded. A pattern that ends
/// in `\name` (or is a bare `name` suffix) compares exactly on it; any other pattern over
/// the path cannot be expressed.
fn lower_parent_file_name(name: &str, column: Column, test: &Test) -> Result<Expr, ConvertError> {
    let Test::Pattern { value, cased } = test else {
        return Err(unsupported(format!("field '{name}' here holds only the parent's file name, so only path patterns ending in '\\name' can be matched")));
    };
    let parts: &[PatternPart] = &value.parts;
    let text = match parts {
        [PatternPart::AnyRun, PatternPart::Literal(text)] => text,
        [PatternPart::Literal(text)] if !text.contains('\\') => text,
        _ => {
            return Err(unsupported(format!(
                "field '{name}' is only recorded as the parent's file name in {}, so the path pattern '{value}' cannot be matched; only patterns ending in '\\name' can",
                column.name
            )))
        }
    };
    let (op_exact, op_suffix) = if *cased {
        (Op::EqualCased, Op::EndsWithCased)
    } else {
        (Op::Equal, Op::EndsWith)
    };
    match text.rsplit_once('\\') {
        Some((_, file)) if !file.is_empty() => Ok(Expr::Compare {
            lhs: Operand::Column(column.name),
            op: op_exact,
            rhs: Literal::String(file.to_owned()),
        }),
        Some(_) => Err(unsupported(format!(
            "field '{name}': the pattern '{value}' ends in a backslash and names no file"
        ))),
        None => Ok(Expr::Compare {
            lhs: Operand::Column(column.name),
            op: op_suffix,
            rhs: Literal::String(text.clone()),
        }),
    }
}

/// Sysmon's `GrantedAccess` is hex text such as `0x1410`; Defender records the requested
/// mask as a number. An exact mask compares as an integer; other patterns compare with the
/// number written back as `0x` + lowercase hex, which is Sysmon's spelling.
fn lower_access_mask(name: &str, operand: Operand, test: &Test) -> Result<Expr, ConvertError> {
    match test {
        Test::Pattern { value, cased } => {
            if let Some(number) = value.as_literal().and_then(|t| parse_integer(&t)) {
                return Ok(Expr::Compare {
                    lhs: operand,
                    op: Op::EqualCased,
                    rhs: Literal::Long(number),
                });
            }
            let mut text = String::from("strcat(\"0x\", tohex(");
            push_operand(&operand, &mut text);
            text.push_str("))");
            Ok(string_pattern(Operand::Computed(text), value, *cased))
        }
        Test::Number {
            value: Number::Int(n),
            ..
        } => Ok(Expr::Compare {
            lhs: operand,
            op: Op::EqualCased,
            rhs: Literal::Long(*n),
        }),
        other => Err(unsupported(format!(
            "field '{name}' takes an access mask such as '0x1410', not {}",
            describe_test(other)
        ))),
    }
}

/// Defender names local pipes `<prefix>\name` (the prefix comes from the field's value
/// map), where Sysmon writes `\name`. A pattern anchored at its start gets the prefix, and
/// unanchored patterns compare as written.
fn lower_pipe_name(
    operand: Operand,
    ty: KustoType,
    prefix: &str,
    test: &Test,
    source: &Source,
) -> Result<Expr, ConvertError> {
    match test {
        Test::Pattern { value, cased } => {
            let starts_anchored = matches!(value.parts.first(), Some(PatternPart::Literal(_)));
            if !starts_anchored {
                return Ok(string_pattern(operand, value, *cased));
            }
            let rewritten = map_literals(value, |index, text| {
                if index != 0 {
                    return text.to_owned();
                }
                if text.starts_with('\\') {
                    format!("{prefix}{text}")
                } else {
                    format!("{prefix}\\{text}")
                }
            });
            Ok(string_pattern(operand, &rewritten, *cased))
        }
        Test::Regex { pattern, flags } => {
            let rewritten = match pattern.strip_prefix('^') {
                Some(rest) => {
                    let rest = rest.strip_prefix("\\\\").unwrap_or(rest);
                    let mut rewritten = String::from("^");
                    escape_regex(prefix, &mut rewritten);
                    rewritten.push_str("\\\\");
                    rewritten.push_str(rest);
                    rewritten
                }
                None => pattern.clone(),
            };
            lower_test(
                operand,
                ty,
                &Test::Regex {
                    pattern: rewritten,
                    flags: *flags,
                },
                source,
            )
        }
        other => lower_test(operand, ty, other, source),
    }
}

/// Translates the field's values through its value map before comparing them (LogonType
/// numbers to Defender's names, for example). A value missing from the map is an error.
fn lower_mapped_value(
    name: &str,
    mapping: &FieldMapping,
    operand: Operand,
    ty: KustoType,
    test: &Test,
    source: &Source,
) -> Result<Expr, ConvertError> {
    let Some(map) = mapping.value_map else {
        return Err(spec_shape_error(mapping, "value map"));
    };
    let key = match test {
        Test::Number { text, .. } => text.clone(),
        Test::Pattern { value, .. } => match value.as_literal() {
            Some(text) => text,
            None => {
                return Err(unsupported(format!("field '{name}' takes exact values that the mapping translates, not the pattern '{value}'")))
            }
        },
        Test::Null | Test::Exists(_) => return lower_test(operand, ty, test, source),
        other => return Err(unsupported(format!("field '{name}' takes exact values, not {}", describe_test(other)))),
    };
    match mapping::value_map(map, &key) {
        Some(translated) => Ok(one_of(operand, translated, false)),
        None => Err(unsupported(format!(
            "value '{key}' of field '{name}' has no Defender equivalent; known values: {}",
            mapping::value_map_entries(map)
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Compares the ActionType with the value map's translation of the field's value (Sysmon's
/// registry `EventType`).
fn lower_action_type(
    name: &str,
    mapping: &FieldMapping,
    test: &Test,
) -> Result<Expr, ConvertError> {
    let Some(map) = mapping.value_map else {
        return Err(spec_shape_error(mapping, "value map"));
    };
    let key = match test {
        Test::Pattern { value, .. } => value.as_literal(),
        _ => None,
    };
    let Some(key) = key else {
        return Err(unsupported(format!(
            "field '{name}' takes an exact event type"
        )));
    };
    let found = mapping::value_map_entries(map)
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(&key));
    match found {
        Some((_, action_types)) => Ok(one_of(Operand::Column("ActionType"), action_types, true)),
        None => Err(unsupported(format!(
            "value '{key}' of field '{name}' has no Defender ActionType; known values: {}",
            mapping::value_map_entries(map)
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Compares a number that Sysmon writes in hex (`LogonId: '0x3e7'`) with a numeric column.
fn lower_hex_number(
    name: &str,
    operand: Operand,
    ty: KustoType,
    test: &Test,
    source: &Source,
    warnings: &mut Vec<Warning>,
) -> Result<Expr, ConvertError> {
    match test {
        Test::Pattern { value, .. } => match value.as_literal().and_then(|t| parse_integer(&t)) {
            Some(number) => Ok(Expr::Compare { lhs: operand, op: Op::EqualCased, rhs: Literal::Long(number) }),
            // A numeric column never contains text such as 'null', so the comparison is
            // false, as it is on Sysmon's data, which writes these numbers in hex.
            None if value.is_literal() => {
                warnings.push(Warning {
                    position: None,
                    item: None,
                    message: format!("value '{value}' of field '{name}' is not a number and can never match the numeric column; the comparison is false"),
                });
                Ok(Expr::Bool(false))
            }
            None => Err(unsupported(format!("field '{name}' takes a decimal or 0x-prefixed hexadecimal number, not the pattern '{value}'"))),
        },
        other => lower_test(operand, ty, other, source),
    }
}

/// Builds `lhs == value` (or `=~` unless `cased`) for one value of a comma-separated value
/// map entry, and `lhs in (...)` (or `in~`) for several.
fn one_of(lhs: Operand, list: &str, cased: bool) -> Expr {
    let mut values: Vec<Literal> = list
        .split(',')
        .map(|v| Literal::String(v.to_owned()))
        .collect();
    if values.len() == 1 {
        let op = if cased { Op::EqualCased } else { Op::Equal };
        return Expr::Compare {
            lhs,
            op,
            rhs: values.remove(0),
        };
    }
    Expr::In { lhs, cased, values }
}

/// Sysmon's `Initiated` separates outbound from inbound connections. Defender separates them
/// by ActionType, listed in the field's value map under `true` and `false`.
fn lower_network_direction(mapping: &FieldMapping, test: &Test) -> Result<Expr, ConvertError> {
    let key = match test {
        Test::Bool(b) => Some(if *b { "true" } else { "false" }.to_owned()),
        Test::Pattern { value, .. } => value.as_literal().map(|t| t.to_ascii_lowercase()),
        _ => None,
    };
    match key.as_deref() {
        Some("true") | Some("false") => lower_action_type(
            mapping.name,
            mapping,
            &Test::Pattern {
                value: Pattern::literal(key.unwrap_or_default()),
                cased: false,
            },
        ),
        _ => Err(unsupported(format!(
            "field '{}' takes 'true' or 'false'",
            mapping.name
        ))),
    }
}
