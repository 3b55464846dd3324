import type { Awaitable, Logger, Notification, Notifier } from '@keygate/core';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

/** A nodemailer transporter, or what it takes to make an SMTP one. */
export type MailTransport = nodemailer.Transporter | SMTPTransport.Options | string;

/** One email. */
export interface MailMessage {
  to: string | string[];
  subject: string;
  text: string;
}

/** Sends email; throws when the SMTP server refuses or cannot be reached. */
export interface Mailer {
  sendMail(message: MailMessage): Promise<void>;
  /** Closes pooled SMTP connections this mailer opened. */
  close(): void;
}

/** Options of {@link createMailer}. */
export interface MailerOptions {
  /** A nodemailer transporter, SMTP options (`{ host, port, secure, auth }`) or an `smtp(s)://` URL. */
  transport: MailTransport;
  /** Sender address, e.g. `"keygate" <keys@example.com>`. */
  from: string;
}

/** Email over SMTP with nodemailer. */
export function createMailer(options: MailerOptions): Mailer {
  if (typeof options.from !== 'string' || options.from === '') throw new TypeError('createMailer: from is required');
  const own = !isTransporter(options.transport);
  const transporter: nodemailer.Transporter = isTransporter(options.transport)
    ? options.transport
    : nodemailer.createTransport(options.transport as SMTPTransport.Options);
  return {
    async sendMail(message) {
      await transporter.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text });
    },
    close() {
      if (own) transporter.close();
    },
  };
}

function isTransporter(value: MailTransport): value is nodemailer.Transporter {
  return typeof value === 'object' && value !== null && typeof (value as nodemailer.Transporter).sendMail === 'function';
}

/** Options of {@link createEmailNotifier}. */
export interface EmailNotifierOptions extends MailerOptions {
  /** Recipients: fixed addresses, or chosen per notification (e.g. per tenant); none: not sent. */
  to: string | string[] | ((notification: Notification) => Awaitable<string | string[] | undefined>);
  /** Default `console`. */
  logger?: Logger;
}

/** A {@link Notifier} that emails each notification's subject and text; failures are logged, not thrown. */
export function createEmailNotifier(options: EmailNotifierOptions): Notifier & { close(): void } {
  const mailer = createMailer(options);
  const logger = options.logger ?? console;
  return {
    async send(notification) {
      try {
        const to = typeof options.to === 'function' ? await options.to(notification) : options.to;
        if (to === undefined || to.length === 0) return;
        await mailer.sendMail({ to, subject: notification.subject, text: notification.text });
      } catch (error) {
        logger.error('keygate: email notification failed', {
          type: notification.type,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    },
    close: () => mailer.close(),
  };
}
