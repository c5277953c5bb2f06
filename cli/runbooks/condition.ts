// Conditions in runbooks and guards: a comparison against a number, e.g. "> 0.5" or "<= 250".
// NaN (no data) satisfies no condition, so a signal never fires and an SLO never holds on silence.

export type Condition = { op: '>' | '>=' | '<' | '<=' | '==' | '!='; threshold: number };

export function parseCondition(text: string): Condition {
  const match = /^\s*(>=|<=|==|!=|>|<)\s*(-?\d*\.?\d+(?:e[+-]?\d+)?)\s*$/i.exec(text);
  if (!match) throw new Error(`"${text}" is not a comparison such as "> 0.5" or "<= 250"`);
  return { op: match[1] as Condition['op'], threshold: Number(match[2]) };
}

export function holds(condition: Condition, value: number): boolean {
  if (Number.isNaN(value)) return false;
  const { op, threshold } = condition;
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}
