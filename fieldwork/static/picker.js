// The informant picker's search as you type: the text goes to the server in a POST (a name
// must not end up in an address or a log), and the informants found replace the unticked ones
// in the list. Ticked ones always stay. Without this script, *Find informants* does the same by
// showing the form again.
(function () {
  "use strict";
  document.querySelectorAll("fieldset.picker").forEach(function (picker) {
    var form = picker.closest("form");
    var input = picker.querySelector(".picker-filter input");
    var count = picker.querySelector("[aria-live]");
    var list = picker.querySelector(".picker-list");
    var button = picker.querySelector(".picker-find");
    var timer = null;
    // What to say when the search fails, in the page's language: set by the template, on the
    // picker or on its form.
    var failed = picker.dataset.searchFailed || (form && form.dataset.searchFailed) || "";
    var asked = 0;  // answers to older searches that arrive late are dropped
    // Removed, not hidden: the first submit button is the one Enter in any field presses.
    if (button) { button.remove(); }
    var token = picker.dataset.csrfToken ||
      form.querySelector("input[name=csrf_token]").value;

    function search() {
      var body = new URLSearchParams();
      body.append("csrf_token", token);
      body.append("informant_search", input.value);
      list.querySelectorAll("input:checked").forEach(function (box) {
        body.append("informant_ids", box.value);
      });
      var number = ++asked;
      fetch(picker.dataset.searchUrl, {method: "POST", body: body, credentials: "same-origin"})
        .then(function (response) { return response.text(); })
        .then(function (html) {
          if (number !== asked) { return; }
          var found = new DOMParser().parseFromString(html, "text/html");
          list.querySelectorAll("li").forEach(function (row) {
            if (!row.querySelector("input").checked) { row.remove(); }
          });
          found.querySelectorAll("ul li").forEach(function (row) {
            var added = document.importNode(row, true);
            added.querySelector("input").name = picker.dataset.fieldName;
            list.appendChild(added);
          });
          var said = found.querySelector("[data-count]");
          count.textContent = said ? said.textContent.trim() : "";
        })
        .catch(function () {
          if (number === asked) { count.textContent = failed; }
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    // Enter in the search box searches at once rather than submitting the whole form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        clearTimeout(timer);
        search();
      }
    });
  });
})();
