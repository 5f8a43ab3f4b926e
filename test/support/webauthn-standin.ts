/**
 * The webauthn.dll stand-in (test/fixtures/webauthn-standin/webauthn-standin.c), built with gcc
 * into a temporary folder, and a "Windows" that serves its requests with the project's software
 * key: it reads the request the stand-in recorded, runs CTAP2 on a VirtualKey (with the PIN the
 * user would type in the Windows dialog when user verification is required), and hands the
 * authenticator's answer back through the stand-in.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import koffi from 'koffi'
import { fromHex } from '../../src-main/fido/protocol/bytes'
import { parseAuthenticatorData } from '../../src-main/fido/protocol/authenticator-data'
import {
  ClientPin,
  choosePinProtocol,
  supportsPermissions,
} from '../../src-main/fido/protocol/client-pin'
import { PERMISSION, STATUS } from '../../src-main/fido/protocol/ctap2-constants'
import { CtapStatusError } from '../../src-main/fido/protocol/errors'
import { createMemoryDeviceSource } from '../../src-main/fido/transport/memory-device-source'
import { connectToKey } from '../../src-main/fido/client/select-device'
import type { VirtualKey } from '../../src-main/fido/virtual-key/key'
import { encodeAttestationObject, sha256 } from '../../src-main/fido/client/webauthn-json'
import { HRESULT } from '../../src-main/fido/windows/hresult'

const SOURCE = fileURLToPath(
  new URL('../fixtures/webauthn-standin/webauthn-standin.c', import.meta.url),
)

export interface StandinCredential {
  dwVersion: number
  id: string | null
  type: string | null
  dwTransports?: number
}

export interface StandinRequest {
  op: 'makeCredential' | 'getAssertion'
  hWnd: string
  rp?: { dwVersion: number; id: string | null; name: string | null; icon: string | null }
  user?: {
    dwVersion: number
    id: string | null
    name: string | null
    displayName: string | null
    icon: string | null
  }
  pubKeyCredParams?: { dwVersion: number; type: string | null; alg: number }[]
  rpId?: string | null
  clientData: { dwVersion: number; json: string | null; hashAlg: string | null }
  options: Record<string, unknown> & {
    dwVersion: number
    dwUserVerificationRequirement: number
    pCancellationId?: string | null
    pExcludeCredentialList?: StandinCredential[] | null
    pAllowCredentialList?: StandinCredential[] | null
    Extensions: { id: string; cb: number; dwCredProtect?: number; bRequireCredProtect?: number }[]
  }
  violations: string[]
}

export interface StandinCounters {
  attestationsAllocated: number
  attestationsFreed: number
  assertionsAllocated: number
  assertionsFreed: number
  badFrees: number
  nullFrees: number
  cancelCalls: number
  cancelUnknown: number
  cancellationIds: number
  operations: number
  pending: number
}

type Fn = (...args: unknown[]) => unknown

export class Standin {
  readonly path: string
  private readonly dir: string
  private readonly fns: Record<string, Fn>

  private constructor(dir: string, path: string) {
    this.dir = dir
    this.path = path
    const lib = koffi.load(path)
    const fn = (signature: string): Fn => lib.func(signature) as Fn
    this.fns = {
      reset: fn('void StandinReset(uint32_t version, int ignoreTimeouts)'),
      delayStart: fn('void StandinDelayStart(uint32_t ms)'),
      take: fn('const char *StandinTakeRequest()'),
      error: fn('int StandinRespondError(int32_t hr)'),
      attestation: fn(
        'int StandinRespondAttestation(uint32_t version, const char16_t *format, const uint8_t *authData, uint32_t cbAuthData, const uint8_t *object, uint32_t cbObject, const uint8_t *credentialId, uint32_t cbCredentialId, uint32_t usedTransport)',
      ),
      assertion: fn(
        'int StandinRespondAssertion(uint32_t version, const uint8_t *authData, uint32_t cbAuthData, const uint8_t *signature, uint32_t cbSignature, const uint8_t *credentialId, uint32_t cbCredentialId, const uint8_t *userId, uint32_t cbUserId)',
      ),
      counters: fn('const char *StandinCounters()'),
    }
  }

  /** Compiles the stand-in with gcc (present on the CI machines; see .ci/run). */
  static build(): Standin {
    const dir = mkdtempSync(join(tmpdir(), 'guichet-webauthn-standin-'))
    const path = join(dir, 'webauthn-standin.so')
    execFileSync('gcc', [
      '-shared',
      '-fPIC',
      '-O1',
      '-Wall',
      '-Werror',
      '-o',
      path,
      SOURCE,
      '-lpthread',
    ])
    return new Standin(dir, path)
  }

  reset(apiVersion: number, options: { ignoreTimeouts?: boolean } = {}): void {
    this.fns['reset']?.(apiVersion, options.ignoreTimeouts ? 1 : 0)
  }

  /** Operations take `ms` to become known to WebAuthNCancelCurrentOperation (until reset). */
  delayStart(ms: number): void {
    this.fns['delayStart']?.(ms)
  }

  /** The request of the operation now blocked in the stand-in, as soon as there is one. */
  async nextRequest(timeoutMs = 5_000): Promise<StandinRequest> {
    const until = Date.now() + timeoutMs
    for (;;) {
      const json = this.fns['take']?.() as string | null
      if (json) return JSON.parse(json) as StandinRequest
      if (Date.now() > until) throw new Error('no request reached the stand-in')
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  respondError(hr: number): boolean {
    return this.fns['error']?.(hr | 0) === 1
  }

  respondAttestation(answer: {
    version: number
    fmt: string
    authData: Uint8Array
    attestationObject: Uint8Array
    credentialId: Uint8Array
    usedTransport: number
  }): boolean {
    return (
      this.fns['attestation']?.(
        answer.version,
        answer.fmt,
        answer.authData,
        answer.authData.length,
        answer.attestationObject,
        answer.attestationObject.length,
        answer.credentialId,
        answer.credentialId.length,
        answer.usedTransport,
      ) === 1
    )
  }

  respondAssertion(answer: {
    version: number
    authData: Uint8Array
    signature: Uint8Array
    credentialId: Uint8Array
    userId: Uint8Array
  }): boolean {
    return (
      this.fns['assertion']?.(
        answer.version,
        answer.authData,
        answer.authData.length,
        answer.signature,
        answer.signature.length,
        answer.credentialId,
        answer.credentialId.length,
        answer.userId,
        answer.userId.length,
      ) === 1
    )
  }

  counters(): StandinCounters {
    return JSON.parse(this.fns['counters']?.() as string) as StandinCounters
  }

  /** Removes the built library (it stays loaded in this process). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

export function clientDataOf(request: StandinRequest): Record<string, unknown> {
  const hex = request.clientData.json ?? ''
  return JSON.parse(new TextDecoder().decode(fromHex(hex))) as Record<string, unknown>
}

function ids(list: StandinCredential[] | null | undefined): { id: Uint8Array }[] {
  return (list ?? []).map((c) => ({ id: fromHex(c.id ?? '') }))
}

/** What Windows would answer for a CTAP2 status of the key. */
function hresultOfStatus(status: number): number {
  switch (status) {
    case STATUS.CREDENTIAL_EXCLUDED:
      return HRESULT.NTE_EXISTS
    case STATUS.NO_CREDENTIALS:
      return HRESULT.NTE_NOT_FOUND
    case STATUS.OPERATION_DENIED:
    case STATUS.PIN_INVALID:
    case STATUS.PIN_BLOCKED:
      return HRESULT.NTE_USER_CANCELLED
    default:
      return HRESULT.NTE_INVALID_PARAMETER
  }
}

/**
 * Plays Windows for one operation: takes the next request, drives `key` over CTAP2 with `pin`
 * typed in the "Windows dialog" when user verification is required, and answers through the
 * stand-in with the given output struct versions. Returns the request it served.
 */
export async function serveWithKey(
  standin: Standin,
  key: VirtualKey,
  options: {
    pin?: string
    attestationVersion?: number
    assertionVersion?: number
    usedTransport?: number
    /**
     * A platform that answers without verifying the user although it was asked to (no PIN
     * token: the key's answer then lacks the UV flag), for the engine's own check of it.
     */
    skipUserVerification?: boolean
  } = {},
): Promise<StandinRequest> {
  const request = await standin.nextRequest()
  if (request.violations.length > 0) return request
  const clientDataHash = sha256(fromHex(request.clientData.json ?? ''))
  const source = createMemoryDeviceSource({ keys: [key], pollIntervalMs: 10 })
  const connected = await connectToKey({ source, deadline: Date.now() + 5_000 })
  const call = { timeoutMs: 5_000 }
  try {
    const ctap2 = connected.ctap2
    if (!ctap2) throw new Error('the software key speaks CTAP2')
    const rpId = request.op === 'makeCredential' ? (request.rp?.id ?? '') : (request.rpId ?? '')
    let pinUv: { pinUvAuthParam: Uint8Array; pinUvAuthProtocol: number } | undefined
    if (request.options.dwUserVerificationRequirement === 1 && !options.skipUserVerification) {
      const clientPin = ClientPin.forVersion(ctap2.session, choosePinProtocol(ctap2.info))
      const token = supportsPermissions(ctap2.info)
        ? await clientPin.getPinUvAuthTokenUsingPinWithPermissions(
            options.pin ?? '',
            {
              permissions:
                request.op === 'makeCredential'
                  ? PERMISSION.MAKE_CREDENTIAL
                  : PERMISSION.GET_ASSERTION,
              rpId,
            },
            call,
          )
        : await clientPin.getPinToken(options.pin ?? '', call)
      pinUv = {
        pinUvAuthParam: clientPin.protocol.authenticate(token, clientDataHash),
        pinUvAuthProtocol: clientPin.protocol.version,
      }
    }
    if (request.op === 'makeCredential') {
      const response = await ctap2.session.makeCredential(
        {
          clientDataHash,
          rp: { id: rpId, name: request.rp?.name ?? '' },
          user: {
            id: fromHex(request.user?.id ?? ''),
            name: request.user?.name ?? '',
            displayName: request.user?.displayName ?? '',
          },
          algorithms: (request.pubKeyCredParams ?? []).map((p) => p.alg),
          excludeList: ids(request.options.pExcludeCredentialList),
          options: request.options['bRequireResidentKey'] === 1 ? { rk: true } : {},
          ...(pinUv ?? {}),
        },
        call,
      )
      const credentialId =
        parseAuthenticatorData(response.authData).attestedCredentialData?.credentialId ??
        new Uint8Array(0)
      standin.respondAttestation({
        version: options.attestationVersion ?? 4,
        fmt: response.fmt,
        authData: response.authData,
        attestationObject: encodeAttestationObject(response),
        credentialId,
        usedTransport: options.usedTransport ?? 1,
      })
    } else {
      const allowList = ids(request.options.pAllowCredentialList)
      const response = await ctap2.session.getAssertion(
        { rpId, clientDataHash, allowList, ...(pinUv ?? {}) },
        call,
      )
      standin.respondAssertion({
        version: options.assertionVersion ?? 3,
        authData: response.authData,
        signature: response.signature,
        credentialId: response.credentialId ?? allowList[0]?.id ?? new Uint8Array(0),
        userId: response.user?.id ?? new Uint8Array(0),
      })
    }
  } catch (error) {
    if (!(error instanceof CtapStatusError)) throw error
    standin.respondError(hresultOfStatus(error.status))
  } finally {
    await connected.close()
  }
  return request
}
