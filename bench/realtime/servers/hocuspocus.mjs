// Hocuspocus as its README starts it: new Server({ port }) and listen(),
// no extensions (so no persistence and no Logger), every other option at
// its default. quiet only drops the start banner.
import { Server } from '@hocuspocus/server'

const port = Number(process.env.PORT || 1234)
const address = process.env.HOST || '127.0.0.1'
const server = new Server({ port, address, quiet: true })
await server.listen()
console.log(`hocuspocus listening on ${address}:${port}`)
