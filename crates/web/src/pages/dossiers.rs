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
use motcua_app::views::{DossierAttachmentRow, DossierRow, EventRow};
use motcua_app::{Actor, AppError};
use motcua_domain::attachment::{MediaType, Purpose};
use motcua_domain::dossier::{Command, CommandKind, DossierStatus, ResultDelivery, ReturnMethod};
use motcua_domain::org::AgencyCode;
use motcua_domain::procedure::flat::{ADDRESS_PARTS, pairs_from_values, values_from_pairs};
use motcua_domain::procedure::{Field, FieldKind, FormSchema, FormValues, Procedure};
use std::collections::HashMap;

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
async fn agencies_for(state: &AppState, procedure: &Procedure) -> Vec<(String, String)> {
    let level = procedure.level.as_str();
    // The choice is only offered; a failed read leaves it empty and the submission names
    // its agency, which the use case checks.
    state
        .app
        .public_units()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| u.kind == "agency" && u.level == level)
        .filter_map(|u| u.code.map(|code| (code, u.name)))
        .collect()
}

fn pairs_of(fields: &HashMap<String, String>) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn errors_of(ctx: &Ctx, error: &AppError) -> (HashMap<String, String>, String) {
    let state = FormState::default().fail(ctx.lang, error);
    (state.errors, state.general.unwrap_or_default())
}

fn local_time(micros: i64) -> String {
    i18n::format_time_micros(micros)
}

/// Rows of a dossier list with their status and appointment as shown.
fn listed(rows: Vec<DossierRow>) -> Vec<(DossierRow, String, String)> {
    rows.into_iter()
        .map(|r| {
            let status = status_text(&r);
            let due = r.due_at.map(local_time).unwrap_or_default();
            (r, status, due)
        })
        .collect()
}

fn status_text(row: &DossierRow) -> String {
    row.status_code
        .and_then(|c| u8::try_from(c).ok())
        .and_then(DossierStatus::from_national_code)
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

#[derive(Template)]
#[template(path = "dossiers/new.html")]
struct NewDossierPage {
    page: Page,
    procedure: Procedure,
    action: String,
    agencies: Vec<(String, String, bool)>,
    inputs: Vec<Input>,
    general: String,
    agency_error: String,
    /// Staff at the counter type the applicant's name and number.
    counter: bool,
    applicant_name: String,
    applicant_personal_id: String,
    applicant_errors: (String, String),
    papers: Vec<PaperInput>,
    accept: &'static str,
    /// Hình thức nhận kết quả: the method chosen, the postal address and their errors.
    delivery: String,
    delivery_address: String,
    delivery_errors: (String, String),
    /// The draft being completed, if any.
    draft: String,
}

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

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    counter: bool,
    fields: &HashMap<String, String>,
    error: Option<&AppError>,
) -> WebResult<Response> {
    let procedure = state
        .app
        .procedure_in_force(code, None)
        .await
        .ctx(ctx)?
        .procedure;
    let (errors, mut general) = error.map(|e| errors_of(ctx, e)).unwrap_or_default();
    if let Some(reuse_error) = errors.get("attachments") {
        general = format!("{general} {reuse_error}");
    }
    let pairs = pairs_of(fields);
    // The citizen may reuse earlier uploads; at the counter the papers are scanned.
    let earlier = if counter {
        Vec::new()
    } else {
        state
            .app
            .my_attachments(&ctx.actor())
            .await
            .unwrap_or_default()
    };
    let papers = procedure
        .required_documents
        .iter()
        .enumerate()
        .filter_map(|(index, document)| {
            let index = u32::try_from(index).ok()?;
            let field = paper_field(index);
            let chosen = fields
                .get(&format!("reuse.{index}"))
                .cloned()
                .unwrap_or_default();
            Some(PaperInput {
                id: format!("f-paper-{index}"),
                index,
                name: document.name.clone(),
                note: document.note.clone().unwrap_or_default(),
                required: document.required,
                error: errors.get(&field).cloned().unwrap_or_default(),
                reuse: earlier
                    .iter()
                    .map(|a| {
                        (
                            a.id,
                            format!(
                                "{} ({}, {})",
                                a.file_name,
                                megabytes(u64::try_from(a.size).unwrap_or(0)),
                                local_time(a.created_at)
                            ),
                            chosen == a.id.to_string(),
                        )
                    })
                    .collect(),
                field,
            })
        })
        .collect();
    let chosen = fields.get("agency").cloned().unwrap_or_default();
    let agencies = agencies_for(state, &procedure)
        .await
        .into_iter()
        .map(|(c, n)| {
            let selected = c == chosen;
            (c, n, selected)
        })
        .collect();
    let mut page = Page::new(
        ctx,
        if counter {
            "dossier-counter-title"
        } else {
            "dossier-new-title"
        },
    );
    page.title = format!("{} – {}", page.title, procedure.name);
    let action = if counter {
        format!("/staff/counter/{code}")
    } else {
        format!("/dossiers/new/{code}")
    };
    let template = NewDossierPage {
        page,
        inputs: form_inputs(ctx, &procedure.form_schema, &pairs, &errors),
        agency_error: errors.get("agency").cloned().unwrap_or_default(),
        applicant_errors: (
            errors.get("applicant_name").cloned().unwrap_or_default(),
            errors
                .get("applicant_personal_id")
                .cloned()
                .unwrap_or_default(),
        ),
        applicant_name: fields.get("applicant_name").cloned().unwrap_or_default(),
        applicant_personal_id: fields
            .get("applicant_personal_id")
            .cloned()
            .unwrap_or_default(),
        procedure,
        // No JavaScript: the CSRF token of a multipart form travels in the address.
        action: format!("{action}?_csrf={}", ctx.csrf),
        agencies,
        general,
        counter,
        papers,
        accept: ACCEPT,
        delivery: fields
            .get("delivery")
            .cloned()
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "counter".to_owned()),
        delivery_address: fields.get("delivery_address").cloned().unwrap_or_default(),
        delivery_errors: (
            errors.get("delivery").cloned().unwrap_or_default(),
            errors.get("delivery_address").cloned().unwrap_or_default(),
        ),
        draft: fields.get("draft").cloned().unwrap_or_default(),
    };
    Ok(match error {
        Some(error) => render_status(status_of(error), &template),
        None => render(&template),
    })
}

/// The online form, empty or (`?draft=ID`) filled with the citizen's saved draft.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let mut fields = HashMap::new();
    if let Some(id) = query.get("draft").and_then(|d| d.parse::<i64>().ok()) {
        let row = state.app.dossier_for(&ctx.actor(), id).await.ctx(&ctx)?;
        if row.status_code.is_some() || row.procedure_code != code {
            return Err(AppError::NotFound).ctx(&ctx);
        }
        let schema = state
            .app
            .procedure_in_force(&code, None)
            .await
            .ctx(&ctx)?
            .procedure
            .form_schema;
        let values: FormValues = serde_json::from_str(&row.form).unwrap_or_default();
        fields.extend(pairs_from_values(&schema, &values));
        if let Ok(unit) = state.app.public_unit(row.agency_id).await
            && let Some(agency) = unit.code
        {
            fields.insert("agency".to_owned(), agency);
        }
        fields.insert("delivery".to_owned(), row.delivery_method.clone());
        if let Some(address) = &row.delivery_address {
            fields.insert("delivery_address".to_owned(), address.clone());
        }
        fields.insert("draft".to_owned(), id.to_string());
    }
    new_page(&state, &ctx, &code, false, &fields, None).await
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    request: Request,
) -> WebResult<Response> {
    let sent = page_form(&state, request).await?;
    let procedure = state
        .app
        .procedure_in_force(&code, None)
        .await
        .ctx(&ctx)?
        .procedure;
    let form = values_from_pairs(&procedure.form_schema, &pairs_of(&sent.fields));
    let (uploads, reused) = papers_of(&procedure, &sent);
    let delivery = match delivery_from(&sent.fields) {
        Ok(delivery) => delivery,
        Err(error) => {
            return new_page(&state, &ctx, &code, false, &sent.fields, Some(&error)).await;
        }
    };
    let submission = Submission {
        procedure_code: code.clone(),
        agency_code: sent.field("agency").unwrap_or_default().to_owned(),
        form,
        attachments: reused,
        delivery,
    };
    let papers = Papers {
        uploads,
        require_all: true,
    };
    let draft_id = sent.field("draft").and_then(|d| d.parse::<i64>().ok());
    let actor = ctx.actor();
    // "Lưu nháp" keeps a half-filled form; "Nộp hồ sơ" validates and submits.
    let (result, done) = if sent.field("intent") == Some("draft") {
        let saved = state
            .app
            .save_draft_with_papers(&actor, draft_id, &submission, &papers)
            .await;
        (saved, "draft")
    } else {
        let submitted = match draft_id {
            Some(id) => {
                state
                    .app
                    .submit_draft_with_papers(&actor, id, &submission, &papers)
                    .await
            }
            None => {
                state
                    .app
                    .submit_dossier_with_papers(&actor, &submission, &papers)
                    .await
            }
        };
        (submitted, "submit")
    };
    match result {
        Ok(row) => {
            Ok(Redirect::to(&format!("/my/dossiers/{}?done={done}", row.id)).into_response())
        }
        Err(error) => new_page(&state, &ctx, &code, false, &sent.fields, Some(&error)).await,
    }
}

// ---------------------------------------------------------------------------------------------
// A dossier's view, shared by its applicant and the back office

/// One answer of the form, for reading.
pub struct Answer {
    pub label: String,
    pub value: String,
    pub depth: usize,
}

fn answers(schema: &FormSchema, values: &FormValues) -> Vec<Answer> {
    let pairs = pairs_from_values(schema, values);
    let mut out = Vec::new();
    collect_answers(&schema.fields, "", &pairs, 0, &mut out);
    out
}

fn collect_answers(
    fields: &[Field],
    prefix: &str,
    pairs: &[(String, String)],
    depth: usize,
    out: &mut Vec<Answer>,
) {
    for field in fields {
        let name = format!("{prefix}{}", field.id);
        match &field.kind {
            FieldKind::Group {
                fields: sub, max, ..
            } => {
                for index in 0..*max {
                    let p = format!("{name}[{index}].");
                    if !pairs.iter().any(|(k, _)| k.starts_with(&p)) {
                        break;
                    }
                    out.push(Answer {
                        label: format!("{} {}", field.label, index + 1),
                        value: String::new(),
                        depth,
                    });
                    collect_answers(sub, &p, pairs, depth + 1, out);
                }
            }
            FieldKind::Address { .. } => {
                let parts: Vec<String> = ADDRESS_PARTS
                    .iter()
                    .filter_map(|part| {
                        let key = format!("{name}.{part}");
                        pairs
                            .iter()
                            .find(|(k, _)| *k == key)
                            .map(|(_, v)| v.clone())
                    })
                    .collect();
                if !parts.is_empty() {
                    out.push(Answer {
                        label: field.label.clone(),
                        value: parts.join(", "),
                        depth,
                    });
                }
            }
            FieldKind::Choice { options, .. } => {
                let chosen: Vec<String> = pairs
                    .iter()
                    .filter(|(k, _)| *k == name)
                    .map(|(_, v)| {
                        options
                            .iter()
                            .find(|o| &o.value == v)
                            .map(|o| o.label.clone())
                            .unwrap_or_else(|| v.clone())
                    })
                    .collect();
                if !chosen.is_empty() {
                    out.push(Answer {
                        label: field.label.clone(),
                        value: chosen.join(", "),
                        depth,
                    });
                }
            }
            FieldKind::Checkbox => {
                if pairs.iter().any(|(k, _)| *k == name) {
                    out.push(Answer {
                        label: field.label.clone(),
                        value: "✓".into(),
                        depth,
                    });
                }
            }
            _ => {
                if let Some((_, v)) = pairs.iter().find(|(k, _)| *k == name) {
                    out.push(Answer {
                        label: field.label.clone(),
                        value: v.clone(),
                        depth,
                    });
                }
            }
        }
    }
}

/// A timeline entry as shown to the applicant and the officials.
pub struct Step {
    pub at: String,
    pub action: String,
    pub status: String,
    pub reason: String,
    pub who: String,
}

/// A later or earlier workflow step one may send the dossier to.
pub struct StepChoice {
    pub index: usize,
    pub name: String,
}

#[derive(Template)]
#[template(path = "dossiers/detail.html")]
struct DetailPage {
    page: Page,
    row: DossierRow,
    procedure_name: String,
    agency_name: String,
    desk_name: String,
    status: String,
    due: String,
    step_name: String,
    answers: Vec<Answer>,
    timeline: Vec<Step>,
    actions: Vec<String>,
    /// Where action forms post.
    action_url: String,
    staff: bool,
    receipt: bool,
    later_steps: Vec<StepChoice>,
    earlier_steps: Vec<StepChoice>,
    agencies: Vec<(String, String)>,
    /// Officials of the agency a step may be handed to (id, "name — unit").
    assignees: Vec<(i64, String)>,
    error: String,
    missing: Vec<String>,
    /// The reception checklist: each paper of the procedure with its files.
    papers: Vec<PaperCheck>,
    /// Files not attached for a listed paper (e.g. supplements sent as "other").
    other_files: Vec<FileLink>,
    results: Vec<FileLink>,
    /// The applicant's file inputs for the papers asked for (status 5).
    supplement_inputs: Vec<SupplementInput>,
    supplement_other_error: String,
    supplement_url: String,
    result_url: String,
    result_error: String,
    accept: &'static str,
}

impl DetailPage {
    fn can(&self, kind: &str) -> bool {
        self.actions.iter().any(|a| a == kind)
    }

    fn channel(&self) -> String {
        i18n::t(self.page.lang, &format!("channel-{}", self.row.channel))
    }
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    staff: bool,
    error: Option<&AppError>,
    flash: Option<String>,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let row = state.app.dossier_for(&actor, id).await.ctx(ctx)?;
    let dossier = row.dossier().map_err(AppError::from).ctx(ctx)?;
    let procedure = state
        .app
        .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
        .await
        .ctx(ctx)?
        .procedure;
    let workflow = state
        .app
        .workflow(&row.procedure_code, Some(row.workflow_version))
        .await
        .ctx(ctx)?;
    let values: FormValues = serde_json::from_str(&row.form).unwrap_or_default();
    let unit_name = |id: Option<i64>| async move {
        match id {
            Some(id) => state.app.public_unit(id).await.map(|u| u.name),
            None => Ok(String::new()),
        }
    };
    let agency_name = unit_name(Some(row.agency_id)).await.ctx(ctx)?;
    let desk_name = unit_name(row.desk_id).await.ctx(ctx)?;
    let events = state.app.dossier_history(&actor, id).await.ctx(ctx)?;
    let missing = requested_papers(&events);
    let timeline = events
        .iter()
        .filter_map(|e| e.event().ok())
        .map(|e| {
            let who = match &e.actor {
                motcua_domain::dossier::Actor::Citizen { .. } => {
                    i18n::t(ctx.lang, "dossier-by-applicant")
                }
                motcua_domain::dossier::Actor::Official { role, .. } => {
                    i18n::t(ctx.lang, &format!("role-{}", role.as_str()))
                }
                motcua_domain::dossier::Actor::System => i18n::t(ctx.lang, "dossier-by-system"),
            };
            Step {
                at: local_time(motcua_app::views::micros(e.at)),
                action: i18n::t(ctx.lang, &format!("event-{}", e.kind.as_str())),
                status: e
                    .to_status
                    .map(|s| s.vietnamese().to_owned())
                    .unwrap_or_default(),
                reason: e.reason.clone(),
                who,
            }
        })
        .collect();
    let actions: Vec<String> = state
        .app
        .available_actions(&actor, &row)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    let current = dossier.step.unwrap_or(0);
    let step_choices = |range: std::ops::Range<usize>| {
        range
            .filter_map(|i| {
                workflow.steps.get(i).map(|s| StepChoice {
                    index: i,
                    name: s.name.clone(),
                })
            })
            .collect::<Vec<_>>()
    };
    let agencies = state
        .app
        .public_units()
        .await
        .ctx(ctx)?
        .into_iter()
        .filter(|u| u.kind == "agency" && u.id != row.agency_id)
        .filter_map(|u| u.code.map(|c| (c, u.name)))
        .collect();
    // Chuyển bước to a named official ("assigned to me" in their queue); the server checks
    // that they hold the chosen step's role.
    let assignees = if staff && actions.iter().any(|a| a == "forward") {
        state
            .app
            .assignable_officials(&actor, &row)
            .await
            .ctx(ctx)?
            .into_iter()
            .map(|o| (o.id, format!("{} — {}", o.full_name, o.unit_name)))
            .collect()
    } else {
        Vec::new()
    };
    // Action forms are small: every problem is listed above them.
    let general = match error {
        Some(AppError::Invalid(fields)) => {
            let mut messages: Vec<String> =
                fields.iter().map(|f| i18n::t(ctx.lang, &f.code)).collect();
            messages.dedup();
            messages.join(" ")
        }
        Some(other) => i18n::t(ctx.lang, other.code()),
        None => String::new(),
    };
    let field_errors: HashMap<String, String> = match error {
        Some(AppError::Invalid(fields)) => fields
            .iter()
            .map(|f| (f.field.clone(), i18n::t(ctx.lang, &f.code)))
            .collect(),
        _ => HashMap::new(),
    };
    let base = if staff {
        "/staff/dossiers"
    } else {
        "/my/dossiers"
    };
    let files = state
        .app
        .dossier_attachments(&actor, id)
        .await
        .unwrap_or_default();
    let papers: Vec<PaperCheck> = procedure
        .required_documents
        .iter()
        .enumerate()
        .filter_map(|(index, document)| {
            let index = u32::try_from(index).ok()?;
            Some(PaperCheck {
                index,
                name: document.name.clone(),
                required: document.required,
                files: files
                    .iter()
                    .filter(|f| {
                        f.purpose != Purpose::Result.as_str()
                            && f.requirement_index == Some(i64::from(index))
                    })
                    .map(|f| file_link(base, id, f))
                    .collect(),
            })
        })
        .collect();
    let listed_paper = |f: &DossierAttachmentRow| {
        f.requirement_index
            .and_then(|i| usize::try_from(i).ok())
            .is_some_and(|i| i < papers.len())
    };
    let other_files = files
        .iter()
        .filter(|f| f.purpose != Purpose::Result.as_str() && !listed_paper(f))
        .map(|f| file_link(base, id, f))
        .collect();
    let results = files
        .iter()
        .filter(|f| f.purpose == Purpose::Result.as_str())
        .map(|f| file_link(base, id, f))
        .collect();
    let supplement_inputs = missing
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let field = format!("supplement.{k}");
            SupplementInput {
                id: format!("f-supplement-{k}"),
                name: name.clone(),
                error: field_errors.get(&field).cloned().unwrap_or_default(),
                field,
            }
        })
        .collect();
    let mut page = Page::new(ctx, "dossier-detail-title").with_flash(flash);
    if let Some(code) = &row.code {
        page.title = format!("{} {code}", page.title);
    }
    let template = DetailPage {
        page,
        procedure_name: procedure.name.clone(),
        agency_name,
        desk_name,
        status: status_text(&row),
        due: row.due_at.map(local_time).unwrap_or_default(),
        step_name: dossier
            .step
            .filter(|_| matches!(row.status_code, Some(2 | 4 | 5 | 6)))
            .and_then(|s| workflow.steps.get(s))
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        answers: answers(&procedure.form_schema, &values),
        timeline,
        actions,
        action_url: if staff {
            format!("/staff/dossiers/{id}/actions")
        } else {
            format!("/my/dossiers/{id}/actions")
        },
        staff,
        receipt: dossier.received_at.is_some(),
        later_steps: step_choices(current + 1..workflow.steps.len()),
        earlier_steps: step_choices(0..current),
        agencies,
        assignees,
        error: general,
        missing,
        papers,
        other_files,
        results,
        supplement_inputs,
        supplement_other_error: field_errors
            .get("supplement.other")
            .cloned()
            .unwrap_or_default(),
        supplement_url: format!("/my/dossiers/{id}/supplement?_csrf={}", ctx.csrf),
        result_url: format!("/staff/dossiers/{id}/result?_csrf={}", ctx.csrf),
        result_error: field_errors.get("result").cloned().unwrap_or_default(),
        accept: ACCEPT,
        row,
    };
    Ok(match error {
        Some(error) => render_status(status_of(error), &template),
        None => render(&template),
    })
}

/// The papers asked for by the latest supplement request.
fn requested_papers(events: &[EventRow]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| e.event().ok())
        .rfind(|e| e.kind == CommandKind::RequestSupplement)
        .map(|e| {
            e.data
                .iter()
                .filter(|(k, _)| k.starts_with("missing."))
                .map(|(_, v)| v.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn flash_of(ctx: &Ctx, query: &HashMap<String, String>) -> Option<String> {
    query
        .get("done")
        .filter(|d| d.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .map(|d| i18n::t(ctx.lang, &format!("dossier-done-{d}")))
}

/// Reads an action form into a command of the state machine. Times typed as dd/mm/yyyy keep
/// the time of day of the current appointment.
fn command_from(
    fields: &FormFields,
    row: &DossierRow,
    paper_names: &[String],
) -> Result<Option<Command>, AppError> {
    let lines = |name: &str| -> Vec<String> {
        fields
            .get(name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let step = |name: &str| -> Result<usize, AppError> {
        fields
            .get(name)
            .trim()
            .parse()
            .map_err(|_| AppError::invalid(name, "error-choice"))
    };
    let command = match fields.get("command").as_str() {
        "receive" => return Ok(None),
        "request_supplement" => {
            // The papers ticked in the checklist, then anything typed in.
            let mut missing: Vec<String> = paper_names
                .iter()
                .enumerate()
                .filter(|(index, _)| fields.0.contains_key(&format!("missing_paper.{index}")))
                .map(|(_, name)| name.clone())
                .collect();
            for line in lines("missing") {
                if !missing.contains(&line) {
                    missing.push(line);
                }
            }
            Command::RequestSupplement {
                missing,
                reason: fields.get("reason"),
            }
        }
        "refuse" => Command::Refuse {
            reasons: lines("reasons"),
        },
        "forward" => Command::Forward {
            to_step: step("to_step")?,
            assignee: match fields.get("assignee").trim() {
                "" => None,
                id => Some(
                    id.parse()
                        .map_err(|_| AppError::invalid("assignee", "error-assignee"))?,
                ),
            },
        },
        "return" => Command::Return {
            to_step: step("to_step")?,
            reason: fields.get("reason"),
            assignee: None,
        },
        "consult" => Command::Consult {
            unit: fields.get("unit"),
            question: fields.get("question"),
        },
        "transfer" => Command::Transfer {
            to_agency: AgencyCode::parse(fields.get("to_agency").trim())
                .map_err(|_| AppError::invalid("to_agency", "error-agency-code"))?,
            reason: fields.get("reason"),
        },
        "approve" => Command::Approve,
        "sign" => Command::Sign,
        "resolve" => Command::Resolve,
        "return_result" => Command::ReturnResult {
            method: match fields.get("method").as_str() {
                "post" => ReturnMethod::Post,
                "online" => ReturnMethod::Online,
                _ => ReturnMethod::Counter,
            },
        },
        "withdraw" => Command::Withdraw {
            reason: fields.get("reason"),
        },
        "stop" => Command::Stop {
            reason: fields.get("reason"),
        },
        "supplement_provided" => Command::SupplementProvided { new_due: None },
        "extend" => {
            let date = motcua_domain::procedure::parse_form_date(fields.get("new_due").trim())
                .ok_or_else(|| AppError::invalid("new_due", "error-date"))?;
            let current = row
                .due_at
                .map(|d| {
                    motcua_app::views::from_micros(d)
                        .to_offset(motcua_domain::calendar::VIETNAM_OFFSET)
                })
                .ok_or(AppError::Conflict("error-dossier-state"))?;
            Command::Extend {
                new_due: current.replace_date(date),
                reason: fields.get("reason"),
            }
        }
        _ => return Err(AppError::invalid("command", "error-choice")),
    };
    Ok(Some(command))
}

async fn act(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    fields: &FormFields,
    staff: bool,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let row = state.app.dossier_for(&actor, id).await.ctx(ctx)?;
    let paper_names: Vec<String> = state
        .app
        .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
        .await
        .map(|p| {
            p.procedure
                .required_documents
                .into_iter()
                .map(|d| d.name)
                .collect()
        })
        .unwrap_or_default();
    let result = match command_from(fields, &row, &paper_names) {
        Ok(None) => state.app.receive_dossier(&actor, id).await,
        Ok(Some(command)) => state.app.act_on_dossier(&actor, id, command).await,
        Err(error) => Err(error),
    };
    let base = if staff {
        "/staff/dossiers"
    } else {
        "/my/dossiers"
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "{base}/{id}?done={}",
            fields.get("command").trim()
        ))
        .into_response()),
        Err(error) => detail_page(state, ctx, id, staff, Some(&error), None).await,
    }
}

#[derive(Template)]
#[template(path = "dossiers/mine.html")]
struct MinePage {
    page: Page,
    /// Each dossier with its status, appointment and result files (once issued).
    rows: Vec<(DossierRow, String, String, Vec<FileLink>)>,
}

pub async fn mine(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let actor = ctx.actor();
    let rows = state.app.my_dossiers(&actor).await.ctx(&ctx)?;
    let mut shown = Vec::with_capacity(rows.len());
    for (row, status, due) in listed(rows) {
        // The result is offered once resolved (9) or returned (10).
        let results = if matches!(row.status_code, Some(9 | 10)) {
            state
                .app
                .dossier_attachments(&actor, row.id)
                .await
                .unwrap_or_default()
                .iter()
                .filter(|f| f.purpose == Purpose::Result.as_str())
                .map(|f| file_link("/my/dossiers", row.id, f))
                .collect()
        } else {
            Vec::new()
        };
        shown.push((row, status, due, results));
    }
    Ok(render(&MinePage {
        page: Page::new(&ctx, "dossier-mine-title"),
        rows: shown,
    }))
}

/// The applicant sends the papers asked for and reports the supplement done (status 5).
pub async fn my_supplement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    request: Request,
) -> WebResult<Response> {
    let sent = page_form(&state, request).await?;
    let actor = ctx.actor();
    let row = state.app.dossier_for(&actor, id).await.ctx(&ctx)?;
    // A failed read must not drop the papers asked for and still resume the clock.
    let events = state.app.dossier_history(&actor, row.id).await.ctx(&ctx)?;
    let documents = state
        .app
        .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
        .await
        .ctx(&ctx)?
        .procedure
        .required_documents;
    let mut uploads = Vec::new();
    for (k, name) in requested_papers(&events).iter().enumerate() {
        // A requested paper that is one of the procedure's is attached as that paper.
        let requirement = documents
            .iter()
            .position(|d| &d.name == name)
            .and_then(|i| u32::try_from(i).ok());
        if let Some(upload) = upload_of(&format!("supplement.{k}"), requirement, &sent) {
            uploads.push(upload);
        }
    }
    if let Some(upload) = upload_of("supplement.other", None, &sent) {
        uploads.push(upload);
    }
    match state.app.provide_supplement(&actor, id, &uploads).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/my/dossiers/{id}?done=supplement_provided")).into_response(),
        ),
        Err(error) => detail_page(&state, &ctx, id, false, Some(&error), None).await,
    }
}

pub async fn my_detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    detail_page(&state, &ctx, id, false, None, flash_of(&ctx, &query)).await
}

pub async fn my_act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    act(&state, &ctx, id, &fields, false).await
}

// ---------------------------------------------------------------------------------------------
// Back office

#[derive(Template)]
#[template(path = "dossiers/queue.html")]
struct QueuePage {
    page: Page,
    queue: String,
    queues: Vec<(String, String)>,
    rows: Vec<(DossierRow, String, String)>,
    can_register: bool,
}

pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let queue = query
        .get("queue")
        .cloned()
        .unwrap_or_else(|| "mine".to_owned());
    let rows = state
        .app
        .dossier_queue(&ctx.actor(), &queue)
        .await
        .ctx(&ctx)?;
    let rows = listed(rows);
    let can_register = ctx.principal.check(motcua_domain::authz::Access::Staff(
        motcua_domain::authz::Permission::DossierReceive,
    )) == motcua_domain::authz::Decision::Allow;
    Ok(render(&QueuePage {
        page: Page::new(&ctx, "dossier-queue-title"),
        queues: motcua_app::dossiers::QUEUES
            .iter()
            .map(|q| ((*q).to_owned(), i18n::t(ctx.lang, &format!("queue-{q}"))))
            .collect(),
        queue,
        rows,
        can_register,
    }))
}

pub async fn staff_detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    detail_page(&state, &ctx, id, true, None, flash_of(&ctx, &query)).await
}

pub async fn staff_act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    act(&state, &ctx, id, &fields, true).await
}

/// The official who may resolve the dossier uploads the result document.
pub async fn staff_result(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    request: Request,
) -> WebResult<Response> {
    let sent = page_form(&state, request).await?;
    let result = match upload_of("result", None, &sent) {
        Some(upload) => state.app.upload_result(&ctx.actor(), id, &upload).await,
        None => Err(AppError::invalid("result", "error-file-missing")),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/staff/dossiers/{id}?done=result")).into_response()),
        Err(error) => detail_page(&state, &ctx, id, true, Some(&error), None).await,
    }
}

#[derive(Template)]
#[template(path = "dossiers/counter.html")]
struct CounterPage {
    page: Page,
    procedures: Vec<(String, String)>,
}

/// The counter: pick the procedure, then type the form in.
pub async fn counter(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let procedures = state
        .app
        .search_procedures(&motcua_app::catalogue::SearchParams {
            page: 1,
            per_page: 100,
            ..Default::default()
        })
        .await
        .ctx(&ctx)?
        .items
        .into_iter()
        .map(|i| (i.procedure.code, i.procedure.name))
        .collect();
    Ok(render(&CounterPage {
        page: Page::new(&ctx, "dossier-counter-title"),
        procedures,
    }))
}

pub async fn counter_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> WebResult<Response> {
    new_page(&state, &ctx, &code, true, &HashMap::new(), None).await
}

pub async fn counter_register(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    request: Request,
) -> WebResult<Response> {
    let sent = page_form(&state, request).await?;
    let fields = FormFields(sent.fields.clone());
    let procedure = state
        .app
        .procedure_in_force(&code, None)
        .await
        .ctx(&ctx)?
        .procedure;
    let registration = CounterRegistration {
        procedure_code: code.clone(),
        agency_code: fields.get("agency"),
        applicant_name: fields.get("applicant_name"),
        applicant_personal_id: fields.optional("applicant_personal_id"),
        form: values_from_pairs(&procedure.form_schema, &pairs_of(&fields.0)),
        delivery: match delivery_from(&fields.0) {
            Ok(delivery) => delivery,
            Err(error) => {
                return new_page(&state, &ctx, &code, true, &fields.0, Some(&error)).await;
            }
        },
    };
    // The scans at the counter are the officer's uploads; earlier uploads are not offered.
    let (uploads, _) = papers_of(&procedure, &sent);
    let papers = Papers {
        uploads,
        require_all: false,
    };
    match state
        .app
        .register_at_counter_with_papers(&ctx.actor(), &registration, &papers)
        .await
    {
        Ok(row) => {
            Ok(Redirect::to(&format!("/staff/dossiers/{}?done=receive", row.id)).into_response())
        }
        Err(error) => new_page(&state, &ctx, &code, true, &fields.0, Some(&error)).await,
    }
}
