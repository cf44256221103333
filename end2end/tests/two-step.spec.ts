import { test, expect, hydrated, enrolFromPage, nextCode, signOut } from './fixtures';

// Runs before every other test file (playwright.config.ts: the `two-step` project), so the
// provider meets enrolment here, and the later files sign in with the app set up now.
test('a provider sets up two-step sign-in, signs out, and signs in with password and code', async ({ page }) => {
  const email = 'sarah.chen@example.com';
  await page.goto('/signin');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('salus-demo-2026');
  await page.getByRole('button', { name: 'Sign in' }).click();

  // Staff with no authenticator go straight to enrolment, and reach nothing else.
  await expect(page).toHaveURL(/\/signin\/enrol$/);
  await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
  await page.goto('/provider');
  await expect(page).toHaveURL(/\/signin\?next=\/provider$/);
  await page.goto('/signin/enrol');

  // A wrong code is refused beside the field.
  await page.getByLabel('Code', { exact: true }).fill('000000');
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.getByText(/That code is not right/)).toBeVisible();

  await enrolFromPage(page, email);
  await page.getByRole('link', { name: 'I have saved them: continue' }).click();
  await expect(page).toHaveURL(/\/provider$/);
  await hydrated(page);
  await signOut(page);

  await page.goto('/signin');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('salus-demo-2026');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/signin\/code$/);
  await page.getByLabel('Code', { exact: true }).fill(await nextCode(email));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/provider$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
});
