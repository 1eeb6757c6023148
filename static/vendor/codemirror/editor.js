// Entry point of static/vendor/codemirror-bundle.js (see ../README.md for the rebuild).
// It exposes one function, window.ExamprepEditor.attach(textarea): the textarea stays the form field
// (hidden, kept in sync on every change), so forms and htmx submit it as usual.
import { basicSetup } from "codemirror";
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";

// The page's Content-Security-Policy allows the editor's generated <style> element by this nonce.
const nonceMeta = document.querySelector('meta[name="csp-nonce"]');
const styleNonce = nonceMeta ? nonceMeta.content : "";

function attach(textarea) {
  if (textarea.dataset.editorAttached) return null;
  textarea.dataset.editorAttached = "true";
  const label = textarea.id ? document.querySelector(`label[for="${textarea.id}"]`) : null;
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        basicSetup,
        keymap.of([indentWithTab]),
        EditorState.tabSize.of(4),
        EditorView.cspNonce.of(styleNonce),
        python(),
        EditorView.contentAttributes.of({
          "aria-label": label ? label.textContent.trim() : "Code",
          "aria-describedby": textarea.getAttribute("aria-describedby") || "",
        }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) textarea.value = update.state.doc.toString();
        }),
      ],
    }),
  });
  textarea.hidden = true;
  textarea.insertAdjacentElement("afterend", view.dom);
  if (label) label.addEventListener("click", () => view.focus());
  return view;
}

window.ExamprepEditor = { attach };
