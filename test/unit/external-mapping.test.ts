import assert from 'node:assert/strict';
import { externalTableFor, resolveMapping, type MappingScope } from '../../src/domain/external-mapping';
import type { Destination } from '../../src/domain/integration-settings';

interface Candidate {
  name: string;
  externalSystem: Destination;
  integrationConfigId: string | null;
}

const THIS = 'int-this';
const linked: Candidate = { name: 'linked', externalSystem: 'QuickBooks', integrationConfigId: THIS };
const unlinked: Candidate = { name: 'unlinked', externalSystem: 'QuickBooks', integrationConfigId: null };
const otherIntegration: Candidate = {
  name: 'other-integration',
  externalSystem: 'QuickBooks',
  integrationConfigId: 'int-other',
};
const otherSystem: Candidate = {
  name: 'other-system',
  externalSystem: 'QuickBooksSandbox',
  integrationConfigId: THIS,
};
const otherSystemUnlinked: Candidate = {
  name: 'other-system-unlinked',
  externalSystem: 'QuickBooksSandbox',
  integrationConfigId: null,
};
const all = [linked, unlinked, otherIntegration, otherSystem, otherSystemUnlinked];

function scope(enforce: boolean): MappingScope {
  return { integrationId: THIS, destination: 'QuickBooks', enforceExternalMappingsForConfig: enforce };
}

function subsets<T>(items: readonly T[]): T[][] {
  return items.reduce<T[][]>((acc, item) => acc.concat(acc.map((s) => [...s, item])), [[]]);
}

describe('external mapping resolution (spec §5.1)', () => {
  it('names the QBO table for each m3ter entity', () => {
    assert.equal(externalTableFor('Account'), 'Customer');
    for (const entity of ['Product', 'Aggregation', 'CompoundAggregation', 'PricingBand'] as const) {
      assert.equal(externalTableFor(entity), 'Item');
    }
  });

  it('prefers a linked mapping over an unlinked one when not enforced', () => {
    assert.equal(resolveMapping([unlinked, linked], scope(false)), linked);
    assert.equal(resolveMapping([unlinked], scope(false)), unlinked);
  });

  it('uses only linked mappings when enforced', () => {
    assert.equal(resolveMapping([unlinked, linked], scope(true)), linked);
    assert.equal(resolveMapping([unlinked], scope(true)), undefined);
  });

  it('never uses mappings linked to other integrations, nor another external system', () => {
    for (const enforce of [false, true]) {
      assert.equal(
        resolveMapping([otherIntegration, otherSystem, otherSystemUnlinked], scope(enforce)),
        undefined,
      );
    }
  });

  it('treats a mapping without integrationConfigId key as unlinked', () => {
    const loose = { externalSystem: 'QuickBooks' as const } as unknown as Candidate;
    assert.equal(resolveMapping([loose], scope(false)), loose);
    assert.equal(resolveMapping([loose], scope(true)), undefined);
  });

  it('resolves every combination of candidates × enforce, in any order', () => {
    for (const candidates of subsets(all)) {
      for (const enforce of [false, true]) {
        const has = (c: Candidate) => candidates.includes(c);
        const expected = has(linked) ? linked : !enforce && has(unlinked) ? unlinked : undefined;
        const label = `${candidates.map((c) => c.name).join(',') || 'none'} enforce=${enforce}`;
        assert.equal(resolveMapping(candidates, scope(enforce)), expected, label);
        assert.equal(
          resolveMapping([...candidates].reverse(), scope(enforce)),
          expected,
          `${label} reversed`,
        );
      }
    }
  });

  it('matches the destination, including the sandbox', () => {
    const sandbox: MappingScope = {
      integrationId: THIS,
      destination: 'QuickBooksSandbox',
      enforceExternalMappingsForConfig: false,
    };
    assert.equal(resolveMapping(all, sandbox), otherSystem);
    assert.equal(resolveMapping([otherSystemUnlinked, unlinked], sandbox), otherSystemUnlinked);
  });
});
