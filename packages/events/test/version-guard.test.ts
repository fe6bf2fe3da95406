import { describe, expect, it } from 'vitest';
import {
  decideVersion,
  isDeletion,
  latestPerKey,
  recordOf,
  VERSION_GUARD_SCENARIOS,
  type GuardRecord,
} from '../src/version-guard.js';

describe('decideVersion', () => {
  it('applies to an unknown key and to a higher version, live or tombstone', () => {
    expect(decideVersion(undefined, { version: 1 })).toBe('apply');
    expect(decideVersion({ version: 2, deleted: false }, { version: 3 })).toBe('apply');
    expect(decideVersion({ version: 2, deleted: true }, { version: 3 })).toBe('apply');
  });

  it('skips the same or an older version, live or tombstone', () => {
    expect(decideVersion({ version: 2, deleted: false }, { version: 2 })).toBe('skip');
    expect(decideVersion({ version: 3, deleted: true }, { version: 2 })).toBe('skip');
  });

  it('refuses a version that is not a positive integer', () => {
    expect(() => decideVersion(null, { version: 0 })).toThrow(/positive integer/);
    expect(() => decideVersion(null, { version: 1.5 })).toThrow(/positive integer/);
  });

  // The reference implementation of the contract: the scenarios every store runs hold for it.
  for (const scenario of VERSION_GUARD_SCENARIOS) {
    it(`reference store: ${scenario.name}`, () => {
      const store = new Map<string, GuardRecord>();
      const applied = scenario.steps.map((step) => {
        const apply = decideVersion(store.get('key'), step) === 'apply';
        if (apply) store.set('key', recordOf(step));
        return apply;
      });
      expect(applied).toEqual(scenario.applied);
      const stored = store.get('key');
      expect(stored && !stored.deleted ? stored.version : null).toBe(scenario.visibleVersion);
    });
  }
});

describe('latestPerKey', () => {
  it('keeps the highest version per key in first-seen order', () => {
    const items = [
      { key: 'a', version: 1 },
      { key: 'b', version: 5 },
      { key: 'a', version: 3 },
      { key: 'b', version: 4 },
    ];
    expect(
      latestPerKey(
        items,
        (i) => i.key,
        (i) => i.version,
      ),
    ).toEqual([
      { key: 'a', version: 3 },
      { key: 'b', version: 5 },
    ]);
  });
});

describe('isDeletion', () => {
  it('is a deleted type or no state', () => {
    expect(isDeletion({ type: 'PostDeleted', payload: { id: '1' } })).toBe(true);
    expect(isDeletion({ type: 'PostUpdated', payload: null })).toBe(true);
    expect(isDeletion({ type: 'PostUpdated', payload: { id: '1' } })).toBe(false);
  });
});
