// KeysRepo.withAccount on either store: the account, its keys and the throttle
// row of an address in one statement, exactly what byId, listByUser and
// throttle.get answer separately (the key step of a sign-in reads it so).

import { expect } from 'vitest'
import type { Repos, ThrottlePolicy } from '../../src-main/store/types'

const POLICY: ThrottlePolicy = {
  freeFailures: 5,
  baseWaitMs: 30_000,
  maxWaitMs: 900_000,
  forgetAfterMs: 86_400_000,
}

async function separately(store: Repos, userId: number, subject: string) {
  return {
    user: await store.users.byId(userId),
    keys: await store.keys.listByUser(userId),
    throttle: await store.throttle.get(subject),
  }
}

/** Checks withAccount against the separate reads on accounts with 0, 1 and 3 keys, locked or not, and gone. */
export async function checkKeyStepRead(store: Repos, label: string): Promise<void> {
  const email = (n: string) => `${label}.${n}@mairie.fr`
  const newUser = async (n: string, extra: { temporary?: boolean } = {}) => {
    const id = await store.users.insert({
      email: email(n),
      name: `Agent ${n}`,
      passwordHash: `$argon2id$${n}`,
      mustChangePassword: extra.temporary === true,
      passwordExpiresAt: extra.temporary ? 86_400_000 : null,
      now: 1_000,
    })
    if (id === undefined) throw new Error('user not inserted')
    return id
  }
  const addKey = (userId: number, id: string, createdAt: number, discoverable = false) =>
    store.keys.insert({
      id,
      userId,
      credentialID: `${label}-${id}`,
      publicKey: new Uint8Array([1, 2, 3, createdAt % 256, 0, 255]),
      signCount: createdAt,
      aaguid: '00000000-0000-0000-0000-000000000000',
      fmt: 'packed',
      discoverable,
      name: `Clé ${id}`,
      createdAt,
      lastUsedAt: createdAt === 3_000 ? 4_000 : null,
    })

  const none = await newUser('none')
  const one = await newUser('one', { temporary: true })
  const three = await newUser('three')
  await addKey(one, 'k1', 2_000, true)
  // inserted out of order: read back oldest first, ties by id
  await addKey(three, 'k4', 3_000)
  await addKey(three, 'k3', 2_500)
  await addKey(three, 'k2', 2_500, true)
  // another account's key and another address's throttle are not read
  await store.throttle.recordFailure(email('one'), 5_000, POLICY)
  for (let i = 0; i < 7; i++) await store.throttle.recordFailure(email('three'), 6_000, POLICY)
  await store.throttle.recordFailure(email('elsewhere'), 6_000, POLICY)
  await store.users.setDisabled(three, true, 7_000)

  const cases: [number, string][] = [
    [none, email('none')],
    [one, email('one')],
    [three, email('three')],
    // the pending address need not be the account's own (it is as typed)
    [one, email('three')],
    // an account that is gone: its throttle row is still read
    [999_999, email('one')],
    [999_999, email('nobody')],
  ]
  for (const [userId, subject] of cases) {
    const together = await store.keys.withAccount(userId, subject)
    expect(together, `${userId} ${subject}`).toEqual(await separately(store, userId, subject))
  }
  const three3 = await store.keys.withAccount(three, email('three'))
  expect(three3.keys.map((k) => k.id)).toEqual(['k2', 'k3', 'k4'])
  expect(three3.keys[0]?.publicKey).toBeInstanceOf(Uint8Array)
  expect(three3.user?.disabled).toBe(true)
  expect(three3.throttle?.failures).toBe(7)
  expect(three3.throttle?.lockedUntil).toBeGreaterThan(6_000)
  const gone = await store.keys.withAccount(999_999, email('nobody'))
  expect(gone).toEqual({ user: undefined, keys: [], throttle: undefined })
}
