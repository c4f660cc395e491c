import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { AppError } from '../src/errors/index.ts';
import { guardedLookup, refusedAddress, resolveWebhookUrl } from '../src/webhooks/webhook-url.ts';

// DNS answers are an input of the guard, so tests name them instead of asking a resolver.
const answers =
  (...addresses: string[]) =>
  async (): Promise<LookupAddress[]> =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

const refused = async (
  url: string,
  options: { allowPrivate?: boolean; lookup?: ReturnType<typeof answers> } = {},
) => {
  try {
    await resolveWebhookUrl(url, {
      allowPrivate: options.allowPrivate ?? false,
      lookup: options.lookup ?? answers('93.184.215.14'),
    });
    return false;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('VALIDATION_FAILED');
    return true;
  }
};

describe('webhook URL guard (SSRF)', () => {
  it('refuses non-http(s) schemes and credentials in the URL', async () => {
    for (const url of [
      'file:///etc/passwd',
      'gopher://127.0.0.1:6379/_INFO',
      'ftp://example.com/',
      'not a url',
    ]) {
      expect(await refused(url), url).toBe(true);
    }
    expect(await refused('https://user:pw@example.com/hook')).toBe(true);
    expect(await refused('https://example.com/hook')).toBe(false);
  });

  it('refuses loopback, private, link-local and metadata targets, however they are spelled', async () => {
    for (const url of [
      'http://127.0.0.1:5432/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://0.0.0.0/',
      'http://10.0.0.1/',
      'http://172.16.5.4/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/',
      'http://[fd00:ec2::254]/',
      'http://[fc00::1]/',
    ]) {
      expect(await refused(url), url).toBe(true);
    }
  });

  it('checks every address a name resolves to', async () => {
    expect(await refused('https://rebind.test/', { lookup: answers('93.184.215.14', '127.0.0.1') })).toBe(
      true,
    );
    expect(await refused('https://internal.test/', { lookup: answers('10.1.2.3') })).toBe(true);
    expect(
      await refused('https://public.test/', { lookup: answers('93.184.215.14', '2606:2800:21f:cb07::1') }),
    ).toBe(false);
    const unresolvable = async () => {
      throw new Error('ENOTFOUND');
    };
    expect(await refused('https://nowhere.test/', { lookup: unresolvable })).toBe(true);
  });

  it('allows loopback and private targets when configured, never metadata endpoints', async () => {
    expect(await refused('http://127.0.0.1:8080/hook', { allowPrivate: true })).toBe(false);
    expect(await refused('http://10.0.0.1/hook', { allowPrivate: true })).toBe(false);
    expect(await refused('http://169.254.169.254/', { allowPrivate: true })).toBe(true);
    expect(refusedAddress('fd00:ec2::254', true)).toBeDefined();
    expect(refusedAddress('8.8.8.8', false)).toBeUndefined();
  });

  it('pins the socket to the addresses it checked (connect-time lookup)', async () => {
    const lookup = guardedLookup(false, answers('93.184.215.14'));
    const pinned = await new Promise<unknown>((resolve, reject) =>
      lookup('example.test', { all: true }, (error, addresses) =>
        error ? reject(error) : resolve(addresses),
      ),
    );
    expect(pinned).toEqual([{ address: '93.184.215.14', family: 4 }]);
    const rebound = guardedLookup(false, answers('127.0.0.1'));
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      rebound('rebind.test', {}, (err) => resolve(err)),
    );
    expect(error?.code).toBe('EWEBHOOKREFUSED');
  });
});
