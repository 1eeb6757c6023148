// Buttons with data-copy="ID" copy the text of the element with that id, and say so.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  navigator.clipboard.writeText(source.textContent.trim()).then(
    () => {
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 2000);
    },
    () => { button.textContent = "Select the command and copy it"; },
  );
});
