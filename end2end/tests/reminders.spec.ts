import { test, expect, signIn } from './fixtures';

/** Whether it is New York's quiet hours now (21:00 to 08:00), the demo patients' time zone. */
function quietInNewYork(): boolean {
  const hour = Number(
    new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' }).format(new Date()),
  );
  return hour >= 21 || hour < 8;
}

// The server's embedded worker plans at start-up: Noah's overdue flu vaccination is owed an
// email. Outside his quiet hours it leaves at once, into the local mailbox; inside them it waits
// for his morning. Either way his data page says so.
test('a patient whose care is overdue is reminded by email, and sees the reminder on their data page', async ({ page }) => {
  const expected = quietInNewYork() ? 'Waiting' : 'Sent';
  await signIn(page, 'noah@example.com');
  await expect(async () => {
    await page.goto('/patient/my-data');
    await expect(
      page.getByTestId('sent-reminder').filter({ hasText: 'Sunrise Wellness Clinic' }).filter({ hasText: expected }).first(),
    ).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  if (expected === 'Sent') {
    await page.goto('/dev/mailbox');
    const mail = page.getByTestId('mail').filter({ hasText: 'noah@example.com' }).filter({ hasText: 'a reminder is waiting in your patient portal' });
    await expect(mail.first()).toBeVisible();
    await expect(mail.first()).toContainText('Sunrise Wellness Clinic');
    await expect(mail.first()).not.toContainText('flu');
  }
});
