//! Delivery of the outbox: notifications to citizens and officials.
//!
//! A [`Notifier`] sends one message on one channel. The worker claims due rows, hands each to
//! the notifier for its channel, and marks it done or schedules a retry with backoff, so that a
//! message is never lost when a mail server is down or the process restarts.

use crate::App;
use serde::Deserialize;
use std::sync::Arc;

/// One message to deliver, as stored in the outbox payload.
#[derive(Debug, Clone, Deserialize)]
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
}

impl Notification {
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

/// Which notifier serves which channel.
#[derive(Clone)]
pub struct Channels {
    pub email: Arc<dyn Notifier>,
    pub sms: Arc<dyn Notifier>,
}

impl Channels {
    /// The demo channels: both to the log.
    pub fn log_only() -> Self {
        Channels {
            email: Arc::new(LogNotifier),
            sms: Arc::new(LogNotifier),
        }
    }

    /// Production channels: e-mail through `email` when a relay is configured; SMS has no
    /// gateway adapter yet. A missing channel fails its messages rather than pretending.
    pub fn production(email: Option<Arc<dyn Notifier>>) -> Self {
        Channels {
            email: email.unwrap_or_else(|| Arc::new(NotConfigured("e-mail"))),
            sms: Arc::new(NotConfigured("SMS")),
        }
    }
}

/// How many outbox rows one delivery round leases.
const OUTBOX_BATCH: i64 = 50;

impl App {
    /// Delivers what is due now; returns how many rows were delivered.
    pub async fn deliver_outbox(&self, channels: &Channels) -> anyhow::Result<usize> {
        let now = self.now_micros();
        let rows = self
            .store
            .claim_outbox(
                now,
                60_000_000,
                OUTBOX_BATCH,
                crate::effects::DELIVERED_KINDS,
            )
            .await?;
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
                        Ok(message) => {
                            let notifier = if message.channel == "email" {
                                &channels.email
                            } else {
                                &channels.sms
                            };
                            if self.settings.log_codes
                                && let Some(code) = &message.code
                            {
                                tracing::info!(to = %message.to, %code, "demo mode: one-time code");
                            }
                            notifier.send(&message).await
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
                other => Err(anyhow::anyhow!("no handler for outbox kind {other}")),
            };
            match result {
                Ok(()) => delivered.push(row.id),
                Err(error) => {
                    // Exponential backoff: 30 s, 1 min, 2 min … capped at 1 hour.
                    let exponent = u32::try_from(row.attempts.clamp(1, 8) - 1).unwrap_or(0);
                    let delay = 30_000_000i64
                        .saturating_mul(1 << exponent)
                        .min(3_600_000_000);
                    let retry_at = self.now_micros() + delay;
                    if row.discard_after.is_some_and(|until| until <= retry_at) {
                        // The retry would come after the code expired: drop it now, so the
                        // code does not wait in clear text for a send that cannot help.
                        tracing::warn!(outbox_id = row.id, error = %error, "delivery failed; one-time code dropped");
                        self.store
                            .discard_outbox(
                                row.id,
                                &format!("{error}; expires before the next attempt"),
                                self.now_micros(),
                            )
                            .await?;
                        continue;
                    }
                    tracing::warn!(outbox_id = row.id, attempts = row.attempts, error = %error, "delivery failed; will retry");
                    self.store
                        .fail_outbox(row.id, &error.to_string(), retry_at)
                        .await?;
                }
            }
        }
        // Delivery is at least once: a crash before this line re-sends the batch after the
        // lease, which handlers tolerate.
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
