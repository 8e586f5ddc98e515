/* The header's menu button (issue 22): below 700 px the tools and the navigation fold behind
   it. Without this script the button stays hidden and the header shows everything, as on a
   wide screen. The button says whether the menu is open (aria-expanded); pressing it again or
   Escape closes it, and Escape gives the focus back to the button. */
(function () {
  "use strict";
  var header = document.querySelector("[data-menu]");
  if (!header) { return; }
  var button = header.querySelector("[data-menu-button]");
  var panel = header.querySelector("[data-menu-panel]");
  if (!button || !panel) { return; }

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("portal-header--open", open);
  }

  button.hidden = false;
  header.classList.add("portal-header--folding");
  setOpen(false);
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
}());
