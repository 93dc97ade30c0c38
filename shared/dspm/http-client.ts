/**
 * The two parts of undici the client uses, `request` and `EnvHttpProxyAgent`, imported from their
 * own modules. undici's index loads all of undici (fetch, WebSocket, EventSource, caches, mocks,
 * cookies: about 740 KB of a 1.4 MB bundle) and costs a Lambda cold start about 25 ms more than
 * these parts do (bench/RESULTS.md, bench:cold-start); the bridge needs none of the rest. The
 * behaviour is undici's own: `request` is the method the index puts on every dispatcher.
 */
import type { Dispatcher } from 'undici';
import dispatcherRequest from 'undici/lib/api/api-request.js';
import EnvHttpProxyAgentClass from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import { getGlobalDispatcher } from 'undici/lib/global.js';

/** undici's proxy-aware agent (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`). */
export const EnvHttpProxyAgent = EnvHttpProxyAgentClass;

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
