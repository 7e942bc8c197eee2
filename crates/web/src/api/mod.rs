//! The JSON API under `/api/v1`, for other systems and scripts. Authentication is a bearer token
//! (`Authorization: Bearer …`) issued to an official or to a system client (`clients`), or the
//! browser session plus an `X-CSRF-Token` header. Every operation is described in the OpenAPI document.

pub mod attachments;
pub mod calendar;
pub mod catalogue;
pub mod catalogue_types;
pub mod clients;
pub mod directory;
pub mod documents;
pub mod dossiers;
pub mod forms;
pub mod notifications;
pub mod payments;
pub mod postal;
pub mod ratings;
pub mod signatures;
pub mod types;
pub mod workflows;
