// The desk: a canned response fills the answer box.
(function () {
  "use strict";
  var select = document.getElementById("canned-select");
  var body = document.getElementById("reply-body");
  if (!select || !body) { return; }
  select.addEventListener("change", function () {
    var option = select.options[select.selectedIndex];
    var text = option && option.getAttribute("data-body");
    if (text) { body.value = body.value ? body.value + "\n\n" + text : text; }
  });
})();
