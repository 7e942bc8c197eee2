//! See the crate documentation. (To be written.)
