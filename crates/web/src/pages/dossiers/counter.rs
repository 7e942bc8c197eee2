//! Registration at the one-stop desk (tiếp nhận trực tiếp).

use super::*;

#[derive(Template)]
#[template(path = "dossiers/counter.html")]
pub(super) struct CounterPage {
    page: Page,
    procedures: Vec<(String, String)>,
    /// What the desk typed to find the procedure (a city has hundreds), and how many match.
    query: String,
    found: String,
    /// The ID card check (kiểm tra thẻ căn cước): the number typed and its problem.
    id_proof: FormState,
}

/// The counter: pick the procedure, then type the form in; or record an ID card check.
pub async fn counter(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    // Only the count travels in the address, never the personal identification number.
    let flash = query
        .get("id_proven")
        .and_then(|linked| linked.parse::<u64>().ok())
        .map(|linked| {
            i18n::tf(
                ctx.lang,
                "counter-id-proof-done",
                &[("linked", &linked.to_string())],
            )
        });
    let query = query
        .get("q")
        .map(|q| q.trim().to_owned())
        .unwrap_or_default();
    let page = counter_page(&state, &ctx, FormState::default(), &query).await?;
    Ok(render(&CounterPage {
        page: page.page.with_flash(flash),
        ..page
    }))
}

/// The desk official has seen the citizen's ID card: the account holding the number is
/// proven (the same use case as `POST /api/v1/citizens/id-proof`), then back to the counter.
pub async fn counter_id_proof(
    State(state): State<AppState>,
    ctx: Ctx,
    fields: FormFields,
) -> WebResult<Response> {
    let personal_id = fields.get("personal_id").trim().to_owned();
    match state.app.prove_citizen_id(&ctx.actor(), &personal_id).await {
        Ok(linked) => {
            Ok(Redirect::to(&format!("/staff/counter?id_proven={linked}")).into_response())
        }
        Err(error) => {
            // No account for a well-formed number is a problem of what was typed.
            let error = match error {
                AppError::NotFound => AppError::invalid("personal_id", "error-id-proof-unknown"),
                other => other,
            };
            let form = FormState::from_values([("personal_id".to_owned(), personal_id)])
                .fail(ctx.lang, &error);
            let page = counter_page(&state, &ctx, form, "").await?;
            Ok(render_status(status_of(&error), &page))
        }
    }
}

async fn counter_page(
    state: &AppState,
    ctx: &Ctx,
    id_proof: FormState,
    query: &str,
) -> WebResult<CounterPage> {
    // The catalogue's own search (diacritics ignored), so "khai sinh" finds what the desk means.
    let found = state
        .app
        .search_procedures(&motcua_app::catalogue::SearchParams {
            q: query.to_owned(),
            page: 1,
            per_page: 100,
            ..Default::default()
        })
        .await
        .ctx(ctx)?;
    let count = i18n::tf(
        ctx.lang,
        "counter-procedures-found",
        &[("count", &found.total.to_string())],
    );
    let procedures = found
        .items
        .into_iter()
        .map(|i| (i.procedure.code.clone(), i.procedure.name.clone()))
        .collect();
    Ok(CounterPage {
        page: Page::new(ctx, "dossier-counter-title"),
        procedures,
        query: query.to_owned(),
        found: count,
        id_proof,
    })
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
        postmark: match crate::api::dossiers::postmark_of(
            fields.0.get("postmark").map(String::as_str),
        ) {
            Ok(postmark) => postmark,
            Err(error) => {
                return new_page(&state, &ctx, &code, true, &fields.0, Some(&error)).await;
            }
        },
        contact_phone: fields.optional("contact_phone"),
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
