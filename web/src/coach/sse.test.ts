import { describe, expect, it } from "vitest";
import { readEvents, SSEParser, type SSEEvent } from "./sse";

// feed pushes the pieces one after another and collects every event.
function feed(pieces: string[]): SSEEvent[] {
  const p = new SSEParser();
  const out = pieces.flatMap((x) => p.push(x));
  return [...out, ...p.end()];
}

// body is a response body that delivers the given byte pieces.
function body(pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const x of pieces) c.enqueue(x);
      c.close();
    },
  });
}

const stream = 'event: start\ndata: {"answer_id":"a1"}\n\nevent: token\ndata: {"text":"Hola"}\n\nevent: token\ndata: {"text":", ¿qué tal?"}\n\nevent: done\ndata: {}\n\n';
const want: SSEEvent[] = [
  { event: "start", data: '{"answer_id":"a1"}' },
  { event: "token", data: '{"text":"Hola"}' },
  { event: "token", data: '{"text":", ¿qué tal?"}' },
  { event: "done", data: "{}" },
];

describe("SSEParser", () => {
  it.each([
    ["one event", ["event: token\ndata: x\n\n"], [{ event: "token", data: "x" }]],
    ["no event name is a message", ["data: x\n\n"], [{ event: "message", data: "x" }]],
    ["data lines joined with newlines", ["data: a\ndata: b\ndata:\n\n"], [{ event: "message", data: "a\nb\n" }]],
    ["only one space after the colon is dropped", ["data:  two\n\n"], [{ event: "message", data: " two" }]],
    ["no space after the colon", ["data:x\n\n"], [{ event: "message", data: "x" }]],
    ["a field without a colon", ["data\n\n"], [{ event: "message", data: "" }]],
    ["comments and unknown fields are ignored", [": keep-alive\nretry: 10\nfoo: bar\ndata: x\n\n"], [{ event: "message", data: "x" }]],
    ["an event without data is no event", ["event: token\n\n"], []],
    ["the event name resets after each event", ["event: a\ndata: 1\n\ndata: 2\n\n"], [{ event: "a", data: "1" }, { event: "message", data: "2" }]],
    ["the id is kept for later events", ["id: 7\ndata: 1\n\ndata: 2\n\n"], [{ event: "message", data: "1", id: "7" }, { event: "message", data: "2", id: "7" }]],
    ["CRLF line ends", ["event: t\r\ndata: x\r\n\r\n"], [{ event: "t", data: "x" }]],
    ["CR line ends", ["event: t\rdata: x\r\r"], [{ event: "t", data: "x" }]],
    ["a CRLF split between pieces is one line end", ["data: x\r", "\n\r", "\n"], [{ event: "message", data: "x" }]],
    ["an event cut at the end of the stream is dropped", ["data: x\n\ndata: half"], [{ event: "message", data: "x" }]],
    ["a byte-order mark at the start", ["\ufeffdata: x\n\n"], [{ event: "message", data: "x" }]],
    ["a colon inside the value stays", ['data: {"a":"b: c"}\n\n'], [{ event: "message", data: '{"a":"b: c"}' }]],
  ])("%s", (_, pieces, events) => {
    expect(feed(pieces)).toEqual(events);
  });

  it("gives the same events however the stream is cut", () => {
    for (let size = 1; size <= stream.length; size++) {
      const pieces: string[] = [];
      for (let i = 0; i < stream.length; i += size) pieces.push(stream.slice(i, i + size));
      expect(feed(pieces), `pieces of ${size}`).toEqual(want);
    }
  });

  it("gives each event as soon as its blank line arrives", () => {
    const p = new SSEParser();
    expect(p.push("event: token\ndata: {")).toEqual([]);
    expect(p.push('"text":"a"}\n')).toEqual([]);
    expect(p.push("\nevent: token\ndata: b")).toEqual([{ event: "token", data: '{"text":"a"}' }]);
    expect(p.push("\n\n")).toEqual([{ event: "token", data: "b" }]);
  });
});

describe("readEvents", () => {
  it("decodes letters cut between pieces of bytes", async () => {
    const bytes = new TextEncoder().encode('event: token\ndata: {"text":"שלום ¿qué?"}\n\n');
    // One byte at a time cuts every Hebrew and Spanish letter in two.
    const pieces = [...bytes].map((b) => new Uint8Array([b]));
    const got: SSEEvent[] = [];
    await readEvents(body(pieces), (e) => got.push(e));
    expect(got).toEqual([{ event: "token", data: '{"text":"שלום ¿qué?"}' }]);
  });

  it("hands events over while the body is still arriving", async () => {
    const enc = new TextEncoder();
    let push!: (s: string) => void;
    let close!: () => void;
    const b = new ReadableStream<Uint8Array>({
      start(c) {
        push = (s) => c.enqueue(enc.encode(s));
        close = () => c.close();
      },
    });
    const got: string[] = [];
    const done = readEvents(b, (e) => got.push(e.data));
    push("data: 1\n\n");
    await expect.poll(() => got).toEqual(["1"]);
    push("data: 2\n\n");
    await expect.poll(() => got).toEqual(["1", "2"]);
    close();
    await done;
  });

  it("stops reading when a handler throws", async () => {
    let cancelled = false;
    const b = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("data: 1\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(
      readEvents(b, () => {
        throw new Error("stop");
      }),
    ).rejects.toThrow("stop");
    expect(cancelled).toBe(true);
  });
});

describe("SSEParser benchmark-sized input", () => {
  it("parses a long answer of many small tokens", () => {
    const tokens = Array.from({ length: 5000 }, (_, i) => `event: token\ndata: {"text":"w${i} "}\n\n`).join("");
    const p = new SSEParser();
    let n = 0;
    for (let i = 0; i < tokens.length; i += 7) n += p.push(tokens.slice(i, i + 7)).length;
    expect(n).toBe(5000);
  });
});
