// An incremental parser for the text/event-stream format (HTML Living Standard, "Server-sent
// events", section 9.2.6). We parse by hand because EventSource cannot send an Authorization
// header, so the stream is read with fetch() instead.

export interface SseMessage {
  event: string;
  data: string;
  id: string | null;
}

export interface SseParser {
  push(chunk: string): void;
  /** The last `id:` seen, kept across messages, for Last-Event-ID on reconnect. */
  readonly lastEventId: string | null;
  /** A `retry:` the server asked for, in milliseconds. */
  readonly retry: number | null;
}

export function createSseParser(onMessage: (message: SseMessage) => void): SseParser {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let lastEventId: string | null = null;
  let retry: number | null = null;
  let sawFirstChunk = false;

  function dispatch(): void {
    // A block with no data lines is not an event (spec: "If the data buffer is empty ... return").
    if (data.length > 0) onMessage({ event: event || 'message', data: data.join('\n'), id: lastEventId });
    data = [];
    event = '';
  }

  function field(line: string): void {
    if (line === '') {
      dispatch();
      return;
    }
    if (line.startsWith(':')) return; // comment, used by servers as keep-alive
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') data.push(value);
    else if (name === 'event') event = value;
    else if (name === 'id' && !value.includes('\0')) lastEventId = value;
    else if (name === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  }

  return {
    push(chunk: string): void {
      buffer += chunk;
      if (!sawFirstChunk && buffer.length > 0) {
        sawFirstChunk = true;
        if (buffer.startsWith('\uFEFF')) buffer = buffer.slice(1);
      }
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const char = buffer[i];
        if (char !== '\n' && char !== '\r') continue;
        // A CR at the very end may be the first half of CRLF: wait for the next chunk.
        if (char === '\r' && i === buffer.length - 1) break;
        field(buffer.slice(start, i));
        if (char === '\r' && buffer[i + 1] === '\n') i++;
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    get lastEventId() {
      return lastEventId;
    },
    get retry() {
      return retry;
    },
  };
}
