//! A citizen's uploads are bounded by the configured quota, through every door (the API upload
//! and the papers of a page form); a refused file is stored nowhere. Officials have no quota.
//! On both databases.

use motcua_app::attachments::{PaperUpload, Papers};
use motcua_app::dossiers::Submission;
use motcua_app::test_support::{CITIZEN, Fixture, WARD, birth_registration};
use motcua_app::{AppError, InvalidField};
use motcua_blobs::sha256_hex;
use motcua_store::Backend;
use std::sync::Arc;

/// A PDF of `size` bytes whose content is unique to this run (so the shared scratch blob store
/// cannot already hold it).
fn pdf(size: usize, salt: &str) -> Vec<u8> {
    let mut bytes = format!(
        "%PDF-1.7\n% {salt} {}\n",
        motcua_app::security::random_token()
    )
    .into_bytes();
    bytes.resize(size, b'0');
    bytes
}

fn quota_refusal(field: &str) -> Vec<InvalidField> {
    vec![InvalidField::new(field, "error-upload-quota")]
}

async fn a_citizen_cannot_upload_past_the_quota(backend: Backend) {
    let mut f = Fixture::new(backend).await;
    Arc::make_mut(&mut f.app.settings).upload_quota_bytes = 10_000;
    let hau = f.citizen(CITIZEN).await;
    let first = f
        .app
        .upload_attachment(&hau, "a.pdf", None, pdf(6_000, "a").into())
        .await
        .expect("within the quota");
    assert_eq!(first.size, 6_000);
    let over = pdf(4_001, "b");
    let refused = f
        .app
        .upload_attachment(&hau, "b.pdf", None, over.clone().into())
        .await;
    assert!(
        matches!(&refused, Err(AppError::Invalid(fields)) if *fields == quota_refusal("file")),
        "{refused:?}"
    );
    assert!(
        !f.app
            .blobs
            .exists(&sha256_hex(&over))
            .await
            .expect("exists"),
        "the refused file is not stored"
    );
    let mine = f.app.my_attachments(&hau).await.expect("mine");
    assert_eq!(mine.iter().map(|a| a.size).sum::<i64>(), 6_000);
    // Exactly up to the quota is fine; officials have none.
    f.app
        .upload_attachment(&hau, "c.pdf", None, pdf(4_000, "c").into())
        .await
        .expect("exactly the quota");
    let reception = f.official("tiepnhan.ninhkieu").await;
    f.app
        .upload_attachment(&reception, "scan.pdf", None, pdf(20_000, "d").into())
        .await
        .expect("officials have no quota");
    f.cleanup().await;
}

async fn papers_of_a_form_past_the_quota_store_nothing(backend: Backend) {
    let mut f = Fixture::new(backend).await;
    Arc::make_mut(&mut f.app.settings).upload_quota_bytes = 10_000;
    let hau = f.citizen(CITIZEN).await;
    let dossiers_before = f.app.my_dossiers(&hau).await.expect("mine").len();
    let small = pdf(6_000, "paper0");
    let large = pdf(6_000, "paper5");
    let upload = |field: &str, index: u32, bytes: &[u8]| {
        let field = field.to_owned();
        let bytes = bytes.to_vec();
        let app = f.app.clone();
        async move {
            PaperUpload {
                field,
                requirement: Some(index),
                file_name: "giấy tờ.pdf".into(),
                declared_type: Some("application/pdf".into()),
                content: app.stage(&bytes).await.expect("staged"),
                oversize: false,
            }
        }
    };
    let papers = Papers {
        uploads: vec![
            upload("paper.0", 0, &small).await,
            upload("paper.5", 5, &large).await,
        ],
        require_all: false,
    };
    let submission = Submission {
        procedure_code: "1.001193".into(),
        agency_code: WARD.into(),
        form: birth_registration(),
        attachments: Vec::new(),
        delivery: Default::default(),
        postal: Default::default(),
    };
    let refused = f
        .app
        .submit_dossier_with_papers(&hau, &submission, &papers)
        .await;
    assert!(
        matches!(&refused, Err(AppError::Invalid(fields)) if *fields == quota_refusal("paper.5")),
        "{refused:?}"
    );
    for content in [&small, &large] {
        assert!(
            !f.app
                .blobs
                .exists(&sha256_hex(content))
                .await
                .expect("exists")
        );
    }
    assert_eq!(
        f.app.my_dossiers(&hau).await.expect("mine").len(),
        dossiers_before
    );
    assert!(f.app.my_attachments(&hau).await.expect("mine").is_empty());
    f.cleanup().await;
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await } )* }
    };
}

both!(
    a_citizen_cannot_upload_past_the_quota,
    papers_of_a_form_past_the_quota_store_nothing
);
