// Record an IVR prompt in the browser (MediaRecorder) and upload it; the server converts it to 8 kHz WAV.
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const error = document.getElementById("prompt-error");
  let recorder = null, chunks = [];
  const show = (message) => { error.textContent = message; error.hidden = false; };
  document.querySelectorAll("button.record").forEach((button) => button.addEventListener("click", async () => {
    const slot = button.dataset.slot;
    const stop = document.querySelector(`button.stop[data-slot="${slot}"]`);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      recorder = new MediaRecorder(stream);
      chunks = [];
      recorder.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
      recorder.onstop = async () => {
        stream.getTracks().forEach((t) => t.stop());
        const body = new FormData();
        body.append("audio", new Blob(chunks, { type: recorder.mimeType }), "recording.webm");
        body.append("source", "browser");
        const response = await fetch(`/admin/prompts/${slot}`, {
          method: "POST", body, headers: { "X-CSRF-Token": csrf, Accept: "application/json" } });
        if (response.ok) { location.assign(`/admin/prompts?notice=saved#${slot}`); }
        else { show((await response.json()).message || "保存失败"); }
      };
      recorder.start();
      button.disabled = true; stop.disabled = false; button.textContent = "录音中…";
    } catch (e) { show("无法使用麦克风：" + e.message); }
  }));
  document.querySelectorAll("button.stop").forEach((button) => button.addEventListener("click", () => {
    if (recorder && recorder.state === "recording") recorder.stop();
    button.disabled = true;
  }));
})();
