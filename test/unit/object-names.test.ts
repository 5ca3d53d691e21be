// Object names under a dated prefix and with compression: deterministic, from the first event's UTC time.
import { describe, expect, it } from 'vitest';
import { expandPrefixTemplate, longestObjectName, objectName, prefixTemplateProblem } from '../../workflows/object-names';

describe('object names', () => {
  it('fills %Y %m %d %H from the first event time in UTC, and names gzip objects .jsonl.gz', () => {
    const name = objectName('mondoo/%Y/%m/%d/%H/', 'org-acme', 1001, 2000, { compression: 'gzip', firstEventAt: '2026-12-02T07:59:59.999Z' });
    expect(name).toBe('mondoo/2026/12/02/07/org-acme-audit-logs-1001-2000.jsonl.gz');
    expect(objectName('dt=%Y-%m-%d/', 'org-acme', 1, 1, { firstEventAt: '2026-01-09T23:00:00.000Z' })).toBe('dt=2026-01-09/org-acme-audit-logs-1-1.jsonl');
  });

  it('leaves prefixes and names of older configs as they were', () => {
    expect(objectName('mondoo/', 'org-acme', 1, 1000)).toBe('mondoo/org-acme-audit-logs-1-1000.jsonl');
    expect(objectName('mondoo/', 'org-acme', 1, 1000, { compression: 'none', firstEventAt: '2026-12-02T00:00:00Z' })).toBe(
      'mondoo/org-acme-audit-logs-1-1000.jsonl',
    );
    expect(expandPrefixTemplate('plain/', 'not a time')).toBe('plain/');
  });

  it('refuses every specifier but %Y %m %d %H, naming the one it met', () => {
    expect(prefixTemplateProblem('mondoo/%Y/%m/%d/%H/')).toBeUndefined();
    expect(prefixTemplateProblem('mondoo/')).toBeUndefined();
    expect(prefixTemplateProblem('mondoo/%M/')).toMatch(/"%M"/);
    expect(prefixTemplateProblem('100%/')).toMatch(/"%\/"/);
    expect(prefixTemplateProblem('mondoo/%')).toMatch(/trailing "%"/);
    expect(prefixTemplateProblem('%%Y')).toMatch(/"%%"/);
  });

  it('counts a template at its longest filled length, with .gz', () => {
    expect(longestObjectName('%Y/', 'x', 'gzip')).toBe(`9999/x-audit-logs-${Number.MAX_SAFE_INTEGER}-${Number.MAX_SAFE_INTEGER}.jsonl.gz`);
  });
});
