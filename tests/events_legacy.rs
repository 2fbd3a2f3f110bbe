//! Every Windows event that the legacy Defender ATP backend of the Python converter left
//! unmapped, and Security event 4688, converts to its Defender table and ActionType or fails
//! with the reason Defender cannot see it.

mod common;
mod events_support;

use std::collections::BTreeSet;

use events_support::{assert_queries_check, case, check_case, Case, Expected::*};
use sigma_mde::mapping;

/// One rule per event with a typical field, and the query or error it must give. `None` is a
/// rule without a service.
#[rustfmt::skip]
const LEGACY_CASES: &[Case] = &[
    case(Some("application"), 1000, &[r#"Data|contains: 'MsMpEng.exe'"#], NoSource(r#"windows 'application' event 1000 has no Defender data source: Defender does not collect the Application log and records no application crashes"#)),
    case(Some("application"), 1001, &[r#"Data|contains: 'MsMpEng.exe'"#], NoSource(r#"windows 'application' event 1001 has no Defender data source: Defender does not collect the Application log and records no error reports"#)),
    case(Some("application"), 524, &[r#"Data|contains: 'catalog'"#], NoSource(r#"windows 'application' event 524 has no Defender data source: Defender does not collect the Application log and records no backup catalog deletions; a process_creation rule on 'wbadmin delete catalog' comes close"#)),
    case(Some("dns-server"), 150, &[r#"Data|contains: 'dll'"#], NoSource(r#"windows 'dns-server' event 150 has no Defender data source: Defender does not collect the DNS Server log; a registry_set rule on the ServerLevelPluginDll value of the DNS service's parameters comes close"#)),
    case(Some("dns-server"), 770, &[r#"Data|contains: 'dll'"#], NoSource(r#"windows 'dns-server' event 770 has no Defender data source: Defender does not collect the DNS Server log; a registry_set rule on the ServerLevelPluginDll value of the DNS service's parameters comes close"#)),
    case(Some("driver-framework"), 2003, &[r#"DeviceDescription|contains: 'USB'"#], Query(r#"DeviceEvents
| where ActionType == "PnpDeviceConnected" and tostring(parse_json(AdditionalFields).DeviceDescription) contains "USB""#)),
    case(Some("driver-framework"), 2100, &[r#"DeviceDescription|contains: 'USB'"#], Query(r#"DeviceEvents
| where ActionType == "PnpDeviceConnected" and tostring(parse_json(AdditionalFields).DeviceDescription) contains "USB""#)),
    case(Some("driver-framework"), 2102, &[r#"DeviceDescription|contains: 'USB'"#], Query(r#"DeviceEvents
| where ActionType == "PnpDeviceConnected" and tostring(parse_json(AdditionalFields).DeviceDescription) contains "USB""#)),
    case(None, 7045, &[r#"ServiceName: 'PSEXESVC'"#], Query(r#"DeviceEvents
| where ActionType == "ServiceInstalled" and tostring(parse_json(AdditionalFields).ServiceName) =~ "PSEXESVC""#)),
    case(None, 7036, &[r#"param1: 'PSEXESVC'"#], NoSource(r#"windows (no service) event 7036 has no Defender data source: Defender records no service state changes; a process_creation rule on the service's binary started by services.exe comes close"#)),
    case(None, 1, &[r#"Image|endswith: '\PSEXESVC.exe'"#], Query(r#"DeviceProcessEvents
| where ActionType == "ProcessCreated" and FolderPath endswith @"\PSEXESVC.exe""#)),
    case(Some("powershell"), 4103, &[r#"Payload|contains: 'Invoke-Mimikatz'"#], Query(r#"DeviceEvents
| where ActionType == "PowerShellCommand" and tostring(parse_json(AdditionalFields).Command) contains "Invoke-Mimikatz""#)),
    case(Some("powershell"), 4104, &[r#"ScriptBlockText|contains: 'Invoke-Mimikatz'"#], Query(r#"DeviceEvents
| where ActionType == "PowerShellCommand" and tostring(parse_json(AdditionalFields).Command) contains "Invoke-Mimikatz""#)),
    case(Some("powershell-classic"), 400, &[r#"HostApplication|contains: '-version 2'"#], NoSource(r#"windows 'powershell-classic' event 400 has no Defender data source: Defender records no PowerShell engine start events; a process_creation rule on powershell.exe with '-version 2' comes close"#)),
    case(Some("security"), 517, &[r#"Provider_Name: 'Security'"#], Query(r#"DeviceEvents
| where ActionType == "SecurityLogCleared""#)),
    case(Some("security"), 528, &[r#"LogonType: 10"#], Query(r#"DeviceLogonEvents
| where ActionType == "LogonSuccess" and LogonType =~ "RemoteInteractive""#)),
    case(Some("security"), 529, &[r#"TargetUserName: 'Administrator'"#], Query(r#"DeviceLogonEvents
| where ActionType == "LogonFailed" and AccountName =~ "Administrator""#)),
    case(Some("security"), 675, &[r#"Status: '0x18'"#], NoSource(r#"windows 'security' event 675 has no Defender data source: Windows before Vista wrote event 675 where later versions write 4771; Defender for Identity records failed Kerberos logons with a textual FailureReason, not the Kerberos failure code (Status), and does not tell pre-authentication failures from other failures"#)),
    case(Some("security"), 1102, &[r#"Provider_Name: 'Microsoft-Windows-Eventlog'"#], Query(r#"DeviceEvents
| where ActionType == "SecurityLogCleared""#)),
    case(Some("security"), 4624, &[r#"LogonType: 3"#, r#"TargetUserName: 'Administrator'"#], Query(r#"DeviceLogonEvents
| where ActionType == "LogonSuccess" and LogonType =~ "Network" and AccountName =~ "Administrator""#)),
    case(Some("security"), 4625, &[r#"IpAddress: '10.1.2.3'"#], Query(r#"DeviceLogonEvents
| where ActionType == "LogonFailed" and RemoteIP =~ "10.1.2.3""#)),
    case(Some("security"), 4776, &[r#"Workstation: 'RULER'"#], Query(r#"IdentityLogonEvents
| where ActionType in~ ("LogonSuccess", "LogonFailed") and Protocol =~ "Ntlm" and DeviceName =~ "RULER""#)),
    case(Some("security"), 4656, &[r#"ObjectName|endswith: '\lsass.exe'"#], NoSource(r#"windows 'security' event 4656 has no Defender data source: Defender records no object handle requests; its OpenProcessApiCall events cover some process handles only, and files and registry keys opened for reading are not recorded"#)),
    case(Some("security"), 4657, &[r#"ObjectName|startswith: '\REGISTRY\MACHINE\SYSTEM\CurrentControlSet\Control\Lsa'"#, r#"ObjectValueName: 'LmCompatibilityLevel'"#], Query(r#"DeviceRegistryEvents
| where ActionType == "RegistryValueSet" and RegistryKey startswith @"HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Lsa" and RegistryValueName =~ "LmCompatibilityLevel""#)),
    case(Some("security"), 4658, &[r#"ObjectName|endswith: '.AAA'"#], NoSource(r#"windows 'security' event 4658 has no Defender data source: Defender records no object handle closes"#)),
    case(Some("security"), 4660, &[r#"ProcessName|endswith: '\sdelete.exe'"#], NoSource(r#"windows 'security' event 4660 has no Defender data source: Windows names only a handle in event 4660, not the deleted object, and Defender records no object handles; the file_delete and registry_delete categories cover deletions"#)),
    case(Some("security"), 4661, &[r#"ObjectType: 'SAM_USER'"#], NoSource(r#"windows 'security' event 4661 has no Defender data source: Defender for Identity records SAM-R queries (IdentityQueryEvents) as query types and targets, without the object type, object name or access mask that rules on this event compare"#)),
    case(Some("security"), 4663, &[r#"ObjectName|endswith: '.ZZZ'"#], NoSource(r#"windows 'security' event 4663 has no Defender data source: Defender records no object access attempts; file and registry changes are in the file_event, file_delete, registry_set and registry_delete categories, and reads are not recorded"#)),
    case(Some("security"), 4698, &[r#"TaskName|contains: '\Evil'"#], Query(r#"DeviceEvents
| where ActionType == "ScheduledTaskCreated" and tostring(parse_json(AdditionalFields).TaskName) contains @"\Evil""#)),
    case(Some("security"), 4707, &[r#"TargetUserName: 'Administrator'"#], NoSource(r#"windows 'security' event 4707 has no Defender data source: Defender records no removals of domain trusts"#)),
    case(Some("security"), 4719, &[r#"SubcategoryGuid: '{0CCE922B-69AE-11D9-BED3-505054503030}'"#], Query(r#"DeviceEvents
| where ActionType == "AuditPolicyModification" and trim(@"[{}]", tostring(parse_json(AdditionalFields).SubcategoryGuid)) =~ "0CCE922B-69AE-11D9-BED3-505054503030""#)),
    case(Some("security"), 4732, &[r#"TargetSid: 'S-1-5-32-544'"#], Query(r#"DeviceEvents
| where ActionType == "UserAccountAddedToLocalGroup" and AccountSid =~ "S-1-5-32-544""#)),
    case(Some("security"), 4738, &[r#"AllowedToDelegateTo|contains: 'krbtgt'"#], NoSource(r#"windows 'security' event 4738 has no Defender data source: Defender records account changes as UserAccountModified (and Defender for Identity as named directory activities) but documents none of the changed attributes, such as AllowedToDelegateTo, the UAC values or SidHistory, that rules on this event compare"#)),
    case(Some("security"), 4765, &[r#"SidHistory|contains: 'S-1-5-21'"#], NoSource(r#"windows 'security' event 4765 has no Defender data source: Defender for Identity reports SID history changes (IdentityDirectoryEvents 'SID-History changed') for computer accounts only and does not tell additions from removals"#)),
    case(Some("security"), 4766, &[r#"SidHistory|contains: 'S-1-5-21'"#], NoSource(r#"windows 'security' event 4766 has no Defender data source: Defender records no failed attempts to add SID history"#)),
    case(Some("security"), 4768, &[r#"TicketEncryptionType: '0x17'"#], NoSource(r#"windows 'security' event 4768 has no Defender data source: Defender for Identity records Kerberos authentications in IdentityLogonEvents without the ticket encryption type, pre-authentication type, certificate or result code (Status) of a ticket request, and without telling ticket-granting tickets from service tickets"#)),
    case(Some("security"), 4769, &[r#"TicketEncryptionType: '0x17'"#], NoSource(r#"windows 'security' event 4769 has no Defender data source: Defender for Identity records Kerberos authentications in IdentityLogonEvents without the ticket encryption type, ticket options or result code (Status) of a service ticket request, and without telling service tickets from ticket-granting tickets"#)),
    case(Some("security"), 4771, &[r#"Status: '0x18'"#], NoSource(r#"windows 'security' event 4771 has no Defender data source: Defender for Identity records failed Kerberos logons with a textual FailureReason, not the Kerberos failure code (Status), and does not tell pre-authentication failures from other failures"#)),
    case(Some("security"), 4794, &[r#"TargetUserName: 'Administrator'"#], NoSource(r#"windows 'security' event 4794 has no Defender data source: Defender records no changes of the Directory Services Restore Mode password; a process_creation rule on ntdsutil's 'set dsrm password' comes close"#)),
    case(Some("security"), 5136, &[r#"AttributeLDAPDisplayName: 'servicePrincipalName'"#], NoSource(r#"windows 'security' event 5136 has no Defender data source: Defender reports directory changes as DirectoryServiceObjectModified events and as Defender for Identity's named activities, but documents none of the changed attribute (AttributeLDAPDisplayName), its value (AttributeValue) or the object's class and name that rules on this event compare"#)),
    case(Some("security"), 5140, &[r#"ShareName: '\\*\ADMIN$'"#], NoSource(r#"windows 'security' event 5140 has no Defender data source: Defender records no share connections; DeviceFileEvents name the share (ShareName) only for files written over the network"#)),
    case(Some("security"), 5145, &[r#"RelativeTargetName: 'samr'"#], NoSource(r#"windows 'security' event 5145 has no Defender data source: Defender records share access checks as NetworkShareObjectAccessChecked events but documents none of their fields, so the share name, relative target name and access list that rules on this event compare cannot be mapped"#)),
    case(Some("system"), 16, &[r#"HiveName|contains: '\AppData\Local\Temp\SAM'"#], NoSource(r#"windows 'system' event 16 has no Defender data source: Defender records no registry hive access history events; a file_event rule on SAM dumps under the temporary folder comes close"#)),
    case(Some("system"), 104, &[r#"Channel: 'Security'"#], NoSource(r#"windows 'system' event 104 has no Defender data source: Defender records the clearing of the Security log only (SecurityLogCleared, from event 1102); other logs' clearing is not recorded"#)),
    case(Some("system"), 1031, &[r#"Provider_Name: 'Microsoft-Windows-DHCP-Server'"#], NoSource(r#"windows 'system' event 1031 has no Defender data source: Defender does not collect the DHCP server's log; a registry_set rule on the CalloutDlls value of the DHCP server's parameters comes close"#)),
    case(Some("system"), 1032, &[r#"Provider_Name: 'Microsoft-Windows-DHCP-Server'"#], NoSource(r#"windows 'system' event 1032 has no Defender data source: Defender does not collect the DHCP server's log; a registry_set rule on the CalloutDlls value of the DHCP server's parameters comes close"#)),
    case(Some("system"), 1033, &[r#"Provider_Name: 'Microsoft-Windows-DHCP-Server'"#], NoSource(r#"windows 'system' event 1033 has no Defender data source: Defender does not collect the DHCP server's log; a registry_set rule on the CalloutDlls value of the DHCP server's parameters comes close"#)),
    case(Some("system"), 1034, &[r#"Provider_Name: 'Microsoft-Windows-DHCP-Server'"#], NoSource(r#"windows 'system' event 1034 has no Defender data source: Defender does not collect the DHCP server's log; a registry_set rule on the CalloutDlls value of the DHCP server's parameters comes close"#)),
    case(Some("system"), 4697, &[r#"ServiceFileName|contains: '\ADMIN$\'"#], Query(r#"DeviceEvents
| where ActionType == "ServiceInstalled" and FolderPath contains @"\ADMIN$\""#)),
    case(Some("system"), 7045, &[r#"Provider_Name: 'Service Control Manager'"#, r#"ImagePath|contains: '\Users\Public\'"#], Query(r#"DeviceEvents
| where ActionType == "ServiceInstalled" and FolderPath contains @"\Users\Public\""#)),
    case(Some("taskscheduler"), 106, &[r#"TaskName|contains: '\Evil'"#], Query(r#"DeviceEvents
| where ActionType == "ScheduledTaskCreated" and tostring(parse_json(AdditionalFields).TaskName) contains @"\Evil""#)),
    case(Some("wmi"), 5859, &[r#"Query|contains: 'Win32_Process'"#], NoSource(r#"windows 'wmi' event 5859 has no Defender data source: Defender records no WMI event provider registrations or queries; only filter-to-consumer bindings (event 5861) are recorded"#)),
    case(Some("wmi"), 5861, &[r#"CONSUMER|contains: 'CommandLineEventConsumer'"#], Query(r#"DeviceEvents
| where ActionType == "WmiBindEventFilterToConsumer" and tostring(parse_json(AdditionalFields).Consumer) contains "CommandLineEventConsumer""#)),
    case(Some("security"), 4688, &[r#"NewProcessName|endswith: '\whoami.exe'"#, r#"MandatoryLabel: 'S-1-16-16384'"#], Query(r#"DeviceProcessEvents
| where ActionType == "ProcessCreated" and FolderPath endswith @"\whoami.exe" and ProcessIntegrityLevel =~ "System""#)),
];

#[test]
fn legacy_events_convert_or_fail() {
    let mut queries = Vec::new();
    for case in LEGACY_CASES {
        queries.extend(check_case(case));
    }
    assert_eq!(queries.len(), 23, "events with a Defender source");
    assert_queries_check("events-legacy", &queries);
}

/// Reads the legacy backend's list of unmapped events (`product service EventID` lines, with
/// `null` for no service) from the shared material.
fn legacy_list() -> Option<Vec<(String, String, u32)>> {
    let shared = common::shared_dir()?;
    let text = std::fs::read_to_string(shared.join("design/legacy-unmapped-events.txt"))
        .expect("legacy list is readable");
    let mut entries = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(parts.len(), 3, "line {line:?}");
        let service = if parts[1] == "null" {
            String::new()
        } else {
            parts[1].to_owned()
        };
        entries.push((
            parts[0].to_owned(),
            service,
            parts[2].parse().expect("numeric EventID"),
        ));
    }
    Some(entries)
}

#[test]
fn legacy_list_is_covered_once_each() {
    let Some(entries) = legacy_list() else {
        return;
    };
    assert_eq!(entries.len(), 55, "lines of the list, with its two repeats");
    let distinct: BTreeSet<(String, String, u32)> = entries.into_iter().collect();
    assert_eq!(distinct.len(), 53);

    let cases: BTreeSet<(String, String, u32)> = LEGACY_CASES
        .iter()
        .map(|c| {
            (
                "windows".to_owned(),
                c.service.unwrap_or("").to_owned(),
                c.event_id,
            )
        })
        .collect();
    for (product, service, id) in &distinct {
        assert!(
            mapping::event(product, service, *id).is_some(),
            "{product}/{service}/{id} is not in the mapping"
        );
        assert!(
            cases.contains(&(product.clone(), service.clone(), *id)),
            "{product}/{service}/{id} has no test case"
        );
    }
    // The list plus Security 4688, and nothing else.
    assert_eq!(cases.len(), distinct.len() + 1);
    assert!(cases.contains(&("windows".to_owned(), "security".to_owned(), 4688)));
}

#[test]
fn mapping_holds_each_event_once() {
    let mut seen = BTreeSet::new();
    for (key, _) in mapping::events() {
        assert!(
            seen.insert((key.product, key.service, key.event_id)),
            "{key:?} is listed twice"
        );
    }
    assert!(seen.contains(&("windows", "security", 4776)));
    assert!(seen.contains(&("windows", "security", 4769)));
}
