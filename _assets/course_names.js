// Names that screen readers announce for the theme's own controls (axe-core's rules
// summary-name, label-content-name-mismatch and region; tests/site_checks.py runs it).
document.addEventListener("DOMContentLoaded", function () {
  // The site contents' fold buttons (one per chapter, beside its link) had no name: a
  // screen reader said "disclosure triangle" 47 times. Each now names what it unfolds.
  document.querySelectorAll("nav.bd-docs-nav li > details > summary").forEach(function (summary) {
    var link = summary.parentNode.parentNode.querySelector(":scope > a");
    if (link && !summary.getAttribute("aria-label")) {
      summary.setAttribute("aria-label", "Pages under " + link.textContent.trim());
    }
  });
  // A control whose label is not the words it shows confuses voice control ("click Show
  // code cell content" does nothing when its name is "Toggle hidden content"): the search
  // field ("Search Ctrl+K", named "Search") and the fold of a hidden code cell are named
  // by their visible words instead.
  document.querySelectorAll(".search-button-field[aria-label], summary[aria-label='Toggle hidden content']")
    .forEach(function (control) { control.removeAttribute("aria-label"); });
  // The sidebar's title and search field sat outside any landmark: the whole sidebar is
  // the site's navigation.
  var sidebar = document.getElementById("pst-primary-sidebar");
  if (sidebar && !sidebar.getAttribute("role")) {
    sidebar.setAttribute("role", "navigation");
    sidebar.setAttribute("aria-label", "Site");
  }
});
