// The search strategy, as a pure function of the steps so far: double the rate until a step breaks, then
// bisect between the highest rate that held and the lowest that broke until they are `precision` apart.
// A first step that breaks halves the rate until one holds. The answer is the highest held rate below every
// broken one (a held rate above a broken one is noise and does not count).

export interface SearchBounds {
  startRate: number;
  /** never ask for more than this */
  maxRate: number;
  /** never ask for less than this: below it the search gives up */
  minRate: number;
  /** stop when the broken rate is within this fraction above the held one (0.1 = 10 %) */
  precision: number;
  growth: number;
}

export const DEFAULT_BOUNDS: SearchBounds = { startRate: 250, maxRate: 20_000, minRate: 5, precision: 0.1, growth: 2 };

export interface Tried {
  rate: number;
  held: boolean;
}

/** The highest rate that held below the lowest broken one; undefined when none held. */
export function sustainedRate(tried: readonly Tried[]): number | undefined {
  const lowestBroken = Math.min(...tried.filter((t) => !t.held).map((t) => t.rate));
  const held = tried.filter((t) => t.held && t.rate < lowestBroken).map((t) => t.rate);
  return held.length ? Math.max(...held) : undefined;
}

/** The next rate to try, or undefined when the edge is found (or cannot be within the bounds). */
export function nextRate(tried: readonly Tried[], bounds: SearchBounds): number | undefined {
  if (tried.length === 0) return Math.min(bounds.startRate, bounds.maxRate);
  const broken = tried.filter((t) => !t.held).map((t) => t.rate);
  const held = sustainedRate(tried);
  if (broken.length === 0) {
    const highest = Math.max(...tried.map((t) => t.rate));
    return highest >= bounds.maxRate ? undefined : Math.min(Math.round(highest * bounds.growth), bounds.maxRate);
  }
  const lowestBroken = Math.min(...broken);
  if (held === undefined) {
    const lower = Math.round(lowestBroken / bounds.growth);
    return lower < bounds.minRate ? undefined : lower;
  }
  if (lowestBroken <= held * (1 + bounds.precision)) return undefined;
  const middle = Math.round((held + lowestBroken) / 2);
  return middle === held || middle === lowestBroken ? undefined : middle;
}
