//! Uploaded files as the multipart extractor hands them over (a client-chosen file name, an
//! optional declared type, the bytes): the checks never panic, the size limit holds, the type
//! accepted is always the one the magic bytes say, and the stored name is safe to show and to
//! offer back for download.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua_domain::attachment::{MAX_NAME_CHARS, MediaType, check_upload};

fuzz_target!(|data: &[u8]| {
    // Layout: [limit byte][name length byte][name][declared length byte][declared][bytes].
    let Some((&limit, rest)) = data.split_first() else {
        return;
    };
    let Some((name, rest)) = take(rest) else {
        return;
    };
    let Some((declared, bytes)) = take(rest) else {
        return;
    };
    let name = String::from_utf8_lossy(name);
    let declared = String::from_utf8_lossy(declared);
    let declared = (!declared.is_empty()).then_some(declared.as_ref());
    let max_bytes = u64::from(limit) * 4;
    match check_upload(&name, declared, bytes, max_bytes) {
        Ok(checked) => {
            assert!(checked.size > 0 && checked.size <= max_bytes);
            assert_eq!(checked.size, bytes.len() as u64);
            assert_eq!(MediaType::sniff(bytes), Some(checked.media_type));
            let stored = &checked.file_name;
            assert!(!stored.is_empty());
            assert!(stored.chars().count() <= MAX_NAME_CHARS, "{stored:?}");
            let (_, extension) = stored.rsplit_once('.').expect("an extension");
            assert!(
                checked.media_type.extensions().contains(&extension),
                "{stored:?}"
            );
            assert!(!stored.starts_with('.'), "{stored:?}");
            assert!(
                !stored.contains(['/', '\\', '<', '>', ':', '"', '|', '?', '*']),
                "{stored:?}"
            );
            assert!(!stored.chars().any(char::is_control), "{stored:?}");
        }
        Err(error) => {
            assert!(error.code().starts_with("error-file-"));
        }
    }
});

fn take(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = data.split_first()?;
    let len = usize::from(len).min(rest.len());
    Some(rest.split_at(len))
}
