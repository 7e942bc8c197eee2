//! Procedure catalogue model (placeholder, being written).
