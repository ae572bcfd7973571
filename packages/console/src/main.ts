const app = document.getElementById("app");
if (app) app.textContent = "aidc console";
