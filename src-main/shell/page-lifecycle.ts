/**
 * A page never inherits a session. Whenever the kiosk page goes away or is
 * replaced — its renderer crashed or was killed (`render-process-gone`), the
 * main frame starts a new document (`did-start-navigation`: a reload, a new
 * load), or the page hangs (`unresponsive`) — the engine's session ends
 * first, synchronously, before any new page can call the engine. A page that
 * is gone or hung is then loaded afresh, so the terminal shows the sign-in
 * screen again rather than a dead window.
 *
 * Typed against the few members used, so the unit tests drive it with stand-ins.
 */

export interface RenderProcessGoneDetails {
  reason: string
  exitCode: number
}

export interface NavigationDetails {
  url: string
  isMainFrame: boolean
  isSameDocument: boolean
}

/** What this module uses of `WebContents`. */
export interface WatchedContents {
  on(
    event: 'render-process-gone',
    listener: (event: unknown, details: RenderProcessGoneDetails) => void,
  ): unknown
  on(event: 'did-start-navigation', listener: (details: NavigationDetails) => void): unknown
  on(event: 'unresponsive', listener: () => void): unknown
  isDestroyed(): boolean
  forcefullyCrashRenderer(): void
}

export type PageGoneCause = 'render-process-gone' | 'navigation' | 'unresponsive'

export interface WatchPageOptions {
  /** Ends the engine's session (synchronously: before the next page can call). */
  endSession(cause: PageGoneCause): void
  /** Loads the kiosk page afresh (after a crash or a hang). */
  reload(): void
  log: {
    warn(message: string, fields?: Record<string, unknown>): void
    error(message: string, fields?: Record<string, unknown>): void
  }
}

export function watchKioskPage(contents: WatchedContents, options: WatchPageOptions): void {
  const { endSession, reload, log } = options
  // When the page is crashed on purpose (a hang), the reload happens once, there.
  let crashingOnPurpose = false

  contents.on('render-process-gone', (_event, details) => {
    endSession('render-process-gone')
    log.error('The kiosk page is gone; its session was ended', {
      reason: details.reason,
      exitCode: details.exitCode,
    })
    crashingOnPurpose = false
    if (!contents.isDestroyed()) reload()
  })

  contents.on('did-start-navigation', (details) => {
    if (!details.isMainFrame || details.isSameDocument) return
    endSession('navigation')
  })

  contents.on('unresponsive', () => {
    endSession('unresponsive')
    log.warn('The kiosk page stopped responding; its session was ended and it is restarted')
    if (contents.isDestroyed() || crashingOnPurpose) return
    crashingOnPurpose = true
    // A hung renderer cannot be reloaded in place: end it (render-process-gone reloads).
    contents.forcefullyCrashRenderer()
  })
}
