import { Bench } from 'tinybench';

/** One row of the results table. */
export interface Result {
  readonly workload: string;
  readonly ours: string;
  readonly oursValue: number;
  readonly baseline: string;
  readonly baselineValue: number;
  /** What the ratio means, e.g. "× faster" or "× its rate". */
  readonly ratio: number;
  readonly ratioMeaning: string;
  readonly target: string;
  readonly met: boolean | null;
  readonly unit: string;
}

/** The median of some measurements. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Median milliseconds per call of each task, measured side by side in one tinybench run. */
export async function medianTimes(tasks: Record<string, () => unknown>, time = 1000): Promise<Record<string, number>> {
  const bench = new Bench({ time, warmupTime: 200, iterations: 5 });
  for (const [name, task] of Object.entries(tasks)) bench.add(name, task);
  await bench.warmup();
  await bench.run();
  return Object.fromEntries(bench.tasks.map((task) => [task.name, median(task.result?.samples ?? [Number.NaN])]));
}

/** Median operations per second over `rounds` runs of `run` (which returns how many operations it did). */
export async function medianRate(rounds: number, run: () => Promise<number>): Promise<number> {
  const rates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const operations = await run();
    rates.push(operations / ((performance.now() - started) / 1000));
  }
  return median(rates);
}

export const ms = (value: number) => (value < 1 ? `${(value * 1000).toFixed(1)} µs` : `${value.toFixed(2)} ms`);
export const perSecond = (value: number) => `${Math.round(value).toLocaleString('en-US')}/s`;

/** A row comparing times (lower is better): ratio = baseline ÷ ours, "× faster". */
export function timeRow(
  workload: string,
  ours: number,
  baseline: string,
  theirs: number,
  target: string,
  minimum: number | null,
): Result {
  const ratio = theirs / ours;
  return {
    workload,
    ours: ms(ours),
    oursValue: ours,
    baseline,
    baselineValue: theirs,
    ratio,
    ratioMeaning: '× faster',
    target,
    met: minimum === null ? null : ratio >= minimum,
    unit: 'ms',
  };
}

/** A row against a floor (the least possible time): ratio = ours ÷ floor, "× the floor". */
export function floorRow(workload: string, ours: number, baseline: string, floor: number, maximum: number): Result {
  const ratio = ours / floor;
  return {
    workload,
    ours: ms(ours),
    oursValue: ours,
    baseline,
    baselineValue: floor,
    ratio,
    ratioMeaning: '× the floor',
    target: `≤ ${maximum}×`,
    met: ratio <= maximum,
    unit: 'ms',
  };
}

/** A row comparing throughput (higher is better): ratio = ours ÷ baseline, "× its rate". */
export function rateRow(
  workload: string,
  ours: number,
  baseline: string,
  theirs: number,
  minimum: number | null,
): Result {
  const ratio = ours / theirs;
  return {
    workload,
    ours: perSecond(ours),
    oursValue: ours,
    baseline,
    baselineValue: theirs,
    ratio,
    ratioMeaning: '× its rate',
    target: minimum === null ? '' : `≥ ${minimum}×`,
    met: minimum === null ? null : ratio >= minimum,
    unit: 'ops/s',
  };
}

/** A row with a figure and no baseline (e.g. a count that must be zero). */
export function figureRow(workload: string, value: string, note: string, met: boolean | null): Result {
  return {
    workload,
    ours: value,
    oursValue: Number.NaN,
    baseline: note,
    baselineValue: Number.NaN,
    ratio: Number.NaN,
    ratioMeaning: '',
    target: '',
    met,
    unit: '',
  };
}

export function printTable(results: readonly Result[]): void {
  const rows = results.map((result) => [
    result.workload,
    result.ours,
    result.baseline,
    Number.isNaN(result.ratio)
      ? ''
      : `${result.ratio >= 10 ? result.ratio.toFixed(0) : result.ratio.toFixed(2)}${result.ratioMeaning}`,
    result.target,
    result.met === null ? '' : result.met ? 'met' : 'missed',
  ]);
  const header = ['workload', 'ours (median)', 'baseline (median)', 'ratio', 'target', ''];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}
