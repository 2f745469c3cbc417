import { describe, expect, it } from 'vitest';

describe('the core suite environment', () => {
  it('runs under the process time zone its project names', () => {
    const expected = process.env.EXPECTED_PROCESS_TZ;
    expect(expected).toBeDefined();
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(expected);
    // Lord Howe is UTC+10:30 in winter and +11 in summer: the local offset proves the zone is live.
    const januaryOffset = new Date(Date.UTC(2026, 0, 15, 12)).getTimezoneOffset();
    expect(januaryOffset).toBe(expected === 'UTC' ? 0 : -660);
  });
});
