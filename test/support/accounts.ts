/**
 * Account states the integration tests set up directly in the store, as IT or another terminal
 * would leave them: IT's temporary password (valid 24 hours, to be changed at first sign-in) and
 * a key registered elsewhere (no key is asked here).
 */
import { hashPassword } from '../../src-main/engine/password'
import type { TestBed } from './env'

/** A temporary password as IT gives one (`npm run admin -- user reset-password`). */
export const TEMPORARY = 'K7QM-2XPA-9RTV-WB4N-HJ3C'

/** IT gave the account a temporary password: valid 24 hours, to be changed at first sign-in. */
export async function giveTemporaryPassword(bed: TestBed, userId = 1): Promise<void> {
  await bed.store.users.setPassword(userId, {
    passwordHash: await hashPassword(TEMPORARY),
    mustChange: true,
    expiresAt: bed.clock.t + 24 * 3600_000,
    now: bed.clock.t,
  })
}

/** A key on the account, written as another terminal's registration would. */
export async function giveKey(bed: TestBed, userId = 1): Promise<void> {
  await bed.store.keys.insert({
    id: `cle-${userId}`,
    userId,
    credentialID: 'AAAAAAAAAAAAAAAAAAAAAA',
    publicKey: new Uint8Array([1, 2, 3]),
    signCount: 0,
    aaguid: '00000000-0000-0000-0000-000000000000',
    fmt: 'none',
    discoverable: false,
    name: 'Clé',
    createdAt: bed.clock.t,
    lastUsedAt: null,
  })
}
