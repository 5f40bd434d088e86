document.getElementById("root").textContent = "Points of You AI Studio";
