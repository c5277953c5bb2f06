import { describe, expect, it } from 'vitest';
import { visibleControls } from './output.ts';

describe('visibleControls', () => {
  it('shows control characters as escapes and leaves everything else as typed', () => {
    expect(visibleControls('--zz-0=\n')).toBe('--zz-0=\\n');
    expect(visibleControls('a\r\tb\u001b[31mred\u007f\u0085')).toBe('a\\r\\tb\\u001b[31mred\\u007f\\u0085');
    expect(visibleControls('공연 "seat" 1 — ok')).toBe('공연 "seat" 1 — ok');
  });
});
