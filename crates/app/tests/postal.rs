//! Results returned by post (issue 15) at the app boundary, on both databases, against the
//! postal operator's simulator: the parcel ordered once whatever the worker does, tracking
//! callbacks verified and kept once, delivery to status 10, a return to sender back at the
//! desk, the pull for lost callbacks, the postmark that starts the clock, and who may do what.
//!
//! The adapter signs its requests with the system clock and the simulator judges them by its
//! own, so the tests that talk to the simulator set the app's clock to the real time first.

use motcua_app::dossiers::{CounterRegistration, Submission};
use motcua_app::notify::Channels;
use motcua_app::postal::{Postal, PostalChoice, PostalSender, TrackingOutcome};
use motcua_app::test_support::{CITIZEN, Fixture, OTHER_CITIZEN, WARD, birth_registration};
use motcua_app::{App, AppError};
use motcua_channels::Secret;
use motcua_channels::postal::{
    HttpPostalOperator, PostalConfig, TrackingStatus, TrackingUpdate, sign, tracking_number,
};
use motcua_channels::simulator::postal::{PostalSimConfig, PostalSimHandle, PostalSimulator};
use motcua_domain::dossier::{Command, CommandKind, DossierStatus, ResultDelivery, ReturnMethod};
use motcua_store::Backend;
use std::sync::Arc;
use time::OffsetDateTime;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Postgres).await } )* }
    };
}

both!(
    a_posted_result_is_ordered_once_and_delivered_to_status_10,
    a_lost_reply_and_a_repeated_row_still_order_one_parcel,
    forged_stale_and_unknown_callbacks_change_nothing,
    a_parcel_back_at_the_agency_is_returned_again,
    the_pull_finds_what_lost_callbacks_said,
    the_postmark_starts_the_clock,
    only_the_system_records_what_the_operator_reports,
    an_order_refused_for_good_is_given_up_and_an_outage_retried,
    papers_collected_by_post_count_from_the_day_the_operator_took_them,
    a_postal_submission_is_refused_whole_when_its_details_are_wrong,
);

const CUSTOMER: &str = "MOTCUA-CANTHO";
const API_KEY: &str = "postal-api-key-0123456789";
const CALLBACK_SECRET: &str = "postal-callback-secret-0123456789";
const ADDRESS: &str = "45 đường 30/4, phường Ninh Kiều, Cần Thơ";

struct Post {
    f: Fixture,
    app: App,
    sim: PostalSimHandle,
}

impl Post {
    async fn new(backend: Backend) -> Post {
        let f = Fixture::new(backend).await;
        // Callbacks are handed to the app by the test (no server here).
        let sim = PostalSimulator::start(PostalSimConfig::new(
            CUSTOMER,
            API_KEY,
            CALLBACK_SECRET,
            None,
        ))
        .await
        .expect("postal simulator");
        let config = PostalConfig {
            endpoint: sim.endpoint(),
            customer_code: CUSTOMER.into(),
            api_key: Secret(API_KEY.into()),
            callback_secret: Secret(CALLBACK_SECRET.into()),
        };
        let operator = HttpPostalOperator::new(config.clone()).expect("adapter");
        let app = f.app.clone().with_postal(Postal::new(
            Arc::new(operator),
            config,
            PostalSender {
                phone: "0292 3820 123".into(),
                address: "2 Hòa Bình, Ninh Kiều, Cần Thơ".into(),
            },
        ));
        f.set(OffsetDateTime::now_utc());
        Post { f, app, sim }
    }

    /// Runs the outbox once (notifications to the log, the results to the post).
    async fn deliver(&self) -> usize {
        self.app
            .deliver_outbox(&Channels::log_only())
            .await
            .expect("outbox round")
    }

    /// Signs `update` as the operator does and hands it to the app.
    async fn callback(&self, update: &TrackingUpdate) -> TrackingOutcome {
        let (body, timestamp, signature) =
            signed(update, CALLBACK_SECRET, self.app.now().unix_timestamp());
        self.app
            .handle_tracking_callback(
                &body,
                Some(&timestamp),
                Some(&signature),
                Some("203.0.113.9"),
            )
            .await
    }

    /// Moves the parcel on at the operator and hands the callback to the app.
    async fn advance(&self, tracking: &str, status: TrackingStatus) -> TrackingOutcome {
        // No callback URL: the simulator keeps the event, the test delivers it.
        let _ = self.sim.advance(tracking, status).await;
        let event = self.last_event(tracking);
        self.callback(&event).await
    }

    fn last_event(&self, tracking: &str) -> TrackingUpdate {
        self.sim
            .shipments()
            .into_iter()
            .find(|s| s.tracking_number == tracking)
            .and_then(|s| s.events.last().cloned())
            .expect("an event at the operator")
    }

    async fn status(&self, id: i64) -> Option<i64> {
        self.f.row(id).await.status_code
    }

    async fn kinds(&self, id: i64) -> Vec<CommandKind> {
        let system = motcua_app::Actor::system();
        self.app
            .dossier_history(&system, id)
            .await
            .expect("history")
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }
}

/// The callback body the operator sends, signed with `secret` at `timestamp`.
fn signed(update: &TrackingUpdate, secret: &str, timestamp: i64) -> (Vec<u8>, String, String) {
    let mut body = update.to_json();
    body["customer_code"] = CUSTOMER.into();
    let raw = serde_json::to_vec(&body).expect("json");
    let timestamp = timestamp.to_string();
    let signature = sign(secret, &timestamp, &raw);
    (raw, timestamp, signature)
}

/// The demo citizen's birth registration, to be returned by post, taken through the ward's
/// workflow and handed to the post by the desk (status 9, posted).
async fn posted(p: &Post) -> i64 {
    let citizen = p.f.citizen(CITIZEN).await;
    let submitted = p
        .app
        .submit_dossier(
            &citizen,
            &Submission {
                procedure_code: "1.001193".into(),
                agency_code: WARD.into(),
                form: birth_registration(),
                attachments: Vec::new(),
                delivery: ResultDelivery::new("post", Some(ADDRESS)).expect("postal choice"),
                postal: Default::default(),
            },
        )
        .await
        .expect("submit");
    let id = submitted.id;
    let reception = p.f.official("tiepnhan.ninhkieu").await;
    let specialist = p.f.official("chuyenvien.ninhkieu").await;
    let leader = p.f.official("chutich.ninhkieu").await;
    p.app
        .receive_dossier(&reception, id)
        .await
        .expect("receive");
    p.app
        .act_on_dossier(
            &specialist,
            id,
            Command::Forward {
                to_step: 1,
                assignee: None,
            },
        )
        .await
        .expect("forward");
    for command in [Command::Approve, Command::Sign, Command::Resolve] {
        p.app
            .act_on_dossier(&leader, id, command)
            .await
            .expect("leader");
    }
    let view = p
        .app
        .act_on_dossier(
            &reception,
            id,
            Command::ReturnResult {
                method: ReturnMethod::Post,
            },
        )
        .await
        .expect("handed to the post");
    assert_eq!(
        view.status,
        Some(DossierStatus::Resolved),
        "stays 9 in the post"
    );
    assert!(view.result_in_post());
    id
}

/// A posted result whose parcel the operator accepted: (dossier id, tracking number).
async fn shipped(p: &Post) -> (i64, String) {
    let id = posted(p).await;
    p.deliver().await;
    let tracking =
        p.f.row(id)
            .await
            .dossier()
            .expect("state")
            .result_tracking
            .expect("tracking number recorded");
    (id, tracking)
}

async fn a_posted_result_is_ordered_once_and_delivered_to_status_10(backend: Backend) {
    let p = Post::new(backend).await;
    let id = posted(&p).await;
    assert!(
        p.sim.shipments().is_empty(),
        "nothing ordered before the worker runs"
    );
    p.deliver().await;
    p.deliver().await;
    let parcels = p.sim.shipments();
    assert_eq!(parcels.len(), 1, "one parcel");
    let parcel = &parcels[0];
    let row = p.f.row(id).await;
    let code = row.code.clone().expect("code");
    assert_eq!(parcel.reference, format!("{code}/tra-kq"));
    assert_eq!(parcel.receiver.address, ADDRESS);
    assert_eq!(parcel.receiver.phone, "0912345678", "the form's phone");
    assert_eq!(parcel.sender.phone, "02923820123");
    let state = row.dossier().expect("state");
    assert_eq!(
        state.result_tracking.as_deref(),
        Some(parcel.tracking_number.as_str())
    );
    assert_eq!(row.status_code, Some(9));
    assert!(row.result_posted_at.is_some());
    // The timeline carries the tracking number and the fee.
    let system = motcua_app::Actor::system();
    let history = p.app.dossier_history(&system, id).await.expect("history");
    let recorded = history.last().expect("an event");
    assert_eq!(recorded.kind, CommandKind::RecordShipment);
    assert_eq!(
        recorded.data.get("tracking_number"),
        Some(&parcel.tracking_number)
    );
    assert_eq!(
        recorded.data.get("fee_vnd"),
        Some(&parcel.fee_vnd.to_string())
    );
    let citizen = p.f.citizen(CITIZEN).await;
    let seen = p
        .app
        .dossier_shipments(&citizen, id)
        .await
        .expect("parcels");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].status, "accepted");
    assert_eq!(seen[0].fee_vnd, Some(parcel.fee_vnd));

    let tracking = parcel.tracking_number.clone();
    for status in [
        TrackingStatus::Accepted,
        TrackingStatus::InTransit,
        TrackingStatus::OutForDelivery,
    ] {
        assert_eq!(
            p.advance(&tracking, status).await,
            TrackingOutcome::Accepted
        );
        assert_eq!(
            p.status(id).await,
            Some(9),
            "{status:?} does not return the result"
        );
    }
    assert_eq!(
        p.advance(&tracking, TrackingStatus::Delivered).await,
        TrackingOutcome::Accepted
    );
    let row = p.f.row(id).await;
    assert_eq!(row.status_code, Some(10), "Đã trả kết quả");
    let state = row.dossier().expect("state");
    assert!(state.returned_at.is_some());
    let kinds = p.kinds(id).await;
    assert_eq!(kinds.last(), Some(&CommandKind::ConfirmDelivery));
    let seen = p
        .app
        .dossier_shipments(&citizen, id)
        .await
        .expect("parcels");
    assert_eq!(seen[0].status, "delivered");
    assert_eq!(seen[0].events.len(), 4);

    // The operator repeats the delivery: nothing changes.
    let seq = row.last_seq;
    let delivered = p.last_event(&tracking);
    assert_eq!(p.callback(&delivered).await, TrackingOutcome::Duplicate);
    assert_eq!(p.f.row(id).await.last_seq, seq);
    let seen = p
        .app
        .dossier_shipments(&citizen, id)
        .await
        .expect("parcels");
    assert_eq!(seen[0].events.len(), 4);

    // The public lookup shows the parcel's number and where it is, nothing more.
    let visitor = motcua_app::Actor::anonymous(Some("198.51.100.7".into()));
    let public = p
        .app
        .lookup_dossier(&visitor, &code, None)
        .await
        .expect("lookup");
    let postal = public.postal.expect("postal part");
    assert_eq!(postal.tracking_number, tracking);
    assert_eq!(postal.status, "delivered");
    assert_eq!(public.status_code, Some(10));

    // The applicant was told the parcel's number when it left, and again on delivery.
    let notices: Vec<serde_json::Value> =
        p.f.db
            .store
            .outbox_of_kind("notify")
            .await
            .expect("outbox")
            .iter()
            .map(|row| serde_json::from_str(&row.payload).expect("json"))
            .filter(|n: &serde_json::Value| n["vars"]["code"] == code.as_str())
            .collect();
    let templates: Vec<&str> = notices
        .iter()
        .filter_map(|n| n["template"].as_str())
        .collect();
    assert!(
        templates.ends_with(&["result-ready", "posted", "delivered"]),
        "{templates:?}"
    );
    let posted = notices
        .iter()
        .find(|n| n["template"] == "posted")
        .expect("posted");
    assert_eq!(posted["vars"]["tracking"], tracking.as_str());
    p.f.cleanup().await;
}

async fn a_lost_reply_and_a_repeated_row_still_order_one_parcel(backend: Backend) {
    let p = Post::new(backend).await;
    let id = posted(&p).await;
    // The operator takes the order but its reply is lost: the row fails and waits.
    p.sim.set_lose_replies(1);
    p.deliver().await;
    assert_eq!(p.sim.shipments().len(), 1, "the operator has it");
    let row = p.f.row(id).await;
    assert_eq!(row.dossier().expect("state").result_tracking, None);
    let shipments = p.f.db.store.dossier_shipments(id).await.expect("shipments");
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0].status, "ordering");
    // After the retry delay the same order (same reference) gets the same parcel.
    p.f.advance(time::Duration::minutes(2));
    p.deliver().await;
    assert_eq!(p.sim.shipments().len(), 1, "still one parcel");
    let tracking = p.sim.shipments()[0].tracking_number.clone();
    let row = p.f.row(id).await;
    assert_eq!(
        row.dossier().expect("state").result_tracking.as_deref(),
        Some(tracking.as_str())
    );
    let shipments = p.f.db.store.dossier_shipments(id).await.expect("shipments");
    assert_eq!(shipments.len(), 1);
    assert_eq!(
        shipments[0].tracking_number.as_deref(),
        Some(tracking.as_str())
    );

    // The same row once more (a worker that delivered but crashed before marking it done).
    let rows =
        p.f.db
            .store
            .outbox_of_kind("deliver-result")
            .await
            .expect("rows");
    let payload = rows.last().expect("the posting's row").payload.clone();
    let mut tx = p.f.db.store.begin().await.expect("begin");
    tx.enqueue("deliver-result", &payload, p.app.now_micros())
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    let requests = p.sim.received();
    p.deliver().await;
    assert_eq!(p.sim.shipments().len(), 1);
    assert_eq!(p.sim.received(), requests, "the operator is not even asked");
    let kinds = p.kinds(id).await;
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == CommandKind::RecordShipment)
            .count(),
        1
    );
    p.f.cleanup().await;
}

async fn forged_stale_and_unknown_callbacks_change_nothing(backend: Backend) {
    let p = Post::new(backend).await;
    let (id, tracking) = shipped(&p).await;
    let _ = p.sim.advance(&tracking, TrackingStatus::Accepted).await;
    let reference = p.sim.shipments()[0].reference.clone();
    let now = p.app.now().unix_timestamp();
    let delivered = |event_id: &str, tracking: &str, reference: &str| TrackingUpdate {
        event_id: event_id.into(),
        tracking_number: tracking.into(),
        reference: reference.into(),
        status: TrackingStatus::Delivered,
        at: now,
        note: None,
    };
    let before = p.f.row(id).await;
    let call = |body: Vec<u8>, timestamp: Option<String>, signature: Option<String>| {
        let app = p.app.clone();
        async move {
            app.handle_tracking_callback(
                &body,
                timestamp.as_deref(),
                signature.as_deref(),
                Some("203.0.113.66"),
            )
            .await
        }
    };
    // Signed with another secret.
    let (body, ts, sig) = signed(
        &delivered("F1", &tracking, &reference),
        "not-the-secret",
        now,
    );
    assert_eq!(
        call(body.clone(), Some(ts.clone()), Some(sig)).await,
        TrackingOutcome::BadSignature
    );
    // No signature at all.
    assert_eq!(
        call(body.clone(), Some(ts), None).await,
        TrackingOutcome::BadSignature
    );
    // Properly signed, an hour old (a replay).
    let (body, ts, sig) = signed(
        &delivered("F2", &tracking, &reference),
        CALLBACK_SECRET,
        now - 3600,
    );
    assert_eq!(
        call(body, Some(ts), Some(sig)).await,
        TrackingOutcome::Stale
    );
    // Signed, but the body was changed on the way.
    let (mut body, ts, sig) = signed(
        &delivered("F3", &tracking, &reference),
        CALLBACK_SECRET,
        now,
    );
    body.extend_from_slice(b" ");
    assert_eq!(
        call(body, Some(ts), Some(sig)).await,
        TrackingOutcome::BadSignature
    );
    // Signed, not a tracking event.
    let ts = now.to_string();
    let sig = sign(CALLBACK_SECRET, &ts, b"{\"hello\":1}");
    assert_eq!(
        call(b"{\"hello\":1}".to_vec(), Some(ts), Some(sig)).await,
        TrackingOutcome::Malformed
    );
    // Signed, for a parcel we never ordered, or under another reference.
    let stranger = tracking_number("EB", 99_999_999).expect("S10");
    let (body, ts, sig) = signed(
        &delivered("F4", &stranger, &reference),
        CALLBACK_SECRET,
        now,
    );
    assert_eq!(
        call(body, Some(ts), Some(sig)).await,
        TrackingOutcome::UnknownTracking
    );
    let (body, ts, sig) = signed(
        &delivered("F5", &tracking, "SOMEONE-ELSE/tra-kq"),
        CALLBACK_SECRET,
        now,
    );
    assert_eq!(
        call(body, Some(ts), Some(sig)).await,
        TrackingOutcome::UnknownTracking
    );

    let after = p.f.row(id).await;
    assert_eq!(after.status_code, Some(9));
    assert_eq!(after.last_seq, before.last_seq, "no event on the dossier");
    let shipment = &p.f.db.store.dossier_shipments(id).await.expect("rows")[0];
    assert!(
        p.f.db
            .store
            .shipment_events(shipment.id)
            .await
            .expect("events")
            .is_empty(),
        "nothing kept"
    );
    let audit =
        p.f.db
            .store
            .list_audit(None, 100, None)
            .await
            .expect("audit");
    for action in [
        "postal.callback_bad_signature",
        "postal.callback_stale",
        "postal.callback_malformed",
        "postal.callback_unknown_tracking",
    ] {
        assert!(audit.iter().any(|a| a.action == action), "{action} audited");
    }
    // The genuine event still goes through afterwards.
    let accepted = p.last_event(&tracking);
    assert_eq!(p.callback(&accepted).await, TrackingOutcome::Accepted);
    p.f.cleanup().await;
}

async fn a_parcel_back_at_the_agency_is_returned_again(backend: Backend) {
    let p = Post::new(backend).await;
    let (id, first) = shipped(&p).await;
    for status in [
        TrackingStatus::Accepted,
        TrackingStatus::InTransit,
        TrackingStatus::OutForDelivery,
        TrackingStatus::DeliveryFailed,
        TrackingStatus::ReturnedToSender,
    ] {
        assert_eq!(
            p.advance(&first, status).await,
            TrackingOutcome::Accepted,
            "{status:?}"
        );
    }
    let row = p.f.row(id).await;
    assert_eq!(row.status_code, Some(9), "back at the desk");
    assert_eq!(row.result_posted_at, None);
    assert_eq!(
        p.kinds(id).await.last(),
        Some(&CommandKind::RecordReturnToSender)
    );
    let reception = p.f.official("tiepnhan.ninhkieu").await;
    let view = p.app.dossier_for(&reception, id).await.expect("view");
    let actions = p
        .app
        .available_actions(&reception, &view)
        .await
        .expect("actions");
    assert!(
        actions.contains(&CommandKind::ReturnResult),
        "returnable again: {actions:?}"
    );

    // Posted again: a second parcel under a second reference.
    p.app
        .act_on_dossier(
            &reception,
            id,
            Command::ReturnResult {
                method: ReturnMethod::Post,
            },
        )
        .await
        .expect("posted again");
    p.deliver().await;
    let parcels = p.sim.shipments();
    assert_eq!(parcels.len(), 2);
    let code = p.f.row(id).await.code.expect("code");
    assert_eq!(parcels[1].reference, format!("{code}/tra-kq-2"));
    let second = parcels[1].tracking_number.clone();
    assert_ne!(second, first);

    // A late report about the first parcel does not touch the second.
    let late = TrackingUpdate {
        event_id: format!("{first}-LATE"),
        tracking_number: first.clone(),
        reference: parcels[0].reference.clone(),
        status: TrackingStatus::Delivered,
        at: p.app.now().unix_timestamp(),
        note: None,
    };
    assert_eq!(p.callback(&late).await, TrackingOutcome::Accepted, "kept");
    assert_eq!(p.status(id).await, Some(9));
    for status in [
        TrackingStatus::Accepted,
        TrackingStatus::InTransit,
        TrackingStatus::OutForDelivery,
        TrackingStatus::Delivered,
    ] {
        assert_eq!(p.advance(&second, status).await, TrackingOutcome::Accepted);
    }
    assert_eq!(p.status(id).await, Some(10));
    p.f.cleanup().await;
}

async fn the_pull_finds_what_lost_callbacks_said(backend: Backend) {
    let p = Post::new(backend).await;
    let (id, tracking) = shipped(&p).await;
    p.sim.set_lose_callbacks(true);
    for status in [
        TrackingStatus::Accepted,
        TrackingStatus::InTransit,
        TrackingStatus::OutForDelivery,
        TrackingStatus::Delivered,
    ] {
        let _ = p.sim.advance(&tracking, status).await;
    }
    // Not silent long enough yet: nobody asks.
    let report = p.app.check_silent_shipments().await.expect("pull");
    assert_eq!(report.checked, 0);
    assert_eq!(p.status(id).await, Some(9));
    p.f.advance(motcua_app::postal::SILENT_AFTER + time::Duration::minutes(1));
    let report = p.app.check_silent_shipments().await.expect("pull");
    assert_eq!((report.checked, report.new_events), (1, 4));
    assert_eq!(p.status(id).await, Some(10));
    // Delivered parcels are not asked about again.
    p.f.advance(motcua_app::postal::SILENT_AFTER + time::Duration::minutes(1));
    let report = p.app.check_silent_shipments().await.expect("pull");
    assert_eq!(report.checked, 0);
    p.f.cleanup().await;
}

async fn the_postmark_starts_the_clock(backend: Backend) {
    let f = Fixture::new(backend).await;
    let reception = f.official("tiepnhan.ninhkieu").await;
    // Birth registration is a same-day procedure (trong ngày làm việc).
    let register = |procedure: &str, postmark: Option<time::Date>| CounterRegistration {
        procedure_code: procedure.into(),
        agency_code: WARD.into(),
        applicant_name: "Nguyễn Văn Hậu".into(),
        applicant_personal_id: None,
        form: birth_registration(),
        delivery: ResultDelivery::default(),
        postmark,
        contact_phone: None,
    };
    let friday = time::macros::date!(2026 - 12 - 04);
    // A dossier brought to the counter at the opening of Friday 4 December…
    f.set(time::macros::datetime!(2026-12-04 00:00 +7));
    let at_counter = f
        .app
        .register_at_counter(&reception, &register("1.001193", None))
        .await
        .expect("registered");
    // …is due when one that came by post, postmarked that day, is due, whenever it arrives.
    f.set(motcua_app::test_support::MONDAY_0830);
    let by_post = f
        .app
        .register_at_counter(&reception, &register("1.001193", Some(friday)))
        .await
        .expect("registered");
    let today = f
        .app
        .register_at_counter(&reception, &register("1.001193", None))
        .await
        .expect("today");
    assert_eq!(by_post.due, at_counter.due);
    assert!(
        by_post.due < today.due,
        "counted from the postmark, not today"
    );
    // A same-day procedure posted on Friday ran out on the way: received, and overdue.
    assert!(by_post.due.is_some_and(|due| due < f.app.now()));
    assert_eq!(by_post.status, Some(DossierStatus::Received));
    assert_eq!(by_post.channel, motcua_domain::procedure::Channel::Postal);
    let system = motcua_app::Actor::system();
    let receipt = &f
        .app
        .dossier_history(&system, by_post.id)
        .await
        .expect("history")[0];
    assert_eq!(
        receipt.data.get("postmark").map(String::as_str),
        Some("2026-12-04")
    );

    let refused = |result: Result<_, AppError>| match result {
        Err(AppError::Invalid(fields)) => fields
            .iter()
            .map(|f| format!("{} {}", f.field, f.code))
            .collect::<Vec<_>>(),
        other => panic!("expected refusal, got {other:?}"),
    };
    assert_eq!(
        refused(
            f.app
                .register_at_counter(
                    &reception,
                    &register("1.001193", Some(time::macros::date!(2026 - 12 - 08)))
                )
                .await
        ),
        ["postmark error-postmark-future"]
    );
    assert_eq!(
        refused(
            f.app
                .register_at_counter(
                    &reception,
                    &register("1.001193", Some(time::macros::date!(2026 - 11 - 06)))
                )
                .await
        ),
        ["postmark error-postmark-too-old"]
    );
    f.cleanup().await;
}

async fn only_the_system_records_what_the_operator_reports(backend: Backend) {
    let p = Post::new(backend).await;
    let (id, tracking) = shipped(&p).await;
    let reception = p.f.official("tiepnhan.ninhkieu").await;
    let citizen = p.f.citizen(CITIZEN).await;
    let now = p.app.now();
    for actor in [&reception, &citizen] {
        for command in [
            Command::ConfirmDelivery {
                tracking_number: tracking.clone(),
                delivered_at: now,
            },
            Command::RecordReturnToSender {
                tracking_number: tracking.clone(),
                note: String::new(),
            },
            Command::RecordShipment {
                tracking_number: "EB000000000VN".into(),
                fee_vnd: 0,
            },
        ] {
            let outcome = p.app.act_on_dossier(actor, id, command.clone()).await;
            assert!(
                matches!(
                    outcome,
                    Err(AppError::Invalid(_) | AppError::Forbidden | AppError::NotFound)
                ),
                "{command:?}: {outcome:?}"
            );
        }
    }
    assert_eq!(p.status(id).await, Some(9));
    // A second return while the parcel travels is refused, at the counter too.
    let again = p
        .app
        .act_on_dossier(
            &reception,
            id,
            Command::ReturnResult {
                method: ReturnMethod::Counter,
            },
        )
        .await;
    assert!(
        matches!(&again, Err(AppError::Invalid(f)) if f[0].code == "dossier-result-in-post"),
        "{again:?}"
    );
    // Nobody else sees the parcels.
    let other = p.f.citizen(OTHER_CITIZEN).await;
    assert!(p.app.dossier_shipments(&other, id).await.is_err());
    let stranger = p.f.official("tiepnhan.trunghung").await;
    assert!(p.app.dossier_shipments(&stranger, id).await.is_err());

    // A result cannot be posted to an applicant who gave no address.
    let counter = p.f.resolved().await;
    let refused = p
        .app
        .act_on_dossier(
            &reception,
            counter.id,
            Command::ReturnResult {
                method: ReturnMethod::Post,
            },
        )
        .await;
    assert!(
        matches!(&refused, Err(AppError::Invalid(f)) if f[0].code == "error-postal-no-address"),
        "{refused:?}"
    );
    p.f.cleanup().await;
}

/// An operator that refuses every order for good (an address it does not serve).
struct Refusing;

impl motcua_channels::postal::PostalOperator for Refusing {
    fn quote<'a>(
        &'a self,
        _kind: motcua_channels::postal::ShipmentKind,
        _address: &'a str,
        _weight_grams: u32,
    ) -> motcua_channels::BoxFuture<'a, Result<i64, motcua_channels::ChannelError>> {
        Box::pin(async { Ok(15_000) })
    }

    fn create_shipment<'a>(
        &'a self,
        _order: &'a motcua_channels::postal::ShipmentOrder,
    ) -> motcua_channels::BoxFuture<
        'a,
        Result<motcua_channels::postal::ShipmentAccepted, motcua_channels::ChannelError>,
    > {
        Box::pin(async {
            Err(motcua_channels::ChannelError::Refused {
                code: "11".into(),
                message: "address not served".into(),
                permanent: true,
            })
        })
    }

    fn track<'a>(
        &'a self,
        _tracking_number: &'a str,
    ) -> motcua_channels::BoxFuture<'a, Result<Vec<TrackingUpdate>, motcua_channels::ChannelError>>
    {
        Box::pin(async { Ok(Vec::new()) })
    }
}

async fn deliver_result_counts(app: &App) -> (i64, i64, i64) {
    let admin = p_admin(app).await;
    let overview = app.outbox_overview(&admin).await.expect("overview");
    let kind = overview
        .kinds
        .iter()
        .find(|k| k.kind == "deliver-result")
        .expect("deliver-result rows");
    (kind.pending, kind.dead, kind.done)
}

async fn p_admin(app: &App) -> motcua_app::Actor {
    motcua_app::test_support::official(app, "admin").await
}

async fn an_order_refused_for_good_is_given_up_and_an_outage_retried(backend: Backend) {
    let p = Post::new(backend).await;
    // The operator is down: the order waits and is tried again.
    p.sim.set_down(true);
    posted(&p).await;
    p.deliver().await;
    assert_eq!(deliver_result_counts(&p.app).await.0, 1, "kept for a retry");
    assert_eq!(deliver_result_counts(&p.app).await.1, 0);
    // An operator that refuses the order for good: given up after one attempt, not retried
    // for hours, and never counted as done.
    let refusing = p.f.app.clone().with_postal(Postal::new(
        Arc::new(Refusing),
        PostalConfig {
            endpoint: p.sim.endpoint(),
            customer_code: CUSTOMER.into(),
            api_key: Secret(API_KEY.into()),
            callback_secret: Secret(CALLBACK_SECRET.into()),
        },
        PostalSender {
            phone: "0292 3820 123".into(),
            address: "2 Hòa Bình, Ninh Kiều, Cần Thơ".into(),
        },
    ));
    p.f.advance(time::Duration::minutes(5));
    refusing
        .deliver_outbox(&Channels::log_only())
        .await
        .expect("round");
    let (pending, dead, _) = deliver_result_counts(&refusing).await;
    assert_eq!((pending, dead), (0, 1), "a dead letter");
    let kinds = refusing
        .dossier_history(&motcua_app::Actor::system(), {
            let rows =
                p.f.db
                    .store
                    .outbox_of_kind("deliver-result")
                    .await
                    .expect("outbox");
            let payload: serde_json::Value = serde_json::from_str(&rows[0].payload).expect("json");
            payload["dossier_id"].as_i64().expect("id")
        })
        .await
        .expect("history");
    assert_ne!(
        kinds.last().map(|e| e.kind),
        Some(CommandKind::RecordShipment),
        "no parcel recorded"
    );
    p.f.cleanup().await;
}

/// The online submission of a birth registration whose papers the postman collects.
fn by_post(pickup: &str, phone: Option<&str>) -> Submission {
    Submission {
        procedure_code: "1.001193".into(),
        agency_code: WARD.into(),
        form: birth_registration(),
        attachments: Vec::new(),
        delivery: ResultDelivery::default(),
        postal: PostalChoice {
            pickup_address: Some(pickup.into()),
            phone: phone.map(str::to_owned),
        },
    }
}

async fn papers_collected_by_post_count_from_the_day_the_operator_took_them(backend: Backend) {
    let p = Post::new(backend).await;
    let citizen = p.f.citizen(CITIZEN).await;
    let reception = p.f.official("tiepnhan.ninhkieu").await;
    let submitted = p
        .app
        .submit_dossier(&citizen, &by_post(ADDRESS, Some("0907 111 222")))
        .await
        .expect("submitted with the papers by post");
    assert_eq!(submitted.status, Some(DossierStatus::Submitted));
    assert_eq!(submitted.channel, motcua_domain::procedure::Channel::Postal);
    assert_eq!(submitted.contact_phone.as_deref(), Some("0907 111 222"));
    // The same procedure submitted online the same day, for comparison.
    let online = p
        .app
        .submit_dossier(
            &citizen,
            &Submission {
                postal: PostalChoice::default(),
                ..by_post(ADDRESS, None)
            },
        )
        .await
        .expect("online");
    assert_eq!(online.channel, motcua_domain::procedure::Channel::Online);

    // The worker orders the postman once, however often it runs.
    p.deliver().await;
    p.deliver().await;
    let orders = p.sim.shipments();
    assert_eq!(orders.len(), 1, "one pickup: {orders:?}");
    let order = &orders[0];
    assert_eq!(
        order.kind,
        motcua_channels::postal::ShipmentKind::DossierPickup
    );
    assert_eq!(order.sender.address, ADDRESS);
    assert_eq!(
        order.sender.phone, "0907111222",
        "the number given for the postman"
    );
    assert!(order.reference.ends_with("/nop-hs"), "{}", order.reference);
    assert_eq!(order.status, None, "ordered, not yet collected");
    let shipments = p
        .app
        .dossier_shipments(&citizen, submitted.id)
        .await
        .expect("the citizen sees the pickup");
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0].kind, "dossier_pickup");
    assert_eq!(shipments[0].pickup_address.as_deref(), Some(ADDRESS));
    assert_eq!(
        shipments[0].tracking_number.as_deref(),
        Some(order.tracking_number.as_str())
    );
    assert!(
        p.app
            .dossier_shipments(&citizen, online.id)
            .await
            .expect("none")
            .is_empty(),
        "an online dossier orders no postman"
    );

    // The postman takes the papers today; they reach the desk days later.
    assert_eq!(
        p.advance(&order.tracking_number, TrackingStatus::Accepted)
            .await,
        TrackingOutcome::Accepted
    );
    let taken = OffsetDateTime::from_unix_timestamp(p.last_event(&order.tracking_number).at)
        .expect("time")
        .to_offset(motcua_domain::calendar::VIETNAM_OFFSET)
        .date();
    p.f.advance(time::Duration::days(3));
    let received = p
        .app
        .receive_dossier(&reception, submitted.id)
        .await
        .expect("received from the post");
    let online = p
        .app
        .receive_dossier(&reception, online.id)
        .await
        .expect("received online");
    assert!(
        received.due < online.due,
        "counted from the postmark {taken}: {:?} vs {:?}",
        received.due,
        online.due
    );
    let system = motcua_app::Actor::system();
    let history = p
        .app
        .dossier_history(&system, submitted.id)
        .await
        .expect("history");
    let receipt = history
        .iter()
        .find(|e| e.kind == CommandKind::Receive)
        .expect("receipt");
    assert_eq!(
        receipt.data.get("postmark").map(String::as_str),
        Some(taken.to_string().as_str())
    );
    // The parcel's later events are kept and move nothing: the desk already received it.
    assert_eq!(
        p.advance(&order.tracking_number, TrackingStatus::InTransit)
            .await,
        TrackingOutcome::Accepted
    );
    assert_eq!(p.status(submitted.id).await, Some(2));
}

async fn a_postal_submission_is_refused_whole_when_its_details_are_wrong(backend: Backend) {
    let p = Post::new(backend).await;
    let citizen = p.f.citizen(CITIZEN).await;
    let before = p.app.my_dossiers(&citizen).await.expect("mine").len();
    let refused = |result: Result<_, AppError>| match result {
        Err(AppError::Invalid(fields)) => {
            let mut found: Vec<String> = fields
                .iter()
                .map(|f| format!("{} {}", f.field, f.code))
                .collect();
            found.sort();
            found
        }
        other => panic!("expected refusal, got {other:?}"),
    };
    assert_eq!(
        refused(
            p.app
                .submit_dossier(&citizen, &by_post("Cần Thơ", Some("12345")))
                .await
        ),
        [
            "contact_phone error-postal-phone",
            "pickup_address error-postal-pickup-address"
        ]
    );
    // Without a postal operator the choice is refused, not silently ignored.
    assert_eq!(
        refused(
            p.f.app
                .submit_dossier(&citizen, &by_post(ADDRESS, Some("0907111222")))
                .await
        ),
        ["submit_by error-postal-not-configured"]
    );
    assert_eq!(
        p.app.my_dossiers(&citizen).await.expect("mine").len(),
        before,
        "nothing stored"
    );
    p.deliver().await;
    assert!(
        p.sim.shipments().is_empty(),
        "nobody sent to collect anything"
    );
}
