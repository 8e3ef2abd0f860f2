import { cronProblem, nextCronTime } from './cron';

describe('cron schedules', () => {
  const at = new Date('2026-03-10T10:07:30Z'); // a Tuesday

  it.each([
    ['0 3 * * *', '2026-03-11T03:00:00.000Z'],
    ['*/15 * * * *', '2026-03-10T10:15:00.000Z'],
    ['30 10 * * *', '2026-03-10T10:30:00.000Z'],
    ['0 0 1 * *', '2026-04-01T00:00:00.000Z'],
    ['0 9 * * 1', '2026-03-16T09:00:00.000Z'],
    ['*/10 * * * * *', '2026-03-10T10:07:40.000Z'],
    ['@daily', '2026-03-11T00:00:00.000Z'],
  ])('%s fires next at %s (UTC)', (expression, next) => {
    expect(cronProblem(expression)).toBeUndefined();
    expect(nextCronTime(expression, at).toISOString()).toBe(next);
  });

  it('is strictly after the given time', () => {
    expect(nextCronTime('0 3 * * *', new Date('2026-03-11T03:00:00Z')).toISOString()).toBe('2026-03-12T03:00:00.000Z');
  });

  it.each(['bad', '61 * * * *', '* * * * * * *', '0 25 * * *', '0 3 * 13 *'])('refuses %s', (expression) => {
    expect(cronProblem(expression)).toMatch(/not a cron expression/);
  });

  it('treats empty as off', () => {
    expect(cronProblem('')).toBeUndefined();
    expect(cronProblem('  ')).toBeUndefined();
  });
});
