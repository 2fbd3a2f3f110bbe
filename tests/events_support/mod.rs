//! Shared helpers of the Windows event tests: a one-selection rule for an event, its
//! conversion, and the check against the query or no-data-source message it must give.
#![allow(dead_code)]

use sigma_mde::{convert_file, Conversion, ConvertError, ConvertErrorKind};

/// What the rule of one event must convert to.
#[derive(Debug, Clone, Copy)]
pub enum Expected {
    /// Exactly this one query.
    Query(&'static str),
    /// A no-data-source error with exactly this message.
    NoSource(&'static str),
}

/// A small rule for one Windows event: its service (`None` for a rule without one), its
/// `EventID` and further selection lines in YAML (`Field|modifier: value`).
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub service: Option<&'static str>,
    pub event_id: u32,
    pub fields: &'static [&'static str],
    pub expected: Expected,
}

/// Builds a [`Case`]; table rows read shorter than struct literals.
pub const fn case(
    service: Option<&'static str>,
    event_id: u32,
    fields: &'static [&'static str],
    expected: Expected,
) -> Case {
    Case {
        service,
        event_id,
        fields,
        expected,
    }
}

/// Writes the rule text of one event: `EventID` and the fields in one selection.
pub fn rule_yaml(service: Option<&str>, event_id: u32, fields: &[&str]) -> String {
    let mut text = String::from("title: Event test\nlogsource:\n    product: windows\n");
    if let Some(service) = service {
        text.push_str(&format!("    service: {service}\n"));
    }
    text.push_str(&format!(
        "detection:\n    selection:\n        EventID: {event_id}\n"
    ));
    for field in fields {
        text.push_str(&format!("        {field}\n"));
    }
    text.push_str("    condition: selection\n");
    text
}

/// Converts one rule text; the rule file must hold exactly one rule.
pub fn convert_text(text: &str, label: &str) -> Result<Conversion, ConvertError> {
    let mut outputs = convert_file(text.as_bytes(), Some(label), &Default::default());
    assert_eq!(outputs.len(), 1, "{label}: one rule expected");
    outputs.remove(0).result
}

/// Names a case in assertion messages: `security/4624`, or `-/7045` without a service.
pub fn label(case: &Case) -> String {
    format!("{}/{}", case.service.unwrap_or("-"), case.event_id)
}

/// Converts a case's rule and asserts the expected outcome. Returns the query, if any, for
/// the query checker.
pub fn check_case(case: &Case) -> Option<(String, String)> {
    let label = label(case);
    let text = rule_yaml(case.service, case.event_id, case.fields);
    let result = convert_text(&text, &label);
    match case.expected {
        Expected::Query(query) => {
            let conversion = result.unwrap_or_else(|error| {
                panic!("{label}: expected a query, got the error: {error}")
            });
            assert_eq!(conversion.queries, vec![query.to_owned()], "{label}: query");
            Some((label, query.to_owned()))
        }
        Expected::NoSource(message) => {
            let error = result.expect_err(&format!("{label}: expected a no-data-source error"));
            assert_eq!(
                error.kind,
                ConvertErrorKind::NoDataSource,
                "{label}: error kind of: {error}"
            );
            assert_eq!(error.message, message, "{label}: message");
            // The error points at the EventID key, the line after `selection:`.
            let line = if case.service.is_some() { 7 } else { 6 };
            let position = error
                .position
                .expect("no-data-source errors carry a position");
            assert_eq!(
                (position.line, position.column),
                (line, 9),
                "{label}: position"
            );
            None
        }
    }
}

/// Runs the queries through `kql-check` when the shared tools are present, and fails with
/// its report when any query does not parse or bind.
pub fn assert_queries_check(label: &str, queries: &[(String, String)]) {
    let Some(shared) = crate::common::shared_dir() else {
        return;
    };
    if let Some(failures) = crate::common::kql_check(&shared, label, queries) {
        assert!(
            failures.is_empty(),
            "kql-check rejected queries:\n{}",
            failures.join("\n")
        );
    }
}
