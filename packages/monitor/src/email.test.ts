import { afterEach, describe, expect, it } from 'vitest';
import { createEmailNotifier, createMailer } from './email.js';
import { recordingLogger, startSmtpServer } from './test-helpers.js';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

describe('email over SMTP', () => {
  it('delivers a message to a real SMTP server', async () => {
    const smtp = await startSmtpServer();
    closers.push(smtp.close);
    const mailer = createMailer({ transport: smtp.transport, from: 'keygate <keys@example.test>' });
    closers.push(() => mailer.close());
    await mailer.sendMail({ to: 'owner@example.test', subject: 'Rotate your key', text: 'Please rotate sk_live_…abcd.' });
    const [mail] = await smtp.waitFor(1);
    expect(mail!.to).toEqual(['owner@example.test']);
    expect(mail!.from).toBe('keys@example.test');
    expect(mail!.subject).toBe('Rotate your key');
    expect(mail!.raw).toContain('Please rotate');
  });

  it('notifier picks recipients per notification and skips when there are none', async () => {
    const smtp = await startSmtpServer();
    closers.push(smtp.close);
    const notifier = createEmailNotifier({
      transport: smtp.transport,
      from: 'keys@example.test',
      to: (n) => (n.tenantId === 'acme' ? ['sec@acme.test', 'ops@acme.test'] : undefined),
    });
    closers.push(() => notifier.close());
    await notifier.send({ type: 'alert.raised', tenantId: 'globex', subject: 'x', text: 'y' });
    await notifier.send({ type: 'alert.raised', tenantId: 'acme', subject: 'Alert for acme', text: 'body' });
    const mails = await smtp.waitFor(1);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(['sec@acme.test', 'ops@acme.test']);
  });

  it('mailer throws when the server is unreachable; the notifier logs instead', async () => {
    const smtp = await startSmtpServer();
    const transport = smtp.transport;
    await smtp.close();
    const mailer = createMailer({ transport: { ...transport, connectionTimeout: 2000 }, from: 'keys@example.test' });
    await expect(mailer.sendMail({ to: 'a@example.test', subject: 's', text: 't' })).rejects.toThrow();
    const logger = recordingLogger();
    const notifier = createEmailNotifier({ transport, from: 'keys@example.test', to: 'a@example.test', logger });
    await expect(notifier.send({ type: 't', tenantId: 'x', subject: 's', text: 't' })).resolves.toBeUndefined();
    expect(logger.errors).toHaveLength(1);
  });
});
