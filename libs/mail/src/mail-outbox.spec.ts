import { backoffSeconds } from './mail-outbox';

describe('mail backoff', () => {
  it('doubles from 10 s and is capped at one hour', () => {
    expect([1, 2, 3, 4].map(backoffSeconds)).toEqual([10, 20, 40, 80]);
    expect(backoffSeconds(9)).toBe(2560);
    expect(backoffSeconds(10)).toBe(3600);
    expect(backoffSeconds(1000)).toBe(3600);
  });
});
