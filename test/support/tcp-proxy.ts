import { createServer, Server, Socket } from 'node:net';

/**
 * What the proxy does with traffic: `pass` forwards both ways; `refuse` resets every open connection
 * and every new one at once (a server that is down); `blackhole` keeps connections open (and accepts
 * new ones) but moves nothing either way: a silent network drop that only timeouts notice. As with
 * TCP over a network that heals, nothing is lost: what was held is delivered, in order, on `pass`.
 */
export type ProxyMode = 'pass' | 'refuse' | 'blackhole';

interface Pair {
  client: Socket;
  upstream: Socket;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a shared server (PostgreSQL, Redis), so a test can take "the
 * network" to it away from one client (an app instance) without disturbing the server itself.
 */
export class TcpProxy {
  private mode: ProxyMode = 'pass';
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const holder: { proxy?: TcpProxy } = {};
    const server = createServer((client) => holder.proxy!.accept(client, targetPort, targetHost));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    holder.proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    return holder.proxy;
  }

  /** The URL of `targetUrl`'s server through this proxy (same scheme, credentials and path). */
  urlFor(targetUrl: string): string {
    const url = new URL(targetUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    for (const pair of this.pairs) {
      if (mode === 'refuse') this.drop(pair);
      else if (mode === 'blackhole') this.hold(pair);
      else this.release(pair);
    }
  }

  /** Resets every open connection; new ones are reset at once until `restore`. */
  cut(): void {
    this.setMode('refuse');
  }

  restore(): void {
    this.setMode('pass');
  }

  async close(): Promise<void> {
    this.setMode('refuse');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, targetPort: number, targetHost: string): void {
    if (this.mode === 'refuse') return void client.resetAndDestroy();
    const upstream = new Socket();
    const pair = { client, upstream };
    this.pairs.add(pair);
    upstream.connect(targetPort, targetHost);
    // No backpressure handling: test traffic is small. A paused socket emits no 'data'.
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => this.drop(pair);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    if (this.mode === 'blackhole') this.hold(pair);
  }

  /** Stops reading either side: bytes wait in the sockets' buffers. */
  private hold(pair: Pair): void {
    pair.client.pause();
    pair.upstream.pause();
  }

  private release(pair: Pair): void {
    pair.client.resume();
    pair.upstream.resume();
  }

  private drop(pair: Pair): void {
    this.pairs.delete(pair);
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    if (!pair.upstream.destroyed) pair.upstream.destroy();
  }
}
