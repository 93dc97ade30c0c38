/**
 * A forward proxy on loopback, the way a corporate network has one: it opens `CONNECT` tunnels
 * (RFC 9110 §9.3.6) and nothing else, resolves the names it is given itself (a tenant such as
 * `acme.goskope.com:443` exists only here, so the proxy is the only way to it), and can refuse
 * tunnels or ask for credentials. Every `CONNECT` it received is recorded with what it answered.
 *
 * It tunnels only to loopback addresses: a target it was not given that is not a loopback
 * `address:port` is answered 502, so no test traffic ever leaves the machine.
 */
import { createServer, STATUS_CODES } from 'node:http';
import { type AddressInfo, connect, isIP, type Socket } from 'node:net';

/** One `CONNECT` the proxy received. */
export interface TunnelRequest {
  /** `host:port` as the client asked for it. */
  readonly target: string;
  /** What the proxy answered: 200 when it opened the tunnel. */
  readonly status: number;
  /** The `Proxy-Authorization` header, if any. */
  readonly authorization: string | undefined;
}

/** Options of {@link startConnectProxy}. */
export interface ConnectProxyOptions {
  /**
   * Where the proxy sends a tunnel, by the `host:port` the client asks for: a loopback
   * `address:port` (its own DNS, e.g. `acme.goskope.com:443` to the simulator's port).
   */
  readonly routes?: Readonly<Record<string, string>>;
  /** When set, only `Proxy-Authorization: Basic` with these credentials opens a tunnel (else 407). */
  readonly credentials?: { readonly user: string; readonly password: string };
}

/** A started proxy. */
export interface ConnectProxy {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Every `CONNECT` received, in order. */
  readonly tunnels: TunnelRequest[];
  /** Tunnels it opened (answered 200). */
  opened(): number;
  /** From now on, answer every `CONNECT` with `status` (e.g. 403), or open tunnels again (undefined). */
  refuseWith(status: number | undefined): void;
  /** Stops listening and ends every connection and tunnel. */
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** `host:port` (IPv6 in brackets) split, or undefined when it is not that shape. */
function splitTarget(target: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(target);
  if (!match) return undefined;
  return { host: (match[1] ?? match[2] ?? '').toLowerCase(), port: Number(match[3]) };
}

function answer(socket: Socket, status: number, headers: Record<string, string> = {}): void {
  const lines = Object.entries({ ...headers, 'content-length': '0', connection: 'close' }).map(
    ([name, value]) => `${name}: ${value}`,
  );
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Status'}\r\n${lines.join('\r\n')}\r\n\r\n`);
}

/** Starts the proxy on 127.0.0.1 and resolves once it listens. */
export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const tunnels: TunnelRequest[] = [];
  const sockets = new Set<Socket>();
  let refusal: number | undefined;
  const expectedAuthorization = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`
    : undefined;

  // Anything but CONNECT (an absolute-form `GET http://...`) is refused: this proxy only tunnels.
  const server = createServer((_request, response) => {
    response.writeHead(405, { allow: 'CONNECT', 'content-type': 'text/plain' });
    response.end('this proxy only opens CONNECT tunnels\n');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (request, client: Socket, head: Buffer) => {
    const target = request.url ?? '';
    const authorization = request.headers['proxy-authorization'];
    const record = (status: number) => tunnels.push({ target, status, authorization });
    client.on('error', () => client.destroy());
    if (refusal !== undefined) {
      record(refusal);
      answer(client, refusal);
      return;
    }
    if (expectedAuthorization !== undefined && authorization !== expectedAuthorization) {
      record(407);
      answer(client, 407, { 'proxy-authenticate': 'Basic realm="dspm-bridge test proxy"' });
      return;
    }
    const routed = options.routes?.[target.toLowerCase()];
    const destination = splitTarget(routed ?? target);
    if (!destination || !isLoopback(destination.host)) {
      record(502);
      answer(client, 502);
      return;
    }
    const upstream = connect(destination.port, destination.host);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    let established = false;
    upstream.once('connect', () => {
      established = true;
      record(200);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => {
      if (!established) {
        record(502);
        answer(client, 502);
      } else client.destroy();
    });
    client.on('close', () => upstream.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    opened: () => tunnels.filter((tunnel) => tunnel.status === 200).length,
    refuseWith: (status) => {
      refusal = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
