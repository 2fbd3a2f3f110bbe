//! Access to the shared test material (the SigmaHQ corpus, the Defender schema and the
//! query checkers), which lives outside the repository.
#![allow(dead_code)]

use std::path::PathBuf;

/// Environment variable that overrides where the shared test material is.
pub const SHARED_DIR_VARIABLE: &str = "SIGMA_MDE_SHARED";

/// Returns the folder of shared test material, or `None` when it is missing.
///
/// The default is `../shared` beside the repository; `SIGMA_MDE_SHARED` overrides it. When
/// the folder is missing the test prints why it does nothing. With `CI=true` a missing
/// folder fails the test instead, so a CI run cannot pass by skipping the corpus.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os(SHARED_DIR_VARIABLE) {
        Some(value) => PathBuf::from(value),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("shared"),
    };
    if dir.join("README.md").is_file() {
        return Some(dir);
    }
    let message = format!(
        "shared test material not found at {} (set {SHARED_DIR_VARIABLE} to its folder)",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}; CI=true requires it");
    }
    eprintln!("skipping: {message}");
    None
}
