//! Tra cứu qua Zalo: a citizen writes "tra cứu <mã hồ sơ>" to the city's Official Account and
//! is answered with the dossier's status, appointment and next step.
//!
//! The webhook verifies Zalo's signature over the raw body, refuses stale events, stores the
//! message once (Zalo may send an event again) with an outbox row for the answer in the same
//! transaction, and answers at once; the outbox worker looks the dossier up and replies
//! through the CS message API, retrying while Zalo is unreachable. The answer shows exactly
//! what the public lookup shows to someone with the code and no proof: never a name.

use crate::effects::outbox_kind;
use crate::notifications::{catalogue_entry, fill, local_date_time};
use crate::notify::Channels;
use crate::{Actor, App, AppError, AppResult};
use motcua_channels::ChannelError;
use motcua_channels::zalo::{ZaloConfig, verify_webhook};
use motcua_domain::notify::{ChatRequest, parse_chat_request};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How old a webhook event may be (Zalo sends at once; older ones are replays).
pub const WEBHOOK_MAX_AGE_MS: i64 = 5 * 60 * 1000;

/// What became of one webhook event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatIntake {
    /// A new text message: its answer is on its way.
    Accepted,
    /// The same message again: already answered or being answered.
    Duplicate,
    /// Another event (follow, image, …): nothing to answer.
    Ignored,
}

#[derive(Debug, Serialize, Deserialize)]
struct ChatReply {
    platform: String,
    user_id: String,
    message_id: String,
    text: String,
}

impl App {
    /// Answers the webhook of this Zalo Official Account.
    pub fn with_zalo_webhook(mut self, config: ZaloConfig) -> Self {
        self.zalo = Some(Arc::new(config));
        self
    }

    /// Verifies and stores one webhook event. A bad signature or a stale event is
    /// [`AppError::Unauthenticated`] and changes nothing; an unreadable body is invalid.
    pub async fn receive_zalo_event(
        &self,
        raw_body: &[u8],
        signature: Option<&str>,
    ) -> AppResult<ChatIntake> {
        let Some(config) = &self.zalo else {
            return Err(AppError::NotFound);
        };
        let now = self.now();
        let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
        let event = match verify_webhook(config, raw_body, signature, now_ms, WEBHOOK_MAX_AGE_MS) {
            Ok(event) => event,
            Err(ChannelError::Malformed(_)) => {
                return Err(AppError::invalid("body", "error-chat-malformed"));
            }
            Err(error) => {
                tracing::warn!(error = %error, "Zalo webhook refused");
                return Err(AppError::Unauthenticated);
            }
        };
        let (Some(text), Some(message_id)) = (&event.text, &event.msg_id) else {
            return Ok(ChatIntake::Ignored);
        };
        if event.event_name != "user_send_text" {
            return Ok(ChatIntake::Ignored);
        }
        let text: String = motcua_domain::text::nfc(text).chars().take(1000).collect();
        let micros = self.now_micros();
        let mut tx = self.store.begin().await?;
        if !tx
            .record_chat_message("zalo", message_id, &event.sender_id, &text, micros)
            .await?
        {
            return Ok(ChatIntake::Duplicate);
        }
        let reply = ChatReply {
            platform: "zalo".to_owned(),
            user_id: event.sender_id.clone(),
            message_id: message_id.clone(),
            text,
        };
        let payload = serde_json::to_string(&reply).map_err(|e| AppError::Internal(e.into()))?;
        tx.enqueue_on_channel(outbox_kind::CHAT_REPLY, "zalo", &payload, micros, None)
            .await?;
        tx.commit().await?;
        Ok(ChatIntake::Accepted)
    }

    /// The outbox handler: looks the dossier up and replies.
    pub(crate) async fn deliver_chat_reply(
        &self,
        payload: &str,
        channels: &Channels,
    ) -> anyhow::Result<()> {
        let reply: ChatReply = serde_json::from_str(payload)?;
        let Some(chat) = &channels.chat else {
            anyhow::bail!("no chat channel is configured");
        };
        let answer = self.chat_answer(&reply.user_id, &reply.text).await?;
        chat.reply(&reply.user_id, &answer).await
    }

    /// The bot's answer to one message, in Vietnamese. Lookups count against the sender's own
    /// limit, as a visitor's address does on the lookup page.
    pub async fn chat_answer(&self, user_id: &str, text: &str) -> anyhow::Result<String> {
        let words = |key: &str, vars: &BTreeMap<String, String>| {
            fill(catalogue_entry(key, "vi").unwrap_or_default(), vars)
        };
        let mut vars = BTreeMap::new();
        let code = match parse_chat_request(text) {
            ChatRequest::Lookup(code) => code.to_string(),
            ChatRequest::LookupWithoutCode => return Ok(words("bot.no-code", &vars)),
            ChatRequest::Help => return Ok(words("bot.help", &vars)),
        };
        vars.insert("code".to_owned(), code.clone());
        let actor = Actor::anonymous(Some(format!("zalo:{user_id}")));
        let status = match self.lookup_dossier(&actor, &code, None).await {
            Ok(status) => status,
            Err(AppError::NotFound) => return Ok(words("bot.not-found", &vars)),
            Err(AppError::RateLimited) => return Ok(words("bot.rate-limited", &vars)),
            Err(error) => return Err(anyhow::anyhow!("lookup failed: {error}")),
        };
        let procedure = self
            .procedure_in_force_shared(&status.procedure_code, None)
            .await
            .map(|p| p.procedure.name.clone())
            .unwrap_or_else(|_| status.procedure_code.clone());
        let appointment = status
            .appointment
            .as_deref()
            .and_then(|a| {
                time::OffsetDateTime::parse(a, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(local_date_time)
            .unwrap_or_else(|| "—".to_owned());
        // Papers asked for by a given day: the day is the next step's point.
        let due_by = status
            .supplement_due
            .as_deref()
            .and_then(crate::forms::parse_day)
            .map(motcua_render::format::short_date);
        let next = match due_by {
            Some(date) => {
                let mut with_date = BTreeMap::new();
                with_date.insert("date".to_owned(), date);
                words("bot.next.5-by", &with_date)
            }
            None => status
                .status_code
                .and_then(|c| catalogue_entry(&format!("bot.next.{c}"), "vi"))
                .unwrap_or_default()
                .to_owned(),
        };
        vars.insert("procedure".to_owned(), procedure);
        vars.insert("status".to_owned(), status.status.clone());
        vars.insert("appointment".to_owned(), appointment);
        vars.insert("next".to_owned(), next);
        vars.insert(
            "link".to_owned(),
            format!(
                "{}/tra-cuu/{code}",
                self.settings.public_url.trim_end_matches('/')
            ),
        );
        Ok(words("bot.status", &vars))
    }
}
