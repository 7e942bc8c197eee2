//! Configuration: defaults, then `motcua.toml` (or `--config FILE`), then environment variables
//! (`MOTCUA_SERVER__LISTEN=0.0.0.0:8080`, and the usual `DATABASE_URL`). Errors name the key and
//! where its value came from. Loading has no side effects.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub log: LogConfig,
    pub mail: MailConfig,
    pub oidc: OidcConfig,
    pub attachments: AttachmentsConfig,
    #[serde(default)]
    pub payments: PaymentsConfig,
    #[serde(default)]
    pub postal: PostalSection,
    #[serde(default)]
    pub national: NationalSection,
    #[serde(default)]
    pub notifications: NotificationsConfig,
    #[serde(default)]
    pub signing: SigningConfig,
}

/// Digital signatures: the root certificates a signer must chain to (PEM or DER files; in
/// production the national public root CA and the government's specialised root), for
/// "Kiểm tra chữ ký số" and every signature the server checks. Without any, every signature
/// is reported as from an untrusted signer (the page says so).
///
/// Seals (chữ ký số của cơ quan): one per agency, `unit` being its agency code; a dossier's
/// result is sealed at the workflow's "sign" step with the seal of its agency or of the
/// nearest unit above it. Each is a PKCS#12 file whose password is read from the environment
/// variable named by `password_env` (never written in this file; not a `MOTCUA_` name, which
/// would be read as configuration). `tsa_url` names an RFC 3161
/// timestamp authority, so seals carry a trusted time (PAdES B-T). Without any seal the "sign"
/// step only records the decision; `serve --demo` without seals makes a demo PKI.
///
/// Personal keys (chữ ký số cá nhân): one per official who signs outgoing documents, by user
/// name, the same PKCS#12 and password rules. `image` (on a seal or a personal key) is the PNG
/// drawn where it signs (NĐ 30/2020: the red seal, the blue handwritten signature, transparent
/// backgrounds); without it the signature is invisible.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SigningConfig {
    pub trust_roots: Vec<std::path::PathBuf>,
    pub seals: Vec<SealConfig>,
    pub personal: Vec<PersonalKeyConfig>,
    pub tsa_url: String,
    /// PAdES B-LT: after each signature, the chains' certificates and their CRLs (fetched from
    /// each certificate's CRL distribution points) are added to the file. Needs `tsa_url`.
    pub ltv: bool,
}

/// One agency's seal: `{ unit = "000.00.12.H13", pkcs12 = "/etc/motcua/seal.p12",
/// password_env = "SEAL_PASSWORD_NINH_KIEU", image = "/etc/motcua/dau-ninh-kieu.png" }`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealConfig {
    pub unit: String,
    pub pkcs12: std::path::PathBuf,
    #[serde(default)]
    pub password_env: String,
    #[serde(default)]
    pub image: Option<std::path::PathBuf>,
}

/// One official's personal key: `{ username = "chutich.ninhkieu", pkcs12 =
/// "/etc/motcua/chutich.p12", password_env = "KEY_PASSWORD_CHUTICH", image =
/// "/etc/motcua/chu-ky-chutich.png" }`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalKeyConfig {
    pub username: String,
    pub pkcs12: std::path::PathBuf,
    #[serde(default)]
    pub password_env: String,
    #[serde(default)]
    pub image: Option<std::path::PathBuf>,
}

/// SMS and Zalo. A channel is used when its keys are set; secrets are best given in the
/// environment (`MOTCUA_NOTIFICATIONS__SMS_API_KEY`, `MOTCUA_NOTIFICATIONS__ZALO_APP_SECRET`,
/// `MOTCUA_NOTIFICATIONS__ZALO_OA_SECRET_KEY`, `MOTCUA_NOTIFICATIONS__ZALO_REFRESH_TOKEN`).
/// `serve --demo` with no channel configured starts local simulators of both instead.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotificationsConfig {
    /// The brand-name SMS gateway's endpoint (the generic JSON shape, see `motcua_channels::sms`).
    pub sms_endpoint: String,
    pub sms_username: String,
    pub sms_api_key: String,
    /// The registered brand name (tên định danh) messages are sent under.
    pub sms_brand_name: String,
    /// `generic` or `esms`.
    pub sms_shape: String,
    /// Zalo application id and secret (token refresh), the Official Account's secret key
    /// (webhook signatures), and optionally a first refresh token obtained by hand: without
    /// one, an administrator connects the OA from /admin/notifications ("Kết nối Zalo OA"),
    /// whose callback `<public_url>/admin/notifications/zalo/callback` must be registered as
    /// the app's OA callback URL at Zalo.
    pub zalo_app_id: String,
    pub zalo_app_secret: String,
    pub zalo_oa_secret_key: String,
    pub zalo_refresh_token: String,
    /// The ZNS template approved for dossier notices (parameters `ma_ho_so`, `noi_dung`).
    pub zalo_zns_template: String,
    /// Attempts at a message before it becomes a dead letter.
    pub delivery_attempts: u32,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        NotificationsConfig {
            sms_endpoint: String::new(),
            sms_username: String::new(),
            sms_api_key: String::new(),
            sms_brand_name: String::new(),
            sms_shape: "generic".to_owned(),
            zalo_app_id: String::new(),
            zalo_app_secret: String::new(),
            zalo_oa_secret_key: String::new(),
            zalo_refresh_token: String::new(),
            zalo_zns_template: String::new(),
            delivery_attempts: 10,
        }
    }
}

impl std::fmt::Debug for NotificationsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |s: &str| if s.is_empty() { "" } else { "***" };
        f.debug_struct("NotificationsConfig")
            .field("sms_endpoint", &self.sms_endpoint)
            .field("sms_username", &self.sms_username)
            .field("sms_api_key", &hidden(&self.sms_api_key))
            .field("sms_brand_name", &self.sms_brand_name)
            .field("sms_shape", &self.sms_shape)
            .field("zalo_app_id", &self.zalo_app_id)
            .field("zalo_app_secret", &hidden(&self.zalo_app_secret))
            .field("zalo_oa_secret_key", &hidden(&self.zalo_oa_secret_key))
            .field("zalo_refresh_token", &hidden(&self.zalo_refresh_token))
            .field("zalo_zns_template", &self.zalo_zns_template)
            .field("delivery_attempts", &self.delivery_attempts)
            .finish()
    }
}

impl NotificationsConfig {
    pub fn sms_configured(&self) -> bool {
        !self.sms_endpoint.is_empty() && !self.sms_api_key.is_empty()
    }

    pub fn zalo_configured(&self) -> bool {
        !self.zalo_app_id.is_empty()
            && !self.zalo_app_secret.is_empty()
            && !self.zalo_oa_secret_key.is_empty()
    }
}

/// The national public-service portal (Cổng DVCQG) every dossier and each step of it is synced
/// to (issue 19). Used when `base_url` is set; the credential is best given in the environment
/// (`MOTCUA_NATIONAL__TOKEN` or `MOTCUA_NATIONAL__API_KEY`). The three paths default to the
/// ones provincial integrations name (`/HoSo/ThemMoi`, `/HoSo/CapNhat`,
/// `/HoSo/DongBoTienTrinh`). `serve --demo` with no portal configured starts a local simulator
/// of it instead; otherwise, without one, the sync rows wait in the outbox.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NationalSection {
    pub base_url: String,
    pub add_path: String,
    pub update_path: String,
    pub history_path: String,
    /// `Authorization: Bearer <token>`.
    pub token: String,
    /// Or a key in a header of its own (`api_key_header`, default `X-API-Key`).
    pub api_key: String,
    pub api_key_header: String,
    /// Seconds a call may take (default 30).
    pub timeout_seconds: u64,
}

impl std::fmt::Debug for NationalSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |s: &str| if s.is_empty() { "" } else { "***" };
        f.debug_struct("NationalSection")
            .field("base_url", &self.base_url)
            .field("add_path", &self.add_path)
            .field("update_path", &self.update_path)
            .field("history_path", &self.history_path)
            .field("token", &hidden(&self.token))
            .field("api_key", &hidden(&self.api_key))
            .field("api_key_header", &self.api_key_header)
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

impl NationalSection {
    pub fn configured(&self) -> bool {
        !self.base_url.is_empty()
    }

    /// The adapter's configuration: the defaults where nothing is set.
    pub fn adapter_config(&self) -> motcua_national::DvcqgConfig {
        use motcua_national::PortalAuth;
        let mut config = motcua_national::DvcqgConfig::new(self.base_url.clone());
        for (path, set) in [
            (&mut config.add_path, &self.add_path),
            (&mut config.update_path, &self.update_path),
            (&mut config.history_path, &self.history_path),
        ] {
            if !set.is_empty() {
                path.clone_from(set);
            }
        }
        if self.timeout_seconds > 0 {
            config.timeout = std::time::Duration::from_secs(self.timeout_seconds);
        }
        config.with_auth(if !self.token.is_empty() {
            PortalAuth::Bearer(self.token.clone())
        } else if !self.api_key.is_empty() {
            PortalAuth::ApiKey {
                header: if self.api_key_header.is_empty() {
                    "X-API-Key".to_owned()
                } else {
                    self.api_key_header.clone()
                },
                key: self.api_key.clone(),
            }
        } else {
            PortalAuth::None
        })
    }
}

/// The public postal operator (bưu chính công ích), for results returned by post. Used when
/// `endpoint`, `customer_code` and both secrets are set; secrets are best given in the
/// environment (`MOTCUA_POSTAL__API_KEY`, `MOTCUA_POSTAL__CALLBACK_SECRET`). The operator's
/// tracking callbacks go to `<public_url>/api/v1/postal/tracking`. `serve --demo` with no
/// operator configured starts a local simulator instead.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostalSection {
    /// The operator's API, e.g. `https://api.operator.example/v1`.
    pub endpoint: String,
    /// Mã khách hàng of the agency with the operator.
    pub customer_code: String,
    pub api_key: String,
    pub callback_secret: String,
    /// The desk's phone and address on parcels, when its unit record has none.
    pub sender_phone: String,
    pub sender_address: String,
}

impl std::fmt::Debug for PostalSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |s: &str| if s.is_empty() { "" } else { "***" };
        f.debug_struct("PostalSection")
            .field("endpoint", &self.endpoint)
            .field("customer_code", &self.customer_code)
            .field("api_key", &hidden(&self.api_key))
            .field("callback_secret", &hidden(&self.callback_secret))
            .field("sender_phone", &self.sender_phone)
            .field("sender_address", &self.sender_address)
            .finish()
    }
}

impl PostalSection {
    pub fn configured(&self) -> bool {
        !self.endpoint.is_empty()
            && !self.customer_code.is_empty()
            && !self.api_key.is_empty()
            && !self.callback_secret.is_empty()
    }
}

/// Payment gateways. A gateway is offered when its keys are set; secrets are best given in
/// the environment (`MOTCUA_PAYMENTS__VNPAY_HASH_SECRET`, `MOTCUA_PAYMENTS__PAYGOV_SECRET_KEY`).
/// `serve --demo` with no gateway configured starts local simulators of both instead.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentsConfig {
    /// VNPay terminal code (vnp_TmnCode).
    pub vnpay_tmn_code: String,
    pub vnpay_hash_secret: String,
    /// e.g. `https://sandbox.vnpayment.vn/paymentv2/vpcpay.html`.
    pub vnpay_pay_url: String,
    /// e.g. `https://sandbox.vnpayment.vn/merchant_webapi/api/transaction`.
    pub vnpay_api_url: String,
    /// Mã đối tác on the national payment platform.
    pub paygov_partner_code: String,
    pub paygov_secret_key: String,
    /// The platform's INIT/QUERY endpoint.
    pub paygov_api_url: String,
    /// Bearer token, when the platform issued one.
    pub paygov_bearer_token: String,
}

impl std::fmt::Debug for PaymentsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |s: &str| if s.is_empty() { "" } else { "***" };
        f.debug_struct("PaymentsConfig")
            .field("vnpay_tmn_code", &self.vnpay_tmn_code)
            .field("vnpay_hash_secret", &hidden(&self.vnpay_hash_secret))
            .field("vnpay_pay_url", &self.vnpay_pay_url)
            .field("vnpay_api_url", &self.vnpay_api_url)
            .field("paygov_partner_code", &self.paygov_partner_code)
            .field("paygov_secret_key", &hidden(&self.paygov_secret_key))
            .field("paygov_api_url", &self.paygov_api_url)
            .field("paygov_bearer_token", &hidden(&self.paygov_bearer_token))
            .finish()
    }
}

impl PaymentsConfig {
    pub fn vnpay_configured(&self) -> bool {
        !self.vnpay_tmn_code.is_empty() && !self.vnpay_hash_secret.is_empty()
    }

    pub fn paygov_configured(&self) -> bool {
        !self.paygov_partner_code.is_empty() && !self.paygov_secret_key.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// The address users reach the portal at (links in e-mails, QR codes, cookie security).
    pub public_url: String,
    /// Proxies allowed to set X-Forwarded-For.
    pub trusted_proxies: Vec<String>,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// Session lifetime in minutes.
    pub session_minutes: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://…`. Empty means SQLite in `data_dir`.
    pub url: String,
    /// Where the embedded database and local files live.
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `text` for people, `json` for log collectors.
    pub format: String,
    /// A tracing filter, e.g. `info` or `motcua_web=debug,info`.
    pub level: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// SMTP relay host; empty means messages go to the log.
    pub smtp_host: String,
    pub smtp_port: u16,
    pub from: String,
}

// --- OpenID Connect sign-in (issue 2) ---

/// Sign-in through an external OpenID Connect identity provider (provincial SSO, national
/// identity). The client secret is best given as `MOTCUA_OIDC__CLIENT_SECRET`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// Shows the provider button and opens `/oidc/start` and `/oidc/callback`.
    pub enabled: bool,
    /// The provider's issuer URL; discovery is read from `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Space-separated scopes to ask for; must include `openid`.
    pub scopes: String,
    /// The ID token claim that carries the 12-digit personal identification number.
    pub personal_id_claim: String,
    /// Lets existing, active officials sign in by the provider's `preferred_username`.
    pub allow_officials: bool,
    /// Replaces the button text (default: "Đăng nhập bằng tài khoản định danh").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_label: Option<String>,
}

impl std::fmt::Debug for OidcConfig {
    // The secret must not end up in logs (`Config` is printed with `{:?}` on errors).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("enabled", &self.enabled)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("scopes", &self.scopes)
            .field("personal_id_claim", &self.personal_id_claim)
            .field("allow_officials", &self.allow_officials)
            .field("button_label", &self.button_label)
            .finish()
    }
}

impl Default for OidcConfig {
    fn default() -> Self {
        OidcConfig {
            enabled: false,
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            scopes: "openid profile email".into(),
            personal_id_claim: "personal_id".into(),
            allow_officials: false,
            button_label: None,
        }
    }
}

impl OidcConfig {
    /// Checks an enabled configuration before serving, naming the key at fault. A plain-HTTP
    /// issuer is accepted only on loopback (development against a local provider).
    pub fn check(&self) -> anyhow::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let issuer = self.issuer.to_ascii_lowercase();
        let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| issuer.starts_with(p));
        if !issuer.starts_with("https://") && !loopback {
            anyhow::bail!(
                "oidc.issuer must be an https:// URL (got {:?})",
                self.issuer
            );
        }
        if self.client_id.trim().is_empty() {
            anyhow::bail!("oidc.client_id is required when oidc.enabled = true");
        }
        if self.client_secret.is_empty() {
            anyhow::bail!(
                "oidc.client_secret is required when oidc.enabled = true (set MOTCUA_OIDC__CLIENT_SECRET)"
            );
        }
        if !self.scopes.split_whitespace().any(|s| s == "openid") {
            anyhow::bail!("oidc.scopes must include openid");
        }
        if self.personal_id_claim.trim().is_empty() {
            anyhow::bail!("oidc.personal_id_claim must name a claim");
        }
        Ok(())
    }
}

// --- end of OpenID Connect sign-in ---

// --- Attachments ---

/// Where uploaded papers are stored. The S3 secret is best given as
/// `MOTCUA_ATTACHMENTS__S3_SECRET_KEY`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentsConfig {
    /// `local` (a directory) or `s3` (an S3-compatible service: MinIO, Ceph, a provincial cloud).
    pub backend: String,
    /// Directory of the `local` backend; empty means `attachments` in the data directory.
    pub dir: PathBuf,
    /// Largest accepted file, in bytes.
    pub max_bytes: u64,
    /// Most bytes of uploads one citizen may keep (officials have no quota).
    pub quota_bytes: u64,
    /// Base URL of the S3 service, e.g. `https://s3.cantho.gov.vn` (path-style requests).
    pub s3_endpoint: String,
    pub s3_region: String,
    pub s3_bucket: String,
    pub s3_access_key: String,
    pub s3_secret_key: String,
}

impl std::fmt::Debug for AttachmentsConfig {
    // The secret must not end up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachmentsConfig")
            .field("backend", &self.backend)
            .field("dir", &self.dir)
            .field("max_bytes", &self.max_bytes)
            .field("quota_bytes", &self.quota_bytes)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_region", &self.s3_region)
            .field("s3_bucket", &self.s3_bucket)
            .field("s3_access_key", &self.s3_access_key)
            .field("s3_secret_key", &"***")
            .finish()
    }
}

impl Default for AttachmentsConfig {
    fn default() -> Self {
        AttachmentsConfig {
            backend: "local".into(),
            dir: PathBuf::new(),
            max_bytes: motcua_domain::attachment::DEFAULT_MAX_BYTES,
            quota_bytes: motcua_app::DEFAULT_UPLOAD_QUOTA_BYTES,
            s3_endpoint: String::new(),
            s3_region: "us-east-1".into(),
            s3_bucket: String::new(),
            s3_access_key: String::new(),
            s3_secret_key: String::new(),
        }
    }
}

impl AttachmentsConfig {
    /// The directory of the local backend.
    pub fn local_dir(&self, data_dir: &Path) -> PathBuf {
        if self.dir.as_os_str().is_empty() {
            data_dir.join("attachments")
        } else {
            self.dir.clone()
        }
    }

    /// The configured store, checked; names the key at fault. Nothing is created or contacted.
    pub fn blob_store(
        &self,
        data_dir: &Path,
    ) -> anyhow::Result<std::sync::Arc<dyn motcua_blobs::BlobStore>> {
        if self.max_bytes == 0 {
            anyhow::bail!("attachments.max_bytes must be greater than 0");
        }
        match self.backend.as_str() {
            "local" => Ok(std::sync::Arc::new(motcua_blobs::LocalBlobs::new(
                self.local_dir(data_dir),
            ))),
            "s3" => {
                for (key, value) in [
                    ("s3_endpoint", &self.s3_endpoint),
                    ("s3_region", &self.s3_region),
                    ("s3_bucket", &self.s3_bucket),
                    ("s3_access_key", &self.s3_access_key),
                ] {
                    if value.trim().is_empty() {
                        anyhow::bail!(
                            "attachments.{key} is required when attachments.backend = \"s3\""
                        );
                    }
                }
                if self.s3_secret_key.is_empty() {
                    anyhow::bail!(
                        "attachments.s3_secret_key is required with the s3 backend (set MOTCUA_ATTACHMENTS__S3_SECRET_KEY)"
                    );
                }
                let blobs = motcua_blobs::S3Blobs::new(motcua_blobs::S3Config {
                    endpoint: self.s3_endpoint.clone(),
                    region: self.s3_region.clone(),
                    bucket: self.s3_bucket.clone(),
                    access_key: self.s3_access_key.clone(),
                    secret_key: self.s3_secret_key.clone(),
                    timeout: std::time::Duration::from_secs(120),
                })
                .map_err(|e| anyhow::anyhow!("attachments.s3_endpoint: {e}"))?;
                Ok(std::sync::Arc::new(blobs))
            }
            other => {
                anyhow::bail!("attachments.backend must be \"local\" or \"s3\" (got {other:?})")
            }
        }
    }
}

// --- end of attachments ---

impl Default for Config {
    fn default() -> Self {
        Config {
            server: ServerConfig {
                listen: "127.0.0.1:8080".into(),
                public_url: String::new(),
                trusted_proxies: Vec::new(),
                body_limit: 1024 * 1024,
                session_minutes: 480,
            },
            database: DatabaseConfig {
                url: String::new(),
                data_dir: PathBuf::from("motcua-data"),
            },
            log: LogConfig {
                format: "text".into(),
                level: "info".into(),
            },
            mail: MailConfig {
                smtp_host: String::new(),
                smtp_port: 25,
                from: "Một Cửa <khong-tra-loi@motcua.local>".into(),
            },
            oidc: OidcConfig::default(),
            attachments: AttachmentsConfig::default(),
            payments: PaymentsConfig::default(),
            postal: PostalSection::default(),
            national: NationalSection::default(),
            notifications: NotificationsConfig::default(),
            signing: SigningConfig::default(),
        }
    }
}

impl Config {
    /// Loads the layered configuration. `file` must exist when given explicitly.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    anyhow::bail!("configuration file {} does not exist", path.display());
                }
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("motcua.toml")),
        }
        // Variables of the same prefix that are not configuration: the CLI's own (config file,
        // password) and the test and CI tooling's, which may be set in the environment that
        // runs the tests (`MOTCUA_FUZZ_SECONDS=10 .ci/run`).
        figment = figment.merge(Env::prefixed("MOTCUA_").split("__").ignore(&[
            "config",
            "password",
            "test_postgres",
            "fuzz_seconds",
            "api_fuzz_seconds",
            "api_fuzz_seed",
            "moto_server",
            "pyhanko_python",
            "ci_pg_port",
            "ci_pg_only",
            "skip_container",
        ]));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            figment = figment.merge(("database.url", url));
        }
        figment
            .extract()
            .map_err(|e| anyhow::anyhow!("configuration error: {e}"))
    }

    /// The database URL, defaulting to SQLite in the data directory.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}",
                self.database.data_dir.join("motcua.db").display()
            )
        } else {
            self.database.url.clone()
        }
    }

    /// An annotated example file (`motcua default-config`).
    pub fn example() -> String {
        let body = toml_example(&Config::default());
        format!(
            "# Một Cửa configuration. Every key can also be set in the environment, e.g.\n\
             # MOTCUA_SERVER__LISTEN=0.0.0.0:8080, MOTCUA_DATABASE__URL=postgres://… (or DATABASE_URL).\n\
             # [attachments] backend = \"local\" stores uploads in `dir` (empty: <data_dir>/attachments);\n\
             # \"s3\" uses the s3_* keys (path-style, SigV4; secret in MOTCUA_ATTACHMENTS__S3_SECRET_KEY).\n\
             # max_bytes is the largest accepted file, quota_bytes what one citizen may keep.\n{body}"
        )
    }
}

fn toml_example(config: &Config) -> String {
    let value = serde_json::to_value(config).unwrap_or_default();
    let mut out = String::new();
    if let Some(sections) = value.as_object() {
        for (section, fields) in sections {
            out.push_str(&format!("\n[{section}]\n"));
            if let Some(fields) = fields.as_object() {
                for (key, value) in fields {
                    out.push_str(&format!("{key} = {value}\n"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_give_sqlite_in_the_data_directory() {
        let config = Config::default();
        assert_eq!(config.database_url(), "sqlite://motcua-data/motcua.db");
    }

    #[test]
    fn debug_output_hides_the_secrets() {
        let mut config = Config::default();
        config.oidc.client_secret = "oidc-client-secret-value".into();
        config.attachments.s3_secret_key = "s3-secret-key-value".into();
        let printed = format!("{config:?} {:?}", config.oidc);
        assert!(!printed.contains("oidc-client-secret-value"), "{printed}");
        assert!(!printed.contains("s3-secret-key-value"), "{printed}");
        assert!(printed.contains("client_secret: \"***\""), "{printed}");
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let error =
            Config::load(Some(Path::new("/nonexistent/motcua.toml"))).expect_err("must fail");
        assert!(error.to_string().contains("does not exist"));
    }

    #[test]
    fn unknown_keys_are_reported_with_their_name() {
        let dir = std::env::temp_dir().join(format!("motcua-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("bad.toml");
        std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:1\"\nlisen = 3\n").expect("write");
        let error = Config::load(Some(&file))
            .expect_err("must fail")
            .to_string();
        assert!(error.contains("lisen"), "{error}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn oidc_is_off_by_default_and_checked_when_enabled() {
        let mut oidc = Config::default().oidc;
        assert!(!oidc.enabled);
        assert_eq!(oidc.scopes, "openid profile email");
        assert_eq!(oidc.personal_id_claim, "personal_id");
        assert!(oidc.check().is_ok());
        oidc.enabled = true;
        oidc.issuer = "http://sso.example.gov.vn".into();
        oidc.client_id = "motcua".into();
        oidc.client_secret = "s".into();
        let error = oidc.check().expect_err("plain http issuer").to_string();
        assert!(error.contains("oidc.issuer"), "{error}");
        oidc.issuer = "https://sso.example.gov.vn/realms/cantho".into();
        assert!(oidc.check().is_ok());
        oidc.client_secret.clear();
        let error = oidc.check().expect_err("no secret").to_string();
        assert!(error.contains("MOTCUA_OIDC__CLIENT_SECRET"), "{error}");
    }

    #[test]
    fn an_oidc_section_is_read_and_unknown_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("motcua-config-oidc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("oidc.toml");
        std::fs::write(
            &file,
            "[oidc]\nenabled = true\nissuer = \"https://sso.example.gov.vn\"\nclient_id = \"motcua\"\n\
             button_label = \"Đăng nhập bằng VNeID\"\nallow_officials = true\n",
        )
        .expect("write");
        let config = Config::load(Some(&file)).expect("loads");
        assert!(config.oidc.enabled && config.oidc.allow_officials);
        assert_eq!(
            config.oidc.button_label.as_deref(),
            Some("Đăng nhập bằng VNeID")
        );
        assert_eq!(config.oidc.scopes, "openid profile email");
        std::fs::write(&file, "[oidc]\nissuer_url = \"x\"\n").expect("write");
        let error = Config::load(Some(&file))
            .expect_err("unknown key")
            .to_string();
        assert!(error.contains("issuer_url"), "{error}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn attachments_are_local_by_default_and_s3_is_checked() {
        let data_dir = Path::new("/srv/motcua");
        let mut attachments = Config::default().attachments;
        assert_eq!(attachments.backend, "local");
        assert_eq!(
            attachments.local_dir(data_dir),
            Path::new("/srv/motcua/attachments")
        );
        let local = attachments.blob_store(data_dir).expect("local");
        assert_eq!(local.describe(), "local:/srv/motcua/attachments");
        attachments.backend = "s3".into();
        attachments.s3_endpoint = "http://127.0.0.1:9000".into();
        attachments.s3_bucket = "ho-so".into();
        attachments.s3_access_key = "motcua".into();
        let error = attachments
            .blob_store(data_dir)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("MOTCUA_ATTACHMENTS__S3_SECRET_KEY"),
            "{error}"
        );
        attachments.s3_secret_key = "bí-mật".into();
        assert!(!format!("{attachments:?}").contains("bí-mật"));
        let s3 = attachments.blob_store(data_dir).expect("s3");
        assert!(s3.describe().starts_with("s3:http://127.0.0.1:9000/ho-so"));
        attachments.backend = "ftp".into();
        assert!(attachments.blob_store(data_dir).is_err());
    }

    #[test]
    fn the_example_parses_back() {
        let example = Config::example();
        let parsed: Config = Figment::from(Toml::string(&example))
            .extract()
            .expect("example parses");
        assert_eq!(parsed.server.listen, "127.0.0.1:8080");
    }
}
