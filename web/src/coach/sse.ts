// A small parser for server-sent events (the text/event-stream format of
// the HTML standard), fed with the pieces of a response body as they
// arrive. The coach's answers stream this way; EventSource itself cannot
// be used, since it only makes GET requests and cannot send the ID token.

export interface SSEEvent {
  /** The event's name; "message" when the stream names none. */
  event: string;
  /** The data lines, joined with "\n". */
  data: string;
  /** The last event id seen, if the stream sets one. */
  id?: string;
}

// SSEParser turns text, in pieces cut anywhere (in the middle of a line,
// between a "\r" and its "\n"), into whole events. Comments (": …"),
// unknown fields and "retry" are ignored, as a browser ignores what it
// does not use.
export class SSEParser {
  private buffer = "";
  // A "\r" that ended the last piece: a "\n" starting the next one belongs to it.
  private pendingCR = false;
  private event = "";
  private data: string[] = [];
  private hasData = false;
  private lastId: string | undefined;
  private firstChunk = true;

  /** push takes the next piece of text and returns the events it completed. */
  push(text: string): SSEEvent[] {
    if (this.firstChunk && text.length > 0) {
      // A byte-order mark may open the stream; it is not part of the first field.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.firstChunk = false;
    }
    if (this.pendingCR && text.startsWith("\n")) text = text.slice(1);
    this.pendingCR = false;
    this.buffer += text;
    const out: SSEEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buffer.slice(start, i), out);
      if (c === 13) {
        if (i + 1 === this.buffer.length) this.pendingCR = true;
        else if (this.buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /**
   * end is the end of the stream: an event not closed by a blank line is
   * dropped, as the standard says (a stream cut in the middle of an event
   * must not deliver half of it).
   */
  end(): SSEEvent[] {
    this.buffer = "";
    this.reset();
    return [];
  }

  private line(line: string, out: SSEEvent[]) {
    if (line === "") {
      if (this.hasData) out.push({ event: this.event || "message", data: this.data.join("\n"), ...(this.lastId !== undefined ? { id: this.lastId } : {}) });
      this.reset();
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.event = value;
        break;
      case "data":
        this.data.push(value);
        this.hasData = true;
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
    }
  }

  private reset() {
    this.event = "";
    this.data = [];
    this.hasData = false;
  }
}

/**
 * readEvents reads a response body to its end, handing each event to
 * onEvent as soon as its blank line arrives. Bytes are decoded as UTF-8
 * across pieces, so a letter cut between two network packets stays whole.
 */
export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (e: SSEEvent) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  const parser = new SSEParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const e of parser.push(decoder.decode(value, { stream: true }))) onEvent(e);
    }
    for (const e of parser.push(decoder.decode())) onEvent(e);
    parser.end();
  } catch (err) {
    // Whoever stopped reading (an abort, a handler that threw) also stops the download.
    await reader.cancel().catch(() => undefined);
    throw err;
  } finally {
    reader.releaseLock();
  }
}
