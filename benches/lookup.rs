//! Mapping lookups: the compiled `phf` tables of [`sigma_mde::mapping`] against a standard
//! `HashMap` (SipHash, the default hasher) built from the same entries.
//!
//! Each benchmark looks up every key of one kind once per iteration, so criterion's
//! elements per second is lookups per second. The keys are owned strings copied from the
//! mapping, as a parsed rule would hold them. The `hit` benchmarks look up every entry of
//! the mapping; the `miss` benchmarks change each key so that nothing matches.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use sigma_mde::mapping::{self, EventEntry, FieldMapping, FieldSet, LogSourceEntry};

type LogSourceQuery = (Option<String>, Option<String>, Option<String>);
type EventQuery = (String, String, u32);
type FieldQuery = (FieldSet, String);

fn logsource_queries(miss: bool) -> Vec<LogSourceQuery> {
    let change = |part: Option<&str>| {
        part.map(|text| {
            if miss {
                format!("{text}_")
            } else {
                text.to_owned()
            }
        })
    };
    mapping::logsources()
        .iter()
        .map(|(key, _)| {
            (
                change(key.product),
                change(key.category),
                change(key.service),
            )
        })
        .collect()
}

fn event_queries(miss: bool) -> Vec<EventQuery> {
    // No Windows event id is this large, so the product and service match but the id does not.
    let offset = if miss { 1_000_000 } else { 0 };
    mapping::events()
        .iter()
        .map(|(key, _)| {
            (
                key.product.to_owned(),
                key.service.to_owned(),
                key.event_id + offset,
            )
        })
        .collect()
}

fn field_queries(miss: bool) -> Vec<FieldQuery> {
    let mut queries = Vec::new();
    for &set in FieldSet::ALL {
        for field in mapping::fields(set) {
            let name = if miss {
                format!("{}_", field.name)
            } else {
                field.name.to_owned()
            };
            queries.push((set, name));
        }
    }
    queries
}

fn group_for<'a>(c: &'a mut Criterion, name: &str, lookups: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(lookups as u64));
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group
}

type LogSourceTable = HashMap<
    (
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    ),
    &'static LogSourceEntry,
>;
type EventTable = HashMap<(&'static str, &'static str, u32), &'static EventEntry>;
type FieldTables = Vec<HashMap<&'static str, &'static FieldMapping>>;

fn build_logsource_table() -> LogSourceTable {
    mapping::logsources()
        .iter()
        .map(|(key, entry)| ((key.product, key.category, key.service), entry))
        .collect()
}

fn build_event_table() -> EventTable {
    mapping::events()
        .iter()
        .map(|(key, entry)| ((key.product, key.service, key.event_id), entry))
        .collect()
}

/// Builds one map per field set, as the compiled mapping has one phf table per set. The set
/// picks its map by position, so the comparison measures the name lookup alone.
fn build_field_tables() -> FieldTables {
    FieldSet::ALL
        .iter()
        .map(|&set| {
            mapping::fields(set)
                .iter()
                .map(|field| (field.name, field))
                .collect()
        })
        .collect()
}

fn build_benchmark(c: &mut Criterion) {
    let entries = mapping::logsources().len()
        + mapping::events().len()
        + FieldSet::ALL
            .iter()
            .map(|&set| mapping::fields(set).len())
            .sum::<usize>();
    let mut group = group_for(c, "hashmap_build", entries);
    group.bench_function("all", |b| {
        b.iter(|| {
            black_box((
                build_logsource_table(),
                build_event_table(),
                build_field_tables(),
            ))
        })
    });
    group.finish();
}

fn logsource_benchmarks(c: &mut Criterion) {
    let table = build_logsource_table();

    for (case, miss) in [("hit", false), ("miss", true)] {
        let queries = logsource_queries(miss);
        let mut group = group_for(c, &format!("logsource_{case}"), queries.len());
        group.bench_function("phf", |b| {
            b.iter(|| {
                for (product, category, service) in &queries {
                    black_box(mapping::logsource(
                        product.as_deref(),
                        category.as_deref(),
                        service.as_deref(),
                    ));
                }
            })
        });
        group.bench_function("hashmap", |b| {
            b.iter(|| {
                for (product, category, service) in &queries {
                    black_box(table.get(&(
                        product.as_deref(),
                        category.as_deref(),
                        service.as_deref(),
                    )));
                }
            })
        });
        group.finish();
    }
}

fn event_benchmarks(c: &mut Criterion) {
    let table = build_event_table();

    for (case, miss) in [("hit", false), ("miss", true)] {
        let queries = event_queries(miss);
        let mut group = group_for(c, &format!("event_{case}"), queries.len());
        group.bench_function("phf", |b| {
            b.iter(|| {
                for (product, service, event_id) in &queries {
                    black_box(mapping::event(product, service, *event_id));
                }
            })
        });
        group.bench_function("hashmap", |b| {
            b.iter(|| {
                for (product, service, event_id) in &queries {
                    black_box(table.get(&(product.as_str(), service.as_str(), *event_id)));
                }
            })
        });
        group.finish();
    }
}

fn field_benchmarks(c: &mut Criterion) {
    let tables = build_field_tables();

    for (case, miss) in [("hit", false), ("miss", true)] {
        let queries = field_queries(miss);
        let mut group = group_for(c, &format!("field_{case}"), queries.len());
        group.bench_function("phf", |b| {
            b.iter(|| {
                for (set, name) in &queries {
                    black_box(mapping::field(*set, name));
                }
            })
        });
        group.bench_function("hashmap", |b| {
            b.iter(|| {
                for (set, name) in &queries {
                    black_box(tables[*set as usize].get(name.as_str()));
                }
            })
        });
        group.finish();
    }
}

criterion_group!(
    benches,
    logsource_benchmarks,
    event_benchmarks,
    field_benchmarks,
    build_benchmark
);
criterion_main!(benches);
