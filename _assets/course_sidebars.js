// Keyboard focus after the contents dialogs close (narrow screens).
//
// The book theme blurs a sidebar button as it is clicked (to drop its tooltip) before the
// pydata theme notes which element to give focus back to when the dialog closes, so after
// Escape the focus fell to the page's start and a keyboard reader had to tab through the
// header again. When a dialog closes with nothing focused, focus its button.
document.addEventListener("DOMContentLoaded", function () {
  [["pst-primary-sidebar-modal", ".primary-toggle"], ["pst-secondary-sidebar-modal", ".secondary-toggle"]]
    .forEach(function (pair) {
      var dialog = document.getElementById(pair[0]);
      if (!dialog) { return; }
      dialog.addEventListener("close", function () {
        setTimeout(function () {
          if (document.activeElement && document.activeElement !== document.body) { return; }
          var button = Array.prototype.find.call(document.querySelectorAll(pair[1]),
            function (b) { return b.offsetParent !== null; });
          if (button) { button.focus(); }
        }, 0);
      });
    });
});
