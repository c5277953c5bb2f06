// A real user in Chromium (k6/browser) booking through the API's web page at /: join the queue, wait for
// admission, pick a concert, a schedule and a free seat, reserve and pay. The page marks what a script
// needs with data-testid attributes (reference-api/web/), so restyling the page does not break this.
// Browser metrics (web vitals, browser_http_req_duration) come from k6; the checks say whether each step
// showed what a user expects to see.
//
// data-testid contract with reference-api/web/:
//   user-id (input) · join-queue (button) · concert, schedule, seat (clickable items, data-available="true"
//   when bookable) · reserve (button, after choosing seats) · pay (button, once held) · payment-done (shown
//   when paid)
import { check } from 'k6';
import exec from 'k6/execution';
import { browser, type Page } from 'k6/browser';
import { BASE_URL, think } from '../lib/api.ts';
import { USERS, userForVu } from '../lib/data.ts';
import { workloadOptions } from '../lib/options.ts';
export { handleSummary } from '../lib/summary.ts';

export const options = workloadOptions('browser');

/** Browser users take the top of the user range, away from the users API workloads use first. */
const userId = (): number => USERS + 1 - userForVu(exec.vu.idInTest);

const STEP_TIMEOUT_MS = 15_000;

async function step(page: Page, name: string, testId: string): Promise<boolean> {
  const locator = page.getByTestId(testId).first();
  try {
    await locator.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    return check(true, { [name]: (ok) => ok });
  } catch {
    return check(false, { [name]: (ok) => ok });
  }
}

/** One booking as a user does it; false (and a failed check) at the first step that does not show up. */
async function book(page: Page): Promise<boolean> {
  await page.goto(`${BASE_URL}/`);
  await page.getByTestId('user-id').fill(String(userId()));
  await page.getByTestId('join-queue').click();
  if (!(await step(page, 'admitted from the queue', 'concert'))) return false;

  await page.locator('[data-testid="concert"][data-available="true"]').first().click();
  if (!(await step(page, 'schedules shown', 'schedule'))) return false;

  await page.locator('[data-testid="schedule"][data-available="true"]').first().click();
  if (!(await step(page, 'seats shown', 'seat'))) return false;

  // Browser VUs start together and see the same free seats: a random pick among them would, now and then,
  // send two users to one seat and fail a booking that nothing on the server got wrong. Each VU takes its own
  // place in the list instead, so concurrent browser users never reach for the same seat.
  const freeSeats = page.locator('[data-testid="seat"][data-available="true"]');
  await freeSeats.nth((exec.vu.idInTest - 1) % (await freeSeats.count())).click();
  await page.getByTestId('reserve').click();
  if (!(await step(page, 'seat held', 'pay'))) return false;

  await page.getByTestId('pay').click();
  return step(page, 'payment confirmed', 'payment-done');
}

export default async function (): Promise<void> {
  const page = await browser.newPage();
  try {
    await book(page);
  } catch (error) {
    // A browser error (page not served, element never there) is a failed booking, not a silent iteration.
    check(false, { 'booking finished without a browser error': (ok) => ok });
    console.error(`browser booking failed: ${String(error)}`);
  } finally {
    await page.close();
  }
  think();
}
