//! The mapping validator on bad specs: each fixture in `tests/fixtures/mapping/` is a spec
//! with one kind of problem (or several, in `many_problems.yaml`), and the `.expected` file
//! beside it contains the exact messages, one per line. `valid.yaml` expects none.

mod common;

#[path = "../macros/src/spec.rs"]
mod spec;

use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mapping")
}

/// Returns the validator's messages for a text, one per line, as the build prints them.
fn messages(text: &str, file: &str) -> String {
    match spec::parse(text, file) {
        Ok(_) => String::new(),
        Err(problems) => problems.iter().map(|p| format!("{p}\n")).collect(),
    }
}

fn check_fixture(name: &str) {
    let dir = fixture_dir();
    let file = format!("{name}.yaml");
    let text = std::fs::read_to_string(dir.join(&file)).unwrap();
    let expected = std::fs::read_to_string(dir.join(format!("{name}.expected"))).unwrap();
    assert_eq!(messages(&text, &file), expected, "messages for {file}");
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { check_fixture(stringify!($name)); } )*

        const FIXTURES: &[&str] = &[$(stringify!($name)),*];
    };
}

fixtures!(
    valid,
    dup_event,
    dup_logsource,
    dup_field,
    dup_table,
    dup_value_map_key,
    dup_entry_key,
    event_mapped_and_no_source,
    unknown_table,
    unknown_column,
    unknown_field_set,
    unknown_transform,
    unknown_value_map,
    unknown_kusto_type,
    unknown_key,
    action_types_without_table,
    table_mismatch,
    keyword_column,
    condition_column,
    partial_without_note,
    by_event_id_without_service,
    several_targets,
    many_problems,
    long_key,
);

#[test]
fn every_fixture_has_a_test() {
    let mut names: Vec<String> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".yaml").map(str::to_owned)
        })
        .collect();
    names.sort();
    let mut listed: Vec<&str> = FIXTURES.to_vec();
    listed.sort();
    assert_eq!(names, listed);
}

#[test]
fn real_spec_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("mapping.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(messages(&text, "mapping.yaml"), "");
}

#[test]
fn syntax_error_has_position() {
    let out = messages("tables:\n  DeviceEvents: [\n", "broken.yaml");
    assert!(out.starts_with("broken.yaml:"), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn empty_spec_is_valid() {
    assert_eq!(messages("", "empty.yaml"), "");
    assert_eq!(messages("{}", "empty.yaml"), "");
    assert_eq!(messages("\u{feff}tables: {}", "empty.yaml"), "");
}

#[test]
fn wrong_value_shapes_do_not_panic() {
    for text in [
        "tables: 3",
        "events: {a: b}",
        "events: [1, 2]",
        "field_sets: {a: {table: T, fields: [x]}}",
        "logsources: [{product: [a]}]",
        "events: [{product: windows, event_id: -1, no_source: x}]",
        "events: [{product: windows, event_id: 99999999999, no_source: x}]",
        "value_maps: {m: {a: [b]}}",
        "- a\n- b",
    ] {
        let out = messages(text, "shape.yaml");
        assert!(out.starts_with("shape.yaml:"), "{text:?} gave {out:?}");
        assert_eq!(out.lines().count(), 1, "{text:?} gave {out:?}");
    }
}

/// The legacy converter's list of unmapped events, written as no-source events verbatim,
/// repeats two entries; the validator must report exactly those two with both places.
///
/// Entries with the service `null` are written without a service, as rules without one are.
#[test]
fn legacy_unmapped_event_list() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let list = std::fs::read_to_string(shared.join("design/legacy-unmapped-events.txt")).unwrap();

    let mut yaml = String::from("events:\n");
    let mut lines_of_entries = Vec::new();
    for line in list.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(parts.len(), 3, "unexpected line {line:?}");
        let (product, service, event_id) = (parts[0], parts[1], parts[2]);
        lines_of_entries.push(line.to_owned());
        if service == "null" {
            yaml.push_str(&format!(
                "  - {{product: {product}, event_id: {event_id}, no_source: not mapped}}\n"
            ));
        } else {
            yaml.push_str(&format!(
                "  - {{product: {product}, service: {service}, event_id: {event_id}, no_source: not mapped}}\n"
            ));
        }
    }

    // The YAML line of the n-th entry is n + 2 (line 1 is `events:`).
    let line_of = |entry: &str, nth: usize| -> usize {
        lines_of_entries
            .iter()
            .enumerate()
            .filter(|(_, l)| l.as_str() == entry)
            .nth(nth)
            .unwrap()
            .0
            + 2
    };
    let expected_4776 = format!(
        "mapping.yaml:{}:5: duplicate event windows/security/4776 (first defined at mapping.yaml:{}:5)\n",
        line_of("windows security 4776", 1),
        line_of("windows security 4776", 0),
    );
    let expected_4769 = format!(
        "mapping.yaml:{}:5: duplicate event windows/security/4769 (first defined at mapping.yaml:{}:5)\n",
        line_of("windows security 4769", 1),
        line_of("windows security 4769", 0),
    );

    let out = messages(&yaml, "mapping.yaml");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains(&expected_4776), "{out}");
    assert!(out.contains(&expected_4769), "{out}");
}
