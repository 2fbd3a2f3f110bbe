//! The correlation, filter and rule examples of the Sigma specification parse into the
//! expected models, and filters and correlation references work across documents.

mod common;

use std::path::Path;

use sigma_mde::ir::{Expr, Number, Pattern, PatternPart, Test};
use sigma_mde::sigma::{
    apply_filters, check_references, parse_file, BoundOp, Correlation, CorrelationType, Document,
    ErrorKind, Filter, ParseOptions, ReferenceError, Rule, TimeUnit, Timespan,
};

fn parse_one(path: &Path) -> Document {
    let text = std::fs::read_to_string(path).unwrap();
    let label = path.display().to_string();
    let mut parsed = parse_file(&text, Some(&label), &ParseOptions::default());
    assert_eq!(parsed.documents.len(), 1, "{label}");
    parsed.documents.remove(0).unwrap_or_else(|e| panic!("{e}"))
}

fn correlation(dir: &Path, name: &str) -> Correlation {
    match parse_one(&dir.join("correlation").join(name)) {
        Document::Correlation(c) => c,
        other => panic!("{name} is not a correlation: {other:?}"),
    }
}

#[test]
fn spec_examples_parse() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("corpus/sigma-spec-examples");
    let mut count = 0;
    for sub in ["correlation", "filter", "rules"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let doc = parse_one(&path);
            let expected = match sub {
                "correlation" => matches!(doc, Document::Correlation(_)),
                "filter" => matches!(doc, Document::Filter(_)),
                _ => matches!(doc, Document::Rule(_)),
            };
            assert!(expected, "{} parsed as {doc:?}", path.display());
            count += 1;
        }
    }
    assert_eq!(count, 12);
}

#[test]
fn correlation_models() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("corpus/sigma-spec-examples");

    let c = correlation(&dir, "event_count.yml");
    assert_eq!(c.kind, CorrelationType::EventCount);
    assert_eq!(
        c.rules,
        vec!["5638f7c0-ac70-491d-8465-2a65075e0d86".to_owned()]
    );
    assert_eq!(c.group_by, vec!["ComputerName".to_owned()]);
    assert_eq!(
        c.timespan,
        Timespan {
            count: 1,
            unit: TimeUnit::Hour
        }
    );
    let condition = c.condition.unwrap();
    assert_eq!(condition.bounds, vec![(BoundOp::Gte, Number::Int(100))]);
    assert_eq!(condition.field, None);
    assert!(!c.generate);

    let c = correlation(&dir, "value_count.yml");
    assert_eq!(c.kind, CorrelationType::ValueCount);
    assert_eq!(c.timespan.seconds(), Some(86_400));
    assert_eq!(c.condition.unwrap().field.as_deref(), Some("User"));

    let c = correlation(&dir, "temporal.yml");
    assert_eq!(c.kind, CorrelationType::Temporal);
    assert_eq!(c.rules.len(), 3);
    assert_eq!(c.condition, None);
    assert_eq!(
        c.group_by,
        vec!["ComputerName".to_owned(), "User".to_owned()]
    );

    assert_eq!(
        correlation(&dir, "temporal_ordered.yml").kind,
        CorrelationType::TemporalOrdered
    );
    assert_eq!(
        correlation(&dir, "value_sum.yml").kind,
        CorrelationType::ValueSum
    );
    let c = correlation(&dir, "value_avg.yml");
    assert_eq!(c.kind, CorrelationType::ValueAvg);
    assert_eq!(
        c.condition.unwrap().bounds,
        vec![(BoundOp::Gt, Number::Int(500))]
    );
    let c = correlation(&dir, "value_percentile.yml");
    assert_eq!(c.kind, CorrelationType::ValuePercentile);
    assert_eq!(c.condition.unwrap().field.as_deref(), Some("Image"));

    let c = correlation(&dir, "event_count_ecs.yml");
    assert_eq!(c.taxonomy.as_deref(), Some("ecs"));
}

#[test]
fn filter_model() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let path = shared.join("corpus/sigma-spec-examples/filter/filter_1.yml");
    let Document::Filter(filter) = parse_one(&path) else {
        panic!("not a filter")
    };
    assert_eq!(filter.rules.len(), 2);
    assert_eq!(
        filter.logsource.category.as_deref(),
        Some("process_creation")
    );
    let Expr::Pred(p) = &filter.condition else {
        panic!("not a predicate: {:?}", filter.condition)
    };
    assert_eq!(p.field.as_deref(), Some("User"));
    assert_eq!(&*p.item, "filter:Filter Administrator account:selection");
    assert_eq!(
        p.test,
        Test::Pattern {
            value: Pattern {
                parts: vec![PatternPart::Literal("adm_".into()), PatternPart::AnyRun]
            },
            cased: false
        }
    );
}

fn parse_all(text: &str) -> Vec<Document> {
    parse_file(text, None, &ParseOptions::default())
        .documents
        .into_iter()
        .map(|d| d.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

const RULE_AND_FILTER: &str = "\
title: Rar
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\rar.exe'
    condition: selection
---
title: Filter Administrator account
logsource:
    category: process_creation
    product: windows
filter:
    rules:
        - 6f3e2987-db24-4c78-a860-b4f4095a7095
        - df0841c0-9846-4e9f-ad8a-7df91571771b
    selection:
        User|startswith: 'adm_'
    condition: selection
";

#[test]
fn filter_applies_and_not() {
    let docs = parse_all(RULE_AND_FILTER);
    let mut rules: Vec<Rule> = Vec::new();
    let mut filters: Vec<Filter> = Vec::new();
    for doc in docs {
        match doc {
            Document::Rule(r) => rules.push(r),
            Document::Filter(f) => filters.push(f),
            Document::Correlation(_) => unreachable!(),
        }
    }
    let original = rules[0].conditions[0].clone();
    let errors = apply_filters(&mut rules, &filters);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].kind,
        ErrorKind::Reference(ReferenceError::UnknownRule {
            reference: "df0841c0-9846-4e9f-ad8a-7df91571771b".into()
        })
    );
    let expected = Expr::And(vec![
        original,
        Expr::Not(Box::new(filters[0].condition.clone())),
    ]);
    assert_eq!(rules[0].conditions[0], expected);
    let Expr::And(terms) = &rules[0].conditions[0] else {
        unreachable!()
    };
    let Expr::Not(inner) = &terms[1] else {
        panic!("not a NOT")
    };
    let Expr::Pred(p) = inner.as_ref() else {
        panic!("not a predicate")
    };
    assert_eq!(&*p.item, "filter:Filter Administrator account:selection");
}

#[test]
fn filter_with_other_logsource_is_rejected() {
    let text = RULE_AND_FILTER.replace(
        "    category: process_creation\n    product: windows\nfilter",
        "    category: network_connection\n    product: windows\nfilter",
    );
    let docs = parse_all(&text);
    let (mut rules, mut filters) = (Vec::new(), Vec::new());
    for doc in docs {
        match doc {
            Document::Rule(r) => rules.push(r),
            Document::Filter(f) => filters.push(f),
            Document::Correlation(_) => unreachable!(),
        }
    }
    let before = rules[0].conditions.clone();
    let errors = apply_filters(&mut rules, &filters);
    assert!(errors.iter().any(|e| matches!(
        e.kind,
        ErrorKind::Reference(ReferenceError::LogsourceMismatch { .. })
    )));
    assert_eq!(rules[0].conditions, before);
}

#[test]
fn correlation_references_by_id_and_name() {
    let text = "\
title: Failed login
name: failed_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4625
    condition: selection
---
title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
name: many_failed
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - TargetUserName
    timespan: 10m
    condition:
        gte: 10
---
title: Chain
correlation:
    type: temporal_ordered
    rules:
        - many_failed
        - missing_rule
    group-by:
        - internal_user
    aliases:
        internal_user:
            many_failed: TargetUserName
    timespan: 1h
    generate: true
";
    let docs = parse_all(text);
    let Document::Correlation(chain) = &docs[2] else {
        panic!("not a correlation")
    };
    assert!(chain.generate);
    assert_eq!(
        chain.aliases[0].fields,
        vec![("many_failed".to_owned(), "TargetUserName".to_owned())]
    );
    let refs: Vec<&Document> = docs.iter().collect();
    let errors = check_references(&refs);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].kind,
        ErrorKind::Reference(ReferenceError::UnknownRule {
            reference: "missing_rule".into()
        })
    );
}

#[test]
fn correlation_cycle_is_reported() {
    let text = "\
title: A
name: a
correlation: {type: temporal, rules: [b], timespan: 1m}
---
title: B
name: b
correlation: {type: temporal, rules: [a], timespan: 1m}
";
    let docs = parse_all(text);
    let refs: Vec<&Document> = docs.iter().collect();
    let errors = check_references(&refs);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors
        .iter()
        .all(|e| matches!(e.kind, ErrorKind::Reference(ReferenceError::Cycle { .. }))));
}

#[test]
fn correlation_errors() {
    let cases = [
        (
            "correlation: {type: bogus, rules: [a], timespan: 1m}",
            "unknown correlation type 'bogus'",
        ),
        (
            "correlation: {type: event_count, rules: [a], timespan: 1m}",
            "missing required key 'condition'",
        ),
        (
            "correlation: {type: event_count, rules: [a], timespan: 5x, condition: {gt: 1}}",
            "invalid timespan '5x'",
        ),
        (
            "correlation: {type: value_count, rules: [a], timespan: 5m, condition: {gt: 1}}",
            "needs 'field'",
        ),
        (
            "correlation: {type: event_count, rules: [a], timespan: 5m, condition: {gt: x}}",
            "'gt' needs a number",
        ),
        (
            "correlation: {type: temporal, rules: [], timespan: 5m}",
            "missing required key 'rules'",
        ),
        (
            "correlation: {type: temporal, rules: [a], timespan: 5m, aliases: {x: {b: f}}}",
            "alias 'x' names rule 'b'",
        ),
    ];
    for (body, message) in cases {
        let text = format!("title: t\n{body}\n");
        let mut parsed = parse_file(&text, None, &ParseOptions::default());
        let err = parsed.documents.remove(0).expect_err(body);
        assert!(err.to_string().contains(message), "{body}: {err}");
    }
}
