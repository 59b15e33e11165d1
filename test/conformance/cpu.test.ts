/** The conformance suite on the float64 reference backend (runs first: the others are judged against the same oracle). */
import { cpu, type Backend } from '@gen-ts/core';
import { describe, expect } from 'vitest';
import { conformance, type ConformanceBackend } from './suite.js';

const reference: ConformanceBackend = {
  name: 'cpu (float64 reference)',
  create: () => cpu(),
  dtype: 'float64',
  rtol: 1e-10,
  atol: 1e-12,
  assertRan: (b: Backend) => expect(b.name).toBe('cpu'),
};

describe.each([reference])('conformance: $name', (c) => conformance(c));
