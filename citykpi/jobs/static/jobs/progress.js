// A job's page: poll its JSON status and move the progress bar; when the job is finished,
// reload so the server shows the download link or the error. Without script the page
// refreshes itself (<noscript><meta http-equiv="refresh">).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var step = document.getElementById("job-step");
  var count = document.getElementById("job-count");
  var delay = 1000;

  function show(status) {
    if (bar) {
      bar.max = status.total || 1;
      bar.value = status.done;
      bar.textContent = status.percent + "%";
    }
    if (step) step.textContent = status.step;
    if (count) count.textContent = status.done + "/" + status.total;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) {
          window.location.reload();
        } else {
          delay = Math.min(delay + 250, 3000);
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, delay);
})();
