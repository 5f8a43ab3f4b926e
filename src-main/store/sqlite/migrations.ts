/**
 * Numbered migrations, applied in order at open, each in its own transaction.
 * Never edit a migration that has shipped: add the next number.
 */

export interface Migration {
  version: number
  name: string
  sql: string
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts, codes, apps, throttle, audit',
    sql: `
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL COLLATE NOCASE UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE throttle (
  subject TEXT PRIMARY KEY,
  failures INTEGER NOT NULL CHECK (failures >= 0),
  last_failure_at INTEGER NOT NULL,
  locked_until INTEGER NOT NULL
) STRICT;

CREATE TABLE email_codes (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  attempt_id TEXT NOT NULL,
  code_mac BLOB NOT NULL,
  sent_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'used', 'voided')),
  used_at INTEGER,
  CHECK ((state = 'used') = (used_at IS NOT NULL))
) STRICT;
CREATE INDEX email_codes_by_user ON email_codes (user_id, sent_at);
CREATE UNIQUE INDEX email_codes_one_active ON email_codes (user_id) WHERE state = 'active';

CREATE TABLE totp_apps (
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret_enc BLOB NOT NULL,
  device_name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_step INTEGER NOT NULL DEFAULT -1
) STRICT;

CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  terminal_id TEXT NOT NULL,
  user_id INTEGER,
  email TEXT,
  event TEXT NOT NULL,
  factor TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'fail')),
  detail TEXT
) STRICT;
CREATE INDEX audit_by_time ON audit (at);
`,
  },
  {
    version: 2,
    name: 'security keys',
    sql: `
CREATE TABLE security_keys (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_id TEXT NOT NULL UNIQUE,
  public_key BLOB NOT NULL,
  sign_count INTEGER NOT NULL CHECK (sign_count >= 0),
  aaguid TEXT NOT NULL,
  fmt TEXT NOT NULL,
  discoverable INTEGER NOT NULL CHECK (discoverable IN (0, 1)),
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
) STRICT;
CREATE INDEX security_keys_by_user ON security_keys (user_id);
`,
  },
  {
    version: 3,
    name: 'recovery codes, temporary passwords, address changes',
    sql: `
ALTER TABLE users ADD COLUMN password_expires_at INTEGER;

CREATE TABLE recovery_codes (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_mac BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  used_at INTEGER
) STRICT;
CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id);

CREATE TABLE address_codes (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  new_email TEXT NOT NULL COLLATE NOCASE,
  code_mac BLOB NOT NULL,
  sent_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'used', 'voided')),
  used_at INTEGER,
  CHECK ((state = 'used') = (used_at IS NOT NULL))
) STRICT;
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
  value BLOB NOT NULL
) STRICT;
`,
  },
]
