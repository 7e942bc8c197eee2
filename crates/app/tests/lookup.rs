//! The public lookup (tra cứu hồ sơ) cannot be used as a directory: a limit per client address,
//! no name without a proof of the applicant's phone or personal-id suffix, and a limit on
//! proofs per code. On both databases.

use motcua_app::lookup::{LOOKUPS_PER_MINUTE, LookupProof};
use motcua_app::test_support::Fixture;
use motcua_app::{Actor, AppError};
use motcua_store::Backend;
use time::Duration;

fn from(ip: &str) -> Actor {
    Actor::anonymous(Some(ip.to_owned()))
}

async fn the_name_needs_a_proof(backend: Backend) {
    let f = Fixture::new(backend).await;
    let code = f.submit().await.code.expect("code");
    let visitor = from("203.0.113.10");
    let plain = f
        .app
        .lookup_dossier(&visitor, &code, None)
        .await
        .expect("lookup");
    assert_eq!(plain.applicant, None);
    assert_eq!(plain.proof, LookupProof::NotGiven);
    assert_eq!(plain.status_code, Some(1), "the status is still public");
    for wrong in ["9999", "0987654321", "234", "Nguyễn Văn Hậu"] {
        let status = f
            .app
            .lookup_dossier(&visitor, &code, Some(wrong))
            .await
            .expect("lookup");
        assert_eq!(status.applicant, None, "{wrong}");
        assert_eq!(status.proof, LookupProof::Mismatch, "{wrong}");
    }
    // The last digits of the personal identification number, or the phone on the form.
    for right in ["1234", "092095001234", "0912 345 678", "+84912345678"] {
        let status = f
            .app
            .lookup_dossier(&visitor, &code, Some(right))
            .await
            .expect("lookup");
        assert_eq!(status.proof, LookupProof::Matched, "{right}");
        assert_eq!(status.applicant.as_deref(), Some("Nguyễn V. H."), "{right}");
    }
    f.cleanup().await;
}

async fn lookups_are_limited_per_client(backend: Backend) {
    let f = Fixture::new(backend).await;
    let code = f.submit().await.code.expect("code");
    let scraper = from("198.51.100.7");
    for n in 0..LOOKUPS_PER_MINUTE {
        // Unknown codes count as much as known ones: enumeration mostly misses.
        let guess = format!("000.00.30.H13-261124-{:04}", 9000 + n);
        let target = if n % 2 == 0 {
            code.as_str()
        } else {
            guess.as_str()
        };
        let result = f.app.lookup_dossier(&scraper, target, None).await;
        assert!(
            matches!(result, Ok(_) | Err(AppError::NotFound)),
            "lookup {n}: {result:?}"
        );
    }
    assert!(matches!(
        f.app.lookup_dossier(&scraper, &code, None).await,
        Err(AppError::RateLimited)
    ));
    assert!(matches!(
        f.app.lookup_dossier(&scraper, "not a code", None).await,
        Err(AppError::RateLimited)
    ));
    // An official behind the same address (a busy desk) is not limited.
    let desk = Actor {
        ip: scraper.ip.clone(),
        ..f.official("tiepnhan.ninhkieu").await
    };
    f.app
        .lookup_dossier(&desk, &code, None)
        .await
        .expect("an official at the desk");
    // Another address is not affected; the first one may look again a minute later.
    f.app
        .lookup_dossier(&from("198.51.100.8"), &code, None)
        .await
        .expect("another client");
    f.advance(Duration::minutes(1));
    f.app
        .lookup_dossier(&scraper, &code, None)
        .await
        .expect("the next minute");
    f.cleanup().await;
}

async fn proofs_for_one_code_are_limited_across_addresses(backend: Backend) {
    let f = Fixture::new(backend).await;
    let code = f.submit().await.code.expect("code");
    for n in 0..10 {
        let guess = format!("{:04}", 5000 + n);
        let status = f
            .app
            .lookup_dossier(&from(&format!("192.0.2.{n}")), &code, Some(&guess))
            .await
            .expect("a proof");
        assert_eq!(status.applicant, None);
    }
    assert!(matches!(
        f.app
            .lookup_dossier(&from("192.0.2.200"), &code, Some("1234"))
            .await,
        Err(AppError::RateLimited)
    ));
    // Without a proof the status stays available.
    f.app
        .lookup_dossier(&from("192.0.2.201"), &code, None)
        .await
        .expect("no proof");
    f.cleanup().await;
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await } )* }
    };
}

both!(
    the_name_needs_a_proof,
    lookups_are_limited_per_client,
    proofs_for_one_code_are_limited_across_addresses
);
