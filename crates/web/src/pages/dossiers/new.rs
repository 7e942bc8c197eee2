//! The online form (nộp hồ sơ trực tuyến): generated from the procedure's field schema, with
//! one file input per paper, saved as a draft or submitted.

use super::*;

#[derive(Template)]
#[template(path = "dossiers/new.html")]
pub(super) struct NewDossierPage {
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
    /// "Phí bưu chính: 25.000 đ" beside the postal choice, when an operator quotes it.
    postal_fee: String,
    /// Ngày dấu bưu điện (counter only) as typed, and its problem.
    postmark: String,
    postmark_error: String,
    /// Whether the installation has a postal operator (the online form then offers sending
    /// the papers by post).
    postal: bool,
    /// Cách nộp giấy tờ: `online` (uploaded) or `post` (the postman collects them).
    submit_by: String,
    pickup_address: String,
    pickup_error: String,
    /// "Phí nhận hồ sơ tại nhà: 10.000 đ", when the operator quotes it.
    pickup_fee: String,
    /// Số điện thoại liên hệ for the postman, and its problem.
    contact_phone: String,
    contact_phone_error: String,
    submit_by_error: String,
}

pub(super) async fn new_page(
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
                                i18n::format_time_micros(a.created_at)
                            ),
                            chosen == a.id.to_string(),
                        )
                    })
                    .collect(),
                field,
            })
        })
        .collect();
    let listed_agencies = agencies_for(state, ctx, &procedure).await?;
    // At the counter the desk registers for its own agency: chosen unless the form says otherwise.
    let chosen = match fields.get("agency") {
        Some(agency) => agency.clone(),
        None if counter => state
            .app
            .own_agency(
                &ctx.actor(),
                listed_agencies.iter().map(|(code, _)| code.as_str()),
            )
            .await
            .unwrap_or_default(),
        None => String::new(),
    };
    let agencies = listed_agencies
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
        postal_fee: state
            .app
            .postal_fee_quote(fields.get("delivery_address").map(String::as_str))
            .await
            .map(|fee| {
                i18n::tf(
                    ctx.lang,
                    "dossier-postal-fee",
                    &[("fee", &i18n::format_money(fee))],
                )
            })
            .unwrap_or_default(),
        postmark: fields.get("postmark").cloned().unwrap_or_default(),
        postmark_error: errors.get("postmark").cloned().unwrap_or_default(),
        postal: state.app.postal_configured(),
        submit_by: fields
            .get("submit_by")
            .cloned()
            .filter(|m| m == "post")
            .unwrap_or_else(|| "online".to_owned()),
        pickup_address: fields.get("pickup_address").cloned().unwrap_or_default(),
        pickup_error: errors.get("pickup_address").cloned().unwrap_or_default(),
        pickup_fee: if counter {
            String::new()
        } else {
            state
                .app
                .pickup_fee_quote(fields.get("pickup_address").map(String::as_str))
                .await
                .map(|fee| {
                    i18n::tf(
                        ctx.lang,
                        "dossier-pickup-fee",
                        &[("fee", &i18n::format_money(fee))],
                    )
                })
                .unwrap_or_default()
        },
        contact_phone: fields.get("contact_phone").cloned().unwrap_or_default(),
        contact_phone_error: errors.get("contact_phone").cloned().unwrap_or_default(),
        submit_by_error: errors.get("submit_by").cloned().unwrap_or_default(),
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
        if !row.is_draft() || row.procedure_code != code {
            return Err(AppError::NotFound).ctx(&ctx);
        }
        let schema = state
            .app
            .procedure_in_force(&code, None)
            .await
            .ctx(&ctx)?
            .procedure
            .form_schema;
        let values: FormValues = row.form_values();
        fields.extend(pairs_from_values(&schema, &values));
        if let Ok(unit) = state.app.public_unit(row.agency_id).await
            && let Some(agency) = unit.code
        {
            fields.insert("agency".to_owned(), agency);
        }
        fields.insert(
            "delivery".to_owned(),
            row.delivery.method.as_str().to_owned(),
        );
        if let Some(address) = &row.delivery.address {
            fields.insert("delivery_address".to_owned(), address.clone());
        }
        if let Some(phone) = &row.contact_phone {
            fields.insert("contact_phone".to_owned(), phone.clone());
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
        postal: PostalChoice {
            pickup_address: (sent.field("submit_by") == Some("post"))
                .then(|| sent.field("pickup_address").unwrap_or_default().to_owned()),
            phone: sent.field("contact_phone").map(str::to_owned),
        },
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
