//! Builds a copy of the package with an edited `mapping.yaml`, to show that the build
//! stops on a bad spec and picks up a changed one.
//!
//! The copies live under Cargo's per-target temporary folder, each with its own target
//! folder kept across runs, so only the first run compiles the dependencies. Copies must not
//! share a target folder: Cargo gives a workspace member the same output folders wherever
//! it lives, so one copy's fresh build would hide the other's changes. Builds run `--offline`,
//! with the dependencies already fetched for this package and its `Cargo.lock`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PACKAGE_FILES: &[&str] = &["Cargo.toml", "Cargo.lock", "build.rs", "mapping.yaml"];
const PACKAGE_DIRS: &[&str] = &["src", "macros/src"];
const MACRO_FILES: &[&str] = &["macros/Cargo.toml"];

const EXAMPLE: &str = r#"fn main() {
    let value = sigma_mde::mapping::value_map(sigma_mde::mapping::ValueMap::RegistryEventTypes, "SetValue");
    println!("SetValue={}", value.unwrap_or("(none)"));
}
"#;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `contents` to `path` unless the file already contains exactly that, so that
/// unchanged files keep their modification time and Cargo's cache stays valid.
fn sync_file(path: &Path, contents: &[u8]) {
    if std::fs::read(path).is_ok_and(|old| old == contents) {
        return;
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

fn sync_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            sync_dir(&entry.path(), &target);
        } else {
            sync_file(&target, &std::fs::read(entry.path()).unwrap());
        }
    }
}

/// Copies the package into `<tmp>/<name>` with `mapping.yaml` replaced by `spec` and a
/// small example that prints one lookup.
fn package_copy(name: &str, spec: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    for file in PACKAGE_FILES.iter().chain(MACRO_FILES) {
        let mut contents = std::fs::read(manifest_dir().join(file)).unwrap();
        if *file == "Cargo.toml" {
            contents = without_target_sections(&String::from_utf8(contents).unwrap()).into_bytes();
        }
        sync_file(&root.join(file), &contents);
    }
    for dir in PACKAGE_DIRS {
        sync_dir(&manifest_dir().join(dir), &root.join(dir));
    }
    sync_file(&root.join("mapping.yaml"), spec.as_bytes());
    sync_file(&root.join("examples/lookup.rs"), EXAMPLE.as_bytes());
    root
}

/// Drops the `[[test]]`, `[[bench]]` and `[[example]]` sections of a manifest, because the
/// copy leaves out the files they name.
fn without_target_sections(manifest: &str) -> String {
    let mut out = String::with_capacity(manifest.len());
    let mut skipping = false;
    for line in manifest.lines() {
        let header = line.trim_start();
        if header.starts_with('[') {
            skipping = matches!(header.trim_end(), "[[test]]" | "[[bench]]" | "[[example]]");
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn cargo(root: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(args)
        .args(["--offline", "--no-default-features", "--quiet"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", root.with_extension("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap()
}

fn real_spec() -> String {
    std::fs::read_to_string(manifest_dir().join("mapping.yaml")).unwrap()
}

/// Returns the 1-based line on which `needle` starts in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in mapping.yaml"));
    text[..offset].lines().count() + 1
}

#[test]
fn duplicate_event_stops_build() {
    let spec = real_spec();
    let first = line_of(
        &spec,
        "  - product: windows\n    service: sysmon\n    event_id: 1\n",
    );
    assert!(spec.ends_with('\n'));
    let repeat = spec.lines().count() + 1;
    let bad = format!(
        "{spec}  - {{product: windows, service: sysmon, event_id: 1, no_source: repeated}}\n"
    );

    let root = package_copy("mapping-duplicate", &bad);
    let output = cargo(&root, &["build", "--lib"]);
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert!(!output.status.success(), "the build succeeded:\n{stderr}");
    let expected = format!(
        "error: sigma-mde@0.1.0: mapping.yaml:{repeat}:5: duplicate event windows/sysmon/1 (first defined at mapping.yaml:{first}:5)"
    );
    assert!(
        stderr.lines().any(|line| line == expected),
        "expected {expected:?} in:\n{stderr}"
    );
}

#[test]
fn edited_spec_is_rebuilt() {
    let spec = real_spec();
    let root = package_copy("mapping-edit", &spec);
    let before = cargo(&root, &["run", "--example", "lookup"]);
    assert!(
        before.status.success(),
        "{}",
        String::from_utf8_lossy(&before.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&before.stdout),
        "SetValue=RegistryValueSet\n"
    );

    let edited = spec.replacen(
        "    SetValue: RegistryValueSet\n",
        "    SetValue: EditedValueSet\n",
        1,
    );
    assert_ne!(edited, spec, "the value map entry to edit is missing");
    sync_file(&root.join("mapping.yaml"), edited.as_bytes());
    let after = cargo(&root, &["run", "--example", "lookup"]);
    assert!(
        after.status.success(),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&after.stdout),
        "SetValue=EditedValueSet\n"
    );
}

/// The macro checks the spec with the same validator as the build script. The package's
/// build script stops first on a bad spec, so this builds a tiny crate that invokes the
/// macro alone on the duplicate-event fixture and expects its `compile_error!`.
#[test]
fn macro_reports_spec_problems() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mapping-macro");
    let macros = manifest_dir().join("macros");
    let manifest = format!(
        "[package]\nname = \"macro-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[workspace]\n\n[dependencies]\nsigma-mde-macros = {{ path = {:?} }}\n",
        macros.display().to_string()
    );
    sync_file(&root.join("Cargo.toml"), manifest.as_bytes());
    sync_file(
        &root.join("Cargo.lock"),
        &std::fs::read(manifest_dir().join("Cargo.lock")).unwrap(),
    );
    let fixture =
        std::fs::read(manifest_dir().join("tests/fixtures/mapping/dup_event.yaml")).unwrap();
    sync_file(&root.join("mapping.yaml"), &fixture);
    sync_file(
        &root.join("src/lib.rs"),
        b"sigma_mde_macros::mapping_enums!(\"mapping.yaml\");\n",
    );

    let output = cargo(&root, &["build"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the probe built:\n{stderr}");
    assert!(
        stderr.contains("error: mapping.yaml:31:5: duplicate event windows/security/4769 (first defined at mapping.yaml:29:5)"),
        "expected the duplicate in:\n{stderr}"
    );
}
