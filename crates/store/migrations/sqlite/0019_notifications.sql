-- Notifications on every channel (e-mail, SMS, Zalo), the Zalo lookup bot.
--
-- Each citizen chooses the channels they are told on and the language; without a row the
-- defaults apply (e-mail when the account has one, else SMS; Vietnamese).
CREATE TABLE notification_preferences (
    citizen_id INTEGER PRIMARY KEY REFERENCES citizens(id),
    email INTEGER NOT NULL,
    sms INTEGER NOT NULL,
    zalo INTEGER NOT NULL,
    language TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- An administrator's wording of a message, replacing the catalogue's text for one template,
-- language and part (subject, body, short). The catalogue stays the default and the fallback.
CREATE TABLE notification_templates (
    template TEXT NOT NULL,
    language TEXT NOT NULL,
    part TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER,
    PRIMARY KEY (template, language, part)
);

-- The delivery log reads the channel without opening payloads (which hold addresses), and a
-- message that will never go out (after the last attempt, or refused for good by the channel)
-- is a dead letter: done, but not delivered.
ALTER TABLE outbox ADD COLUMN channel TEXT;
ALTER TABLE outbox ADD COLUMN dead_at INTEGER;
CREATE INDEX outbox_channel ON outbox(channel, id);

-- Messages the Zalo Official Account received through its webhook, once each (Zalo may send
-- an event twice): the webhook stores and answers at once; the reply is an outbox row.
CREATE TABLE chat_messages (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    message_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    text TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (platform, message_id)
);

-- Zalo OA tokens, shared by every node. The refresh token is single-use, so the pair is
-- replaced in one statement and `version` lets a node see that another refreshed first.
CREATE TABLE channel_tokens (
    channel TEXT PRIMARY KEY,
    access_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL,
    access_expires_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
