/**
 * About a hundred of the most common passwords of public breach corpora, lowercased. Most are shorter
 * than the minimum length, so PasswordPolicy also matches them after removing digit/symbol padding,
 * undoing repetition and common character substitutions ("Password1234!", "qwertyqwerty", "p@ssw0rd2024").
 */
export const COMMON_PASSWORDS: readonly string[] = [
  '123456', '12345678', '123456789', '1234567890', '12345', '1234567', '111111', '000000', '123123', '654321',
  '121212', '666666', '696969', '112233', '987654321', 'password', 'passwort', 'qwerty', 'qwertyuiop', 'qwertz',
  'azerty', 'asdfgh', 'asdfghjkl', 'zxcvbnm', '1q2w3e4r', '1q2w3e4r5t', '1qaz2wsx', 'zaq1zaq1', 'qazwsx', 'abc',
  'abcdef', 'abcdefg', 'abcdefgh', 'iloveyou', 'letmein', 'welcome', 'admin', 'administrator', 'root', 'changeme',
  'trustno', 'football', 'baseball', 'basketball', 'soccer', 'hockey', 'superman', 'batman', 'starwars', 'princess',
  'sunshine', 'monkey', 'dragon', 'master', 'shadow', 'michael', 'jennifer', 'jordan', 'harley', 'ranger', 'hunter',
  'buster', 'killer', 'george', 'charlie', 'andrew', 'michelle', 'jessica', 'pepper', 'ginger', 'summer', 'winter',
  'spring', 'autumn', 'ashley', 'nicole', 'chelsea', 'biteme', 'matthew', 'access', 'yankees', 'dallas', 'austin',
  'thunder', 'taylor', 'matrix', 'mustang', 'freedom', 'computer', 'internet', 'whatever', 'loveme', 'secret',
  'login', 'guest', 'hello', 'flower', 'cookie', 'pokemon', 'liverpool', 'arsenal', 'samsung', 'google', 'facebook',
  'linkedin', 'myspace', 'opensesame', 'passw0rd', 'correcthorsebatterystaple', 'qwerty123', 'password123', 'aa123456',
];
