// After each test file (this hook runs after the file's own afterAll hooks): nothing it created is left alive.
// Files that never loaded the addon cannot have made anything native.
import { afterAll } from 'vitest';
import { nativeLoaded } from '../../lib/native.js';
import { expectNothingLive } from '../helpers/leaks.js';

afterAll(() => {
  if (nativeLoaded()) expectNothingLive();
});
