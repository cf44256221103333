import { test, expect, hydrated } from './fixtures';

// A patient of their own (registered here), so the devices listed are only this test's.
test('a patient signs out another of their devices from the security page', async ({ page, browser }) => {
  const email = `e2e-devices-${Date.now()}@example.org`;
  const password = 'violet lantern across the harbour';
  await page.goto('/register');
  await hydrated(page);
  await page.getByLabel('Full name').fill('Mae Jemison');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Clinic code').fill('SUNRISE');
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/signin\?registered=1$/);

  // The phone: a second browser of the same person.
  const phone = await browser.newContext({
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
  });
  const phonePage = await phone.newPage();
  for (const p of [page, phonePage]) {
    await p.goto('/signin');
    await hydrated(p);
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await expect(p).toHaveURL(/\/patient$/);
  }

  await page.getByRole('link', { name: 'Security' }).click();
  await expect(page).toHaveURL(/\/security$/);
  await expect(page.getByRole('heading', { name: 'Signed-in devices' })).toBeVisible();
  const devices = page.getByTestId('device');
  await expect(devices).toHaveCount(2);
  await expect(devices.filter({ hasText: 'This device' })).toHaveCount(1);
  const phoneRow = devices.filter({ hasText: 'Safari on iOS' });
  await expect(phoneRow).toHaveCount(1);

  await phoneRow.getByRole('button', { name: /^Sign out Safari on iOS/ }).click();
  await expect(page).toHaveURL(/\/security\?ended=one$/);
  await expect(page.getByRole('status').filter({ hasText: 'That device is signed out.' })).toBeVisible();
  await expect(devices).toHaveCount(1);

  // The phone finds itself signed out at its next page.
  await phonePage.goto('/patient');
  await expect(phonePage).toHaveURL(/\/signin\?next=\/patient$/);
  await phone.close();
});
