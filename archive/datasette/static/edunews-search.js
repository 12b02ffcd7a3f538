// The search page on a phone: results first, the facets folded under them (one tap opens
// them). The page is served with the facets open, so without this script nothing is hidden.
document.addEventListener("DOMContentLoaded", () => {
  if (window.matchMedia("(max-width: 700px)").matches) {
    for (const facets of document.querySelectorAll("details.edunews-facets")) {
      facets.open = false;
    }
  }
});
