//! Every Sysmon event (1 to 29) converts from a `service: sysmon` rule to its Defender table
//! and ActionType, or fails with the reason Defender cannot see it.

mod common;
mod events_support;

use events_support::{assert_queries_check, case, check_case, Case, Expected::*};
use sigma_mde::mapping::{self, EventEntry};

/// One rule per Sysmon event with a typical field, and the query or error it must give.
#[rustfmt::skip]
const SYSMON_CASES: &[Case] = &[
    case(Some("sysmon"), 1, &[r#"Image|endswith: '\cmd.exe'"#], Query(r#"DeviceProcessEvents
| where ActionType == "ProcessCreated" and FolderPath endswith @"\cmd.exe""#)),
    case(Some("sysmon"), 2, &[r#"TargetFilename|endswith: '.exe'"#], NoSource(r#"windows 'sysmon' event 2 has no Defender data source: Defender records no changes of file creation times"#)),
    case(Some("sysmon"), 3, &[r#"DestinationPort: 4444"#], Query(r#"DeviceNetworkEvents
| where ActionType in ("ConnectionSuccess", "ConnectionFailed", "ConnectionAttempt", "ConnectionRequest", "InboundConnectionAccepted") and RemotePort == 4444"#)),
    case(Some("sysmon"), 4, &[r#"State: 'Stopped'"#], NoSource(r#"windows 'sysmon' event 4 has no Defender data source: Sysmon's own service state changes have no Defender counterpart"#)),
    case(Some("sysmon"), 5, &[r#"Image|endswith: '\cmd.exe'"#], NoSource(r#"windows 'sysmon' event 5 has no Defender data source: Defender records no process termination events"#)),
    case(Some("sysmon"), 6, &[r#"ImageLoaded|endswith: '\RTCore64.sys'"#], Query(r#"DeviceEvents
| where ActionType == "DriverLoad" and FolderPath endswith @"\RTCore64.sys""#)),
    case(Some("sysmon"), 7, &[r#"ImageLoaded|endswith: '\dbghelp.dll'"#], Query(r#"DeviceImageLoadEvents
| where FolderPath endswith @"\dbghelp.dll""#)),
    case(Some("sysmon"), 8, &[r#"TargetImage|endswith: '\lsass.exe'"#], Query(r#"DeviceEvents
| where ActionType == "CreateRemoteThreadApiCall" and FolderPath endswith @"\lsass.exe""#)),
    case(Some("sysmon"), 9, &[r#"Device|contains: 'Harddisk'"#], NoSource(r#"windows 'sysmon' event 9 has no Defender data source: Defender records no raw disk reads"#)),
    case(Some("sysmon"), 10, &[r#"TargetImage|endswith: '\lsass.exe'"#, r#"GrantedAccess: '0x1410'"#], Query(r#"DeviceEvents
| where ActionType == "OpenProcessApiCall" and FolderPath endswith @"\lsass.exe" and tolong(parse_json(AdditionalFields).DesiredAccess) == 5136"#)),
    case(Some("sysmon"), 11, &[r#"TargetFilename|endswith: '.lnk'"#], Query(r#"DeviceFileEvents
| where ActionType == "FileCreated" and FolderPath endswith ".lnk""#)),
    case(Some("sysmon"), 12, &[r#"EventType: 'CreateKey'"#, r#"TargetObject|startswith: 'HKLM\SOFTWARE\Evil'"#], Query(r#"DeviceRegistryEvents
| where ActionType == "RegistryKeyCreated" and iff(ActionType in ("RegistryKeyDeleted", "RegistryValueDeleted", "RegistryKeyRenamed"), iff(isempty(PreviousRegistryValueName), iff(ActionType in ("RegistryValueSet", "RegistryValueDeleted"), strcat(PreviousRegistryKey, @"\(Default)"), PreviousRegistryKey), strcat(PreviousRegistryKey, @"\", PreviousRegistryValueName)), iff(isempty(RegistryValueName), iff(ActionType in ("RegistryValueSet", "RegistryValueDeleted"), strcat(RegistryKey, @"\(Default)"), RegistryKey), strcat(RegistryKey, @"\", RegistryValueName))) startswith @"HKEY_LOCAL_MACHINE\SOFTWARE\Evil""#)),
    case(Some("sysmon"), 13, &[r#"TargetObject|endswith: '\CurrentVersion\Run\evil'"#], Query(r#"DeviceRegistryEvents
| where ActionType == "RegistryValueSet" and strcat(RegistryKey, @"\", iff(isempty(RegistryValueName), "(Default)", RegistryValueName)) endswith @"\CurrentVersion\Run\evil""#)),
    case(Some("sysmon"), 14, &[r#"NewName|startswith: 'HKLM\SOFTWARE\Evil'"#], Query(r#"DeviceRegistryEvents
| where ActionType == "RegistryKeyRenamed" and RegistryKey startswith @"HKEY_LOCAL_MACHINE\SOFTWARE\Evil""#)),
    case(Some("sysmon"), 15, &[r#"TargetFilename|endswith: ':Zone.Identifier'"#], NoSource(r#"windows 'sysmon' event 15 has no Defender data source: Defender records no alternate data stream creation events"#)),
    case(Some("sysmon"), 16, &[r#"Configuration|contains: 'sysmon'"#], NoSource(r#"windows 'sysmon' event 16 has no Defender data source: Sysmon's own configuration changes have no Defender counterpart"#)),
    case(Some("sysmon"), 17, &[r#"PipeName: '\msagent_12'"#], Query(r#"DeviceEvents
| where ActionType == "NamedPipeEvent" and tostring(parse_json(AdditionalFields).FileOperation) =~ "File created" and tostring(parse_json(AdditionalFields).PipeName) =~ @"\Device\NamedPipe\msagent_12""#)),
    case(Some("sysmon"), 18, &[r#"PipeName: '\msagent_12'"#], Query(r#"DeviceEvents
| where ActionType == "NamedPipeEvent" and tostring(parse_json(AdditionalFields).FileOperation) =~ "File opened" and tostring(parse_json(AdditionalFields).PipeName) =~ @"\Device\NamedPipe\msagent_12""#)),
    case(Some("sysmon"), 19, &[r#"Query|contains: 'Win32_LogonSession'"#], Query(r#"DeviceEvents
| where ActionType == "WmiBindEventFilterToConsumer" and tostring(parse_json(AdditionalFields).Filter) contains "Win32_LogonSession""#)),
    case(Some("sysmon"), 20, &[r#"Destination|contains: 'powershell'"#], Query(r#"DeviceEvents
| where ActionType == "WmiBindEventFilterToConsumer" and tostring(parse_json(AdditionalFields).Consumer) contains "powershell""#)),
    case(Some("sysmon"), 21, &[r#"Consumer|contains: 'CommandLineEventConsumer'"#], Query(r#"DeviceEvents
| where ActionType == "WmiBindEventFilterToConsumer" and tostring(parse_json(AdditionalFields).Consumer) contains "CommandLineEventConsumer""#)),
    case(Some("sysmon"), 22, &[r#"QueryName|endswith: '.onion'"#], Query(r#"DeviceEvents
| where ActionType == "DnsQueryResponse" and tostring(parse_json(AdditionalFields).DnsQueryString) endswith ".onion""#)),
    case(Some("sysmon"), 23, &[r#"TargetFilename|endswith: '.evtx'"#], Query(r#"DeviceFileEvents
| where ActionType == "FileDeleted" and FolderPath endswith ".evtx""#)),
    case(Some("sysmon"), 24, &[r#"Image|endswith: '\evil.exe'"#], NoSource(r#"windows 'sysmon' event 24 has no Defender data source: Defender records calls that read the clipboard (GetClipboardData), not changes of its content"#)),
    case(Some("sysmon"), 25, &[r#"Image|endswith: '\evil.exe'"#], NoSource(r#"windows 'sysmon' event 25 has no Defender data source: Defender records no process image tampering events; its remote API call events (such as SetThreadContextRemoteApiCall) report other operations"#)),
    case(Some("sysmon"), 26, &[r#"TargetFilename|endswith: '.evtx'"#], Query(r#"DeviceFileEvents
| where ActionType == "FileDeleted" and FolderPath endswith ".evtx""#)),
    case(Some("sysmon"), 27, &[r#"TargetFilename|endswith: '.exe'"#], NoSource(r#"windows 'sysmon' event 27 has no Defender data source: Sysmon's blocking of executables has no Defender counterpart; Defender's own blocks come from other features and report other events"#)),
    case(Some("sysmon"), 28, &[r#"TargetFilename|endswith: '.docx'"#], NoSource(r#"windows 'sysmon' event 28 has no Defender data source: Sysmon's blocking of file shredding has no Defender counterpart"#)),
    case(Some("sysmon"), 29, &[r#"TargetFilename|endswith: '.exe'"#], NoSource(r#"windows 'sysmon' event 29 has no Defender data source: Defender does not flag created files as executables; a file_event rule on the file name comes close"#)),
];

#[test]
fn sysmon_events_convert_or_fail() {
    let mut queries = Vec::new();
    for case in SYSMON_CASES {
        queries.extend(check_case(case));
    }
    assert_eq!(queries.len(), 18, "Sysmon events with a Defender source");
    assert_queries_check("events-sysmon", &queries);
}

#[test]
fn sysmon_cases_cover_events_1_to_29() {
    let ids: Vec<u32> = SYSMON_CASES.iter().map(|c| c.event_id).collect();
    assert_eq!(ids, (1..=29).collect::<Vec<u32>>());
    for id in 1..=29 {
        assert!(
            mapping::event("windows", "sysmon", id).is_some(),
            "sysmon {id} is not in the mapping"
        );
    }
}

#[test]
fn sysmon_open_questions_are_decided() {
    // Process access is OpenProcessApiCall (not SetThreadContextRemoteApiCall), partial
    // because Defender records the requested access mask, not the granted one.
    let Some(EventEntry::Source(access)) = mapping::event("windows", "sysmon", 10) else {
        panic!("sysmon 10 has a source");
    };
    assert_eq!(access.action_types, &["OpenProcessApiCall"]);
    let granted =
        mapping::field(access.field_set, "GrantedAccess").expect("GrantedAccess is mapped");
    assert!(
        matches!(granted.fidelity, mapping::Fidelity::Partial { note } if note.contains("requested"))
    );

    // Driver loads and both pipe events have a source.
    for (id, action_type) in [
        (6, "DriverLoad"),
        (17, "NamedPipeEvent"),
        (18, "NamedPipeEvent"),
    ] {
        let Some(EventEntry::Source(source)) = mapping::event("windows", "sysmon", id) else {
            panic!("sysmon {id} has a source");
        };
        assert_eq!(source.action_types, &[action_type], "sysmon {id}");
    }
}
