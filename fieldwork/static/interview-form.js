// The interview form shows the place for an interview in person and the meeting link for a video
// call (neither for a phone call). Without this script both fields stay visible and still work.
(function () {
  "use strict";
  var mode = document.getElementById("mode");
  if (!mode) { return; }
  var needs = { "in-person": ["place"], "video": ["meeting_url"], "phone": [] };
  function fieldOf(id) {
    var input = document.getElementById(id);
    return input ? input.closest(".field") : null;
  }
  function show() {
    ["place", "meeting_url"].forEach(function (id) {
      var field = fieldOf(id);
      if (!field) { return; }
      var shown = (needs[mode.value] || []).indexOf(id) >= 0;
      // A value typed before the mode changed is kept visible, so nothing is saved unseen.
      var input = document.getElementById(id);
      field.hidden = !shown && !input.value;
    });
  }
  mode.addEventListener("change", show);
  show();
})();
