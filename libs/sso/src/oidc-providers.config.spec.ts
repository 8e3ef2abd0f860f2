import { parseOidcProviders } from './oidc-providers.config';

describe('parseOidcProviders', () => {
  const valid = { name: 'corp', issuer: 'https://idp.example.com/', clientId: 'c1', clientSecret: 's1', autoCreateUsers: true };

  it('accepts a valid list and fills defaults', () => {
    expect(parseOidcProviders(undefined)).toEqual([]);
    expect(parseOidcProviders(' ')).toEqual([]);
    expect(parseOidcProviders(JSON.stringify([valid, { name: 'local', issuer: 'http://127.0.0.1:8080', clientId: 'pub' }]))).toEqual([
      { ...valid, issuer: 'https://idp.example.com', scope: 'openid email profile' },
      {
        name: 'local',
        issuer: 'http://127.0.0.1:8080',
        clientId: 'pub',
        clientSecret: undefined,
        autoCreateUsers: false,
        scope: 'openid email profile',
      },
    ]);
  });

  it.each([
    ['[{', /is not valid JSON/],
    ['{}', /must be a JSON array/],
    ['[1]', /entry 0 must be an object/],
    [JSON.stringify([{ ...valid, name: 'Bad Name' }]), /entry 0.name must match/],
    [JSON.stringify([valid, valid]), /is used twice/],
    [JSON.stringify([{ ...valid, issuer: 'http://idp.example.com' }]), /issuer must be an https URL/],
    [JSON.stringify([{ ...valid, issuer: 'not a url' }]), /issuer must be a URL/],
    [JSON.stringify([{ ...valid, clientId: '' }]), /clientId must be a non-empty string/],
    [JSON.stringify([{ ...valid, autoCreateUsers: 'yes' }]), /autoCreateUsers must be true or false/],
    [JSON.stringify([{ ...valid, clientSecrett: 'typo' }]), /unknown field\(s\) clientSecrett/],
    [JSON.stringify([{ ...valid, scope: 'email' }]), /scope must be/],
  ])('refuses %s', (raw, message) => {
    expect(() => parseOidcProviders(raw)).toThrow(message);
  });

  it('never echoes a client secret in its errors', () => {
    expect(() => parseOidcProviders(JSON.stringify([{ ...valid, clientSecret: 'super-secret-value', issuer: 'ftp://x' }]))).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('super-secret-value') }),
    );
  });
});
