// Pure helpers of the bench: medians, interleaved A/B sampling, the table.
// Every figure is a ratio of two things measured in the same run, back to back,
// after a warm-up, over several rounds; the median is what is reported.

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Times `fn` in milliseconds (high-resolution clock). */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return performance.now() - t
}

/** One measurement: resolves the milliseconds that count (setup inside it is not counted). */
export type Sample = () => Promise<number>

export interface PairOptions {
  /** Samples of each side thrown away first (JIT, pools, caches). */
  warmup: number
  rounds: number
  /** Samples of each side per round; A and B alternate, the order flipping each time. */
  perRound: number
}

export interface PairResult {
  a: number[]
  b: number[]
  /** A / B of each pair (A and B measured back to back). */
  pairRatios: number[]
  /** The median pair ratio of each round: how much the rounds disagree. */
  roundRatios: number[]
  /** The median of all pair ratios: the figure. */
  ratio: number
  medianA: number
  medianB: number
}

/**
 * Measures A against B on the same machine at the same moment: after a
 * warm-up, A and B run back to back (ABBA…, the order flipping every pair),
 * each pair gives A / B, and the figure is the median of the pair ratios. A
 * neighbour's load that comes and goes then weighs on both sides of a pair
 * alike, and a burst that hits one side only spoils that pair, not the median.
 */
export async function measurePair(a: Sample, b: Sample, options: PairOptions): Promise<PairResult> {
  for (let i = 0; i < options.warmup; i += 1) {
    await a()
    await b()
  }
  const all = { a: [] as number[], b: [] as number[] }
  const pairRatios: number[] = []
  const roundRatios: number[] = []
  for (let r = 0; r < options.rounds; r += 1) {
    const round: number[] = []
    for (let i = 0; i < options.perRound; i += 1) {
      let x: number
      let y: number
      if ((r * options.perRound + i) % 2 === 0) {
        x = await a()
        y = await b()
      } else {
        y = await b()
        x = await a()
      }
      all.a.push(x)
      all.b.push(y)
      round.push(x / y)
    }
    pairRatios.push(...round)
    roundRatios.push(median(round))
  }
  return {
    ...all,
    pairRatios,
    roundRatios,
    ratio: median(pairRatios),
    medianA: median(all.a),
    medianB: median(all.b),
  }
}

/** Repeats one measurement: `warmup` thrown away, then the median of `rounds`. */
export async function measureOne(
  sample: Sample,
  options: { warmup: number; rounds: number },
): Promise<{ values: number[]; median: number }> {
  for (let i = 0; i < options.warmup; i += 1) await sample()
  const values: number[] = []
  for (let i = 0; i < options.rounds; i += 1) values.push(await sample())
  return { values, median: median(values) }
}

// ---- the figures and their table ---------------------------------------------

export interface Goal {
  min?: number
  max?: number
}

export interface Figure {
  key: string
  /** undefined: not measured (the note says why). */
  value: number | undefined
  goal: Goal
  note: string
  /** More numbers for the JSON line (medians of each side, rounds…). */
  extra?: Record<string, number>
}

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g')

/** A figure that could not be measured, with the first line of why. */
export function missing(key: string, goal: Goal, error: unknown): Figure {
  const why = (error instanceof Error ? error.message : String(error))
    .replace(ANSI_COLOUR, '')
    .replace(/\s+/g, ' ')
  return { key, value: undefined, goal, note: `not measured: ${why.slice(0, 240)}` }
}

export function meetsGoal(value: number | undefined, goal: Goal): boolean | undefined {
  if (value === undefined || Number.isNaN(value)) return undefined
  if (goal.min !== undefined && value < goal.min) return false
  if (goal.max !== undefined && value > goal.max) return false
  return true
}

export function formatGoal(goal: Goal): string {
  if (goal.min !== undefined && goal.max !== undefined) return `${goal.min} – ${goal.max}`
  if (goal.max !== undefined) return `≤ ${goal.max}`
  if (goal.min !== undefined) return `≥ ${goal.min}`
  return ''
}

/** 3 significant digits at most, never in exponent notation. */
export function formatValue(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—'
  const abs = Math.abs(value)
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 1) return value.toFixed(2)
  return value.toFixed(3)
}

/** A plain-text table: key, value, goal, ✓/✗ (or ? when missing), note. */
export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => {
    const ok = meetsGoal(f.value, f.goal)
    return [
      f.key,
      formatValue(f.value),
      formatGoal(f.goal),
      ok === undefined ? '?' : ok ? '✓' : '✗',
      f.note,
    ]
  })
  const header = ['figure', 'value', 'goal', '', 'note']
  const widths = header.map((h, i) =>
    Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)),
  )
  const line = (cells: string[]): string =>
    cells
      .map((c, i) =>
        i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - [...c].length),
      )
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** The `--json` line: every figure's value (null when missing) plus the extras, prefixed by key. */
export function figuresJson(figures: readonly Figure[]): Record<string, number | null> {
  const out: Record<string, number | null> = {}
  for (const f of figures) {
    out[f.key] = f.value === undefined || Number.isNaN(f.value) ? null : round(f.value)
    for (const [k, v] of Object.entries(f.extra ?? {})) out[`${f.key}.${k}`] = round(v)
  }
  return out
}

export function round(value: number, digits = 4): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
