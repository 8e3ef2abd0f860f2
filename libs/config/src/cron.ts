import { CronExpressionParser } from 'cron-parser';

/**
 * Cron schedules (cron-parser; UTC). Five fields (minute hour day month weekday), an optional leading
 * seconds field, and the @hourly/@daily/@weekly/@monthly aliases.
 */
export function cronProblem(expression: string): string | undefined {
  if (expression.trim() === '') return undefined;
  try {
    CronExpressionParser.parse(expression.trim(), { tz: 'UTC' });
    return undefined;
  } catch (error) {
    return `not a cron expression (${(error as Error).message})`;
  }
}

/** The first time the schedule fires strictly after `after`. */
export function nextCronTime(expression: string, after: Date): Date {
  return CronExpressionParser.parse(expression.trim(), { currentDate: after, tz: 'UTC' }).next().toDate();
}
