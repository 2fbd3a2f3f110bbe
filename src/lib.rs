//! Translate Sigma detection rules into Microsoft Defender for Endpoint Advanced Hunting
//! queries (KQL).
//!
//! [`convert_file`] reads one rule file and returns one [`RuleOutput`] per rule: its
//! queries and warnings, or an error that explains why Defender cannot express it. The layers
//! underneath are public for tools that need them: [`sigma`] parses rules into the
//! [`ir`] expression, [`mapping`] is the Defender mapping compiled from `mapping.yaml`,
//! and [`kql`] lowers and renders queries.
//!
//! ```
//! let rule = br#"
//! title: Whoami
//! logsource: {product: windows, category: process_creation}
//! detection:
//!     selection: {Image|endswith: '\whoami.exe'}
//!     condition: selection
//! "#;
//! let outputs = sigma_mde::convert_file(rule, Some("whoami.yml"), &Default::default());
//! let conversion = outputs[0].result.as_ref().unwrap();
//! assert_eq!(
//!     conversion.queries[0],
//!     "DeviceProcessEvents\n| where ActionType == \"ProcessCreated\" and FolderPath endswith @\"\\whoami.exe\""
//! );
//! ```

pub mod convert;
pub mod coverage;
pub mod ir;
pub mod kql;
pub mod mapping;
pub mod sigma;

pub use convert::{convert_batch, convert_file, convert_rule, Batch, ConvertOptions, RuleOutput};
pub use kql::{Conversion, ConvertError, ConvertErrorKind, Warning};
