// node --test bench/realtime/lib/
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { percentile, summarize } from './stats.mjs'

test('percentile by nearest rank', () => {
  const v = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  for (const [p, want] of [[50, 5], [95, 10], [99, 10], [10, 1], [0, 1], [100, 10]]) {
    assert.equal(percentile(v, p), want, `p${p}`)
  }
  assert.equal(percentile(new Float64Array(0), 50), null)
})

test('summarize counts every (op, receiver) pair and names short ops', () => {
  const worker = (lat, sent, receipts) => ({
    lat: Float64Array.from(lat), delivered: lat.length, dupes: 0, late: 0, errors: 0, errorCodes: {},
    sent, final: {}, closedEarly: [], elu: 0.5, receipts: new Map(receipts)
  })
  // three clients: two ops sent, each should reach two others; op b reached one.
  const r = summarize([
    worker([1, 2], [{ id: 'a', t: 0 }], [['b', 1], ['a', 1]]),
    worker([3], [{ id: 'b', t: 0 }], [['a', 1]])
  ], 3)
  assert.equal(r.line.expected, 4)
  assert.equal(r.line.delivered, 3)
  assert.equal(r.line.p50_ms, 2)
  assert.deepEqual(r.short.map((o) => [o.id, o.receivers]), [['b', 1]])
  assert.equal(r.line.short_ops.count, 1)
})
