/**
 * Several keys plugged in at once, over UDP: the clerk touches the one to use (« touchez la clé à
 * utiliser »). A CTAP 2.1 key is asked with authenticatorSelection (CTAP 2.1 §6.9), a CTAP 2.0 key
 * (--ctap20) with a makeCredential carrying an empty pinUvAuthParam (§6.1.2 step 1); the key not
 * touched is cancelled and keeps nothing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createKeyClient } from '../../../src-main/fido'
import type { KeyStatus } from '../../../src-main/fido'
import { startUdpKeys } from './support/udp-keys'
import type { UdpKeys } from './support/udp-keys'

const PIN = '4242'
let keys: UdpKeys | undefined

afterEach(async () => {
  await keys?.close()
  keys = undefined
})

async function registerByTouch(touched: number): Promise<{ statuses: KeyStatus[] }> {
  if (!keys) throw new Error('no keys')
  const client = createKeyClient({ origin: 'app://guichet', transport: keys.source })
  const statuses: KeyStatus[] = []
  const registering = client.makeCredential({
    challenge: new Uint8Array(32).fill(3),
    rp: { id: 'guichet', name: 'Guichet' },
    user: { id: Uint8Array.of(7), name: 'camille', displayName: 'Camille' },
    excludeCredentialIDs: [],
    residentKey: true,
    userVerification: true,
    pin: PIN,
    timeoutMs: 10_000,
    onStatus: (status) => statuses.push(status),
  })
  const chosen = keys.keys[touched]
  if (!chosen) throw new Error('no such key')
  await chosen.waitForTouchRequest()
  chosen.touch() // the selection gesture
  // then the registration's own touch on the chosen key
  await chosen.waitForTouchRequest()
  chosen.touch()
  await registering
  await client.close()
  return { statuses }
}

describe('several keys on several UDP ports', () => {
  it.each([
    ['the CTAP 2.0 one', 1],
    ['the CTAP 2.1 one', 0],
  ])('the touched key registers (%s), the other keeps nothing', async (_name, touched) => {
    keys = await startUdpKeys([
      { pin: PIN, userPresence: 'wait' },
      { pin: PIN, userPresence: 'wait', ctap20: true },
    ])
    const { statuses } = await registerByTouch(touched)
    expect(statuses).toContain('touch')
    expect(keys.keys[touched]?.listCredentials()).toHaveLength(1)
    expect(keys.keys[1 - touched]?.listCredentials()).toHaveLength(0)
  })
})
