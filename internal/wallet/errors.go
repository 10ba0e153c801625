package wallet

import "github.com/vneid/vneid/internal/failure"

// Failures the wallet returns. Their codes are part of the API.
var (
	ErrLevelRequired = failure.New("wallet_level_required", failure.Forbidden,
		"Chức năng này dành cho tài khoản định danh điện tử mức 2. Vui lòng đến cơ quan Công an để nâng mức tài khoản.",
		"This needs a level 2 e-ID account. Please visit a police office to upgrade the account.")
	ErrNoEID = failure.New("wallet_no_eid", failure.Forbidden,
		"Tài khoản chưa được định danh điện tử. Vui lòng đăng ký định danh điện tử mức 1 hoặc mức 2.",
		"The account has no e-ID yet. Please apply for level 1 or level 2.")
	ErrPasscodeNotSet = failure.New("passcode_not_set", failure.Conflict,
		"Bạn chưa đặt mã bảo vệ (passcode) cho ví giấy tờ. Vui lòng đặt passcode 6 chữ số.",
		"You have not set the wallet passcode yet. Please set a 6-digit passcode.")
	ErrPasscodeFormat = failure.New("passcode_invalid_format", failure.Invalid,
		"Passcode phải gồm đúng 6 chữ số và không được là dãy dễ đoán (như 000000, 123456).",
		"The passcode must be exactly 6 digits and not an easy sequence (such as 000000 or 123456).")
	ErrPasscodeWrong = failure.New("passcode_wrong", failure.Unauthenticated,
		"Passcode không đúng.", "The passcode is wrong.")
	ErrWalletLocked = failure.New("wallet_locked", failure.Unauthenticated,
		"Ví giấy tờ đang khóa. Vui lòng nhập passcode để mở.", "The wallet is locked. Please enter the passcode to open it.")
	ErrConsentRequired = failure.New("integration_consent_required", failure.Invalid,
		"Bạn cần đồng ý cho phép kiểm tra và tích hợp giấy tờ vào tài khoản.",
		"You must agree to have the document checked and integrated into the account.")
	ErrKindInvalid = failure.New("document_kind_invalid", failure.Invalid,
		"Loại giấy tờ không hợp lệ.", "The document kind is not valid.")
	ErrNumberInvalid = failure.New("document_number_invalid", failure.Invalid,
		"Số giấy tờ không hợp lệ.", "The document number is not valid.")
	ErrDuplicate = failure.New("integration_duplicate", failure.Conflict,
		"Giấy tờ này đã được tích hợp hoặc đang chờ xử lý.", "This document is already integrated or its request is pending.")
	ErrDailyCap = failure.New("integration_daily_cap", failure.RateLimited,
		"Bạn đã gửi quá số yêu cầu tích hợp giấy phép lái xe cho phép trong ngày. Vui lòng thử lại vào ngày mai.",
		"You have sent the most driving-licence integration requests allowed today. Please try again tomorrow.")
	ErrRequestNotFound = failure.New("integration_not_found", failure.NotFound,
		"Không tìm thấy yêu cầu tích hợp.", "The integration request does not exist.")
	ErrDocumentNotFound = failure.New("wallet_document_not_found", failure.NotFound,
		"Không tìm thấy giấy tờ trong ví.", "The document is not in the wallet.")
	ErrDocumentNotValid = failure.New("wallet_document_not_valid", failure.Conflict,
		"Giấy tờ không còn giá trị (hết hạn, bị tạm giữ hoặc thu hồi) nên không thể xuất trình.",
		"The document is no longer valid (expired, suspended or revoked) and cannot be presented.")
	ErrClaimUnknown = failure.New("presentation_claim_unknown", failure.Invalid,
		"Thông tin yêu cầu xuất trình không có trên giấy tờ.", "A requested attribute is not on the document.")
	ErrPresentationRequest = failure.New("presentation_request_invalid", failure.Invalid,
		"Yêu cầu xuất trình không hợp lệ: chọn ít nhất một giấy tờ, mỗi giấy tờ một lần.",
		"The presentation request is not valid: choose at least one document, each once.")
	ErrTooLarge = failure.New("presentation_too_large", failure.Invalid,
		"Bản xuất trình quá lớn để hiển thị trong một mã QR. Vui lòng chọn ít giấy tờ hoặc ít thông tin hơn.",
		"The presentation is too large for one QR code. Please choose fewer documents or attributes.")
	ErrPresentationNotFound = failure.New("presentation_not_found", failure.NotFound,
		"Không tìm thấy bản xuất trình.", "The presentation does not exist.")
	ErrReplayed = failure.New("presentation_replayed", failure.Conflict,
		"Bản xuất trình này đã được kiểm tra trước đó; mỗi bản chỉ dùng một lần. Đề nghị công dân tạo mã mới.",
		"This presentation was already verified; each is used once. Ask the citizen for a new code.")
	ErrRevoked = failure.New("presentation_revoked", failure.Gone,
		"Bản xuất trình đã bị thu hồi, tài khoản đang bị khóa hoặc giấy tờ không còn giá trị.",
		"The presentation was revoked, the account is locked or a document is no longer valid.")
	ErrAudience = failure.New("presentation_wrong_audience", failure.Forbidden,
		"Bản xuất trình được tạo cho đơn vị kiểm tra khác.", "The presentation was made for another verifier.")
	ErrNonce = failure.New("presentation_nonce_mismatch", failure.Forbidden,
		"Mã kiểm tra (nonce) không khớp, đã dùng hoặc đã hết hạn.", "The nonce does not match, was used or has expired.")
)
