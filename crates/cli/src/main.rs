//! `motcua`: the one binary. `serve` runs the portal and back office; the other commands are for
//! operators (migrations, backups, accounts, import and export) and call the same use cases as
//! the web pages and the API.

mod bench_cmd;
mod calendar_cmd;
mod catalogue_cmd;
mod config;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use config::Config;
use motcua_app::transfer::Format;
use motcua_app::{Actor, App, AppSettings, notify};
use motcua_store::Store;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "motcua",
    version,
    about = "Một Cửa: public-service portal and electronic one-stop back office"
)]
struct Cli {
    /// Configuration file (default: motcua.toml in the current directory, if present).
    #[arg(long, global = true, env = "MOTCUA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server (migrating the database first).
    Serve {
        /// Loads the Cần Thơ demo into an empty database and shows one-time codes in the log.
        #[arg(long)]
        demo: bool,
        /// Overrides server.listen.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Applies database migrations and exits.
    Migrate,
    /// Writes a consistent snapshot of the SQLite database.
    Backup {
        /// Target file (default: <data_dir>/backup-<timestamp>.db).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Account administration.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Imports the organisation tree or the officials from a JSON or CSV file.
    Import {
        what: What,
        file: PathBuf,
        #[arg(long)]
        format: Option<String>,
    },
    /// Exports the organisation tree or the officials as JSON or CSV.
    Export {
        what: What,
        #[arg(long, default_value = "json")]
        format: String,
        /// Output file (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Prints an annotated example configuration file.
    DefaultConfig,
    /// The procedure catalogue: import, export, search benchmark.
    #[command(subcommand)]
    Catalogue(catalogue_cmd::CatalogueCommand),
    /// Working-day calendar: due dates, days off, lunar dates, notice import.
    #[command(subcommand)]
    Calendar(calendar_cmd::CalendarCommand),
    /// Checks the integrity of every dossier's hash-chained timeline.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The report projections (báo cáo): compare with a full recomputation, or rebuild them.
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// Procedure workflows (quy trình): import a validated workflow version from JSON.
    #[command(subcommand)]
    Workflow(WorkflowCommand),
    /// Demo data in bulk: `demo generate --dossiers N`.
    #[command(subcommand)]
    Demo(bench_cmd::DemoCommand),
    /// Benchmarks a real server on loopback on SQLite and PostgreSQL (see BENCHMARKS.md).
    Bench(Box<bench_cmd::BenchArgs>),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verifies every dossier's event chain; exits non-zero if any chain is broken.
    Verify,
}

#[derive(Subcommand)]
enum ReportsCommand {
    /// Recomputes every report counter from the records and compares it with what is kept;
    /// exits non-zero if they differ. Changes nothing.
    Verify,
    /// Recomputes the report projections and keeps the result (after an upgrade from a
    /// version without reports, or a change of the calendar). Writers wait while it runs.
    Rebuild,
}

#[derive(Subcommand)]
enum WorkflowCommand {
    /// Imports a workflow (a new version for its procedure).
    Import { file: PathBuf },
    /// Prints the latest workflow of a procedure as JSON.
    Show { procedure_code: String },
}

#[derive(Clone, Copy, ValueEnum)]
enum What {
    Org,
    Officials,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Creates an official, optionally with a role (ROLE or ROLE@UNIT_CODE).
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// Electronic code of the unit the official works in (default: the root of the tree).
        #[arg(long)]
        unit_code: Option<String>,
        #[arg(long)]
        role: Vec<String>,
        #[arg(long, env = "MOTCUA_PASSWORD")]
        password: String,
    },
    /// Sets an official's password.
    SetPassword {
        #[arg(long)]
        username: String,
        #[arg(long, env = "MOTCUA_PASSWORD")]
        password: String,
    },
    /// Issues an API bearer token for an official and prints it once.
    CreateToken {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
        #[arg(long)]
        days: Option<i64>,
    },
    /// Creates the root of the organisation tree (a fresh installation starts here).
    CreateRoot {
        #[arg(long)]
        name: String,
        #[arg(long)]
        code: Option<String>,
        #[arg(long, default_value = "province")]
        level: String,
    },
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        // Bulk loads (`demo generate`, `bench`) run statements that are slow by design.
        tracing_subscriber::EnvFilter::new(format!("{},sqlx::query=error", config.log.level))
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("motcua: {error:#}");
            return std::process::ExitCode::from(2);
        }
    };
    init_logging(&config);
    match run(cli.command, config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("motcua: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.database.data_dir).with_context(|| {
            format!(
                "cannot create data directory {}",
                config.database.data_dir.display()
            )
        })?;
    }
    open_store_at(&url).await
}

/// Opens and migrates the database at `url`.
async fn open_store_at(url: &str) -> anyhow::Result<Store> {
    let url = url.to_owned();
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("cannot open database {}", redact(&url)))?;
    store.migrate().await.context("migrations failed")?;
    Ok(store)
}

/// Hides a password in a database URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn app_for(store: Store, config: &Config, demo: bool) -> App {
    App::new(
        store,
        AppSettings {
            session_ttl: time::Duration::minutes(config.server.session_minutes),
            log_codes: demo,
            max_attachment_bytes: config.attachments.max_bytes,
            upload_quota_bytes: config.attachments.quota_bytes,
            channels: motcua_app::ContactChannels {
                email: demo || !config.mail.smtp_host.is_empty(),
                sms: demo || config.notifications.sms_configured(),
                zalo: demo
                    || (config.notifications.zalo_configured()
                        && !config.notifications.zalo_zns_template.is_empty()),
            },
            delivery_attempts: config.notifications.delivery_attempts.max(1),
            ..AppSettings::default()
        },
    )
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::DefaultConfig => {
            print!("{}", Config::example());
            Ok(())
        }
        Command::Migrate => {
            let store = open_store(&config).await?;
            for (version, description) in store.applied_migrations().await? {
                println!("{version}\t{description}");
            }
            println!(
                "database {} is up to date ({})",
                redact(&config.database_url()),
                store.backend().as_str()
            );
            Ok(())
        }
        Command::Backup { output } => {
            let store = open_store(&config).await?;
            let target = output.unwrap_or_else(|| {
                let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
                config.database.data_dir.join(format!("backup-{stamp}.db"))
            });
            if target.exists() {
                anyhow::bail!(
                    "{} already exists; choose another --output",
                    target.display()
                );
            }
            store
                .backup_to(&target.display().to_string())
                .await
                .context("backup failed")?;
            println!("backup written to {}", target.display());
            Ok(())
        }
        Command::Serve { demo, listen } => serve(config, demo, listen).await,
        Command::Demo(command) => bench_cmd::generate_command(command, config.database_url()).await,
        Command::Bench(args) => bench_cmd::bench_command(*args).await,
        Command::Catalogue(command) => {
            let app = app_for(open_store(&config).await?, &config, false);
            catalogue_cmd::run(&app, command).await
        }
        Command::Calendar(command) => {
            if !calendar_cmd::needs_store(&command) {
                return calendar_cmd::run_offline(&command);
            }
            let app = app_for(open_store(&config).await?, &config, false);
            calendar_cmd::run(&app, command).await
        }
        Command::Audit(AuditCommand::Verify) => {
            let app = app_for(open_store(&config).await?, &config, false);
            let report = app
                .verify_dossier_chains(&Actor::system())
                .await
                .map_err(describe)?;
            for (id, code, problem) in &report.broken {
                println!("BROKEN\t{code}\t(id {id})\t{problem}");
            }
            println!(
                "{} dossiers, {} events checked, {} broken chains",
                report.dossiers,
                report.events,
                report.broken.len()
            );
            if report.broken.is_empty() {
                Ok(())
            } else {
                anyhow::bail!(
                    "{} dossier timelines fail verification",
                    report.broken.len()
                )
            }
        }
        Command::Reports(command) => {
            let app = app_for(open_store(&config).await?, &config, false);
            let replace = matches!(command, ReportsCommand::Rebuild);
            let started = std::time::Instant::now();
            let outcome = app.rebuild_reports(replace).await.map_err(describe)?;
            println!(
                "{} dossiers, {} payments, {} ratings, {} acknowledged by the national portal; \
                 {} counters differed from a full recomputation ({:.1} s)",
                outcome.dossiers,
                outcome.payments,
                outcome.ratings,
                outcome.synced,
                outcome.differences,
                started.elapsed().as_secs_f64()
            );
            if replace {
                println!("report projections rebuilt");
                Ok(())
            } else if outcome.differences == 0 {
                Ok(())
            } else {
                anyhow::bail!(
                    "{} report counters differ; run `motcua reports rebuild`",
                    outcome.differences
                )
            }
        }
        Command::Workflow(WorkflowCommand::Import { file }) => {
            let app = app_for(open_store(&config).await?, &config, false);
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let (code, version) = app
                .import_workflow(&Actor::system(), &text)
                .await
                .map_err(describe)?;
            println!("workflow of {code} stored as version {version}");
            Ok(())
        }
        Command::Workflow(WorkflowCommand::Show { procedure_code }) => {
            let app = app_for(open_store(&config).await?, &config, false);
            let workflow = app
                .workflow(&procedure_code, None)
                .await
                .map_err(describe)?;
            println!("{}", serde_json::to_string_pretty(&workflow)?);
            Ok(())
        }
        Command::Admin(admin) => {
            let app = app_for(open_store(&config).await?, &config, false);
            run_admin(&app, admin).await
        }
        Command::Import { what, file, format } => {
            let app = app_for(open_store(&config).await?, &config, false);
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let format = Format::detect(format.as_deref(), &file.display().to_string());
            let report = match what {
                What::Org => app.import_units(&Actor::system(), &text, format).await,
                What::Officials => app.import_officials(&Actor::system(), &text, format).await,
            }
            .map_err(describe)?;
            println!(
                "created {}, updated {}, roles added {}",
                report.created, report.updated, report.roles_added
            );
            Ok(())
        }
        Command::Export {
            what,
            format,
            output,
        } => {
            let app = app_for(open_store(&config).await?, &config, false);
            let format = Format::detect(Some(&format), "");
            let text = match what {
                What::Org => app.export_units(&Actor::system(), format).await,
                What::Officials => app.export_officials(&Actor::system(), format).await,
            }
            .map_err(describe)?;
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}

/// Turns an application error into a sentence for the terminal (English, with field codes).
fn describe(error: motcua_app::AppError) -> anyhow::Error {
    match &error {
        motcua_app::AppError::Invalid(fields) => {
            let list: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.code))
                .collect();
            anyhow::anyhow!("invalid input: {}", list.join("; "))
        }
        other => anyhow::anyhow!("{other} ({})", other.code()),
    }
}

async fn run_admin(app: &App, command: AdminCommand) -> anyhow::Result<()> {
    let system = Actor::system();
    match command {
        AdminCommand::CreateRoot { name, code, level } => {
            let form = motcua_app::directory::UnitForm {
                parent_id: None,
                kind: "government".into(),
                level,
                name,
                code,
                ..Default::default()
            };
            let unit = app.create_unit(&system, &form).await.map_err(describe)?;
            println!("created unit {} ({})", unit.id, unit.name);
        }
        AdminCommand::CreateUser {
            username,
            name,
            unit_code,
            role,
            password,
        } => {
            let units = app.public_units().await.map_err(describe)?;
            let unit_for = |code: Option<&str>| -> anyhow::Result<i64> {
                match code {
                    Some(code) => units.iter().find(|u| u.code.as_deref() == Some(code)).map(|u| u.id).ok_or_else(|| anyhow::anyhow!("no unit with code {code}")),
                    None => units.first().map(|u| u.id).ok_or_else(|| anyhow::anyhow!("the organisation tree is empty: run `motcua admin create-root` or `motcua import org` first")),
                }
            };
            let unit_id = unit_for(unit_code.as_deref())?;
            let form = motcua_app::directory::OfficialForm {
                username,
                full_name: name,
                unit_id,
                active: true,
                password: Some(password),
                ..Default::default()
            };
            let official = app
                .create_official(&system, &form)
                .await
                .map_err(describe)?;
            for spec in role {
                let (role, code) = match spec.split_once('@') {
                    Some((role, code)) => (role.to_owned(), Some(code.to_owned())),
                    None => (spec.clone(), None),
                };
                let role_unit = unit_for(code.as_deref())?;
                app.assign_role(&system, official.id, &role, role_unit)
                    .await
                    .map_err(describe)?;
            }
            println!("created official {} ({})", official.id, official.username);
        }
        AdminCommand::SetPassword { username, password } => {
            let official_id = app
                .official_id_by_username(&system, &username)
                .await
                .map_err(describe)
                .context("no such official")?;
            app.set_official_password(&system, official_id, &password)
                .await
                .map_err(describe)?;
            println!("password changed for {username}");
        }
        AdminCommand::CreateToken {
            username,
            name,
            days,
        } => {
            let official_id = app
                .official_id_by_username(&system, &username)
                .await
                .map_err(describe)
                .context("no such official")?;
            let token = app
                .issue_api_token(&system, official_id, &name, days)
                .await
                .map_err(describe)?;
            println!("{token}");
        }
    }
    Ok(())
}

// --- OpenID Connect sign-in (issue 2) ---

/// Adds provider sign-in to the app when `[oidc]` is enabled. Discovery happens on first use,
/// so a provider that is down does not stop the portal from starting.
fn with_oidc(app: App, config: &Config, public_url: &str) -> anyhow::Result<App> {
    let oidc = &config.oidc;
    oidc.check()?;
    if !oidc.enabled {
        return Ok(app);
    }
    let provider = motcua_app::oidc::http::HttpIdentityProvider::new(
        motcua_app::oidc::http::HttpProviderConfig {
            issuer: oidc.issuer.clone(),
            client_id: oidc.client_id.clone(),
            client_secret: oidc.client_secret.clone(),
            timeout: std::time::Duration::from_secs(10),
        },
    )?;
    let settings = motcua_app::oidc::OidcSettings {
        redirect_uri: format!("{}/oidc/callback", public_url.trim_end_matches('/')),
        scopes: oidc.scopes.clone(),
        personal_id_claim: oidc.personal_id_claim.clone(),
        allow_officials: oidc.allow_officials,
        button_label: oidc.button_label.clone().filter(|l| !l.trim().is_empty()),
    };
    tracing::info!(issuer = %oidc.issuer, redirect_uri = %settings.redirect_uri, "OpenID Connect sign-in enabled");
    Ok(app.with_oidc(settings, Arc::new(provider)))
}

// --- end of OpenID Connect sign-in ---

/// The configured payment gateways. In the demo, a gateway without keys is replaced by its
/// local simulator (a small HTTP service on a free loopback port, marked as a simulator on
/// every page), so the whole payment flow can be tried on one machine; production never
/// starts one.
async fn payment_gateways(
    config: &Config,
    demo: bool,
    public_url: &str,
) -> anyhow::Result<(
    motcua_app::payments::Gateways,
    Vec<motcua_payments::simulator::SimulatorHandle>,
)> {
    use motcua_payments::paygov::{PayGov, PayGovConfig};
    use motcua_payments::simulator::{
        PayGovSimulator, PayGovSimulatorConfig, VnPaySimulator, VnPaySimulatorConfig,
    };
    use motcua_payments::vnpay::{VnPay, VnPayConfig};
    let p = &config.payments;
    let base = public_url.trim_end_matches('/');
    let mut list: Vec<Arc<dyn motcua_payments::PaymentGateway>> = Vec::new();
    let mut simulators = Vec::new();
    if p.vnpay_configured() {
        list.push(Arc::new(VnPay::new(VnPayConfig {
            tmn_code: p.vnpay_tmn_code.clone(),
            hash_secret: p.vnpay_hash_secret.clone(),
            pay_url: p.vnpay_pay_url.clone(),
            api_url: p.vnpay_api_url.clone(),
        })?));
    } else if demo {
        let secret = motcua_app::security::random_token();
        let sim = VnPaySimulator::start(VnPaySimulatorConfig {
            tmn_code: "MOTCUADEMO".into(),
            hash_secret: secret.clone(),
            ipn_url: format!("{base}/api/v1/payments/gateways/vnpay/confirm"),
        })
        .await?;
        tracing::info!(url = %sim.base_url(), "VNPay simulator (demo only)");
        list.push(Arc::new(VnPay::new(VnPayConfig {
            tmn_code: "MOTCUADEMO".into(),
            hash_secret: secret,
            pay_url: sim.pay_url(),
            api_url: sim.api_url(),
        })?));
        simulators.push(sim);
    }
    if p.paygov_configured() {
        list.push(Arc::new(PayGov::new(PayGovConfig {
            partner_code: p.paygov_partner_code.clone(),
            secret_key: p.paygov_secret_key.clone(),
            api_url: p.paygov_api_url.clone(),
            bearer_token: (!p.paygov_bearer_token.is_empty())
                .then(|| p.paygov_bearer_token.clone()),
        })?));
    } else if demo {
        let secret = motcua_app::security::random_token();
        let sim = PayGovSimulator::start(PayGovSimulatorConfig {
            partner_code: "MOTCUADEMO".into(),
            secret_key: secret.clone(),
            confirm_url: format!("{base}/api/v1/payments/gateways/paygov/confirm"),
            bearer_token: None,
        })
        .await?;
        tracing::info!(url = %sim.base_url(), "national payment platform simulator (demo only)");
        list.push(Arc::new(PayGov::new(PayGovConfig {
            partner_code: "MOTCUADEMO".into(),
            secret_key: secret,
            api_url: sim.api_url(),
            bearer_token: None,
        })?));
        simulators.push(sim);
    }
    Ok((motcua_app::payments::Gateways::new(list), simulators))
}

/// The national portal dossiers are synced to. In the demo, without one configured, its local
/// simulator (on a free loopback port); production never starts one.
async fn national_portal(
    config: &Config,
    demo: bool,
) -> anyhow::Result<(
    Option<Arc<dyn motcua_national::NationalPortal>>,
    Option<motcua_national::simulator::SimulatorHandle>,
)> {
    if config.national.configured() {
        let client = motcua_national::DvcqgClient::new(config.national.adapter_config())?;
        return Ok((Some(Arc::new(client)), None));
    }
    if !demo {
        return Ok((None, None));
    }
    let sim = motcua_national::simulator::start().await?;
    tracing::info!(url = %sim.base_url(), "national portal simulator (demo only)");
    let client = motcua_national::DvcqgClient::new(sim.config())?;
    Ok((Some(Arc::new(client)), Some(sim)))
}

/// The postal operator. In the demo, without one configured, its local simulator (on a free
/// loopback port, its page marked as a simulator) sends its signed tracking callbacks to our
/// route; production never starts one.
async fn postal_operator(
    config: &Config,
    demo: bool,
    public_url: &str,
) -> anyhow::Result<(
    Option<motcua_app::postal::Postal>,
    Option<motcua_channels::simulator::postal::PostalSimHandle>,
)> {
    use motcua_app::postal::{Postal, PostalSender};
    use motcua_channels::Secret;
    use motcua_channels::postal::{HttpPostalOperator, PostalConfig};
    use motcua_channels::simulator::postal::{PostalSimConfig, PostalSimulator};
    let p = &config.postal;
    let sender = PostalSender {
        phone: p.sender_phone.clone(),
        address: p.sender_address.clone(),
    };
    if p.configured() {
        let postal = PostalConfig {
            endpoint: p.endpoint.clone(),
            customer_code: p.customer_code.clone(),
            api_key: Secret(p.api_key.clone()),
            callback_secret: Secret(p.callback_secret.clone()),
        };
        let operator = HttpPostalOperator::new(postal.clone())?;
        return Ok((Some(Postal::new(Arc::new(operator), postal, sender)), None));
    }
    if !demo {
        return Ok((None, None));
    }
    let api_key = motcua_app::security::random_token();
    let callback_secret = motcua_app::security::random_token();
    let sim = PostalSimulator::start(PostalSimConfig::new(
        "MOTCUADEMO",
        api_key.clone(),
        callback_secret.clone(),
        Some(format!(
            "{}/api/v1/postal/tracking",
            public_url.trim_end_matches('/')
        )),
    ))
    .await?;
    tracing::info!(url = %sim.base_url(), "postal operator simulator (demo only)");
    let postal = PostalConfig {
        endpoint: sim.endpoint(),
        customer_code: "MOTCUADEMO".into(),
        api_key: Secret(api_key),
        callback_secret: Secret(callback_secret),
    };
    let operator = HttpPostalOperator::new(postal.clone())?;
    let sender = PostalSender {
        phone: if sender.phone.is_empty() {
            "02923820123".into()
        } else {
            sender.phone
        },
        address: if sender.address.is_empty() {
            "Bộ phận Một cửa, 2 Hòa Bình, Ninh Kiều, Cần Thơ".into()
        } else {
            sender.address
        },
    };
    Ok((
        Some(Postal::new(Arc::new(operator), postal, sender)),
        Some(sim),
    ))
}

/// The address the portal is reached from outside (as `serve` computes it).
fn public_url_of(config: &Config, listen: Option<&str>) -> String {
    let listen = listen.unwrap_or(&config.server.listen);
    if config.server.public_url.is_empty() {
        format!("http://{listen}")
    } else {
        config.server.public_url.clone()
    }
}

/// A configured Zalo Official Account: the adapter, the ZNS template for notices, and the
/// webhook's configuration.
type ZaloService = (
    Arc<motcua_channels::zalo::ZaloOa>,
    String,
    motcua_channels::zalo::ZaloConfig,
);

/// The SMS gateway and the Zalo Official Account as configured, or in the demo (when not
/// configured) local simulators of both, kept alive by the returned handles.
async fn notification_services(
    app: &App,
    config: &Config,
    demo: bool,
    public_url: &str,
) -> anyhow::Result<(
    Option<Arc<dyn motcua_channels::sms::SmsSender>>,
    Option<ZaloService>,
    Vec<Box<dyn std::any::Any + Send>>,
)> {
    use motcua_channels::Secret;
    use motcua_channels::simulator::sms::{SmsSimConfig, SmsSimulator};
    use motcua_channels::simulator::zalo::{ZaloSimConfig, ZaloSimulator};
    use motcua_channels::sms::{HttpSmsGateway, SmsConfig};
    use motcua_channels::zalo::{ZaloConfig, ZaloOa};
    let n = &config.notifications;
    let mut keep: Vec<Box<dyn std::any::Any + Send>> = Vec::new();
    let sms: Option<Arc<dyn motcua_channels::sms::SmsSender>> = if n.sms_configured() {
        let sms_config = match n.sms_shape.as_str() {
            "esms" => SmsConfig::esms(
                n.sms_endpoint.clone(),
                n.sms_username.clone(),
                Secret(n.sms_api_key.clone()),
                n.sms_brand_name.clone(),
            ),
            _ => SmsConfig::generic(
                n.sms_endpoint.clone(),
                n.sms_username.clone(),
                Secret(n.sms_api_key.clone()),
                n.sms_brand_name.clone(),
            ),
        };
        Some(Arc::new(HttpSmsGateway::new(sms_config)?))
    } else if demo {
        let key = motcua_app::security::random_token();
        let sim = SmsSimulator::start(SmsSimConfig::generic("motcua-demo", key.clone(), "MOTCUA"))
            .await?;
        tracing::info!(url = %sim.base_url(), "SMS gateway simulator (demo only)");
        let gateway = HttpSmsGateway::new(SmsConfig::generic(
            sim.endpoint(),
            "motcua-demo",
            Secret(key),
            "MOTCUA",
        ))?;
        keep.push(Box::new(sim));
        Some(Arc::new(gateway))
    } else {
        None
    };
    let zalo = if n.zalo_configured() {
        let zalo_config = ZaloConfig::production(
            n.zalo_app_id.clone(),
            Secret(n.zalo_app_secret.clone()),
            Secret(n.zalo_oa_secret_key.clone()),
        );
        Some((
            zalo_config,
            n.zalo_zns_template.clone(),
            n.zalo_refresh_token.clone(),
        ))
    } else if demo {
        let secret = motcua_app::security::random_token();
        let oa_secret = motcua_app::security::random_token();
        let mut sim_config = ZaloSimConfig::new("motcua-demo-app", secret, oa_secret);
        sim_config.webhook_url = Some(format!(
            "{}/api/v1/zalo/webhook",
            public_url.trim_end_matches('/')
        ));
        let sim = ZaloSimulator::start(sim_config).await?;
        sim.add_zns_template(DEMO_ZNS_TEMPLATE, &["ma_ho_so", "noi_dung"]);
        tracing::info!(url = %sim.base_url(), "Zalo Official Account simulator (demo only): chat with the lookup bot there");
        let zalo_config = sim.adapter_config();
        let refresh = sim.initial_tokens().refresh_token.expose().to_owned();
        keep.push(Box::new(sim));
        Some((zalo_config, DEMO_ZNS_TEMPLATE.to_owned(), refresh))
    } else {
        None
    };
    let zalo = match zalo {
        Some((zalo_config, template, refresh)) => {
            let tokens = app.zalo_token_store();
            // A refresh token given by hand (or the simulator's first one) is stored once;
            // afterwards the database holds the current pair. Without one, an administrator
            // connects the OA from /admin/notifications ("Kết nối Zalo OA").
            if !refresh.is_empty() {
                tokens
                    .seed(&motcua_channels::zalo::ZaloTokens {
                        access_token: Secret(String::new()),
                        refresh_token: Secret(refresh),
                        access_expires_at: 0,
                    })
                    .await?;
            }
            let oa = Arc::new(ZaloOa::new(zalo_config.clone(), tokens)?);
            Some((oa, template, zalo_config))
        }
        None => None,
    };
    Ok((sms, zalo, keep))
}

/// The ZNS template the demo's Zalo simulator approves.
const DEMO_ZNS_TEMPLATE: &str = "motcua-thong-bao-ho-so";

async fn serve(config: Config, demo: bool, listen: Option<String>) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let blobs = config.attachments.blob_store(&config.database.data_dir)?;
    tracing::info!(storage = %blobs.describe(), "attachments");
    let app = app_for(store, &config, demo)
        .with_blobs(blobs)
        .with_renderer(std::sync::Arc::new(motcua_render::TypstRenderer::new()));
    // A fresh installation gets the bundled official notices (2024–2026); edits are kept.
    let seeded = app.seed_calendar().await.map_err(describe)?;
    if seeded > 0 {
        tracing::info!(entries = seeded, "official calendar notices loaded");
    }
    if demo {
        let report = app.load_demo().await.map_err(describe)?;
        if report.loaded {
            tracing::info!(
                units = report.units,
                officials = report.officials,
                citizens = report.citizens,
                "demo data loaded"
            );
        }
        // Dossiers in every status, so each queue and page has something to show.
        match app.load_demo_dossiers().await {
            Ok(0) => {}
            Ok(count) => {
                tracing::info!(dossiers = count, "demo dossiers loaded");
                match app.load_demo_payments().await {
                    Ok(count) => tracing::info!(payments = count, "demo payments loaded"),
                    Err(error) => tracing::warn!(error = %error, "demo payments not loaded"),
                }
            }
            Err(error) => tracing::warn!(error = %error, "demo dossiers not loaded"),
        }
        // Official documents at each step, so the registers and their lists show something.
        match app.load_demo_documents().await {
            Ok(0) => {}
            Ok(count) => tracing::info!(documents = count, "demo documents loaded"),
            Err(error) => tracing::warn!(error = %error, "demo documents not loaded"),
        }
    }
    // An installation upgraded from a version without reports has dossiers but no report
    // projections: they are built once, before serving, so no dashboard starts half empty.
    if app.report_projections_missing().await.map_err(describe)? {
        tracing::info!("building the report projections from the stored dossiers (once)");
        let started = std::time::Instant::now();
        let outcome = app.rebuild_reports(true).await.map_err(describe)?;
        tracing::info!(
            dossiers = outcome.dossiers,
            seconds = started.elapsed().as_secs_f64(),
            "report projections built"
        );
    }
    // Only the demo sends to the log; in production a channel without an adapter fails its
    // messages (they stay pending) and sign-up refuses contacts on it (`app_for`).
    let demo_log: Arc<dyn notify::Notifier> = Arc::new(notify::LogNotifier);
    let email: Option<Arc<dyn notify::Notifier>> = if !config.mail.smtp_host.is_empty() {
        Some(Arc::new(notify::SmtpNotifier::new(
            &config.mail.smtp_host,
            config.mail.smtp_port,
            &config.mail.from,
        )?))
    } else if demo {
        Some(demo_log.clone())
    } else {
        None
    };
    let mut channels = notify::Channels::production(email);
    // SMS and Zalo: the configured services, or in the demo their local simulators.
    let (sms, zalo, _channel_simulators) = notification_services(
        &app,
        &config,
        demo,
        &public_url_of(&config, listen.as_deref()),
    )
    .await?;
    if let Some(sms) = sms {
        channels.sms = Arc::new(notify::SmsNotifier(sms));
    }
    let mut zalo_webhook = None;
    if let Some((oa, template, webhook)) = zalo {
        channels.zalo = Arc::new(notify::ZaloNotifier {
            oa: oa.clone(),
            template_id: template,
        });
        channels.chat = Some(Arc::new(notify::ZaloChat(oa.clone())));
        zalo_webhook = Some((webhook, oa));
    }
    let listen = listen.unwrap_or_else(|| config.server.listen.clone());
    let public_url = public_url_of(&config, Some(&listen));
    let app = with_oidc(app, &config, &public_url)?.with_public_url(&public_url);
    // The webhook, and the OA's first authorisation from /admin/notifications (in the demo
    // against the simulator's permission page).
    let app = match zalo_webhook {
        Some((webhook, oa)) => app.with_zalo_webhook(webhook).with_zalo_oa(oa),
        None => app,
    };
    // Kept alive while serving: the demo's gateway simulators stop when dropped.
    let (gateways, _simulators) = payment_gateways(&config, demo, &public_url).await?;
    let app = app.with_gateways(gateways);
    // Kept alive while serving, like the payment simulators.
    let (postal, _postal_simulator) = postal_operator(&config, demo, &public_url).await?;
    let app = match postal {
        Some(postal) => app.with_postal(postal),
        None => app,
    };
    // Kept alive while serving, like the other simulators.
    let (national, _national_simulator) = national_portal(&config, demo).await?;
    let app = match national {
        Some(portal) => app.with_national_portal(portal),
        None => app,
    };
    let signatures = signatures(&config)?;
    let signatures = if demo {
        demo_signatures(&app, signatures).await?
    } else {
        signatures
    };
    let app = app.with_signatures(signatures);
    // Started with the finished settings, so what the worker sends names the public address.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(app.clone().run_outbox_worker(channels, stop_rx.clone()));
    let payment_jobs = tokio::spawn(app.clone().run_payment_jobs(stop_rx.clone()));
    let postal_jobs = tokio::spawn(app.clone().run_postal_jobs(stop_rx.clone()));
    let document_jobs = tokio::spawn(app.clone().run_document_jobs(stop_rx));
    let web_config = motcua_web::WebConfig {
        public_url: public_url.clone(),
        demo,
        body_limit: config.server.body_limit,
        trusted_proxies: config
            .server
            .trusted_proxies
            .iter()
            .filter_map(|p| p.parse().ok())
            .collect(),
    };
    let state = motcua_web::AppState {
        app,
        config: Arc::new(web_config),
        metrics: motcua_web::ops::metrics_handle(),
    };
    let router = motcua_web::router(state);
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    tracing::info!(%listen, %public_url, demo, "Một Cửa is serving");
    if demo {
        eprintln!(
            "\n  Một Cửa demo: open {public_url}  (staff: admin / {}; citizen: 092095001234 / {})\n",
            motcua_app::demo::DEMO_PASSWORD,
            motcua_app::demo::DEMO_PASSWORD
        );
    }
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        #[cfg(unix)]
        let term = async {
            match terminate.as_mut() {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {}
            _ = term => {}
        }
        tracing::info!("shutting down");
    })
    .await?;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = payment_jobs.await;
    let _ = postal_jobs.await;
    let _ = document_jobs.await;
    Ok(())
}

/// What signatures the server trusts (the configured root certificates, PEM or DER) and signs
/// with (each agency's seal from its PKCS#12 file, a timestamp authority). Anything configured
/// that cannot be used stops the start with what is wrong.
fn signatures(config: &Config) -> anyhow::Result<motcua_app::signatures::Signatures> {
    let mut trust = motcua_signing::verify::TrustStore::new();
    for path in &config.signing.trust_roots {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading the trusted root {}", path.display()))?;
        let added = trust
            .add_pem_or_der(&bytes)
            .map_err(|e| anyhow::anyhow!("the trusted root {}: {e}", path.display()))?;
        if added == 0 {
            anyhow::bail!("the trusted root {} holds no certificate", path.display());
        }
        tracing::info!(path = %path.display(), certificates = added, "trusted roots for signatures");
    }
    if trust.is_empty() {
        tracing::warn!("no trusted root for digital signatures: every signer shows as untrusted");
    }
    let mut seals = Vec::new();
    for seal in &config.signing.seals {
        if seal.unit.trim().is_empty() {
            anyhow::bail!("a seal in [signing] seals names no unit (its agency code)");
        }
        let owner = format!("the seal of {}", seal.unit);
        let key = signing_key(&owner, &seal.pkcs12, &seal.password_env)?;
        tracing::info!(unit = %seal.unit, "seal for results and documents");
        seals.push(motcua_app::signatures::Seal {
            unit_code: seal.unit.trim().to_owned(),
            key: Arc::new(key),
            image: signing_image(&owner, seal.image.as_deref())?,
        });
    }
    let mut personal = Vec::new();
    for entry in &config.signing.personal {
        if entry.username.trim().is_empty() {
            anyhow::bail!("a key in [signing] personal names no official (username)");
        }
        let owner = format!("the personal key of {}", entry.username);
        let key = signing_key(&owner, &entry.pkcs12, &entry.password_env)?;
        tracing::info!(username = %entry.username, "personal key for documents");
        personal.push(motcua_app::signatures::PersonalKey {
            username: entry.username.trim().to_owned(),
            key: Arc::new(key),
            image: signing_image(&owner, entry.image.as_deref())?,
        });
    }
    let timestamper: Option<Arc<dyn motcua_signing::Timestamper>> =
        if config.signing.tsa_url.is_empty() {
            None
        } else {
            Some(Arc::new(
                motcua_signing::tsa::TsaClient::new(config.signing.tsa_url.clone())
                    .map_err(|e| anyhow::anyhow!("signing.tsa_url: {e}"))?,
            ))
        };
    let revocation: Option<Arc<dyn motcua_signing::ltv::RevocationSource>> = if config.signing.ltv {
        if timestamper.is_none() {
            anyhow::bail!(
                "[signing] ltv (PAdES B-LT) needs a timestamp authority: set signing.tsa_url"
            );
        }
        Some(Arc::new(
            motcua_signing::ltv::HttpCrls::new()
                .map_err(|e| anyhow::anyhow!("signing.ltv: {e}"))?,
        ))
    } else {
        None
    };
    Ok(motcua_app::signatures::Signatures {
        trust,
        seals,
        personal,
        timestamper,
        revocation,
    })
}

/// A PKCS#12 key whose password is read from the variable `password_env` (none when empty).
fn signing_key(
    owner: &str,
    pkcs12: &std::path::Path,
    password_env: &str,
) -> anyhow::Result<motcua_signing::keys::SoftwareKey> {
    let bytes =
        std::fs::read(pkcs12).with_context(|| format!("reading {owner} ({})", pkcs12.display()))?;
    let password = if password_env.is_empty() {
        String::new()
    } else {
        std::env::var(password_env).with_context(|| {
            format!("the password of {owner} is read from ${password_env}, which is not set")
        })?
    };
    motcua_signing::keys::SoftwareKey::from_pkcs12(&bytes, &password)
        .map_err(|e| anyhow::anyhow!("{owner} ({}): {e}", pkcs12.display()))
}

/// The PNG drawn where a key signs, when one is configured.
fn signing_image(
    owner: &str,
    path: Option<&std::path::Path>,
) -> anyhow::Result<Option<Arc<motcua_signing::Image>>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let bytes = std::fs::read(path)
        .with_context(|| format!("reading the image of {owner} ({})", path.display()))?;
    let image = motcua_signing::Image::from_png(&bytes)
        .map_err(|e| anyhow::anyhow!("the image of {owner} ({}): {e}", path.display()))?;
    Ok(Some(Arc::new(image)))
}

/// `serve --demo` without seals: a demo PKI (marked MÔ PHỎNG) whose root the server trusts,
/// a seal for every agency with a code, so the "sign" step seals results for real, and a
/// personal key for every official, so leaders sign outgoing documents for real; the images
/// are drawn (a red round seal, a blue stroke per official).
async fn demo_signatures(
    app: &App,
    mut signatures: motcua_app::signatures::Signatures,
) -> anyhow::Result<motcua_app::signatures::Signatures> {
    if !signatures.seals.is_empty() {
        return Ok(signatures);
    }
    use motcua_signing::simulator::pki::DemoPki;
    let pki = DemoPki::generate();
    signatures
        .trust
        .add_pem_or_der(&pki.root.cert)
        .map_err(|e| anyhow::anyhow!("the demo root: {e}"))?;
    use motcua_signing::simulator::images;
    let seal_image = Arc::new(images::seal(240));
    let mut serial = 0x2000;
    for (code, name) in app.agency_codes().await.map_err(describe)? {
        serial += 1;
        let Some(issued) = pki.issue_seal(&name, serial) else {
            continue;
        };
        if let Some(key) = pki.key(&issued) {
            signatures.seals.push(motcua_app::signatures::Seal {
                unit_code: code,
                key: Arc::new(key),
                image: Some(seal_image.clone()),
            });
        }
    }
    if signatures.personal.is_empty() {
        for (username, full_name, unit) in app.signing_officials().await.map_err(describe)? {
            serial += 1;
            let Some(issued) = pki.issue_personal(&full_name, &unit, serial) else {
                continue;
            };
            if let Some(key) = pki.key(&issued) {
                signatures
                    .personal
                    .push(motcua_app::signatures::PersonalKey {
                        username,
                        key: Arc::new(key),
                        image: Some(Arc::new(images::signature(360, 140, serial))),
                    });
            }
        }
    }
    tracing::info!(
        seals = signatures.seals.len(),
        personal = signatures.personal.len(),
        "demo seals and personal keys (MÔ PHỎNG): results and documents are signed for real"
    );
    Ok(signatures)
}

#[cfg(test)]
mod tests {
    /// Only the demo starts the national portal's simulator; a production server without a
    /// portal configured keeps its sync rows waiting rather than sending them to a pretend one.
    #[tokio::test]
    async fn production_never_starts_a_national_portal_simulator() {
        let config = crate::config::Config::default();
        let (portal, simulator) = super::national_portal(&config, false)
            .await
            .expect("national");
        assert!(portal.is_none() && simulator.is_none());
        let (portal, simulator) = super::national_portal(&config, true)
            .await
            .expect("national");
        assert!(portal.is_some() && simulator.is_some());
    }

    /// Only the demo starts gateway simulators; a production server without keys offers no
    /// online payment rather than a pretend one.
    #[tokio::test]
    async fn production_never_starts_a_gateway_simulator() {
        let config = crate::config::Config::default();
        let (gateways, simulators) =
            super::payment_gateways(&config, false, "http://127.0.0.1:8080")
                .await
                .expect("gateways");
        assert!(gateways.kinds().is_empty());
        assert!(simulators.is_empty());
        let (gateways, simulators) =
            super::payment_gateways(&config, true, "http://127.0.0.1:8080")
                .await
                .expect("gateways");
        assert_eq!(gateways.kinds().len(), 2);
        assert_eq!(simulators.len(), 2);
    }

    /// The same for the postal operator: only the demo starts its simulator, whose callbacks
    /// go to our tracking route.
    #[tokio::test]
    async fn production_never_starts_a_postal_simulator() {
        let config = crate::config::Config::default();
        let (postal, simulator) = super::postal_operator(&config, false, "http://127.0.0.1:8080")
            .await
            .expect("postal");
        assert!(postal.is_none() && simulator.is_none());
        let (postal, simulator) = super::postal_operator(&config, true, "http://127.0.0.1:8080/")
            .await
            .expect("postal");
        assert!(postal.is_some());
        assert!(simulator.is_some());
    }

    #[test]
    fn passwords_in_database_urls_are_hidden() {
        assert_eq!(
            super::redact("postgres://motcua:secret@db:5432/motcua"),
            "postgres://motcua:***@db:5432/motcua"
        );
        assert_eq!(
            super::redact("sqlite://motcua-data/motcua.db"),
            "sqlite://motcua-data/motcua.db"
        );
    }

    #[test]
    fn a_trusted_root_that_cannot_be_read_stops_the_start() {
        let mut config = crate::Config::default();
        assert_eq!(crate::signatures(&config).expect("no roots").trust.len(), 0);
        config.signing.trust_roots = vec!["/nonexistent/root.pem".into()];
        let error = crate::signatures(&config).expect_err("missing file");
        assert!(
            format!("{error:#}").contains("/nonexistent/root.pem"),
            "{error:#}"
        );
        let junk =
            std::env::temp_dir().join(format!("motcua-junk-root-{}.pem", std::process::id()));
        std::fs::write(&junk, b"not a certificate").expect("write");
        config.signing.trust_roots = vec![junk.clone()];
        let refused = crate::signatures(&config);
        let _ = std::fs::remove_file(&junk);
        assert!(refused.is_err(), "a file that holds no certificate");
    }

    #[test]
    fn a_seal_that_cannot_be_used_stops_the_start() {
        let mut config = crate::Config::default();
        let seal = |unit: &str, pkcs12: &str, password_env: &str| crate::config::SealConfig {
            unit: unit.into(),
            pkcs12: pkcs12.into(),
            password_env: password_env.into(),
            image: None,
        };
        config.signing.seals = vec![seal("", "/nonexistent/seal.p12", "")];
        let error = format!("{:#}", crate::signatures(&config).expect_err("no unit"));
        assert!(error.contains("names no unit"), "{error}");
        config.signing.seals = vec![seal("000.00.30.H13", "/nonexistent/seal.p12", "")];
        let error = format!("{:#}", crate::signatures(&config).expect_err("no file"));
        assert!(
            error.contains("000.00.30.H13") && error.contains("/nonexistent/seal.p12"),
            "{error}"
        );
        let junk =
            std::env::temp_dir().join(format!("motcua-junk-seal-{}.p12", std::process::id()));
        std::fs::write(&junk, b"not a PKCS#12 file").expect("write");
        let path = junk.display().to_string();
        config.signing.seals = vec![seal(
            "000.00.30.H13",
            &path,
            "TEST_SEAL_UNSET_VARIABLE_MOTCUA",
        )];
        let error = format!("{:#}", crate::signatures(&config).expect_err("no password"));
        assert!(error.contains("TEST_SEAL_UNSET_VARIABLE_MOTCUA"), "{error}");
        config.signing.seals = vec![seal("000.00.30.H13", &path, "")];
        let refused = crate::signatures(&config);
        let _ = std::fs::remove_file(&junk);
        assert!(refused.is_err(), "a file that is not PKCS#12");
    }

    #[test]
    fn b_lt_without_a_timestamp_authority_stops_the_start() {
        let mut config = crate::Config::default();
        config.signing.ltv = true;
        let error = format!("{:#}", crate::signatures(&config).expect_err("no TSA"));
        assert!(error.contains("tsa_url"), "{error}");
        config.signing.tsa_url = "http://127.0.0.1:9/tsa".into();
        let signatures = crate::signatures(&config).expect("B-LT configured");
        assert!(signatures.revocation.is_some() && signatures.timestamper.is_some());
    }

    #[test]
    fn a_personal_key_or_image_that_cannot_be_used_stops_the_start() {
        let mut config = crate::Config::default();
        let key = |username: &str, image: Option<&str>| crate::config::PersonalKeyConfig {
            username: username.into(),
            pkcs12: "/nonexistent/chutich.p12".into(),
            password_env: String::new(),
            image: image.map(Into::into),
        };
        config.signing.personal = vec![key(" ", None)];
        let error = format!("{:#}", crate::signatures(&config).expect_err("no official"));
        assert!(error.contains("names no official"), "{error}");
        config.signing.personal = vec![key("chutich.ninhkieu", None)];
        let error = format!("{:#}", crate::signatures(&config).expect_err("no file"));
        assert!(
            error.contains("chutich.ninhkieu") && error.contains("/nonexistent/chutich.p12"),
            "{error}"
        );
        let error = format!(
            "{:#}",
            crate::signing_image(
                "the seal of X",
                Some(std::path::Path::new("/nonexistent/x.png"))
            )
            .expect_err("no image")
        );
        assert!(error.contains("/nonexistent/x.png"), "{error}");
        let junk = std::env::temp_dir().join(format!("motcua-junk-{}.png", std::process::id()));
        std::fs::write(&junk, b"not a PNG").expect("write");
        let refused = crate::signing_image("the seal of X", Some(&junk));
        let _ = std::fs::remove_file(&junk);
        assert!(refused.is_err(), "a file that is not PNG");
    }
}
