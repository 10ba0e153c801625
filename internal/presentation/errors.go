package presentation

import "errors"

// The errors Verify, Peek and Withhold return, each wrapped with context.
// Callers tell them apart with errors.Is and turn them into a stable code
// and user messages with Reason.
var (
	// ErrMalformed: not an SD-JWT of this format (bad base64url or JSON,
	// wrong typ, vct or _sd_alg, a duplicate disclosure, a digest listed
	// twice, a claim name disclosed twice in one document, a key-binding JWT
	// or cnf claim, which this format does not use, or an input over 8 KiB
	// or with more than 64 disclosures).
	ErrMalformed = errors.New("presentation: malformed")
	// ErrSignature: the presentation was altered. Either the issuer's
	// signature does not match the issuer-signed JWT, or a disclosure's
	// digest is in none of the signed _sd arrays (its salt, name or value
	// was changed, or it was added).
	ErrSignature = errors.New("presentation: altered")
	// ErrUnknownKey: the key set has no key with the presentation's kid.
	// A KeySet returns it (wrapped) for a kid it does not know.
	ErrUnknownKey = errors.New("presentation: unknown signing key")
	// ErrAlgorithm: the header's alg is not allowed, or it does not match
	// the key the kid names.
	ErrAlgorithm = errors.New("presentation: signature algorithm not allowed")
	// ErrExpired: past exp, or issued longer ago than VerifyOptions.MaxAge.
	ErrExpired = errors.New("presentation: expired")
	// ErrNotYetValid: iat (or nbf) lies in the future beyond the leeway.
	ErrNotYetValid = errors.New("presentation: not yet valid")
	// ErrIssuer: iss is not the issuer the verifier requires.
	ErrIssuer = errors.New("presentation: wrong issuer")
	// ErrInvalidRequest: Issue was given a request or key it cannot sign
	// (missing fields, a reserved or repeated claim name, a value that
	// does not marshal, or a result over the size limits).
	ErrInvalidRequest = errors.New("presentation: invalid request")
)

// Reason returns a stable machine code and a Vietnamese and an English
// sentence for an error from this package, for an API or a verifier's
// screen. An error of no known kind (a key set that could not be read, for
// instance) gives "presentation_unverifiable"; nil gives empty strings.
//
// A disclosure whose digest is not signed is reported as altered, exactly
// like a bad signature: a changed value changes its digest.
func Reason(err error) (code, vi, en string) {
	switch {
	case err == nil:
		return "", "", ""
	case errors.Is(err, ErrSignature):
		return "presentation_altered",
			"Mã xuất trình đã bị sửa đổi: chữ ký hoặc thông tin kèm theo không khớp.",
			"The presentation has been altered: its signature or a disclosed value does not match."
	case errors.Is(err, ErrMalformed):
		return "presentation_malformed",
			"Mã xuất trình không đúng định dạng.",
			"The presentation is not in the expected format."
	case errors.Is(err, ErrUnknownKey):
		return "presentation_unknown_key",
			"Mã xuất trình được ký bằng khóa không xác định.",
			"The presentation is signed with an unknown key."
	case errors.Is(err, ErrAlgorithm):
		return "presentation_algorithm",
			"Mã xuất trình dùng thuật toán ký không được chấp nhận.",
			"The presentation uses a signature algorithm that is not accepted."
	case errors.Is(err, ErrExpired):
		return "presentation_expired",
			"Mã xuất trình đã hết hạn. Vui lòng tạo mã mới.",
			"The presentation has expired. Please create a new one."
	case errors.Is(err, ErrNotYetValid):
		return "presentation_not_yet_valid",
			"Mã xuất trình chưa có hiệu lực. Vui lòng kiểm tra đồng hồ của thiết bị.",
			"The presentation is not yet valid. Please check the device clock."
	case errors.Is(err, ErrIssuer):
		return "presentation_wrong_issuer",
			"Mã xuất trình không do đơn vị phát hành được chấp nhận cấp.",
			"The presentation was not issued by an accepted issuer."
	case errors.Is(err, ErrInvalidRequest):
		return "presentation_request_invalid",
			"Yêu cầu tạo mã xuất trình không hợp lệ.",
			"The request to create a presentation is not valid."
	default:
		return "presentation_unverifiable",
			"Không thể kiểm tra mã xuất trình lúc này. Vui lòng thử lại sau.",
			"The presentation could not be checked right now. Please try again later."
	}
}
