import { registerDecorator, ValidationOptions } from 'class-validator';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https URLs; plain http only for a local host (development dashboards). No credentials in the URL. */
export function isDashboardUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 2048) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return url.hostname.length > 0;
  return url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname);
}

export function IsDashboardUrl(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDashboardUrl',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'dashboardUrl must be an https URL (http only for localhost/127.0.0.1)', ...options },
      validator: { validate: isDashboardUrl },
    });
}
