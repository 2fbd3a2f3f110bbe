//! The Defender mapping compiled from `mapping.yaml`.
//!
//! The spec names the Defender tables, the log sources and Windows events a rule may select,
//! the Sigma fields of each source and the value transforms the back end applies. The build
//! checks it and turns it into static tables, so every lookup here is a `phf` map probe or a
//! `match` and none allocates.
//!
//! ```
//! use sigma_mde::mapping::{self, LogSourceEntry, Table, Target};
//!
//! let entry = mapping::logsource(Some("windows"), Some("process_creation"), None).unwrap();
//! let LogSourceEntry::Source(source) = entry else { panic!("expected a source") };
//! assert_eq!(source.table, Table::DeviceProcessEvents);
//!
//! let image = mapping::field(source.field_set, "Image").unwrap();
//! assert!(matches!(image.target, Target::Column(c) if c.name == "FolderPath"));
//! ```

#[rustfmt::skip]
mod generated;
mod types;

pub use generated::{FieldSet, Table, Transform, ValueMap};
pub use types::*;

use generated::{
    event_index, EVENTS, EVENT_EVIDENCE, EVENT_SERVICES, LOGSOURCES, LOGSOURCE_EVIDENCE,
    LOGSOURCE_INDEX,
};

/// Maximum length in bytes of a lookup key built on the stack. The validator rejects spec
/// entries with longer keys (`MAX_KEY_LEN` in `macros/src/spec.rs`), so a longer request
/// cannot match and returns `None`.
const KEY_CAPACITY: usize = 96;

/// A lookup key assembled in a fixed stack buffer.
struct KeyBuffer {
    bytes: [u8; KEY_CAPACITY],
    len: usize,
}

impl KeyBuffer {
    fn new() -> Self {
        KeyBuffer {
            bytes: [0; KEY_CAPACITY],
            len: 0,
        }
    }

    /// Appends `text`; returns `None` when it does not fit.
    fn push(&mut self, text: &str) -> Option<()> {
        let end = self
            .len
            .checked_add(text.len())
            .filter(|&end| end <= KEY_CAPACITY)?;
        self.bytes[self.len..end].copy_from_slice(text.as_bytes());
        self.len = end;
        Some(())
    }

    fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(&self.bytes[..self.len]).ok()
    }
}

/// Builds the key of a log source the way the build script does: each part is `1` and its
/// text, or `0` when absent, separated by `\x1f`.
fn logsource_index(
    product: Option<&str>,
    category: Option<&str>,
    service: Option<&str>,
) -> Option<usize> {
    let mut key = KeyBuffer::new();
    for (i, part) in [product, category, service].into_iter().enumerate() {
        if i > 0 {
            key.push("\x1f")?;
        }
        match part {
            Some(text) => {
                key.push("1")?;
                key.push(text)?;
            }
            None => key.push("0")?,
        }
    }
    LOGSOURCE_INDEX.get(key.as_str()?).copied()
}

fn event_position(product: &str, service: &str, event_id: u32) -> Option<usize> {
    let mut key = KeyBuffer::new();
    key.push(product)?;
    key.push("\x1f")?;
    key.push(service)?;
    let service_id = *EVENT_SERVICES.get(key.as_str()?)?;
    event_index(service_id, event_id)
}

/// Looks up a Sigma log source by its `product`, `category` and `service` as the rule gives
/// them (`None` where the rule leaves a part out).
///
/// All three parts must match an entry exactly, case-sensitively, in the spec's spelling
/// (Sigma writes them in lowercase). A rule with `product: windows, service: security`
/// finds a [`LogSourceEntry::ByEventId`] whose events [`event`] resolves.
///
/// ```
/// use sigma_mde::mapping::{self, LogSourceEntry};
///
/// let security = mapping::logsource(Some("windows"), None, Some("security"));
/// assert!(matches!(security, Some(LogSourceEntry::ByEventId { service: "security", .. })));
/// assert_eq!(mapping::logsource(Some("Windows"), None, Some("security")), None);
/// ```
pub fn logsource(
    product: Option<&str>,
    category: Option<&str>,
    service: Option<&str>,
) -> Option<&'static LogSourceEntry> {
    logsource_index(product, category, service).map(|i| &LOGSOURCES[i].1)
}

/// Looks up a Windows event by product, service (empty for rules that name none) and
/// `EventID`.
///
/// ```
/// use sigma_mde::mapping::{self, EventEntry, Table};
///
/// let Some(EventEntry::Source(source)) = mapping::event("windows", "sysmon", 1) else {
///     panic!("sysmon 1 is mapped");
/// };
/// assert_eq!(source.table, Table::DeviceProcessEvents);
/// ```
pub fn event(product: &str, service: &str, event_id: u32) -> Option<&'static EventEntry> {
    event_position(product, service, event_id).map(|i| &EVENTS[i].1)
}

/// Looks up a Sigma field in a field set by its exact name.
///
/// Names are case-sensitive, as in the SigmaHQ rules, so `commandline` does not find
/// `CommandLine`.
///
/// ```
/// use sigma_mde::mapping::{self, FieldSet, Target};
///
/// let field = mapping::field(FieldSet::WindowsProcessCreation, "CommandLine").unwrap();
/// assert!(matches!(field.target, Target::Column(c) if c.name == "ProcessCommandLine"));
/// assert!(mapping::field(FieldSet::WindowsProcessCreation, "commandline").is_none());
/// ```
pub fn field(set: FieldSet, sigma_field: &str) -> Option<&'static FieldMapping> {
    let index = *set.index().get(sigma_field)?;
    set.mappings().get(index)
}

/// Returns every field mapping of a set, in spec order (for messages that list the fields a
/// source does map).
pub fn fields(set: FieldSet) -> &'static [FieldMapping] {
    set.mappings()
}

/// Returns the value a value map gives for exactly `key`.
///
/// ```
/// use sigma_mde::mapping::{self, ValueMap};
///
/// assert_eq!(mapping::value_map(ValueMap::RegistryEventTypes, "SetValue"), Some("RegistryValueSet"));
/// assert_eq!(mapping::value_map(ValueMap::RegistryEventTypes, "setvalue"), None);
/// ```
pub fn value_map(map: ValueMap, key: &str) -> Option<&'static str> {
    let index = *map.index().get(key)?;
    map.entries().get(index).map(|&(_, value)| value)
}

/// Returns a value map's `(key, value)` entries in spec order; ordered prefix rewrites such
/// as `hive_prefixes` are applied in this order.
pub fn value_map_entries(map: ValueMap) -> &'static [(&'static str, &'static str)] {
    map.entries()
}

/// Returns every log source entry in spec order, for listings.
pub fn logsources() -> &'static [(LogSourceKey, LogSourceEntry)] {
    &LOGSOURCES
}

/// Returns every event entry in spec order, for listings.
pub fn events() -> &'static [(EventKey, EventEntry)] {
    &EVENTS
}

/// Returns the evidence and spec position of a log source entry.
pub fn logsource_provenance(
    product: Option<&str>,
    category: Option<&str>,
    service: Option<&str>,
) -> Option<Provenance> {
    let (evidence, defined_at) = LOGSOURCE_EVIDENCE[logsource_index(product, category, service)?];
    Some(Provenance {
        evidence,
        defined_at,
    })
}

/// Returns the evidence and spec position of an event entry.
pub fn event_provenance(product: &str, service: &str, event_id: u32) -> Option<Provenance> {
    let (evidence, defined_at) = EVENT_EVIDENCE[event_position(product, service, event_id)?];
    Some(Provenance {
        evidence,
        defined_at,
    })
}

impl Table {
    /// Looks up a table by its exact KQL name.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.iter().copied().find(|t| t.name() == name)
    }
}
