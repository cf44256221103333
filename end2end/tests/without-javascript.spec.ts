import { test, expect, hydrated, DEMO_PASSWORD } from './fixtures';

// On a slow phone the page is readable long before its islands are alive, and a patient may
// sign in meanwhile: the form then posts as plain HTML. JavaScript off is the same case, held.
test('signing in works before the page is alive, with the same outcome', async ({ browser, page }) => {
  const noScript = await browser.newContext({ javaScriptEnabled: false });
  const plain = await noScript.newPage();

  await plain.goto('/signin?next=/patient');
  await plain.getByLabel('Email').fill('emma@example.com');
  await plain.getByLabel('Password').fill('not her password');
  await plain.getByRole('button', { name: 'Sign in' }).click();
  // Back on the form, which says why; never a raw response.
  await expect(plain).toHaveURL(/\/signin\?/);
  await expect(plain.getByText('That email and password do not match an account.')).toBeVisible();
  const refusedAt = plain.url();

  await plain.getByLabel('Email').fill('emma@example.com');
  await plain.getByLabel('Password').fill(DEMO_PASSWORD);
  await plain.getByRole('button', { name: 'Sign in' }).click();
  await expect(plain).toHaveURL(/\/patient$/);
  await expect(plain.getByRole('heading', { name: 'Welcome, Emma' })).toBeVisible();
  await noScript.close();

  // The page the refusal came back to, opened where islands do come alive: the island takes
  // the form over showing the same message, without a page error.
  await page.goto(refusedAt);
  await hydrated(page);
  await expect(page.getByText('That email and password do not match an account.')).toBeVisible();
  await page.getByLabel('Email').fill('emma@example.com');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/patient$/);
});
