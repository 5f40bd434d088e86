// Percentiles and the summary of one measured load.

// percentile of sorted values by the nearest-rank method (p in 0…100).
export function percentile (sorted, p) {
  if (sorted.length === 0) return null
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

const round = (v) => (v === null ? null : Math.round(v * 100) / 100)

// summarize merges the workers' results of one round (op ids repeat
// across rounds): every windowed op should reach
// every other client, so expected = ops sent in the window × (n − 1).
export function summarize (results, n) {
  let total = 0
  for (const r of results) total += r.lat.length
  const all = new Float64Array(total)
  let off = 0
  let delivered = 0; let dupes = 0; let late = 0; let errors = 0
  const sent = []; const final = {}; const errorCodes = {}; const closed = []; let elu = 0
  for (const r of results) {
    all.set(r.lat, off); off += r.lat.length
    delivered += r.delivered; dupes += r.dupes; late += r.late; errors += r.errors
    for (const o of r.sent) sent.push(o)
    Object.assign(final, r.final)
    for (const [k, v] of Object.entries(r.errorCodes)) errorCodes[k] = (errorCodes[k] || 0) + v
    closed.push(...r.closedEarly)
    elu = Math.max(elu, r.elu)
  }
  all.sort()
  // The windowed ops that did not reach every other client (the first few).
  const got = new Map()
  for (const r of results) for (const [id, k] of r.receipts) got.set(id, (got.get(id) || 0) + k)
  const short = []
  for (const o of sent) {
    const k = got.get(o.id) || 0
    if (k < n - 1) short.push({ id: o.id, receivers: k, t: Math.round(o.t) })
  }
  const line = {
    delivered,
    expected: sent.length * (n - 1),
    p50_ms: round(percentile(all, 50)),
    p95_ms: round(percentile(all, 95)),
    p99_ms: round(percentile(all, 99)),
    max_ms: round(all.length ? all[all.length - 1] : null),
    ops_sent: sent.length,
    // The busiest client worker's event-loop utilisation: near 1, the
    // clients (not the server) set the pace.
    client_elu: Math.round(elu * 100) / 100
  }
  if (dupes) line.duplicates = dupes
  if (late) line.late = late
  if (errors) line.errors = errorCodes
  if (closed.length) line.closed = closed.length
  if (short.length) line.short_ops = { count: short.length, first: short.slice(0, 5) }
  return { line, sent, final, short }
}
