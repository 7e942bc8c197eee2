//! The real [`IdentityProvider`]: OpenID Connect over HTTPS with `reqwest` (rustls, ring) and
//! ID token verification with `jsonwebtoken` (pure-Rust RustCrypto backend).
//!
//! Discovery (`{issuer}/.well-known/openid-configuration`) and the provider's keys (`jwks_uri`)
//! are fetched on first use and cached for an hour; an ID token signed with a key id we have
//! not seen triggers one early refresh of the keys, which is how providers rotate keys. The
//! HTTP client follows no redirects (a provider document cannot point us at internal
//! addresses through a redirect), has connect and total timeouts, and reads at most 1 MiB.

use super::{AuthorizationRequest, BoxFuture, IdentityProvider, ProviderError};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long discovery and keys are trusted before they are fetched again.
const CACHE_TTL: Duration = Duration::from_secs(3600);
/// The shortest time between two key refreshes forced by unknown key ids, so a provider
/// (or a bug) sending unknown ids cannot make us fetch its keys on every sign-in.
const KEY_REFRESH_MIN: Duration = Duration::from_secs(10);
/// Largest provider answer we read.
const MAX_BODY: usize = 1024 * 1024;
/// Allowed clock difference with the provider, for `exp` and `iat`.
const LEEWAY_SECONDS: u64 = 60;

/// The provider's coordinates and our client credentials.
#[derive(Clone)]
pub struct HttpProviderConfig {
    /// The issuer identifier, exactly as the provider states it in its ID tokens.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Total time allowed for one request to the provider.
    pub timeout: Duration,
}

impl std::fmt::Debug for HttpProviderConfig {
    // The secret must not end up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpProviderConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The part of the discovery document we use.
#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

#[derive(Default)]
struct Cache {
    discovery: Option<(Discovery, Instant)>,
    keys: Option<(JwkSet, Instant)>,
    /// When an unknown key id last forced a refresh.
    forced: Option<Instant>,
}

/// OpenID Connect relying party over HTTP.
pub struct HttpIdentityProvider {
    config: HttpProviderConfig,
    client: reqwest::Client,
    cache: Mutex<Cache>,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

fn unreachable(what: &str, error: impl std::fmt::Display) -> ProviderError {
    ProviderError::Unreachable(format!("{what}: {error}"))
}

fn rejected(reason: impl Into<String>) -> ProviderError {
    ProviderError::Rejected(reason.into())
}

impl HttpIdentityProvider {
    pub fn new(config: HttpProviderConfig) -> anyhow::Result<Self> {
        // reqwest is built without a bundled crypto provider so that only ring (no C++ or
        // cmake build, no OpenSSL) is linked; it must be the process default. Another part of
        // the program may have installed one already, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5).min(config.timeout))
            .timeout(config.timeout)
            .user_agent(concat!("motcua/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(HttpIdentityProvider {
            config,
            client,
            cache: Mutex::new(Cache::default()),
        })
    }

    fn issuer_is_https(&self) -> bool {
        self.config.issuer.starts_with("https://")
    }

    /// Endpoints must use HTTPS when the issuer does (a plain-HTTP issuer is only accepted by
    /// the configuration for loopback tests and development).
    fn check_endpoint(&self, url: &str) -> Result<(), ProviderError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| unreachable("discovery names an invalid endpoint", e))?;
        match parsed.scheme() {
            "https" => Ok(()),
            "http" if !self.issuer_is_https() => Ok(()),
            other => Err(ProviderError::Unreachable(format!(
                "discovery names a {other} endpoint for an https issuer"
            ))),
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        url: &str,
    ) -> Result<T, ProviderError> {
        let response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| unreachable(what, e))?;
        if !response.status().is_success() {
            return Err(ProviderError::Unreachable(format!(
                "{what}: HTTP {}",
                response.status()
            )));
        }
        let body = read_limited(response)
            .await
            .map_err(|e| unreachable(what, e))?;
        serde_json::from_slice(&body).map_err(|e| unreachable(what, e))
    }

    async fn discovery(&self) -> Result<Discovery, ProviderError> {
        {
            let cache = self.cache.lock().await;
            if let Some((discovery, at)) = &cache.discovery
                && at.elapsed() < CACHE_TTL
            {
                return Ok(discovery.clone());
            }
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = self.get_json("discovery", &url).await?;
        // OpenID Connect Discovery §4.3: the document must name the issuer we asked.
        if discovery.issuer != self.config.issuer {
            return Err(ProviderError::Unreachable(format!(
                "discovery issuer {} differs from the configured {}",
                discovery.issuer, self.config.issuer
            )));
        }
        for endpoint in [
            &discovery.authorization_endpoint,
            &discovery.token_endpoint,
            &discovery.jwks_uri,
        ] {
            self.check_endpoint(endpoint)?;
        }
        self.cache.lock().await.discovery = Some((discovery.clone(), Instant::now()));
        Ok(discovery)
    }

    /// The provider's keys; `refresh` forces a new fetch unless another forced one happened
    /// less than [`KEY_REFRESH_MIN`] ago.
    async fn keys(&self, jwks_uri: &str, refresh: bool) -> Result<JwkSet, ProviderError> {
        {
            let mut cache = self.cache.lock().await;
            let may_force = cache
                .forced
                .is_none_or(|at| at.elapsed() >= KEY_REFRESH_MIN);
            if let Some((keys, at)) = &cache.keys
                && at.elapsed() < CACHE_TTL
                && (!refresh || !may_force)
            {
                return Ok(keys.clone());
            }
            if refresh {
                cache.forced = Some(Instant::now());
            }
        }
        let keys: JwkSet = self.get_json("keys", jwks_uri).await?;
        self.cache.lock().await.keys = Some((keys.clone(), Instant::now()));
        Ok(keys)
    }

    async fn token_request(
        &self,
        discovery: &Discovery,
        code: &str,
        pkce_verifier: &str,
        redirect_uri: &str,
    ) -> Result<String, ProviderError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", pkce_verifier),
        ];
        // client_secret_basic is the default of the specification when the provider lists
        // nothing; client_secret_post only when it is the one the provider supports.
        let basic = discovery
            .token_endpoint_auth_methods_supported
            .as_ref()
            .is_none_or(|methods| methods.iter().any(|m| m == "client_secret_basic"));
        let mut request = self
            .client
            .post(&discovery.token_endpoint)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        if basic {
            // RFC 6749 §2.3.1: both parts are form-encoded before Basic encoding.
            let id: String =
                form_urlencoded::byte_serialize(self.config.client_id.as_bytes()).collect();
            let secret: String =
                form_urlencoded::byte_serialize(self.config.client_secret.as_bytes()).collect();
            request = request.basic_auth(id, Some(secret));
        } else {
            form.push(("client_id", &self.config.client_id));
            form.push(("client_secret", &self.config.client_secret));
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| unreachable("token endpoint", e))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(ProviderError::Unreachable(format!(
                "token endpoint: HTTP {status}"
            )));
        }
        let body = read_limited(response)
            .await
            .map_err(|e| unreachable("token endpoint", e))?;
        if !status.is_success() {
            let error = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_default();
            return Err(rejected(format!(
                "token endpoint refused ({status}): {error}"
            )));
        }
        let tokens: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| rejected(format!("token response: {e}")))?;
        tokens
            .id_token
            .ok_or_else(|| rejected("token response without id_token"))
    }

    /// Verifies the ID token's signature against the provider's keys, and `iss`, `aud`,
    /// `azp`, `exp` and `iat`. Only RS256 is accepted, so neither `none` nor an HMAC "signed"
    /// with a public key can pass.
    async fn verify(
        &self,
        discovery: &Discovery,
        id_token: &str,
    ) -> Result<Map<String, Value>, ProviderError> {
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|e| rejected(format!("ID token header: {e}")))?;
        if header.alg != Algorithm::RS256 {
            return Err(rejected(format!("ID token algorithm {:?}", header.alg)));
        }
        let mut keys = self.keys(&discovery.jwks_uri, false).await?;
        let mut key = find_key(&keys, header.kid.as_deref());
        if key.is_none() {
            keys = self.keys(&discovery.jwks_uri, true).await?;
            key = find_key(&keys, header.kid.as_deref());
        }
        let jwk = key.ok_or_else(|| rejected(format!("no provider key {:?}", header.kid)))?;
        let decoding =
            DecodingKey::from_jwk(jwk).map_err(|e| rejected(format!("provider key: {e}")))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.client_id]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        let data = jsonwebtoken::decode::<Map<String, Value>>(id_token, &decoding, &validation)
            .map_err(|e| rejected(format!("ID token: {e}")))?;
        let claims = data.claims;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let iat = claims
            .get("iat")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX);
        if iat > now + LEEWAY_SECONDS {
            return Err(rejected("ID token issued in the future"));
        }
        // OpenID Connect Core §3.1.3.7: with several audiences, `azp` must be us.
        let several = claims
            .get("aud")
            .and_then(Value::as_array)
            .is_some_and(|a| a.len() > 1);
        match claims.get("azp").and_then(Value::as_str) {
            Some(azp) if azp != self.config.client_id => {
                return Err(rejected("ID token azp is another client"));
            }
            None if several => return Err(rejected("ID token for several audiences without azp")),
            _ => {}
        }
        Ok(claims)
    }
}

/// The key with id `kid`, or the only RSA signing key when the token names none.
fn find_key<'a>(keys: &'a JwkSet, kid: Option<&str>) -> Option<&'a jsonwebtoken::jwk::Jwk> {
    match kid {
        Some(kid) => keys.find(kid),
        None => {
            let mut rsa = keys
                .keys
                .iter()
                .filter(|k| matches!(k.algorithm, jsonwebtoken::jwk::AlgorithmParameters::RSA(_)));
            match (rsa.next(), rsa.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        }
    }
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    if response
        .content_length()
        .is_some_and(|l| l > MAX_BODY as u64)
    {
        return Err("answer too large".into());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err("answer too large".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl IdentityProvider for HttpIdentityProvider {
    fn authorization_url<'a>(
        &'a self,
        request: &'a AuthorizationRequest,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let discovery = self.discovery().await?;
            let mut url = reqwest::Url::parse(&discovery.authorization_endpoint)
                .map_err(|e| unreachable("authorization endpoint", e))?;
            url.query_pairs_mut()
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.config.client_id)
                .append_pair("redirect_uri", &request.redirect_uri)
                .append_pair("scope", &request.scopes)
                .append_pair("state", &request.state)
                .append_pair("nonce", &request.nonce)
                .append_pair("code_challenge", &request.code_challenge)
                .append_pair("code_challenge_method", "S256");
            Ok(url.into())
        })
    }

    fn exchange<'a>(
        &'a self,
        code: &'a str,
        pkce_verifier: &'a str,
        redirect_uri: &'a str,
    ) -> BoxFuture<'a, Result<Map<String, Value>, ProviderError>> {
        Box::pin(async move {
            let discovery = self.discovery().await?;
            let id_token = self
                .token_request(&discovery, code, pkce_verifier, redirect_uri)
                .await?;
            self.verify(&discovery, &id_token).await
        })
    }
}
