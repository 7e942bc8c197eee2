//! Document registers on both databases: gap-free numbering per body, register, series and
//! year under concurrency; a rollback gives its number back.

use motcua_domain::document::{Register, Series};
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store};

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

contract!(
    register_numbers_are_gap_free_and_unique_under_concurrency,
    a_rolled_back_registration_gives_its_number_back,
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

async fn take(store: &Store, body: i64, register: Register, series: Series, year: i32) -> u32 {
    let mut tx = store.begin().await.expect("begin");
    let n = tx
        .next_document_number(body, register, series, year)
        .await
        .expect("number");
    tx.commit().await.expect("commit");
    n
}

async fn register_numbers_are_gap_free_and_unique_under_concurrency(store: Store) {
    let mut tasks = Vec::new();
    for i in 0..32 {
        let store = store.clone();
        // Interleave two series of one register: each must count 1..=16 on its own.
        let series = if i % 2 == 0 {
            Series::Regular
        } else {
            Series::Secret
        };
        tasks.push(tokio::spawn(async move {
            (
                series,
                take(&store, 7, Register::Outgoing, series, 2026).await,
            )
        }));
    }
    let mut regular = Vec::new();
    let mut secret = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            (Series::Regular, n) => regular.push(n),
            (Series::Secret, n) => secret.push(n),
        }
    }
    regular.sort_unstable();
    secret.sort_unstable();
    assert_eq!(regular, (1..=16).collect::<Vec<u32>>());
    assert_eq!(secret, (1..=16).collect::<Vec<u32>>());
    assert_eq!(
        take(&store, 7, Register::Incoming, Series::Regular, 2026).await,
        1
    );
    assert_eq!(
        take(&store, 7, Register::Outgoing, Series::Regular, 2027).await,
        1
    );
    assert_eq!(
        take(&store, 8, Register::Outgoing, Series::Regular, 2026).await,
        1
    );
    assert_eq!(
        take(&store, 7, Register::Outgoing, Series::Regular, 2026).await,
        17
    );
}

async fn a_rolled_back_registration_gives_its_number_back(store: Store) {
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.next_document_number(7, Register::Incoming, Series::Regular, 2026)
            .await
            .expect("n"),
        1
    );
    drop(tx);
    assert_eq!(
        take(&store, 7, Register::Incoming, Series::Regular, 2026).await,
        1
    );
}
