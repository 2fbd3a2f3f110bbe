//! The Defender back end: a rule's log source and conditions become Advanced Hunting queries.
//!
//! The log source picks a [`Source`] (table, ActionType filter, field set) from the compiled
//! mapping. Service-based rules (`service: security` and the like) pick one source per
//! `EventID` value instead: the condition is specialised for each event, the `EventID`
//! comparison disappears into the table and ActionType filter, and events on different
//! tables become one `union` query.

pub mod ast;
mod correlation;
mod error;
mod lower;

pub use correlation::{convert_correlation, CorrelatedRule};
pub use error::{ConvertError, ConvertErrorKind, Warning};

use crate::ir::{self, Predicate, Test};
use crate::mapping::{self, EventEntry, Fidelity, LogSourceEntry, Source, Table, Target};

use ast::{Expr, Literal, Op, Operand};
use lower::Lowering;

/// The log source of a rule, as written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogSourceRef<'a> {
    pub product: Option<&'a str>,
    pub category: Option<&'a str>,
    pub service: Option<&'a str>,
}

/// The queries for one rule, with what users should know about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    /// One query per condition of the rule.
    pub queries: Vec<String>,
    /// The tables the queries read, in first-use order.
    pub tables: Vec<Table>,
    /// The mapping entries the queries read from, in first-use order.
    pub sources: Vec<Source>,
    pub warnings: Vec<Warning>,
}

/// The name of the Sigma field that selects Windows events in service-based rules.
const EVENT_ID_FIELD: &str = "EventID";

/// Converts the conditions of one rule for its log source.
pub fn convert(
    logsource: LogSourceRef<'_>,
    conditions: &[ir::Expr],
) -> Result<Conversion, ConvertError> {
    let resolved = resolve_logsource(logsource)?;
    let mut conversion = Conversion {
        queries: Vec::with_capacity(conditions.len()),
        tables: Vec::new(),
        sources: Vec::new(),
        warnings: Vec::new(),
    };
    for condition in conditions {
        let (query, sources) = match resolved {
            Resolved::Entry(LogSourceEntry::Source(source)) => {
                let mut lowering = Lowering {
                    source,
                    warnings: &mut conversion.warnings,
                };
                let expr = lowering.lower(condition)?;
                source_warning(source, &mut conversion.warnings);
                (
                    render_single(source.table, vec![(source, expr)])?,
                    vec![*source],
                )
            }
            Resolved::Entry(LogSourceEntry::ByEventId {
                product,
                service,
                fallback,
            }) => convert_by_event(
                product,
                service,
                fallback.as_ref(),
                condition,
                &mut conversion.warnings,
            )?,
            Resolved::EventsWithoutService { product } => {
                convert_by_event(product, "", None, condition, &mut conversion.warnings)?
            }
            Resolved::Entry(LogSourceEntry::NoSource { reason }) => {
                return Err(ConvertError::new(
                    ConvertErrorKind::NoDataSource,
                    format!(
                        "{}: {}",
                        describe_logsource(logsource),
                        reason.trim_end_matches('.')
                    ),
                ))
            }
        };
        for source in sources {
            if !conversion.tables.contains(&source.table) {
                conversion.tables.push(source.table);
            }
            if !conversion.sources.contains(&source) {
                conversion.sources.push(source);
            }
        }
        conversion.queries.push(query);
    }
    Ok(conversion)
}

fn describe_logsource(logsource: LogSourceRef<'_>) -> String {
    let mut parts = Vec::new();
    if let Some(product) = logsource.product {
        parts.push(format!("product '{product}'"));
    }
    if let Some(category) = logsource.category {
        parts.push(format!("category '{category}'"));
    }
    if let Some(service) = logsource.service {
        parts.push(format!("service '{service}'"));
    }
    if parts.is_empty() {
        "an empty logsource".to_owned()
    } else {
        format!("logsource {}", parts.join(", "))
    }
}

/// The target of a rule's log source: a mapping entry, or the events listed without a service.
#[derive(Debug, Clone, Copy)]
enum Resolved {
    Entry(&'static LogSourceEntry),
    /// A rule that names a product but no category or service (an old style that mixed logs
    /// in one rule) selects by `EventID` among the events the mapping lists without a service.
    EventsWithoutService {
        product: &'static str,
    },
}

fn resolve_logsource(logsource: LogSourceRef<'_>) -> Result<Resolved, ConvertError> {
    let LogSourceRef {
        product,
        category,
        service,
    } = logsource;
    let found = mapping::logsource(product, category, service)
        .or_else(|| {
            if category.is_some() && service.is_some() {
                mapping::logsource(product, category, None)
            } else {
                None
            }
        })
        .map(Resolved::Entry)
        .or_else(|| {
            if category.is_none() && service.is_none() {
                events_without_service(product?)
            } else {
                None
            }
        });
    found.ok_or_else(|| {
        ConvertError::new(
            ConvertErrorKind::UnknownLogSource,
            format!(
                "{} has no Defender mapping; `sigma-mde list` shows the log sources that convert",
                describe_logsource(logsource)
            ),
        )
    })
}

fn events_without_service(product: &str) -> Option<Resolved> {
    mapping::events()
        .iter()
        .find(|(key, _)| key.product == product && key.service.is_empty())
        .map(|(key, _)| Resolved::EventsWithoutService {
            product: key.product,
        })
}

/// Names a service log in messages: `windows 'security'`, or `windows (no service)`.
fn describe_service(product: &str, service: &str) -> String {
    if service.is_empty() {
        format!("{product} (no service)")
    } else {
        format!("{product} '{service}'")
    }
}

fn source_warning(source: &Source, warnings: &mut Vec<Warning>) {
    if let Fidelity::Partial { note } = source.fidelity {
        let message = format!(
            "{} is a partial source: {}",
            source.table.name(),
            note.trim_end_matches('.')
        );
        if !warnings.iter().any(|w| w.message == message) {
            warnings.push(Warning {
                position: None,
                item: None,
                message,
            });
        }
    }
}

/// Converts a service-based condition: one specialised expression per `EventID` value.
fn convert_by_event(
    product: &str,
    service: &str,
    fallback: Option<&'static Source>,
    condition: &ir::Expr,
    warnings: &mut Vec<Warning>,
) -> Result<(String, Vec<Source>), ConvertError> {
    let mut event_ids = Vec::new();
    collect_event_ids(condition, &mut event_ids)?;
    event_ids.sort_unstable();
    event_ids.dedup();

    if event_ids.is_empty() {
        let Some(source) = fallback else {
            return Err(ConvertError::new(
                ConvertErrorKind::NoDataSource,
                if service.is_empty() {
                    format!(
                        "a {product} rule without a category or service must select events with EventID; only events listed by `sigma-mde list` convert"
                    )
                } else {
                    format!(
                        "the rule reads the whole {product} '{service}' log, which Defender does not collect; only events listed by `sigma-mde list` convert, so select them with EventID"
                    )
                },
            ));
        };
        let mut lowering = Lowering { source, warnings };
        let expr = lowering.lower(condition)?;
        source_warning(source, warnings);
        return Ok((
            render_single(source.table, vec![(source, expr)])?,
            vec![*source],
        ));
    }

    // Events the condition can match besides the listed ones would need the whole log.
    if !matches!(specialise(condition, None), Specialised::False) {
        return Err(ConvertError::new(
            ConvertErrorKind::UnsupportedFeature,
            format!(
                "the condition also matches {} events other than EventID {}, and Defender has no table for the whole log; restrict every branch of the condition to an EventID",
                describe_service(product, service),
                join_ids(&event_ids)
            ),
        ));
    }

    let mut per_event: Vec<(&'static Source, Expr)> = Vec::new();
    for id in &event_ids {
        let source = match mapping::event(product, service, *id) {
            Some(EventEntry::Source(source)) => source,
            Some(EventEntry::NoSource { reason }) => {
                return Err(event_error(
                    condition,
                    *id,
                    ConvertErrorKind::NoDataSource,
                    format!(
                        "{} event {id} has no Defender data source: {}",
                        describe_service(product, service),
                        reason.trim_end_matches('.')
                    ),
                ))
            }
            None => {
                return Err(event_error(
                    condition,
                    *id,
                    ConvertErrorKind::NoDataSource,
                    format!("{} event {id} is not in the mapping; `sigma-mde list` shows the events that convert", describe_service(product, service)),
                ))
            }
        };
        let specialised = match specialise(condition, Some(*id)) {
            Specialised::False => continue,
            Specialised::True => (source, Expr::Bool(true)),
            Specialised::Expr(expr) => {
                let mut lowering = Lowering { source, warnings };
                (source, lowering.lower(&expr)?)
            }
        };
        source_warning(source, warnings);
        per_event.push(specialised);
    }

    let mut tables: Vec<Table> = Vec::new();
    let mut sources: Vec<Source> = Vec::new();
    for (source, _) in &per_event {
        if !tables.contains(&source.table) {
            tables.push(source.table);
        }
        if !sources.contains(source) {
            sources.push(**source);
        }
    }
    if tables.len() == 1 {
        return Ok((render_single(tables[0], per_event)?, sources));
    }
    let mut by_table: Vec<Vec<(&'static Source, Expr)>> = vec![Vec::new(); tables.len()];
    for (source, expr) in per_event {
        if let Some(i) = tables.iter().position(|t| *t == source.table) {
            by_table[i].push((source, expr));
        }
    }
    let mut query = String::from("union ");
    for (i, (table, members)) in tables.iter().zip(by_table).enumerate() {
        if i > 0 {
            query.push_str(", ");
        }
        query.push('(');
        query.push_str(&render_single(*table, members)?);
        query.push(')');
    }
    Ok((query, sources))
}

fn join_ids(ids: &[u32]) -> String {
    ids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds an error placed at the first `EventID` predicate with this value.
fn event_error(
    condition: &ir::Expr,
    id: u32,
    kind: ConvertErrorKind,
    message: String,
) -> ConvertError {
    let mut error = ConvertError::new(kind, message);
    if let Some(predicate) = find_event_predicate(condition, id) {
        error = error.at(&predicate.item, predicate.position);
    }
    error
}

fn find_event_predicate(expr: &ir::Expr, id: u32) -> Option<&Predicate> {
    match expr {
        ir::Expr::Pred(p) if is_event_id(p) && event_id_value(&p.test) == Some(id) => Some(p),
        ir::Expr::Pred(_) => None,
        ir::Expr::Not(inner) => find_event_predicate(inner, id),
        ir::Expr::And(parts) | ir::Expr::Or(parts) => {
            parts.iter().find_map(|p| find_event_predicate(p, id))
        }
    }
}

fn is_event_id(predicate: &Predicate) -> bool {
    predicate
        .field
        .as_deref()
        .is_some_and(|f| f.eq_ignore_ascii_case(EVENT_ID_FIELD))
}

fn event_id_value(test: &Test) -> Option<u32> {
    match test {
        Test::Number {
            value: ir::Number::Int(n),
            ..
        } => u32::try_from(*n).ok(),
        Test::Pattern { value, .. } => value.as_literal().and_then(|t| t.trim().parse().ok()),
        _ => None,
    }
}

fn collect_event_ids(expr: &ir::Expr, out: &mut Vec<u32>) -> Result<(), ConvertError> {
    match expr {
        ir::Expr::Pred(predicate) if is_event_id(predicate) => match event_id_value(&predicate.test) {
            Some(id) => {
                out.push(id);
                Ok(())
            }
            None => Err(ConvertError::new(
                ConvertErrorKind::UnsupportedFeature,
                "EventID must be compared with plain numbers, because each number selects a Defender table and ActionType",
            )
            .at(&predicate.item, predicate.position)),
        },
        ir::Expr::Pred(_) => Ok(()),
        ir::Expr::Not(inner) => collect_event_ids(inner, out),
        ir::Expr::And(parts) | ir::Expr::Or(parts) => parts.iter().try_for_each(|p| collect_event_ids(p, out)),
    }
}

/// A condition with its `EventID` predicates decided.
#[derive(Debug, Clone, PartialEq)]
enum Specialised {
    True,
    False,
    Expr(ir::Expr),
}

/// Decides every `EventID` predicate as if the event had id `id` (`None`: an id the rule
/// does not name) and folds the constants.
fn specialise(expr: &ir::Expr, id: Option<u32>) -> Specialised {
    match expr {
        ir::Expr::Pred(predicate) if is_event_id(predicate) => {
            if id.is_some() && event_id_value(&predicate.test) == id {
                Specialised::True
            } else {
                Specialised::False
            }
        }
        ir::Expr::Pred(_) => Specialised::Expr(expr.clone()),
        ir::Expr::Not(inner) => match specialise(inner, id) {
            Specialised::True => Specialised::False,
            Specialised::False => Specialised::True,
            Specialised::Expr(e) => Specialised::Expr(ir::Expr::Not(Box::new(e))),
        },
        ir::Expr::And(parts) => {
            let mut out = Vec::new();
            for part in parts {
                match specialise(part, id) {
                    Specialised::True => {}
                    Specialised::False => return Specialised::False,
                    Specialised::Expr(e) => out.push(e),
                }
            }
            match out.len() {
                0 => Specialised::True,
                1 => Specialised::Expr(out.remove(0)),
                _ => Specialised::Expr(ir::Expr::And(out)),
            }
        }
        ir::Expr::Or(parts) => {
            let mut out = Vec::new();
            for part in parts {
                match specialise(part, id) {
                    Specialised::False => {}
                    Specialised::True => return Specialised::True,
                    Specialised::Expr(e) => out.push(e),
                }
            }
            match out.len() {
                0 => Specialised::False,
                1 => Specialised::Expr(out.remove(0)),
                _ => Specialised::Expr(ir::Expr::Or(out)),
            }
        }
    }
}

/// Returns `true` when `expr` is a conjunction with a member that tests ActionType for
/// values that are all among `allowed`.
fn restricts_action_type(expr: &Expr, allowed: &[&str]) -> bool {
    if allowed.is_empty() {
        return false;
    }
    let is_allowed = |literal: &Literal| matches!(literal, Literal::String(text) if allowed.contains(&text.as_str()));
    let members: &[Expr] = match expr {
        Expr::And(parts) => parts,
        single => std::slice::from_ref(single),
    };
    members.iter().any(|member| match member {
        Expr::Compare {
            lhs: Operand::Column("ActionType"),
            op: Op::EqualCased,
            rhs,
        } => is_allowed(rhs),
        Expr::In {
            lhs: Operand::Column("ActionType"),
            cased: true,
            values,
        } => values.iter().all(is_allowed),
        _ => false,
    })
}

/// Builds the filter a source adds: its ActionTypes and fixed conditions.
fn source_filter(source: &Source, action_types: &[&'static str]) -> Expr {
    let identity = source.table.name().starts_with("Identity");
    let mut parts = Vec::new();
    match action_types {
        [] => {}
        [single] => parts.push(Expr::Compare {
            lhs: Operand::Column("ActionType"),
            op: if identity { Op::Equal } else { Op::EqualCased },
            rhs: Literal::String((*single).to_owned()),
        }),
        many => parts.push(Expr::In {
            lhs: Operand::Column("ActionType"),
            cased: !identity,
            values: many
                .iter()
                .map(|s| Literal::String((*s).to_owned()))
                .collect(),
        }),
    }
    for condition in source.conditions {
        let lhs = match condition.target {
            Target::Column(column) => Operand::Column(column.name),
            Target::Additional { key, ty } => lower::additional_operand(key, ty),
            _ => continue,
        };
        parts.push(Expr::Compare {
            lhs,
            op: Op::Equal,
            rhs: Literal::String(condition.value.to_owned()),
        });
    }
    Expr::and(parts)
}

/// Renders `Table | where ...` for one table; several sources on it are OR-ed, each with
/// its own filter. Sources that share a filter shape and a condition merge their
/// ActionTypes.
fn render_single(
    table: Table,
    members: Vec<(&'static Source, Expr)>,
) -> Result<String, ConvertError> {
    // Merge events whose lowered conditions and fixed conditions agree. Each group names
    // the member whose expression it renders.
    let mut groups: Vec<(Vec<&'static str>, &'static Source, usize)> = Vec::new();
    for (index, (source, expr)) in members.iter().enumerate() {
        if let Some(group) = groups.iter_mut().find(|(_, s, e)| {
            members[*e].1 == *expr
                && s.conditions == source.conditions
                && !s.action_types.is_empty()
                && !source.action_types.is_empty()
        }) {
            for action in source.action_types {
                if !group.0.contains(action) {
                    group.0.push(action);
                }
            }
        } else if !groups
            .iter()
            .any(|(_, s, e)| members[*e].1 == *expr && s == source)
        {
            groups.push((source.action_types.to_vec(), source, index));
        }
    }
    // A group's expression is taken out of its member: no two groups name the same one.
    let mut exprs: Vec<Option<Expr>> = members.into_iter().map(|(_, expr)| Some(expr)).collect();
    let mut alternatives = Vec::with_capacity(groups.len());
    for (action_types, source, index) in &groups {
        let Some(expr) = exprs.get_mut(*index).and_then(Option::take) else {
            continue;
        };
        // A condition that already picks some of the source's ActionTypes (Sysmon's
        // `Initiated` does) makes the source's own ActionType list redundant.
        let action_types: &[&str] = if restricts_action_type(&expr, action_types) {
            &[]
        } else {
            action_types
        };
        alternatives.push(Expr::and(vec![source_filter(source, action_types), expr]));
    }
    let filter = Expr::or(alternatives);
    match &filter {
        Expr::Bool(true) => {
            return Err(ConvertError::new(
                ConvertErrorKind::EmptyQuery,
                format!("the condition has no test that Defender can run on {}, so the query would return every row", table.name()),
            ))
        }
        Expr::Bool(false) => {
            return Err(ConvertError::new(ConvertErrorKind::EmptyQuery, "the condition can never be true".to_owned()))
        }
        _ => {}
    }
    let mut query = String::with_capacity(64);
    query.push_str(table.name());
    query.push_str("\n| where ");
    filter.render_into(&mut query);
    Ok(query)
}
