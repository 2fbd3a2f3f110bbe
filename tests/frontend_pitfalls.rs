//! The small rules that earlier converters got wrong parse into the IR their correct
//! translation needs.

mod common;

use sigma_mde::ir::{Expr, Pattern, PatternPart, Predicate, Test};
use sigma_mde::sigma::{parse_file, Document, ErrorKind, ParseOptions, Rule, ValueError};

fn load(name: &str, options: &ParseOptions) -> Option<Result<Rule, sigma_mde::sigma::Error>> {
    let shared = common::shared_dir()?;
    let path = shared.join("cases/known-pitfalls").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut parsed = parse_file(&text, Some(name), options);
    assert_eq!(parsed.documents.len(), 1);
    Some(parsed.documents.remove(0).map(|d| match d {
        Document::Rule(r) => r,
        other => panic!("{name} is not a rule: {}", other.title()),
    }))
}

fn rule(name: &str) -> Option<Rule> {
    load(name, &ParseOptions::default()).map(|r| r.unwrap_or_else(|e| panic!("{e}")))
}

fn pred(e: &Expr) -> &Predicate {
    match e {
        Expr::Pred(p) => p,
        other => panic!("not a predicate: {other:?}"),
    }
}

fn sigma_text(e: &Expr) -> String {
    match &pred(e).test {
        Test::Pattern { value, .. } => value.to_string(),
        other => panic!("not a pattern: {other:?}"),
    }
}

/// Describes an expression by item names, to compare the shape of conditions.
fn shape(e: &Expr) -> String {
    match e {
        Expr::And(t) => format!(
            "and({})",
            t.iter().map(shape).collect::<Vec<_>>().join(", ")
        ),
        Expr::Or(t) => format!("or({})", t.iter().map(shape).collect::<Vec<_>>().join(", ")),
        Expr::Not(inner) => format!("not({})", shape(inner)),
        Expr::Pred(p) => format!("{}.{}", p.item, p.field.as_deref().unwrap_or("")),
    }
}

#[test]
fn b01_inner_wildcards_are_tokens() {
    let Some(rule) = rule("b01.yml") else { return };
    let Expr::And(terms) = &rule.conditions[0] else {
        panic!("not an AND")
    };
    let Test::Pattern { value, .. } = &pred(&terms[0]).test else {
        panic!("not a pattern")
    };
    assert_eq!(
        value.parts,
        vec![
            PatternPart::AnyRun,
            PatternPart::Literal("vssadmin".into()),
            PatternPart::AnyRun,
            PatternPart::Literal("delete".into()),
            PatternPart::AnyRun,
            PatternPart::Literal("shadows".into()),
            PatternPart::AnyRun,
        ]
    );
    let Test::Pattern { value, .. } = &pred(&terms[1]).test else {
        panic!("not a pattern")
    };
    assert_eq!(
        value.parts,
        vec![
            PatternPart::AnyRun,
            PatternPart::Literal("\\wmic".into()),
            PatternPart::AnyOne,
            PatternPart::Literal(".exe".into()),
        ]
    );
}

#[test]
fn b02_trailing_backslash() {
    let Some(rule) = rule("b02.yml") else { return };
    let Expr::Or(terms) = &rule.conditions[0] else {
        panic!("not an OR")
    };
    let Test::Pattern { value, .. } = &pred(&terms[0]).test else {
        panic!("not a pattern")
    };
    assert_eq!(
        value.parts,
        vec![
            PatternPart::AnyRun,
            PatternPart::Literal("\\AppData\\Local\\Temp\\".into()),
            PatternPart::AnyRun
        ]
    );
    let Test::Pattern { value, .. } = &pred(&terms[1]).test else {
        panic!("not a pattern")
    };
    assert_eq!(
        value.parts,
        vec![
            PatternPart::AnyRun,
            PatternPart::Literal("\\Startup*".into())
        ]
    );
}

#[test]
fn b03_escapes_decoded() {
    let Some(rule) = rule("b03.yml") else { return };
    let Expr::And(terms) = &rule.conditions[0] else {
        panic!("not an AND")
    };
    let literals: Vec<Pattern> = terms
        .iter()
        .map(|t| match &pred(t).test {
            Test::Pattern { value, .. } => value.clone(),
            other => panic!("not a pattern: {other:?}"),
        })
        .collect();
    let inner: Vec<&PatternPart> = literals.iter().map(|p| &p.parts[1]).collect();
    assert_eq!(
        inner,
        vec![
            &PatternPart::Literal("/tn *".into()),
            &PatternPart::Literal(" \\*.dll".into()),
            &PatternPart::Literal("\"C:\\Program Files\\App\\app.exe\" /run".into()),
        ]
    );
}

#[test]
fn b04_not_wraps_the_group() {
    let Some(rule) = rule("b04.yml") else { return };
    assert_eq!(
        shape(&rule.conditions[0]),
        "and(selection.Image, not(and(filter_cli.CommandLine, filter_parent.ParentImage)))"
    );
}

#[test]
fn b05_placeholder_needs_a_value() {
    let Some(result) = load("b05.yml", &ParseOptions::default()) else {
        return;
    };
    let err = result.unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::Value(ValueError::UnresolvedPlaceholders {
            field: "Computer".into(),
            names: vec!["Servers".into()]
        })
    );
    assert_eq!(err.item.as_deref(), Some("filter_servers"));
    let mut options = ParseOptions::default();
    options
        .placeholders
        .insert("Servers".into(), vec!["srv-*".into()]);
    let rule = load("b05.yml", &options).unwrap().unwrap();
    assert_eq!(
        shape(&rule.conditions[0]),
        "and(or(selection.Image, selection.Image), selection.CommandLine, not(filter_servers.Computer))"
    );
    let Expr::And(terms) = &rule.conditions[0] else {
        unreachable!()
    };
    let Expr::Not(inner) = &terms[2] else {
        unreachable!()
    };
    assert_eq!(sigma_text(inner), "srv-*");
}

#[test]
fn b06_precedence() {
    let Some(rule) = rule("b06.yml") else { return };
    assert_eq!(
        shape(&rule.conditions[0]),
        "or(sel_img.Image, and(sel_cli.CommandLine, not(or(filter_main_parent.ParentImage, \
         and(filter_main_local.CommandLine, filter_main_local.ParentImage)))))"
    );
}

#[test]
fn b07_all_semantics() {
    let Some(rule) = rule("b07.yml") else { return };
    assert_eq!(
        shape(&rule.conditions[0]),
        "and(selection_cli.CommandLine, selection_cli.CommandLine, \
         or(selection_parent.ParentImage, selection_parent.ParentImage))"
    );
}

#[test]
fn b08_hash_list_is_an_or() {
    let Some(rule) = rule("b08.yml") else { return };
    let Expr::Or(terms) = &rule.conditions[0] else {
        panic!("not an OR")
    };
    assert_eq!(terms.len(), 3);
    assert_eq!(
        sigma_text(&terms[2]),
        "*IMPHASH=00000000000000000000000000000003*"
    );
}
