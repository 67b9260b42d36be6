-- OpenID Connect providers beside the JWT issuers: the same table (their subjects, groups and
-- sessions are kept alike), told apart by `protocol` ('jwtAuth' | 'OIDC'). An OIDC provider's
-- `issuer` is its discovery base; its client secret is written, never read back; `claims` is
-- JSON: which claims (JSON pointers, tried in order) give the subject, email, name and groups.
-- A new provider is pending (not on the sign-in page) until an admin has signed in through it
-- as a test (`tested_at`) and promoted it.
ALTER TABLE identity_providers ADD COLUMN client_id TEXT NOT NULL DEFAULT '';
ALTER TABLE identity_providers ADD COLUMN client_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE identity_providers ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE identity_providers ADD COLUMN claims TEXT NOT NULL DEFAULT '{}';
ALTER TABLE identity_providers ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE identity_providers ADD COLUMN tested_at INTEGER;
-- What the last test sign-in mapped (JSON: subject, email, name, groups, the claims received).
ALTER TABLE identity_providers ADD COLUMN last_test TEXT NOT NULL DEFAULT '';

-- A JWT issuer may publish its keys (a JWKS URL) instead of, or beside, keys given here.
ALTER TABLE identity_providers ADD COLUMN jwks_uri TEXT NOT NULL DEFAULT '';

-- Claims of a JWT issuer's tokens that narrow its users' section access (JSON:
-- [{claim, field}]), and the narrowing an embed's session carries (JSON: [[field, [values]]]).
ALTER TABLE identity_providers ADD COLUMN narrowing TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sessions ADD COLUMN narrowing TEXT NOT NULL DEFAULT '';

-- Password sign-in: on for everyone, or off for everyone but one break-glass account (a tenant
-- admin who can still sign in when the identity provider cannot be reached).
ALTER TABLE tenants ADD COLUMN password_sign_in INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tenants ADD COLUMN break_glass_user_id TEXT NOT NULL DEFAULT '';

-- SCIM 2.0 provisioning: one bearer token per tenant (its SHA-256; empty: provisioning off), and
-- each provisioned user's or group's SCIM resource as the provider last wrote it (JSON), from
-- which the account's email, name, status and a group's name and members are taken.
ALTER TABLE tenants ADD COLUMN scim_token_hash TEXT NOT NULL DEFAULT '';
CREATE TABLE scim_resources (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    external_id TEXT NOT NULL DEFAULT '',
    -- The userName's or displayName's unique key, for the provider's searches.
    name_key    TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX scim_resources_external ON scim_resources (tenant_id, kind, external_id);
CREATE INDEX scim_resources_name ON scim_resources (tenant_id, kind, name_key);
