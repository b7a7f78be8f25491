import { describe, expect, it } from 'vitest';
import * as datasets from './index';
import * as node from './node';

describe('public surface', () => {
  it('keeps reader internals out of the main entry and every name other packages import in it', () => {
    const names = Object.keys(datasets);
    for (const internal of ['splitLines', 'streamLines', 'tryParseJson', 'formatLocation', 'requireNonEmpty', 'checkPlaceholders', 'parseOptions', 'resolveTask']) {
      expect(names, internal).not.toContain(internal);
    }
    for (const used of ['getTask', 'registerTask', 'tokenBlocks', 'encodeExample', 'encodePrompt', 'exampleFormatter', 'padBatch', 'padTokenIdOf', 'IGNORE_INDEX', 'SPLITS', 'shuffled', 'readRecords', 'extractChoice', 'extractNumber', 'extractOptionLetter', 'parseNumber', 'numbersMatch', 'fetchSource', 'urlSource']) {
      expect(names, used).toContain(used);
    }
    expect(datasets.urlSource, 'the deprecated alias is the renamed function').toBe(datasets.fetchSource);
    expect(Object.keys(node)).toContain('prepareTaskData');
  });
});
