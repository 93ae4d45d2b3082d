// report.mjs: the dashboard's downloads, annual report and paper channel
// in a real headless Chromium.
//
//   node tests/browser/report.mjs BASE_URL LOGIN PASSWORD ROUND OPEN_ROUND ADMINS
//
// ROUND is a round with data (its report is printed), OPEN_ROUND an open
// round that takes paper responses, ADMINS a '|'-separated list of the
// administrations' names. Prints one line per check and "N passed,
// M failed" last; exits 1 when a check failed. Run by
// tests/integration/test_browser_report.py.
import { readFileSync } from 'node:fs';
import { axe, check, finish, launch } from './lib.mjs';
const [base, login, password, round, openRound, adminList] = process.argv.slice(2);
if (!adminList) {
  console.error('usage: node report.mjs BASE_URL LOGIN PASSWORD ROUND OPEN_ROUND ADMINS');
  process.exit(2);
}
const admins = adminList.split('|');

const browser = await launch();

// Pages of a PDF: its /Type /Page objects (not /Pages).
function pdfPages(buf) {
  return (buf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
}

try {
  const context = await browser.newContext({ acceptDownloads: true, locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto(`${base}/hr/login?lang=sv`);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(`${base}/hr`), page.click('button.primary')]);
  check(page.url() === `${base}/hr`, 'logged in');

  // Downloads from the round's overview.
  await page.goto(`${base}/hr/rounds/${round}?lang=sv`);
  for (const [kind, test] of [
    ['csv', (b) => b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf],
    ['csv-excel', (b) => b[0] === 0xef && b.toString('utf8', 3, 200).includes(';')],
    ['xlsx', (b) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4],
  ]) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click(`a[data-download="${kind}"]`),
    ]);
    const path = await download.path();
    const body = readFileSync(path);
    check(test(body), `${kind} download (${download.suggestedFilename()}) has the right bytes`);
    check(download.suggestedFilename().startsWith(`round-${round}-`), `${kind} has a sensible file name`);
  }

  // The annual report.
  await page.goto(`${base}/hr/rounds/${round}/report?lang=sv`);
  await axe(page, 'the annual report');
  const sheets = await page.$$eval('section.sheet', (ss) => ss.map((s) => ({
    id: s.dataset.sheet, heading: (s.querySelector('h1, h2') || {}).textContent || '' })));
  for (const name of admins) {
    check(sheets.some((s) => s.heading.trim() === name), `the report has a page headed ${name}`);
  }
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
  const pages = pdfPages(pdf);
  check(pages === 2 + admins.length, `the report prints on ${2 + admins.length} pages (got ${pages})`);
  // Each administration's page holds its name: the sheet after the title
  // and the summary, in order, starts with that administration's heading.
  const adminSheets = sheets.slice(2).map((s) => s.heading.trim());
  check(adminSheets.length === admins.length && admins.every((a) => adminSheets.includes(a)),
    'one sheet per administration, each named for it');
  await page.emulateMedia({ media: 'screen' });

  // The paper entry page and a blank questionnaire.
  await page.goto(`${base}/hr/rounds/${openRound}/paper?lang=sv`);
  await axe(page, 'the paper entry page (choosing a unit)');
  const countPaper = async () => Number(await page.textContent('#count-paper'));
  const before = await countPaper();
  const blank = await page.getAttribute('a[data-blank="staff"]', 'href');
  const bpage = await context.newPage();
  await bpage.goto(`${base}${blank}`);
  await axe(bpage, 'the blank questionnaire');
  const bpdf = await bpage.pdf({ preferCSSPageSize: true });
  check(pdfPages(bpdf) >= 2, `the blank questionnaire prints (${pdfPages(bpdf)} pages)`);
  await bpage.close();

  await page.selectOption('#role', 'staff');
  await Promise.all([page.waitForLoadState('load'), page.click('form.filters button[type=submit]')]);
  await page.waitForSelector('form.paper-entry');
  await axe(page, 'the paper entry form');
  // Answer every question with its first choice, by keyboard-free clicks.
  const names = await page.$$eval('form.paper-entry input[type=radio]', (is) => [...new Set(is.map((i) => i.name))]);
  for (const n of names) await page.check(`form.paper-entry input[name="${n}"] >> nth=0`);
  await Promise.all([page.waitForURL(/saved=stored/), page.click('#paper-save')]);
  check((await page.textContent('#paper-status')).length > 0, 'the page says the response was saved');
  const after = await countPaper();
  check(after === before + 1, `the paper count went from ${before} to ${after}`);
  await axe(page, 'the paper entry page after saving');
} catch (e) {
  check(false, `unexpected error: ${e.stack || e}`);
} finally {
  await browser.close();
}
finish();
