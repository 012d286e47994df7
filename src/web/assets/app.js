// caibian editors' workbench: small progressive enhancements. Every page works without it.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  // "Select all" for the checkboxes of the same form.
  for (const all of document.querySelectorAll("[data-check-all]")) {
    all.addEventListener("change", () => {
      for (const box of all.form.querySelectorAll('input[type="checkbox"][name="id"]')) {
        box.checked = all.checked;
      }
    });
  }

  // Forms that need a second thought (publishing, rolling back).
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (ev) => {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  }

  // A select that acts at once (moving an entry to another column).
  for (const sel of document.querySelectorAll("select[data-autosubmit]")) {
    sel.addEventListener("change", () => sel.form.requestSubmit());
  }

  // Markdown preview: the server renders it exactly as the site would.
  for (const btn of document.querySelectorAll("[data-preview-button]")) {
    btn.addEventListener("click", async () => {
      const area = btn.form.querySelector("textarea[data-preview]");
      const out = document.querySelector(area.dataset.preview);
      const res = await fetch("/preview", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": csrf },
        body: new URLSearchParams({ body: area.value }),
      });
      out.innerHTML = res.ok ? await res.text() : "<p>预览失败，请稍后重试</p>";
      out.hidden = false;
    });
  }
})();
