// Glue between the site and the ipywidgets manager (html-manager 1.x).
(function () {
  // 1. Point RequireJS at this site's copy of the widget manager (_static/vendor/ on the
  //    site, fetched by `make assets`), so its fonts and chunks come from the site, not a CDN.
  var loader = document.querySelector('script[src*="vendor/require.js"]');
  if (loader && window.require) {
    var vendor = loader.src.replace(/require\.js(\?.*)?$/, "");
    window.require.config({ paths: { "@jupyter-widgets/html-manager/dist": vendor + "html-manager" } });
  }
  // 2. The widget manager typesets labels through MathJax 2's MathJax.Hub.Queue; the site
  //    runs MathJax 3. Once MathJax has started, give it that one call, done the v3 way.
  if (window.MathJax) {
    window.MathJax.startup = window.MathJax.startup || {};
    window.MathJax.startup.ready = function () {
      window.MathJax.startup.defaultReady();
      window.MathJax.Hub = {
        Queue: function () {
          Array.prototype.forEach.call(arguments, function (job) {
            if (Array.isArray(job) && job[0] === "Typeset" && job[2]) {
              window.MathJax.typesetPromise([job[2]]);
            } else if (typeof job === "function") {
              job();
            }
          });
        },
      };
    };
  }
})();
