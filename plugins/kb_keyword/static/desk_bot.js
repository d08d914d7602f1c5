// /desk/bot: the "find the entry" picker suggests entries by title as staff type (the form still
// works without JavaScript: it reloads the page with the matches).
(function () {
  "use strict";
  var token = document.querySelector("input[name=csrf_token]");
  document.querySelectorAll("form.kb-picker").forEach(function (form) {
    var input = form.querySelector("input[type=search]");
    var list = document.getElementById(form.getAttribute("data-results"));
    var timer = null, asked = "";
    if (!input || !list || !token) { return; }
    function hidden(name, value) {
      var e = document.createElement("input");
      e.type = "hidden"; e.name = name; e.value = value;
      return e;
    }
    function show(entries) {
      list.textContent = "";
      entries.forEach(function (entry) {
        var li = document.createElement("li"), post = document.createElement("form");
        post.method = "post"; post.action = form.getAttribute("data-attach"); post.className = "inline";
        post.appendChild(hidden("csrf_token", token.value));
        post.appendChild(hidden("question_id", form.getAttribute("data-question")));
        post.appendChild(hidden("question_ids", form.getAttribute("data-ids")));
        post.appendChild(hidden("entry_id", String(entry.id)));
        var title = document.createElement("span");
        title.textContent = entry.title + " ";
        var meta = document.createElement("span");
        meta.className = "muted";
        meta.textContent = [entry.category, entry.status, entry.language].filter(Boolean).join(" · ") + " ";
        var button = document.createElement("button");
        button.type = "submit"; button.className = "button"; button.textContent = form.getAttribute("data-label");
        post.appendChild(title); post.appendChild(meta); post.appendChild(button);
        li.appendChild(post);
        list.appendChild(li);
      });
      if (!entries.length) {
        var none = document.createElement("li");
        none.className = "muted"; none.textContent = form.getAttribute("data-none");
        list.appendChild(none);
      }
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || q === asked) { return; }
        asked = q;
        fetch(form.getAttribute("data-titles") + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : {entries: []}; })
          .then(function (data) { if (input.value.trim() === q) { show(data.entries || []); } });
      }, 200);
    });
  });
})();
