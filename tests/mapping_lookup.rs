//! Lookups on the real mapping.yaml.

use sigma_mde::mapping::{
    self, EventEntry, Fidelity, FieldSet, KustoType, LogSourceEntry, Source, Table, Target,
    Transform, ValueMap,
};

fn source(product: &str, category: &str) -> &'static Source {
    match mapping::logsource(Some(product), Some(category), None) {
        Some(LogSourceEntry::Source(source)) => source,
        other => panic!("{product}/{category} is not a source: {other:?}"),
    }
}

fn column_name(target: Target) -> &'static str {
    match target {
        Target::Column(column) => column.name,
        other => panic!("expected a column target, got {other:?}"),
    }
}

#[test]
fn process_creation_source() {
    let source = source("windows", "process_creation");
    assert_eq!(source.table, Table::DeviceProcessEvents);
    assert_eq!(source.action_types, &["ProcessCreated"]);
    assert_eq!(source.field_set, FieldSet::WindowsProcessCreation);
    assert_eq!(source.keyword_columns.len(), 1);
    assert_eq!(source.keyword_columns[0].name, "ProcessCommandLine");
    assert_eq!(source.fidelity, Fidelity::Exact);
    assert!(source.defined_at.starts_with("mapping.yaml:"));
}

#[test]
fn process_creation_fields() {
    let set = FieldSet::WindowsProcessCreation;
    let image = mapping::field(set, "Image").unwrap();
    assert_eq!(column_name(image.target), "FolderPath");
    let parent = mapping::field(set, "ParentImage").unwrap();
    assert_eq!(column_name(parent.target), "InitiatingProcessFolderPath");
    let parent_cli = mapping::field(set, "ParentCommandLine").unwrap();
    assert_eq!(
        column_name(parent_cli.target),
        "InitiatingProcessCommandLine"
    );

    let user = mapping::field(set, "User").unwrap();
    assert_eq!(user.transform, Some(Transform::DomainUser));
    let Target::Columns(roles) = user.target else {
        panic!("User maps to columns")
    };
    assert_eq!(roles[0].0, "domain");
    assert_eq!(roles[0].1.name, "AccountDomain");
    assert_eq!(roles[1].0, "name");
    assert_eq!(roles[1].1.name, "AccountName");

    let hashes = mapping::field(set, "Hashes").unwrap();
    assert_eq!(hashes.transform, Some(Transform::Hashes));

    let directory = mapping::field(set, "CurrentDirectory").unwrap();
    assert!(
        matches!(directory.target, Target::None { reason } if reason.contains("working directory"))
    );
}

#[test]
fn field_names_are_case_sensitive() {
    assert!(mapping::field(FieldSet::WindowsProcessCreation, "commandline").is_none());
    assert!(mapping::field(FieldSet::WindowsProcessCreation, "NoSuchField").is_none());
}

#[test]
fn parent_image_outside_process_table() {
    let parent = mapping::field(FieldSet::WindowsFile, "ParentImage").unwrap();
    assert_eq!(
        column_name(parent.target),
        "InitiatingProcessParentFileName"
    );
    assert_eq!(parent.transform, Some(Transform::ParentFileName));
    assert!(matches!(parent.fidelity, Fidelity::Partial { .. }));
    let image = mapping::field(FieldSet::WindowsFile, "Image").unwrap();
    assert_eq!(column_name(image.target), "InitiatingProcessFolderPath");
}

#[test]
fn registry_sources() {
    assert_eq!(
        source("windows", "registry_add").action_types,
        &["RegistryKeyCreated"]
    );
    assert_eq!(
        source("windows", "registry_delete").action_types,
        &["RegistryKeyDeleted", "RegistryValueDeleted"]
    );
    assert_eq!(
        source("windows", "registry_set").action_types,
        &["RegistryValueSet"]
    );
    assert!(source("windows", "registry_event").action_types.is_empty());

    let target = mapping::field(FieldSet::WindowsRegistryDelete, "TargetObject").unwrap();
    let Target::Columns(roles) = target.target else {
        panic!("TargetObject maps to columns")
    };
    let names: Vec<_> = roles
        .iter()
        .map(|(role, column)| (*role, column.name))
        .collect();
    assert_eq!(
        names,
        [
            ("key", "PreviousRegistryKey"),
            ("value_name", "PreviousRegistryValueName")
        ]
    );
    assert_eq!(target.transform, Some(Transform::RegistryPath));
    assert_eq!(target.value_map, Some(ValueMap::HivePrefixes));

    let event_type = mapping::field(FieldSet::WindowsRegistryEvent, "EventType").unwrap();
    assert_eq!(event_type.target, Target::ActionType);
    assert_eq!(event_type.value_map, Some(ValueMap::RegistryEventTypes));
}

#[test]
fn process_access_granted_access() {
    let source = source("windows", "process_access");
    assert_eq!(source.table, Table::DeviceEvents);
    assert_eq!(source.action_types, &["OpenProcessApiCall"]);
    let access = mapping::field(source.field_set, "GrantedAccess").unwrap();
    assert_eq!(
        access.target,
        Target::Additional {
            key: "DesiredAccess",
            ty: KustoType::Long
        }
    );
    assert_eq!(access.transform, Some(Transform::AccessMask));
    assert!(matches!(access.fidelity, Fidelity::Partial { note } if note.contains("requested")));
}

#[test]
fn network_connection_fields() {
    let source = source("windows", "network_connection");
    assert_eq!(source.table, Table::DeviceNetworkEvents);
    let port = mapping::field(source.field_set, "DestinationPort").unwrap();
    let Target::Column(port) = port.target else {
        panic!("DestinationPort maps to a column")
    };
    assert_eq!(port.name, "RemotePort");
    assert_eq!(port.ty, KustoType::Int);
    let initiated = mapping::field(source.field_set, "Initiated").unwrap();
    assert_eq!(initiated.transform, Some(Transform::NetworkDirection));
    assert_eq!(
        mapping::value_map(ValueMap::NetworkDirections, "false"),
        Some("InboundConnectionAccepted")
    );
}

#[test]
fn linux_and_macos_sources() {
    for product in ["linux", "macos"] {
        assert_eq!(
            source(product, "process_creation").table,
            Table::DeviceProcessEvents
        );
        assert_eq!(source(product, "file_event").table, Table::DeviceFileEvents);
        assert_eq!(
            source(product, "network_connection").table,
            Table::DeviceNetworkEvents
        );
    }
    let user = mapping::field(FieldSet::UnixProcessCreation, "User").unwrap();
    assert_eq!(column_name(user.target), "AccountName");
}

#[test]
fn no_source_category() {
    let entry = mapping::logsource(Some("windows"), Some("process_tampering"), None);
    assert!(matches!(entry, Some(LogSourceEntry::NoSource { .. })));
}

#[test]
fn logsource_parts_must_all_match() {
    assert!(
        mapping::logsource(Some("windows"), Some("process_creation"), Some("sysmon")).is_none()
    );
    assert!(mapping::logsource(None, Some("process_creation"), None).is_none());
    assert!(mapping::logsource(Some("windows"), Some("Process_Creation"), None).is_none());
    let long = "x".repeat(200);
    assert!(mapping::logsource(Some(&long), Some("process_creation"), None).is_none());
}

#[test]
fn service_logs_select_by_event_id() {
    for service in [
        "security",
        "system",
        "sysmon",
        "powershell",
        "powershell-classic",
        "taskscheduler",
        "wmi",
        "application",
        "dns-server",
        "driver-framework",
    ] {
        let entry = mapping::logsource(Some("windows"), None, Some(service));
        match entry {
            Some(LogSourceEntry::ByEventId {
                product,
                service: s,
                fallback,
            }) => {
                assert_eq!(*product, "windows");
                assert_eq!(*s, service);
                assert!(fallback.is_none());
            }
            other => panic!("windows/{service} is not by_event_id: {other:?}"),
        }
    }
}

#[test]
fn sysmon_events() {
    let Some(EventEntry::Source(process)) = mapping::event("windows", "sysmon", 1) else {
        panic!("sysmon 1 is mapped")
    };
    assert_eq!(process.table, Table::DeviceProcessEvents);
    let Some(EventEntry::Source(network)) = mapping::event("windows", "sysmon", 3) else {
        panic!("sysmon 3 is mapped")
    };
    assert_eq!(network.table, Table::DeviceNetworkEvents);
    let Some(EventEntry::Source(file)) = mapping::event("windows", "sysmon", 11) else {
        panic!("sysmon 11 is mapped")
    };
    assert_eq!(file.action_types, &["FileCreated"]);
    let Some(EventEntry::Source(registry)) = mapping::event("windows", "sysmon", 13) else {
        panic!("sysmon 13 is mapped")
    };
    assert_eq!(registry.action_types, &["RegistryValueSet"]);
    assert!(matches!(
        mapping::event("windows", "sysmon", 2),
        Some(EventEntry::NoSource { .. })
    ));
    assert!(mapping::event("windows", "sysmon", 999).is_none());
    assert!(mapping::event("windows", "nosuchservice", 1).is_none());
}

#[test]
fn value_maps() {
    assert_eq!(
        mapping::value_map(ValueMap::RegistryEventTypes, "DeleteKey"),
        Some("RegistryKeyDeleted")
    );
    assert_eq!(
        mapping::value_map(ValueMap::LogonTypes, "10"),
        Some("RemoteInteractive")
    );
    let hives = mapping::value_map_entries(ValueMap::HivePrefixes);
    assert_eq!(hives[0], ("HKLM\\", "HKEY_LOCAL_MACHINE\\"));
    assert_eq!(hives[1], ("HKU\\", "HKEY_CURRENT_USER\\"));
    assert_eq!(
        mapping::value_map(ValueMap::RegistryPathRewrites, "\\CurrentControlSet\\"),
        Some("\\ControlSet001\\")
    );
}

#[test]
fn table_columns() {
    assert_eq!(Table::ALL.len(), 17);
    assert_eq!(Table::DeviceProcessEvents.name(), "DeviceProcessEvents");
    assert_eq!(Table::DeviceProcessEvents.columns()[0].name, "Timestamp");
    let column = Table::DeviceNetworkEvents.column("RemotePort").unwrap();
    assert_eq!(column.ty, KustoType::Int);
    assert!(Table::DeviceNetworkEvents.column("remoteport").is_none());
    assert_eq!(Table::from_name("DeviceEvents"), Some(Table::DeviceEvents));
}

#[test]
fn listings_in_spec_order() {
    let logsources = mapping::logsources();
    assert_eq!(logsources[0].0.category, Some("process_creation"));
    assert_eq!(logsources[0].0.product, Some("windows"));
    let events = mapping::events();
    assert_eq!(events[0].0.event_id, 1);
    assert_eq!(
        mapping::fields(FieldSet::WindowsProcessCreation)[0].name,
        "Image"
    );
    assert_eq!(Transform::ALL[0].name(), "hashes");
    assert_eq!(ValueMap::ALL[0].name(), "registry_event_types");
}

#[test]
fn provenance_of_entries() {
    let provenance =
        mapping::logsource_provenance(Some("windows"), Some("process_creation"), None).unwrap();
    assert!(provenance.evidence.contains("DeviceProcessEvents"));
    assert!(provenance.defined_at.starts_with("mapping.yaml:"));
    let provenance = mapping::event_provenance("windows", "sysmon", 1).unwrap();
    assert!(provenance.defined_at.starts_with("mapping.yaml:"));
    assert!(mapping::event_provenance("windows", "sysmon", 999).is_none());
}

/// Every transform must be handled; this match has no wildcard arm, so a transform added to
/// the spec stops this test from compiling until it is listed here.
#[test]
fn transforms_are_exhaustive() {
    for transform in Transform::ALL {
        let handled = match transform {
            Transform::Hashes
            | Transform::DomainUser
            | Transform::RegistryPath
            | Transform::ParentFileName
            | Transform::AccessMask
            | Transform::HexNumber
            | Transform::PipeName
            | Transform::RegistryDetails
            | Transform::NetworkDirection
            | Transform::ImpliedValue
            | Transform::UnknownPlaceholder
            | Transform::BracedGuid => true,
        };
        assert!(handled);
        assert!(!transform.description().is_empty());
    }
}
