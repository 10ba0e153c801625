package ssoweb

// pageHTML renders every step of the sign-in. No script: the QR step
// refreshes itself with a meta refresh.
const pageHTML = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
{{if eq .Step "qr"}}<meta http-equiv="refresh" content="3">{{end}}
<title>Đăng nhập bằng VNeID — Sign in with VNeID</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{color:#b71c1c;font-size:1.4rem}.en{color:#666;font-size:.9em}label{display:block;margin:.8rem 0 .2rem}
input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}button,.btn{margin-top:1rem;padding:.6rem 1.2rem;
font-size:1rem;background:#b71c1c;color:#fff;border:0;border-radius:4px;text-decoration:none;display:inline-block}
.secondary{background:#eee;color:#222}.err{background:#fdecea;border-left:4px solid #b71c1c;padding:.6rem .8rem;margin:1rem 0}
.rp{background:#f5f5f5;padding:.6rem .8rem;border-radius:4px}ul{padding-left:1.2rem}img.qr{display:block;margin:1rem auto;max-width:100%}</style>
</head><body>
<h1>Đăng nhập bằng VNeID <span class="en">— Sign in with VNeID</span></h1>
{{if .ClientName}}<p class="rp"><strong>{{.ClientName}}</strong> yêu cầu đăng nhập bằng tài khoản định danh điện tử mức {{.Level}}.<br>
<span class="en">{{.ClientEN}} asks you to sign in with your level-{{.Level}} e-ID account.</span></p>{{end}}
{{if .ErrVI}}<div class="err" role="alert">{{.ErrVI}}<br><span class="en">{{.ErrEN}}</span></div>{{end}}

{{if eq .Step "login"}}
<form method="post" action="/oidc/login/password">
<input type="hidden" name="id" value="{{.ID}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="id_number">Số định danh cá nhân <span class="en">Personal ID number</span></label>
<input id="id_number" name="id_number" inputmode="numeric" autocomplete="username" maxlength="12" value="{{.LoginHint}}" required>
<label for="password">Mật khẩu <span class="en">Password</span></label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Tiếp tục <span class="en">/ Continue</span></button>
</form>
<p>Hoặc <a href="/oidc/login/qr?id={{.ID}}">đăng nhập bằng mã QR trên ứng dụng VNeID</a>.<br>
<span class="en">Or <a href="/oidc/login/qr?id={{.ID}}">sign in with a QR code in the VNeID app</a>.</span></p>

{{else if eq .Step "otp"}}
<p>Mã xác thực đã được gửi đến số điện thoại {{.MaskedPhone}}.<br><span class="en">A code was sent to {{.MaskedPhone}}.</span></p>
<form method="post" action="/oidc/login/otp">
<input type="hidden" name="id" value="{{.ID}}"><input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="ticket" value="{{.Ticket}}">
<label for="code">Mã xác thực (OTP) <span class="en">Verification code</span></label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
<button type="submit">Xác nhận <span class="en">/ Confirm</span></button>
</form>

{{else if eq .Step "qr"}}
<p>Mở ứng dụng VNeID, chọn “Quét mã QR” và quét mã dưới đây, rồi xác nhận bằng mật khẩu.<br>
<span class="en">Open the VNeID app, choose “Scan QR code”, scan the code below and confirm with your password.</span></p>
<img class="qr" alt="Mã QR đăng nhập / Sign-in QR code" src="{{.QR}}">
<p>Trang sẽ tự chuyển tiếp sau khi bạn xác nhận trên ứng dụng. <span class="en">This page continues by itself once you confirm in the app.</span></p>
<p><a href="/oidc/login/qr?id={{.ID}}&amp;renew=1">Tạo mã mới <span class="en">/ New code</span></a> ·
<a href="/oidc/login?id={{.ID}}">Đăng nhập bằng mật khẩu <span class="en">/ Sign in with password</span></a></p>

{{else if eq .Step "consent"}}
<h2>Xác nhận chia sẻ <span class="en">— Confirm sharing</span></h2>
<p><strong>{{.ClientName}}</strong> đề nghị được nhận các thông tin sau từ Cơ sở dữ liệu quốc gia về dân cư:<br>
<span class="en">{{.ClientEN}} asks to receive the following from the national population database:</span></p>
<ul>{{range .Attributes}}<li>{{.VI}} <span class="en">({{.EN}})</span></li>{{end}}</ul>
<p>Mục đích <span class="en">Purpose</span>: {{.Purpose}}<br><span class="en">{{.PurposeEN}}</span></p>
<p>Lựa chọn của bạn được ghi nhớ cho bên này; bạn có thể rút lại sự đồng ý bất cứ lúc nào trong ứng dụng VNeID.<br>
<span class="en">Your choice is remembered for this service; you can withdraw consent at any time in the VNeID app.</span></p>
<form method="post" action="/oidc/consent"><input type="hidden" name="id" value="{{.ID}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" name="decision" value="approve">Đồng ý chia sẻ <span class="en">/ Share</span></button>
<button type="submit" name="decision" value="deny" class="secondary">Từ chối <span class="en">/ Decline</span></button>
</form>

{{else if eq .Step "logged_out"}}
<p>Bạn đã đăng xuất khỏi VNeID. <span class="en">You have signed out of VNeID.</span></p>

{{else}}
{{if and .Back .ID}}<p><a class="btn secondary" href="/oidc/deny?id={{.ID}}">Quay lại trang dịch vụ <span class="en">/ Back to the service</span></a></p>{{end}}
{{end}}
</body></html>
`
