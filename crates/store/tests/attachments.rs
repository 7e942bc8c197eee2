//! Attachment metadata on both databases: contents stored once, one row per upload, dossier
//! links with purpose and requirement, and nothing left behind by a rolled-back upload.

use motcua_domain::authz::Role;
use motcua_domain::calendar::ProcessingTime;
use motcua_domain::dossier::{Dossier, StepAction, Workflow, WorkflowStep};
use motcua_store::attachments::{NewAttachment, NewDossierAttachment, Owner};
use motcua_store::dossiers::NewDossier;
use motcua_store::org::OrgUnitInput;
use motcua_store::people::OfficialInput;
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store, StoreError};

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

contract!(
    the_same_content_uploaded_twice_is_one_blob_and_two_attachments,
    an_attachment_needs_a_recorded_blob,
    dossier_links_keep_purpose_requirement_and_who_added_them,
    a_rolled_back_upload_leaves_nothing,
);

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDatabase::new(backend).await;
    test(db.store.clone()).await;
    db.cleanup().await;
}

const SCAN: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const PHOTO: &str = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

/// A commune, a citizen, an official and two draft dossiers of that citizen.
struct World {
    citizen_id: i64,
    official_id: i64,
    dossiers: [i64; 2],
}

async fn world(store: &Store) -> World {
    let mut tx = store.begin().await.expect("begin");
    let unit = tx
        .insert_unit(
            &OrgUnitInput {
                parent_id: None,
                kind: "agency".into(),
                level: "commune".into(),
                name: "UBND phường Ninh Kiều".into(),
                short_name: None,
                code: Some("000.00.30.H13".into()),
                address: None,
                phone: None,
                email: None,
                sort_order: 0,
            },
            1,
        )
        .await
        .expect("unit");
    let citizen_id = tx
        .insert_citizen("092095001234", "Nguyễn Văn Hậu", None, None, "hash", 1)
        .await
        .expect("citizen");
    let official_id = tx
        .insert_official(
            &OfficialInput {
                username: "tiepnhan".into(),
                full_name: "Trần Thị Bình".into(),
                position_id: None,
                unit_id: unit.id,
                email: None,
                phone: None,
                employed_from: None,
                employed_to: None,
                active: true,
            },
            "hash",
            1,
        )
        .await
        .expect("official");
    let workflow = Workflow {
        id: "1.001193".into(),
        version: 1,
        steps: vec![WorkflowStep {
            id: "tham-dinh".into(),
            name: "Thẩm định".into(),
            role: Role::Specialist,
            unit_ref: None,
            allowance: ProcessingTime::WorkingHours(8),
            actions: vec![StepAction::Approve],
        }],
    };
    let draft = Dossier::draft(&workflow);
    let mut dossiers = [0; 2];
    for slot in &mut dossiers {
        *slot = tx
            .insert_dossier(
                &NewDossier {
                    procedure_code: "1.001193".into(),
                    procedure_version: 1,
                    agency_id: unit.id,
                    agency_path: unit.path.clone(),
                    citizen_id: Some(citizen_id),
                    applicant_name: "Nguyễn Văn Hậu".into(),
                    applicant_personal_id: Some("092095001234".into()),
                    channel: "online".into(),
                    form: "{}".into(),
                    delivery_method: "counter".into(),
                    delivery_address: None,
                    contact_phone: None,
                },
                &draft,
                &[Role::Specialist],
                1,
            )
            .await
            .expect("dossier");
    }
    tx.commit().await.expect("commit");
    World {
        citizen_id,
        official_id,
        dossiers,
    }
}

fn upload(sha256: &str, owner: Owner, name: &str) -> NewAttachment {
    NewAttachment {
        sha256: sha256.into(),
        owner,
        file_name: name.into(),
        media_type: "application/pdf".into(),
        size: 1234,
    }
}

async fn the_same_content_uploaded_twice_is_one_blob_and_two_attachments(store: Store) {
    let w = world(&store).await;
    let mut tx = store.begin().await.expect("begin");
    assert!(
        tx.insert_blob(SCAN, 1234, "application/pdf", 10)
            .await
            .expect("blob")
    );
    let first = tx
        .insert_attachment(
            &upload(SCAN, Owner::Citizen(w.citizen_id), "Giấy khai sinh.pdf"),
            10,
        )
        .await
        .expect("first");
    tx.commit().await.expect("commit");
    let mut tx = store.begin().await.expect("begin");
    assert!(
        !tx.insert_blob(SCAN, 1234, "application/pdf", 20)
            .await
            .expect("blob again"),
        "the second upload of the same content records no new blob"
    );
    let second = tx
        .insert_attachment(
            &upload(SCAN, Owner::Official(w.official_id), "scan-quay.pdf"),
            20,
        )
        .await
        .expect("second");
    tx.commit().await.expect("commit");

    assert_eq!(store.count_blobs().await.expect("count"), 1);
    let blob = store.get_blob(SCAN).await.expect("blob");
    assert_eq!(
        (blob.size, blob.created_at),
        (1234, 10),
        "the first record stays"
    );
    assert_ne!(first.id, second.id);
    assert_eq!(store.get_attachment(first.id).await.expect("get"), first);
    assert_eq!(first.owner(), Some(Owner::Citizen(w.citizen_id)));
    assert_eq!(second.owner(), Some(Owner::Official(w.official_id)));
    assert_eq!(first.file_name, "Giấy khai sinh.pdf");

    let mine = store
        .owner_attachments(Owner::Citizen(w.citizen_id), 50)
        .await
        .expect("mine");
    assert_eq!(mine, vec![first.clone()]);
    let theirs = store
        .owner_attachments(Owner::Official(w.official_id), 50)
        .await
        .expect("theirs");
    assert_eq!(theirs, vec![second]);
    assert!(matches!(
        store.get_attachment(first.id + 1000).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.get_blob(PHOTO).await,
        Err(StoreError::NotFound)
    ));
}

async fn an_attachment_needs_a_recorded_blob(store: Store) {
    let w = world(&store).await;
    let mut tx = store.begin().await.expect("begin");
    let orphan = tx
        .insert_attachment(&upload(PHOTO, Owner::Citizen(w.citizen_id), "a.pdf"), 1)
        .await;
    assert!(matches!(orphan, Err(StoreError::Conflict(_))), "{orphan:?}");
}

async fn dossier_links_keep_purpose_requirement_and_who_added_them(store: Store) {
    let w = world(&store).await;
    let mut tx = store.begin().await.expect("begin");
    tx.insert_blob(SCAN, 1234, "application/pdf", 1)
        .await
        .expect("blob");
    tx.insert_blob(PHOTO, 99, "image/jpeg", 1)
        .await
        .expect("blob");
    let scan = tx
        .insert_attachment(
            &upload(SCAN, Owner::Citizen(w.citizen_id), "Tờ khai.pdf"),
            1,
        )
        .await
        .expect("scan");
    let photo = tx
        .insert_attachment(&upload(PHOTO, Owner::Citizen(w.citizen_id), "CCCD.jpg"), 2)
        .await
        .expect("photo");
    let document = NewDossierAttachment {
        dossier_id: w.dossiers[0],
        attachment_id: scan.id,
        purpose: "document".into(),
        requirement_index: Some(0),
        requirement_name: Some("Tờ khai đăng ký khai sinh".into()),
        added_by_kind: "citizen".into(),
        added_by_id: w.citizen_id,
    };
    assert_eq!(
        tx.find_dossier_attachment(&document).await.expect("find"),
        None
    );
    let first = tx.link_attachment(&document, 5).await.expect("link");
    assert_eq!(
        tx.find_dossier_attachment(&document).await.expect("find"),
        Some(first)
    );
    let other_requirement = NewDossierAttachment {
        requirement_index: Some(5),
        ..document.clone()
    };
    assert_eq!(
        tx.find_dossier_attachment(&other_requirement)
            .await
            .expect("find"),
        None
    );
    let supplement = NewDossierAttachment {
        attachment_id: photo.id,
        purpose: "supplement".into(),
        requirement_index: None,
        requirement_name: None,
        added_by_kind: "official".into(),
        added_by_id: w.official_id,
        ..document.clone()
    };
    tx.link_attachment(&supplement, 6)
        .await
        .expect("supplement");
    assert!(
        tx.find_dossier_attachment(&supplement)
            .await
            .expect("find")
            .is_some(),
        "a link without requirement is found too"
    );
    // The earlier upload reused in the second dossier.
    tx.link_attachment(
        &NewDossierAttachment {
            dossier_id: w.dossiers[1],
            ..document.clone()
        },
        7,
    )
    .await
    .expect("reuse");
    tx.commit().await.expect("commit");
    let mut tx = store.begin().await.expect("begin");
    let bad_purpose = tx
        .link_attachment(
            &NewDossierAttachment {
                purpose: "other".into(),
                ..document
            },
            8,
        )
        .await;
    assert!(bad_purpose.is_err(), "purposes are a closed list");
    drop(tx);

    let files = store
        .dossier_attachments(w.dossiers[0])
        .await
        .expect("files");
    assert_eq!(files.len(), 2);
    assert_eq!(
        (
            files[0].purpose.as_str(),
            files[0].requirement_index,
            files[0].requirement_name.as_deref(),
            files[0].file_name.as_str(),
            files[0].sha256.as_str(),
            files[0].added_by_kind.as_str(),
            files[0].added_at,
        ),
        (
            "document",
            Some(0),
            Some("Tờ khai đăng ký khai sinh"),
            "Tờ khai.pdf",
            SCAN,
            "citizen",
            5
        )
    );
    assert_eq!(
        (
            files[1].purpose.as_str(),
            files[1].file_name.as_str(),
            files[1].added_by_id
        ),
        ("supplement", "CCCD.jpg", w.official_id)
    );
    let reused = store
        .dossier_attachments(w.dossiers[1])
        .await
        .expect("files");
    assert_eq!(reused.len(), 1);
    assert_eq!(reused[0].attachment_id, scan.id);
    assert_eq!(
        store
            .dossier_attachment(w.dossiers[0], photo.id)
            .await
            .expect("linked")
            .file_name,
        "CCCD.jpg"
    );
    assert!(matches!(
        store.dossier_attachment(w.dossiers[1], photo.id).await,
        Err(StoreError::NotFound)
    ));
}

async fn a_rolled_back_upload_leaves_nothing(store: Store) {
    let w = world(&store).await;
    let mut tx = store.begin().await.expect("begin");
    tx.insert_blob(SCAN, 1234, "application/pdf", 1)
        .await
        .expect("blob");
    let row = tx
        .insert_attachment(&upload(SCAN, Owner::Citizen(w.citizen_id), "a.pdf"), 1)
        .await
        .expect("row");
    drop(tx);
    assert_eq!(store.count_blobs().await.expect("count"), 0);
    assert!(matches!(
        store.get_attachment(row.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .owner_attachments(Owner::Citizen(w.citizen_id), 10)
            .await
            .expect("list")
            .is_empty()
    );
}
