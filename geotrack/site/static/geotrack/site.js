// Every page: on narrow screens the navigation, the language switch and sign-in collapse behind
// one menu button (aria-expanded says whether the menu is open). Without JavaScript the menu
// simply stays open, wrapped under the brand.
(function () {
  "use strict";
  var header = document.querySelector(".site-header");
  if (!header) { return; }
  var button = header.querySelector(".menu-button");
  var menu = document.getElementById("site-menu");
  if (!button || !menu) { return; }
  var narrow = window.matchMedia("(max-width: 760px)");

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("menu-open", open);
  }
  function fit() {
    button.hidden = !narrow.matches;
    header.classList.toggle("menu-collapsible", narrow.matches);
    setOpen(!narrow.matches);
  }
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  header.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && narrow.matches && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
  if (narrow.addEventListener) { narrow.addEventListener("change", fit); }
  fit();
})();
