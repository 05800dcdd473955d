// Small progressive enhancements of the evaluator's pages (no inline script: CSP).
// Everything here also works without script: the filters have their button, the
// on-plan boxes can be ticked one by one, "save and go to the next one" is a button.
(function () {
  "use strict";

  // The queue's filters apply as they change.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    var button = form.querySelector("[data-autosubmit-button]");
    if (button) { button.hidden = true; }
    form.addEventListener("change", function () {
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
  });

  // "Tick every on-plan quarter shown" in the queue.
  var all = document.getElementById("select-on-plan");
  if (all) {
    all.hidden = false;
    var label = document.querySelector("label[for='select-on-plan']");
    if (label) { label.hidden = false; }
    all.addEventListener("change", function () {
      document.querySelectorAll("input[data-on-plan]").forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }

  // Save and go to the next one: Ctrl+Enter (Cmd+Enter on a Mac) anywhere on the page.
  var next = document.getElementById("save-next");
  if (next) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        next.click();
      }
    });
  }
})();
