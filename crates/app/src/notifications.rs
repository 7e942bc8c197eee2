//! Thông báo: what citizens are told, on which channels, in which words.
//!
//! A dossier decision that concerns the applicant ([`Effect::NotifyCitizen`]) becomes one
//! outbox row per channel the applicant chose (e-mail, SMS, Zalo) in the decision's
//! transaction (`effects::enqueue_effects`); the row holds the template's name, the language
//! and the values, and the worker renders the words when it sends, from the message
//! catalogues (`locales/notifications.{vi,en}.ftl`) or an administrator's wording of them.
//! Administrators see the delivery log (recipients masked), retry or cancel a message, edit
//! the templates with a preview, and send a test on each channel.
//!
//! [`Effect::NotifyCitizen`]: motcua_domain::dossier::Effect::NotifyCitizen

use crate::{Actor, App, AppError, AppResult};
use motcua_domain::authz::{Access, Permission, Principal};
use motcua_domain::calendar::VIETNAM_OFFSET;
use motcua_domain::dossier::{CommandKind, Decision, DossierStatus};
use motcua_domain::notify::{ChannelChoice, NotifyChannel, mask_recipient, recipients};
/// Which messages of the delivery log a caller asks for.
pub use motcua_store::notifications::DeliveryState;
use motcua_store::notifications::{DeliveryRow, PreferencesRow};
use motcua_store::outbox::OutboxScope;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;
use time::OffsetDateTime;

/// The parts of a template: the e-mail's subject and text, and the short text of SMS and Zalo.
pub const PARTS: [&str; 3] = ["subject", "body", "short"];

/// The languages messages are written in.
pub const LANGUAGES: [&str; 2] = ["vi", "en"];

/// The templates citizens receive, in the order the administration page lists them.
pub const TEMPLATES: [&str; 18] = [
    "submitted",
    "received",
    "supplement",
    "supplement-due",
    "supplement-received",
    "refused",
    "obligation",
    "obligation-paid",
    "result-ready",
    "returned",
    "posted",
    "delivered",
    "return-to-sender",
    "withdrawn",
    "stopped",
    "apology",
    "status",
    "test",
];

/// The values a template may use.
pub const VARIABLES: [&str; 11] = [
    "code",
    "procedure",
    "status",
    "appointment",
    "missing",
    "reason",
    "due_by",
    "amount",
    "new_due",
    "tracking",
    "link",
];

/// Longest administrator's text of one part (an SMS is short; an e-mail need not be a book).
pub const TEMPLATE_MAX_CHARS: usize = 2000;

struct Catalogues {
    vi: HashMap<String, String>,
    en: HashMap<String, String>,
}

static CATALOGUES: LazyLock<Catalogues> = LazyLock::new(|| Catalogues {
    vi: parse_catalogue(include_str!("../locales/notifications.vi.ftl")),
    en: parse_catalogue(include_str!("../locales/notifications.en.ftl")),
});

/// `key = text` lines, `#` comments and blank lines skipped (the catalogues' one format).
pub(crate) fn parse_catalogue(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

/// The catalogue's text of `template.part` in `language` (Vietnamese when English lacks it).
pub fn catalogue_text(template: &str, language: &str, part: &str) -> Option<&'static str> {
    catalogue_entry(&format!("{template}.{part}"), language)
}

/// The catalogue's text of `key` in `language` (Vietnamese when English lacks it).
pub fn catalogue_entry(key: &str, language: &str) -> Option<&'static str> {
    let catalogues = &*CATALOGUES;
    let primary = if language == "en" {
        &catalogues.en
    } else {
        &catalogues.vi
    };
    primary
        .get(key)
        .or_else(|| catalogues.vi.get(key))
        .map(String::as_str)
}

/// Replaces `{ $name }` placeholders with their values; an unknown placeholder becomes empty,
/// so a message never shows template syntax to a citizen.
pub fn fill(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = after[..end].trim().trim_start_matches('$').trim();
                if let Some(value) = vars.get(name) {
                    out.push_str(value);
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    // Empty values leave doubled spaces and dangling punctuation ("Lý do: ."); tidy them.
    let tidied = out
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    motcua_domain::text::nfc(tidied.replace(" .", ".").replace(" ,", ",").trim())
}

/// The placeholders a text uses that are not [`VARIABLES`] (refused when an administrator
/// saves a template).
pub fn unknown_placeholders(text: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = after[..end].trim().trim_start_matches('$').trim();
        if !VARIABLES.contains(&name) {
            unknown.push(name.to_owned());
        }
        rest = &after[end + 1..];
    }
    unknown
}

/// A message in words, ready for a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedMessage {
    pub subject: String,
    pub body: String,
    pub short: String,
}

/// The templates in force: the catalogue's words with administrators' changes over them.
#[derive(Debug, Clone, Default)]
pub struct TemplateSet {
    overrides: HashMap<(String, String, String), String>,
}

impl TemplateSet {
    pub fn text(&self, template: &str, language: &str, part: &str) -> String {
        self.overrides
            .get(&(template.to_owned(), language.to_owned(), part.to_owned()))
            .cloned()
            .or_else(|| catalogue_text(template, language, part).map(str::to_owned))
            .or_else(|| catalogue_text("status", language, part).map(str::to_owned))
            .unwrap_or_default()
    }

    pub fn render(
        &self,
        template: &str,
        language: &str,
        vars: &BTreeMap<String, String>,
    ) -> RenderedMessage {
        RenderedMessage {
            subject: fill(&self.text(template, language, "subject"), vars),
            body: fill(&self.text(template, language, "body"), vars),
            short: fill(&self.text(template, language, "short"), vars),
        }
    }
}

/// The template of a decision's message, named after what was done. Commands that tell the
/// applicant nothing of their own (steps inside the agency) fall back to the status notice.
pub fn template_for(kind: CommandKind) -> &'static str {
    match kind {
        CommandKind::Submit => "submitted",
        CommandKind::Receive => "received",
        CommandKind::RequestSupplement => "supplement",
        CommandKind::SupplementProvided => "supplement-received",
        CommandKind::Refuse => "refused",
        CommandKind::RequireFinancialObligation => "obligation",
        CommandKind::ObligationPaid => "obligation-paid",
        CommandKind::Resolve => "result-ready",
        CommandKind::ReturnResult => "returned",
        CommandKind::RecordShipment => "posted",
        CommandKind::ConfirmDelivery => "delivered",
        CommandKind::RecordReturnToSender => "return-to-sender",
        CommandKind::Withdraw => "withdrawn",
        CommandKind::Stop => "stopped",
        CommandKind::Extend => "apology",
        CommandKind::Forward
        | CommandKind::Return
        | CommandKind::Consult
        | CommandKind::Transfer
        | CommandKind::Approve
        | CommandKind::Sign => "status",
    }
}

/// The template of a decision's message given its values: a supplement request with a day to
/// supplement by ([`decision_vars`]' `due_by`) is told with it ("supplement-due"); without one
/// the words do not mention a day.
pub fn decision_template(kind: CommandKind, vars: &BTreeMap<String, String>) -> &'static str {
    match template_for(kind) {
        "supplement" if vars.contains_key("due_by") => "supplement-due",
        template => template,
    }
}

/// "05/01/2026 08:30" in Vietnam time.
pub fn local_date_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(VIETNAM_OFFSET);
    motcua_render::format::short_date_time(time::PrimitiveDateTime::new(at.date(), at.time()))
}

/// The values of a decision's message.
pub(crate) fn decision_vars(
    decision: &Decision,
    code: &str,
    procedure: &str,
    link: &str,
) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    vars.insert("code".to_owned(), code.to_owned());
    vars.insert("procedure".to_owned(), procedure.to_owned());
    vars.insert("link".to_owned(), link.to_owned());
    let status = decision
        .new_state
        .status
        .map(DossierStatus::vietnamese)
        .unwrap_or_default();
    vars.insert("status".to_owned(), status.to_owned());
    if let Some(appointment) = decision.new_state.appointment {
        vars.insert("appointment".to_owned(), local_date_time(appointment.due()));
        vars.insert("new_due".to_owned(), local_date_time(appointment.due()));
    }
    if let Some(event) = decision.events.first() {
        vars.insert("reason".to_owned(), event.reason.replace('\n', "; "));
        let missing: Vec<&str> = event
            .data
            .iter()
            .filter(|(key, _)| key.starts_with("missing."))
            .map(|(_, value)| value.as_str())
            .collect();
        vars.insert("missing".to_owned(), missing.join("; "));
        // Hạn bổ sung, recorded as an ISO date, told as dd/mm/yyyy.
        if let Some(due_by) = event
            .data
            .get("due_by")
            .and_then(|d| crate::forms::parse_day(d))
        {
            vars.insert(
                "due_by".to_owned(),
                motcua_render::format::short_date(due_by),
            );
        }
        if let Some(amount) = event
            .data
            .get("amount_vnd")
            .and_then(|a| a.parse::<u64>().ok())
        {
            vars.insert("amount".to_owned(), motcua_render::format::money(amount));
        }
        for key in ["tracking_number", "method"] {
            if let Some(value) = event.data.get(key) {
                let name = if key == "tracking_number" {
                    "tracking"
                } else {
                    key
                };
                vars.insert(name.to_owned(), value.clone());
            }
        }
    }
    vars
}

/// Who is told about a dossier, resolved before the decision's transaction (no reads inside
/// it): the applicant's addresses on the channels they chose, their language, and the names
/// the message uses.
#[derive(Debug, Clone)]
pub(crate) struct Audience {
    pub recipients: Vec<(NotifyChannel, String)>,
    pub language: String,
    pub procedure_name: String,
    pub link_base: String,
}

/// A citizen's notification settings as their page shows them.
#[derive(Debug, Clone, Serialize)]
pub struct PreferencesView {
    pub email: bool,
    pub sms: bool,
    pub zalo: bool,
    pub language: String,
    pub email_address: Option<String>,
    pub phone: Option<String>,
    /// Which channels this installation can deliver on (a channel without an adapter is shown
    /// as unavailable instead of promising messages nobody sends).
    pub available: crate::ContactChannels,
}

/// What a citizen asks for on their notification page.
#[derive(Debug, Clone, Deserialize)]
pub struct PreferencesForm {
    #[serde(default)]
    pub email: bool,
    #[serde(default)]
    pub sms: bool,
    #[serde(default)]
    pub zalo: bool,
    pub language: String,
}

/// One message of the delivery log, as an administrator sees it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryView {
    pub id: i64,
    pub channel: String,
    pub template: String,
    /// "ng•••@example.vn", "091•••678".
    pub recipient: String,
    pub dossier_code: Option<String>,
    pub state: &'static str,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// When the next attempt is due (pending messages), Unix microseconds.
    pub next_attempt_at: Option<i64>,
    pub created_at: i64,
    pub done_at: Option<i64>,
}

/// What a test message carries where a notice carries the dossier code.
pub const TEST_MESSAGE_CODE: &str = "KIEM-TRA";

/// One template part as the administration page shows and edits it.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateView {
    pub template: String,
    pub language: String,
    pub part: String,
    pub catalogue: String,
    pub current: String,
    pub changed: bool,
}

impl App {
    pub(crate) async fn audience(
        &self,
        citizen: Option<&motcua_store::people::CitizenRow>,
        procedure_name: &str,
    ) -> AppResult<Option<Audience>> {
        let Some(citizen) = citizen else {
            return Ok(None);
        };
        let stored = self.store.notification_preferences(citizen.id).await?;
        let (choice, language) = match stored {
            Some(p) => (
                ChannelChoice {
                    email: p.email,
                    sms: p.sms,
                    zalo: p.zalo,
                },
                p.language,
            ),
            None => (
                ChannelChoice::default_for(citizen.email.is_some(), citizen.phone.is_some()),
                "vi".to_owned(),
            ),
        };
        Ok(Some(Audience {
            recipients: recipients(choice, citizen.email.as_deref(), citizen.phone.as_deref()),
            language,
            procedure_name: procedure_name.to_owned(),
            link_base: format!("{}/tra-cuu", self.settings.public_url.trim_end_matches('/')),
        }))
    }

    /// The templates in force (catalogue and administrators' changes).
    pub async fn template_set(&self) -> AppResult<TemplateSet> {
        let overrides = self
            .store
            .notification_template_overrides()
            .await?
            .into_iter()
            .map(|o| ((o.template, o.language, o.part), o.text))
            .collect();
        Ok(TemplateSet { overrides })
    }

    fn citizen_id(actor: &Actor) -> AppResult<i64> {
        match actor.principal {
            Principal::Citizen { citizen_id, .. } => Ok(citizen_id),
            _ => Err(AppError::Forbidden),
        }
    }

    /// The signed-in citizen's channels and language.
    pub async fn my_notification_preferences(&self, actor: &Actor) -> AppResult<PreferencesView> {
        actor.require(Access::Citizen)?;
        let id = Self::citizen_id(actor)?;
        let citizen = self.store.get_citizen(id).await?;
        let stored = self.store.notification_preferences(id).await?;
        let default = ChannelChoice::default_for(citizen.email.is_some(), citizen.phone.is_some());
        Ok(PreferencesView {
            email: stored.as_ref().map_or(default.email, |p| p.email),
            sms: stored.as_ref().map_or(default.sms, |p| p.sms),
            zalo: stored.as_ref().map_or(default.zalo, |p| p.zalo),
            language: stored.map_or_else(|| "vi".to_owned(), |p| p.language),
            email_address: citizen.email,
            phone: citizen.phone,
            available: self.settings.channels,
        })
    }

    /// Saves the signed-in citizen's channels and language. A channel needs the contact it
    /// uses (e-mail address, phone number) and an adapter on this installation.
    pub async fn set_my_notification_preferences(
        &self,
        actor: &Actor,
        form: &PreferencesForm,
    ) -> AppResult<PreferencesView> {
        actor.require(Access::Citizen)?;
        let id = Self::citizen_id(actor)?;
        let citizen = self.store.get_citizen(id).await?;
        let available = self.settings.channels;
        let mut errors = Vec::new();
        if !LANGUAGES.contains(&form.language.as_str()) {
            errors.push(crate::InvalidField::new(
                "language",
                "error-notify-language",
            ));
        }
        if form.email && citizen.email.is_none() {
            errors.push(crate::InvalidField::new("email", "error-notify-no-email"));
        }
        if (form.sms || form.zalo) && citizen.phone.is_none() {
            let field = if form.sms { "sms" } else { "zalo" };
            errors.push(crate::InvalidField::new(field, "error-notify-no-phone"));
        }
        for (wanted, available, field) in [
            (form.email, available.email, "email"),
            (form.sms, available.sms, "sms"),
            (form.zalo, available.zalo, "zalo"),
        ] {
            if wanted && !available {
                errors.push(crate::InvalidField::new(field, "error-notify-channel-off"));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        self.store
            .set_notification_preferences(
                &PreferencesRow {
                    citizen_id: id,
                    email: form.email,
                    sms: form.sms,
                    zalo: form.zalo,
                    language: form.language.clone(),
                },
                self.now_micros(),
            )
            .await?;
        self.my_notification_preferences(actor).await
    }

    /// The outbox rows an administrator may see (as `/admin/outbox`).
    pub(crate) fn outbox_scope_of(actor: &Actor) -> OutboxScope {
        match actor.principal.jurisdictions(Permission::AuditView) {
            None => OutboxScope {
                paths: None,
                unscoped: true,
            },
            Some(paths) => OutboxScope {
                unscoped: paths.iter().any(|p| p.depth() == 1),
                paths: Some(paths.iter().map(|p| p.as_str().to_owned()).collect()),
            },
        }
    }

    /// The delivery log: messages to people within the caller's jurisdiction, newest first.
    pub async fn delivery_log(
        &self,
        actor: &Actor,
        channel: Option<NotifyChannel>,
        state: DeliveryState,
        before_id: Option<i64>,
    ) -> AppResult<Vec<DeliveryView>> {
        actor.require(Access::Staff(Permission::AuditView))?;
        let rows = self
            .store
            .delivery_log(
                crate::effects::outbox_kind::NOTIFY,
                &Self::outbox_scope_of(actor),
                channel.map(NotifyChannel::as_str),
                state,
                before_id,
                100,
            )
            .await?;
        Ok(rows.iter().map(delivery_view).collect())
    }

    /// One message of the log, if the caller may see it.
    async fn delivery_in_scope(
        &self,
        actor: &Actor,
        permission: Permission,
        id: i64,
    ) -> AppResult<DeliveryRow> {
        actor.require(Access::Staff(permission))?;
        let row = self.store.delivery(id).await.map_err(|e| match e {
            motcua_store::StoreError::NotFound => AppError::NotFound,
            other => other.into(),
        })?;
        if row.kind != crate::effects::outbox_kind::NOTIFY {
            return Err(AppError::NotFound);
        }
        let visible = match &row.scope_path {
            Some(path) => actor.principal.may_at(
                permission,
                &motcua_domain::org::OrgPath::from_stored(path.clone()),
            ),
            None => match actor.principal.jurisdictions(permission) {
                None => true,
                Some(paths) => paths.iter().any(|p| p.depth() == 1),
            },
        };
        if !visible {
            return Err(AppError::NotFound);
        }
        Ok(row)
    }

    /// Sends a waiting or given-up message again now.
    pub async fn retry_delivery(&self, actor: &Actor, id: i64) -> AppResult<DeliveryView> {
        self.delivery_in_scope(actor, Permission::OrgManage, id)
            .await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        if !tx.retry_outbox(id, now).await? {
            return Err(AppError::Conflict("error-delivery-not-retriable"));
        }
        tx.append_audit(
            &actor.audit(
                "delivery.retry",
                Some(format!("outbox:{id}")),
                serde_json::json!({}),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(delivery_view(&self.store.delivery(id).await?))
    }

    /// Cancels a message that has not gone out.
    pub async fn cancel_delivery(&self, actor: &Actor, id: i64) -> AppResult<DeliveryView> {
        self.delivery_in_scope(actor, Permission::OrgManage, id)
            .await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        if !tx
            .cancel_outbox(id, "cancelled by an administrator", now)
            .await?
        {
            return Err(AppError::Conflict("error-delivery-done"));
        }
        tx.append_audit(
            &actor.audit(
                "delivery.cancel",
                Some(format!("outbox:{id}")),
                serde_json::json!({}),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(delivery_view(&self.store.delivery(id).await?))
    }

    /// Template editing is for administrators of the whole tree: the words are the city's.
    pub(crate) fn require_template_admin(actor: &Actor) -> AppResult<()> {
        actor.require(Access::Staff(Permission::OrgManage))?;
        match actor.principal.jurisdictions(Permission::OrgManage) {
            None => Ok(()),
            Some(paths) if paths.iter().any(|p| p.depth() == 1) => Ok(()),
            Some(_) => Err(AppError::Forbidden),
        }
    }

    /// Every template part with its catalogue text and the text in force.
    pub async fn notification_templates(&self, actor: &Actor) -> AppResult<Vec<TemplateView>> {
        actor.require(Access::Staff(Permission::AuditView))?;
        let set = self.template_set().await?;
        let mut views = Vec::new();
        for template in TEMPLATES {
            for language in LANGUAGES {
                for part in PARTS {
                    let catalogue = catalogue_text(template, language, part)
                        .unwrap_or_default()
                        .to_owned();
                    let current = set.text(template, language, part);
                    views.push(TemplateView {
                        template: template.to_owned(),
                        language: language.to_owned(),
                        part: part.to_owned(),
                        changed: current != catalogue,
                        catalogue,
                        current,
                    });
                }
            }
        }
        Ok(views)
    }

    /// Changes the parts of one template, all or none; an empty text (or the catalogue's own)
    /// goes back to the catalogue's.
    pub async fn set_notification_template(
        &self,
        actor: &Actor,
        template: &str,
        language: &str,
        parts: &[(&str, &str)],
    ) -> AppResult<()> {
        Self::require_template_admin(actor)?;
        if !TEMPLATES.contains(&template) || !LANGUAGES.contains(&language) {
            return Err(AppError::NotFound);
        }
        let mut checked = Vec::with_capacity(parts.len());
        let mut errors = Vec::new();
        for (part, text) in parts {
            if !PARTS.contains(part) {
                return Err(AppError::NotFound);
            }
            let text = motcua_domain::text::nfc(text.trim());
            if text.chars().count() > TEMPLATE_MAX_CHARS {
                errors.push(crate::InvalidField::new(part, "error-template-too-long"));
            } else if !unknown_placeholders(&text).is_empty() {
                errors.push(crate::InvalidField::new(part, "error-template-placeholder"));
            }
            let catalogue = catalogue_text(template, language, part).unwrap_or_default();
            let stored = (!text.is_empty() && text != catalogue).then_some(text);
            checked.push((*part, stored));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let by = actor.principal.official_id();
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        for (part, text) in &checked {
            tx.set_notification_template(template, language, part, text.as_deref(), now, by)
                .await?;
        }
        tx.append_audit(
            &actor.audit(
                "notification.template",
                Some(format!("template:{template}:{language}")),
                serde_json::json!({ "parts": checked }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a test message on `channel` to `to` through the real pipeline (the delivery log
    /// then shows whether the channel accepted it). Returns the message's id in the log.
    pub async fn send_test_message(
        &self,
        actor: &Actor,
        channel: &str,
        to: &str,
    ) -> AppResult<i64> {
        Self::require_template_admin(actor)?;
        let Some(channel) = NotifyChannel::parse(channel) else {
            return Err(AppError::invalid("channel", "error-notify-channel"));
        };
        let to = to.trim();
        let valid = match channel {
            NotifyChannel::Email => motcua_domain::identity::Email::parse(to).is_ok(),
            NotifyChannel::Sms | NotifyChannel::Zalo => {
                motcua_domain::identity::Phone::parse(to).is_ok()
            }
        };
        if !valid {
            return Err(AppError::invalid("to", "error-notify-test-recipient"));
        }
        let mut vars = BTreeMap::new();
        vars.insert("appointment".to_owned(), local_date_time(self.now()));
        // A ZNS template requires its dossier-code parameter: a test message names itself
        // there rather than being refused for an empty one.
        vars.insert("code".to_owned(), TEST_MESSAGE_CODE.to_owned());
        let payload = serde_json::json!({
            "channel": channel.as_str(), "to": to, "template": "test", "lang": "vi", "vars": vars,
        });
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let id = tx
            .enqueue_on_channel(
                crate::effects::outbox_kind::NOTIFY,
                channel.as_str(),
                &payload.to_string(),
                now,
                None,
            )
            .await?;
        tx.append_audit(
            &actor.audit(
                "notification.test",
                Some(format!("outbox:{id}")),
                serde_json::json!({ "channel": channel.as_str(), "to": mask_recipient(to) }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A template rendered with example values, with `text` (if given) in place of `part`.
    pub async fn preview_template(
        &self,
        actor: &Actor,
        template: &str,
        language: &str,
        replace: Option<(&str, &str)>,
    ) -> AppResult<RenderedMessage> {
        actor.require(Access::Staff(Permission::AuditView))?;
        if !TEMPLATES.contains(&template) || !LANGUAGES.contains(&language) {
            return Err(AppError::NotFound);
        }
        let mut set = self.template_set().await?;
        if let Some((part, text)) = replace
            && PARTS.contains(&part)
            && !text.trim().is_empty()
        {
            set.overrides.insert(
                (template.to_owned(), language.to_owned(), part.to_owned()),
                text.trim().to_owned(),
            );
        }
        Ok(set.render(template, language, &example_vars(&self.settings.public_url)))
    }
}

/// Example values for previews.
pub fn example_vars(public_url: &str) -> BTreeMap<String, String> {
    let code = "000.00.30.H13-261206-0001";
    [
        ("code", code.to_owned()),
        ("procedure", "Đăng ký kết hôn".to_owned()),
        ("status", "Được tiếp nhận".to_owned()),
        ("appointment", "09/12/2026 16:30".to_owned()),
        ("missing", "Bản sao giấy khai sinh".to_owned()),
        ("reason", "Thiếu giấy tờ theo quy định".to_owned()),
        ("due_by", "21/12/2026".to_owned()),
        ("amount", "50.000 đ".to_owned()),
        ("new_due", "11/12/2026 16:30".to_owned()),
        ("tracking", "EL123456785VN".to_owned()),
        (
            "link",
            format!("{}/tra-cuu/{code}", public_url.trim_end_matches('/')),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn delivery_view(row: &DeliveryRow) -> DeliveryView {
    let payload: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or_default();
    let text = |key: &str| payload.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let state = if row.dead_at.is_some() {
        "dead"
    } else if row.done_at.is_some() {
        "delivered"
    } else if row.last_error.is_some() {
        "failing"
    } else {
        "pending"
    };
    DeliveryView {
        id: row.id,
        channel: row
            .channel
            .clone()
            .or_else(|| text("channel"))
            .unwrap_or_default(),
        template: text("template").unwrap_or_default(),
        recipient: text("to").map(|to| mask_recipient(&to)).unwrap_or_default(),
        dossier_code: payload
            .get("vars")
            .and_then(|v| v.get("code"))
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        state,
        attempts: row.attempts,
        last_error: row.last_error.clone(),
        next_attempt_at: (row.done_at.is_none()).then_some(row.available_at),
        created_at: row.created_at,
        done_at: row.done_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_every_template_part() {
        for template in TEMPLATES {
            for part in PARTS {
                let key = format!("{template}.{part}");
                assert!(CATALOGUES.vi.contains_key(&key), "vi lacks {key}");
                assert!(CATALOGUES.en.contains_key(&key), "en lacks {key}");
                for language in LANGUAGES {
                    let text = catalogue_text(template, language, part).unwrap_or_default();
                    assert!(
                        unknown_placeholders(text).is_empty(),
                        "{key} {language}: {text}"
                    );
                }
            }
        }
        assert_eq!(
            CATALOGUES.vi.len(),
            CATALOGUES.en.len(),
            "the same keys in both"
        );
    }

    #[test]
    fn placeholders_are_filled_and_empty_ones_tidied() {
        let vars: BTreeMap<String, String> = [("code", "X-1"), ("reason", "")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(fill("Hồ sơ { $code } .", &vars), "Hồ sơ X-1.");
        assert_eq!(fill("Lý do: { $reason } .", &vars), "Lý do:.");
        assert_eq!(fill("{ $unknown }a", &vars), "a");
        assert_eq!(fill("unclosed { $code", &vars), "unclosed { $code");
        assert_eq!(
            unknown_placeholders("{ $code } { $nope }"),
            vec!["nope".to_owned()]
        );
    }

    #[test]
    fn messages_render_in_the_chosen_language() {
        let set = TemplateSet::default();
        let vars = example_vars("https://dichvucong.cantho.gov.vn");
        let vi = set.render("received", "vi", &vars);
        assert!(vi.subject.contains("đã được tiếp nhận"), "{vi:?}");
        assert!(vi.short.contains("09/12/2026 16:30"), "{vi:?}");
        let en = set.render("received", "en", &vars);
        assert!(en.subject.contains("received"), "{en:?}");
        assert!(
            en.body.contains("/tra-cuu/000.00.30.H13-261206-0001"),
            "{en:?}"
        );
    }
}
