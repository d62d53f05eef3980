// Explorers on the web page (course/explorers.py): sliders announce the value they stand
// for, with its unit, instead of their position.
//
// An explorer's slider runs over the positions 0, 1, 2, ... of its precomputed values and
// shows the value beside it, so a screen reader said "3" for a learning rate of 0.3. Each
// slider here gets aria-valuetext, kept up to date as it moves. The explorer's HTML is a
// stored output of its notebook, so this is done by the page rather than by the notebook.
document.addEventListener("DOMContentLoaded", function () {
  // Units of the sliders whose values have one, by the slider's name on the page.
  var UNITS = {
    "tosses": "tosses", "examples": "examples", "batch size": "examples",
    "input n": "pixels", "kernel k": "pixels", "padding p": "pixels", "stride s": "pixels",
    "side": "pixels"
  };
  document.querySelectorAll(".course-explorer input[type=range][data-labels]").forEach(function (slider) {
    var labels = JSON.parse(slider.dataset.labels);
    var label = slider.closest("label");
    var name = label ? label.firstChild.textContent.trim() : "";
    var unit = UNITS[name] ? " " + UNITS[name] : "";
    function describe() { slider.setAttribute("aria-valuetext", labels[Number(slider.value)] + unit); }
    slider.addEventListener("input", describe);
    slider.addEventListener("change", describe);
    describe();
  });
});
