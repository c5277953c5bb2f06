// Every report parser under damaged input: the real k6 fixtures (summaries in each shape, text summaries,
// raw streams, a report.json) are truncated, bit-flipped, spliced with garbage or have a JSON value swapped
// for another. Property: loading and rendering either succeeds or fails with ReportInputError (one line,
// exit 2) — never a TypeError, RangeError or any other crash. A summary JSON cut anywhere keeps, exactly, the
// metrics complete before the cut.
import fc from 'fast-check';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReportModel } from '../../cli/report/index.ts';
import { detectInput } from '../../cli/report/inputs/detect.ts';
import { ReportInputError } from '../../cli/report/inputs/input-error.ts';
import type { NormalizedSummary } from '../../cli/report/inputs/summary.ts';
import { renderMarkdown } from '../../cli/report/render/markdown.ts';

const fixturesDir = join(import.meta.dirname, '..', '..', 'cli', 'report', 'fixtures');
let workDir: string;
let reportJson: Buffer;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'report-inputs-'));
  const model = await loadReportModel(join(fixturesDir, 'k6', 'handle-summary.json'));
  reportJson = Buffer.from(JSON.stringify(model));
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function fixture(relative: string): Buffer {
  return readFileSync(join(fixturesDir, relative));
}

/** Load and render `bytes` as a file named `name`: ok, or a ReportInputError; anything else fails the property. */
async function loadsOrRefusesClearly(name: string, bytes: Buffer): Promise<void> {
  const file = join(workDir, name);
  writeFileSync(file, bytes);
  try {
    const model = await loadReportModel(file);
    renderMarkdown(model);
  } catch (error) {
    if (!(error instanceof ReportInputError))
      throw new Error(
        `${name} (${bytes.length} bytes) crashed the parser instead of a clear error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
        { cause: error },
      );
    expect(error.message.split('\n')).toHaveLength(1);
  }
}

async function summaryOf(file: string): Promise<NormalizedSummary> {
  const input = await detectInput(file);
  if (input.format !== 'summary') throw new Error(`${file} read as ${input.format}`);
  return input.summary;
}

/** Damaged bytes that print as what was done to them (not as kilobytes of buffer) in a counterexample. */
function damaged(bytes: Buffer, what: string): Buffer {
  return Object.assign(bytes, { [fc.toStringMethod]: () => `<${what}>` });
}

/** Byte-level damage: truncation, flipped bytes, garbage spliced in, lines duplicated or dropped. */
const damage = (original: Buffer): fc.Arbitrary<Buffer> =>
  fc.oneof(
    fc
      .nat({ max: original.length })
      .map((cut) => damaged(Buffer.from(original.subarray(0, cut)), `truncated at byte ${cut}`)),
    fc
      .array(fc.tuple(fc.nat({ max: original.length - 1 }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      })
      .map((flips) => {
        const copy = Buffer.from(original);
        for (const [at, value] of flips) copy[at] = value;
        return damaged(copy, `bytes set: ${flips.map(([at, value]) => `${at}=${value}`).join(', ')}`);
      }),
    fc
      .tuple(fc.nat({ max: original.length }), fc.uint8Array({ minLength: 1, maxLength: 64 }))
      .map(([at, junk]) =>
        damaged(
          Buffer.concat([original.subarray(0, at), Buffer.from(junk), original.subarray(at)]),
          `${junk.length} junk bytes at ${at}`,
        ),
      ),
    fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => {
      const lines = original.toString('utf8').split('\n');
      const i = a % lines.length;
      const j = b % lines.length;
      return damaged(
        Buffer.from([...lines.slice(0, i), ...lines.slice(j)].join('\n')),
        `lines ${i}..${j} ${i < j ? 'dropped' : 'repeated'}`,
      );
    }),
  );

/** Structural damage to JSON: one value anywhere in the document replaced by another JSON value (or deleted). */
const jsonDamage = (original: Buffer): fc.Arbitrary<Buffer> => {
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, [...path, index]);
    } else if (value && typeof value === 'object')
      for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
  };
  walk(JSON.parse(original.toString('utf8')), []);
  const weird = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(null, -1, 0, 1e308, -1e308, '', 'NaN', [], {}, true),
    fc.constant(undefined),
  );
  return fc.tuple(fc.constantFrom(...paths.slice(1)), weird).map(([path, replacement]) => {
    const doc = JSON.parse(original.toString('utf8')) as Record<string | number, unknown>;
    let parent: Record<string | number, unknown> = doc;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1] as string | number;
    if (replacement === undefined) delete parent[last];
    else parent[last] = replacement;
    return damaged(
      Buffer.from(JSON.stringify(doc)),
      `${path.join('.')} ${replacement === undefined ? 'removed' : `= ${JSON.stringify(replacement)}`}`,
    );
  });
};

const jsonFixtures = [
  'k6/handle-summary.json',
  'k6/summary-export.json',
  'k6/machine-summary-export.json',
  'k6/machine-handle-summary.json',
];
const textFixtures = [
  'k6/text-summary-stdout.txt',
  ...readdirSync(join(fixturesDir, 'seed')).map((name) => `seed/${name}`),
];

describe('report parsers under damaged input', () => {
  for (const relative of [...jsonFixtures, ...textFixtures]) {
    it(`${relative}: byte damage → a report or a clear error`, async () => {
      const original = fixture(relative);
      await fc.assert(
        fc.asyncProperty(damage(original), (bytes) => loadsOrRefusesClearly(relative.replace('/', '-'), bytes)),
        { numRuns: 60 },
      );
    });
  }

  for (const relative of jsonFixtures) {
    it(`${relative}: a value swapped or removed anywhere → a report or a clear error`, async () => {
      await fc.assert(
        fc.asyncProperty(jsonDamage(fixture(relative)), (bytes) =>
          loadsOrRefusesClearly(relative.replace('/', '-'), bytes),
        ),
        { numRuns: 150 },
      );
    });
  }

  for (const relative of jsonFixtures) {
    it(`${relative}: cut anywhere → the metrics complete before it, k6's values, a note naming the byte`, async () => {
      const text = fixture(relative).toString('utf8');
      const original = await summaryOf(join(fixturesDir, relative));
      const names = [...original.metrics.keys()].filter((metric) => metric !== 'checks');
      const name = relative.replace('/', '-');
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: text.length - 1 }), async (cut) => {
          const file = join(workDir, name);
          writeFileSync(file, text.slice(0, cut));
          const byte = Buffer.byteLength(text.slice(0, cut));
          let recovered: NormalizedSummary;
          try {
            recovered = await summaryOf(file);
          } catch (error) {
            // nothing complete to report yet: refused with one line naming the byte, exit 2
            expect(error).toBeInstanceOf(ReportInputError);
            expect((error as Error).message).toMatch(new RegExp(`^[^\n]*\\(byte ${byte}\\): not valid JSON`));
            return;
          }
          // (a machine-readable summary's `checks` sits before its metrics, in the checks block)
          const read = [...recovered.metrics.keys()].filter((metric) => metric !== 'checks');
          expect(read).toEqual(names.slice(0, read.length));
          for (const [metric, values] of recovered.metrics) expect(values).toEqual(original.metrics.get(metric));
          for (const check of recovered.checks) expect(original.checks).toContainEqual(check);
          const note = new RegExp(`^the JSON breaks off at byte ${byte} \\(truncated or spliced\\)`);
          expect(recovered.notes?.join(' ')).toMatch(note);
          renderMarkdown(await loadReportModel(file));
        }),
        { numRuns: 80 },
      );
    });
  }

  it('report.json: a value swapped or removed anywhere → a report or a clear error', async () => {
    await fc.assert(
      fc.asyncProperty(jsonDamage(reportJson), (bytes) => loadsOrRefusesClearly('report.json', bytes)),
      { numRuns: 100 },
    );
  });

  it('raw stream (gzip): damaged compressed bytes and damaged NDJSON inside → a report or a clear error', async () => {
    const compressed = fixture('k6/raw.json.gz');
    const ndjson = gunzipSync(compressed);
    await fc.assert(
      fc.asyncProperty(damage(compressed), (bytes) => loadsOrRefusesClearly('raw.json.gz', bytes)),
      { numRuns: 30 },
    );
    await fc.assert(
      fc.asyncProperty(damage(ndjson), (bytes) =>
        loadsOrRefusesClearly('raw.json.gz', damaged(gzipSync(bytes), String(bytes))),
      ),
      { numRuns: 30 },
    );
    await fc.assert(
      fc.asyncProperty(damage(ndjson), (bytes) => loadsOrRefusesClearly('raw.json', bytes)),
      { numRuns: 30 },
    );
  }, 120_000);
});
