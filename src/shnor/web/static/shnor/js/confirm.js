// An irreversible act asks first (issue 24): a form with data-confirm="…" is sent only when the
// person agrees with the question; a file, not an inline handler, under the content security policy.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
}());
