//! The clerk registers an incoming document (vào sổ văn bản đến) and a specialist drafts an
//! outgoing one. Dates are typed dd/mm/yyyy; a registration whose số/ký hiệu, sender and year
//! match an earlier one is shown with those registrations and waits for the clerk to confirm.

use super::*;
use motcua_app::documents::{DraftText, IncomingRegistration, OutgoingDraft};

#[derive(Template)]
#[template(path = "documents/incoming.html")]
struct IncomingPage {
    page: Page,
    form: FormState,
    /// The bodies whose incoming register the clerk keeps: (agency code, name).
    bodies: Vec<(String, String)>,
    types: Vec<(String, String)>,
    urgencies: Vec<(String, String)>,
    secrecies: Vec<(String, String)>,
    /// Earlier registrations of the same document: the clerk confirms before registering.
    duplicates: Vec<DocumentLine>,
}

#[derive(Template)]
#[template(path = "documents/outgoing.html")]
struct OutgoingPage {
    page: Page,
    form: FormState,
    /// The bodies the drafter works for: (agency code, name).
    bodies: Vec<(String, String)>,
    /// Units of those bodies that may draft (their abbreviation goes into a công văn's ký
    /// hiệu): (id, "unit — body").
    units: Vec<(i64, String)>,
    types: Vec<(String, String)>,
    urgencies: Vec<(String, String)>,
    secrecies: Vec<(String, String)>,
}

async fn bodies(
    state: &AppState,
    ctx: &Ctx,
    permission: Permission,
) -> WebResult<Vec<(String, String)>> {
    Ok(state
        .app
        .agencies_with(&ctx.actor(), permission)
        .await
        .ctx(ctx)?
        .into_iter()
        .filter_map(|u| Some((u.code?, u.name)))
        .collect())
}

impl IncomingPage {
    async fn new(state: &AppState, ctx: &Ctx, form: FormState) -> WebResult<IncomingPage> {
        Ok(IncomingPage {
            page: Page::new(ctx, "documents-incoming-new"),
            form,
            bodies: bodies(state, ctx, Permission::DocumentsManage).await?,
            types: type_choices(ctx.lang),
            urgencies: urgency_choices(ctx.lang),
            secrecies: secrecy_choices(ctx.lang),
            duplicates: Vec::new(),
        })
    }
}

impl OutgoingPage {
    async fn new(state: &AppState, ctx: &Ctx, form: FormState) -> WebResult<OutgoingPage> {
        let bodies = bodies(state, ctx, Permission::DocumentsWork).await?;
        let all = state.app.list_units(&ctx.actor()).await.ctx(ctx)?;
        let mut units = Vec::new();
        for unit in &all {
            // A unit under one of the bodies (its nearest body names it).
            let body = all
                .iter()
                .filter(|b| {
                    b.id != unit.id
                        && b.code
                            .as_ref()
                            .is_some_and(|c| bodies.iter().any(|(code, _)| code == c))
                        && unit.path.starts_with(&b.path)
                })
                .max_by_key(|b| b.path.len());
            if let Some(body) = body
                && unit.code.is_none()
            {
                units.push((unit.id, format!("{} — {}", unit.name, body.name)));
            }
        }
        Ok(OutgoingPage {
            page: Page::new(ctx, "documents-outgoing-new"),
            form,
            bodies,
            units,
            types: type_choices(ctx.lang),
            urgencies: urgency_choices(ctx.lang),
            secrecies: secrecy_choices(ctx.lang),
        })
    }
}

pub async fn incoming_form(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    Ok(render(
        &IncomingPage::new(&state, &ctx, FormState::default()).await?,
    ))
}

/// A number typed into the page count; empty is none.
fn page_count(value: &str) -> Result<Option<u32>, AppError> {
    match value.trim() {
        "" => Ok(None),
        text => text
            .parse::<u32>()
            .map(Some)
            .map_err(|_| AppError::invalid("page_count", "document-page-count-invalid")),
    }
}

/// The value of a typed field, its problems added to `problems`.
fn checked<T: Default>(
    result: Result<T, AppError>,
    problems: &mut Vec<motcua_app::InvalidField>,
) -> T {
    match result {
        Ok(value) => value,
        Err(AppError::Invalid(fields)) => {
            problems.extend(fields);
            T::default()
        }
        Err(other) => {
            problems.push(motcua_app::InvalidField::new("form", other.code()));
            T::default()
        }
    }
}

fn incoming_of(fields: &FormFields) -> Result<IncomingRegistration, AppError> {
    let mut problems = Vec::new();
    let issued_date = checked(
        typed_day(&fields.get("issued_date"), "issued_date"),
        &mut problems,
    );
    let due_date = checked(
        typed_day(&fields.get("due_date"), "due_date"),
        &mut problems,
    );
    let page_count = checked(page_count(&fields.get("page_count")), &mut problems);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    Ok(IncomingRegistration {
        body_code: fields.get("body_code"),
        doc_type: fields.get("doc_type"),
        code_number: fields.get("code_number"),
        sender_organ: fields.get("sender_organ"),
        issued_date,
        subject: fields.get("subject"),
        urgency: fields.get("urgency"),
        secrecy: fields.get("secrecy"),
        due_date,
        page_count,
        signer_name: fields.optional("signer_name"),
        signer_position: fields.optional("signer_position"),
    })
}

/// Vào sổ: checks the typed values, shows earlier registrations of the same document until
/// the clerk confirms, then registers and goes to the document.
pub async fn register_incoming(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let confirmed = fields.get("confirm_duplicate") == "1";
    let result = match incoming_of(&fields) {
        Ok(input) => {
            let duplicates = if confirmed {
                Ok(Vec::new())
            } else {
                state.app.incoming_duplicates(&actor, &input).await
            };
            match duplicates {
                Ok(found) if !found.is_empty() => {
                    let today = state.app.today();
                    let mut values = fields.0.clone();
                    values.remove("confirm_duplicate");
                    let mut page =
                        IncomingPage::new(&state, &ctx, FormState::from_values(values)).await?;
                    page.duplicates = found
                        .iter()
                        .map(|v| DocumentLine::of(ctx.lang, today, v))
                        .collect();
                    return Ok(render(&page));
                }
                Ok(_) => state.app.register_incoming(&actor, &input).await,
                Err(error) => Err(error),
            }
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(registered) => Ok(Redirect::to(&format!(
            "/staff/documents/{}?done=register",
            registered.document.id
        ))
        .into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let form = failed(&fields.0, ctx.lang, &error);
            Ok(render_status(
                status_of(&error),
                &IncomingPage::new(&state, &ctx, form).await?,
            ))
        }
        Err(error) => Err(error).ctx(&ctx),
    }
}

pub async fn outgoing_form(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    Ok(render(
        &OutgoingPage::new(&state, &ctx, FormState::default()).await?,
    ))
}

fn outgoing_of(fields: &FormFields) -> Result<OutgoingDraft, AppError> {
    let mut problems = Vec::new();
    let due_date = checked(
        typed_day(&fields.get("due_date"), "due_date"),
        &mut problems,
    );
    let page_count = checked(page_count(&fields.get("page_count")), &mut problems);
    let unit = match fields.get("drafting_unit_id").trim() {
        "" => Ok(None),
        id => id
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid("drafting_unit_id", "error-choice")),
    };
    let drafting_unit_id = checked(unit, &mut problems);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    Ok(OutgoingDraft {
        body_code: fields.get("body_code"),
        doc_type: fields.get("doc_type"),
        subject: fields.get("subject"),
        urgency: fields.get("urgency"),
        secrecy: fields.get("secrecy"),
        drafting_unit_id,
        recipient_organ: fields.optional("recipient_organ"),
        due_date,
        page_count,
        // The body and the signature block, one paragraph or line per line of a text area.
        text: DraftText {
            subject: String::new(),
            paragraphs: lines_of(&fields.get("paragraphs")),
            addressees: lines_of(&fields.get("addressees")),
            recipients: Vec::new(),
            signer_authority: fields.optional("signer_authority"),
            signer_position: fields.optional("signer_position"),
            signer_name: fields.optional("signer_name"),
        },
    })
}

/// Starts a draft and goes to it.
pub async fn draft_outgoing(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    let result = match outgoing_of(&fields) {
        Ok(draft) => state.app.draft_outgoing(&ctx.actor(), &draft).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(view) => {
            Ok(Redirect::to(&format!("/staff/documents/{}?done=draft", view.id)).into_response())
        }
        Err(error @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let form = failed(&fields.0, ctx.lang, &error);
            Ok(render_status(
                status_of(&error),
                &OutgoingPage::new(&state, &ctx, form).await?,
            ))
        }
        Err(error) => Err(error).ctx(&ctx),
    }
}

/// The non-empty lines of a text area.
fn lines_of(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}
