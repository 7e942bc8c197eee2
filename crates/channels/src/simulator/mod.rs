//! Local imitations of the services (feature `simulator`), for tests, the demo and the bench.
//!
//! Each one listens on a loopback port, checks our requests exactly as the real service does
//! (signatures, tokens, field rules), keeps what it received so tests can assert on it, and
//! sends signed callbacks back the way the real service would. Every page a simulator serves
//! says plainly that it is a simulator ([`BANNER`]); production never starts one.

pub mod postal;
pub mod sms;
pub mod zalo;

/// Shown at the top of every page a simulator serves.
pub const BANNER: &str = "MÔ PHỎNG — không phải dịch vụ thật / SIMULATOR — not the real service";
