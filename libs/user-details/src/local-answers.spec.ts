import { freshBody, LocalAnswers } from './local-answers';

describe('LocalAnswers', () => {
  const deps = (role: string, epoch = 'E1'): Array<[string, string]> => [
    ['ver:user:u', '0'],
    ['ver:apikeys', '3'],
    ['ver:epoch', epoch],
    ['ver:role:r', role],
  ];
  const make = (max?: number) => new LocalAnswers('ver:apikeys', 'ver:epoch', max);

  it('keeps an answer with its counters and finds the stamp counters', () => {
    const local = make();
    local.set('k', deps('2'), '{"a":1}');
    expect(local.get('k')).toEqual({
      body: '{"a":1}',
      counters: ['ver:user:u', 'ver:apikeys', 'ver:epoch', 'ver:role:r'],
      versions: ['0', '3', 'E1', '2'],
      apiKeysAt: 1,
      epochAt: 2,
    });
  });

  it('serves a copy only while every counter holds its recorded version', () => {
    const local = make();
    local.set('k', deps('2'), 'x');
    const answer = local.get('k')!;
    expect(freshBody(answer, ['0', '3', 'E1', '2'])).toBe('x');
    expect(freshBody(answer, ['0', '3', 'E1', '3'])).toBeNull();
    expect(freshBody(answer, ['0', '3', 'E2', '2'])).toBeNull();
  });

  it('keeps only the counters of an answer that could never be served, replacing the older copy', () => {
    const local = make();
    local.set('k', deps('2'), 'old');
    local.set('k', deps('?'), 'unknown version');
    const unknown = local.get('k')!;
    expect(unknown).toMatchObject({
      body: null,
      counters: ['ver:user:u', 'ver:apikeys', 'ver:epoch', 'ver:role:r'],
      versions: ['0', '3', 'E1', '?'],
    });
    // Whatever the counters read, it is not served: the next read rebuilds with these counters pre-read.
    expect(freshBody(unknown, ['0', '3', 'E1', '2'])).toBeNull();
    expect(freshBody(unknown, ['0', '3', 'E1', '?'])).toBeNull();

    local.set('k', deps('2', '0'), 'absent epoch');
    expect(local.get('k')?.body).toBeNull();
    expect(freshBody(local.get('k')!, ['0', '3', '0', '2'])).toBeNull();

    local.set('k', [['ver:user:u', '0']], 'no stamp counters');
    expect(local.get('k')).toBeUndefined();
  });

  it('drops the oldest copy past its bound', () => {
    const local = make(2);
    local.set('a', deps('1'), 'a');
    local.set('b', deps('1'), 'b');
    local.set('a', deps('2'), 'a2'); // stored again: now the newest
    local.set('c', deps('1'), 'c');
    expect(local.get('b')).toBeUndefined();
    expect(local.get('a')?.body).toBe('a2');
    expect(local.get('c')?.body).toBe('c');
    expect(local.size).toBe(2);
  });
});
