-- The first authorisation of a channel account by its owner (the Zalo Official Account's OAuth
-- v4 grant with PKCE): the pending requests an administrator started. The browser carries only
-- `state`; its SHA-256 is the key here, next to the PKCE verifier that the token exchange
-- needs and the administrator who started it (a callback in another official's session is
-- refused). A row is deleted when it is used (single use) and is worthless after `expires_at`
-- (ten minutes, about as long as Zalo's code lives). Kept in the database so that the callback
-- may reach any node, or a restarted one.

CREATE TABLE channel_authorisations (
    state_hash TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    official_id INTEGER NOT NULL REFERENCES officials(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX channel_authorisations_expiry ON channel_authorisations(expires_at);
