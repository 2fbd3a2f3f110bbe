//! Generated wiring: the data statics that `build.rs` writes from `mapping.yaml`, and the
//! enums that `sigma_mde_macros::mapping_enums!` expands from the same file. Do not edit the
//! generated code by hand; change `mapping.yaml` and rebuild.
#![allow(non_upper_case_globals, non_camel_case_types, clippy::all)]

use super::types::*;

include!(concat!(env!("OUT_DIR"), "/mapping_data.rs"));

sigma_mde_macros::mapping_enums!("mapping.yaml");
