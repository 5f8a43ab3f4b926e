/**
 * The same numbered migrations as SQLITE_MIGRATIONS (../migrations.ts), in
 * PostgreSQL's types: the version numbers mean the same schema on both back
 * ends, so a terminal refuses either store when it is newer than it knows.
 * Never edit a migration that has shipped: add the next number to both lists.
 *
 * Times are milliseconds since the epoch (BIGINT), as in SQLite. Addresses are
 * unique whatever their ASCII case, like SQLite's COLLATE NOCASE: the unique
 * index is on lower(email COLLATE "C"), which folds A–Z only.
 */

import type { Migration } from '../sqlite/migrations'

/** The expression that compares addresses, as the unique index has it. */
export const EMAIL_KEY = 'lower(email COLLATE "C")'

export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts, codes, apps, throttle, audit',
    sql: `
CREATE TABLE users (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  must_change_password BOOLEAN NOT NULL DEFAULT false,
  disabled BOOLEAN NOT NULL DEFAULT false,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_nocase ON users (${EMAIL_KEY});

CREATE TABLE throttle (
  subject TEXT PRIMARY KEY,
  failures INTEGER NOT NULL CHECK (failures >= 0),
  last_failure_at BIGINT NOT NULL,
  locked_until BIGINT NOT NULL
);

CREATE TABLE email_codes (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  attempt_id TEXT NOT NULL,
  code_mac BYTEA NOT NULL,
  sent_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'used', 'voided')),
  used_at BIGINT,
  CHECK ((state = 'used') = (used_at IS NOT NULL))
);
CREATE INDEX email_codes_by_user ON email_codes (user_id, sent_at);
CREATE UNIQUE INDEX email_codes_one_active ON email_codes (user_id) WHERE state = 'active';

CREATE TABLE totp_apps (
  user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret_enc BYTEA NOT NULL,
  device_name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_step BIGINT NOT NULL DEFAULT -1
);

CREATE TABLE audit (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at BIGINT NOT NULL,
  terminal_id TEXT NOT NULL,
  user_id BIGINT,
  email TEXT,
  event TEXT NOT NULL,
  factor TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'fail')),
  detail TEXT
);
CREATE INDEX audit_by_time ON audit (at);
`,
  },
  {
    version: 2,
    name: 'security keys',
    sql: `
CREATE TABLE security_keys (
  id TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_id TEXT NOT NULL UNIQUE,
  public_key BYTEA NOT NULL,
  sign_count BIGINT NOT NULL CHECK (sign_count >= 0),
  aaguid TEXT NOT NULL,
  fmt TEXT NOT NULL,
  discoverable BOOLEAN NOT NULL,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT
);
CREATE INDEX security_keys_by_user ON security_keys (user_id);
`,
  },
  {
    version: 3,
    name: 'recovery codes, temporary passwords, address changes',
    sql: `
ALTER TABLE users ADD COLUMN password_expires_at BIGINT;

CREATE TABLE recovery_codes (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_mac BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id);

CREATE TABLE address_codes (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  new_email TEXT NOT NULL,
  code_mac BYTEA NOT NULL,
  sent_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'used', 'voided')),
  used_at BIGINT,
  CHECK ((state = 'used') = (used_at IS NOT NULL))
);
CREATE INDEX address_codes_by_user ON address_codes (user_id, sent_at);
CREATE UNIQUE INDEX address_codes_one_active ON address_codes (user_id) WHERE state = 'active';
`,
  },
  {
    version: 4,
    name: 'settings (the data-key check)',
    sql: `
CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value BYTEA NOT NULL
);
`,
  },
]
