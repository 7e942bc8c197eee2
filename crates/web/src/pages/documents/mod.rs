//! Official documents (văn bản đến/đi, NĐ 30/2020) for officials, without JavaScript: the
//! registers with search, the overdue and due-soon lists; the clerk's registration of an
//! incoming document (Phụ lục VI metadata, the duplicate warning to confirm); a specialist's
//! outgoing draft; one document's page with its timeline and one small form per action the
//! caller may take now.
//!
//! Every page calls the use cases the JSON API calls; the app decides who may do what (role,
//! jurisdiction, the state machine) and its refusals come back as messages on the page.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::FormFields;
use crate::i18n::{self, Lang};
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::AppError;
use motcua_app::documents::DocumentView;
use motcua_domain::authz::{Access, Decision, Permission, Principal};
use motcua_domain::document::{DocumentType, Secrecy, Status, Urgency};
use std::collections::HashMap;
use time::Date;

mod detail;
mod new;
mod registers;

pub use detail::{act, detail};
pub use new::{draft_outgoing, incoming_form, outgoing_form, register_incoming};
pub use registers::registers;

/// The caller is an official who holds `permission` somewhere (the app checks where).
fn holds(ctx: &Ctx, permission: Permission) -> bool {
    matches!(ctx.principal, Principal::Official { .. })
        && ctx.principal.check(Access::Staff(permission)) == Decision::Allow
}

/// A date typed as dd/mm/yyyy (or yyyy-mm-dd); empty is none.
fn typed_day(value: &str, field: &str) -> Result<Option<Date>, AppError> {
    match value.trim() {
        "" => Ok(None),
        text => motcua_domain::procedure::parse_form_date(text)
            .map(Some)
            .ok_or_else(|| AppError::invalid(field, "document-date-form")),
    }
}

/// A stored day ('YYYY-MM-DD') as dd/mm/yyyy; empty when there is none.
fn shown_day(day: Option<&str>) -> String {
    day.and_then(motcua_app::documents::parse_day)
        .map(i18n::format_date)
        .unwrap_or_default()
}

fn status_label(lang: Lang, status: &str) -> String {
    i18n::t(lang, &format!("document-status-{status}"))
}

/// The 29 types as (value, label) for a select.
fn type_choices(lang: Lang) -> Vec<(String, String)> {
    DocumentType::ALL
        .into_iter()
        .map(|t| {
            (
                t.as_str().to_owned(),
                i18n::t(lang, &format!("document-type-{}", t.as_str())),
            )
        })
        .collect()
}

fn urgency_choices(lang: Lang) -> Vec<(String, String)> {
    Urgency::ALL
        .into_iter()
        .map(|u| {
            (
                u.as_str().to_owned(),
                i18n::t(lang, &format!("document-urgency-{}", u.as_str())),
            )
        })
        .collect()
}

fn secrecy_choices(lang: Lang) -> Vec<(String, String)> {
    Secrecy::ALL
        .into_iter()
        .map(|s| {
            (
                s.as_str().to_owned(),
                i18n::t(lang, &format!("document-secrecy-{}", s.as_str())),
            )
        })
        .collect()
}

/// One document as a row of a list.
pub struct DocumentLine {
    pub id: i64,
    pub incoming: bool,
    /// Số đến ("03") of an incoming document, empty otherwise.
    pub arrival_number: String,
    /// Số/ký hiệu: the sender's, or ours once issued ("05/QĐ-UBND").
    pub code_number: String,
    /// Ngày đến (incoming) or ngày ban hành (outgoing), dd/mm/yyyy.
    pub date: String,
    /// Nơi gửi (incoming) or nơi nhận (outgoing).
    pub party: String,
    pub subject: String,
    pub type_name: String,
    /// "Khẩn", "Hỏa tốc"… — empty for an ordinary document.
    pub urgency: String,
    /// "Mật"… — empty for an ordinary document.
    pub secrecy: String,
    pub deadline: String,
    pub overdue: bool,
    pub status: String,
}

impl DocumentLine {
    fn of(lang: Lang, today: Date, v: &DocumentView) -> DocumentLine {
        let incoming = v.register == "incoming";
        let deadline = v
            .deadline
            .as_deref()
            .and_then(motcua_app::documents::parse_day);
        let open = Status::parse(&v.status).is_some_and(Status::is_open);
        DocumentLine {
            id: v.id,
            incoming,
            arrival_number: if incoming {
                v.number.clone().unwrap_or_default()
            } else {
                String::new()
            },
            code_number: v.code_number.clone().unwrap_or_default(),
            date: shown_day(if incoming {
                v.arrival_date.as_deref()
            } else {
                v.issued_date.as_deref()
            }),
            party: if incoming {
                v.sender_organ.clone()
            } else {
                v.recipient_organ.clone().unwrap_or_default()
            },
            subject: v.subject.clone(),
            type_name: i18n::t(lang, &format!("document-type-{}", v.doc_type)),
            urgency: if v.urgency == Urgency::Thuong.as_str() {
                String::new()
            } else {
                i18n::t(lang, &format!("document-urgency-{}", v.urgency))
            },
            secrecy: if v.secrecy == Secrecy::Thuong.as_str() {
                String::new()
            } else {
                i18n::t(lang, &format!("document-secrecy-{}", v.secrecy))
            },
            deadline: deadline.map(i18n::format_date).unwrap_or_default(),
            overdue: open && deadline.is_some_and(|d| d < today),
            status: status_label(lang, &v.status),
        }
    }
}

/// Field problems of a form, as [`FormState::fail`] records them.
fn failed(values: &HashMap<String, String>, lang: Lang, error: &AppError) -> FormState {
    FormState::from_values(values.clone()).fail(lang, error)
}
