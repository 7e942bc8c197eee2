//! Outbox delivery over a real SMTP conversation: a citizen's one-time code reaches a local SMTP
//! server, and a delivery that fails (server down) is kept and retried, never lost.

use motcua_app::accounts::CitizenSignUp;
use motcua_app::notify::{Channels, SmtpNotifier};
use motcua_app::{Actor, App, AppSettings};
use motcua_store::Backend;
use motcua_store::test_support::TestDatabase;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A minimal SMTP server (RFC 5321 happy path) that records each message's DATA.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink.local ESMTP\r\n").await;
                let mut in_data = false;
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            if let Ok(mut all) = store.lock() {
                                all.push(std::mem::take(&mut data));
                            }
                            let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let command = line.to_ascii_uppercase();
                    let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO")
                    {
                        b"250-sink.local\r\n250 8BITMIME\r\n"
                    } else if command.starts_with("MAIL FROM")
                        || command.starts_with("RCPT TO")
                        || command.starts_with("RSET")
                        || command.starts_with("NOOP")
                    {
                        b"250 2.1.0 ok\r\n"
                    } else if command.starts_with("DATA") {
                        in_data = true;
                        b"354 go ahead\r\n"
                    } else if command.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"502 5.5.2 not implemented\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, received)
}

fn sign_up() -> CitizenSignUp {
    CitizenSignUp {
        personal_id: "092198004321".into(),
        full_name: "Phạm Thị Thu".into(),
        email: Some("thu@example.vn".into()),
        phone: None,
        password: "mat-khau-an-toan".into(),
    }
}

async fn code_reaches_the_citizen_by_smtp(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    let (port, received) = smtp_sink().await;
    app.citizen_sign_up(&Actor::anonymous(None), &sign_up())
        .await
        .expect("sign up");
    let smtp =
        SmtpNotifier::new("127.0.0.1", port, "Một Cửa <khong-tra-loi@motcua.local>").expect("smtp");
    let channels = Channels {
        email: Arc::new(smtp),
        sms: Arc::new(motcua_app::notify::LogNotifier),
        zalo: Arc::new(motcua_app::notify::LogNotifier),
        chat: None,
    };
    let payload = db.store.outbox_of_kind("notify").await.expect("outbox");
    let code: serde_json::Value = serde_json::from_str(&payload[0].payload).expect("json");
    let code = code["code"].as_str().expect("code").to_owned();
    assert_eq!(app.deliver_outbox(&channels).await.expect("deliver"), 1);
    // Once sent, the row no longer holds the code.
    let payload = db.store.outbox_of_kind("notify").await.expect("outbox");
    assert!(
        !payload[0].payload.contains(&code),
        "{}",
        payload[0].payload
    );
    let messages = received.lock().expect("lock").clone();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("thu@example.vn"));
    assert!(messages[0].contains(&code), "the message carries the code");
    assert_eq!(db.store.pending_outbox().await.expect("pending"), 0);
    // The code works.
    app.citizen_verify(&Actor::anonymous(None), "092198004321", &code)
        .await
        .expect("verify");
    db.cleanup().await;
}

async fn a_failed_delivery_is_kept_for_retry(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let app = App::new(db.store.clone(), AppSettings::default());
    app.citizen_sign_up(&Actor::anonymous(None), &sign_up())
        .await
        .expect("sign up");
    // Nothing listens on this port: the relay is down.
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let smtp = SmtpNotifier::new("127.0.0.1", closed, "khong-tra-loi@motcua.local").expect("smtp");
    let channels = Channels {
        email: Arc::new(smtp),
        sms: Arc::new(motcua_app::notify::LogNotifier),
        zalo: Arc::new(motcua_app::notify::LogNotifier),
        chat: None,
    };
    assert_eq!(app.deliver_outbox(&channels).await.expect("deliver"), 0);
    assert_eq!(
        db.store.pending_outbox().await.expect("pending"),
        1,
        "kept, not lost"
    );
    // Once the relay is back and the backoff has passed, the same message goes out.
    let (port, received) = smtp_sink().await;
    let later = app.clone().with_clock(Arc::new(|| {
        time::OffsetDateTime::now_utc() + time::Duration::minutes(2)
    }));
    let smtp = SmtpNotifier::new("127.0.0.1", port, "khong-tra-loi@motcua.local").expect("smtp");
    let channels = Channels {
        email: Arc::new(smtp),
        sms: Arc::new(motcua_app::notify::LogNotifier),
        zalo: Arc::new(motcua_app::notify::LogNotifier),
        chat: None,
    };
    assert_eq!(later.deliver_outbox(&channels).await.expect("deliver"), 1);
    assert_eq!(received.lock().expect("lock").len(), 1);
    assert_eq!(db.store.pending_outbox().await.expect("pending"), 0);
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_code_reaches_the_citizen_by_smtp() {
    code_reaches_the_citizen_by_smtp(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_code_reaches_the_citizen_by_smtp() {
    code_reaches_the_citizen_by_smtp(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_a_failed_delivery_is_kept_for_retry() {
    a_failed_delivery_is_kept_for_retry(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_failed_delivery_is_kept_for_retry() {
    a_failed_delivery_is_kept_for_retry(Backend::Postgres).await;
}
