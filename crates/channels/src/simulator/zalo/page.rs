//! The simulator's chat page: each user's conversation with the OA, the ZNS messages sent, and
//! a plain form (no JavaScript) to write to the OA as a user, which delivers a signed
//! `user_send_text` event to the webhook.

use super::{Core, SentKind};
use crate::simulator::{escape_html, page};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{Html, Redirect};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The user the form names until someone has written.
const DEFAULT_USER: &str = "2512345678901234567";

pub(super) async fn chat_page(State(core): State<Arc<Core>>) -> Html<String> {
    let state = core.state();
    let mut conversations: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for line in &state.chat {
        let (class, who) = if line.from_user {
            ("from-user", "Người dân / User")
        } else {
            ("from-oa", "OA")
        };
        let status = line
            .status
            .as_deref()
            .map(|s| format!(" <small>({})</small>", escape_html(s)))
            .unwrap_or_default();
        conversations
            .entry(line.user_id.as_str())
            .or_default()
            .push(format!(
                "<li class=\"{class}\"><b>{who}:</b> {text}{status}</li>",
                text = escape_html(&line.text),
            ));
    }
    let mut body = String::new();
    body.push_str("<h1>Zalo Official Account (mô phỏng / simulated)</h1>");
    body.push_str(&format!(
        "<dl><dt>OA id</dt><dd>{oa}</dd><dt>Webhook</dt><dd>{webhook}</dd>\
         <dt>Người quan tâm / Followers</dt><dd>{followers}</dd></dl>",
        oa = escape_html(&core.config.oa_id),
        webhook = state
            .webhook_url
            .as_deref()
            .map(escape_html)
            .unwrap_or_else(|| "chưa đặt / not set".to_owned()),
        followers = escape_html(
            &state
                .followers
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ));
    body.push_str("<h2>Hội thoại / Conversations</h2>");
    if conversations.is_empty() {
        body.push_str("<p>Chưa có tin nhắn / No messages yet.</p>");
    }
    for (user, lines) in &conversations {
        body.push_str(&format!(
            "<section class=\"conversation\"><h3>{}</h3><ol>{}</ol></section>",
            escape_html(user),
            lines.concat()
        ));
    }
    let last_user = state
        .chat
        .iter()
        .rev()
        .find(|line| line.from_user)
        .map(|line| line.user_id.as_str())
        .unwrap_or(DEFAULT_USER);
    body.push_str(&format!(
        "<h2>Gửi tin như người dân / Write as a user</h2>\
         <form method=\"post\" action=\"/simulator/user-sends\">\
         <p><label>Zalo user id <input name=\"user_id\" value=\"{user}\" required></label></p>\
         <p><label>Tin nhắn / Message<br><textarea name=\"text\" rows=\"3\" cols=\"50\" required></textarea></label></p>\
         <p><small>Người gửi được coi là đã quan tâm OA / The sender is made a follower of the OA.</small></p>\
         <button type=\"submit\">Gửi / Send</button></form>",
        user = escape_html(last_user),
    ));
    let zns: Vec<String> = state
        .messages
        .iter()
        .filter(|m| m.kind == SentKind::Zns)
        .map(|m| {
            let data = m
                .template_data
                .as_ref()
                .map(|d| serde_json::Value::Object(d.clone()).to_string())
                .unwrap_or_default();
            format!(
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                escape_html(&m.to),
                escape_html(m.template_id.as_deref().unwrap_or("")),
                escape_html(&data),
                escape_html(m.tracking_id.as_deref().unwrap_or("")),
            )
        })
        .collect();
    body.push_str("<h2>ZNS</h2>");
    if zns.is_empty() {
        body.push_str("<p>Chưa có tin ZNS / No ZNS messages yet.</p>");
    } else {
        body.push_str(&format!(
            "<table><tr><th>Số điện thoại / Phone</th><th>Template</th><th>Data</th>\
             <th>tracking_id</th></tr>{}</table>",
            zns.concat()
        ));
    }
    Html(page("Zalo OA", &body))
}

/// The form: the user follows the OA (so that the bot can answer) and writes.
pub(super) async fn user_sends(State(core): State<Arc<Core>>, body: Bytes) -> Redirect {
    let mut user_id = String::new();
    let mut text = String::new();
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "user_id" => user_id = value.trim().to_owned(),
            "text" => text = value.into_owned(),
            _ => {}
        }
    }
    if !user_id.is_empty() && !text.trim().is_empty() {
        core.state().followers.insert(user_id.clone());
        // The outcome is shown next to the line on the page.
        let _ = core.user_sends_text(&user_id, &text).await;
    }
    Redirect::to("/")
}
