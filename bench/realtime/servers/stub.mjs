// An in-memory stand-in for the realtime gateway that speaks the same
// socket protocol (auth, subscribe, op → ack + fan-out), without
// Firestore. It only checks the load tool itself.
import { WebSocketServer } from 'ws'

const port = Number(process.env.PORT || 8089)
const wss = new WebSocketServer({ host: '127.0.0.1', port })
const channels = new Map() // channel -> Set<ws>
let stamp = 0

wss.on('connection', (ws) => {
  let uid = null
  const subs = new Set()
  ws.on('message', (data) => {
    let m
    try { m = JSON.parse(data) } catch { return ws.close(1008) }
    switch (m.type) {
      case 'auth':
        uid = String(m.token).slice(-8)
        ws.send(JSON.stringify({ type: 'ready', uid, instance: 'stub', expires_at: 0 }))
        break
      case 'subscribe': {
        if (!uid) return ws.close(4001)
        let set = channels.get(m.channel)
        if (!set) channels.set(m.channel, (set = new Set()))
        set.add(ws); subs.add(m.channel)
        ws.send(JSON.stringify({ type: 'snapshot', channel: m.channel, role: 'editor', elements: [], cursor: stamp, complete: true }))
        break
      }
      case 'op': {
        const s = ++stamp
        ws.send(JSON.stringify({ type: 'ack', op_id: m.op_id, stamp: s }))
        const stamps = {}
        for (const k of Object.keys(m.props || {})) stamps[k] = s
        const out = JSON.stringify({ type: 'op', channel: m.channel, op_id: m.op_id, from: uid,
          patch: { id: m.element_id, props: m.props || {}, stamps }, sent_at: m.sent_at })
        for (const peer of channels.get(m.channel) || []) if (peer !== ws) peer.send(out)
        break
      }
      case 'ping': ws.send('{"type":"pong"}'); break
    }
  })
  ws.on('close', () => { for (const c of subs) channels.get(c)?.delete(ws) })
})
wss.on('listening', () => console.log(`stub listening on 127.0.0.1:${port}`))
