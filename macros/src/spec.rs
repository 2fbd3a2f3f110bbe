//! The model of `mapping.yaml` and its validator.
//!
//! This one file is compiled in three places: by the `sigma-mde-macros` proc macro, by the
//! package's `build.rs` (through `#[path]`) and by the validator tests. So it depends on
//! `serde` and `serde-saphyr` only, and each includer uses a different part of it.
//!
//! [`parse`] reads the YAML text into raw structs that keep the line and column of every
//! value, checks the whole spec, and returns either the validated [`Spec`] or every
//! [`Problem`] it found, sorted by position.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::Deserialize as DeriveDeserialize;
use serde_saphyr::{DuplicateKeyPolicy, Spanned};

/// The Kusto type names a column or an `AdditionalFields` member may have.
pub const KUSTO_TYPES: &[&str] = &[
    "string", "long", "int", "real", "bool", "datetime", "dynamic", "guid", "timespan",
];

/// Maximum length in bytes of a log source or event service lookup key, which the runtime
/// builds in a stack buffer of this size (`KEY_CAPACITY` in `src/mapping/mod.rs`).
pub const MAX_KEY_LEN: usize = 96;

/// A line and column in the spec, both starting at 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

impl Position {
    fn of<T>(spanned: &Spanned<T>) -> Position {
        Position {
            line: spanned.referenced.line(),
            column: spanned.referenced.column(),
        }
    }
}

/// One thing wrong with the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The spec's file name as messages show it (`mapping.yaml`).
    pub file: String,
    /// Where the problem is; `None` when the YAML parser gave no position.
    pub position: Option<Position>,
    /// What is wrong and what to do, without the position prefix.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "{}:{}:{}: {}", self.file, p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The validated model, which the generators read.
// ---------------------------------------------------------------------------------------

/// A checked spec: every name it refers to exists, and indexes point into its own lists.
#[derive(Debug, Default)]
pub struct Spec {
    pub tables: Vec<TableDef>,
    pub transforms: Vec<TransformDef>,
    pub value_maps: Vec<ValueMapDef>,
    pub field_sets: Vec<FieldSetDef>,
    pub logsources: Vec<LogSourceDef>,
    pub events: Vec<EventDef>,
    /// The distinct `(product, service)` pairs of `events`, in order of first use.
    /// [`EventDef::service_index`] points into this list.
    pub services: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct TableDef {
    pub name: String,
    pub columns: Vec<ColumnDef>,
}

#[derive(Debug)]
pub struct ColumnDef {
    pub name: String,
    /// One of [`KUSTO_TYPES`].
    pub ty: String,
}

#[derive(Debug)]
pub struct TransformDef {
    pub name: String,
    pub description: String,
}

#[derive(Debug)]
pub struct ValueMapDef {
    pub name: String,
    pub entries: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct FieldSetDef {
    pub name: String,
    /// Index into [`Spec::tables`].
    pub table: usize,
    pub fields: Vec<FieldDef>,
}

#[derive(Debug)]
pub struct FieldDef {
    pub name: String,
    pub target: TargetDef,
    /// Index into [`Spec::transforms`].
    pub transform: Option<usize>,
    /// Index into [`Spec::value_maps`].
    pub value_map: Option<usize>,
    pub fidelity: FidelityDef,
    pub defined_at: Position,
    pub evidence: Vec<String>,
}

#[derive(Debug)]
pub enum TargetDef {
    /// Index into the columns of the field set's table.
    Column(usize),
    /// Roles and column indexes into the field set's table.
    Columns(Vec<(String, usize)>),
    Additional {
        key: String,
        ty: String,
    },
    ActionType,
    None {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FidelityDef {
    Exact,
    Partial { note: String },
}

#[derive(Debug)]
pub struct SourceDef {
    /// Index into [`Spec::tables`].
    pub table: usize,
    pub action_types: Vec<String>,
    pub conditions: Vec<ConditionDef>,
    /// Index into [`Spec::field_sets`].
    pub field_set: usize,
    /// Column indexes into the source's table.
    pub keyword_columns: Vec<usize>,
    pub fidelity: FidelityDef,
}

#[derive(Debug)]
pub struct ConditionDef {
    pub target: ConditionTarget,
    pub value: String,
}

#[derive(Debug)]
pub enum ConditionTarget {
    /// Column index into the source's table.
    Column(usize),
    Additional {
        key: String,
        ty: String,
    },
}

#[derive(Debug)]
pub struct LogSourceDef {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
    pub kind: LogSourceKind,
    pub defined_at: Position,
    pub evidence: Vec<String>,
}

#[derive(Debug)]
pub enum LogSourceKind {
    Source(SourceDef),
    ByEventId { fallback: Option<SourceDef> },
    NoSource { reason: String },
}

#[derive(Debug)]
pub struct EventDef {
    pub product: String,
    /// Empty when the rule names no service.
    pub service: String,
    pub event_id: u32,
    pub kind: EventKind,
    pub defined_at: Position,
    pub evidence: Vec<String>,
    /// Index into [`Spec::services`].
    pub service_index: usize,
}

#[derive(Debug)]
pub enum EventKind {
    Source(SourceDef),
    NoSource { reason: String },
}

/// Formats an optional log source part, with `-` for an absent one.
pub fn display_part(part: Option<&str>) -> &str {
    part.unwrap_or("-")
}

/// Formats an event key as `product/service/id`, with `-` for an absent service.
pub fn display_event(product: &str, service: &str, event_id: u32) -> String {
    let service = if service.is_empty() { "-" } else { service };
    format!("{product}/{service}/{event_id}")
}

/// Converts a snake_case spec name into the CamelCase name of its generated enum variant.
pub fn variant_name(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    for word in snake.split('_').filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// Converts a spec name (snake_case or CamelCase) into the SCREAMING_SNAKE_CASE suffix of the
/// generated statics that belong to it, so `build.rs` and the macro agree on names.
pub fn static_suffix(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Formats a `LogSourceKey` lookup key: each part is `1` followed by its text, or `0` when
/// absent, and the parts are separated by the unit separator `\x1f`.
pub fn logsource_lookup_key(
    product: Option<&str>,
    category: Option<&str>,
    service: Option<&str>,
) -> String {
    let mut key = String::new();
    for (i, part) in [product, category, service].into_iter().enumerate() {
        if i > 0 {
            key.push('\x1f');
        }
        match part {
            Some(text) => {
                key.push('1');
                key.push_str(text);
            }
            None => key.push('0'),
        }
    }
    key
}

/// Formats an event service lookup key: `product`, `\x1f`, `service`.
pub fn service_lookup_key(product: &str, service: &str) -> String {
    format!("{product}\x1f{service}")
}

// ---------------------------------------------------------------------------------------
// Raw YAML shapes.
// ---------------------------------------------------------------------------------------

/// A YAML mapping kept in document order, with repeated keys kept, so that the validator
/// can report both places of a duplicate.
#[derive(Debug)]
struct OrderedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for OrderedMap<K, V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);

        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V> {
            type Value = OrderedMap<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(OrderedMap(entries))
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// `evidence:` as one string or a list of strings.
#[derive(Debug, DeriveDeserialize)]
#[serde(untagged)]
enum RawEvidence {
    One(String),
    Many(Vec<String>),
}

impl RawEvidence {
    fn into_vec(self) -> Vec<String> {
        match self {
            RawEvidence::One(text) => vec![text],
            RawEvidence::Many(list) => list,
        }
    }
}

type Name = Spanned<String>;

/// The `(product, category, service)` of a log source, as the spec writes them.
type LogSourceParts = (Option<String>, Option<String>, Option<String>);

#[derive(Debug, Default, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    #[serde(default)]
    tables: OrderedMap<Name, OrderedMap<Name, Name>>,
    #[serde(default)]
    transforms: OrderedMap<Name, Name>,
    #[serde(default)]
    value_maps: OrderedMap<Name, OrderedMap<Name, Name>>,
    #[serde(default)]
    field_sets: OrderedMap<Name, Spanned<RawFieldSet>>,
    #[serde(default)]
    logsources: Vec<Spanned<RawLogSource>>,
    #[serde(default)]
    events: Vec<Spanned<RawEvent>>,
}

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
struct RawFieldSet {
    table: Option<Name>,
    #[serde(default)]
    fields: OrderedMap<Name, Spanned<RawField>>,
}

/// A field's mapping: a bare column name, or a mapping with details.
#[derive(Debug)]
enum RawField {
    Column(String),
    Detailed(Box<RawFieldDetail>),
}

impl<'de> Deserialize<'de> for RawField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;

        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = RawField;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a column name or a mapping with column, columns, additional, action_type or none")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(RawField::Column(value.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let detail =
                    RawFieldDetail::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawField::Detailed(Box::new(detail)))
            }
        }

        deserializer.deserialize_any(FieldVisitor)
    }
}

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
struct RawFieldDetail {
    column: Option<Name>,
    columns: Option<Spanned<OrderedMap<Name, Name>>>,
    additional: Option<Name>,
    #[serde(rename = "type")]
    ty: Option<Name>,
    action_type: Option<Spanned<bool>>,
    none: Option<Name>,
    transform: Option<Name>,
    value_map: Option<Name>,
    fidelity: Option<Name>,
    note: Option<Name>,
    evidence: Option<RawEvidence>,
}

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    column: Option<Name>,
    additional: Option<Name>,
    #[serde(rename = "type")]
    ty: Option<Name>,
    equals: Option<Name>,
}

/// The parts of a log source or event entry that describe where the data is.
#[derive(Debug, Default)]
struct RawSourceParts {
    table: Option<Name>,
    action_types: Option<Spanned<Vec<String>>>,
    conditions: Option<Vec<Spanned<RawCondition>>>,
    field_set: Option<Name>,
    keywords: Option<Vec<Name>>,
    fidelity: Option<Name>,
    note: Option<Name>,
}

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
struct RawLogSource {
    product: Option<Name>,
    category: Option<Name>,
    service: Option<Name>,
    by_event_id: Option<Spanned<bool>>,
    no_source: Option<Name>,
    table: Option<Name>,
    action_types: Option<Spanned<Vec<String>>>,
    conditions: Option<Vec<Spanned<RawCondition>>>,
    field_set: Option<Name>,
    keywords: Option<Vec<Name>>,
    fidelity: Option<Name>,
    note: Option<Name>,
    evidence: Option<RawEvidence>,
}

#[derive(Debug, DeriveDeserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    product: Option<Name>,
    service: Option<Name>,
    event_id: Option<Spanned<u32>>,
    no_source: Option<Name>,
    table: Option<Name>,
    action_types: Option<Spanned<Vec<String>>>,
    conditions: Option<Vec<Spanned<RawCondition>>>,
    field_set: Option<Name>,
    keywords: Option<Vec<Name>>,
    fidelity: Option<Name>,
    note: Option<Name>,
    evidence: Option<RawEvidence>,
}

// ---------------------------------------------------------------------------------------
// Parsing and validation.
// ---------------------------------------------------------------------------------------

/// Parses and checks the spec text. `file` is the name that messages show.
///
/// Returns every problem found in one pass, sorted by position, or the checked spec.
pub fn parse(text: &str, file: &str) -> Result<Spec, Vec<Problem>> {
    // Repeated keys reach our own mapping type, which reports both places. Derived structs
    // reject a repeated field themselves, but only at the position of the whole mapping. So
    // on any error a second read, which rejects repeats in the parser, gives the position.
    let pass_through = serde_saphyr::options! { duplicate_keys: DuplicateKeyPolicy::PassThrough };
    let raw: RawSpec = match serde_saphyr::from_str_with_options(text, pass_through) {
        Ok(raw) => raw,
        Err(first) => {
            let strict = serde_saphyr::options! { duplicate_keys: DuplicateKeyPolicy::Error };
            let error = match serde_saphyr::from_str_with_options::<RawSpec>(text, strict) {
                Err(second) => second,
                Ok(_) => first,
            };
            return Err(vec![yaml_problem(file, &error)]);
        }
    };

    let mut checker = Checker {
        file,
        problems: Vec::new(),
    };
    let spec = checker.check(raw);
    if checker.problems.is_empty() {
        Ok(spec)
    } else {
        let mut problems = checker.problems;
        problems.sort_by_key(|p| p.position);
        Err(problems)
    }
}

/// Turns a YAML or shape error into a problem, moving its position into the prefix.
fn yaml_problem(file: &str, error: &serde_saphyr::Error) -> Problem {
    let position = error.location().filter(|l| l.line() > 0).map(|l| Position {
        line: l.line(),
        column: l.column(),
    });
    let mut message = error.without_snippet().to_string();
    if let Some(p) = position {
        let suffix = format!(" at line {}, column {}", p.line, p.column);
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_owned();
        }
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        message = format!("unknown key {rest}");
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        message = format!("duplicate key {key}; remove or rename the repeated key");
    }
    Problem {
        file: file.to_owned(),
        position,
        message,
    }
}

struct Checker<'a> {
    file: &'a str,
    problems: Vec<Problem>,
}

/// Name lookups built while checking the sections that others refer to.
#[derive(Default)]
struct Names {
    tables: HashMap<String, usize>,
    /// Per table: column name to index.
    columns: Vec<HashMap<String, usize>>,
    transforms: HashMap<String, usize>,
    value_maps: HashMap<String, usize>,
    field_sets: HashMap<String, usize>,
}

impl Checker<'_> {
    fn report(&mut self, position: Position, message: String) {
        self.problems.push(Problem {
            file: self.file.to_owned(),
            position: Some(position),
            message,
        });
    }

    fn at(&self, position: Position) -> String {
        format!("{}:{}:{}", self.file, position.line, position.column)
    }

    fn check(&mut self, raw: RawSpec) -> Spec {
        let mut spec = Spec::default();
        let mut names = Names::default();
        self.check_tables(raw.tables, &mut spec, &mut names);
        self.check_transforms(raw.transforms, &mut spec, &mut names);
        self.check_value_maps(raw.value_maps, &mut spec, &mut names);
        self.check_field_sets(raw.field_sets, &mut spec, &mut names);
        self.check_logsources(raw.logsources, &mut spec, &names);
        self.check_events(raw.events, &mut spec, &names);
        spec
    }

    /// Reports a repeated name and returns `true` when `name` was seen before.
    fn is_duplicate(
        &mut self,
        seen: &mut HashMap<String, Position>,
        name: &Name,
        what: impl FnOnce(&str) -> String,
    ) -> bool {
        let position = Position::of(name);
        if let Some(first) = seen.get(&name.value) {
            let message = format!(
                "duplicate {} (first defined at {})",
                what(&name.value),
                self.at(*first)
            );
            self.report(position, message);
            return true;
        }
        seen.insert(name.value.clone(), position);
        false
    }

    fn check_tables(
        &mut self,
        tables: OrderedMap<Name, OrderedMap<Name, Name>>,
        spec: &mut Spec,
        names: &mut Names,
    ) {
        let mut seen = HashMap::new();
        for (name, columns) in tables.0 {
            if self.is_duplicate(&mut seen, &name, |n| format!("table {n}")) {
                continue;
            }
            if !is_camel_identifier(&name.value) {
                self.report(
                    Position::of(&name),
                    format!(
                        "table name {} is not a CamelCase identifier; use the Defender table name",
                        name.value
                    ),
                );
            }
            let mut seen_columns = HashMap::new();
            let mut index = HashMap::new();
            let mut table = TableDef {
                name: name.value.clone(),
                columns: Vec::new(),
            };
            for (column, ty) in columns.0 {
                let what = |n: &str| format!("column {n} in table {}", name.value);
                if self.is_duplicate(&mut seen_columns, &column, what) {
                    continue;
                }
                if !KUSTO_TYPES.contains(&ty.value.as_str()) {
                    self.report(
                        Position::of(&ty),
                        format!(
                            "unknown Kusto type {} for column {}; use one of {}",
                            ty.value,
                            column.value,
                            KUSTO_TYPES.join(", ")
                        ),
                    );
                }
                index.insert(column.value.clone(), table.columns.len());
                table.columns.push(ColumnDef {
                    name: column.value,
                    ty: ty.value,
                });
            }
            names.tables.insert(table.name.clone(), spec.tables.len());
            names.columns.push(index);
            spec.tables.push(table);
        }
    }

    fn check_snake_name(&mut self, name: &Name, what: &str) {
        if !is_snake_identifier(&name.value) {
            self.report(
                Position::of(name),
                format!("{what} name {} is not snake_case; use lowercase letters, digits and underscores", name.value),
            );
        }
    }

    fn check_transforms(
        &mut self,
        transforms: OrderedMap<Name, Name>,
        spec: &mut Spec,
        names: &mut Names,
    ) {
        let mut seen = HashMap::new();
        for (name, description) in transforms.0 {
            if self.is_duplicate(&mut seen, &name, |n| format!("transform {n}")) {
                continue;
            }
            self.check_snake_name(&name, "transform");
            names
                .transforms
                .insert(name.value.clone(), spec.transforms.len());
            spec.transforms.push(TransformDef {
                name: name.value,
                description: description.value,
            });
        }
    }

    fn check_value_maps(
        &mut self,
        value_maps: OrderedMap<Name, OrderedMap<Name, Name>>,
        spec: &mut Spec,
        names: &mut Names,
    ) {
        let mut seen = HashMap::new();
        for (name, entries) in value_maps.0 {
            if self.is_duplicate(&mut seen, &name, |n| format!("value map {n}")) {
                continue;
            }
            self.check_snake_name(&name, "value map");
            let mut seen_keys = HashMap::new();
            let mut map = ValueMapDef {
                name: name.value.clone(),
                entries: Vec::new(),
            };
            for (key, value) in entries.0 {
                let what = |k: &str| format!("key {k:?} in value map {}", name.value);
                if self.is_duplicate(&mut seen_keys, &key, what) {
                    continue;
                }
                map.entries.push((key.value, value.value));
            }
            names
                .value_maps
                .insert(map.name.clone(), spec.value_maps.len());
            spec.value_maps.push(map);
        }
    }

    /// Resolves a table name, reporting an unknown one.
    fn table(&mut self, name: &Name, names: &Names, spec: &Spec) -> Option<usize> {
        if let Some(&index) = names.tables.get(&name.value) {
            return Some(index);
        }
        let known: Vec<&str> = spec.tables.iter().map(|t| t.name.as_str()).collect();
        self.report(
            Position::of(name),
            format!(
                "unknown table {}; add it under tables or use one of: {}",
                name.value,
                known.join(", ")
            ),
        );
        None
    }

    /// Resolves a column of `table`, reporting a missing one. `what` names the column's use.
    fn column(
        &mut self,
        name: &Name,
        table: usize,
        names: &Names,
        spec: &Spec,
        what: &str,
    ) -> Option<usize> {
        if let Some(&index) = names.columns[table].get(&name.value) {
            return Some(index);
        }
        self.report(
            Position::of(name),
            format!(
                "{what} {} is not a column of table {}; use a column listed under tables.{}",
                name.value, spec.tables[table].name, spec.tables[table].name
            ),
        );
        None
    }

    fn named(
        &mut self,
        name: &Name,
        map: &HashMap<String, usize>,
        what: &str,
        section: &str,
    ) -> Option<usize> {
        if let Some(&index) = map.get(&name.value) {
            return Some(index);
        }
        self.report(
            Position::of(name),
            format!("unknown {what} {}; define it under {section}", name.value),
        );
        None
    }

    fn kusto_type(&mut self, ty: Option<&Name>) -> String {
        match ty {
            None => "string".to_owned(),
            Some(ty) if KUSTO_TYPES.contains(&ty.value.as_str()) => ty.value.clone(),
            Some(ty) => {
                let message = format!(
                    "unknown Kusto type {}; use one of {}",
                    ty.value,
                    KUSTO_TYPES.join(", ")
                );
                self.report(Position::of(ty), message);
                "string".to_owned()
            }
        }
    }

    /// Reads `fidelity` and `note`: `partial` needs a note, and a note needs `partial`.
    fn fidelity(
        &mut self,
        fidelity: Option<&Name>,
        note: Option<&Name>,
        at: Position,
    ) -> FidelityDef {
        match (fidelity.map(|f| f.value.as_str()), note) {
            (None | Some("exact"), None) => FidelityDef::Exact,
            (Some("partial"), Some(note)) => FidelityDef::Partial {
                note: note.value.clone(),
            },
            (Some("partial"), None) => {
                let position = fidelity.map(Position::of).unwrap_or(at);
                self.report(
                    position,
                    "fidelity partial needs a note; add note: saying what the query cannot see"
                        .to_owned(),
                );
                FidelityDef::Exact
            }
            (None | Some("exact"), Some(note)) => {
                self.report(Position::of(note), "note given without fidelity: partial; add fidelity: partial or remove the note".to_owned());
                FidelityDef::Exact
            }
            (Some(other), _) => {
                let position = fidelity.map(Position::of).unwrap_or(at);
                self.report(
                    position,
                    format!("unknown fidelity {other}; use exact or partial"),
                );
                FidelityDef::Exact
            }
        }
    }

    fn check_field_sets(
        &mut self,
        field_sets: OrderedMap<Name, Spanned<RawFieldSet>>,
        spec: &mut Spec,
        names: &mut Names,
    ) {
        let mut seen = HashMap::new();
        for (name, raw) in field_sets.0 {
            if self.is_duplicate(&mut seen, &name, |n| format!("field set {n}")) {
                continue;
            }
            self.check_snake_name(&name, "field set");
            let set_position = Position::of(&raw);
            let raw = raw.value;
            let table = match &raw.table {
                Some(table) => self.table(table, names, spec),
                None => {
                    self.report(
                        set_position,
                        format!("field set {} has no table; add table:", name.value),
                    );
                    None
                }
            };
            let mut set = FieldSetDef {
                name: name.value.clone(),
                table: table.unwrap_or(0),
                fields: Vec::new(),
            };
            let mut seen_fields = HashMap::new();
            for (field, value) in raw.fields.0 {
                let what = |f: &str| format!("field {f} in field set {}", name.value);
                if self.is_duplicate(&mut seen_fields, &field, what) {
                    continue;
                }
                if let Some(def) = self.check_field(&field, value, table, names, spec) {
                    set.fields.push(def);
                }
            }
            // Keep the index of an unresolved set too, so that its users are not reported
            // as unknown; the spec is rejected anyway.
            names
                .field_sets
                .insert(set.name.clone(), spec.field_sets.len());
            spec.field_sets.push(set);
        }
    }

    fn check_field(
        &mut self,
        field: &Name,
        value: Spanned<RawField>,
        table: Option<usize>,
        names: &Names,
        spec: &Spec,
    ) -> Option<FieldDef> {
        let defined_at = Position::of(field);
        let value_position = Position::of(&value);
        let detail = match value.value {
            RawField::Column(column) => {
                let column = Spanned {
                    value: column,
                    referenced: value.referenced,
                    defined: value.defined,
                };
                let target = table.and_then(|t| self.column(&column, t, names, spec, "column"));
                return Some(FieldDef {
                    name: field.value.clone(),
                    target: TargetDef::Column(target.unwrap_or(0)),
                    transform: None,
                    value_map: None,
                    fidelity: FidelityDef::Exact,
                    defined_at,
                    evidence: Vec::new(),
                });
            }
            RawField::Detailed(detail) => *detail,
        };

        let mut kinds = Vec::new();
        if detail.column.is_some() {
            kinds.push("column");
        }
        if detail.columns.is_some() {
            kinds.push("columns");
        }
        if detail.additional.is_some() {
            kinds.push("additional");
        }
        if detail.action_type.is_some() {
            kinds.push("action_type");
        }
        if detail.none.is_some() {
            kinds.push("none");
        }
        if kinds.len() != 1 {
            let message = if kinds.is_empty() {
                format!("field {} has no target; give one of column, columns, additional, action_type or none", field.value)
            } else {
                format!(
                    "field {} has several targets ({}); keep one",
                    field.value,
                    kinds.join(", ")
                )
            };
            self.report(value_position, message);
        }
        if detail.ty.is_some() && detail.additional.is_none() {
            let ty = detail
                .ty
                .as_ref()
                .map(Position::of)
                .unwrap_or(value_position);
            self.report(ty, format!("field {} gives a type without additional; only AdditionalFields members take a type", field.value));
        }

        let target = if let Some(column) = &detail.column {
            TargetDef::Column(
                table
                    .and_then(|t| self.column(column, t, names, spec, "column"))
                    .unwrap_or(0),
            )
        } else if let Some(columns) = detail.columns {
            let columns_position = Position::of(&columns);
            let mut roles = Vec::new();
            let mut seen_roles = HashMap::new();
            for (role, column) in columns.value.0 {
                let what = |r: &str| format!("role {r} in field {}", field.value);
                if self.is_duplicate(&mut seen_roles, &role, what) {
                    continue;
                }
                let index = table.and_then(|t| self.column(&column, t, names, spec, "column"));
                roles.push((role.value, index.unwrap_or(0)));
            }
            if roles.is_empty() {
                self.report(
                    columns_position,
                    format!(
                        "field {} lists no columns; add role: column pairs",
                        field.value
                    ),
                );
            }
            TargetDef::Columns(roles)
        } else if let Some(key) = &detail.additional {
            let ty = self.kusto_type(detail.ty.as_ref());
            if let Some(table) = table {
                if !names.columns[table].contains_key("AdditionalFields") {
                    self.report(
                        Position::of(key),
                        format!(
                            "table {} has no AdditionalFields column for member {}",
                            spec.tables[table].name, key.value
                        ),
                    );
                }
            }
            TargetDef::Additional {
                key: key.value.clone(),
                ty,
            }
        } else if let Some(flag) = &detail.action_type {
            if !flag.value {
                self.report(
                    Position::of(flag),
                    "action_type: false means nothing; write action_type: true or remove it"
                        .to_owned(),
                );
            }
            TargetDef::ActionType
        } else if let Some(reason) = &detail.none {
            TargetDef::None {
                reason: reason.value.clone(),
            }
        } else {
            TargetDef::None {
                reason: String::new(),
            }
        };

        let transform = detail
            .transform
            .as_ref()
            .and_then(|t| self.named(t, &names.transforms, "transform", "transforms"));
        let value_map = detail
            .value_map
            .as_ref()
            .and_then(|m| self.named(m, &names.value_maps, "value map", "value_maps"));
        let fidelity = self.fidelity(
            detail.fidelity.as_ref(),
            detail.note.as_ref(),
            value_position,
        );
        Some(FieldDef {
            name: field.value.clone(),
            target,
            transform,
            value_map,
            fidelity,
            defined_at,
            evidence: detail
                .evidence
                .map(RawEvidence::into_vec)
                .unwrap_or_default(),
        })
    }

    /// Checks the table, filters and field set of a log source or event. `at` is the
    /// entry's position and `label` names it in messages. Returns `None` when the entry
    /// names no table or something it names is missing.
    fn check_source(
        &mut self,
        parts: RawSourceParts,
        at: Position,
        label: &str,
        names: &Names,
        spec: &Spec,
    ) -> Option<SourceDef> {
        let fidelity = self.fidelity(parts.fidelity.as_ref(), parts.note.as_ref(), at);
        let Some(table_name) = &parts.table else {
            if let Some(action_types) = &parts.action_types {
                self.report(Position::of(action_types), format!("{label} gives action_types without a table; add table: or remove action_types"));
            }
            if let Some(set) = &parts.field_set {
                self.report(
                    Position::of(set),
                    format!("{label} gives a field set without a table; add table:"),
                );
            }
            if let Some(conditions) = &parts.conditions {
                if let Some(first) = conditions.first() {
                    self.report(
                        Position::of(first),
                        format!("{label} gives conditions without a table; add table:"),
                    );
                }
            }
            if let Some(keywords) = &parts.keywords {
                if let Some(first) = keywords.first() {
                    self.report(
                        Position::of(first),
                        format!("{label} gives keywords without a table; add table:"),
                    );
                }
            }
            return None;
        };
        let table = self.table(table_name, names, spec);

        let field_set = match &parts.field_set {
            Some(set) => self.named(set, &names.field_sets, "field set", "field_sets"),
            None => {
                self.report(
                    at,
                    format!("{label} names a table but no field_set; add field_set:"),
                );
                None
            }
        };
        if let (Some(table), Some(set)) = (table, field_set) {
            let set_table = spec.field_sets[set].table;
            if set_table != table && spec.tables.get(set_table).is_some() {
                let set_name = parts
                    .field_set
                    .as_ref()
                    .map(|s| s.value.as_str())
                    .unwrap_or_default();
                self.report(
                    Position::of(parts.field_set.as_ref().unwrap_or(table_name)),
                    format!(
                        "{label} reads table {} but its field set {set_name} maps table {}; use a field set of table {}",
                        spec.tables[table].name, spec.tables[set_table].name, spec.tables[table].name
                    ),
                );
            }
        }

        let mut keyword_columns = Vec::new();
        for keyword in parts.keywords.iter().flatten() {
            if let Some(index) =
                table.and_then(|t| self.column(keyword, t, names, spec, "keyword column"))
            {
                keyword_columns.push(index);
            }
        }

        let mut conditions = Vec::new();
        for condition in parts.conditions.into_iter().flatten() {
            let position = Position::of(&condition);
            let condition = condition.value;
            let Some(value) = condition.equals else {
                self.report(
                    position,
                    format!("{label} has a condition without equals; add equals: VALUE"),
                );
                continue;
            };
            let target = match (&condition.column, &condition.additional) {
                (Some(column), None) => {
                    if condition.ty.is_some() {
                        self.report(
                            position,
                            "a column condition takes no type; the column's type applies"
                                .to_owned(),
                        );
                    }
                    table
                        .and_then(|t| self.column(column, t, names, spec, "condition column"))
                        .map(ConditionTarget::Column)
                }
                (None, Some(key)) => {
                    let ty = self.kusto_type(condition.ty.as_ref());
                    Some(ConditionTarget::Additional {
                        key: key.value.clone(),
                        ty,
                    })
                }
                _ => {
                    self.report(position, format!("{label} has a condition that needs exactly one of column or additional"));
                    None
                }
            };
            if let Some(target) = target {
                conditions.push(ConditionDef {
                    target,
                    value: value.value,
                });
            }
        }

        Some(SourceDef {
            table: table?,
            action_types: parts.action_types.map(|a| a.value).unwrap_or_default(),
            conditions,
            field_set: field_set?,
            keyword_columns,
            fidelity,
        })
    }

    fn check_logsources(
        &mut self,
        logsources: Vec<Spanned<RawLogSource>>,
        spec: &mut Spec,
        names: &Names,
    ) {
        let mut seen: HashMap<LogSourceParts, Position> = HashMap::new();
        for entry in logsources {
            let at = Position::of(&entry);
            let raw = entry.value;
            let product = raw.product.as_ref().map(|p| p.value.clone());
            let category = raw.category.as_ref().map(|c| c.value.clone());
            let service = raw.service.as_ref().map(|s| s.value.clone());
            let label = format!(
                "log source {}/{}/{}",
                display_part(product.as_deref()),
                display_part(category.as_deref()),
                display_part(service.as_deref())
            );
            if product.is_none() && category.is_none() && service.is_none() {
                self.report(
                    at,
                    "log source names no product, category or service; add at least one".to_owned(),
                );
            }
            let lookup_key =
                logsource_lookup_key(product.as_deref(), category.as_deref(), service.as_deref());
            if lookup_key.len() > MAX_KEY_LEN {
                self.report(at, format!("{label} is too long: its lookup key has more than {MAX_KEY_LEN} bytes; shorten the names"));
            }
            let key = (product.clone(), category.clone(), service.clone());
            if let Some(first) = seen.get(&key) {
                let message = format!("duplicate {label} (first defined at {})", self.at(*first));
                self.report(at, message);
                continue;
            }
            seen.insert(key, at);

            let parts = RawSourceParts {
                table: raw.table,
                action_types: raw.action_types,
                conditions: raw.conditions,
                field_set: raw.field_set,
                keywords: raw.keywords,
                fidelity: raw.fidelity,
                note: raw.note,
            };
            let by_event_id = raw.by_event_id.as_ref().is_some_and(|b| b.value);
            let kind = if let Some(reason) = raw.no_source {
                if by_event_id || parts.table.is_some() {
                    self.report(
                        Position::of(&reason),
                        format!("{label} is both mapped and marked no_source; keep one of them"),
                    );
                }
                LogSourceKind::NoSource {
                    reason: reason.value,
                }
            } else if by_event_id {
                if product.is_none() || service.is_none() {
                    self.report(at, format!("{label} uses by_event_id but lacks a product or service; by_event_id needs both"));
                }
                let fallback = if parts.table.is_some() || parts.action_types.is_some() {
                    self.check_source(parts, at, &label, names, spec)
                } else {
                    None
                };
                LogSourceKind::ByEventId { fallback }
            } else {
                if parts.table.is_none() && parts.action_types.is_none() {
                    self.report(
                        at,
                        format!("{label} has no table, by_event_id or no_source; add one of them"),
                    );
                }
                match self.check_source(parts, at, &label, names, spec) {
                    Some(source) => LogSourceKind::Source(source),
                    None => continue,
                }
            };
            if let Some(flag) = &raw.by_event_id {
                if !flag.value {
                    self.report(
                        Position::of(flag),
                        "by_event_id: false means nothing; write by_event_id: true or remove it"
                            .to_owned(),
                    );
                }
            }
            spec.logsources.push(LogSourceDef {
                product,
                category,
                service,
                kind,
                defined_at: at,
                evidence: raw.evidence.map(RawEvidence::into_vec).unwrap_or_default(),
            });
        }
    }

    fn check_events(&mut self, events: Vec<Spanned<RawEvent>>, spec: &mut Spec, names: &Names) {
        let mut seen: HashMap<(String, String, u32), Position> = HashMap::new();
        for entry in events {
            let at = Position::of(&entry);
            let raw = entry.value;
            let product = match &raw.product {
                Some(product) => product.value.clone(),
                None => {
                    self.report(at, "event names no product; add product:".to_owned());
                    String::new()
                }
            };
            let service = raw
                .service
                .as_ref()
                .map(|s| s.value.clone())
                .unwrap_or_default();
            let Some(event_id) = raw.event_id.as_ref().map(|e| e.value) else {
                self.report(at, "event has no event_id; add event_id: NUMBER".to_owned());
                continue;
            };
            let label = format!("event {}", display_event(&product, &service, event_id));
            if service_lookup_key(&product, &service).len() > MAX_KEY_LEN {
                self.report(at, format!("{label} is too long: its lookup key has more than {MAX_KEY_LEN} bytes; shorten the names"));
            }
            let key = (product.clone(), service.clone(), event_id);
            if let Some(first) = seen.get(&key) {
                let message = format!("duplicate {label} (first defined at {})", self.at(*first));
                self.report(at, message);
                continue;
            }
            seen.insert(key, at);

            let parts = RawSourceParts {
                table: raw.table,
                action_types: raw.action_types,
                conditions: raw.conditions,
                field_set: raw.field_set,
                keywords: raw.keywords,
                fidelity: raw.fidelity,
                note: raw.note,
            };
            let kind = if let Some(reason) = raw.no_source {
                if parts.table.is_some()
                    || parts.field_set.is_some()
                    || parts.action_types.is_some()
                {
                    self.report(
                        Position::of(&reason),
                        format!("{label} is both mapped and marked no_source; keep one of them"),
                    );
                }
                EventKind::NoSource {
                    reason: reason.value,
                }
            } else {
                if parts.table.is_none() && parts.action_types.is_none() {
                    self.report(
                        at,
                        format!("{label} has neither a table nor no_source; add one of them"),
                    );
                }
                match self.check_source(parts, at, &label, names, spec) {
                    Some(source) => EventKind::Source(source),
                    None => continue,
                }
            };
            let service_key = (product.clone(), service.clone());
            let service_index = match spec.services.iter().position(|s| *s == service_key) {
                Some(index) => index,
                None => {
                    spec.services.push(service_key);
                    spec.services.len() - 1
                }
            };
            spec.events.push(EventDef {
                product,
                service,
                event_id,
                kind,
                defined_at: at,
                evidence: raw.evidence.map(RawEvidence::into_vec).unwrap_or_default(),
                service_index,
            });
        }
    }
}

fn is_snake_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_camel_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric())
}
