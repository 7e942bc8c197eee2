//! Delivery of the outbox: notifications to citizens and officials.
//!
//! A [`Notifier`] sends one message on one channel. The worker claims due rows, hands each to
//! the notifier for its channel, and marks it done or schedules a retry with backoff, so that a
//! message is never lost when a mail server is down or the process restarts.

use crate::App;
use crate::notifications::TemplateSet;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One message to deliver, as stored in the outbox payload: either a template with its
/// values (`vars`, rendered when sent, in `lang`) or ready text (`subject`, `body`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Notification {
    pub channel: String,
    pub to: String,
    pub template: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    /// The text for SMS and Zalo.
    #[serde(default)]
    pub short: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// The catalogue template that words the message when it is not `template` itself (several
    /// purposes, e.g. each document command, share one wording).
    #[serde(default)]
    pub wording: Option<String>,
    /// The outbox row: the idempotency key channels that support one are given, so a retry
    /// after a lost reply is not sent twice.
    #[serde(skip)]
    pub outbox_id: i64,
}

impl Notification {
    /// Puts a template message into words with the templates in force.
    pub fn prepare(&mut self, templates: &TemplateSet) {
        if self.vars.is_empty() {
            return;
        }
        let language = self.lang.as_deref().unwrap_or("vi");
        let template = self.wording.as_deref().unwrap_or(&self.template);
        let rendered = templates.render(template, language, &self.vars);
        self.subject = Some(rendered.subject);
        self.body = Some(rendered.body);
        self.short = Some(rendered.short);
    }

    /// The text of a short message (SMS, Zalo).
    pub fn short_text(&self) -> String {
        if let Some(short) = &self.short {
            return short.clone();
        }
        if self.template == "verification-code" {
            let code = self.code.as_deref().unwrap_or_default();
            return format!("Ma xac minh Mot Cua: {code}. Hieu luc 10 phut. Khong chia se ma nay.");
        }
        self.render().0
    }

    /// Subject and text of the message, in Vietnamese with an English line.
    pub fn render(&self) -> (String, String) {
        match self.template.as_str() {
            "verification-code" => {
                let code = self.code.as_deref().unwrap_or_default();
                (
                    format!("Mã xác minh Một Cửa: {code}"),
                    format!(
                        "Mã xác minh tài khoản Một Cửa của bạn là {code}. Mã có hiệu lực trong 10 phút. \
                         Không chia sẻ mã này cho bất kỳ ai.\n\nYour Một Cửa verification code is {code}. It expires in 10 minutes."
                    ),
                )
            }
            _ => (
                self.subject.clone().unwrap_or_else(|| "Một Cửa".to_owned()),
                self.body.clone().unwrap_or_default(),
            ),
        }
    }
}

/// A channel adapter (e-mail, SMS gateway, Zalo…).
pub trait Notifier: Send + Sync {
    /// Sends one message; an error schedules a retry.
    fn send<'a>(
        &'a self,
        message: &'a Notification,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>>;
}

/// Writes messages to the server log: the demo channel, so codes can be read off the console.
/// Never used for a channel in production: it would mark as delivered what nobody received.
pub struct LogNotifier;

/// A channel with no adapter configured (no mail relay, no SMS gateway): every message fails,
/// so its row stays pending and visible instead of being marked delivered.
pub struct NotConfigured(pub &'static str);

impl Notifier for NotConfigured {
    fn send<'a>(
        &'a self,
        _message: &'a Notification,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move { Err(anyhow::anyhow!("no {} channel is configured", self.0)) })
    }
}

impl Notifier for LogNotifier {
    fn send<'a>(
        &'a self,
        message: &'a Notification,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            let (subject, _) = message.render();
            tracing::info!(channel = %message.channel, to = %message.to, %subject, "demo delivery (message shown in log)");
            Ok(())
        })
    }
}

/// Sends e-mail through an SMTP server.
pub struct SmtpNotifier {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpNotifier {
    /// Plain SMTP to `host:port` (a local relay); TLS relays are configured the same way in
    /// production through the relay's own submission port.
    pub fn new(host: &str, port: u16, from: &str) -> anyhow::Result<Self> {
        let transport =
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(host)
                .port(port)
                .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("invalid sender address {from}: {e}"))?;
        Ok(SmtpNotifier { transport, from })
    }
}

impl Notifier for SmtpNotifier {
    fn send<'a>(
        &'a self,
        message: &'a Notification,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            use lettre::AsyncTransport;
            let (subject, body) = message.render();
            let email = lettre::Message::builder()
                .from(self.from.clone())
                .to(message
                    .to
                    .parse()
                    .map_err(|e| anyhow::anyhow!("invalid recipient: {e}"))?)
                .subject(subject)
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(body)?;
            self.transport.send(email).await?;
            Ok(())
        })
    }
}

/// Sends a chat reply to one user of a chat platform (the Zalo Official Account's CS message).
pub trait ChatReplier: Send + Sync {
    fn reply<'a>(
        &'a self,
        user_id: &'a str,
        text: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>>;
}

/// Which notifier serves which channel.
#[derive(Clone)]
pub struct Channels {
    pub email: Arc<dyn Notifier>,
    pub sms: Arc<dyn Notifier>,
    pub zalo: Arc<dyn Notifier>,
    /// Replies of the chat lookup bot; `None` where no Official Account is configured.
    pub chat: Option<Arc<dyn ChatReplier>>,
}

impl Channels {
    /// The demo channels: all to the log.
    pub fn log_only() -> Self {
        Channels {
            email: Arc::new(LogNotifier),
            sms: Arc::new(LogNotifier),
            zalo: Arc::new(LogNotifier),
            chat: None,
        }
    }

    /// Production channels: e-mail through `email` when a relay is configured, the others
    /// set afterwards where configured. A missing channel fails its messages rather than
    /// pretending.
    pub fn production(email: Option<Arc<dyn Notifier>>) -> Self {
        Channels {
            email: email.unwrap_or_else(|| Arc::new(NotConfigured("e-mail"))),
            sms: Arc::new(NotConfigured("SMS")),
            zalo: Arc::new(NotConfigured("Zalo")),
            chat: None,
        }
    }

    /// The notifier of a channel by its stored name.
    pub fn for_channel(&self, channel: &str) -> &Arc<dyn Notifier> {
        match channel {
            "email" => &self.email,
            "zalo" => &self.zalo,
            _ => &self.sms,
        }
    }
}

/// Sends SMS through a brand-name gateway ([`motcua_channels::sms`]), without diacritics.
pub struct SmsNotifier(pub Arc<dyn motcua_channels::sms::SmsSender>);

impl Notifier for SmsNotifier {
    fn send<'a>(
        &'a self,
        message: &'a Notification,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            let sms = motcua_channels::sms::SmsMessage {
                phone: message.to.clone(),
                text: message.short_text(),
                request_id: format!("motcua-{}", message.outbox_id),
            };
            self.0.send(&sms).await.map_err(anyhow::Error::new)?;
            Ok(())
        })
    }
}

/// Sends Zalo notification messages (ZNS) to the citizen's phone number with one approved
/// template whose parameters carry the dossier code and the short text.
pub struct ZaloNotifier {
    pub oa: Arc<motcua_channels::zalo::ZaloOa>,
    /// The ZNS template approved by Zalo for dossier notices.
    pub template_id: String,
}

impl Notifier for ZaloNotifier {
    fn send<'a>(
        &'a self,
        message: &'a Notification,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            let phone =
                motcua_channels::sms::normalise_phone(&message.to).map_err(anyhow::Error::new)?;
            let mut data = serde_json::Map::new();
            let code = message.vars.get("code").cloned().unwrap_or_default();
            data.insert("ma_ho_so".into(), code.into());
            data.insert("noi_dung".into(), message.short_text().into());
            self.oa
                .send_zns(
                    &phone,
                    &self.template_id,
                    &data,
                    &format!("motcua-{}", message.outbox_id),
                )
                .await
                .map_err(anyhow::Error::new)?;
            Ok(())
        })
    }
}

/// Replies through the Official Account's CS messages.
pub struct ZaloChat(pub Arc<motcua_channels::zalo::ZaloOa>);

impl ChatReplier for ZaloChat {
    fn reply<'a>(
        &'a self,
        user_id: &'a str,
        text: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            self.0
                .send_text(user_id, text)
                .await
                .map_err(anyhow::Error::new)?;
            Ok(())
        })
    }
}

/// Whether a failure can never succeed on retry (the channel refused the message for good).
fn is_permanent(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<motcua_channels::ChannelError>()
            .is_some_and(motcua_channels::ChannelError::is_permanent)
            || cause
                .downcast_ref::<motcua_national::PortalError>()
                .is_some_and(motcua_national::PortalError::is_permanent)
    })
}

/// How many outbox rows one delivery round leases.
const OUTBOX_BATCH: i64 = 50;

impl App {
    /// Delivers what is due now; returns how many rows were delivered.
    pub async fn deliver_outbox(&self, channels: &Channels) -> anyhow::Result<usize> {
        let now = self.now_micros();
        let mut rows = self
            .store
            .claim_outbox(now, 60_000_000, OUTBOX_BATCH, &self.delivered_kinds())
            .await?;
        // In the order they were written (PostgreSQL's UPDATE … RETURNING keeps none), so a
        // citizen hears "received" after "submitted".
        rows.sort_by_key(|row| row.id);
        if rows.is_empty() {
            return Ok(0);
        }
        // Read once per batch, so an administrator's new wording applies from the next batch.
        let templates = self.template_set().await?;
        let mut delivered = Vec::with_capacity(rows.len());
        for row in rows {
            // A one-time code that can no longer be used is not sent late; its row is closed
            // and the code removed.
            if row.discard_after.is_some_and(|until| until <= now) {
                self.store
                    .discard_outbox(row.id, "expired before delivery", self.now_micros())
                    .await?;
                continue;
            }
            let result = match row.kind.as_str() {
                crate::effects::outbox_kind::NOTIFY => {
                    match serde_json::from_str::<Notification>(&row.payload) {
                        Ok(mut message) => {
                            message.outbox_id = row.id;
                            message.prepare(&templates);
                            if self.settings.log_codes
                                && let Some(code) = &message.code
                            {
                                tracing::info!(to = %message.to, %code, "demo mode: one-time code");
                            }
                            channels.for_channel(&message.channel).send(&message).await
                        }
                        Err(error) => Err(anyhow::anyhow!("unreadable payload: {error}")),
                    }
                }
                crate::effects::outbox_kind::PAYMENT_SETTLED => {
                    self.deliver_payment_settled(&row.payload).await
                }
                crate::effects::outbox_kind::DELIVER_RESULT => {
                    self.deliver_result(&row.payload).await
                }
                crate::effects::outbox_kind::PICKUP_DOSSIER => {
                    self.pickup_dossier(&row.payload).await
                }
                crate::effects::outbox_kind::CHAT_REPLY => {
                    self.deliver_chat_reply(&row.payload, channels).await
                }
                crate::effects::outbox_kind::WEBHOOK => {
                    self.deliver_webhook(row.id, &row.payload).await
                }
                crate::effects::outbox_kind::SYNC_NATIONAL => {
                    self.deliver_national_sync(&row.payload).await
                }
                other => Err(anyhow::anyhow!("no handler for outbox kind {other}")),
            };
            match result {
                Ok(()) => delivered.push(row.id),
                Err(error) => {
                    let text = format!("{error:#}");
                    // Dead letter: the channel refused for good, or the last attempt failed.
                    // Done but never delivered; an administrator may send it again.
                    if is_permanent(&error)
                        || row.attempts >= i64::from(self.settings.delivery_attempts)
                    {
                        tracing::warn!(outbox_id = row.id, attempts = row.attempts, error = %text, "delivery given up");
                        self.store
                            .dead_letter_outbox(row.id, &text, self.now_micros())
                            .await?;
                        continue;
                    }
                    // Exponential backoff: 30 s, 1 min, 2 min … capped at 1 hour.
                    let exponent = u32::try_from(row.attempts.clamp(1, 8) - 1).unwrap_or(0);
                    let delay = 30_000_000i64
                        .saturating_mul(1 << exponent)
                        .min(3_600_000_000);
                    let retry_at = self.now_micros() + delay;
                    if row.discard_after.is_some_and(|until| until <= retry_at) {
                        // The retry would come after the code expired: drop it now, so the
                        // code does not wait in clear text for a send that cannot help.
                        tracing::warn!(outbox_id = row.id, error = %text, "delivery failed; one-time code dropped");
                        self.store
                            .discard_outbox(
                                row.id,
                                &format!("{text}; expires before the next attempt"),
                                self.now_micros(),
                            )
                            .await?;
                        continue;
                    }
                    tracing::warn!(outbox_id = row.id, attempts = row.attempts, error = %text, "delivery failed; will retry");
                    self.store.fail_outbox(row.id, &text, retry_at).await?;
                }
            }
        }
        // Delivery is at least once: a crash before this line re-sends the batch after the
        // lease, which handlers tolerate (channels get the row id as idempotency key).
        self.store
            .complete_outbox_rows(&delivered, self.now_micros())
            .await?;
        Ok(delivered.len())
    }

    /// Runs delivery until `stop` fires, polling every second while idle and going straight
    /// on while batches come back full, so a burst does not wait a second per batch.
    pub async fn run_outbox_worker(
        self,
        channels: Channels,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            match self.deliver_outbox(&channels).await {
                Ok(delivered) if delivered as i64 == OUTBOX_BATCH => {
                    if *stop.borrow() {
                        break;
                    }
                    continue;
                }
                Ok(_) => {}
                Err(error) => tracing::error!(error = %format!("{error:#}"), "outbox worker"),
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                _ = stop.changed() => break,
            }
        }
    }
}

/// The Zalo OA tokens in the database, shared by every node: the refresh token is single-use,
/// so a pair is replaced only if no other node replaced it since it was read.
pub struct DatabaseTokens {
    store: motcua_store::Store,
    clock: crate::Clock,
    /// The version of the pair last read, which a save must still find.
    version: std::sync::Mutex<Option<i64>>,
}

/// The channel name the Zalo tokens are kept under.
const ZALO_TOKENS: &str = "zalo";

impl App {
    /// Where the Zalo adapter keeps its tokens.
    pub fn zalo_token_store(&self) -> Arc<DatabaseTokens> {
        Arc::new(DatabaseTokens {
            store: self.store.clone(),
            clock: self.clock.clone(),
            version: std::sync::Mutex::new(None),
        })
    }
}

impl DatabaseTokens {
    /// Stores the pair an administrator obtained (the first refresh token, from Zalo's
    /// authorisation) unless the database already holds one; returns whether it was stored.
    pub async fn seed(&self, tokens: &motcua_channels::zalo::ZaloTokens) -> anyhow::Result<bool> {
        let row = motcua_store::notifications::ChannelTokensRow {
            access_token: tokens.access_token.expose().to_owned(),
            refresh_token: tokens.refresh_token.expose().to_owned(),
            access_expires_at: tokens.access_expires_at,
            version: 0,
        };
        let now = motcua_store::micros((self.clock)());
        Ok(self
            .store
            .replace_channel_tokens(ZALO_TOKENS, &row, None, now)
            .await?)
    }
}

impl motcua_channels::zalo::TokenStore for DatabaseTokens {
    fn load(
        &self,
    ) -> motcua_channels::BoxFuture<
        '_,
        Result<Option<motcua_channels::zalo::ZaloTokens>, motcua_channels::ChannelError>,
    > {
        Box::pin(async move {
            let row = self.store.channel_tokens(ZALO_TOKENS).await.map_err(|e| {
                motcua_channels::ChannelError::Unreachable(format!("database: {e}"))
            })?;
            if let Ok(mut version) = self.version.lock() {
                *version = row.as_ref().map(|r| r.version);
            }
            Ok(row.map(|r| motcua_channels::zalo::ZaloTokens {
                access_token: motcua_channels::Secret(r.access_token),
                refresh_token: motcua_channels::Secret(r.refresh_token),
                access_expires_at: r.access_expires_at,
            }))
        })
    }

    fn save<'a>(
        &'a self,
        tokens: &'a motcua_channels::zalo::ZaloTokens,
    ) -> motcua_channels::BoxFuture<'a, Result<(), motcua_channels::ChannelError>> {
        Box::pin(async move {
            let expected = self.version.lock().ok().and_then(|v| *v);
            let row = motcua_store::notifications::ChannelTokensRow {
                access_token: tokens.access_token.expose().to_owned(),
                refresh_token: tokens.refresh_token.expose().to_owned(),
                access_expires_at: tokens.access_expires_at,
                version: 0,
            };
            let now = motcua_store::micros((self.clock)());
            let replaced = self
                .store
                .replace_channel_tokens(ZALO_TOKENS, &row, expected, now)
                .await
                .map_err(|e| {
                    motcua_channels::ChannelError::Unreachable(format!("database: {e}"))
                })?;
            if !replaced {
                return Err(motcua_channels::ChannelError::Unreachable(
                    "the tokens were replaced by another node; read them again".to_owned(),
                ));
            }
            if let Ok(mut version) = self.version.lock() {
                *version = Some(expected.map_or(1, |v| v + 1));
            }
            Ok(())
        })
    }
}
