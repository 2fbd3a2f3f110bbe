//! The committed coverage page (`docs/coverage.md`) is what the compiled mapping renders, so a
//! change to `mapping.yaml` without regenerating the page fails here.

use sigma_mde::coverage::render_markdown;
use sigma_mde::mapping::{self, EventEntry};

const PAGE: &str = "docs/coverage.md";
const REGENERATE: &str = "cargo run -- list --format markdown > docs/coverage.md";

fn committed_page() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PAGE);
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!("{PAGE} cannot be read ({error}); create it with `{REGENERATE}`")
    })
}

#[test]
fn coverage_page_is_current() {
    let committed = committed_page();
    let rendered = render_markdown();
    if committed == rendered {
        return;
    }
    let first_difference = committed
        .lines()
        .zip(rendered.lines())
        .position(|(old, new)| old != new)
        .map_or_else(
            || "the pages differ in length".to_owned(),
            |index| format!("first difference at line {}", index + 1),
        );
    panic!("{PAGE} is stale ({first_difference}); regenerate it with `{REGENERATE}`");
}

#[test]
fn coverage_page_lists_every_windows_event() {
    let page = render_markdown();
    for (key, entry) in mapping::events() {
        let service = if key.service.is_empty() {
            "(none)"
        } else {
            key.service
        };
        let row_start = format!("| {} | {service} | {} | ", key.product, key.event_id);
        let row = page
            .lines()
            .find(|line| line.starts_with(&row_start))
            .unwrap_or_else(|| panic!("no row for {}/{service}/{}", key.product, key.event_id));
        match entry {
            EventEntry::Source(source) => {
                assert!(row.contains(source.table.name()), "{row}");
                for action_type in source.action_types {
                    assert!(row.contains(action_type), "{row}");
                }
            }
            EventEntry::NoSource { .. } => {
                assert!(row.contains("| none | no data source |"), "{row}")
            }
        }
    }
}

#[test]
fn coverage_page_shows_partial_notes() {
    let page = render_markdown();
    let row = page
        .lines()
        .find(|line| line.starts_with("| windows | sysmon | 10 | "))
        .expect("a row for Sysmon 10");
    assert_eq!(
        row,
        "| windows | sysmon | 10 | DeviceEvents ActionType OpenProcessApiCall | partial | Defender records OpenProcess calls only for some sensitive targets (such as lsass) and may sample them. |"
    );
    let row = page
        .lines()
        .find(|line| line.starts_with("| windows | sysmon | 17 | "))
        .expect("a row for Sysmon 17");
    assert_eq!(
        row,
        "| windows | sysmon | 17 | DeviceEvents ActionType NamedPipeEvent, AdditionalFields.FileOperation = \"File created\" | exact |  |"
    );
}
