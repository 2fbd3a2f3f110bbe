//! Field-level behaviour of service-based Windows rules: per-event field sets of Security,
//! System and Task Scheduler events, fields the event itself fixes (Provider_Name), logon
//! type names, Windows' placeholders for unknown values, braced GUIDs, several EventIDs in one
//! rule, and rules without a service.

mod common;
mod events_support;

use events_support::{assert_queries_check, case, check_case, convert_text, Case, Expected::*};
use sigma_mde::{Conversion, ConvertError, ConvertErrorKind};

/// Further events with a Defender source or a known gap, beyond the legacy list.
#[rustfmt::skip]
const MORE_CASES: &[Case] = &[
    case(Some("security"), 4699, &[r#"TaskName|contains: '\Windows\Windows Defender\'"#], Query(r#"DeviceEvents
| where ActionType == "ScheduledTaskDeleted" and tostring(parse_json(AdditionalFields).TaskName) contains @"\Windows\Windows Defender\""#)),
    case(Some("security"), 4700, &[r#"TaskName|contains: '\Evil'"#], Query(r#"DeviceEvents
| where ActionType == "ScheduledTaskEnabled" and tostring(parse_json(AdditionalFields).TaskName) contains @"\Evil""#)),
    case(Some("security"), 4701, &[r#"SubjectUserName|endswith: '$'"#], Query(r#"DeviceEvents
| where ActionType == "ScheduledTaskDisabled" and InitiatingProcessAccountName endswith "$""#)),
    case(Some("security"), 4702, &[r#"TaskContentNew|contains: 'powershell'"#], Query(r#"DeviceEvents
| where ActionType == "ScheduledTaskUpdated" and tostring(parse_json(AdditionalFields).TaskContent) contains "powershell""#)),
    case(Some("security"), 4704, &[r#"PrivilegeList|contains: 'SeEnableDelegationPrivilege'"#], NoSource(r#"windows 'security' event 4704 has no Defender data source: Defender records no user right assignments; its LogonRightsSettingEnabled events cover interactive logon rights only"#)),
    case(Some("security"), 4720, &[r#"TargetUserName|endswith: '$'"#], Query(r#"DeviceEvents
| where ActionType == "UserAccountCreated" and AccountName endswith "$""#)),
    case(Some("security"), 6416, &[r#"ClassName: 'DiskDrive'"#], Query(r#"DeviceEvents
| where ActionType == "PnpDeviceConnected" and tostring(parse_json(AdditionalFields).ClassName) =~ "DiskDrive""#)),
    case(Some("system"), 7036, &[r#"param1: 'PSEXESVC'"#], NoSource(r#"windows 'system' event 7036 has no Defender data source: Defender records no service state changes; a process_creation rule on the service's binary started by services.exe comes close"#)),
    case(Some("taskscheduler"), 129, &[r#"Path|endswith: '\calc.exe'"#], NoSource(r#"windows 'taskscheduler' event 129 has no Defender data source: Defender records the task's process in DeviceProcessEvents without marking it as started by the Task Scheduler"#)),
    case(Some("taskscheduler"), 140, &[r#"TaskName|contains: '\Evil'"#], Query(r#"DeviceEvents
| where ActionType == "ScheduledTaskUpdated" and tostring(parse_json(AdditionalFields).TaskName) contains @"\Evil""#)),
    case(Some("taskscheduler"), 141, &[r#"UserName|contains: 'AUTHORI'"#], Query(r#"DeviceEvents
| where ActionType == "ScheduledTaskDeleted" and iff(isempty(InitiatingProcessAccountDomain), InitiatingProcessAccountName, strcat(InitiatingProcessAccountDomain, @"\", InitiatingProcessAccountName)) contains "AUTHORI""#)),
    case(Some("taskscheduler"), 142, &[r#"TaskName|contains: '\Windows\BitLocker'"#], Query(r#"DeviceEvents
| where ActionType == "ScheduledTaskDisabled" and tostring(parse_json(AdditionalFields).TaskName) contains @"\Windows\BitLocker""#)),
];

#[test]
fn more_security_and_task_events() {
    let mut queries = Vec::new();
    for case in MORE_CASES {
        queries.extend(check_case(case));
    }
    assert_eq!(queries.len(), 9, "events with a Defender source");
    assert_queries_check("events-more", &queries);
}

/// Converts a rule of `product: windows` and the given service (none if empty) whose
/// `detection:` block is `detection`.
fn convert(service: &str, detection: &str) -> Result<Conversion, ConvertError> {
    let mut text = String::from("title: Field test\nlogsource:\n    product: windows\n");
    if !service.is_empty() {
        text.push_str(&format!("    service: {service}\n"));
    }
    text.push_str("detection:\n");
    text.push_str(detection);
    convert_text(&text, "field-test.yml")
}

fn query(service: &str, detection: &str) -> String {
    let conversion = convert(service, detection)
        .unwrap_or_else(|error| panic!("expected a query, got: {error}"));
    assert_eq!(conversion.queries.len(), 1);
    conversion.queries[0].clone()
}

fn error(service: &str, detection: &str) -> ConvertError {
    match convert(service, detection) {
        Ok(conversion) => panic!("expected an error, got: {:?}", conversion.queries),
        Err(error) => error,
    }
}

const SERVICE_INSTALLED: &str = "DeviceEvents\n| where ActionType == \"ServiceInstalled\"";

#[test]
fn provider_name_of_the_event_is_true() {
    let detection = "    selection:\n        EventID: 7045\n        Provider_Name: 'Service Control Manager'\n    condition: selection\n";
    assert_eq!(query("system", detection), SERVICE_INSTALLED);
}

#[test]
fn provider_name_pattern_matches_without_case() {
    let detection = "    selection:\n        EventID: 7045\n        Provider_Name|contains: 'control'\n        ServiceName: 'evil'\n    condition: selection\n";
    assert_eq!(
        query("system", detection),
        format!("{SERVICE_INSTALLED} and tostring(parse_json(AdditionalFields).ServiceName) =~ \"evil\"")
    );
}

#[test]
fn provider_name_of_another_event_is_false() {
    let detection = "    selection:\n        EventID: 7045\n        Provider_Name: 'Microsoft-Windows-Eventlog'\n    condition: selection\n";
    let error = error("system", detection);
    assert_eq!(error.kind, ConvertErrorKind::EmptyQuery);
    assert_eq!(error.message, "the condition can never be true");
}

#[test]
fn provider_name_cased_compares_case() {
    let detection = "    selection:\n        EventID: 7045\n        Provider_Name|cased: 'service control manager'\n    condition: selection\n";
    assert_eq!(
        error("system", detection).kind,
        ConvertErrorKind::EmptyQuery
    );
}

#[test]
fn false_provider_drops_its_alternative_only() {
    let detection = "    selection_a:\n        EventID: 7045\n        Provider_Name: 'Other Provider'\n        ServiceName: 'a'\n    selection_b:\n        EventID: 7045\n        ServiceName: 'b'\n    condition: 1 of selection_*\n";
    assert_eq!(
        query("system", detection),
        format!(
            "{SERVICE_INSTALLED} and tostring(parse_json(AdditionalFields).ServiceName) =~ \"b\""
        )
    );
}

#[test]
fn false_provider_under_not_excludes_nothing() {
    let detection = "    selection:\n        EventID: 7045\n        ServiceName: 'a'\n    filter:\n        Provider_Name: 'Other Provider'\n    condition: selection and not filter\n";
    assert_eq!(
        query("system", detection),
        format!(
            "{SERVICE_INSTALLED} and tostring(parse_json(AdditionalFields).ServiceName) =~ \"a\""
        )
    );
}

#[test]
fn provider_name_regex_is_rejected() {
    let detection = "    selection:\n        EventID: 7045\n        Provider_Name|re: 'Service.*'\n    condition: selection\n";
    let error = error("system", detection);
    assert_eq!(error.kind, ConvertErrorKind::UnsupportedValue);
    assert_eq!(
        error.message,
        "field 'Provider_Name' is fixed by the event (Service Control Manager), so it takes text values, not a regular expression"
    );
}

#[test]
fn logon_type_numbers_become_names() {
    let detection = "    selection:\n        EventID: 4624\n        LogonType:\n            - 2\n            - 10\n    condition: selection\n";
    assert_eq!(
        query("security", detection),
        "DeviceLogonEvents\n| where ActionType == \"LogonSuccess\" and LogonType in~ (\"Interactive\", \"RemoteInteractive\")"
    );
}

#[test]
fn logon_type_without_name_is_an_error() {
    let detection =
        "    selection:\n        EventID: 4624\n        LogonType: 9\n    condition: selection\n";
    let error = error("security", detection);
    assert_eq!(error.kind, ConvertErrorKind::UnsupportedValue);
    assert_eq!(error.message, "value '9' of field 'LogonType' has no Defender equivalent; known values: 2, 3, 4, 5, 7, 10, 11");
}

#[test]
fn placeholders_also_match_empty_columns() {
    let detection = "    selection:\n        EventID: 4624\n        LogonType: 3\n    filter_ip:\n        IpAddress: '-'\n    filter_port:\n        IpPort: '0'\n    condition: selection and not 1 of filter_*\n";
    assert_eq!(
        query("security", detection),
        "DeviceLogonEvents\n| where ActionType == \"LogonSuccess\" and LogonType =~ \"Network\" and not(isempty(RemoteIP) or RemoteIP =~ \"-\" or isnull(RemotePort) or RemotePort == 0)"
    );
}

#[test]
fn other_values_compare_as_written() {
    let detection = "    selection:\n        EventID: 4625\n        WorkstationName: '-'\n        IpAddress: '10.0.0.1'\n    condition: selection\n";
    assert_eq!(
        query("security", detection),
        "DeviceLogonEvents\n| where ActionType == \"LogonFailed\" and (isempty(RemoteDeviceName) or RemoteDeviceName =~ \"-\") and RemoteIP =~ \"10.0.0.1\""
    );
}

#[test]
fn braced_guid_pattern_drops_its_brace() {
    let detection = "    selection:\n        EventID: 4719\n        SubcategoryGuid|startswith: '{0CCE92'\n    condition: selection\n";
    assert_eq!(
        query("security", detection),
        "DeviceEvents\n| where ActionType == \"AuditPolicyModification\" and trim(@\"[{}]\", tostring(parse_json(AdditionalFields).SubcategoryGuid)) startswith \"0CCE92\""
    );
}

#[test]
fn kernel_registry_path_is_rewritten_inside_contains() {
    let detection = "    selection:\n        EventID: 4657\n        ObjectName|contains: '\\REGISTRY\\MACHINE\\SYSTEM'\n        OperationType: '%%1905'\n    condition: selection\n";
    assert_eq!(
        query("security", detection),
        "DeviceRegistryEvents\n| where RegistryKey contains @\"HKEY_LOCAL_MACHINE\\SYSTEM\" and ActionType == \"RegistryValueSet\""
    );
}

#[test]
fn deleted_registry_value_is_an_error() {
    let detection = "    selection:\n        EventID: 4657\n        OperationType: '%%1906'\n    condition: selection\n";
    let error = error("security", detection);
    assert_eq!(error.kind, ConvertErrorKind::UnsupportedValue);
    assert_eq!(error.message, "value '%%1906' of field 'OperationType' has no Defender ActionType; known values: %%1904, %%1905");
}

#[test]
fn security_process_creation_fields() {
    let detection = "    selection:\n        EventID: 4688\n        TokenElevationType: '%%1937'\n        SubjectLogonId: '0x3e7'\n        ParentProcessName|endswith: '\\winword.exe'\n    condition: selection\n";
    assert_eq!(
        query("security", detection),
        "DeviceProcessEvents\n| where ActionType == \"ProcessCreated\" and ProcessTokenElevation =~ \"TokenElevationTypeFull\" and InitiatingProcessLogonId == 999 and InitiatingProcessFolderPath endswith @\"\\winword.exe\""
    );
}

#[test]
fn service_type_compares_as_number() {
    let detection = "    selection:\n        EventID: 4697\n        ServiceType: '0x10'\n        ServiceStartType: 3\n    condition: selection\n";
    let conversion = convert("security", detection).expect("converts");
    assert_eq!(
        conversion.queries,
        vec![format!("{SERVICE_INSTALLED} and tolong(parse_json(AdditionalFields).ServiceType) == 16 and tolong(parse_json(AdditionalFields).ServiceStartType) == 3")]
    );
    let messages: Vec<&str> = conversion
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        messages,
        vec![
            "field 'ServiceType' is mapped partially: Defender's spelling of this value is not documented; it is compared as a number",
            "field 'ServiceStartType' is mapped partially: Defender's spelling of this value is not documented; it is compared as a number",
        ]
    );
}

#[test]
fn system_service_type_text_is_an_error() {
    let detection = "    selection:\n        EventID: 7045\n        ServiceType: 'kernel mode driver'\n    condition: selection\n";
    let error = error("system", detection);
    assert_eq!(error.kind, ConvertErrorKind::UnmappedField);
    assert!(
        error.message.starts_with("field 'ServiceType' cannot be converted for DeviceEvents: Defender's service installations come from Security event 4697"),
        "{}",
        error.message
    );
}

#[test]
fn unrecorded_field_names_the_field_without_final_period() {
    let detection = "    selection:\n        EventID: 4624\n        LogonProcessName: 'Advapi'\n    condition: selection\n";
    let error = error("security", detection);
    assert_eq!(error.kind, ConvertErrorKind::UnmappedField);
    assert!(
        error.message.starts_with("field 'LogonProcessName' cannot be converted for DeviceLogonEvents: Defender does not record the logon process name; the fields mapped for this log source are: TargetUserName,"),
        "{}",
        error.message
    );
}

#[test]
fn events_on_two_tables_become_a_union() {
    let detection = "    selection1:\n        EventID: 4776\n        Workstation: 'RULER'\n    selection2:\n        EventID:\n            - 4624\n            - 4625\n        WorkstationName: 'RULER'\n    condition: 1 of selection*\n";
    let conversion = convert("security", detection).expect("converts");
    assert_eq!(
        conversion.queries,
        vec!["union (DeviceLogonEvents\n| where ActionType in (\"LogonSuccess\", \"LogonFailed\") and RemoteDeviceName =~ \"RULER\"), (IdentityLogonEvents\n| where ActionType in~ (\"LogonSuccess\", \"LogonFailed\") and Protocol =~ \"Ntlm\" and DeviceName =~ \"RULER\")".to_owned()]
    );
    let tables: Vec<&str> = conversion.tables.iter().map(|t| t.name()).collect();
    assert_eq!(tables, vec!["DeviceLogonEvents", "IdentityLogonEvents"]);
    assert_queries_check(
        "events-union",
        &[("union".to_owned(), conversion.queries[0].clone())],
    );
}

#[test]
fn events_on_one_table_merge_action_types() {
    let detection = "    selection:\n        EventID:\n            - 4699\n            - 4701\n        TaskName|contains: '\\Evil'\n    condition: selection\n";
    assert_eq!(
        query("security", detection),
        "DeviceEvents\n| where ActionType in (\"ScheduledTaskDeleted\", \"ScheduledTaskDisabled\") and tostring(parse_json(AdditionalFields).TaskName) contains @\"\\Evil\""
    );
}

#[test]
fn field_of_one_event_only_is_an_error() {
    let detection = "    selection:\n        EventID:\n            - 4624\n            - 4698\n        TargetUserName: 'admin'\n    condition: selection\n";
    let error = error("security", detection);
    assert_eq!(error.kind, ConvertErrorKind::UnmappedField);
    assert!(error.message.starts_with("field 'TargetUserName' has no column in DeviceEvents; the fields mapped for this log source are: TaskName,"), "{}", error.message);
}

#[test]
fn event_without_source_fails_the_rule() {
    let detection = "    selection:\n        EventID:\n            - 4624\n            - 4769\n    condition: selection\n";
    let error = error("security", detection);
    assert_eq!(error.kind, ConvertErrorKind::NoDataSource);
    assert!(error.message.starts_with("windows 'security' event 4769 has no Defender data source: Defender for Identity records Kerberos authentications"), "{}", error.message);
    let position = error.position.expect("position of the EventID key");
    assert_eq!((position.line, position.column), (7, 9));
}

#[test]
fn event_outside_the_mapping_says_so() {
    let detection = "    selection:\n        EventID: 4800\n    condition: selection\n";
    let error = error("security", detection);
    assert_eq!(error.kind, ConvertErrorKind::NoDataSource);
    assert_eq!(error.message, "windows 'security' event 4800 is not in the mapping; `sigma-mde list` shows the events that convert");
}

#[test]
fn rule_without_service_unions_its_events() {
    let detection = "    install:\n        EventID: 7045\n        ServiceName: 'PSEXESVC'\n    process:\n        EventID: 1\n        Image|endswith: '\\PSEXESVC.exe'\n    condition: install or process\n";
    let conversion = convert("", detection).expect("converts");
    assert_eq!(
        conversion.queries,
        vec!["union (DeviceProcessEvents\n| where ActionType == \"ProcessCreated\" and FolderPath endswith @\"\\PSEXESVC.exe\"), (DeviceEvents\n| where ActionType == \"ServiceInstalled\" and tostring(parse_json(AdditionalFields).ServiceName) =~ \"PSEXESVC\")".to_owned()]
    );
    let messages: Vec<&str> = conversion
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        messages,
        vec![
            "DeviceProcessEvents is a partial source: Sysmon's process creation fields apply: a rule without a service is read as Sysmon's event 1",
            "DeviceEvents is a partial source: System event 7045's fields apply: a rule without a service is read as the System log's service installation, which Defender reports only from devices that audit security system extensions",
        ]
    );
    assert_queries_check(
        "events-no-service",
        &[("no-service".to_owned(), conversion.queries[0].clone())],
    );
}

#[test]
fn rule_without_service_names_its_gap() {
    let detection = "    install:\n        EventID: 7045\n        ServiceName: 'PSEXESVC'\n    running:\n        EventID: 7036\n        param1: 'PSEXESVC'\n    condition: install or running\n";
    let error = error("", detection);
    assert_eq!(error.kind, ConvertErrorKind::NoDataSource);
    assert!(error.message.starts_with("windows (no service) event 7036 has no Defender data source: Defender records no service state changes"), "{}", error.message);
    assert_eq!(error.item.as_deref(), Some("running"));
}

#[test]
fn rule_without_service_or_event_id_is_an_error() {
    let detection =
        "    selection:\n        Image|endswith: '\\PSEXESVC.exe'\n    condition: selection\n";
    let error = error("", detection);
    assert_eq!(error.kind, ConvertErrorKind::NoDataSource);
    assert_eq!(
        error.message,
        "a windows rule without a category or service must select events with EventID; only events listed by `sigma-mde list` convert"
    );
}

#[test]
fn keywords_search_the_binding_text() {
    let detection = "    selection:\n        EventID: 5861\n    keywords:\n        - 'ActiveScriptEventConsumer'\n    condition: selection and keywords\n";
    assert_eq!(
        query("wmi", detection),
        "DeviceEvents\n| where ActionType == \"WmiBindEventFilterToConsumer\" and AdditionalFields contains \"ActiveScriptEventConsumer\""
    );
}
