//! The OpenAPI document (`/api/openapi.json`) and a browsable, server-rendered viewer
//! (`/api/docs`) that needs no internet and no JavaScript.

use crate::api::{
    attachments, calendar, catalogue, catalogue_types, clients, directory, documents, dossiers,
    forms, notifications, payments, postal, ratings, signatures, types, workflows,
};
use crate::context::Ctx;
use crate::pages::layout::{Page, render};
use askama::Template;
use axum::Json;
use axum::response::Response;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// Gives every response a description (OpenAPI requires one; an annotation without one would
/// leave it out and generators such as openapi-python-client refuse the document): the
/// status's reason phrase where none was written.
struct ResponseDescriptions;

impl Modify for ResponseDescriptions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, response) in operation.responses.responses.iter_mut() {
                    if let utoipa::openapi::RefOr::T(response) = response
                        && response.description.is_empty()
                    {
                        response.description = status
                            .parse::<u16>()
                            .ok()
                            .and_then(|code| axum::http::StatusCode::from_u16(code).ok())
                            .and_then(|code| code.canonical_reason())
                            .unwrap_or("Response")
                            .to_owned();
                    }
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Một Cửa API", version = "1", description = "Public-service portal and electronic one-stop back office. \
        Authenticate with `Authorization: Bearer <token>` (an official issues one with POST /api/v1/tokens; \
        an administrator issues tokens to other systems with POST /api/v1/clients/{id}/tokens: such a token holds exactly \
        the client's permissions within its unit's subtree, and every call it makes is audited under the client's name). \
        Errors are JSON `{error: {code, message, fields}}`; messages follow `Accept-Language` (vi default, en)."),
    paths(
        directory::me, directory::issue_token, directory::list_tokens, directory::revoke_token, directory::prove_citizen_id,
        directory::list_units, directory::get_unit, directory::create_unit, directory::update_unit, directory::delete_unit,
        directory::positions, directory::list_officials, directory::get_official, directory::create_official, directory::update_official,
        directory::assign_role, directory::revoke_role, directory::audit, directory::export, directory::import,
        // System clients and their bearer tokens.
        clients::list, clients::create, clients::get, clients::update, clients::issue_token, clients::revoke_token,
        clients::set_webhook, clients::remove_webhook,
        // Procedure catalogue.
        catalogue::search, catalogue::get, catalogue::sectors, catalogue::create_draft, catalogue::publish,
        catalogue::import, catalogue::export, catalogue::validate_form,
        catalogue::synonyms, catalogue::add_synonym, catalogue::remove_synonym,
        // Workflows (versioned, per procedure).
        workflows::get, workflows::import,
        // Working-day calendar.
        calendar::due, calendar::holidays, calendar::year, calendar::lunar,
        calendar::set_override, calendar::delete_override, calendar::import,
        calendar::get_office_hours, calendar::set_office_hours, calendar::reset_office_hours,
        dossiers::submit, dossiers::queue, dossiers::mine, dossiers::receive, dossiers::act, dossiers::citizen_act, dossiers::lookup, dossiers::get, dossiers::counter,
        dossiers::save_draft, dossiers::update_draft, dossiers::submit_draft, dossiers::discard_draft, forms::form_pdf,
        // Official documents (văn bản đến/đi).
        documents::register, documents::draft, documents::search, documents::overdue, documents::due_soon,
        documents::get, documents::timeline, documents::act, documents::issue, documents::register_xlsx,
        documents::register_pdf, documents::pdf, documents::edit_draft,
        // Forms Mẫu 07 and satisfaction ratings.
        forms::tracking_book, forms::tracking_book_pdf, ratings::get, ratings::rate, ratings::agency,
        // Attachments.
        attachments::upload, attachments::mine, attachments::attach, attachments::list, attachments::download,
        // Payments of fees and charges.
        payments::of_dossier, payments::start, payments::counter, payments::get, payments::cancel, payments::refund,
        payments::reconciliation, payments::reconciliation_csv_file, payments::reconciliation_xlsx_file,
        payments::confirmation_get, payments::confirmation_post, payments::declare_exemption, payments::decide_exemption,
        // The postal operator's tracking callbacks.
        postal::tracking,
        // Notifications and the Zalo webhook.
        notifications::preferences, notifications::set_preferences, notifications::deliveries,
        notifications::retry, notifications::cancel, notifications::zalo_webhook,
        // Digital signatures.
        signatures::verify,
    ),
    components(schemas(types::ApiErrorBody, catalogue_types::ApiSegment)),
    modifiers(&BearerAuth, &ResponseDescriptions),
    tags((name = "directory", description = "Organisation tree, officials, roles, audit"),
        (name = "catalogue", description = "Procedure catalogue: search, detail, versions, publishing, import/export, form validation"),
        (name = "calendar", description = "Working-day calendar: due dates, days off, lunar dates, yearly notices, office hours"),
        (name = "dossiers", description = "One-stop dossiers: online submission, work queues, reception, actions, public lookup"),
        (name = "documents", description = "Official documents (NĐ 30/2020): incoming register, directions, handling; outgoing drafts, review, signatures, issuing with the next number, distribution; search, overdue, timeline"),
        (name = "ratings", description = "Citizen satisfaction ratings of resolved dossiers (9 criteria, 0–2 points each)"),
        (name = "payments", description = "Payments of fees and charges: amount due, online payment through a gateway, desk payments, cancellation, refunds, reconciliation"),
        (name = "postal", description = "The postal operator's signed tracking callbacks (results returned by post)"),
        (name = "notifications", description = "Notifications: a citizen's channels, the delivery log with retry and cancel, the Zalo Official Account's webhook"),
        (name = "signatures", description = "Digital signatures: who signed an uploaded PDF, when, whether it changed since, whether the signer is trusted"),
        (name = "attachments", description = "Attachments: upload (PDF/JPEG/PNG, stored once by SHA-256), reuse, files of a dossier, download"))
)]
pub struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn json() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

pub struct OperationView {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub parameters: Vec<String>,
    pub request: String,
    pub responses: Vec<String>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    page: Page,
    title: String,
    description: String,
    operations: Vec<OperationView>,
    schemas: Vec<(String, String)>,
}

fn reference_name(value: &serde_json::Value) -> String {
    if let Some(reference) = value.get("$ref").and_then(|r| r.as_str()) {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    if let Some(items) = value.get("items") {
        return format!("[{}]", reference_name(items));
    }
    value
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or("")
        .to_owned()
}

/// Flattens the document into rows a person can read.
pub fn operations() -> (String, String, Vec<OperationView>, Vec<(String, String)>) {
    let doc = serde_json::to_value(document()).unwrap_or_default();
    let title = doc["info"]["title"].as_str().unwrap_or_default().to_owned();
    let description = doc["info"]["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut operations = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let parameters = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                format!(
                                    "{} ({}): {}",
                                    p["name"].as_str().unwrap_or(""),
                                    p["in"].as_str().unwrap_or(""),
                                    reference_name(&p["schema"])
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let request = op["requestBody"]["content"]
                    .as_object()
                    .and_then(|c| c.values().next())
                    .map(|c| reference_name(&c["schema"]))
                    .unwrap_or_default();
                let responses = op["responses"]
                    .as_object()
                    .map(|rs| {
                        rs.iter()
                            .map(|(status, r)| {
                                let body = r["content"]
                                    .as_object()
                                    .and_then(|c| c.values().next())
                                    .map(|c| reference_name(&c["schema"]))
                                    .unwrap_or_default();
                                format!("{status} {body}")
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                operations.push(OperationView {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary: op["summary"]
                        .as_str()
                        .or(op["description"].as_str())
                        .unwrap_or("")
                        .to_owned(),
                    parameters,
                    request,
                    responses,
                });
            }
        }
    }
    let schemas = doc["components"]["schemas"]
        .as_object()
        .map(|s| {
            s.iter()
                .map(|(name, schema)| {
                    (
                        name.clone(),
                        serde_json::to_string_pretty(schema).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (title, description, operations, schemas)
}

pub async fn viewer(ctx: Ctx) -> Response {
    let (title, description, operations, schemas) = operations();
    render(&DocsPage {
        page: Page::new(&ctx, "nav-api"),
        title,
        description,
        operations,
        schemas,
    })
}
