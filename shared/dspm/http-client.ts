/**
 * The parts of undici the bridge uses (`request`, `Agent`, `ProxyAgent`, and `connect` for proxy
 * tunnels), imported from their own modules. undici's index loads all of undici (fetch, WebSocket,
 * EventSource, caches, mocks, cookies: about 740 KB of a 1.4 MB bundle) and costs a Lambda cold
 * start about 25 ms more than these parts do (bench/RESULTS.md, bench:cold-start); the bridge needs
 * none of the rest. The behaviour is undici's own: `request` and `connect` are the methods the index
 * puts on every dispatcher (`Object.assign(Dispatcher.prototype, api)`).
 *
 * That last part is why this file hands `ProxyAgent` a client factory: the proxy agent opens each
 * tunnel with `client.connect(...)`, a method only the index installs. Without the index the
 * proxy's pool has no `connect` and every proxied request failed with `this[kClient].connect is
 * not a function`. The pool made here carries undici's own `connect`, on that one instance, so
 * nothing global is changed.
 */
import type { Dispatcher } from 'undici';
import dispatcherConnect from 'undici/lib/api/api-connect.js';
import dispatcherRequest from 'undici/lib/api/api-request.js';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import PoolClass from 'undici/lib/dispatcher/pool.js';
import ProxyAgentClass from 'undici/lib/dispatcher/proxy-agent.js';
import { getGlobalDispatcher } from 'undici/lib/global.js';

/** undici's `Agent`: a pool per origin, no proxy. */
export const Agent = AgentClass;

/** undici's `ProxyAgent`: every request through one proxy. Give it {@link tunnelClientFactory}. */
export const ProxyAgent = ProxyAgentClass;

/**
 * The `clientFactory` of a `ProxyAgent`: the pool of connections to the proxy, able to open a
 * tunnel (`CONNECT`) the way undici's index makes every dispatcher able to.
 */
export function tunnelClientFactory(origin: URL, options: object): Dispatcher {
  const pool = new PoolClass(origin, options);
  return Object.assign(pool, { connect: dispatcherConnect });
}

/** Options of `request`: undici's, with the URL given apart. */
export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & {
  readonly dispatcher?: Dispatcher | undefined;
};

/** undici's `request(url, options)`: through `options.dispatcher`, else undici's global one. */
export function request(url: string, options: RequestOptions): Promise<Dispatcher.ResponseData> {
  const { dispatcher = getGlobalDispatcher(), ...rest } = options;
  const parsed = new URL(url);
  return dispatcherRequest.call(dispatcher, {
    ...rest,
    origin: parsed.origin,
    path: `${parsed.pathname}${parsed.search}`,
  } as Dispatcher.RequestOptions);
}
