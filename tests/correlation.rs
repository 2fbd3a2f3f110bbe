//! Correlation rules converted together with the rules they name.

mod common;

use sigma_mde::{convert_file, ConvertErrorKind, ConvertOptions, RuleOutput};

const BASE_RULES: &str = r#"
title: Failed logon
name: failed_logon
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\net.exe'
        CommandLine|contains: ' use '
    condition: selection
---
title: Whoami
name: whoami
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
---
title: Outbound SMB
name: outbound_smb
logsource: {category: network_connection, product: windows}
detection:
    selection:
        DestinationPort: 445
    condition: selection
"#;

fn convert_with(correlation: &str) -> Vec<RuleOutput> {
    let text = format!("{BASE_RULES}---\n{correlation}");
    convert_file(
        text.as_bytes(),
        Some("correlation.yml"),
        &ConvertOptions::default(),
    )
}

fn correlation_query(outputs: &[RuleOutput]) -> String {
    let output = outputs
        .last()
        .expect("the correlation is the last document");
    let conversion = output
        .result
        .as_ref()
        .unwrap_or_else(|e| panic!("correlation failed: {e}"));
    assert_eq!(conversion.queries.len(), 1);
    conversion.queries[0].clone()
}

#[test]
fn event_count_groups_and_bins() {
    let outputs = convert_with(
        r#"
title: Many net use
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [User]
    timespan: 10m
    condition: {gte: 5}
"#,
    );
    assert_eq!(outputs.len(), 4, "three rules and the correlation");
    assert_eq!(
        correlation_query(&outputs),
        r#"DeviceProcessEvents
| where ActionType == "ProcessCreated" and FolderPath endswith @"\net.exe" and ProcessCommandLine contains " use "
| extend SigmaRule = "failed_logon", User = iff(isempty(AccountDomain), AccountName, strcat(AccountDomain, @"\", AccountName))
| summarize EventCount = count() by bin(Timestamp, 10m), User
| where EventCount >= 5"#
    );
    let warnings = &outputs[3].result.as_ref().expect("converted").warnings;
    assert!(
        warnings
            .iter()
            .any(|w| w.message.contains("fixed time bins of 10m")),
        "{warnings:?}"
    );
}

#[test]
fn temporal_across_tables_with_aliases() {
    let outputs = convert_with(
        r#"
title: Recon then SMB
correlation:
    type: temporal
    rules: [whoami, outbound_smb]
    group-by: [Process]
    timespan: 5m
    aliases:
        Process:
            whoami: ParentImage
            outbound_smb: Image
"#,
    );
    assert_eq!(
        correlation_query(&outputs),
        r#"union (DeviceProcessEvents
| where ActionType == "ProcessCreated" and FolderPath endswith @"\whoami.exe"
| extend SigmaRule = "whoami", Process = InitiatingProcessFolderPath), (DeviceNetworkEvents
| where ActionType in ("ConnectionSuccess", "ConnectionFailed", "ConnectionAttempt", "ConnectionRequest", "InboundConnectionAccepted") and RemotePort == 445
| extend SigmaRule = "outbound_smb", Process = InitiatingProcessFolderPath)
| summarize RuleCount = count_distinct(SigmaRule) by bin(Timestamp, 5m), Process
| where RuleCount == 2"#
    );
}

#[test]
fn value_count_aggregates_field() {
    let outputs = convert_with(
        r#"
title: Many destinations
correlation:
    type: value_count
    rules: [outbound_smb]
    group-by: [Image]
    timespan: 1h
    condition:
        field: DestinationIp
        gt: 10
        lte: 1000
"#,
    );
    assert_eq!(
        correlation_query(&outputs),
        r#"DeviceNetworkEvents
| where ActionType in ("ConnectionSuccess", "ConnectionFailed", "ConnectionAttempt", "ConnectionRequest", "InboundConnectionAccepted") and RemotePort == 445
| extend SigmaRule = "outbound_smb", Image = InitiatingProcessFolderPath, SigmaValue = RemoteIP
| summarize ValueCount = count_distinct(SigmaValue) by bin(Timestamp, 1h), Image
| where ValueCount > 10 and ValueCount <= 1000"#
    );
}

#[test]
fn ordered_and_unknown_references_fail_clearly() {
    let ordered = convert_with(
        r#"
title: Ordered
correlation:
    type: temporal_ordered
    rules: [whoami, outbound_smb]
    timespan: 5m
"#,
    );
    let error = ordered
        .last()
        .expect("output")
        .result
        .as_ref()
        .expect_err("ordered is not converted");
    assert_eq!(error.kind, ConvertErrorKind::UnsupportedFeature);
    assert!(
        error.message.contains("temporal_ordered"),
        "{}",
        error.message
    );

    let unknown = convert_with(
        r#"
title: Unknown
correlation:
    type: event_count
    rules: [no_such_rule]
    timespan: 5m
    condition: {gte: 2}
"#,
    );
    let error = unknown
        .last()
        .expect("output")
        .result
        .as_ref()
        .expect_err("unknown rule");
    assert!(error.to_string().starts_with("correlation.yml:"), "{error}");
}

#[test]
fn ungroupable_field_fails() {
    let outputs = convert_with(
        r#"
title: Group by hashes
correlation:
    type: event_count
    rules: [whoami]
    group-by: [Hashes]
    timespan: 5m
    condition: {gte: 2}
"#,
    );
    let error = outputs
        .last()
        .expect("output")
        .result
        .as_ref()
        .expect_err("hashes cannot be grouped");
    assert_eq!(error.kind, ConvertErrorKind::UnmappedField);
    assert!(
        error
            .message
            .contains("field 'Hashes' of rule 'whoami' cannot be grouped"),
        "{}",
        error.message
    );
}

#[test]
fn correlation_queries_pass_kql_check() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let mut queries = Vec::new();
    for (label, correlation) in [
        ("event_count", "title: c\ncorrelation:\n    type: event_count\n    rules: [failed_logon, whoami]\n    group-by: [User, Computer]\n    timespan: 2w\n    condition: {gte: 5}\n"),
        ("value_sum", "title: c\ncorrelation:\n    type: value_sum\n    rules: [outbound_smb]\n    group-by: [Image]\n    timespan: 1d\n    condition: {field: SourcePort, gt: 100}\n"),
        ("value_avg", "title: c\ncorrelation:\n    type: value_avg\n    rules: [outbound_smb]\n    timespan: 30s\n    condition: {field: DestinationPort, lt: 100}\n"),
        ("temporal", "title: c\ncorrelation:\n    type: temporal\n    rules: [failed_logon, whoami, outbound_smb]\n    group-by: [Image]\n    timespan: 5m\n"),
    ] {
        let outputs = convert_with(correlation);
        match &outputs.last().expect("output").result {
            Ok(conversion) => queries.push((label.to_owned(), conversion.queries[0].clone())),
            Err(error) => panic!("{label}: {error}"),
        }
    }
    assert_eq!(queries.len(), 4);
    assert!(
        queries[0].1.contains("Computer = DeviceName"),
        "{}",
        queries[0].1
    );
    let Some(failures) = common::kql_check(&shared, "correlation", &queries) else {
        return;
    };
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
