// respond.js: enhancements for the respondent pages. Everything works
// without it: forms post to the server and the server keeps the draft.
(function () {
  'use strict';

  // Focus the error summary so screen readers hear it first.
  var summary = document.getElementById('error-summary');
  if (summary) summary.focus();

  // A progress bar from the page numbers the server rendered.
  var bar = document.querySelector('.progress[data-page]');
  if (bar) {
    var page = Number(bar.getAttribute('data-page'));
    var pages = Number(bar.getAttribute('data-pages'));
    if (pages > 0) {
      var fill = document.createElement('span');
      fill.style.width = Math.round(100 * (page - 1) / pages) + '%';
      bar.appendChild(fill);
      bar.setAttribute('role', 'progressbar');
      bar.setAttribute('aria-valuemin', '0');
      bar.setAttribute('aria-valuemax', String(pages));
      bar.setAttribute('aria-valuenow', String(page - 1));
      bar.setAttribute('aria-labelledby', 'progress-text');
      bar.hidden = false;
    }
  }

  // Save the draft on the server whenever an answer changes, so a reload
  // or another device continues where the person left off.
  var form = document.querySelector('form.survey');
  if (form && window.fetch && window.URLSearchParams) {
    var timer = null;
    var save = function () {
      var data = new URLSearchParams(new FormData(form));
      data.set('nav', 'save');
      fetch(form.getAttribute('action'), {
        method: 'POST', body: data, credentials: 'same-origin',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Requested-With': 'fetch' }
      }).catch(function () { /* the next page submit saves anyway */ });
    };
    form.addEventListener('change', function (e) {
      var q = e.target.closest && e.target.closest('fieldset.question');
      if (q && q.classList.contains('has-error')) {
        q.classList.remove('has-error');
        var err = q.querySelector('.error');
        if (err) err.remove();
      }
      clearTimeout(timer);
      timer = setTimeout(save, 300);
    });
    // The page's own post carries every answer: no autosave after it.
    form.addEventListener('submit', function () { clearTimeout(timer); });
  }

  var printButton = document.getElementById('print');
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener('click', function () { window.print(); });
  }
})();
