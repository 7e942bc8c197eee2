//! The harness for real-browser journeys: the real router served on a loopback port, Debian's
//! Chromium driven through chromedriver (WebDriver), screenshots kept as test artefacts, and an
//! axe-core accessibility check injected into the page.
//!
//! What the journeys need (Debian `chromium`, `chromium-driver`; `axe-core` from npm in
//! `target/journeys/npm`) is installed by `.ci/setup-test-tools`, never here: a missing tool
//! fails the journey with a message naming it and the script.

pub mod journey;

pub use journey::Journey;

use anyhow::{Context, bail};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use motcua_app::{App, AppSettings};
use motcua_store::Backend;
use motcua_store::test_support::TestDatabase;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// Where screenshots and other artefacts go.
pub fn artefacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/journeys");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Fails unless Chromium and its driver are installed.
pub fn ensure_browser() -> anyhow::Result<()> {
    for (program, package) in [
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
    ] {
        if !installed(program) {
            bail!(
                "{program} is missing: the browser journeys need Debian's {package}; run `.ci/setup-test-tools` (as root) to install it"
            );
        }
    }
    Ok(())
}

/// The axe-core script, as installed by `.ci/setup-test-tools`.
pub fn axe_script() -> anyhow::Result<String> {
    let script = artefacts_dir().join("npm/node_modules/axe-core/axe.min.js");
    if !script.exists() {
        bail!(
            "axe-core is missing at {}: run `.ci/setup-test-tools` (installs npm's axe-core@4 into target/journeys/npm)",
            script.display()
        );
    }
    std::fs::read_to_string(&script).with_context(|| format!("reading {}", script.display()))
}

/// The real server on a free loopback port, with the Cần Thơ demo loaded.
pub struct Server {
    pub address: SocketAddr,
    pub app: App,
    pub database: TestDatabase,
    /// The VNPay simulator the server pays through, when started with payments.
    pub vnpay: Option<motcua_payments::simulator::SimulatorHandle>,
    /// The postal operator's simulator the server posts results through, when started with
    /// the postal channel; its tracking callbacks come to the server.
    pub postal: Option<motcua_channels::simulator::postal::PostalSimHandle>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub async fn start(backend: Backend) -> anyhow::Result<Server> {
        Self::start_with(backend, false, false).await
    }

    /// [`Server::start`] with VNPay configured against its local simulator, which calls the
    /// server back as the real gateway would.
    pub async fn start_with_payments(backend: Backend) -> anyhow::Result<Server> {
        Self::start_with(backend, true, false).await
    }

    /// [`Server::start`] with the postal operator configured against its local simulator,
    /// which posts its signed tracking callbacks to the server.
    pub async fn start_with_postal(backend: Backend) -> anyhow::Result<Server> {
        Self::start_with(backend, false, true).await
    }

    async fn start_with(backend: Backend, payments: bool, postal: bool) -> anyhow::Result<Server> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let database = TestDatabase::new(backend).await;
        let app = App::new(
            database.store.clone(),
            AppSettings {
                log_codes: true,
                ..AppSettings::default()
            },
        )
        .with_renderer(std::sync::Arc::new(motcua_render::TypstRenderer::new()));
        app.load_demo()
            .await
            .map_err(|e| anyhow::anyhow!("demo: {e}"))?;
        let (app, vnpay) = if payments {
            use motcua_payments::simulator::{VnPaySimulator, VnPaySimulatorConfig};
            use motcua_payments::vnpay::{VnPay, VnPayConfig};
            let secret = "JOURNEYSECRET0123456789ABCDEFGHI";
            let sim = VnPaySimulator::start(VnPaySimulatorConfig {
                tmn_code: "JOURNEY1".into(),
                hash_secret: secret.into(),
                ipn_url: format!("http://{address}/api/v1/payments/gateways/vnpay/confirm"),
            })
            .await?;
            let gateway = VnPay::new(VnPayConfig {
                tmn_code: "JOURNEY1".into(),
                hash_secret: secret.into(),
                pay_url: sim.pay_url(),
                api_url: sim.api_url(),
            })?;
            let app = app
                .with_gateways(motcua_app::payments::Gateways::new(vec![Arc::new(gateway)]))
                .with_public_url(&format!("http://{address}"));
            (app, Some(sim))
        } else {
            (app, None)
        };
        let (app, postal) = if postal {
            use motcua_app::postal::{Postal, PostalSender};
            use motcua_channels::Secret;
            use motcua_channels::postal::{HttpPostalOperator, PostalConfig};
            use motcua_channels::simulator::postal::{PostalSimConfig, PostalSimulator};
            let (key, secret) = ("journey-postal-key", "journey-postal-callback-secret");
            let sim = PostalSimulator::start(PostalSimConfig::new(
                "JOURNEY",
                key,
                secret,
                Some(format!("http://{address}/api/v1/postal/tracking")),
            ))
            .await?;
            let config = PostalConfig {
                endpoint: sim.endpoint(),
                customer_code: "JOURNEY".into(),
                api_key: Secret(key.into()),
                callback_secret: Secret(secret.into()),
            };
            let operator = HttpPostalOperator::new(config.clone())?;
            let app = app.with_postal(Postal::new(
                Arc::new(operator),
                config,
                PostalSender {
                    phone: "02923820123".into(),
                    address: "2 Hòa Bình, Ninh Kiều, Cần Thơ".into(),
                },
            ));
            (app, Some(sim))
        } else {
            (app, None)
        };
        let config = motcua_web::WebConfig {
            public_url: format!("http://{address}"),
            demo: true,
            ..Default::default()
        };
        let state = motcua_web::AppState {
            app: app.clone(),
            config: Arc::new(config),
            metrics: None,
        };
        let router = motcua_web::router(state);
        let task = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        Ok(Server {
            address,
            app,
            database,
            vnpay,
            postal,
            task,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn stop(self) {
        self.task.abort();
        self.database.cleanup().await;
    }
}

/// How many browsers run at once. Every journey test starts its own Chromium; on a 2-core CI
/// machine six at once starve each other until chromedriver stops answering, so the journeys
/// queue for a place instead.
static BROWSER_PLACES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// How many times a browser session is asked for before the journey fails: a session that
/// chromedriver could not start (Chromium slow to come up under load) is asked for again.
const SESSION_ATTEMPTS: u32 = 3;

/// A chromedriver process; killed when dropped, which also frees its place.
pub struct Driver {
    child: Child,
    pub port: u16,
    log: PathBuf,
    _place: tokio::sync::SemaphorePermit<'static>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    pub async fn start() -> anyhow::Result<Driver> {
        ensure_browser()?;
        let place = BROWSER_PLACES
            .acquire()
            .await
            .context("waiting for a browser place")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        // chromedriver's own log, kept beside the screenshots, says why a session failed.
        let log = artefacts_dir().join(format!("chromedriver-{port}.log"));
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting chromedriver")?;
        let driver = Driver {
            child,
            port,
            log,
            _place: place,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(driver);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("chromedriver did not start on port {port}")
    }

    /// A new headless browser, phone-sized, with JavaScript on or off; asked for again when
    /// chromedriver fails to start one, and failing with the tail of chromedriver's log.
    pub async fn browser(&self, javascript: bool) -> anyhow::Result<Client> {
        let mut last_error = None;
        for attempt in 1..=SESSION_ATTEMPTS {
            match self.session(javascript, attempt).await {
                Ok(client) => return Ok(client),
                Err(error) => {
                    // The test's output, shown only when the journey fails in the end.
                    eprintln!(
                        "browser session attempt {attempt}/{SESSION_ATTEMPTS} failed: {error:#}"
                    );
                    last_error = Some(error);
                    tokio::time::sleep(Duration::from_secs(u64::from(attempt) * 2)).await;
                }
            }
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(last_error
            .unwrap_or_else(|| anyhow::anyhow!("no browser session"))
            .context(format!("chromedriver log tail:\n{}", tail.join("\n"))))
    }

    async fn session(&self, javascript: bool, attempt: u32) -> anyhow::Result<Client> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let profile = std::env::temp_dir().join(format!(
            // A Chromium left over from a failed attempt may still hold its profile's lock.
            "motcua-chromium-{}-{}-{attempt}",
            std::process::id(),
            self.port
        ));
        let mut options = serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--window-size=412,915", "--lang=vi",
                format!("--user-data-dir={}", profile.display()),
            ],
        });
        if !javascript {
            options["prefs"] =
                serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .context("connecting to chromedriver")
    }
}

/// Saves a screenshot of the current page as `target/journeys/<name>.png`.
pub async fn screenshot(client: &Client, name: &str) -> anyhow::Result<PathBuf> {
    let png = client.screenshot().await?;
    let path = artefacts_dir().join(format!("{name}.png"));
    std::fs::write(&path, png)?;
    Ok(path)
}

/// Runs axe-core on the current page and returns the serious and critical violations.
pub async fn accessibility_violations(client: &Client, axe: &str) -> anyhow::Result<Vec<String>> {
    client
        .execute(axe, vec![])
        .await
        .context("injecting axe-core")?;
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })\
               .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\
                 .map(v => v.id + ': ' + v.help + ' [' + v.nodes.map(n => n.target.join(' ')).join(', ') + ']')))\
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .context("running axe-core")?;
    let Some(list) = result.as_array() else {
        bail!("axe-core returned no result: {result}");
    };
    Ok(list
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect())
}
