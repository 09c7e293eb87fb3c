// liasse: light progressive enhancement. Every page works without this file.
(function () {
  "use strict";

  function typing(event) {
    var target = event.target;
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  // The workspace switcher submits itself when a workspace is picked.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Review shortcuts: j next, k previous, a approve, r reject (focus the reason), s save fields.
  var review = document.querySelector("[data-review]");
  if (!review) { return; }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var go = function (url) { if (url) { window.location.assign(url); } };
    var submit = function (id) {
      var form = document.getElementById(id);
      if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
    };
    switch (event.key) {
      case "j": go(review.dataset.next); break;
      case "k": go(review.dataset.previous); break;
      case "a": submit("approve-form"); break;
      case "s": submit("fields-form"); break;
      case "r":
        var reason = document.getElementById("reject-reason");
        if (reason) { reason.focus(); }
        break;
      default: return;
    }
    event.preventDefault();
  });
})();
