import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
  close(): void;
}

/** Sends mail over SMTP (nodemailer). Without SMTP_URL, messages are only logged by the caller. */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  // Bounded, so a send cannot outlive NOTIFICATION_CLAIM_STALE_MS (a claim older than that is retaken).
  const transport = nodemailer.createTransport({
    url: smtpUrl, // its query parameters override the timeouts below
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  return {
    async send(message) {
      const info = await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
      });
      return { messageId: String(info.messageId) };
    },
    close: () => transport.close(),
  };
}
