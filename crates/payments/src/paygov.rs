//! National payment platform adapter: to be written.
