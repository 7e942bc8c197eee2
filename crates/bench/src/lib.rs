//! Benchmark and bulk data for Một Cửa.
//!
//! - [`generate`]: `motcua demo generate --dossiers N`, realistic dossiers across the demo
//!   agencies and procedures in every national status 1–10, each built by the domain's
//!   `decide` (so every timeline is a verifying hash chain) and written in large multi-row
//!   transactions.
//! - [`run`]: `motcua bench`, which starts a real `motcua serve` process on loopback per
//!   database and measures it from outside over HTTP: submit+receive throughput against the
//!   raw commit rate of the same database, lookup and catalogue search latency under 200
//!   concurrent clients, the work queue at scale, receipt PDF rendering and server memory.
//! - [`documents`]: `motcua demo generate --documents N`, official documents (văn bản đến/đi)
//!   walked through their lifecycle, and the register search phase of `motcua bench`.
//! - [`signing`]: PAdES signing and verification time per document (no database).
//!
//! The benchmark reports figures and targets; nothing here asserts a duration.

pub mod documents;
pub mod generate;
pub mod run;
mod server;
pub mod signing;
mod stats;

/// An HTTP client builder, after making ring the process's rustls provider (the workspace's
/// reqwest has none bundled; another part of the program may have installed it already).
pub(crate) fn http_client() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}
