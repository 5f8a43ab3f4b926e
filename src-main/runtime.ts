/**
 * Opens everything the engine needs from a validated configuration: the data
 * folder, the store, the data key and the mailer. Used by the web host, the
 * Electron shell and the admin command, so all three start the same way.
 */

import { access, constants, mkdir } from 'node:fs/promises'
import type { Config } from './config'
import { createEngine, type Clock, type Emit, type Engine } from './engine/engine'
import { createKeyClientFromConfig, type KeyClient, type WindowHandle } from './fido'
import { createFileKeyProvider, defaultKeyFilePath, type KeyProvider } from './engine/keys'
import { createLogger, type Logger } from './log'
import { createMailer, type Mailer } from './mail/mailer'
import { openConfiguredStore } from './store/select'
import type { Store } from './store/types'

export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StartupError'
  }
}

export interface RuntimeOptions {
  keyProvider?: KeyProvider
  clock?: Clock
  emit?: Emit
  log?: Logger
  mailer?: Mailer
  /** Default: the transport of `config.fido` (webauthn.dll on Windows, USB HID, or UDP). */
  keyClient?: KeyClient
  /** The kiosk window's native handle, for the Windows dialogs (fido.transport "windows"). */
  windowHandle?: () => WindowHandle
}

export interface Runtime {
  api: Engine
  store: Store
  mailer: Mailer
  close(): Promise<void>
}

/** Creates `dataDir` (0700) if needed and proves it writable, naming it otherwise. */
export async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    await access(dataDir, constants.W_OK | constants.R_OK)
  } catch (error) {
    throw new StartupError(
      `The data folder ${dataDir} cannot be created or written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): set "dataDir" to a folder this user can write.`,
      { cause: error },
    )
  }
}

/**
 * The store of this configuration (SQLite in dataDir, or PostgreSQL when
 * "store" is set, waited for while the server is down). dataDir is prepared in
 * both cases: it still holds the data key file and the outbox.
 */
export async function openStore(config: Config, log: Logger = createLogger()): Promise<Store> {
  await prepareDataDir(config.dataDir)
  try {
    return await openConfiguredStore(config, { log })
  } catch (error) {
    throw new StartupError((error as Error).message, { cause: error })
  }
}

export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? createLogger()
  const store = await openStore(config, log)
  const mailer = options.mailer ?? createMailer(config)
  try {
    const keyProvider =
      options.keyProvider ?? createFileKeyProvider(defaultKeyFilePath(config.dataDir))
    const keyClient =
      options.keyClient ??
      createKeyClientFromConfig(config.fido, {
        ...(options.windowHandle ? { windowHandle: options.windowHandle } : {}),
        log,
      })
    const api = await createEngine({
      config,
      store,
      mailer,
      keyProvider,
      clock: options.clock,
      log,
      emit: options.emit,
      keyClient,
    })
    return {
      api,
      store,
      mailer,
      async close() {
        api.reset()
        api.close()
        mailer.close()
        await keyClient.close?.()
        await store.close()
      },
    }
  } catch (error) {
    mailer.close()
    await store.close().catch(() => undefined)
    throw new StartupError((error as Error).message, { cause: error })
  }
}
