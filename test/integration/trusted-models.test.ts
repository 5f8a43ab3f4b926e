/**
 * IT's trusted key models (issue 14): with `fido.allowedAaguids`, the model is
 * what the attestation chain proves under the FIDO metadata, never the AAGUID
 * a key claims. The metadata BLOB and the models come from a stand-in FIDO
 * Metadata Service (test/support/fido-metadata.ts); the software key signs
 * basic attestations with the model's attestation certificate.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SettingsService } from '@simplewebauthn/server'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { parseConfig, ConfigError } from '../../src-main/config'
import { createVirtualKeyState } from '../../src-main/fido/virtual-key/state'
import { createKeyClient, createMemoryDeviceSource, VirtualKey } from '../../src-main/fido'
import type { VirtualAttestation } from '../../src-main/fido/virtual-key/ctap2'
import {
  keyModel,
  metadataService,
  type KeyModel,
  type MetadataService,
} from '../support/fido-metadata'
import { silentLogger, type Logger } from '../../src-main/log'
import { loadTrustedModels } from '../../src-main/engine/trusted-models'
import { encodeCbor, type CborValue } from '../../src-main/fido/protocol/cbor'
import { toBase64Url } from '../../src-main/fido/protocol/bytes'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'
const ALLOWED = '2fc0579f-8113-47ea-b116-bb5a8db9202a'

let dir: string
let mds: MetadataService
let allowed: KeyModel
let bed: TestBed | undefined

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'guichet-mds-'))
  mds = await metadataService()
  allowed = await keyModel(ALLOWED)
  // The FIDO root as verifyMDSBlob reads it (@simplewebauthn/server ships the real one).
  SettingsService.setRootCertificates({ identifier: 'mds', certificates: [mds.rootPem] })
})
afterAll(() => rm(dir, { recursive: true, force: true }))
afterEach(async () => {
  await bed?.close()
  bed = undefined
})

/** A software key reporting `aaguid`, attesting with `attestation` (self attestation when absent). */
function softwareKey(aaguid: Uint8Array, attestation?: VirtualAttestation): VirtualKey {
  const state = createVirtualKeyState()
  state.aaguid = aaguid
  return new VirtualKey({ state, userPresence: 'approve', ...(attestation ? { attestation } : {}) })
}

async function registerWith(
  key: VirtualKey,
  blob: string,
  options: { allowedAaguids?: string[]; log?: Logger } = {},
): Promise<ReturnType<TestBed['engine']['registerKey']>> {
  const metadataFile = join(dir, `blob-${Math.random().toString(36).slice(2)}.jwt`)
  await writeFile(metadataFile, blob)
  bed = await startBed(
    { fido: { allowedAaguids: options.allowedAaguids ?? [ALLOWED], metadataFile } },
    {
      log: options.log,
      keyClient: createKeyClient({
        origin: 'app://guichet',
        transport: createMemoryDeviceSource({ keys: [key], pollIntervalMs: 20 }),
      }),
    },
  )
  await addUser(bed.store, EMAIL)
  value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
  value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
  return bed.engine.registerKey({ name: 'Clé' })
}

async function refusalDetail(): Promise<string | null> {
  const entries = await bed!.store.audit.list()
  return entries.find((e) => e.event === 'key-added' && e.outcome === 'fail')?.detail ?? null
}

describe('trusted key models (fido.allowedAaguids + fido.metadataFile)', () => {
  it('registers a key whose attestation chains to the allowed model’s root in the metadata', async () => {
    const key = softwareKey(allowed.aaguidBytes, allowed.attestation)
    const factors = value(await registerWith(key, await mds.blob([{ model: allowed }])))
    expect(factors.keys).toHaveLength(1)
    const added = (await bed!.store.audit.list()).find((e) => e.event === 'key-added')
    expect(added).toMatchObject({ outcome: 'ok', detail: `aaguid ${ALLOWED} fmt packed` })
  })

  it('refuses self attestation claiming the allowed AAGUID: any key can claim any model', async () => {
    const key = softwareKey(allowed.aaguidBytes)
    expect(await registerWith(key, await mds.blob([{ model: allowed }]))).toEqual({
      ok: false,
      error: { code: 'FIDO_KEY_NOT_ALLOWED' },
    })
    expect(await bed!.store.keys.listByUser(1)).toEqual([])
    expect(await refusalDetail()).toMatch(/attestation without a certificate/)
  })

  it('refuses an attestation whose certificate list is present but empty, as without a certificate', async () => {
    // defence in depth: @simplewebauthn refuses such a statement first for the formats it knows
    const metadataFile = join(dir, 'blob-empty-x5c.jwt')
    await writeFile(metadataFile, await mds.blob([{ model: allowed }]))
    const models = await loadTrustedModels(metadataFile, [ALLOWED])
    const attStmt = new Map<string, CborValue>([
      ['alg', -7],
      ['sig', new Uint8Array(70)],
      ['x5c', []],
    ])
    const attestationObject = encodeCbor(
      new Map<string, CborValue>([
        ['fmt', 'packed'],
        ['attStmt', attStmt],
        ['authData', new Uint8Array(37)],
      ]),
    )
    expect(await models.refusal(toBase64Url(attestationObject), ALLOWED)).toBe(
      `model ${ALLOWED}: packed attestation without a certificate`,
    )
  })

  it('refuses an attestation certificate from another vendor’s root, even with the allowed AAGUID', async () => {
    const impostor = await keyModel(ALLOWED, 'Impostor')
    const key = softwareKey(allowed.aaguidBytes, impostor.attestation)
    expect(await registerWith(key, await mds.blob([{ model: allowed }]))).toMatchObject({
      ok: false,
      error: { code: 'FIDO_KEY_NOT_ALLOWED' },
    })
    expect(await refusalDetail()).toMatch(/chain not trusted/)
  })

  it('refuses a model the allow-list does not name, whatever its attestation', async () => {
    const other = await keyModel('00000000-0000-4000-8000-000000000001', 'Other')
    const key = softwareKey(other.aaguidBytes, other.attestation)
    const blob = await mds.blob([{ model: allowed }, { model: other }])
    expect(await registerWith(key, blob)).toMatchObject({
      ok: false,
      error: { code: 'FIDO_KEY_NOT_ALLOWED' },
    })
    expect(await refusalDetail()).toMatch(/not allowed/)
  })

  it.each(['REVOKED', 'ATTESTATION_KEY_COMPROMISE', 'USER_VERIFICATION_BYPASS'])(
    'refuses an allowed model whose metadata status is %s',
    async (status) => {
      const key = softwareKey(allowed.aaguidBytes, allowed.attestation)
      const blob = await mds.blob([{ model: allowed, statuses: ['FIDO_CERTIFIED', status] }])
      expect(await registerWith(key, blob)).toMatchObject({
        ok: false,
        error: { code: 'FIDO_KEY_NOT_ALLOWED' },
      })
    },
  )

  it('refuses every key when the metadata BLOB is not signed under the FIDO root', async () => {
    const forger = await metadataService()
    const key = softwareKey(allowed.aaguidBytes, allowed.attestation)
    expect(await registerWith(key, await forger.blob([{ model: allowed }]))).toMatchObject({
      ok: false,
      error: { code: 'FIDO_KEY_NOT_ALLOWED' },
    })
    expect(await refusalDetail()).toMatch(/metadata not verified/)
  })

  it('tells IT in the log, once, that no key can be registered while the BLOB is not verified', async () => {
    const forger = await metadataService()
    const errors: unknown[][] = []
    const log = { ...silentLogger, error: (...e: unknown[]) => errors.push(e) }
    const key = softwareKey(allowed.aaguidBytes, allowed.attestation)
    await registerWith(key, await forger.blob([{ model: allowed }]), { log })
    expect(errors).toEqual([
      ['no security key can be registered', { error: expect.stringMatching(/FIDO root/) }],
    ])
  })

  /** A logger that keeps IT's warnings and errors. */
  function capture(): { log: Logger; warns: unknown[][]; errors: unknown[][] } {
    const warns: unknown[][] = []
    const errors: unknown[][] = []
    const log = {
      ...silentLogger,
      warn: (...w: unknown[]) => warns.push(w),
      error: (...e: unknown[]) => errors.push(e),
    }
    return { log, warns, errors }
  }

  it('tells IT which allowed model the metadata file does not list, its AAGUID without dashes, in lower case', async () => {
    const other = await keyModel('00000000-0000-4000-8000-000000000001', 'Other')
    const { log, warns } = capture()
    const key = softwareKey(allowed.aaguidBytes, allowed.attestation)
    const result = await registerWith(key, await mds.blob([{ model: other }]), {
      allowedAaguids: [ALLOWED.toUpperCase()],
      log,
    })
    expect(result).toMatchObject({ ok: false, error: { code: 'FIDO_KEY_NOT_ALLOWED' } })
    expect(warns).toEqual([
      [
        'allowed key model not in the metadata file',
        { aaguid: '2fc0579f811347eab116bb5a8db9202a' },
      ],
    ])
  })

  it('tells IT which allowed model its metadata status refuses, and the status', async () => {
    const { log, warns } = capture()
    const key = softwareKey(allowed.aaguidBytes, allowed.attestation)
    const blob = await mds.blob([{ model: allowed, statuses: ['FIDO_CERTIFIED', 'REVOKED'] }])
    await registerWith(key, blob, { log })
    expect(warns).toEqual([
      [
        'allowed key model refused by its metadata status',
        { aaguid: '2fc0579f811347eab116bb5a8db9202a', status: 'REVOKED' },
      ],
    ])
  })

  it('finds the allowed model among others in the metadata, whatever its place', async () => {
    const other = await keyModel('00000000-0000-4000-8000-000000000001', 'Other')
    const key = softwareKey(allowed.aaguidBytes, allowed.attestation)
    const blob = await mds.blob([{ model: other }, { model: allowed }])
    expect(value(await registerWith(key, blob)).keys).toHaveLength(1)
  })

  it('reads a metadata file that also lists U2F models (no AAGUID, FIDO Metadata Service §3.1.1)', async () => {
    const u2f = await keyModel('00000000-0000-4000-8000-000000000002', 'U2F')
    const key = softwareKey(allowed.aaguidBytes, allowed.attestation)
    const blob = await mds.blob([{ model: u2f, u2f: true }, { model: allowed }])
    expect(value(await registerWith(key, blob)).keys).toHaveLength(1)
  })

  it('an allowed model listed without attestation roots trusts no attestation', async () => {
    const impostor = await keyModel(ALLOWED, 'Impostor')
    const key = softwareKey(allowed.aaguidBytes, impostor.attestation)
    const blob = await mds.blob([{ model: allowed, roots: [] }])
    expect(await registerWith(key, blob)).toMatchObject({
      ok: false,
      error: { code: 'FIDO_KEY_NOT_ALLOWED' },
    })
    expect(await refusalDetail()).toMatch(/not allowed/)
  })

  it('reads a metadata file that ends with a line break, as a download or an editor leaves it', async () => {
    const key = softwareKey(allowed.aaguidBytes, allowed.attestation)
    const blob = `${await mds.blob([{ model: allowed }])}\r\n`
    expect(value(await registerWith(key, blob)).keys).toHaveLength(1)
  })

  it('tells IT in the log that the metadata file cannot be read, and which file', async () => {
    const { log, errors } = capture()
    const metadataFile = join(dir, 'missing.jwt')
    bed = await startBed({ fido: { allowedAaguids: [ALLOWED], metadataFile } }, { log })
    // The models are read at start, in the background.
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    expect(errors).toEqual([
      [
        'no security key can be registered',
        {
          error: expect.stringMatching(
            new RegExp(
              `^The metadata file ${metadataFile} \\("fido\\.metadataFile"\\) cannot be read: .*ENOENT`,
            ),
          ),
        },
      ],
    ])
  })

  it('a metadata file without an allow-list restricts nothing and is not read', async () => {
    const key = softwareKey(allowed.aaguidBytes, allowed.attestation)
    // not a BLOB at all: read, it would refuse every key
    const factors = value(await registerWith(key, 'not a metadata BLOB', { allowedAaguids: [] }))
    expect(factors.keys).toHaveLength(1)
  })

  it('a configuration with an allow-list but no metadata file names the missing key', () => {
    expect(() => parseConfig({ dataDir: dir, fido: { allowedAaguids: [ALLOWED] } })).toThrow(
      ConfigError,
    )
    expect(() => parseConfig({ dataDir: dir, fido: { allowedAaguids: [ALLOWED] } })).toThrow(
      /fido\.metadataFile/,
    )
  })
})
