//! Working-day calendar (placeholder, being written).
