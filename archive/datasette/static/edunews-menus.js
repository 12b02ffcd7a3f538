// Datasette's menus are <details> elements; a click anywhere else closes the open ones
// (not the page's own folding sections, class edunews-keep).
// (Datasette ships this inline; it lives in a file here so the CSP can refuse inline scripts.)
document.addEventListener("click", (event) => {
  const inside = event.target.closest ? event.target.closest("details") : null;
  for (const menu of document.querySelectorAll("details[open]:not(.edunews-keep)")) {
    if (menu !== inside) {
      menu.open = false;
    }
  }
});
