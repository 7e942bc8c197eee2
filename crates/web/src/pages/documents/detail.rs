//! One document: its Phụ lục VI metadata, where it stands, who did what when (the timeline,
//! with its hash chain checked), and one small form per action the caller may take now. An
//! action the app refuses comes back as its message on this page, nothing changed.

use super::*;
use motcua_app::documents::{DocumentAction, DocumentActionKind, DocumentParties};
use motcua_app::signatures::Verdict;
use motcua_domain::document::{Delivery, Recipient, SignatureKind};

/// One line of the metadata list.
pub struct Fact {
    pub label: String,
    pub value: String,
    /// The element's id (tests and journeys find values by it).
    pub id: &'static str,
}

/// One entry of the timeline as shown.
pub struct Step {
    pub at: String,
    pub action: String,
    pub status: String,
    /// "Name (role)".
    pub who: String,
    /// The note, reason or result typed with the action.
    pub reason: String,
    /// What the event recorded that people need: the leader submitted to, the units and
    /// deadline of a direction, the number, the recipients.
    pub detail: String,
}

#[derive(Template)]
#[template(path = "documents/detail.html")]
struct DetailPage {
    page: Page,
    doc: DocumentView,
    /// "Số: 05/QĐ-UBND" of an issued document; "Số đến: 03" of a registered one.
    number_line: String,
    status: String,
    urgency: String,
    secrecy: String,
    facts: Vec<Fact>,
    timeline: Vec<Step>,
    chain_ok: bool,
    actions: Vec<&'static str>,
    parties: DocumentParties,
    action_url: String,
    /// A refusal or the problems of the last action, in the caller's language.
    error: String,
    /// The form a problem belongs to, so it opens again (a `details` element).
    failed_action: String,
    values: HashMap<String, String>,
    /// The signatures on the signed file (empty while it is not signed electronically).
    signatures: Vec<SignatureLine>,
}

/// One signature on the document's file, as read.
pub struct SignatureLine {
    /// `valid`, `valid-later-changes`, `untrusted`, `broken` (as on the verification page).
    pub class: &'static str,
    pub verdict: String,
    pub signer: String,
    pub at: String,
}

impl DetailPage {
    fn can(&self, kind: &str) -> bool {
        self.actions.contains(&kind)
    }

    fn value(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_default()
    }

    /// The unit chosen in the last direction, or the one typed before a refusal.
    fn lead_chosen(&self, id: &i64) -> bool {
        match self.values.get("lead_unit_id") {
            Some(v) => *v == id.to_string(),
            None => self.doc.lead_unit_id == Some(*id),
        }
    }

    fn co_chosen(&self, id: &i64) -> bool {
        self.values.contains_key(&format!("co_unit.{id}"))
            || (!self.values.contains_key("command") && self.doc.co_unit_ids.contains(id))
    }

    fn assignee_is(&self, id: &i64) -> bool {
        self.doc.assignee_id == Some(*id)
    }

    fn unit_ticked(&self, id: &i64) -> bool {
        self.values.contains_key(&format!("unit.{id}"))
    }

    fn open(&self, kind: &str) -> bool {
        self.failed_action == kind
    }
}

/// Names of units by id, joined ("Phòng A, Phòng B"); unknown ids as "#id".
fn unit_names(parties: &DocumentParties, ids: &[i64]) -> String {
    ids.iter()
        .map(|id| {
            parties
                .unit_names
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("#{id}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn official_name(parties: &DocumentParties, id: i64) -> String {
    parties
        .official_names
        .get(&id)
        .cloned()
        .unwrap_or_else(|| format!("#{id}"))
}

fn facts(lang: Lang, doc: &DocumentView, parties: &DocumentParties) -> Vec<Fact> {
    let t = |key: &str| i18n::t(lang, key);
    let mut facts = Vec::new();
    let mut add = |label: &str, value: String, id: &'static str| {
        if !value.is_empty() {
            facts.push(Fact {
                label: t(label),
                value,
                id,
            });
        }
    };
    let incoming = doc.register == "incoming";
    add("documents-body", parties.body_name.clone(), "document-body");
    add(
        "documents-field-type",
        t(&format!("document-type-{}", doc.doc_type)),
        "document-type",
    );
    if incoming {
        add(
            "documents-arrival-number",
            doc.number.clone().unwrap_or_default(),
            "document-arrival-number",
        );
        add(
            "documents-arrival-date",
            shown_day(doc.arrival_date.as_deref()),
            "document-arrival-date",
        );
        add(
            "documents-field-code-number",
            doc.code_number.clone().unwrap_or_default(),
            "document-code-number",
        );
        add(
            "documents-field-sender",
            doc.sender_organ.clone(),
            "document-sender",
        );
        add(
            "documents-field-issued-date",
            shown_day(doc.issued_date.as_deref()),
            "document-issued-date",
        );
    } else {
        add(
            "documents-field-code-number",
            doc.code_number.clone().unwrap_or_default(),
            "document-code-number",
        );
        add(
            "documents-notation",
            doc.notation.clone().unwrap_or_default(),
            "document-notation",
        );
        add(
            "documents-field-issued-date",
            shown_day(doc.issued_date.as_deref()),
            "document-issued-date",
        );
        add(
            "documents-field-recipients",
            doc.recipient_organ.clone().unwrap_or_default(),
            "document-recipients",
        );
    }
    add(
        "documents-field-due-date",
        shown_day(doc.due_date.as_deref()),
        "document-due-date",
    );
    add(
        "documents-field-page-count",
        doc.page_count.map(|n| n.to_string()).unwrap_or_default(),
        "document-page-count",
    );
    let signer = [doc.signer_name.clone(), doc.signer_position.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    add("documents-signer", signer, "document-signer");
    add(
        "documents-lead-unit",
        doc.lead_unit_id
            .map(|id| unit_names(parties, &[id]))
            .unwrap_or_default(),
        "document-lead-unit",
    );
    add(
        "documents-co-units",
        unit_names(parties, &doc.co_unit_ids),
        "document-co-units",
    );
    add(
        "documents-deadline",
        shown_day(doc.deadline.as_deref()),
        "document-deadline",
    );
    add(
        "documents-assignee",
        doc.assignee_id
            .map(|id| official_name(parties, id))
            .unwrap_or_default(),
        if incoming {
            "document-assignee"
        } else {
            "document-drafter"
        },
    );
    let signatures = doc
        .signatures
        .iter()
        .map(|(kind, id)| {
            format!(
                "{}: {}",
                t(&format!("documents-signature-{kind}")),
                official_name(parties, *id)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    add("documents-signatures", signatures, "document-signatures");
    facts
}

/// The event data people need, as one line.
fn event_detail(
    lang: Lang,
    parties: &DocumentParties,
    data: &std::collections::BTreeMap<String, String>,
) -> String {
    let t = |key: &str, value: &str| i18n::tf(lang, key, &[("value", value)]);
    let ids = |text: &str| -> Vec<i64> {
        text.split(',')
            .filter_map(|id| id.trim().parse().ok())
            .collect()
    };
    let mut parts = Vec::new();
    // Register numbers as the register prints them ("05").
    let number = |n: &String| {
        n.parse::<u32>()
            .map_or_else(|_| n.clone(), motcua_domain::document::format_number)
    };
    if let Some(n) = data.get("arrival_number") {
        parts.push(t("documents-data-arrival", &number(n)));
    }
    if let Some(id) = data.get("leader").and_then(|id| id.parse().ok()) {
        parts.push(t("documents-data-leader", &official_name(parties, id)));
    }
    if let Some(lead) = data.get("lead_unit") {
        parts.push(t("documents-data-lead", &unit_names(parties, &ids(lead))));
    }
    if let Some(co) = data.get("co_units").filter(|c| !c.is_empty()) {
        parts.push(t("documents-data-co", &unit_names(parties, &ids(co))));
    }
    if let Some(deadline) = data.get("deadline") {
        parts.push(t("documents-data-deadline", &shown_day(Some(deadline))));
    }
    if let Some(id) = data.get("assignee").and_then(|id| id.parse().ok()) {
        parts.push(t("documents-data-assignee", &official_name(parties, id)));
    }
    if let Some(kind) = data.get("signature") {
        parts.push(i18n::t(lang, &format!("documents-signature-{kind}")));
    }
    if let Some(n) = data.get("number") {
        parts.push(t("documents-data-number", &number(n)));
    }
    if let Some(recipients) = data.get("recipients") {
        let names: Vec<String> = recipients
            .lines()
            .map(|r| match r.split_once(':') {
                Some(("unit", id)) => unit_names(parties, &ids(id)),
                Some((via, name)) => format!(
                    "{name} ({})",
                    i18n::t(lang, &format!("documents-delivery-{via}"))
                ),
                None => r.to_owned(),
            })
            .collect();
        parts.push(t("documents-data-recipients", &names.join(", ")));
    }
    if let Some(kept) = data.get("kept") {
        parts.push(kept.clone());
    }
    parts.join("; ")
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    error: Option<(&AppError, &FormFields)>,
    flash: Option<String>,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let doc = state.app.document(&actor, id).await.ctx(ctx)?;
    let parties = state.app.document_parties(&actor, id).await.ctx(ctx)?;
    let timeline = state.app.document_timeline(&actor, id).await.ctx(ctx)?;
    let actions = state
        .app
        .document_actions(&actor, id)
        .await
        .ctx(ctx)?
        .into_iter()
        .map(DocumentActionKind::as_str)
        .collect();
    let signatures = if doc.signed {
        state
            .app
            .document_signatures(&actor, id)
            .await
            .ctx(ctx)?
            .into_iter()
            .map(|s| SignatureLine {
                class: match s.verdict {
                    Verdict::Valid => "valid",
                    Verdict::ValidWithLaterChanges => "valid-later-changes",
                    Verdict::Untrusted => "untrusted",
                    Verdict::Broken => "broken",
                },
                verdict: i18n::t(ctx.lang, s.verdict.key()),
                signer: s.signer.unwrap_or_default(),
                at: s.signed_at.map(i18n::format_time).unwrap_or_default(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let incoming = doc.register == "incoming";
    let steps = timeline
        .events
        .iter()
        .map(|e| {
            let at =
                time::OffsetDateTime::parse(&e.at, &time::format_description::well_known::Rfc3339)
                    .map(i18n::format_time)
                    .unwrap_or_else(|_| e.at.clone());
            let role = e
                .actor_role
                .as_deref()
                .map(|r| i18n::t(ctx.lang, &format!("role-{r}")));
            let who = match (&e.actor_name, role) {
                (Some(name), Some(role)) => format!("{name} ({role})"),
                (None, Some(role)) => role,
                (Some(name), None) => name.clone(),
                (None, None) => i18n::t(ctx.lang, "dossier-by-system"),
            };
            Step {
                at,
                action: i18n::t(ctx.lang, &format!("documents-event-{}", e.kind)),
                status: status_label(ctx.lang, &e.to_status),
                who,
                reason: e.reason.clone(),
                detail: event_detail(ctx.lang, &parties, &e.data),
            }
        })
        .collect();
    let number_line = match (&doc.code_number, &doc.number) {
        (Some(code), Some(_)) if !incoming => i18n::tf(
            ctx.lang,
            "documents-number-line",
            &[("value", code.as_str())],
        ),
        (_, Some(n)) if incoming => {
            format!("{}: {n}", i18n::t(ctx.lang, "documents-arrival-number"))
        }
        _ => String::new(),
    };
    let (message, failed_action, values) = match error {
        Some((AppError::Invalid(fields), sent)) => {
            let mut messages: Vec<String> =
                fields.iter().map(|f| i18n::t(ctx.lang, &f.code)).collect();
            messages.dedup();
            (messages.join(" "), sent.get("command"), sent.0.clone())
        }
        Some((other, sent)) => (
            i18n::t(ctx.lang, other.code()),
            sent.get("command"),
            sent.0.clone(),
        ),
        None => (String::new(), String::new(), HashMap::new()),
    };
    let title = match &doc.code_number {
        Some(code) => format!(
            "{} {code}",
            i18n::t(ctx.lang, &format!("document-type-{}", doc.doc_type))
        ),
        None => i18n::t(
            ctx.lang,
            if incoming {
                "documents-incoming-title"
            } else {
                "documents-draft-title"
            },
        ),
    };
    let mut page = Page::new(ctx, "documents-detail-title").with_flash(flash);
    page.title = title;
    let template = DetailPage {
        page,
        number_line,
        status: status_label(ctx.lang, &doc.status),
        urgency: i18n::t(ctx.lang, &format!("document-urgency-{}", doc.urgency)),
        secrecy: i18n::t(ctx.lang, &format!("document-secrecy-{}", doc.secrecy)),
        facts: facts(ctx.lang, &doc, &parties),
        timeline: steps,
        chain_ok: timeline.chain_ok,
        actions,
        parties,
        action_url: format!("/staff/documents/{id}/actions"),
        error: message,
        failed_action,
        values,
        signatures,
        doc,
    };
    Ok(match error {
        Some((error, _)) => render_status(status_of(error), &template),
        None => render(&template),
    })
}

/// The flash of a finished action (`?done=<action>`).
fn flash_of(ctx: &Ctx, query: &HashMap<String, String>) -> Option<String> {
    query
        .get("done")
        .filter(|d| {
            DocumentActionKind::parse(d).is_some() || matches!(d.as_str(), "register" | "draft")
        })
        .map(|d| i18n::t(ctx.lang, &format!("documents-done-{d}")))
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> WebResult<Response> {
    detail_page(&state, &ctx, id, None, flash_of(&ctx, &query)).await
}

/// The lines of a text area, trimmed, without empty ones.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The ids of the ticked checkboxes `<prefix>.<id>`.
fn ticked(fields: &FormFields, prefix: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = fields
        .0
        .keys()
        .filter_map(|k| k.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

fn chosen_id(fields: &FormFields, name: &str) -> Result<i64, AppError> {
    fields
        .get(name)
        .trim()
        .parse()
        .map_err(|_| AppError::invalid(name, "error-choice"))
}

/// Reads an action form into the app's action; `None` for issuing, which has its own use
/// case.
fn action_of(
    kind: DocumentActionKind,
    fields: &FormFields,
) -> Result<Option<DocumentAction>, AppError> {
    use DocumentActionKind as K;
    Ok(Some(match kind {
        K::SubmitToLeader => DocumentAction::SubmitToLeader {
            leader_id: chosen_id(fields, "leader_id")?,
        },
        K::Direct => DocumentAction::Direct {
            lead_unit_id: chosen_id(fields, "lead_unit_id")?,
            co_unit_ids: ticked(fields, "co_unit"),
            deadline: typed_day(&fields.get("deadline"), "deadline")?,
            note: fields.get("note"),
        },
        K::Assign => DocumentAction::Assign {
            specialist_id: chosen_id(fields, "specialist_id")?,
        },
        K::ReportDone => DocumentAction::ReportDone {
            result: fields.get("result"),
        },
        K::ReturnToSender => DocumentAction::ReturnToSender {
            reason: fields.get("reason"),
        },
        K::SendForReview => DocumentAction::SendForReview,
        K::SendBack => DocumentAction::SendBack {
            reason: fields.get("reason"),
        },
        K::Approve => DocumentAction::Approve,
        K::SignPersonal => DocumentAction::Sign {
            kind: SignatureKind::Personal,
        },
        K::Issue => return Ok(None),
        K::SignSeal => DocumentAction::Sign {
            kind: SignatureKind::Seal,
        },
        K::Distribute => {
            let mut recipients: Vec<Recipient> = ticked(fields, "unit")
                .into_iter()
                .map(|unit_id| Recipient::Unit { unit_id })
                .collect();
            for (field, via) in [("email", Delivery::Email), ("paper", Delivery::Paper)] {
                recipients.extend(
                    lines(&fields.get(field))
                        .into_iter()
                        .map(|name| Recipient::Agency { name, via }),
                );
            }
            DocumentAction::Distribute { recipients }
        }
    }))
}

/// An action's form: the app decides; success goes back to the page with a confirmation,
/// a refusal shows its message there.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    fields: FormFields,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let command = fields.get("command");
    let result = match DocumentActionKind::parse(command.trim()) {
        None => Err(AppError::invalid("command", "error-choice")),
        Some(kind) => match action_of(kind, &fields) {
            Ok(Some(action)) => state.app.act_on_document(&actor, id, &action).await,
            Ok(None) => state.app.issue_document(&actor, id).await,
            Err(error) => Err(error),
        }
        .map(|_| kind),
    };
    match result {
        Ok(kind) => Ok(
            Redirect::to(&format!("/staff/documents/{id}?done={}", kind.as_str())).into_response(),
        ),
        // The page itself is refused to whoever may not read the document, so a refusal
        // tells them nothing the page would not.
        Err(error) => detail_page(&state, &ctx, id, Some((&error, &fields)), None).await,
    }
}
