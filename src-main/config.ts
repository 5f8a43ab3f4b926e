/**
 * Configuration: one JSON file, validated at start. A bad file stops the
 * program with a sentence that names the key and what was expected.
 */

import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, isAbsolute, resolve } from 'node:path'
import { z } from 'zod'

const HostPort = z
  .string()
  .regex(/^[^:\s]+:[0-9]{1,5}$/, { message: 'expected "host:port", e.g. "127.0.0.1:8111"' })

const Mail = z.union([
  z.strictObject({
    url: z
      .string()
      .regex(/^smtps?:\/\//, { message: 'expected an smtp:// or smtps:// URL' })
      .describe('SMTP server URL'),
    from: z.string().min(3).optional(),
    /** Seconds before a silent or slow mail server counts as down. */
    timeoutSeconds: z.number().int().min(1).max(120).default(10),
  }),
  z.strictObject({ outbox: z.string().min(1) }),
])

/** A postgres:// URL with no password in it: the password comes from PGPASSWORD or a file. */
const PgUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, { message: 'expected a postgres:// or postgresql:// URL' })
  .superRefine((value, ctx) => {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'not a valid URL (postgres://user@host:5432/database)',
      })
      return
    }
    if (url.password || url.searchParams.has('password'))
      ctx.addIssue({
        code: 'custom',
        message:
          'put no password in the URL: set the PGPASSWORD variable or "store.passwordFile" instead',
      })
    const sslmode = url.searchParams.get('sslmode')
    if (sslmode !== null && !['disable', 'require', 'verify-ca', 'verify-full'].includes(sslmode))
      ctx.addIssue({
        code: 'custom',
        message: `sslmode "${sslmode}": expected disable, require, verify-ca or verify-full`,
      })
    const root = url.searchParams.get('sslrootcert')
    if (root !== null && !isAbsolute(root))
      ctx.addIssue({ code: 'custom', message: 'sslrootcert must be an absolute path' })
  })

/** Many terminals, one account store: PostgreSQL. Absent: SQLite in dataDir. */
const StoreSchema = z.strictObject({
  url: PgUrl,
  /** A file holding the role's password (first line); default: PGPASSWORD, then ~/.pgpass. */
  passwordFile: z.string().min(1).optional(),
  /** How long a terminal waits for the server at start (backing off) before it gives up. */
  startupWaitSeconds: z.number().int().min(0).max(600).default(30),
})

export const ConfigSchema = z.strictObject({
  dataDir: z.string().min(1),
  mail: Mail.default({ outbox: 'outbox' }),
  issuer: z.string().trim().min(1).max(64).default('Guichet'),
  emailCodeTtlSeconds: z.number().int().min(60).max(3600).default(600),
  idleLockSeconds: z.number().int().min(5).max(86_400).default(120),
  /** The longest a signed-in session lasts, active or not (the engine ends it). */
  sessionMaxMinutes: z.number().int().min(1).max(1440).default(480),
  locale: z.enum(['fr', 'en']).default('fr'),
  terminalId: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .default(() => hostname()),
  policy: z
    .strictObject({
      emailCode: z.enum(['until-enrolled', 'first-sign-in-only']).default('until-enrolled'),
    })
    .default({ emailCode: 'until-enrolled' }),
  fido: z
    .strictObject({
      /**
       * How the kiosk reaches security keys: "hid" (USB, node-hid), "windows" (the system's
       * WebAuthn API, webauthn.dll), "udp" (a software key on loopback), or "auto": "windows"
       * on Windows, "hid" elsewhere.
       */
      transport: z.enum(['auto', 'hid', 'windows', 'udp']).default('auto'),
      udp: HostPort.default('127.0.0.1:8111'),
      /** Local port the UDP key answers to (7112 by convention; 0 = any free port). */
      udpLocalPort: z.number().int().min(0).max(65535).default(7112),
      /** Relying-party id and origin: constants of this deployment, never from the renderer. */
      rpId: z.string().min(1).default('guichet'),
      origin: z.string().min(1).default('app://guichet'),
      /** AAGUIDs of the key models IT accepts; empty means any. */
      allowedAaguids: z.array(z.string().regex(/^[0-9a-f-]{32,36}$/i)).default([]),
      /**
       * A file to append every 64-byte report to and from the keys, in the replay fixtures'
       * format (fido/transport/trace.ts). Absent (the default): no trace. The environment
       * variable GUICHET_FIDO_TRACE does the same and wins.
       */
      trace: z.string().min(1).optional(),
      /** The FIDO Metadata Service BLOB (a JWT file IT downloads): required with allowedAaguids. */
      metadataFile: z.string().min(1).optional(),
    })
    .refine((fido) => fido.allowedAaguids.length === 0 || fido.metadataFile !== undefined, {
      message:
        'required when "fido.allowedAaguids" is set: the FIDO metadata BLOB file that says which attestation roots each model has',
      path: ['metadataFile'],
    })
    .default({
      transport: 'auto',
      udp: '127.0.0.1:8111',
      udpLocalPort: 7112,
      rpId: 'guichet',
      origin: 'app://guichet',
      allowedAaguids: [],
    }),
  kiosk: z.boolean().default(true),
  /** Electron: allow the data key in a 0600 file when the OS offers no keychain. */
  allowKeyFile: z.boolean().default(false),
  store: StoreSchema.optional(),
})

export type Config = z.output<typeof ConfigSchema>
export type ConfigInput = z.input<typeof ConfigSchema>

export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

/**
 * The language of configuration errors: English for the kiosk's logs; the
 * admin command asks for IT's (`--lang`, else French, the default locale).
 */
export type ConfigLang = 'fr' | 'en'

const NNBSP = '\u202f'
const FR_TYPES: Record<string, string> = {
  string: 'un texte',
  number: 'un nombre',
  int: 'un nombre entier',
  boolean: 'true ou false',
  object: 'un objet { … }',
  array: 'une liste [ … ]',
}

function describeIssueFr(issue: z.core.$ZodIssue): string {
  const quote = (k: string): string => `«${NNBSP}${k}${NNBSP}»`
  const key = issue.path.length ? quote(issue.path.map(String).join('.')) : '(racine)'
  switch (issue.code) {
    case 'unrecognized_keys':
      return `clé${issue.keys.length > 1 ? 's' : ''} inconnue${issue.keys.length > 1 ? 's' : ''} ${issue.keys
        .map((k) => quote([...issue.path.map(String), k].join('.')))
        .join(', ')}`
    case 'invalid_type':
      return `${key}${NNBSP}: attendu ${FR_TYPES[issue.expected] ?? issue.expected}${/received undefined$/.test(issue.message) ? ' (absente)' : ''}`
    case 'invalid_value':
      return `${key}${NNBSP}: attendu ${issue.values.map((v) => JSON.stringify(v)).join(' ou ')}`
    case 'invalid_union':
      return `${key}${NNBSP}: attendu { "url": "smtp://hôte:port", "from": "…" } ou { "outbox": "dossier" }`
    case 'too_small':
      return `${key}${NNBSP}: au moins ${String(issue.minimum)}${issue.origin === 'string' ? ' caractère(s)' : ''}`
    case 'too_big':
      return `${key}${NNBSP}: au plus ${String(issue.maximum)}${issue.origin === 'string' ? ' caractères' : ''}`
    default:
      return `${key}${NNBSP}: ${issue.message}`
  }
}

function describeIssue(issue: z.core.$ZodIssue, lang: ConfigLang = 'en'): string {
  if (lang === 'fr') return describeIssueFr(issue)
  const key = issue.path.length ? issue.path.map(String).join('.') : '(top level)'
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys
        .map((k) => `"${[...issue.path.map(String), k].join('.')}"`)
        .join(', ')}`
    case 'invalid_type':
      return `"${key}": expected ${issue.expected}${/received undefined$/.test(issue.message) ? ' (missing)' : ''}`
    case 'invalid_value':
      return `"${key}": expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    case 'invalid_union':
      return `"${key}": expected { "url": "smtp://host:port", "from": "…" } or { "outbox": "dir" }`
    default:
      return `"${key}": ${issue.message}`
  }
}

/** Validates parsed JSON; relative paths are taken from `baseDir` (the file's folder). */
export function parseConfig(
  raw: unknown,
  baseDir: string = process.cwd(),
  lang: ConfigLang = 'en',
): Config {
  const result = ConfigSchema.safeParse(raw)
  if (!result.success) {
    const lines = result.error.issues.map((issue) => describeIssue(issue, lang))
    throw new ConfigError(
      lang === 'fr'
        ? `Configuration invalide${NNBSP}: ${lines.join(`${NNBSP}; `)}`
        : `Invalid configuration: ${lines.join('; ')}`,
    )
  }
  const config = result.data
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p))
  config.dataDir = abs(config.dataDir)
  if ('outbox' in config.mail) config.mail.outbox = resolve(config.dataDir, config.mail.outbox)
  if (config.store?.passwordFile) config.store.passwordFile = abs(config.store.passwordFile)
  if (config.fido.metadataFile) config.fido.metadataFile = abs(config.fido.metadataFile)
  return config
}

export function loadConfigFile(path: string, lang: ConfigLang = 'en'): Config {
  const fr = lang === 'fr'
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new ConfigError(
      fr
        ? `Le fichier de configuration ${path} est ${missing ? 'introuvable' : 'illisible'}.`
        : `Configuration file ${path} is ${missing ? 'not found' : 'unreadable'}.`,
    )
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(
      fr
        ? `Le fichier de configuration ${path} n’est pas du JSON valide${NNBSP}: ${(error as Error).message}`
        : `Configuration file ${path} is not valid JSON: ${(error as Error).message}`,
    )
  }
  try {
    return parseConfig(raw, dirname(resolve(path)), lang)
  } catch (error) {
    if (error instanceof ConfigError)
      throw new ConfigError(`${path}${fr ? NNBSP : ''}: ${error.message}`)
    throw error
  }
}

/**
 * Where the configuration comes from: `--config FILE`, then `GUICHET_CONFIG`.
 * (The Electron shell adds the system-wide and user-data locations after these.)
 */
export function configPathFromArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  lang: ConfigLang = 'en',
): string | undefined {
  const i = argv.indexOf('--config')
  if (i >= 0) {
    const value = argv[i + 1]
    if (!value || value.startsWith('--'))
      throw new ConfigError(
        lang === 'fr' ? `--config attend un chemin de fichier.` : '--config needs a file path.',
      )
    return value
  }
  const eq = argv.find((a) => a.startsWith('--config='))
  if (eq) return eq.slice('--config='.length)
  return env.GUICHET_CONFIG || undefined
}
