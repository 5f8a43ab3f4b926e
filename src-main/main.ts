/**
 * Electron entry: single instance, one kiosk window, the engine behind IPC.
 * Every decision with logic lives in src-main/shell/ (tested without
 * Electron); this file only wires Electron's objects to it.
 */

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  safeStorage,
  session,
  type Session,
} from 'electron'

import { ConfigError, loadConfigFile, parseConfig, type Config } from './config'
import { createLogger } from './log'
import { openRuntime, StartupError, type Runtime } from './runtime'
import { createAppProtocolHandler } from './shell/app-protocol'
import { lockCommandLine } from './shell/command-line'
import { configCandidates, pickConfigLocation } from './shell/config-locations'
import { guardSession, guardWebContents } from './shell/guards'
import { bindIpc, createEventForwarder, createTrustedSenderCheck } from './shell/ipc'
import { chooseKeyProvider, KeychainUnavailableError } from './shell/keychain'
import { watchKioskPage } from './shell/page-lifecycle'
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  createKioskWindow,
  SESSION_PARTITION,
} from './shell/window-options'

const log = createLogger()

const PRELOAD_PATH = fileURLToPath(new URL('../preload/preload.cjs', import.meta.url))
const RENDERER_DIR = fileURLToPath(new URL('../renderer/', import.meta.url))

// First of all, a packaged kiosk drops its command line (configuration comes
// from the documented files only); a switch that may already have acted stops it.
const commandLine = lockCommandLine({
  argv: process.argv,
  commandLine: app.commandLine,
  isPackaged: app.isPackaged,
  log,
})
if (!commandLine.start) {
  dialog.showErrorBox('Guichet cannot start', commandLine.message)
  app.exit(1)
}

// Before `ready`: the app:// scheme, the sandbox for every renderer, no menu
// (and with it no reload or devtools accelerators).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }])
app.enableSandbox()
Menu.setApplicationMenu(null)

let kioskWindow: BrowserWindow | null = null
let runtime: Runtime | null = null
let unbindIpc: (() => void) | null = null

function liveWindow(): BrowserWindow | null {
  return kioskWindow && !kioskWindow.isDestroyed() ? kioskWindow : null
}

function loadKioskConfig(): { config: Config; configPath: string | undefined } {
  const userDataDir = app.getPath('userData')
  const candidates = configCandidates({
    argv: process.argv,
    env: process.env,
    platform: process.platform,
    userDataDir,
    isPackaged: app.isPackaged,
  })
  const location = pickConfigLocation(candidates, existsSync)
  if (!location) {
    log.info('No configuration file found; starting on defaults', {
      tried: candidates.map((c) => c.path),
    })
    return {
      config: parseConfig({ dataDir: join(userDataDir, 'data') }, userDataDir),
      configPath: undefined,
    }
  }
  log.info('Configuration loaded', { path: location.path, source: location.source })
  return { config: loadConfigFile(location.path), configPath: location.path }
}

async function clearRendererStorage(kioskSession: Session): Promise<void> {
  await kioskSession.clearStorageData()
  await kioskSession.clearCache()
}

async function launch(): Promise<void> {
  const { config, configPath } = loadKioskConfig()
  const keyProvider = chooseKeyProvider({
    config,
    configPath,
    safeStorage,
    platform: process.platform,
    log,
  })

  const kioskSession = session.fromPartition(SESSION_PARTITION)
  guardSession(kioskSession)
  guardSession(session.defaultSession)
  kioskSession.protocol.handle(
    APP_SCHEME,
    createAppProtocolHandler(RENDERER_DIR, { issuer: config.issuer }),
  )

  const emit = createEventForwarder(() => liveWindow()?.webContents, log)
  runtime = await openRuntime(config, {
    keyProvider,
    emit,
    log,
    // The Windows WebAuthn dialogs belong to the kiosk window (fido.transport "windows").
    windowHandle: () => liveWindow()?.getNativeWindowHandle(),
  })
  unbindIpc = bindIpc(ipcMain, runtime.api, {
    log,
    isTrustedSender: createTrustedSenderCheck(() => liveWindow()?.webContents.mainFrame),
    afterSignOut: () => clearRendererStorage(kioskSession),
  })

  const win = createKioskWindow(BrowserWindow, {
    preloadPath: PRELOAD_PATH,
    kiosk: config.kiosk,
    isPackaged: app.isPackaged,
  })
  kioskWindow = win
  win.once('ready-to-show', () => win.show())
  win.on('closed', () => {
    kioskWindow = null
  })
  // A crashed, hung or reloaded page never inherits the clerk's session.
  watchKioskPage(win.webContents, {
    // pageAttached ends the session at once, then audits it.
    endSession: () => {
      runtime?.api
        .pageAttached()
        .catch((error: unknown) => log.error('Ending the session of a gone page failed', { error }))
    },
    reload: () => {
      win
        .loadURL(APP_ENTRY_URL)
        .catch((error: unknown) => log.error('Reloading the kiosk page failed', { error }))
    },
    log,
  })
  await win.loadURL(APP_ENTRY_URL)
}

function fail(error: unknown): void {
  const expected =
    error instanceof ConfigError ||
    error instanceof KeychainUnavailableError ||
    error instanceof StartupError
  const message = expected
    ? (error as Error).message
    : 'An unexpected error stopped Guichet. The details are in the log for IT.'
  log.error('Guichet could not start', { error })
  dialog.showErrorBox('Guichet cannot start', message)
  app.exit(1)
}

async function shutDown(): Promise<void> {
  unbindIpc?.()
  unbindIpc = null
  const open = runtime
  runtime = null
  await open?.close()
}

if (!commandLine.start) {
  // app.exit above: nothing else starts.
} else if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    const win = liveWindow()
    if (!win) return
    if (win.isMinimized()) win.restore()
    win.focus()
  })
  app.on('web-contents-created', (_event, contents) => {
    guardWebContents(contents, { isPackaged: app.isPackaged, log })
  })
  app.on('window-all-closed', () => app.quit())
  app.on('will-quit', (event) => {
    if (!runtime && !unbindIpc) return
    event.preventDefault()
    shutDown()
      .catch((error: unknown) => log.error('Closing the engine failed', { error }))
      .finally(() => app.quit())
  })
  app.whenReady().then(launch).catch(fail)
}
