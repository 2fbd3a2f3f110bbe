//! Value transforms for the fields of Windows event logs (Security, System, Task Scheduler):
//! fields the event itself fixes, Windows' placeholders for unknown values, and braced GUIDs.

use crate::ir::{Pattern, PatternPart, Test};
use crate::mapping::{self, FieldMapping, Source};

use super::super::ast::{Expr, Operand};
use super::super::error::ConvertError;
use super::{
    describe_test, lower_test, null_test, push_operand, single_operand, spec_shape_error,
    string_pattern, unsupported,
};

/// Lowers a field whose value the event fixes, such as `Provider_Name`. The source's table
/// and ActionType already select the event, so the rule's value is compared with the known
/// values (the keys of the field's value map) while converting, and the test becomes `true`
/// or `false`.
pub(super) fn lower_implied_value(
    mapping: &FieldMapping,
    test: &Test,
) -> Result<Expr, ConvertError> {
    let Some(map) = mapping.value_map else {
        return Err(spec_shape_error(mapping, "value map"));
    };
    let known = mapping::value_map_entries(map);
    let matches = match test {
        Test::Pattern { value, cased } => known
            .iter()
            .any(|(key, _)| pattern_matches(value, key, *cased)),
        Test::Number { text, .. } => known.iter().any(|(key, _)| key.eq_ignore_ascii_case(text)),
        // The event always carries the field.
        Test::Null => false,
        Test::Exists(exists) => *exists,
        other => {
            return Err(unsupported(format!(
                "field '{}' is fixed by the event ({}), so it takes text values, not {}",
                mapping.name,
                known
                    .iter()
                    .map(|(key, _)| *key)
                    .collect::<Vec<_>>()
                    .join(", "),
                describe_test(other)
            )))
        }
    };
    Ok(Expr::Bool(matches))
}

/// Windows writes a placeholder such as `-` where it does not know a value (the address of a
/// local logon); Defender leaves the column empty. A rule value that is a placeholder (a key
/// of the field's value map, alone or between `*` wildcards) therefore also matches an empty
/// column, or a null one for numbers. Other values compare as written.
pub(super) fn lower_unknown_placeholder(
    mapping: &FieldMapping,
    test: &Test,
    source: &Source,
) -> Result<Expr, ConvertError> {
    let Some(map) = mapping.value_map else {
        return Err(spec_shape_error(mapping, "value map"));
    };
    let (operand, ty) = single_operand(mapping)?;
    let text = match test {
        Test::Pattern { value, .. } => placeholder_text(value),
        Test::Number { text, .. } => Some(text.clone()),
        _ => None,
    };
    let is_placeholder = text.is_some_and(|text| mapping::value_map(map, &text).is_some());
    let compared = lower_test(operand.clone(), ty, test, source)?;
    if !is_placeholder {
        return Ok(compared);
    }
    Ok(Expr::or(vec![null_test(operand, ty, true), compared]))
}

/// Returns the literal text of a pattern whose only wildcards are `*` at its ends.
fn placeholder_text(value: &Pattern) -> Option<String> {
    let mut parts: &[PatternPart] = &value.parts;
    while parts.first() == Some(&PatternPart::AnyRun) {
        parts = &parts[1..];
    }
    while parts.last() == Some(&PatternPart::AnyRun) {
        parts = &parts[..parts.len() - 1];
    }
    match parts {
        [PatternPart::Literal(text)] => Some(text.clone()),
        _ => None,
    }
}

/// Windows writes GUIDs in braces (`{0CCE9210-...}`), and Defender's spelling is not
/// documented, so the column is compared with its braces trimmed and the rule's value without
/// them.
pub(super) fn lower_braced_guid(
    mapping: &FieldMapping,
    test: &Test,
    source: &Source,
) -> Result<Expr, ConvertError> {
    let (operand, ty) = single_operand(mapping)?;
    let Test::Pattern { value, cased } = test else {
        return lower_test(operand, ty, test, source);
    };
    let mut trimmed = String::from("trim(@\"[{}]\", ");
    push_operand(&operand, &mut trimmed);
    trimmed.push(')');
    Ok(string_pattern(
        Operand::Computed(trimmed),
        &strip_braces(value),
        *cased,
    ))
}

/// Removes a `{` that starts the pattern and a `}` that ends it.
fn strip_braces(value: &Pattern) -> Pattern {
    let mut parts = value.parts.clone();
    if let Some(PatternPart::Literal(text)) = parts.first_mut() {
        if let Some(rest) = text.strip_prefix('{') {
            *text = rest.to_owned();
        }
    }
    if let Some(PatternPart::Literal(text)) = parts.last_mut() {
        if let Some(rest) = text.strip_suffix('}') {
            *text = rest.to_owned();
        }
    }
    let mut out = Pattern::default();
    for part in parts {
        match part {
            PatternPart::Literal(text) => out.push_literal(&text),
            wildcard => out.push_wildcard(wildcard),
        }
    }
    out
}

/// Returns whether `text` matches a Sigma pattern: `*` any run of characters, `?` exactly one,
/// compared without regard to case unless `cased`.
fn pattern_matches(value: &Pattern, text: &str, cased: bool) -> bool {
    let fold = |c: char| if cased { c } else { c.to_ascii_lowercase() };
    let text: Vec<char> = text.chars().map(fold).collect();
    let mut tokens = Vec::new();
    for part in &value.parts {
        match part {
            PatternPart::Literal(literal) => {
                tokens.extend(literal.chars().map(|c| Token::Char(fold(c))))
            }
            PatternPart::AnyRun => tokens.push(Token::AnyRun),
            PatternPart::AnyOne => tokens.push(Token::AnyOne),
        }
    }
    matches_from(&tokens, &text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    AnyRun,
    AnyOne,
}

/// Matches tokens against text by dynamic programming over (token, character) positions, so
/// patterns with many `*` stay linear in the product of the two lengths.
fn matches_from(tokens: &[Token], text: &[char]) -> bool {
    // `reachable[j]`: the tokens consumed so far can match exactly `text[..j]`.
    let mut reachable = vec![false; text.len() + 1];
    reachable[0] = true;
    for token in tokens {
        let mut next = vec![false; text.len() + 1];
        match token {
            Token::AnyRun => {
                let mut any = false;
                for j in 0..=text.len() {
                    any |= reachable[j];
                    next[j] = any;
                }
            }
            Token::AnyOne => next[1..].copy_from_slice(&reachable[..text.len()]),
            Token::Char(c) => {
                for j in 0..text.len() {
                    next[j + 1] = reachable[j] && text[j] == *c;
                }
            }
        }
        reachable = next;
    }
    reachable[text.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(parts: &[PatternPart]) -> Pattern {
        let mut out = Pattern::default();
        for part in parts {
            match part {
                PatternPart::Literal(text) => out.push_literal(text),
                wildcard => out.push_wildcard(wildcard.clone()),
            }
        }
        out
    }

    fn literal(text: &str) -> PatternPart {
        PatternPart::Literal(text.to_owned())
    }

    #[test]
    fn pattern_matches_ignores_case_unless_cased() {
        let value = pattern(&[literal("Service Control Manager")]);
        assert!(pattern_matches(&value, "service control manager", false));
        assert!(!pattern_matches(&value, "service control manager", true));
        assert!(pattern_matches(&value, "Service Control Manager", true));
    }

    #[test]
    fn pattern_matches_wildcards() {
        let contains = pattern(&[PatternPart::AnyRun, literal("Control"), PatternPart::AnyRun]);
        assert!(pattern_matches(&contains, "Service Control Manager", false));
        assert!(!pattern_matches(
            &contains,
            "Microsoft-Windows-Eventlog",
            false
        ));
        let one = pattern(&[literal("Securit"), PatternPart::AnyOne]);
        assert!(pattern_matches(&one, "Security", false));
        assert!(!pattern_matches(&one, "Securityy", false));
        let anchored = pattern(&[literal("Micro"), PatternPart::AnyRun, literal("log")]);
        assert!(pattern_matches(
            &anchored,
            "Microsoft-Windows-Eventlog",
            false
        ));
        assert!(!pattern_matches(
            &anchored,
            "Microsoft-Windows-Eventlogs",
            false
        ));
    }

    #[test]
    fn placeholder_text_allows_outer_wildcards_only() {
        assert_eq!(
            placeholder_text(&pattern(&[literal("-")])),
            Some("-".to_owned())
        );
        assert_eq!(
            placeholder_text(&pattern(&[
                PatternPart::AnyRun,
                literal("-"),
                PatternPart::AnyRun
            ])),
            Some("-".to_owned())
        );
        assert_eq!(
            placeholder_text(&pattern(&[literal("-"), PatternPart::AnyOne])),
            None
        );
    }

    #[test]
    fn strip_braces_keeps_wildcards() {
        let value = pattern(&[literal("{0CCE9210-69AE-11D9-BED3-505054503030}")]);
        assert_eq!(
            strip_braces(&value),
            pattern(&[literal("0CCE9210-69AE-11D9-BED3-505054503030")])
        );
        let value = pattern(&[literal("{0CCE92"), PatternPart::AnyRun]);
        assert_eq!(
            strip_braces(&value),
            pattern(&[literal("0CCE92"), PatternPart::AnyRun])
        );
    }
}
