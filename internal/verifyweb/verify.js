// The VNeID verifier page: reads a presentation (SD-JWT VC, RFC 9901) from
// the camera, an image or the clipboard and checks it in the browser with
// the issuer's published keys (WebCrypto). Written for this project.
'use strict';
(() => {
  const body = document.body;
  const lang = body.dataset.lang === 'en' ? 'en' : 'vi';
  const ISSUER = body.dataset.issuer;
  const JWKS_URL = body.dataset.jwks;
  const VCT = 'urn:vn:vneid:presentation:1';
  const LEEWAY = 30;
  let LABELS = {};
  try { LABELS = JSON.parse(document.getElementById('labels').textContent) || {}; } catch (e) { LABELS = {}; }

  const TEXT = {
    vi: {
      valid: 'HỢP LỆ', level: 'Mức định danh', issued: 'Tạo lúc', expires: 'Hết hạn lúc',
      withheld: 'thông tin không được xuất trình', offline: 'Đã kiểm tra chữ ký, thời hạn và nội dung bằng khóa công khai. Việc mã đã được dùng hoặc bị thu hồi chỉ kiểm tra được trực tuyến qua API kiểm tra của đơn vị.',
      keys: 'Khóa công khai cập nhật lúc', keysOffline: '(đang dùng bản lưu, không có mạng)',
      empty: 'Vui lòng dán, chụp hoặc chọn ảnh mã xuất trình.', reading: 'Đang đọc mã QR…', noqr: 'Không tìm thấy mã QR trong ảnh.',
      camera: 'Không mở được camera.', insecure: 'Trình duyệt chỉ kiểm tra được qua kết nối an toàn (HTTPS).',
      malformed: 'Mã xuất trình không đúng định dạng.', altered: 'MÃ ĐÃ BỊ SỬA ĐỔI: chữ ký hoặc thông tin kèm theo không khớp.',
      unknown_key: 'Mã được ký bằng khóa không xác định.', algorithm: 'Thuật toán ký không được chấp nhận.',
      expired: 'Mã xuất trình đã hết hạn. Đề nghị công dân tạo mã mới.', not_yet_valid: 'Mã chưa có hiệu lực (kiểm tra đồng hồ thiết bị).',
      wrong_issuer: 'Mã không do VNeID phát hành.', keys_unavailable: 'Chưa tải được khóa công khai. Vui lòng kết nối mạng một lần.',
      invalid: 'KHÔNG HỢP LỆ', doc: 'Giấy tờ'
    },
    en: {
      valid: 'VALID', level: 'e-ID level', issued: 'Issued at', expires: 'Expires at',
      withheld: 'attributes not disclosed', offline: 'The signature, validity period and contents were checked with the published keys. Whether the code was used before or revoked can only be checked online, through the verification API.',
      keys: 'Public keys updated at', keysOffline: '(using the saved copy; offline)',
      empty: 'Please paste, scan or choose a picture of a presentation code.', reading: 'Reading the QR code…', noqr: 'No QR code was found in the picture.',
      camera: 'The camera could not be opened.', insecure: 'The browser can only verify over a secure (HTTPS) connection.',
      malformed: 'The presentation is not in the expected format.', altered: 'ALTERED CODE: its signature or a disclosed value does not match.',
      unknown_key: 'The code is signed with an unknown key.', algorithm: 'The signature algorithm is not accepted.',
      expired: 'The presentation has expired. Ask the citizen for a new code.', not_yet_valid: 'The code is not valid yet (check the device clock).',
      wrong_issuer: 'The code was not issued by VNeID.', keys_unavailable: 'The public keys could not be loaded. Please connect once.',
      invalid: 'NOT VALID', doc: 'Document'
    }
  };
  const t = (k) => TEXT[lang][k] || k;
  const $ = (id) => document.getElementById(id);
  const enc = new TextEncoder();
  const dec = new TextDecoder('utf-8', { fatal: true });

  function fail(code) { const e = new Error(code); e.code = code; return e; }

  function b64uDecode(s) {
    if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) throw fail('malformed');
    let b = s.replace(/-/g, '+').replace(/_/g, '/');
    while (b.length % 4) b += '=';
    const bin = atob(b);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function b64uEncode(bytes) {
    let bin = '';
    for (const x of bytes) bin += String.fromCharCode(x);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function json(bytes) {
    try { return JSON.parse(dec.decode(bytes)); } catch (e) { throw fail('malformed'); }
  }

  async function loadKeys(force) {
    let cached = null;
    try { cached = JSON.parse(localStorage.getItem('vneid-jwks') || 'null'); } catch (e) { cached = null; }
    if (!force && cached && cached.jwks && Date.now() - cached.at < 3600e3) return cached;
    try {
      const r = await fetch(JWKS_URL, { cache: 'no-store' });
      if (!r.ok) throw new Error('status ' + r.status);
      const c = { at: Date.now(), jwks: await r.json() };
      try { localStorage.setItem('vneid-jwks', JSON.stringify(c)); } catch (e) { /* private mode */ }
      return c;
    } catch (e) {
      if (cached && cached.jwks) { cached.offline = true; return cached; }
      throw fail('keys_unavailable');
    }
  }

  function showKeys(c) {
    $('keys').textContent = t('keys') + ' ' + new Date(c.at).toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN') + (c.offline ? ' ' + t('keysOffline') : '');
  }

  async function verify(token) {
    token = token.replace(/\s+/g, '');
    if (!token) throw fail('empty');
    if (token.length > 8192) throw fail('malformed');
    const parts = token.split('~');
    if (parts.length < 2 || parts[parts.length - 1] !== '') throw fail('malformed');
    const jws = parts[0].split('.');
    if (jws.length !== 3) throw fail('malformed');
    const header = json(b64uDecode(jws[0]));
    const payload = json(b64uDecode(jws[1]));
    if (!header || header.typ !== 'dc+sd-jwt' || !payload || payload.vct !== VCT || payload._sd_alg !== 'sha-256' ||
        !Array.isArray(payload.docs)) throw fail('malformed');
    let keys = await loadKeys(false);
    const find = (c) => (c.jwks.keys || []).find((k) => k.kid === header.kid && (!k.use || k.use === 'sig'));
    let jwk = find(keys);
    if (!jwk && !keys.offline) { keys = await loadKeys(true); jwk = find(keys); }
    showKeys(keys);
    if (!jwk) throw fail('unknown_key');
    let imp, alg;
    if (header.alg === 'ES256' && jwk.kty === 'EC' && jwk.crv === 'P-256') {
      imp = { name: 'ECDSA', namedCurve: 'P-256' }; alg = { name: 'ECDSA', hash: 'SHA-256' };
    } else if (header.alg === 'EdDSA' && jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
      imp = { name: 'Ed25519' }; alg = { name: 'Ed25519' };
    } else if (header.alg === 'RS256' && jwk.kty === 'RSA') {
      imp = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }; alg = { name: 'RSASSA-PKCS1-v1_5' };
    } else {
      throw fail('algorithm');
    }
    if (!window.crypto || !crypto.subtle) throw fail('insecure');
    const pub = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, n: jwk.n, e: jwk.e, ext: true };
    Object.keys(pub).forEach((k) => pub[k] === undefined && delete pub[k]);
    const key = await crypto.subtle.importKey('jwk', pub, imp, false, ['verify']);
    const ok = await crypto.subtle.verify(alg, key, b64uDecode(jws[2]), enc.encode(jws[0] + '.' + jws[1]));
    if (!ok) throw fail('altered');
    if (payload.iss !== ISSUER) throw fail('wrong_issuer');
    const now = Date.now() / 1000;
    if (typeof payload.exp !== 'number' || now > payload.exp + LEEWAY) throw fail('expired');
    if (typeof payload.iat !== 'number' || payload.iat > now + LEEWAY) throw fail('not_yet_valid');

    const owner = new Map();
    payload.docs.forEach((d, i) => {
      if (!d || typeof d.kind !== 'string' || !Array.isArray(d._sd)) throw fail('malformed');
      d._sd.forEach((h) => { if (owner.has(h)) throw fail('malformed'); owner.set(h, i); });
    });
    const docs = payload.docs.map((d) => ({ kind: d.kind, claims: [], total: d._sd.length }));
    const seen = new Set();
    for (const disc of parts.slice(1, -1)) {
      if (seen.has(disc)) throw fail('malformed');
      seen.add(disc);
      const h = b64uEncode(new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(disc))));
      if (!owner.has(h)) throw fail('altered');
      const arr = json(b64uDecode(disc));
      if (!Array.isArray(arr) || arr.length !== 3 || typeof arr[0] !== 'string' || typeof arr[1] !== 'string' ||
          ['', '_sd', '...', 'kind'].includes(arr[1])) throw fail('malformed');
      const doc = docs[owner.get(h)];
      if (doc.claims.some((c) => c[0] === arr[1])) throw fail('malformed');
      doc.claims.push([arr[1], arr[2]]);
    }
    return { payload, docs };
  }

  // ownLabel is LABELS[k] if LABELS has it (not from Object.prototype:
  // a claim may be named "constructor").
  const ownLabel = (k) => (Object.prototype.hasOwnProperty.call(LABELS, k) && Array.isArray(LABELS[k]) ? LABELS[k] : null);

  // label names a document (kind) or one of its attributes (kind, name).
  function label(kind, name) {
    const l = (name === undefined ? ownLabel(kind) : ownLabel(kind + '.' + name) || ownLabel(name));
    return l ? (lang === 'en' ? l[1] : l[0]) : (name === undefined ? kind : name);
  }

  function format(v) {
    if (v === null || v === undefined) return '';
    if (Array.isArray(v)) return v.map(format).join('; ');
    if (typeof v === 'object') return Object.keys(v).map((k) => label(k) + ': ' + format(v[k])).join(', ');
    return String(v);
  }

  function cell(tag, text) { const e = document.createElement(tag); e.textContent = text; return e; }

  function show(res) {
    const box = $('result');
    const out = $('details');
    out.replaceChildren();
    box.hidden = false;
    if (res.error) {
      box.className = 'bad';
      $('verdict').textContent = t('invalid');
      out.append(cell('p', t(res.error)));
      return;
    }
    box.className = 'ok';
    const p = res.payload;
    $('verdict').textContent = t('valid') + ' — ' + t('level') + ' ' + p.lvl;
    const when = (s) => new Date(s * 1000).toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN');
    out.append(cell('p', t('issued') + ' ' + when(p.iat) + ' · ' + t('expires') + ' ' + when(p.exp)));
    for (const d of res.docs) {
      out.append(cell('h2', label(d.kind)));
      const table = document.createElement('table');
      for (const [name, value] of d.claims) {
        const tr = document.createElement('tr');
        tr.dataset.claim = name;
        tr.append(cell('th', label(d.kind, name)), cell('td', format(value)));
        table.append(tr);
      }
      out.append(table);
      if (d.total > d.claims.length) out.append(cell('p', (d.total - d.claims.length) + ' ' + t('withheld')));
    }
    out.append(cell('p', t('offline')));
  }

  async function run(token) {
    try {
      show(await verify(token));
    } catch (e) {
      show({ error: e.code || 'malformed' });
    }
  }

  async function decodeImage(blob) {
    if ('BarcodeDetector' in window) {
      try {
        const codes = await new window.BarcodeDetector({ formats: ['qr_code'] }).detect(await createImageBitmap(blob));
        if (codes.length) return codes[0].rawValue;
      } catch (e) { /* fall back to the server */ }
    }
    const r = await fetch('/verify/decode', { method: 'POST', body: blob, headers: { 'Content-Type': blob.type || 'application/octet-stream' } });
    if (!r.ok) return null;
    return (await r.json()).text || null;
  }

  let stream = null;
  function stopCamera() {
    if (stream) stream.getTracks().forEach((tr) => tr.stop());
    stream = null;
    $('video').style.display = 'none';
  }

  async function startCamera() {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    } catch (e) {
      show({ error: 'camera' });
      return;
    }
    const video = $('video');
    video.srcObject = stream;
    video.style.display = 'block';
    await video.play();
    const canvas = document.createElement('canvas');
    const tick = async () => {
      if (!stream) return;
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      canvas.getContext('2d').drawImage(video, 0, 0);
      const blob = await new Promise((ok) => canvas.toBlob(ok, 'image/jpeg', 0.9));
      const text = blob ? await decodeImage(blob) : null;
      if (text) { stopCamera(); $('code').value = text; run(text); return; }
      setTimeout(tick, 700);
    };
    setTimeout(tick, 500);
  }

  $('check').addEventListener('click', () => run($('code').value));
  $('clear').addEventListener('click', () => { $('code').value = ''; $('result').hidden = true; stopCamera(); });
  $('camera').addEventListener('click', () => (stream ? stopCamera() : startCamera()));
  $('image').addEventListener('change', async (ev) => {
    const f = ev.target.files && ev.target.files[0];
    if (!f) return;
    $('keys').textContent = t('reading');
    const text = await decodeImage(f);
    if (!text) { show({ error: 'noqr' }); return; }
    $('code').value = text;
    run(text);
  });
  loadKeys(false).then(showKeys).catch(() => {});
})();
