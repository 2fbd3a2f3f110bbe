//! The `sigma-mde` command line: output formats, diagnostics and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sigma_mde() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sigma-mde"))
}

fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sigma-mde-cli-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder can be created");
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("folder can be created");
    }
    std::fs::write(&path, text).expect("rule file can be written");
    path
}

const GOOD: &str = r#"title: Whoami
id: 11111111-2222-4333-8444-555555555555
author: Example Author
level: low
tags: [attack.discovery]
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
"#;

const BAD_FIELD: &str = r#"title: Bad field
logsource: {category: process_creation, product: windows}
detection:
    selection:
        NoSuchField: 'x'
    condition: selection
"#;

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn convert_kql_format_and_exit_zero() {
    let dir = temp_dir("kql");
    let rule = write(&dir, "whoami.yml", GOOD);
    let output = sigma_mde()
        .arg("convert")
        .arg(&rule)
        .output()
        .expect("binary runs");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "// Whoami (11111111-2222-4333-8444-555555555555)\n// author: Example Author\nDeviceProcessEvents\n| where ActionType == \"ProcessCreated\" and FolderPath endswith @\"\\whoami.exe\"\n"
    );
    assert!(
        stderr.contains("1 converted (0 with warnings), 0 failed"),
        "{stderr}"
    );
}

#[test]
fn convert_folder_continues_after_failure() {
    let dir = temp_dir("batch");
    write(&dir, "a_bad.yml", BAD_FIELD);
    write(&dir, "nested/b_good.yaml", GOOD);
    write(&dir, "notes.txt", "not a rule");
    let output = sigma_mde()
        .arg("convert")
        .arg(&dir)
        .output()
        .expect("binary runs");
    let (stdout, stderr) = text(&output);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a failed rule gives exit status 1"
    );
    assert!(
        stdout.contains("FolderPath endswith @\"\\whoami.exe\""),
        "the good rule still converts: {stdout}"
    );
    let bad = dir.join("a_bad.yml").display().to_string();
    assert!(
        stderr.contains(&format!(
            "{bad}:5:9: in detection item 'selection': field 'NoSuchField' has no column"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 converted (0 with warnings), 1 failed: unmapped-field 1"),
        "{stderr}"
    );
}

#[test]
fn convert_jsonl_objects() {
    let dir = temp_dir("jsonl");
    write(&dir, "a.yml", GOOD);
    write(&dir, "b.yml", BAD_FIELD);
    let output = sigma_mde()
        .args(["convert", "--format", "jsonl"])
        .arg(&dir)
        .output()
        .expect("binary runs");
    let (stdout, _) = text(&output);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2);

    let good = &lines[0];
    assert_eq!(good["id"], "11111111-2222-4333-8444-555555555555");
    assert_eq!(good["title"], "Whoami");
    assert_eq!(good["level"], "low");
    assert_eq!(good["tags"], serde_json::json!(["attack.discovery"]));
    assert_eq!(good["tables"], serde_json::json!(["DeviceProcessEvents"]));
    assert_eq!(good["warnings"], serde_json::json!([]));
    assert!(good["queries"][0]
        .as_str()
        .expect("query string")
        .starts_with("DeviceProcessEvents\n| where "));
    assert!(good.get("error").is_none());

    let bad = &lines[1];
    assert!(bad.get("queries").is_none(), "a failed rule has no queries");
    assert_eq!(bad["error"]["kind"], "unmapped-field");
    assert!(bad["error"]["message"]
        .as_str()
        .expect("message")
        .contains("NoSuchField"));
    assert!(bad["path"].as_str().expect("path").ends_with("b.yml"));
}

#[test]
fn convert_output_file_and_placeholders() {
    let dir = temp_dir("placeholders");
    let rule = write(
        &dir,
        "expand.yml",
        r#"title: Admin tools
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|expand: '%AdminTools%'
    condition: selection
"#,
    );
    let out = dir.join("out.kql");
    let status = sigma_mde()
        .args([
            "convert",
            "--placeholder",
            r"AdminTools=C:\Tools\a.exe,C:\Tools\b.exe",
            "-o",
        ])
        .arg(&out)
        .arg(&rule)
        .status()
        .expect("binary runs");
    assert_eq!(status.code(), Some(0));
    let written = std::fs::read_to_string(&out).expect("output file written");
    assert!(
        written.contains(r#"FolderPath in~ (@"C:\Tools\a.exe", @"C:\Tools\b.exe")"#),
        "{written}"
    );

    let file = write(
        &dir,
        "placeholders.yml",
        "AdminTools:\n  - 'C:\\Tools\\c.exe'\n",
    );
    let output = sigma_mde()
        .args(["convert", "--placeholders"])
        .arg(&file)
        .arg(&rule)
        .output()
        .expect("binary runs");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains(r#"FolderPath =~ @"C:\Tools\c.exe""#),
        "{stdout}"
    );

    let output = sigma_mde()
        .arg("convert")
        .arg(&rule)
        .output()
        .expect("binary runs");
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("%AdminTools%"), "{stderr}");
}

#[test]
fn usage_errors_exit_two() {
    let status = sigma_mde()
        .args(["convert"])
        .output()
        .expect("binary runs")
        .status;
    assert_eq!(status.code(), Some(2), "missing PATH");
    let status = sigma_mde()
        .args(["convert", "--format", "xml", "."])
        .output()
        .expect("binary runs")
        .status;
    assert_eq!(status.code(), Some(2), "unknown format");
    let output = sigma_mde()
        .args(["convert", "/no/such/folder"])
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(2), "missing path");
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read /no/such/folder"));
    let output = sigma_mde()
        .args(["convert", "--placeholder", "novalue", "."])
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(2), "malformed placeholder");
    assert!(String::from_utf8_lossy(&output.stderr).contains("expected NAME=V1,V2"));
}

#[test]
fn list_prints_mapping() {
    let output = sigma_mde().arg("list").output().expect("binary runs");
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout.starts_with("Log sources\n"), "{stdout}");
    assert!(
        stdout.contains("product=windows category=process_creation"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Windows events without a Defender data source"),
        "{stdout}"
    );

    let output = sigma_mde()
        .args(["list", "--format", "markdown"])
        .output()
        .expect("binary runs");
    let (stdout, _) = text(&output);
    assert_eq!(stdout, sigma_mde::coverage::render_markdown());
}

#[test]
fn jsonl_failed_rule_keeps_metadata() {
    let dir = temp_dir("label");
    write(
        &dir,
        "expand.yml",
        r#"title: Service account logon
id: 22222222-3333-4444-8555-666666666666
level: high
tags: [attack.t1078]
logsource: {category: process_creation, product: windows}
detection:
    selection:
        User|expand: '%ServiceAccounts%'
    condition: selection
"#,
    );
    let output = sigma_mde()
        .args(["convert", "--format", "jsonl"])
        .arg(&dir)
        .output()
        .expect("binary runs");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("give their values with --placeholder NAME=V1,V2"),
        "{stderr}"
    );
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(line["title"], "Service account logon");
    assert_eq!(line["id"], "22222222-3333-4444-8555-666666666666");
    assert_eq!(line["level"], "high");
    assert_eq!(line["tags"], serde_json::json!(["attack.t1078"]));
    assert_eq!(line["error"]["kind"], "parse");
}
