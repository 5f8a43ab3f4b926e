/**
 * The parts of the Windows WebAuthn API (webauthn.dll) this back end uses, after the published
 * header (github.com/microsoft/webauthn, webauthn.h): constants, struct layouts as koffi types,
 * and which struct version goes with which API version.
 *
 * koffi is loaded on first use (windows-client.ts), so that the rest of the stack runs where its
 * native part is not installed; the struct types are made then (webauthnTypes).
 *
 * Every pointer member is declared `void *`: the client writes its input structs into memory it
 * allocated itself (windows-client.ts, Arena), so their addresses stay valid for the whole of an
 * asynchronous call, and reads the output structs member by member. Windows types: DWORD and
 * BOOL are 32-bit, LONG is 32-bit even on 64-bit Windows (LLP64), strings are UTF-16 WCHAR.
 *
 * API versions (webauthn.h "API Version Information"; version 1 shipped with Windows 10 1903,
 * later ones with later Windows 10 and 11 updates):
 * - 1: MAKE_CREDENTIAL_OPTIONS v3 (pCancellationId, pExcludeCredentialList),
 *   GET_ASSERTION_OPTIONS v4 (pCancellationId, pAllowCredentialList);
 * - 2: adds the credProtect extension;
 * - 3: MAKE_CREDENTIAL_OPTIONS v4, GET_ASSERTION_OPTIONS v5;
 * - 4 and later: MAKE_CREDENTIAL_OPTIONS v5, GET_ASSERTION_OPTIONS v6. Later versions append
 *   members we do not use; the DLL reads a struct by its dwVersion, so the v5/v6 structs are what
 *   we send to every version from 4 on.
 */
import type * as KoffiModule from 'koffi'

export type Koffi = typeof KoffiModule

export const WEBAUTHN_API_VERSION_1 = 1
export const WEBAUTHN_API_VERSION_2 = 2
export const WEBAUTHN_API_VERSION_3 = 3
export const WEBAUTHN_API_VERSION_4 = 4

export const WEBAUTHN_RP_ENTITY_INFORMATION_CURRENT_VERSION = 1
export const WEBAUTHN_USER_ENTITY_INFORMATION_CURRENT_VERSION = 1
export const WEBAUTHN_CLIENT_DATA_CURRENT_VERSION = 1
export const WEBAUTHN_COSE_CREDENTIAL_PARAMETER_CURRENT_VERSION = 1
export const WEBAUTHN_CREDENTIAL_CURRENT_VERSION = 1
export const WEBAUTHN_CREDENTIAL_EX_CURRENT_VERSION = 1

export const WEBAUTHN_HASH_ALGORITHM_SHA_256 = 'SHA-256'
export const WEBAUTHN_CREDENTIAL_TYPE_PUBLIC_KEY = 'public-key'
export const WEBAUTHN_EXTENSIONS_IDENTIFIER_CRED_PROTECT = 'credProtect'

export const WEBAUTHN_CTAP_TRANSPORT = {
  USB: 0x01,
  NFC: 0x02,
  BLE: 0x04,
  TEST: 0x08,
  INTERNAL: 0x10,
} as const

export const WEBAUTHN_AUTHENTICATOR_ATTACHMENT_CROSS_PLATFORM = 2

export const WEBAUTHN_USER_VERIFICATION_REQUIREMENT = {
  ANY: 0,
  REQUIRED: 1,
  PREFERRED: 2,
  DISCOURAGED: 3,
} as const

export const WEBAUTHN_ATTESTATION_CONVEYANCE_PREFERENCE_DIRECT = 3

/** credProtect levels (WEBAUTHN_USER_VERIFICATION_*, CTAP 2.1 §12.1 credProtect). */
export const WEBAUTHN_USER_VERIFICATION_OPTIONAL_WITH_CREDENTIAL_ID_LIST = 2

/** Which option struct versions (dwVersion) go with an API version. */
export interface StructVersions {
  makeCredentialOptions: 3 | 4 | 5
  getAssertionOptions: 4 | 5 | 6
  credProtect: boolean
}

export function structVersionsFor(apiVersion: number): StructVersions {
  if (!Number.isInteger(apiVersion) || apiVersion < WEBAUTHN_API_VERSION_1) {
    throw new RangeError(`webauthn.dll API version ${apiVersion} is not supported`)
  }
  if (apiVersion === WEBAUTHN_API_VERSION_1) {
    return { makeCredentialOptions: 3, getAssertionOptions: 4, credProtect: false }
  }
  if (apiVersion === WEBAUTHN_API_VERSION_2) {
    return { makeCredentialOptions: 3, getAssertionOptions: 4, credProtect: true }
  }
  if (apiVersion === WEBAUTHN_API_VERSION_3) {
    return { makeCredentialOptions: 4, getAssertionOptions: 5, credProtect: true }
  }
  return { makeCredentialOptions: 5, getAssertionOptions: 6, credProtect: true }
}

export interface WebAuthnTypes {
  RP_ENTITY_INFORMATION: KoffiModule.TypeObject
  USER_ENTITY_INFORMATION: KoffiModule.TypeObject
  CLIENT_DATA: KoffiModule.TypeObject
  COSE_CREDENTIAL_PARAMETER: KoffiModule.TypeObject
  COSE_CREDENTIAL_PARAMETERS: KoffiModule.TypeObject
  CREDENTIAL: KoffiModule.TypeObject
  CREDENTIALS: KoffiModule.TypeObject
  CREDENTIAL_EX: KoffiModule.TypeObject
  CREDENTIAL_LIST: KoffiModule.TypeObject
  CRED_PROTECT_EXTENSION_IN: KoffiModule.TypeObject
  EXTENSION: KoffiModule.TypeObject
  EXTENSIONS: KoffiModule.TypeObject
  MAKE_CREDENTIAL_OPTIONS: KoffiModule.TypeObject
  GET_ASSERTION_OPTIONS: KoffiModule.TypeObject
  CREDENTIAL_ATTESTATION_V1: KoffiModule.TypeObject
  CREDENTIAL_ATTESTATION_V3: KoffiModule.TypeObject
  ASSERTION_V1: KoffiModule.TypeObject
}

let types: WebAuthnTypes | undefined

/** The koffi struct types of webauthn.h, made once. */
export function webauthnTypes(k: Koffi): WebAuthnTypes {
  if (types) return types
  const DWORD = 'uint32_t'
  const BOOL = 'int32_t'
  const LONG = 'int32_t'
  const PTR = 'void *'
  const RP_ENTITY_INFORMATION = k.struct({
    dwVersion: DWORD,
    pwszId: PTR,
    pwszName: PTR,
    pwszIcon: PTR,
  })

  const USER_ENTITY_INFORMATION = k.struct({
    dwVersion: DWORD,
    cbId: DWORD,
    pbId: PTR,
    pwszName: PTR,
    pwszIcon: PTR,
    pwszDisplayName: PTR,
  })

  const CLIENT_DATA = k.struct({
    dwVersion: DWORD,
    cbClientDataJSON: DWORD,
    pbClientDataJSON: PTR,
    pwszHashAlgId: PTR,
  })

  const COSE_CREDENTIAL_PARAMETER = k.struct({
    dwVersion: DWORD,
    pwszCredentialType: PTR,
    lAlg: LONG,
  })

  const COSE_CREDENTIAL_PARAMETERS = k.struct({
    cCredentialParameters: DWORD,
    pCredentialParameters: PTR,
  })

  const CREDENTIAL = k.struct({
    dwVersion: DWORD,
    cbId: DWORD,
    pbId: PTR,
    pwszCredentialType: PTR,
  })

  const CREDENTIALS = k.struct({
    cCredentials: DWORD,
    pCredentials: PTR,
  })

  const CREDENTIAL_EX = k.struct({
    dwVersion: DWORD,
    cbId: DWORD,
    pbId: PTR,
    pwszCredentialType: PTR,
    dwTransports: DWORD,
  })

  const CREDENTIAL_LIST = k.struct({
    cCredentials: DWORD,
    /** PWEBAUTHN_CREDENTIAL_EX *: an array of pointers. */
    ppCredentials: PTR,
  })

  const CRED_PROTECT_EXTENSION_IN = k.struct({
    dwCredProtect: DWORD,
    bRequireCredProtect: BOOL,
  })

  const EXTENSION = k.struct({
    pwszExtensionIdentifier: PTR,
    cbExtension: DWORD,
    pvExtension: PTR,
  })

  const EXTENSIONS = k.struct({
    cExtensions: DWORD,
    pExtensions: PTR,
  })

  /** WEBAUTHN_AUTHENTICATOR_MAKE_CREDENTIAL_OPTIONS up to VERSION_5 (members by version below). */
  const MAKE_CREDENTIAL_OPTIONS = k.struct({
    dwVersion: DWORD,
    dwTimeoutMilliseconds: DWORD,
    CredentialList: CREDENTIALS,
    Extensions: EXTENSIONS,
    dwAuthenticatorAttachment: DWORD,
    bRequireResidentKey: BOOL,
    dwUserVerificationRequirement: DWORD,
    dwAttestationConveyancePreference: DWORD,
    dwFlags: DWORD,
    // VERSION_2
    pCancellationId: PTR,
    // VERSION_3
    pExcludeCredentialList: PTR,
    // VERSION_4
    dwEnterpriseAttestation: DWORD,
    dwLargeBlobSupport: DWORD,
    bPreferResidentKey: BOOL,
    // VERSION_5
    bBrowserInPrivateMode: BOOL,
  })

  /** WEBAUTHN_AUTHENTICATOR_GET_ASSERTION_OPTIONS up to VERSION_6. */
  const GET_ASSERTION_OPTIONS = k.struct({
    dwVersion: DWORD,
    dwTimeoutMilliseconds: DWORD,
    CredentialList: CREDENTIALS,
    Extensions: EXTENSIONS,
    dwAuthenticatorAttachment: DWORD,
    dwUserVerificationRequirement: DWORD,
    dwFlags: DWORD,
    // VERSION_2
    pwszU2fAppId: PTR,
    pbU2fAppId: PTR,
    // VERSION_3
    pCancellationId: PTR,
    // VERSION_4
    pAllowCredentialList: PTR,
    // VERSION_5
    dwCredLargeBlobOperation: DWORD,
    cbCredLargeBlob: DWORD,
    pbCredLargeBlob: PTR,
    // VERSION_6
    pHmacSecretSaltValues: PTR,
    bBrowserInPrivateMode: BOOL,
  })

  /** WEBAUTHN_CREDENTIAL_ATTESTATION, the members of VERSION_1 (every version starts with them). */
  const CREDENTIAL_ATTESTATION_V1 = k.struct({
    dwVersion: DWORD,
    pwszFormatType: PTR,
    cbAuthenticatorData: DWORD,
    pbAuthenticatorData: PTR,
    cbAttestation: DWORD,
    pbAttestation: PTR,
    dwAttestationDecodeType: DWORD,
    pvAttestationDecode: PTR,
    cbAttestationObject: DWORD,
    pbAttestationObject: PTR,
    cbCredentialId: DWORD,
    pbCredentialId: PTR,
  })

  /** WEBAUTHN_CREDENTIAL_ATTESTATION up to VERSION_3 (dwUsedTransport). */
  const CREDENTIAL_ATTESTATION_V3 = k.struct({
    dwVersion: DWORD,
    pwszFormatType: PTR,
    cbAuthenticatorData: DWORD,
    pbAuthenticatorData: PTR,
    cbAttestation: DWORD,
    pbAttestation: PTR,
    dwAttestationDecodeType: DWORD,
    pvAttestationDecode: PTR,
    cbAttestationObject: DWORD,
    pbAttestationObject: PTR,
    cbCredentialId: DWORD,
    pbCredentialId: PTR,
    // VERSION_2
    Extensions: EXTENSIONS,
    // VERSION_3
    dwUsedTransport: DWORD,
  })

  /** WEBAUTHN_ASSERTION, the members of VERSION_1. */
  const ASSERTION_V1 = k.struct({
    dwVersion: DWORD,
    cbAuthenticatorData: DWORD,
    pbAuthenticatorData: PTR,
    cbSignature: DWORD,
    pbSignature: PTR,
    Credential: CREDENTIAL,
    cbUserId: DWORD,
    pbUserId: PTR,
  })
  types = {
    RP_ENTITY_INFORMATION,
    USER_ENTITY_INFORMATION,
    CLIENT_DATA,
    COSE_CREDENTIAL_PARAMETER,
    COSE_CREDENTIAL_PARAMETERS,
    CREDENTIAL,
    CREDENTIALS,
    CREDENTIAL_EX,
    CREDENTIAL_LIST,
    CRED_PROTECT_EXTENSION_IN,
    EXTENSION,
    EXTENSIONS,
    MAKE_CREDENTIAL_OPTIONS,
    GET_ASSERTION_OPTIONS,
    CREDENTIAL_ATTESTATION_V1,
    CREDENTIAL_ATTESTATION_V3,
    ASSERTION_V1,
  }
  return types
}

export const GUID_SIZE = 16

/** The functions of webauthn.dll the client calls, declared as webauthn.h declares them. */
export const FUNCTIONS = {
  getApiVersionNumber: 'uint32_t __stdcall WebAuthNGetApiVersionNumber()',
  makeCredential:
    'int32_t __stdcall WebAuthNAuthenticatorMakeCredential(void *hWnd, void *pRpInformation, void *pUserInformation, void *pPubKeyCredParams, void *pWebAuthNClientData, void *pWebAuthNMakeCredentialOptions, _Out_ void **ppWebAuthNCredentialAttestation)',
  getAssertion:
    'int32_t __stdcall WebAuthNAuthenticatorGetAssertion(void *hWnd, void *pwszRpId, void *pWebAuthNClientData, void *pWebAuthNGetAssertionOptions, _Out_ void **ppWebAuthNAssertion)',
  freeCredentialAttestation:
    'void __stdcall WebAuthNFreeCredentialAttestation(void *pWebAuthNCredentialAttestation)',
  freeAssertion: 'void __stdcall WebAuthNFreeAssertion(void *pWebAuthNAssertion)',
  getCancellationId: 'int32_t __stdcall WebAuthNGetCancellationId(void *pCancellationId)',
  cancelCurrentOperation: 'int32_t __stdcall WebAuthNCancelCurrentOperation(void *pCancellationId)',
  getErrorName: 'void * __stdcall WebAuthNGetErrorName(int32_t hr)',
} as const
