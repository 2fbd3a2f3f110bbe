//! Types of the compiled mapping. The values live in generated statics built from
//! `mapping.yaml`. These definitions are written by hand, so that the rest of the crate and
//! its users get documented types.

use super::generated::{FieldSet, Table, Transform, ValueMap};

/// A Kusto scalar type of a Defender column or of an `AdditionalFields` member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KustoType {
    String,
    Long,
    Int,
    Real,
    Bool,
    Datetime,
    Dynamic,
    Guid,
    Timespan,
}

impl KustoType {
    /// Returns the type's name as Kusto spells it (`string`, `long`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            KustoType::String => "string",
            KustoType::Long => "long",
            KustoType::Int => "int",
            KustoType::Real => "real",
            KustoType::Bool => "bool",
            KustoType::Datetime => "datetime",
            KustoType::Dynamic => "dynamic",
            KustoType::Guid => "guid",
            KustoType::Timespan => "timespan",
        }
    }

    /// Returns `true` for `long`, `int` and `real`.
    pub const fn is_numeric(self) -> bool {
        matches!(self, KustoType::Long | KustoType::Int | KustoType::Real)
    }
}

/// A column of a Defender table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Column {
    pub name: &'static str,
    pub ty: KustoType,
}

/// The fidelity of a mapping entry: how much of the Sigma semantics it reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fidelity {
    /// The Defender data carries the same facts as the Windows event.
    Exact,
    /// The query covers only part of what the rule means. The note names that part for users.
    Partial { note: &'static str },
}

/// The table, filters and field set a query reads for a Sigma log source or Windows event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub table: Table,
    /// ActionType values that select the rows; empty means every row of the table.
    pub action_types: &'static [&'static str],
    /// Further fixed conditions on the rows (`FileOperation == "File created"` for a created
    /// named pipe), ANDed with the ActionType filter.
    pub conditions: &'static [FixedCondition],
    /// The Sigma field names this source understands.
    pub field_set: FieldSet,
    /// Columns searched for Sigma keywords (field-less values); empty when keywords cannot be
    /// expressed for this source.
    pub keyword_columns: &'static [Column],
    pub fidelity: Fidelity,
    /// `mapping.yaml:line:column` of the entry, for messages and the coverage page.
    pub defined_at: &'static str,
}

/// A fixed equality test that a source adds to every query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedCondition {
    pub target: Target,
    pub value: &'static str,
}

/// The resolution of a Sigma log source `(product, category, service)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSourceEntry {
    /// The log source alone decides the table and filters.
    Source(Source),
    /// A service log (`security`, `system`, `sysmon`, ...) whose `EventID` values decide the
    /// source through [`event`](super::event). `fallback` serves rules without an `EventID`.
    ByEventId {
        product: &'static str,
        service: &'static str,
        fallback: Option<Source>,
    },
    /// Defender records nothing equivalent; the reason is shown to users.
    NoSource { reason: &'static str },
}

/// The resolution of a Windows event `(product, service, EventID)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventEntry {
    Source(Source),
    NoSource { reason: &'static str },
}

/// The column, columns or `AdditionalFields` member a Sigma field's values are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A column of the source's table.
    Column(Column),
    /// A member of the JSON in the table's `AdditionalFields` column, read as
    /// `tostring(parse_json(AdditionalFields).Key)` or with a typed cast.
    Additional { key: &'static str, ty: KustoType },
    /// Several columns with named roles, for a transform that spreads one Sigma value over
    /// them (`md5`/`sha1`/`sha256` for hashes, `domain`/`name` for `DOMAIN\user`).
    Columns(&'static [(&'static str, Column)]),
    /// The field selects the ActionType (Sysmon's registry `EventType`).
    ActionType,
    /// Defender has no column for the field; the reason is shown to users.
    None { reason: &'static str },
}

/// The mapping of one Sigma field within a field set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldMapping {
    /// The Sigma field name as the spec writes it.
    pub name: &'static str,
    pub target: Target,
    /// The value transform applied before comparison, if any.
    pub transform: Option<Transform>,
    /// The value map the transform or the comparison uses, if any.
    pub value_map: Option<ValueMap>,
    pub fidelity: Fidelity,
    /// `mapping.yaml:line:column` of the entry.
    pub defined_at: &'static str,
}

/// The `(product, category, service)` of a log source entry; `None` where the spec leaves a
/// part out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LogSourceKey {
    pub product: Option<&'static str>,
    pub category: Option<&'static str>,
    pub service: Option<&'static str>,
}

/// The `(product, service, EventID)` of an event entry. `service` is empty for events of
/// rules that name no service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventKey {
    pub product: &'static str,
    pub service: &'static str,
    pub event_id: u32,
}

/// The evidence and spec position of a log source or event entry, for the coverage page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance {
    /// The entry's `evidence`, with several items joined by `; `; empty when it gives none.
    pub evidence: &'static str,
    /// `mapping.yaml:line:column` of the entry.
    pub defined_at: &'static str,
}
