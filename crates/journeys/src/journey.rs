//! A journey through the site in one browser: navigation, typing, buttons, waiting for the
//! next page, screenshots and (with JavaScript on) the accessibility check of each page
//! recorded. Shared by every journey test file.

use crate::{Driver, Server, accessibility_violations, axe_script, screenshot};
use fantoccini::{Client, Locator};
use std::time::Duration;

/// One browser going through the site, with what its pages' checks found.
pub struct Journey {
    pub browser: Client,
    pub server: Server,
    pub tag: &'static str,
    pub axe: Option<String>,
    pub problems: Vec<String>,
}

impl Journey {
    /// A browser on `server` with JavaScript on or off; with it on, every recorded page is
    /// checked with axe-core. The driver must live as long as the journey.
    pub async fn begin(server: Server, javascript: bool, tag: &'static str) -> (Journey, Driver) {
        let axe = javascript.then(|| axe_script().expect("axe-core"));
        let driver = Driver::start().await.expect("chromedriver");
        let browser = driver.browser(javascript).await.expect("browser");
        let journey = Journey {
            browser,
            server,
            tag,
            axe,
            problems: Vec::new(),
        };
        (journey, driver)
    }

    /// Closes the browser and the server, then fails on what the accessibility checks found.
    pub async fn finish(mut self) {
        let problems = std::mem::take(&mut self.problems);
        let _ = self.browser.close().await;
        self.server.stop().await;
        assert!(
            problems.is_empty(),
            "accessibility violations:\n{}",
            problems.join("\n")
        );
    }

    pub async fn open(&self, path: &str) {
        self.browser
            .goto(&self.server.url(path))
            .await
            .expect("navigate");
    }

    pub async fn fill(&self, id: &str, value: &str) {
        let field = self
            .element(&format!("#{id}"))
            .await
            .unwrap_or_else(|e| panic!("field {id}: {e}"));
        field.clear().await.expect("clear");
        field.send_keys(value).await.expect("type");
    }

    pub async fn submit(&self, form_action: &str) {
        // Forms that carry files send their CSRF token in the address (`?_csrf=`).
        let button = self
            .element(&format!(
                "form[action='{form_action}'] button[type=submit], form[action^='{form_action}?'] button[type=submit]"
            ))
            .await
            .expect("submit button");
        button.click().await.expect("click");
    }

    /// Submits a GET form (a search box) by its action.
    pub async fn submit_get(&self, form_action: &str) {
        let selector = format!("form[action='{form_action}'] button");
        let button = self.element(&selector).await.expect("search button");
        button.click().await.expect("click");
    }

    /// Waits until the browser shows `expected` (a click may return before navigation ends)
    /// and returns the path it ended on.
    pub async fn arrive(&self, expected: &str) -> String {
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
    pub async fn shows(&self, needle: &str) -> bool {
        for _ in 0..100 {
            if self.text().await.contains(needle) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// The page text; empty while a navigation is still under way.
    pub async fn text(&self) -> String {
        match self.browser.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits for an element: after a click the next page may still be loading.
    pub async fn element(
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
    pub async fn record(&mut self, name: &str) {
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

impl Journey {
    /// Clicks an action button by id and waits for the confirmation the next page shows.
    pub async fn press(&self, id: &str, expected: &str) {
        let button = self
            .element(&format!("#{id}"))
            .await
            .unwrap_or_else(|e| panic!("button {id}: {e}"));
        button.click().await.expect("click");
        for _ in 0..200 {
            if let Ok(flash) = self.browser.find(Locator::Css("p.flash")).await
                && flash.text().await.unwrap_or_default().contains(expected)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("after {id}: {}", self.text().await);
    }

    pub async fn arrive_prefix(&self, prefix: &str) -> bool {
        for _ in 0..200 {
            if let Ok(url) = self.browser.current_url().await
                && url.path().starts_with(prefix)
                && self.browser.find(Locator::Css("footer")).await.is_ok()
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Signs the demo citizen with `personal_id` in, in Vietnamese, to their account page.
    pub async fn sign_in_citizen(&self, personal_id: &str) {
        self.open("/lang/vi?back=/signin").await;
        self.fill("f-personal_id", personal_id).await;
        self.fill("f-password", motcua_app::demo::DEMO_PASSWORD)
            .await;
        self.submit("/signin").await;
        assert_eq!(
            self.arrive("/account").await,
            "/account",
            "{personal_id} signs in"
        );
    }

    pub async fn sign_in_official(&self, username: &str) {
        self.open("/staff/signin").await;
        self.fill("f-username", username).await;
        self.fill("f-password", motcua_app::demo::DEMO_PASSWORD)
            .await;
        self.submit("/staff/signin").await;
        assert_eq!(self.arrive("/staff").await, "/staff", "{username} signs in");
    }

    pub async fn sign_out(&self) {
        self.submit("/signout").await;
        assert_eq!(self.arrive("/").await, "/");
    }

    /// GETs a link of the current page with the browser's cookies, as a download would.
    pub async fn download(&self, selector: &str) -> Vec<u8> {
        let link = self.element(selector).await.expect("download link");
        let href = link.attr("href").await.expect("href").expect("a link");
        let cookies = self.browser.get_all_cookies().await.expect("cookies");
        let header: Vec<String> = cookies
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect();
        let response = reqwest::Client::new()
            .get(self.server.url(&href))
            .header("cookie", header.join("; "))
            .send()
            .await
            .expect("download");
        assert!(
            response.status().is_success(),
            "{href}: {}",
            response.status()
        );
        response.bytes().await.expect("bytes").to_vec()
    }
}
