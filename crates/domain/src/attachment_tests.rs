//! Upload checks and attach rules, table-driven, plus properties of file names.

use super::*;
use proptest::prelude::*;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
];
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n', 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];

#[test]
fn types_are_recognised_by_their_first_bytes() {
    let cases: &[(&[u8], Option<MediaType>)] = &[
        (PDF, Some(MediaType::Pdf)),
        (JPEG, Some(MediaType::Jpeg)),
        (PNG, Some(MediaType::Png)),
        (b"%PDF", None),
        (b"hello, this is text", None),
        (&[0xFF, 0xD8], None),
        (&[0x89, b'P', b'N', b'G'], None),
        (b"GIF89a", None),
        (b"PK\x03\x04", None),
        (b"", None),
        (b" %PDF-1.4", None),
    ];
    for (bytes, expected) in cases {
        assert_eq!(MediaType::sniff(bytes), *expected, "{bytes:?}");
    }
}

#[test]
fn declared_types_are_parsed_leniently() {
    let cases = [
        ("application/pdf", Some(MediaType::Pdf)),
        ("Application/PDF; charset=binary", Some(MediaType::Pdf)),
        ("image/jpg", Some(MediaType::Jpeg)),
        ("image/pjpeg", Some(MediaType::Jpeg)),
        (" image/png ", Some(MediaType::Png)),
        ("text/plain", None),
        ("image/gif", None),
        ("", None),
    ];
    for (value, expected) in cases {
        assert_eq!(MediaType::parse(value), expected, "{value}");
    }
    for media_type in MediaType::ALL {
        assert_eq!(MediaType::parse(media_type.as_str()), Some(media_type));
    }
}

#[test]
fn uploads_are_checked_for_size_type_and_declaration() {
    let max = 1000;
    type Case<'a> = (&'a [u8], Option<&'a str>, Result<MediaType, UploadError>);
    let cases: &[Case] = &[
        (PDF, Some("application/pdf"), Ok(MediaType::Pdf)),
        (PDF, None, Ok(MediaType::Pdf)),
        (PDF, Some("application/octet-stream"), Ok(MediaType::Pdf)),
        (PDF, Some(""), Ok(MediaType::Pdf)),
        (JPEG, Some("image/jpeg"), Ok(MediaType::Jpeg)),
        (PNG, Some("image/png"), Ok(MediaType::Png)),
        // A text file presented as a PDF.
        (
            b"just some text",
            Some("application/pdf"),
            Err(UploadError::TypeMismatch),
        ),
        // A PNG presented as a JPEG.
        (PNG, Some("image/jpeg"), Err(UploadError::TypeMismatch)),
        // A real PDF declared as something we do not accept.
        (PDF, Some("text/html"), Err(UploadError::UnsupportedType)),
        (
            b"GIF89a....",
            Some("image/gif"),
            Err(UploadError::UnsupportedType),
        ),
        (b"GIF89a....", None, Err(UploadError::UnsupportedType)),
        (b"", Some("application/pdf"), Err(UploadError::Empty)),
    ];
    for (bytes, declared, expected) in cases {
        let got = check_upload("giấy tờ", *declared, bytes, max).map(|c| c.media_type);
        assert_eq!(got, *expected, "{declared:?} {bytes:?}");
    }
    let big = [PDF, &[b' '; 1000]].concat();
    assert_eq!(
        check_upload("a.pdf", None, &big, max),
        Err(UploadError::TooLarge { max })
    );
    let exact = [PDF, &vec![b' '; 1000 - PDF.len()][..]].concat();
    assert_eq!(
        check_upload("a.pdf", None, &exact, max).map(|c| c.size),
        Ok(1000),
        "exactly the limit is accepted"
    );
}

#[test]
fn every_refusal_has_a_catalogue_code() {
    for error in [
        UploadError::Empty,
        UploadError::TooLarge { max: 1 },
        UploadError::UnsupportedType,
        UploadError::TypeMismatch,
    ] {
        assert!(error.code().starts_with("error-file-"), "{error:?}");
    }
}

#[test]
fn file_names_are_made_safe_and_keep_vietnamese_letters() {
    let cases = [
        ("Giấy khai sinh.pdf", MediaType::Pdf, "Giấy khai sinh.pdf"),
        // NFD input (macOS, some input methods) is stored as NFC.
        (
            "Gia\u{0301}y to\u{031B}\u{0300}.pdf",
            MediaType::Pdf,
            "Giáy tờ.pdf",
        ),
        (
            "C:\\Users\\Hậu\\Desktop\\CCCD mặt trước.JPG",
            MediaType::Jpeg,
            "CCCD mặt trước.jpg",
        ),
        ("../../etc/passwd", MediaType::Pdf, "passwd.pdf"),
        ("scan.png", MediaType::Pdf, "scan.png.pdf"),
        ("ảnh.jpeg", MediaType::Jpeg, "ảnh.jpeg"),
        ("hoso\u{202E}fdp.exe", MediaType::Pdf, "hosofdp.exe.pdf"),
        ("a\u{0000}b\u{0007}c\r\n.pdf", MediaType::Pdf, "abc.pdf"),
        (
            "  nhiều    khoảng   trắng  .pdf",
            MediaType::Pdf,
            "nhiều khoảng trắng.pdf",
        ),
        ("...", MediaType::Png, "tep-dinh-kem.png"),
        ("", MediaType::Pdf, "tep-dinh-kem.pdf"),
        (".pdf", MediaType::Pdf, "pdf.pdf"),
        (
            "a<b>c:d\"e|f?g*h.pdf",
            MediaType::Pdf,
            "a b c d e f g h.pdf",
        ),
        (".hidden.pdf", MediaType::Pdf, "hidden.pdf"),
    ];
    for (raw, media_type, expected) in cases {
        assert_eq!(safe_file_name(raw, media_type), expected, "{raw:?}");
    }
}

#[test]
fn long_names_are_cut_but_keep_their_extension() {
    let long = format!("{}.pdf", "Đơn đề nghị ".repeat(40));
    let safe = safe_file_name(&long, MediaType::Pdf);
    assert_eq!(safe.chars().count(), MAX_NAME_CHARS - 1, "{safe}");
    assert!(safe.ends_with("nghị.pdf"), "{safe}");
}

#[test]
fn purposes_round_trip() {
    for purpose in [Purpose::Document, Purpose::Supplement, Purpose::Result] {
        assert_eq!(Purpose::parse(purpose.as_str()), Some(purpose));
    }
    assert_eq!(Purpose::parse("Document"), None);
}

#[test]
fn who_may_attach_what_in_which_status() {
    use Attacher::*;
    use DossierStatus as S;
    use Purpose::*;
    let ok = Ok(());
    let no = Err(AttachError::NotAllowed);
    let wrong = Err(AttachError::WrongStatus);
    let cases = [
        (Citizen, Document, None, ok),
        (Citizen, Document, Some(S::Submitted), ok),
        (Citizen, Document, Some(S::SupplementRequested), ok),
        (Citizen, Document, Some(S::Received), wrong),
        (Citizen, Document, Some(S::InProcessing), wrong),
        (Citizen, Document, Some(S::Returned), wrong),
        (Citizen, Supplement, Some(S::SupplementRequested), ok),
        (Citizen, Supplement, Some(S::Submitted), wrong),
        (Citizen, Result, Some(S::Resolved), no),
        (Desk, Document, Some(S::Received), ok),
        (Desk, Document, None, ok),
        (Desk, Document, Some(S::Returned), wrong),
        (Desk, Supplement, Some(S::SupplementRequested), ok),
        (Desk, Supplement, Some(S::InProcessing), wrong),
        (Desk, Result, Some(S::Resolved), ok),
        (Desk, Result, Some(S::Submitted), wrong),
        (Desk, Result, Some(S::Returned), wrong),
        (StepRole, Result, Some(S::InProcessing), ok),
        (StepRole, Result, Some(S::Withdrawn), wrong),
        (StepRole, Result, Some(S::NotReceived), wrong),
        (StepRole, Document, Some(S::InProcessing), no),
        (StepRole, Supplement, Some(S::SupplementRequested), no),
    ];
    for (attacher, purpose, status, expected) in cases {
        assert_eq!(
            may_attach(attacher, purpose, status),
            expected,
            "{attacher:?} {purpose:?} {status:?}"
        );
    }
}

proptest! {
    #[test]
    fn checking_never_panics_and_names_are_always_safe(
        name in "\\PC{0,300}",
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
        declared in proptest::option::of("[a-z/;= -]{0,30}"),
        prefix in 0usize..4,
    ) {
        let magic: [&[u8]; 4] = [b"", PDF, JPEG, PNG];
        let bytes = [magic[prefix], &bytes[..]].concat();
        let _ = check_upload(&name, declared.as_deref(), &bytes, 100);
        for media_type in MediaType::ALL {
            let safe = safe_file_name(&name, media_type);
            prop_assert!(safe.chars().count() <= MAX_NAME_CHARS);
            prop_assert!(!safe.contains(['/', '\\']));
            prop_assert!(!safe.chars().any(|c| c.is_control() || is_invisible_format(c)));
            prop_assert!(!safe.starts_with('.'));
            let extension = safe.rsplit_once('.').map(|(_, e)| e.to_owned()).unwrap_or_default();
            prop_assert!(media_type.extensions().contains(&extension.as_str()), "extension of {}", safe);
            prop_assert_eq!(safe_file_name(&safe, media_type), safe.clone(), "idempotent");
            let nfc: String = safe.nfc().collect();
            prop_assert_eq!(nfc, safe);
        }
    }
}
