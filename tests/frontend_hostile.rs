//! Hostile inputs end with the documented error instead of exhausting time, memory or
//! the stack.

use sigma_mde::ir::Position;
use sigma_mde::sigma::{
    condition, detection, parse_bytes, parse_file, yaml, ConditionError, Error, ErrorKind,
    ParseOptions, RuleError, YamlError,
};

fn single_error(text: &str) -> Error {
    let mut parsed = parse_file(text, Some("hostile.yml"), &ParseOptions::default());
    assert_eq!(parsed.documents.len(), 1, "expected one failed document");
    parsed.documents.remove(0).expect_err("expected an error")
}

#[test]
fn alias_bomb() {
    let mut text =
        String::from("title: bomb\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..=9 {
        let previous = format!("*l{}", level - 1);
        let list = [previous.as_str(); 9].join(", ");
        text.push_str(&format!("l{level}: &l{level} [{list}]\n"));
    }
    let err = single_error(&text);
    assert_eq!(
        err.kind,
        ErrorKind::Yaml(YamlError::TooManyNodes {
            limit: yaml::MAX_NODES
        })
    );
    assert_eq!(err.file.as_deref(), Some("hostile.yml"));
}

#[test]
fn many_aliases() {
    let mut text = String::from("title: t\na: &a x\nb:\n");
    for _ in 0..=yaml::MAX_ALIASES {
        text.push_str("  - *a\n");
    }
    let err = single_error(&text);
    assert_eq!(
        err.kind,
        ErrorKind::Yaml(YamlError::TooManyAliases {
            limit: yaml::MAX_ALIASES
        })
    );
}

#[test]
fn flow_nesting_40000_deep() {
    let text = format!("title: deep\nx: {}", "[".repeat(40_000));
    let err = single_error(&text);
    assert_eq!(
        err.kind,
        ErrorKind::Yaml(YamlError::NestingTooDeep {
            limit: yaml::MAX_DEPTH
        })
    );
}

#[test]
fn block_nesting_40000_deep() {
    let text = format!("title: deep\nx:\n{}x\n", "- ".repeat(40_000));
    let err = single_error(&text);
    assert_eq!(
        err.kind,
        ErrorKind::Yaml(YamlError::NestingTooDeep {
            limit: yaml::MAX_DEPTH
        })
    );
}

#[test]
fn condition_nesting_40000_deep() {
    let condition = format!("{}sel{}", "(".repeat(40_000), ")".repeat(40_000));
    let text = format!(
        "title: t\nlogsource:\n  product: windows\ndetection:\n  sel:\n    A: b\n  condition: '{condition}'\n"
    );
    let err = single_error(&text);
    assert_eq!(
        err.kind,
        ErrorKind::Condition(ConditionError::TooDeep {
            limit: condition::MAX_CONDITION_DEPTH,
            column: condition::MAX_CONDITION_DEPTH + 1
        })
    );
}

#[test]
fn twenty_thousand_documents() {
    let text = "---\ntitle: t\n".repeat(20_000);
    let err = single_error(&text);
    assert_eq!(
        err.kind,
        ErrorKind::Yaml(YamlError::TooManyDocuments {
            limit: yaml::MAX_DOCUMENTS
        })
    );
    assert_eq!(
        err.position.line,
        u32::try_from(yaml::MAX_DOCUMENTS * 2 + 1).unwrap()
    );
}

#[test]
fn ten_megabyte_scalar() {
    let text = format!(
        "title: big\ndescription: {}\n",
        "a".repeat(10 * 1024 * 1024)
    );
    let err = single_error(&text);
    assert_eq!(
        err.kind,
        ErrorKind::Yaml(YamlError::DocumentTooLarge {
            limit: yaml::MAX_DOCUMENT_BYTES
        })
    );
}

#[test]
fn duplicate_selection_keys() {
    let text = "title: t\nlogsource:\n  product: windows\ndetection:\n  selection:\n    A: x\n  selection:\n    B: y\n  condition: selection\n";
    let err = single_error(text);
    assert_eq!(
        err.kind,
        ErrorKind::Yaml(YamlError::DuplicateKey {
            key: "selection".into(),
            first: Position { line: 5, column: 3 }
        })
    );
    assert_eq!(err.position, Position { line: 7, column: 3 });
    assert!(err
        .to_string()
        .starts_with("hostile.yml:7:3: duplicate key 'selection' (first defined at 5:3)"));
}

#[test]
fn duplicate_field_keys() {
    let text = "title: t\ndetection:\n  selection:\n    A: x\n    A: y\n  condition: selection\n";
    let err = single_error(text);
    assert!(
        matches!(err.kind, ErrorKind::Yaml(YamlError::DuplicateKey { ref key, .. }) if key == "A")
    );
}

#[test]
fn invalid_utf8() {
    let bytes = b"title: t\ndescription: caf\xe9\n";
    let mut parsed = parse_bytes(bytes, Some("latin1.yml"), &ParseOptions::default());
    let err = parsed.documents.remove(0).expect_err("expected an error");
    assert_eq!(err.kind, ErrorKind::Yaml(YamlError::InvalidUtf8));
    assert_eq!(
        err.position,
        Position {
            line: 2,
            column: 17
        }
    );
    assert_eq!(err.file.as_deref(), Some("latin1.yml"));
}

#[test]
fn windash_explosion() {
    let text =
        "title: t\ndetection:\n  sel:\n    A|windash: '-a -b -c -d -e -f'\n  condition: sel\n";
    let err = single_error(text);
    assert!(
        err.to_string().contains("more than 4096 alternatives"),
        "{err}"
    );
}

#[test]
fn garbage_never_panics() {
    let inputs: &[&[u8]] = &[
        b"",
        b"\xef\xbb\xbf",
        b"---\n...\n",
        b"[",
        b"{a: 1, a: 2}",
        b"- - -",
        b"title: [",
        b"? [a]\n: b\n",
        b"*unknown",
        b"&a [*a]",
        b"title: t\ndetection: 5\n",
        b"title: t\ndetection:\n  condition: []\n",
        b"title: t\ndetection:\n  sel: ~\n  condition: sel\n",
        b"title: t\ndetection:\n  sel: [a, {b: c}]\n  condition: sel\n",
        b"title: t\ndetection:\n  sel: {'': x}\n  condition: sel\n",
        b"title: t\ndetection:\n  sel: {'|': x}\n  condition: sel\n",
        b"title: t\ndetection:\n  sel: {a: [[x]]}\n  condition: sel\n",
        b"title: t\ndetection:\n  sel: {a: x}\n  condition: '1 of'\n",
        b"title: t\ndetection:\n  sel: {a: x}\n  condition: ')'\n",
        b"title: t\ndetection:\n  sel: {a: x}\n  condition: 'not'\n",
        b"title: t\ndetection:\n  sel: {a: x}\n  condition: 'sel and \xc3\xa9'\n",
        b"title: t\ncorrelation: {type: x}\n",
        b"title: t\nfilter: {rules: []}\n",
        b"action: repeat\n",
        b"action: [x]\n",
        b"!!binary title: t\n",
        b"%YAML 1.2\n---\ntitle: t\n",
    ];
    for input in inputs {
        let parsed = parse_bytes(input, None, &ParseOptions::default());
        for doc in parsed.documents {
            if let Err(e) = doc {
                // Every error renders a message.
                assert!(!e.to_string().is_empty());
            }
        }
    }
}

#[test]
fn values_multiplied_past_predicate_limit() {
    let mut text = String::from("title: t\ndetection:\n  sel:\n    A|windash:\n");
    for i in 0..200 {
        text.push_str(&format!("      - '-a{i} -b -c -d'\n"));
    }
    text.push_str("  condition: sel\n");
    let err = single_error(&text);
    assert_eq!(
        err.kind,
        ErrorKind::Rule(RuleError::TooManyPredicates {
            limit: detection::MAX_PREDICATES
        })
    );
    assert_eq!(err.item.as_deref(), Some("sel"));
}

#[test]
fn condition_repeated_past_predicate_limit() {
    let mut text = String::from("title: t\ndetection:\n  sel:\n    A:\n");
    for i in 0..1000 {
        text.push_str(&format!("      - v{i}\n"));
    }
    let condition = vec!["sel"; 200].join(" and ");
    text.push_str(&format!("  condition: {condition}\n"));
    let err = single_error(&text);
    assert!(
        matches!(
            err.kind,
            ErrorKind::Condition(ConditionError::TooLarge { limit, .. }) if limit == detection::MAX_PREDICATES
        ),
        "{err}"
    );
}
