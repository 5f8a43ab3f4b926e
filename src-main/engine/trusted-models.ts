/**
 * IT's trusted key models. With `fido.allowedAaguids`, a key is registered
 * only when its attestation certificate chains to a root that the FIDO
 * Metadata Service publishes for an allowed model. The statements come from a
 * metadata BLOB file that IT downloads (`fido.metadataFile`), whose signature
 * must chain to the FIDO root (@simplewebauthn/server's verifyMDSBlob, with the
 * root it ships). Self and none attestation say nothing of the model: with an
 * allow-list they are refused, since any key may claim any AAGUID.
 */

import { readFile } from 'node:fs/promises'
import {
  convertCertBufferToPEM,
  decodeAttestationObject,
  isoBase64URL,
  validateCertificatePath,
  verifyMDSBlob,
} from '@simplewebauthn/server/helpers'
import type { MetadataBLOBPayloadEntry } from '@simplewebauthn/server'
import type { Logger } from '../log'

/** Statuses under which a model is no longer trusted (FIDO Metadata Service §3.1.4). */
const UNTRUSTED_STATUSES: ReadonlySet<string> = new Set([
  'REVOKED',
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
])

/** AAGUIDs compare without dashes, in lower case. */
export const normalizeAaguid = (aaguid: string): string => aaguid.replace(/-/g, '').toLowerCase()

export class TrustedModelsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TrustedModelsError'
  }
}

export interface TrustedModels {
  /** Why this attestation is refused, or undefined when it comes from a trusted model. */
  refusal(attestationObject: string, aaguid: string): Promise<string | undefined>
}

function untrustedStatus(entry: MetadataBLOBPayloadEntry): string | undefined {
  return entry.statusReports.map((r) => r.status).find((s) => UNTRUSTED_STATUSES.has(s))
}

/**
 * Reads and verifies the BLOB, and keeps the attestation roots of the allowed
 * models that it lists with no revoked or compromised status.
 */
export async function loadTrustedModels(
  file: string,
  allowedAaguids: readonly string[],
  log?: Logger,
): Promise<TrustedModels> {
  let blob: string
  try {
    blob = (await readFile(file, 'utf8')).trim()
  } catch (error) {
    throw new TrustedModelsError(
      `The metadata file ${file} ("fido.metadataFile") cannot be read: ${(error as Error).message}`,
      { cause: error },
    )
  }
  let entries: MetadataBLOBPayloadEntry[]
  try {
    entries = (await verifyMDSBlob(blob)).payload.entries
  } catch (error) {
    throw new TrustedModelsError(
      `The metadata file ${file} ("fido.metadataFile") is not a FIDO metadata BLOB signed under the FIDO root: ${(error as Error).message}`,
      { cause: error },
    )
  }
  const roots = new Map<string, string[]>()
  for (const wanted of allowedAaguids.map(normalizeAaguid)) {
    const entry = entries.find((e) => e.aaguid && normalizeAaguid(e.aaguid) === wanted)
    const statement = entry?.metadataStatement
    if (!entry || !statement) {
      log?.warn('allowed key model not in the metadata file', { aaguid: wanted })
      continue
    }
    const status = untrustedStatus(entry)
    if (status) {
      log?.warn('allowed key model refused by its metadata status', { aaguid: wanted, status })
      continue
    }
    const pems = statement.attestationRootCertificates.map((b64) =>
      convertCertBufferToPEM(isoBase64URL.toBuffer(b64, 'base64')),
    )
    if (pems.length > 0) roots.set(wanted, pems)
  }
  return {
    async refusal(attestationObject, aaguid) {
      const anchors = roots.get(normalizeAaguid(aaguid))
      if (!anchors) return `model ${aaguid} not allowed`
      const decoded = decodeAttestationObject(isoBase64URL.toBuffer(attestationObject))
      const x5c = decoded.get('attStmt').get('x5c')
      if (!x5c || x5c.length === 0) {
        return `model ${aaguid}: ${decoded.get('fmt')} attestation without a certificate`
      }
      try {
        await validateCertificatePath(x5c.map(convertCertBufferToPEM), anchors)
        return undefined
      } catch (error) {
        return `model ${aaguid}: attestation chain not trusted (${(error as Error).message})`
      }
    },
  }
}
