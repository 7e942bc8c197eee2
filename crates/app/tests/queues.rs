//! Work queues and lists that scale, on both databases: pages by cursor that neither repeat nor
//! skip a dossier, totals per queue, and every filter (procedure, status, channel, days filed,
//! overdue, code, personal id, the applicant's name without marks), with the refusals of what
//! cannot be understood.

use motcua_app::AppError;
use motcua_app::dossiers::QueueFilters;
use motcua_app::test_support::{Fixture, OTHER_CITIZEN};
use motcua_store::Backend;
use std::collections::HashSet;
use time::Duration;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Postgres).await } )* }
    };
}

both!(queues_page_by_cursor_count_and_filter);

const SUBMITTED: usize = 23;
const RECEIVED: usize = 9;

async fn page_through(
    f: &Fixture,
    actor: &motcua_app::Actor,
    queue: &str,
    filters: &QueueFilters,
    limit: u32,
) -> (Vec<i64>, usize, i64) {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    let mut total: i64;
    loop {
        let page = f
            .app
            .dossier_queue_page(actor, Some(queue), filters, cursor.as_deref(), limit)
            .await
            .expect("page");
        pages += 1;
        assert!(page.items.len() <= limit as usize);
        total = page.total;
        ids.extend(page.items.iter().map(|d| d.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(pages < 100, "the pages end");
    }
    (ids, pages, total)
}

async fn queues_page_by_cursor_count_and_filter(backend: Backend) {
    let f = Fixture::new(backend).await;
    let desk = f.official("tiepnhan.ninhkieu").await;
    let mut received = Vec::new();
    for index in 0..SUBMITTED {
        let row = f.submit().await;
        if index < RECEIVED {
            f.app.receive_dossier(&desk, row.id).await.expect("receive");
            received.push(f.row(row.id).await);
            // Appointments a few minutes apart, and two at the same instant.
            if index % 3 != 0 {
                f.advance(Duration::minutes(7));
            }
        }
    }
    // The other citizen's dossier, received, to find by name, personal id and code.
    let other = f.citizen(OTHER_CITIZEN).await;
    let submitted = f
        .app
        .submit_dossier(
            &other,
            &motcua_app::dossiers::Submission {
                procedure_code: "1.001193".into(),
                agency_code: motcua_app::test_support::WARD.into(),
                form: motcua_app::test_support::birth_registration(),
                attachments: Vec::new(),
                delivery: Default::default(),
                postal: Default::default(),
            },
        )
        .await
        .expect("submit");
    f.app
        .receive_dossier(&desk, submitted.id)
        .await
        .expect("receive");
    let other_row = f.row(submitted.id).await;
    let none = QueueFilters::default();

    // Every dossier once, whatever the page size, in the queue's order; the total on each page.
    let waiting = SUBMITTED - RECEIVED;
    for limit in [1, 4, 7, 50] {
        let (ids, pages, total) = page_through(&f, &desk, "receive", &none, limit).await;
        assert_eq!(ids.len(), waiting, "limit {limit}");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), waiting);
        assert_eq!(total, waiting as i64);
        assert_eq!(
            pages,
            waiting.div_ceil(limit as usize).max(1),
            "limit {limit}"
        );
        let (unit, _, total) = page_through(&f, &desk, "unit", &none, limit).await;
        assert_eq!(unit.len(), RECEIVED + 1, "limit {limit}");
        assert_eq!(unit.iter().collect::<HashSet<_>>().len(), RECEIVED + 1);
        assert_eq!(total, (RECEIVED + 1) as i64);
    }
    // Most urgent first: the unit queue by appointment, then id.
    let (unit, _, _) = page_through(&f, &desk, "unit", &none, 4).await;
    let mut by_due: Vec<(i64, i64)> = Vec::new();
    for id in &unit {
        let row = f.row(*id).await;
        by_due.push((row.due_at.expect("received: due"), row.id));
    }
    let mut sorted = by_due.clone();
    sorted.sort_unstable();
    assert_eq!(by_due, sorted);

    // Totals per queue with the same filters.
    let totals = f
        .app
        .dossier_queue_totals(&desk, &none)
        .await
        .expect("totals");
    let total_of = |queue: &str| {
        totals
            .iter()
            .find(|(q, _)| *q == queue)
            .map(|(_, n)| *n)
            .expect("queue")
    };
    assert_eq!(total_of("receive"), waiting as i64);
    assert_eq!(total_of("unit"), (RECEIVED + 1) as i64);
    assert_eq!(total_of("overdue"), 0);

    // Filters.
    let count = |filters: QueueFilters| {
        let f = &f;
        let desk = &desk;
        async move {
            f.app
                .dossier_queue_page(desk, Some("unit"), &filters, None, 200)
                .await
                .map(|page| {
                    (
                        page.items.iter().map(|d| d.id).collect::<Vec<_>>(),
                        page.total,
                    )
                })
        }
    };
    let name = motcua_domain::text::fold(&other_row.applicant_name);
    let last_words: Vec<&str> = name.split(' ').skip(1).collect();
    let (ids, total) = count(QueueFilters {
        text: Some(last_words.join(" ").to_uppercase()),
        ..Default::default()
    })
    .await
    .expect("by name");
    assert_eq!((ids, total), (vec![other_row.id], 1), "name {name:?}");
    let code = other_row.code.clone().expect("received: code");
    for text in [code.clone(), code.to_lowercase(), OTHER_CITIZEN.to_owned()] {
        let (ids, _) = count(QueueFilters {
            text: Some(text.clone()),
            ..Default::default()
        })
        .await
        .expect("by code or id");
        assert_eq!(ids, vec![other_row.id], "{text}");
    }
    let (ids, _) = count(QueueFilters {
        text: Some("Không Có Ai".into()),
        ..Default::default()
    })
    .await
    .expect("nobody");
    assert!(ids.is_empty());
    let (_, total) = count(QueueFilters {
        procedure: Some("1.001193".into()),
        channel: Some("online".into()),
        status: Some("2".into()),
        ..Default::default()
    })
    .await
    .expect("procedure, channel, status");
    assert_eq!(total, (RECEIVED + 1) as i64);
    for filters in [
        QueueFilters {
            procedure: Some("1.000894".into()),
            ..Default::default()
        },
        QueueFilters {
            channel: Some("counter".into()),
            ..Default::default()
        },
        QueueFilters {
            // Resolved is not a state of the unit's open queue.
            status: Some("9".into()),
            ..Default::default()
        },
        QueueFilters {
            from: Some("2026-12-08".into()),
            ..Default::default()
        },
    ] {
        let (ids, total) = count(filters.clone()).await.expect("narrow");
        assert_eq!((ids.len(), total), (0, 0), "{filters:?}");
    }
    let (_, total) = count(QueueFilters {
        from: Some("2026-12-07".into()),
        to: Some("2026-12-07".into()),
        ..Default::default()
    })
    .await
    .expect("today");
    assert_eq!(total, (RECEIVED + 1) as i64);

    // Refusals name their field.
    for (filters, field) in [
        (
            QueueFilters {
                from: Some("07/12/2026".into()),
                ..Default::default()
            },
            "from",
        ),
        (
            QueueFilters {
                from: Some("2026-12-08".into()),
                to: Some("2026-12-07".into()),
                ..Default::default()
            },
            "to",
        ),
        (
            QueueFilters {
                channel: Some("fax".into()),
                ..Default::default()
            },
            "channel",
        ),
        (
            QueueFilters {
                status: Some("99".into()),
                ..Default::default()
            },
            "status",
        ),
    ] {
        match count(filters).await {
            Err(AppError::Invalid(problems)) => assert_eq!(problems[0].field, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    for cursor in ["garbage", "u.1.2", "d.x.1"] {
        match f
            .app
            .dossier_queue_page(&desk, Some("unit"), &none, Some(cursor), 10)
            .await
        {
            Err(AppError::Invalid(problems)) => assert_eq!(problems[0].field, "cursor"),
            other => panic!("{cursor}: {other:?}"),
        }
    }

    // Overdue once the appointments pass.
    f.advance(Duration::days(60));
    let (ids, total) = count(QueueFilters {
        overdue: true,
        ..Default::default()
    })
    .await
    .expect("overdue");
    assert_eq!((ids.len(), total), (RECEIVED + 1, (RECEIVED + 1) as i64));
    let totals = f
        .app
        .dossier_queue_totals(&desk, &none)
        .await
        .expect("totals");
    assert!(
        totals.contains(&("overdue", (RECEIVED + 1) as i64)),
        "{totals:?}"
    );

    // Changes since an instant, by last change: the later dossiers only.
    let since =
        time::OffsetDateTime::from_unix_timestamp(received[RECEIVED - 1].updated_at / 1_000_000)
            .expect("instant")
            .format(&time::format_description::well_known::Rfc3339)
            .expect("format");
    let page = f
        .app
        .dossier_queue_page(
            &desk,
            None,
            &QueueFilters {
                updated_since: Some(since),
                ..Default::default()
            },
            None,
            200,
        )
        .await
        .expect("since");
    assert!(page.items.iter().any(|d| d.id == other_row.id));
    assert!(!page.items.iter().any(|d| d.id == received[0].id));
    let stamps: Vec<i64> = {
        let mut stamps = Vec::new();
        for d in &page.items {
            stamps.push(f.row(d.id).await.updated_at);
        }
        stamps
    };
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    f.cleanup().await;
}
