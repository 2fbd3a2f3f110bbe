//! Translate Sigma detection rules into Microsoft Defender for Endpoint Advanced Hunting
//! queries (KQL).

pub mod ir;
pub mod mapping;
pub mod sigma;
