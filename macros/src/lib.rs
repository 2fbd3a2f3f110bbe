//! Compile-time code generation from `mapping.yaml` for `sigma-mde`.
//!
//! [`mapping_enums!`] expands to the enums of the mapping (`Table`, `Transform`, `ValueMap`,
//! `FieldSet`) and to exhaustive `match` code over them. The data statics those matches
//! point at (`COLUMNS_*`, `FIELDS_*`, `VALUE_MAP_*`, ...) are written by the package's
//! `build.rs` from the same spec through the same validator, `spec.rs`.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};

mod spec;

/// Expands the generated mapping enums from the spec file at the given path, relative to
/// the manifest folder of the crate being compiled.
///
/// On an invalid spec the expansion is one `compile_error!` per problem, with the same
/// messages that `build.rs` prints.
#[proc_macro]
pub fn mapping_enums(input: TokenStream) -> TokenStream {
    let path = match syn::parse::<syn::LitStr>(input) {
        Ok(literal) => literal,
        Err(error) => return error.to_compile_error().into(),
    };
    expand(&path).into()
}

fn expand(path: &syn::LitStr) -> TokenStream2 {
    let relative = path.value();
    let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return compile_error(
            path.span(),
            "CARGO_MANIFEST_DIR is not set; build the crate with cargo",
        );
    };
    let full = std::path::Path::new(&manifest_dir).join(&relative);
    let text = match std::fs::read_to_string(&full) {
        Ok(text) => text,
        Err(error) => {
            let message = format!("failed to read {}: {error}", full.display());
            return compile_error(path.span(), &message);
        }
    };
    let file_label = std::path::Path::new(&relative)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| relative.clone());

    // Makes rustc rebuild the crate whenever the spec changes.
    let include_path = format!("/{relative}");
    let tracking = quote! {
        const _: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), #include_path));
    };

    match spec::parse(&text, &file_label) {
        Ok(spec) => {
            let body = generate(&spec);
            quote! { #tracking #body }
        }
        Err(problems) => {
            let errors = problems
                .iter()
                .map(|p| compile_error(path.span(), &p.to_string()));
            quote! { #tracking #(#errors)* }
        }
    }
}

fn compile_error(span: Span, message: &str) -> TokenStream2 {
    quote::quote_spanned! { span => compile_error!(#message); }
}

fn generate(spec: &spec::Spec) -> TokenStream2 {
    let table = generate_tables(spec);
    let transform = generate_transforms(spec);
    let value_map = generate_value_maps(spec);
    let field_set = generate_field_sets(spec);
    let events = generate_event_index(spec);
    quote! { #table #transform #value_map #field_set #events }
}

fn statics(prefix: &str, name: &str) -> proc_macro2::Ident {
    format_ident!("{}_{}", prefix, spec::static_suffix(name))
}

fn generate_tables(spec: &spec::Spec) -> TokenStream2 {
    let variants: Vec<_> = spec
        .tables
        .iter()
        .map(|t| format_ident!("{}", t.name))
        .collect();
    let names: Vec<_> = spec.tables.iter().map(|t| t.name.as_str()).collect();
    let columns: Vec<_> = spec
        .tables
        .iter()
        .map(|t| statics("COLUMNS", &t.name))
        .collect();
    let indexes: Vec<_> = spec
        .tables
        .iter()
        .map(|t| statics("COLUMN_INDEX", &t.name))
        .collect();
    let docs: Vec<_> = spec
        .tables
        .iter()
        .map(|t| format!("The `{}` table ({} columns).", t.name, t.columns.len()))
        .collect();
    quote! {
        /// A Defender advanced hunting table that the mapping names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Table {
            #( #[doc = #docs] #variants, )*
        }

        impl Table {
            /// Every table, in spec order.
            pub const ALL: &'static [Table] = &[ #( Table::#variants, )* ];

            /// Returns the table's name as KQL spells it.
            pub const fn name(self) -> &'static str {
                match self { #( Table::#variants => #names, )* }
            }

            /// Returns the table's columns in schema order.
            pub fn columns(self) -> &'static [Column] {
                match self { #( Table::#variants => &#columns, )* }
            }

            /// Returns the column with exactly this name, if the table has one.
            pub fn column(self, name: &str) -> Option<Column> {
                let (columns, index): (&'static [Column], &'static ::phf::Map<&'static str, usize>) = match self {
                    #( Table::#variants => (&#columns, &#indexes), )*
                };
                index.get(name).map(|&i| columns[i])
            }
        }
    }
}

fn generate_transforms(spec: &spec::Spec) -> TokenStream2 {
    let variants: Vec<_> = spec
        .transforms
        .iter()
        .map(|t| format_ident!("{}", spec::variant_name(&t.name)))
        .collect();
    let names: Vec<_> = spec.transforms.iter().map(|t| t.name.as_str()).collect();
    let descriptions: Vec<_> = spec
        .transforms
        .iter()
        .map(|t| t.description.as_str())
        .collect();
    quote! {
        /// A value transform named in the spec. Every consumer matches on it without a
        /// wildcard arm, so a transform added to the spec must be handled before the crate
        /// compiles again.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Transform {
            #( #[doc = #descriptions] #variants, )*
        }

        impl Transform {
            /// Every transform, in spec order.
            pub const ALL: &'static [Transform] = &[ #( Transform::#variants, )* ];

            /// Returns the transform's snake_case name as the spec writes it.
            pub const fn name(self) -> &'static str {
                match self { #( Transform::#variants => #names, )* }
            }

            /// Returns the spec's description of what the transform does.
            pub const fn description(self) -> &'static str {
                match self { #( Transform::#variants => #descriptions, )* }
            }
        }
    }
}

fn generate_value_maps(spec: &spec::Spec) -> TokenStream2 {
    let variants: Vec<_> = spec
        .value_maps
        .iter()
        .map(|m| format_ident!("{}", spec::variant_name(&m.name)))
        .collect();
    let names: Vec<_> = spec.value_maps.iter().map(|m| m.name.as_str()).collect();
    let entries: Vec<_> = spec
        .value_maps
        .iter()
        .map(|m| statics("VALUE_MAP", &m.name))
        .collect();
    let indexes: Vec<_> = spec
        .value_maps
        .iter()
        .map(|m| statics("VALUE_MAP_INDEX", &m.name))
        .collect();
    let docs: Vec<_> = spec
        .value_maps
        .iter()
        .map(|m| format!("The `{}` value map ({} entries).", m.name, m.entries.len()))
        .collect();
    quote! {
        /// A value map named in the spec.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ValueMap {
            #( #[doc = #docs] #variants, )*
        }

        impl ValueMap {
            /// Every value map, in spec order.
            pub const ALL: &'static [ValueMap] = &[ #( ValueMap::#variants, )* ];

            /// Returns the map's snake_case name as the spec writes it.
            pub const fn name(self) -> &'static str {
                match self { #( ValueMap::#variants => #names, )* }
            }

            pub(crate) fn entries(self) -> &'static [(&'static str, &'static str)] {
                match self { #( ValueMap::#variants => &#entries, )* }
            }

            pub(crate) fn index(self) -> &'static ::phf::Map<&'static str, usize> {
                match self { #( ValueMap::#variants => &#indexes, )* }
            }
        }
    }
}

fn generate_field_sets(spec: &spec::Spec) -> TokenStream2 {
    let variants: Vec<_> = spec
        .field_sets
        .iter()
        .map(|s| format_ident!("{}", spec::variant_name(&s.name)))
        .collect();
    let names: Vec<_> = spec.field_sets.iter().map(|s| s.name.as_str()).collect();
    let tables: Vec<_> = spec
        .field_sets
        .iter()
        .map(|s| format_ident!("{}", spec.tables[s.table].name))
        .collect();
    let fields: Vec<_> = spec
        .field_sets
        .iter()
        .map(|s| statics("FIELDS", &s.name))
        .collect();
    let indexes: Vec<_> = spec
        .field_sets
        .iter()
        .map(|s| statics("FIELD_INDEX", &s.name))
        .collect();
    let docs: Vec<_> = spec
        .field_sets
        .iter()
        .map(|s| {
            format!(
                "The `{}` field set over `{}` ({} fields).",
                s.name,
                spec.tables[s.table].name,
                s.fields.len()
            )
        })
        .collect();
    quote! {
        /// A named set of Sigma field mappings over one table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FieldSet {
            #( #[doc = #docs] #variants, )*
        }

        impl FieldSet {
            /// Every field set, in spec order.
            pub const ALL: &'static [FieldSet] = &[ #( FieldSet::#variants, )* ];

            /// Returns the set's snake_case name as the spec writes it.
            pub const fn name(self) -> &'static str {
                match self { #( FieldSet::#variants => #names, )* }
            }

            /// Returns the table whose columns the set maps to.
            pub const fn table(self) -> Table {
                match self { #( FieldSet::#variants => Table::#tables, )* }
            }

            pub(crate) fn mappings(self) -> &'static [FieldMapping] {
                match self { #( FieldSet::#variants => &#fields, )* }
            }

            pub(crate) fn index(self) -> &'static ::phf::Map<&'static str, usize> {
                match self { #( FieldSet::#variants => &#indexes, )* }
            }
        }
    }
}

/// Generates `event_index`, whose arms are the events of the spec. A repeated event would
/// make an arm unreachable, which `deny(unreachable_patterns)` turns into an error even if
/// the validator missed it.
fn generate_event_index(spec: &spec::Spec) -> TokenStream2 {
    let arms = spec.events.iter().enumerate().map(|(index, event)| {
        let service = u16::try_from(event.service_index).unwrap_or(u16::MAX);
        let id = event.event_id;
        quote! { (#service, #id) => ::core::option::Option::Some(#index), }
    });
    quote! {
        /// The index of a `(product, service)` pair among the services that events use.
        pub(crate) type ServiceId = u16;

        /// Returns the index into `EVENTS` of the event `id` of `service`.
        #[deny(unreachable_patterns)]
        pub(crate) fn event_index(service: ServiceId, id: u32) -> ::core::option::Option<usize> {
            match (service, id) {
                #( #arms )*
                _ => ::core::option::Option::None,
            }
        }
    }
}
