-- Identity providers: JWT issuers (Qlik's jwtAuth), each a host site's backend that signs short
-- tokens for its users. `keys` is JSON: [{kid, kind (RS256 | ES256 | HS256), pem, secret}].
CREATE TABLE identity_providers (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    protocol             TEXT NOT NULL DEFAULT 'jwtAuth',
    description          TEXT NOT NULL DEFAULT '',
    active               BIGINT NOT NULL DEFAULT 1,
    issuer               TEXT NOT NULL,
    audience             TEXT NOT NULL,
    keys                 TEXT NOT NULL,
    origins              TEXT NOT NULL DEFAULT '[]',
    create_users         BIGINT NOT NULL DEFAULT 0,
    clock_tolerance_secs BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX identity_providers_issuer ON identity_providers (tenant_id, issuer);

-- Who a provider's subject is here (its `sub`, kept apart from the email, which may change).
CREATE TABLE idp_subjects (
    provider_id TEXT NOT NULL REFERENCES identity_providers(id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (provider_id, subject)
);

-- Each token is used once: its id until it expires (housekeeping forgets it after).
CREATE TABLE token_uses (
    provider_id TEXT NOT NULL REFERENCES identity_providers(id) ON DELETE CASCADE,
    jti         TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (provider_id, jti)
);

-- A membership a provider's token made (its groups replace these at every sign-in); empty:
-- made in Sightline.
ALTER TABLE group_members ADD COLUMN provider_id TEXT NOT NULL DEFAULT '';

-- A session opened with a provider's token ends with it (`expires_at`, Unix ms) and when the
-- provider is deleted; an embed's session is carried in a header, never a cookie.
ALTER TABLE sessions ADD COLUMN provider_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN expires_at BIGINT;
ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'portal';
