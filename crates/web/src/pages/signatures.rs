//! Kiểm tra chữ ký số (`/kiem-tra-chu-ky`): anyone uploads a signed PDF — a result they
//! received, a document from another agency — and reads who signed it, when, whether the file
//! changed after signing and whether the signer is trusted. No JavaScript: a multipart form
//! with the CSRF token in the address; nothing uploaded is kept.

use crate::AppState;
use crate::context::Ctx;
use crate::error::WebResult;
use crate::extract::{MultipartForm, MultipartLimits, megabytes};
use crate::i18n;
use crate::pages::layout::{FormState, Page, render, render_status, status_of};
use askama::Template;
use axum::extract::{Request, State};
use axum::response::Response;
use motcua_app::AppError;
use motcua_app::signatures::{SignatureView, Verdict};

/// One signature as the page shows it.
pub struct SignatureRow {
    /// `valid`, `valid-later-changes`, `untrusted`, `broken` (the CSS class and test hook).
    pub class: &'static str,
    pub verdict: String,
    pub signer: String,
    pub issuer: String,
    pub serial: String,
    pub signed_at: String,
    pub timestamped: bool,
    pub intact: String,
    pub coverage: String,
    pub chain: String,
    /// Empty when the file carries no CRL for the signer (B-LT gives one).
    pub revocation: String,
    pub reason: String,
    pub location: String,
}

fn row(lang: i18n::Lang, view: &SignatureView) -> SignatureRow {
    let yes_no = |ok: bool, yes: &str, no: &str| i18n::t(lang, if ok { yes } else { no });
    SignatureRow {
        class: match view.verdict {
            Verdict::Valid => "valid",
            Verdict::ValidWithLaterChanges => "valid-later-changes",
            Verdict::Untrusted => "untrusted",
            Verdict::Broken => "broken",
        },
        verdict: i18n::t(lang, view.verdict.key()),
        signer: view.signer.clone().unwrap_or_else(|| "—".to_owned()),
        issuer: view.issuer.clone().unwrap_or_default(),
        serial: view.serial.clone().unwrap_or_default(),
        signed_at: view.signed_at.map(i18n::format_time).unwrap_or_default(),
        timestamped: view.timestamped,
        intact: yes_no(view.intact, "signature-intact", "signature-changed"),
        coverage: yes_no(
            view.covers_whole_file,
            "signature-covers-all",
            "signature-covers-part",
        ),
        chain: view.chain.join(" → "),
        revocation: match view.revocation {
            "good" => i18n::t(lang, "signature-revocation-good"),
            "revoked" => i18n::t(lang, "signature-revocation-revoked"),
            _ => String::new(),
        },
        reason: view.reason.clone().unwrap_or_default(),
        location: view.location.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "signatures.html")]
struct VerifyPage {
    page: Page,
    action: String,
    /// "PDF, at most 10 MB; the file is not kept."
    help: String,
    trusted_roots: usize,
    /// The file's name, once one was checked.
    checked: Option<String>,
    rows: Vec<SignatureRow>,
    error: String,
}

fn page(state: &AppState, ctx: &Ctx) -> VerifyPage {
    VerifyPage {
        page: Page::new(ctx, "signature-title"),
        action: format!("/kiem-tra-chu-ky?_csrf={}", ctx.csrf),
        help: i18n::tf(
            ctx.lang,
            "signature-file-help",
            &[("limit", &megabytes(state.app.settings.max_attachment_bytes))],
        ),
        trusted_roots: state.app.trusted_roots(),
        checked: None,
        rows: Vec::new(),
        error: String::new(),
    }
}

pub async fn form(State(state): State<AppState>, ctx: Ctx) -> Response {
    render(&page(&state, &ctx))
}

pub async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    request: Request,
) -> WebResult<Response> {
    let sent = MultipartForm::parse(
        request,
        MultipartLimits::for_api_upload(state.app.settings.max_attachment_bytes),
        &state.app,
    )
    .await?;
    let mut shown = page(&state, &ctx);
    let result = match sent.file("file") {
        Some(file) => match file.content.read_all().await {
            Ok(bytes) => state
                .app
                .verify_signatures(&ctx.actor(), &bytes)
                .map(|views| (file.file_name.clone(), views)),
            Err(error) => Err(AppError::Internal(error.into())),
        },
        None => Err(AppError::invalid("file", "error-file-missing")),
    };
    match result {
        Ok((name, views)) => {
            shown.checked = Some(name);
            shown.rows = views.iter().map(|v| row(ctx.lang, v)).collect();
            Ok(render(&shown))
        }
        Err(error) => {
            let state = FormState::default().fail(ctx.lang, &error);
            shown.error = state
                .errors
                .get("file")
                .cloned()
                .or(state.general)
                .unwrap_or_default();
            Ok(render_status(status_of(&error), &shown))
        }
    }
}
