// Side-by-side latency benchmark: N clients on one canvas/document, each
// moving its own element at R ops/s, against the realtime gateway (one and
// two instances on the Firestore emulator), y-websocket's reference server
// and Hocuspocus. Prints one JSON line per system and load, and for ours
// whether every op of the window reached Firestore.
//
// Environment (defaults in brackets):
//   BENCH_CLIENTS [50]  BENCH_RATES [2,10]  BENCH_WINDOW_S [20]  BENCH_ROUNDS [2]
//   (the window is split over the rounds, which alternate the systems; each
//   round connects anew, warms up BENCH_WARMUP_S [3] and drains BENCH_DRAIN_S [2])
//   BENCH_WORKERS [2]
//   BENCH_SYSTEMS [studio,studio2,ywebsocket,hocuspocus]  (stub: an in-memory stand-in for ours)
//   STUDIOCTL [../../bin/studioctl]  STUDIO_FUNCTIONS [../../bin/functions]  STUDIO_WS_PATH [/]
//   BENCH_OUT [a temporary directory: server logs, sent ops]
//   BENCH_PPROF=1 (ours runs as gatewayprof; a CPU profile of each rate's first round lands in BENCH_OUT)
import { Worker } from 'node:worker_threads'
import { spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { mkdtempSync, writeFileSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import net from 'node:net'
import { summarize } from './lib/stats.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const env = process.env
const N = Number(env.BENCH_CLIENTS || 50)
const RATES = (env.BENCH_RATES || '2,10').split(',').map(Number)
const WARMUP = Number(env.BENCH_WARMUP_S || 3) * 1000
const WINDOW = Number(env.BENCH_WINDOW_S || 20) * 1000
const DRAIN = Number(env.BENCH_DRAIN_S || 2) * 1000
const ROUNDS = Math.max(1, Number(env.BENCH_ROUNDS || 2))
const WORKERS = Math.max(1, Math.min(N, Number(env.BENCH_WORKERS || 2)))
const SYSTEMS = (env.BENCH_SYSTEMS || 'studio,studio2,ywebsocket,hocuspocus').split(',').filter(Boolean)
const STUDIOCTL = resolve(here, env.STUDIOCTL || '../../bin/studioctl')
const FUNCTIONS = resolve(here, env.STUDIO_FUNCTIONS || '../../bin/functions')
const WS_PATH = env.STUDIO_WS_PATH || '/'
const PPROF = env.BENCH_PPROF === '1'
const OUT = env.BENCH_OUT || mkdtempSync(join(tmpdir(), 'bench-realtime-'))
mkdirSync(OUT, { recursive: true })

const now = () => performance.timeOrigin + performance.now()
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const log = (...a) => console.error('[bench]', ...a)

function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)) })
    s.on('error', reject)
  })
}

async function waitListening (port, proc, name) {
  const deadline = Date.now() + 20000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}`)
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true) })
      c.on('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port}`)
    await sleep(50)
  }
}

// A Node server as its own process, logs into OUT.
async function startNode (name, script, extraEnv = {}) {
  const port = await freePort()
  const fd = openSync(join(OUT, `${name}.log`), 'a')
  const proc = spawn(process.execPath, [script], {
    cwd: here, env: { ...env, HOST: '127.0.0.1', PORT: String(port), ...extraEnv }, stdio: ['ignore', fd, fd]
  })
  await waitListening(port, proc, name)
  return { url: `ws://127.0.0.1:${port}`, pid: proc.pid, stop: () => stopProc(proc) }
}

// cpuSeconds is the user+system CPU time a process has used (/proc, Linux;
// clock ticks of 1/100 s).
function cpuSeconds (pids) {
  let ticks = 0
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(f[11]) + Number(f[12])
    } catch {}
  }
  return ticks / 100
}

function stopProc (proc) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode) return resolve()
    proc.once('exit', resolve)
    proc.kill('SIGTERM')
    setTimeout(() => { try { proc.kill('SIGKILL') } catch {} }, 3000).unref()
  })
}

// studioctl: the emulator suite, seeded people and canvases, gateway processes.
class Studio {
  async start () {
    this.proc = spawn(STUDIOCTL, ['-users', String(N), '-functions-binary', FUNCTIONS, '-log-dir', OUT], {
      cwd: resolve(here, '../..'), stdio: ['pipe', 'pipe', 'inherit']
    })
    this.proc.stderr?.resume()
    this.lines = createInterface({ input: this.proc.stdout })
    this.queue = []
    this.pending = []
    this.lines.on('line', (l) => {
      const w = this.pending.shift()
      if (w) w(l); else this.queue.push(l)
    })
    this.proc.on('exit', (code) => {
      for (const w of this.pending.splice(0)) w(JSON.stringify({ error: `studioctl exited (${code})` }))
    })
    this.env = JSON.parse(await this.next())
  }

  next () {
    const l = this.queue.shift()
    if (l !== undefined) return Promise.resolve(l)
    return new Promise((resolve) => this.pending.push(resolve))
  }

  async cmd (c) {
    this.proc.stdin.write(JSON.stringify(c) + '\n')
    const r = JSON.parse(await this.next())
    if (r.error) throw new Error(`studioctl ${c.cmd}: ${r.error}`)
    return r
  }

  async stop () {
    this.proc.stdin.end()
    await new Promise((resolve) => { if (this.proc.exitCode !== null) resolve(); else this.proc.once('exit', resolve) })
  }
}

// captureProfile saves a 10 s CPU profile of a gateway taken inside the
// measured window.
async function captureProfile (addr, file) {
  await sleep(WARMUP + 2000)
  try {
    const res = await fetch(`http://${addr}/debug/pprof/profile?seconds=10`)
    writeFileSync(file, Buffer.from(await res.arrayBuffer()))
    log(`cpu profile: ${file}`)
  } catch (err) { log(`cpu profile failed: ${err}`) }
}

// Runs one load against one system; returns the summary line.
async function measure (system, urls, rate, clientsOf, canvas) {
  const clients = []
  for (let i = 0; i < N; i++) clients.push({ idx: i, url: urls[i % urls.length], ...clientsOf(i) })
  const workers = []
  for (let w = 0; w < WORKERS; w++) {
    const part = clients.filter((_, i) => i % WORKERS === w)
    const worker = new Worker(join(here, 'lib/worker.mjs'), {
      workerData: { system, n: N, rate, warmupMs: WARMUP, windowMs: WINDOW / ROUNDS, drainMs: DRAIN, canvas, clients: part }
    })
    workers.push(worker)
  }
  const ask = (worker, msg, key) => new Promise((resolve, reject) => {
    const on = (m) => {
      if (m.error) { worker.off('message', on); reject(new Error(m.error)) } else if (m[key]) { worker.off('message', on); resolve(m) }
    }
    worker.on('message', on)
    worker.once('error', reject)
    worker.postMessage(msg)
  })
  try {
    await Promise.all(workers.map((w) => ask(w, { cmd: 'setup' }, 'ready')))
    const t0 = now() + 200
    const results = await Promise.all(workers.map((w) => ask(w, { cmd: 'go', t0 }, 'done')))
    await Promise.all(workers.map((w) => ask(w, { cmd: 'close' }, 'closed')))
    return results
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}

const results = []
function line (o) { results.push(o); console.log(JSON.stringify(o)) }

// budget: per rate, ours p95 ≤ the better peer's, two instances ≤ 2× that,
// every op delivered to everyone and persisted.
function budget () {
  let ok = true
  for (const rate of RATES) {
    const at = results.filter((r) => r.rate === rate)
    const get = (kind, inst) => at.find((r) => r.kind === kind && !r.check && (r.instances || 1) === inst)
    const peers = ['ywebsocket', 'hocuspocus'].map((k) => get(k, 1)).filter(Boolean)
    const one = get('studio', 1); const two = get('studio', 2)
    if (!one || peers.length === 0) continue
    const best = Math.min(...peers.map((p) => p.p95_ms))
    const missed = []
    if (!(one.p95_ms <= best)) missed.push('p95')
    if (two && !(two.p95_ms <= 2 * best)) missed.push('p95_two_instances')
    for (const r of [one, two].filter(Boolean)) {
      if (r.delivered !== r.expected) missed.push(`delivered_${r.instances || 1}`)
    }
    for (const c of at.filter((r) => r.check === 'persisted')) {
      if (c.ops_logged !== c.ops_sent || c.elements_final_ok !== c.elements) missed.push(`persisted_${c.instances || 1}`)
    }
    ok = ok && missed.length === 0
    console.log(JSON.stringify({ kind: 'budget', clients: N, rate, ours_p95_ms: one.p95_ms, two_instances_p95_ms: two ? two.p95_ms : null, best_peer_p95_ms: best, ok: missed.length === 0, missed }))
  }
  return ok
}

async function main () {
  log(`clients=${N} rates=${RATES} rounds=${ROUNDS} warmup=${WARMUP}ms window=${WINDOW}ms workers=${WORKERS} systems=${SYSTEMS} out=${OUT}`)
  let studio
  if (SYSTEMS.some((s) => s.startsWith('studio'))) {
    studio = new Studio()
    await studio.start()
  }
  try {
    for (const rate of RATES) {
      // Rounds alternate the systems, so a change in the machine's other
      // load falls on all of them alike; each round measures WINDOW/ROUNDS.
      const acc = new Map(SYSTEMS.map((sys) => [sys, { results: [], checks: [], rss: [], short: [], cpu: 0, emuCpu: 0 }]))
      for (let round = 1; round <= ROUNDS; round++) {
        for (const sys of SYSTEMS) {
          const a = acc.get(sys)
          const room = `bench-r${rate}-${sys}-${round}`
          log(`rate ${rate} round ${round}: ${sys}`)
          if (sys === 'studio' || sys === 'studio2') {
            const instances = sys === 'studio2' ? 2 : 1
            await studio.cmd({ cmd: 'canvas', id: room })
            const g = await studio.cmd({ cmd: 'gateways', n: instances, pprof: PPROF })
            const urls = g.addrs.map((addr) => `ws://${addr}${WS_PATH}`)
            const users = studio.env.users
            let profile
            if (PPROF && round === 1) profile = captureProfile(g.pprof[0], join(OUT, `cpu-${room}.pprof`))
            const cpu0 = cpuSeconds(g.pids); const emu0 = cpuSeconds([studio.proc.pid])
            const res = await measure('studio', urls, rate, (i) => ({ token: users[i].token, uid: users[i].uid }), room)
            a.cpu += cpuSeconds(g.pids) - cpu0; a.emuCpu += cpuSeconds([studio.proc.pid]) - emu0
            if (profile) await profile
            const mem = await studio.cmd({ cmd: 'memory' })
            a.rss.push(...mem.rss)
            a.results.push(...res)
            const one = summarize(res, N)
            a.short.push(...one.short.map((o) => ({ round, ...o })))
            const file = join(OUT, `sent-${room}.json`)
            writeFileSync(file, JSON.stringify({ ops: one.sent, final: one.final }))
            a.checks.push(await studio.cmd({ cmd: 'check', file }))
            await studio.cmd({ cmd: 'gateways', n: 0 })
          } else {
            const script = {
              stub: 'servers/stub.mjs',
              // As its README starts it: HOST=… PORT=… npx y-websocket (bin/server.cjs), no YPERSISTENCE.
              ywebsocket: 'node_modules/y-websocket/bin/server.cjs',
              hocuspocus: 'servers/hocuspocus.mjs'
            }[sys]
            if (!script) throw new Error(`unknown system ${sys}`)
            const srv = await startNode(`${room}`, join(here, script))
            try {
              const client = sys === 'stub' ? 'studio' : sys
              const ids = sys === 'stub' ? (i) => ({ token: `token-${i}`, uid: `token-${i}`.slice(-8) }) : () => ({})
              const cpu0 = cpuSeconds([srv.pid])
              const res = await measure(client, [srv.url], rate, ids, room)
              a.cpu += cpuSeconds([srv.pid]) - cpu0
              a.results.push(...res)
              a.short.push(...summarize(res, N).short.map((o) => ({ round, ...o })))
            } finally { await srv.stop() }
          }
        }
      }
      for (const sys of SYSTEMS) {
        const a = acc.get(sys)
        const instances = sys === 'studio2' ? 2 : 1
        const kind = sys === 'studio2' ? 'studio' : sys
        const sum = summarize(a.results, N)
        delete sum.line.short_ops
        if (a.short.length) sum.line.short_ops = { count: a.short.length, first: a.short.slice(0, 5) }
        const out = { kind, clients: N, rate, ...(instances > 1 ? { instances } : {}), ...sum.line, ops_target: Math.round(N * rate * WINDOW / 1000) }
        // CPU the server used while the clients connected, warmed up and
        // measured (ours: the gateways, and apart the emulator suite).
        out.server_cpu_s = Math.round(a.cpu * 10) / 10
        if (sys.startsWith('studio')) out.emulators_cpu_s = Math.round(a.emuCpu * 10) / 10
        if (a.rss.length) out.rss_mib_max = Math.round(Math.max(...a.rss) / 1048576)
        line(out)
        if (a.checks.length) {
          const c = { kind: 'studio', check: 'persisted', clients: N, rate, ...(instances > 1 ? { instances } : {}), ops_logged: 0, ops_sent: 0, elements_final_ok: 0, elements: 0, batches: 0 }
          for (const k of a.checks) for (const f of ['ops_logged', 'ops_sent', 'elements_final_ok', 'elements', 'batches']) c[f] += k[f]
          line(c)
        }
      }
    }
  } finally {
    if (studio) await studio.stop()
  }
  return budget()
}

main().then((ok) => process.exit(ok ? 0 : 3), (err) => { console.error(err); process.exit(1) })
