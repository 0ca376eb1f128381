"use strict";
// Filters for the findings: severity, rule, source and free text. The state lives in the URL
// fragment (#sev=error,warning&rule=TOT01&src=...&q=...), and #f=<id> links to one finding.
(function () {
  const form = document.getElementById("filters");
  if (!form) return;
  const findings = Array.from(document.querySelectorAll("article.finding"));
  const groups = Array.from(document.querySelectorAll("section.rule-group"));
  const shown = document.getElementById("shown");
  const boxes = Array.from(form.querySelectorAll("input[name=sev]"));
  const rule = document.getElementById("filter-rule");
  const src = document.getElementById("filter-src");
  const q = document.getElementById("filter-q");
  const text = new Map(findings.map((f) => [f, f.textContent.toLowerCase()]));

  function hasOption(select, value) {
    return Array.from(select.options).some((o) => o.value === value);
  }

  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    if (params.has("sev")) {
      const wanted = params.get("sev").split(",");
      boxes.forEach((b) => { b.checked = wanted.includes(b.value); });
    } else {
      boxes.forEach((b) => { b.checked = true; });
    }
    rule.value = hasOption(rule, params.get("rule") || "") ? params.get("rule") || "" : "";
    src.value = hasOption(src, params.get("src") || "") ? params.get("src") || "" : "";
    q.value = params.get("q") || "";
    return params.get("f");
  }

  function writeHash() {
    const params = new URLSearchParams();
    const sev = boxes.filter((b) => b.checked).map((b) => b.value);
    if (sev.length !== boxes.length) params.set("sev", sev.join(","));
    if (rule.value) params.set("rule", rule.value);
    if (src.value) params.set("src", src.value);
    if (q.value.trim()) params.set("q", q.value.trim());
    const hash = params.toString();
    history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
  }

  function apply(linked) {
    const sev = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    const words = q.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let visible = 0;
    findings.forEach((f) => {
      const match = f.id === "f-" + linked || (
        sev.has(f.dataset.severity) &&
        (!rule.value || f.dataset.rule === rule.value) &&
        (!src.value || f.dataset.sources.split(" ").includes(src.value)) &&
        words.every((w) => text.get(f).includes(w)));
      f.hidden = !match;
      f.classList.toggle("linked", f.id === "f-" + linked);
      if (match) visible += 1;
    });
    groups.forEach((g) => { g.hidden = !g.querySelector("article.finding:not([hidden])"); });
    shown.textContent = visible + " of " + findings.length + " findings shown";
  }

  function fromHash() {
    const linked = readHash();
    apply(linked);
    if (linked) {
      const target = document.getElementById("f-" + linked);
      if (target) target.scrollIntoView({ block: "start" });
    }
  }

  form.addEventListener("input", () => { writeHash(); apply(null); });
  form.addEventListener("submit", (e) => e.preventDefault());
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
