import type { MailMessage } from '@avn/mail';

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The invitation e-mail (plain text and HTML). Team and inviter names are user input: escaped in HTML. */
export function invitationMail(input: { to: string; teamName: string; inviterName?: string; link: string; expiresAt: Date }): MailMessage {
  const who = input.inviterName ? `${input.inviterName} invited you` : 'You have been invited';
  const expires = input.expiresAt.toISOString();
  const text = [
    `${who} to join the team "${input.teamName}" on Aventian.`,
    '',
    `Accept the invitation: ${input.link}`,
    '',
    `The invitation expires at ${expires} and can be used once.`,
    'If you did not expect it, ignore this e-mail.',
  ].join('\n');
  const html = `<p>${escapeHtml(who)} to join the team <strong>${escapeHtml(input.teamName)}</strong> on Aventian.</p>
<p><a href="${escapeHtml(input.link)}">Accept the invitation</a></p>
<p>The invitation expires at ${escapeHtml(expires)} and can be used once. If you did not expect it, ignore this e-mail.</p>`;
  return { to: input.to, subject: `Invitation to join ${input.teamName.slice(0, 150)} on Aventian`, text, html };
}
