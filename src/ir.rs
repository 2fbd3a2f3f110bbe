//! The intermediate representation between the Sigma front end and the Defender back end.
//!
//! A rule's detection becomes one [`Expr`] per condition: a boolean tree over [`Predicate`]s.
//! Every Sigma modifier has been applied by the time a predicate exists, so the back end never
//! receives `contains`, `windash`, `base64offset`, `wide` or `all`: those became wildcard tokens,
//! alternatives (`Or`) and conjunctions (`And`). What remains is what a query language must
//! express itself: string patterns, regexes, numbers, networks, nulls and field references.

use std::fmt;
use std::sync::Arc;

/// A place in a rule file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A boolean expression over predicates, as the condition and the detection items define it.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Pred(Predicate),
}

/// One test of one field (or, for keywords, of no named field) against one value.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    /// The Sigma field name as written, without modifiers; `None` for a keyword. The
    /// predicates of one field key share the text.
    pub field: Option<Arc<str>>,
    pub test: Test,
    /// The detection item (selection identifier) the predicate comes from, shared by the
    /// predicates of that item.
    pub item: Arc<str>,
    /// The position of the field key (or the keyword value) in the rule file.
    pub position: Position,
    /// The modifiers as written, for messages (`["contains", "all"]`), shared by the
    /// predicates of one field key.
    pub modifiers: Arc<[String]>,
}

/// The check a predicate makes.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// The field matches a pattern of literal text and wildcards. Case-insensitive unless
    /// `cased` is set (the `|cased` modifier).
    Pattern { value: Pattern, cased: bool },
    /// A plain number in the rule (`EventID: 4624`, `LogonType: 3`). It compares as a number
    /// on numeric columns and as its decimal text on string columns; `text` keeps the
    /// spelling of the rule so that `0x10` or `010` stays as written on string columns.
    Number { value: Number, text: String },
    /// A boolean value in the rule (`Initiated: true`).
    Bool(bool),
    /// `field: null`: the field is absent or empty.
    Null,
    /// `|exists: true` / `|exists: false`.
    Exists(bool),
    /// `|re`: a regular expression with its flags. `i`, `m` and `s` come from `|re|i` and
    /// the like; the pattern is known to be RE2-compatible.
    Regex { pattern: String, flags: RegexFlags },
    /// `|cidr`: the field is an address inside the network.
    Cidr(Network),
    /// `|lt`, `|lte`, `|gt`, `|gte`: a numeric comparison.
    Compare { op: CompareOp, value: Number },
    /// `|fieldref`: the field equals (or contains, starts or ends with) another field.
    FieldRef {
        other: String,
        kind: FieldRefKind,
        cased: bool,
    },
    /// `|minute`, `|hour`, ...: a part of a timestamp field equals a number.
    TimePart { part: TimePart, value: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegexFlags {
    pub ignore_case: bool,
    pub multi_line: bool,
    pub dot_matches_new_line: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Lt,
    Lte,
    Gt,
    Gte,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRefKind {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// A number as written in a rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(n) => write!(f, "{n}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

/// An IP network from `|cidr`, already validated and normalised (host bits cleared).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    V4 {
        address: std::net::Ipv4Addr,
        prefix: u8,
    },
    V6 {
        address: std::net::Ipv6Addr,
        prefix: u8,
    },
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Network::V4 { address, prefix } => write!(f, "{address}/{prefix}"),
            Network::V6 { address, prefix } => write!(f, "{address}/{prefix}"),
        }
    }
}

/// A Sigma string after escapes are decoded: literal text and wildcard tokens.
///
/// `*` and `?` written in the rule, and the wildcards that `contains`, `startswith` and
/// `endswith` add, are tokens here; `\*` and `\?` are literal characters inside `Literal`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pattern {
    pub parts: Vec<PatternPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternPart {
    Literal(String),
    /// `*`: any run of characters, including none.
    AnyRun,
    /// `?`: exactly one character.
    AnyOne,
}

impl Pattern {
    /// Builds a pattern of one literal text with no wildcards.
    pub fn literal(text: impl Into<String>) -> Self {
        let text = text.into();
        if text.is_empty() {
            return Pattern { parts: Vec::new() };
        }
        Pattern {
            parts: vec![PatternPart::Literal(text)],
        }
    }

    /// Appends literal text, merging it with a literal already at the end.
    pub fn push_literal(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(PatternPart::Literal(last)) = self.parts.last_mut() {
            last.push_str(text);
        } else {
            self.parts.push(PatternPart::Literal(text.to_owned()));
        }
    }

    /// Appends owned literal text, as [`Pattern::push_literal`] does, without copying it
    /// when it starts a new part.
    pub(crate) fn push_literal_owned(&mut self, text: String) {
        if text.is_empty() {
            return;
        }
        if let Some(PatternPart::Literal(last)) = self.parts.last_mut() {
            last.push_str(&text);
        } else {
            self.parts.push(PatternPart::Literal(text));
        }
    }

    /// Appends a wildcard token; two `*` in a row collapse into one.
    pub fn push_wildcard(&mut self, part: PatternPart) {
        if part == PatternPart::AnyRun && self.parts.last() == Some(&PatternPart::AnyRun) {
            return;
        }
        self.parts.push(part);
    }

    /// Returns the text when the pattern has no wildcard token.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                PatternPart::Literal(text) => out.push_str(text),
                _ => return None,
            }
        }
        Some(out)
    }

    /// Returns `true` when the pattern has no wildcard token.
    pub fn is_literal(&self) -> bool {
        self.parts
            .iter()
            .all(|p| matches!(p, PatternPart::Literal(_)))
    }
}

impl fmt::Display for Pattern {
    /// Writes the pattern back in Sigma syntax, escaping literal wildcards and backslashes
    /// that would otherwise be read as escapes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                PatternPart::AnyRun => f.write_str("*")?,
                PatternPart::AnyOne => f.write_str("?")?,
                PatternPart::Literal(text) => {
                    for c in text.chars() {
                        match c {
                            '*' | '?' => write!(f, "\\{c}")?,
                            other => write!(f, "{other}")?,
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
