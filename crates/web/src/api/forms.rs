//! Official one-stop forms of a dossier as PDF (Mẫu 01 receipt and appointment), built from the
//! dossier, its procedure version and its agency, rendered off the async workers.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{ContextualError, WebError, WebResult};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::{Actor, AppError};
use motcua_domain::authz::Permission;
use motcua_domain::procedure::{Channel, DocumentForm, TimeUnit};
use motcua_render::{
    Applicant, CopyKind, DocumentRenderer, Fee, FormDocument, Header, Receipt, ReceivedDocument,
    RegisterEntry, TypstRenderer,
};
use std::sync::{Arc, OnceLock};

fn renderer() -> Arc<TypstRenderer> {
    static RENDERER: OnceLock<Arc<TypstRenderer>> = OnceLock::new();
    RENDERER
        .get_or_init(|| Arc::new(TypstRenderer::new()))
        .clone()
}

fn local(micros: i64) -> time::PrimitiveDateTime {
    let at = motcua_store::from_micros(micros).to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
    time::PrimitiveDateTime::new(at.date(), at.time())
}

/// "UBND thành phố Cần Thơ" → "Cần Thơ": the place name printed on the date line.
fn place_of(root: &str) -> String {
    for marker in ["thành phố ", "tỉnh ", "Thành phố ", "Tỉnh "] {
        if let Some((_, place)) = root.split_once(marker) {
            return place.to_owned();
        }
    }
    root.to_owned()
}

/// Mẫu 01 of a dossier that has been received.
async fn receipt(state: &AppState, actor: &Actor, id: i64) -> Result<FormDocument, AppError> {
    let row = state.app.store.get_dossier(id).await?;
    let own =
        actor.principal.citizen_id().is_some() && row.citizen_id == actor.principal.citizen_id();
    if !own {
        actor.require_at(Permission::DossierView, &row.agency_path)?;
    }
    let dossier = row.dossier()?;
    let (Some(received_at), Some(appointment), Some(code)) = (
        dossier.received_at,
        dossier.appointment,
        dossier.code.clone(),
    ) else {
        return Err(AppError::Conflict("error-dossier-state"));
    };
    let procedure = state
        .app
        .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
        .await?
        .procedure;
    let agency = state.app.store.get_unit(row.agency_id).await?;
    let parent = match agency.parent_id {
        Some(parent) => Some(state.app.store.get_unit(parent).await?.name),
        None => None,
    };
    let root = state
        .app
        .store
        .list_units()
        .await?
        .into_iter()
        .next()
        .map(|u| u.name)
        .unwrap_or_default();
    let citizen = match row.citizen_id {
        Some(citizen_id) => state.app.store.get_citizen(citizen_id).await.ok(),
        None => None,
    };
    let channel = Channel::parse(&row.channel).unwrap_or(Channel::Online);
    let processing_time = procedure
        .processing_time
        .for_channel(channel)
        .map(|limit| match limit.unit {
            TimeUnit::WorkingDays => format!("{:02} ngày làm việc", limit.value),
            TimeUnit::WorkingHours => format!("{:02} giờ làm việc", limit.value),
            TimeUnit::CalendarDays => format!("{:02} ngày", limit.value),
            TimeUnit::SameDay => "Trong ngày".to_owned(),
        })
        .unwrap_or_default();
    let documents = procedure
        .required_documents
        .iter()
        .filter(|d| d.required)
        .map(|d| ReceivedDocument {
            name: d.name.clone(),
            kind: match d.form {
                DocumentForm::Original | DocumentForm::Presentation => CopyKind::Original,
                DocumentForm::CertifiedCopy | DocumentForm::OriginalOrCertifiedCopy => {
                    CopyKind::CertifiedCopy
                }
                DocumentForm::Copy => CopyKind::Copy,
            },
            count: d.count,
        })
        .collect();
    let fees = procedure
        .fees_for(channel)
        .filter(|f| !f.conditional)
        .map(|f| Fee {
            name: f.name.clone(),
            amount: u64::try_from(f.amount_vnd).unwrap_or(0),
        })
        .collect();
    let officer = state
        .app
        .store
        .dossier_events(id)
        .await?
        .iter()
        .filter_map(|e| e.event().ok())
        .find(|e| e.kind == motcua_domain::dossier::CommandKind::Receive)
        .and_then(|e| match e.actor {
            motcua_domain::dossier::Actor::Official { official_id, .. } => Some(official_id),
            _ => None,
        });
    let receiving_officer = match officer {
        Some(official_id) => state
            .app
            .store
            .get_official(official_id)
            .await
            .map(|o| o.full_name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(FormDocument::Receipt(Receipt {
        header: Header {
            parent_body: parent.map(|p| p.to_uppercase()),
            body: agency.name.to_uppercase(),
            unit: Some("BỘ PHẬN MỘT CỬA".into()),
            place: place_of(&root),
            date: received_at.date(),
            number: Some(format!("{}/TN", code.sequence())),
        },
        dossier_code: code.to_string(),
        applicant: Applicant {
            name: row.applicant_name.clone(),
            personal_id: row.applicant_personal_id.clone(),
            address: String::new(),
            phone: citizen.as_ref().and_then(|c| c.phone.clone()),
            email: citizen.as_ref().and_then(|c| c.email.clone()),
        },
        procedure_name: procedure.name.clone(),
        documents,
        sets: 1,
        processing_time,
        received_at: time::PrimitiveDateTime::new(received_at.date(), received_at.time()),
        appointment: local(motcua_store::micros(appointment.due())),
        result_delivery: format!("Bộ phận Một cửa {}", agency.name),
        fees,
        register: Some(RegisterEntry {
            book: received_at.year().to_string(),
            sequence: code.sequence().to_string(),
        }),
        receiving_officer,
        lookup_url: format!(
            "{}/tra-cuu/{code}",
            state.config.public_url.trim_end_matches('/')
        ),
    }))
}

/// `GET /api/v1/dossiers/{id}/forms/mau01.pdf`: the receipt and appointment (Mẫu 01).
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/forms/{form}", tag = "dossiers",
    params(("id" = i64, Path), ("form" = String, Path, description = "`mau01.pdf`")),
    responses((status = 200, content_type = "application/pdf", description = "The form as PDF/A"), (status = 404), (status = 409)))]
pub async fn form_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, form)): Path<(i64, String)>,
) -> WebResult<Response> {
    if form != "mau01.pdf" {
        return Err(WebError::from(AppError::NotFound).with(ctx.lang, ctx.api));
    }
    let document = receipt(&state, &ctx.actor(), id).await.ctx(&ctx)?;
    let renderer = renderer();
    let bytes = tokio::task::spawn_blocking(move || renderer.render(&document))
        .await
        .map_err(|e| WebError::internal(e.into()))?
        .map_err(|e| WebError::internal(anyhow::anyhow!("render: {e}")))?;
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline; filename=\"mau01.pdf\""),
    );
    Ok(response)
}
