import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { positiveNumber, seconds, wholeNumber } from './option-parsers.ts';

describe('option parsers', () => {
  it('seconds: plain seconds or a k6-style duration, at least the minimum', () => {
    const parse = seconds(1);
    expect(['90', '90s', '1m30s', '1.5m', '1500ms', '1'].map(parse)).toEqual([90, 90, 90, 90, 1.5, 1]);
    expect(seconds(0)('0')).toBe(0);
    for (const bad of ['', ' ', 'abc', '-5', '5x', '0.5', '500ms', 's', '1m30', 'Infinity']) {
      expect(() => parse(bad), bad).toThrow(InvalidArgumentError);
    }
    expect(() => parse('0.5')).toThrow('expected seconds ≥ 1, as a number or a duration such as 30s, 2m or 1m30s.');
  });

  it('positiveNumber: finite and above zero', () => {
    expect(['0.1', '1', '2.5e1'].map(positiveNumber)).toEqual([0.1, 1, 25]);
    for (const bad of ['', '0', '-1', 'abc', 'Infinity', 'NaN'])
      expect(() => positiveNumber(bad), bad).toThrow('expected a number > 0.');
  });

  it('wholeNumber: an integer in range, the message saying which', () => {
    expect(['1', '64'].map(wholeNumber(1, 64))).toEqual([1, 64]);
    for (const bad of ['', '0', '65', '1.5', 'x'])
      expect(() => wholeNumber(1, 64)(bad), bad).toThrow('expected a whole number from 1 to 64.');
    expect(wholeNumber(1)('1000')).toBe(1000);
    expect(() => wholeNumber(1)('0')).toThrow('expected a whole number ≥ 1.');
  });
});
