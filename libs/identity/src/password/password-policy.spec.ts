import { DomainError } from '@avn/common';
import { commonForms, PasswordPolicy } from './password-policy';

describe('PasswordPolicy', () => {
  const policy = new PasswordPolicy();

  it.each([
    ['correct-battery-42-horse', 'ada@example.com'],
    ['Zq8!vN2#kLp4', undefined],
    ['twelve chars', undefined],
    ['ünïcödé-pässwörd', 'x@y.io'],
    ['a'.repeat(100) + 'bcd-1234', undefined],
  ])('accepts %p', (password, email) => {
    expect(policy.problem(password, email)).toBeUndefined();
    expect(() => policy.assertAcceptable(password, email)).not.toThrow();
  });

  it.each([
    ['elevenchars', undefined, /at least 12/],
    ['x'.repeat(257), undefined, /at most 256/],
    ['password1234', undefined, /too common/],
    ['Password2024!', undefined, /too common/],
    ['P@ssw0rd2024', undefined, /too common/],
    ['qwertyqwerty', undefined, /too common/],
    ['123456123456', undefined, /too common/],
    ['iloveyou!!!!', undefined, /too common/],
    ['aaaaaaaaaaaaaaab', undefined, /repetitive/],
    ['my-name-is-grace.hopper!', 'Grace.Hopper@navy.mil', /e-mail/],
    ['GRACE.HOPPER1906', 'grace.hopper@navy.mil', /e-mail/],
  ])('refuses %p', (password, email, reason) => {
    expect(policy.problem(password, email)).toMatch(reason);
  });

  it('counts length in code points (emoji are one character each)', () => {
    expect(policy.problem('🔒🔑🔒🔑🔒🔑🔒🔑🔒🔑🔒', undefined)).toMatch(/at least 12/); // 11 code points, 22 UTF-16 units
  });

  it('ignores very short e-mail local parts (they would refuse half of all passwords)', () => {
    expect(policy.problem('my-long-passphrase-ab', 'ab@x.io')).toBeUndefined();
  });

  it('throws 400 VALIDATION_FAILED with a detail on password', () => {
    try {
      policy.assertAcceptable('short');
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        details: [{ field: 'password', message: expect.any(String) }],
      });
    }
  });

  it('derives the compared forms', () => {
    expect(commonForms('p@ssw0rd2024')).toContain('password');
    expect(commonForms('dragondragon')).toContain('dragon');
    expect(commonForms('!!monkey99')).toContain('monkey');
  });
});
