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
/// rules they name in any other, and correlations find their rules in any file. The
/// outputs keep file order, then document order.
pub fn convert_batch<'a, I>(files: I, options: &ConvertOptions) -> Vec<RuleOutput>
where
    I: IntoIterator<Item = (Option<String>, &'a [u8])>,
{
    let mut batch = Batch::new(options);
    for (path, bytes) in files {
        batch.add_file(bytes, path.as_deref());
    }
    let mut outputs = Vec::with_capacity(batch.slots.len());
    batch.finish(|output| outputs.push(output));
    outputs
}

/// A rule set converted in two steps, so that a caller can stream it: [`Batch::add_file`]
/// parses each file as it is read, and [`Batch::finish`] converts the rules and hands each
/// output over in file and document order.
///
/// The parsed rules of every file stay in memory until `finish`, because a filter or a
/// correlation in a later file may name them. Each rule's queries are built only when its
/// output is handed over, so the queries of the whole set are never held at once.
pub struct Batch {
    parse_options: ParseOptions,
    slots: Vec<Slot>,
    rules: Vec<Option<Rule>>,
    filters: Vec<sigma::Filter>,
    correlations: Vec<Correlation>,
}

impl Batch {
    /// Starts an empty rule set.
    pub fn new(options: &ConvertOptions) -> Self {
        Batch {
            parse_options: ParseOptions {
                placeholders: options.placeholders.clone(),
            },
            slots: Vec::new(),
            rules: Vec::new(),
            filters: Vec::new(),
            correlations: Vec::new(),
        }
    }

    /// Parses one file and adds its documents to the set. `path` is used in messages.
    pub fn add_file(&mut self, bytes: &[u8], path: Option<&str>) {
        let parsed = sigma::parse_bytes(bytes, path, &self.parse_options);
        let path = path.map(str::to_owned);
        for document in parsed.documents {
            match document {
                Ok(Document::Rule(rule)) => {
                    self.slots.push(Slot::Rule {
                        path: path.clone(),
                        index: self.rules.len(),
                    });
                    self.rules.push(Some(rule));
                }
                Ok(Document::Filter(filter)) => self.filters.push(filter),
                Ok(Document::Correlation(correlation)) => {
                    self.slots.push(Slot::Correlation {
                        path: path.clone(),
                        index: self.correlations.len(),
                    });
                    self.correlations.push(correlation);
                }
                Err(error) => self
                    .slots
                    .push(Slot::Failed(Box::new(parse_failure(path.clone(), error)))),
            }
        }
    }

    /// Converts the set and calls `emit` with each output, in file and document order.
    pub fn finish(mut self, mut emit: impl FnMut(RuleOutput)) {
        if !self.filters.is_empty() {
            let mut rules: Vec<Rule> = self.rules.iter_mut().filter_map(Option::take).collect();
            for error in sigma::apply_filters(&mut rules, &self.filters) {
                let path = error.file.clone();
                self.slots
                    .push(Slot::Failed(Box::new(parse_failure(path, error))));
            }
            self.rules = rules.into_iter().map(Some).collect();
        }

        // Correlations need the conversions of the rules they name, so those rules convert
        // first; their results are kept until their own outputs are handed over.
        let rules: Vec<&Rule> = self.rules.iter().flatten().collect();
        let mut named: HashMap<usize, Result<Conversion, ConvertError>> = HashMap::new();
        for correlation in &self.correlations {
            for reference in &correlation.rules {
                if let Some(index) = find_rule(&rules, reference) {
                    named
                        .entry(index)
                        .or_insert_with(|| convert_rule(rules[index]));
                }
            }
        }
        let mut correlation_results: Vec<Option<Result<Conversion, ConvertError>>> = self
            .correlations
            .iter()
            .map(|correlation| {
                Some(convert_correlation_in_batch(
                    correlation,
                    &rules,
                    &named,
                    &self.correlations,
                ))
            })
            .collect();
        drop(rules);

        for slot in std::mem::take(&mut self.slots) {
            let output = match slot {
                Slot::Failed(output) => *output,
                Slot::Rule { path, index } => {
                    // Every rule has one slot, so its rule is still there.
                    let Some(rule) = self.rules.get_mut(index).and_then(Option::take) else {
                        continue;
                    };
                    let result = match named.remove(&index) {
                        Some(result) => result,
                        None => convert_rule(&rule),
                    };
                    let result = result.map_err(|mut error| {
                        error.file = path.clone();
                        error
                    });
                    RuleOutput {
                        path,
                        id: rule.id,
                        title: Some(rule.title),
                        level: rule.level,
                        tags: rule.tags,
                        author: rule.author,
                        result,
                    }
                }
                Slot::Correlation { path, index } => {
                    let (Some(result), Some(correlation)) = (
                        correlation_results.get_mut(index).and_then(Option::take),
                        self.correlations.get(index),
                    ) else {
                        continue;
                    };
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
            emit(output);
        }
    }
}

/// Returns the index of the first rule whose id or name is `reference`.
fn find_rule(rules: &[&Rule], reference: &str) -> Option<usize> {
    rules.iter().position(|rule| {
        rule.id.as_deref() == Some(reference) || rule.name.as_deref() == Some(reference)
    })
}

/// Finds the rules a correlation names among the batch and converts the correlation.
fn convert_correlation_in_batch(
    correlation: &Correlation,
    rules: &[&Rule],
    conversions: &HashMap<usize, Result<Conversion, ConvertError>>,
    correlations: &[Correlation],
) -> Result<Conversion, ConvertError> {
    let mut named = Vec::with_capacity(correlation.rules.len());
    for reference in &correlation.rules {
        let names = |id: &Option<String>, name: &Option<String>| {
            id.as_deref() == Some(reference) || name.as_deref() == Some(reference)
        };
        let found = find_rule(rules, reference).and_then(|index| {
            conversions
                .get(&index)
                .map(|conversion| (index, conversion))
        });
        let Some((index, conversion)) = found else {
            let message = if correlations.iter().any(|c| names(&c.id, &c.name)) {
                format!("the correlation names the correlation '{reference}'; correlations of correlations are not converted")
            } else {
                format!("the correlation names rule '{reference}', which is not among the converted rules; convert it in the same run")
            };
            return Err(ConvertError {
                kind: ConvertErrorKind::UnsupportedFeature,
                file: None,
                position: Some(correlation.rules_position),
                item: None,
                message,
            });
        };
        let conversion = conversion.as_ref().map_err(|error| ConvertError {
            kind: error.kind,
            file: None,
            position: Some(correlation.rules_position),
            item: None,
            message: format!(
                "rule '{reference}' named by the correlation did not convert: {}",
                error.message
            ),
        })?;
        let rule = rules[index];
        named.push(CorrelatedRule {
            reference: reference.as_str(),
            name: rule.name.as_deref(),
            id: rule.id.as_deref(),
            conversion,
        });
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
        if error.kind == ConvertErrorKind::UnknownLogSource
            || error.kind == ConvertErrorKind::NoDataSource
        {
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
        result: Err(ConvertError {
            kind: ConvertErrorKind::Parse,
            file: error.file.or(path),
            position,
            item: error.item,
            message,
        }),
    }
}
