// VNeID officers' console: the enrolment desk's webcam capture and
// signature pad. Both only fill hidden fields of the page's forms (a JPEG or
// PNG data: URL); without this script, or without a camera, the file inputs
// beside them do the same job. Nothing is sent anywhere but the form.
(function () {
  "use strict";

  var JPEG_QUALITY = 0.92;

  function byId(id) {
    return document.getElementById(id);
  }

  // webcam shows the webcam panel when the browser can open a camera, and
  // puts a 3:4 portrait captured from it into portrait_data.
  function webcam() {
    var panel = byId("webcam");
    if (!panel || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return;
    }
    var video = byId("webcam-video");
    var canvas = byId("webcam-canvas");
    var start = byId("webcam-start");
    var capture = byId("webcam-capture");
    var status = byId("webcam-status");
    var data = byId("portrait-data");
    var file = byId("portrait-file");
    var stream = null;

    function stop() {
      if (stream) {
        stream.getTracks().forEach(function (t) { t.stop(); });
        stream = null;
      }
      video.srcObject = null;
    }

    panel.hidden = false;
    start.addEventListener("click", function () {
      stop();
      status.textContent = "";
      navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 960 }, facingMode: "user" },
        audio: false
      }).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        canvas.hidden = true;
        capture.disabled = false;
        status.textContent = "Webcam đang bật. / The webcam is on.";
      }).catch(function (err) {
        status.textContent = "Không bật được webcam (" + err.name + "); chọn tệp ảnh. / " +
          "The webcam cannot be used (" + err.name + "); choose a file.";
      });
    });
    capture.addEventListener("click", function () {
      var w = video.videoWidth, h = video.videoHeight;
      if (!w || !h) {
        return;
      }
      // The centre of the frame, cropped to the 3:4 of an ID portrait.
      var cw = Math.min(w, Math.round(h * 3 / 4));
      var ch = Math.min(h, Math.round(cw * 4 / 3));
      canvas.width = cw;
      canvas.height = ch;
      canvas.getContext("2d").drawImage(video, (w - cw) / 2, (h - ch) / 2, cw, ch, 0, 0, cw, ch);
      data.value = canvas.toDataURL("image/jpeg", JPEG_QUALITY);
      file.value = "";
      canvas.hidden = false;
      video.hidden = true;
      capture.disabled = true;
      stop();
      status.textContent = "Đã chụp; bấm \u201cLưu ảnh chân dung\u201d. / Captured; press \u201cSave the portrait\u201d.";
    });
    file.addEventListener("change", function () {
      if (file.files.length > 0) {
        data.value = "";
        canvas.hidden = true;
      }
    });
    window.addEventListener("pagehide", stop);
  }

  // signaturePad lets the citizen sign with a mouse, pen or finger; the
  // drawing goes into signature_data as a PNG when the form is sent,
  // unless a signature file was chosen.
  function signaturePad() {
    var pad = byId("signature-pad");
    if (!pad) {
      return;
    }
    var canvas = byId("signature-canvas");
    var ctx = canvas.getContext("2d");
    var data = byId("signature-data");
    var form = byId("signature-form");
    var file = byId("signature-file");
    var drawn = false;
    var last = null;

    function blank() {
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "#102040";
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      drawn = false;
      data.value = "";
    }

    function at(e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
    }

    function line(from, to) {
      ctx.beginPath();
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
      drawn = true;
    }

    pad.hidden = false;
    blank();
    canvas.addEventListener("pointerdown", function (e) {
      canvas.setPointerCapture(e.pointerId);
      last = at(e);
      e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!last) {
        return;
      }
      var p = at(e);
      line(last, p);
      last = p;
      e.preventDefault();
    });
    canvas.addEventListener("pointerup", function () { last = null; });
    canvas.addEventListener("pointercancel", function () { last = null; });
    byId("signature-clear").addEventListener("click", blank);
    form.addEventListener("submit", function () {
      data.value = drawn && file.files.length === 0 ? canvas.toDataURL("image/png") : "";
    });
  }

  webcam();
  signaturePad();
}());
