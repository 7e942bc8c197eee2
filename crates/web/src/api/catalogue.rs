//! `/api/v1` operations on the procedure catalogue: public search and read for other systems,
//! drafts, publishing, import and export for catalogue managers, and the check of a filled-in
//! application form against a procedure's field schema.

use crate::AppState;
use crate::api::catalogue_types::*;
use crate::api::types::ApiErrorBody;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use motcua_app::catalogue::{SearchParams, parse_iso_date};
use motcua_domain::procedure::{FormValues, Procedure};

fn date_param(field: &str, value: Option<&str>) -> Result<Option<time::Date>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => parse_iso_date(text)
            .map(Some)
            .ok_or_else(|| AppError::invalid(field, "error-date")),
    }
}

/// Searches the procedures in force (diacritics and case ignored; name matches first).
#[utoipa::path(get, path = "/api/v1/procedures", tag = "catalogue", params(ApiSearchQuery),
    security(()), responses((status = 200, body = ApiSearchResult)))]
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ApiSearchQuery>,
) -> WebResult<Json<ApiSearchResult>> {
    let params = SearchParams {
        q: query.q.unwrap_or_default(),
        sector: query.sector,
        agency_kind: query.agency,
        level: query.level,
        online_level: query.online,
        page: query.page.unwrap_or(1),
        per_page: query.per_page.unwrap_or(0),
        on: None,
    };
    let result = state.app.search_procedures(&params).await.ctx(&ctx)?;
    Ok(Json(result.into()))
}

/// One procedure: the version in force today, on `on`, or a given `version`.
#[utoipa::path(get, path = "/api/v1/procedures/{code}", tag = "catalogue",
    params(("code" = String, Path, description = "National code, e.g. 1.000894"), ApiVersionQuery),
    security(()), responses((status = 200, body = ApiProcedureVersion), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(query): Query<ApiVersionQuery>,
) -> WebResult<Json<ApiProcedureVersion>> {
    let version = match query.version {
        Some(version) => {
            state
                .app
                .procedure_version(&ctx.actor(), &code, version)
                .await
        }
        None => {
            let on = date_param("on", query.on.as_deref()).ctx(&ctx)?;
            state.app.procedure_in_force(&code, on).await
        }
    }
    .ctx(&ctx)?;
    Ok(Json(version.into()))
}

/// Sectors and agency kinds with the number of procedures in force.
#[utoipa::path(get, path = "/api/v1/sectors", tag = "catalogue", security(()),
    responses((status = 200, body = ApiSectors)))]
pub async fn sectors(State(state): State<AppState>, ctx: Ctx) -> WebResult<Json<ApiSectors>> {
    let sectors = state.app.catalogue_sectors(None).await.ctx(&ctx)?;
    let agencies = state.app.catalogue_agencies(None).await.ctx(&ctx)?;
    Ok(Json(ApiSectors {
        sectors: sectors.into_iter().map(Into::into).collect(),
        agencies: agencies.into_iter().map(Into::into).collect(),
    }))
}

/// Creates the next draft version of a procedure (a new code starts at version 1).
#[utoipa::path(post, path = "/api/v1/procedures", tag = "catalogue",
    request_body(content = Object, description = "A procedure in the data/catalogue format; version and effective_from are set by the server"),
    responses((status = 201, body = ApiProcedureVersion), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create_draft(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(procedure): ApiJson<Procedure>,
) -> WebResult<Response> {
    let created = state
        .app
        .create_procedure_draft(&ctx.actor(), &procedure)
        .await
        .ctx(&ctx)?;
    Ok((
        StatusCode::CREATED,
        Json(ApiProcedureVersion::from(created)),
    )
        .into_response())
}

/// Publishes a draft version, in force from `effective_from` (today or later).
#[utoipa::path(post, path = "/api/v1/procedures/{code}/versions/{version}/publish", tag = "catalogue",
    params(("code" = String, Path), ("version" = i64, Path)), request_body = ApiPublishInput,
    responses((status = 200, body = ApiProcedureVersion), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, version)): Path<(String, i64)>,
    ApiJson(input): ApiJson<ApiPublishInput>,
) -> WebResult<Json<ApiProcedureVersion>> {
    let date = parse_iso_date(&input.effective_from)
        .ok_or_else(|| AppError::invalid("effective_from", "error-date"))
        .ctx(&ctx)?;
    let published = state
        .app
        .publish_procedure(&ctx.actor(), &code, version, date)
        .await
        .ctx(&ctx)?;
    Ok(Json(published.into()))
}

/// Imports a catalogue file (a JSON array of procedures, or one procedure).
#[utoipa::path(post, path = "/api/v1/procedures/import", tag = "catalogue",
    request_body(content = String, description = "The file content (JSON)", content_type = "application/json"),
    responses((status = 200, body = ApiCatalogueImportReport), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    body: String,
) -> WebResult<Json<ApiCatalogueImportReport>> {
    let report = state
        .app
        .import_catalogue(&ctx.actor(), &body)
        .await
        .ctx(&ctx)?;
    Ok(Json(ApiCatalogueImportReport {
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        drafted: report.drafted,
    }))
}

/// Every published version, as a JSON array in the data/catalogue format.
#[utoipa::path(get, path = "/api/v1/procedures/export", tag = "catalogue",
    responses((status = 200, description = "JSON array of procedures"), (status = 403, body = ApiErrorBody)))]
pub async fn export(State(state): State<AppState>, ctx: Ctx) -> WebResult<Response> {
    let text = state.app.export_catalogue(&ctx.actor()).await.ctx(&ctx)?;
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"catalogue.json\""),
    );
    Ok(response)
}

/// Checks a filled-in application form against the field schema of the version in force.
/// Problems come back as a 422 error whose `fields` carry the field path, code and message.
#[utoipa::path(post, path = "/api/v1/procedures/{code}/form/validate", tag = "catalogue",
    params(("code" = String, Path)),
    request_body(content = Object, description = "Field id → answer"),
    security(()), responses((status = 200, body = ApiFormValid), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn validate_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ApiJson(values): ApiJson<FormValues>,
) -> WebResult<Json<ApiFormValid>> {
    let validated = state
        .app
        .validate_procedure_form(&code, None, &values)
        .await
        .ctx(&ctx)?;
    Ok(Json(ApiFormValid {
        valid: true,
        values: serde_json::to_value(validated.values()).unwrap_or_default(),
    }))
}

/// A search synonym (từ đồng nghĩa): when `phrase` occurs in a query as whole words (marks and
/// case ignored), the search also reads it as `expansion`.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ApiSynonym {
    #[serde(default)]
    #[schema(read_only)]
    pub id: i64,
    /// The phrase citizens type, e.g. "sổ đỏ".
    pub phrase: String,
    /// What to search for instead, e.g. "giấy chứng nhận quyền sử dụng đất".
    pub expansion: String,
}

impl From<motcua_app::search_synonyms::SynonymRow> for ApiSynonym {
    fn from(row: motcua_app::search_synonyms::SynonymRow) -> Self {
        ApiSynonym {
            id: row.id,
            phrase: row.phrase,
            expansion: row.expansion,
        }
    }
}

/// The search synonyms, by phrase (catalogue managers).
#[utoipa::path(get, path = "/api/v1/search-synonyms", tag = "catalogue",
    responses((status = 200, body = Vec<ApiSynonym>), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn synonyms(State(state): State<AppState>, ctx: Ctx) -> WebResult<Json<Vec<ApiSynonym>>> {
    let rows = state.app.search_synonyms(&ctx.actor()).await.ctx(&ctx)?;
    Ok(Json(rows.into_iter().map(ApiSynonym::from).collect()))
}

/// Adds a search synonym; it applies to the next search on every node.
#[utoipa::path(post, path = "/api/v1/search-synonyms", tag = "catalogue", request_body = ApiSynonym,
    responses((status = 201, body = ApiSynonym), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_synonym(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ApiSynonym>,
) -> WebResult<Response> {
    let row = state
        .app
        .add_search_synonym(&ctx.actor(), &input.phrase, &input.expansion)
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(ApiSynonym::from(row))).into_response())
}

/// Removes a search synonym.
#[utoipa::path(delete, path = "/api/v1/search-synonyms/{id}", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn remove_synonym(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    state
        .app
        .remove_search_synonym(&ctx.actor(), id)
        .await
        .ctx(&ctx)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
