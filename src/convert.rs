//! Rule files in, queries out: the front end and the back end joined, one result per rule.

use std::collections::HashMap;

use crate::kql::{self, Conversion, ConvertError, ConvertErrorKind, CorrelatedRule, LogSourceRef};
use crate::sigma::{self, Correlation, Document, ParseOptions, Rule};

/// Options of a conversion.
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    /// Values of `|expand` placeholders: the name without `%` to its values.
    pub placeholders: HashMap<String, Vec<String>>,
}

/// The outcome for one rule (or one document that failed to parse).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleOutput {
    /// The file the rule came from, as the caller named it.
    pub path: Option<String>,
    pub id: Option<String>,
    pub title: Option<String>,
    pub level: Option<String>,
    pub tags: Vec<String>,
    pub author: Option<String>,
    pub result: Result<Conversion, ConvertError>,
}

/// Converts every rule of one file. Filter documents in the file apply to the rules they
/// name; to apply filters across files, use [`convert_batch`].
pub fn convert_file(bytes: &[u8], path: Option<&str>, options: &ConvertOptions) -> Vec<RuleOutput> {
    convert_batch([(path.map(str::to_owned), bytes)], options)
}

/// Converts the rules of several files as one rule set: filters in any file apply to the
/// rules they name in any other. The outputs keep file order, then document order.
pub fn convert_batch<'a, I>(files: I, options: &ConvertOptions) -> Vec<RuleOutput>
where
    I: IntoIterator<Item = (Option<String>, &'a [u8])>,
{
    let parse_options = ParseOptions { placeholders: options.placeholders.clone() };
    let mut slots: Vec<Slot> = Vec::new();
    let mut rules: Vec<Rule> = Vec::new();
    let mut filters = Vec::new();
    let mut correlations: Vec<Correlation> = Vec::new();

    for (path, bytes) in files {
        let parsed = sigma::parse_bytes(bytes, path.as_deref(), &parse_options);
        for document in parsed.documents {
            match document {
                Ok(Document::Rule(rule)) => {
                    slots.push(Slot::Rule { path: path.clone(), index: rules.len() });
                    rules.push(rule);
                }
                Ok(Document::Filter(filter)) => filters.push((path.clone(), filter)),
                Ok(Document::Correlation(correlation)) => {
                    slots.push(Slot::Correlation { path: path.clone(), index: correlations.len() });
                    correlations.push(correlation);
                }
                Err(error) => slots.push(Slot::Failed(Box::new(parse_failure(path.clone(), error)))),
            }
        }
    }

    if !filters.is_empty() {
        let only_filters: Vec<sigma::Filter> = filters.iter().map(|(_, f)| f.clone()).collect();
        for error in sigma::apply_filters(&mut rules, &only_filters) {
            let path = error.file.clone();
            slots.push(Slot::Failed(Box::new(parse_failure(path, error))));
        }
    }

    let conversions: Vec<Result<Conversion, ConvertError>> = rules.iter().map(convert_rule).collect();
    // Correlations read the rules and their conversions, so they convert first. The rules'
    // results are then moved into their outputs rather than copied.
    let mut correlation_results: Vec<Option<Result<Conversion, ConvertError>>> = correlations
        .iter()
        .map(|correlation| Some(convert_correlation_in_batch(correlation, &rules, &conversions, &correlations)))
        .collect();
    let mut rules: Vec<Option<Rule>> = rules.into_iter().map(Some).collect();
    let mut conversions: Vec<Option<Result<Conversion, ConvertError>>> = conversions.into_iter().map(Some).collect();

    let mut outputs = Vec::with_capacity(slots.len());
    for slot in slots {
        let output = match slot {
            Slot::Failed(output) => *output,
            Slot::Rule { path, index } => {
                // Every rule has one slot, so its rule and conversion are still there.
                let (Some(rule), Some(result)) = (rules.get_mut(index).and_then(Option::take), conversions.get_mut(index).and_then(Option::take)) else { continue };
                let result = result.map_err(|mut error| {
                    error.file = path.clone();
                    error
                });
                RuleOutput { path, id: rule.id, title: Some(rule.title), level: rule.level, tags: rule.tags, author: rule.author, result }
            }
            Slot::Correlation { path, index } => {
                let (Some(result), Some(correlation)) = (correlation_results.get_mut(index).and_then(Option::take), correlations.get(index)) else { continue };
                let result = result
                    .map(|mut conversion| {
                        for warning in &mut conversion.warnings {
                            warning.position.get_or_insert(correlation.position);
                        }
                        conversion
                    })
                    .map_err(|mut error| {
                        error.file = path.clone();
                        error.position.get_or_insert(correlation.position);
                        error
                    });
                RuleOutput {
                    path,
                    id: correlation.id.clone(),
                    title: Some(correlation.title.clone()),
                    level: correlation.level.clone(),
                    tags: correlation.tags.clone(),
                    author: correlation.author.clone(),
                    result,
                }
            }
        };
        outputs.push(output);
    }
    outputs
}

/// Finds the rules a correlation names among the batch and converts the correlation.
fn convert_correlation_in_batch(
    correlation: &Correlation,
    rules: &[Rule],
    conversions: &[Result<Conversion, ConvertError>],
    correlations: &[Correlation],
) -> Result<Conversion, ConvertError> {
    let mut named = Vec::with_capacity(correlation.rules.len());
    for reference in &correlation.rules {
        let names = |id: &Option<String>, name: &Option<String>| id.as_deref() == Some(reference) || name.as_deref() == Some(reference);
        let Some(index) = rules.iter().position(|rule| names(&rule.id, &rule.name)) else {
            let message = if correlations.iter().any(|c| names(&c.id, &c.name)) {
                format!("the correlation names the correlation '{reference}'; correlations of correlations are not converted")
            } else {
                format!("the correlation names rule '{reference}', which is not among the converted rules; convert it in the same run")
            };
            return Err(ConvertError { kind: ConvertErrorKind::UnsupportedFeature, file: None, position: Some(correlation.rules_position), item: None, message });
        };
        let conversion = conversions[index].as_ref().map_err(|error| ConvertError {
            kind: error.kind,
            file: None,
            position: Some(correlation.rules_position),
            item: None,
            message: format!("rule '{reference}' named by the correlation did not convert: {}", error.message),
        })?;
        let rule = &rules[index];
        named.push(CorrelatedRule { reference: reference.as_str(), name: rule.name.as_deref(), id: rule.id.as_deref(), conversion });
    }
    kql::convert_correlation(correlation, &named)
}

enum Slot {
    Rule { path: Option<String>, index: usize },
    Correlation { path: Option<String>, index: usize },
    Failed(Box<RuleOutput>),
}

/// Converts one parsed rule.
pub fn convert_rule(rule: &Rule) -> Result<Conversion, ConvertError> {
    let logsource = LogSourceRef {
        product: rule.logsource.product.as_deref(),
        category: rule.logsource.category.as_deref(),
        service: rule.logsource.service.as_deref(),
    };
    let mut conversion = kql::convert(logsource, &rule.conditions).map_err(|mut error| {
        if error.kind == ConvertErrorKind::UnknownLogSource || error.kind == ConvertErrorKind::NoDataSource {
            error.position.get_or_insert(rule.logsource.position);
        }
        error
    })?;
    // Warnings about the source as a whole point at the rule's logsource.
    for warning in &mut conversion.warnings {
        warning.position.get_or_insert(rule.logsource.position);
    }
    Ok(conversion)
}

fn parse_failure(path: Option<String>, error: sigma::Error) -> RuleOutput {
    let mut message = error.kind.to_string();
    if let Some(hint) = &error.hint {
        message.push_str("; ");
        message.push_str(hint);
    }
    let position = (error.position.line > 0).then_some(error.position);
    let label = error.document.map(|label| *label).unwrap_or_default();
    RuleOutput {
        path: path.clone(),
        id: label.id,
        title: label.title,
        level: label.level,
        tags: label.tags,
        author: label.author,
        result: Err(ConvertError { kind: ConvertErrorKind::Parse, file: error.file.or(path), position, item: error.item, message }),
    }
}
