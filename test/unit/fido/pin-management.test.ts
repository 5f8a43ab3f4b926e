/**
 * The key client's own PIN operations against the software key, without the engine in front:
 * readPinInfo (CTAP 2.1 §6.4 clientPin, minPINLength), setPin (§6.5.5.5) and changePin
 * (§6.5.5.6) guard themselves — a key that has a PIN, a key that cannot have one, a PIN that
 * breaks §6.5.1 — before anything reaches the key, with the error codes the screens know.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createKeyClient, createMemoryDeviceSource, VirtualKey } from '../../../src-main/fido'
import type { VirtualKeyOptions } from '../../../src-main/fido'

let client: ReturnType<typeof createKeyClient> | undefined
afterEach(async () => {
  await client?.close()
  client = undefined
})

function clientFor(options: VirtualKeyOptions): { key: VirtualKey } {
  const key = new VirtualKey({ userPresence: 'approve', ...options })
  client = createKeyClient({
    origin: 'app://guichet',
    transport: createMemoryDeviceSource({ keys: [key], pollIntervalMs: 20 }),
  })
  return { key }
}

const OP = { timeoutMs: 5_000 }

describe('key client: the key’s PIN', () => {
  it.each([
    ['CTAP 2.1', {}, 2],
    ['CTAP 2.1, protocol 1 only', { pinUvAuthProtocols: [1] as (1 | 2)[] }, 1],
    ['CTAP 2.0', { ctap20: true }, 1],
  ] as const)(
    '%s: reads, sets (§6.5.5.5) and changes (§6.5.5.6) it',
    async (_n, options, protocol) => {
      const { key } = clientFor(options)
      expect(await client!.readPinInfo(OP)).toMatchObject({
        pin: 'not-set',
        minPinLength: 4,
        pinProtocol: protocol,
        aaguid: expect.stringMatching(/^[0-9a-f]{32}$/),
      })
      await client!.setPin({ ...OP, pin: '2468' })
      // the connection is read again after setPIN: clientPin is now true
      expect((await client!.readPinInfo(OP)).pin).toBe('set')
      await expect(client!.setPin({ ...OP, pin: '1357' })).rejects.toMatchObject({
        code: 'FIDO_PIN_ALREADY_SET',
      })
      await expect(
        client!.changePin({ ...OP, currentPin: '0000', newPin: '1357' }),
      ).rejects.toMatchObject({ code: 'FIDO_PIN_INVALID', attemptsLeft: 7 })
      await client!.changePin({ ...OP, currentPin: '2468', newPin: '1357' })
      expect(key.pinRetries).toBe(8)
    },
  )

  it('§6.5.1: a new PIN too short for the key or longer than 63 bytes never leaves the client', async () => {
    const { key } = clientFor({ minPinLength: 6 })
    await expect(client!.setPin({ ...OP, pin: '12345' })).rejects.toMatchObject({
      code: 'FIDO_PIN_POLICY',
    })
    await expect(client!.setPin({ ...OP, pin: 'é'.repeat(32) })).rejects.toMatchObject({
      code: 'FIDO_PIN_POLICY',
    })
    expect(key.hasPin).toBe(false)
  })

  it('a U2F-only key cannot have a PIN; a key without one has none to change', async () => {
    clientFor({ u2fOnly: true })
    expect((await client!.readPinInfo(OP)).pin).toBe('unsupported')
    await expect(client!.setPin({ ...OP, pin: '2468' })).rejects.toMatchObject({
      code: 'FIDO_PIN_UNSUPPORTED',
    })
    await client!.close()
    clientFor({})
    await expect(
      client!.changePin({ ...OP, currentPin: '1111', newPin: '2468' }),
    ).rejects.toMatchObject({ code: 'FIDO_PIN_NOT_SET' })
  })
})
