//! Notifications and the chat lookup, as pure rules: which channels a citizen is told on,
//! what a chat message asks for, and how a recipient is shown in the delivery log.

use crate::dossier::DossierCode;
use crate::text::fold;

/// A channel that reaches a citizen outside the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NotifyChannel {
    Email,
    Sms,
    /// Zalo: ZNS by phone number (no follow of the Official Account needed).
    Zalo,
}

impl NotifyChannel {
    pub const ALL: [NotifyChannel; 3] = [Self::Email, Self::Sms, Self::Zalo];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
            Self::Zalo => "zalo",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == value.trim())
    }
}

/// A citizen's choice of channels. Without a stored choice: e-mail when the account has an
/// address, otherwise SMS (what sign-up verified), never Zalo until asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelChoice {
    pub email: bool,
    pub sms: bool,
    pub zalo: bool,
}

impl ChannelChoice {
    pub fn default_for(has_email: bool, has_phone: bool) -> Self {
        Self {
            email: has_email,
            sms: !has_email && has_phone,
            zalo: false,
        }
    }

    pub fn wants(self, channel: NotifyChannel) -> bool {
        match channel {
            NotifyChannel::Email => self.email,
            NotifyChannel::Sms => self.sms,
            NotifyChannel::Zalo => self.zalo,
        }
    }
}

/// The channels a message goes out on, with the address for each: those the citizen chose,
/// for which the account has a contact (SMS and Zalo both use the phone number).
pub fn recipients(
    choice: ChannelChoice,
    email: Option<&str>,
    phone: Option<&str>,
) -> Vec<(NotifyChannel, String)> {
    let nonempty = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    NotifyChannel::ALL
        .into_iter()
        .filter(|c| choice.wants(*c))
        .filter_map(|c| {
            let to = match c {
                NotifyChannel::Email => nonempty(email),
                NotifyChannel::Sms | NotifyChannel::Zalo => nonempty(phone),
            }?;
            Some((c, to))
        })
        .collect()
}

/// A recipient as the delivery log shows it: enough to recognise, not to contact.
/// "nguyenvana@example.vn" → "ng•••@example.vn", "0912345678" → "091•••678".
pub fn mask_recipient(to: &str) -> String {
    let to = to.trim();
    if let Some((local, domain)) = to.split_once('@') {
        let shown: String = local.chars().take(2).collect();
        return format!("{shown}•••@{domain}");
    }
    let chars: Vec<char> = to.chars().collect();
    if chars.len() <= 6 {
        return "•••".to_owned();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}•••{tail}")
}

/// What a message to the city's chat account asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatRequest {
    /// A dossier code was found in the text (with or without "tra cứu").
    Lookup(DossierCode),
    /// "tra cứu" without a code that parses: the answer says what a code looks like.
    LookupWithoutCode,
    /// Anything else: the answer explains how to look a dossier up.
    Help,
}

/// Reads a chat message: any casing, with or without diacritics, the code anywhere in the
/// text. The code's letters are read in capitals ("h13" is "H13"); punctuation around it
/// ("mã: …,", "(…)") is ignored.
pub fn parse_chat_request(text: &str) -> ChatRequest {
    for token in text.split(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')' | '"' | '\'' | '/' | '#')
    }) {
        let token = token.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        if token.len() < 10 || !token.contains('-') {
            continue;
        }
        if let Ok(code) = DossierCode::parse(&token.to_ascii_uppercase()) {
            return ChatRequest::Lookup(code);
        }
    }
    let folded = fold(text);
    let compact: String = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    if compact.contains("tra cuu") || compact.contains("tracuu") || compact.contains("ma ho so") {
        ChatRequest::LookupWithoutCode
    } else {
        ChatRequest::Help
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CODE: &str = "000.00.30.H13-261206-0001";

    #[test]
    fn a_code_is_found_however_it_is_typed() {
        for text in [
            "tra cứu 000.00.30.H13-261206-0001",
            "TRA CUU 000.00.30.H13-261206-0001",
            "Tra Cứu hồ sơ: 000.00.30.h13-261206-0001.",
            "cho tôi hỏi hồ sơ (000.00.30.H13-261206-0001) đến đâu rồi?",
            "000.00.30.H13-261206-0001",
            "tracuu\n000.00.30.H13-261206-0001 cảm ơn",
        ] {
            match parse_chat_request(text) {
                ChatRequest::Lookup(code) => assert_eq!(code.to_string(), CODE, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn without_a_valid_code_the_bot_explains() {
        for text in [
            "tra cứu",
            "Tra cuu ho so 12345",
            "tra cứu 000.00.30.H13-261399-0001",
            "mã hồ sơ của tôi",
        ] {
            assert_eq!(
                parse_chat_request(text),
                ChatRequest::LookupWithoutCode,
                "{text}"
            );
        }
        for text in ["xin chào", "", "   ", "giờ làm việc?"] {
            assert_eq!(parse_chat_request(text), ChatRequest::Help, "{text}");
        }
    }

    #[test]
    fn recipients_follow_the_choice_and_the_contacts() {
        let all = ChannelChoice {
            email: true,
            sms: true,
            zalo: true,
        };
        assert_eq!(
            recipients(all, Some("a@b.vn"), Some("0912345678")),
            vec![
                (NotifyChannel::Email, "a@b.vn".to_owned()),
                (NotifyChannel::Sms, "0912345678".to_owned()),
                (NotifyChannel::Zalo, "0912345678".to_owned()),
            ]
        );
        assert_eq!(recipients(all, None, Some(" ")), vec![]);
        let none = ChannelChoice {
            email: false,
            sms: false,
            zalo: false,
        };
        assert!(recipients(none, Some("a@b.vn"), Some("0912345678")).is_empty());
        assert_eq!(
            ChannelChoice::default_for(true, true),
            ChannelChoice {
                email: true,
                sms: false,
                zalo: false
            }
        );
        assert_eq!(
            ChannelChoice::default_for(false, true),
            ChannelChoice {
                email: false,
                sms: true,
                zalo: false
            }
        );
    }

    #[test]
    fn recipients_are_masked() {
        assert_eq!(mask_recipient("nguyenvana@example.vn"), "ng•••@example.vn");
        assert_eq!(mask_recipient("0912345678"), "091•••678");
        assert_eq!(mask_recipient("12345"), "•••");
    }

    proptest! {
        #[test]
        fn any_text_is_read_without_panic(text in "\\PC{0,200}") {
            let _ = parse_chat_request(&text);
            let _ = mask_recipient(&text);
        }

        #[test]
        fn the_code_is_found_amid_any_words(before in "[a-zA-Zàáạảãâầấậẩẫ ]{0,30}", after in "[a-zA-Zđ ?!.]{0,30}") {
            let text = format!("{before} {CODE} {after}");
            prop_assert_eq!(parse_chat_request(&text), ChatRequest::Lookup(DossierCode::parse(CODE).expect("valid code")));
        }

        #[test]
        fn a_masked_phone_never_shows_the_middle(phone in "0[35789][0-9]{8}") {
            let masked = mask_recipient(&phone);
            prop_assert!(!masked.contains(&phone[3..7]));
        }
    }
}
