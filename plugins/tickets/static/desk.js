// The desk's request page: a canned response fills the answer box; the composer's kinds share one
// draft; keyboard shortcuts for the frequent actions (letters only when no text field has focus).
(function () {
  "use strict";
  var select = document.getElementById("canned-select");
  var body = document.getElementById("reply-body");
  if (select && body) {
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var text = option && option.getAttribute("data-body");
      if (text) { body.value = body.value ? body.value + "\n\n" + text : text; }
    });
  }

  var thread = document.getElementById("thread");
  if (thread) { thread.scrollTop = thread.scrollHeight; }  // the latest message in view
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  var composer = document.getElementById("composer");
  function textOf(kind) {
    var panel = document.getElementById("panel-" + kind);
    return panel && panel.querySelector(".composer-text");
  }
  var current = composer && composer.querySelector("input[name=composer-kind]:checked");
  current = current ? current.value : "reply";
  if (composer) {
    composer.addEventListener("change", function (event) {
      if (event.target.name !== "composer-kind") { return; }
      var from = textOf(current), to = textOf(event.target.value);
      if (from && to && from !== to && from.value && !to.value) { to.value = from.value; from.value = ""; }
      current = event.target.value;
    });
  }
  function choose(kind) {
    var radio = document.getElementById("kind-" + kind);
    if (!radio) { return false; }
    radio.checked = true;
    radio.dispatchEvent(new Event("change", {bubbles: true}));
    var text = textOf(kind);
    if (text) { text.focus(); }
    return true;
  }
  function typing(element) {
    if (!element) { return false; }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable) { return true; }
    return tag === "INPUT" && !/^(radio|checkbox|button|submit|reset)$/.test(element.type);
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented) { return; }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var done = false, element;
    switch (event.key) {
      case "r": done = choose("reply"); break;
      case "n": done = choose("note"); break;
      case "d": done = choose("documents"); break;
      case "t":
        element = document.getElementById("take");
        if (element) { element.click(); done = true; }
        break;
      case "a":
        element = document.getElementById("assign-assignee");
        if (element) { element.focus(); done = true; }
        break;
      case "e":
        element = document.getElementById("escalate");
        if (element) {
          element.open = true;
          element.querySelector("select, textarea").focus();
          done = true;
        }
        break;
      case "g":
        element = document.querySelector(".ws-back a");
        if (element) { window.location.href = element.href; done = true; }
        break;
    }
    if (done) { event.preventDefault(); }
  });
})();
