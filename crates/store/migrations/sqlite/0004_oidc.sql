-- OpenID Connect sign-in: the pending authorisation requests. The browser carries only `state`;
-- its SHA-256 is the key here, next to the nonce, the PKCE verifier and where to go afterwards.
-- `browser_hash` is the SHA-256 of the browser's CSRF cookie: a callback from another browser
-- (login CSRF, RFC 6749 §10.12) is refused. A row is deleted when it is used (single use) and
-- is worthless after `expires_at`.

CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    purpose TEXT NOT NULL,
    return_to TEXT NOT NULL,
    browser_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX oidc_logins_expiry ON oidc_logins(expires_at);
