// A page never inherits a session (issue 13): a crashed or hung renderer, or a
// new document in the main frame, ends the engine's session before the page
// is loaded again.

import { describe, expect, it } from 'vitest'

import { watchKioskPage, type WatchedContents } from '../../../src-main/shell/page-lifecycle'
import { FakeContents, recordingLogger } from './stand-ins'

function watched(): { contents: FakeContents; log: ReturnType<typeof recordingLogger> } {
  const contents = new FakeContents()
  const log = recordingLogger()
  watchKioskPage(contents as unknown as WatchedContents, {
    endSession: (cause) => contents.calls.push(`endSession:${cause}`),
    reload: () => contents.calls.push('reload'),
    log,
  })
  return { contents, log }
}

describe('watchKioskPage', () => {
  it.each(['crashed', 'killed', 'oom', 'abnormal-exit', 'clean-exit'])(
    'render-process-gone (%s): ends the session, then reloads the page',
    (reason) => {
      const { contents, log } = watched()
      contents.emit('render-process-gone', {}, { reason, exitCode: 1 })
      expect(contents.calls).toEqual(['endSession:render-process-gone', 'reload'])
      expect(log.entries).toContainEqual(
        expect.objectContaining({ level: 'error', fields: { reason, exitCode: 1 } }),
      )
    },
  )

  it('render-process-gone of a closed window: ends the session, reloads nothing', () => {
    const { contents } = watched()
    contents.destroyed = true
    contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 })
    expect(contents.calls).toEqual(['endSession:render-process-gone'])
  })

  it('a new document in the main frame (reload, load) ends the session before it starts', () => {
    const { contents } = watched()
    contents.emit('did-start-navigation', {
      url: 'app://kiosk/index.html',
      isMainFrame: true,
      isSameDocument: false,
    })
    expect(contents.calls).toEqual(['endSession:navigation'])
  })

  it('ignores subframes and same-document navigations (history, anchors)', () => {
    const { contents } = watched()
    contents.emit('did-start-navigation', {
      url: 'app://kiosk/x',
      isMainFrame: false,
      isSameDocument: false,
    })
    contents.emit('did-start-navigation', {
      url: 'app://kiosk/index.html#top',
      isMainFrame: true,
      isSameDocument: true,
    })
    expect(contents.calls).toEqual([])
  })

  it('unresponsive: ends the session, ends the hung renderer, and the page is loaded afresh once', () => {
    const { contents } = watched()
    contents.emit('unresponsive')
    expect(contents.calls).toEqual([
      'endSession:unresponsive',
      'forcefullyCrashRenderer',
      'endSession:render-process-gone',
      'reload',
    ])
  })
})
