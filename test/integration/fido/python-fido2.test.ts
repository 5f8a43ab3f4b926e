/**
 * An independent client for the software key: Yubico's python-fido2 (Debian python3-fido2),
 * over UDP, through test/fixtures/python-fido2/driver.py, against `npm run virtual-key` in its
 * default (CTAP 2.1) and --ctap20 modes. Each assertion names the CTAP 2.1 section that judges it.
 * Needs `apt-get install python3-fido2` (GUICHET_PYTHON names another interpreter that has it).
 */
import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { STATUS } from '../../../src-main/fido/protocol/ctap2-constants'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const DRIVER = fileURLToPath(new URL('../../fixtures/python-fido2/driver.py', import.meta.url))
const PYTHON = process.env['GUICHET_PYTHON'] ?? '/usr/bin/python3'
const run = promisify(execFile)
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGTERM')
})

/** `npm run virtual-key -- ARGS`, resolved with the ports it printed. */
async function virtualKeys(args: string[], count = 1): Promise<number[]> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src-main/fido/virtual-key/cli.ts', '--port', '0', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  children.push(child)
  return new Promise<number[]>((resolve, reject) => {
    const ports: number[] = []
    const lines = createInterface({ input: child.stdout ?? process.stdin })
    lines.on('line', (line) => {
      const match = /^Guichet virtual key listening on udp:\/\/127\.0\.0\.1:(\d+)$/.exec(line)
      if (match) ports.push(Number(match[1]))
      if (ports.length === count) resolve(ports)
    })
    child.once('exit', (code) => reject(new Error(`virtual key exited with ${code}`)))
  })
}

async function drive(port: number, mode: 'ctap21' | 'ctap20'): Promise<Record<string, unknown>> {
  const { stdout } = await run(PYTHON, [DRIVER, String(port), mode], { timeout: 60_000 })
  return JSON.parse(stdout) as Record<string, unknown>
}

describe('python-fido2 (Yubico) against the software key', () => {
  it('default mode: a CTAP 2.1 key, as python-fido2 sees it', { timeout: 60_000 }, async () => {
    const [port] = await virtualKeys([])
    const out = await drive(port ?? 0, 'ctap21')
    expect(out['fido2Version']).toMatch(/^\d+\.\d+/)
    // §6.4: what it claims, it implements (credMgmt, credProtect below)
    expect(out['info']).toMatchObject({
      versions: ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1'],
      extensions: ['credProtect'],
      options: { rk: true, credMgmt: true, pinUvAuthToken: true, clientPin: false },
      pinUvAuthProtocols: [2, 1],
    })
    expect(out['pinProtocol']).toBe(2)
    // §6.5.5.5: setPIN when a PIN is set → PIN_AUTH_INVALID
    expect(out['setPinFresh']).toBe(0)
    expect(out['setPinAgain']).toBe(STATUS.PIN_AUTH_INVALID)
    // §6.1.2 step 14: the pinUvAuthToken's permissions are cleared after use
    expect(out['makeCredentialWithToken']).toBe(0)
    expect(out['makeCredentialSameTokenAgain']).toBe(STATUS.PIN_AUTH_INVALID)
    // §6.5.5.7.2 step 4: be, lbw, acfg are not implemented → UNAUTHORIZED_PERMISSION, no retry spent
    expect(out['unsupportedPermissions']).toEqual({
      BIO_ENROLL: STATUS.UNAUTHORIZED_PERMISSION,
      LARGE_BLOB_WRITE: STATUS.UNAUTHORIZED_PERMISSION,
      AUTHENTICATOR_CFG: STATUS.UNAUTHORIZED_PERMISSION,
    })
    expect(out['retriesAfterRefusals']).toBe(8)
    // §12.1 credProtect: level 3 in the authenticator data; invisible without UV
    expect(out['credProtectInAuthData']).toEqual({ credProtect: 3 })
    expect(out['assertionProtectedWithoutUv']).toBe(STATUS.NO_CREDENTIALS)
    expect(out['assertionProtectedWithUv']).toBe(0)
    // §6.8 credential management with Yubico's CredentialManagement
    expect(out['credsMetadata']).toBe(2)
    expect(out['rps']).toEqual(['guichet', 'protected.example'])
    expect(out['guichetCredentials']).toEqual(['user-1'])
    expect(out['credProtectListed']).toEqual([3])
    expect(out['credsAfterDelete']).toBe(1)
    expect(out['rpBoundTokenEnumeratesRps']).toBe(STATUS.PIN_AUTH_INVALID)
    // §6.5.5.6: 3 wrong PINs, then blocked until a power cycle; the right PIN does not lift it
    expect(out['changePinWrong']).toEqual([
      STATUS.PIN_INVALID,
      STATUS.PIN_INVALID,
      STATUS.PIN_AUTH_BLOCKED,
    ])
    expect(out['changePinRightWhileBlocked']).toBe(STATUS.PIN_AUTH_BLOCKED)
    expect(out['retriesWhileBlocked']).toBe(5)
    expect(out['powerCycleState']).toBe(true)
    // §6.6: authenticatorReset more than 10 s after power-up → NOT_ALLOWED
    expect(out['resetAfter10s']).toBe(STATUS.NOT_ALLOWED)
  })

  it(
    '--ctap20 on several keys at once (--count 2): each is a CTAP 2.0 key',
    { timeout: 60_000 },
    async () => {
      const ports = await virtualKeys(['--count', '2', '--ctap20', '--pin', '4242'], 2)
      expect(new Set(ports).size).toBe(2)
      for (const port of ports) {
        const out = await drive(port, 'ctap20')
        expect(out['info']).toEqual({
          versions: ['U2F_V2', 'FIDO_2_0'],
          extensions: [],
          options: { rk: true, up: true, plat: false, clientPin: true },
          pinUvAuthProtocols: [1],
        })
        // python-fido2 falls back to PIN protocol 1 and getPinToken (subcommand 5)
        expect(out['pinProtocol']).toBe(1)
        expect(out['makeCredentialWithToken']).toBe(0)
        // CTAP 2.0 has no permissions: the pinToken serves until power-down
        expect(out['makeCredentialSameTokenAgain']).toBe(0)
        // CTAP 2.0 §5.1: a key with a PIN wants it for every registration (PIN_REQUIRED 0x36)
        expect(out['makeCredentialWithoutPin']).toBe(STATUS.PUAT_REQUIRED)
        // 2.1 additions are absent: subcommand 9, authenticatorSelection, credential management
        expect(out['permissionsSubcommand']).toBe(STATUS.INVALID_SUBCOMMAND)
        expect(out['selection']).toBe(STATUS.INVALID_COMMAND)
        expect(out['credentialManagementCommand']).toBe(STATUS.INVALID_COMMAND)
        expect(out['credentialManagementClass']).toBe('unsupported')
      }
    },
  )
})
