//! Brand-name SMS (tin nhắn thương hiệu) through an HTTP gateway.
//!
//! Vietnam has no single standard for brand-name SMS gateways; eSMS, SpeedSMS, VietGuys and the
//! carriers' own brand-name services (VNPT, Viettel) each publish their own HTTP shape. They
//! share the same bones, which [`SmsConfig`] describes:
//!
//! - **Request**: `POST` to one endpoint, the body either JSON or a form
//!   ([`SmsFormat`]), with four fields whose names differ per provider ([`SmsFields`]): the
//!   phone number (always sent as `84xxxxxxxxx`), the text, the brand name (sender) and our
//!   request id. Constant extra fields (eSMS's `SmsType`, `IsUnicode`…) go in
//!   [`SmsConfig::extra_fields`]. All values are strings.
//! - **Credentials** ([`SmsAuth`]): HTTP Basic (`username:api key`), the key in a header, or
//!   both in body fields (eSMS's `ApiKey`/`SecretKey`).
//! - **Reply**: JSON; one field holds the result code, success is one of a list of values
//!   (`"00"`, eSMS's `"100"`), another field holds the provider's message id
//!   ([`SuccessRule`]). A field may be a dotted path (`data.tranId`).
//!
//! **Idempotency.** The request id is the app's outbox row id. Gateways that dedupe by it
//! (eSMS's `RequestId` [assumed: documented as such by eSMS, not verified here]) make a retry
//! after a lost reply safe; the simulator does the same, and the tests hold the adapter to it.
//!
//! **Failures**: an invalid number or text is refused here, before any request, as permanent.
//! A transport error, a timeout, HTTP 408/429/5xx are [`ChannelError::Unreachable`]; HTTP
//! 401/403 and 404/405 are [`ChannelError::NotConfigured`] (fix the configuration; the
//! messages stay queued); a reply code in [`SuccessRule::permanent_codes`] is
//! `Refused { permanent: true }`, any other refusal `permanent: false`.
//!
//! **Text**: brand-name routes are safest in GSM-7 without the Latin-1 letters; [`sms_text`]
//! folds Vietnamese to plain ASCII and [`segments`] says how many SMS it costs.

use crate::{BoxFuture, ChannelError, Secret};
use base64::Engine as _;

/// How the request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsFormat {
    /// `application/json`, a flat object of strings.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// How the gateway knows us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsAuth {
    /// `Authorization: Basic base64(username:api_key)` (SpeedSMS-style: the token as user).
    Basic { username: String, api_key: Secret },
    /// The key in a header of the given name, e.g. `X-Api-Key`.
    Header { name: String, api_key: Secret },
    /// Both in body fields next to the message (eSMS: `ApiKey` and `SecretKey`).
    BodyFields {
        username_field: String,
        username: String,
        api_key_field: String,
        api_key: Secret,
    },
}

/// The provider's names for the four message fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsFields {
    pub phone: String,
    pub text: String,
    pub brand_name: String,
    /// Our idempotency key. Empty: the gateway takes none (a retry may then send twice).
    pub request_id: String,
}

impl SmsFields {
    /// `to`, `text`, `brandname`, `request_id`: the generic shape (and the simulator's).
    pub fn generic() -> Self {
        Self {
            phone: "to".to_owned(),
            text: "text".to_owned(),
            brand_name: "brandname".to_owned(),
            request_id: "request_id".to_owned(),
        }
    }
}

/// How a reply is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccessRule {
    /// Where the result code is (a dotted path into the JSON reply). Numbers count as their
    /// JSON spelling: `100` and `"100"` are the same code.
    pub code_field: String,
    /// The codes that mean "accepted".
    pub success_codes: Vec<String>,
    /// Where the provider's explanation is (may be absent from the reply).
    pub message_field: String,
    /// Where the provider's message id is. Empty: the gateway returns none, the receipt
    /// carries our request id.
    pub id_field: String,
    /// Refusal codes no retry can fix (invalid number, content refused). Any other refusal
    /// is retried by the app.
    pub permanent_codes: Vec<String>,
}

impl SuccessRule {
    /// The generic shape: `{"code":"00","message":"…","message_id":"…"}` with the codes of
    /// [`codes`].
    pub fn generic() -> Self {
        Self {
            code_field: "code".to_owned(),
            success_codes: vec![codes::OK.to_owned()],
            message_field: "message".to_owned(),
            id_field: "message_id".to_owned(),
            permanent_codes: [
                codes::INVALID_PHONE,
                codes::INVALID_TEXT,
                codes::BAD_REQUEST,
                codes::REQUEST_ID_REUSED,
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}

/// Result codes of the generic reply shape [assumed: our own table, the simulator answers
/// with it; real providers are mapped through [`SuccessRule`]].
pub mod codes {
    pub const OK: &str = "00";
    /// Credentials refused (the simulator also answers HTTP 401).
    pub const AUTH: &str = "10";
    /// The brand name is not registered to this account.
    pub const BRAND_NAME: &str = "11";
    /// Not a Vietnamese mobile number, or the number does not exist.
    pub const INVALID_PHONE: &str = "20";
    /// Text not in GSM-7, empty or too long.
    pub const INVALID_TEXT: &str = "21";
    /// A field is missing or unreadable.
    pub const BAD_REQUEST: &str = "30";
    /// The request id was used before for another message.
    pub const REQUEST_ID_REUSED: &str = "31";
    pub const SYSTEM: &str = "99";
}

/// One gateway account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsConfig {
    /// The full URL messages are POSTed to.
    pub endpoint: String,
    pub format: SmsFormat,
    pub auth: SmsAuth,
    /// The registered brand name (tên định danh), at most 11 characters.
    pub brand_name: String,
    pub fields: SmsFields,
    pub success: SuccessRule,
    /// Constant fields sent with every message, after the four message fields.
    pub extra_fields: Vec<(String, String)>,
    /// Longer texts are refused (permanently) rather than sent as a long concatenated SMS.
    /// [assumed: 4, what brand-name contracts commonly allow.]
    pub max_segments: u32,
}

impl SmsConfig {
    /// The generic shape: JSON, HTTP Basic, [`SmsFields::generic`], [`SuccessRule::generic`],
    /// at most 4 segments.
    pub fn generic(
        endpoint: impl Into<String>,
        username: impl Into<String>,
        api_key: Secret,
        brand_name: impl Into<String>,
    ) -> Self {
        Self {
            endpoint: endpoint.into(),
            format: SmsFormat::Json,
            auth: SmsAuth::Basic {
                username: username.into(),
                api_key,
            },
            brand_name: brand_name.into(),
            fields: SmsFields::generic(),
            success: SuccessRule::generic(),
            extra_fields: Vec::new(),
            max_segments: 4,
        }
    }

    /// eSMS's `SendMultipleMessage_V4_post_json`: JSON with `ApiKey`, `SecretKey`, `Phone`,
    /// `Content`, `Brandname`, `RequestId`, `SmsType` `2` (brand-name customer care),
    /// `IsUnicode` `0`; success is `CodeResult` `"100"`, the id `SMSID`, the explanation
    /// `ErrorMessage`. [assumed: taken from client code in public repositories, not from
    /// eSMS's own pages; which refusal codes are permanent is not known, so none are.]
    pub fn esms(
        endpoint: impl Into<String>,
        api_key: impl Into<String>,
        secret_key: Secret,
        brand_name: impl Into<String>,
    ) -> Self {
        Self {
            endpoint: endpoint.into(),
            format: SmsFormat::Json,
            auth: SmsAuth::BodyFields {
                username_field: "ApiKey".to_owned(),
                username: api_key.into(),
                api_key_field: "SecretKey".to_owned(),
                api_key: secret_key,
            },
            brand_name: brand_name.into(),
            fields: SmsFields {
                phone: "Phone".to_owned(),
                text: "Content".to_owned(),
                brand_name: "Brandname".to_owned(),
                request_id: "RequestId".to_owned(),
            },
            success: SuccessRule {
                code_field: "CodeResult".to_owned(),
                success_codes: vec!["100".to_owned()],
                message_field: "ErrorMessage".to_owned(),
                id_field: "SMSID".to_owned(),
                permanent_codes: Vec::new(),
            },
            extra_fields: vec![
                ("SmsType".to_owned(), "2".to_owned()),
                ("IsUnicode".to_owned(), "0".to_owned()),
            ],
            max_segments: 4,
        }
    }
}

/// One message to one citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// As the citizen typed it; normalised with [`normalise_phone`].
    pub phone: String,
    /// May be Vietnamese with diacritics; sent as [`sms_text`] of it.
    pub text: String,
    /// The idempotency key, the app's outbox row id: 1 to 64 ASCII letters, digits, `-_.:`.
    pub request_id: String,
}

/// What the gateway accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsReceipt {
    /// The provider's message id (or our request id when the provider returns none).
    pub provider_id: String,
    /// How many SMS the text costs.
    pub segments: u32,
}

/// Sends one SMS.
pub trait SmsSender: Send + Sync {
    /// Sends `message`. Retrying with the same request id after any error is safe when the
    /// gateway dedupes by it.
    fn send<'a>(
        &'a self,
        message: &'a SmsMessage,
    ) -> BoxFuture<'a, Result<SmsReceipt, ChannelError>>;
}

/// A request ready to send (what [`HttpSmsGateway::encode`] builds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedSms {
    pub content_type: &'static str,
    /// Includes the credentials when they travel in body fields.
    pub body: Vec<u8>,
    /// `84xxxxxxxxx`.
    pub phone: String,
    /// The GSM-7 text sent.
    pub text: String,
    pub segments: u32,
}

/// The HTTP gateway adapter.
pub struct HttpSmsGateway {
    config: SmsConfig,
    client: reqwest::Client,
}

impl std::fmt::Debug for HttpSmsGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSmsGateway")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HttpSmsGateway {
    /// Checks the configuration (an http(s) endpoint, a brand name of 1 to 11 ASCII letters,
    /// digits or ` .-_`, distinct non-empty field names, a valid header name, at least one
    /// success code) and builds the client.
    pub fn new(config: SmsConfig) -> Result<Self, ChannelError> {
        let bad = |what: &str| Err(ChannelError::NotConfigured(format!("SMS gateway: {what}")));
        if !(config.endpoint.starts_with("https://") || config.endpoint.starts_with("http://")) {
            return bad("the endpoint must be an http(s) URL");
        }
        let brand = &config.brand_name;
        if brand.is_empty()
            || brand.len() > 11
            || !brand
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b" .-_".contains(&b))
        {
            return bad("the brand name must be 1 to 11 ASCII letters, digits or ' .-_'");
        }
        let mut names: Vec<&str> = vec![
            &config.fields.phone,
            &config.fields.text,
            &config.fields.brand_name,
        ];
        if !config.fields.request_id.is_empty() {
            names.push(&config.fields.request_id);
        }
        names.extend(config.extra_fields.iter().map(|(k, _)| k.as_str()));
        match &config.auth {
            SmsAuth::Basic { .. } => {}
            SmsAuth::Header { name, .. } => {
                if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                    return bad("the API key header name is not a valid header name");
                }
            }
            SmsAuth::BodyFields {
                username_field,
                api_key_field,
                ..
            } => {
                names.push(username_field);
                names.push(api_key_field);
            }
        }
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if names.iter().any(|n| n.is_empty()) || sorted.len() != names.len() {
            return bad("field names must be non-empty and distinct");
        }
        if config.success.code_field.is_empty() || config.success.success_codes.is_empty() {
            return bad("the success rule needs a code field and at least one success code");
        }
        if config.max_segments == 0 {
            return bad("max_segments must be at least 1");
        }
        Ok(Self {
            config,
            client: crate::http::client()?,
        })
    }

    pub fn config(&self) -> &SmsConfig {
        &self.config
    }

    /// Checks and encodes a message without sending it. Everything refused here is
    /// `Refused { permanent: true }`: no retry can change the message.
    pub fn encode(&self, message: &SmsMessage) -> Result<EncodedSms, ChannelError> {
        let phone = normalise_phone(&message.phone)?;
        let id = &message.request_id;
        if id.is_empty()
            || id.len() > 64
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        {
            return Err(refused_here(
                "invalid_request_id",
                "the request id must be 1 to 64 ASCII letters, digits or -_.:",
            ));
        }
        let text = sms_text(&message.text);
        if text.trim().is_empty() {
            return Err(refused_here("empty_text", "the text is empty"));
        }
        let segments = segments(&text);
        if segments > self.config.max_segments {
            return Err(refused_here(
                "text_too_long",
                &format!(
                    "the text needs {segments} SMS, at most {} allowed",
                    self.config.max_segments
                ),
            ));
        }
        let fields = &self.config.fields;
        let mut pairs: Vec<(&str, &str)> = vec![
            (&fields.phone, &phone),
            (&fields.text, &text),
            (&fields.brand_name, &self.config.brand_name),
        ];
        if !fields.request_id.is_empty() {
            pairs.push((&fields.request_id, id));
        }
        pairs.extend(
            self.config
                .extra_fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        if let SmsAuth::BodyFields {
            username_field,
            username,
            api_key_field,
            api_key,
        } = &self.config.auth
        {
            pairs.push((username_field, username));
            pairs.push((api_key_field, api_key.expose()));
        }
        let (content_type, body) = match self.config.format {
            SmsFormat::Json => {
                let object: serde_json::Map<String, serde_json::Value> = pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned())))
                    .collect();
                let body = serde_json::to_vec(&object)
                    .map_err(|e| ChannelError::Protocol(e.to_string()))?;
                ("application/json", body)
            }
            SmsFormat::Form => {
                let body = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                ("application/x-www-form-urlencoded", body.into_bytes())
            }
        };
        Ok(EncodedSms {
            content_type,
            body,
            phone,
            text,
            segments,
        })
    }

    async fn send_message(&self, message: &SmsMessage) -> Result<SmsReceipt, ChannelError> {
        let encoded = self.encode(message)?;
        let mut request = self
            .client
            .post(&self.config.endpoint)
            .header(reqwest::header::CONTENT_TYPE, encoded.content_type)
            .header(reqwest::header::ACCEPT, "application/json")
            .body(encoded.body);
        match &self.config.auth {
            SmsAuth::Basic { username, api_key } => {
                let token = base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{}", api_key.expose()));
                request = request.header(reqwest::header::AUTHORIZATION, format!("Basic {token}"));
            }
            SmsAuth::Header { name, api_key } => {
                request = request.header(name.as_str(), api_key.expose());
            }
            SmsAuth::BodyFields { .. } => {}
        }
        let (status, body) = send_limited(request).await?;
        let reply = match status {
            200..=299 => serde_json::from_slice(&body)
                .map_err(|e| ChannelError::Protocol(format!("reply is not JSON: {e}")))?,
            401 | 403 => {
                return Err(ChannelError::NotConfigured(format!(
                    "the SMS gateway refused our credentials (HTTP {status})"
                )));
            }
            404 | 405 => {
                return Err(ChannelError::NotConfigured(format!(
                    "the SMS endpoint is wrong (HTTP {status})"
                )));
            }
            408 | 429 | 500..=599 => {
                return Err(ChannelError::Unreachable(format!("HTTP {status}")));
            }
            // Some gateways answer 400 with their usual coded body; judge it like a 200.
            _ => match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(reply) if !text_at(&reply, &self.config.success.code_field).is_empty() => reply,
                _ => {
                    return Err(ChannelError::Protocol(format!(
                        "HTTP {status} without a result code"
                    )));
                }
            },
        };
        let provider_id = read_reply(&self.config.success, &reply, &message.request_id)?;
        Ok(SmsReceipt {
            provider_id,
            segments: encoded.segments,
        })
    }
}

impl SmsSender for HttpSmsGateway {
    fn send<'a>(
        &'a self,
        message: &'a SmsMessage,
    ) -> BoxFuture<'a, Result<SmsReceipt, ChannelError>> {
        Box::pin(self.send_message(message))
    }
}

fn refused_here(code: &str, message: &str) -> ChannelError {
    ChannelError::Refused {
        code: code.to_owned(),
        message: message.to_owned(),
        permanent: true,
    }
}

/// Judges a JSON reply: `Ok(provider id)` when the code is a success code (the request id
/// when the rule names no id field), `Refused` otherwise (permanent when the code is listed
/// as such), `Protocol` when the reply has no code or a success has no id.
pub fn read_reply(
    rule: &SuccessRule,
    reply: &serde_json::Value,
    request_id: &str,
) -> Result<String, ChannelError> {
    let code = text_at(reply, &rule.code_field);
    if code.is_empty() {
        return Err(ChannelError::Protocol(format!(
            "reply has no {:?}",
            rule.code_field
        )));
    }
    if rule.success_codes.contains(&code) {
        if rule.id_field.is_empty() {
            return Ok(request_id.to_owned());
        }
        let id = text_at(reply, &rule.id_field);
        if id.is_empty() {
            return Err(ChannelError::Protocol(format!(
                "accepted without {:?}",
                rule.id_field
            )));
        }
        return Ok(id);
    }
    let permanent = rule.permanent_codes.contains(&code);
    Err(ChannelError::Refused {
        message: text_at(reply, &rule.message_field),
        code,
        permanent,
    })
}

/// The text at a dotted path of a JSON value: strings as they are, numbers and booleans in
/// their JSON spelling, anything else (or nothing) as the empty string.
fn text_at(value: &serde_json::Value, path: &str) -> String {
    if path.is_empty() {
        return String::new();
    }
    let mut here = value;
    for key in path.split('.') {
        match here.get(key) {
            Some(next) => here = next,
            None => return String::new(),
        }
    }
    match here {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

const MAX_BODY: usize = 1024 * 1024;

/// Sends a request and reads at most 1 MiB of the reply: `(status, body)`. A transport error
/// or timeout is `Unreachable`. Shared with [`crate::postal`].
pub(crate) async fn send_limited(
    request: reqwest::RequestBuilder,
) -> Result<(u16, Vec<u8>), ChannelError> {
    let unreachable = |e: reqwest::Error| ChannelError::Unreachable(e.without_url().to_string());
    let mut response = request.send().await.map_err(unreachable)?;
    let status = response.status().as_u16();
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY as u64)
    {
        return Err(ChannelError::Protocol("reply larger than 1 MiB".to_owned()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ChannelError::Protocol("reply larger than 1 MiB".to_owned()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, body))
}

/// A Vietnamese mobile number as `84` + 9 digits.
///
/// Accepts the national form `0xxxxxxxxx` and the international forms `+84…`, `84…` and
/// `0084…`, with spaces, dots, hyphens and parentheses anywhere (`+84 (0)912 345 678`: a
/// trunk `0` after the country code is dropped). The subscriber number must be 9 digits
/// starting with 3, 5, 7, 8 or 9 (the mobile ranges since the 2018 renumbering: 03x, 05x,
/// 07x, 08x, 09x). Anything else, landlines included, is `Refused { permanent: true }`; the
/// error does not repeat the number (it is personal data and errors get logged).
pub fn normalise_phone(raw: &str) -> Result<String, ChannelError> {
    let invalid = || refused_here("invalid_phone", "not a Vietnamese mobile number");
    let trimmed = raw.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' | '(' | ')' => {}
            _ => return Err(invalid()),
        }
    }
    let international = if plus {
        Some(digits.strip_prefix("84").ok_or_else(invalid)?)
    } else if let Some(rest) = digits.strip_prefix("0084") {
        Some(rest)
    } else if digits.starts_with('0') {
        None
    } else {
        Some(digits.strip_prefix("84").ok_or_else(invalid)?)
    };
    let subscriber = match international {
        Some(rest) if rest.len() == 10 => rest.strip_prefix('0').ok_or_else(invalid)?,
        Some(rest) => rest,
        None => digits.strip_prefix('0').ok_or_else(invalid)?,
    };
    if subscriber.len() != 9
        || !matches!(subscriber.as_bytes()[0], b'3' | b'5' | b'7' | b'8' | b'9')
    {
        return Err(invalid());
    }
    Ok(format!("84{subscriber}"))
}

/// Precomposed Vietnamese letters and the ASCII letter each folds to.
const FOLD: &[(&str, char)] = &[
    ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
    ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", 'A'),
    ("èéẻẽẹêềếểễệ", 'e'),
    ("ÈÉẺẼẸÊỀẾỂỄỆ", 'E'),
    ("ìíỉĩị", 'i'),
    ("ÌÍỈĨỊ", 'I'),
    ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
    ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", 'O'),
    ("ùúủũụưừứửữự", 'u'),
    ("ÙÚỦŨỤƯỪỨỬỮỰ", 'U'),
    ("ỳýỷỹỵ", 'y'),
    ("ỲÝỶỸỴ", 'Y'),
    ("đ", 'd'),
    ("Đ", 'D'),
];

/// Removes Vietnamese diacritics (`"Đăng ký"` → `"Dang ky"`), from precomposed (NFC) and
/// decomposed (NFD) text alike: combining marks U+0300–U+036F are dropped. Other characters
/// pass through.
pub fn fold_vietnamese(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if ('\u{0300}'..='\u{036F}').contains(&c) {
            continue;
        }
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        match FOLD.iter().find(|(letters, _)| letters.contains(c)) {
            Some((_, plain)) => out.push(*plain),
            None => out.push(c),
        }
    }
    out
}

/// The text as a brand-name SMS carries it: Vietnamese folded to ASCII (`đ` → `d`), typographic
/// quotes, dashes, ellipsis and non-breaking spaces replaced by their ASCII forms, line ends
/// made `\n`, tabs spaces, other control characters dropped, and anything else outside
/// printable ASCII (and the backquote, which GSM-7 lacks) replaced by `?`.
///
/// The result is always GSM-7. It is deliberately plain ASCII: the Latin-1 letters GSM-7 also
/// has (é, ñ, à…) are a known source of garbled text on some carriers' brand-name routes
/// [assumed: reported by integrators, not verified]. Count the cost with [`segments`].
pub fn sms_text(text: &str) -> String {
    let folded = fold_vietnamese(&text.replace("\r\n", "\n"));
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        match c {
            '\n' | '\r' => out.push('\n'),
            '\t' | '\u{00A0}' | '\u{2007}' | '\u{202F}' | '\u{2002}'..='\u{200A}' => out.push(' '),
            '`' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' | '\u{00B4}' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => out.push('"'),
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{2022}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            c if c.is_ascii_control() || ('\u{0080}'..='\u{009F}').contains(&c) => {}
            '\u{200B}' | '\u{FEFF}' => {}
            c if c.is_ascii() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// GSM 03.38 default alphabet (one septet each; the escape code itself is left out).
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table: escape plus the character, two septets each.
const GSM_EXTENSION: &str = "\u{000C}^{}\\[~]|€";

/// How many SMS `text` costs. GSM-7 text: up to 160 septets is one SMS, longer texts are
/// split into parts of 153 (the rest carries the concatenation header); characters of the
/// extension table (`^{}\[~]|€`) take two septets and are never split across parts. Text
/// with any other character goes as UCS-2: 70 UTF-16 units in one SMS, 67 per part, a
/// surrogate pair never split. Empty text counts as one SMS.
pub fn segments(text: &str) -> u32 {
    let gsm: Option<Vec<usize>> = text
        .chars()
        .map(|c| {
            if GSM_BASIC.contains(c) {
                Some(1)
            } else if GSM_EXTENSION.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .collect();
    let (units, single, part) = match gsm {
        Some(septets) => (septets, 160, 153),
        None => (text.chars().map(char::len_utf16).collect(), 70, 67),
    };
    if units.iter().sum::<usize>() <= single {
        return 1;
    }
    let mut parts = 1u32;
    let mut filled = 0;
    for unit in units {
        if filled + unit > part {
            parts += 1;
            filled = 0;
        }
        filled += unit;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_reach_nested_fields_and_numbers() {
        let reply = serde_json::json!({"status":"success","code":0,"data":{"tranId":12345}});
        assert_eq!(text_at(&reply, "data.tranId"), "12345");
        assert_eq!(text_at(&reply, "code"), "0");
        assert_eq!(text_at(&reply, "data.missing"), "");
        assert_eq!(text_at(&reply, "data"), "");
        assert_eq!(text_at(&reply, ""), "");
    }
}
