//! The route table: every route with the access it requires, in one place.
//!
//! [`Routes::at`] registers a handler together with its [`Access`]; a route layer enforces it
//! before the handler runs, so no handler can forget the check, and [`assemble`] returns the
//! table so the role matrix test can walk every route with every role.

use crate::context::Ctx;
use crate::error::WebError;
use crate::{AppState, api, openapi, ops, pages};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};
use motcua_domain::authz::{Access, Decision, Permission};

/// One row of the table.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// Builds the router and the table together.
pub struct Routes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

async fn enforce(access: Access, request: Request, next: Next) -> Response {
    let Some(ctx) = request.extensions().get::<Ctx>().cloned() else {
        return WebError::internal(anyhow::anyhow!("no request context")).into_response();
    };
    match ctx.principal.check(access) {
        Decision::Allow => next.run(request).await,
        Decision::Unauthenticated => {
            let code = if ctx.session_expired {
                "error-session-expired"
            } else {
                "error-unauthenticated"
            };
            let mut error = WebError::coded(StatusCode::UNAUTHORIZED, code).with(ctx.lang, ctx.api);
            error.signin = Some(match access {
                Access::Citizen => "/signin",
                _ => "/staff/signin",
            });
            mark_denied(error.into_response())
        }
        Decision::Forbidden => mark_denied(
            WebError::coded(StatusCode::FORBIDDEN, "error-forbidden")
                .with(ctx.lang, ctx.api)
                .into_response(),
        ),
    }
}

/// Header on responses refused by the route gate (as opposed to a jurisdiction check inside a
/// use case), so the role matrix test can tell the two apart.
pub const DENIED_HEADER: &str = "x-motcua-denied";

fn mark_denied(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(DENIED_HEADER, axum::http::HeaderValue::from_static("route"));
    response
}

impl Routes {
    fn new() -> Self {
        Routes {
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    /// Registers `handler` for `method path`, callable only by those `access` admits.
    fn at<H, T>(mut self, method: Method, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
        let route = on(filter, handler).route_layer(middleware::from_fn(
            move |request: Request, next: Next| enforce(access, request, next),
        ));
        self.router = self.router.route(path, route);
        self.specs.push(RouteSpec {
            method,
            path,
            access,
        });
        self
    }
}

/// Every route of Một Cửa.
pub fn assemble(state: AppState) -> (Router, Vec<RouteSpec>) {
    use Access::{Citizen, Official, Public, Staff};
    use Method as M;
    use Permission as P;
    use pages::{admin, calendar, catalogue, catalogue_admin, citizen, public, staff};
    let routes = Routes::new()
        // Public portal.
        .at(M::GET, "/", Public, public::home)
        .at(M::GET, "/lang/{code}", Public, public::switch_language)
        .at(M::GET, "/static/{name}", Public, public::static_file)
        .at(M::GET, "/signin", Public, citizen::signin_form)
        .at(M::POST, "/signin", Public, citizen::signin)
        .at(M::GET, "/signup", Public, citizen::signup_form)
        .at(M::POST, "/signup", Public, citizen::signup)
        .at(M::GET, "/verify", Public, citizen::verify_form)
        .at(M::POST, "/verify", Public, citizen::verify)
        .at(M::POST, "/verify/resend", Public, citizen::resend)
        .at(M::POST, "/signout", Public, citizen::signout)
        .at(M::GET, "/staff/signin", Public, staff::signin_form)
        .at(M::POST, "/staff/signin", Public, staff::signin)
        .at(M::GET, "/staff/totp", Public, staff::totp_form)
        .at(M::POST, "/staff/totp", Public, staff::totp)
        // Sign-in through an external OpenID Connect identity provider (issue 2).
        .at(M::GET, "/oidc/start", Public, pages::oidc::start)
        .at(M::GET, "/oidc/callback", Public, pages::oidc::callback)
        // Citizen area.
        .at(M::GET, "/account", Citizen, citizen::account)
        // Officials.
        .at(M::GET, "/staff", Official, staff::home)
        .at(M::GET, "/staff/security", Official, staff::security)
        .at(
            M::POST,
            "/staff/security/totp/start",
            Official,
            staff::totp_start,
        )
        .at(
            M::POST,
            "/staff/security/totp/confirm",
            Official,
            staff::totp_confirm,
        )
        .at(
            M::POST,
            "/staff/security/tokens/{id}/revoke",
            Official,
            staff::revoke_token,
        )
        // Administration.
        .at(M::GET, "/admin/units", Staff(P::OrgRead), admin::units)
        .at(
            M::GET,
            "/admin/units/new",
            Staff(P::OrgManage),
            admin::unit_new,
        )
        .at(
            M::POST,
            "/admin/units",
            Staff(P::OrgManage),
            admin::unit_create,
        )
        .at(
            M::GET,
            "/admin/units/{id}",
            Staff(P::OrgRead),
            admin::unit_edit,
        )
        .at(
            M::POST,
            "/admin/units/{id}",
            Staff(P::OrgManage),
            admin::unit_update,
        )
        .at(
            M::POST,
            "/admin/units/{id}/delete",
            Staff(P::OrgManage),
            admin::unit_delete,
        )
        .at(
            M::GET,
            "/admin/officials",
            Staff(P::OrgRead),
            admin::officials,
        )
        .at(
            M::GET,
            "/admin/officials/new",
            Staff(P::OfficialsManage),
            admin::official_new,
        )
        .at(
            M::POST,
            "/admin/officials",
            Staff(P::OfficialsManage),
            admin::official_create,
        )
        .at(
            M::GET,
            "/admin/officials/{id}",
            Staff(P::OrgRead),
            admin::official_edit,
        )
        .at(
            M::POST,
            "/admin/officials/{id}",
            Staff(P::OfficialsManage),
            admin::official_update,
        )
        .at(
            M::POST,
            "/admin/officials/{id}/roles",
            Staff(P::RolesAssign),
            admin::role_assign,
        )
        .at(
            M::POST,
            "/admin/roles/{id}/revoke",
            Staff(P::RolesAssign),
            admin::role_revoke,
        )
        // System clients (hệ thống kết nối) and their bearer tokens: granting a system
        // permissions is like granting a role, so it needs RolesAssign (over the client's unit,
        // checked in the use case).
        .at(
            M::GET,
            "/admin/clients",
            Staff(P::RolesAssign),
            pages::clients::list,
        )
        .at(
            M::POST,
            "/admin/clients",
            Staff(P::RolesAssign),
            pages::clients::create,
        )
        .at(
            M::GET,
            "/admin/clients/{id}",
            Staff(P::RolesAssign),
            pages::clients::show,
        )
        .at(
            M::POST,
            "/admin/clients/{id}",
            Staff(P::RolesAssign),
            pages::clients::update,
        )
        .at(
            M::POST,
            "/admin/clients/{id}/tokens",
            Staff(P::RolesAssign),
            pages::clients::issue_token,
        )
        .at(
            M::POST,
            "/admin/clients/{id}/tokens/{token_id}/revoke",
            Staff(P::RolesAssign),
            pages::clients::revoke_token,
        )
        .at(
            M::POST,
            "/admin/clients/{id}/webhook",
            Staff(P::RolesAssign),
            pages::clients::set_webhook,
        )
        .at(
            M::POST,
            "/admin/clients/{id}/webhook/remove",
            Staff(P::RolesAssign),
            pages::clients::remove_webhook,
        )
        .at(M::GET, "/admin/audit", Staff(P::AuditView), admin::audit)
        .at(M::GET, "/admin/outbox", Staff(P::AuditView), admin::outbox)
        // Đồng bộ Cổng DVCQG (issue 19): reading needs the audit view; sending again changes
        // what leaves the city, so it needs OrgManage at the dossier's unit (the use case).
        .at(
            M::GET,
            "/admin/national-sync",
            Staff(P::AuditView),
            pages::national_sync::overview,
        )
        .at(
            M::GET,
            "/admin/national-sync/behind.csv",
            Staff(P::AuditView),
            pages::national_sync::behind_csv,
        )
        .at(
            M::POST,
            "/admin/national-sync/{id}/resend",
            Staff(P::OrgManage),
            pages::national_sync::resend,
        )
        .at(
            M::POST,
            "/admin/national-sync/resend-behind",
            Staff(P::OrgManage),
            pages::national_sync::resend_behind,
        )
        // Notifications (issue 15): the delivery log and its actions, templates, tests.
        // Retry, cancel, template changes and tests change what citizens receive: OrgManage
        // (at the message's unit, or the whole tree for templates, checked in the use case).
        .at(
            M::GET,
            "/admin/notifications",
            Staff(P::AuditView),
            pages::notifications::log,
        )
        .at(
            M::POST,
            "/admin/notifications/{id}/retry",
            Staff(P::OrgManage),
            pages::notifications::retry,
        )
        .at(
            M::POST,
            "/admin/notifications/{id}/cancel",
            Staff(P::OrgManage),
            pages::notifications::cancel,
        )
        .at(
            M::POST,
            "/admin/notifications/test",
            Staff(P::OrgManage),
            pages::notifications::send_test,
        )
        // The first authorisation of the Zalo OA: administrators of the whole tree (checked in
        // the use case); the callback is Zalo sending the same administrator back.
        .at(
            M::GET,
            "/admin/notifications/zalo/connect",
            Staff(P::OrgManage),
            pages::notifications::zalo_connect,
        )
        .at(
            M::GET,
            "/admin/notifications/zalo/callback",
            Staff(P::OrgManage),
            pages::notifications::zalo_callback,
        )
        .at(
            M::GET,
            "/admin/notifications/templates",
            Staff(P::AuditView),
            pages::notifications::templates,
        )
        .at(
            M::POST,
            "/admin/notifications/templates",
            Staff(P::OrgManage),
            pages::notifications::save_template,
        )
        .at(
            M::GET,
            "/my/notifications",
            Citizen,
            pages::notifications::mine,
        )
        .at(
            M::POST,
            "/my/notifications",
            Citizen,
            pages::notifications::save,
        )
        .at(
            M::GET,
            "/api/v1/me/notifications",
            Citizen,
            api::notifications::preferences,
        )
        .at(
            M::PUT,
            "/api/v1/me/notifications",
            Citizen,
            api::notifications::set_preferences,
        )
        .at(
            M::GET,
            "/api/v1/deliveries",
            Staff(P::AuditView),
            api::notifications::deliveries,
        )
        .at(
            M::POST,
            "/api/v1/deliveries/{id}/retry",
            Staff(P::OrgManage),
            api::notifications::retry,
        )
        .at(
            M::POST,
            "/api/v1/deliveries/{id}/cancel",
            Staff(P::OrgManage),
            api::notifications::cancel,
        )
        // Zalo's webhook: public, the signature over the raw body decides.
        .at(
            M::POST,
            "/api/v1/zalo/webhook",
            Public,
            api::notifications::zalo_webhook,
        )
        .at(
            M::GET,
            "/admin/transfer",
            Staff(P::OrgManage),
            admin::transfer,
        )
        .at(
            M::GET,
            "/admin/export/{file}",
            Staff(P::OrgRead),
            admin::export,
        )
        .at(
            M::POST,
            "/admin/import/{what}",
            Staff(P::OrgManage),
            admin::import,
        )
        // JSON API.
        .at(M::GET, "/api/openapi.json", Public, openapi::json)
        .at(M::GET, "/api/docs", Public, openapi::viewer)
        .at(M::GET, "/api/v1/me", Official, api::directory::me)
        .at(
            M::POST,
            "/api/v1/tokens",
            Official,
            api::directory::issue_token,
        )
        .at(
            M::GET,
            "/api/v1/tokens",
            Official,
            api::directory::list_tokens,
        )
        .at(
            M::DELETE,
            "/api/v1/tokens/{id}",
            Official,
            api::directory::revoke_token,
        )
        // Identity proof at the counter (the desk has seen the citizen's ID card).
        .at(
            M::POST,
            "/api/v1/citizens/id-proof",
            Staff(P::DossierReceive),
            api::directory::prove_citizen_id,
        )
        .at(
            M::GET,
            "/api/v1/units",
            Staff(P::OrgRead),
            api::directory::list_units,
        )
        .at(
            M::POST,
            "/api/v1/units",
            Staff(P::OrgManage),
            api::directory::create_unit,
        )
        .at(
            M::GET,
            "/api/v1/units/{id}",
            Staff(P::OrgRead),
            api::directory::get_unit,
        )
        .at(
            M::PUT,
            "/api/v1/units/{id}",
            Staff(P::OrgManage),
            api::directory::update_unit,
        )
        .at(
            M::DELETE,
            "/api/v1/units/{id}",
            Staff(P::OrgManage),
            api::directory::delete_unit,
        )
        .at(
            M::GET,
            "/api/v1/positions",
            Staff(P::OrgRead),
            api::directory::positions,
        )
        .at(
            M::GET,
            "/api/v1/officials",
            Staff(P::OrgRead),
            api::directory::list_officials,
        )
        .at(
            M::POST,
            "/api/v1/officials",
            Staff(P::OfficialsManage),
            api::directory::create_official,
        )
        .at(
            M::GET,
            "/api/v1/officials/{id}",
            Staff(P::OrgRead),
            api::directory::get_official,
        )
        .at(
            M::PUT,
            "/api/v1/officials/{id}",
            Staff(P::OfficialsManage),
            api::directory::update_official,
        )
        .at(
            M::POST,
            "/api/v1/officials/{id}/roles",
            Staff(P::RolesAssign),
            api::directory::assign_role,
        )
        .at(
            M::DELETE,
            "/api/v1/roles/{id}",
            Staff(P::RolesAssign),
            api::directory::revoke_role,
        )
        .at(
            M::GET,
            "/api/v1/clients",
            Staff(P::RolesAssign),
            api::clients::list,
        )
        .at(
            M::POST,
            "/api/v1/clients",
            Staff(P::RolesAssign),
            api::clients::create,
        )
        .at(
            M::GET,
            "/api/v1/clients/{id}",
            Staff(P::RolesAssign),
            api::clients::get,
        )
        .at(
            M::PUT,
            "/api/v1/clients/{id}",
            Staff(P::RolesAssign),
            api::clients::update,
        )
        .at(
            M::PUT,
            "/api/v1/clients/{id}/webhook",
            Staff(P::RolesAssign),
            api::clients::set_webhook,
        )
        .at(
            M::DELETE,
            "/api/v1/clients/{id}/webhook",
            Staff(P::RolesAssign),
            api::clients::remove_webhook,
        )
        .at(
            M::POST,
            "/api/v1/clients/{id}/tokens",
            Staff(P::RolesAssign),
            api::clients::issue_token,
        )
        .at(
            M::DELETE,
            "/api/v1/clients/{id}/tokens/{token_id}",
            Staff(P::RolesAssign),
            api::clients::revoke_token,
        )
        .at(
            M::GET,
            "/api/v1/audit",
            Staff(P::AuditView),
            api::directory::audit,
        )
        .at(
            M::GET,
            "/api/v1/export/{what}",
            Staff(P::OrgRead),
            api::directory::export,
        )
        .at(
            M::POST,
            "/api/v1/import/{what}",
            Staff(P::OrgManage),
            api::directory::import,
        )
        // Official documents (issue 16): the register, directions, drafting and issuing.
        .at(
            M::POST,
            "/api/v1/documents/incoming",
            Staff(P::DocumentsManage),
            api::documents::register,
        )
        .at(
            M::POST,
            "/api/v1/documents/outgoing",
            Staff(P::DocumentsWork),
            api::documents::draft,
        )
        .at(
            M::GET,
            "/api/v1/documents",
            Official,
            api::documents::search,
        )
        .at(
            M::GET,
            "/api/v1/documents/register.xlsx",
            Staff(P::DocumentsManage),
            api::documents::register_xlsx,
        )
        .at(
            M::GET,
            "/api/v1/documents/register.pdf",
            Staff(P::DocumentsManage),
            api::documents::register_pdf,
        )
        .at(
            M::GET,
            "/api/v1/documents/overdue",
            Official,
            api::documents::overdue,
        )
        .at(
            M::GET,
            "/api/v1/documents/due-soon",
            Official,
            api::documents::due_soon,
        )
        .at(
            M::GET,
            "/api/v1/documents/{id}",
            Official,
            api::documents::get,
        )
        .at(
            M::GET,
            "/api/v1/documents/{id}/timeline",
            Official,
            api::documents::timeline,
        )
        .at(
            M::POST,
            "/api/v1/documents/{id}/actions",
            Official,
            api::documents::act,
        )
        .at(
            M::POST,
            "/api/v1/documents/{id}/issue",
            Staff(P::DocumentsManage),
            api::documents::issue,
        )
        .at(
            M::PUT,
            "/api/v1/documents/{id}/draft",
            Staff(P::DocumentsWork),
            api::documents::edit_draft,
        )
        .at(
            M::GET,
            "/api/v1/documents/{id}/pdf",
            Official,
            api::documents::pdf,
        )
        // One-stop dossiers (issue 5).
        // Digital signatures (issue 16): anyone checks a signed PDF.
        .at(M::GET, "/kiem-tra-chu-ky", Public, pages::signatures::form)
        .at(
            M::POST,
            "/kiem-tra-chu-ky",
            Public,
            pages::signatures::check,
        )
        .at(
            M::POST,
            "/api/v1/signatures/verify",
            Public,
            api::signatures::verify,
        )
        // Công khai (issue 19): aggregate figures only, for everyone.
        .at(M::GET, "/minh-bach", Public, pages::reports::transparency)
        // Báo cáo (issue 19): the jurisdiction is checked by the use case; the dossiers
        // behind a number also need the dossier view there.
        .at(
            M::GET,
            "/staff/reports",
            Staff(P::ReportsView),
            pages::reports::dashboard,
        )
        .at(
            M::GET,
            "/staff/reports/export",
            Staff(P::ReportsView),
            pages::reports::export,
        )
        .at(
            M::GET,
            "/staff/reports/report.pdf",
            Staff(P::ReportsView),
            pages::reports::report_pdf,
        )
        .at(
            M::GET,
            "/staff/reports/dossiers",
            Staff(P::ReportsView),
            pages::reports::dossiers,
        )
        .at(M::GET, "/tra-cuu", Public, pages::lookup::form)
        .at(M::GET, "/tra-cuu/{code}", Public, pages::lookup::by_code)
        .at(M::POST, "/api/v1/dossiers", Citizen, api::dossiers::submit)
        .at(
            M::GET,
            "/api/v1/dossiers",
            Staff(P::DossierView),
            api::dossiers::queue,
        )
        .at(M::GET, "/api/v1/my/dossiers", Citizen, api::dossiers::mine)
        .at(
            M::POST,
            "/api/v1/my/drafts",
            Citizen,
            api::dossiers::save_draft,
        )
        .at(
            M::PUT,
            "/api/v1/my/drafts/{id}",
            Citizen,
            api::dossiers::update_draft,
        )
        .at(
            M::DELETE,
            "/api/v1/my/drafts/{id}",
            Citizen,
            api::dossiers::discard_draft,
        )
        .at(
            M::POST,
            "/api/v1/my/drafts/{id}/submit",
            Citizen,
            api::dossiers::submit_draft,
        )
        .at(
            M::POST,
            "/api/v1/dossiers/{id}/receive",
            Staff(P::DossierReceive),
            api::dossiers::receive,
        )
        .at(
            M::POST,
            "/api/v1/dossiers/{id}/actions",
            Official,
            api::dossiers::act,
        )
        .at(
            M::POST,
            "/api/v1/my/dossiers/{id}/actions",
            Citizen,
            api::dossiers::citizen_act,
        )
        .at(
            M::GET,
            "/api/v1/lookup/{code}",
            Public,
            api::dossiers::lookup,
        )
        .at(
            M::POST,
            "/api/v1/dossiers/counter",
            Staff(P::DossierReceive),
            api::dossiers::counter,
        )
        // The applicant or officials over the dossier's agency; checked in the handler.
        .at(M::GET, "/api/v1/dossiers/{id}", Public, api::dossiers::get)
        // Dossier pages: the citizen's online form and dossiers, the back office.
        .at(
            M::GET,
            "/dossiers/new/{code}",
            Citizen,
            pages::dossiers::new_form,
        )
        .at(
            M::POST,
            "/dossiers/new/{code}",
            Citizen,
            pages::dossiers::submit,
        )
        .at(M::GET, "/my/dossiers", Citizen, pages::dossiers::mine)
        .at(
            M::GET,
            "/my/dossiers/{id}",
            Citizen,
            pages::dossiers::my_detail,
        )
        .at(
            M::POST,
            "/my/dossiers/{id}/actions",
            Citizen,
            pages::dossiers::my_act,
        )
        // The applicant's satisfaction rating of a finished dossier (the use case checks
        // ownership and status).
        .at(
            M::GET,
            "/my/dossiers/{id}/rating",
            Citizen,
            pages::ratings::show,
        )
        .at(
            M::POST,
            "/my/dossiers/{id}/rating",
            Citizen,
            pages::ratings::rate,
        )
        // The papers asked for in a supplement request, with "đã bổ sung" (multipart).
        .at(
            M::POST,
            "/my/dossiers/{id}/supplement",
            Citizen,
            pages::dossiers::my_supplement,
        )
        // Files of one's own dossier; result files once issued (checked in the use case).
        .at(
            M::GET,
            "/my/dossiers/{id}/files/{attachment_id}",
            Citizen,
            api::attachments::download,
        )
        .at(
            M::GET,
            "/staff/dossiers",
            Staff(P::DossierView),
            pages::dossiers::queue,
        )
        // Files of a dossier the official may view (jurisdiction checked in the use case).
        .at(
            M::GET,
            "/staff/dossiers/{id}/files/{attachment_id}",
            Staff(P::DossierView),
            api::attachments::download,
        )
        // The result document, by the official who may resolve (checked in the use case).
        .at(
            M::POST,
            "/staff/dossiers/{id}/result",
            Staff(P::DossierView),
            pages::dossiers::staff_result,
        )
        .at(
            M::GET,
            "/staff/dossiers/{id}",
            Staff(P::DossierView),
            pages::dossiers::staff_detail,
        )
        .at(
            M::POST,
            "/staff/dossiers/{id}/actions",
            Staff(P::DossierView),
            pages::dossiers::staff_act,
        )
        // Payments of fees and charges (issue 14).
        .at(
            M::GET,
            "/my/dossiers/{id}/payment",
            Citizen,
            pages::payments::mine,
        )
        .at(
            M::POST,
            "/my/dossiers/{id}/payment",
            Citizen,
            pages::payments::start,
        )
        .at(
            M::GET,
            "/thanh-toan/ket-qua/{gateway}",
            Citizen,
            pages::payments::returned,
        )
        .at(
            M::GET,
            "/payments/{id}/receipt.pdf",
            Access::SignedIn,
            pages::payments::receipt_pdf,
        )
        .at(
            M::GET,
            "/bien-lai/{reference}",
            Public,
            pages::payments::verify,
        )
        .at(
            M::GET,
            "/staff/dossiers/{id}/payments",
            Staff(P::DossierView),
            pages::payments::staff,
        )
        .at(
            M::POST,
            "/staff/dossiers/{id}/payments/counter",
            Staff(P::DossierReceive),
            pages::payments::counter,
        )
        .at(
            M::POST,
            "/payments/{id}/cancel",
            Access::SignedIn,
            pages::payments::cancel,
        )
        .at(
            M::POST,
            "/staff/payments/{id}/refund",
            Staff(P::DossierApprove),
            pages::payments::refund,
        )
        .at(
            M::GET,
            "/staff/payments/reconciliation",
            Staff(P::ReportsView),
            pages::payments::reconciliation,
        )
        .at(
            M::GET,
            "/api/v1/dossiers/{id}/payments",
            Access::SignedIn,
            api::payments::of_dossier,
        )
        .at(
            M::POST,
            "/api/v1/dossiers/{id}/payments",
            Citizen,
            api::payments::start,
        )
        .at(
            M::POST,
            "/api/v1/dossiers/{id}/payments/exemption",
            Citizen,
            api::payments::declare_exemption,
        )
        .at(
            M::POST,
            "/api/v1/dossiers/{id}/payments/exemption/decision",
            Staff(P::DossierReceive),
            api::payments::decide_exemption,
        )
        .at(
            M::POST,
            "/my/dossiers/{id}/payment/exemption",
            Citizen,
            pages::payments::declare_exemption,
        )
        .at(
            M::POST,
            "/staff/dossiers/{id}/payments/exemption",
            Staff(P::DossierReceive),
            pages::payments::decide_exemption,
        )
        .at(
            M::POST,
            "/api/v1/dossiers/{id}/payments/counter",
            Staff(P::DossierReceive),
            api::payments::counter,
        )
        .at(
            M::GET,
            "/api/v1/payments/reconciliation",
            Staff(P::ReportsView),
            api::payments::reconciliation,
        )
        .at(
            M::GET,
            "/api/v1/payments/reconciliation.csv",
            Staff(P::ReportsView),
            api::payments::reconciliation_csv_file,
        )
        .at(
            M::GET,
            "/api/v1/payments/reconciliation.xlsx",
            Staff(P::ReportsView),
            api::payments::reconciliation_xlsx_file,
        )
        .at(
            M::GET,
            "/api/v1/payments/{id}",
            Access::SignedIn,
            api::payments::get,
        )
        .at(
            M::POST,
            "/api/v1/payments/{id}/cancel",
            Access::SignedIn,
            api::payments::cancel,
        )
        .at(
            M::POST,
            "/api/v1/payments/{id}/refund",
            Staff(P::DossierApprove),
            api::payments::refund,
        )
        // Gateways' server-to-server confirmations: public, verified by signature.
        .at(
            M::GET,
            "/api/v1/payments/gateways/{gateway}/confirm",
            Public,
            api::payments::confirmation_get,
        )
        .at(
            M::POST,
            "/api/v1/payments/gateways/{gateway}/confirm",
            Public,
            api::payments::confirmation_post,
        )
        // The postal operator's tracking callbacks: public, verified by signature.
        .at(
            M::POST,
            "/api/v1/postal/tracking",
            Public,
            api::postal::tracking,
        )
        .at(
            M::GET,
            "/staff/tracking-book",
            Staff(P::DossierView),
            pages::tracking::show,
        )
        // Official documents (issue 16), the officials' pages: any official reaches the
        // registers and a document, where the use case answers by documents rights and
        // jurisdiction (403 without them); registering and drafting need the right itself.
        .at(
            M::GET,
            "/staff/documents",
            Official,
            pages::documents::registers,
        )
        .at(
            M::GET,
            "/staff/documents/incoming/new",
            Staff(P::DocumentsManage),
            pages::documents::incoming_form,
        )
        .at(
            M::POST,
            "/staff/documents/incoming/new",
            Staff(P::DocumentsManage),
            pages::documents::register_incoming,
        )
        .at(
            M::GET,
            "/staff/documents/outgoing/new",
            Staff(P::DocumentsWork),
            pages::documents::outgoing_form,
        )
        .at(
            M::POST,
            "/staff/documents/outgoing/new",
            Staff(P::DocumentsWork),
            pages::documents::draft_outgoing,
        )
        .at(
            M::GET,
            "/staff/documents/{id}",
            Official,
            pages::documents::detail,
        )
        .at(
            M::POST,
            "/staff/documents/{id}/actions",
            Official,
            pages::documents::act,
        )
        .at(
            M::GET,
            "/staff/counter",
            Staff(P::DossierReceive),
            pages::dossiers::counter,
        )
        .at(
            M::GET,
            "/staff/counter/{code}",
            Staff(P::DossierReceive),
            pages::dossiers::counter_form,
        )
        .at(
            M::POST,
            "/staff/counter/{code}",
            Staff(P::DossierReceive),
            pages::dossiers::counter_register,
        )
        // The ID card check at the counter, as `POST /api/v1/citizens/id-proof`.
        .at(
            M::POST,
            "/staff/citizens/id-proof",
            Staff(P::DossierReceive),
            pages::dossiers::counter_id_proof,
        )
        // The applicant or officials over the dossier's agency; checked in the handler.
        .at(
            M::GET,
            "/api/v1/dossiers/{id}/forms/{form}",
            Public,
            api::forms::form_pdf,
        )
        // Mẫu 07 and satisfaction ratings (issue 6). The rating of a dossier is read by its
        // applicant or officials over its agency (checked in the use case); only the applicant
        // rates; the tracking book needs dossier view, the rating averages report view, both at
        // the agency's place in the tree (checked in the use case).
        .at(
            M::GET,
            "/api/v1/agencies/{code}/tracking-book",
            Staff(P::DossierView),
            api::forms::tracking_book,
        )
        .at(
            M::GET,
            "/api/v1/agencies/{code}/tracking-book.pdf",
            Staff(P::DossierView),
            api::forms::tracking_book_pdf,
        )
        .at(
            M::GET,
            "/api/v1/dossiers/{id}/rating",
            Public,
            api::ratings::get,
        )
        .at(
            M::POST,
            "/api/v1/dossiers/{id}/rating",
            Citizen,
            api::ratings::rate,
        )
        .at(
            M::GET,
            "/api/v1/agencies/{code}/ratings",
            Staff(P::ReportsView),
            api::ratings::agency,
        )
        // Attachments: uploads by citizens and officials, the files of a dossier. Who may see
        // or attach what (owner, jurisdiction, dossier status) is decided in the use cases.
        .at(
            M::POST,
            "/api/v1/attachments",
            Access::SignedIn,
            api::attachments::upload,
        )
        .at(
            M::GET,
            "/api/v1/my/attachments",
            Access::SignedIn,
            api::attachments::mine,
        )
        .at(
            M::POST,
            "/api/v1/dossiers/{id}/attachments",
            Access::SignedIn,
            api::attachments::attach,
        )
        .at(
            M::GET,
            "/api/v1/dossiers/{id}/attachments",
            Access::SignedIn,
            api::attachments::list,
        )
        .at(
            M::GET,
            "/api/v1/dossiers/{id}/attachments/{attachment_id}",
            Access::SignedIn,
            api::attachments::download,
        )
        // Procedure catalogue (issue 3): public portal, administration and API.
        .at(M::GET, "/procedures", Public, catalogue::search)
        .at(M::GET, "/procedures/{code}", Public, catalogue::detail)
        .at(
            M::GET,
            "/admin/procedures",
            Staff(P::CatalogueManage),
            catalogue_admin::list,
        )
        .at(
            M::GET,
            "/admin/procedures/new",
            Staff(P::CatalogueManage),
            catalogue_admin::new_form,
        )
        .at(
            M::POST,
            "/admin/procedures",
            Staff(P::CatalogueManage),
            catalogue_admin::create,
        )
        .at(
            M::GET,
            "/admin/procedures/export.json",
            Staff(P::CatalogueManage),
            catalogue_admin::export,
        )
        .at(
            M::POST,
            "/admin/procedures/import",
            Staff(P::CatalogueManage),
            catalogue_admin::import,
        )
        .at(
            M::GET,
            "/admin/procedures/{code}",
            Staff(P::CatalogueManage),
            catalogue_admin::history,
        )
        .at(
            M::POST,
            "/admin/procedures/{code}/draft",
            Staff(P::CatalogueManage),
            catalogue_admin::new_version,
        )
        .at(
            M::GET,
            "/admin/procedures/{code}/versions/{version}",
            Staff(P::CatalogueManage),
            catalogue_admin::edit_form,
        )
        .at(
            M::POST,
            "/admin/procedures/{code}/versions/{version}",
            Staff(P::CatalogueManage),
            catalogue_admin::update,
        )
        .at(
            M::POST,
            "/admin/procedures/{code}/versions/{version}/publish",
            Staff(P::CatalogueManage),
            catalogue_admin::publish,
        )
        // Search synonyms (issue 21): kept by catalogue managers.
        .at(
            M::GET,
            "/admin/search-synonyms",
            Staff(P::CatalogueManage),
            pages::search_synonyms::list,
        )
        .at(
            M::POST,
            "/admin/search-synonyms",
            Staff(P::CatalogueManage),
            pages::search_synonyms::create,
        )
        .at(
            M::POST,
            "/admin/search-synonyms/{id}/delete",
            Staff(P::CatalogueManage),
            pages::search_synonyms::remove,
        )
        .at(
            M::GET,
            "/api/v1/search-synonyms",
            Staff(P::CatalogueManage),
            api::catalogue::synonyms,
        )
        .at(
            M::POST,
            "/api/v1/search-synonyms",
            Staff(P::CatalogueManage),
            api::catalogue::add_synonym,
        )
        .at(
            M::DELETE,
            "/api/v1/search-synonyms/{id}",
            Staff(P::CatalogueManage),
            api::catalogue::remove_synonym,
        )
        // Workflows as data (quy trình): the editor pages and the JSON API.
        .at(
            M::GET,
            "/admin/workflows",
            Staff(P::CatalogueManage),
            pages::workflows::list,
        )
        .at(
            M::GET,
            "/admin/workflows/{code}",
            Staff(P::CatalogueManage),
            pages::workflows::show,
        )
        .at(
            M::POST,
            "/admin/workflows/{code}",
            Staff(P::CatalogueManage),
            pages::workflows::save,
        )
        .at(
            M::POST,
            "/admin/workflows/{code}/import",
            Staff(P::CatalogueManage),
            pages::workflows::import,
        )
        .at(
            M::GET,
            "/api/v1/workflows/{code}",
            Staff(P::CatalogueManage),
            api::workflows::get,
        )
        .at(
            M::POST,
            "/api/v1/workflows",
            Staff(P::CatalogueManage),
            api::workflows::import,
        )
        .at(M::GET, "/api/v1/procedures", Public, api::catalogue::search)
        .at(
            M::POST,
            "/api/v1/procedures",
            Staff(P::CatalogueManage),
            api::catalogue::create_draft,
        )
        .at(
            M::GET,
            "/api/v1/procedures/export",
            Staff(P::CatalogueManage),
            api::catalogue::export,
        )
        .at(
            M::POST,
            "/api/v1/procedures/import",
            Staff(P::CatalogueManage),
            api::catalogue::import,
        )
        .at(
            M::GET,
            "/api/v1/procedures/{code}",
            Public,
            api::catalogue::get,
        )
        .at(
            M::POST,
            "/api/v1/procedures/{code}/versions/{version}/publish",
            Staff(P::CatalogueManage),
            api::catalogue::publish,
        )
        .at(
            M::POST,
            "/api/v1/procedures/{code}/form/validate",
            Public,
            api::catalogue::validate_form,
        )
        .at(M::GET, "/api/v1/sectors", Public, api::catalogue::sectors)
        // Working-day calendar (issue 4): reading is public information, changes need
        // CalendarManage (office hours additionally at the agency's place in the tree).
        .at(
            M::GET,
            "/admin/calendar",
            Staff(P::CalendarManage),
            calendar::show,
        )
        .at(
            M::POST,
            "/admin/calendar/overrides",
            Staff(P::CalendarManage),
            calendar::save,
        )
        .at(
            M::POST,
            "/admin/calendar/overrides/{date}/delete",
            Staff(P::CalendarManage),
            calendar::delete,
        )
        .at(
            M::POST,
            "/admin/calendar/import",
            Staff(P::CalendarManage),
            calendar::import,
        )
        .at(
            M::POST,
            "/admin/calendar/office-hours",
            Staff(P::CalendarManage),
            calendar::save_hours,
        )
        .at(
            M::POST,
            "/admin/calendar/office-hours/{id}/reset",
            Staff(P::CalendarManage),
            calendar::reset_hours,
        )
        .at(M::GET, "/api/v1/calendar/due", Public, api::calendar::due)
        .at(
            M::GET,
            "/api/v1/calendar/holidays",
            Public,
            api::calendar::holidays,
        )
        .at(
            M::GET,
            "/api/v1/calendar/overrides",
            Public,
            api::calendar::year,
        )
        .at(
            M::GET,
            "/api/v1/calendar/lunar/{date}",
            Public,
            api::calendar::lunar,
        )
        .at(
            M::PUT,
            "/api/v1/calendar/overrides/{date}",
            Staff(P::CalendarManage),
            api::calendar::set_override,
        )
        .at(
            M::DELETE,
            "/api/v1/calendar/overrides/{date}",
            Staff(P::CalendarManage),
            api::calendar::delete_override,
        )
        .at(
            M::POST,
            "/api/v1/calendar/import",
            Staff(P::CalendarManage),
            api::calendar::import,
        )
        .at(
            M::GET,
            "/api/v1/calendar/office-hours/{unit_id}",
            Public,
            api::calendar::get_office_hours,
        )
        .at(
            M::PUT,
            "/api/v1/calendar/office-hours/{unit_id}",
            Staff(P::CalendarManage),
            api::calendar::set_office_hours,
        )
        .at(
            M::DELETE,
            "/api/v1/calendar/office-hours/{unit_id}",
            Staff(P::CalendarManage),
            api::calendar::reset_office_hours,
        )
        // Operations.
        .at(M::GET, "/healthz", Public, ops::healthz)
        .at(M::GET, "/readyz", Public, ops::readyz)
        .at(M::GET, "/metrics", Public, ops::metrics);
    let Routes { router, specs } = routes;
    let body_limit = state.config.body_limit;
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::context::middleware,
        ))
        .layer(middleware::map_response(crate::security::headers))
        .layer(middleware::from_fn(ops::track))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state);
    (router, specs)
}

async fn not_found(ctx: Ctx) -> Response {
    WebError::coded(StatusCode::NOT_FOUND, "error-not-found")
        .with(ctx.lang, ctx.api)
        .into_response()
}

async fn method_not_allowed(ctx: Ctx) -> Response {
    WebError::coded(StatusCode::METHOD_NOT_ALLOWED, "error-method")
        .with(ctx.lang, ctx.api)
        .into_response()
}

/// The router alone.
pub fn build(state: AppState) -> Router {
    assemble(state).0
}
