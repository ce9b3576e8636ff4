// Entry of the browser page (placeholder until the client library lands).
const root = document.getElementById("app");
if (root) root.textContent = "roomcast";
