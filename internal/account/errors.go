package account

import "github.com/vneid/vneid/internal/failure"

// Failures the account flows return. Their codes are part of the API.
var (
	ErrInvalidIDNumber = failure.New("invalid_id_number", failure.Invalid,
		"Số định danh cá nhân phải gồm đúng 12 chữ số.", "The personal ID number must be exactly 12 digits.")
	ErrInvalidPhone = failure.New("invalid_phone", failure.Invalid,
		"Số điện thoại di động không hợp lệ.", "The mobile phone number is not valid.")
	ErrInvalidDevice = failure.New("invalid_device", failure.Invalid,
		"Thông tin thiết bị hoặc khóa công khai của thiết bị không hợp lệ.", "The device identifier or public key is not valid.")
	ErrCitizenNotFound = failure.New("citizen_not_found", failure.NotFound,
		"Không tìm thấy số định danh cá nhân trong Cơ sở dữ liệu quốc gia về dân cư.",
		"The personal ID number is not in the national population database.")
	ErrCitizenDeceased = failure.New("citizen_deceased", failure.Forbidden,
		"Không thể đăng ký tài khoản cho số định danh cá nhân này.", "An account cannot be registered for this personal ID number.")
	ErrUnderAge = failure.New("citizen_under_age", failure.Forbidden,
		"Công dân dưới 14 tuổi đăng ký thông qua tài khoản của cha, mẹ hoặc người giám hộ.",
		"Citizens under 14 are registered through a parent's or guardian's account.")
	ErrCardNotValid = failure.New("card_not_valid", failure.Forbidden,
		"Thẻ Căn cước công dân không còn giá trị sử dụng (hết hạn, bị mất, bị thu hồi hoặc đã được cấp đổi).",
		"The citizen identity card is not valid (expired, lost, revoked or replaced).")
	ErrAccountExists = failure.New("account_exists", failure.Conflict,
		"Số định danh cá nhân này đã có tài khoản VNeID. Vui lòng đăng nhập.",
		"This personal ID number already has a VNeID account. Please log in.")
	ErrRegistrationNotFound = failure.New("registration_not_found", failure.NotFound,
		"Không tìm thấy hồ sơ đăng ký.", "The registration does not exist.")
	ErrRegistrationExpired = failure.New("registration_expired", failure.Gone,
		"Phiên đăng ký đã hết hạn. Vui lòng đăng ký lại.", "The registration has expired. Please start again.")
	ErrRegistrationState = failure.New("registration_wrong_step", failure.Conflict,
		"Bước này không thực hiện được ở trạng thái hiện tại của hồ sơ đăng ký.",
		"This step cannot be taken at the registration's current stage.")
	ErrQRMalformed = failure.New("qr_malformed", failure.Invalid,
		"Mã QR không phải mã QR trên thẻ Căn cước công dân hoặc không đọc được.",
		"The QR code is not a citizen identity card QR code or cannot be read.")
	ErrQRMismatch = failure.New("qr_mismatch", failure.Invalid,
		"Thông tin trên mã QR không khớp với Cơ sở dữ liệu quốc gia về dân cư.",
		"The QR code's details do not match the national population database.")
	ErrOTPDailyLimit = failure.New("otp_daily_limit", failure.RateLimited,
		"Số điện thoại này đã nhận quá số mã OTP cho phép trong ngày.",
		"This phone number has received the most one-time codes allowed today.")
	ErrOTPResendTooSoon = failure.New("otp_resend_too_soon", failure.RateLimited,
		"Vui lòng chờ trước khi gửi lại mã OTP.", "Please wait before asking for a new code.")
	ErrOTPInvalid = failure.New("otp_invalid", failure.Invalid,
		"Mã OTP không đúng.", "The one-time code is wrong.")
	ErrOTPExpired = failure.New("otp_expired", failure.Gone,
		"Mã OTP đã hết hiệu lực. Vui lòng yêu cầu gửi lại mã.", "The one-time code has expired. Please ask for a new one.")
	ErrOTPAttempts = failure.New("otp_attempts_exceeded", failure.Forbidden,
		"Đã nhập sai mã OTP quá số lần cho phép. Vui lòng yêu cầu gửi lại mã.",
		"Too many wrong codes. Please ask for a new one.")
	ErrDeviceProof = failure.New("device_proof_invalid", failure.Unauthenticated,
		"Không xác thực được thiết bị. Vui lòng thử lại trên thiết bị đã đăng ký.",
		"The device could not be verified. Please try again on the registered device.")
	ErrInvalidCredentials = failure.New("invalid_credentials", failure.Unauthenticated,
		"Số định danh cá nhân hoặc mật khẩu không đúng.", "The personal ID number or password is wrong.")
	ErrDeviceNotBound = failure.New("device_not_bound", failure.Forbidden,
		"Tài khoản đang được đăng nhập trên thiết bị khác. Vui lòng đăng nhập trên thiết bị đã đăng ký hoặc đổi thiết bị.",
		"The account is bound to another device. Log in on the registered device or change device.")
	ErrAccountLocked = failure.New("account_locked", failure.Forbidden,
		"Tài khoản đang bị khóa.", "The account is locked.")
	ErrUnauthenticated = failure.New("unauthenticated", failure.Unauthenticated,
		"Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại.",
		"The session is missing, invalid or expired. Please log in again.")
)
