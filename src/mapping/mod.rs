//! The Defender mapping compiled from `mapping.yaml`.
