//! Journeys through the real server in headless Chromium, once with JavaScript on and once with
//! it off: every page must work without scripts. Each key page is screenshotted into
//! `target/journeys/` and, with JavaScript on, checked with axe-core for serious or critical
//! accessibility violations.

use fantoccini::{Client, Locator};
use motcua_journeys::{Driver, Server, accessibility_violations, axe_script, screenshot};
use motcua_store::Backend;
use std::time::Duration;

struct Journey {
    browser: Client,
    server: Server,
    tag: &'static str,
    axe: Option<String>,
    problems: Vec<String>,
}

impl Journey {
    async fn open(&self, path: &str) {
        self.browser
            .goto(&self.server.url(path))
            .await
            .expect("navigate");
    }

    async fn fill(&self, id: &str, value: &str) {
        let field = self
            .element(&format!("#{id}"))
            .await
            .unwrap_or_else(|e| panic!("field {id}: {e}"));
        field.clear().await.expect("clear");
        field.send_keys(value).await.expect("type");
    }

    async fn submit(&self, form_action: &str) {
        let button = self
            .element(&format!("form[action='{form_action}'] button[type=submit]"))
            .await
            .expect("submit button");
        button.click().await.expect("click");
    }

    /// Submits a GET form (a search box) by its action.
    async fn submit_get(&self, form_action: &str) {
        let selector = format!("form[action='{form_action}'] button");
        let button = self.element(&selector).await.expect("search button");
        button.click().await.expect("click");
    }

    /// Waits until the browser shows `expected` (a click may return before navigation ends)
    /// and returns the path it ended on.
    async fn arrive(&self, expected: &str) -> String {
        let mut path = String::new();
        for _ in 0..100 {
            if let Ok(url) = self.browser.current_url().await {
                path = url.path().to_owned();
                if path == expected && self.browser.find(Locator::Css("footer")).await.is_ok() {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        path
    }

    /// Waits until the page shows `needle`; false if it never does.
    async fn shows(&self, needle: &str) -> bool {
        for _ in 0..100 {
            if self.text().await.contains(needle) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// The page text; empty while a navigation is still under way.
    async fn text(&self) -> String {
        match self.browser.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits for an element: after a click the next page may still be loading.
    async fn element(
        &self,
        selector: &str,
    ) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
        self.browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(selector))
            .await
    }

    /// Screenshot and, with JavaScript on, an accessibility check of the current page.
    async fn record(&mut self, name: &str) {
        screenshot(&self.browser, &format!("{}-{name}", self.tag))
            .await
            .expect("screenshot");
        if let Some(axe) = &self.axe {
            for violation in accessibility_violations(&self.browser, axe)
                .await
                .expect("axe")
            {
                self.problems.push(format!("{name}: {violation}"));
            }
        }
    }
}

async fn foundation_journey(javascript: bool) {
    let axe = javascript.then(|| axe_script().expect("axe-core"));
    let server = Server::start(Backend::Sqlite).await.expect("server");
    let driver = Driver::start().await.expect("chromedriver");
    let browser = driver.browser(javascript).await.expect("browser");
    let mut j = Journey {
        browser,
        server,
        tag: if javascript { "js" } else { "nojs" },
        axe,
        problems: Vec::new(),
    };

    // Vietnamese whatever the browser's own language is.
    j.open("/lang/vi?back=/").await;
    assert!(
        j.shows("Dịch vụ công trực tuyến").await,
        "{}",
        j.text().await
    );
    j.record("01-home").await;
    if let Some(axe) = &j.axe {
        // The checker itself must be able to fail: a picture without text is a violation.
        j.browser.execute("document.querySelector('main').appendChild(document.createElement('img')).src = '/static/none.png';", vec![]).await.expect("inject");
        let found = accessibility_violations(&j.browser, axe)
            .await
            .expect("axe");
        assert!(
            found.iter().any(|v| v.starts_with("image-alt")),
            "axe did not flag an image without alt: {found:?}"
        );
    }

    // A citizen opens an account with their identification number and the code sent to them.
    j.open("/signup").await;
    j.record("02-signup").await;
    j.fill("f-personal_id", "092199000555").await;
    j.fill("f-full_name", "Nguyễn Thị Kim Ngân").await;
    j.fill("f-email", "ngan@example.vn").await;
    j.fill("f-password", "mat-khau-cua-ngan").await;
    j.submit("/signup").await;
    assert_eq!(j.arrive("/verify").await, "/verify");
    j.record("03-verify").await;
    let outbox = j
        .server
        .database
        .store
        .outbox_of_kind("notify")
        .await
        .expect("outbox");
    let payload: serde_json::Value =
        serde_json::from_str(&outbox.last().expect("code queued").payload).expect("payload");
    j.fill("f-code", payload["code"].as_str().expect("code"))
        .await;
    j.submit("/verify").await;
    assert_eq!(j.arrive("/signin").await, "/signin");
    j.fill("f-personal_id", "092199000555").await;
    j.fill("f-password", "mat-khau-cua-ngan").await;
    j.submit("/signin").await;
    assert_eq!(j.arrive("/account").await, "/account");
    assert!(j.shows("Nguyễn Thị Kim Ngân").await);
    j.record("04-account").await;
    j.submit("/signout").await;
    assert_eq!(j.arrive("/").await, "/");

    // A wrong password is explained on the page.
    j.open("/staff/signin").await;
    j.fill("f-username", "admin").await;
    j.fill("f-password", "sai-mat-khau").await;
    j.submit("/staff/signin").await;
    assert!(j.shows("Thông tin đăng nhập không đúng").await);
    j.record("05-signin-error").await;

    // The city administrator adds a unit to a ward.
    j.fill("f-username", "admin").await;
    j.fill("f-password", motcua_app::demo::DEMO_PASSWORD).await;
    j.submit("/staff/signin").await;
    assert_eq!(j.arrive("/staff").await, "/staff");
    j.record("06-staff-home").await;
    j.open("/admin/units/new").await;
    j.fill("f-name", "Tổ Chuyển đổi số").await;
    let parent = j
        .browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#f-parent_id"))
        .await
        .expect("parent select");
    parent
        .select_by_label("— UBND phường Ninh Kiều")
        .await
        .expect("choose parent");
    j.record("07-unit-form").await;
    j.submit("/admin/units").await;
    assert_eq!(j.arrive("/admin/units").await, "/admin/units");
    assert!(j.shows("Tổ Chuyển đổi số").await);
    j.record("08-units").await;
    j.open("/admin/officials").await;
    j.record("09-officials").await;

    // Anyone finds marriage registration by typing without diacritics, and opens it.
    j.open("/procedures").await;
    j.fill("f-q", "dang ky ket hon").await;
    j.submit_get("/procedures").await;
    assert!(j.shows("Đăng ký kết hôn").await, "{}", j.text().await);
    j.record("10-procedure-search").await;
    j.open("/procedures/1.000894").await;
    assert!(j.shows("Đăng ký kết hôn").await);
    j.record("11-procedure-detail").await;

    let problems = std::mem::take(&mut j.problems);
    let _ = j.browser.close().await;
    j.server.stop().await;
    assert!(
        problems.is_empty(),
        "accessibility violations:\n{}",
        problems.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn foundation_journey_with_javascript() {
    foundation_journey(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn foundation_journey_without_javascript() {
    foundation_journey(false).await;
}
