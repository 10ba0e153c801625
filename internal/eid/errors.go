package eid

import "github.com/vneid/vneid/internal/failure"

// Failures the e-ID flows return. Their codes are part of the API.
var (
	ErrApplicationPending = failure.New("eid_application_pending", failure.Conflict,
		"Hồ sơ đăng ký tài khoản định danh điện tử của bạn đang chờ phê duyệt.",
		"Your e-ID application is waiting for review.")
	ErrActivationDue = failure.New("eid_activation_due", failure.Conflict,
		"Hồ sơ đã được phê duyệt. Vui lòng kích hoạt tài khoản định danh điện tử.",
		"Your application was approved. Please activate your e-ID account.")
	ErrAlreadyLevel = failure.New("eid_level_reached", failure.Conflict,
		"Tài khoản đã đạt mức định danh điện tử này hoặc cao hơn.",
		"The account already has this e-ID level or a higher one.")
	ErrActivationExpired = failure.New("eid_activation_expired", failure.Gone,
		"Đã quá 7 ngày kể từ khi có thông báo kết quả. Vui lòng liên hệ cơ quan Công an hoặc tổng đài 1900 0368 để được kích hoạt.",
		"More than 7 days have passed since the result notice. Please contact the police or the 1900 0368 hotline to activate.")
	ErrNotApproved = failure.New("eid_not_approved", failure.Conflict,
		"Không có hồ sơ đã được phê duyệt để kích hoạt.", "There is no approved application to activate.")
	ErrCardNotEligible = failure.New("eid_card_not_eligible", failure.Forbidden,
		"Đăng ký trực tuyến mức 1 cần thẻ Căn cước công dân gắn chip còn giá trị sử dụng.",
		"Online level-1 registration needs a valid chip ID card.")
	ErrApplicationNotFound = failure.New("eid_application_not_found", failure.NotFound,
		"Không tìm thấy hồ sơ.", "The application does not exist.")
	ErrApplicationState = failure.New("eid_application_wrong_step", failure.Conflict,
		"Bước này không thực hiện được ở trạng thái hiện tại của hồ sơ.",
		"This step cannot be taken at the application's current stage.")
	ErrApplicationExpired = failure.New("eid_application_expired", failure.Gone,
		"Phiên đăng ký đã hết hạn. Vui lòng bắt đầu lại.", "The application session has expired. Please start again.")
	ErrEvidenceInvalid = failure.New("eid_evidence_invalid", failure.Invalid,
		"Hồ sơ thiếu thông tin hoặc thông tin không hợp lệ.", "The dossier is incomplete or a part of it is not valid.")
	ErrChipRefused = failure.New("chip_refused", failure.Invalid,
		"Không xác thực được dữ liệu chip trên thẻ Căn cước công dân. Vui lòng đọc lại thẻ.",
		"The ID card's chip data could not be authenticated. Please read the card again.")
	ErrChipNotYours = failure.New("chip_not_yours", failure.Forbidden,
		"Thẻ được đọc không phải thẻ của chủ tài khoản.", "The card read is not the account holder's card.")
	ErrReasonRequired = failure.New("eid_reason_required", failure.Invalid,
		"Vui lòng chọn lý do từ chối và ghi rõ nội dung.", "Please choose a rejection reason and explain it.")
	ErrForbidden = failure.New("forbidden", failure.Forbidden,
		"Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this.")
	ErrNoticeNotFound       = failure.New("notice_not_found", failure.NotFound, "Không tìm thấy thông báo.", "The notice does not exist.")
	ErrNotActivationExpired = failure.New("eid_not_activation_expired", failure.Conflict,
		"Tài khoản không ở trạng thái quá hạn kích hoạt.", "The account's activation has not expired.")
)
