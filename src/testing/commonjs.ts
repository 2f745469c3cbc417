/**
 * The CommonJS build of `appointment-kit/testing` (package.json `exports` → `require`).
 *
 * Vitest can only be imported: its CommonJS entry throws on `require()`. A CommonJS build of the
 * suite would therefore fail to load at all. Vitest never needs one anyway: it loads test files,
 * and what they import, as ES modules, even in a CommonJS project, so a test file's `import`
 * reaches the ES module build. This build exists so that `require('appointment-kit/testing')`
 * still loads (tools that walk every export, CommonJS scripts using the row builder), and so the
 * one thing it cannot do fails with a message that says what to do instead.
 */

import type { runStoreConformance as realRunStoreConformance } from './store-conformance.js';

export { newAppointmentRow } from './rows.js';

/** Throws: the suite runs under Vitest, which loads `appointment-kit/testing` as an ES module. */
export const runStoreConformance: typeof realRunStoreConformance = () => {
  throw new Error(
    "runStoreConformance runs inside Vitest, which cannot be loaded with require(): import it in a test file (import { runStoreConformance } from 'appointment-kit/testing') and let Vitest run that file.",
  );
};
