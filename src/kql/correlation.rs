//! Correlation rules: the queries of the rules they name, joined and aggregated per time
//! window and group.
//!
//! Each named rule's query gets a `SigmaRule` column with the rule's name and one column per
//! `group-by` field. The union of these queries is summarised by `bin(Timestamp, timespan)`
//! and the group columns, and the correlation condition filters the aggregate.

use crate::ir::Number;
use crate::mapping::{self, Source, Target, Transform};
use crate::sigma::{BoundOp, Correlation, CorrelationType, TimeUnit, Timespan};

use super::ast::string_literal;
use super::error::{ConvertError, ConvertErrorKind, Warning};
use super::lower::additional_operand;
use super::{ast::Operand, Conversion};

/// A rule named by a correlation, already converted.
pub struct CorrelatedRule<'a> {
    /// The name the correlation uses for the rule (its `name`, else its `id`).
    pub reference: &'a str,
    /// The rule's `name` and `id`, which `aliases` may use.
    pub name: Option<&'a str>,
    pub id: Option<&'a str>,
    pub conversion: &'a Conversion,
}

/// Converts a correlation whose named rules are `rules`, in the order the correlation lists
/// them.
pub fn convert_correlation(
    correlation: &Correlation,
    rules: &[CorrelatedRule<'_>],
) -> Result<Conversion, ConvertError> {
    let unsupported =
        |message: String| ConvertError::new(ConvertErrorKind::UnsupportedFeature, message);
    let (aggregate_name, aggregate) = match correlation.kind {
        CorrelationType::EventCount => ("EventCount", "count()"),
        CorrelationType::ValueCount => ("ValueCount", "count_distinct(SigmaValue)"),
        CorrelationType::ValueSum => ("ValueSum", "sum(todouble(SigmaValue))"),
        CorrelationType::ValueAvg => ("ValueAvg", "avg(todouble(SigmaValue))"),
        CorrelationType::Temporal => ("RuleCount", "count_distinct(SigmaRule)"),
        CorrelationType::TemporalOrdered => {
            // NOTE: an ordered sequence needs KQL's `scan` operator per group; it is not
            // generated yet, so these correlations fail instead of losing their order.
            return Err(unsupported(
                "temporal_ordered correlations are not converted: Defender queries would need a sequence scan per group; use a temporal correlation if the order does not matter".to_owned(),
            ));
        }
        CorrelationType::ValuePercentile => {
            return Err(unsupported(
                "value_percentile correlations are not converted: the percentile they compare is not defined precisely enough to express as a KQL aggregate".to_owned(),
            ));
        }
    };
    if rules.is_empty() {
        return Err(unsupported(
            "the correlation names no rule to correlate".to_owned(),
        ));
    }

    let mut warnings: Vec<Warning> = Vec::new();
    for rule in rules {
        if rule.conversion.queries.len() != 1 {
            return Err(unsupported(format!(
                "rule '{}' has {} conditions; a correlated rule must have exactly one",
                rule.reference,
                rule.conversion.queries.len()
            )));
        }
        for warning in &rule.conversion.warnings {
            warnings.push(Warning {
                position: None,
                item: None,
                message: format!("in rule '{}': {}", rule.reference, warning.message),
            });
        }
    }

    let group_columns: Vec<String> = correlation
        .group_by
        .iter()
        .map(|field| identifier(field))
        .collect();
    let value_field = match correlation.kind {
        CorrelationType::ValueCount | CorrelationType::ValueSum | CorrelationType::ValueAvg => {
            Some(
                correlation
                    .condition
                    .as_ref()
                    .and_then(|c| c.field.as_deref())
                    .ok_or_else(|| {
                        unsupported(
                            "the correlation condition names no field to aggregate".to_owned(),
                        )
                    })?,
            )
        }
        _ => None,
    };

    let mut members = Vec::with_capacity(rules.len());
    for rule in rules {
        let mut extends = vec![format!("SigmaRule = {}", string_literal(rule.reference))];
        for (field, column) in correlation.group_by.iter().zip(&group_columns) {
            let operand = rule_operand(correlation, rule, field)?;
            extends.push(format!("{column} = {operand}"));
        }
        if let Some(field) = value_field {
            let operand = rule_operand(correlation, rule, field)?;
            extends.push(format!("SigmaValue = {operand}"));
        }
        members.push(format!(
            "{}\n| extend {}",
            rule.conversion.queries[0],
            extends.join(", ")
        ));
    }

    let mut query = if members.len() == 1 {
        members.remove(0)
    } else {
        let parts: Vec<String> = members.iter().map(|m| format!("({m})")).collect();
        format!("union {}", parts.join(", "))
    };

    let mut by = vec![format!(
        "bin(Timestamp, {})",
        timespan_literal(correlation.timespan)?
    )];
    by.extend(group_columns.iter().cloned());
    query.push_str(&format!(
        "\n| summarize {aggregate_name} = {aggregate} by {}",
        by.join(", ")
    ));

    let condition = match correlation.kind {
        CorrelationType::Temporal => format!("{aggregate_name} == {}", rules.len()),
        _ => {
            let Some(condition) = &correlation.condition else {
                return Err(unsupported("the correlation has no condition".to_owned()));
            };
            if condition.bounds.is_empty() {
                return Err(unsupported(
                    "the correlation condition has no bound such as gte".to_owned(),
                ));
            }
            condition
                .bounds
                .iter()
                .map(|(op, value)| {
                    format!(
                        "{aggregate_name} {} {}",
                        bound_operator(*op),
                        number_text(*value)
                    )
                })
                .collect::<Vec<_>>()
                .join(" and ")
        }
    };
    query.push_str(&format!("\n| where {condition}"));

    warnings.push(Warning {
        position: None,
        item: None,
        message: format!(
            "the correlation counts events in fixed time bins of {}, not in a sliding window, so events on both sides of a bin boundary are not counted together",
            timespan_literal(correlation.timespan)?
        ),
    });

    let mut tables = Vec::new();
    let mut sources = Vec::new();
    for rule in rules {
        for table in &rule.conversion.tables {
            if !tables.contains(table) {
                tables.push(*table);
            }
        }
        sources.extend(rule.conversion.sources.iter().copied());
    }
    Ok(Conversion {
        queries: vec![query],
        tables,
        sources,
        warnings,
    })
}

/// Returns the KQL operand of a Sigma field (or of the field an alias names for this rule),
/// which must be the same in every source of the rule.
fn rule_operand(
    correlation: &Correlation,
    rule: &CorrelatedRule<'_>,
    field: &str,
) -> Result<String, ConvertError> {
    let field = correlation
        .aliases
        .iter()
        .find(|alias| alias.alias == field)
        .and_then(|alias| {
            alias
                .fields
                .iter()
                .find(|(name, _)| {
                    Some(name.as_str()) == rule.name
                        || Some(name.as_str()) == rule.id
                        || name == rule.reference
                })
                .map(|(_, field)| field.as_str())
        })
        .unwrap_or(field);
    let mut operand: Option<String> = None;
    for source in &rule.conversion.sources {
        let this = source_operand(source, field).map_err(|reason| {
            ConvertError::new(
                ConvertErrorKind::UnmappedField,
                format!(
                    "field '{field}' of rule '{}' cannot be grouped or aggregated in {}: {reason}",
                    rule.reference,
                    source.table.name()
                ),
            )
        })?;
        match &operand {
            None => operand = Some(this),
            Some(existing) if *existing == this => {}
            Some(existing) => {
                return Err(ConvertError::new(
                    ConvertErrorKind::UnsupportedFeature,
                    format!("field '{field}' of rule '{}' maps to {existing} and to {this} in its sources, so it cannot be one group column", rule.reference),
                ))
            }
        }
    }
    operand.ok_or_else(|| {
        ConvertError::new(
            ConvertErrorKind::UnmappedField,
            format!("rule '{}' has no source", rule.reference),
        )
    })
}

fn source_operand(source: &Source, field: &str) -> Result<String, String> {
    let Some(mapping) = mapping::field(source.field_set, field) else {
        return Err(format!(
            "the log source maps no such field; it maps {}",
            super::lower::offered_fields(source)
        ));
    };
    match (mapping.target, mapping.transform) {
        (Target::Column(column), None) => Ok(column.name.to_owned()),
        (Target::Additional { key, ty }, None) => match additional_operand(key, ty) {
            Operand::Column(name) => Ok(name.to_owned()),
            Operand::Computed(text) => Ok(text),
        },
        (Target::Columns(roles), Some(Transform::DomainUser)) => {
            let role = |wanted: &str| {
                roles
                    .iter()
                    .find(|(r, _)| *r == wanted)
                    .map(|(_, c)| c.name)
            };
            match (role("domain"), role("name")) {
                (Some(domain), Some(name)) => Ok(format!(
                    "iff(isempty({domain}), {name}, strcat({domain}, @\"\\\", {name}))"
                )),
                _ => Err("its mapping names no domain and name columns".to_owned()),
            }
        }
        (Target::None { reason }, _) => Err(reason.trim_end_matches('.').to_owned()),
        _ => Err("its values are rewritten per comparison, so they cannot be grouped".to_owned()),
    }
}

/// Turns a Sigma field or alias name into a KQL column name.
fn identifier(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn timespan_literal(timespan: Timespan) -> Result<String, ConvertError> {
    let count = timespan.count;
    let text = match timespan.unit {
        TimeUnit::Second => format!("{count}s"),
        TimeUnit::Minute => format!("{count}m"),
        TimeUnit::Hour => format!("{count}h"),
        TimeUnit::Day => format!("{count}d"),
        TimeUnit::Week | TimeUnit::Month | TimeUnit::Year => {
            let seconds = timespan.seconds().ok_or_else(|| {
                ConvertError::new(
                    ConvertErrorKind::UnsupportedValue,
                    "the correlation timespan is too long".to_owned(),
                )
            })?;
            format!("{}d", seconds / 86_400)
        }
    };
    Ok(text)
}

fn bound_operator(op: BoundOp) -> &'static str {
    match op {
        BoundOp::Gt => ">",
        BoundOp::Gte => ">=",
        BoundOp::Lt => "<",
        BoundOp::Lte => "<=",
        BoundOp::Eq => "==",
        BoundOp::Neq => "!=",
    }
}

fn number_text(value: Number) -> String {
    match value {
        Number::Int(n) => n.to_string(),
        Number::Float(x) => format!("{x:?}"),
    }
}
