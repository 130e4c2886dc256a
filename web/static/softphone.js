/* The agent's browser softphone: registers with Kamailio over WebSocket (JsSIP) using the short-lived
   credentials the console issues, rings on an incoming call, answers, mutes, hangs up; media is WebRTC
   (DTLS-SRTP/ICE) to rtpengine, which hands plain RTP to the hotline's SIP worker. */
(function () {
  "use strict";
  const panel = document.getElementById("softphone");
  if (!panel || !window.JsSIP) return;
  const $ = (id) => document.getElementById(id);
  const stateEl = $("softphone-state"), callEl = $("softphone-call"), peerEl = $("softphone-peer");
  const timerEl = $("softphone-timer"), errorEl = $("softphone-error"), audio = $("softphone-remote");
  const whatEl = $("softphone-what");
  const answerBtn = $("softphone-answer"), muteBtn = $("softphone-mute"), hangupBtn = $("softphone-hangup");
  const LABELS = {
    off: "未连接", connecting: "正在连接…", ready: "已就绪，可接听", ringing: "来电振铃", talking: "通话中",
    muted: "通话中（已静音）", ended: "通话已结束", failed: "注册失败", unconfigured: "未配置",
    reconnecting: "连接断开，正在重连…",
  };
  const phone = { state: "off", ua: null, session: null, remoteStream: null, credentials: null, deskCaller: "" };
  window.hotlineSoftphone = phone;
  let timer = null, renewTimer = null, startedAt = 0;

  function setState(state, detail) {
    phone.state = state;
    panel.dataset.state = state;
    stateEl.textContent = LABELS[state] || state;
    errorEl.hidden = !detail;
    errorEl.textContent = detail || "";
    const inCall = state === "talking" || state === "muted";
    answerBtn.hidden = state !== "ringing";
    hangupBtn.hidden = !(inCall || state === "ringing");
    muteBtn.hidden = !inCall;
    muteBtn.textContent = state === "muted" ? "取消静音" : "静音";
    callEl.hidden = !(inCall || state === "ringing");
    whatEl.textContent = state === "ringing" ? "来电" : "通话";
    if (state === "ringing") ring.start(); else ring.stop();
  }

  // A ring tone while a call is offered (450 Hz, 1 s on / 1 s off, as Chinese exchanges ring).
  const ring = {
    ctx: null, timer: null,
    start() {
      if (this.timer) return;
      try { this.ctx = this.ctx || new AudioContext(); } catch (e) { return; }
      const beep = () => {
        const osc = this.ctx.createOscillator(), gain = this.ctx.createGain();
        osc.frequency.value = 450;
        gain.gain.value = 0.15;
        osc.connect(gain).connect(this.ctx.destination);
        osc.start();
        osc.stop(this.ctx.currentTime + 1);
      };
      this.ctx.resume().catch(() => {});
      beep();
      this.timer = setInterval(beep, 2000);
    },
    stop() { clearInterval(this.timer); this.timer = null; },
  };

  function peerName(session) {
    const id = session.remote_identity;
    return (id && (id.display_name || (id.uri && id.uri.user))) || "未知号码";
  }

  function tick() {
    const s = Math.floor((Date.now() - startedAt) / 1000);
    timerEl.textContent = String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }

  function attachRemote(pc) {
    if (!pc || pc.__hotlineAttached) return;
    pc.__hotlineAttached = true;
    pc.addEventListener("track", (ev) => {
      const stream = ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]);
      phone.remoteStream = stream;
      audio.srcObject = stream;
    });
  }

  function remoteFromReceivers(pc) {
    if (!pc || phone.remoteStream) return;
    const tracks = pc.getReceivers().map((r) => r.track).filter((t) => t && t.kind === "audio");
    if (tracks.length) {
      phone.remoteStream = new MediaStream(tracks);
      audio.srcObject = phone.remoteStream;
    }
  }

  function endCall(reason) {
    clearInterval(timer);
    timer = null;
    phone.session = null;
    phone.remoteStream = null;
    audio.srcObject = null;
    document.title = document.title.replace(/^【来电】/, "");
    setState(phone.ua && phone.ua.isRegistered() ? "ready" : "off", reason);
    if (phone.ua && phone.ua.isRegistered()) stateEl.textContent = LABELS.ended + "，" + LABELS.ready;
  }

  function onSession(ev) {
    const session = ev.session;
    if (ev.originator !== "remote") return;
    if (phone.session) {  // one call at a time: the worker's ring timeout moves the caller on
      session.terminate({ status_code: 486, reason_phrase: "Busy Here" });
      return;
    }
    phone.session = session;
    phone.remoteStream = null;
    attachRemote(session.connection);
    session.on("peerconnection", (e) => attachRemote(e.peerconnection));
    peerEl.textContent = phone.deskCaller || peerName(session);  // the desk knows a queued caller's number
    timerEl.textContent = "";
    document.title = "【来电】" + document.title;
    setState("ringing");
    session.on("accepted", () => {
      remoteFromReceivers(session.connection);
      startedAt = Date.now();
      tick();
      timer = setInterval(tick, 1000);
      document.title = document.title.replace(/^【来电】/, "");
      setState("talking");
    });
    session.on("confirmed", () => remoteFromReceivers(session.connection));
    session.on("ended", () => endCall(""));
    session.on("failed", (e) => endCall(e.cause === JsSIP.C.causes.CANCELED ? "对方已挂断（未接听）"
      : e.originator === "local" && e.cause === JsSIP.C.causes.REJECTED ? "" : "通话失败：" + e.cause));
  }

  answerBtn.addEventListener("click", () => {
    if (!phone.session) return;
    phone.session.answer({
      mediaConstraints: { audio: true, video: false },
      pcConfig: { iceServers: [] },  // rtpengine is reachable directly; no STUN/TURN needed
    });
  });
  hangupBtn.addEventListener("click", () => {
    if (phone.session) phone.session.terminate();
  });
  muteBtn.addEventListener("click", () => {
    const s = phone.session;
    if (!s) return;
    if (s.isMuted().audio) { s.unmute({ audio: true }); setState("talking"); }
    else { s.mute({ audio: true }); setState("muted"); }
  });

  async function fetchCredentials() {
    const response = await fetch(panel.dataset.credentialsUrl, { credentials: "same-origin" });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(body.message || "HTTP " + response.status),
      { unconfigured: response.status === 404 });
    return body;
  }

  async function start() {
    setState("connecting");
    let creds;
    try {
      creds = await fetchCredentials();
    } catch (err) {
      setState(err.unconfigured ? "unconfigured" : "failed", err.message);
      return;
    }
    phone.credentials = creds;
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(creds.ws_url)],
      uri: creds.uri,
      authorization_user: creds.authorization_user,
      password: creds.password,
      display_name: creds.display_name,
      register: true,
      register_expires: 600,
      session_timers: false,
      user_agent: "7812345-console JsSIP/" + JsSIP.version,
    });
    phone.ua = ua;
    ua.on("connecting", () => { if (phone.state === "off") setState("connecting"); });
    ua.on("disconnected", () => { if (!phone.session) setState("reconnecting"); });
    ua.on("registered", () => { if (!phone.session) setState("ready"); });
    ua.on("unregistered", () => { if (!phone.session) setState("off"); });
    ua.on("registrationFailed", (e) => setState("failed", "注册失败：" + e.cause));
    ua.on("newRTCSession", onSession);
    ua.start();
    // renew the credentials five minutes before they expire, between calls
    const renewIn = Math.max(60, creds.expires_at - Date.now() / 1000 - 300) * 1000;
    clearTimeout(renewTimer);
    renewTimer = setTimeout(function renew() {
      if (phone.session) { renewTimer = setTimeout(renew, 30000); return; }
      ua.stop();
      start();
    }, renewIn);
  }

  window.addEventListener("beforeunload", () => { if (phone.ua) phone.ua.stop(); });
  start();
})();
