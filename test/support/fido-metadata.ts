/**
 * A test FIDO Metadata Service: a root standing in for the FIDO root, a BLOB
 * signed under it (a JWT, as IT downloads it), and a key model whose vendor
 * attestation root it lists, with an attestation key and certificate that the
 * software key uses for basic attestation (WebAuthn §8.2.1). Made with
 * @peculiar/x509, the X.509 library @simplewebauthn/server itself uses.
 */

import { KeyObject, webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'
import type { VirtualAttestation } from '../../src-main/fido/virtual-key/ctap2'

x509.cryptoProvider.set(webcrypto as never)

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
const DAY = 24 * 3600_000

const b64 = (bytes: ArrayBuffer | Uint8Array): string =>
  Buffer.from(bytes as Uint8Array).toString('base64')
const b64url = (bytes: ArrayBuffer | Uint8Array | string): string =>
  Buffer.from(bytes as Uint8Array).toString('base64url')

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair
}

async function rootCa(
  name: string,
): Promise<{ keys: webcrypto.CryptoKeyPair; cert: x509.X509Certificate }> {
  const keys = await keyPair()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  })
  return { keys, cert }
}

async function issued(
  issuer: { keys: webcrypto.CryptoKeyPair; cert: x509.X509Certificate },
  subject: string,
  extensions: x509.Extension[] = [],
): Promise<{ keys: webcrypto.CryptoKeyPair; cert: x509.X509Certificate }> {
  const keys = await keyPair()
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject,
    issuer: issuer.cert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), ...extensions],
  })
  return { keys, cert }
}

export interface KeyModel {
  /** The AAGUID as a string with dashes, and as the 16 bytes a key reports. */
  aaguid: string
  aaguidBytes: Uint8Array
  /** What the software key signs its attestations with. */
  attestation: VirtualAttestation
  /** The vendor root that the metadata statement lists. */
  rootPem: string
}

/** A key model: a vendor root and an attestation certificate naming the AAGUID (id-fido-gen-ce-aaguid). */
export async function keyModel(aaguid: string, vendor = 'Test Vendor'): Promise<KeyModel> {
  const aaguidBytes = new Uint8Array(Buffer.from(aaguid.replace(/-/g, ''), 'hex'))
  const root = await rootCa(`CN=${vendor} Attestation Root, O=${vendor}, C=FR`)
  const leaf = await issued(
    root,
    `C=FR, O=${vendor}, OU=Authenticator Attestation, CN=${vendor} Key`,
    [
      new x509.Extension(
        '1.3.6.1.4.1.45724.1.1.4',
        false,
        new Uint8Array([0x04, 0x10, ...aaguidBytes]),
      ),
    ],
  )
  return {
    aaguid,
    aaguidBytes,
    attestation: {
      privateKey: KeyObject.from(leaf.keys.privateKey),
      chain: [new Uint8Array(leaf.cert.rawData)],
    },
    rootPem: root.cert.toString('pem'),
  }
}

export interface MetadataService {
  /** The PEM of the stand-in FIDO root (SettingsService 'mds'). */
  rootPem: string
  /**
   * A BLOB (JWT) listing these models, each with its statuses. `u2f` lists the
   * model as a U2F one does (no AAGUID, key identifiers instead); `roots`
   * replaces its attestation root certificates (base64 DER).
   */
  blob(
    models: { model: KeyModel; statuses?: string[]; u2f?: boolean; roots?: string[] }[],
  ): Promise<string>
}

/** A stand-in for the FIDO Metadata Service: its root and a signer of BLOBs. */
export async function metadataService(): Promise<MetadataService> {
  const root = await rootCa('CN=Test FIDO Metadata Root, O=Test FIDO, C=FR')
  const signer = await issued(root, 'CN=Test Metadata BLOB Signer, O=Test FIDO, C=FR')
  return {
    rootPem: root.cert.toString('pem'),
    async blob(models) {
      const header = { alg: 'ES256', typ: 'JWT', x5c: [b64(signer.cert.rawData)] }
      const payload = {
        legalHeader: 'Test metadata, no legal value.',
        no: 1,
        nextUpdate: new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10),
        entries: models.map(({ model, statuses = ['FIDO_CERTIFIED'], u2f, roots }) => ({
          ...(u2f
            ? { attestationCertificateKeyIdentifiers: ['bf7a6d7c3c1e0c4a8b0d2c1f4e5a6b7c8d9e0f1a'] }
            : { aaguid: model.aaguid }),
          metadataStatement: {
            legalHeader: 'Test metadata, no legal value.',
            ...(u2f
              ? {
                  attestationCertificateKeyIdentifiers: [
                    'bf7a6d7c3c1e0c4a8b0d2c1f4e5a6b7c8d9e0f1a',
                  ],
                }
              : { aaguid: model.aaguid }),
            description: 'Test key model',
            authenticatorVersion: 1,
            protocolFamily: 'fido2',
            schema: 3,
            upv: [{ major: 1, minor: 0 }],
            authenticationAlgorithms: ['secp256r1_ecdsa_sha256_raw'],
            publicKeyAlgAndEncodings: ['cose'],
            attestationTypes: ['basic_full'],
            userVerificationDetails: [[{ userVerificationMethod: 'presence_internal' }]],
            keyProtection: ['hardware', 'secure_element'],
            matcherProtection: ['on_chip'],
            attachmentHint: ['external', 'wired'],
            tcDisplay: [],
            attestationRootCertificates: roots ?? [
              model.rootPem.replace(/-----[A-Z ]+-----|\s/g, ''),
            ],
          },
          statusReports: statuses.map((status) => ({ status, effectiveDate: '2024-01-01' })),
          timeOfLastStatusChange: '2024-01-01',
        })),
      }
      const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
      const signature = await webcrypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        signer.keys.privateKey,
        new TextEncoder().encode(signingInput),
      )
      return `${signingInput}.${b64url(signature)}`
    },
  }
}
