//! Local imitations of the outside services, for tests and the demo: the remote-signing gateway
//! ([`gateway`]) and an RFC 3161 timestamp authority ([`tsa`]); [`pki`] builds a test PKI and [`oracle`] runs the
//! independent verifiers (pdfsig, pyHanko) on our output.

pub mod gateway;
pub mod images;
pub mod oracle;
pub mod pki;
pub mod tsa;
