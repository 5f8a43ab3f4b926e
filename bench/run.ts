// npm run bench [-- --json] [--only a,b] [--quick]
//
// Every figure is a ratio of two things measured in this run (or a size, or a
// machine time), with warm-up and several rounds, the median reported. Prints
// a table; with --json, one JSON object on the last line. See bench/README.md.

import { parseArgs } from 'node:util'
import { browserFigures, type BrowserFigureKey } from './browser'
import { engineFigures, type EngineFigureKey } from './engine'
import { figuresJson, formatTable, type Figure, type PairOptions } from './lib/stats'

export const FIGURE_KEYS = [
  'signin_over_kdf',
  'signin_100k_over_1k',
  'unknown_over_wrong_password',
  'email_code_over_smtp_send',
  'key_signin_over_floor',
  'clerk_switch_ms',
  'renderer_js_gzip_kb',
  'first_screen_over_bare_vue',
  'rss_100k_mb',
  'main_stall_ms',
] as const
type FigureKey = (typeof FIGURE_KEYS)[number]

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
  })
  const only = values.only?.split(',').map((s) => s.trim())
  for (const k of only ?? [])
    if (!(FIGURE_KEYS as readonly string[]).includes(k))
      throw new Error(`unknown figure "${k}"; known: ${FIGURE_KEYS.join(', ')}`)
  const wanted = (key: FigureKey): boolean => !only || only.includes(key)
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`)
  }
  const pair: PairOptions = values.quick
    ? { warmup: 1, rounds: 3, perRound: 2 }
    : { warmup: 3, rounds: 9, perRound: 4 }
  const started = performance.now()
  const figures: Figure[] = []

  log('engine…')
  figures.push(
    ...(await engineFigures(
      { pair, rssSignIns: values.quick ? 100 : 1_000, stallRounds: values.quick ? 2 : 20, log },
      (k: EngineFigureKey) => wanted(k),
    )),
  )
  log('renderer and browser…')
  figures.push(
    ...(await browserFigures({ quick: values.quick, log }, (k: BrowserFigureKey) => wanted(k))),
  )

  const order = new Map(FIGURE_KEYS.map((k, i) => [k as string, i]))
  figures.sort((a, b) => (order.get(a.key) ?? 99) - (order.get(b.key) ?? 99))
  const seconds = (performance.now() - started) / 1000
  process.stdout.write(`${formatTable(figures)}\n\n(${seconds.toFixed(0)} s)\n`)
  if (values.json)
    process.stdout.write(
      `${JSON.stringify({ ...figuresJson(figures), bench_seconds: Math.round(seconds) })}\n`,
    )
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`)
    process.exit(1)
  },
)
