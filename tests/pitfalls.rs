//! Rules that earlier Sigma-to-KQL converters got wrong, with the exact query each must
//! produce (or the error it must fail with). The rule files are shared test material; the
//! expected queries are written here by hand and checked by Microsoft's KQL parser.

mod common;

use std::collections::HashMap;
use std::path::Path;

use sigma_mde::{convert_file, ConvertErrorKind, ConvertOptions, RuleOutput};

fn convert_case(shared: &Path, name: &str, options: &ConvertOptions) -> RuleOutput {
    let path = shared.join("cases").join("known-pitfalls").join(name);
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut outputs = convert_file(&bytes, Some(name), options);
    assert_eq!(outputs.len(), 1, "{name} holds one rule");
    outputs.remove(0)
}

fn only_query(output: &RuleOutput) -> &str {
    let conversion = output
        .result
        .as_ref()
        .unwrap_or_else(|e| panic!("conversion failed: {e}"));
    assert_eq!(conversion.queries.len(), 1);
    &conversion.queries[0]
}

/// Each case with the query it must produce.
const EXPECTED: &[(&str, &str)] = &[
    (
        "b01.yml",
        r#"DeviceProcessEvents
| where ActionType == "ProcessCreated" and ProcessCommandLine matches regex @"(?i)vssadmin.*delete.*shadows" and FolderPath matches regex @"(?i)\\wmic.\.exe$""#,
    ),
    (
        "b02.yml",
        r#"DeviceFileEvents
| where ActionType == "FileCreated" and (FolderPath contains @"\AppData\Local\Temp\" or FolderPath endswith @"\Startup*")"#,
    ),
    (
        "b03.yml",
        r#"DeviceProcessEvents
| where ActionType == "ProcessCreated" and ProcessCommandLine contains "/tn *" and ProcessCommandLine contains @" \*.dll" and ProcessCommandLine contains @"""C:\Program Files\App\app.exe"" /run""#,
    ),
    (
        "b04.yml",
        r#"DeviceProcessEvents
| where ActionType == "ProcessCreated" and FolderPath endswith @"\powershell.exe" and not(ProcessCommandLine contains "update" and InitiatingProcessFolderPath endswith @"\svchost.exe")"#,
    ),
    (
        "b06.yml",
        r#"DeviceProcessEvents
| where ActionType == "ProcessCreated" and (FolderPath endswith @"\certutil.exe" or (ProcessCommandLine contains "urlcache" and not(InitiatingProcessFolderPath endswith @"\msiexec.exe" or (ProcessCommandLine contains "localhost" and InitiatingProcessFolderPath endswith @"\cmd.exe"))))"#,
    ),
    (
        "b07.yml",
        r#"DeviceProcessEvents
| where ActionType == "ProcessCreated" and ProcessCommandLine contains " -nop " and ProcessCommandLine contains " -w hidden " and (InitiatingProcessFolderPath endswith @"\winword.exe" or InitiatingProcessFolderPath endswith @"\excel.exe")"#,
    ),
    (
        "b08.yml",
        r#"DeviceProcessEvents
| where ActionType == "ProcessCreated" and (SHA256 =~ "0000000000000000000000000000000000000000000000000000000000000001" or MD5 =~ "00000000000000000000000000000002")"#,
    ),
];

#[test]
fn pitfall_queries_exact() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    for (name, expected) in EXPECTED {
        let output = convert_case(&shared, name, &ConvertOptions::default());
        assert_eq!(only_query(&output), *expected, "query of {name}");
    }
}

#[test]
fn pitfall_trailing_escaped_star_warns() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let output = convert_case(&shared, "b02.yml", &ConvertOptions::default());
    let conversion = output.result.expect("b02 converts");
    assert_eq!(conversion.warnings.len(), 1);
    let warning = &conversion.warnings[0];
    assert_eq!(warning.item.as_deref(), Some("sel_plain"));
    assert!(
        warning.message.contains(r"literal '*' (written '\*')"),
        "{}",
        warning.message
    );
}

#[test]
fn pitfall_unresolved_placeholder_rejects_rule() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let output = convert_case(&shared, "b05.yml", &ConvertOptions::default());
    let error = output
        .result
        .expect_err("an unresolved placeholder must reject the rule");
    assert_eq!(error.kind, ConvertErrorKind::Parse);
    assert_eq!(error.item.as_deref(), Some("filter_servers"));
    assert!(error.message.contains("%Servers%"), "{}", error.message);
    assert!(!error.to_string().contains("converted"), "{error}");
}

#[test]
fn pitfall_resolved_placeholder_becomes_values() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let options = ConvertOptions {
        placeholders: HashMap::from([(
            "Servers".to_owned(),
            vec!["srv01".to_owned(), "srv02".to_owned()],
        )]),
    };
    let output = convert_case(&shared, "b05.yml", &options);
    assert_eq!(
        only_query(&output),
        r#"DeviceProcessEvents
| where ActionType == "ProcessCreated" and (FolderPath endswith @"\rundll32.exe" or FolderPath endswith @"\regsvr32.exe") and ProcessCommandLine contains "http" and not(DeviceName in~ ("srv01", "srv02"))"#
    );
    assert!(
        !only_query(&output).contains('%'),
        "no placeholder text may reach the query"
    );
}

#[test]
fn pitfall_or_list_inside_and_parenthesised() {
    // The selection of the list-inside-AND case on its own, without the placeholder filter.
    let rule = br#"
title: list inside and
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith:
            - '\rundll32.exe'
            - '\regsvr32.exe'
        CommandLine|contains: 'http'
    condition: selection
"#;
    let outputs = convert_file(rule, Some("list.yml"), &ConvertOptions::default());
    assert_eq!(
        only_query(&outputs[0]),
        r#"DeviceProcessEvents
| where ActionType == "ProcessCreated" and (FolderPath endswith @"\rundll32.exe" or FolderPath endswith @"\regsvr32.exe") and ProcessCommandLine contains "http""#
    );
}

#[test]
fn pitfall_hash_alternative_dropped_with_warning() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let output = convert_case(&shared, "b08.yml", &ConvertOptions::default());
    let conversion = output.result.expect("b08 converts");
    assert_eq!(conversion.warnings.len(), 1);
    assert!(
        conversion.warnings[0].message.contains("IMPHASH"),
        "{}",
        conversion.warnings[0].message
    );
    assert!(
        conversion.warnings[0].message.contains("narrows the match"),
        "{}",
        conversion.warnings[0].message
    );
}

#[test]
fn pitfall_hash_drop_never_widens() {
    let under_not = br#"
title: hash under not
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\a.exe'
    filter:
        Hashes|contains: 'IMPHASH=00000000000000000000000000000003'
    condition: selection and not filter
"#;
    let error = convert_file(under_not, Some("not.yml"), &ConvertOptions::default())
        .remove(0)
        .result
        .expect_err("must fail");
    assert_eq!(error.kind, ConvertErrorKind::UnsupportedValue);
    assert!(
        error.message.contains("would widen the match"),
        "{}",
        error.message
    );

    let in_and = br#"
title: hash in and
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\a.exe'
        Hashes|contains: 'IMPHASH=00000000000000000000000000000003'
    condition: selection
"#;
    let error = convert_file(in_and, Some("and.yml"), &ConvertOptions::default())
        .remove(0)
        .result
        .expect_err("must fail");
    assert!(
        error
            .message
            .contains("inside an AND would widen the match"),
        "{}",
        error.message
    );

    let alone = br#"
title: hash alone
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Hashes|contains: 'IMPHASH=00000000000000000000000000000003'
    condition: selection
"#;
    let error = convert_file(alone, Some("alone.yml"), &ConvertOptions::default())
        .remove(0)
        .result
        .expect_err("must fail");
    assert!(
        error
            .message
            .contains("nothing else in the condition remains"),
        "{}",
        error.message
    );
}

#[test]
fn pitfall_expected_queries_pass_kql_check() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let queries: Vec<(String, String)> = EXPECTED
        .iter()
        .map(|(name, query)| (name.to_string(), query.to_string()))
        .collect();
    let Some(failures) = common::kql_check(&shared, "pitfalls", &queries) else {
        return;
    };
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
