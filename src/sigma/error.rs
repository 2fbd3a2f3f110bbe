//! Errors of the Sigma front end: one small enum per phase, wrapped by [`Error`] with the
//! file, the position, the detection item and a hint.

use std::fmt;

use crate::ir::Position;

/// A front-end error with everything a user needs to find and fix it.
///
/// `Display` writes `{file}:{line}:{column}: {message}`, then the detection item and the
/// hint when they are known. Every part is also available as a field.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    /// The file the rule came from, when the caller named it.
    pub file: Option<String>,
    /// Position of the problem, 1-based, or `0:0` when no position applies.
    pub position: Position,
    /// The detection item (selection identifier) involved, if any.
    pub item: Option<String>,
    /// Advice on how to fix the problem.
    pub hint: Option<String>,
    /// Metadata of the document that failed, read from it before it was compiled; `None`
    /// when the whole file failed or the document has none.
    pub document: Option<Box<DocumentLabel>>,
}

/// The metadata of a document that failed to compile, so that reports can still name the
/// rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentLabel {
    pub title: Option<String>,
    pub id: Option<String>,
    pub level: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
}

impl Error {
    pub(crate) fn new(kind: impl Into<ErrorKind>, position: Position) -> Self {
        Error {
            kind: kind.into(),
            file: None,
            position,
            item: None,
            hint: None,
            document: None,
        }
    }

    pub(crate) fn with_item(mut self, item: &str) -> Self {
        if self.item.is_none() {
            self.item = Some(item.to_owned());
        }
        self
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn with_file(mut self, file: Option<&str>) -> Self {
        if self.file.is_none() {
            self.file = file.map(str::to_owned);
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}:")?;
        }
        write!(f, "{}: {}", self.position, self.kind)?;
        if let Some(item) = &self.item {
            write!(f, " (detection item '{item}')")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// The phase an error comes from and what went wrong there.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    Yaml(YamlError),
    Rule(RuleError),
    Value(ValueError),
    Condition(ConditionError),
    Reference(ReferenceError),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Yaml(e) => e.fmt(f),
            ErrorKind::Rule(e) => e.fmt(f),
            ErrorKind::Value(e) => e.fmt(f),
            ErrorKind::Condition(e) => e.fmt(f),
            ErrorKind::Reference(e) => e.fmt(f),
        }
    }
}

impl From<YamlError> for ErrorKind {
    fn from(e: YamlError) -> Self {
        ErrorKind::Yaml(e)
    }
}
impl From<RuleError> for ErrorKind {
    fn from(e: RuleError) -> Self {
        ErrorKind::Rule(e)
    }
}
impl From<ValueError> for ErrorKind {
    fn from(e: ValueError) -> Self {
        ErrorKind::Value(e)
    }
}
impl From<ConditionError> for ErrorKind {
    fn from(e: ConditionError) -> Self {
        ErrorKind::Condition(e)
    }
}
impl From<ReferenceError> for ErrorKind {
    fn from(e: ReferenceError) -> Self {
        ErrorKind::Reference(e)
    }
}

/// Reading the file as YAML failed, or a resource limit was exceeded.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum YamlError {
    /// The bytes are not UTF-8.
    InvalidUtf8,
    /// The YAML parser rejected the text; `message` is its description.
    Syntax {
        message: String,
    },
    /// A mapping repeats a key; `first` is where the key first appeared.
    DuplicateKey {
        key: String,
        first: Position,
    },
    /// A mapping key is a list or a mapping.
    ComplexKey,
    /// An alias names an anchor whose node is not finished (a recursive alias).
    RecursiveAlias {
        name: String,
    },
    TooManyDocuments {
        limit: usize,
    },
    DocumentTooLarge {
        limit: usize,
    },
    TooManyAliases {
        limit: usize,
    },
    TooManyNodes {
        limit: usize,
    },
    NestingTooDeep {
        limit: usize,
    },
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YamlError::InvalidUtf8 => f.write_str("invalid UTF-8 in the file"),
            YamlError::Syntax { message } => write!(f, "invalid YAML: {message}"),
            YamlError::DuplicateKey { key, first } => {
                write!(f, "duplicate key '{key}' (first defined at {first})")
            }
            YamlError::ComplexKey => {
                f.write_str("a mapping key must be a plain value, not a list or a mapping")
            }
            YamlError::RecursiveAlias { name } => {
                write!(
                    f,
                    "alias '*{name}' refers to a node that contains the alias itself"
                )
            }
            YamlError::TooManyDocuments { limit } => {
                write!(
                    f,
                    "too many YAML documents in one file (the limit is {limit})"
                )
            }
            YamlError::DocumentTooLarge { limit } => {
                write!(f, "YAML document larger than {limit} bytes")
            }
            YamlError::TooManyAliases { limit } => {
                write!(
                    f,
                    "too many YAML aliases in one document (the limit is {limit})"
                )
            }
            YamlError::TooManyNodes { limit } => write!(
                f,
                "YAML document expands to more than {limit} nodes (counting every alias expansion)"
            ),
            YamlError::NestingTooDeep { limit } => {
                write!(f, "YAML nesting deeper than {limit} levels")
            }
        }
    }
}

/// A document does not have the shape of a Sigma rule, correlation, filter or collection.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RuleError {
    /// The top level of a document is not a mapping.
    NotAMapping,
    MissingKey {
        key: &'static str,
    },
    /// A key has a value of the wrong YAML type.
    WrongType {
        key: String,
        expected: &'static str,
    },
    UnknownAction {
        action: String,
    },
    /// `action: repeat` with no rule before it in the file.
    RepeatWithoutRule,
    /// `detection` has no search identifier besides `condition`.
    NoDetectionItems,
    /// A detection item is an empty list or mapping, or a list mixing values and maps.
    InvalidDetectionItem {
        reason: &'static str,
    },
    UnknownCorrelationType {
        found: String,
    },
    InvalidTimespan {
        found: String,
    },
    InvalidCorrelationCondition {
        reason: String,
    },
    /// The detection items compile into more predicates than allowed.
    TooManyPredicates {
        limit: usize,
    },
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::NotAMapping => {
                f.write_str("a Sigma document must be a mapping of keys to values")
            }
            RuleError::MissingKey { key } => write!(f, "missing required key '{key}'"),
            RuleError::WrongType { key, expected } => {
                write!(f, "invalid value of '{key}': expected {expected}")
            }
            RuleError::UnknownAction { action } => write!(
                f,
                "unknown collection action '{action}' (expected global, reset or repeat)"
            ),
            RuleError::RepeatWithoutRule => {
                f.write_str("'action: repeat' has no previous rule in the file to repeat")
            }
            RuleError::NoDetectionItems => {
                f.write_str("'detection' defines no search identifier besides 'condition'")
            }
            RuleError::InvalidDetectionItem { reason } => {
                write!(f, "invalid detection item: {reason}")
            }
            RuleError::UnknownCorrelationType { found } => write!(
                f,
                "unknown correlation type '{found}' (expected event_count, value_count, temporal, \
                 temporal_ordered, value_sum, value_avg or value_percentile)"
            ),
            RuleError::InvalidTimespan { found } => write!(
                f,
                "invalid timespan '{found}' (expected a number and a unit: s, m, h, d, w, M or y)"
            ),
            RuleError::InvalidCorrelationCondition { reason } => {
                write!(f, "invalid correlation condition: {reason}")
            }
            RuleError::TooManyPredicates { limit } => {
                write!(f, "detection expands into more than {limit} predicates")
            }
        }
    }
}

/// A detection value or its modifiers are invalid.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ValueError {
    UnknownModifier {
        field: String,
        modifier: String,
    },
    DuplicateModifier {
        field: String,
        modifier: String,
    },
    /// Two modifiers that cannot be used together, or one that is out of place.
    IncompatibleModifiers {
        field: String,
        first: String,
        second: String,
    },
    /// A modifier that requires another one (`i` without `re`).
    MissingModifier {
        field: String,
        modifier: String,
        requires: &'static str,
    },
    /// A value of the wrong kind for a modifier (`|lt: abc`, `|exists: maybe`).
    WrongValueType {
        field: String,
        modifier: String,
        expected: &'static str,
        found: String,
    },
    /// `base64` or `utf16` applied to a value with wildcards.
    WildcardInEncodedValue {
        field: String,
        modifier: String,
    },
    /// A UTF-16 encoded value that is not text and is not base64-encoded afterwards.
    NotText {
        field: String,
        modifier: String,
    },
    InvalidCidr {
        field: String,
        value: String,
        reason: String,
    },
    InvalidRegex {
        field: String,
        message: String,
    },
    /// A regex feature RE2 lacks (look-around, back-references).
    UnsupportedRegex {
        field: String,
        message: String,
    },
    OutOfRange {
        field: String,
        modifier: String,
        value: String,
        range: &'static str,
    },
    /// `|expand` placeholders without values in the parse options.
    UnresolvedPlaceholders {
        field: String,
        names: Vec<String>,
    },
    /// The value, after modifiers, expands into more alternatives than allowed.
    TooManyAlternatives {
        field: String,
        limit: usize,
    },
    /// A field's value is a mapping.
    MapValue {
        field: String,
    },
    /// A field's value is an empty list.
    EmptyList {
        field: String,
    },
    /// `all` on a single value, which the specification does not allow.
    AllOnSingleValue {
        field: String,
    },
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::UnknownModifier { field, modifier } => {
                write!(f, "unknown modifier '{modifier}' on field '{field}'")
            }
            ValueError::DuplicateModifier { field, modifier } => {
                write!(f, "modifier '{modifier}' appears twice on field '{field}'")
            }
            ValueError::IncompatibleModifiers { field, first, second } => write!(
                f,
                "modifier '{second}' cannot be combined with '{first}' on field '{field}'"
            ),
            ValueError::MissingModifier { field, modifier, requires } => {
                write!(f, "modifier '{modifier}' on field '{field}' requires '{requires}'")
            }
            ValueError::WrongValueType { field, modifier, expected, found } => write!(
                f,
                "modifier '{modifier}' on field '{field}' expects {expected}, found {found}"
            ),
            ValueError::WildcardInEncodedValue { field, modifier } => write!(
                f,
                "modifier '{modifier}' on field '{field}' cannot encode a value with wildcards"
            ),
            ValueError::NotText { field, modifier } => write!(
                f,
                "value of field '{field}' is not text after modifier '{modifier}'"
            ),
            ValueError::InvalidCidr { field, value, reason } => {
                write!(f, "invalid network '{value}' for cidr on field '{field}': {reason}")
            }
            ValueError::InvalidRegex { field, message } => {
                write!(f, "invalid regular expression on field '{field}': {message}")
            }
            ValueError::UnsupportedRegex { field, message } => write!(
                f,
                "regular expression on field '{field}' uses a feature RE2 does not support: {message}"
            ),
            ValueError::OutOfRange { field, modifier, value, range } => write!(
                f,
                "value {value} of modifier '{modifier}' on field '{field}' is out of range ({range})"
            ),
            ValueError::UnresolvedPlaceholders { field, names } => {
                write!(f, "unresolved placeholders on field '{field}': ")?;
                for (i, name) in names.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "%{name}%")?;
                }
                Ok(())
            }
            ValueError::TooManyAlternatives { field, limit } => write!(
                f,
                "value of field '{field}' expands into more than {limit} alternatives"
            ),
            ValueError::MapValue { field } => {
                write!(f, "value of field '{field}' is a mapping; expected a value or a list")
            }
            ValueError::EmptyList { field } => write!(f, "value of field '{field}' is an empty list"),
            ValueError::AllOnSingleValue { field } => write!(
                f,
                "modifier 'all' on field '{field}' needs a list of two or more values"
            ),
        }
    }
}

/// The condition expression is invalid. `column` is 1-based inside the condition text.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConditionError {
    Empty,
    UnexpectedCharacter {
        character: char,
        column: usize,
    },
    UnexpectedToken {
        token: String,
        column: usize,
    },
    UnexpectedEnd {
        expected: &'static str,
    },
    UnclosedParenthesis {
        column: usize,
    },
    TrailingTokens {
        token: String,
        column: usize,
    },
    UndefinedIdentifier {
        name: String,
        column: usize,
    },
    PatternMatchesNothing {
        pattern: String,
        column: usize,
    },
    /// `N of` with N other than 1.
    UnsupportedCount {
        count: String,
        column: usize,
    },
    /// The deprecated `| count() ...` aggregation syntax.
    Aggregation {
        column: usize,
    },
    TooDeep {
        limit: usize,
        column: usize,
    },
    /// The condition repeats search identifiers until it exceeds the predicate limit.
    TooLarge {
        limit: usize,
        column: usize,
    },
}

impl ConditionError {
    /// Returns the 1-based column inside the condition text, when the error has one.
    pub fn column(&self) -> Option<usize> {
        match self {
            ConditionError::Empty | ConditionError::UnexpectedEnd { .. } => None,
            ConditionError::UnexpectedCharacter { column, .. }
            | ConditionError::UnexpectedToken { column, .. }
            | ConditionError::UnclosedParenthesis { column }
            | ConditionError::TrailingTokens { column, .. }
            | ConditionError::UndefinedIdentifier { column, .. }
            | ConditionError::PatternMatchesNothing { column, .. }
            | ConditionError::UnsupportedCount { column, .. }
            | ConditionError::Aggregation { column }
            | ConditionError::TooDeep { column, .. }
            | ConditionError::TooLarge { column, .. } => Some(*column),
        }
    }
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConditionError::Empty => f.write_str("empty condition"),
            ConditionError::UnexpectedCharacter { character, column } => {
                write!(f, "unexpected character '{character}' in condition at column {column}")
            }
            ConditionError::UnexpectedToken { token, column } => {
                write!(f, "unexpected '{token}' in condition at column {column}")
            }
            ConditionError::UnexpectedEnd { expected } => {
                write!(f, "condition ends too early: expected {expected}")
            }
            ConditionError::UnclosedParenthesis { column } => {
                write!(f, "parenthesis opened at column {column} of the condition is not closed")
            }
            ConditionError::TrailingTokens { token, column } => write!(
                f,
                "unexpected '{token}' after the end of the condition at column {column}"
            ),
            ConditionError::UndefinedIdentifier { name, column } => write!(
                f,
                "condition refers to undefined search identifier '{name}' at column {column}"
            ),
            ConditionError::PatternMatchesNothing { pattern, column } => write!(
                f,
                "pattern '{pattern}' in condition at column {column} matches no search identifier"
            ),
            ConditionError::UnsupportedCount { count, column } => write!(
                f,
                "'{count} of' in condition at column {column} is not supported (only '1 of' and 'all of')"
            ),
            ConditionError::Aggregation { column } => write!(
                f,
                "aggregation with '|' in condition at column {column} is not supported"
            ),
            ConditionError::TooDeep { limit, column } => write!(
                f,
                "condition nests deeper than {limit} levels at column {column}"
            ),
            ConditionError::TooLarge { limit, column } => write!(
                f,
                "condition expands into more than {limit} predicates at column {column}"
            ),
        }
    }
}

/// A correlation or filter names rules that do not fit.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ReferenceError {
    /// `rules` names an id or name that no known document has.
    UnknownRule { reference: String },
    /// Correlations refer to each other in a cycle.
    Cycle { reference: String },
    /// A filter names a rule whose log source differs from the filter's.
    LogsourceMismatch { rule: String },
    /// An alias in a correlation names a rule that the correlation does not list.
    AliasRuleNotListed { alias: String, rule: String },
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReferenceError::UnknownRule { reference } => {
                write!(f, "no rule or correlation has the id or name '{reference}'")
            }
            ReferenceError::Cycle { reference } => {
                write!(f, "correlation reference '{reference}' forms a cycle")
            }
            ReferenceError::LogsourceMismatch { rule } => {
                write!(f, "filter log source does not match the log source of rule '{rule}'")
            }
            ReferenceError::AliasRuleNotListed { alias, rule } => write!(
                f,
                "alias '{alias}' names rule '{rule}', which the correlation does not list in 'rules'"
            ),
        }
    }
}
