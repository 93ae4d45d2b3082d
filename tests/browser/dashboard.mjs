// dashboard.mjs: the HR dashboard in a real headless Chromium: a keyboard
// login, the rounds list, the heatmap (sorting), a drill-down, the trend,
// the management pages with a register upload, the audit page, in Swedish
// and Nynorsk, at desktop width
// and at 320 px, with axe-core on every page.
//
//   node tests/browser/dashboard.mjs BASE_URL LOGIN PASSWORD ROUND SERIES UNIT
//
// LOGIN must be an admin (the audit page is admins' only). Prints one line
// per check and "N passed, M failed" last; exits 1 when a check failed.
// Run by tests/integration/test_browser_dashboard.py.
import { readFileSync } from 'node:fs';
import { axe, check, finish, launch, noPageScroll } from './lib.mjs';
const [base, login, password, round, series, unit] = process.argv.slice(2);
if (!unit) {
  console.error('usage: node dashboard.mjs BASE_URL LOGIN PASSWORD ROUND SERIES UNIT');
  process.exit(2);
}

const browser = await launch();

try {
  const context = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();

  // Log in with the keyboard only.
  await page.goto(`${base}/hr/login?lang=sv`);
  check((await page.getAttribute('html', 'lang')) === 'sv', 'login page is in Swedish (lang="sv")');
  await axe(page, 'the login page');
  await page.focus('#login');
  await page.keyboard.type(login);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  check(new URL(page.url()).pathname === '/hr', 'Enter in the password field logs in and lands on /hr');

  // The rounds list.
  check(await page.locator(`a[href*="/hr/rounds/${round}"]`).count() > 0, 'the rounds list links to the round');
  await axe(page, 'the rounds list');

  // The heatmap, and sorting by a column with the keyboard.
  await page.goto(`${base}/hr/rounds/${round}?lang=sv`);
  const cells = await page.locator('table td').count();
  check(cells > 20, `the heatmap has cells (${cells})`);
  check(await page.locator('text=/[Dd]old/').count() > 0, 'hidden cells are marked in the heatmap');
  await axe(page, 'the heatmap');
  const sortLink = page.locator('th a').nth(2);
  await sortLink.focus();
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  check(page.url().includes('sort='), 'a column header sorts the heatmap from the keyboard');
  check(await page.locator('th[aria-sort]').count() === 1, 'exactly one column says how it is sorted (aria-sort)');

  // The drill-down: breadcrumbs, charts with titles and tables.
  await page.goto(`${base}/hr/rounds/${round}/units/${unit}?lang=sv`);
  check(await page.locator('nav[aria-label] a, nav a').count() > 1, 'the drill-down has breadcrumbs');
  const svgs = page.locator('svg[role="img"]');
  const nsvg = await svgs.count();
  let titled = 0;
  for (let i = 0; i < nsvg; i++) {
    if (await svgs.nth(i).locator('title').count() > 0 && await svgs.nth(i).locator('desc').count() > 0) titled++;
  }
  check(nsvg > 0 && titled === nsvg, `every chart has a title and a description (${titled}/${nsvg})`);
  check(await page.locator('table').count() >= nsvg, 'the charts have data tables');
  await axe(page, 'the unit drill-down');

  // The trend.
  await page.goto(`${base}/hr/series/${series}/trend?unit=${unit}&lang=sv`);
  check(await page.locator('svg[role="img"]').count() > 0, 'the trend has its chart');
  await axe(page, 'the trend');

  // Management and audit (admin).
  await page.goto(`${base}/hr/manage?lang=sv`);
  check(await page.locator('form').count() > 0, 'the management page has its forms');
  await axe(page, 'the management page');
  // A round's page: upload an HR register with the file picker and get
  // the links back as a download; a broken register shows its error at
  // the file field.
  await page.goto(`${base}/hr/manage/rounds/${round}?lang=sv`);
  check(await page.locator('input[type="file"]#g-file').count() === 1, 'the round page has the register upload');
  await axe(page, 'the round management page');
  const register = 'employee_id,email,unit_code,role,language\n'
    + `B-1,bo.browser@example.org,${unit},staff,sv\nB-2,ea.browser@example.org,${unit},manager,nn\n`;
  await page.setInputFiles('#g-file', { name: 'register.csv', mimeType: 'text/csv', buffer: Buffer.from(register) });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('form[enctype="multipart/form-data"] button[type="submit"]').press('Enter'),
  ]);
  const links = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
  check(links[0] === 'email,link,language' && links.length === 3
    && links[1].startsWith('bo.browser@example.org,') && links[2].endsWith(',nn'),
  `the upload downloads the links of both people (${links.length - 1} rows)`);
  await page.goto(`${base}/hr/manage/rounds/${round}?lang=sv`);
  await page.setInputFiles('#g-file', { name: 'broken.csv', mimeType: 'text/csv',
    buffer: Buffer.from('employee_id,email\nB-3,x@example.org\n') });
  await Promise.all([page.waitForNavigation(),
    page.locator('form[enctype="multipart/form-data"] button[type="submit"]').press('Enter')]);
  check(await page.locator('#g-file[aria-invalid="true"]').count() === 1
    && (await page.locator('#g-file-error').innerText()).length > 10,
  'a register without its columns is refused with the error at the file field');
  await axe(page, 'the round page with an upload error');

  await page.goto(`${base}/hr/audit?lang=sv`);
  check(await page.locator('table').count() > 0, 'the audit page lists entries');
  await axe(page, 'the audit page');

  // Nynorsk at 320 px: same pages, no page-wide horizontal scrolling.
  await page.setViewportSize({ width: 320, height: 640 });
  for (const [path, what] of [['/hr', 'rounds'], [`/hr/rounds/${round}`, 'heatmap'],
    [`/hr/rounds/${round}/units/${unit}`, 'drill-down']]) {
    await page.goto(`${base}${path}?lang=nn`);
    check((await page.getAttribute('html', 'lang')) === 'nn', `${what} in Nynorsk (lang="nn")`);
    await noPageScroll(page, `${what} at 320 px`);
    await axe(page, `${what} in Nynorsk at 320 px`);
  }
} catch (e) {
  check(false, `the run ended with an error: ${e.message}`);
} finally {
  await browser.close();
}
finish();
