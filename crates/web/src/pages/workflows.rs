//! The workflow editor (quy trình nội bộ) for administrators: the procedures with their current
//! workflow version, one workflow with its versions, a plain form that saves a new version
//! (add, remove and reorder steps without JavaScript), and a JSON import box. Both go through
//! the same validation as the import; a dossier keeps the version it started with.
//!
//! The form names every input `step_<block>_<part>`: one block per step plus one blank block
//! for adding a step, an order number per block (reordering), a remove box per block.

use crate::context::Ctx;
use crate::error::{ContextualError, WebError, WebResult};
use crate::extract::FormFields;
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use crate::{AppState, i18n};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::workflows::WorkflowSummary;
use motcua_app::{AppError, InvalidField};
use motcua_domain::authz::Role;
use motcua_domain::calendar::ProcessingTime;
use motcua_domain::dossier::{StepAction, Workflow, WorkflowStep};
use std::collections::HashMap;

/// Allowance units an editor may choose, as stored (`ProcessingTime`'s JSON tags).
const UNITS: [&str; 4] = ["working_hours", "working_days", "calendar_days", "same_day"];

#[derive(Template)]
#[template(path = "admin/workflows.html")]
struct ListPage {
    page: Page,
    rows: Vec<(WorkflowSummary, String)>,
}

/// One step as the read-only table shows it.
pub struct StepView {
    pub id: String,
    pub name: String,
    pub role_key: String,
    pub unit_ref: String,
    pub allowance: String,
    pub action_keys: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/workflow.html")]
struct EditPage {
    page: Page,
    code: String,
    name: String,
    /// The version shown in the table (`None`: no workflow yet).
    shown: Option<u32>,
    steps: Vec<StepView>,
    /// `(version, saved at, is current)`.
    versions: Vec<(i64, String, bool)>,
    form: FormState,
    blocks: Vec<usize>,
    roles: Vec<&'static str>,
    units: Vec<&'static str>,
    actions: Vec<&'static str>,
    json: String,
    /// Problems of the JSON import, translated, with the step they concern.
    json_errors: Vec<String>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let rows = state
        .app
        .workflow_overview(&ctx.actor())
        .await
        .ctx(&ctx)?
        .into_iter()
        .map(|row| {
            let saved = row
                .saved_at
                .map(i18n::format_time_micros)
                .unwrap_or_default();
            (row, saved)
        })
        .collect();
    Ok(render(&ListPage {
        page: Page::new(&ctx, "admin-workflows-title"),
        rows,
    }))
}

fn allowance_parts(time: ProcessingTime) -> (&'static str, String) {
    match time {
        ProcessingTime::WorkingHours(n) => ("working_hours", n.to_string()),
        ProcessingTime::WorkingDays(n) => ("working_days", n.to_string()),
        ProcessingTime::CalendarDays(n) => ("calendar_days", n.to_string()),
        ProcessingTime::SameDay => ("same_day", String::new()),
    }
}

/// The form values of a workflow, plus one blank block for a new step.
fn values_of(workflow: Option<&Workflow>) -> (FormState, usize) {
    let mut values: Vec<(String, String)> = Vec::new();
    let steps = workflow.map(|w| w.steps.as_slice()).unwrap_or_default();
    for (b, step) in steps.iter().enumerate() {
        let (unit, amount) = allowance_parts(step.allowance);
        values.push((format!("step_{b}_order"), (b + 1).to_string()));
        values.push((format!("step_{b}_id"), step.id.clone()));
        values.push((format!("step_{b}_name"), step.name.clone()));
        values.push((format!("step_{b}_role"), step.role.as_str().into()));
        values.push((
            format!("step_{b}_unit_ref"),
            step.unit_ref.clone().unwrap_or_default(),
        ));
        values.push((format!("step_{b}_unit"), unit.into()));
        values.push((format!("step_{b}_amount"), amount));
        for action in &step.actions {
            values.push((
                format!("step_{b}_action_{}", action.as_str()),
                "true".into(),
            ));
        }
    }
    let blank = steps.len();
    values.push((format!("step_{blank}_order"), (blank + 1).to_string()));
    values.push((
        format!("step_{blank}_role"),
        Role::Specialist.as_str().into(),
    ));
    values.push((format!("step_{blank}_unit"), "working_hours".into()));
    values.push(("blocks".into(), (blank + 1).to_string()));
    (FormState::from_values(values), blank + 1)
}

fn step_view(step: &WorkflowStep, lang: i18n::Lang) -> StepView {
    let (unit, amount) = allowance_parts(step.allowance);
    let unit_text = i18n::t(lang, &format!("unit-{unit}"));
    StepView {
        id: step.id.clone(),
        name: step.name.clone(),
        role_key: format!("role-{}", step.role.as_str()),
        unit_ref: step.unit_ref.clone().unwrap_or_default(),
        allowance: if amount.is_empty() {
            unit_text
        } else {
            format!("{amount} {unit_text}")
        },
        action_keys: step
            .actions
            .iter()
            .map(|a| format!("workflow-action-{}", a.as_str()))
            .collect(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    version: Option<i64>,
    form: Option<(FormState, usize)>,
    json: Option<String>,
    json_errors: Vec<String>,
) -> WebResult<EditPage> {
    let (name, workflow, versions) = state
        .app
        .workflow_page(&ctx.actor(), code, version)
        .await
        .ctx(ctx)?;
    let current = versions.first().map(|v| v.version);
    let (form, count) = form.unwrap_or_else(|| values_of(workflow.as_ref()));
    let json = json.unwrap_or_else(|| {
        workflow
            .as_ref()
            .and_then(|w| serde_json::to_string_pretty(w).ok())
            .unwrap_or_default()
    });
    Ok(EditPage {
        page: Page::new(ctx, "admin-workflow-title"),
        code: code.to_owned(),
        name,
        shown: workflow.as_ref().map(|w| w.version),
        steps: workflow
            .as_ref()
            .map(|w| w.steps.iter().map(|s| step_view(s, ctx.lang)).collect())
            .unwrap_or_default(),
        versions: versions
            .iter()
            .map(|v| {
                (
                    v.version,
                    i18n::format_time_micros(v.created_at),
                    Some(v.version) == current,
                )
            })
            .collect(),
        form,
        blocks: (0..count).collect(),
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        units: UNITS.to_vec(),
        actions: StepAction::ALL.iter().map(|a| a.as_str()).collect(),
        json,
        json_errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    let version = match query.get("version") {
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| WebError::from(AppError::NotFound).with(ctx.lang, false))?,
        ),
        None => None,
    };
    let mut page = edit_page(&state, &ctx, &code, version, None, None, Vec::new()).await?;
    if let Some(saved) = query.get("saved") {
        page.page = page.page.with_flash(Some(i18n::tf(
            ctx.lang,
            "admin-workflow-saved",
            &[("version", saved.as_str())],
        )));
    }
    Ok(render(&page))
}

/// Reads the posted blocks into a workflow: blank and removed blocks are dropped, the rest
/// ordered by their order number. Returns the workflow and, for each of its steps, the block
/// it came from (to put the domain's problems next to the right inputs), or the input errors.
fn workflow_from(
    fields: &FormFields,
    code: &str,
) -> Result<(Workflow, Vec<usize>), Vec<InvalidField>> {
    let count: usize = fields.get("blocks").trim().parse().unwrap_or(0).min(100);
    let mut problems = Vec::new();
    let mut steps: Vec<(i64, usize, WorkflowStep)> = Vec::new();
    for b in 0..count {
        let field = |part: &str| format!("step_{b}_{part}");
        let id = fields.get(&field("id")).trim().to_owned();
        let name = motcua_domain::text::clean(&fields.get(&field("name")));
        let chosen: Vec<StepAction> = StepAction::ALL
            .into_iter()
            .filter(|a| {
                fields
                    .optional(&field(&format!("action_{}", a.as_str())))
                    .is_some()
            })
            .collect();
        if fields.optional(&field("remove")).is_some()
            || (id.is_empty() && name.is_empty() && chosen.is_empty())
        {
            continue;
        }
        let order = match fields.get(&field("order")).trim().parse::<i64>() {
            Ok(order) => order,
            Err(_) => {
                problems.push(InvalidField::new(&field("order"), "error-workflow-order"));
                0
            }
        };
        if name.is_empty() {
            problems.push(InvalidField::new(&field("name"), "error-required"));
        }
        let role = Role::parse(fields.get(&field("role")).trim()).unwrap_or_else(|| {
            problems.push(InvalidField::new(&field("role"), "error-choice"));
            Role::Specialist
        });
        let unit = fields.get(&field("unit"));
        let amount = fields.get(&field("amount"));
        let amount = amount.trim();
        let number = || amount.parse::<u32>().ok().filter(|n| *n <= 10_000);
        let allowance = match (unit.trim(), number()) {
            ("same_day", _) => Some(ProcessingTime::SameDay),
            ("working_hours", Some(n)) => Some(ProcessingTime::WorkingHours(n)),
            ("working_days", Some(n)) => Some(ProcessingTime::WorkingDays(n)),
            ("calendar_days", Some(n)) => Some(ProcessingTime::CalendarDays(n)),
            _ => None,
        };
        let Some(allowance) = allowance else {
            problems.push(InvalidField::new(
                &field("allowance"),
                "error-workflow-allowance",
            ));
            continue;
        };
        steps.push((
            order,
            b,
            WorkflowStep {
                id,
                name,
                role,
                unit_ref: fields.optional(&field("unit_ref")),
                allowance,
                actions: chosen,
            },
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // Stable: equal order numbers keep the page's order.
    steps.sort_by_key(|(order, b, _)| (*order, *b));
    let blocks = steps.iter().map(|(_, b, _)| *b).collect();
    Ok((
        Workflow {
            id: code.to_owned(),
            version: 0,
            steps: steps.into_iter().map(|(_, _, s)| s).collect(),
        },
        blocks,
    ))
}

/// `steps.<i>.<part>` from the use case becomes the input name of the block step `i` came
/// from; problems of the whole workflow stay under `steps`.
fn to_block_fields(fields: Vec<InvalidField>, blocks: &[usize]) -> Vec<InvalidField> {
    fields
        .into_iter()
        .map(|f| {
            let mut parts = f.field.splitn(3, '.');
            let mapped = match (parts.next(), parts.next(), parts.next()) {
                (Some("steps"), Some(index), Some(part)) => index
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| blocks.get(i))
                    .map(|b| format!("step_{b}_{part}")),
                _ => None,
            };
            InvalidField {
                field: mapped.unwrap_or(f.field),
                code: f.code,
            }
        })
        .collect()
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    fields: FormFields,
) -> WebResult<Response> {
    let count = fields
        .get("blocks")
        .trim()
        .parse::<usize>()
        .unwrap_or(0)
        .min(100);
    let result = match workflow_from(&fields, &code) {
        Ok((workflow, blocks)) => state
            .app
            .save_workflow(&ctx.actor(), &code, workflow)
            .await
            .map_err(|error| match error {
                AppError::Invalid(found) => AppError::Invalid(to_block_fields(found, &blocks)),
                other => other,
            }),
        Err(found) => Err(AppError::Invalid(found)),
    };
    match result {
        Ok(version) => {
            Ok(Redirect::to(&format!("/admin/workflows/{code}?saved={version}")).into_response())
        }
        Err(error @ AppError::Invalid(_)) => {
            let mut form = FormState::from_values(fields.0).fail(ctx.lang, &error);
            // Problems of the whole workflow (no steps, no approval) go on top.
            if let Some(whole) = form.errors.remove("steps") {
                form.general = Some(format!(
                    "{} {whole}",
                    form.general.clone().unwrap_or_default()
                ));
            }
            let page = edit_page(
                &state,
                &ctx,
                &code,
                None,
                Some((form, count)),
                None,
                Vec::new(),
            )
            .await?;
            Ok(render_status(status_of(&error), &page))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    fields: FormFields,
) -> WebResult<Response> {
    let json = fields.get("json");
    match state
        .app
        .import_workflow_for(&ctx.actor(), &code, &json)
        .await
    {
        Ok(version) => {
            Ok(Redirect::to(&format!("/admin/workflows/{code}?saved={version}")).into_response())
        }
        Err(error @ AppError::Invalid(_)) => {
            let AppError::Invalid(found) = &error else {
                return Err(WebError::from(error).with(ctx.lang, false));
            };
            let messages = found
                .iter()
                .map(|f| {
                    let text = i18n::t(ctx.lang, &f.code);
                    let mut parts = f.field.splitn(3, '.');
                    match (
                        parts.next(),
                        parts.next().and_then(|i| i.parse::<usize>().ok()),
                    ) {
                        (Some("steps"), Some(index)) => {
                            let n = (index + 1).to_string();
                            format!(
                                "{}: {text}",
                                i18n::tf(ctx.lang, "admin-workflow-step-n", &[("n", n.as_str())])
                            )
                        }
                        _ => text,
                    }
                })
                .collect();
            let page = edit_page(&state, &ctx, &code, None, None, Some(json), messages).await?;
            Ok(render_status(status_of(&error), &page))
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, false)),
    }
}
