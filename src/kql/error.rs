//! Conversion errors and warnings.

use std::fmt;

use crate::ir::Position;

/// The reason a rule could not be converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ConvertErrorKind {
    /// The rule's log source is not in the mapping.
    UnknownLogSource,
    /// The log source or Windows event has no Defender data source.
    NoDataSource,
    /// A Sigma field has no Defender column in the chosen table.
    UnmappedField,
    /// A value cannot be expressed in Defender's data (a transform cannot carry it).
    UnsupportedValue,
    /// A Sigma construct that Defender queries cannot express (keywords without keyword
    /// columns, a time part on a non-datetime field, ...).
    UnsupportedFeature,
    /// The rule would convert to a query that matches nothing or everything.
    EmptyQuery,
    /// The rule file could not be parsed.
    Parse,
}

impl ConvertErrorKind {
    /// Returns the kebab-case name used in JSON output and summaries.
    pub const fn name(self) -> &'static str {
        match self {
            ConvertErrorKind::UnknownLogSource => "unknown-logsource",
            ConvertErrorKind::NoDataSource => "no-data-source",
            ConvertErrorKind::UnmappedField => "unmapped-field",
            ConvertErrorKind::UnsupportedValue => "unsupported-value",
            ConvertErrorKind::UnsupportedFeature => "unsupported-feature",
            ConvertErrorKind::EmptyQuery => "empty-query",
            ConvertErrorKind::Parse => "parse",
        }
    }
}

/// A rule that could not be converted, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    pub kind: ConvertErrorKind,
    /// The rule file, when the caller named it.
    pub file: Option<String>,
    /// The place in the rule file the error is about (the field key, the logsource).
    pub position: Option<Position>,
    /// The detection item (selection identifier) involved.
    pub item: Option<String>,
    /// The message, lowercase without a final period.
    pub message: String,
}

impl ConvertError {
    pub(crate) fn new(kind: ConvertErrorKind, message: impl Into<String>) -> Self {
        ConvertError {
            kind,
            file: None,
            position: None,
            item: None,
            message: message.into(),
        }
    }

    pub(crate) fn at(mut self, item: &str, position: Position) -> Self {
        if self.item.is_none() {
            self.item = Some(item.to_owned());
        }
        if self.position.is_none() {
            self.position = Some(position);
        }
        self
    }
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}:")?;
        }
        if let Some(position) = self.position {
            write!(f, "{position}:")?;
        }
        if self.file.is_some() || self.position.is_some() {
            f.write_str(" ")?;
        }
        if let Some(item) = &self.item {
            write!(f, "in detection item '{item}': ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConvertError {}

/// Something the query does differently from the rule, that users should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub position: Option<Position>,
    pub item: Option<String>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(position) = self.position {
            write!(f, "{position}: ")?;
        }
        if let Some(item) = &self.item {
            write!(f, "in detection item '{item}': ")?;
        }
        f.write_str(&self.message)
    }
}
