// The bench's pure helpers (bench/lib/stats.ts). No timing is asserted here:
// the figures themselves are only printed by `npm run bench`.
import { describe, expect, it } from 'vitest'
import {
  figuresJson,
  formatGoal,
  formatTable,
  formatValue,
  measurePair,
  median,
  meetsGoal,
  missing,
} from '../../bench/lib/stats'

describe('bench helpers', () => {
  it('takes the median of odd and even counts, NaN of nothing', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })

  it('alternates A and B and reports the median of the pair ratios', async () => {
    const order: string[] = []
    let a = 0
    const r = await measurePair(
      async () => (order.push('a'), (a += 1) > 2 ? 2 : 100), // the warm-up values are dropped
      async () => (order.push('b'), 1),
      { warmup: 2, rounds: 3, perRound: 2 },
    )
    expect(order.slice(4, 8)).toEqual(['a', 'b', 'b', 'a'])
    expect(r.a).toHaveLength(6)
    expect(r.pairRatios).toEqual([2, 2, 2, 2, 2, 2])
    expect(r.roundRatios).toEqual([2, 2, 2])
    expect(r.ratio).toBe(2)
    expect(r.medianA).toBe(2)
  })

  it('checks goals with bounds on either side, and a missing value as unknown', () => {
    expect(meetsGoal(1.04, { max: 1.05 })).toBe(true)
    expect(meetsGoal(1.2, { min: 0.9, max: 1.1 })).toBe(false)
    expect(meetsGoal(0.8, { min: 0.9, max: 1.1 })).toBe(false)
    expect(meetsGoal(undefined, { max: 1 })).toBeUndefined()
    expect(formatGoal({ min: 0.9, max: 1.1 })).toBe('0.9 – 1.1')
    expect(formatGoal({ max: 500 })).toBe('≤ 500')
    expect(formatValue(0.98765)).toBe('0.988')
    expect(formatValue(83.46)).toBe('83.5')
    expect(formatValue(209.5)).toBe('210')
  })

  it('prints a table with a mark per figure and one JSON object with null for a missing figure', () => {
    const figures = [
      { key: 'a_over_b', value: 1.2, goal: { max: 1.5 }, note: 'fine', extra: { a_ms: 1.23456 } },
      { key: 'c_ms', value: 900, goal: { max: 500 }, note: 'slow' },
      missing('d_kb', { max: 100 }, new Error('\u001b[31mbuild\u001b[0m failed\n  at x')),
    ]
    const table = formatTable(figures).split('\n')
    expect(table[0]).toMatch(/^figure\s+value\s+goal/)
    expect(table[2]).toMatch(/^a_over_b\s+1\.20\s+≤ 1\.5\s+✓\s+fine$/)
    expect(table[3]).toMatch(/✗\s+slow$/)
    expect(table[4]).toMatch(/\?\s+not measured: build failed at x$/)
    const json = figuresJson(figures)
    expect(json).toEqual({ a_over_b: 1.2, 'a_over_b.a_ms': 1.2346, c_ms: 900, d_kb: null })
    expect(JSON.parse(JSON.stringify(json))).toEqual(json)
  })
})
