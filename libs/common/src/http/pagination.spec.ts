import fc from 'fast-check';
import { DomainError } from '../errors/domain-error';
import { decodeCursor, encodeCursor, toPage } from './pagination';

describe('cursors', () => {
  it('round-trips any sort key', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer(), (id, n) => {
        expect(decodeCursor<{ id: string; n: number }>(encodeCursor({ id, n }), ['id', 'n'])).toEqual({ id, n });
      }),
    );
  });

  it('refuses garbage with a 400, never a 500', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (garbage) => {
        try {
          const decoded = decodeCursor<{ id: string }>(garbage, ['id']);
          expect(typeof decoded!.id).toBe('string'); // only well-formed cursors decode
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
          expect((error as DomainError).status).toBe(400);
        }
      }),
    );
  });

  it('builds a page with a cursor only when more rows exist', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const page = toPage(
      rows,
      2,
      (r) => r.id,
      (r) => ({ id: r.id }),
    );
    expect(page.items).toEqual(['a', 'b']);
    expect(decodeCursor(page.nextCursor!, ['id'])).toEqual({ id: 'b' });
    expect(
      toPage(
        rows,
        3,
        (r) => r.id,
        (r) => ({ id: r.id }),
      ).nextCursor,
    ).toBeNull();
  });
});
