// Drag and drop onto the upload form, and a progress bar while the file travels.
// Progressive enhancement: without JavaScript the plain form works the same.
(function () {
  "use strict";
  var form = document.querySelector("[data-upload]");
  if (!form) return;
  var zone = form.querySelector("[data-drop]");
  var input = zone.querySelector("input[type=file]");
  var bar = form.querySelector("[data-upload-progress]");
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) input.files = event.dataTransfer.files;
  });
  form.addEventListener("submit", function (event) {
    if (!window.XMLHttpRequest || !window.FormData || !input.files.length) return;
    event.preventDefault();
    var request = new XMLHttpRequest();
    bar.hidden = false;
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    });
    request.addEventListener("load", function () {
      if (request.responseURL && request.responseURL !== window.location.href) {
        window.location.assign(request.responseURL);
      } else {
        document.open(); document.write(request.responseText); document.close();
      }
    });
    request.open("POST", form.action || window.location.href);
    request.send(new FormData(form));
  });
})();
