// Every object write as a span of its own (`object write`), under the upload activity's span, whatever
// the store's SDK does underneath (its HTTP requests are spans too where node:http or fetch carries
// them).
import { inSpan } from '../spans';
import type { ObjectStore } from './sink';

/** `store` with a span around each create-only write and each same-bytes check; attributes name the object, never the credentials. */
export function tracedStore(store: ObjectStore, destinationType: string): ObjectStore {
  const where = (name: string) => ({ 'auditflow.destination.type': destinationType, 'auditflow.object.url': store.urlOf(name) });
  return {
    urlOf: (name) => store.urlOf(name),
    createOnly: (name, body, options) =>
      inSpan('object write', { ...where(name), 'auditflow.object.bytes': body.length }, async (span) => {
        const outcome = await store.createOnly(name, body, options);
        span.setAttribute('auditflow.object.outcome', outcome);
        return outcome;
      }),
    holdsSameBytes: (name, body) => inSpan('object compare', where(name), () => store.holdsSameBytes(name, body)),
  };
}
