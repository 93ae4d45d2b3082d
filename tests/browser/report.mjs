// report.mjs: the dashboard's downloads, annual report and paper channel
// in a real headless Chromium.
//
//   node tests/browser/report.mjs BASE_URL LOGIN PASSWORD ROUNDS OPEN_ROUND ADMINS PDF_DIR REGISTRAR
//
// LOGIN is an analyst, REGISTRAR a registrar with the same PASSWORD.
// ROUNDS is a ','-separated list of rounds with data (the first one's
// downloads are tried; each one's report is printed to PDF in every
// language, into PDF_DIR as report-ROUND-LANG.pdf), OPEN_ROUND an open
// round that takes paper responses (the registrar types one in),
// ADMINS a '|'-separated list of the administrations' names. Prints one
// line per check and "N passed, M failed" last; exits 1 when a check
// failed. Run by tests/integration/test_browser_report.py.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { axe, check, finish, launch } from './lib.mjs';
const [base, login, password, roundList, openRound, adminList, pdfDir, registrar] = process.argv.slice(2);
if (!registrar) {
  console.error('usage: node report.mjs BASE_URL LOGIN PASSWORD ROUNDS OPEN_ROUND ADMINS PDF_DIR REGISTRAR');
  process.exit(2);
}
const rounds = roundList.split(',');
const round = rounds[0];
const admins = adminList.split('|');
// The width of an A4 page's content box (210 mm less 14 mm margins) in
// CSS pixels, and 8 pt in CSS pixels.
const PAGE_PX = ((210 - 2 * 14) / 25.4) * 96;
const PT8_PX = (8 / 72) * 96;
const squash = (t) => t.replace(/\s+/g, ' ').trim();

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

  // The annual report, on screen.
  await page.goto(`${base}/hr/rounds/${round}/report?lang=sv`);
  await axe(page, 'the annual report');
  const sheets = await page.$$eval('section.sheet', (ss) => ss.map((s) => ({
    id: s.dataset.sheet, heading: (s.querySelector('h1, h2') || {}).textContent || '' })));
  for (const name of admins) {
    check(sheets.some((s) => s.heading.trim() === name), `the report has a page headed ${name}`);
  }
  const adminSheets = sheets.slice(2).map((s) => s.heading.trim());
  check(adminSheets.length === admins.length && admins.every((a) => adminSheets.includes(a)),
    'one sheet per administration, each named for it');

  // The annual report, printed: every round in every language.
  for (const r of rounds) {
    for (const lang of ['sv', 'nb', 'nn', 'en']) {
      const what = `round ${r} (${lang})`;
      await page.setViewportSize({ width: Math.floor(PAGE_PX), height: 1000 });
      await page.goto(`${base}/hr/rounds/${r}/report?lang=${lang}`);
      await page.emulateMedia({ media: 'print' });
      // Laid out at the page's width: no element outside the page box or
      // cut off by an ancestor that hides overflow (an svg hides its own).
      const layout = await page.evaluate(([pageW, pt8]) => {
        const out = [];
        const name = (e) => `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string'
          ? '.' + e.className.split(' ').join('.') : ''} "${(e.textContent || '').trim().slice(0, 40)}"`;
        const article = document.querySelector('article.report');
        const all = [article, ...article.querySelectorAll('*')];
        for (const e of all) {
          if (['title', 'desc', 'defs', 'pattern'].includes(e.tagName) || e.closest('defs')) continue;
          const b = e.getBoundingClientRect();
          if (b.width === 0 && b.height === 0) continue;
          const st = getComputedStyle(e);
          if (st.visibility !== 'visible' || st.opacity === '0') out.push(`invisible: ${name(e)}`);
          if (b.left < -1 || b.right > pageW + 1) out.push(`outside the page (${Math.round(b.left)}..${Math.round(b.right)} px): ${name(e)}`);
          for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            const as = getComputedStyle(a);
            if (as.overflowX === 'visible' && as.overflowY === 'visible') continue;
            const ab = a.getBoundingClientRect();
            if (b.left < ab.left - 1 || b.right > ab.right + 1 || b.top < ab.top - 1 || b.bottom > ab.bottom + 1) {
              out.push(`cut off by ${a.tagName.toLowerCase()}: ${name(e)}`);
              break;
            }
          }
        }
        // Chart text as printed: its font size times the chart's scale.
        const small = [];
        for (const t of article.querySelectorAll('svg.chart text')) {
          const px = parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
          if (px < pt8 - 0.01) small.push(`${t.closest('svg').id || t.closest('svg').getAttribute('aria-labelledby')}: ${(px * 72 / 96).toFixed(1)} pt "${t.textContent}"`);
        }
        const text = (sel) => [...article.querySelectorAll(sel)].map((x) => x.textContent.replace(/\s+/g, ' ').trim());
        const rows = [...article.querySelectorAll('table tr')].map((tr) =>
          [...tr.cells].map((c) => c.textContent.replace(/\s+/g, ' ').trim()));
        return { out, small, rows, footnotes: text('.footnote'), hidden: text('.suppressed'),
          all: article.textContent, sheets: text('section.sheet > h2') };
      }, [PAGE_PX, PT8_PX]);
      check(layout.out.length === 0, `${what}: every element lies inside the page and is shown${
        layout.out.length ? ` (${layout.out.length}: ${layout.out.slice(0, 6).join('; ')})` : ''}`);
      check(layout.small.length === 0, `${what}: chart text prints at 8 pt or more${
        layout.small.length ? ` (${layout.small.length}: ${layout.small.slice(0, 4).join('; ')})` : ''}`);
      // One wording for hidden values: the footnote quotes what the pages say.
      const words = [...new Set(layout.hidden)];
      const foot = layout.footnotes[0] || '';
      const unquoted = words.filter((w) => !foot.includes(w));
      check(words.length > 0 && unquoted.length === 0,
        `${what}: the footnote quotes each way a hidden value reads (${unquoted.join(' | ') || words.length + ' wordings'})`);
      // A minus sign, never a hyphen, before a number.
      const hyphen = layout.all.match(/(?<![\p{L}\p{N}])-\d[\d.,]*/gu) || [];
      check(hyphen.length === 0, `${what}: negative numbers use the minus sign (${hyphen.slice(0, 3).join(' ') || 'ok'})`);

      const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
      const file = `${pdfDir}/report-${r}-${lang}.pdf`;
      writeFileSync(file, pdf);
      const pdfText = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
      const flat = squash(pdfText);
      // Every footnote, as many times as the HTML has it, and every table
      // row with its cells in order.
      let from = 0;
      const missing = [];
      for (const f of layout.footnotes) {
        const at = flat.indexOf(f, from);
        if (at < 0) missing.push(`a footnote after ${from} characters`);
        else from = at + f.length;
      }
      check(layout.footnotes.length === 2 + admins.length && missing.length === 0,
        `${what}: the PDF holds all ${layout.footnotes.length} footnotes (${missing.join(', ') || 'ok'})`);
      const lost = [];
      for (const row of layout.rows) {
        const cells = row.filter((c) => c.length);
        const re = new RegExp(cells.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s*')).join('\\s*'));
        if (!re.test(flat)) lost.push(cells.join(' | '));
      }
      check(layout.rows.length > 0 && lost.length === 0,
        `${what}: the PDF holds all ${layout.rows.length} table rows${lost.length ? ` (lost: ${lost.slice(0, 3).join('; ')})` : ''}`);
      // Each administration starts a page.
      const pageTops = pdfText.split('\f').map((p) => squash(p).replace(/^\d+ \/ \d+ /, ''));
      const late = admins.filter((a) => !pageTops.some((p) => p.startsWith(a + ' ') || p.startsWith(a)));
      check(late.length === 0, `${what}: each administration starts a new page (${late.join(', ') || 'ok'})`);
      await page.emulateMedia({ media: 'screen' });
    }
  }
  await page.setViewportSize({ width: 1280, height: 720 });

  // A blank questionnaire, from the analyst's round page.
  await page.goto(`${base}/hr/rounds/${openRound}?lang=sv`);
  check(await page.$(`a[href^="/hr/rounds/${openRound}/paper"]`) === null, 'the analyst is not offered paper entry');
  const blank = await page.getAttribute('a[data-blank="staff"]', 'href');
  const bpage = await context.newPage();
  await bpage.goto(`${base}${blank}`);
  await axe(bpage, 'the blank questionnaire');
  const bpdf = await bpage.pdf({ preferCSSPageSize: true });
  const bpages = pdfPages(bpdf);
  check(bpages >= 2, `the blank questionnaire prints (${bpages} pages)`);
  writeFileSync(`${pdfDir}/questionnaire.pdf`, bpdf);
  const btext = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', `${pdfDir}/questionnaire.pdf`, '-'],
    { encoding: 'utf8' }).split('\f').slice(0, bpages);
  const unnumbered = btext.map((t, i) => (squash(t).includes(`${i + 1} / ${bpages}`) ? 0 : i + 1)).filter((i) => i);
  check(unnumbered.length === 0, `every page of the blank questionnaire is numbered (${unnumbered.join(', ') || 'ok'})`);
  // The web survey's intro ends by promising a profile on screen; the
  // paper questionnaire, which has none to give, does not repeat it.
  const staff = JSON.parse(readFileSync(new URL('../../surveys/staff.json', import.meta.url), 'utf8'));
  for (const lang of ['sv', 'nb', 'nn', 'en']) {
    await bpage.goto(`${base}${blank.split('?')[0]}?lang=${lang}`);
    const said = squash(await bpage.textContent('article.questionnaire'));
    const promise = staff.intro[lang].split(/(?<=\.) /).pop();
    check(!said.includes(promise) && said.includes(staff.title[lang]),
      `the blank questionnaire (${lang}) does not promise a profile on screen`);
  }
  await bpage.close();

  // Paper entry, by the registrar: its first page lists the rounds to
  // type into; no page of it shows a count.
  const rcontext = await browser.newContext({ locale: 'sv-SE' });
  const rpage = await rcontext.newPage();
  await rpage.goto(`${base}/hr/login?lang=sv`);
  await rpage.fill('#login', registrar);
  await rpage.fill('#password', password);
  await Promise.all([rpage.waitForURL(`${base}/hr/paper`), rpage.click('button.primary')]);
  check(rpage.url() === `${base}/hr/paper`, 'the registrar lands on the rounds to type into');
  await axe(rpage, 'the registrar\'s rounds');
  await Promise.all([rpage.waitForLoadState('load'), rpage.click(`tr[data-round="${openRound}"] a`)]);
  check(rpage.url().startsWith(`${base}/hr/rounds/${openRound}/paper`), 'the round leads to its paper entry');
  await axe(rpage, 'the paper entry page (choosing a unit)');
  check(await rpage.$('[id^="count-"], dl.counts') === null, 'the paper entry page shows no count');
  await paperEntry(rpage);
  await rcontext.close();
} catch (e) {
  check(false, `unexpected error: ${e.stack || e}`);
} finally {
  await browser.close();
}
finish();

// Types in one staff questionnaire on `page` (the paper entry page).
async function paperEntry(page) {
  await page.selectOption('#role', 'staff');
  await Promise.all([page.waitForLoadState('load'), page.click('form.filters button[type=submit]')]);
  await page.waitForSelector('form.paper-entry');
  await axe(page, 'the paper entry form');
  // Answer every question with its first choice, by keyboard-free clicks.
  const names = await page.$$eval('form.paper-entry input[type=radio]', (is) => [...new Set(is.map((i) => i.name))]);
  for (const n of names) await page.check(`form.paper-entry input[name="${n}"] >> nth=0`);
  await Promise.all([page.waitForURL(/saved=stored/), page.click('#paper-save')]);
  check((await page.textContent('#paper-status')).length > 0, 'the page says the response was saved');
  check(await page.$('[id^="count-"], dl.counts') === null, 'the saved page shows no count');
  await axe(page, 'the paper entry page after saving');
}
