// The key under which an email is unique. Case-insensitive for the whole address (RFC 5321 lets
// the local part be case-sensitive, but no mail provider in practice treats it so, and two
// accounts for Ada@x and ada@x are a support ticket waiting to happen). toLowerCase, not
// toLocaleLowerCase: the key must not depend on the server's locale.
export const emailKey = (email: string): string => email.trim().normalize('NFC').toLowerCase()
