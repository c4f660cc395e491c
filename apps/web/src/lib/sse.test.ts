import { describe, expect, it } from 'vitest';
import { createSseParser, type SseMessage } from './sse.ts';

function parse(chunks: string[]) {
  const messages: SseMessage[] = [];
  const parser = createSseParser((message) => messages.push(message));
  for (const chunk of chunks) parser.push(chunk);
  return { messages, parser };
}

describe('createSseParser', () => {
  it('dispatches typed events with id and multi-line data', () => {
    const { messages, parser } = parse(['event: resource.updated\nid: 7\ndata: {"a":\ndata: 1}\n\n']);
    expect(messages).toEqual([{ event: 'resource.updated', data: '{"a":\n1}', id: '7' }]);
    expect(parser.lastEventId).toBe('7');
  });

  it('handles CRLF split across chunks, comments, BOM and a missing space after the colon', () => {
    const { messages } = parse(['\uFEFF: keep-alive\r', '\nevent:ping\r\ndata:x\r', '\n\r\n']);
    expect(messages).toEqual([{ event: 'ping', data: 'x', id: null }]);
  });

  it('defaults the type to message, ignores blocks without data, and keeps the last id', () => {
    const { messages, parser } = parse(['id: 1\n\n', 'data: hello\n\n']);
    expect(messages).toEqual([{ event: 'message', data: 'hello', id: '1' }]);
    expect(parser.lastEventId).toBe('1');
  });

  it('reads retry and waits for a complete block before dispatching', () => {
    const { messages, parser } = parse(['retry: 2500\ndata: par', 'tial']);
    expect(parser.retry).toBe(2500);
    expect(messages).toEqual([]);
  });
});
