//! The smallest program around the library: reads one Sigma rule file from standard input
//! and prints its query, using nothing but the library API. Its size under the
//! `release-size` profile is the size figure for embedding:
//!
//! ```text
//! cargo build --profile release-size --no-default-features --example embed
//! embed < examples/rules/proc_certutil_download.yml
//! ```
//!
//! Each rule's queries go to standard output; errors go to standard error and make the exit
//! status 1.

use std::io::{Read as _, Write as _};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut bytes = Vec::new();
    if let Err(error) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("embed: failed to read standard input: {error}");
        return ExitCode::FAILURE;
    }

    let outputs = sigma_mde::convert_file(&bytes, None, &sigma_mde::ConvertOptions::default());
    if outputs.is_empty() {
        eprintln!("embed: no rule found on standard input; pipe a Sigma rule file into it");
        return ExitCode::FAILURE;
    }

    let mut stdout = std::io::stdout().lock();
    let mut status = ExitCode::SUCCESS;
    for output in outputs {
        match output.result {
            Ok(conversion) => {
                for query in &conversion.queries {
                    if let Err(error) = writeln!(stdout, "{query}") {
                        eprintln!("embed: failed to write standard output: {error}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            Err(error) => {
                eprintln!("embed: {error}");
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}
