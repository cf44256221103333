import { test, expect, hydrated } from './fixtures';

test('a new patient registers with consent, signs in, logs steps and signs out', async ({ page }) => {
  const email = `e2e-${Date.now()}@example.org`;
  await page.goto('/');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Latest Health Information' })).toBeVisible();
  await page.getByRole('link', { name: 'Register' }).click();
  await expect(page).toHaveURL(/\/register$/);

  await page.getByLabel('Full name').fill('Rosa Parks');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByLabel('Clinic code').fill('SUNRISE');

  // Without consent the form refuses, says why beside the box, and keeps what was typed.
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('You must agree to the privacy policy to create an account.')).toBeVisible();
  await expect(page.getByLabel('Full name')).toHaveValue('Rosa Parks');
  await expect(page.getByLabel('Email')).toHaveValue(email);

  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/signin\?registered=1$/);
  await hydrated(page);
  await expect(page.getByText('Your account is ready. Sign in to continue.')).toBeVisible();

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/patient$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Welcome, Rosa' })).toBeVisible();
  const steps = page.getByTestId('goal-steps-summary');
  await expect(steps).toHaveText('Steps: 0 / 6000 – 0%');

  // Logging updates the card without a page load: a marker set on the window survives.
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByLabel('Goal', { exact: true }).selectOption('steps');
  await page.getByLabel(/^Value/).fill('3620');
  await page.getByRole('button', { name: 'Log', exact: true }).click();
  await expect(steps).toHaveText('Steps: 3620 / 6000 – 60%');
  await expect(page.getByRole('progressbar', { name: 'Steps progress' })).toHaveAttribute('aria-valuenow', '60');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

  // Bad input is explained beside the field and the value is kept.
  await page.getByLabel(/^Value/).fill('-4');
  await page.getByRole('button', { name: 'Log', exact: true }).click();
  await expect(page.getByText('Enter a number of zero or more.')).toBeVisible();
  await expect(page.getByLabel(/^Value/)).toHaveValue('-4');
  await expect(steps).toHaveText('Steps: 3620 / 6000 – 60%');

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toBeVisible();
  // The portal is closed again.
  await page.goto('/patient');
  await expect(page).toHaveURL(/\/signin\?next=\/patient$/);
});

test('a forgotten password is reset with the link from the mailbox', async ({ page }) => {
  await page.goto('/signin');
  await hydrated(page);
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await hydrated(page);
  await page.getByLabel('Email').fill('noah@example.com');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByText('If an account exists for that email')).toBeVisible();

  await expect(async () => {
    await page.goto('/dev/mailbox');
    await expect(page.getByTestId('mail').first()).toContainText('Reset your Salus password', { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await hydrated(page);
  await page.getByTestId('mail').first().getByRole('link', { name: /reset-password\?token=/ }).click();
  await expect(page).toHaveURL(/\/reset-password\?token=/);
  await hydrated(page);
  await page.getByLabel('New password').fill('my new long passphrase');
  await page.getByRole('button', { name: 'Save new password' }).click();
  await expect(page.getByText('Your password has been changed.')).toBeVisible();

  await page.getByRole('link', { name: 'Sign in', exact: true }).first().click();
  await hydrated(page);
  await page.getByLabel('Email').fill('noah@example.com');
  await page.getByLabel('Password').fill('my new long passphrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/patient$/);
  await expect(page.getByRole('heading', { name: 'Welcome, Noah' })).toBeVisible();
});

test('a visitor asking for the patient portal signs in and comes back to it', async ({ page }) => {
  await page.goto('/patient');
  await expect(page).toHaveURL(/\/signin\?next=\/patient$/);
  await hydrated(page);
  await page.getByLabel('Email').fill('sarah.chen@example.com');
  await page.getByLabel('Password').fill('wrong password here');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'That email and password do not match an account.' })).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveValue('sarah.chen@example.com');
});
