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
        figment = figment.merge(Env::prefixed("MOTCUA_").split("__").ignore(&[
            "config",
            "password",
            "test_postgres",
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
             # MOTCUA_SERVER__LISTEN=0.0.0.0:8080, MOTCUA_DATABASE__URL=postgres://… (or DATABASE_URL).\n{body}"
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
    fn the_example_parses_back() {
        let example = Config::example();
        let parsed: Config = Figment::from(Toml::string(&example))
            .extract()
            .expect("example parses");
        assert_eq!(parsed.server.listen, "127.0.0.1:8080");
    }
}
