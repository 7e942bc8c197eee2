//! Dossier pages (hồ sơ) that work without JavaScript: the citizen's online form generated
//! from the procedure's field schema, "my dossiers" with status and timeline, withdrawal and
//! supplements; the back office's work queues, the dossier view offering exactly the actions
//! the official may take, and registration at the counter.
//!
//! Every page calls the same use cases as the JSON API; the state machine decides, these
//! handlers only translate forms into commands and errors into messages next to the inputs.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::{FormFields, MultipartForm, MultipartLimits, megabytes};
use crate::i18n;
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::attachments::{PaperUpload, Papers, paper_field};
use motcua_app::dossiers::{CounterRegistration, Submission};
use motcua_app::postal::PostalChoice;
use motcua_app::views::{DossierAttachmentRow, DossierView, EventView};
use motcua_app::{Actor, AppError};
use motcua_domain::attachment::{MediaType, Purpose};
use motcua_domain::dossier::{Command, CommandKind, DossierStatus, ResultDelivery, ReturnMethod};
use motcua_domain::org::AgencyCode;
use motcua_domain::procedure::flat::{ADDRESS_PARTS, pairs_from_values, values_from_pairs};
use motcua_domain::procedure::{Field, FieldKind, FormSchema, FormValues, Procedure};
use std::collections::HashMap;

mod citizen;
mod counter;
mod detail;
mod new;
mod staff;

pub use citizen::{mine, my_act, my_detail, my_supplement};
pub use counter::{counter, counter_form, counter_id_proof, counter_register};
use detail::*;
use new::*;
pub use new::{new_form, submit};
pub use staff::{queue, staff_act, staff_detail, staff_result};

/// One input (or a fieldset boundary) of a generated form, flattened so the template is a
/// simple loop.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// `text`, `textarea`, `select`, `radios`, `checks`, `checkbox`, `open` (fieldset start)
    /// or `close` (fieldset end).
    pub kind: &'static str,
    pub name: String,
    pub id: String,
    pub label: String,
    pub required: bool,
    pub help: String,
    pub value: String,
    pub placeholder: String,
    pub inputmode: &'static str,
    pub maxlength: u32,
    /// (value, label, chosen)
    pub options: Vec<(String, String, bool)>,
    pub error: String,
}

impl Input {
    pub fn has_error(&self) -> bool {
        !self.error.is_empty()
    }
}

fn html_id(name: &str) -> String {
    let mut id = String::from("f-");
    id.extend(name.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '-'
        }
    }));
    id
}

/// The inputs of a form schema, pre-filled from `pairs`, with `errors` (by path) next to them.
pub fn form_inputs(
    ctx: &Ctx,
    schema: &FormSchema,
    pairs: &[(String, String)],
    errors: &HashMap<String, String>,
) -> Vec<Input> {
    let mut inputs = Vec::new();
    add_fields(ctx, &schema.fields, "", pairs, errors, &mut inputs);
    inputs
}

fn add_fields(
    ctx: &Ctx,
    fields: &[Field],
    prefix: &str,
    pairs: &[(String, String)],
    errors: &HashMap<String, String>,
    inputs: &mut Vec<Input>,
) {
    for field in fields {
        let name = format!("{prefix}{}", field.id);
        let value = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let base = Input {
            id: html_id(&name),
            label: field.label.clone(),
            required: field.required,
            help: field.help.clone().unwrap_or_default(),
            error: errors.get(&name).cloned().unwrap_or_default(),
            value: value(&name),
            name: name.clone(),
            ..Default::default()
        };
        match &field.kind {
            FieldKind::Text { max_len, .. } => inputs.push(Input {
                kind: "text",
                maxlength: *max_len,
                ..base
            }),
            FieldKind::LongText { max_len } => inputs.push(Input {
                kind: "textarea",
                maxlength: *max_len,
                ..base
            }),
            FieldKind::Number { .. } => inputs.push(Input {
                kind: "text",
                inputmode: "numeric",
                ..base
            }),
            FieldKind::Date { .. } => inputs.push(Input {
                kind: "text",
                inputmode: "numeric",
                placeholder: "dd/mm/yyyy".into(),
                ..base
            }),
            FieldKind::PersonalId => inputs.push(Input {
                kind: "text",
                inputmode: "numeric",
                maxlength: 12,
                ..base
            }),
            FieldKind::Phone => inputs.push(Input {
                kind: "text",
                inputmode: "tel",
                ..base
            }),
            FieldKind::Email => inputs.push(Input {
                kind: "text",
                inputmode: "email",
                ..base
            }),
            FieldKind::Checkbox => inputs.push(Input {
                kind: "checkbox",
                ..base
            }),
            FieldKind::Choice { options, multiple } => {
                let chosen: Vec<&str> = pairs
                    .iter()
                    .filter(|(k, _)| *k == name)
                    .map(|(_, v)| v.as_str())
                    .collect();
                let options = options
                    .iter()
                    .map(|o| {
                        (
                            o.value.clone(),
                            o.label.clone(),
                            chosen.contains(&o.value.as_str()),
                        )
                    })
                    .collect::<Vec<_>>();
                let kind = if *multiple {
                    "checks"
                } else if options.len() <= 4 {
                    "radios"
                } else {
                    "select"
                };
                inputs.push(Input {
                    kind,
                    options,
                    ..base
                });
            }
            FieldKind::Address { .. } => {
                inputs.push(Input {
                    kind: "open",
                    ..base.clone()
                });
                for part in ADDRESS_PARTS {
                    let part_name = format!("{name}.{part}");
                    inputs.push(Input {
                        kind: "text",
                        id: html_id(&part_name),
                        label: i18n::t(ctx.lang, &format!("dossier-address-{part}")),
                        required: field.required,
                        error: errors.get(&part_name).cloned().unwrap_or_default(),
                        value: value(&part_name),
                        inputmode: if part == "street" { "" } else { "numeric" },
                        maxlength: 200,
                        name: part_name,
                        ..Default::default()
                    });
                }
                inputs.push(Input {
                    kind: "close",
                    ..Default::default()
                });
            }
            FieldKind::Group {
                fields: sub,
                min,
                max,
            } => {
                inputs.push(Input {
                    kind: "open",
                    ..base.clone()
                });
                let filled = (0..*max)
                    .filter(|i| {
                        let p = format!("{name}[{i}].");
                        pairs.iter().any(|(k, _)| k.starts_with(&p))
                    })
                    .map(|i| i + 1)
                    .max()
                    .unwrap_or(0);
                // One spare row beyond what is filled, at least `min` (and one), at most `max`.
                let rows = (filled + 1).max(*min).max(1).min(*max);
                for index in 0..rows {
                    inputs.push(Input {
                        kind: "open",
                        label: format!("{} {}", field.label, index + 1),
                        ..Default::default()
                    });
                    add_fields(
                        ctx,
                        sub,
                        &format!("{name}[{index}]."),
                        pairs,
                        errors,
                        inputs,
                    );
                    inputs.push(Input {
                        kind: "close",
                        ..Default::default()
                    });
                }
                inputs.push(Input {
                    kind: "close",
                    ..Default::default()
                });
            }
        }
    }
}

/// Agencies that may resolve a procedure: those of its government level with an electronic
/// code (the applicant picks their ward or the department).
async fn agencies_for(
    state: &AppState,
    ctx: &Ctx,
    procedure: &Procedure,
) -> WebResult<Vec<(String, String)>> {
    let level = procedure.level.as_str();
    Ok(state
        .app
        .public_units()
        .await
        .ctx(ctx)?
        .into_iter()
        .filter(|u| u.kind == "agency" && u.level == level)
        .filter_map(|u| u.code.map(|code| (code, u.name)))
        .collect())
}

fn pairs_of(fields: &HashMap<String, String>) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn errors_of(ctx: &Ctx, error: &AppError) -> (HashMap<String, String>, String) {
    let state = FormState::default().fail(ctx.lang, error);
    (state.errors, state.general.unwrap_or_default())
}

fn local_time(at: time::OffsetDateTime) -> String {
    i18n::format_time(at)
}

/// Dossiers of a list with their status and appointment as shown.
fn listed(dossiers: Vec<DossierView>) -> Vec<(DossierView, String, String)> {
    dossiers
        .into_iter()
        .map(|d| {
            let status = status_text(&d);
            let due = d.due.map(local_time).unwrap_or_default();
            (d, status, due)
        })
        .collect()
}

fn status_text(dossier: &DossierView) -> String {
    dossier
        .status
        .map(|s| s.vietnamese().to_owned())
        .unwrap_or_else(|| "Nháp".into())
}

// ---------------------------------------------------------------------------------------------
// Papers (thành phần hồ sơ): file inputs on the forms, the files of a dossier

/// One required paper of the procedure on a form: its file input and, for the citizen, the
/// earlier uploads they may reuse for it.
pub struct PaperInput {
    /// `paper.{index}`: the file input's name, and where its problems are reported.
    pub field: String,
    pub id: String,
    pub index: u32,
    pub name: String,
    pub note: String,
    pub required: bool,
    pub error: String,
    /// (attachment id, label, chosen)
    pub reuse: Vec<(i64, String, bool)>,
}

impl PaperInput {
    pub fn has_error(&self) -> bool {
        !self.error.is_empty()
    }
}

/// A file of a dossier as shown: a download link with its name, size and type.
pub struct FileLink {
    pub href: String,
    pub name: String,
    pub size: String,
    pub kind: &'static str,
    /// A result signed with the agency's seal at the "sign" step.
    pub sealed: bool,
}

/// A row of the reception checklist: a paper of the procedure and the files attached for it.
pub struct PaperCheck {
    pub index: u32,
    pub name: String,
    pub required: bool,
    pub files: Vec<FileLink>,
}

impl PaperCheck {
    pub fn missing(&self) -> bool {
        self.files.is_empty()
    }
}

/// A paper asked for in a supplement request, with its file input.
pub struct SupplementInput {
    pub field: String,
    pub id: String,
    pub name: String,
    pub error: String,
}

/// Accepted by every file input: what the domain accepts (PDF, JPEG, PNG).
pub const ACCEPT: &str = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";

fn file_link(base: &str, dossier_id: i64, row: &DossierAttachmentRow) -> FileLink {
    FileLink {
        href: format!("{base}/{dossier_id}/files/{}", row.attachment_id),
        name: row.file_name.clone(),
        size: megabytes(u64::try_from(row.size).unwrap_or(0)),
        kind: match MediaType::parse(&row.media_type) {
            Some(MediaType::Pdf) => "PDF",
            Some(MediaType::Jpeg) => "JPEG",
            Some(MediaType::Png) => "PNG",
            None => "",
        },
        sealed: row.signed_from.is_some(),
    }
}

/// Reads a page form sent as `multipart/form-data` (the forms that carry files).
async fn page_form(state: &AppState, request: Request) -> WebResult<MultipartForm> {
    MultipartForm::parse(
        request,
        MultipartLimits::for_page_forms(state.app.settings.max_attachment_bytes),
        &state.app,
    )
    .await
}

fn upload_of(field: &str, requirement: Option<u32>, form: &MultipartForm) -> Option<PaperUpload> {
    form.file(field).map(|file| PaperUpload {
        field: field.to_owned(),
        requirement,
        file_name: file.file_name.clone(),
        declared_type: file.content_type.clone(),
        content: file.content.clone(),
        oversize: file.oversize,
    })
}

/// The papers of a form: a file per paper, or (the citizen) an earlier upload chosen for it.
fn papers_of(procedure: &Procedure, form: &MultipartForm) -> (Vec<PaperUpload>, Vec<(u32, i64)>) {
    let mut uploads = Vec::new();
    let mut reused = Vec::new();
    for index in 0..procedure.required_documents.len() {
        let Ok(index) = u32::try_from(index) else {
            break;
        };
        if let Some(upload) = upload_of(&paper_field(index), Some(index), form) {
            uploads.push(upload);
        } else if let Some(id) = form
            .field(&format!("reuse.{index}"))
            .and_then(|v| v.trim().parse::<i64>().ok())
        {
            reused.push((index, id));
        }
    }
    (uploads, reused)
}

// ---------------------------------------------------------------------------------------------
// Citizen: the online form

/// The delivery choice as sent by the form (at the counter when none is chosen).
fn delivery_from(fields: &HashMap<String, String>) -> Result<ResultDelivery, AppError> {
    let method = fields
        .get("delivery")
        .map(String::as_str)
        .filter(|m| !m.is_empty())
        .unwrap_or("counter");
    ResultDelivery::new(method, fields.get("delivery_address").map(String::as_str))
        .map_err(|e| AppError::invalid(e.field(), e.code()))
}
