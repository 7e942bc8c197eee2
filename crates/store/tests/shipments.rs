//! Postal shipments on both databases: one order per posting, the tracking number given once,
//! tracking events kept once per operator event id, the status following the operator's time
//! whatever the arrival order, the pull's choice of silent parcels, and the dossier's posting
//! column written with its state.

use motcua_domain::authz::Role;
use motcua_domain::calendar::ProcessingTime;
use motcua_domain::dossier::{Dossier, StepAction, Workflow, WorkflowStep};
use motcua_store::dossiers::NewDossier;
use motcua_store::org::OrgUnitInput;
use motcua_store::shipments::{NewShipment, NewShipmentEvent, ORDERING};
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store, StoreError};
use time::macros::datetime;

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

contract!(
    one_shipment_per_posting_and_reference,
    the_tracking_number_is_given_once,
    tracking_events_are_kept_once_and_never_move_a_parcel_back,
    the_pull_picks_silent_parcels_on_their_way,
    the_posting_time_is_a_column_and_the_tracking_number_is_in_the_state,
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

fn workflow() -> Workflow {
    Workflow {
        id: "1.001193".into(),
        version: 1,
        steps: vec![WorkflowStep {
            id: "phe-duyet".into(),
            name: "Phê duyệt".into(),
            role: Role::Leader,
            unit_ref: None,
            allowance: ProcessingTime::WorkingHours(8),
            actions: vec![StepAction::Approve, StepAction::ReturnToDesk],
        }],
    }
}

/// An agency and one draft dossier in it: (dossier id, agency path).
async fn dossier(store: &Store) -> (i64, String) {
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
    let wf = workflow();
    let id = tx
        .insert_dossier(
            &NewDossier {
                procedure_code: "1.001193".into(),
                procedure_version: 1,
                agency_id: unit.id,
                agency_path: unit.path.clone(),
                citizen_id: None,
                applicant_name: "Nguyễn Văn Hậu".into(),
                applicant_personal_id: None,
                channel: "online".into(),
                form: "{}".into(),
                delivery_method: "post".into(),
                delivery_address: Some("12 Trần Phú, Ninh Kiều, Cần Thơ".into()),
                contact_phone: None,
            },
            &Dossier::draft(&wf),
            &[Role::Leader],
            1,
        )
        .await
        .expect("dossier");
    tx.commit().await.expect("commit");
    (id, unit.path)
}

fn order(dossier_id: i64, path: &str, posting_seq: i64, reference: &str) -> NewShipment {
    NewShipment {
        dossier_id,
        agency_path: path.into(),
        kind: "result_delivery".into(),
        posting_seq,
        reference: reference.into(),
        receiver_name: "Nguyễn Văn Hậu".into(),
        receiver_address: "12 Trần Phú, Ninh Kiều, Cần Thơ".into(),
        sender: None,
        created_at: 100,
    }
}

fn event(shipment_id: i64, event_id: &str, status: &str, at: i64) -> NewShipmentEvent {
    NewShipmentEvent {
        shipment_id,
        event_id: event_id.into(),
        status: status.into(),
        at,
        note: None,
        received_at: 5_000 + at,
        source: "callback".into(),
    }
}

async fn one_shipment_per_posting_and_reference(store: Store) {
    let (id, path) = dossier(&store).await;
    let mut tx = store.begin().await.expect("begin");
    let first = tx
        .insert_shipment(&order(id, &path, 9, "000.00.30.H13-261125-0001/tra-kq"))
        .await
        .expect("first");
    tx.commit().await.expect("commit");
    assert_eq!(first.status, ORDERING);
    assert_eq!(first.tracking_number, None);
    assert_eq!((first.created_at, first.checked_at), (100, 100));

    // The same posting again (a second worker), under any reference: refused.
    let mut tx = store.begin().await.expect("begin");
    let again = tx
        .insert_shipment(&order(id, &path, 9, "000.00.30.H13-261125-0001/tra-kq-2"))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    drop(tx);
    // Another posting under a used reference: refused.
    let mut tx = store.begin().await.expect("begin");
    let reused = tx
        .insert_shipment(&order(id, &path, 12, "000.00.30.H13-261125-0001/tra-kq"))
        .await;
    assert!(matches!(reused, Err(StoreError::Conflict(_))), "{reused:?}");
    drop(tx);
    // Another posting under a new reference: a second parcel.
    let mut tx = store.begin().await.expect("begin");
    tx.insert_shipment(&order(id, &path, 12, "000.00.30.H13-261125-0001/tra-kq-2"))
        .await
        .expect("second posting");
    tx.commit().await.expect("commit");

    let found = store
        .shipment_for_posting(id, "result_delivery", 9)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(found, first);
    assert_eq!(
        store
            .shipment_for_posting(id, "dossier_pickup", 9)
            .await
            .expect("read"),
        None
    );
    let all = store.dossier_shipments(id).await.expect("list");
    assert_eq!(
        all.iter().map(|s| s.posting_seq).collect::<Vec<_>>(),
        [9, 12]
    );
}

async fn the_tracking_number_is_given_once(store: Store) {
    let (id, path) = dossier(&store).await;
    let mut tx = store.begin().await.expect("begin");
    let first = tx
        .insert_shipment(&order(id, &path, 9, "R1"))
        .await
        .expect("first");
    let second = tx
        .insert_shipment(&order(id, &path, 12, "R2"))
        .await
        .expect("second");
    let accepted = tx
        .accept_shipment(first.id, "EL123456785VN", 25_000, 200)
        .await
        .expect("accepted");
    assert_eq!(accepted.tracking_number.as_deref(), Some("EL123456785VN"));
    assert_eq!(accepted.fee_vnd, Some(25_000));
    assert_eq!(accepted.status, "accepted");
    assert_eq!((accepted.updated_at, accepted.checked_at), (200, 200));
    // The same answer again (a repeated order): nothing changes.
    let repeated = tx
        .accept_shipment(first.id, "EL123456785VN", 30_000, 300)
        .await
        .expect("same number");
    assert_eq!(repeated, accepted);
    // Another number for the same parcel, or the same number for another parcel: refused.
    let other = tx.accept_shipment(first.id, "EL000000000VN", 0, 400).await;
    assert!(matches!(other, Err(StoreError::Conflict(_))), "{other:?}");
    tx.commit().await.expect("commit");
    let mut tx = store.begin().await.expect("begin");
    let stolen = tx.accept_shipment(second.id, "EL123456785VN", 0, 400).await;
    assert!(matches!(stolen, Err(StoreError::Conflict(_))), "{stolen:?}");
    drop(tx);
    assert_eq!(
        store
            .shipment_by_tracking("EL123456785VN")
            .await
            .expect("read")
            .map(|s| s.id),
        Some(first.id)
    );
    assert_eq!(
        store.shipment_by_tracking("EL999").await.expect("read"),
        None
    );
}

async fn tracking_events_are_kept_once_and_never_move_a_parcel_back(store: Store) {
    let (id, path) = dossier(&store).await;
    let mut tx = store.begin().await.expect("begin");
    let parcel = tx
        .insert_shipment(&order(id, &path, 9, "R1"))
        .await
        .expect("order");
    tx.accept_shipment(parcel.id, "EL123456785VN", 25_000, 200)
        .await
        .expect("accept");
    assert!(
        tx.record_shipment_event(&event(parcel.id, "e1", "accepted", 1_000))
            .await
            .expect("e1")
    );
    assert!(
        tx.record_shipment_event(&event(parcel.id, "e3", "out_for_delivery", 3_000))
            .await
            .expect("e3")
    );
    // The same event again: not new, nothing written.
    let mut repeated = event(parcel.id, "e3", "delivered", 9_000);
    repeated.received_at = 99_999;
    assert!(!tx.record_shipment_event(&repeated).await.expect("repeat"));
    // An older event arriving late is kept but does not move the parcel back.
    assert!(
        tx.record_shipment_event(&event(parcel.id, "e2", "in_transit", 2_000))
            .await
            .expect("e2")
    );
    tx.commit().await.expect("commit");
    let now = store.shipment(parcel.id).await.expect("read");
    assert_eq!(now.status, "out_for_delivery");
    assert_eq!(now.last_event_at, Some(3_000));
    assert_eq!(
        now.checked_at, 8_000,
        "heard from last at e3's arrival, not e2's"
    );
    assert!(!now.is_final());
    let events = store.shipment_events(parcel.id).await.expect("events");
    assert_eq!(
        events
            .iter()
            .map(|e| (e.event_id.as_str(), e.status.as_str()))
            .collect::<Vec<_>>(),
        [
            ("e1", "accepted"),
            ("e2", "in_transit"),
            ("e3", "out_for_delivery")
        ]
    );

    let mut tx = store.begin().await.expect("begin");
    let mut delivered = event(parcel.id, "e4", "delivered", 4_000);
    delivered.note = Some("Người nhận: Hậu".into());
    delivered.source = "pull".into();
    assert!(tx.record_shipment_event(&delivered).await.expect("e4"));
    tx.commit().await.expect("commit");
    let done = store.shipment(parcel.id).await.expect("read");
    assert_eq!(done.status, "delivered");
    assert!(done.is_final());
    let last = store
        .shipment_events(parcel.id)
        .await
        .expect("events")
        .pop()
        .expect("an event");
    assert_eq!(last.note.as_deref(), Some("Người nhận: Hậu"));
    assert_eq!(last.source, "pull");

    // The same operator event id on another parcel is another event.
    let mut tx = store.begin().await.expect("begin");
    let other = tx
        .insert_shipment(&order(id, &path, 12, "R2"))
        .await
        .expect("order");
    assert!(
        tx.record_shipment_event(&event(other.id, "e1", "accepted", 1_000))
            .await
            .expect("other e1")
    );
    tx.commit().await.expect("commit");
}

async fn the_pull_picks_silent_parcels_on_their_way(store: Store) {
    let (id, path) = dossier(&store).await;
    let mut tx = store.begin().await.expect("begin");
    let ordering = tx
        .insert_shipment(&order(id, &path, 1, "R1"))
        .await
        .expect("ordering");
    let silent = tx
        .insert_shipment(&order(id, &path, 2, "R2"))
        .await
        .expect("silent");
    tx.accept_shipment(silent.id, "EL123456785VN", 0, 200)
        .await
        .expect("accept");
    let heard = tx
        .insert_shipment(&order(id, &path, 3, "R3"))
        .await
        .expect("heard");
    tx.accept_shipment(heard.id, "EL000000015VN", 0, 200)
        .await
        .expect("accept");
    tx.record_shipment_event(&event(heard.id, "e1", "in_transit", 1_000))
        .await
        .expect("event");
    let done = tx
        .insert_shipment(&order(id, &path, 4, "R4"))
        .await
        .expect("done");
    tx.accept_shipment(done.id, "EL000000024VN", 0, 200)
        .await
        .expect("accept");
    tx.record_shipment_event(&event(done.id, "e1", "returned_to_sender", 1_000))
        .await
        .expect("event");
    tx.commit().await.expect("commit");

    let picked = |rows: Vec<motcua_store::shipments::ShipmentRow>| {
        rows.into_iter().map(|s| s.id).collect::<Vec<_>>()
    };
    assert_eq!(
        picked(store.silent_shipments(1_000, 10).await.expect("pull")),
        [silent.id],
        "neither the order without a number, nor the one heard of at 6 000, nor the final one"
    );
    assert_eq!(
        picked(store.silent_shipments(10_000, 10).await.expect("pull")),
        [silent.id, heard.id],
        "the longest silent first"
    );
    assert_eq!(
        picked(store.silent_shipments(10_000, 1).await.expect("pull")),
        [silent.id]
    );
    store.touch_shipment(silent.id, 8_000).await.expect("touch");
    assert_eq!(
        picked(store.silent_shipments(7_000, 10).await.expect("pull")),
        [heard.id]
    );
    assert_eq!(
        store.shipment(ordering.id).await.expect("read").status,
        ORDERING
    );
}

async fn the_posting_time_is_a_column_and_the_tracking_number_is_in_the_state(store: Store) {
    let (id, _) = dossier(&store).await;
    let wf = workflow();
    let mut state = Dossier::draft(&wf);
    let posted = datetime!(2026-11-25 10:00 +7);
    state.result_posted_at = Some(posted);
    state.result_tracking = Some("EL123456785VN".into());
    let mut tx = store.begin().await.expect("begin");
    let row = tx
        .update_dossier(id, 0, &state, &[Role::Leader], 2)
        .await
        .expect("update");
    tx.commit().await.expect("commit");
    assert_eq!(
        row.result_posted_at,
        Some(posted.unix_timestamp_nanos() as i64 / 1_000)
    );
    let loaded = store.get_dossier(id).await.expect("read");
    assert_eq!(loaded.result_posted_at, row.result_posted_at);
    assert_eq!(loaded.dossier().expect("state"), state);

    // A snapshot written before the postal fields existed still loads, unposted.
    let unposted = Dossier::draft(&wf);
    let text = motcua_store::dossiers::encode_state(&unposted);
    assert!(!text.contains("result_"), "{text}");
    let back = motcua_store::dossiers::decode_state(&text).expect("decodes");
    assert_eq!(back.result_posted_at, None);
    assert_eq!(back.result_tracking, None);
}
