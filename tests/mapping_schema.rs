//! The tables in mapping.yaml agree with the published Defender schema, column by column
//! and in the schema's order.

mod common;

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use sigma_mde::mapping::Table;

/// A JSON object read in document order (serde_json's own map sorts its keys).
struct Ordered<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
            type Value = Ordered<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }

        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}

#[derive(serde::Deserialize)]
struct Schema {
    tables: Ordered<Ordered<String>>,
}

#[test]
fn tables_match_schema() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let text = std::fs::read_to_string(shared.join("schema/defender-tables.json")).unwrap();
    let schema: Schema = serde_json::from_str(&text).unwrap();

    for table in Table::ALL {
        let Some((_, columns)) = schema
            .tables
            .0
            .iter()
            .find(|(name, _)| name == table.name())
        else {
            panic!("table {} is not in the schema", table.name());
        };
        let expected: Vec<(&str, &str)> = columns
            .0
            .iter()
            .map(|(name, ty)| (name.as_str(), ty.as_str()))
            .collect();
        let actual: Vec<(&str, &str)> = table
            .columns()
            .iter()
            .map(|c| (c.name, c.ty.name()))
            .collect();
        assert_eq!(actual, expected, "columns of {}", table.name());
    }

    let names: Vec<&str> = Table::ALL.iter().map(|t| t.name()).collect();
    for (name, _) in &schema.tables.0 {
        assert!(
            names.contains(&name.as_str()),
            "schema table {name} is missing from mapping.yaml"
        );
    }
}
