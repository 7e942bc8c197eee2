//! Satisfaction ratings and the tracking-book query on both databases: a rating round-trips
//! with its scores, a second rating of a dossier is a conflict that leaves the first intact,
//! totals follow the agency subtree and the period, and the tracking-book query finds every
//! dossier touched in a period.

use motcua_domain::authz::Role;
use motcua_domain::calendar::ProcessingTime;
use motcua_domain::dossier::{Dossier, StepAction, Workflow, WorkflowStep};
use motcua_store::dossiers::NewDossier;
use motcua_store::org::OrgUnitInput;
use motcua_store::ratings::{CriterionTotals, NewRating};
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store, StoreError};

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

contract!(
    a_rating_round_trips_and_is_given_once,
    totals_follow_the_subtree_and_the_period,
    the_tracking_book_query_finds_dossiers_touched_in_a_period,
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
            name: "phe-duyet".into(),
            role: Role::Leader,
            unit_ref: None,
            allowance: ProcessingTime::WorkingHours(8),
            actions: vec![StepAction::Approve, StepAction::ReturnToDesk],
        }],
    }
}

async fn unit(store: &Store, name: &str, code: &str, parent: Option<i64>) -> (i64, String) {
    let mut tx = store.begin().await.expect("begin");
    let unit = tx
        .insert_unit(
            &OrgUnitInput {
                parent_id: parent,
                kind: "agency".into(),
                level: "commune".into(),
                name: name.into(),
                short_name: None,
                code: Some(code.into()),
                address: None,
                phone: None,
                email: None,
                sort_order: 0,
            },
            1,
        )
        .await
        .expect("unit");
    tx.commit().await.expect("commit");
    (unit.id, unit.path)
}

/// A dossier row (a draft state is enough: ratings and the query look at columns only).
async fn dossier(store: &Store, agency: &(i64, String), code: &str, at: i64) -> i64 {
    let workflow = workflow();
    let mut state = Dossier::draft(&workflow);
    state.code = Some(motcua_domain::dossier::DossierCode::parse(code).expect("code"));
    let mut tx = store.begin().await.expect("begin");
    let id = tx
        .insert_dossier(
            &NewDossier {
                procedure_code: "1.001193".into(),
                procedure_version: 1,
                agency_id: agency.0,
                agency_path: agency.1.clone(),
                citizen_id: None,
                applicant_name: "Nguyễn Văn Hậu".into(),
                applicant_personal_id: None,
                channel: "online".into(),
                form: "{}".into(),
                delivery_method: "counter".into(),
                delivery_address: None,
                contact_phone: None,
            },
            &state,
            &[Role::Leader],
            at,
        )
        .await
        .expect("dossier");
    tx.commit().await.expect("commit");
    id
}

fn rating(dossier_id: i64, agency: &(i64, String), scores: [i64; 9], at: i64) -> NewRating {
    NewRating {
        dossier_id,
        agency_id: agency.0,
        agency_path: agency.1.clone(),
        citizen_id: None,
        channel: "portal".into(),
        comment: "Cán bộ hướng dẫn tận tình".into(),
        scores: (1i64..).zip(scores).collect(),
        rated_at: at,
    }
}

async fn insert(store: &Store, rating: &NewRating) -> Result<(), StoreError> {
    let mut tx = store.begin().await.expect("begin");
    tx.insert_dossier_rating(rating).await?;
    tx.commit().await.expect("commit");
    Ok(())
}

async fn a_rating_round_trips_and_is_given_once(store: Store) {
    let ward = unit(&store, "UBND phường Ninh Kiều", "000.00.30.H13", None).await;
    let id = dossier(&store, &ward, "000.00.30.H13-261207-0001", 10).await;
    assert_eq!(store.dossier_rating(id).await.expect("read"), None);
    let first = rating(id, &ward, [2, 2, 1, 2, 2, 2, 0, 2, 2], 100);
    insert(&store, &first).await.expect("first rating");
    let stored = store
        .dossier_rating(id)
        .await
        .expect("read")
        .expect("rated");
    assert_eq!(stored.scores, first.scores);
    assert_eq!(stored.comment, "Cán bộ hướng dẫn tận tình");
    assert_eq!((stored.rated_at, stored.channel.as_str()), (100, "portal"));
    let second = rating(id, &ward, [0; 9], 200);
    assert!(matches!(
        insert(&store, &second).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store
            .dossier_rating(id)
            .await
            .expect("read")
            .expect("rated")
            .scores,
        first.scores,
        "the refused second rating changed nothing"
    );
}

async fn totals_follow_the_subtree_and_the_period(store: Store) {
    let city = unit(&store, "UBND thành phố Cần Thơ", "000.00.00.H13", None).await;
    let ward = unit(
        &store,
        "UBND phường Ninh Kiều",
        "000.00.30.H13",
        Some(city.0),
    )
    .await;
    let other = unit(&store, "UBND xã Trung Hưng", "000.00.37.H13", Some(city.0)).await;
    let a = dossier(&store, &ward, "000.00.30.H13-261207-0001", 10).await;
    let b = dossier(&store, &ward, "000.00.30.H13-261207-0002", 10).await;
    let c = dossier(&store, &other, "000.00.37.H13-261207-0001", 10).await;
    let late = dossier(&store, &ward, "000.00.30.H13-261207-0003", 10).await;
    insert(&store, &rating(a, &ward, [2, 2, 2, 2, 2, 2, 2, 2, 2], 100))
        .await
        .expect("a");
    insert(&store, &rating(b, &ward, [1, 2, 0, 2, 2, 2, 1, 2, 2], 150))
        .await
        .expect("b");
    insert(&store, &rating(c, &other, [0; 9], 150))
        .await
        .expect("c");
    insert(&store, &rating(late, &ward, [0; 9], 300))
        .await
        .expect("late");

    let (count, totals) = store.rating_totals(&ward.1, 100, 300).await.expect("ward");
    assert_eq!(count, 2, "the end of the period is excluded");
    assert_eq!(totals.len(), 9);
    assert_eq!(
        totals[0],
        CriterionTotals {
            criterion: 1,
            count: 2,
            sum: 3,
            very_satisfied: 1,
            satisfied: 1,
            unsatisfied: 0
        }
    );
    assert_eq!((totals[2].sum, totals[2].unsatisfied), (2, 1));
    let (count, totals) = store.rating_totals(&city.1, 0, 1_000).await.expect("city");
    assert_eq!(count, 4);
    assert_eq!(totals[8].count, 4);
    let (count, totals) = store.rating_totals(&other.1, 0, 99).await.expect("before");
    assert_eq!((count, totals.len()), (0, 0));
}

async fn the_tracking_book_query_finds_dossiers_touched_in_a_period(store: Store) {
    let ward = unit(&store, "UBND phường Ninh Kiều", "000.00.30.H13", None).await;
    let other = unit(&store, "UBND xã Trung Hưng", "000.00.37.H13", None).await;
    let old = dossier(&store, &ward, "000.00.30.H13-261201-0001", 10).await;
    let inside = dossier(&store, &ward, "000.00.30.H13-261207-0001", 100).await;
    let _later = dossier(&store, &ward, "000.00.30.H13-261214-0001", 500).await;
    let _elsewhere = dossier(&store, &other, "000.00.37.H13-261207-0001", 100).await;
    // The old dossier was acted on during the period (e.g. received then).
    let row = store.get_dossier(old).await.expect("old");
    let state = row.dossier().expect("state");
    let mut tx = store.begin().await.expect("begin");
    tx.update_dossier(old, state.last_seq, &state, &[Role::Leader], 150)
        .await
        .expect("touch");
    tx.commit().await.expect("commit");
    let found: Vec<i64> = store
        .agency_dossiers_touching(ward.0, 100, 200)
        .await
        .expect("query")
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(found, [old, inside]);
}
