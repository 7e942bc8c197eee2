//! Server-rendered pages. Each handler parses its input, calls one use case and renders a
//! template; forms re-render with every problem marked when input is invalid.

pub mod admin;
pub mod calendar;
pub mod catalogue;
pub mod catalogue_admin;
pub mod charts;
pub mod citizen;
pub mod clients;
pub mod documents;
pub mod dossiers;
pub mod layout;
pub mod lookup;
pub mod national_sync;
pub mod notifications;
pub mod oidc;
pub mod payments;
pub mod public;
pub mod ratings;
pub mod reports;
pub mod search_synonyms;
pub mod signatures;
pub mod staff;
pub mod tracking;
pub mod workflows;
