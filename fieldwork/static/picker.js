// A filter box for the informant picker: typing hides the informants whose code, name,
// organisation, role, language or consent state do not contain the text. Ticked ones always
// stay in sight. Without this script the whole list is shown and works the same.
(function () {
  "use strict";
  document.querySelectorAll("fieldset.picker").forEach(function (picker) {
    var box = picker.querySelector(".picker-filter");
    var input = box.querySelector("input");
    var count = box.querySelector("[aria-live]");
    var rows = Array.prototype.slice.call(picker.querySelectorAll(".picker-list li"));
    box.hidden = false;
    function filter() {
      var words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLocaleLowerCase();
        var ticked = row.querySelector("input").checked;
        var match = ticked || words.every(function (word) { return text.indexOf(word) >= 0; });
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      count.textContent = words.length ? shown + " of " + rows.length + " shown" : "";
    }
    input.addEventListener("input", filter);
    // Enter in the filter box must not submit the whole form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
  });
})();
