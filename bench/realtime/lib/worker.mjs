// One worker thread of load clients. Every system gets the same split of
// clients over the same number of workers, and every client measures with
// the same clock: performance.timeOrigin + performance.now().
import { parentPort, workerData } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { HocuspocusProvider } from '@hocuspocus/provider'

// Every y-websocket provider adds a process exit listener.
process.setMaxListeners(0)

const now = () => performance.timeOrigin + performance.now()
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const cfg = workerData // {system, n, rate, warmupMs, windowMs, drainMs, canvas, clients:[{idx,url,token,uid}]}

// Measurements of this worker.
const lat = [] // ms, one per (windowed op, receiver) first receipt
let delivered = 0
let dupes = 0
let late = 0 // receipts of windowed ops after the drain ended
let errors = 0
const errorCodes = {}
const sent = [] // windowed ops {e,x,y,id,t}
const receipts = new Map() // windowed op id -> receivers here that got it
const final = {} // element -> [x,y], last sent over the run
let windowStart = Infinity
let windowEnd = -Infinity
let stopRecording = Infinity

function inWindow (t) { return t >= windowStart && t < windowEnd }

function record (receiverSeen, id, sentAt) {
  const t = now()
  if (!inWindow(sentAt)) return
  if (t > stopRecording) { late++; return }
  if (receiverSeen.has(id)) { dupes++; return }
  receiverSeen.add(id)
  receipts.set(id, (receipts.get(id) || 0) + 1)
  delivered++
  lat.push(t - sentAt)
}

// ---- ours: the JSON protocol of infra/asyncapi.yaml ----
class StudioClient {
  constructor (c) {
    this.c = c
    this.element = `el-${String(c.idx).padStart(3, '0')}`
    this.channel = `canvas:${cfg.canvas}`
    this.seen = new Set()
    this.waiters = new Map()
    this.seq = 0
  }

  waitFor (type) {
    return new Promise((resolve, reject) => {
      this.waiters.set(type, resolve)
      setTimeout(() => reject(new Error(`client ${this.c.idx}: no ${type} within 20 s`)), 20000).unref()
    })
  }

  async connect () {
    const ws = new WebSocket(this.c.url, { perMessageDeflate: false })
    this.ws = ws
    ws.on('message', (data) => this.onMessage(data))
    ws.on('close', (code, reason) => { this.closed = `${code} ${reason}` })
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    const ready = this.waitFor('ready')
    this.send({ type: 'auth', token: this.c.token })
    await ready
    const snap = this.waitFor('snapshot')
    this.send({ type: 'subscribe', channel: this.channel })
    const s = await snap
    const exists = (s.elements || []).some((p) => p.id === this.element)
    if (!exists) {
      const ack = this.waitFor('ack')
      this.send({ type: 'op', channel: this.channel, op_id: `${this.c.uid}-create`, action: 'create',
        element_id: this.element, kind: 'shape', props: { x: 0, y: this.c.idx * 100, w: 80, h: 80, shape: 'rect' } })
      await ack
    }
  }

  send (m) { this.ws.send(JSON.stringify(m)) }

  onMessage (data) {
    let m
    try { m = JSON.parse(data) } catch { return }
    if (m.type === 'op') {
      if (typeof m.sent_at === 'number' && m.from !== this.c.uid) record(this.seen, m.op_id, m.sent_at)
      return
    }
    if (m.type === 'error') {
      errors++
      errorCodes[m.code] = (errorCodes[m.code] || 0) + 1
      if (!this.started && this.waiters.has('ack') && m.op_id) {
        // A create of an element that exists (a second run on the canvas) is fine.
        const w = this.waiters.get('ack'); this.waiters.delete('ack'); w(m)
      }
      return
    }
    const w = this.waiters.get(m.type)
    if (w) { this.waiters.delete(m.type); w(m) }
  }

  move (t) {
    const x = ++this.seq
    const y = this.c.idx
    this.send({ type: 'op', channel: this.channel, op_id: `${this.c.uid}-${x}`, action: 'update',
      element_id: this.element, props: { x, y }, drag: true, sent_at: t })
    return { e: this.element, x, y, id: `${this.c.uid}-${x}`, t }
  }

  close () { try { this.ws.close(1000) } catch {} }
}

// ---- Yjs (y-websocket and Hocuspocus): a Y.Map per element ----
class YClient {
  constructor (c) {
    this.c = c
    this.key = `el-${String(c.idx).padStart(3, '0')}`
    this.seen = new Set()
    this.seq = 0
    this.doc = new Y.Doc()
    this.elements = this.doc.getMap('elements')
    // Every 't' a remote transaction inserted, including values that a
    // later update in the same message already replaced (servers may merge
    // updates): read from the store before garbage collection runs.
    this.doc.on('beforeObserverCalls', (tr) => {
      if (tr.local) return
      tr.afterState.forEach((clock, client) => {
        const from = tr.beforeState.get(client) || 0
        if (clock <= from || client === this.doc.clientID) return
        const structs = this.doc.store.clients.get(client)
        for (let i = Y.findIndexSS(structs, from); i < structs.length; i++) {
          const it = structs[i]
          if (it instanceof Y.Item && it.parentSub === 't' && it.content instanceof Y.ContentAny) {
            const sentAt = it.content.arr[0]
            if (typeof sentAt === 'number' && sentAt > 0) record(this.seen, `${client}:${sentAt}`, sentAt)
          }
        }
      })
    })
  }

  async connect () {
    if (cfg.system === 'hocuspocus') {
      // One provider per client, as the docs' Node example: it owns its socket.
      this.provider = new HocuspocusProvider({ url: this.c.url, name: cfg.canvas, document: this.doc, WebSocketPolyfill: WebSocket })
      await new Promise((resolve, reject) => {
        if (this.provider.isSynced) return resolve()
        this.provider.on('synced', resolve)
        setTimeout(() => reject(new Error(`client ${this.c.idx}: not synced within 20 s`)), 20000).unref()
      })
    } else {
      this.provider = new WebsocketProvider(this.c.url, cfg.canvas, this.doc, { WebSocketPolyfill: WebSocket, disableBc: true })
      await new Promise((resolve, reject) => {
        if (this.provider.synced) return resolve()
        this.provider.on('sync', (s) => { if (s) resolve() })
        setTimeout(() => reject(new Error(`client ${this.c.idx}: not synced within 20 s`)), 20000).unref()
      })
    }
    if (!this.elements.has(this.key)) {
      this.doc.transact(() => {
        const m = new Y.Map()
        this.elements.set(this.key, m)
        m.set('k', this.key); m.set('x', 0); m.set('y', this.c.idx * 100); m.set('t', 0)
      })
    }
  }

  move (t) {
    const x = ++this.seq
    const y = this.c.idx
    const m = this.elements.get(this.key)
    this.doc.transact(() => { m.set('x', x); m.set('y', y); m.set('t', t) })
    return { e: this.key, x, y, id: `${this.doc.clientID}:${t}`, t }
  }

  close () {
    try { this.provider.destroy() } catch {}
  }
}

const clients = cfg.clients.map((c) => cfg.system === 'studio' ? new StudioClient(c) : new YClient(c))

async function setup () {
  // Connect a few at a time: a thundering herd measures the accept path, not the steady state.
  for (let i = 0; i < clients.length; i += 10) {
    await Promise.all(clients.slice(i, i + 10).map((c) => c.connect()))
  }
}

async function run (t0) {
  const period = 1000 / cfg.rate
  windowStart = t0 + cfg.warmupMs
  windowEnd = windowStart + cfg.windowMs
  stopRecording = windowEnd + cfg.drainMs
  const loops = clients.map((c) => (async () => {
    c.started = true
    // Every client's phase is spread over one period so sends do not bunch.
    let next = t0 + ((c.c.idx * 7919) % cfg.n) / cfg.n * period
    for (;;) {
      const wait = next - now()
      if (wait > 0) await sleep(wait)
      const t = now()
      if (t >= windowEnd) break
      const op = c.move(t)
      final[op.e] = [op.x, op.y]
      if (inWindow(t)) sent.push(op)
      next += period
      if (next < now()) next = now() // never burst to catch up
    }
  })())
  await Promise.all(loops)
  const wait = stopRecording - now()
  if (wait > 0) await sleep(wait)
}

parentPort.on('message', async (m) => {
  try {
    if (m.cmd === 'setup') {
      await setup()
      parentPort.postMessage({ ready: true })
    } else if (m.cmd === 'go') {
      const elu0 = performance.eventLoopUtilization()
      await run(m.t0)
      const elu = performance.eventLoopUtilization(elu0).utilization
      const closedEarly = clients.filter((c) => c.closed).map((c) => c.closed)
      parentPort.postMessage({ done: true, lat: Float64Array.from(lat), delivered, dupes, late, errors, errorCodes, sent, final, closedEarly, elu, receipts })
    } else if (m.cmd === 'close') {
      for (const c of clients) c.close()
      await sleep(200)
      parentPort.postMessage({ closed: true })
    }
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.stack || err) })
  }
})
