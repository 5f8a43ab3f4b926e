/** CTAP2 constants, named as in CTAP 2.1. Shared by the host stack and the virtual key. */

/** Authenticator API command bytes (CTAP 2.1 §6). */
export const CTAP2_CMD = {
  MAKE_CREDENTIAL: 0x01,
  GET_ASSERTION: 0x02,
  GET_INFO: 0x04,
  CLIENT_PIN: 0x06,
  RESET: 0x07,
  GET_NEXT_ASSERTION: 0x08,
  BIO_ENROLLMENT: 0x09,
  CREDENTIAL_MANAGEMENT: 0x0a,
  SELECTION: 0x0b,
  LARGE_BLOBS: 0x0c,
  CONFIG: 0x0d,
} as const

/** Status codes (CTAP 2.1 §8.2 "Status codes"), CTAP1_ERR_* and CTAP2_ERR_* without prefix. */
export const STATUS = {
  SUCCESS: 0x00,
  INVALID_COMMAND: 0x01,
  INVALID_PARAMETER: 0x02,
  INVALID_LENGTH: 0x03,
  INVALID_SEQ: 0x04,
  TIMEOUT: 0x05,
  CHANNEL_BUSY: 0x06,
  LOCK_REQUIRED: 0x0a,
  INVALID_CHANNEL: 0x0b,
  CBOR_UNEXPECTED_TYPE: 0x11,
  INVALID_CBOR: 0x12,
  MISSING_PARAMETER: 0x14,
  LIMIT_EXCEEDED: 0x15,
  FP_DATABASE_FULL: 0x17,
  LARGE_BLOB_STORAGE_FULL: 0x18,
  CREDENTIAL_EXCLUDED: 0x19,
  PROCESSING: 0x21,
  INVALID_CREDENTIAL: 0x22,
  USER_ACTION_PENDING: 0x23,
  OPERATION_PENDING: 0x24,
  NO_OPERATIONS: 0x25,
  UNSUPPORTED_ALGORITHM: 0x26,
  OPERATION_DENIED: 0x27,
  KEY_STORE_FULL: 0x28,
  UNSUPPORTED_OPTION: 0x2b,
  INVALID_OPTION: 0x2c,
  KEEPALIVE_CANCEL: 0x2d,
  NO_CREDENTIALS: 0x2e,
  USER_ACTION_TIMEOUT: 0x2f,
  NOT_ALLOWED: 0x30,
  PIN_INVALID: 0x31,
  PIN_BLOCKED: 0x32,
  PIN_AUTH_INVALID: 0x33,
  PIN_AUTH_BLOCKED: 0x34,
  PIN_NOT_SET: 0x35,
  /** CTAP2_ERR_PUAT_REQUIRED (CTAP 2.0: CTAP2_ERR_PIN_REQUIRED). */
  PUAT_REQUIRED: 0x36,
  PIN_POLICY_VIOLATION: 0x37,
  REQUEST_TOO_LARGE: 0x39,
  ACTION_TIMEOUT: 0x3a,
  UP_REQUIRED: 0x3b,
  UV_BLOCKED: 0x3c,
  INTEGRITY_FAILURE: 0x3d,
  INVALID_SUBCOMMAND: 0x3e,
  UV_INVALID: 0x3f,
  UNAUTHORIZED_PERMISSION: 0x40,
  OTHER: 0x7f,
} as const

export function statusName(status: number): string {
  for (const [name, value] of Object.entries(STATUS)) if (value === status) return name
  return `UNKNOWN(0x${status.toString(16).padStart(2, '0')})`
}

/** authenticatorMakeCredential parameter keys (CTAP 2.1 §6.1). */
export const MC = {
  CLIENT_DATA_HASH: 0x01,
  RP: 0x02,
  USER: 0x03,
  PUB_KEY_CRED_PARAMS: 0x04,
  EXCLUDE_LIST: 0x05,
  EXTENSIONS: 0x06,
  OPTIONS: 0x07,
  PIN_UV_AUTH_PARAM: 0x08,
  PIN_UV_AUTH_PROTOCOL: 0x09,
  ENTERPRISE_ATTESTATION: 0x0a,
} as const

/** authenticatorMakeCredential response keys (CTAP 2.1 §6.1.2). */
export const MC_RESPONSE = { FMT: 0x01, AUTH_DATA: 0x02, ATT_STMT: 0x03, EP_ATT: 0x04 } as const

/** authenticatorGetAssertion parameter keys (CTAP 2.1 §6.2). */
export const GA = {
  RP_ID: 0x01,
  CLIENT_DATA_HASH: 0x02,
  ALLOW_LIST: 0x03,
  EXTENSIONS: 0x04,
  OPTIONS: 0x05,
  PIN_UV_AUTH_PARAM: 0x06,
  PIN_UV_AUTH_PROTOCOL: 0x07,
} as const

/** authenticatorGetAssertion response keys (CTAP 2.1 §6.2.2). */
export const GA_RESPONSE = {
  CREDENTIAL: 0x01,
  AUTH_DATA: 0x02,
  SIGNATURE: 0x03,
  USER: 0x04,
  NUMBER_OF_CREDENTIALS: 0x05,
  USER_SELECTED: 0x06,
} as const

/** authenticatorGetInfo response keys (CTAP 2.1 §6.4). */
export const INFO = {
  VERSIONS: 0x01,
  EXTENSIONS: 0x02,
  AAGUID: 0x03,
  OPTIONS: 0x04,
  MAX_MSG_SIZE: 0x05,
  PIN_UV_AUTH_PROTOCOLS: 0x06,
  MAX_CREDENTIAL_COUNT_IN_LIST: 0x07,
  MAX_CREDENTIAL_ID_LENGTH: 0x08,
  TRANSPORTS: 0x09,
  ALGORITHMS: 0x0a,
  MIN_PIN_LENGTH: 0x0d,
  FIRMWARE_VERSION: 0x0e,
} as const

/** authenticatorClientPIN parameter keys (CTAP 2.1 §6.5.5). */
export const CP = {
  PIN_UV_AUTH_PROTOCOL: 0x01,
  SUB_COMMAND: 0x02,
  KEY_AGREEMENT: 0x03,
  PIN_UV_AUTH_PARAM: 0x04,
  NEW_PIN_ENC: 0x05,
  PIN_HASH_ENC: 0x06,
  PERMISSIONS: 0x09,
  RP_ID: 0x0a,
} as const

/** authenticatorClientPIN response keys (CTAP 2.1 §6.5.5). */
export const CP_RESPONSE = {
  KEY_AGREEMENT: 0x01,
  PIN_UV_AUTH_TOKEN: 0x02,
  PIN_RETRIES: 0x03,
  POWER_CYCLE_STATE: 0x04,
  UV_RETRIES: 0x05,
} as const

/** authenticatorClientPIN subcommands (CTAP 2.1 §6.5.5). */
export const CP_SUBCMD = {
  GET_PIN_RETRIES: 0x01,
  GET_KEY_AGREEMENT: 0x02,
  SET_PIN: 0x03,
  CHANGE_PIN: 0x04,
  GET_PIN_TOKEN: 0x05,
  GET_PIN_UV_AUTH_TOKEN_USING_UV_WITH_PERMISSIONS: 0x06,
  GET_UV_RETRIES: 0x07,
  GET_PIN_UV_AUTH_TOKEN_USING_PIN_WITH_PERMISSIONS: 0x09,
} as const

/** pinUvAuthToken permissions (CTAP 2.1 §6.5.5.7). */
export const PERMISSION = {
  MAKE_CREDENTIAL: 0x01,
  GET_ASSERTION: 0x02,
  CREDENTIAL_MANAGEMENT: 0x04,
  BIO_ENROLLMENT: 0x08,
  LARGE_BLOB_WRITE: 0x10,
  AUTHENTICATOR_CONFIG: 0x20,
} as const

/** authenticatorCredentialManagement parameter keys (CTAP 2.1 §6.8). */
export const CM = {
  SUB_COMMAND: 0x01,
  SUB_COMMAND_PARAMS: 0x02,
  PIN_UV_AUTH_PROTOCOL: 0x03,
  PIN_UV_AUTH_PARAM: 0x04,
} as const

/** authenticatorCredentialManagement subCommandParams keys (CTAP 2.1 §6.8). */
export const CM_PARAM = { RP_ID_HASH: 0x01, CREDENTIAL_ID: 0x02, USER: 0x03 } as const

/** authenticatorCredentialManagement subcommands (CTAP 2.1 §6.8). */
export const CM_SUBCMD = {
  GET_CREDS_METADATA: 0x01,
  ENUMERATE_RPS_BEGIN: 0x02,
  ENUMERATE_RPS_GET_NEXT_RP: 0x03,
  ENUMERATE_CREDENTIALS_BEGIN: 0x04,
  ENUMERATE_CREDENTIALS_GET_NEXT_CREDENTIAL: 0x05,
  DELETE_CREDENTIAL: 0x06,
  UPDATE_USER_INFORMATION: 0x07,
} as const

/** authenticatorCredentialManagement response keys (CTAP 2.1 §6.8). */
export const CM_RESPONSE = {
  EXISTING_RESIDENT_CREDENTIALS_COUNT: 0x01,
  MAX_POSSIBLE_REMAINING_RESIDENT_CREDENTIALS_COUNT: 0x02,
  RP: 0x03,
  RP_ID_HASH: 0x04,
  TOTAL_RPS: 0x05,
  USER: 0x06,
  CREDENTIAL_ID: 0x07,
  PUBLIC_KEY: 0x08,
  TOTAL_CREDENTIALS: 0x09,
  CRED_PROTECT: 0x0a,
} as const

/** credProtect levels (CTAP 2.1 §12.1). */
export const CRED_PROTECT = {
  USER_VERIFICATION_OPTIONAL: 1,
  USER_VERIFICATION_OPTIONAL_WITH_CREDENTIAL_ID_LIST: 2,
  USER_VERIFICATION_REQUIRED: 3,
} as const

/** COSE identifiers used here (RFC 9052/9053, IANA COSE registries). */
export const COSE = {
  KTY: 1,
  ALG: 3,
  CRV: -1,
  X: -2,
  Y: -3,
  KTY_EC2: 2,
  CRV_P256: 1,
  ALG_ES256: -7,
  /** ECDH-ES + HKDF-256: the alg value CTAP puts in the PIN key-agreement key (§6.5.6). */
  ALG_ECDH_ES_HKDF_256: -25,
} as const

/** authenticator data flags (WebAuthn §6.1). */
export const AUTH_DATA_FLAG = {
  UP: 0x01,
  UV: 0x04,
  BE: 0x08,
  BS: 0x10,
  AT: 0x40,
  ED: 0x80,
} as const
