//! Where a caller may send the browser back to (`/lang/vi?back=…`, `/oidc/start?next=…`): only a
//! path of this site, never another host.
//!
//! Browsers are lenient in ways a naive `starts_with('/')` check is not: they drop tabs and line
//! breaks anywhere in a URL (`/\t/evil.example` becomes `//evil.example`, another host), read
//! `\` as `/` (`/\evil.example`), and strip leading spaces. So a return path is accepted only
//! when it starts with exactly one `/` and contains no backslash and no control character, both
//! as given and after percent-decoding (a later hop may decode once more); everything else falls
//! back to the caller's default. A line break as given is not a redirect target at all but an
//! attempt to add headers: the caller answers 400.

/// The longest return path kept; a longer one is not a page of ours.
pub const MAX_RETURN_PATH: usize = 1024;

/// The return path contained a line break (CR or LF), which only header injection sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line break in a return path")]
pub struct LineBreak;

impl LineBreak {
    /// The catalogue message.
    pub fn code(self) -> &'static str {
        "error-return-path-line-break"
    }
}

/// The local path to send the browser to, or `None` when `raw` is not one (the caller then uses
/// its default). The path comes back with spaces and non-ASCII characters percent-encoded, so it
/// is always a valid `Location` header value.
pub fn local_return_path(raw: &str) -> Result<Option<String>, LineBreak> {
    if raw.contains(['\r', '\n']) {
        return Err(LineBreak);
    }
    if raw.len() > MAX_RETURN_PATH || !is_local(raw) {
        return Ok(None);
    }
    let decoded = percent_decode(raw);
    if !is_local(&decoded) {
        return Ok(None);
    }
    Ok(Some(encode_unsafe(raw)))
}

/// [`local_return_path`] with a default for anything that is not local (the line break is still
/// an error).
pub fn return_path_or(raw: Option<&str>, default: &str) -> Result<String, LineBreak> {
    match raw {
        Some(raw) => Ok(local_return_path(raw)?.unwrap_or_else(|| default.to_owned())),
        None => Ok(default.to_owned()),
    }
}

/// One leading `/`, not followed by another `/` or `\`; no `\` and no control character anywhere.
fn is_local(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !path.chars().any(|c| c == '\\' || c.is_control())
}

/// Decodes `%XX` once; invalid escapes stay as they are, invalid UTF-8 becomes U+FFFD.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            // Two hex digits are at most 255.
            out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'%'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes every byte that is not visible ASCII (the path has no control characters by
/// now, so that is the space and non-ASCII letters).
fn encode_unsafe(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_graphic() {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[path = "return_path_tests.rs"]
mod tests;
