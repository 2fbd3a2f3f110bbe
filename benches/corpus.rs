//! Throughput over the whole SigmaHQ corpus, read into memory before any timing.
//!
//! Four benchmarks process every rule file once per iteration, each doing more of the work:
//!
//! - `yaml_events`: the YAML parser's event stream alone, the lowest floor;
//! - `yaml_tree`: [`sigma::yaml::parse_documents`], the YAML trees with positions that the
//!   front end reads;
//! - `front_end`: [`sigma::parse_bytes`], typed rules with their conditions as IR;
//! - `convert`: [`sigma_mde::convert_file`], the full conversion to rendered KQL text.
//!
//! Criterion reports each as rules per second and bytes per second. The corpus comes from
//! the shared test material (`../shared`, or the folder in `SIGMA_MDE_SHARED`); without it
//! the run prints why and measures nothing.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use serde_saphyr::granit_parser::{Options, Parser};
use sigma_mde::sigma::{self, ParseOptions};
use sigma_mde::ConvertOptions;

/// The rule files of the corpus, each with its path as the converter names it.
struct Corpus {
    files: Vec<(String, Vec<u8>)>,
    rules: u64,
    bytes: u64,
}

impl Corpus {
    /// Reads every `.yml` and `.yaml` file under `root`, in path order.
    fn load(root: &Path) -> std::io::Result<Corpus> {
        let mut paths = Vec::new();
        collect_rule_files(root, &mut paths)?;
        paths.sort();

        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let bytes = std::fs::read(&path)?;
            files.push((path.display().to_string(), bytes));
        }
        let bytes = files.iter().map(|(_, b)| b.len() as u64).sum();

        // One output per rule document, converted or not, as the command-line summary counts.
        let options = ConvertOptions::default();
        let rules = files
            .iter()
            .map(|(path, bytes)| sigma_mde::convert_file(bytes, Some(path), &options).len() as u64)
            .sum();
        Ok(Corpus {
            files,
            rules,
            bytes,
        })
    }

    fn throughput(&self) -> Throughput {
        Throughput::ElementsAndBytes {
            elements: self.rules,
            bytes: self.bytes,
        }
    }
}

fn collect_rule_files(dir: &Path, paths: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_rule_files(&path, paths)?;
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yml" || ext == "yaml")
        {
            paths.push(path);
        }
    }
    Ok(())
}

/// Decodes a file the way the front end does: UTF-8, without a leading byte-order mark.
fn decode(bytes: &[u8]) -> &str {
    let text = std::str::from_utf8(bytes).unwrap_or("");
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Returns the number of parser events in `text`, or the count so far at the first error.
fn count_yaml_events(text: &str) -> usize {
    // The same parser options as `sigma::yaml::parse_documents`, so both read the same events.
    let mut options = Options::default();
    options.flow_nesting_limit = sigma::yaml::MAX_DEPTH;
    options.block_nesting_limit = sigma::yaml::MAX_DEPTH;
    options.emit_anchor_events = true;
    let mut count = 0;
    for next in Parser::new_from_str_with_options(text, options) {
        if next.is_err() {
            break;
        }
        count += 1;
    }
    count
}

fn corpus_benchmarks(c: &mut Criterion) {
    let Some(shared) = common::shared_dir() else {
        eprintln!("corpus benchmarks measure nothing without the shared test material");
        return;
    };
    let root = shared.join("corpus").join("sigmahq").join("rules");
    let corpus = match Corpus::load(&root) {
        Ok(corpus) => corpus,
        Err(error) => {
            eprintln!("failed to read the corpus at {}: {error}", root.display());
            return;
        }
    };
    eprintln!(
        "corpus: {} files, {} rules, {} bytes from {}",
        corpus.files.len(),
        corpus.rules,
        corpus.bytes,
        root.display()
    );

    let mut group = c.benchmark_group("corpus");
    group.throughput(corpus.throughput());
    // One iteration reads thousands of rules, so flat sampling and fewer samples than the
    // default still give a tight interval, and a run of all four takes about a minute.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(12));

    group.bench_function("yaml_events", |b| {
        b.iter(|| {
            for (_, bytes) in &corpus.files {
                black_box(count_yaml_events(decode(bytes)));
            }
        })
    });

    group.bench_function("yaml_tree", |b| {
        b.iter(|| {
            for (_, bytes) in &corpus.files {
                black_box(sigma::yaml::parse_documents(decode(bytes)).ok());
            }
        })
    });

    let parse_options = ParseOptions::default();
    group.bench_function("front_end", |b| {
        b.iter(|| {
            for (path, bytes) in &corpus.files {
                black_box(sigma::parse_bytes(bytes, Some(path), &parse_options));
            }
        })
    });

    let convert_options = ConvertOptions::default();
    group.bench_function("convert", |b| {
        b.iter(|| {
            for (path, bytes) in &corpus.files {
                black_box(sigma_mde::convert_file(bytes, Some(path), &convert_options));
            }
        })
    });

    group.finish();
}

criterion_group!(benches, corpus_benchmarks);
criterion_main!(benches);
