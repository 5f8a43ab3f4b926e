// A packaged kiosk ignores its command line: every switch is taken off
// Chromium's command line before `ready`, and one that may already have acted
// stops the start. A development build keeps them.

import { describe, expect, it } from 'vitest'

import {
  lockCommandLine,
  REFUSED_SWITCHES,
  switchNames,
} from '../../../src-main/shell/command-line'
import { FakeCommandLine, recordingLogger } from './stand-ins'

const EXE = '/opt/Guichet/guichet'

describe('switchNames', () => {
  it('reads --name, --name=value and -name after the executable, lower case, once each', () => {
    expect(
      switchNames([EXE, '--Proxy-Server=http://evil:8080', '-v=1', '--kiosk', '--kiosk', 'x.json']),
    ).toEqual(['proxy-server', 'v', 'kiosk'])
    expect(switchNames([EXE])).toEqual([])
    expect(switchNames([EXE, '--', '-'])).toEqual([])
  })
})

describe('lockCommandLine', () => {
  it('packaged: removes every switch from Chromium’s command line and logs what it ignored', () => {
    const argv = [EXE, '--config=/tmp/evil.json', '--force-device-scale-factor=3', '--lang=en']
    const commandLine = new FakeCommandLine(argv)
    const log = recordingLogger()
    const verdict = lockCommandLine({ argv, commandLine, isPackaged: true, log })
    expect(verdict).toEqual({
      start: true,
      ignored: ['config', 'force-device-scale-factor', 'lang'],
    })
    expect(commandLine.switches.size).toBe(0)
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn' }))
  })

  it.each([
    '--remote-debugging-port=9222',
    '--proxy-server=http://127.0.0.1:8080',
    '--disable-web-security',
    '--inspect=9229',
    '--js-flags=--allow-natives-syntax',
    '--user-data-dir=/tmp/other',
    '--host-resolver-rules=MAP * 127.0.0.1',
    '--no-sandbox',
  ])('packaged: refuses to start with %s (removed, and the start stops)', (arg) => {
    const argv = [EXE, arg]
    const commandLine = new FakeCommandLine(argv)
    const verdict = lockCommandLine({ argv, commandLine, isPackaged: true, log: recordingLogger() })
    expect(verdict).toMatchObject({ start: false })
    if (verdict.start) throw new Error('started')
    expect(verdict.message).toContain(arg.split('=')[0])
    expect(commandLine.switches.size).toBe(0)
  })

  it('development (npm start): leaves the command line alone', () => {
    const argv = [EXE, '.', '--remote-debugging-port=9222', '--config=/srv/k.json']
    const commandLine = new FakeCommandLine(argv)
    expect(
      lockCommandLine({ argv, commandLine, isPackaged: false, log: recordingLogger() }),
    ).toEqual({
      start: true,
      ignored: [],
    })
    expect([...commandLine.switches.keys()]).toEqual(['remote-debugging-port', 'config'])
  })

  it('refuses what Chromium reads before any app code (remote debugging, proxy, sandbox)', () => {
    for (const name of [
      'remote-debugging-port',
      'remote-debugging-pipe',
      'proxy-server',
      'no-sandbox',
    ])
      expect(REFUSED_SWITCHES.has(name), name).toBe(true)
  })
})
