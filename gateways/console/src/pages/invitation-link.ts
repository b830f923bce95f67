// Where an invited person sets a password: the issuer's invitation page
// (gateways/oauth2/interactions/invitation.ts), GET <issuer>/invitations/<token>. Pure: tested in
// tests/gateways/console/invitation-link.unit.test.ts.

export const invitationLink = (issuer: string, token: string) =>
  `${issuer.replace(/\/+$/, '')}/invitations/${encodeURIComponent(token)}`
