/* Every page: after a form comes back with errors, move the focus to the error summary, so a
   screen-reader or keyboard user starts from the list of what to correct (issue 17). */
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (!summary) { return; }
  if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
  summary.focus();
}());
