// A figure too wide for the screen scrolls in its own box (_assets/course.css); the box
// takes the keyboard focus then, so arrow keys scroll it too, and says what it holds.
(function () {
  function update() {
    document.querySelectorAll("div.cell.tag_figure div.cell_output").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        box.setAttribute("role", "group");
        box.setAttribute("aria-label", "Figure, scrolls sideways");
      } else if (box.hasAttribute("tabindex")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  window.addEventListener("load", update);
  window.addEventListener("resize", update);
})();
