/* The call journal: look the caller up by number while the operator types, and open the card of
   the call the operator has just answered (polls /desk/calls/active every 5 s). No libraries. */
(function () {
  "use strict";
  var form = document.getElementById("call-form");
  var caller = document.getElementById("caller");
  if (form && caller && !form.dataset.bound) {
    form.dataset.bound = "1";
    var phone = form.querySelector("input[name=phone]");
    var lookUp = function () {
      if (!phone.value || phone.value.replace(/\D/g, "").length < 10) { caller.textContent = ""; return; }
      fetch(form.getAttribute("data-lookup-url") + "?phone=" + encodeURIComponent(phone.value),
            {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (card) {
          caller.textContent = "";
          if (!card) { return; }
          var line = document.createElement("p");
          line.textContent = (card.known ? card.name : "—") + " · " + card.requests.length;
          caller.appendChild(line);
          var list = document.createElement("ul");
          card.requests.forEach(function (req) {
            var item = document.createElement("li");
            var link = document.createElement("a");
            link.href = req.url; link.textContent = req.number + " — " + req.subject + " (" + req.status_label + ")";
            item.appendChild(link); list.appendChild(item);
          });
          caller.appendChild(list);
        })
        .catch(function () { /* the form still works without the look-up */ });
    };
    phone.addEventListener("change", lookUp);
    phone.addEventListener("blur", lookUp);
  }
  var panel = document.getElementById("phone-panel");
  var current = document.getElementById("current-call");
  if (panel && current && !panel.dataset.bound) {
    panel.dataset.bound = "1";
    var seen = null;
    var poll = function () {
      fetch(panel.getAttribute("data-active-url"), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.call || data.call.id === seen) { return; }
          seen = data.call.id;
          current.textContent = "";
          var link = document.createElement("a");
          link.href = data.call.url;
          link.textContent = data.call.phone + (data.caller.known ? " — " + data.caller.name : "");
          current.appendChild(link);
          link.focus();
        })
        .catch(function () {});
    };
    poll();
    setInterval(poll, 5000);
  }
})();
