// Log redaction follows the connectors' schemas: every field a registered connector marks write-only
// is redacted wherever a config sits in a log line, without a hand-kept list of names.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { destinationWriteOnlyPaths } from '../../activities/sinks/registry';
import { sourceWriteOnlyPaths } from '../../activities/sources/registry';
import { REDACTED_PATHS } from '../../lib/logger';

function logged(value: object): string {
  const lines: string[] = [];
  const out = new Writable({ write: (chunk, _encoding, done) => void (lines.push(String(chunk)), done()) });
  pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, out).info(value, 'line');
  return lines.join('');
}

describe('log redaction', () => {
  it("covers every registered connector's write-only fields, at every depth a config is logged", () => {
    const paths = [...sourceWriteOnlyPaths(), ...destinationWriteOnlyPaths()];
    expect(paths).toEqual(expect.arrayContaining(['token', 'credentials.serviceAccountJson']));
    for (const path of paths) for (const depth of ['', '*.', '*.*.', '*.*.*.']) expect(REDACTED_PATHS).toContain(`${depth}${path}`);
  });

  it('redacts them in configs, request bodies and workflow inputs, and on their own', () => {
    const source = { type: 'mondoo', scopeMrn: '//platform.api.mondoo.app', endpoint: 'https://x', token: 'secret-1' };
    const destination = { type: 'gcs', bucket: 'b', prefix: '', credentials: { serviceAccountJson: 'secret-2' } };
    const line = logged({ source, body: { destination }, input: { config: { source, destination } }, serviceAccountJson: 'secret-3', token: 'secret-4' });
    expect(line).not.toMatch(/secret-\d/);
    expect(line).toContain('"scopeMrn":"//platform.api.mondoo.app"');
  });
});
