// Copy buttons for the citation lines (a file, not inline: the CSP refuses inline scripts).
// The buttons are hidden until this runs, so a page without scripts shows no dead button.
function copied(button, ok) {
  const label = button.dataset.label || button.innerHTML;
  button.dataset.label = label;
  button.textContent = ok ? "คัดลอกแล้ว ✓" : "กด Ctrl+C เพื่อคัดลอก";
  setTimeout(() => { button.innerHTML = label; }, 2000);
}

function copy(button) {
  const field = document.getElementById(button.dataset.copy);
  field.focus();
  field.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(() => copied(button, true),
      () => copied(button, document.execCommand("copy")));
  } else {
    copied(button, document.execCommand("copy"));
  }
}

for (const button of document.querySelectorAll("button.edunews-copy[data-copy]")) {
  button.hidden = false;
  button.addEventListener("click", () => copy(button));
}
