//! The `sigma-mde` command: convert Sigma rules to Defender Advanced Hunting queries.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sigma_mde::{Batch, ConvertOptions, RuleOutput};

#[derive(Parser)]
#[command(
    name = "sigma-mde",
    version,
    about = "Convert Sigma rules to Microsoft Defender for Endpoint Advanced Hunting queries (KQL)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert rule files and folders (searched recursively for .yml and .yaml files)
    Convert(ConvertArgs),
    /// Print what the compiled mapping supports: log sources, Windows events, and events
    /// without a Defender data source
    List(ListArgs),
}

#[derive(clap::Args)]
struct ConvertArgs {
    /// Rule files or folders
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write the queries to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Output format. `kql` writes comment lines and the query of each rule. `jsonl` writes
    /// one JSON object per rule with its metadata, queries, warnings or error
    #[arg(long, value_enum, default_value_t = Format::Kql)]
    format: Format,
    /// Values for a `|expand` placeholder, as NAME=V1,V2 (repeatable)
    #[arg(long = "placeholder", value_name = "NAME=V1,V2")]
    placeholder: Vec<String>,
    /// A YAML file mapping placeholder names to lists of values
    #[arg(long = "placeholders", value_name = "FILE")]
    placeholders_file: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Kql,
    Jsonl,
}

#[derive(clap::Args)]
struct ListArgs {
    /// `text` for the terminal, `markdown` for the coverage page
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Markdown,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Convert(args) => run_convert(&args),
        Command::List(args) => {
            let text = match args.format {
                ListFormat::Text => sigma_mde::coverage::render_text(),
                ListFormat::Markdown => sigma_mde::coverage::render_markdown(),
            };
            let mut stdout = io::stdout().lock();
            if stdout.write_all(text.as_bytes()).is_err() {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("sigma-mde: {message}");
    ExitCode::from(2)
}

fn run_convert(args: &ConvertArgs) -> ExitCode {
    let placeholders = match read_placeholders(args) {
        Ok(p) => p,
        Err(message) => return usage_error(&message),
    };
    let options = ConvertOptions { placeholders };

    let mut files = Vec::new();
    for path in &args.paths {
        if let Err(message) = collect_rule_files(path, &mut files) {
            return usage_error(&message);
        }
    }
    if files.is_empty() {
        return usage_error("no .yml or .yaml files found in the given paths");
    }

    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => match fs::File::create(path) {
            Ok(file) => Box::new(io::BufWriter::new(file)),
            Err(error) => {
                return usage_error(&format!(
                    "cannot create output file {}: {error}",
                    path.display()
                ))
            }
        },
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    };

    // The files are converted as one batch, so that correlations and filters find the
    // rules they name in any other file of the run. Each file is parsed as it is read, and
    // each output is written as soon as it is converted.
    let mut summary = Summary::default();
    let mut batch = Batch::new(&options);
    for file in &files {
        let display = file.display().to_string();
        match read_rule_file(file) {
            Ok(bytes) => batch.add_file(&bytes, Some(&display)),
            Err(message) => {
                eprintln!("{display}: {message}");
                summary.record_read_failure();
            }
        }
    }

    let mut first = true;
    let mut write_error = None;
    batch.finish(|output| {
        if write_error.is_some() {
            return;
        }
        summary.record(&output);
        report_diagnostics(&output);
        let written = match args.format {
            Format::Kql => write_kql(&mut out, &output, &mut first),
            Format::Jsonl => write_jsonl(&mut out, &output),
        };
        if let Err(error) = written {
            write_error = Some(error);
        }
    });
    if let Some(error) = write_error {
        eprintln!("sigma-mde: cannot write output: {error}");
        return ExitCode::from(1);
    }
    if let Err(error) = out.flush() {
        eprintln!("sigma-mde: cannot write output: {error}");
        return ExitCode::from(1);
    }
    summary.print();
    if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Rule files larger than this are rejected before they are read, because real Sigma rule
/// files are a few kilobytes and the parser keeps a whole file in memory.
const MAX_RULE_FILE_BYTES: u64 = 16 * 1024 * 1024;

fn read_rule_file(path: &Path) -> Result<Vec<u8>, String> {
    // The size comes from the open file, so the file is looked up once.
    let file = fs::File::open(path).map_err(|e| format!("cannot read file: {e}"))?;
    let metadata = file
        .metadata()
        .map_err(|e| format!("cannot read file: {e}"))?;
    if metadata.len() > MAX_RULE_FILE_BYTES {
        return Err(format!(
            "file is {} bytes, larger than the {MAX_RULE_FILE_BYTES}-byte limit for a rule file; split it",
            metadata.len()
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // Through `take`, reading does not ask the file for its size and position again.
    file.take(u64::MAX)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read file: {e}"))?;
    Ok(bytes)
}

fn read_placeholders(args: &ConvertArgs) -> Result<HashMap<String, Vec<String>>, String> {
    let mut placeholders: HashMap<String, Vec<String>> = HashMap::new();
    if let Some(path) = &args.placeholders_file {
        let text = fs::read_to_string(path)
            .map_err(|e| format!("cannot read placeholders file {}: {e}", path.display()))?;
        let parsed: BTreeMap<String, Vec<String>> = serde_saphyr::from_str(&text).map_err(|e| {
            format!(
                "invalid placeholders file {}: {e}; expected a map of names to lists of strings",
                path.display()
            )
        })?;
        placeholders.extend(parsed);
    }
    for entry in &args.placeholder {
        let Some((name, values)) = entry.split_once('=') else {
            return Err(format!(
                "invalid --placeholder '{entry}': expected NAME=V1,V2"
            ));
        };
        if name.is_empty() {
            return Err(format!(
                "invalid --placeholder '{entry}': the name is empty"
            ));
        }
        if values.is_empty() {
            return Err(format!("invalid --placeholder '{entry}': no values after '='; give at least one, as NAME=V1,V2"));
        }
        placeholders.insert(
            name.to_owned(),
            values.split(',').map(str::to_owned).collect(),
        );
    }
    Ok(placeholders)
}

fn collect_rule_files(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let metadata =
        fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if metadata.is_file() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    // The folder listing tells each entry's type, so only symbolic links need a lookup
    // (to learn whether they point at a folder).
    // Entries of one folder differ only in their last component, so sorting them by name
    // gives the path order without comparing every path component by component.
    let mut entries: Vec<(std::ffi::OsString, PathBuf, Option<fs::FileType>)> = fs::read_dir(path)
        .map_err(|e| format!("cannot list folder {}: {e}", path.display()))?
        .filter_map(|entry| {
            entry
                .ok()
                .map(|e| (e.file_name(), e.path(), e.file_type().ok()))
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, entry, file_type) in entries {
        let is_dir = match file_type {
            Some(file_type) if !file_type.is_symlink() => file_type.is_dir(),
            _ => entry.is_dir(),
        };
        if is_dir {
            collect_rule_files(&entry, files)?;
        } else if entry
            .extension()
            .is_some_and(|ext| ext == "yml" || ext == "yaml")
        {
            files.push(entry);
        }
    }
    Ok(())
}

/// Prints the warnings or the error of one rule on standard error, in one write: the
/// standard error stream is unbuffered, and a formatted line would take a write per piece.
fn report_diagnostics(output: &RuleOutput) {
    use std::fmt::Write as _;
    let mut text = String::new();
    match &output.result {
        Ok(conversion) => {
            for warning in &conversion.warnings {
                let path = output.path.as_deref().unwrap_or("<input>");
                let _ = match warning.position {
                    Some(position) => writeln!(
                        text,
                        "{path}:{position}: warning: {}",
                        warning_text(warning)
                    ),
                    None => writeln!(text, "{path}: warning: {}", warning_text(warning)),
                };
            }
        }
        Err(error) if error.message.contains("unresolved placeholder") => {
            let _ = writeln!(
                text,
                "{error}; give their values with --placeholder NAME=V1,V2 or --placeholders FILE"
            );
        }
        Err(error) => {
            let _ = writeln!(text, "{error}");
        }
    }
    if !text.is_empty() {
        // As with `eprintln!`, a failure to report is not fatal.
        let _ = io::stderr().lock().write_all(text.as_bytes());
    }
}

fn warning_text(warning: &sigma_mde::Warning) -> String {
    match &warning.item {
        Some(item) => format!("in detection item '{item}': {}", warning.message),
        None => warning.message.clone(),
    }
}

fn write_kql(out: &mut dyn Write, output: &RuleOutput, first: &mut bool) -> io::Result<()> {
    let Ok(conversion) = &output.result else {
        return Ok(());
    };
    for query in &conversion.queries {
        if !*first {
            writeln!(out)?;
        }
        *first = false;
        let title = output.title.as_deref().unwrap_or("(untitled)");
        match &output.id {
            Some(id) => writeln!(out, "// {} ({id})", one_line(title))?,
            None => writeln!(out, "// {}", one_line(title))?,
        }
        if let Some(author) = &output.author {
            writeln!(out, "// author: {}", one_line(author))?;
        }
        writeln!(out, "{query}")?;
    }
    Ok(())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One line of `--format jsonl`. The fields are in the alphabetical order in which the
/// lines have always listed their keys; `error` and `queries`, `tables` are left out when
/// they do not apply.
#[derive(serde::Serialize)]
struct JsonLine<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonError>,
    id: Option<&'a str>,
    level: Option<&'a str>,
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    queries: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tables: Option<Vec<&'static str>>,
    tags: &'a [String],
    title: Option<&'a str>,
    warnings: Vec<String>,
}

#[derive(serde::Serialize)]
struct JsonError {
    kind: &'static str,
    message: String,
}

fn write_jsonl(out: &mut dyn Write, output: &RuleOutput) -> io::Result<()> {
    let mut line = JsonLine {
        error: None,
        id: output.id.as_deref(),
        level: output.level.as_deref(),
        path: output.path.as_deref(),
        queries: None,
        tables: None,
        tags: &output.tags,
        title: output.title.as_deref(),
        warnings: Vec::new(),
    };
    match &output.result {
        Ok(conversion) => {
            line.queries = Some(&conversion.queries);
            line.tables = Some(conversion.tables.iter().map(|t| t.name()).collect());
            line.warnings = conversion.warnings.iter().map(|w| w.to_string()).collect();
        }
        Err(error) => {
            line.error = Some(JsonError {
                kind: error.kind.name(),
                message: error.to_string(),
            });
        }
    }
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)
}

#[derive(Default)]
struct Summary {
    converted: usize,
    with_warnings: usize,
    failed: usize,
    by_reason: BTreeMap<&'static str, usize>,
}

impl Summary {
    fn record(&mut self, output: &RuleOutput) {
        match &output.result {
            Ok(conversion) => {
                self.converted += 1;
                if !conversion.warnings.is_empty() {
                    self.with_warnings += 1;
                }
            }
            Err(error) => {
                self.failed += 1;
                *self.by_reason.entry(error.kind.name()).or_default() += 1;
            }
        }
    }

    fn record_read_failure(&mut self) {
        self.failed += 1;
        *self.by_reason.entry("unreadable-file").or_default() += 1;
    }

    fn print(&self) {
        let mut line = format!(
            "sigma-mde: {} converted ({} with warnings), {} failed",
            self.converted, self.with_warnings, self.failed
        );
        if !self.by_reason.is_empty() {
            let reasons: Vec<String> = self
                .by_reason
                .iter()
                .map(|(reason, count)| format!("{reason} {count}"))
                .collect();
            line.push_str(": ");
            line.push_str(&reasons.join(", "));
        }
        eprintln!("{line}");
    }
}
