//! The Sigma front end: rule files to typed rules and [`crate::ir::Expr`] conditions.
