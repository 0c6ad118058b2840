// Copy buttons (data-copy="<input id>") and confirmations (form data-confirm).
document.addEventListener('click', function (e) {
  var b = e.target.closest('[data-copy]'); if (!b) return;
  var el = document.getElementById(b.dataset.copy); el.select();
  var done = function () { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); };
  if (navigator.clipboard) navigator.clipboard.writeText(el.value).then(done, function () { document.execCommand('copy'); done(); }); else { document.execCommand('copy'); done(); }
});
document.addEventListener('submit', function (e) {
  var m = e.target.dataset.confirm; if (m && !window.confirm(m)) e.preventDefault();
});
