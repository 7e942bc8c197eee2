//! Registration at the one-stop desk (tiếp nhận trực tiếp).

use super::*;

#[derive(Template)]
#[template(path = "dossiers/counter.html")]
pub(super) struct CounterPage {
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
