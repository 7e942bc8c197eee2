//! What every page shares: the layout context ([`Page`]), form state with per-field errors,
//! and the generic error page.

use crate::context::Ctx;
use crate::i18n::{self, Lang};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use motcua_app::{AppError, InvalidField};
use motcua_domain::authz::{Access, Decision, Permission, Principal};
use std::collections::HashMap;

/// Layout context for the base template.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub title: String,
    pub csrf: String,
    pub demo: bool,
    pub principal: Principal,
    pub flash: Option<String>,
    pub path: String,
    pub can_read_org: bool,
    pub can_manage_org: bool,
    pub can_manage_officials: bool,
    pub can_assign_roles: bool,
    pub can_audit: bool,
    /// Báo cáo: the dashboard and the 766 index.
    pub can_see_reports: bool,
    // Procedure catalogue (issue 3).
    pub can_manage_catalogue: bool,
    /// Lịch nghỉ lễ: edit the yearly notices and office hours.
    pub can_manage_calendar: bool,
    /// Hồ sơ: the back-office work queues.
    pub can_work_dossiers: bool,
    /// Văn bản đến/đi: the registers (clerks, and those who draft, direct or handle).
    pub can_work_documents: bool,
}

impl Page {
    pub fn new(ctx: &Ctx, title_key: &str) -> Page {
        let allowed = |p: Permission| {
            ctx.principal.check(Access::Staff(p)) == Decision::Allow
                && ctx.principal != Principal::System
        };
        Page {
            lang: ctx.lang,
            title: i18n::t(ctx.lang, title_key),
            csrf: ctx.csrf.clone(),
            demo: ctx.demo,
            principal: ctx.principal.clone(),
            flash: None,
            path: ctx.path.clone(),
            can_read_org: allowed(Permission::OrgRead),
            can_manage_org: allowed(Permission::OrgManage),
            can_manage_officials: allowed(Permission::OfficialsManage),
            can_assign_roles: allowed(Permission::RolesAssign),
            can_audit: allowed(Permission::AuditView),
            can_see_reports: allowed(Permission::ReportsView),
            // Procedure catalogue (issue 3).
            can_manage_catalogue: allowed(Permission::CatalogueManage),
            can_manage_calendar: allowed(Permission::CalendarManage),
            can_work_dossiers: allowed(Permission::DossierView),
            can_work_documents: allowed(Permission::DocumentsManage)
                || allowed(Permission::DocumentsWork),
        }
    }

    /// A page for contexts without a request (the error page of a failed middleware).
    pub fn bare(lang: Lang, title: String) -> Page {
        Page {
            lang,
            title,
            csrf: String::new(),
            demo: false,
            principal: Principal::Anonymous,
            flash: None,
            path: "/".into(),
            can_read_org: false,
            can_manage_org: false,
            can_manage_officials: false,
            can_assign_roles: false,
            can_audit: false,
            can_see_reports: false,
            can_manage_catalogue: false,
            can_manage_calendar: false,
            can_work_dossiers: false,
            can_work_documents: false,
        }
    }

    pub fn with_flash(mut self, flash: Option<String>) -> Page {
        self.flash = flash;
        self
    }

    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn other_lang_code(&self) -> &'static str {
        self.lang.other().code()
    }

    pub fn is_official(&self) -> bool {
        matches!(self.principal, Principal::Official { .. })
    }

    pub fn is_citizen(&self) -> bool {
        matches!(self.principal, Principal::Citizen { .. })
    }

    pub fn signed_in(&self) -> bool {
        self.is_official() || self.is_citizen()
    }

    pub fn demo_banner(&self) -> String {
        i18n::tf(
            self.lang,
            "demo-banner",
            &[("password", motcua_app::demo::DEMO_PASSWORD)],
        )
    }
}

/// Submitted values and their problems, for re-rendering a form.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: HashMap<String, String>,
    pub general: Option<String>,
}

impl FormState {
    pub fn from_values<I: IntoIterator<Item = (String, String)>>(values: I) -> Self {
        FormState {
            values: values
                .into_iter()
                .filter(|(k, _)| k != "password" && k != "_csrf")
                .collect(),
            ..Default::default()
        }
    }

    pub fn value(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_default()
    }

    pub fn has_error(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }

    pub fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }

    /// Records an application error: field problems next to their fields, others on top.
    pub fn fail(mut self, lang: Lang, error: &AppError) -> Self {
        match error {
            AppError::Invalid(fields) => {
                for InvalidField { field, code } in fields {
                    self.errors.insert(field.clone(), i18n::t(lang, code));
                }
                self.general = Some(i18n::t(lang, "error-invalid"));
            }
            other => self.general = Some(i18n::t(lang, other.code())),
        }
        self
    }
}

/// Renders a template into a response, or a plain 500 if the template fails.
pub fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => crate::error::WebError::internal(anyhow::anyhow!("template: {error}"))
            .with(Lang::Vi, false)
            .into_response(),
    }
}

/// Renders a template with a status code.
pub fn render_status<T: Template>(status: axum::http::StatusCode, template: &T) -> Response {
    let mut response = render(template);
    *response.status_mut() = status;
    response
}

/// The status code that goes with a form error.
pub fn status_of(error: &AppError) -> axum::http::StatusCode {
    crate::error::app_status(error)
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub page: Page,
    pub message: String,
    pub fields: Vec<String>,
}

impl ErrorPage {
    pub fn new(lang: Lang, status: u16, message: String, fields: Vec<String>) -> Self {
        ErrorPage {
            page: Page::bare(lang, format!("{} {status}", i18n::t(lang, "error-title"))),
            message,
            fields,
        }
    }
}
